//! The command line's soundtrack and tag options (`--audio`, `--audio-codec`,
//! `--audio-bitrate`, `--metadata`, `--rotate`) and `info`'s audio encoders, run as a real
//! process; every file it writes is looked at with FFmpeg's own tools (`ffprobe`, `ffmpeg`).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::*;

/// What a run of the binary produced.
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.stdout)
            )
        })
    }

    fn assert_ok(&self) {
        assert_eq!(self.code, 0, "exit status; stderr: {}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
    }

    /// A failure (status 1) whose one `error:` line holds every `parts`.
    fn assert_error(&self, parts: &[&str]) {
        assert_eq!(self.code, 1, "exit status; stderr: {}", self.stderr);
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(errors.len(), 1, "{}", self.stderr);
        for p in parts {
            assert!(self.stderr.contains(p), "'{p}' not in: {}", self.stderr);
        }
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
    }
}

fn run(args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    let mut child = ChildGuard::new(
        Command::new(env!("CARGO_BIN_EXE_encode-native"))
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start encode-native"),
    );
    let writer = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
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

/// Runs the `ffmpeg` tool; its standard output.
fn ffmpeg(args: &[&str]) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin"])
        .args(args)
        .output()
        .expect("the ffmpeg tool runs");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// ffprobe's JSON for `path`: its format and streams, with their tags.
fn probe(path: &Path) -> Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-of",
            "json",
            "-show_format",
            "-show_streams",
            "-show_programs",
            "-count_frames",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The stream of `kind` ("video", "audio") in ffprobe's JSON.
fn stream<'a>(p: &'a Value, kind: &str) -> &'a Value {
    p["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["codec_type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} stream: {p}"))
}

/// The file's tag `key`, whatever its case (Matroska capitalises keys it does not know).
fn tag(p: &Value, key: &str) -> Option<String> {
    p["format"]["tags"]
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str().map(str::to_string))
}

/// Seconds of audio FFmpeg decodes from `path` (as 16-bit samples of `channels`, `rate`).
fn decoded_seconds(path: &Path, rate: u32, channels: u32) -> f64 {
    let pcm = ffmpeg(&["-i", s(path), "-map", "0:a:0", "-f", "s16le", "-"]);
    pcm.len() as f64 / 2.0 / f64::from(channels) / f64::from(rate)
}

/// A two-second 48 kHz stereo tone as a 16-bit WAV, made by the ffmpeg tool.
fn tone(dir: &Path) -> std::path::PathBuf {
    let wav = dir.join("tone.wav");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=2",
        "-ac",
        "2",
        "-c:a",
        "pcm_s16le",
        s(&wav),
    ]);
    wav
}

const DEMO: &[&str] = &[
    "demo",
    "--frames",
    "30",
    "--size",
    "96x64",
    "--preset",
    "ultrafast",
];

fn demo<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    DEMO.iter().chain(extra).copied().collect()
}

