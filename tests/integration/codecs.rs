//! Every encoder beyond H.264 through the same writer and command line: decoded back for its
//! codec, pixel format, size, exact frame count and duration, and its pictures (PSNR).

use encode_native::{Container, Encoder, EncoderConfig, OutputPixelFormat, VideoWriter};

use crate::support::*;

const W: u32 = 160;
const H: u32 = 120;
const N: u32 = 30;

/// (encoder, container, pixel format, the decoder's codec name, least PSNR for 8-bit).
const CASES: &[(Encoder, Container, OutputPixelFormat, &str, f64)] = &[
    (
        Encoder::Libx265,
        Container::Mp4,
        OutputPixelFormat::Yuv420p,
        "hevc",
        32.0,
    ),
    (
        Encoder::Libx265,
        Container::Mkv,
        OutputPixelFormat::Yuv420p10le,
        "hevc",
        0.0,
    ),
    (
        Encoder::Libsvtav1,
        Container::Webm,
        OutputPixelFormat::Yuv420p,
        "av1",
        30.0,
    ),
    (
        Encoder::LibaomAv1,
        Container::Mkv,
        OutputPixelFormat::Yuv444p,
        "av1",
        30.0,
    ),
    (
        Encoder::Librav1e,
        Container::Mp4,
        OutputPixelFormat::Yuv420p,
        "av1",
        30.0,
    ),
    (
        Encoder::LibvpxVp9,
        Container::Webm,
        OutputPixelFormat::Yuv420p,
        "vp9",
        30.0,
    ),
    (
        Encoder::LibvpxVp9,
        Container::Mkv,
        OutputPixelFormat::Yuv444p10le,
        "vp9",
        0.0,
    ),
    (
        Encoder::ProresKs,
        Container::Mov,
        OutputPixelFormat::Yuv422p10le,
        "prores",
        0.0,
    ),
    (
        Encoder::ProresKs,
        Container::Mov,
        OutputPixelFormat::Yuva444p10le,
        "prores",
        0.0,
    ),
    (
        Encoder::Ffv1,
        Container::Mkv,
        OutputPixelFormat::Yuv444p,
        "ffv1",
        45.0,
    ),
    (
        Encoder::Ffv1,
        Container::Avi,
        OutputPixelFormat::Yuv420p10le,
        "ffv1",
        0.0,
    ),
];

/// Whether the decoder FFmpeg chose (`libdav1d` for AV1, say) reads `codec`.
fn decodes_as(decoder: &str, codec: &str) -> bool {
    decoder == codec || (codec == "av1" && ["libdav1d", "libaom-av1"].contains(&decoder))
}

#[test]
fn every_encoder_writes_what_a_decoder_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    for &(encoder, container, format, codec, least_psnr) in CASES {
        if !require_encoder(encoder) {
            continue;
        }
        let path = dir
            .path()
            .join(format!("{encoder}-{format}.{}", container.name()));
        let mut cfg = EncoderConfig::new(W, H, 30)
            .codec(encoder)
            .output_format(format);
        if encoder == Encoder::Libsvtav1 || encoder == Encoder::Librav1e {
            cfg.preset = Some("10".into());
        }
        if encoder == Encoder::LibaomAv1 || encoder == Encoder::LibvpxVp9 {
            cfg.preset = Some("8".into());
        }
        let s = encode_smooth(&path, cfg, N);
        assert_eq!(
            (s.frames, s.encoder, s.codec, s.pixel_format),
            (N as u64, encoder, encoder.codec(), format)
        );
        let d = decode_file(&path);
        let what = format!("{encoder} {format} in {container}");
        assert!(decodes_as(&d.codec, codec), "{what}: {}", d.codec);
        assert_eq!(d.frames.len(), N as usize, "{what}");
        assert_eq!((d.width, d.height), (W, H), "{what}");
        assert!((d.duration - 1.0).abs() < 1e-3, "{what}: {} s", d.duration);
        if least_psnr > 0.0 {
            let mut worst = f64::MAX;
            for (i, f) in d.frames.iter().enumerate() {
                let rgb = yuv_to_rgb(f, BT601.0, BT601.1, false);
                worst = worst.min(psnr(&rgb, &smooth_rgb(W, H, i as u32)));
            }
            assert!(worst >= least_psnr, "{what}: PSNR {worst:.1} dB");
        }
    }
}

