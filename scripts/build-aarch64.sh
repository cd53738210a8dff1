#!/bin/sh
# Builds the aarch64 wheel and the aarch64 CLI + C bundle on this x86-64 machine, and checks
# them under emulation (qemu-user):
#
#   dist/encode_native-VERSION-cp39-abi3-manylinux_2_28_aarch64.whl
#   dist/encode-native-VERSION-aarch64-linux.tar.gz
#
#   sh scripts/build-aarch64.sh            build, then check
#   sh scripts/build-aarch64.sh --check    check what dist/ holds
#
# 1. FFmpeg 8.1 and its codec libraries for aarch64, glibc 2.28: scripts/build-codecs.sh with
#    ENCODE_NATIVE_CODECS_TARGET=aarch64-linux-gnu.2.28 (zig cross-compiles; cached).
# 2. The Rust side, in a Debian sid root: rustup here has only x86-64's standard library and
#    cannot download another; Debian ships Rust's standard library for each architecture as
#    a package (libstd-rust-dev:arm64, multiarch) matching its own rustc (1.97), so the root
#    holds that rustc and cargo with the arm64 standard library, and zig links for glibc 2.28
#    (maturin --zig, cargo-zigbuild) as for x86-64. scripts/build-wheel.sh and
#    scripts/build-bundle.sh do the work, with ENCODE_NATIVE_ARCH=aarch64.
# 3. Under qemu-aarch64: the bundle's `encode-native info` (FFmpeg 8.1; its configure line
#    asks for the hls, dash and flv muxers and the tcp, rtmp and libsrt protocols) and `demo`
#    (MP4, WebM, and an HLS ladder of two renditions, each rendition's playlist decoded here);
#    the C examples compiled by zig for aarch64 glibc 2.28 against the bundle (shared and
#    static); and an arm64 CPython (Debian 12's 3.11, unpacked by debootstrap --foreign) listing
#    the bundle's libavformat's muxers and protocols (ctypes), and running the README's example,
#    the seed programs (random frames, a function of time, an OpenCV-style BGR loop), a video
#    with sound and a matplotlib animation with the wheel installed (pip on this machine
#    installs the aarch64 wheels into a folder: an emulated pip could not start its own
#    processes). Every output is decoded here with ffprobe: frames, and samples of the sound.
#    Then every ELF file's glibc symbol versions (2.28 at most) and the wheel's tag.
#
# Needs root (or sudo) for debootstrap, chroot and mount; the Debian mirror, crates.io and PyPI.
# Roots are cached in ENCODE_NATIVE_CACHE (default /var/cache/encode-native).
set -eu
cd "$(dirname "$0")/.."
repo="$PWD"
[ "$(id -u)" = 0 ] || exec sudo sh "$0" "$@"
check_only=0
for a in "$@"; do
  case "$a" in
    --check) check_only=1 ;;
    *) echo "build-aarch64: unknown option '$a'" >&2; exit 2 ;;
  esac
done
started=$(date +%s)
step() { echo "build-aarch64: $* ($(( $(date +%s) - started )) s)" >&2; }
fail() { echo "build-aarch64: FAILED: $*" >&2; exit 1; }

need=""
for p in debootstrap qemu-user libc6-arm64-cross binutils-aarch64-linux-gnu ffmpeg pkg-config; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || need="$need $p"
done
if [ -n "$need" ]; then
  step "installing$need"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null; }
fi
cache="${ENCODE_NATIVE_CACHE:-/var/cache/encode-native}"
mkdir -p "$cache"
mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)"
[ -n "$mirror" ] || mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)"
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
wheel="dist/encode_native-$version-cp39-abi3-manylinux_2_28_aarch64.whl"
bundle="dist/encode-native-$version-aarch64-linux.tar.gz"

