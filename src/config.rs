//! The writer's settings, validated once before any FFmpeg object exists.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::frame::PixelFormat;

/// A frame rate (or time base) as an exact rational number, `num / den`.
///
/// Parsed from `"30"`, `"30000/1001"` or a decimal. The NTSC decimals `23.976`, `29.97`,
/// `47.952`, `59.94` and `119.88` map to their exact `N*1000/1001` values, so 29.97 is
/// never rounded to 30.
///
/// ```
/// use encode_native::FrameRate;
/// assert_eq!("29.97".parse::<FrameRate>().unwrap(), FrameRate::new(30000, 1001));
/// assert_eq!("12.5".parse::<FrameRate>().unwrap(), FrameRate::new(25, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameRate {
    /// Numerator.
    pub num: i32,
    /// Denominator.
    pub den: i32,
}

impl FrameRate {
    /// `num / den`, reduced to lowest terms when both are positive.
    pub const fn new(num: i32, den: i32) -> Self {
        if num > 0 && den > 0 {
            let g = gcd(num, den);
            FrameRate {
                num: num / g,
                den: den / g,
            }
        } else {
            FrameRate { num, den }
        }
    }

    /// The rate as a floating-point number.
    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The reciprocal, `den / num` (a frame rate's time base).
    pub const fn invert(self) -> Self {
        FrameRate {
            num: self.den,
            den: self.num,
        }
    }
}

const fn gcd(mut a: i32, mut b: i32) -> i32 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl From<u32> for FrameRate {
    fn from(fps: u32) -> Self {
        FrameRate::new(fps.min(i32::MAX as u32) as i32, 1)
    }
}

impl From<(i32, i32)> for FrameRate {
    fn from((num, den): (i32, i32)) -> Self {
        FrameRate::new(num, den)
    }
}

impl fmt::Display for FrameRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

impl FromStr for FrameRate {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::config(
                "frame_rate",
                s,
                "a positive number such as 30, 29.97, 12.5 or a fraction such as 30000/1001",
            )
        };
        let s = s.trim();
        let rate = if let Some((n, d)) = s.split_once('/') {
            let n: i32 = n.trim().parse().map_err(|_| bad())?;
            let d: i32 = d.trim().parse().map_err(|_| bad())?;
            FrameRate::new(n, d)
        } else if let Some((int, frac)) = s.split_once('.') {
            // NTSC-family rates written as decimals are the 1000/1001 fractions.
            for (text, num) in [
                ("23.976", 24000),
                ("23.98", 24000),
                ("29.97", 30000),
                ("47.952", 48000),
                ("59.94", 60000),
                ("119.88", 120000),
            ] {
                if s == text {
                    return Ok(FrameRate::new(num, 1001));
                }
            }
            if frac.is_empty() || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let int: i64 = if int.is_empty() {
                0
            } else {
                int.parse().map_err(|_| bad())?
            };
            let den = 10i64.pow(frac.len() as u32);
            let num = int * den + frac.parse::<i64>().map_err(|_| bad())?;
            if num > i32::MAX as i64 {
                return Err(bad());
            }
            FrameRate::new(num as i32, den as i32)
        } else {
            FrameRate::new(s.parse().map_err(|_| bad())?, 1)
        };
        if rate.num <= 0 || rate.den <= 0 {
            return Err(bad());
        }
        Ok(rate)
    }
}

/// The pixel format stored in the video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OutputPixelFormat {
    /// 4:2:0, 8 bit: plays everywhere (browsers, phones). Needs even sizes (see [`OddSize`]).
    #[default]
    Yuv420p,
    /// 4:4:4, 8 bit: full colour resolution, profile High 4:4:4; most browsers cannot play it.
    Yuv444p,
}

impl fmt::Display for OutputPixelFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl OutputPixelFormat {
    /// The FFmpeg name, e.g. `yuv420p`.
    pub fn name(self) -> &'static str {
        match self {
            OutputPixelFormat::Yuv420p => "yuv420p",
            OutputPixelFormat::Yuv444p => "yuv444p",
        }
    }
}

