"""Sound clips: ``AudioClip`` (a function of time), ``AudioArrayClip`` and ``AudioFileClip``."""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from ... import Writer
from ._clip import Clip, Number, _exact, _frame_count, _plain, _seconds
from ._refusals import _editing


class AudioClip(Clip):
    """A sound made by a function of time: moviepy's ``AudioClip(frame_function, duration,
    fps)`` (moviepy 1: ``make_frame``). The function takes an array of times in seconds
    and returns the samples at them, ``(n,)`` or ``(n, channels)``, or a list of one array
    per channel (``lambda t: [np.sin(440 * 2 * np.pi * t)]``), at full scale ±1.0
    (clipped to it, as moviepy clips). When written, it is sampled at ``write_videofile``'s
    ``audio_fps`` (or its own ``fps``) over its duration (the video's when it has none)."""

    def __init__(
        self,
        frame_function: Optional[Callable[[Any], Any]] = None,
        duration: Any = None,
        fps: Optional[int] = None,
        *,
        make_frame: Optional[Callable[[Any], Any]] = None,
    ) -> None:
        super().__init__()
        self.frame_function = frame_function or make_frame
        self.fps = fps
        self.duration = duration
        self.nchannels = 1
        if self.frame_function is not None:
            # As moviepy counts them: the length of the frame at t = 0 when it is a list.
            first = self.frame_function(0)
            self.nchannels = len(list(first)) if hasattr(first, "__iter__") else 1

    def get_frame(self, t: Any) -> Any:
        """The samples at the time(s) ``t``."""
        if self.frame_function is None:
            raise ValueError("this audio clip has no frame function")
        return self.frame_function(t)

    def _subclip(self, start: Fraction, end: Optional[Fraction]) -> "AudioClip":
        function = self.frame_function
        if function is None:
            raise ValueError("this audio clip has no frame function")
        offset = float(start)
        clip = self.copy()
        clip.frame_function = lambda t: function(np.asarray(t) + offset)
        clip._duration = None if end is None else end - start
        return clip

    def to_soundarray(self, fps: Optional[int] = None, duration: Optional[Fraction] = None) -> np.ndarray:
        """The samples, ``(n, channels)`` float32 in ±1.0, at ``fps`` (the clip's by default)."""
        rate = int(fps or self.fps or 44100)
        seconds = duration if self._duration is None else self._duration
        if seconds is None:
            raise ValueError("this audio clip has no duration (AudioClip(f, duration=...))")
        count = _frame_count(seconds, Fraction(rate))
        chunks = []
        for begin in range(0, count, rate):
            t = np.arange(begin, min(count, begin + rate)) / rate
            chunk = _channels_last(np.asarray(self.get_frame(t), dtype=np.float64), len(t))
            chunks.append(np.clip(chunk, -1.0, 1.0).astype(np.float32))
        samples = np.concatenate(chunks) if chunks else np.zeros((0, self.nchannels), np.float32)
        return samples.reshape(len(samples), -1)

    def _settings(self, audio_fps: int, video_seconds: Fraction) -> Dict[str, Any]:
        rate = int(self.fps or audio_fps)
        return {"audio": self.to_soundarray(rate, video_seconds), "sample_rate": rate}


def _channels_last(samples: np.ndarray, count: int) -> np.ndarray:
    """Samples at ``count`` times as ``(count,)`` or ``(count, channels)``: moviepy's idiom of a
    list with one value per channel (``lambda t: [np.sin(440 * 2 * np.pi * t)]``) gives
    ``(channels, count)``, turned here."""
    if samples.ndim == 2 and samples.shape[0] != count and samples.shape[1] == count:
        return samples.T
    return samples


