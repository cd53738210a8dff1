//! The writer's settings, validated once before any FFmpeg object exists.
//!
//! [`EncoderConfig`] holds them; [`EncoderConfig::set`] sets any of them by name (the
//! vocabulary the command line, Python and C share); `rate`, `color` and `container` hold the
//! value types, and the encoder-specific rules live with each encoder in `codec/`.

mod color;
mod container;
mod palette;
mod rate;
mod settings;

pub use color::{ColorMatrix, ColorSettings};
pub use container::Container;
pub(crate) use container::TimeLimits;
pub use palette::{Dither, PaletteMode, PaletteSettings};
pub use rate::FrameRate;
pub use settings::{Setting, SettingKind};

use crate::codec::Encoder;
use crate::error::{Error, Result};
use crate::frame::PixelFormat;

named_enum! {
    /// The pixel format stored in the video: chroma subsampling, bit depth and alpha.
    #[derive(Default)]
    pub enum OutputPixelFormat ("output_format") {
        /// 4:2:0, 8 bit: plays everywhere (browsers, phones). Needs even sizes (see [`OddSize`]).
        #[default]
        Yuv420p = ["yuv420p"],
        /// 4:4:4, 8 bit: full colour resolution (H.264 profile High 4:4:4); most browsers
        /// cannot play it.
        Yuv444p = ["yuv444p"],
        /// 4:2:2, 8 bit (broadcast and editing).
        Yuv422p = ["yuv422p"],
        /// 4:2:0, 10 bit: smooth gradients, HDR work (HEVC, AV1, VP9, FFV1).
        Yuv420p10le = ["yuv420p10le", "yuv420p10"],
        /// 4:2:2, 10 bit (ProRes 422, HEVC, VP9, FFV1).
        Yuv422p10le = ["yuv422p10le", "yuv422p10"],
        /// 4:4:4, 10 bit (ProRes 4444, HEVC, VP9, FFV1).
        Yuv444p10le = ["yuv444p10le", "yuv444p10"],
        /// 4:2:0, 8 bit, with an alpha plane (VP9 in WebM, FFV1).
        Yuva420p = ["yuva420p"],
        /// 4:4:4, 10 bit, with an alpha plane (ProRes 4444).
        Yuva444p10le = ["yuva444p10le", "yuva444p10"],
        /// Packed RGB, 8 bit with a padding byte (B, G, R, 0), no conversion to YUV: lossless
        /// RGB with FFV1.
        Bgr0 = ["bgr0"],
        /// Packed RGB, 8 bit: lossless RGB with libx264rgb, APNG.
        Rgb24 = ["rgb24"],
        /// Packed RGB with alpha, 8 bit: APNG with transparency.
        Rgba = ["rgba"],
        /// 256 colours from palettes made from the frames (GIF); see [`PaletteSettings`].
        Pal8 = ["pal8"],
    }
}

impl OutputPixelFormat {
    /// The planar input format with this layout (what [`YuvConverter`](crate::YuvConverter)
    /// makes), for the 8-bit formats without alpha that it converts to.
    pub fn planar_input(self) -> PixelFormat {
        match self {
            OutputPixelFormat::Yuv444p => PixelFormat::Yuv444p,
            _ => PixelFormat::Yuv420p,
        }
    }

    /// How many pixels share one chroma sample across and down: (2, 2) for 4:2:0, (2, 1) for
    /// 4:2:2, (1, 1) for 4:4:4.
    pub fn chroma_step(self) -> (u32, u32) {
        match self {
            OutputPixelFormat::Yuv420p
            | OutputPixelFormat::Yuv420p10le
            | OutputPixelFormat::Yuva420p => (2, 2),
            OutputPixelFormat::Yuv422p | OutputPixelFormat::Yuv422p10le => (2, 1),
            _ => (1, 1),
        }
    }

    /// Bits per sample.
    pub fn bit_depth(self) -> u32 {
        match self {
            OutputPixelFormat::Yuv420p10le
            | OutputPixelFormat::Yuv422p10le
            | OutputPixelFormat::Yuv444p10le
            | OutputPixelFormat::Yuva444p10le => 10,
            _ => 8,
        }
    }

    /// Whether it keeps an alpha (transparency) plane.
    pub fn has_alpha(self) -> bool {
        matches!(
            self,
            OutputPixelFormat::Yuva420p | OutputPixelFormat::Yuva444p10le | OutputPixelFormat::Rgba
        )
    }

    /// Whether it stores RGB as it is (no YUV matrix, full range).
    pub fn is_rgb(self) -> bool {
        matches!(
            self,
            OutputPixelFormat::Bgr0
                | OutputPixelFormat::Rgb24
                | OutputPixelFormat::Rgba
                | OutputPixelFormat::Pal8
        )
    }

