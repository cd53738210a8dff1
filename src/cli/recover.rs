//! `encode-native recover`: a partial file left by a crash → the finished video.

use anyhow::{bail, Context, Result};

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
        crate::cli::report::print_file_json(&done.path, done.frames, done.duration, done.bytes)?;
    }
    if !args.quiet {
        eprintln!(
            "recovered {} frames ({:.3} s) into '{}'",
            done.frames,
            done.duration.as_secs_f64(),
            done.path.display()
        );
    }
    Ok(())
}
