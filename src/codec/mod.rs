//! Encoders: one module per encoder family, and the table that lists them.
//!
//! A family owns what is particular to its encoder: which settings it takes and their ranges
//! (validation), its default rate control, how the settings become FFmpeg options, and what
//! its log lines mean. Adding an encoder is a new module here, a variant of [`Encoder`] and
//! its row in [`Encoder::info`]; nothing else in the crate changes.
//!
//! This module reads the user's settings (`config/`) and is read by the plan (`plan.rs`),
//! which asks it about the encoder it resolves to; it opens nothing (`encode.rs` does).

mod anim;
pub(crate) mod audio;
mod av1;
mod ffv1;
mod mjpeg;
mod mpeg4;
mod prores;
mod vpx;
mod x264;
mod x265;

use crate::config::{Container, EncoderConfig, OutputPixelFormat, RateControl};
pub use crate::config::{Encoder, VideoCodec};
use crate::error::{Error, Result};
use crate::names::one_of;

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
    /// The smallest picture (width, height) the encoder opens for, as stored (after the
    /// odd-size policy); the plan refuses a smaller one with this size.
    pub min_size: (u32, u32),
    /// Its numeric quality scale (`crf` 0–51 for libx264, `qscale` 2–31 for mjpeg, ...), or
    /// `None` where quality is not a number (lossless or palette-based encoders). Tools that
    /// map a quality of their own (imageio's 0–10) onto an encoder use it.
    pub quality: Option<QualityScale>,
    /// The named presets its `preset` setting takes, fastest first (x264's and x265's
    /// `ultrafast` … `placebo`); empty where presets are numbers or there are none.
    pub presets: &'static [&'static str],
    /// What is particular to this encoder.
    family: &'static dyn Family,
}

/// An encoder's numeric quality scale: the setting that carries it, its best and worst
/// values (best may be the larger: libwebp's quality runs 0 to 100, 100 best), and the
/// encoder's default on it (`None` where another setting decides, as ProRes's profile does).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct QualityScale {
    /// The setting (`crf` or `qscale`).
    pub key: &'static str,
    /// Its best value.
    pub best: f64,
    /// Its worst value.
    pub worst: f64,
    /// The encoder's default, where this setting sets it.
    pub default: Option<f64>,
}

impl QualityScale {
    pub(crate) const fn new(
        key: &'static str,
        best: f64,
        worst: f64,
        default: Option<f64>,
    ) -> Self {
        QualityScale {
            key,
            best,
            worst,
            default,
        }
    }
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
            Encoder::Msmpeg4 => &mpeg4::MSMPEG4,
            Encoder::Mjpeg => &mjpeg::INFO,
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

/// What the plan decided that an encoder family needs besides the user's settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    /// The encoder.
    pub(crate) encoder: Encoder,
    /// The pixel format it stores.
    pub(crate) format: OutputPixelFormat,
    /// The container, when known (validation without an output has none).
    pub(crate) container: Option<Container>,
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
    fn validate(&self, cfg: &EncoderConfig, target: &Target) -> Result<()>;

    /// The rate control used when none is configured.
    fn default_rate(&self) -> RateControl;

    /// Turns the settings into FFmpeg options.
    fn options(
        &self,
        cfg: &EncoderConfig,
        target: &Target,
        rate: RateControl,
        out: &mut CodecOptions,
    );

    /// Whether these settings make the encoder lossless, so that the plan stores the input's
    /// pixels exactly when no output format is chosen.
    fn lossless(&self, _cfg: &EncoderConfig) -> bool {
        false
    }

