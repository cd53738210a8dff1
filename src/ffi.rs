//! The only module with `unsafe` code: the few FFmpeg calls that ffmpeg-next does not wrap.
//!
//! Every block states why it is sound. Everything else in the crate uses ffmpeg-next's safe API.
#![allow(unsafe_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::Once;

use ff::ffi as sys;
use ffmpeg_next as ff;

const CAPTURED_LINES: usize = 16;

thread_local! {
    /// FFmpeg's warning and error lines logged on this thread, newest last, at most
    /// `CAPTURED_LINES`; attached to the next error built on this thread.
    static CAPTURE: RefCell<VecDeque<String>> = const { RefCell::new(VecDeque::new()) };
}

/// Takes (and clears) the FFmpeg warning/error lines logged on this thread.
pub(crate) fn take_log_lines() -> Vec<String> {
    CAPTURE.with(|c| c.borrow_mut().drain(..).collect())
}

/// Forgets the lines logged on this thread so far.
pub(crate) fn clear_log_lines() {
    CAPTURE.with(|c| c.borrow_mut().clear());
}

/// Initialises FFmpeg once per process and routes its log through the `log` crate
/// (target `ffmpeg`), so nothing reaches stderr unless the application's logger prints it.
pub(crate) fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = ff::init();
        #[cfg(all(
            any(target_arch = "x86_64", target_arch = "aarch64"),
            not(target_os = "windows")
        ))]
        // SAFETY: `log_callback` has exactly the signature FFmpeg expects on this target, never
        // unwinds into C (it catches panics) and only reads the arguments FFmpeg passes it.
        unsafe {
            sys::av_log_set_callback(Some(log_callback));
        }
        #[cfg(not(all(
            any(target_arch = "x86_64", target_arch = "aarch64"),
            not(target_os = "windows")
        )))]
        ff::util::log::set_level(ff::util::log::Level::Quiet);
    });
}

fn map_level(level: c_int) -> log::Level {
    if level <= sys::AV_LOG_ERROR {
        log::Level::Error
    } else if level <= sys::AV_LOG_WARNING {
        log::Level::Warn
    } else if level <= sys::AV_LOG_INFO {
        log::Level::Info
    } else if level <= sys::AV_LOG_VERBOSE {
        log::Level::Debug
    } else {
        log::Level::Trace
    }
}

/// How FFmpeg's log callback receives its `va_list` on this target: a pointer to the
/// one-element array on x86-64 (System V), the structure itself on AArch64 (AAPCS64), as
/// bindgen declares `av_log_set_callback` and `av_log_format_line2` for each.
#[cfg(all(target_arch = "x86_64", not(target_os = "windows")))]
type LogArgs = *mut sys::__va_list_tag;
#[cfg(all(target_arch = "aarch64", not(target_os = "windows")))]
type LogArgs = sys::va_list;

#[cfg(all(
    any(target_arch = "x86_64", target_arch = "aarch64"),
    not(target_os = "windows")
))]
unsafe extern "C" fn log_callback(
    avcl: *mut c_void,
    level: c_int,
    fmt: *const c_char,
    vl: LogArgs,
) {
    let _ = std::panic::catch_unwind(|| {
        let lvl = map_level(level);
        let capture = level <= sys::AV_LOG_WARNING;
        if !capture && !log::log_enabled!(target: "ffmpeg", lvl) {
            return;
        }
        let mut buf = [0 as c_char; 1024];
        let mut prefix: c_int = 1;
        // SAFETY: `buf` is a writable buffer of the size passed; `avcl`, `fmt` and `vl` come
        // straight from FFmpeg for this one call and are consumed exactly once here.
        let n = unsafe {
            sys::av_log_format_line2(
                avcl,
                level,
                fmt,
                vl,
                buf.as_mut_ptr(),
                buf.len() as c_int,
                &mut prefix,
            )
        };
        if n < 0 {
            return;
        }
        // SAFETY: av_log_format_line2 always NUL-terminates within `buf`.
        let line = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy();
        let line = line.trim_end();
        if line.is_empty() {
            return;
        }
        if capture {
            CAPTURE.with(|c| {
                let mut c = c.borrow_mut();
                if c.len() == CAPTURED_LINES {
                    c.pop_front();
                }
                c.push_back(line.to_string());
            });
        }
        log::log!(target: "ffmpeg", lvl, "{line}");
    });
}

/// Opens `encoder` with `options` and returns it with the option names nobody used:
/// FFmpeg silently ignores an unknown or misspelt option, encode-native refuses it.
pub(crate) fn open_encoder(
    mut encoder: ff::encoder::video::Video,
    codec: ff::Codec,
    options: ff::Dictionary,
) -> Result<(ff::encoder::video::Encoder, Vec<String>), ff::Error> {
    // SAFETY: `disown` hands us the raw dictionary, which we pass on and take back below.
    let mut opts = unsafe { options.disown() };
    // SAFETY: the context is a valid, not yet opened codec context owned by `encoder`; `codec`
    // is a valid encoder; `opts` is a dictionary we own, which avcodec_open2 may replace.
    let res = unsafe { sys::avcodec_open2(encoder.as_mut_ptr(), codec.as_ptr(), &mut opts) };
    // SAFETY: `opts` is now the dictionary of unused options (or null), owned by us again.
    let left = unsafe { ff::Dictionary::own(opts) };
    let unused = left.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if res < 0 {
        return Err(ff::Error::from(res));
    }
    Ok((ff::encoder::video::Encoder(encoder), unused))
}

