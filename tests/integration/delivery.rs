//! Live and segmented outputs: HLS and DASH written to a folder and read back by the `ffmpeg`
//! program (every rendition, every frame, a keyframe at the start of every segment, the sound),
//! RTMP and SRT pushed to an `ffmpeg` listener on 127.0.0.1 and its recording decoded, and the
//! faults: a port nobody listens on, a server that never answers, a server killed mid-stream,
//! a writer killed mid-HLS. Every server listens on 127.0.0.1; every wait is bounded.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use encode_native::{EncoderConfig, Frame, PixelFormat, VideoWriter};

use crate::support::*;

fn config(w: u32, h: u32) -> EncoderConfig {
    EncoderConfig::new(w, h, 30).preset("ultrafast")
}

fn frame(w: u32, h: u32, i: u32) -> Frame<'static> {
    Frame::from_vec(w, h, PixelFormat::Rgb24, smooth_rgb(w, h, i))
}

/// `ffprobe` of one value per line for `entries` of `path`.
fn probe(path: &Path, args: &[&str]) -> Vec<String> {
    let out = Command::new("ffprobe")
        .args(["-v", "error"])
        .args(args)
        .args(["-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The frames, and whether each is a keyframe, of the video of `path`.
fn key_flags(path: &Path) -> Vec<bool> {
    probe(
        path,
        &["-select_streams", "v:0", "-show_entries", "frame=key_frame"],
    )
    .iter()
    .map(|l| l.starts_with('1'))
    .collect()
}

/// The media playlist's segments, with their durations.
fn segments(playlist: &Path) -> Vec<(f64, String)> {
    let text = std::fs::read_to_string(playlist).unwrap();
    let mut out = Vec::new();
    let mut d = None;
    for line in text.lines() {
        if let Some(x) = line.strip_prefix("#EXTINF:") {
            d = x.split(',').next().and_then(|v| v.parse().ok());
        } else if !line.starts_with('#') && !line.is_empty() {
            out.push((d.take().unwrap(), line.to_string()));
        }
    }
    out
}

#[test]
fn an_hls_ladder_plays_every_rendition_with_keyframes_at_every_segment() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out/index.m3u8");
    let mut c = config(320, 240).audio_samples(48_000, 1);
    c.set("renditions", "240p,120p@200k").unwrap();
    c.set("segment_duration", "1").unwrap();
    let mut w = VideoWriter::create(&out, c).unwrap();
    let tone: Vec<f32> = (0..1600).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
    for i in 0..75 {
        w.push(frame(320, 240, i)).unwrap();
        w.push_audio(encode_native::AudioSamples::interleaved(&tone, 1))
            .unwrap();
    }
    let s = w.finish().unwrap();
    assert_eq!(s.frames, 75);
    let d = out.parent().unwrap();
    let master = std::fs::read_to_string(&out).unwrap();
    assert!(master.contains("RESOLUTION=320x240"), "{master}");
    assert!(master.contains("RESOLUTION=160x120"), "{master}");
    assert!(master.contains("TYPE=AUDIO"), "{master}");
    // Bandwidths measured from the segments: the larger rendition needs more.
    let bw: Vec<u64> = master
        .lines()
        .filter_map(|l| l.split("BANDWIDTH=").nth(1))
        .map(|v| v.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(bw.len(), 2, "{master}");
    // Each is the peak rate of its segments on disk plus the sound's.
    let peak = |playlist: &str| {
        segments(&d.join(playlist))
            .iter()
            .map(|(secs, name)| {
                let bytes = std::fs::metadata(d.join(name)).unwrap().len();
                (bytes as f64 * 8.0 / secs).round() as u64
            })
            .max()
            .unwrap()
    };
    let sound = peak("index_audio.m3u8");
    assert_eq!(bw[0], peak("index_240p.m3u8") + sound, "{master}");
    assert_eq!(bw[1], peak("index_120p.m3u8") + sound, "{master}");
    for (label, size) in [("240p", "320,240"), ("120p", "160,120")] {
        let playlist = d.join(format!("index_{label}.m3u8"));
        let text = std::fs::read_to_string(&playlist).unwrap();
        assert!(text.contains("#EXT-X-ENDLIST"), "{text}");
        let segs = segments(&playlist);
        // 75 frames at 30 fps in 1 s segments: 30, 30, 15 frames.
        let durations: Vec<f64> = segs.iter().map(|s| s.0).collect();
        assert_eq!(durations, vec![1.0, 1.0, 0.5], "{label}: {text}");
        let got = probe(
            &playlist,
            &[
                "-count_frames",
                "-select_streams",
                "v:0",
                "-show_entries",
                "stream=width,height,nb_read_frames",
            ],
        );
        // (ffprobe lists the stream once in the playlist's program and once on its own.)
        assert_eq!(got.first(), Some(&format!("{size},75")), "{label}: {got:?}");
        assert!(got.iter().all(|g| *g == got[0]), "{label}: {got:?}");
        // Every segment, decoded after its init segment, starts with a keyframe.
        let init = std::fs::read(d.join(format!("index_{label}_init.mp4"))).unwrap();
        for (_, seg) in &segs {
            let mut bytes = init.clone();
            bytes.extend(std::fs::read(d.join(seg)).unwrap());
            let one = d.join("one.mp4");
            std::fs::write(&one, bytes).unwrap();
            let keys = key_flags(&one);
            assert!(keys.first() == Some(&true), "{label} {seg}: {keys:?}");
        }
    }
    // The sound: its own rendition group, every sample (plus the encoder's priming).
    let audio = decoded_samples(&d.join("index_audio.m3u8"));
    assert!((120_000..=120_000 + 2048).contains(&audio), "{audio}");
    // Nothing half-written is left.
    for e in std::fs::read_dir(d).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "{name}");
    }
}

#[test]
fn live_hls_keeps_a_window_and_deletes_only_its_own_segments() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live.m3u8");
    let theirs = dir.path().join("live_notes.txt");
    std::fs::write(&theirs, "not ours").unwrap();
    let mut c = config(64, 48);
    c.set("segment_format", "ts").unwrap();
    c.set("live_window", "2").unwrap();
    c.set("segment_duration", "0.5").unwrap();
    let mut w = VideoWriter::create(&out, c).unwrap();
    for i in 0..90 {
        w.push(frame(64, 48, i)).unwrap();
    }
    w.finish().unwrap();
    let segs = segments(&out);
    assert_eq!(segs.len(), 2, "{segs:?}");
    let on_disk: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ts"))
        .collect();
    assert!(on_disk.len() <= 3, "{on_disk:?}");
    assert_eq!(std::fs::read_to_string(&theirs).unwrap(), "not ours");
    // The window plays: its two segments of 15 frames.
    assert_eq!(ffmpeg_frame_count(&out).unwrap(), 30);
}

