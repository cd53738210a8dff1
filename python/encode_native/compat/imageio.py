"""imageio's v2 API with its video writers on encode-native: ``from encode_native.compat
import imageio``, then ``imageio.get_writer("wave.mp4", fps=20)``, ``append_data(frame)``
and ``close()``, or ``imageio.mimwrite("a.mp4", frames, fps=30)``, as with imageio.

Writing an animation goes to encode-native (in-process FFmpeg, no ``ffmpeg`` subprocess)
when the file's extension (or ``format=``) is one of :data:`VIDEO_EXTENSIONS`: ``.mp4``,
``.m4v``, ``.mov``, ``.mkv``, ``.webm``, ``.avi``, ``.ts``, ``.wmv`` (videos, imageio-ffmpeg's
formats; ``.wmv`` with msmpeg4 video, as imageio-ffmpeg picks) and ``.gif``, ``.webp``,
``.apng`` (animations, which imageio writes with Pillow and encode-native writes with
FFmpeg's palette and animation encoders). Everything else (reading, single images, volumes,
other formats such as ``.png`` or ``.tif``, a ``format=`` naming another plugin) is the real
imageio's ``imageio.v2``, which must then be installed; the writers work without it.

One frame per ``append_data``: an array (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) (or
anything numpy reads as one); a batch (N, H, W, C) raises ``ValueError`` instead of being
read as some other shape. Pixel values follow imageio's rule (``imageio.core.image_as_uint``):
uint8 as it is, uint16 kept at 16 bits (imageio keeps its top 8 bits: the same picture),
floats in [0, 1] times 255, and any other floats or integers stretched from their minimum
to their maximum, frame by frame, with imageio's "Lossy conversion" warning.

imageio-ffmpeg's keywords become encode-native's settings:

======================  ==================================================================
``fps``                 the frame rate, exact (default 10, imageio's)
``codec``               ``codec`` (``libx264``, ``h264``, ``mpeg4``, ``libvpx-vp9``, ...)
``bitrate``             ``bitrate`` (``2000000``, ``"2M"``); ``quality`` is then ignored
``quality``             0 to 10, 10 best; imageio-ffmpeg's formula on each encoder's own
                        scale from the library's encoder table: ``best + int((1 -
                        quality / 10) * (worst - best))`` (libx264 and libx265: crf 0 to
                        51, as imageio-ffmpeg; VP9 and AV1: crf 0 to 63; rav1e: qscale
                        0 to 255; mpeg4 and ProRes: qscale 1 to 31; mjpeg: qscale 2 to
                        31; WebP: its quality 100 to 0); no effect on GIF, APNG and FFV1.
                        Not given: the encoder's default (x264's crf 23), as with
                        imageio.
``pixelformat``         ``pix_fmt`` (``yuv420p``, ``yuv444p``, ...)
``macro_block_size``    default 16, as imageio's: a frame whose width or height is not a
                        multiple is padded (not scaled, as imageio-ffmpeg does) at the
                        right and bottom by repeating its last column and row, with a
                        warning; ``1`` or ``None`` keeps the size. Animations (GIF,
                        WebP, APNG) are never padded, as with imageio's Pillow.
``ffmpeg_params``,      ffmpeg's output flags (``["-preset", "ultrafast", "-g", "5"]``),
``output_params``       read by the library's translator of ffmpeg flags (the one of
                        ``skvideo``'s ``outputdict``); later than the keywords above, so
                        they win, as on ffmpeg's command line. ``-vf`` is the ``filter``
                        setting, applied to the frames after the macro_block_size padding
``input_params``        only the flags that describe the frames (``-framerate``, ``-r``,
                        ``-pix_fmt``, ``-s``); any other raises ``ValueError`` naming it
``audio_path``          ``audio``: a soundtrack file, cut or padded to the video
``audio_codec``         ``audio_codec`` (``aac``, ``libopus``, ...); ``"copy"`` copies
                        (the default where the container takes the file's codec)
``ffmpeg_log_level``    accepted, no effect (nothing is printed: errors raise)
``duration``, ``loop``  (GIF, WebP, APNG, as Pillow takes them) milliseconds per frame
                        (one number, or a list of equal ones) instead of ``fps``; ``loop``
                        only 0 (forever)
======================  ==================================================================

Any other keyword is passed to :class:`encode_native.Writer` as a setting (``crf=18``,
``preset="ultrafast"``, ``gop=30``), and an unknown one raises ``ValueError`` naming it.
"""

