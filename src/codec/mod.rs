//! Encoders: one module per encoder family, and the table that lists them.
//!
//! A family owns what is particular to its encoder: which settings it takes and their ranges
//! (validation), its default rate control, how the settings become FFmpeg options, and what
//! its log lines mean. Adding an encoder is a new module here, a variant of [`Encoder`] and
//! its row in [`Encoder::info`]; nothing else in the crate changes.

mod anim;
mod av1;
mod ffv1;
mod mpeg4;
mod prores;
mod vpx;
mod x264;
mod x265;

use ff::Rational;
use ffmpeg_next as ff;

use crate::av;
use crate::config::{
    ColorMatrix, Container, EncoderConfig, FrameRate, OutputPixelFormat, RateControl,
};
use crate::error::{Error, Result};
use crate::ffi;
use crate::names::one_of;

named_enum! {
    /// The encoder that makes the video stream, by FFmpeg's name for it (as `ffmpeg -c:v`
    /// takes). The coding format it produces is its [`VideoCodec`]; `h264` names libx264, the
    /// one H.264 encoder encode-native drives.
    #[derive(Default)]
    pub enum Encoder ("codec") {
        /// H.264 through libx264 (the default; plays everywhere).
        #[default]
        Libx264 = ["libx264", "x264", "h264", "avc1"],
        /// H.264 of RGB pictures through libx264rgb (lossless with crf 0).
        Libx264rgb = ["libx264rgb", "x264rgb"],
        /// MPEG-4 Part 2, what OpenCV's `mp4v` fourcc writes; yuv420p only.
        Mpeg4 = ["mpeg4", "mp4v"],
        /// HEVC / H.265 through libx265: about half the size of H.264 at the same quality.
        Libx265 = ["libx265", "x265", "hevc", "h265"],
        /// AV1 through SVT-AV1, the default AV1 encoder: small files, plays in browsers.
        Libsvtav1 = ["libsvtav1", "svtav1", "av1"],
        /// AV1 through libaom (slower than SVT-AV1; 4:2:2 and 4:4:4).
        LibaomAv1 = ["libaom-av1", "libaom", "aom"],
        /// AV1 through rav1e.
        Librav1e = ["librav1e", "rav1e"],
        /// VP9 through libvpx: web video without licence questions, alpha in WebM.
        LibvpxVp9 = ["libvpx-vp9", "libvpx", "vp9"],
        /// Apple ProRes through FFmpeg's prores_ks: editing, alpha with 4444.
        ProresKs = ["prores_ks", "prores"],
        /// FFV1: lossless, for archives and science data.
        Ffv1 = ["ffv1"],
        /// Animated PNG: lossless, with transparency.
        Apng = ["apng"],
        /// Animated WebP through libwebp: quality 0–100 (`crf`), or lossless.
        LibwebpAnim = ["libwebp_anim", "libwebp", "webp"],
        /// GIF: 256-colour palettes made from the frames, Floyd–Steinberg dithering.
        Gif = ["gif"],
    }
}

named_enum! {
    /// A video coding format: what a decoder needs, whichever encoder made it.
    pub enum VideoCodec ("video_codec") {
        /// H.264 / AVC.
        H264 = ["h264", "avc"],
        /// MPEG-4 Part 2 (Visual).
        Mpeg4 = ["mpeg4"],
        /// HEVC / H.265.
        Hevc = ["hevc", "h265"],
        /// AV1.
        Av1 = ["av1"],
        /// VP9.
        Vp9 = ["vp9"],
        /// Apple ProRes.
        Prores = ["prores"],
        /// FFV1 (lossless).
        Ffv1 = ["ffv1"],
        /// Animated PNG.
        Apng = ["apng"],
        /// WebP.
        Webp = ["webp"],
        /// GIF.
        Gif = ["gif"],
    }
}

/// 4:2:0, 4:2:2 and 4:4:4 in 8 and 10 bit: what most software encoders take.
pub(crate) const YUV_8_AND_10_BIT: &[OutputPixelFormat] = &[
    OutputPixelFormat::Yuv420p,
    OutputPixelFormat::Yuv422p,
    OutputPixelFormat::Yuv444p,
    OutputPixelFormat::Yuv420p10le,
    OutputPixelFormat::Yuv422p10le,
    OutputPixelFormat::Yuv444p10le,
];

/// The containers H.264 and MPEG-4 Part 2 go in.
pub(crate) const CLASSIC_CONTAINERS: &[Container] = &[
    Container::Mp4,
    Container::Mov,
    Container::Mkv,
    Container::Avi,
    Container::Ts,
];