#[test]
fn an_existing_manifest_is_refused_unless_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("index.m3u8");
    std::fs::write(&out, "#EXTM3U\n# someone else's\n").unwrap();
    let e = VideoWriter::create(&out, config(64, 48))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("exists") && e.contains("overwrite"), "{e}");
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("someone else's"));
    let mut c = config(64, 48);
    c.set("overwrite", "true").unwrap();
    let mut w = VideoWriter::create(&out, c).unwrap();
    for i in 0..10 {
        w.push(frame(64, 48, i)).unwrap();
    }
    w.finish().unwrap();
    assert_eq!(ffmpeg_frame_count(&out).unwrap(), 10);
}

#[test]
fn dash_with_hls_shares_one_set_of_segments() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("index.mpd");
    let mut c = config(128, 96).audio_samples(48_000, 2);
    c.set("manifests", "hls,dash").unwrap();
    let mut w = VideoWriter::create(&out, c).unwrap();
    let stereo = vec![0.1f32; 3200];
    for i in 0..60 {
        w.push(frame(128, 96, i)).unwrap();
        w.push_audio(encode_native::AudioSamples::interleaved(&stereo, 2))
            .unwrap();
    }
    w.finish().unwrap();
    let hls = dir.path().join("index.m3u8");
    assert!(std::fs::read_to_string(&hls)
        .unwrap()
        .contains("#EXT-X-STREAM-INF"));
    assert_eq!(ffmpeg_frame_count(&out).unwrap(), 60);
    assert_eq!(ffmpeg_frame_count(&hls).unwrap(), 60);
    let segments: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".m4s"))
        .collect();
    // One init and one media set per stream, no copy per manifest.
    assert!(
        !segments.is_empty() && segments.iter().all(|n| n.starts_with("index_")),
        "{segments:?}"
    );
}

