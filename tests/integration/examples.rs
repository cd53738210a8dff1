//! The examples run as users run them; their outputs are decoded back.
//!
//! `cargo test` builds the examples before running tests (`cargo test --all-targets` too).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

fn example(name: &str) -> PathBuf {
    // target/<profile>/deps/integration-<hash> → target/<profile>/examples/<name>
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo test` or `cargo build --examples` first",
        path.display()
    );
    path
}

fn run(name: &str, args: &[&Path]) -> String {
    let out = Command::new(example(name)).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn noise_writes_five_random_hd_frames() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("noise.mp4");
    run("noise", &[&out]);
    let d = decode_file(&out);
    assert_eq!((d.width, d.height, d.frames.len()), (1280, 720, 5));
    assert!((d.duration - 0.2).abs() < 1e-6);
}

#[test]
fn make_frame_is_exactly_29_97() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mf.mp4");
    run("make_frame", &[&out]);
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), 60);
    assert_eq!(d.avg_frame_rate, ffmpeg_next::Rational::new(30000, 1001));
    assert!(
        (d.duration - 60.0 * 1001.0 / 30000.0).abs() < 1e-6,
        "{}",
        d.duration
    );
}

#[test]
fn sine_wave_plot_animation() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sine.mp4");
    run("sine_wave", &[&out]);
    let d = decode_file(&out);
    assert_eq!((d.width, d.height, d.frames.len()), (640, 360, 60));
    assert!((d.duration - 2.0).abs() < 1e-6);
    // A white background with a blue curve that moves: frames differ, and are mostly white.
    let a = yuv_to_rgb(&d.frames[0], BT601.0, BT601.1, false);
    let b = yuv_to_rgb(&d.frames[15], BT601.0, BT601.1, false);
    assert!(psnr(&a, &b) < 30.0);
    let m = mean_rgb(&a, 640, 0, 0, 640, 360);
    assert!(m[0] > 230.0 && m[2] > 235.0, "{m:?}");
}

#[test]
fn images_dir_in_natural_order() {
    let dir = tempfile::tempdir().unwrap();
    let imgs = dir.path().join("shots");
    std::fs::create_dir(&imgs).unwrap();
    // frame1 … frame12: a lexical sort would put frame10 before frame2.
    for i in 1..=12u8 {
        let img = image::RgbImage::from_pixel(80, 60, image::Rgb([i * 20, i * 20, i * 20]));
        img.save(imgs.join(format!("frame{i}.png"))).unwrap();
    }
    std::fs::write(imgs.join("notes.txt"), "not an image").unwrap();
    let out = dir.path().join("seq.mp4");
    run("images_dir", &[&imgs, &out]);
    let d = decode_file(&out);
    assert_eq!(d.frames.len(), 12);
    assert!((d.duration - 0.5).abs() < 1e-6, "{}", d.duration);
    for (i, f) in d.frames.iter().enumerate() {
        let rgb = yuv_to_rgb(f, BT601.0, BT601.1, false);
        let m = mean_rgb(&rgb, 80, 0, 0, 80, 60);
        assert!(
            (m[0] - (i + 1) as f64 * 20.0).abs() < 3.0,
            "frame {i}: {m:?}"
        );
    }
}
