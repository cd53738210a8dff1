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

mod copying;
mod encoding;
mod fifo;
mod rejoin;
mod source;
mod thread;

use std::time::Duration;

use ff::format::Sample;
use ff::Rational;
use ffmpeg_next as ff;

pub(crate) use rejoin::rejoiner;
use source::AudioFile;
pub(crate) use source::InputWaits;
pub use source::{StopCheck, WaitNotice};
pub(crate) use thread::AudioThread;

use copying::Copying;
use encoding::{Encoding, Limit};

use crate::config::{AudioLength, AudioSource, Container, SampleFormat};
use crate::error::{Error, Result};
use crate::ffi;
use crate::output::stream::{PacketOut, StreamSpec};
use crate::plan::{AudioPlan, MAX_CHANNELS};
use crate::samples::AudioSamples;
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

    /// Whether its samples are the ones the caller pushes (not a file's).
    pub(crate) fn takes_pushed(&self) -> bool {
        matches!(self.plan.source, AudioSource::Samples)
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
                let tail = e.pad_tail();
                e.encode_ready(mux, Limit::All)?;
                e.flush(mux)?;
                let samples = (e.sent.max(0) as u64).saturating_sub(tail);
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
