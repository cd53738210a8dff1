//! An encode from start to end: the checked destination and settings, the writer, feeding
//! it, keeping what was accepted after an error, and the report.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use encode_native::{
    Container, EncoderConfig, Frame, FrameRate, PixelFormat, VideoWriter, WriterOptions,
};
use serde_json::{Map, Value};

use crate::cli::args::OutputArgs;
use crate::cli::dest::Target;
use crate::cli::progress::Progress;
pub use crate::cli::report::Outcome;
use crate::cli::{fifo, report, settings, signals};

/// The checked destination and settings of an encode.
pub struct Output<'a> {
    args: &'a OutputArgs,
    target: Target,
    base: EncoderConfig,
}

impl<'a> Output<'a> {
    /// Checks the destination and the options before any input is read: an existing file
    /// without `-y`, a missing folder, an unknown extension, AVI on a pipe, a bad setting.
    pub fn prepare(args: &'a OutputArgs) -> Result<Self> {
        // --format hls or dash: a manifest at the output's path, whatever its name.
        let explicit = args
            .settings
            .get("format")
            .and_then(encode_native::DeliveryKind::from_format);
        let format = args
            .settings
            .get("format")
            .filter(|_| explicit.is_none())
            .map(str::parse::<Container>)
            .transpose()?;
        let (target, container) = match explicit {
            Some(_) if args.output.as_os_str() == "-" => anyhow::bail!(
                "--format {}: an HLS or DASH output writes many files; give -o the manifest's path",
                args.settings.get("format").unwrap_or_default()
            ),
            Some(_) => (Target::File(args.output.clone()), Container::Mp4),
            None => Target::check(&args.output, args.overwrite, format)?,
        };
        let mut base = settings::base_config(&args.settings, container)?;
        if let Some(kind) =
            explicit.or_else(|| encode_native::DeliveryKind::from_target(&args.output))
        {
            // The destination decides its segments' or stream's container (HLS: the
            // segment_format), unless --format says one.
            if format.is_none() {
                base.container = None;
            }
            if args.overwrite && !kind.is_network() {
                base.delivery.overwrite = true;
            }
        }
        Ok(Output { args, target, base })
    }

    /// A name for messages: the path, or "standard output".
    pub fn name(&self) -> String {
        self.target.name()
    }

    /// The writer's settings for `width`×`height` frames of `format` at `fps`.
    pub fn config(
        &self,
        width: u32,
        height: u32,
        format: PixelFormat,
        fps: FrameRate,
    ) -> EncoderConfig {
        settings::sized(&self.base, width, height, format, fps)
    }

    /// Opens the writer with `config` and runs `feed`, which pushes the frames through the
    /// [`Encoder`] and returns when the input ends or a stop was asked for. Then the video is
    /// finalized and reported. On an error (or a stop) after frames were accepted, the video
    /// is still finalized with them (and the error returned): as the new file when none
    /// existed, and in its partial file, next to an existing file that is left as it was,
    /// when it would replace one (`-y`). With no frame, no file is left behind.
    pub fn encode(
        &self,
        config: EncoderConfig,
        total: Option<u64>,
        feed: impl FnOnce(&mut Encoder) -> Result<()>,
    ) -> Result<Outcome> {
        match self.encode_until_stopped(config, total, feed) {
            // A stop (Ctrl-C, SIGTERM) that ended a wait, such as one for a soundtrack's
            // FIFO: the run was interrupted, as asked, and says how it ended.
            Err(e) if signals::interrupted() => {
                eprintln!("warning: interrupted: {}", report::error_chain(&e));
                Ok(Outcome::Interrupted)
            }
            done => done,
        }
    }