#[test]
fn hevc_in_mp4_is_tagged_hvc1_and_defaults_follow_the_encoder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.mp4");
    encode_smooth(
        &path,
        EncoderConfig::new(W, H, 30).codec(Encoder::Libx265),
        5,
    );
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.windows(4).any(|w| w == b"hvc1"));
    assert!(!bytes.windows(4).any(|w| w == b"hev1"));
    // ProRes has no 4:2:0: the default pixel format becomes its own (4:2:2 10-bit).
    let path = dir.path().join("p.mov");
    let s = encode_smooth(
        &path,
        EncoderConfig::new(W, H, 30).codec(Encoder::ProresKs),
        3,
    );
    assert_eq!(s.pixel_format, OutputPixelFormat::Yuv422p10le);
}

#[test]
fn pairs_that_cannot_work_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    for (cfg, name, text) in [
        (
            EncoderConfig::new(W, H, 30).codec(Encoder::ProresKs),
            "p.webm",
            "mov or mkv",
        ),
        (
            EncoderConfig::new(W, H, 30).codec(Encoder::LibvpxVp9),
            "v.avi",
            "webm",
        ),
        (
            EncoderConfig::new(W, H, 30)
                .codec(Encoder::Libsvtav1)
                .output_format(OutputPixelFormat::Yuv444p),
            "a.mkv",
            "yuv420p",
        ),
        (
            EncoderConfig::new(W, H, 30)
                .codec(Encoder::Libx265)
                .crf(60.0),
            "c.mp4",
            "0 to 51",
        ),
        (
            EncoderConfig::new(W, H, 30).codec(Encoder::Ffv1).crf(10.0),
            "f.mkv",
            "lossless",
        ),
        (
            {
                let mut c = EncoderConfig::new(W, H, 30).codec(Encoder::Libsvtav1);
                c.preset = Some("slow".into());
                c
            },
            "s.webm",
            "0 (slowest) to 13",
        ),
        (
            EncoderConfig::new(W, H, 30)
                .codec(Encoder::ProresKs)
                .profile("4444"),
            "q.mov",
            "proxy, lt, standard or hq",
        ),
        (
            EncoderConfig::new(W, H, 30).codec(Encoder::Mjpeg),
            "j.mp4",
            "avi, mov or mkv",
        ),
        (
            EncoderConfig::new(W, H, 30)
                .codec(Encoder::Mjpeg)
                .quantizer(1),
            "j.avi",
            "2 to 31",
        ),
        (
            EncoderConfig::new(W, H, 30).codec(Encoder::Mjpeg).crf(20.0),
            "j.mkv",
            "qscale",
        ),
    ] {
        let path = dir.path().join(name);
        let e = VideoWriter::create(&path, cfg).unwrap_err().to_string();
        assert!(e.contains(text), "{name}: {e}");
        assert!(!path.exists() && !encode_native::partial_path(&path).exists());
    }
}

