"""The ``encode-native`` command line: ``python -m encode_native ...`` and the ``encode-native``
script that installing the package puts on the PATH. Both run the command line built into
the package's native module (the same code and FFmpeg as the Python API), so::

    encode-native demo -o demo.mp4
    python -m encode_native info

behave as the ``encode-native`` binary does, exit status included: 0 done, 1 failure,
2 usage error, 130 interrupted (Ctrl-C finishes the video with the frames so far, as there).
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line with ``argv`` (default: ``sys.argv[1:]``); returns its status.

    As the ``encode-native`` script and ``python -m encode_native``, the status is the
    process's exit status.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    # SVT-AV1 prints its settings to stderr unless told otherwise: errors only, as the binary.
    os.environ.setdefault("SVT_LOG", "1")
    # Python's buffered output first: the command line writes to the descriptors directly.
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
    from encode_native import _native

    try:
        status = _native.cli_main(["encode-native", *args])
        # Python's SIGINT handler ran too if Ctrl-C came: the KeyboardInterrupt it raises is
        # the interruption the command line has already handled (status 130).
        return int(status)
    except KeyboardInterrupt:
        return 130


def _run() -> None:
    try:
        status = main()
    except KeyboardInterrupt:
        status = 130
    sys.exit(status)


if __name__ == "__main__":
    _run()
