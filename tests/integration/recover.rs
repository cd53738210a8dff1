//! `recover` never reports a frame that does not decode: cut-off frames and fragments are
//! dropped, every complete fragment before a cut is kept, and a partial file with no
//! complete frame is an error that leaves it as it is. Checked in-process with a strict
//! decoder and from outside with the `ffmpeg` program.

use std::path::{Path, PathBuf};
use std::process::Command;

use encode_native::{partial_path, recover};

use crate::support::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_encode-native"))
}

/// A partial file left by an encode that ran out of room: `encode-native demo` with a file
/// size limit of `kib` KiB (the write fails with "File too large", like a full disk).
fn recorded_partial(dir: &Path, name: &str, size: &str, frames: u32, kib: u32) -> PathBuf {
    let out = dir.join(name);
    let r = Command::new("sh")
        .arg("-c")
        // sh counts the limit in 512-byte blocks.
        .arg(format!("ulimit -f {}; exec \"$0\" \"$@\"", kib * 2))
        .arg(env!("CARGO_BIN_EXE_encode-native"))
        .args([
            "demo",
            "--frames",
            &frames.to_string(),
            "--size",
            size,
            "-q",
            "-o",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        !r.status.success(),
        "the encode was meant to run out of room"
    );
    let partial = partial_path(&out);
    assert_eq!(
        std::fs::metadata(&partial).unwrap().len(),
        u64::from(kib) * 1024
    );
    partial
}

/// `encode-native recover <partial> -o <target> -y --json`: the frames reported, or stderr.
fn cli_recover(partial: &Path, target: &Path) -> Result<u64, String> {
    let r = bin()
        .arg("recover")
        .arg(partial)
        .arg("-o")
        .arg(target)
        .args(["-y", "--json", "-q"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    if !r.status.success() {
        assert_eq!(r.status.code(), Some(1), "{err}");
        return Err(err);
    }
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    Ok(v["frames"].as_u64().unwrap())
}

/// The video packets libavformat reads from `path`, whole or not.
fn packets_read(path: &Path) -> u64 {
    ffmpeg_next::init().unwrap();
    let mut ictx = ffmpeg_next::format::input(path).unwrap();
    let index = ictx
        .streams()
        .best(ffmpeg_next::media::Type::Video)
        .unwrap()
        .index();
    let mut n = 0;
    for (s, _) in ictx.packets() {
        n += u64::from(s.index() == index);
    }
    n
}

#[test]
fn a_full_disk_s_cut_off_last_frame_is_not_copied() {
    let dir = tempfile::tempdir().unwrap();
    let partial = recorded_partial(dir.path(), "x.mp4", "320x240", 300, 20);
    // The partial file's last sample runs past its end: libavformat hands it out anyway.
    let cut = dir.path().join("as-read.mp4.partial");
    std::fs::copy(&partial, &cut).unwrap();
    let read = packets_read(&cut);
    let target = dir.path().join("x.mp4");
    let reported = cli_recover(&partial, &target).unwrap();
    assert!(reported > 0 && reported < read, "{reported} of {read}");
    assert_eq!(strict_frame_count(&target), Ok(reported));
    assert_eq!(ffmpeg_frame_count(&target), Ok(reported));
    assert!(!partial.exists());
}

#[test]
fn a_cut_inside_a_fragment_header_keeps_every_fragment_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let partial = recorded_partial(dir.path(), "x.mp4", "320x240", 300, 60);
    let bytes = std::fs::read(&partial).unwrap();
    let moofs: Vec<(usize, usize)> = mp4_boxes(&bytes)
        .into_iter()
        .filter(|b| b.0 == "moof")
        .map(|b| (b.1, b.2))
        .collect();
    assert!(moofs.len() >= 4, "{moofs:?}");
    for &(at, size) in &moofs[1..4] {
        // What the fragments before this moof hold: the file cut exactly before it.
        let clean = dir.path().join("clean.mp4.partial");
        std::fs::write(&clean, &bytes[..at]).unwrap();
        let want = strict_frame_count(&clean).unwrap();
        assert!(want > 0);
        // Inside its header, its middle, and its last box (the sample table, `trun`).
        for inside in [1, 7, size / 2, size - 4] {
            let p = dir.path().join("cut.mp4.partial");
            std::fs::write(&p, &bytes[..at + inside]).unwrap();
            let target = dir.path().join("cut.mp4");
            let done = recover(&p, None).unwrap_or_else(|e| panic!("cut at {at}+{inside}: {e}"));
            assert_eq!(done.frames, want, "cut at {at}+{inside}");
            assert_eq!(strict_frame_count(&target), Ok(want));
        }
    }
}

#[test]
fn a_partial_file_without_a_complete_frame_is_an_error_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let partial = recorded_partial(dir.path(), "x.mp4", "320x240", 300, 20);
    let bytes = std::fs::read(&partial).unwrap();
    let boxes = mp4_boxes(&bytes);
    let mdat = boxes.iter().find(|b| b.0 == "mdat").unwrap().1;
    let moov = boxes.iter().find(|b| b.0 == "moov").unwrap().1;
    // Inside the first frame, inside the first fragment's header, inside the stream header,
    // and nothing at all.
    for len in [mdat + 8 + 200, mdat - 20, moov + 100, 0] {
        let p = dir.path().join("cut.mp4.partial");
        std::fs::write(&p, &bytes[..len]).unwrap();
        let target = dir.path().join("cut.mp4");
        std::fs::write(&target, b"an older video").unwrap();
        let e = cli_recover(&p, &target).unwrap_err();
        assert!(
            e.contains("cut.mp4.partial") && e.contains("no complete frame"),
            "{len}: {e}"
        );
        assert_eq!(std::fs::read(&p).unwrap(), &bytes[..len]);
        assert_eq!(std::fs::read(&target).unwrap(), b"an older video");
        assert!(!dir.path().join("cut.mp4.finishing").exists());
    }
}

#[test]
fn cut_mpeg_ts_and_matroska_files_give_only_frames_that_decode() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["ts", "mkv", "mov"] {
        let whole = dir.path().join(format!("whole.{ext}"));
        let ok = bin()
            .args(["demo", "--frames", "120", "--size", "160x120", "-q", "-o"])
            .arg(&whole)
            .status()
            .unwrap();
        assert!(ok.success());
        let bytes = std::fs::read(&whole).unwrap();
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..12 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % bytes.len() as u64) as usize;
            let p = dir.path().join(format!("cut.{ext}.partial"));
            std::fs::write(&p, &bytes[..len]).unwrap();
            let target = dir.path().join(format!("cut.{ext}"));
            match cli_recover(&p, &target) {
                Ok(n) => {
                    assert_eq!(strict_frame_count(&target), Ok(n), "{ext} cut at {len}");
                    assert_eq!(ffmpeg_frame_count(&target), Ok(n), "{ext} cut at {len}");
                }
                Err(e) => {
                    assert!(e.contains("no complete frame"), "{ext} cut at {len}: {e}");
                    assert_eq!(std::fs::read(&p).unwrap(), &bytes[..len]);
                }
            }
        }
    }
}

