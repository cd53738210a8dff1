//! The C library of encode-native: `libencode_native.so` / `libencode_native.a` and the
//! header `include/encode_native.h`, which cbindgen generates from this crate (a test checks
//! that the checked-in header is up to date).
//!
//! Every exported function runs inside [`status::status`] / [`status::pointer`] /
//! [`status::quiet`]: panics are caught, failures become a status and a per-thread message.
//! Handles are keys into tables ([`table`]), never dereferenced: a bad handle is an error.

mod output;
mod status;
mod table;

use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::OnceLock;

use native::{
    AudioSamples, Destination, EncoderConfig, Frame, FrameRate, MemoryBuffer, PixelFormat,
    SampleFormat, VideoWriter,
};

pub use output::{EnSeekFn, EnSeekWhence, EnWriteFn};
pub use status::EnStatus;

use output::Callbacks;
use status::{pointer, quiet, set_last_error, status, Failure};
use table::Table;

/// Encoder settings: size, frame rate and the settings `en_config_set` takes by name. Made by
/// `en_config_new`, freed by `en_config_free`. Opening a writer copies it, so it may be freed
/// or changed (and used for more writers) right after. Each call on a config is atomic: one
/// config may open writers on several threads at once.
pub struct EnConfig {
    _opaque: [u8; 0],
}

/// A video being written. Made by one of the `en_writer_open` functions; freed by exactly one
/// of `en_writer_finish`, `en_writer_finish_memory` or `en_writer_discard`, whatever they
/// return.
///
/// One writer is used by one thread at a time (a writer may move between threads); different
/// writers may be used on different threads at the same moment. A second thread calling with
/// a writer that another call is using at that moment gets `EN_ERR_INVALID_ARGUMENT`.
pub struct EnWriter {
    _opaque: [u8; 0],
}

/// What a finished video holds, filled by `en_writer_finish` and `en_writer_finish_memory`.
///
/// Set `size` to `sizeof(EnSummary)` before the call (`EnSummary s; s.size = sizeof s;`).
/// Later versions only add fields at the end; the library fills the fields of the size it is
/// given, so a program built against this header keeps working with a later library (a
/// program built before the `audio_` fields were added gets the fields up to `container`). A
/// `size` the library does not know is `EN_ERR_INVALID_ARGUMENT`, never a write past the
/// struct.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct EnSummary {
    /// Set by the caller: `sizeof(EnSummary)`.
    pub size: usize,
    /// Frames in the video.
    pub frames: u64,
    /// Bytes of the video file (or of the in-memory video, or written to the callbacks).
    pub bytes: u64,
    /// Playing time, in seconds.
    pub duration: f64,
    /// Width of the encoded picture (the frames' width, made even for yuv420p by odd_size).
    pub width: u32,
    /// Height of the encoded picture.
    pub height: u32,
    /// The coding format, as ffprobe names it ("h264", "mpeg4"), NUL-terminated.
    pub codec: [c_char; 16],
    /// The encoder that made it ("libx264", "mpeg4"), NUL-terminated.
    pub encoder: [c_char; 16],
    /// The container ("mp4", "mov", "mkv", "avi", "ts"), NUL-terminated.
    pub container: [c_char; 16],
    // The fields below were added with soundtracks; a caller whose `size` ends before them
    // (an older header) gets the fields above only.
    /// 1 when the video has a soundtrack (the `audio` or `sample_rate` setting), else 0 and
    /// the `audio_` fields below are 0 and "".
    pub has_audio: u32,
    /// Audio samples per second stored.
    pub audio_sample_rate: u32,
    /// Audio samples per channel stored (encoder priming that decoders drop is not counted;
    /// silence added to reach the video's length is).
    pub audio_samples: u64,
    /// Playing time of the soundtrack, in seconds.
    pub audio_duration: f64,
    /// Audio channels stored.
    pub audio_channels: u32,
    /// 1 when a file's audio was copied as it is, 0 when it was encoded (always 0 for
    /// samples pushed with `en_writer_push_audio`).
    pub audio_copied: u32,
    /// The audio coding format, as ffprobe names it ("aac", "opus", "flac", "pcm_s16le"),
    /// NUL-terminated.
    pub audio_codec: [c_char; 16],
    /// Frames pushed but left out because a shorter soundtrack had ended
    /// (`audio_length=shortest`); not counted in `frames`.
    pub frames_cut: u64,
    /// Frames dropped because the queue was full (`late_frames=drop`, a live push slower
    /// than real time); the frames after each kept their times.
    pub frames_dropped: u64,
}

/// The layout of audio samples given to `en_writer_push_audio`: one element per sample of one
/// channel, in the machine's byte order. Floats are full scale at -1.0 and 1.0 and must be
/// finite.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum EnSampleFormat {
    /// 32-bit float (`float`).
    EN_SAMPLE_F32 = 0,
    /// 16-bit signed integer (`int16_t`).
    EN_SAMPLE_I16 = 1,
    /// 32-bit signed integer (`int32_t`; 24-bit audio sits in the upper 24 bits).
    EN_SAMPLE_I32 = 2,
    /// 64-bit float (`double`).
    EN_SAMPLE_F64 = 3,
}

/// An `EnSampleFormat` as the functions receive it: the C type of the parameter, read as an
/// integer so that a value outside the enum is an error rather than undefined behaviour.
type SampleFormatArg = c_int;

static CONFIGS: Table<EncoderConfig> = Table::new("config", "by en_config_free");
static WRITERS: Table<Writer> = Table::new(
    "writer",
    "by en_writer_finish, en_writer_finish_memory or en_writer_discard",
);

