//! Randomised calls to the library and the command line, on the stable toolchain: every
//! setting with hostile values, frames of random shapes, strides and lengths, timestamps,
//! container and codec combinations, sinks that fail, panic, lie about seeks or answer
//! "interrupted", random command lines, and outputs that already exist as files of any mode,
//! links (to files, to nothing, to FIFOs), FIFOs, immutable files and leftover `.partial` /
//! `.finishing` files. Nothing may panic, abort or hang, and nothing that existed may be lost
//! or altered except a file that a completed run replaced.
//!
//! A second harness cuts and damages files: partial files (MP4, MOV, Matroska, MPEG-TS)
//! truncated anywhere go through `recover`, which must either refuse them or make a file
//! whose every frame decodes, as many as it reports; truncated and bit-flipped segments go
//! through `concat`, which must refuse a truncated one and otherwise report what it wrote.
//!
//! `cargo test --test fuzz` runs a short budget (`FUZZ_SECONDS` for each harness, default 20
//! for the first and 10 for the damage harness); `sh scripts/fuzz.sh SECONDS` runs longer, in
//! release mode. `FUZZ_SEED` replays a run; `FUZZ_JOBS` runs that many soundtrack cases at once.

use std::io::{self, Cursor, Seek, SeekFrom, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use encode_native::{
    AudioSamples, Container, Destination, EncoderConfig, Frame, MemoryBuffer, PixelFormat,
    SampleFormat, VideoWriter, YuvConverter,
};

/// The integration tests' child guard: a panicking case never leaves the command running.
#[allow(dead_code)]
#[path = "integration/support/guards.rs"]
mod guards;
#[path = "integration/support/strict.rs"]
mod strict;
use guards::ChildGuard;

/// A small, fast, reproducible generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Values that have broken parsers before.
fn hostile(rng: &mut Rng) -> String {
    let fixed = [
        "",
        " ",
        "0",
        "-0",
        "1",
        "-1",
        "-3",
        "2",
        "30",
        "29.97",
        "30000/1001",
        "1/0",
        "0/0",
        "-1/1",
        "1/-1",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "1e309",
        "1e-309",
        "4294967296",
        "18446744073709551616",
        "9223372036854775807",
        "-9223372036854775808",
        "2147483647",
        "2147483648",
        "0.0001",
        "1000000",
        "abc",
        "yuv420p",
        "yuv444p",
        "rgb24",
        "gray",
        "libx264",
        "mpeg4",
        "h264",
        "mp4",
        "mkv",
        "ts",
        "avi",
        "mov",
        "webm",
        "pad",
        "crop",
        "error",
        "bt709",
        "bt601",
        "true",
        "false",
        "on",
        "off",
        "yes",
        "auto",
        "none",
        "ultrafast",
        "film,animation",
        "film,film",
        "keyint=10",
        "keyint=abc",
        "a=b=c",
        ":::",
        "dump-yuv=/tmp/x",
        "crf=40",
        "aq-mode=2",
        "=",
        "x=",
        "=x",
        "64x48",
        "0x0",
        "-5x10",
        "16384x16384",
        "1x1",
        "3x3",
        "4M",
        "800k",
        "2.5G",
        "1k",
        "\0",
        "é",
        "💥",
        "1/1000",
        "constant",
        "1/90000",
        "99999999999999999999999",
    ];
    if rng.chance(85) {
        (*rng.pick(&fixed)).to_string()
    } else {
        let len = rng.below(12) as usize;
        (0..len)
            .map(|_| *rng.pick(&['0', '1', '9', '-', '.', '/', 'x', 'e', ':', '=', 'a', ' ']))
            .collect()
    }
}

const FORMATS: &[PixelFormat] = &[
    PixelFormat::Rgb24,
    PixelFormat::Bgr24,
    PixelFormat::Rgba,
    PixelFormat::Bgra,
    PixelFormat::Gray8,
    PixelFormat::Gray16Le,
    PixelFormat::Rgb48Le,
    PixelFormat::RgbF32,
    PixelFormat::Yuv420p,
    PixelFormat::Yuv444p,
];

/// Settings by name with hostile values, then validation.
fn settings(rng: &mut Rng, n: &mut u64) {
    let mut cfg = EncoderConfig::new(
        rng.below(70) as u32,
        rng.below(70) as u32,
        (1 + rng.below(60) as i32, 1 + rng.below(3) as i32),
    );
    let keys: Vec<&str> = EncoderConfig::settings().iter().map(|s| s.key).collect();
    for _ in 0..1 + rng.below(6) {
        let key = if rng.chance(90) {
            (*rng.pick(&keys)).to_string()
        } else {
            hostile(rng)
        };
        let _ = cfg.set(&key, &hostile(rng));
        *n += 1;
    }
    let _ = cfg.validate();
    *n += 1;
}

/// Frames of random shapes, strides and lengths through the SIMD converter.
fn frames(rng: &mut Rng, n: &mut u64) {
    let (w, h) = (1 + rng.below(40) as u32, 1 + rng.below(40) as u32);
    let format = *rng.pick(&[
        PixelFormat::Rgb24,
        PixelFormat::Bgr24,
        PixelFormat::Rgba,
        PixelFormat::Bgra,
    ]);
    let mut cfg = EncoderConfig::new(w, h, 30).input_format(format);
    if rng.chance(30) {
        cfg.output_format = encode_native::OutputPixelFormat::Yuv444p;
    }
    if rng.chance(30) {
        cfg.odd_size = encode_native::OddSize::Crop;
    }
    let Ok(mut conv) = YuvConverter::new(&cfg) else {
        return;
    };
    let bpp = format.bytes_per_pixel();
    for _ in 0..4 {
        let fw = if rng.chance(80) {
            w
        } else {
            rng.below(50) as u32
        };
        let fh = if rng.chance(80) {
            h
        } else {
            rng.below(50) as u32
        };
        let stride = match rng.below(6) {
            0 => rng.next() as usize,
            1 => rng.below(200) as usize,
            _ => fw as usize * bpp + rng.below(8) as usize,
        };
        let len = match rng.below(4) {
            0 => rng.below(10_000) as usize,
            _ => stride.saturating_mul(fh as usize).min(1 << 20),
        };
        let data = vec![rng.below(256) as u8; len];
        let mut out = Vec::new();
        let _ = conv.convert(&Frame::with_stride(fw, fh, format, stride, &data), &mut out);
        *n += 1;
    }
}

/// A sink that fails, panics, lies about seeks or answers "interrupted", after a while.
struct Hostile {
    inner: Cursor<Vec<u8>>,
    fault: u8,
    after: u64,
    written: u64,
}

impl Hostile {
    fn faulty(&self) -> bool {
        self.written >= self.after
    }
}

impl Write for Hostile {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.faulty() {
            match self.fault {
                0 => return Err(io::Error::other("disk full")),
                1 => panic!("the sink panicked"),
                2 => return Err(io::ErrorKind::Interrupted.into()),
                3 => return Ok(0),
                _ => {}
            }
        }
        self.written += b.len() as u64;
        self.inner.write(b)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Hostile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        if self.faulty() {
            match self.fault {
                4 => return Err(io::Error::other("illegal seek")),
                5 => return Ok(self.inner.position() + 7),
                6 => panic!("the seek panicked"),
                _ => {}
            }
        }
        self.inner.seek(pos)
    }
}

