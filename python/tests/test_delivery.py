"""Live and segmented output from Python: HLS with a ladder of renditions, RTMP with a
soundtrack to an ffmpeg listener on 127.0.0.1, the compatibility layers' URLs (OpenCV,
imageio, scikit-video), and the errors a push meets. Every server is on 127.0.0.1."""

import os
import shutil
import socket
import subprocess
import threading
import time

import numpy as np
import pytest

import encode_native as en

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg program")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe_frames(path: str, *forced: str) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", *forced, "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path],
        capture_output=True, text=True, check=True).stdout.split()
    return int(out[0])


def decoded_samples(path: str) -> int:
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-map", "0:a:0",
                          "-ac", "1", "-f", "s16le", "-"], capture_output=True, check=True)
    return len(out.stdout) // 2


def listening(port: int) -> bool:
    """Whether a socket listens on 127.0.0.1:port (Linux's /proc/net/tcp, state 0A)."""
    with open("/proc/net/tcp", encoding="ascii") as f:
        next(f)
        for line in f:
            local, state = line.split()[1], line.split()[3]
            if state == "0A" and int(local.split(":")[1], 16) == port:
                return True
    return False


class Listener:
    """An ffmpeg RTMP listener on 127.0.0.1 recording to a file, bounded in time."""

    def __init__(self, tmp_path, name="live"):
        self.port = free_port()
        self.url = f"rtmp://127.0.0.1:{self.port}/live/{name}"
        self.out = str(tmp_path / f"{name}.flv")
        self.proc = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-v", "error", "-y", "-listen", "1", "-timeout", "20",
             "-i", self.url, "-c", "copy", self.out],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # Ready when the port is in LISTEN state (/proc/net/tcp, state 0A); a test connection
        # would be the one connection `-listen 1` takes. At most 10 s: a loaded machine can
        # take seconds to start ffmpeg.
        deadline = time.monotonic() + 10
        while not listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                _, err = self.proc.communicate()
                raise AssertionError(f"the ffmpeg listener is not listening on {self.port}: {err!r}")
            time.sleep(0.05)

    def wait(self):
        try:
            _, err = self.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        assert self.proc.returncode == 0, err


@needs_ffmpeg
def test_hls_ladder_from_python_keywords(tmp_path):
    out = tmp_path / "hls" / "index.m3u8"
    frames = np.random.default_rng(1).integers(0, 255, (45, 240, 320, 3), np.uint8)
    with en.Writer(out, fps=30, preset="ultrafast", segment_duration=1,
                   renditions=["240p", {"height": 120, "bitrate": "150k"}]) as w:
        for f in frames:
            w.write(f)
    assert w.summary.delivery == "hls" and w.summary.frames == 45
    master = out.read_text()
    assert "RESOLUTION=320x240" in master and "RESOLUTION=160x120" in master
    for label in ("240p", "120p"):
        assert probe_frames(str(out.parent / f"index_{label}.m3u8")) == 45


def test_rendition_keywords_are_checked():
    with pytest.raises(ValueError, match="renditions"):
        en.Writer("x/index.m3u8", renditions=[{"height": 720, "bitrat": "3M"}])
    with pytest.raises(TypeError, match="renditions"):
        en.Writer("x/index.m3u8", renditions=[720])


@needs_ffmpeg
def test_rtmp_push_delivers_every_frame_and_the_soundtrack(tmp_path):
    server = Listener(tmp_path)
    t = np.arange(48_000 * 2) / 48_000
    samples = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    frames = np.random.default_rng(2).integers(0, 255, (60, 120, 160, 3), np.uint8)
    with en.Writer(server.url, fps=30, audio=samples, sample_rate=48000,
                   preset="ultrafast") as w:
        for f in frames:
            w.write(f)
    server.wait()
    assert w.summary.delivery == "rtmp" and w.summary.bytes > 0
    assert probe_frames(server.out) == 60
    # Every sample, plus the AAC encoder's priming at most.
    assert 96_000 <= decoded_samples(server.out) <= 96_000 + 2048


@needs_ffmpeg
@pytest.mark.parametrize("layer", ["cv2", "imageio", "skvideo"])
def test_compat_layers_push_to_a_url(tmp_path, layer):
    server = Listener(tmp_path, layer)
    frames = [np.full((96, 128, 3), i * 8, np.uint8) for i in range(20)]
    if layer == "cv2":
        from encode_native.compat import cv2
        w = cv2.VideoWriter(server.url, cv2.VideoWriter_fourcc(*"avc1"), 30, (128, 96))
        assert w.isOpened()
        for f in frames:
            w.write(f)
        w.release()
    elif layer == "imageio":
        from encode_native.compat import imageio
        with imageio.get_writer(server.url, fps=30, format="FFMPEG") as w:
            for f in frames:
                w.append_data(f)
    else:
        import encode_native.compat.skvideo.io as skio
        w = skio.FFmpegWriter(server.url)
        for f in frames:
            w.writeFrame(f)
        w.close()
    server.wait()
    assert probe_frames(server.out) == 20


def test_a_refused_connection_is_an_error_naming_the_server():
    url = f"rtmp://127.0.0.1:{free_port()}/live/x"
    w = en.Writer(url, fps=30)
    start = time.monotonic()
    with pytest.raises(OSError, match="cannot connect to rtmp://127.0.0.1"):
        w.write(np.zeros((48, 64, 3), np.uint8))
    assert time.monotonic() - start < 3


def test_a_silent_server_times_out_without_holding_the_gil():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    held = []
    threading.Thread(target=lambda: held.append(listener.accept()), daemon=True).start()
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.05)

    ticker = threading.Thread(target=tick)
    ticker.start()
    w = en.Writer(f"rtmp://127.0.0.1:{port}/live/x", fps=30, connect_timeout=1)
    start = time.monotonic()
    try:
        with pytest.raises(OSError, match="connect_timeout"):
            w.write(np.zeros((48, 64, 3), np.uint8))
    finally:
        stop.set()
        ticker.join()
        listener.close()
    waited = time.monotonic() - start
    assert waited < 3
    # Another Python thread ran while the connection waited: the GIL was free.
    assert sum(1 for t in ticks if t >= start) >= int(waited / 0.05) // 2


def test_delivery_settings_elsewhere_are_refused_when_the_writer_is_made(tmp_path):
    with pytest.raises(ValueError, match="renditions"):
        en.Writer(tmp_path / "a.mp4", renditions="720p,360p")
    with pytest.raises(ValueError, match="connect_timeout"):
        en.Writer(tmp_path / "index.m3u8", connect_timeout=2)
    with pytest.raises(ValueError, match="RTMP"):
        en.Writer("rtmp://127.0.0.1:9/live/x", codec="libx265")
    assert os.listdir(tmp_path) == []


@needs_ffmpeg
def test_explicit_hls_format_whatever_the_name(tmp_path):
    out = tmp_path / "live"
    with en.Writer(out, fps=30, format="hls", preset="ultrafast") as w:
        for i in range(30):
            w.write(np.full((48, 64, 3), i * 8, np.uint8))
    assert w.summary.delivery == "hls"
    assert out.read_text().startswith("#EXTM3U")
    # FFmpeg 7 and later read a playlist without the .m3u8 extension only when told it is one.
    assert probe_frames(str(out), "-f", "hls") == 30
