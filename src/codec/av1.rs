//! AV1: SVT-AV1 (the default: crf 0–63, default 35, preset 0–13), libaom (crf, cpu-used 0–8)
//! and rav1e (quantizer 0–255, speed 0–10).

use super::{check_bitrate, in_range, CodecOptions, EncoderInfo, Family, Target, VideoCodec};
use crate::config::{Container, EncoderConfig, OutputPixelFormat as P, RateControl};
use crate::error::{Error, Result};

const CONTAINERS: &[Container] = &[Container::Mp4, Container::Mkv, Container::Webm];

pub(super) static SVT: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Libsvtav1,
    codec: VideoCodec::Av1,
    pixel_formats: &[P::Yuv420p, P::Yuv420p10le],
    containers: CONTAINERS,
    license: "BSD-3-Clause-Clear",
    // SVT-AV1: "Source Width/Height must be at least 64".
    min_size: (64, 64),
    quality: Some(super::QualityScale::new("crf", 0.0, 63.0, Some(35.0))),
    presets: &[],
    family: &Av1 {
        name: "libsvtav1",
        crf: Some((0.0, 63.0, 35.0)),
        qscale: Some(63),
        preset: Some(("preset", 0, 13)),
    },
};

pub(super) static AOM: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::LibaomAv1,
    codec: VideoCodec::Av1,
    pixel_formats: super::YUV_8_AND_10_BIT,
    containers: CONTAINERS,
    license: "BSD-2-Clause",
    min_size: (1, 1),
    quality: Some(super::QualityScale::new("crf", 0.0, 63.0, Some(32.0))),
    presets: &[],
    family: &Av1 {
        name: "libaom-av1",
        crf: Some((0.0, 63.0, 32.0)),
        // FFmpeg's libaom wrapper has no constant-quantiser option.
        qscale: None,
        preset: Some(("cpu-used", 0, 8)),
    },
};

pub(super) static RAV1E: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Librav1e,
    codec: VideoCodec::Av1,
    pixel_formats: super::YUV_8_AND_10_BIT,
    containers: CONTAINERS,
    license: "BSD-2-Clause",
    // Below this the encoder refuses to open (found by trying sizes from 1x1 up).
    min_size: (16, 16),
    quality: Some(super::QualityScale::new("qscale", 0.0, 255.0, Some(100.0))),
    presets: &[],
    family: &Av1 {
        name: "librav1e",
        crf: None,
        qscale: Some(255),
        preset: Some(("speed", 0, 10)),
    },
};

/// One AV1 encoder: its name, its crf range and default (none: a quantizer), its largest
/// constant quantiser `qp` (none: it has no such mode), and the option its numeric `preset`
/// sets with its range.
struct Av1 {
    name: &'static str,
    crf: Option<(f64, f64, f64)>,
    qscale: Option<u32>,
    preset: Option<(&'static str, i32, i32)>,
}

impl Family for Av1 {
    fn validate(&self, cfg: &EncoderConfig, _target: &Target) -> Result<()> {
        if let (Some(p), Some((option, min, max))) = (&cfg.preset, self.preset) {
            match p.parse::<i32>() {
                Ok(v) if (min..=max).contains(&v) => {}
                _ => {
                    return Err(Error::config(
                        "preset",
                        p,
                        format!(
                            "{min} (slowest) to {max} (fastest), {}'s {option}",
                            self.name
                        ),
                    ))
                }
            }
        }
        super::refuse_unused(cfg, &["tune", "profile"], self.name)?;
        match (cfg.rate, self.crf) {
            (Some(RateControl::Crf(c)), Some((min, max, _))) => {
                in_range("crf", c.into(), min, max, self.name)?
            }
            (Some(RateControl::Crf(c)), None) => {
                return Err(Error::config(
                    "crf",
                    c,
                    format!(
                        "qscale (0 to {}) or a bitrate with {}",
                        self.qscale.unwrap_or(0),
                        self.name
                    ),
                ))
            }
            (Some(RateControl::Bitrate(b)), _) => check_bitrate(b)?,
            (Some(RateControl::Quantizer(q)), _) => match self.qscale {
                Some(max) => in_range("qscale", q.into(), 0.0, max.into(), self.name)?,
                None => {
                    return Err(Error::config(
                        "qscale",
                        q,
                        format!(
                            "no constant quantiser with {}: use crf or a bitrate",
                            self.name
                        ),
                    ))
                }
            },
            (None, _) => {}
        }
        Ok(())
    }

    fn ranges(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        match self.crf {
            Some((min, max, default)) => {
                out.push(("crf", format!("{min} to {max} (default {default})")))
            }
            None => out.push(("crf", "none: qscale or a bitrate".to_string())),
        }
        if let Some((option, min, max)) = self.preset {
            out.push((
                "preset",
                format!("{min} (slowest) to {max} (fastest), its {option}"),
            ));
        }
        out.push((
            "qscale",
            match self.qscale {
                Some(max) => format!("0 to {max}, a constant quantiser"),
                None => "none: crf or a bitrate".to_string(),
            },
        ));
        out
    }

    fn default_rate(&self) -> RateControl {
        match self.crf {
            Some((_, _, default)) => RateControl::Crf(default as f32),
            None => RateControl::Quantizer(100),
        }
    }

    fn options(
        &self,
        cfg: &EncoderConfig,
        _target: &Target,
        rate: RateControl,
        out: &mut CodecOptions,
    ) {
        match rate {
            RateControl::Crf(c) => out.set("crf", c.round() as i64),
            RateControl::Bitrate(b) => out.bit_rate = Some(b),
            RateControl::Quantizer(q) => out.set("qp", q),
        }
        if let (Some(p), Some((option, _, _))) = (&cfg.preset, self.preset) {
            out.set(option, p);
        }
    }
}
