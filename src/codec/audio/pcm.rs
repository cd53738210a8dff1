//! Uncompressed PCM: 16-bit, 24-bit and 32-bit float, little-endian.

use ffmpeg_next::format::{sample::Type, Sample};

use super::AudioEncoderInfo;
use crate::config::{AudioEncoder, Container};

/// The containers that hold little-endian PCM.
const PCM_CONTAINERS: &[Container] = &[Container::Mov, Container::Mkv, Container::Avi];

/// 16-bit PCM: 16-bit samples come back exactly.
pub(super) static S16: AudioEncoderInfo = AudioEncoderInfo {
    encoder: AudioEncoder::PcmS16le,
    codec: "pcm_s16le",
    rates: &[],
    max_rate: 768_000,
    max_channels: 8,
    bitrate_per_channel: None,
    max_bitrate: None,
    lossless: true,
    containers: PCM_CONTAINERS,
    formats: |_| &[Sample::I16(Type::Packed)],
    default_bitrate: |_| None,
};

/// 24-bit PCM: the upper 24 bits of 32-bit samples.
pub(super) static S24: AudioEncoderInfo = AudioEncoderInfo {
    encoder: AudioEncoder::PcmS24le,
    codec: "pcm_s24le",
    rates: &[],
    max_rate: 768_000,
    max_channels: 8,
    bitrate_per_channel: None,
    max_bitrate: None,
    lossless: true,
    containers: PCM_CONTAINERS,
    formats: |_| &[Sample::I32(Type::Packed)],
    default_bitrate: |_| None,
};

/// 32-bit float PCM: `f32` samples come back exactly.
pub(super) static F32: AudioEncoderInfo = AudioEncoderInfo {
    encoder: AudioEncoder::PcmF32le,
    codec: "pcm_f32le",
    rates: &[],
    max_rate: 768_000,
    max_channels: 8,
    bitrate_per_channel: None,
    max_bitrate: None,
    lossless: true,
    containers: PCM_CONTAINERS,
    formats: |_| &[Sample::F32(Type::Packed)],
    default_bitrate: |_| None,
};
