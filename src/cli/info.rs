//! `encode-native info`: the linked FFmpeg and x264, the licence, and what is available.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use encode_native::info::{library_info, LibraryInfo};
use encode_native::{AudioEncoder, AudioEncoderInfo};
use serde_json::json;

use crate::cli::args::InfoArgs;

/// Prints the description as text or JSON on stdout.
pub fn run(args: &InfoArgs) -> Result<()> {
    let info = library_info();
    let x264 = x264_description(&info);
    let yes = |b: bool| if b { "yes" } else { "no" };
    if args.json {
        let object = json!({
            "encode_native": env!("CARGO_PKG_VERSION"),
            "ffmpeg": info.ffmpeg,
            "ffmpeg_built_against": info.built_against,
            "libavcodec": info.libavcodec,
            "libavformat": info.libavformat,
            "libavutil": info.libavutil,
            "libswscale": info.libswscale,
            "license": info.license,
            "x264": x264,
            "codec_libraries": info.codec_libraries.iter().map(|(n, v)| (n.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "encoders": info.encoders.iter().map(|(c, ok)| (c.name().to_string(), json!(ok))).collect::<serde_json::Map<_, _>>(),
            "audio_encoders": info.audio_encoders.iter().map(|&(e, ok)| (e.name().to_string(), audio_json(e, ok))).collect::<serde_json::Map<_, _>>(),
            "containers": info.containers.iter().map(|(c, ok)| (c.name().to_string(), json!(ok))).collect::<serde_json::Map<_, _>>(),
            "input_pixel_formats": info.input_formats.iter().map(|f| f.name()).collect::<Vec<_>>(),
            "output_pixel_formats": info.output_formats.iter().map(|f| f.name()).collect::<Vec<_>>(),
            "configuration": without_paths(&info.configuration).0,
        });
        return print(format!("{object}\n"));
    }
    let mut text = String::new();
    let list = |items: Vec<String>| items.join(", ");
    let _ = writeln!(text, "encode-native {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(text, "FFmpeg {} (linked in)", info.ffmpeg);
    let _ = writeln!(text, "  built against {}", info.built_against);
    let _ = writeln!(text, "  libavcodec    {}", info.libavcodec);
    let _ = writeln!(text, "  libavformat   {}", info.libavformat);
    let _ = writeln!(text, "  libavutil     {}", info.libavutil);
    let _ = writeln!(text, "  libswscale    {}", info.libswscale);
    let _ = writeln!(text, "  licence       {}", info.license);
    let _ = writeln!(text, "x264:           {x264}");
    if !info.codec_libraries.is_empty() {
        let _ = writeln!(
            text,
            "inside libavcodec: {}",
            list(
                info.codec_libraries
                    .iter()
                    .map(|(n, v)| format!("{n} {v}"))
                    .collect()
            )
        );
    }
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
    let _ = writeln!(text, "audio encoders:");
    for &(e, ok) in &info.audio_encoders {
        let _ = writeln!(text, "  {}", audio_line(e, ok));
    }
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
    let (configuration, left_out) = without_paths(&info.configuration);
    let _ = writeln!(text, "configuration:  {configuration}");
    if !left_out.is_empty() {
        let _ = writeln!(
            text,
            "  (paths of the machine FFmpeg was built on left out: {})",
            left_out.join(" ")
        );
    }
    print(text)
}

/// FFmpeg's configure line without the options that name paths of the machine it was built on
/// (`--prefix=/usr`, `--extra-cflags='-I/home/.../include'`): they say nothing about what this
/// build can do, and a user's machine has none of them. Returns the line and the names of the
/// options left out (`--prefix`). Quoted values stay one option.
fn without_paths(configuration: &str) -> (String, Vec<String>) {
    let mut kept = Vec::new();
    let mut left_out = Vec::new();
    for option in shell_words(configuration) {
        if option.contains('/') {
            let name = option.split('=').next().unwrap_or(&option).to_string();
            if !name.contains('/') && !left_out.contains(&name) {
                left_out.push(name);
            }
        } else {
            kept.push(option);
        }
    }
    (kept.join(" "), left_out)
}

/// The words of a configure line as the shell splits it: whitespace outside quotes ends a word;
/// quotes stay in the word (`--extra-cflags='-O2 -g'`).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    for c in line.chars() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                continue;
            }
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The sample rates an audio encoder takes, for people: `8000-96000 Hz (13 rates)` or
/// `up to 768000 Hz`.
fn audio_rates(info: &AudioEncoderInfo) -> String {
    match (info.rates.iter().min(), info.rates.iter().max()) {
        (Some(lo), Some(hi)) if lo == hi => format!("{lo} Hz only"),
        (Some(lo), Some(hi)) => format!("{lo}-{hi} Hz ({} rates)", info.rates.len()),
        _ => format!("up to {} Hz", info.max_rate),
    }
}

/// One encoder's line of `info`: name, codec, rates, channels, bitrate, lossless,
/// containers, and whether the linked FFmpeg has it.
fn audio_line(e: AudioEncoder, available: bool) -> String {
    let info = e.info();
    let bitrate = match info.bitrate_per_channel {
        Some((lo, hi)) => format!("{}-{} kb/s per channel", kbps(lo), kbps(hi)),
        None => "no bitrate".to_string(),
    } + &info
        .max_bitrate
        .map(|max| format!(", at most {} kb/s", kbps(max)))
        .unwrap_or_default();
    let containers: Vec<&str> = info.containers.iter().map(|c| c.name()).collect();
    format!(
        "{:<11} {:<10} {}, 1-{} channels, {}, {}, in {}: {}",
        e.name(),
        info.codec,
        audio_rates(info),
        info.max_channels,
        bitrate,
        if info.lossless { "lossless" } else { "lossy" },
        containers.join(" "),
        if available {
            "yes"
        } else {
            "no (not in the linked libavcodec)"
        }
    )
}

/// Bits per second as kilobits: `8`, `0.5`.
fn kbps(bits: u64) -> String {
    if bits.is_multiple_of(1000) {
        (bits / 1000).to_string()
    } else {
        format!("{}", bits as f64 / 1000.0)
    }
}

/// One encoder's object in `info --json`.
fn audio_json(e: AudioEncoder, available: bool) -> serde_json::Value {
    let info = e.info();
    json!({
        "codec": info.codec,
        "sample_rates": info.rates,
        "max_sample_rate": info.max_rate,
        "max_channels": info.max_channels,
        "bitrate_per_channel": info.bitrate_per_channel.map(|(lo, hi)| json!({"min": lo, "max": hi})),
        "max_bitrate": info.max_bitrate,
        "lossless": info.lossless,
        "containers": info.containers.iter().map(|c| c.name()).collect::<Vec<_>>(),
        "available": available,
    })
}

/// Writes the description on standard output.
fn print(text: String) -> Result<()> {
    crate::cli::report::print_stdout(&text)
        .context("cannot print the description on standard output")
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
    // Built from source by this project: the version of the x264 inside libavcodec.
    if let Some((_, v)) = info.codec_libraries.iter().find(|(n, _)| n == "x264") {
        let core = v.split('.').nth(1).unwrap_or(v);
        return format!("libx264 present, core {core} ({v}, inside libavcodec)");
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

/// The number right after `marker` in `text`, if any: digits followed by neither a letter nor
/// another digit (so that a hash in a path, `x264-052ef27a…`, is not taken for a build).
fn build_after(text: &str, marker: &str) -> Option<String> {
    text.match_indices(marker).find_map(|(at, _)| {
        let rest = &text[at + marker.len()..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let next = rest[digits.len()..].chars().next();
        (!digits.is_empty() && !next.is_some_and(|c| c.is_ascii_alphanumeric())).then_some(digits)
    })
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
    fn build_paths_are_left_out_of_the_configuration() {
        let (line, left_out) = without_paths(
            "--prefix=/home/b/ffmpeg --extra-cflags='-I/home/b/x264/include -O2' \
             --enable-gpl --extra-version=0+deb12u1 --libdir=/usr/lib --enable-libx264",
        );
        assert_eq!(
            line,
            "--enable-gpl --extra-version=0+deb12u1 --enable-libx264"
        );
        assert_eq!(left_out, ["--prefix", "--extra-cflags", "--libdir"]);
        assert_eq!(without_paths("--enable-gpl").1, Vec::<String>::new());
    }

    #[test]
    fn builds_are_read_after_the_marker() {
        assert_eq!(
            build_after("/usr/lib/libx264.so.164", "libx264.so."),
            Some("164".into())
        );
        assert_eq!(build_after("--enable-libx264", "x264-"), None);
        assert_eq!(
            build_after("-I/c/x264-052ef27a26d8c510/include --x264-164 ", "x264-"),
            Some("164".into())
        );
    }
}
