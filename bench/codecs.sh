#!/bin/sh
# Encodes the benchmark's W1 frames (1280x720 RGB, the peer benchmark's "scene" picture) with
# each encoder at its default settings, and at one faster preset for the slow ones, and prints
# a Markdown table: frames per second and bytes per frame. FRAMES (default 60) of the 300.
#   sh bench/codecs.sh [FRAMES]
set -eu
cd "$(dirname "$0")/.."
WORK=${BENCH_WORK:-/tmp/encode-native-bench}
frames="${1:-60}"
cargo build --release --quiet --bin encode-native --example bench
rgb="$WORK/scene_1280x720_300.rgb24"
[ -f "$rgb" ] || { mkdir -p "$WORK"; target/release/examples/bench gen scene 1280 720 300 "$rgb"; }
part="$WORK/codecs_${frames}.rgb24"
head -c $((1280 * 720 * 3 * frames)) "$rgb" > "$part"
echo "| encoder | settings | container | fps | kB per frame |"
echo "|---|---|---|---:|---:|"
run() {
  name="$1"; ext="$2"; shift 2
  out="$WORK/codec.$ext"
  start=$(date +%s.%N)
  target/release/encode-native raw -i "$part" --size 1280x720 --in-pix-fmt rgb24 --fps 30 -y -q -o "$out" "$@"
  end=$(date +%s.%N)
  bytes=$(stat -c %s "$out")
  awk -v n="$frames" -v s="$start" -v e="$end" -v b="$bytes" -v name="$name" -v ext="$ext" -v set="$*" \
    'BEGIN { printf "| %s | %s | %s | %.1f | %.1f |\n", name, set, ext, n / (e - s), b / n / 1000 }'
}
run libx264 mp4 --codec libx264
run libx264 mp4 --codec libx264 --preset ultrafast
run libx265 mp4 --codec libx265
run libx265 mp4 --codec libx265 --preset ultrafast
run libsvtav1 webm --codec av1
run libsvtav1 webm --codec av1 --preset 12
run libvpx-vp9 webm --codec vp9
run libvpx-vp9 webm --codec vp9 --preset 8
run librav1e mkv --codec rav1e --preset 10
run libaom-av1 mkv --codec aom --preset 8
run prores_ks mov --codec prores
run ffv1 mkv --codec ffv1
run mpeg4 mp4 --codec mpeg4
run gif gif
