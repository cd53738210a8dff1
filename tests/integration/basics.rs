//! Round trips: codec, profile, pixel format, size, frame count, timestamps, duration.

use encode_native::{
    Container, Encoder as Codec, EncoderConfig, Frame, FrameRate, OddSize, OutputPixelFormat,
    PixelFormat, VideoWriter,
};
use ffmpeg_next::format::Pixel;
use ffmpeg_next::util::color;

use crate::support::*;

#[test]
fn mp4_round_trip_exact_frames_duration_tags_and_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.mp4");
    let (w, h, n) = (320u32, 240u32, 30u32);
    let config = EncoderConfig::new(w, h, 30).crf(18.0).preset("ultrafast");
    let mut writer = VideoWriter::create(&path, config).unwrap();
    let mut inputs = Vec::new();
    for i in 0..n {
        let rgb = smooth_rgb(w, h, i);
        writer
            .push(Frame::new(w, h, PixelFormat::Rgb24, &rgb))
            .unwrap();
        inputs.push(rgb);
    }
    assert_eq!(writer.frames_pushed(), n as u64);
    let summary = writer.finish().unwrap();
    assert_eq!(summary.frames, n as u64);
    assert_eq!(summary.duration.as_secs_f64(), 1.0);
    assert_eq!(summary.bytes, std::fs::metadata(&path).unwrap().len());
    assert_eq!((summary.width, summary.height), (w, h));
    assert_eq!(summary.container, Container::Mp4);

    let d = decode_file(&path);
    assert_eq!(d.format_name, "mov,mp4,m4a,3gp,3g2,mj2");
    assert_eq!(d.codec, "h264");
    assert_eq!(d.pix_fmt, Pixel::YUV420P);
    assert_eq!((d.width, d.height), (w, h));
    assert_eq!(d.frames.len(), n as usize);
    assert!((d.duration - 1.0).abs() < 1e-6, "duration {}", d.duration);
    for (i, f) in d.frames.iter().enumerate() {
        assert!(
            (f.pts - i as f64 / 30.0).abs() < 1e-6,
            "frame {i} at {}",
            f.pts
        );
    }
    assert_eq!(d.packet_durations.len(), n as usize);
    assert!(d.packet_durations.iter().all(|&x| x > 0));
    // 320x240 is SD: BT.601 (smpte170m) tags, limited range.
    assert_eq!(d.color_space, color::Space::SMPTE170M);
    assert_eq!(d.color_primaries, color::Primaries::SMPTE170M);
    assert_eq!(d.color_trc, color::TransferCharacteristic::SMPTE170M);
    assert_eq!(d.color_range, color::Range::MPEG);
    for (i, f) in d.frames.iter().enumerate() {
        let rgb = yuv_to_rgb(f, BT601.0, BT601.1, false);
        let p = psnr(&rgb, &inputs[i]);
        assert!(p >= 40.0, "frame {i}: PSNR {p:.1} dB");
    }
}

#[test]
fn faststart_puts_the_index_first() {
    let dir = tempfile::tempdir().unwrap();
    let fast = dir.path().join("fast.mp4");
    let slow = dir.path().join("slow.mp4");
    let cfg = EncoderConfig::new(64, 64, 30).preset("ultrafast");
    encode_smooth(&fast, cfg.clone(), 10);
    encode_smooth(&slow, cfg.faststart(false), 10);
    let top_level = |p: &std::path::Path| top_level_boxes(&std::fs::read(p).unwrap());
    let f = top_level(&fast);
    let s = top_level(&slow);
    let pos = |v: &Vec<String>, n: &str| v.iter().position(|b| b == n).unwrap();
    assert!(pos(&f, "moov") < pos(&f, "mdat"), "{f:?}");
    assert!(pos(&s, "moov") > pos(&s, "mdat"), "{s:?}");
}

