//! What a finished encode reports.

use std::time::Duration;

use crate::config::{AudioEncoder, Container, Encoder, FrameRate, OutputPixelFormat, VideoCodec};
use crate::plan::Plan;

/// What a finished encode produced. Python's `Summary` and C's `EnSummary` have the same
/// fields with the same meanings (names as [`Encoder::name`], [`VideoCodec::name`],
/// [`Container::name`] and [`OutputPixelFormat::name`] give them).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Summary {
    /// Frames in the video.
    pub frames: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Playing time.
    pub duration: Duration,
    /// The frame rate stored: the pushed frames' rate, or what the filter made of it.
    pub frame_rate: FrameRate,
    /// Width of the encoded picture (after the odd-size policy).
    pub width: u32,
    /// Height of the encoded picture (after the odd-size policy).
    pub height: u32,
    /// Width of the frames pushed.
    pub input_width: u32,
    /// Height of the frames pushed.
    pub input_height: u32,
    /// Pixel format stored.
    pub pixel_format: OutputPixelFormat,
    /// The coding format of the stream (`h264`), what a decoder needs.
    pub codec: VideoCodec,
    /// The encoder that made it (`libx264`).
    pub encoder: Encoder,
    /// Container written.
    pub container: Container,
    /// Whether the MP4 is fragmented.
    pub fragmented: bool,
    /// Wall-clock time from opening the writer to the end of `finish`.
    pub wall: Duration,
    /// Time from the first `push` to the first packet written (`None` without frames).
    pub first_packet_latency: Option<Duration>,
    /// The soundtrack, when there is one.
    pub audio: Option<AudioTrackSummary>,
    /// Frames pushed but left out because a shorter soundtrack had ended
    /// (`audio_length=shortest`).
    pub frames_cut: u64,
    /// Frames dropped because the queue was full (`late_frames=drop`, a live push slower
    /// than real time); the frames after each kept their times.
    pub frames_dropped: u64,
    /// HLS, DASH, RTMP or SRT: where the output was delivered (its segments' or stream's
    /// container is [`container`](Self::container)); `None` for a file, memory or a stream.
    pub delivery: Option<crate::config::DeliveryKind>,
    /// Times a push connected again after its server went away (`reconnect`); what the old
    /// connection had not sent, up to the next keyframe, is not in the stream.
    pub reconnects: u32,
}

impl Summary {
    /// The summary of a finished encode that followed `plan`.
    pub(crate) fn new(
        plan: &Plan,
        frames: u64,
        bytes: u64,
        duration: Duration,
        fragmented: bool,
        first_packet_latency: Option<Duration>,
    ) -> Self {
        let (width, height) = plan.output_size();
        let (input_width, input_height) = plan.input_size();
        Summary {
            frames,
            bytes,
            duration,
            frame_rate: plan.frame_rate(),
            width,
            height,
            input_width,
            input_height,
            pixel_format: plan.output_format(),
            codec: plan.codec(),
            encoder: plan.encoder(),
            container: plan.container(),
            fragmented,
            wall: Duration::ZERO,
            first_packet_latency,
            audio: None,
            frames_cut: 0,
            frames_dropped: 0,
            delivery: None,
            reconnects: 0,
        }
    }
}

/// What a finished encode reports about its soundtrack.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AudioTrackSummary {
    /// The coding format stored, as FFmpeg names it (`aac`, `opus`, `flac`, `pcm_s16le`...).
    pub codec: String,
    /// The encoder, or `None` when a file's audio was copied as it is.
    pub encoder: Option<AudioEncoder>,
    /// Samples per second stored.
    pub sample_rate: u32,
    /// Channels stored.
    pub channels: u16,
    /// Samples per channel stored (priming that decoders drop not counted).
    pub samples: u64,
    /// Their playing time.
    pub duration: Duration,
    /// Samples of silence added to reach the video's length (policy `video`).
    pub padded: u64,
    /// Whether the soundtrack was cut at the video's end (policies `video` and `shortest`).
    pub trimmed: bool,
    /// Packets of the soundtrack file that did not decode and were concealed with silence
    /// (setting `audio_damage`).
    pub damaged: u64,
}
