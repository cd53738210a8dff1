#!/usr/bin/env python3
"""PyAV in-process, on the same raw rgb24 frames: frames loaded into memory first (untimed),
then open -> encode all -> close, timed. PyAV's defaults (libx264 threads chosen by FFmpeg).
usage: peer_pyav.py RAW W H N FPS PRESET PIXFMT OUT"""
import json
import resource
import sys
import time

import av
import numpy as np

raw, w, h, n, fps, preset, pix_fmt, out = sys.argv[1:9]
w, h, n = int(w), int(h), int(n)
frames = np.fromfile(raw, dtype=np.uint8, count=w * h * 3 * n).reshape(n, h, w, 3)


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


c0, t0 = cpu(), time.perf_counter()
c = av.open(out, "w")
s = c.add_stream("libx264", rate=int(fps))
s.width, s.height, s.pix_fmt = w, h, pix_fmt
s.options = {"crf": "23", "preset": preset}
for f in frames:
    for pkt in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
        c.mux(pkt)
for pkt in s.encode():
    c.mux(pkt)
c.close()
wall, cpu_s = time.perf_counter() - t0, cpu() - c0
print(json.dumps({"wall_s": round(wall, 4), "cpu_s": round(cpu_s, 3), "frames": n,
                  "av": av.__version__}))
