"""encode_native: numpy frames, matplotlib animations and image folders to a real video file,
in-process, with FFmpeg's libraries linked in: no ffmpeg subprocess, no temporary images.

    >>> import numpy as np, encode_native as en
    >>> frames = (np.random.random((30, 240, 320, 3)) * 255).astype(np.uint8)
    >>> summary = en.write_video("noise.mp4", frames, fps=30)
    >>> with en.Writer("out.mp4", fps=30, crf=18, preset="ultrafast") as w:
    ...     for f in frames:
    ...         w.write(f)
    >>> mp4 = en.encode(frames, fps=30)            # bytes: a faststart MP4 in memory

Every setting is a keyword argument named like the library's settings (``crf``, ``preset``,
``pix_fmt``, ``codec``, ``format``, ``gop``, ...; see :func:`settings`). Frames are numpy
arrays (or anything with ``__array__``) of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4),
dtype uint8, uint16 or float in [0, 1], RGB unless ``input_format="bgr24"``.

Importing this package also registers the matplotlib movie writer ``"encode_native"`` and
the imageio v3 plugin ``"encode_native"`` (when, or as soon as, those are imported).
"""

from __future__ import annotations

import base64
import dataclasses
import math
import os
import threading
from fractions import Fraction
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

import numpy as np

from . import _frames, _hooks, _native, _settings
from ._native import EncodeError, __version__, check_settings, pixel_format_name
from ._native import NativeWriter as _NativeWriter
from ._native import concat as _concat
from ._progress import Progress, ProgressArg

__all__ = [
    "EncodeError",
    "Summary",
    "Video",
    "Writer",
    "concat",
    "encode",
    "from_function",
    "settings",
    "write_video",
    "__version__",
]

PathLike = Union[str, "os.PathLike[str]"]

#: The library's container table, by name: extension, MIME type, the element a browser
#: shows it in.
_CONTAINERS = {c["name"]: c for c in _native.containers()}


@dataclasses.dataclass(frozen=True)
class Summary:
    """What a finished video contains, from the library's own count.

    Attributes:
        frames: frames in the video.
        bytes: bytes written.
        duration: playing time in seconds.
        width, height: the encoded picture's size (after padding or cropping an odd size).
        input_width, input_height: the size of the frames written.
        pixel_format: the pixel format stored (``yuv420p``, ``yuv444p``).
        codec: the coding format (``h264``, ``mpeg4``), what a decoder needs.
        encoder: the encoder that made it (``libx264``, ``mpeg4``).
        container: the container (``mp4``, ``mkv``, ...).
        fragmented: whether the MP4 is fragmented.
        wall: seconds from opening the writer to the end of finishing.
        first_packet_latency: seconds from the first frame to the first packet written.
    """

    frames: int
    bytes: int
    duration: float
    width: int
    height: int
    input_width: int
    input_height: int
    pixel_format: str
    codec: str
    encoder: str
    container: str
    fragmented: bool
    wall: float
    first_packet_latency: Optional[float]

    @property
    def size(self) -> tuple:
        """``(width, height)`` of the encoded picture."""
        return (self.width, self.height)