/// A whole writer: random settings, destination, frames and timestamps.
fn sessions(rng: &mut Rng, n: &mut u64) {
    let (w, h) = (2 + rng.below(30) as u32, 2 + rng.below(30) as u32);
    let format = *rng.pick(FORMATS);
    let mut cfg = EncoderConfig::new(w, h, (1 + rng.below(60) as i32, 1))
        .preset("ultrafast")
        .input_format(format);
    cfg.container = Some(*rng.pick(&[
        Container::Mp4,
        Container::Mov,
        Container::Mkv,
        Container::Avi,
        Container::Ts,
    ]));
    if rng.chance(20) {
        let _ = cfg.set("codec", "mpeg4");
        cfg.preset = None;
    }
    if rng.chance(20) {
        let _ = cfg.set("pix_fmt", "yuv444p");
    }
    if rng.chance(20) {
        let _ = cfg.set("fragmented", "0.2");
    }
    let explicit = rng.chance(40);
    if explicit {
        let time_base = *rng.pick(&["1/1000", "1/1", "1/90000", "1001/30000"]);
        let _ = cfg.set("time_base", time_base);
    }
    let sink = Hostile {
        inner: Cursor::new(Vec::new()),
        fault: rng.below(10) as u8,
        after: rng.below(20_000),
        written: 0,
    };
    let dest = match rng.below(3) {
        0 => Destination::Memory(MemoryBuffer::new()),
        1 => Destination::seekable(sink),
        _ => Destination::stream(sink),
    };
    *n += 1;
    let Ok(mut writer) = VideoWriter::open(cfg, dest) else {
        return;
    };
    let mut pts: i64 = 0;
    for _ in 0..rng.below(12) {
        let fw = if rng.chance(90) {
            w
        } else {
            rng.below(40) as u32
        };
        let f = if rng.chance(90) {
            format
        } else {
            *rng.pick(FORMATS)
        };
        let len = if rng.chance(90) {
            f.frame_len(fw, h)
        } else {
            rng.below(5000) as usize
        };
        let data = vec![rng.below(256) as u8; len];
        let frame = Frame::new(fw, h, f, &data);
        let pushed = if explicit {
            pts = match rng.below(10) {
                0 => rng.next() as i64,
                1 => pts.wrapping_sub(1),
                2 => i64::MAX - rng.below(10) as i64,
                _ => pts.wrapping_add(1 + rng.below(100_000) as i64),
            };
            writer.push_at(frame, pts)
        } else {
            writer.push(frame)
        };
        no_thread_panic(pushed);
        *n += 1;
    }
    no_thread_panic(if rng.chance(10) {
        writer.discard()
    } else {
        writer.finish().map(|_| ())
    });
    *n += 1;
}

/// The bytes an existing output holds before a run, to tell whether it was touched.
const OLD: &[u8] = b"an existing file that only a completed run may replace";

/// What was at the output before a run.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Existing {
    Nothing,
    /// A regular file with these permission bits.
    File(u32),
    /// A link to a regular file in another folder.
    Link,
    /// A link to a file that does not exist (in an existing folder).
    Dangling,
    /// A FIFO, or a link to one, read by a thread of the test.
    Fifo {
        linked: bool,
    },
    /// A file made immutable with `chattr +i` (when the file system allows it).
    Immutable,
}

/// Video packets in `path`, or None when it is not a video FFmpeg can read.
fn frames_in(path: &std::path::Path) -> Option<u64> {
    let mut ictx = ffmpeg_next::format::input(path).ok()?;
    let index = ictx
        .streams()
        .best(ffmpeg_next::media::Type::Video)?
        .index();
    Some(ictx.packets().filter(|(s, _)| s.index() == index).count() as u64)
}

