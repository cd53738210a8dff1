//! Crash-safe files. A video for a path is written to `<path>.partial` beside it, in a layout
//! that plays at every moment (fragmented MP4 with short fragments, Matroska, MPEG-TS); only
//! when it is finished does it become the target, by an atomic rename. So the target holds
//! either its old content or the complete new video, never half of one; after a crash the
//! partial file plays up to its last complete fragment, and [`recover`] finishes it.
//!
//! Devices, FIFOs and sockets are written directly: they cannot be renamed over, and
//! encode-native never creates, replaces or removes them.
//!
//! Replacing a file respects what it is: a symbolic link is followed and the file it points
//! to is replaced (beside itself, in its own folder), never the link; a file that cannot be
//! opened for writing (its mode or owner, an immutable file, a read-only file system) is
//! refused with the operating system's error before anything is encoded, as `open` would
//! refuse it; the new file gets the replaced file's permission bits (`rwx` for owner, group
//! and others; not set-user-ID, set-group-ID or sticky, and not the owner).
//!
//! A leftover `<target>.finishing` (a stop during the last step of finishing) is never
//! removed or overwritten by a run that did not create it: it is refused before encoding.

use std::fs::{File, OpenOptions};

use super::copy::{played_samples, Copied, CopiedAudio, Copy, Raw, Source};
use super::verify::{Extent, Verified};
use std::path::{Path, PathBuf};
use std::time::Duration;

use ff::Rescale;
use ffmpeg_next as ff;

use crate::config::{Container, FrameRate};
use crate::plan::Plan;

/// How the encoder timed a video, for the remux that finishes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// The unit of the two values below.
    pub(crate) time_base: FrameRate,
    /// Where the first frame is shown.
    pub(crate) origin: i64,
    /// How long the last frame lasts (`None`: as long as the one before).
    pub(crate) last_duration: Option<i64>,
    /// Where the soundtrack's samples end (ticks of a time base), when there is one.
    pub(crate) audio_end: Option<(i64, ff::Rational)>,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            time_base: FrameRate::new(1, 1),
            origin: 0,
            last_duration: None,
            audio_end: None,
        }
    }
}
use crate::error::{Error, Result};

/// What a partial file is named after its target: `out.mp4` → `out.mp4.partial`.
pub const PARTIAL_SUFFIX: &str = ".partial";

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
    /// The target existed when the writer was opened: finishing replaces it.
    pub(crate) replaces: bool,
}

/// `<path>.partial`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(PARTIAL_SUFFIX);
    PathBuf::from(name)
}

/// What the file a remux writes before it is renamed over the target is named after it.
pub const FINISHING_SUFFIX: &str = ".finishing";

/// The file a remux writes before it is renamed over the target: `<target>.finishing`.
pub fn finishing_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(FINISHING_SUFFIX);
    PathBuf::from(name)
}

