"""Peak memory of a writer given a long soundtrack, each case in a fresh interpreter
(ru_maxrss of the child, minus the same interpreter's peak after importing and making its
arrays): how much the writer itself adds.

    target/python-venv/bin/python bench/audio_memory.py [MINUTES]   (default 20)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap

CASE = textwrap.dedent(
    """
    import json, resource, sys
    import numpy as np
    import encode_native as en
    case, minutes, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    rate, fps = 48000, 30
    n = int(rate * 60 * minutes)
    # Made in pieces, so that no temporary raises the peak before the writer starts.
    track = np.empty((n, 2), np.float32)
    for s in range(0, n, rate):
        part = np.sin(np.arange(s, min(n, s + rate), dtype=np.float32) * 0.05) * 0.5
        track[s:s + len(part), 0] = part
        track[s:s + len(part), 1] = part
    frame = np.zeros((48, 64, 3), np.uint8)
    frames = int(fps * 60 * minutes)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if case == "interleaved":
        # write_audio alongside the frames, one frame's worth at a time.
        with en.Writer(out, fps=fps, sample_rate=rate, codec="libx264", preset="ultrafast",
                       audio_codec=sys.argv[4]) as w:
            step = rate // fps
            for i in range(frames):
                w.write(frame)
                w.write_audio(track[i * step:(i + 1) * step])
    elif case == "whole":
        # The whole soundtrack given as audio=array: read as the frames come.
        with en.Writer(out, fps=fps, audio=track, sample_rate=rate, preset="ultrafast",
                       audio_codec=sys.argv[4]) as w:
            for i in range(frames):
                w.write(frame)
    elif case == "longest":
        # One second of video, then the whole soundtrack in one call (audio_length=longest).
        with en.Writer(out, fps=fps, sample_rate=rate, preset="ultrafast",
                       audio_codec=sys.argv[4], audio_length="longest") as w:
            for i in range(fps):
                w.write(frame)
            w.write_audio(track)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"added_mb": (peak - base) / 1024, "soundtrack_mb": track.nbytes / 2**20}))
    """
)


def main() -> None:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for case in ["interleaved", "whole", "longest"]:
            for codec, ext in [("aac", "mp4"), ("pcm_f32le", "mov")]:
                out = os.path.join(d, f"{case}.{ext}")
                r = subprocess.run([sys.executable, "-c", CASE, case, str(minutes), out, codec],
                                   capture_output=True, text=True, check=True)
                got = json.loads(r.stdout)
                rows.append((case, codec, ext, got["soundtrack_mb"], got["added_mb"]))
                print(f"{case:12} {codec:10} {ext}: soundtrack {got['soundtrack_mb']:.0f} MB, "
                      f"peak added by the writer {got['added_mb']:.1f} MB", flush=True)


if __name__ == "__main__":
    main()
