"""The build (pyproject.toml names everything else): the modules a snapshot load spends its time in
(vpcsim/native.py's COMPILED) are compiled with mypyc, as Black does, for about a fifth of the
load (benchmarks/README.md, Scale).

Each compiled module keeps its `.py` beside it, and the package runs as plain Python:
- when built with VPCSIM_PURE_PYTHON=1 set;
- when mypyc is missing, or compiling fails (no C compiler): a warning, then a plain install;
- when run with VPCSIM_PURE_PYTHON=1 set, even where the compiled modules are installed
  (vpcsim/__init__.py; tests/run runs the tests both ways).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext


def _compiled() -> list[tuple[list[str], str]]:
    """vpcsim.native's COMPILED_GROUPS, as (paths, library name) (read from that file alone:
    vpcsim's own imports need its dependencies, which a build does not have)."""
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location("_vpcsim_native", os.path.join(here, "vpcsim", "native.py"))
    assert spec is not None and spec.loader is not None
    native = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(native)
    return [([name.replace(".", "/") + ".py" for name in names], library) for library, names in native.COMPILED_GROUPS]


def _warn(message: str) -> None:
    print(f"warning: vpcsim: {message}; installing it as plain Python (slower to load a snapshot)", file=sys.stderr)


class _BuildOrPlain(build_ext):
    """build_ext, or, when compiling fails, nothing: a partial build would mix compiled modules
    with plain ones that they expect compiled, so what was built is removed."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # (a CompileError, or no compiler at all)
            for ext in self.extensions:
                for path in {self.get_ext_fullpath(ext.name), os.path.join(self.build_lib, self.get_ext_filename(ext.name))}:
                    if os.path.exists(path):
                        os.remove(path)
            self.extensions = []
            _warn(f"compiling with mypyc failed ({exc})")


def _extensions() -> list[Any]:
    if os.environ.get("VPCSIM_PURE_PYTHON") == "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _warn("mypyc is not installed")
        return []
    # The type check first follows every import, but the runtime packages (numpy, networkx...)
    # are not in an isolated build's environment, as they are for tests/run's mypy: there they are
    # untyped, and the modules that use them are checked silently (their types are still read).
    groups = _compiled()
    return list(mypycify(["--ignore-missing-imports", "--follow-imports=silent", *(p for paths, _ in groups for p in paths)],
                         opt_level="3", debug_level="0", separate=list(groups)))


if __name__ == "__main__":  # (as setuptools runs it; tests/test_native.py imports it)
    setup(ext_modules=_extensions(), cmdclass={"build_ext": _BuildOrPlain})
