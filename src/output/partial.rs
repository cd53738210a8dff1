//! Crash-safe files. A video for a path is written to `<path>.partial` beside it, in a layout
//! that plays at every moment (fragmented MP4 with short fragments, Matroska, MPEG-TS); only
//! when it is finished does it become the target, by an atomic rename. So the target holds
//! either its old content or the complete new video, never half of one; after a crash the
//! partial file plays up to its last complete fragment, and [`recover`] finishes it.
//!
//! Devices, FIFOs and sockets are written directly: they cannot be renamed over, and
//! encode-native never creates, replaces or removes them.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ff::Rescale;
use ffmpeg_next as ff;

use crate::config::{Container, EncoderConfig, FrameRate};

/// How the encoder timed a video, for the remux that finishes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// The unit of the two values below.
    pub(crate) time_base: FrameRate,
    /// Where the first frame is shown.
    pub(crate) origin: i64,
    /// How long the last frame lasts (`None`: as long as the one before).
    pub(crate) last_duration: Option<i64>,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            time_base: FrameRate::new(1, 1),
            origin: 0,
            last_duration: None,
        }
    }
}
use crate::error::{Error, Result};
use crate::ffi;

/// What a partial file is named after its target: `out.mp4` → `out.mp4.partial`.
pub const PARTIAL_SUFFIX: &str = ".partial";

/// The fragment length of a partial MP4 when none is configured: at most this much encoded
/// video is lost on a crash.
pub(crate) const FRAGMENT_SECONDS: f64 = 0.5;

/// How a file destination is written.
pub(crate) enum FilePlan {
    /// A device, FIFO or socket: written directly (as a write-only stream).
    Special(PathBuf),
    /// A regular file, through a partial file beside it.
    Partial(Partial),
}

/// A video written to `partial` that becomes `target` when it is finished.
#[derive(Debug, Clone)]
pub(crate) struct Partial {
    pub(crate) target: PathBuf,
    pub(crate) partial: PathBuf,
    pub(crate) container: Container,
    /// Remux into a normal MP4/MOV (with the index in front when true) at the end, instead of
    /// renaming the partial file as it is.
    pub(crate) remux: Option<bool>,
}

/// `<path>.partial`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(PARTIAL_SUFFIX);
    PathBuf::from(name)
}

/// The file a remux writes before it is renamed over the target.
fn finishing_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".finishing");
    PathBuf::from(name)
}

impl FilePlan {
    /// Decides how `target` is written, and checks what can be checked before anything is
    /// created: the folder exists, the target is not a folder, no partial file is in the way.
    pub(crate) fn new(target: &Path, container: Container, config: &EncoderConfig) -> Result<Self> {
        match std::fs::metadata(target) {
            Ok(m) if m.is_dir() => {
                return Err(Error::io(
                    format!("cannot write '{}'", target.display()),
                    std::io::Error::other("it is a folder"),
                ))
            }
            Ok(m) if !m.is_file() => return Ok(FilePlan::Special(target.to_path_buf())),
            _ => {}
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        match std::fs::metadata(parent) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::io(
                    format!("cannot write '{}'", target.display()),
                    std::io::Error::other(format!("'{}' is not a folder", parent.display())),
                ))
            }
            Err(e) => {
                return Err(Error::io(
                    format!(
                        "cannot write '{}' (the folder '{}')",
                        target.display(),
                        parent.display()
                    ),
                    e,
                ))
            }
        }
        let partial = partial_path(target);
        if partial.symlink_metadata().is_ok() {
            return Err(Error::io(
                format!("cannot write '{}'", target.display()),
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "'{}' is in the way (an unfinished video: finish it with `encode-native recover`, or remove it)",
                        partial.display()
                    ),
                ),
            ));
        }
        let remux = (container.is_mp4_family() && config.fragment_seconds.is_none())
            .then_some(config.faststart);
        Ok(FilePlan::Partial(Partial {
            target: target.to_path_buf(),
            partial,
            container,
            remux,
        }))
    }
}

impl Partial {
    /// Creates the partial file; it must not exist (it is encode-native's own from here on).
    pub(crate) fn create(&self) -> Result<File> {
        OpenOptions::new()
            .write(true)
            .read(true)
            .create_new(true)
            .open(&self.partial)
            .map_err(|e| Error::io(format!("cannot create '{}'", self.partial.display()), e))
    }

