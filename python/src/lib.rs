//! The native part of the Python package `encode_native`: a thin layer over the
//! `encode_native` library's [`VideoWriter`].
//!
//! The Python side (`python/encode_native/__init__.py`) turns whatever the user passes into
//! numpy arrays of one of the library's input layouts and keyword arguments into
//! `(key, value)` settings; this module opens the writer, reads each array in place when its
//! memory layout allows (C-contiguous, or rows at any positive stride), copies it once into a
//! packed buffer otherwise, and pushes it with the GIL released. Python file-like outputs are
//! wrapped in a [`Write`] (+ [`Seek`]) that takes the GIL for each call, on the encoder thread.

use std::io::{self, Seek, SeekFrom, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use encode_native::{
    AudioSamples, AudioTrackSummary, Destination, EncoderConfig, Error, ErrorKind, Frame,
    MemoryBuffer, PixelFormat, SampleFormat, SettingKind, Summary, VideoWriter, WriterOptions,
};
use numpy::ndarray::ArrayViewD;
use numpy::{
    Element, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

/// Locks `m`, recovering the data of a poisoned lock (a panic is reported as an error
/// where it happened; the writer's state is still consistent enough to be finished).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The first Python exception raised by a file-like output, to re-raise as it is instead of
/// the library's generic I/O error about it.
type SinkError = Arc<Mutex<Option<PyErr>>>;

/// Converts a library error into the Python exception a Python user expects.
fn py_error(e: Error, sink_error: Option<&SinkError>) -> PyErr {
    if let Some(stored) = sink_error.and_then(|s| lock(s).take()) {
        return stored;
    }
    // A wrong setting is named by its keyword (`pix_fmt`), not by the library's field
    // (`output_format`).
    let text = match &e {
        Error::Config {
            field,
            value,
            allowed,
        } => match EncoderConfig::setting(field) {
            Ok(setting) if setting.key != *field => {
                format!("invalid {} '{value}': {allowed}", setting.key)
            }
            _ => e.to_string(),
        },
        _ => e.to_string(),
    };
    Python::attach(|py| {
        raised(py, &e, &text).unwrap_or_else(|_| PyRuntimeError::new_err(text.clone()))
    })
}

/// A frame or its samples refused by the glue before they reach the library (a shape, a
/// dtype, a size): `FrameError`, a `ValueError`, as the library's own frame errors are.
fn frame_error(text: impl Into<String>) -> PyErr {
    let text = text.into();
    Python::attach(|py| {
        of_class(py, "FrameError", (text.as_str(),))
            .unwrap_or_else(|_| PyValueError::new_err(text.clone()))
    })
}

/// The exception `encode_native._errors.<class>(*args)` makes (a class, or `output_error`).
fn of_class<'py>(
    py: Python<'py>,
    class: &str,
    args: impl pyo3::call::PyCallArgs<'py>,
) -> PyResult<PyErr> {
    let value = py
        .import("encode_native._errors")?
        .getattr(class)?
        .call1(args)?;
    Ok(PyErr::from_value(value))
}

/// The class of `encode_native._errors` each kind of failure raises (each is also the builtin
/// a caller may catch: `ConfigError` a `ValueError`, `OutputError` an `OSError`, ...).
fn exception_class(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Config | ErrorKind::Unsupported => "ConfigError",
        ErrorKind::Frame => "FrameError",
        ErrorKind::Finished => "WriterFinishedError",
        ErrorKind::Encode | ErrorKind::Internal => "EncoderError",
        ErrorKind::Io => "OutputError",
        ErrorKind::NoSpace => "NoSpaceError",
        // A kind the library adds later is the base of ours until it is given its own class
        // (test_tables checks that every kind has one).
        _ => "Error",
    }
}

/// The exception for `e` with the message `text`: an I/O failure with its errno (and the
/// builtin OSError subclass of that errno), every other kind its own class.
fn raised(py: Python<'_>, e: &Error, text: &str) -> PyResult<PyErr> {
    match e.kind() {
        ErrorKind::Io | ErrorKind::NoSpace => of_class(py, "output_error", (e.os_error(), text)),
        kind => of_class(py, exception_class(kind), (text,)),
    }
}

/// Runs `f`, turning a panic into an [`Error::EncoderThread`]-like error so that no panic
/// crosses into Python as anything but an `EncoderError`.
fn no_panic<T>(what: &str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error::EncoderThread(format!(
                "internal error while {what}: {msg}"
            )))
        }
    }
}

/// A Python binary file-like object as the library's output: every call takes the GIL (it
/// runs on the encoder thread) and calls the object's `write`, `seek` and `flush`.
struct PySink {
    obj: Py<PyAny>,
    error: SinkError,
}

