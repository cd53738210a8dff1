//! Output anywhere: memory, seekable writers, write-only streams, fragmented MP4.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use encode_native::{
    Container, Destination, EncoderConfig, Error, FragmentInfo, Frame, MemoryBuffer, PixelFormat,
    VideoWriter, WriterOptions,
};

use crate::support::*;

#[test]
fn memory_mp4_has_its_index_first_and_decodes_back() {
    for faststart in [true, false] {
        let cfg = EncoderConfig::new(96, 64, 30)
            .preset("ultrafast")
            .faststart(faststart);
        let mut w = VideoWriter::to_memory(cfg).unwrap();
        push_smooth(&mut w, 45, (96, 64));
        let (bytes, s) = w.finish_to_vec().unwrap();
        assert_eq!(s.bytes, bytes.len() as u64);
        assert!(!s.fragmented);
        let boxes = top_level_boxes(&bytes);
        let pos = |n: &str| boxes.iter().position(|b| b == n).unwrap();
        assert_eq!(pos("moov") < pos("mdat"), faststart, "{boxes:?}");
        let d = decode_bytes(bytes);
        assert_eq!(d.frames.len(), 45);
        assert!((d.duration - 1.5).abs() < 1e-6);
        // Moving the index must not move the pictures: compare pixels with the input.
        for i in [0usize, 44] {
            let rgb = yuv_to_rgb(&d.frames[i], BT601.0, BT601.1, false);
            assert!(psnr(&rgb, &smooth_rgb(96, 64, i as u32)) > 35.0);
        }
    }
}

#[test]
fn memory_destination_gives_a_faststart_mp4_in_its_buffer() {
    // Only a memory writer has the bytes to give back: `finish_to_vec` exists on
    // `MemoryWriter` alone (a compile-time guarantee, see its docs); `open` with a
    // `MemoryBuffer` gives them through the buffer.
    let buffer = MemoryBuffer::new();
    let mut w = VideoWriter::open(
        EncoderConfig::new(64, 48, 30),
        Destination::Memory(buffer.clone()),
    )
    .unwrap();
    push_smooth(&mut w, 3, (64, 48));
    let s = w.finish().unwrap();
    let bytes = buffer.take();
    assert_eq!(s.bytes as usize, bytes.len());
    let boxes = top_level_boxes(&bytes);
    let pos = |k: &str| boxes.iter().position(|b| b == k).unwrap();
    assert!(pos("moov") < pos("mdat"), "{boxes:?}");
    assert_eq!(decode_bytes(bytes).frames.len(), 3);
}

#[test]
fn seekable_writer_gets_a_normal_mp4() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.mp4");
    let file = std::fs::File::create(&path).unwrap();
    let mut w =
        VideoWriter::to_writer(file, EncoderConfig::new(64, 48, 30).preset("ultrafast")).unwrap();
    push_smooth(&mut w, 30, (64, 48));
    let s = w.finish().unwrap();
    assert_eq!(s.bytes, std::fs::metadata(&path).unwrap().len());
    let d = decode_file(&path);
    assert_eq!(d.frames.len(), 30);
    assert!((d.duration - 1.0).abs() < 1e-6);
}

#[test]
fn write_only_streams_mp4_mkv_ts_and_avi_refused() {
    for (container, fragmented) in [
        (None, true),
        (Some(Container::Mkv), false),
        (Some(Container::Ts), false),
    ] {
        let sink = SharedVec::default();
        let mut cfg = EncoderConfig::new(96, 64, 25).preset("ultrafast");
        cfg.container = container;
        let mut w = VideoWriter::to_stream(sink.clone(), cfg).unwrap();
        push_smooth(&mut w, 40, (96, 64));
        let s = w.finish().unwrap();
        assert_eq!(s.fragmented, fragmented, "{container:?}");
        let bytes = sink.0.lock().unwrap().clone();
        assert_eq!(s.bytes, bytes.len() as u64);
        let d = decode_bytes(bytes);
        assert_eq!(d.frames.len(), 40, "{container:?}");
        let last = d.frames.last().unwrap().pts - d.frames[0].pts;
        assert!((last - 39.0 / 25.0).abs() < 2e-3, "{container:?}: {last}");
    }
    let e = VideoWriter::to_stream(
        Vec::new(),
        EncoderConfig::new(64, 48, 25).container(Container::Avi),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Unsupported(_)));
    assert!(e.to_string().contains("AVI needs a seekable output"), "{e}");
}

