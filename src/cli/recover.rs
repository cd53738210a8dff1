//! `encode-native recover`: a partial file left by a crash → the finished video.

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::cli::args::RecoverArgs;

/// Finishes the partial file into its video.
pub fn run(args: &RecoverArgs) -> Result<()> {
    let partial = &args.partial;
    match std::fs::metadata(partial) {
        Ok(m) if m.is_file() => {}
        Ok(m) if m.is_dir() => bail!(
            "cannot recover '{}': it is a folder, not a partial file",
            partial.display()
        ),
        Ok(_) => bail!(
            "cannot recover '{}': not a regular file (a partial file is one)",
            partial.display()
        ),
        Err(e) => bail!("cannot recover '{}': {e}", partial.display()),
    }
    let target = match &args.output {
        Some(o) => o.clone(),
        None => match partial
            .to_str()
            .and_then(|p| p.strip_suffix(encode_native::PARTIAL_SUFFIX))
        {
            Some(t) if !t.is_empty() => t.into(),
            _ => bail!(
                "'{}' is not named <video>{}: give the finished video's name with -o",
                partial.display(),
                encode_native::PARTIAL_SUFFIX
            ),
        },
    };
    if target.exists() && !args.overwrite {
        bail!(
            "'{}' already exists; use -y/--overwrite to replace it",
            target.display()
        );
    }
    let done = encode_native::recover(partial, Some(&target))
        .with_context(|| format!("cannot recover '{}'", partial.display()))?;
    if args.json {
        let object = json!({
            "output": done.path.display().to_string(),
            "frames": done.frames,
            "duration_s": done.duration.as_secs_f64(),
            "bytes": done.bytes,
            "audio": done.audio.iter().map(audio_json).collect::<Vec<_>>(),
        });
        crate::cli::report::print_stdout(&format!("{object}\n")).map_err(|e| {
            anyhow::anyhow!(
                "cannot print the JSON report on standard output: {e} ('{}' was written)",
                done.path.display()
            )
        })?;
    }
    if !args.quiet {
        let audio: String = done
            .audio
            .iter()
            .map(|a| {
                format!(
                    ", audio {} {} Hz: {} samples",
                    a.codec,
                    a.sample_rate,
                    a.samples.unwrap_or_default()
                )
            })
            .collect();
        eprintln!(
            "recovered {} frames ({:.3} s{audio}) into '{}'",
            done.frames,
            done.duration.as_secs_f64(),
            done.path.display()
        );
    }
    Ok(())
}

/// One audio stream of the recovered video in the JSON report: the samples (per channel) it
/// plays, which end with the video or before it.
fn audio_json(a: &encode_native::CopiedAudio) -> Value {
    json!({
        "index": a.index,
        "codec": a.codec,
        "sample_rate": a.sample_rate,
        "channels": a.channels,
        "samples": a.samples,
        "duration_s": a.samples.map(|n| n as f64 / f64::from(a.sample_rate.max(1))),
        "packets": a.packets,
    })
}
