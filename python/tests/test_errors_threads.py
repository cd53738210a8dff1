"""Errors as Python expects them, other threads running while frames are encoded, and a
Ctrl-C that leaves a finished video."""

from __future__ import annotations

import bisect
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import encode_native as en

from conftest import blocks, decode

H, W = 48, 64


def test_an_unknown_setting_names_the_close_matches():
    with pytest.raises(ValueError, match=r"invalid setting 'crff': did you mean 'crf'"):
        en.Writer("x.mp4", crff=18)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(crf="abc"), ["crf", "'abc'", "0 to 51"]),
        (dict(preset="superduper"), ["preset", "superduper", "ultrafast"]),
        # Named by the keyword written, not by an internal field (output_format, frame_rate).
        (dict(pix_fmt="rgb565"), ["invalid pix_fmt 'rgb565'", "yuv420p"]),
        (dict(fps=0), ["invalid fps '0'", "positive"]),
        (dict(codec="mpeg4", pix_fmt="yuv444p"), ["yuv444p", "mpeg4"]),
        # Refused by the encoder's own check, still named by the keyword.
        (dict(pix_fmt="yuv420p10le"), ["invalid pix_fmt 'yuv420p10le'"]),
        (dict(full_range="maybe"), ["full_range", "maybe", "true or false"]),
        (dict(input_format="rgb565"), ["rgb565", "bgr24"]),
    ],
)
def test_invalid_values_are_value_errors_naming_field_value_and_choices(tmp_path, kwargs, words):
    with pytest.raises(ValueError) as e:
        w = en.Writer(tmp_path / "x.mp4", **kwargs)
        w.write(np.zeros((H, W, 3), np.uint8))
    for word in words:
        assert word in str(e.value)
    assert not (tmp_path / "x.mp4").exists()


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(crf=99), ["invalid crf '99'", "0 to 51"]),
        (dict(preset="slowest"), ["preset", "slowest", "ultrafast"]),
        (dict(codec="gif", crf=20), ["crf", "gif"]),
        (dict(input_format="yuv420p", pix_fmt="yuv444p", width=64, height=48), ["yuv420p", "yuv444p"]),
    ],
)
def test_settings_no_frame_could_make_right_are_refused_when_the_writer_is_made(tmp_path, kwargs, words):
    # For a path, memory and a file-like object alike, before any frame.
    for output in [tmp_path / "x.mp4", None, _Pipe()]:
        with pytest.raises(ValueError) as e:
            en.Writer(output, **kwargs)
        for word in words:
            assert word in str(e.value), (output, str(e.value))
    assert not (tmp_path / "x.mp4").exists()
    assert not (tmp_path / "x.mp4.partial").exists()


def test_settings_the_frames_decide_are_refused_at_the_first_write(tmp_path):
    # A crop larger than a 64x48 frame fits a full HD one: the first frame decides.
    w = en.Writer(tmp_path / "x.mp4", filter="crop=100:80:0:0")
    with pytest.raises(ValueError, match="crop"):
        w.write(np.zeros((H, W, 3), np.uint8))
    ok = en.Writer(tmp_path / "y.mp4", filter="crop=100:80:0:0", preset="ultrafast")
    ok.write(np.zeros((120, 160, 3), np.uint8))
    assert ok.close().size == (100, 80)
    # A container decided by the extension: GIF takes no crf, MP4 does.
    with pytest.raises(ValueError, match="gif"):
        en.Writer(tmp_path / "x.gif", crf=20)
    en.Writer(tmp_path / "x.mkv", crf=20)


