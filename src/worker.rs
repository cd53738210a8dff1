//! The encoder thread: receive → convert → encode → mux, until the channel closes.
//!
//! Every FFmpeg object is created, used and dropped on this thread. Set-up errors come back
//! synchronously through a ready handshake; later errors are stored in [`Shared`] (so the next
//! `push` sees them) and returned from the thread (so `finish` sees them).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use ffmpeg_next as ff;

use crate::audio::{AudioThread, AudioTrack, Chunk, VideoEnd};
use crate::av;
use crate::config::{FrameRate, Timing};
use crate::error::{Error, Result};
use crate::frame::Buffer;
use crate::output::mux::{FragmentCallback, Muxer};
use crate::output::partial::{self, Partial};
use crate::output::sink::{self, Sink};
use crate::output::stream::StreamId;
use crate::plan::Mp4Layout;
use crate::plan::Plan;
use crate::summary::AudioTrackSummary;
use crate::summary::Summary;
use crate::video::convert::Converter;
use crate::video::encode::VideoEncoder;

/// One accepted frame on its way to the encoder thread.
pub(crate) struct Job {
    pub(crate) pushed: Instant,
    pub(crate) pts: Option<i64>,
    pub(crate) buffer: Buffer,
    pub(crate) stride: usize,
}

/// What the caller sends the encoder thread.
pub(crate) enum Work {
    /// A frame.
    Frame(Job),
    /// Samples for the soundtrack.
    Audio(Chunk),
}

/// State shared between the caller's handle and the encoder thread.
#[derive(Default)]
pub(crate) struct Shared {
    failed: AtomicBool,
    error: Mutex<Option<Error>>,
    written: AtomicU64,
    /// How the video ends: one of [`FINISH`], [`DISCARD`], [`KEEP`].
    end: AtomicU8,
}

/// The video is finished into its target (the default).
const FINISH: u8 = 0;
/// Nothing is kept: the partial file is removed.
const DISCARD: u8 = 1;
/// The video is finalized in its partial file, which stays; the target is not touched.
const KEEP: u8 = 2;

impl Shared {
    /// Frames written to the container so far.
    pub(crate) fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Asks the thread to throw the video away at the end instead of finishing it.
    pub(crate) fn discard(&self) {
        self.end.store(DISCARD, Ordering::Release);
    }

    /// Asks the thread to finalize the video in its partial file and leave it there, without
    /// replacing the target.
    pub(crate) fn keep_partial(&self) {
        self.end.store(KEEP, Ordering::Release);
    }

    fn end(&self) -> u8 {
        self.end.load(Ordering::Acquire)
    }

    fn fail(&self, e: &Error) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(e.clone());
        }
        self.failed.store(true, Ordering::Release);
    }

    /// The encoder thread's error, if it has failed.
    pub(crate) fn error(&self) -> Option<Error> {
        if !self.failed.load(Ordering::Acquire) {
            return None;
        }
        self.error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// What the encoder thread needs to start.
pub(crate) struct Setup {
    pub(crate) plan: Plan,
    pub(crate) sink: Sink,
    pub(crate) layout: Mp4Layout,
    pub(crate) on_fragment: Option<FragmentCallback>,
    /// What waits on a soundtrack's FIFO or pipe may ask.
    pub(crate) input_waits: crate::audio::InputWaits,
    /// The caller converts frames to planar YUV of the output size before queueing them.
    pub(crate) converted_by_caller: bool,
}

/// The caller's ends of a running encoder thread: frames in, recycled buffers back, result.
pub(crate) type Running = (Sender<Work>, Receiver<Vec<u8>>, JoinHandle<Result<Summary>>);

/// Starts the encoder thread; returns once its output is open and its header written.
pub(crate) fn spawn(setup: Setup, shared: std::sync::Arc<Shared>) -> Result<Running> {
    let depth = queue_depth(&setup.plan);
    let (tx, rx) = crossbeam_channel::bounded::<Work>(depth);
    let (pool_tx, pool_rx) = crossbeam_channel::bounded::<Vec<u8>>(depth.min(4));
    let (ready_tx, ready_rx) = crossbeam_channel::bounded::<Result<()>>(1);
    let handle = std::thread::Builder::new()
        .name("encode-native".into())
        .spawn(move || {
            crate::ffi::init();
            let mut state = match State::open(setup, pool_tx, shared.clone()) {
                Ok(s) => {
                    let _ = ready_tx.send(Ok(()));
                    s
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e.clone()));
                    return Err(e);
                }
            };
            // A failed file keeps what was written in its partial file: the error says so.
            let run = state.run(&rx).map_err(|e| match &state.partial {
                Some(p) => e.kept_in(&p.partial),
                None => e,
            });
            if let Err(e) = &run {
                shared.fail(e);
            }
            // Stop accepting frames, then finalize what was accepted, even after an error;
            // after an error it stays in the partial file and never replaces the target.
            drop(rx);
            let finished = state.finish(run.is_err());
            match (run, finished) {
                (Err(e), _) => Err(e),
                (Ok(()), Err(e)) => {
                    shared.fail(&e);
                    Err(e)
                }
                (Ok(()), Ok(summary)) => Ok(summary),
            }
        })
        .map_err(|e| Error::io("cannot start the encoder thread", e))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok((tx, pool_rx, handle)),
        Ok(Err(e)) => {
            let _ = handle.join();
            Err(e)
        }
        Err(_) => Err(join_error(handle)),
    }
}

