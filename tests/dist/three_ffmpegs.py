"""Three FFmpeg copies in one process: OpenCV's, PyAV's and encode-native's own.

    python three_ffmpegs.py ORDER OUTDIR      ORDER: a comma-separated import order,
                                              e.g. cv2,av,encode_native

Imports the three modules in that order, then each writes a 20-frame video with its own
FFmpeg, and every video is decoded back with PyAV: the frame count and size must match.
Exits non-zero (or crashes, which the caller sees) when any of them fails.
"""

import importlib
import os
import sys

order = sys.argv[1].split(",")
out = sys.argv[2]
mods = {name: importlib.import_module(name) for name in order}
cv2, av, en = mods["cv2"], mods["av"], mods["encode_native"]
import numpy as np  # noqa: E402

frames = [np.full((240, 320, 3), (i * 12) % 256, np.uint8) for i in range(20)]

w = cv2.VideoWriter(os.path.join(out, "cv2.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 20, (320, 240))
assert w.isOpened(), "OpenCV's writer did not open"
for f in frames:
    w.write(f)
w.release()

with av.open(os.path.join(out, "av.mp4"), "w") as c:
    s = c.add_stream("mpeg4", rate=20)
    s.width, s.height, s.pix_fmt = 320, 240, "yuv420p"
    for f in frames:
        for p in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
            c.mux(p)
    for p in s.encode():
        c.mux(p)

summary = en.write_video(os.path.join(out, "en.mp4"), np.stack(frames), fps=20)
assert summary.frames == 20, summary

for name in ("cv2.avi", "av.mp4", "en.mp4"):
    with av.open(os.path.join(out, name)) as c:
        decoded = list(c.decode(video=0))
    assert len(decoded) == 20, f"{name}: {len(decoded)} frames decoded, 20 written"
    assert (decoded[0].width, decoded[0].height) == (320, 240), name
print(f"{','.join(order)}: cv2, av and encode_native each wrote 20 frames")
