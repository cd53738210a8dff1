//! What a finished encode reports.

use std::time::Duration;

use crate::codec::Encoder;
use crate::config::{Container, OutputPixelFormat};

/// What a finished encode produced.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Summary {
    /// Frames in the video.
    pub frames: u64,
    /// Bytes written.
    pub bytes: u64,
    /// Playing time.
    pub duration: Duration,
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
    /// Encoder used (its [`codec`](Encoder::codec) is the coding format).
    pub codec: Encoder,
    /// Container written.
    pub container: Container,
    /// Whether the MP4 is fragmented.
    pub fragmented: bool,
    /// Wall-clock time from opening the writer to the end of `finish`.
    pub wall: Duration,
    /// Time from the first `push` to the first packet written (`None` without frames).
    pub first_packet_latency: Option<Duration>,
}
