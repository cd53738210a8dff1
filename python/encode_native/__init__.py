"""encode_native: numpy frames, matplotlib animations and image folders to a real video file,
in-process, with FFmpeg's libraries linked in: no ffmpeg subprocess, no temporary images.

    >>> import numpy as np, encode_native as en
    >>> frames = (np.random.random((30, 240, 320, 3)) * 255).astype(np.uint8)
    >>> summary = en.write_video("noise.mp4", frames, fps=30)
    >>> with en.Writer("out.mp4", fps=30, crf=18, preset="ultrafast") as w:
    ...     for f in frames:
    ...         w.write(f)
    >>> mp4 = en.encode(frames, fps=30)            # bytes: a faststart MP4 in memory
    >>> tone = np.sin(2 * np.pi * 440 * np.arange(48000) / 48000).astype(np.float32)
    >>> en.write_video("beep.mkv", frames, fps=30, audio=tone, sample_rate=48000,
    ...                metadata={"title": "Noise and a beep"})

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
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _audio, _frames, _hooks, _native, _settings
from ._errors import (
    ConfigError,
    EncodeError,
    EncoderError,
    Error,
    FrameError,
    NoSpaceError,
    OutputError,
    WriterFinishedError,
)
from ._native import NativeWriter as _NativeWriter
from ._native import __version__, check_settings, ffmpeg_args_settings, pixel_format_name
from ._native import concat as _concat
from ._progress import Progress, ProgressArg

__all__ = [
    "AudioSummary",
    "ConfigError",
    "EncodeError",
    "EncoderError",
    "Error",
    "FrameError",
    "NoSpaceError",
    "OutputError",
    "WriterFinishedError",
    "Summary",
    "Video",
    "Writer",
    "concat",
    "encode",
    "ffmpeg_args_settings",
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
class AudioSummary:
    """What a finished video's soundtrack holds, from the library's own count.

    Attributes:
        codec: the coding format stored (``aac``, ``opus``, ``flac``, ``pcm_s16le``, ...).
        encoder: the encoder that made it (``aac``, ``libopus``), or None when a file's
            audio was copied as it is.
        sample_rate: samples per second stored.
        channels: channels stored.
        samples: samples per channel stored (an encoder's priming, which decoders drop, not
            counted).
        duration: their playing time in seconds.
        padded: samples of silence added to reach the video's length
            (``audio_length="video"``, the default).
        trimmed: whether the soundtrack was cut at the video's end.
        damaged: packets of the soundtrack file that did not decode, concealed with
            silence as long as each (``audio_damage="conceal"``, the default).
    """

    codec: str
    encoder: Optional[str]
    sample_rate: int
    channels: int
    samples: int
    duration: float
    padded: int
    trimmed: bool
    damaged: int = 0


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
        audio: the soundtrack's :class:`AudioSummary`, None for a video without one.
        frames_cut: frames written but left out because a shorter soundtrack ended first
            (``audio_length="shortest"``).
        frames_dropped: frames dropped because the queue was full (``late_frames="drop"``,
            a live push slower than real time); the frames after each kept their times.
        delivery: ``"hls"``, ``"dash"``, ``"rtmp"`` or ``"srt"`` for a live or segmented
            output (``container`` is then its segments' or stream's), None for a file.
        reconnects: times a push connected again after its server went away
            (``reconnect=N``); what was not sent, up to the next keyframe, is not in the stream.
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
    audio: Optional[AudioSummary] = None
    frames_cut: int = 0
    frames_dropped: int = 0
    delivery: Optional[str] = None
    reconnects: int = 0

    @property
    def size(self) -> tuple:
        """``(width, height)`` of the encoded picture."""
        return (self.width, self.height)


def _summary(fields: Dict[str, Any]) -> Summary:
    """The native writer's summary dict as a :class:`Summary`."""
    fields = dict(fields)
    audio = fields.pop("audio", None)
    return Summary(**fields, audio=None if audio is None else AudioSummary(**audio))


