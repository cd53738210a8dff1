//! Five frames of random noise, 1280x720, the classic "write a video from an array" tutorial.
//!
//! Usage: `cargo run --example noise -- OUT.mp4`

use encode_native::{EncoderConfig, Frame, PixelFormat, VideoWriter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: noise OUT (e.g. noise.mp4)")?;
    let (width, height) = (1280, 720);
    let mut writer = VideoWriter::create(&out, EncoderConfig::new(width, height, 25))?;
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..5 {
        // Like `np.random.random((720, 1280, 3)) * 255`: an owned buffer, moved without a copy.
        let pixels: Vec<u8> = (0..width * height * 3).map(|_| rng.u8(..)).collect();
        writer.push(Frame::from_vec(width, height, PixelFormat::Rgb24, pixels))?;
    }
    let summary = writer.finish()?;
    println!(
        "{out}: {} frames, {:.3} s, {} bytes",
        summary.frames,
        summary.duration.as_secs_f64(),
        summary.bytes
    );
    Ok(())
}