/// 200 random truncations of a partial file left by a full disk: every report agrees with
/// what the `ffmpeg` program decodes from the recovered file.
#[test]
fn two_hundred_truncations_agree_with_an_outside_decoder() {
    let dir = tempfile::tempdir().unwrap();
    let partial = recorded_partial(dir.path(), "r.mp4", "64x48", 600, 16);
    let bytes = std::fs::read(&partial).unwrap();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let (mut made, mut reports, mut refused) = (Vec::new(), Vec::new(), 0);
    for k in 0..200 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % (bytes.len() as u64 + 1)) as usize;
        let p = dir.path().join("t.mp4.partial");
        std::fs::write(&p, &bytes[..len]).unwrap();
        let target = dir.path().join(format!("t{k}.mp4"));
        match recover(&p, Some(&target)) {
            Ok(done) => {
                made.push(target);
                reports.push((len, done.frames));
            }
            Err(e) => {
                refused += 1;
                assert!(e.to_string().contains("no complete frame"), "{len}: {e}");
                assert!(!target.exists());
                std::fs::remove_file(&p).unwrap();
            }
        }
    }
    let outside = ffmpeg_frame_counts(&made);
    let disagree: Vec<String> = reports
        .iter()
        .zip(&outside)
        .filter(|((_, n), got)| **got != Ok(*n))
        .map(|((len, n), got)| format!("cut at {len}: reported {n}, ffmpeg {got:?}"))
        .collect();
    eprintln!(
        "200 truncations: {} recovered, {refused} refused, {} disagree",
        made.len(),
        disagree.len()
    );
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
    assert!(made.len() > 150, "{}", made.len());
}