/// The most pixel bytes that may wait in the queue, whatever the frame size.
pub(crate) const QUEUE_BYTES: usize = 256 << 20;

/// The queue's depth: the configured number of frames, fewer for frames so large that they
/// would pass [`QUEUE_BYTES`], and at least one.
fn queue_depth(plan: &Plan) -> usize {
    let (width, height) = plan.input_size();
    let frame = plan.input_format().frame_len(width, height).max(1);
    plan.settings().queue_depth.min(QUEUE_BYTES / frame).max(1)
}

/// The error of a thread that ended without reporting one.
pub(crate) fn join_error(handle: JoinHandle<Result<Summary>>) -> Error {
    match handle.join() {
        Ok(Err(e)) => e,
        Ok(Ok(_)) => Error::EncoderThread("it ended early".into()),
        Err(panic) => Error::EncoderThread(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "it panicked".into()),
        ),
    }
}

/// A track beside the video: its engine (on its own thread), its stream, and what it
/// reports once finished. The video is the timing track: every other track follows where
/// the video has come and ends with it.
struct Track {
    engine: AudioThread,
    stream: StreamId,
    /// `shortest` with a file: frames after this track's end are left out.
    cuts_video: bool,
    /// The samples the caller pushes go to this track.
    takes_pushed: bool,
    summary: Option<AudioTrackSummary>,
}

struct State {
    plan: Plan,
    fragmented: bool,
    conv: Converter,
    enc: VideoEncoder,
    mux: Muxer,
    /// The video's stream.
    video_stream: StreamId,
    /// The tracks beside the video, each on its own stream (the soundtrack).
    tracks: Vec<Track>,
    /// Frames left out after a shorter soundtrack ended (`audio_length=shortest`).
    cut: u64,
    picture: ff::frame::Video,
    packet: ff::Packet,
    pool: Sender<Vec<u8>>,
    size: Arc<AtomicU64>,
    partial: Option<Partial>,
    shared: Arc<Shared>,
    frames: u64,
    /// Explicit timestamps: the frame held until the next one gives its duration.
    pending: Option<Job>,
    durations: HashMap<i64, i64>,
    last_duration: i64,
    first_pts: Option<i64>,
    end_pts: i64,
    first_pushed: Option<Instant>,
    first_packet_latency: Option<Duration>,
}

impl State {
    fn open(setup: Setup, pool: Sender<Vec<u8>>, shared: Arc<Shared>) -> Result<Self> {
        let Setup {
            plan,
            sink,
            layout,
            on_fragment,
            input_waits,
            converted_by_caller,
        } = setup;
        let conv = Converter::new(&plan, converted_by_caller)?;
        // The encoder is opened (and its settings checked) before any output is created.
        let container = plan.container();
        let global_header = crate::ffi::muxer_wants_global_header(container.muxer());
        let enc = VideoEncoder::open(&plan, global_header)?;
        let audio = match plan.audio() {
            Some(a) => Some(AudioTrack::open(a, container, global_header, &input_waits)?),
            None => None,
        };
        let fragmented = matches!(layout, Mp4Layout::Fragmented(_)) && container.is_mp4_family();
        let partial = match &sink {
            Sink::Partial(p) => Some(p.clone()),
            _ => None,
        };
        let opened = sink::open(sink, container)?;
        let size = opened.size.clone();
        let mut specs = vec![enc.stream_spec(&plan)];
        if let Some(track) = &audio {
            specs.push(track.stream_spec(&plan.tags().audio));
        }
        let (mut mux, ids) =
            Muxer::start(opened, &specs, &plan, layout, on_fragment).inspect_err(|_| {
                // Nothing of it is worth keeping: it was created just now, by us.
                if let Some(p) = &partial {
                    p.discard();
                }
            })?;
        let video_stream = ids[0];
        let mut tracks = Vec::new();
        for (track, &stream) in audio.into_iter().zip(&ids[1..]) {
            let cuts_video = track.cuts_video();
            let takes_pushed = track.takes_pushed();
            let engine = AudioThread::spawn(track).inspect_err(|_| {
                let _ = mux.finish();
                if let Some(p) = &partial {
                    p.discard();
                }
            })?;
            tracks.push(Track {
                engine,
                stream,
                cuts_video,
                takes_pushed,
                summary: None,
            });
        }
        let (format, (width, height)) = (plan.output_format(), plan.output_size());
        let mut picture = av::zeroed_frame(av::output_pixel(format), width, height);
        picture.set_color_range(av::range(plan.full_range(), format));
        Ok(State {
            plan,
            fragmented,
            conv,
            enc,
            mux,
            video_stream,
            tracks,
            cut: 0,
            picture,
            packet: ff::Packet::empty(),
            pool,
            size,
            partial,
            shared,
            frames: 0,
            pending: None,
            durations: HashMap::new(),
            last_duration: 0,
            first_pts: None,
            end_pts: 0,
            first_pushed: None,
            first_packet_latency: None,
        })
    }

