//! Every input pixel format, strided rows, owned and borrowed buffers, `image` conversions.

use encode_native::{EncoderConfig, Frame, PixelFormat, VideoWriter};

use crate::support::*;

const W: u32 = 96;
const H: u32 = 64;

/// Encodes one frame at crf 10 and decodes it back to RGB (BT.601 limited, the SD default).
fn round_trip(format: PixelFormat, frame: Frame<'_>) -> Vec<u8> {
    let cfg = EncoderConfig::new(W, H, 30)
        .preset("ultrafast")
        .crf(10.0)
        .input_format(format);
    let mut w = VideoWriter::to_memory(cfg).unwrap();
    w.push(frame).unwrap();
    let (bytes, s) = w.finish_to_vec().unwrap();
    assert_eq!(s.frames, 1);
    let d = decode_bytes(bytes);
    assert_eq!(d.frames.len(), 1);
    yuv_to_rgb(&d.frames[0], BT601.0, BT601.1, false)
}

fn assert_close(format: PixelFormat, got: &[u8], want: &[u8]) {
    let p = psnr(got, want);
    assert!(p >= 40.0, "{format}: PSNR {p:.1} dB");
}

#[test]
fn eight_bit_rgb_orders() {
    let rgb = smooth_rgb(W, H, 3);
    let reorder = |order: [usize; 3], alpha: bool| -> Vec<u8> {
        rgb.chunks(3)
            .flat_map(|p| {
                let mut v = vec![p[order[0]], p[order[1]], p[order[2]]];
                if alpha {
                    v.push(77);
                }
                v
            })
            .collect()
    };
    for (fmt, data) in [
        (PixelFormat::Rgb24, rgb.clone()),
        (PixelFormat::Bgr24, reorder([2, 1, 0], false)),
        (PixelFormat::Rgba, reorder([0, 1, 2], true)),
        (PixelFormat::Bgra, reorder([2, 1, 0], true)),
    ] {
        let out = round_trip(fmt, Frame::new(W, H, fmt, &data));
        assert_close(fmt, &out, &rgb);
    }
}

#[test]
fn gray_8_and_16_bit_keep_their_levels() {
    // A horizontal ramp; 16-bit values carry the detail in their high byte.
    let g8: Vec<u8> = (0..H)
        .flat_map(|_| (0..W).map(|x| (x * 255 / (W - 1)) as u8))
        .collect();
    let want: Vec<u8> = g8.iter().flat_map(|&v| [v, v, v]).collect();
    let out = round_trip(
        PixelFormat::Gray8,
        Frame::new(W, H, PixelFormat::Gray8, &g8),
    );
    assert_close(PixelFormat::Gray8, &out, &want);

    let g16: Vec<u16> = g8.iter().map(|&v| v as u16 * 257).collect();
    let out = round_trip(
        PixelFormat::Gray16Le,
        Frame::from_u16(W, H, PixelFormat::Gray16Le, &g16),
    );
    assert_close(PixelFormat::Gray16Le, &out, &want);
}

#[test]
fn rgb48_and_float_are_scaled_not_truncated() {
    let rgb = smooth_rgb(W, H, 5);
    let rgb48: Vec<u16> = rgb.iter().map(|&v| v as u16 * 257).collect();
    let out = round_trip(
        PixelFormat::Rgb48Le,
        Frame::from_u16_vec(W, H, PixelFormat::Rgb48Le, rgb48),
    );
    assert_close(PixelFormat::Rgb48Le, &out, &rgb);

    let f: Vec<f32> = rgb.iter().map(|&v| v as f32 / 255.0).collect();
    let out = round_trip(PixelFormat::RgbF32, Frame::from_f32(W, H, &f));
    assert_close(PixelFormat::RgbF32, &out, &rgb);

    // Out-of-range floats saturate (and NaN is black) instead of wrapping into garbage.
    let mut wild = vec![0f32; (W * H * 3) as usize];
    for (i, v) in wild.iter_mut().enumerate() {
        *v = match (i / 3) % 3 {
            0 => 7.5,
            1 => -3.0,
            _ => f32::NAN,
        };
    }
    let out = round_trip(PixelFormat::RgbF32, Frame::from_f32_vec(W, H, wild));
    // Columns cycle white, black, black: the mean is a third of white, never wrapped values.
    let m = mean_rgb(&out, W as usize, 0, 0, W as usize, H as usize);
    for c in m {
        assert!((75.0..100.0).contains(&c), "mean {m:?}");
    }
}

