"""Drop-in replacements for the writers of other libraries, so that a working program moves
to encode-native by changing one import:

- ``from encode_native.compat import skvideo`` for scikit-video's ``skvideo.io.FFmpegWriter``
  and ``skvideo.io.vwrite``;
- ``from encode_native.compat import cv2`` for OpenCV: the installed OpenCV with
  encode-native's ``cv2.VideoWriter`` and ``cv2.VideoWriter_fourcc`` (mp4v, MJPG, avc1);
- ``from encode_native.compat.moviepy import VideoClip, ImageSequenceClip, AudioFileClip``
  (``encode_native.compat.moviepy.editor`` for moviepy 1's ``from moviepy.editor import *``)
  for moviepy's clips that make a video and their ``write_videofile`` and ``write_gif``;
- ``from encode_native.compat import imageio`` for imageio's v2 API: its video and
  animation writers (``get_writer``, ``mimwrite``/``mimsave``) with imageio-ffmpeg's
  keywords, and the real imageio for everything else.

They write through :class:`encode_native.Writer`: in-process, exact frame rates, clear errors
(a frame of the wrong size raises instead of being dropped), no ``ffmpeg`` process.
"""

from . import cv2, imageio, skvideo

__all__ = ["cv2", "imageio", "skvideo"]
