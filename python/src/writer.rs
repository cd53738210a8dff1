//! `NativeWriter`: one video being written, over the library's `VideoWriter`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use encode_native::{
    AudioSamples, AudioTrackSummary, Destination, EncoderConfig, Error, Frame, MemoryBuffer,
    PixelFormat, Summary, VideoWriter, WriterOptions,
};
use numpy::{
    PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::error::{frame_error, no_panic, py_error, SinkError};
use crate::frames::{buffer_end, layout_of, packed, AudioElement, Pixels, Sample, SIMD_INPUTS};
use crate::lock;
use crate::sink::PySink;

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
pub(crate) struct NativeWriter {
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
pub(crate) fn build_config(
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

/// The summary as a `dict` (the Python side makes it a `Summary`).
pub(crate) fn summary_dict<'py>(py: Python<'py>, s: &Summary) -> PyResult<Bound<'py, PyDict>> {
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
    d.set_item("frames_dropped", s.frames_dropped)?;
    d.set_item(
        "delivery",
        s.delivery.map(|k| k.name().to_ascii_lowercase()),
    )?;
    d.set_item("reconnects", s.reconnects)?;
    Ok(d)
}

/// The soundtrack's summary as a `dict` (the Python side makes it an `AudioSummary`).
pub(crate) fn audio_dict<'py>(
    py: Python<'py>,
    a: &AudioTrackSummary,
) -> PyResult<Bound<'py, PyDict>> {
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

/// Set by Ctrl-C (SIGINT) once a writer has read a soundtrack from a FIFO or a pipe: the
/// handler is added beside Python's own (which still runs, so `KeyboardInterrupt` follows),
/// once per process, and only then.
pub(crate) static CTRL_C: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The Ctrl-C flag, cleared, for a writer whose soundtrack is read from a FIFO or standard
/// input (whose waits a Ctrl-C must end); `None` for any other writer.
pub(crate) fn ctrl_c_for(config: &EncoderConfig) -> Option<Arc<AtomicBool>> {
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
