//! [`Verified`]: a damaged file's packets in decode order, handed out only while each is
//! complete (inside the file, inside its `mdat`, not flagged corrupt) and decodes without any
//! error: a decode-order prefix is self-contained, so the first packet that fails ends it.

use std::collections::VecDeque;
use std::path::Path;

use ffmpeg_next as ff;

use ff::Rescale;

use crate::error::{Error, Result};
use crate::output::copy::{Packets, Source, Track};

use super::layout::Extent;
/// A decoder that lets nothing pass unnoticed: one thread (errors belong to the packet just
/// sent), no concealment, every error check on and fatal.
pub(crate) fn strict_decoder(src: &Source) -> Result<ff::decoder::Video> {
    let cannot = |e| Error::ffmpeg(format!("cannot decode '{}'", src.path.display()), e);
    let mut ctx = ff::codec::Context::from_parameters(src.params.clone()).map_err(cannot)?;
    ctx.set_threading(ff::threading::Config {
        kind: ff::threading::Type::None,
        count: 1,
        ..Default::default()
    });
    let mut dec = ctx.decoder();
    dec.conceal(ff::codec::decoder::Conceal::empty());
    dec.check(
        ff::codec::decoder::Check::CRC
            | ff::codec::decoder::Check::BITSTREAM
            | ff::codec::decoder::Check::BUFFER
            | ff::codec::decoder::Check::EXPLODE,
    );
    dec.set_packet_time_base(src.time_base);
    dec.video().map_err(cannot)
}

/// A decoder for audio track `track` of the file `path` that fails on any error.
pub(crate) fn strict_audio_decoder(path: &Path, track: &Track) -> Result<ff::decoder::Audio> {
    let cannot = |e| Error::ffmpeg(format!("cannot decode '{}'", path.display()), e);
    let mut ctx = ff::codec::Context::from_parameters(track.params.clone()).map_err(cannot)?;
    ctx.set_threading(ff::threading::Config {
        kind: ff::threading::Type::None,
        count: 1,
        ..Default::default()
    });
    let mut dec = ctx.decoder();
    dec.conceal(ff::codec::decoder::Conceal::empty());
    dec.check(
        ff::codec::decoder::Check::CRC
            | ff::codec::decoder::Check::BITSTREAM
            | ff::codec::decoder::Check::BUFFER
            | ff::codec::decoder::Check::EXPLODE,
    );
    dec.set_packet_time_base(track.time_base);
    dec.audio().map_err(cannot)
}

/// A packet read and sent to the decoder, waiting for its picture.
pub(crate) struct Pending {
    packet: ff::Packet,
    pts: i64,
    decoded: bool,
}

/// The packets of a source that are complete and decode cleanly, in decode order. Audio
/// packets are checked too (whole, not flagged damaged, and decoded), and are handed out once
/// the video handed out reaches their end: where the file is cut, those that start after the
/// video's end are left out (the copy cuts the one that runs past it) where the copy can cut
/// it (MP4 and MOV, PCM), and elsewhere those that end after it.
pub(crate) struct Verified {
    src: Source,
    extent: Extent,
    decoder: ff::decoder::Video,
    /// Sent to the decoder, oldest first; the front ones are handed out once decoded.
    pending: VecDeque<Pending>,
    /// Why the packets stopped (for messages), once they have.
    stopped: Option<String>,
    /// Every packet from here on is dropped.
    done: bool,
    /// The file was read to its end, it is not cut, and every packet in it is whole.
    clean: bool,
    read: u64,
    /// One decoder for each audio track.
    audio_decoders: Vec<ff::decoder::Audio>,
    /// Audio packets checked, with their audio track and where they end (their time base),
    /// waiting for the video to reach them.
    audio: VecDeque<(usize, ff::Packet, i64)>,
    /// Where the video handed out so far ends (the video's time base).
    video_end: Option<i64>,
    /// Audio packets read, for messages.
    audio_read: u64,
}

impl Verified {
    /// Reads `src`, whose file has the layout `extent`.
    pub(crate) fn new(src: Source, extent: Extent) -> Result<Self> {
        let decoder = strict_decoder(&src)?;
        let audio_decoders = src
            .audio()
            .iter()
            .map(|t| strict_audio_decoder(&src.path, t))
            .collect::<Result<Vec<_>>>()?;
        Ok(Verified {
            src,
            extent,
            decoder,
            pending: VecDeque::new(),
            stopped: None,
            done: false,
            clean: false,
            read: 0,
            audio_decoders,
            audio: VecDeque::new(),
            video_end: None,
            audio_read: 0,
        })
    }