#[test]
fn the_command_line_reaches_every_codec_by_its_short_name() {
    let dir = tempfile::tempdir().unwrap();
    for (codec, name, want) in [
        ("av1", "demo.webm", "av1"),
        ("hevc", "demo.mp4", "hevc"),
        ("vp9", "demo.mkv", "vp9"),
        ("prores", "alpha.mov", "prores"),
        ("ffv1", "lossless.mkv", "ffv1"),
        ("mjpg", "frames.avi", "mjpeg"),
        ("", "demo.gif", "gif"),
    ] {
        let out = dir.path().join(name);
        let mut args = vec!["demo", "--frames", "12", "--size", "128x96"];
        if !codec.is_empty() {
            args.extend(["--codec", codec]);
        }
        if codec == "prores" {
            args.extend(["--pix-fmt", "yuva444p10le"]);
        }
        if codec == "av1" {
            args.extend(["--preset", "12"]);
        }
        let r = std::process::Command::new(env!("CARGO_BIN_EXE_encode-native"))
            .args(&args)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&r.stderr);
        assert!(r.status.success(), "{codec}: {err}");
        assert!(!err.contains("Svt["), "SVT-AV1 printed on its own: {err}");
        let d = decode_file(&out);
        assert!(decodes_as(&d.codec, want), "{codec}: {}", d.codec);
        assert_eq!(d.frames.len(), 12, "{codec}");
        // GIF keeps time in 1/100 s.
        let precision = if want == "gif" { 0.0101 } else { 1e-3 };
        assert!(
            (d.duration - 0.4).abs() < precision,
            "{codec}: {}",
            d.duration
        );
    }
    // Animated WebP (FFmpeg 5.1 cannot decode it): one ANMF chunk per frame.
    let out = dir.path().join("demo.webp");
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_encode-native"))
        .args(["demo", "--frames", "12", "--size", "128x96", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(bytes.windows(4).filter(|w| w == b"ANMF").count(), 12);
}

/// Every frame of `path` as packed RGB, decoded by the ffmpeg command (an outside decoder).
fn ffmpeg_rgb(path: &std::path::Path) -> Vec<u8> {
    ffmpeg_raw(path, None, "rgb24")
}

/// Every frame of `path` in the raw `pix_fmt`, decoded by the ffmpeg command with `decoder`
/// (or its own choice), one picture per frame whatever the timestamps.
fn ffmpeg_raw(path: &std::path::Path, decoder: Option<&str>, pix_fmt: &str) -> Vec<u8> {
    let mut cmd = std::process::Command::new("ffmpeg");
    cmd.args(["-v", "error"]);
    if let Some(d) = decoder {
        cmd.args(["-c:v", d]);
    }
    let out = cmd
        .arg("-i")
        .arg(path)
        .args(["-fps_mode", "passthrough"])
        .args(["-f", "rawvideo", "-pix_fmt", pix_fmt, "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn lossless_is_lossless() {
    let dir = tempfile::tempdir().unwrap();
    let frames: Vec<Vec<u8>> = (0..6).map(|i| smooth_rgb(W, H, i * 7)).collect();
    for (encoder, format, name) in [
        (Encoder::Ffv1, OutputPixelFormat::Bgr0, "l.mkv"),
        (Encoder::Libx264rgb, OutputPixelFormat::Rgb24, "l.mp4"),
    ] {
        for input in [
            encode_native::PixelFormat::Rgb24,
            encode_native::PixelFormat::Bgra,
        ] {
            let path = dir.path().join(format!("{input}-{name}"));
            let mut cfg = EncoderConfig::new(W, H, 30)
                .codec(encoder)
                .output_format(format)
                .input_format(input);
            if encoder == Encoder::Libx264rgb {
                cfg = cfg.crf(0.0).preset("ultrafast");
            }
            let mut w = VideoWriter::create(&path, cfg).unwrap();
            for f in &frames {
                let pixels: Vec<u8> = if input == encode_native::PixelFormat::Bgra {
                    f.chunks(3).flat_map(|p| [p[2], p[1], p[0], 255]).collect()
                } else {
                    f.clone()
                };
                w.push(encode_native::Frame::from_vec(W, H, input, pixels))
                    .unwrap();
            }
            w.finish().unwrap();
            assert_eq!(
                ffmpeg_rgb(&path),
                frames.concat(),
                "{encoder} from {input}: not lossless"
            );
        }
    }
}

#[test]
fn hardware_encoders_are_named_as_not_supported_yet() {
    let mut cfg = EncoderConfig::new(W, H, 30);
    for name in ["h264_nvenc", "hevc_vaapi", "h264_qsv"] {
        let e = cfg.set("codec", name).unwrap_err().to_string();
        assert!(e.contains(name) && e.contains("hardware"), "{e}");
    }
}

#[test]
fn alpha_survives_the_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    // Transparency that varies across the picture and from frame to frame.
    let frames: Vec<Vec<u8>> = (0..8u32)
        .map(|i| {
            smooth_rgb(W, H, i)
                .chunks(3)
                .enumerate()
                .flat_map(|(k, p)| {
                    let (x, y) = (k as u32 % W, k as u32 / W);
                    [p[0], p[1], p[2], ((x * 2 + y + i * 20) % 256) as u8]
                })
                .collect()
        })
        .collect();
    for (encoder, format, name, decoder, tolerance) in [
        (Encoder::Ffv1, OutputPixelFormat::Yuva420p, "a.mkv", None, 1),
        (
            Encoder::ProresKs,
            OutputPixelFormat::Yuva444p10le,
            "a.mov",
            None,
            2,
        ),
        (
            Encoder::LibvpxVp9,
            OutputPixelFormat::Yuva420p,
            "a.webm",
            Some("libvpx-vp9"),
            24,
        ),
    ] {
        let path = dir.path().join(name);
        let cfg = EncoderConfig::new(W, H, 30)
            .codec(encoder)
            .output_format(format)
            .input_format(encode_native::PixelFormat::Rgba);
        let mut w = VideoWriter::create(&path, cfg).unwrap();
        for f in &frames {
            w.push(encode_native::Frame::new(
                W,
                H,
                encode_native::PixelFormat::Rgba,
                f,
            ))
            .unwrap();
        }
        w.finish().unwrap();
        let got = ffmpeg_raw(&path, decoder, "rgba");
        let want = frames.concat();
        assert_eq!(got.len(), want.len(), "{encoder}");
        let worst = got
            .chunks(4)
            .zip(want.chunks(4))
            .map(|(g, w)| (g[3] as i32 - w[3] as i32).abs())
            .max()
            .unwrap();
        eprintln!("{encoder}: alpha off by up to {worst}");
        assert!(worst <= tolerance, "{encoder}: alpha off by up to {worst}");
    }
}

#[test]
fn animated_png_is_lossless_and_webp_has_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let frames: Vec<Vec<u8>> = (0..5).map(|i| smooth_rgb(W, H, i * 5)).collect();
    // The container picks its codec: APNG, lossless.
    let path = dir.path().join("a.apng");
    let s = push_all(&path, EncoderConfig::new(W, H, 10), &frames);
    assert_eq!(
        (s.encoder, s.pixel_format),
        (Encoder::Apng, OutputPixelFormat::Rgb24)
    );
    assert_eq!(ffmpeg_rgb(&path), frames.concat());
    // Animated WebP: FFmpeg 5.1 cannot decode it, so its structure is read: one ANMF chunk
    // per frame, looping forever, in a RIFF WEBP file.
    let path = dir.path().join("a.webp");
    let s = encode_smooth(&path, EncoderConfig::new(W, H, 10), 7);
    assert_eq!(s.encoder, Encoder::LibwebpAnim);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!((&bytes[..4], &bytes[8..12]), (&b"RIFF"[..], &b"WEBP"[..]));
    assert_eq!(bytes.windows(4).filter(|w| w == b"ANMF").count(), 7);
    assert!(bytes.windows(4).any(|w| w == b"ANIM"));
}

/// Every frame of a GIF as packed RGB, decoded by the ffmpeg command, one picture per frame
/// whatever the delays.
fn gif_frames(path: &std::path::Path, w: u32, h: u32) -> Vec<Vec<u8>> {
    ffmpeg_raw(path, None, "rgb24")
        .chunks((w * h * 3) as usize)
        .map(<[u8]>::to_vec)
        .collect()
}

fn push_all(
    path: &std::path::Path,
    cfg: EncoderConfig,
    frames: &[Vec<u8>],
) -> encode_native::Summary {
    let (w, h) = (cfg.width, cfg.height);
    let mut writer = VideoWriter::create(path, cfg).unwrap();
    for f in frames {
        writer
            .push(encode_native::Frame::new(
                w,
                h,
                encode_native::PixelFormat::Rgb24,
                f,
            ))
            .unwrap();
    }
    writer.finish().unwrap()
}

#[test]
fn gif_has_every_frame_in_close_colours() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smooth.gif");
    let frames: Vec<Vec<u8>> = (0..N).map(|i| smooth_rgb(W, H, i)).collect();
    let s = push_all(&path, EncoderConfig::new(W, H, 30), &frames);
    assert_eq!(
        (s.frames, s.encoder, s.pixel_format),
        (N as u64, Encoder::Gif, OutputPixelFormat::Pal8)
    );
    let d = decode_file(&path);
    assert_eq!(d.codec, "gif");
    assert_eq!((d.width, d.height, d.frames.len()), (W, H, N as usize));
    // GIF stores delays in 1/100 s: 30 frames at 30 fps last 1.00 s, to one hundredth.
    assert!((d.duration - 1.0).abs() <= 0.0101, "{} s", d.duration);
    let back = gif_frames(&path, W, H);
    assert_eq!(back.len(), N as usize);
    for (i, (a, b)) in back.iter().zip(&frames).enumerate() {
        let p = psnr(a, b);
        assert!(p >= 30.0, "frame {i}: PSNR {p:.1} dB");
    }
}