class Video(bytes):
    """An encoded video in memory: ``bytes`` (write it, send it, hash it) that shows itself in
    Jupyter (``_repr_html_``): a ``<video>`` player for MP4 and WebM, an ``<img>`` for GIF,
    animated WebP and APNG, a download link for what browsers do not play (MOV, MKV, AVI, TS).

    Attributes:
        summary: the :class:`Summary` of the encode.
        mime: the MIME type (``video/mp4`` for MP4, ``image/gif`` for GIF).
    """

    summary: Optional[Summary]
    mime: str
    _browser: Optional[str]

    def __new__(cls, data: bytes, summary: Optional[Summary] = None, mime: Optional[str] = None) -> "Video":
        self = super().__new__(cls, data)
        self.summary = summary
        container = _CONTAINERS.get(summary.container if summary is not None else "mp4")
        self.mime = mime or (container["mime"] if container else "video/mp4")
        self._browser = container["browser"] if container and not mime else (
            "video" if self.mime.startswith("video/") else "img")
        return self

    def _repr_html_(self) -> str:
        """The video inline (base64), for notebooks: ``<video>``, ``<img>`` or a link."""
        b64 = base64.b64encode(self).decode("ascii")
        size = ""
        if self.summary is not None:
            size = f' width="{self.summary.input_width}" height="{self.summary.input_height}"'
        src = f"data:{self.mime};base64,{b64}"
        if self._browser == "video":
            return f'<video controls loop autoplay muted playsinline{size} src="{src}"></video>'
        if self._browser == "img":
            return f'<img{size} src="{src}">'
        name = "video"
        if self.summary is not None:
            name += "." + _CONTAINERS[self.summary.container]["extension"]
        return f'<a download="{name}" href="{src}">{name} ({len(self)} bytes, {self.mime})</a>'

    def save(self, path: PathLike) -> None:
        """Writes the video to a file."""
        with open(path, "wb") as f:
            f.write(self)

    def __repr__(self) -> str:
        about = f"{self.summary.frames} frames, " if self.summary is not None else ""
        return f"<encode_native.Video {self.mime}, {about}{len(self)} bytes>"


def settings() -> List[Dict[str, Any]]:
    """Every setting the writers take as a keyword argument, as dicts with ``key``,
    ``aliases``, ``help``, ``choices``, ``default`` and ``kind`` (``value``, ``switch``,
    ``optional`` or ``repeated``): the library's own list, so it is never out of date."""
    return [dict(s) for s in _settings._SETTINGS]


