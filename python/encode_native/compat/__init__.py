"""Drop-in replacements for the writers of other libraries, so that a working program moves
to encode-native by changing one import:

- ``from encode_native.compat import skvideo`` for scikit-video's ``skvideo.io.FFmpegWriter``
  and ``skvideo.io.vwrite``;
- ``from encode_native.compat import cv2`` for OpenCV: the installed OpenCV with
  encode-native's ``cv2.VideoWriter`` and ``cv2.VideoWriter_fourcc`` (mp4v, MJPG, avc1);
- ``from encode_native.compat.moviepy import *`` (``.editor`` for moviepy 1's
  ``from moviepy.editor import *``): with moviepy installed, moviepy itself (every name and
  submodule, editing and reading) with its video writing done by encode-native; without it,
  the clips that make a video (``VideoClip``, ``ImageSequenceClip``, ``AudioFileClip``, ...)
  and their ``write_videofile`` and ``write_gif``;
- ``from encode_native.compat import imageio`` for imageio's v2 API: its video and
  animation writers (``get_writer``, ``mimwrite``/``mimsave``) with imageio-ffmpeg's
  keywords, and the real imageio for everything else.

They write through :class:`encode_native.Writer`: in-process, exact frame rates, clear errors
(a frame of the wrong size raises instead of being dropped), no ``ffmpeg`` process. ffmpeg's
``-vf``/``-filter:v`` in their flag arguments is the ``filter`` setting, run in-process.
"""

from . import cv2, imageio, skvideo

__all__ = ["cv2", "imageio", "skvideo"]