fn is_link(path: &std::path::Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// One run on an output that may already exist in any form: the library (finish, keep the
/// partial file, discard, drop) or the command line with `-y`. Afterwards: a completed run
/// left a correct video where the output resolves to (with the old file's permission bits),
/// a failed or stopped one an error and the old file as it was; links stay links, FIFOs stay
/// FIFOs, leftover `.partial`/`.finishing` files are never changed, and nothing else is left.
fn replacements(rng: &mut Rng, root: &std::path::Path, n: &mut u64) {
    use std::os::unix::fs::{symlink, FileTypeExt, PermissionsExt};
    let dir = root.join(format!("replace-{}", rng.next()));
    let real_dir = dir.join("real");
    std::fs::create_dir_all(&real_dir).unwrap();
    // Not MPEG-TS: a video of a few tiny frames in it is too short for FFmpeg 5.1 to read
    // back (its stream analysis ends first), so what was written could not be checked.
    let ext = *rng.pick(&["mp4", "mkv", "mov"]);
    let out = dir.join(format!("out.{ext}"));
    let real = real_dir.join(format!("file.{ext}"));
    let existing = match rng.below(9) {
        0 | 1 => Existing::Nothing,
        2 | 3 => Existing::File(*rng.pick(&[0o644, 0o600, 0o640, 0o444, 0o755])),
        4 => Existing::Link,
        5 => Existing::Dangling,
        6 => Existing::Fifo { linked: false },
        7 => Existing::Fifo { linked: true },
        _ => Existing::Immutable,
    };
    let mut reader = None;
    // Where the bytes go once links are followed.
    let resolved = match existing {
        Existing::Nothing => out.clone(),
        Existing::File(mode) => {
            std::fs::write(&out, OLD).unwrap();
            std::fs::set_permissions(&out, std::fs::Permissions::from_mode(mode)).unwrap();
            out.clone()
        }
        Existing::Link | Existing::Dangling => {
            if existing == Existing::Link {
                std::fs::write(&real, OLD).unwrap();
                std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
            }
            symlink(
                std::path::Path::new("real").join(real.file_name().unwrap()),
                &out,
            )
            .unwrap();
            real.clone()
        }
        Existing::Fifo { linked } => {
            let fifo = if linked { real.clone() } else { out.clone() };
            let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
            assert!(made.success());
            if linked {
                symlink(&real, &out).unwrap();
            }
            // Reads whatever comes; opening blocks until a writer opens it, so a run that
            // never opens it is released by opening it for writing afterwards.
            let f = fifo.clone();
            reader = Some(std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = io::Read::read_to_end(&mut std::fs::File::open(f).unwrap(), &mut bytes);
                bytes
            }));
            fifo
        }
        Existing::Immutable => {
            std::fs::write(&out, OLD).unwrap();
            let frozen = Command::new("chattr")
                .arg("+i")
                .arg(&out)
                .output()
                .is_ok_and(|o| o.status.success());
            if !frozen {
                std::fs::remove_dir_all(&dir).unwrap();
                return;
            }
            out.clone()
        }
    };
    let is_fifo = matches!(existing, Existing::Fifo { .. });
    // Leftovers of an earlier stopped run, which are never encode-native's to change.
    let partial = encode_native::partial_path(&resolved);
    let finishing = encode_native::finishing_path(&resolved);
    let leftover_partial = !is_fifo && rng.chance(10);
    let leftover_finishing = !is_fifo && rng.chance(10);
    if leftover_partial {
        std::fs::write(&partial, OLD).unwrap();
    }
    if leftover_finishing {
        std::fs::write(&finishing, OLD).unwrap();
    }
    let old_mode = std::fs::metadata(&resolved)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.permissions().mode() & 0o777);
    let frames = rng.below(6);
    let fragmented = rng.chance(20);
    let cli = rng.chance(25);
    // What the run did: Ok(true) completed, Ok(false) kept/discarded, Err(message) failed.
    let (outcome, kept) = if cli {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_encode-native"));
        cmd.args([
            "demo",
            "--size",
            "16x16",
            "--preset",
            "ultrafast",
            "-q",
            "-y",
        ])
        .args(["--frames", &frames.max(1).to_string()]);
        if fragmented {
            cmd.arg("--fragmented");
        }
        let r = cmd
            .arg("-o")
            .arg(&out)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&r.stderr).into_owned();
        assert!(
            !err.contains("panicked") && !err.contains("internal error"),
            "{existing:?}: {err}"
        );
        match r.status.code() {
            Some(0) => (Ok(true), frames.max(1)),
            Some(1) => {
                assert!(err.starts_with("error: "), "{existing:?}: {err}");
                (Err(err), 0)
            }
            other => panic!("exit {other:?} for {existing:?}: {err}"),
        }
    } else {
        let mut cfg = EncoderConfig::new(32, 32, 25).preset("ultrafast");
        if fragmented {
            let _ = cfg.set("fragmented", "0.2");
        }
        match VideoWriter::create(&out, cfg) {
            Err(e) => {
                no_thread_panic::<()>(Err(e.clone()));
                (Err(e.to_string()), 0)
            }
            Ok(mut w) => {
                let pixels: Vec<u8> = (0..32 * 32 * 3).map(|_| rng.next() as u8).collect();
                for _ in 0..frames {
                    no_thread_panic(w.push(Frame::new(32, 32, PixelFormat::Rgb24, &pixels)));
                    *n += 1;
                }
                match rng.below(4) {
                    0 => match w.finish() {
                        Ok(s) => (Ok(true), s.frames),
                        Err(e) => {
                            no_thread_panic::<()>(Err(e.clone()));
                            (Err(e.to_string()), 0)
                        }
                    },
                    1 => match w.keep_partial() {
                        Ok(k) => {
                            assert_eq!(k.path.is_some(), frames > 0 && !is_fifo);
                            (Ok(false), k.summary.frames)
                        }
                        Err(e) => {
                            no_thread_panic::<()>(Err(e.clone()));
                            (Err(e.to_string()), 0)
                        }
                    },
                    2 => {
                        no_thread_panic(w.discard());
                        (Ok(false), 0)
                    }
                    _ => {
                        drop(w);
                        (Ok(true), frames)
                    }
                }
            }
        }
    };
    *n += 1;
    if existing == Existing::Immutable {
        let _ = Command::new("chattr").arg("-i").arg(&out).status();
    }
    if let Some(reader) = reader {
        assert!(
            release_fifo_reader(&resolved, &reader),
            "{existing:?}: the FIFO's reader never finished"
        );
        let bytes = reader.join().unwrap();
        if outcome == Ok(true) && frames > 0 {
            assert!(!bytes.is_empty(), "{existing:?}: nothing reached the FIFO");
        }
        let kind = std::fs::symlink_metadata(&resolved).unwrap().file_type();
        assert!(kind.is_fifo(), "{existing:?}: the FIFO was replaced");
    }
    if matches!(
        existing,
        Existing::Link | Existing::Dangling | Existing::Fifo { linked: true }
    ) {
        assert!(is_link(&out), "{existing:?}: the link was replaced");
    }
    if let Err(e) = &outcome {
        assert!(!e.trim().is_empty(), "{existing:?}: an empty error");
    }
    let untouched = |why: &str| match existing {
        Existing::File(_) | Existing::Link | Existing::Immutable => assert_eq!(
            std::fs::read(&resolved).unwrap(),
            OLD,
            "{existing:?}: the old file was changed ({why})"
        ),
        Existing::Nothing | Existing::Dangling => {
            assert!(!resolved.exists(), "{existing:?}: a file appeared ({why})")
        }
        Existing::Fifo { .. } => {}
    };
    match &outcome {
        Ok(true) if !is_fifo => {
            // Either frames were pushed and they are at the output, or (library, no frame)
            // the run ended without a video: an error would have said so; drop/finish of an
            // empty writer makes a video with no frame.
            if kept > 0 {
                assert_eq!(frames_in(&resolved), Some(kept), "{existing:?} {ext}");
                if let Some(mode) = old_mode {
                    let now = std::fs::metadata(&resolved).unwrap().permissions().mode() & 0o777;
                    assert_eq!(now, mode, "{existing:?}: the mode was not kept");
                }
            }
            assert!(!leftover_finishing || ext == "mkv" || ext == "ts" || fragmented);
        }
        Ok(_) if is_fifo => {}
        Ok(_) => untouched("kept or discarded"),
        Err(_) => untouched("failed"),
    }
    if leftover_partial {
        assert_eq!(
            std::fs::read(&partial).unwrap(),
            OLD,
            "{existing:?}: .partial changed"
        );
    } else if outcome == Ok(false) && kept > 0 && !is_fifo {
        assert_eq!(
            frames_in(&partial),
            Some(kept),
            "{existing:?}: the kept partial file"
        );
        std::fs::remove_file(&partial).unwrap();
    } else {
        assert!(
            !partial.exists(),
            "{existing:?} {outcome:?}: a partial file was left"
        );
    }
    if leftover_finishing {
        assert_eq!(
            std::fs::read(&finishing).unwrap(),
            OLD,
            "{existing:?}: .finishing changed"
        );
    } else {
        assert!(
            !finishing.exists(),
            "{existing:?}: a .finishing file was left"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A panic on the encoder thread comes back as an error: count it as the panic it is.
fn no_thread_panic<T>(r: encode_native::Result<T>) {
    if let Err(e @ encode_native::Error::EncoderThread(_)) = r {
        panic!("the encoder thread panicked: {e}");
    }
}

/// A random command line, run with a time limit: it must end with a documented exit code and
/// without a panic.
fn command_line(rng: &mut Rng, dir: &std::path::Path, n: &mut u64) {
    let out = dir.join(format!(
        "o{}.{}",
        rng.below(4),
        rng.pick(&["mp4", "mkv", "ts", "avi", "mov", "webm"])
    ));
    let out = out.to_string_lossy().to_string();
    let sub = *rng.pick(&["demo", "raw", "images", "info", "recover", "bogus"]);
    let mut args: Vec<String> = vec![sub.into()];
    let words = [
        "--frames",
        "--size",
        "--fps",
        "--crf",
        "--preset",
        "--codec",
        "--pix-fmt",
        "--format",
        "--odd-size",
        "--gop",
        "--x264-params",
        "--tune",
        "--bitrate",
        "--qscale",
        "--fragmented",
        "--queue",
        "--threads",
        "-y",
        "--json",
        "-q",
        "--in-pix-fmt",
        "-i",
        "--full-range",
        "--color-matrix",
        "--codec-option",
        "--pattern",
        "--resize",
        "--skip-bad",
        "-o",
    ];
    for _ in 0..rng.below(8) {
        args.push((*rng.pick(&words)).into());
        if rng.chance(70) {
            args.push(hostile(rng));
        }
    }
    if !args.iter().any(|a| a == "--frames") && sub == "demo" {
        args.extend(["--frames".into(), "4".into()]);
    }
    args.extend(["--size".into(), "32x24".into(), "-o".into(), out]);
    // A process argument cannot hold a NUL byte.
    args.retain(|a| !a.contains('\0'));
    let mut child = ChildGuard::new(
        Command::new(env!("CARGO_BIN_EXE_encode-native"))
            .args(&args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("hang: encode-native {args:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut err = String::new();
    io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(
        matches!(status.code(), Some(0..=2)),
        "exit {status:?}: encode-native {args:?}: {err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("internal error"),
        "encode-native {args:?}: {err}"
    );
    *n += 1;
}

/// The frame delays (1/100 s) in a GIF's graphic control extensions.
fn gif_delays(bytes: &[u8]) -> Vec<u16> {
    bytes
        .windows(8)
        .filter(|w| w[0] == 0x21 && w[1] == 0xF9 && w[2] == 4 && w[7] == 0)
        .map(|w| u16::from_le_bytes([w[4], w[5]]))
        .collect()
}

/// GIF at hostile frame rates and timestamp steps: refused, or every stored delay is one GIF
/// plays as written (2 to 65535 centiseconds) and within a centisecond of what was asked.
fn gif_timing(rng: &mut Rng, n: &mut u64) {
    let rates: [(i32, i32); 12] = [
        (1, 1000),
        (1, 655),
        (100, 65535),
        (100, 65536),
        (50, 1),
        (51, 1),
        (1000, 1),
        (30, 1),
        (7, 3),
        (30000, 1001),
        (1, 1),
        (999_999, 20_000),
    ];
    let (num, den) = if rng.chance(50) {
        *rng.pick(&rates)
    } else {
        (1 + rng.below(2_000) as i32, 1 + rng.below(200_000) as i32)
    };
    let frames = 2 + rng.below(4) as usize;
    let mut cfg = EncoderConfig::new(8, 8, (num, den));
    cfg.container = Some(Container::Gif);
    let explicit = rng.chance(40);
    let time_base = *rng.pick(&[(1, 1000), (1, 100), (1, 90_000), (1, 1), (3, 7)]);
    if explicit {
        cfg = cfg.explicit_timestamps(time_base);
    }
    let buffer = MemoryBuffer::new();
    let frame = || Frame::from_vec(8, 8, PixelFormat::Rgb24, vec![77; 8 * 8 * 3]);
    *n += 1;
    let period_cs = 100.0 * f64::from(den) / f64::from(num);
    let mut writer = match VideoWriter::open(cfg, Destination::Memory(buffer.clone())) {
        Ok(w) => w,
        Err(e) => {
            let text = e.to_string();
            if text.contains("for GIF") {
                assert!(
                    !explicit && !(2.0..=65535.0).contains(&period_cs),
                    "{num}/{den} fps refused: {text}"
                );
            }
            return;
        }
    };
    if !explicit {
        assert!(
            (2.0..=65535.0).contains(&period_cs),
            "{num}/{den} fps accepted for GIF"
        );
    }
    let unit_cs = 100.0 * f64::from(time_base.0) / f64::from(time_base.1);
    let mut steps = Vec::new();
    let mut pts = 0i64;
    for i in 0..frames {
        let r = if explicit {
            if i > 0 {
                let step = match rng.below(3) {
                    0 => 1 + rng.below(40) as i64,
                    1 => 1 + rng.below(100_000) as i64,
                    _ => 1 + rng.below(10_000_000) as i64,
                };
                pts += step;
                match writer.push_at(frame(), pts) {
                    Ok(()) => {
                        steps.push(step as f64 * unit_cs);
                        Ok(())
                    }
                    Err(e) => {
                        pts -= step;
                        let text = e.to_string();
                        let cs = step as f64 * unit_cs;
                        if text.contains("plays as written") {
                            assert!(cs < 2.0, "a step of {cs} cs refused: {text}");
                        } else if text.contains("more than the") {
                            assert!(cs > 65535.0, "a step of {cs} cs refused: {text}");
                        } else {
                            panic!("a step of {cs} cs: {text}");
                        }
                        Err(e)
                    }
                }
            } else {
                writer.push_at(frame(), 0)
            }
        } else {
            steps.push(period_cs);
            writer.push(frame())
        };
        *n += 1;
        if let (Err(e), false) = (&r, explicit) {
            panic!("frame {i} at {num}/{den} fps: {e}");
        }
    }
    let pushed = writer.frames_pushed();
    if writer.finish().is_err() {
        return;
    }
    *n += 1;
    let delays = gif_delays(&buffer.take());
    assert_eq!(delays.len() as u64, pushed, "one delay a frame");
    for (d, want) in delays.iter().zip(&steps) {
        assert!(
            (2..=65535).contains(d) && (f64::from(*d) - want).abs() <= 1.0,
            "delay {d} cs for a step of {want} cs ({num}/{den} fps, explicit {explicit})"
        );
    }
}

/// One of `items`.
fn pick_str<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// A writer with a soundtrack of pushed samples: random encoders, containers, rates, channel
/// counts and length policies; pushes in random formats and layouts, of random sizes
/// (partial samples, wrong channel counts, NaN), interleaved with frames.
fn audio_sessions(rng: &mut Rng, n: &mut u64) {
    let mut cfg = EncoderConfig::new(16, 16, (1 + rng.below(60) as i32, 1)).preset("ultrafast");
    cfg.container = Some(*rng.pick(&[
        Container::Mp4,
        Container::Mov,
        Container::Mkv,
        Container::Webm,
        Container::Avi,
        Container::Ts,
    ]));
    let rates = [
        "8000", "11025", "22050", "44100", "48000", "96000", "1000", "768000", "7",
    ];
    let rate = pick_str(rng, &rates);
    let _ = cfg.set("sample_rate", rate);
    let _ = cfg.set("channels", &(1 + rng.below(9)).to_string());
    if rng.chance(60) {
        let codecs = [
            "aac",
            "libopus",
            "flac",
            "pcm_s16le",
            "pcm_s24le",
            "pcm_f32le",
            "libmp3lame",
        ];
        let codec = pick_str(rng, &codecs);
        let _ = cfg.set("audio_codec", codec);
    }
    if rng.chance(30) {
        let _ = cfg.set(
            "audio_length",
            pick_str(rng, &["video", "longest", "shortest"]),
        );
    }
    if rng.chance(20) {
        let _ = cfg.set(
            "audio_offset",
            pick_str(rng, &["0.5", "-0.25", "1e9", "nan", "0.001"]),
        );
    }
    if rng.chance(20) {
        let _ = cfg.set(
            "audio_bitrate",
            pick_str(rng, &["32k", "1", "999M", "96000"]),
        );
    }
    if rng.chance(20) {
        let _ = cfg.set(
            "sample_format",
            pick_str(rng, &["i16", "i32", "f64", "f32"]),
        );
    }
    if rng.chance(20) {
        let _ = cfg.set(
            "metadata",
            pick_str(rng, &["title=x", "s:a:language=fra", "k=v", "=v"]),
        );
    }
    let channels = cfg.audio.channels.unwrap_or(2);
    let dest = if rng.chance(50) {
        Destination::Memory(MemoryBuffer::new())
    } else {
        Destination::stream(Cursor::new(Vec::new()))
    };
    *n += 1;
    let Ok(mut writer) = VideoWriter::open(cfg, dest) else {
        return;
    };
    let frame = vec![100u8; 16 * 16 * 3];
    for _ in 0..rng.below(20) {
        if rng.chance(40) {
            let _ = writer.push(Frame::new(16, 16, PixelFormat::Rgb24, &frame));
        } else {
            let format = *rng.pick(&[
                SampleFormat::F32,
                SampleFormat::I16,
                SampleFormat::I32,
                SampleFormat::F64,
            ]);
            let ch = if rng.chance(90) {
                channels
            } else {
                1 + rng.below(9) as u16
            };
            let mut bytes = vec![0u8; rng.below(20_000) as usize];
            for b in bytes.iter_mut() {
                *b = rng.next() as u8;
            }
            if format == SampleFormat::F32 || format == SampleFormat::F64 {
                // Mostly sane floats; sometimes the raw bytes (NaN, infinities, huge values).
                if rng.chance(80) {
                    for c in bytes.chunks_exact_mut(format.bytes()) {
                        let v = (rng.below(2000) as f64 / 1000.0) - 1.0;
                        if format == SampleFormat::F32 {
                            c.copy_from_slice(&(v as f32).to_ne_bytes());
                        } else {
                            c.copy_from_slice(&v.to_ne_bytes());
                        }
                    }
                }
            }
            let planar = rng.chance(30);
            *n += 1;
            let _ = writer.push_audio(AudioSamples::from_bytes(&bytes, format, ch, planar));
        }
    }
    *n += 1;
    if let Ok(summary) = writer.finish() {
        assert!(
            summary.audio.is_some(),
            "a soundtrack was configured and is not reported"
        );
    }
}

/// Starts `command` with SIGINT and SIGTERM at their default actions, whatever this process
/// inherited: a test run from a background job of a script has SIGINT ignored (POSIX shells
/// ignore it in asynchronous commands), so that a signal sent before the command line has
/// installed its handlers would be dropped instead of ending it.
fn default_stop_signals(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec the closure calls only signal(2), which is
    // async-signal-safe, and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            libc::signal(libc::SIGTERM, libc::SIG_DFL);
            Ok(())
        });
    }
}

/// Lets a thread reading `fifo` finish: while it still waits for a writer that never came,
/// opens the FIFO for writing without blocking (O_NONBLOCK fails at once when nobody reads,
/// where a blocking open would wait forever); false if it has not finished within 10 s.
fn release_fifo_reader<T>(fifo: &std::path::Path, reader: &std::thread::JoinHandle<T>) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    let start = Instant::now();
    while !reader.is_finished() {
        if start.elapsed() > Duration::from_secs(10) {
            return false;
        }
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(0o4000)
            .open(fifo);
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

/// The command line writing to a FIFO, read or never read; without a reader a SIGTERM or
/// SIGINT ends it at once (exit 130), with one the whole video arrives (exit 0).
fn fifo_outputs(rng: &mut Rng, dir: &std::path::Path, n: &mut u64) {
    let fifo = dir.join(format!("fifo{}", rng.below(1_000_000)));
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let format = *rng.pick(&["mp4", "mkv", "ts", "gif"]);
    let mut command = Command::new(env!("CARGO_BIN_EXE_encode-native"));
    default_stop_signals(&mut command);
    let mut child = command
        .args([
            "demo", "--frames", "3", "--size", "32x24", "--format", format, "-y", "-o",
        ])
        .arg(&fifo)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let read = rng.chance(50);
    std::thread::sleep(Duration::from_millis(rng.below(300)));
    let mut sent = 0;
    let reader = if read {
        let path = fifo.clone();
        Some(std::thread::spawn(move || {
            std::fs::read(path).map(|b| b.len())
        }))
    } else {
        let (signal, number) = *rng.pick(&[
            (rustix::process::Signal::TERM, 15),
            (rustix::process::Signal::INT, 2),
        ]);
        sent = number;
        let _ = rustix::process::kill_process(rustix::process::Pid::from_child(&child), signal);
        None
    };
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            if let Some(reader) = &reader {
                release_fifo_reader(&fifo, reader);
            }
            panic!("hang: a FIFO output ({format}, read: {read})");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut err = String::new();
    io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    if let Some(reader) = reader {
        assert!(
            release_fifo_reader(&fifo, &reader),
            "{format}: the FIFO's reader never finished"
        );
        let bytes = reader.join().unwrap().unwrap();
        assert!(status.success(), "{format}: {err}");
        assert!(bytes > 0, "{format}: no bytes through the FIFO");
    } else {
        // 130 once the handlers are installed; a signal that came before them ends the
        // process as the signal's default action does, which is as prompt.
        use std::os::unix::process::ExitStatusExt;
        assert!(
            status.code() == Some(130) || status.signal() == Some(sent),
            "{format}: {status:?}: {err}"
        );
    }
    assert!(!err.contains("panicked"), "{err}");
    std::fs::remove_file(&fifo).unwrap();
    *n += 1;
}

/// What a caught panic said.
fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

/// The run's length (`FUZZ_SECONDS`, else `default` seconds) and seed (`FUZZ_SEED`, else
/// the clock), announced as `what` with how to replay it.
fn budget(what: &str, default: u64) -> (u64, u64) {
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    eprintln!("{what}: seed {seed}, {seconds} s (replay with FUZZ_SEED={seed})");
    (seconds, seed)
}

#[test]
fn fuzz_library_and_command_line() {
    let (seconds, seed) = budget("fuzz", 20);
    let dir = tempfile::tempdir().unwrap();
    // Hostile sinks panic on purpose: keep their messages off the output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed);
    let (mut executions, mut cases, mut cli_runs, mut panics) = (0u64, 0u64, 0u64, Vec::new());
    let mut replacing = 0u64;
    let (mut gif_cases, mut fifo_runs) = (0u64, 0u64);
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds) {
        let case_seed = rng.next() | 1;
        let mut case = Rng(case_seed);
        let kind = case.below(1000);
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut n = 0;
            match kind {
                0..=559 => settings(&mut case, &mut n),
                560..=849 => frames(&mut case, &mut n),
                850..=899 => sessions(&mut case, &mut n),
                900..=923 => audio_sessions(&mut case, &mut n),
                924..=961 => replacements(&mut case, dir.path(), &mut n),
                962..=993 => gif_timing(&mut case, &mut n),
                994..=995 => fifo_outputs(&mut case, dir.path(), &mut n),
                _ => command_line(&mut case, dir.path(), &mut n),
            }
            n
        }));
        cases += 1;
        match result {
            Ok(n) => {
                executions += n;
                cli_runs += u64::from(kind >= 996);
                replacing += u64::from((924..=961).contains(&kind));
                gif_cases += u64::from((962..=993).contains(&kind));
                fifo_runs += u64::from((994..=995).contains(&kind));
            }
            Err(p) => {
                let msg = panic_message(&*p);
                panics.push(format!("case seed {case_seed} (kind {kind}): {msg}"));
            }
        }
    }
    std::panic::set_hook(hook);
    eprintln!(
        "fuzz: {executions} library and command-line executions in {cases} cases ({cli_runs} command lines, {replacing} runs on existing outputs, {gif_cases} GIF timings, {fifo_runs} FIFO outputs), {} panics, {:.0} s",
        panics.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(panics.is_empty(), "{}", panics.join("\n"));
}

