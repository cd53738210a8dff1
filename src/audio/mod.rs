//! The soundtrack on the encoder thread: samples (pushed, or decoded from a file) →
//! libswresample → the encoder's frames → packets for the muxer; or a file's packets copied
//! as they are.
//!
//! Time comes from sample counts: the sample after the first N starts at N / rate seconds,
//! and the video's frame i at i / fps, so the two stay in sync by construction. The track
//! never runs far ahead of the video: with the policies that cut at the video's end, pushed
//! samples past it wait until the video reaches them (the writer refuses pushes more than
//! `audio_ahead` seconds ahead of its frames, so what waits is bounded), and a file is read
//! only as far as the video has come, so the muxer interleaves both with little held in
//! memory.

mod samples;
mod source;
mod thread;

use std::time::Duration;

use ff::format::Sample;
use ff::{Rational, Rescale};
use ffmpeg_next as ff;

pub use samples::{AudioSample, AudioSamples, AUDIO_AHEAD_SECONDS};
use source::AudioFile;
pub(crate) use source::InputWaits;
pub use source::{StopCheck, WaitNotice};
pub(crate) use thread::AudioThread;

use crate::av::is_again_or_eof;
use crate::config::{AudioDamage, AudioEncoder, AudioLength, AudioSource, Container, SampleFormat};
use crate::error::{Error, Result};
use crate::ffi::{self, Resampler};
use crate::output::copy::Rejoiner;
use crate::output::stream::{PacketOut, StreamSpec};
use crate::plan::{AudioOutput, AudioPlan, MAX_CHANNELS};
use crate::summary::AudioTrackSummary;

/// How far ahead of the video (seconds) a file's audio is read.
const LEAD_SECONDS: f64 = 0.5;

/// Samples per packet for encoders that take any number (PCM).
const PCM_FRAME: usize = 1024;

/// One push of samples on its way to the encoder thread.
pub(crate) struct Chunk {
    pub(crate) bytes: Vec<u8>,
    pub(crate) format: SampleFormat,
    pub(crate) channels: u16,
    pub(crate) planar: bool,
}

impl Chunk {
    /// Copies samples `start..start + n` (per channel) of `s` (already checked) for the
    /// encoder thread: a long push goes over in pieces, so that what is copied at a time is
    /// bounded by the queue, not by the push.
    pub(crate) fn copy_range(s: &AudioSamples<'_>, start: usize, n: usize) -> Self {
        let unit = s.format.bytes();
        let channels = usize::from(s.channels.max(1));
        let bytes = if s.planar {
            let plane = s.frames() * unit;
            let mut v = Vec::with_capacity(n * unit * channels);
            for c in 0..channels {
                let at = c * plane + start * unit;
                v.extend_from_slice(&s.bytes[at..at + n * unit]);
            }
            v
        } else {
            s.bytes[start * unit * channels..(start + n) * unit * channels].to_vec()
        };
        Chunk {
            bytes,
            format: s.format,
            channels: s.channels,
            planar: s.planar,
        }
    }
}

/// libavutil's sample format for `format`, interleaved or planar.
fn sample(format: SampleFormat, planar: bool) -> Sample {
    use ff::format::sample::Type;
    let t = if planar { Type::Planar } else { Type::Packed };
    match format {
        SampleFormat::F32 => Sample::F32(t),
        SampleFormat::I16 => Sample::I16(t),
        SampleFormat::I32 => Sample::I32(t),
        SampleFormat::F64 => Sample::F64(t),
    }
}

/// The sample format encode-native thinks of a decoded format as, for choosing the encoder's.
fn family(format: Sample) -> SampleFormat {
    match format {
        Sample::I16(_) | Sample::U8(_) => SampleFormat::I16,
        Sample::I32(_) | Sample::I64(_) => SampleFormat::I32,
        Sample::F64(_) => SampleFormat::F64,
        _ => SampleFormat::F32,
    }
}

/// The soundtrack being written.
pub(crate) struct AudioTrack {
    plan: AudioPlan,
    mode: Mode,
}

enum Mode {
    Encode(Box<Encoding>),
    Copy(Box<Copying>),
}

/// Samples converted to the encoder's format, waiting to be cut into its frames.
struct Fifo {
    planes: Vec<Vec<u8>>,
    /// Bytes of each plane already taken.
    start: usize,
    /// Bytes per sample in each plane.
    step: usize,
}

impl Fifo {
    fn new(format: Sample, channels: u16) -> Self {
        let (planes, step) = if format.is_planar() {
            (usize::from(channels), format.bytes())
        } else {
            (1, format.bytes() * usize::from(channels))
        };
        Fifo {
            planes: vec![Vec::new(); planes],
            start: 0,
            step,
        }
    }

    /// Samples waiting.
    fn len(&self) -> usize {
        (self.planes[0].len() - self.start) / self.step
    }

    /// Appends `n` samples of silence (all-zero bytes are silence in every format used).
    fn silence(&mut self, n: usize) {
        for p in &mut self.planes {
            p.resize(p.len() + n * self.step, 0);
        }
    }

    /// Forgets all but the first `n` waiting samples.
    fn truncate(&mut self, n: usize) {
        let end = self.start + n * self.step;
        for p in &mut self.planes {
            p.truncate(end);
        }
    }

    /// Drops the first `n` waiting samples.
    fn skip(&mut self, n: usize) {
        self.start += n.min(self.len()) * self.step;
        self.compact();
    }