#[test]
fn gif_keeps_few_colours_exactly_and_its_palette_while_it_fits() {
    let dir = tempfile::tempdir().unwrap();
    // A flat picture of 200 colours with a small square moving over it.
    let frames: Vec<Vec<u8>> = (0..20u32)
        .map(|i| {
            let mut f = Vec::with_capacity((W * H * 3) as usize);
            for y in 0..H {
                for x in 0..W {
                    let inside = (x / 8 == i % 20) && (y / 8 == 0);
                    let c = if inside {
                        [250, 10, 10]
                    } else {
                        [(x / 8 * 12) as u8, (y / 12 * 25) as u8, 90]
                    };
                    f.extend_from_slice(&c);
                }
            }
            f
        })
        .collect();
    let adaptive = dir.path().join("adaptive.gif");
    push_all(&adaptive, EncoderConfig::new(W, H, 10), &frames);
    assert_eq!(gif_frames(&adaptive, W, H), frames, "exact colours");
    let mut cfg = EncoderConfig::new(W, H, 10);
    cfg.set("palette", "per-frame").unwrap();
    let per_frame = dir.path().join("per-frame.gif");
    push_all(&per_frame, cfg, &frames);
    assert_eq!(gif_frames(&per_frame, W, H), frames);
    // One palette lets the encoder store only the moving square after the first frame.
    let (a, p) = (
        std::fs::metadata(&adaptive).unwrap().len(),
        std::fs::metadata(&per_frame).unwrap().len(),
    );
    assert!(a * 2 < p, "adaptive {a} bytes, per-frame {p} bytes");
}

