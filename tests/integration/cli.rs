//! The `encode-native` command line, run as a real process: every subcommand, every error case,
//! Ctrl-C and `-o -`; every video it writes is decoded back in-process and checked.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use image::{ImageBuffer, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use serde_json::Value;

use crate::support::*;

/// What a run of the binary produced.
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// The JSON report printed on stdout.
    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout_text()))
    }

    /// Asserts a failure with exit status 1 and a single `error:` line, the last, containing
    /// every `parts` (warnings may come before it).
    fn assert_error(&self, parts: &[&str]) {
        assert_eq!(self.code, 1, "exit status; stderr: {}", self.stderr);
        let lines: Vec<&str> = self.stderr.lines().collect();
        let (last, before) = lines.split_last().expect("an error line");
        assert!(last.starts_with("error: "), "{}", self.stderr);
        assert!(
            before.iter().all(|l| l.starts_with("warning: ")),
            "one error line expected: {}",
            self.stderr
        );
        for p in parts {
            assert!(self.stderr.contains(p), "'{p}' not in: {}", self.stderr);
        }
        assert_no_panic(&self.stderr);
    }

    /// Asserts a usage error (clap's exit status 2) mentioning every `parts`.
    fn assert_usage_error(&self, parts: &[&str]) {
        assert_eq!(self.code, 2, "exit status; stderr: {}", self.stderr);
        assert!(self.stderr.starts_with("error: "), "{}", self.stderr);
        for p in parts {
            assert!(self.stderr.contains(p), "'{p}' not in: {}", self.stderr);
        }
        assert_no_panic(&self.stderr);
    }

    fn assert_ok(&self) {
        assert_eq!(self.code, 0, "exit status; stderr: {}", self.stderr);
        assert_no_panic(&self.stderr);
    }
}

/// A failed run kept the frames accepted before its error in a finished file.
fn assert_kept(r: &Run, frames: usize, out: &Path) {
    let said = format!("kept the {frames} frames encoded before the error");
    assert!(r.stderr.contains(&said), "{}", r.stderr);
    assert_eq!(decode_file(out).frames.len(), frames);
}

fn assert_no_panic(stderr: &str) {
    for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!stderr.contains(bad), "panic output: {stderr}");
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_encode-native"))
}

fn run(args: &[&str]) -> Run {
    run_with_stdin(args, None)
}

fn run_with_stdin(args: &[&str], input: Option<Vec<u8>>) -> Run {
    let mut child = ChildGuard::new(
        bin()
            .args(args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start encode-native"),
    );
    let writer = input.map(|bytes| {
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            // The child may stop reading early; a broken pipe here is not the test's concern.
            let _ = stdin.write_all(&bytes);
        })
    });
    let out = child.wait_with_output().unwrap();
    if let Some(w) = writer {
        w.join().unwrap();
    }
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Small and fast encoding options.
const FAST: &[&str] = &["--preset", "ultrafast"];

fn args<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(extra).copied().collect()
}

fn assert_duration(d: &Decoded, seconds: f64) {
    assert!(
        (d.duration - seconds).abs() < 1e-3,
        "duration {} s, want {seconds} s",
        d.duration
    );
}

/// The mean of a decoded frame's luma plane.
fn mean_luma(f: &DecodedFrame) -> f64 {
    f.planes[0].iter().map(|&v| v as f64).sum::<f64>() / f.planes[0].len() as f64
}

fn grey_png(path: &Path, w: u32, h: u32, level: u8) {
    RgbImage::from_pixel(w, h, Rgb([level, level, level]))
        .save(path)
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// demo

#[test]
fn demo_writes_the_exact_frames_duration_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.mp4");
    let r = run(&args(
        &[
            "demo",
            "--frames",
            "15",
            "--size",
            "96x64",
            "--json",
            "-o",
            s(&out),
        ],
        FAST,
    ));
    r.assert_ok();
    let j = r.json();
    assert_eq!(j["frames"], 15);
    assert_eq!(j["width"], 96);
    assert_eq!(j["height"], 64);
    assert_eq!(j["pix_fmt"], "yuv420p");
    assert_eq!(j["codec"], "h264");
    assert_eq!(j["encoder"], "libx264");
    assert_eq!(j["container"], "mp4");
    assert_eq!(j["fps"], 30.0);
    assert_eq!(j["duration_s"], 0.5);
    assert_eq!(j["interrupted"], false);
    assert_eq!(j["bytes"], std::fs::metadata(&out).unwrap().len());
    assert!(j["wall_s"].as_f64().unwrap() > 0.0);

    let d = decode_file(&out);
    assert_eq!(d.codec, "h264");
    assert_eq!((d.width, d.height), (96, 64));
    assert_eq!(d.frames.len(), 15);
    assert_duration(&d, 0.5);
    // The picture moves: consecutive frames differ.
    assert_ne!(d.frames[0].planes[0], d.frames[10].planes[0]);
    // A summary line on stderr (no progress bar on a pipe).
    assert!(r.stderr.starts_with("wrote "), "{}", r.stderr);
    assert!(!r.stderr.contains('\r'), "progress bar drawn on a pipe");
}