#[test]
fn settings_for_another_destination_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (key, value, path) in [
        ("renditions", "720p,360p", "a.mp4"),
        ("segment_duration", "4", "a.mkv"),
        ("connect_timeout", "2", "index.m3u8"),
        ("renditions", "360p", "rtmp://127.0.0.1:9/live/x"),
        ("record", "local.mkv", "index.m3u8"),
    ] {
        let mut c = config(64, 48);
        c.set(key, value).unwrap();
        let e = VideoWriter::create(dir.path().join(path), c)
            .err()
            .unwrap_or_else(|| panic!("{key} on {path} was accepted"))
            .to_string();
        assert!(e.contains(key), "{key} on {path}: {e}");
    }
}

/// A free port on 127.0.0.1.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An `ffmpeg` listener on 127.0.0.1 recording what it receives into `out`.
fn listener(url: &str, input_format: &[&str], out: &Path) -> std::process::Child {
    let child = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(input_format)
        .args(["-i", url, "-c", "copy"])
        .arg(out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ffmpeg runs");
    // Until it listens.
    std::thread::sleep(Duration::from_millis(700));
    child
}

#[test]
fn rtmp_delivers_every_frame_and_the_sound_to_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.flv");
    let url = format!("rtmp://127.0.0.1:{}/live/test", free_port());
    let server = listener(&url, &["-listen", "1", "-timeout", "20"], &rec);
    let mut w = VideoWriter::create(&url, config(160, 120).audio_samples(48_000, 2)).unwrap();
    let stereo = vec![0.2f32; 3200];
    for i in 0..90 {
        w.push(frame(160, 120, i)).unwrap();
        w.push_audio(encode_native::AudioSamples::interleaved(&stereo, 2))
            .unwrap();
    }
    let s = w.finish().unwrap();
    assert!(s.bytes > 0);
    let o = wait_at_most(server, Duration::from_secs(20));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(ffmpeg_frame_count(&rec).unwrap(), 90);
    let got = decoded_samples(&rec);
    assert!((144_000..=144_000 + 2048).contains(&got), "{got}");
}

#[test]
fn srt_delivers_every_frame_to_a_listener() {
    let has_srt = Command::new("ffmpeg")
        .args(["-hide_banner", "-protocols"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("srt"));
    if !require(
        has_srt,
        "libsrt is not in the ffmpeg program here (no srt protocol)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.ts");
    let port = free_port();
    let mut server = listener(
        // SRT's live mode drops packets that reach the receiver later than its latency
        // (120 ms by default): a loaded test machine must not make that a lost frame, so the
        // listener allows 500 ms.
        &format!("srt://127.0.0.1:{port}?mode=listener&timeout=20000000&latency=500000"),
        &[],
        &rec,
    );
    let url = format!("srt://127.0.0.1:{port}");
    let mut w = match VideoWriter::create(&url, config(160, 120)) {
        Ok(w) => w,
        Err(e) => {
            let _ = server.kill();
            let _ = server.wait();
            if e.to_string().contains("Protocol not found") {
                require(
                    false,
                    "libsrt is not in the linked FFmpeg (no srt protocol)",
                );
                return;
            }
            panic!("{e}");
        }
    };
    for i in 0..60 {
        w.push(frame(160, 120, i)).unwrap();
    }
    w.finish().unwrap();
    let o = wait_at_most(server, Duration::from_secs(20));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(ffmpeg_frame_count(&rec).unwrap(), 60);
}

#[test]
fn a_port_nobody_listens_on_is_an_error_at_once() {
    let url = format!("rtmp://127.0.0.1:{}/live/x", free_port());
    let t = Instant::now();
    let e = VideoWriter::create(&url, config(64, 48))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("cannot connect") && e.contains("refused"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    // With reconnect: tried again, 1 s apart, then the same error naming the attempts.
    let mut c = config(64, 48);
    c.set("reconnect", "2").unwrap();
    let t = Instant::now();
    let e = VideoWriter::create(&url, c).err().unwrap().to_string();
    assert!(e.contains("3 attempts"), "{e}");
    assert!(t.elapsed() >= Duration::from_secs(2) && t.elapsed() < Duration::from_secs(6));
}

#[test]
fn a_server_that_never_answers_is_an_error_within_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts, then neither reads nor writes.
    let held = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(4));
        drop(sock);
    });
    let mut c = config(64, 48);
    c.set("connect_timeout", "1").unwrap();
    let t = Instant::now();
    let e = VideoWriter::create(format!("rtmp://127.0.0.1:{port}/live/x"), c)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("connect_timeout"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    held.join().unwrap();
}