/// The files the damage harness cuts: partial files as a crash leaves them (a fragmented
/// MP4/MOV, a Matroska file, an MPEG-TS) and finished segments to join.
struct Corpus {
    partials: Vec<(&'static str, Vec<u8>)>,
    segments: Vec<(&'static str, Vec<u8>)>,
}

/// Encodes the corpus: small, with B-frames (the default preset), fragments of 0.2 s.
fn corpus(dir: &std::path::Path) -> Corpus {
    let frames = |seed: u32| {
        (0..45u32).map(move |i| {
            let mut v = vec![0u8; 64 * 48 * 3];
            for (k, b) in v.iter_mut().enumerate() {
                *b = ((k as u32 / 3 % 64 + i * 3 + seed) ^ (k as u32 / 192 * 5)) as u8;
            }
            Frame::from_vec(64, 48, PixelFormat::Rgb24, v)
        })
    };
    let mut partials = Vec::new();
    for (ext, container) in [
        ("mp4", Container::Mp4),
        ("mov", Container::Mov),
        ("mkv", Container::Mkv),
        ("ts", Container::Ts),
    ] {
        let mut cfg = EncoderConfig::new(64, 48, 30);
        cfg.container = Some(container);
        if container.is_mp4_family() {
            cfg.set("fragmented", "0.2").unwrap();
        }
        let path = dir.join(format!("p.{ext}"));
        let mut w = VideoWriter::create(&path, cfg).unwrap();
        for f in frames(0) {
            w.push(f).unwrap();
        }
        w.finish().unwrap();
        partials.push((ext, std::fs::read(&path).unwrap()));
    }
    let mut segments = Vec::new();
    for ext in ["mp4", "mov", "mkv", "ts"] {
        let path = dir.join(format!("s.{ext}"));
        let mut w = VideoWriter::create(&path, EncoderConfig::new(64, 48, 30)).unwrap();
        for f in frames(7) {
            w.push(f).unwrap();
        }
        w.finish().unwrap();
        segments.push((ext, std::fs::read(&path).unwrap()));
    }
    Corpus { partials, segments }
}

/// A partial file cut at a random point (sometimes at a 188-byte boundary, sometimes a few
/// bytes from the end) through `recover`: an error, or every frame it reports decodes.
fn recover_cut(rng: &mut Rng, corpus: &Corpus, dir: &std::path::Path, n: &mut u64) {
    let (ext, bytes) = rng.pick(&corpus.partials);
    let len = match rng.below(4) {
        0 => bytes.len() - rng.below(64.min(bytes.len() as u64)) as usize,
        1 => (rng.below(bytes.len() as u64 / 188 + 1) * 188) as usize,
        _ => rng.below(bytes.len() as u64 + 1) as usize,
    }
    .min(bytes.len());
    let partial = dir.join(format!("r.{ext}.partial"));
    std::fs::write(&partial, &bytes[..len]).unwrap();
    let target = dir.join(format!("r.{ext}"));
    let _ = std::fs::remove_file(&target);
    *n += 1;
    match encode_native::recover(&partial, Some(&target)) {
        Ok(done) => {
            let decoded = strict::strict_frame_count(&target);
            assert_eq!(
                decoded,
                Ok(done.frames),
                "recover of {ext} cut at {len} of {}: reported {}",
                bytes.len(),
                done.frames
            );
            assert!(done.frames > 0 && !partial.exists());
        }
        Err(e) => {
            // Refused: the partial file is left as it was, and no target appears.
            assert_eq!(
                std::fs::read(&partial).unwrap(),
                &bytes[..len],
                "recover of {ext} cut at {len} changed the partial file: {e}"
            );
            assert!(!target.exists(), "{ext} cut at {len}: {e}");
        }
    }
}

/// A segment truncated or with bits flipped, joined after a whole one: a truncated segment
/// is refused; whatever is written holds as many frames as reported.
fn concat_damaged(rng: &mut Rng, corpus: &Corpus, dir: &std::path::Path, n: &mut u64) {
    let k = rng.below(corpus.segments.len() as u64) as usize;
    let (ext, bytes) = &corpus.segments[k];
    let mut damaged = bytes.clone();
    let truncated = rng.chance(50);
    if truncated {
        damaged.truncate(rng.below(bytes.len() as u64) as usize);
    } else {
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(damaged.len() as u64) as usize;
            damaged[at] ^= 1 << rng.below(8);
        }
    }
    let whole = dir.join(format!("whole.{ext}"));
    if !whole.exists() {
        std::fs::write(&whole, bytes).unwrap();
    }
    let bad = dir.join(format!("bad.{ext}"));
    std::fs::write(&bad, &damaged).unwrap();
    let out = dir.join(format!("joined.{ext}"));
    std::fs::write(&out, b"an older file").unwrap();
    *n += 1;
    match encode_native::concat(&[&whole, &bad], &out) {
        Ok(done) if truncated => {
            // Only an MPEG-TS cut between two frames looks whole (it has no index): then
            // every frame left decodes and is counted.
            assert!(
                *ext == "ts" && damaged.len() % 188 == 0,
                "{ext} truncated to {} of {} bytes was joined",
                damaged.len(),
                bytes.len()
            );
            let (a, b) = (
                strict::strict_frame_count(&whole),
                strict::strict_frame_count(&bad),
            );
            assert_eq!(
                Ok(done.frames),
                a.and_then(|a| b.map(|b| a + b)),
                "ts truncated to {}",
                damaged.len()
            );
        }
        Ok(done) => {
            // Bit flips inside the pictures are not the container's to see; the frames
            // written are the frames reported.
            let packets = {
                let mut ictx = ffmpeg_next::format::input(&out).unwrap();
                let index = ictx
                    .streams()
                    .best(ffmpeg_next::media::Type::Video)
                    .unwrap()
                    .index();
                ictx.packets().filter(|(s, _)| s.index() == index).count() as u64
            };
            assert_eq!(packets, done.frames, "{ext} with flipped bits");
        }
        Err(_) => {
            assert_eq!(std::fs::read(&out).unwrap(), b"an older file");
        }
    }
}

#[test]
fn fuzz_recover_and_concat_with_damaged_files() {
    let (seconds, seed) = budget("fuzz damage", 10);
    ffmpeg_next::init().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus(dir.path());
    let mut rng = Rng(seed);
    let (mut recovers, mut concats, mut failures) = (0u64, 0u64, Vec::new());
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(seconds) {
        let case_seed = rng.next() | 1;
        let mut case = Rng(case_seed);
        let joins = case.chance(30);
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut n = 0;
            if joins {
                concat_damaged(&mut case, &corpus, dir.path(), &mut n);
            } else {
                recover_cut(&mut case, &corpus, dir.path(), &mut n);
            }
            n
        }));
        match result {
            Ok(n) if joins => concats += n,
            Ok(n) => recovers += n,
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("case seed {case_seed}: {msg}"));
            }
        }
    }
    eprintln!(
        "fuzz damage: {recovers} recover and {concats} concat executions, {} failures, {:.0} s",
        failures.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Soundtrack files the third harness cuts and damages: one second of a chirp in every
/// format a user hands over (PCM WAV, FLAC, MP3, AAC in ADTS and in M4A, Opus in Ogg).
fn soundtracks(dir: &std::path::Path) -> Vec<(&'static str, Vec<u8>)> {
    let mut files = Vec::new();
    for (ext, codec) in [
        ("wav", "pcm_s16le"),
        ("flac", "flac"),
        ("mp3", "libmp3lame"),
        ("aac", "aac"),
        ("m4a", "aac"),
        ("ogg", "libopus"),
    ] {
        let path = dir.join(format!("tone.{ext}"));
        let ok = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-f", "lavfi", "-i"])
            .arg("aevalsrc=sin(2*PI*(200+400*t)*t)|cos(2*PI*300*t):s=48000:d=1")
            .args(["-c:a", codec])
            .arg(&path)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            files.push((ext, std::fs::read(&path).unwrap()));
        }
    }
    assert!(files.len() >= 4, "ffmpeg made too few soundtrack files");
    files
}

