//! libavformat output: the stream, its parameters and time base, header, packets, trailer.

use std::time::Duration;

use ff::Rational;
use ffmpeg_next as ff;

use crate::audio::AudioTrack;
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

/// A started libavformat output: the video stream (0) and, with a soundtrack, its audio
/// stream (1).
pub(crate) struct Muxer {
    octx: ff::format::context::Output,
    stream_tb: Rational,
    enc_tb: Rational,
    frame_rate: FrameRate,
    fragmented: bool,
    on_fragment: Option<FragmentCallback>,
    last_pos: i64,
    packets: u64,
    /// The audio stream's time base in the file, when there is one.
    audio_tb: Option<Rational>,
    /// Where the audio's time 0 is in the audio stream's time base: the video's first frame.
    audio_origin: i64,
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
    /// Adds the video stream for `encoder` (opened from `plan`) and the soundtrack's stream,
    /// tags them, and writes the header.
    pub(crate) fn start(
        output: Opened,
        encoder: &VideoEncoder,
        audio: Option<&AudioTrack>,
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
            stream.set_metadata(dictionary(&plan.tags().video));
        }
        if let Some(tag) = plan.codec_tag() {
            ffi::set_codec_tag(&mut octx, 0, u32::from_le_bytes(tag));
        }
        let tags = plan.tags();
        if tags.rotation != 0 {
            ffi::set_display_rotation(&mut octx, 0, tags.rotation)
                .map_err(|e| Error::ffmpeg("cannot set the display rotation", e))?;
        }
        if let Some(track) = audio {
            let mut stream = octx
                .add_stream(ff::encoder::find(ff::codec::Id::None))
                .map_err(|e| Error::ffmpeg("cannot add the audio stream", e))?;
            stream.set_parameters(track.parameters());
            stream.set_time_base(track.time_base());
            stream.set_metadata(dictionary(&tags.audio));
        }
        if audio.is_some() {
            // The muxer chooses the audio tag for its container.
            ffi::set_codec_tag(&mut octx, 1, 0);
        }
        let mut opts = ff::Dictionary::new();
        let mut movflags = String::new();
        if tags.mdta {
            movflags.push_str("+use_metadata_tags");
        }
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
            // With sound, the movie's timescale is also a multiple of the sample rate, so
            // that the audio's edit list (where its priming and its end are cut) is exact to
            // the sample too, whatever length the soundtrack has.
            let movie = match audio {
                Some(a) => {
                    let rate = i64::from(a.sample_rate().max(1));
                    let lcm = timescale / gcd(timescale, rate) * rate;
                    if lcm <= i64::from(i32::MAX) {
                        lcm
                    } else {
                        timescale
                    }
                }
                None => timescale,
            };
            opts.set("movie_timescale", &movie.to_string());
            match layout {
                Mp4Layout::Plain => {}
                Mp4Layout::Fragmented(secs) => {
                    fragmented = true;
                    // `delay_moov`: the index waits for the first fragment, so it knows where each track
                    // starts (edit lists): without it, audio priming and B-frame delay shift the
                    // tracks apart.
                    movflags.push_str("+frag_keyframe+empty_moov+default_base_moof+delay_moov");
                    opts.set("frag_duration", &((secs * 1e6).round() as i64).to_string());
                    // Each fragment reaches the file as soon as it is complete.
                    opts.set("flush_packets", "1");
                }
            }
        }
        if !movflags.is_empty() {
            opts.set("movflags", &movflags);
        }
        ffi::clear_log_lines();
        let header_error = |e| {
            write_error(
                &io_error,
                format!("cannot write the {} header", container.name()),
                e,
            )
        };
        let mut file_tags = tags.file.clone();
        if container.is_mp4_family() && !tags.mdta {
            // movenc writes its encoding tool (©too) from `encoding_tool`; the demuxer reads
            // it back as `encoder`.
            if let Some((_, v)) = file_tags.iter().find(|(k, _)| k == "encoder") {
                let v = v.clone();
                file_tags.push(("encoding_tool".into(), v));
            }
        }
        // Some muxers read the tags as they are initialised (MPEG-TS its service name and
        // provider), and libavformat then sets its own `encoder` tag: the tags are set before
        // initialising and again between initialising and writing the header.
        ffi::replace_metadata(&mut octx, dictionary(&file_tags));
        let unused = ffi::init_output(&mut octx, opts).map_err(header_error)?;
        if let Some(kv) = unused.first() {
            return Err(Error::Unsupported(format!(
                "the {} muxer of the linked FFmpeg does not know the option {kv}",
                container.name()
            )));
        }
        ffi::replace_metadata(&mut octx, dictionary(&file_tags));
        octx.write_header().map_err(header_error)?;
        // The muxer may have chosen another time base (MP4 does): read it back.
        let stream_tb = octx
            .stream(0)
            .map(|s| s.time_base())
            .unwrap_or(encoder.time_base);
        let audio_tb = audio.and_then(|_| octx.stream(1).map(|s| s.time_base()));
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
            audio_tb,
            audio_origin: 0,
            io_error,
            name,
        })
    }

    /// Makes the video's first frame, at `pts` of the encoder's time base, the soundtrack's
    /// time 0.
    pub(crate) fn set_audio_origin(&mut self, pts: i64) {
        if let Some(tb) = self.audio_tb {
            use ff::Rescale;
            self.audio_origin = pts.rescale(self.enc_tb, tb);
        }
    }

    /// Writes one audio packet (timestamps in `time_base`).
    pub(crate) fn write_audio(
        &mut self,
        packet: &mut ff::Packet,
        time_base: Rational,
    ) -> Result<()> {
        let Some(tb) = self.audio_tb else {
            return Err(Error::EncoderThread(
                "an audio packet for a video without sound".into(),
            ));
        };
        packet.set_stream(1);
        packet.rescale_ts(time_base, tb);
        if self.audio_origin != 0 {
            let o = self.audio_origin;
            packet.set_pts(packet.pts().map(|t| t.saturating_add(o)));
            packet.set_dts(packet.dts().map(|t| t.saturating_add(o)));
        }
        packet
            .write_interleaved(&mut self.octx)
            .map_err(|e| write_error(&self.io_error, format!("cannot write to {}", self.name), e))
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

/// The tags as an FFmpeg dictionary.
fn dictionary(tags: &[(String, String)]) -> ff::Dictionary<'static> {
    let mut d = ff::Dictionary::new();
    for (k, v) in tags {
        d.set(k, v);
    }
    d
}

/// The greatest common divisor of two positive numbers.
fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}
