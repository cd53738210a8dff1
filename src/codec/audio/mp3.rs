//! MP3 (LAME): the default for AVI.

use ffmpeg_next::format::{sample::Type, Sample};

use super::AudioEncoderInfo;
use crate::config::{AudioEncoder, Container, SampleFormat};

/// MP3's row: the MPEG-1/2/2.5 rates, mono or stereo, 8 to 320 kb/s.
pub(super) static INFO: AudioEncoderInfo = AudioEncoderInfo {
    encoder: AudioEncoder::Libmp3lame,
    codec: "mp3",
    rates: &[48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000],
    max_rate: 48000,
    max_channels: 2,
    bitrate_per_channel: Some((4_000, 160_000)),
    max_bitrate: None,
    lossless: false,
    containers: &[
        Container::Avi,
        Container::Mkv,
        Container::Mp4,
        Container::Mov,
        Container::Ts,
    ],
    formats: |input| match input {
        SampleFormat::I16 => &[Sample::I16(Type::Planar)],
        SampleFormat::I32 => &[Sample::I32(Type::Planar)],
        _ => &[Sample::F32(Type::Planar)],
    },
    default_bitrate: |channels| Some(if channels <= 1 { 128_000 } else { 192_000 }),
};
