//! Joining segments without re-encoding: every packet of every segment is copied into one
//! file, each segment's timeline moved to start where the one before ends.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ffmpeg_next as ff;

use crate::config::Container;
use crate::error::{Error, Result};
use crate::ffi;

/// What [`concat`] made.
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
        (self.extradata != other.extradata).then(|| {
            "its codec headers (extradata) differ from the first segment's: it was encoded with other settings".to_string()
        })
    }
}

/// Opens a segment and describes its video stream.
fn open(
    path: &Path,
) -> Result<(
    ff::format::context::Input,
    usize,
    Shape,
    ff::codec::Parameters,
)> {
    let ictx = ff::format::input(path)
        .map_err(|e| Error::ffmpeg(format!("cannot read '{}'", path.display()), e))?;
    let (index, shape, params) = {
        let s = ictx.streams().best(ff::media::Type::Video).ok_or_else(|| {
            Error::Unsupported(format!("'{}' has no video stream", path.display()))
        })?;
        let params = s.parameters();
        let ctx = ff::codec::Context::from_parameters(params.clone())
            .map_err(|e| Error::ffmpeg(format!("cannot read '{}'", path.display()), e))?;
        let video = ctx
            .decoder()
            .video()
            .map_err(|e| Error::ffmpeg(format!("cannot read '{}'", path.display()), e))?;
        let (profile, format) = ffi::profile_and_format(&params);
        let shape = Shape {
            codec: params.id(),
            width: video.width(),
            height: video.height(),
            format,
            profile,
            extradata: ffi::extradata(&params),
            time_base: s.time_base(),
            frame_rate: s.avg_frame_rate(),
        };
        (s.index(), shape, params)
    };
    Ok((ictx, index, shape, params))
}

/// Joins `inputs`, segments encode-native wrote with the same settings, into `output`
/// without re-encoding: the timestamps run on from one segment to the next, so N frames at
/// r fps last N/r. The output's container comes from its extension (an MP4 gets its index in
/// front). Segments whose streams differ (codec, size, pixel format, profile, codec headers,
/// time base, frame rate) are refused with the first difference, before anything is written;
/// the output appears only once complete, and an existing one is replaced.
///
/// ```no_run
/// let joined = encode_native::concat(&["part1.mp4", "part2.mp4"], "whole.mp4")?;
/// println!("{} frames", joined.frames);
/// # Ok::<(), encode_native::Error>(())
/// ```
pub fn concat(inputs: &[impl AsRef<Path>], output: impl AsRef<Path>) -> Result<Concatenated> {
    crate::ffi::init();
    let output = output.as_ref();
    if inputs.is_empty() {
        return Err(Error::config("inputs", "none", "at least one segment"));
    }
    let container = Container::from_path(output)?;
    // Check every segment before writing anything.
    let mut first_shape: Option<Shape> = None;
    for (i, input) in inputs.iter().enumerate() {
        let (_, _, shape, _) = open(input.as_ref())?;
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
    let finishing = {
        let mut name = output.as_os_str().to_owned();
        name.push(".finishing");
        PathBuf::from(name)
    };
    let made = join(inputs, &finishing, container);
    let (frames, ticks, tb) = match made {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&finishing);
            return Err(e);
        }
    };
    std::fs::File::open(&finishing)
        .and_then(|f| f.sync_all())
        .and_then(|()| std::fs::rename(&finishing, output))
        .map_err(|e| Error::io(format!("cannot write '{}'", output.display()), e))?;
    Ok(Concatenated {
        path: output.to_path_buf(),
        frames,
        duration: Duration::from_secs_f64(
            ticks as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1)),
        ),
        bytes: std::fs::metadata(output).map(|m| m.len()).unwrap_or(0),
    })
}

/// Copies every segment into `output` (created here); returns the frames, the ticks of
/// playing time and their time base.
fn join(
    inputs: &[impl AsRef<Path>],
    output: &Path,
    container: Container,
) -> Result<(u64, i64, ff::Rational)> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(output)
        .map_err(|e| Error::io(format!("cannot create '{}'", output.display()), e))?;
    let (_, _, first, params) = open(inputs[0].as_ref())?;
    let tb = first.time_base;
    let mut octx = ff::format::output_as(output, container.muxer())
        .map_err(|e| Error::ffmpeg(format!("cannot write '{}'", output.display()), e))?;
    {
        let mut s = octx
            .add_stream(ff::encoder::find(ff::codec::Id::None))
            .map_err(|e| Error::ffmpeg("cannot add the video stream", e))?;
        s.set_parameters(params.clone());
        s.set_time_base(tb);
        s.set_avg_frame_rate(first.frame_rate);
        s.set_rate(first.frame_rate);
    }
    let tag = if params.id() == ff::codec::Id::HEVC && container.is_mp4_family() {
        u32::from_le_bytes(*b"hvc1")
    } else {
        0
    };
    ffi::set_codec_tag(&mut octx, 0, tag);
    let mut opts = ff::Dictionary::new();
    if container.is_mp4_family() {
        let ts = tb.denominator().max(1).to_string();
        opts.set("video_track_timescale", &ts);
        opts.set("movie_timescale", &ts);
        opts.set("movflags", "+faststart");
    }
    octx.write_header_with(opts)
        .map_err(|e| Error::ffmpeg(format!("cannot write '{}'", output.display()), e))?;
    let out_tb = octx.stream(0).map(|s| s.time_base()).unwrap_or(tb);
    let (mut frames, mut start) = (0u64, 0i64);
    for input in inputs {
        let path = input.as_ref();
        let (mut ictx, index, _, _) = open(path)?;
        // This segment's timeline moves so that its first frame is shown at `start`.
        let (mut shift, mut end, mut delta) = (None::<i64>, start, 0i64);
        let mut held: Option<ff::Packet> = None;
        let mut write = |mut p: ff::Packet, octx: &mut ff::format::context::Output| -> Result<()> {
            if let Some(pts) = p.pts() {
                end = end.max(pts.saturating_add(p.duration()));
            }
            p.set_stream(0);
            p.set_position(-1);
            p.rescale_ts(tb, out_tb);
            p.write_interleaved(octx)
                .map_err(|e| Error::ffmpeg(format!("cannot write '{}'", output.display()), e))?;
            frames += 1;
            Ok(())
        };
        loop {
            let mut packet = ff::Packet::empty();
            match packet.read(&mut ictx) {
                Ok(()) => {}
                Err(ff::Error::Eof) => break,
                Err(e) => {
                    return Err(Error::ffmpeg(
                        format!("cannot read '{}'", path.display()),
                        e,
                    ))
                }
            }
            if packet.stream() != index {
                continue;
            }
            let s = *shift.get_or_insert(start - packet.pts().unwrap_or(0));
            packet.set_pts(packet.pts().map(|t| t.saturating_add(s)));
            packet.set_dts(packet.dts().map(|t| t.saturating_add(s)));
            if let Some(mut prev) = held.take() {
                if let (Some(a), Some(b)) = (prev.dts(), packet.dts()) {
                    delta = b.saturating_sub(a);
                    if prev.duration() <= 0 {
                        prev.set_duration(delta);
                    }
                }
                write(prev, &mut octx)?;
            }
            held = Some(packet);
        }
        if let Some(mut last) = held.take() {
            if last.duration() <= 0 {
                last.set_duration(delta);
            }
            write(last, &mut octx)?;
        }
        start = end;
    }
    octx.write_trailer()
        .map_err(|e| Error::ffmpeg(format!("cannot finish '{}'", output.display()), e))?;
    Ok((frames, start, tb))
}
