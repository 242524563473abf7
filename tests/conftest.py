"""Fixtures shared by the test modules."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import vpcsim
import vpcsim.components  # noqa: F401  (tests call the loader and importers directly, as vpcsim.load does after this)
from vpcsim.native import compiled_in_use
from vpcsim.network import Network

Make = Callable[[str], Network]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that patches a compiled module's function or method would test nothing there (its
    compiled callers call the original): it runs on the modules' source (tests/run's second pass)."""
    compiled = compiled_in_use()
    if not compiled:
        return
    skip = pytest.mark.skip(reason=f"patches compiled code ({', '.join(compiled)}); run with VPCSIM_PURE_PYTHON=1")
    for item in items:
        if item.get_closest_marker("pure_python") is not None:
            item.add_marker(skip)


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Make]:
    """make(yaml_text) -> Network: write the (dedented) design to a fresh file and load it."""
    count = 0

    def _make(text: str) -> Network:
        nonlocal count
        count += 1
        path = tmp_path / f"design{count}.yaml"
        path.write_text(textwrap.dedent(text))
        return vpcsim.load(path)

    yield _make
