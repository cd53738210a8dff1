//! The shared output options: checking the destination, building the [`EncoderConfig`],
//! opening the writer, feeding it, and reporting the result (summary line or JSON).

use std::fs::File;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use encode_native::{
    Container, EncoderConfig, Frame, FrameRate, PixelFormat, RateControl, Summary, VideoWriter,
};
use serde_json::{json, Map, Value};

use crate::args::OutputArgs;
use crate::progress::Progress;
use crate::signals;

/// Where the video goes.
#[derive(Debug, Clone)]
enum Destination {
    /// A file.
    File(PathBuf),
    /// Standard output (`-o -`).
    Stdout,
}

/// The destination, checked, with the encoding options.
pub struct Output<'a> {
    args: &'a OutputArgs,
    destination: Destination,
    container: Container,
}

/// How an encode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every input frame was encoded.
    Done,
    /// Stopped by Ctrl-C or SIGTERM; the video holds the frames accepted until then.
    Interrupted,
}

impl<'a> Output<'a> {
    /// Checks the destination and the options before any input is read: an existing file
    /// without `-y`, a missing folder, an unknown extension, AVI on a pipe, a bad setting.
    pub fn prepare(args: &'a OutputArgs) -> Result<Self> {
        let (destination, container) = if args.output.as_os_str() == "-" {
            if std::io::stdout().is_terminal() {
                bail!("refusing to write a video to the terminal: redirect standard output or give -o FILE");
            }
            let container = args.format.unwrap_or(Container::Mp4);
            if container == Container::Avi {
                bail!("AVI needs a seekable output and cannot go to standard output; use --format mp4 (fragmented), mkv or ts");
            }
            (Destination::Stdout, container)
        } else {
            let path = &args.output;
            check_path(path, args.overwrite)?;
            let container = match args.format {
                Some(c) => c,
                None => Container::from_path(path).map_err(|_| {
                    anyhow::anyhow!(
                        "cannot choose a container for '{}' from its extension: name it .mp4, \
                         .mov, .mkv, .avi or .ts, or give --format",
                        path.display()
                    )
                })?,
            };
            (Destination::File(path.clone()), container)
        };
        let output = Output {
            args,
            destination,
            container,
        };
        // Catch a bad setting now rather than after reading input (the size is checked at open).
        output
            .config(2, 2, PixelFormat::Rgb24, FrameRate::new(30, 1))
            .validate()?;
        Ok(output)
    }

    /// A name for messages: the path, or "standard output".
    pub fn name(&self) -> String {
        match &self.destination {
            Destination::File(p) => format!("'{}'", p.display()),
            Destination::Stdout => "standard output".into(),
        }
    }

    /// The name after "wrote": the path, or "to standard output".
    fn target_name(&self) -> String {
        match &self.destination {
            Destination::File(p) => format!("'{}'", p.display()),
            Destination::Stdout => "the video to standard output".into(),
        }
    }

    /// Whether the video goes to standard output.
    pub fn is_stdout(&self) -> bool {
        matches!(self.destination, Destination::Stdout)
    }

    /// The writer's settings for `width`×`height` frames of `format` at `fps`.
    pub fn config(
        &self,
        width: u32,
        height: u32,
        format: PixelFormat,
        fps: FrameRate,
    ) -> EncoderConfig {
        let a = self.args;
        let mut c = EncoderConfig::new(width, height, fps)
            .input_format(format)
            .output_format(a.pix_fmt)
            .codec(a.codec)
            .container(self.container)
            .odd_size(a.odd_size)
            .full_range(a.full_range)
            .threads(a.threads)
            .queue_depth(a.queue);
        // The optional settings map one to one onto the config's own optional fields.
        c.preset = a.preset.clone();
        c.tune = a.tune.clone();
        c.profile = a.profile.clone();
        // --crf and --bitrate exclude each other (clap).
        c.rate = a
            .crf
            .map(RateControl::Crf)
            .or(a.bitrate.map(RateControl::Bitrate));
        c.gop = a.gop;
        c.x264_params = a.x264_params.clone();
        c.color.matrix = a.color_matrix;
        c.fragment_seconds = a.fragmented;
        c
    }

