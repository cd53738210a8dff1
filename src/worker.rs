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
use crate::video::filter::FilterGraph;

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
    /// Frames dropped by the caller's side because the queue was full (`late_frames=drop`).
    pub(crate) dropped: AtomicU64,
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
    /// HLS, DASH, RTMP or SRT: keyframes, renditions, the master playlist.
    pub(crate) delivery: Option<crate::plan::DeliveryPlan>,
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

/// A push's local recording: the same streams in a crash-safe file of its own.
struct Recording {
    mux: Muxer,
    partial: Partial,
    /// The push's failure: the caller is told at its next call, while everything it had
    /// already given still goes into the recording.
    push_failed: Option<Error>,
    shared: Arc<Shared>,
}

impl Recording {
    /// Writes `packet` to the recording, then to the push; a failed push is kept (and told
    /// to the caller) rather than stopping the recording.
    fn write_both(
        &mut self,
        main: &mut Muxer,
        id: StreamId,
        packet: &mut ff::Packet,
        time_base: ff::Rational,
    ) -> Result<()> {
        let mut copy = packet.clone();
        self.mux.write(id, &mut copy, time_base)?;
        if self.push_failed.is_none() {
            if let Err(e) = main.write(id, packet, time_base) {
                self.shared.fail(&e);
                self.push_failed = Some(e);
            }
        }
        Ok(())
    }
}

/// Where a track's packets go: the output, and the recording beside a push when there is one
/// (written first).
struct Tee<'a> {
    main: &'a mut Muxer,
    record: Option<&'a mut Recording>,
    id: StreamId,
}

fn tee<'a>(main: &'a mut Muxer, record: Option<&'a mut Recording>, id: StreamId) -> Tee<'a> {
    Tee { main, record, id }
}

impl crate::output::stream::PacketOut for Tee<'_> {
    fn write(&mut self, packet: &mut ff::Packet, time_base: ff::Rational) -> Result<()> {
        match self.record.as_mut() {
            Some(r) => r.write_both(self.main, self.id, packet, time_base),
            None => self.main.write(self.id, packet, time_base),
        }
    }
}

/// A rendition after the first: scaled from the first one's pictures, encoded by its own
/// encoder (with its own threads), written to its own stream.
struct Extra {
    scaler: ff::software::scaling::Context,
    picture: ff::frame::Video,
    enc: VideoEncoder,
    stream: StreamId,
    packet: ff::Packet,
    /// Explicit timestamps: each picture's duration by its timestamp.
    durations: HashMap<i64, i64>,
}

/// Forced keyframes at every multiple of an interval of the video's time (segment boundaries,
/// a live stream's join points), at the same frame in every rendition.
struct KeyClock {
    /// The interval in encoder time base units.
    every: f64,
    /// The next boundary, in the same units from the first frame.
    next: f64,
}