impl FromStr for OutputPixelFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "yuv420p" => Ok(OutputPixelFormat::Yuv420p),
            "yuv444p" => Ok(OutputPixelFormat::Yuv444p),
            _ => Err(Error::config("output_format", s, "yuv420p or yuv444p")),
        }
    }
}

/// The video codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Codec {
    /// H.264 through libx264 (the default; plays everywhere).
    #[default]
    Libx264,
    /// MPEG-4 Part 2, what OpenCV's `mp4v` fourcc writes; yuv420p only.
    Mpeg4,
}

impl Codec {
    /// The FFmpeg encoder name.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Libx264 => "libx264",
            Codec::Mpeg4 => "mpeg4",
        }
    }
}

impl FromStr for Codec {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "libx264" | "h264" | "x264" => Ok(Codec::Libx264),
            "mpeg4" | "mp4v" => Ok(Codec::Mpeg4),
            _ => Err(Error::config("codec", s, "libx264 or mpeg4")),
        }
    }
}

/// The container (file format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Container {
    /// MPEG-4 Part 14 (`.mp4`).
    Mp4,
    /// QuickTime (`.mov`).
    Mov,
    /// Matroska (`.mkv`).
    Mkv,
    /// AVI (`.avi`); needs a seekable output.
    Avi,
    /// MPEG transport stream (`.ts`); streamable.
    Ts,
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
        }
    }

    /// The short name users type (`mp4`, `mov`, `mkv`, `avi`, `ts`).
    pub fn name(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Mov => "mov",
            Container::Mkv => "mkv",
            Container::Avi => "avi",
            Container::Ts => "ts",
        }
    }

    /// Guesses the container from a file name's extension.
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
                "an output name ending in .mp4, .mov, .mkv, .avi or .ts, or an explicit container",
            )
        })
    }

    /// Whether the MP4 family (mp4, mov) that supports faststart and fragments.
    pub fn is_mp4_family(self) -> bool {
        matches!(self, Container::Mp4 | Container::Mov)
    }
}

impl FromStr for Container {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "mp4" | "m4v" => Ok(Container::Mp4),
            "mov" => Ok(Container::Mov),
            "mkv" | "matroska" => Ok(Container::Mkv),
            "avi" => Ok(Container::Avi),
            "ts" | "mpegts" => Ok(Container::Ts),
            _ => Err(Error::config("container", s, "mp4, mov, mkv, avi or ts")),
        }
    }
}

/// How the encoder spends bits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RateControl {
    /// libx264 constant rate factor, 0 (lossless) to 51; 18 looks lossless, 23 is the default.
    Crf(f32),
    /// Average bitrate in bits per second.
    Bitrate(u64),
    /// mpeg4 fixed quantiser, 1 (best) to 31.
    Quantizer(u32),
}

/// What to do with an odd width or height when the output is yuv420p (which needs even sizes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OddSize {
    /// Add one row and/or column, repeating the last one (the default): nothing is lost.
    #[default]
    Pad,
    /// Drop the last row and/or column.
    Crop,
    /// Refuse the configuration.
    Error,
}

impl FromStr for OddSize {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "pad" => Ok(OddSize::Pad),
            "crop" => Ok(OddSize::Crop),
            "error" => Ok(OddSize::Error),
            _ => Err(Error::config("odd_size", s, "pad, crop or error")),
        }
    }
}

/// The YCbCr matrix used for RGB → YUV, which also sets the stream's colour tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColorMatrix {
    /// ITU-R BT.709 (HD). Tags: bt709 primaries, transfer and matrix.
    Bt709,
    /// ITU-R BT.601 (SD). Tags: smpte170m primaries, transfer and matrix.
    Bt601,
}

impl FromStr for ColorMatrix {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "bt709" => Ok(ColorMatrix::Bt709),
            "bt601" | "smpte170m" | "bt470bg" => Ok(ColorMatrix::Bt601),
            _ => Err(Error::config("color_matrix", s, "bt709 or bt601")),
        }
    }
}