/// The `ffmpeg` program's run with `args` (`-v error -y` first); panics with its message when
/// it fails.
fn run_ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether the `ffmpeg` program has `encoder`.
fn ffmpeg_has(encoder: &str) -> bool {
    Command::new("ffmpeg")
        .args(["-hide_banner", "-encoders"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.split_whitespace().nth(1) == Some(encoder))
        })
        .unwrap_or(false)
}

/// A packet as ffprobe reads it: stream, presentation time, duration (seconds), position
/// and size in the file.
struct Probed {
    stream: usize,
    pts: f64,
    duration: f64,
    pos: i64,
    size: i64,
}

/// Every packet of `path` that has a presentation time.
fn probed_packets(path: &Path) -> Vec<Probed> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "packet=stream_index,pts_time,duration_time,pos,size",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let num = |p: &serde_json::Value, k: &str| p[k].as_str().and_then(|s| s.parse::<f64>().ok());
    v["packets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            Some(Probed {
                stream: p["stream_index"].as_u64()? as usize,
                pts: num(p, "pts_time")?,
                duration: num(p, "duration_time").unwrap_or(0.0),
                pos: num(p, "pos").map_or(-1, |x| x as i64),
                size: num(p, "size").map_or(0, |x| x as i64),
            })
        })
        .collect()
}

/// A 3-second video with sound, fragmented as a partial file is (MP4/MOV: half-second
/// fragments; Matroska as it is), by the writer with samples pushed frame by frame.
fn written_with_sound(path: &Path, codec: encode_native::AudioEncoder) {
    use encode_native::{AudioSamples, EncoderConfig, Frame, PixelFormat, VideoWriter};
    let mut config = EncoderConfig::new(64, 48, 30)
        .preset("ultrafast")
        .audio_samples(48_000, 2)
        .audio_codec(codec);
    if path.extension().is_some_and(|e| e != "mkv") {
        config = config.fragmented(0.5);
    }
    let mut w = VideoWriter::create(path, config).unwrap();
    let mut tone = Vec::with_capacity(3200);
    for i in 0..90u32 {
        w.push(Frame::from_vec(
            64,
            48,
            PixelFormat::Rgb24,
            smooth_rgb(64, 48, i),
        ))
        .unwrap();
        tone.clear();
        for n in i * 1600..(i + 1) * 1600 {
            let s = (0.4 * (std::f64::consts::TAU * 440.0 * f64::from(n) / 48_000.0).sin()) as f32;
            tone.extend([s, s]);
        }
        w.push_audio(AudioSamples::interleaved(&tone, 2)).unwrap();
    }
    w.finish().unwrap();
}

