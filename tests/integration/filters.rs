//! The `filter` setting against ffmpeg's command line: the same frames through the same graph,
//! stored losslessly by both, decode to the same pictures at the same times.

use std::path::Path;
use std::process::Command;

use encode_native::{Encoder, EncoderConfig, Frame, PixelFormat, VideoWriter};

use crate::support::smooth_rgb;

const W: u32 = 96;
const H: u32 = 64;
const N: u32 = 20;

/// The frames both sides encode: smooth gradients moving from frame to frame.
fn frames() -> Vec<Vec<u8>> {
    (0..N).map(|i| smooth_rgb(W, H, i)).collect()
}

/// A video as ffmpeg decodes it: its pictures as RGB24, their presentation times, its size.
type Decoded = (Vec<Vec<u8>>, Vec<String>, (u32, u32));

/// Every decoded picture of `path` as RGB24, with its presentation time, by ffmpeg.
fn decoded(path: &Path) -> Decoded {
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=width,height:frame=pts_time",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    let text = String::from_utf8_lossy(&probe.stdout).to_string();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let mut times = Vec::new();
    let mut size = (0, 0);
    for line in lines.by_ref() {
        let fields: Vec<&str> = line.trim_end_matches(',').split(',').collect();
        if fields.len() == 2 {
            size = (fields[0].parse().unwrap(), fields[1].parse().unwrap());
        } else {
            times.push(fields[0].to_string());
        }
    }
    let raw = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args([
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-fps_mode",
            "passthrough",
            "-",
        ])
        .output()
        .expect("ffmpeg runs");
    assert!(
        raw.status.success(),
        "{}",
        String::from_utf8_lossy(&raw.stderr)
    );
    let frame = (size.0 * size.1 * 3) as usize;
    assert!(frame > 0, "no size from ffprobe: {text}");
    let pictures = raw.stdout.chunks(frame).map(<[u8]>::to_vec).collect();
    (pictures, times, size)
}

/// The frames through `graph` by encode-native and by ffmpeg, both as FFV1 in Matroska
/// (lossless, RGB stored as RGB).
fn both(graph: &str, dir: &Path) -> [Decoded; 2] {
    let frames = frames();
    let ours = dir.join("ours.mkv");
    let config = EncoderConfig::new(W, H, 30)
        .codec(Encoder::Ffv1)
        .filter(graph);
    let mut writer = VideoWriter::create(&ours, config).unwrap();
    for f in &frames {
        writer
            .push(Frame::new(W, H, PixelFormat::Rgb24, f))
            .unwrap();
    }
    writer.finish().unwrap();
    let raw = dir.join("in.rgb");
    std::fs::write(&raw, frames.concat()).unwrap();
    let theirs = dir.join("theirs.mkv");
    let out = Command::new("ffmpeg")
        .args([
            "-nostdin", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
        ])
        .args(["-s", &format!("{W}x{H}"), "-r", "30", "-i"])
        .arg(&raw)
        .args(["-vf", graph, "-c:v", "ffv1", "-pix_fmt", "bgr0"])
        .arg(&theirs)
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    [decoded(&ours), decoded(&theirs)]
}

#[test]
fn filters_give_what_ffmpeg_gives() {
    let dir = tempfile::tempdir().unwrap();
    for (n, graph) in [
        "scale=48:32",
        "scale=160:90:flags=bicubic",
        "crop=40:30:10:20",
        "pad=iw+20:ih+10:10:5:color=red",
        "fps=15",
        "fps=12",
        "transpose=1",
        "transpose=2,hflip",
        "format=gray",
        "hflip,vflip",
        "setsar=1",
    ]
    .into_iter()
    .enumerate()
    {
        let dir = dir.path().join(n.to_string());
        std::fs::create_dir(&dir).unwrap();
        let [(ours, our_times, our_size), (theirs, their_times, their_size)] = both(graph, &dir);
        assert_eq!(our_size, their_size, "{graph}: size");
        assert_eq!(ours.len(), theirs.len(), "{graph}: frame count");
        assert_eq!(our_times, their_times, "{graph}: presentation times");
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            let worst = a
                .iter()
                .zip(b)
                .map(|(x, y)| x.abs_diff(*y))
                .max()
                .unwrap_or(0);
            assert!(worst <= 1, "{graph}: frame {i} differs by {worst} levels");
        }
    }
}

