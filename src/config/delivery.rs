//! Live and segmented delivery: HLS and DASH manifests over segments written by encode-native,
//! RTMP and SRT push to a server. What the user says; the plan decides the rest.

use std::path::Path;

use super::{Encoder, RateControl};
use crate::error::{Error, Result};

named_enum! {
    /// The file format of HLS segments.
    pub enum SegmentFormat ("segment_format") {
        /// CMAF / fragmented MP4 segments (`.m4s`) after one initialisation segment: what
        /// HLS and DASH players share (the default).
        Fmp4 = ["fmp4", "cmaf", "mp4"],
        /// MPEG-TS segments (`.ts`): HLS only, for the oldest players.
        Ts = ["ts", "mpegts"],
    }
}

named_enum! {
    /// What a push to a live server does with frames when the network is slower than real
    /// time and the queue is full.
    pub enum LateFrames ("late_frames") {
        /// The caller waits for room in the queue (the default: nothing is lost).
        Block = ["block", "wait"],
        /// The frame is dropped and counted in the summary; the frames after it keep their
        /// times (a live source that must not fall behind).
        Drop = ["drop"],
    }
}

/// Where a writer delivers to, besides a single file: learnt from the destination's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryKind {
    /// An HLS playlist (`.m3u8`) and its segments.
    Hls,
    /// A DASH manifest (`.mpd`) and its segments.
    Dash,
    /// An RTMP server (`rtmp://`): FLV with H.264 and AAC.
    Rtmp,
    /// An SRT listener (`srt://`): MPEG-TS.
    Srt,
}

/// What the `format` setting takes: every container's names and aliases, and `hls`, `dash`
/// (a manifest and its segments, whatever the output's name).
pub(crate) const FORMAT_CHOICES: &[&str] = &[
    "mp4", "m4v", "mov", "mkv", "matroska", "avi", "ts", "mpegts", "webm", "apng", "webp", "gif",
    "wmv", "asf", "hls", "dash",
];

impl DeliveryKind {
    /// The delivery a `format` value names (`hls`, `dash`), if any.
    pub fn from_format(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "hls" | "m3u8" => Some(DeliveryKind::Hls),
            "dash" | "mpd" => Some(DeliveryKind::Dash),
            _ => None,
        }
    }

    /// The delivery a destination's name asks for: a URL's scheme (`rtmp://`, `srt://`) or a
    /// manifest's extension (`.m3u8`, `.mpd`); `None` for a plain file.
    pub fn from_target(target: &Path) -> Option<Self> {
        let s = target.to_str()?;
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("rtmp://") || lower.starts_with("rtmps://") {
            return Some(DeliveryKind::Rtmp);
        }
        if lower.starts_with("srt://") {
            return Some(DeliveryKind::Srt);
        }
        match target
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("m3u8") => Some(DeliveryKind::Hls),
            Some("mpd") => Some(DeliveryKind::Dash),
            _ => None,
        }
    }

    /// Whether it goes to a server over the network (RTMP, SRT).
    pub fn is_network(self) -> bool {
        matches!(self, DeliveryKind::Rtmp | DeliveryKind::Srt)
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            DeliveryKind::Hls => "HLS",
            DeliveryKind::Dash => "DASH",
            DeliveryKind::Rtmp => "RTMP",
            DeliveryKind::Srt => "SRT",
        }
    }
}

/// The size of one rendition of an ABR ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenditionSize {
    /// This height, the width following the pushed frames' shape (`720p`).
    Height(u32),
    /// Exactly this size (`1280x720`).
    Exact(u32, u32),
}

/// One rendition of an ABR ladder: a size, and optionally its own rate control and encoder
/// (the writer's otherwise). Written `720p`, `1280x720`, `720p@3M`, `360p@800k/libx264`,
/// `480p@crf28`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendition {
    /// Its size.
    pub size: RenditionSize,
    /// Its rate control (`None`: the writer's).
    pub rate: Option<RateControl>,
    /// Its encoder (`None`: the writer's).
    pub encoder: Option<Encoder>,
}

