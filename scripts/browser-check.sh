#!/bin/sh
# Plays encode-native's outputs in a real browser: headless Chromium loads each file in a
# <video> element (its duration and size) and decodes its sound with Web Audio
# (OfflineAudioContext.decodeAudioData: sample rate, channels, samples), then prints what it
# saw as JSON and checks it against what was encoded.
#
#   sh scripts/browser-check.sh [encode-native binary]
#
# Needs Chromium (Debian: apt-get install chromium) and the ffmpeg tools (for the WAV it
# uses as a soundtrack). Not part of the test suite: Chromium is a large download.
set -eu
cd "$(dirname "$0")/.."
bin="${1:-target/release/encode-native}"
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$browser" ] || { echo "browser-check: no chromium here (apt-get install chromium)" >&2; exit 1; }
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

ffmpeg -v error -f lavfi -i sine=frequency=1000:sample_rate=48000 -t 4 "$dir/tone.wav"
"$bin" demo --frames 300 --size 640x360 --audio "$dir/tone.wav" --metadata title=Demo -q -o "$dir/demo.mp4"
"$bin" demo --frames 60 --size 320x240 --sample-rate 48000 --channels 2 -q -o "$dir/tone.webm"

cat > "$dir/check.html" <<'EOF'
<!doctype html><html><body><pre id="out">pending</pre>
<script>
async function one(f) {
  const r = {file: f};
  const v = document.createElement('video');
  v.muted = true; v.src = f; v.preload = 'auto';
  await new Promise((ok) => { v.onloadedmetadata = ok; v.onerror = ok; });
  r.video = {duration: v.duration, width: v.videoWidth, height: v.videoHeight,
             error: v.error ? v.error.code : null};
  try {
    const buf = await (await fetch(f)).arrayBuffer();
    const audio = await new OfflineAudioContext(2, 48000, 48000).decodeAudioData(buf);
    r.audio = {rate: audio.sampleRate, channels: audio.numberOfChannels, samples: audio.length};
  } catch (e) { r.audio = {error: String(e)}; }
  return r;
}
(async () => {
  const res = [];
  for (const f of location.hash.slice(1).split(',')) res.push(await one(f));
  document.getElementById('out').textContent = JSON.stringify(res);
})();
</script></body></html>
EOF

out="$("$browser" --headless --no-sandbox --disable-gpu --allow-file-access-from-files \
  --virtual-time-budget=30000 --dump-dom "file://$dir/check.html#demo.mp4,tone.webm" 2>/dev/null |
  sed -n 's/.*<pre id="out">\(.*\)<\/pre>.*/\1/p')"
echo "$out"
python3 - "$out" <<'EOF'
import json, sys
got = {r["file"]: r for r in json.loads(sys.argv[1])}
want = {"demo.mp4": (10.0, 640, 360, 480000), "tone.webm": (2.0, 320, 240, 96000)}
bad = []
for f, (secs, w, h, samples) in want.items():
    r = got[f]
    v, a = r["video"], r["audio"]
    if v.get("error") is not None or abs(v["duration"] - secs) > 0.05 or (v["width"], v["height"]) != (w, h):
        bad.append(f"{f}: video {v}")
    if "error" in a or abs(a["samples"] - samples) > 1024:
        bad.append(f"{f}: audio {a}")
print("browser-check: " + ("; ".join(bad) if bad else "every file plays, with its sound"))
sys.exit(1 if bad else 0)
EOF
