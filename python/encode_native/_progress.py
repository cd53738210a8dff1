"""Progress reporting: ``progress=True`` shows a bar (tqdm when it is installed, a line on
stderr otherwise); ``progress=callable`` is called with (frames done, total or None)."""

from __future__ import annotations

import sys
import time
from typing import Any, Callable, Optional, Union

ProgressArg = Union[None, bool, Callable[[int, Optional[int]], Any]]


class Progress:
    """Reports each written frame to the user's choice of progress display."""

    def __init__(self, progress: ProgressArg, total: Optional[int], desc: str = "encoding") -> None:
        self.total = total
        self.done = 0
        self._callback: Optional[Callable[[int, Optional[int]], Any]] = None
        self._bar: Any = None
        self._last = 0.0
        self._text = False
        if callable(progress):
            self._callback = progress
        elif progress:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                self._text = True
                self._desc = desc
            else:
                self._bar = tqdm(total=total, unit="frame", desc=desc)

    def update(self, n: int = 1) -> None:
        """Counts `n` more frames written."""
        self.done += n
        if self._callback is not None:
            self._callback(self.done, self.total)
        elif self._bar is not None:
            self._bar.update(n)
        elif self._text:
            now = time.monotonic()
            if now - self._last >= 0.5 or self.done == self.total:
                self._last = now
                of = f"/{self.total}" if self.total is not None else ""
                sys.stderr.write(f"\r{self._desc}: {self.done}{of} frames")
                sys.stderr.flush()

    def close(self) -> None:
        """Ends the display (the bar or the stderr line)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._text and self.done:
            sys.stderr.write("\n")
            self._text = False