#[test]
fn demo_ntsc_rate_mkv_noise_and_mpeg4_avi() {
    let dir = tempfile::tempdir().unwrap();
    let mkv = dir.path().join("ntsc.mkv");
    let r = run(&args(
        &[
            "demo",
            "--frames",
            "10",
            "--size",
            "64x48",
            "--fps",
            "29.97",
            "--pattern",
            "noise",
            "--crf",
            "30",
            "-q",
            "-o",
            s(&mkv),
        ],
        FAST,
    ));
    r.assert_ok();
    assert!(r.stderr.is_empty(), "quiet: {}", r.stderr);
    let d = decode_file(&mkv);
    assert_eq!(d.format_name, "matroska,webm");
    assert_eq!(d.frames.len(), 10);
    let step = d.frames[1].pts - d.frames[0].pts;
    assert!(
        (step - 1001.0 / 30000.0).abs() < 1.5e-3,
        "frame step {step}"
    );

    let avi = dir.path().join("mp4v.avi");
    let r = run(&[
        "demo",
        "--frames",
        "12",
        "--size",
        "64x48",
        "--codec",
        "mpeg4",
        "--bitrate",
        "500k",
        "--fps",
        "24",
        "-o",
        s(&avi),
    ]);
    r.assert_ok();
    let d = decode_file(&avi);
    assert_eq!(d.format_name, "avi");
    assert_eq!(d.codec, "mpeg4");
    assert_eq!(d.frames.len(), 12);
    assert_duration(&d, 0.5);
}

#[test]
fn demo_fragmented_mp4_and_yuv444() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("frag.mp4");
    let r = run(&args(
        &[
            "demo",
            "--frames",
            "20",
            "--size",
            "64x48",
            "--fragmented",
            "--pix-fmt",
            "yuv444p",
            "--json",
            "-o",
            s(&out),
        ],
        FAST,
    ));
    r.assert_ok();
    assert_eq!(r.json()["fragmented"], true);
    assert_eq!(r.json()["pix_fmt"], "yuv444p");
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), 20);
    assert_eq!(d.pix_fmt, ffmpeg_next::format::Pixel::YUV444P);
}

