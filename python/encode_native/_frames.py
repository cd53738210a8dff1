"""Frames as the native writer takes them: which of the library's input layouts a user's
array is, and the numpy view (never a copy, except where a conversion is unavoidable) that
the native side reads in place or copies once."""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

import numpy as np

from . import _native
from ._errors import FrameError

#: Input formats that only say the channel order; the layout comes from each frame.
_ORDER_ONLY = {"rgb24": "rgb", "rgba": "rgb", "bgr24": "bgr", "bgra": "bgr"}
_PLANAR = ("yuv420p", "yuv444p")
_SHAPES = "(H, W), (H, W, 1), (H, W, 3) or (H, W, 4)"
_DTYPES = "uint8 (0-255), uint16 (0-65535), or float32/float64 in [0, 1]"

# PIL image modes numpy reads as they are; other modes (palette, CMYK, LA, ...) are
# converted to RGB or RGBA first so that their pixels, not their palette indices, are encoded.
_PIL_DIRECT = {"RGB", "RGBA", "L", "I;16", "I;16L"}


def as_array(frame: Any) -> np.ndarray:
    """The frame as a numpy array, without a copy for arrays and objects exposing their
    memory (`__array__`, the buffer protocol); PIL images in palette or other modes are
    converted to RGB(A) first."""
    if isinstance(frame, np.ndarray):
        return frame
    mode = getattr(frame, "mode", None)
    if isinstance(mode, str) and callable(getattr(frame, "convert", None)):
        if mode not in _PIL_DIRECT:
            alpha = "A" in mode or (mode == "P" and "transparency" in getattr(frame, "info", {}))
            frame = frame.convert("RGBA" if alpha else "RGB")
    return np.asarray(frame)


#: How far a float frame may stray outside [0, 1] (rounding in the user's arithmetic).
FLOAT_SLACK = 1e-3


def check_float_range(a: np.ndarray, index: int) -> None:
    """Raises ValueError when a float frame holds values outside [0, 1] beyond rounding:
    floats are read as [0, 1], so 0-255 data would come out white. NaN passes (it is
    black). One min and one max pass over the frame."""
    if a.size == 0:
        return
    low = float(a.min())
    high = float(a.max())
    if high > 1.0 + FLOAT_SLACK or low < -FLOAT_SLACK:
        hint = (
            "for 0-255 data use frame.astype(np.uint8) (or divide by 255.0)"
            if high <= 255.0 + FLOAT_SLACK and low >= -FLOAT_SLACK
            else "scale it to [0, 1] first, e.g. (frame - frame.min()) / (frame.max() - frame.min())"
        )
        raise FrameError(
            f"frame {index}: float values from {low:g} to {high:g}, but float frames are read "
            f"as [0, 1] (0 black, 1 full): {hint}"
        )


def describe(shape: Tuple[int, ...], dtype: np.dtype) -> str:
    """`(480, 640, 3) uint8`: a frame's shape and dtype for messages."""
    return f"{tuple(shape)} {np.dtype(dtype).name}"


def _native_order(a: np.ndarray) -> np.ndarray:
    """`a` in native byte order (a copy only for a byte-swapped array)."""
    if a.dtype.byteorder not in ("=", "|") and a.dtype.byteorder != _NATIVE:
        return a.astype(a.dtype.newbyteorder("="))
    return a


_NATIVE = "<" if np.little_endian else ">"


