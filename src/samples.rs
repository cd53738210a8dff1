//! Samples as the caller hands them over: a borrowed slice, its sample format, its channels
//! and whether they are interleaved or planar.

use crate::config::SampleFormat;
use crate::error::{Error, Result};

/// A sample type [`AudioSamples`] takes: `f32`, `i16`, `i32` or `f64`.
pub trait AudioSample: bytemuck::Pod {
    /// Its sample format.
    const FORMAT: SampleFormat;
}

impl AudioSample for f32 {
    const FORMAT: SampleFormat = SampleFormat::F32;
}
impl AudioSample for i16 {
    const FORMAT: SampleFormat = SampleFormat::I16;
}
impl AudioSample for i32 {
    const FORMAT: SampleFormat = SampleFormat::I32;
}
impl AudioSample for f64 {
    const FORMAT: SampleFormat = SampleFormat::F64;
}

/// Audio samples to push: interleaved (`L R L R ...`) or planar (every sample of the first
/// channel, then every sample of the second, ...).
///
/// ```
/// use encode_native::AudioSamples;
/// let stereo = [0.0f32, 0.0, 0.5, -0.5];
/// let s = AudioSamples::interleaved(&stereo, 2);
/// assert_eq!(s.frames(), 2);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct AudioSamples<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) format: SampleFormat,
    pub(crate) channels: u16,
    pub(crate) planar: bool,
}

/// How far (seconds) pushed samples may run ahead of the frames pushed, by default, with the
/// length policies that hold samples past the video's end until it ends (`video`,
/// `shortest`): the setting `audio_ahead`. What waits is bounded by it (30 s of 48 kHz
/// stereo is 11 MB as 32-bit floats); a push beyond it is refused with
/// [`Error::Audio`](crate::Error::Audio), and the writer goes on.
pub const AUDIO_AHEAD_SECONDS: f64 = 30.0;

/// How far past full scale (±1.0) float samples may go before they are refused as
/// integer-scale sound in a float array.
pub const FLOAT_LIMIT: f64 = 2.0;

impl<'a> AudioSamples<'a> {
    /// Interleaved samples of `channels` channels.
    pub fn interleaved<T: AudioSample>(samples: &'a [T], channels: u16) -> Self {
        AudioSamples {
            bytes: bytemuck::cast_slice(samples),
            format: T::FORMAT,
            channels,
            planar: false,
        }
    }

    /// Planar samples: `channels` runs of equal length, one channel after the other.
    pub fn planar<T: AudioSample>(samples: &'a [T], channels: u16) -> Self {
        AudioSamples {
            bytes: bytemuck::cast_slice(samples),
            format: T::FORMAT,
            channels,
            planar: true,
        }
    }

    /// Samples as raw native-endian bytes of `format` (what the C API and Python pass).
    pub fn from_bytes(bytes: &'a [u8], format: SampleFormat, channels: u16, planar: bool) -> Self {
        AudioSamples {
            bytes,
            format,
            channels,
            planar,
        }
    }

    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.bytes.len() / (self.format.bytes() * usize::from(self.channels.max(1)))
    }

    /// The sample format.
    pub fn format(&self) -> SampleFormat {
        self.format
    }

    /// The channels.
    pub fn channels(&self) -> u16 {
        self.channels
    }

    /// Checks the samples against the writer's soundtrack of `channels` channels; `chunk` is
    /// the number of this push, for messages.
    pub(crate) fn check(&self, chunk: u64, channels: u16) -> Result<()> {
        let fail = |problem: String| Err(Error::Audio { chunk, problem });
        if self.channels != channels {
            return fail(format!(
                "{} channel{} given, the soundtrack has {channels} (its `channels` setting)",
                self.channels,
                if self.channels == 1 { "" } else { "s" }
            ));
        }
        let unit = self.format.bytes() * usize::from(channels);
        if !self.bytes.len().is_multiple_of(unit) {
            return fail(format!(
                "{} bytes is not a whole number of {}-channel {} samples ({unit} bytes each)",
                self.bytes.len(),
                channels,
                self.format
            ));
        }
        if matches!(self.format, SampleFormat::F32 | SampleFormat::F64) {
            let bad = match self.format {
                SampleFormat::F32 => self
                    .bytes
                    .chunks_exact(4)
                    .position(|b| !f32::from_ne_bytes([b[0], b[1], b[2], b[3]]).is_finite()),
                _ => self.bytes.chunks_exact(8).position(|b| {
                    !f64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
                        .is_finite()
                }),
            };
            if let Some(i) = bad {
                return fail(format!(
                    "sample {i} is not a finite number (NaN or infinite)"
                ));
            }
            // Float samples are full scale at ±1.0: a little over is clipped as any encoder
            // clips it, but far over is integer-scale sound in a float array, which would be
            // clipped into a square wave.
            let values: Box<dyn Iterator<Item = f64>> =
                match self.format {
                    SampleFormat::F32 => Box::new(
                        self.bytes
                            .chunks_exact(4)
                            .map(|b| f64::from(f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))),
                    ),
                    _ => Box::new(self.bytes.chunks_exact(8).map(|b| {
                        f64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
                    })),
                };
            if let Some((i, v)) = values.enumerate().find(|(_, v)| v.abs() > FLOAT_LIMIT) {
                return fail(format!(
                    "sample {i} is {v}: {} samples are full scale at ±1.0 (a little over is \
                     clipped; over ±{FLOAT_LIMIT} is refused), and this looks like \
                     integer-scale sound: divide 16-bit values by 32768 (or push them as i16)",
                    self.format
                ));
            }
        }
        Ok(())
    }
}
