//! Checks for FFmpeg ≥ 5.1 (libavcodec ≥ 59.37) with pkg-config, beside ffmpeg-sys-next's own
//! probe, so that a machine without it ends the build with a message naming the set-up command.

const SETUP: &str = "run `sh scripts/setup.sh` (or: sudo apt-get install -y --no-install-recommends libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libclang-dev pkg-config)";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_LIBDIR");
    for (lib, min) in [
        ("libavcodec", "59.37"),
        ("libavformat", "59.27"),
        ("libavutil", "57.28"),
        ("libswscale", "6.7"),
        ("libswresample", "4.7"),
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

/// Whether a libclang that bindgen (clang-sys) would load is present: the same directories
/// and file names it searches (`libclang.so`, `libclang-*.so`, `libclang.so.*`,
/// `libclang-*.so.*`), leaving out `libclang-cpp`, which is another library.
fn has_libclang() -> bool {
    let roots = [
        "/usr/lib",
        "/usr/lib64",
        "/usr/local/lib",
        "/usr/local/lib64",
    ];
    let mut dirs: Vec<std::path::PathBuf> = Vec::new();
    for root in roots {
        let root = std::path::PathBuf::from(root);
        for sub in read_dirs(&root) {
            dirs.extend(read_dirs(&sub));
            dirs.push(sub);
        }
        dirs.push(root);
    }
    dirs.extend(
        read_dirs(std::path::Path::new("/usr/local"))
            .into_iter()
            .filter(|d| {
                d.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("llvm"))
            })
            .map(|d| d.join("lib")),
    );
    dirs.iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .flatten()
        .any(|e| is_libclang(&e.file_name().to_string_lossy()))
}

/// The sub-folders of `dir`.
fn read_dirs(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect()
}

/// Whether `name` is a file name clang-sys loads as libclang.
fn is_libclang(name: &str) -> bool {
    if name.contains("-cpp.") {
        return false;
    }
    name == "libclang.so"
        || name.starts_with("libclang.so.")
        || (name.starts_with("libclang-") && (name.ends_with(".so") || name.contains(".so.")))
}
