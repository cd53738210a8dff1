//! The command line's other spellings: FFmpeg's option names (`-r`, `--framerate`, `-c:v`,
//! `-crf`, `-preset`, `-pix_fmt`), suggestions for typos, FFmpeg's numbered image patterns
//! (`img%03d.png`), and errors that name the option as the user wrote it.

use std::path::Path;
use std::process::{Command, Stdio};

use image::{Rgb, RgbImage};

use crate::support::*;

struct Run {
    code: i32,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_encode-native"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("cannot start encode-native");
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(args: &[&str]) {
    let r = run(args);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small demo into `out` with `extra` options.
fn demo(out: &Path, extra: &[&str]) -> Run {
    let mut a = vec![
        "demo",
        "--frames",
        "6",
        "--size",
        "64x48",
        "-q",
        "-y",
        "-o",
        s(out),
    ];
    a.extend_from_slice(extra);
    run(&a)
}

#[test]
fn ffmpeg_spellings_mean_the_same_options() {
    let dir = tempfile::tempdir().unwrap();
    // Each spelling gives the very file its own option gives.
    let pairs: &[(&[&str], &[&str])] = &[
        (&["-r", "24"], &["--fps", "24"]),
        (&["--framerate", "24"], &["--fps", "24"]),
        (&["-framerate", "24"], &["--fps", "24"]),
        (&["-c:v", "mpeg4"], &["--codec", "mpeg4"]),
        (&["-vcodec", "mpeg4"], &["--codec", "mpeg4"]),
        (&["-crf", "35"], &["--crf", "35"]),
        (&["-preset", "ultrafast"], &["--preset", "ultrafast"]),
        (&["-pix_fmt", "yuv444p"], &["--pix-fmt", "yuv444p"]),
        (&["--pix_fmt", "yuv444p"], &["--pix-fmt", "yuv444p"]),
        (&["-b:v", "200k"], &["--bitrate", "200k"]),
        (&["-g", "2"], &["--gop", "2"]),
    ];
    for (i, (theirs, ours)) in pairs.iter().enumerate() {
        let a = dir.path().join(format!("a{i}.mp4"));
        let b = dir.path().join(format!("b{i}.mp4"));
        let (ra, rb) = (demo(&a, theirs), demo(&b, ours));
        assert_eq!(ra.code, 0, "{theirs:?}: {}", ra.stderr);
        assert_eq!(rb.code, 0, "{ours:?}: {}", rb.stderr);
        let (da, db) = (decode_file(&a), decode_file(&b));
        assert_eq!(da.frames.len(), 6, "{theirs:?}");
        assert_eq!(
            (da.codec.as_str(), da.pix_fmt, da.avg_frame_rate),
            (db.codec.as_str(), db.pix_fmt, db.avg_frame_rate),
            "{theirs:?} vs {ours:?}"
        );
        assert_eq!(da.keyframes(), db.keyframes(), "{theirs:?}");
    }
    // And they have their effect.
    let out = dir.path().join("x.mp4");
    ok(&[
        "demo",
        "--frames",
        "6",
        "--size",
        "64x48",
        "-q",
        "-y",
        "-o",
        s(&out),
        "-r",
        "24",
        "-c:v",
        "libx264",
        "-crf",
        "20",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv444p",
    ]);
    let d = decode_file(&out);
    assert_eq!(d.avg_frame_rate, (24, 1).into());
    assert_eq!(d.codec, "h264");
    assert_eq!(d.pix_fmt, ffmpeg_next::format::Pixel::YUV444P);
    assert!((d.duration - 0.25).abs() < 1e-3, "{}", d.duration);
    // The values after an option are left alone, `--key=value` works, and `-q` stays --quiet.
    let r = demo(&out, &["-crf=20"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    ok(&[
        "demo",
        "--frames",
        "2",
        "--size",
        "64x48",
        "-y",
        "-o",
        s(&out),
        "--pix_fmt=yuv444p",
        "-q",
    ]);
    assert_eq!(
        decode_file(&out).pix_fmt,
        ffmpeg_next::format::Pixel::YUV444P
    );
}

#[test]
fn typos_get_the_nearest_option() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mp4");
    for (typed, near) in [
        ("--fsp", "'--fps'"),
        ("--framrate", "'--fps'"),
        ("--pix-fm", "'--pix-fmt'"),
        ("--pixfmt", "'--pix-fmt'"),
        ("--prest", "'--preset'"),
        ("--fragmnted", "'--fragmented'"),
        ("--cfr", "'--crf'"),
    ] {
        let r = demo(&out, &[typed, "24"]);
        assert_eq!(r.code, 2, "{typed}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("unexpected argument '{typed}'")),
            "{typed}: {}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains(&format!("a similar argument exists: {near}")),
            "{typed}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("'-- "), "{typed}: {}", r.stderr);
    }
    // Nothing near: no suggestion.
    let r = demo(&out, &["--zzzzzz", "1"]);
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("similar argument"), "{}", r.stderr);
    assert!(!out.exists());
}

#[test]
fn errors_name_the_option_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mp4");
    for (given, named) in [
        (
            &["--pix-fmt", "yuv420p10le"][..],
            "invalid --pix-fmt 'yuv420p10le'",
        ),
        (
            &["-pix_fmt", "yuv420p10le"][..],
            "invalid -pix_fmt 'yuv420p10le'",
        ),
        (&["--qscale", "5"][..], "invalid --qscale '5'"),
        (&["-q:v", "5"][..], "invalid -q:v '5'"),
    ] {
        let r = demo(&out, given);
        assert_eq!(r.code, 1, "{given:?}: {}", r.stderr);
        assert!(
            r.stderr.starts_with(&format!("error: {named}")),
            "{given:?}: {}",
            r.stderr
        );
        for internal in ["invalid output_format", "invalid quantizer"] {
            assert!(!r.stderr.contains(internal), "{given:?}: {}", r.stderr);
        }
    }
    for (given, named) in [
        (&["-pix_fmt", "bad"][..], "for '-pix_fmt <FORMAT>'"),
        (
            &["-crf", "abc"][..],
            "for '-crf <N>': a number from 0 to 51",
        ),
        (
            &["--codec-option", "x"][..],
            "for '--codec-option <NAME=VALUE>': NAME=VALUE",
        ),
        (&["-r", "0"][..], "for '-r <RATE>'"),
        (&["--framerate", "abc"][..], "for '--framerate <RATE>'"),
    ] {
        let r = demo(&out, given);
        assert_eq!(r.code, 2, "{given:?}: {}", r.stderr);
        assert!(r.stderr.contains(named), "{given:?}: {}", r.stderr);
        assert!(
            !r.stderr.contains("codec_options"),
            "{given:?}: {}",
            r.stderr
        );
    }
}

/// Grey images `name(i)` for each `i` in `numbers`, 20·k bright for the k-th.
fn numbered(dir: &Path, numbers: &[u32], name: impl Fn(u32) -> String) {
    for (k, &i) in numbers.iter().enumerate() {
        let level = 10 + 20 * k as u8;
        RgbImage::from_pixel(32, 32, Rgb([level, level, level]))
            .save(dir.join(name(i)))
            .unwrap();
    }
}

fn mean_luma(f: &DecodedFrame) -> f64 {
    f.planes[0].iter().map(|&v| v as f64).sum::<f64>() / f.planes[0].len() as f64
}

/// The k-th image's luma (limited range), to ±2.
fn assert_levels(d: &Decoded, count: usize) {
    assert_eq!(d.frames.len(), count);
    for (k, f) in d.frames.iter().enumerate() {
        let want = 16.0 + (10.0 + 20.0 * k as f64) * 219.0 / 255.0;
        assert!(
            (mean_luma(f) - want).abs() < 2.0,
            "frame {k}: {} want {want}",
            mean_luma(f)
        );
    }
}

#[test]
fn images_take_ffmpegs_numbered_patterns() {
    let dir = tempfile::tempdir().unwrap();
    let shots = dir.path().join("shots");
    std::fs::create_dir(&shots).unwrap();
    // img000..img011, then a gap: img013 is not taken (FFmpeg stops at the first gap), nor
    // are files of another name.
    numbered(&shots, &(0..12).collect::<Vec<_>>(), |i| {
        format!("img{i:03}.png")
    });
    numbered(&shots, &[13], |i| format!("img{i:03}.png"));
    numbered(&shots, &[5], |i| format!("other{i:03}.png"));
    let out = dir.path().join("x.mp4");
    let pattern = shots.join("img%03d.png");
    ok(&[
        "images",
        s(&pattern),
        "-r",
        "12",
        "--pix-fmt",
        "yuv444p",
        "-crf",
        "0",
        "-q",
        "-o",
        s(&out),
    ]);
    let d = decode_file(&out);
    assert_levels(&d, 12);
    assert!((d.duration - 1.0).abs() < 1e-3, "{}", d.duration);

    // `%d` without padding, starting at 1, in numeric order past 9.
    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    numbered(&plain, &(1..=11).collect::<Vec<_>>(), |i| {
        format!("f{i}.png")
    });
    let out = dir.path().join("y.mp4");
    let pattern = plain.join("f%d.png");
    ok(&[
        "images",
        s(&pattern),
        "--pix-fmt",
        "yuv444p",
        "-crf",
        "0",
        "-q",
        "-o",
        s(&out),
    ]);
    assert_levels(&decode_file(&out), 11);

    // No first image: an error that says what was looked for.
    let missing = dir.path().join("none%04d.png");
    let r = run(&[
        "images",
        s(&missing),
        "-q",
        "-o",
        s(&dir.path().join("z.mp4")),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("no files match the numbered pattern"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("none0000.png"), "{}", r.stderr);
}
