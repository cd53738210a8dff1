//! Input pixels → the output pixel format (YUV with the configured colour matrix and range,
//! RGB, or palette indices for GIF).
//!
//! rgb24, bgr24, rgba and bgra go through `yuvutils-rs` (SIMD, ±1 level of an exact
//! conversion with a 2×2 box chroma filter); every other input goes through libswscale
//! with the area filter. Odd sizes are padded (edge replicated) or cropped while staging.

use ff::software::scaling;
use ffmpeg_next as ff;
use yuvutils_rs::{
    BufferStoreMut, YuvConversionMode, YuvPlanarImageMut, YuvRange, YuvStandardMatrix,
};

use crate::av;
use crate::config::{ColorMatrix, EncoderConfig, OutputPixelFormat};
use crate::error::{Error, Result};
use crate::ffi;
use crate::frame::{Frame, PixelFormat};
use crate::plan::Plan;

/// Bytes per pixel of the staged copy.
fn staged_bpp(input: PixelFormat) -> usize {
    match input {
        PixelFormat::RgbF32 => 6,
        f => f.bytes_per_pixel(),
    }
}

/// Converts frames into the encoder's YUV frame on the encoder thread: planar YUV is copied,
/// every other input goes through libswscale.
pub(crate) struct Converter {
    input: PixelFormat,
    src: (u32, u32),
    out: (u32, u32),
    out_format: OutputPixelFormat,
    path: ConvPath,
}

enum ConvPath {
    /// Planar YUV of the output format: the planes are copied row by row.
    Copy,
    /// libswscale from a staged, padded input frame.
    Swscale {
        ctx: scaling::Context,
        staged: ff::frame::Video,
    },
    /// libswscale to packed RGB, then palette indices (GIF).
    #[cfg(feature = "gif")]
    Palette {
        ctx: scaling::Context,
        staged: ff::frame::Video,
        rgb: ff::frame::Video,
        packed: Vec<u8>,
        indices: Vec<u8>,
        palettizer: Box<super::quantize::Palettizer>,
    },
}

