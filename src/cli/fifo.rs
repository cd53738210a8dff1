//! A FIFO as the output: opening one for writing waits until a program opens it for reading,
//! and a plain `open` would wait there deaf to Ctrl-C and SIGTERM. The FIFO is opened here
//! without blocking, again and again, with the signals in view; once a reader is there, the
//! descriptor is held open while the writer opens the FIFO itself (which then does not wait).

use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::cli::signals;

/// How a wait for a FIFO's reader ended.
pub enum Reader {
    /// Not a FIFO: nothing to wait for.
    NotFifo,
    /// A reader is there; keep the descriptor until the writer has opened the FIFO.
    Ready(#[allow(dead_code)] OwnedFd),
    /// Ctrl-C or SIGTERM came first.
    Interrupted,
}

/// How often the FIFO is tried while no program reads it.
const POLL: Duration = Duration::from_millis(20);

/// After how long the wait is mentioned on stderr (unless `quiet`).
const NOTICE_AFTER: Duration = Duration::from_secs(1);

/// Waits until `path`, when it is a FIFO, has a reader, or a stop is asked for.
#[cfg(unix)]
pub fn wait_for_reader(path: &Path, quiet: bool) -> Result<Reader> {
    use rustix::fs::{Mode, OFlags};
    use rustix::io::Errno;
    use std::os::unix::fs::FileTypeExt;

    let is_fifo = std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo());
    if !is_fifo {
        return Ok(Reader::NotFifo);
    }
    let started = Instant::now();
    let mut told = quiet;
    loop {
        if signals::interrupted() {
            return Ok(Reader::Interrupted);
        }
        match rustix::fs::open(
            path,
            OFlags::WRONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => return Ok(Reader::Ready(fd)),
            // No reader yet (POSIX: a non-blocking open for writing of a FIFO without one).
            Err(Errno::NXIO) => {}
            Err(Errno::INTR) => continue,
            Err(e) => {
                return Err(std::io::Error::from(e))
                    .with_context(|| format!("cannot open the FIFO '{}'", path.display()))
            }
        }
        if !told && started.elapsed() >= NOTICE_AFTER {
            told = true;
            eprintln!(
                "waiting for a program to read the FIFO '{}' (Ctrl-C to stop)",
                path.display()
            );
        }
        std::thread::sleep(POLL);
    }
}

/// Elsewhere, nothing to wait for.
#[cfg(not(unix))]
pub fn wait_for_reader(_path: &Path, _quiet: bool) -> Result<Reader> {
    Ok(Reader::NotFifo)
}