impl PySink {
    /// Calls `f` with the GIL; a Python exception is kept for the caller and becomes an
    /// `io::Error` for the library.
    fn call<T>(&self, f: impl for<'py> FnOnce(&Bound<'py, PyAny>) -> PyResult<T>) -> io::Result<T> {
        Python::attach(|py| match f(self.obj.bind(py)) {
            Ok(v) => Ok(v),
            Err(e) => {
                let text = e.to_string();
                lock(&self.error).get_or_insert(e);
                Err(io::Error::other(text))
            }
        })
    }
}

impl Write for PySink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.call(|obj| {
            let written = obj.call_method1("write", (PyBytes::new(obj.py(), buf),))?;
            // Buffered files return the length, raw files may write less, some objects
            // return None (everything written).
            if written.is_none() {
                Ok(buf.len())
            } else {
                Ok(written.extract::<usize>()?.min(buf.len()))
            }
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.call(|obj| {
            if obj.hasattr("flush")? {
                obj.call_method0("flush")?;
            }
            Ok(())
        })
    }
}

impl Seek for PySink {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let (offset, whence) = match pos {
            SeekFrom::Start(o) => (o as i64, 0),
            SeekFrom::Current(o) => (o, 1),
            SeekFrom::End(o) => (o, 2),
        };
        self.call(|obj| obj.call_method1("seek", (offset, whence))?.extract::<u64>())
    }
}

/// One video being written: `NativeWriter(target, width, height, input_format, settings)`.
///
/// `target` is a path (`str`), `None` for memory, or a binary file-like object (seekable
/// when its `seekable()` says so). `settings` are `(key, value)` pairs given to
/// `EncoderConfig::set` in order. The Python class `encode_native.Writer` wraps this one.
///
/// Nothing here locks while holding the GIL: the writer's lock is taken with the GIL
/// released (the encoder thread may need the GIL to write to a Python file-like object while
/// another thread waits in `push`), and the counters Python reads are atomics.
#[pyclass(frozen, module = "encode_native._native")]
struct NativeWriter {
    /// The library's writer, until it is finished.
    writer: Mutex<Option<VideoWriter>>,
    /// Frames accepted.
    pushed: AtomicU64,
    /// Frames copied because their layout could not be read in place.
    copied: AtomicU64,
    /// Audio samples (per channel) accepted.
    audio_samples: AtomicU64,
    memory: Option<MemoryBuffer>,
    sink_error: Option<SinkError>,
    width: u32,
    height: u32,
    format: PixelFormat,
}

/// The library's configuration from the frame's size and layout and the settings by name.
fn build_config(
    width: u32,
    height: u32,
    input_format: &str,
    settings: &[(String, String)],
) -> Result<EncoderConfig, Error> {
    let mut config = EncoderConfig::new(width, height, 30);
    config.set("in_pix_fmt", input_format)?;
    for (key, value) in settings {
        config.set(key, value)?;
    }
    // Validated when the writer opens, once the container (and so the default codec) is known.
    Ok(config)
}