/// Makes libswscale convert with `matrix` (an `SWS_CS_*` value), full-range input, and
/// full- or limited-range output, so the pixels match the stream's colour tags.
pub(crate) fn set_sws_colorspace(
    ctx: &mut ff::software::scaling::Context,
    matrix: c_int,
    full_range_out: bool,
) -> Result<(), ff::Error> {
    // SAFETY: the scaler context is valid for the lifetime of `ctx`; sws_getCoefficients
    // returns a pointer to a static table for any colourspace value.
    let res = unsafe {
        let table = sys::sws_getCoefficients(matrix);
        sys::sws_setColorspaceDetails(
            ctx.as_mut_ptr(),
            table,
            1,
            table,
            full_range_out as c_int,
            0,
            1 << 16,
            1 << 16,
        )
    };
    if res < 0 {
        return Err(ff::Error::from(res));
    }
    Ok(())
}

/// Ensures the frame's buffers are not shared with the encoder before they are overwritten,
/// keeping their layout. Where the encoder still holds them (GIF keeps the previous frame to
/// compare the next with), new buffers are allocated exactly as the first ones were
/// (`av_frame_get_buffer` with 32-byte alignment, as `Video::new`), the picture and the
/// properties copied over, so that every frame an encoder gets has the same line sizes.
/// (`av_frame_make_writable` allocates with its own alignment instead, which on FFmpeg 7.1
/// and 9.0 gave longer lines than the first frame's. libavcodec's GIF encoder sizes its
/// remapping buffer once, from the first frame's line size, and writes past it for a later
/// frame with longer lines.)
pub(crate) fn make_writable(frame: &mut ff::frame::Video) -> Result<(), ff::Error> {
    // SAFETY: the frame is a valid AVFrame; av_frame_is_writable only reads its buffers'
    // reference counts.
    if unsafe { sys::av_frame_is_writable(frame.as_mut_ptr()) } != 0 {
        return Ok(());
    }
    let mut fresh = ff::frame::Video::new(frame.format(), frame.width(), frame.height());
    // SAFETY: `fresh` is a valid frame whose buffer reference is only read.
    if unsafe { (*fresh.as_ptr()).buf[0].is_null() } {
        return Err(ff::Error::Other {
            errno: ff::util::error::ENOMEM,
        });
    }
    // The padding past each line's end too is defined (encoders' SIMD code reads it), as in
    // the first frame (`av::zeroed_frame`).
    for plane in 0..fresh.planes() {
        fresh.data_mut(plane).fill(0);
    }
    // SAFETY: `frame` and `fresh` are valid frames of the same format and size, both with
    // buffers: av_frame_copy copies the picture (and a palette) between them,
    // av_frame_copy_props the properties.
    let res = unsafe {
        let res = sys::av_frame_copy(fresh.as_mut_ptr(), frame.as_ptr());
        if res < 0 {
            res
        } else {
            sys::av_frame_copy_props(fresh.as_mut_ptr(), frame.as_ptr())
        }
    };
    if res < 0 {
        return Err(ff::Error::from(res));
    }
    if (0..fresh.planes()).any(|i| fresh.stride(i) != frame.stride(i)) {
        return Err(ff::Error::Bug);
    }
    *frame = fresh;
    Ok(())
}

/// Sets the quality (a lambda, `qscale × FF_QP2LAMBDA`) a frame asks the encoder for. FFmpeg's
/// own encoders with a fixed quantiser (`+qscale`: mpeg4, mjpeg) take each frame's quality,
/// not the context's `global_quality` (the ffmpeg command copies one into the other for every
/// frame); a frame without one is coded at `qmin`, whatever the quantiser asked.
pub(crate) fn set_frame_quality(frame: &mut ff::frame::Video, lambda: i32) {
    // SAFETY: the frame is a valid AVFrame; `quality` is a plain int field.
    unsafe { (*frame.as_mut_ptr()).quality = lambda };
}

/// The three planes of a planar YUV frame, mutably and at once.
pub(crate) fn yuv_planes_mut(frame: &mut ff::frame::Video) -> [(&mut [u8], usize); 3] {
    let strides = [frame.stride(0), frame.stride(1), frame.stride(2)];
    let lens = [
        frame.data(0).len(),
        frame.data(1).len(),
        frame.data(2).len(),
    ];
    // SAFETY: a planar frame's three planes are disjoint regions (separate buffers from
    // av_frame_get_buffer) of exactly `lens[i]` bytes, valid while `frame` is borrowed mutably.
    unsafe {
        let f = frame.as_mut_ptr();
        let p = |i: usize| std::slice::from_raw_parts_mut((*f).data[i], lens[i]);
        [(p(0), strides[0]), (p(1), strides[1]), (p(2), strides[2])]
    }
}

/// Whether the named FFmpeg encoder exists in the linked libavcodec.
pub(crate) fn has_encoder(name: &str) -> bool {
    ff::encoder::find_by_name(name).is_some()
}

