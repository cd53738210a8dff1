#!/bin/sh
# Builds, from Debian sid's source packages, the codec libraries encode-native's FFmpeg uses and
# then FFmpeg 8.1 itself (Debian's `ffmpeg 7:8.1.2`), all compiled with zig's C/C++ compiler
# (PyPI's `ziglang`) for glibc 2.28, so that the result runs on manylinux_2_28 systems: the
# codec libraries as position-independent static archives linked into libavcodec (whose version
# script keeps their symbols private; libsrt, for the srt:// protocol, into libavformat), FFmpeg
# as shared libraries.
#
#   sh scripts/build-codecs.sh            prints FFmpeg's prefix (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig)
#
# Environment:
#   ENCODE_NATIVE_CACHE          cache root (default /var/cache/encode-native); everything goes
#                                under its codecs/ folder, outside the clone
#   ENCODE_NATIVE_CODECS_TARGET  zig target (default x86_64-linux-gnu.2.28; also
#                                aarch64-linux-gnu.2.28, cross-compiled: the recipes named
#                                build_<lib>_aarch64 replace build_<lib> there)
#   ENCODE_NATIVE_CODECS         the codec libraries to build (default: all of scripts/codecs.txt)
#   JOBS                         make -j (default: the number of cores)
#
# Versions: scripts/codecs.txt names each source package and, optionally, a version prefix.
# Without one the newest version in sid (then trixie, then bookworm) whose original tarball the
# mirror serves is taken. Only the upstream tarball (.orig.tar.*) is used, not Debian's patches,
# as for build-ffmpeg.sh; its SHA-256 is checked against the signed Sources index.
#
# Caching: each library is installed into CACHE/codecs/<target>/<lib>-<key>/, the key a hash of
# the source tarball, the target, zig's version and this script's recipe for that library (its
# build_<lib> function); FFmpeg's key also holds its configure flags and its libraries' keys. A
# second run reuses them and takes seconds. Each library's build time is printed (and, when
# cached, the time the first build took).
#
# Needs: python3 (venv, for zig), nasm, cmake, meson, ninja, make, perl, pkg-config, apt-get
# (the host's apt configuration is left alone: sid's source index is kept in a private apt
# state in the cache), and root (or sudo) the first time to install missing build tools.
set -eu
cd "$(dirname "$0")/.."
repo="$PWD"
script="$repo/scripts/build-codecs.sh"
TARGET="${ENCODE_NATIVE_CODECS_TARGET:-x86_64-linux-gnu.2.28}"
C="${ENCODE_NATIVE_CACHE:-/var/cache/encode-native}/codecs"
T="$C/$TARGET"
JOBS="${JOBS:-$(nproc)}"
ARCH="${TARGET%%-*}"
case "$ARCH" in
  x86_64 | aarch64) ;;
  *) echo "build-codecs: target $TARGET: only x86_64 and aarch64 are built" >&2; exit 2 ;;
esac
WANT="${ENCODE_NATIVE_CODECS:-$(sed -n 's/^\([a-z0-9-]*\).*/\1/p' scripts/codecs.txt | grep -v '^ffmpeg$' | tr '\n' ' ')}"
mkdir -p "$C" "$T"
log() { echo "build-codecs: $*" >&2; }

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
missing=""
tools="nasm cmake meson ninja-build make perl pkg-config python3-venv xz-utils"
# The checks below read the libraries' symbols with the target's binutils.
[ "$ARCH" = x86_64 ] || tools="$tools binutils-$ARCH-linux-gnu"
for p in $tools; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
  log "installing$missing"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# --- zig, and single-executable wrappers for configure scripts, cmake and meson -------------
if [ ! -x "$C/zig-venv/bin/python" ] || ! "$C/zig-venv/bin/python" -c 'import ziglang' 2>/dev/null; then
  log "installing ziglang from PyPI into $C/zig-venv"
  python3 -m venv "$C/zig-venv"
  "$C/zig-venv/bin/pip" install -q ziglang
