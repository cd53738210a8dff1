"""The docs gallery: runs every example of the project and writes docs/gallery/index.md with
each one's code, a poster frame and, where small, an animated preview.

    target/python-venv/bin/python scripts/gallery.py [--only python,rust,c] [--out DIR]

Each example runs in a temporary folder with its output named on its command line:
python/examples/*.py with this interpreter (PYTHONPATH=python), examples/*.rs with
``cargo run --release --example NAME``, capi/examples/*.c and *.cpp compiled with
``pkg-config --cflags --libs encode_native`` against the C library already built in
target/release (installed into a temporary prefix by ``capi/install.sh --no-build``; the C
examples are skipped, with the reason on the page, when it is not built). Every video an
example writes is opened with PyAV: a poster (the frame at a third of its length, PNG, at most 640 pixels wide) and
a preview (up to 3 s at 10 fps, at most 320 pixels wide, written by encode-native itself as
an animated WebP, kept when under 1 MB) go to docs/gallery/media/, which is git-ignored: the
docs build runs this script first. The page itself is the same from run to run while the
examples are (no timings in it), so it is kept in the repository and a build from a clean
clone without the pictures still finds it.

An example that fails makes the script fail (exit 1) after writing the page, which shows
the failure; ``--keep-going`` exits 0 anyway.
"""

from __future__ import annotations

import argparse
import ast
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

VIDEO_EXTENSIONS = (".mp4", ".mkv", ".webm", ".mov", ".avi", ".ts", ".gif", ".webp")
PREVIEW_SECONDS = 3.0
PREVIEW_FPS = 10
PREVIEW_WIDTH = 320
POSTER_WIDTH = 640
PREVIEW_MAX_BYTES = 1_000_000
TIMEOUT = 900


@dataclass
class Example:
    kind: str  # "python", "rust" or "c"
    source: Path
    title: str = ""
    summary: str = ""
    args: List[str] = field(default_factory=list)
    skip: Optional[str] = None
    error: Optional[str] = None
    seconds: float = 0.0
    outputs: List[dict] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.source.stem}"

    @property
    def rel(self) -> str:
        return str(self.source.relative_to(ROOT))


# -- finding the examples and what to give them ------------------------------------------------


def python_summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


def comment_summary(path: Path) -> str:
    """The first paragraph of a Rust example's //! comment or a C example's leading comment,
    without its usage lines and the file name it starts with."""
    lines: List[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if s.startswith("//!") or s.startswith("//"):
            text = s.lstrip("/!").strip()
        elif s.startswith("/*") or s.startswith("*"):
            text = s.lstrip("/*").rstrip("*/").strip()
        else:
            break
        if not text:
            if lines:
                break
            continue
        lines.append(text)
    summary = " ".join(lines)
    return re.sub(r"^[\w.]+\.(c|cpp):\s*", "", summary)


def find_examples(only: List[str]) -> List[Example]:
    found: List[Example] = []
    if "rust" in only:
        for path in sorted((ROOT / "examples").glob("*.rs")):
            ex = Example("rust", path, title=path.name, summary=comment_summary(path))
            ex.args = ["{out}/" + path.stem + ".mp4"]
            if path.stem == "images_dir":
                ex.args = ["{out}/frames", "{out}/" + path.stem + ".mp4", "12"]
            elif path.stem == "make_frame":
                ex.args.append("3")
            found.append(ex)
    if "python" in only:
        for path in sorted((ROOT / "python" / "examples").glob("*.py")):
            ex = Example("python", path, title=path.name, summary=python_summary(path))
            ex.args = ["{out}/" + path.stem + ".mp4"]
            if path.stem == "image_folder":
                ex.args = []  # without arguments it makes demo_frames/ and writes images.mp4
            elif path.stem == "dask_render":
                ex.args.append("240")  # frames: a short video, still cut into segments
            found.append(ex)
    if "c" in only:
        for path in sorted((ROOT / "capi" / "examples").glob("*.c*")):
            ex = Example("c", path, title=path.name, summary=comment_summary(path))
            # threads.c takes a prefix and writes PREFIX-0.mp4 ... PREFIX-3.mp4.
            ex.args = ["{out}/threads"] if path.stem == "threads" else ["{out}/" + path.stem + ".mp4"]
            found.append(ex)
    return found


# -- running them ------------------------------------------------------------------------------


def run(cmd: List[str], cwd: Path, env: Optional[dict] = None) -> None:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} exited with {done.returncode}:\n{(done.stderr or done.stdout)[-2000:]}"
        )


