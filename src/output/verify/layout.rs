//! The byte layouts that decide how much of a damaged file libavformat may read: an MP4/MOV's
//! top-level boxes (cut before the first incomplete one, except the sample data, `mdat`, whose
//! complete samples are kept) and an MPEG-TS's 188-byte packets.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The size of an MPEG-TS packet.
pub(crate) const TS_PACKET: u64 = 188;

/// The layouts that are cut before they are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// ISO base media (MP4, MOV): top-level boxes.
    Mp4,
    /// MPEG-TS: 188-byte packets.
    Ts,
    /// Anything else (Matroska): read as it is.
    Other,
}

/// How much of a file is read, and where its sample data lies.
#[derive(Debug, Clone)]
pub(crate) struct Extent {
    /// The file's length.
    pub(crate) len: u64,
    /// The bytes `[0, end)` that libavformat reads.
    pub(crate) end: u64,
    /// For an MP4/MOV, the payloads of its `mdat` boxes (sorted, within `end`): every sample
    /// must lie inside one.
    pub(crate) mdats: Option<Vec<(u64, u64)>>,
    /// The file is cut: bytes are left out, or a Matroska file is shorter than its header
    /// says.
    pub(crate) cut: bool,
}

impl Extent {
    /// Reads the layout of `path`.
    pub(crate) fn of(path: &Path) -> Result<Extent> {
        let cannot = |e| Error::io(format!("cannot read '{}'", path.display()), e);
        let mut f = File::open(path).map_err(cannot)?;
        let len = f.metadata().map_err(cannot)?.len();
        let mut head = [0u8; 192];
        let n = read_at(&mut f, 0, &mut head).map_err(cannot)?;
        let layout = if n >= 8 && matches!(&head[4..8], b"ftyp" | b"styp" | b"moov") {
            Layout::Mp4
        } else if n >= 1 && head[0] == 0x47 && (n < 189 || head[188] == 0x47) {
            Layout::Ts
        } else {
            Layout::Other
        };
        Ok(match layout {
            Layout::Mp4 => {
                let (end, mdats) = walk_boxes(&mut f, len).map_err(cannot)?;
                Extent {
                    len,
                    end,
                    mdats: Some(mdats),
                    cut: end != len,
                }
            }
            Layout::Ts => Extent {
                len,
                end: len - len % TS_PACKET,
                mdats: None,
                cut: len % TS_PACKET != 0,
            },
            Layout::Other => Extent {
                len,
                end: len,
                mdats: None,
                cut: matroska_cut_off(path, len)?.is_some(),
            },
        })
    }

    /// Whether nothing of the file can be read.
    pub(crate) fn is_empty(&self) -> bool {
        self.end == 0
    }

    /// What libavformat opens: the file itself, or only its first `end` bytes through
    /// FFmpeg's `subfile` protocol (no copy is made).
    pub(crate) fn url(&self, path: &Path) -> Result<PathBuf> {
        if self.end == self.len {
            return Ok(path.to_path_buf());
        }
        let abs = std::path::absolute(path)
            .map_err(|e| Error::io(format!("cannot read '{}'", path.display()), e))?;
        let abs = abs.to_str().ok_or_else(|| {
            Error::Unsupported(format!(
                "'{}': FFmpeg reads only file names that are valid UTF-8",
                path.display()
            ))
        })?;
        Ok(PathBuf::from(format!(
            "subfile,,start,0,end,{},,:file:{abs}",
            self.end
        )))
    }

    /// Why a packet at `pos` of `size` bytes is not whole in the file, if it is not.
    pub(crate) fn incomplete(&self, pos: isize, size: usize) -> Option<String> {
        // An unknown position (-1) cannot be checked here; the decoder checks the data.
        let pos = u64::try_from(pos).ok()?;
        let Some(end) = u64::try_from(size).ok().and_then(|s| pos.checked_add(s)) else {
            return Some(format!("its size {size} at byte {pos} overflows"));
        };
        if end > self.end {
            return Some(format!(
                "it needs bytes {pos}..{end}, the file's complete part ends at {}",
                self.end
            ));
        }
        if let Some(mdats) = &self.mdats {
            // The last box starting at or before `pos` must hold the whole sample.
            let i = mdats.partition_point(|&(start, _)| start <= pos);
            let inside = i > 0 && end <= mdats[i - 1].1;
            if !inside {
                return Some(format!(
                    "its bytes {pos}..{end} are not inside one sample data box"
                ));
            }
        }
        None
    }
}