    fn run(&mut self, rx: &Receiver<Work>) -> Result<()> {
        for work in rx.iter() {
            let job = match work {
                Work::Frame(job) => job,
                Work::Audio(chunk) => {
                    let end = self.video_end();
                    if let Some(t) = self.tracks.iter_mut().find(|t| t.takes_pushed) {
                        t.engine.push(chunk, end)?;
                        t.engine.drain(&mut self.mux.track(t.stream))?;
                    }
                    continue;
                }
            };
            self.first_pushed.get_or_insert(job.pushed);
            match self.plan.timing() {
                Timing::Constant => {
                    let pts = self.frames as i64;
                    self.encode(job, pts, 1)?;
                }
                Timing::Explicit { .. } => {
                    let pts = job.pts.unwrap_or_default();
                    if let Some(prev) = self.pending.take() {
                        let prev_pts = prev.pts.unwrap_or_default();
                        let d = pts.saturating_sub(prev_pts);
                        self.last_duration = d;
                        self.encode(prev, prev_pts, d)?;
                    }
                    self.pending = Some(job);
                }
            }
        }
        Ok(())
    }

    /// The soundtrack's report, once finished: the first track beside the video.
    fn soundtrack(&self) -> Option<&AudioTrackSummary> {
        self.tracks.first().and_then(|t| t.summary.as_ref())
    }

    /// Where the video has come so far, from its first frame.
    fn video_end(&self) -> VideoEnd {
        VideoEnd {
            ticks: self.end_pts - self.first_pts.unwrap_or(0),
            time_base: self.enc.time_base,
            extra: 0.0,
        }
    }

    /// Converts and encodes one frame shown at `pts` for `duration` (encoder time base).
    fn encode(&mut self, job: Job, pts: i64, duration: i64) -> Result<()> {
        let at = VideoEnd {
            ticks: pts - self.first_pts.unwrap_or(pts),
            time_base: self.enc.time_base,
            extra: 0.0,
        };
        for t in self.tracks.iter_mut().filter(|t| t.cuts_video) {
            if t.engine.ended_before(at)? {
                // `shortest`: the soundtrack has ended; this frame would play in silence.
                self.cut += 1;
                if let Buffer::Bytes(v) = job.buffer {
                    let _ = self.pool.try_send(v);
                }
                return Ok(());
            }
        }
        self.conv
            .convert(job.buffer.as_bytes(), job.stride, &mut self.picture)?;
        if let Buffer::Bytes(v) = job.buffer {
            let _ = self.pool.try_send(v);
        }
        self.picture.set_pts(Some(pts));
        if matches!(self.plan.timing(), Timing::Explicit { .. }) {
            self.durations.insert(pts, duration);
        }
        if self.first_pts.is_none() {
            self.first_pts = Some(pts);
            self.mux.set_origin(pts, self.enc.time_base);
        }
        self.end_pts = pts.saturating_add(duration);
        self.enc.send(Some(&mut self.picture))?;
        self.frames += 1;
        self.drain()?;
        let end = self.video_end();
        for t in &mut self.tracks {
            t.engine.follow(end)?;
            t.engine.drain(&mut self.mux.track(t.stream))?;
        }
        Ok(())
    }

