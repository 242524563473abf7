"""Importers: real infrastructure (AWS snapshots, Terraform plans and states) -> the located tree that `loader.build` reads."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from vpcsim.errors import DesignError, Diagnostic, Severity

if TYPE_CHECKING:
    from vpcsim.loader.reader import Node


def validated(tree: Node, path: str | os.PathLike[str], warnings: list[Diagnostic]) -> list[Diagnostic]:
    """The warnings of an imported design that must also load (what `vpcsim import` writes): the
    importer's, the builder's and validation's; DesignError listing every problem when one is an error."""
    from vpcsim.loader.build import build
    from vpcsim.loader.validate import validate

    model, built = build(tree, os.fspath(path))
    diagnostics = [*warnings, *built, *validate(model)]
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise DesignError(diagnostics)
    return [d for d in diagnostics if d.severity is Severity.WARNING]
