//! `recover` never reports a frame that does not decode: cut-off frames and fragments are
//! dropped, every complete fragment before a cut is kept, and a partial file with no
//! complete frame is an error that leaves it as it is. Checked in-process with a strict
//! decoder and from outside with the `ffmpeg` program.

use std::path::{Path, PathBuf};
use std::process::Command;

use encode_native::{partial_path, recover};

use crate::support::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_encode-native"))
}

/// A partial file left by an encode that ran out of room: `encode-native demo` with a file
/// size limit of `kib` KiB (the write fails with "File too large", like a full disk).
fn recorded_partial(dir: &Path, name: &str, size: &str, frames: u32, kib: u32) -> PathBuf {
    let out = dir.join(name);
    let r = Command::new("sh")
        .arg("-c")
        // sh counts the limit in 512-byte blocks.
        .arg(format!("ulimit -f {}; exec \"$0\" \"$@\"", kib * 2))
        .arg(env!("CARGO_BIN_EXE_encode-native"))
        .args([
            "demo",
            "--frames",
            &frames.to_string(),
            "--size",
            size,
            "-q",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        !r.status.success(),
        "the encode was meant to run out of room"
    );
    let partial = partial_path(&out);
    assert_eq!(
        std::fs::metadata(&partial).unwrap().len(),
        u64::from(kib) * 1024
    );
    partial
}

/// `encode-native recover <partial> -o <target> -y --json`: the frames reported, or stderr.
fn cli_recover(partial: &Path, target: &Path) -> Result<u64, String> {
    let r = bin()
        .arg("recover")
        .arg(partial)
        .arg("-o")
        .arg(target)
        .args(["-y", "--json", "-q"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    if !r.status.success() {
        assert_eq!(r.status.code(), Some(1), "{err}");
        return Err(err);
    }
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    Ok(v["frames"].as_u64().unwrap())
}

/// The video packets libavformat reads from `path`, whole or not.
fn packets_read(path: &Path) -> u64 {
    ffmpeg_next::init().unwrap();
    let mut ictx = ffmpeg_next::format::input(path).unwrap();
    let index = ictx
        .streams()
        .best(ffmpeg_next::media::Type::Video)
        .unwrap()
        .index();
    let mut n = 0;
    for (s, _) in ictx.packets() {
        n += u64::from(s.index() == index);
    }
    n
}

#[test]
fn a_full_disk_s_cut_off_last_frame_is_not_copied() {
    let dir = tempfile::tempdir().unwrap();
    let partial = recorded_partial(dir.path(), "x.mp4", "320x240", 300, 20);
    // The partial file's last sample runs past its end: libavformat hands it out anyway.
    let cut = dir.path().join("as-read.mp4.partial");
    std::fs::copy(&partial, &cut).unwrap();
    let read = packets_read(&cut);
    let target = dir.path().join("x.mp4");
    let reported = cli_recover(&partial, &target).unwrap();
    assert!(reported > 0 && reported < read, "{reported} of {read}");
    assert_eq!(strict_frame_count(&target), Ok(reported));
    assert_eq!(ffmpeg_frame_count(&target), Ok(reported));
    assert!(!partial.exists());
}

#[test]
fn a_cut_inside_a_fragment_header_keeps_every_fragment_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let partial = recorded_partial(dir.path(), "x.mp4", "320x240", 300, 60);
    let bytes = std::fs::read(&partial).unwrap();
    let moofs: Vec<(usize, usize)> = mp4_boxes(&bytes)
        .into_iter()
        .filter(|b| b.0 == "moof")
        .map(|b| (b.1, b.2))
        .collect();
    assert!(moofs.len() >= 4, "{moofs:?}");
    for &(at, size) in &moofs[1..4] {
        // What the fragments before this moof hold: the file cut exactly before it.
        let clean = dir.path().join("clean.mp4.partial");
        std::fs::write(&clean, &bytes[..at]).unwrap();
        let want = strict_frame_count(&clean).unwrap();
        assert!(want > 0);
        // Inside its header, its middle, and its last box (the sample table, `trun`).
        for inside in [1, 7, size / 2, size - 4] {
            let p = dir.path().join("cut.mp4.partial");
            std::fs::write(&p, &bytes[..at + inside]).unwrap();
            let target = dir.path().join("cut.mp4");
            let done = recover(&p, None).unwrap_or_else(|e| panic!("cut at {at}+{inside}: {e}"));
            assert_eq!(done.frames, want, "cut at {at}+{inside}");
            assert_eq!(strict_frame_count(&target), Ok(want));
        }
    }
}

#[test]
fn a_partial_file_without_a_complete_frame_is_an_error_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let partial = recorded_partial(dir.path(), "x.mp4", "320x240", 300, 20);
    let bytes = std::fs::read(&partial).unwrap();
    let boxes = mp4_boxes(&bytes);
    let mdat = boxes.iter().find(|b| b.0 == "mdat").unwrap().1;
    let moov = boxes.iter().find(|b| b.0 == "moov").unwrap().1;
    // Inside the first frame, inside the first fragment's header, inside the stream header,
    // and nothing at all.
    for len in [mdat + 8 + 200, mdat - 20, moov + 100, 0] {
        let p = dir.path().join("cut.mp4.partial");
        std::fs::write(&p, &bytes[..len]).unwrap();
        let target = dir.path().join("cut.mp4");
        std::fs::write(&target, b"an older video").unwrap();
        let e = cli_recover(&p, &target).unwrap_err();
        assert!(
            e.contains("cut.mp4.partial") && e.contains("no complete frame"),
            "{len}: {e}"
        );
        assert_eq!(std::fs::read(&p).unwrap(), &bytes[..len]);
        assert_eq!(std::fs::read(&target).unwrap(), b"an older video");
        assert!(!dir.path().join("cut.mp4.finishing").exists());
    }
}

#[test]
fn cut_mpeg_ts_and_matroska_files_give_only_frames_that_decode() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["ts", "mkv", "mov"] {
        let whole = dir.path().join(format!("whole.{ext}"));
        let ok = bin()
            .args(["demo", "--frames", "120", "--size", "160x120", "-q", "-o"])
            .arg(&whole)
            .status()
            .unwrap();
        assert!(ok.success());
        let bytes = std::fs::read(&whole).unwrap();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..12 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % bytes.len() as u64) as usize;
            let p = dir.path().join(format!("cut.{ext}.partial"));
            std::fs::write(&p, &bytes[..len]).unwrap();
            let target = dir.path().join(format!("cut.{ext}"));
            match cli_recover(&p, &target) {
                Ok(n) => {
                    assert_eq!(strict_frame_count(&target), Ok(n), "{ext} cut at {len}");
                    assert_eq!(ffmpeg_frame_count(&target), Ok(n), "{ext} cut at {len}");
                }
                Err(e) => {
                    assert!(e.contains("no complete frame"), "{ext} cut at {len}: {e}");
                    assert_eq!(std::fs::read(&p).unwrap(), &bytes[..len]);
                }
            }
        }
    }
}