from __future__ import annotations

import os
import warnings
from fractions import Fraction
from typing import Any, Dict, Iterable, List, Optional, Tuple

import numpy as np

from .. import Summary, Writer
from .._native import ffmpeg_args_settings
from .._settings import default_encoder, encoder_entry, key_of, repeated_texts

__all__ = [
    "RETURN_BYTES",
    "VIDEO_EXTENSIONS",
    "VideoWriter",
    "get_reader",
    "get_writer",
    "imread",
    "imwrite",
    "imsave",
    "mimread",
    "mimwrite",
    "mimsave",
    "mvolread",
    "mvolwrite",
    "mvolsave",
    "read",
    "save",
    "volread",
    "volwrite",
    "volsave",
]

#: Returned bytes instead of a file, as imageio's ``"<bytes>"``.
RETURN_BYTES = "<bytes>"

#: Extensions written by encode-native; the value says whether it is a video (padded to
#: macro_block_size, takes a soundtrack) or an animation.
VIDEO_EXTENSIONS: Dict[str, str] = {
    ".mp4": "video",
    ".m4v": "video",
    ".mov": "video",
    ".mkv": "video",
    ".webm": "video",
    ".avi": "video",
    ".ts": "video",
    ".wmv": "video",
    ".gif": "animation",
    ".webp": "animation",
    ".apng": "animation",
}

#: Containers for extensions encode-native does not read as they are.
_CONTAINER = {".m4v": "mp4"}

#: ``format=`` values that mean "the video writer" (imageio's names for its ffmpeg plugin,
#: and this plugin's).
_OUR_FORMATS = {"ffmpeg", "encode_native", "encode-native"}


# -- the real imageio ----------------------------------------------------------------------


def _real() -> Any:
    """The installed imageio's v2 API, or ImportError saying what needs it."""
    try:
        import imageio.v2 as real
    except ImportError as e:
        raise ImportError(
            "encode_native.compat.imageio writes videos and animations "
            f"({', '.join(VIDEO_EXTENSIONS)}) without imageio; reading and other formats are "
            "imageio's own: pip install imageio"
        ) from e
    return real


def __getattr__(name: str) -> Any:
    """Every other attribute of imageio (``imageio.v3``, ``imageio.core``, ``help``, ...)
    comes from the installed imageio."""
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        import imageio as real
    except ImportError:
        raise AttributeError(
            f"encode_native.compat.imageio has no {name!r} without imageio installed (it "
            "writes videos on its own; the rest is imageio's: pip install imageio)"
        ) from None
    return getattr(real, name)


# -- which writer ---------------------------------------------------------------------------


def _extension(uri: Any, format: Optional[str]) -> Optional[str]:
    """The extension that decides the writer: ``format=`` when it names one, else the
    path's; None for a ``format=`` naming another plugin of imageio's."""
    if format is not None:
        name = str(format).lower()
        if name in _OUR_FORMATS:
            pass
        else:
            ext = os.path.splitext(name)[1] or "." + name.lstrip(".")
            return ext if ext in VIDEO_EXTENSIONS else None
    if isinstance(uri, (str, os.PathLike)):
        text = os.fspath(uri)
        if text == RETURN_BYTES:
            return ".mp4" if format is not None and str(format).lower() in _OUR_FORMATS else None
        return os.path.splitext(text)[1].lower() or None
    return None


def _ours(uri: Any, format: Optional[str]) -> Optional[str]:
    """The extension when encode-native writes `uri`, else None."""
    ext = _extension(uri, format)
    if ext in VIDEO_EXTENSIONS:
        return ext
    if format is not None and str(format).lower() in _OUR_FORMATS:
        # Asked for by name: the library says what it makes of the extension.
        return ext or ".mp4"
    return None


