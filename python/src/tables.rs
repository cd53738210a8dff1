//! The library's tables and checks as Python functions: settings, containers, encoders,
//! error kinds, pixel formats, frame rates, ffmpeg's flags, and concat.

use encode_native::{EncoderConfig, ErrorKind, PixelFormat, SettingKind};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::error::{exception_class, no_panic, NativeError};

/// Checks settings by name without opening anything: raises `ValueError` for an unknown
/// key or a value the setting does not take. With `container` (a container's name), also
/// what the plan checks for it: a setting its encoder does not take (a bitrate for GIF).
#[pyfunction]
#[pyo3(signature = (settings, container = None))]
pub(crate) fn check_settings(
    settings: Vec<(String, String)>,
    container: Option<String>,
) -> Result<(), NativeError> {
    let mut config = EncoderConfig::new(64, 64, 30);
    for (key, value) in &settings {
        config.set(key, value)?;
    }
    if let Some(name) = container {
        let container: encode_native::Container = name.parse()?;
        config.plan(container)?;
    }
    Ok(())
}

/// Checks settings for a writer to `output` (a manifest, a server's URL, a file) without
/// creating or connecting to anything: `ValueError` for a setting that destination does not
/// take (renditions on a file, a timeout on HLS) or a codec its stream cannot carry.
#[pyfunction]
pub(crate) fn check_destination(
    settings: Vec<(String, String)>,
    output: String,
) -> Result<(), NativeError> {
    let mut config = EncoderConfig::new(64, 64, 30);
    for (key, value) in &settings {
        config.set(key, value)?;
    }
    config.check_destination(&output)?;
    Ok(())
}

/// ffmpeg's flags as settings (`(key, value)` pairs, in order), as the library's
/// translator reads them: `input` describes the frames (`-r`, `-framerate`, `-pix_fmt`,
/// `-s`), `output` the video (`-c:v`, `-crf`, `-b:v`, `-movflags`, ...). `ValueError`
/// naming the flag for one without an equivalent (and listing those there are), a missing
/// value or one the setting does not take.
#[pyfunction]
#[pyo3(signature = (output, input = Vec::new()))]
pub(crate) fn ffmpeg_args_settings(
    output: Vec<String>,
    input: Vec<String>,
) -> Result<Vec<(&'static str, String)>, NativeError> {
    Ok(encode_native::ffmpeg_args_settings(&input, &output)?)
}

/// The canonical name of an input pixel format given by any of its names (`rgb` is
/// `rgb24`); `ValueError` listing the names for an unknown one.
#[pyfunction]
pub(crate) fn pixel_format_name(name: &str) -> Result<&'static str, NativeError> {
    Ok(name.parse::<PixelFormat>()?.name())
}

/// A frame rate as the library reads it, exact: `(numerator, denominator)` (`"29.97"` is
/// `(30000, 1001)`); `ValueError` for text that is not a positive rate.
#[pyfunction]
pub(crate) fn frame_rate(text: &str) -> Result<(i32, i32), NativeError> {
    let rate: encode_native::FrameRate = text.parse()?;
    Ok((rate.num, rate.den))
}

/// Every setting the writers take by keyword, as dicts: `key`, `aliases`, `value_name`,
/// `help`, `choices`, `default`, `kind` (`value`, `switch`, `optional` or `repeated`),
/// `group` (the heading the command line's help shows it under: `Rate control`, `Audio`, ...),
/// `encoders` (what each encoder takes, where that differs: `{"libx264": "0 to 51 ..."}`)
/// and `description` (all of it in one text, as the command line's help says it).
#[pyfunction]
pub(crate) fn settings(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for s in EncoderConfig::settings() {
        let d = PyDict::new(py);
        d.set_item("key", s.key)?;
        d.set_item("aliases", s.aliases.to_vec())?;
        d.set_item("value_name", s.value_name)?;
        d.set_item("help", s.help)?;
        let encoders = PyDict::new(py);
        for (e, text) in s.per_encoder() {
            encoders.set_item(e.name(), text)?;
        }
        d.set_item("encoders", encoders)?;
        d.set_item("description", s.describe())?;
        d.set_item("choices", s.choices.to_vec())?;
        d.set_item("default", s.default)?;
        let kind = match s.kind {
            SettingKind::Switch => "switch",
            SettingKind::OptionalValue(_) => "optional",
            SettingKind::Repeated => "repeated",
            _ => "value",
        };
        d.set_item("kind", kind)?;
        d.set_item("group", s.group.heading())?;
        list.append(d)?;
    }
    Ok(list)
}

