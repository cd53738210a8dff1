"""The imageio v3 plugin ``"encode_native"``: write videos with
``iio.imwrite(uri, frames, plugin="encode_native", fps=30)``.

Importing :mod:`encode_native` adds it to ``imageio.config.known_plugins`` (as soon as
imageio is imported) without touching imageio's choice of plugin for any extension: only
those who ask for ``plugin="encode_native"`` get it. It writes only (reading raises).

``uri`` may be a path (the container comes from its extension), a binary file-like
object, or ``"<bytes>"`` (with ``extension=".mp4"``), for which :func:`imwrite` returns the
video's bytes. Keyword arguments of ``write`` are :class:`encode_native.Writer`'s:
``fps``, ``crf``, ``preset``, ``pix_fmt``, ``input_format``, ...

imageio's v2 API drives it as imageio's ffmpeg plugin is driven: ``imageio.get_writer(path,
format="encode_native", fps=20)`` gives a writer whose ``append_data`` takes one frame,
and ``imageio.mimwrite``/``mimsave``/``imwrite`` with ``format="encode_native"`` write a
list of frames or one frame. These take imageio-ffmpeg's keywords (``quality``,
``macro_block_size``, ``output_params``, ...) and convert pixel values as imageio does:
see :mod:`encode_native.compat.imageio`, which is that writer.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
from imageio.core.legacy_plugin_wrapper import LegacyPlugin
from imageio.core.request import URI_BYTES, URI_FILENAME, InitializationError, IOMode, Request
from imageio.core.v3_plugin_api import PluginV3

from . import Writer
from .compat.imageio import VideoWriter as _VideoWriter

__all__ = ["EncodeNativePlugin", "register"]


def register() -> None:
    """Adds the plugin to ``imageio.config.known_plugins`` (done on import of encode_native)."""
    import imageio.config

    from . import _register_imageio

    _register_imageio(imageio.config)


class EncodeNativePlugin(LegacyPlugin):
    """Writes videos through encode_native (in-process FFmpeg, no subprocess).

    Several calls to :meth:`write` on one open file append to the same video; it is
    finished when the plugin closes (the end of ``imwrite`` or of the ``imopen`` block).

    It is a v3 plugin; it derives from imageio's ``LegacyPlugin`` only because that is how
    imageio's v2 ``get_writer`` asks a plugin for a v2 writer (:meth:`legacy_get_writer`),
    one frame per ``append_data``, instead of wrapping :meth:`write`, which takes batches.
    """

    def __init__(self, request: Request, **kwargs: Any) -> None:
        PluginV3.__init__(self, request)
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

    def _v2_writer(self, kwargs: dict) -> "_V2Writer":
        request = self.request
        extension = (request.extension or request.format_hint or ".mp4").lower()
        return _V2Writer(self, self._target(), extension, **{**self._options, **kwargs})

    def legacy_get_writer(self, **kwargs: Any) -> "_V2Writer":  # type: ignore[override]
        """imageio v2's writer (``imageio.get_writer(path, format="encode_native")``):
        ``append_data`` takes one frame; the keywords are imageio-ffmpeg's (see
        :mod:`encode_native.compat.imageio`)."""
        return self._v2_writer(kwargs)

    def legacy_get_reader(self, **kwargs: Any) -> Any:
        """Not supported: encode_native only writes."""
        raise NotImplementedError("encode_native writes videos; read them with plugin='pyav'")

    def write(
        self,
        ndimage: Any,
        *,
        is_batch: Optional[bool] = None,
        fps: Any = None,
        **settings: Any,
    ) -> Optional[bytes]:
        """Writes frames: an array (N, H, W[, C]) or a list of frames (``is_batch=True``,
        the default), or one frame (``is_batch=False``). ``fps`` (default 30) and
        ``settings`` are :class:`encode_native.Writer`'s; they apply when the video starts
        (the first call).

        Called by imageio's v2 ``imwrite`` (one frame) or ``mimwrite`` (a list), it takes
        imageio-ffmpeg's keywords and imageio's pixel conventions, as
        :meth:`legacy_get_writer`.

        Returns the video's bytes when the uri is ``"<bytes>"``, else None."""
        image_mode = self.request.mode.image_mode.value
        if image_mode != "?":
            # imageio v2's imwrite ("wi") and mimwrite ("wI"): one call per file.
            if fps is not None:
                settings["fps"] = fps
            batch = image_mode in ("I", "V") if is_batch is None else is_batch
            frames = ndimage if batch else [ndimage]
            legacy = self._v2_writer(settings)
            with legacy:
                for frame in frames:
                    legacy.append_data(frame)
            return legacy.result
        batch = True if is_batch is None else is_batch
        frames = ndimage if batch else [ndimage]
        if isinstance(frames, np.ndarray) and batch and frames.ndim < 3:
            raise ValueError(f"a batch of frames has 3 or 4 dimensions, got shape {frames.shape}")
        if self._writer is None:
            self._writer = Writer(self._target(), 30 if fps is None else fps,
                                  **self._settings(settings))
        self._writer.write_frames(frames)
        if self._to_bytes:
            self._writer.close()
            video = self._writer.video
            self._writer = None
            return bytes(video) if video is not None else None
        return None

    def read(self, *, index: Optional[int] = 0, **kwargs: Any) -> np.ndarray:
        """Not supported: encode_native only writes."""
        raise NotImplementedError("encode_native writes videos; read them with plugin='pyav'")

    def iter(self, **kwargs: Any) -> Any:
        """Not supported: encode_native only writes."""
        raise NotImplementedError("encode_native writes videos; read them with plugin='pyav'")

    def properties(self, index: Optional[int] = 0) -> Any:
        """Not supported: encode_native only writes."""
        raise NotImplementedError("encode_native writes videos; read them with plugin='pyav'")

    def metadata(self, index: Optional[int] = 0, exclude_applied: bool = True) -> dict:
        """Not supported: encode_native only writes."""
        raise NotImplementedError("encode_native writes videos; read them with plugin='pyav'")

    def close(self) -> None:
        """Finishes the video and releases the request."""
        try:
            if self._writer is not None:
                writer, self._writer = self._writer, None
                writer.close()
        finally:
            PluginV3.close(self)

    def __del__(self) -> None:
        PluginV3.__del__(self)


class _V2Writer(_VideoWriter):
    """imageio v2's writer on this plugin's request: one frame per ``append_data``; closing
    it finishes the video and the request (and hands ``"<bytes>"``'s video to imageio)."""

    def __init__(self, plugin: EncodeNativePlugin, target: Any, extension: str, **kwargs: Any) -> None:
        self._plugin = plugin
        super().__init__(_RETURN_BYTES if target is None else target, extension, **kwargs)

    @property
    def request(self) -> Request:
        """The imageio request written to."""
        return self._plugin.request

    def close(self) -> None:
        if self.closed:
            return
        try:
            super().close()
        finally:
            if self._result is not None:
                # Where imageio's get_result() takes "<bytes>"'s data from.
                self._plugin.request._result = self._result  # type: ignore[attr-defined]
            self._plugin.close()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
            return
        try:
            super().__exit__(exc_type, exc, tb)
        finally:
            self._plugin.close()


_RETURN_BYTES = "<bytes>"
