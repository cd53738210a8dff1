//! A Python binary file-like object as the library's output.

use std::io::{self, Seek, SeekFrom, Write};

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::error::SinkError;
use crate::lock;

/// A Python binary file-like object as the library's output: every call takes the GIL (it
/// runs on the encoder thread) and calls the object's `write`, `seek` and `flush`.
pub(crate) struct PySink {
    pub(crate) obj: Py<PyAny>,
    pub(crate) error: SinkError,
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
