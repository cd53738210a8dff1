//! Rust-side tests of the C layer; the C programs in `capi/tests` and `capi/examples` test it
//! from C (`scripts/test-c.sh`).

use std::ffi::CStr;
use std::path::Path;

use super::*;
use crate::status::{category, EnStatus};

/// The integration tests' skip policy: a missing tool fails unless `ENCODE_NATIVE_ALLOW_SKIP=1`.
#[allow(dead_code)]
#[path = "../../tests/integration/support/guards.rs"]
mod guards;

fn last_error() -> String {
    // SAFETY: en_last_error never returns NULL and its string is valid until the next call.
    unsafe { CStr::from_ptr(en_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// A summary with every field zero and its `size` set, as a C caller makes one.
fn blank_summary() -> EnSummary {
    // SAFETY: EnSummary holds only integers, floats and arrays of them: all zeroes is a valid
    // value of each.
    let mut s: EnSummary = unsafe { std::mem::zeroed() };
    s.size = std::mem::size_of::<EnSummary>();
    s
}

/// A NUL-terminated field of a summary as a string.
fn name(f: &[c_char; 16]) -> String {
    assert!(f.contains(&0), "the field is NUL-terminated");
    let bytes: Vec<u8> = f.iter().map(|&c| c as u8).take_while(|&b| b != 0).collect();
    String::from_utf8(bytes).unwrap()
}

/// The checked-in header is what cbindgen makes of the sources now. With `EN_UPDATE_HEADER=1`
/// the test writes it instead.
#[test]
fn header_is_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let path = dir.join("include/encode_native.h");
    if std::env::var_os("EN_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write the header");
        return;
    }
    let checked_in = std::fs::read(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "{} is out of date: run `EN_UPDATE_HEADER=1 cargo test -p encode-native-capi header` and commit it",
        path.display()
    );
}

#[test]
fn the_header_declares_every_exported_function() {
    let header = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/include/encode_native.h"
    ))
    .unwrap();
    let lib = include_str!("lib.rs");
    let exported: Vec<&str> = lib
        .split("#[no_mangle]")
        .skip(1)
        .filter_map(|s| s.split("fn ").nth(1)?.split('(').next())
        .collect();
    assert!(exported.len() >= 16, "{exported:?}");
    for f in exported {
        assert!(
            header.contains(&format!("{f}(")),
            "{f} is not in the header"
        );
    }
    for text in [
        "EN_OK = 0",
        "EN_ERR_INTERNAL = -6",
        "size_t size;",
        "Threads.",
    ] {
        assert!(header.contains(text), "{text}");
    }
}

#[test]
fn a_panic_becomes_internal_with_its_message() {
    let rc = status::status(|| panic!("boom in a test"));
    assert_eq!(rc, EnStatus::EN_ERR_INTERNAL as c_int);
    assert!(last_error().contains("boom in a test"), "{}", last_error());
    let p: *mut u8 = status::pointer(|| panic!("{}", String::from("owned boom")));
    assert!(p.is_null());
    assert!(last_error().contains("owned boom"));
    // A success clears the message.
    assert_eq!(status::status(|| Ok(())), 0);
    assert_eq!(last_error(), "");
}

#[test]
fn errors_map_to_their_category() {
    let mut config = EncoderConfig::new(64, 48, 30);
    let e = config.set("crf", "lots").unwrap_err();
    assert_eq!(category(&e), EnStatus::EN_ERR_CONFIG);
    let e = config.set("no_such_key", "1").unwrap_err();
    assert_eq!(category(&e), EnStatus::EN_ERR_CONFIG);
    assert_eq!(
        category(&native::Error::Finished),
        EnStatus::EN_ERR_INVALID_ARGUMENT
    );
    // A directory that does not exist is an I/O error.
    let bad = std::env::temp_dir().join("encode-native-no-such-dir/x/out.mp4");
    let e = VideoWriter::create(&bad, EncoderConfig::new(64, 48, 30)).unwrap_err();
    assert_eq!(category(&e), EnStatus::EN_ERR_IO, "{e}");
}