/// A writer and what `en_writer_push` needs to read a frame from a bare pointer.
struct Writer {
    inner: VideoWriter,
    /// Where an in-memory writer's video is (only `en_writer_open_memory`).
    memory: Option<MemoryBuffer>,
    width: u32,
    height: u32,
    format: PixelFormat,
}

impl Writer {
    /// Reads one frame of the writer's size and format from `data` rows of `stride` bytes.
    ///
    /// # Safety
    /// `data` is NULL or points to at least `stride * (height - 1) + width * bytes per pixel`
    /// readable bytes (the whole tightly packed planes for planar YUV).
    unsafe fn push(
        &mut self,
        data: *const u8,
        stride: usize,
        pts: Option<i64>,
    ) -> Result<(), Failure> {
        let index = self.inner.frames_pushed();
        if data.is_null() {
            return Err(Failure::invalid(format!(
                "frame {index}: the pixel data is NULL"
            )));
        }
        let len = frame_bytes(self.width, self.height, self.format, stride, index)?;
        // SAFETY: `data` is not NULL, and the caller promises (en_writer_push's contract) that
        // it holds `len` readable bytes, which `frame_bytes` computed from the writer's size,
        // format and this stride; the slice is read during `push` only and not kept.
        let pixels = unsafe { std::slice::from_raw_parts(data, len) };
        let frame = Frame::with_stride(self.width, self.height, self.format, stride, pixels);
        match pts {
            None => self.inner.push(frame)?,
            Some(pts) => self.inner.push_at(frame, pts)?,
        }
        Ok(())
    }
}

impl Writer {
    /// Pushes `n_samples` samples per channel of `channels` channels from `samples`,
    /// interleaved or planar.
    ///
    /// # Safety
    /// `samples` is NULL or holds `n_samples * channels` readable samples of `format`.
    unsafe fn push_audio(
        &mut self,
        samples: *const c_void,
        n_samples: usize,
        format: SampleFormatArg,
        channels: u32,
        planar: bool,
    ) -> Result<(), Failure> {
        let format = sample_format(format)?;
        let len = audio_bytes(n_samples, format, channels)?;
        if samples.is_null() {
            return Err(Failure::invalid("the audio samples are NULL"));
        }
        let channels = u16::try_from(channels).expect("audio_bytes checked the channels");
        // SAFETY: not NULL, and the caller promises (en_writer_push_audio's contract) that it
        // holds `n_samples * channels` samples of `format`, which is `len` bytes as
        // `audio_bytes` computed without overflow; u8 needs no alignment; the slice is read
        // during `push_audio` only (the library copies it) and not kept.
        let bytes = unsafe { std::slice::from_raw_parts(samples.cast::<u8>(), len) };
        self.inner
            .push_audio(AudioSamples::from_bytes(bytes, format, channels, planar))?;
        Ok(())
    }
}

/// The sample format a C caller gave, or the error that lists the ones there are.
fn sample_format(format: SampleFormatArg) -> Result<SampleFormat, Failure> {
    const F32: c_int = EnSampleFormat::EN_SAMPLE_F32 as c_int;
    const I16: c_int = EnSampleFormat::EN_SAMPLE_I16 as c_int;
    const I32: c_int = EnSampleFormat::EN_SAMPLE_I32 as c_int;
    const F64: c_int = EnSampleFormat::EN_SAMPLE_F64 as c_int;
    match format {
        F32 => Ok(SampleFormat::F32),
        I16 => Ok(SampleFormat::I16),
        I32 => Ok(SampleFormat::I32),
        F64 => Ok(SampleFormat::F64),
        other => Err(Failure::invalid(format!(
            "the sample format {other} is not an EnSampleFormat: EN_SAMPLE_F32 ({F32}), EN_SAMPLE_I16 ({I16}), EN_SAMPLE_I32 ({I32}) or EN_SAMPLE_F64 ({F64})"
        ))),
    }
}

/// The bytes `n_samples` samples per channel of `channels` channels of `format` cover, or the
/// error for a count of channels no soundtrack has or a size that does not fit in memory
/// (checked before any byte is read).
fn audio_bytes(n_samples: usize, format: SampleFormat, channels: u32) -> Result<usize, Failure> {
    if channels == 0 || channels > u32::from(u16::MAX) {
        return Err(Failure::invalid(format!(
            "{channels} audio channels: a soundtrack has 1 to 8 (its `channels` setting)"
        )));
    }
    usize::try_from(channels)
        .ok()
        .and_then(|c| n_samples.checked_mul(c))
        .and_then(|n| n.checked_mul(format.bytes()))
        .filter(|&len| len <= isize::MAX as usize)
        .ok_or_else(|| {
            Failure::invalid(format!(
                "{n_samples} samples per channel x {channels} channels x {} bytes does not fit in memory",
                format.bytes()
            ))
        })
}

/// The bytes a frame of rows `stride` bytes apart covers, or the error for a stride that
/// cannot hold a row (checked before any byte is read).
fn frame_bytes(
    width: u32,
    height: u32,
    format: PixelFormat,
    stride: usize,
    index: u64,
) -> Result<usize, Failure> {
    // The library's own check, so C gets the same words as Rust and Python.
    format
        .frame_bytes(width, height, stride, index)
        .map_err(Failure::from)
}

/// A C string argument as UTF-8.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that stays valid for `'a`.
unsafe fn c_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Failure> {
    if p.is_null() {
        return Err(Failure::invalid(format!("the {what} is NULL")));
    }
    // SAFETY: not NULL, and NUL-terminated and valid for 'a by the caller's promise.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str()
        .map_err(|_| Failure::invalid(format!("the {what} is not UTF-8: {}", s.to_string_lossy())))
}