#[test]
fn a_server_killed_mid_stream_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.flv");
    let url = format!("rtmp://127.0.0.1:{}/live/test", free_port());
    let server = listener(&url, &["-listen", "1", "-timeout", "20"], &rec);
    let pid = server.id();
    let mut c = config(160, 120);
    c.set("write_timeout", "2").unwrap();
    let mut w = VideoWriter::create(&url, c).unwrap();
    let t = Instant::now();
    let mut failed = None;
    for i in 0..600 {
        if i == 30 {
            assert!(kill(pid, "-KILL"));
        }
        std::thread::sleep(Duration::from_millis(10));
        if let Err(e) = w.push(frame(160, 120, i)) {
            failed = Some(e.to_string());
            break;
        }
    }
    let end = w.finish();
    let msg = failed.or_else(|| end.err().map(|e| e.to_string()));
    let msg = msg.expect("a push to a killed server failed");
    assert!(msg.contains("rtmp://127.0.0.1"), "{msg}");
    assert!(t.elapsed() < Duration::from_secs(15), "{:?}", t.elapsed());
    let _ = wait_at_most(server, Duration::from_secs(5));
}

/// The raw frames of `n` pictures of 64x48 RGB.
fn raw_frames(n: u32) -> Vec<u8> {
    (0..n).flat_map(|i| smooth_rgb(64, 48, i)).collect()
}

#[test]
fn a_killed_hls_writer_leaves_a_playlist_of_complete_segments() {
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("index.m3u8");
    let mut child = Command::new(env!("CARGO_BIN_EXE_encode-native"))
        .args([
            "raw",
            "-i",
            "-",
            "--size",
            "64x48",
            "--fps",
            "30",
            "-q",
            "--preset",
            "ultrafast",
            "--segment-duration",
            "0.5",
            "-o",
        ])
        .arg(&out)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let start = Instant::now();
    // Frames until the playlist lists three segments, then kill -9 mid-segment.
    let mut sent = 0;
    while start.elapsed() < Duration::from_secs(30) {
        stdin.write_all(&raw_frames(5)).unwrap();
        stdin.flush().unwrap();
        sent += 5;
        std::thread::sleep(Duration::from_millis(20));
        if out.exists() && segments(&out).len() >= 3 && sent % 15 == 10 {
            break;
        }
    }
    assert!(kill(child.id(), "-KILL"));
    let _ = child.wait();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(!text.contains("#EXT-X-ENDLIST"), "{text}");
    let listed = segments(&out);
    assert!(listed.len() >= 3, "{text}");
    // Every listed segment is complete: the playlist decodes to 15 frames per segment.
    let frames = ffmpeg_frame_count(&out).unwrap();
    let expected: f64 = listed.iter().map(|s| s.0 * 30.0).sum();
    assert_eq!(frames, expected.round() as u64, "{text}");
}

