//! The public handle: open → push → finish.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender};

use crate::audio::Chunk;
use crate::config::{EncoderConfig, TimeLimits, Timing};
use crate::error::{Error, Result};
use crate::frame::{Buffer, Frame, PixelFormat};
use crate::output::mux::{FragmentCallback, FragmentInfo};
use crate::output::partial::FilePlan;
use crate::output::sink::{Destination, MemoryBuffer, Sink};
use crate::plan::Plan;
use crate::plan::{Mp4Layout, SinkKind};
use crate::samples::AudioSamples;
use crate::summary::Summary;
use crate::video::convert::YuvConverter;
use crate::worker::{self, Job, Setup, Shared, Work};

/// Writes frames held in memory to a video, on a dedicated encoder thread.
///
/// Frames go through a bounded queue (depth [`EncoderConfig::queue_depth`]), so a producer
/// faster than the encoder waits instead of growing memory. An error on the encoder thread
/// is returned by the next [`push`](Self::push) and by [`finish`](Self::finish).
///
/// Dropping a writer without calling `finish` still finalizes the video best-effort (every
/// frame pushed is encoded and the trailer written); errors are then only logged, so call
/// `finish` to learn them. A writer dropped while its thread panics does not replace a file
/// that existed: it keeps the video in its partial file, as [`keep_partial`](Self::keep_partial).
///
/// # Files
///
/// A file is written to `<path>.partial` beside it and becomes `path` only when
/// [`finish`](Self::finish) succeeds. So a failure never replaces a file:
///
/// - when the encoder thread fails (encoding, a full disk), the frames written so far stay
///   in the partial file and the error ([`Error::Kept`]) names it; the target is untouched,
///   whether it existed or not;
/// - when the caller's side fails (its input, an exception), [`keep_partial`](Self::keep_partial)
///   finalizes the frames pushed in the partial file and leaves the target as it was;
///   [`replaces_file`](Self::replaces_file) says whether finishing would replace a file that
///   existed (a caller may still [`finish`](Self::finish) a new file, so that what was
///   pushed plays at its name, as the command line does);
/// - a symbolic link is followed, and the file it points to is replaced in its own folder
///   with its permission bits; a file that cannot be opened for writing is refused with the
///   system's error when the writer opens; a `<path>.finishing` left by a stopped run is
///   refused too, and never removed.
///
/// ```
/// use encode_native::{EncoderConfig, Frame, PixelFormat, VideoWriter};
/// # fn main() -> Result<(), encode_native::Error> {
/// let config = EncoderConfig::new(64, 48, 25).preset("ultrafast");
/// let mut writer = VideoWriter::to_memory(config)?;
/// let mut pixels = vec![0u8; 64 * 48 * 3];
/// for i in 0..25u8 {
///     pixels.fill(i * 10);
///     writer.push(Frame::new(64, 48, PixelFormat::Rgb24, &pixels))?;
/// }
/// let (mp4, summary) = writer.finish_to_vec()?;
/// assert_eq!(summary.frames, 25);
/// assert_eq!(summary.duration.as_secs_f64(), 1.0);
/// assert_eq!(&mp4[4..8], b"ftyp");
/// # Ok(())
/// # }
/// ```
pub struct VideoWriter {
    tx: Option<Sender<Work>>,
    handle: Option<JoinHandle<Result<Summary>>>,
    shared: Arc<Shared>,
    pool: Receiver<Vec<u8>>,
    /// The in-memory MP4 whose index is moved to the front at the end.
    faststart_memory: Option<MemoryBuffer>,
    /// Converts 8-bit RGB frames on the calling thread (overlapping with encoding).
    converter: Option<YuvConverter>,
    width: u32,
    height: u32,
    format: PixelFormat,
    timing: Timing,
    next_index: u64,
    last_pts: Option<i64>,
    /// The timestamps the container can store.
    limits: TimeLimits,
    started: Instant,
    /// A file destination: its partial file, and whether finishing replaces a file.
    file: Option<(PathBuf, bool)>,
    /// The channels of pushed samples, when the soundtrack takes them.
    audio_channels: Option<u16>,
    audio_pushes: u64,
    /// Pushed samples: their rate, the offset they start at, how far (seconds) they may run
    /// ahead of the frames pushed (`None`: no bound, policy `longest`), and how many have
    /// been pushed.
    audio_rate: u32,
    audio_offset: f64,
    audio_ahead: Option<f64>,
    audio_samples: u64,
    /// The first frame's timestamp (explicit timestamps), and the unit of timestamps.
    first_pts: Option<i64>,
    time_base: crate::config::FrameRate,
    /// `late_frames=drop`: a frame that finds the queue full is dropped and counted.
    drop_late: bool,
}

