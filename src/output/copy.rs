//! Copying packets into a new file without re-encoding: what finishing a partial file and
//! joining segments share. The video stream and every audio stream are copied (the video is
//! the first output stream, the audio streams follow in the input's order), each described
//! by a [`StreamSpec`] with its own time base, codec parameters, metadata and side data (a
//! rotation's display matrix), with the container's metadata. Each input's timeline is moved so that its first video packet is at a
//! given timestamp, and its audio by the same amount, so that sound stays in sync; packets
//! without a duration (fragmented MP4 stores none) get one from the next packet, or an audio
//! packet from its frame size.

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ff::Rescale;
use ffmpeg_next as ff;

use crate::config::Container;
use crate::error::{Error, Result};
use crate::ffi;
use crate::output::stream::{add_streams, PacketOut, StreamId, StreamSpec};
use crate::summary::AudioTrackSummary;

/// A soundtrack decoded from several inputs in turn and encoded again as one, so that joins of
/// lossy audio are sample-exact: the soundtrack engine's, handed to a copy by whoever starts
/// it (the output knows no engine).
pub(crate) trait Rejoiner {
    /// The time base of the packets it writes.
    fn time_base(&self) -> ff::Rational;
    /// The encoder's codec parameters, for the output stream.
    fn parameters(&self) -> ff::codec::Parameters;
    /// Starts the next input, whose audio stream has `params`, `time_base` and `duration`.
    fn start(
        &mut self,
        params: &ff::codec::Parameters,
        time_base: ff::Rational,
        duration: i64,
    ) -> Result<()>;
    /// Decodes one packet of the current input and encodes what it gives.
    fn packet(&mut self, packet: &ff::Packet, out: &mut dyn PacketOut) -> Result<()>;
    /// Ends the current input.
    fn end_input(&mut self, out: &mut dyn PacketOut) -> Result<()>;
    /// Ends the joined soundtrack.
    fn finish(&mut self, out: &mut dyn PacketOut) -> Result<AudioTrackSummary>;
}

/// Makes the [`Rejoiner`] for an audio stream like `params` in `container` (with a global
/// header where the muxer wants one), or `None` where its packets are copied exactly.
pub(crate) type RejoinFactory =
    fn(&ff::codec::Parameters, Container, bool) -> Result<Option<Box<dyn Rejoiner>>>;

/// One stream of an input that is copied: its video stream, or one of its audio streams.
#[derive(Clone)]
pub(crate) struct Track {
    /// Its index in the input.
    pub(crate) index: usize,
    pub(crate) time_base: ff::Rational,
    pub(crate) params: ff::codec::Parameters,
    /// The frame rate (video).
    pub(crate) rate: ff::Rational,
    /// Its metadata (language, title, handler name, ...).
    pub(crate) metadata: Vec<(String, String)>,
    /// Its side data (a display matrix, HDR metadata, ...).
    pub(crate) side_data: Vec<(ff::codec::packet::side_data::Type, Vec<u8>)>,
    /// Its disposition flags (default, forced, ...).
    pub(crate) disposition: i32,
    /// How long it plays, in its time base, as the container states it (an MP4 edit list);
    /// 0 when not stated.
    pub(crate) duration: i64,
}

impl Track {
    fn of(s: &ff::format::stream::Stream) -> Self {
        Track {
            index: s.index(),
            time_base: s.time_base(),
            params: s.parameters(),
            rate: s.avg_frame_rate(),
            metadata: s
                .metadata()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            side_data: ffi::stream_side_data(s),
            disposition: s.disposition().bits(),
            duration: s.duration().max(0),
        }
    }

    /// How long an audio packet of `size` bytes plays, in this stream's time base (0: not
    /// known).
    pub(crate) fn audio_duration(&self, size: usize) -> i64 {
        let samples = ffi::audio_frame_samples(&self.params, size);
        let (rate, _) = ffi::audio_rate_and_channels(&self.params);
        if samples <= 0 || rate == 0 {
            return 0;
        }
        let rate = i32::try_from(rate).unwrap_or(i32::MAX);
        samples.rescale(ff::Rational::new(1, rate), self.time_base)
    }
}

/// An input's streams that are copied: the demuxer, its video stream (index, time base,
/// parameters, rate), the tracks copied (the video first, then every audio stream) and the
/// container's metadata.
pub(crate) struct Source {
    pub(crate) ictx: ff::format::context::Input,
    pub(crate) index: usize,
    pub(crate) time_base: ff::Rational,
    pub(crate) params: ff::codec::Parameters,
    pub(crate) rate: ff::Rational,
    pub(crate) path: PathBuf,
    /// The streams copied: `tracks[0]` is the video, the audio streams follow in input order.
    pub(crate) tracks: Vec<Track>,
    /// The container's metadata (title, artist, comment, encoder, ...).
    pub(crate) metadata: Vec<(String, String)>,
}

