//! 256-colour pictures for GIF, one frame at a time, without holding frames back.
//!
//! A frame with few colours keeps them exactly. Otherwise Wu's quantiser (`quantette`) makes a
//! palette from the frame's colours and Floyd–Steinberg dithering (or the nearest colour) maps
//! the picture to it. In [`PaletteMode::Adaptive`] the palette is kept from frame to frame
//! while it still fits: a frame whose colours it serves clearly worse than a palette of its
//! own gets a new one. A kept palette lets the GIF encoder store only what changed.

use std::collections::HashMap;

use palette::Srgb;
use quantette::{wu, ColorSlice, FloydSteinberg, PaletteSize};

use crate::config::{Dither, PaletteMode, PaletteSettings};

/// Colours a palette gets by default: one entry of the 256 stays free, so the encoder can
/// mark pixels that did not change as transparent.
pub(crate) const DEFAULT_COLORS: u16 = 255;

/// A palette is made again when the kept one's error is above this factor of a new one's…
const REFIT_FACTOR: f64 = 1.3;
/// …plus this much (mean squared error per pixel, in 8-bit levels).
const REFIT_SLACK: f64 = 2.0;

/// Bits per channel of the colour histogram used to judge a palette.
const BIN_BITS: u32 = 5;

/// Maps frames to palette indices; keeps the palette between frames.
pub(crate) struct Palettizer {
    colors: u16,
    dither: Dither,
    mode: PaletteMode,
    /// The palette in use (empty before the first frame).
    palette: Vec<Srgb<u8>>,
    /// Pixel count and colour sums per histogram bin, reused between frames.
    bins: Vec<(u64, [u64; 3])>,
    /// How many frames got a new palette.
    palettes_made: u64,
}

impl Palettizer {
    /// A palettizer with these settings (`None` fields take the defaults).
    pub(crate) fn new(settings: &PaletteSettings) -> Self {
        Palettizer {
            colors: settings.colors.unwrap_or(DEFAULT_COLORS).clamp(2, 256),
            dither: settings.dither.unwrap_or_default(),
            mode: settings.mode.unwrap_or_default(),
            palette: Vec::new(),
            bins: vec![(0, [0; 3]); 1 << (3 * BIN_BITS)],
            palettes_made: 0,
        }
    }

    /// How many palettes have been made so far.
    #[cfg(test)]
    pub(crate) fn palettes_made(&self) -> u64 {
        self.palettes_made
    }

    /// Maps `rgb` (packed, `width` × `height` pixels) to palette indices in `indices` and
    /// returns the palette as 256 `0xAARRGGBB` entries (unused ones opaque black).
    pub(crate) fn map(
        &mut self,
        rgb: &[Srgb<u8>],
        width: u32,
        height: u32,
        indices: &mut Vec<u8>,
    ) -> [u32; 256] {
        indices.clear();
        indices.resize(rgb.len(), 0);
        let exact = self.exact_colors(rgb, indices);
        let fresh = match &exact {
            Some(_) => Vec::new(),
            None => match ColorSlice::try_from(rgb) {
                Ok(slice) => {
                    let size = PaletteSize::from_clamped(self.colors);
                    let wu = wu::palette(&slice, size, &wu::UIntBinner::<32>).palette;
                    self.fill_spare_entries(wu, rgb)
                }
                Err(_) => Vec::new(),
            },
        };
        if !self.keeps_palette(rgb, exact.as_deref(), &fresh, width, height, indices) {
            self.palettes_made += 1;
            match exact {
                Some(colors) => self.palette = colors,
                None => {
                    self.palette = fresh;
                    self.map_to_palette(rgb, width, height, indices);
                }
            }
        }
        let mut out = [0xff00_0000u32; 256];
        for (entry, c) in out.iter_mut().zip(&self.palette) {
            *entry =
                0xff00_0000 | u32::from(c.red) << 16 | u32::from(c.green) << 8 | u32::from(c.blue);
        }
        out
    }