/// N frames at r fps last exactly N/r in every container.
#[test]
fn exact_duration_in_every_container_and_rate() {
    let dir = tempfile::tempdir().unwrap();
    for (ext, tol) in [("mp4", 1e-6), ("mov", 1e-6), ("mkv", 1e-3), ("avi", 1e-6)] {
        for (rate, n) in [
            ("30", 45u32),
            ("30000/1001", 50),
            ("24000/1001", 37),
            ("25", 25),
        ] {
            let fr: FrameRate = rate.parse().unwrap();
            let path = dir.path().join(format!("r.{ext}"));
            let cfg = EncoderConfig::new(96, 64, fr).preset("ultrafast");
            let s = encode_smooth(&path, cfg, n);
            let want = n as f64 * fr.den as f64 / fr.num as f64;
            assert!((s.duration.as_secs_f64() - want).abs() < 1e-9);
            let d = decode_file(&path);
            assert_eq!(d.frames.len(), n as usize, "{ext} at {rate}");
            assert!(
                (d.duration - want).abs() <= tol,
                "{ext} at {rate}: duration {} want {want}",
                d.duration
            );
            let last = d.frames.last().unwrap().pts;
            let want_last = (n - 1) as f64 * fr.den as f64 / fr.num as f64;
            assert!(
                (last - want_last).abs() <= tol,
                "{ext} at {rate}: last frame at {last}, want {want_last}"
            );
            assert_eq!(
                d.avg_frame_rate,
                ffmpeg_next::Rational::new(fr.num, fr.den),
                "{ext} at {rate}"
            );
        }
    }
}

#[test]
fn yuv444p_high444_keeps_odd_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("444.mkv");
    let cfg = EncoderConfig::new(161, 121, 30)
        .preset("ultrafast")
        .crf(18.0)
        .output_format(OutputPixelFormat::Yuv444p);
    let s = encode_smooth(&path, cfg, 5);
    assert_eq!((s.width, s.height), (161, 121));
    let d = decode_file(&path);
    assert_eq!(d.pix_fmt, Pixel::YUV444P);
    assert_eq!((d.width, d.height), (161, 121));
    assert!(d.profile.contains("High444"), "profile {}", d.profile);
    let rgb = yuv_to_rgb(&d.frames[0], BT601.0, BT601.1, false);
    assert!(psnr(&rgb, &smooth_rgb(161, 121, 0)) >= 40.0);
}

#[test]
fn default_profile_is_browser_decodable() {
    let dir = tempfile::tempdir().unwrap();
    for (preset, want) in [("ultrafast", "ConstrainedBaseline"), ("medium", "High")] {
        let path = dir.path().join("p.mp4");
        encode_smooth(&path, EncoderConfig::new(64, 48, 30).preset(preset), 3);
        let d = decode_file(&path);
        assert!(
            d.profile.ends_with(&format!("({want})")),
            "{preset}: {}",
            d.profile
        );
    }
    let path = dir.path().join("main.mp4");
    encode_smooth(&path, EncoderConfig::new(64, 48, 30).profile("main"), 3);
    assert!(decode_file(&path).profile.ends_with("(Main)"));
}

#[test]
fn odd_sizes_pad_crop_and_error() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (101u32, 75u32);
    let pad = dir.path().join("pad.mp4");
    let s = encode_smooth(
        &pad,
        EncoderConfig::new(w, h, 30).preset("ultrafast").crf(10.0),
        3,
    );
    assert_eq!(
        (s.width, s.height, s.input_width, s.input_height),
        (102, 76, w, h)
    );
    let d = decode_file(&pad);
    assert_eq!((d.width, d.height), (102, 76));
    // The added column and row repeat the last ones.
    let rgb = yuv_to_rgb(&d.frames[0], BT601.0, BT601.1, false);
    let input = smooth_rgb(w, h, 0);
    let px = |buf: &[u8], bw: u32, x: u32, y: u32| {
        let i = ((y * bw + x) * 3) as usize;
        [buf[i] as i32, buf[i + 1] as i32, buf[i + 2] as i32]
    };
    for y in [0, 30, 74] {
        let (added, last) = (px(&rgb, 102, 101, y), px(&input, w, 100, y));
        for c in 0..3 {
            assert!(
                (added[c] - last[c]).abs() <= 8,
                "row {y}: {added:?} vs {last:?}"
            );
        }
    }
    let crop = dir.path().join("crop.mp4");
    let s = encode_smooth(
        &crop,
        EncoderConfig::new(w, h, 30)
            .preset("ultrafast")
            .odd_size(OddSize::Crop),
        3,
    );
    assert_eq!((s.width, s.height), (100, 74));
    let d = decode_file(&crop);
    assert_eq!((d.width, d.height, d.frames.len()), (100, 74, 3));

    let err = VideoWriter::create(
        dir.path().join("err.mp4"),
        EncoderConfig::new(w, h, 30).odd_size(OddSize::Error),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("101x75") && msg.contains("even"), "{msg}");
}

