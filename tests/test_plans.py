"""Plans (vpcsim.plans): a trace written from an earlier walk is exactly the walk's trace.

The reference is `vpcsim.trace.trace`, which always walks. Every flow below goes through a fresh
`Plans` with the network's classes built, so plans start at once.
"""

from __future__ import annotations

import dataclasses
import itertools
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vpcsim
from vpcsim import plans as plans_module
from vpcsim.analyse import Analyser, analyser
from vpcsim.errors import VpcsimError
from vpcsim.network import Network
from vpcsim.plans import Plans
from vpcsim.trace import trace as walked

ROOT = Path(__file__).resolve().parents[1]
BATFISH = ROOT.parent / "shared" / "conformance" / "batfish-aws"
HOSTILE = ROOT / "tests" / "data" / "plans-hostile.yaml"
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate, to_yaml  # noqa: E402

PROPS = settings(derandomize=True, max_examples=15, deadline=None)

SOURCES = [p for p in sorted((ROOT / "scenarios").glob("*.yaml")) if not p.name.endswith(".assertions.yaml")]
SOURCES += [HOSTILE, ROOT / "tests" / "data" / "ipv6-mix.yaml", ROOT / "tests" / "data" / "aws" / "mini"]
SOURCES += sorted(BATFISH.glob("*/aws_configs")) if BATFISH.is_dir() else []
NETWORKS: dict[str, Network] = {}


def _id(path: Path) -> str:
    return path.parent.name if path.name == "aws_configs" else path.stem


def cloned(net: Network, *, own_locations: bool, copies: int = 2) -> Network:
    """The design with `copies` more of each instance of one interface: the same subnet, groups and
    state, the next free addresses (and public IPs) after its own, so that most are of its kind;
    at a location of their own, or at the instance's (as Terraform's `count` places its instances)."""
    d = net.design
    used = set(net.eni_by_ip) | set(net.eni_by_public) | set(net.nat_by_ip) | set(net.nat_by_public)
    instances, interfaces = dict(d.instances), dict(d.interfaces)
    for instance in d.instances.values():
        if len(instance.interfaces) != 1:
            continue
        eni = d.interfaces[instance.interfaces[0]]
        cidrs = d.subnets[eni.subnet].cidrs
        for copy in range(1, copies + 1):
            for step in range(1, 40):
                ips = tuple(a + step for a in eni.private_ips)
                public = None if eni.public_ip is None else eni.public_ip + step
                if not any(a in used or not any(c.first + 4 <= a < c.last for c in cidrs) for a in ips) and \
                        public not in used:
                    break
            else:
                continue
            used |= {*ips, public}
            name = f"{instance.name}-{copy}"
            if name in instances or f"{name}.eth0" in interfaces:
                continue
            moved = 10_000 * copy if own_locations else 0
            interfaces[f"{name}.eth0"] = dataclasses.replace(
                eni, name=f"{name}.eth0", instance=name, private_ips=ips, public_ip=public, secondary_public_ips=(),
                aws_id=eni.aws_id and f"{eni.aws_id}-{copy}", loc=eni.loc._replace(line=eni.loc.line + moved))
            instances[name] = dataclasses.replace(
                instance, name=name, interfaces=(f"{name}.eth0",), aws_id=instance.aws_id and f"{instance.aws_id}-{copy}",
                loc=instance.loc._replace(line=instance.loc.line + moved))
    return Network(dataclasses.replace(d, instances=instances, interfaces=interfaces))


def network(name: str) -> Network:
    if name not in NETWORKS:
        if name.endswith("+clones"):
            NETWORKS[name] = cloned(network(name.removesuffix("+clones")), own_locations=False)
        elif name.endswith("+copies"):
            NETWORKS[name] = cloned(network(name.removesuffix("+copies")), own_locations=True)
        elif name == "generated":
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "small.yaml"
                path.write_text(to_yaml(generate(2, 4, 4)))
                NETWORKS[name] = vpcsim.load(path)
        else:
            found = [p for p in SOURCES if _id(p) == name]
            if not found:
                pytest.skip(f"{name}: ../shared/conformance/batfish-aws is not beside this checkout")
            NETWORKS[name] = vpcsim.load(found[0])
    return NETWORKS[name]