fi
ZIG="$("$C/zig-venv/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')"
ZIG_VERSION="$("$ZIG" version)"
BIN="$T/bin"
mkdir -p "$BIN" "$C/zig-cache"
wrapper() {
  # $1 name, $2 zig subcommand, $3 target (for the compilers)
  cat >"$BIN/$1.new" <<EOF
#!/bin/sh
# zig $2 for ${3:-any target} (written by scripts/build-codecs.sh).
export ZIG_GLOBAL_CACHE_DIR="$C/zig-cache" ZIG_LOCAL_CACHE_DIR="$C/zig-cache"
target="${3:-}"
for a in "\$@"; do
  shift
  case "\$a" in
    # Code for any x86-64 of the target, never the build machine's own CPU.
    -march=native|-mtune=native|-mcpu=native) continue ;;
    # zig reads -march as a CPU name: an Arm architecture level with extensions
    # (-march=armv8.2-a+dotprod, for the files that use them) becomes the generic CPU with
    # those features (-mcpu=generic+v8_2a+dotprod).
    -march=armv[0-9]*)
      v="\${a#-march=armv}"; base="\${v%%+*}"; feats="\${v#"\$base"}"
      base="\$(echo "\${base%-a}" | tr . _)"
      a="-mcpu=generic+v\${base}a\$feats" ;;
    # Input from stdin (meson asks for the predefined macros so) goes to clang with the
    # triple as given, which clang rejects with a glibc version: without it, the same macros.
    -) target="\${target%%.[0-9]*}" ;;
    # Build systems tell linkers apart by their --version line; zig's linker (LLD-based, with
    # GNU ld's options) names itself "zig ld", which meson does not know.
    -Wl,--version) echo "LLD 20.1 (zig, compatible with GNU linkers)"; exit 0 ;;
  esac
  set -- "\$@" "\$a"
done
exec "$ZIG" $2 \${target:+-target "\$target"} "\$@"
EOF
  chmod +x "$BIN/$1.new"
  mv "$BIN/$1.new" "$BIN/$1"
}
wrapper zcc cc "$TARGET"
wrapper zcxx c++ "$TARGET"
wrapper zar ar
wrapper zranlib ranlib
cat >"$BIN/toolchain.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR $ARCH)
set(CMAKE_C_COMPILER $BIN/zcc)
set(CMAKE_CXX_COMPILER $BIN/zcxx)
set(CMAKE_AR $BIN/zar)
set(CMAKE_RANLIB $BIN/zranlib)
set(CMAKE_ASM_NASM_COMPILER /usr/bin/nasm)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
EOF
# meson builds for another architecture only from a cross file.
cat >"$BIN/cross.meson" <<EOF
[binaries]
c = '$BIN/zcc'
cpp = '$BIN/zcxx'
ar = '$BIN/zar'
strip = '/bin/true'
pkg-config = 'pkg-config'

[host_machine]
system = 'linux'
cpu_family = '$ARCH'
cpu = '$ARCH'
endian = 'little'
EOF
# (SVT-AV1 and libaom test many -m flags with try_compile: linking each test program would make
# zig build its libc++ anew for every set of CPU features, minutes each; they compile only.)
export CC="$BIN/zcc" CXX="$BIN/zcxx" AR="$BIN/zar" RANLIB="$BIN/zranlib"
CFLAGS_COMMON="-O2 -fPIC -g0"

# --- Debian's source packages, through a private apt state -----------------------------------
APT_DIR="$C/apt"
mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/parts" "$APT_DIR/cache/archives/partial"
mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)"
mirror="${mirror:-http://deb.debian.org/debian}"
printf 'Types: deb-src\nURIs: %s\nSuites: sid trixie bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
  "$mirror" >"$APT_DIR/parts/codecs-src.sources"
# sid's (snapshot) Release is past its Valid-Until date; the signature is still checked.
APT="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$APT_DIR/parts \
 -o Dir::State::Lists=$APT_DIR/lists -o Dir::Cache=$APT_DIR/cache -o Acquire::Check-Valid-Until=false"
if [ -z "$(find "$APT_DIR/lists" -name '*_sid_*Sources*' -mmin -1440 2>/dev/null | head -1)" ] ||
   [ -z "$(find "$APT_DIR/lists" -name '*_bookworm_*Sources*' 2>/dev/null | head -1)" ]; then
  log "updating the private source index (sid, trixie, bookworm)"
  apt-get $APT -qq update >&2
