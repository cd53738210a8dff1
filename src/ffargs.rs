//! ffmpeg's command-line flags as settings: the one translator that the Python layers
//! modelled on ffmpeg (matplotlib's `extra_args`, scikit-video's `inputdict`/`outputdict`)
//! and the C API share. Each flag becomes settings of [`EncoderConfig::set`]'s vocabulary;
//! a flag with no equivalent is an error that names it and lists the flags there are.

use crate::config::{EncoderConfig, FrameRate};
use crate::error::{Error, Result};

/// Where on ffmpeg's command line a flag goes: before `-i` (it describes the input, here
/// the frames pushed) or after it (it describes the video written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlagSide {
    /// An input option: it describes the frames pushed.
    Input,
    /// An output option: it describes the video.
    Output,
}

/// What a flag does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Its value is this setting's.
    Set(&'static str),
    /// The frame rate (`-r`, `-framerate`).
    Rate,
    /// The frames' size (`-s`).
    Size,
    /// `-movflags`: faststart and fragments.
    Movflags,
    /// `-color_range`: full_range.
    ColorRange,
    /// One more `key=value` of the x264 parameters (`-qp` is `qp`; `None`: the value is a
    /// list of them).
    X264(Option<&'static str>),
    /// An option of the encoder, by the same name.
    CodecOption,
    /// One tag, `KEY=VALUE` (metadata), with the prefix of its stream (`s:v:`, `s:a:`, or
    /// none for the file's own).
    Metadata(&'static str),
    /// Only ffmpeg's own process reads it; it cannot change the video.
    NoEffect,
}

/// One ffmpeg flag that [`EncoderConfig::apply_ffmpeg_args`] understands.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct FfmpegFlag {
    /// Its spellings, with the dash (`-c:v`, `-vcodec`, `-codec:v`). A `:v` or `:v:0`
    /// stream specifier may be added to any flag (`-g:v` is `-g`).
    pub names: &'static [&'static str],
    /// A placeholder for its value, or `None` for a flag that takes none.
    pub value_name: Option<&'static str>,
    /// Where it is accepted.
    pub side: FlagSide,
    /// What it becomes, in one line.
    pub meaning: &'static str,
    /// Whether it is accepted and has no effect (it only matters to ffmpeg's own process).
    pub no_effect: bool,
    action: Action,
}

macro_rules! flag {
    ($side:ident, [$($name:literal),+], $value:expr, $action:expr, $meaning:literal) => {
        FfmpegFlag {
            names: &[$($name),+],
            value_name: $value,
            side: FlagSide::$side,
            meaning: $meaning,
            no_effect: matches!($action, Action::NoEffect),
            action: $action,
        }
    };
}

