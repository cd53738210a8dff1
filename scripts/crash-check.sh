#!/bin/sh
# Kills a default `encode-native demo --frames 100000 -o out.mp4` with SIGKILL at RUNS (default
# 20) random moments and checks, every time, that out.mp4.partial decodes, that it lost at most
# one second of the video encoded by then, and that `encode-native recover` turns it into a
# faststart MP4 with the same frames. Prints a line per run and the worst loss.
#   sh scripts/crash-check.sh [RUNS]
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cargo build --release -q --bin encode-native
BIN="$PWD/target/release/encode-native"
runs="${1:-20}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
# Frames a decoder reads (0 when none is complete yet).
count() {
  n=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$1" 2>/dev/null || true)
  case "$n" in ''|*[!0-9]*) echo 0 ;; *) echo "$n" ;; esac
}
worst=0
i=1
while [ "$i" -le "$runs" ]; do
  out="$dir/out$i.mp4"
  "$BIN" demo --frames 100000 -o "$out" --progress-json 2>"$dir/progress$i" &
  pid=$!
  # A random moment between 1 and 9 seconds in.
  ms=$(awk -v s="$i$$" 'BEGIN { srand(s); printf "%d", 1000 + rand() * 8000 }')
  sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  written=$(tail -n 1 "$dir/progress$i" | sed 's/.*"frames_written":\([0-9]*\).*/\1/')
  [ -f "$out" ] && { echo "run $i: the target exists after a kill"; exit 1; }
  [ -n "$written" ] || written=0
  decoded=$(count "$out.partial")
  lost=$((written - decoded))
  if [ "$decoded" -gt 0 ]; then
    "$BIN" recover "$out.partial" -q
    recovered=$(count "$out")
  else
    # Killed before the first fragment was complete: nothing to recover, and recover says so.
    if "$BIN" recover "$out.partial" -q 2>/dev/null; then echo "run $i: recovered an empty file"; exit 1; fi
    recovered=0
  fi
  [ "$recovered" = "$decoded" ] || { echo "run $i: recovered $recovered frames of $decoded"; exit 1; }
  # The demo runs at 30 fps: one second is 30 frames. The progress line can be up to 0.1 s
  # old, so frames written after it are not counted against the loss.
  echo "run $i: killed at $ms ms: $written frames written, $decoded in the partial file (lost $lost = $(awk -v l="$lost" 'BEGIN { printf "%.2f", l / 30 }') s), recovered $recovered"
  [ "$lost" -le 30 ] || { echo "run $i: lost more than 1 s"; exit 1; }
  [ "$lost" -gt "$worst" ] && worst=$lost
  rm -f "$out" "$out.partial" "$out.finishing"
  i=$((i + 1))
done
echo "crash check: $runs kills, every partial file decoded and recovered; worst loss $worst frames ($(awk -v l="$worst" 'BEGIN { printf "%.2f", l / 30 }') s)"
