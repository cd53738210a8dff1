//! Where the output goes, decided with the rest of the plan: the container (the configured
//! one, the file's extension, or MP4), whether it can go where it is asked to (AVI must seek
//! back), how an MP4 is laid out (index at the end, fragmented for streams and crash-safe
//! files) and whether its index is moved to the front in memory (faststart).

use std::path::Path;

use crate::config::{Container, EncoderConfig};
use crate::error::{Error, Result};

/// The fragment length of a crash-safe (partial) MP4 when none is configured: at most this
/// much encoded video is lost on a crash.
pub(crate) const CRASH_SAFE_FRAGMENT_SECONDS: f64 = 0.5;

/// The fragment length of an MP4 written to a stream when none is configured.
const STREAM_FRAGMENT_SECONDS: f64 = 1.0;

/// How the MP4/MOV index is written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mp4Layout {
    /// Index at the end (what a seekable custom writer gets).
    Plain,
    /// A fragment at least every this many seconds.
    Fragmented(f64),
}

/// What the destination is, as far as the layout is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SinkKind {
    /// A file written crash-safe (a partial file, finished into the target).
    CrashSafeFile,
    /// Memory, which encode-native reads back at the end.
    Memory,
    /// A writer that seeks but cannot be read back.
    Seekable,
    /// A pipe, socket, FIFO, character device or write-only stream.
    Unseekable,
}

/// The destination's part of the plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DestinationPlan {
    /// How an MP4/MOV is laid out (other containers ignore it).
    pub(crate) layout: Mp4Layout,
    /// The MP4's index is moved to the front of the memory buffer when it is finished
    /// (libavformat's own faststart reopens the output by name, which only a file has).
    pub(crate) faststart_in_memory: bool,
}

/// The container for `config` written to `path` (`None`: memory, a writer or a stream): the
/// configured one, else the path's extension, else MP4.
pub(crate) fn container_for(config: &EncoderConfig, path: Option<&Path>) -> Result<Container> {
    match (config.container, path) {
        (Some(c), _) => Ok(c),
        (None, Some(p)) => Container::from_path(p),
        (None, None) => Ok(Container::Mp4),
    }
}

/// The layout of `container` on a `sink`, with the settings' fragment length and faststart.
pub(crate) fn decide(
    container: Container,
    sink: SinkKind,
    fragment_seconds: Option<f64>,
    faststart: bool,
) -> Result<DestinationPlan> {
    if sink == SinkKind::Unseekable && container.needs_seeking() {
        return Err(Error::Unsupported(format!(
            "{} needs a seekable output; use mp4 (fragmented), mkv or ts for a stream",
            container.name().to_ascii_uppercase()
        )));
    }
    let layout = match (fragment_seconds, sink) {
        (Some(s), _) => Mp4Layout::Fragmented(s),
        (None, SinkKind::Unseekable) => Mp4Layout::Fragmented(STREAM_FRAGMENT_SECONDS),
        // Crash-safe: short fragments, made into a normal MP4 at the end.
        (None, SinkKind::CrashSafeFile) => Mp4Layout::Fragmented(CRASH_SAFE_FRAGMENT_SECONDS),
        // libavformat's faststart reopens the output by name, which a custom writer has not;
        // memory gets its index moved by encode-native at the end instead.
        (None, _) => Mp4Layout::Plain,
    };
    let faststart_in_memory = sink == SinkKind::Memory
        && container.is_mp4_family()
        && layout == Mp4Layout::Plain
        && faststart;
    Ok(DestinationPlan {
        layout,
        faststart_in_memory,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_sink_gets_its_layout() {
        let mp4 = |sink, frag| decide(Container::Mp4, sink, frag, true).unwrap();
        assert_eq!(
            mp4(SinkKind::CrashSafeFile, None).layout,
            Mp4Layout::Fragmented(CRASH_SAFE_FRAGMENT_SECONDS)
        );
        assert_eq!(
            mp4(SinkKind::Unseekable, None).layout,
            Mp4Layout::Fragmented(STREAM_FRAGMENT_SECONDS)
        );
        assert_eq!(mp4(SinkKind::Seekable, None).layout, Mp4Layout::Plain);
        assert!(mp4(SinkKind::Memory, None).faststart_in_memory);
        assert!(!mp4(SinkKind::Seekable, None).faststart_in_memory);
        // A configured fragment length wins everywhere, and a fragmented MP4 keeps its index.
        let fragmented = mp4(SinkKind::Memory, Some(2.0));
        assert_eq!(fragmented.layout, Mp4Layout::Fragmented(2.0));
        assert!(!fragmented.faststart_in_memory);
        assert!(
            !decide(Container::Mp4, SinkKind::Memory, None, false)
                .unwrap()
                .faststart_in_memory
        );
        assert!(
            !decide(Container::Mkv, SinkKind::Memory, None, true)
                .unwrap()
                .faststart_in_memory
        );
    }

    #[test]
    fn avi_is_refused_where_it_cannot_seek_back() {
        let e = decide(Container::Avi, SinkKind::Unseekable, None, true).unwrap_err();
        assert!(e.to_string().contains("AVI needs a seekable output"), "{e}");
        assert!(decide(Container::Avi, SinkKind::Seekable, None, true).is_ok());
    }

    #[test]
    fn the_container_comes_from_the_settings_then_the_path() {
        let mut config = EncoderConfig::new(64, 64, 30);
        assert_eq!(container_for(&config, None).unwrap(), Container::Mp4);
        assert_eq!(
            container_for(&config, Some(Path::new("a.mkv"))).unwrap(),
            Container::Mkv
        );
        config.container = Some(Container::Webm);
        assert_eq!(
            container_for(&config, Some(Path::new("a.mkv"))).unwrap(),
            Container::Webm
        );
    }
}