/// 200 random truncations of a partial file left by a full disk: every report agrees with
/// what the `ffmpeg` program decodes from the recovered file.
#[test]
fn two_hundred_truncations_agree_with_an_outside_decoder() {
    let dir = tempfile::tempdir().unwrap();
    let partial = recorded_partial(dir.path(), "r.mp4", "64x48", 600, 16);
    let bytes = std::fs::read(&partial).unwrap();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let (mut made, mut reports, mut refused) = (Vec::new(), Vec::new(), 0);
    for k in 0..200 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % (bytes.len() as u64 + 1)) as usize;
        let p = dir.path().join("t.mp4.partial");
        std::fs::write(&p, &bytes[..len]).unwrap();
        let target = dir.path().join(format!("t{k}.mp4"));
        match recover(&p, Some(&target)) {
            Ok(done) => {
                made.push(target);
                reports.push((len, done.frames));
            }
            Err(e) => {
                refused += 1;
                assert!(e.to_string().contains("no complete frame"), "{len}: {e}");
                assert!(!target.exists());
                std::fs::remove_file(&p).unwrap();
            }
        }
    }
    let outside = ffmpeg_frame_counts(&made);
    let disagree: Vec<String> = reports
        .iter()
        .zip(&outside)
        .filter(|((_, n), got)| **got != Ok(*n))
        .map(|((len, n), got)| format!("cut at {len}: reported {n}, ffmpeg {got:?}"))
        .collect();
    eprintln!(
        "200 truncations: {} recovered, {refused} refused, {} disagree",
        made.len(),
        disagree.len()
    );
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
    assert!(made.len() > 150, "{}", made.len());
}