#[test]
fn odd_sizes_pad_crop_and_error() {
    let dir = tempfile::tempdir().unwrap();
    for (policy, want) in [
        ("pad", Some((34, 26))),
        ("crop", Some((32, 24))),
        ("error", None),
    ] {
        let out = dir.path().join(format!("{policy}.mp4"));
        let r = run(&args(
            &[
                "demo",
                "--frames",
                "3",
                "--size",
                "33x25",
                "--odd-size",
                policy,
                "--json",
                "-o",
                s(&out),
            ],
            FAST,
        ));
        match want {
            Some((w, h)) => {
                r.assert_ok();
                let j = r.json();
                assert_eq!(
                    (j["width"].clone(), j["height"].clone()),
                    (w.into(), h.into())
                );
                assert_eq!(j["input_width"], 33);
                let d = decode_file(&out);
                assert_eq!((d.width, d.height), (w, h), "{policy}");
                assert_eq!(d.frames.len(), 3);
            }
            None => {
                r.assert_error(&["33x25", "even"]);
                assert!(!out.exists(), "a refused encode must not leave a file");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// images

#[test]
fn images_from_a_folder_a_glob_and_files_in_natural_order() {
    let dir = tempfile::tempdir().unwrap();
    let shots = dir.path().join("shots");
    std::fs::create_dir(&shots).unwrap();
    // Brightness rises with the natural order: f1 < f2 < f10 (lexical order would put f10 second).
    for (name, level) in [("f1.png", 20), ("f2.png", 120), ("f10.png", 230)] {
        grey_png(&shots.join(name), 48, 32, level);
    }
    std::fs::write(shots.join("notes.txt"), "not an image").unwrap();
    let pattern = format!("{}/f*.png", s(&shots));
    let (f1, f2, f10) = (
        shots.join("f1.png"),
        shots.join("f2.png"),
        shots.join("f10.png"),
    );
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("folder", vec![s(&shots)]),
        ("glob", vec![&pattern]),
        ("files", vec![s(&f10), s(&f1), s(&f2)]),
    ];
    for (what, inputs) in cases {
        let out = dir.path().join(format!("{what}.mp4"));
        let mut a = vec!["images"];
        a.extend(inputs);
        a.extend(["--fps", "10", "--crf", "10", "-o", s(&out)]);
        a.extend(FAST);
        let r = run(&a);
        r.assert_ok();
        let d = decode_file(&out);
        assert_eq!(d.frames.len(), 3, "{what}");
        assert_eq!((d.width, d.height), (48, 32));
        assert_duration(&d, 0.3);
        let means: Vec<f64> = d.frames.iter().map(mean_luma).collect();
        assert!(
            means[0] < means[1] && means[1] < means[2],
            "{what}: frames out of natural order, mean luma {means:?}"
        );
    }
}

#[test]
fn images_with_alpha_and_16_bit() {
    let dir = tempfile::tempdir().unwrap();
    let rgba = dir.path().join("rgba");
    let deep = dir.path().join("deep");
    std::fs::create_dir(&rgba).unwrap();
    std::fs::create_dir(&deep).unwrap();
    for i in 0..4u8 {
        RgbaImage::from_pixel(40, 30, Rgba([200, 50 * i, 10, 128]))
            .save(rgba.join(format!("a{i}.png")))
            .unwrap();
        ImageBuffer::<Luma<u16>, Vec<u16>>::from_pixel(40, 30, Luma([10000 * i as u16 + 5000]))
            .save(deep.join(format!("g{i}.png")))
            .unwrap();
    }
    for folder in [&rgba, &deep] {
        let out = folder.with_extension("mkv");
        let r = run(&args(&["images", s(folder), "-o", s(&out)], FAST));
        r.assert_ok();
        let d = decode_file(&out);
        assert_eq!(d.frames.len(), 4);
        assert_eq!((d.width, d.height), (40, 30));
    }
    // 16-bit grey keeps its levels: brighter frame after brighter frame.
    let d = decode_file(&deep.with_extension("mkv"));
    let means: Vec<f64> = d.frames.iter().map(mean_luma).collect();
    assert!(means.windows(2).all(|m| m[0] < m[1]), "{means:?}");
}

#[test]
fn images_of_mixed_sizes_are_refused_unless_resized() {
    let dir = tempfile::tempdir().unwrap();
    grey_png(&dir.path().join("f1.png"), 48, 32, 50);
    grey_png(&dir.path().join("f2.png"), 48, 32, 60);
    grey_png(&dir.path().join("f3.png"), 50, 30, 70);
    grey_png(&dir.path().join("f4.png"), 20, 20, 80);
    let out = dir.path().join("out.mp4");
    let folder = dir.path().to_str().unwrap();
    let r = run(&args(&["images", folder, "-o", s(&out)], FAST));
    // Names the first image that differs, and both sizes.
    r.assert_error(&["f3.png", "50x30", "f1.png", "48x32", "--resize"]);
    // The frames accepted before the error are kept, in a finished file.
    assert_kept(&r, 2, &out);

    let r = run(&args(
        &[
            "images",
            folder,
            "--resize",
            "32x24",
            "--json",
            "-y",
            "-o",
            s(&out),
        ],
        FAST,
    ));
    r.assert_ok();
    assert_eq!(r.json()["frames"], 4);
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), 4);
    assert_eq!((d.width, d.height), (32, 24));
}

#[test]
fn a_corrupt_image_stops_the_encode_or_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let shots = dir.path().join("shots");
    std::fs::create_dir(&shots).unwrap();
    for i in 0..6 {
        grey_png(&shots.join(format!("f{i}.png")), 32, 32, 40 * i as u8);
    }
    std::fs::write(shots.join("f3.png"), b"this is not a png").unwrap();
    let out = dir.path().join("out.mp4");
    let r = run(&args(&["images", s(&shots), "-o", s(&out)], FAST));
    r.assert_error(&["cannot decode", "f3.png"]);
    assert_kept(&r, 3, &out);

    let r = run(&args(
        &[
            "images",
            s(&shots),
            "--skip-bad",
            "--json",
            "-y",
            "-o",
            s(&out),
        ],
        FAST,
    ));
    r.assert_ok();
    assert!(
        r.stderr.contains("warning: skipped: cannot decode") && r.stderr.contains("f3.png"),
        "{}",
        r.stderr
    );
    assert_eq!(r.json()["skipped"], 1);
    assert_eq!(r.json()["frames"], 5);
    assert_eq!(decode_file(&out).frames.len(), 5);
}