class Writer:
    """Writes frames to a video: a file, memory or a binary file-like object.

    ``Writer(output, fps=30, **settings)`` then :meth:`write` each frame and :meth:`close`
    (or use it as a context manager, which closes it even when the block raises: a Ctrl-C
    leaves a playable video with every frame written so far).

    A file is written to ``<path>.partial`` and becomes the file only when it is finished, so
    a failure never replaces a file that was there: when the block raises (an error, a
    Ctrl-C) and the path named an existing file, the frames written so far are kept in the
    partial file (:attr:`partial` names it; ``encode-native recover`` makes it the video) and
    the existing file is left as it was; a new file is finished at its name as usual. A
    symbolic link is followed and the file it points to replaced, with its permission bits;
    a file that cannot be opened for writing raises ``PermissionError`` (or the system's
    other ``OSError``) at the first frame, before anything is encoded.

    Args:
        output: a path (``str`` or ``os.PathLike``; the container comes from the extension),
            ``None`` for memory (the bytes are in :attr:`video` after closing), or a binary
            file-like object with ``write`` (and ``seek``; when it cannot seek, such as a
            pipe or ``sys.stdout.buffer``, MP4 is written fragmented).
        fps: frames per second, exact: ``30``, ``29.97`` (= 30000/1001), ``"30000/1001"``.
        input_format: the frames' channel order, ``"rgb24"`` (default) or ``"bgr24"``
            (OpenCV's order; ``"bgra"`` for 4 channels); or an exact layout name (``gray``,
            ``gray16le``, ``rgb48le``, ``rgbf32``, or pre-converted planar ``yuv420p`` /
            ``yuv444p``, which needs ``width`` and ``height``).
        progress: ``True`` for a progress bar (tqdm if installed), or a callable receiving
            (frames done, total or None).
        total: the number of frames to expect, for the progress display.
        **settings: any setting of the library by name, e.g. ``crf=18``,
            ``preset="ultrafast"``, ``pix_fmt="yuv444p"``, ``codec="mpeg4"``,
            ``format="mkv"``, ``gop=60``, ``codec_options={"aq-mode": 2}``. Booleans may be
            given as ``True``/``False``. The list is below and in :func:`settings`.

    The first frame decides the size and layout: arrays of shape (H, W), (H, W, 1),
    (H, W, 3) or (H, W, 4), dtype uint8, uint16 or float32/float64 in [0, 1] (alpha is
    dropped). Every later frame must have the same shape and dtype, or :meth:`write` raises
    ``ValueError`` naming the frame and the writer stays usable.

    C-contiguous arrays and row-strided views (a crop ``a[10:400, 20:600]``) are read in
    place without a copy; other layouts (``a[:, :, ::-1]``, column steps) are copied once.
    Do not modify a frame's array while :meth:`write` is running on it (from another
    thread): the GIL is released while it is read.

    Errors: invalid settings raise ``ValueError`` (when the writer is made), I/O failures
    ``OSError`` with the path, encoder failures :class:`EncodeError` with FFmpeg's message.

    A writer may be written from several threads: each ``write`` and ``close`` holds the
    writer's lock, so frames are taken whole, one at a time, in the order the threads got it.

    Settings (keyword arguments):
    """

    def __init__(
        self,
        output: Union[None, PathLike, Any],
        fps: Union[int, float, Fraction, str] = 30,
        *,
        input_format: Optional[str] = None,
        progress: ProgressArg = None,
        total: Optional[int] = None,
        **settings: Any,
    ) -> None:
        if "in_pix_fmt" in settings:
            input_format = settings.pop("in_pix_fmt")
        if isinstance(output, (str, os.PathLike)):
            output = os.fspath(output)
        elif output is not None and not callable(getattr(output, "write", None)):
            raise TypeError(
                "output must be a path, None (memory) or a binary file-like object with "
                f"write(); got {type(output).__name__}"
            )
        self._output = output
        self._settings = [("fps", _settings.fps_text(fps))] + _settings.to_settings(settings)
        check_settings(self._settings)  # ValueError now rather than at the first frame
        if input_format is not None:
            input_format = pixel_format_name(input_format)
        self._input_format = input_format
        self._fps = _settings.fps_value(self._settings[0][1])
        self._native: Optional[_NativeWriter] = None
        self._layout: Optional[_frames.Layout] = None
        self._progress = Progress(progress, total)
        self._summary: Optional[Summary] = None
        self._video: Optional[Video] = None
        self._partial: Optional[str] = None
        self._closed = False
        self._lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------------

    def write(self, frame: Any, pts: Optional[int] = None) -> None:
        """Writes one frame (see the class's documentation for what a frame may be).

        ``pts`` is the frame's timestamp in units of the ``time_base`` setting, for writers
        made with explicit timestamps (``time_base="1/1000"``); otherwise frames follow each
        other at ``fps``.

        Raises ValueError for a frame unlike the first (the writer stays usable), OSError or
        EncodeError when writing fails."""
        with self._lock:
            self._write(frame, pts)

    def _write(self, frame: Any, pts: Optional[int]) -> None:
        if self._closed:
            raise ValueError("write to a closed Writer")
        array = _frames.as_array(frame)
        if self._layout is None:
            self._open(array)
        else:
            self._layout.check(array, self.frames_written)
        assert self._layout is not None and self._native is not None
        self._native.push(self._layout.convert(array), pts)
        self._progress.update()

    def write_frames(self, frames: Iterable[Any]) -> None:
        """Writes every frame of an iterable (or of the first axis of an array)."""
        for frame in frames:
            self.write(frame)

    def _open(self, array: np.ndarray) -> None:
        fmt = self._input_format
        if _frames.is_planar(fmt):
            width, height = _settings.size_of(self._settings)
            if width is None or height is None:
                raise ValueError(f"{fmt} input needs the picture size: width=..., height=...")
            assert fmt is not None  # is_planar is false for None
            layout = _frames.planar_layout(array, fmt, width, height)
        else:
            layout = _frames.layout_of(array, fmt)
        self._native = _NativeWriter(self._output, layout.width, layout.height, layout.pix_fmt,
                                     self._settings)
        self._layout = layout

    # -- finishing -------------------------------------------------------------------------

    def close(self) -> Optional[Summary]:
        """Finishes the video: encodes every frame written, writes the trailer and returns
        the :class:`Summary` (also in :attr:`summary`). Closing twice does nothing.

        Raises ValueError when no frame was written (nothing is created: the size comes
        from the first frame)."""
        with self._lock:
            return self._close()

    def _close(self) -> Optional[Summary]:
        if self._closed:
            return self._summary
        self._closed = True
        self._progress.close()
        if self._native is None:
            raise ValueError(f"no frames were written, so no video was made for {self._describe()}")
        data, summary = self._native.finish()
        self._summary = Summary(**summary)
        if data is not None:
            self._video = Video(data, self._summary)
        return self._summary

    def keep_partial(self) -> Optional[str]:
        """Stops without replacing anything, for when the caller's side failed: every frame
        written is encoded and the video finalized in its partial file (``<path>.partial``,
        which plays; ``encode-native recover`` makes it the video), and the file at the path
        is left as it was. Returns the partial file's path (also in :attr:`partial`), or None
        when no frame was written (nothing is kept) or the output is not a file (then it is
        finished as by :meth:`close`). Does nothing after :meth:`close`."""
        if self._closed:
            return self._partial
        self._closed = True
        self._progress.close()
        if self._native is None:
            return None
        path, summary = self._native.keep_partial()
        self._summary = Summary(**summary)
        self._partial = None if path is None else os.fspath(path)
        return self._partial

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
            return
        # Keep what was written even on an error or Ctrl-C, without hiding the exception: an
        # existing file is not replaced (the frames stay in the partial file), a new one is
        # finished at its name.
        try:
            if self._native is not None and self._native.replaces_file:
                self.keep_partial()
            else:
                self.close()
        except Exception:
            pass

    # -- state -----------------------------------------------------------------------------

    @property
    def summary(self) -> Optional[Summary]:
        """The :class:`Summary` after :meth:`close`, None before."""
        return self._summary

    @property
    def partial(self) -> Optional[str]:
        """The partial file that holds the frames after :meth:`keep_partial` (or after the
        ``with`` block raised on a writer that would have replaced an existing file)."""
        return self._partial

    @property
    def video(self) -> Optional[Video]:
        """The encoded bytes of a writer into memory (``output=None``) after :meth:`close`."""
        return self._video

    @property
    def frames_written(self) -> int:
        """Frames accepted so far."""
        return self._native.frames_pushed if self._native is not None else 0

    @property
    def frames_copied(self) -> int:
        """Frames whose memory layout could not be read in place and were copied once."""
        return self._native.frames_copied if self._native is not None else 0

    @property
    def fps(self) -> Fraction:
        """The frame rate, exact."""
        return self._fps

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run."""
        return self._closed

    def _describe(self) -> str:
        if self._output is None:
            return "memory"
        if isinstance(self._output, str):
            return repr(self._output)
        return f"the {type(self._output).__name__} output"

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        size = f", {self._layout.width}x{self._layout.height} {self._layout.pix_fmt}" if self._layout else ""
        return f"<encode_native.Writer {self._describe()}, {state}, {self.frames_written} frames{size}>"


Writer.__doc__ = (Writer.__doc__ or "") + "\n" + _settings.table() + "\n"


def _count(frames: Any) -> Optional[int]:
    try:
        return len(frames)
    except TypeError:
        return None


def write_video(
    path: Union[PathLike, Any],
    frames: Iterable[Any],
    fps: Union[int, float, Fraction, str] = 30,
    *,
    progress: ProgressArg = None,
    **settings: Any,
) -> Summary:
    """Writes frames to a video file (or a binary file-like object) and returns its
    :class:`Summary`.

    ``frames`` is an array of frames (N, H, W[, C]) or any iterable of frames; ``settings``
    are the :class:`Writer`'s keyword arguments (``crf=18``, ``input_format="bgr24"``, ...).
    Like ``skvideo.io.vwrite`` or torchvision's ``write_video``."""
    with Writer(path, fps, progress=progress, total=_count(frames), **settings) as w:
        w.write_frames(frames)
    assert w.summary is not None
    return w.summary


