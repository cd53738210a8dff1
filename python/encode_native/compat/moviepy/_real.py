"""The installed moviepy with encode-native's writer: :func:`install` replaces moviepy's
writers in moviepy's own modules (globally: every ``moviepy`` import in the process writes
through encode-native from then on) and makes ``encode_native.compat.moviepy.X.Y`` the
module ``moviepy.X.Y`` itself."""

from __future__ import annotations

import gc
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import math
import os
import sys
import wave
from fractions import Fraction
from types import ModuleType
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from ... import Summary, Writer, _settings
from ..._errors import ConfigError
from . import _writing
from ._audio import _channels_last
from ._clip import _exact, _frame_count, _rate, _to_uint8

#: The modules of this package that are its own, not moviepy's.
_OWN = frozenset({"_audio", "_clip", "_real", "_refusals", "_standalone", "_video", "_writing", "editor"})


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``encode_native.compat.moviepy.X.Y`` to the module ``moviepy.X.Y`` (the same
    object, so its names, classes and patched writers are moviepy's)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix + "."
        self.modules: Dict[str, ModuleType] = {}

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        """The spec of moviepy's module for a name under this package, None for others."""
        if not fullname.startswith(self.prefix):
            return None
        rest = fullname[len(self.prefix):]
        if rest.split(".")[0] in _OWN:
            return None
        try:
            module = importlib.import_module("moviepy." + rest)
        except ModuleNotFoundError as e:
            if e.name is not None and ("moviepy." + rest).startswith(e.name):
                return None  # moviepy has no such module: import fails naming ours
            raise
        self.modules[fullname] = module
        return importlib.util.spec_from_loader(fullname, self, is_package=hasattr(module, "__path__"))

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self.modules.pop(spec.name)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module is moviepy's, already imported."""


class CodecError(ConfigError, OSError):
    """A codec encode-native does not have, raised as moviepy raises it: an ``IOError`` (an
    ``OSError``) whose message has moviepy's words (programs and tests look for them), and a
    :class:`encode_native.ConfigError` (a ``ValueError``)."""


def _codec_checked(make: Any, *args: Any, **kwargs: Any) -> Any:
    """``make(*args, **kwargs)``, an unknown codec or audio codec raised as :class:`CodecError`."""
    try:
        return make(*args, **kwargs)
    except ConfigError as e:
        if not str(e).startswith(("invalid codec", "invalid audio_codec")):
            raise
        raise CodecError(
            f"{e}\n\nMoviePy error: The video export failed because FFMPEG didn't find the specified "
            "codec for video or audio (encode-native writes this video: its codecs are listed above)."
        ) from e


def _moviepy(name: str) -> Any:
    return importlib.import_module("moviepy" + name)


def _logger(logger: Any) -> Any:
    """moviepy's logger: ``"bar"`` a proglog progress bar, None nothing, or a proglog logger."""
    return _moviepy(".tools").proglog.default_bar_logger(logger)


def _sound_feed(
    audio: Any, sample_rate: int, video_seconds: Fraction, bufsize: int, keep: Optional[Any] = None
) -> Tuple[Dict[str, Any], _writing.SoundFeed]:
    """The settings of a soundtrack pushed from a moviepy sound clip, and what pushes it: the
    clip's samples at ``sample_rate``, up to the video's end or the clip's when sooner (the
    library pads the rest with silence), made ``bufsize`` samples at a time or more as the
    frames are written (``clip.get_frame`` of their times), clipped to ±1.0 as moviepy clips.
    ``keep``, an open ``wave`` file, gets the same samples as 16-bit PCM (and is closed with
    the last of them)."""
    channels = int(getattr(audio, "nchannels", 1) or 1)
    end = video_seconds
    if getattr(audio, "duration", None) is not None:
        end = min(end, _exact(audio.duration))
    total = _frame_count(end, Fraction(sample_rate))
    done = [0]

    def feed(writer: Writer, seconds: Fraction) -> None:
        want = total if seconds >= video_seconds else min(total, math.ceil(seconds * sample_rate))
        if want - done[0] < bufsize and want < total:
            return
        while done[0] < want:
            stop = min(want, done[0] + max(bufsize, sample_rate))
            times = np.arange(done[0], stop) / sample_rate
            samples = _channels_last(np.asarray(audio.get_frame(times), dtype=np.float64), len(times))
            samples = np.clip(samples.reshape(len(times), channels), -1.0, 1.0).astype(np.float32)
            writer.write_audio(samples[:, 0] if channels == 1 else samples)
            if keep is not None:
                keep.writeframes(np.round(samples * 32767).astype("<i2").tobytes())
            done[0] = stop
        if keep is not None and done[0] == total:
            keep.close()

    return {"sample_rate": sample_rate, "channels": channels}, feed


def _kept_sound(path: str, channels: int, sample_rate: int) -> Any:
    """A 16-bit WAV file open for writing (``write_videofile(remove_temp=False)``'s sound)."""
    kept = wave.open(path, "wb")
    kept.setnchannels(channels)
    kept.setsampwidth(2)
    kept.setframerate(sample_rate)
    return kept


#: Pixel formats that keep an alpha channel.
_ALPHA_FORMATS = ("yuva420p", "yuva444p10le", "bgra", "rgba")


def _pixel_settings(settings: Dict[str, Any], path: str, size: Tuple[int, int], with_mask: bool) -> bool:
    """Completes ``settings`` with the pixel format moviepy's ffmpeg command ends up with when
    none is given, and says whether frames keep their alpha channel: with a mask, an encoder
    that stores alpha (VP9, FFV1, ProRes) gets its alpha format, as moviepy asks ffmpeg for
    yuva420p for libvpx; a picture of odd width or height is stored in 4:4:4 at its own size
    (ffmpeg picks yuv444p for moviepy's RGB pipe then, where 4:2:0 would need even sizes)."""
    if settings.get("pix_fmt") is None:
        encoder = settings.get("codec") or _settings.default_encoder(path) or ""
        formats = (_settings.encoder_entry(encoder) or {}).get("pixel_formats") or []
        alpha = next((f for f in formats if f in _ALPHA_FORMATS), None)
        if with_mask and alpha is not None:
            settings["pix_fmt"] = alpha
        elif (size[0] % 2 or size[1] % 2) and "yuv444p" in formats:
            settings["pix_fmt"] = "yuv444p"
    return with_mask and str(settings.get("pix_fmt")) in _ALPHA_FORMATS


def _with_mask(frame: np.ndarray, mask: Any, alpha: bool) -> np.ndarray:
    """A frame and its mask (0-1) as moviepy's writer makes them: the mask as the alpha
    channel when it is kept, else the picture over black (what ffmpeg makes of moviepy's
    RGBA pipe for a format without alpha)."""
    opacity = np.asarray(mask, dtype=np.float64)
    if opacity.ndim == 3:  # a mask made of an RGB picture (a BitmapClip's): its first channel
        opacity = opacity[..., 0]
    opacity = np.clip(opacity, 0.0, 1.0)
    picture = frame[..., :3]
    if alpha:
        return np.dstack([picture, (255 * opacity).astype(np.uint8)])
    return (picture * opacity[..., None]).astype(np.uint8)


#: True while a clip's frames are being rendered in forked workers (see :func:`_fresh_readers`).
_rendering_in_workers = False


def _fresh_readers() -> None:
    """In a worker forked to render frames: moviepy's video file readers start ffmpeg
    processes of their own, at the frame they were at, instead of reading from the pipes of
    the parent's (which every worker would share, each taking the others' frames). The
    parent's processes are left alone: only this process's copies of their pipes are closed."""
    if not _rendering_in_workers:
        return
    reader_class = _moviepy(".video.io.ffmpeg_reader").FFMPEG_VideoReader
    for reader in [o for o in gc.get_objects() if isinstance(o, reader_class)]:
        proc, reader.proc = getattr(reader, "proc", None), None
        if proc is None:
            continue
        for pipe in (proc.stdout, proc.stderr, proc.stdin):
            if pipe is not None:
                pipe.close()
        reader.initialize(max(0, reader.pos) / reader.fps)


def _write_clip(
    clip: Any,
    filename: Any,
    fps: Any,
    settings: Dict[str, Any],
    logger: Any,
    *,
    threads: Optional[int] = None,
    write_logfile: bool = False,
    audio: Any = None,
    audio_fps: int = 44100,
    audio_bufsize: int = 2000,
    keep_sound: Optional[str] = None,
    masks: bool = True,
) -> Summary:
    """Writes a moviepy clip: round(duration × fps) frames, frame i being
    ``clip.get_frame(i / fps)`` cast as moviepy casts it (with its mask, unless ``masks`` is
    False), with ``audio`` (a moviepy sound clip, pushed as the frames go) when given, its
    samples also kept in the WAV file ``keep_sound`` when given; ``logger`` a proglog logger."""
    path = os.fspath(filename)
    rate = _rate(fps)
    count = _frame_count(_exact(clip.duration), rate)
    mask = clip.mask if masks else None
    settings = dict(settings)
    alpha = _pixel_settings(settings, path, tuple(clip.size), mask is not None) if masks else False
    feed = None
    if audio is not None:
        kept = None
        if keep_sound is not None:
            kept = _kept_sound(keep_sound, int(getattr(audio, "nchannels", 1) or 1), int(audio_fps))
        sound, feed = _sound_feed(audio, int(audio_fps), Fraction(count) / rate, int(audio_bufsize), kept)
        settings = {**sound, **settings}

    def frame_at(i: int) -> Any:
        t = float(Fraction(i) / rate)
        frame = clip.get_frame(t)
        return frame if mask is None else _with_mask(_to_uint8(frame), mask.get_frame(t), alpha)

    logger(message=f"MoviePy - Writing video {path}\n")
    global _rendering_in_workers
    _rendering_in_workers = bool(threads and int(threads) > 1)
    try:
        summary = _codec_checked(
            _writing.write, path, fps, count, frame_at, settings,
            indices=lambda r: logger.iter_bar(frame_index=r), workers=threads, feed=feed,
        )
    finally:
        _rendering_in_workers = False
    if write_logfile:
        _writing.write_logfile(path, summary)
    logger(message="MoviePy - Done !")
    return summary


# -- moviepy's writers, on encode-native -----------------------------------------------------


def ffmpeg_write_video(
    clip: Any,
    filename: Any,
    fps: Any,
    codec: Optional[str] = "libx264",
    bitrate: Optional[str] = None,
    preset: Optional[str] = "medium",
    write_logfile: bool = False,
    audiofile: Any = None,
    audio_codec: Optional[str] = None,
    threads: Optional[int] = None,
    ffmpeg_params: Optional[Sequence[Any]] = None,
    logger: Any = "bar",
    pixel_format: Optional[str] = None,
) -> Summary:
    """moviepy's ``ffmpeg_write_video`` (same arguments) on encode-native, in-process:
    round(duration × fps) frames, frame i made at t = i / fps; ``audiofile`` (a sound file)
    read and muxed by the library; ``threads`` > 1 renders frames in that many processes.
    A clip's mask is its alpha channel where the format keeps one (VP9, FFV1, ProRes), else
    the picture is over black. Returns the summary."""
    path = os.fspath(filename)
    settings = _writing.video_settings(
        path, tuple(clip.size), _rate(fps), codec, bitrate, preset, threads, pixel_format, ffmpeg_params
    )
    if audiofile is not None:
        settings["audio"] = os.fspath(audiofile)
        settings.update(_writing.audio_codec_settings(audio_codec, None))
    return _write_clip(clip, path, fps, settings, _logger(logger), threads=threads, write_logfile=write_logfile)


class FFMPEG_VideoWriter:
    """moviepy's ``FFMPEG_VideoWriter`` (same arguments) on encode-native, in-process:
    ``write_frame(array)`` each frame (cast to uint8 as moviepy's writer does), ``close()``
    (or a ``with`` block). ``audiofile`` is read and muxed by the library. With
    ``with_mask``, RGBA frames keep their alpha where the format does (VP9, FFV1, ProRes),
    else the picture is put over black. ``logfile`` has no effect."""

    def __init__(
        self,
        filename: Any,
        size: Tuple[int, int],
        fps: Any,
        codec: Optional[str] = "libx264",
        audiofile: Any = None,
        audio_codec: Optional[str] = None,
        preset: Optional[str] = "medium",
        bitrate: Optional[str] = None,
        with_mask: bool = False,
        logfile: Any = None,
        threads: Optional[int] = None,
        ffmpeg_params: Optional[Sequence[Any]] = None,
        pixel_format: Optional[str] = None,
    ) -> None:
        self.filename = os.fspath(filename)
        self.codec = codec
        self.audio_codec = audio_codec
        self.ext = self.filename.split(".")[-1]
        settings = _writing.video_settings(
            self.filename, (int(size[0]), int(size[1])), _rate(fps), codec, bitrate, preset, threads,
            pixel_format, ffmpeg_params,
        )
        if audiofile is not None:
            settings["audio"] = os.fspath(audiofile)
            settings.update(_writing.audio_codec_settings(audio_codec, None))
        self.with_mask = with_mask
        self.alpha = _pixel_settings(settings, self.filename, (int(size[0]), int(size[1])), with_mask)
        self.writer: Optional[Writer] = _codec_checked(Writer, self.filename, fps, **settings)
        self.summary: Optional[Summary] = None

    def write_frame(self, img_array: Any) -> None:
        """Writes one frame."""
        if self.writer is None:
            raise ValueError(f"FFMPEG_VideoWriter: {self.filename} is closed")
        frame = _to_uint8(img_array)
        if self.with_mask and frame.ndim == 3 and frame.shape[2] == 4:
            frame = _with_mask(frame, frame[..., 3] / 255, self.alpha)
        self.writer.write(frame)

    def close(self) -> None:
        """Finishes the file (a writer given no frame makes none)."""
        if self.writer is not None:
            writer, self.writer = self.writer, None
            self.summary = writer.close()

    def __enter__(self) -> "FFMPEG_VideoWriter":
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, traceback: Any) -> None:
        if self.writer is not None and exc_type is not None:
            self.writer.__exit__(exc_type, exc_value, traceback)
            self.writer = None
        self.close()


