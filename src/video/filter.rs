//! The `filter` setting: a libavfilter graph (the `-vf` syntax of ffmpeg's command line) run
//! on the encoder thread between the pushed pictures and the converter.
//!
//! The graph is closed by a `format` filter that leaves its pictures in one of the layouts the
//! converter takes from the caller (packed RGB, grey, and planar YUV for YUV input), so what
//! follows it — the colour matrix, the odd-size policy, the encoder's pixel format — is the
//! same as without a filter. The plan builds the graph once with the input's size, layout and
//! time base ([`FilterGraph::probe`]) to learn what comes out, before anything is written.

use ffmpeg_next as ff;

use crate::av;
use crate::config::FrameRate;
use crate::error::{Error, Result};
use crate::ffi;
use crate::frame::PixelFormat;

/// What the graph's pictures look like: size, layout, time base and frame rate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FilterOutput {
    /// Width and height of the filtered pictures.
    pub(crate) size: (u32, u32),
    /// Their layout, as the converter takes it.
    pub(crate) format: PixelFormat,
    /// The unit of their timestamps.
    pub(crate) time_base: FrameRate,
    /// Their frame rate, when the graph states one (`None`: variable).
    pub(crate) frame_rate: Option<FrameRate>,
}

/// A configured graph, its source fed with pushed pictures and its sink read.
pub(crate) struct FilterGraph {
    graph: ff::filter::Graph,
    input: PixelFormat,
    size: (u32, u32),
    staged: ff::frame::Video,
    out: ff::frame::Video,
    packed: Vec<u8>,
    output: FilterOutput,
}

/// The layouts a graph may end in: the converter's inputs, as FFmpeg names them and as the
/// converter does. Planar YUV only for planar YUV input (first, as in the `format` filter's list).
const SINK_LAYOUTS: [(ff::format::Pixel, PixelFormat); 9] = {
    use ff::format::Pixel as P;
    [
        (P::YUV420P, PixelFormat::Yuv420p),
        (P::YUV444P, PixelFormat::Yuv444p),
        (P::RGB24, PixelFormat::Rgb24),
        (P::BGR24, PixelFormat::Bgr24),
        (P::RGBA, PixelFormat::Rgba),
        (P::BGRA, PixelFormat::Bgra),
        (P::RGB48LE, PixelFormat::Rgb48Le),
        (P::GRAY8, PixelFormat::Gray8),
        (P::GRAY16LE, PixelFormat::Gray16Le),
    ]
};

/// The layouts the graph may end in for `input`, as the `format` filter takes them
/// (`rgb24|bgr24|...`): the converter's inputs of its family.
fn sink_formats(input: PixelFormat) -> String {
    SINK_LAYOUTS
        .iter()
        .filter(|(_, f)| input.is_planar_yuv() || !f.is_planar_yuv())
        .filter_map(|(p, _)| p.descriptor().map(|d| d.name()))
        .collect::<Vec<_>>()
        .join("|")
}

/// The converter's input layout of an FFmpeg pixel format the sink ends in.
fn input_format_of(pixel: ff::format::Pixel) -> Option<PixelFormat> {
    SINK_LAYOUTS
        .iter()
        .find(|(p, _)| *p == pixel)
        .map(|&(_, f)| f)
}

