//! A soundtrack read from a file or stream: its audio stream's packets, and a decoder for
//! them when they are not copied as they are.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ffmpeg_next as ff;

use crate::error::{Error, Result};

/// Asked, while a soundtrack's FIFO or pipe has nothing to read, whether to stop waiting.
pub type StopCheck = Arc<dyn Fn() -> bool + Send + Sync>;

/// Told the name of a soundtrack's FIFO or pipe that has had nothing to read for a second.
pub type WaitNotice = Arc<dyn Fn(&str) + Send + Sync>;

/// What a wait on a soundtrack's input may ask: whether to stop waiting (a signal, a Ctrl-C),
/// and whom to tell that the input has had nothing to read for a while.
#[derive(Clone, Default)]
pub(crate) struct InputWaits {
    pub(crate) stop: Option<StopCheck>,
    pub(crate) on_wait: Option<WaitNotice>,
}

/// After how long without data a pipe's wait is told about (once per wait).
const NOTICE_AFTER: Duration = Duration::from_secs(1);

/// How often a stop is looked for while a pipe has nothing to read.
const POLL: Duration = Duration::from_millis(50);

/// A FIFO, a pipe or standard input, read with `poll()` so that no wait is deaf to a stop:
/// one with no writer yet, or whose writer stalls, is ended by [`InputWaits::stop`].
#[cfg(unix)]
struct PipeReader {
    fd: std::os::fd::OwnedFd,
    waits: InputWaits,
    name: String,
    /// Set when a stop ended a read, so that the error says so.
    stopped: Arc<AtomicBool>,
}

#[cfg(unix)]
impl std::io::Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use rustix::event::{PollFd, PollFlags, Timespec};
        use rustix::io::Errno;
        let since = Instant::now();
        let mut told = false;
        loop {
            if self.waits.stop.as_ref().is_some_and(|s| s()) {
                self.stopped.store(true, Ordering::SeqCst);
                return Err(std::io::Error::other("stopped while waiting for data"));
            }
            let mut fds = [PollFd::new(&self.fd, PollFlags::IN)];
            let timeout = Timespec {
                tv_sec: 0,
                tv_nsec: POLL.as_nanos() as _,
            };
            match rustix::event::poll(&mut fds, Some(&timeout)) {
                // Data, or every writer gone (HUP: what is left is read, then the end).
                Ok(n) if n > 0 => match rustix::io::read(&self.fd, &mut *buf) {
                    Ok(n) => return Ok(n),
                    Err(Errno::AGAIN | Errno::INTR) => {}
                    Err(e) => return Err(e.into()),
                },
                // Nothing yet: a FIFO with no writer so far, or a writer that stalls.
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
            if !told && since.elapsed() >= NOTICE_AFTER {
                told = true;
                if let Some(tell) = &self.waits.on_wait {
                    tell(&self.name);
                }
            }
        }
    }
}

/// `path` as a pipe to read with [`PipeReader`]: standard input (`-`) or a FIFO; `None` for
/// anything else (a file libavformat opens and seeks itself).
#[cfg(unix)]
fn open_pipe(
    path: &Path,
    waits: &InputWaits,
    stopped: &Arc<AtomicBool>,
) -> Result<Option<PipeReader>> {
    use std::os::unix::fs::FileTypeExt;
    let name = path.display().to_string();
    let fd = if path == Path::new("-") {
        use std::os::fd::AsFd;
        // A descriptor of its own, so that standard input itself is never closed.
        std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| Error::io(format!("cannot read the audio '{name}'"), e))?
    } else if std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo()) {
        use rustix::fs::{Mode, OFlags};
        // Without O_NONBLOCK the open itself would wait for a writer, deaf to any stop.
        rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::io(format!("cannot read the audio '{name}'"), e.into()))?
    } else {
        return Ok(None);
    };
    Ok(Some(PipeReader {
        fd,
        waits: waits.clone(),
        name,
        stopped: stopped.clone(),
    }))
}

/// An input's chosen audio stream.
pub(crate) struct AudioFile {
    ictx: ff::format::context::Input,
    index: usize,
    pub(crate) time_base: ff::Rational,
    pub(crate) params: ff::codec::Parameters,
    pub(crate) codec_id: ff::codec::Id,
    pub(crate) rate: u32,
    pub(crate) channels: u16,
    path: PathBuf,
    ended: bool,
    /// Set when a stop ended a wait for the input's data.
    stopped: Arc<AtomicBool>,
}