#[test]
fn reconnect_resumes_at_a_keyframe_on_a_server_that_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("first.flv"), dir.path().join("second.flv"));
    let url = format!("rtmp://127.0.0.1:{}/live/test", free_port());
    let server = listener(&url, &["-listen", "1", "-timeout", "20"], &first);
    let pid = server.id();
    let mut server = Some(server);
    let mut c = config(160, 120);
    c.set("reconnect", "5").unwrap();
    c.set("write_timeout", "3").unwrap();
    let mut w = VideoWriter::create(&url, c).unwrap();
    let mut again = None;
    for i in 0..240 {
        if i == 40 {
            assert!(kill(pid, "-KILL"));
            if let Some(s) = server.take() {
                let _ = wait_at_most(s, Duration::from_secs(5));
            }
            // The server comes back on the same port a moment later.
            again = Some(listener(&url, &["-listen", "1", "-timeout", "20"], &second));
        }
        std::thread::sleep(Duration::from_millis(15));
        w.push(frame(160, 120, i)).unwrap();
    }
    let s = w.finish().unwrap();
    assert_eq!(s.reconnects, 1);
    let o = wait_at_most(again.unwrap(), Duration::from_secs(20));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The second recording starts at a keyframe and holds the frames after it.
    let keys = key_flags(&second);
    assert_eq!(keys.first(), Some(&true));
    assert!((120..=200).contains(&keys.len()), "{}", keys.len());
    assert_eq!(ffmpeg_frame_count(&second).unwrap(), keys.len() as u64);
}

#[test]
fn a_recording_beside_the_push_keeps_every_accepted_frame_when_the_server_dies() {
    let dir = tempfile::tempdir().unwrap();
    let (rec, local) = (dir.path().join("rec.flv"), dir.path().join("local.mkv"));
    let url = format!("rtmp://127.0.0.1:{}/live/test", free_port());
    let server = listener(&url, &["-listen", "1", "-timeout", "20"], &rec);
    let pid = server.id();
    let mut c = config(160, 120);
    c.set("record", local.to_str().unwrap()).unwrap();
    c.set("write_timeout", "2").unwrap();
    let mut w = VideoWriter::create(&url, c).unwrap();
    let mut accepted = 0u64;
    let mut failed = None;
    for i in 0..600 {
        if i == 30 {
            assert!(kill(pid, "-KILL"));
        }
        std::thread::sleep(Duration::from_millis(10));
        match w.push(frame(160, 120, i)) {
            Ok(()) => accepted += 1,
            Err(e) => {
                failed = Some(e.to_string());
                break;
            }
        }
    }
    let end = w.finish().err().map(|e| e.to_string());
    let msg = failed.or(end).expect("the push failed");
    let _ = wait_at_most(server, Duration::from_secs(5));
    assert!(
        msg.contains("rtmp://127.0.0.1") || msg.contains("recording"),
        "{msg}"
    );
    // Every frame the writer accepted is in the recording, finished as a normal file.
    assert_eq!(ffmpeg_frame_count(&local).unwrap(), accepted, "{msg}");
    assert!(accepted >= 30);
    assert!(!encode_native::partial_path(&local).exists());
}

#[test]
fn a_recording_beside_a_healthy_push_holds_the_same_frames_and_sound() {
    let dir = tempfile::tempdir().unwrap();
    let (rec, local) = (dir.path().join("rec.flv"), dir.path().join("local.mp4"));
    let url = format!("rtmp://127.0.0.1:{}/live/test", free_port());
    let server = listener(&url, &["-listen", "1", "-timeout", "20"], &rec);
    let mut c = config(160, 120).audio_samples(48_000, 2);
    c.set("record", local.to_str().unwrap()).unwrap();
    let mut w = VideoWriter::create(&url, c).unwrap();
    let stereo = vec![0.2f32; 3200];
    for i in 0..60 {
        w.push(frame(160, 120, i)).unwrap();
        w.push_audio(encode_native::AudioSamples::interleaved(&stereo, 2))
            .unwrap();
    }
    w.finish().unwrap();
    let o = wait_at_most(server, Duration::from_secs(20));
    assert!(o.status.success());
    assert_eq!(ffmpeg_frame_count(&rec).unwrap(), 60);
    assert_eq!(ffmpeg_frame_count(&local).unwrap(), 60);
    // The file states exactly the samples pushed.
    assert_eq!(samples_played(&local, 0, decoded_samples(&local)), 96_000);
}

