//! libavformat output: the stream, its parameters and time base, header, packets, trailer.

use std::time::Duration;

use ff::Rational;
use ffmpeg_next as ff;

use crate::config::{Container, FrameRate};
use crate::encode::VideoEncoder;
use crate::error::{Error, Result};
use crate::ffi;
use crate::output::sink::{IoErrorSlot, Opened};
use crate::plan::Plan;

/// What a finished fragment of a fragmented MP4 reports to a callback.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FragmentInfo {
    /// Bytes of the output written so far, this fragment included.
    pub bytes: u64,
    /// Frames in the output so far.
    pub frames: u64,
    /// Playing time of those frames.
    pub duration: Duration,
}

/// A callback told about every fragment written (runs on the encoder thread).
pub type FragmentCallback = Box<dyn FnMut(FragmentInfo) + Send + 'static>;

/// How the MP4/MOV index is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mp4Layout {
    /// Index at the end (what a seekable custom writer gets).
    Plain,
    /// A fragment at least every this many seconds.
    Fragmented(f64),
}

/// A started libavformat output with one video stream.
pub(crate) struct Muxer {
    octx: ff::format::context::Output,
    stream_tb: Rational,
    enc_tb: Rational,
    frame_rate: FrameRate,
    fragmented: bool,
    on_fragment: Option<FragmentCallback>,
    last_pos: i64,
    packets: u64,
    io_error: IoErrorSlot,
    /// The output's name for messages.
    name: String,
}

/// An FFmpeg failure while writing, with the writer's own I/O error when there is one.
fn write_error(io_error: &IoErrorSlot, context: String, e: ff::Error) -> Error {
    match io_error.take() {
        Some(io) => Error::io(context, io),
        None => Error::ffmpeg(context, e),
    }
}

impl Muxer {
    /// Adds the video stream for `encoder` (opened from `plan`) and writes the header.
    pub(crate) fn start(
        output: Opened,
        encoder: &VideoEncoder,
        plan: &Plan,
        layout: Mp4Layout,
        on_fragment: Option<FragmentCallback>,
    ) -> Result<Self> {
        let (container, frame_rate) = (plan.container(), plan.frame_rate());
        let Opened {
            mut octx,
            io_error,
            name,
            ..
        } = output;
        let rate = Rational::new(frame_rate.num, frame_rate.den);
        {
            let mut stream = octx
                .add_stream(encoder.codec)
                .map_err(|e| Error::ffmpeg("cannot add the video stream", e))?;
            // After the encoder is open, so that its extradata (SPS/PPS) is carried over.
            stream.set_parameters(&encoder.enc);
            stream.set_time_base(encoder.time_base);
            stream.set_avg_frame_rate(rate);
            stream.set_rate(rate);
        }
        if let Some(tag) = plan.codec_tag() {
            ffi::set_codec_tag(&mut octx, 0, u32::from_le_bytes(tag));
        }
        let mut opts = ff::Dictionary::new();
        for (k, v) in plan.muxer_options() {
            opts.set(k, v);
        }
        let mut fragmented = false;
        if container.is_mp4_family() {
            // One timescale for the track and the movie (edit lists, mvhd), a multiple of the
            // encoder's, so every timestamp and the duration are exact (the default movie
            // timescale of 1000 rounds 29.97 fps durations to milliseconds).
            let timescale = Container::mp4_timescale(FrameRate::new(
                encoder.time_base.numerator(),
                encoder.time_base.denominator(),
            ));
            opts.set("video_track_timescale", &timescale.to_string());
            opts.set("movie_timescale", &timescale.to_string());
            match layout {
                Mp4Layout::Plain => {}
                Mp4Layout::Fragmented(secs) => {
                    fragmented = true;
                    opts.set("movflags", "+frag_keyframe+empty_moov+default_base_moof");
                    opts.set("frag_duration", &((secs * 1e6).round() as i64).to_string());
                    // Each fragment reaches the file as soon as it is complete.
                    opts.set("flush_packets", "1");
                }
            }
        }
        ffi::clear_log_lines();
        let unused = octx
            .write_header_with(opts)
            .map_err(|e| {
                write_error(
                    &io_error,
                    format!("cannot write the {} header", container.name()),
                    e,
                )
            })?
            .iter()
            .next()
            .map(|(k, v)| (k.to_string(), v.to_string()));
        if let Some((k, v)) = unused {
            return Err(Error::Unsupported(format!(
                "the {} muxer of the linked FFmpeg does not know the option {k}={v}",
                container.name()
            )));
        }
        // The muxer may have chosen another time base (MP4 does): read it back.
        let stream_tb = octx
            .stream(0)
            .map(|s| s.time_base())
            .unwrap_or(encoder.time_base);
        let last_pos = ffi::output_position(&mut octx);
        Ok(Muxer {
            octx,
            stream_tb,
            enc_tb: encoder.time_base,
            frame_rate,
            fragmented,
            on_fragment,
            last_pos,
            packets: 0,
            io_error,
            name,
        })
    }

    /// Writes one packet from the encoder (timestamps in the encoder's time base).
    pub(crate) fn write(&mut self, packet: &mut ff::Packet) -> Result<()> {
        packet.set_stream(0);
        packet.rescale_ts(self.enc_tb, self.stream_tb);
        packet.write_interleaved(&mut self.octx).map_err(|e| {
            write_error(&self.io_error, format!("cannot write to {}", self.name), e)
        })?;
        self.packets += 1;
        if self.fragmented && self.on_fragment.is_some() {
            let pos = ffi::output_position(&mut self.octx);
            if pos > self.last_pos {
                self.last_pos = pos;
                // The packet that closed the fragment is in the next one.
                self.report_fragment(self.packets - 1);
            }
        }
        Ok(())
    }

    fn report_fragment(&mut self, frames: u64) {
        let fr = self.frame_rate;
        let duration = Duration::from_secs_f64(frames as f64 * fr.den as f64 / fr.num as f64);
        let bytes = self.last_pos.max(0) as u64;
        if let Some(cb) = self.on_fragment.as_mut() {
            cb(FragmentInfo {
                bytes,
                frames,
                duration,
            });
        }
    }

    /// Writes the trailer (index, last fragment) and flushes.
    pub(crate) fn finish(&mut self) -> Result<()> {
        ffi::clear_log_lines();
        self.octx
            .write_trailer()
            .map_err(|e| write_error(&self.io_error, format!("cannot finish {}", self.name), e))?;
        ffi::flush_output(&mut self.octx);
        // A write or seek that failed quietly (libavformat does not check every seek) means
        // the file is not what it should be.
        if let Some(e) = self.io_error.take() {
            return Err(Error::io(format!("cannot finish {}", self.name), e));
        }
        if self.fragmented && self.on_fragment.is_some() {
            self.last_pos = ffi::output_position(&mut self.octx);
            self.report_fragment(self.packets);
        }
        Ok(())
    }
}
