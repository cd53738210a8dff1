"""Rendering on a Dask cluster (``dask.distributed``): one long video cut into segments that
are made and encoded on many workers and joined without re-encoding, or many independent
videos, one task each.

    >>> from distributed import Client
    >>> import numpy as np, encode_native.dask as end
    >>> client = Client()                       # or Client("tcp://scheduler:8786")
    >>> def make_frame(i):
    ...     return np.full((240, 320, 3), i % 256, np.uint8)
    >>> end.render(make_frame, 3000, 30, "long.mp4", segment_frames=300, crf=20)
    >>> end.encode_many([{"make_frame": make_frame, "n_frames": 100, "fps": 30,
    ...                   "path": f"clip{k}.mp4"} for k in range(40)])

Functions (``make_frame``) travel to the workers with cloudpickle: lambdas and closures work;
a function of a module travels by name, so that module must be importable on the workers.
``encode_native`` and numpy must be installed on every worker.

Needs ``dask`` and ``distributed`` (``pip install dask distributed``); importing this module
without them raises ImportError.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import tempfile
import time
from fractions import Fraction
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import distributed

from . import Summary, Video, Writer, _settings
from . import concat as _concat
from ._progress import Progress, ProgressArg

__all__ = ["Segment", "render", "encode_many", "encoder_threads"]

PathLike = Union[str, "os.PathLike[str]"]
Fps = Union[int, float, Fraction, str]


@dataclasses.dataclass(frozen=True)
class Segment:
    """One finished segment of :func:`render`, as given to its ``on_segment`` callback.

    Attributes:
        index: the segment's number, from 0.
        start, stop: its frames, ``start`` to ``stop - 1``.
        seconds: the task's wall time on its worker (making the frames and encoding them).
        make_seconds: the part of ``seconds`` spent in ``make_frame``.
        bytes: the encoded segment's size.
        worker: the worker that ran it (its address).
    """

    index: int
    start: int
    stop: int
    seconds: float
    make_seconds: float
    bytes: int
    worker: str


# -- the tasks (run on the workers) ---------------------------------------------------------


def _temporary_beside(path: str) -> str:
    """A new file name in the directory of `path`, so a rename onto `path` is atomic."""
    directory, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part" + os.path.splitext(name)[1],
                               dir=directory)
    os.close(fd)
    return tmp


def _encode_range(make_frame: Callable[[int], Any], start: int, stop: int, fps: Fps,
                  output: Optional[str], settings: Dict[str, Any]) -> Tuple[Optional[bytes], Summary, float]:
    """Makes frames start..stop-1 and encodes them to `output` (a path, written through a
    temporary and renamed when complete; None for memory). Returns (bytes or None, summary,
    seconds in make_frame)."""
    tmp = _temporary_beside(output) if output is not None else None
    made = 0.0
    w: Optional[Writer] = None
    try:
        # The container of a temporary named ".x.mp4.part.mp4" comes from its extension.
        w = Writer(tmp, fps, **settings)
        with w:
            for i in range(start, stop):
                t = time.perf_counter()
                frame = make_frame(i)
                made += time.perf_counter() - t
                w.write(frame)
            w.close()
        if tmp is not None:
            os.replace(tmp, output)  # type: ignore[arg-type]
            tmp = None
    finally:
        # On a failure the temporary, and the partial file the writer kept beside it (it
        # existed, so it was not replaced), are this module's own: both go.
        kept = w.partial if w is not None else None
        for leftover in (tmp, kept):
            if leftover is not None and os.path.exists(leftover):
                os.remove(leftover)
    assert w is not None and w.summary is not None
    assert output is not None or w.video is not None
    return (bytes(w.video) if w.video is not None and output is None else None), w.summary, made


def _segment_task(make_frame: Callable[[int], Any], index: int, start: int, stop: int, fps: Fps,
                  output: Optional[str], settings: Dict[str, Any]) -> Tuple[Optional[bytes], Segment]:
    t = time.perf_counter()
    data, summary, made = _encode_range(make_frame, start, stop, fps, output, settings)
    if summary.frames != stop - start:
        raise RuntimeError(f"segment {index} holds {summary.frames} frames, not {stop - start}")
    try:
        worker = distributed.get_worker().address
    except ValueError:
        worker = ""
    return data, Segment(index, start, stop, time.perf_counter() - t, made, summary.bytes, worker)


def _frames_task(make_frame: Callable[[int], Any], index: int, start: int,
                 stop: int) -> Tuple[int, List[Any], float, str]:
    """Makes frames start..stop-1 (for a video with a soundtrack, encoded on the client).
    Returns (index, frames, seconds in make_frame, worker)."""
    t = time.perf_counter()
    frames = [make_frame(i) for i in range(start, stop)]
    try:
        worker = distributed.get_worker().address
    except ValueError:
        worker = ""
    return index, frames, time.perf_counter() - t, worker


def _job_task(source: Any, n_frames: Optional[int], fps: Fps, path: Optional[str],
              settings: Dict[str, Any]) -> Tuple[Optional[bytes], Summary]:
    if callable(source):
        if n_frames is None:
            raise ValueError("a job with make_frame needs n_frames")
        make_frame = source
        count = n_frames
    else:
        frames = source
        count = len(frames) if n_frames is None else n_frames
        make_frame = frames.__getitem__
    data, summary, _ = _encode_range(make_frame, 0, count, fps, path, settings)
    # Plain bytes and the summary: Dask sends a bytes subclass (Video) as bytes.
    return data, summary


# -- the client side ------------------------------------------------------------------------


class _ClientScope:
    """The client to use: the one given, the current default client, or a temporary
    LocalCluster (closed again at the end)."""

    def __init__(self, client: Optional[distributed.Client]) -> None:
        self.client = client
        self._own: Optional[Tuple[Any, Any]] = None

    def __enter__(self) -> distributed.Client:
        if self.client is None:
            try:
                self.client = distributed.get_client()
            except ValueError:
                cluster = distributed.LocalCluster(processes=True)
                self.client = distributed.Client(cluster, set_as_default=False)
                self._own = (self.client, cluster)
        return self.client

    def __exit__(self, *exc: Any) -> None:
        if self._own is not None:
            client, cluster = self._own
            client.close()
            cluster.close()


def _worker_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def encoder_threads(client: distributed.Client) -> int:
    """The x264 ``threads`` for tasks on `client`'s cluster such that the tasks running at
    once on a machine, times their encoder threads, do not exceed its cores: on every
    machine, its cores divided by the sum of its workers' ``nthreads`` (at least 1); the
    smallest over the machines, so that every task encodes alike."""
    info = client.scheduler_info()
    workers = info.get("workers", {})
    if not workers:
        return 1
    cpus = client.run(_worker_cpus)  # address -> cores the worker's process may use
    per_host: Dict[str, Tuple[int, int]] = {}
    for address, w in workers.items():
        host = w.get("host") or address
        slots, cores = per_host.get(host, (0, 0))
        per_host[host] = (slots + int(w.get("nthreads", 1)), max(cores, int(cpus.get(address, 1))))
    return max(1, min(cores // max(1, slots) for slots, cores in per_host.values()))


def _total_threads(client: distributed.Client) -> int:
    workers = client.scheduler_info().get("workers", {})
    return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))


def _wait_all(client: distributed.Client, futures: Sequence[Any],
              done: Callable[[Any, Any], None]) -> None:
    """Calls done(future, result) as futures finish; on the first failure, cancels the rest
    and raises that task's exception (with its traceback from the worker)."""
    try:
        for future in distributed.as_completed(futures, loop=client.loop):
            if future.status == "error":
                future.result()  # raises the task's own exception
            done(future, future.result())
            future.release()  # the result is with the client now: free the worker's copy
    except BaseException:
        client.cancel(list(futures))
        raise


