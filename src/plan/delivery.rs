//! Live and segmented delivery, decided once: what the destination's name asks for (an HLS
//! playlist, a DASH manifest, an RTMP or SRT server), the container of its segments or stream,
//! the keyframe interval that starts every segment with a keyframe, and each rendition of an
//! ABR ladder as a plan of its own. Every setting that does not apply to the destination is
//! refused here, naming it, rather than ignored.

use std::path::{Path, PathBuf};

use crate::config::{
    AudioEncoder, AudioSettings, Container, DeliveryKind, DeliverySettings, Encoder, EncoderConfig,
    Metadata, SegmentFormat, Timing,
};
use crate::error::{Error, Result};
use crate::frame::PixelFormat;

use super::Plan;

/// A live stream's keyframe interval when no segment length applies (RTMP, SRT): players join
/// at a keyframe, so one every 2 s lets them start within 2 s.
const LIVE_KEYFRAME_SECONDS: f64 = 2.0;

/// One rendition of the ladder beyond the first, which the writer's own plan encodes.
#[derive(Debug, Clone)]
pub(crate) struct ExtraRendition {
    /// Its name in playlists and file names (`360p`).
    pub(crate) label: String,
    /// Its encoder, size and rate control.
    pub(crate) plan: Plan,
}

/// Where a writer delivers and how.
#[derive(Debug, Clone)]
pub(crate) struct DeliveryPlan {
    pub(crate) kind: DeliveryKind,
    /// The manifest's path or the server's URL, as given.
    pub(crate) target: PathBuf,
    /// The container of the segments (HLS, DASH) or of the stream (RTMP: FLV's codecs are
    /// checked as MP4's and then narrowed; SRT: MPEG-TS).
    pub(crate) container: Container,
    pub(crate) settings: DeliverySettings,
    /// The first rendition's name (`None`: no ladder, one stream at the pushed size).
    pub(crate) first_label: Option<String>,
    /// The renditions after the first.
    pub(crate) extras: Vec<ExtraRendition>,
    /// A keyframe is forced at every multiple of this many seconds of the video's time.
    pub(crate) keyframe_seconds: f64,
    /// A push's local recording: its file and its plan (the same streams in its container).
    pub(crate) record: Option<(PathBuf, Plan)>,
}

impl DeliveryPlan {
    /// The libavformat muxer that writes it.
    pub(crate) fn muxer(&self) -> &'static str {
        match self.kind {
            DeliveryKind::Hls if self.settings.both_manifests => "dash",
            DeliveryKind::Hls => "hls",
            DeliveryKind::Dash => "dash",
            DeliveryKind::Rtmp => "flv",
            DeliveryKind::Srt => "mpegts",
        }
    }

    /// Whether it is a ladder of two or more renditions (one rendition is one stream at its
    /// size, named and written as without a ladder).
    pub(crate) fn is_ladder(&self) -> bool {
        !self.extras.is_empty()
    }

    /// Every rendition's name, the first's included (empty without a ladder).
    pub(crate) fn labels(&self) -> Vec<String> {
        if !self.is_ladder() {
            return Vec::new();
        }
        self.first_label
            .iter()
            .cloned()
            .chain(self.extras.iter().map(|r| r.label.clone()))
            .collect()
    }
}