/// Colour settings: one place that drives both the conversion and the stream's tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ColorSettings {
    /// The matrix; `None` picks BT.709 for HD and larger (width ≥ 1280 or height ≥ 720) and BT.601 below.
    pub matrix: Option<ColorMatrix>,
    /// Full range (0–255) instead of limited range (16–235), the default that players expect.
    pub full_range: bool,
}

impl ColorSettings {
    /// The matrix actually used for a picture of this size.
    pub fn resolved_matrix(&self, width: u32, height: u32) -> ColorMatrix {
        self.matrix.unwrap_or(if width >= 1280 || height >= 720 {
            ColorMatrix::Bt709
        } else {
            ColorMatrix::Bt601
        })
    }
}

/// How frames get their presentation times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Timing {
    /// Constant frame rate: frame `i` is shown at `i / frame_rate` (the default).
    #[default]
    Constant,
    /// Every frame comes with its own timestamp (in units of `time_base` seconds) through
    /// [`push_at`](crate::VideoWriter::push_at); timestamps must strictly increase.
    Explicit {
        /// The unit of the timestamps, e.g. 1/1000 for milliseconds.
        time_base: FrameRate,
    },
}

/// Every setting of a writer. Start from [`EncoderConfig::new`], adjust with the builder
/// methods or the public fields, and hand it to [`VideoWriter`](crate::VideoWriter); it is
/// validated there before any FFmpeg object exists.
///
/// ```
/// use encode_native::{EncoderConfig, PixelFormat, OutputPixelFormat};
/// let config = EncoderConfig::new(1280, 720, 30)
///     .input_format(PixelFormat::Rgb24)
///     .crf(20.0)
///     .preset("veryfast");
/// assert!(config.validate().is_ok());
/// assert_eq!(config.output_format, OutputPixelFormat::Yuv420p);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EncoderConfig {
    /// Width of the frames pushed, in pixels.
    pub width: u32,
    /// Height of the frames pushed, in pixels.
    pub height: u32,
    /// Frames per second, exact.
    pub frame_rate: FrameRate,
    /// Pixel format of the frames pushed (default rgb24).
    pub input_format: PixelFormat,
    /// Pixel format stored in the video (default yuv420p).
    pub output_format: OutputPixelFormat,
    /// Codec (default libx264).
    pub codec: Codec,
    /// libx264 preset (`ultrafast` … `placebo`); `None` is x264's `medium`.
    pub preset: Option<String>,
    /// libx264 tune (`film`, `animation`, `grain`, `stillimage`, `psnr`, `ssim`, `fastdecode`, `zerolatency`).
    pub tune: Option<String>,
    /// H.264 profile (`baseline`, `main`, `high`, `high444`); `None` lets x264 choose.
    pub profile: Option<String>,
    /// Rate control; `None` is crf 23 for libx264 and quantiser 3 for mpeg4.
    pub rate: Option<RateControl>,
    /// Maximum distance between keyframes, in frames (`None`: the codec's default, 250 for x264).
    pub gop: Option<u32>,
    /// Raw libx264 parameters, `key=value:key=value`; an unknown key is an error.
    pub x264_params: Option<String>,
    /// Extra codec options (FFmpeg AVOptions of the encoder); an unknown one is an error.
    pub codec_options: Vec<(String, String)>,
    /// Container; `None` takes it from the output file's extension.
    pub container: Option<Container>,
    /// Move the MP4/MOV index to the front of the file so it plays while downloading (default on).
    pub faststart: bool,
    /// Fragmented MP4/MOV with a fragment at least every this many seconds (`None`: a normal file).
    pub fragment_seconds: Option<f64>,
    /// Frames that may wait between the caller and the encoder thread (default 8).
    pub queue_depth: usize,
    /// Encoder threads; 0 lets the codec choose (default).
    pub threads: u32,
    /// What to do with odd sizes in yuv420p (default pad).
    pub odd_size: OddSize,
    /// Colour matrix and range.
    pub color: ColorSettings,
    /// Constant frame rate (default) or explicit timestamps.
    pub timing: Timing,
}

