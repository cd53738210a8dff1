//! Checks for FFmpeg ≥ 5.1 (libavcodec ≥ 59.37) with pkg-config, beside ffmpeg-sys-next's own
//! probe, so that a machine without it ends the build with a message naming the set-up command.

const SETUP: &str = "run `sh scripts/setup.sh` (or: sudo apt-get install -y --no-install-recommends libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev libclang-dev pkg-config)";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_LIBDIR");
    println!("cargo::rustc-check-cfg=cfg(ffmpeg_6_0)");
    println!("cargo::rustc-check-cfg=cfg(ffmpeg_6_1)");
    println!("cargo::rustc-check-cfg=cfg(ffmpeg_7_0)");
    for (lib, min) in [
        ("libavcodec", "59.37"),
        ("libavformat", "59.27"),
        ("libavutil", "57.28"),
        ("libswscale", "6.7"),
        ("libswresample", "4.7"),
        ("libavfilter", "8.44"),
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
                "encode-native needs FFmpeg >= 5.1 development files ({lib} >= {min}) found by pkg-config (tested with FFmpeg 5.1, 7.1, 8.1 and 9.0): {first}\nTo set up: {SETUP}\n(For another FFmpeg build, point PKG_CONFIG_PATH at its lib/pkgconfig; see vendor-notes/.)"
            ));
        }
    }
    version_cfgs();
    // ffmpeg-sys-next generates its bindings with libclang.
    if cfg!(target_os = "linux") && std::env::var_os("LIBCLANG_PATH").is_none() && !has_libclang() {
        fail(&format!("encode-native needs libclang to generate the FFmpeg bindings, and none was found.\nTo set up: {SETUP}"));
    }
}

/// The newest FFmpeg this version of encode-native was tested with: its libavcodec major
/// version and the FFmpeg release it ships in.
const NEWEST_TESTED: (u32, &str) = (63, "9.0");

/// Derives from libavcodec's version (pkg-config, the same probe ffmpeg-sys-next makes) the
/// cfgs `src/ffi.rs` uses where FFmpeg's API or behaviour differs between the versions
/// supported: `ffmpeg_6_0` (libavcodec >= 60.3: the Matroska muxer applies a codec delay),
/// `ffmpeg_6_1` (libavcodec >= 60.31: stream side data in the codec parameters) and
/// `ffmpeg_7_0` (libavcodec >= 61.3). Records the version built against (`ENCODE_NATIVE_FFMPEG_BUILT`,
/// for `encode-native info`) and warns about an FFmpeg newer than any tested.
fn version_cfgs() {
    let Ok(lib) = pkg_config::Config::new()
        .cargo_metadata(false)
        .probe("libavcodec")
    else {
        println!("cargo::rustc-env=ENCODE_NATIVE_FFMPEG_BUILT=an FFmpeg not found by pkg-config");
        println!("cargo::rustc-env=ENCODE_NATIVE_CODEC_LIBRARIES=");
        return;
    };
    let mut parts = lib
        .version
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    if (major, minor) >= (60, 3) {
        println!("cargo::rustc-cfg=ffmpeg_6_0");
    }
    if (major, minor) >= (60, 31) {
        println!("cargo::rustc-cfg=ffmpeg_6_1");
    }
    if (major, minor) >= (61, 3) {
        println!("cargo::rustc-cfg=ffmpeg_7_0");
    }
    // FFmpeg's release, from the installed libavutil/ffversion.h where there is one.
    let release = lib
        .include_paths
        .iter()
        .map(|dir| dir.join("libavutil/ffversion.h"))
        .chain(std::iter::once(std::path::PathBuf::from(
            "/usr/include/libavutil/ffversion.h",
        )))
        .find_map(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| {
            let line = text.lines().find(|l| l.contains("FFMPEG_VERSION"))?;
            Some(line.split('"').nth(1)?.to_string())
        });
    let built = match release {
        Some(r) => format!("FFmpeg {r} (libavcodec {})", lib.version),
        None => format!("libavcodec {}", lib.version),
    };
    println!("cargo::rustc-env=ENCODE_NATIVE_FFMPEG_BUILT={built}");
    // The codec libraries inside an FFmpeg built by scripts/build-codecs.sh: its prefix's
    // codecs.txt ("name<TAB>Debian source version" per line), as "name version;..." with the
    // Debian epoch and revision left out.
    let listing = lib
        .include_paths
        .iter()
        .filter_map(|dir| dir.parent())
        .map(|prefix| prefix.join("codecs.txt"))
        .find(|p| p.is_file());
    let mut codecs = Vec::new();
    if let Some(path) = listing {
        println!("cargo::rerun-if-changed={}", path.display());
        for line in std::fs::read_to_string(&path).unwrap_or_default().lines() {
            let Some((name, version)) = line.split_once('\t') else {
                continue;
            };
            if name == "ffmpeg" {
                continue;
            }
            let version = version.split_once(':').map_or(version, |(_, v)| v);
            let version = version.rsplit_once('-').map_or(version, |(v, _)| v);
            codecs.push(format!("{name} {version}"));
        }
    }
    println!(
        "cargo::rustc-env=ENCODE_NATIVE_CODEC_LIBRARIES={}",
        codecs.join(";")
    );
    if major > NEWEST_TESTED.0 {
        println!(
            "cargo::warning=libavcodec {} is newer than any FFmpeg encode-native was tested with (5.1 to {}, libavcodec 59 to {}); it should work, but report what does not",
            lib.version, NEWEST_TESTED.1, NEWEST_TESTED.0
        );
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
