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

/// Where a writer's video goes; give it to [`VideoWriter::open`](crate::VideoWriter::open).
#[non_exhaustive]
pub enum Destination {
    /// A file, created or replaced; the container comes from the configuration or the
    /// extension. MP4 gets its index at the front (faststart) unless turned off.
    Path(PathBuf),
    /// Memory: take the bytes from the [`MemoryBuffer`] after `finish` (an MP4 has its index
    /// at the front, moved there by encode-native after the trailer).
    Memory(MemoryBuffer),
    /// A caller's seekable writer (a file it opened, a `Cursor`): a normal MP4 with its index
    /// at the end, since moving it needs to read the data back.
    Seekable(Box<dyn WriteSeek>),
    /// A caller's write-only stream (a pipe, a socket, stdout): MP4 becomes fragmented MP4
    /// (a fragment every second unless configured); Matroska and MPEG-TS stream as they are;
    /// AVI, which must seek back, is refused.
    Stream(Box<dyn Write + Send>),
}

impl Destination {
    /// A file.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        Destination::Path(path.into())
    }

    /// A seekable writer.
    pub fn seekable(writer: impl Write + Seek + Send + 'static) -> Self {
        Destination::Seekable(Box::new(writer))
    }

    /// A write-only stream.
    pub fn stream(writer: impl Write + Send + 'static) -> Self {
        Destination::Stream(Box::new(writer))
    }

    /// Whether the destination can seek back (all but write-only streams).
    pub(crate) fn seekable_output(&self) -> bool {
        !matches!(self, Destination::Stream(_))
    }

    /// A name for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Destination::Path(p) => format!("'{}'", p.display()),
            Destination::Seekable(_) => "the output writer".into(),
            Destination::Stream(_) => "the output stream".into(),
            Destination::Memory(_) => "the memory buffer".into(),
        }
    }
}

impl std::fmt::Debug for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// An in-memory output, shared between the caller and the encoder thread: clone it, give one
/// clone to [`Destination::Memory`], and [`take`](Self::take) the video after `finish`.
///
/// ```
/// use encode_native::{Destination, EncoderConfig, Frame, MemoryBuffer, PixelFormat, VideoWriter};
/// let buffer = MemoryBuffer::new();
/// let config = EncoderConfig::new(64, 48, 25).preset("ultrafast");
/// let mut writer = VideoWriter::open(config, Destination::Memory(buffer.clone()))?;
/// writer.push(Frame::from_vec(64, 48, PixelFormat::Rgb24, vec![90; 64 * 48 * 3]))?;
/// writer.finish()?;
/// let mp4 = buffer.take();
/// assert_eq!(&mp4[4..8], b"ftyp");
/// # Ok::<(), encode_native::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct MemoryBuffer(Arc<Mutex<Cursor<Vec<u8>>>>);

impl MemoryBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the bytes written so far, leaving the buffer empty.
    pub fn take(&self) -> Vec<u8> {
        let mut c = self.0.lock().unwrap_or_else(|p| p.into_inner());
        c.set_position(0);
        std::mem::take(c.get_mut())
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_ref()
            .len()
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces the contents with `f` of them.
    pub(crate) fn rewrite(&self, f: impl FnOnce(Vec<u8>) -> Vec<u8>) {
        let mut c = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let bytes = std::mem::take(c.get_mut());
        *c.get_mut() = f(bytes);
        c.set_position(0);
    }
}

impl std::fmt::Debug for MemoryBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryBuffer({} bytes)", self.len())
    }
}

impl Write for MemoryBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for MemoryBuffer {
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
pub(crate) fn open(target: Destination, container: Container) -> Result<Opened> {
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
        Destination::Path(p) => {
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
        Destination::Seekable(w) => {
            let io = StreamIo::from_write_seek(counted(w)).map_err(io_err)?;
            ff::format::output_to_stream(io, None, Some(muxer)).map_err(io_err)?
        }
        Destination::Memory(b) => {
            let io = StreamIo::from_write_seek(counted(Box::new(b) as Box<dyn WriteSeek>))
                .map_err(io_err)?;
            ff::format::output_to_stream(io, None, Some(muxer)).map_err(io_err)?
        }
        Destination::Stream(w) => {
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