impl FilterGraph {
    /// The graph `spec` for pictures of `input` layout and `size`, timed in `time_base` at
    /// `frame_rate`, configured. A graph FFmpeg refuses is a configuration error of `filter`
    /// naming FFmpeg's reason.
    pub(crate) fn new(
        spec: &str,
        input: PixelFormat,
        size: (u32, u32),
        time_base: FrameRate,
        frame_rate: FrameRate,
    ) -> Result<Self> {
        ffi::init();
        ffi::clear_log_lines();
        let refused = |what: &str, e: ff::Error| {
            // FFmpeg's lines name filter instances by address (`[Parsed_scale_0 @ 0x5...]`).
            let said: Vec<String> = ffi::take_log_lines()
                .into_iter()
                .map(|l| without_addresses(&l))
                .collect();
            let reason = if said.is_empty() {
                e.to_string()
            } else {
                format!("{} ({e})", said.join("; "))
            };
            Error::config(
                "filter",
                spec,
                format!("a libavfilter graph of one video input and output, as ffmpeg's -vf takes it: {what}: {reason}"),
            )
        };
        if spec.trim().is_empty() || spec.contains('\0') {
            return Err(Error::config(
                "filter",
                spec,
                "a libavfilter graph such as 'scale=320:240' or 'crop=640:360,hflip' (without NUL bytes); no setting or 'none' for no filter",
            ));
        }
        let staged_pixel = av::staged_pixel(input);
        let pix_name = staged_pixel.descriptor().map_or("rgb24", |d| d.name());
        let mut graph = ff::filter::Graph::new();
        let args = format!(
            "video_size={}x{}:pix_fmt={pix_name}:time_base={}/{}:pixel_aspect=1/1:frame_rate={}/{}",
            size.0, size.1, time_base.num, time_base.den, frame_rate.num, frame_rate.den
        );
        let find = |name: &str| {
            ff::filter::find(name).ok_or_else(|| {
                Error::Unsupported(format!(
                    "the linked FFmpeg's libavfilter has no '{name}' filter, which every filter graph needs"
                ))
            })
        };
        graph
            .add(&find("buffer")?, "in", &args)
            .map_err(|e| refused("the source", e))?;
        graph
            .add(&find("buffersink")?, "out", "")
            .map_err(|e| refused("the sink", e))?;
        // The user's graph, then the layouts the converter takes.
        let full = format!("{spec},format=pix_fmts={}", sink_formats(input));
        graph
            .output("in", 0)
            .and_then(|p| p.input("out", 0))
            .and_then(|p| p.parse(&full))
            .map_err(|e| refused("it does not parse", e))?;
        graph
            .validate()
            .map_err(|e| refused("it does not configure", e))?;
        let mut sink = graph
            .get("out")
            .ok_or_else(|| Error::Unsupported("the filter graph lost its sink".into()))?;
        let (w, h, pixel, tb, rate) =
            ffi::buffersink_output(&mut sink, SINK_LAYOUTS.iter().map(|&(p, _)| p));
        let format = input_format_of(pixel).ok_or_else(|| {
            Error::config(
                "filter",
                spec,
                format!("a graph ending in a layout encode-native converts; it ends in {pixel:?}"),
            )
        })?;
        if w == 0 || h == 0 || tb.numerator() <= 0 || tb.denominator() <= 0 {
            return Err(Error::config(
                "filter",
                spec,
                format!("a graph that makes pictures; it gives {w}x{h} in a time base of {tb}"),
            ));
        }
        let frame_rate = (rate.numerator() > 0 && rate.denominator() > 0)
            .then(|| FrameRate::new(rate.numerator(), rate.denominator()));
        let output = FilterOutput {
            size: (w, h),
            format,
            time_base: FrameRate::new(tb.numerator(), tb.denominator()),
            frame_rate,
        };
        Ok(FilterGraph {
            graph,
            input,
            size,
            staged: av::zeroed_frame(staged_pixel, size.0, size.1),
            out: ff::frame::Video::empty(),
            packed: Vec::new(),
            output,
        })
    }

    /// What comes out of `spec` for this input: the plan's check, before anything is written.
    pub(crate) fn probe(
        spec: &str,
        input: PixelFormat,
        size: (u32, u32),
        time_base: FrameRate,
        frame_rate: FrameRate,
    ) -> Result<FilterOutput> {
        Self::new(spec, input, size, time_base, frame_rate).map(|g| g.output)
    }

    /// Feeds one pushed picture (`data`, rows `stride` bytes apart) shown at `pts`.
    pub(crate) fn push(&mut self, data: &[u8], stride: usize, pts: i64) -> Result<()> {
        // The source takes the frame's buffers and leaves it empty: each picture gets new ones.
        if self.staged.width() == 0 {
            self.staged =
                ff::frame::Video::new(av::staged_pixel(self.input), self.size.0, self.size.1);
        }
        crate::video::convert::stage_input(data, stride, self.input, self.size, &mut self.staged)?;
        self.staged.set_pts(Some(pts));
        self.context("in")?
            .source()
            .add(&self.staged)
            .map_err(|e| Error::ffmpeg("the filter graph refused a picture", e))
    }

    /// Tells the graph that no picture follows, so it hands over what it holds.
    pub(crate) fn close(&mut self) -> Result<()> {
        self.context("in")?
            .source()
            .flush()
            .map_err(|e| Error::ffmpeg("cannot end the filter graph's input", e))
    }

    /// The graph's filter named `name` (its source `in` or its sink `out`).
    fn context(&mut self, name: &str) -> Result<ff::filter::Context> {
        self.graph
            .get(name)
            .ok_or_else(|| Error::Unsupported(format!("the filter graph lost its '{name}'")))
    }