/// Reads up to `buf.len()` bytes at `offset`; returns how many there were.
pub(crate) fn read_at(f: &mut File, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    f.seek(SeekFrom::Start(offset))?;
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Walks the top-level boxes of an MP4/MOV of `len` bytes: returns where its complete part
/// ends and the payloads of its `mdat` boxes. The walk ends at the first box whose header is
/// cut off or invalid (a size below its header, or one that overflows), which is left out,
/// and at a box that runs past the file's end, which is left out unless it is sample data
/// (its complete samples are kept; the packets are checked against it one by one).
pub(crate) fn walk_boxes(f: &mut File, len: u64) -> std::io::Result<(u64, Vec<(u64, u64)>)> {
    let mut mdats = Vec::new();
    let mut pos = 0u64;
    while pos < len {
        let mut header = [0u8; 16];
        let n = read_at(f, pos, &mut header)?;
        if n < 8 {
            return Ok((pos, mdats));
        }
        let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let mdat = &header[4..8] == b"mdat";
        let (size, header_len) = match size32 {
            // Up to the end of the file.
            0 => (len - pos, 8),
            1 => {
                if n < 16 {
                    return Ok((pos, mdats));
                }
                let mut large = [0u8; 8];
                large.copy_from_slice(&header[8..16]);
                (u64::from_be_bytes(large), 16)
            }
            s => (u64::from(s), 8),
        };
        let Some(box_end) = pos.checked_add(size).filter(|_| size >= header_len) else {
            return Ok((pos, mdats));
        };
        if box_end > len {
            if mdat {
                mdats.push((pos + header_len, len));
                return Ok((len, mdats));
            }
            return Ok((pos, mdats));
        }
        if mdat {
            mdats.push((pos + header_len, box_end));
        }
        pos = box_end;
    }
    Ok((pos.min(len), mdats))
}

/// Whether a Matroska/WebM file is shorter than its Segment element says (a file whose
/// writing was cut off). A Segment of unknown size (a live stream) cannot be checked.
pub(crate) fn matroska_cut_off(path: &Path, len: u64) -> Result<Option<String>> {
    let cannot = |e| Error::io(format!("cannot read '{}'", path.display()), e);
    let mut f = File::open(path).map_err(cannot)?;
    let mut buf = [0u8; 64];
    let n = read_at(&mut f, 0, &mut buf).map_err(cannot)?;
    let buf = &buf[..n];
    // The EBML header, then the Segment.
    let Some((id, size, body)) = ebml_element(buf, 0) else {
        return Ok(None);
    };
    if id != 0x1A45_DFA3 {
        return Ok(None);
    }
    let Some(segment_at) = size.and_then(|s| body.checked_add(s)) else {
        return Ok(None);
    };
    let Ok(segment_at) = usize::try_from(segment_at) else {
        return Ok(None);
    };
    let Some((id, size, body)) = ebml_element(buf, segment_at) else {
        return Ok(None);
    };
    if id != 0x1853_8067 {
        return Ok(None);
    }
    match size.and_then(|s| body.checked_add(s)) {
        Some(end) if end > len => Ok(Some(format!(
            "it is cut off: its header says it has {end} bytes, the file has {len}"
        ))),
        _ => Ok(None),
    }
}

/// An EBML element's ID, size (`None`: unknown) and where its body starts, read at `at`.
pub(crate) fn ebml_element(buf: &[u8], at: usize) -> Option<(u32, Option<u64>, u64)> {
    let first = *buf.get(at)?;
    let id_len = first.leading_zeros() as usize + 1;
    if id_len > 4 {
        return None;
    }
    let mut id = 0u32;
    for i in 0..id_len {
        id = (id << 8) | u32::from(*buf.get(at + i)?);
    }
    let at = at + id_len;
    let first = *buf.get(at)?;
    let size_len = first.leading_zeros() as usize + 1;
    if size_len > 8 {
        return None;
    }
    let mut size = u64::from(first) & (0xFF >> size_len);
    let mut all_ones = size == 0xFF >> size_len;
    for i in 1..size_len {
        let b = *buf.get(at + i)?;
        all_ones &= b == 0xFF;
        size = (size << 8) | u64::from(b);
    }
    let body = u64::try_from(at + size_len).ok()?;
    Some((id, (!all_ones).then_some(size), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Boxes of the given kinds, declared sizes and actual body lengths, one after another.
    fn boxes(parts: &[(&[u8; 4], u32, usize)]) -> Vec<u8> {
        let mut v = Vec::new();
        for (kind, size, body) in parts {
            v.extend_from_slice(&size.to_be_bytes());
            v.extend_from_slice(*kind);
            v.extend(std::iter::repeat_n(0u8, *body));
        }
        v
    }

    fn walk(bytes: &[u8]) -> (u64, Vec<(u64, u64)>) {
        let mut f = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut f, bytes).unwrap();
        walk_boxes(&mut f, bytes.len() as u64).unwrap()
    }

    const WHOLE: &[(&[u8; 4], u32, usize)] = &[
        (b"ftyp", 16, 8),
        (b"moov", 24, 16),
        (b"moof", 16, 8),
        (b"mdat", 28, 20),
        (b"moof", 16, 8),
        (b"mdat", 18, 10),
    ];

    #[test]
    fn a_whole_file_is_read_whole() {
        let b = boxes(WHOLE);
        assert_eq!(walk(&b), (118, vec![(64, 84), (108, 118)]));
    }

    #[test]
    fn a_cut_inside_a_fragment_header_drops_that_fragment() {
        let b = boxes(WHOLE);
        // Inside the second moof, and inside its 8-byte header.
        assert_eq!(walk(&b[..95]), (84, vec![(64, 84)]));
        assert_eq!(walk(&b[..88]), (84, vec![(64, 84)]));
        // Inside the first fragment's moof: only ftyp and moov remain.
        assert_eq!(walk(&b[..50]), (40, vec![]));
    }

    #[test]
    fn a_cut_inside_sample_data_keeps_its_start_for_the_packet_checks() {
        let b = boxes(WHOLE);
        assert_eq!(walk(&b[..112]), (112, vec![(64, 84), (108, 112)]));
    }

    #[test]
    fn invalid_sizes_end_the_walk() {
        let mut b = boxes(&[(b"ftyp", 16, 8), (b"moov", 3, 20)]);
        assert_eq!(walk(&b).0, 16);
        // A 64-bit size that overflows, and one below its 16-byte header.
        b = boxes(&[(b"ftyp", 16, 8), (b"mdat", 1, 30)]);
        b[24..32].copy_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(walk(&b).0, 16);
        b[24..32].copy_from_slice(&12u64.to_be_bytes());
        assert_eq!(walk(&b).0, 16);
        // A valid one; the zeros after it are a box of size 0, which runs to the end.
        b[24..32].copy_from_slice(&30u64.to_be_bytes());
        assert_eq!(walk(&b), (54, vec![(32, 46)]));
        // Size 0: to the end of the file.
        b = boxes(&[(b"ftyp", 16, 8), (b"mdat", 0, 30)]);
        assert_eq!(walk(&b), (54, vec![(24, 54)]));
    }

    #[test]
    fn packets_must_lie_inside_the_file_and_one_sample_data_box() {
        let e = Extent {
            len: 120,
            end: 118,
            mdats: Some(vec![(64, 84), (108, 118)]),
            cut: true,
        };
        assert_eq!(e.incomplete(64, 20), None);
        assert_eq!(e.incomplete(-1, 20), None);
        assert!(e.incomplete(64, 21).is_some());
        assert!(e.incomplete(80, 30).is_some());
        assert!(e.incomplete(110, 9).is_some());
        assert!(e.incomplete(10, 4).is_some());
        assert!(e.incomplete(isize::MAX, usize::MAX).is_some());
    }

    #[test]
    fn ebml_sizes() {
        // ID 0x1A45DFA3, size 0x84 (4), body at 5.
        let b = [0x1A, 0x45, 0xDF, 0xA3, 0x84, 0, 0, 0, 0];
        assert_eq!(ebml_element(&b, 0), Some((0x1A45_DFA3, Some(4), 5)));
        // Unknown size (all ones).
        let b = [
            0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        assert_eq!(ebml_element(&b, 0), Some((0x1853_8067, None, 12)));
        assert_eq!(ebml_element(&b[..6], 0), None);
        assert_eq!(ebml_element(&[0], 0), None);
    }
}