def render(
    make_frame: Callable[[int], Any],
    n_frames: int,
    fps: Fps,
    path: PathLike,
    *,
    segment_frames: Optional[int] = None,
    client: Optional[distributed.Client] = None,
    shared_dir: Optional[PathLike] = None,
    retries: int = 2,
    progress: ProgressArg = None,
    on_segment: Optional[Callable[[Segment], Any]] = None,
    audio: Any = None,
    **settings: Any,
) -> Summary:
    """Renders frames ``make_frame(0)`` to ``make_frame(n_frames - 1)`` into the video
    ``path`` on a Dask cluster: the frame range is cut into segments of ``segment_frames``
    frames, each segment is made and encoded by one task (with the same settings, so that
    every segment starts with an IDR keyframe, has closed GOPs and the same headers), and
    the segments are joined with :func:`encode_native.concat`, without re-encoding. The
    video holds exactly ``n_frames`` frames lasting ``n_frames / fps`` seconds.

    Where the segments go: by default each task returns its segment's bytes to the client
    (through Dask), which writes them to a temporary directory beside ``path`` and joins
    them there. That needs no file system shared by the workers, which a LocalCluster and
    many real clusters do not have, and costs one copy of the encoded video over the
    network: small next to the frames, which never leave their worker. For segments of
    hundreds of megabytes, give ``shared_dir``, a directory every worker and the client can
    reach (NFS, a cluster file system): tasks then write their segments there and return
    only the path.

    Failures: a task that raises is retried ``retries`` times by Dask (on any worker); a
    segment that still fails cancels the others and raises its own exception. ``path`` is
    written only by the final join, through a temporary file renamed when complete, so it
    is either the whole video or untouched; the segment files are removed either way.

    A soundtrack (``audio``): a file's path, or the samples as an array ``(n,)`` or ``(n,
    channels)`` with ``sample_rate=``, for the whole video. The join copies video streams
    only, so a video with a soundtrack is encoded in one piece on the client, with the
    soundtrack written alongside (progressively, so the file interleaves them): the workers
    still make the frames, segment by segment in parallel, and send them to the client in
    order, at most two segments per worker thread in flight. That moves the raw frames over
    the network and encodes on one machine; ``on_segment`` then reports ``bytes`` 0 and
    ``seconds`` as the client's time for the segment.

    Args:
        make_frame: ``make_frame(i)`` returns frame number ``i`` as an array (anything
            :meth:`encode_native.Writer.write` takes). It runs on the workers.
        n_frames: the number of frames.
        fps: frames per second, exact (``30``, ``"30000/1001"``).
        path: the video to write (the container comes from the extension).
        segment_frames: frames per segment. By default the range is cut into about two
            segments per worker thread (so that a slow worker does not hold up the end), of
            at least 60 frames each.
        client: a ``distributed.Client``; by default the current one
            (``distributed.get_client()``), or a temporary LocalCluster when there is none.
        shared_dir: a directory all workers share, for the segments (see above).
        retries: how many times Dask reruns a failed task.
        progress: ``True`` for a progress bar, or a callable receiving (frames done,
            n_frames), updated as segments finish.
        on_segment: called with a :class:`Segment` (its frames, time, size, worker) as each
            segment finishes, in the order they finish.
        **settings: the :class:`encode_native.Writer`'s settings (``crf``, ``preset``,
            ``pix_fmt``, ...), the same for every segment. Unless ``threads`` is given, x264
            gets :func:`encoder_threads` threads so that the cluster's cores are not
            oversubscribed. ``metadata={"title": ...}`` tags the joined video.
        audio: a soundtrack for the whole video: a path, or samples with ``sample_rate``
            (see above).

    Returns:
        the :class:`encode_native.Summary` of ``path`` (``frames``, ``duration``,
        ``bytes``).
    """
    n_frames = int(n_frames)
    if n_frames <= 0:
        raise ValueError(f"n_frames must be positive, got {n_frames}")
    if segment_frames is not None and int(segment_frames) <= 0:
        raise ValueError(f"segment_frames must be positive, got {segment_frames}")
    path = os.path.abspath(os.fspath(path))
    # Bad settings fail here, on the client, before any task runs: checked for the path's
    # container (a writer on a path makes nothing before its first frame).
    _settings.fps_value(_settings.fps_text(fps))
    Writer(path, fps, audio=audio, **settings)
    if audio is not None:
        return _render_with_audio(make_frame, n_frames, fps, path, segment_frames, client,
                                  retries, progress, on_segment, audio, settings)
    with _ClientScope(client) as c:
        settings = dict(settings)
        if "threads" not in settings:
            settings["threads"] = encoder_threads(c)
        if segment_frames is None:
            segment_frames = max(60, math.ceil(n_frames / (2 * _total_threads(c))))
        size = int(segment_frames)
        bounds = [(s, min(s + size, n_frames)) for s in range(0, n_frames, size)]
        ext = os.path.splitext(path)[1] or ".mp4"
        directory = os.path.dirname(path)
        base = os.path.basename(path)
        work = tempfile.mkdtemp(prefix=f".{base}.segments-", dir=shared_dir or directory)
        shown = Progress(progress, n_frames, desc="rendering")
        try:
            seg_paths = [os.path.join(work, f"{k:06d}{ext}") for k in range(len(bounds))]
            futures = [
                c.submit(_segment_task, make_frame, k, start, stop, fps,
                         seg_paths[k] if shared_dir is not None else None, settings,
                         key=f"encode_native-segment-{k}-{os.urandom(6).hex()}",
                         retries=retries, pure=False)
                for k, (start, stop) in enumerate(bounds)
            ]

            def done(_future: Any, result: Tuple[Optional[bytes], Segment]) -> None:
                data, seg = result
                if data is not None:
                    with open(seg_paths[seg.index], "wb") as f:
                        f.write(data)
                shown.update(seg.stop - seg.start)
                if on_segment is not None:
                    on_segment(seg)

            _wait_all(c, futures, done)
            del futures
            summary = _concat(seg_paths, path)
        finally:
            shown.close()
            shutil.rmtree(work, ignore_errors=True)
    if summary.frames != n_frames:
        raise RuntimeError(f"the joined video holds {summary.frames} frames, not {n_frames}")
    return summary


