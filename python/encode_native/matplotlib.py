"""The matplotlib movie writer ``"encode_native"``: ``ani.save("x.mp4", writer="encode_native")``.

Importing :mod:`encode_native` registers it (as soon as :mod:`matplotlib.animation` is
imported), so it works wherever ``writer="ffmpeg"`` does, with the same arguments. The
import is needed: without it matplotlib answers ``'encode_native' is not a valid value for
writer``. matplotlib knows only the movie writers registered by modules already imported
(``matplotlib.animation.writers``, filled by ``@writers.register``); it looks for none in
entry points or plugins, so there is no registration that works without the import::

    import encode_native  # registers writer="encode_native"
    ani.save("sine.mp4", writer="encode_native", fps=30, dpi=100)

    with EncodeNativeWriter(fps=30, crf=18).saving(fig, "out.mp4", dpi=100) as writer:
        for ...:
            update(...)
            writer.grab_frame()

Each frame is taken from the figure's Agg canvas (``fig.canvas.buffer_rgba()``), drawn at
most once: where matplotlib's pipe writers draw the figure twice per frame (once for the
animation, once through ``savefig``) and send the pixels to an ``ffmpeg`` process, this
writer draws it only when it changed. A blitted animation (``blit=True``) is not drawn in
full for every frame either: its animated artists, and what a full draw puts over them, are
drawn over a background of the rest, in the full draw's order, so the pixels are those of a
full draw (the background is drawn again whenever anything else changes). The pictures are
the same as ``writer="ffmpeg"`` makes (the figure at the saving dpi, composited on its face
colour). When a frame needs what only ``savefig`` does (``savefig_kwargs`` that change the
picture, a canvas that is not Agg, a HiDPI screen), it renders through ``savefig``.
Between ``setup`` and ``finish`` (the ``saving`` block) the canvas is in saving mode, as
during ``savefig``: animated artists are part of the picture, and ``draw_idle`` draws
nothing (``grab_frame`` draws what changed), so a figure on screen is not redrawn meanwhile.

``fps``, ``dpi``, ``codec`` (``h264``, ``mpeg4``), ``bitrate`` (kbit/s) and ``extra_args``
(ffmpeg output options such as ``["-preset", "ultrafast", "-crf", "18"]``) mean what they
mean for ``writer="ffmpeg"``. A ``bitrate`` the output's encoder has no use for (GIF and
its palette, lossless APNG or FFV1, WebP's quality scale, ProRes's profiles) is ignored
with a warning naming it, logged as matplotlib logs what ``save`` discards (its ffmpeg and
Pillow writers ignore such a bitrate silently, and its own tests, which turn warnings into
errors, pass one for every format):
``ani.save("movie.gif", writer="encode_native", bitrate=500)`` saves the GIF and logs
"bitrate=500 does not apply to GIF output and is ignored" (:class:`encode_native.Writer`
itself refuses such a bitrate, and a ``-b:v`` in ``extra_args`` is refused too). A
``codec`` the container cannot take is refused by ``setup`` with the library's error; the
rcParams defaults ``animation.codec`` and ``animation.bitrate`` are used only where they
fit, so a GIF or WebM gets its own encoder. Any setting of :class:`encode_native.Writer` may also be given
as a keyword (``EncodeNativeWriter(fps=30, crf=18, preset="veryfast")``, ``audio="music.wav"``).
``metadata`` (``dict(title=..., artist=..., comment=...)``) is written as the file's tags,
and so is ``-metadata key=value`` in ``extra_args``; a key the container cannot store is
refused by ``setup`` with the library's error (MKV stores any key; MP4 a fixed set).
"""

from __future__ import annotations

import collections
import io
import logging
import os
import sys
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib import animation
from matplotlib import axes as maxes
from matplotlib import colors as mcolors
from matplotlib.backends.backend_agg import FigureCanvasAgg

from . import Summary, Writer, _native, _parallel, _settings
from ._native import check_settings, ffmpeg_args_settings

__all__ = ["EncodeNativeWriter", "extra_args_settings"]

