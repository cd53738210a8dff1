"""OpenCV on encode-native: ``from encode_native.compat import cv2`` is the installed OpenCV
(``cv2.putText``, ``cv2.cvtColor``, ``cv2.imread``, ``cv2.CAP_PROP_FPS``... are OpenCV's own,
forwarded) with encode-native's ``VideoWriter`` and ``VideoWriter_fourcc`` in place of
OpenCV's, so a script changes by its import line only. Without OpenCV installed the writer
still works and any other name raises ``AttributeError`` naming it and saying
``pip install opencv-python-headless``.

``cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))`` as in OpenCV.
Frames are BGR (H, W, 3) uint8 arrays, as OpenCV gives them (BGRA with 4 channels), or grey
(H, W) with ``isColor=False``. FourCCs: ``mp4v``/``MP4V``/``FMP4``/``DIVX``/``XVID`` write
MPEG-4 Part 2 (FFmpeg's mpeg4 encoder, what OpenCV's wheels write) with OpenCV's own rate
control (an average bitrate of 1.5 bits per pixel per frame, quantiser at least 3), so sizes
and quality match OpenCV's files; ``MJPG`` writes Motion JPEG (FFmpeg's mjpeg encoder, full
range, quantiser 3: OpenCV's default MJPG output as measured) in AVI, MOV or MKV;
``avc1``/``H264``/``X264``/``h264`` write H.264 with libx264, which browsers play (OpenCV's pip
wheels have no H.264 encoder). Where OpenCV silently drops a frame of the wrong size and leaves
an empty file, :meth:`VideoWriter.write` raises ``ValueError`` naming the frame and both sizes.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .. import Summary, Writer
from .._settings import encoder_entry


def _load_opencv() -> Tuple[Optional[ModuleType], str]:
    """The installed OpenCV, or None and why it could not be imported."""
    try:
        return importlib.import_module("cv2"), ""
    except ImportError as e:  # not installed, or a wheel missing a system library
        return None, str(e)


_cv2, _cv2_error = _load_opencv()

#: The FourCCs understood, and the encoder each writes with.
FOURCCS = {
    "mp4v": "mpeg4",
    "fmp4": "mpeg4",
    "divx": "mpeg4",
    "xvid": "mpeg4",
    "mjpg": "mjpeg",
    "avc1": "libx264",
    "h264": "libx264",
    "x264": "libx264",
}

# OpenCV's property ids (cv::VideoWriterProperties and the capture ids scripts ask a writer
# for); the values are OpenCV's, so they work with or without OpenCV installed.
VIDEOWRITER_PROP_QUALITY = 1
VIDEOWRITER_PROP_FRAMEBYTES = 2
VIDEOWRITER_PROP_NSTRIPES = 3
VIDEOWRITER_PROP_IS_COLOR = 4
VIDEOWRITER_PROP_DEPTH = 5
VIDEOWRITER_PROP_HW_ACCELERATION = 6
VIDEOWRITER_PROP_HW_DEVICE = 7
VIDEOWRITER_PROP_HW_ACCELERATION_USE_OPENCL = 8
CAP_PROP_FRAME_WIDTH = 3
CAP_PROP_FRAME_HEIGHT = 4
CAP_PROP_FPS = 5
CAP_PROP_FOURCC = 6

#: The default of VIDEOWRITER_PROP_QUALITY for the quantiser encoders (mpeg4, mjpeg): it maps
#: to quantiser 3, their default.
DEFAULT_QUALITY = 95.0


def VideoWriter_fourcc(c1: str, c2: str, c3: str, c4: str) -> int:
    """The FourCC code of four characters, packed as OpenCV packs it."""
    return (ord(c1) & 255) | (ord(c2) & 255) << 8 | (ord(c3) & 255) << 16 | (ord(c4) & 255) << 24


def _fourcc_text(code: int) -> str:
    return "".join(chr((code >> (8 * i)) & 255) for i in range(4))


def _crf_scale(codec: str) -> Optional[Dict[str, Any]]:
    """The encoder's quality scale from the library's table when it is a crf, else None."""
    entry = encoder_entry(codec)
    scale = entry["quality"] if entry else None
    return scale if scale and scale["key"] == "crf" else None


def quality_settings(codec: str, quality: float) -> Dict[str, Any]:
    """The encoder settings of OpenCV's VIDEOWRITER_PROP_QUALITY (0 worst to 100 best): for
    an encoder with a crf (libx264), 0 to 100 spread over its scale in the library's table
    (``crf round(51 * (100 - q) / 100)``); for the quantiser encoders (mpeg4, mjpeg),
    OpenCV's quantiser ``round(31 - 29 * q / 100)`` (100 → 2, 95 → 3, 0 → 31)."""
    q = min(max(float(quality), 0.0), 100.0)
    scale = _crf_scale(codec)
    if scale is not None:
        return {"crf": int(round(scale["worst"] + (scale["best"] - scale["worst"]) * q / 100))}
    return {"qscale": int(round(31 - 29 * q / 100))}