/// Whether the named muxer stores the named coding format (`h264`, `aac`, ...), as the linked
/// libavformat answers (`avformat_query_codec`): `None` where it cannot tell (a muxer with no
/// codec list and no check of its own), or the muxer or the format is unknown.
#[cfg(test)]
pub(crate) fn muxer_stores(muxer: &str, codec: &str) -> Option<bool> {
    let (m, c) = (CString::new(muxer).ok()?, CString::new(codec).ok()?);
    // SAFETY: `m` and `c` are valid NUL-terminated strings, only read; av_guess_format returns
    // a static muxer description or null, avcodec_descriptor_get_by_name a static descriptor
    // or null.
    let (format, descriptor) = unsafe {
        (
            sys::av_guess_format(m.as_ptr(), std::ptr::null(), std::ptr::null()),
            sys::avcodec_descriptor_get_by_name(c.as_ptr()),
        )
    };
    if format.is_null() || descriptor.is_null() {
        return None;
    }
    // SAFETY: both pointers are static libavformat/libavcodec data checked non-null above;
    // avformat_query_codec only reads the muxer description (compliance 0: normal).
    let answer = unsafe { sys::avformat_query_codec(format, (*descriptor).id, 0) };
    match answer {
        1 => Some(true),
        0 => Some(false),
        _ => None,
    }
}

/// Whether the named muxer exists in the linked libavformat.
pub(crate) fn has_muxer(name: &str) -> bool {
    let Ok(c) = CString::new(name) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string; av_guess_format only reads it.
    !unsafe { sys::av_guess_format(c.as_ptr(), std::ptr::null(), std::ptr::null()) }.is_null()
}

/// The libx264 build number the linked libavcodec reports through its configuration, if any.
pub(crate) fn avcodec_configuration() -> String {
    // SAFETY: avcodec_configuration returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(sys::avcodec_configuration()) }
        .to_string_lossy()
        .into_owned()
}

/// The linked FFmpeg's release (`av_version_info`: `7.1.5-1`, `n8.1.2`, ...).
pub(crate) fn ffmpeg_version() -> String {
    // SAFETY: av_version_info returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(sys::av_version_info()) }
        .to_string_lossy()
        .into_owned()
}

/// The `AVIOContext` position (bytes written so far, including what is still buffered).
pub(crate) fn output_position(octx: &mut ff::format::context::Output) -> i64 {
    // SAFETY: the output context is valid; `pb` is its open I/O context or null.
    unsafe {
        let pb = (*octx.as_mut_ptr()).pb;
        if pb.is_null() {
            0
        } else {
            sys::avio_seek(pb, 0, sys::SEEK_CUR)
        }
    }
}

/// Pushes what the muxer's I/O context holds in its buffer down to the file or stream.
pub(crate) fn flush_output(octx: &mut ff::format::context::Output) {
    // SAFETY: the output context is valid; `pb` is its open I/O context or null.
    unsafe {
        let pb = (*octx.as_mut_ptr()).pb;
        if !pb.is_null() {
            sys::avio_flush(pb);
        }
    }
}

/// Whether the named muxer wants codec headers out of band (MP4, MKV…), asked before any
/// output exists, so the encoder can be opened (and checked) before a file is created.
pub(crate) fn muxer_wants_global_header(name: &str) -> bool {
    let Ok(c) = CString::new(name) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string; av_guess_format returns null or a pointer
    // to a static muxer description, whose `flags` we only read.
    unsafe {
        let f = sys::av_guess_format(c.as_ptr(), std::ptr::null(), std::ptr::null());
        !f.is_null() && ((*f).flags & sys::AVFMT_GLOBALHEADER) != 0
    }
}

/// Sets the codec tag of a stream (0 lets the muxer choose, as for a stream copied from
/// another container).
pub(crate) fn set_codec_tag(octx: &mut ff::format::context::Output, index: usize, tag: u32) {
    // SAFETY: the output context is valid and `index` is one of its streams (checked below);
    // `codecpar` is allocated with every stream and only its `codec_tag` is written.
    unsafe {
        let ctx = octx.as_mut_ptr();
        if index < (*ctx).nb_streams as usize {
            let stream = *(*ctx).streams.add(index);
            (*(*stream).codecpar).codec_tag = tag;
        }
    }
}

/// The codec's out-of-band headers (SPS/PPS and the like) of a stream's parameters.
pub(crate) fn extradata(params: &ff::codec::Parameters) -> Vec<u8> {
    // SAFETY: `params` wraps a valid AVCodecParameters; `extradata` is null or points to
    // `extradata_size` readable bytes owned by it, which are copied out while it is borrowed.
    unsafe {
        let p = params.as_ptr();
        let (data, size) = ((*p).extradata, (*p).extradata_size);
        if data.is_null() || size <= 0 {
            Vec::new()
        } else {
            std::slice::from_raw_parts(data, size as usize).to_vec()
        }
    }
}

/// A stream's codec profile and pixel format (raw values), from its parameters.
pub(crate) fn profile_and_format(params: &ff::codec::Parameters) -> (i32, i32) {
    // SAFETY: `params` wraps a valid AVCodecParameters whose plain fields are read.
    unsafe {
        let p = params.as_ptr();
        ((*p).profile, (*p).format)
    }
}

/// Sets the 256-colour palette of a PAL8 frame (each entry `0xAARRGGBB`).
#[cfg(feature = "gif")]
pub(crate) fn set_palette(frame: &mut ff::frame::Video, palette: &[u32; 256]) {
    if frame.format() != ff::format::Pixel::PAL8 {
        return;
    }
    // SAFETY: a PAL8 frame allocated by av_frame_get_buffer has data[1] pointing to a palette
    // of AVPALETTE_SIZE (1024) bytes, 4-byte aligned, which nothing else borrows now.
    unsafe {
        let f = frame.as_mut_ptr();
        let dst = (*f).data[1] as *mut u32;
        if !dst.is_null() {
            std::ptr::copy_nonoverlapping(palette.as_ptr(), dst, 256);
        }
    }
}

