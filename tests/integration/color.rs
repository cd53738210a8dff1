//! Colour: the matrix and range used for conversion match the tags written.

use encode_native::{ColorMatrix, EncoderConfig, Frame, PixelFormat, VideoWriter, WriterOptions};
use ffmpeg_next::util::color;

use crate::support::*;

/// Four flat patches: red, green, blue, mid grey; plus a dark and a light one.
fn patches(w: u32, h: u32) -> (Vec<u8>, Vec<[u8; 3]>) {
    let colours = vec![
        [200, 30, 40],
        [30, 180, 60],
        [20, 40, 210],
        [128, 128, 128],
        [16, 16, 16],
        [240, 235, 230],
    ];
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    for _y in 0..h {
        for x in 0..w {
            v.extend_from_slice(&colours[(x * 6 / w) as usize]);
        }
    }
    (v, colours)
}

fn check_patches(
    w: u32,
    h: u32,
    cfg: EncoderConfig,
    coeffs: (f64, f64),
    full: bool,
    want_space: color::Space,
    want_range: color::Range,
) {
    for force_swscale in [false, true] {
        let (rgb, colours) = patches(w, h);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.mp4");
        let opts = WriterOptions {
            force_swscale,
            ..Default::default()
        };
        let mut wr = VideoWriter::create_with(&path, cfg.clone(), opts).unwrap();
        wr.push(Frame::new(w, h, PixelFormat::Rgb24, &rgb)).unwrap();
        wr.finish().unwrap();
        let d = decode_file(&path);
        assert_eq!(d.color_space, want_space);
        assert_eq!(d.color_range, want_range);
        let out = yuv_to_rgb(&d.frames[0], coeffs.0, coeffs.1, full);
        let pw = (w / 6) as usize;
        for (i, c) in colours.iter().enumerate() {
            // The middle of each patch, away from chroma edges.
            let m = mean_rgb(
                &out,
                w as usize,
                i * pw + pw / 4,
                4,
                i * pw + 3 * pw / 4,
                h as usize - 4,
            );
            for k in 0..3 {
                assert!(
                    (m[k] - c[k] as f64).abs() <= 3.0,
                    "swscale={force_swscale} patch {i}: got {m:?}, want {c:?}"
                );
            }
        }
    }
}

#[test]
fn hd_defaults_to_bt709_limited() {
    let cfg = EncoderConfig::new(1280, 720, 30)
        .preset("ultrafast")
        .crf(12.0);
    check_patches(
        1280,
        720,
        cfg,
        BT709,
        false,
        color::Space::BT709,
        color::Range::MPEG,
    );
}

#[test]
fn sd_defaults_to_bt601_limited() {
    let cfg = EncoderConfig::new(240, 96, 30)
        .preset("ultrafast")
        .crf(12.0);
    check_patches(
        240,
        96,
        cfg,
        BT601,
        false,
        color::Space::SMPTE170M,
        color::Range::MPEG,
    );
}

#[test]
fn explicit_matrix_and_full_range() {
    let cfg = EncoderConfig::new(240, 96, 30)
        .preset("ultrafast")
        .crf(12.0)
        .color_matrix(ColorMatrix::Bt709)
        .full_range(true);
    check_patches(
        240,
        96,
        cfg,
        BT709,
        true,
        color::Space::BT709,
        color::Range::JPEG,
    );
    let cfg = EncoderConfig::new(1280, 720, 30)
        .preset("ultrafast")
        .crf(12.0)
        .color_matrix(ColorMatrix::Bt601);
    check_patches(
        1280,
        720,
        cfg,
        BT601,
        false,
        color::Space::SMPTE170M,
        color::Range::MPEG,
    );
}

#[test]
fn hd_tags_are_bt709_throughout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hd.mkv");
    encode_smooth(
        &path,
        EncoderConfig::new(1280, 720, 30).preset("ultrafast"),
        2,
    );
    let d = decode_file(&path);
    assert_eq!(d.color_space, color::Space::BT709);
    assert_eq!(d.color_primaries, color::Primaries::BT709);
    assert_eq!(d.color_trc, color::TransferCharacteristic::BT709);
}
