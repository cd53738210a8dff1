//! Decode-back helpers: every output is read again with libavformat/libavcodec in-process.
//! Also the skips and child guards every test uses ([`guards`]).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use ff::format::Pixel;
use ffmpeg_next as ff;

mod guards;
mod strict;
pub use guards::{require, ChildGuard};
pub use strict::strict_frame_count;

/// `true` when the linked libavcodec has `encoder`; otherwise skips (a failure unless
/// `ENCODE_NATIVE_ALLOW_SKIP=1`) and returns `false`.
pub fn require_encoder(encoder: encode_native::Encoder) -> bool {
    let present = encode_native::info::library_info()
        .encoders
        .iter()
        .any(|(e, ok)| *e == encoder && *ok);
    require(
        present,
        &format!("{encoder} is not in the linked libavcodec"),
    )
}

/// Waits for `child` to end, for at most `limit`; then kills it and fails the test as a hang.
/// Its output is read once it has ended (for programs that print little).
pub fn wait_at_most(
    mut child: std::process::Child,
    limit: std::time::Duration,
) -> std::process::Output {
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let o = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}; stderr: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Sends a child process the signal `kill` would for `signal` (`-INT`, `-TERM`, `-KILL`),
/// without needing a `kill` program; whether it was delivered.
pub fn kill(pid: u32, signal: &str) -> bool {
    use rustix::process::{kill_process, Pid, Signal};
    let sig = match signal {
        "-INT" => Signal::INT,
        "-TERM" => Signal::TERM,
        "-KILL" => Signal::KILL,
        other => panic!("no such signal in the tests: {other}"),
    };
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
        return false;
    };
    kill_process(pid, sig).is_ok()
}

/// The samples per channel audio stream `n` (counted among the audio streams) of `path` plays,
/// given the `decoded` count a decoder gave: no more than the duration the file states for the
/// stream, where it states one (FFmpeg 5.1's MP4 demuxer, and any for a fragmented MP4, does
/// not tell the decoder to drop the end padding a shortened last packet leaves out; players
/// stop at the stated end).
pub fn samples_played(path: &Path, n: usize, decoded: u64) -> u64 {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            &format!("a:{n}"),
            "-show_entries",
            "stream=sample_rate,duration",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.trim().split(',');
    let rate = fields.next().and_then(|r| r.parse::<f64>().ok());
    let duration = fields.next().and_then(|d| d.parse::<f64>().ok());
    match (rate, duration) {
        (Some(r), Some(d)) => decoded.min((d * r).round() as u64),
        _ => decoded,
    }
}

/// The samples (per channel) the `ffmpeg` program decodes from the first audio stream.
pub fn decoded_samples(path: &Path) -> u64 {
    let out = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:a:0", "-ac", "1", "-f", "s16le", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout.len() as u64 / 2
}

/// The times of stream `i`'s packets of `path` as ffprobe reads them: (pts, duration) in
/// seconds, 0 for a duration it does not know.
pub fn packet_times(path: &Path, i: usize) -> Vec<(f64, f64)> {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            &i.to_string(),
            "-show_entries",
            "packet=pts_time,duration_time",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut f = l.split(',').map(|x| x.trim().parse::<f64>().ok());
            Some((f.next()??, f.next().flatten().unwrap_or(0.0)))
        })
        .collect()
}

/// One decoded picture, planes tightly packed.
pub struct DecodedFrame {
    pub pts: f64,
    pub key: bool,
    pub planes: [Vec<u8>; 3],
    pub sizes: [(usize, usize); 3],
}

/// What a video file holds, as a decoder sees it.
pub struct Decoded {
    pub format_name: String,
    pub codec: String,
    pub profile: String,
    pub pix_fmt: Pixel,
    pub width: u32,
    pub height: u32,
    pub frames: Vec<DecodedFrame>,
    pub packet_durations: Vec<i64>,
    pub duration: f64,
    pub avg_frame_rate: ff::Rational,
    pub color_space: ff::util::color::Space,
    pub color_range: ff::util::color::Range,
    pub color_primaries: ff::util::color::Primaries,
    pub color_trc: ff::util::color::TransferCharacteristic,
}

impl Decoded {
    /// Indices of the keyframes.
    pub fn keyframes(&self) -> Vec<usize> {
        (0..self.frames.len())
            .filter(|&i| self.frames[i].key)
            .collect()
    }
}

/// The top-level boxes of an MP4, in order.
pub fn top_level_boxes(b: &[u8]) -> Vec<String> {
    let mut boxes = Vec::new();
    let mut i = 0;
    while i + 8 <= b.len() {
        let size = u32::from_be_bytes(b[i..i + 4].try_into().unwrap()) as usize;
        boxes.push(String::from_utf8_lossy(&b[i + 4..i + 8]).to_string());
        if size < 8 {
            break;
        }
        i += size;
    }
    boxes
}

