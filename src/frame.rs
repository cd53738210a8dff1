//! A frame held in memory: size, pixel format, row stride, borrowed or owned pixels.

use crate::error::{Error, Result};

named_enum! {
    /// The layout of the pixels you push.
    #[derive(Default)]
    pub enum PixelFormat ("input_format") {
        /// 8-bit R, G, B (what numpy `uint8[h, w, 3]` and `image::RgbImage` hold).
        #[default]
        Rgb24 = ["rgb24", "rgb"],
        /// 8-bit B, G, R (OpenCV's order).
        Bgr24 = ["bgr24", "bgr"],
        /// 8-bit R, G, B, A (alpha is dropped).
        Rgba = ["rgba"],
        /// 8-bit B, G, R, A (alpha is dropped).
        Bgra = ["bgra"],
        /// 8-bit grey.
        Gray8 = ["gray", "gray8", "grey"],
        /// 16-bit grey, little-endian.
        Gray16Le = ["gray16le", "gray16"],
        /// 16-bit R, G, B, little-endian.
        Rgb48Le = ["rgb48le", "rgb48"],
        /// 32-bit float R, G, B in `[0, 1]` (native endian); values outside are clamped, NaN is black.
        RgbF32 = ["rgbf32", "rgbf32le"],
        /// Planar 4:2:0 YUV already converted (Y plane, then U, then V, tightly packed), encoded
        /// as it is; it must already use the configured colour matrix and range.
        Yuv420p = ["yuv420p"],
        /// Planar 4:4:4 YUV already converted, encoded as it is (see [`PixelFormat::Yuv420p`]).
        Yuv444p = ["yuv444p"],
    }
}

impl PixelFormat {
    /// The bytes a `width`×`height` frame of this format whose rows are `stride` bytes apart
    /// takes (the last row need not be padded), with every size checked: a stride shorter
    /// than a row, larger than FFmpeg takes, or not a whole number of `f32`s (rgbf32), and
    /// planar YUV that is not tightly packed, are refused as frame `index`'s error.
    ///
    /// # Errors
    /// [`Error::Frame`](crate::Error::Frame) when the stride is shorter than a row or the size does not
    /// fit in memory (`index` names the frame in the message).
    pub fn frame_bytes(self, width: u32, height: u32, stride: usize, index: u64) -> Result<usize> {
        let bad = |problem: String| Err(Error::Frame { index, problem });
        if self.is_planar_yuv() {
            if stride != width as usize {
                return bad(format!(
                    "{self} frames are tightly packed planes: the stride must be the width, {width}, not {stride}"
                ));
            }
            return Ok(self.frame_len(width, height));
        }
        let row = width as usize * self.bytes_per_pixel();
        // Strides come from outside: every size computed from one is checked.
        if stride > i32::MAX as usize {
            return bad(format!(
                "stride {stride} bytes is larger than the largest row encode-native takes ({} bytes)",
                i32::MAX
            ));
        }
        if stride < row {
            return bad(format!(
                "stride {stride} bytes is less than a row of {width} {self} pixels ({row} bytes)"
            ));
        }
        if self == PixelFormat::RgbF32 && !stride.is_multiple_of(4) {
            return bad(format!(
                "stride {stride} bytes is not a whole number of f32 values"
            ));
        }
        match stride
            .checked_mul(height.saturating_sub(1) as usize)
            .and_then(|n| n.checked_add(row))
            .filter(|&n| n <= isize::MAX as usize)
        {
            Some(n) => Ok(n),
            None => bad(format!(
                "stride {stride} bytes for {height} rows is larger than memory can hold"
            )),
        }
    }

    /// Bytes per pixel (of the luma plane for planar YUV).
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            PixelFormat::Gray8 | PixelFormat::Yuv420p | PixelFormat::Yuv444p => 1,
            PixelFormat::Gray16Le => 2,
            PixelFormat::Rgb24 | PixelFormat::Bgr24 => 3,
            PixelFormat::Rgba | PixelFormat::Bgra => 4,
            PixelFormat::Rgb48Le => 6,
            PixelFormat::RgbF32 => 12,
        }
    }

    /// Whether this is planar YUV that is encoded without conversion.
    pub fn is_planar_yuv(self) -> bool {
        matches!(self, PixelFormat::Yuv420p | PixelFormat::Yuv444p)
    }

    /// Bytes of a tightly packed picture of this size.
    pub fn frame_len(self, width: u32, height: u32) -> usize {
        let (w, h) = (width as usize, height as usize);
        match self {
            PixelFormat::Yuv420p => w * h + 2 * w.div_ceil(2) * h.div_ceil(2),
            PixelFormat::Yuv444p => 3 * w * h,
            f => w * h * f.bytes_per_pixel(),
        }
    }
}

/// Owned pixel storage; `u16` and `f32` vectors are kept as they are (no copy).
#[derive(Debug)]
pub(crate) enum Buffer {
    Bytes(Vec<u8>),
    U16(Vec<u16>),
    F32(Vec<f32>),
}