    /// Copies the first `n` waiting samples into `frame`'s planes and drops them.
    fn take_into(&mut self, n: usize, frame: &mut ff::frame::Audio) {
        let bytes = n * self.step;
        for (src, dst) in self.planes.iter().zip(ffi::audio_planes_mut(frame)) {
            dst[..bytes].copy_from_slice(&src[self.start..self.start + bytes]);
        }
        self.start += bytes;
        self.compact();
    }

    fn compact(&mut self) {
        if self.start > 0 && self.start >= self.planes[0].len() / 2 {
            for p in &mut self.planes {
                p.drain(..self.start);
            }
            self.start = 0;
        }
    }
}

/// How many of the waiting samples may be encoded now.
#[derive(Debug, Clone, Copy)]
enum Limit {
    /// Whole frames that end by `samples`.
    Upto { samples: i64 },
    /// Every whole frame.
    Whole,
    /// Everything, the last shorter frame too (the end).
    All,
}

struct Encoding {
    enc: ff::encoder::audio::Encoder,
    codec_name: &'static str,
    encoder: AudioEncoder,
    format: Sample,
    out: AudioOutput,
    frame_size: usize,
    resampler: Option<((Sample, u32, u16), Resampler)>,
    fifo: Fifo,
    /// Samples given to the encoder so far (silence included).
    sent: i64,
    /// Output samples still to drop from the start (a negative offset).
    skip: u64,
    file: Option<(AudioFile, ff::decoder::Audio)>,
    file_done: bool,
    packet: ff::Packet,
    decoded: ff::frame::Audio,
    padded: u64,
    trimmed: bool,
    /// What a packet that does not decode does, and where each one was concealed (the
    /// sample it starts at) with what FFmpeg said: only those before the soundtrack's end
    /// count, and with `audio_damage=error` fail the encode at its end.
    damage: AudioDamage,
    damaged: Vec<(i64, String)>,
}

struct Copying {
    file: AudioFile,
    /// Added to every timestamp (the offset, in the file's time base).
    shift: i64,
    /// A packet read but not written yet (past where the video has come).
    held: Option<ff::Packet>,
    first: Option<i64>,
    end: i64,
    trimmed: bool,
}

impl AudioTrack {
    /// Opens the soundtrack of `plan` for `container`: the file (if any) is opened and its
    /// stream chosen, and the encoder opened, before any output exists.
    pub(crate) fn open(
        plan: &AudioPlan,
        container: Container,
        global_header: bool,
        waits: &InputWaits,
    ) -> Result<Self> {
        let mode = match &plan.source {
            AudioSource::Samples => {
                let (rate, channels) = (plan.rate.unwrap_or(48_000), plan.channels.unwrap_or(2));
                let out = plan.output(rate, channels)?;
                Mode::Encode(Box::new(Encoding::open(
                    plan,
                    out,
                    plan.sample_format,
                    None,
                    global_header,
                )?))
            }
            AudioSource::File(path) => {
                let file = AudioFile::open(path, plan.stream, waits)?;
                if file.channels > MAX_CHANNELS {
                    // FFmpeg names no layout for more than 8 channels, so it cannot mix them
                    // down, and no encoder of the table stores more.
                    return Err(Error::Unsupported(format!(
                        "the audio '{}' has {} channels: at most {MAX_CHANNELS} can be stored, and \
                         FFmpeg cannot mix down channels whose layout it does not know; mix it \
                         down first (ffmpeg -i IN -ac 2 OUT.wav)",
                        path.display(),
                        file.channels
                    )));
                }
                if plan.may_copy && copyable(file.codec_id, container) {
                    let shift = (plan.offset * f64::from(file.time_base.denominator())
                        / f64::from(file.time_base.numerator().max(1)))
                    .round() as i64;
                    Mode::Copy(Box::new(Copying {
                        file,
                        shift,
                        held: None,
                        first: None,
                        end: 0,
                        trimmed: false,
                    }))
                } else {
                    let out = plan.output(file.rate, file.channels)?;
                    let decoder = file.decoder()?;
                    let input = family(decoder.format());
                    Mode::Encode(Box::new(Encoding::open(
                        plan,
                        out,
                        input,
                        Some((file, decoder)),
                        global_header,
                    )?))
                }
            }
        };
        Ok(AudioTrack {
            plan: plan.clone(),
            mode,
        })
    }

    /// Whether video frames may be left out: `shortest` with a soundtrack from a file.
    pub(crate) fn cuts_video(&self) -> bool {
        self.plan.length == AudioLength::Shortest
            && !matches!(self.plan.source, AudioSource::Samples)
    }

    /// The time base of the packets this track gives the muxer.
    pub(crate) fn time_base(&self) -> Rational {
        match &self.mode {
            Mode::Encode(e) => Rational::new(1, e.out.rate as i32),
            Mode::Copy(c) => c.file.time_base,
        }
    }

    /// The stream's codec parameters, for the muxer.
    pub(crate) fn parameters(&self) -> ff::codec::Parameters {
        match &self.mode {
            Mode::Encode(e) => ff::codec::Parameters::from(&*e.enc),
            Mode::Copy(c) => c.file.params.clone(),
        }
    }

    /// The audio stream it feeds, tagged with `tags`; the muxer chooses the codec tag for its
    /// container.
    pub(crate) fn stream_spec(&self, tags: &[(String, String)]) -> StreamSpec {
        let mut spec = StreamSpec::new(self.parameters(), self.time_base());
        spec.tags = tags.to_vec();
        spec.codec_tag = Some(0);
        spec
    }