#[test]
fn demo_with_a_soundtrack_file_and_a_title() {
    let dir = tempfile::tempdir().unwrap();
    let wav = tone(dir.path());
    let out = dir.path().join("demo.mkv");
    let r = run(
        &demo(&[
            "--audio",
            s(&wav),
            "--metadata",
            "title=Demo",
            "--metadata",
            "s:a:language=eng",
            "--json",
            "-o",
            s(&out),
        ]),
        None,
    );
    r.assert_ok();
    // The report names the soundtrack: a WAV's PCM goes into Matroska as it is.
    let j = r.json();
    let a = &j["audio"];
    assert_eq!(a["codec"], "pcm_s16le", "{j}");
    assert_eq!(a["copied"], true, "{j}");
    assert_eq!(a["encoder"], Value::Null, "{j}");
    assert_eq!(
        (a["sample_rate"].as_u64(), a["channels"].as_u64()),
        (Some(48000), Some(2))
    );
    assert_eq!(
        a["trimmed"], true,
        "two seconds of audio for one of video: {j}"
    );
    assert_eq!(j["frames_cut"], 0);
    assert!(
        r.stderr.contains("audio pcm_s16le 48000 Hz stereo")
            && r.stderr.contains("copied, cut at the video's end"),
        "{}",
        r.stderr
    );

    let p = probe(&out);
    let (v, au) = (stream(&p, "video"), stream(&p, "audio"));
    assert_eq!(p["streams"].as_array().unwrap().len(), 2, "{p}");
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(v["nb_read_frames"], "30");
    assert_eq!(au["codec_name"], "pcm_s16le");
    assert_eq!(au["sample_rate"], "48000");
    assert_eq!(au["channels"], 2);
    assert_eq!(au["tags"]["language"], "eng", "{au}");
    assert_eq!(p["format"]["tags"]["title"], "Demo", "{p}");
    // The durations: the video's 30 frames at 30 fps, the audio as long as reported (cut at
    // the video's end, to the packet), and the file as long as the longer of the two.
    let audio_s = decoded_seconds(&out, 48000, 2);
    let reported = a["duration_s"].as_f64().unwrap();
    assert!((audio_s - reported).abs() < 1e-3, "{audio_s} vs {reported}");
    assert!((1.0..1.1).contains(&audio_s), "{audio_s}");
    assert_eq!(j["duration_s"], 1.0);
    let file_s: f64 = p["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!(
        (file_s - audio_s.max(1.0)).abs() < 0.01,
        "{file_s} {audio_s}"
    );
}

#[test]
fn an_encoded_soundtrack_is_cut_to_the_sample_and_tagged() {
    let dir = tempfile::tempdir().unwrap();
    let wav = tone(dir.path());
    let out = dir.path().join("flac.mkv");
    let r = run(
        &demo(&[
            "--audio",
            s(&wav),
            "--audio-codec",
            "flac",
            "--metadata",
            "title=Flac",
            "--metadata",
            "comment=two tags",
            "--json",
            "-o",
            s(&out),
        ]),
        None,
    );
    r.assert_ok();
    let a = &r.json()["audio"];
    assert_eq!(a["codec"], "flac");
    assert_eq!(a["copied"], false);
    assert_eq!(a["samples"], 48000, "{a}");
    assert_eq!(a["duration_s"], 1.0);
    let p = probe(&out);
    assert_eq!(stream(&p, "audio")["codec_name"], "flac");
    assert_eq!(p["format"]["tags"]["title"], "Flac");
    // Matroska stores its keys in capitals.
    assert_eq!(tag(&p, "comment").as_deref(), Some("two tags"), "{p}");
    assert_eq!(decoded_seconds(&out, 48000, 2), 1.0);
    // Lossless: the first second of the tone comes back exactly.
    let want = ffmpeg(&["-i", s(&wav), "-t", "1", "-f", "s16le", "-"]);
    let got = ffmpeg(&["-i", s(&out), "-map", "0:a:0", "-f", "s16le", "-"]);
    assert!(got == want, "{} vs {} bytes", got.len(), want.len());
}

#[test]
fn webm_gets_opus_and_a_bitrate_in_its_range() {
    let dir = tempfile::tempdir().unwrap();
    let wav = tone(dir.path());
    let out = dir.path().join("opus.webm");
    let r = run(
        &[
            "demo",
            "--frames",
            "30",
            "--size",
            "96x64",
            "--codec",
            "libvpx-vp9",
            "--preset",
            "8",
            "--audio",
            s(&wav),
            "--audio-bitrate",
            "64k",
            "--json",
            "-o",
            s(&out),
        ],
        None,
    );
    r.assert_ok();
    let a = &r.json()["audio"];
    assert_eq!(
        (a["codec"].as_str(), a["encoder"].as_str()),
        (Some("opus"), Some("libopus"))
    );
    assert!(r.stderr.contains("encoded by libopus"), "{}", r.stderr);
    let p = probe(&out);
    assert_eq!(stream(&p, "audio")["codec_name"], "opus");
    assert_eq!(stream(&p, "video")["codec_name"], "vp9");
    let seconds = decoded_seconds(&out, 48000, 2);
    assert!((seconds - 1.0).abs() < 0.03, "{seconds}");

    // A bitrate Opus does not take for two channels: refused, nothing written.
    let high = dir.path().join("high.webm");
    let r = run(
        &[
            "demo",
            "--frames",
            "3",
            "--size",
            "96x64",
            "--codec",
            "libvpx-vp9",
            "--audio",
            s(&wav),
            "--audio-bitrate",
            "2M",
            "-o",
            s(&high),
        ],
        None,
    );
    r.assert_error(&["invalid --audio-bitrate", "libopus with 2 channels"]);
    assert!(!high.exists());
}

