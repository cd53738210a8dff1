//! Opus (libopus): the default for WebM.

use ffmpeg_next::format::{sample::Type, Sample};

use super::{float_first, AudioEncoderInfo};
use crate::config::{AudioEncoder, Container};

/// Opus's row: 48 kHz and its divisors; 0.5 to 256 kb/s per channel (libopus's own limits);
/// up to 8 channels (mapping family 1 above stereo).
pub(super) static INFO: AudioEncoderInfo = AudioEncoderInfo {
    encoder: AudioEncoder::Libopus,
    codec: "opus",
    rates: &[48000, 24000, 16000, 12000, 8000],
    max_rate: 48000,
    max_channels: 8,
    bitrate_per_channel: Some((500, 256_000)),
    max_bitrate: None,
    lossless: false,
    containers: &[
        Container::Webm,
        Container::Mkv,
        Container::Mp4,
        Container::Ts,
    ],
    formats: |input| {
        float_first(
            input,
            &[Sample::F32(Type::Packed), Sample::I16(Type::Packed)],
            &[Sample::I16(Type::Packed), Sample::F32(Type::Packed)],
        )
    },
    // 64 kb/s mono, 96 kb/s stereo, 48 kb/s per channel for surround: transparent for most
    // material.
    default_bitrate: |channels| {
        Some(match channels {
            0 | 1 => 64_000,
            2 => 96_000,
            n => 48_000 * u64::from(n),
        })
    },
};
