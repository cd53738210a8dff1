//! libx264 (H.264): presets, tunes, profiles, crf, x264-params and its log warnings.

use super::{check_bitrate, CodecOptions, EncoderInfo, Family, VideoCodec};
use crate::config::{Container, EncoderConfig, OutputPixelFormat, RateControl};
use crate::error::{Error, Result};

pub(super) static INFO: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Libx264,
    codec: VideoCodec::H264,
    pixel_formats: &[OutputPixelFormat::Yuv420p, OutputPixelFormat::Yuv444p],
    containers: &[
        Container::Mp4,
        Container::Mov,
        Container::Mkv,
        Container::Avi,
        Container::Ts,
    ],
    license: "GPL-2.0-or-later",
    family: &X264,
};

/// x264's presets, fastest first.
pub(crate) const PRESETS: &[&str] = &[
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
];

/// x264's tunes (several may be combined with commas).
pub(crate) const TUNES: &[&str] = &[
    "film",
    "animation",
    "grain",
    "stillimage",
    "psnr",
    "ssim",
    "fastdecode",
    "zerolatency",
];

struct X264;

impl Family for X264 {
    fn validate(&self, cfg: &EncoderConfig) -> Result<()> {
        if let Some(p) = &cfg.preset {
            if !PRESETS.contains(&p.as_str()) {
                return Err(Error::config("preset", p, PRESETS.join(", ")));
            }
        }
        if let Some(t) = &cfg.tune {
            if t.split(',').any(|part| !TUNES.contains(&part)) {
                return Err(Error::config("tune", t, TUNES.join(", ")));
            }
        }
        if let Some(p) = &cfg.profile {
            let allowed: &[&str] = match cfg.output_format {
                OutputPixelFormat::Yuv444p => &["high444"],
                _ => &["baseline", "main", "high"],
            };
            if !allowed.contains(&p.as_str()) {
                return Err(Error::config(
                    "profile",
                    p,
                    format!("{} for libx264 {}", allowed.join(", "), cfg.output_format),
                ));
            }
        }
        match cfg.rate {
            Some(RateControl::Crf(c)) if !(0.0..=51.0).contains(&c) => {
                return Err(Error::config("crf", c, "0 to 51 (lower is better)"))
            }
            Some(RateControl::Bitrate(b)) => check_bitrate(b)?,
            Some(RateControl::Quantizer(q)) => {
                return Err(Error::config(
                    "quantizer",
                    q,
                    "a quantizer only with mpeg4; use crf with libx264",
                ))
            }
            _ => {}
        }
        if let Some(p) = &cfg.x264_params {
            for kv in p.split(':').filter(|s| !s.is_empty()) {
                match kv.split_once('=') {
                    Some((k, _)) if !k.is_empty() => {}
                    _ => {
                        return Err(Error::config(
                            "x264_params",
                            p,
                            format!("key=value pairs separated by ':' ('{kv}' has no key=value)"),
                        ))
                    }
                }
            }
        }
        Ok(())
    }

    fn default_rate(&self) -> RateControl {
        RateControl::Crf(23.0)
    }

    fn options(&self, cfg: &EncoderConfig, rate: RateControl, out: &mut CodecOptions) {
        match rate {
            RateControl::Crf(c) => out.set("crf", c),
            RateControl::Bitrate(b) => out.bit_rate = Some(b),
            RateControl::Quantizer(q) => out.qscale = Some(q),
        }
        for (key, value) in [
            ("preset", &cfg.preset),
            ("tune", &cfg.tune),
            ("profile", &cfg.profile),
            ("x264-params", &cfg.x264_params),
        ] {
            if let Some(v) = value {
                out.set(key, v);
            }
        }
    }

    /// libx264 only warns about x264-params it cannot parse; refuse them instead.
    fn check_log(&self, lines: &[String]) -> Result<()> {
        for line in lines {
            if let Some(pos) = line.find("Error parsing option") {
                return Err(Error::config(
                    "x264_params",
                    line[pos + "Error parsing option".len()..]
                        .trim()
                        .trim_end_matches('.'),
                    "parameters x264 knows, key=value separated by ':' (see `x264 --fullhelp`)",
                ));
            }
        }
        Ok(())
    }
}