def _render_with_audio(make_frame: Callable[[int], Any], n_frames: int, fps: Fps, path: str,
                       segment_frames: Optional[int], client: Optional[distributed.Client],
                       retries: int, progress: ProgressArg,
                       on_segment: Optional[Callable[[Segment], Any]], audio: Any,
                       settings: Dict[str, Any]) -> Summary:
    """:func:`render` of a video with a soundtrack: frames made on the workers, segment by
    segment, and encoded in order on the client with the soundtrack."""
    with _ClientScope(client) as c:
        threads = _total_threads(c)
        if segment_frames is None:
            segment_frames = max(30, min(300, math.ceil(n_frames / (2 * threads))))
        size = int(segment_frames)
        bounds = [(s, min(s + size, n_frames)) for s in range(0, n_frames, size)]
        window = 2 * threads
        shown = Progress(progress, n_frames, desc="rendering")
        tmp: Optional[str] = _temporary_beside(path)
        futures: Dict[int, Any] = {}

        def submit(k: int) -> None:
            start, stop = bounds[k]
            futures[k] = c.submit(_frames_task, make_frame, k, start, stop,
                                  key=f"encode_native-frames-{k}-{os.urandom(6).hex()}",
                                  retries=retries, pure=False)

        w: Optional[Writer] = None
        try:
            for k in range(min(window, len(bounds))):
                submit(k)
            w = Writer(tmp, fps, audio=audio, **settings)
            with w:
                for k, (start, stop) in enumerate(bounds):  # in order: frames and sound in sync
                    t = time.perf_counter()
                    future = futures.pop(k)
                    _index, frames, made, worker = future.result()
                    future.release()
                    if k + window < len(bounds):
                        submit(k + window)
                    w.write_frames(frames)
                    del frames
                    shown.update(stop - start)
                    if on_segment is not None:
                        on_segment(Segment(k, start, stop, time.perf_counter() - t, made, 0, worker))
            os.replace(tmp, path)  # type: ignore[arg-type]
            tmp = None
        except BaseException:
            c.cancel(list(futures.values()))
            raise
        finally:
            shown.close()
            kept = w.partial if w is not None else None
            for leftover in (tmp, kept):
                if leftover is not None and os.path.exists(leftover):
                    os.remove(leftover)
    assert w is not None and w.summary is not None
    if w.summary.frames != n_frames:
        raise RuntimeError(f"the video holds {w.summary.frames} frames, not {n_frames}")
    return w.summary


