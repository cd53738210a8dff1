//! No false success and no false failure: the exit status says whether the video was made,
//! whatever happens to the messages, and what was asked for and not delivered is an error.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_encode-native"))
}

fn full() -> Stdio {
    Stdio::from(
        File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full"),
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn demo(out: &Path, extra: &[&str]) -> Command {
    demo_sized(out, "64x48", extra)
}

fn demo_sized(out: &Path, size: &str, extra: &[&str]) -> Command {
    let mut c = bin();
    c.args(["demo", "--frames", "3", "--size", size, "-o"])
        .arg(out)
        .args(extra)
        .stdin(Stdio::null());
    c
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

#[test]
fn a_good_video_is_exit_0_even_when_stderr_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.mp4");
    let o = demo(&out, &[])
        .stdout(Stdio::null())
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    assert_eq!(decode_file(&out).frames.len(), 3);
    // A failure with a full stderr is still exit 1 (not a crash's 101).
    let o = demo(&out, &[])
        .stdout(Stdio::null())
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "an existing output without -y");
    // And `info`, whose text goes to stdout.
    let o = bin()
        .arg("info")
        .stdout(Stdio::null())
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
}

#[test]
fn json_that_cannot_be_printed_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b.mp4");
    let o = demo(&out, &["--json"])
        .stdout(full())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = text(&o.stderr);
    assert_eq!(code(&o), 1, "{stderr}");
    assert!(
        stderr.contains("cannot print the JSON report on standard output")
            && stderr.contains("No space left on device")
            && stderr.contains("b.mp4' was written"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The video itself is good.
    assert_eq!(decode_file(&out).frames.len(), 3);
    for args in [&["info", "--json"][..], &["info"]] {
        let o = bin()
            .args(args)
            .stdout(full())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = text(&o.stderr);
        assert_eq!(code(&o), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: cannot print the description"),
            "{stderr}"
        );
    }
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

#[test]
fn a_fifo_without_a_reader_stops_on_sigint_and_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("f");
    mkfifo(&fifo);
    for signal in ["-TERM", "-INT"] {
        let child = demo(&fifo, &["--format", "mp4", "-y"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Long enough for the wait to be mentioned (it is after 1 s of waiting), with room for
        // a loaded machine's slow start.
        std::thread::sleep(Duration::from_millis(3000));
        assert!(crate::support::kill(child.id(), signal));
        let o = wait_at_most(child, Duration::from_secs(5));
        let stderr = text(&o.stderr);
        assert_eq!(code(&o), 130, "{signal}: {stderr}");
        assert!(
            stderr.contains("waiting for a program to read the FIFO"),
            "{stderr}"
        );
        assert!(
            stderr.contains("interrupted while waiting for a program to read")
                && stderr.contains("no video was written"),
            "{stderr}"
        );
        // Nothing was made beside the FIFO, which is still a FIFO.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        use std::os::unix::fs::FileTypeExt;
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }
}

#[test]
fn a_fifo_with_a_reader_gets_the_whole_video() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("f");
    mkfifo(&fifo);
    let got = dir.path().join("got.mp4");
    // The writer starts first and waits; the reader comes later.
    let child = demo(&fifo, &["--format", "mp4", "-y"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let path = fifo.clone();
    let reader = std::thread::spawn(move || std::fs::read(path).unwrap());
    let o = wait_at_most(child, Duration::from_secs(20));
    if code(&o) != 0 {
        // Let the reader see an end if the writer never opened the FIFO.
        drop(File::options().write(true).open(&fifo));
    }
    let bytes = reader.join().unwrap();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    std::fs::write(&got, bytes).unwrap();
    assert_eq!(decode_file(&got).frames.len(), 3);
}

/// The frame delays (in 1/100 s) stored in a GIF file, read from its graphic control
/// extensions.
fn gif_delays(bytes: &[u8]) -> Vec<u16> {
    bytes
        .windows(8)
        .filter(|w| w[0] == 0x21 && w[1] == 0xF9 && w[2] == 4 && w[7] == 0)
        .map(|w| u16::from_le_bytes([w[4], w[5]]))
        .collect()
}

#[test]
fn gif_refuses_rates_it_cannot_play_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.gif");
    for fps in ["0.001", "0.0015", "1000", "51", "100"] {
        let o = demo(&out, &["--fps", fps, "-y"]).output().unwrap();
        let stderr = text(&o.stderr);
        assert_eq!(code(&o), 1, "--fps {fps}: {stderr}");
        assert!(
            stderr.contains("invalid frame_rate")
                && stderr.contains("1/655.35 to 50 frames per second for GIF")
                && stderr.contains("from 2 to 65535"),
            "--fps {fps}: {stderr}"
        );
        assert!(!out.exists() && !encode_native::partial_path(&out).exists());
    }
    // The limits themselves play as written, and the summary says what the file holds.
    for (fps, cs, seconds) in [("50", 2, 0.06), ("100/65535", 65535, 3.0 * 655.35)] {
        let o = demo(&out, &["--fps", fps, "-y", "--json"])
            .output()
            .unwrap();
        assert_eq!(code(&o), 0, "--fps {fps}: {}", text(&o.stderr));
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!((report["duration_s"].as_f64().unwrap() - seconds).abs() < 1e-6);
        assert_eq!(
            gif_delays(&std::fs::read(&out).unwrap()),
            vec![cs; 3],
            "--fps {fps}"
        );
        assert!(
            (decode_file(&out).duration - seconds).abs() < 0.011,
            "--fps {fps}"
        );
    }
}

#[test]
fn gif_refuses_timestamp_steps_it_cannot_play_as_written() {
    use encode_native::{EncoderConfig, Frame, PixelFormat, VideoWriter};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.gif");
    let config = EncoderConfig::new(64, 48, 30).explicit_timestamps((1, 1000));
    let mut w = VideoWriter::create(&path, config).unwrap();
    let f = || Frame::from_vec(64, 48, PixelFormat::Rgb24, smooth_rgb(64, 48, 0));
    w.push_at(f(), 0).unwrap();
    let e = w.push_at(f(), 19).unwrap_err().to_string();
    assert!(
        e.contains("timestamp 19 is 19 units after the previous frame's 0, less than the 20"),
        "{e}"
    );
    let e = w.push_at(f(), 655_351).unwrap_err().to_string();
    assert!(e.contains("more than the 655350"), "{e}");
    w.push_at(f(), 20).unwrap();
    w.push_at(f(), 20 + 655_350).unwrap();
    assert_eq!(w.finish().unwrap().frames, 3);
    let delays = gif_delays(&std::fs::read(&path).unwrap());
    assert_eq!(&delays[..2], &[2, 65535]);
}

#[test]
fn encoders_name_their_smallest_picture() {
    use encode_native::{Container, Encoder, EncoderConfig};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.mkv");
    for (codec, min) in [
        ("ffv1", 2),
        ("libsvtav1", 64),
        ("librav1e", 16),
        ("libx265", 16),
    ] {
        let encoder: Encoder = codec.parse().unwrap();
        if !super::support::require_encoder(encoder) {
            continue;
        }
        // One pixel short each way: refused before anything is opened, with the minimum.
        for size in [format!("{}x{min}", min - 1), format!("{min}x{}", min - 1)] {
            let o = demo_sized(&out, &size, &["--codec", codec, "--odd-size", "crop"])
                .output()
                .unwrap();
            let stderr = text(&o.stderr);
            assert_eq!(code(&o), 1, "{codec} {size}: {stderr}");
            let want = format!("at least {min}x{min} for {codec}, the smallest picture it encodes");
            assert!(stderr.contains(&want), "{codec} {size}: {stderr}");
            assert!(!stderr.contains("FFmpeg said"), "{stderr}");
            assert!(!out.exists());
        }
        // The minimum itself encodes and decodes.
        let size = format!("{min}x{min}");
        let o = demo_sized(&out, &size, &["--codec", codec, "-y"])
            .output()
            .unwrap();
        assert_eq!(code(&o), 0, "{codec} {size}: {}", text(&o.stderr));
        let d = decode_file(&out);
        assert_eq!(
            (d.frames.len(), d.width, d.height),
            (3, min, min),
            "{codec}"
        );
        std::fs::remove_file(&out).unwrap();
    }
    // The library says the same, from the encoder table.
    assert_eq!(Encoder::Libsvtav1.info().min_size, (64, 64));
    let e = EncoderConfig::new(32, 64, 30)
        .codec(Encoder::Libsvtav1)
        .plan(Container::Mkv)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid width x height '32x64': at least 64x64 for libsvtav1, the smallest picture it encodes"
    );
}

#[test]
fn rate_control_errors_name_what_the_user_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.mkv");
    for (args, want) in [
        (
            &["--codec", "libaom-av1", "--qscale", "5"][..],
            "invalid --qscale '5': no constant quantiser with libaom-av1: use crf or a bitrate",
        ),
        (
            &["--codec", "libsvtav1", "--qscale", "100"],
            "invalid --qscale '100': 0 to 63 for libsvtav1",
        ),
        (
            &["--codec", "ffv1", "--crf", "nan"],
            "invalid rate 'crf NaN': no rate control with ffv1: it is lossless",
        ),
        (
            &["--codec", "gif", "--crf", "nan"],
            "invalid rate 'crf NaN': no rate control with gif",
        ),
    ] {
        let o = demo_sized(&out, "64x64", args).output().unwrap();
        let stderr = text(&o.stderr);
        assert_eq!(code(&o), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("qp") && !stderr.contains("Crf("),
            "{stderr}"
        );
    }
    // SVT-AV1's constant quantiser works within its range.
    let o = demo_sized(&out, "64x64", &["--codec", "libsvtav1", "--qscale", "30"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(decode_file(&out).frames.len(), 3);
}

#[test]
fn recover_reports_an_avi_s_duration_and_names_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v.avi");
    let partial = encode_native::partial_path(&out);
    let mut child = bin()
        .args([
            "demo",
            "--frames",
            "1000000",
            "--size",
            "64x48",
            "--preset",
            "ultrafast",
            "-q",
            "-o",
        ])
        .arg(&out)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) < 100_000 {
        assert!(start.elapsed() < Duration::from_secs(30), "no partial file");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A crash: no chance to finish.
    child.kill().unwrap();
    child.wait().unwrap();
    let o = bin()
        .args(["recover", "--json"])
        .arg(&partial)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let frames = report["frames"].as_u64().unwrap();
    let d = decode_file(&out);
    assert!(frames > 10);
    assert_eq!(d.frames.len() as u64, frames);
    let seconds = report["duration_s"].as_f64().unwrap();
    assert!(
        (seconds - frames as f64 / 30.0).abs() < 1e-6,
        "{seconds} s for {frames} frames"
    );
    assert!(
        text(&o.stderr).contains(&format!("({seconds:.3} s)")),
        "{}",
        text(&o.stderr)
    );
    // A folder is named as one, not as missing.
    let folder = dir.path().join("d.mp4.partial");
    std::fs::create_dir(&folder).unwrap();
    let o = bin().arg("recover").arg(&folder).output().unwrap();
    let stderr = text(&o.stderr);
    assert_eq!(code(&o), 1, "{stderr}");
    assert!(
        stderr.contains("it is a folder, not a partial file"),
        "{stderr}"
    );
    let o = bin()
        .arg("recover")
        .arg(dir.path().join("none.mp4.partial"))
        .output()
        .unwrap();
    assert!(
        text(&o.stderr).contains("No such file"),
        "{}",
        text(&o.stderr)
    );
    assert!(folder.is_dir());
}
