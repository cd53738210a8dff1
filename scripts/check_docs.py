#!/usr/bin/env python3
"""Looks at the built documentation site in headless Chromium (scripts/check-docs.sh).

    check_docs.py CHROMIUM SITE_DIR OUT_DIR

Serves SITE_DIR on 127.0.0.1 (python3 -m http.server, a free port), then:
- takes a screenshot of the home page, a guide, a migration page and the gallery
  (OUT_DIR/*.png) and
  checks each is not blank: many distinct colours, and text-dark pixels on the page;
- checks the browser printed no console message for any page opened (mkdocs-material prints
  none: a message is an uncaught error or a failed load);
- checks every <img>, <video>, <source> and <a href> to a media file in every page of the
  site answers 200 with content, so the gallery's previews and the charts load.
"""

from __future__ import annotations

import html.parser
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlparse

from PIL import Image

PAGES = {
    "home": "index.html",
    "guide": "guides/sound-and-tags.html",
    "migration": "migrate/opencv.html",
    "gallery": "gallery/index.html",
}
MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".apng", ".svg", ".mp4", ".webm", ".mkv", ".mov")
CONSOLE = re.compile(r":CONSOLE[:(]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(site: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
            return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    server.kill()
    raise SystemExit("check-docs: the local server did not start")


def screenshot(browser: str, url: str, out: Path) -> list:
    """Screenshot of url into out; returns the console lines Chromium printed."""
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [
                browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
                "--enable-logging=stderr", "--v=0", "--window-size=1280,900",
                "--virtual-time-budget=5000", f"--screenshot={out}", url,
            ],
            capture_output=True, text=True, timeout=120,
        )
    if not out.exists():
        raise SystemExit(f"check-docs: no screenshot of {url}:\n{run.stderr[-2000:]}")
    return [line for line in run.stderr.splitlines() if CONSOLE.search(line)]


def not_blank(path: Path) -> str:
    """'' when the screenshot shows a rendered page, else what is wrong: many colours in all,
    and text (dark pixels) in the content column, below the header bar."""
    img = Image.open(path).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 22) or []
    if len(colours) < 50:
        return f"{len(colours)} distinct colours: a blank page"
    w, h = img.size
    content = img.crop((w // 5, 80, w * 4 // 5, h)).convert("L")
    hist = content.histogram()
    ink = sum(hist[:150]) / sum(hist)
    if ink < 0.01:
        return f"{ink:.4f} of the content column dark: no text"
    return ""


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "poster", "href"):
            value = a.get(key)
            if not value or value.startswith(("http:", "https:", "data:", "mailto:", "#")):
                continue
            if key == "href" and not urlparse(value).path.lower().endswith(MEDIA):
                continue
            if tag in ("img", "video", "source", "a"):
                self.urls.append(value)


def media_problems(site: Path, base: str) -> tuple:
    problems, checked = [], 0
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        for url in parser.urls:
            full = urljoin(f"{base}/{rel}", url)
            if not urlparse(full).path.lower().endswith(MEDIA):
                continue
            checked += 1
            try:
                with urllib.request.urlopen(full, timeout=10) as r:
                    if r.status != 200 or not r.read(1):
                        problems.append(f"{rel}: {url}: status {r.status}, or empty")
            except urllib.error.URLError as e:
                problems.append(f"{rel}: {url}: {e}")
    return problems, checked


def main():
    browser, site, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(site, port)
    failures = []
    try:
        for name, page in PAGES.items():
            if not (site / page).exists():
                failures.append(f"{page}: not in the built site")
                continue
            shot = out / f"{name}.png"
            shot.unlink(missing_ok=True)
            console = screenshot(browser, f"{base}/{page}", shot)
            blank = not_blank(shot)
            if blank:
                failures.append(f"{page}: {blank} ({shot})")
            for line in console:
                failures.append(f"{page}: console: {line.split('] ', 1)[-1]}")
            print(f"check-docs: {page} rendered: {shot}", file=sys.stderr)
        problems, checked = media_problems(site, base)
        failures += problems
        print(f"check-docs: {checked} images and videos in the pages load" if not problems else
              f"check-docs: {len(problems)} of {checked} images and videos do not load", file=sys.stderr)
    finally:
        server.terminate()
        server.wait()
    if failures:
        print("check-docs: FAILED\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)
    print("check-docs: ok", file=sys.stderr)


if __name__ == "__main__":
    main()