#[test]
fn gif_palette_settings_are_applied_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let frames: Vec<Vec<u8>> = (0..4).map(|i| smooth_rgb(W, H, i * 7)).collect();
    let path = dir.path().join("16.gif");
    let mut cfg = EncoderConfig::new(W, H, 10);
    cfg.set("colors", "16").unwrap();
    cfg.set("dither", "none").unwrap();
    push_all(&path, cfg, &frames);
    for (i, f) in gif_frames(&path, W, H).iter().enumerate() {
        let mut colours: Vec<&[u8]> = f.chunks(3).collect();
        colours.sort();
        colours.dedup();
        assert!(colours.len() <= 16, "frame {i}: {} colours", colours.len());
        assert!(psnr(f, &frames[i]) > 20.0);
    }
    for (key, value, codec, says) in [
        ("colors", "1", "gif", "2 to 256"),
        ("colors", "300", "gif", "2 to 256"),
        ("colors", "64", "libx264", "only with gif"),
        ("dither", "none", "libx265", "only with gif"),
        ("palette", "per-frame", "ffv1", "only with gif"),
    ] {
        let mut cfg = EncoderConfig::new(W, H, 10);
        cfg.set("codec", codec).unwrap();
        cfg.set(key, value).unwrap();
        let err = cfg.validate().unwrap_err().to_string();
        assert!(
            err.contains(key) && err.contains(says),
            "{key}={value}: {err}"
        );
    }
    let mut cfg = EncoderConfig::new(W, H, 10);
    let err = cfg.set("dither", "bayer").unwrap_err().to_string();
    assert!(err.contains("floyd-steinberg"), "{err}");
}