static FLAGS: &[FfmpegFlag] = &[
    flag!(Input, ["-r", "-framerate"], Some("RATE"), Action::Rate, "the rate of the frames pushed (fps)"),
    flag!(Input, ["-pix_fmt"], Some("FORMAT"), Action::Set("in_pix_fmt"), "the layout of the frames pushed (in_pix_fmt: rgb24, bgr24, gray, ...)"),
    flag!(Input, ["-s", "-video_size"], Some("WxH"), Action::Size, "the size of the frames pushed (size)"),
    flag!(Output, ["-r"], Some("RATE"), Action::Rate, "the video's frame rate: every frame pushed is shown at it (fps); it must equal an input -r"),
    flag!(Output, ["-c", "-codec", "-vcodec"], Some("CODEC"), Action::Set("codec"), "the encoder (codec: libx264, h264, mpeg4, ...)"),
    flag!(Output, ["-preset"], Some("PRESET"), Action::Set("preset"), "the encoder's preset (preset)"),
    flag!(Output, ["-tune"], Some("TUNE"), Action::Set("tune"), "the encoder's tune (tune)"),
    flag!(Output, ["-profile"], Some("PROFILE"), Action::Set("profile"), "the H.264 profile (profile)"),
    flag!(Output, ["-crf"], Some("N"), Action::Set("crf"), "constant rate factor (crf)"),
    flag!(Output, ["-b"], Some("RATE"), Action::Set("bitrate"), "average bitrate, with a k, M or G suffix (bitrate)"),
    flag!(Output, ["-q", "-qscale"], Some("N"), Action::Set("qscale"), "fixed quantiser (qscale)"),
    flag!(Output, ["-qp"], Some("N"), Action::X264(Some("qp")), "x264's constant quantiser (x264_params qp=N)"),
    flag!(Output, ["-x264-params", "-x264opts"], Some("PARAMS"), Action::X264(None), "raw x264 parameters, key=value:key=value (x264_params)"),
    flag!(Output, ["-pix_fmt"], Some("FORMAT"), Action::Set("pix_fmt"), "the pixel format stored (pix_fmt: yuv420p, yuv444p, ...)"),
    flag!(Output, ["-vf", "-filter:v", "-filter:v:0", "-vf:0"], Some("GRAPH"), Action::Set("filter"), "a libavfilter graph applied before encoding: scale=320:240, crop=..., fps=15, ... (filter)"),
    flag!(Output, ["-g"], Some("N"), Action::Set("gop"), "maximum distance between keyframes (gop)"),
    flag!(Output, ["-s"], Some("WxH"), Action::Size, "the size of the frames pushed (size): encode-native does not scale, so it must equal an input -s"),
    flag!(Output, ["-f"], Some("FORMAT"), Action::Set("format"), "the container (format: mp4, mov, matroska, mpegts, webm, gif, ...)"),
    flag!(Output, ["-movflags"], Some("FLAGS"), Action::Movflags, "+faststart or -faststart (faststart), frag_keyframe, empty_moov, default_base_moof or separate_moof (fragmented)"),
    flag!(Output, ["-color_range"], Some("RANGE"), Action::ColorRange, "pc/jpeg/full/2 or tv/mpeg/limited/1 (full_range)"),
    flag!(Output, ["-colorspace"], Some("MATRIX"), Action::Set("color_matrix"), "the RGB to YUV matrix (color_matrix: bt709, bt601, ...)"),
    flag!(Output, ["-threads"], Some("N"), Action::Set("threads"), "encoder threads (threads)"),
    flag!(Output, ["-c:a", "-acodec", "-codec:a", "-c:a:0", "-codec:a:0"], Some("CODEC"), Action::Set("audio_codec"), "the audio encoder (audio_codec: aac, libopus, flac, pcm_s16le, ...)"),
    flag!(Output, ["-b:a", "-ab", "-b:a:0"], Some("RATE"), Action::Set("audio_bitrate"), "the audio bitrate, with a k or M suffix (audio_bitrate)"),
    flag!(Output, ["-ar", "-ar:a", "-ar:a:0"], Some("HZ"), Action::Set("sample_rate"), "audio samples per second (sample_rate)"),
    flag!(Output, ["-ac", "-ac:a", "-ac:a:0"], Some("N"), Action::Set("channels"), "audio channels (channels)"),
    flag!(Output, ["-metadata", "-metadata:g"], Some("KEY=VALUE"), Action::Metadata(""), "a tag of the file: title=..., artist=..., comment=... (metadata)"),
    flag!(Output, ["-metadata:s:v", "-metadata:s:v:0"], Some("KEY=VALUE"), Action::Metadata("s:v:"), "a tag of the video stream: language=..., title=... (metadata s:v:KEY=VALUE)"),
    flag!(Output, ["-metadata:s:a", "-metadata:s:a:0"], Some("KEY=VALUE"), Action::Metadata("s:a:"), "a tag of the audio stream (metadata s:a:KEY=VALUE)"),
    flag!(Output, ["-bf", "-refs", "-keyint_min", "-sc_threshold", "-qmin", "-qmax", "-maxrate", "-bufsize", "-level", "-aq-mode", "-rc-lookahead", "-deadline", "-cpu-used", "-row-mt"], Some("VALUE"), Action::CodecOption, "the encoder's option of that name (codec_option NAME=VALUE)"),
    flag!(Output, ["-y", "-hide_banner", "-nostdin", "-nostats", "-stats", "-an", "-sn", "-dn"], None, Action::NoEffect, "no effect: files are overwritten, nothing is printed or read from stdin, a video has no subtitle or data streams, and audio comes only from the audio settings"),
    flag!(Output, ["-loglevel", "-v"], Some("LEVEL"), Action::NoEffect, "no effect: encode-native prints nothing (FFmpeg's messages are in its errors)"),
];

