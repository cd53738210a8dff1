#!/bin/sh
# Builds the minimal FFmpeg that a self-contained encode-native links: Debian's FFmpeg source
# package, configured with --disable-everything plus exactly what encode-native uses (its
# encoders, the muxers of its containers, and the demuxers, decoders, parsers and bitstream
# filters that recover, concat and audio from files need), libswscale, libswresample and
# libavfilter with the filters the filter setting offers, the file, pipe and subfile
# protocols, and the hls, dash and flv muxers with tcp and rtmp for live and segmented output;
# GPL, with the codec libraries from Debian's packages.
#
#   sh scripts/build-ffmpeg.sh [PREFIX]     (default: target/ffmpeg)
#
# ENCODE_NATIVE_FFMPEG_SOURCE names another source package version than the system's
# (`ffmpeg=7:8.1.2`: apt-get source's PACKAGE=VERSION, a version prefix is enough), and
# ENCODE_NATIVE_FFMPEG_WORK the folder for sources and build trees (default target/).
#
# The libraries keep FFmpeg's names, so that encode-native builds against them through
# pkg-config as against the system's (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig); what bundles
# them renames them (auditwheel gives each a hash suffix), so that they never clash with
# another FFmpeg in the same process (OpenCV's, PyAV's). The tree is cached: a build is
# kept under PREFIX/<key>, the key made of the source version and these configure flags,
# and reused while neither changes. Needs root (or sudo) for apt-get the first time.
set -eu
cd "$(dirname "$0")/.."
prefix_root="${1:-$PWD/target/ffmpeg}"

ENCODERS="libx264 libx264rgb mpeg4 msmpeg4v3 libx265 libsvtav1 libaom_av1 librav1e libvpx_vp9 prores_ks ffv1 apng libwebp_anim gif mjpeg aac libopus flac pcm_s16le pcm_s24le pcm_f32le libmp3lame ac3 eac3"
# hls (fMP4 segments through mp4/mov, MPEG-TS segments through mpegts, subtitles' webvtt: its
# configure selects them) and dash (mp4) write playlists and segments through the file protocol;
# flv is what an rtmp:// push carries. No hls, dash or flv demuxer: nothing here reads them back.
MUXERS="mp4 mov matroska webm avi mpegts apng webp gif asf hls dash flv"
# What recover and concat decode to check frames, and what audio from files reads.
DECODERS="h264 hevc libdav1d vp9 prores ffv1 mpeg4 msmpeg4v3 mjpeg apng png gif webp aac opus libopus flac mp3 mp3float vorbis ac3 eac3 alac pcm_s16le pcm_s16be pcm_s24le pcm_s24be pcm_s32le pcm_f32le pcm_f64le pcm_u8"
DEMUXERS="mov matroska avi asf mpegts wav mp3 flac ogg aac ac3 eac3 apng gif webm_dash_manifest"
PARSERS="h264 hevc av1 vp9 mpeg4video mjpeg aac opus flac mpegaudio vorbis ac3 png gif webp"
BSFS="h264_mp4toannexb hevc_mp4toannexb aac_adtstoasc vp9_superframe extract_extradata av1_frame_merge"
# The filter setting's graphs (libavfilter): geometry, timing, colour and layout filters,
# split and overlay for picture-in-picture, palettegen and paletteuse for GIF palettes. No
# drawtext: it needs FreeType, fontconfig and HarfBuzz (and fonts), megabytes more in every
# wheel.
FILTERS="format null copy scale crop pad fps transpose hflip vflip rotate setsar setdar framestep select trim tpad split overlay palettegen paletteuse colorchannelmixer eq hue lut lutrgb lutyuv negate boxblur gblur unsharp drawbox drawgrid fade"
# subfile: recover reads a partial file up to its last complete fragment through it. tcp and
# rtmp (FFmpeg's own RTMP, not librtmp) for rtmp:// pushes, libsrt (the srt:// scheme, through
# libsrt) for SRT pushes. No TLS (tls, https, rtmps): it would need OpenSSL or GnuTLS.
PROTOCOLS="file pipe subfile tcp rtmp libsrt"
# Debian ships static archives of some codec libraries; those whose code is position-independent
# (it links into a shared library without text relocations: checked below) are linked into
# libavcodec, whose version script keeps their symbols private, so nothing more is bundled for
# them and no other copy in the process can be picked up. The others, and those Debian ships
# only as shared libraries (SVT-AV1, rav1e, dav1d, libnuma), are bundled beside it. libwebp
# stays shared with libwebpmux, whose archive is not position-independent and which links it.
STATIC_CANDIDATES="x264 x265 aom vpx opus mp3lame z"
LIBS="--enable-libx264 --enable-libx265 --enable-libsvtav1 --enable-libaom --enable-librav1e --enable-libvpx --enable-libwebp --enable-libopus --enable-libmp3lame --enable-libdav1d --enable-zlib"

