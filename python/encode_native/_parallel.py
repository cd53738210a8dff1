"""Frames rendered in worker processes, handed back in order: :func:`map_frames`.

``map_frames(make_frame, count, workers)`` yields ``make_frame(0)``, ``make_frame(1)``, ...
``make_frame(count - 1)`` as numpy arrays, computed by ``workers`` forked processes. The
workers are forked after the first frames have been made in the calling process, so they
inherit ``make_frame`` and everything it uses as it is then (a lambda, a closure, an open
matplotlib figure): nothing is pickled on the way in. Those first frames are timed: when
they are cheap (under :data:`SERIAL_BELOW` each, 10 ms of CPU), the rest are made in the
calling process too, as forking would only slow down a video whose encoder sets the
pace. Frames come back through shared memory
(a ring of slots the size of the first frame, one copy into the slot and one out of it); a
frame of another shape or type comes back pickled through the worker's pipe.

The contract: ``make_frame(i)`` depends only on ``i`` (and on what existed when the workers
were forked). Each worker calls it for the indices it is given, in no fixed order, and what
it changes in its own memory stays there.

Memory is bounded: at most ``3 × workers`` frames are in flight (rendered or being rendered
but not yet yielded). An exception in a worker is raised again in the caller, with the frame's
index and the worker's traceback in a note and as its ``__cause__``, in its turn (after
the frames before it have been yielded); an exception that cannot be pickled becomes
:class:`WorkerError`. When the caller stops early (an error, ``break``,
KeyboardInterrupt, the generator closed), the workers are stopped and reaped before the
error goes on: no process is left behind. Every wait is bounded (a worker that dies is
noticed within half a second) and interruptible.

Forking is what makes this work, so it needs a platform with ``fork`` (Linux, and other
POSIX systems); elsewhere ``workers > 1`` raises :class:`ParallelUnavailable` (a
``RuntimeError``) saying so. ``workers=1`` calls ``make_frame`` in the calling process, in
order, like a plain loop.
"""

from __future__ import annotations

import mmap
import multiprocessing
import os
import pickle
import signal
import statistics
import time
import traceback
from collections import deque
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Deque, Dict, Generator, List, Optional, Tuple

import numpy as np

__all__ = ["SERIAL_BELOW", "ParallelUnavailable", "WorkerError", "check_workers", "map_frames"]

# Frames whose median (CPU time of the calling thread, seconds) is under this are all made
# in the calling process: handing them back would cost more than making them there.
SERIAL_BELOW = 0.010
# How many frames are made and timed in the calling process before forking.
_PROBE = 3
# How long one wait for a worker's message lasts before the workers' liveness is checked.
_POLL_SECONDS = 0.5
# How long stopping the workers waits for them to exit (a frame being rendered when the
# caller stops early is not waited for longer) before terminating, then killing them.
_STOP_SECONDS = 1.0
# Frames a worker is given at a time (the one it renders and the next), so it is never idle.
_AHEAD = 2
# Frames in flight (being rendered, or rendered and not yet yielded) per worker: the memory
# bound, with room for the others to go on while one renders a slow frame.
_WINDOW_PER_WORKER = 3


class ParallelUnavailable(RuntimeError):
    """Rendering in worker processes is not possible here (no ``fork`` on this platform, or
    frames that cannot be sent back from a worker)."""


class WorkerError(RuntimeError):
    """A worker failed on a frame and its exception could not be sent back as it was.

    ``index`` is the frame's index; the message has the exception's type, text and the
    worker's traceback."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


class _RemoteTraceback(Exception):
    """The worker's traceback, the ``__cause__`` of an exception raised again in the caller."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return self.text


def _fork_context() -> Any:
    if "fork" not in multiprocessing.get_all_start_methods():
        raise ParallelUnavailable(
            "workers > 1 needs processes started by fork, which this platform "
            f"({os.name}) does not have; use workers=1"
        )
    return multiprocessing.get_context("fork")


def check_workers(workers: int) -> None:
    """Raises ValueError for a `workers` that is not a whole number of 1 or more, and
    :class:`ParallelUnavailable` for more than one where processes cannot be forked."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number of processes, 1 or more, not {workers!r}")
    if workers > 1:
        _fork_context()


def _as_frame(frame: Any, index: int) -> np.ndarray:
    array = np.asarray(frame)
    if array.dtype.hasobject:
        raise ParallelUnavailable(
            f"frame {index} is an array of Python objects ({type(frame).__name__}), which "
            "cannot be sent from a worker process; make_frame must return numeric arrays"
        )
    return array


class _Ring:
    """Slots in memory shared with the workers (an anonymous shared mapping, inherited by
    fork), each the size and type of the first frame."""

    def __init__(self, template: np.ndarray, slots: int) -> None:
        self.shape, self.dtype = template.shape, template.dtype
        self.nbytes = max(template.nbytes, 1)
        self.memory = mmap.mmap(-1, self.nbytes * slots)
        self.slots = slots

    def view(self, slot: int) -> np.ndarray:
        """The slot as an array of the template's shape and type."""
        return np.ndarray(self.shape, self.dtype, buffer=self.memory, offset=slot * self.nbytes)

    def fits(self, frame: np.ndarray) -> bool:
        """Whether `frame` can go in a slot."""
        return frame.shape == self.shape and frame.dtype == self.dtype


