"""Exact times and frame counts, images as frames, and ``Clip``: what every clip shares."""

from __future__ import annotations

import copy as _copy
import math
from fractions import Fraction
from typing import Any, List, Optional, Tuple, Union

import numpy as np

from ... import _settings
from ._refusals import _EDITING_METHODS, _editing

Number = Union[int, float, Fraction]
TimeArg = Union[Number, str, Tuple[Number, ...], List[Number]]



def _exact(value: Any) -> Fraction:
    """A number of seconds or frames per second exactly as written: 3.33 is 333/100."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    return Fraction(repr(float(value)))


def _seconds(t: Any) -> Any:
    """moviepy's times: seconds, (min, sec), (hour, min, sec), or "01:03:05.35"."""
    if isinstance(t, str):
        parts = [float(p.replace(",", ".")) for p in t.strip().split(":")]
        t = tuple(parts)
    if isinstance(t, (tuple, list)):
        total = 0.0
        for part in t:
            total = total * 60 + float(part)
        return total
    return t


def _rate(fps: Any) -> Fraction:
    """A frame rate as the library reads it exactly (29.97 is 30000/1001)."""
    return _settings.fps_value(_settings.fps_text(fps))


def _frame_count(duration: Fraction, rate: Fraction) -> int:
    """round(duration × fps), halves up: the frames of a clip, the last one included."""
    return max(0, math.floor(duration * rate + Fraction(1, 2)))


def _plain(value: Fraction) -> Number:
    """A rate or a duration for users: an int when whole, else a float."""
    return int(value) if value.denominator == 1 else float(value)


def _to_uint8(frame: Any) -> np.ndarray:
    """A frame as moviepy's writer makes it: ``frame.astype("uint8")`` when it is not uint8."""
    array = np.asarray(frame)
    if array.dtype != np.uint8:
        array = array.astype("uint8")
    return array


def _read_image(path: str) -> np.ndarray:
    """An image file as an array, as moviepy reads it (imageio, or Pillow without it)."""
    try:
        import imageio.v2 as imageio
    except ImportError:
        from PIL import Image

        with Image.open(path) as im:
            return np.asarray(im)
    return np.asarray(imageio.imread(path))


def _rgb(image: np.ndarray) -> np.ndarray:
    """The picture without its alpha channel, as moviepy keeps it (``image[:, :, :3]``)."""
    return image[:, :, :3] if image.ndim == 3 and image.shape[2] == 4 else image


# -- clips -----------------------------------------------------------------------------------


class Clip:
    """What video and audio clips share: a duration, ``with_duration``/``set_duration``,
    ``subclipped``/``subclip``, ``copy``, ``close`` and ``with`` blocks."""

    def __init__(self) -> None:
        self.start: Number = 0
        self._duration: Optional[Fraction] = None
        self.memoize = False

    # The duration and end are one thing here (clips start at 0: there is no timeline).
    @property
    def duration(self) -> Optional[Number]:
        """Seconds, or None when not set."""
        return None if self._duration is None else _plain(self._duration)

    @duration.setter
    def duration(self, value: Any) -> None:
        self._duration = None if value is None else _exact(_seconds(value))

    @property
    def end(self) -> Optional[Number]:
        """The end of the clip in seconds: its duration (every clip here starts at 0)."""
        return self.duration

    @end.setter
    def end(self, value: Any) -> None:
        self.duration = value

    def copy(self) -> Any:
        """A shallow copy, as moviepy's ``with_*`` methods return."""
        return _copy.copy(self)

    def with_duration(self, duration: Any, change_end: bool = True) -> Any:
        """A copy lasting ``duration`` seconds (a function clip is made for t below it)."""
        if not change_end:
            raise _editing("with_duration(change_end=False) (moving a clip's start)")
        clip = self.copy()
        clip.duration = duration
        return clip

    set_duration = with_duration

    def subclipped(self, start_time: Any = 0, end_time: Any = None) -> Any:
        """The part from ``start_time`` to ``end_time`` (None: the end; negative: from the
        end), as a clip starting at 0."""
        start = _exact(_seconds(start_time))
        end: Optional[Fraction] = None if end_time is None else _exact(_seconds(end_time))
        if start < 0 or (end is not None and end < 0):
            if self._duration is None:
                raise ValueError("subclipped: a time from the end needs the clip's duration")
            start = start + self._duration if start < 0 else start
            end = end + self._duration if end is not None and end < 0 else end
        if end is None:
            end = self._duration
        elif self._duration is not None and end > self._duration:
            raise ValueError(f"subclipped: end_time {float(end)} s is after the clip's end ({float(self._duration)} s)")
        if end is not None and end < start:
            raise ValueError(f"subclipped: end_time {float(end)} s is before start_time {float(start)} s")
        return self._subclip(start, end)

    def subclip(self, t_start: Any = 0, t_end: Any = None) -> Any:
        """moviepy 1's name of :meth:`subclipped`."""
        return self.subclipped(t_start, t_end)

    def _subclip(self, start: Fraction, end: Optional[Fraction]) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release (no reader process): there for moviepy's programs."""

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        what = _EDITING_METHODS.get(name)
        if what is not None:
            raise _editing(f"clip.{name} ({what})")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


