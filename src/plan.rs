//! The plan: what a writer will do, decided once from what the user said.
//!
//! [`EncoderConfig`] is what the user said; [`Plan::resolve`] turns it into what will be done:
//! the encoder (the container's own when the default does not fit), the pixel format stored
//! (the encoder's usual one, or for a lossless encoder the one that keeps the input exactly),
//! the picture size after the odd-size policy, the colour matrix, the rate control, the time
//! base and what the container can store of it. Every default is decided and every check made
//! here, exactly once per writer; the converter, the encoder, the muxer and the sink read the
//! plan and decide nothing.
//!
//! The dependencies point one way: `config` ← `codec` ← `plan` ← the data path.

mod audio;
mod delivery;
mod destination;
mod tags;

pub(crate) use delivery::{check_stream_codecs, DeliveryPlan};
pub(crate) use destination::{container_for, DestinationPlan, Mp4Layout, SinkKind};

/// The delivery a destination asks for, and the writer's settings adjusted for it.
pub(crate) use delivery::resolve as resolve_delivery;

use std::cell::Cell;

use crate::codec::{self, Target};
use crate::config::{
    output_size, ColorMatrix, Container, Encoder, EncoderConfig, FrameRate, OddSize,
    OutputPixelFormat, RateControl, TimeLimits, Timing, VideoCodec, GIF_MAX_DELAY_CS,
    GIF_MIN_DELAY_CS,
};
use crate::error::{Error, Result};
use crate::frame::PixelFormat;
use crate::video::filter::{FilterGraph, FilterOutput};

pub use audio::AudioPlan;
pub(crate) use audio::{AudioOutput, MAX_CHANNELS};
pub(crate) use tags::{needs_mdta, TagPlan};

thread_local! {
    /// How many plans this thread has resolved (a writer resolves one as it opens).
    static RESOLVED: Cell<u64> = const { Cell::new(0) };
}

/// What a writer will do: every setting of an [`EncoderConfig`] with its defaults decided
/// and its checks made, for one container.
///
/// ```
/// use encode_native::{Container, Encoder, EncoderConfig, OutputPixelFormat, PixelFormat};
/// // FFV1 is lossless: with no output format chosen, RGB is stored as RGB.
/// let config = EncoderConfig::new(64, 48, 30).codec(Encoder::Ffv1);
/// let plan = config.plan(Container::Mkv).unwrap();
/// assert_eq!(plan.output_format(), OutputPixelFormat::Bgr0);
/// // WebM cannot hold the default H.264: its own VP9 is used.
/// let plan = EncoderConfig::new(64, 48, 30).plan(Container::Webm).unwrap();
/// assert_eq!(plan.encoder(), Encoder::LibvpxVp9);
/// ```
#[derive(Debug, Clone)]
pub struct Plan {
    settings: EncoderConfig,
    encoder: Encoder,
    container: Container,
    output_format: OutputPixelFormat,
    output_size: (u32, u32),
    matrix: ColorMatrix,
    rate: RateControl,
    time_base: FrameRate,
    limits: TimeLimits,
    audio: Option<AudioPlan>,
    tags: TagPlan,
    frame_rate: FrameRate,
    filter: Option<FilterPlan>,
}

/// The filter graph of a plan and what it makes of the pushed pictures.
#[derive(Debug, Clone)]
pub(crate) struct FilterPlan {
    /// The graph, as configured.
    pub(crate) graph: String,
    /// The time base of the pictures fed to it.
    pub(crate) input_time_base: FrameRate,
    /// What comes out of it.
    pub(crate) output: FilterOutput,
}

impl EncoderConfig {
    /// Checks every setting; the error names the field, the value and what is allowed. The
    /// container is [`container`](Self::container) when set; otherwise the checks that need
    /// one wait for the writer, which knows it from the destination.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) for the first setting that does not fit the others
    /// (field, value, what is allowed); [`Error::Unsupported`](crate::Error::Unsupported) for an
    /// encoder the linked FFmpeg lacks.
    pub fn validate(&self) -> Result<()> {
        Plan::resolve(self, self.container).map(|_| ())
    }

