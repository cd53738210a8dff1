//! libvpx VP9: constant quality by crf (0–63, default 31, with no bitrate cap), `preset` as
//! its cpu-used (-8 to 8), row threads; alpha in WebM.

use super::{check_bitrate, in_range, CodecOptions, EncoderInfo, Family, Target, VideoCodec};
use crate::config::{Container, EncoderConfig, OutputPixelFormat as P, RateControl};
use crate::error::{Error, Result};

pub(super) static INFO: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::LibvpxVp9,
    codec: VideoCodec::Vp9,
    pixel_formats: &[
        P::Yuv420p,
        P::Yuva420p,
        P::Yuv422p,
        P::Yuv444p,
        P::Yuv420p10le,
        P::Yuv422p10le,
        P::Yuv444p10le,
    ],
    containers: &[Container::Webm, Container::Mkv, Container::Mp4],
    license: "BSD-3-Clause",
    min_size: (1, 1),
    quality: Some(super::QualityScale::new("crf", 0.0, 63.0, Some(31.0))),
    presets: &[],
    family: &Vp9,
};

struct Vp9;

impl Family for Vp9 {
    fn validate(&self, cfg: &EncoderConfig, target: &Target) -> Result<()> {
        if let Some(p) = &cfg.preset {
            match p.parse::<i32>() {
                Ok(v) if (-8..=8).contains(&v) => {}
                _ => {
                    return Err(Error::config(
                        "preset",
                        p,
                        "-8 to 8, libvpx-vp9's cpu-used (higher is faster)",
                    ))
                }
            }
        }
        super::refuse_unused(cfg, &["tune", "profile"], "libvpx-vp9")?;
        match cfg.rate {
            Some(RateControl::Crf(c)) => in_range("crf", c.into(), 0.0, 63.0, "libvpx-vp9")?,
            Some(RateControl::Bitrate(b)) => check_bitrate(b)?,
            Some(RateControl::Quantizer(q)) => {
                return Err(Error::config(
                    "quantizer",
                    q,
                    "crf or a bitrate with libvpx-vp9",
                ))
            }
            None => {}
        }
        if target.format.has_alpha() && target.container != Some(Container::Webm) {
            if let Some(c) = target.container {
                return Err(Error::config(
                    "container",
                    c,
                    "webm for VP9 with alpha (the alpha plane travels as WebM side data)",
                ));
            }
        }
        Ok(())
    }

    fn ranges(&self) -> Vec<(&'static str, String)> {
        vec![
            ("crf", "0 to 63, constant quality (default 31)".into()),
            ("preset", "-8 to 8, its cpu-used (higher is faster)".into()),
        ]
    }

    fn default_rate(&self) -> RateControl {
        RateControl::Crf(31.0)
    }

    fn options(
        &self,
        cfg: &EncoderConfig,
        _target: &Target,
        rate: RateControl,
        out: &mut CodecOptions,
    ) {
        match rate {
            RateControl::Crf(c) => {
                out.set("crf", c.round() as i64);
                // Constant quality: no bitrate cap.
                out.bit_rate = Some(0);
            }
            RateControl::Bitrate(b) => out.bit_rate = Some(b),
            RateControl::Quantizer(_) => {}
        }
        out.set("row-mt", 1);
        if let Some(p) = &cfg.preset {
            out.set("cpu-used", p);
        }
    }
}