    /// The source read.
    pub(crate) fn source(&self) -> &Source {
        &self.src
    }

    /// Why the packets stopped before the end of the file, if they did.
    pub(crate) fn stopped(&self) -> Option<&str> {
        self.stopped.as_deref()
    }

    /// Whether at least one packet is handed out; reads until it knows.
    pub(crate) fn any(&mut self) -> bool {
        while !self.front_ready() && !self.done {
            self.step();
        }
        self.front_ready()
    }

    fn front_ready(&self) -> bool {
        self.pending.front().is_some_and(|p| p.decoded)
    }

    /// Ends the packets at `index` of `pending` (that one and all after it are dropped),
    /// after the decoder has given back the pictures of those before it.
    fn stop(&mut self, index: usize, why: String) {
        self.done = true;
        self.pending.truncate(index);
        self.drain(true);
        // Those before the first without a clean picture are kept.
        let clean = self
            .pending
            .iter()
            .position(|p| !p.decoded)
            .unwrap_or(self.pending.len());
        self.pending.truncate(clean);
        if !why.is_empty() {
            self.stopped.get_or_insert(why);
        }
    }

    /// Takes the decoder's pictures; marks their packets decoded, or stops at a bad one.
    /// With `eof`, flushes the decoder first.
    fn drain(&mut self, eof: bool) {
        if eof && self.decoder.send_eof().is_err() {
            return;
        }
        let mut frame = ff::frame::Video::empty();
        loop {
            match self.decoder.receive_frame(&mut frame) {
                Ok(()) => {}
                Err(ff::Error::Eof) => return,
                Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => return,
                Err(e) => {
                    // The picture that failed is not known: keep only what is decoded.
                    let first = self
                        .pending
                        .iter()
                        .position(|p| !p.decoded)
                        .unwrap_or(self.pending.len());
                    if !self.done {
                        self.stop(first, format!("it does not decode ({e})"));
                    }
                    return;
                }
            }
            // A packet without a presentation time (AVI) gives its picture the decode time.
            let at = frame
                .pts()
                .or_else(|| frame.timestamp())
                .and_then(|pts| self.pending.iter().position(|p| p.pts == pts));
            match at {
                Some(i) if !frame.is_corrupt() => self.pending[i].decoded = true,
                Some(i) => {
                    if !self.done {
                        self.stop(i, "its picture decodes damaged".into());
                        return;
                    }
                    self.pending.truncate(i);
                }
                None => {
                    let first = self
                        .pending
                        .iter()
                        .position(|p| !p.decoded)
                        .unwrap_or(self.pending.len());
                    if !self.done {
                        self.stop(
                            first,
                            "a picture came out that no packet is known for".into(),
                        );
                        return;
                    }
                    self.pending.truncate(first);
                }
            }
        }
    }

    /// Reads, checks and decodes one more packet.
    fn step(&mut self) {
        let mut packet = ff::Packet::empty();
        match packet.read(&mut self.src.ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => {
                self.clean = !self.extent.cut;
                self.stop(self.pending.len(), String::new());
                return;
            }
            Err(e) => {
                let n = self.pending.len();
                self.stop(n, format!("the file cannot be read further ({e})"));
                return;
            }
        }
        if packet.stream() != self.src.index {
            if let Some(k) = self.src.track_of(packet.stream()) {
                self.step_audio(k - 1, packet);
            }
            return;
        }
        self.read += 1;
        let n = self.pending.len();
        let frame = self.read;
        let problem = if packet.is_corrupt() {
            Some("it is flagged damaged".to_string())
        } else if packet.size() == 0 {
            Some("it is empty".to_string())
        } else if let Some(why) = self.extent.incomplete(packet.position(), packet.size()) {
            Some(format!("it is cut off: {why}"))
        } else {
            // AVI stores decode timestamps only: they are the presentation order there.
            match packet.pts().or(packet.dts()) {
                None => Some("it has no timestamp".to_string()),
                Some(pts) if self.pending.iter().any(|p| p.pts == pts) => {
                    Some("its timestamp repeats".to_string())
                }
                Some(_) => None,
            }
        };
        if let Some(p) = problem {
            self.stop(n, format!("packet {frame} is not whole: {p}"));
            return;
        }
        if let Err(e) = self.decoder.send_packet(&packet) {
            self.stop(n, format!("packet {frame} does not decode ({e})"));
            return;
        }
        let pts = packet.pts().or(packet.dts()).unwrap_or(0);
        self.pending.push_back(Pending {
            packet,
            pts,
            decoded: false,
        });
        self.drain(false);
    }

