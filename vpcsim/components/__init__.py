"""Components: one module per AWS component a packet can meet, each implementing `base.Component`.

Importing this package imports every module in it, which registers its component (and any
design section it adds to the format), so a new component is a new file here: see
docs/architecture.md. The walker (`vpcsim.reach.walk`) and the component graph
(`vpcsim.graph`) reach components only through `base`'s registry.
"""

import importlib
import pkgutil

from vpcsim.components import base

MODULES = tuple(
    importlib.import_module(f"{__name__}.{info.name}")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
    if info.name not in ("base", "text")
)

__all__ = ["MODULES", "base"]