impl Source {
    /// Opens `path` and finds its video stream.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        Source::open_url(path, path)
    }

    /// Opens `url` (a file name, or a protocol's URL reading part of one) for the file
    /// `path`, which messages name, and finds its video stream.
    pub(crate) fn open_url(url: &Path, path: &Path) -> Result<Self> {
        // libavformat takes a C string: refuse what it cannot hold instead of failing later.
        if url.to_str().is_none_or(|u| u.contains('\0')) {
            return Err(Error::Unsupported(format!(
                "cannot read '{}': FFmpeg reads only file names that are valid UTF-8",
                path.display()
            )));
        }
        let ictx = ff::format::input(url)
            .map_err(|e| Error::ffmpeg(format!("cannot read '{}'", path.display()), e))?;
        let video = {
            let s = ictx.streams().best(ff::media::Type::Video).ok_or_else(|| {
                Error::Unsupported(format!("'{}' has no video stream", path.display()))
            })?;
            Track::of(&s)
        };
        let mut tracks = vec![];
        for s in ictx.streams() {
            let params = s.parameters();
            // A stream whose codec this libavcodec does not know cannot be described to a
            // muxer: it is left out.
            if params.medium() == ff::media::Type::Audio && params.id() != ff::codec::Id::None {
                tracks.push(Track::of(&s));
            }
        }
        let metadata = ictx
            .metadata()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        tracks.insert(0, video);
        let v = &tracks[0];
        Ok(Source {
            index: v.index,
            time_base: v.time_base,
            params: v.params.clone(),
            rate: v.rate,
            ictx,
            path: path.to_path_buf(),
            tracks,
            metadata,
        })
    }

    /// Which copied track (0: the video) the input stream `stream` is.
    pub(crate) fn track_of(&self, stream: usize) -> Option<usize> {
        self.tracks.iter().position(|t| t.index == stream)
    }

    /// The audio tracks (every track after the video).
    pub(crate) fn audio(&self) -> &[Track] {
        &self.tracks[1..]
    }
}

/// Where [`Copy::append`] takes its packets from, in the order the demuxer reads them.
pub(crate) trait Packets {
    /// The next packet of one of the source's tracks, or `None` at the end.
    fn next_packet(&mut self) -> Result<Option<ff::Packet>>;
    /// The source the packets come from.
    fn source(&self) -> &Source;
}

/// Every packet of a source's tracks as the demuxer reads it.
pub(crate) struct Raw<'a> {
    src: &'a mut Source,
    tolerate_tail: bool,
    read: bool,
}

impl<'a> Raw<'a> {
    /// The packets of `src`. With `tolerate_tail`, a read error after the first video packet
    /// ends the input (a crash leaves the last fragment of a partial file incomplete).
    pub(crate) fn new(src: &'a mut Source, tolerate_tail: bool) -> Self {
        Raw {
            src,
            tolerate_tail,
            read: false,
        }
    }
}

impl Packets for Raw<'_> {
    fn next_packet(&mut self) -> Result<Option<ff::Packet>> {
        loop {
            let mut packet = ff::Packet::empty();
            match packet.read(&mut self.src.ictx) {
                Ok(()) => {}
                Err(ff::Error::Eof) => return Ok(None),
                Err(_) if self.tolerate_tail && self.read => return Ok(None),
                Err(e) => {
                    return Err(Error::ffmpeg(
                        format!("cannot read '{}'", self.src.path.display()),
                        e,
                    ))
                }
            }
            if packet.stream() == self.src.index {
                self.read = true;
                return Ok(Some(packet));
            }
            if self.src.track_of(packet.stream()).is_some() {
                return Ok(Some(packet));
            }
        }
    }

    fn source(&self) -> &Source {
        self.src
    }
}

/// An audio stream copied into a file by [`recover`](crate::recover) or
/// [`concat`](crate::concat()): what it is and how long it plays.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CopiedAudio {
    /// Its stream index in the new file (the video is stream 0).
    pub index: usize,
    /// Its coding format, FFmpeg's name for it (`aac`, `opus`, `flac`): the input's own.
    pub codec: String,
    /// Samples per second.
    pub sample_rate: u32,
    /// Channels.
    pub channels: u16,
    /// Packets copied.
    pub packets: u64,
    /// Its playing time by its timestamps, from its first packet to the end of its last
    /// (an encoder's priming samples, which decoders skip, included).
    pub duration: Duration,
    /// Samples per channel it plays: what its decoder gives, within the duration the file
    /// states for the stream where it states one (players stop there). Counted by
    /// [`recover`](crate::recover), which reads the finished file back; `None` where they
    /// are not counted ([`concat`](crate::concat())).
    pub samples: Option<u64>,
}

/// What [`Copy::finish`] reports: the video's frames and playing time, and the audio.
pub(crate) struct Copied {
    pub(crate) frames: u64,
    pub(crate) duration: Duration,
    pub(crate) audio: Vec<CopiedAudio>,
}

/// An audio stream of the output, with what is counted of it.
struct AudioOut {
    /// Its output stream.
    stream: StreamId,
    out_tb: ff::Rational,
    /// The last decoding timestamp written (the output's time base).
    last_dts: Option<i64>,
    first: Option<i64>,
    end: i64,
    summary: CopiedAudio,
}