struct State {
    plan: Plan,
    /// The renditions after the first (an HLS or DASH ladder).
    extras: Vec<Extra>,
    keys: Option<KeyClock>,
    /// An HLS ladder's master playlist, rewritten as segments are made.
    master: Option<crate::output::delivery::MasterPlaylist>,
    delivery: Option<crate::plan::DeliveryPlan>,
    /// The reconnection a keyframe was last forced for.
    keyed_reconnect: u32,
    /// A push's local recording (`record`).
    record: Option<Recording>,
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
    /// Frames pushed so far.
    pushed: u64,
    /// Explicit timestamps: the frame held until the next one gives its duration.
    pending: Option<Job>,
    durations: HashMap<i64, i64>,
    last_duration: i64,
    first_pts: Option<i64>,
    end_pts: i64,
    first_pushed: Option<Instant>,
    first_packet_latency: Option<Duration>,
    /// The filter graph between the pushed pictures and the converter, if configured.
    filter: Option<FilterGraph>,
    /// Explicit timestamps through a filter: each picture's duration by its timestamp.
    filter_durations: HashMap<i64, i64>,
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
            delivery,
        } = setup;
        let conv = Converter::new(&plan, converted_by_caller)?;
        let filter = match plan.filter() {
            Some(f) => Some(FilterGraph::new(
                &f.graph,
                plan.input_format(),
                plan.input_size(),
                f.input_time_base,
                plan.settings().frame_rate,
            )?),
            None => None,
        };
        // The encoder is opened (and its settings checked) before any output is created.
        let container = plan.container();
        let global_header = crate::ffi::muxer_wants_global_header(
            delivery
                .as_ref()
                .filter(|d| d.kind.is_network())
                .map_or(container.muxer(), |d| d.muxer()),
        );
        let enc = VideoEncoder::open(&plan, global_header)?;
        let mut extra_encoders = Vec::new();
        for r in delivery.iter().flat_map(|d| &d.extras) {
            extra_encoders.push((VideoEncoder::open(&r.plan, global_header)?, &r.plan));
        }
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
        for (e, p) in &extra_encoders {
            specs.push(e.stream_spec(p));
        }
        if let Some(track) = &audio {
            specs.push(track.stream_spec(&plan.tags().audio));
        }
        let master = match &delivery {
            Some(d)
                if d.kind == crate::config::DeliveryKind::Hls
                    && d.is_ladder()
                    && !d.settings.both_manifests =>
            {
                Some(master_playlist(d, &plan, &specs, audio.is_some()))
            }
            _ => None,
        };
        let (mut mux, ids) = Muxer::start(
            opened,
            &specs,
            &plan,
            layout,
            on_fragment,
            delivery.as_ref(),
        )
        .inspect_err(|_| {
            // Nothing of it is worth keeping: it was created just now, by us.
            if let Some(p) = &partial {
                p.discard();
            }
        })?;
        let video_stream = ids[0];
        let (out_format, (out_w, out_h)) = (plan.output_format(), plan.output_size());
        let mut extras = Vec::new();
        for ((enc, p), &stream) in extra_encoders.into_iter().zip(&ids[1..]) {
            let (w, h) = p.output_size();
            let scaler = ff::software::scaling::Context::get(
                av::output_pixel(out_format),
                out_w,
                out_h,
                av::output_pixel(p.output_format()),
                w,
                h,
                ff::software::scaling::Flags::BICUBIC,
            )
            .map_err(|e| Error::ffmpeg(format!("cannot scale {out_w}x{out_h} to {w}x{h}"), e))?;
            let mut picture = av::zeroed_frame(av::output_pixel(p.output_format()), w, h);
            picture.set_color_range(av::range(p.full_range(), p.output_format()));
            extras.push(Extra {
                scaler,
                picture,
                enc,
                stream,
                packet: ff::Packet::empty(),
                durations: HashMap::new(),
            });
        }
        let n_videos = 1 + extras.len();
        let record = match delivery.as_ref().and_then(|d| d.record.as_ref()) {
            Some((path, rplan)) => Some(
                open_recording(path, rplan, &specs, shared.clone()).inspect_err(|_| {
                    let _ = mux.finish();
                })?,
            ),
            None => None,
        };
        if let Some(m) = &master {
            m.write()?;
        }
        let keys = delivery.as_ref().map(|d| {
            let tb = enc.time_base;
            KeyClock {
                every: d.keyframe_seconds * f64::from(tb.denominator())
                    / f64::from(tb.numerator().max(1)),
                next: 0.0,
            }
        });
        let mut tracks = Vec::new();
        for (track, &stream) in audio.into_iter().zip(&ids[n_videos..]) {
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
            extras,
            keys,
            master,
            delivery,
            keyed_reconnect: 0,
            record,
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
            pushed: 0,
            pending: None,
            durations: HashMap::new(),
            last_duration: 0,
            first_pts: None,
            end_pts: 0,
            first_pushed: None,
            first_packet_latency: None,
            filter,
            filter_durations: HashMap::new(),
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
                        t.engine
                            .drain(&mut tee(&mut self.mux, self.record.as_mut(), t.stream))?;
                    }
                    continue;
                }
            };
            self.first_pushed.get_or_insert(job.pushed);
            match self.plan.timing() {
                Timing::Constant => {
                    // Frame i shows at i periods: counted as pushed (a filter may keep,
                    // drop or add pictures, so the encoded count can differ).
                    // A frame dropped before the queue (late_frames=drop) leaves its slot.
                    let pts = job.pts.unwrap_or(self.pushed as i64);
                    self.pushed = pts as u64 + 1;
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

    /// Whether the frame at `pts` (encoder time base) starts after a soundtrack that cuts the
    /// video has ended (`shortest`): then it is left out, and counted.
    fn cut_here(&mut self, pts: i64) -> Result<bool> {
        let at = VideoEnd {
            ticks: pts - self.first_pts.unwrap_or(pts),
            time_base: self.enc.time_base,
            extra: 0.0,
        };
        for t in self.tracks.iter_mut().filter(|t| t.cuts_video) {
            if t.engine.ended_before(at)? {
                self.cut += 1;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Converts (or filters) and encodes one pushed frame shown at `pts` for `duration`
    /// (encoder time base; the filter's input time base with a filter).
    fn encode(&mut self, job: Job, pts: i64, duration: i64) -> Result<()> {
        if let Some(filter) = self.filter.as_mut() {
            let pushed = filter.push(job.buffer.as_bytes(), job.stride, pts);
            if let Buffer::Bytes(v) = job.buffer {
                let _ = self.pool.try_send(v);
            }
            pushed?;
            if matches!(self.plan.timing(), Timing::Explicit { .. }) {
                self.filter_durations.insert(pts, duration);
            }
            return self.drain_filter();
        }
        if self.cut_here(pts)? {
            if let Buffer::Bytes(v) = job.buffer {
                let _ = self.pool.try_send(v);
            }
            return Ok(());
        }
        self.conv
            .convert(job.buffer.as_bytes(), job.stride, &mut self.picture)?;
        if let Buffer::Bytes(v) = job.buffer {
            let _ = self.pool.try_send(v);
        }
        self.encode_picture(pts, duration)
    }

    /// Converts and encodes every picture the filter graph has ready.
    fn drain_filter(&mut self) -> Result<()> {
        loop {
            let Some(filter) = self.filter.as_mut() else {
                return Ok(());
            };
            let Some((data, stride, pts)) = filter.pull()? else {
                return Ok(());
            };
            let duration = match self.plan.timing() {
                Timing::Constant => 1,
                Timing::Explicit { .. } => self
                    .filter_durations
                    .remove(&pts)
                    .unwrap_or(self.last_duration.max(1)),
            };
            self.conv.convert(data, stride, &mut self.picture)?;
            if self.cut_here(pts)? {
                continue;
            }
            self.encode_picture(pts, duration)?;
        }
    }

    /// Encodes the converted picture, shown at `pts` for `duration` (encoder time base).
    fn encode_picture(&mut self, pts: i64, duration: i64) -> Result<()> {
        self.picture.set_pts(Some(pts));
        if matches!(self.plan.timing(), Timing::Explicit { .. }) {
            self.durations.insert(pts, duration);
        }
        if self.first_pts.is_none() {
            self.first_pts = Some(pts);
            self.mux.set_origin(pts, self.enc.time_base);
            if let Some(r) = &mut self.record {
                r.mux.set_origin(pts, self.enc.time_base);
            }
        }
        self.end_pts = pts.saturating_add(duration);
        let key = match self.keys.as_mut() {
            Some(k) => {
                let t = (pts - self.first_pts.unwrap_or(pts)) as f64;
                if t + 1e-6 >= k.next {
                    while k.next <= t + 1e-6 {
                        k.next += k.every;
                    }
                    true
                } else {
                    false
                }
            }
            None => false,
        };
        // After connecting again, the stream resumes at a keyframe: one, now.
        let resume = self.mux.wants_keyframe() && self.mux.reconnects() != self.keyed_reconnect;
        if resume {
            self.keyed_reconnect = self.mux.reconnects();
        }
        let key = key || resume;
        let kind = if key {
            ff::picture::Type::I
        } else {
            ff::picture::Type::None
        };
        self.picture.set_kind(kind);
        self.enc.send(Some(&mut self.picture))?;
        for x in &mut self.extras {
            x.scaler
                .run(&self.picture, &mut x.picture)
                .map_err(|e| Error::ffmpeg("cannot scale a picture for a rendition", e))?;
            x.picture.set_pts(Some(pts));
            x.picture.set_kind(kind);
            if matches!(self.plan.timing(), Timing::Explicit { .. }) {
                x.durations.insert(pts, duration);
            }
            x.enc.send(Some(&mut x.picture))?;
        }
        self.frames += 1;
        self.drain()?;
        if key && self.frames > 1 {
            // A segment has just ended in every rendition: the master playlist's bandwidths
            // follow what is on disk.
            if let Some(m) = &self.master {
                m.write()?;
            }
        }
        let end = self.video_end();
        for t in &mut self.tracks {
            t.engine.follow(end)?;
            t.engine
                .drain(&mut tee(&mut self.mux, self.record.as_mut(), t.stream))?;
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
            match &mut self.record {
                // The recording first: a failing push does not take the packet from it.
                Some(r) => r.write_both(
                    &mut self.mux,
                    self.video_stream,
                    &mut self.packet,
                    self.enc.time_base,
                )?,
                None => self
                    .mux
                    .write(self.video_stream, &mut self.packet, self.enc.time_base)?,
            }
            self.shared.written.fetch_add(1, Ordering::Relaxed);
            if self.first_packet_latency.is_none() {
                self.first_packet_latency = self.first_pushed.map(|t| t.elapsed());
            }
        }
        let explicit = matches!(self.plan.timing(), Timing::Explicit { .. });
        for x in &mut self.extras {
            while x.enc.receive(&mut x.packet)? {
                let duration = if explicit {
                    x.packet
                        .pts()
                        .and_then(|p| x.durations.remove(&p))
                        .unwrap_or(self.last_duration)
                } else {
                    1
                };
                x.packet.set_duration(duration);
                self.mux.write(x.stream, &mut x.packet, x.enc.time_base)?;
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
                t.summary = Some(
                    t.engine
                        .finish(&mut tee(&mut self.mux, self.record.as_mut(), t.stream), end)?,
                );
            }
            Ok(())
        });
        let trailer = self.mux.finish();
        if let Some(mut r) = self.record.take() {
            // The recording is finished whatever became of the push: it holds everything.
            let timing = self.file_timing();
            let done = r
                .mux
                .finish()
                .and_then(|()| r.partial.finish(timing))
                .map_err(|e| e.kept_in(&r.partial.partial));
            let pushed = r.push_failed.take().map_or(trailer.clone(), Err);
            let target = r.partial.target.display().to_string();
            return match (done, pushed.and(drained.clone())) {
                (Err(e), _) => Err(e),
                (Ok(_), Err(e)) => Err(Error::Unsupported(format!(
                    "{e}; everything written is in the recording '{target}'"
                ))),
                (Ok(_), Ok(())) => self.summary(self.size.load(Ordering::Relaxed), false),
            };
        }
        if trailer.is_ok() {
            if let Some(m) = &self.master {
                // The bandwidths measured over every segment.
                m.write()?;
            }
        }
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
                let timing = self.file_timing();
                bytes = p.finish(timing).map_err(|e| e.kept_in(&p.partial))?;
                fragmented &= p.remux.is_none();
            } else if end == KEEP {
                // The partial file's own layout: fragmented for MP4/MOV.
                fragmented = p.container.is_mp4_family();
            }
        }
        self.summary(bytes, fragmented)
    }

    /// The timing a finished file needs (where the first frame shows, how long the last
    /// lasts, where the sound ends).
    fn file_timing(&self) -> partial::Timing {
        let tb = self.enc.time_base;
        let audio_end = self.soundtrack().map(|a| {
            // The samples' time starts at the first frame's (see Muxer::set_audio_origin).
            let rate = ff::Rational::new(1, a.sample_rate as i32);
            let origin = ff::Rescale::rescale(&self.first_pts.unwrap_or(0), tb, rate);
            (origin.saturating_add(a.samples as i64), rate)
        });
        partial::Timing {
            time_base: FrameRate::new(tb.numerator(), tb.denominator()),
            origin: self.first_pts.unwrap_or(0),
            last_duration: Some(match self.plan.timing() {
                Timing::Constant => 1,
                _ => self.last_duration,
            }),
            audio_end,
        }
    }

    /// The summary of what was written: `bytes` in the output, `fragmented` as it is.
    fn summary(&mut self, bytes: u64, fragmented: bool) -> Result<Summary> {
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
        summary.frames_dropped = self.shared.dropped.load(Ordering::Relaxed);
        if let Some(d) = &self.delivery {
            summary.bytes = if d.kind.is_network() {
                self.mux.position().max(0) as u64
            } else {
                crate::output::delivery::bytes_on_disk(d)
            };
            summary.fragmented = false;
            summary.delivery = Some(d.kind);
            summary.reconnects = self.mux.reconnects();
        }
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
        if let Some(filter) = self.filter.as_mut() {
            filter.close()?;
            self.drain_filter()?;
        }
        self.enc.send(None)?;
        for x in &mut self.extras {
            x.enc.send(None)?;
        }
        self.drain()
    }
}

/// Opens a push's local recording at `path`: a crash-safe file (its partial file until it is
/// finished) with the streams of `specs`.
fn open_recording(
    path: &std::path::Path,
    plan: &Plan,
    specs: &[crate::output::stream::StreamSpec],
    shared: Arc<Shared>,
) -> Result<Recording> {
    let partial = match partial::FilePlan::new(path, plan)? {
        partial::FilePlan::Partial(p) => p,
        partial::FilePlan::Special(_) => {
            return Err(Error::config(
                "record",
                path.display().to_string(),
                "a regular file (the recording is finished into it)",
            ))
        }
    };
    let layout = plan
        .destination(crate::plan::SinkKind::CrashSafeFile)?
        .layout;
    let opened = sink::open(Sink::Partial(partial.clone()), plan.container())?;
    let (mux, _) = Muxer::start(opened, specs, plan, layout, None, None).inspect_err(|_| {
        partial.discard();
    })?;
    Ok(Recording {
        mux,
        partial,
        push_failed: None,
        shared,
    })
}

/// The master playlist of an HLS ladder: each rendition's size and codecs, the soundtrack's
/// group, and a first estimate of each bandwidth (its bitrate when one is set, else one from
/// its size) until its segments measure it.
fn master_playlist(
    d: &crate::plan::DeliveryPlan,
    plan: &Plan,
    specs: &[crate::output::stream::StreamSpec],
    audio: bool,
) -> crate::output::delivery::MasterPlaylist {
    use crate::output::delivery::{audio_codec_string, video_codec_string, Variant};
    let fr = plan.frame_rate();
    let fps = f64::from(fr.num) / f64::from(fr.den.max(1));
    let estimate = |p: &Plan| match p.rate() {
        crate::config::RateControl::Bitrate(b) => b,
        // About 0.1 bit per pixel: a plausible crf 23 H.264 rate, replaced by the measured one.
        _ => {
            let (w, h) = p.output_size();
            (f64::from(w) * f64::from(h) * fps * 0.1) as u64
        }
    };
    let plans: Vec<&Plan> = std::iter::once(plan)
        .chain(d.extras.iter().map(|r| &r.plan))
        .collect();
    let variants = d
        .labels()
        .into_iter()
        .zip(&plans)
        .zip(specs)
        .map(|((label, p), spec)| Variant {
            label,
            size: p.output_size(),
            codecs: video_codec_string(&spec.parameters),
            estimate: estimate(p),
        })
        .collect();
    let audio = audio.then(|| {
        let spec = specs.last();
        let codecs = spec.and_then(|s| audio_codec_string(s.parameters.id()));
        let rate = spec
            .map(|s| crate::ffi::bit_rate(&s.parameters))
            .filter(|b| *b > 0)
            .unwrap_or(128_000);
        (codecs, rate)
    });
    crate::output::delivery::MasterPlaylist::new(d, variants, audio, fps)
}
