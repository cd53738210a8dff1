//! One error type for the whole library, by category, with cause chains.

use std::fmt;
use std::sync::Arc;

/// A specialised `Result` for encode-native.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while configuring, feeding or finishing a writer.
///
/// The error is cheap to clone (causes are shared), so the encoder thread's error can be
/// reported both on the next [`push`](crate::VideoWriter::push) and on
/// [`finish`](crate::VideoWriter::finish).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is invalid. Raised before any FFmpeg object exists.
    #[error("invalid {field} '{value}': {allowed}")]
    Config {
        /// The setting, as named in [`EncoderConfig`](crate::EncoderConfig).
        field: &'static str,
        /// The value that was given.
        value: String,
        /// What is allowed instead.
        allowed: String,
    },
    /// A pushed frame does not fit the writer; the frame was not accepted, the writer goes on.
    #[error("frame {index}: {problem}")]
    Frame {
        /// Zero-based index the frame would have had.
        index: u64,
        /// What was expected and what came.
        problem: String,
    },
    /// Pushed audio samples do not fit the soundtrack; they were not accepted, the writer
    /// goes on.
    #[error("audio chunk {chunk}: {problem}")]
    Audio {
        /// Zero-based number of the push.
        chunk: u64,
        /// What was expected and what came.
        problem: String,
    },
    /// A timestamp given with [`push_at`](crate::VideoWriter::push_at) is not usable.
    #[error("frame {index}: {problem}")]
    Timestamp {
        /// Zero-based index the frame would have had.
        index: u64,
        /// What was expected and what came.
        problem: String,
    },
    /// A feature or combination the linked FFmpeg or the chosen output cannot do.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// FFmpeg failed; `context` says what was being done, `detail` carries FFmpeg's own log lines.
    #[error("{context}: {source}{}", detail_suffix(.detail))]
    Ffmpeg {
        /// What encode-native was doing.
        context: String,
        /// FFmpeg's error code, as a message.
        #[source]
        source: FfmpegError,
        /// FFmpeg's own warning or error lines logged while it failed, if any.
        detail: Vec<String>,
    },
    /// Reading or writing a file or stream failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being read or written.
        context: String,
        /// The operating system's error.
        #[source]
        source: Arc<std::io::Error>,
    },
    /// The writer was used after it had finished.
    #[error("the writer is already finished")]
    Finished,
    /// The encoder thread ended without reporting why (it panicked).
    #[error("the encoder thread stopped unexpectedly: {0}")]
    EncoderThread(String),
    /// Writing a file failed; what was written before the failure is kept, playable, in
    /// `partial` (finish it with [`recover`](crate::recover)).
    #[error("{source}; the video so far is kept in '{}' (finish it with `encode-native recover`)", .partial.display())]
    Kept {
        /// What went wrong.
        #[source]
        source: Box<Error>,
        /// The partial file that holds the frames written so far.
        partial: std::path::PathBuf,
    },
}

impl Error {
    /// Whether this is a wait ended by a stop ([`WriterOptions::stop`](crate::WriterOptions::stop)):
    /// an [`Error::Io`] of kind `Interrupted`.
    pub fn is_interrupted(&self) -> bool {
        match self {
            Error::Io { source, .. } => source.kind() == std::io::ErrorKind::Interrupted,
            Error::Kept { source, .. } => source.is_interrupted(),
            _ => false,
        }
    }
}

fn detail_suffix(detail: &[String]) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" (FFmpeg said: {})", detail.join("; "))
    }
}

/// An error code returned by an FFmpeg library, with FFmpeg's text for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FfmpegError {
    code: i32,
    message: String,
}

impl FfmpegError {
    /// FFmpeg's numeric error code (a negative `AVERROR`).
    pub fn code(&self) -> i32 {
        self.code
    }
}

impl fmt::Display for FfmpegError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FfmpegError {}

impl From<ffmpeg_next::Error> for FfmpegError {
    fn from(e: ffmpeg_next::Error) -> Self {
        FfmpegError {
            code: i32::from(e),
            message: e.to_string(),
        }
    }
}

