//! libavformat output: the streams (each described by a [`StreamSpec`]), the header, the
//! packets of every stream interleaved by time, the trailer.

use std::time::Duration;

use ff::Rational;
use ffmpeg_next as ff;

use crate::config::{Container, FrameRate};
use crate::error::{Error, Result};
use crate::ffi;
use crate::output::sink::{IoErrorSlot, Opened};
use crate::output::stream::{add_streams, StreamId, StreamSpec};
use crate::plan::{Mp4Layout, Plan};

/// What a finished fragment of a fragmented MP4 reports to a callback.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FragmentInfo {
    /// Bytes of the output written so far, this fragment included.
    pub bytes: u64,
    /// Frames in the output so far.
    pub frames: u64,
    /// Playing time of those frames.
    pub duration: Duration,
}

/// A callback told about every fragment written (runs on the encoder thread).
pub type FragmentCallback = Box<dyn FnMut(FragmentInfo) + Send + 'static>;

/// A started libavformat output: its streams, in the order of the specs it was started with.
/// The first stream is the timing stream (the video): its packets are the frames a fragment
/// reports, and the others' time 0 is its first frame ([`Muxer::set_origin`]).
pub(crate) struct Muxer {
    octx: ff::format::context::Output,
    streams: Vec<Stream>,
    frame_rate: FrameRate,
    fragmented: bool,
    on_fragment: Option<FragmentCallback>,
    last_pos: i64,
    packets: u64,
    io_error: IoErrorSlot,
    /// The output's name for messages.
    name: String,
    /// A server's output: the bound on each blocking write, and the write timeout it is armed
    /// with.
    deadline: Option<(std::sync::Arc<ffi::Deadline>, f64)>,
    /// A push that may connect again when the server goes away (`reconnect`).
    reconnect: Option<Reconnect>,
    /// A push whose server failed for good: every later write and the trailer give this
    /// error at once instead of waiting on the dead connection again.
    dead: Option<Error>,
}

impl Drop for Muxer {
    /// Closing a server's output flushes what is buffered and says goodbye to the server,
    /// both blocking writes: bounded by the write timeout, or at once after the server failed.
    fn drop(&mut self) {
        if let Some((d, seconds)) = &self.deadline {
            d.arm(if self.dead.is_some() { 0.0 } else { *seconds });
        }
    }
}

/// Bounds the closing of a server's output that a failed start drops.
struct CloseBound(Option<(std::sync::Arc<ffi::Deadline>, f64)>);

impl Drop for CloseBound {
    fn drop(&mut self) {
        if let Some((d, seconds)) = &self.0 {
            d.arm(*seconds);
        }
    }
}

/// What connecting again needs: the destination, the streams and the header's options and
/// tags; how many attempts are left; whether the stream waits for a keyframe to resume.
struct Reconnect {
    plan: crate::plan::DeliveryPlan,
    specs: Vec<StreamSpec>,
    options: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    left: u32,
    awaiting_key: bool,
    /// Times the stream was connected again.
    done: u32,
}

/// A stream as written: its time base in the file (the muxer may choose another than the
/// spec's) and where its time 0 is in it.
struct Stream {
    id: StreamId,
    time_base: Rational,
    origin: i64,
    /// A video stream (a rendition) keeps the timing stream's times as they are; the others
    /// (sound) start at its first frame.
    follows_origin: bool,
}

/// An FFmpeg failure while writing, with the writer's own I/O error when there is one.
fn write_error(io_error: &IoErrorSlot, context: String, e: ff::Error) -> Error {
    match io_error.take() {
        Some(io) => Error::io(context, io),
        None => Error::ffmpeg(context, e),
    }
}

