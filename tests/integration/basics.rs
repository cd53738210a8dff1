use encode_native::{EncoderConfig, Frame, PixelFormat, VideoWriter};
use ffmpeg_next::format::Pixel;

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
    let summary = writer.finish().unwrap();
    assert_eq!(summary.frames, n as u64);
    assert_eq!(summary.duration.as_secs_f64(), 1.0);
    assert_eq!(summary.bytes, std::fs::metadata(&path).unwrap().len());

    let d = decode_file(&path);
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
    assert!(d.packet_durations.iter().all(|&x| x > 0));
    assert_eq!(d.color_space, ffmpeg_next::util::color::Space::SMPTE170M);
    assert_eq!(d.color_range, ffmpeg_next::util::color::Range::MPEG);
    for (i, f) in d.frames.iter().enumerate() {
        let rgb = yuv_to_rgb(f, BT601.0, BT601.1, false);
        let p = psnr(&rgb, &inputs[i]);
        assert!(p >= 40.0, "frame {i}: PSNR {p:.1} dB");
    }
}
