//! Every mapping from encode-native's types to FFmpeg's, in one place.

use ff::format::Pixel;
use ff::util::color;
use ffmpeg_next as ff;

use crate::config::{ColorMatrix, FrameRate, OutputPixelFormat};
use crate::frame::PixelFormat;

/// An exact rational as FFmpeg's.
pub(crate) fn rational(r: FrameRate) -> ff::Rational {
    ff::Rational::new(r.num, r.den)
}

/// The FFmpeg pixel format of an output format.
pub(crate) fn output_pixel(f: OutputPixelFormat) -> Pixel {
    match f {
        OutputPixelFormat::Yuv420p => Pixel::YUV420P,
        OutputPixelFormat::Yuv444p => Pixel::YUV444P,
        OutputPixelFormat::Yuv422p => Pixel::YUV422P,
        OutputPixelFormat::Yuv420p10le => Pixel::YUV420P10LE,
        OutputPixelFormat::Yuv422p10le => Pixel::YUV422P10LE,
        OutputPixelFormat::Yuv444p10le => Pixel::YUV444P10LE,
        OutputPixelFormat::Yuva420p => Pixel::YUVA420P,
        OutputPixelFormat::Yuva444p10le => Pixel::YUVA444P10LE,
        OutputPixelFormat::Bgr0 => Pixel::BGRZ,
        OutputPixelFormat::Rgb24 => Pixel::RGB24,
        OutputPixelFormat::Rgba => Pixel::RGBA,
        OutputPixelFormat::Pal8 => Pixel::PAL8,
        OutputPixelFormat::Bgra => Pixel::BGRA,
        OutputPixelFormat::Gray => Pixel::GRAY8,
        OutputPixelFormat::Gray16le => Pixel::GRAY16LE,
        OutputPixelFormat::Rgb48le => Pixel::RGB48LE,
    }
}

/// The pixel format an input is staged in for libswscale (floats become 16-bit).
pub(crate) fn staged_pixel(input: PixelFormat) -> Pixel {
    match input {
        PixelFormat::Rgb24 => Pixel::RGB24,
        PixelFormat::Bgr24 => Pixel::BGR24,
        PixelFormat::Rgba => Pixel::RGBA,
        PixelFormat::Bgra => Pixel::BGRA,
        PixelFormat::Gray8 => Pixel::GRAY8,
        PixelFormat::Gray16Le => Pixel::GRAY16LE,
        PixelFormat::Rgb48Le | PixelFormat::RgbF32 => Pixel::RGB48LE,
        PixelFormat::Yuv420p => Pixel::YUV420P,
        PixelFormat::Yuv444p => Pixel::YUV444P,
    }
}

/// The stream's colour tags for a matrix.
pub(crate) struct ColorTags {
    pub(crate) space: color::Space,
    pub(crate) primaries: color::Primaries,
    /// The transfer characteristic, by its AVOption name (ffmpeg-next has no setter for it).
    pub(crate) transfer: &'static str,
}

/// The colour tags that say `matrix` to players (RGB output: the RGB "matrix" and sRGB).
pub(crate) fn color_tags(matrix: ColorMatrix, format: OutputPixelFormat) -> ColorTags {
    if format.is_gray() {
        return ColorTags {
            space: color::Space::Unspecified,
            primaries: color::Primaries::BT709,
            transfer: "iec61966-2-1",
        };
    }
    if format.is_rgb() {
        return ColorTags {
            space: color::Space::RGB,
            primaries: color::Primaries::BT709,
            transfer: "iec61966-2-1",
        };
    }
    match matrix {
        ColorMatrix::Bt709 => ColorTags {
            space: color::Space::BT709,
            primaries: color::Primaries::BT709,
            transfer: "bt709",
        },
        ColorMatrix::Bt601 => ColorTags {
            space: color::Space::SMPTE170M,
            primaries: color::Primaries::SMPTE170M,
            transfer: "smpte170m",
        },
    }
}

/// FFmpeg's range tag: JPEG is full range (0–255), MPEG limited (16–235); RGB and grey (which
/// are stored as they come) are full.
pub(crate) fn range(full: bool, format: OutputPixelFormat) -> color::Range {
    if full || format.is_rgb() || format.is_gray() {
        color::Range::JPEG
    } else {
        color::Range::MPEG
    }
}

/// libswscale's colourspace constant for a matrix.
pub(crate) fn sws_colorspace(matrix: ColorMatrix) -> std::ffi::c_int {
    match matrix {
        ColorMatrix::Bt709 => ff::ffi::SWS_CS_ITU709,
        ColorMatrix::Bt601 => ff::ffi::SWS_CS_ITU601,
    }
}

/// A new frame with every byte of its planes (row padding included) set to zero: encoders and
/// libswscale read whole SIMD blocks past the picture's edge, which would otherwise be
/// uninitialised memory, and the output then depends on nothing but the pixels.
pub(crate) fn zeroed_frame(format: Pixel, width: u32, height: u32) -> ff::frame::Video {
    let mut frame = ff::frame::Video::new(format, width, height);
    for plane in 0..frame.planes() {
        frame.data_mut(plane).fill(0);
    }
    frame
}

/// Whether FFmpeg answered "not now" or "no more" (flow control, not a failure).
pub(crate) fn is_again_or_eof(e: &ff::Error) -> bool {
    matches!(e, ff::Error::Eof)
        || matches!(e, ff::Error::Other { errno } if *errno == ff::util::error::EAGAIN)
}