/// The same made by the `ffmpeg` program (25 fps, a stereo tone), whose fragments let the
/// audio run on a little past each fragment's video.
fn ffmpeg_with_sound(path: &Path, codec: &str) {
    let p = path.to_str().unwrap();
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=48000",
        "-t",
        "3",
        "-ac",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        codec,
    ];
    if !p.ends_with(".mkv") {
        args.extend([
            "-movflags",
            "+frag_keyframe+empty_moov+default_base_moof+delay_moov",
            "-frag_duration",
            "500000",
        ]);
    }
    args.push(p);
    run_ffmpeg(&args);
}

/// Where to cut a partial file of `bytes`: the whole file (a writer stopped after its last
/// fragment), exactly before two fragments, and inside the sample data of one (MP4/MOV); the
/// whole file and three points in its second half (Matroska).
fn cut_points(bytes: &[u8], mp4: bool) -> Vec<usize> {
    let len = bytes.len();
    if !mp4 {
        return vec![len, len / 2, len * 3 / 4, len * 9 / 10];
    }
    let boxes = mp4_boxes(bytes);
    let moofs: Vec<usize> = boxes
        .iter()
        .filter(|b| b.0 == "moof")
        .map(|b| b.1)
        .collect();
    assert!(moofs.len() >= 5, "{moofs:?}");
    let mdat = boxes
        .iter()
        .find(|b| b.0 == "mdat" && b.1 > moofs[3])
        .map(|b| (b.1, b.2))
        .unwrap();
    vec![
        len,
        moofs[2],
        moofs[4],
        mdat.0 + mdat.1 / 2,
        mdat.0 + mdat.1 * 9 / 10,
    ]
}

