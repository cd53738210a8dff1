//! Settings by name: the one vocabulary that the command line's options, Python's keyword
//! arguments and the C API's `en_config_set` share. A setting added to [`SETTINGS`] appears
//! in all of them.

use super::rate::{parse_bitrate, parse_size};
use super::{EncoderConfig, RateControl, Timing};
use crate::error::{Error, Result};
use crate::names::{close_matches, one_of};

/// How a setting takes its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingKind {
    /// One value (the last one given wins).
    Value,
    /// A yes/no setting: `true`/`false`, `yes`/`no`, `on`/`off`, `1`/`0`; on the command line
    /// a flag that means `true`.
    Switch,
    /// A value that may be left out on the command line, meaning the value given here.
    OptionalValue(&'static str),
    /// May be given several times; each adds one entry.
    Repeated,
}

/// What a setting is about: the groups the command line's help shows them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SettingGroup {
    /// The frames pushed: size, rate, pixel format, timestamps.
    Input,
    /// The encoder, its picture and its options.
    Video,
    /// Rate control and speed: crf, bitrate, quantiser, preset, tune.
    Rate,
    /// GIF's palette.
    Gif,
    /// How the output is written: queue, fragments, segments, faststart.
    Output,
    /// The soundtrack.
    Audio,
    /// Tags and display rotation.
    Tags,
    /// HLS and DASH segments and manifests, renditions, RTMP and SRT push.
    Delivery,
}

impl SettingGroup {
    /// Its heading in help texts.
    pub fn heading(self) -> &'static str {
        match self {
            SettingGroup::Input => "Input",
            SettingGroup::Video => "Video",
            SettingGroup::Rate => "Rate control",
            SettingGroup::Gif => "GIF palette",
            SettingGroup::Output => "Output",
            SettingGroup::Audio => "Audio",
            SettingGroup::Tags => "Tags",
            SettingGroup::Delivery => "Live and segmented output",
        }
    }
}

/// One setting that [`EncoderConfig::set`] takes by name.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Setting {
    /// The name: the command line's long option with `_` for `-` (`pix_fmt` is `--pix-fmt`).
    pub key: &'static str,
    /// What it is about, for grouping in help texts.
    pub group: SettingGroup,
    /// Other names accepted for it (FFmpeg's or the config field's).
    pub aliases: &'static [&'static str],
    /// A placeholder for its value in help texts.
    pub value_name: &'static str,
    /// One line that says what it does.
    pub help: &'static str,
    /// The values it takes, when it takes one of a fixed list.
    pub choices: &'static [&'static str],
    /// The value [`EncoderConfig::new`] starts with, for help texts (empty: none or automatic).
    pub default: &'static str,
    /// A value it takes, for documentation and tests.
    pub example: &'static str,
    /// How it takes its value.
    pub kind: SettingKind,
    /// Whether it is an output option of the command line's encoding subcommands (the others,
    /// such as the size or the input pixel format, come from the input there).
    pub output_option: bool,
    /// Settings it cannot be given together with.
    pub conflicts: &'static [&'static str],
    apply: fn(&mut EncoderConfig, &str) -> Result<()>,
}

/// Parses `value` as `T`, or the error for `field` with what is allowed.
fn number<T: std::str::FromStr>(field: &'static str, value: &str, allowed: &str) -> Result<T> {
    value
        .trim()
        .parse()
        .map_err(|_| Error::config(field, value, allowed))
}

/// A yes/no value.
fn switch(field: &'static str, value: &str) -> Result<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(Error::config(
            field,
            value,
            "true or false (also yes/no, on/off, 1/0)",
        )),
    }
}

/// A timeout in seconds: more than 0, at most an hour.
fn timeout(field: &'static str, value: &str) -> Result<f64> {
    let allowed = "more than 0 and at most 3600 seconds";
    match value.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(s),
        _ => Err(Error::config(field, value, allowed)),
    }
}

/// `None` for an empty value or `none`/`auto`/`default`, else the value.
fn optional(value: &str) -> Option<String> {
    let v = value.trim();
    match v.to_ascii_lowercase().as_str() {
        "" | "none" | "auto" | "default" => None,
        _ => Some(v.to_string()),
    }
}

/// Every setting, in the order of the documentation.
/// What a row states unless it says otherwise: a single value, no aliases, choices, default or
/// conflicts, an option of the encoding subcommands.
const BASE: Setting = Setting {
    key: "",
    group: SettingGroup::Video,
    aliases: &[],
    value_name: "VALUE",
    help: "",
    choices: &[],
    default: "",
    example: "",
    kind: SettingKind::Value,
    output_option: true,
    conflicts: &[],
    apply: |_, _| {
        Err(Error::config(
            "setting",
            "",
            "a row that says how it applies",
        ))
    },
};