/// The samples per channel the first audio stream of `bytes` plays: decoded, and no more
/// than the duration the container states for the stream (MP4's edit list); and the video's
/// frame count.
fn decode_counts(bytes: Vec<u8>) -> (u64, u64) {
    use ffmpeg_next as ff;
    let io = ff::format::context::StreamIo::from_read_seek(Cursor::new(bytes)).unwrap();
    let mut ictx = ff::format::input_from_stream(io, None, None).unwrap();
    let video = ictx.streams().best(ff::media::Type::Video).unwrap().index();
    let audio = ictx.streams().best(ff::media::Type::Audio).map(|s| {
        let stated = (s.duration() > 0).then(|| {
            let tb = s.time_base();
            s.duration() * i64::from(tb.numerator()) * 48_000 / i64::from(tb.denominator())
        });
        let dec = ff::codec::Context::from_parameters(s.parameters())
            .unwrap()
            .decoder()
            .audio()
            .unwrap();
        (s.index(), dec, stated)
    });
    let (mut frames, mut samples) = (0u64, 0u64);
    let mut audio = audio;
    let mut got = ff::frame::Audio::empty();
    for (s, packet) in ictx.packets() {
        if s.index() == video {
            frames += 1;
        } else if let Some((index, dec, _)) = &mut audio {
            if s.index() == *index {
                dec.send_packet(&packet).unwrap();
                while dec.receive_frame(&mut got).is_ok() {
                    samples += got.samples() as u64;
                }
            }
        }
    }
    if let Some((_, dec, stated)) = &mut audio {
        dec.send_eof().unwrap();
        while dec.receive_frame(&mut got).is_ok() {
            samples += got.samples() as u64;
        }
        if let Some(stated) = *stated {
            samples = samples.min(stated.max(0) as u64);
        }
    }
    (frames, samples)
}

