//! Crash safety: the target holds its old content or the complete new video, never half of one;
//! a killed encode leaves a playable partial file that `recover` finishes; nothing that
//! encode-native did not create is ever removed, truncated or replaced.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use encode_native::{partial_path, recover, EncoderConfig, Frame, PixelFormat, VideoWriter};

use crate::support::*;

const CHILD: &str = "ENCODE_NATIVE_CRASH_CHILD";

/// Reads everything written to the FIFO at `path`, on a thread of its own.
fn read_in_background(path: &Path) -> std::thread::JoinHandle<Vec<u8>> {
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        bytes
    })
}

fn fast() -> EncoderConfig {
    EncoderConfig::new(96, 64, 30).preset("ultrafast")
}

fn has_box(bytes: &[u8], kind: &str) -> bool {
    top_level_boxes(bytes).iter().any(|b| b == kind)
}

#[test]
fn the_target_appears_only_when_the_video_is_finished() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.mp4");
    std::fs::write(&out, b"the old content").unwrap();
    let mut w = VideoWriter::create(&out, fast()).unwrap();
    push_smooth(&mut w, 20, (96, 64));
    // While encoding, the old content is untouched and the frames go to the partial file.
    assert_eq!(std::fs::read(&out).unwrap(), b"the old content");
    assert!(partial_path(&out).exists());
    let s = w.finish().unwrap();
    assert!(!partial_path(&out).exists());
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(s.bytes as usize, bytes.len());
    // A normal MP4 with its index in front, not fragmented.
    let boxes = top_level_boxes(&bytes);
    let pos = |k: &str| boxes.iter().position(|b| b == k);
    assert!(pos("moov") < pos("mdat"), "{boxes:?}");
    assert!(!has_box(&bytes, "moof"), "{boxes:?}");
    assert!(!s.fragmented);
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), 20);
    assert!((d.duration - 20.0 / 30.0).abs() < 1e-6, "{}", d.duration);
}

#[test]
fn discarding_leaves_the_target_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.mkv");
    std::fs::write(&out, b"keep me").unwrap();
    let mut w = VideoWriter::create(&out, fast()).unwrap();
    push_smooth(&mut w, 3, (96, 64));
    w.discard().unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    assert!(!partial_path(&out).exists());
}

#[test]
fn a_partial_file_in_the_way_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.mp4");
    std::fs::write(partial_path(&out), b"someone's unfinished video").unwrap();
    let e = VideoWriter::create(&out, fast()).unwrap_err().to_string();
    assert!(e.contains("v.mp4.partial") && e.contains("recover"), "{e}");
    assert_eq!(
        std::fs::read(partial_path(&out)).unwrap(),
        b"someone's unfinished video"
    );
    assert!(!out.exists());
}

#[test]
fn a_bad_setting_creates_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.mp4");
    std::fs::write(&out, b"old").unwrap();
    let e = VideoWriter::create(&out, fast().x264_params("keyintt=10")).unwrap_err();
    assert!(e.to_string().contains("keyintt"), "{e}");
    assert_eq!(std::fs::read(&out).unwrap(), b"old");
    assert!(!partial_path(&out).exists());
}

/// Run by `killed_encodes_keep_all_but_the_last_half_second`: a default (crash-safe) writer
/// pushing frames until it is killed, printing how many were pushed and written.
#[test]
#[ignore = "a child process: `killed_encodes_keep_all_but_the_last_half_second` runs it (with --ignored --exact)"]
fn crash_child() {
    let path = std::env::var(CHILD)
        .unwrap_or_else(|_| panic!("crash_child is run by killed_encodes_keep_all_but_the_last_half_second, which sets {CHILD}"));
    let mut w = VideoWriter::create(&path, fast()).unwrap();
    for i in 0..1_000_000u32 {
        w.push(Frame::from_vec(
            96,
            64,
            PixelFormat::Rgb24,
            smooth_rgb(96, 64, i),
        ))
        .unwrap();
        // Paced a little, so that the kill lands at varied points.
        if i % 8 == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
        println!("pushed {} written {}", i + 1, w.frames_written());
    }
}

#[test]
fn killed_encodes_keep_all_but_the_last_half_second() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = 0x2545f4914f6cdd1du64;
    for run in 0..4 {
        let out = dir.path().join(format!("k{run}.mp4"));
        let mut child = ChildGuard::new(
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "crash::crash_child",
                    "--ignored",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD, &out)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        // Kill after a pseudo-random number of written frames, from 40 to 400.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let kill_at = 40 + rng % 360;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut pushed, mut written) = (0u64, 0u64);
        while written < kill_at {
            let line = lines.next().expect("the child stopped early").unwrap();
            let mut parts = line.split_whitespace();
            if parts.next() == Some("pushed") {
                pushed = parts.next().unwrap().parse().unwrap();
                written = parts.nth(1).unwrap().parse().unwrap();
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!out.exists(), "the target exists only once finished");
        let partial = partial_path(&out);
        let d = decode_file_structure(&partial);
        let got = d.frames.len() as u64;
        // Fragments are 0.5 s (15 frames): all but the last one are on the disk.
        assert!(
            got + 16 >= written && got <= pushed,
            "run {run}: {got} frames in the partial file, {written} written, {pushed} pushed"
        );
        for (i, f) in d.frames.iter().enumerate() {
            assert!(f.pts >= 0.0 && (i == 0 || f.pts > d.frames[i - 1].pts));
        }
        // recover makes a normal, faststart MP4 of the same frames.
        let done = recover(&partial, None).unwrap();
        assert_eq!(done.path, out);
        assert_eq!(done.frames, got);
        assert!(!partial.exists());
        let bytes = std::fs::read(&out).unwrap();
        assert!(!has_box(&bytes, "moof"));
        assert_eq!(decode_file(&out).frames.len() as u64, got);
    }
}

#[test]
fn the_cli_never_deletes_or_truncates_its_output_when_nothing_was_encoded() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.rgb");
    std::fs::write(&empty, b"").unwrap();
    let existing = dir.path().join("old.mp4");
    std::fs::write(&existing, b"an old video").unwrap();
    let run = |out: &Path| {
        Command::new(env!("CARGO_BIN_EXE_encode-native"))
            .args(["raw", "-i"])
            .arg(&empty)
            .args(["--size", "64x48", "--in-pix-fmt", "rgb24", "--fps", "30"])
            .args(["--format", "mp4", "-y", "-o"])
            .arg(out)
            .output()
            .unwrap()
    };
    let r = run(&existing);
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(std::fs::read(&existing).unwrap(), b"an old video");
    assert!(!partial_path(&existing).exists());

    // A FIFO (a special file, like /dev/null) is written directly and never removed.
    let fifo = dir.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = read_in_background(&fifo);
    let r = run(&fifo);
    assert_eq!(
        r.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    reader.join().unwrap();
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kind));
}

#[test]
fn a_fifo_gets_a_fragmented_mp4_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.mp4");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = read_in_background(&fifo);
    let start = Instant::now();
    let mut w = VideoWriter::create(&fifo, fast()).unwrap();
    push_smooth(&mut w, 12, (96, 64));
    let s = w.finish().unwrap();
    assert!(s.fragmented);
    let bytes = reader.join().unwrap();
    assert!(start.elapsed() < Duration::from_secs(20));
    assert_eq!(decode_bytes(bytes).frames.len(), 12);
    assert!(!partial_path(&fifo).exists());
}
