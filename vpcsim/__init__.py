"""vpcsim: simulate AWS-style VPC designs and explain, hop by hop, whether a flow gets through.

    import vpcsim
    net = vpcsim.load("vpcsim.yaml")          # a YAML design, or an AWS snapshot folder
    result = net.trace("internet", "web-a", 443)
    result.reachable, result.blocked_by

Imports stay light: networkx and rich are loaded only when a graph or a rich rendering is asked for.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from vpcsim.errors import DesignError, Diagnostic, EndpointError, Location, Severity, UsageError, VpcsimError

if TYPE_CHECKING:
    from vpcsim.check import (
        ReachabilityError,
        assert_exactly,
        assert_only,
        assert_reachable,
        assert_unreachable,
    )
    from vpcsim.network import Network

_LAZY = {"ReachabilityError", "assert_exactly", "assert_only", "assert_reachable", "assert_unreachable"}


def __getattr__(name: str) -> object:
    # The assertion helpers live in vpcsim.check; imported on first use to keep `import vpcsim` light.
    if name in _LAZY:
        from vpcsim import check

        return getattr(check, name)
    raise AttributeError(f"module 'vpcsim' has no attribute {name!r}")

__version__ = "0.1.0"


def load(path: str | os.PathLike[str], *, files: Sequence[str] | None = None) -> Network:
    """Load, validate and compile a design; raise DesignError listing every problem.

    `files`: for an AWS snapshot folder, read only these JSON files (paths relative to the
    snapshot's `aws_configs/`, or to the folder itself when it has none).
    """
    from vpcsim.loader.design import load_design
    from vpcsim.network import Network

    design, warnings = load_design(path, files)
    return Network(design, warnings)


__all__ = [
    "DesignError",
    "Diagnostic",
    "EndpointError",
    "Location",
    "Severity",
    "UsageError",
    "ReachabilityError",
    "VpcsimError",
    "assert_exactly",
    "assert_only",
    "assert_reachable",
    "assert_unreachable",
    "load",
    "__version__",
]
