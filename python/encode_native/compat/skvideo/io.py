"""``skvideo.io.FFmpegWriter`` and ``skvideo.io.vwrite``, with scikit-video's signatures.

The ``inputdict`` and ``outputdict`` speak ffmpeg's flags, as in scikit-video. These are
understood (the library's setting each becomes):

====================================  ===========================================
``-r``, ``-framerate`` (input)        the frame rate of the frames given
``-pix_fmt`` (input)                  their layout: ``rgb24``, ``bgr24``, ``gray``, ...
``-s`` (input)                        their size, checked against the frames
``-r`` (output)                       the video's frame rate (see below)
``-c:v``, ``-vcodec``, ``-codec:v``   ``codec`` (``libx264``/``h264``, ``mpeg4``)
``-preset``, ``-tune``                ``preset``, ``tune``
``-crf``, ``-b:v``, ``-qscale:v``     ``crf``, ``bitrate``, ``qscale``
``-qp``                               x264's constant quantiser (``x264_params`` qp)
``-pix_fmt`` (output)                 ``pix_fmt`` (``yuv420p``, ``yuv444p``)
``-g``                                ``gop``
``-profile:v``                        ``profile``
``-x264-params``                      ``x264_params``
``-s`` (output)                       must equal the frames' size (no scaling)
``-f``                                ``format`` (``mp4``, ``mov``, ``matroska``, ...)
``-movflags``                         ``+faststart`` (the default) or fragments
====================================  ===========================================

Any other flag raises ``ValueError`` naming it and listing these: nothing is silently ignored.

Frame rates: ffmpeg resolves an input rate that differs from the output rate by dropping or
duplicating frames. encode-native never changes the frames it is given, so a writer with two
different rates raises ``ValueError``; give one ``-r`` (either dictionary), and every frame
written is in the video, shown at that rate. Without any, the rate is 25 (ffmpeg's default
for raw frames).

Frames are taken as scikit-video takes them: (H, W), (H, W, C) with C = 1, 3 or 4, uint8,
uint16, or float in [0, 1]; ``vwrite`` takes (T, H, W), (T, H, W, C) or a list of frames.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ... import Summary, Writer
from ..._settings import fps_text, fps_value

__all__ = ["FFmpegWriter", "LibAVWriter", "vwrite"]

_INPUT_FLAGS = ("-r", "-framerate", "-pix_fmt", "-s")
_OUTPUT_FLAGS = (
    "-r",
    "-c:v",
    "-vcodec",
    "-codec:v",
    "-preset",
    "-tune",
    "-crf",
    "-qp",
    "-b:v",
    "-qscale:v",
    "-q:v",
    "-pix_fmt",
    "-g",
    "-profile:v",
    "-x264-params",
    "-s",
    "-f",
    "-movflags",
)
_FORMATS = {"mp4": "mp4", "mov": "mov", "matroska": "mkv", "mkv": "mkv", "avi": "avi",
            "mpegts": "ts", "ts": "ts"}


def _unknown(flag: str, where: str, known: Tuple[str, ...]) -> ValueError:
    return ValueError(
        f"{where} flag {flag!r} is not supported by encode-native's FFmpegWriter; "
        f"the supported flags are {', '.join(known)}"
    )


def _size(text: str, where: str) -> Tuple[int, int]:
    try:
        w, h = str(text).lower().split("x")
        return int(w), int(h)
    except ValueError:
        raise ValueError(f"{where} -s {text!r}: expected WIDTHxHEIGHT such as 640x480") from None


Size = Optional[Tuple[int, int]]


def _settings(
    inputdict: Dict[str, Any], outputdict: Dict[str, Any]
) -> Tuple[Dict[str, Any], Optional[str], Size, Size]:
    """The writer's settings for the two dictionaries, and the input layout and sizes."""
    settings: Dict[str, Any] = {}
    x264: List[str] = []
    in_rate = out_rate = None
    in_fmt = in_size = out_size = None
    for flag, value in inputdict.items():
        if flag not in _INPUT_FLAGS:
            raise _unknown(flag, "inputdict", _INPUT_FLAGS)
        if flag in ("-r", "-framerate"):
            in_rate = str(value)
        elif flag == "-pix_fmt":
            in_fmt = str(value)
        elif flag == "-s":
            in_size = _size(value, "inputdict")
    for flag, value in outputdict.items():
        value = str(value)
        if flag not in _OUTPUT_FLAGS:
            raise _unknown(flag, "outputdict", _OUTPUT_FLAGS)
        if flag == "-r":
            out_rate = value
        elif flag in ("-c:v", "-vcodec", "-codec:v"):
            settings["codec"] = value
        elif flag in ("-preset", "-tune", "-crf", "-pix_fmt"):
            settings[flag[1:]] = value
        elif flag == "-b:v":
            settings["bitrate"] = value
        elif flag in ("-qscale:v", "-q:v"):
            settings["qscale"] = value
        elif flag == "-qp":
            x264.append(f"qp={value}")
        elif flag == "-g":
            settings["gop"] = value
        elif flag == "-profile:v":
            settings["profile"] = value
        elif flag == "-x264-params":
            x264.append(value)
        elif flag == "-s":
            out_size = _size(value, "outputdict")
        elif flag == "-f":
            if value not in _FORMATS:
                raise ValueError(f"outputdict -f {value!r}: the formats are {', '.join(sorted(_FORMATS))}")
            settings["format"] = _FORMATS[value]
        elif flag == "-movflags":
            for part in value.replace("+", " +").split():
                name = part.lstrip("+-")
                if name == "faststart":
                    settings["faststart"] = not part.startswith("-")
                elif name in ("frag_keyframe", "empty_moov", "default_base_moof"):
                    settings["fragmented"] = 1
                else:
                    raise ValueError(
                        f"outputdict -movflags {name!r} is not supported; supported: "
                        "+faststart, +frag_keyframe, +empty_moov, +default_base_moof"
                    )
    if x264:
        settings["x264_params"] = ":".join(x264)
    if in_rate is not None and out_rate is not None:
        if fps_value(fps_text(in_rate)) != fps_value(fps_text(out_rate)):
            raise ValueError(
                f"inputdict -r {in_rate} and outputdict -r {out_rate} differ: ffmpeg would drop or "
                "duplicate frames to change the rate, and encode-native never changes the frames "
                "given. Give one -r: every frame written is shown at that rate."
            )
    settings["fps"] = in_rate or out_rate or "25"
    return settings, in_fmt, in_size, out_size


