#!/bin/sh
# Builds the minimal FFmpeg that a self-contained encode-native links: Debian's FFmpeg source
# package, configured with --disable-everything plus exactly what encode-native uses (its
# encoders, the muxers of its containers, and the demuxers, decoders, parsers and bitstream
# filters that recover, concat and audio from files need), libswscale and libswresample,
# the file and pipe protocols; GPL, with the codec libraries from Debian's packages.
#
#   sh scripts/build-ffmpeg.sh [PREFIX]     (default: target/ffmpeg)
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

ENCODERS="libx264 libx264rgb mpeg4 libx265 libsvtav1 libaom_av1 librav1e libvpx_vp9 prores_ks ffv1 apng libwebp_anim gif mjpeg aac libopus flac pcm_s16le pcm_s24le pcm_f32le libmp3lame"
MUXERS="mp4 mov matroska webm avi mpegts apng webp gif"
# What recover and concat decode to check frames, and what audio from files reads.
DECODERS="h264 hevc libdav1d vp9 prores ffv1 mpeg4 mjpeg apng png gif webp aac opus libopus flac mp3 mp3float vorbis ac3 eac3 alac pcm_s16le pcm_s16be pcm_s24le pcm_s24be pcm_s32le pcm_f32le pcm_f64le pcm_u8"
DEMUXERS="mov matroska avi mpegts wav mp3 flac ogg aac ac3 eac3 apng gif webm_dash_manifest"
PARSERS="h264 hevc av1 vp9 mpeg4video mjpeg aac opus flac mpegaudio vorbis ac3 png gif webp"
BSFS="h264_mp4toannexb hevc_mp4toannexb aac_adtstoasc vp9_superframe extract_extradata av1_frame_merge"
PROTOCOLS="file pipe"
LIBS="--enable-libx264 --enable-libx265 --enable-libsvtav1 --enable-libaom --enable-librav1e --enable-libvpx --enable-libwebp --enable-libopus --enable-libmp3lame --enable-libdav1d --enable-zlib"

packages="nasm pkg-config xz-utils zlib1g-dev libx264-dev libx265-dev libopus-dev libmp3lame-dev libvpx-dev libsvtav1enc-dev libaom-dev librav1e-dev libwebp-dev libdav1d-dev"
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

list() { printf '%s' "$2" | tr ' ' '\n' | sed "s/^/--enable-$1=/" | tr '\n' ' '; }
flags="--disable-everything --disable-programs --disable-doc --disable-network --disable-autodetect \
 --enable-gpl --enable-shared --disable-static --enable-pic \
 --disable-avdevice --disable-avfilter --disable-postproc \
 --enable-swscale --enable-swresample --enable-avformat --enable-avcodec \
 $(list encoder "$ENCODERS") $(list muxer "$MUXERS") $(list decoder "$DECODERS") \
 $(list demuxer "$DEMUXERS") $(list parser "$PARSERS") $(list bsf "$BSFS") \
 $(list protocol "$PROTOCOLS") $LIBS"

src_dir="$PWD/target/ffmpeg-src"
mkdir -p "$src_dir"
if ! ls "$src_dir"/ffmpeg_*.orig.tar.xz >/dev/null 2>&1; then
  if ! grep -rqs '^Types: deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
    echo "build-ffmpeg: adding a deb-src entry for Debian's source packages" >&2
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
      $SUDO tee /etc/apt/sources.list.d/encode-native-src.sources >/dev/null
    $SUDO apt-get update -qq
  fi
  (cd "$src_dir" && apt-get source -qq --download-only ffmpeg)
fi
tarball="$(ls "$src_dir"/ffmpeg_*.orig.tar.xz | head -1)"
version="$(basename "$tarball" .orig.tar.xz | sed 's/^ffmpeg_//')"
key="$(printf '%s %s' "$version" "$flags" | sha256sum | cut -c1-16)"
prefix="$prefix_root/$version-$key"
if [ -f "$prefix/.built" ]; then
  echo "build-ffmpeg: cached $prefix" >&2
  echo "$prefix"
  exit 0
fi
build="$src_dir/build-$key"
rm -rf "$build"
mkdir -p "$build"
tar -xf "$tarball" -C "$build" --strip-components=1
start=$(date +%s)
(cd "$build" && ./configure --prefix="$prefix" $flags >"$build/configure.log" 2>&1) || {
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
printf '%s\n' "$flags" >"$prefix/configure-flags"
touch "$prefix/.built"
echo "build-ffmpeg: built FFmpeg $version in $(( $(date +%s) - start )) s into $prefix" >&2
echo "$prefix"