    /// The frame's colours when there are at most `colors` of them, with `indices` set to
    /// them; `None` (and `indices` to be overwritten) otherwise.
    fn exact_colors(&self, rgb: &[Srgb<u8>], indices: &mut [u8]) -> Option<Vec<Srgb<u8>>> {
        let mut seen: HashMap<[u8; 3], u8> = HashMap::new();
        let mut order: Vec<Srgb<u8>> = Vec::new();
        for (px, index) in rgb.iter().zip(indices.iter_mut()) {
            let next = order.len();
            let i = *seen.entry([px.red, px.green, px.blue]).or_insert_with(|| {
                order.push(*px);
                // At most 256 entries are ever inserted before the check below returns.
                next.min(255) as u8
            });
            if order.len() > usize::from(self.colors) {
                return None;
            }
            *index = i;
        }
        Some(order)
    }

    /// In adaptive mode, maps the frame to the kept palette when it fits the frame nearly as
    /// well as a palette of the frame's own (`exact` colours or Wu's `fresh` one), and says so.
    fn keeps_palette(
        &mut self,
        rgb: &[Srgb<u8>],
        exact: Option<&[Srgb<u8>]>,
        fresh: &[Srgb<u8>],
        width: u32,
        height: u32,
        indices: &mut [u8],
    ) -> bool {
        if self.mode != PaletteMode::Adaptive || self.palette.is_empty() {
            return false;
        }
        if let Some(colors) = exact {
            if colors.iter().all(|c| self.palette.contains(c)) {
                let lookup: HashMap<[u8; 3], u8> = self
                    .palette
                    .iter()
                    .enumerate()
                    .map(|(i, c)| ([c.red, c.green, c.blue], i.min(255) as u8))
                    .collect();
                for index in indices.iter_mut() {
                    let c = colors[usize::from(*index)];
                    *index = lookup[&[c.red, c.green, c.blue]];
                }
                return true;
            }
        }
        self.fill_bins(rgb);
        let own = match exact {
            Some(_) => 0.0,
            None if fresh.is_empty() => return true,
            None => self.bin_error(fresh),
        };
        if self.bin_error(&self.palette) > own * REFIT_FACTOR + REFIT_SLACK {
            return false;
        }
        self.map_to_palette(rgb, width, height, indices);
        true
    }

    /// Maps the frame to the current palette: dithering or the nearest colour.
    fn map_to_palette(&self, rgb: &[Srgb<u8>], width: u32, height: u32, indices: &mut [u8]) {
        if self.palette.is_empty() {
            return;
        }
        let table: Vec<[f32; 3]> = self.palette.iter().map(|c| components(*c)).collect();
        match self.dither {
            Dither::FloydSteinberg => {
                // The neighbour search starts at the entry nearest to the pixel's bin.
                let mut start = vec![u16::MAX; 1 << (3 * BIN_BITS)];
                for (px, index) in rgb.iter().zip(indices.iter_mut()) {
                    let s = &mut start[bin_of(*px)];
                    if *s == u16::MAX {
                        *s = u16::from(nearest(&table, components(*px)));
                    }
                    *index = (*s).min(255) as u8;
                }
                FloydSteinberg::new().dither(&self.palette, indices, rgb, width, height);
            }
            Dither::None => {
                let mut nearest_of: HashMap<[u8; 3], u8> = HashMap::new();
                for (px, index) in rgb.iter().zip(indices.iter_mut()) {
                    *index = *nearest_of
                        .entry([px.red, px.green, px.blue])
                        .or_insert_with(|| nearest(&table, components(*px)));
                }
            }
        }
    }

