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
    let mut summary = EnSummary {
        size: std::mem::size_of::<EnSummary>(),
        frames: 0,
        bytes: 0,
        duration: 0.0,
        width: 0,
        height: 0,
        codec: [0; 16],
        encoder: [0; 16],
        container: [0; 16],
    };
    let (mut data, mut len) = (std::ptr::null_mut(), 0usize);
    // SAFETY: valid out-pointers and summary.
    let rc = unsafe { en_writer_finish_memory(w, &mut data, &mut len, &mut summary) };
    assert_eq!(rc, 0, "{}", last_error());
    assert_eq!(summary.frames, 10);
    assert_eq!(summary.duration, 0.4);
    assert_eq!((summary.width, summary.height), (64, 48));
    assert_eq!(summary.bytes, len as u64);
    let name = |f: &[c_char; 16]| {
        let bytes: Vec<u8> = f.iter().map(|&c| c as u8).take_while(|&b| b != 0).collect();
        assert!(f.contains(&0), "the field is NUL-terminated");
        String::from_utf8(bytes).unwrap()
    };
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
    for &kind in native::ErrorKind::ALL {
        let status = EnStatus::from_code(kind.c_status());
        assert!(
            status.is_some(),
            "{kind}: {} is no EnStatus",
            kind.c_status()
        );
        assert_ne!(status, Some(EnStatus::EN_OK), "{kind}");
    }
    assert_eq!(
        EnStatus::from_code(native::ErrorKind::NoSpace.c_status()),
        Some(EnStatus::EN_ERR_NO_SPACE)
    );
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
