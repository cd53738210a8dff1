#!/usr/bin/env python3
"""The Python package against the Rust library and the Python tools people use today, on the
same frames, interleaved, medians of several runs.

W1 (300 frames 1280x720 RGB uint8, the "scene" frames of `bench gen`, libx264 ultrafast crf
23 yuv420p, 30 fps): the encode-native library (`bench lib`), the Python package
(encode_native.Writer), both also with BT.601 like the peers (encode-native uses BT.709 for
HD), PyAV (bench/peer_pyav.py), imageio.get_writer (an ffmpeg pipe, imageio-ffmpeg driving
this system's ffmpeg) and OpenCV's VideoWriter (mp4v: MPEG-4 Part 2, another codec, for
reference). Frames are loaded into memory first; each run times
open -> write every frame -> close in its own process.

matplotlib: the noise animation (300 frames of a 300x300 imshow of random noise, 5x5 inch
figure, dpi 100, fps 30) and the sine-wave FuncAnimation (100 frames, blit=True, 640x480),
each saved with writer="encode_native" and writer="ffmpeg" with the same x264 settings
(both writers' defaults: libx264 preset medium, crf 23, yuv420p); the timed section is
ani.save(). "render only" draws every frame without saving, for reference.

usage: python bench/python_bench.py [--reps N] [--only w1,mpl] [--install]
Run it with the interpreter of the venv scripts/test-python.sh builds (target/python-venv),
which has encode_native; --install adds what the peers need (av, imageio-ffmpeg,
opencv-python-headless) to it. Results: python_results.md/json in $BENCH_WORK
(default /tmp/encode-native-bench)."""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.environ.get("BENCH_WORK", "/tmp/encode-native-bench")
BENCH = os.path.join(ROOT, "target", "release", "examples", "bench")
W, H, N, FPS, PRESET, PIX = 1280, 720, 300, "30", "ultrafast", "yuv420p"
RAW = os.path.join(WORK, f"scene_{W}x{H}_{N}.rgb24")

W1_TOOLS = ["lib", "python", "lib_bt601", "python_bt601", "pyav", "imageio", "opencv"]
MPL_TOOLS = ["noise_render", "noise_encode_native", "noise_ffmpeg",
             "sine_render", "sine_encode_native", "sine_ffmpeg"]
NAMES = {
    "lib": "encode-native library (Rust, `bench lib`)",
    "python": "encode_native Python package",
    "lib_bt601": "encode-native library, BT.601 like the peers",
    "python_bt601": "encode_native Python package, BT.601 like the peers",
    "pyav": "PyAV in-process",
    "imageio": "imageio.get_writer (ffmpeg pipe)",
    "opencv": "OpenCV VideoWriter, mp4v (another codec: MPEG-4 Part 2)",
    "noise_render": "noise: render only (no saving)",
    "noise_encode_native": 'noise: writer="encode_native"',
    "noise_ffmpeg": 'noise: writer="ffmpeg"',
    "sine_render": "sine: render only (no saving)",
    "sine_encode_native": 'sine: writer="encode_native"',
    "sine_ffmpeg": 'sine: writer="ffmpeg"',
}
TARGETS = [  # tool, reference, max ratio
    ("python", "lib", 1.05),
    ("python", "pyav", 0.65),
    ("python", "imageio", 0.45),
    ("python_bt601", "lib_bt601", 1.05),
    ("python_bt601", "pyav", 0.65),
    ("python_bt601", "imageio", 0.45),
    ("noise_encode_native", "noise_ffmpeg", 0.7),
    ("sine_encode_native", "sine_ffmpeg", 0.5),
]


def cpu():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def load_frames():
    import numpy as np

    return np.fromfile(RAW, dtype=np.uint8, count=W * H * 3 * N).reshape(N, H, W, 3)


# -- one timed run per process -------------------------------------------------------------

def one_w1(tool, out):
    frames = load_frames()
    c0, t0 = cpu(), time.perf_counter()
    if tool in ("python", "python_bt601"):
        import encode_native as en

        # The peers convert with BT.601 whatever the size; the default for HD is BT.709.
        matrix = "bt601" if tool == "python_bt601" else None
        with en.Writer(out, fps=int(FPS), preset=PRESET, crf=23, pix_fmt=PIX, color_matrix=matrix) as w:
            for f in frames:
                w.write(f)
    elif tool == "imageio":
        import imageio.v2 as iio2

        w = iio2.get_writer(out, fps=int(FPS), codec="libx264", pixelformat=PIX, quality=None,
                            macro_block_size=1, ffmpeg_log_level="error",
                            ffmpeg_params=["-preset", PRESET, "-crf", "23"])
        for f in frames:
            w.append_data(f)
        w.close()
    elif tool == "opencv":
        import cv2

        w = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*"mp4v"), int(FPS), (W, H))
        for f in frames:  # taken as BGR: what an OpenCV program holds
            w.write(f)
        w.release()
    else:
        raise SystemExit(f"unknown tool {tool}")
    return time.perf_counter() - t0, cpu() - c0


def one_mpl(tool, out):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib import animation

    import encode_native  # noqa: F401  (registers the writer)

    kind, writer = tool.split("_", 1)
    if kind == "noise":
        # The classic "movie without saving frames" answer: imshow of random noise.
        rng = np.random.default_rng(0)
        fig = plt.figure(figsize=(5, 5), dpi=100)
        im = plt.imshow(rng.random((300, 300)), interpolation="nearest")

        def update(i):
            im.set_data(rng.random((300, 300)))
            return (im,)

        ani = animation.FuncAnimation(fig, update, frames=300, interval=33)
        count = 300
    else:
        # matplotlib's simple animation example: a moving sine wave, blitted.
        fig, ax = plt.subplots()
        x = np.arange(0, 2 * np.pi, 0.01)
        (line,) = ax.plot(x, np.sin(x))

        def update(i):
            line.set_ydata(np.sin(x + i / 50))
            return (line,)

        ani = animation.FuncAnimation(fig, update, frames=100, interval=20, blit=True)
        count = 100
    c0, t0 = cpu(), time.perf_counter()
    if writer == "render":
        for i in range(count):
            update(i)
            fig.canvas.draw()
    else:
        ani.save(out, writer=writer, fps=30, dpi=100)
    return time.perf_counter() - t0, cpu() - c0


