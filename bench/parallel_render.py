#!/usr/bin/env python3
"""Parallel rendering of matplotlib animations: EncodeNativeWriter(workers=N) against one
process and against matplotlib's own FFMpegWriter (an ``ffmpeg`` process fed through a pipe).

Each case is an ``anim.save(...)`` of a FuncAnimation whose frames depend only on their
index, timed from the call to its return (the figure is made beforehand, untimed), each
configuration ``--reps`` times, interleaved, the median quoted:

  surface  300 frames of a rotating, rippling 3D surface (plot_surface of a 90x90 grid each
           frame, --surface-grid), 640x480: render-bound. workers=1, workers=2,
           writer="ffmpeg". Targets on 2 cores: workers=2 <= 0.6 x workers=1 and <= 0.4 x
           writer="ffmpeg".
  lines    300 frames of a 50,000-point line plot whose waves move, 640x480: drawing and
           encoding both heavy (a dense scribble is costly for x264 too).
  noise    "seed 002": 300 frames of a 500x500 imshow of random noise (seeded by the frame
           index), 500x500 pixels: encoder-bound (x264 on noise). workers=1, workers=2,
           writer="ffmpeg"; workers=2 must not be slower than workers=1.
  sine     "seed 001": 300 frames of a sine line whose phase moves (blitted), 640x480.
           writer="encode_native" (workers=1 and 2) and writer="ffmpeg".

On two cores the encoder's share bounds the gain: workers=1 already encodes on the second
core while it draws, so workers=2 takes at best (draw + encode) / 2 against workers=1's draw,
a ratio of 0.5 + encode / (2 x draw); the figures print both CPU times to show it.

Every output is decoded with PyAV; the workers=2 video must equal the workers=1 video frame
for frame (both H.264 with the same settings, from the same pictures), and each video must
hold every frame. Needs matplotlib, PyAV and ``ffmpeg`` on PATH (for the comparison only).

usage: target/python-venv/bin/python bench/parallel_render.py [--reps 3] [--frames 300]
       [--cases surface,noise,sine]     (about 5 minutes with the defaults on 2 cores)
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Tuple

import matplotlib

matplotlib.use("Agg")
import av  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import animation  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
from encode_native.matplotlib import EncodeNativeWriter  # noqa: E402

FPS = 30
# Points along each side of the surface's grid (--surface-grid).
SURFACE_GRID = 90


def surface(frames: int) -> Tuple[Any, Any]:
    """A rippling surface seen from an angle that turns with the frame index."""
    fig = plt.figure(figsize=(6.4, 4.8), dpi=100)
    ax = fig.add_subplot(projection="3d")
    x = np.linspace(-4, 4, SURFACE_GRID)
    X, Y = np.meshgrid(x, x)
    R = np.hypot(X, Y)
    state: Dict[str, Any] = {"surf": None}

    def update(i: int) -> Tuple[Any, ...]:
        if state["surf"] is not None:
            state["surf"].remove()
        state["surf"] = ax.plot_surface(X, Y, np.sin(R - i / 8) / (1 + R), cmap="viridis",
                                        rstride=1, cstride=1, linewidth=0, antialiased=False)
        ax.set_zlim(-1, 1)
        ax.view_init(elev=30, azim=i * 360 / frames)
        return (state["surf"],)

    return fig, animation.FuncAnimation(fig, update, frames=frames)


def lines(frames: int) -> Tuple[Any, Any]:
    """A line of 50,000 points whose waves move with the frame index."""
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    x = np.linspace(0, 200, 50_000)
    (line,) = ax.plot(x, np.sin(x), linewidth=0.6)
    ax.set_ylim(-2.2, 2.2)

    def update(i: int) -> Tuple[Any, ...]:
        line.set_ydata(np.sin(x * 1.3 + i / 10) + np.sin(x * 7.1 - i / 4) * np.cos(x / 9 + i / 30))
        return (line,)

    return fig, animation.FuncAnimation(fig, update, frames=frames)


def noise(frames: int) -> Tuple[Any, Any]:
    """A 500x500 image of noise, new each frame, seeded by the frame index."""
    fig = plt.figure(figsize=(5, 5), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    image = ax.imshow(np.zeros((500, 500)), cmap="gray", vmin=0, vmax=1, interpolation="nearest")

    def update(i: int) -> Tuple[Any, ...]:
        image.set_data(np.random.default_rng(i).random((500, 500)))
        return (image,)

    return fig, animation.FuncAnimation(fig, update, frames=frames, blit=True)


def sine(frames: int) -> Tuple[Any, Any]:
    """A sine line whose phase moves with the frame index."""
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    x = np.linspace(0, 2 * np.pi, 500)
    (line,) = ax.plot(x, np.sin(x))
    ax.set_ylim(-1.1, 1.1)

    def update(i: int) -> Tuple[Any, ...]:
        line.set_ydata(np.sin(x + i / 10))
        return (line,)

    return fig, animation.FuncAnimation(fig, update, frames=frames, blit=True)


CASES: Dict[str, Callable[[int], Tuple[Any, Any]]] = {
    "lines": lines, "surface": surface, "noise": noise, "sine": sine}
WRITERS = ["workers=1", "workers=2", "ffmpeg"]


def cpu_seconds() -> float:
    """CPU time of this process and its reaped children (workers, ffmpeg)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def save(case: str, writer: str, frames: int, path: str) -> Tuple[float, float]:
    """Wall and CPU seconds of one anim.save."""
    fig, ani = CASES[case](frames)
    if writer == "ffmpeg":
        cpu, start = cpu_seconds(), time.perf_counter()
        ani.save(path, writer="ffmpeg", fps=FPS)
    else:
        w = EncodeNativeWriter(fps=FPS, workers=int(writer.split("=")[1]))
        cpu, start = cpu_seconds(), time.perf_counter()
        ani.save(path, writer=w)
    took = time.perf_counter() - start, cpu_seconds() - cpu
    plt.close(fig)
    return took


