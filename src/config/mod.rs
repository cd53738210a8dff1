//! The writer's settings, validated once before any FFmpeg object exists.
//!
//! [`EncoderConfig`] holds them; [`EncoderConfig::set`] sets any of them by name (the
//! vocabulary the command line, Python and C share); `rate`, `color` and `container` hold the
//! value types, and the encoder-specific rules live with each encoder in `codec/`.

mod audio;
mod color;
mod container;
mod delivery;
mod encoder;
mod palette;
mod rate;
mod settings;

pub(crate) use audio::STREAM_KEYS;
pub use audio::{
    AudioDamage, AudioEncoder, AudioLength, AudioSettings, AudioSource, Metadata, SampleFormat,
    Tag, TagScope, ENCODER_TAG,
};
pub use color::{ColorMatrix, ColorSettings};
pub use container::{BrowserElement, Container};
pub(crate) use container::{TimeLimits, GIF_MAX_DELAY_CS, GIF_MIN_DELAY_CS};
pub use delivery::{
    DeliveryKind, DeliverySettings, LateFrames, Rendition, RenditionSize, SegmentFormat,
    MAX_RENDITIONS,
};
pub use encoder::{Encoder, VideoCodec};

pub use palette::{Dither, PaletteMode, PaletteSettings};
pub use rate::FrameRate;
pub use settings::{Setting, SettingGroup, SettingKind};

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
        /// Packed RGB with alpha, 8 bit, in B, G, R, A order: lossless RGBA with FFV1, lossless
        /// WebP.
        Bgra = ["bgra"],
        /// Grey, 8 bit: lossless grey with FFV1 and APNG.
        Gray = ["gray", "gray8"],
        /// Grey, 16 bit: lossless 16-bit grey with FFV1 (science and depth data).
        Gray16le = ["gray16le", "gray16"],
        /// Packed RGB, 16 bit per channel: lossless 16-bit RGB with FFV1.
        Rgb48le = ["rgb48le", "rgb48"],
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
            OutputPixelFormat::Gray16le | OutputPixelFormat::Rgb48le => 16,
            _ => 8,
        }
    }

    /// Whether it stores grey only (one plane, full range, no colour matrix).
    pub fn is_gray(self) -> bool {
        matches!(self, OutputPixelFormat::Gray | OutputPixelFormat::Gray16le)
    }

    /// Whether it keeps an alpha (transparency) plane.
    pub fn has_alpha(self) -> bool {
        matches!(
            self,
            OutputPixelFormat::Yuva420p
                | OutputPixelFormat::Yuva444p10le
                | OutputPixelFormat::Rgba
                | OutputPixelFormat::Bgra
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
                | OutputPixelFormat::Bgra
                | OutputPixelFormat::Rgb48le
        )
    }

    /// The formats that store frames of `input` exactly, best first: what a lossless encoder
    /// picks when no output format is chosen.
    pub fn exact_for(input: PixelFormat) -> &'static [OutputPixelFormat] {
        use OutputPixelFormat as O;
        match input {
            PixelFormat::Rgb24 | PixelFormat::Bgr24 => &[O::Bgr0, O::Rgb24, O::Bgra, O::Rgba],
            PixelFormat::Rgba | PixelFormat::Bgra => &[O::Bgra, O::Rgba],
            PixelFormat::Gray8 => &[O::Gray, O::Bgr0, O::Rgb24],
            PixelFormat::Gray16Le => &[O::Gray16le],
            // Floats are staged as 16-bit RGB: the most that is kept of them.
            PixelFormat::Rgb48Le | PixelFormat::RgbF32 => &[O::Rgb48le],
            PixelFormat::Yuv420p => &[O::Yuv420p],
            PixelFormat::Yuv444p => &[O::Yuv444p],
        }
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
    /// Fixed quantiser (FFmpeg's `-q:v`), 1 (best) to 31: mpeg4, mjpeg (from 2), and the
    /// encoders that take a constant quantiser.
    Quantizer(u32),
}

