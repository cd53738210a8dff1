"""moviepy on encode-native: ``from encode_native.compat.moviepy import VideoClip`` in place
of ``from moviepy import VideoClip`` (or ``encode_native.compat.moviepy.editor`` for
``moviepy.editor``), and the program's videos are written in-process, without an ``ffmpeg``
process::

    from encode_native.compat.moviepy import VideoClip      # was: from moviepy import VideoClip
    clip = VideoClip(lambda t: np.ones((480, 640, 3)) * (t * 255 / 2), duration=2)
    clip.write_videofile("x.mp4", fps=24)

**With moviepy installed**, this module *is* moviepy: every name of ``moviepy`` (clips,
effects, text, compositing, ``VideoFileClip`` and every reader, which stay moviepy's own and
read through its ``ffmpeg`` processes), and every submodule:
``encode_native.compat.moviepy.video.io.ffmpeg_writer`` is the module
``moviepy.video.io.ffmpeg_writer`` itself (an import hook resolves
``encode_native.compat.moviepy.X`` to ``moviepy.X``). Only the writing is encode-native's:
importing this module replaces, in moviepy's own modules and so **for the whole process**
(a plain ``import moviepy`` elsewhere writes through encode-native too, once this module has
been imported), ``moviepy.video.io.ffmpeg_writer.ffmpeg_write_video`` and
``FFMPEG_VideoWriter``, the GIF writer (``moviepy.video.io.gif_writers.write_gif_with_imageio``,
behind ``write_gif``) and ``VideoClip.write_videofile``, which pushes the clip's soundtrack
(``clip.audio.get_frame`` of the sample times, at ``audio_fps``) into the same writer as the
frames, with no temporary sound file. moviepy's arguments are taken in its order
(``codec``, ``bitrate``, ``audio_codec``, ``audio_bitrate``, ``preset``, ``ffmpeg_params`` by
the library's translator of ffmpeg's flags, ``pixel_format``, ``audio_fps``, ``threads``,
``logger``, ``write_logfile``, ...; ``audio_nbytes`` has no effect, and there is no
temporary sound file: with ``remove_temp=False`` the soundtrack is also written to a WAV
named as moviepy names its temporary file, ``temp_audiofile`` or in ``temp_audiofile_path``), and
its logger too (proglog: ``"bar"``, None or a logger of yours). ``threads=N`` (N > 1) renders
the frames in N forked processes (when a frame takes long enough to be worth it; each
process reads video files through moviepy readers of its own) as well as giving the encoder
N threads. moviepy's ``libvpx`` is written as VP9 and its lossless ``png``/``rawvideo`` as
FFV1. A clip's mask is its alpha channel where the format keeps one (VP9, FFV1, ProRes),
else the picture is over black (what moviepy's ffmpeg command makes); a picture of odd width
or height is stored at its size in 4:4:4, as ffmpeg stores moviepy's; an unknown codec raises
moviepy's ``IOError`` (also an :class:`encode_native.ConfigError`). Sound files
(``AudioClip.write_audiofile``) and ``ffmpeg_tools`` are still moviepy's, through ``ffmpeg``.

**Without moviepy**, a standalone part of it is here, described below.

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

import importlib
from typing import Any, List, Optional


def _load_moviepy() -> Optional[Any]:
    """The installed moviepy (2.x), or None."""
    try:
        return importlib.import_module("moviepy")
    except ImportError:
        return None


_moviepy = _load_moviepy()

__all__: List[str]
if _moviepy is not None:
    from ._real import install as _install

    _install(__name__)
    globals().update({k: v for k, v in vars(_moviepy).items() if not k.startswith("__")})
    __version__ = _moviepy.__version__
    __all__ = list(_moviepy.__all__)
else:
    from ._standalone import *  # noqa: F401,F403
    from ._standalone import __all__  # noqa: F401