impl AudioFile {
    /// Opens `path` (`-` is standard input) and finds its audio stream number `stream`
    /// (counting audio streams), or the one libavformat finds best. A FIFO, a pipe or standard input is read with `poll()`: `waits` can end a wait for
    /// its data, and is told when one lasts.
    pub(crate) fn open(path: &Path, stream: Option<usize>, waits: &InputWaits) -> Result<Self> {
        let shown = path.display().to_string();
        let url = if path == Path::new("-") {
            "pipe:0".to_string()
        } else {
            match path.to_str() {
                Some(s) if !s.contains('\0') => s.to_string(),
                _ => {
                    return Err(Error::Unsupported(format!(
                        "cannot read the audio '{shown}': FFmpeg reads only file names that are valid UTF-8"
                    )))
                }
            }
        };
        if url != "pipe:0" && !path.exists() {
            return Err(Error::io(
                format!("cannot read the audio '{shown}'"),
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        }
        crate::ffi::clear_log_lines();
        let stopped = Arc::new(AtomicBool::new(false));
        #[cfg(unix)]
        let pipe = open_pipe(path, waits, &stopped)?;
        #[cfg(not(unix))]
        let pipe: Option<std::io::Empty> = {
            let _ = waits;
            None
        };
        let opened = match pipe {
            Some(reader) => ff::format::context::StreamIo::from_read(reader).and_then(|io| {
                let stop = waits.stop.clone();
                // The name helps libavformat guess the format (not for standard input).
                let hint = (url != "pipe:0").then_some(url.as_str());
                // A pipe is read as it comes: the probe looks at its first 64 kB only (the
                // formats read from pipes say what they hold in their headers), instead of
                // waiting for megabytes a slow or stalled writer may not send for a long time.
                let mut options = ff::Dictionary::new();
                options.set("probesize", "65536");
                ff::format::input_from_stream_with_interrupt(io, hint, Some(options), move || {
                    stop.as_ref().is_some_and(|s| s())
                })
            }),
            None => ff::format::input(&url),
        };
        let ictx = opened.map_err(|e| read_error(&shown, &stopped, e))?;
        let audio: Vec<usize> = ictx
            .streams()
            .filter(|s| s.parameters().medium() == ff::media::Type::Audio)
            .map(|s| s.index())
            .collect();
        let index = match stream {
            Some(n) => *audio.get(n).ok_or_else(|| {
                Error::config(
                    "audio_stream",
                    n,
                    format!(
                        "0 to {} ('{shown}' has {} audio stream{})",
                        audio.len().saturating_sub(1),
                        audio.len(),
                        if audio.len() == 1 { "" } else { "s" }
                    ),
                )
            })?,
            None => ictx
                .streams()
                .best(ff::media::Type::Audio)
                .map(|s| s.index())
                .ok_or_else(|| Error::Unsupported(format!("'{shown}' has no audio stream")))?,
        };
        let (time_base, params) = {
            let s = ictx
                .stream(index)
                .ok_or_else(|| Error::Unsupported(format!("'{shown}' has no audio stream")))?;
            (s.time_base(), s.parameters())
        };
        let (rate, channels) = crate::ffi::audio_rate_and_channels(&params);
        if rate == 0 || channels == 0 {
            return Err(Error::Unsupported(format!(
                "the audio of '{shown}' has no sample rate or channel count libavformat can read"
            )));
        }
        Ok(AudioFile {
            ictx,
            index,
            time_base,
            codec_id: params.id(),
            params,
            rate,
            channels,
            path: path.to_path_buf(),
            ended: false,
            stopped,
        })
    }

    /// Whether a stop ended a wait for the input's data.
    pub(crate) fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// The file's name, for messages.
    pub(crate) fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// The next packet of the audio stream, or `None` at its end.
    pub(crate) fn next_packet(&mut self) -> Result<Option<ff::Packet>> {
        if self.ended {
            return Ok(None);
        }
        loop {
            let mut packet = ff::Packet::empty();
            match packet.read(&mut self.ictx) {
                Ok(()) => {}
                Err(ff::Error::Eof) => {
                    self.ended = true;
                    return Ok(None);
                }
                Err(e) => return Err(read_error(&self.name(), &self.stopped, e)),
            }
            if packet.stream() == self.index {
                return Ok(Some(packet));
            }
        }
    }

    /// A decoder for the stream's packets.
    pub(crate) fn decoder(&self) -> Result<ff::decoder::Audio> {
        let ctx = ff::codec::Context::from_parameters(self.params.clone())
            .map_err(|e| Error::ffmpeg(format!("cannot decode the audio '{}'", self.name()), e))?;
        ctx.decoder()
            .audio()
            .map_err(|e| Error::ffmpeg(format!("cannot decode the audio '{}'", self.name()), e))
    }
}

/// The error of a failed read of the audio `name`: a stop that ended a wait says so.
fn read_error(name: &str, stopped: &AtomicBool, e: ff::Error) -> Error {
    if stopped.load(Ordering::SeqCst) || matches!(e, ff::Error::Exit) {
        return Error::io(
            format!("stopped while waiting for the audio '{name}' to give data"),
            std::io::Error::from(std::io::ErrorKind::Interrupted),
        );
    }
    Error::ffmpeg(format!("cannot read the audio '{name}'"), e)
}