def write_gif_with_imageio(clip: Any, filename: Any, fps: Any = None, loop: int = 0, logger: Any = "bar") -> Summary:
    """moviepy's GIF writer on encode-native's GIF encoder (palettes made per scene):
    round(duration × fps) frames; ``loop`` as moviepy's (0, the default, forever; n, the
    count stored in the GIF's loop block, as Pillow stores it). A mask is left out, as
    moviepy leaves it out."""
    fps = fps if fps is not None else clip.fps
    summary = _write_clip(clip, filename, fps, {"format": "gif"}, _logger(logger), masks=False)
    if loop:
        _set_gif_loop(os.fspath(filename), int(loop))
    return summary


def _set_gif_loop(path: str, loop: int) -> None:
    """Sets the repeat count of a GIF's NETSCAPE2.0 loop block (0: forever)."""
    if not 0 <= loop <= 0xFFFF:
        raise ValueError(f"write_gif: loop={loop}: a GIF's repeat count is 0 (forever) to 65535")
    with open(path, "r+b") as f:
        data = f.read()
        block = b"NETSCAPE2.0\x03\x01"
        at = data.find(block)
        if at < 0:
            raise ValueError(f"write_gif: {path} has no loop block to set loop={loop} in")
        f.seek(at + len(block))
        f.write(loop.to_bytes(2, "little"))