/// Samples numpy hands over for each input layout: 8-bit, 16-bit and 32-bit float.
trait Sample: Element + bytemuck::Pod + Send + Sync {
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
fn layout_of(format: PixelFormat) -> (&'static str, usize) {
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
const SIMD_INPUTS: [PixelFormat; 4] = [
    PixelFormat::Rgb24,
    PixelFormat::Bgr24,
    PixelFormat::Rgba,
    PixelFormat::Bgra,
];

/// Where a frame's pixels come from: borrowed from the array, or a packed copy of it.
enum Pixels<'a> {
    Borrowed(Frame<'a>),
    Copied(Frame<'static>),
}

impl NativeWriter {
    /// Checks that `array` is a `height × width [× channels]` array of `T` and makes a frame of
    /// it: borrowed in place when its rows are packed pixels at a positive stride, else copied
    /// once into a packed buffer.
    fn frame_of<'a, T: Sample>(
        &self,
        array: &'a PyReadonlyArrayDyn<'_, T>,
        index: u64,
    ) -> PyResult<Pixels<'a>> {
        let (w, h, format) = (self.width, self.height, self.format);
        let (_, channels) = layout_of(format);
        let item = std::mem::size_of::<T>();
        let shape = array.shape();
        let strides = array.strides();

        if format.is_planar_yuv() {
            let need = format.frame_len(w, h);
            if array.len() != need {
                return Err(frame_error(format!(
                    "frame {index}: {format} input needs {need} bytes (planes of {w}x{h}), got an array of {} bytes",
                    array.len()
                )));
            }
            return Ok(match array.as_slice() {
                Ok(data) => Pixels::Borrowed(Frame::new(w, h, format, bytemuck::cast_slice(data))),
                Err(_) => Pixels::Copied(T::owned(w, h, format, packed(array.as_array()))),
            });
        }

        let expected: &[usize] = &[h as usize, w as usize, channels];
        let shape_ok = match shape.len() {
            2 => channels == 1 && shape == &expected[..2],
            3 => shape == expected,
            _ => false,
        };
        if !shape_ok {
            let want = if channels == 1 {
                format!("({h}, {w})")
            } else {
                format!("({h}, {w}, {channels})")
            };
            return Err(frame_error(format!(
                "frame {index}: expected shape {want}, got {shape:?}"
            )));
        }
        let row_bytes = w as usize * channels * item;
        // Bytes from one element to the next along each axis must be: a sample apart within
        // a pixel, a pixel apart within a row; rows may be any positive, sample-aligned
        // distance apart (a crop of a larger picture).
        let inner_packed = match strides.len() {
            3 => {
                (channels == 1 || strides[2] == item as isize)
                    && (w == 1 || strides[1] == (channels * item) as isize)
            }
            _ => w == 1 || strides[1] == item as isize,
        };
        let row_stride = if h == 1 {
            Some(row_bytes)
        } else {
            usize::try_from(strides[0])
                .ok()
                .filter(|&s| s >= row_bytes && s % item == 0)
        };
        let aligned = (array.data() as usize).is_multiple_of(std::mem::align_of::<T>());
        let start = array.data() as usize;
        let span = match row_stride {
            Some(stride) if inner_packed && aligned => {
                let (tight, whole) = (stride * (h as usize - 1) + row_bytes, stride * h as usize);
                if tight == whole || !SIMD_INPUTS.contains(&format) {
                    Some(tight)
                } else if buffer_end(array.as_any(), start)? >= Some(start + whole) {
                    // The library's SIMD conversion of 8-bit RGB reads whole strides and drops
                    // a last row that ends before its stride does: hand it the stride's end
                    // too, when the buffer has those bytes (any crop but one that touches the
                    // end of its buffer, which is copied instead).
                    Some(whole)
                } else {
                    None
                }
            }
            _ => None,
        };
        match (span, row_stride) {
            (Some(span), Some(stride)) => {
                // SAFETY: the array is `h × w × channels` (checked above) with its innermost
                // two axes packed and rows `stride ≥ row_bytes` bytes apart (checked above),
                // so its first sample is at `data()` and the last byte of its last sample at
                // `data() + stride·(h−1) + row_bytes − 1`: every byte of that span lies in the
                // one buffer the array views. A longer span (to `data() + stride·h`) was
                // checked to end inside the extent of a C-contiguous array the array is a view
                // of, which is that array's own memory. The readonly borrow `array` keeps the
                // array (and the buffer it views) alive for the slice's lifetime `'a` and
                // excludes writable borrows through rust-numpy; Python code could still write
                // to the buffer meanwhile, which the Python documentation forbids during
                // `write`, as with any buffer read while the GIL is released. The pointer is
                // aligned for `T` (checked) and `u8` needs no alignment.
                let data = unsafe { std::slice::from_raw_parts(array.data().cast::<u8>(), span) };
                Ok(Pixels::Borrowed(Frame::with_stride(
                    w, h, format, stride, data,
                )))
            }
            _ => Ok(Pixels::Copied(T::owned(
                w,
                h,
                format,
                packed(array.as_array()),
            ))),
        }
    }

    /// Pushes `frame`, released from the GIL: the library converts 8-bit RGB on this thread
    /// and waits here while the queue is full.
    fn push_frame(&self, py: Python<'_>, frame: Frame<'_>, pts: Option<i64>) -> PyResult<()> {
        let result = py.detach(|| {
            let mut writer = lock(&self.writer);
            let writer = writer.as_mut().ok_or(Error::Finished)?;
            no_panic("pushing a frame", || match pts {
                None => writer.push(frame),
                Some(pts) => writer.push_at(frame, pts),
            })
        });
        result.map_err(|e| py_error(e, self.sink_error.as_ref()))?;
        self.pushed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// The end address of the memory `array` is known to view, from `start` (its first byte):
/// the extent of the outermost C-contiguous ndarray in its chain of bases that holds
/// `start` (`a[10:400, 20:600]` of a packed `a` gives `a`'s end), or None when there is none.
fn buffer_end(array: &Bound<'_, PyAny>, start: usize) -> PyResult<Option<usize>> {
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
/// be read in place).
fn packed<T: Copy>(view: ArrayViewD<'_, T>) -> Vec<T> {
    match view.as_slice() {
        Some(s) => s.to_vec(),
        None => view.iter().copied().collect(),
    }
}

/// The summary as a `dict` (the Python side makes it a `Summary`).
fn summary_dict<'py>(py: Python<'py>, s: &Summary) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("frames", s.frames)?;
    d.set_item("bytes", s.bytes)?;
    d.set_item("duration", s.duration.as_secs_f64())?;
    d.set_item("width", s.width)?;
    d.set_item("height", s.height)?;
    d.set_item("input_width", s.input_width)?;
    d.set_item("input_height", s.input_height)?;
    d.set_item("pixel_format", s.pixel_format.name())?;
    d.set_item("codec", s.codec.name())?;
    d.set_item("encoder", s.encoder.name())?;
    d.set_item("container", s.container.name())?;
    d.set_item("fragmented", s.fragmented)?;
    d.set_item("wall", s.wall.as_secs_f64())?;
    d.set_item(
        "first_packet_latency",
        s.first_packet_latency.map(|l| l.as_secs_f64()),
    )?;
    let audio = s.audio.as_ref().map(|a| audio_dict(py, a)).transpose()?;
    d.set_item("audio", audio)?;
    d.set_item("frames_cut", s.frames_cut)?;
    Ok(d)
}

/// The soundtrack's summary as a `dict` (the Python side makes it an `AudioSummary`).
fn audio_dict<'py>(py: Python<'py>, a: &AudioTrackSummary) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("codec", &a.codec)?;
    d.set_item("encoder", a.encoder.map(|e| e.name()))?;
    d.set_item("sample_rate", a.sample_rate)?;
    d.set_item("channels", a.channels)?;
    d.set_item("samples", a.samples)?;
    d.set_item("duration", a.duration.as_secs_f64())?;
    d.set_item("padded", a.padded)?;
    d.set_item("trimmed", a.trimmed)?;
    d.set_item("damaged", a.damaged)?;
    Ok(d)
}