#[test]
fn strides_are_checked_before_any_byte_is_read() {
    let f = PixelFormat::Rgb24;
    assert_eq!(frame_bytes(4, 3, f, 12, 0).unwrap(), 36);
    assert_eq!(frame_bytes(4, 3, f, 16, 0).unwrap(), 16 * 2 + 12);
    let e = frame_bytes(4, 3, f, 11, 5).unwrap_err();
    assert_eq!(e.status, EnStatus::EN_ERR_FRAME);
    assert!(
        e.message
            .starts_with("frame 5: stride 11 bytes is less than a row"),
        "{}",
        e.message
    );
    assert!(frame_bytes(4, 3, f, 0, 0).is_err());
    assert!(frame_bytes(4, 3, f, usize::MAX, 0).is_err());
    assert_eq!(
        frame_bytes(4, 2, PixelFormat::Yuv420p, 4, 0).unwrap(),
        8 + 2 * 2
    );
    assert!(frame_bytes(4, 2, PixelFormat::Yuv420p, 5, 0).is_err());
}

#[test]
fn a_memory_video_through_the_c_functions() {
    let cfg = en_config_new(64, 48, 25, 1);
    assert!(!cfg.is_null(), "{}", last_error());
    // SAFETY: NUL-terminated literals.
    unsafe {
        assert_eq!(
            en_config_set(cfg, c"preset".as_ptr(), c"ultrafast".as_ptr()),
            0
        );
        assert_eq!(
            en_config_set(cfg, c"in_pix_fmt".as_ptr(), c"gray".as_ptr()),
            0
        );
    }
    let w = en_writer_open_memory(cfg);
    en_config_free(cfg);
    assert!(!w.is_null(), "{}", last_error());
    let pixels = vec![128u8; 80 * 48];
    for _ in 0..10 {
        // SAFETY: 80 * 47 + 64 bytes are readable.
        assert_eq!(unsafe { en_writer_push(w, pixels.as_ptr(), 80) }, 0);
    }
    let mut summary = blank_summary();
    let (mut data, mut len) = (std::ptr::null_mut(), 0usize);
    // SAFETY: valid out-pointers and summary.
    let rc = unsafe { en_writer_finish_memory(w, &mut data, &mut len, &mut summary) };
    assert_eq!(rc, 0, "{}", last_error());
    assert_eq!(summary.frames, 10);
    assert_eq!(summary.duration, 0.4);
    assert_eq!((summary.width, summary.height), (64, 48));
    assert_eq!(summary.bytes, len as u64);
    assert_eq!(name(&summary.codec), "h264");
    assert_eq!(name(&summary.encoder), "libx264");
    assert_eq!(name(&summary.container), "mp4");
    // SAFETY: `len` bytes at `data`, as en_writer_finish_memory gave them.
    let bytes = unsafe { std::slice::from_raw_parts(data, len) };
    assert_eq!(&bytes[4..8], b"ftyp");
    // A wrong length frees nothing; the right one frees; a second free is refused.
    // SAFETY: en_bytes_free only compares pointers it did not give.
    unsafe { en_bytes_free(data, len + 1) };
    assert!(last_error().contains("not"), "{}", last_error());
    // SAFETY: as above.
    unsafe { en_bytes_free(data, len) };
    // SAFETY: as above.
    unsafe { en_bytes_free(data, len) };
    assert!(last_error().contains("already freed"), "{}", last_error());
    // The writer is gone.
    // SAFETY: the data pointer is never read for a writer that is not open.
    let rc = unsafe { en_writer_push(w, pixels.as_ptr(), 80) };
    assert_eq!(rc, EnStatus::EN_ERR_INVALID_ARGUMENT as c_int);
    assert!(
        last_error().contains("not an open writer"),
        "{}",
        last_error()
    );
}

