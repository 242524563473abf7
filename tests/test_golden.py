"""Golden traces: every scenario's expected outcomes, reasoned from AWS semantics (tests/golden/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import vpcsim

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.yaml"))


def _cases() -> list[Any]:
    cases = []
    for path in GOLDEN:
        doc = yaml.safe_load(path.read_text())
        for trace in doc["traces"]:
            cases.append(pytest.param(doc["scenario"], trace, id=f"{path.stem}: {trace['name']}"))
    return cases


@pytest.fixture(scope="module")
def networks() -> dict[str, Any]:
    return {}


def test_every_scenario_has_goldens() -> None:
    scenarios = {p.name for p in (ROOT / "scenarios").glob("*.yaml") if not p.name.endswith(".assertions.yaml")}
    covered = {Path(yaml.safe_load(p.read_text())["scenario"]).name for p in GOLDEN}
    assert scenarios == covered


@pytest.mark.parametrize("scenario, case", _cases())
def test_golden_trace(scenario: str, case: dict[str, Any], networks: dict[str, Any]) -> None:
    if scenario not in networks:
        networks[scenario] = vpcsim.load(ROOT / scenario)
    net = networks[scenario]
    result = net.trace(str(case["src"]), str(case["dst"]), case["port"], case.get("protocol", "tcp"),
                       icmp_code=case.get("icmp_code"))
    codes = {b.code.value for b in result.blocked_by}
    explain = "\n".join(f"{b.direction} {b.code.value}: {b.detail}" for b in result.blocked_by)
    assert result.reachable is case["reachable"], f"{case['why']}\n{explain}"
    assert set(case.get("blocked_by", [])) <= codes, explain
    # `through`: hops the forward leg must cross (a middlebox), by design name.
    assert set(case.get("through", [])) <= {h.name for h in result.forward}, [h.name for h in result.forward]
    if case["reachable"]:
        assert result.return_path, "a reachable flow has a return path"
        assert not result.blocked_by