/// Numpy's dtypes of audio samples and the library's sample formats.
trait AudioElement: Element + bytemuck::Pod {
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

/// Set by Ctrl-C (SIGINT) once a writer has read a soundtrack from a FIFO or a pipe: the
/// handler is added beside Python's own (which still runs, so `KeyboardInterrupt` follows),
/// once per process, and only then.
static CTRL_C: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The Ctrl-C flag, cleared, for a writer whose soundtrack is read from a FIFO or standard
/// input (whose waits a Ctrl-C must end); `None` for any other writer.
fn ctrl_c_for(config: &EncoderConfig) -> Option<Arc<AtomicBool>> {
    let Some(encode_native::AudioSource::File(path)) = &config.audio.source else {
        return None;
    };
    #[cfg(unix)]
    let fifo = {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
    };
    #[cfg(not(unix))]
    let fifo = false;
    if !(fifo || path.as_os_str() == "-") {
        return None;
    }
    let flag = CTRL_C
        .get_or_init(|| {
            let flag = Arc::new(AtomicBool::new(false));
            // Without the handler, a wait still ends when the pipe's writer goes away.
            let _ = signal_hook::flag::register(signal_hook::consts::SIGINT, flag.clone());
            flag
        })
        .clone();
    flag.store(false, Ordering::SeqCst);
    Some(flag)
}

#[pymethods]
impl NativeWriter {
    /// Opens the output (its header is written when this returns).
    #[new]
    fn new(
        py: Python<'_>,
        target: &Bound<'_, PyAny>,
        width: u32,
        height: u32,
        input_format: &str,
        settings: Vec<(String, String)>,
    ) -> PyResult<Self> {
        let config =
            build_config(width, height, input_format, &settings).map_err(|e| py_error(e, None))?;
        let (format, width, height) = (config.input_format, config.width, config.height);
        let mut memory = None;
        let mut sink_error = None;
        let destination = if target.is_none() {
            let buffer = MemoryBuffer::new();
            memory = Some(buffer.clone());
            Destination::Memory(buffer)
        } else if let Ok(path) = target.extract::<PathBuf>() {
            Destination::Path(path)
        } else if target.hasattr("write")? {
            let seekable = if target.hasattr("seekable")? {
                target.call_method0("seekable")?.is_truthy()?
            } else {
                target.hasattr("seek")?
            };
            let error = SinkError::default();
            sink_error = Some(error.clone());
            let sink = PySink {
                obj: target.clone().unbind(),
                error,
            };
            if seekable {
                Destination::seekable(sink)
            } else {
                Destination::stream(sink)
            }
        } else {
            return Err(PyTypeError::new_err(format!(
                "the output must be a path, None (memory) or a binary file-like object with write(); got {}",
                target.get_type().name()?
            )));
        };
        let mut options = WriterOptions::default();
        if let Some(flag) = ctrl_c_for(&config) {
            options = options.stop_when(move || flag.load(Ordering::SeqCst));
        }
        // The header may be written through a Python file-like object on the encoder thread,
        // which needs the GIL: open with it released.
        let writer = py
            .detach(|| {
                no_panic("opening the writer", || {
                    VideoWriter::open_with(config, destination, options)
                })
            })
            .map_err(|e| {
                if e.is_interrupted() {
                    // Ctrl-C ended the wait: Python's KeyboardInterrupt, now.
                    if let Err(interrupt) = py.check_signals() {
                        return interrupt;
                    }
                }
                py_error(e, sink_error.as_ref())
            })?;
        Ok(NativeWriter {
            writer: Mutex::new(Some(writer)),
            pushed: AtomicU64::new(0),
            copied: AtomicU64::new(0),
            audio_samples: AtomicU64::new(0),
            memory,
            sink_error,
            width,
            height,
            format,
        })
    }

