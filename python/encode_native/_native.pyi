"""The native part of encode_native (Rust): use the package `encode_native` instead."""

from typing import Any, Dict, List, Optional, Sequence, Tuple, final

import numpy as np

__version__: str
__all__ = [
    "NativeWriter",
    "__version__",
    "check_destination",
    "check_settings",
    "cli_main",
    "concat",
    "containers",
    "encoders",
    "error_kinds",
    "ffmpeg_args_settings",
    "frame_rate",
    "pixel_format_name",
    "settings",
]

@final
class NativeWriter:
    """One video being written: `NativeWriter(target, width, height, input_format, settings)`."""

    def __new__(
        cls,
        target: Any,
        width: int,
        height: int,
        input_format: str,
        settings: Sequence[Tuple[str, str]],
    ) -> "NativeWriter": ...
    def push(self, array: np.ndarray, pts: Optional[int] = None) -> bool:
        """Pushes one frame; returns whether it had to be copied."""
    def write_audio(self, samples: np.ndarray, planar: bool = False) -> int:
        """Pushes audio samples (float32, int16, int32 or float64; (n,), (n, channels), or
        (channels, n) when planar); returns the samples per channel pushed."""
    @property
    def audio_room(self) -> Optional[int]:
        """Samples write_audio takes now before the soundtrack runs more than audio_ahead
        seconds past the frames pushed; None without that bound."""
    @property
    def audio_samples_pushed(self) -> int:
        """Audio samples (per channel) accepted so far."""
    def finish(self) -> Tuple[Optional[bytes], Dict[str, Any]]:
        """Finishes the video: (bytes for a writer into memory, summary)."""
    def keep_partial(self) -> Tuple[Optional[str], Dict[str, Any]]:
        """Finalizes what was pushed in the partial file and leaves the target as it was:
        (the partial file's path, or None when nothing was kept, summary)."""
    @property
    def replaces_file(self) -> bool:
        """Whether finishing replaces a file that existed when the writer was opened."""
    @property
    def frames_pushed(self) -> int: ...
    @property
    def frames_copied(self) -> int: ...

def check_settings(settings: Sequence[Tuple[str, str]], container: Optional[str] = None) -> None:
    """Raises ValueError for an unknown setting or a value it does not take; with
    `container`, also for settings its encoder does not take there."""

def check_destination(settings: Sequence[Tuple[str, str]], output: str) -> None:
    """Raises ValueError for a setting `output` (a manifest, a server's URL, a file) does not
    take, or a codec its stream cannot carry; opens and connects to nothing."""

def ffmpeg_args_settings(
    output: Sequence[str], input: Sequence[str] = ...
) -> List[Tuple[str, str]]:
    """ffmpeg's flags as (key, value) settings, in order, by the library's one translator.

    `output` holds output flags (``["-c:v", "libx264", "-crf", "18", "-movflags",
    "+faststart"]``), `input` the flags that describe the frames (``-r``, ``-framerate``,
    ``-pix_fmt``, ``-s``). An output ``-r`` or ``-s`` must equal the input's (``-vf`` is the
    ``filter`` setting, which scales and converts rates). ``-y``, ``-loglevel``, ``-hide_banner``,
    ``-nostdin``, ``-an`` and the like are accepted and have no effect. Raises ValueError
    naming the flag for one without an equivalent (listing the supported flags), a missing
    value, or a value its setting does not take."""

def settings() -> List[Dict[str, Any]]:
    """Every setting, as dicts: key, aliases, value_name, help, choices, default, kind, group
    (its heading in the command line's help), encoders, description."""

def pixel_format_name(name: str) -> str:
    """The canonical name of an input pixel format."""

def frame_rate(text: str) -> Tuple[int, int]:
    """A frame rate as the library reads it: (numerator, denominator)."""
def concat(inputs: List[str], output: str) -> Tuple[int, float, int, int, int, str]: ...
def containers() -> List[Dict[str, Any]]:
    """The container table: name, aliases, extension, mime, browser, muxer, default_encoder."""
def encoders() -> List[Dict[str, Any]]:
    """The encoder table: name, aliases, available (whether the linked libavcodec has it), codec,
    pixel_formats, containers, license, quality (its numeric quality scale: key, best, worst,
    default; None where quality is not a number), presets (the named presets it takes, fastest
    first; empty where none)."""
def cli_main(argv: List[str]) -> int:
    """Runs the encode-native command line with argv (program name first); its exit status."""
def error_kinds() -> List[Dict[str, Any]]:
    """The error kinds: kind, exception (the class of encode_native._errors it raises)."""