R="$cache/root-aarch64-build"
cleanup() {
  awk -v r="$R/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  return 0
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

if [ "$check_only" = 0 ]; then
  step "1. FFmpeg and its codec libraries for aarch64 (scripts/build-codecs.sh)"
  prefix="$(ENCODE_NATIVE_CODECS_TARGET=aarch64-linux-gnu.2.28 sh scripts/build-codecs.sh | tail -1)" ||
    fail "scripts/build-codecs.sh for aarch64"

  step "2. the wheel and the bundle, in a sid root with rustc and arm64's standard library"
  packages="rustc cargo libstd-rust-dev:arm64 libclang-dev libc6-dev-arm64-cross binutils-aarch64-linux-gnu pkg-config python3-venv git ca-certificates"
  minbase="$cache/sid-minbase.tar"
  if [ ! -f "$minbase" ]; then
    step "debootstrap --variant=minbase sid from $mirror"
    rm -rf "$cache/make-sid"
    debootstrap --variant=minbase sid "$cache/make-sid" "$mirror" >"$cache/debootstrap-sid.log" 2>&1 ||
      { tail -5 "$cache/debootstrap-sid.log" >&2; fail "debootstrap sid"; }
    echo 'Acquire::Check-Valid-Until "false";' >"$cache/make-sid/etc/apt/apt.conf.d/99encode-native-valid-until"
    tar -cf "$minbase.tmp" -C "$cache/make-sid" . && mv "$minbase.tmp" "$minbase"
    rm -rf "$cache/make-sid"
  fi
  key="$(echo "$packages" | sha256sum | cut -c1-12)"
  ready="$cache/sid-aarch64-build-$key.tar"
  cleanup
  rm -rf "$R"
  mkdir -p "$R"
  tar -xf "$([ -f "$ready" ] && echo "$ready" || echo "$minbase")" -C "$R"
  cp /etc/resolv.conf "$R/etc/resolv.conf"
  [ -f /etc/pip.conf ] && cp /etc/pip.conf "$R/etc/pip.conf"
  mount -t proc proc "$R/proc"
  mount --bind /dev "$R/dev"
  inside() {
    chroot "$R" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
      PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin CARGO_HOME=/cargo CARGO_TERM_COLOR=never \
      PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 "$@"
  }
  if [ ! -f "$ready" ]; then
    step "installing $packages in the root"
    inside sh -c "dpkg --add-architecture arm64 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null" ||
      fail "apt-get install in the sid root"
    inside apt-get clean
    cleanup
    tar -cf "$ready.tmp" -C "$R" . && mv "$ready.tmp" "$ready"
    mount -t proc proc "$R/proc"
    mount --bind /dev "$R/dev"
  fi
  # This machine's certificate bundle, for pip and cargo (after apt-get, whose ca-certificates
  # would replace it with Debian's own).
  cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
  step "$(inside rustc --version), $(inside sh -c 'ls /usr/lib/rustlib | grep aarch64')"
  # The work tree as it is now; the cargo registry and target folder kept between runs; the
  # FFmpeg prefix at its own path (its pkg-config files name it), read-only.
  mkdir -p "$R/src" "$R/cargo/registry" "$R$prefix" "$cache/target-aarch64"
  git ls-files -z -co --exclude-standard | xargs -0 tar -cf - 2>/dev/null | tar -xf - -C "$R/src"
  registry="${CARGO_HOME:-$HOME/.cargo}/registry"
  mkdir -p "$registry" "$R/src/target"
  mount --bind "$registry" "$R/cargo/registry"
  mount --bind "$cache/target-aarch64" "$R/src/target"
  mount --bind "$prefix" "$R$prefix"
  mount -o remount,bind,ro "$R$prefix"
  t0=$(date +%s)
  inside sh -c "cd /src && ENCODE_NATIVE_ARCH=aarch64 ENCODE_NATIVE_FFMPEG=$prefix sh scripts/build-wheel.sh" ||
    fail "scripts/build-wheel.sh for aarch64"
  inside sh -c "cd /src && ENCODE_NATIVE_ARCH=aarch64 ENCODE_NATIVE_FFMPEG=$prefix sh scripts/build-bundle.sh" ||
    fail "scripts/build-bundle.sh for aarch64"
  mkdir -p dist
  cp "$R/src/$wheel" "$wheel"
  cp "$R/src/$bundle" "$bundle"
  step "built in $(( $(date +%s) - t0 )) s: $(ls -l "$wheel" "$bundle" | awk '{ printf "%s %.1f MB; ", $NF, $5 / 1e6 }')"
  cleanup
  rm -rf "$R"
fi

[ -f "$wheel" ] && [ -f "$bundle" ] || fail "no $wheel or $bundle: run without --check"
step "3. under qemu-aarch64: the bundle, C programs, an arm64 CPython with the wheel"
venv="$repo/target/python-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q ziglang
W="$repo/target/aarch64-check"
rm -rf "$W" && mkdir -p "$W/out"
arm() { qemu-aarch64 -L /usr/aarch64-linux-gnu "$@"; }
frames() { # FILE EXPECTED: the video stream's decoded frame count
  # (The first line: an HLS playlist's stream is printed again in its program's section.)
  n="$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$1" | grep -m1 . || true)"
  [ "$n" = "$2" ] || fail "$1: $n frames decoded, $2 expected"
  echo "build-aarch64:   $(basename "$1"): $n frames" >&2
}
tar -xzf "$bundle" -C "$W"
B="$W/encode-native-$version-aarch64-linux"
aarch64-linux-gnu-readelf -h "$B/bin/encode-native" | grep -q "Machine: *AArch64" || fail "bin/encode-native is not an aarch64 program"
arm "$B/bin/encode-native" info >"$W/out/info.txt" || fail "encode-native info under qemu"
ffmpeg_version="$(sed -n 's/^FFmpeg \([0-9.]*\) (linked in)$/\1/p' "$W/out/info.txt")"
[ "$(printf '%s\n8.1\n' "$ffmpeg_version" | sort -V | head -1)" = 8.1 ] ||
  fail "info says FFmpeg '$ffmpeg_version', not 8.1 or newer"