# -- frames as imageio converts them --------------------------------------------------------


def _lossy(dtype: np.dtype, extra: str) -> None:
    warnings.warn(
        f"Lossy conversion from {dtype} to uint8. {extra} Convert image to uint8 prior to "
        "saving to suppress this warning.",
        stacklevel=4,
    )


def as_imageio_frame(im: Any) -> np.ndarray:
    """A frame converted as imageio's ffmpeg writer converts it (``image_as_uint``, 8 bits),
    except uint16, which is kept (its 16 bits, where imageio keeps the top 8)."""
    a = np.asarray(im)
    kind = a.dtype.kind
    if a.dtype == np.uint8 or a.dtype == np.uint16:
        return a
    if kind == "f" and a.size and np.nanmin(a) >= 0 and np.nanmax(a) <= 1:
        _lossy(a.dtype, "Range [0, 1].")
        return (a.astype(np.float64) * 255 + 0.499999999).astype(np.uint8)
    if a.dtype in (np.uint32, np.uint64):
        bits = a.dtype.itemsize * 8
        _lossy(a.dtype, f"Losing {bits - 8} bits of resolution.")
        return np.right_shift(a, bits - 8).astype(np.uint8)
    if kind not in "fiub" or a.size == 0:
        return a  # for the writer to refuse with its own message
    low, high = np.nanmin(a), np.nanmax(a)
    if not np.isfinite(low):
        raise ValueError("Minimum image value is not finite")
    if not np.isfinite(high):
        raise ValueError("Maximum image value is not finite")
    if low == high:
        return a.astype(np.uint8)
    _lossy(a.dtype, f"Range [{low}, {high}].")
    scaled = (a.astype(np.float64) - low) / (high - low) * 255 + 0.499999999
    return scaled.astype(np.uint8)


def _check_one_frame(a: np.ndarray, index: int) -> None:
    """ValueError for what is not one frame: a batch, a volume, a row."""
    if a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (1, 3, 4)):
        return
    if a.ndim == 4 or (a.ndim == 3 and a.shape[2] > 4):
        raise ValueError(
            f"append_data takes one frame, (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); frame "
            f"{index} has shape {tuple(a.shape)}, which looks like a batch of "
            f"{a.shape[0]} frames: call append_data for each (for f in frames: "
            "w.append_data(f)), or mimwrite(path, frames)"
        )
    raise ValueError(
        f"append_data takes one frame, (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); frame "
        f"{index} has shape {tuple(a.shape)}"
    )


# -- imageio-ffmpeg's keywords --------------------------------------------------------------


def _flag_list(name: str, value: Any) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(
            f"{name} must be a list of ffmpeg flags such as ['-preset', 'ultrafast'], "
            f"got {value!r}"
        )
    return [str(v) for v in value]


def _quality_setting(quality: Any, codec: str) -> Optional[Tuple[str, int]]:
    """imageio-ffmpeg's quality (0-10, 10 best) as the encoder's rate setting, on the encoder's
    own quality scale from the library's encoder table (None where quality is not a number:
    GIF, APNG, FFV1)."""
    if isinstance(quality, bool) or not isinstance(quality, (int, float)):
        raise ValueError(f"quality {quality!r}: a number from 0 to 10 (10 is best)")
    if not 0 <= quality <= 10:
        raise ValueError(f"quality {quality!r} is out of range: 0 to 10 (10 is best)")
    entry = encoder_entry(codec)
    if entry is None or entry["quality"] is None:
        return None  # an unknown name is refused by the library, with its list
    scale = entry["quality"]
    best, worst = scale["best"], scale["worst"]
    if worst > best:
        # A loss scale (crf, qscale): imageio-ffmpeg's int((1 - quality / 10) * span).
        value = best + int((1 - quality / 10.0) * (worst - best))
    else:
        # A quality scale (WebP's 0-100, 100 best): the quality's share of it.
        value = worst + int(quality / 10.0 * (best - worst))
    return (scale["key"], int(value))