#[test]
fn the_soundtrack_from_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let wav = std::fs::read(tone(dir.path())).unwrap();
    let out = dir.path().join("stdin.mkv");
    let r = run(&demo(&["--audio", "-", "--json", "-o", s(&out)]), Some(wav));
    r.assert_ok();
    assert_eq!(r.json()["audio"]["codec"], "pcm_s16le");
    assert!(decoded_seconds(&out, 48000, 2) >= 1.0);

    // With raw frames on standard input too: refused before anything is written.
    let raw = dir.path().join("raw.mkv");
    let r = run(
        &[
            "raw",
            "-i",
            "-",
            "--size",
            "16x16",
            "--in-pix-fmt",
            "gray",
            "--fps",
            "10",
            "--audio",
            "-",
            "-o",
            s(&raw),
        ],
        Some(vec![0u8; 256 * 3]),
    );
    r.assert_error(&["--audio -", "standard input", "raw frames"]);
    assert!(!raw.exists() && !dir.path().join("raw.mkv.partial").exists());
    // As for images from standard input.
    let r = run(
        &["images", "-", "--audio", "-", "-o", s(&raw)],
        Some(vec![0u8; 16]),
    );
    r.assert_error(&["--audio -", "standard input", "images"]);
    assert!(!raw.exists());
}

#[test]
fn impossible_soundtracks_and_tags_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let wav = tone(dir.path());
    let avi = dir.path().join("opus.avi");
    let r = run(
        &demo(&[
            "--audio",
            s(&wav),
            "--audio-codec",
            "libopus",
            "-o",
            s(&avi),
        ]),
        None,
    );
    r.assert_error(&["libopus", "avi", "libmp3lame"]);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "tone.wav")
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // A missing audio file is named.
    let out = dir.path().join("missing.mkv");
    let r = run(&demo(&["--audio", "no-such.wav", "-o", s(&out)]), None);
    r.assert_error(&["no-such.wav"]);
    assert!(!out.exists());
    // Rotation is stored only by MP4 and MOV.
    let r = run(&demo(&["--rotate", "90", "-o", s(&out)]), None);
    r.assert_error(&["rotate", "mp4 and mov"]);
    assert!(!out.exists());

    // Values that are wrong on their own are usage errors (status 2) that say what is allowed.
    for (bad, says) in [
        (&["--metadata", "no-equals-sign"][..], "KEY=VALUE"),
        (&["--rotate", "45"], "90"),
        (&["--audio-codec", "vorbis"], "libopus"),
        (&["--audio-bitrate", "lots"], "bitrate"),
        (
            &["--sample-rate", "fast"],
            "'--sample-rate <HZ>': 1000 to 768000",
        ),
    ] {
        let mut a = demo(bad);
        a.extend(["-o", s(&out)]);
        let r = run(&a, None);
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{bad:?}: {}", r.stderr);
        assert!(!out.exists());
    }
}

/// `--rotate` stores a display matrix in MP4 and MOV.
#[test]
fn rotation_in_mp4() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.mp4");
    run(
        &demo(&[
            "--rotate",
            "90",
            "--metadata",
            "title=Turned",
            "-o",
            s(&out),
        ]),
        None,
    )
    .assert_ok();
    let p = probe(&out);
    let rotation = stream(&p, "video")["side_data_list"]
        .as_array()
        .and_then(|l| l.iter().find_map(|s| s["rotation"].as_i64()));
    assert_eq!(rotation, Some(-90), "{p}");
    assert_eq!(p["format"]["tags"]["title"], "Turned");
}

