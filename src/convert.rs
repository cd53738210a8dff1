//! Input pixels → yuv420p / yuv444p with the configured colour matrix and range.
//!
//! rgb24, bgr24, rgba and bgra go through `yuvutils-rs` (SIMD, ±1 level of an exact
//! conversion with a 2×2 box chroma filter); every other input goes through libswscale
//! with the area filter. Odd sizes are padded (edge replicated) or cropped while staging.

use ff::format::Pixel;
use ff::software::scaling;
use ffmpeg_next as ff;
use yuvutils_rs::{
    BufferStoreMut, YuvConversionMode, YuvPlanarImageMut, YuvRange, YuvStandardMatrix,
};

use crate::config::{ColorMatrix, OutputPixelFormat};
use crate::error::{Error, Result};
use crate::ffi;
use crate::frame::PixelFormat;

/// Converts one input picture into the encoder's YUV frame.
pub(crate) struct Converter {
    input: PixelFormat,
    src: (u32, u32),
    out: (u32, u32),
    out_format: OutputPixelFormat,
    matrix: ColorMatrix,
    full_range: bool,
    path: ConvPath,
}

enum ConvPath {
    /// SIMD conversion; `scratch` holds a padded or cropped copy when sizes differ.
    Fast { scratch: Vec<u8> },
    /// libswscale from a staged, padded input frame.
    Swscale {
        ctx: scaling::Context,
        staged: ff::frame::Video,
    },
}

/// The pixel format a staged input has for libswscale (floats become 16-bit).
fn staged_pixel(input: PixelFormat) -> Pixel {
    match input {
        PixelFormat::Rgb24 => Pixel::RGB24,
        PixelFormat::Bgr24 => Pixel::BGR24,
        PixelFormat::Rgba => Pixel::RGBA,
        PixelFormat::Bgra => Pixel::BGRA,
        PixelFormat::Gray8 => Pixel::GRAY8,
        PixelFormat::Gray16Le => Pixel::GRAY16LE,
        PixelFormat::Rgb48Le | PixelFormat::RgbF32 => Pixel::RGB48LE,
    }
}

/// Bytes per pixel of the staged copy.
fn staged_bpp(input: PixelFormat) -> usize {
    match input {
        PixelFormat::RgbF32 => 6,
        f => f.bytes_per_pixel(),
    }
}

pub(crate) fn output_pixel(f: OutputPixelFormat) -> Pixel {
    match f {
        OutputPixelFormat::Yuv420p => Pixel::YUV420P,
        OutputPixelFormat::Yuv444p => Pixel::YUV444P,
    }
}

impl Converter {
    /// A converter from `src` sized `input` pictures to `out` sized YUV.
    pub(crate) fn new(
        input: PixelFormat,
        src: (u32, u32),
        out: (u32, u32),
        out_format: OutputPixelFormat,
        matrix: ColorMatrix,
        full_range: bool,
        force_swscale: bool,
    ) -> Result<Self> {
        let fast = !force_swscale
            && matches!(
                input,
                PixelFormat::Rgb24 | PixelFormat::Bgr24 | PixelFormat::Rgba | PixelFormat::Bgra
            );
        let path = if fast {
            ConvPath::Fast {
                scratch: Vec::new(),
            }
        } else {
            let mut ctx = scaling::Context::get(
                staged_pixel(input),
                out.0,
                out.1,
                output_pixel(out_format),
                out.0,
                out.1,
                scaling::Flags::AREA
                    | scaling::Flags::ACCURATE_RND
                    | scaling::Flags::FULL_CHR_H_INP,
            )
            .map_err(|e| Error::ffmpeg("cannot create the libswscale converter", e))?;
            let cs = match matrix {
                ColorMatrix::Bt709 => ff::ffi::SWS_CS_ITU709,
                ColorMatrix::Bt601 => ff::ffi::SWS_CS_ITU601,
            };
            ffi::set_sws_colorspace(&mut ctx, cs, full_range)
                .map_err(|e| Error::ffmpeg("cannot set the libswscale colour matrix", e))?;
            ConvPath::Swscale {
                ctx,
                staged: ff::frame::Video::new(staged_pixel(input), out.0, out.1),
            }
        };
        Ok(Converter {
            input,
            src,
            out,
            out_format,
            matrix,
            full_range,
            path,
        })
    }

    /// Converts `data` (rows `stride` bytes apart) into `dst`, a frame of the output size.
    pub(crate) fn convert(
        &mut self,
        data: &[u8],
        stride: usize,
        dst: &mut ff::frame::Video,
    ) -> Result<()> {
        ffi::make_writable(dst).map_err(|e| Error::ffmpeg("cannot reuse the frame buffer", e))?;
        let (ow, oh) = self.out;
        match &mut self.path {
            ConvPath::Fast { scratch } => {
                let bpp = self.input.bytes_per_pixel();
                let (src, src_stride) = if self.src == self.out {
                    (data, stride)
                } else {
                    let s = ow as usize * bpp;
                    scratch.resize(s * oh as usize, 0);
                    stage(data, stride, self.input, self.src, scratch, s, self.out);
                    (&scratch[..], s)
                };
                fast_convert(
                    self.input,
                    src,
                    src_stride,
                    (ow, oh),
                    self.out_format,
                    self.matrix,
                    self.full_range,
                    dst,
                )
            }
            ConvPath::Swscale { ctx, staged } => {
                ffi::make_writable(staged)
                    .map_err(|e| Error::ffmpeg("cannot reuse the staging buffer", e))?;
                let s = staged.stride(0);
                stage(
                    data,
                    stride,
                    self.input,
                    self.src,
                    staged.data_mut(0),
                    s,
                    self.out,
                );
                ctx.run(staged, dst)
                    .map_err(|e| Error::ffmpeg("libswscale conversion failed", e))
            }
        }
    }
}