packages="make gcc nasm pkg-config xz-utils zlib1g-dev libnuma-dev libx264-dev libx265-dev libopus-dev libmp3lame-dev libvpx-dev libsvtav1enc-dev libaom-dev librav1e-dev libwebp-dev libdav1d-dev"
missing=""
for p in $packages; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing="$missing $p"
done
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if [ -n "$missing" ]; then
  echo "build-ffmpeg: installing$missing" >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Debian's libsrt is built with encryption (OpenSSL or GnuTLS, each megabytes more to bundle):
# this FFmpeg has no srt:// protocol; scripts/build-codecs.sh builds libsrt without encryption.
own_protocols="$(echo " $PROTOCOLS " | sed 's/ libsrt / /; s/^ //; s/ $//')"
list() { printf '%s' "$2" | tr ' ' '\n' | sed "s/^/--enable-$1=/" | tr '\n' ' '; }
flags="--disable-everything --disable-programs --disable-doc --enable-network --disable-autodetect \
 --enable-gpl --enable-shared --disable-static --enable-pic \
 --disable-avdevice --enable-avfilter $(list filter "$FILTERS") \
 --enable-swscale --enable-swresample --enable-avformat --enable-avcodec \
 $(list encoder "$ENCODERS") $(list muxer "$MUXERS") $(list decoder "$DECODERS") \
 $(list demuxer "$DEMUXERS") $(list parser "$PARSERS") $(list bsf "$BSFS") \
 $(list protocol "$own_protocols") $LIBS"

source="${ENCODE_NATIVE_FFMPEG_SOURCE:-ffmpeg}"
src_dir="${ENCODE_NATIVE_FFMPEG_WORK:-$PWD/target}/ffmpeg-src"
[ "$source" = ffmpeg ] || src_dir="$src_dir/$(echo "$source" | tr -c 'A-Za-z0-9.\n' '_')"
mkdir -p "$src_dir"
if ! ls "$src_dir"/ffmpeg_*.orig.tar.xz >/dev/null 2>&1; then
  if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    echo "build-ffmpeg: adding deb-src entries for Debian's source packages, beside the binary ones" >&2
    # The same mirrors and suites as the binary packages' entries.
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] && grep -q '^Types: *deb$' "$f" || continue
      sed 's/^Types: *deb$/Types: deb-src/' "$f" | $SUDO tee "/etc/apt/sources.list.d/encode-native-src-$(basename "$f")" >/dev/null
    done
    if grep -qs '^deb ' /etc/apt/sources.list; then
      sed -n 's/^deb /deb-src /p' /etc/apt/sources.list | $SUDO tee /etc/apt/sources.list.d/encode-native-src.list >/dev/null
    fi
    $SUDO apt-get update -qq
  fi
  case "$source" in
    *=*)
      # PACKAGE=VERSION-PREFIX: the newest source version starting with the prefix.
      want="${source#*=}"
      full="$(apt-cache showsrc ffmpeg | sed -n 's/^Version: //p' | grep "^$want" | sort -V | tail -1)"
      [ -n "$full" ] || { echo "build-ffmpeg: no ffmpeg source package $want in apt's lists" >&2; exit 1; }
      (cd "$src_dir" && apt-get source -qq --download-only "ffmpeg=$full") ;;
    *) (cd "$src_dir" && apt-get source -qq --download-only "$source") ;;
  esac
fi
tarball="$(ls "$src_dir"/ffmpeg_*.orig.tar.xz | head -1)"
version="$(basename "$tarball" .orig.tar.xz | sed 's/^ffmpeg_//')"
# libpostproc left FFmpeg in 8.0; before, it is disabled like the other unused libraries.
case "$version" in
  [0-7].*) flags="$flags --disable-postproc" ;;
esac
multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
STATIC_LIBS=""
for lib in $STATIC_CANDIDATES; do
  archive="/usr/lib/$multiarch/lib$lib.a"
  if [ -f "$archive" ] && gcc -shared -o "$src_dir/pic-check.so" -Wl,--whole-archive "$archive" \
      -Wl,--no-whole-archive -Wl,-z,text >/dev/null 2>&1; then
    STATIC_LIBS="$STATIC_LIBS $lib"
  fi
