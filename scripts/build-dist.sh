#!/bin/sh
# Builds everything a user installs without a toolchain, into dist/:
#
#   dist/encode_native-VERSION-cp39-abi3-manylinux_2_28_x86_64.whl   the Python package (any
#       CPython >= 3.9, glibc >= 2.28), with its own FFmpeg 8.1 and codec libraries bundled
#   dist/encode-native-VERSION-x86_64-linux.tar.gz                the command line and the C
#       library (header, .so, .a, relocatable pkg-config files), with the same FFmpeg bundled
#
#   sh scripts/build-dist.sh
#
# The first run builds FFmpeg 8.1 and its codec libraries from Debian sid's source packages for
# glibc 2.28 (scripts/build-codecs.sh, about 30 minutes on 2 cores; cached after that, seconds)
# and installs the build tools it needs with apt-get.
# sh scripts/test-dist.sh then checks both in a fresh Debian root.
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
sh scripts/build-codecs.sh >/dev/null
sh scripts/build-wheel.sh
sh scripts/build-bundle.sh
echo "build-dist: built in $(( $(date +%s) - start )) s:" >&2
ls -l dist/encode_native-*.whl dist/encode-native-*-linux.tar.gz
