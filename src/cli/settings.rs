//! The command line's settings → the library's [`EncoderConfig`], through the library's own
//! table of settings by name (`EncoderConfig::set`): no second mapping here.

use anyhow::Result;
use encode_native::{Container, EncoderConfig, FrameRate, PixelFormat};

use crate::cli::args::SettingArgs;
use crate::cli::spellings;

/// The configuration the settings describe, for frames of any size (set later by [`sized`]).
pub fn base_config(settings: &SettingArgs, container: Container) -> Result<EncoderConfig> {
    // A stand-in size every encoder takes (SVT-AV1's smallest picture is 64x64).
    let mut config = EncoderConfig::new(64, 64, 30);
    for (key, value) in &settings.0 {
        config.set(key, value).map_err(named)?;
    }
    config.container = Some(container);
    // Catch a bad setting now rather than after reading input (the size is checked at open).
    config.validate().map_err(named)?;
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

/// A library error, with a wrong setting named by the option the user wrote (`--pix-fmt`,
/// or `-pix_fmt` when written so) instead of the library's field (`output_format`).
pub fn named(e: encode_native::Error) -> anyhow::Error {
    if let encode_native::Error::Config {
        field,
        value,
        allowed,
    } = &e
    {
        if let Ok(setting) = EncoderConfig::setting(field) {
            if setting.output_option {
                let option = spellings::option_for_key(setting.key);
                return anyhow::anyhow!("invalid {option} '{value}': {allowed}");
            }
        }
    }
    anyhow::Error::new(e)
}
