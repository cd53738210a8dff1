//! Joining finished files end to end: the output copies every stream
//! (`output::concat`), and the soundtrack engine re-encodes lossy sound across the joins
//! (`audio::Rejoin`), so that they are sample-exact.

use std::path::Path;

use crate::error::Result;
use crate::output::Concatenated;

/// Joins `inputs`, segments encode-native wrote with the same settings, into `output`
/// without re-encoding: the timestamps run on from one segment to the next, so N frames at
/// r fps last N/r. The output's container comes from its extension (an MP4 gets its index in
/// front). Segments whose streams differ (codec, size, pixel format, profile, codec headers,
/// time base, frame rate) are refused with the first difference, and a damaged segment is
/// refused with what is wrong with it (a packet that cannot be read, is flagged damaged or
/// runs past the end of the file; fewer frames than its index lists; a Matroska file
/// shorter than its header says; an MPEG-TS that is cut inside a packet or whose frames do
/// not all decode), each before anything is written; the output appears only once complete,
/// and an existing one is replaced. An output that is also one of the inputs is refused.
///
/// Audio is joined with the video: every segment must have the same audio streams (as many,
/// each with the same codec, sample rate and channel count), or it is refused with what
/// differs; each segment's audio starts where its video starts, so it stays in sync (an audio
/// packet of a segment that would start before the end of the previous segment's last one is
/// left out). The metadata of the file and its streams are the first segment's.
///
/// ```no_run
/// let joined = encode_native::concat(&["part1.mp4", "part2.mp4"], "whole.mp4")?;
/// println!("{} frames", joined.frames);
/// # Ok::<(), encode_native::Error>(())
/// ```
///
/// # Errors
/// [`Error::Config`](crate::Error::Config) for no inputs or an output that is one of them;
/// [`Error::Unsupported`](crate::Error::Unsupported) for segments whose streams differ or a
/// damaged segment, with what differs or is wrong; [`Error::Io`](crate::Error::Io) (or
/// `NoSpace`) when a file cannot be read or written. The output is left as it was then.
pub fn concat(inputs: &[impl AsRef<Path>], output: impl AsRef<Path>) -> Result<Concatenated> {
    crate::output::concat::concat(inputs, output, crate::audio::rejoiner)
}
