//! Soundtracks: samples pushed from memory and audio read from files, decoded back with
//! FFmpeg's own decoder (the `ffmpeg` tool, an outside check) and compared with what went in.

use std::path::{Path, PathBuf};
use std::process::Command;

use encode_native::{
    AudioEncoder, AudioLength, AudioSamples, Container, EncoderConfig, VideoWriter,
};

/// Runs `ffmpeg` with `args`; its standard output.
fn ffmpeg(args: &[&str]) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin"])
        .args(args)
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The audio of `path` decoded as interleaved samples in `format` (`s16le`, `f32le`,
/// `s32le`).
fn decoded_audio(path: &Path, format: &str) -> Vec<u8> {
    let p = path.to_str().unwrap();
    ffmpeg(&["-i", p, "-map", "0:a:0", "-f", format, "-"])
}

fn decoded_f32(path: &Path, channels: u16) -> Vec<f32> {
    let p = path.to_str().unwrap();
    let ac = channels.to_string();
    let b = ffmpeg(&["-i", p, "-map", "0:a:0", "-ac", &ac, "-f", "f32le", "-"]);
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// ffprobe's JSON for `path`: format, streams and their tags and side data.
fn probe(path: &Path) -> serde_json::Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-of",
            "json",
            "-show_format",
            "-show_streams",
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

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Deterministic noise in `i16`.
fn noise_i16(n: usize, seed: u32) -> Vec<i16> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 16) as i16
        })
        .collect()
}

/// A sine of `freq` Hz at `rate`, amplitude 0.5, `n` samples per channel, interleaved.
fn sine(freq: f64, rate: u32, n: usize, channels: u16) -> Vec<f32> {
    let mut v = Vec::with_capacity(n * usize::from(channels));
    for i in 0..n {
        let s =
            (0.5 * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin()) as f32;
        for _ in 0..channels {
            v.push(s);
        }
    }
    v
}

