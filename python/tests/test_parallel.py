"""Frames rendered in worker processes (encode_native._parallel.map_frames): the same frames
in the same order as a plain loop, bounded in flight, a worker's failure raised again with
its frame's index, and no process left behind whatever happens."""

from __future__ import annotations

import glob
import multiprocessing
import os
import random
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import encode_native as en
from encode_native import _parallel
from encode_native._parallel import ParallelUnavailable, WorkerError, map_frames

from conftest import decode  # noqa: E402


def children() -> set:
    """The live child processes of this process (from /proc)."""
    pids: set = set()
    for path in glob.glob(f"/proc/{os.getpid()}/task/*/children"):
        with open(path) as f:
            pids.update(int(p) for p in f.read().split())
    return pids


@pytest.fixture(autouse=True)
def no_leftover_children():
    before = children()
    yield
    assert multiprocessing.active_children() == []
    assert children() - before == set()


@pytest.fixture(autouse=True)
def always_fork(monkeypatch):
    """Every frame to the workers, however cheap (the frames here take microseconds)."""
    monkeypatch.setattr(_parallel, "SERIAL_BELOW", 0.0)


def busy(seconds: float) -> None:
    """Uses the CPU for `seconds` (the time map_frames measures)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def picture(i: int) -> np.ndarray:
    rng = np.random.default_rng(i)
    return rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)


def test_workers_1_is_a_plain_loop_in_this_process():
    pids = []

    def make(i):
        pids.append(os.getpid())
        return picture(i)

    frames = list(map_frames(make, 5, 1))
    assert pids == [os.getpid()] * 5
    assert all(np.array_equal(f, picture(i)) for i, f in enumerate(frames))


@pytest.mark.parametrize("workers", [2, 3])
def test_frames_come_in_index_order_whatever_order_they_finish_in(workers):
    def make(i):
        time.sleep(random.Random(i).random() * 0.02)
        return np.full((8, 8, 3), i, np.uint8), os.getpid()

    pids = multiprocessing.get_context("fork").Array("i", 40)

    def frame(i):
        pixels, pids[i] = make(i)
        return pixels

    frames = list(map_frames(frame, 40, workers))
    assert [int(f[0, 0, 0]) for f in frames] == list(range(40))
    assert all(np.array_equal(f, np.full((8, 8, 3), i, np.uint8)) for i, f in enumerate(frames))
    # Frame 0 is made here, the others by the workers.
    assert pids[0] == os.getpid()
    assert len(set(pids[1:])) == workers and os.getpid() not in set(pids[1:])


@pytest.mark.parametrize("cost, forked", [(0.0, False), (0.02, True)])
def test_frames_cheaper_than_serial_below_are_made_here(monkeypatch, cost, forked):
    monkeypatch.setattr(_parallel, "SERIAL_BELOW", 0.010)
    pids = multiprocessing.get_context("fork").Array("i", 12)

    def make(i):
        busy(cost)
        pids[i] = os.getpid()
        return picture(i)

    frames = list(map_frames(make, 12, 2))
    assert all(np.array_equal(f, picture(i)) for i, f in enumerate(frames))
    # The first three are made here, timed; the rest here too, or by the workers.
    assert list(pids[:3]) == [os.getpid()] * 3
    assert (os.getpid() not in set(pids[3:])) is forked


def test_frames_of_another_shape_or_type_come_back_too():
    def make(i):
        return np.zeros((i + 1, 3), np.uint8) if i % 2 else np.zeros((4, 4), np.float32) + i

    frames = list(map_frames(make, 9, 2))
    assert [f.shape for f in frames] == [make(i).shape for i in range(9)]
    assert [f.dtype for f in frames] == [make(i).dtype for i in range(9)]
    assert all(np.array_equal(f, make(i)) for i, f in enumerate(frames))


def test_each_frame_is_the_callers_own():
    frames = list(map_frames(picture, 30, 2))
    assert all(np.array_equal(f, picture(i)) for i, f in enumerate(frames))


def test_frames_in_flight_are_bounded():
    started = multiprocessing.get_context("fork").Value("i", 0)

    def make(i):
        with started.get_lock():
            started.value = max(started.value, i)
        return np.zeros((4, 4), np.uint8)

    ahead = 0
    for i, _ in enumerate(map_frames(make, 60, 2)):
        time.sleep(0.01)  # a slow consumer: the workers must wait for it
        ahead = max(ahead, started.value - i)
    assert 0 < ahead <= 3 * 2


def test_a_workers_exception_is_raised_with_the_frame_index_and_its_traceback():
    def make(i):
        if i == 7:
            raise KeyError(f"no picture {i}")
        return picture(i)

    got = []
    with pytest.raises(KeyError, match="no picture 7") as info:
        for frame in map_frames(make, 20, 2):
            got.append(frame)
    assert len(got) == 7  # the frames before it came out
    note = "\n".join(info.value.__notes__)
    assert "in frame 7" in note and "raise KeyError" in note
    assert "raise KeyError" in str(info.value.__cause__)


class Unpicklable(Exception):
    def __init__(self, what):
        super().__init__("cannot pickle me")
        self.what = what

    def __reduce__(self):
        raise TypeError("no")


def test_an_exception_that_cannot_be_pickled_becomes_a_worker_error():
    def make(i):
        if i == 3:
            raise Unpicklable(lambda: None)
        return picture(i)

    with pytest.raises(WorkerError, match="Unpicklable: cannot pickle me in frame 3") as info:
        list(map_frames(make, 10, 2))
    assert info.value.index == 3
    assert "raise Unpicklable" in str(info.value)


def test_frames_that_cannot_be_sent_are_refused_clearly():
    def make(i):
        return np.array([object()] * 4) if i == 4 else picture(i)

    with pytest.raises(ParallelUnavailable, match="frame 4 is an array of Python objects"):
        list(map_frames(make, 10, 2))


def test_a_worker_that_dies_is_reported_with_its_frame():
    def make(i):
        if i == 5:
            os._exit(3)
        return picture(i)

    with pytest.raises(WorkerError, match=r"exited \(code 3\) while rendering frame 5"):
        list(map_frames(make, 10, 2))


def test_stopping_early_stops_the_workers():
    frames = map_frames(picture, 100, 2)
    for i, _ in enumerate(frames):
        if i == 10:
            break
    frames.close()  # type: ignore[attr-defined]
    # The fixture checks that no worker is left.


def test_without_fork_workers_are_refused_at_once(monkeypatch):
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with pytest.raises(ParallelUnavailable, match="fork"):
        map_frames(picture, 10, 2)
    assert len(list(map_frames(picture, 3, 1))) == 3


@pytest.mark.parametrize("count, workers", [(-1, 2), (3, 0)])
def test_nonsense_counts_are_refused(count, workers):
    with pytest.raises(ValueError):
        map_frames(picture, count, workers)


def test_ctrl_c_while_waiting_leaves_no_worker_behind(tmp_path):
    pids = tmp_path / "pids"
    script = textwrap.dedent(f"""
        import os, time, numpy as np
        from encode_native._parallel import map_frames
        def make(i):
            if i:
                with open({str(pids)!r}, "a") as f:
                    f.write(f"{{os.getpid()}}\\n")
                time.sleep(60)
            return np.zeros((4, 4), np.uint8)
        for frame in map_frames(make, 10, 2, serial_below=0):
            print("frame", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "frame\n"
        deadline = time.monotonic() + 30
        while (not pids.exists() or len(pids.read_text().split()) < 2) and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [int(p) for p in pids.read_text().split()]
        assert len(set(workers)) == 2
        proc.send_signal(2)  # SIGINT, as Ctrl-C
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "KeyboardInterrupt" in err
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_from_function_with_workers_makes_the_same_video(tmp_path):
    def make(t):
        return picture(round(t * 10))

    videos = []
    for workers in (1, 2):
        path = tmp_path / f"w{workers}.mp4"
        summary = en.from_function(make, 2.0, 10, path, workers=workers, crf=0, pix_fmt="yuv444p")
        assert summary.frames == 20
        videos.append(decode(path).frames)
    assert len(videos[0]) == len(videos[1]) == 20
    assert all(np.array_equal(a, b) for a, b in zip(*videos))
