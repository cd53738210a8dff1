"""The imageio v3 plugin ``"encode_native"``: write videos with
``iio.imwrite(uri, frames, plugin="encode_native", fps=30)``.

Importing :mod:`encode_native` adds it to ``imageio.config.known_plugins`` (as soon as
imageio is imported) without touching imageio's choice of plugin for any extension: only
those who ask for ``plugin="encode_native"`` get it. It writes only (reading raises).

``uri`` may be a path (the container comes from its extension), a binary file-like
object (with ``extension=".mp4"`` or ``container="mp4"``), or ``"<bytes>"`` (with
``extension=".mp4"``), for which :func:`imwrite` returns the video's bytes.

It takes the writing keywords and methods of imageio's ``"pyav"`` plugin, so that
``plugin="pyav"`` becomes ``plugin="encode_native"`` (after ``import encode_native``) with
nothing else changed:

- ``write(frames, codec=, fps=, is_batch=, in_pixel_format=, out_pixel_format=,
  filter_sequence=, filter_graph=)``; the plugin's ``container="mp4"`` (the format name);
- ``init_video_stream(codec, fps=, pixel_format=, max_keyframe_interval=,
  force_keyframes=)``, ``write_frame(frame, pixel_format=)``, ``set_video_filter()``,
  ``container_metadata`` and ``video_stream_metadata`` inside ``imopen(..., "w")``.

They map onto :class:`encode_native.Writer`'s settings: ``codec`` (``h264`` is libx264;
``png``, and any ``.png`` file, is an APNG, which readers without APNG read as the PNG of
its first frame), ``fps`` (default 24, as the pyav plugin's), the output
pixel format to ``pix_fmt`` (``gray`` for a GIF: a palette of the frames' greys, exact),
the input pixel format to ``input_format`` (``rgb24``, ``bgr24``, ``rgba``, ``bgra``,
``gray``, ``gray16le``, ``rgb48le``, ``rgbf32``, planar ``yuv444p`` (3, H, W) and
``yuv420p``; ``gbrp``, ``argb``, ``abgr``, ``rgb0``, ``bgr0``, ``0rgb``, ``0bgr`` reordered;
8-bit Bayer mosaics demosaiced), ``max_keyframe_interval`` to ``gop``, ``force_keyframes``
to closed GOPs, the filters to the ``filter`` setting, the tags to ``metadata`` (a stream's
``rotate`` to the ``rotate`` setting). Any other keyword is a setting of
:class:`encode_native.Writer` (``crf``, ``preset``, ...). What cannot be done raises
ValueError saying what, where, what was expected and what was given.

imageio's v2 API drives it as imageio's ffmpeg plugin is driven: ``imageio.get_writer(path,
format="encode_native", fps=20)`` gives a writer whose ``append_data`` takes one frame,
and ``imageio.mimwrite``/``mimsave``/``imwrite`` with ``format="encode_native"`` write a
list of frames or one frame. These take imageio-ffmpeg's keywords (``quality``,
``macro_block_size``, ``output_params``, ...) and convert pixel values as imageio does:
see :mod:`encode_native.compat.imageio`, which is that writer.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from imageio.core.legacy_plugin_wrapper import LegacyPlugin
from imageio.core.request import (
    URI_BYTES,
    URI_FILENAME,
    InitializationError,
    IOMode,
    Request,
)
from imageio.core.v3_plugin_api import PluginV3

from . import Writer
from ._native import check_settings
from ._settings import container_entry, fps_text, fps_value, key_of, to_settings
from .compat.imageio import VideoWriter as _VideoWriter

__all__ = ["EncodeNativePlugin", "register"]

#: The pyav plugin's default frame rate.
DEFAULT_FPS = 24

#: Input pixel formats taken as 4-channel arrays in another channel order: the order of
#: (R, G, B, A) in the array, and the format the reordered array is written as.
_REORDER = {
    "argb": ((1, 2, 3, 0), "rgba"),
    "abgr": ((3, 2, 1, 0), "rgba"),
    "0rgb": ((1, 2, 3, 0), "rgba"),
    "0bgr": ((3, 2, 1, 0), "rgba"),
    "rgb0": ((0, 1, 2, 3), "rgba"),
    "bgr0": ((2, 1, 0, 3), "rgba"),
}

#: 8-bit Bayer mosaics: the colour of each pixel of a 2x2 cell, row by row.
_BAYER = {
    "bayer_rggb8": "RGGB",
    "bayer_bggr8": "BGGR",
    "bayer_grbg8": "GRBG",
    "bayer_gbrg8": "GBRG",
}

#: Input formats the library takes as they are (its in_pix_fmt names, after aliases).
_DIRECT = ("rgb24", "bgr24", "rgba", "bgra", "gray", "gray8", "gray16le", "gray16", "rgb48le",
           "rgb48", "rgbf32", "rgbf32le")

_INPUTS = ", ".join([*_DIRECT, "yuv444p", "yuv420p", "gbrp", *_REORDER, *_BAYER])


def register() -> None:
    """Adds the plugin to ``imageio.config.known_plugins`` (done on import of encode_native)."""
    import imageio.config

    from . import _register_imageio

    _register_imageio(imageio.config)


def _demosaic(frame: np.ndarray, pattern: str, where: str) -> np.ndarray:
    """An 8-bit Bayer mosaic (H, W) as RGB (H, W, 3): each 2x2 cell's red, the mean of its
    two greens and its blue, over the cell's four pixels."""
    h, w = frame.shape
    if h % 2 or w % 2:
        raise ValueError(f"{where}: a Bayer mosaic has an even width and height, got {w}x{h}")
    cells = {(0, 0): frame[0::2, 0::2], (0, 1): frame[0::2, 1::2],
             (1, 0): frame[1::2, 0::2], (1, 1): frame[1::2, 1::2]}
    at = {colour: [cells[divmod(i, 2)] for i, c in enumerate(pattern) if c == colour]
          for colour in "RGB"}
    green = (at["G"][0].astype(np.uint16) + at["G"][1] + 1) // 2
    rgb = np.stack([at["R"][0], green.astype(np.uint8), at["B"][0]], axis=-1)
    return np.repeat(np.repeat(rgb, 2, axis=0), 2, axis=1)


