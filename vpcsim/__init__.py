"""vpcsim: simulate AWS-style VPC designs and explain, hop by hop, whether a flow gets through.

    import vpcsim
    net = vpcsim.load("vpcsim.yaml")          # a YAML design, or an AWS snapshot folder
    result = net.trace("internet", "web-a", 443)
    result.reachable, result.blocked_by

Imports stay light: networkx and rich are loaded only when a graph or a rich rendering is asked for.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from vpcsim.errors import DesignError, Diagnostic, EndpointError, Location, Severity, UsageError, VpcsimError

if TYPE_CHECKING:
    from vpcsim.compile import Network

__version__ = "0.1.0"


def load(path: str | os.PathLike[str]) -> Network:
    """Load, validate and compile a design; raise DesignError listing every problem."""
    from vpcsim.api import load_design
    from vpcsim.compile import Network

    design, warnings = load_design(path)
    return Network(design, warnings)


__all__ = [
    "DesignError",
    "Diagnostic",
    "EndpointError",
    "Location",
    "Severity",
    "UsageError",
    "VpcsimError",
    "load",
    "__version__",
]