fi

# fetch PKG [VERSION-PREFIX]: prints the path of the verified original tarball, newest first.
fetch() {
  pkg="$1"
  want="${2:-}"
  dir="$C/src/$pkg"
  mkdir -p "$dir"
  for v in $(apt-cache $APT showsrc "$pkg" | sed -n 's/^Version: //p' | sort -urV); do
    case "$v" in "$want"*) ;; *) continue ;; esac
    line="$(apt-get $APT -qq source --print-uris "$pkg=$v" | grep "\.orig\.tar\.[a-z0-9]*' " || true)"
    [ -n "$line" ] || continue
    uri="$(echo "$line" | cut -d"'" -f2)"
    name="$(echo "$line" | cut -d' ' -f2)"
    hash="$(echo "$line" | cut -d' ' -f4)"
    if [ ! -f "$dir/$name" ]; then
      # The mirror may not hold every version's files: the next older one is tried.
      /usr/lib/apt/apt-helper download-file "$uri" "$dir/$name.part" "$hash" >/dev/null 2>&1 || {
        rm -f "$dir/$name.part"
        log "$pkg $v: $uri not served, trying an older version"
        continue
      }
      mv "$dir/$name.part" "$dir/$name"
    fi
    echo "$v $dir/$name ${hash#SHA256:}"
    return 0
  done
  log "$pkg: no source tarball found (version ${want:-any})"
  return 1
}

unpack() {
  # unpack TARBALL DIR: with or without a single top-level folder.
  rm -rf "$2"
  mkdir -p "$2"
  tops="$(tar -tf "$1" | sed 's|^\./||' | cut -d/ -f1 | sort -u | grep -c .)"
  if [ "$tops" = 1 ]; then tar -xf "$1" -C "$2" --strip-components=1; else tar -xf "$1" -C "$2"; fi
}

recipe_text() { sed -n "/^build_$1() {/,/^}/p" "$script"; }

# --- recipes: run in the unpacked source, install into $P -------------------------------------
build_zlib() {
  CFLAGS="$CFLAGS_COMMON" ./configure --prefix="$P" --static >build.log 2>&1
  make -j"$JOBS" libz.a >>build.log 2>&1
  make install >>build.log 2>&1
}

build_opus() {
  ./configure --prefix="$P" --disable-shared --enable-static --with-pic --disable-doc \
    --disable-extra-programs CFLAGS="$CFLAGS_COMMON" >build.log 2>&1
  make -j"$JOBS" >>build.log 2>&1
  make install >>build.log 2>&1
}

build_lame() {
  ./configure --prefix="$P" --disable-shared --enable-static --with-pic --disable-frontend \
    --disable-decoder --disable-gtktest CFLAGS="$CFLAGS_COMMON" >build.log 2>&1
  make -j"$JOBS" >>build.log 2>&1
  make install >>build.log 2>&1
}

build_libwebp() {
  # Encoder and libwebpmux (and libsharpyuv, which the encoder needs); no decoders, tools or
  # image readers.
  cmake -S . -B build -G Ninja -DCMAKE_TOOLCHAIN_FILE="$BIN/toolchain.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$P" -DCMAKE_INSTALL_LIBDIR=lib \
    -DBUILD_SHARED_LIBS=OFF -DWEBP_BUILD_ANIM_UTILS=OFF -DWEBP_BUILD_CWEBP=OFF \
    -DWEBP_BUILD_DWEBP=OFF -DWEBP_BUILD_GIF2WEBP=OFF -DWEBP_BUILD_IMG2WEBP=OFF \
    -DWEBP_BUILD_VWEBP=OFF -DWEBP_BUILD_WEBPINFO=OFF -DWEBP_BUILD_WEBPMUX=OFF \
    -DWEBP_BUILD_EXTRAS=OFF -DWEBP_BUILD_LIBWEBPMUX=ON -DWEBP_USE_THREAD=ON \
    -DWEBP_ENABLE_SIMD=ON >build.log 2>&1
  ninja -C build -j"$JOBS" >>build.log 2>&1
  ninja -C build install >>build.log 2>&1
}