pub(super) static SETTINGS: &[Setting] = &[
    Setting {
        key: "width",
        group: SettingGroup::Input,
        value_name: "N",
        help: "Width of the frames pushed, in pixels",
        example: "640",
        output_option: false,
        apply: |c, v| {
            c.width = number("width", v, "1 to 16384 pixels")?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "height",
        group: SettingGroup::Input,
        value_name: "N",
        help: "Height of the frames pushed, in pixels",
        example: "360",
        output_option: false,
        apply: |c, v| {
            c.height = number("height", v, "1 to 16384 pixels")?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "size",
        group: SettingGroup::Input,
        aliases: &["s"],
        value_name: "WxH",
        help: "Width and height of the frames pushed, e.g. 1280x720",
        example: "640x360",
        output_option: false,
        apply: |c, v| {
            (c.width, c.height) = parse_size(v)?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "fps",
        group: SettingGroup::Input,
        aliases: &["frame_rate", "framerate", "r"],
        value_name: "RATE",
        help: "Frames per second, exact: 30, 29.97 (= 30000/1001), 12.5, 30000/1001",
        example: "29.97",
        output_option: false,
        apply: |c, v| {
            c.frame_rate = v.parse()?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "in_pix_fmt",
        group: SettingGroup::Input,
        aliases: &["input_format"],
        value_name: "FORMAT",
        help: "Layout of the pixels pushed",
        choices: crate::frame::PixelFormat::NAMES,
        default: "rgb24",
        example: "bgr24",
        output_option: false,
        apply: |c, v| {
            c.input_format = v.parse()?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "time_base",
        group: SettingGroup::Input,
        aliases: &["timestamps"],
        value_name: "FRACTION",
        help: "Explicit per-frame timestamps in units of this many seconds (1/1000: milliseconds), or 'constant' for a constant frame rate",
        default: "constant",
        example: "1/1000",
        output_option: false,
        apply: |c, v| {
            c.timing = match v.trim() {
                "constant" | "none" | "" => Timing::Constant,
                t => Timing::Explicit {
                    time_base: t.parse().map_err(|_| {
                        Error::config(
                            "time_base",
                            v,
                            "a positive fraction of a second such as 1/1000, or 'constant'",
                        )
                    })?,
                },
            };
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "format",
        group: SettingGroup::Video,
        aliases: &["container", "f"],
        value_name: "FORMAT",
        help: "Container, or hls/dash for a manifest and its segments [default: from the output's name; mp4 for memory and streams]",
        choices: super::delivery::FORMAT_CHOICES,
        example: "mkv",
        apply: |c, v| {
            match super::DeliveryKind::from_format(v) {
                Some(kind) => {
                    c.delivery.kind = Some(kind);
                    c.container = None;
                }
                None => {
                    c.container = Some(v.parse()?);
                    c.delivery.kind = None;
                }
            }
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "codec",
        group: SettingGroup::Video,
        aliases: &["encoder", "vcodec", "c:v"],
        value_name: "CODEC",
        help: "Encoder, by FFmpeg's name or a short one that picks the default encoder for a codec (h264, hevc, av1, vp9, prores, ffv1, apng, webp, gif, mpeg4) [default: libx264, or the container's own: vp9 for webm, gif for gif]",
        choices: super::Encoder::ACCEPTED,
        default: "libx264",
        example: "mpeg4",
        apply: |c, v| {
            let name = v.trim().to_ascii_lowercase();
            let hardware = ["_nvenc", "_vaapi", "_qsv", "_amf", "_videotoolbox", "_v4l2m2m", "_mf"];
            if hardware.iter().any(|h| name.ends_with(h)) {
                return Err(Error::config(
                    "codec",
                    v,
                    "a software encoder: hardware encoders (NVENC, VAAPI, QSV, ...) are not supported yet",
                ));
            }
            c.codec = v.parse()?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "pix_fmt",
        group: SettingGroup::Video,
        aliases: &["output_format"],
        value_name: "FORMAT",
        help: "Pixel format stored in the video [default: yuv420p, which plays everywhere, where the encoder has it; for a lossless encoder the input's own]",
        choices: super::OutputPixelFormat::ACCEPTED,
        default: "yuv420p",
        example: "yuv444p",
        apply: |c, v| {
            c.choose_output_format(v.parse()?);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "filter",
        group: SettingGroup::Video,
        aliases: &["vf", "filter:v", "filter_v"],
        value_name: "GRAPH",
        help: "A libavfilter graph applied to the pictures before encoding, as ffmpeg's -vf takes it (scale, crop, pad, fps, transpose, hflip, format, ...); the stored size and rate are what it makes",
        example: "scale=320:240",
        apply: |c, v| {
            c.filter = optional(v);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "crf",
        group: SettingGroup::Rate,
        value_name: "N",
        help: "Constant rate factor: lower is better and bigger; its range and default are the encoder's",
        example: "18",
        conflicts: &["bitrate", "qscale"],
        apply: |c, v| {
            c.rate = Some(RateControl::Crf(number("crf", v, "a number from 0 to 51 (lower is better)")?));
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "bitrate",
        group: SettingGroup::Rate,
        aliases: &["b", "b:v"],
        value_name: "RATE",
        help: "Average bitrate in bits per second, with an optional k, M or G suffix (4M, 800k)",
        example: "4M",
        conflicts: &["crf", "qscale"],
        apply: |c, v| {
            c.rate = Some(RateControl::Bitrate(parse_bitrate(v)?));
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "qscale",
        group: SettingGroup::Rate,
        aliases: &["quantizer", "q", "q:v"],
        value_name: "N",
        help: "Fixed quantiser: lower is better and bigger; its range is the encoder's",
        example: "5",
        conflicts: &["crf", "bitrate"],
        apply: |c, v| {
            c.rate = Some(RateControl::Quantizer(number("quantizer", v, "a whole number from 1 to 31 (lower is better)")?));
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "preset",
        group: SettingGroup::Rate,
        value_name: "PRESET",
        help: "Speed against size: the encoder's preset names (x264, x265) or numbers (AV1, VP9)",
        example: "ultrafast",
        apply: |c, v| {
            c.preset = optional(v);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "tune",
        group: SettingGroup::Rate,
        value_name: "TUNE",
        help: "Tune the encoder for a kind of content (x264, x265)",
        example: "film",
        apply: |c, v| {
            c.tune = optional(v);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "profile",
        group: SettingGroup::Video,
        aliases: &["profile:v"],
        value_name: "PROFILE",
        help: "The encoder's profile (H.264, ProRes)",
        example: "high",
        apply: |c, v| {
            c.profile = optional(v);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "gop",
        group: SettingGroup::Video,
        aliases: &["g", "keyint"],
        value_name: "N",
        help: "Maximum distance between keyframes, in frames [default: the encoder's, 250 for x264]",
        example: "60",
        apply: |c, v| {
            c.gop = Some(number("gop", v, "1 to 100000 frames")?);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "colors",
        group: SettingGroup::Gif,
        aliases: &["max_colors"],
        value_name: "N",
        help: "GIF: colours in a palette, 2-256 [default: 255, one left free for unchanged pixels]",
        example: "64",
        apply: |c, v| {
            c.palette.colors = match optional(v) {
                None => None,
                Some(n) => Some(number("colors", &n, "2 to 256 colours")?),
            };
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "dither",
        group: SettingGroup::Gif,
        value_name: "METHOD",
        help: "GIF: how pixels map to the palette: error diffusion, or the nearest colour (flat graphics)",
        choices: super::Dither::NAMES,
        default: "floyd-steinberg",
        example: "none",
        apply: |c, v| {
            c.palette.dither = Some(v.parse()?);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "palette",
        group: SettingGroup::Gif,
        aliases: &["palette_mode"],
        value_name: "MODE",
        help: "GIF: keep a palette while it fits (small files) or make one for every frame",
        choices: super::PaletteMode::NAMES,
        default: "adaptive",
        example: "per-frame",
        apply: |c, v| {
            c.palette.mode = Some(v.parse()?);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "x264_params",
        group: SettingGroup::Video,
        value_name: "PARAMS",
        help: "Raw libx264 parameters, key=value:key=value (an unknown one is an error)",
        example: "keyint=60:bframes=2",
        apply: |c, v| {
            c.x264_params = optional(v);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "codec_option",
        group: SettingGroup::Video,
        aliases: &["codec_options"],
        value_name: "NAME=VALUE",
        help: "An option of the encoder (an FFmpeg AVOption; an unknown one is an error); may be repeated",
        example: "aq-mode=2",
        kind: SettingKind::Repeated,
        apply: |c, v| {
            match v.split_once('=') {
                Some((k, val)) if !k.trim().is_empty() => {
                    c.codec_options.push((k.trim().to_string(), val.to_string()));
                    Ok(())
                }
                _ => Err(Error::config("codec_options", v, "NAME=VALUE, e.g. aq-mode=2")),
            }
        },
        ..BASE
    },
    Setting {
        key: "odd_size",
        group: SettingGroup::Video,
        value_name: "POLICY",
        help: "Odd width or height with yuv420p: add a row/column, drop one, or refuse",
        choices: super::OddSize::NAMES,
        default: "pad",
        example: "crop",
        apply: |c, v| {
            c.odd_size = v.parse()?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "color_matrix",
        group: SettingGroup::Video,
        aliases: &["colorspace"],
        value_name: "MATRIX",
        help: "RGB to YUV matrix, which also sets the colour tags [default: bt709 from 1280x720 up, bt601 below]",
        choices: super::ColorMatrix::NAMES,
        example: "bt709",
        apply: |c, v| {
            c.color.matrix = match optional(v) {
                None => None,
                Some(m) => Some(m.parse()?),
            };
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "full_range",
        group: SettingGroup::Video,
        value_name: "BOOL",
        help: "Full range (0-255) instead of the limited range players expect",
        default: "false",
        example: "true",
        kind: SettingKind::Switch,
        apply: |c, v| {
            c.color.full_range = switch("full_range", v)?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "threads",
        group: SettingGroup::Video,
        value_name: "N",
        help: "Encoder threads (0: automatic)",
        default: "0",
        example: "2",
        apply: |c, v| {
            c.threads = number("threads", v, "0 (automatic) to 64")?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "queue",
        group: SettingGroup::Output,
        aliases: &["queue_depth"],
        value_name: "N",
        help: "Frames that may wait between the input and the encoder thread",
        default: "8",
        example: "16",
        apply: |c, v| {
            c.queue_depth = number("queue_depth", v, "1 to 4096 frames")?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "fragmented",
        group: SettingGroup::Output,
        aliases: &["fragment_seconds"],
        value_name: "SECONDS",
        help: "Fragmented MP4/MOV, a fragment at least every SECONDS (1 when given alone; 'off' for none)",
        example: "2",
        kind: SettingKind::OptionalValue("1"),
        apply: |c, v| {
            c.fragment_seconds = match v.trim().to_ascii_lowercase().as_str() {
                "off" | "false" | "no" | "none" => None,
                "on" | "true" | "yes" => Some(1.0),
                _ => Some(number(
                    "fragment_seconds",
                    v,
                    "more than 0 and at most 3600 seconds, or 'off'",
                )?),
            };
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "segment",
        group: SettingGroup::Output,
        value_name: "BOOL",
        help: "Make the video a clean segment for concat: closed GOPs whatever the encoder's default",
        default: "false",
        example: "true",
        kind: SettingKind::Switch,
        apply: |c, v| {
            c.segment = switch("segment", v)?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "faststart",
        group: SettingGroup::Output,
        value_name: "BOOL",
        help: "Move the MP4/MOV index to the front so the video plays while it downloads",
        default: "true",
        example: "false",
        output_option: false,
        apply: |c, v| {
            c.faststart = switch("faststart", v)?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "segment_duration",
        group: SettingGroup::Delivery,
        aliases: &["hls_time", "seg_duration"],
        value_name: "SECONDS",
        help: "HLS/DASH: target segment length; a keyframe starts every segment, at the same frame in every rendition",
        default: "2",
        example: "4",
        apply: |c, v| {
            c.delivery.segment_seconds =
                number("segment_duration", v, "0.1 to 60 seconds").and_then(|s: f64| {
                    if (0.1..=60.0).contains(&s) {
                        Ok(s)
                    } else {
                        Err(Error::config("segment_duration", v, "0.1 to 60 seconds"))
                    }
                })?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "segment_format",
        group: SettingGroup::Delivery,
        aliases: &["hls_segment_type"],
        value_name: "FORMAT",
        help: "HLS segments: fmp4 (CMAF, shared with DASH) or ts (MPEG-TS)",
        choices: super::SegmentFormat::NAMES,
        default: "fmp4",
        example: "ts",
        apply: |c, v| {
            c.delivery.segment_format = v.parse()?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "live_window",
        group: SettingGroup::Delivery,
        aliases: &["hls_list_size", "window_size"],
        value_name: "N",
        help: "HLS/DASH live: keep the last N segments in the manifest and on disk, deleting only this writer's own (0: keep all, a VOD)",
        default: "0",
        example: "6",
        apply: |c, v| {
            c.delivery.live_window = number("live_window", v, "0 (keep all) to 100000 segments")?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "manifests",
        group: SettingGroup::Delivery,
        value_name: "LIST",
        help: "hls,dash: write both manifests over one set of CMAF segments (default: the one the name ends in)",
        choices: &["auto", "hls,dash"],
        default: "auto",
        example: "hls,dash",
        apply: |c, v| {
            let mut words: Vec<String> = v
                .split(',')
                .map(|w| w.trim().to_ascii_lowercase())
                .filter(|w| !w.is_empty())
                .collect();
            words.sort();
            words.dedup();
            c.delivery.both_manifests = match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
                ["dash", "hls"] | ["both"] => true,
                [] | ["auto"] | ["hls"] | ["dash"] => false,
                _ => {
                    return Err(Error::config(
                        "manifests",
                        v,
                        "hls,dash (both over one set of segments), hls, dash or auto",
                    ))
                }
            };
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "renditions",
        group: SettingGroup::Delivery,
        value_name: "LIST",
        help: "HLS/DASH: an ABR ladder of sizes, each with an optional @RATE and /ENCODER: 720p,360p or 1080p@5M,720p@3M,360p@800k/libx264",
        example: "720p,360p",
        apply: |c, v| {
            c.delivery.renditions = match optional(v) {
                Some(list) => super::Rendition::parse_list(&list)?,
                None => Vec::new(),
            };
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "connect_timeout",
        group: SettingGroup::Delivery,
        value_name: "SECONDS",
        help: "RTMP/SRT: how long to wait for the server to accept the connection",
        default: "5",
        example: "2",
        apply: |c, v| {
            c.delivery.connect_timeout = timeout("connect_timeout", v)?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "write_timeout",
        group: SettingGroup::Delivery,
        aliases: &["rw_timeout"],
        value_name: "SECONDS",
        help: "RTMP/SRT: how long a write may wait on the server before the push fails",
        default: "10",
        example: "3",
        apply: |c, v| {
            c.delivery.write_timeout = timeout("write_timeout", v)?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "reconnect",
        group: SettingGroup::Delivery,
        value_name: "N",
        help: "RTMP/SRT: connect again up to N times, 1 s apart, when the server refuses or goes away mid-stream (resuming at a keyframe)",
        default: "0",
        example: "3",
        apply: |c, v| {
            c.delivery.reconnect = number("reconnect", v, "0 to 100 attempts").and_then(|n: u32| {
                if n <= 100 {
                    Ok(n)
                } else {
                    Err(Error::config("reconnect", v, "0 to 100 attempts"))
                }
            })?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "late_frames",
        group: SettingGroup::Delivery,
        value_name: "POLICY",
        help: "When the queue is full: block (wait) or drop (a live source: the frame is dropped, counted in the summary)",
        choices: super::LateFrames::NAMES,
        default: "block",
        example: "drop",
        apply: |c, v| {
            c.delivery.late_frames = v.parse()?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "record",
        group: SettingGroup::Delivery,
        aliases: &["tee"],
        value_name: "FILE",
        help: "RTMP/SRT: also record what is pushed to FILE (.mp4, .mkv, .ts), finished even when the push fails",
        example: "live.mkv",
        apply: |c, v| {
            c.delivery.record = optional(v).map(std::path::PathBuf::from);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "overwrite",
        group: SettingGroup::Delivery,
        value_name: "BOOL",
        help: "HLS/DASH: replace an existing manifest and segments of the same names (refused otherwise; the command line's -y)",
        default: "false",
        example: "true",
        kind: SettingKind::Switch,
        output_option: false,
        apply: |c, v| {
            c.delivery.overwrite = switch("overwrite", v)?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "audio",
        group: SettingGroup::Audio,
        aliases: &["audio_path", "audio_file"],
        value_name: "FILE",
        help: "Soundtrack from a file or stream libavformat reads (wav, mp3, m4a, flac, ogg, or a video's audio; - for standard input): copied when the container takes its codec, otherwise encoded. Without it, sample_rate means samples pushed from memory",
        example: "music.wav",
        apply: |c, v| {
            // Unset: back to what sample_rate alone means (samples pushed), or silence.
            c.audio.source = match optional(v) {
                Some(p) => Some(super::AudioSource::File(p.into())),
                None => c.audio.sample_rate.map(|_| super::AudioSource::Samples),
            };
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "audio_codec",
        group: SettingGroup::Audio,
        aliases: &["acodec", "c:a", "audio_encoder"],
        value_name: "CODEC",
        help: "Audio encoder [default: aac; libopus for webm, libmp3lame for avi; a file's own audio is copied when the container takes it]",
        choices: super::AudioEncoder::ACCEPTED,
        example: "libopus",
        apply: |c, v| {
            c.audio.codec = match optional(v) {
                None => None,
                Some(n) => Some(n.parse()?),
            };
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "audio_bitrate",
        group: SettingGroup::Audio,
        aliases: &["b:a", "ab"],
        value_name: "RATE",
        help: "Audio bitrate in bits per second, k or M suffix (AAC, Opus, MP3) [default: the encoder's: 128k stereo AAC, 96k Opus, 192k MP3]",
        example: "160k",
        apply: |c, v| {
            c.audio.bitrate = match optional(v) {
                None => None,
                Some(b) => Some(parse_bitrate(&b)?),
            };
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "sample_rate",
        group: SettingGroup::Audio,
        aliases: &["ar", "audio_rate"],
        value_name: "HZ",
        help: "Audio samples per second: of the samples pushed from memory, or what a file's audio is converted to [default: the file's, or the nearest the encoder takes]",
        example: "48000",
        apply: |c, v| {
            c.audio.sample_rate = match optional(v) {
                None => None,
                Some(r) => Some(number("sample_rate", &r, "1000 to 768000 samples per second")?),
            };
            if c.audio.sample_rate.is_some() && c.audio.source.is_none() {
                c.audio.source = Some(super::AudioSource::Samples);
            }
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "channels",
        group: SettingGroup::Audio,
        aliases: &["ac", "audio_channels"],
        value_name: "N",
        help: "Audio channels, 1 (mono) to 8 (7.1): of the samples pushed, or what a file's audio is mixed to [default: the soundtrack's own: a file's, or a whole array's (Python's audio=, from its shape); 2 for samples pushed as they are made]",
        example: "2",
        apply: |c, v| {
            c.audio.channels = match optional(v) {
                None => None,
                Some(n) => Some(number("channels", &n, "1 to 8 channels")?),
            };
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "sample_format",
        group: SettingGroup::Audio,
        aliases: &["sample_fmt", "audio_sample_format"],
        value_name: "FORMAT",
        help: "Format of the samples pushed from memory: what a lossless encoder stores (i16: 16-bit FLAC) [default: f32]",
        choices: super::SampleFormat::NAMES,
        default: "f32",
        example: "i16",
        output_option: false,
        apply: |c, v| {
            c.audio.sample_format = v.parse()?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "audio_offset",
        group: SettingGroup::Audio,
        aliases: &["itsoffset"],
        value_name: "SECONDS",
        help: "Seconds the soundtrack starts after the video's start; negative skips its first seconds",
        default: "0",
        example: "0.5",
        apply: |c, v| {
            c.audio.offset = number("audio_offset", v, "a number of seconds, e.g. 0.5 or -2")?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "audio_stream",
        group: SettingGroup::Audio,
        value_name: "N",
        help: "Which audio stream of the audio file, counting its audio streams from 0 [default: the one FFmpeg finds best]",
        example: "1",
        apply: |c, v| {
            c.audio.stream = match optional(v) {
                None => None,
                Some(n) => Some(number("audio_stream", &n, "0 or more (the audio streams of the file, counted from 0)")?),
            };
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "audio_length",
        group: SettingGroup::Audio,
        value_name: "POLICY",
        help: "When audio and video last differently: the video decides (audio cut or padded with silence), the shorter one, or both whole",
        choices: super::AudioLength::NAMES,
        default: "video",
        example: "shortest",
        apply: |c, v| {
            c.audio.length = v.parse()?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "audio_ahead",
        group: SettingGroup::Audio,
        value_name: "SECONDS",
        help: "How far (seconds) pushed samples may run ahead of the frames pushed with audio_length video or shortest, which hold them until the video ends; a push beyond is refused",
        default: "30",
        example: "60",
        apply: |c, v| {
            let s: f64 = number("audio_ahead", v, "a number of seconds above 0, e.g. 30")?;
            if !(s > 0.0 && s.is_finite()) {
                return Err(Error::config("audio_ahead", v, "a number of seconds above 0, e.g. 30"));
            }
            c.audio.ahead = Some(s);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "audio_damage",
        group: SettingGroup::Audio,
        value_name: "POLICY",
        help: "A packet of the soundtrack file that does not decode: concealed with silence as long as it (sync kept, a warning, counted in the summary), or an error",
        choices: super::AudioDamage::NAMES,
        default: "conceal",
        example: "error",
        apply: |c, v| {
            c.audio.damage = v.parse()?;
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "metadata",
        group: SettingGroup::Tags,
        aliases: &["tag"],
        value_name: "KEY=VALUE",
        help: "A tag: title, artist, album, comment, description, copyright, date, encoder, ... (a key the container cannot store is an error); s:v:KEY and s:a:KEY tag the video or audio stream (language, title)",
        example: "title=Demo",
        kind: SettingKind::Repeated,
        apply: |c, v| {
            let (key, value) = v.split_once('=').ok_or_else(|| {
                Error::config("metadata", v, "KEY=VALUE, such as title=My video")
            })?;
            let k = key.trim();
            let bare = k.strip_prefix("s:v:").or_else(|| k.strip_prefix("s:a:")).unwrap_or(k);
            if bare.is_empty() || key.contains('\0') || value.contains('\0') {
                return Err(Error::config(
                    "metadata",
                    v,
                    "KEY=VALUE with a non-empty key and no NUL bytes",
                ));
            }
            c.metadata.add(k, value);
            Ok(())
        },
        ..BASE
    },
    Setting {
        key: "rotate",
        group: SettingGroup::Tags,
        aliases: &["rotation", "display_rotation"],
        value_name: "DEGREES",
        help: "Display rotation, clockwise: 0, 90, 180 or 270 (stored as a display matrix, which players honour)",
        choices: &["0", "90", "180", "270"],
        default: "0",
        example: "90",
        apply: |c, v| {
            // Checked here, as every setting is, so that the C API, Python and the command
            // line refuse the same values at the same point.
            let degrees: i64 = number("rotate", v, "0, 90, 180 or 270 degrees")?;
            c.metadata.rotation = match degrees {
                0 | 90 | 180 | 270 => degrees as u16,
                _ => return Err(Error::config("rotate", v, "0, 90, 180 or 270 degrees")),
            };
            Ok(())
        },
        ..BASE
    },
];

/// Makes a key comparable: lower case, `-` as `_`, no leading dashes (`--pix-fmt` is `pix_fmt`).
fn normalize(key: &str) -> String {
    key.trim()
        .trim_start_matches('-')
        .to_ascii_lowercase()
        .replace('-', "_")
}

impl EncoderConfig {
    /// Sets one setting by name, from text: the vocabulary the command line, Python keyword
    /// arguments and the C API share. Keys are the command line's long option names, with `_`
    /// or `-` alike (`pix_fmt`, `pix-fmt`, `--pix-fmt`); [`settings`](Self::settings) lists
    /// them. The value is checked as far as it can be alone (a number, a name from a list);
    /// [`validate`](Self::validate) checks the whole.
    ///
    /// An unknown key is an error that names the close matches.
    ///
    /// ```
    /// use encode_native::{EncoderConfig, OutputPixelFormat, RateControl};
    /// let mut config = EncoderConfig::new(640, 480, 30);
    /// config.set("crf", "18")?;
    /// config.set("pix-fmt", "yuv444p")?;
    /// config.set("fps", "29.97")?;
    /// assert_eq!(config.rate, Some(RateControl::Crf(18.0)));
    /// assert_eq!(config.output_format, OutputPixelFormat::Yuv444p);
    /// let err = config.set("crff", "18").unwrap_err().to_string();
    /// assert!(err.contains("did you mean 'crf'"), "{err}");
    /// # Ok::<(), encode_native::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for an unknown key (the message names close matches) or a
    /// value the setting does not take (the message says what it takes). Nothing is changed then.
    pub fn set(&mut self, key: &str, value: &str) -> crate::Result<()> {
        let setting = Self::setting(key)?;
        // A wrong value is named by the key as it was written (`pix_fmt`, or its alias
        // `output_format`), not by an internal field.
        let k = normalize(key);
        let written = std::iter::once(setting.key)
            .chain(setting.aliases.iter().copied())
            .find(|name| *name == k)
            .unwrap_or(setting.key);
        (setting.apply)(self, value).map_err(|e| match e {
            Error::Config { value, allowed, .. } => Error::Config {
                field: written,
                value,
                allowed,
            },
            e => e,
        })
    }

    /// The setting named `key` (or one of its aliases); an unknown key is an error naming
    /// the close matches and listing every key.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for a key no setting has (nor any alias); the message names
    /// close matches.
    pub fn setting(key: &str) -> crate::Result<&'static Setting> {
        let k = normalize(key);
        if let Some(s) = SETTINGS
            .iter()
            .find(|s| s.key == k || s.aliases.contains(&k.as_str()))
        {
            return Ok(s);
        }
        let names = SETTINGS
            .iter()
            .flat_map(|s| std::iter::once(s.key).chain(s.aliases.iter().copied()));
        let close = close_matches(&k, names);
        let hint = if close.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = close.iter().map(|c| format!("'{c}'")).collect();
            let quoted: Vec<&str> = quoted.iter().map(String::as_str).collect();
            format!("did you mean {}? ", one_of(&quoted))
        };
        let keys: Vec<&str> = SETTINGS.iter().map(|s| s.key).collect();
        Err(Error::config(
            "setting",
            key,
            format!("{hint}the settings are {}", one_of(&keys)),
        ))
    }

    /// Every setting [`set`](Self::set) takes, with a one-line description each.
    pub fn settings() -> &'static [Setting] {
        SETTINGS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_normalized_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for s in SETTINGS {
            assert_eq!(normalize(s.key), s.key);
            for name in std::iter::once(s.key).chain(s.aliases.iter().copied()) {
                assert!(seen.insert(name), "{name} is listed twice");
            }
        }
    }

    #[test]
    fn every_key_sets_its_value() {
        let base = EncoderConfig::new(64, 48, 30);
        for s in SETTINGS {
            for name in std::iter::once(s.key).chain(s.aliases.iter().copied()) {
                let mut c = base.clone();
                c.set(name, s.example)
                    .unwrap_or_else(|e| panic!("{name}={}: {e}", s.example));
                assert_ne!(c, base, "{name}={} changed nothing", s.example);
                // The command line's spelling is the same key.
                let mut d = base.clone();
                d.set(&format!("--{}", name.replace('_', "-")), s.example)
                    .unwrap();
                assert_eq!(c, d, "{name}");
            }
            if !s.choices.is_empty() {
                for choice in s.choices {
                    base.clone()
                        .set(s.key, choice)
                        .unwrap_or_else(|e| panic!("{}={choice}: {e}", s.key));
                }
                let e = base.clone().set(s.key, "nonsense").unwrap_err().to_string();
                assert!(e.contains(s.choices[0]), "{e}");
            }
        }
    }

    #[test]
    fn values_are_typed() {
        let mut c = EncoderConfig::new(64, 48, 30);
        c.set("fps", "29.97").unwrap();
        assert_eq!(c.frame_rate, crate::FrameRate::new(30000, 1001));
        c.set("bitrate", "2.5M").unwrap();
        assert_eq!(c.rate, Some(RateControl::Bitrate(2_500_000)));
        c.set("full_range", "False").unwrap();
        assert!(!c.color.full_range);
        c.set("codec_option", "aq-mode=2").unwrap();
        c.set("codec_option", "qcomp=0.5").unwrap();
        assert_eq!(c.codec_options.len(), 2);
        c.set("fragmented", "off").unwrap();
        assert_eq!(c.fragment_seconds, None);
        c.set("time_base", "1/90000").unwrap();
        assert!(matches!(c.timing, Timing::Explicit { .. }));
        for (k, v) in [
            ("crf", "abc"),
            ("gop", "-1"),
            ("full_range", "maybe"),
            ("size", "12"),
        ] {
            let e = c.set(k, v).unwrap_err();
            assert!(matches!(e, Error::Config { .. }), "{k}={v}: {e}");
        }
    }

    #[test]
    fn errors_name_the_key_written() {
        let mut c = EncoderConfig::new(64, 48, 30);
        for (key, named) in [
            ("pix_fmt", "invalid pix_fmt 'bad'"),
            ("--pix-fmt", "invalid pix_fmt 'bad'"),
            ("output_format", "invalid output_format 'bad'"),
            ("qscale", "invalid qscale 'bad'"),
            ("q:v", "invalid q:v 'bad'"),
            ("codec_option", "invalid codec_option 'bad'"),
        ] {
            let e = c.set(key, "bad").unwrap_err().to_string();
            assert!(e.starts_with(named), "{key}: {e}");
        }
    }

    #[test]
    fn unknown_keys_name_close_matches() {
        let mut c = EncoderConfig::new(64, 48, 30);
        let e = c.set("pixfmt", "yuv420p").unwrap_err().to_string();
        assert!(e.contains("'pix_fmt'"), "{e}");
        let e = c.set("zzz", "1").unwrap_err().to_string();
        assert!(!e.contains("did you mean") && e.contains("crf"), "{e}");
    }
}