/// Flags with no equivalent that get their own explanation in the error.
static REFUSED: &[(&str, &str)] = &[
    (
        "-filter",
        "a filter without a stream type (use -vf or -filter:v)",
    ),
    ("-filter_complex", "a filter graph"),
    ("-lavfi", "a filter graph"),
    ("-map", "stream mapping"),
    ("-ss", "seeking"),
    ("-t", "a duration limit"),
    ("-to", "a duration limit"),
    ("-frames", "a frame limit"),
    ("-vframes", "a frame limit"),
    ("-aspect", "an aspect ratio"),
    ("-n", "refusing to overwrite the output"),
    (
        "-i",
        "another input (the input is the frames pushed; a soundtrack file is the audio setting)",
    ),
];

/// The movflags that have a setting, for messages.
const MOVFLAGS: &str =
    "+faststart, -faststart, +frag_keyframe, +empty_moov, +default_base_moof, +separate_moof";

/// Every ffmpeg flag [`EncoderConfig::apply_ffmpeg_args`] and
/// [`ffmpeg_args_settings`] understand, input flags first, with what each becomes.
///
/// ```
/// let flags = encode_native::ffmpeg_flags();
/// assert!(flags.iter().any(|f| f.names.contains(&"-crf")));
/// assert!(flags.iter().any(|f| f.names.contains(&"-y") && f.no_effect));
/// ```
pub fn ffmpeg_flags() -> &'static [FfmpegFlag] {
    FLAGS
}

/// The flag's name without a video stream specifier (`-c:v` is `-c`, `-b:v:0` is `-b`).
fn base_name(flag: &str) -> &str {
    flag.strip_suffix(":v:0")
        .or_else(|| flag.strip_suffix(":v"))
        .unwrap_or(flag)
}

/// The flag `flag` is on `side`: by its exact spelling first (`-metadata:s:v` is a flag of
/// its own), else without a video stream specifier.
fn find(side: FlagSide, flag: &str) -> Option<&'static FfmpegFlag> {
    let on_side = |name: &str| {
        FLAGS
            .iter()
            .find(|f| f.side == side && f.names.contains(&name))
    };
    on_side(flag).or_else(|| on_side(base_name(flag)))
}

/// The flags accepted on `side`, for messages.
fn supported(side: FlagSide) -> String {
    let names: Vec<&str> = FLAGS
        .iter()
        .filter(|f| f.side == side)
        .flat_map(|f| f.names.iter().copied())
        .collect();
    format!("{} (any may end in :v)", names.join(", "))
}

fn field(side: FlagSide) -> &'static str {
    match side {
        FlagSide::Input => "ffmpeg input flag",
        FlagSide::Output => "ffmpeg flag",
    }
}

/// The error for a flag `side` does not take.
fn unsupported(side: FlagSide, flag: &str) -> Error {
    let list = supported(side);
    if side == FlagSide::Input {
        let why = if find(FlagSide::Output, flag).is_some_and(|f| f.no_effect) {
            "it only matters to ffmpeg's own process: give it with the output flags, where it has no effect; input flags describe the frames pushed"
        } else if find(FlagSide::Output, flag).is_some() {
            "it is an output flag; input flags describe the frames pushed"
        } else {
            "input flags describe the frames pushed"
        };
        return Error::config(
            field(side),
            flag,
            format!("{why}; the supported input flags are {list}"),
        );
    }
    if let Some((_, what)) = REFUSED.iter().find(|(n, _)| *n == base_name(flag)) {
        return Error::config(
            field(side),
            flag,
            format!(
                "{what} has no equivalent in encode-native, which encodes every frame pushed as it is; the supported flags are {list}"
            ),
        );
    }
    if find(FlagSide::Input, flag).is_some() {
        return Error::config(
            field(side),
            flag,
            format!("it is an input flag: give it with the input's flags; the supported flags are {list}"),
        );
    }
    Error::config(
        field(side),
        flag,
        format!("not supported by encode-native; the supported flags are {list}"),
    )
}

/// Whether `arg` reads as a flag rather than a value (`-1` and `-0.5` are values).
fn is_flag(arg: &str) -> bool {
    arg.len() > 1 && arg.starts_with('-') && arg[1..].parse::<f64>().is_err()
}