class AudioArrayClip(AudioClip):
    """A sound of samples in memory: moviepy's ``AudioArrayClip(array, fps)``, ``array``
    ``(n,)`` or ``(n, channels)`` at full scale ±1.0 (float) or int16/int32, written at its own
    rate ``fps`` as it is."""

    def __init__(self, array: Any, fps: int) -> None:
        samples = np.asarray(array)
        super().__init__(None, duration=Fraction(len(samples), int(fps)), fps=int(fps))
        self.array = samples
        self.nchannels = int(samples.shape[1]) if samples.ndim == 2 else 1
        rate = int(fps)

        def frame_function(t: Any) -> Any:
            index = np.clip(np.round(np.asarray(t) * rate).astype(int), 0, len(samples) - 1)
            return samples[index]

        self.frame_function = frame_function

    def _settings(self, audio_fps: int, video_seconds: Fraction) -> Dict[str, Any]:
        return {"audio": self.array, "sample_rate": int(self.fps or audio_fps)}


class _Discard:
    """A sink that keeps nothing (for reading a sound file's length through the library)."""

    def write(self, data: bytes) -> int:
        return len(data)


class AudioFileClip(AudioClip):
    """A sound file (wav, mp3, m4a, flac, ogg, or a video's sound): moviepy's
    ``AudioFileClip(filename)``, given to ``with_audio``. It is read by the library while the
    video is written (converted to ``write_videofile``'s ``audio_fps``, 44100 by default as
    in moviepy). Its ``duration``, ``fps`` (sample rate) and ``nchannels`` are read from the
    file when first asked for (the library decodes it once). ``subclipped(start, end)``
    skips the first ``start`` seconds; a piece that ends before the file and before the video
    raises ``NotImplementedError`` (the library cuts a soundtrack only at the video's end)."""

    def __init__(
        self,
        filename: Any,
        decode_file: bool = False,
        buffersize: int = 200000,
        nbytes: int = 2,
        fps: int = 44100,
    ) -> None:
        Clip.__init__(self)
        self.filename = os.fspath(filename)
        if not os.path.exists(self.filename):
            raise OSError(f"AudioFileClip: no file {self.filename!r}")
        self.frame_function = None
        self._offset = Fraction(0)
        self._probed: Optional[Tuple[Fraction, int, int]] = None

    def _probe(self) -> Tuple[Fraction, int, int]:
        if self._probed is None:
            w = Writer(_Discard(), 1000, format="mkv", audio=self.filename, audio_codec="pcm_s16le",
                       audio_length="longest")
            w.write(np.zeros((2, 2, 3), np.uint8))
            summary = w.close()
            assert summary is not None and summary.audio is not None
            sound = summary.audio
            self._probed = (Fraction(sound.samples, sound.sample_rate), sound.sample_rate, sound.channels)
        return self._probed

    @property
    def duration(self) -> Optional[Number]:
        """Seconds (read from the file the first time)."""
        if self._duration is None:
            self._duration = self._probe()[0] - self._offset
        return _plain(self._duration)

    @duration.setter
    def duration(self, value: Any) -> None:
        self._duration = None if value is None else _exact(_seconds(value))

    @property
    def fps(self) -> int:
        """The file's sample rate."""
        return self._probe()[1]

    @fps.setter
    def fps(self, value: Any) -> None:
        pass

    @property
    def nchannels(self) -> int:
        """The file's channels."""
        return self._probe()[2]

    @nchannels.setter
    def nchannels(self, value: Any) -> None:
        pass

    def get_frame(self, t: Any) -> Any:
        raise _editing("AudioFileClip.get_frame (reading sound samples)")

    def to_soundarray(self, fps: Optional[int] = None, duration: Optional[Fraction] = None) -> np.ndarray:
        raise _editing("AudioFileClip.to_soundarray (reading sound samples)")

    def _subclip(self, start: Fraction, end: Optional[Fraction]) -> "AudioFileClip":
        clip = self.copy()
        clip._offset = self._offset + start
        clip._duration = None if end is None else end - start
        return clip

    def _settings(self, audio_fps: int, video_seconds: Fraction) -> Dict[str, Any]:
        settings: Dict[str, Any] = {"audio": self.filename, "sample_rate": int(audio_fps)}
        if self._offset:
            settings["audio_offset"] = repr(-float(self._offset))
        if self._duration is not None and self._duration < video_seconds:
            left = self._probe()[0] - self._offset
            if left > self._duration + Fraction(1, 1000):
                raise _editing(
                    "a sound cut to end before the video and before its file (cutting sound: "
                    "give the whole file, or a piece that lasts as long as the video)"
                )
        return settings

