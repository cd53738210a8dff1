"""Picture clips and writing them: ``VideoClip`` (a function of time), ``ImageSequenceClip``,
``ImageClip``, ``ColorClip`` and ``concatenate_videoclips``."""

from __future__ import annotations

import math
import os
from fractions import Fraction
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from ... import Summary
from . import _writing
from ._audio import AudioClip, AudioFileClip
from ._clip import (
    Clip,
    Number,
    TimeArg,
    _exact,
    _frame_count,
    _plain,
    _rate,
    _read_image,
    _rgb,
    _seconds,
    _to_uint8,
)
from ._refusals import _editing


class VideoClip(Clip):
    """A clip whose frame at time t is ``frame_function(t)``: moviepy's ``VideoClip``.

    ``VideoClip(make_frame, duration=5)``: moviepy 2 calls the function ``frame_function``,
    moviepy 1 ``make_frame``; either keyword, or positional. It returns an (H, W, 3) array of
    numbers in 0-255 (any dtype: see the module's note on pixels), (H, W, 4) (the alpha is
    dropped) or (H, W) grey. The size is that of the frame at t = 0, as in moviepy.
    """

    def __init__(
        self,
        frame_function: Optional[Callable[[float], Any]] = None,
        is_mask: bool = False,
        duration: Any = None,
        has_constant_size: bool = True,
        *,
        make_frame: Optional[Callable[[float], Any]] = None,
        ismask: Optional[bool] = None,
    ) -> None:
        super().__init__()
        if frame_function is not None and make_frame is not None:
            raise TypeError("VideoClip: give frame_function (moviepy 2) or make_frame (moviepy 1), not both")
        if is_mask or ismask:
            raise _editing("VideoClip(is_mask=True) (masks)")
        self.frame_function: Optional[Callable[[float], Any]] = frame_function or make_frame
        self.fps: Optional[Number] = None
        self.audio: Optional[Any] = None
        self.mask = None
        self.is_mask = False
        self.has_constant_size = has_constant_size
        self.size: Tuple[int, int] = (0, 0)
        if self.frame_function is not None:
            self.size = self._size_of(self.get_frame(0))
        self.duration = duration

    @staticmethod
    def _size_of(frame: Any) -> Tuple[int, int]:
        shape = np.shape(frame)
        if len(shape) < 2:
            raise ValueError(f"a frame must be an (H, W, 3), (H, W, 4) or (H, W) array, got shape {tuple(shape)}")
        return (int(shape[1]), int(shape[0]))

    # moviepy 1 calls the function make_frame.
    @property
    def make_frame(self) -> Optional[Callable[[float], Any]]:
        """moviepy 1's name of ``frame_function``."""
        return self.frame_function

    @make_frame.setter
    def make_frame(self, function: Optional[Callable[[float], Any]]) -> None:
        self.frame_function = function

    @property
    def w(self) -> int:
        """The width in pixels."""
        return self.size[0]

    @property
    def h(self) -> int:
        """The height in pixels."""
        return self.size[1]

    @property
    def aspect_ratio(self) -> float:
        """Width / height."""
        return self.w / float(self.h)

    @property
    def n_frames(self) -> int:
        """The frames the clip has at its ``fps``: round(duration × fps)."""
        return _frame_count(self._need_duration("n_frames"), _rate(self._need_fps(None, "n_frames")))

    def get_frame(self, t: TimeArg) -> Any:
        """The frame at time ``t`` (seconds, (min, sec), (h, min, sec) or "h:m:s"), as the
        frame function returns it."""
        if self.frame_function is None:
            raise ValueError("this clip has no frame function (VideoClip(frame_function, duration=...))")
        return self.frame_function(_seconds(t))

    # -- settings ------------------------------------------------------------------------

    def with_fps(self, fps: Any, change_duration: bool = False) -> "VideoClip":
        """A copy whose frame rate is ``fps`` (29.97 is 30000/1001)."""
        if change_duration:
            raise _editing("with_fps(change_duration=True) (changing the speed)")
        _rate(fps)  # checked now
        clip = self.copy()
        clip.fps = fps
        return clip

    set_fps = with_fps

    def with_audio(self, audioclip: Optional["AudioClip"]) -> "VideoClip":
        """A copy with the soundtrack ``audioclip``: an :class:`AudioFileClip` (a file),
        :class:`AudioClip` (a function of time) or :class:`AudioArrayClip` (samples)."""
        if audioclip is not None and not isinstance(audioclip, AudioClip):
            raise TypeError(
                f"with_audio takes an AudioFileClip, AudioClip or AudioArrayClip, got {type(audioclip).__name__}"
            )
        clip = self.copy()
        clip.audio = audioclip
        return clip

    set_audio = with_audio

    def without_audio(self) -> "VideoClip":
        """A copy without a soundtrack."""
        return self.with_audio(None)

    def _subclip(self, start: Fraction, end: Optional[Fraction]) -> "VideoClip":
        if self.audio is not None:
            raise _editing("subclipped of a clip with sound (cutting sound)")
        function = self.frame_function
        if function is None:
            raise ValueError("this clip has no frame function")
        offset = float(start)
        clip = self.copy()
        clip.frame_function = (lambda t: function(_seconds(t) + offset)) if start else function
        clip._duration = None if end is None else end - start
        return clip

    # -- frames ----------------------------------------------------------------------------

    def _need_duration(self, what: str) -> Fraction:
        if self._duration is None:
            raise ValueError(
                f"{what}: the clip has no duration; give one (VideoClip(f, duration=5) or clip.with_duration(5))"
            )
        return self._duration

    def _need_fps(self, fps: Any, what: str) -> Any:
        fps = self.fps if fps is None else fps
        if fps is None:
            raise ValueError(f"{what}: no frame rate; give fps=... or set it with clip.with_fps(...)")
        return fps

    def _frame_times(self, rate: Fraction) -> Iterator[float]:
        """t = i / fps for each frame: round(duration × fps) of them."""
        for i in range(_frame_count(self._need_duration("writing"), rate)):
            yield float(Fraction(i) / rate)

    def iter_frames(
        self, fps: Any = None, with_times: bool = False, logger: Any = None, dtype: Any = None
    ) -> Iterator[Any]:
        """Every frame at ``fps`` (the clip's by default): round(duration × fps) of them, frame i
        at t = i / fps; cast to ``dtype`` when given; ``(t, frame)`` with ``with_times``."""
        rate = _rate(self._need_fps(fps, "iter_frames"))
        for t in self._frame_times(rate):
            frame = self.get_frame(t)
            if dtype is not None and np.asarray(frame).dtype != np.dtype(dtype):
                frame = np.asarray(frame).astype(dtype)
            yield (t, frame) if with_times else frame

    def save_frame(self, filename: Any, t: TimeArg = 0, with_mask: bool = True) -> None:
        """Saves the frame at ``t`` as an image (with Pillow)."""
        from PIL import Image

        Image.fromarray(_to_uint8(self.get_frame(t))).save(os.fspath(filename))

    # -- writing ---------------------------------------------------------------------------

    def write_videofile(
        self,
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
        *,
        verbose: Any = None,
        rewrite_audio: Any = None,
        progress_bar: Any = None,
    ) -> Summary:
        """Writes the clip to a video file, as moviepy's ``write_videofile`` (same arguments,
        in the same order), in-process; returns the :class:`encode_native.Summary` (moviepy
        returns None).

        The frames: round(duration × fps) of them (see the module's note). The arguments
        become encode-native's settings:

        - ``fps``: the frame rate (the clip's by default), exact.
        - ``codec``: the encoder (``libx264``, ``mpeg4``, ``libx265``, ``libvpx-vp9``,
          ``prores_ks``, ...; moviepy's ``libvpx`` is written as VP9 and ``png``/``rawvideo``
          as lossless FFV1); by default the container's (libx264 for MP4, MKV and MOV, as
          in moviepy; VP9 for WebM).
        - ``bitrate``: the video's bitrate (``"5000k"``).
        - ``audio``: True for the clip's soundtrack, False for none, or a sound file's path.
        - ``audio_fps``: the soundtrack's sample rate (44100 by default, as moviepy: a file's
          sound is converted to it); the samples of an :class:`AudioArrayClip` keep theirs.
        - ``audio_codec``: ``aac`` (the default for MP4, MOV and MKV; moviepy's default,
          libmp3lame, is taken too), ``libopus``, ``flac``, ``pcm_s16le`` (moviepy's
          ``raw16``), ``pcm_f32le``, ...; ``audio_bitrate``: ``"192k"``.
        - ``preset``: x264's and x265's preset (a named preset is left out for an encoder
          without them, as ffmpeg ignores it there).
        - ``threads``: the encoder's threads; more than 1 also renders the frames in that
          many processes (forked: the frame function must depend on t alone).
        - ``ffmpeg_params``: ffmpeg's flags (``["-crf", "18", "-tune", "animation"]``), by
          the library's translator of ffmpeg's flags: one without an equivalent raises
          ``ValueError`` naming it.
        - ``logger``: ``"bar"`` (the default) shows a progress bar; None shows nothing (a
          proglog logger object: nothing).
        - ``pixel_format``: the pixel format stored (``yuv444p``, ...; moviepy ignores it).
        - ``write_logfile``: writes ``<filename>.log`` with what was written (the summary).
        - ``audio_nbytes``, ``audio_bufsize``, ``temp_audiofile``, ``temp_audiofile_path``,
          ``remove_temp``, and moviepy 1's ``verbose``, ``rewrite_audio``, ``progress_bar``:
          no effect (there is no temporary sound file and no ffmpeg process).
        """
        if self.frame_function is None:
            raise ValueError("this clip has no frame function (VideoClip(frame_function, duration=...))")
        fps = self._need_fps(fps, "write_videofile")
        rate = _rate(fps)
        path = os.fspath(filename)
        settings = _writing.video_settings(
            path, self.size, rate, codec, bitrate, preset, threads, pixel_format, ffmpeg_params
        )
        settings.update(self._audio_settings(audio, audio_fps, audio_codec, audio_bitrate, rate))
        summary = self._write(path, fps, rate, logger, settings, threads)
        if write_logfile:
            _writing.write_logfile(path, summary)
        return summary

    def write_gif(
        self,
        filename: Any,
        fps: Any = None,
        loop: int = 0,
        logger: Any = "bar",
        *,
        program: Any = None,
        opt: Any = None,
        fuzz: Any = None,
        verbose: Any = None,
        dispose: Any = None,
        colors: Optional[int] = None,
        tempfiles: Any = None,
        pixel_format: Any = None,
    ) -> Summary:
        """Writes the clip as an animated GIF (encode-native's GIF encoder, palettes made
        per scene), round(duration × fps) frames; returns the summary. ``colors`` (moviepy
        1) is the palette's size. The GIF loops forever (``loop=0``, moviepy's default);
        another ``loop`` raises ``ValueError``. ``program``, ``opt``, ``fuzz``, ``verbose``,
        ``dispose``, ``tempfiles``, ``pixel_format``: no effect."""
        if loop not in (0, None):
            raise ValueError(f"write_gif: loop={loop!r}: encode-native's GIFs loop forever (loop=0)")
        fps = self._need_fps(fps, "write_gif")
        settings: Dict[str, Any] = {"format": "gif"}
        if colors is not None:
            settings["colors"] = colors
        return self._write(os.fspath(filename), fps, _rate(fps), logger, settings)

    def _audio_settings(
        self, audio: Any, audio_fps: int, audio_codec: Optional[str], audio_bitrate: Optional[str],
        rate: Fraction,
    ) -> Dict[str, Any]:
        if audio is False or audio is None:
            return {}
        source: Optional[AudioClip]
        if isinstance(audio, (str, os.PathLike)):
            source = AudioFileClip(audio)
        elif audio is True:
            source = self.audio
        elif isinstance(audio, AudioClip):
            source = audio
        else:
            raise TypeError(f"write_videofile: audio must be True, False or a sound file's path, got {audio!r}")
        if source is None:
            return {}
        video_seconds = Fraction(_frame_count(self._need_duration("writing"), rate)) / rate
        settings = source._settings(int(audio_fps), video_seconds)
        settings.update(_writing.audio_codec_settings(audio_codec, audio_bitrate))
        return settings

    def _write(
        self, path: str, fps: Any, rate: Fraction, logger: Any, settings: Dict[str, Any],
        threads: Optional[int] = None,
    ) -> Summary:
        total = _frame_count(self._need_duration("writing"), rate)
        if total == 0:
            raise ValueError(f"the clip of {self.duration} s has no frame at {fps} fps")

        def frame_at(i: int) -> Any:
            return self.get_frame(float(Fraction(i) / rate))

        progress = True if logger == "bar" else None
        return _writing.write(path, fps, total, frame_at, settings, progress=progress, workers=threads)