/// Encodes `frames` grey frames of 64x48 at `fps` with `audio` pushed in chunks whose sizes
/// cycle through `chunks` samples per channel, interleaved with the frames.
fn encode_pushed<T: encode_native::AudioSample>(
    path: &Path,
    config: EncoderConfig,
    frames: u32,
    audio: &[T],
    channels: u16,
    chunks: &[usize],
) -> encode_native::Summary {
    let mut w = VideoWriter::create(path, config).unwrap();
    let frame = vec![128u8; 64 * 48 * 3];
    let per = usize::from(channels);
    let total = audio.len() / per;
    let (mut at, mut k) = (0usize, 0usize);
    for i in 0..frames {
        w.push(encode_native::Frame::new(
            64,
            48,
            encode_native::PixelFormat::Rgb24,
            &frame,
        ))
        .unwrap();
        // A few chunks per frame, whatever their sizes.
        let goal = ((u64::from(i) + 1) * total as u64 / u64::from(frames)) as usize;
        while at < goal {
            let n = chunks[k % chunks.len()].min(total - at);
            k += 1;
            w.push_audio(AudioSamples::interleaved(
                &audio[at * per..(at + n) * per],
                channels,
            ))
            .unwrap();
            at += n;
        }
    }
    if at < total {
        w.push_audio(AudioSamples::interleaved(&audio[at * per..], channels))
            .unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn pcm_and_flac_give_back_the_samples_bit_for_bit() {
    let d = dir();
    let rate = 44_100;
    // 2 s of stereo noise at 25 fps: 50 frames, 88200 samples per channel.
    let samples = noise_i16(88_200 * 2, 7);
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    for (codec, container) in [
        (AudioEncoder::PcmS16le, "mkv"),
        (AudioEncoder::Flac, "mkv"),
        (AudioEncoder::PcmS16le, "mov"),
        (AudioEncoder::PcmS16le, "avi"),
    ] {
        let path = d.path().join(format!("{codec}.{container}"));
        let config = EncoderConfig::new(64, 48, 25)
            .audio_samples(rate, 2)
            .audio_sample_format(encode_native::SampleFormat::I16)
            .audio_codec(codec);
        let summary = encode_pushed(&path, config, 50, &samples, 2, &[1, 1000, 4097, 333]);
        let a = summary.audio.expect("a soundtrack");
        assert_eq!(a.samples, 88_200, "{codec} in {container}");
        let back = decoded_audio(&path, "s16le");
        assert_eq!(
            back.len(),
            bytes.len(),
            "{codec} in {container}: sample count"
        );
        assert!(back == bytes, "{codec} in {container}: samples differ");
        // 16-bit samples are stored as 16 bits (FLAC too, not widened to 24).
        let p = probe(&path);
        assert_eq!(
            p["streams"][1]["sample_fmt"], "s16",
            "{codec} in {container}"
        );
    }
}

#[test]
fn float_pcm_gives_back_f32_samples_exactly_and_planar_input_is_interleaved() {
    let d = dir();
    let rate = 48_000;
    let n = 48_000;
    let left: Vec<f32> = (0..n).map(|i| ((i as f32) * 0.001).sin() * 0.7).collect();
    let right: Vec<f32> = (0..n).map(|i| ((i as f32) * 0.0023).cos() * 0.3).collect();
    let path = d.path().join("f.mkv");
    let config = EncoderConfig::new(64, 48, 30)
        .audio_samples(rate, 2)
        .audio_codec(AudioEncoder::PcmF32le);
    let mut w = VideoWriter::create(&path, config).unwrap();
    let frame = vec![0u8; 64 * 48 * 3];
    // Planar pushes of 1600 samples (one frame's worth at 30 fps).
    for f in 0..30 {
        let (a, b) = (f * 1600, (f + 1) * 1600);
        let mut planar = left[a..b].to_vec();
        planar.extend_from_slice(&right[a..b]);
        w.push_audio(AudioSamples::planar(&planar, 2)).unwrap();
        w.push(encode_native::Frame::new(
            64,
            48,
            encode_native::PixelFormat::Rgb24,
            &frame,
        ))
        .unwrap();
    }
    w.finish().unwrap();
    let back = decoded_f32(&path, 2);
    assert_eq!(back.len(), 2 * n);
    for i in 0..n {
        assert_eq!(back[2 * i].to_bits(), left[i].to_bits(), "left {i}");
        assert_eq!(back[2 * i + 1].to_bits(), right[i].to_bits(), "right {i}");
    }
}

/// The signal-to-noise ratio of `got` against `want` (dB), after finding the best alignment
/// within `search` samples (lossy encoders may not align to the sample otherwise).
fn snr(want: &[f32], got: &[f32]) -> f64 {
    let n = want.len().min(got.len());
    let (mut sig, mut err) = (0.0f64, 0.0f64);
    for i in 0..n {
        sig += f64::from(want[i]).powi(2);
        err += f64::from(want[i] - got[i]).powi(2);
    }
    10.0 * (sig / err.max(1e-20)).log10()
}

#[test]
fn lossy_encoders_keep_the_sample_count_and_the_sine() {
    let d = dir();
    // (encoder, container, rate, SNR floor in dB for a 1 kHz sine at half scale)
    let cases = [
        (AudioEncoder::Aac, "mp4", 48_000, 25.0),
        (AudioEncoder::Aac, "mov", 44_100, 25.0),
        (AudioEncoder::Libopus, "webm", 48_000, 20.0),
        (AudioEncoder::Libopus, "mkv", 48_000, 20.0),
        (AudioEncoder::Libmp3lame, "mp4", 44_100, 20.0),
        (AudioEncoder::Ac3, "mp4", 48_000, 20.0),
        (AudioEncoder::Ac3, "mov", 44_100, 20.0),
        (AudioEncoder::Eac3, "mov", 48_000, 20.0),
        (AudioEncoder::Eac3, "mp4", 32_000, 20.0),
    ];
    for (codec, container, rate, floor) in cases {
        let n = rate as usize * 2 + 777;
        let audio = sine(1000.0, rate, n, 2);
        let path = d.path().join(format!("{codec}.{container}"));
        let config = EncoderConfig::new(64, 48, 30)
            .audio_samples(rate, 2)
            .audio_codec(codec)
            .audio_length(AudioLength::Longest);
        let s = encode_pushed(&path, config, 60, &audio, 2, &[441, 1024, 2000]);
        assert_eq!(
            s.audio.as_ref().unwrap().samples,
            n as u64,
            "{codec} {container}"
        );
        // The file says how many samples it holds: its audio stream lasts exactly that long
        // (MP4/MOV: the edit list; Matroska: the codec delay and discard padding).
        let p = probe(&path);
        let a = &p["streams"][1];
        let secs: f64 = a["duration"]
            .as_str()
            .map(|d| d.parse().unwrap())
            .unwrap_or_else(|| s.audio.as_ref().unwrap().duration.as_secs_f64());
        assert!(
            (secs - n as f64 / f64::from(rate)).abs() < 1e-3,
            "{codec} in {container}: stream duration {secs} s for {n} samples"
        );
        // FFmpeg 5.1's decoder drops the priming everywhere, and the end padding of Opus in
        // Matroska (discard padding) but not elsewhere, where it returns the last whole
        // frame.
        let back = decoded_f32(&path, 2);
        let got = back.len() / 2;
        // Matroska's discard padding, which FFmpeg writes for Opus.
        if codec == AudioEncoder::Libopus {
            assert_eq!(got, n, "{codec} in {container}: decoded sample count");
        } else {
            // Up to the rest of the last frame: 1,152 samples for MP3 (AAC's 1,024 is less),
            // 1,536 for AC-3 and E-AC-3. FFmpeg 8.1's MOV reader trims AC-3 at 44.1 kHz two
            // samples inside the stated end (the file's duration, checked above, is exact).
            let (frame, short) = match codec {
                AudioEncoder::Ac3 | AudioEncoder::Eac3 => (1536, 2),
                _ => (1152, 0),
            };
            assert!(
                got + short >= n && got < n + frame,
                "{codec} in {container}: decoded {got} samples for {n}"
            );
        }
        let db = snr(&audio, &back);
        assert!(
            db > floor,
            "{codec} in {container}: SNR {db:.1} dB, want > {floor}"
        );
    }
}

/// A WAV file of `seconds` of a 440 Hz tone at `rate`, made by FFmpeg's own tools.
fn tone_file(dir: &Path, name: &str, seconds: f64, rate: u32, extra: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let src = format!("sine=frequency=440:sample_rate={rate}:duration={seconds}");
    let mut args = vec!["-f", "lavfi", "-i", &src];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    ffmpeg(&args);
    path
}

#[test]
fn audio_from_files_is_copied_when_the_container_takes_it() {
    let d = dir();
    let wav = tone_file(d.path(), "t.wav", 2.0, 44_100, &[]);
    let mp3 = tone_file(d.path(), "t.mp3", 2.0, 44_100, &["-c:a", "libmp3lame"]);
    let flac = tone_file(d.path(), "t.flac", 2.0, 44_100, &[]);
    let m4a = tone_file(d.path(), "t.m4a", 2.0, 48_000, &["-c:a", "aac"]);
    // The audio of a video file.
    let mp4 = d.path().join("v.mp4");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=10:duration=2",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=300:sample_rate=48000:duration=2",
        "-c:v",
        "libx264",
        "-c:a",
        "aac",
        mp4.to_str().unwrap(),
    ]);
    // (input, output container, copied?, codec stored)
    let cases: [(&Path, &str, bool, &str); 7] = [
        (&wav, "mkv", true, "pcm_s16le"),
        (&wav, "mp4", false, "aac"),
        (&mp3, "mp4", true, "mp3"),
        (&flac, "mkv", true, "flac"),
        (&flac, "webm", false, "opus"),
        (&m4a, "mkv", true, "aac"),
        (&mp4, "mov", true, "aac"),
    ];
    for (i, (input, container, copied, codec)) in cases.into_iter().enumerate() {
        let path = d.path().join(format!("out{i}.{container}"));
        let config = EncoderConfig::new(64, 48, 25).audio_file(input);
        let mut w = VideoWriter::create(&path, config).unwrap();
        super::support::push_smooth(&mut w, 50, (64, 48));
        let s = w.finish().unwrap();
        let a = s.audio.expect("a soundtrack");
        // The summary says whether it was copied; ffprobe says what is stored.
        assert_eq!(
            a.encoder.is_none(),
            copied,
            "{} → {container}",
            input.display()
        );
        let p = probe(&path);
        let streams = p["streams"].as_array().unwrap();
        let audio: Vec<_> = streams
            .iter()
            .filter(|s| s["codec_type"] == "audio")
            .collect();
        assert_eq!(audio.len(), 1, "{} → {container}", input.display());
        assert_eq!(
            audio[0]["codec_name"],
            codec,
            "{} → {container}",
            input.display()
        );
        // About 2 s of sound either way (copies may keep their own priming).
        let secs = decoded_f32(&path, 1).len() as f64
            / audio[0]["sample_rate"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap();
        assert!(
            (secs - 2.0).abs() < 0.06,
            "{} → {container}: {secs} s",
            input.display()
        );
    }
}

#[test]
fn the_length_policy_cuts_pads_or_keeps() {
    let d = dir();
    let long = tone_file(d.path(), "long.wav", 3.0, 48_000, &[]);
    let short = tone_file(d.path(), "short.wav", 1.0, 48_000, &[]);
    // Two seconds of video at 25 fps; the audio is encoded (FLAC) so that it can be cut
    // and padded to the sample.
    let run = |audio: &Path, policy: AudioLength, name: &str| {
        let path = d.path().join(name);
        let config = EncoderConfig::new(64, 48, 25)
            .audio_file(audio)
            .audio_codec(AudioEncoder::Flac)
            .audio_length(policy);
        let mut w = VideoWriter::create(&path, config).unwrap();
        super::support::push_smooth(&mut w, 50, (64, 48));
        let s = w.finish().unwrap();
        let decoded = decoded_audio(&path, "s16le").len() / 2;
        let frames = super::support::ffmpeg_frame_count(&path).unwrap();
        (s, decoded, frames)
    };
    let (s, n, f) = run(&long, AudioLength::Video, "lv.mkv");
    assert_eq!(
        (n, f, s.frames),
        (96_000, 50, 50),
        "video policy, longer audio: cut"
    );
    assert!(s.audio.unwrap().trimmed);
    let (s, n, f) = run(&short, AudioLength::Video, "sv.mkv");
    assert_eq!((n, f), (96_000, 50), "video policy, shorter audio: padded");
    assert_eq!(s.audio.unwrap().padded, 48_000);
    let (_, n, f) = run(&long, AudioLength::Longest, "ll.mkv");
    assert_eq!((n, f), (144_000, 50), "longest keeps all the audio");
    let (_, n, f) = run(&short, AudioLength::Longest, "sl.mkv");
    assert_eq!((n, f), (48_000, 50), "longest keeps all the video");
    let (_, n, f) = run(&long, AudioLength::Shortest, "ls.mkv");
    assert_eq!((n, f), (96_000, 50), "shortest cuts longer audio");
    let (s, n, f) = run(&short, AudioLength::Shortest, "ss.mkv");
    assert_eq!(
        (n, f, s.frames, s.frames_cut),
        (48_000, 25, 25, 25),
        "shortest cuts the video"
    );
}

#[test]
fn pushed_audio_follows_the_video_policy() {
    let d = dir();
    // 1 s of video at 30 fps; 1.5 s of samples, then 0.5 s.
    for (seconds, name) in [(1.5, "long.mkv"), (0.5, "short.mkv")] {
        let n = (48_000.0 * seconds) as usize;
        let audio: Vec<i16> = noise_i16(n, 3);
        let path = d.path().join(name);
        let config = EncoderConfig::new(64, 48, 30)
            .audio_samples(48_000, 1)
            .audio_codec(AudioEncoder::PcmS16le);
        let s = encode_pushed(&path, config, 30, &audio, 1, &[999]);
        let back = decoded_audio(&path, "s16le");
        assert_eq!(
            back.len(),
            48_000 * 2,
            "{name}: one second of audio, as long as the video"
        );
        assert_eq!(s.audio.unwrap().samples, 48_000);
        let kept = n.min(48_000);
        let want: Vec<u8> = audio[..kept].iter().flat_map(|s| s.to_le_bytes()).collect();
        assert!(
            back[..kept * 2] == want[..],
            "{name}: the samples kept are the ones pushed"
        );
        assert!(
            back[kept * 2..].iter().all(|&b| b == 0),
            "{name}: the padding is silence"
        );
    }
}

#[test]
fn impossible_soundtracks_are_refused_before_anything_is_written() {
    let d = dir();
    let cases: Vec<(EncoderConfig, &str, &str)> = vec![
        (
            EncoderConfig::new(64, 48, 30)
                .audio_samples(48_000, 2)
                .audio_codec(AudioEncoder::Aac),
            "a.webm",
            "audio_codec",
        ),
        (
            EncoderConfig::new(64, 48, 30)
                .audio_samples(48_000, 2)
                .audio_codec(AudioEncoder::Libopus),
            "a.avi",
            "audio_codec",
        ),
        (
            EncoderConfig::new(64, 48, 30).audio_samples(48_000, 2),
            "a.gif",
            "holds no audio",
        ),
        (
            EncoderConfig::new(64, 48, 30)
                .audio_samples(48_000, 6)
                .audio_codec(AudioEncoder::Libmp3lame),
            "a.mkv",
            "channels",
        ),
        (
            EncoderConfig::new(64, 48, 30)
                .audio_samples(48_000, 2)
                .audio_codec(AudioEncoder::Flac)
                .audio_bitrate(128_000),
            "a.mkv",
            "lossless",
        ),
        (
            EncoderConfig::new(64, 48, 30)
                .audio_samples(48_000, 2)
                .audio_bitrate(1_000_000),
            "a.mp4",
            "audio_bitrate",
        ),
        (
            EncoderConfig::new(64, 48, 30)
                .audio_samples(48_000, 2)
                .audio_length(AudioLength::Shortest),
            "a.mp4",
            "shortest",
        ),
        (
            EncoderConfig::new(64, 48, 30).audio_file(d.path().join("missing.wav")),
            "a.mp4",
            "missing.wav",
        ),
        (
            EncoderConfig::new(64, 48, 30).metadata("s:a:language", "fra"),
            "a.mp4",
            "soundtrack",
        ),
        (
            EncoderConfig::new(64, 48, 30).metadata("purpose", "x"),
            "a.avi",
            "purpose",
        ),
        (
            EncoderConfig::new(64, 48, 30).metadata("title", "x"),
            "a.gif",
            "title",
        ),
        (
            EncoderConfig::new(64, 48, 30).rotation(90),
            "a.mkv",
            "rotate",
        ),
        (
            EncoderConfig::new(64, 48, 30).rotation(45),
            "a.mp4",
            "rotate",
        ),
        (
            EncoderConfig::new(64, 48, 30).metadata("s:v:language", "french"),
            "a.mkv",
            "language",
        ),
    ];
    for (config, name, needle) in cases {
        let path = d.path().join(name);
        let e = VideoWriter::create(&path, config)
            .err()
            .unwrap_or_else(|| panic!("{name} {needle}: accepted"));
        assert!(e.to_string().contains(needle), "{name}: {e}");
        assert!(!path.exists(), "{name}: a file was written");
        assert!(std::fs::read_dir(d.path()).unwrap().all(|f| !f
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".partial")));
    }
    // Samples that do not fit are refused, and the writer goes on.
    let path = d.path().join("ok.mkv");
    let config = EncoderConfig::new(64, 48, 30)
        .audio_samples(48_000, 2)
        .audio_codec(AudioEncoder::PcmF32le);
    let mut w = VideoWriter::create(&path, config).unwrap();
    let e = w
        .push_audio(AudioSamples::interleaved(&[0.0f32; 3], 1))
        .unwrap_err();
    assert!(e.to_string().contains("1 channel given"), "{e}");
    let e = w
        .push_audio(AudioSamples::interleaved(&[0.0f32, f32::NAN], 2))
        .unwrap_err();
    assert!(e.to_string().contains("NaN"), "{e}");
    let e = w
        .push_audio(AudioSamples::from_bytes(
            &[0u8; 6],
            encode_native::SampleFormat::F32,
            2,
            false,
        ))
        .unwrap_err();
    assert!(e.to_string().contains("not a whole number"), "{e}");
    w.push_audio(AudioSamples::interleaved(&[0.25f32; 3200], 2))
        .unwrap();
    super::support::push_smooth(&mut w, 1, (64, 48));
    let s = w.finish().unwrap();
    assert_eq!(s.audio.unwrap().samples, 1600);
    // A writer without a soundtrack says so.
    let mut w =
        VideoWriter::create(d.path().join("silent.mkv"), EncoderConfig::new(64, 48, 30)).unwrap();
    let e = w
        .push_audio(AudioSamples::interleaved(&[0.0f32; 2], 2))
        .unwrap_err();
    assert!(e.to_string().contains("no soundtrack"), "{e}");
    w.discard().unwrap();
    let _ = Container::Mp4;
}