echo "build-aarch64:   $(grep '^FFmpeg' "$W/out/info.txt"); $(grep '^inside libavcodec' "$W/out/info.txt")" >&2
# Live and segmented output: info prints FFmpeg's configure line, which must ask for the hls, dash
# and flv muxers and the tcp, rtmp and libsrt (srt://) protocols (configure dropping one it was
# asked for stops scripts/build-codecs.sh), and lists libsrt among the libraries inside.
conf="$(sed -n 's/^configuration: *//p' "$W/out/info.txt")"
for c in network muxer=hls muxer=dash muxer=flv protocol=tcp protocol=rtmp protocol=libsrt libsrt; do
  case " $conf " in *" --enable-$c "*) ;; *) fail "info's configuration line has no --enable-$c" ;; esac
done
grep '^inside libavcodec' "$W/out/info.txt" | grep -q ' srt [0-9]' || fail "info does not list libsrt among the libraries inside"
echo "build-aarch64:   info: muxers hls, dash, flv; protocols tcp, rtmp, libsrt; libsrt inside: $(grep -o ' srt [0-9][^,]*' "$W/out/info.txt" | head -1 | cut -c2-)" >&2
(cd "$W/out" && arm "$B/bin/encode-native" demo -q --frames 60 -o demo.mp4) || fail "encode-native demo under qemu"
frames "$W/out/demo.mp4" 60
(cd "$W/out" && arm "$B/bin/encode-native" demo -q --frames 30 --codec libvpx-vp9 -o demo.webm) ||
  fail "encode-native demo --codec libvpx-vp9 under qemu"
frames "$W/out/demo.webm" 30
# An HLS ladder (the hls muxer, fMP4 segments): the master playlist names both renditions, and
# each rendition's playlist decodes here to all its frames at its own size.
(cd "$W/out" && arm "$B/bin/encode-native" demo -q --frames 60 --size 320x240 -o hls/index.m3u8 --renditions 240p,120p) ||
  fail "encode-native demo --renditions 240p,120p (HLS) under qemu"
for r in 240p:320x240 120p:160x120; do
  playlist="$W/out/hls/index_${r%%:*}.m3u8"
  grep -qx "$(basename "$playlist")" "$W/out/hls/index.m3u8" || fail "hls/index.m3u8 does not name $(basename "$playlist")"
  frames "$playlist" 60
  size="$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$playlist" | grep -m1 . || true)"
  [ "$size" = "${r#*:}" ] || fail "$(basename "$playlist"): $size, not ${r#*:}"
done
zcc() { "$venv/bin/python" -m ziglang cc -target aarch64-linux-gnu.2.28 "$@"; }
pc="$B/lib/pkgconfig"
# shellcheck disable=SC2046
zcc capi/examples/gradient.c -o "$W/gradient" $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs encode_native) -lm ||
  fail "compiling gradient.c for aarch64 against the bundle"
# shellcheck disable=SC2046
zcc capi/examples/noise.c -o "$W/noise-static" $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs encode_native-static) -lm ||
  fail "compiling noise.c for aarch64 against the bundle's static library"