/// libswresample: converts samples between formats, rates and channel counts.
pub(crate) struct Resampler {
    swr: *mut sys::SwrContext,
    out_format: ff::format::Sample,
    out_channels: u16,
}

// SAFETY: the context is used by one thread at a time (the encoder thread owns it) and
// libswresample keeps no thread-bound state.
unsafe impl Send for Resampler {}

/// The default channel layout of `channels` channels (mono, stereo, ..., 5.1, 7.1).
fn default_layout(channels: u16) -> sys::AVChannelLayout {
    // SAFETY: AVChannelLayout is a plain C struct for which all-zero is "unspecified";
    // av_channel_layout_default fills it for any channel count without allocating.
    unsafe {
        let mut layout: sys::AVChannelLayout = std::mem::zeroed();
        sys::av_channel_layout_default(&mut layout, c_int::from(channels));
        layout
    }
}

impl Resampler {
    /// A converter from `input` (format, rate, channels) to `output`.
    pub(crate) fn new(
        input: (ff::format::Sample, u32, u16),
        output: (ff::format::Sample, u32, u16),
    ) -> Result<Self, ff::Error> {
        let (mut in_layout, mut out_layout) = (default_layout(input.2), default_layout(output.2));
        let mut swr: *mut sys::SwrContext = std::ptr::null_mut();
        // SAFETY: both layouts are valid native layouts; swr_alloc_set_opts2 writes a new
        // context (or nothing) into `swr`, which is freed in Drop or below on failure.
        let res = unsafe {
            sys::swr_alloc_set_opts2(
                &mut swr,
                &mut out_layout,
                output.0.into(),
                output.1 as c_int,
                &mut in_layout,
                input.0.into(),
                input.1 as c_int,
                0,
                std::ptr::null_mut(),
            )
        };
        if res < 0 || swr.is_null() {
            return Err(ff::Error::from(res.min(-1)));
        }
        // SAFETY: `swr` is the valid context just allocated.
        let res = unsafe { sys::swr_init(swr) };
        if res < 0 {
            // SAFETY: `swr` is valid and not used after this.
            unsafe { sys::swr_free(&mut swr) };
            return Err(ff::Error::from(res));
        }
        Ok(Resampler {
            swr,
            out_format: output.0,
            out_channels: output.2,
        })
    }

    /// Bytes one sample takes in one output plane.
    fn out_step(&self) -> usize {
        let bytes = self.out_format.bytes();
        if self.out_format.is_planar() {
            bytes
        } else {
            bytes * usize::from(self.out_channels)
        }
    }

    /// Converts `samples` samples of `input` (one slice per plane: one for interleaved
    /// samples, one per channel for planar ones; each at least `samples` samples long), or
    /// flushes what the converter holds when `input` is empty; appends the result to `out`
    /// (one buffer per output plane) and returns how many samples were appended.
    pub(crate) fn convert(
        &mut self,
        input: &[&[u8]],
        samples: usize,
        out: &mut [Vec<u8>],
    ) -> Result<usize, ff::Error> {
        let planes = if self.out_format.is_planar() {
            usize::from(self.out_channels)
        } else {
            1
        };
        if out.len() != planes || input.len() > 64 {
            return Err(ff::Error::InvalidData);
        }
        let in_count = c_int::try_from(samples).map_err(|_| ff::Error::InvalidData)?;
        // SAFETY: `swr` is a valid, initialised context.
        let room = unsafe { sys::swr_get_out_samples(self.swr, in_count) };
        if room < 0 {
            return Err(ff::Error::from(room));
        }
        let room = room as usize + 16;
        let step = self.out_step();
        let mut out_ptrs: Vec<*mut u8> = Vec::with_capacity(planes);
        for buf in out.iter_mut() {
            buf.reserve(room * step);
            // SAFETY: `reserve` made room for `room * step` more bytes after `len`.
            out_ptrs.push(unsafe { buf.as_mut_ptr().add(buf.len()) });
        }
        let in_ptrs: Vec<*const u8> = input.iter().map(|p| p.as_ptr()).collect();
        // SAFETY: every output pointer has room for `room` samples (swr_get_out_samples's
        // bound for this input, plus a margin), every input plane holds `samples` samples
        // (the caller's promise, checked by it), and a null input with 0 samples flushes.
        let n = unsafe {
            sys::swr_convert(
                self.swr,
                out_ptrs.as_mut_ptr(),
                room as c_int,
                if input.is_empty() {
                    std::ptr::null_mut()
                } else {
                    in_ptrs.as_ptr() as *mut *const u8
                },
                if input.is_empty() { 0 } else { in_count },
            )
        };
        if n < 0 {
            return Err(ff::Error::from(n));
        }
        let n = n as usize;
        for buf in out.iter_mut() {
            // SAFETY: swr_convert wrote `n` samples (`n * step` bytes) into the reserved room.
            unsafe { buf.set_len(buf.len() + n * step) };
        }
        Ok(n)
    }
}

impl Drop for Resampler {
    fn drop(&mut self) {
        // SAFETY: `swr` is the context allocated in `new`, freed exactly once here.
        unsafe { sys::swr_free(&mut self.swr) };
    }
}