/// A time in seconds, exactly: a fraction (its denominator above 0).
#[derive(Debug, Clone, Copy)]
struct Seconds(i128, i128);

impl Seconds {
    fn ticks(ticks: i64, tb: ff::Rational) -> Self {
        Seconds(
            i128::from(ticks) * i128::from(tb.numerator()),
            i128::from(tb.denominator()).max(1),
        )
    }

    fn samples(samples: i64, rate: u32) -> Self {
        Seconds(i128::from(samples), i128::from(rate.max(1)))
    }

    fn plus(self, other: Seconds) -> Self {
        Seconds(self.0 * other.1 + other.0 * self.1, self.1 * other.1)
    }

    fn minus(self, other: Seconds) -> Self {
        self.plus(Seconds(-other.0, other.1))
    }

    fn after(self, other: Seconds) -> bool {
        self.0 * other.1 > other.0 * self.1
    }

    /// How many whole `unit`s (above 0) it holds, rounded down.
    fn whole(self, unit: Seconds) -> i64 {
        let (n, d) = (self.0 * unit.1, self.1 * unit.0);
        if d <= 0 {
            return 0;
        }
        let q = n.div_euclid(d);
        i64::try_from(q).unwrap_or(if q < 0 { i64::MIN } else { i64::MAX })
    }
}

/// The samples a decoder is told to skip at the start of packet `p` and to discard at its
/// end (its `AV_PKT_DATA_SKIP_SAMPLES`: priming, and the padding of a stream's last packet).
fn skip_and_discard(p: &ff::Packet) -> (i64, i64) {
    p.side_data()
        .find(|d| d.kind() == ff::codec::packet::side_data::Type::SkipSamples)
        .and_then(|d| {
            let b = d.data();
            let word = |i: usize| {
                Some(i64::from(u32::from_le_bytes(
                    b.get(i..i + 4)?.try_into().ok()?,
                )))
            };
            Some((word(0)?, word(4)?))
        })
        .unwrap_or((0, 0))
}

/// Where audio packet `p` (time base `tb`, of a stream of `rate` samples a second) is
/// heard: from its presentation time (less the `extra` ticks it was moved for its muxer) and
/// the samples skipped at its start, to the end of its duration less the samples discarded
/// at its end. Timestamps coarser than a sample (Matroska's milliseconds) are taken as the
/// container states them.
fn heard(p: &ff::Packet, tb: ff::Rational, extra: i64, rate: u32) -> (Seconds, Seconds) {
    let at = p.pts().or(p.dts()).unwrap_or(0).saturating_sub(extra);
    let (skip, discard) = skip_and_discard(p);
    let start = Seconds::ticks(at, tb).plus(Seconds::samples(skip, rate));
    let end = Seconds::ticks(at.saturating_add(p.duration().max(0)), tb)
        .minus(Seconds::samples(discard, rate));
    (start, end)
}

/// The samples (per channel) each audio stream of the file `path` plays, in stream order:
/// what its decoder gives, within the duration the file states for the stream where it
/// states one (FFmpeg's MP4 demuxer does not make the decoder drop what an edit list leaves
/// out at the end; players stop there).
pub(crate) fn played_samples(path: &Path) -> Result<Vec<u64>> {
    let cannot = |e| Error::ffmpeg(format!("cannot read '{}' back", path.display()), e);
    let mut ictx = ff::format::input(path).map_err(cannot)?;
    // Each audio stream: its index, decoder, samples given so far, and the most it plays.
    let mut streams = Vec::new();
    for s in ictx.streams() {
        let params = s.parameters();
        if params.medium() != ff::media::Type::Audio || params.id() == ff::codec::Id::None {
            continue;
        }
        let (rate, _) = ffi::audio_rate_and_channels(&params);
        let tb = s.time_base();
        let stated = (s.duration() > 0 && rate > 0 && tb.denominator() > 0).then(|| {
            // The duration in samples, to the nearest.
            let n = i128::from(s.duration()) * i128::from(tb.numerator()) * i128::from(rate);
            let d = i128::from(tb.denominator());
            u64::try_from((2 * n + d).div_euclid(2 * d)).unwrap_or(0)
        });
        let mut ctx = ff::codec::Context::from_parameters(params).map_err(cannot)?;
        ctx.set_threading(ff::threading::Config {
            kind: ff::threading::Type::None,
            count: 1,
            ..Default::default()
        });
        let mut dec = ctx.decoder();
        dec.set_packet_time_base(tb);
        streams.push((s.index(), dec.audio().map_err(cannot)?, 0u64, stated));
    }
    let take = |dec: &mut ff::decoder::Audio, count: &mut u64| {
        let mut frame = ff::frame::Audio::empty();
        while dec.receive_frame(&mut frame).is_ok() {
            *count += frame.samples() as u64;
        }
    };
    for (s, packet) in ictx.packets() {
        if let Some((_, dec, count, _)) = streams.iter_mut().find(|t| t.0 == s.index()) {
            // Every packet was checked by decoding it before it was copied; one that fails
            // here gives nothing.
            if dec.send_packet(&packet).is_ok() {
                take(dec, count);
            }
        }
    }
    Ok(streams
        .into_iter()
        .map(|(_, mut dec, mut count, stated)| {
            if dec.send_eof().is_ok() {
                take(&mut dec, &mut count);
            }
            stated.map_or(count, |s| count.min(s))
        })
        .collect())
}

