//! What the output knows of a stream: its description ([`StreamSpec`]), the id it gets once
//! added to a muxer ([`StreamId`]), and where a track's packets go ([`PacketOut`]). Whatever
//! feeds a stream (the video encoder, the soundtrack's engine, a file being copied) describes
//! it with a spec; the output never sees the engine itself.

use ff::Rational;
use ffmpeg_next as ff;

use crate::error::{Error, Result};
use crate::ffi;

/// One stream as the muxer writes it.
#[derive(Clone)]
pub(crate) struct StreamSpec {
    /// Codec parameters (codec, size or sample rate and channels, extradata, ...).
    pub(crate) parameters: ff::codec::Parameters,
    /// The time base of the packets handed over for it.
    pub(crate) time_base: Rational,
    /// A video stream's frame rate.
    pub(crate) frame_rate: Option<Rational>,
    /// The stream's tags (language, title, ...).
    pub(crate) tags: Vec<(String, String)>,
    /// The codec tag (FourCC) to store, or `None` to keep the parameters' own; `Some(0)` lets
    /// the muxer choose its container's tag for the codec.
    pub(crate) codec_tag: Option<u32>,
    /// Disposition flags (default, forced, ...).
    pub(crate) disposition: i32,
    /// Stream side data (display matrix, HDR metadata, ...): kind and bytes.
    pub(crate) side_data: Vec<(ff::codec::packet::side_data::Type, Vec<u8>)>,
    /// Display rotation in degrees (a display matrix), 0 for none.
    pub(crate) rotation: u16,
}

impl StreamSpec {
    /// A stream with `parameters` whose packets come in `time_base`, and nothing else set.
    pub(crate) fn new(parameters: ff::codec::Parameters, time_base: Rational) -> Self {
        StreamSpec {
            parameters,
            time_base,
            frame_rate: None,
            tags: Vec::new(),
            codec_tag: None,
            disposition: 0,
            side_data: Vec::new(),
            rotation: 0,
        }
    }

    /// "video", "audio", ...: what the stream is, for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self.parameters.medium() {
            ff::media::Type::Video => "video",
            ff::media::Type::Audio => "audio",
            ff::media::Type::Subtitle => "subtitle",
            _ => "data",
        }
    }

    /// An audio stream's sample rate (0 for other streams).
    pub(crate) fn sample_rate(&self) -> u32 {
        match self.parameters.medium() {
            ff::media::Type::Audio => ffi::audio_rate_and_channels(&self.parameters).0,
            _ => 0,
        }
    }
}

/// A stream of a muxer, as [`add_streams`] numbered it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct StreamId(pub(crate) usize);

impl StreamId {
    /// The stream's index in the output.
    pub(crate) fn index(self) -> usize {
        self.0
    }
}

/// Where one track's packets go.
pub(crate) trait PacketOut {
    /// Takes one packet with timestamps in `time_base`.
    fn write(&mut self, packet: &mut ff::Packet, time_base: Rational) -> Result<()>;
}

/// Adds a stream to `octx` for each spec, in order, with its parameters, time base, rate,
/// tags, codec tag, disposition and side data; returns their ids.
pub(crate) fn add_streams(
    octx: &mut ff::format::context::Output,
    specs: &[StreamSpec],
) -> Result<Vec<StreamId>> {
    let mut ids = Vec::with_capacity(specs.len());
    for spec in specs {
        let what = spec.kind();
        let index = {
            let mut s = octx
                .add_stream(ff::encoder::find(ff::codec::Id::None))
                .map_err(|e| Error::ffmpeg(format!("cannot add the {what} stream"), e))?;
            s.set_parameters(spec.parameters.clone());
            s.set_time_base(spec.time_base);
            if let Some(rate) = spec.frame_rate {
                s.set_avg_frame_rate(rate);
                s.set_rate(rate);
            }
            s.set_metadata(spec.tags.iter().collect());
            s.index()
        };
        if let Some(tag) = spec.codec_tag {
            ffi::set_codec_tag(octx, index, tag);
        }
        if spec.disposition != 0 {
            ffi::set_disposition(octx, index, spec.disposition);
        }
        for (kind, data) in &spec.side_data {
            ffi::add_stream_side_data(octx, index, *kind, data).map_err(|e| {
                Error::ffmpeg(format!("cannot set the {what} stream's side data"), e)
            })?;
        }
        if spec.rotation != 0 {
            ffi::set_display_rotation(octx, index, spec.rotation)
                .map_err(|e| Error::ffmpeg("cannot set the display rotation", e))?;
        }
        ids.push(StreamId(index));
    }
    Ok(ids)
}