    fn encode_until_stopped(
        &self,
        config: EncoderConfig,
        total: Option<u64>,
        feed: impl FnOnce(&mut Encoder) -> Result<()>,
    ) -> Result<Outcome> {
        // A FIFO waits for its reader here, where Ctrl-C and SIGTERM can end the wait.
        let reader = match &self.target {
            Target::File(path) => fifo::wait_for_reader(path, self.args.quiet)?,
            Target::Stdout => fifo::Reader::NotFifo,
        };
        if let fifo::Reader::Interrupted = reader {
            eprintln!(
                "warning: interrupted while waiting for a program to read {}: no video was written",
                self.name()
            );
            return Ok(Outcome::Interrupted);
        }
        let quiet = self.args.quiet;
        let options = WriterOptions::default()
            .stop_when(signals::interrupted)
            .on_input_wait(move |name| {
                if !quiet {
                    eprintln!("waiting for a program to write to '{name}' (Ctrl-C to stop)");
                }
            });
        let writer =
            VideoWriter::open_with(config, self.target.open()?, options).map_err(|e| match e {
                // These name the setting, or the path, themselves.
                encode_native::Error::Config { .. } => settings::named(e),
                encode_native::Error::Io { .. } => anyhow::Error::new(e),
                e => anyhow::Error::new(e).context(format!("cannot write {}", self.name())),
            })?;
        // The library has the FIFO open now: this side's handle is no longer needed.
        drop(reader);
        signals::set_partial(writer.partial_file().map(|p| p.display().to_string()));
        let mut encoder = Encoder {
            writer: Some(writer),
            progress: Progress::new(total, self.args.quiet || self.args.progress_json),
            extra: Map::new(),
            progress_json: self
                .args
                .progress_json
                .then(|| Instant::now() - Duration::from_secs(1)),
            started: Instant::now(),
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
        let stopped = fed.is_ok() && signals::interrupted() && writer.frames_pushed() > 0;
        if (fed.is_err() || stopped) && writer.replaces_file() && writer.frames_pushed() > 0 {
            // An existing file is never replaced by a run that did not complete: what was
            // accepted is kept in the partial file, and the error says where.
            encoder.progress.finish();
            let partial = writer
                .partial_file()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let what = match writer.keep_partial() {
                Ok(k) => match k.path {
                    Some(p) => format!(
                        "the {} frame{} encoded before {} {} kept in '{}' (make it the video \
                         with `encode-native recover -y '{}'`); {} was left as it was",
                        k.summary.frames,
                        if k.summary.frames == 1 { "" } else { "s" },
                        if stopped { "the stop" } else { "the error" },
                        if k.summary.frames == 1 { "is" } else { "are" },
                        p.display(),
                        p.display(),
                        self.name()
                    ),
                    None => format!("{} was left as it was", self.name()),
                },
                Err(e) => {
                    // The encoder's own error already says where its frames are.
                    if !writer_failed(&fed) {
                        encoder
                            .progress
                            .warn(&format!("could not finalize '{partial}' either: {e}"));
                    }
                    format!("{} was left as it was", self.name())
                }
            };
            return match fed {
                Err(e) => Err(anyhow::anyhow!("{}; {what}", report::error_chain(&e))),
                Ok(_) => {
                    encoder.progress.warn(&format!("interrupted: {what}"));
                    Ok(Outcome::Interrupted)
                }
            };
        }
        if let (Err(_), true) = (&fed, writer.frames_pushed() > 0) {
            // Work already accepted is kept: a finished, playable file with every frame
            // pushed before the error (a new file: nothing existed at its name). When the
            // encoder itself failed, its error already says where the frames are.
            encoder.progress.finish();
            match writer.finish() {
                Ok(s) => encoder.progress.warn(&format!(
                    "kept the {} frame{} encoded before the error in {}",
                    s.frames,
                    if s.frames == 1 { "" } else { "s" },
                    self.target.written_name()
                )),
                Err(_) if writer_failed(&fed) => {}
                Err(e) => encoder
                    .progress
                    .warn(&format!("could not finalize {} either: {e}", self.name())),
            }
            return fed;
        }
        if !matches!(fed, Ok(Outcome::Done)) {
            // No frame: no video. A file destination is left as it was (only the partial
            // file encode-native made is removed); nothing else is ever deleted.
            encoder.progress.finish();
            let _ = writer.discard();
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
        report::report(
            &self.target,
            &summary,
            summary.frame_rate,
            outcome,
            &encoder.progress,
            self.args.json.then_some(&encoder.extra),
        )?;
        Ok(outcome)
    }
}

/// Whether the run's error came from the writer itself (its encoder thread), whose error
/// already says where the frames it wrote are kept.
fn writer_failed(fed: &Result<Outcome>) -> bool {
    fed.as_ref().err().is_some_and(|e| {
        e.chain().any(|c| {
            c.downcast_ref::<encode_native::Error>()
                .is_some_and(|e| e.kind() != encode_native::ErrorKind::Frame)
        })
    })
}

/// The running writer as the input side sees it.
pub struct Encoder {
    writer: Option<VideoWriter>,
    progress: Progress,
    extra: Map<String, Value>,
    /// With --progress-json: when the last line was printed.
    progress_json: Option<Instant>,
    started: Instant,
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
        if let Some(last) = &mut self.progress_json {
            if last.elapsed() >= Duration::from_millis(100) {
                *last = Instant::now();
                eprintln!(
                    "{{\"frames_pushed\":{},\"frames_written\":{},\"elapsed_s\":{:.3}}}",
                    writer.frames_pushed(),
                    writer.frames_written(),
                    self.started.elapsed().as_secs_f64()
                );
            }
        }
        Ok(())
    }

    /// Queues samples for the soundtrack.
    pub fn push_audio(&mut self, samples: encode_native::AudioSamples<'_>) -> Result<()> {
        let writer = self
            .writer
            .as_mut()
            .expect("the writer is open while feeding");
        writer
            .push_audio(samples)
            .context("cannot encode the audio")?;
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
