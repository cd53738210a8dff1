//! Joining segments without re-encoding: exact frames, durations and pixels; segments that
//! differ are refused before anything is written.

use encode_native::{concat, Encoder, EncoderConfig, OutputPixelFormat};

use crate::support::*;

const W: u32 = 64;
const H: u32 = 48;

fn segment(path: &std::path::Path, cfg: EncoderConfig, first: u32, n: u32) {
    let mut w = encode_native::VideoWriter::create(path, cfg).unwrap();
    for i in first..first + n {
        w.push(encode_native::Frame::from_vec(
            W,
            H,
            encode_native::PixelFormat::Rgb24,
            smooth_rgb(W, H, i),
        ))
        .unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn four_segments_join_into_exact_frames_durations_and_pixels() {
    let dir = tempfile::tempdir().unwrap();
    for (fps, seconds) in [
        ((30, 1), 1000.0 / 30.0),
        ((30000, 1001), 1000.0 * 1001.0 / 30000.0),
    ] {
        let cfg = EncoderConfig::new(W, H, fps).preset("ultrafast");
        let parts: Vec<_> = (0..4)
            .map(|k| {
                let p = dir.path().join(format!("seg{k}-{}.mp4", fps.0));
                segment(&p, cfg.clone(), k * 250, 250);
                p
            })
            .collect();
        let out = dir.path().join(format!("joined-{}.mp4", fps.0));
        let done = concat(&parts, &out).unwrap();
        assert_eq!(done.frames, 1000);
        assert!((done.duration.as_secs_f64() - seconds).abs() < 1e-6);
        let d = decode_file(&out);
        assert_eq!(d.frames.len(), 1000);
        assert!(
            (d.duration - seconds).abs() < 1e-3,
            "{} vs {seconds}",
            d.duration
        );
        let boxes = top_level_boxes(&std::fs::read(&out).unwrap());
        let pos = |k: &str| boxes.iter().position(|b| b == k);
        assert!(pos("moov") < pos("mdat"), "{boxes:?}");
        // A copy, not a re-encode: every frame is the segment's own decoded frame, and the
        // timestamps run on evenly.
        let mut k = 0;
        for p in &parts {
            for f in decode_file(p).frames {
                assert_eq!(d.frames[k].planes, f.planes, "frame {k}");
                let want = k as f64 * f64::from(fps.1) / f64::from(fps.0);
                assert!(
                    (d.frames[k].pts - want).abs() < 1e-6,
                    "frame {k}: {}",
                    d.frames[k].pts
                );
                k += 1;
            }
        }
    }
}

#[test]
fn segments_that_differ_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let base = EncoderConfig::new(W, H, 30).preset("ultrafast");
    let first = dir.path().join("a.mp4");
    segment(&first, base.clone(), 0, 10);
    for (name, cfg, text) in [
        (
            "size.mp4",
            EncoderConfig::new(W * 2, H, 30).preset("ultrafast"),
            "size",
        ),
        (
            "codec.mp4",
            EncoderConfig::new(W, H, 30).codec(Encoder::Mpeg4),
            "codec",
        ),
        (
            "pixfmt.mp4",
            base.clone().output_format(OutputPixelFormat::Yuv444p),
            "pixel format",
        ),
        (
            "rate.mp4",
            EncoderConfig::new(W, H, 25).preset("ultrafast"),
            "time base",
        ),
        ("profile.mp4", EncoderConfig::new(W, H, 30), "profile"),
    ] {
        let other = dir.path().join(name);
        let (w, h) = (cfg.width, cfg.height);
        let mut writer = encode_native::VideoWriter::create(&other, cfg).unwrap();
        for i in 0..10 {
            writer
                .push(encode_native::Frame::from_vec(
                    w,
                    h,
                    encode_native::PixelFormat::Rgb24,
                    smooth_rgb(w, h, i),
                ))
                .unwrap();
        }
        writer.finish().unwrap();
        let out = dir.path().join(format!("out-{name}"));
        let e = concat(&[&first, &other], &out).unwrap_err().to_string();
        assert!(e.contains("segment 2") && e.contains(text), "{name}: {e}");
        assert!(!out.exists());
    }
}

#[test]
fn the_command_line_joins_segments_made_on_separate_runs() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_encode-native");
    let mut parts = Vec::new();
    for k in 0..3 {
        let p = dir.path().join(format!("part{k}.mp4"));
        let ok = std::process::Command::new(bin)
            .args([
                "demo",
                "--frames",
                "40",
                "--size",
                "96x64",
                "--preset",
                "ultrafast",
                "-q",
                "-o",
            ])
            .arg(&p)
            .status()
            .unwrap();
        assert!(ok.success());
        parts.push(p);
    }
    let out = dir.path().join("all.mp4");
    let r = std::process::Command::new(bin)
        .arg("concat")
        .args(&parts)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), 120);
    assert!((d.duration - 4.0).abs() < 1e-3, "{}", d.duration);
}