/// `img` encoded as `format`, in memory.
fn image_bytes(img: &RgbImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

#[test]
fn images_streamed_on_stdin_in_every_format() {
    // The seed pipeline: a program writing one PNG after another into a pipe (as
    // `plt.savefig(p.stdin, format='png')` does), here with JPEG, BMP and PNM mixed in.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pipe.avi");
    let formats = [
        image::ImageFormat::Png,
        image::ImageFormat::Jpeg,
        image::ImageFormat::Bmp,
        image::ImageFormat::Pnm,
    ];
    let mut stream = Vec::new();
    for i in 0..12u8 {
        let level = 20 + i * 18;
        let img = RgbImage::from_pixel(96, 64, Rgb([level, level, level]));
        stream.extend(image_bytes(&img, formats[i as usize % formats.len()]));
    }
    let r = run_with_stdin(
        &args(
            &["images", "-", "--fps", "1", "-o", s(&out), "--json"],
            FAST,
        ),
        Some(stream),
    );
    r.assert_ok();
    assert_eq!(r.json()["frames"], 12);
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), 12);
    assert_eq!((d.width, d.height), (96, 64));
    assert_eq!(d.format_name, "avi");
    assert_duration(&d, 12.0);
    // Every image arrived, in order: the grey levels rise frame by frame.
    for (i, f) in d.frames.iter().enumerate() {
        let want = 16.0 + (20.0 + i as f64 * 18.0) * 219.0 / 255.0;
        assert!(
            (mean_luma(f) - want).abs() < 3.0,
            "frame {i}: {} vs {want}",
            mean_luma(f)
        );
    }
}

#[test]
fn a_broken_image_stream_names_the_image_and_keeps_the_frames_before() {
    let dir = tempfile::tempdir().unwrap();
    let img = RgbImage::from_pixel(64, 48, Rgb([90, 90, 90]));
    let png = image_bytes(&img, image::ImageFormat::Png);
    // Truncated: the third image stops short.
    let mut stream = [png.clone(), png.clone()].concat();
    stream.extend_from_slice(&png[..png.len() / 2]);
    let out = dir.path().join("t.mp4");
    let r = run_with_stdin(&args(&["images", "-", "-o", s(&out)], FAST), Some(stream));
    let offset = format!("at byte {}", 2 * png.len());
    r.assert_error(&["image 3 of standard input", &offset, "truncated"]);
    assert_kept(&r, 2, &out);

    // Not an image at all, even with --skip-bad: the stream cannot be followed past it.
    let mut stream = png.clone();
    stream.extend_from_slice(b"GIF89a\x01\x00");
    let out = dir.path().join("g.mp4");
    let r = run_with_stdin(
        &args(&["images", "-", "--skip-bad", "-o", s(&out)], FAST),
        Some(stream),
    );
    r.assert_error(&["image 2 of standard input", "at byte", "not a PNG, JPEG"]);
    assert_kept_one(&r, &out);

    // A well-framed PNG whose pixels are damaged: skipped with --skip-bad, named without.
    let mut damaged = png.clone();
    let mid = damaged.len() / 2;
    for b in &mut damaged[mid..mid + 8] {
        *b ^= 0x5a;
    }
    let stream = [png.clone(), damaged.clone(), png.clone()].concat();
    let out = dir.path().join("d.mp4");
    let r = run_with_stdin(
        &args(&["images", "-", "--skip-bad", "-o", s(&out)], FAST),
        Some(stream.clone()),
    );
    r.assert_ok();
    assert!(
        r.stderr.contains("image 2 of standard input"),
        "{}",
        r.stderr
    );
    assert_eq!(decode_file(&out).frames.len(), 2);
    let out = dir.path().join("e.mp4");
    let r = run_with_stdin(&args(&["images", "-", "-o", s(&out)], FAST), Some(stream));
    r.assert_error(&["image 2 of standard input", "cannot decode"]);
    assert_kept_one(&r, &out);

    // Nothing on stdin at all.
    let out = dir.path().join("n.mp4");
    let r = run_with_stdin(
        &args(&["images", "-", "-o", s(&out)], FAST),
        Some(Vec::new()),
    );
    r.assert_error(&["nothing to encode"]);
    assert!(!out.exists());
}

