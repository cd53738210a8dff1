"""The exceptions encode-native raises: one base, :class:`Error`, and one class per kind of
failure, each also the builtin a caller would catch without knowing this package
(``ConfigError`` is a ``ValueError``, ``OutputError`` an ``OSError`` with its errno, ...), so
that ``except ValueError`` code keeps working and ``except encode_native.Error`` catches
everything of ours.

    Error
    ├── ConfigError(Error, ValueError)       a setting is invalid, or the linked FFmpeg or the
    │                                        output cannot do what was asked
    ├── FrameError(Error, ValueError)        a frame, its timestamp or samples were refused;
    │                                        the writer goes on
    ├── WriterFinishedError(Error, ValueError)  the writer was used after it had finished
    ├── EncoderError(Error, RuntimeError)    FFmpeg failed while encoding or muxing, or a bug
    │                                        (``EncodeError`` is the same class, its old name)
    └── OutputError(Error, OSError)          reading or writing a file or stream failed; with
        │                                    the errno, and also the builtin OSError subclass
        │                                    of that errno (``FileNotFoundError``, ...)
        └── NoSpaceError(OutputError)        the disk or device is full (ENOSPC)
"""

from __future__ import annotations

import errno as _errno

__all__ = [
    "Error",
    "ConfigError",
    "FrameError",
    "WriterFinishedError",
    "EncoderError",
    "EncodeError",
    "OutputError",
    "NoSpaceError",
]


class Error(Exception):
    """Every exception encode-native raises is one of these."""


class ConfigError(Error, ValueError):
    """A setting is invalid, or the linked FFmpeg or the output cannot do what was asked (an
    encoder it lacks, AVI to a stream, segments that differ)."""


class FrameError(Error, ValueError):
    """A frame, its timestamp or audio samples were refused; the writer goes on."""


class WriterFinishedError(Error, ValueError):
    """The writer was used after it had finished."""


class EncoderError(Error, RuntimeError):
    """FFmpeg failed while encoding or muxing (the message carries its own words), or the
    encoder thread stopped without saying why."""


#: The name this class had before the hierarchy: the same class.
EncodeError = EncoderError


class OutputError(Error, OSError):
    """Reading or writing a file or stream failed: ``errno`` and ``filename`` as OSError has
    them. Raised as the subclass that is also the builtin for its errno
    (``FileNotFoundError``, ``PermissionError``, ...) where Python has one."""


class NoSpaceError(OutputError):
    """The disk (or the device) is full: ``ENOSPC``."""


# One class per builtin OSError subclass met, made once: OutputError and that builtin.
_BY_BUILTIN: dict[type, type] = {}


def output_error(number: int | None, text: str) -> OutputError:
    """The exception for an I/O failure with `number` (an errno, or None) and `text`."""
    if number is None:
        return OutputError(text)
    if number == _errno.ENOSPC:
        return NoSpaceError(number, text)
    builtin = type(OSError(number, text))
    if builtin is OSError:
        return OutputError(number, text)
    cls = _BY_BUILTIN.get(builtin)
    if cls is None:
        cls = type(
            builtin.__name__,
            (OutputError, builtin),
            {"__module__": __name__, "__doc__": f"An OutputError that is also a {builtin.__name__}."},
        )
        _BY_BUILTIN[builtin] = cls
    return cls(number, text)
