//! libavcodec: opens the encoder the plan names, sends it pictures, takes its packets.

use ff::Rational;
use ffmpeg_next as ff;

use crate::av::{self, is_again_or_eof};
use crate::codec;
use crate::error::{Error, Result};
use crate::ffi;
use crate::output::stream::StreamSpec;
use crate::plan::Plan;

/// An opened video encoder and the time base its timestamps are in.
pub(crate) struct VideoEncoder {
    pub(crate) enc: ff::encoder::video::Encoder,
    pub(crate) time_base: Rational,
    /// The quality every frame asks for: the fixed quantiser as a lambda, or 0 (none).
    pub(crate) frame_quality: i32,
    /// libx265, whose decoding timestamps are heap garbage when fewer frames than its
    /// B-frame delay plus one (3 at most) are encoded: it never sets the delay's time then
    /// (x265 issue 781, in x265 4.1).
    x265: bool,
    /// Frames sent so far.
    sent: u64,
    /// The encoder is draining (no more frames).
    draining: bool,
}

/// The most frames libx265 needs before its decoding timestamps are sound: its B-frame delay
/// (2 with B-pyramid, else 1 or 0) plus one.
const X265_SOUND_DTS_FRAMES: u64 = 3;

impl VideoEncoder {
    /// The video stream it feeds, as `plan` describes it (rate, tags, codec tag, rotation);
    /// after opening, so that the encoder's extradata (SPS/PPS) is in its parameters.
    pub(crate) fn stream_spec(&self, plan: &Plan) -> StreamSpec {
        let rate = plan.frame_rate();
        let tags = plan.tags();
        let mut spec = StreamSpec::new(ff::codec::Parameters::from(&*self.enc), self.time_base);
        spec.frame_rate = Some(Rational::new(rate.num, rate.den));
        spec.tags = tags.video.clone();
        spec.codec_tag = plan.codec_tag().map(u32::from_le_bytes);
        spec.rotation = tags.rotation;
        spec
    }

    /// Opens the plan's encoder, with a global header when the container wants one.
    pub(crate) fn open(plan: &Plan, global_header: bool) -> Result<Self> {
        let cfg = plan.settings();
        let encoder = plan.encoder();
        let name = encoder.name();
        let codec = ff::encoder::find_by_name(name).ok_or_else(|| {
            Error::Unsupported(format!(
                "the linked libavcodec has no '{name}' encoder (`encode-native info` lists the encoders it has; see vendor-notes/ for another FFmpeg build)"
            ))
        })?;
        let mut video = ff::codec::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(|e| Error::ffmpeg("cannot create the video encoder", e))?;
        let time_base = av::rational(plan.time_base());
        let (width, height) = plan.output_size();
        let format = plan.output_format();
        video.set_width(width);
        video.set_height(height);
        video.set_format(av::output_pixel(format));
        video.set_time_base(time_base);
        video.set_frame_rate(Some(av::rational(plan.frame_rate())));
        let tags = av::color_tags(plan.color_matrix(), format);
        video.set_colorspace(tags.space);
        video.set_color_primaries(tags.primaries);
        video.set_color_range(av::range(plan.full_range(), format));
        if let Some(g) = cfg.gop {
            video.set_gop(g);
        }

        let mut options = codec::options(cfg, &plan.target(), plan.rate());
        // The transfer characteristic has no setter in ffmpeg-next; it is an AVOption.
        options.set("color_trc", tags.transfer);
        options.set(
            "threads",
            match cfg.threads {
                0 => "auto".to_string(),
                n => n.to_string(),
            },
        );
        if global_header {
            options.flags.push("+global_header".into());
        }
        if let Some(b) = options.bit_rate {
            video.set_bit_rate(usize::try_from(b).unwrap_or(usize::MAX));
        }
        let mut frame_quality = 0;
        if let Some(q) = options.qscale {
            options.flags.push("+qscale".into());
            frame_quality = q.saturating_mul(ff::ffi::FF_QP2LAMBDA as u32) as i32;
            video.set_global_quality(frame_quality);
        }
        // Codec flags are added to the encoder's own defaults (libx264 starts with closed
        // GOPs, "+cgop"), never assigned over them; a user's own "flags" adds to these.
        let mut flags = options.flags.concat();
        for (_, v) in cfg.codec_options.iter().filter(|(k, _)| k == "flags") {
            flags.push_str(v);
        }
        let mut opts = ff::Dictionary::new();
        if !flags.is_empty() {
            opts.set("flags", &flags);
        }
        for (k, v) in &options.dict {
            opts.set(k, v);
        }
        for (k, v) in cfg
            .codec_options
            .iter()
            .filter(|(k, _)| k != "flags" && !options.merged.contains(&k.as_str()))
        {
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
        codec::check_log(encoder, &ffi::take_log_lines())?;
        Ok(VideoEncoder {
            enc,
            time_base,
            frame_quality,
            x265: encoder == codec::Encoder::Libx265,
            sent: 0,
            draining: false,
        })
    }

    /// Sends one frame (or `None` to start draining).
    pub(crate) fn send(&mut self, frame: Option<&mut ff::frame::Video>) -> Result<()> {
        let res = match frame {
            Some(f) => {
                if self.frame_quality != 0 {
                    ffi::set_frame_quality(f, self.frame_quality);
                }
                self.sent += 1;
                self.enc.send_frame(f)
            }
            None => {
                self.draining = true;
                self.enc.send_eof()
            }
        };
        res.map_err(|e| Error::ffmpeg("the encoder refused a frame", e))
    }

    /// The next finished packet, or `None` when the encoder needs more input (or is drained).
    pub(crate) fn receive(&mut self, packet: &mut ff::Packet) -> Result<bool> {
        match self.enc.receive_packet(packet) {
            Ok(()) => {
                if self.x265 && self.draining && self.sent < X265_SOUND_DTS_FRAMES {
                    // So few frames cannot be reordered (the first is a key frame and nothing
                    // follows the others): each decodes when it shows. libx265 gave a
                    // decoding time from uninitialised memory instead.
                    packet.set_dts(packet.pts());
                }
                Ok(true)
            }
            Err(e) if is_again_or_eof(&e) => Ok(false),
            Err(e) => Err(Error::ffmpeg("encoding failed", e)),
        }
    }
}
