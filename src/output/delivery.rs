//! Live and segmented outputs through libavformat's own muxers: HLS (`hls`: fMP4/CMAF or
//! MPEG-TS segments and their playlists), DASH (`dash`: CMAF segments, the MPD and, asked for,
//! HLS playlists over the same segments), RTMP (`flv` over FFmpeg's `rtmp` protocol) and SRT
//! (`mpegts` over `srt`).
//!
//! Files: every segment and every playlist is written under a temporary name and renamed
//! (`temp_file`), so a player or a sync never reads half a file and a killed writer leaves a
//! playlist of complete segments. Live windows delete only the segments this writer made
//! (the muxer deletes from its own list). An existing manifest, or a file of the names this
//! writer would write, is refused unless `overwrite` is set. The master playlist of an HLS
//! ladder is written here, with each variant's bandwidth measured from its segments on disk.
//!
//! Servers: connecting and every write are bounded by FFmpeg's interrupt callback
//! ([`Deadline`]); a refused connection is tried again `reconnect` times, 1 s apart.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ffmpeg_next as ff;

use crate::config::{DeliveryKind, SegmentFormat};
use crate::error::{Error, Result};
use crate::ffi::{self, Deadline};
use crate::plan::DeliveryPlan;

/// An output opened for a delivery, with the deadline its I/O is bounded by.
pub(crate) struct OpenedDelivery {
    pub(crate) octx: ff::format::context::Output,
    pub(crate) deadline: Arc<Deadline>,
    pub(crate) name: String,
}

/// The folder and file stem of a manifest path (`out/index.m3u8`: `out`, `index`).
fn dir_and_stem(target: &Path) -> (PathBuf, String) {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let stem = target
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("index")
        .to_string();
    (dir, stem)
}

/// The name libavformat is given: the manifest, an HLS ladder's variant playlist pattern, or
/// the server's URL.
fn muxer_target(plan: &DeliveryPlan) -> String {
    let (dir, stem) = dir_and_stem(&plan.target);
    match plan.kind {
        DeliveryKind::Hls if plan.settings.both_manifests => {
            dir.join(format!("{stem}.mpd")).display().to_string()
        }
        DeliveryKind::Hls if plan.is_ladder() => {
            dir.join(format!("{stem}_%v.m3u8")).display().to_string()
        }
        _ => plan.target.display().to_string(),
    }
}

/// The files a segmented output of `plan` writes that are recognisable by name: the manifests,
/// and anything starting with `STEM_` of the segment, init and playlist extensions.
fn existing_outputs(plan: &DeliveryPlan) -> Vec<PathBuf> {
    let (dir, stem) = dir_and_stem(&plan.target);
    let mut found = Vec::new();
    for ext in ["m3u8", "mpd"] {
        let p = dir.join(format!("{stem}.{ext}"));
        if p.exists() && (p == plan.target || plan.settings.both_manifests) {
            found.push(p);
        }
    }
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let prefix = format!("{stem}_");
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = name.starts_with(&prefix)
                && [".m4s", ".ts", ".mp4", ".m3u8", ".mpd", ".tmp"]
                    .iter()
                    .any(|x| name.ends_with(x));
            if ours {
                found.push(e.path());
            }
        }
    }
    found.sort();
    found
}

/// Bytes of the files a segmented output of `plan` has on disk now (manifests, playlists,
/// segments).
pub(crate) fn bytes_on_disk(plan: &DeliveryPlan) -> u64 {
    existing_outputs(plan)
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// Opens the output of `plan`: for files, after making its folder and refusing to replace
/// what exists (unless `overwrite`); for a server, connecting within `connect_timeout`, again
/// up to `reconnect` times.
pub(crate) fn open(plan: &DeliveryPlan) -> Result<OpenedDelivery> {
    let deadline = Deadline::new();
    let target = muxer_target(plan);
    let muxer = plan.muxer();
    if !plan.kind.is_network() {
        let (dir, _) = dir_and_stem(&plan.target);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("cannot make the folder '{}'", dir.display()), e))?;
        if !plan.settings.overwrite {
            let found = existing_outputs(plan);
            if let Some(first) = found.first() {
                return Err(Error::Unsupported(format!(
                    "'{}' exists ({} file{} of this output's names in '{}'): an {} output writes many files and would replace them one by one; remove them, choose another name, or set overwrite=true",
                    first.display(),
                    found.len(),
                    if found.len() == 1 { "" } else { "s" },
                    dir.display(),
                    plan.kind.name()
                )));
            }
        }
        let octx = ffi::open_output_url(&target, muxer, &deadline, ff::Dictionary::new()).map_err(
            |e| {
                Error::ffmpeg(
                    format!(
                        "cannot open '{}' for writing as {muxer}",
                        plan.target.display()
                    ),
                    e,
                )
            },
        )?;
        return Ok(OpenedDelivery {
            octx,
            deadline,
            name: format!("'{}'", plan.target.display()),
        });
    }
    let s = &plan.settings;
    let mut attempt = 0;
    loop {
        deadline.arm(s.connect_timeout);
        let opened = ffi::open_output_url(&target, muxer, &deadline, io_options(plan));
        deadline.disarm();
        match opened {
            Ok(octx) => {
                return Ok(OpenedDelivery {
                    octx,
                    deadline,
                    name: target.clone(),
                })
            }
            Err(e) if attempt < s.reconnect => {
                let _ = e;
                attempt += 1;
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => {
                let tries = if attempt > 0 {
                    format!(" ({} attempts, 1 s apart)", attempt + 1)
                } else {
                    String::new()
                };
                return Err(connect_error(
                    plan,
                    format!("cannot connect to {target}{tries}"),
                    e,
                ));
            }
        }
    }
}

