//! Joining segments without re-encoding: every packet of every segment is copied into one
//! file, each segment's timeline moved to start where the one before ends.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ffmpeg_next as ff;

use super::copy::{Copied, CopiedAudio, Copy, Raw, RejoinFactory, Source};
use super::partial::write_new;
use super::verify::check_segment;
use crate::config::Container;
use crate::error::{Error, Result};
use crate::ffi;

/// What [`concat()`](crate::concat) made.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Concatenated {
    /// The joined video.
    pub path: PathBuf,
    /// Frames in it.
    pub frames: u64,
    /// Its playing time.
    pub duration: Duration,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its picture width in pixels (every segment's).
    pub width: u32,
    /// Its picture height in pixels.
    pub height: u32,
    /// Its coding format, FFmpeg's name for it (`h264`, `hevc`): the segments' own, copied.
    pub codec: String,
    /// Audio streams in it (each is in [`Concatenated::audio`]): every segment's.
    pub audio_streams: usize,
    /// Its audio streams, joined as the video is (stream 0).
    pub audio: Vec<CopiedAudio>,
}

/// What must be equal in every segment, for messages and comparison.
#[derive(PartialEq)]
struct Shape {
    codec: ff::codec::Id,
    width: u32,
    height: u32,
    format: i32,
    profile: i32,
    extradata: Vec<u8>,
    time_base: ff::Rational,
    frame_rate: ff::Rational,
    /// Each audio stream's codec, sample rate and channels.
    audio: Vec<(ff::codec::Id, u32, u16)>,
}

impl Shape {
    /// The first difference between two segments' streams, named.
    fn difference(&self, other: &Shape) -> Option<String> {
        let items = [
            (
                "codec",
                format!("{:?}", self.codec),
                format!("{:?}", other.codec),
            ),
            (
                "size",
                format!("{}x{}", self.width, self.height),
                format!("{}x{}", other.width, other.height),
            ),
            (
                "pixel format",
                self.format.to_string(),
                other.format.to_string(),
            ),
            (
                "profile",
                self.profile.to_string(),
                other.profile.to_string(),
            ),
            (
                "time base",
                self.time_base.to_string(),
                other.time_base.to_string(),
            ),
            (
                "frame rate",
                self.frame_rate.to_string(),
                other.frame_rate.to_string(),
            ),
        ];
        for (what, a, b) in items {
            if a != b {
                return Some(format!("its {what} is {b}, the first segment's {a}"));
            }
        }
        if self.audio.len() != other.audio.len() {
            return Some(format!(
                "it has {} audio streams, the first segment {}",
                other.audio.len(),
                self.audio.len()
            ));
        }
        for (i, (a, b)) in self.audio.iter().zip(&other.audio).enumerate() {
            let items = [
                ("codec", format!("{:?}", a.0), format!("{:?}", b.0)),
                ("sample rate", format!("{} Hz", a.1), format!("{} Hz", b.1)),
                ("channel count", a.2.to_string(), b.2.to_string()),
            ];
            for (what, x, y) in items {
                if x != y {
                    return Some(format!(
                        "its audio stream {}'s {what} is {y}, the first segment's {x}",
                        i + 1
                    ));
                }
            }
        }
        (self.extradata != other.extradata).then(|| {
            "its codec headers (extradata) differ from the first segment's: it was encoded with other settings".to_string()
        })
    }
}

/// What must be equal in a segment's video stream.
fn shape(path: &Path) -> Result<Shape> {
    let src = Source::open(path)?;
    let ctx = ff::codec::Context::from_parameters(src.params.clone())
        .map_err(|e| Error::ffmpeg(format!("cannot read '{}'", path.display()), e))?;
    let video = ctx
        .decoder()
        .video()
        .map_err(|e| Error::ffmpeg(format!("cannot read '{}'", path.display()), e))?;
    let (profile, format) = ffi::profile_and_format(&src.params);
    Ok(Shape {
        codec: src.params.id(),
        width: video.width(),
        height: video.height(),
        format,
        profile,
        extradata: ffi::extradata(&src.params),
        time_base: src.time_base,
        frame_rate: src.rate,
        audio: src
            .audio()
            .iter()
            .map(|t| {
                let (rate, channels) = ffi::audio_rate_and_channels(&t.params);
                (t.params.id(), rate, channels)
            })
            .collect(),
    })
}

