#!/usr/bin/env python3
"""Plays every HLS and DASH manifest at the top of a folder in headless Chromium
(scripts/check-players.sh; see tests/players/README.md).

    drive.py CHROMIUM NODE_MODULES DIR [--live] [--expect-renditions N]
             [--expect-duration SECONDS] [--rate R] [--timeout SECONDS] [--t0 EPOCH_MS]

Serves DIR (as /media/), this folder (/player/) and hls.js and shaka-player from NODE_MODULES
(/lib/) on 127.0.0.1 at a free port, in a thread of this process, with the streaming MIME types
and no caching. Drives Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe:
no WebSocket library needed), opens play.html for each manifest, collects console errors and
uncaught exceptions, and polls the page for its result. Prints one JSON line per manifest and
exits 1 with one line per problem on stderr when anything is not as expected.
"""

from __future__ import annotations

import argparse
import fcntl
import http.server
import json
import os
import re
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIME = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".m4s": "video/mp4",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".m4v": "video/mp4",
    ".cmfv": "video/mp4",
    ".cmfa": "audio/mp4",
    ".ts": "video/mp2t",
    ".aac": "audio/aac",
    ".vtt": "text/vtt",
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}


def make_server(media: Path, node_modules: Path) -> http.server.ThreadingHTTPServer:
    libs = {
        "/lib/hls.js": node_modules / "hls.js/dist/hls.min.js",
        "/lib/shaka.js": node_modules / "shaka-player/dist/shaka-player.compiled.js",
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def resolve(self) -> Path | None:
            path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
            if path in libs:
                return libs[path]
            for prefix, root in (("/media/", media), ("/player/", HERE)):
                if path.startswith(prefix):
                    f = (root / path[len(prefix):]).resolve()
                    if f.is_file() and f.is_relative_to(root.resolve()):
                        return f
            return None

        def do_GET(self) -> None:
            self.send(body=True)

        def do_HEAD(self) -> None:
            self.send(body=False)

        def send(self, body: bool) -> None:
            f = self.resolve()
            if f is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = f.read_bytes()
            start, end, status = 0, len(data), 200
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "") or "")
            if m and (m.group(1) or m.group(2)):
                if m.group(1):
                    start = int(m.group(1))
                    end = min(len(data), int(m.group(2)) + 1) if m.group(2) else len(data)
                else:
                    start = max(0, len(data) - int(m.group(2)))
                status = 206
            self.send_response(status)
            self.send_header("Content-Type", MIME.get(f.suffix.lower(), "application/octet-stream"))
            self.send_header("Content-Length", str(end - start))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Accept-Ranges", "bytes")
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
            self.end_headers()
            if body:
                try:
                    self.wfile.write(data[start:end])
                except ConnectionError:
                    pass  # the player aborted the request (a rendition switch)

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address) -> None:
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    return Server(("127.0.0.1", 0), Handler)


class Chromium:
    """Chromium with the DevTools protocol on fds 3 (commands in) and 4 (messages out)."""

    def __init__(self, binary: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="players-chromium-")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds() -> None:
            # Out of the way first: either end may itself be fd 3 or 4.
            r, w = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)
            os.setsid()

        self.proc = subprocess.Popen(
            [
                binary, "--headless", "--no-sandbox", "--disable-gpu", "--mute-audio",
                "--no-first-run", "--disable-extensions", "--disable-sync",
                "--autoplay-policy=no-user-gesture-required",
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows", "--disable-background-media-suspend",
                f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank",
            ],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=fds, pass_fds=(3, 4),
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self.next_id = 0
        self.replies: dict[int, dict] = {}
        self.events: dict[str, list] = {}
        self.cond = threading.Condition()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self) -> None:
        buf = b""
        while True:
            chunk = os.read(self.from_child, 1 << 16)
            if not chunk:
                with self.cond:
                    self.replies[-1] = {}
                    self.cond.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                with self.cond:
                    if "id" in msg:
                        self.replies[msg["id"]] = msg
                    else:
                        self.events.setdefault(msg.get("sessionId", ""), []).append(msg)
                    self.cond.notify_all()

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30) -> dict:
        with self.cond:
            self.next_id += 1
            n = self.next_id
        msg = {"id": n, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        end = time.monotonic() + timeout
        with self.cond:
            while n not in self.replies:
                if -1 in self.replies:
                    raise SystemExit("check-players: Chromium exited")
                left = end - time.monotonic()
                if left <= 0:
                    raise SystemExit(f"check-players: Chromium did not answer {method}")
                self.cond.wait(left)
            reply = self.replies.pop(n)
        if "error" in reply:
            raise SystemExit(f"check-players: {method}: {reply['error']}")
        return reply.get("result", {})

    def open(self, url: str) -> str:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.call(f"{domain}.enable", session=session)
        self.call("Page.navigate", {"url": url}, session=session)
        return session

    def console_errors(self, session: str) -> list[str]:
        out = []
        with self.cond:
            events = list(self.events.get(session, []))
        for e in events:
            p = e.get("params", {})
            if e.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console." + p["type"] + ": " + " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif e.get("method") == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                out.append("uncaught: " + (d.get("exception", {}).get("description") or d.get("text", "")))
            elif e.get("method") == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                entry = p["entry"]
                out.append(f"{entry.get('source', 'log')}: {entry.get('text', '')} {entry.get('url', '')}".strip())
        return [line[:400] for line in out]

    def result(self, session: str, name: str = "window.__result") -> dict | None:
        r = self.call("Runtime.evaluate", {"expression": f"JSON.stringify({name})",
                                           "returnByValue": True}, session=session)
        value = r.get("result", {}).get("value")
        return json.loads(value) if value and value != "null" else None

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)


