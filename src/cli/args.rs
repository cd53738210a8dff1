//! The command line's definitions (clap derive): subcommands, their options and value parsers.

use std::path::PathBuf;
use std::str::FromStr;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches, Parser, Subcommand, ValueEnum};
use encode_native::{EncoderConfig, FrameRate, PixelFormat, Setting, SettingKind};

/// Frames in memory to a real video file, in-process, with FFmpeg's libraries linked in.
///
/// Every encoding subcommand takes the same output options (-o, --format, --codec, --crf, ...).
/// Progress and messages go to stderr; stdout carries only the video (`-o -`) or the JSON
/// report (`--json`). Exit status: 0 done, 1 failure, 2 usage error, 130 interrupted (the
/// video is still finalized with every frame accepted before Ctrl-C or SIGTERM).
#[derive(Debug, Parser)]
#[command(
    name = "encode-native",
    version,
    about,
    long_about,
    max_term_width = 100
)]
pub struct Cli {
    /// What to encode.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Encode a synthetic moving test picture (no input needed).
    Demo(DemoArgs),
    /// Encode a sequence of images (a folder, files, a glob or img%03d.png), in natural order.
    Images(ImagesArgs),
    /// Encode raw frames read from a file or standard input.
    Raw(RawArgs),
    /// Show the linked FFmpeg and x264, the licence and what is available.
    Info(InfoArgs),
    /// Finish a video left unfinished by a crash (`out.mp4.partial` → `out.mp4`).
    Recover(RecoverArgs),
    /// Join segments encoded with the same settings into one video, without re-encoding.
    Concat(ConcatArgs),
}

/// `encode-native concat`.
#[derive(Debug, Args)]
#[command(after_help = "\
The segments must come from encode-native with the same settings (codec, size, pixel format,
frame rate...): the first difference is named and nothing is written. Timestamps run on from
one segment to the next, so N frames at r fps last N/r; an MP4 gets its index in front.")]
pub struct ConcatArgs {
    /// The segments, in order.
    #[arg(required = true, value_name = "SEGMENT")]
    pub inputs: Vec<PathBuf>,
    /// The joined video.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: PathBuf,
    /// Replace an existing output file.
    #[arg(short = 'y', long)]
    pub overwrite: bool,
    /// Print one JSON object: output, frames, duration_s, bytes.
    #[arg(long)]
    pub json: bool,
    /// No summary line.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `encode-native recover`.
#[derive(Debug, Args)]
#[command(after_help = "\
While encode-native writes `out.mp4` it writes `out.mp4.partial` beside it, in a layout that
plays at every moment, and renames it into place when the video is finished. After a crash
(power loss, kill -9, a full disk) the partial file holds every complete fragment (all but the
last half second of encoded video); `recover` copies them, without re-encoding, into the
finished video and removes the partial file.")]
pub struct RecoverArgs {
    /// The partial file, e.g. out.mp4.partial.
    #[arg(value_name = "FILE")]
    pub partial: PathBuf,
    /// The finished video [default: FILE without `.partial`].
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(short = 'y', long)]
    pub overwrite: bool,
    /// Print one JSON object: output, frames, duration_s, bytes, and audio (each stream's
    /// codec, sample_rate, channels and the samples it plays).
    #[arg(long)]
    pub json: bool,
    /// No summary line.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `encode-native demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of frames.
    #[arg(long, allow_negative_numbers = true, default_value_t = 300, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub frames: u64,
    /// Picture size.
    #[arg(long, allow_hyphen_values = true, default_value = "1280x720", value_name = "WxH", value_parser = parse_size)]
    pub size: Size,
    /// The picture: smooth gradients with moving shapes, or random pixels.
    #[arg(long, value_enum, default_value_t = Pattern::Scene)]
    pub pattern: Pattern,
    /// Frames per second: 30, 29.97, 30000/1001, 12.5...
    #[arg(short = 'r', long, visible_alias = "framerate", allow_negative_numbers = true, default_value = "30", value_name = "RATE", value_parser = parse_fps)]
    pub fps: FrameRate,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The demo's picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Pattern {
    /// Smooth gradients and moving shapes (deterministic; compresses like real footage).
    Scene,
    /// Random pixels (the worst case for an encoder).
    Noise,
}

/// `encode-native images`.
#[derive(Debug, Args)]
#[command(after_help = "\
Inputs are folders (their image files, not recursive), files, glob patterns such as
'shots/*.png' (quoted or not), or FFmpeg's numbered patterns such as 'img%03d.png' (img000.png,
img001.png, ... from the first of 0 to 4 that exists until one is missing). All images are encoded in natural order (frame2 before frame10),
whatever order they are given in. The input pixel format follows the first image: rgb24, rgba
when it has alpha, rgb48le or gray16le for 16-bit images.

