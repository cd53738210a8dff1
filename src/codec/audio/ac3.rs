//! Dolby Digital: FFmpeg's own AC-3 and E-AC-3 encoders, for players, receivers and
//! broadcast chains that want them (DVD, Blu-ray, ATSC, streaming services' 5.1).

use ffmpeg_next::format::{sample::Type, Sample};

use super::AudioEncoderInfo;
use crate::config::{AudioEncoder, Container};

/// The containers Dolby Digital goes in (FFmpeg's muxers take both coding formats in each).
const CONTAINERS: &[Container] = &[
    Container::Mp4,
    Container::Mov,
    Container::Mkv,
    Container::Ts,
    Container::Avi,
];

/// AC-3's row: 32, 44.1 and 48 kHz, mono to 5.1, 32 to 640 kb/s in all (the encoder takes
/// the standard bitrate nearest to the one asked for).
pub(super) static AC3: AudioEncoderInfo = AudioEncoderInfo {
    encoder: AudioEncoder::Ac3,
    codec: "ac3",
    rates: &[48000, 44100, 32000],
    max_rate: 48000,
    max_channels: 6,
    bitrate_per_channel: Some((32_000, 320_000)),
    max_bitrate: Some(640_000),
    lossless: false,
    containers: CONTAINERS,
    formats: |_| &[Sample::F32(Type::Planar)],
    default_bitrate,
};

/// E-AC-3's row: the rates and layouts of AC-3; any bitrate from 32 kb/s per channel (the
/// encoder adapts its frame size to it).
pub(super) static EAC3: AudioEncoderInfo = AudioEncoderInfo {
    encoder: AudioEncoder::Eac3,
    codec: "eac3",
    rates: &[48000, 44100, 32000],
    max_rate: 48000,
    max_channels: 6,
    bitrate_per_channel: Some((32_000, 256_000)),
    max_bitrate: None,
    lossless: false,
    containers: CONTAINERS,
    formats: |_| &[Sample::F32(Type::Planar)],
    default_bitrate,
};

/// FFmpeg's command line defaults: 96 kb/s mono, 192 kb/s stereo, 448 kb/s for more.
fn default_bitrate(channels: u16) -> Option<u64> {
    Some(match channels {
        0 | 1 => 96_000,
        2 => 192_000,
        _ => 448_000,
    })
}
