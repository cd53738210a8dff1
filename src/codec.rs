//! libx264 / mpeg4 through libavcodec: options, opening, sending frames, draining packets.

use ff::util::color;
use ff::Rational;
use ffmpeg_next as ff;

use crate::config::{Codec, ColorMatrix, EncoderConfig, RateControl};
use crate::convert::output_pixel;
use crate::error::{Error, Result};
use crate::ffi;

/// An opened video encoder and the time base its timestamps are in.
pub(crate) struct VideoEncoder {
    pub(crate) enc: ff::encoder::video::Encoder,
    pub(crate) codec: ff::Codec,
    pub(crate) time_base: Rational,
}

/// Whether FFmpeg answered "not now" or "no more" (flow control, not a failure).
pub(crate) fn is_again_or_eof(e: &ff::Error) -> bool {
    matches!(e, ff::Error::Eof)
        || matches!(e, ff::Error::Other { errno } if *errno == ff::util::error::EAGAIN)
}

impl VideoEncoder {
    /// Opens the configured codec for `size` output pictures in `time_base`, with a global
    /// header when the container wants one.
    pub(crate) fn open(
        cfg: &EncoderConfig,
        size: (u32, u32),
        time_base: Rational,
        matrix: ColorMatrix,
        global_header: bool,
    ) -> Result<Self> {
        let name = cfg.codec.name();
        let codec = ff::encoder::find_by_name(name).ok_or_else(|| {
            Error::Unsupported(format!(
                "the linked libavcodec has no '{name}' encoder (install a build with it, see vendor-notes/)"
            ))
        })?;
        let mut video = ff::codec::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(|e| Error::ffmpeg("cannot create the video encoder", e))?;
        video.set_width(size.0);
        video.set_height(size.1);
        video.set_format(output_pixel(cfg.output_format));
        video.set_time_base(time_base);
        video.set_frame_rate(Some(Rational::new(cfg.frame_rate.num, cfg.frame_rate.den)));
        let (space, primaries) = match matrix {
            ColorMatrix::Bt709 => (color::Space::BT709, color::Primaries::BT709),
            ColorMatrix::Bt601 => (color::Space::SMPTE170M, color::Primaries::SMPTE170M),
        };
        video.set_colorspace(space);
        video.set_color_primaries(primaries);
        video.set_color_range(if cfg.color.full_range {
            color::Range::JPEG
        } else {
            color::Range::MPEG
        });
        // Codec flags are added to the encoder's own defaults (libx264 starts with closed
        // GOPs, "+cgop"), never assigned over them.
        let mut flags = Vec::new();
        if global_header {
            flags.push("+global_header");
        }
        if let Some(g) = cfg.gop {
            video.set_gop(g);
        }

        let mut opts = ff::Dictionary::new();
        // The transfer characteristic has no setter in ffmpeg-next; it is an AVOption.
        opts.set(
            "color_trc",
            match matrix {
                ColorMatrix::Bt709 => "bt709",
                ColorMatrix::Bt601 => "smpte170m",
            },
        );
        opts.set(
            "threads",
            &match cfg.threads {
                0 => "auto".to_string(),
                n => n.to_string(),
            },
        );
        let rate = cfg.rate.unwrap_or(match cfg.codec {
            Codec::Libx264 => RateControl::Crf(23.0),
            Codec::Mpeg4 => RateControl::Quantizer(3),
        });
        match rate {
            RateControl::Crf(c) => opts.set("crf", &c.to_string()),
            RateControl::Bitrate(b) => {
                video.set_bit_rate(b as usize);
            }
            RateControl::Quantizer(q) => {
                flags.push("+qscale");
                video.set_global_quality((q * ff::ffi::FF_QP2LAMBDA as u32) as i32);
            }
        }
        // A user's own "flags" option adds to these rather than replacing them.
        let user_flags = cfg.codec_options.iter().filter(|(k, _)| k == "flags");
        flags.extend(user_flags.map(|(_, v)| v.as_str()));
        if !flags.is_empty() {
            opts.set("flags", &flags.concat());
        }
        if let Some(p) = &cfg.preset {
            opts.set("preset", p);
        }
        if let Some(t) = &cfg.tune {
            opts.set("tune", t);
        }
        if let Some(p) = &cfg.profile {
            opts.set("profile", p);
        }
        if let Some(p) = &cfg.x264_params {
            opts.set("x264-params", p);
        }
        for (k, v) in cfg.codec_options.iter().filter(|(k, _)| k != "flags") {
            opts.set(k, v);
        }

        ffi::clear_log_lines();
        let (enc, unused) = ffi::open_encoder(video, codec, opts)
            .map_err(|e| Error::ffmpeg(format!("cannot open the {name} encoder"), e))?;
        if let Some(kv) = unused.first() {
            return Err(Error::config(
                "codec_options",
                kv,
                format!("an option the {name} encoder knows (see `ffmpeg -h encoder={name}`)"),
            ));
        }
        // libx264 only warns about x264-params it cannot parse; refuse them instead.
        for line in ffi::take_log_lines() {
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
        Ok(VideoEncoder {
            enc,
            codec,
            time_base,
        })
    }

    /// Sends one frame (or `None` to start draining).
    pub(crate) fn send(&mut self, frame: Option<&ff::frame::Video>) -> Result<()> {
        let res = match frame {
            Some(f) => self.enc.send_frame(f),
            None => self.enc.send_eof(),
        };
        res.map_err(|e| Error::ffmpeg("the encoder refused a frame", e))
    }

    /// The next finished packet, or `None` when the encoder needs more input (or is drained).
    pub(crate) fn receive(&mut self, packet: &mut ff::Packet) -> Result<bool> {
        match self.enc.receive_packet(packet) {
            Ok(()) => Ok(true),
            Err(e) if is_again_or_eof(&e) => Ok(false),
            Err(e) => Err(Error::ffmpeg("encoding failed", e)),
        }
    }
}
