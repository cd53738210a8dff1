//! Numpy arrays as the library's frames and samples: their element types and layouts, read
//! in place where the memory allows, packed once otherwise.

use encode_native::{Frame, PixelFormat, SampleFormat};
use numpy::ndarray::{ArrayView3, ArrayViewD, Ix2, Ix3};
use numpy::{Element, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;

/// Samples numpy hands over for each input layout: 8-bit, 16-bit and 32-bit float.
pub(crate) trait Sample: Element + bytemuck::Pod + Send + Sync {
    /// A frame owning a packed copy of the samples.
    fn owned(width: u32, height: u32, format: PixelFormat, data: Vec<Self>) -> Frame<'static>;
}

impl Sample for u8 {
    fn owned(width: u32, height: u32, format: PixelFormat, data: Vec<u8>) -> Frame<'static> {
        Frame::from_vec(width, height, format, data)
    }
}

impl Sample for u16 {
    fn owned(width: u32, height: u32, format: PixelFormat, data: Vec<u16>) -> Frame<'static> {
        Frame::from_u16_vec(width, height, format, data)
    }
}

impl Sample for f32 {
    fn owned(width: u32, height: u32, _format: PixelFormat, data: Vec<f32>) -> Frame<'static> {
        Frame::from_f32_vec(width, height, data)
    }
}

/// The sample type and channel count numpy arrays of `format` have.
pub(crate) fn layout_of(format: PixelFormat) -> (&'static str, usize) {
    match format {
        PixelFormat::Gray8 | PixelFormat::Yuv420p | PixelFormat::Yuv444p => ("uint8", 1),
        PixelFormat::Gray16Le => ("uint16", 1),
        PixelFormat::Rgb48Le => ("uint16", 3),
        PixelFormat::RgbF32 => ("float32", 3),
        PixelFormat::Rgba | PixelFormat::Bgra => ("uint8", 4),
        _ => ("uint8", 3),
    }
}

/// The input layouts the library converts with SIMD on the pushing thread, straight from
/// the frame's rows.
pub(crate) const SIMD_INPUTS: [PixelFormat; 4] = [
    PixelFormat::Rgb24,
    PixelFormat::Bgr24,
    PixelFormat::Rgba,
    PixelFormat::Bgra,
];

/// Where a frame's pixels come from: borrowed from the array, or a packed copy of it.
pub(crate) enum Pixels<'a> {
    Borrowed(Frame<'a>),
    Copied(Frame<'static>),
}

/// The end address of the memory `array` is known to view, from `start` (its first byte):
/// the extent of the outermost C-contiguous ndarray in its chain of bases that holds
/// `start` (`a[10:400, 20:600]` of a packed `a` gives `a`'s end), or None when there is none.
pub(crate) fn buffer_end(array: &Bound<'_, PyAny>, start: usize) -> PyResult<Option<usize>> {
    let mut end = None;
    let mut current = array.clone();
    while let Ok(a) = current.cast::<PyUntypedArray>() {
        if a.is_c_contiguous() {
            let data: usize = a
                .getattr("__array_interface__")?
                .get_item("data")?
                .get_item(0)?
                .extract()?;
            let nbytes: usize = a.getattr("nbytes")?.extract()?;
            if data <= start && start < data + nbytes {
                end = Some(data + nbytes);
            }
        }
        let base = a.getattr("base")?;
        if base.is_none() {
            break;
        }
        current = base;
    }
    Ok(end)
}

/// The samples of `view` in C order, packed (the one copy of a frame whose layout cannot
/// be read in place): a swapped-axes view (pygame's `surfarray`), a reversed channel axis
/// (`frame[:, :, ::-1]`), a flip or a crop with a step. Pictures are copied a pixel at a
/// time with their axis counts known at compile time, which costs about what numpy's
/// `ascontiguousarray` does; generic n-dimensional iteration is several times slower.
pub(crate) fn packed<T: Copy>(view: ArrayViewD<'_, T>) -> Vec<T> {
    if let Some(s) = view.as_slice() {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(view.len());
    if let Ok(view) = view.clone().into_dimensionality::<Ix3>() {
        match view.shape()[2] {
            1 => pack_pixels::<T, 1>(&view, &mut out),
            3 => pack_pixels::<T, 3>(&view, &mut out),
            4 => pack_pixels::<T, 4>(&view, &mut out),
            _ => out.extend(view.iter().copied()),
        }
    } else if let Ok(view) = view.clone().into_dimensionality::<Ix2>() {
        for row in view.outer_iter() {
            out.extend(row.iter().copied());
        }
    } else {
        out.extend(view.iter().copied());
    }
    out
}

/// Appends the pixels of an (H, W, N) view row by row, N samples at a time.
fn pack_pixels<T: Copy, const N: usize>(view: &ArrayView3<'_, T>, out: &mut Vec<T>) {
    for row in view.outer_iter() {
        if let Some(samples) = row.as_slice() {
            // A flip upside down or a crop: rows are packed, only their order or spacing is not.
            out.extend_from_slice(samples);
            continue;
        }
        for pixel in row.outer_iter() {
            let mut samples = [pixel[0]; N];
            for (c, sample) in samples.iter_mut().enumerate().skip(1) {
                *sample = pixel[c];
            }
            out.extend_from_slice(&samples);
        }
    }
}

/// Numpy's dtypes of audio samples and the library's sample formats.
pub(crate) trait AudioElement: Element + bytemuck::Pod {
    const FORMAT: SampleFormat;
}

impl AudioElement for f32 {
    const FORMAT: SampleFormat = SampleFormat::F32;
}
impl AudioElement for i16 {
    const FORMAT: SampleFormat = SampleFormat::I16;
}
impl AudioElement for i32 {
    const FORMAT: SampleFormat = SampleFormat::I32;
}
impl AudioElement for f64 {
    const FORMAT: SampleFormat = SampleFormat::F64;
}
