//! FFmpeg's own AAC-LC encoder: the default for MP4, MOV, MKV and MPEG-TS.

use ffmpeg_next::format::{sample::Type, Sample};

use super::AudioEncoderInfo;
use crate::config::{AudioEncoder, Container};

/// AAC's row: planar float only; the MPEG-4 sample rates; up to 6144 bits per channel in
/// every 1024-sample frame (288 kb/s per channel at 48 kHz).
pub(super) static INFO: AudioEncoderInfo = AudioEncoderInfo {
    encoder: AudioEncoder::Aac,
    codec: "aac",
    rates: &[
        96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
    ],
    max_rate: 96000,
    max_channels: 8,
    bitrate_per_channel: Some((8_000, 288_000)),
    max_bitrate: None,
    lossless: false,
    containers: &[
        Container::Mp4,
        Container::Mov,
        Container::Mkv,
        Container::Ts,
    ],
    formats: |_| &[Sample::F32(Type::Planar)],
    // FFmpeg's command line uses 128 kb/s for stereo; the same per channel for the rest.
    default_bitrate: |channels| Some(64_000 * u64::from(channels.max(1))),
};