    /// The next filtered picture, if one is ready: its pixels in the converter's layout (rows
    /// `stride` bytes apart) and its timestamp in the output time base.
    pub(crate) fn pull(&mut self) -> Result<Option<(&[u8], usize, i64)>> {
        match self.context("out")?.sink().frame(&mut self.out) {
            Ok(()) => {}
            Err(e) if av::is_again_or_eof(&e) => return Ok(None),
            Err(e) => return Err(Error::ffmpeg("the filter graph failed", e)),
        }
        let pts = self.out.pts().unwrap_or_default();
        let (w, h) = (self.out.width() as usize, self.out.height() as usize);
        if self.output.format.is_planar_yuv() {
            // The converter takes planar YUV as tight planes, one after the other.
            self.packed.clear();
            for plane in 0..3 {
                let (pw, ph) = if plane == 0 || self.output.format == PixelFormat::Yuv444p {
                    (w, h)
                } else {
                    (w.div_ceil(2), h.div_ceil(2))
                };
                let stride = self.out.stride(plane);
                for row in self.out.data(plane).chunks(stride).take(ph) {
                    self.packed.extend_from_slice(&row[..pw]);
                }
            }
            Ok(Some((&self.packed, w, pts)))
        } else {
            Ok(Some((self.out.data(0), self.out.stride(0), pts)))
        }
    }
}

/// `line` without the ` @ 0x...` addresses FFmpeg puts after instance names.
fn without_addresses(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find(" @ 0x") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 5..];
        let end = tail
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(spec: &str) -> Result<FilterOutput> {
        let rate = FrameRate::new(30, 1);
        FilterGraph::probe(spec, PixelFormat::Rgb24, (64, 48), rate.invert(), rate)
    }

    #[test]
    fn the_sink_takes_the_converters_layouts_by_ffmpegs_names() {
        assert_eq!(
            sink_formats(PixelFormat::Rgb24),
            "rgb24|bgr24|rgba|bgra|rgb48le|gray|gray16le"
        );
        assert_eq!(
            sink_formats(PixelFormat::Yuv420p),
            "yuv420p|yuv444p|rgb24|bgr24|rgba|bgra|rgb48le|gray|gray16le"
        );
    }

    #[test]
    fn the_graph_says_what_comes_out() {
        let out = probe("scale=32:16").unwrap();
        assert_eq!((out.size, out.format), ((32, 16), PixelFormat::Rgb24));
        assert_eq!(out.frame_rate, Some(FrameRate::new(30, 1)));
        let out = probe("transpose=1,format=gray").unwrap();
        assert_eq!((out.size, out.format), ((48, 64), PixelFormat::Gray8));
        let out = probe("fps=12").unwrap();
        assert_eq!(out.frame_rate, Some(FrameRate::new(12, 1)));
        assert_eq!(out.time_base, FrameRate::new(1, 12));
        // A layout the converter does not take comes back as one it does.
        let out = probe("format=yuva420p").unwrap();
        assert!(!out.format.is_planar_yuv(), "{:?}", out.format);
    }

    #[test]
    fn a_bad_graph_is_a_filter_error_with_ffmpegs_reason() {
        for (spec, said) in [
            // FFmpeg 5.1 and 7.1 say "No such filter: 'nosuchfilter'"; 8.1 and 9.0 fail earlier,
            // parsing the options of a filter they do not know.
            ("nosuchfilter", "'nosuchfilter'"),
            ("nosuchfilter=1", "does not parse: "),
            ("scale=foo", "Invalid size 'foo'"),
            ("crop=640:480", "Invalid too big or non positive size"),
            ("", "a libavfilter graph such as"),
        ] {
            let e = probe(spec).unwrap_err().to_string();
            assert!(e.contains("filter") && e.contains(said), "{spec}: {e}");
            // FFmpeg's reason follows ours.
            let reason = e.rsplit(": ").next().unwrap_or_default();
            assert!(reason.len() > 8, "{spec}: {e}");
            assert!(!e.contains(" @ 0x"), "{spec}: {e}");
        }
    }

    #[test]
    fn addresses_are_left_out_of_ffmpegs_lines() {
        assert_eq!(
            without_addresses("[Parsed_crop_0 @ 0x55f6049ea640] Invalid size"),
            "[Parsed_crop_0] Invalid size"
        );
        assert_eq!(without_addresses("no address"), "no address");
    }
}