    /// Converts one push of samples and encodes what the video has reached (`video_end`, in
    /// seconds as a fraction of the video's time base).
    pub(crate) fn push(
        &mut self,
        chunk: Chunk,
        mux: &mut dyn PacketOut,
        video_end: VideoEnd,
    ) -> Result<()> {
        let Mode::Encode(e) = &mut self.mode else {
            return Err(Error::Unsupported(
                "this soundtrack comes from a file: samples cannot be pushed to it".into(),
            ));
        };
        let samples =
            chunk.bytes.len() / (chunk.format.bytes() * usize::from(chunk.channels.max(1)));
        let planes: Vec<&[u8]> = if chunk.planar {
            chunk
                .bytes
                .chunks_exact(samples * chunk.format.bytes())
                .collect()
        } else {
            vec![&chunk.bytes[..]]
        };
        let rate = self.plan.rate.unwrap_or(48_000);
        e.convert(
            &planes,
            samples,
            (sample(chunk.format, chunk.planar), rate, chunk.channels),
        )?;
        let limit = match self.until(video_end) {
            None => Limit::Whole,
            Some(samples) => Limit::Upto { samples },
        };
        let Mode::Encode(e) = &mut self.mode else {
            return Ok(());
        };
        e.encode_ready(mux, limit)
    }

    /// How far audio may be encoded now that the video has reached `video_end`: to the
    /// video's end for the policies that cut there, anywhere for `longest`.
    fn until(&self, video_end: VideoEnd) -> Option<i64> {
        match self.plan.length {
            AudioLength::Longest => None,
            _ => Some(video_end.samples(self.rate())),
        }
    }

    fn rate(&self) -> u32 {
        match &self.mode {
            Mode::Encode(e) => e.out.rate,
            Mode::Copy(c) => c.file.rate,
        }
    }

    /// Follows the video, which has reached `video_end`: reads a file's audio that far (and
    /// a little further), and writes what may be written.
    pub(crate) fn follow(&mut self, mux: &mut dyn PacketOut, video_end: VideoEnd) -> Result<()> {
        let lead = VideoEnd {
            ticks: video_end.ticks,
            time_base: video_end.time_base,
            extra: LEAD_SECONDS,
        };
        let until = self.until(video_end);
        match &mut self.mode {
            Mode::Encode(e) => {
                let limit = if e.file.is_some() {
                    let read_to = lead.samples(e.out.rate);
                    e.read_file(read_to)?;
                    let samples = until.map_or(read_to, |u| u.min(read_to));
                    Limit::Upto { samples }
                } else {
                    match until {
                        None => Limit::Whole,
                        Some(samples) => Limit::Upto { samples },
                    }
                };
                e.encode_ready(mux, limit)
            }
            Mode::Copy(c) => c.copy(
                mux,
                Some(lead.seconds()),
                until.map(|_| video_end.seconds()),
            ),
        }
    }

    /// For `shortest` with a file: whether the soundtrack has ended before `at` (seconds),
    /// reading it that far if needed. A frame that starts there is left out.
    pub(crate) fn ended_before(&mut self, at: VideoEnd) -> Result<bool> {
        if self.plan.length != AudioLength::Shortest {
            return Ok(false);
        }
        match &mut self.mode {
            Mode::Encode(e) => {
                if e.file.is_none() {
                    return Ok(false);
                }
                let t = at.samples(e.out.rate);
                e.read_file(t + 1)?;
                Ok(e.file_done && e.sent + e.fifo.len() as i64 <= t)
            }
            Mode::Copy(c) => {
                let t = at.seconds();
                c.fill_held()?;
                Ok(c.held.is_none() && c.end_seconds() <= t)
            }
        }
    }

    /// Ends the soundtrack against the video's end (`None`: no frame was written) by the
    /// length policy, drains the encoder, and reports the track.
    pub(crate) fn finish(
        &mut self,
        mux: &mut dyn PacketOut,
        video_end: Option<VideoEnd>,
    ) -> Result<AudioTrackSummary> {
        let policy = self.plan.length;
        match &mut self.mode {
            Mode::Encode(e) => {
                let target = match (policy, video_end) {
                    (AudioLength::Longest, _) | (_, None) => None,
                    (_, Some(v)) => Some(v.samples(e.out.rate)),
                };
                if e.file.is_some() {
                    e.read_file(target.map_or(i64::MAX, |t| t + 1))?;
                }
                // What the converter still holds (its resampling delay) comes out.
                if let Some((_, r)) = &mut e.resampler {
                    r.convert(&[], 0, &mut e.fifo.planes)
                        .map_err(|err| Error::ffmpeg("cannot convert the audio", err))?;
                }
                if let Some(t) = target {
                    let have = e.sent + e.fifo.len() as i64;
                    if have < t && policy == AudioLength::Video {
                        let n = (t - have) as usize;
                        e.fifo.silence(n);
                        e.padded += n as u64;
                    } else if have > t {
                        let keep = (t - e.sent).max(0) as usize;
                        e.trimmed = true;
                        e.fifo.truncate(keep);
                        // What the file still holds is cut too.
                        if let Some((file, _)) = &mut e.file {
                            while let Some(_p) = file.next_packet()? {}
                        }
                    }
                }
                let damaged = e.damage_within(e.sent + e.fifo.len() as i64)?;
                e.encode_ready(mux, Limit::All)?;
                e.flush(mux)?;
                let samples = e.sent.max(0) as u64;
                Ok(AudioTrackSummary {
                    codec: e.codec_name.to_string(),
                    encoder: Some(e.encoder),
                    sample_rate: e.out.rate,
                    channels: e.out.channels,
                    samples,
                    duration: Duration::from_secs_f64(samples as f64 / f64::from(e.out.rate)),
                    padded: e.padded,
                    trimmed: e.trimmed,
                    damaged,
                })
            }
            Mode::Copy(c) => {
                let cut = match (policy, video_end) {
                    (AudioLength::Longest, _) | (_, None) => None,
                    (_, Some(v)) => Some(v.seconds()),
                };
                c.copy(mux, None, cut)?;
                let tb = c.file.time_base;
                let ticks = (c.end - c.first.unwrap_or(0)).max(0);
                let secs =
                    ticks as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1));
                Ok(AudioTrackSummary {
                    codec: c.file.codec_id.name().to_string(),
                    encoder: None,
                    sample_rate: c.file.rate,
                    channels: c.file.channels,
                    samples: (secs * f64::from(c.file.rate)).round() as u64,
                    duration: Duration::from_secs_f64(secs.max(0.0)),
                    padded: 0,
                    trimmed: c.trimmed,
                    damaged: 0,
                })
            }
        }
    }
}

