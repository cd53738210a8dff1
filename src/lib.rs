//! Frames held in memory → a real video file, in-process: FFmpeg's own libraries (libavcodec
//! with libx264 and the other encoders, libavformat, libswscale, libswresample, libavfilter)
//! linked in and run on a dedicated encoder thread. No `ffmpeg` subprocess, no temporary image
//! files, no pipe to break.
//!
//! ```rust
//! use encode_native::{EncoderConfig, Frame, PixelFormat, VideoWriter};
//!
//! # fn main() -> Result<(), encode_native::Error> {
//! let path = std::env::temp_dir().join("encode-native-crate-doc.mp4");
//! // H.264 yuv420p, crf 23, BT.601 tags below 1280x720 (BT.709 from there), faststart MP4.
//! let fps: encode_native::FrameRate = "29.97".parse()?; // exactly 30000/1001
//! let config = EncoderConfig::new(320, 240, fps).preset("veryfast");
//! let mut writer = VideoWriter::create(&path, config)?;
//! let mut rgb = vec![0u8; 320 * 240 * 3];
//! for i in 0..30u8 {
//!     rgb.fill(i * 8);
//!     // Borrowed: read once while it is converted, never copied.
//!     writer.push(Frame::new(320, 240, PixelFormat::Rgb24, &rgb))?;
//! }
//! let summary = writer.finish()?;
//! assert_eq!(summary.frames, 30);
//! assert_eq!(summary.duration.as_secs_f64(), 30.0 * 1001.0 / 30000.0);
//! # std::fs::remove_file(&path).ok();
//! # Ok(())
//! # }
//! ```
//!
//! # What to reach for
//!
//! - [`EncoderConfig`]: the settings, each checked before any FFmpeg object exists, with an
//!   error naming the field, the value and what is allowed. Every setting also has a name
//!   ([`EncoderConfig::set`], [`EncoderConfig::settings`]): the same names as the command
//!   line's options, Python's keyword arguments and the C API's `en_config_set`.
//! - [`VideoWriter`]: [`create`](VideoWriter::create) (a file, written crash-safely through
//!   `out.mp4.partial` and renamed when finished), [`to_memory`](VideoWriter::to_memory),
//!   [`to_writer`](VideoWriter::to_writer) (any `Write + Seek`),
//!   [`to_stream`](VideoWriter::to_stream) (any `Write`: fragmented MP4, Matroska or
//!   MPEG-TS), or [`open`](VideoWriter::open) with a [`Destination`] and [`WriterOptions`].
//!   [`push`](VideoWriter::push) a [`Frame`], [`push_at`](VideoWriter::push_at) with explicit
//!   timestamps, [`push_audio`](VideoWriter::push_audio) [`AudioSamples`], then
//!   [`finish`](VideoWriter::finish) for a [`Summary`].
//! - [`Frame`]: borrowed slices or owned `Vec`s ([`Frame::from_vec`], moved, never copied) in
//!   any [`PixelFormat`] (8- and 16-bit RGB, RGBA, grey, float RGB, planar YUV), with a row
//!   stride; with the `image` feature, `image` crate buffers convert with `Frame::from`.
//! - [`recover()`] finishes a video left unfinished by a crash; [`concat()`] joins segments
//!   encoded with the same settings without re-encoding.
//! - [`YuvConverter`]: the SIMD RGB → YUV conversion on its own.
//!
//! # Errors and threads
//!
//! Every fallible call returns [`Error`], whose [`kind`](Error::kind) says what failed
//! (settings, a refused frame, the output, the encoder) and whose message names what and
//! where (`frame 3: size 32x48 does not match the writer's 64x48`). A refused frame leaves
//! the writer usable with every frame accepted so far. One encoder thread per writer owns
//! every FFmpeg object, fed through a bounded queue, so a fast producer waits instead of
//! growing memory; an error there comes back on the next `push` and on `finish`. Dropping a
//! writer without `finish` still finalizes the file, best-effort. FFmpeg's own log goes to the
//! `log` crate under the target `ffmpeg`.
//!
//! # Cargo features
//!
//! `cli` (default) builds the `encode-native` binary; `image` (default) adds `Frame::from`
//! the `image` crate's buffers; `gif` (default) adds GIF output. A program that only encodes
//! depends on `encode-native = { version = "0.1", default-features = false }`.
//!
//! # Building
//!
//! The crate links the system's FFmpeg (5.1 to 9.0) through pkg-config, and bindgen needs
//! libclang: `sh scripts/setup.sh` installs both on Debian and Ubuntu.
//!
//! # More
//!
//! The documentation site (`sh scripts/docs.sh`, sources in `docs/`) has the guides — sound
//! and tags, codecs and containers, timing, crash safety, performance, troubleshooting — and
//! the references generated from the code: every setting, encoder and container. The
//! repository's README covers the command line, the Python package and the C library.

#![deny(unsafe_code)]
#![warn(missing_docs)]
#![warn(clippy::missing_errors_doc)]

// The README's and the documentation site's Rust examples run as doc tests too.
#[cfg(doctest)]
mod doc_pages {
    #[doc = include_str!("../README.md")]
    struct Readme;
    #[doc = include_str!("../docs/getting-started/rust.md")]
    struct Rust;
    #[doc = include_str!("../docs/guides/sound-and-tags.md")]
    struct SoundAndTags;
}

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
    ColorMatrix, ColorSettings, Container, DeliveryKind, DeliverySettings, Dither, EncoderConfig,
    FrameRate, LateFrames, Metadata, OddSize, OutputPixelFormat, PaletteMode, PaletteSettings,
    RateControl, Rendition, RenditionSize, SampleFormat, SegmentFormat, Setting, SettingGroup,
    SettingKind, Tag, TagScope, Timing, ENCODER_TAG, MAX_RENDITIONS,
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