/// Keys that describe the input file itself, not its content: not copied.
const FILE_KEYS: &[&str] = &["major_brand", "minor_version", "compatible_brands"];

/// How many audio packets may come before the first video packet; past that an input is
/// refused instead of held in memory.
const EARLY_AUDIO: usize = 4096;

/// A new file receiving copied packets.
pub(crate) struct Copy {
    octx: ff::format::context::Output,
    tb: ff::Rational,
    out_tb: ff::Rational,
    output: PathBuf,
    frames: u64,
    first: Option<i64>,
    end: i64,
    audio: Vec<AudioOut>,
    /// The output is Matroska/WebM.
    matroska: bool,
    /// Where the first audio stream's samples end, in its input's timeline (before any
    /// shift), when the writer knows it: fragmented MP4 keeps no shorter last packet.
    audio_end: Option<(i64, ff::Rational)>,
    /// For each audio stream, its encoder where it is decoded and encoded again (joins of
    /// lossy audio), or `None` where its packets are copied.
    rejoin: Vec<Option<Box<dyn Rejoiner>>>,
    /// The video's output stream.
    video_stream: StreamId,
    /// The audio stops where the video does ([`Copy::cut_audio_at_video_end`]): for each
    /// audio stream, its packets that may run past the video copied so far, waiting until
    /// the video's end is known.
    audio_tail: Option<Vec<VecDeque<ff::Packet>>>,
    /// The output is MP4/MOV, whose muxer makes a track stop playing where its last
    /// packet's duration ends (the edit list).
    mp4: bool,
}

/// Where a re-encoded audio stream's packets go: the copy's output.
struct RejoinOut<'a> {
    copy: &'a mut Copy,
    track: usize,
}

impl PacketOut for RejoinOut<'_> {
    fn write(&mut self, packet: &mut ff::Packet, time_base: ff::Rational) -> Result<()> {
        let p = std::mem::replace(packet, ff::Packet::empty());
        self.copy.write_audio(self.track, p, time_base)
    }
}

