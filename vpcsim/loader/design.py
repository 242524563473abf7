"""The library's front door: a path -> a validated Design -> a compiled Network."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from vpcsim.errors import DesignError, Diagnostic, Severity
from vpcsim.loader.build import build
from vpcsim.loader.reader import load_file
from vpcsim.model import Design


def load_design(
    path: str | os.PathLike[str], files: Sequence[str] | None = None, *, tf_dir: str | os.PathLike[str] | None = None
) -> tuple[Design, tuple[Diagnostic, ...]]:
    """Load and validate a design; raise DesignError listing every error, return the warnings.

    `files` (AWS snapshot folders only) restricts the JSON files read to these paths, relative
    to the snapshot's layout root (see `vpcsim.importers.aws.snapshot_to_design`). `tf_dir`
    (Terraform plans and states only): the folder of the `.tf` sources, for `file.tf:line`
    locations (default: the plan's own folder when it holds `.tf` files).
    """
    path = os.fspath(path)
    if tf_dir is not None:
        _check_tf_dir(path, os.fspath(tf_dir))
    with _collector_paused():
        return _load_design(path, files, tf_dir)


# A load that leaves more tracked objects than this freezes them (20,000 instances leave 180,000).
FREEZE_AFTER = 50_000


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic GC while a design loads: it builds 100,000s of objects that all stay alive,
    so every collection would traverse them for nothing (about half of a load's time at 20,000
    instances, YAML or snapshot; benchmarks/README.md, Scale).

    After a large load, `gc.freeze()` moves what exists to the permanent generation, so later
    collections (during an analysis) skip the design: reach by subnet at 20,000 instances takes
    about 25% less CPU, exposure 15%. The design holds no reference cycles (frozen records and
    tuples), and reference counting still frees what is frozen; one collection first clears the
    load's own garbage cycles, so what freezing gives up is collecting a cycle among objects the
    caller still holds at that moment, once it becomes garbage. Small designs are not frozen.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_count()[0] > FREEZE_AFTER:
                gc.collect()  # one pass (0.06 s at 20,000 instances), so no garbage cycle is frozen
                gc.freeze()
            gc.enable()


def _load_design(path: str, files: Sequence[str] | None,
                 tf_dir: str | os.PathLike[str] | None) -> tuple[Design, tuple[Diagnostic, ...]]:
    if os.path.isdir(path):
        from vpcsim.importers.aws import load_snapshot_tree

        tree, diagnostics = load_snapshot_tree(path, files)
    else:
        if files is not None:
            from vpcsim.errors import UsageError

            raise UsageError(f"{path}: `files` applies to an AWS snapshot folder, not to a design file")
        from vpcsim.importers.detect import is_terraform_json

        if is_terraform_json(path):  # `terraform show -json` output, recognised by content
            from vpcsim.importers.terraform import load_terraform_tree, sibling_tf_dir

            tree, diagnostics = load_terraform_tree(path, tf_dir=sibling_tf_dir(path) if tf_dir is None else tf_dir)
        else:
            tree = load_file(path)
            diagnostics = []
    design, built = build(tree, path)
    diagnostics = [*diagnostics, *built]
    from vpcsim.loader.validate import validate

    diagnostics.extend(validate(design))
    diagnostics.sort(key=lambda d: (d.location.file, d.location.line, d.location.col) if d.location else ("", 0, 0))
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise DesignError(diagnostics)
    return design, tuple(diagnostics)


def _check_tf_dir(path: str, tf_dir: str) -> None:
    """`--tf-dir` names a folder, and the design is a Terraform plan or state (UsageError otherwise)."""
    from vpcsim.arguments import quote
    from vpcsim.errors import UsageError
    from vpcsim.importers.detect import is_terraform_json

    if not os.path.isdir(tf_dir):
        raise UsageError(f"--tf-dir {quote(tf_dir)}: not a folder (expected the folder of the plan's .tf sources)")
    if os.path.isdir(path) or not is_terraform_json(path):
        raise UsageError(f"--tf-dir {quote(tf_dir)}: {quote(path)} is not a Terraform plan or state "
                         "(`terraform show -json` output); the .tf sources locate only those")