#[test]
fn a_silent_video_reports_no_audio() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("silent.mkv");
    let r = run(&demo(&["--json", "-o", s(&out)]), None);
    r.assert_ok();
    assert_eq!(r.json()["audio"], Value::Null);
    assert!(!r.stderr.contains("audio"), "{}", r.stderr);
}

#[test]
fn info_lists_the_audio_encoders() {
    let r = run(&["info", "--json"], None);
    r.assert_ok();
    let j = r.json();
    let audio = j["audio_encoders"].as_object().expect("audio_encoders");
    let names: Vec<&str> = audio.keys().map(String::as_str).collect();
    for name in [
        "aac",
        "libopus",
        "flac",
        "pcm_s16le",
        "pcm_s24le",
        "pcm_f32le",
        "libmp3lame",
        "ac3",
        "eac3",
    ] {
        let e = &audio
            .get(name)
            .unwrap_or_else(|| panic!("{name} not in {names:?}"));
        for field in [
            "codec",
            "sample_rates",
            "max_sample_rate",
            "max_channels",
            "bitrate_per_channel",
            "lossless",
            "containers",
            "available",
        ] {
            assert!(e.get(field).is_some(), "{name}: no {field}: {e}");
        }
        // Debian's FFmpeg has all nine.
        assert_eq!(e["available"], true, "{name}");
    }
    assert_eq!(audio.len(), 9, "{names:?}");
    assert_eq!(audio["ac3"]["max_bitrate"], 640000);
    assert_eq!(audio["ac3"]["max_channels"], 6);
    assert_eq!(audio["libopus"]["codec"], "opus");
    assert_eq!(audio["libmp3lame"]["codec"], "mp3");
    assert_eq!(audio["flac"]["lossless"], true);
    assert_eq!(audio["aac"]["lossless"], false);
    assert_eq!(audio["aac"]["bitrate_per_channel"]["max"], 288000);
    assert_eq!(audio["pcm_s16le"]["bitrate_per_channel"], Value::Null);
    assert_eq!(audio["libmp3lame"]["max_channels"], 2);
    assert!(audio["aac"]["sample_rates"]
        .as_array()
        .unwrap()
        .contains(&Value::from(48000)));
    let webm = Value::from("webm");
    assert!(audio["libopus"]["containers"]
        .as_array()
        .unwrap()
        .contains(&webm));
    assert!(!audio["aac"]["containers"]
        .as_array()
        .unwrap()
        .contains(&webm));

    let r = run(&["info"], None);
    r.assert_ok();
    let text = String::from_utf8_lossy(&r.stdout);
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "audio encoders:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(block.len(), 9, "{text}");
    assert!(
        block
            .iter()
            .any(|l| l.starts_with("  ac3 ") && l.contains("at most 640 kb/s")),
        "{text}"
    );
    assert!(
        block[0].starts_with("  aac ") && block[0].ends_with(": yes"),
        "{text}"
    );
    assert!(
        block
            .iter()
            .any(|l| l.contains("flac") && l.contains("lossless")),
        "{text}"
    );
}