#[test]
fn sixteen_bit_input_keeps_its_precision_in_ten_bit_output() {
    // A grey ramp of 1024 levels: through 8 bits it would keep at most 220 limited-range codes.
    let (w, h) = (1024u32, 4u32);
    let ramp: Vec<u16> = (0..h)
        .flat_map(|_| (0..w).map(|x| (x * 64) as u16))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ramp.mkv");
    let cfg = EncoderConfig::new(w, h, 10)
        .codec(Encoder::Ffv1)
        .output_format(OutputPixelFormat::Yuv444p10le)
        .input_format(encode_native::PixelFormat::Gray16Le);
    let mut writer = VideoWriter::create(&path, cfg).unwrap();
    writer
        .push(encode_native::Frame::from_u16(
            w,
            h,
            encode_native::PixelFormat::Gray16Le,
            &ramp,
        ))
        .unwrap();
    writer.finish().unwrap();
    // FFV1 is lossless, so the decoded Y plane is what the conversion made.
    let raw = ffmpeg_raw(&path, None, "yuv444p10le");
    let luma: Vec<u16> = raw
        .chunks(2)
        .take((w * h) as usize)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .collect();
    let row = &luma[..w as usize];
    let mut distinct = row.to_vec();
    distinct.dedup();
    assert!(distinct.len() >= 800, "{} distinct codes", distinct.len());
    assert!(row.windows(2).all(|p| p[0] <= p[1]), "not monotonic");
    for (x, &y) in row.iter().enumerate() {
        // Limited range, 10 bit: 64 + 876 × v / 65535; libswscale's gray16 path scales about
        // 0.5 % short at the top (at most 5 codes), so that is allowed here.
        let want = 64.0 + 876.0 * f64::from(ramp[x]) / 65535.0;
        assert!(
            (f64::from(y) - want).abs() <= 5.0,
            "x {x}: {y}, expected {want:.1}"
        );
    }
}

/// MJPEG: every frame a JPEG, in full range (JPEG's YUV) whatever `full_range` says, in AVI,
/// MOV and MKV; decoded back for its frames, size and pictures, and its quantiser works.
#[test]
fn mjpeg_writes_full_range_jpeg_frames_in_avi_mov_and_mkv() {
    if !require_encoder(Encoder::Mjpeg) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (container, format) in [
        (Container::Avi, OutputPixelFormat::Yuv420p),
        (Container::Mov, OutputPixelFormat::Yuv422p),
        (Container::Mkv, OutputPixelFormat::Yuv444p),
    ] {
        let path = dir.path().join(format!("m-{format}.{}", container.name()));
        let cfg = EncoderConfig::new(W, H, 30)
            .codec(Encoder::Mjpeg)
            .output_format(format);
        let s = encode_smooth(&path, cfg, N);
        assert_eq!(
            (s.frames, s.codec, s.pixel_format),
            (N as u64, encode_native::VideoCodec::Mjpeg, format)
        );
        let d = decode_file(&path);
        let what = format!("mjpeg {format} in {container}");
        assert_eq!(d.codec, "mjpeg", "{what}");
        assert_eq!(d.frames.len(), N as usize, "{what}");
        assert_eq!((d.width, d.height), (W, H), "{what}");
        assert!((d.duration - 1.0).abs() < 1e-3, "{what}: {} s", d.duration);
        let mut worst = f64::MAX;
        for (i, f) in d.frames.iter().enumerate() {
            let rgb = yuv_to_rgb(f, BT601.0, BT601.1, true);
            worst = worst.min(psnr(&rgb, &smooth_rgb(W, H, i as u32)));
        }
        assert!(worst >= 35.0, "{what}: PSNR {worst:.1} dB");
    }
    // The quantiser reaches the encoder: 2 is more than twice as big as 31.
    let size = |q: u32| {
        let path = dir.path().join(format!("q{q}.avi"));
        encode_smooth(
            &path,
            EncoderConfig::new(W, H, 30)
                .codec(Encoder::Mjpeg)
                .quantizer(q),
            N,
        )
        .bytes
    };
    let (best, worst) = (size(2), size(31));
    assert!(best > 2 * worst, "qscale 2: {best} bytes, 31: {worst}");
}