def decode(path: str) -> List[np.ndarray]:
    with av.open(path) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--surface-grid", type=int, default=SURFACE_GRID)
    args = ap.parse_args()
    globals()["SURFACE_GRID"] = args.surface_grid
    cases = args.cases.split(",")
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start; "
          f"{args.frames} frames, {args.reps} runs each, medians")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        save("sine", "workers=1", 5, os.path.join(tmp, "warm.mp4"))  # fonts, caches, imports
        times: Dict[Tuple[str, str], List[Tuple[float, float]]] = {}
        for _ in range(args.reps):
            for case in cases:
                for writer in WRITERS:
                    path = os.path.join(tmp, f"{case}-{writer}.mp4")
                    times.setdefault((case, writer), []).append(save(case, writer, args.frames, path))
        print(f"load average {os.getloadavg()[0]:.2f} at the end\n")
        print(f"{'case':8} {'writer':10} {'median s':>9} {'min s':>7} {'max s':>7} {'fps':>6} {'CPU s':>6}")
        for (case, writer), runs in times.items():
            walls = [w for w, _ in runs]
            med = statistics.median(walls)
            cpu = statistics.median(c for _, c in runs)
            print(f"{case:8} {writer:10} {med:9.2f} {min(walls):7.2f} {max(walls):7.2f} "
                  f"{args.frames / med:6.1f} {cpu:6.2f}")
        print()
        for case in cases:
            med = {w: statistics.median(t for t, _ in times[(case, w)]) for w in WRITERS}
            one, two, ff = med["workers=1"], med["workers=2"], med["ffmpeg"]
            print(f"{case:8} workers=2/workers=1 {two / one:.2f}   workers=2/ffmpeg {two / ff:.2f}   "
                  f"workers=1/ffmpeg {one / ff:.2f}")
            videos = {w: decode(os.path.join(tmp, f"{case}-{w}.mp4")) for w in WRITERS}
            counts = {w: len(v) for w, v in videos.items()}
            same = len(videos["workers=1"]) == len(videos["workers=2"]) and all(
                np.array_equal(a, b) for a, b in zip(videos["workers=1"], videos["workers=2"]))
            print(f"{'':8} frames {counts}; workers=2 video identical to workers=1: {same}")
            if not same or any(n != args.frames for n in counts.values()):
                failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
