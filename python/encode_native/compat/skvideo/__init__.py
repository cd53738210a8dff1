"""scikit-video's writers on encode-native: ``from encode_native.compat import skvideo``, then
``skvideo.io.FFmpegWriter(...)`` and ``skvideo.io.vwrite(...)`` as in scikit-video."""

from . import io

__all__ = ["io"]
