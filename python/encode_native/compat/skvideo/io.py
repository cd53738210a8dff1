"""``skvideo.io.FFmpegWriter`` and ``skvideo.io.vwrite``, with scikit-video's signatures.

The ``inputdict`` and ``outputdict`` speak ffmpeg's flags, as in scikit-video; the
library's one translator of ffmpeg's flags reads them (the same as the matplotlib writer's
``extra_args``). These are understood (the library's setting each becomes):

====================================  ===========================================
``-r``, ``-framerate`` (input)        the frame rate of the frames given
``-pix_fmt`` (input)                  their layout: ``rgb24``, ``bgr24``, ``gray``, ...
``-s`` (input)                        their size, checked against the frames
``-r`` (output)                       the video's frame rate (see below)
``-c:v``, ``-vcodec``, ``-codec:v``   ``codec`` (``libx264``/``h264``, ``mpeg4``)
``-preset``, ``-tune``                ``preset``, ``tune``
``-crf``, ``-b:v``, ``-qscale:v``     ``crf``, ``bitrate`` (``2M``, ``500k``), ``qscale``
``-qp``                               x264's constant quantiser (``x264_params`` qp)
``-pix_fmt`` (output)                 ``pix_fmt`` (``yuv420p``, ``yuv444p``)
``-g``                                ``gop``
``-profile:v``                        ``profile``
``-x264-params``                      ``x264_params``
``-s`` (output)                       must equal the frames' size (no scaling)
``-f``                                ``format`` (``mp4``, ``mov``, ``matroska``, ...)
``-movflags``                         ``+faststart`` (the default), ``-faststart``, or
                                      fragments (``frag_keyframe+empty_moov``)
``-color_range``, ``-colorspace``     ``full_range``, ``color_matrix``
``-bf``, ``-refs``, ``-maxrate``, ... the encoder's option of that name
``-metadata``                         a tag of the file: ``"title=My video"``
``-metadata:s:v``, ``-metadata:s:a``  a tag of the video or audio stream
                                      (``"language=eng"``)
``-c:a``, ``-acodec``                 ``audio_codec`` (``aac``, ``libopus``, ``flac``,
                                      ``pcm_s16le``, ``pcm_f32le``, ``libmp3lame``)
``-b:a``, ``-ar``, ``-ac``            ``audio_bitrate``, ``sample_rate``, ``channels``
``-y``, ``-loglevel``, ``-an``, ...   (output) accepted, no effect on the video
``-an``, ``-sn``, ``-dn`` (input)     accepted, no effect (no audio is the default)
====================================  ===========================================

Any other flag raises ``ValueError`` naming it and listing the supported ones: nothing is
silently ignored. The ``inputdict`` takes only the flags that describe the frames.

A dictionary holds one ``-metadata``; give more tags with ``metadata={"title": ...,
"artist": ...}``. Sound: ffmpeg would need a second ``-i`` for a soundtrack, which is refused
here (the input is the frames written); give the file as ``audio="music.wav"`` instead, and
the audio flags above say how it is stored (``outputdict={"-c:a": "aac", "-b:a": "160k"}``).
Samples made as you go: ``outputdict={"-ar": "48000", "-ac": "2"}`` (a soundtrack of
samples) and :meth:`FFmpegWriter.writeAudio`.

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
from ..._native import ffmpeg_args_settings
from ..._settings import metadata_tags

__all__ = ["FFmpegWriter", "LibAVWriter", "vwrite"]

Size = Optional[Tuple[int, int]]


#: ffmpeg's flags that take no value: ``{"-an": ""}``, ``{"-an": None}`` and
#: ``{"-an": True}`` all mean the flag alone.
_SWITCHES = {"-an", "-sn", "-dn", "-y", "-hide_banner", "-nostdin", "-nostats", "-stats"}

#: Switches that are harmless in the inputdict too (ffmpeg reads them for the input): the
#: frames pushed have no audio, subtitle or data streams to leave out.
_INPUT_SWITCHES = {"-an", "-sn", "-dn"}


def _flags(flags: Dict[str, Any], *, input: bool = False) -> List[str]:
    """A dictionary of flags as the command line scikit-video makes of it (an empty value
    is a flag without one, such as ``{"-an": ""}``)."""
    args: List[str] = []
    for flag, value in flags.items():
        name = str(flag)
        if name in _SWITCHES and (value is None or value is True or str(value) == ""):
            if not (input and name in _INPUT_SWITCHES):
                args.append(name)
            continue
        if input and name in _INPUT_SWITCHES:
            continue
        args.append(name)
        if str(value) != "":
            args.append(str(value))
    return args


def _settings(
    inputdict: Dict[str, Any], outputdict: Dict[str, Any]
) -> Tuple[Dict[str, Any], Optional[str], Size]:
    """The writer's settings for the two dictionaries (by the library's translator of
    ffmpeg's flags), and the input layout and size."""
    settings: Dict[str, Any] = {}
    in_fmt: Optional[str] = None
    size: Size = None
    for key, value in ffmpeg_args_settings(_flags(outputdict), _flags(inputdict, input=True)):
        if key == "in_pix_fmt":
            in_fmt = value
        elif key == "size":
            w, _, h = value.lower().partition("x")
            size = (int(w), int(h))
        elif key in ("codec_option", "metadata"):
            settings.setdefault(key, []).append(value)
        else:
            settings[key] = value
    settings.setdefault("fps", "25")
    return settings, in_fmt, size


class FFmpegWriter:
    """Writes frames to a video file, as scikit-video's ``FFmpegWriter`` does, in-process.

    Args:
        filename: the video's path (the container comes from its extension, or ``-f``).
        inputdict: ffmpeg flags describing the frames (see the module's table).
        outputdict: ffmpeg flags for the video (see the module's table).
        verbosity: accepted for compatibility; encode-native prints nothing.
        audio: (not in scikit-video) a soundtrack: a file's path, or its samples as an
            array with ``-ar`` (see :class:`encode_native.Writer`).
        metadata: (not in scikit-video) more tags, as a dict, checked as
            :class:`encode_native.Writer` checks its ``metadata``.
    """

    def __init__(
        self,
        filename: Any,
        inputdict: Optional[Dict[str, Any]] = None,
        outputdict: Optional[Dict[str, Any]] = None,
        verbosity: int = 0,
        *,
        audio: Any = None,
        metadata: Optional[Dict[str, Any]] = None,
    ) -> None:
        settings, in_fmt, self._size = _settings(inputdict or {}, outputdict or {})
        self._filename = os.fspath(filename)
        fps = settings.pop("fps")
        if metadata:
            settings.setdefault("metadata", []).extend(metadata_tags(metadata))
        self._writer = Writer(self._filename, fps, input_format=in_fmt, audio=audio, **settings)
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

    def writeAudio(self, samples: Any) -> None:
        """(Not in scikit-video.) Writes audio samples, ``(n,)`` or ``(n, channels)``, for
        a writer whose ``outputdict`` gives ``-ar`` (and ``-ac``): see
        :meth:`encode_native.Writer.write_audio`."""
        self._writer.write_audio(samples)

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
