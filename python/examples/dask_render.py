"""One long video rendered on a Dask cluster: the frames are cut into segments, each made
and encoded on a worker, and joined into one MP4 without re-encoding.

    python dask_render.py [OUT.mp4] [FRAMES] [SCHEDULER]

Without SCHEDULER it starts a local cluster of 2 worker processes; with it (e.g.
``tcp://scheduler:8786``) it runs on that cluster, whose workers need numpy and
encode_native installed.
"""

import sys

import numpy as np
from distributed import Client, LocalCluster

import encode_native.dask as end

W, H = 320, 240


def make_frame(i):
    """Frame i (at 30 fps): a drifting colour wave and a circle going round, uint8 RGB."""
    t = i / 30
    yy, xx = np.mgrid[0:H, 0:W]
    r = 0.5 + 0.5 * np.sin(xx / 40 + 2 * t)
    g = 0.5 + 0.5 * np.sin(yy / 30 - 3 * t)
    b = np.full_like(r, 0.5 + 0.5 * np.sin(t))
    frame = np.stack([r, g, b], axis=-1)
    cx, cy = W / 2 + 100 * np.cos(t), H / 2 + 80 * np.sin(t)
    frame[(xx - cx) ** 2 + (yy - cy) ** 2 < 30**2] = 1.0
    return (frame * 255).astype(np.uint8)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "dask.mp4"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    if len(sys.argv) > 3:
        client = Client(sys.argv[3])  # a real cluster: Client("tcp://scheduler:8786")
    else:
        client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
    with client:
        summary = end.render(make_frame, n, 30, out, segment_frames=300, crf=20,
                             on_segment=lambda s: print(f"frames {s.start}-{s.stop - 1}: "
                                                        f"{s.seconds:.2f} s on {s.worker}"))
    print(f"{out}: {summary.frames} frames, {summary.duration:.2f} s, {summary.bytes} bytes")


if __name__ == "__main__":  # worker processes import this file: start the cluster only here
    main()
