"""A pygame-style moviepy program, timed: a VideoClip whose frame function draws into a
surface (pygame's, or a numpy stand-in when pygame is missing) and hands moviepy
``pygame.surfarray.array3d(surface).swapaxes(0, 1)`` (a strided view), written at 1280x720,
30 fps, 4 s. ``python bench_pygame.py real|ours`` runs it with moviepy's own writer or with
encode_native.compat.moviepy's and prints one line: the seconds taken, the frames written, and
the CPU time spent (with moviepy's ffmpeg process).
Run each in its own process: importing encode_native.compat.moviepy replaces moviepy's writer."""

from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np

W, H, FPS, SECONDS = 1280, 720, 30, 4

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
try:
    import pygame
except ImportError:
    pygame = None


def frame_function():
    """make_frame(t): a ball moving over a gradient, drawn into a surface."""
    if pygame is not None:
        pygame.init()
        surface = pygame.Surface((W, H))

        def make_frame(t):
            surface.fill((20, 40, 80))
            pygame.draw.circle(surface, (250, 200, 40), (int(100 + 300 * t), H // 2), 80)
            pygame.draw.rect(surface, (40, 200, 120), (W // 2, int(50 + 100 * t), 200, 120))
            return pygame.surfarray.array3d(surface).swapaxes(0, 1)

        return make_frame, "pygame"
    canvas = np.zeros((W, H, 3), np.uint8)  # pygame's (x, y) order
    xs = np.arange(W)[:, None]
    ys = np.arange(H)[None, :]

    def make_frame(t):
        canvas[:] = (20, 40, 80)
        inside = (xs - int(100 + 300 * t)) ** 2 + (ys - H // 2) ** 2 < 80 ** 2
        canvas[inside] = (250, 200, 40)
        canvas[W // 2:W // 2 + 200, int(50 + 100 * t):int(170 + 100 * t)] = (40, 200, 120)
        return canvas.swapaxes(0, 1)

    return make_frame, "numpy stand-in"


def main() -> None:
    which = sys.argv[1]
    if which == "ours":
        from encode_native.compat.moviepy import VideoClip
    else:
        from moviepy import VideoClip
    make_frame, drawer = frame_function()
    out = os.path.join(tempfile.mkdtemp(), "bench.mp4")
    start, cpu = time.perf_counter(), _cpu()
    VideoClip(make_frame, duration=SECONDS).write_videofile(out, fps=FPS, logger=None)
    took, cpu = time.perf_counter() - start, _cpu() - cpu
    import av

    with av.open(out) as c:
        frames = sum(1 for _ in c.demux(video=0) if _.size)
    os.remove(out)
    print(f"{which}: {took:.2f} s for {frames} frames of {W}x{H} ({drawer}), {frames / took:.1f} frames/s; "
          f"CPU {cpu:.2f} s (this process and its children: moviepy's ffmpeg)")


def _cpu() -> float:
    """CPU seconds of this process and its finished children."""
    import resource

    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
