#!/bin/sh
# Installs what encode-native needs to build and test on Debian/Ubuntu, only where it is missing:
# FFmpeg's development files (libavcodec/libavformat/libavutil/libswscale/libavfilter, with libx264),
# libclang for the bindings, pkg-config, the ffmpeg tools (ffprobe, an outside check), and
# Python's venv module for the Python package's tests.
#
# What is missing is decided by asking dpkg about each exact package, never by matching file
# names loosely (LLVM's libclang-cpp.so.14 is not the libclang.so that bindgen loads).
#
#   sh scripts/setup.sh            install what is missing
#   sh scripts/setup.sh --detect   only print the missing packages, one line, and exit
#
# ENCODE_NATIVE_SETUP_ROOT names another root whose dpkg database is asked (for testing the
# detection against a made-up machine).
set -eu

PACKAGES="libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev libavfilter-dev libclang-dev pkg-config ffmpeg"
root="${ENCODE_NATIVE_SETUP_ROOT:-}"

# Prints the packages of "$@" that dpkg does not report as installed.
missing_packages() {
  for pkg in "$@"; do
    status="$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    [ "$status" = "install ok installed" ] || printf '%s ' "$pkg"
  done
}

# Python with its venv module, for the Python package and its tests: Debian's own python3
# needs python3-venv (and ensurepip) for it; a system without python3 gets both.
python_packages() {
  [ -z "$root" ] || return 0
  if ! command -v python3 >/dev/null 2>&1; then
    printf '%s ' python3 python3-venv
  else
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || printf '%s ' python3-venv
  fi
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup: no dpkg here: install FFmpeg >= 5.1 development files, libclang and pkg-config with this system's package manager" >&2
  exit 0
fi

need="$(missing_packages $PACKAGES)$(python_packages)"
need="${need% }"

if [ "${1:-}" = "--detect" ]; then
  echo "$need"
  exit 0
fi

if [ -n "$need" ]; then
  echo "setup: installing $need" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install: $need" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
  left="$(missing_packages $PACKAGES)"
  if [ -n "$left" ]; then
    echo "setup: still missing after apt-get install: $left" >&2
    exit 1
  fi
fi

if ! pkg-config --exists 'libavcodec >= 59.37' 'libavformat >= 59.27' 'libavutil >= 57.28' 'libswscale >= 6.7' 'libswresample >= 4.7'; then
  echo "setup: this system's FFmpeg is older than 5.1 (libavcodec $(pkg-config --modversion libavcodec 2>/dev/null || echo '?')); encode-native needs FFmpeg >= 5.1 (Debian 12, Ubuntu 23.04 or later)" >&2
  exit 1
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is missing: install a Rust toolchain (https://rustup.rs), then run this again" >&2
  exit 1
fi
