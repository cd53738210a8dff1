"""moviepy 1's ``moviepy.editor`` on encode-native: ``from encode_native.compat.moviepy.editor
import *`` in place of ``from moviepy.editor import *``. The same clips as
:mod:`encode_native.compat.moviepy`, whose methods have moviepy 1's names too (``set_fps``,
``set_duration``, ``set_audio``, ``subclip``) and whose constructors take moviepy 1's keywords
(``make_frame=``, ``ismask=``)."""

from . import *  # noqa: F401,F403
from . import __all__  # noqa: F401
