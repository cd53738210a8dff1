#!/usr/bin/env python3
"""What a frame that is a numpy view, not a packed array, costs the thread that writes it.

Each view kind people hand over (pygame's ``surfarray`` is a swapped-axes view, ``[:, :, ::-1]``
swaps RGB and BGR, flips, crops with a step) is written 120 times at 1280x720 and the CPU
time of the calling thread per ``Writer.write`` is measured (``time.thread_time``: the
encoder's own thread is not counted; packing and the SIMD conversion to YUV happen on the
caller's). The contract: a view costs at most what ``np.ascontiguousarray`` of it costs plus
the packed array's own write; the table prints both and the margin.

usage: python bench/strided.py   (the venv of scripts/test-python.sh; writes in $TMPDIR)"""

import os
import statistics
import tempfile
import time

import encode_native as en
import numpy as np

H, W, N = 720, 1280, 120


def picture():
    y, x = np.mgrid[0:H, 0:W]
    return np.stack([x * 255 // W, y * 255 // H, (x + y) % 256], axis=-1).astype(np.uint8)


VIEWS = {
    "packed": lambda f: f,
    "swapped axes (pygame surfarray)": lambda f: np.ascontiguousarray(f.swapaxes(0, 1)).swapaxes(0, 1),
    "channels reversed [:, :, ::-1]": lambda f: f[:, :, ::-1],
    "upside down [::-1]": lambda f: f[::-1],
    "mirrored [:, ::-1]": lambda f: f[:, ::-1],
    "every other column [:, ::2]": lambda f: np.ascontiguousarray(np.repeat(f, 2, axis=1))[:, ::2],
    "crop of a larger picture": lambda f: np.pad(f, ((8, 8), (16, 16), (0, 0)))[8:-8, 16:-16],
}


def write_cost(frame, path):
    """Median CPU seconds of the calling thread per write."""
    costs = []
    with en.Writer(path, fps=30, preset="ultrafast") as w:
        for _ in range(N):
            t = time.thread_time()
            w.write(frame)
            costs.append(time.thread_time() - t)
    return statistics.median(costs[10:])


def copy_cost(frame):
    costs = []
    for _ in range(N // 2):
        t = time.thread_time()
        np.ascontiguousarray(frame)
        costs.append(time.thread_time() - t)
    return statistics.median(costs)


def within(name, cost, bound):
    """Whether a view kept to its bound (timing noise of a tenth allowed); the packed array is
    the reference itself."""
    if name == "packed":
        return "-"
    return "yes" if cost <= bound * 1.1 else "NO"


def main():
    base = picture()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "strided.mp4")
        packed = write_cost(base, path)
        print(f"{'view':34s} {'write ms':>9s} {'copy ms':>8s} {'bound ms':>9s}  within")
        for name, make in VIEWS.items():
            view = make(base)
            assert view.shape == base.shape and np.array_equal(view, make(base))
            cost = write_cost(view, path)
            copy = copy_cost(view) if name != "packed" else 0.0
            bound = packed + copy
            print(f"{name:34s} {cost * 1e3:9.2f} {copy * 1e3:8.2f} {bound * 1e3:9.2f}  "
                  f"{'yes' if cost <= bound * 1.05 else 'NO'}")


if __name__ == "__main__":
    main()