#[test]
fn keys_and_help() {
    let mut keys = Vec::new();
    let mut k = en_config_keys();
    // SAFETY: a NULL-terminated array of static strings.
    unsafe {
        while !(*k).is_null() {
            keys.push(CStr::from_ptr(*k).to_str().unwrap());
            k = k.add(1);
        }
    }
    let expected: Vec<&str> = EncoderConfig::settings().iter().map(|s| s.key).collect();
    assert_eq!(keys, expected);
    assert!(keys.contains(&"crf") && keys.contains(&"in_pix_fmt"));
    // SAFETY: NUL-terminated literals; the result is a static string.
    let help = unsafe { CStr::from_ptr(en_config_key_help(c"pix-fmt".as_ptr())) };
    assert!(help.to_str().unwrap().contains("yuv444p"), "{help:?}");
    // SAFETY: as above.
    assert!(unsafe { en_config_key_help(c"crff".as_ptr()) }.is_null());
    assert!(
        last_error().contains("did you mean 'crf'"),
        "{}",
        last_error()
    );
    // SAFETY: static string.
    let v = unsafe { CStr::from_ptr(en_version()) };
    assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn one_config_opens_writers_on_several_threads_at_once() {
    let cfg = en_config_new(32, 32, 10, 1) as usize;
    assert_ne!(cfg, 0, "{}", last_error());
    let threads: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let cfg = cfg as *mut EnConfig;
                let mut opened = 0;
                for _ in 0..5 {
                    // SAFETY: NUL-terminated literals.
                    let rc =
                        unsafe { en_config_set(cfg, c"preset".as_ptr(), c"ultrafast".as_ptr()) };
                    assert_eq!(rc, 0, "thread {i}: {}", last_error());
                    let w = en_writer_open_memory(cfg);
                    assert!(!w.is_null(), "thread {i}: {}", last_error());
                    assert_eq!(en_writer_discard(w), 0, "thread {i}: {}", last_error());
                    opened += 1;
                }
                opened
            })
        })
        .collect();
    let opened: i32 = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(opened, 20);
    en_config_free(cfg as *mut EnConfig);
}

#[test]
fn every_error_kind_has_its_own_defined_status() {
    use crate::status::status_of;
    use native::ErrorKind as K;
    for &kind in K::ALL {
        assert_ne!(status_of(kind), EnStatus::EN_OK, "{kind}");
        // Only a bug is an internal error.
        assert_eq!(
            status_of(kind) == EnStatus::EN_ERR_INTERNAL,
            kind == K::Internal,
            "{kind}"
        );
    }
    assert_eq!(status_of(K::NoSpace), EnStatus::EN_ERR_NO_SPACE);
    assert_eq!(status_of(K::Unsupported), EnStatus::EN_ERR_CONFIG);
    assert_eq!(status_of(K::Finished), EnStatus::EN_ERR_INVALID_ARGUMENT);
}

#[test]
fn a_full_disk_is_its_own_status() {
    if !guards::require(Path::new("/dev/full").exists(), "no /dev/full here") {
        return;
    }
    let mut writer = VideoWriter::create(
        "/dev/full",
        EncoderConfig::new(64, 48, 30).container(native::Container::Mkv),
    )
    .map(Some)
    .unwrap_or_else(|e| {
        assert_eq!(category(&e), EnStatus::EN_ERR_NO_SPACE, "{e}");
        None
    });
    if let Some(w) = writer.as_mut() {
        let frame = vec![7u8; 64 * 48 * 3];
        let mut failed = None;
        for _ in 0..30 {
            if let Err(e) = w.push(native::Frame::new(64, 48, PixelFormat::Rgb24, &frame)) {
                failed = Some(e);
                break;
            }
        }
        let e = match failed {
            Some(e) => e,
            None => writer.take().unwrap().finish().unwrap_err(),
        };
        assert_eq!(category(&e), EnStatus::EN_ERR_NO_SPACE, "{e}");
    }
}

/// Runs the `ffmpeg` tool; its standard output, or `None` (after a skip) when it is missing.
fn ffmpeg(args: &[&str]) -> Option<Vec<u8>> {
    let out = match std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin"])
        .args(args)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            guards::skip(&format!("the ffmpeg tool cannot run: {e}"));
            return None;
        }
    };
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

/// One second of a 440 Hz stereo sine at 48 kHz as i16, the right channel at half the left.
fn sine_i16(n: usize) -> Vec<i16> {
    (0..n)
        .flat_map(|i| {
            let v = (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 48000.0).sin();
            [(v * 20000.0) as i16, (v * 10000.0) as i16]
        })
        .collect()
}