/// Where the video has come: `ticks` of `time_base`, plus `extra` seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VideoEnd {
    pub(crate) ticks: i64,
    pub(crate) time_base: Rational,
    pub(crate) extra: f64,
}

impl VideoEnd {
    /// The same instant in samples at `rate`, rounded to the nearest.
    pub(crate) fn samples(&self, rate: u32) -> i64 {
        let (num, den) = (
            i128::from(self.time_base.numerator()),
            i128::from(self.time_base.denominator().max(1)),
        );
        let v = (i128::from(self.ticks) * num * i128::from(rate) * 2 + den) / (2 * den);
        let extra = (self.extra * f64::from(rate)).round() as i128;
        i64::try_from(v + extra).unwrap_or(i64::MAX)
    }

    /// The same instant in seconds.
    pub(crate) fn seconds(&self) -> f64 {
        self.ticks as f64 * f64::from(self.time_base.numerator())
            / f64::from(self.time_base.denominator().max(1))
            + self.extra
    }
}

/// Whether a file's audio of `codec` goes into `container` as it is.
fn copyable(codec: ff::codec::Id, container: Container) -> bool {
    use ff::codec::Id;
    match container {
        Container::Mp4 => matches!(
            codec,
            Id::AAC | Id::MP3 | Id::OPUS | Id::AC3 | Id::EAC3 | Id::ALAC
        ),
        Container::Mov => matches!(
            codec,
            Id::AAC
                | Id::MP3
                | Id::AC3
                | Id::ALAC
                | Id::PCM_S16LE
                | Id::PCM_S24LE
                | Id::PCM_F32LE
                | Id::PCM_S16BE
                | Id::PCM_S24BE
        ),
        Container::Mkv => !matches!(codec, Id::None) && codec != Id::PCM_U8,
        Container::Webm => matches!(codec, Id::OPUS | Id::VORBIS),
        Container::Avi => matches!(codec, Id::MP3 | Id::AC3 | Id::PCM_S16LE | Id::PCM_U8),
        Container::Ts => matches!(
            codec,
            Id::AAC | Id::MP3 | Id::AC3 | Id::EAC3 | Id::OPUS | Id::MP2
        ),
        _ => false,
    }
}

impl Encoding {
    fn open(
        plan: &AudioPlan,
        out: AudioOutput,
        input: SampleFormat,
        file: Option<(AudioFile, ff::decoder::Audio)>,
        global_header: bool,
    ) -> Result<Self> {
        let encoder = plan.encoder;
        let info = encoder.info();
        let name = encoder.name();
        let codec = ff::encoder::find_by_name(name).ok_or_else(|| {
            Error::Unsupported(format!(
                "the linked libavcodec has no '{name}' audio encoder (`encode-native info` lists the encoders it has)"
            ))
        })?;
        let format = info.sample_format(input);
        let mut audio = ff::codec::Context::new_with_codec(codec)
            .encoder()
            .audio()
            .map_err(|e| Error::ffmpeg("cannot create the audio encoder", e))?;
        audio.set_rate(out.rate as i32);
        audio.set_format(format);
        audio.set_time_base(Rational::new(1, out.rate as i32));
        if let Some(b) = out.bitrate {
            audio.set_bit_rate(usize::try_from(b).unwrap_or(usize::MAX));
        }
        if global_header {
            audio.set_flags(ff::codec::Flags::GLOBAL_HEADER);
        }
        let opts = ff::Dictionary::new();
        ffi::clear_log_lines();
        let (enc, unused) =
            ffi::open_audio_encoder(audio, codec, out.channels, opts).map_err(|e| {
                Error::ffmpeg(
                    format!(
                        "cannot open the {name} encoder ({} Hz, {} channel{})",
                        out.rate,
                        out.channels,
                        if out.channels == 1 { "" } else { "s" }
                    ),
                    e,
                )
            })?;
        if let Some(kv) = unused.first() {
            return Err(Error::Unsupported(format!(
                "the {name} encoder does not know the option {kv}"
            )));
        }
        let (_, frame_size) = ffi::audio_encoder_delay(&enc);
        let frame_size = if frame_size == 0 || ffi::variable_frame_size(&codec) {
            PCM_FRAME
        } else {
            frame_size
        };
        let mut e = Encoding {
            enc,
            codec_name: info.codec,
            encoder,
            format,
            out,
            frame_size,
            resampler: None,
            fifo: Fifo::new(format, out.channels),
            sent: 0,
            skip: 0,
            file,
            file_done: false,
            packet: ff::Packet::empty(),
            decoded: ff::frame::Audio::empty(),
            padded: 0,
            trimmed: false,
            damage: plan.damage,
            damaged: Vec::new(),
        };
        if plan.offset > 0.0 {
            let n = (plan.offset * f64::from(out.rate)).round() as usize;
            e.fifo.silence(n);
            e.padded += n as u64;
        } else if plan.offset < 0.0 {
            e.skip = (-plan.offset * f64::from(out.rate)).round() as u64;
        }
        Ok(e)
    }

