"""What is left to moviepy: its editing world (composition, effects, text, transitions), each
name raising NotImplementedError that says so."""

from __future__ import annotations

from typing import Any, Callable


def _editing(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"{what} is part of moviepy's editing (composition, effects, text, transitions), "
        "which encode_native.compat.moviepy does not do: it writes clips made from a "
        "function or from images. Use moviepy for editing"
    )


def _unsupported(name: str, what: str) -> Callable[..., Any]:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise _editing(f"{name} ({what})")

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"moviepy's {name} ({what}): raises NotImplementedError; use moviepy."
    return refuse


class _UnsupportedModule:
    """moviepy's ``vfx``/``afx``/``transfx``: every effect raises NotImplementedError."""

    def __init__(self, name: str, what: str) -> None:
        self._name = name
        self._what = what

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise _editing(f"{self._name}.{attr} ({self._what})")

    def __repr__(self) -> str:
        return f"<encode_native.compat.moviepy: moviepy's {self._name} ({self._what}) is not here>"


CompositeVideoClip = _unsupported("CompositeVideoClip", "composing clips")
CompositeAudioClip = _unsupported("CompositeAudioClip", "mixing sounds")
clips_array = _unsupported("clips_array", "composing clips")
concatenate_audioclips = _unsupported("concatenate_audioclips", "joining sounds")
TextClip = _unsupported("TextClip", "text")
SubtitlesClip = _unsupported("SubtitlesClip", "text")
CreditsClip = _unsupported("CreditsClip", "text")
VideoFileClip = _unsupported("VideoFileClip", "reading a video to edit it")
BitmapClip = _unsupported("BitmapClip", "clips of bitmaps")
DataVideoClip = _unsupported("DataVideoClip", "clips of data")
UpdatedVideoClip = _unsupported("UpdatedVideoClip", "clips of a world updated in time")
ipython_display = _unsupported("ipython_display", "previews; encode_native.encode(...) shows in Jupyter")
vfx = _UnsupportedModule("vfx", "video effects")
afx = _UnsupportedModule("afx", "audio effects")
transfx = _UnsupportedModule("transfx", "transitions")

#: Clip methods of moviepy's editing world (both moviepy 1's and 2's names), and what they are.
_EDITING_METHODS = {
    **dict.fromkeys(
        ["with_position", "set_position", "set_pos", "with_layer_index", "with_layer", "set_layer",
         "with_start", "set_start", "with_end", "set_end", "with_opacity", "set_opacity",
         "with_mask", "set_mask", "add_mask", "without_mask", "to_mask", "to_RGB", "on_color",
         "with_background_color", "margin", "with_is_mask", "set_ismask"],
        "composition"),
    **dict.fromkeys(
        ["with_effects", "with_effects_on_subclip", "fx", "resized", "resize", "cropped", "crop",
         "rotated", "rotate", "fadein", "fadeout", "crossfadein", "crossfadeout", "loop",
         "with_speed_scaled", "speedx", "with_volume_scaled", "volumex", "audio_fadein",
         "audio_fadeout", "audio_loop", "audio_normalize", "mirror_x", "mirror_y",
         "time_mirror", "time_symmetrize", "blackwhite", "invert_colors", "freeze",
         "transform", "fl", "time_transform", "fl_time", "image_transform", "fl_image",
         "with_updated_frame_function", "with_section_cut_out", "cutout", "to_ImageClip",
         "to_imageclip", "to_soundarray", "write_images_sequence", "preview", "show",
         "display_in_notebook", "ipython_display", "write_audiofile"],
        "effects"),
}
