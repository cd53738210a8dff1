"""moviepy's clips that make a video, on encode-native: ``from encode_native.compat.moviepy
import VideoClip, ImageSequenceClip, AudioFileClip`` (moviepy 2's names), or ``from
encode_native.compat.moviepy.editor import *`` for moviepy 1 programs (``from moviepy.editor
import *``), and the program runs as it did, in-process, without an ``ffmpeg`` process::

    from encode_native.compat.moviepy import VideoClip      # was: from moviepy import VideoClip
    clip = VideoClip(lambda t: np.ones((480, 640, 3)) * (t * 255 / 2), duration=2)
    clip.write_videofile("x.mp4", fps=24)

What is here: :class:`VideoClip` (``make_frame``/``frame_function``, positional or by
keyword), :class:`ImageSequenceClip` (a folder, a list of paths or of arrays, with ``fps`` or
``durations``), :class:`ImageClip`, :class:`ColorClip`, :class:`AudioFileClip`,
:class:`AudioClip` and :class:`AudioArrayClip` as soundtracks, ``with_audio``/``set_audio``,
``with_fps``/``set_fps``, ``with_duration``/``set_duration``, ``subclipped``/``subclip``,
``get_frame``, ``iter_frames``, ``save_frame``, ``write_videofile``, ``write_gif``, and
:func:`concatenate_videoclips` of clips without sound (``method="chain"``).

Frame times, fixed: a clip of ``duration`` seconds written at ``fps`` has exactly
round(duration × fps) frames (halves up), the last one included, and frame ``i`` is made at
t = i / fps exactly, the rate read as the library reads it (29.97 is 30000/1001, 23.976 is
24000/1001) and stored exactly in the file. moviepy 2.2.1 makes int(duration × fps) frames,
which drops the last one when the product is not whole or is a hair under (29.97 fps for 10 s
is 299 frames, not 300; 3.33 s at 30 fps is 99, not 100), and stores 29.97 as 2997/100 and
23.976 as 23.98.

Pixels, as moviepy takes them: a frame function returns numbers in 0-255 of any dtype (the
float64 of ``np.ones(...) * 127.5`` included), and every frame that is not uint8 is cast with
``frame.astype("uint8")``, exactly what moviepy's writer does: no scaling, no clipping, no
rounding (127.9 becomes 127; values outside 0-255 wrap as numpy's cast makes them, 300 to 44).
An (H, W, 4) frame's alpha is dropped, as moviepy drops a PNG's (moviepy's writer garbles an
RGBA frame from a function, and an (H, W) grey one: here grey frames make a grey video).

The editing world (composition, effects, text, transitions, reading videos) is moviepy's:
``CompositeVideoClip``, ``TextClip``, ``vfx``/``afx``, ``clip.resized``, ``with_position``,
``fadein``, ``VideoFileClip``, ... raise ``NotImplementedError`` naming what was asked for;
use moviepy for editing.
"""

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