/// Copies `src` (size `src_size`) into `dst` (size `out`), replicating the last column and
/// row where `out` is larger and dropping them where it is smaller; floats become 16-bit.
fn stage(
    src: &[u8],
    src_stride: usize,
    input: PixelFormat,
    src_size: (u32, u32),
    dst: &mut [u8],
    dst_stride: usize,
    out: (u32, u32),
) {
    let bpp_in = input.bytes_per_pixel();
    let bpp = staged_bpp(input);
    let copy_w = src_size.0.min(out.0) as usize;
    for y in 0..out.1 as usize {
        let sy = y.min(src_size.1 as usize - 1);
        let srow = &src[sy * src_stride..];
        let drow = &mut dst[y * dst_stride..y * dst_stride + out.0 as usize * bpp];
        if input == PixelFormat::RgbF32 {
            for (d, s) in drow
                .chunks_exact_mut(2)
                .zip(srow.chunks_exact(4))
                .take(copy_w * 3)
            {
                let v = f32::from_ne_bytes([s[0], s[1], s[2], s[3]]);
                // NaN → 0, values outside [0, 1] saturate.
                let q = (v.clamp(0.0, 1.0) * 65535.0 + 0.5) as u16;
                d.copy_from_slice(&q.to_le_bytes());
            }
        } else {
            drow[..copy_w * bpp].copy_from_slice(&srow[..copy_w * bpp_in]);
        }
        // Replicate the last pixel into any added column.
        for x in copy_w..out.0 as usize {
            drow.copy_within((copy_w - 1) * bpp..copy_w * bpp, x * bpp);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn fast_convert(
    input: PixelFormat,
    src: &[u8],
    src_stride: usize,
    (w, h): (u32, u32),
    out_format: OutputPixelFormat,
    matrix: ColorMatrix,
    full_range: bool,
    dst: &mut ff::frame::Video,
) -> Result<()> {
    let [(y, ys), (u, us), (v, vs)] = ffi::yuv_planes_mut(dst);
    let mut planar = YuvPlanarImageMut {
        y_plane: BufferStoreMut::Borrowed(y),
        y_stride: ys as u32,
        u_plane: BufferStoreMut::Borrowed(u),
        u_stride: us as u32,
        v_plane: BufferStoreMut::Borrowed(v),
        v_stride: vs as u32,
        width: w,
        height: h,
    };
    let range = if full_range {
        YuvRange::Full
    } else {
        YuvRange::Limited
    };
    let m = match matrix {
        ColorMatrix::Bt709 => YuvStandardMatrix::Bt709,
        ColorMatrix::Bt601 => YuvStandardMatrix::Bt601,
    };
    let mode = YuvConversionMode::default();
    let s = src_stride as u32;
    use yuvutils_rs as y2;
    let res = match (input, out_format) {
        (PixelFormat::Rgb24, OutputPixelFormat::Yuv420p) => {
            y2::rgb_to_yuv420(&mut planar, src, s, range, m, mode)
        }
        (PixelFormat::Bgr24, OutputPixelFormat::Yuv420p) => {
            y2::bgr_to_yuv420(&mut planar, src, s, range, m, mode)
        }
        (PixelFormat::Rgba, OutputPixelFormat::Yuv420p) => {
            y2::rgba_to_yuv420(&mut planar, src, s, range, m, mode)
        }
        (PixelFormat::Bgra, OutputPixelFormat::Yuv420p) => {
            y2::bgra_to_yuv420(&mut planar, src, s, range, m, mode)
        }
        (PixelFormat::Rgb24, OutputPixelFormat::Yuv444p) => {
            y2::rgb_to_yuv444(&mut planar, src, s, range, m, mode)
        }
        (PixelFormat::Bgr24, OutputPixelFormat::Yuv444p) => {
            y2::bgr_to_yuv444(&mut planar, src, s, range, m, mode)
        }
        (PixelFormat::Rgba, OutputPixelFormat::Yuv444p) => {
            y2::rgba_to_yuv444(&mut planar, src, s, range, m, mode)
        }
        (PixelFormat::Bgra, OutputPixelFormat::Yuv444p) => {
            y2::bgra_to_yuv444(&mut planar, src, s, range, m, mode)
        }
        _ => unreachable!("the fast path is chosen only for 8-bit RGB inputs"),
    };
    res.map_err(|e| Error::Unsupported(format!("colour conversion failed: {e}")))
}