def manifests(media: Path) -> list[Path]:
    """Top-level *.m3u8 and *.mpd; a media playlist a top-level master names is not its own."""
    found = sorted(p for p in media.iterdir() if p.suffix in (".m3u8", ".mpd") and p.is_file())
    named = set()
    for p in found:
        if p.suffix == ".m3u8":
            text = p.read_text(errors="replace")
            if "#EXT-X-STREAM-INF" in text:
                for line in text.splitlines():
                    if line and not line.startswith("#"):
                        named.add((media / line.strip()).resolve())
                for uri in re.findall(r'URI="([^"]+)"', text):
                    named.add((media / uri).resolve())
    return [p for p in found if p.resolve() not in named]


def wait_live(media: Path, bound: float) -> list[Path]:
    """Waits for a manifest and, for an HLS master, the media playlists it names."""
    end = time.monotonic() + bound
    while time.monotonic() < end:
        found = [p for p in media.iterdir() if p.suffix in (".m3u8", ".mpd")] if media.is_dir() else []
        if found:
            break
        time.sleep(0.1)
    else:
        raise SystemExit(f"check-players: no *.m3u8 or *.mpd in {media} after {bound:.0f} s")
    while time.monotonic() < end:
        ready = True
        for p in manifests(media):
            text = p.read_text(errors="replace")
            if p.suffix == ".m3u8" and "#EXT-X-STREAM-INF" in text:
                for line in text.splitlines():
                    if line and not line.startswith("#"):
                        sub = media / line.strip()
                        ready = ready and sub.is_file() and "#EXTINF" in sub.read_text(errors="replace")
            elif p.suffix == ".m3u8":
                ready = ready and "#EXTINF" in text
        if ready:
            return manifests(media)
        time.sleep(0.1)
    raise SystemExit(f"check-players: the playlists in {media} list no segment after {bound:.0f} s")


def check(name: str, r: dict, console: list[str], args: argparse.Namespace) -> list[str]:
    bad = []
    if r.get("fail"):
        bad.append(r["fail"])
    for w in r.get("warnings", []):
        if re.search(r" HTTP [45]\d\d ", w):
            bad.append(f"could not load a file: {w}")
    for line in console:
        bad.append(f"console error: {line}")
    n = len(r.get("renditions", []))
    if args.expect_renditions is not None and n != args.expect_renditions and not r.get("fail"):
        bad.append(f"{n} renditions, expected {args.expect_renditions}")
    if args.expect_duration is not None and not r.get("fail"):
        d = r.get("duration")
        if d is None or abs(d - args.expect_duration) > 0.25:
            bad.append(f"duration {d} s, expected {args.expect_duration} s")
    if args.live and not r.get("fail"):
        start = r.get("liveStart") or {}
        if start.get("endlistAtStart") is not False:
            bad.append("not a live start: the manifest was complete when playback began")
    return [f"{name}: {b}" for b in bad]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("chromium")
    ap.add_argument("node_modules", type=Path)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--live", action="store_true")
    ap.add_argument("--expect-renditions", type=int)
    ap.add_argument("--expect-duration", type=float)
    ap.add_argument("--rate", type=float, default=4.0)
    ap.add_argument("--timeout", type=float, default=60.0, help="bound per manifest, seconds")
    ap.add_argument("--t0", type=float, help="the check's start, ms since the epoch")
    args = ap.parse_args()
    t0 = args.t0 or time.time() * 1000
    media = args.dir.resolve()
    if args.live:
        found = wait_live(media, 30)
    else:
        if not media.is_dir():
            raise SystemExit(f"check-players: {media} is not a folder")
        found = manifests(media)
    if not found:
        raise SystemExit(f"check-players: no *.m3u8 or *.mpd at the top of {media}")

    server = make_server(media, args.node_modules)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    browser = Chromium(args.chromium)
    problems: list[str] = []
    try:
        browser.call("Target.setDiscoverTargets", {"discover": False})
        # Live manifests play side by side (each must start while its stream is live);
        # VOD ones one after the other (two cores decode one stream better than two).
        groups = [found] if args.live else [[p] for p in found]
        for group in groups:
            pages = {}
            for p in group:
                q = urllib.parse.urlencode({
                    "player": "hls" if p.suffix == ".m3u8" else "shaka",
                    "src": f"/media/{urllib.parse.quote(p.name)}", "rate": args.rate,
                    "live": int(args.live), "t0": int(t0), "budget": args.timeout})
                pages[p.name] = (browser.open(f"http://127.0.0.1:{port}/player/play.html?{q}"),
                                 time.monotonic())
            results: dict[str, dict] = {}
            while len(results) < len(pages):
                time.sleep(0.25)
                for name, (session, began) in pages.items():
                    if name in results:
                        continue
                    r = browser.result(session)
                    if r is None and time.monotonic() - began > args.timeout + 15:
                        partial = browser.result(session, "window.__R") or {}
                        r = {**partial, "fail": f"the page gave no result within {args.timeout + 15:.0f} s"}
                    if r is not None:
                        results[name] = r
            for name, r in results.items():
                console = browser.console_errors(pages[name][0])
                r = {"manifest": name, **r, "consoleErrors": console}
                print(json.dumps(r), flush=True)
                problems += check(name, r, console, args)
    finally:
        browser.close()
        server.shutdown()
    for p in problems:
        print(f"check-players: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