#[test]
fn tags_and_rotation_read_back_with_ffprobe() {
    let d = dir();
    for container in ["mp4", "mov", "mkv", "webm"] {
        let path = d.path().join(format!("t.{container}"));
        let mut config = EncoderConfig::new(64, 48, 30)
            .audio_samples(48_000, 1)
            .metadata("title", "A title")
            .metadata("artist", "Someone")
            .metadata("comment", "made in memory")
            .metadata("s:a:language", "fra")
            .metadata("s:v:language", "eng");
        if container.starts_with("mp") || container == "mov" {
            config = config.rotation(90).metadata("purpose", "custom key");
        }
        let audio = sine(1000.0, 48_000, 48_000, 1);
        encode_pushed(&path, config, 30, &audio, 1, &[4800]);
        let p = probe(&path);
        let tags = &p["format"]["tags"];
        let get = |k: &str| {
            tags.as_object()
                .unwrap()
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.as_str().unwrap().to_string())
        };
        assert_eq!(
            get("title").as_deref(),
            Some("A title"),
            "{container}: {tags}"
        );
        assert_eq!(get("artist").as_deref(), Some("Someone"), "{container}");
        assert_eq!(
            get("comment").as_deref(),
            Some("made in memory"),
            "{container}"
        );
        assert!(
            get("encoder")
                .unwrap_or_default()
                .starts_with("encode-native "),
            "{container}: {tags}"
        );
        let streams = p["streams"].as_array().unwrap();
        let (v, a) = (&streams[0], &streams[1]);
        assert_eq!(a["tags"]["language"], "fra", "{container}: {a}");
        assert_eq!(v["tags"]["language"], "eng", "{container}: {v}");
        if container.starts_with("mp") || container == "mov" {
            assert_eq!(
                get("purpose").as_deref(),
                Some("custom key"),
                "{container}: {tags}"
            );
            let rotation = v["side_data_list"]
                .as_array()
                .and_then(|l| l.iter().find_map(|s| s["rotation"].as_i64()));
            // The track matrix turns the picture clockwise ({0, 1, -1, 0}: what phones write
            // for portrait video); ffprobe reports that angle as -90.
            let matrix = v["side_data_list"][0]["displaymatrix"]
                .as_str()
                .unwrap_or_default();
            let first_row: Vec<i64> = matrix
                .lines()
                .find(|l| l.starts_with("00000000:"))
                .map(|l| {
                    l[9..]
                        .split_whitespace()
                        .map(|x| x.parse().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(first_row, [0, 65536, 0], "{container}: {matrix}");
            assert_eq!(rotation, Some(-90), "{container}: {v}");
        }
    }
}

/// Where the clicks are: the sample index of each first sample above half scale after at
/// least `gap` quiet samples.
fn click_positions(samples: &[i16], gap: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut last: Option<usize> = None;
    for (i, &s) in samples.iter().enumerate() {
        if s.unsigned_abs() > 16_000 {
            if last.is_none_or(|l| i - l > gap) {
                out.push(i);
            }
            last = Some(i);
        }
    }
    out
}

/// Encodes `minutes` of video at `fps` with a white frame at every whole second (the
/// first frame at or after it) and a click in the soundtrack (pushed in odd-sized chunks) at
/// the same instant; returns the worst distance between a decoded click and the
/// presentation time of its white frame, in seconds.
fn sync_error(
    path: &Path,
    codec: AudioEncoder,
    fps: encode_native::FrameRate,
    minutes: u32,
) -> f64 {
    let rate = 48_000u32;
    let seconds = 60 * minutes;
    let frames = (u64::from(seconds) * (fps.num as u64) / (fps.den as u64)) as u32;
    let config = EncoderConfig::new(32, 32, fps)
        .preset("ultrafast")
        .audio_samples(rate, 1)
        .audio_sample_format(encode_native::SampleFormat::I16)
        .audio_codec(codec);
    let mut w = VideoWriter::create(path, config).unwrap();
    let black = vec![0u8; 32 * 32 * 3];
    let white = vec![255u8; 32 * 32 * 3];
    // Frame i starts at i·den/num s; the click of second s is at the start of the first
    // frame at or after s, to the sample.
    let start = |i: u64| i * (fps.den as u64) * u64::from(rate) / (fps.num as u64);
    let first_at = |s: u64| (s * (fps.num as u64)).div_ceil(fps.den as u64);
    let total = start(u64::from(frames)) as usize;
    let mut audio = vec![0i16; total];
    let mut flashes = std::collections::HashSet::new();
    for s in 0..u64::from(seconds) {
        let i = first_at(s);
        flashes.insert(i);
        let at = start(i) as usize;
        for k in 0..8 {
            if at + k < total {
                audio[at + k] = 30_000;
            }
        }
    }
    let sizes = [1usize, 997, 4801, 13, 2222];
    let (mut at, mut k) = (0usize, 0usize);
    for i in 0..u64::from(frames) {
        let f = if flashes.contains(&i) { &white } else { &black };
        w.push(encode_native::Frame::new(
            32,
            32,
            encode_native::PixelFormat::Rgb24,
            f,
        ))
        .unwrap();
        let goal = start(i + 1) as usize;
        while at < goal {
            let n = sizes[k % sizes.len()].min(goal - at);
            k += 1;
            w.push_audio(AudioSamples::interleaved(&audio[at..at + n], 1))
                .unwrap();
            at += n;
        }
    }
    w.finish().unwrap();
    // The decoded audio's clicks…
    let raw = decoded_audio(path, "s16le");
    let back: Vec<i16> = raw
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    let clicks = click_positions(&back, 1000);
    assert_eq!(clicks.len(), seconds as usize, "{codec}: clicks");
    // …and the decoded video's white frames, by their presentation times.
    let p = path.to_str().unwrap();
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "frame=pts_time:frame_tags=lavfi.signalstats.YAVG",
            "-of",
            "csv=p=0",
            "-f",
            "lavfi",
        ])
        .arg(format!("movie={p},signalstats"))
        .output()
        .unwrap();
    let times: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            // `pts_time,YAVG`; newer ffprobe ends some lines with an empty field.
            let mut fields = l.trim().split(',');
            let (t, y) = (fields.next()?, fields.next()?);
            (y.parse::<f64>().ok()? > 128.0).then(|| t.parse().ok())?
        })
        .collect();
    assert_eq!(times.len(), clicks.len(), "{codec}: white frames");
    let mut worst = 0.0f64;
    for (c, t) in clicks.iter().zip(&times) {
        worst = worst.max((*c as f64 / f64::from(rate) - t).abs());
    }
    eprintln!(
        "{codec} at {fps} fps over {minutes} min: worst audio/video offset {:.3} ms",
        worst * 1000.0
    );
    worst
}