/// One attempt to connect to the server of `plan`, bounded by its connect timeout.
pub(crate) fn connect_once(plan: &DeliveryPlan) -> Result<OpenedDelivery> {
    let deadline = Deadline::new();
    let target = muxer_target(plan);
    let s = &plan.settings;
    deadline.arm(s.connect_timeout);
    let opened = ffi::open_output_url(&target, plan.muxer(), &deadline, io_options(plan));
    deadline.disarm();
    match opened {
        Ok(octx) => Ok(OpenedDelivery {
            octx,
            deadline,
            name: target,
        }),
        Err(e) => Err(connect_error(
            plan,
            format!("cannot connect to {target}"),
            e,
        )),
    }
}

/// The I/O options of a server's protocol.
fn io_options(plan: &DeliveryPlan) -> ff::Dictionary<'static> {
    let mut io = ff::Dictionary::new();
    if plan.kind == DeliveryKind::Srt {
        // SRT's live mode drops what is still in flight when the socket closes: it waits for
        // the receiver's acknowledgements instead, at most the write timeout.
        io.set(
            "linger",
            &(plan.settings.write_timeout.ceil() as i64)
                .max(1)
                .to_string(),
        );
        // SRT's own handshake bound (3 s unless told), as long as ours.
        io.set(
            "connect_timeout",
            &((plan.settings.connect_timeout * 1000.0).round() as i64)
                .max(1)
                .to_string(),
        );
    }
    io
}

/// Linux's EIO, what libsrt's failed handshake comes back as.
const EIO: i32 = 5;

/// A failed connection's error: SRT over UDP has no "refused", only a handshake nobody
/// answered, which libsrt reports as a bare I/O error.
fn connect_error(plan: &DeliveryPlan, context: String, e: ff::Error) -> Error {
    let s = &plan.settings;
    if plan.kind == DeliveryKind::Srt && e == (ff::Error::Other { errno: EIO }) {
        return Error::io(
            context,
            std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                format!(
                    "no SRT listener answered the handshake within {} s (connect_timeout)",
                    s.connect_timeout
                ),
            ),
        );
    }
    network_error(context, e, s.connect_timeout, "connect_timeout")
}

/// A network failure as an I/O error with its cause (connection refused, reset, broken
/// pipe: the system's error; a wait cut short by the deadline: timed out, naming the
/// setting), so that bindings raise their language's own (Python's `ConnectionRefusedError`,
/// `TimeoutError`).
pub(crate) fn network_error(context: String, e: ff::Error, seconds: f64, setting: &str) -> Error {
    match e {
        ff::Error::Exit => Error::io(
            context,
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {seconds} s ({setting})"),
            ),
        ),
        ff::Error::Other { errno } => Error::io(context, std::io::Error::from_raw_os_error(errno)),
        e => Error::ffmpeg(context, e),
    }
}

