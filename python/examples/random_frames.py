"""Random numpy frames to an MP4: the skvideo.io.vwrite / torchvision write_video use case.

    python random_frames.py [OUT.mp4]
"""

import sys

import numpy as np

import encode_native as en

out = sys.argv[1] if len(sys.argv) > 1 else "noise.mp4"

# 60 frames of 640x360 RGB noise, uint8, shape (frames, height, width, 3).
frames = (np.random.default_rng(0).random((60, 360, 640, 3)) * 255).astype(np.uint8)

summary = en.write_video(out, frames, fps=30, preset="ultrafast")
print(f"{out}: {summary.frames} frames, {summary.width}x{summary.height}, "
      f"{summary.duration:.2f} s, {summary.bytes} bytes")
