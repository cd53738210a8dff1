"""OpenCV's ``VideoWriter`` on encode-native: ``from encode_native.compat import cv2``, then
``cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))`` as in OpenCV.

Frames are BGR (H, W, 3) uint8 arrays, as OpenCV gives them (BGRA with 4 channels), or grey
(H, W) with ``isColor=False``. FourCCs: ``mp4v``/``MP4V``/``FMP4``/``DIVX``/``XVID`` write
MPEG-4 Part 2 (FFmpeg's mpeg4 encoder, what OpenCV's wheels write); ``avc1``/``H264``/
``X264``/``h264`` write H.264 with libx264, which browsers play (OpenCV's pip wheels have no
H.264 encoder). Where OpenCV silently drops a frame of the wrong size and leaves an empty
file, :meth:`VideoWriter.write` raises ``ValueError`` naming the frame and both sizes.
"""

from __future__ import annotations

import os
from typing import Any, Optional, Tuple

import numpy as np

from .. import Summary, Writer

__all__ = ["VideoWriter", "VideoWriter_fourcc"]

#: The FourCCs understood, and the encoder each writes with.
FOURCCS = {
    "mp4v": "mpeg4",
    "fmp4": "mpeg4",
    "divx": "mpeg4",
    "xvid": "mpeg4",
    "avc1": "libx264",
    "h264": "libx264",
    "x264": "libx264",
}


def VideoWriter_fourcc(c1: str, c2: str, c3: str, c4: str) -> int:
    """The FourCC code of four characters, packed as OpenCV packs it."""
    return (ord(c1) & 255) | (ord(c2) & 255) << 8 | (ord(c3) & 255) << 16 | (ord(c4) & 255) << 24


def _fourcc_text(code: int) -> str:
    return "".join(chr((code >> (8 * i)) & 255) for i in range(4))


class VideoWriter:
    """Writes BGR frames to a video file, as OpenCV's ``cv2.VideoWriter`` does.

    ``VideoWriter(filename, fourcc, fps, frameSize, isColor=True)``; also usable as
    ``VideoWriter()`` then :meth:`open`, and as a context manager (released at the end).
    ``frameSize`` is (width, height), as in OpenCV.
    """

    def __init__(
        self,
        filename: Optional[Any] = None,
        fourcc: Optional[int] = None,
        fps: Optional[float] = None,
        frameSize: Optional[Tuple[int, int]] = None,
        isColor: bool = True,
    ) -> None:
        self._writer: Optional[Writer] = None
        self._size: Tuple[int, int] = (0, 0)
        self._color = True
        self._summary: Optional[Summary] = None
        if filename is not None:
            if fourcc is None or fps is None or frameSize is None:
                raise TypeError("VideoWriter(filename, fourcc, fps, frameSize, isColor=True)")
            self.open(filename, fourcc, fps, frameSize, isColor)

    def open(
        self,
        filename: Any,
        fourcc: int,
        fps: float,
        frameSize: Tuple[int, int],
        isColor: bool = True,
    ) -> bool:
        """Opens the file (releasing a video already open); returns True. As with OpenCV, a
        file that cannot be made there (a missing or unwritable folder) leaves the writer
        closed: False, and :meth:`isOpened` is False. Unlike OpenCV, an unknown FourCC or a
        bad setting raises ``ValueError`` saying why instead of leaving the writer closed
        without a word."""
        self.release()
        folder = os.path.dirname(os.path.abspath(os.fspath(filename)))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK | os.X_OK):
            return False
        text = _fourcc_text(int(fourcc))
        codec = FOURCCS.get(text.lower())
        if codec is None:
            raise ValueError(
                f"FourCC {text!r} is not supported by encode-native; use one of "
                f"{', '.join(sorted(FOURCCS))} (avc1 gives H.264 that browsers play)"
            )
        width, height = (int(v) for v in frameSize)
        if width <= 0 or height <= 0:
            raise ValueError(f"frameSize {frameSize!r}: width and height must be positive")
        settings: dict = {"codec": codec}
        if codec == "mpeg4":
            # OpenCV's FFmpeg back end writes MPEG-4 Part 2 at a high quality.
            settings["qscale"] = 3
        self._size = (width, height)
        self._color = bool(isColor)
        self._writer = Writer(
            os.fspath(filename),
            fps,
            input_format="bgr24" if self._color else None,
            **settings,
        )
        return True

    def isOpened(self) -> bool:
        """Whether a video is open for writing."""
        return self._writer is not None

    def write(self, image: Any) -> None:
        """Writes one frame: BGR (H, W, 3) uint8 (BGRA with 4 channels), or grey (H, W) for a
        writer opened with ``isColor=False``. A frame of another size raises ``ValueError``
        naming the frame and both sizes; the writer stays usable."""
        if self._writer is None:
            raise ValueError("write to a VideoWriter that is not open")
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
        """Finishes the video: every frame written is in it."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
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
