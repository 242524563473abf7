"""Golden traces: every scenario's expected outcomes, reasoned from AWS semantics (tests/golden/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import vpcsim
from vpcsim.trace import names_load_balancer

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.yaml"))


def _changed(scenario: str, change: dict[str, Any], tmp: Path) -> Path:
    """The scenario with some keys replaced (`a.b.c: value`): a golden about one edit of it."""
    doc = yaml.safe_load((ROOT / scenario).read_text())
    for dotted, value in change.items():
        *parents, last = dotted.split(".")
        node = doc
        for key in parents:
            node = node[key]
        assert last in node, f"golden change {dotted!r}: no such key in {scenario}"
        node[last] = value
    path = tmp / Path(scenario).name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


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
def test_golden_trace(scenario: str, case: dict[str, Any], networks: dict[str, Any], tmp_path: Path) -> None:
    if "change" in case:
        net = vpcsim.load(_changed(scenario, case["change"], tmp_path))
    else:
        if scenario not in networks:
            networks[scenario] = vpcsim.load(ROOT / scenario)
        net = networks[scenario]
    if "via" in case:
        path = net.trace(str(case["src"]), str(case["dst"]), case["port"], case.get("protocol", "tcp"),
                         via=case["via"])
        blockers = [b for _, b in path.blocked_by]
        explain = "\n".join(f"leg {i + 1} {b.direction} {b.code.value}: {b.detail}" for i, b in path.blocked_by)
        assert path.reachable is case["reachable"], f"{case['why']}\n{explain}"
        assert [leg.reachable for leg in path.legs] == case["legs"], explain
        assert set(case.get("blocked_by", [])) <= {b.code.value for b in blockers}, explain
        assert all(leg.return_path for leg in path.legs if leg.reachable)
        return
    if names_load_balancer(net, str(case["dst"])):
        balanced = net.trace_balanced(str(case["src"]), str(case["dst"]), case["port"], case.get("protocol", "tcp"))
        every = list(balanced.blocked_by) + [b for n in balanced.nodes for b in n.front.blocked_by] + \
            [b for t in balanced.targets for r in (t.leg, t.health) if r is not None for b in r.blocked_by]
        explain = "\n".join(f"{b.direction} {b.code.value}: {b.detail}" for b in every)
        assert balanced.reachable is case["reachable"], f"{case['why']}\n{explain}"
        assert set(case.get("blocked_by", [])) <= {b.code.value for b in every}, explain
        if "reached" in case:
            assert list(balanced.reached_targets) == case["reached"], explain
        unhealthy = sorted({t.target for t in balanced.targets if not t.healthy})
        assert unhealthy == sorted(case.get("unhealthy", [])), explain
        # Every leg of a load-balanced path is a full walk: a reachable one has its reply.
        assert all(t.leg.return_path for t in balanced.targets if t.leg.reachable)
        return
    result = net.trace(str(case["src"]), str(case["dst"]), case["port"], case.get("protocol", "tcp"),
                       icmp_code=case.get("icmp_code"))
    codes = {b.code.value for b in result.blocked_by}
    explain = "\n".join(f"{b.direction} {b.code.value}: {b.detail}" for b in result.blocked_by)
    assert result.reachable is case["reachable"], f"{case['why']}\n{explain}"
    assert set(case.get("blocked_by", [])) <= codes, explain
    # `through` / `not_through`: hops the forward leg must (not) cross, by kind or design name.
    crossed = {hop.kind for hop in result.forward} | {hop.name for hop in result.forward}
    assert set(case.get("through", [])) <= crossed, sorted(crossed)
    assert not set(case.get("not_through", [])) & crossed, sorted(crossed)
    if case["reachable"]:
        assert result.return_path, "a reachable flow has a return path"
        assert not result.blocked_by


def _exposure_cases() -> list[Any]:
    cases = []
    for path in GOLDEN:
        doc = yaml.safe_load(path.read_text())
        for row in doc.get("exposure", []):
            cases.append(pytest.param(doc["scenario"], row, id=f"{path.stem}: exposure of {row['instance']}"))
    return cases


@pytest.mark.parametrize("scenario, row", _exposure_cases())
def test_golden_exposure(scenario: str, row: dict[str, Any], networks: dict[str, Any]) -> None:
    """`exposure:` in a golden: an instance's severity, what each family's internet reaches, its findings."""
    if scenario not in networks:
        networks[scenario] = vpcsim.load(ROOT / scenario)
    got = networks[scenario].exposure()[row["instance"]]
    explain = "\n".join(f"{f.family} {f.describe()} {f.causes}" for f in got.findings)
    assert (got.severity.value if got.severity else None) == row["severity"], f"{row['why']}\n{explain}"
    assert (got.traffic.describe(), got.ipv6.describe()) == (row["ipv4"], row["ipv6"]), explain
    findings = row.get("findings", [])
    assert len(got.findings) == len(findings), explain
    for want, finding in zip(findings, got.findings, strict=True):
        assert (finding.severity.value, finding.family, finding.traffic.describe(), list(finding.sources)) == (
            want["severity"], want["family"], want["traffic"], want["sources"]), explain
        for cause in want.get("causes", []):
            assert any(cause in c for c in finding.causes), (cause, finding.causes)


def _listener_cases() -> list[Any]:
    cases = []
    for path in GOLDEN:
        doc = yaml.safe_load(path.read_text())
        if "listeners" in doc:
            cases.append(pytest.param(doc["scenario"], doc["listeners"], id=f"{path.stem}: listeners"))
    return cases


@pytest.mark.parametrize("scenario, rows", _listener_cases())
def test_golden_listener_exposure(scenario: str, rows: list[dict[str, Any]], networks: dict[str, Any]) -> None:
    """`listeners:` in a golden: every internet-facing listener per family, the targets it reaches."""
    if scenario not in networks:
        networks[scenario] = vpcsim.load(ROOT / scenario)
    got = [(x.load_balancer, x.listener, x.family, list(x.reached), x.blocked_by)
           for x in networks[scenario].exposure().listeners]
    assert [g[:4] for g in got] == [(r["load_balancer"], r["listener"], r["family"], r["reached"]) for r in rows]
    for row, (*_, blocked) in zip(rows, got, strict=True):
        assert list(blocked) == row.get("blocked_by", []), (row, blocked)
