//! The defects found by probing the library and the command line with bad inputs and faults:
//! each reproduction, now a clear error (or a correct result), never an abort, a panic, a hang
//! or a damaged file.

use std::io::{self, Cursor, Seek, SeekFrom, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use encode_native::{
    partial_path, Container, EncoderConfig, Error, Frame, PixelFormat, VideoWriter,
};

use crate::support::ChildGuard;

fn tiny() -> EncoderConfig {
    EncoderConfig::new(64, 48, 30).preset("ultrafast")
}

fn gray(w: u32, h: u32) -> Frame<'static> {
    Frame::from_vec(w, h, PixelFormat::Rgb24, vec![100; (w * h * 3) as usize])
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_encode-native"))
}

// 1. A timestamp gap of more than 2^31 track ticks made movenc abort the process.
#[test]
fn timestamp_gaps_an_mp4_cannot_store_are_refused_not_aborted() {
    let cfg = tiny().explicit_timestamps((1, 1));
    let mut w = VideoWriter::to_stream(io::sink(), cfg).unwrap();
    w.push_at(gray(64, 48), 0).unwrap();
    let e = w.push_at(gray(64, 48), 3_000_000).unwrap_err();
    assert!(
        matches!(e, Error::Timestamp { index: 1, .. }) && e.to_string().contains("32 bits"),
        "{e}"
    );
    // The writer goes on, and finishes what it accepted.
    w.push_at(gray(64, 48), 3).unwrap();
    assert_eq!(w.finish().unwrap().frames, 2);

    // A timestamp near i64::MAX: an error, not an overflow on the encoder thread.
    let mut w = VideoWriter::to_memory(tiny().explicit_timestamps((1, 1000))).unwrap();
    let e = w.push_at(gray(64, 48), i64::MAX - 5).unwrap_err();
    assert!(matches!(e, Error::Timestamp { index: 0, .. }), "{e}");
    w.push_at(gray(64, 48), 0).unwrap();
    assert_eq!(w.finish_to_vec().unwrap().1.frames, 1);

    // MPEG-TS: 33-bit timestamps at 90 kHz, about 26.5 hours.
    let cfg = tiny().explicit_timestamps((1, 1)).container(Container::Ts);
    let mut w = VideoWriter::to_stream(io::sink(), cfg).unwrap();
    w.push_at(gray(64, 48), 0).unwrap();
    let e = w.push_at(gray(64, 48), 100_000).unwrap_err();
    assert!(e.to_string().contains("33 bits"), "{e}");
    w.finish().unwrap();
}

// 3. A seek that fails, or lands elsewhere, made a broken MP4 that was reported as written.
struct LyingSeek {
    inner: Cursor<Vec<u8>>,
    fail: bool,
}

impl Write for LyingSeek {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.inner.write(b)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for LyingSeek {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        if let SeekFrom::Start(n) = pos {
            if n < self.inner.position() {
                if self.fail {
                    return Err(io::Error::other("Illegal seek"));
                }
                // Pretends to move, but stays where it is.
                return Ok(self.inner.position());
            }
        }
        self.inner.seek(pos)
    }
}

#[test]
fn a_failing_or_lying_seek_fails_the_writer() {
    for fail in [true, false] {
        let sink = LyingSeek {
            inner: Cursor::new(Vec::new()),
            fail,
        };
        let mut w = VideoWriter::to_writer(sink, tiny()).unwrap();
        for _ in 0..5 {
            w.push(gray(64, 48)).unwrap();
        }
        let e = w.finish().unwrap_err().to_string();
        assert!(
            e.contains("seek") || e.contains("Illegal"),
            "fail={fail}: {e}"
        );
    }
}

// 4. A sink that panics aborted the process; one that answers "interrupted" forever hung it.
struct Panicking;

impl Write for Panicking {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        panic!("the sink broke");
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Interrupted;

impl Write for Interrupted {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::ErrorKind::Interrupted.into())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_panicking_or_always_interrupted_sink_is_an_error() {
    let start = Instant::now();
    let result = VideoWriter::to_stream(Panicking, tiny()).and_then(|mut w| {
        for _ in 0..40 {
            w.push(gray(64, 48))?;
        }
        w.finish()
    });
    let e = result.unwrap_err().to_string();
    assert!(
        e.contains("panicked") && e.contains("the sink broke"),
        "{e}"
    );