/// The run kept exactly one frame.
fn assert_kept_one(r: &Run, out: &Path) {
    assert!(
        r.stderr.contains("kept the 1 frame encoded"),
        "{}",
        r.stderr
    );
    assert_eq!(decode_file(out).frames.len(), 1);
}

#[test]
fn missing_image_inputs_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let missing = dir.path().join("nothere");
    let r = run(&["images", s(&missing), "-o", s(&out)]);
    r.assert_error(&["cannot find", "nothere"]);
    let pattern = format!("{}/*.png", s(dir.path()));
    let r = run(&["images", &pattern, "-o", s(&out)]);
    r.assert_error(&["no files match", "*.png"]);
    let r = run(&["images", s(dir.path()), "-o", s(&out)]);
    r.assert_error(&["no images in the folder"]);
    // No input at all is a usage error.
    let r = run(&["images", "-o", s(&out)]);
    r.assert_usage_error(&["INPUT"]);
    assert!(!out.exists());
}

// ---------------------------------------------------------------------------------------------
// raw

#[test]
fn raw_frames_from_a_file_and_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h, n) = (64u32, 48u32, 12u32);
    let mut rgb = Vec::new();
    let mut bgr = Vec::new();
    for i in 0..n {
        let f = smooth_rgb(w, h, i);
        bgr.extend(f.chunks(3).flat_map(|p| [p[2], p[1], p[0]]));
        rgb.extend(f);
    }
    let file = dir.path().join("frames.rgb");
    std::fs::write(&file, &rgb).unwrap();
    let out = dir.path().join("file.mp4");
    let r = run(&args(
        &[
            "raw",
            "-i",
            s(&file),
            "--size",
            "64x48",
            "--in-pix-fmt",
            "rgb24",
            "--fps",
            "24",
            "--crf",
            "12",
            "-o",
            s(&out),
        ],
        FAST,
    ));
    r.assert_ok();
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), n as usize);
    assert_eq!((d.width, d.height), (w, h));
    assert_duration(&d, 0.5);
    // The pixels arrive: the decoded picture matches the input (BT.601 below 1280x720).
    let first = yuv_to_rgb(&d.frames[0], BT601.0, BT601.1, false);
    assert!(psnr(&first, &smooth_rgb(w, h, 0)) > 30.0);

    let out2 = dir.path().join("stdin.ts");
    let r = run_with_stdin(
        &args(
            &[
                "raw",
                "-i",
                "-",
                "--size",
                "64x48",
                "--in-pix-fmt",
                "bgr24",
                "--fps",
                "24",
                "--crf",
                "12",
                "-o",
                s(&out2),
            ],
            FAST,
        ),
        Some(bgr),
    );
    r.assert_ok();
    let d = decode_file(&out2);
    assert_eq!(d.format_name, "mpegts");
    assert_eq!(d.frames.len(), n as usize);
    // bgr24 is read as such: the colours come out the same as from rgb24.
    let first = yuv_to_rgb(&d.frames[0], BT601.0, BT601.1, false);
    assert!(psnr(&first, &smooth_rgb(w, h, 0)) > 30.0);
}

#[test]
fn a_truncated_raw_input_keeps_every_complete_frame() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("trunc.mp4");
    let frame = 32 * 24 * 4;
    let mut input = vec![90u8; 5 * frame];
    input.extend(vec![7u8; 1000]);
    let r = run_with_stdin(
        &args(
            &[
                "raw",
                "-i",
                "-",
                "--size",
                "32x24",
                "--in-pix-fmt",
                "rgba",
                "--fps",
                "25",
                "--json",
                "-o",
                s(&out),
            ],
            FAST,
        ),
        Some(input),
    );
    r.assert_ok();
    assert!(
        r.stderr.contains("warning:") && r.stderr.contains("partial frame of 1000 bytes"),
        "{}",
        r.stderr
    );
    assert_eq!(r.json()["frames"], 5);
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), 5);
    assert_duration(&d, 0.2);
}