def _worker(conn: Connection, make_frame: Callable[[int], Any], ring: _Ring) -> None:
    """A worker's loop: renders the frames it is sent until told to stop (None)."""
    # Ctrl-C goes to the whole process group; the caller decides, and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return  # the caller is gone
        if task is None:
            return
        index, slot = task
        try:
            frame = _as_frame(make_frame(index), index)
            if ring.fits(frame):
                ring.view(slot)[...] = frame
                conn.send(("slot", index, None))
            else:
                conn.send(("frame", index, frame))
        except BaseException as e:  # noqa: BLE001 - every failure goes to the caller
            text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
            try:
                payload: Any = pickle.dumps(e)
                pickle.loads(payload)
            except Exception:
                payload = None
            try:
                conn.send(("error", index, (payload, f"{type(e).__name__}: {e}", text)))
            except (OSError, ValueError):
                return


def _raise_worker_error(index: int, pid: int, payload: Tuple[Any, str, str]) -> None:
    pickled, summary, text = payload
    where = f"in frame {index} (rendered by worker process {pid})"
    error: Optional[BaseException] = None
    if pickled is not None:
        try:
            error = pickle.loads(pickled)
        except Exception:
            error = None
    if not isinstance(error, BaseException):
        raise WorkerError(f"{summary} {where}\n\nWorker traceback:\n{text}", index)
    note = f"{where}; the worker's traceback:\n{text.rstrip()}"
    if hasattr(error, "add_note"):
        error.add_note(note)
    else:
        # Before Python 3.11: the same list of notes, which tracebacks do not print there;
        # the cause below carries the worker's traceback.
        error.__notes__ = [*getattr(error, "__notes__", []), note]
    raise error from _RemoteTraceback(text)


class _Pool:
    """The forked workers, the tasks each has and the messages coming back."""

    def __init__(self, make_frame: Callable[[int], Any], workers: int, ring: _Ring) -> None:
        ctx = _fork_context()
        self.procs: List[Any] = []
        self.conns: List[Connection] = []
        self.pending: List[Deque[int]] = []
        try:
            for _ in range(workers):
                ours, theirs = ctx.Pipe(duplex=True)
                proc = ctx.Process(target=_worker, args=(theirs, make_frame, ring), daemon=True,
                                   name="encode_native-frames")
                proc.start()
                theirs.close()
                self.procs.append(proc)
                self.conns.append(ours)
                self.pending.append(deque())
        except BaseException:
            self.stop()
            raise

    def idle_worker(self) -> Optional[int]:
        """The worker with the fewest frames to do, if it can take another."""
        k = min(range(len(self.procs)), key=lambda j: len(self.pending[j]))
        return k if len(self.pending[k]) < _AHEAD else None

    def send(self, worker: int, index: int, slot: int) -> None:
        """Gives `worker` frame `index`, to be put in `slot`."""
        self.pending[worker].append(index)
        try:
            self.conns[worker].send((index, slot))
        except (OSError, ValueError):
            self.procs[worker].join(_POLL_SECONDS)
            raise self._died(worker) from None

    def _died(self, worker: int) -> WorkerError:
        proc, index = self.procs[worker], self.pending[worker][0]
        return WorkerError(f"worker process {proc.pid} exited (code {proc.exitcode}) while "
                           f"rendering frame {index}", index)

    def receive(self) -> List[Tuple[int, Tuple[str, int, Any]]]:
        """The messages that arrive within one poll, as (worker, message); raises if a worker
        with frames to do has died."""
        by_conn = {id(c): k for k, c in enumerate(self.conns)}
        # The exit of a worker without frames to do shows when it is given one.
        sentinels = [p.sentinel for k, p in enumerate(self.procs) if self.pending[k]]
        ready = wait(list(self.conns) + sentinels, timeout=_POLL_SECONDS)
        messages = []
        for r in ready:
            if isinstance(r, Connection):
                k = by_conn[id(r)]
                try:
                    message = r.recv()
                except (EOFError, OSError):
                    continue  # the worker died: its sentinel says how
                self.pending[k].remove(message[1])
                messages.append((k, message))
        if not messages:
            for k, p in enumerate(self.procs):
                if self.pending[k] and not p.is_alive():
                    raise self._died(k)
        return messages

    def stop(self) -> None:
        """Stops every worker: asked first, then terminated, then killed, and reaped."""
        for conn in self.conns:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
        for ending in ("", "terminate", "kill"):  # asked (above), then SIGTERM, then SIGKILL
            alive = [p for p in self.procs if p.is_alive()]
            for proc in alive if ending else []:
                getattr(proc, ending)()
            deadline = time.monotonic() + _STOP_SECONDS
            while alive and time.monotonic() < deadline:
                wait([p.sentinel for p in alive], timeout=deadline - time.monotonic())
                alive = [p for p in alive if p.is_alive()]
            if not alive:
                break
        for proc in self.procs:
            proc.join(0)  # reaped
        for conn in self.conns:
            conn.close()
        self.procs, self.conns = [], []