/// `path` with every symbolic link on its last component followed: the file a write through
/// `path` reaches (it may not exist yet, for a link to a missing file).
fn resolve_links(path: &Path) -> Result<PathBuf> {
    let mut path = path.to_path_buf();
    // Linux's own limit on the links one lookup follows.
    for _ in 0..40 {
        match path.symlink_metadata() {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&path).map_err(|e| {
                    Error::io(format!("cannot read the link '{}'", path.display()), e)
                })?;
                path = match path.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(Error::io(
        format!("cannot write '{}'", path.display()),
        std::io::Error::other("too many levels of symbolic links"),
    ))
}

/// What is at `target` (links followed) before a new file replaces it: refuses a folder, a
/// special file, and a file that cannot be opened for writing (with the system's error, as
/// `open` would give it: its mode or owner, an immutable file, a read-only file system).
/// Returns whether a file is there.
fn check_replaceable(target: &Path, shown: &Path) -> Result<bool> {
    let cannot = |e| Error::io(format!("cannot write '{}'", shown.display()), e);
    match std::fs::metadata(target) {
        Ok(m) if m.is_dir() => Err(cannot(std::io::Error::other("it is a folder"))),
        Ok(m) if !m.is_file() => Err(cannot(std::io::Error::other(
            "it is not a regular file (a device, FIFO or socket is not replaced)",
        ))),
        Ok(_) => {
            // Opened for writing without truncating or creating: nothing changes in it.
            OpenOptions::new()
                .write(true)
                .open(target)
                .map_err(cannot)?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(cannot(e)),
    }
}

/// Refuses a `<target>.finishing` that is already there: a run stopped while it finished
/// `target` left it, and it may hold that video, complete. It is not encode-native's to
/// remove or overwrite.
fn check_no_finishing(target: &Path) -> Result<()> {
    let finishing = finishing_path(target);
    if finishing.symlink_metadata().is_ok() {
        return Err(Error::io(
            format!("cannot write '{}'", target.display()),
            std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!(
                    "'{}' is in the way (left by a run stopped while it finished '{}': it may \
                     hold that video, complete; check it, then rename it to '{}' or remove it)",
                    finishing.display(),
                    target.display(),
                    target.display()
                ),
            ),
        ));
    }
    Ok(())
}

/// Gives `new` the permission bits of `old` when `old` exists (the file it replaces).
fn keep_mode(old: &Path, new: &Path) -> Result<()> {
    #[cfg(unix)]
    if let Ok(m) = std::fs::metadata(old) {
        use std::os::unix::fs::PermissionsExt;
        let mode = m.permissions().mode() & 0o777;
        std::fs::set_permissions(new, std::fs::Permissions::from_mode(mode)).map_err(|e| {
            Error::io(
                format!(
                    "cannot give '{}' the mode of '{}'",
                    new.display(),
                    old.display()
                ),
                e,
            )
        })?;
    }
    #[cfg(not(unix))]
    let _ = (old, new);
    Ok(())
}

impl FilePlan {
    /// Decides how `target` is written, and checks what can be checked before anything is
    /// created: the folder exists, the target is not a folder, no partial file is in the way.
    pub(crate) fn new(target: &Path, plan: &Plan) -> Result<Self> {
        let (container, config) = (plan.container(), plan.settings());
        let shown = target;
        // A link is followed: the file it points to is the one replaced, in its folder.
        let target = &resolve_links(target)?;
        match std::fs::metadata(target) {
            Ok(m) if m.is_dir() => {
                return Err(Error::io(
                    format!("cannot write '{}'", shown.display()),
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
                    format!("cannot write '{}'", shown.display()),
                    std::io::Error::other(format!("'{}' is not a folder", parent.display())),
                ))
            }
            Err(e) => {
                return Err(Error::io(
                    format!(
                        "cannot write '{}' (the folder '{}')",
                        shown.display(),
                        parent.display()
                    ),
                    e,
                ))
            }
        }
        let replaces = check_replaceable(target, shown)?;
        let partial = partial_path(target);
        if partial.symlink_metadata().is_ok() {
            return Err(Error::io(
                format!("cannot write '{}'", shown.display()),
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
        if remux.is_some() {
            check_no_finishing(target)?;
        }
        Ok(FilePlan::Partial(Partial {
            target: target.to_path_buf(),
            partial,
            container,
            remux,
            replaces,
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
        match self.remux {
            Some(faststart) => {
                write_new(&self.target, |finishing| {
                    remux(&self.partial, finishing, self.container, faststart, timing)
                })?;
                std::fs::remove_file(&self.partial).map_err(|e| {
                    Error::io(format!("cannot remove '{}'", self.partial.display()), e)
                })?;
            }
            None => {
                sync(&self.partial)?;
                keep_mode(&self.target, &self.partial)?;
                rename(&self.partial, &self.target)?;
                sync_folder(&self.target);
            }
        }
        Ok(std::fs::metadata(&self.target)
            .map(|m| m.len())
            .unwrap_or(0))
    }

    /// Removes the partial file (nothing of it is wanted).
    pub(crate) fn discard(&self) {
        let _ = std::fs::remove_file(&self.partial);
    }
}

/// Makes a new file for `target` beside it (`<target>.finishing`, which `make` creates and
/// writes) and, once complete and synced to the disk, renames it over `target`: the target
/// holds its old content or the whole new file. A link at `target` is followed (the file it
/// points to is replaced, with its permission bits); a target that cannot be written, or a
/// `.finishing` file already there, is refused before `make` runs. On failure the
/// half-written file, which is encode-native's own, is removed.
pub(crate) fn write_new<T>(target: &Path, make: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let shown = target;
    let target = &resolve_links(target)?;
    check_replaceable(target, shown)?;
    check_no_finishing(target)?;
    let finishing = finishing_path(target);
    let made = make(&finishing).and_then(|r| sync(&finishing).map(|()| r));
    let made = match made {
        Ok(r) => r,
        // Another process made it between the check and `make`: not ours to remove.
        Err(e) if e.os_error() == Some(EEXIST) => return Err(e),
        Err(e) => {
            let _ = std::fs::remove_file(&finishing);
            return Err(e);
        }
    };
    if let Err(e) = keep_mode(target, &finishing).and_then(|()| rename(&finishing, target)) {
        let _ = std::fs::remove_file(&finishing);
        return Err(e);
    }
    sync_folder(target);
    Ok(made)
}

/// `EEXIST` on the systems encode-native builds for.
const EEXIST: i32 = 17;

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
    /// Audio streams in it (each is in [`Recovered::audio`]).
    pub audio_streams: usize,
    /// Its audio streams, copied with the video (stream 0) and cut where the video ends,
    /// each with the samples it plays ([`CopiedAudio::samples`]).
    pub audio: Vec<CopiedAudio>,
}

/// Finishes a partial file left by a crash (`out.mp4.partial`): what it holds complete is
/// copied, without re-encoding, into `target` (by default the partial file's name without
/// `.partial`), as a normal MP4/MOV with its index in front, or as the target's container.
/// The partial file is removed once the target is complete. An existing target is replaced
/// (a link is followed, and a target that cannot be written is refused, as for a writer); a
/// `<target>.finishing` already there is refused and left as it is.
///
/// Only whole frames are copied, and each is checked by decoding it: the copy ends before
/// the first frame that is cut off (it runs past the end of the file, or past its box), is
/// flagged damaged, or does not decode cleanly; a fragment whose header (`moof`) is cut off
/// is left out, and every complete one before it is kept. [`Recovered::frames`] counts the
/// frames written, each of which decodes. A partial file with no complete frame is an error,
/// and the partial file is then left as it is.
///
/// Every audio stream is copied with the video (streams, their metadata, language and
/// rotation, and the file's metadata are kept): each audio packet is checked as whole (inside
/// the file and its sample data) and by decoding it. In MP4 and MOV, and for PCM in any
/// container, the audio never plays past the video's end, whether the file is cut or whole:
/// a packet heard from the video's end on is left out, and the one heard past it is cut
/// there, sample-exactly (MP4/MOV: its duration, which the muxer makes the track's edit list,
/// where players stop; PCM: its bytes). Other codecs in Matroska and MPEG-TS, which cannot
/// say where a packet's sound ends, are copied up to the last packet the partial file holds
/// whole, which may play up to one codec frame past the video (as in the partial file).
/// [`Recovered::audio`] counts the samples each stream plays, read back from the finished
/// file.
///
/// ```no_run
/// let done = encode_native::recover("out.mp4.partial", None)?;
/// println!("{} frames in {}", done.frames, done.path.display());
/// # Ok::<(), encode_native::Error>(())
/// ```
///
/// # Errors
/// [`Error::Unsupported`](crate::Error::Unsupported) when the partial file holds no complete
/// frame (it is left as it is); [`Error::Io`](crate::Error::Io) (or `NoSpace`) when it cannot be
/// read or the target cannot be written; [`Error::Config`](crate::Error::Config) for a target
/// that is a folder or a partial file's name.
pub fn recover(partial: impl AsRef<Path>, target: Option<&Path>) -> Result<Recovered> {
    let partial = partial.as_ref();
    crate::ffi::init();
    crate::ffi::clear_log_lines();
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
    // The target first: reading the partial file is wasted if the result cannot be put there
    // (write_new checks it again, just before it writes).
    {
        let resolved = resolve_links(&target)?;
        check_replaceable(&resolved, &target)?;
        check_no_finishing(&resolved)?;
    }
    let none = |why: &str| {
        Error::Unsupported(format!(
            "'{}' holds no complete frame{why}; it is left as it is",
            partial.display()
        ))
    };
    let extent = Extent::of(partial)?;
    if extent.is_empty() {
        return Err(none(""));
    }
    let src = Source::open_url(&extent.url(partial)?, partial).map_err(|e| {
        Error::Unsupported(format!(
            "'{}' holds no complete frame (it cannot be read: {e}); it is left as it is",
            partial.display()
        ))
    })?;
    let mut packets = Verified::new(src, extent)?;
    if !packets.any() {
        let why = packets
            .stopped()
            .map(|w| format!(" (the first one is not: {w})"))
            .unwrap_or_default();
        return Err(none(&why));
    }
    let copied = write_new(&target, |finishing| {
        let mut copy = Copy::create(finishing, container, packets.source(), true, None)?;
        copy.cut_audio_at_video_end();
        copy.append(&mut packets, 0, None)?;
        if copy.frames() == 0 {
            return Err(none(""));
        }
        let mut copied = copy.finish()?;
        let played = played_samples(finishing)?;
        for (a, n) in copied.audio.iter_mut().zip(played) {
            a.samples = Some(n);
        }
        Ok(copied)
    })?;
    std::fs::remove_file(partial)
        .map_err(|e| Error::io(format!("cannot remove '{}'", partial.display()), e))?;
    Ok(Recovered {
        bytes: std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0),
        path: target,
        frames: copied.frames,
        duration: copied.duration,
        audio_streams: copied.audio.len(),
        audio: copied.audio,
    })
}

/// Copies the video and audio streams (and the metadata) of a complete partial file `input`
/// into a new file `output` (created here, so it must not exist) as `container`, packet by
/// packet; a damaged tail of `input` ends the copy. A fragmented MP4 stores its timeline shifted so that decoding
/// starts at zero, and without packet durations: the shift is taken off again (the first frame
/// is shown at `timing.origin`) and the last frame lasts `timing.last_duration` (by default as
/// long as the one before); the audio moves with the video. Returns what was copied.
fn remux(
    input: &Path,
    output: &Path,
    container: Container,
    faststart: bool,
    timing: Timing,
) -> Result<Copied> {
    let mut src = Source::open(input)?;
    let mut copy = Copy::create(output, container, &src, faststart, None)?;
    let tb = ff::Rational::new(timing.time_base.num, timing.time_base.den);
    let origin = timing.origin.rescale(tb, src.time_base);
    let last = timing.last_duration.map(|d| d.rescale(tb, src.time_base));
    copy.set_audio_end(timing.audio_end);
    copy.append(&mut Raw::new(&mut src, true), origin, last)?;
    copy.finish()
}
