//! An animated plot drawn by a plotting crate straight into the frame buffer
//! (the matplotlib `FuncAnimation` + `FFMpegWriter` case), with no image files in between.
//!
//! Usage: `cargo run --example sine_wave -- OUT.mp4`

use encode_native::{EncoderConfig, Frame, PixelFormat, VideoWriter};
use plotters::prelude::*;

const W: u32 = 640;
const H: u32 = 360;

fn draw(phase: f64, buf: &mut [u8]) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::with_buffer(buf, (W, H)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(20)
        .build_cartesian_2d(0.0..std::f64::consts::TAU, -1.2..1.2)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .x_labels(0)
        .y_labels(0)
        .draw()?;
    chart.draw_series(LineSeries::new(
        (0..=400).map(|i| {
            let x = i as f64 / 400.0 * std::f64::consts::TAU;
            (x, (x + phase).sin())
        }),
        BLUE.stroke_width(3),
    ))?;
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).ok_or("usage: sine_wave OUT")?;
    let mut writer = VideoWriter::create(&out, EncoderConfig::new(W, H, 30).tune("animation"))?;
    let mut buf = vec![0u8; (W * H * 3) as usize];
    for i in 0..60 {
        draw(i as f64 * std::f64::consts::TAU / 60.0, &mut buf)?;
        writer.push(Frame::new(W, H, PixelFormat::Rgb24, &buf))?;
    }
    let s = writer.finish()?;
    println!(
        "{out}: {} frames, {:.3} s",
        s.frames,
        s.duration.as_secs_f64()
    );
    Ok(())
}