/// Runs the command line like `run`, but a run that has not ended within `seconds` is killed
/// and fails the test as a hang.
fn run_within(args: &[&str], seconds: u64) -> Run {
    let child = Command::new(env!("CARGO_BIN_EXE_encode-native"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start encode-native");
    let out = wait_at_most(child, std::time::Duration::from_secs(seconds));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A soundtrack file cut short, wherever: never a hang. Cut after what the video needs, it is
/// no error (only what is needed is read); cut inside a packet before that, the packet is
/// concealed with silence and counted (`audio_damage=conceal`, the default), or the run stops
/// with one clear error (`audio_damage=error`), naming the audio once; the sound stays as
/// long as the video.
#[test]
fn a_cut_soundtrack_never_hangs_and_damage_is_concealed_or_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(tone(dir.path())).unwrap();
    // Where the samples start: after the `data` chunk's header.
    let data = whole.windows(4).position(|w| w == b"data").unwrap() + 8;
    // 30 frames at 30 fps need the first second: 192,000 bytes of samples.
    // Cut in the middle of a sample inside the first second: one damaged packet; past the
    // packets the video needs (FFmpeg reads PCM in packets of 4,096 bytes): none; in the
    // packet that holds the first second's end (200,001): concealed, counted or not.
    for (cut, damaged) in [
        (data + 957, Some(1)),
        (data + 100_001, Some(1)),
        (data + 150_003, Some(1)),
        (data + 192_000, Some(0)),
        (data + 200_001, None),
        (data + 250_001, Some(0)),
        (whole.len() - 3, Some(0)),
    ] {
        let wav = dir.path().join(format!("cut{cut}.wav"));
        std::fs::write(&wav, &whole[..cut]).unwrap();
        let out = dir.path().join(format!("cut{cut}.mp4"));
        let r = run_within(&demo(&["--audio", s(&wav), "--json", "-o", s(&out)]), 30);
        r.assert_ok();
        let audio = &r.json()["audio"];
        assert_eq!(audio["samples"], 48_000, "cut at {cut}: {audio}");
        if let Some(n) = damaged {
            assert_eq!(audio["damaged_packets"], n, "cut at {cut}: {audio}");
        }
        let inside = damaged == Some(1);
        assert_eq!(strict_frame_count(&out), Ok(30));
        assert!(
            (decoded_seconds(&out, 48_000, 2) - 1.0).abs() < 0.03,
            "cut at {cut}"
        );
        if inside {
            let strict = dir.path().join(format!("strict{cut}.mp4"));
            let r = run_within(
                &demo(&[
                    "--audio",
                    s(&wav),
                    "--audio-damage",
                    "error",
                    "-o",
                    s(&strict),
                ]),
                30,
            );
            r.assert_error(&["the audio", "does not decode"]);
            assert_eq!(
                r.stderr.matches("does not decode").count(),
                1,
                "{}",
                r.stderr
            );
            assert!(!strict.exists());
        }
    }
}

/// A soundtrack file of more than 8 channels (a layout FFmpeg cannot name, so cannot mix
/// down) is refused before anything is written, naming the limit.
#[test]
fn more_than_eight_channels_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (rate, channels, n) = (48_000u32, 9u16, 4800usize);
    let mut data = Vec::with_capacity(n * usize::from(channels) * 2);
    for i in 0..n {
        let v =
            ((i as f64 * 440.0 * std::f64::consts::TAU / f64::from(rate)).sin() * 8000.0) as i16;
        for _ in 0..channels {
            data.extend_from_slice(&v.to_le_bytes());
        }
    }
    let mut wav = b"RIFF".to_vec();
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&channels.to_le_bytes());
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * u32::from(channels) * 2).to_le_bytes());
    wav.extend_from_slice(&(channels * 2).to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    let path = dir.path().join("ch9.wav");
    std::fs::write(&path, wav).unwrap();
    let out = dir.path().join("ch9.mp4");
    let r = run_within(&demo(&["--audio", s(&path), "-o", s(&out)]), 30);
    r.assert_error(&["9 channels", "at most 8"]);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

/// A run that keeps none of the frames pushed (every frame after the end of an empty
/// soundtrack, or of one skipped past its end, with `shortest`) is an error: no file is made, an existing one is
/// left as it was, and nothing of the run is left behind.
#[test]
fn a_run_that_keeps_no_frame_replaces_nothing_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let mut empty = b"RIFF".to_vec();
    empty.extend_from_slice(&36u32.to_le_bytes());
    empty.extend_from_slice(b"WAVEfmt ");
    for v in [
        16u32.to_le_bytes().to_vec(),
        1u16.to_le_bytes().to_vec(),
        2u16.to_le_bytes().to_vec(),
    ] {
        empty.extend_from_slice(&v);
    }
    empty.extend_from_slice(&48_000u32.to_le_bytes());
    empty.extend_from_slice(&192_000u32.to_le_bytes());
    empty.extend_from_slice(&4u16.to_le_bytes());
    empty.extend_from_slice(&16u16.to_le_bytes());
    empty.extend_from_slice(b"data");
    empty.extend_from_slice(&0u32.to_le_bytes());
    let empty_wav = dir.path().join("empty.wav");
    std::fs::write(&empty_wav, empty).unwrap();
    let tone = tone(dir.path());
    let precious = dir.path().join("precious.mp4");
    for audio in [
        vec!["--audio", s(&empty_wav)],
        vec!["--audio", s(&tone), "--audio-offset", "-5"],
    ] {
        std::fs::write(&precious, b"precious").unwrap();
        let mut args = audio.clone();
        args.extend(["--audio-length", "shortest", "-y", "-o", s(&precious)]);
        let r = run_within(&demo(&args), 30);
        r.assert_error(&["no frame was kept", "left as it was"]);
        assert_eq!(std::fs::read(&precious).unwrap(), b"precious", "{audio:?}");
        let left = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(left, 3, "{audio:?}: something of the run was left behind");
        let fresh = dir.path().join("fresh.mp4");
        let mut args = audio.clone();
        args.extend(["--audio-length", "shortest", "-o", s(&fresh)]);
        run_within(&demo(&args), 30).assert_error(&["no frame was kept", "was not made"]);
        assert!(!fresh.exists());
    }
}

