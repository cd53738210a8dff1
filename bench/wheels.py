#!/usr/bin/env python3
"""Two wheels of encode-native side by side, on the same frames, in one run: time and size.

    python3 bench/wheels.py OLD.whl NEW.whl [--reps N] [--python PYTHON]

Each wheel is installed with numpy into its own venv (under $BENCH_WORK, default
/tmp/encode-native-bench/wheels). Every run encodes in its own process, the two wheels
alternating, and the medians of `--reps` runs (default 3) are reported with the file sizes:

  W1    300 frames 1280x720, libx264 preset ultrafast, crf 23 (the peer benchmark's W1)
  AV1    60 frames 1280x720, libsvtav1 at its default preset
  VP9    60 frames 1280x720, libvpx-vp9 at its defaults
  HEVC   60 frames 1280x720, libx265 at its default preset (medium)

The frames are a smooth moving picture (gradients and a moving disc) made with numpy from a
fixed formula, loaded into memory before the clock starts; only open -> write every frame ->
close is timed. Every output's frames are counted by decoding it with ffprobe (where there is
one; else the writer's summary is taken) and its size taken from the file. Results: a Markdown table on
stdout and wheels.json in the work directory.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import venv

WORK = os.path.join(os.environ.get("BENCH_WORK", "/tmp/encode-native-bench"), "wheels")
WORKLOADS = {
    "W1": dict(frames=300, codec="libx264", settings={"preset": "ultrafast", "crf": 23}),
    "AV1": dict(frames=60, codec="libsvtav1", settings={}),
    "VP9": dict(frames=60, codec="libvpx-vp9", settings={}),
    "HEVC": dict(frames=60, codec="libx265", settings={}),
}

# Runs inside a venv: argv = workload json, output path; prints a json line.
CHILD = r"""
import json, sys, time
import numpy as np
import encode_native as en
spec = json.loads(sys.argv[1])
out = sys.argv[2]
h, w, n = 720, 1280, spec["frames"]
y, x = np.mgrid[0:h, 0:w].astype(np.float32)
frames = []
for i in range(n):
    f = np.empty((h, w, 3), np.uint8)
    f[..., 0] = ((x + 4 * i) % 256).astype(np.uint8)
    f[..., 1] = ((y + 2 * i) % 256).astype(np.uint8)
    d = (x - (200 + 3 * i)) ** 2 + (y - 360) ** 2 < 120 ** 2
    f[..., 2] = np.where(d, 230, (x + y) / 8).astype(np.uint8)
    frames.append(f)
start = time.perf_counter()
with en.Writer(out, fps=30, codec=spec["codec"], **spec["settings"]) as wr:
    for f in frames:
        wr.write(f)
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "frames": wr.summary.frames, "bytes": wr.summary.bytes}))
"""


def make_venv(name, wheel, python):
    path = os.path.join(WORK, name)
    py = os.path.join(path, "bin", "python")
    stamp = os.path.join(path, "wheel.txt")
    if not (os.path.exists(stamp) and open(stamp).read() == os.path.abspath(wheel)):
        if python:
            subprocess.run([python, "-m", "venv", "--clear", path], check=True)
        else:
            venv.create(path, with_pip=True, clear=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "numpy", wheel], check=True)
        open(stamp, "w").write(os.path.abspath(wheel))
    ffmpeg = subprocess.run(
        [os.path.join(path, "bin", "encode-native"), "info", "--json"],
        check=True, capture_output=True, text=True,
    )
    return py, json.loads(ffmpeg.stdout)["ffmpeg"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--python", help="the interpreter of both venvs (default: this one)")
    ap.add_argument("--only", help="workloads, comma-separated (default: all)")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    wheels = {}
    for name, wheel in (("old", args.old), ("new", args.new)):
        py, ffmpeg = make_venv(name, wheel, args.python)
        wheels[name] = dict(py=py, ffmpeg=ffmpeg, wheel=os.path.basename(wheel),
                            size=os.path.getsize(wheel))
    chosen = args.only.split(",") if args.only else list(WORKLOADS)
    results = {}
    for wl in chosen:
        spec = WORKLOADS[wl]
        runs = {"old": [], "new": []}
        sizes = {}
        for rep in range(args.reps):
            for name in ("old", "new") if rep % 2 == 0 else ("new", "old"):
                out = os.path.join(WORK, f"{wl}-{name}.mkv")
                r = subprocess.run([wheels[name]["py"], "-c", CHILD, json.dumps(spec), out],
                                   check=True, capture_output=True, text=True)
                got = json.loads(r.stdout.strip().splitlines()[-1])
                if shutil.which("ffprobe"):
                    got["frames"] = int(subprocess.run(
                        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
                         "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", out],
                        check=True, capture_output=True, text=True).stdout.strip())
                if got["frames"] != spec["frames"]:
                    sys.exit(f"{wl} {name}: {got['frames']} frames decode, {spec['frames']} pushed")
                runs[name].append(got["wall"])
                sizes[name] = os.path.getsize(out)
                print(f"{wl} {name} run {rep + 1}: {got['wall']:.2f} s, {sizes[name]} bytes",
                      file=sys.stderr)
        results[wl] = {n: dict(median=statistics.median(runs[n]), runs=runs[n], bytes=sizes[n])
                       for n in runs}
    with open(os.path.join(WORK, "wheels.json"), "w") as f:
        json.dump(dict(wheels=wheels, results=results), f, indent=1)
    o, n = wheels["old"], wheels["new"]
    print(f"| | old: {o['wheel']} (FFmpeg {o['ffmpeg']}, {o['size'] / 1e6:.1f} MB) | "
          f"new: {n['wheel']} (FFmpeg {n['ffmpeg']}, {n['size'] / 1e6:.1f} MB) | new/old time |")
    print("|---|---|---|---|")
    for wl, r in results.items():
        spec = WORKLOADS[wl]
        what = f"{wl}: {spec['frames']} × 1280x720 {spec['codec']}"
        print(f"| {what} | {r['old']['median']:.2f} s, {r['old']['bytes'] / 1e3:.0f} kB | "
              f"{r['new']['median']:.2f} s, {r['new']['bytes'] / 1e3:.0f} kB | "
              f"{r['new']['median'] / r['old']['median']:.2f} |")


if __name__ == "__main__":
    main()
