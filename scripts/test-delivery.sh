#!/bin/sh
# Plays encode-native's live and segmented output in real players (scripts/check-players.sh:
# headless Chromium with hls.js and shaka-player, served from 127.0.0.1), as a new user would
# make it with the command line:
#
#   1. encode-native demo --size 1280x720 -o out/index.m3u8 --renditions 720p,360p (with sound):
#      both renditions selectable, played to the end;
#   2. DASH with HLS over the same CMAF segments (--manifests hls,dash), two renditions;
#   3. HLS with MPEG-TS segments;
#   4. live HLS: frames fed in real time to `encode-native raw` (a live window of 6 one-second
#      segments, two renditions) while the player starts before the writer has finished; the
#      latency from a frame's push to the playlist listing its segment is printed.
#
#   sh scripts/test-delivery.sh [encode-native binary]   (default: target/debug/encode-native,
#                                                         built when missing)
set -eu
cd "$(dirname "$0")/.."
bin="${1:-target/debug/encode-native}"
[ -x "$bin" ] || cargo build -q --bin encode-native
out="$(mktemp -d)"
feeder=""
trap '[ -z "$feeder" ] || kill "$feeder" 2>/dev/null || true; rm -rf "$out"' EXIT
step() { echo "test-delivery: $*" >&2; }

step "1. HLS ladder 720p + 360p with sound"
"$bin" demo -q --size 1280x720 --frames 150 --sample-rate 48000 --renditions 720p,360p -o "$out/hls/index.m3u8"
sh scripts/check-players.sh --expect-renditions 2 --expect-duration 5 "$out/hls"

step "2. DASH and HLS over one set of CMAF segments"
"$bin" demo -q --size 640x360 --frames 120 --sample-rate 48000 --renditions 360p,180p --manifests hls,dash -o "$out/dash/index.mpd"
sh scripts/check-players.sh --expect-renditions 2 --expect-duration 4 "$out/dash"

step "3. HLS with MPEG-TS segments"
"$bin" demo -q --size 640x360 --frames 120 --sample-rate 48000 --segment-format ts -o "$out/ts/index.m3u8"
sh scripts/check-players.sh --expect-renditions 1 --expect-duration 4 "$out/ts"

step "4. live HLS, the player starting before the writer finishes"
mkdir -p "$out/live"
# 14 s of 640x360 frames at 30 fps, pushed in real time; the feeder prints when it pushed the
# first frame and the writer's summary ends the run.
python3 - "$bin" "$out/live" >"$out/latency.txt" <<'EOF' &
import subprocess, sys, time, os
binary, folder = sys.argv[1], sys.argv[2]
w, h, fps, seconds = 640, 360, 30, 14
proc = subprocess.Popen([binary, "raw", "-q", "-i", "-", "--size", f"{w}x{h}", "--fps", str(fps),
                         "--preset", "veryfast", "--segment-duration", "1", "--live-window", "6",
                         "--renditions", "360p,180p", "-o", os.path.join(folder, "index.m3u8")],
                        stdin=subprocess.PIPE)
row = bytes(range(0, 256, 1)) * (w * 3 // 256 + 1)
start = time.monotonic()
first_listed = None
playlist = os.path.join(folder, "index_360p.m3u8")
for i in range(fps * seconds):
    shade = bytes([(i * 3) % 256]) * (w * 3)
    proc.stdin.write(shade * (h // 2) + row[: w * 3] * (h - h // 2))
    proc.stdin.flush()
    if first_listed is None and os.path.exists(playlist) and ".m4s" in open(playlist).read():
        first_listed = time.monotonic() - start
    time.sleep(max(0.0, start + (i + 1) / fps - time.monotonic()))
proc.stdin.close()
proc.wait(timeout=30)
print(f"first segment listed {first_listed:.2f} s after the first push (segments of 1 s)")
sys.exit(proc.returncode)
EOF
feeder=$!
sh scripts/check-players.sh --live --expect-renditions 2 "$out/live"
wait "$feeder"
feeder=""
step "live: $(cat "$out/latency.txt")"
step "all played"
