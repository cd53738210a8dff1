//! The command line's settings → the library's [`EncoderConfig`], through the library's own
//! table of settings by name (`EncoderConfig::set`): no second mapping here.

use anyhow::Result;
use encode_native::{Container, EncoderConfig, FrameRate, PixelFormat};

use crate::args::SettingArgs;

/// The configuration the settings describe, for frames of any size (set later by [`sized`]).
pub fn base_config(settings: &SettingArgs, container: Container) -> Result<EncoderConfig> {
    // A stand-in size every encoder takes (SVT-AV1's smallest picture is 64x64).
    let mut config = EncoderConfig::new(64, 64, 30);
    for (key, value) in &settings.0 {
        config.set(key, value)?;
    }
    config.container = Some(container);
    // Catch a bad setting now rather than after reading input (the size is checked at open).
    config.validate()?;
    Ok(config)
}

/// `base` for `width`×`height` frames of `format` at `fps`.
pub fn sized(
    base: &EncoderConfig,
    width: u32,
    height: u32,
    format: PixelFormat,
    fps: FrameRate,
) -> EncoderConfig {
    let mut config = base.clone();
    config.width = width;
    config.height = height;
    config.input_format = format;
    config.frame_rate = fps;
    config
}
