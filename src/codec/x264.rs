//! libx264 (H.264): presets, tunes, profiles, crf, x264-params and its log warnings.

use super::{check_bitrate, CodecOptions, EncoderInfo, Family, Target, VideoCodec};
use crate::config::{EncoderConfig, OutputPixelFormat, RateControl};
use crate::error::{Error, Result};

pub(super) static INFO: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Libx264,
    codec: VideoCodec::H264,
    pixel_formats: &[OutputPixelFormat::Yuv420p, OutputPixelFormat::Yuv444p],
    containers: super::CLASSIC_CONTAINERS,
    license: "GPL-2.0-or-later",
    min_size: (1, 1),
    quality: Some(super::QualityScale::new("crf", 0.0, 51.0, Some(23.0))),
    presets: PRESETS,
    family: &X264,
};

pub(super) static INFO_RGB: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Libx264rgb,
    codec: VideoCodec::H264,
    pixel_formats: &[OutputPixelFormat::Rgb24],
    containers: super::CLASSIC_CONTAINERS,
    license: "GPL-2.0-or-later",
    min_size: (1, 1),
    quality: Some(super::QualityScale::new("crf", 0.0, 51.0, Some(23.0))),
    presets: PRESETS,
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

/// The tunes that set x264's psychovisual options (one at most).
const PSY_TUNES: &[&str] = &["film", "animation", "grain", "stillimage", "psnr", "ssim"];

/// x264 parameters that read or write files: never taken, whatever the path.
const FILE_PARAMS: &[&str] = &[
    "dump-yuv",
    "stats",
    "qpfile",
    "cqmfile",
    "tcfile-in",
    "tcfile-out",
    "pass",
    "log-file",
    "opencl-clbin",
];

/// Numeric x264 parameters and the ranges x264 accepts without silently changing them.
const RANGES: &[(&str, f64, f64)] = &[
    ("keyint", 1.0, 100_000.0),
    ("min-keyint", 1.0, 100_000.0),
    ("bframes", 0.0, 16.0),
    ("b-adapt", 0.0, 2.0),
    ("ref", 1.0, 16.0),
    ("threads", 0.0, 128.0),
    ("lookahead-threads", 0.0, 16.0),
    ("rc-lookahead", 0.0, 250.0),
    ("scenecut", 0.0, 100.0),
    ("crf", 0.0, 51.0),
    ("qp", 0.0, 51.0),
    ("qpmin", 0.0, 51.0),
    ("qpmax", 0.0, 81.0),
    ("qpstep", 1.0, 51.0),
    ("subme", 0.0, 11.0),
    ("me-range", 4.0, 1024.0),
    ("merange", 4.0, 1024.0),
    ("trellis", 0.0, 2.0),
    ("aq-mode", 0.0, 3.0),
    ("aq-strength", 0.0, 3.0),
    ("slices", 0.0, 1024.0),
    ("bitrate", 1.0, 2_000_000.0),
    ("vbv-maxrate", 0.0, 2_000_000.0),
    ("vbv-bufsize", 0.0, 2_000_000.0),
    ("ipratio", 1.0, 10.0),
    ("pbratio", 1.0, 10.0),
    ("qcomp", 0.0, 1.0),
];

/// Parameters that say again what a typed setting says: (parameter, setting, whether the
/// setting was given).
fn overlaps(cfg: &EncoderConfig) -> [(&'static str, &'static str, bool); 5] {
    [
        ("crf", "crf/bitrate/qscale", cfg.rate.is_some()),
        ("qp", "crf/bitrate/qscale", cfg.rate.is_some()),
        ("bitrate", "crf/bitrate/qscale", cfg.rate.is_some()),
        ("keyint", "gop", cfg.gop.is_some()),
        ("threads", "threads", cfg.threads != 0),
    ]
}

