//! Lossy sound joined sample-exactly across segments: decoded from each and encoded again as
//! one ([`Rejoin`], the output's [`Rejoiner`](crate::output::copy::Rejoiner)).

use ff::{Rational, Rescale};
use ffmpeg_next as ff;

use crate::av::is_again_or_eof;
use crate::config::{AudioDamage, AudioEncoder, AudioLength, AudioSource, Container, SampleFormat};
use crate::error::{Error, Result};
use crate::ffi;
use crate::output::copy::Rejoiner;
use crate::output::stream::PacketOut;
use crate::plan::AudioPlan;
use crate::summary::AudioTrackSummary;

use super::source::InputWaits;
use super::{AudioTrack, Chunk, VideoEnd};

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
    pub(super) track: AudioTrack,
    pub(super) decoder: Option<ff::decoder::Audio>,
    pub(super) frame: ff::frame::Audio,
    pub(super) rate: u32,
    /// The current input's timeline, where it counts samples exactly (a time base at least
    /// as fine as the sample rate, as MP4's); then its decoder drops nothing itself and the
    /// samples are counted here.
    pub(super) timeline: Option<Timeline>,
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
                let bits = (bits / u64::from(channels)).clamp(low, high) * u64::from(channels);
                Some(encoder.info().max_bitrate.map_or(bits, |max| bits.min(max)))
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

    pub(super) fn drain(&mut self, out: &mut dyn PacketOut) -> Result<()> {
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
pub(super) struct Timeline {
    pub(super) time_base: ff::Rational,
    pub(super) params: ff::codec::Parameters,
    /// The first packet's time, and the samples it says to skip (the priming).
    pub(super) first: Option<i64>,
    pub(super) skip: i64,
    /// The latest packet end, less the padding the last says to discard.
    pub(super) end: i64,
    /// Samples the decoder has given so far.
    pub(super) decoded: i64,
    /// How long the container says the sound plays (an MP4 edit list): FFmpeg 8.1's MP4
    /// demuxer says no more of MP3's end padding.
    pub(super) stated: Option<i64>,
}