impl Rendition {
    /// Parses one rendition: `720p`, `1280x720`, `720p@3M`, `360p@800k/libx264`, `480p@crf28`.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) (setting `renditions`) naming the part not understood.
    pub fn parse(text: &str) -> Result<Self> {
        let t = text.trim();
        let bad = |why: &str| {
            Error::config(
                "renditions",
                t,
                format!("{why}: a rendition is SIZE[@RATE][/ENCODER], e.g. 720p, 1280x720, 720p@3M, 360p@800k/libx264, 480p@crf28"),
            )
        };
        let (rest, encoder) = match t.split_once('/') {
            Some((r, e)) => (
                r,
                Some(e.parse::<Encoder>().map_err(|_| bad("unknown encoder"))?),
            ),
            None => (t, None),
        };
        let (size, rate) = match rest.split_once('@') {
            Some((s, r)) => (s, Some(parse_rate(r).ok_or_else(|| bad("unknown rate"))?)),
            None => (rest, None),
        };
        let size = size.trim().to_ascii_lowercase();
        let size = if let Some(h) = size.strip_suffix('p') {
            match h.parse::<u32>() {
                Ok(h) if (16..=8192).contains(&h) => RenditionSize::Height(h),
                _ => return Err(bad("a height from 16 to 8192")),
            }
        } else if let Some((w, h)) = size.split_once('x') {
            match (w.parse::<u32>(), h.parse::<u32>()) {
                (Ok(w), Ok(h)) if (16..=16384).contains(&w) && (16..=16384).contains(&h) => {
                    RenditionSize::Exact(w, h)
                }
                _ => return Err(bad("a size from 16x16 to 16384x16384")),
            }
        } else {
            return Err(bad("no size"));
        };
        Ok(Rendition {
            size,
            rate,
            encoder,
        })
    }

    /// Parses a comma-separated ladder (`720p,360p`).
    ///
    /// # Errors
    /// As [`parse`](Self::parse); also an empty list or more than 8 renditions.
    pub fn parse_list(text: &str) -> Result<Vec<Self>> {
        let list = text
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(Rendition::parse)
            .collect::<Result<Vec<_>>>()?;
        if list.len() > MAX_RENDITIONS {
            return Err(Error::config(
                "renditions",
                text,
                format!("at most {MAX_RENDITIONS} renditions"),
            ));
        }
        Ok(list)
    }

    /// Its size for pushed frames of `width`×`height`: a height's width keeps their shape,
    /// both even (what yuv420p needs).
    pub fn resolve_size(&self, width: u32, height: u32) -> (u32, u32) {
        match self.size {
            RenditionSize::Exact(w, h) => (w, h),
            RenditionSize::Height(h) => {
                let w = (u64::from(width) * u64::from(h) + u64::from(height) / 2)
                    / u64::from(height.max(1));
                let even = |v: u64| ((v + 1) & !1).max(2) as u32;
                (even(w), even(u64::from(h)))
            }
        }
    }

    /// Its name in playlists and file names: `720p`, `1280x720`.
    pub fn label(&self) -> String {
        match self.size {
            RenditionSize::Height(h) => format!("{h}p"),
            RenditionSize::Exact(w, h) => format!("{w}x{h}"),
        }
    }
}

impl std::fmt::Display for Rendition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())?;
        match self.rate {
            Some(RateControl::Bitrate(b)) => write!(f, "@{b}")?,
            Some(RateControl::Crf(q)) => write!(f, "@crf{q}")?,
            _ => {}
        }
        if let Some(e) = self.encoder {
            write!(f, "/{e}")?;
        }
        Ok(())
    }
}

/// The most renditions one writer encodes.
pub const MAX_RENDITIONS: usize = 8;

/// `3M`, `800k`, `2500000`, `crf28`, `crf=28`.
fn parse_rate(s: &str) -> Option<RateControl> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(q) = s.strip_prefix("crf") {
        let q: f32 = q.trim_start_matches('=').parse().ok()?;
        return (0.0..=63.0).contains(&q).then_some(RateControl::Crf(q));
    }
    super::rate::parse_bitrate(&s)
        .ok()
        .filter(|b| *b >= 1000)
        .map(RateControl::Bitrate)
}

