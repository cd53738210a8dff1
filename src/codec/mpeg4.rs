//! FFmpeg's own MPEG-4 Part 2 encoder (OpenCV's `mp4v`) and its Microsoft variant (msmpeg4,
//! version 3, the `.wmv` default of ffmpeg and imageio): a fixed quantiser or a bitrate.

use super::{check_bitrate, CodecOptions, EncoderInfo, Family, Target, VideoCodec};
use crate::config::{Container, EncoderConfig, OutputPixelFormat, RateControl};
use crate::error::{Error, Result};

pub(super) static INFO: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Mpeg4,
    codec: VideoCodec::Mpeg4,
    pixel_formats: &[OutputPixelFormat::Yuv420p],
    containers: super::CLASSIC_CONTAINERS,
    license: "LGPL-2.1-or-later",
    min_size: (1, 1),
    quality: Some(super::QualityScale::new("qscale", 1.0, 31.0, Some(3.0))),
    presets: &[],
    family: &Mpeg4("mpeg4"),
};

pub(super) static MSMPEG4: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Msmpeg4,
    codec: VideoCodec::Msmpeg4v3,
    pixel_formats: &[OutputPixelFormat::Yuv420p],
    containers: &[Container::Wmv, Container::Avi, Container::Mkv],
    license: "LGPL-2.1-or-later",
    min_size: (1, 1),
    quality: Some(super::QualityScale::new("qscale", 1.0, 31.0, Some(3.0))),
    presets: &[],
    family: &Mpeg4("msmpeg4"),
};

/// FFmpeg's MPEG-4 encoders, by name (for messages).
struct Mpeg4(&'static str);

impl Family for Mpeg4 {
    fn validate(&self, cfg: &EncoderConfig, _target: &Target) -> Result<()> {
        if let Some(p) = &cfg.preset {
            return Err(Error::config("preset", p, "a preset only with libx264"));
        }
        if let Some(t) = &cfg.tune {
            return Err(Error::config("tune", t, "a tune only with libx264"));
        }
        if let Some(p) = &cfg.profile {
            return Err(Error::config(
                "profile",
                p,
                format!("no profile with {}", self.0),
            ));
        }
        match cfg.rate {
            Some(RateControl::Crf(c)) => {
                return Err(Error::config(
                    "crf",
                    c,
                    format!(
                        "crf only with libx264; use a bitrate or a quantizer with {}",
                        self.0
                    ),
                ))
            }
            Some(RateControl::Bitrate(b)) => check_bitrate(b)?,
            Some(RateControl::Quantizer(q)) if !(1..=31).contains(&q) => {
                return Err(Error::config("quantizer", q, "1 to 31 (lower is better)"))
            }
            _ => {}
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

    fn ranges(&self) -> Vec<(&'static str, String)> {
        vec![("qscale", "1 (best) to 31 (default 3)".into())]
    }

    fn default_rate(&self) -> RateControl {
        RateControl::Quantizer(3)
    }

    fn options(
        &self,
        _cfg: &EncoderConfig,
        _target: &Target,
        rate: RateControl,
        out: &mut CodecOptions,
    ) {
        match rate {
            RateControl::Bitrate(b) => out.bit_rate = Some(b),
            RateControl::Quantizer(q) => out.qscale = Some(q),
            // Refused by `validate`; the default quantiser if it ever came through.
            RateControl::Crf(_) => out.qscale = Some(3),
        }
    }
}
