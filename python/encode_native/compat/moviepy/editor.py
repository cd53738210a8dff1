"""moviepy 1's ``moviepy.editor`` on encode-native: ``from encode_native.compat.moviepy.editor
import *`` in place of ``from moviepy.editor import *`` gives the names of
:mod:`encode_native.compat.moviepy`. With moviepy 2 installed they are moviepy 2's (which has
no ``moviepy.editor`` and no ``set_*`` methods of its own); without moviepy, the standalone
clips, whose methods have moviepy 1's names too (``set_fps``, ``set_duration``,
``set_audio``, ``subclip``) and whose constructors take moviepy 1's keywords
(``make_frame=``, ``ismask=``)."""

from . import *  # noqa: F401,F403
from . import __all__  # noqa: F401
