#!/usr/bin/env python3
"""HLS output: what each extra rendition of an ABR ladder costs, and how soon a pushed frame
is in a playable segment.

  cpu      the same 300 frames of 1280x720 (a scrolling gradient with a moving square and a
           checkerboard that flips every frame, made with numpy before the clock starts)
           written with libx264 veryfast to out/index.m3u8 with renditions 720p, then
           720p,360p, then 720p,480p,360p (2 s segments, no sound). Each run is a fresh
           interpreter (``cpu-run``) that times open -> write every frame -> finish: the
           process's CPU time (time.process_time: every thread, the encoder threads included)
           and the wall time. The ladders run in turn (A B C A B C ...) --reps times each; the
           median is quoted, with the extra CPU of each rung against the single rendition.
  latency  frames pushed in real time at 30 fps (each write at its frame's deadline) to an
           HLS output with segment_duration=1 (720p, and the 720p,360p ladder); a thread polls
           the media playlist(s) every 2 ms and notes when each segment is first listed (in
           every rendition's playlist, for a ladder). Latency = that moment minus the push of
           the segment's first frame; a 1 s segment cannot be listed before its last frame, so
           1 s of it is the segment's own length. The last segment, written by finish(), is
           left out. --seconds of video per run (default 20), --reps runs, median and max over
           all segments of all runs.

Every output is checked: the playlists end with #EXT-X-ENDLIST and list 300 frames' worth
(10 s) of segments, or every segment of the live runs.

usage: target/python-venv/bin/python bench/delivery.py [--reps 5] [--latency-reps 3]
       [--seconds 20] [--json FILE] [cpu|latency ...]   (about 5 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, List, Optional

import numpy as np

W, H, N, FPS = 1280, 720, 300, 30
LADDERS = ["720p", "720p,360p", "720p,480p,360p"]
PRESET = "veryfast"
SEGMENT = re.compile(r"^[^#\s].*\.(?:m4s|ts)$")


def make_frames(n: int) -> List[np.ndarray]:
    """n frames of 1280x720 RGB: a gradient scrolling 4 px a frame, a 160 px square moving
    across it, an 8x8 checkerboard in the blue channel that flips every frame."""
    y, x = np.mgrid[0:H, 0:W].astype(np.int32)
    checker = (((x // 8) + (y // 8)) % 2 * 255).astype(np.uint8)
    frames = []
    for i in range(n):
        f = np.empty((H, W, 3), np.uint8)
        f[..., 0] = (x + 4 * i) % 256
        f[..., 1] = (y + 2 * i) % 256
        f[..., 2] = checker if i % 2 else 255 - checker
        sx, sy = (7 * i) % (W - 160), (3 * i) % (H - 160)
        f[sy:sy + 160, sx:sx + 160] = (255, 255, 255)
        frames.append(f)
    return frames


def listed(playlist: str) -> List[str]:
    """The segment names a media playlist lists (empty while it does not exist yet)."""
    try:
        with open(playlist, encoding="utf-8") as fh:
            return [line.strip() for line in fh if SEGMENT.match(line.strip())]
    except FileNotFoundError:
        return []


def ended(playlist: str) -> bool:
    with open(playlist, encoding="utf-8") as fh:
        return "#EXT-X-ENDLIST" in fh.read()


def media_playlists(folder: str, ladder: Optional[str]) -> List[str]:
    """The media playlists of out/index.m3u8: index.m3u8 itself without renditions, else one
    index_<rung>.m3u8 per rendition under the master index.m3u8."""
    if ladder is None:
        return [os.path.join(folder, "index.m3u8")]
    return [os.path.join(folder, f"index_{r}.m3u8") for r in ladder.split(",")]


# ---------------------------------------------------------------- CPU per extra rendition


def cpu_run(ladder: str, folder: str) -> None:
    """One timed encode in this process; prints {"cpu": s, "wall": s} as JSON."""
    import encode_native as en

    frames = make_frames(N)
    out = os.path.join(folder, "index.m3u8")
    c0, t0 = time.process_time(), time.perf_counter()
    with en.Writer(out, fps=FPS, preset=PRESET, renditions=ladder, overwrite=True) as w:
        for f in frames:
            w.write(f)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert w.summary is not None and w.summary.frames == N and w.summary.delivery == "hls"
    print(json.dumps({"cpu": cpu, "wall": wall}))


def check_vod(folder: str, ladder: str) -> None:
    for playlist in media_playlists(folder, ladder):
        text = open(playlist, encoding="utf-8").read()
        assert "#EXT-X-ENDLIST" in text, playlist
        total = sum(float(d) for d in re.findall(r"#EXTINF:([0-9.]+)", text))
        assert abs(total - N / FPS) < 1e-3, f"{playlist}: {total} s listed"


def bench_cpu(reps: int) -> Dict[str, Dict[str, float]]:
    runs: Dict[str, List[Dict[str, float]]] = {ladder: [] for ladder in LADDERS}
    for rep in range(reps):
        for ladder in LADDERS:
            folder = tempfile.mkdtemp(prefix="en-bench-hls-")
            try:
                done = subprocess.run(
                    [sys.executable, os.path.abspath(__file__), "cpu-run", ladder, folder],
                    capture_output=True, text=True, check=True)
                check_vod(folder, ladder)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            runs[ladder].append(r)
            print(f"  cpu  rep {rep + 1}/{reps}  {ladder:<16} cpu {r['cpu']:6.2f} s  "
                  f"wall {r['wall']:6.2f} s", file=sys.stderr)
    out: Dict[str, Dict[str, float]] = {}
    for ladder, rs in runs.items():
        out[ladder] = {
            "cpu_median": statistics.median(r["cpu"] for r in rs),
            "cpu_min": min(r["cpu"] for r in rs),
            "cpu_max": max(r["cpu"] for r in rs),
            "wall_median": statistics.median(r["wall"] for r in rs),
            "runs": len(rs),
        }
    return out


# ---------------------------------------------------------------- push to playable segment


def latency_run(ladder: str, seconds: int) -> List[float]:
    import encode_native as en

    n = seconds * FPS
    frames = make_frames(FPS * 2)  # two seconds of pictures, repeated: real time is the point
    folder = tempfile.mkdtemp(prefix="en-bench-live-")
    ladder_kw = {"renditions": ladder} if "," in ladder else {}
    playlists = media_playlists(folder, ladder_kw.get("renditions"))
    seen: List[float] = []  # when segment k was first listed by every media playlist
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            count = min(len(listed(p)) for p in playlists)
            now = time.perf_counter()
            while len(seen) < count:
                seen.append(now)
            time.sleep(0.002)

    pushed: List[float] = []
    try:
        w = en.Writer(os.path.join(folder, "index.m3u8"), fps=FPS, preset=PRESET,
                      segment_duration=1, **ladder_kw)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        start = time.perf_counter()
        for i in range(n):
            delay = start + i / FPS - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pushed.append(time.perf_counter())
            w.write(frames[i % len(frames)])
        live = list(seen)  # what was listed before finish()
        w.close()
        stop.set()
        watcher.join()
        assert w.summary is not None and w.summary.frames == n
        for p in playlists:
            assert ended(p), p
        for p in playlists:
            assert len(listed(p)) == seconds, f"{p}: {len(listed(p))} segments for {seconds} s"
        # Segment k starts with frame k * FPS (segments of exactly 1 s at 30 fps).
        return [t - pushed[k * FPS] for k, t in enumerate(live)]
    finally:
        stop.set()
        shutil.rmtree(folder, ignore_errors=True)


def bench_latency(reps: int, seconds: int) -> Dict[str, Dict[str, float]]:
    out: Dict[str, Dict[str, float]] = {}
    for ladder in ("720p", "720p,360p"):
        values: List[float] = []
        for rep in range(reps):
            got = latency_run(ladder, seconds)
            print(f"  live rep {rep + 1}/{reps}  {ladder:<16} {len(got)} segments listed while "
                  f"pushing, median {statistics.median(got):.3f} s, max {max(got):.3f} s",
                  file=sys.stderr)
            values += got
        out[ladder] = {
            "median": statistics.median(values),
            "max": max(values),
            "min": min(values),
            "segments": len(values),
        }
    return out


def main(argv: Optional[List[str]] = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["cpu-run"]:
        cpu_run(argv[1], argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("parts", nargs="*", help="cpu, latency (default: both)")
    ap.add_argument("--reps", type=int, default=5, help="runs of each ladder (cpu)")
    ap.add_argument("--latency-reps", type=int, default=3, help="live runs of each ladder")
    ap.add_argument("--seconds", type=int, default=20, help="seconds of video per live run")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args(argv)
    args.parts = args.parts or ["cpu", "latency"]
    if not set(args.parts) <= {"cpu", "latency"}:
        ap.error(f"unknown part in {args.parts}: cpu or latency")
    result: Dict[str, object] = {
        "frames": N, "size": f"{W}x{H}", "preset": PRESET, "cores": os.cpu_count(),
    }
    if "cpu" in args.parts:
        cpu = bench_cpu(args.reps)
        result["cpu"] = cpu
        base = cpu[LADDERS[0]]["cpu_median"]
        print(f"\nCPU time, {N} frames {W}x{H} libx264 {PRESET} to HLS "
              f"(medians of {args.reps} runs)")
        print(f"{'renditions':<18}{'CPU s':>8}{'wall s':>8}{'extra CPU':>11}")
        for ladder in LADDERS:
            c = cpu[ladder]
            extra = (c["cpu_median"] / base - 1) * 100
            print(f"{ladder:<18}{c['cpu_median']:8.2f}{c['wall_median']:8.2f}{extra:+10.0f}%")
    if "latency" in args.parts:
        lat = bench_latency(args.latency_reps, args.seconds)
        result["latency"] = lat
        print(f"\nPush of a segment's first frame -> the playlist lists it (1 s segments, "
              f"30 fps in real time, {args.latency_reps} x {args.seconds} s)")
        print(f"{'renditions':<18}{'median s':>10}{'max s':>8}{'segments':>10}")
        for ladder, v in lat.items():
            print(f"{ladder:<18}{v['median']:10.3f}{v['max']:8.3f}{v['segments']:10d}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
            fh.write("\n")


if __name__ == "__main__":
    main()
