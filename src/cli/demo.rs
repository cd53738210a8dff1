//! `encode-native demo`: a synthetic moving test picture, so the encoder runs with no input.

use anyhow::Result;
use encode_native::{AudioSamples, AudioSource, Frame, PixelFormat};

use crate::cli::args::{DemoArgs, Pattern};
use crate::cli::output::{Outcome, Output};
use crate::cli::signals;

/// Encodes `--frames` frames of the chosen pattern.
pub fn run(args: &DemoArgs) -> Result<Outcome> {
    let output = Output::prepare(&args.output)?;
    let (w, h) = (args.size.width, args.size.height);
    let config = output.config(w, h, PixelFormat::Rgb24, args.fps);
    // With a soundtrack of pushed samples (`--sample-rate`), a tone that beeps at every
    // second, in time with the picture's seconds.
    let tone = match config.audio.source {
        Some(AudioSource::Samples) => Some((
            config.audio.sample_rate.unwrap_or(48_000),
            config.audio.channels.unwrap_or(2),
        )),
        _ => None,
    };
    let fps = config.frame_rate;
    output.encode(config, Some(args.frames), |encoder| {
        let mut pixels = vec![0u8; w as usize * h as usize * 3];
        let mut samples = Vec::new();
        let mut rng = fastrand::Rng::with_seed(0x5eed);
        for i in 0..args.frames {
            if signals::interrupted() {
                break;
            }
            match args.pattern {
                Pattern::Scene => scene(w, h, i, &mut pixels),
                Pattern::Noise => rng.fill(&mut pixels),
            }
            encoder.push(Frame::new(w, h, PixelFormat::Rgb24, &pixels))?;
            if let Some((rate, channels)) = tone {
                // Frame i starts at sample i·rate·den/num.
                let at = |i: u64| {
                    (u128::from(i) * u128::from(rate) * fps.den as u128 / fps.num as u128) as u64
                };
                tone_samples(at(i), at(i + 1), rate, channels, &mut samples);
                encoder.push_audio(AudioSamples::interleaved(&samples, channels))?;
            }
        }
        Ok(())
    })
}

/// Samples `from..to` (at `rate`) of the demo's tone, interleaved for `channels` channels:
/// 440 Hz, with a 1 kHz beep in the first tenth of every second.
fn tone_samples(from: u64, to: u64, rate: u32, channels: u16, out: &mut Vec<f32>) {
    out.clear();
    for n in from..to {
        let t = n as f64 / f64::from(rate);
        let beep = (n % u64::from(rate)) < u64::from(rate) / 10;
        let f = if beep { 1000.0 } else { 440.0 };
        let s = (0.2 * (std::f64::consts::TAU * f * t).sin()) as f32;
        out.extend(std::iter::repeat_n(s, usize::from(channels)));
    }
}

/// A triangle wave over 0..=255 with period 510.
fn tri(v: u32) -> u8 {
    let m = v % 510;
    (if m < 256 { m } else { 510 - m }) as u8
}

/// Frame `i` of the scene, rgb24 into `out`: drifting colour gradients, a disc on a Lissajous
/// path (soft edge), a bouncing square and a sweeping bar. Deterministic.
pub fn scene(w: u32, h: u32, i: u64, out: &mut [u8]) {
    let t = i as f64;
    let (wf, hf) = (w as f64, h as f64);
    let step = (i % 510) as u32;
    // Background gradients, shifted over time.
    for y in 0..h {
        let gy = y * 255 / h.max(2);
        let row = &mut out[(y * w * 3) as usize..((y + 1) * w * 3) as usize];
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            let x = x as u32;
            let gx = x * 255 / w.max(2);
            px[0] = tri(gx + step);
            px[1] = tri(gy + 2 * step);
            px[2] = tri((gx + gy) / 2 + 255 + 3 * step);
        }
    }
    let unit = wf.min(hf);
    // A bar sweeping left to right.
    let bar_w = (unit / 20.0).max(1.0);
    let bar_x = (t * wf / 150.0) % (wf + bar_w) - bar_w;
    fill_rect(out, w, h, bar_x, 0.0, bar_w, hf, [240, 240, 240]);
    // A square bouncing along the bottom.
    let side = (unit / 5.0).max(1.0);
    let span = (wf - side).max(1.0);
    let p = (t * 4.0) % (2.0 * span);
    let sx = if p < span { p } else { 2.0 * span - p };
    fill_rect(
        out,
        w,
        h,
        sx,
        hf * 0.75 - side / 2.0,
        side,
        side,
        [30, 60, 200],
    );
    // A disc on a Lissajous path, with a soft edge.
    let r = (unit / 6.0).max(1.0);
    let cx = wf / 2.0 + (wf / 2.0 - r) * (t * 0.031).sin();
    let cy = hf / 2.0 + (hf / 2.0 - r) * (t * 0.047).cos();
    let (x0, x1) = (
        ((cx - r - 2.0).floor().max(0.0)) as u32,
        ((cx + r + 2.0).ceil().min(wf)) as u32,
    );
    let (y0, y1) = (
        ((cy - r - 2.0).floor().max(0.0)) as u32,
        ((cy + r + 2.0).ceil().min(hf)) as u32,
    );
    for y in y0..y1 {
        for x in x0..x1 {
            let d = ((x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2)).sqrt();
            let a = (r - d + 0.5).clamp(0.0, 1.0);
            if a > 0.0 {
                let o = ((y * w + x) * 3) as usize;
                for (c, fg) in out[o..o + 3].iter_mut().zip([230.0, 200.0, 40.0]) {
                    *c = (a * fg + (1.0 - a) * *c as f64).round() as u8;
                }
            }
        }
    }
}

/// Fills the part of the rectangle inside the picture.
#[allow(clippy::too_many_arguments)]
fn fill_rect(out: &mut [u8], w: u32, h: u32, x: f64, y: f64, rw: f64, rh: f64, rgb: [u8; 3]) {
    let x0 = x.max(0.0).round() as u32;
    let x1 = ((x + rw).round().max(0.0) as u32).min(w);
    let y0 = y.max(0.0).round() as u32;
    let y1 = ((y + rh).round().max(0.0) as u32).min(h);
    for yy in y0..y1 {
        for xx in x0..x1 {
            let o = ((yy * w + xx) * 3) as usize;
            out[o..o + 3].copy_from_slice(&rgb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scene_is_deterministic_and_moves() {
        let (w, h) = (64, 48);
        let mut a = vec![0u8; 64 * 48 * 3];
        let mut b = a.clone();
        let mut c = a.clone();
        scene(w, h, 5, &mut a);
        scene(w, h, 5, &mut b);
        scene(w, h, 6, &mut c);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn tiny_pictures_do_not_panic() {
        for (w, h) in [(1, 1), (1, 7), (7, 1), (3, 2)] {
            let mut p = vec![0u8; (w * h * 3) as usize];
            for i in 0..600 {
                scene(w, h, i, &mut p);
            }
        }
    }
}
