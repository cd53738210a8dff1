"""``from encode_native.compat import cv2``: the installed OpenCV plus encode-native's
``VideoWriter``. An OpenCV script with only its import changed, ``release()`` without frames,
``get``/``set`` with OpenCV's property ids, MJPG, mp4v against OpenCV's own writer on the same
frames, and the module without OpenCV. Every video is decoded with PyAV."""

from __future__ import annotations

import os
import textwrap

import numpy as np
import pytest

from encode_native.compat import cv2

from conftest import decode, run_python

real_cv2 = pytest.importorskip("cv2")

# An OpenCV program as people write it: draws with putText and circle, converts with
# cvtColor, writes with VideoWriter. The test runs it with its import line changed.
SCRIPT = """
import sys
import numpy as np
import cv2

out_path, fourcc = sys.argv[1], sys.argv[2]
W, H, N = 320, 240, 24
out = cv2.VideoWriter(out_path, cv2.VideoWriter_fourcc(*fourcc), 12.0, (W, H))
assert out.isOpened()
try:
    for i in range(N):
        rgb = np.zeros((H, W, 3), np.uint8)
        rgb[:, : W // 2] = (200, 40, 40)                  # a red half, in RGB
        rgb[:, W // 2 :] = (30, 60, 180)                  # a blue half
        frame = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        cv2.circle(frame, (40 + 8 * i, 120), 25, (0, 255, 255), -1)
        cv2.putText(frame, f"{i:02d}", (200, 220), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
                    (255, 255, 255), 2, cv2.LINE_AA)
        np.save(f"{out_path}.{i}.npy", frame)
        out.write(frame)
finally:
    out.release()
"""


def run_script(tmp_path, fourcc: str, name: str) -> str:
    script = tmp_path / "draw.py"
    script.write_text(textwrap.dedent(SCRIPT).replace(
        "import cv2", "from encode_native.compat import cv2"))
    out = str(tmp_path / name)
    run_python([str(script), out, fourcc], cwd=str(tmp_path))
    return out


@pytest.mark.parametrize("fourcc,name,codec", [
    ("mp4v", "draw.mp4", "mpeg4"), ("MJPG", "draw.avi", "mjpeg"), ("avc1", "draw.mkv", "h264")])
def test_an_opencv_script_with_only_its_import_changed(tmp_path, fourcc, name, codec):
    out = run_script(tmp_path, fourcc, name)
    d = decode(out)
    assert (d.count, d.width, d.height, d.codec) == (24, 320, 240, codec)
    assert d.duration == pytest.approx(2.0, abs=1e-3)  # MKV times are in milliseconds
    for i in (0, 11, 23):
        want = np.load(f"{out}.{i}.npy")[..., ::-1]  # BGR → RGB, as decoded
        got = d.frames[i]
        diff = np.abs(got.astype(int) - want.astype(int))
        assert diff.mean() < 4, (i, diff.mean())
        # Away from edges, the flat halves and the circle keep their colours.
        for y, x in ((30, 60), (30, 260), (120, 40 + 8 * i)):
            assert np.abs(got[y, x].astype(int) - want[y, x].astype(int)).max() <= 12, (i, y, x)


def test_the_rest_of_opencv_is_opencvs_own():
    for name in ("putText", "cvtColor", "imread", "circle", "CAP_PROP_FPS",
                 "VIDEOWRITER_PROP_QUALITY", "FONT_HERSHEY_SIMPLEX", "__version__"):
        assert getattr(cv2, name) is getattr(real_cv2, name), name
    assert cv2.VideoWriter is not real_cv2.VideoWriter
    assert cv2.VideoWriter.__module__ == "encode_native.compat.cv2"
    listed = dir(cv2)
    assert {"putText", "imread", "VideoWriter", "VideoWriter_fourcc"} <= set(listed)
    with pytest.raises(AttributeError, match="no_such_function"):
        cv2.no_such_function  # noqa: B018
    # OpenCV's own fourcc helper gives the same codes.
    assert cv2.VideoWriter_fourcc(*"MJPG") == real_cv2.VideoWriter_fourcc(*"MJPG")
    assert cv2.VideoWriter.fourcc(*"mp4v") == real_cv2.VideoWriter_fourcc(*"mp4v")


def test_release_without_frames_makes_no_file_and_does_not_raise(tmp_path):
    out = tmp_path / "never.mp4"
    w = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), 20, (64, 48))
    try:
        pass  # the program failed before its first frame
    finally:
        w.release()
    assert not out.exists() and not os.path.exists(str(out) + ".partial")
    assert not w.isOpened() and w.summary is None
    w.release()  # twice is fine
    # A file already there is left as it was.
    old = tmp_path / "old.avi"
    old.write_bytes(b"earlier")
    with cv2.VideoWriter(str(old), cv2.VideoWriter_fourcc(*"MJPG"), 20, (64, 48)):
        pass
    assert old.read_bytes() == b"earlier"