/// The size of the first `EnSummary`, before the soundtrack's fields were added.
const SUMMARY_V1: usize = std::mem::offset_of!(EnSummary, has_audio);

/// Every size a released header has had, oldest first: a caller's struct of one of these
/// sizes gets the fields that fit in it.
const SUMMARY_SIZES: [usize; 2] = [SUMMARY_V1, std::mem::size_of::<EnSummary>()];

/// Where a summary goes: `None` for NULL, the pointer and the caller's `size` once it is one
/// this library fills.
///
/// # Safety
/// `summary` is NULL or points to a caller's `EnSummary` (of any version), whose `size` field
/// is readable.
unsafe fn summary_target(
    summary: *mut EnSummary,
) -> Result<Option<(*mut EnSummary, usize)>, Failure> {
    if summary.is_null() {
        return Ok(None);
    }
    if !summary.is_aligned() {
        return Err(Failure::invalid(format!(
            "the summary at {summary:p} is not aligned for an EnSummary"
        )));
    }
    // SAFETY: non-NULL and aligned; every version of EnSummary starts with `size`, which the
    // caller promises is readable.
    let size = unsafe { std::ptr::addr_of!((*summary).size).read() };
    if !SUMMARY_SIZES.contains(&size) {
        return Err(Failure::invalid(format!(
            "the summary's size is {size}, not sizeof(EnSummary) = {}: set summary.size = sizeof(EnSummary) before the call",
            std::mem::size_of::<EnSummary>()
        )));
    }
    Ok(Some((summary, size)))
}

/// The C summary of `s`, every field filled.
fn c_summary(s: &native::Summary) -> EnSummary {
    let mut out = EnSummary {
        size: std::mem::size_of::<EnSummary>(),
        frames: s.frames,
        bytes: s.bytes,
        duration: s.duration.as_secs_f64(),
        width: s.width,
        height: s.height,
        codec: [0; 16],
        encoder: [0; 16],
        container: [0; 16],
        has_audio: 0,
        audio_sample_rate: 0,
        audio_samples: 0,
        audio_duration: 0.0,
        audio_channels: 0,
        audio_copied: 0,
        audio_codec: [0; 16],
        frames_cut: s.frames_cut,
        frames_dropped: s.frames_dropped,
    };
    copy_name(&mut out.codec, s.codec.name());
    copy_name(&mut out.encoder, s.encoder.name());
    copy_name(&mut out.container, s.container.name());
    if let Some(a) = &s.audio {
        out.has_audio = 1;
        out.audio_sample_rate = a.sample_rate;
        out.audio_samples = a.samples;
        out.audio_duration = a.duration.as_secs_f64();
        out.audio_channels = u32::from(a.channels);
        out.audio_copied = u32::from(a.encoder.is_none());
        copy_name(&mut out.audio_codec, &a.codec);
    }
    out
}

/// Fills `target` (from [`summary_target`]) with `s`: the fields its size holds, and its
/// `size` left as the caller set it.
///
/// # Safety
/// `target` came from `summary_target` on a caller's struct that is still valid and writable
/// for its `size` bytes.
unsafe fn fill_summary(target: Option<(*mut EnSummary, usize)>, s: &native::Summary) {
    let Some((target, size)) = target else { return };
    let mut out = c_summary(s);
    out.size = size;
    // SAFETY: `summary_target` checked that the pointer is non-NULL and aligned and that
    // `size` is one of this library's sizes, all at most size_of::<EnSummary>() and each the
    // offset of a field (so only whole fields are copied); the caller promises that its
    // struct is writable for `size` bytes, and `out` is a different object.
    unsafe {
        std::ptr::copy_nonoverlapping(
            std::ptr::addr_of!(out).cast::<u8>(),
            target.cast::<u8>(),
            size,
        )
    };
}

/// Copies `name` into a NUL-terminated field, cut to fit.
fn copy_name<const N: usize>(field: &mut [c_char; N], name: &str) {
    for (d, s) in field.iter_mut().zip(name.bytes().take(N - 1)) {
        *d = s as c_char;
    }
}

fn writer_key(writer: *mut EnWriter) -> usize {
    writer as usize
}

fn config_key(config: *const EnConfig) -> usize {
    config as usize
}

/// Opens a writer on a copy of `config`; `destination` makes the output (after the config
/// handle is checked).
fn open(
    config: *const EnConfig,
    destination: impl FnOnce() -> Result<(Destination, Option<MemoryBuffer>), Failure>,
) -> Result<*mut EnWriter, Failure> {
    let config = CONFIGS.with_locked(config_key(config), |c| c.clone())?;
    let (destination, memory) = destination()?;
    let (width, height, format) = (config.width, config.height, config.input_format);
    let inner = VideoWriter::open(config, destination)?;
    let key = WRITERS.insert(Writer {
        inner,
        memory,
        width,
        height,
        format,
    })?;
    Ok(key as *mut EnWriter)
}

// ---------------------------------------------------------------------------------------------
// Settings

/// Makes encoder settings for `width` x `height` frames at `fps_num`/`fps_den` frames per
/// second (30/1, 30000/1001, 25/2), with the defaults: rgb24 frames in, H.264 yuv420p crf 23
/// out, MP4 (or the container the file name says).
///
/// Returns NULL (and sets `en_last_error()`) for a zero or too large size, or a frame rate
/// that is not positive. Free it with `en_config_free`.
#[no_mangle]
pub extern "C" fn en_config_new(
    width: u32,
    height: u32,
    fps_num: i32,
    fps_den: i32,
) -> *mut EnConfig {
    pointer(|| {
        let config = EncoderConfig::new(width, height, FrameRate::new(fps_num, fps_den));
        config.validate()?;
        Ok(CONFIGS.insert(config)? as *mut EnConfig)
    })
}

