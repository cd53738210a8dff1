"""encode_native.dask: one long video rendered in segments on a LocalCluster of two worker
processes and joined, many videos at once, retries and failures. Every output is decoded
with PyAV."""

from __future__ import annotations

import os
import sys
from fractions import Fraction

import numpy as np
import pytest

from conftest import assert_close, decode

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

import encode_native as en  # noqa: E402
import encode_native.dask as end  # noqa: E402

# The worker processes cannot import this test module: its functions travel by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

H, W = 48, 64


def picture(i: int) -> np.ndarray:
    """Frame i: four flat 16x16-aligned blocks whose colours depend on i (they survive
    x264 closely), so a frame's number can be read back from its pixels."""
    f = np.empty((H, W, 3), np.uint8)
    f[:, :32] = ((i * 7) % 200 + 20, (i // 5) % 200 + 20, 128)
    f[:, 32:] = (60, (i * 3) % 200 + 20, (i // 7) % 200 + 20)
    return f


class FailsOnce:
    """make_frame that raises at frame `bad` the first time it gets there (a marker file
    remembers, across worker processes), then works."""

    def __init__(self, marker: str, bad: int) -> None:
        self.marker = marker
        self.bad = bad

    def __call__(self, i: int) -> np.ndarray:
        if i == self.bad and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            raise RuntimeError(f"transient failure at frame {i}")
        return picture(i)


class AlwaysFails:
    """make_frame that raises at frame `bad` every time."""

    def __init__(self, bad: int) -> None:
        self.bad = bad

    def __call__(self, i: int) -> np.ndarray:
        if i == self.bad:
            raise ValueError(f"frame {i} cannot be made")
        return picture(i)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as c:
            yield c


def check_video(path, n: int, fps: Fraction, samples) -> None:
    d = decode(path)
    assert d.count == n
    assert (d.width, d.height) == (W, H)
    assert d.fps == fps
    assert d.duration == pytest.approx(float(n / fps), abs=1e-6)
    # Timestamps run on frame after frame, across the joins.
    steps = np.diff(np.array(d.pts_seconds))
    assert np.allclose(steps, float(1 / fps), atol=1e-4)
    for i in samples:
        assert_close(d.frames[i], picture(i), 4, f"frame {i}")


@pytest.mark.parametrize("fps", [Fraction(30), Fraction(30000, 1001)])
def test_render_in_four_segments(client, tmp_path, fps):
    out = tmp_path / "long.mp4"
    segments, progress = [], []
    s = end.render(picture, 1200, fps, out, segment_frames=300, client=client,
                   preset="ultrafast", crf=12,
                   on_segment=segments.append, progress=lambda done, total: progress.append((done, total)))
    assert s.frames == 1200
    assert s.duration == pytest.approx(float(1200 / fps), abs=1e-9)
    assert sorted((g.start, g.stop) for g in segments) == [(0, 300), (300, 600), (600, 900), (900, 1200)]
    assert len({g.worker for g in segments}) == 2  # both workers took part
    assert progress[-1] == (1200, 1200) and len(progress) == 4
    # Each segment's first and last frames, around every join.
    check_video(out, 1200, fps, [0, 1, 299, 300, 301, 599, 600, 899, 900, 1199])
    assert sorted(os.listdir(tmp_path)) == ["long.mp4"]  # no segment left behind


def test_render_through_a_shared_directory(client, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    out = tmp_path / "v.mp4"
    s = end.render(picture, 250, 25, out, segment_frames=100, client=client, shared_dir=shared,
                   preset="ultrafast", crf=12)
    assert s.frames == 250
    check_video(out, 250, Fraction(25), [0, 99, 100, 200, 249])
    assert os.listdir(shared) == []


def test_encode_many(client, tmp_path):
    jobs = []
    for k in range(40):
        n = 5 + k
        if k % 2:
            jobs.append({"make_frame": picture, "n_frames": n, "fps": 24, "path": tmp_path / f"v{k}.mp4",
                         "settings": {"preset": "ultrafast", "crf": 12}})
        else:
            frames = np.stack([picture(i) for i in range(n)])
            jobs.append((frames, None, "30000/1001", tmp_path / f"v{k}.mp4", {"preset": "ultrafast", "crf": 12}))
    done = []
    summaries = end.encode_many(jobs, client=client, progress=lambda d, t: done.append((d, t)))
    total = sum(5 + k for k in range(40))
    assert len(done) == 40 and done[-1] == (total, total)
    for k, s in enumerate(summaries):
        n = 5 + k
        fps = Fraction(24) if k % 2 else Fraction(30000, 1001)
        assert isinstance(s, en.Summary) and s.frames == n
        assert s.duration == pytest.approx(float(n / fps), abs=1e-6)
        check_video(tmp_path / f"v{k}.mp4", n, fps, [0, n - 1])
    assert not [f for f in os.listdir(tmp_path) if not f.endswith(".mp4") or f.startswith(".")]


def test_encode_many_sets_encoder_threads(client):
    # Two single-threaded workers on this machine: the cores are shared among them.
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert end.encoder_threads(client) == max(1, cores // 2)


def test_encode_many_into_memory(client):
    videos = end.encode_many([(picture, 12, 30, None, {"preset": "ultrafast", "crf": 12})], client=client)
    assert isinstance(videos[0], en.Video)
    check_video(bytes(videos[0]), 12, Fraction(30), [0, 11])


def test_a_task_that_fails_once_is_retried(client, tmp_path):
    marker = tmp_path / "failed-once"
    out = tmp_path / "v.mp4"
    s = end.render(FailsOnce(str(marker), 450), 600, 30, out, segment_frames=150, client=client,
                   preset="ultrafast", crf=12)
    assert marker.exists()  # it did fail, once
    assert s.frames == 600
    check_video(out, 600, Fraction(30), [0, 300, 449, 450, 451, 599])


def test_a_segment_that_always_fails_fails_the_render(client, tmp_path):
    out = tmp_path / "v.mp4"
    with pytest.raises(ValueError, match="frame 450 cannot be made"):
        end.render(AlwaysFails(450), 600, 30, out, segment_frames=150, client=client,
                   preset="ultrafast", retries=1)
    assert not out.exists()
    assert os.listdir(tmp_path) == []  # no segment or temporary left


def test_a_failing_job_leaves_no_file(client, tmp_path):
    with pytest.raises(ValueError, match="frame 3 cannot be made"):
        end.encode_many([(AlwaysFails(3), 10, 30, tmp_path / "bad.mp4")], client=client, retries=0,
                        preset="ultrafast")
    assert os.listdir(tmp_path) == []


def test_bad_settings_fail_before_any_task(client, tmp_path):
    with pytest.raises(ValueError):
        end.render(picture, 10, 30, tmp_path / "v.mp4", client=client, crf="not a number")
    assert os.listdir(tmp_path) == []


def test_default_client_is_used(client, tmp_path):
    # The module's client is the default one: no client argument needed.
    assert distributed.get_client() is client
    s = end.render(picture, 130, 30, tmp_path / "v.mp4", preset="ultrafast", crf=12)
    assert s.frames == 130
    check_video(tmp_path / "v.mp4", 130, Fraction(30), [0, 129])


def test_the_example_runs_on_a_local_cluster(tmp_path):
    from conftest import EXAMPLES, run_python

    r = run_python([os.path.join(EXAMPLES, "dask_render.py"), "out.mp4", "450"], cwd=tmp_path)
    assert b"450 frames, 15.00 s" in r.stdout
    d = decode(tmp_path / "out.mp4")
    assert (d.count, d.width, d.height) == (450, 320, 240)
    assert d.duration == pytest.approx(15.0, abs=1e-6)
    # The pictures are the example's own make_frame.
    import importlib.util

    spec = importlib.util.spec_from_file_location("dask_render_example", os.path.join(EXAMPLES, "dask_render.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for i in (0, 299, 300, 449):
        diff = np.abs(d.frames[i].astype(np.int16) - module.make_frame(i).astype(np.int16))
        assert diff.mean() < 2.5, f"frame {i}: mean difference {diff.mean():.2f}"


def test_without_a_client_a_temporary_local_cluster_is_used(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(
        "import numpy as np, distributed, encode_native.dask as end\n"
        "def make_frame(i):\n"
        "    return np.full((48, 64, 3), i, np.uint8)\n"
        "if __name__ == '__main__':\n"
        "    s = end.render(make_frame, 90, 30, 'v.mp4', segment_frames=30, preset='ultrafast')\n"
        "    print(s.frames, s.duration)\n"
        "    try:\n"
        "        distributed.get_client()\n"
        "    except ValueError:\n"
        "        print('closed')\n"
    )
    r = run_python_here([str(script)], cwd=tmp_path)
    assert r.stdout.split() == [b"90", b"3.0", b"closed"]
    d = decode(tmp_path / "v.mp4")
    assert d.count == 90 and d.duration == pytest.approx(3.0, abs=1e-6)
    assert sorted(os.listdir(tmp_path)) == ["script.py", "v.mp4"]


def run_python_here(args, cwd):
    from conftest import run_python

    return run_python(args, cwd=cwd, timeout=120)
