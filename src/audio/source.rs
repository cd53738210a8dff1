//! A soundtrack read from a file or stream: its audio stream's packets, and a decoder for
//! them when they are not copied as they are.

use std::path::{Path, PathBuf};

use ffmpeg_next as ff;

use crate::error::{Error, Result};

/// An input's chosen audio stream.
pub(crate) struct AudioFile {
    ictx: ff::format::context::Input,
    index: usize,
    pub(crate) time_base: ff::Rational,
    pub(crate) params: ff::codec::Parameters,
    pub(crate) codec_id: ff::codec::Id,
    pub(crate) rate: u32,
    pub(crate) channels: u16,
    path: PathBuf,
    ended: bool,
}

impl AudioFile {
    /// Opens `path` (`-` is standard input) and finds its audio stream number `stream`
    /// (counting audio streams), or the one libavformat finds best.
    pub(crate) fn open(path: &Path, stream: Option<usize>) -> Result<Self> {
        let shown = path.display().to_string();
        let url = if path == Path::new("-") {
            "pipe:0".to_string()
        } else {
            match path.to_str() {
                Some(s) if !s.contains('\0') => s.to_string(),
                _ => {
                    return Err(Error::Unsupported(format!(
                        "cannot read the audio '{shown}': FFmpeg reads only file names that are valid UTF-8"
                    )))
                }
            }
        };
        if url != "pipe:0" && !path.exists() {
            return Err(Error::io(
                format!("cannot read the audio '{shown}'"),
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        }
        crate::ffi::clear_log_lines();
        let ictx = ff::format::input(&url)
            .map_err(|e| Error::ffmpeg(format!("cannot read the audio '{shown}'"), e))?;
        let audio: Vec<usize> = ictx
            .streams()
            .filter(|s| s.parameters().medium() == ff::media::Type::Audio)
            .map(|s| s.index())
            .collect();
        let index = match stream {
            Some(n) => *audio.get(n).ok_or_else(|| {
                Error::config(
                    "audio_stream",
                    n,
                    format!(
                        "0 to {} ('{shown}' has {} audio stream{})",
                        audio.len().saturating_sub(1),
                        audio.len(),
                        if audio.len() == 1 { "" } else { "s" }
                    ),
                )
            })?,
            None => ictx
                .streams()
                .best(ff::media::Type::Audio)
                .map(|s| s.index())
                .ok_or_else(|| Error::Unsupported(format!("'{shown}' has no audio stream")))?,
        };
        let (time_base, params) = {
            let s = ictx
                .stream(index)
                .ok_or_else(|| Error::Unsupported(format!("'{shown}' has no audio stream")))?;
            (s.time_base(), s.parameters())
        };
        let (rate, channels) = crate::ffi::audio_rate_and_channels(&params);
        if rate == 0 || channels == 0 {
            return Err(Error::Unsupported(format!(
                "the audio of '{shown}' has no sample rate or channel count libavformat can read"
            )));
        }
        Ok(AudioFile {
            ictx,
            index,
            time_base,
            codec_id: params.id(),
            params,
            rate,
            channels,
            path: path.to_path_buf(),
            ended: false,
        })
    }

    /// The file's name, for messages.
    pub(crate) fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// The next packet of the audio stream, or `None` at its end.
    pub(crate) fn next_packet(&mut self) -> Result<Option<ff::Packet>> {
        if self.ended {
            return Ok(None);
        }
        loop {
            let mut packet = ff::Packet::empty();
            match packet.read(&mut self.ictx) {
                Ok(()) => {}
                Err(ff::Error::Eof) => {
                    self.ended = true;
                    return Ok(None);
                }
                Err(e) => {
                    return Err(Error::ffmpeg(
                        format!("cannot read the audio '{}'", self.path.display()),
                        e,
                    ))
                }
            }
            if packet.stream() == self.index {
                return Ok(Some(packet));
            }
        }
    }

    /// A decoder for the stream's packets.
    pub(crate) fn decoder(&self) -> Result<ff::decoder::Audio> {
        let ctx = ff::codec::Context::from_parameters(self.params.clone())
            .map_err(|e| Error::ffmpeg(format!("cannot decode the audio '{}'", self.name()), e))?;
        ctx.decoder()
            .audio()
            .map_err(|e| Error::ffmpeg(format!("cannot decode the audio '{}'", self.name()), e))
    }
}