    /// Checks and decodes audio packet `packet` of audio track `a`, and queues it; a packet
    /// that is not whole or does not decode ends every stream there (the video keeps what
    /// decoded before it).
    fn step_audio(&mut self, a: usize, packet: ff::Packet) {
        if self.done {
            return;
        }
        self.audio_read += 1;
        let n = self.pending.len();
        let which = format!("audio packet {} (stream {})", self.audio_read, a + 1);
        let problem = if packet.is_corrupt() {
            Some("it is flagged damaged".to_string())
        } else if packet.size() == 0 {
            Some("it is empty".to_string())
        } else if let Some(why) = self.extent.incomplete(packet.position(), packet.size()) {
            Some(format!("it is cut off: {why}"))
        } else if packet.pts().or(packet.dts()).is_none() {
            Some("it has no timestamp".to_string())
        } else {
            None
        };
        if let Some(p) = problem {
            self.stop(n, format!("{which} is not whole: {p}"));
            return;
        }
        let decoder = &mut self.audio_decoders[a];
        let mut decoded = decoder.send_packet(&packet).map_err(|e| e.to_string());
        let mut frame = ff::frame::Audio::empty();
        while decoded.is_ok() {
            match decoder.receive_frame(&mut frame) {
                Ok(()) if frame.is_corrupt() => decoded = Err("it decodes damaged".into()),
                Ok(()) => {}
                Err(ff::Error::Eof) => break,
                Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => break,
                Err(e) => decoded = Err(e.to_string()),
            }
        }
        if let Err(e) = decoded {
            self.stop(n, format!("{which} does not decode ({e})"));
            return;
        }
        let track = &self.src.audio()[a];
        let at = packet.pts().or(packet.dts()).unwrap_or(0);
        let duration = if packet.duration() > 0 {
            packet.duration()
        } else {
            track.audio_duration(packet.size())
        };
        self.audio
            .push_back((a, packet, at.saturating_add(duration)));
    }

    /// Whether the video handed out reaches the end `end` of a packet of audio track `a`.
    /// Whether the copy can end audio track `a` at the video's end (see `Copy::cuts_tail`):
    /// in MP4 and MOV, and PCM anywhere. Elsewhere only packets that end within the video
    /// are handed out of a cut file.
    fn cuttable(&self, a: usize) -> bool {
        self.src.ictx.format().name().contains("mp4")
            || self.src.audio()[a].params.id().name().starts_with("pcm_")
    }

    fn covered(&self, a: usize, end: i64) -> bool {
        let Some(video_end) = self.video_end else {
            return false;
        };
        let (atb, vtb) = (self.src.audio()[a].time_base, self.src.time_base);
        // end * atb <= video_end * vtb, exactly.
        i128::from(end) * i128::from(atb.numerator()) * i128::from(vtb.denominator())
            <= i128::from(video_end) * i128::from(vtb.numerator()) * i128::from(atb.denominator())
    }

    /// Where a video packet ends: its presentation time and duration (or one frame).
    fn video_packet_end(&self, p: &ff::Packet) -> i64 {
        let at = p.pts().or(p.dts()).unwrap_or(0);
        let duration = if p.duration() > 0 {
            p.duration()
        } else if self.src.rate.numerator() > 0 && self.src.rate.denominator() > 0 {
            1i64.rescale(self.src.rate.invert(), self.src.time_base)
        } else {
            0
        };
        at.saturating_add(duration)
    }
}

impl Packets for Verified {
    fn next_packet(&mut self) -> Result<Option<ff::Packet>> {
        loop {
            if let Some((a, _, end)) = self.audio.front() {
                if self.covered(*a, *end) {
                    return Ok(self.audio.pop_front().map(|(_, p, _)| p));
                }
            }
            if self.front_ready() {
                let packet = self.pending.pop_front().map(|p| p.packet);
                if let Some(p) = &packet {
                    let end = self.video_packet_end(p);
                    self.video_end = Some(self.video_end.map_or(end, |e| e.max(end)));
                }
                return Ok(packet);
            }
            if self.done {
                // The video is all out. A whole file keeps all its audio; a cut one only what
                // starts within the video (the copy cuts what runs past its end).
                if !self.clean {
                    let audio = std::mem::take(&mut self.audio);
                    self.audio = audio
                        .into_iter()
                        .filter(|(a, p, end)| {
                            let start = p.pts().or(p.dts()).unwrap_or(0);
                            self.covered(*a, if self.cuttable(*a) { start } else { *end })
                        })
                        .collect();
                }
                return Ok(self.audio.pop_front().map(|(_, p, _)| p));
            }
            self.step();
        }
    }

    fn source(&self) -> &Source {
        &self.src
    }
}
