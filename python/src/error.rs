//! Library errors as Python exceptions: each `ErrorKind` raises its class of
//! `encode_native._errors` (which is also the builtin a caller may catch), an I/O failure its
//! `OSError` with the errno, and a panic an `EncoderError`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use encode_native::{EncoderConfig, Error, ErrorKind};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::lock;

/// The first Python exception raised by a file-like output, to re-raise as it is instead of
/// the library's generic I/O error about it.
pub(crate) type SinkError = Arc<Mutex<Option<PyErr>>>;

/// Converts a library error into the Python exception a Python user expects.
pub(crate) fn py_error(e: Error, sink_error: Option<&SinkError>) -> PyErr {
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

/// A failure on its way to Python: the glue's functions return `Result<T, NativeError>`, so
/// that `?` on the library's `Result` raises the exception its kind maps to (through
/// [`py_error`]), and a Python exception met on the way passes through as it is.
pub(crate) enum NativeError {
    /// The library's error.
    Library(Error),
    /// A Python exception.
    Python(PyErr),
}

impl From<Error> for NativeError {
    fn from(e: Error) -> Self {
        NativeError::Library(e)
    }
}

impl From<PyErr> for NativeError {
    fn from(e: PyErr) -> Self {
        NativeError::Python(e)
    }
}

impl From<NativeError> for PyErr {
    fn from(e: NativeError) -> Self {
        match e {
            NativeError::Library(e) => py_error(e, None),
            NativeError::Python(e) => e,
        }
    }
}

/// A frame or its samples refused by the glue before they reach the library (a shape, a
/// dtype, a size): `FrameError`, a `ValueError`, as the library's own frame errors are.
pub(crate) fn frame_error(text: impl Into<String>) -> PyErr {
    let text = text.into();
    Python::attach(|py| {
        of_class(py, "FrameError", (text.as_str(),))
            .unwrap_or_else(|_| PyValueError::new_err(text.clone()))
    })
}

/// The exception `encode_native._errors.<class>(*args)` makes (a class, or `output_error`).
pub(crate) fn of_class<'py>(
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
pub(crate) fn exception_class(kind: ErrorKind) -> &'static str {
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
pub(crate) fn raised(py: Python<'_>, e: &Error, text: &str) -> PyResult<PyErr> {
    match e.kind() {
        ErrorKind::Io | ErrorKind::NoSpace => of_class(py, "output_error", (e.os_error(), text)),
        kind => of_class(py, exception_class(kind), (text,)),
    }
}

/// Runs `f`, turning a panic into an [`Error::EncoderThread`]-like error so that no panic
/// crosses into Python as anything but an `EncoderError`.
pub(crate) fn no_panic<T>(what: &str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
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