impl Muxer {
    /// Adds a stream for each of `specs` (the first the timing stream, the video), tags the
    /// file as `plan` says, and writes the header; returns the streams' ids, in order.
    pub(crate) fn start(
        output: Opened,
        specs: &[StreamSpec],
        plan: &Plan,
        layout: Mp4Layout,
        on_fragment: Option<FragmentCallback>,
        delivery: Option<&crate::plan::DeliveryPlan>,
    ) -> Result<(Self, Vec<StreamId>)> {
        let (container, frame_rate) = (plan.container(), plan.frame_rate());
        let Opened {
            mut octx,
            io_error,
            name,
            deadline,
            ..
        } = output;
        // Dropped before `octx` on an early return: the closing that follows is bounded.
        let mut close_bound = CloseBound(deadline.clone());
        let Some(timing) = specs.first() else {
            return Err(Error::EncoderThread("an output without streams".into()));
        };
        let ids = add_streams(&mut octx, specs)?;
        let tags = plan.tags();
        let mut opts = ff::Dictionary::new();
        let mut movflags = String::new();
        if tags.mdta {
            movflags.push_str("+use_metadata_tags");
        }
        for (k, v) in plan.muxer_options() {
            opts.set(k, v);
        }
        let mut fragmented = false;
        let mut reconnect = None;
        if let Some(d) = delivery {
            let videos = specs.iter().filter(|s| s.sample_rate() == 0).count();
            let audio = videos < specs.len();
            let options = crate::output::delivery::muxer_options(d, videos, audio);
            for (k, v) in &options {
                opts.set(k, v);
            }
            if d.kind.is_network() && d.settings.reconnect > 0 {
                let mut all: Vec<(String, String)> = plan
                    .muxer_options()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                all.extend(options);
                reconnect = Some(Reconnect {
                    plan: d.clone(),
                    specs: specs.to_vec(),
                    options: all,
                    tags: tags.file.clone(),
                    left: d.settings.reconnect,
                    awaiting_key: false,
                    done: 0,
                });
            }
        } else if container.is_mp4_family() {
            // One timescale for the track and the movie (edit lists, mvhd), a multiple of the
            // encoder's, so every timestamp and the duration are exact (the default movie
            // timescale of 1000 rounds 29.97 fps durations to milliseconds).
            let timescale = Container::mp4_timescale(FrameRate::new(
                timing.time_base.numerator(),
                timing.time_base.denominator(),
            ));
            opts.set("video_track_timescale", &timescale.to_string());
            // With sound, the movie's timescale is also a multiple of each sample rate, so
            // that the audio's edit list (where its priming and its end are cut) is exact to
            // the sample too, whatever length the soundtrack has.
            let mut movie = timescale;
            for spec in &specs[1..] {
                let rate = i64::from(spec.sample_rate());
                if rate > 0 {
                    let lcm = movie / gcd(movie, rate) * rate;
                    if lcm <= i64::from(i32::MAX) {
                        movie = lcm;
                    }
                }
            }
            opts.set("movie_timescale", &movie.to_string());
            match layout {
                Mp4Layout::Plain => {}
                Mp4Layout::Fragmented(secs) => {
                    fragmented = true;
                    // `delay_moov`: the index waits for the first fragment, so it knows where each track
                    // starts (edit lists): without it, audio priming and B-frame delay shift the
                    // tracks apart.
                    movflags.push_str("+frag_keyframe+empty_moov+default_base_moof+delay_moov");
                    opts.set("frag_duration", &((secs * 1e6).round() as i64).to_string());
                    // Each fragment reaches the file as soon as it is complete.
                    opts.set("flush_packets", "1");
                }
            }
        }
        if !movflags.is_empty() {
            opts.set("movflags", &movflags);
        }
        ffi::clear_log_lines();
        let header_error = |e| match &deadline {
            Some((_, seconds)) => crate::output::delivery::network_error(
                format!("cannot start the stream to {name}"),
                e,
                *seconds,
                "write_timeout",
            ),
            None => write_error(
                &io_error,
                format!("cannot write the {} header", container.name()),
                e,
            ),
        };
        let mut file_tags = tags.file.clone();
        if container.is_mp4_family() && !tags.mdta {
            // movenc writes its encoding tool (©too) from `encoding_tool`; the demuxer reads
            // it back as `encoder`.
            if let Some((_, v)) = file_tags.iter().find(|(k, _)| k == "encoder") {
                let v = v.clone();
                file_tags.push(("encoding_tool".into(), v));
            }
        }
        // Some muxers read the tags as they are initialised (MPEG-TS its service name and
        // provider), and libavformat then sets its own `encoder` tag: the tags are set before
        // initialising and again between initialising and writing the header.
        ffi::replace_metadata(&mut octx, dictionary(&file_tags));
        let unused = ffi::init_output(&mut octx, opts).map_err(header_error)?;
        if let Some(kv) = unused.first() {
            return Err(Error::Unsupported(format!(
                "the {} muxer of the linked FFmpeg does not know the option {kv}",
                container.name()
            )));
        }
        ffi::replace_metadata(&mut octx, dictionary(&file_tags));
        if let Some((d, seconds)) = &deadline {
            d.arm(*seconds);
        }
        let header = octx.write_header();
        if let Some((d, _)) = &deadline {
            d.disarm();
        }
        header.map_err(header_error)?;
        // The muxer may have chosen other time bases (MP4 does): read them back.
        let streams = ids
            .iter()
            .zip(specs)
            .map(|(&id, spec)| Stream {
                id,
                time_base: octx
                    .stream(id.index())
                    .map_or(spec.time_base, |s| s.time_base()),
                origin: 0,
                follows_origin: spec.sample_rate() > 0,
            })
            .collect();
        let last_pos = ffi::output_position(&mut octx);
        close_bound.0 = None;
        let mux = Muxer {
            octx,
            streams,
            frame_rate,
            fragmented,
            on_fragment,
            last_pos,
            packets: 0,
            io_error,
            name,
            deadline,
            reconnect,
            dead: None,
        };
        Ok((mux, ids))
    }