_log = logging.getLogger(__name__)

# Writer arguments that are not library settings.
_NOT_SETTINGS = {"progress", "total", "input_format"}


def _as_settings(kwargs: Dict[str, Any]) -> List[Tuple[str, str]]:
    """The writer's keywords that are library settings, as (key, value) pairs (an ``audio``
    array is samples, not a setting)."""
    return _settings.to_settings({
        k: v for k, v in kwargs.items()
        if k not in _NOT_SETTINGS and not (k == "audio" and not isinstance(v, (str, os.PathLike)))
    })


def extra_args_settings(extra_args: Sequence[str]) -> List[Tuple[str, str]]:
    """ffmpeg output options (matplotlib's ``extra_args``) as encode_native settings.

    The library's translator of ffmpeg's flags reads them (the flags it knows are listed
    in the docs of ``encode_native._native.ffmpeg_args_settings``): ``-crf 18`` is crf,
    ``-vcodec`` codec, ``-movflags +faststart`` faststart, ``-color_range pc`` full_range,
    ``-bf 2`` the encoder option bf=2, ``-metadata title=X`` a tag, ``-c:a``/``-b:a``/``-ar``/
    ``-ac`` the soundtrack's codec, bitrate, rate and channels; ``-y`` or ``-loglevel`` have
    no effect. Options that
    change what is encoded (filters, scaling, seeking, frame-rate conversion) and unknown
    ones raise ValueError naming them and listing the supported flags."""
    try:
        return ffmpeg_args_settings([str(a) for a in extra_args])
    except ValueError as e:
        raise ValueError(f"extra_args: {e}") from None


def _same_color(given: Any, actual: Any) -> bool:
    if isinstance(given, str) and given == "auto":
        return True
    try:
        rgba = mcolors.to_rgba(given)
    except ValueError:
        return False
    return bool(np.allclose(rgba, mcolors.to_rgba(actual)) and rgba[3] == 1.0)


_MISSING = object()


def _container_name(text: str) -> str:
    """A container's name for a name, alias or extension (unknown text as it is)."""
    t = text.lower()
    for c in _native.containers():
        if t == c["name"] or t == c["extension"] or t in c["aliases"]:
            return str(c["name"])
    return t


def _encoder_name(codec: str) -> str:
    """The library's encoder for a codec name or alias (unknown names as they are)."""
    e = _settings.encoder_entry(codec)
    return str(e["name"]) if e else codec.lower()


def _check_codec_fits(codec: str, container: str, outfile: Any) -> None:
    """Refuses a chosen codec that `container` cannot hold (the library would otherwise
    use the container's own encoder for the default H.264)."""
    e = _settings.encoder_entry(codec)
    if e is not None and container not in e["containers"]:
        own = _settings.default_encoder(container)
        raise ValueError(
            f"cannot save {outfile!r}: codec {codec!r} ({e['name']}) does not go in "
            f"{container}, only in {', '.join(e['containers'])}; leave codec out for "
            f"{container}'s own ({own})"
        )


def _skip_draw(renderer: Any) -> None:
    """Stands in for an artist's draw while the background is drawn without it."""


def _axes_draw_list(ax: Any) -> List[Any]:
    """The artists `Axes.draw` draws after the Axes patch, in its order (when saving)."""
    artists = [a for a in ax.get_children() if a is not ax.patch]
    if not (ax.axison and ax.get_frame_on()):
        spines = list(ax.spines.values())
        artists = [a for a in artists if not any(a is s for s in spines)]
    if not ax.axison:
        artists = [a for a in artists if a is not ax.xaxis and a is not ax.yaxis]
    return sorted(artists, key=lambda a: a.get_zorder())


