//! One test per bad input: a clear error naming what, where, expected and got; never a panic;
//! frames already accepted are kept.

use encode_native::{
    Container, Encoder as Codec, EncoderConfig, Error, Frame, OddSize, OutputPixelFormat,
    PixelFormat, VideoWriter,
};

use crate::support::*;

fn config_error(cfg: EncoderConfig) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    match VideoWriter::create(dir.path().join("x.mp4"), cfg) {
        Err(Error::Config {
            field,
            value,
            allowed,
        }) => (field.to_string(), format!("{value} | {allowed}")),
        Err(e) => panic!("expected a config error, got {e}"),
        Ok(_) => panic!("expected a config error, got a writer"),
    }
}

fn base() -> EncoderConfig {
    EncoderConfig::new(64, 48, 30).preset("ultrafast")
}

#[test]
fn invalid_settings_name_field_value_and_allowed() {
    let cases: Vec<(EncoderConfig, &str, &str)> = vec![
        (EncoderConfig::new(0, 48, 30), "width", "0 |"),
        (EncoderConfig::new(64, 20000, 30), "height", "20000 |"),
        (EncoderConfig::new(64, 48, (0, 1)), "frame_rate", "0 |"),
        (EncoderConfig::new(64, 48, (30, 0)), "frame_rate", "30/0"),
        (base().preset("superslow"), "preset", "ultrafast"),
        (base().tune("cinema"), "tune", "film"),
        (
            base().profile("extended"),
            "profile",
            "baseline, main, high",
        ),
        (
            base()
                .output_format(OutputPixelFormat::Yuv444p)
                .profile("high"),
            "profile",
            "high444",
        ),
        (base().crf(60.0), "crf", "0 to 51"),
        (
            base().codec(Codec::Mpeg4).crf(20.0),
            "preset",
            "only with libx264",
        ),
        (
            EncoderConfig::new(64, 48, 30).codec(Codec::Mpeg4).crf(20.0),
            "crf",
            "only with libx264",
        ),
        (
            EncoderConfig::new(64, 48, 30)
                .codec(Codec::Mpeg4)
                .output_format(OutputPixelFormat::Yuv444p),
            "output_format",
            "yuv420p with mpeg4",
        ),
        (base().bitrate(10), "bitrate", "1000 to"),
        (base().gop(0), "gop", "1 to"),
        (base().x264_params("keyint"), "x264_params", "key=value"),
        (base().queue_depth(0), "queue_depth", "1 to 4096"),
        (base().threads(1000), "threads", "0 (automatic)"),
        (
            EncoderConfig::new(63, 48, 30).odd_size(OddSize::Error),
            "width x height",
            "63x48",
        ),
        (base().fragmented(-1.0), "fragment_seconds", "more than 0"),
        (
            base().container(Container::Mkv).fragmented(1.0),
            "fragment_seconds",
            "only with mp4 or mov",
        ),
        (base().codec_option("", "1"), "codec_options", "non-empty"),
    ];
    for (cfg, field, text) in cases {
        let (f, detail) = config_error(cfg);
        assert_eq!(f, field, "{detail}");
        assert!(detail.contains(text), "{field}: '{detail}' lacks '{text}'");
    }
}

#[test]
fn frame_rate_strings() {
    for bad in ["", "abc", "-30", "0", "30/0", "1.2.3", "30/x"] {
        let e = bad.parse::<encode_native::FrameRate>().unwrap_err();
        assert!(e.to_string().contains("frame_rate"), "{bad}: {e}");
    }
}

#[test]
fn unknown_container_extension() {
    let dir = tempfile::tempdir().unwrap();
    let e = VideoWriter::create(dir.path().join("x.flv"), base()).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("flv") && msg.contains(".mp4"), "{msg}");
    // A known container that cannot hold the codec asked for says what would.
    let e = VideoWriter::create(
        dir.path().join("x.webm"),
        EncoderConfig::new(64, 48, 30).codec(Codec::Mpeg4),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("webm") && msg.contains("mp4, mov, mkv"),
        "{msg}"
    );
}