Job = Union[Mapping[str, Any], Sequence[Any]]


def _parse_job(job: Job) -> Tuple[Any, Optional[int], Fps, Optional[str], Dict[str, Any]]:
    if isinstance(job, Mapping):
        job = dict(job)
        if ("make_frame" in job) == ("frames" in job):
            raise ValueError("a job needs one of make_frame and frames")
        source = job.pop("make_frame") if "make_frame" in job else job.pop("frames")
        n_frames = job.pop("n_frames", None)
        fps = job.pop("fps", 30)
        path = job.pop("path", None)
        settings = dict(job.pop("settings", {}) or {})
        settings.update(job)  # any other key is a setting
    else:
        items = list(job)
        if not 4 <= len(items) <= 5:
            raise ValueError("a job tuple is (make_frame or frames, n_frames, fps, path[, settings])")
        source, n_frames, fps, path = items[:4]
        settings = dict(items[4]) if len(items) == 5 and items[4] else {}
    if path is not None:
        path = os.path.abspath(os.fspath(path))
    return source, (None if n_frames is None else int(n_frames)), fps, path, settings


def encode_many(
    jobs: Iterable[Job],
    client: Optional[distributed.Client] = None,
    *,
    retries: int = 2,
    progress: ProgressArg = None,
    **settings: Any,
) -> List[Union[Summary, Video]]:
    """Encodes many independent videos on a Dask cluster, one task per video, and returns
    their summaries in the order of ``jobs``.

    A job is a dict with ``make_frame`` (``make_frame(i)`` returns frame ``i``) and
    ``n_frames``, or ``frames`` (an array of frames, or any sequence; ``n_frames`` then
    defaults to its length), and ``fps``, ``path`` and ``settings`` (a dict; any other key is
    taken as a setting too); or a tuple ``(make_frame or frames, n_frames, fps, path[,
    settings])``. With ``path=None`` the job's result is the :class:`encode_native.Video`
    (bytes) instead of a summary. ``frames`` travel from the client to the workers, so
    ``make_frame`` suits large videos better.

    Each video is written through a temporary file beside its path and renamed when
    complete, so a path is either a whole video or untouched. A task that raises is retried
    ``retries`` times; a job that still fails cancels the jobs not yet done and raises its
    exception (videos already finished stay).

    Args:
        jobs: the videos to make.
        client: a ``distributed.Client``; by default the current one, or a temporary
            LocalCluster.
        retries: how many times Dask reruns a failed task.
        progress: ``True`` for a progress bar, or a callable receiving (frames done, the
            jobs' frames in all), updated as videos finish.
        **settings: settings for every job (a job's own settings take precedence). Unless
            ``threads`` is given, x264 gets :func:`encoder_threads` threads, so that
            workers × threads does not exceed the cores.
    """
    parsed = [_parse_job(j) for j in jobs]
    with _ClientScope(client) as c:
        common = dict(settings)
        if "threads" not in common:
            common["threads"] = encoder_threads(c)
        counts = []  # each job's frames, for the progress display
        for k, (source, n_frames, fps, job_path, own) in enumerate(parsed):
            if n_frames is None and callable(source):
                raise ValueError(f"job {k}: a job with make_frame needs n_frames")
            counts.append(len(source) if n_frames is None else n_frames)
            # Bad settings fail before any task runs, checked for the job's container (a
            # writer on a path makes nothing before its first frame).
            Writer(job_path, fps, **{**common, **own})
        futures = [
            c.submit(_job_task, source, n_frames, fps, path, {**common, **own},
                     key=f"encode_native-job-{k}-{os.urandom(6).hex()}",
                     retries=retries, pure=False)
            for k, (source, n_frames, fps, path, own) in enumerate(parsed)
        ]
        index = {f.key: k for k, f in enumerate(futures)}
        results: List[Any] = [None] * len(futures)
        shown = Progress(progress, sum(counts), desc="videos")

        def done(future: Any, result: Tuple[Optional[bytes], Summary]) -> None:
            data, summary = result
            k = index[future.key]
            results[k] = summary if data is None else Video(data, summary)
            shown.update(counts[k])

        try:
            _wait_all(c, futures, done)
        finally:
            shown.close()
    return results