    /// What a writer with these settings does in `container` (the configured container, when
    /// set, wins): the encoder, pixel format, size, colour, rate control and time base it
    /// resolves to, or the first setting that is refused.
    ///
    /// # Errors
    /// As [`validate`](Self::validate), for this container too (an encoder it cannot hold, a tag
    /// it cannot store).
    pub fn plan(&self, container: Container) -> Result<Plan> {
        Plan::resolve(self, Some(self.container.unwrap_or(container)))
    }

    /// Checks what the destination `target` (a file, a manifest, a server's URL) asks of
    /// these settings, as opening a writer there would, without creating or connecting to
    /// anything: a setting it does not take (renditions on a file, a timeout on HLS) and, for
    /// HLS, DASH, RTMP and SRT, the whole plan for its segments or stream (RTMP carries H.264
    /// with AAC or MP3). A plain file's container checks are [`plan`](Self::plan)'s.
    ///
    /// # Errors
    /// [`Error::Config`](crate::Error::Config) naming the setting the destination refuses; as
    /// [`validate`](Self::validate) for a delivery's plan.
    pub fn check_destination(&self, target: impl AsRef<std::path::Path>) -> Result<()> {
        let (config, delivery) = resolve_delivery(self, Some(target.as_ref()))?;
        match delivery {
            Some(d) => {
                let plan = Plan::resolve(&config, Some(d.container))?;
                check_stream_codecs(&d, &plan)
            }
            None => Ok(()),
        }
    }
}

impl Plan {
    /// Resolves `cfg` for `container`. `None`: the container is not known yet (validation
    /// only: the checks that need it are skipped, and the plan says MP4).
    pub(crate) fn resolve(cfg: &EncoderConfig, container: Option<Container>) -> Result<Plan> {
        RESOLVED.with(|n| n.set(n.get() + 1));
        // The default codec follows the container, and the default pixel format the codec.
        let encoder = match container {
            Some(c)
                if cfg.codec == Encoder::Libx264
                    && !Encoder::Libx264.info().containers.contains(&c) =>
            {
                c.default_encoder()
            }
            _ => cfg.codec,
        };
        check_size_and_rate(cfg)?;
        // With a filter, everything after it is planned for the pictures it makes.
        let (filter, filtered) = match cfg.filter.as_deref() {
            Some(graph) => {
                let (plan, filtered) = resolve_filter(cfg, graph)?;
                (Some(plan), Some(filtered))
            }
            None => (None, None),
        };
        let pushed = cfg;
        let cfg = filtered.as_ref().unwrap_or(cfg);
        let output_format = resolve_output_format(cfg, encoder);
        let out = output_size(cfg.width, cfg.height, output_format, cfg.odd_size);
        check_layout(cfg, output_format, out)?;
        check_min_size(cfg, encoder, out)?;
        let target = Target {
            encoder,
            format: output_format,
            container,
        };
        codec::validate(cfg, &target)?;
        check_rest(cfg)?;
        if let Some(c) = container {
            check_container(cfg, encoder, c)?;
        }
        let time_base = match cfg.timing {
            Timing::Constant => cfg.frame_rate.invert(),
            Timing::Explicit { time_base } => time_base,
        };
        let audio = audio::resolve(cfg, container)?;
        let tags = tags::resolve(&cfg.metadata, container, audio.is_some())?;
        let container = container.unwrap_or(Container::Mp4);
        Ok(Plan {
            settings: pushed.clone(),
            frame_rate: cfg.frame_rate,
            filter,
            encoder,
            container,
            output_format,
            output_size: out,
            matrix: cfg.color.resolved_matrix(out.0, out.1),
            rate: cfg.rate.unwrap_or_else(|| codec::default_rate(encoder)),
            time_base,
            limits: container.time_limits(time_base),
            audio,
            tags,
        })
    }

    /// The soundtrack, if there is one.
    pub fn audio(&self) -> Option<&AudioPlan> {
        self.audio.as_ref()
    }

    /// The tags as they will be written.
    pub(crate) fn tags(&self) -> &TagPlan {
        &self.tags
    }

    /// The settings as the user gave them.
    pub fn settings(&self) -> &EncoderConfig {
        &self.settings
    }