#[test]
fn hevc_segments_made_with_the_segment_setting_join_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EncoderConfig::new(W, H, 30)
        .codec(Encoder::Libx265)
        .preset("ultrafast");
    cfg.set("segment", "true").unwrap();
    let parts: Vec<_> = (0..3)
        .map(|k| {
            let p = dir.path().join(format!("h{k}.mp4"));
            segment(&p, cfg.clone(), k * 40, 40);
            p
        })
        .collect();
    // x265 writes its settings into the stream: closed GOPs with the setting, open without.
    let settings_of = |p: &std::path::Path| {
        let bytes = std::fs::read(p).unwrap();
        (
            bytes.windows(11).any(|w| w == b"no-open-gop"),
            bytes.windows(9).any(|w| w == b" open-gop"),
        )
    };
    assert_eq!(settings_of(&parts[0]), (true, false));
    let plain = dir.path().join("plain.mp4");
    segment(
        &plain,
        EncoderConfig::new(W, H, 30)
            .codec(Encoder::Libx265)
            .preset("ultrafast"),
        0,
        5,
    );
    assert_eq!(settings_of(&plain), (false, true));
    let out = dir.path().join("h.mp4");
    let done = concat(&parts, &out).unwrap();
    assert_eq!(done.frames, 120);
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), 120);
    assert!((d.duration - 4.0).abs() < 1e-3, "{}", d.duration);
    let mut k = 0;
    for p in &parts {
        for f in decode_file(p).frames {
            assert_eq!(d.frames[k].planes, f.planes, "frame {k}");
            k += 1;
        }
    }
}

/// `encode-native demo` into `path`: 40 frames at 96x64.
fn demo_segment(path: &std::path::Path) {
    let ok = std::process::Command::new(env!("CARGO_BIN_EXE_encode-native"))
        .args([
            "demo", "--frames", "40", "--size", "96x64", "-q", "-y", "-o",
        ])
        .arg(path)
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn a_damaged_segment_is_refused_by_name_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_encode-native");
    for ext in ["mp4", "mov", "mkv", "ts"] {
        let (a, b) = (
            dir.path().join(format!("a.{ext}")),
            dir.path().join(format!("b.{ext}")),
        );
        demo_segment(&a);
        demo_segment(&b);
        let bytes = std::fs::read(&b).unwrap();
        let out = dir.path().join(format!("out.{ext}"));
        // The cuts: early (the 3000 bytes), near the end, and inside the last TS
        // packet.
        for len in [3000, bytes.len() - 700, bytes.len() - 1] {
            let cut = dir.path().join(format!("cut.{ext}"));
            std::fs::write(&cut, &bytes[..len]).unwrap();
            std::fs::write(&out, b"a good older video").unwrap();
            let r = std::process::Command::new(bin)
                .arg("concat")
                .args([&a, &cut])
                .arg("-o")
                .arg(&out)
                .arg("-y")
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&r.stderr);
            assert_eq!(r.status.code(), Some(1), "{ext} cut at {len}: {err}");
            assert!(
                err.contains("segment 2") && err.contains(&format!("cut.{ext}")),
                "{ext} cut at {len}: {err}"
            );
            assert_eq!(std::fs::read(&out).unwrap(), b"a good older video");
            assert!(!dir.path().join(format!("out.{ext}.finishing")).exists());
            // The library refuses it too.
            let e = concat(&[&a, &cut], &out).unwrap_err().to_string();
            assert!(e.contains("damaged"), "{ext} cut at {len}: {e}");
        }
        // Whole, they join, and the summary says what the video is. (Joining Matroska
        // segments fails in the muxer: their packets carry no decode timestamps.)
        if ext == "mkv" {
            continue;
        }
        let done = concat(&[&a, &b], &out).unwrap();
        assert_eq!((done.frames, done.width, done.height), (80, 96, 64));
        assert_eq!(done.codec, "h264");
        assert_eq!(strict_frame_count(&out), Ok(80));
    }
}

#[test]
fn an_output_that_is_also_a_segment_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.mp4"), dir.path().join("b.mp4"));
    demo_segment(&a);
    demo_segment(&b);
    let before = std::fs::read(&b).unwrap();
    // The same file by another name.
    let same = dir.path().join(".").join("b.mp4");
    let e = concat(&[&a, &b], &same).unwrap_err().to_string();
    assert!(e.contains("b.mp4") && e.contains("segments"), "{e}");
    assert_eq!(std::fs::read(&b).unwrap(), before);
}

#[test]
fn an_error_carries_only_its_own_ffmpeg_messages() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.mp4"), dir.path().join("b.mp4"));
    demo_segment(&a);
    demo_segment(&b);
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &std::fs::read(&b).unwrap()[..3000]).unwrap();
    // A damaged segment makes libavformat complain ("Packet corrupt")...
    assert!(concat(&[&a, &cut], dir.path().join("o.mp4")).is_err());
    // ... which is no part of the next call's error.
    let junk = dir.path().join("junk.mp4");
    std::fs::write(&junk, b"not a video at all, not at all").unwrap();
    let e = concat(&[&junk], dir.path().join("o2.mp4"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("junk.mp4"), "{e}");
    assert!(!e.contains("corrupt"), "{e}");
}