Frames = Generator[np.ndarray, None, None]


def map_frames(make_frame: Callable[[int], np.ndarray], count: int, workers: int, *,
               serial_below: Optional[float] = None) -> Frames:
    """Yields ``make_frame(i)`` for i in ``range(count)``, in that order, rendered by
    ``workers`` forked processes (``workers=1``: called here, one after the other).

    ``make_frame(i)`` must depend only on ``i``. The first frames (three, or one with
    ``serial_below=0``) are made in the calling process, timed (the calling thread's CPU
    time); if their median is under ``serial_below`` seconds (default
    :data:`SERIAL_BELOW`, 10 ms), the rest are made here too: frames that cheap cost more to
    hand back from another process than to make, and the encoder, not the drawing, sets the
    pace. Otherwise the workers are forked and make the rest, at most ``3 × workers``
    frames in flight. Each yielded array is the caller's own (a copy out of shared memory).
    A caller that may stop before the end closes the generator (``frames.close()``, or
    ``with contextlib.closing(map_frames(...)) as frames``), which stops the workers at
    once rather than when the generator is collected.

    Raises:
        ParallelUnavailable: ``workers > 1`` on a platform without ``fork``, or a frame
            that is an array of Python objects.
        WorkerError: a worker died, or failed with an exception that cannot be pickled.
        ValueError: ``count`` or ``workers`` below what makes sense (negative, zero).
        Exception: whatever ``make_frame`` raised in a worker, raised again here with a note
            naming the frame's index and giving the worker's traceback.
    """
    if count < 0:
        raise ValueError(f"count must be 0 or more, not {count}")
    check_workers(workers)  # refused now, not at the first frame
    if workers == 1 or count <= 1:
        return (make_frame(i) for i in range(count))
    return _parallel_frames(make_frame, count, workers, SERIAL_BELOW if serial_below is None else serial_below)


def _parallel_frames(make_frame: Callable[[int], Any], count: int, workers: int,
                     serial_below: float) -> Frames:
    probe = min(_PROBE if serial_below > 0 else 1, count)
    took = []
    for i in range(probe):
        start = time.thread_time()
        frame = make_frame(i)
        took.append(time.thread_time() - start)
        if i == 0:
            template = _as_frame(frame, 0)
        yield frame
    if probe == count:
        return
    if statistics.median(took) < serial_below:
        for i in range(probe, count):
            yield make_frame(i)
        return
    window = min(_WINDOW_PER_WORKER * workers, count - probe)
    ring = _Ring(template, window)
    del template, frame
    pool = _Pool(make_frame, min(workers, count - probe), ring)
    try:
        ready: Dict[int, Tuple[int, str, Any]] = {}  # index -> (worker, kind, data)
        next_out = next_in = probe
        while next_out < count:
            while next_in < count and next_in - next_out < window:
                k = pool.idle_worker()
                if k is None:
                    break
                pool.send(k, next_in, next_in % window)
                next_in += 1
            while next_out not in ready:
                for k, (kind, index, data) in pool.receive():
                    ready[index] = (k, kind, data)
                    if kind != "error" and next_in < count and next_in - next_out < window:
                        pool.send(k, next_in, next_in % window)
                        next_in += 1
            k, kind, data = ready.pop(next_out)
            if kind == "error":  # raised in its turn, after the frames before it
                _raise_worker_error(next_out, pool.procs[k].pid, data)
            yield data if kind == "frame" else ring.view(next_out % window).copy()
            next_out += 1
    finally:
        pool.stop()
        try:
            ring.memory.close()
        except BufferError:
            pass  # a view of a slot is still alive somewhere: the mapping goes with it
