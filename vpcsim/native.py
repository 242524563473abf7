"""The modules setup.py compiles with mypyc, and the way back to their source.

With VPCSIM_PURE_PYTHON=1 in the environment, vpcsim imports each of them from its `.py` even
where the compiled module sits beside it: the plain-Python fallback, which tests/run tests as
well, and a way round a compiled module that misbehaves. Imports nothing of vpcsim's own.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (this runs first at every start: nothing it does not need)
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

__all__ = ["COMPILED", "COMPILED_GROUPS", "PURE_ENV", "compiled_in_use", "use_source_if_asked"]

# What setup.py compiles (it reads this file), as two libraries: loading a YAML design needs
# only the first (a library is loaded whole, and the second is most of the code).
COMPILED_GROUPS = (
    ("vpcsim_design", ("vpcsim.model", "vpcsim.importers.items", "vpcsim.loader.build", "vpcsim.loader.validate")),
    ("vpcsim_snapshot", ("vpcsim.importers.jsonscan", "vpcsim.importers.chunks", "vpcsim.importers.aws")),
)
COMPILED = tuple(name for _, names in COMPILED_GROUPS for name in names)
PURE_ENV = "VPCSIM_PURE_PYTHON"
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


class _SourceFirst:
    """A meta path finder that finds the compiled modules' `.py` files, ahead of the usual finders."""

    def find_spec(self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None) -> ModuleSpec | None:
        if name not in COMPILED:
            return None
        source = os.path.join(_PACKAGE, *name.split(".")[1:]) + ".py"
        if not os.path.isfile(source):
            return None
        from importlib.util import spec_from_file_location

        return spec_from_file_location(name, source)


def use_source_if_asked() -> None:
    """Called by vpcsim/__init__.py before anything else imports: VPCSIM_PURE_PYTHON=1 puts the finder first."""
    if os.environ.get(PURE_ENV) == "1" and not any(isinstance(f, _SourceFirst) for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceFirst())


def compiled_in_use() -> list[str]:
    """The compiled modules imported from their compiled form (none: vpcsim runs as plain Python)."""
    return [name for name in COMPILED
            if name in sys.modules and not str(getattr(sys.modules[name], "__file__", "")).endswith(".py")]