def _gif_rate(duration: Any) -> Fraction:
    """Pillow's per-frame duration in milliseconds as a frame rate."""
    values = list(duration) if isinstance(duration, (list, tuple, np.ndarray)) else [duration]
    if not values or any(float(v) != float(values[0]) for v in values):
        raise ValueError(
            f"duration {duration!r}: encode-native writes a constant frame rate; give one "
            "duration in milliseconds (or fps=)"
        )
    ms = float(values[0])
    if not ms > 0:
        raise ValueError(f"duration {duration!r}: milliseconds per frame, more than 0")
    return Fraction(1000) / Fraction(ms).limit_denominator(1000)


def writer_settings(ext: str, kwargs: Dict[str, Any]) -> Tuple[Any, Dict[str, Any], int]:
    """imageio-ffmpeg's keywords (and encode-native's settings) as the Writer's fps,
    settings and the macro block size to pad to."""
    kwargs = dict(kwargs)
    kind = VIDEO_EXTENSIONS.get(ext, "video")
    settings: Dict[str, Any] = {}
    fps: Any = kwargs.pop("fps", None)
    duration = kwargs.pop("duration", None)
    if duration is not None:
        if kind != "animation":
            raise ValueError(
                f"duration {duration!r}: milliseconds per frame of an animation (GIF, WebP, "
                f"APNG); a {ext} video takes fps="
            )
        if fps is not None:
            raise ValueError("give fps or duration, not both")
        fps = _gif_rate(duration)
    if fps is None:
        fps = 10
    loop = kwargs.pop("loop", 0)
    if kind == "animation" and loop not in (0, None):
        raise ValueError(f"loop {loop!r}: encode-native's animations loop forever (loop=0)")
    codec = kwargs.pop("codec", None)
    if codec is not None:
        settings["codec"] = codec
    bitrate = kwargs.pop("bitrate", None)
    if bitrate is not None:
        settings["bitrate"] = bitrate
    quality = kwargs.pop("quality", None)
    pixelformat = kwargs.pop("pixelformat", None)
    if pixelformat is not None:
        settings["pix_fmt"] = pixelformat
    if "macro_block_size" in kwargs:
        block = kwargs.pop("macro_block_size") or 1
    else:
        block = 16 if kind == "video" else 1
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise ValueError(f"macro_block_size {block!r}: a whole number of pixels, 1 to keep the size")
    audio_path = kwargs.pop("audio_path", None)
    if audio_path is not None:
        settings["audio"] = os.fspath(audio_path)
    audio_codec = kwargs.pop("audio_codec", None)
    if audio_codec is not None and audio_codec != "copy":
        settings["audio_codec"] = audio_codec
    kwargs.pop("ffmpeg_log_level", None)
    kwargs.pop("ffmpeg_timeout", None)
    palettesize = kwargs.pop("palettesize", None)
    if palettesize is not None:
        settings["colors"] = palettesize
    output = _flag_list("output_params", kwargs.pop("output_params", None))
    output += _flag_list("ffmpeg_params", kwargs.pop("ffmpeg_params", None))
    inputs = _flag_list("input_params", kwargs.pop("input_params", None))
    # encode-native's own settings by name, after imageio-ffmpeg's.
    for name, value in kwargs.items():
        settings[name] = value
    flagged: Dict[str, Any] = {}
    if output or inputs:
        for key, value in ffmpeg_args_settings(output, inputs):
            if key in ("codec_option", "metadata"):
                flagged.setdefault(key, []).append(value)
            elif key == "in_pix_fmt":
                flagged["input_format"] = value
            else:
                flagged[key] = value
    if "fps" in flagged:
        fps = flagged.pop("fps")
    rate_given = any(key_of(k) in ("crf", "qscale", "bitrate") for k in [*settings, *flagged])
    if quality is not None and not rate_given:
        chosen = (flagged.get("codec") or settings.get("codec") or default_encoder(ext or "mp4")
                  or default_encoder("mp4"))
        rate = _quality_setting(quality, str(chosen))
        if rate is not None:
            settings[rate[0]] = rate[1]
    elif quality is not None:
        _quality_setting(quality, "libx264")  # still checked
    for key, value in flagged.items():
        if key in ("codec_option", "metadata") and key in settings:
            # A dict of the caller's (metadata={"title": ...}) as its KEY=VALUE texts, checked.
            settings[key] = repeated_texts(key, settings[key]) + value
        else:
            settings[key] = value
    if ext in _CONTAINER and "format" not in settings:
        settings["format"] = _CONTAINER[ext]
    return fps, settings, block