/// Every tag of the key table in every container: either refused when the writer opens,
/// naming the key, or read back by ffprobe under its own key with its value (file tags, the
/// MPEG-TS service's, and video and audio stream tags).
#[test]
fn every_tag_in_every_container_is_read_back_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file_keys = [
        "title",
        "artist",
        "album",
        "album_artist",
        "comment",
        "genre",
        "copyright",
        "date",
        "description",
        "composer",
        "track",
        "encoder",
        "language",
        "service_name",
        "service_provider",
        "mykey",
    ];
    let stream_keys = ["language", "title", "handler_name"];
    let value = |k: &str| match k {
        "language" => "fra".to_string(),
        "track" => "3/12".to_string(),
        _ => format!("v-{k}"),
    };
    let (mut stored, mut refused) = (0, 0);
    for ext in [
        "mp4", "mov", "mkv", "webm", "avi", "ts", "gif", "apng", "webp",
    ] {
        let mut cases: Vec<String> = file_keys.iter().map(|k| k.to_string()).collect();
        for scope in ["s:v:", "s:a:"] {
            cases.extend(stream_keys.iter().map(|k| format!("{scope}{k}")));
        }
        for key in cases {
            let bare = key.rsplit(':').next().unwrap().to_string();
            let tag = format!("{key}={}", value(&bare));
            let out = dir.path().join(format!("t.{ext}"));
            let _ = std::fs::remove_file(&out);
            let mut args = vec![
                "demo",
                "--frames",
                "2",
                "--size",
                "32x24",
                "--metadata",
                &tag,
            ];
            let sound = ext != "gif" && ext != "apng" && ext != "webp";
            if sound {
                args.extend(["--sample-rate", "48000"]);
            }
            args.extend(["-o", s(&out)]);
            let r = run_within(&args, 30);
            if r.code != 0 {
                r.assert_error(&[&key]);
                assert!(!out.exists(), "{ext} {key}: refused, but a file was made");
                refused += 1;
                continue;
            }
            stored += 1;
            let p = probe(&out);
            let tags = if let Some(scope) = key.strip_prefix("s:") {
                let kind = if scope.starts_with('v') {
                    "video"
                } else {
                    "audio"
                };
                stream(&p, kind)["tags"].clone()
            } else if ext == "ts" {
                p["programs"][0]["tags"].clone()
            } else {
                p["format"]["tags"].clone()
            };
            let got = tags.as_object().and_then(|t| {
                t.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&bare))
                    .map(|(_, v)| v.as_str().unwrap_or_default().to_string())
            });
            assert_eq!(
                got.as_deref(),
                Some(value(&bare).as_str()),
                "{ext}: --metadata {tag} was accepted but ffprobe reads {tags}"
            );
        }
    }
    assert!(
        stored > 50 && refused > 50,
        "{stored} stored, {refused} refused"
    );
    // A value a container would drop is refused too.
    let out = dir.path().join("track.mp4");
    run_within(&demo(&["--metadata", "track=first", "-o", s(&out)]), 30)
        .assert_error(&["track=first", "3/12"]);
}

