//! The soundtrack encoded: samples pushed or decoded from a file → libswresample → the
//! FIFO → the encoder's frames → packets, with the damage policy for a file's packets.

use ff::format::Sample;
use ff::{Rational, Rescale};
use ffmpeg_next as ff;

use crate::av::is_again_or_eof;
use crate::config::{AudioDamage, AudioEncoder, SampleFormat};
use crate::error::{Error, Result};
use crate::ffi::{self, Resampler};
use crate::output::stream::PacketOut;
use crate::plan::{AudioOutput, AudioPlan};

use super::fifo::Fifo;
use super::source::AudioFile;
use super::PCM_FRAME;

/// How many of the waiting samples may be encoded now.
#[derive(Debug, Clone, Copy)]
pub(super) enum Limit {
    /// Whole frames that end by `samples`.
    Upto { samples: i64 },
    /// Every whole frame.
    Whole,
    /// Everything, the last shorter frame too (the end).
    All,
}

pub(super) struct Encoding {
    pub(super) enc: ff::encoder::audio::Encoder,
    pub(super) codec_name: &'static str,
    pub(super) encoder: AudioEncoder,
    pub(super) format: Sample,
    pub(super) out: AudioOutput,
    pub(super) frame_size: usize,
    /// Samples of silence the encoder needs after the last ones to hand them over: its
    /// priming, for an encoder that shifts its output by it without holding input back (AC-3,
    /// E-AC-3: no flushing at the end); 0 for the others.
    pub(super) tail: usize,
    pub(super) resampler: Option<((Sample, u32, u16), Resampler)>,
    pub(super) fifo: Fifo,
    /// Samples given to the encoder so far (silence included).
    pub(super) sent: i64,
    /// Output samples still to drop from the start (a negative offset).
    pub(super) skip: u64,
    pub(super) file: Option<(AudioFile, ff::decoder::Audio)>,
    pub(super) file_done: bool,
    pub(super) packet: ff::Packet,
    pub(super) decoded: ff::frame::Audio,
    pub(super) padded: u64,
    pub(super) trimmed: bool,
    /// What a packet that does not decode does, and where each one was concealed (the
    /// sample it starts at) with what FFmpeg said: only those before the soundtrack's end
    /// count, and with `audio_damage=error` fail the encode at its end.
    pub(super) damage: AudioDamage,
    pub(super) damaged: Vec<(i64, String)>,
}

impl Encoding {
    pub(super) fn open(
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
        let (padding, frame_size) = ffi::audio_encoder_delay(&enc);
        let tail = if codec
            .capabilities()
            .contains(ff::codec::Capabilities::DELAY)
        {
            0
        } else {
            usize::try_from(padding).unwrap_or(0)
        };
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
            tail,
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
    pub(super) fn convert(
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
    pub(super) fn read_file(&mut self, to: i64) -> Result<()> {
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
    pub(super) fn conceal(&mut self, what: &str, e: ff::Error, samples: i64) -> Result<()> {
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
    pub(super) fn damage_within(&self, end: i64) -> Result<u64> {
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
    pub(super) fn encode_ready(&mut self, mux: &mut dyn PacketOut, limit: Limit) -> Result<()> {
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

    pub(super) fn drain(&mut self, mux: &mut dyn PacketOut) -> Result<()> {
        loop {
            match self.enc.receive_packet(&mut self.packet) {
                Ok(()) => mux.write(&mut self.packet, Rational::new(1, self.out.rate as i32))?,
                Err(e) if is_again_or_eof(&e) => return Ok(()),
                Err(e) => return Err(Error::ffmpeg("audio encoding failed", e)),
            }
        }
    }

    /// Puts the silence the encoder needs behind the last samples (`tail`) into the FIFO,
    /// before the last frame is sent; returns how many samples that is, which are not the
    /// soundtrack's.
    pub(super) fn pad_tail(&mut self) -> u64 {
        if self.tail == 0 || self.sent + (self.fifo.len() as i64) <= 0 {
            return 0;
        }
        self.fifo.silence(self.tail);
        self.tail as u64
    }

    pub(super) fn flush(&mut self, mux: &mut dyn PacketOut) -> Result<()> {
        self.enc
            .send_eof()
            .map_err(|e| Error::ffmpeg("cannot finish the audio encoder", e))?;
        self.drain(mux)
    }
}
