#!/usr/bin/env python3
"""The ffmpeg command fed raw rgb24 frames through a stdin pipe (what scikit-video, imageio,
matplotlib and moviepy do): frames loaded into memory first (untimed), then start ffmpeg ->
write all -> close -> wait, timed (CPU includes the ffmpeg child).
usage: peer_ffpipe.py RAW W H N FPS PRESET PIXFMT OUT"""
import json
import resource
import subprocess
import sys
import time

raw, w, h, n, fps, preset, pix_fmt, out = sys.argv[1:9]
w, h, n = int(w), int(h), int(n)
size = w * h * 3
with open(raw, "rb") as f:
    data = f.read(size * n)
view = memoryview(data)


def cpu():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
       "-s", f"{w}x{h}", "-r", fps, "-i", "-", "-an", "-c:v", "libx264", "-preset", preset,
       "-crf", "23", "-pix_fmt", pix_fmt, out]
c0, t0 = cpu(), time.perf_counter()
p = subprocess.Popen(cmd, stdin=subprocess.PIPE)
for i in range(n):
    p.stdin.write(view[i * size:(i + 1) * size])
p.stdin.close()
rc = p.wait()
wall, cpu_s = time.perf_counter() - t0, cpu() - c0
assert rc == 0, rc
print(json.dumps({"wall_s": round(wall, 4), "cpu_s": round(cpu_s, 3), "frames": n}))
