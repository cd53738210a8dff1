"""A pytest plugin for running moviepy's own tests against encode-native's moviepy layer
(scripts/test-peer-moviepy.sh loads it with ``-p peer_plugin``).

For each test item it records:

- the ffmpeg processes started to *write* a file (``subprocess.Popen`` of an ``ffmpeg``
  program whose command ends with an output file, not ``-``/``pipe:`` and not the ``-i``
  input of a probe), and which of them moviepy's *video* writing started (from
  ``write_videofile``, ``write_gif``, ``ffmpeg_write_video`` or ``FFMPEG_VideoWriter``, the
  temporary sound file of ``write_videofile`` included): through encode-native there must be
  none of those;
- the moviepy writers called (``write_videofile``, ``write_gif``, ``write_audiofile``,
  ``write_images_sequence``, ``save_frame``, ``ffmpeg_write_video``,
  ``FFMPEG_VideoWriter``, ``ffmpeg_write_image``, ``ffmpeg_audiowrite``, the
  ``ffmpeg_tools``);
- its outcome, and the failure's message.

With ``PEER_RECORD=<file>`` it writes one JSON line per item. With ``PEER_NO_FFMPEG_WRITE=1``
an ffmpeg process started by moviepy's video writing raises AssertionError, failing the item
(a sound file of ``write_audiofile``, the ``ffmpeg_tools`` and a test's own ffmpeg commands
are recorded, not refused: they are not the video writer). ``PEER_SWAPPED=1`` imports
encode_native.compat.moviepy before wrapping the writers (the swapped run).
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import subprocess
import sys

import pytest

_state = {"writers": [], "commands": []}

def _writing_command(cmd):
    """The output file of an ffmpeg command that writes one, else None."""
    if isinstance(cmd, (str, bytes)) or not cmd:
        return None
    args = [os.fspath(a) if not isinstance(a, bytes) else a.decode() for a in cmd]
    if "ffmpeg" not in os.path.basename(args[0]):
        return None
    last = args[-1]
    if last in ("-", "pipe:", "pipe:1") or len(args) < 2 or args[-2] == "-i":
        return None
    return last


#: Where moviepy's video writing lives: an ffmpeg started with one of these functions on the
#: stack writes a video (or write_videofile's temporary sound file).
_VIDEO_WRITING = {
    ("video/io/ffmpeg_writer.py", "__init__"),
    ("video/io/ffmpeg_writer.py", "ffmpeg_write_video"),
    ("video/io/gif_writers.py", "write_gif_with_imageio"),
    ("video/VideoClip.py", "write_videofile"),
    ("video/VideoClip.py", "write_gif"),
}


def _from_video_writing():
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename.replace(os.sep, "/")
        if "/moviepy/" in path:
            tail = path.split("/moviepy/")[-1]
            if (tail, frame.f_code.co_name) in _VIDEO_WRITING:
                return True
        frame = frame.f_back
    return False


def _wrap_popen():
    original = subprocess.Popen

    class RecordingPopen(original):
        def __init__(self, cmd, *args, **kwargs):
            output = _writing_command(cmd)
            if output is not None:
                video = _from_video_writing()
                _state["commands"].append({"cmd": list(map(str, cmd)), "video_writer": video})
                if video and os.environ.get("PEER_NO_FFMPEG_WRITE"):
                    raise AssertionError(f"moviepy's video writer started an ffmpeg process to write {output}")
            super().__init__(cmd, *args, **kwargs)

    subprocess.Popen = RecordingPopen


def _record(name, function):
    @functools.wraps(function)
    def recorded(*args, **kwargs):
        _state["writers"].append(name)
        return function(*args, **kwargs)

    return recorded


_METHODS = {
    "moviepy.video.VideoClip": {
        "VideoClip": ["write_videofile", "write_gif", "write_images_sequence", "save_frame"]
    },
    "moviepy.audio.AudioClip": {"AudioClip": ["write_audiofile"]},
}
_FUNCTIONS = {
    "moviepy.video.io.ffmpeg_writer": ["ffmpeg_write_video", "FFMPEG_VideoWriter", "ffmpeg_write_image"],
    "moviepy.audio.io.ffmpeg_audiowriter": ["ffmpeg_audiowrite", "FFMPEG_AudioWriter"],
    "moviepy.video.io.ffmpeg_tools": [
        "ffmpeg_extract_subclip", "ffmpeg_merge_video_audio", "ffmpeg_extract_audio",
        "ffmpeg_resize", "ffmpeg_stabilize_video",
    ],
}


def _wrap_writers():
    """Wraps moviepy's writers where tests find them (after encode-native's layer, when the
    run swaps the import, has put its own in)."""
    if os.environ.get("PEER_SWAPPED"):
        importlib.import_module("encode_native.compat.moviepy")
    for module_name, classes in _METHODS.items():
        module = importlib.import_module(module_name)
        for class_name, methods in classes.items():
            cls = getattr(module, class_name)
            for method in methods:
                setattr(cls, method, _record(method, getattr(cls, method)))
    for module_name, names in _FUNCTIONS.items():
        module = importlib.import_module(module_name)
        for name in names:
            if hasattr(module, name):
                wrapped = _record(name, getattr(module, name))
                if isinstance(getattr(module, name), type):
                    wrapped = type(name, (getattr(module, name),), {"__init__": _record(name, getattr(module, name).__init__)})
                setattr(module, name, wrapped)
                for other in ("moviepy.video.VideoClip", "moviepy.audio.AudioClip", "moviepy"):
                    dependant = importlib.import_module(other)
                    if getattr(dependant, name, None) is not None:
                        setattr(dependant, name, wrapped)


def pytest_configure(config):
    _wrap_popen()
    _wrap_writers()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _state["writers"] = []
    _state["commands"] = []
    reports = []
    item._peer_reports = reports
    yield
    path = os.environ.get("PEER_RECORD")
    if path:
        failed = [r for r in reports if r.outcome == "failed"]
        skipped = any(r.outcome == "skipped" for r in reports)
        message = ""
        if failed:
            crash = getattr(failed[0].longrepr, "reprcrash", None)
            message = crash.message if crash is not None else str(failed[0].longrepr).splitlines()[-1]
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({
                "id": item.nodeid,
                "outcome": "failed" if failed else ("skipped" if skipped else "passed"),
                "message": message,
                "writers": sorted(set(_state["writers"])),
                "ffmpeg_writes": _state["commands"],
            }) + "\n")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    getattr(item, "_peer_reports", []).append(outcome.get_result())
