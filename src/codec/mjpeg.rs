//! FFmpeg's MJPEG encoder (OpenCV's `MJPG`): every frame a baseline JPEG, in AVI, MOV or MKV.
//!
//! JPEG stores YUV in full range (0–255), FFmpeg's `yuvj420p`/`yuvj422p`/`yuvj444p`. Those
//! names are deprecated aliases of the planar formats with a full-range tag, so the table
//! lists `yuv420p`, `yuv422p` and `yuv444p` and the plan stores them in full range for this
//! encoder whatever `full_range` says ([`Family::full_range_only`]): FFmpeg's encoder refuses
//! limited range without `-strict unofficial`, and decoders read JPEG as full range anyway.
//!
//! Rate control is a fixed quantiser (FFmpeg's `-q:v`), 2 (best) to 31; the default, 3, is
//! what comes closest to OpenCV's `MJPG` writer at its default quality 95 (measured: the
//! README's OpenCV section). A bitrate works too (FFmpeg's rate control over JPEG frames).

use super::{check_bitrate, CodecOptions, EncoderInfo, Family, Target, VideoCodec};
use crate::config::{Container, EncoderConfig, OutputPixelFormat as P, RateControl};
use crate::error::{Error, Result};

/// The default quantiser: OpenCV's MJPG at quality 95, as closely as measured.
pub(crate) const DEFAULT_QSCALE: u32 = 3;

pub(super) static INFO: EncoderInfo = EncoderInfo {
    encoder: super::Encoder::Mjpeg,
    codec: VideoCodec::Mjpeg,
    pixel_formats: &[P::Yuv420p, P::Yuv422p, P::Yuv444p],
    containers: &[Container::Avi, Container::Mov, Container::Mkv],
    license: "LGPL-2.1-or-later",
    min_size: (1, 1),
    quality: Some(super::QualityScale::new("qscale", 2.0, 31.0, Some(3.0))),
    presets: &[],
    family: &Mjpeg,
};

struct Mjpeg;

impl Family for Mjpeg {
    fn validate(&self, cfg: &EncoderConfig, _target: &Target) -> Result<()> {
        super::refuse_unused(cfg, &["preset", "tune", "profile"], "mjpeg")?;
        match cfg.rate {
            Some(RateControl::Crf(c)) => Err(Error::config(
                "crf",
                c,
                "no crf with mjpeg; use qscale 2 (best) to 31, or a bitrate",
            )),
            Some(RateControl::Bitrate(b)) => check_bitrate(b),
            // FFmpeg's JPEG quantiser below 2 clips the DC coefficients of 8-bit pictures.
            Some(RateControl::Quantizer(q)) if !(2..=31).contains(&q) => Err(Error::config(
                "quantizer",
                q,
                "2 to 31 for mjpeg (lower is better)",
            )),
            _ => Ok(()),
        }
    }

    fn ranges(&self) -> Vec<(&'static str, String)> {
        vec![(
            "qscale",
            format!("2 (best) to 31 (default {DEFAULT_QSCALE})"),
        )]
    }

    fn default_rate(&self) -> RateControl {
        RateControl::Quantizer(DEFAULT_QSCALE)
    }

    fn full_range_only(&self) -> bool {
        true
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
            RateControl::Crf(_) => out.qscale = Some(DEFAULT_QSCALE),
        }
    }
}