const PRESETS: &[&str] = &[
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
];
const TUNES: &[&str] = &[
    "film",
    "animation",
    "grain",
    "stillimage",
    "psnr",
    "ssim",
    "fastdecode",
    "zerolatency",
];

impl EncoderConfig {
    /// Settings for `width`×`height` frames at `frame_rate`, with the defaults that play
    /// everywhere: rgb24 in, H.264 yuv420p crf 23 out, colour tags set, MP4 faststart.
    pub fn new(width: u32, height: u32, frame_rate: impl Into<FrameRate>) -> Self {
        EncoderConfig {
            width,
            height,
            frame_rate: frame_rate.into(),
            input_format: PixelFormat::Rgb24,
            output_format: OutputPixelFormat::Yuv420p,
            codec: Codec::Libx264,
            preset: None,
            tune: None,
            profile: None,
            rate: None,
            gop: None,
            x264_params: None,
            codec_options: Vec::new(),
            container: None,
            faststart: true,
            fragment_seconds: None,
            queue_depth: 8,
            threads: 0,
            odd_size: OddSize::Pad,
            color: ColorSettings::default(),
            timing: Timing::Constant,
        }
    }

    /// Sets the pixel format of the frames you will push.
    pub fn input_format(mut self, format: PixelFormat) -> Self {
        self.input_format = format;
        self
    }
    /// Sets the pixel format stored in the video.
    pub fn output_format(mut self, format: OutputPixelFormat) -> Self {
        self.output_format = format;
        self
    }
    /// Sets the codec.
    pub fn codec(mut self, codec: Codec) -> Self {
        self.codec = codec;
        self
    }
    /// Sets the libx264 preset.
    pub fn preset(mut self, preset: impl Into<String>) -> Self {
        self.preset = Some(preset.into());
        self
    }
    /// Sets the libx264 tune.
    pub fn tune(mut self, tune: impl Into<String>) -> Self {
        self.tune = Some(tune.into());
        self
    }
    /// Sets the H.264 profile.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }
    /// Constant rate factor (libx264).
    pub fn crf(mut self, crf: f32) -> Self {
        self.rate = Some(RateControl::Crf(crf));
        self
    }
    /// Average bitrate in bits per second.
    pub fn bitrate(mut self, bits_per_second: u64) -> Self {
        self.rate = Some(RateControl::Bitrate(bits_per_second));
        self
    }
    /// Maximum keyframe interval in frames.
    pub fn gop(mut self, frames: u32) -> Self {
        self.gop = Some(frames);
        self
    }
    /// Raw libx264 parameters, `key=value:key=value`.
    pub fn x264_params(mut self, params: impl Into<String>) -> Self {
        self.x264_params = Some(params.into());
        self
    }
    /// Adds an encoder option (an FFmpeg AVOption of the codec).
    pub fn codec_option(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.codec_options.push((key.into(), value.into()));
        self
    }
    /// Sets the container explicitly.
    pub fn container(mut self, container: Container) -> Self {
        self.container = Some(container);
        self
    }
    /// Turns MP4 faststart on or off.
    pub fn faststart(mut self, on: bool) -> Self {
        self.faststart = on;
        self
    }
    /// Fragmented MP4 with a fragment at least every `seconds`.
    pub fn fragmented(mut self, seconds: f64) -> Self {
        self.fragment_seconds = Some(seconds);
        self
    }
    /// Depth of the queue between the caller and the encoder thread.
    pub fn queue_depth(mut self, frames: usize) -> Self {
        self.queue_depth = frames;
        self
    }
    /// Encoder threads (0: automatic).
    pub fn threads(mut self, threads: u32) -> Self {
        self.threads = threads;
        self
    }
    /// Policy for odd sizes with yuv420p.
    pub fn odd_size(mut self, policy: OddSize) -> Self {
        self.odd_size = policy;
        self
    }
    /// Colour matrix (`None`: by size).
    pub fn color_matrix(mut self, matrix: ColorMatrix) -> Self {
        self.color.matrix = Some(matrix);
        self
    }
    /// Full range (0–255) output instead of limited range.
    pub fn full_range(mut self, on: bool) -> Self {
        self.color.full_range = on;
        self
    }
    /// Explicit per-frame timestamps in units of `time_base` seconds.
    pub fn explicit_timestamps(mut self, time_base: impl Into<FrameRate>) -> Self {
        self.timing = Timing::Explicit {
            time_base: time_base.into(),
        };
        self
    }