/// One soundtrack file cut (in its header, its first packet, its middle, its last packet, or
/// past what the video needs), with bits flipped, or handed over through a FIFO whose writer
/// stalls, encoded under a random length policy, damage policy and audio codec. Nothing may
/// hang (the case runs under a deadline), and a success must decode to what its summary
/// says: every frame, every sample, the sound as long as the video where the policy says so.
fn soundtrack_case(
    rng: &mut Rng,
    files: &[(&'static str, Vec<u8>)],
    dir: &std::path::Path,
    case: u64,
) -> Result<(), String> {
    let (ext, whole) = rng.pick(files);
    let len = whole.len() as u64;
    let mut bytes = whole.clone();
    let what = match rng.below(7) {
        0 => {
            bytes.truncate(rng.below(64.min(len)) as usize);
            "cut in its header"
        }
        1 => {
            bytes.truncate((64 + rng.below(2048)).min(len) as usize);
            "cut in its first packets"
        }
        2 => {
            bytes.truncate((len / 4 + rng.below(len / 4)) as usize);
            "cut in its middle"
        }
        3 => {
            bytes.truncate((len - rng.below(2048.min(len))) as usize);
            "cut in its last packets"
        }
        4 => {
            // The video needs 0.4 s of this 1 s soundtrack.
            bytes.truncate((len * 7 / 10 + rng.below(len / 5)) as usize);
            "cut past what the video needs"
        }
        _ => {
            for _ in 0..1 + rng.below(6) {
                let at = rng.below(len) as usize;
                bytes[at] ^= 1 << rng.below(8);
            }
            "with flipped bits"
        }
    };
    let stall = rng.chance(10);
    let path = dir.join(format!("s{case}.{ext}"));
    if stall {
        let made = Command::new("mkfifo").arg(&path).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    } else {
        std::fs::write(&path, &bytes).unwrap();
    }
    let policy = *rng.pick(&["video", "shortest", "longest"]);
    let damage = *rng.pick(&["conceal", "error"]);
    let (container, codec) = *rng.pick(&[
        (Container::Mkv, "pcm_s16le"),
        (Container::Mkv, "flac"),
        (Container::Mp4, "aac"),
    ]);
    let mut cfg = EncoderConfig::new(32, 32, 10);
    cfg.container = Some(container);
    for (k, v) in [
        ("preset", "ultrafast"),
        ("audio", path.to_str().unwrap()),
        ("audio_length", policy),
        ("audio_damage", damage),
        ("audio_codec", codec),
        ("sample_rate", "48000"),
    ] {
        cfg.set(k, v).unwrap();
    }
    let described =
        format!(
        "{ext} {what} ({} of {len} bytes{}), audio_length={policy} audio_damage={damage} {codec}",
        bytes.len(),
        if stall { ", through a stalling FIFO" } else { "" }
    );
    // The FIFO's writer gives the bytes, then stalls until the case is over.
    let (release, released) = crossbeam_channel::bounded::<()>(1);
    let feeder = stall.then(|| {
        let (path, bytes) = (path.clone(), bytes.clone());
        std::thread::spawn(move || {
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&path) {
                let _ = f.write_all(&bytes);
                let _ = released.recv_timeout(Duration::from_secs(30));
            }
        })
    });
    // The stop ends any wait on a stalled FIFO 60 ms into the case (a file is never waited
    // on: its case is never stopped, so a slow run is still checked whole).
    let started = Instant::now();
    let limit = Duration::from_millis(if stall { 60 } else { 60_000 });
    let options =
        encode_native::WriterOptions::default().stop_when(move || started.elapsed() > limit);
    let (done_tx, done_rx) = crossbeam_channel::bounded(1);
    let runner = std::thread::spawn(move || {
        let buffer = MemoryBuffer::new();
        let result = (|| {
            let mut w = VideoWriter::open_with(cfg, Destination::Memory(buffer.clone()), options)?;
            let frame = vec![90u8; 32 * 32 * 3];
            for _ in 0..4 {
                w.push(Frame::new(32, 32, PixelFormat::Rgb24, &frame))?;
            }
            w.finish()
        })();
        let _ = done_tx.send(result.map(|s| (s, buffer.take())));
    });
    let outcome = done_rx.recv_timeout(Duration::from_secs(30));
    let _ = release.send(());
    if let Some(f) = feeder {
        // A writer still waiting for a reader is released by opening the FIFO once.
        if !f.is_finished() {
            use std::os::unix::fs::OpenOptionsExt;
            let _ = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&path);
        }
        let _ = f.join();
    }
    let _ = std::fs::remove_file(&path);
    let Ok(result) = outcome else {
        return Err(format!("hang: {described}"));
    };
    let _ = runner.join();
    let Ok((summary, bytes)) = result else {
        return Ok(());
    };
    let size = bytes.len();
    let (frames, samples) = match std::panic::catch_unwind(|| decode_counts(bytes)) {
        Ok(counts) => counts,
        Err(p) => {
            return Err(format!(
                "{described}: a success ({summary:?}) whose {size}-byte output does not decode: {}",
                panic_message(&*p)
            ))
        }
    };
    if frames != summary.frames {
        return Err(format!(
            "{described}: {frames} frames decode, {} reported",
            summary.frames
        ));
    }
    let Some(audio) = summary.audio else {
        return Err(format!("{described}: a success without its soundtrack"));
    };
    if samples != audio.samples {
        return Err(format!(
            "{described}: {samples} samples play, {} reported",
            audio.samples
        ));
    }
    let video_samples = summary.frames * 48_000 / 10;
    if policy == "video" && audio.samples != video_samples {
        return Err(format!(
            "{described}: {} samples for {} frames of video ({video_samples} expected)",
            audio.samples, summary.frames
        ));
    }
    Ok(())
}

