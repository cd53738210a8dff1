#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::missing_errors_doc)]

// The settings, in order: config (what the user said) → codec (the encoder table and its
// rules) → plan (what will be done). The data path reads the plan: writer → (channel) →
// worker → the tracks (video: convert → encode; audio) → output (mux → sink).
#[macro_use]
mod names;

mod audio;
mod av;
mod codec;
mod config;
mod error;
mod ffargs;
mod ffi;
mod frame;
mod join;
mod output;
mod plan;
mod samples;
mod summary;
mod video;
mod worker;
mod writer;

pub mod info;

#[cfg(feature = "cli")]
pub mod cli;

// The command line's modules name the library as the binary did.
#[cfg(feature = "cli")]
extern crate self as encode_native;

pub use codec::audio::AudioEncoderInfo;
pub use codec::{Encoder, EncoderInfo, QualityScale, VideoCodec};
pub use config::{
    AudioDamage, AudioEncoder, AudioLength, AudioSettings, AudioSource, BrowserElement,
    ColorMatrix, ColorSettings, Container, Dither, EncoderConfig, FrameRate, Metadata, OddSize,
    OutputPixelFormat, PaletteMode, PaletteSettings, RateControl, SampleFormat, Setting,
    SettingGroup, SettingKind, Tag, TagScope, Timing, ENCODER_TAG,
};
pub use error::{Error, ErrorKind, FfmpegError, Result};
pub use ffargs::{ffmpeg_args_settings, ffmpeg_flags, FfmpegFlag, FlagSide};
pub use frame::{Frame, PixelFormat};
pub use join::concat;
pub use output::{
    finishing_path, partial_path, recover, Concatenated, CopiedAudio, Destination,
    FragmentCallback, FragmentInfo, MemoryBuffer, Recovered, WriteSeek, FINISHING_SUFFIX,
    PARTIAL_SUFFIX,
};
pub use plan::Plan;
pub use samples::{AudioSample, AudioSamples, AUDIO_AHEAD_SECONDS};
pub use summary::{AudioTrackSummary, Summary};
pub use video::convert::YuvConverter;
pub use writer::{KeptPartial, MemoryWriter, VideoWriter, WriterOptions};
