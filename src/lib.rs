#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]
#![warn(missing_docs)]

// The data path, in order: writer → (channel) → worker → convert → codec → output (mux → sink).
#[macro_use]
mod names;

mod av;
mod codec;
mod config;
mod convert;
mod error;
mod ffargs;
mod ffi;
mod frame;
mod output;
#[cfg(feature = "gif")]
mod quantize;
mod summary;
mod worker;
mod writer;

pub mod info;

pub use codec::{Encoder, EncoderInfo, VideoCodec};
pub use config::{
    ColorMatrix, ColorSettings, Container, Dither, EncoderConfig, FrameRate, OddSize,
    OutputPixelFormat, PaletteMode, PaletteSettings, RateControl, Setting, SettingKind, Timing,
};
pub use convert::YuvConverter;
pub use error::{Error, FfmpegError, Result};
pub use ffargs::{ffmpeg_args_settings, ffmpeg_flags, FfmpegFlag, FlagSide};
pub use frame::{Frame, PixelFormat};
pub use output::{
    concat, partial_path, recover, Concatenated, Destination, FragmentCallback, FragmentInfo,
    MemoryBuffer, Recovered, WriteSeek, PARTIAL_SUFFIX,
};
pub use summary::Summary;
pub use writer::{MemoryWriter, VideoWriter, WriterOptions};
