#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod codec;
mod config;
mod convert;
mod error;
mod faststart;
mod ffi;
mod frame;
mod mux;
mod sink;
mod worker;
mod writer;

pub mod info;
mod order;

pub use config::{
    Codec, ColorMatrix, ColorSettings, Container, EncoderConfig, FrameRate, OddSize,
    OutputPixelFormat, RateControl, Timing,
};
pub use convert::YuvConverter;
pub use error::{Error, FfmpegError, Result};
pub use frame::{Frame, PixelFormat};
pub use mux::{FragmentCallback, FragmentInfo};
pub use order::natural_cmp;
pub use sink::WriteSeek;
pub use worker::Summary;
pub use writer::{VideoWriter, WriterOptions};