/// An audio frame of `samples` samples in `format` with `channels` channels at `rate`, with
/// its buffers allocated (contents undefined).
pub(crate) fn audio_frame(
    format: ff::format::Sample,
    samples: usize,
    channels: u16,
    rate: u32,
) -> Result<ff::frame::Audio, ff::Error> {
    let mut frame = ff::frame::Audio::empty();
    // SAFETY: `frame` owns a freshly allocated, empty AVFrame; its plain fields are set, its
    // layout set to a default native layout (no allocation), and av_frame_get_buffer allocates
    // its planes for exactly these parameters.
    let res = unsafe {
        let f = frame.as_mut_ptr();
        (*f).format = sys::AVSampleFormat::from(format) as c_int;
        (*f).nb_samples = c_int::try_from(samples).map_err(|_| ff::Error::InvalidData)?;
        (*f).sample_rate = rate as c_int;
        (*f).ch_layout = default_layout(channels);
        sys::av_frame_get_buffer(f, 0)
    };
    if res < 0 {
        return Err(ff::Error::from(res));
    }
    Ok(frame)
}

/// The planes of an audio frame, each cut to its samples' bytes.
pub(crate) fn audio_planes(frame: &ff::frame::Audio) -> Vec<&[u8]> {
    let (format, samples) = (frame.format(), frame.samples());
    let channels = audio_channels(frame);
    let (planes, step) = if format.is_planar() {
        (usize::from(channels), format.bytes())
    } else {
        (1, format.bytes() * usize::from(channels))
    };
    // SAFETY: a decoded or allocated audio frame has `planes` data pointers (extended_data
    // for more than 8), each with at least `samples * step` valid bytes.
    unsafe {
        let f = frame.as_ptr();
        (0..planes)
            .map(|i| {
                let p = *(*f).extended_data.add(i);
                if p.is_null() {
                    &[][..]
                } else {
                    std::slice::from_raw_parts(p, samples * step)
                }
            })
            .collect()
    }
}

/// The planes of an audio frame for writing, each cut to its samples' bytes.
pub(crate) fn audio_planes_mut(frame: &mut ff::frame::Audio) -> Vec<&mut [u8]> {
    let (format, samples) = (frame.format(), frame.samples());
    let channels = audio_channels(frame);
    let (planes, step) = if format.is_planar() {
        (usize::from(channels), format.bytes())
    } else {
        (1, format.bytes() * usize::from(channels))
    };
    // SAFETY: as in `audio_planes`; the planes are disjoint buffers and the frame is
    // borrowed mutably for as long as the slices live.
    unsafe {
        let f = frame.as_mut_ptr();
        (0..planes)
            .map(|i| {
                let p = *(*f).extended_data.add(i);
                if p.is_null() {
                    &mut [][..]
                } else {
                    std::slice::from_raw_parts_mut(p, samples * step)
                }
            })
            .collect()
    }
}

/// The channel count of an audio frame.
pub(crate) fn audio_channels(frame: &ff::frame::Audio) -> u16 {
    // SAFETY: plain field reads of a valid frame.
    let n = unsafe { (*frame.as_ptr()).ch_layout.nb_channels };
    u16::try_from(n).unwrap_or(0)
}

/// Opens the audio encoder `codec` for `channels` channels (the default layout) with the rest
/// of its parameters already set on `encoder`; returns it with the unused option names.
pub(crate) fn open_audio_encoder(
    mut encoder: ff::encoder::audio::Audio,
    codec: ff::Codec,
    channels: u16,
    options: ff::Dictionary,
) -> Result<(ff::encoder::audio::Encoder, Vec<String>), ff::Error> {
    // SAFETY: the context is valid and not yet opened; its layout is set to a native default
    // (no allocation) before avcodec_open2, which takes ownership of nothing else.
    unsafe {
        let ctx = encoder.as_mut_ptr();
        (*ctx).ch_layout = default_layout(channels);
    }
    // SAFETY: `disown` hands us the raw dictionary, which we pass on and take back below.
    let mut opts = unsafe { options.disown() };
    // SAFETY: a valid codec context and encoder; `opts` is ours, avcodec_open2 may replace it.
    let res = unsafe { sys::avcodec_open2(encoder.as_mut_ptr(), codec.as_ptr(), &mut opts) };
    // SAFETY: `opts` is now the dictionary of unused options (or null), owned by us again.
    let left = unsafe { ff::Dictionary::own(opts) };
    let unused = left.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if res < 0 {
        return Err(ff::Error::from(res));
    }
    Ok((ff::encoder::audio::Encoder(encoder), unused))
}

/// The encoder's delay in samples (priming the decoder drops) and its frame size (0: any).
pub(crate) fn audio_encoder_delay(encoder: &ff::encoder::audio::Encoder) -> (i64, usize) {
    // SAFETY: plain field reads of an opened codec context.
    unsafe {
        let ctx = encoder.as_ptr();
        (
            i64::from((*ctx).initial_padding),
            usize::try_from((*ctx).frame_size).unwrap_or(0),
        )
    }
}

