//! Where the muxed bytes go: a file, memory, any seekable writer, or a write-only stream.

use std::io::{self, Cursor, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ff::format::context::{Output, StreamIo};
use ffmpeg_next as ff;

use crate::config::Container;
use crate::error::{Error, Result};

/// A seekable writer that can move to the encoder thread.
pub trait WriteSeek: Write + Seek + Send {}
impl<T: Write + Seek + Send> WriteSeek for T {}

/// The destination of a writer.
pub(crate) enum Target {
    /// A file, opened by libavformat.
    Path(PathBuf),
    /// A caller's seekable writer.
    Seekable(Box<dyn WriteSeek>),
    /// A caller's write-only stream (pipe, socket): only streamable containers.
    Stream(Box<dyn Write + Send>),
    /// A growing buffer handed back at the end.
    Memory(SharedBuffer),
}

impl Target {
    /// A name for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Target::Path(p) => format!("'{}'", p.display()),
            Target::Seekable(_) => "the output writer".into(),
            Target::Stream(_) => "the output stream".into(),
            Target::Memory(_) => "the memory buffer".into(),
        }
    }
}

/// An in-memory, seekable output shared with the caller's handle.
#[derive(Clone, Default)]
pub(crate) struct SharedBuffer(Arc<Mutex<Cursor<Vec<u8>>>>);

impl SharedBuffer {
    /// Takes the bytes written so far.
    pub(crate) fn take(&self) -> Vec<u8> {
        let mut c = self.0.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(c.get_mut())
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for SharedBuffer {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).seek(pos)
    }
}

/// The last I/O error of a custom writer, kept because FFmpeg reduces it to a bare code.
#[derive(Clone, Default)]
pub(crate) struct IoErrorSlot(Arc<Mutex<Option<io::Error>>>);

impl IoErrorSlot {
    /// Takes the stored error, if any.
    pub(crate) fn take(&self) -> Option<io::Error> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Counts the size of what reaches a custom writer (the highest offset written) and keeps
/// its last error.
struct Counting<W> {
    inner: W,
    pos: u64,
    size: Arc<AtomicU64>,
    error: IoErrorSlot,
}

impl<W> Counting<W> {
    fn keep<T>(&self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r {
            *self.error.0.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(io::Error::new(e.kind(), e.to_string()));
        }
        r
    }
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        let n = self.keep(r)?;
        self.pos += n as u64;
        self.size.fetch_max(self.pos, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.keep(r)
    }
}

impl<W: Seek> Seek for Counting<W> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let r = self.inner.seek(pos);
        self.pos = self.keep(r)?;
        Ok(self.pos)
    }
}

/// The opened libavformat output and how to learn its final size.
pub(crate) struct Opened {
    pub(crate) octx: Output,
    pub(crate) size: SizeProbe,
    pub(crate) io_error: IoErrorSlot,
}

/// How the number of bytes written is found at the end.
pub(crate) enum SizeProbe {
    File(PathBuf),
    Counted(Arc<AtomicU64>),
}

impl SizeProbe {
    pub(crate) fn bytes(&self) -> u64 {
        match self {
            SizeProbe::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            SizeProbe::Counted(c) => c.load(Ordering::Relaxed),
        }
    }
}

/// Opens a libavformat output of `container` on `target`.
pub(crate) fn open(target: Target, container: Container) -> Result<Opened> {
    let muxer = container.muxer();
    let what = target.describe();
    let counter = Arc::new(AtomicU64::new(0));
    let io_error = IoErrorSlot::default();
    let io_err = |e| Error::ffmpeg(format!("cannot open {what} for writing as {muxer}"), e);
    let counted = |inner| Counting {
        inner,
        pos: 0,
        size: counter.clone(),
        error: io_error.clone(),
    };
    let octx = match target {
        Target::Path(p) => {
            // Open the file ourselves first: the OS error names the real cause.
            std::fs::File::create(&p)
                .map_err(|e| Error::io(format!("cannot create '{}'", p.display()), e))?;
            let octx = ff::format::output_as(&p, muxer).map_err(io_err)?;
            return Ok(Opened {
                octx,
                size: SizeProbe::File(p),
                io_error,
            });
        }
        Target::Seekable(w) => {
            let io = StreamIo::from_write_seek(counted(w)).map_err(io_err)?;
            ff::format::output_to_stream(io, None, Some(muxer)).map_err(io_err)?
        }
        Target::Memory(b) => {
            let io = StreamIo::from_write_seek(counted(Box::new(b) as Box<dyn WriteSeek>))
                .map_err(io_err)?;
            ff::format::output_to_stream(io, None, Some(muxer)).map_err(io_err)?
        }
        Target::Stream(w) => {
            let io = StreamIo::from_write(Counting {
                inner: w,
                pos: 0,
                size: counter.clone(),
                error: io_error.clone(),
            })
            .map_err(io_err)?;
            ff::format::output_to_stream(io, None, Some(muxer)).map_err(io_err)?
        }
    };
    Ok(Opened {
        octx,
        size: SizeProbe::Counted(counter),
        io_error,
    })
}
