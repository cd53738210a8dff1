"""No false success and no hidden cause: the error a user sees is the one that happened."""

from __future__ import annotations

import threading

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import animation  # noqa: E402

import encode_native as en  # noqa: E402
from encode_native.compat import cv2  # noqa: E402
from encode_native.matplotlib import EncodeNativeWriter  # noqa: E402

from conftest import decode  # noqa: E402


def small_animation(frames=3):
    fig, ax = plt.subplots(figsize=(1.6, 1.2), dpi=50)
    (line,) = ax.plot([0, 1], [0, 1])
    ani = animation.FuncAnimation(fig, lambda i: line.set_ydata([0, i]), frames=frames)
    return fig, ani


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_matplotlib_raises_the_real_error_not_no_frames(tmp_path):
    fig, ani = small_animation()
    # A bitrate for a GIF asked for as an ffmpeg flag (the bitrate argument is ignored with a
    # warning: test_matplotlib.py): refused by setup, with the library's own words.
    with pytest.raises(ValueError, match=r"invalid rate 'bitrate 500000'.*no rate control with gif") as e:
        ani.save(tmp_path / "x.gif", writer="encode_native", extra_args=["-b:v", "500k"])
    assert "no frames were written" not in str(e.value)
    assert not (tmp_path / "x.gif").exists()
    # An explicit codec the container cannot hold.
    with pytest.raises(ValueError, match=r"codec 'h264' \(libx264\) does not go in webm.*libvpx-vp9") as e:
        ani.save(tmp_path / "x.webm", writer="encode_native", codec="h264")
    assert "no frames were written" not in str(e.value)
    # An error at the first frame (a picture too small for SVT-AV1) is the error raised.
    with pytest.raises(ValueError, match=r"at least 64x64 for libsvtav1") as e:
        ani.save(tmp_path / "x.mkv", writer="encode_native", codec="libsvtav1")
    assert "no frames were written" not in str(e.value)
    with pytest.raises(ValueError, match=r"-wibble"):
        ani.save(tmp_path / "y.mp4", writer="encode_native", extra_args=["-wibble", "3"])


def test_matplotlib_defaults_fit_gif_and_webm_and_choices_are_honoured(tmp_path):
    fig, ani = small_animation()
    matplotlib.rcParams["animation.bitrate"] = 800
    try:
        # rcParams' h264 and bitrate are defaults: a GIF gets its own encoder and no rate.
        ani.save(tmp_path / "a.gif", writer="encode_native", fps=10)
        d = decode(tmp_path / "a.gif")
        assert (d.codec, d.count) == ("gif", 3)
        ani.save(tmp_path / "a.webm", writer="encode_native", fps=10)
        assert decode(tmp_path / "a.webm").codec == "vp9"
    finally:
        matplotlib.rcParams["animation.bitrate"] = -1
    # A chosen bitrate for WebM is used.
    writer = EncodeNativeWriter(fps=10, bitrate=300)
    ani.save(tmp_path / "b.webm", writer=writer)
    assert writer.summary is not None and writer.summary.frames == 3
    assert decode(tmp_path / "b.webm").count == 3


def test_cv2_is_not_opened_for_a_missing_folder(tmp_path):
    fourcc = cv2.VideoWriter_fourcc(*"mp4v")
    w = cv2.VideoWriter(str(tmp_path / "missing" / "x.mp4"), fourcc, 10, (64, 48))
    assert not w.isOpened()
    assert w.open(str(tmp_path / "missing" / "x.mp4"), fourcc, 10, (64, 48)) is False
    with pytest.raises(ValueError, match="not open") as e:
        w.write(np.zeros((48, 64, 3), np.uint8))
    # The error says why: the folder, named, does not exist.
    assert f"the folder {str(tmp_path / 'missing')!r} does not exist" in str(e.value)
    assert not (tmp_path / "missing").exists()
    (tmp_path / "file").write_bytes(b"")
    assert w.open(str(tmp_path / "file" / "x.mp4"), fourcc, 10, (64, 48)) is False
    with pytest.raises(ValueError, match="is not a folder"):
        w.write(np.zeros((48, 64, 3), np.uint8))
    with pytest.raises(ValueError, match="without a file name"):
        cv2.VideoWriter().write(np.zeros((48, 64, 3), np.uint8))
    ok = cv2.VideoWriter(str(tmp_path / "x.mp4"), fourcc, 10, (64, 48))
    assert ok.isOpened()
    ok.write(np.zeros((48, 64, 3), np.uint8))
    ok.release()
    assert decode(tmp_path / "x.mp4").count == 1
    with pytest.raises(ValueError, match="x.mp4' was released"):
        ok.write(np.zeros((48, 64, 3), np.uint8))


def test_one_writer_written_from_several_threads(tmp_path):
    per_thread, threads = 10, 4
    frames = [np.full((48, 64, 3), 20 * t, np.uint8) for t in range(threads)]
    errors = []
    w = en.Writer(tmp_path / "t.mkv", fps=10, preset="ultrafast")
    start = threading.Barrier(threads)

    def run(t):
        start.wait()
        try:
            for _ in range(per_thread):
                w.write(frames[t])
        except Exception as e:  # pragma: no cover - the failure being tested for
            errors.append(e)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert errors == []
    summary = w.close()
    assert summary.frames == per_thread * threads
    assert decode(tmp_path / "t.mkv").count == per_thread * threads
