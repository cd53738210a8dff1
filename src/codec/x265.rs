//! libx265 (HEVC): presets and tunes of its own, crf (default 28), `hvc1` in MP4/MOV.

use super::{check_bitrate, in_range, CodecOptions, EncoderInfo, Family, Target, VideoCodec};
use crate::config::{Container, EncoderConfig, RateControl};
use crate::error::{Error, Result};

pub(super) static INFO: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Libx265,
    codec: VideoCodec::Hevc,
    pixel_formats: super::YUV_8_AND_10_BIT,
    containers: &[
        Container::Mp4,
        Container::Mov,
        Container::Mkv,
        Container::Ts,
    ],
    license: "GPL-2.0-or-later",
    // Below this the encoder refuses to open (found by trying sizes from 1x1 up).
    min_size: (16, 16),
    quality: Some(super::QualityScale::new("crf", 0.0, 51.0, Some(28.0))),
    presets: PRESETS,
    family: &X265,
};

const PRESETS: &[&str] = &[
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
const TUNES: &[&str] = &[
    "psnr",
    "ssim",
    "grain",
    "zerolatency",
    "fastdecode",
    "animation",
];

struct X265;

impl Family for X265 {
    fn validate(&self, cfg: &EncoderConfig, _target: &Target) -> Result<()> {
        if let Some(p) = &cfg.preset {
            if !PRESETS.contains(&p.as_str()) {
                return Err(Error::config("preset", p, PRESETS.join(", ")));
            }
        }
        if let Some(t) = &cfg.tune {
            if !TUNES.contains(&t.as_str()) {
                return Err(Error::config("tune", t, TUNES.join(", ")));
            }
        }
        super::refuse_unused(cfg, &["profile"], "libx265")?;
        match cfg.rate {
            Some(RateControl::Crf(c)) => in_range("crf", c.into(), 0.0, 51.0, "libx265")?,
            Some(RateControl::Bitrate(b)) => check_bitrate(b)?,
            Some(RateControl::Quantizer(q)) => {
                in_range("quantizer", q.into(), 0.0, 51.0, "libx265")?
            }
            None => {}
        }
        Ok(())
    }

    fn ranges(&self) -> Vec<(&'static str, String)> {
        vec![
            ("crf", "0 to 51 (default 28)".into()),
            ("preset", format!("{} (default medium)", PRESETS.join(", "))),
            ("tune", TUNES.join(", ")),
            ("qscale", "0 to 51, a constant quantiser".into()),
        ]
    }

    fn default_rate(&self) -> RateControl {
        RateControl::Crf(28.0)
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
            RateControl::Quantizer(q) => out.set("qp", q),
        }
        for (key, value) in [("preset", &cfg.preset), ("tune", &cfg.tune)] {
            if let Some(v) = value {
                out.set(key, v);
            }
        }
        // x265 prints its banner and statistics to stderr itself unless told not to.
        let user = cfg
            .codec_options
            .iter()
            .find(|(k, _)| k == "x265-params")
            .map(|(_, v)| v.as_str());
        // A clean segment needs closed GOPs, which x265 does not make by default.
        let base = if cfg.segment {
            "log-level=none:open-gop=0"
        } else {
            "log-level=none"
        };
        out.set(
            "x265-params",
            match user {
                Some(p) if !p.is_empty() => format!("{base}:{p}"),
                _ => base.into(),
            },
        );
        out.skip_user_option("x265-params");
    }

    fn codec_tag(&self, container: Container) -> Option<[u8; 4]> {
        container.is_mp4_family().then_some(*b"hvc1")
    }
}