def as_input(frame: Any, pixel_format: Optional[str], where: str) -> Tuple[np.ndarray, Optional[str], Dict[str, int]]:
    """A frame in the pyav plugin's input pixel format as (array, the Writer's
    input_format, size settings): the library's formats as they are, others converted
    (reordered, demosaiced); ValueError for one that is neither, or a frame unlike it."""
    a = np.asarray(frame)
    if pixel_format is None:
        return a, None, {}
    name = str(pixel_format).lower()
    if name in _DIRECT:
        return a, name, {}
    if name in ("yuv444p", "yuv420p"):
        if a.dtype != np.uint8:
            raise ValueError(f"{where}: {name} frames are uint8, got {a.dtype}")
        if name == "yuv444p" and a.ndim == 3 and a.shape[0] == 3:
            return a, name, {"width": a.shape[2], "height": a.shape[1]}
        if name == "yuv420p" and a.ndim == 2 and a.shape[0] % 3 == 0:
            return a, name, {"width": a.shape[1], "height": a.shape[0] * 2 // 3}
        want = "(3, H, W), its three planes" if name == "yuv444p" else "(H * 3 / 2, W), Y then U then V"
        raise ValueError(f"{where}: {name} frames have the shape {want}; got {a.shape}")
    if name == "gbrp":
        if a.ndim != 3 or a.shape[0] != 3:
            raise ValueError(f"{where}: gbrp frames have the shape (3, H, W) (G, B, R planes); got {a.shape}")
        return np.stack([a[2], a[0], a[1]], axis=-1), None, {}
    if name in _REORDER:
        if a.ndim != 3 or a.shape[2] != 4 or a.dtype != np.uint8:
            raise ValueError(f"{where}: {name} frames are uint8 (H, W, 4); got {a.dtype} {a.shape}")
        order, as_format = _REORDER[name]
        return a[:, :, list(order)], as_format, {}
    if name in _BAYER:
        if a.ndim != 2 or a.dtype != np.uint8:
            raise ValueError(f"{where}: {name} frames are uint8 (H, W); got {a.dtype} {a.shape}")
        return _demosaic(a, _BAYER[name], where), "rgb24", {}
    raise ValueError(f"{where}: in_pixel_format {pixel_format!r} is not one encode_native "
                     f"takes; expected one of {_INPUTS}")


def filter_text(filter_sequence: Any = None, filter_graph: Any = None) -> Optional[str]:
    """The pyav plugin's filters as one FFmpeg filter graph description, as ffmpeg's ``-vf``
    takes it (the ``filter`` setting): a sequence ``[("scale", "320:-1"), ("fps", {"fps":
    "10"})]`` as the chain ``scale=320:-1,fps=fps=10``; a graph (nodes, edges) after it,
    each link labelled, its ends ``video_in`` and ``video_out`` the labels ``[vin]`` and
    ``[vout]`` of ``null`` filters whose other pads are the graph's open input and output.
    None for neither."""
    def one(name: Any, argument: Any) -> str:
        if isinstance(argument, dict):
            argument = ":".join(f"{k}={v}" for k, v in argument.items())
        return f"{name}={argument}" if argument else str(name)

    chain = ",".join(one(n, a) for n, a in (filter_sequence or []))
    if not filter_graph:
        return chain or None
    nodes, edges = filter_graph
    inputs: Dict[str, Dict[int, str]] = {name: {} for name in nodes}
    outputs: Dict[str, Dict[int, str]] = {name: {} for name in nodes}
    for k, (src, dst, out_idx, in_idx) in enumerate(edges):
        label = "vin" if src == "video_in" else "vout" if dst == "video_out" else f"l{k}"
        if src != "video_in":
            outputs[src][out_idx] = label
        if dst != "video_out":
            inputs[dst][in_idx] = label
    parts = [f"{chain or 'null'}[vin]"]
    if ("video_in", "video_out") in [(e[0], e[1]) for e in edges]:
        parts.append("[vin]null[vout]")  # the frames passed on as they are
    for name, (filt, argument) in nodes.items():
        ins = "".join(f"[{inputs[name][i]}]" for i in sorted(inputs[name]))
        outs = "".join(f"[{outputs[name][i]}]" for i in sorted(outputs[name]))
        parts.append(ins + one(filt, argument) + outs)
    parts.append("[vout]null")
    return ";".join(parts)


class _Tags(Dict[str, Any]):
    """Tags to write (``container_metadata``, ``video_stream_metadata``): settable until
    the video starts, then read-only (the header holding them is written)."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self._what = what
        self._frozen = False

    def _check(self) -> None:
        if self._frozen:
            raise RuntimeError(f"{self._what}: the video has started, its header is written; "
                               "set tags before the first frame")

    def __setitem__(self, key: Any, value: Any) -> None:
        self._check()
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self._check()
        super().__delitem__(key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """As dict's, before the video starts."""
        self._check()
        super().update(*args, **kwargs)


class EncodeNativePlugin(LegacyPlugin):
    """Writes videos through encode_native (in-process FFmpeg, no subprocess).

    Several calls to :meth:`write` on one open file append to the same video; it is
    finished when the plugin closes (the end of ``imwrite`` or of the ``imopen`` block).

    It is a v3 plugin; it derives from imageio's ``LegacyPlugin`` only because that is how
    imageio's v2 ``get_writer`` asks a plugin for a v2 writer (:meth:`legacy_get_writer`),
    one frame per ``append_data``, instead of wrapping :meth:`write`, which takes batches.
    """

    def __init__(self, request: Request, *, container: Optional[str] = None, **kwargs: Any) -> None:
        PluginV3.__init__(self, request)
        self._writer: Optional[Writer] = None
        if request.mode.io_mode != IOMode.write:
            raise InitializationError("encode_native writes videos; it does not read them")
        self._to_bytes = request._uri_type == URI_BYTES
        self._options = kwargs
        extension = (request.extension or request.format_hint or "").lower()
        if container is not None:
            if container_entry(str(container)) is None:
                raise InitializationError(f"container {container!r} is not one encode_native "
                                          f"writes; expected one of {_containers()}")
            self._options["format"] = container
        elif extension and extension != ".png" and container_entry(extension) is None and "format" not in kwargs:
            raise InitializationError(f"encode_native cannot write {extension!r} files: expected "
                                      f"one of {_containers()}, or container=")
        elif not extension and request._uri_type not in (URI_FILENAME, URI_BYTES) and "format" not in kwargs:
            raise InitializationError("encode_native needs the container of a file object: give "
                                      "extension='.mp4' or container='mp4'")
        # init_video_stream's settings (None: not yet called), the filters and the tags.
        self._stream: Optional[Dict[str, Any]] = None
        self._filter: Optional[str] = None
        self._in_format: Optional[Tuple[Optional[str], Optional[str]]] = None
        self._container_tags = _Tags("container_metadata")
        self._stream_tags = _Tags("video_stream_metadata")

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

    # -- the pyav plugin's interface ------------------------------------------------------

    def init_video_stream(
        self,
        codec: Optional[str] = None,
        *,
        fps: Any = DEFAULT_FPS,
        pixel_format: Optional[str] = None,
        max_keyframe_interval: Optional[int] = None,
        force_keyframes: Optional[bool] = None,
        **settings: Any,
    ) -> None:
        """Starts the video stream, as the pyav plugin's: ``codec`` (an FFmpeg encoder or
        codec name, ``h264``, ``libx264``, ``hevc``, ``vp9``, ``av1``, ``gif``, ``png``, ...;
        None: the container's default), ``fps`` (default 24), ``pixel_format`` (stored:
        ``yuv420p``, ``yuv444p``, ``rgb24``, ``pal8``, ...; None: the encoder's default),
        ``max_keyframe_interval`` (the ``gop`` setting), ``force_keyframes`` (True: closed
        GOPs, every I-frame a keyframe; False: open GOPs where the encoder makes them).
        Other keywords are :class:`encode_native.Writer`'s settings. Checked now; the
        video starts at the first frame (:meth:`write_frame`)."""
        if self._stream is not None:
            raise RuntimeError("init_video_stream: the video stream is already initialized "
                               "(encode_native writes one video stream)")
        stream: Dict[str, Any] = dict(self._options)
        stream.update(settings)
        stream["fps"] = fps
        ext = (self.request.extension or self.request.format_hint or "").lower()
        if ext == ".png":
            stream.setdefault("format", "apng")  # an APNG is a PNG (of its first frame)
        out_format = stream.get("format")
        if codec is not None:
            name = str(codec).lower()
            if name == "libvpx":
                raise ValueError("init_video_stream: codec 'libvpx' is FFmpeg's VP8 encoder, which "
                                 "encode_native does not have; expected 'vp9' (libvpx-vp9) or "
                                 "another of its encoders")
            if name == "png":
                if ext not in (".png", ".apng") and str(out_format or "").lower() != "apng":
                    raise ValueError(f"init_video_stream: codec 'png' is written as an APNG, in a "
                                     f".png or .apng file; this one is {ext or out_format!r}")
                name = "apng"
            stream["codec"] = name
        if pixel_format is not None:
            out = str(pixel_format).lower()
            codec_name = str(stream.get("codec") or "")
            is_gif = codec_name == "gif" or (not codec_name and (ext == ".gif" or out_format == "gif"))
            if is_gif and out in ("gray", "gray8"):
                # A GIF holds a palette: one per frame of up to 256 greys keeps every grey.
                stream.update(pix_fmt="pal8", colors=256, palette="per-frame", dither="none")
                stream["_gray_gif"] = True
            else:
                stream["pix_fmt"] = out
        if max_keyframe_interval is not None:
            stream["gop"] = max_keyframe_interval
        if force_keyframes is not None:
            option = "flags=+cgop" if force_keyframes else "flags=-cgop"
            stream["codec_option"] = [*_as_list(stream.get("codec_option")), option]
        checked = {k: v for k, v in stream.items() if not k.startswith("_")}
        container = checked.get("format") or (ext.lstrip(".") if ext else None)
        check_settings(to_settings(checked), str(container) if container else None)
        self._stream = stream

    def set_video_filter(self, filter_sequence: Any = None, filter_graph: Any = None) -> None:
        """The filters frames go through before the encoder, as the pyav plugin's: a
        sequence ``[("scale", "320:240")]`` and/or a graph (nodes, edges); None for none.
        They become the ``filter`` setting, so they are set before the first frame."""
        text = filter_text(filter_sequence, filter_graph)
        if self._writer is not None:
            if text != self._filter:
                raise RuntimeError(f"set_video_filter: the video has started with the filter "
                                   f"{self._filter!r}; filters are set before the first frame")
            return
        if text is not None and key_of("filter") is None:
            raise ValueError(f"set_video_filter: the filter {text!r} needs the filter setting, "
                             "which this build of encode_native does not have")
        self._filter = text

    def write_frame(self, frame: Any, *, pixel_format: str = "rgb24") -> None:
        """Adds one frame, as the pyav plugin's: ``pixel_format`` is the frame's layout
        (default ``rgb24``, which also takes (H, W) greys and (H, W, 4) RGBA, uint16 and
        float frames as :class:`encode_native.Writer` does; see the module's list). Call
        :meth:`init_video_stream` first."""
        if self._stream is None:
            raise RuntimeError("write_frame before init_video_stream: call "
                               "init_video_stream(codec, fps=...) first")
        index = 0 if self._writer is None else self._writer.frames_written
        where = f"frame {index}"
        name = None if pixel_format in (None, "rgb24") else str(pixel_format).lower()
        array, input_format, size = as_input(frame, name, where)
        if self._stream.get("_gray_gif") and not (
                input_format in ("gray", "gray8") or (input_format is None and array.ndim == 2)):
            raise ValueError(f"{where}: out_pixel_format 'gray' for a GIF takes grey frames "
                             f"(in_pixel_format='gray', (H, W)); got {array.shape}")
        if self._writer is None:
            settings = {k: v for k, v in self._stream.items() if not k.startswith("_")}
            fps = settings.pop("fps")
            settings.update(size)
            if self._filter is not None:
                settings["filter"] = self._filter
            tags = [f"{k}={v}" for k, v in self._container_tags.items()]
            for k, v in self._stream_tags.items():
                if k == "rotate":
                    settings["rotate"] = v
                else:
                    tags.append(f"s:v:{k}={v}")
            if tags:
                settings["metadata"] = tags
            self._container_tags._frozen = self._stream_tags._frozen = True
            self._writer = Writer(self._target(), fps, input_format=input_format,
                                  **self._settings(settings))
            self._in_format = (pixel_format, input_format)
        elif self._in_format is not None and self._in_format[1] != input_format:
            raise ValueError(f"{where}: pixel_format {pixel_format!r}, but the video started "
                             f"with {self._in_format[0]!r}")
        self._writer.write(array)

    @property
    def container_metadata(self) -> Dict[str, Any]:
        """Tags of the file (``title``, ``comment``, ...), set before the first frame."""
        return self._container_tags

    @property
    def video_stream_metadata(self) -> Dict[str, Any]:
        """Tags of the video stream (``language``, ...; ``rotate`` is the display rotation,
        0, 90, 180 or 270), set before the first frame."""
        return self._stream_tags

    # -- imageio's v3 interface -----------------------------------------------------------

    def write(
        self,
        ndimage: Any,
        *,
        codec: Optional[str] = None,
        is_batch: Optional[bool] = None,
        fps: Any = None,
        in_pixel_format: Optional[str] = None,
        out_pixel_format: Optional[str] = None,
        filter_sequence: Any = None,
        filter_graph: Any = None,
        **settings: Any,
    ) -> Optional[bytes]:
        """Writes frames: an array (N, H, W[, C]) or a list of frames (``is_batch=True``,
        the default), or one frame (``is_batch=False``), with the pyav plugin's keywords:
        ``codec``, ``fps`` (default 24), ``in_pixel_format`` (the frames' layout; None:
        from the array), ``out_pixel_format``, ``filter_sequence``, ``filter_graph`` (see
        :meth:`init_video_stream`, :meth:`write_frame`, :meth:`set_video_filter`). Other
        ``settings`` are :class:`encode_native.Writer`'s. The first call starts the video;
        a later one giving another codec, frame rate or filter raises ValueError.

        Called by imageio's v2 ``imwrite`` (one frame) or ``mimwrite`` (a list), it takes
        imageio-ffmpeg's keywords and imageio's pixel conventions, as
        :meth:`legacy_get_writer`.

        Returns the video's bytes when the uri is ``"<bytes>"``, else None."""
        image_mode = self.request.mode.image_mode.value
        if image_mode != "?":
            # imageio v2's imwrite ("wi") and mimwrite ("wI"): one call per file.
            if fps is not None:
                settings["fps"] = fps
            if codec is not None:
                settings["codec"] = codec
            batch = image_mode in ("I", "V") if is_batch is None else is_batch
            legacy = self._v2_writer(settings)
            with legacy:
                for frame in ndimage if batch else [ndimage]:
                    legacy.append_data(frame)
            return legacy.result
        batch = True if is_batch is None else is_batch
        if isinstance(ndimage, list):
            frames: Any = ndimage
            shapes = [np.shape(f) for f in frames]
            odd = next((i for i, s in enumerate(shapes) if s != shapes[0]), None)
            if odd is not None:
                # Refused before any frame is written, as the pyav plugin does.
                raise ValueError(f"write: all frames should have the same shape; frame {odd} "
                                 f"has {shapes[odd]}, frame 0 {shapes[0]}")
        elif batch:
            frames = np.asarray(ndimage)
            if frames.ndim < 3:
                raise ValueError(f"a batch of frames has 3 or 4 dimensions, got shape {frames.shape}")
        else:
            frames = [ndimage]
        if self._stream is None:
            self.init_video_stream(codec, fps=DEFAULT_FPS if fps is None else fps,
                                   pixel_format=out_pixel_format, **settings)
            self.set_video_filter(filter_sequence, filter_graph)
        else:
            self._check_same(codec, fps, out_pixel_format, settings,
                             filter_text(filter_sequence, filter_graph))
        for frame in frames:
            self.write_frame(frame, pixel_format=in_pixel_format)  # type: ignore[arg-type]
        if self._to_bytes and self._writer is not None:
            self._writer.close()
            video = self._writer.video
            self._writer = None
            return bytes(video) if video is not None else None
        return None

    def _check_same(self, codec: Any, fps: Any, out_pixel_format: Any, settings: Dict[str, Any],
                    filters: Optional[str]) -> None:
        """A later write's keywords: the video's own (as given first), or ValueError."""
        assert self._stream is not None
        given = {"codec": codec, "fps": fps, "out_pixel_format": out_pixel_format, **settings}
        first = {"codec": self._stream.get("codec"), "fps": self._stream.get("fps"),
                 "out_pixel_format": self._stream.get("pix_fmt"), **self._stream}
        if codec is not None and str(codec).lower() in ("png",):
            given["codec"] = "apng"
        for key, value in given.items():
            if value is None:
                continue
            was = first.get(key)
            same = str(value).lower() == str(was).lower()
            if key == "fps" and was is not None:
                same = fps_value(fps_text(value)) == fps_value(fps_text(was))
            if key == "out_pixel_format" and self._stream.get("_gray_gif"):
                same = str(value).lower() in ("gray", "gray8")
            if not same:
                raise ValueError(f"write: {key}={value!r}, but the video started with "
                                 f"{was!r}; settings apply when the video starts (the first write)")
        if filters is not None and filters != self._filter:
            raise ValueError(f"write: the filter {filters!r}, but the video started with "
                             f"{self._filter!r}; filters apply from the first frame")

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


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [f"{k}={v}" for k, v in value.items()]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _containers() -> str:
    from ._native import containers

    return ", ".join(c["name"] for c in containers())


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