    /// The encoder that makes the stream.
    pub fn encoder(&self) -> Encoder {
        self.encoder
    }

    /// The coding format the encoder writes.
    pub fn codec(&self) -> VideoCodec {
        self.encoder.codec()
    }

    /// The destination's part of the plan for a `sink` of this kind: the MP4 layout and the
    /// in-memory faststart; an error where the container cannot go there (AVI on a stream).
    pub(crate) fn destination(&self, sink: SinkKind) -> Result<DestinationPlan> {
        let settings = self.settings();
        destination::decide(
            self.container(),
            sink,
            settings.fragment_seconds,
            settings.faststart,
        )
    }

    /// The container written.
    pub fn container(&self) -> Container {
        self.container
    }

    /// The pixel format of the frames pushed.
    pub fn input_format(&self) -> PixelFormat {
        self.settings.input_format
    }

    /// The size of the frames pushed.
    pub fn input_size(&self) -> (u32, u32) {
        (self.settings.width, self.settings.height)
    }

    /// The pixel format stored.
    pub fn output_format(&self) -> OutputPixelFormat {
        self.output_format
    }

    /// The size of the stored picture, after the odd-size policy for the stored format.
    pub fn output_size(&self) -> (u32, u32) {
        self.output_size
    }

    /// The colour matrix RGB is converted with (and tagged as).
    pub fn color_matrix(&self) -> ColorMatrix {
        self.matrix
    }

    /// Whether YUV is stored in full range (RGB and grey always are, and MJPEG's JPEG YUV).
    pub fn full_range(&self) -> bool {
        self.settings.color.full_range || codec::full_range_only(self.encoder)
    }

    /// The rate control the encoder runs with.
    pub fn rate(&self) -> RateControl {
        self.rate
    }

    /// The unit of the stream's timestamps: one frame period at a constant rate, the
    /// configured time base with explicit timestamps.
    pub fn time_base(&self) -> FrameRate {
        self.time_base
    }

    /// The nominal frame rate stored: the pushed frames' rate, or what the filter makes of it.
    pub fn frame_rate(&self) -> FrameRate {
        self.frame_rate
    }

    /// The filter graph and what it makes, when there is one.
    pub(crate) fn filter(&self) -> Option<&FilterPlan> {
        self.filter.as_ref()
    }

    /// The layout and size of the pictures the converter is given: the pushed frames', or the
    /// filter's pictures.
    pub(crate) fn converter_input(&self) -> (PixelFormat, (u32, u32)) {
        match &self.filter {
            Some(f) => (f.output.format, f.output.size),
            None => (self.input_format(), self.input_size()),
        }
    }

    /// How frames get their timestamps.
    pub fn timing(&self) -> Timing {
        self.settings.timing
    }

    /// What the container stores of timestamps in [`time_base`](Self::time_base) units.
    pub(crate) fn limits(&self) -> TimeLimits {
        self.limits
    }

    /// What the encoder family is told of the plan.
    pub(crate) fn target(&self) -> Target {
        Target {
            encoder: self.encoder,
            format: self.output_format,
            container: Some(self.container),
        }
    }

    /// The codec tag the stream needs in this container, if the muxer's own does not suit.
    pub(crate) fn codec_tag(&self) -> Option<[u8; 4]> {
        codec::codec_tag(self.encoder, self.container)
    }

    /// Options the muxer needs for this encoder's stream.
    pub(crate) fn muxer_options(&self) -> &'static [(&'static str, &'static str)] {
        codec::muxer_options(self.encoder)
    }
}

/// How many plans this thread has resolved so far.
#[cfg(test)]
pub(crate) fn resolved_on_this_thread() -> u64 {
    RESOLVED.with(Cell::get)
}

