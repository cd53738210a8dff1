//! FLAC: lossless, for 16-bit samples and 24-bit samples held in 32 bits.

use ffmpeg_next::format::{sample::Type, Sample};

use super::AudioEncoderInfo;
use crate::config::{AudioEncoder, Container, SampleFormat};

/// FLAC's row: any rate below 65535 Hz, multiples of 10 up to 655340 Hz; up to 8 channels; 16-bit input is stored as 16 bits,
/// everything else as 24 bits (FFmpeg's encoder keeps the upper 24 bits of 32-bit samples).
pub(super) static INFO: AudioEncoderInfo = AudioEncoderInfo {
    encoder: AudioEncoder::Flac,
    codec: "flac",
    rates: &[],
    max_rate: 655_340,
    max_channels: 8,
    bitrate_per_channel: None,
    max_bitrate: None,
    lossless: true,
    containers: &[Container::Mkv],
    formats: |input| match input {
        SampleFormat::I16 => &[Sample::I16(Type::Packed)],
        _ => &[Sample::I32(Type::Packed)],
    },
    default_bitrate: |_| None,
};