    /// Converts `samples` samples of `input` (format, rate, channels) into the FIFO.
    fn convert(
        &mut self,
        planes: &[&[u8]],
        samples: usize,
        input: (Sample, u32, u16),
    ) -> Result<()> {
        let output = (self.format, self.out.rate, self.out.channels);
        if self.resampler.as_ref().is_none_or(|(k, _)| *k != input) {
            // A new input layout: what the old converter holds comes out first.
            if let Some((_, mut old)) = self.resampler.take() {
                old.convert(&[], 0, &mut self.fifo.planes)
                    .map_err(|e| Error::ffmpeg("cannot convert the audio", e))?;
            }
            let r = Resampler::new(input, output)
                .map_err(|e| Error::ffmpeg("cannot set up the audio conversion", e))?;
            self.resampler = Some((input, r));
        }
        let before = self.fifo.len();
        if let Some((_, r)) = &mut self.resampler {
            r.convert(planes, samples, &mut self.fifo.planes)
                .map_err(|e| Error::ffmpeg("cannot convert the audio", e))?;
        }
        if self.skip > 0 {
            // Only at the start (a negative offset): nothing older is waiting.
            let new = (self.fifo.len() - before) as u64;
            let drop = self.skip.min(new) as usize;
            self.fifo.skip(drop);
            self.skip -= drop as u64;
        }
        Ok(())
    }

    /// Reads and decodes the file until the FIFO reaches `to` samples of output, or its end.
    fn read_file(&mut self, to: i64) -> Result<()> {
        while !self.file_done && self.sent + (self.fifo.len() as i64) < to {
            let Some((file, decoder)) = &mut self.file else {
                return Ok(());
            };
            let name = file.name();
            let decode_error = |e| Error::ffmpeg(format!("cannot decode the audio '{name}'"), e);
            match file.next_packet() {
                Ok(Some(p)) => {
                    if let Err(e) = decoder.send_packet(&p) {
                        if file.stopped() {
                            // The packet a stop cut short: the soundtrack ends before it.
                            continue;
                        }
                        // How long the packet would have played, as silence in its place.
                        let ticks = if p.duration() > 0 {
                            p.duration()
                        } else {
                            let params = file.params.clone();
                            let n = ffi::audio_frame_samples(&params, p.size());
                            n.rescale(Rational::new(1, file.rate.max(1) as i32), file.time_base)
                        };
                        let lost =
                            ticks.rescale(file.time_base, Rational::new(1, self.out.rate as i32));
                        let what = format!("a packet of the audio '{name}' does not decode");
                        self.conceal(&what, e, lost.max(0))?;
                    }
                }
                Ok(None) => {
                    decoder.send_eof().map_err(decode_error)?;
                    self.file_done = true;
                }
                Err(e) => {
                    // The file cannot be read on: what came before it is kept. A stop that
                    // ended a wait for a pipe's data ends the soundtrack as asked: no damage.
                    let at = self.sent + self.fifo.len() as i64;
                    log::warn!("{e}: the soundtrack ends there");
                    if !e.is_interrupted() {
                        self.damaged.push((at, e.to_string()));
                    }
                    let _ = decoder.send_eof();
                    self.file_done = true;
                }
            }
            while let Some((file, decoder)) = &mut self.file {
                match decoder.receive_frame(&mut self.decoded) {
                    Ok(()) => {}
                    Err(e) if is_again_or_eof(&e) => break,
                    // What a stop cut short is not damage: the soundtrack ends before it.
                    Err(_) if file.stopped() => break,
                    Err(e) => {
                        self.conceal("the audio does not decode", e, 0)?;
                        continue;
                    }
                }
                let frame = std::mem::replace(&mut self.decoded, ff::frame::Audio::empty());
                let input = (frame.format(), frame.rate(), ffi::audio_channels(&frame));
                let planes = ffi::audio_planes(&frame);
                self.convert(&planes, frame.samples(), input)?;
                self.decoded = frame;
            }
        }
        if self.file_done {
            // The converter's last samples.
            if let Some((_, r)) = &mut self.resampler {
                r.convert(&[], 0, &mut self.fifo.planes)
                    .map_err(|e| Error::ffmpeg("cannot convert the audio", e))?;
            }
        }
        Ok(())
    }

    /// A packet of the file that does not decode: an error (setting `audio_damage=error`), or
    /// `samples` of silence in its place, a warning, and one more damaged packet counted.
    fn conceal(&mut self, what: &str, e: ff::Error, samples: i64) -> Result<()> {
        let at = self.sent + self.fifo.len() as i64;
        let said = Error::ffmpeg(what.to_string(), e).to_string();
        log::warn!("{said}: {samples} samples of silence in its place");
        self.damaged.push((at, said));
        let n = usize::try_from(samples).unwrap_or(0);
        self.fifo.silence(n);
        Ok(())
    }