def test_get_and_set_with_opencvs_property_ids(tmp_path):
    sizes = {}
    for quality in (95, 20):
        out = str(tmp_path / f"q{quality}.avi")
        w = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*"MJPG"), 15, (160, 120))
        assert w.get(cv2.VIDEOWRITER_PROP_QUALITY) == 95.0
        assert (w.get(cv2.CAP_PROP_FPS), w.get(cv2.CAP_PROP_FRAME_WIDTH),
                w.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (15.0, 160.0, 120.0)
        assert w.set(cv2.VIDEOWRITER_PROP_QUALITY, quality) is True
        assert w.get(cv2.VIDEOWRITER_PROP_QUALITY) == quality
        rng = np.random.default_rng(3)
        for _ in range(5):
            w.write(rng.integers(0, 256, (120, 160, 3), dtype=np.uint8))
        # Quality is chosen before the first frame only; unsupported ids answer as
        # OpenCV's FFmpeg back end does.
        assert w.set(cv2.VIDEOWRITER_PROP_QUALITY, 50) is False
        assert w.get(cv2.VIDEOWRITER_PROP_FRAMEBYTES) == -1.0
        assert w.get(cv2.VIDEOWRITER_PROP_KEY_INTERVAL) == -1.0
        assert w.get(cv2.VIDEOWRITER_PROP_HW_ACCELERATION) == 0.0
        assert w.set(cv2.VIDEOWRITER_PROP_NSTRIPES, 4) is False
        assert w.set(cv2.CAP_PROP_FPS, 30) is False
        w.release()
        assert decode(out).count == 5
        sizes[quality] = os.path.getsize(out)
    assert sizes[20] < sizes[95] / 2, sizes
    # A writer that is not open answers -1 and takes nothing, as OpenCV's does.
    closed = cv2.VideoWriter()
    assert not closed.isOpened()
    assert closed.get(cv2.VIDEOWRITER_PROP_QUALITY) == -1.0
    assert closed.set(cv2.VIDEOWRITER_PROP_QUALITY, 50) is False
    # Quality through OpenCV's params list, and an apiPreference, as OpenCV takes them.
    out = str(tmp_path / "params.mp4")
    w = cv2.VideoWriter(out, cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48),
                        [cv2.VIDEOWRITER_PROP_QUALITY, 100])
    assert w.get(cv2.VIDEOWRITER_PROP_QUALITY) == 100.0
    w.write(np.zeros((48, 64, 3), np.uint8))
    w.release()
    assert decode(out).count == 1


@pytest.mark.parametrize("name", ["m.avi", "m.mov", "m.mkv"])
def test_mjpg_writes_motion_jpeg_that_decodes(tmp_path, name):
    out = str(tmp_path / name)
    frames = []
    with cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*"MJPG"), 25, (96, 64)) as w:
        for i in range(10):
            f = np.zeros((64, 96, 3), np.uint8)
            f[:, :48] = (20 * i, 100, 200)  # BGR
            f[:, 48:] = (250, 250, 250)
            frames.append(f)
            w.write(f)
    d = decode(out)
    assert (d.count, d.width, d.height, d.codec) == (10, 96, 64, "mjpeg")
    assert d.pix_fmt.startswith("yuvj4") or d.pix_fmt.startswith("yuv4")
    for i, f in enumerate(frames):
        for y, x in ((32, 20), (32, 80)):
            assert np.abs(d.frames[i][y, x].astype(int) - f[y, x, ::-1].astype(int)).max() <= 6


def test_mp4v_sizes_and_quality_are_opencvs_on_the_same_frames(tmp_path):
    rng = np.random.default_rng(7)
    W, H, N = 320, 240, 20
    kinds = {
        "noise": [rng.integers(0, 256, (H, W, 3), dtype=np.uint8) for _ in range(N)],
        "gradient": [np.dstack([(np.mgrid[0:H, 0:W][1] + 4 * i) % 256] * 3).astype(np.uint8)
                     for i in range(N)],
    }
    for kind, frames in kinds.items():
        results = {}
        for who, module in (("opencv", real_cv2), ("ours", cv2)):
            out = str(tmp_path / f"{kind}-{who}.mp4")
            w = module.VideoWriter(out, module.VideoWriter_fourcc(*"mp4v"), 20, (W, H))
            for f in frames:
                w.write(f)
            w.release()
            d = decode(out)
            assert d.count == N, (kind, who)
            mse = np.mean([np.mean((g.astype(float) - f[..., ::-1]) ** 2)
                           for g, f in zip(d.frames, frames)])
            results[who] = (os.path.getsize(out), 10 * np.log10(255 ** 2 / mse))
        (ours_size, ours_psnr), (cv_size, cv_psnr) = results["ours"], results["opencv"]
        assert 0.7 < ours_size / cv_size < 1.3, (kind, results)
        assert ours_psnr > cv_psnr - 1.0, (kind, results)


def test_without_opencv_only_the_writer_works(tmp_path):
    # OpenCV's import blocked, as on a machine without it.
    out = tmp_path / "x.avi"
    code = f"""
import sys
sys.modules["cv2"] = None  # import cv2 now raises ImportError
import numpy as np
from encode_native.compat import cv2
w = cv2.VideoWriter({str(out)!r}, cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
w.write(np.zeros((48, 64, 3), np.uint8))
w.release()
assert "VideoWriter" in dir(cv2) and "putText" not in dir(cv2)
try:
    cv2.putText
except AttributeError as e:
    print(e)
else:
    raise SystemExit("cv2.putText did not raise")
"""
    r = run_python(["-c", code], cwd=str(tmp_path))
    message = r.stdout.decode()
    assert "putText" in message and "pip install opencv-python-headless" in message, message
    assert decode(out).count == 1