class _BlitFrames:
    """Draws the frames of a blitted animation the way a full draw would, at blitting's cost.

    Artists a blitted animation changes are "animated": they do not mark the figure stale,
    and matplotlib draws them over a saved background on screen. When saving, matplotlib
    draws the whole figure for every frame instead. This does what the full draw does in
    fewer steps: the background is a full draw without the first animated artist of the
    first Axes holding one and everything drawn after it (the rest of that Axes' artists
    in z-order, the figure's later children); each frame restores it and draws those
    artists, in the full draw's order, so the pixels are the full draw's. Whenever the
    figure is stale (something not animated changed) or the artists change, the background
    is drawn again. Figures this does not reproduce exactly (a layout engine, subfigures,
    Axes with their own draw, rasterization z-order) are drawn in full.
    """

    def __init__(self, fig: Any) -> None:
        self.fig = fig
        self.plan: Optional[Tuple[Any, ...]] = None
        self.background: Any = None
        self.size: Any = None

    def animated(self) -> List[Any]:
        """The animated artists a full draw while saving draws (the figure's own animated
        children it never draws)."""
        fig = self.fig
        own = {id(a) for a in fig.get_children()}
        return [a for a in fig.findobj(lambda a: a.get_animated(), include_self=False) if id(a) not in own]

    def make_plan(self, animated: List[Any]) -> Optional[Tuple[Any, ...]]:
        """(tail of the Axes, later figure children) to draw over the background, or None
        when this figure is to be drawn in full."""
        fig = self.fig
        if fig.get_layout_engine() is not None or getattr(fig, "subfigs", None):
            return None
        by_axes: Dict[Any, List[Any]] = {}
        for a in animated:
            ax = a.axes
            if ax is None or not any(a is c for c in ax.get_children()):
                return None  # inside a legend, an inset, ...: drawn in full
            by_axes.setdefault(ax, []).append(a)
        children = sorted((a for a in fig.get_children() if a is not fig.patch and not a.get_animated()),
                          key=lambda a: a.get_zorder())
        positions = [i for i, a in enumerate(children) if a in by_axes]
        if len(positions) != len(by_axes):
            return None  # an Axes that is not the figure's own
        first = positions[0]
        ax = children[first]
        if type(ax).draw is not maxes.Axes.draw or ax.get_rasterization_zorder() is not None:
            return None
        order = _axes_draw_list(ax)
        moving = by_axes[ax]
        start = next(i for i, a in enumerate(order) if any(a is m for m in moving))
        return (tuple(order[start:]), tuple(children[first + 1:]))

    def draw(self, plan: Tuple[Any, ...]) -> None:
        """Brings the canvas to the figure's current picture."""
        canvas = self.fig.canvas
        size = (canvas.get_width_height(physical=True), self.fig.dpi)
        if self.fig.stale or plan != self.plan or self.background is None or size != self.size:
            self._draw_background(plan)
            self.plan, self.size = plan, size
        else:
            canvas.restore_region(self.background)
        renderer = canvas.get_renderer()
        for artists in plan:
            for a in artists:
                a.draw(renderer)
        # Drawing updates some artists (an axis its ticks), which marks the figure stale;
        # Figure.draw and Axes.draw clear it when they are done, and so does this.
        plan[0][0].axes.stale = False
        self.fig.stale = False

    def _draw_background(self, plan: Tuple[Any, ...]) -> None:
        hidden = [a for artists in plan for a in artists]
        saved = [a.__dict__.get("draw", _MISSING) for a in hidden]
        for a in hidden:
            a.draw = _skip_draw
        try:
            self.fig.canvas.draw()
        finally:
            for a, old in zip(hidden, saved):
                if old is _MISSING:
                    del a.draw
                else:
                    a.draw = old
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)


def _skip_frame(framedata: Any, blit: bool) -> None:
    """Stands in for an animation's ``_draw_next_frame`` in the saving process while the
    workers draw the frames."""