'-' reads images one after another from standard input, in their order: PNG, JPEG, BMP or
binary PPM/PGM/PAM, told apart by their first bytes (what `plt.savefig(pipe, format=\"png\")`
in a loop, or `ffmpeg -f image2pipe`, writes). A truncated or corrupt image stops the encode
with its number and byte offset; the frames before it are kept in a finished video.")]
pub struct ImagesArgs {
    /// Image folders, files, glob patterns or numbered patterns (img%03d.png); or '-' for images
    /// on standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Frames per second: 30, 29.97, 30000/1001, 12.5...
    #[arg(short = 'r', long, visible_alias = "framerate", allow_negative_numbers = true, default_value = "30", value_name = "RATE", value_parser = parse_fps)]
    pub fps: FrameRate,
    /// Resize every image to this size (otherwise all must have the first image's size).
    #[arg(long, allow_hyphen_values = true, value_name = "WxH", value_parser = parse_size)]
    pub resize: Option<Size>,
    /// Skip unreadable or corrupt images with a warning instead of stopping.
    #[arg(long)]
    pub skip_bad: bool,
    /// Images decoded in parallel ahead of the encoder [default: the number of cores].
    #[arg(long, allow_negative_numbers = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: Option<u32>,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `encode-native raw`.
#[derive(Debug, Args)]
#[command(after_help = "\
Frames are tightly packed, one after another, with no header. A truncated last frame is
reported with a warning; every complete frame before it is encoded.")]
pub struct RawArgs {
    /// The raw frames: a file, or '-' for standard input.
    #[arg(short = 'i', long = "input", value_name = "FILE|-")]
    pub input: PathBuf,
    /// Size of each frame.
    #[arg(long, allow_hyphen_values = true, value_name = "WxH", value_parser = parse_size)]
    pub size: Size,
    /// Layout of the pixels (the settings table's default, rgb24, when not given).
    #[arg(long, value_name = "FORMAT", default_value = "rgb24", value_parser = choice::<PixelFormat>(packed_formats()))]
    pub in_pix_fmt: PixelFormat,
    /// Frames per second: 30, 29.97, 30000/1001, 12.5...
    #[arg(short = 'r', long, visible_alias = "framerate", allow_negative_numbers = true, value_name = "RATE", value_parser = parse_fps)]
    pub fps: FrameRate,
    /// Output options.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `encode-native info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The output options shared by every encoding subcommand.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// The video file, or '-' for standard output (fragmented MP4 unless --format mkv or ts).
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: PathBuf,
    /// The encoding settings.
    #[command(flatten)]
    pub settings: SettingArgs,
    /// Replace an existing output file.
    #[arg(short = 'y', long)]
    pub overwrite: bool,
    /// At the end, print one JSON object: frames, duration_s, bytes, width, height, pix_fmt,
    /// codec, container, wall_s, fps (the video's frame rate), speed_fps, interrupted.
    /// It goes to stdout, or to stderr when the video itself goes to stdout (-o -).
    #[arg(long, verbatim_doc_comment)]
    pub json: bool,
    /// No progress bar and no summary (warnings and errors are still printed).
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Progress for programs: a JSON object per line on stderr, at most ten a second:
    /// {"frames_pushed":N,"frames_written":N,"elapsed_s":S}. frames_written counts the frames
    /// encoded and handed to the container.
    #[arg(long, verbatim_doc_comment)]
    pub progress_json: bool,
}

/// The encoding settings given on the command line, as (key, value) pairs in the order given.
///
/// There is one option per output setting of the library's table
/// ([`EncoderConfig::settings`]), named after its key (`pix_fmt` is `--pix-fmt`), with its help
/// line and its choices; so a setting added to the library is an option here with no code.
#[derive(Debug, Clone, Default)]
pub struct SettingArgs(pub Vec<(&'static str, String)>);

impl SettingArgs {
    /// The value given for `key`, the last one if it was given several times.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The settings that are options of the encoding subcommands.
fn output_settings() -> impl Iterator<Item = &'static Setting> {
    EncoderConfig::settings().iter().filter(|s| s.output_option)
}

impl FromArgMatches for SettingArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut settings = SettingArgs::default();
        settings.update_from_arg_matches(matches)?;
        Ok(settings)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for s in output_settings() {
            if s.kind == SettingKind::Switch {
                if matches.get_flag(s.key) {
                    self.0.push((s.key, "true".into()));
                }
            } else if let Some(values) = matches.get_many::<String>(s.key) {
                self.0.extend(values.map(|v| (s.key, v.clone())));
            }
        }
        Ok(())
    }
}

impl Args for SettingArgs {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        for s in output_settings() {
            let mut help = s.help.to_string();
            if !s.default.is_empty() && !help.contains("default") {
                help.push_str(&format!(" [default: {}]", s.default));
            }
            let per_encoder: Vec<String> = s
                .per_encoder()
                .iter()
                .map(|(e, text)| format!("  {e}: {text}"))
                .collect();
            let mut arg = Arg::new(s.key).long(s.key.replace('_', "-"));
            if !per_encoder.is_empty() {
                arg = arg.long_help(format!("{help}\n{}", per_encoder.join("\n")));
            }
            let mut arg = arg
                .help(help)
                .help_heading(s.group.heading())
                .value_name(s.value_name)
                .conflicts_with_all(s.conflicts);
            arg = match s.kind {
                SettingKind::Switch => arg.action(ArgAction::SetTrue),
                SettingKind::OptionalValue(missing) => {
                    arg.num_args(0..=1).default_missing_value(missing)
                }
                SettingKind::Repeated => arg.action(ArgAction::Append),
                _ => arg,
            };
            if s.kind != SettingKind::Switch {
                arg = if s.choices.is_empty() {
                    // Checked now by the library itself, so `--crf abc` is a usage error
                    // that says what is allowed; negative numbers reach that check too.
                    arg.allow_negative_numbers(true).value_parser(
                        move |v: &str| -> Result<String, String> {
                            EncoderConfig::new(64, 64, 30)
                                .set(s.key, v)
                                .map(|()| v.to_string())
                                .map_err(|e| match e {
                                    // clap names the option and the value already.
                                    encode_native::Error::Config { allowed, .. } => allowed,
                                    e => e.to_string(),
                                })
                        },
                    )
                } else {
                    arg.value_parser(PossibleValuesParser::new(s.choices))
                };
            }
            cmd = cmd.arg(arg);
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// A picture size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// Parses `WIDTHxHEIGHT`, e.g. `1280x720`.
pub fn parse_size(s: &str) -> Result<Size, String> {
    let bad = || format!("expected WIDTHxHEIGHT such as 1280x720, got '{s}'");
    let (w, h) = s.trim().split_once(['x', 'X', '*']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w == 0 || h == 0 || w > 16384 || h > 16384 {
        return Err(format!(
            "{w}x{h}: width and height must be 1 to 16384 pixels"
        ));
    }
    Ok(Size {
        width: w,
        height: h,
    })
}

/// Parses a frame rate (`30`, `29.97`, `30000/1001`) exactly.
pub fn parse_fps(s: &str) -> Result<FrameRate, String> {
    let rate: FrameRate = s.parse().map_err(|e: encode_native::Error| match e {
        // clap names the option and the value already.
        encode_native::Error::Config { allowed, .. } => allowed,
        e => e.to_string(),
    })?;
    if rate.as_f64() > 1000.0 {
        return Err(format!("{s}: at most 1000 frames per second"));
    }
    Ok(rate)
}

/// The packed pixel formats (raw input has no planar YUV).
fn packed_formats() -> Vec<&'static str> {
    PixelFormat::ALL
        .iter()
        .filter(|f| !f.is_planar_yuv())
        .map(|f| f.name())
        .collect()
}

/// A parser that offers `names` (shown in --help and suggested on a typo) and converts the
/// chosen one with the library's `FromStr`.
fn choice<T>(names: Vec<&'static str>) -> impl TypedValueParser<Value = T>
where
    T: FromStr<Err = encode_native::Error> + Clone + Send + Sync + 'static,
{
    PossibleValuesParser::new(names).try_map(|s: String| s.parse::<T>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(
            parse_size("1280x720"),
            Ok(Size {
                width: 1280,
                height: 720
            })
        );
        assert!(parse_size("1280").is_err());
        assert!(parse_size("0x10").is_err());
        assert!(parse_size("axb").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(parse_fps("29.97"), Ok(FrameRate::new(30000, 1001)));
        assert_eq!(parse_fps("30000/1001"), Ok(FrameRate::new(30000, 1001)));
        assert!(parse_fps("0").is_err());
        assert!(parse_fps("5000").is_err());
    }

    #[test]
    fn every_output_setting_is_an_option() {
        use clap::CommandFactory;
        let cli = Cli::command();
        let demo = cli.find_subcommand("demo").unwrap();
        for s in output_settings() {
            let long = s.key.replace('_', "-");
            assert!(
                demo.get_arguments()
                    .any(|a| a.get_long() == Some(long.as_str())),
                "--{long} is missing"
            );
        }
        let parsed = Cli::try_parse_from([
            "encode-native",
            "demo",
            "-o",
            "x.mp4",
            "--crf",
            "20",
            "--full-range",
            "--fragmented",
            "--codec-option",
            "aq-mode=2",
            "--codec-option",
            "qcomp=0.5",
        ])
        .unwrap();
        let Command::Demo(d) = parsed.command else {
            panic!("not demo")
        };
        let got = &d.output.settings.0;
        assert!(got.contains(&("crf", "20".into())), "{got:?}");
        assert!(got.contains(&("full_range", "true".into())), "{got:?}");
        assert!(got.contains(&("fragmented", "1".into())), "{got:?}");
        assert_eq!(got.iter().filter(|(k, _)| *k == "codec_option").count(), 2);
        // A negative number is a value (judged by the library), not an unknown option.
        assert!(
            Cli::try_parse_from(["encode-native", "demo", "-o", "x.mp4", "--crf", "-3"]).is_ok()
        );
        let e = Cli::try_parse_from(["encode-native", "demo", "-o", "x.mp4", "--crf", "abc"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("0 to 51"), "{e}");
        assert!(!e.contains("invalid crf"), "{e}");
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
