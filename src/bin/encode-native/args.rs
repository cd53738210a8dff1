//! The command line's definitions (clap derive): subcommands, their options and value parsers.

use std::path::PathBuf;
use std::str::FromStr;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use encode_native::{
    Codec, ColorMatrix, Container, FrameRate, OddSize, OutputPixelFormat, PixelFormat,
};

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
    /// Encode a sequence of images (a folder, files or a glob), in natural order.
    Images(ImagesArgs),
    /// Encode raw frames read from a file or standard input.
    Raw(RawArgs),
    /// Show the linked FFmpeg and x264, the licence and what is available.
    Info(InfoArgs),
}

/// `encode-native demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Number of frames.
    #[arg(long, default_value_t = 300, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub frames: u64,
    /// Picture size.
    #[arg(long, default_value = "1280x720", value_name = "WxH", value_parser = parse_size)]
    pub size: Size,
    /// The picture: smooth gradients with moving shapes, or random pixels.
    #[arg(long, value_enum, default_value_t = Pattern::Scene)]
    pub pattern: Pattern,
    /// Frames per second: 30, 29.97, 30000/1001, 12.5...
    #[arg(long, default_value = "30", value_name = "RATE", value_parser = parse_fps)]
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
Inputs are folders (their image files, not recursive), files, or glob patterns such as
'shots/*.png' (quoted or not). All images are encoded in natural order (frame2 before frame10),
whatever order they are given in. The input pixel format follows the first image: rgb24, rgba
when it has alpha, rgb48le or gray16le for 16-bit images.")]
pub struct ImagesArgs {
    /// Image folders, files or glob patterns.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Frames per second: 30, 29.97, 30000/1001, 12.5...
    #[arg(long, default_value = "30", value_name = "RATE", value_parser = parse_fps)]
    pub fps: FrameRate,
    /// Resize every image to this size (otherwise all must have the first image's size).
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub resize: Option<Size>,
    /// Skip unreadable or corrupt images with a warning instead of stopping.
    #[arg(long)]
    pub skip_bad: bool,
    /// Images decoded in parallel ahead of the encoder [default: the number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
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
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: Size,
    /// Layout of the pixels.
    #[arg(long, value_name = "FORMAT", value_parser = choice::<PixelFormat>(&[
        "rgb24", "bgr24", "rgba", "bgra", "gray", "gray16le", "rgb48le", "rgbf32",
    ]))]
    pub in_pix_fmt: PixelFormat,
    /// Frames per second: 30, 29.97, 30000/1001, 12.5...
    #[arg(long, value_name = "RATE", value_parser = parse_fps)]
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
    /// Container [default: from the extension; mp4 for '-'].
    #[arg(long, value_name = "FORMAT",
          value_parser = choice::<Container>(&["mp4", "mov", "mkv", "avi", "ts"]))]
    pub format: Option<Container>,
    /// Codec.
    #[arg(long, default_value = "libx264", value_name = "CODEC",
          value_parser = choice::<Codec>(&["libx264", "mpeg4"]))]
    pub codec: Codec,
    /// Pixel format stored in the video (yuv420p plays everywhere).
    #[arg(long, default_value = "yuv420p", value_name = "FORMAT",
          value_parser = choice::<OutputPixelFormat>(&["yuv420p", "yuv444p"]))]
    pub pix_fmt: OutputPixelFormat,
    /// Constant rate factor for libx264, 0 (lossless) to 51 [x264 default: 23].
    #[arg(long, value_name = "N", conflicts_with = "bitrate")]
    pub crf: Option<f32>,
    /// Average bitrate in bits per second, with an optional K, M or G suffix (4M, 800k).
    #[arg(long, value_name = "RATE", value_parser = parse_bitrate)]
    pub bitrate: Option<u64>,
    /// libx264 preset: ultrafast ... veryslow [x264 default: medium].
    #[arg(long, value_name = "PRESET")]
    pub preset: Option<String>,
    /// libx264 tune: film, animation, grain, stillimage, psnr, ssim, fastdecode, zerolatency.
    #[arg(long, value_name = "TUNE")]
    pub tune: Option<String>,
    /// H.264 profile: baseline, main, high (yuv420p) or high444 (yuv444p).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Maximum distance between keyframes, in frames.
    #[arg(long, value_name = "N")]
    pub gop: Option<u32>,
    /// Raw libx264 parameters, key=value:key=value.
    #[arg(long, value_name = "PARAMS")]
    pub x264_params: Option<String>,
    /// Odd width or height with yuv420p: add a row/column, drop one, or refuse.
    #[arg(long, default_value = "pad", value_name = "POLICY",
          value_parser = choice::<OddSize>(&["pad", "crop", "error"]))]
    pub odd_size: OddSize,
    /// RGB to YUV matrix [default: bt709 from 1280x720 up, bt601 below].
    #[arg(long, value_name = "MATRIX",
          value_parser = choice::<ColorMatrix>(&["bt709", "bt601"]))]
    pub color_matrix: Option<ColorMatrix>,
    /// Full range (0-255) instead of the limited range players expect.
    #[arg(long)]
    pub full_range: bool,
    /// Encoder threads (0: automatic).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: u32,
    /// Frames that may wait between the input and the encoder.
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub queue: usize,
    /// Fragmented MP4/MOV, a fragment at least every SECONDS (default 1 when given alone).
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "1")]
    pub fragmented: Option<f64>,
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
    let rate: FrameRate = s.parse().map_err(|e: encode_native::Error| e.to_string())?;
    if rate.as_f64() > 1000.0 {
        return Err(format!("{s}: at most 1000 frames per second"));
    }
    Ok(rate)
}

/// Parses a bitrate with an optional K, M or G suffix (powers of 1000), e.g. `4M`, `2.5m`, `800k`.
pub fn parse_bitrate(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (number, factor) = match t.chars().last().map(|c| c.to_ascii_lowercase()) {
        Some('k') => (&t[..t.len() - 1], 1e3),
        Some('m') => (&t[..t.len() - 1], 1e6),
        Some('g') => (&t[..t.len() - 1], 1e9),
        _ => (t, 1.0),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("expected bits per second such as 4M, 800k or 2500000, got '{s}'"))?;
    let bits = value * factor;
    if !bits.is_finite() || !(1000.0..=2e9).contains(&bits) {
        return Err(format!("{s}: the bitrate must be 1k to 2G bits per second"));
    }
    Ok(bits.round() as u64)
}

/// A parser that offers `names` (shown in --help and suggested on a typo) and converts the
/// chosen one with the library's `FromStr`.
fn choice<T>(names: &'static [&'static str]) -> impl TypedValueParser<Value = T>
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
    fn bitrates() {
        assert_eq!(parse_bitrate("4M"), Ok(4_000_000));
        assert_eq!(parse_bitrate("800k"), Ok(800_000));
        assert_eq!(parse_bitrate("2.5m"), Ok(2_500_000));
        assert_eq!(parse_bitrate("1G"), Ok(1_000_000_000));
        assert_eq!(parse_bitrate("64000"), Ok(64_000));
        assert!(parse_bitrate("fast").is_err());
        assert!(parse_bitrate("5").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(parse_fps("29.97"), Ok(FrameRate::new(30000, 1001)));
        assert_eq!(parse_fps("30000/1001"), Ok(FrameRate::new(30000, 1001)));
        assert!(parse_fps("0").is_err());
        assert!(parse_fps("5000").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
