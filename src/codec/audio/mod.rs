//! Audio encoders: one module per encoder, and the table that lists them.
//!
//! Each encoder's row says which sample formats and rates it takes, how many channels, its
//! bitrate range and default, and the containers it goes in. The plan reads the row to
//! choose what is stored and to refuse what the encoder would refuse; `audio/` opens it.

mod aac;
mod ac3;
mod flac;
mod mp3;
mod opus;
mod pcm;

use ffmpeg_next::format::Sample;

pub use crate::config::AudioEncoder;
use crate::config::{Container, SampleFormat};

/// What encode-native knows about one audio encoder: a row of the audio encoder table.
#[derive(Debug)]
#[non_exhaustive]
pub struct AudioEncoderInfo {
    /// The encoder.
    pub encoder: AudioEncoder,
    /// The coding format it writes, as FFmpeg names it (`aac`, `opus`, `mp3`, ...).
    pub codec: &'static str,
    /// The sample rates it takes; empty: any rate up to `max_rate`.
    pub rates: &'static [u32],
    /// The highest sample rate it takes.
    pub max_rate: u32,
    /// The most channels it takes.
    pub max_channels: u16,
    /// Its bitrate range per channel (bits per second), when it takes a bitrate.
    pub bitrate_per_channel: Option<(u64, u64)>,
    /// Its highest bitrate in all, whatever the channel count, where it has one.
    pub max_bitrate: Option<u64>,
    /// Whether the samples come back exactly as given (in its stored sample format).
    pub lossless: bool,
    /// The containers it goes in.
    pub containers: &'static [Container],
    /// What it is stored as for each input sample format: the sample formats it takes, best
    /// first for that input.
    formats: fn(SampleFormat) -> &'static [Sample],
    /// Its default bitrate for a number of channels.
    default_bitrate: fn(u16) -> Option<u64>,
}

impl AudioEncoder {
    /// This encoder's row of the audio encoder table.
    pub fn info(self) -> &'static AudioEncoderInfo {
        match self {
            AudioEncoder::Aac => &aac::INFO,
            AudioEncoder::Libopus => &opus::INFO,
            AudioEncoder::Flac => &flac::INFO,
            AudioEncoder::PcmS16le => &pcm::S16,
            AudioEncoder::PcmS24le => &pcm::S24,
            AudioEncoder::PcmF32le => &pcm::F32,
            AudioEncoder::Libmp3lame => &mp3::INFO,
            AudioEncoder::Ac3 => &ac3::AC3,
            AudioEncoder::Eac3 => &ac3::EAC3,
        }
    }

    /// The container's default audio encoder, or `None` for a container without sound.
    pub fn default_for(container: Container) -> Option<AudioEncoder> {
        match container {
            Container::Webm => Some(AudioEncoder::Libopus),
            Container::Avi => Some(AudioEncoder::Libmp3lame),
            Container::Mp4 | Container::Mov | Container::Mkv | Container::Ts => {
                Some(AudioEncoder::Aac)
            }
            _ => None,
        }
    }
}

impl AudioEncoderInfo {
    /// The sample format the encoder is given for samples of `input`.
    pub(crate) fn sample_format(&self, input: SampleFormat) -> Sample {
        (self.formats)(input)[0]
    }

    /// The default bitrate for `channels` channels, for encoders that take one.
    pub(crate) fn default_bitrate(&self, channels: u16) -> Option<u64> {
        (self.default_bitrate)(channels)
    }

    /// The rate stored for input at `rate`: itself when the encoder takes it, otherwise the
    /// lowest rate it takes above it, or its highest.
    pub(crate) fn rate_for(&self, rate: u32) -> u32 {
        if self.encoder == AudioEncoder::Flac && !self.takes_rate(rate) {
            // FLAC stores a rate of 65535 Hz or more only as a multiple of 10 below 655350.
            return (rate.min(self.max_rate) / 10) * 10;
        }
        if self.rates.is_empty() {
            return rate.min(self.max_rate);
        }
        if self.rates.contains(&rate) {
            return rate;
        }
        let above = self.rates.iter().copied().filter(|&r| r > rate).min();
        above.unwrap_or_else(|| self.rates.iter().copied().max().unwrap_or(rate))
    }

    /// Whether the encoder takes `rate` as it is.
    pub(crate) fn takes_rate(&self, rate: u32) -> bool {
        if self.encoder == AudioEncoder::Flac {
            return rate < 65_535 || (rate.is_multiple_of(10) && rate <= self.max_rate);
        }
        if self.rates.is_empty() {
            rate <= self.max_rate
        } else {
            self.rates.contains(&rate)
        }
    }
}

/// Float input keeps its precision; integers keep theirs.
fn float_first(
    input: SampleFormat,
    float: &'static [Sample],
    int16: &'static [Sample],
) -> &'static [Sample] {
    match input {
        SampleFormat::I16 => int16,
        _ => float,
    }
}
