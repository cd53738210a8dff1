//! Copying video packets into a new file without re-encoding: what finishing a partial file
//! and joining segments share. Each input's timeline is moved to start at a given timestamp,
//! and packets without a duration (fragmented MP4 stores none) get one from the next packet.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ffmpeg_next as ff;

use crate::config::Container;
use crate::error::{Error, Result};
use crate::ffi;

/// An input's video stream: the demuxer, its stream index, time base, parameters, rate.
pub(crate) struct Source {
    pub(crate) ictx: ff::format::context::Input,
    pub(crate) index: usize,
    pub(crate) time_base: ff::Rational,
    pub(crate) params: ff::codec::Parameters,
    pub(crate) rate: ff::Rational,
    pub(crate) path: PathBuf,
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
        let (index, time_base, params, rate) = {
            let s = ictx.streams().best(ff::media::Type::Video).ok_or_else(|| {
                Error::Unsupported(format!("'{}' has no video stream", path.display()))
            })?;
            (s.index(), s.time_base(), s.parameters(), s.avg_frame_rate())
        };
        Ok(Source {
            ictx,
            index,
            time_base,
            params,
            rate,
            path: path.to_path_buf(),
        })
    }
}

/// Where [`Copy::append`] takes its packets from, in decode order.
pub(crate) trait Packets {
    /// The next video packet, or `None` at the end.
    fn next_packet(&mut self) -> Result<Option<ff::Packet>>;
}

/// Every video packet of a source as the demuxer reads it.
pub(crate) struct Raw<'a> {
    src: &'a mut Source,
    tolerate_tail: bool,
    read: bool,
}

impl<'a> Raw<'a> {
    /// The packets of `src`. With `tolerate_tail`, a read error after the first packet ends
    /// the input (a crash leaves the last fragment of a partial file incomplete).
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
        }
    }
}

/// A new file receiving copied packets.
pub(crate) struct Copy {
    octx: ff::format::context::Output,
    tb: ff::Rational,
    out_tb: ff::Rational,
    output: PathBuf,
    frames: u64,
    first: Option<i64>,
    end: i64,
}

impl Copy {
    /// Creates `output` (it must not exist: from here on it is encode-native's own) as
    /// `container`, for a stream like `like`'s, with the index in front when `faststart`.
    pub(crate) fn create(
        output: &Path,
        container: Container,
        like: &Source,
        faststart: bool,
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
        {
            let mut s = octx
                .add_stream(ff::encoder::find(ff::codec::Id::None))
                .map_err(|e| Error::ffmpeg("cannot add the video stream", e))?;
            s.set_parameters(like.params.clone());
            s.set_time_base(like.time_base);
            s.set_avg_frame_rate(like.rate);
            s.set_rate(like.rate);
        }
        // HEVC keeps its `hvc1` tag in MP4/MOV (Apple's players need it); the muxer chooses
        // the others.
        let tag = if like.params.id() == ff::codec::Id::HEVC && container.is_mp4_family() {
            u32::from_le_bytes(*b"hvc1")
        } else {
            0
        };
        ffi::set_codec_tag(&mut octx, 0, tag);
        let mut opts = ff::Dictionary::new();
        if container.is_mp4_family() {
            let ts = like.time_base.denominator().max(1).to_string();
            opts.set("video_track_timescale", &ts);
            opts.set("movie_timescale", &ts);
            if faststart {
                opts.set("movflags", "+faststart");
            }
        }
        octx.write_header_with(opts)
            .map_err(|e| Error::ffmpeg(format!("cannot write '{}'", output.display()), e))?;
        let out_tb = octx
            .stream(0)
            .map(|s| s.time_base())
            .unwrap_or(like.time_base);
        Ok(Copy {
            octx,
            tb: like.time_base,
            out_tb,
            output: output.to_path_buf(),
            frames: 0,
            first: None,
            end: 0,
        })
    }

    /// Copies every packet of `packets` (one input's video stream), its first (a keyframe,
    /// shown first) moved to `start` (in the output's time base); the last lasts
    /// `last_duration`, or as long as the one before. Returns where the input ends.
    pub(crate) fn append(
        &mut self,
        packets: &mut dyn Packets,
        start: i64,
        last_duration: Option<i64>,
    ) -> Result<i64> {
        let mut shift = None::<i64>;
        let mut held: Option<ff::Packet> = None;
        let (mut delta, mut end) = (0i64, start);
        while let Some(mut packet) = packets.next_packet()? {
            let s = *shift.get_or_insert(start.saturating_sub(packet.pts().unwrap_or(0)));
            if s != 0 {
                packet.set_pts(packet.pts().map(|t| t.saturating_add(s)));
                packet.set_dts(packet.dts().map(|t| t.saturating_add(s)));
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
        Ok(end)
    }

    /// Writes one packet; returns where it ends.
    fn write(&mut self, mut p: ff::Packet) -> Result<i64> {
        // AVI read without its index (a partial file) has decoding times only.
        let at = p.pts().or(p.dts());
        let end = at.map_or(0, |pts| pts.saturating_add(p.duration()));
        if let Some(pts) = at {
            self.first = Some(self.first.map_or(pts, |f| f.min(pts)));
            self.end = self.end.max(end);
        }
        p.set_stream(0);
        p.set_position(-1);
        p.rescale_ts(self.tb, self.out_tb);
        p.write_interleaved(&mut self.octx)
            .map_err(|e| Error::ffmpeg(format!("cannot write '{}'", self.output.display()), e))?;
        self.frames += 1;
        Ok(end)
    }

    /// The packets written so far.
    pub(crate) fn frames(&self) -> u64 {
        self.frames
    }

    /// Writes the trailer; returns the frames and their playing time.
    pub(crate) fn finish(mut self) -> Result<(u64, Duration)> {
        self.octx
            .write_trailer()
            .map_err(|e| Error::ffmpeg(format!("cannot finish '{}'", self.output.display()), e))?;
        let ticks = self.end.saturating_sub(self.first.unwrap_or(0)).max(0);
        let tb = self.tb;
        Ok((
            self.frames,
            Duration::from_secs_f64(
                ticks as f64 * f64::from(tb.numerator()) / f64::from(tb.denominator().max(1)),
            ),
        ))
    }
}
