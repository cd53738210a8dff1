"""Audio samples as the native writer takes them: numpy arrays of float32, int16, int32 or
float64, one channel ``(n,)``, interleaved ``(n, channels)`` or planar ``(channels, n)``."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Optional, Tuple

import numpy as np

from ._errors import FrameError

#: The sample types pushed as they are (floats at full scale ±1.0).
DTYPES = (np.dtype(np.float32), np.dtype(np.int16), np.dtype(np.int32), np.dtype(np.float64))


def as_samples(samples: Any) -> np.ndarray:
    """`samples` as a numpy array of one of :data:`DTYPES` (float16 becomes float32; a list
    of floats float64; the other byte order, as WAV readers of big-endian files give, is
    converted to this machine's). Other dtypes raise ValueError: their scale is not known."""
    array = np.asarray(samples)
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    if array.dtype in DTYPES:
        return array
    if array.dtype == np.float16:
        return array.astype(np.float32)
    raise FrameError(
        f"audio: expected samples of dtype float32, int16, int32 or float64 (floats at full "
        f"scale ±1.0), got {array.dtype}"
    )


def shape_of(array: np.ndarray, planar: bool) -> Tuple[int, int]:
    """(channels, samples per channel) of `array`: ``(n,)`` is one channel; ``(n,
    channels)`` interleaved, or ``(channels, n)`` when `planar`."""
    if array.ndim == 1:
        return 1, int(array.shape[0])
    if array.ndim == 2:
        if planar:
            return int(array.shape[0]), int(array.shape[1])
        return int(array.shape[1]), int(array.shape[0])
    want = "(n,) or (channels, n)" if planar else "(n,) or (n, channels)"
    raise FrameError(f"audio: expected samples of shape {want}, got {tuple(array.shape)}")


def soundtrack_channels(array: np.ndarray) -> int:
    """The channels of a whole soundtrack given as an array: ``(n,)`` mono or ``(n,
    channels)`` interleaved."""
    channels, _ = shape_of(array, planar=False)
    if array.ndim == 2 and channels > 8 and array.shape[0] <= 8:
        raise FrameError(
            f"audio: an array of shape {tuple(array.shape)} reads as {channels} channels; a "
            f"soundtrack is (samples, channels): give its transpose (audio.T)"
        )
    return channels


def samples_until(frames: int, fps: Fraction, sample_rate: int) -> int:
    """Samples per channel up to the end of `frames` frames at `fps`, exactly (rounded
    down)."""
    return (frames * sample_rate * fps.denominator) // fps.numerator


def channels_text(n: int) -> str:
    """``1 channel``, ``2 channels``."""
    return f"{n} channel{'' if n == 1 else 's'}"


def sample_format_name(dtype: np.dtype) -> Optional[str]:
    """The ``sample_format`` setting for samples of `dtype` (None for a type not pushed as
    is)."""
    return {"float32": "f32", "int16": "i16", "int32": "i32", "float64": "f64"}.get(
        np.dtype(dtype).name)
