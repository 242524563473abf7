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


def test_address_owners_are_asked_nat_gateway_then_appliance_then_load_balancer_then_interface() -> None:
    # A NAT instance's reply is the appliance's to translate before the interface receives it; a
    # load balancer node's listener decides before its network interface would take the packet.
    assert [c.kind for c in base.owners()] == ["nat_gateway", "appliance", "load_balancer", "eni"]


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


# -- what a component module brings to validation and to the AWS importer ----------------------


def test_every_route_target_kind_tells_validation_what_it_is() -> None:
    from vpcsim.loader import extensions

    for kind in base.route_target_kinds():
        target = extensions.target_for(kind.value)
        assert target is not None, kind
        assert target.label


def test_the_built_in_components_own_their_validation_and_aws_mapping() -> None:
    import vpcsim.importers.aws as aws
    from vpcsim.components import internet_gateway, nat_gateway, peering
    from vpcsim.loader import extensions

    rules = extensions.design_rules()
    assert {internet_gateway.one_per_vpc, nat_gateway.public_in_public_subnet, peering.pair_rules} <= set(rules)
    owners = {m.file_key: m.pick.__module__ for m in aws.mappings()}
    assert owners == {
        "InternetGateways": "vpcsim.components.internet_gateway",
        "NatGateways": "vpcsim.components.nat_gateway",
        "VpcPeeringConnections": "vpcsim.components.peering",
        "TransitGateways": "vpcsim.components.transit_gateway",
        **{key: "vpcsim.components.onprem"
           for key in ("CustomerGateways", "VpnGateways", "VpnConnections", "DirectConnectGateways")},
        "VpcEndpoints": "vpcsim.components.vpc_endpoint",
        "EgressOnlyInternetGateways": "vpcsim.components.egress_only_gateway",
        "LoadBalancers": "vpcsim.components.load_balancer",
        "TargetGroups": "vpcsim.components.load_balancer",
        "AutoScalingGroups": "vpcsim.components.auto_scaling",
    }


def test_a_registered_aws_mapping_reads_its_own_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A component module adds an AWS resource kind with no edit to the importer."""
    import json

    import vpcsim.importers.aws as aws
    from vpcsim.importers import mapping

    def pick(imp: aws.Importer) -> dict[str, mapping.Picked]:
        return {hid: mapping.Picked(j, f"hole-{hid}", j.text("VpcId")) for hid, j in imp.raw["Sinkholes"].items()}

    def body(imp: aws.Importer, hole: mapping.Picked) -> dict[str, object]:
        out: dict[str, object] = {"vpc": imp.vpcs[hole.vpc_id or ""].name}
        imp.at(out, hole.j.loc)
        return out

    monkeypatch.setitem(mapping._MAPPINGS, "Sinkholes", mapping.AwsMapping(
        "Sinkholes", "sinkholes", "sinkhole", "SinkholeId", "sh-", "sinkhole", "SinkholeId", pick, body, rank=90))
    (tmp_path / "Vpcs.json").write_text(json.dumps({"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}))
    (tmp_path / "Subnets.json").write_text(json.dumps({"Subnets": [
        {"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "eu-west-1a"}]}))
    (tmp_path / "RouteTables.json").write_text(json.dumps({"RouteTables": [{
        "RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [{"Main": True}],
        "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
                   {"DestinationCidrBlock": "0.0.0.0/0", "SinkholeId": "sh-1", "State": "active"}]}]}))
    (tmp_path / "Sinkholes.json").write_text(json.dumps({"Sinkholes": [{"SinkholeId": "sh-1", "VpcId": "vpc-1"}]}))
    design, _warnings = aws.snapshot_to_design(tmp_path)
    assert design["sinkholes"] == {"hole-sh-1": {"vpc": "vpc-1"}}
    routes = next(iter(design["route_tables"].values()))["routes"]
    assert {"destination": "0.0.0.0/0", "sinkhole": "hole-sh-1"} in routes
    # ...and the design it wrote is one the sinkhole component simulates.
    path = tmp_path / "design.yaml"
    path.write_text(aws.design_to_yaml(design))
    from vpcsim.reach.walk import trace_packet

    result = trace_packet(vpcsim.load(path), "subnet", "subnet-1", "10.0.1.10", "8.8.8.8", "tcp", 443)
    assert not result.reachable
    assert "sinkhole" in [hop.kind for hop in result.forward] and result.disposition.value == "NULL_ROUTED"


def test_validation_and_import_refuse_to_run_without_the_components() -> None:
    import subprocess
    import sys

    code = ("from vpcsim.loader.validate import validate\n"
            "from vpcsim.model import Design\n"
            "empty = Design('d.yaml', 'us-east-1', (), *({} for _ in range(12)))\n"
            "try:\n    validate(empty)\nexcept RuntimeError as e:\n    print('refused:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "refused: vpcsim.components is not imported" in out.stdout, out.stderr
