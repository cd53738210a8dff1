//! Remuxing keeps the sound and the metadata: `recover` (of whole and cut partial files) and
//! `concat` copy every audio stream with the video, in sync, with as many samples as the
//! input's (`recover`: up to the video's end, never past it), and keep the file's and the
//! streams' metadata (title, custom keys, language, rotation). Inputs are made, and results
//! checked, with the `ffmpeg` and `ffprobe` programs.

use std::path::{Path, PathBuf};
use std::process::Command;

use encode_native::{concat, recover};
use serde_json::Value;

use crate::support::*;

/// Whether the `ffmpeg` program has the encoders these tests use; skips otherwise.
fn tools(encoders: &[&str]) -> bool {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-encoders"])
        .output();
    let Ok(out) = out else {
        return require(false, "the ffmpeg program is not installed");
    };
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    encoders.iter().all(|e| {
        require(
            list.lines()
                .any(|l| l.split_whitespace().nth(1) == Some(*e)),
            &format!("the ffmpeg program has no {e} encoder"),
        )
    })
}

/// Runs `ffmpeg -v error -y <args>`; panics with its message when it fails.
fn ffmpeg(args: &[&str]) {
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

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// ffprobe's streams and format of `path`, with packet counts.
fn probe(path: &Path) -> Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-count_packets",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The codec types and names of a probe's streams, in order.
fn stream_kinds(p: &Value) -> Vec<(String, String)> {
    p["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["codec_type"].as_str().unwrap().to_string(),
                s["codec_name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The rotation of stream `i`'s display matrix, if it has one.
fn rotation(p: &Value, i: usize) -> Option<f64> {
    p["streams"][i]["side_data_list"]
        .as_array()?
        .iter()
        .find_map(|d| d["rotation"].as_f64())
}

/// The samples (per channel) a decoder gives back from audio stream `n` of `path`, with
/// every error fatal.
fn audio_samples(path: &Path, n: usize) -> u64 {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-xerror", "-i"])
        .arg(path)
        .args(["-map", &format!("0:a:{n}"), "-ac", "1", "-f", "s16le", "-"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && err.trim().is_empty(),
        "{}: {err}",
        path.display()
    );
    out.stdout.len() as u64 / 2
}

/// Where the last packet of stream `i` ends, in seconds (its presentation time plus
/// duration, the latest of all its packets).
fn stream_end(path: &Path, i: usize) -> f64 {
    packet_times(path, i)
        .iter()
        .map(|(t, d)| t + d)
        .fold(f64::MIN, f64::max)
}

/// When stream `i` of `path` starts: its earliest packet time, as ffprobe reads it.
fn stream_start(path: &Path, i: usize) -> f64 {
    packet_times(path, i)
        .iter()
        .map(|(t, _)| *t)
        .fold(f64::MAX, f64::min)
}

/// A 3-second MP4 with H.264 video and AAC audio, a title, a comment and a custom key, the
/// audio in French, then copied into a fragmented `.mp4.partial` (0.5 s fragments) with the
/// video rotated by 90 degrees: a display matrix, which FFmpeg 5.1 makes from a `rotate` tag
/// when it copies and later versions from `-display_rotation` (they ignore the tag).
fn mp4_partial(dir: &Path) -> PathBuf {
    let src = dir.join("src.mp4");
    ffmpeg(&[
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
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        s(&src),
    ]);
    let partial = dir.join("x.mp4.partial");
    let help = Command::new("ffmpeg")
        .args(["-hide_banner", "-h", "full"])
        .output()
        .unwrap();
    let display_rotation = String::from_utf8_lossy(&help.stdout).contains("-display_rotation");
    let (rotate_input, rotate_tag): (&[&str], &[&str]) = if display_rotation {
        (&["-display_rotation", "90"], &[])
    } else {
        (&[], &["-metadata:s:v:0", "rotate=90"])
    };
    let mut args: Vec<&str> = rotate_input.to_vec();
    args.extend([
        "-i",
        s(&src),
        "-map",
        "0",
        "-c",
        "copy",
        "-metadata",
        "title=T",
        "-metadata",
        "comment=C",
        "-metadata",
        "mykey=kept",
        "-metadata:s:a:0",
        "language=fra",
    ]);
    args.extend(rotate_tag);
    args.extend([
        "-movflags",
        "+frag_keyframe+empty_moov+default_base_moof+use_metadata_tags",
        "-frag_duration",
        "500000",
        "-f",
        "mp4",
        s(&partial),
    ]);
    ffmpeg(&args);
    partial
}

#[test]
fn recover_keeps_audio_metadata_and_rotation() {
    if !tools(&["libx264", "aac"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let partial = mp4_partial(dir.path());
    let before = probe(&partial);
    assert_eq!(rotation(&before, 0), Some(90.0), "the input is not rotated");
    let samples = audio_samples(&partial, 0);
    let kept = dir.path().join("copy.mp4.partial");
    std::fs::copy(&partial, &kept).unwrap();
    let target = dir.path().join("x.mp4");
    let done = recover(&partial, Some(&target)).unwrap();
    assert_eq!(done.frames, 75);
    assert_eq!(done.audio_streams, 1);
    let a = &done.audio[0];
    assert_eq!(
        (a.index, a.codec.as_str(), a.sample_rate, a.channels),
        (1, "aac", 48000, 1)
    );
    // Every sample of the source up to the video's end is in the packets (from the encoder's
    // priming on): the span of the partial file's audio packets, as ffprobe reads them, cut
    // where its video ends. (Its last packet's duration says where the sound ends; the ffmpeg
    // program of 8.1 and later writes it shortened to the end of the sound, earlier ones
    // whole, past the video.)
    let want = stream_end(&kept, 1).min(stream_end(&kept, 0)) - stream_start(&kept, 1);
    assert!(
        (a.duration.as_secs_f64() - want).abs() < 0.001,
        "{:?} vs {want}",
        a.duration
    );
    let p = probe(&target);
    assert_eq!(
        stream_kinds(&p),
        [
            ("video".into(), "h264".into()),
            ("audio".into(), "aac".into())
        ]
    );
    let tags = &p["format"]["tags"];
    assert_eq!(tags["title"], "T", "{tags}");
    assert_eq!(tags["comment"], "C", "{tags}");
    assert_eq!(tags["mykey"], "kept", "{tags}");
    assert_eq!(p["streams"][1]["tags"]["language"], "fra");
    assert_eq!(rotation(&p, 0), Some(90.0), "{}", p["streams"][0]);
    // Every sample the partial's packets hold up to the video's end is played (the packet
    // that runs past it ends there, by the edit list), none after it, and `recover` counts
    // them. The video's end is known to a tick of its time base (1/12800 s here: 3.75
    // samples), and the audio's start to the same tick where the muxer moved the video to
    // make room for the priming (FFmpeg 9.0): within 4 samples before the end.
    let played = samples_played(&target, 0, audio_samples(&target, 0));
    let v = stream_end(&target, 0);
    let want = (samples as f64).min((v * 48000.0 + 1e-6).floor());
    assert!(
        played as f64 <= want && played as f64 >= want - 4.0,
        "{played} played, want {want} (to 4 samples before): the partial holds {samples}, the video ends at {v}"
    );
    assert_eq!(a.samples, Some(played));
    assert_eq!(strict_frame_count(&target), Ok(75));
    // In sync: the audio's packets end with the video's, or before it by less than one tick
    // of the video's time base (see above).
    let au = stream_end(&target, 1);
    assert!(au <= v + 1e-6 && au >= v - 4.0 / 48000.0, "{au} vs {v}");
}

#[test]
fn recover_of_a_cut_partial_keeps_both_tracks_aligned() {
    if !tools(&["libx264", "aac"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let partial = mp4_partial(dir.path());
    let whole = std::fs::read(&partial).unwrap();
    let full_samples = audio_samples(&partial, 0);
    let moofs: Vec<usize> = mp4_boxes(&whole)
        .into_iter()
        .filter(|b| b.0 == "moof")
        .map(|b| b.1)
        .collect();
    assert!(moofs.len() >= 4, "{moofs:?}");
    // Inside fragments (their sample data, their header) and exactly before one.
    let cuts = [
        whole.len() * 2 / 5,
        whole.len() * 3 / 5,
        whole.len() * 7 / 8,
        moofs[2] + 20,
        moofs[3],
    ];
    let mut frames_seen = vec![];
    for (i, &cut) in cuts.iter().enumerate() {
        let cut_file = dir.path().join(format!("cut{i}.mp4.partial"));
        std::fs::write(&cut_file, &whole[..cut]).unwrap();
        let target = dir.path().join(format!("cut{i}.mp4"));
        let done = recover(&cut_file, Some(&target)).unwrap();
        assert!(
            done.frames > 0 && done.frames < 75,
            "cut {cut}: {}",
            done.frames
        );
        assert_eq!(done.audio_streams, 1, "cut {cut}");
        assert_eq!(strict_frame_count(&target), Ok(done.frames), "cut {cut}");
        let p = probe(&target);
        assert_eq!(stream_kinds(&p).len(), 2, "cut {cut}");
        assert_eq!(p["format"]["tags"]["title"], "T", "cut {cut}");
        let (v, a) = (stream_end(&target, 0), stream_end(&target, 1));
        let samples = audio_samples(&target, 0);
        let played = samples_played(&target, 0, samples);
        // The audio ends with the video or before it, never after, and not much before (a
        // fragment is half a second).
        assert!(a <= v + 1e-6, "cut {cut}: audio ends at {a}, video at {v}");
        assert!(
            played as f64 <= v * 48000.0 + 1e-6,
            "cut {cut}: {played} samples played, the video ends at {v}"
        );
        assert!(a > v - 0.5, "cut {cut}: audio ends at {a}, video at {v}");
        if cut == moofs[3] {
            // Cut between fragments: the file is whole as it is (it cannot be told from a
            // finished one): all of its audio is kept, up to the video's end, sample-exactly.
            let held = audio_samples(&cut_file_copy(&whole, cut, dir.path()), 0);
            assert_eq!(
                played as f64,
                (held as f64).min((v * 48000.0 + 1e-6).floor()),
                "cut {cut}: the partial holds {held} samples, the video ends at {v}"
            );
        }
        assert!(
            samples > 0 && samples < full_samples,
            "cut {cut}: {samples}"
        );
        assert_eq!(done.audio[0].samples, Some(played), "cut {cut}");
        frames_seen.push(done.frames);
    }
    // Later cuts keep more.
    assert!(
        frames_seen[0] < frames_seen[1] && frames_seen[1] < frames_seen[2],
        "{frames_seen:?}"
    );
}

/// The first `cut` bytes of `whole` in a file of their own.
fn cut_file_copy(whole: &[u8], cut: usize, dir: &Path) -> PathBuf {
    let p = dir.join(format!("prefix{cut}.mp4"));
    std::fs::write(&p, &whole[..cut]).unwrap();
    p
}

/// A 3-second Matroska file: H.264, then Opus (English) and FLAC (German) audio.
fn mkv_two_audio(path: &Path) {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=1000:sample_rate=48000",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=500:sample_rate=44100",
        "-map",
        "0",
        "-map",
        "1",
        "-map",
        "2",
        "-t",
        "3",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a:0",
        "libopus",
        "-c:a:1",
        "flac",
        "-metadata",
        "title=Two",
        "-metadata:s:a:0",
        "language=eng",
        "-metadata:s:a:1",
        "language=ger",
        "-f",
        "matroska",
        s(path),
    ]);
}

#[test]
fn matroska_keeps_opus_and_flac_with_their_samples() {
    if !tools(&["libx264", "libopus", "flac"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("m.mkv.partial");
    mkv_two_audio(&partial);
    let want = [audio_samples(&partial, 0), audio_samples(&partial, 1)];
    let kept = dir.path().join("copy.mkv.partial");
    std::fs::copy(&partial, &kept).unwrap();
    let target = dir.path().join("m.mkv");
    let done = recover(&partial, Some(&target)).unwrap();
    assert_eq!(done.frames, 75);
    assert_eq!(done.audio_streams, 2);
    let codecs: Vec<_> = done
        .audio
        .iter()
        .map(|a| (a.index, a.codec.as_str(), a.sample_rate))
        .collect();
    assert_eq!(codecs, [(1, "opus", 48000), (2, "flac", 44100)]);
    let p = probe(&target);
    assert_eq!(
        stream_kinds(&p),
        [
            ("video".into(), "h264".into()),
            ("audio".into(), "opus".into()),
            ("audio".into(), "flac".into())
        ]
    );
    assert_eq!(p["format"]["tags"]["title"], "Two");
    assert_eq!(p["streams"][1]["tags"]["language"], "eng");
    assert_eq!(p["streams"][2]["tags"]["language"], "ger");
    // Opus's pre-skip and its last packet's trimming survive: the same samples come out.
    assert_eq!([audio_samples(&target, 0), audio_samples(&target, 1)], want);
    for i in 1..3 {
        let (v, a) = (stream_end(&target, 0), stream_end(&target, i));
        let (v0, a0) = (stream_end(&kept, 0), stream_end(&kept, i));
        assert!(
            ((a - v) - (a0 - v0)).abs() < 0.002,
            "stream {i}: {a} - {v} vs {a0} - {v0}"
        );
    }
    // Cut in the middle: both audio streams stop with the video or before it.
    let bytes = std::fs::read(&kept).unwrap();
    let cut = dir.path().join("cut.mkv.partial");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let target = dir.path().join("cut.mkv");
    let done = recover(&cut, Some(&target)).unwrap();
    assert!(done.frames > 10 && done.frames < 75, "{}", done.frames);
    assert_eq!(strict_frame_count(&target), Ok(done.frames));
    let v = stream_end(&target, 0);
    for i in 1..3 {
        let a = stream_end(&target, i);
        assert!(
            a <= v + 1e-3 && a > v - 0.5,
            "stream {i}: audio ends at {a}, video at {v}"
        );
        assert!(audio_samples(&target, i - 1) < want[i - 1]);
    }
}

/// A 1-second MP4 segment: H.264 from frame `first` of the test picture, AAC at `rate` Hz
/// with `channels`, titled `title`.
fn mp4_segment(path: &Path, first: u32, rate: u32, channels: u32, title: &str) {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        &format!("testsrc=size=64x48:rate=25,trim=start_frame={first},setpts=PTS-STARTPTS"),
        "-f",
        "lavfi",
        "-i",
        &format!("sine=frequency=1000:sample_rate={rate}"),
        "-t",
        "1",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-c:a",
        "aac",
        "-ac",
        &channels.to_string(),
        "-metadata",
        &format!("title={title}"),
        "-metadata",
        "mykey=first",
        "-metadata:s:a:0",
        "language=fra",
        "-movflags",
        "+use_metadata_tags",
        s(path),
    ]);
}

#[test]
fn concat_joins_the_audio_of_every_segment_in_sync() {
    if !tools(&["libx264", "aac"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let parts: Vec<PathBuf> = (0..3)
        .map(|k| {
            let p = dir.path().join(format!("seg{k}.mp4"));
            mp4_segment(&p, k * 25, 48000, 1, if k == 0 { "First" } else { "Other" });
            p
        })
        .collect();
    let per_segment: Vec<u64> = parts.iter().map(|p| audio_samples(p, 0)).collect();
    // One segment alone: exactly its own samples (its AAC priming is kept by an edit list).
    let one = dir.path().join("one.mp4");
    let done = concat(&parts[..1], &one).unwrap();
    assert_eq!(done.audio_streams, 1);
    assert_eq!(audio_samples(&one, 0), per_segment[0]);
    let p = probe(&one);
    assert_eq!(p["format"]["tags"]["mykey"], "first", "{}", p["format"]);
    // All three.
    let out = dir.path().join("joined.mp4");
    let done = concat(&parts, &out).unwrap();
    assert_eq!(done.frames, 75);
    assert_eq!(done.audio_streams, 1);
    assert_eq!(done.audio[0].codec, "aac");
    let p = probe(&out);
    assert_eq!(
        stream_kinds(&p),
        [
            ("video".into(), "h264".into()),
            ("audio".into(), "aac".into())
        ]
    );
    assert_eq!(p["format"]["tags"]["title"], "First");
    assert_eq!(p["streams"][1]["tags"]["language"], "fra");
    assert_eq!(strict_frame_count(&out), Ok(75));
    // The joined soundtrack decodes to exactly the samples of the segments, one after the
    // other: each segment's priming and padding are gone, the join's own priming trimmed.
    let total: u64 = per_segment.iter().sum();
    let joined = audio_samples(&out, 0);
    assert_eq!(joined, total, "samples decoded from the joined file");
    let (v, a) = (stream_end(&out, 0), stream_end(&out, 1));
    assert!((v - 3.0).abs() < 1e-3, "video ends at {v}");
    assert!((a - v).abs() < 0.05, "audio ends at {a}, video at {v}");
}

#[test]
fn concat_refuses_segments_whose_audio_differs() {
    if !tools(&["libx264", "aac"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("a.mp4");
    mp4_segment(&first, 0, 48000, 1, "A");
    let rate = dir.path().join("rate.mp4");
    mp4_segment(&rate, 25, 44100, 1, "B");
    let stereo = dir.path().join("stereo.mp4");
    mp4_segment(&stereo, 25, 48000, 2, "B");
    let silent = dir.path().join("silent.mp4");
    ffmpeg(&["-i", s(&first), "-map", "0:v", "-c", "copy", s(&silent)]);
    for (other, text) in [
        (
            &rate,
            "audio stream 1's sample rate is 44100 Hz, the first segment's 48000 Hz",
        ),
        (
            &stereo,
            "audio stream 1's channel count is 2, the first segment's 1",
        ),
        (&silent, "it has 0 audio streams, the first segment 1"),
    ] {
        let out = dir.path().join("out.mp4");
        let err = concat(&[&first, other], &out).unwrap_err().to_string();
        assert!(err.contains("segment 2"), "{err}");
        assert!(err.contains(text), "{err}");
        assert!(!out.exists());
    }
}