    /// Makes the timing stream's first frame, at `pts` of `time_base`, every other stream's
    /// time 0 (the soundtrack starts with the first frame).
    pub(crate) fn set_origin(&mut self, pts: i64, time_base: Rational) {
        use ff::Rescale;
        for s in self.streams.iter_mut().skip(1).filter(|s| s.follows_origin) {
            s.origin = pts.rescale(time_base, s.time_base);
        }
    }

    /// Writes one packet of stream `id` (timestamps in `time_base`).
    pub(crate) fn write(
        &mut self,
        id: StreamId,
        packet: &mut ff::Packet,
        time_base: Rational,
    ) -> Result<()> {
        let Some(stream) = self.streams.iter().find(|s| s.id == id) else {
            return Err(Error::EncoderThread(format!(
                "a packet for stream {}, which the output does not have",
                id.index()
            )));
        };
        packet.set_stream(id.index());
        packet.rescale_ts(time_base, stream.time_base);
        if stream.origin != 0 {
            let o = stream.origin;
            packet.set_pts(packet.pts().map(|t| t.saturating_add(o)));
            packet.set_dts(packet.dts().map(|t| t.saturating_add(o)));
        }
        if let Some(e) = &self.dead {
            return Err(e.clone());
        }
        let timing = self.streams.first().is_some_and(|s| s.id == id);
        if let Some(r) = &mut self.reconnect {
            if r.awaiting_key {
                if !(timing && packet.is_key()) {
                    // Until the video's next keyframe: nothing a player could start from.
                    return Ok(());
                }
                r.awaiting_key = false;
            }
        }
        if let Some((d, seconds)) = &self.deadline {
            d.arm(*seconds);
        }
        let written = packet.write_interleaved(&mut self.octx);
        if let Some((d, _)) = &self.deadline {
            d.disarm();
        }
        if let Err(e) = written {
            let error = self.error(format!("cannot write to {}", self.name), e);
            let error = if self.reconnect.as_ref().is_some_and(|r| r.left > 0) {
                match self.connect_again(error) {
                    Ok(()) => return Ok(()),
                    Err(e) => e,
                }
            } else {
                error
            };
            if self.deadline.is_some() {
                self.dead = Some(error.clone());
            }
            return Err(error);
        }
        if !timing {
            return Ok(());
        }
        self.packets += 1;
        if self.fragmented && self.on_fragment.is_some() {
            let pos = ffi::output_position(&mut self.octx);
            if pos > self.last_pos {
                self.last_pos = pos;
                // The packet that closed the fragment is in the next one.
                self.report_fragment(self.packets - 1);
            }
        }
        Ok(())
    }