    /// Opens the writer with `config` and runs `feed`, which pushes the frames through the
    /// [`Encoder`] and returns when the input ends or a stop was asked for. Then the video is
    /// finalized and reported. On an error after frames were accepted, the video is still
    /// finalized with them (and the error returned); with no frame, no file is left behind.
    pub fn encode(
        &self,
        config: EncoderConfig,
        total: Option<u64>,
        feed: impl FnOnce(&mut Encoder) -> Result<()>,
    ) -> Result<Outcome> {
        let fps = config.frame_rate;
        let writer = match &self.destination {
            Destination::File(path) => VideoWriter::create(path, config),
            Destination::Stdout => VideoWriter::to_stream(stdout_file()?, config),
        }
        .map_err(|e| match e {
            encode_native::Error::Config { .. } => anyhow::Error::new(e),
            e => anyhow::Error::new(e).context(format!("cannot write {}", self.name())),
        })?;
        let mut encoder = Encoder {
            writer: Some(writer),
            progress: Progress::new(total, self.args.quiet),
            extra: Map::new(),
        };
        let fed = feed(&mut encoder);
        let writer = encoder
            .writer
            .take()
            .expect("the writer is open until here");
        let fed = match fed {
            Ok(()) if writer.frames_pushed() == 0 => {
                if signals::interrupted() {
                    encoder
                        .progress
                        .warn("interrupted before the first frame: no video was written");
                    Ok(Outcome::Interrupted)
                } else {
                    Err(anyhow::anyhow!(
                        "nothing to encode: the input has no complete frame"
                    ))
                }
            }
            Ok(()) => Ok(Outcome::Done),
            Err(e) => Err(e),
        };
        if let (Err(_), true) = (&fed, writer.frames_pushed() > 0) {
            // Work already accepted is kept: a finished, playable file with every frame
            // pushed before the error.
            encoder.progress.finish();
            match writer.finish() {
                Ok(s) => encoder.progress.warn(&format!(
                    "kept the {} frame{} encoded before the error in {}",
                    s.frames,
                    if s.frames == 1 { "" } else { "s" },
                    self.target_name()
                )),
                Err(e) => encoder
                    .progress
                    .warn(&format!("could not finalize {} either: {e}", self.name())),
            }
            return fed;
        }
        if !matches!(fed, Ok(Outcome::Done)) {
            encoder.progress.finish();
            drop(writer);
            if let Destination::File(path) = &self.destination {
                let _ = std::fs::remove_file(path);
            }
            return fed;
        }
        let summary = writer
            .finish()
            .with_context(|| format!("cannot finish {}", self.name()));
        encoder.progress.finish();
        let summary = summary?;
        let outcome = if signals::interrupted() {
            Outcome::Interrupted
        } else {
            Outcome::Done
        };
        self.report(&summary, fps, outcome, &encoder);
        Ok(outcome)
    }