/// The delivery `target` asks for, with the writer's own settings adjusted for it (keyframes at
/// segment boundaries, the first rendition's size, rate and encoder); `None` and the settings
/// as they are for a plain file, memory or a stream, after refusing the delivery settings
/// that would do nothing there.
pub(crate) fn resolve(
    config: &EncoderConfig,
    target: Option<&Path>,
) -> Result<(EncoderConfig, Option<DeliveryPlan>)> {
    let d = &config.delivery;
    let defaults = DeliverySettings::default();
    let kind =
        match (d.kind, target) {
            // An explicit hls or dash names a manifest at the path, whatever its name.
            (Some(k), Some(_)) => Some(k),
            (Some(k), None) => return Err(Error::config(
                "format",
                k.name().to_ascii_lowercase(),
                "a path for its manifest: an HLS or DASH output writes many files, not one stream",
            )),
            (None, t) => t.and_then(DeliveryKind::from_target),
        };
    let segmented = matches!(kind, Some(DeliveryKind::Hls | DeliveryKind::Dash));
    let network = kind.is_some_and(DeliveryKind::is_network);
    let where_ = match kind {
        Some(k) => format!("an {} output", k.name()),
        None => "this output".to_string(),
    };
    let only = |key: &'static str, value: String, what: &str| {
        Err(Error::config(
            key,
            value,
            format!("{what}; {where_} has none (the destination's name decides: out/index.m3u8, out/index.mpd, rtmp://, srt://)"),
        ))
    };
    if !segmented {
        if d.segment_seconds != defaults.segment_seconds {
            return only(
                "segment_duration",
                d.segment_seconds.to_string(),
                "only for HLS (.m3u8) and DASH (.mpd) segments",
            );
        }
        if d.segment_format != defaults.segment_format {
            return only(
                "segment_format",
                d.segment_format.to_string(),
                "only for HLS (.m3u8) segments",
            );
        }
        if d.live_window != 0 {
            return only(
                "live_window",
                d.live_window.to_string(),
                "only for HLS (.m3u8) and DASH (.mpd) manifests",
            );
        }
        if d.both_manifests {
            return only(
                "manifests",
                "hls,dash".into(),
                "only for HLS (.m3u8) and DASH (.mpd) outputs",
            );
        }
        if !d.renditions.is_empty() {
            return only(
                "renditions",
                list(&d.renditions),
                "renditions are for HLS (.m3u8) and DASH (.mpd) outputs",
            );
        }
        if d.overwrite {
            return only("overwrite", "true".into(), "only for HLS (.m3u8) and DASH (.mpd) outputs (a file is replaced when it is finished)");
        }
    }
    if !network {
        if d.connect_timeout != defaults.connect_timeout {
            return only(
                "connect_timeout",
                d.connect_timeout.to_string(),
                "only for rtmp:// and srt:// servers",
            );
        }
        if d.write_timeout != defaults.write_timeout {
            return only(
                "write_timeout",
                d.write_timeout.to_string(),
                "only for rtmp:// and srt:// servers",
            );
        }
        if d.reconnect != 0 {
            return only(
                "reconnect",
                d.reconnect.to_string(),
                "only for rtmp:// and srt:// servers",
            );
        }
        if let Some(r) = &d.record {
            return only(
                "record",
                r.display().to_string(),
                "a recording beside a push to rtmp:// or srt://",
            );
        }
    }
    let (Some(kind), Some(target)) = (kind, target) else {
        return Ok((config.clone(), None));
    };
    let container = match kind {
        DeliveryKind::Hls if d.both_manifests && d.segment_format == SegmentFormat::Ts => {
            return Err(Error::config(
                "segment_format",
                "ts",
                "fmp4 when both manifests are written (DASH needs CMAF segments)",
            ))
        }
        DeliveryKind::Hls => match d.segment_format {
            SegmentFormat::Fmp4 => Container::Mp4,
            SegmentFormat::Ts => Container::Ts,
        },
        DeliveryKind::Dash if d.segment_format == SegmentFormat::Ts => {
            return Err(Error::config(
                "segment_format",
                "ts",
                "fmp4 for DASH (its segments are CMAF); MPEG-TS segments are for HLS (.m3u8)",
            ))
        }
        DeliveryKind::Dash | DeliveryKind::Rtmp => Container::Mp4,
        DeliveryKind::Srt => Container::Ts,
    };
    if let Some(c) = config.container {
        if c != container {
            return Err(Error::config(
                "format",
                c.name(),
                format!(
                    "{} for {} (or no format: the destination decides)",
                    container.name(),
                    kind.name()
                ),
            ));
        }
    }
    if config.fragment_seconds.is_some() {
        return Err(Error::config(
            "fragment_seconds",
            config.fragment_seconds.unwrap_or_default(),
            format!("no fragment setting for {where_}: its segments or stream decide (segment_duration for HLS and DASH)"),
        ));
    }
    if segmented && config.metadata.tags.iter().any(|t| t.key != "encoder") {
        let t = &config.metadata.tags[0];
        return Err(Error::config(
            "metadata",
            format!("{}={}", t.key, t.value),
            format!("no tags for {where_}: HLS and DASH manifests carry no file tags (a plain file or an RTMP/SRT stream does)"),
        ));
    }
    let keyframe_seconds = if segmented {
        d.segment_seconds
    } else {
        LIVE_KEYFRAME_SECONDS
    };
    let mut main = config.clone();
    main.container = Some(container);
    // A keyframe at least at every forced boundary; the encoder may add more (scene cuts)
    // between them, which never start a segment early (a segment ends at the first keyframe
    // after its length).
    if matches!(config.timing, Timing::Constant) {
        let fr = config.frame_rate;
        let frames = (keyframe_seconds * f64::from(fr.num) / f64::from(fr.den.max(1)))
            .round()
            .max(1.0) as u32;
        main.gop = Some(main.gop.map_or(frames, |g| g.min(frames)));
    }
    let mut ladder: Vec<_> = d
        .renditions
        .iter()
        .map(|r| (r, r.resolve_size(config.width, config.height)))
        .collect();
    // Largest first: the others are scaled from the first one's pictures.
    ladder.sort_by_key(|(_, (w, h))| std::cmp::Reverse(u64::from(*w) * u64::from(*h)));
    for pair in ladder.windows(2) {
        if pair[0].0.label() == pair[1].0.label() {
            return Err(Error::config(
                "renditions",
                list(&d.renditions),
                format!("each size once ({} is given twice)", pair[0].0.label()),
            ));
        }
    }
    let mut first_label = None;
    let mut extras = Vec::new();
    for (i, (r, (w, h))) in ladder.iter().enumerate() {
        if i == 0 {
            first_label = Some(r.label());
            if let Some(rate) = r.rate {
                main.rate = Some(rate);
            }
            if let Some(e) = r.encoder {
                main.codec = e;
            }
            if (*w, *h) != (config.width, config.height) {
                let scale = format!("scale={w}:{h}:flags=bicubic");
                main.filter = Some(match &config.filter {
                    Some(f) => format!("{f},{scale}"),
                    None => scale,
                });
            }
            continue;
        }
        let mut c = main.clone();
        c.width = *w;
        c.height = *h;
        c.filter = None;
        c.input_format = PixelFormat::Yuv420p;
        c.rate = r.rate.or(config.rate);
        c.codec = r.encoder.unwrap_or(config.codec);
        c.audio = AudioSettings::default();
        c.metadata = Metadata::default();
        let plan = Plan::resolve(&c, Some(container)).map_err(|e| match e {
            Error::Config { .. } | Error::Unsupported(_) => Error::config(
                "renditions",
                r.to_string(),
                format!("a rendition the container takes: {e}"),
            ),
            e => e,
        })?;
        extras.push(ExtraRendition {
            label: r.label(),
            plan,
        });
    }
    let record = match &d.record {
        Some(path) => {
            let c = Container::from_path(path)?;
            let mut rc = main.clone();
            rc.container = Some(c);
            let plan = Plan::resolve(&rc, Some(c)).map_err(|e| match e {
                Error::Config { .. } | Error::Unsupported(_) => Error::config(
                    "record",
                    path.display().to_string(),
                    format!("a file that holds the pushed streams: {e}"),
                ),
                e => e,
            })?;
            Some((path.clone(), plan))
        }
        None => None,
    };
    Ok((
        main,
        Some(DeliveryPlan {
            kind,
            target: target.to_path_buf(),
            container,
            settings: d.clone(),
            first_label,
            extras,
            keyframe_seconds,
            record,
        }),
    ))
}

/// What RTMP's FLV can carry of the writer's plan: H.264 and AAC or MP3.
pub(crate) fn check_stream_codecs(delivery: &DeliveryPlan, plan: &Plan) -> Result<()> {
    if delivery.kind != DeliveryKind::Rtmp {
        return Ok(());
    }
    if plan.encoder().codec() != Encoder::Libx264.codec() {
        return Err(Error::config(
            "codec",
            plan.encoder().name(),
            "libx264 for RTMP (FLV carries H.264)",
        ));
    }
    if let Some(a) = plan.audio() {
        if !matches!(a.encoder(), AudioEncoder::Aac | AudioEncoder::Libmp3lame) {
            return Err(Error::config(
                "audio_codec",
                a.encoder().name(),
                "aac or libmp3lame for RTMP (FLV carries AAC and MP3)",
            ));
        }
    }
    Ok(())
}

fn list(r: &[crate::config::Rendition]) -> String {
    r.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}