/// [`crate::concat`]: joins `inputs` into `output`, lossy audio re-encoded across the joins
/// by the [`Rejoiner`](super::copy::Rejoiner)s `rejoin` makes.
pub(crate) fn concat(
    inputs: &[impl AsRef<Path>],
    output: impl AsRef<Path>,
    rejoin: RejoinFactory,
) -> Result<Concatenated> {
    crate::ffi::init();
    crate::ffi::clear_log_lines();
    let output = output.as_ref();
    if inputs.is_empty() {
        return Err(Error::config("inputs", "none", "at least one segment"));
    }
    let container = Container::from_path(output)?;
    for input in inputs {
        if same_file(input.as_ref(), output) {
            return Err(Error::config(
                "output",
                output.display(),
                format!(
                    "a file that is not one of the segments ('{}' is both)",
                    input.as_ref().display()
                ),
            ));
        }
    }
    // Check every segment before writing anything.
    let mut first_shape: Option<Shape> = None;
    for (i, input) in inputs.iter().enumerate() {
        let shape = shape(input.as_ref())?;
        if let Some(why) = check_segment(input.as_ref())? {
            return Err(Error::Unsupported(format!(
                "segment {} '{}' is damaged and cannot be joined: {why}",
                i + 1,
                input.as_ref().display()
            )));
        }
        match &first_shape {
            None => first_shape = Some(shape),
            Some(first) => {
                if let Some(diff) = first.difference(&shape) {
                    return Err(Error::Unsupported(format!(
                        "segment {} '{}' cannot be joined to the others: {diff}",
                        i + 1,
                        input.as_ref().display()
                    )));
                }
            }
        }
    }
    let copied = write_new(output, |finishing| {
        join(inputs, finishing, container, rejoin)
    })?;
    let shape = first_shape.ok_or_else(|| Error::config("inputs", "none", "a segment"))?;
    Ok(Concatenated {
        path: output.to_path_buf(),
        frames: copied.frames,
        duration: copied.duration,
        bytes: std::fs::metadata(output).map(|m| m.len()).unwrap_or(0),
        width: shape.width,
        height: shape.height,
        codec: shape.codec.name().to_string(),
        audio_streams: copied.audio.len(),
        audio: copied.audio,
    })
}

/// Whether `a` and `b` name the same file (the same path, or the same file on the disk).
fn same_file(a: &Path, b: &Path) -> bool {
    if a == b {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    matches!(
        (std::fs::canonicalize(a), std::fs::canonicalize(b)),
        (Ok(x), Ok(y)) if x == y
    )
}

/// Copies every segment into `output` (created here); returns what was copied. Lossy audio
/// with priming (AAC, MP3, Opus) of two or more segments is decoded and encoded again, so that
/// the joined soundtrack holds exactly the samples of the segments, one after the other (a
/// copy would keep each segment's priming and padding in the middle of the stream, where no
/// container can trim them); PCM and FLAC are copied, bit for bit.
fn join(
    inputs: &[impl AsRef<Path>],
    output: &Path,
    container: Container,
    rejoin: RejoinFactory,
) -> Result<Copied> {
    let mut first = Source::open(inputs[0].as_ref())?;
    let rejoin = (inputs.len() > 1).then_some(rejoin);
    let mut copy = Copy::create(output, container, &first, container.is_mp4_family(), rejoin)?;
    let mut start = copy.append(&mut Raw::new(&mut first, false), 0, None)?;
    for input in &inputs[1..] {
        let mut src = Source::open(input.as_ref())?;
        start = copy.append(&mut Raw::new(&mut src, false), start, None)?;
    }
    copy.finish()
}
