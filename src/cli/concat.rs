//! `encode-native concat`: segments → one video, without re-encoding.

use anyhow::{bail, Result};

use crate::cli::args::ConcatArgs;

/// Joins the segments.
pub fn run(args: &ConcatArgs) -> Result<()> {
    if args.output.exists() && !args.overwrite {
        bail!(
            "'{}' already exists; use -y/--overwrite to replace it",
            args.output.display()
        );
    }
    if let Some(same) = args.inputs.iter().find(|i| **i == args.output) {
        bail!("'{}' is both a segment and the output", same.display());
    }
    let done = encode_native::concat(&args.inputs, &args.output)?;
    if args.json {
        crate::cli::report::print_file_json(&done.path, done.frames, done.duration, done.bytes)?;
    }
    if !args.quiet {
        eprintln!(
            "joined {} segments: {} frames ({:.3} s) into '{}'",
            args.inputs.len(),
            done.frames,
            done.duration.as_secs_f64(),
            done.path.display()
        );
    }
    Ok(())
}
