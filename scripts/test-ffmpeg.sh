#!/bin/sh
# Builds and tests encode-native against another FFmpeg than the machine's, each in a fresh
# minimal Debian root (debootstrap --variant=minbase) set up by the project's own
# scripts/setup.sh, as a new user on that system would:
#
#   sh scripts/test-ffmpeg.sh trixie   Debian 13, FFmpeg 7.1 (Debian's packages)
#   sh scripts/test-ffmpeg.sh sid      Debian sid, FFmpeg 9.0 (Debian's packages)
#   sh scripts/test-ffmpeg.sh 8.1      FFmpeg 8.1 built from Debian's `ffmpeg 7:8.1.2` source
#                                      package with its codec libraries, for glibc 2.28
#                                      (scripts/build-codecs.sh: the FFmpeg of the wheel and
#                                      the bundle), used in the sid root
#   sh scripts/test-ffmpeg.sh VERSION --full      the whole suite (scripts/test.sh)
#   sh scripts/test-ffmpeg.sh VERSION --valgrind  ... and scripts/valgrind.sh (every encoder)
#   sh scripts/test-ffmpeg.sh VERSION --shell     a shell in the prepared root
#   sh scripts/test-ffmpeg.sh VERSION --prepare   only make the root (and FFmpeg 8.1) ready
#   sh scripts/test-ffmpeg.sh VERSION --run='CMD' run CMD in /src of the prepared root
#
# Every version builds the library, the command line, the Python module and the C library
# (cargo build --workspace, warnings denied) and runs the Rust integration suite; --full runs
# scripts/test.sh there instead (every Rust test, the Python suite, the C suite); --valgrind
# adds valgrind's memcheck over every encoder (scripts/valgrind.sh).
#
# Cached in $ENCODE_NATIVE_CACHE (default /var/cache/encode-native): each root after
# scripts/setup.sh as a tarball, keyed by the suite and the setup script's contents, the 8.1
# build (build-codecs.sh's cache, keyed by every source version and flag), and each version's
# cargo target directory. A run starts from a fresh copy of the cached root. Debian sid's Release
# file on the mirror may be past its Valid-Until date (sid is not re-signed for an archive
# snapshot): the sid root is told to accept it (Acquire::Check-Valid-Until "false"), and only
# for sid. Needs root (or sudo) for debootstrap, chroot and mount, the Debian mirror apt uses,
# crates.io and PyPI; the Rust toolchain is this machine's, mounted read-only.
set -eu
cd "$(dirname "$0")/.."
repo="$PWD"
[ "$(id -u)" = 0 ] || exec sudo sh "$0" "$@"
version="${1:?usage: sh scripts/test-ffmpeg.sh trixie|sid|8.1 [--full] [--valgrind] [--shell|--prepare]}"
shift
full=0 valgrind=0 mode=""
for a in "$@"; do
  case "$a" in
    --full) full=1 ;;
    --valgrind) valgrind=1 ;;
    --shell | --prepare) mode="$a" ;;
    --run=*) mode=--run run_command="${a#--run=}" ;;
    *) echo "test-ffmpeg: unknown option '$a'" >&2; exit 2 ;;
  esac
done
case "$version" in
  trixie | 7.1) suite=trixie; ffmpeg_source="" ;;
  sid | 9.0) suite=sid; ffmpeg_source="" ;;
  8.1) suite=sid; ffmpeg_source="build-codecs" ;;
  *) echo "test-ffmpeg: unknown version '$version' (expected trixie, sid or 8.1)" >&2; exit 2 ;;
esac
started=$(date +%s)
step() { echo "test-ffmpeg[$version]: $* ($(( $(date +%s) - started )) s)" >&2; }
fail() { echo "test-ffmpeg[$version]: FAILED: $*" >&2; exit 1; }

command -v debootstrap >/dev/null 2>&1 || {
  step "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
}
cache="${ENCODE_NATIVE_CACHE:-/var/cache/encode-native}"
mkdir -p "$cache"
mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)"
[ -n "$mirror" ] || mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)"
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
# Toolchain: this machine's rustup toolchain, mounted read-only.
toolchain="$(dirname "$(dirname "$(rustup which rustc 2>/dev/null || command -v rustc)")")"
[ -x "$toolchain/bin/cargo" ] || fail "no Rust toolchain found (rustup which rustc)"
registry="${CARGO_HOME:-$HOME/.cargo}/registry"
mkdir -p "$registry"

