//! Standard input, output and error when the process was started with some of them closed.
//!
//! A closed descriptor 1 would be handed to the next file the process opens, and the video or
//! the JSON report would then be written into that file. Rust's runtime opens each closed one
//! on `/dev/null` (read-write) before `main`; that is recognised here, so that `-o -` and
//! `--json` can say that standard output is closed instead of writing nowhere. (A shell's
//! `>/dev/null` opens it write-only, and is taken as the user's choice.)

use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Looks at standard output once, first thing, before anything opens a file.
pub fn guard() {
    #[cfg(unix)]
    if opened_by_runtime() {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Whether standard output is `/dev/null` opened read-write, as Rust's runtime opens a
/// descriptor that was closed when the process started.
#[cfg(unix)]
fn opened_by_runtime() -> bool {
    use rustix::fs::{fcntl_getfl, fstat, stat, FileType, OFlags};
    let out = rustix::stdio::stdout();
    let (Ok(st), Ok(null), Ok(flags)) = (fstat(out), stat("/dev/null"), fcntl_getfl(out)) else {
        return false;
    };
    FileType::from_raw_mode(st.st_mode) == FileType::CharacterDevice
        && st.st_rdev == null.st_rdev
        && (flags & OFlags::RWMODE) == OFlags::RDWR
}

/// Whether the process started with standard output closed.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}
