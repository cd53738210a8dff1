//! What the command line says at the end: the summary line, the JSON object, error lines.

use std::any::Any;
use std::io::Write;

use encode_native::{FrameRate, Summary};
use serde_json::{json, Map, Value};

use crate::cli::dest::Target;
use crate::cli::progress::Progress;

/// How an encode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every input frame was encoded.
    Done,
    /// Stopped by Ctrl-C or SIGTERM; the video holds the frames accepted until then.
    Interrupted,
}

/// The summary line on stderr and, with `--json`, the JSON object (on stdout, or on stderr
/// when the video goes to stdout), with the subcommand's `extra` fields. A summary line that
/// stderr cannot take is lost quietly; a JSON object that cannot be printed is an error (it
/// was asked for, and a program reading it would otherwise see nothing and a success).
pub fn report(
    target: &Target,
    s: &Summary,
    fps: FrameRate,
    outcome: Outcome,
    progress: &Progress,
    json: Option<&Map<String, Value>>,
) -> anyhow::Result<()> {
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
    let container = match s.delivery {
        Some(encode_native::DeliveryKind::Rtmp) => "flv over RTMP".to_string(),
        Some(encode_native::DeliveryKind::Srt) => "mpegts over SRT".to_string(),
        Some(k) => format!("{} ({} segments)", k.name(), s.container.name()),
        None => s.container.name().to_string(),
    };
    let mut dropped = if s.frames_dropped > 0 {
        format!(", {} frames dropped (late_frames=drop)", s.frames_dropped)
    } else {
        String::new()
    };
    if s.reconnects > 0 {
        dropped.push_str(&format!(", connected again {} time(s)", s.reconnects));
    }
    let line = format!(
        "{} frames, {:.3} s at {} fps, {}x{}{} {} {} in {}{}, {}{}{dropped}; encoded in {:.2} s ({:.1} fps)",
        s.frames,
        s.duration.as_secs_f64(),
        fps,
        s.width,
        s.height,
        resized,
        s.pixel_format.name(),
        s.encoder.name(),
        container,
        if s.fragmented { " (fragmented)" } else { "" },
        human_bytes(s.bytes),
        audio_words(s),
        wall,
        speed,
    );
    match outcome {
        Outcome::Done => progress.info(&format!("wrote {}: {line}", target.written_name())),
        Outcome::Interrupted => progress.warn(&format!(
            "interrupted: finalized {} with the frames accepted so far: {line}",
            target.written_name()
        )),
    }
    let Some(extra) = json else {
        return Ok(());
    };
    let mut object = json!({
        "output": match target {
            Target::File(p) => p.display().to_string(),
            Target::Stdout => "-".to_string(),
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
        "encoder": s.encoder.name(),
        "container": s.container.name(),
        "fragmented": s.fragmented,
        "fps": fps.as_f64(),
        "frame_rate": fps.to_string(),
        "wall_s": wall,
        "speed_fps": speed,
        "interrupted": outcome == Outcome::Interrupted,
        "audio": audio_json(s),
        "frames_cut": s.frames_cut,
        "frames_dropped": s.frames_dropped,
        "delivery": s.delivery.map(|k| k.name().to_ascii_lowercase()),
        "reconnects": s.reconnects,
    });
    if let Value::Object(o) = &mut object {
        o.extend(extra.clone());
    }
    let (printed, stream) = if matches!(target, Target::Stdout) {
        (
            writeln!(std::io::stderr(), "{object}").and_then(|()| std::io::stderr().flush()),
            "standard error",
        )
    } else {
        (print_stdout(&format!("{object}\n")), "standard output")
    };
    printed.map_err(|e| {
        anyhow::anyhow!(
            "cannot print the JSON report on {stream}: {e} (the video {} was written)",
            target.written_name()
        )
    })
}

/// The soundtrack for the summary line: `, audio aac 48000 Hz stereo 2.000 s (96000
/// samples, encoded)`, or nothing for a silent video.
fn audio_words(s: &Summary) -> String {
    let Some(a) = &s.audio else {
        return String::new();
    };
    let channels = match a.channels {
        1 => "mono".to_string(),
        2 => "stereo".to_string(),
        n => format!("{n} channels"),
    };
    let how = match a.encoder {
        None => "copied".to_string(),
        Some(e) if e.name() == a.codec => "encoded".to_string(),
        Some(e) => format!("encoded by {e}"),
    };
    let mut extra = String::new();
    if a.padded > 0 {
        extra += &format!(", {} samples of silence added", a.padded);
    }
    if a.damaged > 0 {
        extra += &format!(
            ", {} damaged packet{} of the file concealed with silence",
            a.damaged,
            if a.damaged == 1 { "" } else { "s" }
        );
    }
    if a.trimmed {
        extra += ", cut at the video's end";
    }
    if s.frames_cut > 0 {
        extra += &format!(
            ", {} frame{} after its end left out",
            s.frames_cut,
            if s.frames_cut == 1 { "" } else { "s" }
        );
    }
    format!(
        ", audio {} {} Hz {} {:.3} s ({} samples, {how}{extra})",
        a.codec,
        a.sample_rate,
        channels,
        a.duration.as_secs_f64(),
        a.samples
    )
}

/// The soundtrack in the JSON report: `null` for a silent video.
fn audio_json(s: &Summary) -> Value {
    match &s.audio {
        None => Value::Null,
        Some(a) => json!({
            "codec": a.codec,
            "encoder": a.encoder.map(|e| e.name()),
            "copied": a.encoder.is_none(),
            "sample_rate": a.sample_rate,
            "channels": a.channels,
            "samples": a.samples,
            "duration_s": a.duration.as_secs_f64(),
            "padded_samples": a.padded,
            "trimmed": a.trimmed,
            "damaged_packets": a.damaged,
        }),
    }
}

/// Writes `text` on standard output and flushes it; a closed or full standard output is an
/// error (never a panic).
pub fn print_stdout(text: &str) -> std::io::Result<()> {
    if crate::cli::stdio::stdout_closed() {
        return Err(std::io::Error::other("standard output is closed"));
    }
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush())
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

/// The text of a panic's payload.
pub fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic".into())
}

/// The error and its causes on one line, `a: b: c`, leaving out a cause whose text the
/// message before it already ends with (errors that print their source themselves).
pub fn error_chain(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        // A cause that an error before it already quotes (in its middle, as "X; the video
        // so far is kept in ..." does) is not said twice.
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// The one-object JSON report of a command that makes a file (`recover`, `concat`); an
/// error when standard output cannot take it.
pub fn print_file_json(
    path: &std::path::Path,
    frames: u64,
    duration: std::time::Duration,
    bytes: u64,
) -> anyhow::Result<()> {
    let object = json!({
        "output": path.display().to_string(),
        "frames": frames,
        "duration_s": duration.as_secs_f64(),
        "bytes": bytes,
    });
    print_stdout(&format!("{object}\n")).map_err(|e| {
        anyhow::anyhow!(
            "cannot print the JSON report on standard output: {e} ('{}' was written)",
            path.display()
        )
    })
}