/// Samples per channel sent to the encoder thread at a time.
const AUDIO_PIECE: usize = 4096;

/// What [`VideoWriter::keep_partial`] left.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct KeptPartial {
    /// The partial file holding the video, finalized (it plays, and
    /// [`recover`](crate::recover) makes it the target); `None` when no frame was pushed
    /// (the partial file was removed) or the destination is not a file.
    pub path: Option<PathBuf>,
    /// What the video holds (`bytes` and `fragmented` are the partial file's).
    pub summary: Summary,
}

pub use crate::audio::{StopCheck, WaitNotice};

/// Options of a writer that are not encoding settings.
#[derive(Default)]
pub struct WriterOptions {
    /// Called on the encoder thread after every fragment of a fragmented MP4.
    pub on_fragment: Option<FragmentCallback>,
    /// Asked every 50 ms while a soundtrack read from a FIFO, a pipe or standard input has
    /// no data (no writer yet, or a writer that stalls): `true` ends the wait. At creation
    /// the writer then fails with an [`Error::Io`] of kind `Interrupted`, before any output
    /// exists; later, a soundtrack that is decoded ends there (the length policy pads it
    /// with silence, as for a file that ends early), and one copied as it is fails the
    /// writer with that error.
    pub stop: Option<StopCheck>,
    /// Told (on the thread reading) the name of such an input once it has had nothing to
    /// read for a second, once per wait.
    pub on_input_wait: Option<WaitNotice>,
    /// Converts with libswscale on the encoder thread even the 8-bit RGB inputs that are
    /// otherwise converted with SIMD on the calling thread (for the benchmark's comparisons).
    #[doc(hidden)]
    pub force_swscale: bool,
}

impl WriterOptions {
    /// Calls `f` after every fragment of a fragmented MP4 (on the encoder thread).
    pub fn on_fragment(mut self, f: impl FnMut(FragmentInfo) + Send + 'static) -> Self {
        self.on_fragment = Some(Box::new(f));
        self
    }

    /// Ends waits on a soundtrack's FIFO or pipe when `f` returns `true` (see
    /// [`stop`](Self::stop)): a signal handler's flag, a cancel button.
    pub fn stop_when(mut self, f: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        self.stop = Some(Arc::new(f));
        self
    }

    /// Calls `f` with the name of a soundtrack's FIFO or pipe that has had nothing to read
    /// for a second (see [`on_input_wait`](Self::on_input_wait)).
    pub fn on_input_wait(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.on_input_wait = Some(Arc::new(f));
        self
    }

    /// Converts every input with libswscale on the encoder thread (for the benchmark).
    #[doc(hidden)]
    pub fn force_swscale(mut self, on: bool) -> Self {
        self.force_swscale = on;
        self
    }
}

impl VideoWriter {
    /// Opens a writer on `destination` (a file, memory, a seekable writer or a write-only
    /// stream). The configuration is validated first; the output is open and its header
    /// written when this returns.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for invalid settings, [`Error::Unsupported`](crate::Error::Unsupported)
    /// for an encoder the linked FFmpeg lacks or a container the destination cannot take (AVI to a
    /// stream), [`Error::Io`](crate::Error::Io) (or `NoSpace`) when the output cannot be created, and
    /// FFmpeg's error when the encoder or muxer will not open. Nothing is created then.
    pub fn open(config: EncoderConfig, destination: Destination) -> Result<Self> {
        Self::open_with(config, destination, WriterOptions::default())
    }

