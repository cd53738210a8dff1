//! A video from a function of time, `make_frame(t) -> frame`, for a given duration
//! (what moviepy's `VideoClip(make_frame, duration)` does).
//!
//! Usage: `cargo run --example make_frame -- OUT.mp4 [SECONDS]`

use encode_native::{EncoderConfig, Frame, FrameRate, PixelFormat, VideoWriter};

/// A colour wheel that turns with time: pure function of `t` seconds.
fn make_frame(t: f64, w: u32, h: u32, buf: &mut Vec<u8>) {
    buf.clear();
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    for y in 0..h {
        for x in 0..w {
            let angle = (y as f64 - cy).atan2(x as f64 - cx) + t * std::f64::consts::TAU / 4.0;
            let c = |phase: f64| ((angle + phase).sin() * 0.5 + 0.5) * 255.0;
            buf.extend_from_slice(&[c(0.0) as u8, c(2.094) as u8, c(4.189) as u8]);
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: make_frame OUT [SECONDS]")?;
    let seconds: f64 = args.next().as_deref().unwrap_or("2").parse()?;
    let (w, h) = (480, 270);
    let fps = FrameRate::new(30000, 1001); // 29.97 exactly, never rounded to 30
    let mut writer = VideoWriter::create(&out, EncoderConfig::new(w, h, fps))?;
    let frames = (seconds * fps.as_f64()).round() as u64;
    let mut buf = Vec::new();
    for i in 0..frames {
        make_frame(i as f64 / fps.as_f64(), w, h, &mut buf);
        // Borrowed: converted during `push`, so `buf` can be drawn into again at once.
        writer.push(Frame::new(w, h, PixelFormat::Rgb24, &buf))?;
    }
    let s = writer.finish()?;
    println!(
        "{out}: {} frames at {fps} fps, {:.4} s",
        s.frames,
        s.duration.as_secs_f64()
    );
    Ok(())
}
