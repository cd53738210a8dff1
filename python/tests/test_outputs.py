"""Where videos go: paths (every container), memory (bytes that play in a notebook),
seekable file-likes, write-only streams (pipes, sockets, stdout) as fragmented MP4."""

from __future__ import annotations

import base64
import io
import pathlib
import socket
import subprocess
import sys
import threading

import pytest

import encode_native as en

from conftest import assert_close, block_centres, blocks, decode

H, W = 48, 64


def _boxes(data: bytes):
    """Top-level MP4 box types in order."""
    out, pos = [], 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos:pos + 4], "big")
        out.append(data[pos + 4:pos + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[pos + 8:pos + 16], "big")
        if size < 8:
            break
        pos += size
    return out


@pytest.mark.parametrize("ext", ["mp4", "mov", "mkv", "avi", "ts"])
def test_paths_take_the_container_from_the_extension(tmp_path, ext):
    frames = blocks(5, H, W, seed=1)
    path = tmp_path / f"a.{ext}"
    s = en.write_video(path, frames, fps=10, codec="mpeg4" if ext == "avi" else "h264")
    assert s.container == ext and s.bytes == path.stat().st_size
    d = decode(path)
    assert (d.count, d.width, d.height) == (5, W, H)
    c = block_centres(H, W)
    assert_close(d.frames[4][c], frames[4][c], 12 if ext == "avi" else 8, ext)


def test_str_and_pathlike_paths(tmp_path):
    frames = blocks(2, H, W)
    en.write_video(str(tmp_path / "s.mp4"), frames)
    en.write_video(pathlib.Path(tmp_path / "p.mp4"), frames)
    assert decode(tmp_path / "s.mp4").count == decode(tmp_path / "p.mp4").count == 2


def test_mp4_files_have_their_index_first(tmp_path):
    en.write_video(tmp_path / "a.mp4", blocks(3, H, W))
    boxes = _boxes((tmp_path / "a.mp4").read_bytes())
    assert boxes.index("moov") < boxes.index("mdat"), boxes


def test_encode_returns_faststart_mp4_bytes_that_play_in_a_notebook():
    frames = blocks(7, H, W, seed=2)
    video = en.encode(frames, fps=14)
    assert isinstance(video, bytes) and isinstance(video, en.Video)
    boxes = _boxes(video)
    assert boxes[0] == "ftyp" and boxes.index("moov") < boxes.index("mdat")
    assert video.summary.frames == 7 and video.summary.bytes == len(video)
    html = video._repr_html_()
    assert html.startswith("<video") and 'src="data:video/mp4;base64,' in html
    b64 = html.split("base64,")[1].split('"')[0]
    assert base64.b64decode(b64) == bytes(video)
    d = decode(bytes(video))
    assert (d.count, d.duration) == (7, pytest.approx(0.5))


def test_encode_to_another_container_has_its_mime_type():
    video = en.encode(blocks(3, H, W), fps=10, format="mkv")
    assert video.mime == "video/x-matroska" and decode(bytes(video)).count == 3


def test_a_file_shows_in_a_notebook_with_video_from_file(tmp_path):
    en.write_video(tmp_path / "a.mp4", blocks(3, H, W), fps=10)
    video = en.Video.from_file(tmp_path / "a.mp4")
    assert bytes(video) == (tmp_path / "a.mp4").read_bytes() and video.mime == "video/mp4"
    assert video._repr_html_().startswith("<video") and "data:video/mp4;base64," in video._repr_html_()
    en.write_video(tmp_path / "a.gif", blocks(3, H, W), fps=10)
    assert en.Video.from_file(str(tmp_path / "a.gif"))._repr_html_().startswith("<img")
    # What browsers do not play is a download link, as for encode()'s MKV.
    en.write_video(tmp_path / "a.mkv", blocks(3, H, W), fps=10)
    html = en.Video.from_file(tmp_path / "a.mkv")._repr_html_()
    assert html.startswith("<a download") and "video/x-matroska" in html
    (tmp_path / "a.txt").write_bytes(b"")
    with pytest.raises(ValueError, match="a.txt'.*no container"):
        en.Video.from_file(tmp_path / "a.txt")


def test_a_memory_writer_keeps_the_video(tmp_path):
    with en.Writer(None, fps=10) as w:
        w.write_frames(blocks(4, H, W))
    assert decode(bytes(w.video)).count == 4
    w.video.save(tmp_path / "saved.mp4")
    assert decode(tmp_path / "saved.mp4").count == 4


def test_bytesio_output_is_a_normal_mp4(tmp_path):
    buf = io.BytesIO()
    s = en.write_video(buf, blocks(6, H, W), fps=10)
    data = buf.getvalue()
    assert s.bytes == len(data) and not s.fragmented
    assert "moov" in _boxes(data) and "moof" not in _boxes(data)
    assert decode(data).count == 6


class WriteOnly:
    """A write-only stream, like a pipe: no seek, no tell."""

    def __init__(self):
        self.chunks = []

    def write(self, b):
        self.chunks.append(bytes(b))
        return len(b)


def test_a_write_only_object_gets_fragmented_mp4():
    out = WriteOnly()
    s = en.write_video(out, blocks(40, H, W), fps=10)
    data = b"".join(out.chunks)
    assert s.fragmented and "moof" in _boxes(data)
    assert len(out.chunks) > 1  # streamed, not written at the end
    assert decode(data).count == 40


def test_a_non_seekable_file_like_gets_fragmented_mp4():
    class Unseekable(io.BytesIO):
        def seekable(self):
            return False

    out = Unseekable()
    s = en.write_video(out, blocks(12, H, W), fps=10)
    assert s.fragmented and decode(out.getvalue()).count == 12


def test_a_socket_file():
    a, b = socket.socketpair()
    received = []
    reader = threading.Thread(target=lambda: received.append(b.makefile("rb").read()))
    reader.start()
    with a.makefile("wb") as f:
        en.write_video(f, blocks(15, H, W), fps=15)
    a.close()
    reader.join(30)
    b.close()
    assert decode(received[0]).count == 15


def test_stdout_of_a_process(tmp_path):
    script = (
        "import sys, numpy as np, encode_native as en\n"
        "frames = np.zeros((25, 48, 64, 3), np.uint8) + np.arange(25, dtype=np.uint8)[:, None, None, None] * 8\n"
        "en.write_video(sys.stdout.buffer, frames, fps=25)\n"
    )
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    assert "moof" in _boxes(r.stdout)
    d = decode(r.stdout)
    assert d.count == 25
    assert abs(int(d.frames[20][24, 32, 0]) - 160) <= 3


def test_an_exception_in_the_file_like_reaches_the_caller():
    class Full:
        def write(self, b):
            raise OSError(28, "No space left on device (test)")

    with pytest.raises(OSError, match="No space left on device"):
        with en.Writer(Full(), fps=10) as w:
            for f in blocks(30, H, W):
                w.write(f)
        # (the error may come from a write or from closing)


def test_progress_callback_and_bar(capsys):
    calls = []
    en.encode(blocks(5, H, W), fps=10, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 5) for i in range(1, 6)]
    calls.clear()
    en.encode((f for f in blocks(3, H, W)), progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, None), (2, None), (3, None)]
    en.encode(blocks(4, H, W), progress=True)
    assert "4/4" in capsys.readouterr().err
