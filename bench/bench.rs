//! encode-native's side of the benchmark (driven by `bench/run.py`).
//!
//! Modes (one JSON line on stdout each):
//! - `gen W H N OUT.rgb`: the deterministic smooth moving picture, raw rgb24.
//! - `lib W H N IN FPS PRESET PIXFMT OUT [rgb24|yuv420p|yuv444p] [swscale]`: frames loaded
//!   into memory first (untimed), then open → push all (borrowed) → finish, timed.
//! - `yuv W H N IN PIXFMT OUT`: pre-converts IN to planar YUV with encode-native's converter.
//! - `convert W H N IN PIXFMT`: RGB → YUV conversion alone, ms per frame on one core.
//! - `memory W H N OUT`: N frames made on the fly (30 distinct, reused), peak RSS.

use std::time::Instant;

use encode_native::{
    EncoderConfig, Frame, FrameRate, OutputPixelFormat, PixelFormat, VideoWriter, WriterOptions,
    YuvConverter,
};

/// The peer benchmark's "scene" picture, bit for bit: R = (x + 4i) % 256,
/// G = (y + 2i) % 256, B = an 8×8 checkerboard flipping every frame, and a filled circle
/// (radius h/8, colour (255, 64, 0)) on a Lissajous path.
fn scene(w: u32, h: u32, i: u32, out: &mut Vec<u8>) {
    out.clear();
    let r = (h / 8) as i64;
    let tau = std::f64::consts::TAU;
    let cx = (w as f64 / 2.0 + (w as f64 / 2.0 - r as f64 - 1.0) * (tau * i as f64 / 150.0).sin())
        as i64;
    let cy = (h as f64 / 2.0 + (h as f64 / 2.0 - r as f64 - 1.0) * (tau * i as f64 / 110.0).sin())
        as i64;
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as i64 - cx, y as i64 - cy);
            if dx * dx + dy * dy <= r * r {
                out.extend_from_slice(&[255, 64, 0]);
            } else {
                out.extend_from_slice(&[
                    ((x + 4 * i) % 256) as u8,
                    ((y + 2 * i) % 256) as u8,
                    (((x / 8 + y / 8 + i) % 2) * 255) as u8,
                ]);
            }
        }
    }
}