class Video(bytes):
    """An encoded video in memory: ``bytes`` (write it, send it, hash it) that shows itself in
    Jupyter (``_repr_html_``): a ``<video>`` player for MP4 and WebM, an ``<img>`` for GIF,
    animated WebP and APNG, a download link for what browsers do not play (MOV, MKV, AVI, TS).

    Showing a video in Jupyter: :func:`encode` returns one, which a cell shows as it ends
    (or ``IPython.display.display(video)``); a file written by :func:`write_video` or
    :class:`Writer` shows with :meth:`from_file`, or with IPython's own player::

        en.Video.from_file("out.mp4")                 # embedded, as encode() gives it

        from IPython.display import Video             # IPython's: a link to the file
        Video("out.mp4")
        Video(data, embed=True, mimetype="video/mp4")  # bytes in memory, embedded

    Attributes:
        summary: the :class:`Summary` of the encode (None for :meth:`from_file`).
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

    @classmethod
    def from_file(cls, path: PathLike) -> "Video":
        """A video file's bytes as a :class:`Video`, to show it in Jupyter:
        ``en.Video.from_file("out.mp4")``. The container, and so the MIME type and how a
        browser shows it, comes from the extension (``ValueError`` for one that names no
        container this package writes)."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lstrip(".").lower()
        container = next((c for c in _CONTAINERS.values() if ext in [c["name"], *c["aliases"]]
                          or ext == c["extension"]), None)
        if container is None:
            raise ValueError(f"{path!r}: the extension names no container this package writes "
                             f"({', '.join(sorted(_CONTAINERS))})")
        with open(path, "rb") as f:
            video = cls(f.read(), mime=container["mime"])
        video._browser = container["browser"]
        return video

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
        audio: a soundtrack: a path (``"music.wav"``: any file or stream libavformat
            reads, copied when the container takes its codec, otherwise encoded; the
            ``audio`` setting), or the samples as a numpy array, ``(n,)`` for mono or
            ``(n, channels)`` interleaved, float32/float64 at full scale ±1.0, int16 or
            int32, which then needs ``sample_rate``; the channels come from its shape. The
            array is written as the video goes, each :meth:`write` adding the samples up to
            the end of the frames written (frames / fps, exactly) and :meth:`close` the
            rest, so the file interleaves audio and video as it is written; do not modify
            it until :meth:`close`. A lossless codec stores the array's own sample type
            (int16 as 16-bit FLAC) unless ``sample_format`` says otherwise. For samples
            made as you go, give ``sample_rate`` (and ``channels``, default 2) without
            ``audio`` and call :meth:`write_audio`; their dtype does not choose what is
            stored (that would depend on whether they came before the first frame or after
            it): ``sample_format`` does, ``f32`` by default (24-bit FLAC), so give
            ``sample_format="s16"`` for 16-bit FLAC of int16 samples.
        metadata: tags, as a dict (``{"title": "Demo", "artist": "Me"}``) or a list of
            ``"KEY=VALUE"`` strings; ``s:v:KEY`` and ``s:a:KEY`` tag the video or the audio
            stream (``{"s:a:language": "eng"}``). A key the container cannot store raises
            ``ValueError``, and so do a key containing ``=`` and two keys that differ only
            in case (``Title`` and ``title``: containers keep one of them). Values are
            ``str``; an integer is written in decimal (``{"track": 3}`` is ``"3"``), while
            None, bytes, floats, booleans and other objects raise ``TypeError`` naming the
            key (their ``str()`` is not a tag anyone meant).

    The soundtrack's other settings are keywords too: ``audio_codec`` (``aac``, the
    default for MP4, MOV, MKV and TS; ``libopus`` for WebM; ``flac``, ``pcm_s16le``,
    ``pcm_f32le``, ``libmp3lame``), ``audio_bitrate`` (``"128k"``), ``audio_offset``
    (seconds), ``audio_length`` (``video``: the audio is cut or padded to the video;
    ``shortest``; ``longest``), ``audio_stream`` (which stream of the file). ``rotate``
    (90, 180, 270) stores a display rotation.

    The first frame decides the size and layout: arrays of shape (H, W), (H, W, 1),
    (H, W, 3) or (H, W, 4), dtype uint8, uint16 or float32/float64 in [0, 1] (alpha is
    dropped; a float frame with values outside [0, 1] beyond rounding, such as 0-255 data,
    raises ``ValueError`` saying how to convert it; NaN is black). Every later frame must
    have the same shape and dtype, or :meth:`write` raises ``ValueError`` naming the frame
    and the writer stays usable.

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
        audio: Any = None,
        metadata: Union[None, Mapping[str, Any], Sequence[str]] = None,
        **settings: Any,
    ) -> None:
        if metadata is not None:
            settings["metadata"] = metadata
        # A soundtrack given whole as samples, written as the video goes (see _feed_audio).
        soundtrack: Optional[np.ndarray] = None
        if isinstance(audio, (str, os.PathLike)):
            settings["audio"] = os.fspath(audio)
        elif audio is not None:
            soundtrack = _audio.as_samples(audio)
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
        rate = _setting(self._settings, "sample_rate")
        channels = _setting(self._settings, "channels")
        if soundtrack is not None:
            if _setting(self._settings, "audio") is not None:
                raise ConfigError("audio: give the soundtrack as samples or as a file, not both")
            if rate is None:
                raise ConfigError(
                    "audio: a soundtrack given as samples needs its sample_rate (e.g. sample_rate=48000)"
                )
            count = _audio.soundtrack_channels(soundtrack)
            if channels is None:
                self._settings.append(("channels", str(count)))
                channels = str(count)
            elif int(channels) != count:
                raise ConfigError(
                    f"audio: the array of shape {tuple(soundtrack.shape)} has "
                    f"{_audio.channels_text(count)}, channels={channels} says otherwise"
                )
        # ValueError now rather than at the first frame: everything the frame size and layout
        # do not decide is checked for the output's container.
        _check_before_frames(self._settings, input_format, output)
        # Samples are pushed when the soundtrack is not a file.
        pushed = rate is not None and _setting(self._settings, "audio") is None
        self._sample_rate: Optional[int] = int(rate) if pushed and rate is not None else None
        self._channels = int(channels) if channels is not None else 2
        self._soundtrack = soundtrack
        self._soundtrack_pos = 0
        # Samples given to write_audio before the first frame opened the native writer.
        self._early_audio: List[Tuple[np.ndarray, bool]] = []
        self._audio_pushes = 0
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
            raise WriterFinishedError("write to a closed Writer")
        array = _frames.as_array(frame)
        if array.dtype.kind == "f":
            _frames.check_float_range(array, self.frames_written)
        if self._layout is None:
            self._open(array)
        else:
            self._layout.check(array, self.frames_written)
        assert self._layout is not None and self._native is not None
        self._native.push(self._layout.convert(array), pts)
        self._feed_audio(self._native.frames_pushed)
        self._progress.update()

    def write_audio(self, samples: Any, planar: bool = False) -> None:
        """Writes audio samples for a writer made with ``sample_rate`` (and ``channels``,
        default 2) and no ``audio``: float32 or float64 at full scale ±1.0, int16 or int32,
        shape ``(n,)`` for one channel or ``(n, channels)`` interleaved; with
        ``planar=True``, ``(channels, n)``. Calls may come between frames in any sizes: the
        samples' time comes from their count (48000 samples at 48 kHz end at 1 s whatever
        was written between them), and the muxer interleaves them with the frames. The
        soundtrack is cut or padded to the video's length unless ``audio_length`` says
        otherwise. Samples given before the first frame are kept (copied) until it comes.
        With ``audio_length`` ``video`` (the default) or ``shortest``, samples past the frames
        written wait until the video reaches them (to be cut at its end): a call that would
        take the soundtrack more than ``audio_ahead`` seconds (default 30) past them raises
        ValueError and takes nothing, so what waits stays bounded; write audio alongside the
        frames, or give a whole soundtrack as ``audio=array``, which is read as the frames
        come. Long arrays go to the encoder in pieces, not copied whole.

        Raises ValueError for a channel count other than the writer's, NaN or infinite
        samples, float samples beyond ±2.0 (integer-scale sound in a float array: full
        scale is ±1.0), another dtype, or a writer without a soundtrack of samples; the writer
        stays usable."""
        with self._lock:
            if self._closed:
                raise WriterFinishedError("write_audio to a closed Writer")
            if self._sample_rate is None:
                raise ConfigError(
                    "write_audio: this writer has no soundtrack of samples; make it with "
                    "sample_rate=... (and channels=..., default 2) and no audio file"
                )
            if self._soundtrack is not None:
                raise ConfigError(
                    "write_audio: this writer's soundtrack is the audio array it was given; "
                    "write_audio adds samples to a writer made with sample_rate= and no audio"
                )
            array = _audio.as_samples(samples)
            self._push_audio(array, planar)

    def _push_audio(self, array: np.ndarray, planar: bool) -> None:
        if self._native is not None:
            self._native.write_audio(array, planar)
            self._audio_pushes += 1
            return
        # Checked now as the library checks them, since they wait for the first frame.
        channels, _ = _audio.shape_of(array, planar)
        if channels != self._channels:
            raise FrameError(
                f"audio chunk {self._audio_pushes}: {_audio.channels_text(channels)} given, "
                f"the soundtrack has {self._channels} (its `channels` setting)"
            )
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise FrameError(f"audio chunk {self._audio_pushes}: samples are not all finite numbers (NaN or infinite)")
        if array.dtype.kind == "f" and array.size and float(np.abs(array).max()) > 2.0:
            raise FrameError(
                f"audio chunk {self._audio_pushes}: a sample is {float(np.abs(array).max())}: float "
                "samples are full scale at ±1.0 (a little over is clipped; over ±2.0 is refused), "
                "and this looks like integer-scale sound: divide 16-bit values by 32768 (or write them as int16)"
            )
        # Kept (copied) until the first frame opens the writer: bounded as the library bounds
        # what it holds ahead of the frames (audio_ahead seconds).
        ahead = float(_setting(self._settings, "audio_ahead") or 30)
        offset = float(_setting(self._settings, "audio_offset") or 0)
        kept = sum(_audio.shape_of(a, p)[1] for a, p in self._early_audio)
        rate = self._sample_rate
        assert rate is not None  # write_audio checked it
        end = offset + (kept + _audio.shape_of(array, planar)[1]) / rate
        if end > ahead:
            raise FrameError(
                f"audio chunk {self._audio_pushes}: these samples would take the soundtrack to "
                f"{end:.3f} s before any frame was written; at most audio_ahead = {ahead:g} s of "
                "samples are kept ahead of the frames: write audio alongside the frames, give a "
                "whole soundtrack as audio=array (read as the frames come), or raise audio_ahead"
            )
        self._early_audio.append((np.array(array, copy=True), planar))
        self._audio_pushes += 1

    def _feed_audio(self, frames: Optional[int]) -> None:
        """Pushes the soundtrack given as an array up to the end of `frames` frames (all of
        it for None), and what write_audio kept before the first frame."""
        native = self._native
        if native is None:
            return
        if self._early_audio:
            early, self._early_audio = self._early_audio, []
            for array, planar in early:
                native.write_audio(array, planar)
        track = self._soundtrack
        if track is None or self._sample_rate is None:
            return
        end = len(track) if frames is None else min(
            len(track), _audio.samples_until(frames, self._fps, self._sample_rate))
        room = native.audio_room
        if room is not None:
            # Past what the writer holds ahead of its frames: at the end (frames None) those
            # samples lie beyond the video's end, which the length policy cuts anyway.
            end = min(end, self._soundtrack_pos + room)
        if end > self._soundtrack_pos:
            native.write_audio(track[self._soundtrack_pos:end])
            self._soundtrack_pos = end

    def write_frames(self, frames: Iterable[Any]) -> None:
        """Writes every frame of an iterable (or of the first axis of an array)."""
        for frame in frames:
            self.write(frame)

    def _open(self, array: np.ndarray) -> None:
        fmt = self._input_format
        if _frames.is_planar(fmt):
            width, height = _settings.size_of(self._settings)
            if width is None or height is None:
                raise ConfigError(f"{fmt} input needs the picture size: width=..., height=...")
            assert fmt is not None  # is_planar is false for None
            layout = _frames.planar_layout(array, fmt, width, height)
        else:
            layout = _frames.layout_of(array, fmt)
        settings = list(self._settings)
        track = self._soundtrack
        if track is not None and _setting(settings, "sample_format") is None:
            # What a lossless encoder stores follows a whole soundtrack's own type (int16:
            # 16-bit FLAC), known when the writer was made. Samples from write_audio are not
            # looked at: whether they come before the first frame or after it would decide
            # the file's format; the sample_format setting (default f32) does.
            name = _audio.sample_format_name(track.dtype)
            if name is not None:
                settings.append(("sample_format", name))
        self._native = _NativeWriter(self._output, layout.width, layout.height, layout.pix_fmt,
                                     settings)
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
            raise FrameError(f"no frames were written, so no video was made for {self._describe()}")
        self._feed_audio(None)
        data, summary = self._native.finish()
        self._summary = _summary(summary)
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
        self._summary = _summary(summary)
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
    def audio_samples_written(self) -> int:
        """Audio samples per channel pushed so far (of an ``audio`` array or by
        :meth:`write_audio`)."""
        pushed = self._native.audio_samples_pushed if self._native is not None else 0
        return pushed + sum(_audio.shape_of(a, p)[1] for a, p in self._early_audio)

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