    /// Pushes one frame: a numpy array of the writer's layout (uint8, uint16 or float32).
    /// Returns whether it had to be copied (its memory layout could not be read in place).
    #[pyo3(signature = (array, pts=None))]
    fn push(&self, py: Python<'_>, array: &Bound<'_, PyAny>, pts: Option<i64>) -> PyResult<bool> {
        let index = self.pushed.load(Ordering::Relaxed);
        let (dtype, _) = layout_of(self.format);
        let untyped = array.cast::<PyUntypedArray>().map_err(|_| {
            PyTypeError::new_err(format!(
                "frame {index}: expected a numpy array, got {}",
                array
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?;
        let wrong_dtype = || {
            frame_error(format!(
                "frame {index}: expected dtype {dtype} for {}, got {}",
                self.format,
                untyped.dtype()
            ))
        };
        let borrow_error = |e: numpy::BorrowError| frame_error(format!("frame {index}: {e}"));
        let copied = match dtype {
            "uint8" => {
                let a = array.cast::<PyArrayDyn<u8>>().map_err(|_| wrong_dtype())?;
                let a = a.try_readonly().map_err(borrow_error)?;
                self.push_pixels(py, self.frame_of(&a, index)?, pts)?
            }
            "uint16" => {
                let a = array.cast::<PyArrayDyn<u16>>().map_err(|_| wrong_dtype())?;
                let a = a.try_readonly().map_err(borrow_error)?;
                self.push_pixels(py, self.frame_of(&a, index)?, pts)?
            }
            _ => {
                let a = array.cast::<PyArrayDyn<f32>>().map_err(|_| wrong_dtype())?;
                let a = a.try_readonly().map_err(borrow_error)?;
                self.push_pixels(py, self.frame_of(&a, index)?, pts)?
            }
        };
        if copied {
            self.copied.fetch_add(1, Ordering::Relaxed);
        }
        Ok(copied)
    }

    /// Pushes audio samples for the soundtrack of samples (the `sample_rate` setting): a
    /// numpy array of float32, int16, int32 or float64 (floats at full scale ±1.0), shape
    /// `(n,)` for one channel or `(n, channels)` interleaved; with `planar=True`, `(n,)` or
    /// `(channels, n)`, one channel after the other. Other layouts than C order are copied
    /// once. Returns the samples per channel pushed. `ValueError` for a channel count other
    /// than the soundtrack's, NaN or infinite samples, or a writer without one.
    #[pyo3(signature = (samples, planar=false))]
    fn write_audio(
        &self,
        py: Python<'_>,
        samples: &Bound<'_, PyAny>,
        planar: bool,
    ) -> PyResult<u64> {
        let untyped = samples.cast::<PyUntypedArray>().map_err(|_| {
            PyTypeError::new_err(format!(
                "audio: expected a numpy array, got {}",
                samples
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?;
        let dtype = untyped.dtype().to_string();
        if let Ok(a) = samples.cast::<PyArrayDyn<f32>>() {
            self.push_samples(py, a, planar)
        } else if let Ok(a) = samples.cast::<PyArrayDyn<i16>>() {
            self.push_samples(py, a, planar)
        } else if let Ok(a) = samples.cast::<PyArrayDyn<i32>>() {
            self.push_samples(py, a, planar)
        } else if let Ok(a) = samples.cast::<PyArrayDyn<f64>>() {
            self.push_samples(py, a, planar)
        } else {
            Err(frame_error(format!(
                "audio: expected samples of dtype float32, int16, int32 or float64, got {dtype}"
            )))
        }
    }

    /// Samples (per channel) `write_audio` takes now before the soundtrack would run more
    /// than `audio_ahead` seconds past the frames pushed (with the length policies that hold
    /// samples until the video's end); None without such a bound.
    #[getter]
    fn audio_room(&self) -> Option<u64> {
        lock(&self.writer).as_ref().and_then(|w| w.audio_room())
    }

    /// Audio samples (per channel) accepted so far.
    #[getter]
    fn audio_samples_pushed(&self) -> u64 {
        self.audio_samples.load(Ordering::Relaxed)
    }

    /// Encodes what is queued, writes the trailer and returns `(bytes or None, summary)`:
    /// the video's bytes for a writer into memory.
    fn finish<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Option<Bound<'py, PyBytes>>, Bound<'py, PyDict>)> {
        let summary = py
            .detach(|| {
                let writer = lock(&self.writer).take().ok_or(Error::Finished)?;
                no_panic("finishing the video", || writer.finish())
            })
            .map_err(|e| py_error(e, self.sink_error.as_ref()))?;
        let bytes = self
            .memory
            .as_ref()
            .map(|m| PyBytes::new(py, &py.detach(|| m.take())));
        Ok((bytes, summary_dict(py, &summary)?))
    }

    /// Stops without replacing anything: finalizes what was pushed in the partial file
    /// (`<path>.partial`, which plays and which `encode-native recover` makes the file) and
    /// leaves the file at the path as it was. Returns `(partial path or None, summary)`:
    /// None when no frame was pushed (nothing is kept) or the output is not a file.
    fn keep_partial<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Option<PathBuf>, Bound<'py, PyDict>)> {
        let kept = py
            .detach(|| {
                let writer = lock(&self.writer).take().ok_or(Error::Finished)?;
                no_panic("keeping the partial video", || writer.keep_partial())
            })
            .map_err(|e| py_error(e, self.sink_error.as_ref()))?;
        Ok((kept.path.clone(), summary_dict(py, &kept.summary)?))
    }

    /// Whether finishing replaces a file that existed when the writer was opened.
    #[getter]
    fn replaces_file(&self) -> bool {
        lock(&self.writer)
            .as_ref()
            .is_some_and(|w| w.replaces_file())
    }

    /// Frames accepted so far.
    #[getter]
    fn frames_pushed(&self) -> u64 {
        self.pushed.load(Ordering::Relaxed)
    }

    /// Frames that had to be copied because their memory layout could not be read in place.
    #[getter]
    fn frames_copied(&self) -> u64 {
        self.copied.load(Ordering::Relaxed)
    }
}

impl NativeWriter {
    /// Checks the shape of `array` (see `write_audio`), reads its samples in place when it is
    /// C-contiguous (else copies them once) and pushes them with the GIL released.
    fn push_samples<T: AudioElement>(
        &self,
        py: Python<'_>,
        array: &Bound<'_, PyArrayDyn<T>>,
        planar: bool,
    ) -> PyResult<u64> {
        let array = array
            .try_readonly()
            .map_err(|e| frame_error(format!("audio: {e}")))?;
        let shape = array.shape().to_vec();
        let (channels, frames) = match (shape.as_slice(), planar) {
            ([n], _) => (1, *n),
            ([n, c], false) => (*c, *n),
            ([c, n], true) => (*c, *n),
            _ => {
                let want = if planar {
                    "(n,) or (channels, n)"
                } else {
                    "(n,) or (n, channels)"
                };
                return Err(frame_error(format!(
                    "audio: expected samples of shape {want}, got {shape:?}"
                )));
            }
        };
        let channels = u16::try_from(channels)
            .ok()
            .filter(|&c| c > 0)
            .ok_or_else(|| {
                frame_error(format!(
                    "audio: {channels} channels in an array of shape {shape:?}; a soundtrack has 1 to 8"
                ))
            })?;
        if frames == 0 {
            return Ok(0);
        }
        // In place only in C order: `as_slice` also takes a Fortran-ordered array, whose
        // memory holds the samples in the other order.
        let owned;
        let data: &[T] = match array.as_slice() {
            Ok(d) if array.is_c_contiguous() => d,
            _ => {
                owned = packed(array.as_array());
                &owned
            }
        };
        let bytes: &[u8] = bytemuck::cast_slice(data);
        let result = py.detach(|| {
            let mut writer = lock(&self.writer);
            let writer = writer.as_mut().ok_or(Error::Finished)?;
            no_panic("pushing audio", || {
                writer.push_audio(AudioSamples::from_bytes(bytes, T::FORMAT, channels, planar))
            })
        });
        result.map_err(|e| py_error(e, self.sink_error.as_ref()))?;
        self.audio_samples
            .fetch_add(frames as u64, Ordering::Relaxed);
        Ok(frames as u64)
    }

    fn push_pixels(&self, py: Python<'_>, pixels: Pixels<'_>, pts: Option<i64>) -> PyResult<bool> {
        match pixels {
            Pixels::Borrowed(frame) => self.push_frame(py, frame, pts).map(|()| false),
            Pixels::Copied(frame) => self.push_frame(py, frame, pts).map(|()| true),
        }
    }
}

impl Drop for NativeWriter {
    fn drop(&mut self) {
        // Finalizes a writer that was never finished (dropping the library's writer does),
        // with the GIL released: a file-like output is written by the encoder thread, which
        // needs the GIL. Errors can only be logged by the library here.
        let writer = self
            .writer
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(writer) = writer {
            let drop_writer = move || {
                let _ = catch_unwind(AssertUnwindSafe(move || drop(writer)));
            };
            // When the interpreter is shutting down nothing can take the GIL any more, and
            // the closure (with the writer) is dropped without it.
            let _ = Python::try_attach(|py| py.detach(drop_writer));
        }
    }
}

/// Checks settings by name without opening anything: raises `ValueError` for an unknown
/// key or a value the setting does not take. With `container` (a container's name), also
/// what the plan checks for it: a setting its encoder does not take (a bitrate for GIF).
#[pyfunction]
#[pyo3(signature = (settings, container = None))]
fn check_settings(settings: Vec<(String, String)>, container: Option<String>) -> PyResult<()> {
    let mut config = EncoderConfig::new(64, 64, 30);
    for (key, value) in &settings {
        config.set(key, value).map_err(|e| py_error(e, None))?;
    }
    if let Some(name) = container {
        let container: encode_native::Container = name.parse().map_err(|e| py_error(e, None))?;
        config.plan(container).map_err(|e| py_error(e, None))?;
    }
    Ok(())
}

/// ffmpeg's flags as settings (`(key, value)` pairs, in order), as the library's
/// translator reads them: `input` describes the frames (`-r`, `-framerate`, `-pix_fmt`,
/// `-s`), `output` the video (`-c:v`, `-crf`, `-b:v`, `-movflags`, ...). `ValueError`
/// naming the flag for one without an equivalent (and listing those there are), a missing
/// value or one the setting does not take.
#[pyfunction]
#[pyo3(signature = (output, input = Vec::new()))]
fn ffmpeg_args_settings(
    output: Vec<String>,
    input: Vec<String>,
) -> PyResult<Vec<(&'static str, String)>> {
    encode_native::ffmpeg_args_settings(&input, &output).map_err(|e| py_error(e, None))
}

/// The canonical name of an input pixel format given by any of its names (`rgb` is
/// `rgb24`); `ValueError` listing the names for an unknown one.
#[pyfunction]
fn pixel_format_name(name: &str) -> PyResult<&'static str> {
    name.parse::<PixelFormat>()
        .map(PixelFormat::name)
        .map_err(|e| py_error(e, None))
}

/// A frame rate as the library reads it, exact: `(numerator, denominator)` (`"29.97"` is
/// `(30000, 1001)`); `ValueError` for text that is not a positive rate.
#[pyfunction]
fn frame_rate(text: &str) -> PyResult<(i32, i32)> {
    let rate: encode_native::FrameRate = text.parse().map_err(|e| py_error(e, None))?;
    Ok((rate.num, rate.den))
}

/// Every setting the writers take by keyword, as dicts: `key`, `aliases`, `value_name`,
/// `help`, `choices`, `default`, `kind` (`value`, `switch`, `optional` or `repeated`),
/// `encoders` (what each encoder takes, where that differs: `{"libx264": "0 to 51 ..."}`)
/// and `description` (all of it in one text, as the command line's help says it).
#[pyfunction]
fn settings(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for s in EncoderConfig::settings() {
        let d = PyDict::new(py);
        d.set_item("key", s.key)?;
        d.set_item("aliases", s.aliases.to_vec())?;
        d.set_item("value_name", s.value_name)?;
        d.set_item("help", s.help)?;
        let encoders = PyDict::new(py);
        for (e, text) in s.per_encoder() {
            encoders.set_item(e.name(), text)?;
        }
        d.set_item("encoders", encoders)?;
        d.set_item("description", s.describe())?;
        d.set_item("choices", s.choices.to_vec())?;
        d.set_item("default", s.default)?;
        let kind = match s.kind {
            SettingKind::Switch => "switch",
            SettingKind::OptionalValue(_) => "optional",
            SettingKind::Repeated => "repeated",
            _ => "value",
        };
        d.set_item("kind", kind)?;
        list.append(d)?;
    }
    Ok(list)
}

/// The library's container table, as dicts: `name`, `aliases`, `extension`, `mime`,
/// `browser` (`"video"`, `"img"` or `None`: the element a browser shows it in), `muxer` and
/// `default_encoder`.
#[pyfunction]
fn containers(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for c in encode_native::Container::ALL {
        let d = PyDict::new(py);
        d.set_item("name", c.name())?;
        d.set_item("aliases", c.aliases().to_vec())?;
        d.set_item("extension", c.extension())?;
        d.set_item("mime", c.mime())?;
        d.set_item("browser", c.browser_element().map(|b| b.tag()))?;
        d.set_item("muxer", c.muxer())?;
        d.set_item("default_encoder", c.default_encoder().name())?;
        list.append(d)?;
    }
    Ok(list)
}

/// The library's encoder table, as dicts: `name`, `aliases`, `codec` (the coding format),
/// `pixel_formats`, `containers`, `license`.
#[pyfunction]
fn encoders(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    let linked = encode_native::info::library_info().encoders;
    for e in encode_native::Encoder::ALL {
        let info = e.info();
        let d = PyDict::new(py);
        d.set_item("name", e.name())?;
        d.set_item("available", linked.iter().any(|(l, ok)| l == e && *ok))?;
        d.set_item("aliases", e.aliases().to_vec())?;
        d.set_item("codec", info.codec.name())?;
        let formats: Vec<&str> = info.pixel_formats.iter().map(|f| f.name()).collect();
        d.set_item("pixel_formats", formats)?;
        let containers: Vec<&str> = info.containers.iter().map(|c| c.name()).collect();
        d.set_item("containers", containers)?;
        d.set_item("license", info.license)?;
        let quality = match info.quality {
            Some(q) => {
                let scale = PyDict::new(py);
                scale.set_item("key", q.key)?;
                scale.set_item("best", q.best)?;
                scale.set_item("worst", q.worst)?;
                scale.set_item("default", q.default)?;
                Some(scale)
            }
            None => None,
        };
        d.set_item("quality", quality)?;
        d.set_item("presets", info.presets.to_vec())?;
        list.append(d)?;
    }
    Ok(list)
}

/// The library's table of error kinds, as dicts: `kind` and `exception` (the class of
/// `encode_native._errors` it raises).
#[pyfunction]
fn error_kinds(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for &k in ErrorKind::ALL {
        let d = PyDict::new(py);
        d.set_item("kind", k.name())?;
        d.set_item("exception", exception_class(k))?;
        list.append(d)?;
    }
    Ok(list)
}

/// Joins segments encoded with the same settings into `output` without re-encoding; returns
/// `(frames, duration in seconds, bytes, width, height, codec)`. The GIL is released while
/// it copies.
#[pyfunction]
fn concat(
    py: Python<'_>,
    inputs: Vec<std::path::PathBuf>,
    output: std::path::PathBuf,
) -> PyResult<(u64, f64, u64, u32, u32, String)> {
    let done = py
        .detach(|| {
            no_panic("joining segments", || {
                encode_native::concat(&inputs, &output)
            })
        })
        .map_err(|e| py_error(e, None))?;
    Ok((
        done.frames,
        done.duration.as_secs_f64(),
        done.bytes,
        done.width,
        done.height,
        done.codec,
    ))
}

/// The native part of `encode_native`: the writer over the Rust library. Use the package
/// `encode_native` instead of this module.
/// Runs the `encode-native` command line with `argv` (the program's name first) and returns
/// its exit status; the same code as the binary's, in this module (no second copy of FFmpeg).
/// Messages go to the process's standard error, the video (`-o -`) and JSON reports to its
/// standard output. While it runs, Ctrl-C and SIGTERM ask for a clean stop (status 130);
/// Python's own handler is called too, so `KeyboardInterrupt` follows once it returns.
#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(move || encode_native::cli::main_with_args(argv))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeWriter>()?;
    m.add_function(wrap_pyfunction!(check_settings, m)?)?;
    m.add_function(wrap_pyfunction!(ffmpeg_args_settings, m)?)?;
    m.add_function(wrap_pyfunction!(settings, m)?)?;
    m.add_function(wrap_pyfunction!(pixel_format_name, m)?)?;
    m.add_function(wrap_pyfunction!(frame_rate, m)?)?;
    m.add_function(wrap_pyfunction!(concat, m)?)?;
    m.add_function(wrap_pyfunction!(containers, m)?)?;
    m.add_function(wrap_pyfunction!(encoders, m)?)?;
    m.add_function(wrap_pyfunction!(error_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
