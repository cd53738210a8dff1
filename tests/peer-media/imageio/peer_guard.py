"""A pytest plugin (``-p peer_guard``) for scripts/test-peer-imageio.sh: records every
``ffmpeg`` process a test starts that writes a file (an invocation whose output is not
``-``, i.e. not a reader piping frames back), and with PEER_NO_FFMPEG_WRITE=1 turns such a
test's pass into a failure naming the command: a video written by an ffmpeg subprocess is
not one written by encode-native."""

import os
import subprocess
from typing import Any

import pytest

_WRITES: list = []  # each: the argument list of an ffmpeg process that wrote a file
_init = subprocess.Popen.__init__


def _writes_a_file(args: Any) -> bool:
    if isinstance(args, (str, bytes)):
        args = str(args).split()
    args = [os.fspath(a) if not isinstance(a, bytes) else a.decode() for a in args]
    if not args or "ffmpeg" not in os.path.basename(args[0]).lower():
        return False
    # Readers and probes end with "-" (frames to the pipe) or have no output at all.
    return "-i" in args and args[-1] != "-" and args.index("-i") + 1 < len(args) - 1


def _popen_init(self: Any, args: Any, *rest: Any, **kwargs: Any) -> None:
    if _writes_a_file(args):
        _WRITES.append([str(a) for a in args])
    _init(self, args, *rest, **kwargs)


subprocess.Popen.__init__ = _popen_init  # type: ignore[method-assign]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: Any) -> None:
    _WRITES.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Any:
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or not _WRITES:
        return
    commands = "; ".join(" ".join(c) for c in _WRITES)
    if os.environ.get("PEER_NO_FFMPEG_WRITE") == "1" and report.outcome in ("passed", "skipped"):
        report.outcome = "failed"
        report.longrepr = f"an ffmpeg subprocess wrote the output: {commands}"
    else:
        report.sections.append(("ffmpeg writes", commands))