R="$cache/root-$version"
# Everything mounted inside the root, deepest first.
cleanup() {
  awk -v r="$R/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  return 0
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM
cleanup

inside() {
  chroot "$R" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
    PATH=/toolchain/bin:/cargo/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    CARGO_HOME=/cargo CARGO_TERM_COLOR=never \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 \
    ${PKG_PATH:+PKG_CONFIG_PATH=$PKG_PATH} ${LIB_PATH:+LD_LIBRARY_PATH=$LIB_PATH} \
    ${WITHOUT:+ENCODE_NATIVE_BUILT_WITHOUT=$WITHOUT} \
    ${CI:+CI=$CI} ${CARGO_INCREMENTAL:+CARGO_INCREMENTAL=$CARGO_INCREMENTAL} "$@"
}
mount_root() {
  mount -t proc proc "$R/proc"
  mount --bind /dev "$R/dev"
  mount --bind /dev/pts "$R/dev/pts"
  mkdir -p "$R/toolchain" "$R/cargo/registry" "$R/src"
  mount --bind "$toolchain" "$R/toolchain"
  mount -o remount,bind,ro "$R/toolchain"
  mount --bind "$registry" "$R/cargo/registry"
}
fresh_root() { # TARBALL
  cleanup
  rm -rf "$R"
  mkdir -p "$R"
  tar -xf "$1" -C "$R"
  cp /etc/resolv.conf "$R/etc/resolv.conf"
  [ -f /etc/pip.conf ] && cp /etc/pip.conf "$R/etc/pip.conf"
  mount_root
  # This machine's certificate bundle, for pip and cargo (after any apt-get, whose
  # ca-certificates would replace it with Debian's own).
  mkdir -p "$R/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
}

# 1. The minimal root of the suite, made once.
minbase="$cache/$suite-minbase.tar"
if [ ! -f "$minbase" ]; then
  step "debootstrap --variant=minbase $suite from $mirror"
  rm -rf "$cache/make-$suite"
  debootstrap --variant=minbase "$suite" "$cache/make-$suite" "$mirror" >"$cache/debootstrap-$suite.log" 2>&1 ||
    { tail -5 "$cache/debootstrap-$suite.log" >&2; fail "debootstrap $suite"; }
  if [ "$suite" = sid ]; then
    # sid's Release on the mirror may be past its Valid-Until date; accept it, here only.
    echo 'Acquire::Check-Valid-Until "false";' >"$cache/make-$suite/etc/apt/apt.conf.d/99encode-native-valid-until"
  fi
  tar -cf "$minbase.tmp" -C "$cache/make-$suite" . && mv "$minbase.tmp" "$minbase"
  rm -rf "$cache/make-$suite"
fi

# 2. The root after scripts/setup.sh (and the C compiler, which the C suite and cc need, and
#    valgrind, which scripts/valgrind.sh needs), once per setup script and package list; older
#    tarballs of the suite (other keys) are removed when a new one is made.
extra_packages="gcc g++ libc6-dev git ca-certificates valgrind"
key="$( (cat scripts/setup.sh; echo "$extra_packages") | sha256sum | cut -c1-12)"
ready="$cache/$suite-setup-$key.tar"
# A copy of the work tree (tracked and new files, as they are now).
copy_src() {
  rm -rf "$R/src.tmp" && mkdir -p "$R/src"
  git ls-files -z -co --exclude-standard | xargs -0 tar -cf - 2>/dev/null | tar -xf - -C "$R/src"
}
if [ ! -f "$ready" ]; then
  fresh_root "$minbase"
  copy_src
  step "scripts/setup.sh in a fresh $suite root"
  inside sh -c 'apt-get update -qq' || fail "apt-get update in the $suite root"
  inside sh -c 'cd /src && sh scripts/setup.sh' || fail "scripts/setup.sh in the $suite root"
  inside sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $extra_packages" >"$cache/apt-$suite.log" 2>&1 ||
    { tail -n 20 "$cache/apt-$suite.log" >&2; df -h "$cache" >&2; fail "apt-get install $extra_packages in the $suite root"; }
  inside sh -c 'apt-get clean'
  cleanup
  rm -rf "$R/src"
  tar -cf "$ready.tmp" -C "$R" . && mv "$ready.tmp" "$ready"
  for old in "$cache/$suite"-setup-*.tar; do
    [ "$old" = "$ready" ] || rm -f "$old"
  done
fi
fresh_root "$ready"
copy_src
step "$(inside sh -c 'pkg-config --modversion libavcodec') (libavcodec) from $suite's packages"

# 3. FFmpeg 8.1 from Debian's source package with its codec libraries, built on this machine
#    for glibc 2.28 (cached with its keys).
PKG_PATH=""
LIB_PATH=""
WITHOUT=""
if [ -n "$ffmpeg_source" ]; then
  step "FFmpeg 8.1 and its codec libraries (scripts/build-codecs.sh)"
  prefix="$(sh scripts/build-codecs.sh | tail -1)" || fail "scripts/build-codecs.sh"
  # Mounted at the same path in the root, so that the paths its pkg-config files name hold.
  mkdir -p "$R$prefix"
  mount --bind "$prefix" "$R$prefix"
  mount -o remount,bind,ro "$R$prefix"
  PKG_PATH="$prefix/lib/pkgconfig"
  LIB_PATH="$prefix/lib"
  # rav1e (a Rust library) is not built into it: the tests that need it skip, saying so.
  WITHOUT=librav1e
  step "$(inside sh -c 'pkg-config --modversion libavcodec') (libavcodec) from $(head -1 "$prefix/codecs.txt" | tr '\t' ' ')"
fi
# The cargo target directory of this version, kept between runs, where the scripts look.
mkdir -p "$cache/target-$version" "$R/src/target"
mount --bind "$cache/target-$version" "$R/src/target"

if [ "$mode" = --prepare ]; then
  step "prepared $R"
  exit 0
fi
if [ "$mode" = --run ]; then
  inside sh -c "cd /src && $run_command"
  exit $?
fi
if [ "$mode" = --shell ]; then
  inside sh -c 'cd /src && exec bash -i' </dev/tty >/dev/tty 2>&1 || true
  exit 0
fi

if [ "$full" = 1 ]; then
  # What scripts/test.sh builds first (it builds the rest: the tests, the Python module, the
  # C library).
  step "cargo build --examples --bins (warnings denied)"
  inside sh -c 'cd /src && RUSTFLAGS="-D warnings" cargo build --examples --bins' || fail "build"
else
  # Every crate of the workspace and every target, with one set of features for the tests.
  step "cargo build --workspace --all-targets (warnings denied)"
  inside sh -c 'cd /src && RUSTFLAGS="-D warnings" cargo build --workspace --all-targets' || fail "build"
fi
# The main job as a new user runs it: the demo with sound, as GIF and as WebM, decoded back
# (GIF and WebM smaller and shorter: this is a debug build).
step "encode-native demo: MP4 with sound, GIF, WebM"
inside sh -c 'rm -rf /tmp/demo && mkdir /tmp/demo && cd /tmp/demo && B=/src/target/debug/encode-native &&
  $B demo -q -o d.mp4 --sample-rate 48000 && $B demo -q --size 320x240 --frames 60 -o d.gif &&
  $B demo -q --size 320x240 --frames 60 -o d.webm' || fail "encode-native demo"
for f in d.mp4:300 d.gif:60 d.webm:60; do
  n="$(inside ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "/tmp/demo/${f%:*}")"
  [ "$n" = "${f#*:}" ] || fail "${f%:*}: $n frames decoded, ${f#*:} expected"
done
# Samples decoded, within the duration the MP4 states (the decoders of FFmpeg 5.1 and 7.1 also
# give the end padding that the edit list leaves out; players stop at the stated duration).
bytes="$(inside sh -c 'ffmpeg -v error -i /tmp/demo/d.mp4 -map 0:a -ac 1 -f s16le - | wc -c')"
stated="$(inside ffprobe -v error -select_streams a:0 -show_entries stream=duration_ts -of csv=p=0 /tmp/demo/d.mp4)"
samples=$((bytes / 2))
[ "$samples" -le "$stated" ] || samples="$stated"
[ "$samples" = 480000 ] || fail "d.mp4: $samples samples played ($((bytes / 2)) decoded, $stated stated), 480000 expected"
echo "test-ffmpeg[$version]:   d.mp4: 300 frames, 480000 samples; d.gif, d.webm: 60 frames" >&2

log="$cache/test-$version.log"
rc=0
if [ "$full" = 1 ]; then
  step "scripts/test.sh (log: $log)"
  inside sh -c 'cd /src && RUSTFLAGS="-D warnings" sh scripts/test.sh' >"$log" 2>&1 || rc=$?
else
  step "the Rust integration suite (log: $log)"
  inside sh -c 'cd /src && RUSTFLAGS="-D warnings" cargo test --workspace --test integration' >"$log" 2>&1 || rc=$?
fi
grep -E '^test result:|passed|failed' "$log" | tail -n 12 >&2
[ "$rc" = 0 ] || { tail -n 40 "$log" >&2; fail "tests, exit $rc (log: $log)"; }
if [ "$valgrind" = 1 ]; then
  step "scripts/valgrind.sh (log: $cache/valgrind-$version.log)"
  inside sh -c 'cd /src && sh scripts/valgrind.sh' >"$cache/valgrind-$version.log" 2>&1 ||
    { tail -n 40 "$cache/valgrind-$version.log" >&2; fail "valgrind"; }
  grep -c '^valgrind: ' "$cache/valgrind-$version.log" | sed 's/^/test-ffmpeg: valgrind runs: /' >&2
fi
step "done"
