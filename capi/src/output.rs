//! The caller's own output (write and seek callbacks), and the in-memory videos handed to C.

use std::collections::BTreeMap;
use std::ffi::{c_int, c_void};
use std::io::{self, Seek, SeekFrom, Write};
use std::sync::Mutex;

use crate::status::Failure;

/// Where a seek callback counts `offset` from (the values of C's `SEEK_SET`, `SEEK_CUR` and
/// `SEEK_END` on every common platform).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum EnSeekWhence {
    /// From the start of the output.
    EN_SEEK_SET = 0,
    /// From the current position.
    EN_SEEK_CUR = 1,
    /// From the end of what was written.
    EN_SEEK_END = 2,
}

/// Writes all `len` bytes of `data` at the current position of the caller's output.
/// Returns 0 when all were written; any other value fails the encode with `EN_ERR_IO`.
/// Called on the writer's encoder thread (see `en_writer_open_callback`).
pub type EnWriteFn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, data: *const u8, len: usize) -> c_int>;

/// Moves the position of the caller's output to `offset` counted from `whence`
/// (an `EnSeekWhence`). Returns the new position from the start, or a negative value on
/// failure. Called on the writer's encoder thread (see `en_writer_open_callback`).
pub type EnSeekFn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, offset: i64, whence: c_int) -> i64>;

/// The caller's callbacks as a Rust writer, moved to the encoder thread.
pub(crate) struct Callbacks {
    pub(crate) write: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> c_int,
    pub(crate) seek: EnSeekFn,
    pub(crate) user_data: *mut c_void,
}

// SAFETY: the header makes it the caller's promise that the callbacks and `user_data` may be
// used from the writer's encoder thread; they are only ever called from one thread at a time
// (the encoder thread owns this value), never concurrently.
unsafe impl Send for Callbacks {}

impl Write for Callbacks {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // SAFETY: `write` is the caller's function of the documented signature; `buf` is valid
        // for `buf.len()` bytes for the whole call and is not kept by a conforming callback.
        let rc = unsafe { (self.write)(self.user_data, buf.as_ptr(), buf.len()) };
        if rc == 0 {
            Ok(buf.len())
        } else {
            Err(io::Error::other(format!(
                "the write callback returned {rc}"
            )))
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Callbacks {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let Some(seek) = self.seek else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "no seek callback was given",
            ));
        };
        let (offset, whence) = match pos {
            SeekFrom::Start(n) => (
                i64::try_from(n).map_err(|_| io::Error::other("seek position past i64"))?,
                EnSeekWhence::EN_SEEK_SET,
            ),
            SeekFrom::Current(n) => (n, EnSeekWhence::EN_SEEK_CUR),
            SeekFrom::End(n) => (n, EnSeekWhence::EN_SEEK_END),
        };
        // SAFETY: `seek` is the caller's function of the documented signature, called with
        // plain values and the caller's own `user_data`.
        let r = unsafe { seek(self.user_data, offset, whence as c_int) };
        u64::try_from(r).map_err(|_| io::Error::other(format!("the seek callback returned {r}")))
    }
}

/// The videos handed to C by `en_writer_finish_memory`, by address: `en_bytes_free` frees
/// only what is listed here, with its exact length, once.
static HANDED_OUT: Mutex<BTreeMap<usize, (usize, usize)>> = Mutex::new(BTreeMap::new());

/// Gives `bytes` to C: their address and length (NULL and 0 for no bytes).
pub(crate) fn hand_out(bytes: Vec<u8>) -> (*mut u8, usize) {
    if bytes.is_empty() {
        return (std::ptr::null_mut(), 0);
    }
    let mut bytes = std::mem::ManuallyDrop::new(bytes);
    let (ptr, len, cap) = (bytes.as_mut_ptr(), bytes.len(), bytes.capacity());
    HANDED_OUT
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(ptr as usize, (len, cap));
    (ptr, len)
}

/// Takes back bytes given out by [`hand_out`].
pub(crate) fn take_back(ptr: *mut u8, len: usize) -> Result<(), Failure> {
    let mut list = HANDED_OUT.lock().unwrap_or_else(|p| p.into_inner());
    let Some(&(given_len, cap)) = list.get(&(ptr as usize)) else {
        return Err(Failure::invalid(format!(
            "en_bytes_free: {ptr:p} is not a video from en_writer_finish_memory, or was already freed"
        )));
    };
    if given_len != len {
        return Err(Failure::invalid(format!(
            "en_bytes_free: the video at {ptr:p} is {given_len} bytes long, not {len}; it was not freed"
        )));
    }
    list.remove(&(ptr as usize));
    drop(list);
    // SAFETY: `ptr`, `len` and `cap` are exactly what `hand_out` took from a `Vec<u8>` it
    // leaked, and the entry was just removed, so this happens once per vector.
    drop(unsafe { Vec::from_raw_parts(ptr, len, cap) });
    Ok(())
}