    /// Turns the finished partial file into the target: a remux into a normal MP4 (or a
    /// rename for layouts that are final as they are), synced, then renamed over the target.
    /// Returns the target's size.
    /// `timing` is how the encoder timed the video: where the first frame is shown, and how
    /// long the last one lasts.
    pub(crate) fn finish(&self, timing: Timing) -> Result<u64> {
        let done = match self.remux {
            Some(faststart) => {
                let finishing = finishing_path(&self.target);
                let made = remux(&self.partial, &finishing, self.container, faststart, timing)
                    .and_then(|_| sync(&finishing));
                if let Err(e) = made {
                    // Ours: the half-written remux goes; the partial file stays.
                    let _ = std::fs::remove_file(&finishing);
                    return Err(e);
                }
                rename(&finishing, &self.target)?;
                std::fs::remove_file(&self.partial).map_err(|e| {
                    Error::io(format!("cannot remove '{}'", self.partial.display()), e)
                })?;
                self.target.clone()
            }
            None => {
                sync(&self.partial)?;
                rename(&self.partial, &self.target)?;
                self.target.clone()
            }
        };
        sync_folder(&done);
        Ok(std::fs::metadata(&done).map(|m| m.len()).unwrap_or(0))
    }

    /// Removes the partial file (nothing of it is wanted).
    pub(crate) fn discard(&self) {
        let _ = std::fs::remove_file(&self.partial);
    }
}

/// Flushes a file's data to the disk.
fn sync(path: &Path) -> Result<()> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(format!("cannot write '{}' to the disk", path.display()), e))
}

/// Flushes a folder's entries (a rename) to the disk, best-effort.
fn sync_folder(path: &Path) {
    #[cfg(unix)]
    if let Some(parent) = path.parent() {
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let _ = File::open(parent).and_then(|f| f.sync_all());
    }
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| {
        Error::io(
            format!("cannot rename '{}' to '{}'", from.display(), to.display()),
            e,
        )
    })
}

/// What [`recover`] made.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Recovered {
    /// The finished video.
    pub path: PathBuf,
    /// Frames in it.
    pub frames: u64,
    /// Its playing time.
    pub duration: Duration,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Finishes a partial file left by a crash (`out.mp4.partial`): every complete fragment is
/// copied, without re-encoding, into `target` (by default the partial file's name without
/// `.partial`), as a normal MP4/MOV with its index in front, or as the target's container.
/// The partial file is removed once the target is complete. An existing target is replaced.
///
/// ```no_run
/// let done = encode_native::recover("out.mp4.partial", None)?;
/// println!("{} frames in {}", done.frames, done.path.display());
/// # Ok::<(), encode_native::Error>(())
/// ```
pub fn recover(partial: impl AsRef<Path>, target: Option<&Path>) -> Result<Recovered> {
    let partial = partial.as_ref();
    crate::ffi::init();
    let target = match target {
        Some(t) => t.to_path_buf(),
        None => {
            let name = partial.to_string_lossy();
            match name.strip_suffix(PARTIAL_SUFFIX) {
                Some(t) if !t.is_empty() => PathBuf::from(t),
                _ => {
                    return Err(Error::config(
                        "partial",
                        partial.display(),
                        "a file named <video>.partial, or give the target",
                    ))
                }
            }
        }
    };
    if !partial.is_file() {
        return Err(Error::io(
            format!("cannot recover '{}'", partial.display()),
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let container = Container::from_path(&target)?;
    let finishing = finishing_path(&target);
    let made = remux(partial, &finishing, container, true, Timing::default()).and_then(|r| {
        sync(&finishing)?;
        Ok(r)
    });
    let (frames, duration) = match made {
        Ok((0, _)) => {
            let _ = std::fs::remove_file(&finishing);
            return Err(Error::Unsupported(format!(
                "'{}' holds no complete frame",
                partial.display()
            )));
        }
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&finishing);
            return Err(e);
        }
    };
    rename(&finishing, &target)?;
    sync_folder(&target);
    std::fs::remove_file(partial)
        .map_err(|e| Error::io(format!("cannot remove '{}'", partial.display()), e))?;
    Ok(Recovered {
        bytes: std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0),
        path: target,
        frames,
        duration,
    })
}