    /// Wu's quantiser works on histogram bins, so a frame whose colours fill few bins (a
    /// plot's anti-aliased lines: shades between two colours) leaves entries unused. They
    /// get the frame's exact colours that the palette serves worst (pixels × squared error).
    fn fill_spare_entries(&self, palette: Vec<Srgb<u8>>, rgb: &[Srgb<u8>]) -> Vec<Srgb<u8>> {
        let mut unique: Vec<Srgb<u8>> = Vec::with_capacity(palette.len());
        for c in palette {
            if !unique.contains(&c) {
                unique.push(c);
            }
        }
        let spare = usize::from(self.colors).saturating_sub(unique.len());
        if spare == 0 || unique.is_empty() {
            return unique;
        }
        let mut counts: HashMap<[u8; 3], u64> = HashMap::new();
        for px in rgb {
            *counts.entry([px.red, px.green, px.blue]).or_insert(0) += 1;
        }
        let table: Vec<[f32; 3]> = unique.iter().map(|c| components(*c)).collect();
        let mut worst: Vec<(f64, [u8; 3])> = counts
            .into_iter()
            .map(|(c, n)| {
                let c32 = c.map(f32::from);
                let e = distance(table[usize::from(nearest(&table, c32))], c32);
                (f64::from(e) * n as f64, c)
            })
            .filter(|(e, _)| *e > 0.0)
            .collect();
        worst.sort_by(|a, b| b.0.total_cmp(&a.0));
        unique.extend(
            worst
                .into_iter()
                .take(spare)
                .map(|(_, [r, g, b])| Srgb::new(r, g, b)),
        );
        unique
    }

    /// Counts the frame's pixels per histogram bin.
    fn fill_bins(&mut self, rgb: &[Srgb<u8>]) {
        self.bins.fill((0, [0; 3]));
        for px in rgb {
            let bin = &mut self.bins[bin_of(*px)];
            bin.0 += 1;
            bin.1[0] += u64::from(px.red);
            bin.1[1] += u64::from(px.green);
            bin.1[2] += u64::from(px.blue);
        }
    }

    /// Mean squared error per pixel of mapping each bin's mean colour to its nearest entry
    /// of `palette`.
    fn bin_error(&self, palette: &[Srgb<u8>]) -> f64 {
        let table: Vec<[f32; 3]> = palette.iter().map(|c| components(*c)).collect();
        let (mut total, mut count) = (0.0f64, 0u64);
        for &(n, sum) in self.bins.iter().filter(|b| b.0 > 0) {
            let mean = sum.map(|s| (s as f64 / n as f64) as f32);
            let best = table
                .iter()
                .map(|p| distance(*p, mean))
                .fold(f32::INFINITY, f32::min);
            total += f64::from(best) * n as f64;
            count += n;
        }
        if count == 0 {
            0.0
        } else {
            total / count as f64
        }
    }
}

/// The histogram bin of a colour.
fn bin_of(c: Srgb<u8>) -> usize {
    let shift = 8 - BIN_BITS;
    (usize::from(c.red >> shift) << (2 * BIN_BITS))
        | (usize::from(c.green >> shift) << BIN_BITS)
        | usize::from(c.blue >> shift)
}

fn components(c: Srgb<u8>) -> [f32; 3] {
    [f32::from(c.red), f32::from(c.green), f32::from(c.blue)]
}

