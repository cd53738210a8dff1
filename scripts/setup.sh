#!/bin/sh
# Installs what encode-native needs to build and test on Debian/Ubuntu, only where it is missing:
# FFmpeg's development files (libavcodec/libavformat/libavutil/libswscale, with libx264),
# libclang for the bindings, pkg-config, and the ffmpeg tools (ffprobe) used as an outside check.
set -eu

need=""
pkg-config --exists 'libavcodec >= 59.37' 'libavformat >= 59.27' 'libavutil >= 57.28' 'libswscale >= 6.7' 2>/dev/null \
  || need="$need libavcodec-dev libavformat-dev libavutil-dev libswscale-dev"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
ls /usr/lib/llvm-*/lib/libclang*.so* /usr/lib/*/libclang*.so* >/dev/null 2>&1 || need="$need libclang-dev"
command -v ffprobe >/dev/null 2>&1 || need="$need ffmpeg"

if [ -n "$need" ]; then
  echo "setup: installing$need" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install:$need" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is missing: install a Rust toolchain (https://rustup.rs), then run this again" >&2
  exit 1
fi