/// Sets one setting by name, from text: the keys of the Rust library's `EncoderConfig::set`,
/// which are the command line's long options with `_` ("crf", "preset", "in_pix_fmt",
/// "pix_fmt", "codec", "format", "time_base", "x264_params", ...; `en_config_keys()` lists
/// them). The value is checked as far as it can be alone; the whole is checked when a writer
/// opens.
///
/// Returns `EN_OK`, `EN_ERR_CONFIG` for an unknown key (the message names close matches) or a
/// bad value, or `EN_ERR_INVALID_ARGUMENT` for a NULL or unknown config, or a NULL or
/// non-UTF-8 key or value.
///
/// # Safety
/// `key` and `value` are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn en_config_set(
    config: *mut EnConfig,
    key: *const c_char,
    value: *const c_char,
) -> c_int {
    status(|| {
        // SAFETY: the caller promises NULL or NUL-terminated strings, used during this call only.
        let (key, value) = unsafe { (c_str(key, "key")?, c_str(value, "value")?) };
        CONFIGS.with_locked(config_key(config), |c| c.set(key, value))??;
        Ok(())
    })
}

/// Applies ffmpeg's output flags, the words that follow `-i` on its command line: for
/// `{"-c:v", "libx264", "-crf", "18", "-movflags", "+faststart"}` the codec, the crf and
/// faststart. This is the Rust library's `EncoderConfig::apply_ffmpeg_args`, shared with the
/// Python layers: flags with a setting map to it (`-r`, `-s`, `-c:v`/`-vcodec`, `-preset`,
/// `-tune`, `-profile:v`, `-crf`, `-b:v` with k/M/G, `-qscale:v`, `-qp`, `-x264-params`,
/// `-pix_fmt`, `-g`, `-f`, `-movflags`, `-color_range`, `-colorspace`, `-threads`), a few
/// encoder options pass by name (`-bf`, `-refs`, `-maxrate`, `-bufsize`, ...), and `-y`,
/// `-loglevel`, `-v`, `-hide_banner`, `-nostdin`, `-nostats`, `-an` are accepted with no
/// effect (only ffmpeg's own process reads them). An output `-r` is the frame rate the frames
/// pushed are shown at and `-s` their size: nothing is converted or scaled.
///
/// Returns `EN_OK`, `EN_ERR_CONFIG` for a flag with no equivalent (the message names it and
/// lists the supported flags), a flag missing its value or a value its setting does not take
/// (then the config is unchanged), or `EN_ERR_INVALID_ARGUMENT` for a NULL or unknown config,
/// a NULL `argv` with a non-zero `argc`, or a NULL or non-UTF-8 argument.
///
/// # Safety
/// `argv` is NULL (with `argc` 0) or points to `argc` pointers, each NULL or a NUL-terminated
/// string.
#[no_mangle]
pub unsafe extern "C" fn en_config_apply_ffmpeg_args(
    config: *mut EnConfig,
    argv: *const *const c_char,
    argc: usize,
) -> c_int {
    status(|| {
        let mut args = Vec::with_capacity(argc.min(1024));
        if argc > 0 {
            if argv.is_null() {
                return Err(Failure::invalid(format!("argv is NULL with argc {argc}")));
            }
            if !argv.is_aligned()
                || argc > isize::MAX as usize / std::mem::size_of::<*const c_char>()
            {
                return Err(Failure::invalid(format!(
                    "argv at {argv:p} with argc {argc} is not an array of pointers"
                )));
            }
            // SAFETY: not NULL, aligned, and of a size that fits; the caller promises `argc`
            // readable pointers, read during this call only.
            let pointers = unsafe { std::slice::from_raw_parts(argv, argc) };
            for (i, &p) in pointers.iter().enumerate() {
                // SAFETY: the caller promises each pointer is NULL or a NUL-terminated string,
                // used during this call only.
                args.push(unsafe { c_str(p, &format!("argument {i} of argv")) }?);
            }
        }
        CONFIGS.with_locked(config_key(config), |c| c.apply_ffmpeg_args(&args))??;
        Ok(())
    })
}

/// Frees settings made by `en_config_new`. NULL is ignored; a handle that is not an open
/// config is ignored too (and says so in `en_last_error()`).
#[no_mangle]
pub extern "C" fn en_config_free(config: *mut EnConfig) {
    quiet(|| {
        if !config.is_null() {
            CONFIGS.remove(config_key(config))?;
        }
        Ok(())
    })
}

/// Every setting's key and its one-line description, built once.
struct KeyTable {
    /// The keys, then NULL, as C reads them.
    keys: Vec<*const c_char>,
    /// Each key's description, in the same order.
    help: Vec<&'static CStr>,
}

// SAFETY: the pointers point into strings leaked once, never changed or freed; the table is
// only read after it is built.
unsafe impl Sync for KeyTable {}
// SAFETY: as for Sync: the pointed-to strings are immutable and live for the whole process.
unsafe impl Send for KeyTable {}

