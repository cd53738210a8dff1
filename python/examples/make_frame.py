"""A video of a function of time, like moviepy's VideoClip(make_frame).write_videofile.

    python make_frame.py [OUT.mp4]
"""

import sys

import numpy as np

import encode_native as en

out = sys.argv[1] if len(sys.argv) > 1 else "clip.mp4"
W, H = 480, 270
yy, xx = np.mgrid[0:H, 0:W]


def make_frame(t):
    """The picture at t seconds: a drifting colour wave and a circle going round (float RGB
    in [0, 1], which encode_native takes as it is)."""
    r = 0.5 + 0.5 * np.sin(xx / 40 + 2 * t)
    g = 0.5 + 0.5 * np.sin(yy / 30 - 3 * t)
    b = np.full_like(r, 0.5 + 0.5 * np.sin(t))
    cx, cy = W / 2 + 100 * np.cos(t), H / 2 + 80 * np.sin(t)
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 < 30**2
    frame = np.stack([r, g, b], axis=-1)
    frame[inside] = 1.0
    return frame


result = en.from_function(make_frame, duration=4, fps=20, path=out)
print(f"{out}: {result.frames} frames, {result.duration:.1f} s")
