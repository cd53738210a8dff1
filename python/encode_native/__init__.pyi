"""encode_native: numpy frames, matplotlib animations and image folders to video, in-process."""

import os
from fractions import Fraction
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from ._native import EncodeError as EncodeError

__version__: str
__all__: List[str]

PathLike = Union[str, os.PathLike[str]]
FrameRate = Union[int, float, Fraction, str]
Progress = Union[None, bool, Callable[[int, Optional[int]], Any]]

class Summary:
    """What a finished video contains."""

    frames: int
    bytes: int
    duration: float
    width: int
    height: int
    input_width: int
    input_height: int
    pixel_format: str
    codec: str
    encoder: str
    container: str
    fragmented: bool
    wall: float
    first_packet_latency: Optional[float]
    def __init__(
        self,
        frames: int,
        bytes: int,
        duration: float,
        width: int,
        height: int,
        input_width: int,
        input_height: int,
        pixel_format: str,
        codec: str,
        encoder: str,
        container: str,
        fragmented: bool,
        wall: float,
        first_packet_latency: Optional[float],
    ) -> None: ...
    @property
    def size(self) -> Tuple[int, int]: ...

class Video(bytes):
    """An encoded video in memory: bytes that show as a player in Jupyter."""

    summary: Optional[Summary]
    mime: str
    def __new__(cls, data: bytes, summary: Optional[Summary] = ..., mime: Optional[str] = ...) -> Video: ...
    def _repr_html_(self) -> str: ...
    def save(self, path: PathLike) -> None: ...

class Writer:
    """Writes frames to a video: a file, memory or a binary file-like object."""

    def __init__(
        self,
        output: Union[None, PathLike, Any],
        fps: FrameRate = ...,
        *,
        input_format: Optional[str] = ...,
        progress: Progress = ...,
        total: Optional[int] = ...,
        **settings: Any,
    ) -> None: ...
    def write(self, frame: Any, pts: Optional[int] = ...) -> None: ...
    def write_frames(self, frames: Iterable[Any]) -> None: ...
    def close(self) -> Optional[Summary]: ...
    def __enter__(self) -> Writer: ...
    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None: ...
    @property
    def summary(self) -> Optional[Summary]: ...
    @property
    def video(self) -> Optional[Video]: ...
    @property
    def frames_written(self) -> int: ...
    @property
    def frames_copied(self) -> int: ...
    @property
    def fps(self) -> Fraction: ...
    @property
    def closed(self) -> bool: ...

def settings() -> List[Dict[str, Any]]: ...
def write_video(
    path: Union[PathLike, Any],
    frames: Iterable[Any],
    fps: FrameRate = ...,
    *,
    progress: Progress = ...,
    **settings: Any,
) -> Summary: ...
def encode(
    frames: Iterable[Any],
    fps: FrameRate = ...,
    *,
    progress: Progress = ...,
    **settings: Any,
) -> Video: ...
def from_function(
    make_frame: Callable[[float], Any],
    duration: float,
    fps: FrameRate = ...,
    path: Union[None, PathLike, Any] = ...,
    *,
    progress: Progress = ...,
    **settings: Any,
) -> Union[Summary, Video]: ...
def concat(paths: Iterable[PathLike], out: PathLike) -> Summary: ...
