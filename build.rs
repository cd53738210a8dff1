//! Checks for FFmpeg ≥ 5.1 (libavcodec ≥ 59.37) with pkg-config, beside ffmpeg-sys-next's own
//! probe, so that a machine without it ends the build with a message naming the set-up command.

const SETUP: &str = "run `sh scripts/setup.sh` (or: sudo apt-get install -y --no-install-recommends libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libclang-dev pkg-config)";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_LIBDIR");
    for (lib, min) in [
        ("libavcodec", "59.37"),
        ("libavformat", "59.27"),
        ("libavutil", "57.28"),
        ("libswscale", "6.7"),
    ] {
        if let Err(e) = pkg_config::Config::new()
            .atleast_version(min)
            .cargo_metadata(false)
            .probe(lib)
        {
            let text = e.to_string();
            let first = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or_default();
            fail(&format!(
                "encode-native needs FFmpeg >= 5.1 development files ({lib} >= {min}) found by pkg-config: {first}\nTo set up: {SETUP}\n(For another FFmpeg build, point PKG_CONFIG_PATH at its lib/pkgconfig; see vendor-notes/.)"
            ));
        }
    }
    // ffmpeg-sys-next generates its bindings with libclang.
    if cfg!(target_os = "linux") && std::env::var_os("LIBCLANG_PATH").is_none() && !has_libclang() {
        fail(&format!("encode-native needs libclang to generate the FFmpeg bindings, and none was found.\nTo set up: {SETUP}"));
    }
}

/// Stops the build with `message` alone (no panic backtrace).
fn fail(message: &str) -> ! {
    eprintln!("\n{message}\n");
    std::process::exit(1);
}

fn has_libclang() -> bool {
    let dirs = [
        "/usr/lib",
        "/usr/lib64",
        "/usr/local/lib",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
    ];
    let llvm = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("llvm"))
        .map(|e| e.path().join("lib"));
    dirs.iter()
        .map(std::path::PathBuf::from)
        .chain(llvm)
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("libclang"))
}
