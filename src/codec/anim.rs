//! Animated images for pages, READMEs and notebooks: APNG (lossless, alpha) and animated WebP
//! through libwebp (quality 0–100 as `crf`, default 75; `codec_option lossless=1`). Both loop
//! forever.

use super::{in_range, CodecOptions, EncoderInfo, Family, Target, VideoCodec};
use crate::config::{Container, EncoderConfig, OutputPixelFormat as P, RateControl};
use crate::error::{Error, Result};

pub(super) static APNG: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Apng,
    codec: VideoCodec::Apng,
    pixel_formats: &[P::Rgb24, P::Rgba, P::Gray],
    containers: &[Container::Apng],
    license: "LGPL-2.1-or-later",
    min_size: (1, 1),
    quality: None,
    presets: &[],
    family: &Apng,
};

pub(super) static WEBP: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::LibwebpAnim,
    codec: VideoCodec::Webp,
    pixel_formats: &[P::Yuv420p, P::Yuva420p, P::Bgra],
    containers: &[Container::Webp],
    license: "BSD-3-Clause",
    min_size: (1, 1),
    quality: Some(super::QualityScale::new("crf", 100.0, 0.0, Some(75.0))),
    presets: &[],
    family: &Webp,
};

pub(super) static GIF: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Gif,
    codec: VideoCodec::Gif,
    pixel_formats: &[P::Pal8],
    containers: &[Container::Gif],
    license: "LGPL-2.1-or-later",
    min_size: (1, 1),
    quality: None,
    presets: &[],
    family: &Gif,
};

struct Gif;

impl Family for Gif {
    fn validate(&self, cfg: &EncoderConfig, _target: &Target) -> Result<()> {
        super::refuse_unused(cfg, &["preset", "tune", "profile"], "gif")?;
        if cfg!(not(feature = "gif")) {
            return Err(Error::Unsupported(
                "GIF needs encode-native's `gif` feature (its palettes come from quantette)".into(),
            ));
        }
        if let Some(r) = cfg.rate {
            return Err(Error::config(
                "rate",
                r.to_string(),
                "no rate control with gif: the palette settings (colors, dither, palette) set its quality",
            ));
        }
        if let Some(c) = cfg.palette.colors {
            super::in_range("colors", f64::from(c), 2.0, 256.0, "gif")?;
        }
        Ok(())
    }

    fn default_rate(&self) -> RateControl {
        RateControl::Quantizer(0)
    }

    fn options(
        &self,
        _cfg: &EncoderConfig,
        _target: &Target,
        _rate: RateControl,
        _out: &mut CodecOptions,
    ) {
    }

    fn muxer_options(&self) -> &'static [(&'static str, &'static str)] {
        &[("loop", "0")]
    }
}

struct Apng;

impl Family for Apng {
    fn validate(&self, cfg: &EncoderConfig, _target: &Target) -> Result<()> {
        super::refuse_unused(cfg, &["preset", "tune", "profile"], "apng")?;
        if let Some(r) = cfg.rate {
            return Err(Error::config(
                "rate",
                r.to_string(),
                "no rate control with apng: it is lossless",
            ));
        }
        Ok(())
    }

    fn default_rate(&self) -> RateControl {
        RateControl::Quantizer(0)
    }

    fn lossless(&self, _cfg: &EncoderConfig) -> bool {
        true
    }

    fn options(
        &self,
        _cfg: &EncoderConfig,
        _target: &Target,
        _rate: RateControl,
        out: &mut CodecOptions,
    ) {
        // The best of PNG's row filters, chosen per row.
        out.set("pred", "mixed");
    }

    fn muxer_options(&self) -> &'static [(&'static str, &'static str)] {
        &[("plays", "0")]
    }
}

struct Webp;

impl Family for Webp {
    fn validate(&self, cfg: &EncoderConfig, _target: &Target) -> Result<()> {
        super::refuse_unused(cfg, &["preset", "tune", "profile"], "libwebp_anim")?;
        match cfg.rate {
            None => Ok(()),
            Some(RateControl::Crf(q)) => in_range(
                "crf",
                q.into(),
                0.0,
                100.0,
                "libwebp_anim (its quality, higher is better)",
            ),
            Some(_) => Err(Error::config(
                "rate",
                "bitrate or qscale",
                "crf as libwebp's quality, 0 to 100 (higher is better)",
            )),
        }
    }

    fn ranges(&self) -> Vec<(&'static str, String)> {
        vec![(
            "crf",
            "0 to 100, its quality (higher is better) (default 75)".into(),
        )]
    }

    fn default_rate(&self) -> RateControl {
        RateControl::Crf(75.0)
    }

    /// `codec_option lossless=1` makes libwebp lossless (then RGB is stored as BGRA).
    fn lossless(&self, cfg: &EncoderConfig) -> bool {
        cfg.codec_options
            .iter()
            .any(|(k, v)| k == "lossless" && v.trim() == "1")
    }

    fn options(
        &self,
        _cfg: &EncoderConfig,
        _target: &Target,
        rate: RateControl,
        out: &mut CodecOptions,
    ) {
        if let RateControl::Crf(q) = rate {
            out.set("quality", q);
        }
    }

    fn muxer_options(&self) -> &'static [(&'static str, &'static str)] {
        &[("loop", "0")]
    }
}
