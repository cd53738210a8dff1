#!/bin/sh
# Runs valgrind's memcheck on a command-line encode, on a selection of library tests (files,
# memory, streams, conversion, crash safety, HLS renditions, an RTMP push and a recording
# beside a push whose server dies) and on every video encoder of the table at an even
# and an odd size and every audio encoder; fails on any definite leak or invalid access.
#   sh scripts/valgrind.sh
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
if ! command -v valgrind >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  apt_log="$(mktemp)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends valgrind >"$apt_log" 2>&1 ||
    { tail -n 20 "$apt_log" >&2; df -h . >&2; echo "valgrind.sh: apt-get install valgrind failed" >&2; exit 1; }
  rm -f "$apt_log"
fi
cargo build -q --bin encode-native --tests
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --suppressions=$PWD/scripts/valgrind.supp"
echo "valgrind: encode-native demo, with tags and a soundtrack"
$VG target/debug/encode-native demo --frames 30 --size 320x240 --preset ultrafast --metadata title=T \
  --metadata comment=C --sample-rate 48000 -o "$out/demo.mp4" -q
echo "valgrind: encode-native images - and recover"
target/debug/encode-native demo --frames 10 --size 160x120 --preset ultrafast -o "$out/d.mkv" -q
ffmpeg -v error -i "$out/d.mkv" -f image2pipe -vcodec png - \
  | $VG target/debug/encode-native images - --preset ultrafast -o "$out/pipe.mp4" -q
cp "$out/demo.mp4" "$out/r.mp4.partial" && rm -f "$out/r.mp4"
target/debug/encode-native demo --frames 20 --size 160x120 --preset ultrafast --fragmented 0.2 -o "$out/frag.mp4" -q
cp "$out/frag.mp4" "$out/r.mp4.partial"
$VG target/debug/encode-native recover "$out/r.mp4.partial" -q
test_bin="$(ls -t target/debug/deps/integration-* | grep -v '\.d$' | head -n 1)"
for t in basics::mp4_round_trip basics::explicit_timestamps crash::the_target_appears outputs::memory_destination outputs::seekable inputs::eight_bit inputs::gray_8 inputs::strided probed::a_failing probed::a_panicking probed::huge_strides \
  delivery::an_hls_ladder delivery::rtmp_delivers delivery::a_recording_beside_the_push; do
  echo "valgrind: library test $t"
  $VG "$test_bin" "$t" --test-threads=1 -q >/dev/null
done
# Every encoder of the tables, at an even and an odd size (video), through the command line.
info="$(target/debug/encode-native info --json)"
names() { # KEY: the names of a table in `info --json` that the linked FFmpeg has
  printf '%s' "$info" | python3 -c "import json, sys; print(' '.join(k for k, v in json.load(sys.stdin)['$1'].items() if (v if isinstance(v, bool) else v.get('available', True))))"
}
run() { # what, then the command line's arguments: fails on an invalid access or a leak
  what="$1"; shift
  rc=0
  $VG target/debug/encode-native "$@" -q -y 2>"$out/err.txt" || rc=$?
  case "$rc" in
    0) echo "valgrind: $what" ;;
    1 | 2) echo "valgrind: $what (refused: $(head -c 160 "$out/err.txt"))" ;;
    *) cat "$out/err.txt" >&2; echo "valgrind: $what: exit $rc" >&2; exit 1 ;;
  esac
}
for codec in $(names encoders); do
  if [ "$codec" = libx265 ]; then
    # x265 reads past buffers it allocates itself and writes bytes it never set into its
    # headers, which libavformat then reads: the ffmpeg program shows the same errors.
    echo "valgrind: $codec left out (errors inside x265 itself, the ffmpeg program's too)"
    continue
  fi
  case "$codec" in
    gif) ext=gif ;; apng) ext=apng ;; libwebp_anim) ext=webp ;; prores_ks) ext=mov ;; libvpx-vp9) ext=webm ;; msmpeg4) ext=wmv ;; *) ext=mkv ;;
  esac
  for size in 64x48 65x49; do
    run "$codec $size" demo --frames 6 --size "$size" --codec "$codec" -o "$out/v-$codec-$size.$ext"
  done
done
for codec in $(names audio_encoders); do
  run "audio $codec" demo --frames 6 --size 64x48 --sample-rate 48000 --audio-codec "$codec" -o "$out/a-$codec.mkv"
done
echo "valgrind: no definite leak, no invalid access"