build_dav1d() {
  meson setup build --prefix="$P" --libdir=lib --buildtype=release --default-library=static \
    -Db_staticpic=true -Denable_tools=false -Denable_tests=false -Denable_examples=false \
    >build.log 2>&1
  ninja -C build -j"$JOBS" >>build.log 2>&1
  ninja -C build install >>build.log 2>&1
}

build_x264() {
  # All bit depths (8 and 10) in one library; no CLI.
  ./configure --prefix="$P" --disable-cli --enable-static --enable-pic --bit-depth=all \
    --disable-opencl --disable-lavf --disable-swscale --disable-ffms --disable-gpac \
    --disable-lsmash >build.log 2>&1
  make -j"$JOBS" >>build.log 2>&1
  make install-lib-static >>build.log 2>&1
}

build_libvpx() {
  # VP9 encoder only; libvpx's own configure knows zig's clang as a gcc-like compiler.
  ./configure --prefix="$P" --target=x86_64-linux-gcc --disable-vp8 --disable-vp9-decoder \
    --enable-vp9-highbitdepth --disable-examples --disable-tools --disable-docs \
    --disable-unit-tests --enable-pic --enable-static --disable-shared --enable-runtime-cpu-detect \
    --as=nasm >build.log 2>&1
  make -j"$JOBS" >>build.log 2>&1
  make install >>build.log 2>&1
}

build_x265() {
  # encode-native offers 8- and 10-bit 4:2:0/4:2:2/4:4:4 for libx265 (YUV_8_AND_10_BIT in
  # src/codec/), so the 10-bit encoder is built too and linked into the 8-bit library (x265's
  # multilib: one libx265.a, the bit depth chosen per encoder). 12-bit is not offered.
  common="-DCMAKE_TOOLCHAIN_FILE=$BIN/toolchain.cmake -DCMAKE_BUILD_TYPE=Release \
    -DENABLE_SHARED=OFF -DENABLE_CLI=OFF -DENABLE_ASSEMBLY=ON -DENABLE_LIBNUMA=OFF \
    -DENABLE_HDR10_PLUS=OFF -DCMAKE_INSTALL_PREFIX=$P -DLIB_INSTALL_DIR=lib -G Ninja"
  cmake -S source -B build10 $common -DHIGH_BIT_DEPTH=ON -DEXPORT_C_API=OFF >build.log 2>&1
  ninja -C build10 -j"$JOBS" >>build.log 2>&1
  cp build10/libx265.a build10/libx265_main10.a
  cmake -S source -B build8 $common -DLINKED_10BIT=ON -DEXTRA_LIB=x265_main10.a \
    -DEXTRA_LINK_FLAGS=-L"$PWD/build10" >>build.log 2>&1
  # the CLI and shared library are off: EXTRA_LIB is only linked into those, so merge here.
  ninja -C build8 -j"$JOBS" >>build.log 2>&1
  printf 'CREATE libx265.a\nADDLIB build8/libx265.a\nADDLIB build10/libx265_main10.a\nSAVE\nEND\n' |
    "$AR" -M
  ninja -C build8 install >>build.log 2>&1
  cp libx265.a "$P/lib/libx265.a"
  # The C++ runtime is zig's libc++ (linked statically by zig for -lc++), not libstdc++/libgcc.
  sed -i 's/^Libs.private:.*/Libs.private: -lc++ -lm -lpthread -ldl/' "$P/lib/pkgconfig/x265.pc"
}

build_svt_av1() {
  cmake -S . -B build -G Ninja -DCMAKE_TOOLCHAIN_FILE="$BIN/toolchain.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$P" -DCMAKE_INSTALL_LIBDIR=lib \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_APPS=OFF -DBUILD_DEC=OFF -DBUILD_TESTING=OFF \
    -DNATIVE=OFF -DREPRODUCIBLE_BUILDS=ON -DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY \
    >build.log 2>&1
  ninja -C build -j"$JOBS" >>build.log 2>&1
  ninja -C build install >>build.log 2>&1
}

