#!/usr/bin/env python3
"""W1 through a filter graph: the 300 "scene" frames of `bench gen` (1280x720 RGB) written with
libx264 ultrafast crf 23, without a filter (the SIMD conversion on the writing thread) or with
one (the graph on the encoder thread, then libswscale), to weigh what the `filter` setting
costs. Time whole processes in turn, with and without, and compare medians, e.g.:

    for i in 1 2 3 4 5 6 7; do
      /usr/bin/time -f '%U %S %e' python bench/filter.py
      /usr/bin/time -f '%U %S %e' python bench/filter.py null
    done

usage: python bench/filter.py [GRAPH]   (frames from $BENCH_WORK, default /tmp/encode-native-bench)"""

import os
import sys

import numpy as np

import encode_native as en

W, H, N = 1280, 720, 300
WORK = os.environ.get("BENCH_WORK", "/tmp/encode-native-bench")


def main():
    raw = os.path.join(WORK, f"scene_{W}x{H}_{N}.rgb24")
    frames = np.fromfile(raw, dtype=np.uint8, count=W * H * 3 * N).reshape(N, H, W, 3)
    settings = {"filter": sys.argv[1]} if len(sys.argv) > 1 else {}
    out = os.path.join(WORK, "filter.mp4")
    with en.Writer(out, fps=30, preset="ultrafast", crf=23, **settings) as w:
        for f in frames:
            w.write(f)
    assert w.summary is not None and w.summary.frames == N


if __name__ == "__main__":
    main()