    let result = VideoWriter::to_stream(Interrupted, tiny()).and_then(|mut w| {
        for _ in 0..40 {
            w.push(gray(64, 48))?;
        }
        w.finish()
    });
    let e = result.unwrap_err().to_string();
    assert!(e.contains("interrupted"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(10));
}

// 5. Sizes and strides from outside overflowed.
#[test]
fn huge_strides_are_errors_not_overflows() {
    let mut w = VideoWriter::to_memory(EncoderConfig::new(2, 5, 30)).unwrap();
    let data = [0u8; 30];
    let e = w
        .push(Frame::with_stride(
            2,
            5,
            PixelFormat::Rgb24,
            (1 << 62) + 6,
            &data,
        ))
        .unwrap_err();
    assert!(matches!(e, Error::Frame { index: 0, .. }), "{e}");
    let mut w =
        VideoWriter::to_memory(EncoderConfig::new(2, 5, 30).input_format(PixelFormat::Gray8))
            .unwrap();
    let stride = (1u128 << 64).div_ceil(3);
    let e = w
        .push(Frame::with_stride(
            2,
            5,
            PixelFormat::Gray8,
            stride as usize,
            &data,
        ))
        .unwrap_err();
    assert!(matches!(e, Error::Frame { index: 0, .. }), "{e}");
    // Still usable.
    w.push(Frame::new(2, 5, PixelFormat::Gray8, &data[..10]))
        .unwrap();
    assert_eq!(w.finish_to_vec().unwrap().1.frames, 1);
}

fn config_error(cfg: EncoderConfig) -> String {
    match cfg.validate() {
        Err(e @ Error::Config { .. }) => e.to_string(),
        other => panic!("expected a config error, got {other:?}"),
    }
}

// 6. Settings accepted and then silently changed by x264.
#[test]
fn x264_parameters_it_would_clamp_or_contradict_are_refused() {
    for (params, text) in [
        ("keyint=999999999999", "keyint"),
        ("bframes=-5", "bframes"),
        ("threads=100000", "threads"),
        ("keyint=30:keyint=60", "once"),
        ("keyint=abc", "keyint"),
        ("a=b=c", "one '='"),
        (":::", ""),
    ] {
        let cfg = tiny().x264_params(params);
        if text.is_empty() {
            cfg.validate().unwrap();
            continue;
        }
        let e = config_error(cfg);
        assert!(e.contains(text), "{params}: {e}");
    }
    let e = config_error(tiny().crf(10.0).x264_params("crf=40"));
    assert!(e.contains("crf"), "{e}");
    let e = config_error(tiny().gop(10).x264_params("keyint=20"));
    assert!(e.contains("gop"), "{e}");
    // The same value twice is no contradiction.
    tiny()
        .x264_params("keyint=30:keyint=30")
        .validate()
        .unwrap();
}

// 7. Parameters that write files, and an error text with doubled quotes.
#[test]
fn x264_parameters_that_write_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spill = dir.path().join("spill.yuv");
    let e = config_error(tiny().x264_params(format!("dump-yuv={}", spill.display())));
    assert!(e.contains("dump-yuv"), "{e}");
    assert!(!spill.exists());
    let e = config_error(tiny().codec_option("x264-params", "dump-yuv=/tmp/x"));
    assert!(e.contains("x264_params"), "{e}");
    let out = dir.path().join("x.mp4");
    let e = VideoWriter::create(&out, tiny().x264_params("keyintt=10"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("keyintt") && !e.contains("''"), "{e}");
    assert!(!out.exists() && !partial_path(&out).exists());
}

// 8. Rates a container cannot store exactly.
#[test]
fn rates_no_container_stores_are_refused_up_front() {
    for rate in [
        "0.0001",
        "1/100000",
        "1/2147483647",
        "2147483647/2147483646",
        "5000",
    ] {
        let fps: encode_native::FrameRate = match rate.parse() {
            Ok(f) => f,
            Err(_) => continue,
        };
        let mut cfg = tiny();
        cfg.frame_rate = fps;
        let e = config_error(cfg);
        assert!(
            e.contains("frame_rate") && e.contains("0.001 to 1000"),
            "{rate}: {e}"
        );
    }
    for ok in ["0.001", "29.97", "1000", "24000/1001"] {
        let mut cfg = tiny();
        cfg.frame_rate = ok.parse().unwrap();
        cfg.validate().unwrap();
    }
}

// 9. Sizes FFmpeg cannot hold passed validation and failed late.
#[test]
fn sizes_ffmpeg_cannot_hold_are_refused_up_front() {
    let e = config_error(EncoderConfig::new(16384, 16384, 30));
    assert!(e.contains("16384x16384"), "{e}");
    EncoderConfig::new(16000, 16000, 30).validate().unwrap();
}

// 10. The command line's odd outputs and signals.
#[test]
fn the_cli_explains_bad_values_and_closed_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("x.mp4");
    for (args, text) in [
        (&["--size", "-5x10"][..], "-5x10"),
        (&["--fps", "-1"][..], "'--fps <RATE>': a positive number"),
        (&["--crf", "-3"][..], "0 to 51"),
        (&["--tune", "film,animation"][..], "at most one"),
    ] {
        let out = bin()
            .args(["demo", "--frames", "3", "-o"])
            .arg(&target)
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(err.contains(text), "{args:?}: {err}");
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
        assert!(!err.contains("x264 ["), "x264 printed on its own: {err}");
        assert!(!target.exists() && !partial_path(&target).exists());
    }
    // Standard output closed: no success reported for a video written nowhere.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "exec '{}' demo --frames 3 --size 64x48 -o - >&-",
            env!("CARGO_BIN_EXE_encode-native")
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard output is closed"));
}

#[test]
fn a_file_size_limit_is_reported_and_the_partial_file_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.mkv");
    // 64 kB at most (ulimit -f counts 1024-byte blocks in bash and dash alike here).
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f 64; exec '{}' demo --frames 600 --size 320x240 --pattern noise --preset ultrafast -o '{}'",
            env!("CARGO_BIN_EXE_encode-native"),
            path.display()
        ))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("too large") && err.contains("big.mkv.partial"),
        "{err}"
    );
    assert!(!path.exists());
    assert!(partial_path(&path).exists());
}

#[test]
fn a_second_ctrl_c_stops_at_once_with_its_own_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stop.mp4");
    let child = ChildGuard::new(
        bin()
            .args(["demo", "--frames", "100000", "--preset", "slow", "-o"])
            .arg(&path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let partial = partial_path(&path);
    let start = Instant::now();
    // x264's slow preset fills a 50-frame lookahead before its first packet: on a loaded
    // machine that alone can take longer than half a minute.
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "no partial file"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..2 {
        crate::support::kill(child.id(), "-INT");
        std::thread::sleep(Duration::from_millis(30));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("interrupted again") && err.contains("stop.mp4.partial"),
        "{err}"
    );
    assert!(!path.exists());
    assert!(partial.exists());
}