impl Copy {
    /// Creates `output` (it must not exist: from here on it is encode-native's own) as
    /// `container`, for streams like `like`'s (its video and audio streams, their metadata
    /// and side data, and the container's metadata), with the index in front when
    /// `faststart`. With `rejoin`, lossy audio with priming (AAC, MP3, Opus) is decoded and
    /// encoded again (by the [`Rejoiner`]s it makes) instead of copied, so that inputs joined
    /// one after the other give exactly the samples each gives alone.
    pub(crate) fn create(
        output: &Path,
        container: Container,
        like: &Source,
        faststart: bool,
        rejoin: Option<RejoinFactory>,
    ) -> Result<Self> {
        // Created exclusively, then opened again by libavformat by name (which its faststart
        // pass needs).
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(output)
            .map_err(|e| Error::io(format!("cannot create '{}'", output.display()), e))?;
        let mut octx = ff::format::output_as(output, container.muxer())
            .map_err(|e| Error::ffmpeg(format!("cannot write '{}'", output.display()), e))?;
        let mp4 = container.is_mp4_family();
        let global_header = ffi::muxer_wants_global_header(container.muxer());
        let mut rejoins = Vec::new();
        for track in like.audio() {
            rejoins.push(match rejoin {
                Some(make) => make(&track.params, container, global_header)?,
                None => None,
            });
        }
        let specs: Vec<StreamSpec> = like
            .tracks
            .iter()
            .enumerate()
            .map(|(k, track)| {
                let again = k.checked_sub(1).and_then(|a| rejoins[a].as_ref());
                let mut spec = match again {
                    Some(r) => StreamSpec::new(r.parameters(), r.time_base()),
                    None => StreamSpec::new(track.params.clone(), track.time_base),
                };
                if k == 0 {
                    spec.frame_rate = Some(track.rate);
                }
                spec.tags = track.metadata.clone();
                spec.disposition = track.disposition;
                spec.side_data = track.side_data.clone();
                // HEVC keeps its `hvc1` tag in MP4/MOV (Apple's players need it); the muxer
                // chooses the video's other tags. An audio stream keeps its tag where the
                // muxer lists it for that codec.
                let tag = if k == 0 {
                    if track.params.id() == ff::codec::Id::HEVC && mp4 {
                        u32::from_le_bytes(*b"hvc1")
                    } else {
                        0
                    }
                } else if again.is_some() {
                    0
                } else {
                    let tag = ffi::codec_tag(&track.params);
                    if ffi::muxer_takes_tag(&mut octx, track.params.id(), tag) {
                        tag
                    } else {
                        0
                    }
                };
                spec.codec_tag = Some(tag);
                spec
            })
            .collect();
        let ids = add_streams(&mut octx, &specs)?;
        let mut metadata: Vec<(String, String)> = like
            .metadata
            .iter()
            .filter(|(k, _)| !FILE_KEYS.contains(&k.as_str()))
            .cloned()
            .collect();
        let custom = metadata
            .iter()
            .any(|(k, _)| crate::plan::needs_mdta(container, k));
        if mp4 && !custom {
            // movenc writes the encoding tool (©too) from `encoding_tool` (the demuxer reads it
            // back as `encoder`); without it, its own name.
            if let Some((_, v)) = metadata.iter().find(|(k, _)| k == "encoder") {
                let v = v.clone();
                metadata.push(("encoding_tool".to_string(), v));
            }
        }
        let mut opts = ff::Dictionary::new();
        if mp4 {
            let ts = like.time_base.denominator().max(1).to_string();
            opts.set("video_track_timescale", &ts);
            opts.set("movie_timescale", &ts);
            let mut flags = String::new();
            if faststart {
                flags.push_str("+faststart");
            }
            if custom {
                // Keys of its own are kept only as QuickTime metadata (`mdta`) keys.
                flags.push_str("+use_metadata_tags");
            }
            if !flags.is_empty() {
                opts.set("movflags", &flags);
            }
        }
        // libavformat sets its own `encoder` tag as it initialises the muxer: the tags go in
        // between initialising and writing the header.
        let header_error = |e| Error::ffmpeg(format!("cannot write '{}'", output.display()), e);
        let unused = ffi::init_output(&mut octx, opts).map_err(header_error)?;
        if let Some(kv) = unused.first() {
            return Err(Error::Unsupported(format!(
                "the {} muxer of the linked FFmpeg does not know the option {kv}",
                container.name()
            )));
        }
        ffi::replace_metadata(&mut octx, metadata.iter().collect());
        octx.write_header().map_err(header_error)?;
        let video_stream = ids[0];
        let out_tb = octx
            .stream(video_stream.index())
            .map(|s| s.time_base())
            .unwrap_or(like.time_base);
        let audio = like
            .audio()
            .iter()
            .zip(&ids[1..])
            .map(|(t, &stream)| {
                let (sample_rate, channels) = ffi::audio_rate_and_channels(&t.params);
                AudioOut {
                    stream,
                    out_tb: octx
                        .stream(stream.index())
                        .map(|s| s.time_base())
                        .unwrap_or(t.time_base),
                    last_dts: None,
                    first: None,
                    end: 0,
                    summary: CopiedAudio {
                        index: stream.index(),
                        codec: t.params.id().name().to_string(),
                        sample_rate,
                        channels,
                        packets: 0,
                        duration: Duration::ZERO,
                        samples: None,
                    },
                }
            })
            .collect();
        Ok(Copy {
            octx,
            tb: like.time_base,
            out_tb,
            output: output.to_path_buf(),
            frames: 0,
            first: None,
            end: 0,
            audio,
            matroska: matches!(container.muxer(), "matroska" | "webm"),
            audio_end: None,
            rejoin: rejoins,
            video_stream,
            audio_tail: None,
            mp4,
        })
    }

    /// Makes every audio stream stop where the video does, never after (`recover`, whose
    /// input may hold sound past its last whole frame): a packet heard from the video's end
    /// on is left out, and the one heard past it is cut there, sample-exactly where the
    /// output can say so. PCM loses the bytes of the samples past the end; in MP4 and MOV
    /// the packet's duration ends at the video's end, which the muxer writes as the track's
    /// edit list, where players stop (a decoder still gets the whole packet: the codec
    /// cannot cut it); other codecs in Matroska and MPEG-TS are copied as they are (see
    /// [`Copy::cuts_tail`]). A packet's end is where its duration ends, less the samples its
    /// decoder is told to discard there (an encoder's padding).
    pub(crate) fn cut_audio_at_video_end(&mut self) {
        self.audio_tail = Some(self.audio.iter().map(|_| VecDeque::new()).collect());
    }

    /// Whether audio stream `a` stops where the video does ([`Copy::cut_audio_at_video_end`]):
    /// in MP4 and MOV, and PCM in every container, which can end it sample-exactly. Other
    /// codecs in Matroska and MPEG-TS are copied whole: how far their last packet plays there
    /// depends on the reader's FFmpeg (6.0 and later apply a codec delay that 5.1 does not), so
    /// the sound may end up to one codec frame after the video, as in the input.
    fn cuts_tail(&self, a: usize) -> bool {
        self.audio_tail.is_some() && (self.mp4 || self.audio[a].summary.codec.starts_with("pcm_"))
    }

    /// Says where the first audio stream's samples end (`ticks` of `time_base`, in the
    /// input's timeline): its last packet is cut to end there.
    pub(crate) fn set_audio_end(&mut self, end: Option<(i64, ff::Rational)>) {
        self.audio_end = end;
    }