def encode(
    frames: Iterable[Any],
    fps: Union[int, float, Fraction, str] = 30,
    *,
    progress: ProgressArg = None,
    **settings: Any,
) -> Video:
    """Encodes frames into memory and returns the video as :class:`Video` (``bytes`` that
    show as a player in Jupyter): an MP4 with its index at the front unless ``format`` says
    otherwise."""
    with Writer(None, fps, progress=progress, total=_count(frames), **settings) as w:
        w.write_frames(frames)
    assert w.video is not None
    return w.video


def from_function(
    make_frame: Callable[[float], Any],
    duration: float,
    fps: Union[int, float, Fraction, str] = 30,
    path: Union[None, PathLike, Any] = None,
    *,
    progress: ProgressArg = None,
    **settings: Any,
) -> Union[Summary, Video]:
    """Makes a video of ``make_frame(t)`` for t = 0, 1/fps, 2/fps, ... below ``duration``
    seconds (moviepy's ``VideoClip(make_frame)``): ceil(duration × fps) frames.

    Returns the :class:`Summary` when ``path`` is given (a path or a file-like object), else
    the :class:`Video` in memory."""
    rate = _settings.fps_value(_settings.fps_text(fps))
    count = math.ceil(Fraction(duration) * rate - Fraction(1, 10**9)) if duration > 0 else 0
    frames = (make_frame(float(Fraction(i) / rate)) for i in range(count))
    with Writer(path, fps, progress=progress, total=count, **settings) as w:
        w.write_frames(frames)
    if path is None:
        assert w.video is not None
        return w.video
    assert w.summary is not None
    return w.summary