/// Whether an opened encoder takes frames of any size.
pub(crate) fn variable_frame_size(codec: &ff::Codec) -> bool {
    // SAFETY: `codec` points to a static AVCodec description whose flags are read.
    unsafe { ((*codec.as_ptr()).capabilities as u32 & sys::AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0 }
}

/// Sets a display matrix rotating the video `degrees` clockwise on stream `index`.
pub(crate) fn set_display_rotation(
    octx: &mut ff::format::context::Output,
    index: usize,
    degrees: u16,
) -> Result<(), ff::Error> {
    // SAFETY: the output context is valid and `index` is checked against its streams;
    // new_stream_side_data allocates 9 int32 (36 bytes) owned by the stream, which
    // av_display_rotation_set fills. Stored as it writes it, the angle turns the picture
    // clockwise in MP4/MOV's track matrix ({0, 1, -1, 0} for 90: what phones write for
    // portrait video; ffprobe reports it as -90).
    unsafe {
        let ctx = octx.as_mut_ptr();
        if index >= (*ctx).nb_streams as usize {
            return Err(ff::Error::StreamNotFound);
        }
        let stream = *(*ctx).streams.add(index);
        let data = new_stream_side_data(
            stream,
            sys::AVPacketSideDataType::AV_PKT_DATA_DISPLAYMATRIX,
            36,
        );
        if data.is_null() {
            return Err(ff::Error::Other {
                errno: ff::util::error::ENOMEM,
            });
        }
        sys::av_display_rotation_set(data as *mut i32, f64::from(degrees));
    }
    Ok(())
}

/// Whether libavformat's Matroska muxer moves an audio stream with a codec delay (Opus's
/// pre-skip) by that delay, as its demuxer moves it back: from FFmpeg 6.0 on. FFmpeg 5.1's
/// demuxer already gives timestamps earlier by the delay, but its muxer writes them as they
/// come, so that a copy from Matroska to Matroska must add the delay back itself.
pub(crate) const MATROSKA_MUXER_APPLIES_CODEC_DELAY: bool = cfg!(ffmpeg_6_0);

/// Allocates `size` bytes of side data of `kind` for `stream`, owned by it and written by the
/// muxer in its header (null when out of memory). An entry of the same kind is replaced.
///
/// From FFmpeg 6.1 on, a stream's side data lives in its codec parameters
/// (`codecpar->coded_side_data`, where muxers read it); `av_stream_new_side_data`, the call of
/// the versions before, is gone since FFmpeg 9.0.
///
/// # Safety
/// `stream` points to a valid stream of an output context whose header is not written yet.
unsafe fn new_stream_side_data(
    stream: *mut sys::AVStream,
    kind: sys::AVPacketSideDataType,
    size: usize,
) -> *mut u8 {
    #[cfg(ffmpeg_6_1)]
    {
        // SAFETY: the caller's stream is valid; its codec parameters' side data array and
        // count are passed together, and av_packet_side_data_new grows (or reuses an entry
        // of) that array, owned by the parameters.
        unsafe {
            let par = (*stream).codecpar;
            let sd = sys::av_packet_side_data_new(
                &mut (*par).coded_side_data,
                &mut (*par).nb_coded_side_data,
                kind,
                size,
                0,
            );
            if sd.is_null() {
                std::ptr::null_mut()
            } else {
                (*sd).data
            }
        }
    }
    #[cfg(not(ffmpeg_6_1))]
    {
        // SAFETY: the caller's stream is valid; the allocation is owned by the stream.
        unsafe { sys::av_stream_new_side_data(stream, kind, size) }
    }
}

/// The side data (a display matrix, HDR metadata, ...) of an input stream, as its demuxer
/// stored it: in its codec parameters from FFmpeg 6.1 on, on the stream before.
pub(crate) fn stream_side_data(
    stream: &ff::format::stream::Stream,
) -> Vec<(ff::codec::packet::side_data::Type, Vec<u8>)> {
    let mut out = Vec::new();
    // SAFETY: the stream belongs to an open input context; its side data array holds `n`
    // valid entries, each with `size` readable bytes at `data` (or null with size 0), which
    // are only copied.
    unsafe {
        let st = stream.as_ptr();
        #[cfg(ffmpeg_6_1)]
        let (list, n) = {
            let par = (*st).codecpar;
            ((*par).coded_side_data, (*par).nb_coded_side_data)
        };
        #[cfg(not(ffmpeg_6_1))]
        let (list, n) = ((*st).side_data, (*st).nb_side_data);
        for i in 0..usize::try_from(n).unwrap_or(0) {
            let sd = &*list.add(i);
            let bytes = if sd.data.is_null() || sd.size == 0 {
                Vec::new()
            } else {
                std::slice::from_raw_parts(sd.data, sd.size).to_vec()
            };
            out.push((ff::codec::packet::side_data::Type::from(sd.type_), bytes));
        }
    }
    out
}

/// Initialises the muxer of `octx` with `options` (`avformat_init_output`), without writing
/// the header yet; returns the option names nobody used.
pub(crate) fn init_output(
    octx: &mut ff::format::context::Output,
    options: ff::Dictionary,
) -> Result<Vec<String>, ff::Error> {
    // SAFETY: `disown` hands us the raw dictionary, which we pass on and take back below.
    let mut opts = unsafe { options.disown() };
    // SAFETY: the output context is valid, its streams added and its I/O open; `opts` is ours
    // and avformat_init_output may replace it with the options it did not use.
    let res = unsafe { sys::avformat_init_output(octx.as_mut_ptr(), &mut opts) };
    // SAFETY: `opts` is now the dictionary of unused options (or null), owned by us again.
    let left = unsafe { ff::Dictionary::own(opts) };
    if res < 0 {
        return Err(ff::Error::from(res));
    }
    Ok(left.iter().map(|(k, v)| format!("{k}={v}")).collect())
}

/// Replaces the container's tags with `tags`, freeing the ones there (`avformat_init_output`
/// puts an `encoder` tag there; ffmpeg-next's `set_metadata` would leak it).
pub(crate) fn replace_metadata(octx: &mut ff::format::context::Output, tags: ff::Dictionary) {
    // SAFETY: the output context is valid; its metadata dictionary (or null) is owned by it
    // and freed here before the pointer is replaced by `tags`, whose ownership passes to it.
    unsafe {
        let ctx = octx.as_mut_ptr();
        sys::av_dict_free(&mut (*ctx).metadata);
        (*ctx).metadata = tags.disown();
    }
}

/// The codec tag (FourCC) of a stream's parameters, as its container stored it.
pub(crate) fn codec_tag(params: &ff::codec::Parameters) -> u32 {
    // SAFETY: `params` wraps a valid AVCodecParameters whose plain field is read.
    unsafe { (*params.as_ptr()).codec_tag }
}

/// Whether the output's muxer lists `tag` for `id` in its own tag table: a tag copied from
/// the input is kept only then (otherwise the muxer chooses its own, with tag 0).
pub(crate) fn muxer_takes_tag(
    octx: &mut ff::format::context::Output,
    id: ff::codec::Id,
    tag: u32,
) -> bool {
    if tag == 0 {
        return false;
    }
    // SAFETY: the output context is valid and has its muxer (`oformat`); its `codec_tag` is
    // null or a null-terminated list of tables that av_codec_get_id only reads.
    unsafe {
        let ctx = octx.as_mut_ptr();
        let format = (*ctx).oformat;
        if format.is_null() || (*format).codec_tag.is_null() {
            return false;
        }
        sys::av_codec_get_id((*format).codec_tag, tag) == sys::AVCodecID::from(id)
    }
}

/// Sets the disposition flags (default, forced, ...) of an output stream.
pub(crate) fn set_disposition(octx: &mut ff::format::context::Output, index: usize, flags: c_int) {
    // SAFETY: the output context is valid and `index` is one of its streams (checked below);
    // only the stream's plain `disposition` field is written.
    unsafe {
        let ctx = octx.as_mut_ptr();
        if index < (*ctx).nb_streams as usize {
            (**(*ctx).streams.add(index)).disposition = flags;
        }
    }
}

/// Adds side data (a display matrix, HDR metadata, ...) of `kind` to an output stream, which
/// the muxer writes in its header.
pub(crate) fn add_stream_side_data(
    octx: &mut ff::format::context::Output,
    index: usize,
    kind: ff::codec::packet::side_data::Type,
    data: &[u8],
) -> Result<(), ff::Error> {
    // SAFETY: the output context is valid and `index` is one of its streams (checked below).
    // new_stream_side_data allocates `data.len()` bytes owned by the stream (or returns
    // null), into which exactly that many bytes are copied from `data`, which does not overlap.
    unsafe {
        let ctx = octx.as_mut_ptr();
        if index >= (*ctx).nb_streams as usize {
            return Err(ff::Error::StreamNotFound);
        }
        let stream = *(*ctx).streams.add(index);
        let dst = new_stream_side_data(stream, kind.into(), data.len());
        if dst.is_null() {
            return Err(ff::Error::Other {
                errno: ff::util::error::ENOMEM,
            });
        }
        std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len());
    }
    Ok(())
}