    /// [`open`](Self::open) with [`WriterOptions`].
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn open_with(
        config: EncoderConfig,
        destination: Destination,
        options: WriterOptions,
    ) -> Result<Self> {
        let path = match &destination {
            Destination::Path(p) => Some(p.as_path()),
            _ => None,
        };
        let (config, delivery) = crate::plan::resolve_delivery(&config, path)?;
        let plan = match &delivery {
            Some(d) => {
                let plan = Plan::resolve(&config, Some(d.container))?;
                crate::plan::check_stream_codecs(d, &plan)?;
                plan
            }
            None => match crate::plan::container_for(&config, path) {
                Ok(c) => Plan::resolve(&config, Some(c))?,
                Err(e) => {
                    // The settings first: their errors say more than the file name's.
                    config.validate()?;
                    return Err(e);
                }
            },
        };
        let delivered = delivery.clone();
        let sink = match destination {
            Destination::Path(_) if delivery.is_some() => match delivery {
                Some(d) => Sink::Delivery(Box::new(d)),
                None => return Err(Error::EncoderThread("a delivery without its plan".into())),
            },
            Destination::Path(p) => match FilePlan::new(&p, &plan)? {
                FilePlan::Special(p) => Sink::Special(p),
                FilePlan::Partial(p) => Sink::Partial(p),
            },
            Destination::Memory(b) => Sink::Memory(b),
            Destination::Seekable(w) => Sink::Seekable(w),
            Destination::Stream(w) => Sink::Stream(w),
        };
        let kind = match &sink {
            Sink::Partial(_) => SinkKind::CrashSafeFile,
            Sink::Memory(_) => SinkKind::Memory,
            Sink::Seekable(_) => SinkKind::Seekable,
            Sink::Special(_) | Sink::Stream(_) | Sink::Delivery(_) => SinkKind::Unseekable,
        };
        let decided = plan.destination(kind)?;
        let memory = match &sink {
            Sink::Memory(b) if decided.faststart_in_memory => Some(b.clone()),
            _ => None,
        };
        Self::start(plan, sink, decided.layout, options, memory, delivered)
    }

    /// Writes to a file; the container comes from [`EncoderConfig::container`] or the
    /// extension. An existing file is replaced when the writer finishes (see
    /// [Files](Self#files): links are followed, modes kept, a failure replaces nothing).
    ///
    /// # Errors
    /// As [`open`](Self::open); also [`Error::Config`](crate::Error::Config) for a file name whose
    /// extension no container has (when none is configured).
    pub fn create(path: impl AsRef<Path>, config: EncoderConfig) -> Result<Self> {
        Self::open(config, Destination::Path(path.as_ref().to_path_buf()))
    }

    /// [`create`](Self::create) with [`WriterOptions`].
    ///
    /// # Errors
    /// As [`create`](Self::create).
    pub fn create_with(
        path: impl AsRef<Path>,
        config: EncoderConfig,
        options: WriterOptions,
    ) -> Result<Self> {
        Self::open_with(
            config,
            Destination::Path(path.as_ref().to_path_buf()),
            options,
        )
    }