class VideoWriter:
    """Writes BGR frames to a video file, as OpenCV's ``cv2.VideoWriter`` does.

    ``VideoWriter(filename, fourcc, fps, frameSize, isColor=True)``, with OpenCV's other
    forms: an ``apiPreference`` after the file name (ignored: encode-native is the back end)
    and ``params`` (``[cv2.VIDEOWRITER_PROP_QUALITY, 80, cv2.VIDEOWRITER_PROP_IS_COLOR, 0]``)
    in place of ``isColor``. Also usable as ``VideoWriter()`` then :meth:`open`, and as a
    context manager (released at the end). ``frameSize`` is (width, height), as in OpenCV.

    :meth:`release` with no frame written makes no file (there is no video to make; a file
    already at the path is left as it was) and does not raise, so ``finally: out.release()``
    cleans up whatever happened.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._writer: Optional[Writer] = None
        self._path = ""
        self._fps = 0.0
        self._fourcc = 0
        self._codec = ""
        self._size: Tuple[int, int] = (0, 0)
        self._color = True
        self._quality: Optional[float] = None
        self._summary: Optional[Summary] = None
        # Why no video is open, for the error of a write to it.
        self._why_closed = "it was made without a file name; call open(filename, fourcc, fps, frameSize)"
        if args or kwargs:
            self.open(*args, **kwargs)

    @staticmethod
    def fourcc(c1: str, c2: str, c3: str, c4: str) -> int:
        """``cv2.VideoWriter.fourcc(*"mp4v")``, as in OpenCV."""
        return VideoWriter_fourcc(c1, c2, c3, c4)

    def open(self, filename: Any, *args: Any, **kwargs: Any) -> bool:
        """``open(filename, [apiPreference,] fourcc, fps, frameSize, isColor=True | params)``:
        opens the file (releasing a video already open); returns True. As with OpenCV, a
        file that cannot be made there (a missing or unwritable folder) leaves the writer
        closed: False, and :meth:`isOpened` is False. Unlike OpenCV, an unknown FourCC or a
        bad setting raises ``ValueError`` saying why instead of leaving the writer closed
        without a word."""
        fourcc, fps, frame_size, is_color, params = _parse_open_args(args, kwargs)
        self.release()
        path = os.fspath(filename)
        # A server (rtmp://, srt://) has no folder, and an HLS or DASH manifest's folder is
        # made by the writer.
        delivered = "://" in path or path.lower().endswith((".m3u8", ".mpd"))
        folder = os.path.dirname(os.path.abspath(path))
        if delivered:
            pass
        elif not os.path.isdir(folder):
            what = "is not a folder" if os.path.exists(folder) else "does not exist"
            self._why_closed = f"open({path!r}) returned False: the folder {folder!r} {what}"
            return False
        if not delivered and not os.access(folder, os.W_OK | os.X_OK):
            self._why_closed = f"open({path!r}) returned False: the folder {folder!r} is not writable"
            return False
        text = _fourcc_text(int(fourcc))
        codec = FOURCCS.get(text.lower())
        if codec is None:
            raise ValueError(
                f"FourCC {text!r} is not supported by encode-native; use one of "
                f"{', '.join(sorted(FOURCCS))} (avc1 gives H.264 that browsers play)"
            )
        width, height = (int(v) for v in frame_size)
        if width <= 0 or height <= 0:
            raise ValueError(f"frameSize {frame_size!r}: width and height must be positive")
        quality: Optional[float] = None
        for key, value in zip(params[::2], params[1::2]):
            if key == VIDEOWRITER_PROP_QUALITY:
                quality = float(value)
            elif key == VIDEOWRITER_PROP_IS_COLOR:
                is_color = bool(value)
        self._path = os.fspath(filename)
        self._fps = float(fps)
        self._fourcc = int(fourcc)
        self._codec = codec
        self._size = (width, height)
        self._color = bool(is_color)
        self._quality = quality
        self._writer = self._make_writer()
        return True

    def _settings(self) -> Dict[str, Any]:
        settings: Dict[str, Any] = {"codec": self._codec}
        if self._quality is not None:
            settings.update(quality_settings(self._codec, self._quality))
        elif self._codec == "mpeg4":
            # OpenCV's FFmpeg back end: an average bitrate of 1.5 bits per pixel per frame
            # with the quantiser kept at 3 or above. Measured on the same frames (README,
            # OpenCV section), this gives OpenCV's sizes and quality on smooth pictures and
            # on noise alike, where a fixed quantiser made noise 3.5 times as big.
            width, height = self._size
            settings["bitrate"] = max(1000, int(1.5 * width * height * self._fps))
            settings["codec_options"] = {"qmin": "3"}
        return settings

    def _make_writer(self) -> Writer:
        return Writer(
            self._path,
            self._fps,
            input_format="bgr24" if self._color else None,
            **self._settings(),
        )

    def isOpened(self) -> bool:
        """Whether a video is open for writing."""
        return self._writer is not None

    def getBackendName(self) -> str:
        """The back end writing the video: ``"encode-native"``."""
        return "encode-native"

    def get(self, propId: int) -> float:
        """A property, by OpenCV's id: ``VIDEOWRITER_PROP_QUALITY`` (0–100; 95 by default for
        mp4v and MJPG, which is their quantiser 3), ``CAP_PROP_FPS``, ``CAP_PROP_FRAME_WIDTH``,
        ``CAP_PROP_FRAME_HEIGHT``, ``VIDEOWRITER_PROP_HW_ACCELERATION`` (0: none). OpenCV's
        writer ids 3 to 5 are also ``NSTRIPES``, ``IS_COLOR`` and ``DEPTH``, which OpenCV's
        FFmpeg back end does not answer; here they answer as the frame width, height and
        frame rate, what scripts ask a writer with them. Any other id (``FRAMEBYTES``,
        ``NSTRIPES`` as such, ``KEY_INTERVAL``...), and every id of a writer that is not
        open, gives -1, as OpenCV's FFmpeg back end does."""
        if self._writer is None:
            return -1.0
        pid = int(propId)
        if pid == VIDEOWRITER_PROP_QUALITY:
            if self._quality is not None:
                return self._quality
            # A crf encoder's default on the same scale (libx264's 23); the quantiser
            # encoders' 3 is 95.
            scale = _crf_scale(self._codec)
            if scale is not None and scale["default"] is not None:
                return float(100 * (scale["worst"] - scale["default"]) / (scale["worst"] - scale["best"]))
            return DEFAULT_QUALITY
        if pid == CAP_PROP_FRAME_WIDTH:
            return float(self._size[0])
        if pid == CAP_PROP_FRAME_HEIGHT:
            return float(self._size[1])
        if pid == CAP_PROP_FPS:
            return self._fps
        if pid in (VIDEOWRITER_PROP_HW_ACCELERATION, VIDEOWRITER_PROP_HW_ACCELERATION_USE_OPENCL):
            return 0.0
        return -1.0

    def set(self, propId: int, value: float) -> bool:
        """Sets a property; True when it was taken. ``VIDEOWRITER_PROP_QUALITY`` (0 worst to
        100 best) is taken before the first frame: for mp4v and MJPG it becomes the quantiser
        ``round(31 - 29 * q / 100)`` (100 → 2, 95 → 3, 50 → 16), for avc1 libx264's
        ``crf round(51 * (100 - q) / 100)``. Anything else, or quality after the first frame,
        is False, as OpenCV answers a property its back end does not take."""
        if self._writer is None or int(propId) != VIDEOWRITER_PROP_QUALITY:
            return False
        if self._writer.frames_written > 0 or not 0 <= float(value) <= 100:
            return False
        self._quality = float(value)
        self._writer = self._make_writer()
        return True

    def write(self, image: Any) -> None:
        """Writes one frame: BGR (H, W, 3) uint8 (BGRA with 4 channels), or grey (H, W) for a
        writer opened with ``isColor=False``. A frame of another size raises ``ValueError``
        naming the frame and both sizes; the writer stays usable."""
        if self._writer is None:
            raise ValueError(f"write to a VideoWriter that is not open: {self._why_closed}")
        frame = np.asarray(image)
        index = self._writer.frames_written
        if frame.ndim < 2 or (frame.shape[1], frame.shape[0]) != self._size:
            got = f"{frame.shape[1]}x{frame.shape[0]}" if frame.ndim >= 2 else f"shape {frame.shape}"
            raise ValueError(
                f"frame {index}: {got} does not match the writer's frameSize "
                f"{self._size[0]}x{self._size[1]}"
            )
        if self._color and (frame.ndim != 3 or frame.shape[2] not in (3, 4)):
            raise ValueError(
                f"frame {index}: shape {frame.shape} is not a BGR image (H, W, 3); "
                "open the writer with isColor=False for grey frames"
            )
        if not self._color and frame.ndim == 3 and frame.shape[2] != 1:
            raise ValueError(
                f"frame {index}: shape {frame.shape} is not a grey image (H, W) as "
                "isColor=False asks"
            )
        self._writer.write(frame)

    def release(self) -> None:
        """Finishes the video: every frame written is in it. With no frame written there is
        no video: no file is made (one already at the path is left as it was), nothing
        raises, and :attr:`summary` is None. Releasing twice does nothing."""
        if self._writer is not None:
            self._why_closed = f"{self._path!r} was released"
            writer, self._writer = self._writer, None
            if writer.frames_written == 0:
                self._summary = None
                return
            self._summary = writer.close()

    @property
    def summary(self) -> Optional[Summary]:
        """What the last released video holds (not in OpenCV)."""
        return self._summary

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()

    def __del__(self) -> None:
        try:
            self.release()
        except Exception:
            pass


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def _parse_open_args(
    args: Sequence[Any], kwargs: Dict[str, Any]
) -> Tuple[int, float, Tuple[int, int], bool, List[Any]]:
    """OpenCV's forms of ``open``/the constructor after the file name: ``(fourcc, fps,
    frameSize[, isColor])``, ``(apiPreference, fourcc, fps, frameSize[, isColor])`` and the
    same with ``params`` in place of ``isColor``; keywords by OpenCV's names."""
    rest = list(args)
    names = ["fourcc", "fps", "frameSize"]
    # With an apiPreference the size is the fourth value, not the third.
    if "apiPreference" in kwargs:
        kwargs.pop("apiPreference")
    elif len(rest) >= 4 and not _is_sequence(rest[2]) and _is_sequence(rest[3]):
        rest.pop(0)
    values: Dict[str, Any] = dict(zip(names, rest[:3]))
    tail = rest[3:]
    for key in names:
        if key in kwargs:
            values[key] = kwargs.pop(key)
    is_color: Any = kwargs.pop("isColor", True)
    params: Any = kwargs.pop("params", [])
    if kwargs:
        raise TypeError(f"VideoWriter: unexpected keyword {next(iter(kwargs))!r}")
    if tail:
        if _is_sequence(tail[0]):
            params = tail[0]
        else:
            is_color = tail[0]
    missing = [k for k in names if values.get(k) is None]
    if missing:
        raise TypeError(
            "VideoWriter(filename, fourcc, fps, frameSize, isColor=True): missing "
            + ", ".join(missing)
        )
    width, height = values["frameSize"]
    return int(values["fourcc"]), float(values["fps"]), (width, height), bool(is_color), list(params)


_OWN = frozenset(globals())


def __getattr__(name: str) -> Any:
    """Every other name is OpenCV's own."""
    if _cv2 is not None:
        try:
            return getattr(_cv2, name)
        except AttributeError:
            raise AttributeError(f"module 'cv2' has no attribute {name!r}") from None
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(
        f"cv2.{name} is OpenCV's, and OpenCV is not installed ({_cv2_error}): "
        "encode-native's cv2 gives VideoWriter and VideoWriter_fourcc by itself; for the rest "
        "pip install opencv-python-headless"
    )


def __dir__() -> List[str]:
    names = set(_OWN) | {"VideoWriter", "VideoWriter_fourcc"}
    if _cv2 is not None:
        names |= set(dir(_cv2))
    return sorted(names)