impl Error {
    /// A configuration error naming the field, the value and what is allowed.
    pub(crate) fn config(
        field: &'static str,
        value: impl fmt::Display,
        allowed: impl Into<String>,
    ) -> Self {
        Error::Config {
            field,
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }

    /// An FFmpeg failure, with the warning and error lines FFmpeg logged on this thread.
    pub(crate) fn ffmpeg(context: impl Into<String>, e: ffmpeg_next::Error) -> Self {
        Error::Ffmpeg {
            context: context.into(),
            source: e.into(),
            detail: crate::ffi::take_log_lines(),
        }
    }

    /// This error, saying that the frames written so far are kept in `partial`.
    pub(crate) fn kept_in(self, partial: &std::path::Path) -> Self {
        if !partial.exists() {
            return self;
        }
        Error::Kept {
            source: Box::new(self),
            partial: partial.to_path_buf(),
        }
    }

    /// An I/O failure with what was being read or written.
    pub(crate) fn io(context: impl Into<String>, e: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source: Arc::new(e),
        }
    }
}

/// What kind of failure an [`Error`] is: the one table that says how each front end reports
/// it (the Python exception, the C status), so that the same failure is the same everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A setting is invalid ([`Error::Config`]).
    Config,
    /// A frame or its timestamp was refused; the writer goes on ([`Error::Frame`],
    /// [`Error::Timestamp`]).
    Frame,
    /// The linked FFmpeg or the output cannot do what was asked: an encoder it lacks, AVI to
    /// a stream, segments that differ ([`Error::Unsupported`]).
    Unsupported,
    /// The disk (or the device) is full: `ENOSPC`.
    NoSpace,
    /// Reading or writing a file or stream failed for another reason ([`Error::Io`]).
    Io,
    /// FFmpeg failed while encoding or muxing ([`Error::Ffmpeg`]).
    Encode,
    /// The writer was used after it had finished ([`Error::Finished`]).
    Finished,
    /// A bug: the encoder thread stopped without saying why ([`Error::EncoderThread`]).
    Internal,
}

impl ErrorKind {
    /// Every kind.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::Config,
        ErrorKind::Frame,
        ErrorKind::Unsupported,
        ErrorKind::NoSpace,
        ErrorKind::Io,
        ErrorKind::Encode,
        ErrorKind::Finished,
        ErrorKind::Internal,
    ];

    /// Its name (`config`, `no_space`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Config => "config",
            ErrorKind::Frame => "frame",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::NoSpace => "no_space",
            ErrorKind::Io => "io",
            ErrorKind::Encode => "encode",
            ErrorKind::Finished => "finished",
            ErrorKind::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `ENOSPC` on the systems encode-native builds for.
const ENOSPC: i32 = 28;

impl Error {
    /// What kind of failure this is (through [`Error::Kept`] to its cause).
    pub fn kind(&self) -> ErrorKind {
        if self.os_error() == Some(ENOSPC) {
            return ErrorKind::NoSpace;
        }
        match self {
            Error::Config { .. } => ErrorKind::Config,
            Error::Frame { .. } | Error::Timestamp { .. } | Error::Audio { .. } => ErrorKind::Frame,
            Error::Unsupported(_) => ErrorKind::Unsupported,
            Error::Io { .. } => ErrorKind::Io,
            Error::Ffmpeg { .. } => ErrorKind::Encode,
            Error::Finished => ErrorKind::Finished,
            Error::EncoderThread(_) => ErrorKind::Internal,
            Error::Kept { source, .. } => source.kind(),
        }
    }

    /// The operating system's error number behind this error, if it has one: an I/O error's,
    /// or the `errno` inside an FFmpeg `AVERROR` (through [`Error::Kept`]).
    pub fn os_error(&self) -> Option<i32> {
        match self {
            Error::Io { source, .. } => source.raw_os_error(),
            // AVERROR(e) is -e for POSIX error numbers; FFmpeg's own codes are tags far below.
            Error::Ffmpeg { source, .. } if (-4095..0).contains(&source.code()) => {
                Some(-source.code())
            }
            Error::Kept { source, .. } => source.os_error(),
            _ => None,
        }
    }

    /// The partial file that keeps the frames written before this error, if any.
    pub fn kept_in_file(&self) -> Option<&std::path::Path> {
        match self {
            Error::Kept { partial, .. } => Some(partial),
            _ => None,
        }
    }
}