#[test]
fn explicit_timestamps_variable_frame_rate() {
    let dir = tempfile::tempdir().unwrap();
    let pts_ms = [0i64, 40, 100, 180, 200, 333, 500];
    for ext in ["mp4", "mkv", "mov"] {
        let path = dir.path().join(format!("vfr.{ext}"));
        let cfg = EncoderConfig::new(64, 48, 25)
            .preset("ultrafast")
            .explicit_timestamps((1, 1000));
        let mut w = VideoWriter::create(&path, cfg).unwrap();
        for (i, &t) in pts_ms.iter().enumerate() {
            w.push_at(
                Frame::from_vec(64, 48, PixelFormat::Rgb24, smooth_rgb(64, 48, i as u32)),
                t,
            )
            .unwrap();
        }
        let s = w.finish().unwrap();
        // The last frame lasts as long as the one before it.
        assert_eq!(s.duration.as_millis(), 667);
        let d = decode_file(&path);
        let got: Vec<i64> = d
            .frames
            .iter()
            .map(|f| (f.pts * 1000.0).round() as i64)
            .collect();
        assert_eq!(got, pts_ms, "{ext}");
        assert!((d.duration - 0.667).abs() < 2e-3, "{ext}: {}", d.duration);
    }
}

#[test]
fn mpeg4_like_opencv_mp4v() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mp4v.avi");
    let s = encode_smooth(
        &path,
        EncoderConfig::new(128, 96, 25).codec(Codec::Mpeg4),
        20,
    );
    assert_eq!(s.encoder, Codec::Mpeg4);
    assert_eq!(s.codec, encode_native::VideoCodec::Mpeg4);
    let d = decode_file(&path);
    assert_eq!(d.codec, "mpeg4");
    assert_eq!(d.frames.len(), 20);
    assert!((d.duration - 0.8).abs() < 1e-6);
    let rgb = yuv_to_rgb(&d.frames[5], BT601.0, BT601.1, false);
    assert!(psnr(&rgb, &smooth_rgb(128, 96, 5)) >= 30.0);
}

#[test]
fn gop_and_x264_params_set_keyframes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gop.mp4");
    encode_smooth(
        &path,
        EncoderConfig::new(64, 48, 30).preset("ultrafast").gop(10),
        35,
    );
    assert_eq!(decode_file(&path).keyframes(), vec![0, 10, 20, 30]);
    let path = dir.path().join("params.mp4");
    encode_smooth(
        &path,
        EncoderConfig::new(64, 48, 30)
            .preset("ultrafast")
            .x264_params("keyint=7:min-keyint=7:scenecut=0"),
        15,
    );
    assert_eq!(decode_file(&path).keyframes(), vec![0, 7, 14]);
}

#[test]
fn bitrate_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("br.mp4");
    let s = encode_smooth(
        &path,
        EncoderConfig::new(320, 240, 30)
            .preset("ultrafast")
            .bitrate(200_000),
        60,
    );
    let kbps = s.bytes as f64 * 8.0 / s.duration.as_secs_f64() / 1000.0;
    assert!((100.0..400.0).contains(&kbps), "{kbps} kbit/s for 200");
}

/// libx264's own defaults (closed GOPs) survive the flags encode-native adds, and a user's
/// `flags` option adds to them.
#[test]
fn x264_keeps_closed_gops_and_user_flags_add() {
    let dir = tempfile::tempdir().unwrap();
    let settings = |cfg: EncoderConfig| {
        let path = dir.path().join("gop.mp4");
        encode_smooth(&path, cfg, 5);
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        text.split("x264 - core")
            .nth(1)
            .expect("x264's settings SEI")
            .to_string()
    };
    let s = settings(EncoderConfig::new(64, 48, 30).preset("medium"));
    assert!(s.contains("open_gop=0") && s.contains("crf=23.0"), "{s}");
    let s = settings(
        EncoderConfig::new(64, 48, 30)
            .preset("medium")
            .codec_option("flags", "-cgop"),
    );
    assert!(s.contains("open_gop=1"), "{s}");
    // The global header is still there: the MP4 decodes.
    assert_eq!(decode_file(&dir.path().join("gop.mp4")).frames.len(), 5);
}
