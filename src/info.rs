//! What the linked FFmpeg provides: versions, licence, video and audio encoders, containers.

use crate::codec::Encoder;
use crate::config::{AudioEncoder, Container, OutputPixelFormat};
use crate::ffi;
use crate::frame::PixelFormat;

/// A description of the linked libraries.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LibraryInfo {
    /// The linked FFmpeg's release, as it reports it (`av_version_info`).
    pub ffmpeg: String,
    /// The FFmpeg whose headers this crate was compiled against (`FFmpeg 7.1.5 (libavcodec
    /// 61.19.101)`), which may differ from the linked one.
    pub built_against: String,
    /// libavcodec version, `major.minor.micro`.
    pub libavcodec: String,
    /// libavformat version.
    pub libavformat: String,
    /// libavutil version.
    pub libavutil: String,
    /// libswscale version.
    pub libswscale: String,
    /// The licence FFmpeg was built under (`GPL version 2 or later` with libx264).
    pub license: String,
    /// FFmpeg's configure line.
    pub configuration: String,
    /// The codec libraries built into libavcodec and their versions (`("x264",
    /// "0.164.3108+git31e19f9")`), where FFmpeg was built with them from source by this project
    /// (`scripts/build-codecs.sh`: the wheel and the bundle); empty for a system FFmpeg, whose
    /// codec libraries are its own shared libraries.
    pub codec_libraries: Vec<(String, String)>,
    /// Encoders this crate can use, and whether the linked libavcodec has them.
    pub encoders: Vec<(Encoder, bool)>,
    /// Audio encoders this crate can use (each with its row, [`AudioEncoder::info`]), and
    /// whether the linked libavcodec has them.
    pub audio_encoders: Vec<(AudioEncoder, bool)>,
    /// Containers this crate can write, and whether the linked libavformat has them.
    pub containers: Vec<(Container, bool)>,
    /// Input pixel formats accepted.
    pub input_formats: Vec<PixelFormat>,
    /// Output pixel formats.
    pub output_formats: Vec<OutputPixelFormat>,
}

fn version(v: u32) -> String {
    format!("{}.{}.{}", v >> 16, (v >> 8) & 0xff, v & 0xff)
}

/// Reads the versions and capabilities of the linked FFmpeg.
pub fn library_info() -> LibraryInfo {
    ffi::init();
    LibraryInfo {
        ffmpeg: ffi::ffmpeg_version(),
        built_against: env!("ENCODE_NATIVE_FFMPEG_BUILT").to_string(),
        libavcodec: version(ffmpeg_next::codec::version()),
        libavformat: version(ffmpeg_next::format::version()),
        libavutil: version(ffmpeg_next::util::version()),
        libswscale: version(ffmpeg_next::software::scaling::version()),
        license: ffmpeg_next::codec::license().to_string(),
        configuration: ffi::avcodec_configuration(),
        codec_libraries: env!("ENCODE_NATIVE_CODEC_LIBRARIES")
            .split(';')
            .filter_map(|item| item.split_once(' '))
            .map(|(name, version)| (name.to_string(), version.to_string()))
            .collect(),
        encoders: Encoder::ALL
            .iter()
            .map(|&e| (e, ffi::has_encoder(e.name())))
            .collect(),
        audio_encoders: AudioEncoder::ALL
            .iter()
            .map(|&e| (e, ffi::has_encoder(e.name())))
            .collect(),
        containers: Container::ALL
            .iter()
            .map(|&c| (c, ffi::has_muxer(c.muxer())))
            .collect(),
        input_formats: PixelFormat::ALL.to_vec(),
        output_formats: OutputPixelFormat::ALL.to_vec(),
    }
}