#[test]
fn late_frames_drop_keeps_each_frames_time_and_counts_the_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("late.mkv");
    // An encoder far slower than the pushes (no lookahead to hide in: zerolatency), a queue
    // of one.
    let mut c = EncoderConfig::new(1280, 720, 30).preset("veryslow");
    c.set("tune", "zerolatency").unwrap();
    // Everything on the encoder thread (a filter takes the pictures as pushed): a push only
    // copies the frame.
    c.set("filter", "hflip").unwrap();
    c.set("queue", "1").unwrap();
    c.set("late_frames", "drop").unwrap();
    // Made before, so that pushing takes no time.
    let pictures: Vec<Vec<u8>> = (0..4).map(|i| smooth_rgb(1280, 720, i * 7)).collect();
    let mut w = VideoWriter::create(&out, c).unwrap();
    for i in 0..60 {
        // A live source's pace, faster than the encoder.
        std::thread::sleep(Duration::from_millis(20));
        w.push(Frame::new(1280, 720, PixelFormat::Rgb24, &pictures[i % 4]))
            .unwrap();
    }
    assert_eq!(w.frames_pushed(), 60);
    let s = w.finish().unwrap();
    assert!(s.frames_dropped > 0, "nothing was dropped: {s:?}");
    assert_eq!(s.frames + s.frames_dropped, 60);
    // The frames kept show at their own times: k/30 s for some k < 60, with gaps where
    // frames were dropped.
    let times: Vec<f64> = packet_times(&out, 0).iter().map(|p| p.0).collect();
    let mut slots: Vec<i64> = times.iter().map(|t| (t * 30.0).round() as i64).collect();
    slots.sort_unstable();
    assert_eq!(slots.len() as u64, s.frames);
    assert!(s.frames >= 3, "{slots:?}");
    assert!(slots.windows(2).all(|w| w[1] > w[0]), "{slots:?}");
    assert!(*slots.last().unwrap() <= 59, "{slots:?}");
    assert!(
        slots.windows(2).any(|w| w[1] - w[0] > 1),
        "no gap: {slots:?}"
    );
    for (t, k) in times.iter().zip(times.iter().map(|t| (t * 30.0).round())) {
        assert!((t * 30.0 - k).abs() < 0.05, "{t} is not on a frame's slot");
    }
}

