//! Colour: the matrix and range that drive both the conversion and the stream's tags.

named_enum! {
    /// The YCbCr matrix used for RGB → YUV, which also sets the stream's colour tags.
    pub enum ColorMatrix ("color_matrix") {
        /// ITU-R BT.709 (HD). Tags: bt709 primaries, transfer and matrix.
        Bt709 = ["bt709"],
        /// ITU-R BT.601 (SD). Tags: smpte170m primaries, transfer and matrix.
        Bt601 = ["bt601", "smpte170m", "bt470bg"],
    }
}

/// Colour settings: one place that drives both the conversion and the stream's tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct ColorSettings {
    /// The matrix; `None` picks BT.709 for HD and larger (width ≥ 1280 or height ≥ 720) and BT.601 below.
    pub matrix: Option<ColorMatrix>,
    /// Full range (0–255) instead of limited range (16–235), the default that players expect.
    pub full_range: bool,
}

impl ColorSettings {
    /// The matrix actually used for a picture of this size.
    pub fn resolved_matrix(&self, width: u32, height: u32) -> ColorMatrix {
        self.matrix.unwrap_or(if width >= 1280 || height >= 720 {
            ColorMatrix::Bt709
        } else {
            ColorMatrix::Bt601
        })
    }
}