    /// Writes every packet the encoder has ready.
    fn drain(&mut self) -> Result<()> {
        while self.enc.receive(&mut self.packet)? {
            let duration = match self.plan.timing() {
                Timing::Constant => 1,
                Timing::Explicit { .. } => self
                    .packet
                    .pts()
                    .and_then(|p| self.durations.remove(&p))
                    .unwrap_or(self.last_duration),
            };
            self.packet.set_duration(duration);
            self.mux
                .write(self.video_stream, &mut self.packet, self.enc.time_base)?;
            self.shared.written.fetch_add(1, Ordering::Relaxed);
            if self.first_packet_latency.is_none() {
                self.first_packet_latency = self.first_pushed.map(|t| t.elapsed());
            }
        }
        Ok(())
    }

    /// Encodes the held frame, drains the encoder completely and writes the trailer; then
    /// the partial file of a file destination becomes the target, unless the encode
    /// `failed`, or the caller asked to keep or discard it.
    fn finish(&mut self, failed: bool) -> Result<Summary> {
        // The trailer is written even when draining fails, so that what was encoded plays.
        let drained = self.flush().and_then(|()| {
            let end = self.first_pts.map(|_| self.video_end());
            for t in &mut self.tracks {
                t.summary = Some(t.engine.finish(&mut self.mux.track(t.stream), end)?);
            }
            Ok(())
        });
        let trailer = self.mux.finish();
        let end = self.shared.end();
        if let Some(p) = &self.partial {
            if end == DISCARD {
                p.discard();
            } else if let Err(e) = drained.as_ref().and(trailer.as_ref()) {
                // What was written stays playable in the partial file; say where it is.
                return Err(e.clone().kept_in(&p.partial));
            }
        }
        drained?;
        trailer?;
        if let (0, FINISH, false, 1..) = (self.frames, end, failed, self.cut) {
            // Frames were pushed but none kept: no file is made, and one that existed stays
            // as it was; any other destination got a header and no frame.
            let why = format!(
                "the {} frames pushed all start after the soundtrack's end (audio_length=shortest)",
                self.cut
            );
            let left = match &self.partial {
                Some(p) => {
                    p.discard();
                    if p.replaces {
                        format!("'{}' is left as it was", p.target.display())
                    } else {
                        format!("'{}' was not made", p.target.display())
                    }
                }
                None => "the output holds no frame".to_string(),
            };
            return Err(Error::Unsupported(format!(
                "no frame was kept: {why}; {left}"
            )));
        }
        let mut bytes = self.size.load(Ordering::Relaxed);
        let mut fragmented = self.fragmented;
        if let Some(p) = &self.partial {
            if end == FINISH && !failed {
                let tb = self.enc.time_base;
                let audio_end = self.soundtrack().map(|a| {
                    // The samples' time starts at the first frame's (see Muxer::set_audio_origin).
                    let rate = ff::Rational::new(1, a.sample_rate as i32);
                    let origin = ff::Rescale::rescale(&self.first_pts.unwrap_or(0), tb, rate);
                    (origin.saturating_add(a.samples as i64), rate)
                });
                let timing = partial::Timing {
                    time_base: FrameRate::new(tb.numerator(), tb.denominator()),
                    origin: self.first_pts.unwrap_or(0),
                    last_duration: Some(match self.plan.timing() {
                        Timing::Constant => 1,
                        _ => self.last_duration,
                    }),
                    audio_end,
                };
                bytes = p.finish(timing).map_err(|e| e.kept_in(&p.partial))?;
                fragmented &= p.remux.is_none();
            } else if end == KEEP {
                // The partial file's own layout: fragmented for MP4/MOV.
                fragmented = p.container.is_mp4_family();
            }
        }
        let tb = self.enc.time_base;
        let ticks = self.end_pts - self.first_pts.unwrap_or(0);
        let duration =
            Duration::from_secs_f64(ticks as f64 * tb.numerator() as f64 / tb.denominator() as f64);
        let mut summary = Summary::new(
            &self.plan,
            self.frames,
            bytes,
            duration,
            fragmented,
            self.first_packet_latency,
        );
        summary.audio = self.soundtrack().cloned();
        summary.frames_cut = self.cut;
        Ok(summary)
    }

    /// Encodes the held frame (explicit timestamps) and drains the encoder to its end.
    fn flush(&mut self) -> Result<()> {
        if let Some(job) = self.pending.take() {
            let pts = job.pts.unwrap_or_default();
            let d = if self.last_duration > 0 {
                self.last_duration
            } else {
                // A single frame lasts one nominal frame period.
                let (fr, tb) = (self.plan.frame_rate(), self.enc.time_base);
                let num = fr.den as i64 * tb.denominator() as i64;
                let den = fr.num as i64 * tb.numerator() as i64;
                ((num + den / 2) / den).max(1)
            };
            self.last_duration = d;
            self.encode(job, pts, d)?;
        }
        self.enc.send(None)?;
        self.drain()
    }
}