#[test]
fn clicks_and_flashes_stay_in_sync_over_ten_minutes() {
    let d = dir();
    // PCM in Matroska (millisecond timestamps): within 1 ms over ten minutes.
    let worst = sync_error(
        &d.path().join("sync.mkv"),
        AudioEncoder::PcmS16le,
        encode_native::FrameRate::new(30, 1),
        10,
    );
    assert!(worst < 0.001, "PCM: worst audio/video offset {worst} s");
}

#[test]
fn aac_clicks_stay_within_one_frame_of_their_flashes_at_29_97() {
    let d = dir();
    // AAC in MP4 at 29.97 fps: within one AAC frame (1024 samples, 21.3 ms).
    let worst = sync_error(
        &d.path().join("sync.mp4"),
        AudioEncoder::Aac,
        encode_native::FrameRate::new(30000, 1001),
        2,
    );
    assert!(
        worst < 1024.0 / 48_000.0,
        "AAC: worst audio/video offset {worst} s"
    );
}

const AUDIO_CHILD: &str = "ENCODE_NATIVE_AUDIO_CRASH_CHILD";

/// Run by `killed_encodes_with_sound_recover_both_tracks` in a child process: frames and
/// pushed AAC audio into a crash-safe MP4 until killed.
#[test]
#[ignore = "a child process: `killed_encodes_with_sound_recover_both_tracks` runs it (with --ignored --exact)"]
fn audio_crash_child() {
    let path = std::env::var(AUDIO_CHILD)
        .unwrap_or_else(|_| panic!("audio_crash_child is run by killed_encodes_with_sound_recover_both_tracks, which sets {AUDIO_CHILD}"));
    let config = EncoderConfig::new(64, 48, 30)
        .preset("ultrafast")
        .audio_samples(48_000, 2);
    let mut w = VideoWriter::create(&path, config).unwrap();
    let tone = sine(1000.0, 48_000, 1600, 2);
    for i in 0..1_000_000u32 {
        w.push(encode_native::Frame::from_vec(
            64,
            48,
            encode_native::PixelFormat::Rgb24,
            super::support::smooth_rgb(64, 48, i),
        ))
        .unwrap();
        w.push_audio(AudioSamples::interleaved(&tone, 2)).unwrap();
        if i % 8 == 0 {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        println!("pushed {} written {}", i + 1, w.frames_written());
    }
}

#[test]
fn killed_encodes_with_sound_recover_both_tracks() {
    use std::io::BufRead;
    let d = dir();
    for (run, kill_at) in [(0, 70u64), (1, 200)] {
        let out = d.path().join(format!("k{run}.mp4"));
        let mut child = super::support::ChildGuard::new(
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "audio::audio_crash_child",
                    "--ignored",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(AUDIO_CHILD, &out)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut written = 0u64;
        while written < kill_at {
            let line = lines.next().expect("the child stopped early").unwrap();
            let mut parts = line.split_whitespace();
            if parts.next() == Some("pushed") {
                written = parts.nth(2).unwrap().parse().unwrap();
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!out.exists(), "the target exists only once finished");
        let partial = encode_native::partial_path(&out);
        let on_disk = super::support::decode_file_structure(&partial).frames.len() as u64;
        let done = encode_native::recover(&partial, None).unwrap();
        assert_eq!(done.audio_streams, 1, "run {run}: the soundtrack survives");
        assert_eq!(
            done.frames, on_disk,
            "run {run}: every complete frame on the disk is kept"
        );
        let p = probe(&out);
        let streams = p["streams"].as_array().unwrap();
        assert_eq!(streams.len(), 2, "run {run}");
        assert_eq!(streams[1]["codec_name"], "aac");
        let video_s = done.frames as f64 / 30.0;
        let audio_s = decoded_f32(&out, 2).len() as f64 / 2.0 / 48_000.0;
        // Both tracks up to the last complete fragment, ending together (the audio within
        // one fragment of the video, never after it by more than one AAC frame). The muxer
        // holds video until the audio (on its own thread, at most 16 requests behind) has
        // caught up, so what is on the disk trails what was written by a fragment (15
        // frames) and that much.
        assert!(
            done.frames + 15 + 16 >= written,
            "run {run}: {} of {written} frames",
            done.frames
        );
        assert!(
            audio_s <= video_s + 0.03 && audio_s >= video_s - 0.55,
            "run {run}: audio {audio_s:.3} s, video {video_s:.3} s"
        );
    }
}

#[test]
fn resampled_samples_are_all_kept() {
    let d = dir();
    // 44.1 kHz pushed into Opus, which takes 48 kHz: one second stays one second, none of it
    // lost in the resampler's delay (nor replaced by silence).
    let audio = sine(1000.0, 44_100, 44_100, 2);
    let path = d.path().join("r.webm");
    let config = EncoderConfig::new(64, 48, 30).audio_samples(44_100, 2);
    let s = encode_pushed(&path, config, 30, &audio, 2, &[441, 1000]);
    let a = s.audio.unwrap();
    assert_eq!((a.sample_rate, a.padded), (48_000, 0));
    assert!(a.samples.abs_diff(48_000) <= 1, "{} samples", a.samples);
    let back = decoded_f32(&path, 2);
    assert_eq!(back.len() as u64 / 2, a.samples);
    // The last 10 ms are the tone, not silence.
    let tail = &back[back.len() - 960..];
    assert!(tail.iter().any(|v| v.abs() > 0.3), "the end is silent");
}

#[test]
fn with_explicit_timestamps_the_soundtrack_starts_with_the_first_frame() {
    let d = dir();
    for container in ["mkv", "mp4"] {
        let path = d.path().join(format!("e.{container}"));
        // Frames at 500, 540, ... ms (the first at 0.5 s), one second of them; one second of
        // PCM with a click at its very start and one at 0.48 s, where the 13th frame is.
        let config = EncoderConfig::new(32, 32, 25)
            .explicit_timestamps(encode_native::FrameRate::new(1, 1000))
            .audio_samples(48_000, 1)
            .audio_sample_format(encode_native::SampleFormat::I16)
            .audio_codec(if container == "mkv" {
                AudioEncoder::PcmS16le
            } else {
                AudioEncoder::Aac
            });
        let mut w = VideoWriter::create(&path, config).unwrap();
        let mut audio = vec![0i16; 48_000];
        for k in 0..8 {
            audio[k] = 30_000;
            audio[23_040 + k] = 30_000;
        }
        let black = vec![0u8; 32 * 32 * 3];
        let white = vec![255u8; 32 * 32 * 3];
        for i in 0..25i64 {
            let f = if i == 0 || i == 12 { &white } else { &black };
            let pts = 500 + i * 40;
            w.push_at(
                encode_native::Frame::new(32, 32, encode_native::PixelFormat::Rgb24, f),
                pts,
            )
            .unwrap();
            let (a, b) = (i as usize * 1920, (i as usize + 1) * 1920);
            w.push_audio(AudioSamples::interleaved(&audio[a..b], 1))
                .unwrap();
        }
        let s = w.finish().unwrap();
        assert_eq!(s.audio.unwrap().samples, 48_000, "{container}");
        let p = probe(&path);
        let start = |i: usize| {
            p["streams"][i]["start_time"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap()
        };
        // The tracks start together: the soundtrack's first sample where the first frame is.
        // (A video that starts later than 0 in MP4 gets no edit list to skip AAC's priming:
        // its 1024 samples play just before.)
        let (v0, a0) = (start(0), start(1));
        let priming = if container == "mp4" {
            1024.0 / 48_000.0
        } else {
            0.0
        };
        assert!(
            (a0 + priming - v0).abs() < 0.001,
            "{container}: video starts at {v0} s, audio at {a0} s"
        );
        // The click at 0.48 s of the soundtrack decodes where the white frame at 0.48 s of the
        // video (its 13th frame) is shown, relative to each track's start.
        let raw = decoded_audio(&path, "s16le");
        let back: Vec<i16> = raw
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        let clicks = click_positions(&back, 1000);
        assert_eq!(clicks.len(), 2, "{container}: clicks");
        let gap = (clicks[1] - clicks[0]) as f64 / 48_000.0;
        assert!(
            (gap - 0.48).abs() < 0.001,
            "{container}: clicks {gap} s apart"
        );
    }
}

/// The samples (mono) the first audio stream of `path` plays (see `support::samples_played`).
fn played(path: &Path) -> u64 {
    crate::support::samples_played(path, 0, (decoded_audio(path, "s16le").len() / 2) as u64)
}

/// Joined segments give back exactly the samples of the segments, for every audio codec of
/// the table in a container that takes it: lossy ones (re-encoded across the joins) by
/// count, PCM and FLAC bit for bit.
#[test]
fn concat_gives_exactly_the_samples_of_the_segments_for_every_audio_codec() {
    let d = dir();
    let cases = [
        (AudioEncoder::Aac, "mp4"),
        (AudioEncoder::Libmp3lame, "mp4"),
        (AudioEncoder::Libopus, "mkv"),
        (AudioEncoder::Flac, "mkv"),
        (AudioEncoder::PcmS16le, "mkv"),
    ];
    for (codec, ext) in cases {
        if !encode_native::info::library_info()
            .audio_encoders
            .iter()
            .any(|(e, ok)| *e == codec && *ok)
        {
            continue;
        }
        // Seven one-frame segments of 1,600 samples each (one frame at 30 fps), and one
        // longer one, of noise that differs from segment to segment.
        let sizes = [1600usize, 1600, 1600, 4800, 1600, 1600, 1600, 1600];
        let mut parts = Vec::new();
        let mut pushed: Vec<i16> = Vec::new();
        let mut each = 0u64;
        for (k, &n) in sizes.iter().enumerate() {
            let p = d.path().join(format!("{codec}-{k}.{ext}"));
            let audio = noise_i16(n, k as u32 + 1);
            let config = EncoderConfig::new(64, 48, 30)
                .preset("ultrafast")
                .audio_samples(48_000, 1)
                .audio_sample_format(encode_native::SampleFormat::I16)
                .audio_codec(codec);
            encode_pushed(&p, config, (n / 1600) as u32, &audio, 1, &[n]);
            each += played(&p);
            pushed.extend_from_slice(&audio);
            parts.push(p);
        }
        let out = d.path().join(format!("joined-{codec}.{ext}"));
        encode_native::concat(&parts, &out).unwrap();
        let back = decoded_audio(&out, "s16le");
        assert_eq!(
            played(&out),
            each,
            "{codec} in {ext}: samples of the joined file against the segments'"
        );
        if matches!(codec, AudioEncoder::Flac | AudioEncoder::PcmS16le) {
            let got: Vec<i16> = back
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            assert!(got == pushed, "{codec} in {ext}: not bit for bit");
        }
    }
}

/// Float samples far past full scale (integer-scale sound in a float array) are refused with
/// advice, not clipped into a square wave; a little past full scale is clipped as encoders
/// clip it. The writer goes on.
#[test]
fn integer_scale_float_samples_are_refused_with_advice() {
    let d = dir();
    let config = EncoderConfig::new(64, 48, 30)
        .preset("ultrafast")
        .audio_samples(48_000, 1);
    let mut w = VideoWriter::create(d.path().join("scale.mkv"), config).unwrap();
    w.push(encode_native::Frame::new(
        64,
        48,
        encode_native::PixelFormat::Rgb24,
        &[0u8; 64 * 48 * 3],
    ))
    .unwrap();
    let loud: Vec<f32> = sine(440.0, 48_000, 1600, 1)
        .iter()
        .map(|v| v * 32767.0)
        .collect();
    let e = w
        .push_audio(AudioSamples::interleaved(&loud, 1))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("integer-scale sound") && e.contains("32768"),
        "{e}"
    );
    let hot: Vec<f32> = sine(440.0, 48_000, 1600, 1)
        .iter()
        .map(|v| v * 1.2)
        .collect();
    w.push_audio(AudioSamples::interleaved(&hot, 1)).unwrap();
    let s = w.finish().unwrap();
    assert_eq!(s.audio.unwrap().samples, 1600);
}

/// Pushes `frames` grey frames.
fn push_frames(w: &mut VideoWriter, frames: u32) {
    let frame = vec![128u8; 64 * 48 * 3];
    for _ in 0..frames {
        w.push(encode_native::Frame::new(
            64,
            48,
            encode_native::PixelFormat::Rgb24,
            &frame,
        ))
        .unwrap();
    }
}

#[test]
fn samples_held_ahead_of_the_video_are_bounded_and_cut_at_its_end() {
    let d = dir();
    let rate = 8_000u32;
    let ten_minutes: Vec<i16> = noise_i16(rate as usize * 600, 11);
    let config = |settings: &[(&str, &str)]| -> encode_native::Result<EncoderConfig> {
        let mut c = EncoderConfig::new(64, 48, 30)
            .audio_samples(rate, 1)
            .audio_codec(AudioEncoder::PcmS16le);
        for (k, v) in settings {
            c.set(k, v)?;
        }
        Ok(c)
    };

    // The default bound (30 s past the frames pushed): before any frame, 31 s is refused
    // whole and the writer goes on; 29 s is taken; one second of video then cuts it.
    let path = d.path().join("bounded.mkv");
    let mut w = VideoWriter::create(&path, config(&[]).unwrap()).unwrap();
    assert_eq!(w.audio_room(), Some(u64::from(rate) * 30));
    let err = w
        .push_audio(AudioSamples::interleaved(
            &ten_minutes[..rate as usize * 31],
            1,
        ))
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, encode_native::Error::Audio { chunk: 0, .. })
            && text.contains("audio_ahead = 30")
            && text.contains("31.000 s"),
        "{text}"
    );
    w.push_audio(AudioSamples::interleaved(
        &ten_minutes[..rate as usize * 29],
        1,
    ))
    .unwrap();
    push_frames(&mut w, 30);
    assert_eq!(w.audio_room(), Some(u64::from(rate) * 2));
    // After a second of video, one 10-minute push is still beyond the bound.
    assert!(w
        .push_audio(AudioSamples::interleaved(&ten_minutes, 1))
        .is_err());
    let s = w.finish().unwrap();
    let back = decoded_audio(&path, "s16le");
    assert_eq!(
        back.len(),
        rate as usize * 2,
        "one second of samples, as the video"
    );
    assert_eq!(s.audio.unwrap().samples, u64::from(rate));
    let want: Vec<u8> = ten_minutes[..rate as usize]
        .iter()
        .flat_map(|s| s.to_le_bytes())
        .collect();
    assert!(back == want, "the first second, as pushed");

    // With a bound that allows it, one second of video and one 10-minute push give one
    // second of sound (the policy `video` cuts it, however it was pushed).
    let path = d.path().join("one-push.mkv");
    let mut w = VideoWriter::create(&path, config(&[("audio_ahead", "700")]).unwrap()).unwrap();
    push_frames(&mut w, 30);
    w.push_audio(AudioSamples::interleaved(&ten_minutes, 1))
        .unwrap();
    let s = w.finish().unwrap();
    assert_eq!(decoded_audio(&path, "s16le").len(), rate as usize * 2);
    assert!(s.audio.unwrap().trimmed);

    // `longest` holds nothing back: no bound, all ten minutes kept.
    let path = d.path().join("longest.mkv");
    let mut w =
        VideoWriter::create(&path, config(&[("audio_length", "longest")]).unwrap()).unwrap();
    assert_eq!(w.audio_room(), None);
    push_frames(&mut w, 30);
    w.push_audio(AudioSamples::interleaved(&ten_minutes, 1))
        .unwrap();
    let s = w.finish().unwrap();
    assert_eq!(s.audio.unwrap().samples, u64::from(rate) * 600);
    let back = decoded_audio(&path, "s16le");
    assert_eq!(back.len(), rate as usize * 600 * 2);
    let want: Vec<u8> = ten_minutes.iter().flat_map(|s| s.to_le_bytes()).collect();
    assert!(back == want, "every sample, in order, across the pieces");

    // The setting is checked.
    assert!(config(&[("audio_ahead", "0")]).is_err());
    assert!(config(&[("audio_ahead", "-1")]).is_err());
}

#[test]
fn shortest_against_a_soundtrack_with_no_samples_is_an_error_for_every_destination() {
    use encode_native::{Destination, Frame, MemoryBuffer, PixelFormat, WriterOptions};
    let d = dir();
    // A WAV file whose data chunk is empty: a valid soundtrack of no samples (48 kHz, mono,
    // 16-bit).
    let empty = d.path().join("empty.wav");
    let mut wav = b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0".to_vec();
    wav.extend_from_slice(&48_000u32.to_le_bytes());
    wav.extend_from_slice(&96_000u32.to_le_bytes());
    wav.extend_from_slice(b"\x02\0\x10\0data\0\0\0\0");
    std::fs::write(&empty, wav).unwrap();
    let mut config = EncoderConfig::new(32, 32, 10)
        .audio_file(&empty)
        .audio_length(AudioLength::Shortest);
    config.container = Some(Container::Mkv);
    let buffer = MemoryBuffer::new();
    let mut w = VideoWriter::open_with(
        config,
        Destination::Memory(buffer.clone()),
        WriterOptions::default(),
    )
    .unwrap();
    let frame = vec![90u8; 32 * 32 * 3];
    for _ in 0..4 {
        w.push(Frame::new(32, 32, PixelFormat::Rgb24, &frame))
            .unwrap();
    }
    let e = w
        .finish()
        .expect_err("four frames cut to none is not a success");
    let text = e.to_string();
    assert!(
        text.contains("no frame was kept")
            && text.contains("4 frames")
            && text.contains("shortest"),
        "{text}"
    );
}