/// The options of the delivery's muxer. `audio`: whether a soundtrack follows the video
/// streams; `videos`: how many video streams (renditions) there are.
pub(crate) fn muxer_options(
    plan: &DeliveryPlan,
    videos: usize,
    audio: bool,
) -> Vec<(String, String)> {
    let s = &plan.settings;
    let (_, stem) = dir_and_stem(&plan.target);
    let mut o: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: String| o.push((k.to_string(), v));
    let labels = plan.labels();
    match plan.muxer() {
        "hls" => {
            let (dir, _) = dir_and_stem(&plan.target);
            let ext = match s.segment_format {
                SegmentFormat::Fmp4 => "m4s",
                SegmentFormat::Ts => "ts",
            };
            set("hls_time", format!("{}", s.segment_seconds));
            set("hls_list_size", s.live_window.to_string());
            let mut flags = "temp_file+independent_segments".to_string();
            if s.live_window > 0 {
                flags.push_str("+delete_segments");
            } else {
                // The playlist is rewritten after every segment (a VOD playlist would be
                // written only at the end, and a killed writer would leave none).
                set("hls_playlist_type", "event".into());
            }
            set("hls_flags", flags);
            set(
                "hls_segment_type",
                match s.segment_format {
                    SegmentFormat::Fmp4 => "fmp4".into(),
                    SegmentFormat::Ts => "mpegts".into(),
                },
            );
            if labels.is_empty() {
                set(
                    "hls_segment_filename",
                    dir.join(format!("{stem}_%05d.{ext}")).display().to_string(),
                );
                set("hls_fmp4_init_filename", format!("{stem}_init.mp4"));
            } else {
                set(
                    "hls_segment_filename",
                    dir.join(format!("{stem}_%v_%05d.{ext}"))
                        .display()
                        .to_string(),
                );
                set("hls_fmp4_init_filename", format!("{stem}_%v_init.mp4"));
                let mut map: Vec<String> = labels
                    .iter()
                    .take(videos)
                    .enumerate()
                    .map(|(i, l)| {
                        if audio {
                            format!("v:{i},agroup:audio,name:{l}")
                        } else {
                            format!("v:{i},name:{l}")
                        }
                    })
                    .collect();
                if audio {
                    map.push("a:0,agroup:audio,name:audio".into());
                }
                set("var_stream_map", map.join(" "));
            }
        }
        "dash" => {
            set("seg_duration", format!("{}", s.segment_seconds));
            set("use_template", "1".into());
            set("use_timeline", "1".into());
            set(
                "init_seg_name",
                format!("{stem}_init_$RepresentationID$.m4s"),
            );
            set(
                "media_seg_name",
                format!("{stem}_$RepresentationID$_$Number%05d$.m4s"),
            );
            let mut sets = "id=0,streams=v".to_string();
            if audio {
                sets.push_str(" id=1,streams=a");
            }
            set("adaptation_sets", sets);
            set("window_size", s.live_window.to_string());
            set("extra_window_size", "0".into());
            set("remove_at_exit", "0".into());
            if s.both_manifests {
                set("hls_playlist", "1".into());
                set("hls_master_name", format!("{stem}.m3u8"));
            }
        }
        "flv" => {
            // Each packet reaches the server as it is written.
            set("flush_packets", "1".into());
        }
        "mpegts" => {
            set("flush_packets", "1".into());
        }
        _ => {}
    }
    o
}

/// One variant of an HLS ladder's master playlist.
pub(crate) struct Variant {
    pub(crate) label: String,
    pub(crate) size: (u32, u32),
    pub(crate) codecs: Option<String>,
    /// Bits per second to assume before a segment exists.
    pub(crate) estimate: u64,
}

/// The master playlist of an HLS ladder, written by encode-native: libavformat's counts only
/// the configured bitrates (nothing at all for crf), so here each variant's `BANDWIDTH` (its
/// peak segment rate) and `AVERAGE-BANDWIDTH` are measured from its segments on disk, the
/// audio group's added, and rewritten as segments are made.
pub(crate) struct MasterPlaylist {
    path: PathBuf,
    dir: PathBuf,
    stem: String,
    variants: Vec<Variant>,
    audio: Option<(Option<String>, u64)>,
    frame_rate: f64,
}

/// A media playlist's segments on disk: (peak, average) bits per second; `None` before any.
fn measure(playlist: &Path, dir: &Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(playlist).ok()?;
    let (mut peak, mut bits, mut seconds) = (0f64, 0f64, 0f64);
    let mut duration = None;
    for line in text.lines() {
        if let Some(d) = line.strip_prefix("#EXTINF:") {
            duration = d
                .split(',')
                .next()
                .and_then(|d| d.trim().parse::<f64>().ok());
        } else if !line.starts_with('#') && !line.trim().is_empty() {
            if let (Some(d), Ok(m)) = (duration.take(), std::fs::metadata(dir.join(line.trim()))) {
                let b = m.len() as f64 * 8.0;
                if d > 0.0 {
                    peak = peak.max(b / d);
                    bits += b;
                    seconds += d;
                }
            }
        }
    }
    (seconds > 0.0).then(|| (peak.round() as u64, (bits / seconds).round() as u64))
}

