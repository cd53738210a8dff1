//! Containers (file formats) and what each can hold.

use std::path::Path;

use super::{Encoder, FrameRate};
use crate::error::{Error, Result};

/// The HTML element a browser shows a file in, when it shows it at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BrowserElement {
    /// `<video>`: a player with controls.
    Video,
    /// `<img>`: an animation that loops on its own.
    Img,
}

impl BrowserElement {
    /// The element's tag name: `video` or `img`.
    pub fn tag(self) -> &'static str {
        match self {
            BrowserElement::Video => "video",
            BrowserElement::Img => "img",
        }
    }
}

/// The timestamps a container can store, in the units of one time base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeLimits {
    /// The largest step from one frame to the next.
    pub(crate) max_gap: Option<i64>,
    /// The smallest step from one frame to the next that plays as written.
    pub(crate) min_gap: Option<i64>,
    /// The largest timestamp.
    pub(crate) max_pts: i64,
    /// Why, for messages.
    pub(crate) why: &'static str,
}

/// The shortest GIF frame delay that plays as written, in 1/100 s: browsers (Chromium,
/// Firefox, Safari) and most viewers show a delay of 0 or 1 as 10, so 1/100 s cannot be had.
pub(crate) const GIF_MIN_DELAY_CS: u16 = 2;

/// The longest GIF frame delay, in 1/100 s: the format's 16-bit field.
pub(crate) const GIF_MAX_DELAY_CS: u16 = 65_535;

/// Why GIF frame delays are limited, for messages.
pub(crate) const GIF_DELAYS: &str = "GIF stores each frame's delay in 16 bits of 1/100 s, up to 655.35 s, and browsers show a delay under 2/100 s as 1/10 s";

named_enum! {
    /// The container (file format).
    pub enum Container ("container") {
        /// MPEG-4 Part 14 (`.mp4`).
        Mp4 = ["mp4", "m4v"],
        /// QuickTime (`.mov`).
        Mov = ["mov"],
        /// Matroska (`.mkv`).
        Mkv = ["mkv", "matroska"],
        /// AVI (`.avi`); needs a seekable output.
        Avi = ["avi"],
        /// MPEG transport stream (`.ts`); streamable.
        Ts = ["ts", "mpegts"],
        /// WebM (`.webm`): Matroska for the web, with VP9 or AV1.
        Webm = ["webm"],
        /// Animated PNG (`.apng`): lossless, with transparency, loops.
        Apng = ["apng"],
        /// Animated WebP (`.webp`): small animations for pages and READMEs, loops.
        Webp = ["webp"],
        /// GIF (`.gif`): 256 colours, plays everywhere, loops; delays in 1/100 s.
        Gif = ["gif"],
        /// Windows Media (`.wmv`, ASF) with Microsoft MPEG-4 v3 video, for Windows-only
        /// players; video only; needs a seekable output.
        Wmv = ["wmv", "asf"],
    }
}

