//! `encode-native info`: the linked FFmpeg and x264, the licence, and what is available.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use encode_native::info::{library_info, LibraryInfo};
use serde_json::json;

use crate::args::InfoArgs;

/// Prints the description as text or JSON on stdout.
pub fn run(args: &InfoArgs) -> Result<()> {
    let info = library_info();
    let x264 = x264_description(&info);
    let yes = |b: bool| if b { "yes" } else { "no" };
    if args.json {
        let object = json!({
            "encode_native": env!("CARGO_PKG_VERSION"),
            "libavcodec": info.libavcodec,
            "libavformat": info.libavformat,
            "libavutil": info.libavutil,
            "libswscale": info.libswscale,
            "license": info.license,
            "x264": x264,
            "encoders": info.encoders.iter().map(|(c, ok)| (c.name().to_string(), json!(ok))).collect::<serde_json::Map<_, _>>(),
            "containers": info.containers.iter().map(|(c, ok)| (c.name().to_string(), json!(ok))).collect::<serde_json::Map<_, _>>(),
            "input_pixel_formats": info.input_formats.iter().map(|f| f.name()).collect::<Vec<_>>(),
            "output_pixel_formats": info.output_formats.iter().map(|f| f.name()).collect::<Vec<_>>(),
            "configuration": info.configuration,
        });
        return print(format!("{object}\n"));
    }
    let mut text = String::new();
    let list = |items: Vec<String>| items.join(", ");
    let _ = writeln!(text, "encode-native {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(text, "FFmpeg libraries (linked in):");
    let _ = writeln!(text, "  libavcodec    {}", info.libavcodec);
    let _ = writeln!(text, "  libavformat   {}", info.libavformat);
    let _ = writeln!(text, "  libavutil     {}", info.libavutil);
    let _ = writeln!(text, "  libswscale    {}", info.libswscale);
    let _ = writeln!(text, "  licence       {}", info.license);
    let _ = writeln!(text, "x264:           {x264}");
    let _ = writeln!(
        text,
        "encoders:       {}",
        list(
            info.encoders
                .iter()
                .map(|(c, ok)| format!("{} {}", c.name(), yes(*ok)))
                .collect()
        )
    );
    let _ = writeln!(
        text,
        "containers:     {}",
        list(
            info.containers
                .iter()
                .map(|(c, ok)| format!("{} {}", c.name(), yes(*ok)))
                .collect()
        )
    );
    let _ = writeln!(
        text,
        "input pixel formats:  {}",
        list(
            info.input_formats
                .iter()
                .map(|f| f.name().to_string())
                .collect()
        )
    );
    let _ = writeln!(
        text,
        "output pixel formats: {}",
        list(
            info.output_formats
                .iter()
                .map(|f| f.name().to_string())
                .collect()
        )
    );
    let _ = writeln!(text, "configuration:  {}", info.configuration);
    print(text)
}

/// Writes the description on standard output.
fn print(text: String) -> Result<()> {
    crate::report::print_stdout(&text).context("cannot print the description on standard output")
}

/// What is known of x264: its build from the configuration or the loaded shared library
/// (`libx264.so.164` is core 164), else just whether libavcodec has the encoder.
fn x264_description(info: &LibraryInfo) -> String {
    let present = info
        .encoders
        .iter()
        .any(|(c, ok)| *ok && *c == encode_native::Encoder::Libx264);
    if !present {
        return "not available (the linked libavcodec has no libx264 encoder)".into();
    }
    // A static build may name the x264 build in its configure line (e.g. "x264-164").
    if let Some(build) = build_after(&info.configuration, "x264-") {
        return format!("libx264 present, core {build}");
    }
    if let Some(build) = loaded_x264_build() {
        return format!("libx264 present, core {build} (libx264.so.{build})");
    }
    "libx264 present".into()
}

/// The digits right after `marker` in `text`, if any.
fn build_after(text: &str, marker: &str) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (!digits.is_empty()).then_some(digits)
}

/// The soname version of the libx264 loaded in this process (Linux: /proc/self/maps).
fn loaded_x264_build() -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .find_map(|line| build_after(line, "libx264.so."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_are_read_after_the_marker() {
        assert_eq!(
            build_after("/usr/lib/libx264.so.164", "libx264.so."),
            Some("164".into())
        );
        assert_eq!(build_after("--enable-libx264", "x264-"), None);
    }
}