fn key_table() -> &'static KeyTable {
    static TABLE: OnceLock<KeyTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let leak = |s: String| -> &'static CStr {
            let c = std::ffi::CString::new(s.replace('\0', " ")).unwrap_or_default();
            Box::leak(c.into_boxed_c_str())
        };
        let settings = EncoderConfig::settings();
        let mut keys: Vec<*const c_char> = settings
            .iter()
            .map(|s| leak(s.key.to_string()).as_ptr())
            .collect();
        keys.push(std::ptr::null());
        let help = settings.iter().map(|s| leak(s.describe())).collect();
        KeyTable { keys, help }
    })
}

/// Every key `en_config_set` takes, as a NULL-terminated array of strings. The array and its
/// strings are static: never free or change them.
///
/// ```c
/// for (const char *const *k = en_config_keys(); *k; k++) puts(*k);
/// ```
#[no_mangle]
pub extern "C" fn en_config_keys() -> *const *const c_char {
    std::panic::catch_unwind(|| key_table().keys.as_ptr()).unwrap_or(std::ptr::null())
}

/// One row of the encoder table (`en_encoders`): what `en_config_set(cfg, "codec", name)`
/// chooses, and the numbers a caller maps its own quality or speed onto. Every string and
/// array is static: never free or change them.
#[repr(C)]
pub struct EnEncoderInfo {
    /// The encoder's name ("libx264", "libsvtav1", ...).
    pub name: *const c_char,
    /// The coding format it writes ("h264", "av1", ...).
    pub codec: *const c_char,
    /// 1 when the linked FFmpeg has this encoder, 0 when not.
    pub available: c_int,
    /// The setting that carries its quality ("crf" or "qscale"), or NULL where quality is not
    /// a number (lossless and palette encoders).
    pub quality_key: *const c_char,
    /// The best value on that scale (the larger for libwebp, whose quality runs 0 to 100).
    pub quality_best: f64,
    /// The worst value on that scale.
    pub quality_worst: f64,
    /// The encoder's default on that scale, or NaN where another setting decides.
    pub quality_default: f64,
    /// The named presets its "preset" setting takes, fastest first, then NULL (only NULL
    /// where presets are numbers or there are none).
    pub presets: *const *const c_char,
    /// The containers it goes in ("mp4", "mkv", ...), then NULL.
    pub containers: *const *const c_char,
}

/// The encoder table, built once.
struct EncoderTable {
    rows: Vec<EnEncoderInfo>,
}

// SAFETY: every pointer in the rows points into strings and arrays leaked once, never changed
// or freed; the table is only read after it is built.
unsafe impl Sync for EncoderTable {}
// SAFETY: as above: nothing in it is tied to a thread.
unsafe impl Send for EncoderTable {}

fn encoder_table() -> &'static EncoderTable {
    static TABLE: OnceLock<EncoderTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let text = |s: &str| -> *const c_char {
            let c = std::ffi::CString::new(s.replace('\0', " ")).unwrap_or_default();
            Box::leak(c.into_boxed_c_str()).as_ptr()
        };
        let list = |items: Vec<&str>| -> *const *const c_char {
            let mut v: Vec<*const c_char> = items.into_iter().map(text).collect();
            v.push(std::ptr::null());
            Box::leak(v.into_boxed_slice()).as_ptr()
        };
        let linked = native::info::library_info().encoders;
        let rows = native::Encoder::ALL
            .iter()
            .map(|e| {
                let info = e.info();
                let q = info.quality;
                EnEncoderInfo {
                    name: text(e.name()),
                    codec: text(info.codec.name()),
                    available: c_int::from(linked.iter().any(|(l, ok)| l == e && *ok)),
                    quality_key: q.map_or(std::ptr::null(), |q| text(q.key)),
                    quality_best: q.map_or(f64::NAN, |q| q.best),
                    quality_worst: q.map_or(f64::NAN, |q| q.worst),
                    quality_default: q.and_then(|q| q.default).unwrap_or(f64::NAN),
                    presets: list(info.presets.to_vec()),
                    containers: list(info.containers.iter().map(|c| c.name()).collect()),
                }
            })
            .collect();
        EncoderTable { rows }
    })
}

/// The encoder table: `*count` receives the number of rows (when `count` is not NULL). The
/// rows are static: never free or change them. NULL (and `*count` 0) only if building the
/// table failed, which `en_last_error()` then says.
///
/// ```c
/// size_t n;
/// const EnEncoderInfo *e = en_encoders(&n);
/// for (size_t i = 0; i < n; i++)
///     if (e[i].quality_key) printf("%s: %s %g..%g\n", e[i].name, e[i].quality_key,
///                                  e[i].quality_best, e[i].quality_worst);
/// ```
///
/// # Safety
/// `count` is NULL or points to a `size_t` the function may write.
#[no_mangle]
pub unsafe extern "C" fn en_encoders(count: *mut usize) -> *const EnEncoderInfo {
    let table = std::panic::catch_unwind(encoder_table).ok();
    let (rows, n) = table.map_or((std::ptr::null(), 0), |t| (t.rows.as_ptr(), t.rows.len()));
    if rows.is_null() {
        set_last_error("building the encoder table failed");
    }
    if !count.is_null() {
        // SAFETY: the caller promises that a non-NULL `count` points to a writable size_t.
        unsafe { *count = n };
    }
    rows
}

/// One line that says what the setting `key` does, the values it takes and its default
/// (a static string: never free it). Aliases are accepted. NULL for an unknown key, with
/// `en_last_error()` naming close matches.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn en_config_key_help(key: *const c_char) -> *const c_char {
    pointer(|| {
        // SAFETY: the caller promises NULL or a NUL-terminated string, used during this call.
        let key = unsafe { c_str(key, "key") }?;
        let setting = EncoderConfig::setting(key)?;
        let index = EncoderConfig::settings()
            .iter()
            .position(|s| s.key == setting.key)
            .ok_or_else(|| Failure::invalid(format!("no description for '{key}'")))?;
        Ok(key_table().help[index].as_ptr().cast_mut())
    })
    .cast_const()
}

