//! The encoder thread: concurrency, back-pressure, errors reported with their cause, drop,
//! and FFmpeg's log routed through the `log` crate.

use std::io::{self, Write};
use std::sync::Mutex;

use encode_native::{Container, EncoderConfig, Error, Frame, PixelFormat, VideoWriter};

use crate::support::*;

#[test]
fn several_writers_at_once_do_not_interfere() {
    let dir = tempfile::tempdir().unwrap();
    let handles: Vec<_> = (0..4u32)
        .map(|k| {
            let path = dir.path().join(format!("w{k}.mp4"));
            std::thread::spawn(move || {
                let (w, h) = (64 + 16 * k, 48);
                let cfg = EncoderConfig::new(w, h, 30).preset("ultrafast").crf(10.0);
                let mut wr = VideoWriter::create(&path, cfg).unwrap();
                for i in 0..(20 + k) {
                    let mut rgb = vec![0u8; (w * h * 3) as usize];
                    rgb.fill((k * 50 + i) as u8);
                    wr.push(Frame::from_vec(w, h, PixelFormat::Rgb24, rgb))
                        .unwrap();
                }
                wr.finish().unwrap();
                (path, w, k)
            })
        })
        .collect();
    for h in handles {
        let (path, w, k) = h.join().unwrap();
        let d = decode_file(&path);
        assert_eq!(d.width, w);
        assert_eq!(d.frames.len(), (20 + k) as usize);
        let rgb = yuv_to_rgb(&d.frames[5], BT601.0, BT601.1, false);
        let m = mean_rgb(&rgb, w as usize, 0, 0, w as usize, 48);
        assert!(
            (m[0] - (k * 50 + 5) as f64).abs() < 3.0,
            "writer {k}: {m:?}"
        );
    }
}

#[test]
fn dropping_without_finish_still_finalizes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.mp4");
    {
        let mut w =
            VideoWriter::create(&path, EncoderConfig::new(64, 48, 30).preset("ultrafast")).unwrap();
        push_smooth(&mut w, 17, (64, 48));
    }
    let d = decode_file(&path);
    assert_eq!(d.frames.len(), 17);
    assert!((d.duration - 17.0 / 30.0).abs() < 1e-6);
}

/// A sink that fails once it has taken `limit` bytes, like a full disk or a closed pipe.
struct Failing {
    taken: usize,
    limit: usize,
}

impl Write for Failing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.taken + buf.len() > self.limit {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "reader went away",
            ));
        }
        self.taken += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn encoder_thread_error_reaches_push_and_finish_with_its_cause() {
    let cfg = EncoderConfig::new(256, 256, 30)
        .preset("ultrafast")
        .container(Container::Mkv)
        .queue_depth(2);
    let mut w = VideoWriter::to_stream(
        Failing {
            taken: 0,
            limit: 20_000,
        },
        cfg,
    )
    .unwrap();
    let mut push_error = None;
    for i in 0..300 {
        // Noise does not compress: the sink's limit is reached within a few frames.
        let mut rng = fastrand::Rng::with_seed(i);
        let px: Vec<u8> = (0..256 * 256 * 3).map(|_| rng.u8(..)).collect();
        if let Err(e) = w.push(Frame::from_vec(256, 256, PixelFormat::Rgb24, px)) {
            push_error = Some(e);
            break;
        }
    }
    let e = push_error.expect("a push must report the failed sink");
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    let msg = e.to_string();
    eprintln!("{msg}");
    assert!(
        msg.contains("cannot write") && msg.contains("reader went away"),
        "{msg}"
    );
    // The same error comes back from finish.
    let e2 = w.finish().unwrap_err();
    assert_eq!(e.to_string(), e2.to_string());
}

struct Capture(Mutex<Vec<(log::Level, String)>>);

impl log::Log for Capture {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.target() == "ffmpeg"
    }
    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            self.0
                .lock()
                .unwrap()
                .push((r.level(), r.args().to_string()));
        }
    }
    fn flush(&self) {}
}

#[test]
fn ffmpeg_log_goes_through_the_log_crate() {
    // The only logger of this test binary.
    let leaked: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
    log::set_logger(leaked).expect("no other test installs a logger");
    log::set_max_level(log::LevelFilter::Info);
    let mut w = VideoWriter::to_memory(EncoderConfig::new(64, 48, 30).preset("ultrafast")).unwrap();
    push_smooth(&mut w, 5, (64, 48));
    w.finish_to_vec().unwrap();
    let lines = leaked.0.lock().unwrap();
    // x264 prints its statistics at info level when the encoder closes.
    assert!(
        lines.iter().any(|(l, s)| *l == log::Level::Info
            && s.contains("libx264")
            && s.contains("frame I:")),
        "{lines:?}"
    );
}

#[test]
fn a_writer_moves_between_threads() {
    fn is_send<T: Send>(_: &T) {}
    let mut w = VideoWriter::to_memory(EncoderConfig::new(64, 48, 30).preset("ultrafast")).unwrap();
    is_send(&w);
    push_smooth(&mut w, 3, (64, 48));
    // Opened on one thread, fed and finished on another.
    let (bytes, s) = std::thread::spawn(move || {
        push_smooth(&mut w, 2, (64, 48));
        w.finish_to_vec().unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(s.frames, 5);
    assert_eq!(decode_bytes(bytes).frames.len(), 5);
}
