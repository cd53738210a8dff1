//! Moves an MP4's index (`moov`) in front of its media data (`mdat`) for in-memory output,
//! which libavformat's own faststart cannot do (it reopens the output by name).

/// A top-level box: where it starts and how long it is.
struct BoxPos {
    kind: [u8; 4],
    start: usize,
    len: usize,
}

fn top_level(buf: &[u8]) -> Option<Vec<BoxPos>> {
    let mut boxes = Vec::new();
    let mut i = 0;
    while i + 8 <= buf.len() {
        let size32 = u32::from_be_bytes(buf[i..i + 4].try_into().ok()?) as usize;
        let kind: [u8; 4] = buf[i + 4..i + 8].try_into().ok()?;
        let len = match size32 {
            0 => buf.len() - i,
            1 => usize::try_from(u64::from_be_bytes(buf.get(i + 8..i + 16)?.try_into().ok()?))
                .ok()?,
            n => n,
        };
        if len < 8 || i + len > buf.len() {
            return None;
        }
        boxes.push(BoxPos {
            kind,
            start: i,
            len,
        });
        i += len;
    }
    (i == buf.len()).then_some(boxes)
}

/// Adds `delta` to every chunk offset (`stco`, `co64`) inside `moov`; false on overflow or
/// a malformed box.
fn shift_chunk_offsets(b: &mut [u8], delta: u64) -> bool {
    let mut i = 0;
    while i + 8 <= b.len() {
        let len = u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        if len < 8 || i + len > b.len() {
            return false;
        }
        let kind = [b[i + 4], b[i + 5], b[i + 6], b[i + 7]];
        let body = i + 8..i + len;
        match &kind {
            b"trak" | b"mdia" | b"minf" | b"stbl"
                if !shift_chunk_offsets(&mut b[body.clone()], delta) =>
            {
                return false;
            }
            b"stco" | b"co64" => {
                let wide = &kind == b"co64";
                let body = &mut b[body];
                if body.len() < 8 {
                    return false;
                }
                let n = u32::from_be_bytes([body[4], body[5], body[6], body[7]]) as usize;
                let w = if wide { 8 } else { 4 };
                if body.len() < 8 + n * w {
                    return false;
                }
                for e in body[8..8 + n * w].chunks_exact_mut(w) {
                    if wide {
                        let v = u64::from_be_bytes(e.try_into().unwrap_or_default()) + delta;
                        e.copy_from_slice(&v.to_be_bytes());
                    } else {
                        let v = u32::from_be_bytes(e.try_into().unwrap_or_default()) as u64 + delta;
                        let Ok(v) = u32::try_from(v) else {
                            return false;
                        };
                        e.copy_from_slice(&v.to_be_bytes());
                    }
                }
            }
            _ => {}
        }
        i += len;
    }
    true
}

/// Returns the file with `moov` moved before the first `mdat`, or `None` when it already is
/// (or the layout is not the simple one libavformat writes).
pub(crate) fn move_index_to_front(buf: &[u8]) -> Option<Vec<u8>> {
    let boxes = top_level(buf)?;
    let moov = boxes.iter().find(|b| &b.kind == b"moov")?;
    let mdat = boxes.iter().find(|b| &b.kind == b"mdat")?;
    if moov.start < mdat.start || moov.start + moov.len != buf.len() {
        return None;
    }
    let mut index = buf[moov.start..moov.start + moov.len].to_vec();
    if !shift_chunk_offsets(&mut index[8..], moov.len as u64) {
        return None;
    }
    let mut out = Vec::with_capacity(buf.len());
    out.extend_from_slice(&buf[..mdat.start]);
    out.extend_from_slice(&index);
    out.extend_from_slice(&buf[mdat.start..moov.start]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn offsets_shift_by_the_index_size() {
        let ftyp = mp4_box(b"ftyp", b"isom0000");
        let mdat = mp4_box(b"mdat", &[7; 20]);
        // One chunk at the start of mdat's payload.
        let first = (ftyp.len() + 8) as u32;
        let mut stco_body = vec![0, 0, 0, 0, 0, 0, 0, 1];
        stco_body.extend_from_slice(&first.to_be_bytes());
        let stco = mp4_box(b"stco", &stco_body);
        let moov = mp4_box(
            b"moov",
            &mp4_box(
                b"trak",
                &mp4_box(b"mdia", &mp4_box(b"minf", &mp4_box(b"stbl", &stco))),
            ),
        );
        let file = [ftyp.clone(), mdat.clone(), moov.clone()].concat();
        let out = move_index_to_front(&file).unwrap();
        assert_eq!(out.len(), file.len());
        assert_eq!(&out[..ftyp.len()], &ftyp[..]);
        assert_eq!(&out[ftyp.len() + 4..ftyp.len() + 8], b"moov");
        // The offset now points at the same mdat payload, further on.
        let off_pos = out.len() - mdat.len() - 4;
        let off = u32::from_be_bytes(out[off_pos..off_pos + 4].try_into().unwrap()) as usize;
        assert_eq!(off, first as usize + moov.len());
        assert_eq!(out[off], 7);
        // Already in front: nothing to do; garbage: left alone.
        assert!(move_index_to_front(&out).is_none());
        assert!(move_index_to_front(&file[..file.len() - 3]).is_none());
    }
}
