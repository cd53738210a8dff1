//! The native part of the Python package `encode_native`: a thin layer over the
//! `encode_native` library's [`VideoWriter`](encode_native::VideoWriter).
//!
//! The Python side (`python/encode_native/__init__.py`) turns whatever the user passes into
//! numpy arrays of one of the library's input layouts and keyword arguments into
//! `(key, value)` settings; this module opens the writer, reads each array in place when its
//! memory layout allows (C-contiguous, or rows at any positive stride), copies it once into a
//! packed buffer otherwise, and pushes it with the GIL released. Python file-like outputs are
//! wrapped in a [`Write`](std::io::Write) (+ [`Seek`](std::io::Seek)) that takes the GIL for
//! each call, on the encoder thread.
//!
//! `writer` holds the `NativeWriter` class, `frames` reads numpy arrays, `sink` wraps
//! file-like outputs, `error` maps the library's errors to `encode_native._errors`, and
//! `tables` exports the library's tables and checks as functions.

mod error;
mod frames;
mod sink;
mod tables;
mod writer;

use std::sync::{Mutex, MutexGuard};

use pyo3::prelude::*;

use tables::{
    check_destination, check_settings, concat, containers, encoders, error_kinds,
    ffmpeg_args_settings, frame_rate, pixel_format_name, settings,
};
use writer::NativeWriter;

/// Locks `m`, recovering the data of a poisoned lock (a panic is reported as an error
/// where it happened; the writer's state is still consistent enough to be finished).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs the `encode-native` command line with `argv` (the program's name first) and returns
/// its exit status; the same code as the binary's, in this module (no second copy of FFmpeg).
/// Messages go to the process's standard error, the video (`-o -`) and JSON reports to its
/// standard output. While it runs, Ctrl-C and SIGTERM ask for a clean stop (status 130);
/// Python's own handler is called too, so `KeyboardInterrupt` follows once it returns.
#[pyfunction]
fn cli_main(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(move || encode_native::cli::main_with_args(argv))
}

/// The native part of `encode_native`: the writer over the Rust library. Use the package
/// `encode_native` instead of this module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeWriter>()?;
    m.add_function(wrap_pyfunction!(check_settings, m)?)?;
    m.add_function(wrap_pyfunction!(check_destination, m)?)?;
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
