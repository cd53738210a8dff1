//! Status codes, the per-thread last error, and the boundary every exported function runs
//! inside: no panic reaches C, every failure leaves a message.

use std::cell::RefCell;
use std::ffi::{c_int, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use native::Error;

/// What a function returned: `EN_OK` (0) or a negative category of failure. Functions return
/// it as an `int`; `en_last_error()` has the full message.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum EnStatus {
    /// Success.
    EN_OK = 0,
    /// A setting is invalid, or a combination the linked FFmpeg or the output cannot do
    /// (unknown key, bad value, odd size with odd_size=error, AVI to a stream, ...).
    EN_ERR_CONFIG = -1,
    /// A pushed frame was refused (stride too short for a row, a timestamp not after the
    /// previous one, push on a writer that takes push_at, ...). The writer stays usable.
    EN_ERR_FRAME = -2,
    /// Reading or writing the output failed (a directory that does not exist, a full disk,
    /// a write callback that returned an error).
    EN_ERR_IO = -3,
    /// FFmpeg failed while encoding or muxing.
    EN_ERR_ENCODER = -4,
    /// An argument is unusable: a NULL pointer, an unknown or already freed handle, a
    /// string that is not UTF-8, an `EnSummary` whose `size` is not set.
    EN_ERR_INVALID_ARGUMENT = -5,
    /// A bug in encode-native (a caught panic); the message says where.
    EN_ERR_INTERNAL = -6,
    /// The disk (or device) the output is on is full (`ENOSPC`). As for `EN_ERR_IO`, the
    /// frames written before are kept in the partial file the message names.
    EN_ERR_NO_SPACE = -7,
}

/// A failed call: its category and its message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: EnStatus,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(status: EnStatus, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }

    /// An unusable argument.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(EnStatus::EN_ERR_INVALID_ARGUMENT, message)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::new(category(&e), e.to_string())
    }
}

/// The status of a library error, by its kind, so that C reports a failure as the same kind
/// as Rust and Python do.
pub(crate) fn category(e: &Error) -> EnStatus {
    status_of(e.kind())
}

/// The status of each kind of library error. What cannot be done is a configuration error
/// here as in Python (`ConfigError`); a call after `en_writer_finish` an invalid argument.
pub(crate) fn status_of(kind: native::ErrorKind) -> EnStatus {
    use native::ErrorKind as K;
    match kind {
        K::Config | K::Unsupported => EnStatus::EN_ERR_CONFIG,
        K::Frame => EnStatus::EN_ERR_FRAME,
        K::Io => EnStatus::EN_ERR_IO,
        K::NoSpace => EnStatus::EN_ERR_NO_SPACE,
        K::Encode => EnStatus::EN_ERR_ENCODER,
        K::Finished => EnStatus::EN_ERR_INVALID_ARGUMENT,
        // A bug, or a kind the library adds later until it has its own status.
        _ => EnStatus::EN_ERR_INTERNAL,
    }
}

thread_local! {
    /// The message of the last failed call on this thread ("" after a successful one).
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Replaces this thread's message (NUL bytes, which C cannot show, become spaces).
pub(crate) fn set_last_error(message: &str) {
    let c = CString::new(message.replace('\0', " ")).unwrap_or_default();
    // A thread that is exiting has no message to keep; ignoring that is all that can be done.
    let _ = LAST_ERROR.try_with(|l| *l.borrow_mut() = c);
}

/// The current message of this thread, as C sees it.
pub(crate) fn last_error_ptr() -> *const std::ffi::c_char {
    static EMPTY: &std::ffi::CStr = c"";
    LAST_ERROR
        .try_with(|l| l.borrow().as_ptr())
        .unwrap_or(EMPTY.as_ptr())
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Runs `f` with panics caught; a failure (or panic) sets the message and gives `on_failure`
/// of its status, a success clears the message.
fn boundary<T>(
    f: impl FnOnce() -> Result<T, Failure>,
    on_failure: impl FnOnce(EnStatus) -> T,
) -> T {
    let result = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(Failure::new(
            EnStatus::EN_ERR_INTERNAL,
            format!(
                "internal error in encode-native (please report it): {}",
                panic_message(payload.as_ref())
            ),
        ))
    });
    match result {
        Ok(v) => {
            set_last_error("");
            v
        }
        Err(failure) => {
            set_last_error(&failure.message);
            on_failure(failure.status)
        }
    }
}

/// For functions that return a status.
pub(crate) fn status(f: impl FnOnce() -> Result<(), Failure>) -> c_int {
    boundary(|| f().map(|()| EnStatus::EN_OK as c_int), |s| s as c_int)
}

/// For functions that return a pointer (NULL on failure).
pub(crate) fn pointer<T>(f: impl FnOnce() -> Result<*mut T, Failure>) -> *mut T {
    boundary(f, |_| std::ptr::null_mut())
}

/// For functions without a result (the frees): panics are caught, a failure sets the
/// message, a success leaves it as it was.
pub(crate) fn quiet(f: impl FnOnce() -> Result<(), Failure>) {
    let result = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(Failure::new(
            EnStatus::EN_ERR_INTERNAL,
            format!(
                "internal error in encode-native (please report it): {}",
                panic_message(payload.as_ref())
            ),
        ))
    });
    if let Err(failure) = result {
        set_last_error(&failure.message);
    }
}
