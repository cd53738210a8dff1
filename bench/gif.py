#!/usr/bin/env python3
"""GIF from encode-native against ffmpeg's two-pass palette filters on the same frames.

For each clip the frames are written once as raw RGB, then turned into a GIF by
`encode-native raw` (a palette kept while it fits, Floyd–Steinberg dithering, streaming) and
by `ffmpeg -vf "split[a][b];[a]palettegen[p];[b][p]paletteuse"` (one palette from every
frame, sierra2_4a dithering; it holds all frames until the palette exists). Both GIFs are
decoded with PyAV and compared with the input: PSNR over all frames (from the mean squared
error), size, and wall time.

Clips: "scene" (the first FRAMES of the benchmark's W1 frames, 1280x720, from `bench gen`)
and "plot" (a 480x320 line plot: white background, axes, an anti-aliased sine moving).

usage: python bench/gif.py [FRAMES]   (the venv of scripts/test-python.sh has PyAV and numpy)
"""

import os
import subprocess
import sys
import time

import av
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.environ.get("BENCH_WORK", "/tmp/encode-native-bench")
CLI = os.path.join(ROOT, "target", "release", "encode-native")


def scene(frames):
    path = os.path.join(WORK, "scene_1280x720_300.rgb24")
    if not os.path.exists(path):
        bench = os.path.join(ROOT, "target", "release", "examples", "bench")
        subprocess.run([bench, "gen", "scene", "1280", "720", "300", path], check=True)
    data = np.fromfile(path, np.uint8, count=1280 * 720 * 3 * frames)
    return data.reshape(frames, 720, 1280, 3)


def plot(frames):
    w, h = 480, 320
    x = np.arange(w)[None, :]
    y = np.arange(h)[:, None]
    out = []
    for i in range(frames):
        img = np.full((h, w, 3), 255.0)
        img[:, 40:42] = 40
        img[h - 40 : h - 38, :] = 40
        centre = h / 2 + 100 * np.sin((x + i * 6) / 50.0)
        a = np.clip(2.5 - np.abs(y - centre), 0, 1)[..., None]
        out.append((img * (1 - a) + a * np.array([31, 119, 180])).round().astype(np.uint8))
    return np.stack(out)


def decoded(path):
    with av.open(path) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def measure(name, frames):
    n, h, w, _ = frames.shape
    raw = os.path.join(WORK, f"gif_{name}.rgb")
    frames.tofile(raw)
    ours = os.path.join(WORK, f"gif_{name}_encode_native.gif")
    ref = os.path.join(WORK, f"gif_{name}_ffmpeg.gif")
    runs = {
        "encode-native": (ours, [CLI, "raw", "-i", raw, "--size", f"{w}x{h}", "--in-pix-fmt",
                                 "rgb24", "--fps", "30", "-y", "-q", "-o", ours]),
        "ffmpeg palettegen/paletteuse": (ref, ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo",
                                               "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", "30",
                                               "-i", raw, "-vf",
                                               "split[a][b];[a]palettegen[p];[b][p]paletteuse",
                                               ref]),
    }
    rows = []
    for tool, (path, cmd) in runs.items():
        start = time.perf_counter()
        subprocess.run(cmd, check=True)
        seconds = time.perf_counter() - start
        back = decoded(path)
        assert len(back) == n, f"{tool}: {len(back)} frames of {n}"
        mse = np.mean([np.mean((b.astype(np.float64) - f) ** 2) for b, f in zip(back, frames)])
        psnr = 10 * np.log10(255**2 / max(mse, 1e-12))
        rows.append((name, tool, psnr, os.path.getsize(path) / n / 1000, n / seconds))
    return rows


def main():
    frames = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    os.makedirs(WORK, exist_ok=True)
    print("| clip | tool | PSNR dB | kB per frame | fps |")
    print("|---|---|---:|---:|---:|")
    for name, clip in (("scene 1280x720", scene(frames)), ("plot 480x320", plot(frames))):
        for row in measure(name.split()[0], clip):
            print("| %s | %s | %.2f | %.1f | %.1f |" % ((name,) + row[1:]))


if __name__ == "__main__":
    main()
