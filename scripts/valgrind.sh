#!/bin/sh
# Runs valgrind's memcheck on a command-line encode and on a selection of library tests (files,
# memory, streams, conversion, crash safety); fails on any definite leak or invalid access.
#   sh scripts/valgrind.sh
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
if ! command -v valgrind >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends valgrind >/dev/null
fi
cargo build -q --bin encode-native --tests
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
echo "valgrind: encode-native demo"
$VG target/debug/encode-native demo --frames 30 --size 320x240 --preset ultrafast -o "$out/demo.mp4" -q
echo "valgrind: encode-native images - and recover"
target/debug/encode-native demo --frames 10 --size 160x120 --preset ultrafast -o "$out/d.mkv" -q
ffmpeg -v error -i "$out/d.mkv" -f image2pipe -vcodec png - \
  | $VG target/debug/encode-native images - --preset ultrafast -o "$out/pipe.mp4" -q
cp "$out/demo.mp4" "$out/r.mp4.partial" && rm -f "$out/r.mp4"
target/debug/encode-native demo --frames 20 --size 160x120 --preset ultrafast --fragmented 0.2 -o "$out/frag.mp4" -q
cp "$out/frag.mp4" "$out/r.mp4.partial"
$VG target/debug/encode-native recover "$out/r.mp4.partial" -q
test_bin="$(ls -t target/debug/deps/integration-* | grep -v '\.d$' | head -n 1)"
for t in basics::mp4_round_trip basics::explicit_timestamps crash::the_target_appears outputs::memory_destination outputs::seekable inputs::eight_bit inputs::gray_8 inputs::strided probed::a_failing probed::a_panicking probed::huge_strides; do
  echo "valgrind: library test $t"
  $VG "$test_bin" "$t" --test-threads=1 -q >/dev/null
done
echo "valgrind: no definite leak, no invalid access"
