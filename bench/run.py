#!/usr/bin/env python3
"""encode-native's benchmark: the same deterministic frames through encode-native (library and
CLI), its encode-only limit (frames pre-converted to YUV), the ffmpeg command (on the YUV file,
on the RGB file, and fed through a pipe) and PyAV, interleaved, medians of several runs.

usage: run.py [--reps N] [--workloads W1,W2,W3,W4] [--no-pyav] [--check]
Run through bench/run.sh, which builds and installs what this needs."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.environ.get("BENCH_WORK", "/tmp/encode-native-bench")
BIN = os.path.join(ROOT, "target", "release", "encode-native")
BENCH = os.path.join(ROOT, "target", "release", "examples", "bench")
VENV_PY = os.path.join(WORK, "venv", "bin", "python")
FPS = "30"

# name: (w, h, frames, preset, pix_fmt)
WORKLOADS = {
    "W1": (1280, 720, 300, "ultrafast", "yuv420p"),
    "W2": (1920, 1080, 120, "medium", "yuv420p"),
    "W3": (1280, 720, 300, "ultrafast", "yuv444p"),
    "W4": (640, 360, 300, "ultrafast", "yuv420p"),
}


def files(wl):
    w, h, n, _, pix = WORKLOADS[wl]
    rgb = os.path.join(WORK, f"scene_{w}x{h}_{n}.rgb24")
    return rgb, os.path.join(WORK, f"scene_{w}x{h}_{n}.{pix}")


def prepare(wl):
    w, h, n, _, pix = WORKLOADS[wl]
    rgb, yuv = files(wl)
    if not os.path.exists(rgb) or os.path.getsize(rgb) != w * h * 3 * n:
        subprocess.run([BENCH, "gen", str(w), str(h), str(n), rgb], check=True)
    if not os.path.exists(yuv) or os.path.getmtime(yuv) < os.path.getmtime(rgb):
        subprocess.run([BENCH, "yuv", str(w), str(h), str(n), rgb, pix, yuv], check=True)
    for f in (rgb, yuv):  # warm the page cache: no run pays for disk reads
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass


def commands(wl, tools):
    w, h, n, preset, pix = WORKLOADS[wl]
    rgb, yuv = files(wl)
    out = lambda t: os.path.join(WORK, "out", f"{t}_{wl}.mp4")
    size = f"{w}x{h}"
    enc = ["-c:v", "libx264", "-preset", preset, "-crf", "23", "-pix_fmt", pix]
    ff = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-s", size, "-r", FPS]
    peer = [rgb, str(w), str(h), str(n), FPS, preset, pix]
    all_cmds = {
        # (command, reports its own timed section)
        "lib": ([BENCH, "lib", str(w), str(h), str(n), rgb, FPS, preset, pix, out("lib")], True),
        # The peers convert with BT.601 whatever the size; the same matrix, like for like.
        "lib_bt601": ([BENCH, "lib", str(w), str(h), str(n), rgb, FPS, preset, pix, out("lib_bt601")], True),
        "lib_yuv": ([BENCH, "lib", str(w), str(h), str(n), yuv, FPS, preset, pix, out("lib_yuv"), pix], True),
        "cli_raw": ([BIN, "raw", "-i", rgb, "--size", size, "--in-pix-fmt", "rgb24", "--fps", FPS,
                     "--preset", preset, "--crf", "23", "--pix-fmt", pix, "-y", "-q", "-o", out("cli_raw")], False),
        "cli_bt601": ([BIN, "raw", "-i", rgb, "--size", size, "--in-pix-fmt", "rgb24", "--fps", FPS,
                       "--preset", preset, "--crf", "23", "--pix-fmt", pix, "--color-matrix", "bt601",
                       "-y", "-q", "-o", out("cli_bt601")], False),
        "ffmpeg_yuv": (ff + ["-pix_fmt", pix, "-i", yuv] + enc + [out("ffmpeg_yuv")], False),
        "ffmpeg_rgb": (ff + ["-pix_fmt", "rgb24", "-i", rgb] + enc + [out("ffmpeg_rgb")], False),
        "ffpipe": ([sys.executable, os.path.join(ROOT, "bench", "peer_ffpipe.py")] + peer + [out("ffpipe")], True),
        "pyav": ([VENV_PY, os.path.join(ROOT, "bench", "peer_pyav.py")] + peer + [out("pyav")], True),
    }
    return {t: all_cmds[t] + (out(t),) for t in tools}


def run_measured(cmd, self_timed, env=None):
    """Runs cmd, returning wall/CPU (its own timed section when it reports one) and peak RSS."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = []
    while True:
        chunk = p.stdout.read(65536)
        if not chunk:
            break
        out.append(chunk)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed: {err.decode(errors='replace')[-800:]}")
    rec = {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mib": ru.ru_maxrss / 1024}
    if self_timed:
        line = [l for l in b"".join(out).decode().splitlines() if l.startswith("{")][-1]
        timed = json.loads(line)
        rec["wall_s"] = timed["wall_s"]
        rec["cpu_s"] = timed["cpu_s"]
        if "first_packet_ms" in timed:
            rec["first_packet_ms"] = timed["first_packet_ms"]
    return rec


def frames_in(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
                        "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path],
                       capture_output=True, text=True)
    return int(r.stdout.strip() or 0)


def one_off(args):
    """Conversion speed, memory over a long run, first-packet latency."""
    rgb, _ = files("W1")
    extra = {}
    r = subprocess.run([BENCH, "convert", "1280", "720", "300", rgb, "yuv420p"], capture_output=True,
                       text=True, check=True)
    extra["convert_720p_yuv420p"] = json.loads(r.stdout)
    mem = {}
    for n in (300, 3000):
        r = run_measured([BENCH, "memory", "1280", "720", str(n), os.path.join(WORK, "out", f"mem{n}.mp4")],
                         False)
        mem[n] = r["peak_rss_mib"]
    extra["peak_rss_mib_300_vs_3000"] = mem
    return extra


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--workloads", default="W1,W2,W3,W4")
    ap.add_argument("--no-pyav", action="store_true")
    ap.add_argument("--check", action="store_true",
                    help="regression check: W1 only, compare ratios with bench/baseline.json")
    args = ap.parse_args()
    os.makedirs(os.path.join(WORK, "out"), exist_ok=True)
    wls = ["W1"] if args.check else args.workloads.split(",")
    tools = ["lib", "lib_bt601", "lib_yuv", "cli_raw", "cli_bt601", "ffmpeg_yuv", "ffmpeg_rgb", "ffpipe",
             "pyav"]
    if args.check:
        tools = ["lib", "lib_yuv", "cli_raw", "ffmpeg_rgb"]
    if args.no_pyav or not os.path.exists(VENV_PY):
        tools = [t for t in tools if t != "pyav"]
    results = {}
    for wl in wls:
        prepare(wl)
        cmds = commands(wl, tools)
        for rep in range(args.reps):
            for tool, (cmd, self_timed, out) in cmds.items():
                env = dict(os.environ, BENCH_MATRIX="bt601") if tool == "lib_bt601" else None
                rec = run_measured(cmd, self_timed, env)
                n = WORKLOADS[wl][2]
                got = frames_in(out)
                if got != n:
                    raise RuntimeError(f"{tool} {wl}: {got} frames in {out}, expected {n}")
                results.setdefault(wl, {}).setdefault(tool, []).append(rec)
                print(f"{wl} rep {rep + 1} {tool:11s} wall {rec['wall_s']:.3f} s  cpu {rec['cpu_s']:.2f} s",
                      file=sys.stderr)
    extra = {} if args.check else one_off(args)
    summary = summarize(results, extra)
    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump({"runs": results, "summary": summary, "extra": extra}, f, indent=1)
    md = report(summary, extra, args.reps)
    with open(os.path.join(WORK, "results.md"), "w") as f:
        f.write(md)
    print(md)
    if args.check:
        sys.exit(check(summary))


def med(runs, key):
    vals = [r[key] for r in runs if key in r]
    return statistics.median(vals) if vals else None


def summarize(results, extra):
    s = {}
    for wl, tools in results.items():
        s[wl] = {t: {k: med(runs, k) for k in ("wall_s", "cpu_s", "peak_rss_mib", "first_packet_ms")}
                 for t, runs in tools.items()}
    return s


TARGETS = [
    # workload, tool, reference, max ratio
    ("W1", "lib", "lib_yuv", 1.05),
    ("W1", "lib", "pyav", 0.5),
    ("W1", "lib", "ffpipe", 0.45),
    ("W1", "lib_bt601", "ffpipe", 0.45),
    ("W1", "cli_raw", "ffmpeg_rgb", 0.6),
    ("W1", "cli_bt601", "ffmpeg_rgb", 0.6),
    ("W2", "lib", "lib_yuv", 1.02),
]


def ratio(summary, wl, a, b):
    try:
        return summary[wl][a]["wall_s"] / summary[wl][b]["wall_s"]
    except (KeyError, TypeError, ZeroDivisionError):
        return None


def report(summary, extra, reps):
    lines = [f"Medians of {reps} interleaved runs; wall and CPU seconds of the timed encode "
             "(whole process for the CLI and ffmpeg runs), peak RSS of the process in MiB "
             "(frames held in memory included for lib, ffpipe and pyav).", ""]
    names = {"lib": "encode-native library", "lib_bt601": "encode-native library, BT.601 like the peers",
             "lib_yuv": "encode-native, pre-converted YUV (limit)",
             "cli_raw": "encode-native raw -i file.rgb", "cli_bt601": "encode-native raw, BT.601 like ffmpeg",
             "ffmpeg_yuv": "ffmpeg on the YUV file",
             "ffmpeg_rgb": "ffmpeg -f rawvideo rgb24 file", "ffpipe": "ffmpeg fed through a pipe",
             "pyav": "PyAV in-process"}
    for wl, tools in summary.items():
        w, h, n, preset, pix = WORKLOADS[wl]
        lines += [f"### {wl}: {n} frames {w}x{h}, {preset}, crf 23, {pix}, 30 fps", "",
                  "| tool | wall s | CPU s | peak RSS MiB | × lib |", "|---|---:|---:|---:|---:|"]
        lib = tools.get("lib", {}).get("wall_s")
        for t, m in tools.items():
            x = f"{m['wall_s'] / lib:.2f}" if lib else ""
            lines.append(f"| {names[t]} | {m['wall_s']:.3f} | {m['cpu_s']:.2f} | {m['peak_rss_mib']:.0f} | {x} |")
        lines.append("")
    lines += ["### Targets", "", "| target | measured | met |", "|---|---:|:-:|"]
    for wl, a, b, mx in TARGETS:
        r = ratio(summary, wl, a, b)
        if r is not None:
            lines.append(f"| {wl} {names[a]} ≤ {mx} × {names[b]} | {r:.3f} | {'yes' if r <= mx else 'no'} |")
    if extra:
        c = extra["convert_720p_yuv420p"]
        lines.append(f"| RGB→yuv420p ≤ 0.5 ms per 720p frame, one core | {c['convert_ms_mean']:.3f} ms "
                     f"(best {c['convert_ms_best']:.3f}) | {'yes' if c['convert_ms_mean'] <= 0.5 else 'no'} |")
        m = extra["peak_rss_mib_300_vs_3000"]
        grow = m[3000] / m[300] - 1
        lines.append(f"| peak RSS 3000 frames within 5 % of 300 | {m[300]:.0f} → {m[3000]:.0f} MiB "
                     f"({grow * 100:+.1f} %) | {'yes' if grow <= 0.05 else 'no'} |")
    fp = summary.get("W1", {}).get("lib", {}).get("first_packet_ms")
    if fp is not None:
        lines.append(f"| first packet ≤ 50 ms after the first frame (W1) | {fp:.1f} ms | {'yes' if fp <= 50 else 'no'} |")
    return "\n".join(lines) + "\n"


def check(summary):
    with open(os.path.join(ROOT, "bench", "baseline.json")) as f:
        base = json.load(f)
    bad = 0
    for key, limit in base["max_ratios"].items():
        wl, a, b = key.split(":")
        r = ratio(summary, wl, a, b)
        ok = r is not None and r <= limit
        print(f"{key}: {r:.3f} (limit {limit}) {'ok' if ok else 'REGRESSION'}")
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    main()
