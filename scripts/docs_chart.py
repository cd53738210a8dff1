#!/usr/bin/env python3
"""The performance guide's chart (docs/assets/generated/performance-w1.png), made by the docs
build (scripts/docs.sh) from the benchmark's results: the W1 table of bench/run.sh's
results recorded in docs/guides/performance.md (the published run, so that every build draws
the same chart), or, with DOCS_BENCH_RESULTS=path/to/results.json (what `sh bench/run.sh`
writes into $BENCH_WORK, /tmp/encode-native-bench by default), the W1 medians of that run.
The chart says which it shows."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "guides" / "performance.md"
OUT = ROOT / "docs" / "assets" / "generated" / "performance-w1.png"
RESULTS = os.environ.get("DOCS_BENCH_RESULTS")


def from_results():
    if not RESULTS:
        return None
    w1 = json.loads(Path(RESULTS).read_text()).get("summary", {}).get("W1")
    if not w1:
        return None
    rows = [(tool, v["wall_s"], v.get("cpu_s")) for tool, v in w1.items() if v.get("wall_s")]
    return rows, f"the last run of bench/run.sh ({RESULTS})"


def from_page():
    rows = []
    table = False
    for line in PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("| W1:"):
            table = True
            continue
        if table:
            if not line.startswith("|"):
                break
            cells = [c.strip() for c in line.strip("|").split("|")]
            if cells[0].startswith("---"):
                continue
            rows.append((cells[0].replace("`", ""), float(cells[1]), float(cells[2])))
    if not rows:
        raise SystemExit(f"{PAGE}: no W1 table found for the chart")
    return rows, "the run recorded in this guide"


def main():
    rows, source = from_results() or from_page()
    rows.sort(key=lambda r: r[1])
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2), dpi=100)
    names = [re.sub(r"\s+", " ", r[0]) for r in rows]
    walls = [r[1] for r in rows]
    colours = ["#3f51b5" if n.startswith("encode-native") or n in ("lib", "lib_yuv", "cli_raw") else "#9e9e9e" for n in names]
    ax.barh(names, walls, color=colours)
    for y, w in enumerate(walls):
        ax.text(w, y, f" {w:.2f} s", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel("wall seconds (lower is better)")
    ax.set_title(f"W1: 300 frames of 1280x720, x264 ultrafast\nfrom {source}", fontsize=10)
    ax.set_xlim(0, max(walls) * 1.25)
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT)
    print(f"docs_chart: {OUT.relative_to(ROOT)} from {source}")


if __name__ == "__main__":
    main()