#: Every name a container is known by (``m4v`` is MP4), for telling it from a path.
_CONTAINER_NAMES = {n for c in _CONTAINERS.values() for n in [c["name"], *c["aliases"]]}

#: The input layouts a first frame may bring (the ``in_pix_fmt`` setting's choices).
_INPUT_FORMATS: List[str] = next(
    list(s["choices"]) for s in _settings._SETTINGS if s["key"] == "in_pix_fmt")


def _check_before_frames(settings: List[Tuple[str, str]], input_format: Optional[str],
                         output: Any) -> None:
    """Refuses, with the library's error, settings that no frame could make acceptable.

    The container is the ``format`` setting's, else the path's extension, else MP4 (memory, a
    file-like object). The library plans the video for a placeholder size and input layout
    (``width``/``height`` when given, else 64x64; the ``input_format`` when given, else rgb24);
    when that plan fails, the other sizes and layouts a first frame could bring are tried, and
    only an error every one of them meets is raised here: one that depends on the frames (a
    size the codec cannot take) is left to the first :meth:`Writer.write`, which has them."""
    if isinstance(output, str):
        # What the destination takes (renditions on a manifest, timeouts on a server's URL),
        # whatever the frames: refused now, naming the setting.
        _native.check_destination(settings + [("in_pix_fmt", input_format or "rgb24")], output)
    container = _setting(settings, "format")
    if container is not None and container.lower() in ("hls", "dash"):
        # A manifest and its segments: the writer decides their container from the output.
        container = None
    elif container is None and isinstance(output, str):
        ext = os.path.splitext(output)[1].lstrip(".").lower()
        container = ext if ext in _CONTAINER_NAMES else None  # else the first write says why
    elif container is None:
        container = "mp4"  # memory or a file-like object
    layout = input_format or "rgb24"
    try:
        check_settings(settings + [("in_pix_fmt", layout)], container)
        return
    except ValueError as e:
        first = e
    # rgb24 and bgr24 name a channel order: a first frame of 1, 2 or 4 channels makes it
    # gray, rgba... Other names are exact layouts.
    flexible = input_format in (None, "rgb24", "bgr24", "rgba", "bgra")
    layouts = [layout] + [n for n in _INPUT_FORMATS
                          if flexible and n != layout and not _frames.is_planar(n)]
    sizes: List[List[Tuple[str, str]]] = [[]]
    if _setting(settings, "width") is None and _setting(settings, "height") is None:
        sizes += [[("width", "1920"), ("height", "1080")], [("width", "17"), ("height", "9")]]
    for layout in layouts:
        for size in sizes:
            try:
                check_settings(settings + [("in_pix_fmt", layout)] + size, container)
                return  # some first frame makes a video: the first write decides
            except ValueError:
                continue
    raise first


