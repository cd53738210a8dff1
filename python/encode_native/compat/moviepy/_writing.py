"""Writing a clip through encode-native, shared by the standalone clips and by real moviepy's
patched writer: moviepy's arguments as the library's settings, and the frame loop (frame i
made at t = i / fps, round(duration × fps) of them, the soundtrack pushed alongside, frames
rendered in worker processes when asked)."""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any, Callable, Dict, Iterable, Iterator, Optional, Sequence, Tuple

import numpy as np

from ... import Summary, Writer, _settings
from ..._native import ffmpeg_args_settings
from ._clip import _to_uint8

#: moviepy's names of encoders that are spelled otherwise here (or not here: VP8's libvpx is
#: written as VP9, and the lossless ``png``/``rawvideo`` in AVI as FFV1).
VIDEO_CODECS = {
    "libmpeg4": "mpeg4",
    "prores": "prores_ks",
    "libvpx": "libvpx-vp9",
    "png": "ffv1",
    "rawvideo": "ffv1",
}
#: moviepy's names of sound encoders that are spelled otherwise here.
AUDIO_CODECS = {"raw16": "pcm_s16le", "raw24": "pcm_s24le", "raw32": "pcm_s32le"}


def video_settings(
    path: str,
    size: Tuple[int, int],
    rate: Fraction,
    codec: Optional[str] = None,
    bitrate: Optional[str] = None,
    preset: Optional[str] = "medium",
    threads: Optional[int] = None,
    pixel_format: Optional[str] = None,
    ffmpeg_params: Optional[Sequence[Any]] = None,
) -> Dict[str, Any]:
    """The library's settings of moviepy's writing arguments: ``codec`` (moviepy's names
    too), ``bitrate``, ``preset`` (left out for an encoder without named presets when it is
    moviepy's default ``"medium"``), ``threads`` (the encoder's), ``pixel_format`` and
    ``ffmpeg_params`` (by the library's translator of ffmpeg's flags, the frames' rate and
    size given as the input's, so an output ``-r``/``-s`` must equal them)."""
    settings: Dict[str, Any] = {}
    if codec is not None:
        settings["codec"] = VIDEO_CODECS.get(codec, codec)
    if bitrate is not None:
        settings["bitrate"] = bitrate
    encoder = settings.get("codec") or _settings.default_encoder(path)
    named = _settings.named_presets(encoder) if encoder else []
    if preset is not None and (named or preset not in _settings.named_presets("libx264")):
        settings["preset"] = preset
    if threads is not None:
        settings["threads"] = threads
    if pixel_format is not None:
        settings["pix_fmt"] = pixel_format
    if ffmpeg_params:
        w, h = size
        given = ["-r", f"{rate.numerator}/{rate.denominator}"] + (["-s", f"{w}x{h}"] if w and h else [])
        for key, value in ffmpeg_args_settings([str(p) for p in ffmpeg_params], given):
            if key in ("fps", "size", "in_pix_fmt"):
                continue
            if _settings.is_repeated(key):
                settings.setdefault(key, []).append(value)
            else:
                settings[key] = value
    return settings


def audio_codec_settings(audio_codec: Optional[str], audio_bitrate: Optional[str]) -> Dict[str, Any]:
    """The settings of moviepy's ``audio_codec`` (its names too; ``"copy"``, moviepy's
    default for a sound file, is the library's default: it copies what the container takes)
    and ``audio_bitrate``."""
    settings: Dict[str, Any] = {}
    if audio_codec is not None and audio_codec != "copy":
        settings["audio_codec"] = AUDIO_CODECS.get(audio_codec, audio_codec)
    if audio_bitrate is not None:
        settings["audio_bitrate"] = audio_bitrate
    return settings


def frames(frame_at: Callable[[int], Any], count: int, workers: Optional[int]) -> Iterator[np.ndarray]:
    """``frame_at(0)`` … ``frame_at(count - 1)`` as uint8 arrays (moviepy's cast), made in
    ``workers`` forked processes when it is more than 1 (:func:`encode_native._parallel.map_frames`),
    else here in order."""
    if workers is not None and int(workers) > 1 and count > 1:
        from ..._parallel import map_frames

        return map_frames(lambda i: _to_uint8(frame_at(i)), count, int(workers))
    return (_to_uint8(frame_at(i)) for i in range(count))


#: Feeds the soundtrack: called with the writer and the seconds of video written so far.
SoundFeed = Callable[[Writer, Fraction], None]


def write(
    path: Any,
    fps: Any,
    count: int,
    frame_at: Callable[[int], Any],
    settings: Dict[str, Any],
    *,
    progress: Any = None,
    indices: Optional[Callable[[range], Iterable[int]]] = None,
    workers: Optional[int] = None,
    feed: Optional[SoundFeed] = None,
) -> Summary:
    """Writes ``count`` frames, frame i being ``frame_at(i)``, to ``path`` at ``fps`` with
    ``settings``; returns the summary. ``progress`` is the Writer's (True for a bar);
    ``indices`` wraps ``range(count)`` for a progress display of the caller's (proglog's
    ``iter_bar``); ``feed`` pushes the soundtrack after each frame (with the seconds of video
    written); ``workers`` > 1 renders the frames in that many processes."""
    if count == 0:
        raise ValueError(f"the clip has no frame at {fps} fps")
    rate = _settings.fps_value(_settings.fps_text(fps))
    order: Iterable[int] = indices(range(count)) if indices is not None else range(count)
    with Writer(os.fspath(path), fps, progress=progress, total=count, **settings) as writer:
        for i, frame in zip(order, frames(frame_at, count, workers)):
            writer.write(frame)
            if feed is not None:
                feed(writer, Fraction(i + 1) / rate)
    assert writer.summary is not None
    return writer.summary


def write_logfile(path: str, summary: Summary) -> None:
    """moviepy's ``write_logfile=True``: ``<path>.log`` saying what was written."""
    with open(path + ".log", "w", encoding="utf-8") as log:
        log.write(f"encode-native wrote {path}:\n{summary}\n")