/// `.wmv`: an ASF file with Microsoft MPEG-4 v3 video (msmpeg4, the encoder ffmpeg and imageio
/// pick for the extension), decoded back for its codec, frames, size, duration and pictures;
/// the quantiser reaches the encoder; sound, which the table gives no WMV encoder for, and a
/// write-only stream are refused naming the container.
#[test]
fn wmv_writes_msmpeg4_in_asf() {
    if !require_encoder(Encoder::Msmpeg4) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.wmv");
    let s = encode_smooth(&path, EncoderConfig::new(W, H, 30), N);
    assert_eq!(
        (s.frames, s.codec),
        (N as u64, encode_native::VideoCodec::Msmpeg4v3)
    );
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=format_name",
            "-of",
            "csv=p=0",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "asf");
    let d = decode_file(&path);
    assert_eq!(d.codec, "msmpeg4");
    assert_eq!(d.frames.len(), N as usize);
    assert_eq!((d.width, d.height), (W, H));
    let mut worst = f64::MAX;
    for (i, f) in d.frames.iter().enumerate() {
        let rgb = yuv_to_rgb(f, BT601.0, BT601.1, false);
        worst = worst.min(psnr(&rgb, &smooth_rgb(W, H, i as u32)));
    }
    assert!(worst >= 30.0, "msmpeg4 in wmv: PSNR {worst:.1} dB");
    let size = |q: u32| {
        let path = dir.path().join(format!("q{q}.wmv"));
        encode_smooth(&path, EncoderConfig::new(W, H, 30).quantizer(q), N).bytes
    };
    let (fine, coarse) = (size(2), size(20));
    assert!(fine > 2 * coarse, "qscale 2: {fine} bytes, 20: {coarse}");
    let e = VideoWriter::create(
        dir.path().join("sound.wmv"),
        EncoderConfig::new(W, H, 30).audio_samples(48_000, 2),
    )
    .unwrap_err();
    assert!(e.to_string().contains("wmv"), "{e}");
    assert!(!dir.path().join("sound.wmv").exists());
    let e = VideoWriter::to_stream(
        Vec::new(),
        EncoderConfig::new(W, H, 30).container(Container::Wmv),
    )
    .unwrap_err();
    assert!(e.to_string().contains("WMV needs a seekable output"), "{e}");
}

/// A fixed quantiser reaches FFmpeg's mpeg4 encoder (it reads each frame's quality, not the
/// context's): quantiser 2 and 20 make files of very different sizes.
#[test]
fn the_mpeg4_quantiser_changes_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let size = |q: u32| {
        let path = dir.path().join(format!("q{q}.mp4"));
        encode_smooth(
            &path,
            EncoderConfig::new(W, H, 30)
                .codec(Encoder::Mpeg4)
                .quantizer(q),
            N,
        )
        .bytes
    };
    let (fine, coarse) = (size(2), size(20));
    assert!(fine > 2 * coarse, "qscale 2: {fine} bytes, 20: {coarse}");
}

