"""pytest plugin (entry point `pytest11: vpcsim`): design fixtures, and assertion files collected as tests.

- `*.assertions.yaml` (and `.yml`) files under the paths pytest collects become test files,
  one test item per assertion; a failing item prints the counter-example trace. A file's
  `design:` key names its design; files that name none use `--vpcsim-design` / the
  `vpcsim_design` ini option. Turn collection off with the ini option `vpcsim_collect = false`.
- Fixtures: `vpcsim_network` (the compiled `--vpcsim-design`), and `vpcsim_load` (a
  session-wide cached loader: `vpcsim_load("scenarios/basic-vpc.yaml")`).

The module imports only pytest at load time: every pytest run in an environment with vpcsim
installed loads it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from vpcsim.loader.assertions import Assertion
    from vpcsim.network import Network

_NETWORKS = pytest.StashKey[dict[str, "Network"]]()
SUFFIXES = (".assertions.yaml", ".assertions.yml")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("vpcsim", "vpcsim network assertions")
    group.addoption(
        "--vpcsim-design",
        action="store",
        default=None,
        metavar="DESIGN",
        help="vpcsim design for the vpcsim_network fixture and for assertion files without design:",
    )
    parser.addini("vpcsim_design", "vpcsim design file (relative to the rootdir)", default="")
    parser.addini("vpcsim_collect", "collect *.assertions.yaml files as tests", type="bool", default=True)


def _configured_design(config: pytest.Config) -> str | None:
    option = config.getoption("vpcsim_design", default=None)
    if option:
        return str(option)
    ini = str(config.getini("vpcsim_design") or "")
    if ini:
        return str(config.rootpath / ini)
    return None


def _load(config: pytest.Config, path: str | os.PathLike[str]) -> Network:
    import vpcsim

    cache = config.stash.setdefault(_NETWORKS, {})
    key = os.path.abspath(os.fspath(path))
    if key not in cache:
        cache[key] = vpcsim.load(key)
    return cache[key]


@pytest.fixture(scope="session")
def vpcsim_load(pytestconfig: pytest.Config) -> Callable[[str | os.PathLike[str]], Network]:
    """Load (once per session) and return a compiled design: `vpcsim_load("vpcsim.yaml")`."""

    def load(path: str | os.PathLike[str]) -> Network:
        return _load(pytestconfig, path)

    return load


@pytest.fixture(scope="session")
def vpcsim_network(pytestconfig: pytest.Config) -> Network:
    """The design named by `--vpcsim-design` or the `vpcsim_design` ini option, compiled."""
    design = _configured_design(pytestconfig)
    if design is None:
        raise pytest.UsageError("the vpcsim_network fixture needs --vpcsim-design DESIGN or the vpcsim_design ini option")
    return _load(pytestconfig, design)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(SUFFIXES) and parent.config.getini("vpcsim_collect"):
        collector: pytest.Collector = AssertionFile.from_parent(parent, path=file_path)
        return collector
    return None


class AssertionFile(pytest.File):
    """An assertion file: one test item per assertion."""

    def collect(self) -> Iterator[pytest.Item]:
        from vpcsim.errors import DesignError
        from vpcsim.loader.assertions import load_assertion_file
        from vpcsim.render import diagnostics_text

        try:
            loaded = load_assertion_file(self.path)
        except DesignError as exc:
            raise self.CollectError(diagnostics_text(exc.diagnostics)) from None
        design = loaded.design or _configured_design(self.config)
        if design is None:
            raise self.CollectError(
                f"{self.path}: no design: add `design: <file>` to the assertion file, or pass --vpcsim-design"
            )
        for assertion in loaded.assertions:
            yield AssertionItem.from_parent(self, name=assertion.id, assertion=assertion, design=design)


class AssertionItem(pytest.Item):
    """One assertion, checked against its design."""

    def __init__(self, *, assertion: Assertion, design: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.assertion = assertion
        self.design = design

    def runtest(self) -> None:
        from vpcsim.check import ReachabilityError, check

        result = check(_load(self.config, self.design), [self.assertion]).results[0]
        if not result.passed:
            raise ReachabilityError(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | Any:
        from vpcsim.check import ReachabilityError
        from vpcsim.errors import DesignError
        from vpcsim.render import clean, diagnostics_text

        if isinstance(excinfo.value, ReachabilityError):
            return clean(excinfo.value.result.explain())  # pytest prints it to a terminal
        if isinstance(excinfo.value, DesignError):
            return diagnostics_text(excinfo.value.diagnostics)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        from vpcsim.render import clean

        line = self.assertion.loc.line - 1 if self.assertion.loc.line > 0 else 0
        return self.path, line, clean(f"assertion {self.assertion.id}: {self.assertion.name}", multiline=False)
