//! The soundtrack and the tags: where the audio comes from, how it is stored, and the
//! metadata a file carries.

use std::path::PathBuf;

named_enum! {
    /// An audio encoder, by FFmpeg's name.
    pub enum AudioEncoder ("audio_codec") {
        /// AAC-LC, FFmpeg's own encoder: the default for MP4, MOV, MKV and MPEG-TS.
        Aac = ["aac"],
        /// Opus (libopus): the default for WebM.
        Libopus = ["libopus", "opus"],
        /// FLAC, lossless.
        Flac = ["flac"],
        /// 16-bit PCM, lossless for 16-bit samples.
        PcmS16le = ["pcm_s16le", "pcm16", "s16le"],
        /// 24-bit PCM.
        PcmS24le = ["pcm_s24le", "pcm24", "s24le"],
        /// 32-bit float PCM, lossless for `f32` samples.
        PcmF32le = ["pcm_f32le", "f32le"],
        /// MP3 (LAME): the default for AVI.
        Libmp3lame = ["libmp3lame", "mp3"],
        /// AC-3 (Dolby Digital), FFmpeg's own encoder: mono to 5.1.
        Ac3 = ["ac3"],
        /// E-AC-3 (Dolby Digital Plus), FFmpeg's own encoder: mono to 5.1.
        Eac3 = ["eac3"],
    }
}

named_enum! {
    /// What happens when the soundtrack and the video last differently.
    #[derive(Default)]
    pub enum AudioLength ("audio_length") {
        /// The video decides: longer audio is cut at the video's end, shorter audio is
        /// padded with silence to it.
        #[default]
        Video = ["video"],
        /// The file ends with the shorter of the two: longer audio is cut at the video's end,
        /// and video frames that start after the end of a shorter soundtrack (read from a
        /// file) are left out.
        Shortest = ["shortest"],
        /// Both are kept whole: the file lasts as long as the longer one.
        Longest = ["longest"],
    }
}

named_enum! {
    /// What a damaged soundtrack file does: a packet that does not decode inside the part the
    /// video needs (damage after it is never read).
    #[derive(Default)]
    pub enum AudioDamage ("audio_damage") {
        /// Decoding goes on past it, with silence as long as the packet in its place (sound
        /// stays in sync), a warning, and the packets counted in the summary
        /// (`AudioTrackSummary::damaged`): what ffmpeg does.
        #[default]
        Conceal = ["conceal"],
        /// The encode stops with an error naming the file and what FFmpeg said.
        Error = ["error"],
    }
}

named_enum! {
    /// The layout of samples in memory, per element.
    #[derive(Default)]
    pub enum SampleFormat ("sample_format") {
        /// 32-bit float, full scale ±1.0.
        #[default]
        F32 = ["f32", "flt", "float32"],
        /// 16-bit signed integers.
        I16 = ["i16", "s16", "int16"],
        /// 32-bit signed integers (24-bit audio sits in the upper 24 bits).
        I32 = ["i32", "s32", "int32"],
        /// 64-bit float, full scale ±1.0.
        F64 = ["f64", "dbl", "float64"],
    }
}

impl SampleFormat {
    /// Bytes per sample of one channel.
    pub fn bytes(self) -> usize {
        match self {
            SampleFormat::I16 => 2,
            SampleFormat::F32 | SampleFormat::I32 => 4,
            SampleFormat::F64 => 8,
        }
    }
}

/// Where the soundtrack comes from.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AudioSource {
    /// Samples pushed with [`VideoWriter::push_audio`](crate::VideoWriter::push_audio), at
    /// [`AudioSettings::sample_rate`] with [`AudioSettings::channels`] channels.
    Samples,
    /// Any file or stream libavformat reads (WAV, MP3, AAC/M4A, FLAC, Ogg, or the audio of a
    /// video file). `-` is standard input.
    File(PathBuf),
}

