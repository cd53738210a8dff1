//! Where the muxed bytes go: a file, memory, any seekable writer, or a write-only stream.

use std::io::{self, Cursor, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ff::format::context::{Output, StreamIo};
use ffmpeg_next as ff;

use super::partial::Partial;
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

/// How many times in a row a writer may answer "interrupted" before it counts as failing.
const INTERRUPTED_RETRIES: u32 = 64;

/// Guards a writer that is not encode-native's: counts the size of what reaches it (the
/// highest offset written), keeps its last error, turns a panic into an error, retries
/// "interrupted" a bounded number of times, and checks that every seek lands where asked.
struct Guarded<W> {
    inner: W,
    pos: u64,
    size: Arc<AtomicU64>,
    error: IoErrorSlot,
}

impl<W> Guarded<W> {
    fn new(size: Arc<AtomicU64>, error: IoErrorSlot, inner: W) -> Self {
        Guarded {
            inner,
            pos: 0,
            size,
            error,
        }
    }

    fn keep<T>(&self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r {
            // A copy (io::Error is not Clone) that keeps the OS's error number when it has one.
            let copy = match e.raw_os_error() {
                Some(code) => io::Error::from_raw_os_error(code),
                None => io::Error::new(e.kind(), e.to_string()),
            };
            *self.error.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(copy);
        }
        r
    }

    /// Runs `f` on the writer, catching a panic and retrying "interrupted".
    fn call<T>(&mut self, what: &str, mut f: impl FnMut(&mut W) -> io::Result<T>) -> io::Result<T> {
        let mut tries = 0;
        loop {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut self.inner)))
                .unwrap_or_else(|panic| {
                    let msg = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "a panic".into());
                    Err(io::Error::other(format!(
                        "the output panicked in {what}: {msg}"
                    )))
                });
            match r {
                Err(e) if e.kind() == io::ErrorKind::Interrupted && tries < INTERRUPTED_RETRIES => {
                    tries += 1;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    return self.keep(Err(io::Error::other(format!(
                        "the output kept answering 'interrupted' to {what} ({tries} retries)"
                    ))))
                }
                r => return self.keep(r),
            }
        }
    }
}

impl<W: Write> Write for Guarded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.call("write", |w| w.write(buf))?;
        if n > buf.len() {
            return self.keep(Err(io::Error::other(format!(
                "the output claimed to write {n} bytes of {}",
                buf.len()
            ))));
        }
        self.pos += n as u64;
        self.size.fetch_max(self.pos, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.call("flush", |w| w.flush())
    }
}

impl<W: Seek> Seek for Guarded<W> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let expected = match pos {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(_) => None,
        };
        let got = self.call("seek", |w| w.seek(pos))?;
        if let Some(want) = expected {
            if got != want {
                return self.keep(Err(io::Error::other(format!(
                    "the output's seek to byte {want} landed at byte {got}"
                ))));
            }
        }
        self.pos = got;
        Ok(got)
    }
}

/// Where a writer's bytes go, as the encoder thread opens them.
pub(crate) enum Sink {
    /// A partial file beside the target, finished into the target at the end.
    Partial(Partial),
    /// A device, FIFO or socket, written directly as a stream.
    Special(PathBuf),
    /// Memory.
    Memory(MemoryBuffer),
    /// A caller's seekable writer.
    Seekable(Box<dyn WriteSeek>),
    /// A caller's write-only stream.
    Stream(Box<dyn Write + Send>),
    /// HLS or DASH files, or an RTMP or SRT server, written by libavformat's own I/O.
    Delivery(Box<crate::plan::DeliveryPlan>),
}

impl Sink {
    /// A name for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Sink::Partial(p) => format!("'{}'", p.partial.display()),
            Sink::Special(p) => format!("'{}'", p.display()),
            Sink::Memory(_) => "the memory buffer".into(),
            Sink::Seekable(_) => "the output writer".into(),
            Sink::Stream(_) => "the output stream".into(),
            Sink::Delivery(d) => format!("'{}'", d.target.display()),
        }
    }
}

/// The opened libavformat output and how to learn its final size.
pub(crate) struct Opened {
    pub(crate) octx: Output,
    pub(crate) size: Arc<AtomicU64>,
    pub(crate) io_error: IoErrorSlot,
    /// The output's name for messages.
    pub(crate) name: String,
    /// The bound on a delivery's blocking I/O (servers), with the write timeout it is armed
    /// with.
    pub(crate) deadline: Option<(Arc<crate::ffi::Deadline>, f64)>,
}

/// Opens a libavformat output of `container` on `sink`.
pub(crate) fn open(target: Sink, container: Container) -> Result<Opened> {
    let muxer = container.muxer();
    let what = target.describe();
    let size = Arc::new(AtomicU64::new(0));
    let io_error = IoErrorSlot::default();
    let (sz, er) = (size.clone(), io_error.clone());
    let io_err = |e| Error::ffmpeg(format!("cannot open {what} for writing as {muxer}"), e);
    let io = match target {
        Sink::Delivery(plan) => {
            let opened = super::delivery::open(&plan)?;
            return Ok(Opened {
                octx: opened.octx,
                size,
                io_error,
                name: opened.name,
                deadline: Some((opened.deadline, plan.settings.write_timeout)),
            });
        }
        Sink::Partial(p) => {
            let file: Box<dyn WriteSeek> = Box::new(p.create()?);
            StreamIo::from_write_seek(Guarded::new(sz.clone(), er.clone(), file))
        }
        Sink::Special(path) => {
            // Opened once, for writing, without truncating or creating anything.
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| Error::io(format!("cannot open '{}'", path.display()), e))?;
            let file: Box<dyn Write + Send> = Box::new(file);
            StreamIo::from_write(Guarded::new(sz.clone(), er.clone(), file))
        }
        Sink::Memory(b) => StreamIo::from_write_seek(Guarded::new(
            sz.clone(),
            er.clone(),
            Box::new(b) as Box<dyn WriteSeek>,
        )),
        Sink::Seekable(w) => StreamIo::from_write_seek(Guarded::new(sz.clone(), er.clone(), w)),
        Sink::Stream(w) => StreamIo::from_write(Guarded::new(sz.clone(), er.clone(), w)),
    };
    let octx =
        ff::format::output_to_stream(io.map_err(io_err)?, None, Some(muxer)).map_err(io_err)?;
    Ok(Opened {
        octx,
        size,
        io_error,
        name: what,
        deadline: None,
    })
}
