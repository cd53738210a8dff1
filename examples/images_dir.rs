//! A folder of images (PNG, JPEG, …) → a video, in natural order (frame2 before frame10).
//!
//! Usage: `cargo run --example images_dir -- DIR OUT.mp4 [FPS]`

use std::path::PathBuf;

use encode_native::{EncoderConfig, Frame, FrameRate, VideoWriter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: images_dir DIR OUT [FPS]".into());
    };
    let fps: FrameRate = args.next().as_deref().unwrap_or("24").parse()?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| image::ImageFormat::from_path(p).is_ok())
        .collect();
    // Natural order: frame2 before frame10.
    alphanumeric_sort::sort_path_slice(&mut paths);
    let first = paths.first().ok_or(format!("no images in '{dir}'"))?;
    let open =
        |p: &PathBuf| image::open(p).map_err(|e| format!("cannot decode '{}': {e}", p.display()));
    let img = open(first)?.to_rgb8();
    let (w, h) = img.dimensions();
    let mut writer = VideoWriter::create(&out, EncoderConfig::new(w, h, fps))?;
    writer.push(img)?;
    for p in &paths[1..] {
        let img = open(p)?.to_rgb8();
        // A frame of another size is refused with a clear error naming its index.
        writer
            .push(Frame::from(img))
            .map_err(|e| format!("'{}': {e}", p.display()))?;
    }
    let s = writer.finish()?;
    println!(
        "{out}: {} frames from '{dir}', {:.3} s",
        s.frames,
        s.duration.as_secs_f64()
    );
    Ok(())
}
