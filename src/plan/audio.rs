//! The soundtrack's part of the plan: its encoder, rate, channels and bitrate, and the checks
//! that refuse what the encoder or the container would refuse, before anything is written.

use crate::codec::audio::AudioEncoderInfo;
use crate::config::{
    AudioDamage, AudioEncoder, AudioLength, AudioSource, Container, EncoderConfig, SampleFormat,
};
use crate::error::{Error, Result};

/// The most channels encode-native takes: 7.1.
pub(crate) const MAX_CHANNELS: u16 = 8;

/// The soundtrack a writer will write.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioPlan {
    pub(crate) source: AudioSource,
    pub(crate) encoder: AudioEncoder,
    /// A file's audio may be copied as it is (no encoder, rate or channels asked for).
    pub(crate) may_copy: bool,
    /// Pushed samples: their rate and channels; a file: the rate and channels asked for.
    pub(crate) rate: Option<u32>,
    pub(crate) channels: Option<u16>,
    pub(crate) bitrate: Option<u64>,
    pub(crate) offset: f64,
    pub(crate) stream: Option<usize>,
    pub(crate) length: AudioLength,
    pub(crate) damage: AudioDamage,
    /// Seconds pushed samples may run ahead of the frames pushed (policies that hold them).
    pub(crate) ahead: f64,
    /// The format of pushed samples.
    pub(crate) sample_format: SampleFormat,
}

/// What is stored: decided from the plan and, for a file, from the file's own audio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AudioOutput {
    pub(crate) rate: u32,
    pub(crate) channels: u16,
    pub(crate) bitrate: Option<u64>,
}

impl AudioPlan {
    /// The encoder.
    pub fn encoder(&self) -> AudioEncoder {
        self.encoder
    }

    /// Where the audio comes from.
    pub fn source(&self) -> &AudioSource {
        &self.source
    }

    /// The length policy.
    pub fn length(&self) -> AudioLength {
        self.length
    }