class ImageSequenceClip(VideoClip):
    """A clip of images shown one after the other: moviepy's ``ImageSequenceClip``.

    ``sequence`` is a folder (its files in sorted order, as moviepy takes them), a list of
    image paths, or a list of arrays (uint8 RGB, RGBA: the alpha is dropped; grey too).
    Give ``fps`` (each image lasts 1/fps) or ``durations`` (a list of seconds, one per
    image). With ``durations``, the clip's ``fps`` is the lowest rate at which every image
    lasts its duration exactly (4 for [0.5, 0.25, 0.25, 1]: 8 frames), up to 120 fps
    (beyond, moviepy's len(images) / total duration); moviepy 2.2.1 uses len / total (2 for
    that list: 4 frames) and so leaves out the image of 0.25 s that starts between frames.
    Files are read when their frame is written (``load_images=True`` reads them all first).
    """

    def __init__(
        self,
        sequence: Any,
        fps: Any = None,
        durations: Optional[Sequence[Any]] = None,
        with_mask: bool = True,
        is_mask: bool = False,
        load_images: bool = False,
        *,
        ismask: Optional[bool] = None,
    ) -> None:
        if fps is None and durations is None:
            raise ValueError("Please provide either 'fps' or 'durations'.")
        if is_mask or ismask:
            raise _editing("ImageSequenceClip(is_mask=True) (masks)")
        if isinstance(sequence, (str, os.PathLike)):
            folder = os.fspath(sequence)
            sequence = sorted(os.path.join(folder, name) for name in os.listdir(folder))
        items: List[Any] = [os.fspath(s) if isinstance(s, os.PathLike) else s for s in sequence]
        if not items:
            raise ValueError("ImageSequenceClip: the sequence has no image")
        if load_images:
            items = [_read_image(s) if isinstance(s, str) else s for s in items]
        self._images = items
        self._last: Tuple[int, Any] = (-1, None)
        if fps is not None:
            frame_rate = _rate(fps)
            lengths = [1 / frame_rate] * len(items)
        else:
            assert durations is not None
            if len(durations) != len(items):
                raise ValueError(f"ImageSequenceClip: {len(durations)} durations for {len(items)} images")
            lengths = [_exact(_seconds(d)) for d in durations]
            if any(d < 0 for d in lengths) or not sum(lengths, Fraction(0)):
                raise ValueError("ImageSequenceClip: durations must be 0 or more, and not all 0")
            frame_rate = Fraction(math.lcm(*(d.denominator for d in lengths)))
            if frame_rate > 120:
                frame_rate = Fraction(len(items)) / sum(lengths, Fraction(0))
        starts = [Fraction(0)]
        for d in lengths[:-1]:
            starts.append(starts[-1] + d)
        self._starts = [float(s) for s in starts]
        self.durations = [_plain(d) for d in lengths]
        super().__init__(self._frame_at, duration=sum(lengths, Fraction(0)))
        self.fps = fps if fps is not None else _plain(frame_rate)
        self.sequence = items

    def _index(self, t: float) -> int:
        # The last image that has started by t (a nanosecond's slack for t = i / fps).
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= t + 1e-9:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _frame_at(self, t: float) -> np.ndarray:
        index = self._index(float(t))
        if self._last[0] != index:
            image = self._images[index]
            array = _read_image(image) if isinstance(image, str) else np.asarray(image)
            self._last = (index, _rgb(array))
        return self._last[1]


