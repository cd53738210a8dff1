//! Palette settings: how a 256-colour output (GIF) gets its colours.

named_enum! {
    /// How the picture is mapped to the palette.
    #[derive(Default)]
    pub enum Dither ("dither") {
        /// Floyd–Steinberg error diffusion (the default): smooth gradients, a fine grain.
        #[default]
        FloydSteinberg = ["floyd-steinberg", "floyd_steinberg", "fs"],
        /// Each pixel takes the nearest palette colour: flat areas stay flat (plots, diagrams),
        /// gradients show bands.
        None = ["none"],
    }
}

named_enum! {
    /// When a new palette is made.
    #[derive(Default)]
    pub enum PaletteMode ("palette") {
        /// One palette kept from frame to frame and made again from the frame that no longer
        /// fits it (the default): unchanged areas stay unchanged, so files stay small.
        #[default]
        Adaptive = ["adaptive"],
        /// A new palette for every frame: the closest colours, larger files.
        PerFrame = ["per-frame", "per_frame"],
    }
}

/// Palette settings of a 256-colour output (GIF). `None` fields take the defaults; setting one
/// for an encoder without a palette is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct PaletteSettings {
    /// Colours in a palette, 2–256 (default 256).
    pub colors: Option<u16>,
    /// Dithering (default Floyd–Steinberg).
    pub dither: Option<Dither>,
    /// When a new palette is made (default adaptive).
    pub mode: Option<PaletteMode>,
}

impl PaletteSettings {
    /// The first setting given, by name, for the error of an encoder that has no palette.
    pub(crate) fn first_set(&self) -> Option<(&'static str, String)> {
        if let Some(c) = self.colors {
            Some(("colors", c.to_string()))
        } else if let Some(d) = self.dither {
            Some(("dither", d.to_string()))
        } else {
            self.mode.map(|m| ("palette", m.to_string()))
        }
    }
}