    /// The damaged packets inside the soundtrack kept (`end` samples): their count, or with
    /// `audio_damage=error` the first one's error. Damage in what was read ahead of the
    /// video's end and cut off does not count.
    fn damage_within(&self, end: i64) -> Result<u64> {
        let mut inside = self.damaged.iter().filter(|(at, _)| *at < end);
        if self.damage == AudioDamage::Error {
            if let Some((at, said)) = inside.next() {
                return Err(Error::Unsupported(format!(
                    "{said} (at {:.3} s; audio_damage=conceal would put silence in its place)",
                    *at as f64 / f64::from(self.out.rate.max(1))
                )));
            }
            return Ok(0);
        }
        Ok(inside.count() as u64)
    }

    /// Encodes frames from the FIFO as far as `limit` allows.
    fn encode_ready(&mut self, mux: &mut dyn PacketOut, limit: Limit) -> Result<()> {
        loop {
            let waiting = self.fifo.len();
            if waiting == 0 {
                return Ok(());
            }
            let n = waiting.min(self.frame_size);
            let end = self.sent + n as i64;
            let whole = n == self.frame_size;
            let allowed = match limit {
                Limit::All => true,
                Limit::Whole => whole,
                Limit::Upto { samples } => whole && end <= samples,
            };
            if !allowed {
                return Ok(());
            }
            let mut frame = ffi::audio_frame(self.format, n, self.out.channels, self.out.rate)
                .map_err(|e| Error::ffmpeg("cannot allocate an audio frame", e))?;
            self.fifo.take_into(n, &mut frame);
            frame.set_pts(Some(self.sent));
            self.sent = end;
            self.enc
                .send_frame(&frame)
                .map_err(|e| Error::ffmpeg("the audio encoder refused a frame", e))?;
            self.drain(mux)?;
        }
    }

    fn drain(&mut self, mux: &mut dyn PacketOut) -> Result<()> {
        loop {
            match self.enc.receive_packet(&mut self.packet) {
                Ok(()) => mux.write(&mut self.packet, Rational::new(1, self.out.rate as i32))?,
                Err(e) if is_again_or_eof(&e) => return Ok(()),
                Err(e) => return Err(Error::ffmpeg("audio encoding failed", e)),
            }
        }
    }

    fn flush(&mut self, mux: &mut dyn PacketOut) -> Result<()> {
        self.enc
            .send_eof()
            .map_err(|e| Error::ffmpeg("cannot finish the audio encoder", e))?;
        self.drain(mux)
    }
}

impl Copying {
    fn end_seconds(&self) -> f64 {
        let tb = self.file.time_base;
        self.end as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1))
    }

    fn seconds(&self, ts: i64) -> f64 {
        let tb = self.file.time_base;
        ts as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1))
    }

    /// Reads the next packet into `held` if none is held.
    fn fill_held(&mut self) -> Result<()> {
        if self.held.is_none() {
            if let Some(mut p) = self.file.next_packet()? {
                p.set_pts(p.pts().map(|t| t.saturating_add(self.shift)));
                p.set_dts(p.dts().map(|t| t.saturating_add(self.shift)));
                self.held = Some(p);
            }
        }
        Ok(())
    }

    /// Copies packets that start before `to` seconds (`None`: to the end), none that start
    /// at or after `cut` seconds.
    fn copy(&mut self, mux: &mut dyn PacketOut, to: Option<f64>, cut: Option<f64>) -> Result<()> {
        loop {
            self.fill_held()?;
            let Some(p) = &self.held else {
                return Ok(());
            };
            let at = p.pts().or(p.dts()).unwrap_or(self.end);
            let secs = self.seconds(at);
            if cut.is_some_and(|c| secs >= c) {
                if to.is_none() {
                    // The end: the rest is cut.
                    self.trimmed = true;
                    self.held = None;
                    while self.file.next_packet()?.is_some() {}
                }
                return Ok(());
            }
            if to.is_some_and(|t| secs >= t) {
                return Ok(());
            }
            let Some(mut p) = self.held.take() else {
                return Ok(());
            };
            self.first = Some(self.first.map_or(at, |f| f.min(at)));
            self.end = self.end.max(at.saturating_add(p.duration().max(0)));
            p.set_position(-1);
            mux.write(&mut p, self.file.time_base)?;
        }
    }
}

/// The [`Rejoiner`] for an audio stream like `params` (see [`Rejoin::for_params`]).
pub(crate) fn rejoiner(
    params: &ff::codec::Parameters,
    container: Container,
    global_header: bool,
) -> Result<Option<Box<dyn Rejoiner>>> {
    Ok(Rejoin::for_params(params, container, global_header)?
        .map(|r| Box::new(r) as Box<dyn Rejoiner>))
}

impl Rejoiner for Rejoin {
    fn time_base(&self) -> Rational {
        Rejoin::time_base(self)
    }
    fn parameters(&self) -> ff::codec::Parameters {
        Rejoin::parameters(self)
    }
    fn start(
        &mut self,
        params: &ff::codec::Parameters,
        time_base: Rational,
        duration: i64,
    ) -> Result<()> {
        Rejoin::start(self, params, time_base, duration)
    }
    fn packet(&mut self, packet: &ff::Packet, out: &mut dyn PacketOut) -> Result<()> {
        Rejoin::packet(self, packet, out)
    }
    fn end_input(&mut self, out: &mut dyn PacketOut) -> Result<()> {
        Rejoin::end_input(self, out)
    }
    fn finish(&mut self, out: &mut dyn PacketOut) -> Result<AudioTrackSummary> {
        Rejoin::finish(self, out)
    }
}

