"""The pytest plugin: assertion files collected as tests, and the design fixtures."""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

import pytest

import vpcsim.check

# pytester's in-process runs drop the modules first imported during a run; import vpcsim's here so
# that every run sees the same module objects.
import vpcsim.loader.design
import vpcsim.render  # noqa: F401

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def _plugin_args() -> list[str]:
    """Load the plugin explicitly only when the pytest11 entry point is not installed yet."""
    registered = any(ep.name == "vpcsim" for ep in metadata.entry_points(group="pytest11"))
    return [] if registered else ["-p", "vpcsim.pytest_plugin"]


def test_entry_point_is_declared() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert '[project.entry-points.pytest11]\nvpcsim = "vpcsim.pytest_plugin"' in text


def test_assertion_files_run_as_tests(pytester: pytest.Pytester) -> None:
    for path in SCENARIOS.glob("basic-vpc*.yaml"):
        shutil.copy(path, pytester.path / path.name)
    result = pytester.runpytest(*_plugin_args(), "-v")
    result.assert_outcomes(passed=8)
    result.stdout.fnmatch_lines(["*basic-vpc.assertions.yaml::db-never-from-internet PASSED*"])


def test_a_failing_assertion_shows_its_trace(pytester: pytest.Pytester) -> None:
    for path in SCENARIOS.glob("basic-vpc*.yaml"):
        shutil.copy(path, pytester.path / path.name)
    design = pytester.path / "basic-vpc.yaml"
    design.write_text(design.read_text().replace("    internet_gateway: prod-igw\n", "    blackhole: true\n", 1))
    result = pytester.runpytest(*_plugin_args())
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] >= 3 and outcomes["passed"] >= 1
    result.stdout.fnmatch_lines([
        "*assertion web-serves-http-and-https: the internet reaches the web tier on 80 and 443*",
        "*counter-example: tcp 80 from internet*",
        "*BAD_STATE_ROUTE*basic-vpc.yaml:*",
    ])


def test_bad_assertion_file_is_a_collection_error(pytester: pytest.Pytester) -> None:
    shutil.copy(SCENARIOS / "basic-vpc.yaml", pytester.path / "basic-vpc.yaml")
    (pytester.path / "x.assertions.yaml").write_text(
        "design: basic-vpc.yaml\nassertions:\n  - {from: internet, to: web-a, expect: sometimes}\n")
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*x.assertions.yaml:3:*expect: 'sometimes'*"])


def test_fixtures(pytester: pytest.Pytester) -> None:
    shutil.copy(SCENARIOS / "nat-bastion.yaml", pytester.path / "design.yaml")
    pytester.makepyfile(
        """
        from vpcsim.check import assert_reachable, assert_unreachable

        def test_bastion(vpcsim_network):
            assert_reachable(vpcsim_network, "198.51.100.7", "bastion", 22)
            assert_unreachable(vpcsim_network, "internet", {"subnet": "private-a"})

        def test_loader(vpcsim_load):
            assert vpcsim_load("design.yaml") is vpcsim_load("design.yaml")
        """
    )
    result = pytester.runpytest(*_plugin_args(), "--vpcsim-design", "design.yaml")
    result.assert_outcomes(passed=2)


def test_collection_can_be_turned_off(pytester: pytest.Pytester) -> None:
    for path in SCENARIOS.glob("basic-vpc*.yaml"):
        shutil.copy(path, pytester.path / path.name)
    pytester.makeini("[pytest]\nvpcsim_collect = false\n")
    result = pytester.runpytest(*_plugin_args())
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
