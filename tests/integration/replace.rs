//! Replacing a file: a run that fails never replaces what was there (its frames stay in the
//! partial file, and the error says where); a link is followed and the file it points to is
//! replaced with its permission bits; a file that cannot be written is refused before any
//! encoding, with the system's error; a leftover `.finishing` file is refused and never
//! removed. Through the command line (every command) and the library.

use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use encode_native::{finishing_path, partial_path, recover, EncoderConfig, VideoWriter};

use crate::support::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_encode-native"))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a failed run (exit 1) whose stderr has every one of `parts`.
fn assert_failed(o: &Output, parts: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for p in parts {
        assert!(err.contains(p), "'{p}' not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

fn png(level: u8) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(32, 24, image::Rgb([level, level, level]));
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .unwrap();
    bytes
}

fn demo(out: &Path, extra: &[&str]) -> Output {
    bin()
        .args(["demo", "--frames", "5", "--size", "32x24", "-q", "-y"])
        .args(["--preset", "ultrafast"])
        .args(extra)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

const OLD: &[u8] = b"an old video that must survive";

/// Every file in `dir`, sorted, for "nothing else was left behind".
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The partial file a failed run kept holds `frames` frames, and recover makes it the video.
fn assert_kept_in_partial(out: &Path, frames: usize) {
    let partial = partial_path(out);
    assert_eq!(decode_file(&partial).frames.len(), frames);
    let r = bin()
        .args(["recover", "-y", "-q"])
        .arg(&partial)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert_eq!(decode_file(out).frames.len(), frames);
    assert!(!partial.exists());
}

#[test]
fn a_failed_run_never_replaces_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, cmd: &mut Command| {
        let out = dir.path().join(name);
        std::fs::write(&out, OLD).unwrap();
        let r = cmd.arg("-o").arg(&out).output().unwrap();
        (out, r)
    };
    let fast = ["--preset", "ultrafast", "-y"];

    // images from standard input, the third not an image.
    let stream = [png(10), png(60), b"not an image at all".to_vec()].concat();
    let mut cmd = bin();
    cmd.args(["images", "-"]).args(fast);
    cmd.stdin(std::process::Stdio::piped());
    let out = dir.path().join("stdin.mp4");
    std::fs::write(&out, OLD).unwrap();
    let mut child = cmd
        .arg("-o")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &stream).unwrap();
    let r = child.wait_with_output().unwrap();
    assert_failed(
        &r,
        &[
            "image 3",
            "stdin.mp4.partial",
            "was left as it was",
            "recover",
        ],
    );
    assert_eq!(std::fs::read(&out).unwrap(), OLD);
    assert_kept_in_partial(&out, 2);

    // images from a folder, the third damaged.
    let shots = dir.path().join("shots");
    std::fs::create_dir(&shots).unwrap();
    for (i, bytes) in [png(10), png(40), b"broken".to_vec(), png(90)]
        .iter()
        .enumerate()
    {
        std::fs::write(shots.join(format!("f{i}.png")), bytes).unwrap();
    }
    for name in ["folder.mp4", "folder.mkv", "folder.mov"] {
        let (out, r) = run(name, bin().args(["images"]).arg(&shots).args(fast));
        assert_failed(&r, &["f2.png", ".partial", "was left as it was"]);
        assert_eq!(std::fs::read(&out).unwrap(), OLD, "{name}");
        assert_kept_in_partial(&out, 2);
    }

    // raw frames: a piece of a frame at the end is only a warning; the run completes and
    // replaces the file.
    let raw = dir.path().join("in.rgb");
    std::fs::write(&raw, vec![128u8; 32 * 24 * 3 * 3 + 100]).unwrap();
    let (out, r) = run(
        "raw.mp4",
        bin()
            .args([
                "raw",
                "--size",
                "32x24",
                "--in-pix-fmt",
                "rgb24",
                "--fps",
                "30",
                "-i",
            ])
            .arg(&raw)
            .args(fast),
    );
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert_eq!(decode_file(&out).frames.len(), 3);

    // A new file still gets the frames encoded before the error, finished at its name.
    let fresh = dir.path().join("fresh.mp4");
    let r = bin()
        .args(["images"])
        .arg(&shots)
        .args(fast)
        .arg("-o")
        .arg(&fresh)
        .output()
        .unwrap();
    assert_failed(&r, &["f2.png", "kept the 2 frames"]);
    assert_eq!(decode_file(&fresh).frames.len(), 2);
    assert!(!partial_path(&fresh).exists());
}

#[test]
fn the_library_keeps_a_partial_file_without_touching_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("old.mp4");
    std::fs::write(&out, OLD).unwrap();
    let config = EncoderConfig::new(96, 64, 30).preset("ultrafast");
    let mut w = VideoWriter::create(&out, config.clone()).unwrap();
    assert!(w.replaces_file());
    assert_eq!(w.partial_file(), Some(partial_path(&out).as_path()));
    push_smooth(&mut w, 4, (96, 64));
    let kept = w.keep_partial().unwrap();
    assert_eq!(kept.path.as_deref(), Some(partial_path(&out).as_path()));
    assert_eq!(kept.summary.frames, 4);
    assert!(kept.summary.fragmented);
    assert_eq!(std::fs::read(&out).unwrap(), OLD);
    assert_eq!(decode_file(&partial_path(&out)).frames.len(), 4);
    let done = recover(partial_path(&out), None).unwrap();
    assert_eq!(done.frames, 4);
    assert_eq!(decode_file(&out).frames.len(), 4);

    // No frame: nothing is kept, nothing is left.
    let w = VideoWriter::create(&out, config.clone()).unwrap();
    let kept = w.keep_partial().unwrap();
    assert_eq!(kept.path, None);
    assert!(!partial_path(&out).exists());
    assert_eq!(decode_file(&out).frames.len(), 4);

    // A new file does not replace anything.
    let fresh = dir.path().join("new.mkv");
    let w = VideoWriter::create(&fresh, config).unwrap();
    assert!(!w.replaces_file());
    w.discard().unwrap();
    assert_eq!(names(dir.path()), ["old.mp4"]);
}