/// Starts the command line with `args`, its output piped.
fn start(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_encode-native"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start encode-native")
}

/// A soundtrack from a FIFO that has no writer, or whose writer stalls, is waited for with a
/// notice after a second, and the first SIGTERM (or Ctrl-C) ends the run: exit 130 within
/// seconds; with no frame written nothing is made, an existing file is never replaced, and
/// frames already encoded are kept with their sound up to the stall, then silence.
#[test]
fn an_audio_fifo_without_a_writer_or_that_stalls_ends_at_the_first_signal() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("a.fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let out = dir.path().join("out.mp4");

    // No writer at all.
    for signal in ["-TERM", "-INT"] {
        let child = start(&[
            "demo",
            "--size",
            "64x48",
            "--frames",
            "30",
            "--audio",
            s(&fifo),
            "-o",
            s(&out),
        ]);
        std::thread::sleep(std::time::Duration::from_millis(1500));
        assert!(kill(child.id(), signal));
        let done = wait_at_most(child, std::time::Duration::from_secs(10));
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(130), "{signal}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "waiting for a program to write to '{}'",
                fifo.display()
            )),
            "{stderr}"
        );
        assert!(!out.exists(), "nothing made");
        assert!(
            !dir.path().join("out.mp4.partial").exists(),
            "no partial left"
        );
    }

    // A writer that gives 3.6 s of a 10 s soundtrack, then stalls; the video asks for 10 s.
    let wav = dir.path().join("ten.wav");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=10",
        "-ac",
        "2",
        "-c:a",
        "pcm_s16le",
        s(&wav),
    ]);
    let bytes = std::fs::read(&wav).unwrap();
    let precious = dir.path().join("precious.mp4");
    for (target, replace) in [(&out, false), (&precious, true)] {
        if replace {
            std::fs::write(target, b"not ours").unwrap();
        }
        let writer = {
            let (fifo, bytes) = (fifo.clone(), bytes.clone());
            std::thread::spawn(move || {
                let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
                f.write_all(&bytes[..700_000]).unwrap();
                // Held open, silent, until the run has ended.
                std::thread::sleep(std::time::Duration::from_secs(12));
            })
        };
        let mut args = vec![
            "demo",
            "--size",
            "64x48",
            "--frames",
            "300",
            "--audio",
            s(&fifo),
            "-o",
            s(target),
        ];
        if replace {
            args.push("-y");
        }
        let child = start(&args);
        std::thread::sleep(std::time::Duration::from_secs(4));
        assert!(kill(child.id(), "-TERM"));
        let done = wait_at_most(child, std::time::Duration::from_secs(10));
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(130), "{stderr}");
        assert!(
            !stderr.contains("damaged"),
            "a stop is not damage: {stderr}"
        );
        let kept = if replace {
            assert_eq!(
                std::fs::read(target).unwrap(),
                b"not ours",
                "never replaced"
            );
            dir.path().join("precious.mp4.partial")
        } else {
            target.clone()
        };
        let p = probe(&kept);
        let video = stream(&p, "video");
        let audio = stream(&p, "audio");
        let frames: u64 = video["nb_read_frames"].as_str().unwrap().parse().unwrap();
        assert!(
            (30..300).contains(&frames),
            "{frames} frames kept: {stderr}"
        );
        let vd: f64 = video["duration"].as_str().unwrap().parse().unwrap();
        let ad: f64 = audio["duration"].as_str().unwrap().parse().unwrap();
        assert!((vd - ad).abs() < 0.025, "audio {ad} s for video {vd} s");
        writer.join().unwrap();
    }
}