    /// Whether encode-native's SIMD converter makes it (8-bit 4:2:0 and 4:4:4 without alpha).
    pub(crate) fn simd(self) -> bool {
        matches!(
            self,
            OutputPixelFormat::Yuv420p | OutputPixelFormat::Yuv444p
        )
    }
}

named_enum! {
    /// What to do with an odd width or height when the output is yuv420p (which needs even sizes).
    #[derive(Default)]
    pub enum OddSize ("odd_size") {
        /// Add one row and/or column, repeating the last one (the default): nothing is lost.
        #[default]
        Pad = ["pad"],
        /// Drop the last row and/or column.
        Crop = ["crop"],
        /// Refuse the configuration.
        Error = ["error"],
    }
}

/// How the encoder spends bits.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum RateControl {
    /// libx264 constant rate factor, 0 (lossless) to 51; 18 looks lossless, 23 is the default.
    Crf(f32),
    /// Average bitrate in bits per second.
    Bitrate(u64),
    /// mpeg4 fixed quantiser, 1 (best) to 31.
    Quantizer(u32),
}

/// How frames get their presentation times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
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
    pub codec: Encoder,
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
    /// Make the video a clean segment for [`concat`](crate::concat): it starts with a
    /// keyframe that needs nothing before it and no frame refers across a keyframe (closed
    /// GOPs), whatever the encoder's own default (x265's GOPs are open unless told).
    pub segment: bool,
    /// How a 256-colour output (GIF) gets its palettes.
    pub palette: PaletteSettings,
}

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
            codec: Encoder::Libx264,
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
            segment: false,
            palette: PaletteSettings::default(),
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
    pub fn codec(mut self, codec: Encoder) -> Self {
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
        // The default codec follows the container (see `codec`).
        if let Some(c) = self.container {
            let encoder = crate::codec::encoder_for(self, c);
            if encoder != self.codec {
                let mut resolved = self.clone();
                resolved.codec = encoder;
                return resolved.validate();
            }
        }
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
        // Rates every container stores exactly: from one frame per 1000 s to 1000 frames per
        // second, as a fraction of terms up to a million (29.97 is 30000/1001).
        let fr = self.frame_rate;
        if fr.num <= 0
            || fr.den <= 0
            || fr.num > 1_000_000
            || fr.den > 1_000_000
            || fr.as_f64() > 1000.0
            || fr.as_f64() < 0.001
        {
            return Err(Error::config(
                "frame_rate",
                fr,
                "0.001 to 1000 frames per second, as a number or a fraction of terms up to 1000000, e.g. 30, 12.5 or 30000/1001",
            ));
        }
        if let Timing::Explicit { time_base } = self.timing {
            if time_base.num <= 0
                || time_base.den <= 0
                || time_base.num > 1_000_000_000
                || time_base.den > 1_000_000_000
                || time_base.as_f64() > 1000.0
            {
                return Err(Error::config(
                    "timing.time_base",
                    time_base,
                    "a positive fraction of a second of terms up to 1000000000 and at most 1000 s, e.g. 1/1000",
                ));
            }
        }
        let (sx, sy) = self.output_format.chroma_step();
        if self.odd_size == OddSize::Error && (self.width % sx == 1 || self.height % sy == 1) {
            return Err(Error::config(
                "width x height",
                format!("{}x{}", self.width, self.height),
                format!(
                    "even sizes for {} (odd_size is 'error'; use 'pad' or 'crop', or yuv444p)",
                    self.output_format
                ),
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
        // FFmpeg's own limit on a picture (av_image_check_size): about 268 million pixels.
        let (ow, oh) = self.output_size();
        if (u64::from(ow) + 128) * (u64::from(oh) + 128) >= (i32::MAX / 8) as u64 {
            return Err(Error::config(
                "width x height",
                format!("{}x{}", self.width, self.height),
                "a picture FFmpeg can hold: (width + 128) x (height + 128) under 268435455, e.g. up to 16000x16000",
            ));
        }
        crate::codec::validate(self)?;
        if let Some(g) = self.gop {
            if g == 0 || g > 100_000 {
                return Err(Error::config("gop", g, "1 to 100000 frames"));
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
        crate::codec::check_container(self.codec, container)?;
        if let Some(s) = self.fragment_seconds {
            if !container.is_mp4_family() {
                return Err(Error::config(
                    "fragment_seconds",
                    s,
                    format!("fragments only with mp4 or mov, not {}", container.name()),
                ));
            }
        }
        if container.needs_seeking() && self.timing != Timing::Constant {
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
        let (sx, sy) = self.output_format.chroma_step();
        let fix = |v: u32, step: u32| match (v % step, self.odd_size) {
            (0, _) => v,
            (_, OddSize::Crop) if v > 1 => v - 1,
            _ => v + 1,
        };
        (fix(self.width, sx), fix(self.height, sy))
    }
}