    /// What is stored for input at `rate` with `channels` channels: the rate the encoder
    /// takes nearest to it (or the one asked for), the channels (a file's are mixed down to
    /// what the encoder takes), the bitrate, checked against the encoder's range.
    pub(crate) fn output(&self, rate: u32, channels: u16) -> Result<AudioOutput> {
        let info = self.encoder.info();
        let pushed = matches!(self.source, AudioSource::Samples);
        // libopus takes 3 and 4 channels only in Vorbis's order, which is not FFmpeg's default
        // layout for them: a file's audio is mixed to stereo, pushed samples are refused.
        let opus_odd = |c: u16| self.encoder == AudioEncoder::Libopus && (3..=4).contains(&c);
        let channels = match (pushed, self.channels) {
            (true, _) => channels,
            (false, Some(c)) => c,
            (false, None) if opus_odd(channels) => 2,
            (false, None) => channels.min(info.max_channels),
        };
        if opus_odd(channels) {
            return Err(Error::config(
                "channels",
                channels,
                "1, 2 or 5 to 8 channels for libopus (aac and flac take 3 and 4)",
            ));
        }
        if channels == 0 || channels > info.max_channels.min(MAX_CHANNELS) {
            return Err(Error::config(
                "channels",
                channels,
                format!(
                    "1 to {} channels for {}{}",
                    info.max_channels.min(MAX_CHANNELS),
                    self.encoder,
                    if info.max_channels < MAX_CHANNELS {
                        " (aac, libopus and flac take up to 8)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let rate = match (pushed, self.rate) {
            (false, Some(r)) => {
                check_rate_taken(info, r)?;
                r
            }
            _ => info.rate_for(rate),
        };
        let bitrate = match (self.bitrate, info.bitrate_per_channel) {
            (Some(b), None) => {
                return Err(Error::config(
                    "audio_bitrate",
                    b,
                    format!("no bitrate: {} is lossless", self.encoder),
                ))
            }
            (Some(b), Some((lo, hi))) => {
                let (lo, hi) = (lo * u64::from(channels), hi * u64::from(channels));
                let hi = info.max_bitrate.map_or(hi, |max| hi.min(max));
                if b < lo || b > hi {
                    return Err(Error::config(
                        "audio_bitrate",
                        b,
                        format!(
                            "{lo} to {hi} bits per second for {} with {channels} channel{}",
                            self.encoder,
                            if channels == 1 { "" } else { "s" }
                        ),
                    ));
                }
                Some(b)
            }
            (None, _) => info.default_bitrate(channels),
        };
        Ok(AudioOutput {
            rate,
            channels,
            bitrate,
        })
    }
}

fn check_rate_taken(info: &AudioEncoderInfo, rate: u32) -> Result<()> {
    if info.takes_rate(rate) {
        return Ok(());
    }
    let allowed = if info.rates.is_empty() {
        format!("at most {} samples per second", info.max_rate)
    } else {
        let list: Vec<String> = info.rates.iter().map(|r| r.to_string()).collect();
        format!("one of {}", list.join(", "))
    };
    Err(Error::config(
        "sample_rate",
        rate,
        format!("{allowed} for {}", info.encoder),
    ))
}

/// Resolves the soundtrack of `cfg`, or `None` for a silent video.
pub(crate) fn resolve(
    cfg: &EncoderConfig,
    container: Option<Container>,
) -> Result<Option<AudioPlan>> {
    let a = &cfg.audio;
    let Some(source) = a.source.clone() else {
        let given = [
            ("audio_codec", a.codec.map(|c| c.name().to_string())),
            ("audio_bitrate", a.bitrate.map(|b| b.to_string())),
            ("channels", a.channels.map(|c| c.to_string())),
            ("audio_stream", a.stream.map(|s| s.to_string())),
            (
                "audio_offset",
                (a.offset != 0.0).then(|| a.offset.to_string()),
            ),
        ];
        if let Some((name, Some(value))) = given.iter().find(|(_, v)| v.is_some()) {
            return Err(Error::config(
                name,
                value,
                "a soundtrack to apply to: audio=FILE, or sample_rate for samples pushed from memory",
            ));
        }
        return Ok(None);
    };
    let pushed = matches!(source, AudioSource::Samples);
    if let AudioSource::File(p) = &source {
        if p.as_os_str().is_empty() {
            return Err(Error::config(
                "audio",
                "",
                "a file name, or - for standard input",
            ));
        }
    }
    let encoder = match (a.codec, container) {
        (Some(c), _) => c,
        (None, Some(c)) => AudioEncoder::default_for(c).ok_or_else(|| {
            Error::config(
                "audio",
                source_name(&source),
                format!(
                    "a container with sound: {} holds no audio (use mp4, mov, mkv, webm, avi or ts)",
                    c.name()
                ),
            )
        })?,
        (None, None) => AudioEncoder::Aac,
    };
    let info = encoder.info();
    if let Some(c) = container {
        if AudioEncoder::default_for(c).is_none() {
            return Err(Error::config(
                "audio",
                source_name(&source),
                format!(
                    "a container with sound: {} holds no audio (use mp4, mov, mkv, webm, avi or ts)",
                    c.name()
                ),
            ));
        }
        if !info.containers.contains(&c) {
            let fits: Vec<&str> = AudioEncoder::ALL
                .iter()
                .filter(|e| e.info().containers.contains(&c))
                .map(|e| e.name())
                .collect();
            return Err(Error::config(
                "audio_codec",
                encoder,
                format!(
                    "an audio encoder {} holds: {} (or a container for {encoder}: {})",
                    c.name(),
                    fits.join(", "),
                    info.containers
                        .iter()
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    if let Some(r) = a.sample_rate {
        if !(1000..=768_000).contains(&r) {
            return Err(Error::config(
                "sample_rate",
                r,
                "1000 to 768000 samples per second",
            ));
        }
    }
    if let Some(c) = a.channels {
        if c == 0 || c > MAX_CHANNELS {
            return Err(Error::config("channels", c, "1 (mono) to 8 (7.1) channels"));
        }
    }
    if !(a.offset.is_finite() && a.offset.abs() <= 86_400.0) {
        return Err(Error::config(
            "audio_offset",
            a.offset,
            "a number of seconds from -86400 to 86400",
        ));
    }
    if pushed {
        if a.sample_rate.is_none() {
            return Err(Error::config(
                "sample_rate",
                "unset",
                "the rate of the samples pushed, e.g. 48000",
            ));
        }
        if a.stream.is_some() {
            return Err(Error::config(
                "audio_stream",
                a.stream.unwrap_or_default(),
                "an audio file to choose a stream of (audio=FILE)",
            ));
        }
        if a.length == AudioLength::Shortest {
            return Err(Error::config(
                "audio_length",
                "shortest",
                "video or longest for samples pushed from memory (which of the two ends first is yours to choose: stop pushing it)",
            ));
        }
    }
    let plan = AudioPlan {
        source,
        encoder,
        may_copy: !pushed
            && a.codec.is_none()
            && a.sample_rate.is_none()
            && a.channels.is_none()
            && a.offset >= 0.0,
        rate: a.sample_rate,
        channels: if pushed {
            Some(a.channels.unwrap_or(2))
        } else {
            a.channels
        },
        bitrate: a.bitrate,
        offset: a.offset,
        stream: a.stream,
        length: a.length,
        damage: a.damage,
        ahead: a.ahead.unwrap_or(crate::AUDIO_AHEAD_SECONDS),
        sample_format: a.sample_format,
    };
    if pushed {
        // Everything is known now: check it now.
        plan.output(a.sample_rate.unwrap_or(48_000), a.channels.unwrap_or(2))?;
    } else if let Some(r) = a.sample_rate {
        check_rate_taken(info, r)?;
    }
    if let (Some(b), None) = (a.bitrate, info.bitrate_per_channel) {
        return Err(Error::config(
            "audio_bitrate",
            b,
            format!("no bitrate: {encoder} is lossless"),
        ));
    }
    Ok(Some(plan))
}

fn source_name(source: &AudioSource) -> String {
    match source {
        AudioSource::Samples => "samples".into(),
        AudioSource::File(p) => p.display().to_string(),
    }
}