def one(tool, out):
    wall, cpu_s = (one_w1 if tool in W1_TOOLS else one_mpl)(tool, out)
    print(json.dumps({"wall_s": round(wall, 4), "cpu_s": round(cpu_s, 3)}))


# -- the interleaved run -------------------------------------------------------------------

def command(tool, out):
    if tool in ("lib", "lib_bt601"):
        return [BENCH, "lib", str(W), str(H), str(N), RAW, FPS, PRESET, PIX, out]
    if tool == "pyav":
        return [sys.executable, os.path.join(ROOT, "bench", "peer_pyav.py"), RAW, str(W), str(H),
                str(N), FPS, PRESET, PIX, out]
    return [sys.executable, os.path.abspath(__file__), "one", tool, out]


def frames_in(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
                        "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path],
                       capture_output=True, text=True)
    return int(r.stdout.strip() or 0)


def expected_frames(tool):
    if tool in W1_TOOLS:
        return N
    return 300 if tool.startswith("noise") else 100


def run(tool, out):
    env = dict(os.environ)
    if tool == "lib_bt601":
        env["BENCH_MATRIX"] = "bt601"
    if shutil.which("ffmpeg"):
        env["IMAGEIO_FFMPEG_EXE"] = shutil.which("ffmpeg")  # the same ffmpeg and libx264
    r = subprocess.run(command(tool, out), capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"{tool} failed:\n{r.stderr[-2000:]}")
    rec = json.loads([line for line in r.stdout.splitlines() if line.startswith("{")][-1])
    if not tool.endswith("_render"):
        got = frames_in(out)
        if got != expected_frames(tool):
            raise RuntimeError(f"{tool}: {got} frames in {out}, expected {expected_frames(tool)}")
    return {"wall_s": rec["wall_s"], "cpu_s": rec["cpu_s"]}


def prepare():
    os.makedirs(os.path.join(WORK, "out"), exist_ok=True)
    if not os.path.exists(BENCH):
        subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "bench"], cwd=ROOT,
                       check=True)
    if not os.path.exists(RAW) or os.path.getsize(RAW) != W * H * 3 * N:
        subprocess.run([BENCH, "gen", str(W), str(H), str(N), RAW], check=True)
    with open(RAW, "rb") as f:  # warm the page cache
        while f.read(1 << 24):
            pass


def install():
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "av", "imageio", "imageio-ffmpeg",
                    "opencv-python-headless", "matplotlib"], check=True)


def report(results, reps):
    med = {t: {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s")}
           for t, runs in results.items()}
    lines = [f"Medians of {reps} interleaved runs, wall and CPU seconds of the timed section.", ""]
    groups = [("W1: 300 frames 1280x720 RGB uint8, libx264 ultrafast crf 23 yuv420p, 30 fps", W1_TOOLS, "lib"),
              ("matplotlib, libx264 medium crf 23 yuv420p (both writers' defaults), 30 fps", MPL_TOOLS, None)]
    for title, tools, base in groups:
        tools = [t for t in tools if t in med]
        if not tools:
            continue
        lines += [f"### {title}", "", "| tool | wall s | CPU s | × " + ("library" if base else "ffmpeg writer") + " |",
                  "|---|---:|---:|---:|"]
        for t in tools:
            ref = base or (t.split("_")[0] + "_ffmpeg")
            x = f"{med[t]['wall_s'] / med[ref]['wall_s']:.2f}" if ref in med else ""
            lines.append(f"| {NAMES[t]} | {med[t]['wall_s']:.3f} | {med[t]['cpu_s']:.2f} | {x} |")
        lines.append("")
    lines += ["### Targets", "", "| target | measured | met |", "|---|---:|:-:|"]
    for a, b, mx in TARGETS:
        if a in med and b in med:
            r = med[a]["wall_s"] / med[b]["wall_s"]
            lines.append(f"| {NAMES[a]} ≤ {mx} × {NAMES[b]} | {r:.3f} | {'yes' if r <= mx else 'no'} |")
    return med, "\n".join(lines) + "\n"


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "one":
        return one(sys.argv[2], sys.argv[3])
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="w1,mpl", help="w1, mpl or both")
    ap.add_argument("--install", action="store_true", help="pip-install the peers first")
    args = ap.parse_args()
    if args.install:
        install()
    prepare()
    groups = args.only.split(",")
    tools = (W1_TOOLS if "w1" in groups else []) + (MPL_TOOLS if "mpl" in groups else [])
    results = {}
    for rep in range(args.reps):
        for tool in tools:
            out = os.path.join(WORK, "out", f"py_{tool}.mp4")
            rec = run(tool, out)
            results.setdefault(tool, []).append(rec)
            print(f"rep {rep + 1} {tool:22s} wall {rec['wall_s']:.3f} s  cpu {rec['cpu_s']:.2f} s",
                  file=sys.stderr)
    med, md = report(results, args.reps)
    with open(os.path.join(WORK, "python_results.json"), "w") as f:
        json.dump({"runs": results, "medians": med}, f, indent=1)
    with open(os.path.join(WORK, "python_results.md"), "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