NAMES = [_id(p) for p in SOURCES] + ["generated"]
NAMES += [f"{name}{more}" for name in NAMES for more in ("+clones", "+copies")]


def fresh(net: Network) -> Plans:
    made = Plans(net)
    made.analyser = analyser(net)
    return made


def outcome(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except VpcsimError as exc:
        return type(exc).__name__, str(exc)


def compare(net: Network, made: Plans, flows: list[tuple[str, str, int, Any]]) -> None:
    for src, dst, port, proto in flows:
        want = outcome(lambda *a: walked(net, *a), src, dst, port, proto)
        got = outcome(lambda *a: made.trace(net, *a, None, None, None), src, dst, port, proto)
        assert got == want, (src, dst, port, proto)


def endpoints(net: Network) -> list[str]:
    d = net.design
    return sorted(d.instances) + sorted(d.interfaces) + ["internet", "internet6"]


@pytest.mark.parametrize("name", NAMES)
@PROPS
@given(data=st.data())
def test_planned_traces_are_the_walks(name: str, data: st.DataObject) -> None:
    net = network(name)
    names = endpoints(net)
    # Few ports and protocols, many endpoints: kinds of pairs repeat, so most traces are planned.
    port = st.sampled_from([22, 443, 5432, 8080, 53, 0, 8])
    proto = st.sampled_from(["tcp", "tcp", "udp", 6, "icmp"])
    flow = st.tuples(st.sampled_from(names), st.sampled_from(names), port, proto)
    flows = data.draw(st.lists(flow, min_size=1, max_size=120))
    compare(net, fresh(net), flows * 2)


@pytest.mark.parametrize("name", ["generated", "generated+clones", "generated+copies", "plans-hostile",
                                  "plans-hostile+copies", "basic-vpc+copies", "chat-service+copies",
                                  "web-service+copies", "dual-stack+copies", "nat-bastion+clones",
                                  "test-transit-gateway-peering+copies"])
def test_every_pair_in_two_orders(name: str) -> None:
    net = network(name)
    names = endpoints(net)
    flows = [(s, t, port, "tcp") for s, t in itertools.product(names, names) for port in (22, 443, 5432)]
    for order in (flows, flows[::-1]):
        made = fresh(net)
        compare(net, made, order)
        if name != "basic-vpc":
            assert made.built > 0  # the kinds repeat there: some traces were written from plans


def test_names_inside_names_refuse_or_match() -> None:
    """web, web-a, web-a2, web.eth1 (whose interface is web.eth1.eth0), a subnet, a VPC, a security
    group and a NAT gateway named like instances, 10.0.1.10 beside 10.0.1.100 and 10.0.1.101, an
    instance named 10.0.10.10 (another's address): every pair, each written from every other."""
    net = network("plans-hostile")
    names = endpoints(net)
    for first in names:
        made = fresh(net)
        compare(net, made, [(first, "internet", 443, "tcp"), (first, "db", 22, "tcp")])
        compare(net, made, [(s, t, 22, "tcp") for s in names for t in ("db", "db-2", "internet")])


def test_a_plan_is_refused_when_the_walks_differ_in_more_than_their_ends() -> None:
    net = network("basic-vpc")
    made = fresh(net)
    ends1 = (made.end(net, "web-a", source=True), made.end(net, "db-primary", source=False))
    ends2 = (made.end(net, "web-b", source=True), made.end(net, "db-standby", source=False))
    assert None not in ends1 + ends2
    one = walked(net, "web-a", "db-primary", 5432)
    two = walked(net, "web-b", "db-standby", 5432)  # other subnets: not one kind of pair
    assert plans_module._make_plan(one, ends1, two, ends2) is None  # type: ignore[arg-type]
    assert plans_module._make_plan(one, ends1, one, ends1) is not None  # type: ignore[arg-type]


def test_plans_start_after_the_walks_the_classes_cost() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "small.yaml"
        path.write_text(to_yaml(generate(2, 4, 4)))
        net = vpcsim.load(path)
    made = plans_module.plans(net)
    assert made.threshold == plans_module.MIN_WALKS
    for i in range(made.threshold - 1):
        net.trace("vpc0-pub-1-i0", "vpc0-priv-3-i0", 1000 + i)
    assert net.derived_if_built(Analyser, None) is None  # no classes for a few traces
    net.trace("vpc0-pub-1-i0", "vpc0-priv-3-i0", 22)
    assert net.derived_if_built(Analyser, None) is not None
    # i0 and i2 of a private subnet are one kind (generate.py gives i1 and i3 another group).
    flows = [(f"vpc0-pub-1-i{i}", f"vpc0-priv-3-i{j}", 22) for i in range(4) for j in (0, 2)]
    assert [net.trace(*f) for f in flows] == [walked(net, *f) for f in flows]
    # Walked: the first, one with another destination, one with another source, one with both.
    assert made.built == len(flows) - 4


def test_an_analysis_starts_plans_at_once() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "small.yaml"
        path.write_text(to_yaml(generate(2, 4, 4)))
        net = vpcsim.load(path)
    net.exposure()
    flows = [(f"vpc0-pub-1-i{i}", "internet", 443) for i in range(4)]
    assert [net.trace(*f) for f in flows] == [walked(net, *f) for f in flows]
    assert plans_module.plans(net).built == 2


def test_bad_arguments_are_walked_and_refused_alike() -> None:
    net = network("basic-vpc")
    made = fresh(net)
    for args in [("web-a", "db-primary", 5432, "tcp"), ("web-a", "db-primary", True, "tcp"),
                 ("web-a", "db-primary", 70000, "tcp"), ("web-a", "nowhere", 22, "tcp"),
                 ("web-a", "db-primary", 22, "gre?"), (" web-a", "db-primary", 5432, "tcp")]:
        for _ in range(2):
            want = outcome(lambda *a: walked(net, *a), *args)
            assert outcome(lambda *a: made.trace(net, *a, None, None, None), *args) == want


def test_a_traced_network_is_freed_with_its_last_reference() -> None:
    """Plans live on the network and do not point back at it: no cycle, so a network (frozen by
    a large load, where the collector never looks) goes when its last user lets go of it."""
    import weakref

    net = vpcsim.load(ROOT / "scenarios" / "basic-vpc.yaml")
    for _ in range(3):
        net.trace("internet", "web-a", 443)
    assert plans_module.plans(net).walks == 3
    gone = weakref.ref(net)
    del net
    assert gone() is None


def test_a_single_trace_of_a_yaml_design_imports_only_what_it_needs() -> None:
    """The cold start of `vpcsim trace` (issue 16: at most 3x `import yaml`): neither the classes
    (vpcsim.analyse, which plans use only after many traces) nor the Terraform and AWS importers
    (a YAML design is told from a plan by vpcsim.importers.detect) are imported for one trace."""
    import subprocess

    code = ("import sys, vpcsim.cli\n"
            "try:\n"
            f"    vpcsim.cli.main(['trace', '--design', {str(ROOT / 'scenarios' / 'basic-vpc.yaml')!r}, 'internet',"
            " 'web-a', '443', '--json'])\n"
            "except SystemExit:\n"
            "    pass\n"
            "print(sorted(m for m in ('vpcsim.analyse', 'vpcsim.check', 'vpcsim.importers.terraform',"
            " 'vpcsim.importers.aws') if m in sys.modules), file=sys.stderr)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stderr.strip() == "[]"
    assert '"reachable": true' in run.stdout