#[test]
fn strided_rows_are_read_row_by_row() {
    let rgb = smooth_rgb(W, H, 9);
    let stride = W as usize * 3 + 40;
    let mut padded = vec![255u8; stride * H as usize];
    for y in 0..H as usize {
        padded[y * stride..y * stride + W as usize * 3]
            .copy_from_slice(&rgb[y * W as usize * 3..(y + 1) * W as usize * 3]);
    }
    let out = round_trip(
        PixelFormat::Rgb24,
        Frame::with_stride(W, H, PixelFormat::Rgb24, stride, &padded),
    );
    assert_close(PixelFormat::Rgb24, &out, &rgb);
    let out = round_trip(
        PixelFormat::Rgb24,
        Frame::from_vec_with_stride(W, H, PixelFormat::Rgb24, stride, padded),
    );
    assert_close(PixelFormat::Rgb24, &out, &rgb);
}

#[test]
fn image_crate_buffers() {
    let rgb = smooth_rgb(W, H, 2);
    let img = image::RgbImage::from_raw(W, H, rgb.clone()).unwrap();
    let out = round_trip(PixelFormat::Rgb24, Frame::from(&img));
    assert_close(PixelFormat::Rgb24, &out, &rgb);
    let out = round_trip(PixelFormat::Rgb24, Frame::from(img.clone()));
    assert_close(PixelFormat::Rgb24, &out, &rgb);

    let rgba = image::DynamicImage::ImageRgb8(img.clone()).to_rgba8();
    let out = round_trip(PixelFormat::Rgba, Frame::from(&rgba));
    assert_close(PixelFormat::Rgba, &out, &rgb);

    let dynamic16 = image::DynamicImage::ImageRgb8(img.clone()).to_rgb16();
    let out = round_trip(
        PixelFormat::Rgb48Le,
        Frame::from(image::DynamicImage::ImageRgb16(dynamic16)),
    );
    assert_close(PixelFormat::Rgb48Le, &out, &rgb);

    let gray = image::DynamicImage::ImageRgb8(img).to_luma8();
    let want: Vec<u8> = gray.as_raw().iter().flat_map(|&v| [v, v, v]).collect();
    let out = round_trip(
        PixelFormat::Gray8,
        Frame::from(image::DynamicImage::ImageLuma8(gray)),
    );
    assert_close(PixelFormat::Gray8, &out, &want);
}

#[test]
fn borrowed_buffer_can_be_reused_at_once() {
    // The writer copies a borrowed frame, so the caller may overwrite it right away.
    let cfg = EncoderConfig::new(W, H, 30).preset("ultrafast").crf(10.0);
    let mut w = VideoWriter::to_memory(cfg).unwrap();
    let mut buf = vec![0u8; (W * H * 3) as usize];
    for i in 0..20u8 {
        buf.fill(i * 12);
        w.push(Frame::new(W, H, PixelFormat::Rgb24, &buf)).unwrap();
    }
    let (bytes, _) = w.finish_to_vec().unwrap();
    let d = decode_bytes(bytes);
    assert_eq!(d.frames.len(), 20);
    for (i, f) in d.frames.iter().enumerate() {
        let rgb = yuv_to_rgb(f, BT601.0, BT601.1, false);
        let m = mean_rgb(&rgb, W as usize, 0, 0, W as usize, H as usize);
        assert!((m[0] - i as f64 * 12.0).abs() < 3.0, "frame {i}: {m:?}");
    }
}

#[test]
fn preconverted_yuv_encodes_to_the_same_stream_as_rgb() {
    use encode_native::{OutputPixelFormat, YuvConverter};
    for out in [OutputPixelFormat::Yuv420p, OutputPixelFormat::Yuv444p] {
        let cfg = EncoderConfig::new(W, H, 30)
            .preset("ultrafast")
            .output_format(out);
        let mut conv = YuvConverter::new(&cfg).unwrap();
        let mut from_rgb = VideoWriter::to_memory(cfg.clone()).unwrap();
        let yuv_cfg = cfg.clone().input_format(conv.output_format());
        let mut from_yuv = VideoWriter::to_memory(yuv_cfg).unwrap();
        for i in 0..10 {
            let rgb = smooth_rgb(W, H, i);
            let frame = Frame::new(W, H, PixelFormat::Rgb24, &rgb);
            let mut yuv = Vec::new();
            conv.convert(&frame, &mut yuv).unwrap();
            from_rgb.push(frame).unwrap();
            from_yuv
                .push(Frame::from_vec(W, H, conv.output_format(), yuv))
                .unwrap();
        }
        let (a, _) = from_rgb.finish_to_vec().unwrap();
        let (b, _) = from_yuv.finish_to_vec().unwrap();
        assert!(a == b, "{out:?}: the two streams differ");
    }
    // Planar input must match the output format.
    let e = VideoWriter::to_memory(
        EncoderConfig::new(W, H, 30)
            .input_format(PixelFormat::Yuv444p)
            .output_format(OutputPixelFormat::Yuv420p),
    )
    .unwrap_err();
    assert!(e.to_string().contains("input_format 'yuv444p'"), "{e}");
}