/// A soundtrack decoded from several inputs in turn and encoded again as one: what joining
/// segments of lossy audio needs to be sample-exact. Each segment's decoder drops that
/// segment's priming and end padding, as a player of the segment alone does, and the one
/// encoder primes the joined soundtrack once; copied packets would keep every segment's
/// priming and padding in the middle of the stream, where no container can trim them.
pub(crate) struct Rejoin {
    track: AudioTrack,
    decoder: Option<ff::decoder::Audio>,
    frame: ff::frame::Audio,
    rate: u32,
    /// The current input's timeline, where it counts samples exactly (a time base at least
    /// as fine as the sample rate, as MP4's); then its decoder drops nothing itself and the
    /// samples are counted here.
    timeline: Option<Timeline>,
}

impl Rejoin {
    /// An encoder for audio like `params` (the same codec, rate, channels and bit rate), or
    /// `None` where copying is exact already (PCM, FLAC: no priming, and a short last frame
    /// says its own length) or the codec has no encoder in the table (then it is copied).
    pub(crate) fn for_params(
        params: &ff::codec::Parameters,
        container: Container,
        global_header: bool,
    ) -> Result<Option<Self>> {
        use ff::codec::Id;
        let encoder = match params.id() {
            Id::AAC => AudioEncoder::Aac,
            Id::MP3 => AudioEncoder::Libmp3lame,
            Id::OPUS => AudioEncoder::Libopus,
            _ => return Ok(None),
        };
        if !ffi::has_encoder(encoder.name()) {
            return Ok(None);
        }
        let (rate, channels) = ffi::audio_rate_and_channels(params);
        if rate == 0 || channels == 0 {
            return Ok(None);
        }
        // The input's bit rate, within what the encoder takes.
        let bits = ffi::bit_rate(params);
        let bitrate = match encoder.info().bitrate_per_channel {
            Some((low, high)) if bits > 0 => {
                Some((bits / u64::from(channels)).clamp(low, high) * u64::from(channels))
            }
            _ => None,
        };
        let plan = AudioPlan {
            source: AudioSource::Samples,
            encoder,
            may_copy: false,
            rate: Some(rate),
            channels: Some(channels),
            bitrate,
            offset: 0.0,
            stream: None,
            length: AudioLength::Longest,
            damage: AudioDamage::Error,
            ahead: f64::INFINITY,
            sample_format: SampleFormat::F32,
        };
        Ok(Some(Rejoin {
            track: AudioTrack::open(&plan, container, global_header, &InputWaits::default())?,
            decoder: None,
            frame: ff::frame::Audio::empty(),
            rate,
            timeline: None,
        }))
    }

    /// The time base of the packets it writes.
    pub(crate) fn time_base(&self) -> Rational {
        self.track.time_base()
    }

    /// The encoder's codec parameters, for the output stream.
    pub(crate) fn parameters(&self) -> ff::codec::Parameters {
        self.track.parameters()
    }

    /// Starts the next input, whose audio stream has `params` and time base `time_base`.
    pub(crate) fn start(
        &mut self,
        params: &ff::codec::Parameters,
        time_base: ff::Rational,
        duration: i64,
    ) -> Result<()> {
        let exact = time_base.numerator() == 1
            && i64::from(time_base.denominator()) >= i64::from(self.rate);
        self.timeline = exact.then_some(Timeline {
            time_base,
            params: params.clone(),
            first: None,
            skip: 0,
            end: i64::MIN,
            decoded: 0,
            stated: (duration > 0)
                .then(|| duration.rescale(time_base, Rational::new(1, self.rate as i32))),
        });
        let mut ctx = ff::codec::Context::from_parameters(params.clone())
            .map_err(|e| Error::ffmpeg("cannot read the audio of a segment", e))?;
        if exact {
            // The decoder gives every sample, priming and padding too; they are cut here by
            // count, the same way on every FFmpeg version.
            ffi::skip_samples_manually(&mut ctx);
        }
        let decoder = ctx
            .decoder()
            .audio()
            .map_err(|e| Error::ffmpeg("cannot open the audio decoder of a segment", e))?;
        self.decoder = Some(decoder);
        Ok(())
    }

    /// Decodes one packet of the current input and encodes what it gives.
    pub(crate) fn packet(&mut self, packet: &ff::Packet, out: &mut dyn PacketOut) -> Result<()> {
        let Some(decoder) = &mut self.decoder else {
            return Ok(());
        };
        if let Some(t) = &mut self.timeline {
            // AV_PKT_DATA_SKIP_SAMPLES: samples to skip at the start, then to discard at the
            // end of this packet, two little-endian 32-bit counts.
            let side = packet
                .side_data()
                .find(|d| d.kind() == ff::codec::packet::side_data::Type::SkipSamples)
                .map(|d| d.data().to_vec())
                .unwrap_or_default();
            let word = |at: usize| {
                side.get(at..at + 4).map_or(0, |b| {
                    i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                })
            };
            let (skip, discard) = (word(0), word(4));
            let samples = Rational::new(1, self.rate as i32);
            // A packet without timestamps (a parser's) follows the one before.
            let at = packet
                .pts()
                .or(packet.dts())
                .map(|ts| ts.rescale(t.time_base, samples))
                .unwrap_or_else(|| t.end.max(t.first.unwrap_or(0)));
            if t.first.is_none() {
                t.first = Some(at);
                t.skip = skip;
            }
            // The packet's samples end at its duration, or before its padding: versions
            // differ in which of the two they shorten (5.1 the duration, 8.1 neither but the
            // discard count, 9.0 both for AAC), so the shorter of the two counts.
            let whole = ffi::audio_frame_samples(&t.params, packet.size());
            let dur = match packet.duration() {
                d if d > 0 => d.rescale(t.time_base, samples),
                _ => whole,
            };
            let last = if whole > 0 && discard > 0 {
                dur.min(whole - discard)
            } else {
                dur - discard
            };
            t.end = t.end.max(at.saturating_add(last.max(0)));
        }
        decoder
            .send_packet(packet)
            .map_err(|e| Error::ffmpeg("cannot decode the audio of a segment", e))?;
        self.drain(out)
    }

