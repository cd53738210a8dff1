"""encode_native.concat: segments written on separate runs join into one video, exactly."""

from __future__ import annotations

import numpy as np
import pytest

import encode_native as en

from conftest import decode


def test_segments_join_exactly(tmp_path):
    parts = []
    for k in range(3):
        frames = np.full((20, 48, 64, 3), 40 * k, np.uint8)
        path = tmp_path / f"part{k}.mp4"
        en.write_video(path, frames, fps="30000/1001", preset="ultrafast")
        parts.append(path)
    out = tmp_path / "all.mp4"
    s = en.concat(parts, out)
    assert s.frames == 60
    assert s.duration == pytest.approx(60 * 1001 / 30000)
    d = decode(out)
    assert d.count == 60
    assert d.duration == pytest.approx(60 * 1001 / 30000, abs=1e-3)
    # The segments' pictures, in order.
    assert d.frames[0].mean() < 10 and abs(float(d.frames[59].mean()) - 80) < 6


def test_segments_that_differ_are_refused(tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    en.write_video(a, np.zeros((5, 48, 64, 3), np.uint8), fps=30, preset="ultrafast")
    en.write_video(b, np.zeros((5, 48, 96, 3), np.uint8), fps=30, preset="ultrafast")
    with pytest.raises(ValueError, match="segment 2.*size"):
        en.concat([a, b], tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()