    /// Copies every packet of `packets` (one input's video and audio streams, as many audio
    /// streams as the output has), its first video packet (a keyframe, shown first) moved to
    /// `start` (in the output's video time base) and the audio by the same time; the last
    /// video packet lasts `last_duration`, or as long as the one before. Returns where the
    /// input's video ends.
    pub(crate) fn append(
        &mut self,
        packets: &mut dyn Packets,
        start: i64,
        last_duration: Option<i64>,
    ) -> Result<i64> {
        let src = packets.source();
        let path = src.path.clone();
        if src.audio().len() != self.audio.len() {
            return Err(Error::Unsupported(format!(
                "'{}' has {} audio streams, the output {}",
                path.display(),
                src.audio().len(),
                self.audio.len()
            )));
        }
        // The input streams of the tracks, their time bases, and their audio durations.
        let indices: Vec<usize> = src.tracks.iter().map(|t| t.index).collect();
        let audio_tbs: Vec<ff::Rational> = src.audio().iter().map(|t| t.time_base).collect();
        let audio_tracks: Vec<Track> = src.audio().to_vec();
        // FFmpeg 5.1's Matroska demuxer gives an audio stream with a codec delay (Opus's
        // pre-skip) timestamps earlier by that delay than its muxer takes them: it is added
        // back, or every copy from Matroska to Matroska would move the sound that much earlier.
        // From FFmpeg 6.0 on the muxer applies the delay itself.
        let from_matroska = src.ictx.format().name().contains("matroska")
            && !ffi::MATROSKA_MUXER_APPLIES_CODEC_DELAY;
        let audio_extra: Vec<i64> = audio_tracks
            .iter()
            .map(|t| {
                let (rate, _) = ffi::audio_rate_and_channels(&t.params);
                let padding = ffi::initial_padding(&t.params);
                if self.matroska && from_matroska && padding > 0 && rate > 0 {
                    let rate = i32::try_from(rate).unwrap_or(i32::MAX);
                    padding.rescale(ff::Rational::new(1, rate), t.time_base)
                } else {
                    0
                }
            })
            .collect();
        for (a, track) in audio_tracks.iter().enumerate() {
            if let Some(r) = &mut self.rejoin[a] {
                r.start(&track.params, track.time_base, track.duration)?;
            }
        }
        let mut shift = None::<i64>;
        let mut held: Option<ff::Packet> = None;
        let (mut delta, mut end) = (0i64, start);
        // Audio read before the first video packet, until the shift is known.
        let mut early: VecDeque<(usize, ff::Packet)> = VecDeque::new();
        let mut audio_held: Vec<Option<ff::Packet>> = audio_tbs.iter().map(|_| None).collect();
        let mut audio_delta = vec![0i64; audio_tbs.len()];
        while let Some(mut packet) = packets.next_packet()? {
            let Some(k) = indices.iter().position(|&i| i == packet.stream()) else {
                continue;
            };
            if k > 0 && self.rejoin[k - 1].is_some() {
                self.rejoin_packet(k - 1, Some(&packet))?;
                continue;
            }
            if k > 0 {
                match shift {
                    Some(s) => self.take_audio(
                        k - 1,
                        packet,
                        s,
                        (&audio_tbs, &audio_extra),
                        &mut audio_held,
                        &mut audio_delta,
                    )?,
                    None if early.len() < EARLY_AUDIO => early.push_back((k - 1, packet)),
                    None => {
                        return Err(Error::Unsupported(format!(
                            "'{}' has more than {EARLY_AUDIO} audio packets before its first \
                             video frame",
                            path.display()
                        )))
                    }
                }
                continue;
            }
            let s = *shift.get_or_insert(start.saturating_sub(packet.pts().unwrap_or(0)));
            if s != 0 {
                packet.set_pts(packet.pts().map(|t| t.saturating_add(s)));
                packet.set_dts(packet.dts().map(|t| t.saturating_add(s)));
            }
            while let Some((a, p)) = early.pop_front() {
                self.take_audio(
                    a,
                    p,
                    s,
                    (&audio_tbs, &audio_extra),
                    &mut audio_held,
                    &mut audio_delta,
                )?;
            }
            if let Some(mut prev) = held.take() {
                if let (Some(a), Some(b)) = (prev.dts(), packet.dts()) {
                    delta = b.saturating_sub(a);
                    if prev.duration() <= 0 {
                        prev.set_duration(delta);
                    }
                }
                end = end.max(self.write(prev)?);
            }
            held = Some(packet);
        }
        if let Some(mut last) = held.take() {
            if last.duration() <= 0 {
                last.set_duration(last_duration.filter(|&d| d > 0).unwrap_or(delta));
            }
            end = end.max(self.write(last)?);
        }
        for a in 0..self.rejoin.len() {
            self.rejoin_packet(a, None)?;
        }
        for (a, last) in audio_held.iter_mut().enumerate() {
            if let Some(mut last) = last.take() {
                if last.duration() <= 0 {
                    let own = audio_tracks[a].audio_duration(last.size());
                    last.set_duration(if own > 0 { own } else { audio_delta[a] });
                }
                if let (0, Some((ticks, tb)), Some(pts)) = (a, self.audio_end, last.pts()) {
                    let s = shift
                        .unwrap_or(0)
                        .rescale(self.tb, audio_tbs[a])
                        .saturating_add(audio_extra[a]);
                    let end = ticks.rescale(tb, audio_tbs[a]).saturating_add(s);
                    if end > pts && end < pts.saturating_add(last.duration()) {
                        last.set_duration(end - pts);
                    }
                }
                self.queue_audio(a, last, audio_tbs[a], audio_extra[a])?;
            }
        }
        self.cut_audio_tails(&audio_tbs, &audio_extra, &audio_tracks)?;
        Ok(end)
    }