def test_io_errors_are_oserrors_with_the_path(tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "x.mp4"
    w = en.Writer(missing)
    with pytest.raises(FileNotFoundError) as e:
        w.write(np.zeros((H, W, 3), np.uint8))
    assert str(tmp_path / "no") in str(e.value)
    assert isinstance(e.value, OSError) and e.value.errno == 2


def test_encoder_failures_are_encode_errors_with_ffmpegs_message(tmp_path):
    assert issubclass(en.EncodeError, RuntimeError)
    w = en.Writer(tmp_path / "x.mp4", codec_options={"level": "99"})
    with pytest.raises(en.EncodeError, match="invalid level_idc"):
        w.write(np.zeros((H, W, 3), np.uint8))
    # What the output cannot do is the caller's request, not an encoder failure: ValueError,
    # as the library's error table says (EN_ERR_CONFIG in C).
    with pytest.raises(ValueError, match="AVI needs a seekable output"):
        en.write_video(_Pipe(), blocks(1, H, W), format="avi", codec="mpeg4")


class _Pipe:
    def write(self, b):
        return len(b)


def test_writer_misuse():
    with pytest.raises(TypeError, match="binary file-like"):
        en.Writer(42)
    w = en.Writer(None)
    with pytest.raises(ValueError, match="no frames were written"):
        w.close()
    w = en.Writer(None)
    w.write(np.zeros((H, W, 3), np.uint8))
    assert w.close().frames == 1
    assert w.close().frames == 1  # closing twice returns the same summary
    with pytest.raises(ValueError, match="closed"):
        w.write(np.zeros((H, W, 3), np.uint8))


def test_an_exception_in_the_with_block_still_finishes_the_video(tmp_path):
    frames = blocks(5, H, W)
    with pytest.raises(ZeroDivisionError):
        with en.Writer(tmp_path / "a.mp4", fps=10) as w:
            for i, f in enumerate(frames):
                w.write(f)
                if i == 2:
                    1 / 0  # noqa: B018  (raises inside the with block)
    assert w.summary.frames == 3 and decode(tmp_path / "a.mp4").count == 3


def test_other_threads_run_while_write_converts_and_waits(tmp_path):
    # Noise is slow to encode; without lookahead (zerolatency) and with a queue of one frame,
    # write() waits for the encoder at every frame.
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, size=(10, 240, 320, 3), dtype=np.uint8)
    ticks = []
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(time.perf_counter())

    spinner = threading.Thread(target=spin)
    spinner.start()
    calls = []
    try:
        with en.Writer(tmp_path / "n.mp4", fps=30, preset="slow", tune="zerolatency", queue=1, threads=1) as w:
            for f in frames:
                t0 = time.perf_counter()
                w.write(f)
                calls.append((t0, time.perf_counter()))
    finally:
        stop.set()
        spinner.join()
    long_calls = [(a, b) for a, b in calls if b - a > 0.02]
    assert len(long_calls) >= 3, f"write() did not wait: {[round(b - a, 4) for a, b in calls]}"
    # Held through write(), the GIL would stop the other thread for the whole wait: its ticks
    # would leave a gap about as long as the call (it can only run before and after the
    # native call). Released, the other thread ticks throughout.
    ratios = []
    for a, b in long_calls:
        inside = ticks[bisect.bisect_right(ticks, a):bisect.bisect_left(ticks, b)]
        gaps = np.diff([a, *inside, b])
        ratios.append(gaps.max() / (b - a))
    assert np.median(ratios) < 0.5, f"largest gap / call: {np.round(ratios, 2)}"
    assert decode(tmp_path / "n.mp4").count == 10


CHILD = """
import sys, time, numpy as np, encode_native as en
frames = np.zeros((8, 48, 64, 3), np.uint8) + np.arange(8, dtype=np.uint8)[:, None, None, None] * 30
w = en.Writer(sys.argv[1], fps=30, preset="ultrafast")
try:
    with w:
        i = 0
        while True:
            w.write(frames[i % 8])
            i += 1
            print("wrote", w.frames_written, flush=True)
            time.sleep(0.005)
finally:
    print("written", w.frames_written, "closed", w.closed, flush=True)
"""


def test_ctrl_c_inside_a_with_block_leaves_a_finished_playable_file(tmp_path):
    path = tmp_path / "interrupted.mp4"
    p = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    for line in p.stdout:
        if line.startswith("wrote") and int(line.split()[1]) >= 30:
            break
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert "KeyboardInterrupt" in err
    last = [line for line in out.splitlines() if line.startswith("written")][-1].split()
    written, closed = int(last[1]), last[3] == "True"
    assert closed and written >= 30
    d = decode(path)
    assert d.count == written
    assert d.duration == pytest.approx(written / 30)
    assert abs(int(d.frames[-1][24, 32, 1]) - ((written - 1) % 8) * 30) <= 3


def test_gif_refuses_rates_and_steps_it_cannot_play_as_written(tmp_path):
    frame = np.zeros((48, 64, 3), np.uint8)
    for fps in (1000, 51, 0.001):
        with pytest.raises(ValueError, match=r"1/655.35 to 50 frames per second for GIF"):
            en.Writer(tmp_path / "a.gif", fps=fps).write(frame)
    assert not (tmp_path / "a.gif").exists()
    w = en.Writer(tmp_path / "t.gif", time_base="1/1000")
    w.write(frame, pts=0)
    with pytest.raises(Exception, match=r"less than the 20 this container plays as written"):
        w.write(frame, pts=10)
    w.write(frame, pts=20)
    w.close()
    assert decode(tmp_path / "t.gif").count == 2