#[test]
fn raw_usage_errors_bad_size_unknown_pixel_format_missing_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.mp4");
    let input = dir.path().join("in.raw");
    std::fs::write(&input, [0u8; 64]).unwrap();
    let base = ["raw", "-i", s(&input), "--fps", "25", "-o", s(&out)];
    for bad in ["12", "12x", "0x10", "ax4"] {
        let r = run(&args(&base, &["--size", bad, "--in-pix-fmt", "gray"]));
        r.assert_usage_error(&["--size", bad]);
    }
    let r = run(&args(&base, &["--size", "4x4", "--in-pix-fmt", "yuv420p"]));
    r.assert_usage_error(&["--in-pix-fmt", "yuv420p", "rgb24", "gray16le"]);
    // --in-pix-fmt has a default (rgb24); --size has none.
    let r = run(&args(&base, &["--in-pix-fmt", "gray"]));
    r.assert_usage_error(&["--size"]);
    let r = run(&[
        "raw",
        "-i",
        s(&input),
        "--size",
        "4x4",
        "--in-pix-fmt",
        "gray",
        "-o",
        s(&out),
    ]);
    r.assert_usage_error(&["--fps"]);
    let r = run(&args(
        &base,
        &["--size", "4x4", "--in-pix-fmt", "gray", "--bitrate", "lots"],
    ));
    r.assert_usage_error(&["--bitrate"]);

    let missing = dir.path().join("missing.raw");
    let r = run(&[
        "raw",
        "-i",
        s(&missing),
        "--size",
        "4x4",
        "--in-pix-fmt",
        "gray",
        "--fps",
        "25",
        "-o",
        s(&out),
    ]);
    r.assert_error(&["cannot open", "missing.raw"]);
    // Less than one frame: nothing to encode, and no file left behind.
    let r = run(&args(&base, &["--size", "16x16", "--in-pix-fmt", "rgb24"]));
    r.assert_error(&["nothing to encode"]);
    assert!(!out.exists());
}

// ---------------------------------------------------------------------------------------------
// output errors

#[test]
fn an_existing_output_needs_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("taken.mp4");
    std::fs::write(&out, b"precious").unwrap();
    let r = run(&["demo", "--frames", "2", "--size", "32x32", "-o", s(&out)]);
    r.assert_error(&["taken.mp4", "already exists", "-y"]);
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");

    let r = run(&args(
        &[
            "demo",
            "--frames",
            "2",
            "--size",
            "32x32",
            "-y",
            "-o",
            s(&out),
        ],
        FAST,
    ));
    r.assert_ok();
    assert_eq!(decode_file(&out).frames.len(), 2);
}

#[test]
fn an_unwritable_output_folder_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/folder/out.mp4");
    let r = run(&[
        "demo",
        "--frames",
        "2",
        "--size",
        "32x32",
        "-o",
        s(&missing),
    ]);
    r.assert_error(&["cannot write", "does not exist"]);

    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let under_file = file.join("out.mp4");
    let r = run(&[
        "demo",
        "--frames",
        "2",
        "--size",
        "32x32",
        "-o",
        s(&under_file),
    ]);
    r.assert_error(&["cannot write", "is not a folder"]);

    let r = run(&[
        "demo",
        "--frames",
        "2",
        "--size",
        "32x32",
        "-o",
        s(dir.path()),
    ]);
    r.assert_error(&["is a folder"]);
}

#[test]
fn bad_settings_fail_before_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.mp4");
    let r = run(&[
        "demo",
        "--frames",
        "2",
        "--codec",
        "mpeg4",
        "--crf",
        "20",
        "-o",
        s(&out),
    ]);
    r.assert_error(&["crf"]);
    let r = run(&["demo", "--frames", "2", "--preset", "warp", "-o", s(&out)]);
    r.assert_error(&["preset", "warp", "ultrafast"]);
    let unknown = dir.path().join("x.flv");
    let r = run(&["demo", "--frames", "2", "-o", s(&unknown)]);
    r.assert_error(&["x.flv", "--format"]);
    let r = run(&["demo", "--frames", "2", "--format", "flv", "-o", s(&out)]);
    r.assert_usage_error(&["--format", "flv"]);
    assert!(!out.exists() && !unknown.exists());
}

// ---------------------------------------------------------------------------------------------
// stdout, signals, info

#[test]
fn video_to_stdout_is_fragmented_mp4_and_json_goes_to_stderr() {
    let r = run(&args(
        &[
            "demo", "--frames", "20", "--size", "64x48", "--json", "-o", "-",
        ],
        FAST,
    ));
    r.assert_ok();
    assert_eq!(&r.stdout[4..8], b"ftyp");
    let report: Value = serde_json::from_str(r.stderr.lines().last().unwrap()).unwrap();
    assert_eq!(report["frames"], 20);
    assert_eq!(report["fragmented"], true);
    assert_eq!(report["bytes"], r.stdout.len());
    let d = decode_bytes(r.stdout);
    assert_eq!(d.frames.len(), 20);
    assert_eq!((d.width, d.height), (64, 48));
    assert_duration(&d, 20.0 / 30.0);

    let r = run(&args(
        &[
            "demo", "--frames", "10", "--size", "64x48", "--format", "mkv", "-q", "-o", "-",
        ],
        FAST,
    ));
    r.assert_ok();
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let d = decode_bytes(r.stdout);
    assert_eq!(d.format_name, "matroska,webm");
    assert_eq!(d.frames.len(), 10);

    let r = run(&["demo", "--frames", "10", "--format", "avi", "-o", "-"]);
    r.assert_error(&["AVI", "standard output"]);
    assert!(r.stdout.is_empty());
}