#[test]
fn fuzz_soundtrack_files() {
    let (seconds, seed) = budget("fuzz soundtracks", 10);
    // `FUZZ_JOBS` cases run at once (default 1); a stalled FIFO case waits without working,
    // so a long run keeps more cases in flight than there are cores.
    let jobs: u64 = std::env::var("FUZZ_JOBS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .clamp(1, 64);
    ffmpeg_next::init().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = soundtracks(dir.path());
    let start = Instant::now();
    // `FUZZ_CASE` replays one case by its seed.
    let only: Option<u64> = std::env::var("FUZZ_CASE").ok().and_then(|s| s.parse().ok());
    let taken = std::sync::atomic::AtomicU64::new(0);
    let executions = std::sync::atomic::AtomicU64::new(0);
    let failures = std::sync::Mutex::new(Vec::<String>::new());
    let hung = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                use std::sync::atomic::Ordering::SeqCst;
                if start.elapsed() >= Duration::from_secs(seconds) || hung.load(SeqCst) {
                    break;
                }
                let index = taken.fetch_add(1, SeqCst);
                if only.is_some() && index > 0 {
                    break;
                }
                // Case `index` of run `seed` has a seed of its own, whichever worker runs it.
                let case_seed = only.unwrap_or_else(|| {
                    Rng(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15)).next() | 1
                });
                let mut case = Rng(case_seed);
                let result = catch_unwind(AssertUnwindSafe(|| {
                    soundtrack_case(&mut case, &files, dir.path(), index)
                }));
                let done = executions.fetch_add(1, SeqCst) + 1;
                if done.is_multiple_of(100_000) {
                    let failed = failures.lock().unwrap().len();
                    eprintln!(
                        "fuzz soundtracks: {done} executions, {failed} failures, {:.0} s",
                        start.elapsed().as_secs_f64()
                    );
                }
                let failure = match result {
                    Ok(Ok(())) => continue,
                    Ok(Err(e)) => format!("case seed {case_seed}: {e}"),
                    Err(p) => format!(
                        "case seed {case_seed}: panicked: {} (replay with FUZZ_CASE={case_seed})",
                        panic_message(&*p)
                    ),
                };
                if failure.contains("hang") {
                    hung.store(true, SeqCst);
                }
                failures.lock().unwrap().push(failure);
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "fuzz soundtracks: {} executions, {} failures, {:.0} s, {jobs} at once",
        executions.into_inner(),
        failures.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
