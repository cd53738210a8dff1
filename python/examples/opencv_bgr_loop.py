"""An OpenCV-style loop: BGR frames written one by one, as with cv2.VideoWriter, but H.264.

    python opencv_bgr_loop.py [OUT.mp4]

Uses cv2 to draw when it is installed (pip install opencv-python-headless), numpy otherwise;
either way the frames are BGR, which `input_format="bgr24"` says.
"""

import sys

import numpy as np

import encode_native as en

try:
    import cv2
except ImportError:
    cv2 = None

out = sys.argv[1] if len(sys.argv) > 1 else "bgr.mp4"
W, H, FRAMES = 640, 480, 90
yy, xx = np.mgrid[0:H, 0:W]

# cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*"mp4v"), 30, (W, H)) becomes a Writer; the
# end of the `with` block is VideoWriter.release() (also on an error or Ctrl-C).
with en.Writer(out, fps=30, input_format="bgr24", preset="veryfast") as writer:
    for i in range(FRAMES):
        frame = np.empty((H, W, 3), np.uint8)
        frame[:] = (60, 30, 10)  # dark blue, in B, G, R order
        centre = (80 + i * 5, H // 2)
        if cv2 is not None:
            cv2.circle(frame, centre, 40, (0, 0, 255), -1)  # red
        else:
            frame[(xx - centre[0]) ** 2 + (yy - centre[1]) ** 2 < 40**2] = (0, 0, 255)
        writer.write(frame)  # like VideoWriter.write(frame)
summary = writer.summary
print(f"{out}: {summary.frames} frames, {summary.width}x{summary.height}")