/// As the command line and Python name it: `crf 23`, `bitrate 500000`, `qscale 5`.
impl std::fmt::Display for RateControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RateControl::Crf(c) => write!(f, "crf {c}"),
            RateControl::Bitrate(b) => write!(f, "bitrate {b}"),
            RateControl::Quantizer(q) => write!(f, "qscale {q}"),
        }
    }
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
    /// Pixel format stored in the video. The default (yuv420p, as [`EncoderConfig::new`]
    /// sets it) means "the encoder's usual one": yuv420p where the encoder has it, the
    /// encoder's own default otherwise (ProRes: yuv422p10le), and for a lossless encoder
    /// (FFV1, libx264rgb, APNG, lossless WebP) the format that keeps the input exactly (RGB:
    /// bgr0, RGBA: bgra, grey: gray, 16-bit: 16-bit). Any other value, or yuv420p set through
    /// [`output_format`](Self::output_format) or `set("pix_fmt", ..)`, is used as it is.
    pub output_format: OutputPixelFormat,
    /// A libavfilter graph applied to the pushed pictures before they are converted and
    /// encoded (the `-vf` syntax of ffmpeg's command line: `scale=320:240`, `crop=640:360:0:60`,
    /// `transpose=1`, `fps=15`, `hflip,pad=iw+20:ih:10:0`); `None`: no filter. The stored size
    /// and frame rate are what the graph makes of the input's, learnt before anything is written.
    pub filter: Option<String>,
    /// Codec (default libx264).
    pub codec: Encoder,
    /// libx264 preset (`ultrafast` … `placebo`); `None` is x264's `medium`.
    pub preset: Option<String>,
    /// libx264 tune (`film`, `animation`, `grain`, `stillimage`, `psnr`, `ssim`, `fastdecode`, `zerolatency`).
    pub tune: Option<String>,
    /// H.264 profile (`baseline`, `main`, `high`, `high444`); `None` lets x264 choose.
    pub profile: Option<String>,
    /// Rate control; `None` is crf 23 for libx264 and quantiser 3 for mpeg4 and mjpeg.
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
    /// The soundtrack: none unless a source is given.
    pub audio: AudioSettings,
    /// Tags and display rotation.
    pub metadata: Metadata,
    /// HLS and DASH segments and manifests, renditions, RTMP and SRT push.
    pub delivery: DeliverySettings,
    /// Whether the output format was chosen (so that yuv420p is kept even for a lossless
    /// encoder).
    output_format_chosen: bool,
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
            filter: None,
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
            audio: AudioSettings::default(),
            metadata: Metadata::default(),
            delivery: DeliverySettings::default(),
            output_format_chosen: false,
        }
    }

    /// A soundtrack of samples pushed with
    /// [`VideoWriter::push_audio`](crate::VideoWriter::push_audio): `sample_rate` samples per
    /// second of each of `channels` channels. Their time comes from their count: the samples
    /// after the first N start at N / `sample_rate` seconds, as the video's frames do.
    pub fn audio_samples(mut self, sample_rate: u32, channels: u16) -> Self {
        self.audio.source = Some(AudioSource::Samples);
        self.audio.sample_rate = Some(sample_rate);
        self.audio.channels = Some(channels);
        self
    }

    /// A soundtrack read from `path` (any file libavformat reads; `-` is standard input):
    /// copied as it is when the container takes its codec, otherwise decoded and encoded.
    pub fn audio_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.audio.source = Some(AudioSource::File(path.into()));
        self
    }

    /// The format of the samples that will be pushed: what a lossless encoder stores
    /// (16-bit FLAC for `i16`, 24-bit for the others).
    pub fn audio_sample_format(mut self, format: SampleFormat) -> Self {
        self.audio.sample_format = format;
        self
    }

    /// The audio encoder (otherwise the container's default).
    pub fn audio_codec(mut self, codec: AudioEncoder) -> Self {
        self.audio.codec = Some(codec);
        self
    }

    /// The audio bitrate in bits per second (AAC, Opus, MP3).
    pub fn audio_bitrate(mut self, bits_per_second: u64) -> Self {
        self.audio.bitrate = Some(bits_per_second);
        self
    }

    /// What happens when the soundtrack and the video last differently.
    pub fn audio_length(mut self, policy: AudioLength) -> Self {
        self.audio.length = policy;
        self
    }

    /// Seconds the soundtrack starts after the video (negative: skips its first seconds).
    pub fn audio_offset(mut self, seconds: f64) -> Self {
        self.audio.offset = seconds;
        self
    }

    /// Adds the tag `key=value` (`s:v:KEY` and `s:a:KEY` tag the video or audio stream).
    pub fn metadata(mut self, key: &str, value: &str) -> Self {
        self.metadata.add(key, value);
        self
    }

    /// Display rotation in degrees clockwise: 0, 90, 180 or 270.
    pub fn rotation(mut self, degrees: u16) -> Self {
        self.metadata.rotation = degrees;
        self
    }

    /// Sets the pixel format of the frames you will push.
    pub fn input_format(mut self, format: PixelFormat) -> Self {
        self.input_format = format;
        self
    }
    /// Sets the pixel format stored in the video.
    pub fn output_format(mut self, format: OutputPixelFormat) -> Self {
        self.choose_output_format(format);
        self
    }

    /// Sets the output format as chosen by the user (kept as it is, even yuv420p).
    pub(crate) fn choose_output_format(&mut self, format: OutputPixelFormat) {
        self.output_format = format;
        self.output_format_chosen = true;
    }

    /// The output format the user chose, if any (`None`: the encoder's usual one).
    pub(crate) fn chosen_output_format(&self) -> Option<OutputPixelFormat> {
        (self.output_format_chosen || self.output_format != OutputPixelFormat::Yuv420p)
            .then_some(self.output_format)
    }
    /// Sets the filter graph (the `-vf` syntax), see [`filter`](Self::filter).
    ///
    /// ```
    /// use encode_native::{Container, EncoderConfig};
    /// let plan = EncoderConfig::new(640, 480, 30).filter("scale=320:240").plan(Container::Mp4)?;
    /// assert_eq!(plan.output_size(), (320, 240));
    /// # Ok::<(), encode_native::Error>(())
    /// ```
    pub fn filter(mut self, graph: impl Into<String>) -> Self {
        self.filter = Some(graph.into());
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
    /// A fixed quantiser (FFmpeg's `-q:v`; mpeg4 1 to 31, mjpeg 2 to 31; lower is better).
    pub fn quantizer(mut self, q: u32) -> Self {
        self.rate = Some(RateControl::Quantizer(q));
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

    /// The size of the encoded picture after the odd-size policy, for the configured
    /// output format (a writer's [`Plan::output_size`](crate::Plan::output_size) is the one
    /// for the format it resolves to).
    pub fn output_size(&self) -> (u32, u32) {
        output_size(self.width, self.height, self.output_format, self.odd_size)
    }
}

/// The size of a `width`×`height` picture stored as `format` after the odd-size `policy`.
pub(crate) fn output_size(
    width: u32,
    height: u32,
    format: OutputPixelFormat,
    policy: OddSize,
) -> (u32, u32) {
    let (sx, sy) = format.chroma_step();
    let fix = |v: u32, step: u32| match (v % step, policy) {
        (0, _) => v,
        (_, OddSize::Crop) if v > 1 => v - 1,
        _ => v + 1,
    };
    (fix(width, sx), fix(height, sy))
}