/// Builds the filter graph for the pushed frames of `cfg` and returns it with the settings the
/// rest of the plan is resolved with: the filtered pictures' size, layout and frame rate.
fn resolve_filter(cfg: &EncoderConfig, graph: &str) -> Result<(FilterPlan, EncoderConfig)> {
    let input_time_base = match cfg.timing {
        Timing::Constant => cfg.frame_rate.invert(),
        Timing::Explicit { time_base } => time_base,
    };
    let output = FilterGraph::probe(
        graph,
        cfg.input_format,
        (cfg.width, cfg.height),
        input_time_base,
        cfg.frame_rate,
    )?;
    let mut filtered = cfg.clone();
    filtered.width = output.size.0;
    filtered.height = output.size.1;
    filtered.input_format = output.format;
    match cfg.timing {
        Timing::Constant => match output.frame_rate {
            // One picture per tick of the time base: `fps`, and every filter that keeps the
            // timing (scale, crop, pad, transpose, ...).
            Some(rate) if rate.invert() == output.time_base => filtered.frame_rate = rate,
            _ => {
                return Err(Error::config(
                    "filter",
                    graph,
                    format!(
                        "a graph that keeps a constant frame rate (one picture per frame period, as fps=N makes); it gives a time base of {} at a rate of {}",
                        output.time_base,
                        output.frame_rate.map_or("none (variable)".to_string(), |r| r.to_string())
                    ),
                ))
            }
        },
        Timing::Explicit { .. } => {
            if output.time_base != input_time_base {
                return Err(Error::config(
                    "filter",
                    graph,
                    format!(
                        "with explicit timestamps, a graph that keeps their time base ({input_time_base}); it gives {} (change the rate with a constant frame rate)",
                        output.time_base
                    ),
                ));
            }
            if let Some(rate) = output.frame_rate {
                filtered.frame_rate = rate;
            }
        }
    }
    Ok((
        FilterPlan {
            graph: graph.to_string(),
            input_time_base,
            output,
        },
        filtered,
    ))
}

/// The stored pixel format: the user's choice; else, for a lossless encoder, the first of its
/// formats that keeps the input exactly; else the planar input's own layout where the encoder
/// has it; else yuv420p where it has it; else the encoder's first (its own default).
fn resolve_output_format(cfg: &EncoderConfig, encoder: Encoder) -> OutputPixelFormat {
    if let Some(chosen) = cfg.chosen_output_format() {
        return chosen;
    }
    let formats = encoder.info().pixel_formats;
    let has = |f: &OutputPixelFormat| formats.contains(f);
    if codec::lossless(encoder, cfg) || cfg.input_format.is_planar_yuv() {
        if let Some(&f) = OutputPixelFormat::exact_for(cfg.input_format)
            .iter()
            .find(|f| has(f))
        {
            return f;
        }
    }
    if has(&OutputPixelFormat::Yuv420p) {
        OutputPixelFormat::Yuv420p
    } else {
        formats[0]
    }
}

/// The picture size and the frame rate or time base.
fn check_size_and_rate(cfg: &EncoderConfig) -> Result<()> {
    const MAX_DIM: u32 = 16384;
    if cfg.width == 0 || cfg.width > MAX_DIM {
        return Err(Error::config(
            "width",
            cfg.width,
            format!("1 to {MAX_DIM} pixels"),
        ));
    }
    if cfg.height == 0 || cfg.height > MAX_DIM {
        return Err(Error::config(
            "height",
            cfg.height,
            format!("1 to {MAX_DIM} pixels"),
        ));
    }
    // Rates every container stores exactly: from one frame per 1000 s to 1000 frames per
    // second, as a fraction of terms up to a million (29.97 is 30000/1001).
    let fr = cfg.frame_rate;
    if fr.num <= 0
        || fr.den <= 0
        || fr.num > 1_000_000
        || fr.den > 1_000_000
        || fr.as_f64() > 1000.0
        || fr.as_f64() < 0.001
    {
        return Err(Error::config(
            "frame_rate",
            fr,
            "0.001 to 1000 frames per second, as a number or a fraction of terms up to 1000000, e.g. 30, 12.5 or 30000/1001",
        ));
    }
    if let Timing::Explicit { time_base } = cfg.timing {
        if time_base.num <= 0
            || time_base.den <= 0
            || time_base.num > 1_000_000_000
            || time_base.den > 1_000_000_000
            || time_base.as_f64() > 1000.0
        {
            return Err(Error::config(
                "timing.time_base",
                time_base,
                "a positive fraction of a second of terms up to 1000000000 and at most 1000 s, e.g. 1/1000",
            ));
        }
    }
    Ok(())
}