#[test]
fn ctrl_c_finalizes_a_playable_file_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stopped.mp4");
    let child = ChildGuard::new(
        bin()
            .args([
                "demo", "--frames", "1000000", "--size", "64x48", "--json", "-o",
            ])
            .arg(&out)
            .args(FAST)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // The partial file exists once the writer is open (the handlers are installed before
    // that); the target appears only when the video is finished.
    let partial = encode_native::partial_path(&out);
    let start = Instant::now();
    while !partial.exists() {
        assert!(start.elapsed() < Duration::from_secs(20), "no output");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!out.exists());
    // Let it encode for a while: until the file has grown past its header, or a few seconds.
    let start = Instant::now();
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) < 10_000
        && start.elapsed() < Duration::from_secs(3)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(crate::support::kill(child.id(), "-INT"));
    let out_put = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out_put.stderr);
    assert_eq!(out_put.status.code(), Some(130), "stderr: {stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_no_panic(&stderr);
    let report: Value = serde_json::from_slice(&out_put.stdout).unwrap();
    assert_eq!(report["interrupted"], true);
    let frames = report["frames"].as_u64().unwrap();
    assert!((1..1_000_000).contains(&frames), "{frames} frames");
    let d = decode_file(&out);
    assert_eq!(d.frames.len() as u64, frames);
    assert_duration(&d, frames as f64 / 30.0);
}

#[test]
fn ctrl_c_while_stdin_stalls_still_finalizes_the_frames_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("stalled.mkv");
    let mut child = ChildGuard::new(
        bin()
            .args([
                "raw",
                "-i",
                "-",
                "--size",
                "32x24",
                "--in-pix-fmt",
                "gray",
                "--fps",
                "10",
            ])
            .args(["--json", "-o"])
            .arg(&out)
            .args(FAST)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // Five frames, then the producer stalls with the pipe still open.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&vec![128u8; 5 * 32 * 24]).unwrap();
    stdin.flush().unwrap();
    let start = Instant::now();
    while !encode_native::partial_path(&out).exists() {
        assert!(start.elapsed() < Duration::from_secs(20), "no output");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(1000));
    crate::support::kill(child.id(), "-INT");
    let result = child.wait_with_output().unwrap();
    drop(stdin);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(130), "stderr: {stderr}");
    let report: Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(report["frames"], 5);
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), 5);
    assert_duration(&d, 0.5);
}

/// `raw` without `--in-pix-fmt` reads rgb24, the settings table's default: 2 frames of 16x16
/// RGB are 1536 bytes (as gray they would be 6 frames), and a red input decodes red.
#[test]
fn raw_reads_rgb24_when_no_layout_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h, n) = (16u32, 16u32, 2usize);
    let red: Vec<u8> = [200u8, 30, 30].repeat((w * h) as usize * n);
    let file = dir.path().join("frames.rgb");
    std::fs::write(&file, &red).unwrap();
    let out = dir.path().join("default.mp4");
    let r = run(&args(
        &[
            "raw",
            "-i",
            s(&file),
            "--size",
            "16x16",
            "--fps",
            "10",
            "--crf",
            "10",
            "-o",
            s(&out),
        ],
        FAST,
    ));
    r.assert_ok();
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), n);
    assert_eq!((d.width, d.height), (w, h));
    let rgb = yuv_to_rgb(&d.frames[0], BT601.0, BT601.1, false);
    let (r0, g0, b0) = (rgb[0] as i32, rgb[1] as i32, rgb[2] as i32);
    assert!(r0 > 150 && g0 < 80 && b0 < 80, "not red: {r0} {g0} {b0}");
    let help = run(&["raw", "--help"]);
    help.assert_ok();
    assert!(
        help.stdout_text().contains("[default: rgb24]"),
        "{}",
        help.stdout_text()
    );
}