/// CPU seconds of this process so far (user + system), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|s| s.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// Peak resident memory of this process in MiB, from /proc.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn arg<T: std::str::FromStr>(a: &[String], i: usize) -> T
where
    T::Err: std::fmt::Debug,
{
    a[i].parse()
        .unwrap_or_else(|e| panic!("argument {i} '{}': {e:?}", a[i]))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(String::as_str) {
        Some("gen") => {
            let (w, h, n): (u32, u32, u32) = (arg(&a, 2), arg(&a, 3), arg(&a, 4));
            let mut f = std::io::BufWriter::new(std::fs::File::create(&a[5])?);
            let mut buf = Vec::new();
            for i in 0..n {
                scene(w, h, i, &mut buf);
                std::io::Write::write_all(&mut f, &buf)?;
            }
        }
        Some("yuv") => {
            let (w, h, n): (u32, u32, usize) = (arg(&a, 2), arg(&a, 3), arg(&a, 4));
            let out_fmt: OutputPixelFormat = arg(&a, 6);
            let data = std::fs::read(&a[5])?;
            let len = (w * h * 3) as usize;
            let mut conv = YuvConverter::new(&EncoderConfig::new(w, h, 30).output_format(out_fmt))?;
            let mut f = std::io::BufWriter::new(std::fs::File::create(&a[7])?);
            let mut yuv = Vec::new();
            for i in 0..n {
                conv.convert(
                    &Frame::new(w, h, PixelFormat::Rgb24, &data[i * len..(i + 1) * len]),
                    &mut yuv,
                )?;
                std::io::Write::write_all(&mut f, &yuv)?;
            }
        }
        Some("lib") => {
            let (w, h, n): (u32, u32, usize) = (arg(&a, 2), arg(&a, 3), arg(&a, 4));
            let fps: FrameRate = arg(&a, 6);
            let out_fmt: OutputPixelFormat = arg(&a, 8);
            let in_fmt: PixelFormat = a.get(10).map(|_| arg(&a, 10)).unwrap_or(PixelFormat::Rgb24);
            let swscale = a.get(11).is_some_and(|s| s == "swscale");
            let data = std::fs::read(&a[5])?;
            let len = in_fmt.frame_len(w, h);
            assert!(
                data.len() >= len * n,
                "{} holds fewer than {n} frames",
                a[5]
            );
            let cfg = EncoderConfig::new(w, h, fps)
                .preset(a[7].clone())
                .crf(23.0)
                .output_format(out_fmt)
                .input_format(in_fmt);
            // Knobs: BENCH_MATRIX=bt601|bt709, BENCH_THREADS=N, BENCH_X264_PARAMS=k=v:k=v.
            let cfg = match std::env::var("BENCH_MATRIX") {
                Ok(m) => cfg.color_matrix(m.parse()?),
                Err(_) => cfg,
            };
            let cfg = match std::env::var("BENCH_THREADS") {
                Ok(t) => cfg.threads(t.parse()?),
                Err(_) => cfg,
            };
            let cfg = match std::env::var("BENCH_X264_PARAMS") {
                Ok(p) => cfg.x264_params(p),
                Err(_) => cfg,
            };
            // BENCH_AUDIO=1: a stereo 48 kHz soundtrack (AAC), pushed a frame's worth at a time.
            let audio = std::env::var("BENCH_AUDIO").is_ok_and(|v| v == "1");
            let cfg = if audio {
                cfg.audio_samples(48_000, 2)
            } else {
                cfg
            };
            // BENCH_AUDIO_CODEC=NAME: another audio encoder than the container's default.
            let cfg = match std::env::var("BENCH_AUDIO_CODEC") {
                Ok(c) if audio => cfg.audio_codec(c.parse()?),
                _ => cfg,
            };
            let per_frame = (48_000.0 * fps.den as f64 / fps.num as f64).round() as usize;
            // A continuous tone (440 Hz left, 660 Hz right) for the whole video, made before
            // the clock starts.
            let tone: Vec<f32> = if audio {
                (0..per_frame * n)
                    .flat_map(|k| {
                        let t = k as f32 / 48_000.0;
                        [
                            0.3 * (std::f32::consts::TAU * 440.0 * t).sin(),
                            0.3 * (std::f32::consts::TAU * 660.0 * t).sin(),
                        ]
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let (c0, t0) = (cpu_seconds(), Instant::now());
            let opts = WriterOptions::default().force_swscale(swscale);
            let mut wr = VideoWriter::create_with(&a[9], cfg, opts)?;
            for i in 0..n {
                wr.push(Frame::new(w, h, in_fmt, &data[i * len..(i + 1) * len]))?;
                if audio {
                    let chunk = &tone[i * per_frame * 2..(i + 1) * per_frame * 2];
                    wr.push_audio(encode_native::AudioSamples::interleaved(chunk, 2))?;
                }
            }
            let s = wr.finish()?;
            let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
            println!(
                "{{\"wall_s\": {wall:.4}, \"cpu_s\": {cpu:.3}, \"frames\": {}, \"bytes\": {}, \"first_packet_ms\": {:.2}, \"peak_rss_mib\": {:.1}}}",
                s.frames,
                s.bytes,
                s.first_packet_latency.unwrap_or_default().as_secs_f64() * 1000.0,
                peak_rss_mib()
            );
        }
        Some("convert") => {
            let (w, h, n): (u32, u32, usize) = (arg(&a, 2), arg(&a, 3), arg(&a, 4));
            let out_fmt: OutputPixelFormat = arg(&a, 6);
            let data = std::fs::read(&a[5])?;
            let len = (w * h * 3) as usize;
            let n = n.min(data.len() / len);
            let mut conv = YuvConverter::new(&EncoderConfig::new(w, h, 30).output_format(out_fmt))?;
            let mut yuv = Vec::new();
            let mut best = f64::MAX;
            let mut total = 0.0;
            for i in 0..n {
                let frame = Frame::new(w, h, PixelFormat::Rgb24, &data[i * len..(i + 1) * len]);
                let t = Instant::now();
                conv.convert(&frame, &mut yuv)?;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                best = best.min(ms);
                total += ms;
            }
            println!(
                "{{\"convert_ms_mean\": {:.3}, \"convert_ms_best\": {best:.3}}}",
                total / n as f64
            );
        }
        Some("memory") => {
            let (w, h, n): (u32, u32, u32) = (arg(&a, 2), arg(&a, 3), arg(&a, 4));
            let frames: Vec<Vec<u8>> = (0..30)
                .map(|i| {
                    let mut b = Vec::new();
                    scene(w, h, i, &mut b);
                    b
                })
                .collect();
            let base = peak_rss_mib();
            let cfg = EncoderConfig::new(w, h, 30).preset("ultrafast");
            let mut wr = VideoWriter::create(&a[5], cfg)?;
            for i in 0..n {
                wr.push(Frame::new(
                    w,
                    h,
                    PixelFormat::Rgb24,
                    &frames[(i % 30) as usize],
                ))?;
            }
            let s = wr.finish()?;
            println!(
                "{{\"frames\": {}, \"peak_rss_mib\": {:.1}, \"before_mib\": {base:.1}}}",
                s.frames,
                peak_rss_mib()
            );
        }
        _ => {
            eprintln!("usage: bench gen|lib|convert|memory …  (see bench/README.md)");
            std::process::exit(2);
        }
    }
    Ok(())
}
