//! [`check_segment`]: the quicker check `concat` makes of a finished file before joining it.

use std::path::Path;

use ffmpeg_next as ff;

use crate::error::Result;
use crate::output::copy::{Packets, Source};

use super::layout::{matroska_cut_off, Extent};
use super::verified::Verified;

/// Checks that a finished file's video is whole before it is joined to others: every packet
/// reads without an error, is not flagged damaged and lies inside the file, and there are as
/// many as the file's index lists (MP4/MOV); a Matroska file is not shorter than its header
/// says; an MPEG-TS, which has no index, ends on a packet boundary and decodes cleanly to its
/// last frame. Returns what is wrong, if anything.
pub(crate) fn check_segment(path: &Path) -> Result<Option<String>> {
    let extent = Extent::of(path)?;
    if extent.end != extent.len {
        return Ok(Some(format!(
            "it is cut off: its complete part ends at byte {} of {}",
            extent.end, extent.len
        )));
    }
    if let Some(why) = matroska_cut_off(path, extent.len)? {
        return Ok(Some(why));
    }
    let mut src = Source::open(path)?;
    let listed = src.ictx.stream(src.index).map_or(0, |s| s.frames());
    let ts = src.ictx.format().name() == "mpegts";
    if ts {
        let video = src.index;
        let mut v = Verified::new(src, extent)?;
        let mut copied = 0u64;
        while let Some(p) = v.next_packet()? {
            copied += u64::from(p.stream() == video);
        }
        return Ok(v
            .stopped()
            .map(|why| format!("only its first {copied} frames are whole (after them, {why})",)));
    }
    let mut frames = 0u64;
    loop {
        let mut packet = ff::Packet::empty();
        match packet.read(&mut src.ictx) {
            Ok(()) => {}
            Err(ff::Error::Eof) => break,
            Err(e) => {
                return Ok(Some(format!(
                    "it cannot be read after frame {frames} ({e})"
                )))
            }
        }
        if packet.stream() != src.index {
            if src.track_of(packet.stream()).is_some() {
                if packet.is_corrupt() {
                    return Ok(Some(format!(
                        "an audio packet after frame {frames} is flagged damaged"
                    )));
                }
                if let Some(why) = extent.incomplete(packet.position(), packet.size()) {
                    return Ok(Some(format!(
                        "an audio packet after frame {frames} is cut off: {why}"
                    )));
                }
            }
            continue;
        }
        frames += 1;
        if packet.is_corrupt() {
            return Ok(Some(format!("frame {frames} is flagged damaged")));
        }
        if let Some(why) = extent.incomplete(packet.position(), packet.size()) {
            return Ok(Some(format!("frame {frames} is cut off: {why}")));
        }
    }
    if listed > 0 && u64::try_from(listed).ok() != Some(frames) {
        return Ok(Some(format!(
            "its index lists {listed} frames but {frames} can be read"
        )));
    }
    if frames == 0 {
        return Ok(Some("it holds no frame".into()));
    }
    Ok(None)
}