pub fn decode_file(path: &Path) -> Decoded {
    ff::init().unwrap();
    let ictx =
        ff::format::input(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    decode(ictx, true)
}

pub fn decode_bytes(bytes: Vec<u8>) -> Decoded {
    ff::init().unwrap();
    let io = ff::format::context::StreamIo::from_read_seek(Cursor::new(bytes)).unwrap();
    let ictx = ff::format::input_from_stream(io, None, None).expect("cannot open the bytes");
    decode(ictx, true)
}

/// Only the structure, no pixels kept (for long videos).
pub fn decode_file_structure(path: &Path) -> Decoded {
    ff::init().unwrap();
    let ictx = ff::format::input(path).unwrap();
    decode(ictx, false)
}

fn decode(mut ictx: ff::format::context::Input, keep_pixels: bool) -> Decoded {
    let format_name = ictx.format().name().to_string();
    let duration = ictx.duration() as f64 / ff::ffi::AV_TIME_BASE as f64;
    let stream = ictx
        .streams()
        .best(ff::media::Type::Video)
        .expect("no video stream");
    let index = stream.index();
    let tb = stream.time_base();
    let avg_frame_rate = stream.avg_frame_rate();
    let ctx = ff::codec::Context::from_parameters(stream.parameters()).unwrap();
    let mut dec = ctx.decoder().video().unwrap();
    let codec = dec
        .codec()
        .map(|c| c.name().to_string())
        .unwrap_or_default();
    let profile = format!("{:?}", dec.profile());
    let mut frames = Vec::new();
    let mut packet_durations = Vec::new();
    let mut frame = ff::frame::Video::empty();
    let mut receive = |dec: &mut ff::decoder::Video, frames: &mut Vec<DecodedFrame>| {
        while dec.receive_frame(&mut frame).is_ok() {
            let pts = frame.timestamp().or(frame.pts()).unwrap_or(0) as f64 * f64::from(tb);
            let mut planes: [Vec<u8>; 3] = Default::default();
            let mut sizes = [(0, 0); 3];
            if keep_pixels {
                for p in 0..frame.planes().min(3) {
                    let (w, h) = (
                        frame.plane_width(p) as usize,
                        frame.plane_height(p) as usize,
                    );
                    let stride = frame.stride(p);
                    let data = frame.data(p);
                    let mut v = Vec::with_capacity(w * h);
                    for r in 0..h {
                        v.extend_from_slice(&data[r * stride..r * stride + w]);
                    }
                    planes[p] = v;
                    sizes[p] = (w, h);
                }
            }
            frames.push(DecodedFrame {
                pts,
                key: frame.is_key(),
                planes,
                sizes,
            });
        }
    };
    for (s, packet) in ictx.packets() {
        if s.index() != index {
            continue;
        }
        packet_durations.push(packet.duration());
        dec.send_packet(&packet).unwrap();
        receive(&mut dec, &mut frames);
    }
    dec.send_eof().unwrap();
    receive(&mut dec, &mut frames);
    Decoded {
        format_name,
        codec,
        profile,
        pix_fmt: dec.format(),
        width: dec.width(),
        height: dec.height(),
        frames,
        packet_durations,
        duration,
        avg_frame_rate,
        color_space: dec.color_space(),
        color_range: dec.color_range(),
        color_primaries: dec.color_primaries(),
        color_trc: dec.color_transfer_characteristic(),
    }
}

/// The smooth moving test picture: gradients and a moving soft-edged disc, deterministic.
pub fn smooth_rgb(w: u32, h: u32, i: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    let (cx, cy) = (((w / 4 + i * 3) % w) as f64, (h / 2) as f64);
    let r = (h / 6) as f64;
    for y in 0..h {
        for x in 0..w {
            let bg = [
                (x * 255 / w.max(2)) as f64,
                (y * 255 / h.max(2)) as f64,
                ((x + y + i) * 255 / (w + h)) as f64,
            ];
            let d = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt();
            // 1 inside the disc, 0 outside, a ramp of 8 pixels between.
            let a = ((r - d) / 8.0 + 0.5).clamp(0.0, 1.0);
            for (c, fg) in bg.iter().zip([230.0, 200.0, 40.0]) {
                v.push((a * fg + (1.0 - a) * c).round() as u8);
            }
        }
    }
    v
}

/// Decoded YUV → RGB with the given matrix coefficients (kr, kb) and range, in floating point.
pub fn yuv_to_rgb(f: &DecodedFrame, kr: f64, kb: f64, full: bool) -> Vec<u8> {
    let (w, h) = f.sizes[0];
    let (cw, _) = f.sizes[1];
    let sx = w / cw.max(1);
    let sy = f.sizes[0].1 / f.sizes[1].1.max(1);
    let kg = 1.0 - kr - kb;
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let yy = f.planes[0][y * w + x] as f64;
            let ci = (y / sy) * cw + x / sx;
            let (u, v) = (
                f.planes[1][ci] as f64 - 128.0,
                f.planes[2][ci] as f64 - 128.0,
            );
            let (yn, un, vn) = if full {
                (yy / 255.0, u / 255.0, v / 255.0)
            } else {
                ((yy - 16.0) / 219.0, u / 224.0, v / 224.0)
            };
            let r = yn + 2.0 * (1.0 - kr) * vn;
            let b = yn + 2.0 * (1.0 - kb) * un;
            let g = (yn - kr * r - kb * b) / kg;
            for c in [r, g, b] {
                out.push((c * 255.0).round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    out
}

pub const BT709: (f64, f64) = (0.2126, 0.0722);
pub const BT601: (f64, f64) = (0.299, 0.114);

pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mse: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        return 99.0;
    }
    10.0 * (255.0f64 * 255.0 / mse).log10()
}

/// Pushes frames 0..n of `smooth_rgb` (owned) into `writer`.
pub fn push_smooth(writer: &mut encode_native::VideoWriter, n: u32, (w, h): (u32, u32)) {
    for i in 0..n {
        let rgb = smooth_rgb(w, h, i);
        writer
            .push(encode_native::Frame::from_vec(
                w,
                h,
                encode_native::PixelFormat::Rgb24,
                rgb,
            ))
            .unwrap();
    }
}

/// Encodes `n` frames of `smooth_rgb` with `config` to `path` and returns the summary.
pub fn encode_smooth(
    path: &Path,
    config: encode_native::EncoderConfig,
    n: u32,
) -> encode_native::Summary {
    let size = (config.width, config.height);
    let mut writer = encode_native::VideoWriter::create(path, config).unwrap();
    push_smooth(&mut writer, n, size);
    writer.finish().unwrap()
}

/// The mean of a rectangle of a decoded RGB picture, per channel.
pub fn mean_rgb(rgb: &[u8], w: usize, x0: usize, y0: usize, x1: usize, y1: usize) -> [f64; 3] {
    let mut acc = [0f64; 3];
    let mut n = 0f64;
    for y in y0..y1 {
        for x in x0..x1 {
            for c in 0..3 {
                acc[c] += rgb[(y * w + x) * 3 + c] as f64;
            }
            n += 1.0;
        }
    }
    acc.map(|a| a / n)
}

/// The frames the `ffmpeg` program decodes from `path` with every error fatal
/// (`-err_detect explode -xerror`), or what it said: a decoder from outside this process.
pub fn ffmpeg_frame_count(path: &Path) -> Result<u64, String> {
    let out = std::process::Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-v",
            "error",
            "-err_detect",
            "explode",
            "-xerror",
            "-i",
        ])
        .arg(path)
        .args(["-map", "0:v:0", "-f", "framecrc", "-"])
        .output()
        .map_err(|e| format!("cannot run ffmpeg: {e}"))?;
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !err.trim().is_empty() {
        return Err(format!("ffmpeg: {:?}: {err}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count() as u64)
}

/// The top-level boxes of an MP4: kind, start and declared size.
pub fn mp4_boxes(b: &[u8]) -> Vec<(String, usize, usize)> {
    let mut boxes = Vec::new();
    let mut i = 0;
    while i + 8 <= b.len() {
        let size = u32::from_be_bytes(b[i..i + 4].try_into().unwrap()) as usize;
        boxes.push((
            String::from_utf8_lossy(&b[i + 4..i + 8]).to_string(),
            i,
            size,
        ));
        if size < 8 {
            break;
        }
        i += size;
    }
    boxes
}

/// [`ffmpeg_frame_count`] of many files, with one `ffmpeg` run for each 50 of them (each
/// run costs far more than decoding a small file); a run that fails is repeated file by
/// file, to say which.
pub fn ffmpeg_frame_counts(paths: &[PathBuf]) -> Vec<Result<u64, String>> {
    let mut counts = Vec::new();
    for chunk in paths.chunks(50) {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = std::process::Command::new("ffmpeg");
        cmd.args([
            "-nostdin",
            "-v",
            "error",
            "-err_detect",
            "explode",
            "-xerror",
        ]);
        for p in chunk {
            cmd.arg("-i").arg(p);
        }
        for i in 0..chunk.len() {
            cmd.args(["-map", &format!("{i}:v:0"), "-f", "framecrc"])
                .arg(dir.path().join(format!("{i}.crc")));
        }
        let out = cmd.output().unwrap();
        if !out.status.success() || !out.stderr.is_empty() {
            counts.extend(chunk.iter().map(|p| ffmpeg_frame_count(p)));
            continue;
        }
        for i in 0..chunk.len() {
            let text = std::fs::read_to_string(dir.path().join(format!("{i}.crc"))).unwrap();
            counts.push(Ok(text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .count() as u64));
        }
    }
    counts
}