# -- the writer ----------------------------------------------------------------------------


class VideoWriter:
    """imageio's v2 writer (``get_writer``'s) for videos and animations, on encode-native:
    :meth:`append_data` takes one frame, :meth:`close` finishes the video.

    Usable as a context manager; closing twice does nothing. Closing without a frame
    written makes no file and warns, as imageio-ffmpeg warns."""

    def __init__(self, uri: Any, ext: str, **kwargs: Any) -> None:
        self._ext = ext
        fps, settings, self._block = writer_settings(ext, kwargs)
        self._to_bytes = isinstance(uri, str) and uri == RETURN_BYTES
        if self._to_bytes:
            target: Any = None
            settings.setdefault("format", _CONTAINER.get(ext, ext.lstrip(".")))
        elif isinstance(uri, (str, os.PathLike)):
            target = os.fspath(uri)
        else:
            target = uri
            settings.setdefault("format", _CONTAINER.get(ext, ext.lstrip(".")))
        input_format = settings.pop("input_format", None)
        self._uri = uri
        self._writer = Writer(target, fps, input_format=input_format, **settings)
        self._pad: Optional[Tuple[int, int]] = None
        self._size: Optional[Tuple[int, int]] = None
        self._result: Optional[bytes] = None
        self.closed = False

    def append_data(self, im: Any, meta: Any = None) -> None:
        """Writes one frame, (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); ``meta`` is ignored
        (as imageio's ffmpeg writer ignores it). A batch of frames raises ValueError."""
        if self.closed:
            raise RuntimeError("append_data to a closed writer")
        index = self._writer.frames_written
        a = np.asarray(im)
        _check_one_frame(a, index)
        a = as_imageio_frame(a)
        if self._size is None:
            h, w = a.shape[:2]
            self._size = (w, h)
            b = self._block
            pw, ph = -w % b, -h % b
            if pw or ph:
                self._pad = (ph, pw)
                warnings.warn(
                    f"the frames are {w}x{h}, not a multiple of macro_block_size={b}: padded "
                    f"to {w + pw}x{h + ph} (the last column and row repeated); give "
                    "macro_block_size=1 to keep the size",
                    stacklevel=2,
                )
        elif (a.shape[1], a.shape[0]) != self._size:
            raise ValueError(
                f"frame {index}: {a.shape[1]}x{a.shape[0]}, but all images in a movie should "
                f"have the same size: the first was {self._size[0]}x{self._size[1]}"
            )
        if self._pad is not None:
            ph, pw = self._pad
            widths = ((0, ph), (0, pw)) + ((0, 0),) * (a.ndim - 2)
            a = np.pad(a, widths, mode="edge")
        self._writer.write(a)

    def set_meta_data(self, meta: Any) -> None:
        """Not supported, as with imageio's ffmpeg writer."""
        raise RuntimeError("The ffmpeg format does not support setting meta data.")

    def get_length(self) -> int:
        """Frames written so far."""
        return self._writer.frames_written

    @property
    def summary(self) -> Optional[Summary]:
        """What the finished video holds (not in imageio), None before :meth:`close`."""
        return self._writer.summary

    @property
    def result(self) -> Optional[bytes]:
        """The video's bytes after :meth:`close` for the uri ``"<bytes>"``."""
        return self._result

    def close(self) -> None:
        """Finishes the video: every frame appended is in it."""
        if self.closed:
            return
        self.closed = True
        if self._writer.frames_written == 0:
            self._writer.keep_partial()
            warnings.warn("No frames have been written; no video was made.", stacklevel=2)
            return
        self._writer.close()
        if self._to_bytes and self._writer.video is not None:
            self._result = bytes(self._writer.video)

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
            return
        self.closed = True
        self._writer.__exit__(exc_type, exc, tb)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<encode_native.compat.imageio.VideoWriter {self._uri!r}, {self._writer.frames_written} frames>"