    /// After a failed write to a server, with `reconnect` attempts left: connects again (1 s
    /// apart, each bounded by connect_timeout), writes a new header and resumes at the video's
    /// next keyframe (the worker forces one: [`wants_keyframe`](Self::wants_keyframe)). What
    /// the old connection had not sent is lost; when every attempt fails, `cause` (the first
    /// failure) is the error, with the attempts named.
    fn connect_again(&mut self, cause: Error) -> Result<()> {
        let Some(r) = self.reconnect.as_mut() else {
            return Err(cause);
        };
        let mut last = None;
        while r.left > 0 {
            r.left -= 1;
            std::thread::sleep(Duration::from_secs(1));
            let opened = match crate::output::delivery::connect_once(&r.plan) {
                Ok(o) => o,
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            let mut octx = opened.octx;
            let header = (|| {
                add_streams(&mut octx, &r.specs)?;
                let mut opts = ff::Dictionary::new();
                for (k, v) in &r.options {
                    opts.set(k, v);
                }
                ffi::replace_metadata(&mut octx, dictionary(&r.tags));
                ffi::init_output(&mut octx, opts)
                    .map_err(|e| Error::ffmpeg("cannot start the stream again", e))?;
                ffi::replace_metadata(&mut octx, dictionary(&r.tags));
                opened.deadline.arm(r.plan.settings.write_timeout);
                let written = octx.write_header();
                opened.deadline.disarm();
                written.map_err(|e| Error::ffmpeg("cannot start the stream again", e))
            })();
            if let Err(e) = header {
                // The new connection closes as the loop goes on, bounded.
                opened.deadline.arm(r.plan.settings.write_timeout);
                last = Some(e);
                continue;
            }
            // The old connection goes (its unsent bytes with it), bounded like any write.
            if let Some((d, seconds)) = &self.deadline {
                d.arm(*seconds);
            }
            let old = std::mem::replace(&mut self.octx, octx);
            drop(old);
            let seconds = r.plan.settings.write_timeout;
            self.deadline = Some((opened.deadline, seconds));
            for s in &mut self.streams {
                if let Some(st) = self.octx.stream(s.id.index()) {
                    s.time_base = st.time_base();
                }
            }
            r.awaiting_key = true;
            r.done += 1;
            return Ok(());
        }
        let tried = self
            .reconnect
            .as_ref()
            .map_or(0, |r| r.plan.settings.reconnect);
        Err(match last {
            Some(e) => Error::Unsupported(format!(
                "{cause}; connecting again failed {tried} time(s), the last: {e}"
            )),
            None => cause,
        })
    }

    /// Whether the stream waits for a keyframe after connecting again: the next picture
    /// should be one.
    pub(crate) fn wants_keyframe(&self) -> bool {
        self.reconnect.as_ref().is_some_and(|r| r.awaiting_key)
    }

    /// Times a push connected again after its server went away.
    pub(crate) fn reconnects(&self) -> u32 {
        self.reconnect.as_ref().map_or(0, |r| r.done)
    }

    /// A write's failure: a server's with the timeout that cut it short, a writer's with its
    /// own I/O error.
    fn error(&self, context: String, e: ff::Error) -> Error {
        match &self.deadline {
            Some((_, seconds)) => {
                crate::output::delivery::network_error(context, e, *seconds, "write_timeout")
            }
            None => write_error(&self.io_error, context, e),
        }
    }

    /// Bytes written through the output's own I/O so far (a server's stream).
    pub(crate) fn position(&mut self) -> i64 {
        ffi::output_position(&mut self.octx)
    }

    fn report_fragment(&mut self, frames: u64) {
        let fr = self.frame_rate;
        let duration = Duration::from_secs_f64(frames as f64 * fr.den as f64 / fr.num as f64);
        let bytes = self.last_pos.max(0) as u64;
        if let Some(cb) = self.on_fragment.as_mut() {
            cb(FragmentInfo {
                bytes,
                frames,
                duration,
            });
        }
    }

    /// Writes the trailer (index, last fragment) and flushes.
    pub(crate) fn finish(&mut self) -> Result<()> {
        ffi::clear_log_lines();
        if let Some(e) = &self.dead {
            return Err(e.clone());
        }
        if let Some((d, seconds)) = &self.deadline {
            d.arm(*seconds);
        }
        let trailer = self.octx.write_trailer();
        if let Some((d, _)) = &self.deadline {
            d.disarm();
        }
        trailer.map_err(|e| self.error(format!("cannot finish {}", self.name), e))?;
        ffi::flush_output(&mut self.octx);
        // A write or seek that failed quietly (libavformat does not check every seek) means
        // the file is not what it should be.
        if let Some(e) = self.io_error.take() {
            return Err(Error::io(format!("cannot finish {}", self.name), e));
        }
        if self.fragmented && self.on_fragment.is_some() {
            self.last_pos = ffi::output_position(&mut self.octx);
            self.report_fragment(self.packets);
        }
        Ok(())
    }
}

/// The tags as an FFmpeg dictionary.
fn dictionary(tags: &[(String, String)]) -> ff::Dictionary<'static> {
    let mut d = ff::Dictionary::new();
    for (k, v) in tags {
        d.set(k, v);
    }
    d
}

/// The greatest common divisor of two positive numbers.
fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}
