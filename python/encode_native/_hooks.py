"""Registration with matplotlib and imageio without importing them: when they are already
imported, at once; otherwise right after their module is first imported (an import hook that
wraps that one module's loader), so that ``import encode_native`` stays cheap."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from typing import Any, Callable, Dict, Optional, Sequence


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls a function with a module right after the module is executed."""

    def __init__(self) -> None:
        self.pending: Dict[str, Callable[[Any], None]] = {}

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Any = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        callback = self.pending.get(fullname)
        if callback is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader = getattr(spec, "loader", None)
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return None
        run = loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            self.pending.pop(fullname, None)
            callback(module)

        # The loader belongs to this spec only (PathFinder makes a new one per call).
        loader.exec_module = exec_module
        return spec


_FINDER = _AfterImport()


def after_import(name: str, callback: Callable[[Any], None]) -> None:
    """Calls `callback(module)` now if module `name` is imported, else when it is."""
    module = sys.modules.get(name)
    if module is not None:
        callback(module)
        return
    _FINDER.pending[name] = callback
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
