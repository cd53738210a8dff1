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


def _segment(path, shade=0, frames=20):
    en.write_video(path, np.full((frames, 48, 64, 3), shade, np.uint8), fps=30, preset="ultrafast")


def test_the_summary_says_what_the_video_is(tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    _segment(a)
    _segment(b, 90)
    s = en.concat([a, b], tmp_path / "out.mp4")
    assert (s.frames, s.width, s.height, s.codec) == (40, 64, 48, "h264")
    # Nothing was encoded: no encoder to name.
    assert s.encoder == ""
    assert s.container == "mp4"


def test_a_damaged_segment_is_refused_by_name_and_nothing_is_written(tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    _segment(a)
    _segment(b, 90)
    cut = tmp_path / "cut.mp4"
    whole = b.read_bytes()
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    out = tmp_path / "out.mp4"
    out.write_bytes(b"a good older video")
    with pytest.raises(ValueError, match="segment 2.*cut.mp4.*damaged"):
        en.concat([a, cut], out)
    assert out.read_bytes() == b"a good older video"


def test_an_output_that_is_also_a_segment_is_refused(tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    _segment(a)
    _segment(b, 90)
    before = b.read_bytes()
    with pytest.raises(ValueError, match="b.mp4"):
        en.concat([a, b], b)
    # The same file under another name.
    with pytest.raises(ValueError, match="b.mp4"):
        en.concat([a, b], tmp_path / "." / "b.mp4")
    assert b.read_bytes() == before


def test_an_error_carries_only_its_own_ffmpeg_messages(tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    _segment(a)
    _segment(b, 90)
    cut = tmp_path / "cut.mp4"
    whole = b.read_bytes()
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    # libavformat complains about the damaged segment ("Packet corrupt") ...
    with pytest.raises(ValueError):
        en.concat([a, cut], tmp_path / "o1.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all, not at all")
    # ... which is no part of the next call's error.
    with pytest.raises(Exception) as e:
        en.concat([junk], tmp_path / "o2.mp4")
    assert "junk.mp4" in str(e.value)
    assert "corrupt" not in str(e.value)