def _float_gray(a: np.ndarray) -> np.ndarray:
    """Float grey in [0, 1] as 16-bit grey (the library has no float grey input); NaN is black."""
    a = np.nan_to_num(a, nan=0.0, posinf=1.0, neginf=0.0)
    return (np.clip(a, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)


class Layout:
    """What the first frame of a writer looks like, and how every frame is handed over.

    Attributes: ``shape`` and ``dtype`` of the user's arrays (every later frame must match),
    ``width``, ``height``, ``pix_fmt`` (the library's input format) and ``convert``, which
    turns a user's array into the array the native writer takes."""

    __slots__ = ("shape", "dtype", "width", "height", "pix_fmt", "convert")

    def __init__(
        self,
        shape: Tuple[int, ...],
        dtype: np.dtype,
        width: int,
        height: int,
        pix_fmt: str,
        convert: Callable[[np.ndarray], np.ndarray],
    ) -> None:
        self.shape = shape
        self.dtype = dtype
        self.width = width
        self.height = height
        self.pix_fmt = pix_fmt
        self.convert = convert

    def check(self, a: np.ndarray, index: int) -> None:
        """Raises ValueError naming the frame when `a` is not shaped like the first frame."""
        if a.shape != self.shape or a.dtype != self.dtype:
            raise FrameError(
                f"frame {index}: expected {describe(self.shape, self.dtype)} like the first "
                f"frame, got {describe(a.shape, a.dtype)}"
            )


def planar_layout(a: np.ndarray, pix_fmt: str, width: int, height: int) -> Layout:
    """The layout of pre-converted planar YUV frames (uint8, any shape with the right size)."""
    if a.dtype != np.uint8:
        raise FrameError(f"frame 0: {pix_fmt} input must be uint8, got {a.dtype.name}")

    def convert(x: np.ndarray) -> np.ndarray:
        return x.reshape(-1) if x.flags.c_contiguous else np.ascontiguousarray(x).reshape(-1)

    return Layout(a.shape, a.dtype, width, height, pix_fmt, convert)


def layout_of(a: np.ndarray, input_format: Optional[str]) -> Layout:
    """Decides the library's input format for frames like `a`.

    `input_format` gives the channel order (``bgr24``/``bgra`` for OpenCV's arrays) or
    names the layout exactly (``gray16le``, ``rgb48le``, ...), which must then agree with
    the array. Raises ValueError for shapes and dtypes that are not frames."""
    wanted = _native.pixel_format_name(input_format) if input_format else None
    order = _ORDER_ONLY.get(wanted or "rgb24", "rgb")
    shape = a.shape
    if a.ndim == 2 or (a.ndim == 3 and shape[2] == 1):
        channels = 1
    elif a.ndim == 3 and shape[2] in (3, 4):
        channels = shape[2]
    else:
        raise FrameError(f"frame 0: expected a picture of shape {_SHAPES}, got shape {tuple(shape)}")
    height, width = int(shape[0]), int(shape[1])
    if width == 0 or height == 0:
        raise FrameError(f"frame 0: empty picture of shape {tuple(shape)}")
    kind = a.dtype.kind
    size = a.dtype.itemsize
    squeeze = a.ndim == 3 and channels == 1
    bgr = order == "bgr"

    if kind == "u" and size == 1:
        pix_fmt = {1: "gray", 3: "bgr24" if bgr else "rgb24", 4: "bgra" if bgr else "rgba"}[channels]

        def convert(x: np.ndarray) -> np.ndarray:
            return x[:, :, 0] if squeeze else x

    elif kind == "u" and size == 2:
        pix_fmt = "gray16le" if channels == 1 else "rgb48le"
        # There is no 16-bit BGR or RGBA input: a view in RGB order without alpha, which the
        # native side copies once into packed RGB.
        if channels == 1:
            pick: Any = (slice(None), slice(None), 0) if squeeze else Ellipsis
        else:
            pick = (Ellipsis, slice(2, None, -1)) if bgr else (Ellipsis, slice(0, 3))
        pick_16 = pick

        def convert(x: np.ndarray) -> np.ndarray:
            return _native_order(x)[pick_16]

    elif kind == "f" and size in (2, 4, 8):
        if channels == 1:
            pix_fmt = "gray16le"

            def convert(x: np.ndarray) -> np.ndarray:
                return _float_gray(x[:, :, 0] if squeeze else x)

        else:
            pix_fmt = "rgbf32"
            pick_f = (Ellipsis, slice(2, None, -1)) if bgr else (Ellipsis, slice(0, 3))
            direct = size == 4

            def convert(x: np.ndarray) -> np.ndarray:
                rgb = _native_order(x)[pick_f] if direct else x[pick_f]
                # float32 views are read in place or copied once natively; float16/64 are
                # converted to float32 here (one copy, packed).
                return rgb if direct else np.ascontiguousarray(rgb, dtype=np.float32)

    else:
        raise FrameError(f"frame 0: dtype {a.dtype.name} is not a picture: use {_DTYPES}")

    if wanted and wanted not in _ORDER_ONLY and wanted != pix_fmt:
        raise FrameError(
            f"frame 0: input_format {wanted!r} does not match a frame of "
            f"{describe(shape, a.dtype)}, which is {pix_fmt}"
        )
    return Layout(shape, a.dtype, width, height, pix_fmt, convert)


def is_planar(input_format: Optional[str]) -> bool:
    """Whether `input_format` names pre-converted planar YUV."""
    if not input_format:
        return False
    return _native.pixel_format_name(input_format) in _PLANAR