    /// Checks every setting; the error names the field, the value and what is allowed.
    pub fn validate(&self) -> Result<()> {
        const MAX_DIM: u32 = 16384;
        if self.width == 0 || self.width > MAX_DIM {
            return Err(Error::config(
                "width",
                self.width,
                format!("1 to {MAX_DIM} pixels"),
            ));
        }
        if self.height == 0 || self.height > MAX_DIM {
            return Err(Error::config(
                "height",
                self.height,
                format!("1 to {MAX_DIM} pixels"),
            ));
        }
        let fr = self.frame_rate;
        if fr.num <= 0 || fr.den <= 0 || fr.as_f64() > 1000.0 {
            return Err(Error::config(
                "frame_rate",
                fr,
                "a positive rate of at most 1000 frames per second, e.g. 30 or 30000/1001",
            ));
        }
        if let Timing::Explicit { time_base } = self.timing {
            if time_base.num <= 0 || time_base.den <= 0 {
                return Err(Error::config(
                    "timing.time_base",
                    time_base,
                    "a positive fraction of a second, e.g. 1/1000",
                ));
            }
        }
        if self.output_format == OutputPixelFormat::Yuv420p
            && self.odd_size == OddSize::Error
            && (self.width % 2 == 1 || self.height % 2 == 1)
        {
            return Err(Error::config(
                "width x height",
                format!("{}x{}", self.width, self.height),
                "even sizes for yuv420p (odd_size is 'error'; use 'pad' or 'crop', or yuv444p)",
            ));
        }
        let planar = match self.input_format {
            PixelFormat::Yuv420p => Some(OutputPixelFormat::Yuv420p),
            PixelFormat::Yuv444p => Some(OutputPixelFormat::Yuv444p),
            _ => None,
        };
        if let Some(out) = planar {
            if out != self.output_format {
                return Err(Error::config(
                    "input_format",
                    self.input_format,
                    format!("planar YUV input only as the output format ({out}), or an RGB or grey input"),
                ));
            }
            if self.output_size() != (self.width, self.height) {
                return Err(Error::config(
                    "width x height",
                    format!("{}x{}", self.width, self.height),
                    "even sizes for yuv420p input (it is encoded as it is)",
                ));
            }
        }
        let x264 = self.codec == Codec::Libx264;
        if let Some(p) = &self.preset {
            if !x264 {
                return Err(Error::config("preset", p, "a preset only with libx264"));
            }
            if !PRESETS.contains(&p.as_str()) {
                return Err(Error::config("preset", p, PRESETS.join(", ")));
            }
        }
        if let Some(t) = &self.tune {
            if !x264 {
                return Err(Error::config("tune", t, "a tune only with libx264"));
            }
            for part in t.split(',') {
                if !TUNES.contains(&part) {
                    return Err(Error::config("tune", t, TUNES.join(", ")));
                }
            }
        }
        if let Some(p) = &self.profile {
            let allowed: &[&str] = match (self.codec, self.output_format) {
                (Codec::Libx264, OutputPixelFormat::Yuv420p) => &["baseline", "main", "high"],
                (Codec::Libx264, OutputPixelFormat::Yuv444p) => &["high444"],
                (Codec::Mpeg4, _) => &[],
            };
            if !allowed.contains(&p.as_str()) {
                let what = if allowed.is_empty() {
                    "no profile with mpeg4".to_string()
                } else {
                    format!(
                        "{} for {} {}",
                        allowed.join(", "),
                        self.codec.name(),
                        self.output_format.name()
                    )
                };
                return Err(Error::config("profile", p, what));
            }
        }
        if self.codec == Codec::Mpeg4 && self.output_format != OutputPixelFormat::Yuv420p {
            return Err(Error::config(
                "output_format",
                self.output_format.name(),
                "yuv420p with mpeg4 (yuv444p needs libx264)",
            ));
        }
        match self.rate {
            None => {}
            Some(RateControl::Crf(c)) => {
                if !x264 {
                    return Err(Error::config(
                        "crf",
                        c,
                        "crf only with libx264; use a bitrate or a quantizer with mpeg4",
                    ));
                }
                if !(0.0..=51.0).contains(&c) {
                    return Err(Error::config("crf", c, "0 to 51 (lower is better)"));
                }
            }
            Some(RateControl::Bitrate(b)) if !(1000..=2_000_000_000).contains(&b) => {
                return Err(Error::config(
                    "bitrate",
                    b,
                    "1000 to 2000000000 bits per second",
                ));
            }
            Some(RateControl::Bitrate(_)) => {}
            Some(RateControl::Quantizer(q)) => {
                if x264 {
                    return Err(Error::config(
                        "quantizer",
                        q,
                        "a quantizer only with mpeg4; use crf with libx264",
                    ));
                }
                if !(1..=31).contains(&q) {
                    return Err(Error::config("quantizer", q, "1 to 31 (lower is better)"));
                }
            }
        }
        if let Some(g) = self.gop {
            if g == 0 || g > 100_000 {
                return Err(Error::config("gop", g, "1 to 100000 frames"));
            }
        }
        if let Some(p) = &self.x264_params {
            if !x264 {
                return Err(Error::config(
                    "x264_params",
                    p,
                    "x264 parameters only with libx264",
                ));
            }
            for kv in p.split(':').filter(|s| !s.is_empty()) {
                match kv.split_once('=') {
                    Some((k, _)) if !k.is_empty() => {}
                    _ => {
                        return Err(Error::config(
                            "x264_params",
                            p,
                            format!("key=value pairs separated by ':' ('{kv}' has no key=value)"),
                        ))
                    }
                }
            }
        }
        for (k, v) in &self.codec_options {
            if k.is_empty() || k.contains('\0') || v.contains('\0') {
                return Err(Error::config(
                    "codec_options",
                    format!("{k}={v}"),
                    "a non-empty option name and a value without NUL bytes",
                ));
            }
        }
        if let Some(s) = self.fragment_seconds {
            if !(s.is_finite() && s > 0.0 && s <= 3600.0) {
                return Err(Error::config(
                    "fragment_seconds",
                    s,
                    "more than 0 and at most 3600 seconds",
                ));
            }
        }
        if let Some(c) = self.container {
            self.check_container(c)?;
        }
        if self.queue_depth == 0 || self.queue_depth > 4096 {
            return Err(Error::config(
                "queue_depth",
                self.queue_depth,
                "1 to 4096 frames",
            ));
        }
        if self.threads > 64 {
            return Err(Error::config(
                "threads",
                self.threads,
                "0 (automatic) to 64",
            ));
        }
        Ok(())
    }

    /// Checks the settings that depend on the container (given, or taken from a file name).
    pub(crate) fn check_container(&self, container: Container) -> Result<()> {
        if let Some(s) = self.fragment_seconds {
            if !container.is_mp4_family() {
                return Err(Error::config(
                    "fragment_seconds",
                    s,
                    format!("fragments only with mp4 or mov, not {}", container.name()),
                ));
            }
        }
        if container == Container::Avi && self.timing != Timing::Constant {
            return Err(Error::config(
                "timing",
                "explicit timestamps",
                "a constant frame rate with AVI (use mp4, mov or mkv for variable frame rate)",
            ));
        }
        Ok(())
    }

    /// The size of the encoded picture after the odd-size policy.
    pub fn output_size(&self) -> (u32, u32) {
        if self.output_format == OutputPixelFormat::Yuv444p {
            return (self.width, self.height);
        }
        let fix = |v: u32| match (v % 2, self.odd_size) {
            (0, _) => v,
            (_, OddSize::Crop) if v > 1 => v - 1,
            _ => v + 1,
        };
        (fix(self.width), fix(self.height))
    }
}