    /// The summary line on stderr and the JSON object.
    fn report(&self, s: &Summary, fps: FrameRate, outcome: Outcome, encoder: &Encoder) {
        let wall = s.wall.as_secs_f64();
        let speed = if wall > 0.0 {
            s.frames as f64 / wall
        } else {
            0.0
        };
        let resized = if (s.width, s.height) != (s.input_width, s.input_height) {
            format!(" (from {}x{})", s.input_width, s.input_height)
        } else {
            String::new()
        };
        let line = format!(
            "{} frames, {:.3} s at {} fps, {}x{}{} {} {} in {}{}, {}; encoded in {:.2} s ({:.1} fps)",
            s.frames,
            s.duration.as_secs_f64(),
            fps,
            s.width,
            s.height,
            resized,
            s.pixel_format.name(),
            s.codec.name(),
            s.container.name(),
            if s.fragmented { " (fragmented)" } else { "" },
            human_bytes(s.bytes),
            wall,
            speed,
        );
        match outcome {
            Outcome::Done => encoder
                .progress
                .info(&format!("wrote {}: {line}", self.target_name())),
            Outcome::Interrupted => encoder.progress.warn(&format!(
                "interrupted: finalized {} with the frames accepted so far: {line}",
                self.target_name()
            )),
        }
        if self.args.json {
            let mut object = json!({
                "output": match &self.destination {
                    Destination::File(p) => p.display().to_string(),
                    Destination::Stdout => "-".to_string(),
                },
                "frames": s.frames,
                "duration_s": s.duration.as_secs_f64(),
                "bytes": s.bytes,
                "width": s.width,
                "height": s.height,
                "input_width": s.input_width,
                "input_height": s.input_height,
                "pix_fmt": s.pixel_format.name(),
                "codec": s.codec.name(),
                "container": s.container.name(),
                "fragmented": s.fragmented,
                "fps": fps.as_f64(),
                "frame_rate": fps.to_string(),
                "wall_s": wall,
                "speed_fps": speed,
                "interrupted": outcome == Outcome::Interrupted,
            });
            if let Value::Object(o) = &mut object {
                o.extend(encoder.extra.clone());
            }
            if self.is_stdout() {
                eprintln!("{object}");
            } else {
                println!("{object}");
            }
        }
    }
}

/// The running writer as the input side sees it.
pub struct Encoder {
    writer: Option<VideoWriter>,
    progress: Progress,
    extra: Map<String, Value>,
}

impl Encoder {
    /// Queues one frame (waits while the encoder's queue is full).
    pub fn push<'f>(&mut self, frame: impl Into<Frame<'f>>) -> Result<()> {
        let writer = self
            .writer
            .as_mut()
            .expect("the writer is open while feeding");
        writer.push(frame).context("cannot encode")?;
        self.progress.inc();
        Ok(())
    }

    /// Counts an input that was skipped (for the progress bar).
    pub fn count_skipped(&self) {
        self.progress.inc();
    }

    /// Frames accepted so far.
    pub fn frames(&self) -> u64 {
        self.writer.as_ref().map_or(0, |w| w.frames_pushed())
    }

    /// Prints a warning above the progress bar.
    pub fn warn(&self, message: &str) {
        self.progress.warn(message);
    }

    /// Adds a field to the JSON report.
    pub fn report_field(&mut self, key: &str, value: impl Into<Value>) {
        self.extra.insert(key.to_string(), value.into());
    }
}

/// Refuses an existing file without `--overwrite`, a folder, and a missing parent folder.
fn check_path(path: &Path, overwrite: bool) -> Result<()> {
    if path.is_dir() {
        bail!("cannot write '{}': it is a folder", path.display());
    }
    if path.exists() && !overwrite {
        bail!(
            "'{}' already exists; use -y/--overwrite to replace it",
            path.display()
        );
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        let why = if parent.exists() {
            "is not a folder"
        } else {
            "does not exist"
        };
        bail!(
            "cannot write '{}': the folder '{}' {why}",
            path.display(),
            parent.display()
        );
    }
    Ok(())
}

/// Standard output as a file of its own (a duplicate descriptor), unbuffered by Rust:
/// libavformat buffers, and a write error such as a closed pipe is reported, not lost.
fn stdout_file() -> Result<File> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let fd = std::io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .context("cannot use standard output")?;
        Ok(File::from(fd))
    }
    #[cfg(windows)]
    {
        use std::os::windows::io::AsHandle;
        let handle = std::io::stdout()
            .as_handle()
            .try_clone_to_owned()
            .context("cannot use standard output")?;
        Ok(File::from(handle))
    }
}

/// `1234567` → `1.23 MB`.
fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.2} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}