impl Converter {
    /// The plan's converter from the input to the stored pictures; `converted_by_caller`: the
    /// writer already made planar YUV of the output size (its SIMD path).
    pub(crate) fn new(plan: &Plan, converted_by_caller: bool) -> Result<Self> {
        let out = plan.output_size();
        let out_format = plan.output_format();
        let (input, src) = if converted_by_caller {
            (out_format.planar_input(), out)
        } else {
            plan.converter_input()
        };
        let (matrix, full_range) = (plan.color_matrix(), plan.full_range());
        let palette = &plan.settings().palette;
        let path = if input.is_planar_yuv() {
            ConvPath::Copy
        } else if out_format == OutputPixelFormat::Pal8 {
            #[cfg(feature = "gif")]
            {
                let ctx = scaling::Context::get(
                    av::staged_pixel(input),
                    out.0,
                    out.1,
                    ff::format::Pixel::RGB24,
                    out.0,
                    out.1,
                    scaling::Flags::AREA | scaling::Flags::ACCURATE_RND,
                )
                .map_err(|e| Error::ffmpeg("cannot create the libswscale converter", e))?;
                ConvPath::Palette {
                    ctx,
                    staged: av::zeroed_frame(av::staged_pixel(input), out.0, out.1),
                    rgb: av::zeroed_frame(ff::format::Pixel::RGB24, out.0, out.1),
                    packed: Vec::new(),
                    indices: Vec::new(),
                    palettizer: Box::new(super::quantize::Palettizer::new(palette)),
                }
            }
            #[cfg(not(feature = "gif"))]
            {
                let _ = palette;
                return Err(Error::Unsupported(
                    "pal8 (GIF) needs encode-native's `gif` feature".into(),
                ));
            }
        } else {
            let mut ctx = scaling::Context::get(
                av::staged_pixel(input),
                out.0,
                out.1,
                av::output_pixel(out_format),
                out.0,
                out.1,
                scaling::Flags::AREA
                    | scaling::Flags::ACCURATE_RND
                    | scaling::Flags::FULL_CHR_H_INP,
            )
            .map_err(|e| Error::ffmpeg("cannot create the libswscale converter", e))?;
            ffi::set_sws_colorspace(&mut ctx, av::sws_colorspace(matrix), full_range)
                .map_err(|e| Error::ffmpeg("cannot set the libswscale colour matrix", e))?;
            ConvPath::Swscale {
                ctx,
                staged: av::zeroed_frame(av::staged_pixel(input), out.0, out.1),
            }
        };
        Ok(Converter {
            input,
            src,
            out,
            out_format,
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
            ConvPath::Copy => {
                let (cw, ch) = chroma_size(self.out_format, self.out);
                let mut src = data;
                for (i, (plane, dst_stride)) in ffi::yuv_planes_mut(dst).into_iter().enumerate() {
                    let (w, h) = if i == 0 { (ow, oh) } else { (cw, ch) };
                    let (w, h) = (w as usize, h as usize);
                    for (d, s) in plane.chunks_mut(dst_stride).zip(src.chunks(w)).take(h) {
                        d[..w].copy_from_slice(s);
                    }
                    src = &src[w * h..];
                }
                Ok(())
            }
            ConvPath::Swscale { ctx, staged } => {
                stage_frame(data, stride, self.input, self.src, staged, self.out)?;
                ctx.run(staged, dst)
                    .map_err(|e| Error::ffmpeg("libswscale conversion failed", e))
            }
            #[cfg(feature = "gif")]
            ConvPath::Palette {
                ctx,
                staged,
                rgb,
                packed,
                indices,
                palettizer,
            } => {
                stage_frame(data, stride, self.input, self.src, staged, self.out)?;
                ctx.run(staged, rgb)
                    .map_err(|e| Error::ffmpeg("libswscale conversion failed", e))?;
                let (w, h) = (ow as usize, oh as usize);
                packed.clear();
                for row in rgb.data(0).chunks(rgb.stride(0)).take(h) {
                    packed.extend_from_slice(&row[..w * 3]);
                }
                let pixels = palette::cast::from_component_slice(packed);
                let palette = palettizer.map(pixels, ow, oh, indices);
                let dst_stride = dst.stride(0);
                for (row, src) in dst
                    .data_mut(0)
                    .chunks_mut(dst_stride)
                    .zip(indices.chunks(w))
                {
                    row[..w].copy_from_slice(src);
                }
                ffi::set_palette(dst, &palette);
                Ok(())
            }
        }
    }
}

/// The size of a chroma plane.
fn chroma_size(f: OutputPixelFormat, (w, h): (u32, u32)) -> (u32, u32) {
    match f {
        OutputPixelFormat::Yuv444p => (w, h),
        _ => (w.div_ceil(2), h.div_ceil(2)),
    }
}

/// Converts 8-bit RGB frames (rgb24, bgr24, rgba, bgra) to planar YUV with SIMD
/// (`yuvutils-rs`), exactly as a writer with the same configuration does: same matrix and
/// range, same odd-size policy. The result is the Y plane, then U, then V, tightly packed —
/// the layout of [`PixelFormat::Yuv420p`] / [`PixelFormat::Yuv444p`] input.
///
/// A writer converts such frames with this on the calling thread inside
/// [`push`](crate::VideoWriter::push), so conversion overlaps with encoding and a borrowed
/// frame is read once, never copied.
///
/// ```
/// use encode_native::{EncoderConfig, Frame, PixelFormat, YuvConverter};
/// let config = EncoderConfig::new(4, 2, 30);
/// let mut conv = YuvConverter::new(&config).unwrap();
/// let white = [255u8; 4 * 2 * 3];
/// let mut yuv = Vec::new();
/// conv.convert(&Frame::new(4, 2, PixelFormat::Rgb24, &white), &mut yuv).unwrap();
/// assert_eq!(yuv.len(), 4 * 2 + 2 * 2); // Y 4x2, U 2x1, V 2x1
/// assert_eq!(yuv[0], 235); // limited range white
/// assert_eq!(yuv[8], 128); // no colour
/// ```
#[derive(Debug)]
pub struct YuvConverter {
    input: PixelFormat,
    src: (u32, u32),
    out: (u32, u32),
    out_format: OutputPixelFormat,
    range: YuvRange,
    matrix: YuvStandardMatrix,
    scratch: Vec<u8>,
}

impl YuvConverter {
    /// Whether frames of this format take the SIMD path.
    pub fn supports(input: PixelFormat) -> bool {
        matches!(
            input,
            PixelFormat::Rgb24 | PixelFormat::Bgr24 | PixelFormat::Rgba | PixelFormat::Bgra
        )
    }

