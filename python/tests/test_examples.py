"""Each example in python/examples runs as a user would run it, and its video decodes with
the exact number of frames and the pictures it means."""

from __future__ import annotations

import os

import numpy as np
import pytest

from conftest import EXAMPLES, assert_close, decode, run_python


def example(name):
    return os.path.join(EXAMPLES, name)


def test_random_frames(tmp_path):
    run_python([example("random_frames.py"), "out.mp4"], cwd=tmp_path)
    d = decode(tmp_path / "out.mp4")
    assert (d.count, d.width, d.height, d.pix_fmt) == (60, 640, 360, "yuv420p")
    assert d.duration == pytest.approx(2.0)


def test_image_folder_with_its_demo_images(tmp_path):
    run_python([example("image_folder.py")], cwd=tmp_path)
    d = decode(tmp_path / "images.mp4")
    assert (d.count, d.width, d.height) == (48, 320, 240)
    assert d.duration == pytest.approx(2.0)


def test_image_folder_with_your_images_in_natural_order(tmp_path):
    from PIL import Image

    folder = tmp_path / "shots"
    folder.mkdir()
    levels = {}
    for i in range(12):
        level = 10 + i * 20
        levels[i] = level
        Image.new("RGB", (96, 64), (level, level, level)).save(folder / f"shot{i}.png")
    (folder / "notes.txt").write_text("not an image: skipped")
    run_python([example("image_folder.py"), str(folder), "shots.mp4", "12"], cwd=tmp_path)
    d = decode(tmp_path / "shots.mp4")
    assert (d.count, d.width, d.height) == (12, 96, 64)
    assert d.duration == pytest.approx(1.0)
    for i, frame in enumerate(d.frames):  # shot2 before shot10
        assert_close(frame[32, 48], np.full(3, levels[i], np.uint8), 3, f"frame {i}")


def test_matplotlib_animation(tmp_path):
    run_python([example("matplotlib_animation.py"), "sine.mp4"], cwd=tmp_path)
    d = decode(tmp_path / "sine.mp4")
    assert (d.count, d.width, d.height) == (100, 640, 360)


def test_make_frame(tmp_path):
    run_python([example("make_frame.py"), "clip.mp4"], cwd=tmp_path)
    d = decode(tmp_path / "clip.mp4")
    assert (d.count, d.width, d.height) == (80, 480, 270)
    assert d.duration == pytest.approx(4.0)
    # t = 0: the circle is at (340, 135) and white.
    assert_close(d.frames[0][135, 340], np.full(3, 255, np.uint8), 4, "circle")


def test_opencv_bgr_loop(tmp_path):
    run_python([example("opencv_bgr_loop.py"), "bgr.mp4"], cwd=tmp_path)
    d = decode(tmp_path / "bgr.mp4")
    assert (d.count, d.width, d.height) == (90, 640, 480)
    red = d.frames[0][240, 80]  # the circle's centre in frame 0, drawn (0, 0, 255) in BGR
    assert red[0] > 200 and red[1] < 40 and red[2] < 40, red
    background = d.frames[0][20, 600]  # (60, 30, 10) in BGR is RGB (10, 30, 60)
    assert_close(background, np.array([10, 30, 60], np.uint8), 6, "background")