class _AnimationFrames:
    """The frames of the animations ``Animation.save`` is saving, drawn by worker processes.

    Frame i is drawn by giving every animation its i-th frame data (``_draw_next_frame``, as
    ``save`` does) and rendering the canvas (:meth:`EncodeNativeWriter._frame_pixels`), by
    :func:`encode_native._parallel.map_frames`: the first frames here (frame 0 is what
    ``save`` has drawn), timed, then, unless they were cheap, by workers forked then, each
    with the figure and the animations as they are. Meanwhile the animations' own
    ``_draw_next_frame`` does nothing in this process (``save`` goes on calling it), and
    the last frame is drawn here once all are saved, so the figure ends as ``save`` leaves
    it."""

    def __init__(self, anims: List[Any], workers: int) -> None:
        self.anims = anims
        self.workers = workers
        self.frames: Optional[_parallel.Frames] = None
        self.last: Optional[Tuple[Any, ...]] = None
        self.count = 0
        self.given = 0

    @classmethod
    def of_save(cls, fig: Any, workers: int) -> "_AnimationFrames":
        """The animations of the ``Animation.save`` call that is setting up this writer."""
        frame = sys._getframe(1)
        while frame is not None and frame.f_code is not animation.Animation.save.__code__:
            frame = frame.f_back  # type: ignore[assignment]
        anims = frame.f_locals.get("all_anim") if frame is not None else None
        if not anims:
            raise _parallel.ParallelUnavailable(
                f"workers={workers} draws an animation's frames in worker processes, so it "
                "applies to Animation.save: anim.save(path, writer=EncodeNativeWriter(fps=..., "
                f"workers={workers})); frames grabbed with saving() and grab_frame() are drawn "
                "by the caller's loop (use workers=1)")
        for anim in anims:
            if isinstance(anim, animation.FuncAnimation) and anim.new_frame_seq() is anim.new_frame_seq():
                raise _parallel.ParallelUnavailable(
                    f"workers={workers}: the animation's frames come from a one-shot iterator, "
                    "which the workers cannot go through again; pass a list, a number of "
                    "frames or a generator function as frames, or use workers=1")
        return cls(list(anims), workers)

    @staticmethod
    def _saved_data(anim: Any) -> Iterator[Any]:
        """The frame data ``save`` goes through (its cache, filled while drawing, set aside:
        ``save`` starts from an empty one)."""
        cache = getattr(anim, "_save_seq", None)
        if not cache:
            return iter(anim.new_saved_frame_seq())
        # A deque from matplotlib 3.10 on, a list before.
        anim._save_seq = (
            collections.deque([], cache.maxlen) if isinstance(cache, collections.deque) else []
        )
        try:
            return iter(anim.new_saved_frame_seq())
        finally:
            anim._save_seq = cache

    def start(self, render: Callable[[], np.ndarray]) -> np.ndarray:
        """Starts the frames, given `render` (the canvas's pixels now); returns frame 0, the
        figure as it is."""
        data = list(zip(*[self._saved_data(a) for a in self.anims]))
        draws = [a._draw_next_frame for a in self.anims]
        parent = os.getpid()
        fig = self.anims[0]._fig

        def make_frame(i: int) -> np.ndarray:
            if os.getpid() != parent:
                _own_agg_canvas(fig)
            if i:  # frame 0 is what save has just drawn
                for draw, d in zip(draws, data[i]):
                    draw(d, blit=False)
            return render()

        self.count = len(data)
        self.last = data[-1] if data else None
        self.frames = _parallel.map_frames(make_frame, self.count, self.workers)
        first = next(self.frames)
        for a in self.anims:
            a._draw_next_frame = _skip_frame
        return first

    def next(self, render: Callable[[], np.ndarray]) -> np.ndarray:
        """The next frame (the first starts the frames)."""
        if self.frames is None:
            frame = self.start(render)
        else:
            try:
                frame = next(self.frames)
            except StopIteration:
                raise RuntimeError(
                    f"Animation.save asked for more than the {self.count} frames its "
                    "animations had when the workers started: with workers > 1 the frames "
                    "must not depend on anything but their data") from None
        self.given += 1
        return frame

    def close(self) -> None:
        """Stops the workers; once every frame was given, draws the last one here."""
        if self.frames is not None:
            self.frames.close()
        for a in self.anims:
            a.__dict__.pop("_draw_next_frame", None)
        if self.given == self.count and self.last is not None:
            for a, d in zip(self.anims, self.last):
                a._draw_next_frame(d, blit=False)


