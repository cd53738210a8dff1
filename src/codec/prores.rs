//! Apple ProRes through prores_ks: `profile` proxy, lt, standard, hq, 4444 or 4444xq (the
//! default follows the pixel format: hq for 4:2:2, 4444 for 4:4:4 and alpha).

use super::{CodecOptions, EncoderInfo, Family, Target, VideoCodec};
use crate::config::{Container, EncoderConfig, OutputPixelFormat as P, RateControl};
use crate::error::{Error, Result};

pub(super) static INFO: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::ProresKs,
    codec: VideoCodec::Prores,
    pixel_formats: &[P::Yuv422p10le, P::Yuv444p10le, P::Yuva444p10le],
    containers: &[Container::Mov, Container::Mkv],
    license: "LGPL-2.1-or-later",
    min_size: (1, 1),
    quality: Some(super::QualityScale::new("qscale", 1.0, 31.0, None)),
    presets: &[],
    family: &Prores,
};

const PROFILES: &[&str] = &["proxy", "lt", "standard", "hq", "4444", "4444xq"];

struct Prores;

impl Family for Prores {
    fn validate(&self, cfg: &EncoderConfig, target: &Target) -> Result<()> {
        super::refuse_unused(cfg, &["preset", "tune"], "prores_ks")?;
        let format = target.format;
        if let Some(p) = &cfg.profile {
            let i = PROFILES
                .iter()
                .position(|x| x == p)
                .ok_or_else(|| Error::config("profile", p, PROFILES.join(", ")))?;
            let four = i >= 4;
            if four != (format != P::Yuv422p10le) {
                return Err(Error::config(
                    "profile",
                    p,
                    format!(
                        "{} with {format} (4444 and 4444xq are 4:4:4, the others 4:2:2)",
                        if four {
                            "proxy, lt, standard or hq"
                        } else {
                            "4444 or 4444xq"
                        }
                    ),
                ));
            }
        }
        match cfg.rate {
            None => Ok(()),
            Some(RateControl::Quantizer(q)) if (1..=31).contains(&q) => Ok(()),
            Some(_) => Err(Error::config(
                "rate",
                "crf or bitrate",
                "the profile sets ProRes's data rate (or qscale 1 to 31)",
            )),
        }
    }

    fn ranges(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "profile",
                format!(
                    "{} (default hq for 4:2:2, 4444 for 4:4:4)",
                    PROFILES.join(", ")
                ),
            ),
            (
                "qscale",
                "1 to 31 (default: the profile's own data rate)".into(),
            ),
        ]
    }

    fn default_rate(&self) -> RateControl {
        RateControl::Quantizer(0)
    }

    fn options(
        &self,
        cfg: &EncoderConfig,
        target: &Target,
        rate: RateControl,
        out: &mut CodecOptions,
    ) {
        if let RateControl::Quantizer(q) = rate {
            if q > 0 {
                out.qscale = Some(q);
            }
        }
        let profile = match (&cfg.profile, target.format) {
            (Some(p), _) => p.as_str(),
            (None, P::Yuv422p10le) => "hq",
            (None, _) => "4444",
        };
        let index = PROFILES.iter().position(|x| *x == profile).unwrap_or(3);
        out.set("profile", index);
    }
}