/// The odd-size policy, planar input and FFmpeg's picture limit, for the stored format.
fn check_layout(cfg: &EncoderConfig, format: OutputPixelFormat, out: (u32, u32)) -> Result<()> {
    let (sx, sy) = format.chroma_step();
    if cfg.odd_size == OddSize::Error && (cfg.width % sx == 1 || cfg.height % sy == 1) {
        return Err(Error::config(
            "width x height",
            format!("{}x{}", cfg.width, cfg.height),
            format!(
                "even sizes for {format} (odd_size is 'error'; use 'pad' or 'crop', or yuv444p)"
            ),
        ));
    }
    let planar = match cfg.input_format {
        PixelFormat::Yuv420p => Some(OutputPixelFormat::Yuv420p),
        PixelFormat::Yuv444p => Some(OutputPixelFormat::Yuv444p),
        _ => None,
    };
    if let Some(planar) = planar {
        if planar != format {
            return Err(Error::config(
                "input_format",
                cfg.input_format,
                format!("planar YUV input only as the output format ({format}), or an RGB or grey input"),
            ));
        }
        if out != (cfg.width, cfg.height) {
            return Err(Error::config(
                "width x height",
                format!("{}x{}", cfg.width, cfg.height),
                "even sizes for yuv420p input (it is encoded as it is)",
            ));
        }
    }
    // FFmpeg's own limit on a picture (av_image_check_size): about 268 million pixels.
    let (ow, oh) = out;
    if (u64::from(ow) + 128) * (u64::from(oh) + 128) >= (i32::MAX / 8) as u64 {
        return Err(Error::config(
            "width x height",
            format!("{}x{}", cfg.width, cfg.height),
            "a picture FFmpeg can hold: (width + 128) x (height + 128) under 268435455, e.g. up to 16000x16000",
        ));
    }
    Ok(())
}

/// The encoder's smallest picture, for the stored size.
fn check_min_size(cfg: &EncoderConfig, encoder: Encoder, out: (u32, u32)) -> Result<()> {
    let (mw, mh) = encoder.info().min_size;
    if out.0 < mw || out.1 < mh {
        let stored = if out != (cfg.width, cfg.height) {
            format!(" (stored as {}x{})", out.0, out.1)
        } else {
            String::new()
        };
        return Err(Error::config(
            "width x height",
            format!("{}x{}{stored}", cfg.width, cfg.height),
            format!("at least {mw}x{mh} for {encoder}, the smallest picture it encodes"),
        ));
    }
    Ok(())
}

/// The settings that depend on neither the encoder nor the container.
fn check_rest(cfg: &EncoderConfig) -> Result<()> {
    if let Some(g) = cfg.gop {
        if g == 0 || g > 100_000 {
            return Err(Error::config("gop", g, "1 to 100000 frames"));
        }
    }
    for (k, v) in &cfg.codec_options {
        if k.is_empty() || k.contains('\0') || v.contains('\0') {
            return Err(Error::config(
                "codec_options",
                format!("{k}={v}"),
                "a non-empty option name and a value without NUL bytes",
            ));
        }
    }
    if let Some(s) = cfg.fragment_seconds {
        if !(s.is_finite() && s > 0.0 && s <= 3600.0) {
            return Err(Error::config(
                "fragment_seconds",
                s,
                "more than 0 and at most 3600 seconds",
            ));
        }
    }
    if cfg.queue_depth == 0 || cfg.queue_depth > 4096 {
        return Err(Error::config(
            "queue_depth",
            cfg.queue_depth,
            "1 to 4096 frames",
        ));
    }
    if cfg.threads > 64 {
        return Err(Error::config("threads", cfg.threads, "0 (automatic) to 64"));
    }
    Ok(())
}