    /// A converter for the frames a writer with `config` takes (the output format and
    /// size are the ones the writer resolves to, see [`Plan`]).
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for a configuration the converter cannot serve (an
    /// input format it has no fast path for, an output format other than 8-bit 4:2:0 or 4:4:4).
    pub fn new(config: &EncoderConfig) -> Result<Self> {
        let plan = Plan::resolve(config, config.container)?;
        if !Self::supports(config.input_format) {
            return Err(Error::config(
                "input_format",
                config.input_format,
                "rgb24, bgr24, rgba or bgra for the SIMD converter",
            ));
        }
        if !plan.output_format().simd() {
            return Err(Error::config(
                "output_format",
                plan.output_format(),
                "yuv420p or yuv444p for the SIMD converter",
            ));
        }
        Ok(Self::from_plan(&plan))
    }

    /// The converter of a plan whose input [`supports`](Self::supports) and whose output is
    /// 8-bit 4:2:0 or 4:4:4 (the writer checks both before asking).
    pub(crate) fn from_plan(plan: &Plan) -> Self {
        let out = plan.output_size();
        YuvConverter {
            input: plan.input_format(),
            src: plan.input_size(),
            out,
            out_format: plan.output_format(),
            range: if plan.full_range() {
                YuvRange::Full
            } else {
                YuvRange::Limited
            },
            matrix: match plan.color_matrix() {
                ColorMatrix::Bt709 => YuvStandardMatrix::Bt709,
                ColorMatrix::Bt601 => YuvStandardMatrix::Bt601,
            },
            scratch: Vec::new(),
        }
    }

    /// The pixel format of the result.
    pub fn output_format(&self) -> PixelFormat {
        self.out_format.planar_input()
    }

    /// The size of the result (after the odd-size policy).
    pub fn output_size(&self) -> (u32, u32) {
        self.out
    }

    /// Converts `frame` into `out` (resized to the planes' length).
    ///
    /// # Errors
    /// [`Error::Frame`](crate::Error::Frame) for a frame of another size or format than the
    /// configuration's, or a buffer shorter than its stride and rows need.
    pub fn convert(&mut self, frame: &Frame<'_>, out: &mut Vec<u8>) -> Result<()> {
        frame.check(0, self.src.0, self.src.1, self.input)?;
        self.convert_checked(frame.data(), frame.stride(), out)
    }

    /// Converts pixels already checked against the configured size and format.
    pub(crate) fn convert_checked(
        &mut self,
        data: &[u8],
        stride: usize,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let (w, h) = self.out;
        // The SIMD functions walk whole strides: a last row that ends right after its pixels
        // (a crop at the end of its buffer) is staged like an odd size, or it would be lost.
        let whole_rows = data.len() >= stride.saturating_mul(h as usize);
        let (src, src_stride) = if self.src == self.out && whole_rows {
            (data, stride)
        } else {
            let s = w as usize * self.input.bytes_per_pixel();
            self.scratch.resize(s * h as usize, 0);
            stage(
                data,
                stride,
                self.input,
                self.src,
                &mut self.scratch,
                s,
                self.out,
            );
            (&self.scratch[..], s)
        };
        let (cw, ch) = chroma_size(self.out_format, self.out);
        let (ylen, clen) = ((w * h) as usize, (cw * ch) as usize);
        out.resize(ylen + 2 * clen, 0);
        let (y, uv) = out.split_at_mut(ylen);
        let (u, v) = uv.split_at_mut(clen);
        let mut planar = YuvPlanarImageMut {
            y_plane: BufferStoreMut::Borrowed(y),
            y_stride: w,
            u_plane: BufferStoreMut::Borrowed(u),
            u_stride: cw,
            v_plane: BufferStoreMut::Borrowed(v),
            v_stride: cw,
            width: w,
            height: h,
        };
        let (range, m, mode) = (self.range, self.matrix, YuvConversionMode::default());
        use yuvutils_rs as y2;
        type Convert = fn(
            &mut YuvPlanarImageMut<'_, u8>,
            &[u8],
            u32,
            YuvRange,
            YuvStandardMatrix,
            YuvConversionMode,
        ) -> Result<(), yuvutils_rs::YuvError>;
        let convert: Convert = match (self.input, self.out_format) {
            (PixelFormat::Rgb24, OutputPixelFormat::Yuv420p) => y2::rgb_to_yuv420,
            (PixelFormat::Bgr24, OutputPixelFormat::Yuv420p) => y2::bgr_to_yuv420,
            (PixelFormat::Rgba, OutputPixelFormat::Yuv420p) => y2::rgba_to_yuv420,
            (PixelFormat::Bgra, OutputPixelFormat::Yuv420p) => y2::bgra_to_yuv420,
            (PixelFormat::Rgb24, OutputPixelFormat::Yuv444p) => y2::rgb_to_yuv444,
            (PixelFormat::Bgr24, OutputPixelFormat::Yuv444p) => y2::bgr_to_yuv444,
            (PixelFormat::Rgba, OutputPixelFormat::Yuv444p) => y2::rgba_to_yuv444,
            (PixelFormat::Bgra, OutputPixelFormat::Yuv444p) => y2::bgra_to_yuv444,
            (input, _) => {
                return Err(Error::Unsupported(format!(
                    "the SIMD converter does not take {input}"
                )))
            }
        };
        let res = convert(&mut planar, src, src_stride as u32, range, m, mode);
        res.map_err(|e| Error::Unsupported(format!("colour conversion failed: {e}")))
    }
}

/// Stages `data` into the reusable frame `staged` (see [`stage`]).
/// Copies a pushed picture of `input` layout and `size` into `staged`, a frame of that size
/// (the filter graph's input): packed layouts as staged for the converter, planar YUV plane by
/// plane from its tight planes.
pub(crate) fn stage_input(
    data: &[u8],
    stride: usize,
    input: PixelFormat,
    size: (u32, u32),
    staged: &mut ff::frame::Video,
) -> Result<()> {
    if !input.is_planar_yuv() {
        return stage_frame(data, stride, input, size, staged, size);
    }
    ffi::make_writable(staged).map_err(|e| Error::ffmpeg("cannot reuse the staging buffer", e))?;
    let (w, h) = (size.0 as usize, size.1 as usize);
    let (cw, ch) = if input == PixelFormat::Yuv444p {
        (w, h)
    } else {
        (w.div_ceil(2), h.div_ceil(2))
    };
    let mut src = data;
    for plane in 0..3 {
        let (pw, ph) = if plane == 0 { (w, h) } else { (cw, ch) };
        let dst_stride = staged.stride(plane);
        for (d, s) in staged
            .data_mut(plane)
            .chunks_mut(dst_stride)
            .zip(src.chunks(pw))
            .take(ph)
        {
            d[..pw].copy_from_slice(s);
        }
        src = src.get(pw * ph..).unwrap_or_default();
    }
    Ok(())
}

fn stage_frame(
    data: &[u8],
    stride: usize,
    input: PixelFormat,
    src: (u32, u32),
    staged: &mut ff::frame::Video,
    out: (u32, u32),
) -> Result<()> {
    ffi::make_writable(staged).map_err(|e| Error::ffmpeg("cannot reuse the staging buffer", e))?;
    let s = staged.stride(0);
    stage(data, stride, input, src, staged.data_mut(0), s, out);
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::av;
    use crate::config::EncoderConfig;

    /// A picture with gradients, saturated colours and sharp edges.
    fn test_picture(w: u32, h: u32) -> Vec<u8> {
        let mut v = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let px = match (x / 8 + y / 8) % 5 {
                    0 => [255, 0, 0],
                    1 => [0, 255, 0],
                    2 => [0, 0, 255],
                    3 => [(x * 255 / w) as u8, (y * 255 / h) as u8, 128],
                    _ => [
                        (x * 37 % 256) as u8,
                        (y * 91 % 256) as u8,
                        ((x + y) * 13 % 256) as u8,
                    ],
                };
                v.extend_from_slice(&px);
            }
        }
        v
    }

