//! FFV1: lossless, for archives and science data (level 3, slices, checksums).

use super::{CodecOptions, EncoderInfo, Family, Target, VideoCodec};
use crate::config::{Container, EncoderConfig, OutputPixelFormat as P, RateControl};
use crate::error::{Error, Result};

pub(super) static INFO: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Ffv1,
    codec: VideoCodec::Ffv1,
    pixel_formats: &[
        P::Yuv420p,
        P::Yuv422p,
        P::Yuv444p,
        P::Yuva420p,
        P::Yuv420p10le,
        P::Yuv422p10le,
        P::Yuv444p10le,
        P::Bgr0,
        P::Bgra,
        P::Gray,
        P::Gray16le,
        P::Rgb48le,
    ],
    containers: &[Container::Mkv, Container::Avi],
    license: "LGPL-2.1-or-later",
    // FFV1 with encode-native's 4 slices (a 2x2 grid) needs two pixels each way.
    min_size: (2, 2),
    quality: None,
    presets: &[],
    family: &Ffv1,
};

struct Ffv1;

impl Family for Ffv1 {
    fn validate(&self, cfg: &EncoderConfig, _target: &Target) -> Result<()> {
        super::refuse_unused(cfg, &["preset", "tune", "profile"], "ffv1")?;
        if let Some(r) = cfg.rate {
            return Err(Error::config(
                "rate",
                r.to_string(),
                "no rate control with ffv1: it is lossless",
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
        out.set("level", 3);
        out.set("slicecrc", 1);
        out.set("slices", 4);
    }
}
