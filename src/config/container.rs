//! Containers (file formats) and what each can hold.

use std::path::Path;

use crate::error::{Error, Result};

named_enum! {
    /// The container (file format).
    pub enum Container ("container") {
        /// MPEG-4 Part 14 (`.mp4`).
        Mp4 = ["mp4", "m4v"],
        /// QuickTime (`.mov`).
        Mov = ["mov"],
        /// Matroska (`.mkv`).
        Mkv = ["mkv", "matroska"],
        /// AVI (`.avi`); needs a seekable output.
        Avi = ["avi"],
        /// MPEG transport stream (`.ts`); streamable.
        Ts = ["ts", "mpegts"],
    }
}

impl Container {
    /// The libavformat muxer name.
    pub fn muxer(self) -> &'static str {
        match self {
            Container::Mp4 => "mp4",
            Container::Mov => "mov",
            Container::Mkv => "matroska",
            Container::Avi => "avi",
            Container::Ts => "mpegts",
        }
    }

    /// Guesses the container from a file name's extension.
    pub fn from_path(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .unwrap_or_default();
        ext.parse().map_err(|_| {
            Error::config(
                "container",
                format!("{} (from the extension of '{}')", ext, path.display()),
                format!(
                    "an output name ending in {}, or an explicit container",
                    crate::names::one_of(
                        &Container::NAMES
                            .iter()
                            .map(|n| format!(".{n}"))
                            .collect::<Vec<_>>()
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                    )
                ),
            )
        })
    }

    /// Whether the MP4 family (mp4, mov) that supports faststart and fragments.
    pub fn is_mp4_family(self) -> bool {
        matches!(self, Container::Mp4 | Container::Mov)
    }

    /// Whether the container must seek back at the end (no write-only streams).
    pub fn needs_seeking(self) -> bool {
        matches!(self, Container::Avi)
    }
}