#[test]
fn info_names_the_libraries_and_formats() {
    let r = run(&["info"]);
    r.assert_ok();
    let text = r.stdout_text();
    for part in [
        "libavcodec",
        "libavformat",
        "libavutil",
        "libswscale",
        "GPL",
        "x264",
        "libx264 yes",
        "mp4 yes",
        "rgb48le",
        "yuv444p",
    ] {
        assert!(text.contains(part), "'{part}' not in:\n{text}");
    }
    let r = run(&["info", "--json"]);
    r.assert_ok();
    let j = r.json();
    assert!(j["libavcodec"]
        .as_str()
        .unwrap()
        .starts_with(|c: char| c.is_ascii_digit()));
    assert_eq!(j["encoders"]["libx264"], true);
    assert_eq!(j["containers"]["mkv"], true);
    // No path of the machine FFmpeg was built on (`--prefix=/usr`, `-I/home/...`): only the
    // options a user can act on.
    let configuration = j["configuration"].as_str().unwrap();
    assert!(configuration.contains("--enable-"), "{configuration}");
    for printed in [text.as_str(), configuration] {
        for word in printed.split_whitespace() {
            assert!(
                !word.contains("=/")
                    && !word.contains("-I/")
                    && !word.contains("-L/")
                    && !word.starts_with('/'),
                "a build path in `info`: {word}"
            );
        }
    }
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let r = run(&[]);
    assert_eq!(r.code, 2);
    let r = run(&["demo"]);
    r.assert_usage_error(&["--output"]);
    let r = run(&["transcode"]);
    r.assert_usage_error(&["transcode"]);
    let r = run(&["demo", "--help"]);
    r.assert_ok();
    assert!(r.stdout_text().contains("--json"));
    assert!(r.stdout_text().contains("stderr"));
}

/// FFV1 with no `--pix-fmt` keeps every 8-bit and 16-bit input exactly: the file decodes
/// (with ffmpeg, to the input's own layout) to the very bytes that went in.
#[test]
fn ffv1_is_lossless_for_every_input_format_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h, n) = (34u32, 22u32, 3u32);
    for (format, ffmpeg_name, stored) in [
        ("rgb24", "rgb24", "bgr0"),
        ("bgr24", "bgr24", "bgr0"),
        ("rgba", "rgba", "bgra"),
        ("bgra", "bgra", "bgra"),
        ("gray", "gray", "gray"),
        ("gray16le", "gray16le", "gray16le"),
        ("rgb48le", "rgb48le", "rgb48le"),
        // Planar YUV is not a command-line input; the library takes it.
        ("yuv420p", "yuv420p", "yuv420p"),
        ("yuv444p", "yuv444p", "yuv444p"),
    ] {
        let pixel: encode_native::PixelFormat = format.parse().unwrap();
        let len = pixel.frame_len(w, h) * n as usize;
        // Every byte value, in an order with no pattern an encoder could smooth over.
        let mut x = 0x9e37_79b9u32;
        let input: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 11) as u8
            })
            .collect();
        let raw = dir.path().join(format!("{format}.raw"));
        std::fs::write(&raw, &input).unwrap();
        let out = dir.path().join(format!("{format}.mkv"));
        if pixel.is_planar_yuv() {
            let config = encode_native::EncoderConfig::new(w, h, 10)
                .codec(encode_native::Encoder::Ffv1)
                .input_format(pixel);
            let mut writer = encode_native::VideoWriter::create(&out, config).unwrap();
            for frame in input.chunks(pixel.frame_len(w, h)) {
                writer
                    .push(encode_native::Frame::new(w, h, pixel, frame))
                    .unwrap();
            }
            assert_eq!(writer.finish().unwrap().pixel_format.name(), stored);
        } else {
            let r = run(&[
                "raw",
                "-i",
                s(&raw),
                "--size",
                "34x22",
                "--in-pix-fmt",
                format,
                "--fps",
                "10",
                "--codec",
                "ffv1",
                "--json",
                "-o",
                s(&out),
            ]);
            r.assert_ok();
            assert_eq!(r.json()["pix_fmt"], stored, "{format}");
        }
        let decoded = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(&out)
            .args(["-f", "rawvideo", "-pix_fmt", ffmpeg_name, "-"])
            .output()
            .unwrap();
        assert!(decoded.status.success(), "{format}: {:?}", decoded);
        assert_eq!(decoded.stdout.len(), input.len(), "{format}: frame bytes");
        assert!(
            decoded.stdout == input,
            "{format}: FFV1 did not keep the input exactly"
        );
    }
}