def _write_videofile(
    self: Any,
    filename: Any,
    fps: Any = None,
    codec: Optional[str] = None,
    bitrate: Optional[str] = None,
    audio: Any = True,
    audio_fps: int = 44100,
    preset: str = "medium",
    audio_nbytes: int = 4,
    audio_codec: Optional[str] = None,
    audio_bitrate: Optional[str] = None,
    audio_bufsize: int = 2000,
    temp_audiofile: Any = None,
    temp_audiofile_path: Any = "",
    remove_temp: bool = True,
    write_logfile: bool = False,
    threads: Optional[int] = None,
    ffmpeg_params: Optional[Sequence[Any]] = None,
    logger: Any = "bar",
    pixel_format: Optional[str] = None,
) -> Summary:
    path = os.fspath(filename)
    ext = os.path.splitext(os.path.basename(path))[1][1:].lower()
    if codec is None:
        try:
            codec = _moviepy(".tools").extensions_dict[ext]["codec"][0]
        except KeyError:
            raise ValueError(
                "MoviePy couldn't find the codec associated with the filename. Provide the "
                "'codec' parameter in write_videofile."
            ) from None
    log = _logger(logger)
    settings = _writing.video_settings(
        path, tuple(self.size), _rate(fps), codec, bitrate, preset, threads, pixel_format, ffmpeg_params
    )
    sound = None
    if isinstance(audio, (str, os.PathLike)):
        settings["audio"] = os.fspath(audio)
    elif audio is True and self.audio is not None:
        sound = self.audio
    if sound is not None or "audio" in settings:
        settings.update(_writing.audio_codec_settings(audio_codec, audio_bitrate))
    keep_sound = None
    if sound is not None and not remove_temp:
        # moviepy's temporary sound file, asked to be kept: the pushed samples as a WAV, named
        # as moviepy names it (with .wav for its extension).
        if temp_audiofile:
            keep_sound = os.path.splitext(os.fspath(temp_audiofile))[0] + ".wav"
        else:
            name = os.path.splitext(os.path.basename(path))[0]
            keep_sound = os.path.join(os.fspath(temp_audiofile_path), name + "TEMP_MPY_wvf_snd.wav")
    log(message=f"MoviePy - Building video {path}.")
    summary = _write_clip(
        self, path, fps, settings, log, threads=threads, write_logfile=write_logfile,
        audio=sound, audio_fps=audio_fps, audio_bufsize=audio_bufsize, keep_sound=keep_sound,
    )
    log(message=f"MoviePy - video ready {path}")
    return summary