done
rm -f "$src_dir/pic-check.so"
STATIC_LIBS="${STATIC_LIBS# }"
# glibc 2.35 gave hypot a new symbol version (the same function without the old SVID error
# wrapper); FFmpeg is the only part that would need glibc 2.35 for it, Debian's codec
# libraries and Rust's standard library need 2.34. Where libm has the new version, every C file
# binds hypot to the old one, so that the libraries run on glibc 2.34 (RHEL 9 and its kin).
compat=""
compat_cflags=""
libm="$(gcc -print-file-name=libm.so.6)"
if objdump -T "$libm" 2>/dev/null | grep -q 'GLIBC_2\.35.*hypot$' &&
   objdump -T "$libm" | grep -q 'GLIBC_2\.2\.5.*hypot$'; then
  compat="hypot@GLIBC_2.2.5"
  compat_cflags="-include $src_dir/glibc-compat.h"
  printf '%s\n' '/* scripts/build-ffmpeg.sh: hypot from before glibc 2.35. */' \
    '__asm__(".symver hypot,hypot@GLIBC_2.2.5");' >"$src_dir/glibc-compat.h"
fi
key="$(printf '%s %s static: %s compat: %s' "$version" "$flags" "$STATIC_LIBS" "$compat" | sha256sum | cut -c1-16)"
prefix="$prefix_root/$version-$key"
# FFmpeg's licence texts, for the licence files of what bundles it (scripts/licenses.py).
licence_texts() {
  mkdir -p "$prefix/share/licenses/ffmpeg"
  tar -xf "$tarball" -C "$prefix/share/licenses/ffmpeg" --strip-components=1 --wildcards \
    '*/LICENSE.md' '*/COPYING.GPLv2' '*/COPYING.LGPLv2.1'
}
if [ -f "$prefix/.built" ]; then
  [ -f "$prefix/share/licenses/ffmpeg/LICENSE.md" ] || licence_texts
  echo "build-ffmpeg: cached $prefix" >&2
  echo "$prefix"
  exit 0
fi
build="$src_dir/build-$key"
rm -rf "$build"
mkdir -p "$build"
tar -xf "$tarball" -C "$build" --strip-components=1
# A directory holding only the static archives, searched first: the linker takes an archive
# from it rather than the shared library beside the archive in the system's directory.
mkdir -p "$build/static-libs"
for lib in $STATIC_LIBS; do
  ln -s "/usr/lib/$multiarch/lib$lib.a" "$build/static-libs/lib$lib.a"
done
start=$(date +%s)
(cd "$build" && ./configure --prefix="$prefix" $flags --pkg-config-flags=--static \
  --extra-ldflags="-L$build/static-libs" --extra-cflags="$compat_cflags" \
  >"$build/configure.log" 2>&1) || {
  tail -20 "$build/configure.log" >&2
  exit 1
}
# A component asked for and dropped (a missing dependency) is an error, not a smaller build.
if grep -q '^WARNING: Disabled' "$build/configure.log"; then
  grep '^WARNING: Disabled' "$build/configure.log" >&2
  exit 1
fi
(cd "$build" && make -j"$(nproc)" >"$build/make.log" 2>&1 && make install >>"$build/make.log" 2>&1) || {
  tail -20 "$build/make.log" >&2
  exit 1
}
printf '%s\nstatic: %s\ncompat: %s\n' "$flags" "$STATIC_LIBS" "$compat" >"$prefix/configure-flags"
# Which codec libraries stay shared (to bundle) and which are inside libavcodec.
# (DT_NEEDED entries, not ldd, which would resolve FFmpeg's own libraries from the system.)
for lib in "$prefix"/lib/libav*.so "$prefix"/lib/libsw*.so; do
  pattern="$(printf 'lib%s\\.so|' $STATIC_LIBS)"
  if [ -n "$STATIC_LIBS" ] && readelf -d "$lib" | grep NEEDED | grep -E "${pattern%|}"; then
    echo "build-ffmpeg: $lib links a library meant to be static" >&2
    exit 1
  fi
done
licence_texts
touch "$prefix/.built"
# The build tree is not needed any more (the source tarball stays cached).
rm -rf "$build"
echo "build-ffmpeg: built FFmpeg $version in $(( $(date +%s) - start )) s into $prefix" >&2
echo "$prefix"