def _setting(settings: List[Tuple[str, str]], key: str) -> Optional[str]:
    """The last value of `key` among the settings (empty means unset), None without one."""
    value = None
    for k, v in settings:
        if k == key:
            value = v or None
    return value


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
    audio: Any = None,
    metadata: Union[None, Mapping[str, Any], Sequence[str]] = None,
    **settings: Any,
) -> Summary:
    """Writes frames to a video file (or a binary file-like object) and returns its
    :class:`Summary`.

    ``frames`` is an array of frames (N, H, W[, C]) or any iterable of frames; ``settings``
    are the :class:`Writer`'s keyword arguments (``crf=18``, ``input_format="bgr24"``, ...).
    Like ``skvideo.io.vwrite`` or torchvision's ``write_video``.

    ``audio`` is a soundtrack file's path or its samples (an array ``(n,)`` or ``(n,
    channels)``, with ``sample_rate=``), written with the frames; ``metadata`` a dict of
    tags (``{"title": ...}``): see :class:`Writer`.

    In Jupyter, ``Video.from_file(path)`` shows the file (see :class:`Video`)."""
    with Writer(path, fps, progress=progress, total=_count(frames), audio=audio,
                metadata=metadata, **settings) as w:
        w.write_frames(frames)
    assert w.summary is not None
    return w.summary