/// The soundtrack: its source, how it is stored, and how it lines up with the video.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct AudioSettings {
    /// Where the audio comes from; `None`: the video is silent.
    pub source: Option<AudioSource>,
    /// The encoder; `None`: the container's default (AAC, Opus for WebM, MP3 for AVI), or a
    /// copy of a file's own audio when the container takes it as it is.
    pub codec: Option<AudioEncoder>,
    /// Bits per second, for the encoders that take a bitrate (AAC, Opus, MP3).
    pub bitrate: Option<u64>,
    /// Samples per second: of the samples pushed, or what a file's audio is converted to.
    pub sample_rate: Option<u32>,
    /// Channels: of the samples pushed (2 when not given), or what a file's audio is mixed to.
    pub channels: Option<u16>,
    /// Seconds the soundtrack starts after the video (negative: the first seconds of the
    /// soundtrack are skipped).
    pub offset: f64,
    /// Which audio stream of the file, counting its audio streams from 0.
    pub stream: Option<usize>,
    /// What happens when audio and video last differently.
    pub length: AudioLength,
    /// What a damaged soundtrack file does.
    pub damage: AudioDamage,
    /// Seconds pushed samples may run ahead of the frames pushed, for the length policies
    /// that hold them until the video's end (`video`, `shortest`); `None`:
    /// [`AUDIO_AHEAD_SECONDS`](crate::AUDIO_AHEAD_SECONDS).
    pub ahead: Option<f64>,
    /// The format of the samples pushed, which decides what a lossless encoder stores:
    /// 16-bit FLAC for `i16`, 24-bit for the others. Pushes in another format are converted.
    pub sample_format: SampleFormat,
}

impl AudioSettings {
    /// Whether there is a soundtrack at all.
    pub fn is_enabled(&self) -> bool {
        self.source.is_some()
    }
}

/// One tag: a key and its value, for the file or for one of its streams.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tag {
    /// Which part of the file the tag is on.
    pub scope: TagScope,
    /// The key, as FFmpeg names it (`title`, `artist`, `language`, ...).
    pub key: String,
    /// The value.
    pub value: String,
}

/// The part of a file a tag belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TagScope {
    /// The whole file (`title=...`).
    File,
    /// The video stream (`s:v:language=...`).
    Video,
    /// The audio stream (`s:a:language=...`).
    Audio,
}

/// Tags and display rotation.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Metadata {
    /// Tags in the order given; a later one with the same scope and key wins.
    pub tags: Vec<Tag>,
    /// Display rotation in degrees clockwise: 0, 90, 180 or 270 (stored as a display matrix,
    /// which players honour; the pixels are not turned).
    pub rotation: u16,
}

/// The keys of the tags that belong to a stream rather than to the file.
pub(crate) const STREAM_KEYS: &[&str] = &["language", "title", "handler_name"];

impl Metadata {
    /// Adds `key=value`. The key may name a stream: `s:v:KEY` for the video, `s:a:KEY` for
    /// the audio (as FFmpeg's `-metadata:s:v`).
    pub fn add(&mut self, key: &str, value: &str) {
        let key = key.trim();
        let (scope, key) = if let Some(k) = key.strip_prefix("s:v:") {
            (TagScope::Video, k)
        } else if let Some(k) = key.strip_prefix("s:a:") {
            (TagScope::Audio, k)
        } else {
            (TagScope::File, key)
        };
        self.tags.retain(|t| !(t.scope == scope && t.key == key));
        self.tags.push(Tag {
            scope,
            key: key.to_string(),
            value: value.to_string(),
        });
    }

    /// The value of `key` in `scope`, if it was given.
    pub fn get(&self, scope: TagScope, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .rev()
            .find(|t| t.scope == scope && t.key == key)
            .map(|t| t.value.as_str())
    }

    /// The tags of `scope`.
    pub fn scope(&self, scope: TagScope) -> impl Iterator<Item = &Tag> + '_ {
        self.tags.iter().filter(move |t| t.scope == scope)
    }
}

/// The `encoder` tag a file gets unless one is given.
pub const ENCODER_TAG: &str = concat!("encode-native ", env!("CARGO_PKG_VERSION"));