    /// Writes into memory; [`MemoryWriter::finish_to_vec`] returns the bytes. MP4 unless
    /// another container is configured, with its index moved to the front (faststart, unless
    /// turned off) so that it plays while it downloads.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn to_memory(config: EncoderConfig) -> Result<MemoryWriter> {
        let buffer = MemoryBuffer::new();
        let writer = Self::open(config, Destination::Memory(buffer.clone()))?;
        Ok(MemoryWriter { writer, buffer })
    }

    /// Writes into any seekable writer (a file you opened, a `Cursor`, …). An MP4 has its
    /// index at the end: moving it to the front needs to read the data back, which a writer
    /// cannot (use [`to_memory`](Self::to_memory) or [`create`](Self::create) for that).
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn to_writer<W: std::io::Seek + Write + Send + 'static>(
        writer: W,
        config: EncoderConfig,
    ) -> Result<Self> {
        Self::open(config, Destination::seekable(writer))
    }

    /// Writes into a write-only stream (a pipe, a socket, stdout). MP4 becomes fragmented
    /// MP4 (a fragment every second unless configured); Matroska and MPEG-TS stream as they
    /// are; AVI, which must seek back, is refused.
    ///
    /// # Errors
    /// As [`open`](Self::open); [`Error::Unsupported`](crate::Error::Unsupported) for AVI.
    pub fn to_stream<W: Write + Send + 'static>(writer: W, config: EncoderConfig) -> Result<Self> {
        Self::open(config, Destination::stream(writer))
    }

    /// [`to_stream`](Self::to_stream) with [`WriterOptions`].
    ///
    /// # Errors
    /// As [`to_stream`](Self::to_stream).
    pub fn to_stream_with<W: Write + Send + 'static>(
        writer: W,
        config: EncoderConfig,
        options: WriterOptions,
    ) -> Result<Self> {
        Self::open_with(config, Destination::stream(writer), options)
    }

    fn start(
        plan: Plan,
        sink: Sink,
        layout: Mp4Layout,
        options: WriterOptions,
        memory: Option<MemoryBuffer>,
        delivery: Option<crate::plan::DeliveryPlan>,
    ) -> Result<Self> {
        crate::ffi::init();
        let started = Instant::now();
        let limits = plan.limits();
        let ((width, height), format, timing) =
            (plan.input_size(), plan.input_format(), plan.timing());
        // A filter graph takes the pushed pictures as they are, on the encoder thread.
        let converter = if !options.force_swscale
            && plan.filter().is_none()
            && YuvConverter::supports(format)
            && plan.output_format().simd()
        {
            Some(YuvConverter::from_plan(&plan))
        } else {
            None
        };
        let file = match &sink {
            Sink::Partial(p) => Some((p.partial.clone(), p.replaces)),
            _ => None,
        };
        let pushed = plan
            .audio()
            .filter(|a| matches!(a.source(), crate::config::AudioSource::Samples));
        let audio_channels = pushed.map(|a| a.channels.unwrap_or(2));
        let audio_rate = pushed.map_or(48_000, |a| a.rate.unwrap_or(48_000));
        let audio_offset = pushed.map_or(0.0, |a| a.offset);
        let audio_ahead = pushed
            .filter(|a| a.length() != crate::config::AudioLength::Longest)
            .map(|a| a.ahead);
        let time_base = plan.time_base();
        let drop_late = plan.settings().delivery.late_frames == crate::config::LateFrames::Drop
            && matches!(timing, Timing::Constant);
        let shared = Arc::new(Shared::default());
        let setup = Setup {
            plan,
            sink,
            layout,
            on_fragment: options.on_fragment,
            input_waits: crate::audio::InputWaits {
                stop: options.stop,
                on_wait: options.on_input_wait,
            },
            converted_by_caller: converter.is_some(),
            delivery,
        };
        let (tx, pool, handle) = worker::spawn(setup, shared.clone())?;
        Ok(VideoWriter {
            tx: Some(tx),
            handle: Some(handle),
            shared,
            pool,
            faststart_memory: memory,
            converter,
            width,
            height,
            format,
            timing,
            next_index: 0,
            last_pts: None,
            limits,
            started,
            file,
            audio_channels,
            audio_pushes: 0,
            audio_rate,
            audio_offset,
            audio_ahead,
            audio_samples: 0,
            first_pts: None,
            time_base,
            drop_late,
        })
    }

    /// Pushes samples for the soundtrack (configured with
    /// [`EncoderConfig::audio_samples`](crate::EncoderConfig::audio_samples) or the
    /// `sample_rate` setting). Pushes of audio and of frames may come in any order and any
    /// sizes: the samples' time comes from their count, so 48000 samples at 48 kHz end at 1 s
    /// whatever was pushed between them. Samples that do not fit (channels, a partial sample,
    /// NaN) are refused with [`Error::Audio`] and the writer goes on.
    ///
    /// With the length policies that cut the soundtrack at the video's end (`video`, the
    /// default, and `shortest`), samples past the frames pushed so far are held until the
    /// video reaches them; a push that would take the soundtrack more than `audio_ahead`
    /// seconds (default [`AUDIO_AHEAD_SECONDS`](crate::AUDIO_AHEAD_SECONDS)) past them is
    /// refused whole, so what is held stays bounded: push audio alongside the frames. A long
    /// push goes to the encoder thread in pieces, waiting while its queue is full, as frames
    /// do.
    ///
    /// # Errors
    /// [`Error::Frame`](crate::Error::Frame) for samples of another format, channel count or layout
    /// than the writer's, or pushed too far ahead of the frames (`audio_ahead`): refused, the writer
    /// goes on; [`Error::Finished`](crate::Error::Finished) after the writer failed or finished;
    /// the encoder thread's error (with its cause) when encoding or writing failed.
    pub fn push_audio(&mut self, samples: AudioSamples<'_>) -> Result<()> {
        let chunk = self.audio_pushes;
        let Some(channels) = self.audio_channels else {
            return Err(Error::Audio {
                chunk,
                problem: "this writer has no soundtrack of pushed samples: configure one with EncoderConfig::audio_samples (or the sample_rate setting)".into(),
            });
        };
        if self.tx.is_none() {
            return Err(Error::Finished);
        }
        if let Some(e) = self.shared.error() {
            return Err(e);
        }
        samples.check(chunk, channels)?;
        let n = samples.frames();
        if n == 0 {
            return Ok(());
        }
        if let Some(ahead) = self.audio_ahead {
            let video = self.video_pushed_seconds();
            let end = self.audio_offset
                + (self.audio_samples + n as u64) as f64 / f64::from(self.audio_rate);
            if end > video + ahead + 1e-9 {
                return Err(Error::Audio {
                    chunk,
                    problem: format!(
                        "these {n} samples would take the soundtrack to {end:.3} s, {:.3} s past \
                         the {} frame{} pushed so far ({video:.3} s); samples past the video \
                         are held until it ends (to be cut there), at most audio_ahead = {ahead} \
                         s of them: push audio alongside the frames, raise audio_ahead, or use \
                         audio_length=longest (samples encoded as they come)",
                        end - video,
                        self.next_index,
                        if self.next_index == 1 { "" } else { "s" },
                    ),
                });
            }
        }
        let mut start = 0;
        while start < n {
            let piece = AUDIO_PIECE.min(n - start);
            let tx = self.tx.as_ref().ok_or(Error::Finished)?;
            if tx
                .send(Work::Audio(Chunk::copy_range(&samples, start, piece)))
                .is_err()
            {
                return Err(self.thread_error());
            }
            start += piece;
        }
        self.audio_samples += n as u64;
        self.audio_pushes += 1;
        Ok(())
    }

    /// How many samples (per channel) [`push_audio`](Self::push_audio) takes now before the
    /// soundtrack would run more than `audio_ahead` seconds past the frames pushed; `None`
    /// when there is no such bound (policy `longest`) or no soundtrack of pushed samples.
    /// Once every frame is pushed, samples beyond it are past the video's end, which the
    /// policy cuts anyway.
    pub fn audio_room(&self) -> Option<u64> {
        let ahead = self.audio_ahead?;
        self.audio_channels?;
        let end =
            (self.video_pushed_seconds() + ahead - self.audio_offset) * f64::from(self.audio_rate);
        Some((end.floor().max(0.0) as u64).saturating_sub(self.audio_samples))
    }

    /// How long the video pushed so far plays: frames × period at a constant rate, from the
    /// first timestamp to the last with explicit ones.
    fn video_pushed_seconds(&self) -> f64 {
        let ticks = match self.timing {
            Timing::Constant => self.next_index as i64,
            Timing::Explicit { .. } => match (self.first_pts, self.last_pts) {
                (Some(f), Some(l)) => l - f,
                _ => 0,
            },
        };
        ticks as f64 * f64::from(self.time_base.num) / f64::from(self.time_base.den.max(1))
    }

    /// Queues a frame shown one frame period after the previous one (constant frame rate).
    ///
    /// Waits while the queue is full. A frame of the wrong size, length or format is refused
    /// with an error naming its index; the writer stays usable.
    ///
    /// # Errors
    /// [`Error::Frame`](crate::Error::Frame) for a frame of another size or pixel format, a stride
    /// shorter than a row or a buffer too short: refused, the writer goes on;
    /// [`Error::Finished`](crate::Error::Finished) after the writer failed or finished; the encoder
    /// thread's error (with its cause) when encoding or writing failed.
    pub fn push<'a>(&mut self, frame: impl Into<Frame<'a>>) -> Result<()> {
        if let Timing::Explicit { .. } = self.timing {
            return Err(Error::Timestamp {
                index: self.next_index,
                problem: "this writer takes explicit timestamps: use push_at".into(),
            });
        }
        let index = self.next_index;
        if index > self.limits.max_pts as u64 {
            return Err(Error::Timestamp {
                index,
                problem: format!(
                    "the video cannot be longer: {} (frame {} is the last it can hold)",
                    self.limits.why, self.limits.max_pts
                ),
            });
        }
        self.send(frame.into(), None)
    }

    /// Queues a frame shown at `pts` (in units of the configured time base); timestamps
    /// must strictly increase. Only for writers configured with explicit timestamps.
    ///
    /// # Errors
    /// As [`push`](Self::push); also [`Error::Timestamp`](crate::Error::Timestamp) for a timestamp
    /// that does not increase or is out of the container's range (refused, the writer goes on).
    pub fn push_at<'a>(&mut self, frame: impl Into<Frame<'a>>, pts: i64) -> Result<()> {
        let index = self.next_index;
        match self.timing {
            Timing::Constant => {
                return Err(Error::Timestamp {
                    index,
                    problem: "this writer has a constant frame rate: use push, or configure explicit timestamps".into(),
                })
            }
            Timing::Explicit { .. } => {}
        }
        if pts < 0 {
            return Err(Error::Timestamp {
                index,
                problem: format!("timestamp {pts} is negative"),
            });
        }
        if pts > self.limits.max_pts {
            return Err(Error::Timestamp {
                index,
                problem: format!(
                    "timestamp {pts} is past the largest this container stores ({}): {}",
                    self.limits.max_pts, self.limits.why
                ),
            });
        }
        if let Some(last) = self.last_pts {
            if pts <= last {
                return Err(Error::Timestamp {
                    index,
                    problem: format!(
                        "timestamp {pts} is not after the previous frame's {last}; timestamps must strictly increase"
                    ),
                });
            }
            if let Some(min) = self.limits.min_gap {
                if pts - last < min {
                    return Err(Error::Timestamp {
                        index,
                        problem: format!(
                            "timestamp {pts} is {} units after the previous frame's {last}, less than the {min} this container plays as written: {}",
                            pts - last,
                            self.limits.why
                        ),
                    });
                }
            }
            if let Some(max) = self.limits.max_gap {
                if pts - last > max {
                    return Err(Error::Timestamp {
                        index,
                        problem: format!(
                            "timestamp {pts} is {} units after the previous frame's {last}, more than the {max} this container stores: {}",
                            pts - last,
                            self.limits.why
                        ),
                    });
                }
            }
        }
        self.send(frame.into(), Some(pts))?;
        self.last_pts = Some(pts);
        self.first_pts.get_or_insert(pts);
        Ok(())
    }

    fn send(&mut self, frame: Frame<'_>, pts: Option<i64>) -> Result<()> {
        let index = self.next_index;
        let Some(tx) = &self.tx else {
            return Err(Error::Finished);
        };
        if let Some(e) = self.shared.error() {
            return Err(e);
        }
        frame.check(index, self.width, self.height, self.format)?;
        let reuse = self.pool.try_recv().ok();
        let (buffer, stride) = match &mut self.converter {
            Some(conv) => {
                let mut yuv = reuse.unwrap_or_default();
                conv.convert_checked(frame.data(), frame.stride(), &mut yuv)?;
                (Buffer::Bytes(yuv), conv.output_size().0 as usize)
            }
            None => frame.into_buffer(reuse),
        };
        if self.drop_late {
            // The frame's slot in time is kept: the next frames show when they should.
            let job = Job {
                pushed: Instant::now(),
                pts: Some(index as i64),
                buffer,
                stride,
            };
            match tx.try_send(Work::Frame(job)) {
                Ok(()) => {}
                Err(crossbeam_channel::TrySendError::Full(_)) => {
                    self.shared
                        .dropped
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Err(crossbeam_channel::TrySendError::Disconnected(_)) => {
                    return Err(self.thread_error())
                }
            }
            self.next_index += 1;
            return Ok(());
        }
        let job = Job {
            pushed: Instant::now(),
            pts,
            buffer,
            stride,
        };
        if tx.send(Work::Frame(job)).is_err() {
            return Err(self.thread_error());
        }
        self.next_index += 1;
        Ok(())
    }

    fn thread_error(&mut self) -> Error {
        if let Some(e) = self.shared.error() {
            return e;
        }
        self.tx = None;
        match self.handle.take() {
            Some(h) => worker::join_error(h),
            None => Error::Finished,
        }
    }

    /// Frames accepted so far.
    pub fn frames_pushed(&self) -> u64 {
        self.next_index
    }

    /// Frames encoded and handed to the container so far (the frames pushed minus those
    /// still queued or inside the encoder).
    pub fn frames_written(&self) -> u64 {
        self.shared.written()
    }

    /// Stops without making a video: the encoder thread ends and a file destination is left
    /// as it was (the partial file is removed). For when nothing worth keeping was pushed.
    /// Other destinations get what was written to them so far, finalized.
    ///
    /// # Errors
    /// The encoder thread's error when it failed before stopping; the partial file is removed
    /// all the same.
    pub fn discard(mut self) -> Result<()> {
        self.shared.discard();
        self.finish_inner().map(|_| ())
    }

    /// Encodes every queued frame, drains the encoder completely, writes the trailer and
    /// returns what was written. A file destination's partial file then becomes the file
    /// (replacing one that existed); after an error on the encoder thread it stays where it
    /// is and the error ([`Error::Kept`]) names it.
    ///
    /// # Errors
    /// The first error of encoding, muxing or writing, with its cause; then a file destination
    /// is not replaced and what was written stays in its partial file, which the error names.
    pub fn finish(mut self) -> Result<Summary> {
        self.finish_inner()
    }

    /// Stops after a failure on the caller's side without replacing anything: every queued
    /// frame is encoded and the trailer written, as by [`finish`](Self::finish), but a file
    /// destination's video stays in its partial file (`<path>.partial`, which plays, and which
    /// [`recover`](crate::recover) makes the file later) and the file at `path`, if any, is
    /// left as it was. With no frame pushed the partial file is removed instead. Other
    /// destinations are finalized as by `finish`.
    ///
    /// ```no_run
    /// # use encode_native::{EncoderConfig, Frame, PixelFormat, VideoWriter};
    /// let mut writer = VideoWriter::create("out.mp4", EncoderConfig::new(64, 48, 25))?;
    /// writer.push(Frame::new(64, 48, PixelFormat::Rgb24, &[0; 64 * 48 * 3]))?;
    /// // The input failed here: keep what was pushed, leave out.mp4 alone.
    /// let kept = writer.keep_partial()?;
    /// assert_eq!(kept.path.as_deref(), Some(std::path::Path::new("out.mp4.partial")));
    /// # Ok::<(), encode_native::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`finish`](Self::finish).
    pub fn keep_partial(mut self) -> Result<KeptPartial> {
        let path = match &self.file {
            Some(_) if self.next_index == 0 => {
                self.shared.discard();
                None
            }
            Some((partial, _)) => {
                self.shared.keep_partial();
                Some(partial.clone())
            }
            None => None,
        };
        let summary = self.finish_inner()?;
        Ok(KeptPartial { path, summary })
    }

    /// Whether finishing replaces a file that existed when the writer was opened (for a
    /// file destination; links followed).
    pub fn replaces_file(&self) -> bool {
        self.file.as_ref().is_some_and(|(_, replaces)| *replaces)
    }

    /// The partial file a file destination is written to until it is finished.
    pub fn partial_file(&self) -> Option<&Path> {
        self.file.as_ref().map(|(p, _)| p.as_path())
    }

    fn finish_inner(&mut self) -> Result<Summary> {
        self.tx = None;
        let handle = self.handle.take().ok_or(Error::Finished)?;
        let mut summary = match handle.join() {
            Ok(r) => r?,
            Err(_) => return Err(Error::EncoderThread("it panicked".into())),
        };
        if let Some(buffer) = self.faststart_memory.take() {
            // Faststart (on by default) for a normal MP4/MOV in memory: the index goes first.
            buffer.rewrite(|bytes| {
                crate::output::faststart::move_index_to_front(&bytes).unwrap_or(bytes)
            });
        }
        summary.wall = self.started.elapsed();
        Ok(summary)
    }
}