/// Every encoder's quality scale in the table is the one the library takes: its best and
/// worst values encode a frame, one step past the worst is refused naming the setting, and
/// the default lies on the scale.
#[test]
fn each_encoders_quality_scale_is_what_it_takes() {
    use encode_native::{Destination, Frame, MemoryBuffer, PixelFormat, WriterOptions};
    let frame = vec![120u8; 64 * 64 * 3];
    let encode = |encoder: Encoder, key: &str, value: f64| {
        let mut config = EncoderConfig::new(64, 64, 10).codec(encoder);
        config.container = Some(encoder.info().containers[0]);
        config.set(key, &format!("{value}"))?;
        let mut w = VideoWriter::open_with(
            config,
            Destination::Memory(MemoryBuffer::new()),
            WriterOptions::default(),
        )?;
        w.push(Frame::new(64, 64, PixelFormat::Rgb24, &frame))?;
        w.finish().map(|s| s.frames)
    };
    let mut scales = 0;
    for &encoder in Encoder::ALL {
        let Some(q) = encoder.info().quality else {
            continue;
        };
        scales += 1;
        if let Some(d) = q.default {
            let (lo, hi) = (q.best.min(q.worst), q.best.max(q.worst));
            assert!(lo <= d && d <= hi, "{encoder}: default {d} off {lo}..{hi}");
        }
        if !require_encoder(encoder) {
            continue;
        }
        for value in [q.best, q.worst] {
            assert_eq!(
                encode(encoder, q.key, value).map_err(|e| e.to_string()),
                Ok(1),
                "{encoder} {}={value}",
                q.key
            );
        }
        let past = q.worst + (q.worst - q.best).signum();
        let e = encode(encoder, q.key, past).expect_err(&format!("{encoder} {}={past}", q.key));
        // Named by the setting (qscale's field is the quantizer).
        let named = e.to_string().contains(q.key) || e.to_string().contains("quantizer");
        assert!(named, "{encoder}: {e}");
    }
    assert_eq!(scales, 12, "the encoders with a quality scale");
}

/// libx265 leaves its decoding timestamps to uninitialised memory when fewer than three
/// frames are encoded (x265 issue 781): every such MP4 must still be written, and each packet
/// must decode no later than it shows, in order, within a frame of its time.
#[test]
fn libx265_short_videos_have_sound_decoding_times() {
    use encode_native::{Frame, PixelFormat};
    if !require_encoder(Encoder::Libx265) {
        return;
    }
    let frame = vec![90u8; 64 * 64 * 3];
    for run in 0..60 {
        let frames = 1 + run % 2;
        let mut config = EncoderConfig::new(64, 64, 10).codec(Encoder::Libx265);
        config.set("preset", "ultrafast").unwrap();
        config.set("crf", ["0", "28", "51"][run % 3]).unwrap();
        let mut w = VideoWriter::to_memory(config).unwrap();
        for _ in 0..frames {
            w.push(Frame::new(64, 64, PixelFormat::Rgb24, &frame))
                .unwrap();
        }
        let (bytes, summary) = w
            .finish_to_vec()
            .unwrap_or_else(|e| panic!("run {run}, {frames} frames: {e}"));
        assert_eq!(summary.frames, frames as u64);
        let io =
            ffmpeg_next::format::context::StreamIo::from_read_seek(std::io::Cursor::new(bytes))
                .unwrap();
        let mut input = ffmpeg_next::format::input_from_stream(io, None, None).unwrap();
        let mut last = i64::MIN;
        let mut packets = 0;
        for (stream, packet) in input.packets() {
            let tb = stream.time_base();
            let (pts, dts) = (packet.pts().unwrap(), packet.dts().unwrap());
            let frame_ticks = i64::from(tb.denominator()) / 10 / i64::from(tb.numerator()).max(1);
            assert!(
                dts <= pts && dts > last,
                "run {run}: dts {dts}, pts {pts}, last {last}"
            );
            assert!(
                pts - dts <= 2 * frame_ticks,
                "run {run}: dts {dts} far from pts {pts}"
            );
            last = dts;
            packets += 1;
        }
        assert_eq!(packets, frames, "run {run}");
    }
}