#[test]
fn a_link_is_followed_and_its_file_replaced_in_its_own_folder() {
    let dir = tempfile::tempdir().unwrap();
    let real_dir = dir.path().join("real");
    let links = dir.path().join("links");
    std::fs::create_dir(&real_dir).unwrap();
    std::fs::create_dir(&links).unwrap();
    for ext in ["mp4", "mkv"] {
        let real = real_dir.join(format!("v.{ext}"));
        std::fs::write(&real, OLD).unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = links.join(format!("v.{ext}"));
        symlink(Path::new("../real").join(format!("v.{ext}")), &link).unwrap();
        // A link to a link.
        let link2 = dir.path().join(format!("again.{ext}"));
        symlink(&link, &link2).unwrap();

        let r = demo(&link2, &[]);
        assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(std::fs::symlink_metadata(&link2)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(decode_file(&real).frames.len(), 5);
        assert_eq!(mode(&real), 0o640, "{ext}");
    }
    assert_eq!(names(&links), ["v.mkv", "v.mp4"]);
    assert_eq!(names(&real_dir), ["v.mkv", "v.mp4"]);

    // recover and concat follow a link too.
    let real = real_dir.join("v.mp4");
    let link = links.join("v.mp4");
    let joined_real = real_dir.join("joined.mp4");
    std::fs::write(&joined_real, OLD).unwrap();
    std::fs::set_permissions(&joined_real, std::fs::Permissions::from_mode(0o600)).unwrap();
    let joined = links.join("joined.mp4");
    symlink(&joined_real, &joined).unwrap();
    let r = bin()
        .args(["concat", "-y", "-q"])
        .arg(&real)
        .arg(&link)
        .arg("-o")
        .arg(&joined)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
    assert!(std::fs::symlink_metadata(&joined)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(decode_file(&joined_real).frames.len(), 10);
    assert_eq!(mode(&joined_real), 0o600);
}

#[test]
fn a_replaced_file_keeps_its_permission_bits() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bits) in [("a.mp4", 0o600), ("b.mkv", 0o604), ("c.mov", 0o755)] {
        let out = dir.path().join(name);
        std::fs::write(&out, OLD).unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(bits)).unwrap();
        let r = demo(&out, &[]);
        assert_eq!(r.status.code(), Some(0), "{}", stderr(&r));
        assert_eq!(decode_file(&out).frames.len(), 5);
        assert_eq!(mode(&out), bits, "{name}");
    }
    // Set-user-ID is not carried over to the new file.
    let out = dir.path().join("s.mp4");
    std::fs::write(&out, OLD).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o4755)).unwrap();
    assert_eq!(demo(&out, &[]).status.code(), Some(0));
    assert_eq!(mode(&out), 0o755);
}

/// Runs `chattr` on `path`; false when the file system cannot do it (the test then says so).
fn chattr(flag: &str, path: &Path) -> bool {
    Command::new("chattr")
        .arg(flag)
        .arg(path)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn an_immutable_file_is_refused_before_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("frozen.mp4");
    std::fs::write(&out, OLD).unwrap();
    if !chattr("+i", &out) {
        eprintln!("skipped: chattr +i is not possible here (needs root and ext4/xfs/btrfs)");
        return;
    }
    let r = demo(&out, &[]);
    let recovered = {
        let p = dir.path().join("x.mp4.partial");
        std::fs::write(&p, OLD).unwrap();
        bin()
            .args(["recover", "-y", "-q"])
            .arg(&p)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap()
    };
    chattr("-i", &out);
    // Even root cannot open it for writing: the same error, before anything is made.
    assert_failed(
        &r,
        &["cannot write", "frozen.mp4", "Operation not permitted"],
    );
    assert!(!stderr(&r).contains("rename"), "{}", stderr(&r));
    assert_failed(&recovered, &["frozen.mp4", "Operation not permitted"]);
    assert_eq!(std::fs::read(&out).unwrap(), OLD);
    assert_eq!(names(dir.path()), ["frozen.mp4", "x.mp4.partial"]);
}