/// What one side's flags say, before the two sides are put together.
#[derive(Default)]
struct Side {
    settings: Vec<(&'static str, String)>,
    rate: Option<(String, FrameRate)>,
    size: Option<(String, (u32, u32))>,
    x264: Vec<String>,
}

fn parse_side<S: AsRef<str>>(side: FlagSide, args: &[S]) -> Result<Side> {
    let mut out = Side::default();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_ref().trim();
        i += 1;
        if !is_flag(arg) {
            return Err(Error::config(
                field(side),
                arg,
                format!(
                    "expected a flag such as -crf (the output's path is given to the writer, not here); the supported flags are {}",
                    supported(side)
                ),
            ));
        }
        let flag = find(side, arg).ok_or_else(|| unsupported(side, arg))?;
        let value = match flag.value_name {
            None => String::new(),
            Some(name) => {
                // A movflags value starts with a dash (-faststart); others must not look like flags.
                let next = args.get(i).map(|a| a.as_ref().trim());
                match next {
                    Some(v) if flag.action == Action::Movflags || !is_flag(v) => {
                        i += 1;
                        v.to_string()
                    }
                    _ => {
                        return Err(Error::config(
                            field(side),
                            arg,
                            format!("expected a value after it ({name})"),
                        ))
                    }
                }
            }
        };
        let bad = |e: Error| -> Error {
            let allowed = match e {
                Error::Config { allowed, .. } => allowed,
                other => other.to_string(),
            };
            Error::config(field(side), format!("{arg} {value}"), allowed)
        };
        match flag.action {
            Action::Set(key) => {
                EncoderConfig::new(64, 64, 30)
                    .set(key, &value)
                    .map_err(bad)?;
                out.settings.push((key, value.clone()));
            }
            Action::Rate => {
                let rate: FrameRate = value.parse().map_err(bad)?;
                out.rate = Some((value.clone(), rate));
            }
            Action::Size => {
                let mut c = EncoderConfig::new(64, 64, 30);
                c.set("size", &value).map_err(bad)?;
                out.size = Some((value.clone(), (c.width, c.height)));
            }
            Action::Movflags => {
                for (part, on) in movflags(&value) {
                    match part {
                        "faststart" => out
                            .settings
                            .push(("faststart", if on { "true" } else { "false" }.into())),
                        "frag_keyframe" | "empty_moov" | "default_base_moof" | "separate_moof" => {
                            let v = if on { "true" } else { "off" };
                            if !out.settings.contains(&("fragmented", v.to_string())) {
                                out.settings.push(("fragmented", v.into()));
                            }
                        }
                        _ => {
                            return Err(Error::config(
                                field(side),
                                format!("{arg} {value}"),
                                format!(
                                    "the movflag '{part}' is not supported; the supported ones are {MOVFLAGS}"
                                ),
                            ))
                        }
                    }
                }
            }
            Action::ColorRange => {
                let full = match value.to_ascii_lowercase().as_str() {
                    "pc" | "jpeg" | "full" | "2" => "true",
                    "tv" | "mpeg" | "limited" | "1" => "false",
                    _ => {
                        return Err(Error::config(
                            field(side),
                            format!("{arg} {value}"),
                            "pc (also jpeg, full, 2) or tv (also mpeg, limited, 1)",
                        ))
                    }
                };
                out.settings.push(("full_range", full.into()));
            }
            Action::X264(key) => {
                let param = match key {
                    Some(k) => format!("{k}={value}"),
                    None => value.clone(),
                };
                if !param.is_empty() {
                    out.x264.push(param);
                }
            }
            Action::CodecOption => {
                let name = base_name(arg).trim_start_matches('-');
                out.settings
                    .push(("codec_option", format!("{name}={value}")));
            }
            Action::Metadata(prefix) => {
                let tag = format!("{prefix}{value}");
                EncoderConfig::new(64, 64, 30)
                    .set("metadata", &tag)
                    .map_err(bad)?;
                out.settings.push(("metadata", tag));
            }
            Action::NoEffect => {}
        }
    }
    Ok(out)
}

/// `+a+b-c` as (name, on) pairs; a leading name without a sign is on.
fn movflags(value: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut rest = value.trim();
    let mut on = true;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('+') {
            on = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix('-') {
            on = false;
            rest = r;
        }
        let end = rest.find(['+', '-']).unwrap_or(rest.len());
        if end > 0 {
            out.push((&rest[..end], on));
        }
        rest = &rest[end..];
        on = true;
    }
    out
}