impl Buffer {
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Buffer::Bytes(v) => v,
            Buffer::U16(v) => bytemuck::cast_slice(v),
            Buffer::F32(v) => bytemuck::cast_slice(v),
        }
    }
}

#[derive(Debug)]
enum Pixels<'a> {
    Borrowed(&'a [u8]),
    Owned(Buffer),
}

/// One picture to encode: width, height, pixel format, row stride in bytes, and its pixels,
/// either borrowed (8-bit RGB is converted straight from it during `push`; other formats are
/// copied into a recycled buffer) or owned (moved, never copied).
///
/// ```
/// use encode_native::{Frame, PixelFormat};
/// let pixels = vec![0u8; 64 * 48 * 3];
/// let borrowed = Frame::new(64, 48, PixelFormat::Rgb24, &pixels);
/// let owned = Frame::from_vec(64, 48, PixelFormat::Rgb24, pixels.clone());
/// assert_eq!(borrowed.stride(), 64 * 3);
/// assert_eq!(owned.width(), 64);
/// ```
#[derive(Debug)]
pub struct Frame<'a> {
    width: u32,
    height: u32,
    format: PixelFormat,
    stride: usize,
    pixels: Pixels<'a>,
}

impl<'a> Frame<'a> {
    /// Borrows tightly packed pixels (`stride = width × bytes per pixel`).
    pub fn new(width: u32, height: u32, format: PixelFormat, data: &'a [u8]) -> Self {
        Self::with_stride(
            width,
            height,
            format,
            width as usize * format.bytes_per_pixel(),
            data,
        )
    }

    /// Borrows pixels whose rows are `stride` bytes apart (`stride ≥ width × bytes per pixel`).
    pub fn with_stride(
        width: u32,
        height: u32,
        format: PixelFormat,
        stride: usize,
        data: &'a [u8],
    ) -> Self {
        Frame {
            width,
            height,
            format,
            stride,
            pixels: Pixels::Borrowed(data),
        }
    }

    /// Borrows float RGB pixels in `[0, 1]`, three per pixel, tightly packed.
    pub fn from_f32(width: u32, height: u32, data: &'a [f32]) -> Self {
        Self::new(
            width,
            height,
            PixelFormat::RgbF32,
            bytemuck::cast_slice(data),
        )
    }

    /// Borrows 16-bit pixels (`Gray16Le` or `Rgb48Le`), tightly packed.
    pub fn from_u16(width: u32, height: u32, format: PixelFormat, data: &'a [u16]) -> Self {
        Self::new(width, height, format, bytemuck::cast_slice(data))
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }
    /// Pixel format.
    pub fn format(&self) -> PixelFormat {
        self.format
    }
    /// Bytes from the start of one row to the start of the next.
    pub fn stride(&self) -> usize {
        self.stride
    }
    /// The pixel bytes.
    pub fn data(&self) -> &[u8] {
        match &self.pixels {
            Pixels::Borrowed(d) => d,
            Pixels::Owned(b) => b.as_bytes(),
        }
    }

    /// Checks the frame against the writer's size and format; `index` names it in the error.
    pub(crate) fn check(
        &self,
        index: u64,
        width: u32,
        height: u32,
        format: PixelFormat,
    ) -> Result<()> {
        let bad = |problem: String| Err(Error::Frame { index, problem });
        if self.format != format {
            return bad(format!(
                "pixel format {} does not match the writer's {}",
                self.format, format
            ));
        }
        if self.width != width || self.height != height {
            return bad(format!(
                "size {}x{} does not match the writer's {}x{}",
                self.width, self.height, width, height
            ));
        }
        let need = format.frame_bytes(width, height, self.stride, index)?;
        let got = self.data().len();
        if got < need {
            return bad(if format.is_planar_yuv() {
                format!("{format} must be tightly packed planes: {got} bytes, expected {need}")
            } else {
                format!(
                    "{} bytes of pixels, expected at least {} for {}x{} {} with stride {}",
                    got, need, width, height, format, self.stride
                )
            });
        }
        Ok(())
    }

    /// Moves owned pixels out, or copies borrowed ones into `reuse` (a recycled buffer).
    pub(crate) fn into_buffer(self, reuse: Option<Vec<u8>>) -> (Buffer, usize) {
        match self.pixels {
            Pixels::Owned(b) => (b, self.stride),
            Pixels::Borrowed(d) => {
                let row = self.width as usize * self.format.bytes_per_pixel();
                let mut v = reuse.unwrap_or_default();
                v.clear();
                if self.format.is_planar_yuv() {
                    v.extend_from_slice(&d[..self.format.frame_len(self.width, self.height)]);
                } else if self.stride == row || self.height == 1 {
                    v.extend_from_slice(&d[..row * self.height as usize]);
                } else {
                    v.reserve(row * self.height as usize);
                    for r in d.chunks(self.stride).take(self.height as usize) {
                        v.extend_from_slice(&r[..row]);
                    }
                }
                (Buffer::Bytes(v), row)
            }
        }
    }