    /// Floating-point reference: exact matrix, 2×2 box chroma for 4:2:0.
    fn reference(
        rgb: &[u8],
        w: u32,
        h: u32,
        m: ColorMatrix,
        full: bool,
        fmt: OutputPixelFormat,
    ) -> Vec<u8> {
        let (kr, kb) = match m {
            ColorMatrix::Bt709 => (0.2126, 0.0722),
            ColorMatrix::Bt601 => (0.299, 0.114),
        };
        let kg = 1.0 - kr - kb;
        let (ys, yo, cs) = if full {
            (255.0, 0.0, 255.0)
        } else {
            (219.0, 16.0, 224.0)
        };
        let px = |x: u32, y: u32| {
            let i = ((y * w + x) * 3) as usize;
            [
                rgb[i] as f64 / 255.0,
                rgb[i + 1] as f64 / 255.0,
                rgb[i + 2] as f64 / 255.0,
            ]
        };
        let q = |v: f64| v.round().clamp(0.0, 255.0) as u8;
        let mut out = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let [r, g, b] = px(x, y);
                out.push(q(yo + ys * (kr * r + kg * g + kb * b)));
            }
        }
        let (cw, ch, step) = match fmt {
            OutputPixelFormat::Yuv444p => (w, h, 1),
            _ => (w / 2, h / 2, 2),
        };
        let mut u = Vec::new();
        let mut v = Vec::new();
        for cy in 0..ch {
            for cx in 0..cw {
                let mut acc = [0.0; 3];
                for dy in 0..step {
                    for dx in 0..step {
                        let p = px(cx * step + dx, cy * step + dy);
                        (0..3).for_each(|k| acc[k] += p[k] / (step * step) as f64);
                    }
                }
                let [r, g, b] = acc;
                let yy = kr * r + kg * g + kb * b;
                u.push(q(128.0 + cs * (b - yy) / (2.0 * (1.0 - kb))));
                v.push(q(128.0 + cs * (r - yy) / (2.0 * (1.0 - kr))));
            }
        }
        out.extend(u);
        out.extend(v);
        out
    }

    fn max_diff(a: &[u8], b: &[u8]) -> i32 {
        assert_eq!(a.len(), b.len());
        a.iter()
            .zip(b)
            .map(|(&x, &y)| (x as i32 - y as i32).abs())
            .max()
            .unwrap()
    }

    /// Converts with libswscale (area filter) through the encoder thread's converter.
    fn swscale(
        rgb: &[u8],
        w: u32,
        h: u32,
        m: ColorMatrix,
        full: bool,
        fmt: OutputPixelFormat,
    ) -> Vec<u8> {
        crate::ffi::init();
        let config = EncoderConfig::new(w, h, 30)
            .output_format(fmt)
            .color_matrix(m)
            .full_range(full);
        let plan = config.plan(crate::config::Container::Mkv).unwrap();
        let mut c = Converter::new(&plan, false).unwrap();
        let mut f = ff::frame::Video::new(av::output_pixel(fmt), w, h);
        c.convert(rgb, w as usize * 3, &mut f).unwrap();
        let mut out = Vec::new();
        for p in 0..3 {
            let (pw, ph) = (f.plane_width(p) as usize, f.plane_height(p) as usize);
            for r in 0..ph {
                out.extend_from_slice(&f.data(p)[r * f.stride(p)..r * f.stride(p) + pw]);
            }
        }
        out
    }

    #[test]
    fn simd_conversion_is_within_one_level_of_the_reference_and_of_swscale() {
        let (w, h) = (128, 64);
        let rgb = test_picture(w, h);
        for fmt in [OutputPixelFormat::Yuv420p, OutputPixelFormat::Yuv444p] {
            for m in [ColorMatrix::Bt709, ColorMatrix::Bt601] {
                for full in [false, true] {
                    let cfg = EncoderConfig::new(w, h, 30)
                        .output_format(fmt)
                        .color_matrix(m)
                        .full_range(full);
                    let mut conv = YuvConverter::new(&cfg).unwrap();
                    let mut got = Vec::new();
                    conv.convert(&Frame::new(w, h, PixelFormat::Rgb24, &rgb), &mut got)
                        .unwrap();
                    let want = reference(&rgb, w, h, m, full, fmt);
                    let d = max_diff(&got, &want);
                    assert!(d <= 1, "{fmt:?} {m:?} full={full}: SIMD off by {d}");
                    let sws = swscale(&rgb, w, h, m, full, fmt);
                    let d = max_diff(&sws, &want);
                    assert!(d <= 1, "{fmt:?} {m:?} full={full}: swscale off by {d}");
                }
            }
        }
    }

    #[test]
    fn bgr_and_alpha_orders_match_rgb() {
        let (w, h) = (64, 32);
        let rgb = test_picture(w, h);
        let mut want = Vec::new();
        let cfg = EncoderConfig::new(w, h, 30);
        YuvConverter::new(&cfg)
            .unwrap()
            .convert(&Frame::new(w, h, PixelFormat::Rgb24, &rgb), &mut want)
            .unwrap();
        for (fmt, order, alpha) in [
            (PixelFormat::Bgr24, [2, 1, 0], false),
            (PixelFormat::Rgba, [0, 1, 2], true),
            (PixelFormat::Bgra, [2, 1, 0], true),
        ] {
            let data: Vec<u8> = rgb
                .chunks(3)
                .flat_map(|p| {
                    let mut v = vec![p[order[0]], p[order[1]], p[order[2]]];
                    if alpha {
                        v.push(9);
                    }
                    v
                })
                .collect();
            let mut got = Vec::new();
            YuvConverter::new(&cfg.clone().input_format(fmt))
                .unwrap()
                .convert(&Frame::new(w, h, fmt, &data), &mut got)
                .unwrap();
            assert_eq!(max_diff(&got, &want), 0, "{fmt}");
        }
    }
}