impl MasterPlaylist {
    pub(crate) fn new(
        plan: &DeliveryPlan,
        variants: Vec<Variant>,
        audio: Option<(Option<String>, u64)>,
        frame_rate: f64,
    ) -> Self {
        let (dir, stem) = dir_and_stem(&plan.target);
        MasterPlaylist {
            path: plan.target.clone(),
            dir,
            stem,
            variants,
            audio,
            frame_rate,
        }
    }

    /// Writes the master playlist (temporary name, then renamed), with each variant's
    /// bandwidth measured from what its playlist lists so far (estimated before that).
    pub(crate) fn write(&self) -> Result<()> {
        let audio_rate = self.audio.as_ref().map(|(_, estimate)| {
            measure(
                &self.dir.join(format!("{}_audio.m3u8", self.stem)),
                &self.dir,
            )
            .unwrap_or((*estimate, *estimate))
        });
        let mut m = String::from("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n");
        if self.audio.is_some() {
            let _ = writeln!(
                m,
                "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"audio\",DEFAULT=YES,AUTOSELECT=YES,URI=\"{}_audio.m3u8\"",
                self.stem
            );
        }
        for v in &self.variants {
            let playlist = format!("{}_{}.m3u8", self.stem, v.label);
            let (mut peak, mut average) =
                measure(&self.dir.join(&playlist), &self.dir).unwrap_or((v.estimate, v.estimate));
            if let Some((p, a)) = audio_rate {
                peak += p;
                average += a;
            }
            let mut codecs = v.codecs.clone().into_iter().collect::<Vec<_>>();
            if let Some((Some(c), _)) = &self.audio {
                codecs.push(c.clone());
            }
            let _ = write!(
                m,
                "#EXT-X-STREAM-INF:BANDWIDTH={peak},AVERAGE-BANDWIDTH={average},RESOLUTION={}x{},FRAME-RATE={:.3}",
                v.size.0, v.size.1, self.frame_rate
            );
            if codecs.len() == 1 + usize::from(self.audio.is_some()) {
                let _ = write!(m, ",CODECS=\"{}\"", codecs.join(","));
            }
            if self.audio.is_some() {
                m.push_str(",AUDIO=\"audio\"");
            }
            let _ = writeln!(m, "\n{playlist}");
        }
        let tmp = self.path.with_extension("m3u8.tmp");
        std::fs::write(&tmp, m)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| Error::io(format!("cannot write '{}'", self.path.display()), e))
    }
}

/// The RFC 6381 name of a video stream's codec for playlists (`avc1.64001f`), from its
/// parameters; `None` where it is not known here.
pub(crate) fn video_codec_string(params: &ff::codec::Parameters) -> Option<String> {
    if params.id() != ff::codec::Id::H264 {
        return None;
    }
    let extradata = ffi::extradata(params);
    // avcC: version 1, then profile, compatibility, level.
    if extradata.first() == Some(&1) && extradata.len() >= 4 {
        return Some(format!(
            "avc1.{:02x}{:02x}{:02x}",
            extradata[1], extradata[2], extradata[3]
        ));
    }
    // Annex B: the SPS after a start code.
    let mut i = 0;
    while i + 7 < extradata.len() {
        if extradata[i..i + 3] == [0, 0, 1] && extradata[i + 3] & 0x1f == 7 {
            let s = &extradata[i + 4..i + 7];
            return Some(format!("avc1.{:02x}{:02x}{:02x}", s[0], s[1], s[2]));
        }
        i += 1;
    }
    None
}

/// The RFC 6381 name of an audio codec for playlists.
pub(crate) fn audio_codec_string(id: ff::codec::Id) -> Option<String> {
    Some(
        match id {
            ff::codec::Id::AAC => "mp4a.40.2",
            ff::codec::Id::MP3 => "mp4a.40.34",
            ff::codec::Id::AC3 => "ac-3",
            ff::codec::Id::EAC3 => "ec-3",
            ff::codec::Id::OPUS => "opus",
            ff::codec::Id::FLAC => "fLaC",
            _ => return None,
        }
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_measured_from_the_playlist() {
        let dir = std::env::temp_dir().join(format!("en-measure-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a_0.m4s"), vec![0u8; 1000]).unwrap();
        std::fs::write(dir.join("a_1.m4s"), vec![0u8; 3000]).unwrap();
        std::fs::write(
            dir.join("a.m3u8"),
            "#EXTM3U\n#EXTINF:2.000000,\na_0.m4s\n#EXTINF:1.000000,\na_1.m4s\n#EXTINF:1.0,\nmissing.m4s\n",
        )
        .unwrap();
        let (peak, avg) = measure(&dir.join("a.m3u8"), &dir).unwrap();
        assert_eq!(peak, 24_000);
        assert_eq!(avg, 10_667);
        assert!(measure(&dir.join("none.m3u8"), &dir).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