/// The settings that depend on the container.
fn check_container(cfg: &EncoderConfig, encoder: Encoder, container: Container) -> Result<()> {
    codec::check_container(encoder, container)?;
    if let Some(s) = cfg.fragment_seconds {
        if !container.is_mp4_family() {
            return Err(Error::config(
                "fragment_seconds",
                s,
                format!("fragments only with mp4 or mov, not {}", container.name()),
            ));
        }
    }
    if container == Container::Gif && cfg.timing == Timing::Constant {
        // The frame period in 1/100 s, 100·den/num, must be a delay GIF plays as written:
        // FFmpeg's muxer would otherwise clamp it to 655.35 s, or store 0 (shown as 1/10 s).
        let fr = cfg.frame_rate;
        let (num, den) = (i64::from(fr.num), i64::from(fr.den));
        let cs = 100 * den;
        if cs < i64::from(GIF_MIN_DELAY_CS) * num || cs > i64::from(GIF_MAX_DELAY_CS) * num {
            return Err(Error::config(
                "frame_rate",
                fr,
                format!(
                    "1/{} to {} frames per second for GIF, which stores each frame's delay in 1/100 s from {GIF_MIN_DELAY_CS} to {GIF_MAX_DELAY_CS} (browsers show a delay of 1/100 s as 1/10 s; use WebP or APNG for faster animations, a video container for slower ones)",
                    f64::from(GIF_MAX_DELAY_CS) / 100.0,
                    100 / GIF_MIN_DELAY_CS
                ),
            ));
        }
    }
    if container.needs_seeking() && cfg.timing != Timing::Constant {
        return Err(Error::config(
            "timing",
            "explicit timestamps",
            "a constant frame rate with AVI (use mp4, mov or mkv for variable frame rate)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Frame;
    use crate::writer::VideoWriter;

    #[test]
    fn opening_a_writer_resolves_one_plan() {
        let before = resolved_on_this_thread();
        let config = EncoderConfig::new(32, 16, 10).preset("ultrafast");
        let mut writer = VideoWriter::to_memory(config).unwrap();
        assert_eq!(resolved_on_this_thread() - before, 1);
        writer
            .push(Frame::new(32, 16, PixelFormat::Rgb24, &[0u8; 32 * 16 * 3]))
            .unwrap();
        let (_, summary) = writer.finish_to_vec().unwrap();
        assert_eq!(summary.frames, 1);
        assert_eq!(resolved_on_this_thread() - before, 1);
    }

    #[test]
    fn a_lossless_encoder_keeps_the_input_unless_told_otherwise() {
        use OutputPixelFormat as O;
        let ffv1 = |input| {
            EncoderConfig::new(16, 16, 10)
                .codec(Encoder::Ffv1)
                .input_format(input)
        };
        for (input, want) in [
            (PixelFormat::Rgb24, O::Bgr0),
            (PixelFormat::Bgr24, O::Bgr0),
            (PixelFormat::Rgba, O::Bgra),
            (PixelFormat::Bgra, O::Bgra),
            (PixelFormat::Gray8, O::Gray),
            (PixelFormat::Gray16Le, O::Gray16le),
            (PixelFormat::Rgb48Le, O::Rgb48le),
            (PixelFormat::Yuv420p, O::Yuv420p),
            (PixelFormat::Yuv444p, O::Yuv444p),
        ] {
            let plan = ffv1(input).plan(Container::Mkv).unwrap();
            assert_eq!(plan.output_format(), want, "{input}");
        }
        // A chosen format wins, yuv420p included.
        let plan = ffv1(PixelFormat::Rgb24)
            .output_format(O::Yuv420p)
            .plan(Container::Mkv)
            .unwrap();
        assert_eq!(plan.output_format(), O::Yuv420p);
        // Lossy encoders keep their usual format.
        let plan = EncoderConfig::new(16, 16, 10).plan(Container::Mp4).unwrap();
        assert_eq!(plan.output_format(), O::Yuv420p);
        let plan = EncoderConfig::new(16, 16, 10)
            .codec(Encoder::ProresKs)
            .plan(Container::Mov)
            .unwrap();
        assert_eq!(plan.output_format(), O::Yuv422p10le);
    }

    #[test]
    fn the_container_picks_the_default_encoder() {
        for c in Container::ALL {
            let plan = EncoderConfig::new(16, 16, 10).plan(*c).unwrap();
            assert_eq!(plan.encoder(), c.default_encoder(), "{c}");
            assert!(plan.encoder().info().containers.contains(c), "{c}");
        }
    }
}
