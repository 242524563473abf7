"""Hostile and half-right designs: vpcsim answers with located errors or a trace, never a crash.

Hypothesis mutates a valid scenario (drop keys, swap values for values of another type, point
references at nothing) and throws random documents built from the format's own vocabulary.
Whatever it builds, loading either works or raises DesignError, and a trace on what loads
either runs or raises EndpointError / UsageError.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vpcsim
from vpcsim.errors import DesignError, EndpointError, UsageError
from vpcsim.lint import lint

ROOT = Path(__file__).resolve().parents[1]
BASE = yaml.safe_load((ROOT / "scenarios" / "nat-bastion.yaml").read_text())

KEYS = [
    "vpc", "cidr", "cidrs", "az", "route_table", "network_acl", "routes", "destination",
    "internet_gateway", "nat_gateway", "peering", "instance", "interface", "blackhole", "inbound",
    "outbound", "rule", "action", "protocol", "ports", "ingress", "egress", "security_group",
    "security_groups", "subnet", "private_ip", "public_ip", "elastic_ip", "interfaces", "state",
    "requester", "accepter", "status", "entries", "main", "default", "connectivity", "name",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.sampled_from(["10.0.0.0/16", "10.20.0.0/24", "10.20.0.5", "0.0.0.0/0", "300.1.1.1", "tcp", "all",
                     "allow", "deny", "1024-65535", "65535-1", "public-a", "corp", "nat-a", "bastion", "",
                     "active", "running", "x" * 200, "-1", "icmp"]),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=20,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


PATHS = _paths(BASE)


def _load_and_trace(tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "fuzz.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    try:
        net = vpcsim.load(path)
    except DesignError as exc:
        assert exc.diagnostics, "a DesignError always lists its problems"
        for diagnostic in exc.diagnostics:
            assert diagnostic.message and diagnostic.format()
        return
    for src, dst, port in (("bastion", "app-a", 22), ("internet", "bastion", 22), ("app-b", "internet", 443)):
        try:
            result = net.trace(src, dst, port)
        except (EndpointError, UsageError):
            continue
        assert result.to_json()["reachable"] in (True, False)
    # The whole-network answers and the linter take the same designs.
    assert net.exposure().to_json() is not None
    lint(net)


@settings(derandomize=True, max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(PATHS), VALUES, st.booleans())
def test_mutated_scenario_never_crashes(tmp_path: Path, path: tuple[Any, ...], value: Any, delete: bool) -> None:
    doc = copy.deepcopy(BASE)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    _load_and_trace(tmp_path, doc)


@settings(derandomize=True, max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([*BASE.keys(), "assertions", "version", "bogus"]), VALUES, max_size=8))
def test_random_documents_never_crash(tmp_path: Path, doc: dict[str, Any]) -> None:
    _load_and_trace(tmp_path, doc)