/// The settings ([`EncoderConfig::set`]'s keys and values, in order) that ffmpeg's flags
/// say, for a command line `ffmpeg INPUT -i - OUTPUT`: `input` describes the frames pushed
/// (`-r`, `-framerate`, `-pix_fmt`, `-s`) and `output` the video (see [`ffmpeg_flags`]).
///
/// encode-native encodes every frame pushed as it is, so flags that would make ffmpeg
/// change the frames are errors: an output `-r` or `-s` that differs from the input's (a
/// frame rate conversion, scaling), filters, seeking, limits. Without an input `-r`, an
/// output `-r` is the rate every frame pushed is shown at; without an input `-s`, an
/// output `-s` is the frames' size. Every value is checked as [`EncoderConfig::set`] checks
/// it, and every error names the flag (and its value).
///
/// ```
/// let settings = encode_native::ffmpeg_args_settings(
///     &["-framerate", "30"],
///     &["-c:v", "libx264", "-b:v", "2M", "-movflags", "+faststart", "-y"],
/// )?;
/// assert_eq!(
///     settings,
///     [("fps", "30".to_string()), ("codec", "libx264".into()),
///      ("bitrate", "2M".into()), ("faststart", "true".into())]
/// );
/// # Ok::<(), encode_native::Error>(())
/// ```
///
/// # Errors
/// [`Error::Config`](crate::Error::Config) for a flag encode-native has no setting for and does not
/// pass on, a flag without its value, or a value its setting does not take.
pub fn ffmpeg_args_settings<S: AsRef<str>, T: AsRef<str>>(
    input: &[S],
    output: &[T],
) -> Result<Vec<(&'static str, String)>> {
    let inp = parse_side(FlagSide::Input, input)?;
    let out = parse_side(FlagSide::Output, output)?;
    let mut settings = Vec::new();
    match (&inp.rate, &out.rate) {
        (Some((a, ra)), Some((b, rb))) if ra != rb => {
            return Err(Error::config(
                field(FlagSide::Output),
                format!("-r {b}"),
                format!(
                    "the input -r {a} and output -r {b} differ: ffmpeg would drop or duplicate frames to change the rate, and encode-native never changes the frames given; give one -r: every frame pushed is shown at that rate"
                ),
            ))
        }
        (Some((text, _)), _) | (None, Some((text, _))) => settings.push(("fps", text.clone())),
        (None, None) => {}
    }
    match (&inp.size, &out.size) {
        (Some((a, sa)), Some((b, sb))) if sa != sb => {
            return Err(Error::config(
                field(FlagSide::Output),
                format!("-s {b}"),
                format!(
                    "the output -s {b} differs from the input -s {a}: encode-native does not scale; resize the frames"
                ),
            ))
        }
        (Some((text, _)), _) | (None, Some((text, _))) => settings.push(("size", text.clone())),
        (None, None) => {}
    }
    settings.extend(inp.settings);
    settings.extend(out.settings);
    if !out.x264.is_empty() {
        settings.push(("x264_params", out.x264.join(":")));
    }
    Ok(settings)
}

impl EncoderConfig {
    /// Applies ffmpeg's output flags (what follows `-i` on its command line): `-c:v
    /// libx264 -crf 18 -movflags +faststart` sets the codec, the crf and faststart.
    /// [`ffmpeg_flags`] lists the flags understood; any other is an error that names it and
    /// lists them, so nothing is silently ignored. Flags that only ffmpeg's own process
    /// reads (`-y`, `-loglevel`, `-hide_banner`, `-nostdin`, `-an`, ...) are accepted and
    /// have no effect. An output `-r` is the frame rate, `-s` the frames' size (there is no
    /// conversion or scaling: `-vf` is the filter graph). On an error nothing is changed.
    ///
    /// ```
    /// use encode_native::{EncoderConfig, RateControl};
    /// let mut config = EncoderConfig::new(640, 480, 30);
    /// config.apply_ffmpeg_args(&["-c:v", "mpeg4", "-b:v", "500k", "-g", "12", "-y"])?;
    /// assert_eq!(config.rate, Some(RateControl::Bitrate(500_000)));
    /// assert_eq!(config.gop, Some(12));
    /// config.apply_ffmpeg_args(&["-vf", "scale=320:240"])?;
    /// assert_eq!(config.filter.as_deref(), Some("scale=320:240"));
    /// let err = config.apply_ffmpeg_args(&["-ss", "2"]).unwrap_err().to_string();
    /// assert!(err.contains("'-ss'") && err.contains("-crf"), "{err}");
    /// # Ok::<(), encode_native::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`ffmpeg_args_settings`](crate::ffmpeg_args_settings): a flag it cannot apply, with the
    /// flag named; the configuration is unchanged then.
    pub fn apply_ffmpeg_args<S: AsRef<str>>(&mut self, args: &[S]) -> Result<()> {
        self.apply_ffmpeg_args_with_input::<&str, S>(&[], args)
    }