impl Container {
    /// The libavformat muxer name.
    pub fn muxer(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Mov => "mov",
            Container::Mkv => "matroska",
            Container::Avi => "avi",
            Container::Ts => "mpegts",
            Container::Webm => "webm",
            Container::Apng => "apng",
            Container::Webp => "webp",
            Container::Gif => "gif",
            Container::Wmv => "asf",
        }
    }

    /// The file name extension it is written with, without the dot (`mp4`, `mkv`, `gif`).
    pub fn extension(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Mov => "mov",
            Container::Mkv => "mkv",
            Container::Avi => "avi",
            Container::Ts => "ts",
            Container::Webm => "webm",
            Container::Apng => "apng",
            Container::Webp => "webp",
            Container::Gif => "gif",
            Container::Wmv => "wmv",
        }
    }

    /// Its MIME type, as a web server or a notebook labels it.
    pub fn mime(self) -> &'static str {
        match self {
            Container::Mp4 => "video/mp4",
            Container::Mov => "video/quicktime",
            Container::Mkv => "video/x-matroska",
            Container::Avi => "video/x-msvideo",
            Container::Ts => "video/mp2t",
            Container::Webm => "video/webm",
            Container::Apng => "image/apng",
            Container::Webp => "image/webp",
            Container::Gif => "image/gif",
            Container::Wmv => "video/x-ms-wmv",
        }
    }

    /// The element a current browser (Chromium, Firefox, Safari) shows it in: `<video>` for
    /// MP4 and WebM, `<img>` for the animated images; `None` for MOV, MKV, AVI, MPEG-TS and WMV,
    /// which browsers do not reliably play (a download link is what a page should offer).
    pub fn browser_element(self) -> Option<BrowserElement> {
        match self {
            Container::Mp4 | Container::Webm => Some(BrowserElement::Video),
            Container::Apng | Container::Webp | Container::Gif => Some(BrowserElement::Img),
            Container::Mov | Container::Mkv | Container::Avi | Container::Ts | Container::Wmv => {
                None
            }
        }
    }

    /// The encoder a writer uses in this container when none is chosen: libx264 where H.264
    /// fits, the container's own otherwise (WebM: VP9, APNG: apng, WebP: libwebp_anim, GIF: gif,
    /// WMV: msmpeg4, as ffmpeg and imageio choose).
    pub fn default_encoder(self) -> Encoder {
        match self {
            Container::Webm => Encoder::LibvpxVp9,
            Container::Apng => Encoder::Apng,
            Container::Webp => Encoder::LibwebpAnim,
            Container::Gif => Encoder::Gif,
            Container::Wmv => Encoder::Msmpeg4,
            Container::Mp4 | Container::Mov | Container::Mkv | Container::Avi | Container::Ts => {
                Encoder::Libx264
            }
        }
    }

    /// Guesses the container from a file name's extension.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) (setting `format`) when the path has no extension or one that
    /// no container has; the message lists the extensions known.
    pub fn from_path(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        ext.parse().map_err(|_| {
            Error::config(
                "container",
                format!("{} (from the extension of '{}')", ext, path.display()),
                format!(
                    "an output name ending in {}, or an explicit container",
                    crate::names::one_of(
                        &Container::NAMES
                            .iter()
                            .map(|n| format!(".{n}"))
                            .collect::<Vec<_>>()
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                    )
                ),
            )
        })
    }

    /// Whether the MP4 family (mp4, mov) that supports faststart and fragments.
    pub fn is_mp4_family(self) -> bool {
        matches!(self, Container::Mp4 | Container::Mov)
    }

    /// The MP4/MOV track timescale encode-native uses for timestamps in `time_base`: a
    /// multiple of its denominator (so every timestamp is exact) of at least 10000.
    pub(crate) fn mp4_timescale(time_base: FrameRate) -> i64 {
        let mut timescale = i64::from(time_base.den.max(1));
        while timescale < 10_000 {
            timescale *= 2;
        }
        timescale
    }

    /// What this container can store of timestamps counted in `time_base` units.
    pub(crate) fn time_limits(self, time_base: FrameRate) -> TimeLimits {
        let (num, den) = (
            i128::from(time_base.num.max(1)),
            i128::from(time_base.den.max(1)),
        );
        // Units → container ticks: `ticks = units * num * rate / den`.
        let units =
            |ticks: i128, rate: i128| (ticks * den / (num * rate)).min(i128::from(i64::MAX)) as i64;
        match self {
            // movenc stores sample durations in 32 bits (and aborts on a larger gap in
            // fragmented files).
            Container::Mp4 | Container::Mov => {
                let rate = i128::from(Self::mp4_timescale(time_base));
                TimeLimits {
                    max_gap: Some(units(i128::from(i32::MAX), rate)),
                    min_gap: None,
                    max_pts: units(1 << 62, rate),
                    why: "MP4 stores a frame's duration in 32 bits of its timescale",
                }
            }
            // 33-bit timestamps at 90 kHz: about 26.5 hours.
            Container::Ts => TimeLimits {
                max_gap: None,
                min_gap: None,
                max_pts: units((1 << 33) - 1, 90_000),
                why: "MPEG-TS timestamps are 33 bits at 90 kHz (about 26.5 hours)",
            },
            Container::Mkv | Container::Webm => TimeLimits {
                max_gap: None,
                min_gap: None,
                max_pts: units(1 << 62, 1000),
                why: "Matroska timestamps are 64-bit milliseconds",
            },
            // Frame delays in milliseconds (WebP) or 16-bit fractions (APNG).
            Container::Gif => TimeLimits {
                max_gap: Some(units(GIF_MAX_DELAY_CS.into(), 100)),
                // Rounded up: `units(2, 100)` rounded down could be a step under 2/100 s.
                min_gap: Some(
                    ((i128::from(GIF_MIN_DELAY_CS) * den + num * 100 - 1) / (num * 100)) as i64,
                ),
                max_pts: units(1 << 62, 100),
                why: GIF_DELAYS,
            },
            Container::Apng | Container::Webp => TimeLimits {
                max_gap: Some(units(65_535, 1000)),
                min_gap: None,
                max_pts: units(1 << 62, 1000),
                why: "animated images store each frame's delay in 16 bits of milliseconds",
            },
            Container::Avi => TimeLimits {
                max_gap: None,
                min_gap: None,
                max_pts: units(1 << 62, den),
                why: "AVI counts frames",
            },
            // ASF's packets carry 32-bit millisecond times.
            Container::Wmv => TimeLimits {
                max_gap: None,
                min_gap: None,
                max_pts: units(i128::from(u32::MAX), 1000),
                why: "ASF stores times in 32 bits of milliseconds (about 49 days)",
            },
        }
    }

    /// Whether the container must seek back at the end (no write-only streams).
    pub fn needs_seeking(self) -> bool {
        matches!(self, Container::Avi | Container::Wmv)
    }
}