    /// What this encoder's settings take, one line each (`("crf", "0 to 51, default 23")`),
    /// for help texts and the README.
    fn ranges(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

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

    /// Whether the encoder stores YUV in full range only (JPEG), whatever `full_range` says.
    fn full_range_only(&self) -> bool {
        false
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

/// Whether `encoder` stores YUV in full range whatever the settings say (MJPEG).
pub(crate) fn full_range_only(encoder: Encoder) -> bool {
    encoder.info().family.full_range_only()
}

/// Whether `encoder` is lossless with these settings.
pub(crate) fn lossless(encoder: Encoder, cfg: &EncoderConfig) -> bool {
    encoder.info().family.lossless(cfg)
}

/// The rate control `encoder` uses when none is configured.
pub(crate) fn default_rate(encoder: Encoder) -> RateControl {
    encoder.info().family.default_rate()
}

/// Turns the settings into `target.encoder`'s FFmpeg options.
pub(crate) fn options(cfg: &EncoderConfig, target: &Target, rate: RateControl) -> CodecOptions {
    let mut out = CodecOptions::default();
    target
        .encoder
        .info()
        .family
        .options(cfg, target, rate, &mut out);
    out
}

/// Looks through what `encoder` logged while opening for a problem it only warned about.
pub(crate) fn check_log(encoder: Encoder, lines: &[String]) -> Result<()> {
    encoder.info().family.check_log(lines)
}

impl EncoderInfo {
    /// What this encoder takes for the settings whose ranges differ from one encoder to the
    /// next (`crf`, `preset`, `tune`, `profile`, `qscale`, `colors`), as (key, text) with the
    /// default: `("crf", "0 to 51 (default 28)")`.
    pub fn setting_ranges(&self) -> Vec<(&'static str, String)> {
        self.family.ranges()
    }
}

impl crate::config::Setting {
    /// What each encoder takes for this setting, where that differs from one encoder to the
    /// next (empty for the others): `[(Libx264, "0 (lossless) to 51 ..."), ...]`.
    pub fn per_encoder(&self) -> Vec<(Encoder, String)> {
        Encoder::ALL
            .iter()
            .filter(|e| **e != Encoder::Libx264rgb)
            .flat_map(|&e| {
                e.info()
                    .setting_ranges()
                    .into_iter()
                    .filter(|(k, _)| *k == self.key)
                    .map(move |(_, text)| (e, text))
            })
            .collect()
    }

    /// The whole help text of this setting, as the command line, Python's `help()` and C's
    /// `en_config_key_help` show it: what it does, what each encoder takes, the choices, the
    /// default and an example.
    pub fn describe(&self) -> String {
        let mut text = self.help.to_string();
        let per = self.per_encoder();
        if !per.is_empty() {
            let list: Vec<String> = per.iter().map(|(e, t)| format!("{e}: {t}")).collect();
            text.push_str(&format!(" ({})", list.join("; ")));
        }
        if !self.choices.is_empty() {
            text.push_str(&format!("; one of: {}", self.choices.join(", ")));
        }
        if !self.default.is_empty() {
            text.push_str(&format!("; default: {}", self.default));
        }
        if !self.example.is_empty() {
            text.push_str(&format!("; e.g. {}", self.example));
        }
        text
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
pub(crate) fn validate(cfg: &EncoderConfig, target: &Target) -> Result<()> {
    let info = target.encoder.info();
    if !info.pixel_formats.contains(&target.format) {
        let names: Vec<&str> = info.pixel_formats.iter().map(|p| p.name()).collect();
        return Err(Error::config(
            "output_format",
            target.format,
            format!("{} with {}", one_of(&names), target.encoder),
        ));
    }
    if info.encoder != Encoder::Gif {
        if let Some((key, value)) = cfg.palette.first_set() {
            return Err(Error::config(
                key,
                value,
                format!(
                    "palette settings only with gif, not with {}",
                    target.encoder
                ),
            ));
        }
    }
    info.family.validate(cfg, target)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every encoder × container pair the tables allow is one the linked libavformat stores
    /// (where it can tell: a muxer with neither a codec list nor a check of its own, as
    /// MPEG-TS for codecs other than its default, is left to the encoding tests, which write
    /// every pair), for the video and the audio encoders.
    #[test]
    fn the_tables_allow_only_what_libavformat_stores() {
        crate::ffi::init();
        let mut refused = Vec::new();
        let (mut confirmed, mut untold) = (0, 0);
        let video = Encoder::ALL
            .iter()
            .map(|e| (e.name(), e.info().codec.name(), e.info().containers));
        let audio = crate::config::AudioEncoder::ALL
            .iter()
            .map(|e| (e.name(), e.info().codec, e.info().containers));
        for (encoder, codec, allowed) in video.chain(audio) {
            for &container in Container::ALL {
                if !allowed.contains(&container) {
                    continue;
                }
                match crate::ffi::muxer_stores(container.muxer(), codec) {
                    Some(true) => confirmed += 1,
                    Some(false) => refused.push(format!("{encoder} ({codec}) in {container}")),
                    None => untold += 1,
                }
            }
        }
        assert!(
            refused.is_empty(),
            "the tables allow what libavformat does not store: {}",
            refused.join(", ")
        );
        eprintln!(
            "{confirmed} pairs confirmed by libavformat, {untold} left to the encoding tests"
        );
        assert!(
            confirmed > untold,
            "{confirmed} pairs confirmed, {untold} untold"
        );
    }

    #[test]
    fn the_named_presets_are_what_the_preset_setting_takes() {
        for &e in Encoder::ALL {
            for preset in e.info().presets {
                let mut cfg = crate::config::EncoderConfig::new(64, 64, 30);
                cfg.set("codec", e.name()).unwrap();
                cfg.set("preset", preset).unwrap();
                let plan = crate::plan::Plan::resolve(&cfg, Some(e.info().containers[0]));
                assert!(plan.is_ok(), "{e} preset {preset}: {:?}", plan.err());
            }
        }
        assert_eq!(Encoder::Libx264.info().presets.first(), Some(&"ultrafast"));
        assert!(Encoder::LibvpxVp9.info().presets.is_empty());
    }

    #[test]
    fn every_encoder_has_its_row() {
        for &e in Encoder::ALL {
            assert_eq!(e.info().encoder, e);
            assert!(!e.info().pixel_formats.is_empty());
            assert!(!e.info().containers.is_empty());
        }
    }
}