/// `setpriv` to run as nobody, when this runs as root and it is installed.
fn as_nobody() -> Option<Command> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let have = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .status()
        .is_ok_and(|s| s.success());
    (root && have).then(|| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        c.arg(env!("CARGO_BIN_EXE_encode-native"));
        c
    })
}

#[test]
fn a_file_the_user_cannot_write_is_refused_with_the_system_error() {
    // As root every mode bit is ignored; so the user who cannot write is nobody, in a folder
    // that nobody may write (so renaming over the file would have worked).
    let Some(mut nobody) = as_nobody() else {
        eprintln!("skipped: needs root and setpriv to run as a user who cannot write the file");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = dir.path().join("theirs.mp4");
    std::fs::write(&out, OLD).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = nobody
        .args(["demo", "--frames", "3", "--size", "32x24", "-q", "-y", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_failed(&r, &["cannot write", "theirs.mp4", "Permission denied"]);
    assert_eq!(std::fs::read(&out).unwrap(), OLD);
    assert_eq!(names(dir.path()), ["theirs.mp4"]);
}

#[test]
fn a_leftover_finishing_file_is_refused_first_and_never_removed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.mp4");
    let finishing = finishing_path(&out);
    assert_eq!(
        finishing,
        PathBuf::from(format!("{}.finishing", out.display()))
    );
    std::fs::write(&finishing, OLD).unwrap();
    // The encode is refused before it starts (a long one would take its whole time first).
    let start = std::time::Instant::now();
    let r = bin()
        .args(["demo", "--frames", "100000", "--size", "32x24", "-q", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    assert_failed(&r, &["v.mp4.finishing", "is in the way", "rename it to"]);
    assert_eq!(std::fs::read(&finishing).unwrap(), OLD);
    assert_eq!(names(dir.path()), ["v.mp4.finishing"]);

    // recover of a real partial file refuses it too, and leaves both files.
    let other = dir.path().join("w.mp4");
    let mut w =
        VideoWriter::create(&other, EncoderConfig::new(96, 64, 30).preset("ultrafast")).unwrap();
    push_smooth(&mut w, 3, (96, 64));
    w.keep_partial().unwrap();
    let partial = partial_path(&out);
    std::fs::rename(partial_path(&other), &partial).unwrap();
    let r = bin()
        .args(["recover", "-q"])
        .arg(&partial)
        .output()
        .unwrap();
    assert_failed(&r, &["v.mp4.finishing", "is in the way"]);
    assert_eq!(std::fs::read(&finishing).unwrap(), OLD);
    assert_eq!(decode_file(&partial).frames.len(), 3);
    let e = recover(&partial, None).unwrap_err();
    assert!(e.to_string().contains("is in the way"), "{e}");
    assert_eq!(std::fs::read(&finishing).unwrap(), OLD);

    // concat too.
    std::fs::remove_file(&finishing).unwrap();
    recover(&partial, None).unwrap();
    let joined = dir.path().join("j.mp4");
    std::fs::write(finishing_path(&joined), OLD).unwrap();
    let e = encode_native::concat(&[&out, &out], &joined).unwrap_err();
    assert!(e.to_string().contains("is in the way"), "{e}");
    assert_eq!(std::fs::read(finishing_path(&joined)).unwrap(), OLD);

    // A writer refuses it when it opens.
    let e = VideoWriter::create(&joined, EncoderConfig::new(96, 64, 30)).unwrap_err();
    assert!(e.to_string().contains("j.mp4.finishing"), "{e}");
    assert_eq!(names(dir.path()), ["j.mp4.finishing", "v.mp4"]);
}

#[test]
fn a_stopped_run_keeps_its_frames_beside_an_existing_file() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("long.mp4");
    std::fs::write(&out, OLD).unwrap();
    let mut child = bin()
        .args(["demo", "--frames", "1000000", "--size", "32x24", "-y"])
        .args(["--preset", "ultrafast", "--progress-json", "-o"])
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    // Wait until frames were written, then ask for a stop as Ctrl-C does.
    loop {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "ended early");
        let written = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| v["frames_written"].as_u64());
        if written.is_some_and(|n| n >= 10) {
            break;
        }
    }
    assert!(crate::support::kill(child.id(), "-INT"));
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(
        rest.contains("interrupted") && rest.contains("long.mp4.partial"),
        "{rest}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), OLD);
    let frames = decode_file(&partial_path(&out)).frames.len();
    assert!(frames >= 10, "{frames} frames");
    assert_kept_in_partial(&out, frames);
}