class FFmpegWriter:
    """Writes frames to a video file, as scikit-video's ``FFmpegWriter`` does, in-process.

    Args:
        filename: the video's path (the container comes from its extension, or ``-f``).
        inputdict: ffmpeg flags describing the frames (see the module's table).
        outputdict: ffmpeg flags for the video (see the module's table).
        verbosity: accepted for compatibility; encode-native prints nothing.
    """

    def __init__(
        self,
        filename: Any,
        inputdict: Optional[Dict[str, Any]] = None,
        outputdict: Optional[Dict[str, Any]] = None,
        verbosity: int = 0,
    ) -> None:
        settings, in_fmt, in_size, out_size = _settings(inputdict or {}, outputdict or {})
        if in_size and out_size and in_size != out_size:
            raise ValueError(
                f"outputdict -s {out_size[0]}x{out_size[1]} differs from inputdict -s "
                f"{in_size[0]}x{in_size[1]}: encode-native does not scale; resize the frames"
            )
        self._size = in_size or out_size
        self._filename = os.fspath(filename)
        fps = settings.pop("fps")
        self._writer = Writer(self._filename, fps, input_format=in_fmt, **settings)
        self.verbosity = verbosity

    def writeFrame(self, im: Any) -> None:
        """Writes one frame: (H, W) or (H, W, C), uint8, uint16 or float in [0, 1]."""
        frame = np.asarray(im)
        if frame.ndim == 4 and frame.shape[0] == 1:
            frame = frame[0]
        if self._size is not None and frame.ndim >= 2:
            w, h = self._size
            if frame.shape[1] != w or frame.shape[0] != h:
                raise ValueError(
                    f"frame {self._writer.frames_written}: {frame.shape[1]}x{frame.shape[0]} "
                    f"does not match the -s {w}x{h} given"
                )
        self._writer.write(frame)

    def close(self) -> Optional[Summary]:
        """Finishes the video (every frame written is in it) and returns its summary."""
        return self._writer.close()

    def __enter__(self) -> "FFmpegWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


#: scikit-video's other writer class takes the same arguments.
LibAVWriter = FFmpegWriter


def vwrite(
    fname: Any,
    videodata: Any,
    inputdict: Optional[Dict[str, Any]] = None,
    outputdict: Optional[Dict[str, Any]] = None,
    backend: str = "ffmpeg",
    verbosity: int = 0,
) -> Summary:
    """Writes a whole video at once, as scikit-video's ``vwrite``: ``videodata`` is (T, H, W),
    (T, H, W, C) or a list of frames. Returns the summary of what was written."""
    if backend not in ("ffmpeg", "libav"):
        raise ValueError(f"backend {backend!r}: encode-native is the backend; use 'ffmpeg'")
    writer = FFmpegWriter(fname, inputdict, outputdict, verbosity)
    data = videodata if isinstance(videodata, (list, tuple)) else np.asarray(videodata)
    try:
        if isinstance(data, np.ndarray) and data.ndim == 2:
            data = data[np.newaxis]
        for frame in data:
            writer.writeFrame(frame)
    finally:
        summary = writer.close()
    assert summary is not None
    return summary
