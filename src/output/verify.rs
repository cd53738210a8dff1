//! What a damaged file still holds, checked rather than assumed.
//!
//! [`Extent`] decides how much of a file libavformat may read: for an MP4/MOV, the top-level
//! boxes are walked and the file is cut before the first box that is incomplete (except the
//! sample data, `mdat`, whose complete samples are kept); an MPEG-TS is cut at a whole number
//! of 188-byte packets. [`Verified`] then hands out packets in decode order only while each is
//! complete (inside the file, inside its `mdat`, not flagged corrupt) and decodes without any
//! error: a decode-order prefix is self-contained, so the first packet that fails ends it.
//! [`check_segment`] is the quicker check `concat` makes of a finished file.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ffmpeg_next as ff;

use ff::Rescale;

use super::copy::{Packets, Source, Track};
use crate::error::{Error, Result};

/// The size of an MPEG-TS packet.
const TS_PACKET: u64 = 188;

/// The layouts that are cut before they are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// ISO base media (MP4, MOV): top-level boxes.
    Mp4,
    /// MPEG-TS: 188-byte packets.
    Ts,
    /// Anything else (Matroska): read as it is.
    Other,
}

/// How much of a file is read, and where its sample data lies.
#[derive(Debug, Clone)]
pub(crate) struct Extent {
    /// The file's length.
    len: u64,
    /// The bytes `[0, end)` that libavformat reads.
    end: u64,
    /// For an MP4/MOV, the payloads of its `mdat` boxes (sorted, within `end`): every sample
    /// must lie inside one.
    mdats: Option<Vec<(u64, u64)>>,
    /// The file is cut: bytes are left out, or a Matroska file is shorter than its header
    /// says.
    cut: bool,
}

impl Extent {
    /// Reads the layout of `path`.
    pub(crate) fn of(path: &Path) -> Result<Extent> {
        let cannot = |e| Error::io(format!("cannot read '{}'", path.display()), e);
        let mut f = File::open(path).map_err(cannot)?;
        let len = f.metadata().map_err(cannot)?.len();
        let mut head = [0u8; 192];
        let n = read_at(&mut f, 0, &mut head).map_err(cannot)?;
        let layout = if n >= 8 && matches!(&head[4..8], b"ftyp" | b"styp" | b"moov") {
            Layout::Mp4
        } else if n >= 1 && head[0] == 0x47 && (n < 189 || head[188] == 0x47) {
            Layout::Ts
        } else {
            Layout::Other
        };
        Ok(match layout {
            Layout::Mp4 => {
                let (end, mdats) = walk_boxes(&mut f, len).map_err(cannot)?;
                Extent {
                    len,
                    end,
                    mdats: Some(mdats),
                    cut: end != len,
                }
            }
            Layout::Ts => Extent {
                len,
                end: len - len % TS_PACKET,
                mdats: None,
                cut: len % TS_PACKET != 0,
            },
            Layout::Other => Extent {
                len,
                end: len,
                mdats: None,
                cut: matroska_cut_off(path, len)?.is_some(),
            },
        })
    }

    /// Whether nothing of the file can be read.
    pub(crate) fn is_empty(&self) -> bool {
        self.end == 0
    }

    /// What libavformat opens: the file itself, or only its first `end` bytes through
    /// FFmpeg's `subfile` protocol (no copy is made).
    pub(crate) fn url(&self, path: &Path) -> Result<PathBuf> {
        if self.end == self.len {
            return Ok(path.to_path_buf());
        }
        let abs = std::path::absolute(path)
            .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?;
        let abs = abs.to_str().ok_or_else(|| {
            Error::Unsupported(format!(
                "'{}': FFmpeg reads only file names that are valid UTF-8",
                path.display()
            ))
        })?;
        Ok(PathBuf::from(format!(
            "subfile,,start,0,end,{},,:file:{abs}",
            self.end
        )))
    }