#[test]
fn pushed_audio_through_the_c_functions_decodes_back_exactly() {
    let dir = tempfile_dir("push-audio");
    let path = dir.join("sine.mkv");
    let cpath = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    let cfg = en_config_new(64, 48, 25, 1);
    assert!(!cfg.is_null(), "{}", last_error());
    for (k, v) in [
        (c"preset", c"ultrafast"),
        (c"sample_rate", c"48000"),
        (c"channels", c"2"),
        (c"audio_codec", c"pcm_s16le"),
        (c"metadata", c"title=A sine from C"),
    ] {
        // SAFETY: NUL-terminated literals.
        let rc = unsafe { en_config_set(cfg, k.as_ptr(), v.as_ptr()) };
        assert_eq!(rc, 0, "{k:?}: {}", last_error());
    }
    // SAFETY: a NUL-terminated path.
    let w = unsafe { en_writer_open(cfg, cpath.as_ptr()) };
    en_config_free(cfg);
    assert!(!w.is_null(), "{}", last_error());
    let samples = sine_i16(48000);
    let pixels = vec![100u8; 64 * 48 * 3];
    // 25 frames, and 1920 samples per channel after each, in two pushes of odd sizes.
    for i in 0..25 {
        // SAFETY: a whole rgb24 frame.
        assert_eq!(unsafe { en_writer_push(w, pixels.as_ptr(), 64 * 3) }, 0);
        let start = i * 1920;
        for (from, n) in [(start, 1001), (start + 1001, 919)] {
            let chunk = &samples[from * 2..(from + n) * 2];
            // SAFETY: `n` stereo i16 samples.
            let rc = unsafe {
                en_writer_push_audio(
                    w,
                    chunk.as_ptr().cast(),
                    n,
                    EnSampleFormat::EN_SAMPLE_I16 as c_int,
                    2,
                )
            };
            assert_eq!(rc, 0, "{}", last_error());
        }
    }
    // Refused pushes leave the writer going: three channels, a bad format, NULL.
    // SAFETY: the pointer holds at least 3 samples; the others are never read.
    unsafe {
        let rc = en_writer_push_audio(w, samples.as_ptr().cast(), 1, 1, 3);
        assert_eq!(rc, EnStatus::EN_ERR_FRAME as c_int);
        assert!(
            last_error().contains("3 channels given"),
            "{}",
            last_error()
        );
        let rc = en_writer_push_audio(w, samples.as_ptr().cast(), 1, 9, 2);
        assert_eq!(rc, EnStatus::EN_ERR_INVALID_ARGUMENT as c_int);
        assert!(
            last_error().contains("not an EnSampleFormat"),
            "{}",
            last_error()
        );
        let rc = en_writer_push_audio(w, std::ptr::null(), 1, 1, 2);
        assert_eq!(rc, EnStatus::EN_ERR_INVALID_ARGUMENT as c_int);
        assert!(last_error().contains("NULL"), "{}", last_error());
        let rc = en_writer_push_audio(w, samples.as_ptr().cast(), usize::MAX / 2, 1, 2);
        assert_eq!(rc, EnStatus::EN_ERR_INVALID_ARGUMENT as c_int);
        assert!(last_error().contains("does not fit"), "{}", last_error());
    }
    let mut summary = blank_summary();
    // SAFETY: a valid summary.
    let rc = unsafe { en_writer_finish(w, &mut summary) };
    assert_eq!(rc, 0, "{}", last_error());
    assert_eq!(summary.frames, 25);
    assert_eq!(summary.has_audio, 1);
    assert_eq!(summary.audio_sample_rate, 48000);
    assert_eq!(summary.audio_channels, 2);
    assert_eq!(summary.audio_samples, 48000);
    assert_eq!(summary.audio_duration, 1.0);
    assert_eq!(summary.audio_copied, 0);
    assert_eq!(name(&summary.audio_codec), "pcm_s16le");
    assert_eq!(name(&summary.container), "mkv");
    assert_eq!(summary.frames_cut, 0);

    let p = path.to_str().unwrap();
    let Some(decoded) = ffmpeg(&["-i", p, "-map", "0:a:0", "-f", "s16le", "-"]) else {
        return;
    };
    let want: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    assert_eq!(decoded.len(), want.len(), "decoded audio bytes");
    assert!(
        decoded == want,
        "the decoded samples differ from those pushed"
    );
    let Some(tags) = ffmpeg(&["-i", p, "-f", "ffmetadata", "-"]) else {
        return;
    };
    let tags = String::from_utf8_lossy(&tags);
    assert!(tags.contains("title=A sine from C"), "{tags}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn planar_float_audio_and_a_summary_of_the_first_size() {
    let cfg = en_config_new(64, 48, 25, 1);
    assert!(!cfg.is_null(), "{}", last_error());
    for (k, v) in [
        (c"preset", c"ultrafast"),
        (c"format", c"mkv"),
        (c"sample_rate", c"8000"),
        (c"channels", c"1"),
        (c"audio_codec", c"pcm_f32le"),
    ] {
        // SAFETY: NUL-terminated literals.
        let rc = unsafe { en_config_set(cfg, k.as_ptr(), v.as_ptr()) };
        assert_eq!(rc, 0, "{k:?}: {}", last_error());
    }
    let w = en_writer_open_memory(cfg);
    en_config_free(cfg);
    assert!(!w.is_null(), "{}", last_error());
    let pixels = vec![100u8; 64 * 48 * 3];
    let audio: Vec<f32> = (0..320).map(|i| (i as f32 / 320.0) - 0.5).collect();
    // SAFETY: a whole frame; 320 mono f32 samples.
    unsafe {
        assert_eq!(en_writer_push(w, pixels.as_ptr(), 64 * 3), 0);
        let rc = en_writer_push_audio_planar(
            w,
            audio.as_ptr().cast(),
            audio.len(),
            EnSampleFormat::EN_SAMPLE_F32 as c_int,
            1,
        );
        assert_eq!(rc, 0, "{}", last_error());
        let nan = [f32::NAN];
        let rc = en_writer_push_audio_planar(w, nan.as_ptr().cast(), 1, 0, 1);
        assert_eq!(rc, EnStatus::EN_ERR_FRAME as c_int);
        assert!(
            last_error().contains("not a finite number"),
            "{}",
            last_error()
        );
    }
    // A caller built before the audio fields: only the first fields are written.
    let mut old = blank_summary();
    old.size = SUMMARY_V1;
    old.has_audio = 77;
    let (mut data, mut len) = (std::ptr::null_mut(), 0usize);
    // SAFETY: valid out-pointers and a summary of the first size.
    let rc = unsafe { en_writer_finish_memory(w, &mut data, &mut len, &mut old) };
    assert_eq!(rc, 0, "{}", last_error());
    assert_eq!((old.size, old.frames, old.has_audio), (SUMMARY_V1, 1, 77));
    assert_eq!(name(&old.container), "mkv");
    assert_eq!(
        SUMMARY_V1, 88,
        "the first EnSummary's size is part of the ABI"
    );
    // SAFETY: what en_writer_finish_memory gave.
    unsafe { en_bytes_free(data, len) };
}

#[test]
fn a_writer_without_a_soundtrack_refuses_samples() {
    let cfg = en_config_new(64, 48, 25, 1);
    let w = en_writer_open_memory(cfg);
    en_config_free(cfg);
    assert!(!w.is_null(), "{}", last_error());
    let audio = [0i16; 4];
    // SAFETY: 2 stereo samples.
    let rc = unsafe { en_writer_push_audio(w, audio.as_ptr().cast(), 2, 1, 2) };
    assert_eq!(rc, EnStatus::EN_ERR_FRAME as c_int);
    assert!(last_error().contains("sample_rate"), "{}", last_error());
    assert_eq!(en_writer_discard(w), 0);
    // SAFETY: the samples are never read for a writer that is not open.
    let rc = unsafe { en_writer_push_audio(w, audio.as_ptr().cast(), 2, 1, 2) };
    assert_eq!(rc, EnStatus::EN_ERR_INVALID_ARGUMENT as c_int);
    assert!(last_error().contains("already freed"), "{}", last_error());
}

/// A fresh folder for one test's files.
fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("encode-native-capi-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Sets `key` to `value` on `cfg`; the status.
fn set(cfg: *mut EnConfig, key: &str, value: &str) -> c_int {
    let (k, v) = (
        std::ffi::CString::new(key).unwrap(),
        std::ffi::CString::new(value).unwrap(),
    );
    // SAFETY: a live config and two NUL-terminated strings.
    unsafe { en_config_set(cfg, k.as_ptr(), v.as_ptr()) }
}

#[test]
fn soundtrack_settings_say_what_they_are_and_each_is_checked_in_one_place() {
    // A soundtrack setting without a soundtrack names itself and its value.
    let cfg = en_config_new(64, 48, 25, 1);
    assert_eq!(set(cfg, "channels", "2"), 0);
    let w = en_writer_open_memory(cfg);
    assert!(w.is_null());
    let e = last_error();
    assert!(
        e.contains("channels '2'") && e.contains("sample_rate") && !e.contains("'set'"),
        "{e}"
    );
    en_config_free(cfg);

    // audio="" unsets a file soundtrack; it does not take away the samples sample_rate asks
    // for: the writer still takes pushed samples.
    let cfg = en_config_new(64, 48, 25, 1);
    assert_eq!(set(cfg, "sample_rate", "48000"), 0);
    assert_eq!(set(cfg, "audio", ""), 0);
    let w = en_writer_open_memory(cfg);
    en_config_free(cfg);
    assert!(!w.is_null(), "{}", last_error());
    let audio = [0i16; 4];
    // SAFETY: 2 stereo samples.
    let rc = unsafe { en_writer_push_audio(w, audio.as_ptr().cast(), 2, 1, 2) };
    assert_eq!(rc, 0, "{}", last_error());
    assert_eq!(en_writer_discard(w), 0);

    // Every rotation that is not a quarter turn is refused when it is set, negative or not.
    let cfg = en_config_new(64, 48, 25, 1);
    for bad in ["-90", "45", "360"] {
        assert_eq!(
            set(cfg, "rotate", bad),
            EnStatus::EN_ERR_CONFIG as c_int,
            "rotate={bad}"
        );
        let e = last_error();
        assert!(
            e.contains(&format!("'{bad}'")) && e.contains("0, 90, 180 or 270"),
            "{e}"
        );
    }
    assert_eq!(set(cfg, "rotate", "270"), 0);
    en_config_free(cfg);
}

#[test]
fn a_damaged_soundtrack_file_is_concealed_and_counted_or_an_error() {
    let dir = tempfile_dir("audio-damage");
    let wav = dir.join("tone.wav");
    let Some(_) = ffmpeg(&[
        "-y",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000:duration=2",
        "-ac",
        "2",
        "-c:a",
        "pcm_s16le",
        wav.to_str().unwrap(),
    ]) else {
        return;
    };
    let whole = std::fs::read(&wav).unwrap();
    let data = whole.windows(4).position(|w| w == b"data").unwrap() + 8;
    // Cut in the middle of a sample inside the first second, which 25 frames at 25 fps need.
    let cut = dir.join("cut.wav");
    std::fs::write(&cut, &whole[..data + 100_001]).unwrap();
    for (damage, fails) in [("conceal", false), ("error", true)] {
        let out = dir.join(format!("{damage}.mkv"));
        let cfg = en_config_new(64, 48, 25, 1);
        for (k, v) in [
            ("audio", cut.to_str().unwrap()),
            ("audio_codec", "pcm_s16le"),
            ("audio_damage", damage),
        ] {
            assert_eq!(set(cfg, k, v), 0, "{}", last_error());
        }
        let cpath = std::ffi::CString::new(out.to_str().unwrap()).unwrap();
        // SAFETY: a live config and a NUL-terminated path.
        let w = unsafe { en_writer_open(cfg, cpath.as_ptr()) };
        en_config_free(cfg);
        assert!(!w.is_null(), "{}", last_error());
        let pixels = vec![60u8; 64 * 48 * 3];
        for _ in 0..25 {
            // SAFETY: 48 rows of 64 RGB pixels.
            assert_eq!(unsafe { en_writer_push(w, pixels.as_ptr(), 64 * 3) }, 0);
        }
        let mut summary = blank_summary();
        // SAFETY: a live writer and a summary of its own size.
        let rc = unsafe { en_writer_finish(w, &mut summary) };
        if fails {
            assert_ne!(rc, 0);
            let e = last_error();
            assert!(
                e.contains("does not decode") && e.contains("audio_damage=conceal"),
                "{e}"
            );
        } else {
            assert_eq!(rc, 0, "{}", last_error());
            assert_eq!(summary.audio_samples, 48_000);
            let pcm = ffmpeg(&["-i", out.to_str().unwrap(), "-f", "s16le", "-"]).unwrap();
            assert_eq!(pcm.len(), 48_000 * 4, "one second of stereo 16-bit samples");
        }
    }
}