    /// An owned copy that no longer borrows anything.
    pub fn into_owned(self) -> Frame<'static> {
        let (width, height, format) = (self.width, self.height, self.format);
        let (buffer, stride) = self.into_buffer(None);
        Frame {
            width,
            height,
            format,
            stride,
            pixels: Pixels::Owned(buffer),
        }
    }
}

impl Frame<'static> {
    /// Takes ownership of tightly packed pixels: pushing it moves them, with no copy.
    pub fn from_vec(width: u32, height: u32, format: PixelFormat, data: Vec<u8>) -> Self {
        Self::from_vec_with_stride(
            width,
            height,
            format,
            width as usize * format.bytes_per_pixel(),
            data,
        )
    }

    /// Takes ownership of pixels whose rows are `stride` bytes apart.
    pub fn from_vec_with_stride(
        width: u32,
        height: u32,
        format: PixelFormat,
        stride: usize,
        data: Vec<u8>,
    ) -> Self {
        Frame {
            width,
            height,
            format,
            stride,
            pixels: Pixels::Owned(Buffer::Bytes(data)),
        }
    }

    /// Takes ownership of float RGB pixels in `[0, 1]`, tightly packed.
    pub fn from_f32_vec(width: u32, height: u32, data: Vec<f32>) -> Self {
        Frame {
            width,
            height,
            format: PixelFormat::RgbF32,
            stride: width as usize * 12,
            pixels: Pixels::Owned(Buffer::F32(data)),
        }
    }

    /// Takes ownership of 16-bit pixels (`Gray16Le` or `Rgb48Le`), tightly packed.
    pub fn from_u16_vec(width: u32, height: u32, format: PixelFormat, data: Vec<u16>) -> Self {
        Frame {
            width,
            height,
            format,
            stride: width as usize * format.bytes_per_pixel(),
            pixels: Pixels::Owned(Buffer::U16(data)),
        }
    }
}

/// Conversions from the `image` crate's buffers (feature `image`, on by default).
#[cfg(feature = "image")]
mod image_frames {
    use super::{Frame, PixelFormat};

    impl<'a> From<&'a image::RgbImage> for Frame<'a> {
        fn from(img: &'a image::RgbImage) -> Self {
            Frame::new(img.width(), img.height(), PixelFormat::Rgb24, img.as_raw())
        }
    }
    impl<'a> From<&'a image::RgbaImage> for Frame<'a> {
        fn from(img: &'a image::RgbaImage) -> Self {
            Frame::new(img.width(), img.height(), PixelFormat::Rgba, img.as_raw())
        }
    }
    impl<'a> From<&'a image::GrayImage> for Frame<'a> {
        fn from(img: &'a image::GrayImage) -> Self {
            Frame::new(img.width(), img.height(), PixelFormat::Gray8, img.as_raw())
        }
    }
    impl From<image::RgbImage> for Frame<'static> {
        fn from(img: image::RgbImage) -> Self {
            let (w, h) = img.dimensions();
            Frame::from_vec(w, h, PixelFormat::Rgb24, img.into_raw())
        }
    }
    impl From<image::RgbaImage> for Frame<'static> {
        fn from(img: image::RgbaImage) -> Self {
            let (w, h) = img.dimensions();
            Frame::from_vec(w, h, PixelFormat::Rgba, img.into_raw())
        }
    }
    impl From<image::GrayImage> for Frame<'static> {
        fn from(img: image::GrayImage) -> Self {
            let (w, h) = img.dimensions();
            Frame::from_vec(w, h, PixelFormat::Gray8, img.into_raw())
        }
    }

    /// Keeps the image's depth: 8-bit grey/RGB/RGBA as they are, 16-bit grey and RGB as 16-bit,
    /// float RGB as `RgbF32`; other layouts (grey+alpha, 16-bit or float RGBA) become RGB or RGBA.
    impl From<image::DynamicImage> for Frame<'static> {
        fn from(img: image::DynamicImage) -> Self {
            use image::DynamicImage as D;
            let (w, h) = (img.width(), img.height());
            match img {
                D::ImageLuma8(i) => i.into(),
                D::ImageRgb8(i) => i.into(),
                D::ImageRgba8(i) => i.into(),
                D::ImageLuma16(i) => Frame::from_u16_vec(w, h, PixelFormat::Gray16Le, i.into_raw()),
                D::ImageRgb16(i) => Frame::from_u16_vec(w, h, PixelFormat::Rgb48Le, i.into_raw()),
                D::ImageRgb32F(i) => Frame::from_f32_vec(w, h, i.into_raw()),
                D::ImageLumaA8(_) => img.to_rgb8().into(),
                other => other.to_rgba8().into(),
            }
        }
    }
}