def _own_agg_canvas(fig: Any) -> None:
    """In a worker: the figure on a plain Agg canvas of its own, not a window's canvas that
    the worker shares with the saving process (its drawing would reach the window)."""
    if type(fig.canvas) is FigureCanvasAgg:
        return
    canvas = FigureCanvasAgg(fig)
    canvas._is_saving = True  # type: ignore[attr-defined]
    canvas._is_idle_drawing = True  # type: ignore[attr-defined]


@animation.writers.register("encode_native")
class EncodeNativeWriter(animation.AbstractMovieWriter):
    """A matplotlib movie writer that encodes in-process with encode_native.

    ``writer="encode_native"`` names this class once :mod:`encode_native` is imported (the
    import registers it; matplotlib finds no writer otherwise); an instance works without
    the registration: ``ani.save("x.mp4", writer=EncodeNativeWriter(fps=30))``.

    Args:
        fps: frames per second.
        codec: ``h264`` (default: :rc:`animation.codec`) or ``mpeg4``.
        bitrate: kbit/s; -1 or None (default: :rc:`animation.bitrate`) lets the encoder
            choose (crf 23 for H.264). Ignored with a logged warning for an output whose encoder
            takes no bitrate (GIF, APNG, WebP, FFV1, ProRes).
        extra_args: ffmpeg output options, mapped to settings (see
            :func:`extra_args_settings`), including ``-metadata key=value`` and the audio
            flags ``-c:a``, ``-b:a``, ``-ar``, ``-ac``.
        metadata: the file's tags (``dict(title="Movie", artist="Me", comment="...")``),
            as for ``writer="ffmpeg"``.
        workers: processes that draw the frames (default 1: drawn here, one after the
            other). With ``workers=N`` > 1, ``anim.save(path, writer=EncodeNativeWriter(
            fps=30, workers=N))`` draws the first three frames here, timed, and then, if
            they took 10 ms of CPU or more each, forks N processes; each draws the frames it
            is given (the animation's function with that frame's data, then the canvas) and
            this process encodes them in order. Cheaper frames are all drawn here: the
            encoder sets such a video's pace, and forking would only slow it down. The video is the same, frame
            for frame, as with ``workers=1`` when each frame depends only on its frame data
            (not on the frames drawn before it). Only ``Animation.save`` can be drawn so
            (``saving()``/``grab_frame`` loops raise :class:`RuntimeError`), and only where
            processes can be forked (Linux and other POSIX systems): elsewhere the writer
            is refused when made, and frames from a one-shot iterator by ``setup``, with a
            ``RuntimeError`` saying why.
        **settings: any setting of :class:`encode_native.Writer` (``crf=18``,
            ``preset="veryfast"``, ``pix_fmt="yuv444p"``, ``progress=True``, ...).

    After saving, :attr:`summary` holds the video's :class:`encode_native.Summary`.
    """

    def __init__(
        self,
        fps: float = 5,
        codec: Optional[str] = None,
        bitrate: Optional[int] = None,
        extra_args: Optional[Sequence[str]] = None,
        metadata: Optional[Dict[str, str]] = None,
        workers: int = 1,
        **settings: Any,
    ) -> None:
        _parallel.check_workers(workers)
        self.workers = workers
        # What the caller chose, as opposed to matplotlib's rcParams defaults (which
        # AbstractMovieWriter fills in): a default that does not fit the container (h264 for
        # a GIF) is left out, a choice that does not fit is refused in setup.
        self._chosen = {"codec": codec is not None, "bitrate": bitrate is not None}
        # The bitrate setting the `bitrate` argument became, for setup to drop where the
        # output cannot use it.
        self._bitrate_text: Optional[str] = None
        super().__init__(fps=fps, metadata=metadata, codec=codec, bitrate=bitrate)  # type: ignore[arg-type]
        self.extra_args = list(extra_args) if extra_args is not None else []
        self._defaults: Dict[str, Any] = {}
        self._kwargs = self._writer_kwargs(settings)
        # Invalid settings are reported now, before any frame is drawn.
        check_settings([("fps", _settings.fps_text(self.fps))] + _as_settings(self._kwargs))
        self.summary: Optional[Summary] = None
        self._writer: Optional[Writer] = None
        self._restore_dpi: Optional[float] = None
        self._canvas_state: Optional[Tuple[Any, bool, bool]] = None
        self._blit: Optional[_BlitFrames] = None
        self._failed = False
        self._frames: Optional[_AnimationFrames] = None

    def _writer_kwargs(self, settings: Dict[str, Any]) -> Dict[str, Any]:
        pairs: List[Tuple[str, Any]] = []
        if self.codec:
            if self._chosen["codec"]:
                pairs.append(("codec", self.codec))
            else:
                self._defaults["codec"] = self.codec
        if self.bitrate is not None and self.bitrate > 0:
            if self._chosen["bitrate"]:
                self._bitrate_text = f"{int(self.bitrate)}k"
                pairs.append(("bitrate", self._bitrate_text))
            else:
                self._defaults["bitrate"] = f"{int(self.bitrate)}k"
        extra = extra_args_settings(self.extra_args)
        if any(key == "fps" for key, _ in extra):
            raise ValueError(
                f"extra_args {self.extra_args}: the frame rate is the writer's fps ({self.fps}); "
                "encode_native does not convert frame rates, so leave -r out and give fps="
            )
        # matplotlib's metadata (title, artist, comment, ...) are the file's tags.
        pairs += [("metadata", tag) for tag in _settings.metadata_tags(self.metadata or {})]
        pairs += extra
        kwargs: Dict[str, Any] = {}
        for key, value in pairs:
            if _settings.is_repeated(key):
                kwargs.setdefault(key, []).append(value)
            else:
                kwargs[key] = value
        for key, value in settings.items():
            name = _settings.key_of(key) or key
            if _settings.is_repeated(name):
                if value is not None:  # None leaves a setting unset, as for Writer
                    kwargs.setdefault(name, []).extend(_settings.repeated_texts(name, value))
            else:
                kwargs[name] = value
        return kwargs

    @classmethod
    def isAvailable(cls) -> bool:
        """Always available: nothing outside this package is needed."""
        return True

    def _even_size_codec(self) -> bool:
        entry = _settings.encoder_entry(str(self._kwargs.get("codec", "h264")))
        return (entry is not None and entry["name"] == "libx264"
                and str(self._kwargs.get("pix_fmt", "yuv420p")) == "yuv420p")

    def setup(self, fig: Any, outfile: Any, dpi: Optional[float] = None) -> None:
        """Starts a movie of `fig` in `outfile` (a path or a binary file-like object) at
        `dpi` (default: the figure's)."""
        self._frames = _AnimationFrames.of_save(fig, self.workers) if self.workers > 1 else None
        if isinstance(outfile, (str, bytes)) or hasattr(outfile, "__fspath__"):
            super().setup(fig, outfile, dpi)
        else:
            self.outfile, self.fig = outfile, fig
            self.dpi = fig.dpi if dpi is None else dpi
        if self._even_size_codec():
            # Like writer="ffmpeg": a figure size whose pixels are even (yuv420p needs it).
            wo, ho = (s / self.dpi for s in self.frame_size)
            w, h = animation.adjusted_figsize(wo, ho, self.dpi, 2)
            if (wo, ho) != (w, h):
                self.fig.set_size_inches(w, h, forward=True)
        self._size_inches = tuple(self.fig.get_size_inches())
        # Draw at the saving dpi, so the animation's own draw of each frame is the picture
        # (savefig sets the dpi the same way for each frame it draws).
        if self.fig.dpi != self.dpi:
            self._restore_dpi = self.fig.dpi
            self._set_dpi(self.dpi)
        self.summary = None
        self._failed = False
        kwargs = self._settings_for(outfile)
        self._writer = Writer(outfile, self.fps, **kwargs)
        canvas = self.fig.canvas
        self._canvas_state = None
        self._blit = None
        if isinstance(canvas, FigureCanvasAgg):
            self._blit = _BlitFrames(self.fig)
            # While saving, like savefig: animated artists are part of the picture; and
            # grab_frame draws what changed, so the draw an animation asks for after each
            # frame (draw_idle) would only be drawn again.
            self._canvas_state = (canvas, canvas._is_saving, canvas._is_idle_drawing)  # type: ignore[attr-defined]
            canvas._is_saving = True  # type: ignore[attr-defined]
            canvas._is_idle_drawing = True  # type: ignore[attr-defined]

    def _settings_for(self, outfile: Any) -> Dict[str, Any]:
        """The writer's keywords for `outfile`, checked for its container now, so that a
        choice the container cannot take (a bitrate for a GIF) is refused here, with its own
        error, rather than at the first frame; matplotlib's rcParams defaults (codec h264,
        a bitrate) are added only where they fit."""
        kwargs = dict(self._kwargs)
        container = kwargs.get("format")
        if container is None and (isinstance(outfile, str) or hasattr(outfile, "__fspath__")):
            ext = os.path.splitext(os.fspath(outfile))[1].lstrip(".").lower()
            container = ext or None
        if container is None:
            container = "mp4"
        container = _container_name(str(container))
        if self._chosen["codec"] and "codec" in kwargs:
            _check_codec_fits(str(kwargs["codec"]), container, outfile)
        self._drop_unusable_bitrate(kwargs, container)
        settings = [("fps", _settings.fps_text(self.fps))] + _as_settings(kwargs)
        try:
            check_settings(settings, str(container))
        except ValueError as e:
            if "container" in str(e) and "extension" in str(e):
                raise  # an unknown extension: the writer says the same
            raise ValueError(f"cannot save {outfile!r}: {e}") from None
        for key, value in self._defaults.items():
            if key in kwargs:
                continue
            try:
                check_settings(settings + [(key, str(value))], str(container))
            except ValueError:
                continue  # matplotlib's default does not fit this container: left out
            kwargs[key] = value
        return kwargs

    def _drop_unusable_bitrate(self, kwargs: Dict[str, Any], container: str) -> None:
        """Leaves out the `bitrate` argument, with a logged warning naming it, when the output's
        encoder takes no bitrate (the library refuses one: GIF, APNG, WebP, FFV1, ...).
        matplotlib's ffmpeg and Pillow writers accept such a call and make the file without
        it (its own test suite passes a bitrate for every format). Only the encoder and the
        container decide: a bitrate that clashes with another setting is still refused, and
        so is one from ``extra_args`` (``-b:v``), which names an ffmpeg flag on purpose."""
        text = self._bitrate_text
        if text is None or kwargs.get("bitrate") != text:
            return
        codec = kwargs.get("codec")
        probe = [("fps", _settings.fps_text(self.fps)), ("bitrate", text)]
        if codec is not None:
            probe.append(("codec", str(codec)))
        try:
            check_settings(probe[:1] + probe[2:], container)
        except ValueError:
            return  # not about the bitrate (an unknown container): the checks that follow say
        try:
            check_settings(probe, container)
        except ValueError as e:
            reason = str(e)
        else:
            return
        del kwargs["bitrate"]
        own = _settings.default_encoder(container)
        output = container.upper()
        if codec is not None and _encoder_name(str(codec)) != own:
            output = str(codec)
        _log.warning("bitrate=%d does not apply to %s output and is ignored (%s)",
                     int(self.bitrate), output, reason)

    def _set_dpi(self, dpi: float) -> None:
        set_dpi = getattr(self.fig, "_set_dpi", None)
        if set_dpi is not None:
            set_dpi(dpi, forward=False)  # no window resize for a figure on screen
        else:
            self.fig.dpi = dpi

    def grab_frame(self, **savefig_kwargs: Any) -> None:
        """Adds the figure as it is now as the next frame (drawing it only if it changed
        since its last draw)."""
        for k in ("dpi", "bbox_inches", "format"):
            if k in savefig_kwargs:
                raise TypeError(f"grab_frame got an unexpected keyword argument {k!r}")
        if self._writer is None:
            raise RuntimeError("grab_frame before setup (use writer.saving(fig, path, dpi))")
        try:
            if self._frames is not None:
                pixels = self._frames.next(lambda: self._frame_pixels(savefig_kwargs))
            else:
                pixels = self._frame_pixels(savefig_kwargs)
            self._writer.write(pixels)
        except BaseException:
            # The error goes up as it is; finish does not cover it with "no frames".
            self._failed = True
            raise

    def _frame_pixels(self, savefig_kwargs: Dict[str, Any]) -> np.ndarray:
        """The figure as it is now, drawn if it changed."""
        fig = self.fig
        if tuple(fig.get_size_inches()) != self._size_inches:
            fig.set_size_inches(*self._size_inches)
        pixels = self._canvas_pixels(savefig_kwargs)
        if pixels is None:
            pixels = self._savefig_pixels(savefig_kwargs)
        return pixels

    def _canvas_pixels(self, savefig_kwargs: Dict[str, Any]) -> Optional[np.ndarray]:
        """The Agg canvas's own RGBA buffer (no copy), when it is the picture savefig would
        make: same dpi, no HiDPI scaling, and savefig arguments that change nothing."""
        fig = self.fig
        canvas = fig.canvas
        if not isinstance(canvas, FigureCanvasAgg) or fig.dpi != self.dpi:
            return None
        if getattr(canvas, "device_pixel_ratio", 1) != 1:
            return None
        for key, value in savefig_kwargs.items():
            if key == "facecolor" and _same_color(value, fig.get_facecolor()):
                continue
            if key == "edgecolor" and _same_color(value, fig.get_edgecolor()):
                continue
            if key == "transparent" and not value:
                continue
            return None
        if fig.get_facecolor()[3] != 1.0 and "facecolor" not in savefig_kwargs:  # type: ignore[misc]
            return None
        animated = self._blit.animated() if self._blit is not None else []
        plan = self._blit.make_plan(animated) if self._blit is not None and animated else None
        if plan is not None:
            self._blit.draw(plan)  # type: ignore[union-attr]
        elif animated or fig.stale or getattr(canvas, "renderer", None) is None:
            # Animated artists change without making the figure stale: drawn in full.
            canvas.draw()
        pixels = np.asarray(canvas.buffer_rgba())
        if pixels.shape[:2] != (canvas.get_width_height(physical=True)[::-1]):
            return None
        return pixels

    def _savefig_pixels(self, savefig_kwargs: Dict[str, Any]) -> np.ndarray:
        """The frame rendered by savefig (what matplotlib's own writers do for every frame)."""
        buf = io.BytesIO()
        self.fig.savefig(buf, **{**savefig_kwargs, "format": "rgba", "dpi": self.dpi})
        data = np.frombuffer(buf.getbuffer(), dtype=np.uint8)
        w, h = self.frame_size
        if data.size != w * h * 4:
            w_in, h_in = self.fig.get_size_inches()
            w = int(w_in * self.dpi)
            h = data.size // (4 * w)
        return data.reshape(h, w, 4)

    def finish(self) -> None:
        """Finishes the video (every grabbed frame encoded, the file complete) and restores
        the figure's dpi."""
        try:
            if self._frames is not None:
                frames, self._frames = self._frames, None
                frames.close()
            if self._writer is not None:
                writer, self._writer = self._writer, None
                if self._failed and writer.frames_written == 0:
                    try:
                        writer.close()
                    except ValueError:
                        pass  # "no frames were written": the frame's own error is raised
                else:
                    self.summary = writer.close()
        finally:
            if self._canvas_state is not None:
                canvas, saving, idle = self._canvas_state
                canvas._is_saving, canvas._is_idle_drawing = saving, idle
                self._canvas_state = None
            if self._restore_dpi is not None:
                self._set_dpi(self._restore_dpi)
                self._restore_dpi = None