def make_image_folder(folder: Path, count: int = 24) -> None:
    """A few PNGs for the images_dir example: a square moving over a gradient."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    h, w = 180, 320
    y, x = np.mgrid[0:h, 0:w]
    for i in range(count):
        img = np.stack([x * 255 // w, y * 255 // h, np.full_like(x, 128)], axis=-1).astype(np.uint8)
        x0 = 10 + i * (w - 60) // count
        img[60:110, x0:x0 + 50] = (255, 240, 40)
        Image.fromarray(img).save(folder / f"frame{i + 1}.png")


class CBuild:
    """The C library installed from target/release into a temporary prefix, once."""

    def __init__(self, work: Path) -> None:
        self.reason: Optional[str] = None
        self.prefix = work / "prefix"
        so = ROOT / "target" / "release" / "libencode_native.so"
        if not so.is_file():
            self.reason = "the C library is not built (cargo build -p encode-native-capi --release)"
            return
        for tool in ("cc", "c++", "pkg-config"):
            if shutil.which(tool) is None:
                self.reason = f"{tool} is not installed"
                return
        try:
            run(["sh", str(ROOT / "capi" / "install.sh"), "--no-build", str(self.prefix)], work)
        except RuntimeError as e:
            self.reason = f"capi/install.sh --no-build failed: {e}"
            return
        env = dict(os.environ)
        env["PKG_CONFIG_PATH"] = str(self.prefix / "lib" / "pkgconfig")
        self.flags = subprocess.run(
            ["pkg-config", "--cflags", "--libs", "encode_native"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.split()
        self.env = dict(os.environ)
        self.env["LD_LIBRARY_PATH"] = str(self.prefix / "lib")

    def compile(self, source: Path, out: Path) -> Path:
        exe = out / source.stem
        if source.suffix == ".cpp":
            cmd = ["c++", "-std=c++17", "-O1", str(source), "-o", str(exe), *self.flags]
        else:
            cmd = ["cc", "-std=c11", "-O1", str(source), "-o", str(exe), *self.flags, "-lm", "-pthread"]
        run(cmd, out)
        return exe


def run_example(ex: Example, work: Path, cbuild: Optional[CBuild]) -> Path:
    folder = work / ex.name
    out = folder / "out"
    out.mkdir(parents=True)
    args = [a.replace("{out}", str(out)) for a in ex.args]
    if ex.kind == "python":
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT / "python") + os.pathsep + env.get("PYTHONPATH", "")
        env["MPLBACKEND"] = "Agg"
        run([sys.executable, str(ex.source), *args], out, env)
    elif ex.kind == "rust":
        if ex.source.stem == "images_dir":
            make_image_folder(out / "frames")
        run(["cargo", "run", "--quiet", "--release", "--manifest-path", str(ROOT / "Cargo.toml"),
             "--example", ex.source.stem, "--", *args], out)
        shutil.rmtree(out / "frames", ignore_errors=True)
    else:
        assert cbuild is not None
        exe = cbuild.compile(ex.source, folder)
        run([str(exe), *args], out, cbuild.env)
    return out


# -- posters and previews ----------------------------------------------------------------------


def poster_and_preview(video: Path, media: Path, stem: str) -> dict:
    import av
    import numpy as np

    import encode_native as en

    info: dict = {"file": video.name}
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or 25
        frames = []
        all_count = 0
        step = max(1, round(float(rate) / PREVIEW_FPS))
        width, height = stream.codec_context.width, stream.codec_context.height
        scale = min(1.0, PREVIEW_WIDTH / width)
        pw, ph = max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)
        first = None
        for frame in container.decode(video=0):
            if first is None:
                first = frame.to_ndarray(format="rgb24")
            if all_count % step == 0 and len(frames) < PREVIEW_SECONDS * PREVIEW_FPS:
                frames.append(frame.reformat(width=pw, height=ph, format="rgb24").to_ndarray())
            all_count += 1
        info.update(frames=all_count, size=f"{width}x{height}", rate=str(rate), codec=stream.codec_context.name)
    if not all_count:
        raise RuntimeError(f"{video.name} decodes to no frame")
    # The poster: the frame at a third of the video (the first is often blank).
    with av.open(str(video)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i >= all_count // 3:
                from PIL import Image

                # At most POSTER_WIDTH wide (shown at half that: sharp on HiDPI screens).
                k = min(1.0, POSTER_WIDTH / width)
                small = frame.reformat(width=max(2, round(width * k)), height=max(2, round(height * k)),
                                       format="rgb24")
                Image.fromarray(small.to_ndarray()).save(media / f"{stem}.png", optimize=True)
                break
    info["poster"] = f"{stem}.png"
    if len(frames) > 1:
        preview = media / f"{stem}.webp"
        en.write_video(str(preview), np.stack(frames), fps=str(Fraction(rate) / step))
        if preview.stat().st_size <= PREVIEW_MAX_BYTES:
            info["preview"] = preview.name
            info["preview_bytes"] = preview.stat().st_size
        else:
            info["preview_dropped"] = preview.stat().st_size
            preview.unlink()
    return info


# -- the page ----------------------------------------------------------------------------------

LANG = {"python": "python", "rust": "rust", "c": "c"}
HEADINGS = {"python": "Python", "rust": "Rust", "c": "C and C++"}


def fence(code: str, lang: str, title: str) -> str:
    """The code in a collapsible block (pymdownx.details), open for short examples."""
    ticks = "```"
    while ticks in code:
        ticks += "`"
    marker = "???+" if code.count("\n") <= 40 else "???"
    body = f"{ticks}{lang}\n{code.rstrip()}\n{ticks}"
    # The examples are shown, not run, by the docs test: a skip marker says so.
    return (f"<!-- skip-test: an example of the gallery, run by scripts/gallery.py -->\n"
            f'{marker} example "{title}"\n\n'
            + "\n".join(("    " + l) if l else "" for l in body.splitlines()) + "\n")


def command(ex: Example) -> str:
    """How the example is run, as one would type it in the repository."""
    if ex.kind == "python":
        return f"python {ex.rel}"
    if ex.kind == "rust":
        return f"cargo run --release --example {ex.source.stem} --"
    return f"./{ex.source.stem}"


def page(examples: List[Example]) -> str:
    out = [
        "# Gallery",
        "",
        "Every example of the project, run when this site was built: its code, a frame of the",
        "video it wrote, and an animated preview where one is small enough (made with",
        "encode-native itself, an animated WebP). Generated by `scripts/gallery.py`, which the",
        "docs build runs: the pictures are made then (docs/gallery/media/ is not in the",
        "repository), and this page comes out the same as long as the examples do.",
        "",
    ]
    for kind in ("python", "rust", "c"):
        group = [e for e in examples if e.kind == kind]
        if not group:
            continue
        out += [f"## {HEADINGS[kind]}", ""]
        for ex in group:
            out += [f"### {ex.title}", "", f"`{ex.rel}`: {ex.summary}".rstrip(), ""]
            shown = " ".join([command(ex)] + [a.replace("{out}/", "") for a in ex.args])
            if ex.skip:
                out += [f"!!! note \"Not run\"", f"    {ex.skip}", ""]
            elif ex.error:
                out += ["!!! failure \"This example failed when the site was built\"", ""]
                out += ["    " + l for l in ex.error.splitlines()[-15:]] + [""]
            else:
                out += [f"Run with `{shown}`.", ""]
                for o in ex.outputs:
                    alt = html.escape(f"{o['file']}: a frame")
                    line = f"**{o['file']}**: {o['frames']} frames, {o['size']}, {o['rate']} fps, {o['codec']}"
                    out += [line, ""]
                    imgs = [f'<img src="media/{o["poster"]}" alt="{alt}" width="320">']
                    if "preview" in o:
                        imgs.append(f'<img src="media/{o["preview"]}" alt="{html.escape(o["file"])}: '
                                    f'animated preview" width="320">')
                    out += ["<p>" + " ".join(imgs) + "</p>", ""]
                    if "preview_dropped" in o:
                        out += [f"(The preview, {o['preview_dropped'] // 1000} kB, is too big to show.)", ""]
            code = ex.source.read_text(encoding="utf-8")
            out += [fence(code, LANG[kind], ex.rel)]
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="python,rust,c", help="which examples: python,rust,c")
    parser.add_argument("--out", default=str(ROOT / "docs" / "gallery"), help="the page's folder")
    parser.add_argument("--keep-going", action="store_true", help="exit 0 even when an example fails")
    args = parser.parse_args()
    only = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = set(only) - {"python", "rust", "c"}
    if unknown:
        parser.error(f"--only: unknown {', '.join(sorted(unknown))}; use python, rust, c")

    out_dir = Path(args.out)
    media = out_dir / "media"
    shutil.rmtree(media, ignore_errors=True)
    media.mkdir(parents=True)
    examples = find_examples(only)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gallery-") as tmp:
        work = Path(tmp)
        cbuild = CBuild(work) if any(e.kind == "c" for e in examples) else None
        for ex in examples:
            if ex.kind == "c" and cbuild is not None and cbuild.reason:
                ex.skip = f"Not run: {cbuild.reason}."
                print(f"gallery: {ex.rel}: skipped, {cbuild.reason}", file=sys.stderr)
                continue
            t0 = time.monotonic()
            try:
                folder = run_example(ex, work, cbuild)
                videos = sorted(p for p in folder.iterdir() if p.suffix in VIDEO_EXTENSIONS)
                if not videos:
                    raise RuntimeError("it wrote no video")
                for i, video in enumerate(videos):
                    ex.outputs.append(poster_and_preview(video, media, f"{ex.name}-{i}"))
            except Exception as e:  # shown on the page and counted as a failure
                ex.error = f"{type(e).__name__}: {e}"
            ex.seconds = time.monotonic() - t0
            state = "FAILED" if ex.error else f"{len(ex.outputs)} video(s)"
            print(f"gallery: {ex.rel}: {state} ({ex.seconds:.1f} s)", file=sys.stderr)
    seconds = time.monotonic() - start
    (out_dir / "index.md").write_text(page(examples), encoding="utf-8")
    failed = [e for e in examples if e.error]
    print(f"gallery: {len(examples)} examples, {len(failed)} failed, "
          f"{sum(1 for e in examples if e.skip)} skipped, {seconds:.0f} s; wrote {out_dir / 'index.md'}",
          file=sys.stderr)
    return 1 if failed and not args.keep_going else 0


if __name__ == "__main__":
    sys.exit(main())