/// Copies the video stream of `input` into a new file `output` (created here, so it must not
/// exist) as `container`, packet by packet; a damaged tail of `input` (a crash in the middle
/// of a fragment) ends the copy. A fragmented MP4 stores its timeline shifted so that decoding
/// starts at zero, and without packet durations: the shift is taken off again (the first frame
/// is shown at `timing.origin`) and the last frame lasts `timing.last_duration` (by default as
/// long as the one before). Returns the frames copied and their playing time.
fn remux(
    input: &Path,
    output: &Path,
    container: Container,
    faststart: bool,
    timing: Timing,
) -> Result<(u64, Duration)> {
    let what = |e| Error::ffmpeg(format!("cannot read '{}'", input.display()), e);
    let mut ictx = ff::format::input(input).map_err(what)?;
    let (index, in_tb, params, rate) = {
        let s = ictx.streams().best(ff::media::Type::Video).ok_or_else(|| {
            Error::Unsupported(format!("'{}' has no video stream", input.display()))
        })?;
        (s.index(), s.time_base(), s.parameters(), s.avg_frame_rate())
    };
    // Ours from here: created exclusively, then opened again by libavformat by name (which
    // its faststart pass needs).
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(output)
        .map_err(|e| Error::io(format!("cannot create '{}'", output.display()), e))?;
    let mut octx = ff::format::output_as(output, container.muxer())
        .map_err(|e| Error::ffmpeg(format!("cannot write '{}'", output.display()), e))?;
    {
        let mut s = octx
            .add_stream(ff::encoder::find(ff::codec::Id::None))
            .map_err(|e| Error::ffmpeg("cannot add the video stream", e))?;
        s.set_parameters(params.clone());
        s.set_time_base(in_tb);
        s.set_avg_frame_rate(rate);
        s.set_rate(rate);
    }
    // HEVC keeps its `hvc1` tag in MP4/MOV (Apple's players need it); others are chosen by the muxer.
    let tag = if params.id() == ff::codec::Id::HEVC && container.is_mp4_family() {
        u32::from_le_bytes(*b"hvc1")
    } else {
        0
    };
    ffi::set_codec_tag(&mut octx, 0, tag);
    let mut opts = ff::Dictionary::new();
    if container.is_mp4_family() {
        let ts = in_tb.denominator().max(1).to_string();
        opts.set("video_track_timescale", &ts);
        opts.set("movie_timescale", &ts);
        if faststart {
            opts.set("movflags", "+faststart");
        }
    }
    octx.write_header_with(opts)
        .map_err(|e| Error::ffmpeg(format!("cannot write '{}'", output.display()), e))?;
    let out_tb = octx.stream(0).map(|s| s.time_base()).unwrap_or(in_tb);
    let tb = ff::Rational::new(timing.time_base.num, timing.time_base.den);
    let origin = timing.origin.rescale(tb, in_tb);
    let last_duration = timing.last_duration.map(|d| d.rescale(tb, in_tb));
    let (mut frames, mut first, mut end) = (0u64, None::<i64>, 0i64);
    let mut shift = None::<i64>;
    // One packet is held back until the next gives its duration (or the end its last one).
    let mut held: Option<ff::Packet> = None;
    let mut delta = 0i64;
    let mut write = |mut p: ff::Packet, octx: &mut ff::format::context::Output| -> Result<()> {
        if let Some(pts) = p.pts() {
            first = Some(first.map_or(pts, |f: i64| f.min(pts)));
            end = end.max(pts.saturating_add(p.duration()));
        }
        p.set_stream(0);
        p.set_position(-1);
        p.rescale_ts(in_tb, out_tb);
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
            // A crash leaves the last fragment incomplete: everything before it is kept.
            Err(_) if held.is_some() => break,
            Err(e) => return Err(what(e)),
        }
        if packet.stream() != index {
            continue;
        }
        // The first packet (a keyframe, shown first) sets the shift back to the origin.
        let shift = *shift.get_or_insert(packet.pts().unwrap_or(0).saturating_sub(origin));
        if shift != 0 {
            packet.set_pts(packet.pts().map(|t| t.saturating_sub(shift)));
            packet.set_dts(packet.dts().map(|t| t.saturating_sub(shift)));
        }
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
            last.set_duration(last_duration.filter(|&d| d > 0).unwrap_or(delta));
        }
        write(last, &mut octx)?;
    }
    octx.write_trailer()
        .map_err(|e| Error::ffmpeg(format!("cannot finish '{}'", output.display()), e))?;
    let ticks = end.saturating_sub(first.unwrap_or(0)).max(0);
    let duration = Duration::from_secs_f64(
        ticks as f64 * f64::from(in_tb.numerator()) / f64::from(in_tb.denominator().max(1)),
    );
    Ok((frames, duration))
}