/// How many samples an audio packet of `size` bytes holds, from the stream's parameters
/// (its fixed frame size, or what the codec's headers say); 0 when that is not known.
pub(crate) fn audio_frame_samples(params: &ff::codec::Parameters, size: usize) -> i64 {
    let size = c_int::try_from(size).unwrap_or(c_int::MAX);
    // SAFETY: `params` wraps a valid AVCodecParameters, which av_get_audio_frame_duration2
    // only reads.
    let n = unsafe { sys::av_get_audio_frame_duration2(params.as_ptr() as *mut _, size) };
    i64::from(n.max(0))
}

/// Makes a decoder (not opened yet) give every sample, the priming and padding its packets
/// say to skip or discard too (`AV_CODEC_FLAG2_SKIP_MANUAL`): the caller cuts them.
pub(crate) fn skip_samples_manually(ctx: &mut ff::codec::Context) {
    // SAFETY: a valid codec context not opened yet; only its plain `flags2` field is written.
    unsafe { (*ctx.as_mut_ptr()).flags2 |= sys::AV_CODEC_FLAG2_SKIP_MANUAL as c_int };
}

/// The bit rate a stream's parameters state (0: not known).
pub(crate) fn bit_rate(params: &ff::codec::Parameters) -> u64 {
    // SAFETY: `params` wraps a valid AVCodecParameters whose plain field is read.
    u64::try_from(unsafe { (*params.as_ptr()).bit_rate }).unwrap_or(0)
}

/// The sample rate and channel count of an audio stream's parameters.
pub(crate) fn audio_rate_and_channels(params: &ff::codec::Parameters) -> (u32, u16) {
    // SAFETY: `params` wraps a valid AVCodecParameters whose plain fields are read.
    unsafe {
        let p = params.as_ptr();
        (
            u32::try_from((*p).sample_rate).unwrap_or(0),
            u16::try_from((*p).ch_layout.nb_channels).unwrap_or(0),
        )
    }
}

/// The samples an audio encoder put before the sound (Opus pre-skip, a codec delay), which
/// decoders drop, from a stream's parameters.
pub(crate) fn initial_padding(params: &ff::codec::Parameters) -> i64 {
    // SAFETY: `params` wraps a valid AVCodecParameters whose plain field is read.
    i64::from(unsafe { (*params.as_ptr()).initial_padding }.max(0))
}

