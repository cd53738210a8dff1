"""The standalone part of moviepy (without moviepy installed, :mod:`encode_native.compat.moviepy`
is this): clips made from a function of time or from images, their soundtracks, and writing
them; moviepy's editing names raise ``NotImplementedError``. Importable as itself when moviepy
is installed too (``encode_native.compat.moviepy._standalone``)."""

from __future__ import annotations

from ._audio import AudioArrayClip, AudioClip, AudioFileClip
from ._clip import Clip
from ._refusals import (
    BitmapClip,
    CompositeAudioClip,
    CompositeVideoClip,
    CreditsClip,
    DataVideoClip,
    SubtitlesClip,
    TextClip,
    UpdatedVideoClip,
    VideoFileClip,
    afx,
    clips_array,
    concatenate_audioclips,
    ipython_display,
    transfx,
    vfx,
)
from ._video import ColorClip, ImageClip, ImageSequenceClip, VideoClip, concatenate_videoclips

__all__ = [
    "AudioArrayClip",
    "AudioClip",
    "AudioFileClip",
    "Clip",
    "ColorClip",
    "ImageClip",
    "ImageSequenceClip",
    "VideoClip",
    "concatenate_videoclips",
    # moviepy's editing world: each raises NotImplementedError when used.
    "BitmapClip",
    "CompositeAudioClip",
    "CompositeVideoClip",
    "CreditsClip",
    "DataVideoClip",
    "SubtitlesClip",
    "TextClip",
    "UpdatedVideoClip",
    "VideoFileClip",
    "afx",
    "clips_array",
    "concatenate_audioclips",
    "ipython_display",
    "transfx",
    "vfx",
]
