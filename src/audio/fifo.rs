//! Samples converted to the encoder's format, waiting to be cut into its frames.

use ff::format::Sample;
use ffmpeg_next as ff;

use crate::ffi;

/// Samples converted to the encoder's format, waiting to be cut into its frames.
pub(super) struct Fifo {
    pub(super) planes: Vec<Vec<u8>>,
    /// Bytes of each plane already taken.
    pub(super) start: usize,
    /// Bytes per sample in each plane.
    pub(super) step: usize,
}

impl Fifo {
    pub(super) fn new(format: Sample, channels: u16) -> Self {
        let (planes, step) = if format.is_planar() {
            (usize::from(channels), format.bytes())
        } else {
            (1, format.bytes() * usize::from(channels))
        };
        Fifo {
            planes: vec![Vec::new(); planes],
            start: 0,
            step,
        }
    }

    /// Samples waiting.
    pub(super) fn len(&self) -> usize {
        (self.planes[0].len() - self.start) / self.step
    }

    /// Appends `n` samples of silence (all-zero bytes are silence in every format used).
    pub(super) fn silence(&mut self, n: usize) {
        for p in &mut self.planes {
            p.resize(p.len() + n * self.step, 0);
        }
    }

    /// Forgets all but the first `n` waiting samples.
    pub(super) fn truncate(&mut self, n: usize) {
        let end = self.start + n * self.step;
        for p in &mut self.planes {
            p.truncate(end);
        }
    }

    /// Drops the first `n` waiting samples.
    pub(super) fn skip(&mut self, n: usize) {
        self.start += n.min(self.len()) * self.step;
        self.compact();
    }

    /// Copies the first `n` waiting samples into `frame`'s planes and drops them.
    pub(super) fn take_into(&mut self, n: usize, frame: &mut ff::frame::Audio) {
        let bytes = n * self.step;
        for (src, dst) in self.planes.iter().zip(ffi::audio_planes_mut(frame)) {
            dst[..bytes].copy_from_slice(&src[self.start..self.start + bytes]);
        }
        self.start += bytes;
        self.compact();
    }

    pub(super) fn compact(&mut self) {
        if self.start > 0 && self.start >= self.planes[0].len() / 2 {
            for p in &mut self.planes {
                p.drain(..self.start);
            }
            self.start = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ff::format::sample::Type;

    /// A FIFO of 16-bit stereo holding the samples `values` (each channel its own ramp).
    fn filled(format: Sample, values: std::ops::Range<i16>) -> Fifo {
        let mut f = Fifo::new(format, 2);
        for v in values {
            if format.is_planar() {
                f.planes[0].extend_from_slice(&v.to_le_bytes());
                f.planes[1].extend_from_slice(&(-v).to_le_bytes());
            } else {
                f.planes[0].extend_from_slice(&v.to_le_bytes());
                f.planes[0].extend_from_slice(&(-v).to_le_bytes());
            }
        }
        f
    }

    #[test]
    fn counts_skips_and_truncates_by_samples_not_bytes() {
        for format in [Sample::I16(Type::Packed), Sample::I16(Type::Planar)] {
            let mut f = filled(format, 0..100);
            assert_eq!(f.len(), 100);
            f.skip(30);
            assert_eq!(f.len(), 70);
            f.silence(5);
            assert_eq!(f.len(), 75);
            f.truncate(40);
            assert_eq!(f.len(), 40);
            // Skipping past the end empties it, no more.
            f.skip(1000);
            assert_eq!(f.len(), 0);
        }
    }

    #[test]
    fn takes_the_oldest_samples_into_a_frame_in_order() {
        for format in [Sample::I16(Type::Packed), Sample::I16(Type::Planar)] {
            let mut f = filled(format, 0..100);
            f.skip(10);
            let mut frame = ffi::audio_frame(format, 20, 2, 48_000).unwrap();
            f.take_into(20, &mut frame);
            assert_eq!(f.len(), 70);
            let first = |frame: &ff::frame::Audio| {
                let p = ffi::audio_planes(frame);
                i16::from_le_bytes([p[0][0], p[0][1]])
            };
            assert_eq!(first(&frame), 10);
            f.take_into(20, &mut frame);
            assert_eq!(first(&frame), 30);
            // The second channel is the negated ramp: in plane 1, or interleaved after it.
            let p = ffi::audio_planes(&frame);
            let second = if format.is_planar() {
                i16::from_le_bytes([p[1][0], p[1][1]])
            } else {
                i16::from_le_bytes([p[0][2], p[0][3]])
            };
            assert_eq!(second, -30);
        }
    }
}