impl Drop for VideoWriter {
    fn drop(&mut self) {
        if self.handle.is_some() {
            if std::thread::panicking() && self.replaces_file() {
                self.shared.keep_partial();
            }
            if let Err(e) = self.finish_inner() {
                log::warn!("encode-native: the video was finalized with an error: {e}");
            }
        }
    }
}

impl std::fmt::Debug for VideoWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VideoWriter")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("format", &self.format)
            .field("frames_pushed", &self.next_index)
            .finish()
    }
}

/// A writer into memory, from [`VideoWriter::to_memory`]: a [`VideoWriter`] (push frames
/// through it as usual) whose [`finish_to_vec`](Self::finish_to_vec) returns the video.
///
/// Only a writer into memory has bytes to give back, so a writer on a file has no
/// `finish_to_vec` at all:
///
/// ```compile_fail
/// # use encode_native::{EncoderConfig, VideoWriter};
/// let writer = VideoWriter::create("out.mp4", EncoderConfig::new(64, 48, 30)).unwrap();
/// let (bytes, summary) = writer.finish_to_vec().unwrap();
/// ```
#[derive(Debug)]
pub struct MemoryWriter {
    writer: VideoWriter,
    buffer: MemoryBuffer,
}

impl MemoryWriter {
    /// [`finish`](VideoWriter::finish), then the video's bytes with the summary.
    ///
    /// # Errors
    /// As [`VideoWriter::finish`].
    pub fn finish_to_vec(self) -> Result<(Vec<u8>, Summary)> {
        let MemoryWriter { writer, buffer } = self;
        let summary = writer.finish()?;
        Ok((buffer.take(), summary))
    }
}

impl std::ops::Deref for MemoryWriter {
    type Target = VideoWriter;
    fn deref(&self) -> &VideoWriter {
        &self.writer
    }
}

impl std::ops::DerefMut for MemoryWriter {
    fn deref_mut(&mut self) -> &mut VideoWriter {
        &mut self.writer
    }
}