/// What encode-native knows about one encoder: a row of the encoder table.
#[derive(Debug)]
#[non_exhaustive]
pub struct EncoderInfo {
    /// The encoder.
    pub encoder: Encoder,
    /// The coding format it writes.
    pub codec: VideoCodec,
    /// The pixel formats it can store.
    pub pixel_formats: &'static [OutputPixelFormat],
    /// The containers it fits in.
    pub containers: &'static [Container],
    /// The licence the encoder puts the linked program under.
    pub license: &'static str,
    /// What is particular to this encoder.
    family: &'static dyn Family,
}

impl std::fmt::Debug for dyn Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Family")
    }
}

impl Encoder {
    /// This encoder's row of the encoder table.
    pub fn info(self) -> &'static EncoderInfo {
        match self {
            Encoder::Libx264 => &x264::INFO,
            Encoder::Libx264rgb => &x264::INFO_RGB,
            Encoder::Mpeg4 => &mpeg4::INFO,
            Encoder::Libx265 => &x265::INFO,
            Encoder::Libsvtav1 => &av1::SVT,
            Encoder::LibaomAv1 => &av1::AOM,
            Encoder::Librav1e => &av1::RAV1E,
            Encoder::LibvpxVp9 => &vpx::INFO,
            Encoder::ProresKs => &prores::INFO,
            Encoder::Ffv1 => &ffv1::INFO,
            Encoder::Apng => &anim::APNG,
            Encoder::LibwebpAnim => &anim::WEBP,
            Encoder::Gif => &anim::GIF,
        }
    }

    /// The coding format this encoder writes.
    pub fn codec(self) -> VideoCodec {
        self.info().codec
    }
}

/// Every setting a family turns into FFmpeg's terms, applied to the codec context in one place.
#[derive(Debug, Default)]
pub(crate) struct CodecOptions {
    /// Encoder AVOptions.
    pub(crate) dict: Vec<(String, String)>,
    /// Codec flags added to the encoder's own defaults (`+qscale`, ...).
    pub(crate) flags: Vec<String>,
    /// Average bitrate, bits per second.
    pub(crate) bit_rate: Option<u64>,
    /// A fixed quantiser (FFmpeg's `qscale`), 1 to 31.
    pub(crate) qscale: Option<u32>,
    /// The user's codec options that the family has merged into its own.
    pub(crate) merged: Vec<&'static str>,
}

impl CodecOptions {
    pub(crate) fn set(&mut self, key: &str, value: impl ToString) {
        self.dict.push((key.to_string(), value.to_string()));
    }

    /// Says that the user's codec option `key` is already in these options.
    pub(crate) fn skip_user_option(&mut self, key: &'static str) {
        self.merged.push(key);
    }
}

/// What is particular to one encoder family.
pub(crate) trait Family: Sync {
    /// Checks the settings this encoder takes (preset, tune, profile, rate control, its own
    /// parameters); the error names the field, the value and what is allowed.
    fn validate(&self, cfg: &EncoderConfig) -> Result<()>;

    /// The rate control used when none is configured.
    fn default_rate(&self) -> RateControl;

    /// Turns the settings into FFmpeg options.
    fn options(&self, cfg: &EncoderConfig, rate: RateControl, out: &mut CodecOptions);

    /// Looks through the lines the encoder logged while opening for a problem it only warned
    /// about (an unknown private parameter, say).
    fn check_log(&self, _lines: &[String]) -> Result<()> {
        Ok(())
    }

    /// The codec tag the stream needs in `container` when the muxer's own choice does not suit
    /// players (HEVC in MP4 as `hvc1`, which Apple's players require).
    fn codec_tag(&self, _container: Container) -> Option<[u8; 4]> {
        None
    }

    /// Options the muxer needs for this encoder's streams (an animation's loop count).
    fn muxer_options(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }
}

/// The muxer options `encoder` asks for.
pub(crate) fn muxer_options(encoder: Encoder) -> &'static [(&'static str, &'static str)] {
    encoder.info().family.muxer_options()
}

/// The codec tag `encoder`'s stream gets in `container`, if it needs one.
pub(crate) fn codec_tag(encoder: Encoder, container: Container) -> Option<[u8; 4]> {
    encoder.info().family.codec_tag(container)
}