// ---------------------------------------------------------------------------------------------
// Writers

/// Opens a writer on the file `path` (created or replaced; the container comes from the
/// `format` setting or the extension: .mp4, .mov, .mkv, .avi, .ts). The file is written
/// crash-safely: to `<path>.partial`, renamed to `path` when the writer finishes; after an
/// error of the encoder, or `en_writer_keep_partial`, the partial file stays and `path` is
/// left as it was. A symbolic link is followed: the file it points to is replaced, in its
/// folder, keeping its permission bits. A file that cannot be opened for writing (its mode,
/// an immutable file, a read-only file system) is refused here with the system's error, as
/// is a `<path>.finishing` left by a run stopped while finishing (never removed).
///
/// Returns NULL (and sets `en_last_error()`) for a NULL or unknown config, a NULL or empty
/// path, invalid settings, or an output that cannot be created.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string (bytes of a file name; UTF-8 is not required on
/// Unix).
#[no_mangle]
pub unsafe extern "C" fn en_writer_open(
    config: *const EnConfig,
    path: *const c_char,
) -> *mut EnWriter {
    pointer(|| {
        if path.is_null() {
            return Err(Failure::invalid("the path is NULL"));
        }
        // SAFETY: not NULL, and NUL-terminated by the caller's promise; copied below.
        let bytes = unsafe { CStr::from_ptr(path) }.to_bytes();
        if bytes.is_empty() {
            return Err(Failure::invalid("the path is empty"));
        }
        let path = path_from_bytes(bytes)?;
        open(config, || Ok((Destination::path(path), None)))
    })
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> Result<std::path::PathBuf, Failure> {
    use std::os::unix::ffi::OsStrExt;
    Ok(std::ffi::OsStr::from_bytes(bytes).into())
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> Result<std::path::PathBuf, Failure> {
    std::str::from_utf8(bytes)
        .map(Into::into)
        .map_err(|_| Failure::invalid("the path is not UTF-8"))
}

/// Opens a writer into memory: an MP4 (unless the `format` setting says otherwise) with its
/// index at the front, so it plays while it downloads. `en_writer_finish_memory` returns the
/// bytes. NULL on failure, as `en_writer_open`.
#[no_mangle]
pub extern "C" fn en_writer_open_memory(config: *const EnConfig) -> *mut EnWriter {
    pointer(|| {
        open(config, || {
            let buffer = MemoryBuffer::new();
            Ok((Destination::Memory(buffer.clone()), Some(buffer)))
        })
    })
}

/// Opens a writer on the caller's own output: `write_fn` receives the bytes in order;
/// `seek_fn` moves the position (the container writes its index at the end and goes back to
/// fix sizes). With `seek_fn` NULL the output is a stream: MP4 becomes fragmented MP4 (a
/// fragment every second unless the `fragmented` setting says otherwise), which plays as it
/// arrives; Matroska and MPEG-TS stream as they are; AVI is refused.
///
/// The callbacks are called on the writer's encoder thread, not on the thread that pushes:
/// for one writer never two at once, and never after `en_writer_finish` (or a failed open)
/// has returned. `user_data` is passed to them as it is. They must not throw C++ exceptions
/// or `longjmp` out.
///
/// Returns NULL (and sets `en_last_error()`) for a NULL `write_fn`, a NULL or unknown config,
/// invalid settings, or a failure writing the header.
///
/// # Safety
/// `write_fn` and `seek_fn` (if not NULL) follow `EnWriteFn` and `EnSeekFn`, and they and
/// `user_data` may be used from another thread until the writer is finished.
#[no_mangle]
pub unsafe extern "C" fn en_writer_open_callback(
    config: *const EnConfig,
    write_fn: EnWriteFn,
    seek_fn: EnSeekFn,
    user_data: *mut c_void,
) -> *mut EnWriter {
    pointer(|| {
        let Some(write) = write_fn else {
            return Err(Failure::invalid("the write callback is NULL"));
        };
        open(config, || {
            let callbacks = Callbacks {
                write,
                seek: seek_fn,
                user_data,
            };
            let destination = match seek_fn {
                Some(_) => Destination::seekable(callbacks),
                None => Destination::stream(callbacks),
            };
            Ok((destination, None))
        })
    })
}

/// Pushes one frame shown one frame period after the previous one: `height` rows of `stride`
/// bytes from `data`, in the pixel format of the `in_pix_fmt` setting (rgb24 unless set).
/// The pixels are read during the call only: the memory may be reused as soon as it returns.
/// Waits while the writer's queue is full.
///
/// `data` must hold `stride * (height - 1) + width * bytes per pixel` bytes; `stride` is at
/// least a row (`width * bytes per pixel`). Planar yuv420p / yuv444p frames are tightly packed
/// planes: `stride` is `width`.
///
/// Returns `EN_OK`; `EN_ERR_FRAME` for a stride too short for a row (or a writer configured
/// with `time_base`, which takes `en_writer_push_at`): the frame is not taken and the writer
/// goes on; `EN_ERR_INVALID_ARGUMENT` for NULL data or a writer that is not open;
/// `EN_ERR_ENCODER` / `EN_ERR_IO` when encoding or writing failed (then `en_writer_finish`
/// still writes what was encoded, and reports the error again).
///
/// # Safety
/// `data` is NULL or holds the bytes said above, readable during the call.
#[no_mangle]
pub unsafe extern "C" fn en_writer_push(
    writer: *mut EnWriter,
    data: *const u8,
    stride: usize,
) -> c_int {
    status(|| {
        // SAFETY: the caller's promise on `data` is `Writer::push`'s.
        WRITERS.with(writer_key(writer), |w| unsafe {
            w.push(data, stride, None)
        })?
    })
}

/// Pushes one frame shown at `pts`, in units of the `time_base` setting (which a writer must
/// have for this: `en_config_set(cfg, "time_base", "1/1000")` for milliseconds). Timestamps
/// must strictly increase. Otherwise as `en_writer_push`; a timestamp that is negative, not
/// after the previous one, or too large for the container is `EN_ERR_FRAME`.
///
/// # Safety
/// As `en_writer_push`.
#[no_mangle]
pub unsafe extern "C" fn en_writer_push_at(
    writer: *mut EnWriter,
    data: *const u8,
    stride: usize,
    pts: i64,
) -> c_int {
    status(|| {
        // SAFETY: the caller's promise on `data` is `Writer::push`'s.
        WRITERS.with(writer_key(writer), |w| unsafe {
            w.push(data, stride, Some(pts))
        })?
    })
}

/// Pushes audio samples for the video's soundtrack, interleaved: `n_samples` samples per
/// channel, each made of `channels` values one after the other (`L R L R ...` for stereo), of
/// `format`. The writer must have a soundtrack of pushed samples: the `sample_rate` setting
/// without an `audio` file (`en_config_set(cfg, "sample_rate", "48000")`, and `channels`,
/// 2 unless set, which `channels` here must equal). The samples are copied during the call:
/// the memory may be reused as soon as it returns.
///
/// The samples' time comes from their count, not from the frames: the first 48000 samples at
/// 48 kHz are the first second of the video, however audio and frame pushes alternate and
/// whatever their sizes. With the `audio_length` setting `video` (the default), a soundtrack
/// longer than the video is cut at its end and a shorter one padded with silence. The audio
/// encoder is the `audio_codec` setting (the container's default otherwise: aac for MP4, MOV,
/// MKV and MPEG-TS, libopus for WebM, libmp3lame for AVI); `pcm_s16le` with `EN_SAMPLE_I16`,
/// `pcm_f32le` with `EN_SAMPLE_F32` and `flac` keep the samples exactly.
///
/// `n_samples` 0 pushes nothing and returns `EN_OK`.
///
/// Returns `EN_OK`; `EN_ERR_FRAME` when the samples do not fit the soundtrack (another number
/// of channels than its `channels` setting, a float that is NaN or infinite, or a writer with
/// no soundtrack of pushed samples): they are not taken and the writer goes on;
/// `EN_ERR_INVALID_ARGUMENT` for a NULL `samples`, a `format` that is not an `EnSampleFormat`,
/// 0 channels, a size (`n_samples * channels * bytes per sample`) that does not fit in memory,
/// or a writer that is not open; `EN_ERR_ENCODER` / `EN_ERR_IO` when encoding or writing
/// failed, as for `en_writer_push`.
///
/// # Safety
/// `samples` is NULL or holds `n_samples * channels` values of `format`, readable during the
/// call (no alignment is required).
#[no_mangle]
pub unsafe extern "C" fn en_writer_push_audio(
    writer: *mut EnWriter,
    samples: *const c_void,
    n_samples: usize,
    format: SampleFormatArg,
    channels: u32,
) -> c_int {
    status(|| {
        // SAFETY: the caller's promise on `samples` is `Writer::push_audio`'s.
        WRITERS.with(writer_key(writer), |w| unsafe {
            w.push_audio(samples, n_samples, format, channels, false)
        })?
    })
}

/// Pushes audio samples as `en_writer_push_audio` does, but planar: `channels` runs of
/// `n_samples` values one after the other in the same buffer (every sample of the first
/// channel, then every sample of the second, ...). Otherwise the same, with the same results.
///
/// # Safety
/// As `en_writer_push_audio`.
#[no_mangle]
pub unsafe extern "C" fn en_writer_push_audio_planar(
    writer: *mut EnWriter,
    samples: *const c_void,
    n_samples: usize,
    format: SampleFormatArg,
    channels: u32,
) -> c_int {
    status(|| {
        // SAFETY: the caller's promise on `samples` is `Writer::push_audio`'s.
        WRITERS.with(writer_key(writer), |w| unsafe {
            w.push_audio(samples, n_samples, format, channels, true)
        })?
    })
}

/// Finishes the video: encodes every frame pushed, writes the container's index and, for a
/// file, renames `<path>.partial` to the path. Fills `summary` unless it is NULL (set
/// `summary->size = sizeof(EnSummary)` first).
///
/// Always frees the writer, whatever it returns (except for a handle that is not an open
/// writer, or one another thread is using at that moment: `EN_ERR_INVALID_ARGUMENT`, nothing
/// freed). A writer into memory has its bytes dropped: use `en_writer_finish_memory`.
///
/// Returns `EN_OK`, or the first error of the encode (`EN_ERR_ENCODER`, `EN_ERR_IO`: the
/// message says where the frames written so far are kept), or `EN_ERR_INVALID_ARGUMENT` for
/// a summary whose `size` is not set (the video is finished all the same).
///
/// # Safety
/// `summary` is NULL or points to a writable `EnSummary` whose `size` field is set.
#[no_mangle]
pub unsafe extern "C" fn en_writer_finish(writer: *mut EnWriter, summary: *mut EnSummary) -> c_int {
    status(|| {
        let w = WRITERS.remove(writer_key(writer))?;
        let s = w.inner.finish()?;
        // SAFETY: the caller's promise on `summary`.
        let target = unsafe { summary_target(summary) }?;
        // SAFETY: `target` came from `summary_target` on the caller's still valid struct.
        unsafe { fill_summary(target, &s) };
        Ok(())
    })
}

/// Finishes a writer from `en_writer_open_memory` (as `en_writer_finish`) and gives its video:
/// `*data` and `*len` receive the bytes, which the caller frees with `en_bytes_free(*data,
/// *len)`. An empty video gives NULL and 0.
///
/// Always frees the writer, as `en_writer_finish`. On any status but `EN_OK`, `*data` is NULL
/// and `*len` 0 (nothing to free): for a writer not opened into memory (finished into its
/// file or callbacks all the same), a NULL `data` or `len`, or a summary without its `size`
/// the video is finished and its bytes dropped, with `EN_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `data` and `len` are NULL or writable; `summary` as for `en_writer_finish`.
#[no_mangle]
pub unsafe extern "C" fn en_writer_finish_memory(
    writer: *mut EnWriter,
    data: *mut *mut u8,
    len: *mut usize,
    summary: *mut EnSummary,
) -> c_int {
    status(|| {
        // SAFETY: the caller promises that non-NULL `data` and `len` are writable.
        unsafe {
            if !data.is_null() {
                data.write(std::ptr::null_mut());
            }
            if !len.is_null() {
                len.write(0);
            }
        }
        let Writer { inner, memory, .. } = WRITERS.remove(writer_key(writer))?;
        let s = inner.finish()?;
        let Some(memory) = memory else {
            return Err(Failure::invalid(
                "en_writer_finish_memory: this writer was not opened with en_writer_open_memory; its video is finished into its file or callbacks (use en_writer_finish for those)",
            ));
        };
        let bytes = memory.take();
        if data.is_null() || len.is_null() {
            return Err(Failure::invalid(
                "en_writer_finish_memory: data or len is NULL; the video was finished and its bytes dropped",
            ));
        }
        // SAFETY: the caller's promise on `summary`.
        let target = unsafe { summary_target(summary) }?;
        // SAFETY: `target` came from `summary_target` on the caller's still valid struct.
        unsafe { fill_summary(target, &s) };
        let (ptr, n) = output::hand_out(bytes);
        // SAFETY: both checked non-NULL above, writable by the caller's promise.
        unsafe {
            data.write(ptr);
            len.write(n);
        }
        Ok(())
    })
}

/// Stops a writer without making a video: the encoder thread ends and a file destination is
/// left as it was (its partial file is removed). Other destinations get what was written so
/// far, finalized. Always frees the writer, as `en_writer_finish`.
#[no_mangle]
pub extern "C" fn en_writer_discard(writer: *mut EnWriter) -> c_int {
    status(|| {
        let w = WRITERS.remove(writer_key(writer))?;
        w.inner.discard()?;
        Ok(())
    })
}

/// Stops after a failure on the caller's side without replacing anything: every frame pushed
/// is encoded and the video finalized in its partial file (`<path>.partial`, beside the file
/// the path names once links are followed; it plays, and `encode-native recover` makes it
/// the video), and the file at the path, if any, is left as it was. With no frame pushed the
/// partial file is removed instead. A writer that is not on a file is finished as by
/// `en_writer_finish`. Always frees the writer, as `en_writer_finish`.
///
/// Returns `EN_OK` and fills `summary` (when not NULL; its `bytes` are the partial file's),
/// or the encode's first error (the message says where the frames written so far are kept).
///
/// # Safety
/// `summary` as for `en_writer_finish`.
#[no_mangle]
pub unsafe extern "C" fn en_writer_keep_partial(
    writer: *mut EnWriter,
    summary: *mut EnSummary,
) -> c_int {
    status(|| {
        let w = WRITERS.remove(writer_key(writer))?;
        let kept = w.inner.keep_partial()?;
        // SAFETY: the caller's promise on `summary`.
        let target = unsafe { summary_target(summary) }?;
        // SAFETY: `target` came from `summary_target` on the caller's still valid struct.
        unsafe { fill_summary(target, &kept.summary) };
        Ok(())
    })
}

/// Frees a video returned by `en_writer_finish_memory`, with the length it gave. NULL is
/// ignored; a pointer it did not give, one already freed, or a wrong length is ignored too
/// (nothing is freed; `en_last_error()` says so).
///
/// # Safety
/// None beyond passing what `en_writer_finish_memory` gave: other pointers are only compared.
#[no_mangle]
pub unsafe extern "C" fn en_bytes_free(data: *mut u8, len: usize) {
    quiet(|| {
        if data.is_null() {
            return Ok(());
        }
        output::take_back(data, len)
    })
}

// ---------------------------------------------------------------------------------------------
// Errors and version

/// The message of the last call on this thread that failed: what went wrong, the value and
/// what is allowed ("invalid crf 'x': a number from 0 to 51"). "" after a call that succeeded.
/// Never NULL. The string belongs to the library and stays valid until the next call into
/// the library on this thread: copy it to keep it.
#[no_mangle]
pub extern "C" fn en_last_error() -> *const c_char {
    std::panic::catch_unwind(status::last_error_ptr).unwrap_or(c"".as_ptr())
}

/// The version of encode-native, "MAJOR.MINOR.PATCH" (a static string).
#[no_mangle]
pub extern "C" fn en_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("the version has no NUL inside"),
        };
    VERSION.as_ptr()
}

#[cfg(test)]
mod tests;