#[test]
fn an_srt_push_with_no_listener_fails_within_connect_timeout() {
    let url = format!("srt://127.0.0.1:{}", free_port());
    let mut c = config(64, 48);
    c.set("connect_timeout", "1").unwrap();
    let t = Instant::now();
    let e = VideoWriter::create(&url, c).err().unwrap().to_string();
    if e.contains("Protocol not found") {
        require(
            false,
            "libsrt is not in the linked FFmpeg (no srt protocol)",
        );
        return;
    }
    assert!(
        e.contains("no SRT listener answered") && e.contains("connect_timeout"),
        "{e}"
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[test]
fn an_explicit_hls_format_writes_a_manifest_whatever_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live");
    let mut c = config(64, 48);
    c.set("format", "hls").unwrap();
    let mut w = VideoWriter::create(&out, c.clone()).unwrap();
    for i in 0..40 {
        w.push(frame(64, 48, i)).unwrap();
    }
    assert_eq!(
        w.finish().unwrap().delivery,
        Some(encode_native::DeliveryKind::Hls)
    );
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("#EXTM3U"));
    // FFmpeg 7 and later read a playlist without the .m3u8 extension only when told it is one.
    let o = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-f", "hls", "-i"])
        .arg(&out)
        .args(["-map", "0:v:0", "-f", "framecrc", "-"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let frames = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count();
    assert_eq!(frames, 40);
    // Memory has no folder for segments.
    let e = VideoWriter::to_memory(c).err().unwrap().to_string();
    assert!(e.contains("format") && e.contains("manifest"), "{e}");
    // ffmpeg's own flag says the same.
    let no: &[&str] = &[];
    let from_flags = encode_native::ffmpeg_args_settings(no, &["-f", "hls"]).unwrap();
    assert!(
        from_flags.iter().any(|(k, v)| *k == "format" && v == "hls"),
        "{from_flags:?}"
    );
}

#[test]
fn one_rendition_is_one_stream_at_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("index.m3u8");
    let mut c = config(320, 240);
    c.set("renditions", "120p").unwrap();
    let mut w = VideoWriter::create(&out, c).unwrap();
    for i in 0..30 {
        w.push(frame(320, 240, i)).unwrap();
    }
    w.finish().unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    // A media playlist whose names are all real files (no variant pattern left in them).
    assert!(
        !text.contains('%') && text.contains("#EXT-X-MAP:URI=\"index_init.mp4\""),
        "{text}"
    );
    let got = probe(
        &out,
        &[
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height,nb_read_frames",
        ],
    );
    assert_eq!(got.first().map(String::as_str), Some("160,120,30"));
}

#[test]
fn settings_a_destination_refuses_are_checked_before_opening() {
    let mut c = config(64, 48);
    c.set("connect_timeout", "2").unwrap();
    let e = c
        .check_destination("out/index.m3u8")
        .unwrap_err()
        .to_string();
    assert!(e.contains("connect_timeout"), "{e}");
    assert!(!Path::new("out").exists());
    let mut c = config(64, 48);
    c.set("codec", "libx265").unwrap();
    let e = c
        .check_destination("rtmp://127.0.0.1:9/live/x")
        .unwrap_err()
        .to_string();
    assert!(e.contains("libx264 for RTMP"), "{e}");
    assert!(config(64, 48).check_destination("a.mp4").is_ok());
}

/// Noise: big packets, so that a stalled connection fills its buffers quickly.
fn noise(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..w * h * 3)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

#[test]
fn a_server_that_stops_reading_mid_stream_is_an_error_within_write_timeout() {
    use std::io::{Read, Write as _};
    use std::os::fd::AsRawFd;
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.flv");
    let real = format!("rtmp://127.0.0.1:{}/live/test", free_port());
    let server = listener(&real, &["-listen", "1", "-timeout", "30"], &rec);
    let real_port: u16 = real.split(':').nth(2).unwrap()[..5]
        .trim_end_matches('/')
        .parse()
        .unwrap();
    // A proxy that passes the handshake and the first 200 kB through, then stops reading
    // (the connection stays open), with a small receive buffer.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let size: libc::c_int = 4096;
    // SAFETY: a valid socket and a c_int option value of the right size.
    unsafe {
        libc::setsockopt(
            proxy.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
    let port = proxy.local_addr().unwrap().port();
    let stalled = std::thread::spawn(move || {
        let (mut client, _) = proxy.accept().unwrap();
        let mut upstream = std::net::TcpStream::connect(("127.0.0.1", real_port)).unwrap();
        let mut back_from = upstream.try_clone().unwrap();
        let mut back_to = client.try_clone().unwrap();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut back_from, &mut back_to);
        });
        let mut passed = 0usize;
        let mut buf = [0u8; 4096];
        while passed < 200_000 {
            let n = client.read(&mut buf).unwrap_or(0);
            if n == 0 {
                break;
            }
            upstream.write_all(&buf[..n]).unwrap();
            passed += n;
        }
        // Holds both ends without reading, until the writer has given up; then closes both
        // (the copy thread holds clones: shut down, not dropped).
        std::thread::sleep(Duration::from_secs(20));
        let _ = client.shutdown(std::net::Shutdown::Both);
        let _ = upstream.shutdown(std::net::Shutdown::Both);
    });
    let mut c = config(320, 240);
    c.set("write_timeout", "2").unwrap();
    c.set("queue", "2").unwrap();
    let mut w = VideoWriter::create(format!("rtmp://127.0.0.1:{port}/live/test"), c).unwrap();
    let pictures: Vec<Vec<u8>> = (0..8).map(|i| noise(320, 240, i + 1)).collect();
    let t = Instant::now();
    let mut failed = None;
    for i in 0..5000 {
        if let Err(e) = w.push(Frame::new(320, 240, PixelFormat::Rgb24, &pictures[i % 8])) {
            failed = Some(e.to_string());
            break;
        }
        if t.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    let end = w.finish().err().map(|e| e.to_string());
    let msg = failed.or(end).expect("a push to a stalled server failed");
    let waited = t.elapsed();
    assert!(msg.contains("write_timeout"), "{msg}");
    // Filling the socket buffers takes a moment; then 2 s, and the close is bounded too.
    assert!(waited < Duration::from_secs(15), "{waited:?}");
    stalled.join().unwrap();
    let _ = wait_at_most(server, Duration::from_secs(40));
}