    /// Ends the current input: what its decoder still holds is encoded.
    pub(crate) fn end_input(&mut self, out: &mut dyn PacketOut) -> Result<()> {
        if let Some(decoder) = &mut self.decoder {
            decoder
                .send_eof()
                .map_err(|e| Error::ffmpeg("cannot finish decoding the audio of a segment", e))?;
            self.drain(out)?;
        }
        self.decoder = None;
        Ok(())
    }

    /// Ends the joined soundtrack; returns its summary (every sample decoded is in it).
    pub(crate) fn finish(&mut self, out: &mut dyn PacketOut) -> Result<AudioTrackSummary> {
        self.end_input(out)?;
        self.track.finish(out, None)
    }

    fn drain(&mut self, out: &mut dyn PacketOut) -> Result<()> {
        let Some(decoder) = &mut self.decoder else {
            return Ok(());
        };
        loop {
            match decoder.receive_frame(&mut self.frame) {
                Ok(()) => {}
                Err(e) if is_again_or_eof(&e) => return Ok(()),
                Err(e) => return Err(Error::ffmpeg("cannot decode the audio of a segment", e)),
            }
            let mut chunk = Chunk::of_frame(&self.frame)?;
            // Only the samples inside the input's timeline are kept, counted from the first
            // packet's start: past the priming its first packet says to skip, up to the last
            // packet's end less the padding it says to discard (FFmpeg 5.1's MP4 demuxer
            // shortens the last packet instead).
            if let Some(t) = &mut self.timeline {
                if let Some(first) = t.first {
                    let n = chunk.samples() as i64;
                    let hi = t.end - first;
                    let hi = t.stated.map_or(hi, |d| hi.min(t.skip + d));
                    let lo = t.skip;
                    let from = (lo - t.decoded).clamp(0, n);
                    let to = (hi - t.decoded).clamp(0, n);
                    t.decoded += n;
                    chunk.window(
                        usize::try_from(from).unwrap_or(0),
                        usize::try_from((to - from).max(0)).unwrap_or(0),
                    );
                }
            }
            if chunk.samples() == 0 {
                continue;
            }
            let start = VideoEnd {
                ticks: 0,
                time_base: Rational::new(1, 1),
                extra: 0.0,
            };
            self.track.push(chunk, out, start)?;
        }
    }
}

/// An input's audio timeline in samples, for [`Rejoin`].
struct Timeline {
    time_base: ff::Rational,
    params: ff::codec::Parameters,
    /// The first packet's time, and the samples it says to skip (the priming).
    first: Option<i64>,
    skip: i64,
    /// The latest packet end, less the padding the last says to discard.
    end: i64,
    /// Samples the decoder has given so far.
    decoded: i64,
    /// How long the container says the sound plays (an MP4 edit list): FFmpeg 8.1's MP4
    /// demuxer says no more of MP3's end padding.
    stated: Option<i64>,
}

impl Chunk {
    /// Samples per channel.
    fn samples(&self) -> usize {
        self.bytes.len() / (self.format.bytes() * usize::from(self.channels.max(1)))
    }

    /// Keeps `n` samples (per channel) from the `skip`th on.
    fn window(&mut self, skip: usize, n: usize) {
        let have = self.samples();
        let skip = skip.min(have);
        let n = n.min(have - skip);
        if skip == 0 && n == have {
            return;
        }
        let width = self.format.bytes();
        if self.planar {
            let plane = have * width;
            self.bytes = self
                .bytes
                .chunks_exact(plane)
                .flat_map(|p| &p[skip * width..(skip + n) * width])
                .copied()
                .collect();
        } else {
            let step = width * usize::from(self.channels.max(1));
            self.bytes = self.bytes[skip * step..(skip + n) * step].to_vec();
        }
    }

    /// The samples of a decoded frame.
    fn of_frame(frame: &ff::frame::Audio) -> Result<Self> {
        let format = frame.format();
        let planar = format.is_planar();
        let family = match format {
            Sample::I16(_) => SampleFormat::I16,
            Sample::I32(_) => SampleFormat::I32,
            Sample::F32(_) => SampleFormat::F32,
            Sample::F64(_) => SampleFormat::F64,
            other => {
                return Err(Error::Unsupported(format!(
                    "decoded audio in {other:?} samples cannot be encoded again"
                )))
            }
        };
        let channels = ffi::audio_channels(frame);
        let bytes = ffi::audio_planes(frame).concat();
        Ok(Chunk {
            bytes,
            format: family,
            channels,
            planar,
        })
    }
}