    /// Decodes packet `p` of re-encoded audio track `a` and writes what the encoder gives;
    /// `None` ends the current input's audio.
    fn rejoin_packet(&mut self, a: usize, p: Option<&ff::Packet>) -> Result<()> {
        let Some(mut r) = self.rejoin[a].take() else {
            return Ok(());
        };
        let mut out = RejoinOut {
            copy: self,
            track: a,
        };
        let res = match p {
            Some(p) => r.packet(p, &mut out),
            None => r.end_input(&mut out),
        };
        self.rejoin[a] = Some(r);
        res
    }

    /// Takes audio packet `p` of audio track `a`: moves it by the video's shift `s` (and the
    /// track's own extra shift), gives the one held before it its duration and writes that
    /// one, and holds `p`. `tbs` are the tracks' time bases and extra shifts.
    fn take_audio(
        &mut self,
        a: usize,
        mut p: ff::Packet,
        s: i64,
        (tbs, extra): (&[ff::Rational], &[i64]),
        held: &mut [Option<ff::Packet>],
        delta: &mut [i64],
    ) -> Result<()> {
        let s = s.rescale(self.tb, tbs[a]).saturating_add(extra[a]);
        if s != 0 {
            p.set_pts(p.pts().map(|t| t.saturating_add(s)));
            p.set_dts(p.dts().map(|t| t.saturating_add(s)));
        }
        if let Some(mut prev) = held[a].take() {
            if let (Some(x), Some(y)) = (prev.dts(), p.dts()) {
                delta[a] = y.saturating_sub(x);
                if prev.duration() <= 0 {
                    prev.set_duration(delta[a]);
                }
            }
            self.queue_audio(a, prev, tbs[a], extra[a])?;
        }
        held[a] = Some(p);
        Ok(())
    }

    /// Writes audio packet `p` of track `a` (time base `tb`, moved `extra` ticks later than
    /// where it is heard), or, when the audio stops with the video, queues it and writes the
    /// queued packets that end within the video copied so far.
    fn queue_audio(&mut self, a: usize, p: ff::Packet, tb: ff::Rational, extra: i64) -> Result<()> {
        if !self.cuts_tail(a) {
            return self.write_audio(a, p, tb);
        }
        let Some(tails) = self.audio_tail.as_mut() else {
            return self.write_audio(a, p, tb);
        };
        tails[a].push_back(p);
        let video_end = self.first.map(|_| Seconds::ticks(self.end, self.tb));
        let rate = self.audio[a].summary.sample_rate;
        loop {
            let Some(tails) = self.audio_tail.as_mut() else {
                return Ok(());
            };
            let ready = match (tails[a].front(), video_end) {
                (Some(p), Some(video_end)) => !heard(p, tb, extra, rate).1.after(video_end),
                _ => false,
            };
            if !ready {
                return Ok(());
            }
            if let Some(p) = tails[a].pop_front() {
                self.write_audio(a, p, tb)?;
            }
        }
    }

    /// Writes the audio packets still queued once the video's end is known (see
    /// [`Copy::cut_audio_at_video_end`]): those that end by then as they are, the one that
    /// runs past it cut there, none after it. `tbs`, `extra` and `tracks` are the audio
    /// tracks' time bases, extra shifts and streams.
    fn cut_audio_tails(
        &mut self,
        tbs: &[ff::Rational],
        extra: &[i64],
        tracks: &[Track],
    ) -> Result<()> {
        let Some(tails) = self.audio_tail.as_mut() else {
            return Ok(());
        };
        let tails: Vec<VecDeque<ff::Packet>> = tails.iter_mut().map(std::mem::take).collect();
        let video_end = Seconds::ticks(self.end, self.tb);
        for (a, tail) in tails.into_iter().enumerate() {
            let (tb, rate) = (tbs[a], self.audio[a].summary.sample_rate);
            for mut p in tail {
                if p.duration() <= 0 {
                    p.set_duration(tracks[a].audio_duration(p.size()));
                }
                let (start, end) = heard(&p, tb, extra[a], rate);
                // It starts at or after the video's end: left out, with every packet after
                // it.
                if self.first.is_none() || !video_end.after(start) {
                    break;
                }
                if !end.after(video_end) {
                    self.write_audio(a, p, tb)?;
                    continue;
                }
                // It runs past the video's end: what of it comes before the end is kept.
                let at = p.pts().or(p.dts()).unwrap_or(0).saturating_sub(extra[a]);
                let keep = video_end.minus(Seconds::ticks(at, tb));
                if let Some(p) = self.cut_packet(p, keep, tb, &tracks[a]) {
                    self.write_audio(a, p, tb)?;
                }
                break;
            }
        }
        Ok(())
    }

