"""The component protocol: the registry is complete, the walk dispatches through it, steps carry typed details."""

from __future__ import annotations

from pathlib import Path

import pytest

import vpcsim
from vpcsim.components import base
from vpcsim.model import TargetKind
from vpcsim.reach.walk import Walker
from vpcsim.results import Code, FilterDetail, RouteDetail, TranslationDetail

ROOT = Path(__file__).resolve().parents[1]
NAT = ROOT / "scenarios" / "nat-bastion.yaml"
PEERING = ROOT / "scenarios" / "vpc-peering.yaml"


def test_every_route_target_kind_has_exactly_one_component() -> None:
    # LOCAL routes have no target: the VPC router delivers them (entry.route is None); COMPONENT
    # routes name their module by route key (the sinkhole test).
    wanted = {kind for kind in TargetKind if kind not in (TargetKind.LOCAL, TargetKind.COMPONENT)}
    assert base.route_target_kinds() == wanted
    for kind in wanted:
        assert kind in base.for_target(kind).targets


def test_a_second_component_for_a_taken_target_is_refused() -> None:
    class Again(base.Component[None]):
        kind = "again"
        targets = (TargetKind.BLACKHOLE,)

    with pytest.raises(RuntimeError, match="blackhole is handled by blackhole already"):
        base.register(Again())
    assert base.for_target(TargetKind.BLACKHOLE).kind == "blackhole"


def test_address_owners_are_asked_nat_gateway_then_appliance_then_interface() -> None:
    # A NAT instance's reply is the appliance's to translate before the interface receives it.
    assert [c.kind for c in base.owners()] == ["nat_gateway", "appliance", "eni"]


def test_the_walker_implements_the_walk_protocol() -> None:
    net = vpcsim.load(NAT)
    walker: base.Walk = Walker(net, "forward", base.Endpoint("a", 1), base.Endpoint("b", 2))
    assert walker.returning is False
    walker.warn(Code.EPHEMERAL_RANGE_PARTIAL, "acl", "only part", None)
    assert [w.component for w in walker.leg.warnings] == ["acl"]


def test_filter_steps_name_the_table_direction_peer_protocol_and_ports() -> None:
    net = vpcsim.load(NAT)
    result = net.trace("internet", "bastion", 22)
    filters = [s.data for h in result.forward for s in h.steps if isinstance(s.data, FilterDetail)]
    assert filters, "the forward leg meets a NACL and the bastion's security groups"
    directions = [(f.filter.direction, f.protocol, f.ports) for f in filters]
    assert ("inbound", 6, ((22, 22),)) in directions
    assert ("ingress", 6, ((22, 22),)) in directions
    for f in filters:
        # The filter answers its exact admitted ports for that peer; the step's admitted ports
        # are those of the packet's ports it lets through.
        admitted = f.filter.admitted(f.peer, f.protocol)
        for lo, hi in f.admitted:
            assert any(a <= lo and hi <= b for a, b in admitted)
            assert any(a <= lo and hi <= b for a, b in f.ports)
    step_json = next(s for h in result.forward for s in h.steps if isinstance(s.data, FilterDetail)).to_json()
    assert set(step_json["filter"]) == {"table", "direction", "peer", "protocol", "ports", "admitted"}


def test_route_steps_name_the_chosen_route_and_the_routes_it_beat() -> None:
    # vpc-peering golden: the stale blackhole 10.2.20.0/24 beats 10.2.0.0/16 -> shared-payments.
    net = vpcsim.load(PEERING)
    result = net.trace("payments-api", "directory", 636)
    routes = [s.route for h in result.forward for s in h.steps if s.route is not None]
    assert len(routes) == 1
    route = routes[0]
    assert isinstance(route, RouteDetail) and route.table
    assert route.chosen is not None and route.chosen.startswith("10.2.20.0/24") and "blackhole" in route.chosen
    assert any(b.startswith("10.2.0.0/16") for b in route.beaten)
    assert route.chosen not in route.beaten


def test_translation_steps_carry_the_header_before_and_after() -> None:
    net = vpcsim.load(NAT)
    src = next(n for n in net.design.instances if n.startswith("app"))
    result = net.trace(src, "internet", 443)
    translations = [s.translation for h in result.forward for s in h.steps if s.translation is not None]
    assert len(translations) >= 2, "the NAT gateway, then the internet gateway"
    nat, igw = translations[0], translations[-1]
    assert isinstance(nat, TranslationDetail) and isinstance(igw, TranslationDetail)
    assert nat.before.src != nat.after.src and nat.after.src_ports == ((1024, 65535),)
    assert igw.before.src == nat.after.src and igw.after.dst == igw.before.dst


def test_the_component_graph_is_drawn_by_the_components() -> None:
    net = vpcsim.load(NAT)
    kinds = {data["kind"] for _, data in net.graph.nodes(data=True)}
    assert {"internet", "vpc_router", "subnet", "eni", "internet_gateway", "nat_gateway"} <= kinds
    routes = [(u, v) for u, v, data in net.graph.edges(data=True) if data["relation"] == "route"]
    assert any(v[0] == "nat_gateway" for _, v in routes) and any(v[0] == "internet_gateway" for _, v in routes)
