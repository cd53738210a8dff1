//! The set-up script's detection, run against made-up machines: it must ask for exactly the
//! packages that are missing, whatever look-alike files are present.

use std::path::Path;
use std::process::Command;

use crate::support::require;

/// A made-up root whose dpkg database lists `installed` as installed and `removed` as removed
/// (configuration files left), with `files` present under it.
fn fake_root(installed: &[&str], removed: &[&str], files: &[&str]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dpkg = root.path().join("var/lib/dpkg");
    std::fs::create_dir_all(dpkg.join("info")).unwrap();
    std::fs::create_dir_all(dpkg.join("updates")).unwrap();
    let mut status = String::new();
    for (names, state) in [
        (installed, "install ok installed"),
        (removed, "deinstall ok config-files"),
    ] {
        for name in names {
            status.push_str(&format!(
                "Package: {name}\nStatus: {state}\nPriority: optional\nVersion: 1.0\nArchitecture: amd64\nMaintainer: nobody\nDescription: test\n\n"
            ));
        }
    }
    std::fs::write(dpkg.join("status"), status).unwrap();
    for f in files {
        let p = root.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"\x7fELF").unwrap();
    }
    root
}

/// What `setup.sh --detect` asks to install on `root`.
fn detect(root: &Path) -> Vec<String> {
    let out = Command::new("sh")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/setup.sh"))
        .arg("--detect")
        .env("ENCODE_NATIVE_SETUP_ROOT", root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(String::from)
        .collect();
    v.sort();
    v
}

const NO_DPKG: &str = "no dpkg-query here: the detection is for Debian and Ubuntu";

fn has_dpkg() -> bool {
    Command::new("dpkg-query").arg("--version").output().is_ok()
}

const ALL: &[&str] = &[
    "ffmpeg",
    "libavcodec-dev",
    "libavfilter-dev",
    "libavformat-dev",
    "libavutil-dev",
    "libclang-dev",
    "libswresample-dev",
    "libswscale-dev",
    "pkg-config",
];

#[test]
fn llvm_libclang_cpp_is_not_libclang() {
    if !require(has_dpkg(), NO_DPKG) {
        return;
    }
    // The machine that failed: the ffmpeg runtime and LLVM 14's libraries, with
    // libclang-cpp.so.14 (which a loose glob took for libclang) but no libclang1-14.
    let root = fake_root(
        &[
            "ffmpeg",
            "libavcodec59",
            "libllvm14",
            "libclang-cpp14",
            "pkg-config",
        ],
        &["libclang-dev"],
        &[
            "usr/lib/llvm-14/lib/libclang-cpp.so.14",
            "usr/lib/x86_64-linux-gnu/libclang-cpp.so.14",
        ],
    );
    assert_eq!(
        detect(root.path()),
        [
            "libavcodec-dev",
            "libavfilter-dev",
            "libavformat-dev",
            "libavutil-dev",
            "libclang-dev",
            "libswresample-dev",
            "libswscale-dev"
        ]
    );
}

#[test]
fn nothing_is_asked_for_when_everything_is_installed() {
    if !require(has_dpkg(), NO_DPKG) {
        return;
    }
    let root = fake_root(ALL, &[], &[]);
    assert_eq!(detect(root.path()), Vec::<String>::new());
    // An empty machine needs all of them.
    let empty = fake_root(&[], &[], &[]);
    assert_eq!(detect(empty.path()), ALL);
}

/// The words of the shell variable `name` in `script` (`NAME="a b c"`).
fn script_list(script: &str, name: &str) -> Vec<String> {
    let line = script
        .lines()
        .find(|l| l.starts_with(&format!("{name}=\"")))
        .unwrap_or_else(|| panic!("{name} is not in scripts/build-ffmpeg.sh"));
    line[name.len() + 2..]
        .trim_end_matches('"')
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_minimal_ffmpeg_has_every_encoder_and_muxer_of_the_tables() {
    let script = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/build-ffmpeg.sh"),
    )
    .unwrap();
    let encoders = script_list(&script, "ENCODERS");
    // FFmpeg's configure spells encoder names with `_` where their names have `-`, and
    // names the msmpeg4 encoder by its codec, msmpeg4v3.
    let mut want: Vec<String> = encode_native::Encoder::ALL
        .iter()
        .map(|e| match e.name() {
            "msmpeg4" => "msmpeg4v3".to_string(),
            name => name.replace('-', "_"),
        })
        .chain(
            encode_native::AudioEncoder::ALL
                .iter()
                .map(|e| e.name().to_string()),
        )
        .collect();
    want.sort();
    let mut have = encoders.clone();
    have.sort();
    assert_eq!(have, want, "ENCODERS in scripts/build-ffmpeg.sh");
    let muxers = script_list(&script, "MUXERS");
    for c in encode_native::Container::ALL {
        assert!(
            muxers.iter().any(|m| m == c.muxer()),
            "MUXERS in scripts/build-ffmpeg.sh lacks {}",
            c.muxer()
        );
    }
}
