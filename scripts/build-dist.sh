#!/bin/sh
# Builds everything a user installs without a toolchain, into dist/:
#
#   dist/encode_native-VERSION-cp39-abi3-manylinux_*_x86_64.whl   the Python package (any
#       CPython >= 3.9), with its own minimal FFmpeg and codec libraries bundled
#   dist/encode-native-VERSION-x86_64-linux.tar.gz                the command line and the C
#       library (header, .so, .a, relocatable pkg-config files), with the same FFmpeg bundled
#
#   sh scripts/build-dist.sh
#
# The first run builds the minimal FFmpeg from Debian's source package (scripts/build-ffmpeg.sh,
# a few minutes; cached after that) and installs its build dependencies with apt-get.
# sh scripts/test-dist.sh then checks both in a fresh Debian root.
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
sh scripts/build-ffmpeg.sh >/dev/null
sh scripts/build-wheel.sh
sh scripts/build-bundle.sh
echo "build-dist: built in $(( $(date +%s) - start )) s:" >&2
ls -l dist/encode_native-*.whl dist/encode-native-*-linux.tar.gz