/// How a writer delivers: segments and manifests, or a push to a server.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeliverySettings {
    /// HLS or DASH whatever the output's name (the `format` setting's `hls`, `dash`); `None`:
    /// the name decides (`.m3u8`, `.mpd`, `rtmp://`, `srt://`).
    pub kind: Option<DeliveryKind>,
    /// Target segment length in seconds (HLS, DASH); a keyframe starts every segment
    /// (default 2).
    pub segment_seconds: f64,
    /// HLS segments' format (default fMP4/CMAF).
    pub segment_format: SegmentFormat,
    /// Live: keep only the last N segments in the playlist and on disk (this writer's own
    /// segments are deleted as they leave it); 0 keeps every segment (default).
    pub live_window: u32,
    /// Also write the other manifest over the same CMAF segments: an `.mpd` output gets an
    /// HLS master playlist beside it (and an `.m3u8` output a DASH manifest).
    pub both_manifests: bool,
    /// An ABR ladder: several renditions of the pushed frames (empty: one, at the pushed size).
    pub renditions: Vec<Rendition>,
    /// Seconds to wait for a server to accept the connection (default 5).
    pub connect_timeout: f64,
    /// Seconds a write to a server may wait before the push fails (default 10).
    pub write_timeout: f64,
    /// Times to try connecting again when a server refuses or is not there yet, 1 s apart
    /// (default 0).
    pub reconnect: u32,
    /// What a push does with frames when the queue is full (default: the caller waits).
    pub late_frames: LateFrames,
    /// Replace an existing manifest (HLS, DASH) and its segments of the same names; an
    /// existing manifest is otherwise refused (default false).
    pub overwrite: bool,
    /// RTMP, SRT: also write what is pushed to this file (crash-safe like any file, and
    /// finished even when the push fails), so a network failure loses nothing.
    pub record: Option<std::path::PathBuf>,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            kind: None,
            segment_seconds: 2.0,
            segment_format: SegmentFormat::Fmp4,
            live_window: 0,
            both_manifests: false,
            renditions: Vec::new(),
            connect_timeout: 5.0,
            write_timeout: 10.0,
            reconnect: 0,
            late_frames: LateFrames::Block,
            overwrite: false,
            record: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_choices_cover_every_container() {
        for name in crate::config::Container::ACCEPTED {
            assert!(FORMAT_CHOICES.contains(name), "{name}");
        }
        assert_eq!(DeliveryKind::from_format("HLS"), Some(DeliveryKind::Hls));
        assert_eq!(DeliveryKind::from_format("mp4"), None);
    }

    #[test]
    fn targets_name_their_delivery() {
        let k = |s: &str| DeliveryKind::from_target(Path::new(s));
        assert_eq!(k("out/index.m3u8"), Some(DeliveryKind::Hls));
        assert_eq!(k("OUT.MPD"), Some(DeliveryKind::Dash));
        assert_eq!(k("rtmp://127.0.0.1/live/x"), Some(DeliveryKind::Rtmp));
        assert_eq!(k("srt://127.0.0.1:9000"), Some(DeliveryKind::Srt));
        assert_eq!(k("a.mp4"), None);
        assert_eq!(k("rtmp.mp4"), None);
    }

    #[test]
    fn renditions_parse_and_size() {
        let l = Rendition::parse_list("720p, 360p@800k/libx264,1280x720@crf28").unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].resolve_size(1920, 1080), (1280, 720));
        assert_eq!(l[1].resolve_size(1920, 1080), (640, 360));
        assert_eq!(l[1].rate, Some(RateControl::Bitrate(800_000)));
        assert_eq!(l[1].encoder, Some(Encoder::Libx264));
        assert_eq!(l[2].rate, Some(RateControl::Crf(28.0)));
        // 4:3 input: the width follows, even.
        assert_eq!(l[1].resolve_size(640, 480), (480, 360));
        assert_eq!(
            Rendition::parse("241p").unwrap().resolve_size(1920, 1080),
            (428, 242)
        );
        for bad in ["", "p", "720", "720p@fast", "720p/nonsense", "10x10"] {
            let e = Rendition::parse(bad).unwrap_err().to_string();
            assert!(e.contains("renditions"), "{bad}: {e}");
        }
        assert_eq!(l[1].to_string(), "360p@800000/libx264");
    }
}