def encode(
    frames: Iterable[Any],
    fps: Union[int, float, Fraction, str] = 30,
    *,
    progress: ProgressArg = None,
    audio: Any = None,
    metadata: Union[None, Mapping[str, Any], Sequence[str]] = None,
    **settings: Any,
) -> Video:
    """Encodes frames into memory and returns the video as :class:`Video` (``bytes`` that
    show as a player in Jupyter): an MP4 with its index at the front unless ``format`` says
    otherwise. ``audio`` (a path, or samples with ``sample_rate=``) and ``metadata`` (a
    dict of tags) are as for :class:`Writer`."""
    with Writer(None, fps, progress=progress, total=_count(frames), audio=audio,
                metadata=metadata, **settings) as w:
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
    audio: Any = None,
    metadata: Union[None, Mapping[str, Any], Sequence[str]] = None,
    workers: int = 1,
    **settings: Any,
) -> Union[Summary, Video]:
    """Makes a video of ``make_frame(t)`` for t = 0, 1/fps, 2/fps, ... below ``duration``
    seconds: every frame that starts before the end, ceil(duration × fps) frames. (The
    moviepy layer, :mod:`encode_native.compat.moviepy`, keeps moviepy's own count,
    round(duration × fps), with its last frame.)

    Returns the :class:`Summary` when ``path`` is given (a path or a file-like object), else
    the :class:`Video` in memory. ``audio`` (a path, or samples with ``sample_rate=``, which
    are written as the frames are made) and ``metadata`` (a dict of tags) are as for
    :class:`Writer`.

    ``workers=N`` > 1 calls ``make_frame`` in N forked processes (Linux and other systems
    with ``fork``; elsewhere a ``RuntimeError``), while this one encodes the frames in order:
    the same video when each frame depends only on ``t``. ``make_frame`` is not pickled; the
    workers have what existed when they were forked, after the first three frames (made
    here and timed: frames under 10 ms of CPU each are all made here)."""
    from ._parallel import map_frames

    rate = _settings.fps_value(_settings.fps_text(fps))
    count = math.ceil(Fraction(duration) * rate - Fraction(1, 10**9)) if duration > 0 else 0
    frames = map_frames(lambda i: make_frame(float(Fraction(i) / rate)), count, workers)
    try:
        with Writer(path, fps, progress=progress, total=count, audio=audio, metadata=metadata,
                    **settings) as w:
            w.write_frames(frames)
    finally:
        frames.close()  # the workers stop now, whatever happened
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
        raise ConfigError("concat needs at least one segment")
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

#: The package's submodules, listed by :func:`dir` once imported.
_SUBMODULES = ("compat", "dask", "imageio", "matplotlib")


def __dir__() -> List[str]:
    """The public names (``__all__``) and the submodules imported, without the helpers this
    module imports for itself (``np``, ``os``, ``Optional``, ...), so that ``dir()`` and tab
    completion show what there is to use."""
    return sorted(set(__all__) | {n for n in _SUBMODULES if n in globals()})