class ImageClip(VideoClip):
    """One picture shown for ``duration`` seconds: moviepy's ``ImageClip`` (a path or an
    array; the alpha of RGBA is dropped). Give the rate when writing, or with ``with_fps``."""

    def __init__(
        self,
        img: Any,
        is_mask: bool = False,
        transparent: bool = True,
        fromalpha: bool = False,
        duration: Any = None,
        *,
        ismask: Optional[bool] = None,
    ) -> None:
        if is_mask or ismask or fromalpha:
            raise _editing("ImageClip(is_mask=True) (masks)")
        image = _read_image(os.fspath(img)) if isinstance(img, (str, os.PathLike)) else np.asarray(img)
        self.img = _rgb(image)
        picture = self.img
        super().__init__(lambda t: picture, duration=duration)


class ColorClip(ImageClip):
    """A picture of one colour, ``size`` = (width, height): moviepy's ``ColorClip``."""

    def __init__(
        self,
        size: Tuple[int, int],
        color: Any = None,
        is_mask: bool = False,
        duration: Any = None,
        *,
        col: Any = None,
        ismask: Optional[bool] = None,
    ) -> None:
        colour = color if color is not None else (col if col is not None else (0, 0, 0))
        w, h = size
        picture = np.tile(np.asarray(colour), (int(h), int(w), 1))
        super().__init__(picture, is_mask=is_mask, duration=duration, ismask=ismask)