build_aom() {
  cmake -S . -B build -G Ninja -DCMAKE_TOOLCHAIN_FILE="$BIN/toolchain.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$P" -DCMAKE_INSTALL_LIBDIR=lib \
    -DBUILD_SHARED_LIBS=0 -DCONFIG_PIC=1 -DCONFIG_AV1_DECODER=0 -DENABLE_TESTS=0 \
    -DENABLE_EXAMPLES=0 -DENABLE_TOOLS=0 -DENABLE_DOCS=0 -DENABLE_TESTDATA=0 \
    -DCONFIG_TUNE_VMAF=0 -DCONFIG_TUNE_BUTTERAUGLI=0 -DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY \
    >build.log 2>&1
  ninja -C build -j"$JOBS" >>build.log 2>&1
  ninja -C build install >>build.log 2>&1
}

build_srt() {
  # libsrt for FFmpeg's srt:// protocol (libavformat): the library only, static and
  # position-independent, without encryption (no OpenSSL, GnuTLS or mbedtls: SRT's passphrase
  # options are not available), without its apps, bonding or tests.
  cmake -S . -B build -G Ninja -DCMAKE_TOOLCHAIN_FILE="$BIN/toolchain.cmake" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$P" -DCMAKE_INSTALL_LIBDIR=lib \
    -DENABLE_SHARED=OFF -DENABLE_STATIC=ON -DENABLE_ENCRYPTION=OFF -DENABLE_APPS=OFF \
    -DENABLE_TESTING=OFF -DENABLE_UNITTESTS=OFF -DENABLE_BONDING=OFF -DENABLE_CXX_DEPS=OFF \
    >build.log 2>&1
  ninja -C build -j"$JOBS" >>build.log 2>&1
  ninja -C build install >>build.log 2>&1
  # The C++ runtime is zig's libc++ (linked statically by zig for -lc++), as for x265.
  sed -i 's/^Libs.private:.*/Libs.private: -lc++ -lm -lpthread -ldl/' "$P/lib/pkgconfig/srt.pc"
}

# --- aarch64: the recipes that differ (autoconf's and x264's --host, meson's cross file,
# libvpx's target); the CMake builds take the architecture from the toolchain file.
build_opus_aarch64() {
  ./configure --host=aarch64-linux-gnu --prefix="$P" --disable-shared --enable-static \
    --with-pic --disable-doc --disable-extra-programs CFLAGS="$CFLAGS_COMMON" >build.log 2>&1
  make -j"$JOBS" >>build.log 2>&1
  make install >>build.log 2>&1
}

build_lame_aarch64() {
  ./configure --host=aarch64-linux-gnu --prefix="$P" --disable-shared --enable-static \
    --with-pic --disable-frontend --disable-decoder --disable-gtktest \
    CFLAGS="$CFLAGS_COMMON" >build.log 2>&1
  make -j"$JOBS" >>build.log 2>&1
  make install >>build.log 2>&1
}

build_dav1d_aarch64() {
  meson setup build --cross-file "$BIN/cross.meson" --prefix="$P" --libdir=lib \
    --buildtype=release --default-library=static -Db_staticpic=true -Denable_tools=false \
    -Denable_tests=false -Denable_examples=false >build.log 2>&1
  ninja -C build -j"$JOBS" >>build.log 2>&1
  ninja -C build install >>build.log 2>&1
}

build_x264_aarch64() {
  ./configure --host=aarch64-linux-gnu --prefix="$P" --disable-cli --enable-static \
    --enable-pic --bit-depth=all --disable-opencl --disable-lavf --disable-swscale \
    --disable-ffms --disable-gpac --disable-lsmash >build.log 2>&1
  make -j"$JOBS" >>build.log 2>&1
  make install-lib-static >>build.log 2>&1
}

build_libvpx_aarch64() {
  # The NEON code is assembled by the C compiler; nothing is linked but the library.
  LD="$CC" AS="$CC" ./configure --prefix="$P" --target=arm64-linux-gcc --disable-vp8 \
    --disable-vp9-decoder --enable-vp9-highbitdepth --disable-examples --disable-tools \
    --disable-docs --disable-unit-tests --enable-pic --enable-static --disable-shared \
    --enable-runtime-cpu-detect >build.log 2>&1
  make -j"$JOBS" >>build.log 2>&1
  make install >>build.log 2>&1
}