/// The library's container table, as dicts: `name`, `aliases`, `extension`, `mime`,
/// `browser` (`"video"`, `"img"` or `None`: the element a browser shows it in), `muxer` and
/// `default_encoder`.
#[pyfunction]
pub(crate) fn containers(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for c in encode_native::Container::ALL {
        let d = PyDict::new(py);
        d.set_item("name", c.name())?;
        d.set_item("aliases", c.aliases().to_vec())?;
        d.set_item("extension", c.extension())?;
        d.set_item("mime", c.mime())?;
        d.set_item("browser", c.browser_element().map(|b| b.tag()))?;
        d.set_item("muxer", c.muxer())?;
        d.set_item("default_encoder", c.default_encoder().name())?;
        list.append(d)?;
    }
    Ok(list)
}

/// The library's encoder table, as dicts: `name`, `aliases`, `codec` (the coding format),
/// `pixel_formats`, `containers`, `license`.
#[pyfunction]
pub(crate) fn encoders(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    let linked = encode_native::info::library_info().encoders;
    for e in encode_native::Encoder::ALL {
        let info = e.info();
        let d = PyDict::new(py);
        d.set_item("name", e.name())?;
        d.set_item("available", linked.iter().any(|(l, ok)| l == e && *ok))?;
        d.set_item("aliases", e.aliases().to_vec())?;
        d.set_item("codec", info.codec.name())?;
        let formats: Vec<&str> = info.pixel_formats.iter().map(|f| f.name()).collect();
        d.set_item("pixel_formats", formats)?;
        let containers: Vec<&str> = info.containers.iter().map(|c| c.name()).collect();
        d.set_item("containers", containers)?;
        d.set_item("license", info.license)?;
        let quality = match info.quality {
            Some(q) => {
                let scale = PyDict::new(py);
                scale.set_item("key", q.key)?;
                scale.set_item("best", q.best)?;
                scale.set_item("worst", q.worst)?;
                scale.set_item("default", q.default)?;
                Some(scale)
            }
            None => None,
        };
        d.set_item("quality", quality)?;
        d.set_item("presets", info.presets.to_vec())?;
        list.append(d)?;
    }
    Ok(list)
}

/// The library's table of error kinds, as dicts: `kind` and `exception` (the class of
/// `encode_native._errors` it raises).
#[pyfunction]
pub(crate) fn error_kinds(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for &k in ErrorKind::ALL {
        let d = PyDict::new(py);
        d.set_item("kind", k.name())?;
        d.set_item("exception", exception_class(k))?;
        list.append(d)?;
    }
    Ok(list)
}

/// Joins segments encoded with the same settings into `output` without re-encoding; returns
/// `(frames, duration in seconds, bytes, width, height, codec)`. The GIL is released while
/// it copies.
#[pyfunction]
pub(crate) fn concat(
    py: Python<'_>,
    inputs: Vec<std::path::PathBuf>,
    output: std::path::PathBuf,
) -> Result<(u64, f64, u64, u32, u32, String), NativeError> {
    let done = py.detach(|| {
        no_panic("joining segments", || {
            encode_native::concat(&inputs, &output)
        })
    })?;
    Ok((
        done.frames,
        done.duration.as_secs_f64(),
        done.bytes,
        done.width,
        done.height,
        done.codec,
    ))
}