#[test]
fn misspelt_codec_option_is_an_error_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let e = VideoWriter::create(dir.path().join("x.mp4"), base().codec_option("crff", "20"))
        .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("crff=20") && msg.contains("libx264"), "{msg}");
    // A real option is accepted.
    let mut w = VideoWriter::create(
        dir.path().join("y.mp4"),
        base().codec_option("aq-mode", "2"),
    )
    .unwrap();
    push_smooth(&mut w, 1, (64, 48));
    w.finish().unwrap();
}

#[test]
fn unknown_x264_param_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let e = VideoWriter::create(
        dir.path().join("x.mp4"),
        base().x264_params("keyint=10:bogus-key=3"),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("x264_params") && msg.contains("bogus-key"),
        "{msg}"
    );
}

#[test]
fn unwritable_output() {
    let e = VideoWriter::create("/nonexistent-dir/x.mp4", base()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("/nonexistent-dir/x.mp4") && msg.contains("No such file"),
        "{msg}"
    );
}

#[test]
fn wrong_frames_are_refused_and_earlier_frames_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keep.mp4");
    let mut w = VideoWriter::create(&path, base()).unwrap();
    let good = smooth_rgb(64, 48, 0);
    for _ in 0..3 {
        w.push(Frame::new(64, 48, PixelFormat::Rgb24, &good))
            .unwrap();
    }
    let cases: Vec<(Frame<'_>, &str)> = vec![
        (
            Frame::new(32, 48, PixelFormat::Rgb24, &good),
            "frame 3: size 32x48 does not match the writer's 64x48",
        ),
        (
            Frame::new(64, 48, PixelFormat::Bgra, &good),
            "frame 3: pixel format bgra does not match the writer's rgb24",
        ),
        (
            Frame::new(64, 48, PixelFormat::Rgb24, &good[..1000]),
            "frame 3: 1000 bytes of pixels, expected at least 9216",
        ),
        (
            Frame::with_stride(64, 48, PixelFormat::Rgb24, 100, &good),
            "frame 3: stride 100 bytes is less than a row",
        ),
    ];
    for (frame, want) in cases {
        let e = w.push(frame).unwrap_err();
        assert!(matches!(e, Error::Frame { index: 3, .. }));
        assert!(e.to_string().starts_with(want), "{e}");
    }
    // Timestamps are refused on a constant-rate writer.
    let e = w
        .push_at(Frame::new(64, 48, PixelFormat::Rgb24, &good), 5)
        .unwrap_err();
    assert!(e.to_string().contains("constant frame rate"), "{e}");
    w.push(Frame::new(64, 48, PixelFormat::Rgb24, &good))
        .unwrap();
    let s = w.finish().unwrap();
    assert_eq!(s.frames, 4);
    assert_eq!(decode_file(&path).frames.len(), 4);
}

#[test]
fn timestamps_must_increase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ts.mkv");
    let mut w = VideoWriter::create(&path, base().explicit_timestamps((1, 1000))).unwrap();
    let f = || Frame::from_vec(64, 48, PixelFormat::Rgb24, smooth_rgb(64, 48, 0));
    w.push_at(f(), 0).unwrap();
    w.push_at(f(), 50).unwrap();
    let e = w.push_at(f(), 50).unwrap_err();
    assert_eq!(
        e.to_string(),
        "frame 2: timestamp 50 is not after the previous frame's 50; timestamps must strictly increase"
    );
    let e = w.push_at(f(), 20).unwrap_err();
    assert!(e.to_string().contains("timestamp 20 is not after"), "{e}");
    let e = w.push_at(f(), -1).unwrap_err();
    assert!(e.to_string().contains("negative"), "{e}");
    let e = w.push(f()).unwrap_err();
    assert!(e.to_string().contains("use push_at"), "{e}");
    w.push_at(f(), 90).unwrap();
    assert_eq!(w.finish().unwrap().frames, 3);
    let d = decode_file(&path);
    let pts: Vec<i64> = d
        .frames
        .iter()
        .map(|f| (f.pts * 1000.0).round() as i64)
        .collect();
    assert_eq!(pts, vec![0, 50, 90]);
}

#[test]
fn avi_refuses_variable_frame_rate() {
    let dir = tempfile::tempdir().unwrap();
    let e = VideoWriter::create(
        dir.path().join("x.avi"),
        base().explicit_timestamps((1, 1000)),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("constant frame rate with AVI"),
        "{e}"
    );
}