# build_lib NAME: prints the prefix; builds it unless cached.
build_lib() {
  name="$1"
  fn="$(echo "$name" | tr - _)"
  # Another architecture's own recipe, where it has one (its text then makes the key).
  if [ "$ARCH" != x86_64 ] && [ -n "$(recipe_text "${fn}_$ARCH")" ]; then fn="${fn}_$ARCH"; fi
  want="$(sed -n "s/^$name[[:space:]]\{1,\}\([^[:space:]#]*\).*/\1/p" scripts/codecs.txt | head -1)"
  found="$(fetch "$name" "$want")" || return 1
  set -- $found
  version="$1"
  tarball="$2"
  sha="$3"
  key="$(printf '%s\n' "$TARGET" "$ZIG_VERSION" "$sha" "$CFLAGS_COMMON" "$(recipe_text "$fn")" |
    sha256sum | cut -c1-16)"
  P="$T/$name-$key"
  if [ -f "$P/.built" ]; then
    log "$name $version: cached in $P (first build took $(cat "$P/.build-seconds") s)"
    echo "$P"
    return 0
  fi
  work="$C/work/$name-$key"
  log "$name $version: building into $P"
  start=$(date +%s)
  unpack "$tarball" "$work"
  rm -rf "$P"
  # In the background so that set -e holds inside the recipe (it does not in an if's test).
  (cd "$work" && "build_$fn") &
  if ! wait $!; then
    log "$name $version: FAILED, see $work/build.log"
    tail -15 "$work/build.log" >&2 || true
    return 1
  fi
  echo $(( $(date +%s) - start )) >"$P/.build-seconds"
  printf '%s %s\n' "$name" "$version" >"$P/.version"
  printf '%s\n' "$tarball" >"$P/.source"
  touch "$P/.built"
  rm -rf "$work"
  log "$name $version: built in $(cat "$P/.build-seconds") s"
  echo "$P"
}

# --- the codec libraries -----------------------------------------------------------------------
built=""
failed=""
pcpath=""
incs=""
keys=""
for name in $WANT; do
  t0=$(date +%s)
  if p="$(build_lib "$name")"; then
    built="$built $name"
    prefixes="${prefixes:-} $p"
    keys="$keys $(basename "$p")"
    [ -d "$p/lib/pkgconfig" ] && pcpath="$pcpath:$p/lib/pkgconfig"
    incs="$incs -I$p/include"
    libdirs="${libdirs:-} -L$p/lib"
    log "$name: $(( $(date +%s) - t0 )) s this run"
  else
    failed="$failed $name"
  fi
done

# --- FFmpeg ------------------------------------------------------------------------------------
# The encoder, muxer, decoder ... lists are build-ffmpeg.sh's, so that both FFmpegs hold the same.
eval "$(grep -E '^(ENCODERS|MUXERS|DECODERS|DEMUXERS|PARSERS|BSFS|PROTOCOLS|FILTERS)=' scripts/build-ffmpeg.sh)"
has() { case " $built " in *" $1 "*) return 0 ;; esac; return 1; }
drop() {
  ENCODERS="$(echo " $ENCODERS " | sed "s/ $1 / /g")"
  DECODERS="$(echo " $DECODERS " | sed "s/ $1 / /g")"
  PROTOCOLS="$(echo " $PROTOCOLS " | sed "s/ $1 / /g")"
}
# rav1e is Rust, not built here.
drop librav1e
LIBS=""
for pair in x264:libx264 x265:libx265 svt-av1:libsvtav1 aom:libaom libvpx:libvpx libwebp:libwebp \
    opus:libopus lame:libmp3lame dav1d:libdav1d zlib:zlib srt:libsrt; do
  lib="${pair%%:*}"
  opt="${pair#*:}"
  if has "$lib"; then
    LIBS="$LIBS --enable-$opt"
  else
    case "$lib" in
      x264) drop libx264; drop libx264rgb ;;
      x265) drop libx265 ;;
      svt-av1) drop libsvtav1 ;;
      aom) drop libaom_av1 ;;
      libvpx) drop libvpx_vp9 ;;
      libwebp) drop libwebp_anim ;;
      opus) drop libopus ;;
      lame) drop libmp3lame ;;
      dav1d) drop libdav1d ;;
      zlib) drop apng; drop png ;;
      srt) drop libsrt ;;
    esac
  fi