/// A write-only sink whose bytes the test can read afterwards.
#[derive(Clone, Default)]
struct SharedVec(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedVec {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn fragmented_file_reports_every_fragment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frag.mp4");
    let seen: Arc<Mutex<Vec<FragmentInfo>>> = Arc::default();
    let log = seen.clone();
    let opts = WriterOptions::default().on_fragment(move |f| log.lock().unwrap().push(f));
    let cfg = EncoderConfig::new(96, 64, 30)
        .preset("ultrafast")
        .fragmented(0.5);
    let mut w = VideoWriter::create_with(&path, cfg, opts).unwrap();
    push_smooth(&mut w, 90, (96, 64));
    let s = w.finish().unwrap();
    assert!(s.fragmented);
    let frags = seen.lock().unwrap().clone();
    // 3 s in fragments of 0.5 s: 6 fragments, the last written by finish.
    assert_eq!(frags.len(), 6, "{frags:?}");
    for pair in frags.windows(2) {
        assert!(pair[1].bytes > pair[0].bytes && pair[1].frames > pair[0].frames);
    }
    for (i, f) in frags.iter().enumerate() {
        assert_eq!(f.frames, 15 * (i as u64 + 1));
        assert!((f.duration.as_secs_f64() - 0.5 * (i + 1) as f64).abs() < 1e-9);
    }
    let last = frags.last().unwrap();
    assert_eq!(last.bytes, std::fs::metadata(&path).unwrap().len());
    let d = decode_file(&path);
    assert_eq!(d.frames.len(), 90);
    assert!((d.duration - 3.0).abs() < 1e-6, "{}", d.duration);
}

const CHILD: &str = "ENCODE_NATIVE_RECORDER_CHILD";

/// Run by `killed_fragmented_encode_keeps_all_but_the_last_fragment` in a child process: a
/// recorder pushing frames in real time into a fragmented MP4 until it is killed.
#[test]
#[ignore = "a child process: `killed_fragmented_encode_keeps_all_but_the_last_fragment` runs it (with --ignored --exact)"]
fn recorder_child() {
    let path = std::env::var(CHILD)
        .unwrap_or_else(|_| panic!("recorder_child is run by killed_fragmented_encode_keeps_all_but_the_last_fragment, which sets {CHILD}"));
    let cfg = EncoderConfig::new(160, 120, 30)
        .preset("ultrafast")
        .fragmented(1.0);
    let mut w = VideoWriter::create(&path, cfg).unwrap();
    let start = Instant::now();
    for i in 0..100_000u32 {
        let due = start + Duration::from_secs_f64(i as f64 / 30.0);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        w.push(Frame::from_vec(
            160,
            120,
            PixelFormat::Rgb24,
            smooth_rgb(160, 120, i),
        ))
        .unwrap();
        println!("pushed {}", i + 1);
    }
}

#[test]
fn killed_fragmented_encode_keeps_all_but_the_last_fragment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rec.mp4");
    let mut child = ChildGuard::new(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "outputs::recorder_child",
                "--ignored",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut pushed = 0u64;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while pushed < 100 {
        let line = lines.next().expect("the recorder stopped early").unwrap();
        if let Some(n) = line.strip_prefix("pushed ") {
            pushed = n.parse().unwrap();
        }
    }
    // SIGKILL: no destructor, no trailer.
    child.kill().unwrap();
    child.wait().unwrap();
    // The frames are in the partial file beside the target, which was never written.
    assert!(!path.exists());
    let d = decode_file_structure(&encode_native::partial_path(&path));
    eprintln!(
        "killed after {pushed} frames pushed: {} decoded",
        d.frames.len()
    );
    // One fragment is 1 s (30 frames); a few more frames may still be in the queue or inside
    // x264 (its frame threads) when the process dies.
    let in_flight = 8;
    assert!(
        d.frames.len() as u64 + 30 + in_flight >= pushed,
        "{} frames decoded of {pushed} pushed",
        d.frames.len()
    );
    assert!(d.frames.len() >= 60, "{} frames", d.frames.len());
    for (i, f) in d.frames.iter().enumerate() {
        assert!((f.pts - i as f64 / 30.0).abs() < 1e-6);
    }
}