    /// Applies ffmpeg's input flags (which describe the frames pushed: `-r`, `-framerate`,
    /// `-pix_fmt`, `-s`) and output flags together, as [`ffmpeg_args_settings`] reads them:
    /// an output `-r` or `-s` must then equal the input's. On an error nothing is changed.
    ///
    /// # Errors
    /// As [`ffmpeg_args_settings`](crate::ffmpeg_args_settings): a flag it cannot apply, with the
    /// flag named; the configuration is unchanged then.
    pub fn apply_ffmpeg_args_with_input<S: AsRef<str>, T: AsRef<str>>(
        &mut self,
        input: &[S],
        output: &[T],
    ) -> Result<()> {
        let settings = ffmpeg_args_settings(input, output)?;
        let mut config = self.clone();
        for (key, value) in &settings {
            config.set(key, value)?;
        }
        *self = config;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Container, OutputPixelFormat, RateControl};

    fn config(args: &[&str]) -> EncoderConfig {
        let mut c = EncoderConfig::new(64, 48, 30);
        c.apply_ffmpeg_args(args)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        c
    }

    fn error(input: &[&str], output: &[&str]) -> String {
        ffmpeg_args_settings(input, output)
            .expect_err("an error")
            .to_string()
    }

    #[test]
    fn each_flag_sets_its_field() {
        assert_eq!(config(&["-c:v", "mpeg4"]).codec, "mpeg4".parse().unwrap());
        assert_eq!(
            config(&["-vcodec", "mpeg4"]).codec,
            "mpeg4".parse().unwrap()
        );
        assert_eq!(
            config(&["-codec:v", "mpeg4"]).codec,
            "mpeg4".parse().unwrap()
        );
        assert_eq!(
            config(&["-preset", "ultrafast"]).preset.as_deref(),
            Some("ultrafast")
        );
        assert_eq!(config(&["-tune", "film"]).tune.as_deref(), Some("film"));
        assert_eq!(
            config(&["-profile:v", "high"]).profile.as_deref(),
            Some("high")
        );
        assert_eq!(config(&["-crf", "18"]).rate, Some(RateControl::Crf(18.0)));
        assert_eq!(
            config(&["-b:v", "2M"]).rate,
            Some(RateControl::Bitrate(2_000_000))
        );
        assert_eq!(
            config(&["-b", "500k"]).rate,
            Some(RateControl::Bitrate(500_000))
        );
        assert_eq!(
            config(&["-qscale:v", "4"]).rate,
            Some(RateControl::Quantizer(4))
        );
        assert_eq!(config(&["-q:v", "5"]).rate, Some(RateControl::Quantizer(5)));
        assert_eq!(
            config(&["-pix_fmt", "yuv444p"]).output_format,
            OutputPixelFormat::Yuv444p
        );
        assert_eq!(config(&["-g", "12"]).gop, Some(12));
        assert_eq!(config(&["-f", "matroska"]).container, Some(Container::Mkv));
        assert_eq!(config(&["-f", "mpegts"]).container, Some(Container::Ts));
        assert_eq!(config(&["-threads", "2"]).threads, 2);
        assert_eq!(
            config(&["-colorspace", "bt709"]).color.matrix,
            Some("bt709".parse().unwrap())
        );
        assert!(config(&["-color_range", "pc"]).color.full_range);
        assert!(!config(&["-color_range", "tv"]).color.full_range);
        assert_eq!(
            config(&["-r", "29.97"]).frame_rate,
            FrameRate::new(30000, 1001)
        );
        let c = config(&["-s", "320x240"]);
        assert_eq!((c.width, c.height), (320, 240));
        assert_eq!(
            config(&["-x264-params", "bframes=2", "-qp", "20"])
                .x264_params
                .as_deref(),
            Some("bframes=2:qp=20")
        );
        assert_eq!(
            config(&["-x264opts", "keyint=5"]).x264_params.as_deref(),
            Some("keyint=5")
        );
        assert_eq!(
            config(&["-bf", "0", "-maxrate:v", "2M"]).codec_options,
            [
                ("bf".to_string(), "0".to_string()),
                ("maxrate".into(), "2M".into())
            ]
        );
    }