done
list() { printf '%s' "$2" | tr ' ' '\n' | grep . | sed "s/^/--enable-$1=/" | tr '\n' ' '; }
# The network (sockets) for the tcp, rtmp and srt protocols; no TLS library, so no https or rtmps.
flags="--disable-everything --disable-programs --disable-doc --enable-network --disable-autodetect \
 --enable-gpl --enable-shared --disable-static --enable-pic \
 --disable-avdevice --enable-avfilter $(list filter "$FILTERS") \
 --enable-swscale --enable-swresample --enable-avformat --enable-avcodec \
 $(list encoder "$ENCODERS") $(list muxer "$MUXERS") $(list decoder "$DECODERS") \
 $(list demuxer "$DEMUXERS") $(list parser "$PARSERS") $(list bsf "$BSFS") \
 $(list protocol "$PROTOCOLS") $LIBS"

# Another architecture is a cross build (the x86-64 flags stay as they were: they are its key).
if [ "$ARCH" != x86_64 ]; then
  flags="$flags --enable-cross-compile --arch=$ARCH --target-os=linux --strip=$ARCH-linux-gnu-strip"
fi
NM=nm OBJDUMP=objdump
[ "$ARCH" = x86_64 ] || { NM="$ARCH-linux-gnu-nm"; OBJDUMP="$ARCH-linux-gnu-objdump"; }

build_ffmpeg() {
  # zig links the C++ runtime (libc++) statically when -lc++ is asked for (x265's and libsrt's
  # Libs.private); it ends up inside libavcodec.so (x265) and libavformat.so (libsrt), kept
  # private by FFmpeg's version scripts.
  ./configure --prefix="$P" $flags --pkg-config-flags=--static \
    --cc="$CC" --cxx="$CXX" --ar="$AR" --ranlib="$RANLIB" --nm="$NM" \
    --extra-cflags="$incs" --extra-ldflags="$libdirs" >build.log 2>&1 || return 1
  # A component asked for and dropped (a missing dependency) is an error, not a smaller build.
  if grep -q '^WARNING: Disabled' build.log; then grep '^WARNING: Disabled' build.log >&2; return 1; fi
  # configure finds sysctl() in zig's glibc 2.28 stubs, but zig's glibc headers (a newer
  # glibc's) have no <sys/sysctl.h>; Linux builds do not use it (the CPU count comes from
  # sched_getaffinity).
  sed -i 's/^#define HAVE_SYSCTL 1$/#define HAVE_SYSCTL 0/' config.h
  make -j"$JOBS" >>build.log 2>&1
  make install >>build.log 2>&1
  mkdir -p "$P/share/licenses/ffmpeg"
  cp LICENSE.md COPYING.GPLv2 COPYING.LGPLv2.1 "$P/share/licenses/ffmpeg/"
  printf '%s\n' "$flags" >"$P/configure-flags"
}

ffwant="$(sed -n 's/^ffmpeg[[:space:]]\{1,\}\([^[:space:]#]*\).*/\1/p' scripts/codecs.txt | head -1)"
found="$(fetch ffmpeg "$ffwant")"
set -- $found
ffversion="$1"
fftarball="$2"
ffsha="$3"
export PKG_CONFIG_LIBDIR="${pcpath#:}"
export PKG_CONFIG_PATH=""
key="$(printf '%s\n' "$TARGET" "$ZIG_VERSION" "$ffsha" "$flags" "$keys" "$(recipe_text ffmpeg)" |
  sha256sum | cut -c1-16)"
P="$T/ffmpeg-$key"
t0=$(date +%s)
if [ -f "$P/.built" ]; then
  log "ffmpeg $ffversion: cached in $P (first build took $(cat "$P/.build-seconds") s)"
