#!/bin/sh
# Builds the C library (release) and installs it into a prefix, in one command:
#
#   sh capi/install.sh [PREFIX]            PREFIX defaults to /usr/local
#   sh capi/install.sh --no-build PREFIX   install what `cargo build -p encode-native-capi
#                                          --release` built already (e.g. under sudo)
#
# It installs
#   PREFIX/include/encode_native.h
#   PREFIX/lib/libencode_native.so.VERSION, with the links libencode_native.so.ABI (the SONAME)
#     and libencode_native.so
#   PREFIX/lib/libencode_native.a
#   PREFIX/lib/pkgconfig/encode_native.pc          (shared: pkg-config --cflags --libs encode_native)
#   PREFIX/lib/pkgconfig/encode_native-static.pc   (static: ... encode_native-static)
#
# LIBDIR overrides PREFIX/lib; DESTDIR is prepended to every path (for packaging);
# CARGO_TARGET_DIR is where cargo builds. As root, with no DESTDIR, it runs ldconfig.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

build=1
if [ "${1:-}" = "--no-build" ]; then
  build=0
  shift
fi
prefix="${1:-/usr/local}"
case "$prefix" in
  /*) ;;
  *) prefix="$(pwd)/$prefix" ;;
esac
prefix="${prefix%/}"
libdir="${LIBDIR:-$prefix/lib}"
dest="${DESTDIR:-}"
target="${CARGO_TARGET_DIR:-$root/target}"

if [ "$build" = 1 ]; then
  (cd "$root" && cargo build -p encode-native-capi --release)
fi
so="$target/release/libencode_native.so"
a="$target/release/libencode_native.a"
for f in "$so" "$a" "$here/include/encode_native.h"; do
  [ -f "$f" ] || { echo "install: $f is missing: run cargo build -p encode-native-capi --release" >&2; exit 1; }
done

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$here/Cargo.toml" | head -n 1)"
major="${version%%.*}"
minor="${version#*.}"; minor="${minor%%.*}"
# The SONAME that capi/build.rs gives: .so.MAJOR, or .so.0.MINOR while the version is 0.x.
if [ "$major" = 0 ]; then abi="0.$minor"; else abi="$major"; fi
# What a static link needs besides FFmpeg (rustc --print native-static-libs, on Linux).
native_static_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

mkdir -p "$dest$libdir/pkgconfig" "$dest$prefix/include"
cp "$here/include/encode_native.h" "$dest$prefix/include/encode_native.h"
chmod 644 "$dest$prefix/include/encode_native.h"
rm -f "$dest$libdir/libencode_native.so.$version"
cp "$so" "$dest$libdir/libencode_native.so.$version"
chmod 755 "$dest$libdir/libencode_native.so.$version"
ln -sf "libencode_native.so.$version" "$dest$libdir/libencode_native.so.$abi"
ln -sf "libencode_native.so.$abi" "$dest$libdir/libencode_native.so"
cp "$a" "$dest$libdir/libencode_native.a"
chmod 644 "$dest$libdir/libencode_native.a"
for pc in encode_native encode_native-static; do
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@LIBDIR@|$libdir|g" -e "s|@VERSION@|$version|g" \
      -e "s|@NATIVE_STATIC_LIBS@|$native_static_libs|g" \
      "$here/$pc.pc.in" > "$dest$libdir/pkgconfig/$pc.pc"
  chmod 644 "$dest$libdir/pkgconfig/$pc.pc"
done
if [ -z "$dest" ] && [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null 2>&1; then
  ldconfig
fi
echo "install: encode_native $version in $dest$prefix (header, libencode_native.so.$version, libencode_native.a, pkg-config files in $libdir/pkgconfig)"