fn distance(a: [f32; 3], b: [f32; 3]) -> f32 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// The index of the entry of `table` nearest to `c` (the first of equals).
fn nearest(table: &[[f32; 3]], c: [f32; 3]) -> u8 {
    let mut best = (0usize, f32::INFINITY);
    for (i, p) in table.iter().enumerate() {
        let d = distance(*p, c);
        if d < best.1 {
            best = (i, d);
        }
    }
    // Palettes have at most 256 entries.
    best.0.min(255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(w: usize, h: usize, f: impl Fn(usize, usize) -> [u8; 3]) -> Vec<Srgb<u8>> {
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                let [r, g, b] = f(x, y);
                Srgb::new(r, g, b)
            })
            .collect()
    }

    fn decoded(indices: &[u8], palette: &[u32; 256]) -> Vec<[u8; 3]> {
        indices
            .iter()
            .map(|&i| {
                let v = palette[usize::from(i)];
                [(v >> 16) as u8, (v >> 8) as u8, v as u8]
            })
            .collect()
    }

    #[test]
    fn few_colours_are_kept_exactly() {
        let pic = picture(40, 30, |x, y| [(x * 6) as u8, (y * 8) as u8, 7]);
        let mut p = Palettizer::new(&PaletteSettings::default());
        let mut idx = Vec::new();
        let pal = p.map(&pic, 40, 30, &mut idx);
        // 40 × 30 = 1200 colours: more than 255, so this one is quantised…
        assert!(decoded(&idx, &pal)
            .iter()
            .zip(&pic)
            .any(|(a, b)| *a != [b.red, b.green, b.blue]));
        // …but 200 colours come back exactly.
        let pic = picture(20, 10, |x, y| [(x * 12) as u8, (y * 25) as u8, 200]);
        let pal = p.map(&pic, 20, 10, &mut idx);
        let back = decoded(&idx, &pal);
        for (a, b) in back.iter().zip(&pic) {
            assert_eq!(*a, [b.red, b.green, b.blue]);
        }
        assert_eq!(p.palettes_made(), 2);
        // A frame using some of those colours keeps the palette.
        let part = picture(20, 10, |x, _| [(x * 12) as u8, 0, 200]);
        let pal = p.map(&part, 20, 10, &mut idx);
        assert_eq!(p.palettes_made(), 2);
        for (a, b) in decoded(&idx, &pal).iter().zip(&part) {
            assert_eq!(*a, [b.red, b.green, b.blue]);
        }
    }

    #[test]
    fn palette_is_kept_while_it_fits_and_remade_when_not() {
        let grad = |shift: usize| {
            picture(128, 64, move |x, y| {
                [(x * 2) as u8, (y * 4) as u8, (shift % 256) as u8]
            })
        };
        let mut p = Palettizer::new(&PaletteSettings::default());
        let mut idx = Vec::new();
        p.map(&grad(0), 128, 64, &mut idx);
        p.map(&grad(2), 128, 64, &mut idx);
        assert_eq!(
            p.palettes_made(),
            1,
            "a nearly equal frame keeps the palette"
        );
        let other = picture(128, 64, |x, y| [255 - (y * 4) as u8, 128, (x * 2) as u8]);
        let pal = p.map(&other, 128, 64, &mut idx);
        assert_eq!(p.palettes_made(), 2, "different colours get a new palette");
        let mse: f64 = decoded(&idx, &pal)
            .iter()
            .zip(&other)
            .map(|(a, b)| {
                let d = [
                    f64::from(a[0]) - f64::from(b.red),
                    f64::from(a[1]) - f64::from(b.green),
                    f64::from(a[2]) - f64::from(b.blue),
                ];
                d.iter().map(|v| v * v).sum::<f64>() / 3.0
            })
            .sum::<f64>()
            / other.len() as f64;
        // The first palette has no blue at all: mapping to it would be off by thousands.
        assert!(mse < 40.0, "mse {mse}");

        let mut per_frame = Palettizer::new(&PaletteSettings {
            mode: Some(PaletteMode::PerFrame),
            ..Default::default()
        });
        per_frame.map(&grad(0), 128, 64, &mut idx);
        per_frame.map(&grad(2), 128, 64, &mut idx);
        assert_eq!(per_frame.palettes_made(), 2);
    }

    #[test]
    fn no_dithering_maps_each_pixel_to_its_nearest_colour() {
        let pic = picture(64, 64, |x, y| {
            [(x * 4) as u8, (y * 4) as u8, ((x + y) * 2) as u8]
        });
        let mut p = Palettizer::new(&PaletteSettings {
            dither: Some(Dither::None),
            colors: Some(16),
            ..Default::default()
        });
        let mut idx = Vec::new();
        let pal = p.map(&pic, 64, 64, &mut idx);
        let table: Vec<[f32; 3]> = pal[..16]
            .iter()
            .map(|v| {
                [
                    ((v >> 16) & 255) as f32,
                    ((v >> 8) & 255) as f32,
                    (v & 255) as f32,
                ]
            })
            .collect();
        for (px, &i) in pic.iter().zip(&idx) {
            assert!(i < 16);
            let c = components(*px);
            let best = table
                .iter()
                .map(|t| distance(*t, c))
                .fold(f32::INFINITY, f32::min);
            assert_eq!(distance(table[usize::from(i)], c), best);
        }
    }
}
