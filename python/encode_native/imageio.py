"""The imageio v3 plugin ``"encode_native"``: write videos with
``iio.imwrite(uri, frames, plugin="encode_native", fps=30)``.

Importing :mod:`encode_native` adds it to ``imageio.config.known_plugins`` (as soon as
imageio is imported) without touching imageio's choice of plugin for any extension: only
those who ask for ``plugin="encode_native"`` get it. It writes only (reading raises).

``uri`` may be a path (the container comes from its extension), a binary file-like
object, or ``"<bytes>"`` (with ``extension=".mp4"``), for which :func:`imwrite` returns the
video's bytes. Keyword arguments of ``write`` are :class:`encode_native.Writer`'s:
``fps``, ``crf``, ``preset``, ``pix_fmt``, ``input_format``, ...
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from imageio.core.request import URI_BYTES, URI_FILENAME, InitializationError, IOMode, Request
from imageio.core.v3_plugin_api import PluginV3

from . import Writer

__all__ = ["EncodeNativePlugin", "register"]


def register() -> None:
    """Adds the plugin to ``imageio.config.known_plugins`` (done on import of encode_native)."""
    import imageio.config

    from . import _register_imageio

    _register_imageio(imageio.config)


class EncodeNativePlugin(PluginV3):
    """Writes videos through encode_native (in-process FFmpeg, no subprocess).

    Several calls to :meth:`write` on one open file append to the same video; it is
    finished when the plugin closes (the end of ``imwrite`` or of the ``imopen`` block).
    """

    def __init__(self, request: Request, **kwargs: Any) -> None:
        super().__init__(request)
        self._writer: Optional[Writer] = None
        if request.mode.io_mode != IOMode.write:
            raise InitializationError("encode_native writes videos; it does not read them")
        self._to_bytes = request._uri_type == URI_BYTES
        self._options = kwargs

    def _target(self) -> Any:
        request = self.request
        if self._to_bytes:
            return None
        if request._uri_type == URI_FILENAME:
            return request.get_local_filename()
        return request.get_file()

    def _settings(self, settings: dict) -> dict:
        out = dict(self._options)
        out.update(settings)
        if self._to_bytes and "format" not in out:
            extension = self.request.extension or self.request.format_hint
            if extension:
                out["format"] = extension.lstrip(".")
        return out

    def write(
        self,
        ndimage: Any,
        *,
        is_batch: bool = True,
        fps: Any = 30,
        **settings: Any,
    ) -> Optional[bytes]:
        """Writes frames: an array (N, H, W[, C]) or a list of frames (``is_batch=True``,
        the default), or one frame (``is_batch=False``). ``fps`` and ``settings`` are
        :class:`encode_native.Writer`'s; they apply when the video starts (the first call).

        Returns the video's bytes when the uri is ``"<bytes>"``, else None."""
        frames = ndimage if is_batch else [ndimage]
        if isinstance(frames, np.ndarray) and is_batch and frames.ndim < 3:
            raise ValueError(f"a batch of frames has 3 or 4 dimensions, got shape {frames.shape}")
        if self._writer is None:
            self._writer = Writer(self._target(), fps, **self._settings(settings))
        self._writer.write_frames(frames)
        if self._to_bytes:
            self._writer.close()
            video = self._writer.video
            self._writer = None
            return bytes(video) if video is not None else None
        return None

    def read(self, *, index: int = 0) -> np.ndarray:
        """Not supported: encode_native only writes."""
        raise NotImplementedError("encode_native writes videos; read them with plugin='pyav'")

    def iter(self) -> Any:
        """Not supported: encode_native only writes."""
        raise NotImplementedError("encode_native writes videos; read them with plugin='pyav'")

    def properties(self, index: int = 0) -> Any:
        """Not supported: encode_native only writes."""
        raise NotImplementedError("encode_native writes videos; read them with plugin='pyav'")

    def metadata(self, index: int = 0, exclude_applied: bool = True) -> dict:
        """Not supported: encode_native only writes."""
        raise NotImplementedError("encode_native writes videos; read them with plugin='pyav'")

    def close(self) -> None:
        """Finishes the video and releases the request."""
        try:
            if self._writer is not None:
                writer, self._writer = self._writer, None
                writer.close()
        finally:
            super().close()