/// The encoder a writer uses in `container`: the configured one, or, when that is the default
/// (libx264) and the container cannot hold H.264, the container's own default (WebM: VP9,
/// APNG: apng, WebP: libwebp_anim).
pub(crate) fn encoder_for(cfg: &EncoderConfig, container: Container) -> Encoder {
    if cfg.codec == Encoder::Libx264 && !Encoder::Libx264.info().containers.contains(&container) {
        match container {
            Container::Webm => Encoder::LibvpxVp9,
            Container::Apng => Encoder::Apng,
            Container::Webp => Encoder::LibwebpAnim,
            Container::Gif => Encoder::Gif,
            _ => cfg.codec,
        }
    } else {
        cfg.codec
    }
}

/// The pixel format a writer stores: the configured one, or, when that is the default
/// (yuv420p) and the encoder has no 4:2:0 8-bit, the encoder's own default (ProRes: yuv422p10le).
pub(crate) fn output_format(cfg: &EncoderConfig) -> OutputPixelFormat {
    let formats = cfg.codec.info().pixel_formats;
    if cfg.output_format == OutputPixelFormat::Yuv420p && !formats.contains(&cfg.output_format) {
        formats[0]
    } else {
        cfg.output_format
    }
}

/// Refuses a preset, tune or profile an encoder has no use for.
pub(crate) fn refuse_unused(
    cfg: &EncoderConfig,
    what: &[&'static str],
    encoder: &str,
) -> Result<()> {
    for (field, value) in [
        ("preset", &cfg.preset),
        ("tune", &cfg.tune),
        ("profile", &cfg.profile),
    ] {
        if let (true, Some(v)) = (what.contains(&field), value) {
            return Err(Error::config(
                field,
                v,
                format!("no {field} with {encoder}"),
            ));
        }
    }
    if let Some(p) = &cfg.x264_params {
        return Err(Error::config(
            "x264_params",
            p,
            "x264 parameters only with libx264",
        ));
    }
    Ok(())
}

/// Checks a number against a range, for a setting of `encoder`.
pub(crate) fn in_range(
    field: &'static str,
    value: f64,
    min: f64,
    max: f64,
    encoder: &str,
) -> Result<()> {
    if !(min..=max).contains(&value) {
        return Err(Error::config(
            field,
            value,
            format!("{min} to {max} for {encoder}"),
        ));
    }
    Ok(())
}

/// Checks the settings that depend on the encoder: its pixel formats, then its own rules.
pub(crate) fn validate(cfg: &EncoderConfig) -> Result<()> {
    let info = cfg.codec.info();
    if !info.pixel_formats.contains(&output_format(cfg)) {
        let names: Vec<&str> = info.pixel_formats.iter().map(|p| p.name()).collect();
        return Err(Error::config(
            "output_format",
            cfg.output_format,
            format!("{} with {}", one_of(&names), cfg.codec),
        ));
    }
    if info.encoder != Encoder::Gif {
        if let Some((key, value)) = cfg.palette.first_set() {
            return Err(Error::config(
                key,
                value,
                format!("palette settings only with gif, not with {}", cfg.codec),
            ));
        }
    }
    info.family.validate(cfg)
}

/// Checks that `container` can hold what `encoder` writes.
pub(crate) fn check_container(encoder: Encoder, container: Container) -> Result<()> {
    let info = encoder.info();
    if !info.containers.contains(&container) {
        let names: Vec<&str> = info.containers.iter().map(|c| c.name()).collect();
        return Err(Error::config(
            "container",
            container,
            format!("{} for {encoder}", one_of(&names)),
        ));
    }
    Ok(())
}

/// The bitrate range every encoder accepts.
pub(crate) fn check_bitrate(bits: u64) -> Result<()> {
    if !(1000..=2_000_000_000).contains(&bits) {
        return Err(Error::config(
            "bitrate",
            bits,
            "1000 to 2000000000 bits per second",
        ));
    }
    Ok(())
}

/// An opened video encoder and the time base its timestamps are in.
pub(crate) struct VideoEncoder {
    pub(crate) encoder: Encoder,
    pub(crate) enc: ff::encoder::video::Encoder,
    pub(crate) codec: ff::Codec,
    pub(crate) time_base: Rational,
}

/// Whether FFmpeg answered "not now" or "no more" (flow control, not a failure).
pub(crate) fn is_again_or_eof(e: &ff::Error) -> bool {
    matches!(e, ff::Error::Eof)
        || matches!(e, ff::Error::Other { errno } if *errno == ff::util::error::EAGAIN)
}

impl VideoEncoder {
    /// Opens the configured encoder for `size` output pictures in `time_base`, with a global
    /// header when the container wants one.
    pub(crate) fn open(
        cfg: &EncoderConfig,
        size: (u32, u32),
        time_base: FrameRate,
        matrix: ColorMatrix,
        global_header: bool,
    ) -> Result<Self> {
        let info = cfg.codec.info();
        let name = cfg.codec.name();
        let codec = ff::encoder::find_by_name(name).ok_or_else(|| {
            Error::Unsupported(format!(
                "the linked libavcodec has no '{name}' encoder (`encode-native info` lists the encoders it has; see vendor-notes/ for another FFmpeg build)"
            ))
        })?;
        let mut video = ff::codec::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(|e| Error::ffmpeg("cannot create the video encoder", e))?;
        let time_base = av::rational(time_base);
        video.set_width(size.0);
        video.set_height(size.1);
        video.set_format(av::output_pixel(output_format(cfg)));
        video.set_time_base(time_base);
        video.set_frame_rate(Some(av::rational(cfg.frame_rate)));
        let format = output_format(cfg);
        let tags = av::color_tags(matrix, format);
        video.set_colorspace(tags.space);
        video.set_color_primaries(tags.primaries);
        video.set_color_range(av::range(cfg.color.full_range, format));
        if let Some(g) = cfg.gop {
            video.set_gop(g);
        }

        let mut options = CodecOptions::default();
        // The transfer characteristic has no setter in ffmpeg-next; it is an AVOption.
        options.set("color_trc", tags.transfer);
        options.set(
            "threads",
            match cfg.threads {
                0 => "auto".to_string(),
                n => n.to_string(),
            },
        );
        if global_header {
            options.flags.push("+global_header".into());
        }
        let rate = cfg.rate.unwrap_or_else(|| info.family.default_rate());
        info.family.options(cfg, rate, &mut options);
        if let Some(b) = options.bit_rate {
            video.set_bit_rate(usize::try_from(b).unwrap_or(usize::MAX));
        }
        if let Some(q) = options.qscale {
            options.flags.push("+qscale".into());
            video.set_global_quality(q.saturating_mul(ff::ffi::FF_QP2LAMBDA as u32) as i32);
        }
        // Codec flags are added to the encoder's own defaults (libx264 starts with closed
        // GOPs, "+cgop"), never assigned over them; a user's own "flags" adds to these.
        let mut flags = options.flags.concat();
        for (_, v) in cfg.codec_options.iter().filter(|(k, _)| k == "flags") {
            flags.push_str(v);
        }
        let mut opts = ff::Dictionary::new();
        if !flags.is_empty() {
            opts.set("flags", &flags);
        }
        for (k, v) in &options.dict {
            opts.set(k, v);
        }
        for (k, v) in cfg
            .codec_options
            .iter()
            .filter(|(k, _)| k != "flags" && !options.merged.contains(&k.as_str()))
        {
            opts.set(k, v);
        }

        ffi::clear_log_lines();
        let (enc, unused) = ffi::open_encoder(video, codec, opts)
            .map_err(|e| Error::ffmpeg(format!("cannot open the {name} encoder"), e))?;
        if let Some(kv) = unused.first() {
            return Err(Error::config(
                "codec_options",
                kv,
                format!("an option the {name} encoder knows (see `ffmpeg -h encoder={name}`)"),
            ));
        }
        info.family.check_log(&ffi::take_log_lines())?;
        Ok(VideoEncoder {
            encoder: cfg.codec,
            enc,
            codec,
            time_base,
        })
    }

    /// Sends one frame (or `None` to start draining).
    pub(crate) fn send(&mut self, frame: Option<&ff::frame::Video>) -> Result<()> {
        let res = match frame {
            Some(f) => self.enc.send_frame(f),
            None => self.enc.send_eof(),
        };
        res.map_err(|e| Error::ffmpeg("the encoder refused a frame", e))
    }

    /// The next finished packet, or `None` when the encoder needs more input (or is drained).
    pub(crate) fn receive(&mut self, packet: &mut ff::Packet) -> Result<bool> {
        match self.enc.receive_packet(packet) {
            Ok(()) => Ok(true),
            Err(e) if is_again_or_eof(&e) => Ok(false),
            Err(e) => Err(Error::ffmpeg("encoding failed", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoder_has_its_row() {
        for &e in Encoder::ALL {
            assert_eq!(e.info().encoder, e);
            assert!(!e.info().pixel_formats.is_empty());
            assert!(!e.info().containers.is_empty());
        }
    }
}
