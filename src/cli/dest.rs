//! Where the video goes: a file, checked before any input is read, or standard output.

use std::fs::File;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use encode_native::{Container, DeliveryKind, Destination};

/// The checked destination of an encode.
#[derive(Debug, Clone)]
pub enum Target {
    /// A file.
    File(PathBuf),
    /// Standard output (`-o -`).
    Stdout,
}

impl Target {
    /// Checks `output` (`-` for standard output) and chooses the container: an existing file
    /// without `-y`, a missing folder, an unknown extension, AVI on a pipe are refused.
    pub fn check(
        output: &Path,
        overwrite: bool,
        format: Option<Container>,
    ) -> Result<(Self, Container)> {
        if output.as_os_str() == "-" {
            if crate::cli::stdio::stdout_closed() {
                bail!("standard output is closed: nowhere to write the video (-o -)");
            }
            if std::io::stdout().is_terminal() {
                bail!("refusing to write a video to the terminal: redirect standard output or give -o FILE");
            }
            let container = format.unwrap_or(Container::Mp4);
            if container.needs_seeking() {
                bail!(
                    "{} needs a seekable output and cannot go to standard output; use --format mp4 (fragmented), mkv or ts",
                    container.name().to_ascii_uppercase()
                );
            }
            return Ok((Target::Stdout, container));
        }
        if let Some(kind) = DeliveryKind::from_target(output) {
            // A server's URL, or a manifest whose folder the writer makes; the library refuses
            // a manifest that exists unless told to replace it (-y: `overwrite`).
            if output.is_dir() {
                bail!("cannot write '{}': it is a folder", output.display());
            }
            let container = match (kind, format) {
                (_, Some(c)) => c,
                (DeliveryKind::Srt, None) => Container::Ts,
                _ => Container::Mp4,
            };
            return Ok((Target::File(output.to_path_buf()), container));
        }
        check_path(output, overwrite)?;
        let container = match format {
            Some(c) => c,
            None => Container::from_path(output).map_err(|_| {
                anyhow::anyhow!(
                    "cannot choose a container for '{}' from its extension: name it .mp4, \
                     .mov, .mkv, .avi or .ts, or give --format",
                    output.display()
                )
            })?,
        };
        Ok((Target::File(output.to_path_buf()), container))
    }

    /// A name for messages: the path, or "standard output".
    pub fn name(&self) -> String {
        match self {
            Target::File(p) => format!("'{}'", p.display()),
            Target::Stdout => "standard output".into(),
        }
    }

    /// The name after "wrote": the path, or "the video to standard output".
    pub fn written_name(&self) -> String {
        match self {
            Target::File(p) => format!("'{}'", p.display()),
            Target::Stdout => "the video to standard output".into(),
        }
    }

    /// The library's destination for it.
    pub fn open(&self) -> Result<Destination> {
        Ok(match self {
            Target::File(p) => Destination::path(p),
            Target::Stdout => Destination::stream(stdout_file()?),
        })
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