/// After `recover`, the soundtrack never plays past the video's end in MP4 and MOV, and for
/// PCM in Matroska (other codecs there no further than in the partial file), for every audio codec
/// each container holds, whole partial files and cut ones alike: the samples a decoder gives
/// within the duration the file states (heard from time 0: the priming is skipped, or in
/// Matroska heard with the video starting after it) end with the video's last frame or
/// before it, and (where the partial file holds the sound that far) by less than one codec
/// frame before it (PCM: one sample). Matroska's timestamps are milliseconds: there the ends
/// are compared to 1 ms. `recover --json` reports those samples and their rate.
#[test]
fn recover_never_lets_audio_play_past_the_video() {
    use encode_native::AudioEncoder as A;
    let cases: &[(&str, A, &str)] = &[
        ("mp4", A::Aac, "aac"),
        ("mp4", A::Libmp3lame, "libmp3lame"),
        ("mp4", A::Libopus, "libopus"),
        ("mov", A::Aac, "aac"),
        ("mov", A::Libmp3lame, "libmp3lame"),
        ("mov", A::PcmS16le, "pcm_s16le"),
        ("mov", A::PcmS24le, "pcm_s24le"),
        ("mov", A::PcmF32le, "pcm_f32le"),
        ("mkv", A::Aac, "aac"),
        ("mkv", A::Libopus, "libopus"),
        ("mkv", A::Flac, "flac"),
        ("mkv", A::PcmS16le, "pcm_s16le"),
    ];
    let linked = encode_native::info::library_info().audio_encoders;
    let have_x264 = ffmpeg_has("libx264");
    let dir = tempfile::tempdir().unwrap();
    let (mut lines, mut failures) = (Vec::new(), Vec::new());
    for &(ext, codec, name) in cases {
        for source in ["writer", "ffmpeg"] {
            let made = dir.path().join(format!("{source}-{name}.{ext}"));
            if source == "writer" {
                if !require(
                    linked.iter().any(|(e, ok)| *e == codec && *ok),
                    &format!("{name} is not in the linked libavcodec"),
                ) {
                    continue;
                }
                written_with_sound(&made, codec);
            } else {
                if !require(
                    have_x264 && ffmpeg_has(name),
                    &format!("the ffmpeg program has no libx264 or {name} encoder"),
                ) {
                    continue;
                }
                ffmpeg_with_sound(&made, name);
            }
            let bytes = std::fs::read(&made).unwrap();
            let source_packets = probed_packets(&made);
            let source_start = source_packets
                .iter()
                .filter(|p| p.stream == 0)
                .map(|p| p.pts)
                .fold(f64::MAX, f64::min);
            let matroska = ext == "mkv";
            let pcm = name.starts_with("pcm_");
            // How far the source's own sound plays past its video, as this FFmpeg reads it
            // (Matroska: whether the reader skips AAC's priming depends on its version).
            let source_video_end = source_packets
                .iter()
                .filter(|p| p.stream == 0)
                .map(|p| p.pts + p.duration)
                .fold(f64::MIN, f64::max);
            let source_past = (samples_played(&made, 0, decoded_samples(&made)) as f64 / 48_000.0
                - source_video_end)
                .max(0.0);
            for cut in cut_points(&bytes, !matroska) {
                let partial = dir.path().join(format!("c.{ext}.partial"));
                std::fs::write(&partial, &bytes[..cut]).unwrap();
                let target = dir.path().join(format!("c.{ext}"));
                let r = bin()
                    .arg("recover")
                    .arg(&partial)
                    .arg("-o")
                    .arg(&target)
                    .args(["-y", "--json", "-q"])
                    .output()
                    .unwrap();
                let case = format!("{source} {ext} {name} cut at {cut} of {}", bytes.len());
                assert!(
                    r.status.success(),
                    "{case}: {}",
                    String::from_utf8_lossy(&r.stderr)
                );
                let json: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
                let packets = probed_packets(&target);
                let video = packets.iter().filter(|p| p.stream == 0);
                let video_start = video.clone().map(|p| p.pts).fold(f64::MAX, f64::min);
                let video_end = video.map(|p| p.pts + p.duration).fold(f64::MIN, f64::max);
                let frame = packets
                    .iter()
                    .filter(|p| p.stream == 1)
                    .map(|p| p.duration)
                    .fold(0.0, f64::max);
                let rate = 48_000.0;
                let played = samples_played(&target, 0, decoded_samples(&target));
                let audio_end = played as f64 / rate;
                // What the partial file holds of the sound: its audio packets whole in the
                // bytes kept (a Matroska packet's position is its block's, a few bytes
                // before its data), in the recovered file's timeline.
                let margin = if matroska { 32 } else { 0 };
                let held = source_packets
                    .iter()
                    .filter(|p| p.stream == 1)
                    .take_while(|p| p.pos >= 0 && p.pos + p.size + margin <= cut as i64)
                    .map(|p| p.pts + p.duration)
                    .fold(f64::MIN, f64::max)
                    + (video_start - source_start);
                // Matroska states times in milliseconds: there the ends are compared to the
                // nearest one.
                let unit = if matroska { 0.001 } else { 0.0 };
                let slack = if pcm { 1.0 / rate } else { frame } + unit;
                let low = video_end.min(held) - slack;
                let line = format!(
                    "{case}: video ends at {video_end:.6} s, audio at {audio_end:.6} s ({:+.3} ms; \
                     {played} samples, json {})",
                    (audio_end - video_end) * 1000.0,
                    json["audio"][0]["samples"]
                );
                // Other codecs than PCM in Matroska keep their last whole packet: no further
                // past the video than the source's sound plays past it.
                let past = if matroska && !pcm { source_past } else { 0.0 };
                if audio_end > video_end + past + unit + 1e-9 {
                    failures.push(format!("{line}: the audio plays past the video"));
                } else if audio_end < low - 1e-6 {
                    failures.push(format!(
                        "{line}: the audio ends too early (the partial file holds it to {held:.6} s)"
                    ));
                }
                if json["audio"][0]["samples"].as_u64() != Some(played)
                    || json["audio"][0]["sample_rate"].as_u64() != Some(48_000)
                {
                    failures.push(format!("{line}: recover --json says {}", json["audio"]));
                }
                lines.push(line);
            }
        }
    }
    eprintln!("{}", lines.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
