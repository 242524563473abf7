"""vpcsim: simulate AWS-style VPC designs and explain, hop by hop, whether a flow gets through.

    import vpcsim
    net = vpcsim.load("vpcsim.yaml")          # a YAML design, or an AWS snapshot folder
    result = net.trace("internet", "web-a", 443)
    result.reachable, result.blocked_by

Imports stay light: the engines, networkx and rich are loaded on first use. `__all__` is the
public surface (pinned by tests/test_exported_members.py); everything else is internal.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from vpcsim.errors import DesignError, Diagnostic, EndpointError, Location, Severity, UsageError, VpcsimError
from vpcsim.native import use_source_if_asked as _use_source_if_asked
from vpcsim.version import __version__

_use_source_if_asked()  # (before anything imports a module setup.py compiles: see vpcsim.native)

if TYPE_CHECKING:
    from vpcsim.analyse import ExposureReport, ReachMatrix
    from vpcsim.check import (
        CheckReport,
        ReachabilityError,
        assert_exactly,
        assert_only,
        assert_reachable,
        assert_unreachable,
    )
    from vpcsim.lint import LintReport
    from vpcsim.network import Network
    from vpcsim.results import (
        Action,
        Blocker,
        Code,
        Disposition,
        FilterDetail,
        Flow,
        Hop,
        Packet,
        RouteDetail,
        Step,
        StepKind,
        TraceResult,
        TranslationDetail,
    )

# Public names loaded on first use, by the module that defines them.
_LAZY = {
    "Action": "vpcsim.results",
    "Blocker": "vpcsim.results",
    "CheckReport": "vpcsim.check",
    "Code": "vpcsim.results",
    "Disposition": "vpcsim.results",
    "ExposureReport": "vpcsim.analyse",
    "FilterDetail": "vpcsim.results",
    "Flow": "vpcsim.results",
    "Hop": "vpcsim.results",
    "LintReport": "vpcsim.lint",
    "Network": "vpcsim.network",
    "Packet": "vpcsim.results",
    "ReachMatrix": "vpcsim.analyse",
    "ReachabilityError": "vpcsim.check",
    "RouteDetail": "vpcsim.results",
    "Step": "vpcsim.results",
    "StepKind": "vpcsim.results",
    "TraceResult": "vpcsim.results",
    "TranslationDetail": "vpcsim.results",
    "assert_exactly": "vpcsim.check",
    "assert_only": "vpcsim.check",
    "assert_reachable": "vpcsim.check",
    "assert_unreachable": "vpcsim.check",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is not None:
        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'vpcsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))




def load(path: str | os.PathLike[str], *, files: Sequence[str] | None = None,
         tf_dir: str | os.PathLike[str] | None = None) -> Network:
    """Load, validate and compile a design; raise DesignError listing every problem.

    `files`: for an AWS snapshot folder, read only these JSON files (paths relative to the
    snapshot's `aws_configs/`, or to the folder itself when it has none). `tf_dir`: for a
    Terraform plan or state, the folder of its `.tf` sources (default: beside the plan).
    """
    import vpcsim.components  # noqa: F401  (registers the design sections component modules add)
    from vpcsim.loader.design import load_design
    from vpcsim.network import Network

    design, warnings = load_design(path, files, tf_dir=tf_dir)
    return Network(design, warnings)


__all__ = [
    "Action",
    "Blocker",
    "CheckReport",
    "Code",
    "DesignError",
    "Diagnostic",
    "Disposition",
    "EndpointError",
    "ExposureReport",
    "FilterDetail",
    "Flow",
    "Hop",
    "LintReport",
    "Location",
    "Network",
    "Packet",
    "ReachMatrix",
    "ReachabilityError",
    "RouteDetail",
    "Severity",
    "Step",
    "StepKind",
    "TraceResult",
    "TranslationDetail",
    "UsageError",
    "VpcsimError",
    "__version__",
    "assert_exactly",
    "assert_only",
    "assert_reachable",
    "assert_unreachable",
    "load",
]