else
  work="$C/work/ffmpeg-$key"
  log "ffmpeg $ffversion: building into $P"
  unpack "$fftarball" "$work"
  rm -rf "$P"
  (cd "$work" && build_ffmpeg) &
  if ! wait $!; then
    log "ffmpeg $ffversion: FAILED, see $work/build.log"
    tail -25 "$work/build.log" >&2 || true
    exit 1
  fi
  echo $(( $(date +%s) - t0 )) >"$P/.build-seconds"
  touch "$P/.built"
  rm -rf "$work"
  log "ffmpeg $ffversion: built in $(cat "$P/.build-seconds") s"
fi
log "ffmpeg: $(( $(date +%s) - t0 )) s this run"

# --- checks: glibc symbol versions, nothing of the codec libraries or C++ runtime exported ------
max_allowed="${TARGET##*gnu.}"
versions="$(for so in "$P"/lib/lib*.so; do $OBJDUMP -T "$so"; done | grep -o 'GLIBC_[0-9.]*' | sort -uV)"
log "glibc symbol versions needed: $(echo $versions)"
max="$(echo "$versions" | tail -1 | sed 's/GLIBC_//')"
if [ "$(printf '%s\n%s\n' "$max" "$max_allowed" | sort -V | tail -1)" != "$max_allowed" ]; then
  log "needs glibc $max, more than the target's $max_allowed"
  exit 1
fi
for so in "$P"/lib/lib*.so; do
  extra="$($NM -D --defined-only "$so" | awk '{print $3}' |
    grep -Ev '^(av|sws|swr|swscale_|swresample_|ff_)|^LIB' || true)"
  if [ -n "$extra" ]; then
    log "$(basename "$so") exports symbols other than FFmpeg's: $(echo "$extra" | head -5 | tr '\n' ' ')"
    exit 1
  fi
done
# --- what is inside: FFmpeg's and each codec library's version and licence texts --------------
# $P/codecs.txt ("name<TAB>Debian source version" per line, FFmpeg first), read by build.rs
# (`encode-native info`) and scripts/licenses.py; each library's licence files, from its source
# tarball, in $P/share/licenses/NAME/. Written on every run (not part of any key).
{
  printf 'ffmpeg\t%s\n' "$ffversion"
  for p in $prefixes; do
    tr ' ' '\t' <"$p/.version"
  done
} >"$P/codecs.txt.tmp"
for p in $prefixes; do
  name="$(cut -d' ' -f1 "$p/.version")"
  tarball="$(cat "$p/.source" 2>/dev/null || ls "$C/src/$name"/*.orig.tar.* | tail -1)"
  dest="$P/share/licenses/$name"
  rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
  # The top-level COPYING, LICENSE and PATENTS files (any suffix), with or without a folder.
  tar -tf "$tarball" | grep -E '^(\./)?([^/]+/)?(COPYING|LICEN[CS]E|PATENTS)[^/]*$' |
    grep -v '/$' | while read -r f; do
      tar -xOf "$tarball" "$f" >"$dest.tmp/$(basename "$f")"
    done
  [ -n "$(ls "$dest.tmp")" ] || { log "$name: no licence file in $tarball"; exit 1; }
  rm -rf "$dest" && mv "$dest.tmp" "$dest"
done
# zig links LLVM's C++ runtime (libc++, libc++abi, libunwind) into libavcodec for x265 and into
# libavformat for libsrt.
if has x265 || has srt; then
  printf 'libc++\tzig %s\n' "$ZIG_VERSION" >>"$P/codecs.txt.tmp"
  zig_lib="$(dirname "$ZIG")/lib"
  rm -rf "$P/share/licenses/libc++" && mkdir -p "$P/share/licenses/libc++"
  for part in libcxx libcxxabi libunwind; do
    cp "$zig_lib/$part/LICENSE.TXT" "$P/share/licenses/libc++/$part-LICENSE.TXT"
  done
fi
mv "$P/codecs.txt.tmp" "$P/codecs.txt"
if [ -n "$failed" ]; then
  log "not built (left out of FFmpeg):$failed"
fi
log "FFmpeg prefix: $P (PKG_CONFIG_PATH=$P/lib/pkgconfig)"
echo "$P"
[ -z "$failed" ]