def concat(paths: Iterable[PathLike], out: PathLike) -> Summary:
    """Joins segments encoded with the same settings (codec, size, pixel format, frame rate,
    ...) into ``out`` without re-encoding: the timestamps run on from one segment to the next,
    so N frames at r fps last N/r, and an MP4 gets its index in front. Segments that differ,
    a damaged segment (cut off, or with packets that cannot be read) and an ``out`` that is
    also one of the segments raise ``ValueError`` naming the segment and what is wrong, before
    anything is written; ``out`` appears only once complete (an existing file is replaced).
    Returns what ``out`` holds: ``frames``, ``duration``, ``bytes``, ``width``, ``height`` and
    ``codec`` (the coding format, e.g. ``"h264"``). Nothing is encoded, so ``encoder`` is
    ``""`` (the segments do not record which encoder made them); no frames come in, so
    ``input_width`` and ``input_height`` are 0; ``pixel_format`` is ``""`` and ``wall`` 0."""
    inputs = [os.fspath(p) for p in paths]
    if not inputs:
        raise ValueError("concat needs at least one segment")
    frames, duration, size, width, height, codec = _concat(inputs, os.fspath(out))
    return Summary(
        frames=frames,
        bytes=size,
        duration=duration,
        width=width,
        height=height,
        input_width=0,
        input_height=0,
        pixel_format="",
        codec=codec,
        encoder="",
        container=os.path.splitext(os.fspath(out))[1].lstrip(".").lower(),
        fragmented=False,
        wall=0.0,
        first_packet_latency=None,
    )


def _register_matplotlib(_module: Any) -> None:
    from . import matplotlib as _mpl  # noqa: F401  (registers the writer)


def _register_imageio(config: Any) -> None:
    # Only imageio.config is complete here (imageio itself may still be importing): add the
    # plugin by name; imageio imports encode_native.imageio when someone asks for it.
    plugin_config: Any = getattr(config, "PluginConfig", None)
    if plugin_config is None:
        from imageio.config.plugins import PluginConfig as plugin_config
    config.known_plugins["encode_native"] = plugin_config(
        name="encode_native", class_name="EncodeNativePlugin", module_name="encode_native.imageio"
    )


_hooks.after_import("matplotlib.animation", _register_matplotlib)
_hooks.after_import("imageio.config", _register_imageio)