_WRITE_VIDEOFILE_NOTE = """
        encode-native: written in-process (no ffmpeg process, no temporary sound file): exactly
        round(duration × fps) frames, frame i made at t = i / fps, the clip's soundtrack
        pushed into the same writer as the frames go; ``threads`` > 1 also renders the frames
        in that many processes; ``remove_temp=False`` keeps the soundtrack as a WAV named as
        moviepy's temporary file (``temp_audiofile``, with .wav, or in ``temp_audiofile_path``).
        Returns encode-native's summary.
"""

_installed = False


def install(prefix: str) -> None:
    """Puts encode-native's writer in the installed moviepy (``ffmpeg_write_video``,
    ``FFMPEG_VideoWriter``, the GIF writer, ``VideoClip.write_videofile``), in moviepy's own
    modules, so it is used everywhere in the process, and makes ``prefix.X.Y`` resolve to
    ``moviepy.X.Y``. Idempotent."""
    global _installed
    if _installed:
        return
    decorators = _moviepy(".decorators")
    ffmpeg_writer = _moviepy(".video.io.ffmpeg_writer")
    gif_writers = _moviepy(".video.io.gif_writers")
    video_clip = _moviepy(".video.VideoClip")
    gif = decorators.requires_duration(decorators.use_clip_fps_by_default(write_gif_with_imageio))
    ffmpeg_writer.ffmpeg_write_video = ffmpeg_write_video
    ffmpeg_writer.FFMPEG_VideoWriter = FFMPEG_VideoWriter
    gif_writers.write_gif_with_imageio = gif
    video_clip.ffmpeg_write_video = ffmpeg_write_video
    video_clip.write_gif_with_imageio = gif

    original = video_clip.VideoClip.write_videofile
    write = _write_videofile
    write.__doc__ = (original.__doc__ or "") + _WRITE_VIDEOFILE_NOTE
    write.__name__ = write.__qualname__ = "write_videofile"
    # moviepy's decorators, in its order (the first applied is the innermost).
    write = decorators.convert_path_to_string(["filename", "temp_audiofile", "temp_audiofile_path"])(write)
    write = decorators.convert_masks_to_RGB(write)
    write = decorators.use_clip_fps_by_default(write)
    write = decorators.requires_duration(write)
    video_clip.VideoClip.write_videofile = write
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_fresh_readers)
    sys.meta_path.insert(0, _Alias(prefix))
    _installed = True