/// Every input format through the odd-size policies: the padded column and row repeat the
/// last ones, the cropped picture keeps the rest, and the pixels survive either way.
#[test]
fn odd_sizes_in_every_input_format() {
    use encode_native::OddSize;
    let (w, h) = (33u32, 25u32);
    let rgb = smooth_rgb(w, h, 1);
    let gray: Vec<u8> = rgb.chunks(3).map(|p| p[1]).collect();
    let frames: Vec<(PixelFormat, Vec<u8>, Vec<u8>)> = vec![
        (PixelFormat::Rgb24, rgb.clone(), rgb.clone()),
        (
            PixelFormat::Bgra,
            rgb.chunks(3)
                .flat_map(|p| [p[2], p[1], p[0], 255])
                .collect(),
            rgb.clone(),
        ),
        (
            PixelFormat::Gray8,
            gray.clone(),
            gray.iter().flat_map(|&g| [g, g, g]).collect(),
        ),
        (
            PixelFormat::Gray16Le,
            gray.iter()
                .flat_map(|&g| (g as u16 * 257).to_le_bytes())
                .collect(),
            gray.iter().flat_map(|&g| [g, g, g]).collect(),
        ),
        (
            PixelFormat::Rgb48Le,
            rgb.iter()
                .flat_map(|&v| (v as u16 * 257).to_le_bytes())
                .collect(),
            rgb.clone(),
        ),
        (
            PixelFormat::RgbF32,
            rgb.iter()
                .flat_map(|&v| (v as f32 / 255.0).to_ne_bytes())
                .collect(),
            rgb.clone(),
        ),
    ];
    for (fmt, data, want) in &frames {
        for (policy, out) in [(OddSize::Pad, (34u32, 26u32)), (OddSize::Crop, (32, 24))] {
            let cfg = EncoderConfig::new(w, h, 30)
                .preset("ultrafast")
                .crf(5.0)
                .input_format(*fmt)
                .odd_size(policy);
            let mut wr = VideoWriter::to_memory(cfg).unwrap();
            wr.push(Frame::new(w, h, *fmt, data)).unwrap();
            let (bytes, s) = wr.finish_to_vec().unwrap();
            assert_eq!((s.width, s.height), out, "{fmt} {policy:?}");
            let d = decode_bytes(bytes);
            assert_eq!((d.width, d.height), out);
            let got = yuv_to_rgb(&d.frames[0], BT601.0, BT601.1, false);
            // Compare the picture's common area, and the padding with the edge it repeats.
            let at = |buf: &[u8], bw: u32, x: u32, y: u32| -> Vec<f64> {
                let i = ((y * bw + x) * 3) as usize;
                buf[i..i + 3].iter().map(|&v| v as f64).collect()
            };
            let mut se = 0.0;
            let mut n = 0.0;
            for y in 0..out.1 {
                for x in 0..out.0 {
                    let (sx, sy) = (x.min(w - 1), y.min(h - 1));
                    for (a, b) in at(&got, out.0, x, y).iter().zip(at(want, w, sx, sy)) {
                        se += (a - b).powi(2);
                        n += 1.0;
                    }
                }
            }
            let p = 10.0 * (255.0f64.powi(2) / (se / n).max(1e-9)).log10();
            assert!(p >= 35.0, "{fmt} {policy:?}: PSNR {p:.1} dB");
        }
    }
}

#[test]
fn a_strided_frame_whose_last_row_ends_the_buffer_keeps_every_row() {
    // A crop at the end of its buffer: rows `stride` bytes apart, and the slice ends right
    // after the last row's pixels (no padding after it), as numpy crops and C callers give.
    const W: u32 = 64;
    const H: u32 = 48;
    for format in [PixelFormat::Rgb24, PixelFormat::Bgra] {
        let bpp = format.bytes_per_pixel();
        let stride = (W as usize + 16) * bpp;
        let mut data = vec![0u8; stride * (H as usize - 1) + W as usize * bpp];
        for y in 0..H as usize {
            for x in 0..W as usize {
                let level = if y >= H as usize - 2 { 230 } else { 40 };
                data[y * stride + x * bpp..][..3].fill(level);
            }
        }
        let cfg = EncoderConfig::new(W, H, 30).input_format(format).crf(10.0);
        let mut w = VideoWriter::to_memory(cfg).unwrap();
        w.push(Frame::with_stride(W, H, format, stride, &data))
            .unwrap();
        let (bytes, _) = w.finish_to_vec().unwrap();
        let d = decode_bytes(bytes);
        let rgb = yuv_to_rgb(&d.frames[0], BT601.0, BT601.1, false);
        // The last row is as bright as it was pushed, not lost (it decoded green before).
        let last = &rgb[(H as usize - 1) * W as usize * 3..];
        for px in last.chunks(3) {
            assert!(
                px.iter().all(|&c| (c as i32 - 230).abs() < 12),
                "{format}: {px:?}"
            );
        }
    }
}