/// Checks raw x264 parameters: `key=value` pairs, each key once, no file access, values
/// within what x264 takes as it is, and none that contradicts a typed setting.
fn check_params(cfg: &EncoderConfig, params: &str) -> Result<()> {
    let bad = |why: String| Err(Error::config("x264_params", params, why));
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for kv in params.split(':').filter(|s| !s.is_empty()) {
        let Some((key, value)) = kv.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return bad(format!(
                "key=value pairs separated by ':' ('{kv}' has no key=value)"
            ));
        };
        if value.contains('=') {
            return bad(format!("one '=' per pair ('{kv}' has two)"));
        }
        let key = key.trim();
        if let Some((_, before)) = seen.iter().find(|(k, _)| *k == key) {
            if *before != value {
                return bad(format!(
                    "each parameter once ('{key}' is given as {before} and as {value})"
                ));
            }
        }
        seen.push((key, value));
        if FILE_PARAMS.contains(&key) {
            return bad(format!(
                "no parameter that reads or writes files ('{key}' is refused)"
            ));
        }
        if let Some((_, setting, _)) = overlaps(cfg)
            .iter()
            .find(|(k, _, given)| *k == key && *given)
        {
            return bad(format!(
                "'{key}' only when the {setting} setting is not given too (they would contradict each other)"
            ));
        }
        if let Some(&(_, min, max)) = RANGES.iter().find(|(k, _, _)| *k == key) {
            let infinite = key == "keyint" && value == "infinite";
            match value.trim().parse::<f64>() {
                _ if infinite => {}
                Ok(v) if v.is_finite() && (min..=max).contains(&v) => {}
                _ => return bad(format!("{key} from {min} to {max} (got '{value}')")),
            }
        }
    }
    Ok(())
}

struct X264;

impl Family for X264 {
    fn validate(&self, cfg: &EncoderConfig, target: &Target) -> Result<()> {
        if let Some(p) = &cfg.preset {
            if !PRESETS.contains(&p.as_str()) {
                return Err(Error::config("preset", p, PRESETS.join(", ")));
            }
        }
        if let Some(t) = &cfg.tune {
            if t.split(',').any(|part| !TUNES.contains(&part)) {
                return Err(Error::config("tune", t, TUNES.join(", ")));
            }
            // x264 takes one psychovisual tuning; given two it prints a warning of its own
            // and drops one.
            let psy = t.split(',').filter(|p| PSY_TUNES.contains(p)).count();
            let parts: Vec<&str> = t.split(',').collect();
            let unique = parts.iter().collect::<std::collections::HashSet<_>>().len();
            if psy > 1 || unique != parts.len() {
                return Err(Error::config(
                    "tune",
                    t,
                    format!(
                        "at most one of {} (plus fastdecode and/or zerolatency), each once",
                        PSY_TUNES.join(", ")
                    ),
                ));
            }
        }
        if let Some(p) = &cfg.profile {
            let allowed: &[&str] = match target.format {
                OutputPixelFormat::Yuv444p | OutputPixelFormat::Rgb24 => &["high444"],
                _ => &["baseline", "main", "high"],
            };
            if !allowed.contains(&p.as_str()) {
                return Err(Error::config(
                    "profile",
                    p,
                    format!(
                        "{} for {} {}",
                        allowed.join(", "),
                        target.encoder,
                        target.format
                    ),
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
            check_params(cfg, p)?;
            if cfg.segment && p.split(':').any(|kv| kv == "open-gop=1") {
                return Err(Error::config(
                    "x264_params",
                    p,
                    "closed GOPs for a segment (open-gop=1 refers across keyframes)",
                ));
            }
        }
        for (k, v) in &cfg.codec_options {
            if ["x264-params", "x264opts", "stats", "passlogfile", "pass"].contains(&k.as_str()) {
                return Err(Error::config(
                    "codec_options",
                    format!("{k}={v}"),
                    "x264 parameters through x264_params (where they are checked), and no options that read or write files",
                ));
            }
        }
        Ok(())
    }

    fn ranges(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "crf",
                "0 (lossless) to 51, 18 looks lossless (default 23)".into(),
            ),
            ("preset", format!("{} (default medium)", PRESETS.join(", "))),
            (
                "tune",
                format!(
                    "{} (one of the first six, plus fastdecode/zerolatency)",
                    TUNES.join(", ")
                ),
            ),
            (
                "profile",
                "baseline, main, high (yuv420p); high444 (yuv444p, rgb24)".into(),
            ),
            ("qscale", "0 to 51, a constant quantiser".into()),
        ]
    }

    fn default_rate(&self) -> RateControl {
        RateControl::Crf(23.0)
    }

    fn options(
        &self,
        cfg: &EncoderConfig,
        _target: &Target,
        rate: RateControl,
        out: &mut CodecOptions,
    ) {
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
                        .trim_end_matches('.')
                        .trim_matches(['\'', '"']),
                    "parameters x264 knows, key=value separated by ':' (see `x264 --fullhelp`)",
                ));
            }
        }
        Ok(())
    }
}