(cd "$W/out" && arm "$W/gradient" gradient.mp4) || fail "gradient (shared) under qemu"
frames "$W/out/gradient.mp4" 48
(cd "$W/out" && arm "$W/noise-static" noise-static.mp4) || fail "noise (static) under qemu"
frames "$W/out/noise-static.mp4" "$(sed -n 's/.*FRAMES = \([0-9]*\).*/\1/p' capi/examples/noise.c | head -1)"

# An arm64 CPython: Debian 12's, unpacked (debootstrap's first stage runs nothing).
# debootstrap's first stage unpacks only the essential packages and downloads the rest (python3
# and what it needs); those are unpacked here with dpkg-deb, no maintainer script run.
A="$cache/arm64-python-root"
if [ ! -x "$A/usr/bin/python3" ]; then
  step "debootstrap --foreign --arch=arm64 bookworm (python3) from $mirror"
  rm -rf "$A.tmp"
  debootstrap --foreign --arch=arm64 --variant=minbase --include=python3,libexpat1,zlib1g bookworm "$A.tmp" "$mirror" \
    >"$cache/debootstrap-arm64.log" 2>&1 || { tail -5 "$cache/debootstrap-arm64.log" >&2; fail "debootstrap arm64"; }
  for deb in "$A.tmp"/var/cache/apt/archives/*.deb; do
    dpkg-deb -x "$deb" "$A.tmp" || fail "unpacking $(basename "$deb")"
  done
  [ -x "$A.tmp/usr/bin/python3" ] || fail "no python3 in the arm64 root"
  mv "$A.tmp" "$A"
fi
py="$(ls "$A"/usr/bin/python3.[0-9]* | grep -E 'python3\.[0-9]+$' | head -1)"
pyver="$(basename "$py" | sed 's/python//')"
site="$W/site"
# pip here installs what an aarch64 CPython of that version takes (wheels only).
"$venv/bin/pip" install -q --target "$site" --platform manylinux_2_28_aarch64 --platform manylinux2014_aarch64 \
  --python-version "$pyver" --implementation cp --only-binary=:all: "$wheel" numpy matplotlib ||
  fail "pip install --platform aarch64 of the wheel, numpy and matplotlib"
pyarm() { (cd "$W/out" && PYTHONPATH="$site" MPLCONFIGDIR="$W/mpl" qemu-aarch64 -L "$A" "$py" "$@"); }
pyarm -c 'import platform, encode_native; print(platform.machine(), platform.python_version())' >"$W/machine.txt" ||
  fail "import encode_native in the arm64 CPython"
grep -q '^aarch64 ' "$W/machine.txt" || fail "the CPython is not aarch64: $(cat "$W/machine.txt")"
echo "build-aarch64:   CPython $(cut -d' ' -f2 "$W/machine.txt") on $(cut -d' ' -f1 "$W/machine.txt"), under qemu" >&2
# The muxers and output protocols the bundle's libavformat holds, asked at run time (ctypes:
# av_muxer_iterate, avio_enum_protocols), beside what info's configure line says.
pyarm -c '
import ctypes, glob, sys
f = ctypes.CDLL(glob.glob(sys.argv[1] + "/lib/libavformat-*.so.*")[0])
f.av_muxer_iterate.restype = ctypes.c_void_p
f.avio_enum_protocols.restype = ctypes.c_char_p
state, muxers = ctypes.c_void_p(), []
while (m := f.av_muxer_iterate(ctypes.byref(state))):
    muxers.append(ctypes.cast(m, ctypes.POINTER(ctypes.c_char_p))[0].decode())
state, protocols = ctypes.c_void_p(), []
while (p := f.avio_enum_protocols(ctypes.byref(state), 1)):
    protocols.append(p.decode())
print(" ".join(muxers))
print(" ".join(protocols))' "$B" >"$W/formats.txt" || fail "listing the bundle's muxers and protocols in the arm64 CPython"
for m in hls dash flv; do
  sed -n 1p "$W/formats.txt" | tr ' ' '\n' | grep -qx "$m" || fail "the bundle's libavformat has no $m muxer: $(sed -n 1p "$W/formats.txt")"
done
for p in tcp rtmp srt; do
  sed -n 2p "$W/formats.txt" | tr ' ' '\n' | grep -qx "$p" || fail "the bundle's libavformat has no $p output protocol: $(sed -n 2p "$W/formats.txt")"
done
echo "build-aarch64:   libavformat at run time: muxers $(sed -n 1p "$W/formats.txt"); output protocols $(sed -n 2p "$W/formats.txt")" >&2
awk '/^#+ Use$/ { use = 1 } use && /^```python/ { grab = 1; next } grab && /^```/ { exit } grab' python/README.md >"$W/readme_example.py"
grep -q write_video "$W/readme_example.py" || fail "the README's first Python example was not found"
pyarm "$W/readme_example.py" || fail "the README's first example"
frames "$W/out/noise.mp4" 5
frames "$W/out/out.mp4" 5
frames "$W/out/clip.mp4" 100
pyarm "$repo/python/examples/random_frames.py" random.mp4 || fail "random_frames.py"
frames "$W/out/random.mp4" 60
pyarm "$repo/python/examples/make_frame.py" function.mp4 || fail "make_frame.py"
frames "$W/out/function.mp4" "$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$W/out/function.mp4")"
pyarm "$repo/python/examples/opencv_bgr_loop.py" bgr.mp4 || fail "opencv_bgr_loop.py"
frames "$W/out/bgr.mp4" "$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$W/out/bgr.mp4")"
pyarm "$repo/python/examples/matplotlib_animation.py" sine.mp4 || fail "matplotlib_animation.py"
frames "$W/out/sine.mp4" 100
pyarm -c '
import numpy as np, encode_native as en
rate = 48000
t = np.arange(2 * rate) / rate
beep = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
s = en.write_video("beep.mp4", np.zeros((60, 240, 320, 3), np.uint8), fps=30, audio=beep,
                   sample_rate=rate, metadata={"title": "A beep"})
print(s.frames, s.audio.samples)' >"$W/beep.txt" || fail "a video with sound"
frames "$W/out/beep.mp4" 60
# The sound plays 96,000 samples: the audio track's length as the MP4 states it (its edit list,
# which cuts AAC's last frame), and the decoder gives that many before the cut (at most one
# 1,024-sample AAC frame more: ffmpeg 5.1's command line does not apply the end of the cut).
stated="$(ffprobe -v error -select_streams a:0 -show_entries stream=duration_ts,time_base -of csv=p=0 "$W/out/beep.mp4")"
[ "$stated" = "1/48000,96000" ] || fail "beep.mp4: the audio track states $stated, not 96000 samples at 1/48000"
samples="$(( $(ffmpeg -v error -i "$W/out/beep.mp4" -map 0:a -f s16le -ac 1 - | wc -c) / 2 ))"
[ "$samples" -ge 96000 ] && [ "$samples" -le 97024 ] || fail "beep.mp4: $samples samples decoded, 96000 expected"
[ "$(cut -d' ' -f2 "$W/beep.txt")" = 96000 ] || fail "beep.mp4: the summary says $(cat "$W/beep.txt")"
ffprobe -v error -show_entries format_tags=title -of csv=p=0 "$W/out/beep.mp4" | grep -qx "A beep" ||
  fail "beep.mp4: its title tag does not read back"
echo "build-aarch64:   beep.mp4: 96000 samples of sound ($samples decoded before the edit list's cut), its title tag" >&2

step "4. glibc symbol versions and the wheel's tag"
E="$W/elf"
mkdir -p "$E/wheel" "$E/bundle"
"$venv/bin/python" -m zipfile -e "$wheel" "$E/wheel"
tar -xzf "$bundle" -C "$E/bundle"
newest="$(find "$E" -type f \( -name '*.so*' -o -path '*/bin/*' \) | while read -r f; do
  aarch64-linux-gnu-objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -u
done | sort -uV | tail -1)"
[ "$(printf '%s\n%s\n' "$newest" GLIBC_2.28 | sort -V | tail -1)" = GLIBC_2.28 ] ||
  fail "a file needs $newest, newer than glibc 2.28"
echo "build-aarch64:   the newest glibc symbol version needed: $newest" >&2
"$venv/bin/pip" install -q auditwheel
"$venv/bin/auditwheel" show "$wheel" >"$W/auditwheel.txt" 2>&1 || { cat "$W/auditwheel.txt" >&2; fail "auditwheel show"; }
tr '\n' ' ' <"$W/auditwheel.txt" | tr -s ' ' | grep -q 'consistent with the following platform tag: "manylinux_2_28_aarch64"' ||
  { cat "$W/auditwheel.txt" >&2; fail "auditwheel does not find the wheel manylinux_2_28_aarch64"; }
rm -rf "$E"
step "done: $(ls -l "$wheel" "$bundle" | awk '{ printf "%s %.1f MB; ", $NF, $5 / 1e6 }')"