# -- imageio's v2 functions -----------------------------------------------------------------


def get_writer(uri: Any, format: Optional[str] = None, mode: str = "?", **kwargs: Any) -> Any:
    """A writer, as ``imageio.get_writer``: encode-native's :class:`VideoWriter` for videos
    and animations (by extension or ``format=``), imageio's for the rest."""
    ext = _ours(uri, format)
    if ext is not None and mode in ("?", "I", "i"):
        return VideoWriter(uri, ext, **kwargs)
    return _real().get_writer(uri, format=format, mode=mode, **kwargs)


def mimwrite(uri: Any, ims: Any, format: Optional[str] = None, **kwargs: Any) -> Any:
    """Writes a sequence of frames (a list, or an array (N, H, W[, C])), as
    ``imageio.mimwrite``; returns the bytes for the uri ``"<bytes>"``."""
    ext = _ours(uri, format)
    if ext is None:
        return _real().mimwrite(uri, ims, format=format, **kwargs)
    if not isinstance(ims, (list, tuple)) and not _is_sequence(ims):
        raise ValueError("Image data must be a sequence of ndimages.")
    with VideoWriter(uri, ext, **kwargs) as w:
        for im in ims:
            w.append_data(im)
    return w.result


def _is_sequence(ims: Any) -> bool:
    if isinstance(ims, np.ndarray):
        return ims.ndim == 4 or (ims.ndim == 3 and ims.shape[2] >= 5)
    return isinstance(ims, Iterable) and not hasattr(ims, "__array__")


def imwrite(uri: Any, im: Any, format: Optional[str] = None, **kwargs: Any) -> Any:
    """Writes one image, as ``imageio.imwrite``: to a video file (a video of one frame) by
    encode-native, to any other format by imageio."""
    ext = _ours(uri, format)
    if ext is None or VIDEO_EXTENSIONS.get(ext) == "animation":
        return _real().imwrite(uri, im, format=format, **kwargs)
    with VideoWriter(uri, ext, **kwargs) as w:
        w.append_data(im)
    return w.result


def get_reader(uri: Any, format: Optional[str] = None, mode: str = "?", **kwargs: Any) -> Any:
    """imageio's ``get_reader`` (encode-native only writes)."""
    return _real().get_reader(uri, format=format, mode=mode, **kwargs)


def imread(uri: Any, format: Optional[str] = None, **kwargs: Any) -> Any:
    """imageio's ``imread``."""
    return _real().imread(uri, format=format, **kwargs)


def mimread(uri: Any, format: Optional[str] = None, **kwargs: Any) -> Any:
    """imageio's ``mimread``."""
    return _real().mimread(uri, format=format, **kwargs)


def volread(uri: Any, format: Optional[str] = None, **kwargs: Any) -> Any:
    """imageio's ``volread``."""
    return _real().volread(uri, format=format, **kwargs)


def mvolread(uri: Any, format: Optional[str] = None, **kwargs: Any) -> Any:
    """imageio's ``mvolread``."""
    return _real().mvolread(uri, format=format, **kwargs)


def volwrite(uri: Any, im: Any, format: Optional[str] = None, **kwargs: Any) -> Any:
    """imageio's ``volwrite``."""
    return _real().volwrite(uri, im, format=format, **kwargs)


def mvolwrite(uri: Any, ims: Any, format: Optional[str] = None, **kwargs: Any) -> Any:
    """imageio's ``mvolwrite``."""
    return _real().mvolwrite(uri, ims, format=format, **kwargs)


# imageio's aliases.
read = get_reader
save = get_writer
imsave = imwrite
mimsave = mimwrite
volsave = volwrite
mvolsave = mvolwrite
