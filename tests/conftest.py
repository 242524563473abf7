"""Fixtures shared by the test modules."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import vpcsim
import vpcsim.components  # noqa: F401  (tests call the loader and importers directly, as vpcsim.load does after this)
from vpcsim.network import Network

Make = Callable[[str], Network]


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