    /// Why a packet at `pos` of `size` bytes is not whole in the file, if it is not.
    fn incomplete(&self, pos: isize, size: usize) -> Option<String> {
        // An unknown position (-1) cannot be checked here; the decoder checks the data.
        let pos = u64::try_from(pos).ok()?;
        let Some(end) = u64::try_from(size).ok().and_then(|s| pos.checked_add(s)) else {
            return Some(format!("its size {size} at byte {pos} overflows"));
        };
        if end > self.end {
            return Some(format!(
                "it needs bytes {pos}..{end}, the file's complete part ends at {}",
                self.end
            ));
        }
        if let Some(mdats) = &self.mdats {
            // The last box starting at or before `pos` must hold the whole sample.
            let i = mdats.partition_point(|&(start, _)| start <= pos);
            let inside = i > 0 && end <= mdats[i - 1].1;
            if !inside {
                return Some(format!(
                    "its bytes {pos}..{end} are not inside one sample data box"
                ));
            }
        }
        None
    }
}

/// Reads up to `buf.len()` bytes at `offset`; returns how many there were.
fn read_at(f: &mut File, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    f.seek(SeekFrom::Start(offset))?;
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Walks the top-level boxes of an MP4/MOV of `len` bytes: returns where its complete part
/// ends and the payloads of its `mdat` boxes. The walk ends at the first box whose header is
/// cut off or invalid (a size below its header, or one that overflows), which is left out,
/// and at a box that runs past the file's end, which is left out unless it is sample data
/// (its complete samples are kept; the packets are checked against it one by one).
fn walk_boxes(f: &mut File, len: u64) -> std::io::Result<(u64, Vec<(u64, u64)>)> {
    let mut mdats = Vec::new();
    let mut pos = 0u64;
    while pos < len {
        let mut header = [0u8; 16];
        let n = read_at(f, pos, &mut header)?;
        if n < 8 {
            return Ok((pos, mdats));
        }
        let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let mdat = &header[4..8] == b"mdat";
        let (size, header_len) = match size32 {
            // Up to the end of the file.
            0 => (len - pos, 8),
            1 => {
                if n < 16 {
                    return Ok((pos, mdats));
                }
                let mut large = [0u8; 8];
                large.copy_from_slice(&header[8..16]);
                (u64::from_be_bytes(large), 16)
            }
            s => (u64::from(s), 8),
        };
        let Some(box_end) = pos.checked_add(size).filter(|_| size >= header_len) else {
            return Ok((pos, mdats));
        };
        if box_end > len {
            if mdat {
                mdats.push((pos + header_len, len));
                return Ok((len, mdats));
            }
            return Ok((pos, mdats));
        }
        if mdat {
            mdats.push((pos + header_len, box_end));
        }
        pos = box_end;
    }
    Ok((pos.min(len), mdats))
}

/// A decoder that lets nothing pass unnoticed: one thread (errors belong to the packet just
/// sent), no concealment, every error check on and fatal.
fn strict_decoder(src: &Source) -> Result<ff::decoder::Video> {
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
fn strict_audio_decoder(path: &Path, track: &Track) -> Result<ff::decoder::Audio> {
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
struct Pending {
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

/// Checks that a finished file's video is whole before it is joined to others: every packet
/// reads without an error, is not flagged damaged and lies inside the file, and there are as
/// many as the file's index lists (MP4/MOV); a Matroska file is not shorter than its header
/// says; an MPEG-TS, which has no index, ends on a packet boundary and decodes cleanly to its
/// last frame. Returns what is wrong, if anything.
pub(crate) fn check_segment(path: &Path) -> Result<Option<String>> {
    let extent = Extent::of(path)?;
    if extent.end != extent.len {
        return Ok(Some(format!(
            "it is cut off: its complete part ends at byte {} of {}",
            extent.end, extent.len
        )));
    }
    if let Some(why) = matroska_cut_off(path, extent.len)? {
        return Ok(Some(why));
    }
    let mut src = Source::open(path)?;
    let listed = src.ictx.stream(src.index).map_or(0, |s| s.frames());
    let ts = src.ictx.format().name() == "mpegts";
    if ts {
        let video = src.index;
        let mut v = Verified::new(src, extent)?;
        let mut copied = 0u64;
        while let Some(p) = v.next_packet()? {
            copied += u64::from(p.stream() == video);
        }
        return Ok(v
            .stopped()
            .map(|why| format!("only its first {copied} frames are whole (after them, {why})",)));
    }
    let mut frames = 0u64;
    loop {
        let mut packet = ff::Packet::empty();
        match packet.read(&mut src.ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => break,
            Err(e) => {
                return Ok(Some(format!(
                    "it cannot be read after frame {frames} ({e})"
                )))
            }
        }
        if packet.stream() != src.index {
            if src.track_of(packet.stream()).is_some() {
                if packet.is_corrupt() {
                    return Ok(Some(format!(
                        "an audio packet after frame {frames} is flagged damaged"
                    )));
                }
                if let Some(why) = extent.incomplete(packet.position(), packet.size()) {
                    return Ok(Some(format!(
                        "an audio packet after frame {frames} is cut off: {why}"
                    )));
                }
            }
            continue;
        }
        frames += 1;
        if packet.is_corrupt() {
            return Ok(Some(format!("frame {frames} is flagged damaged")));
        }
        if let Some(why) = extent.incomplete(packet.position(), packet.size()) {
            return Ok(Some(format!("frame {frames} is cut off: {why}")));
        }
    }
    if listed > 0 && u64::try_from(listed).ok() != Some(frames) {
        return Ok(Some(format!(
            "its index lists {listed} frames but {frames} can be read"
        )));
    }
    if frames == 0 {
        return Ok(Some("it holds no frame".into()));
    }
    Ok(None)
}

/// Whether a Matroska/WebM file is shorter than its Segment element says (a file whose
/// writing was cut off). A Segment of unknown size (a live stream) cannot be checked.
fn matroska_cut_off(path: &Path, len: u64) -> Result<Option<String>> {
    let cannot = |e| Error::io(format!("cannot read '{}'", path.display()), e);
    let mut f = File::open(path).map_err(cannot)?;
    let mut buf = [0u8; 64];
    let n = read_at(&mut f, 0, &mut buf).map_err(cannot)?;
    let buf = &buf[..n];
    // The EBML header, then the Segment.
    let Some((id, size, body)) = ebml_element(buf, 0) else {
        return Ok(None);
    };
    if id != 0x1A45_DFA3 {
        return Ok(None);
    }
    let Some(segment_at) = size.and_then(|s| body.checked_add(s)) else {
        return Ok(None);
    };
    let Ok(segment_at) = usize::try_from(segment_at) else {
        return Ok(None);
    };
    let Some((id, size, body)) = ebml_element(buf, segment_at) else {
        return Ok(None);
    };
    if id != 0x1853_8067 {
        return Ok(None);
    }
    match size.and_then(|s| body.checked_add(s)) {
        Some(end) if end > len => Ok(Some(format!(
            "it is cut off: its header says it has {end} bytes, the file has {len}"
        ))),
        _ => Ok(None),
    }
}

/// An EBML element's ID, size (`None`: unknown) and where its body starts, read at `at`.
fn ebml_element(buf: &[u8], at: usize) -> Option<(u32, Option<u64>, u64)> {
    let first = *buf.get(at)?;
    let id_len = first.leading_zeros() as usize + 1;
    if id_len > 4 {
        return None;
    }
    let mut id = 0u32;
    for i in 0..id_len {
        id = (id << 8) | u32::from(*buf.get(at + i)?);
    }
    let at = at + id_len;
    let first = *buf.get(at)?;
    let size_len = first.leading_zeros() as usize + 1;
    if size_len > 8 {
        return None;
    }
    let mut size = u64::from(first) & (0xFF >> size_len);
    let mut all_ones = size == 0xFF >> size_len;
    for i in 1..size_len {
        let b = *buf.get(at + i)?;
        all_ones &= b == 0xFF;
        size = (size << 8) | u64::from(b);
    }
    let body = u64::try_from(at + size_len).ok()?;
    Some((id, (!all_ones).then_some(size), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Boxes of the given kinds, declared sizes and actual body lengths, one after another.
    fn boxes(parts: &[(&[u8; 4], u32, usize)]) -> Vec<u8> {
        let mut v = Vec::new();
        for (kind, size, body) in parts {
            v.extend_from_slice(&size.to_be_bytes());
            v.extend_from_slice(*kind);
            v.extend(std::iter::repeat_n(0u8, *body));
        }
        v
    }

    fn walk(bytes: &[u8]) -> (u64, Vec<(u64, u64)>) {
        let mut f = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut f, bytes).unwrap();
        walk_boxes(&mut f, bytes.len() as u64).unwrap()
    }

    const WHOLE: &[(&[u8; 4], u32, usize)] = &[
        (b"ftyp", 16, 8),
        (b"moov", 24, 16),
        (b"moof", 16, 8),
        (b"mdat", 28, 20),
        (b"moof", 16, 8),
        (b"mdat", 18, 10),
    ];

    #[test]
    fn a_whole_file_is_read_whole() {
        let b = boxes(WHOLE);
        assert_eq!(walk(&b), (118, vec![(64, 84), (108, 118)]));
    }

    #[test]
    fn a_cut_inside_a_fragment_header_drops_that_fragment() {
        let b = boxes(WHOLE);
        // Inside the second moof, and inside its 8-byte header.
        assert_eq!(walk(&b[..95]), (84, vec![(64, 84)]));
        assert_eq!(walk(&b[..88]), (84, vec![(64, 84)]));
        // Inside the first fragment's moof: only ftyp and moov remain.
        assert_eq!(walk(&b[..50]), (40, vec![]));
    }

    #[test]
    fn a_cut_inside_sample_data_keeps_its_start_for_the_packet_checks() {
        let b = boxes(WHOLE);
        assert_eq!(walk(&b[..112]), (112, vec![(64, 84), (108, 112)]));
    }

    #[test]
    fn invalid_sizes_end_the_walk() {
        let mut b = boxes(&[(b"ftyp", 16, 8), (b"moov", 3, 20)]);
        assert_eq!(walk(&b).0, 16);
        // A 64-bit size that overflows, and one below its 16-byte header.
        b = boxes(&[(b"ftyp", 16, 8), (b"mdat", 1, 30)]);
        b[24..32].copy_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(walk(&b).0, 16);
        b[24..32].copy_from_slice(&12u64.to_be_bytes());
        assert_eq!(walk(&b).0, 16);
        // A valid one; the zeros after it are a box of size 0, which runs to the end.
        b[24..32].copy_from_slice(&30u64.to_be_bytes());
        assert_eq!(walk(&b), (54, vec![(32, 46)]));
        // Size 0: to the end of the file.
        b = boxes(&[(b"ftyp", 16, 8), (b"mdat", 0, 30)]);
        assert_eq!(walk(&b), (54, vec![(24, 54)]));
    }

    #[test]
    fn packets_must_lie_inside_the_file_and_one_sample_data_box() {
        let e = Extent {
            len: 120,
            end: 118,
            mdats: Some(vec![(64, 84), (108, 118)]),
            cut: true,
        };
        assert_eq!(e.incomplete(64, 20), None);
        assert_eq!(e.incomplete(-1, 20), None);
        assert!(e.incomplete(64, 21).is_some());
        assert!(e.incomplete(80, 30).is_some());
        assert!(e.incomplete(110, 9).is_some());
        assert!(e.incomplete(10, 4).is_some());
        assert!(e.incomplete(isize::MAX, usize::MAX).is_some());
    }

    #[test]
    fn ebml_sizes() {
        // ID 0x1A45DFA3, size 0x84 (4), body at 5.
        let b = [0x1A, 0x45, 0xDF, 0xA3, 0x84, 0, 0, 0, 0];
        assert_eq!(ebml_element(&b, 0), Some((0x1A45_DFA3, Some(4), 5)));
        // Unknown size (all ones).
        let b = [
            0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        assert_eq!(ebml_element(&b, 0), Some((0x1853_8067, None, 12)));
        assert_eq!(ebml_element(&b[..6], 0), None);
        assert_eq!(ebml_element(&[0], 0), None);
    }
}