def concatenate_videoclips(
    clips: Sequence[VideoClip],
    method: str = "chain",
    transition: Any = None,
    bg_color: Any = None,
    is_mask: bool = False,
    padding: float = 0,
    **_kwargs: Any,
) -> VideoClip:
    """Clips one after the other (moviepy's ``method="chain"``): clips of one size, without
    sound, each with its duration. Its ``fps`` is the highest of the clips' (as moviepy).
    ``method="compose"``, a ``transition``, ``padding`` and clips with sound raise
    ``NotImplementedError``: use moviepy for editing."""
    if method != "chain" or transition is not None or padding or is_mask:
        raise _editing("concatenate_videoclips with method='compose', a transition or padding")
    clips = list(clips)
    if not clips:
        raise ValueError("concatenate_videoclips: no clip")
    if any(c.audio is not None for c in clips):
        raise _editing("concatenate_videoclips of clips with sound (joining sounds)")
    durations = [c._need_duration("concatenate_videoclips") for c in clips]
    starts: List[float] = []
    total = Fraction(0)
    for d in durations:
        starts.append(float(total))
        total += d

    def frame_function(t: float) -> Any:
        k = len(starts) - 1
        while k > 0 and starts[k] > t + 1e-9:
            k -= 1
        return clips[k].get_frame(max(0.0, t - starts[k]))

    result = VideoClip(frame_function, duration=total)
    rates = [c.fps for c in clips if c.fps is not None]
    result.fps = max(rates, key=_rate) if rates else None
    return result


# -- sound -----------------------------------------------------------------------------------