    #[test]
    fn movflags() {
        assert!(!config(&["-movflags", "-faststart"]).faststart);
        let c = config(&["-movflags", "-faststart", "-movflags", "+faststart"]);
        assert!(c.faststart);
        let c = config(&["-movflags", "frag_keyframe+empty_moov+default_base_moof"]);
        assert_eq!(c.fragment_seconds, Some(1.0));
        assert_eq!(
            ffmpeg_args_settings::<&str, &str>(&[], &["-movflags", "+faststart+frag_keyframe"])
                .unwrap(),
            [
                ("faststart", "true".to_string()),
                ("fragmented", "true".into())
            ]
        );
        let e = error(&[], &["-movflags", "+isml"]);
        assert!(
            e.contains("'-movflags +isml'") && e.contains("'isml'"),
            "{e}"
        );
        assert!(
            e.contains("+faststart") && e.contains("+frag_keyframe"),
            "{e}"
        );
    }

    #[test]
    fn no_effect_flags_are_accepted_and_change_nothing() {
        let base = EncoderConfig::new(64, 48, 30);
        let args = [
            "-y",
            "-hide_banner",
            "-nostdin",
            "-nostats",
            "-stats",
            "-an",
            "-sn",
            "-dn",
            "-loglevel",
            "error",
            "-v",
            "quiet",
        ];
        assert_eq!(config(&args), base);
        for f in FLAGS {
            assert_eq!(f.no_effect, f.action == Action::NoEffect);
        }
    }

    #[test]
    fn unknown_and_refused_flags_name_the_flag_and_list_the_supported() {
        for (flag, words) in [
            ("-filter", "use -vf or -filter:v"),
            ("-filter_complex", "a filter graph"),
            ("-ss", "seeking"),
            ("-n", "overwrite"),
            ("-frames:v", "frame limit"),
            ("-c:s", "not supported"),
            ("-framerate", "input flag"),
            ("-zzz", "not supported"),
        ] {
            let e = error(&[], &[flag, "1"]);
            assert!(e.contains(&format!("'{flag}'")), "{e}");
            assert!(e.contains(words), "{e}");
            assert!(e.contains("the supported flags are -r, -c, "), "{e}");
            assert!(e.contains("-crf") && e.contains("-movflags"), "{e}");
        }
        let e = error(&["-loglevel", "quiet"], &[]);
        assert!(
            e.contains("'-loglevel'")
                && e.contains("supported input flags are -r, -framerate, -pix_fmt, -s"),
            "{e}"
        );
        let e = error(&["-crf", "18"], &[]);
        assert!(e.contains("'-crf'") && e.contains("output flag"), "{e}");
        let e = error(&[], &["out.mp4"]);
        assert!(
            e.contains("'out.mp4'") && e.contains("expected a flag"),
            "{e}"
        );
    }

    #[test]
    fn missing_and_bad_values_name_the_flag() {
        let e = error(&[], &["-crf"]);
        assert!(
            e.contains("'-crf'") && e.contains("expected a value"),
            "{e}"
        );
        let e = error(&[], &["-crf", "-preset", "fast"]);
        assert!(
            e.contains("'-crf'") && e.contains("expected a value"),
            "{e}"
        );
        let e = error(&[], &["-crf", "99x"]);
        assert!(e.contains("'-crf 99x'") && e.contains("0 to 51"), "{e}");
        let e = error(&[], &["-b:v", "lots"]);
        assert!(e.contains("'-b:v lots'") && e.contains("800k"), "{e}");
        let e = error(&[], &["-f", "flv"]);
        assert!(e.contains("'-f flv'") && e.contains("mp4"), "{e}");
        let e = error(&[], &["-color_range", "wide"]);
        assert!(e.contains("'-color_range wide'") && e.contains("pc"), "{e}");
        // On an error nothing is changed.
        let mut c = EncoderConfig::new(64, 48, 30);
        let before = c.clone();
        assert!(c.apply_ffmpeg_args(&["-crf", "18", "-g", "x"]).is_err());
        assert_eq!(c, before);
    }