/// What a configured buffersink hands over: width, height, pixel format (the one of `formats`
/// it ends in, `Pixel::None` for another), time base and frame rate (0/1 when the graph states
/// none).
pub(crate) fn buffersink_output(
    sink: &mut ff::filter::Context,
    formats: impl IntoIterator<Item = ff::format::Pixel>,
) -> (u32, u32, ff::format::Pixel, ff::Rational, ff::Rational) {
    // SAFETY: `sink` wraps a buffersink filter context of a configured graph that outlives this
    // call (the caller holds the graph); the getters only read its input link's properties.
    let (w, h, format, tb, rate) = unsafe {
        let ctx = sink.as_ptr();
        (
            sys::av_buffersink_get_w(ctx),
            sys::av_buffersink_get_h(ctx),
            sys::av_buffersink_get_format(ctx),
            sys::av_buffersink_get_time_base(ctx),
            sys::av_buffersink_get_frame_rate(ctx),
        )
    };
    // FFmpeg gives the format by number: found among the few the graph may end in.
    let pixel = formats
        .into_iter()
        .find(|p| sys::AVPixelFormat::from(*p) as c_int == format)
        .unwrap_or(ff::format::Pixel::None);
    (
        u32::try_from(w).unwrap_or(0),
        u32::try_from(h).unwrap_or(0),
        pixel,
        tb.into(),
        rate.into(),
    )
}

/// A bound on FFmpeg's blocking network I/O: its interrupt callback asks
/// [`Deadline::expired`], which says yes once the armed time has passed, so
/// a connect or write that waits on a server ends with `AVERROR_EXIT` instead of hanging.
#[derive(Debug)]
pub(crate) struct Deadline {
    start: std::time::Instant,
    /// Milliseconds after `start` when the current call must end; `u64::MAX`: unarmed.
    at: std::sync::atomic::AtomicU64,
}

impl Deadline {
    /// An unarmed deadline.
    pub(crate) fn new() -> std::sync::Arc<Self> {
        std::sync::Arc::new(Deadline {
            start: std::time::Instant::now(),
            at: std::sync::atomic::AtomicU64::new(u64::MAX),
        })
    }

    /// The calls from now on must end within `seconds`.
    pub(crate) fn arm(&self, seconds: f64) {
        let now = self.start.elapsed().as_millis() as u64;
        let at = now.saturating_add((seconds * 1000.0).round() as u64);
        self.at.store(at, std::sync::atomic::Ordering::Release);
    }

    /// No bound until armed again.
    pub(crate) fn disarm(&self) {
        self.at
            .store(u64::MAX, std::sync::atomic::Ordering::Release);
    }

    /// Whether the current call has run out of time.
    pub(crate) fn expired(&self) -> bool {
        self.start.elapsed().as_millis() as u64 > self.at.load(std::sync::atomic::Ordering::Acquire)
    }
}

extern "C" fn deadline_interrupt(opaque: *mut c_void) -> c_int {
    if opaque.is_null() {
        return 0;
    }
    // SAFETY: `opaque` is the `Deadline` of an `Arc` that the output holding this callback
    // keeps alive for as long as the output exists (see `open_output_url`).
    let deadline = unsafe { &*(opaque as *const Deadline) };
    c_int::from(deadline.expired())
}

/// Opens an output of `muxer` on `url` with libavformat's own I/O (a server's URL, or a
/// manifest whose muxer writes its own files), every blocking call bounded by `deadline`. The
/// caller keeps `deadline` alive at least as long as the returned output.
pub(crate) fn open_output_url(
    url: &str,
    muxer: &str,
    deadline: &std::sync::Arc<Deadline>,
    io_options: ff::Dictionary,
) -> Result<ff::format::context::Output, ff::Error> {
    let c_url = CString::new(url).map_err(|_| ff::Error::InvalidData)?;
    let c_muxer = CString::new(muxer).map_err(|_| ff::Error::InvalidData)?;
    let mut ctx: *mut sys::AVFormatContext = std::ptr::null_mut();
    // SAFETY: both strings are valid C strings for the call; `ctx` receives a new context.
    let res = unsafe {
        sys::avformat_alloc_output_context2(
            &mut ctx,
            std::ptr::null(),
            c_muxer.as_ptr(),
            c_url.as_ptr(),
        )
    };
    if res < 0 || ctx.is_null() {
        return Err(ff::Error::from(if res < 0 {
            res
        } else {
            sys::AVERROR(sys::ENOMEM)
        }));
    }
    // SAFETY: `ctx` is the valid context just allocated and owned here; the callback's opaque
    // pointer stays valid while the caller keeps `deadline` (documented above). The I/O is
    // opened with the same callback, so connecting is bounded too; on failure the context is
    // freed before returning. The options dictionary is ours (disowned from its wrapper),
    // possibly replaced by avio_open2 with the unused ones, and freed here either way.
    unsafe {
        (*ctx).interrupt_callback = sys::AVIOInterruptCB {
            callback: Some(deadline_interrupt),
            opaque: std::sync::Arc::as_ptr(deadline) as *mut c_void,
        };
        if (*(*ctx).oformat).flags & sys::AVFMT_NOFILE == 0 {
            let mut opts = io_options.disown();
            let r = sys::avio_open2(
                &mut (*ctx).pb,
                c_url.as_ptr(),
                sys::AVIO_FLAG_WRITE,
                &(*ctx).interrupt_callback,
                &mut opts,
            );
            sys::av_dict_free(&mut opts);
            if r < 0 {
                sys::avformat_free_context(ctx);
                return Err(ff::Error::from(r));
            }
        }
        Ok(ff::format::context::Output::wrap(ctx))
    }
}