#[test]
fn explicit_timestamps_go_through_a_filter_as_pushed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vfr.mp4");
    let config = EncoderConfig::new(W, H, 30)
        .explicit_timestamps((1, 1000))
        .filter("scale=48:32,hflip");
    let mut writer = VideoWriter::create(&path, config).unwrap();
    let times = [0i64, 40, 50, 200, 230, 500];
    for (i, &t) in times.iter().enumerate() {
        let f = smooth_rgb(W, H, i as u32);
        writer
            .push_at(Frame::new(W, H, PixelFormat::Rgb24, &f), t)
            .unwrap();
    }
    let summary = writer.finish().unwrap();
    assert_eq!((summary.frames, summary.width, summary.height), (6, 48, 32));
    let mut got = crate::support::packet_times(&path, 0);
    got.sort_by(|a, b| a.0.total_cmp(&b.0));
    let shown: Vec<i64> = got
        .iter()
        .map(|(t, _)| (t * 1000.0).round() as i64)
        .collect();
    assert_eq!(shown, times);
    // The last frame lasts as long as the one before it.
    assert_eq!(summary.duration, std::time::Duration::from_millis(770));
}

#[test]
fn a_filter_that_changes_the_rate_of_explicit_timestamps_is_refused() {
    let config = EncoderConfig::new(W, H, 30)
        .explicit_timestamps((1, 1000))
        .filter("fps=15");
    let e = config.validate().unwrap_err().to_string();
    assert!(
        e.contains("filter") && e.contains("fps=15") && e.contains("time base"),
        "{e}"
    );
}

#[test]
fn a_filtered_size_is_checked_like_any_size() {
    // 4:2:0 needs even sizes: an odd scale is padded by default, refused with odd_size=error.
    let plan = EncoderConfig::new(W, H, 30)
        .filter("scale=33:17")
        .plan(encode_native::Container::Mp4)
        .unwrap();
    assert_eq!(plan.output_size(), (34, 18));
    let mut config = EncoderConfig::new(W, H, 30).filter("scale=33:17");
    config.set("odd_size", "error").unwrap();
    let e = config.validate().unwrap_err().to_string();
    assert!(e.contains("33x17") && e.contains("even"), "{e}");
}

#[test]
fn the_rate_a_filter_makes_is_stored_with_the_sound() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fps.mp4");
    let config = EncoderConfig::new(W, H, 30)
        .filter("fps=10")
        .audio_samples(48_000, 1);
    let mut writer = VideoWriter::create(&path, config).unwrap();
    for i in 0..60 {
        let f = smooth_rgb(W, H, i);
        writer
            .push(Frame::new(W, H, PixelFormat::Rgb24, &f))
            .unwrap();
    }
    let tone: Vec<f32> = (0..96_000).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
    writer
        .push_audio(encode_native::AudioSamples::interleaved(&tone, 1))
        .unwrap();
    let summary = writer.finish().unwrap();
    // Two seconds at 30 fps become two seconds at 10 fps, with two seconds of sound.
    assert_eq!(summary.frames, 20);
    assert_eq!(summary.frame_rate, encode_native::FrameRate::new(10, 1));
    assert!(
        (summary.duration.as_secs_f64() - 2.0).abs() < 1e-9,
        "{summary:?}"
    );
    let audio = summary.audio.unwrap();
    assert!(
        (audio.duration.as_secs_f64() - 2.0).abs() < 0.03,
        "{audio:?}"
    );
    assert_eq!(crate::support::ffmpeg_frame_count(&path).unwrap(), 20);
}