    #[test]
    fn input_and_output_rates_and_sizes() {
        let s = ffmpeg_args_settings(
            &[
                "-framerate",
                "24000/1001",
                "-pix_fmt",
                "gray",
                "-s",
                "64x48",
            ],
            &["-r", "24", "-s", "64x48"],
        );
        // 24 is not 24000/1001: a conversion.
        assert!(s.is_err());
        // The library reads 23.976 as 24000/1001.
        assert!(ffmpeg_args_settings(&["-r", "24000/1001"], &["-r", "23.976"]).is_ok());
        let s = ffmpeg_args_settings(
            &[
                "-framerate",
                "24000/1001",
                "-pix_fmt",
                "gray",
                "-s",
                "64x48",
            ],
            &["-r", "24000/1001", "-s", "64x48"],
        )
        .unwrap();
        assert_eq!(
            s,
            [
                ("fps", "24000/1001".to_string()),
                ("size", "64x48".into()),
                ("in_pix_fmt", "gray".into())
            ]
        );
        let e = error(&["-r", "25"], &["-r", "30"]);
        assert!(e.contains("input -r 25 and output -r 30 differ"), "{e}");
        let e = error(&["-s", "64x48"], &["-s", "32x48"]);
        assert!(e.contains("does not scale"), "{e}");
        let mut c = EncoderConfig::new(64, 48, 30);
        c.apply_ffmpeg_args_with_input(&["-r", "10", "-pix_fmt", "bgr24"], &["-crf", "20"])
            .unwrap();
        assert_eq!(c.frame_rate, FrameRate::new(10, 1));
        assert_eq!(c.input_format, crate::PixelFormat::Bgr24);
    }

    #[test]
    fn audio_and_metadata_flags() {
        let s = ffmpeg_args_settings::<&str, &str>(
            &[],
            &[
                "-c:a",
                "libopus",
                "-b:a",
                "96k",
                "-ar",
                "48000",
                "-ac",
                "1",
                "-metadata",
                "title=A b",
                "-metadata:s:v",
                "language=eng",
                "-metadata:s:a:0",
                "title=Voice",
                "-acodec",
                "flac",
            ],
        )
        .unwrap();
        assert_eq!(
            s,
            [
                ("audio_codec", "libopus".to_string()),
                ("audio_bitrate", "96k".into()),
                ("sample_rate", "48000".into()),
                ("channels", "1".into()),
                ("metadata", "title=A b".into()),
                ("metadata", "s:v:language=eng".into()),
                ("metadata", "s:a:title=Voice".into()),
                ("audio_codec", "flac".into()),
            ]
        );
        let c = config(&[
            "-metadata",
            "title=T",
            "-metadata",
            "comment=x=y",
            "-ab",
            "128k",
        ]);
        assert_eq!(c.audio.bitrate, Some(128_000));
        assert_eq!(c.audio.codec, None);
        let c = config(&["-c:a", "pcm_s16le", "-ac", "2"]);
        assert_eq!(c.audio.codec, Some(crate::AudioEncoder::PcmS16le));
        assert_eq!(c.audio.channels, Some(2));
        // Each value is checked as the setting checks it, naming the flag.
        let e = error(&[], &["-metadata", "title"]);
        assert!(
            e.contains("'-metadata title'") && e.contains("KEY=VALUE"),
            "{e}"
        );
        let e = error(&[], &["-metadata:s:v", "=x"]);
        assert!(
            e.contains("'-metadata:s:v =x'") && e.contains("non-empty key"),
            "{e}"
        );
        let e = error(&[], &["-c:a", "vorbis"]);
        assert!(e.contains("'-c:a vorbis'") && e.contains("libopus"), "{e}");
        let e = error(&[], &["-ar", "lots"]);
        assert!(e.contains("'-ar lots'"), "{e}");
        let e = error(&[], &["-ac"]);
        assert!(e.contains("'-ac'") && e.contains("expected a value"), "{e}");
        // A second input stays refused, pointing to the audio setting.
        let e = error(&[], &["-i", "music.wav"]);
        assert!(e.contains("'-i'") && e.contains("audio setting"), "{e}");
        // Audio flags are output flags.
        let e = error(&["-ar", "48000"], &[]);
        assert!(e.contains("'-ar'") && e.contains("output flag"), "{e}");
    }

    #[test]
    fn movflags_split() {
        assert_eq!(
            super::movflags("frag_keyframe+empty_moov-faststart"),
            [
                ("frag_keyframe", true),
                ("empty_moov", true),
                ("faststart", false)
            ]
        );
        assert_eq!(super::movflags("+faststart"), [("faststart", true)]);
    }
}