    /// Packet `p` of audio track `track` (time base `tb`) cut to its first `keep`, where
    /// the output can cut it: PCM by its bytes, MP4/MOV by its duration (rounded down to
    /// `tb`); `None` otherwise.
    fn cut_packet(
        &self,
        mut p: ff::Packet,
        keep: Seconds,
        tb: ff::Rational,
        track: &Track,
    ) -> Option<ff::Packet> {
        let (rate, _) = ffi::audio_rate_and_channels(&track.params);
        if track.params.id().name().starts_with("pcm_") && rate > 0 {
            let samples = ffi::audio_frame_samples(&track.params, p.size());
            let size = i64::try_from(p.size()).ok()?;
            if samples <= 0 || size % samples != 0 {
                return None;
            }
            let kept = keep.whole(Seconds::samples(1, rate)).min(samples);
            if kept <= 0 {
                return None;
            }
            p.shrink(usize::try_from(kept * (size / samples)).ok()?);
            let ticks = Seconds::samples(kept, rate).whole(Seconds::ticks(1, tb));
            p.set_duration(ticks.max(1));
            return Some(p);
        }
        let ticks = keep.whole(Seconds::ticks(1, tb));
        if self.mp4 && ticks > 0 {
            p.set_duration(ticks);
            return Some(p);
        }
        None
    }

    /// Writes one packet of audio track `a`, whose input time base is `tb`. A packet that
    /// would not decode after the one before it (where one segment's audio runs past the
    /// start of the next one's) is left out: a muxer takes decoding times that increase.
    fn write_audio(&mut self, a: usize, mut p: ff::Packet, tb: ff::Rational) -> Result<()> {
        let out = &mut self.audio[a];
        p.rescale_ts(tb, out.out_tb);
        if let (Some(d), Some(last)) = (p.dts(), out.last_dts) {
            if d <= last {
                return Ok(());
            }
        }
        if let Some(d) = p.dts() {
            out.last_dts = Some(d);
        }
        if let Some(at) = p.pts().or(p.dts()) {
            out.first = Some(out.first.map_or(at, |f| f.min(at)));
            out.end = out.end.max(at.saturating_add(p.duration()));
        }
        out.summary.packets += 1;
        p.set_stream(out.stream.index());
        p.set_position(-1);
        p.write_interleaved(&mut self.octx)
            .map_err(|e| Error::ffmpeg(format!("cannot write '{}'", self.output.display()), e))
    }

    /// Writes one video packet; returns where it ends.
    fn write(&mut self, mut p: ff::Packet) -> Result<i64> {
        // AVI read without its index (a partial file) has decoding times only.
        let at = p.pts().or(p.dts());
        let end = at.map_or(0, |pts| pts.saturating_add(p.duration()));
        if let Some(pts) = at {
            self.first = Some(self.first.map_or(pts, |f| f.min(pts)));
            self.end = self.end.max(end);
        }
        p.set_stream(self.video_stream.index());
        p.set_position(-1);
        p.rescale_ts(self.tb, self.out_tb);
        p.write_interleaved(&mut self.octx)
            .map_err(|e| Error::ffmpeg(format!("cannot write '{}'", self.output.display()), e))?;
        self.frames += 1;
        Ok(end)
    }

    /// The video packets written so far.
    pub(crate) fn frames(&self) -> u64 {
        self.frames
    }

    /// Writes the trailer; returns the frames, their playing time and the audio streams.
    pub(crate) fn finish(mut self) -> Result<Copied> {
        for a in 0..self.rejoin.len() {
            if let Some(mut r) = self.rejoin[a].take() {
                let mut out = RejoinOut {
                    copy: &mut self,
                    track: a,
                };
                r.finish(&mut out)?;
            }
        }
        self.octx
            .write_trailer()
            .map_err(|e| Error::ffmpeg(format!("cannot finish '{}'", self.output.display()), e))?;
        let seconds = |ticks: i64, tb: ff::Rational| {
            Duration::from_secs_f64(
                ticks.max(0) as f64 * f64::from(tb.numerator())
                    / f64::from(tb.denominator().max(1)),
            )
        };
        let ticks = self.end.saturating_sub(self.first.unwrap_or(0)).max(0);
        let audio = self
            .audio
            .into_iter()
            .map(|a| {
                let mut s = a.summary;
                s.duration = seconds(a.end.saturating_sub(a.first.unwrap_or(0)), a.out_tb);
                s
            })
            .collect();
        Ok(Copied {
            frames: self.frames,
            duration: seconds(ticks, self.tb),
            audio,
        })
    }
}
