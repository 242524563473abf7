"""Transit gateways (vpcsim/components/transit_gateway.py): attachments, route tables, the VPC side.

AWS behaviour checked here, from https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html
(association, propagation, static and blackhole routes, route evaluation order, Availability
Zones, appliance mode) and https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html (the NACLs of
the attachment subnets).
"""

from __future__ import annotations

import json
import textwrap
from importlib import resources
from pathlib import Path

import pytest
import yaml

import vpcsim
from vpcsim.errors import DesignError
from vpcsim.results import Code, Disposition, StepKind

DESIGN = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.1.0.0/16]}
  dev: {cidrs: [10.2.0.0/16]}
  shared: {cidrs: [10.3.0.0/16]}
transit_gateways:
  hub:
    aws_id: tgw-0123
    default_association_table: shared
    default_propagation_table: shared
    route_tables:
      shared: {}
      prod: {routes: [{destination: 10.2.0.0/16, blackhole: true}]}
      dev: {}
    attachments:
      prod: {vpc: prod, subnets: [prod-tgw-a], association: prod, propagations: [shared]}
      dev: {vpc: dev, subnets: [dev-tgw-a], association: dev, propagations: [shared]}
      shared: {vpc: shared, subnets: [shared-tgw-a, shared-tgw-b], propagations: [prod, dev]}
route_tables:
  prod: {vpc: prod, routes: [{destination: 10.0.0.0/8, transit_gateway: hub}]}
  dev: {vpc: dev, routes: [{destination: 10.0.0.0/8, transit_gateway: hub}]}
  shared: {vpc: shared, routes: [{destination: 10.0.0.0/8, transit_gateway: hub}]}
network_acls:
  shared-tgw:
    vpc: shared
    inbound: [{rule: 100, protocol: tcp, ports: 53, cidr: 10.2.0.0/16, action: deny},
              {rule: 200, protocol: all, cidr: 0.0.0.0/0, action: allow}]
    outbound: [{rule: 100, protocol: all, cidr: 0.0.0.0/0, action: allow}]
subnets:
  prod-a: {vpc: prod, cidr: 10.1.1.0/24, az: eu-west-1a, route_table: prod}
  prod-b: {vpc: prod, cidr: 10.1.2.0/24, az: eu-west-1b, route_table: prod}
  prod-tgw-a: {vpc: prod, cidr: 10.1.0.0/28, az: eu-west-1a, route_table: prod}
  dev-a: {vpc: dev, cidr: 10.2.1.0/24, az: eu-west-1a, route_table: dev}
  dev-tgw-a: {vpc: dev, cidr: 10.2.0.0/28, az: eu-west-1a, route_table: dev}
  shared-a: {vpc: shared, cidr: 10.3.1.0/24, az: eu-west-1a, route_table: shared}
  shared-tgw-a: {vpc: shared, cidr: 10.3.0.0/28, az: eu-west-1a, route_table: shared, network_acl: shared-tgw}
  shared-tgw-b: {vpc: shared, cidr: 10.3.0.16/28, az: eu-west-1b, route_table: shared}
security_groups:
  open-prod: {vpc: prod, ingress: [{protocol: all, cidr: 10.0.0.0/8}]}
  open-dev: {vpc: dev, ingress: [{protocol: all, cidr: 10.0.0.0/8}]}
  open-shared: {vpc: shared, ingress: [{protocol: all, cidr: 10.0.0.0/8}]}
instances:
  prod-db: {subnet: prod-a, private_ip: 10.1.1.10, security_groups: [open-prod]}
  prod-b: {subnet: prod-b, private_ip: 10.1.2.10, security_groups: [open-prod]}
  dev-app: {subnet: dev-a, private_ip: 10.2.1.10, security_groups: [open-dev]}
  dns: {subnet: shared-a, private_ip: 10.3.1.10, security_groups: [open-shared]}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "design.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture()
def net(tmp_path: Path) -> vpcsim.Network:
    return vpcsim.load(_write(tmp_path, DESIGN))


def _route_steps(result: vpcsim.TraceResult, kind: str = "transit_gateway") -> list:  # type: ignore[type-arg]
    return [s for h in result.forward if h.kind == kind for s in h.steps if s.kind is StepKind.ROUTE]


def test_propagated_route_carries_the_flow_and_the_reply_uses_its_own_table(net: vpcsim.Network) -> None:
    result = net.trace("prod-db", "dns", 443)
    assert result.disposition is Disposition.ACCEPTED
    assert [h.kind for h in result.forward] == [
        "eni", "subnet", "vpc_router", "transit_gateway_attachment", "transit_gateway",
        "transit_gateway_attachment", "vpc_router", "subnet", "eni"]
    (forward_lookup,) = _route_steps(result)
    detail = forward_lookup.route
    assert detail is not None and detail.table == "hub/prod"
    assert detail.chosen == "10.3.0.0/16 -> attachment shared (vpc shared) [propagated]"
    back = [s for h in result.return_path if h.kind == "transit_gateway" for s in h.steps if s.route]
    assert back[0].route is not None and back[0].route.table == "hub/shared"  # the reply's own association


def test_separate_tables_stop_dev_at_the_transit_gateway(net: vpcsim.Network) -> None:
    result = net.trace("dev-app", "prod-db", 5432)
    assert result.disposition is Disposition.NO_ROUTE
    assert result.forward[-1].kind == "transit_gateway"
    (blocker,) = result.blocked_by
    assert blocker.code is Code.NO_ROUTE_TO_DESTINATION and blocker.component == "hub/dev"
    assert "route table dev (associated with attachment dev) has no route to 10.1.1.10" in blocker.detail


def test_a_blackhole_route_drops_and_beats_nothing_longer(net: vpcsim.Network) -> None:
    result = net.trace("prod-db", "dev-app", 22)
    assert result.disposition is Disposition.NULL_ROUTED
    (blocker,) = result.blocked_by
    assert blocker.code is Code.BAD_STATE_ROUTE and "10.2.0.0/16 -> blackhole" in blocker.detail


def test_a_zone_without_an_attachment_subnet_cannot_reach_the_gateway(net: vpcsim.Network) -> None:
    result = net.trace("prod-b", "dns", 443)
    assert result.disposition is Disposition.NULL_ROUTED
    assert [h.kind for h in result.forward] == ["eni", "subnet", "transit_gateway_attachment"]
    assert "no subnet in eu-west-1b" in result.blocked_by[0].detail


def test_the_attachment_subnets_nacl_applies_on_the_way_out(net: vpcsim.Network) -> None:
    """Out of the gateway into shared-tgw-a, towards shared-a: its outbound rules, then shared-a's inbound."""
    result = net.trace("dev-app", "dns", 53)
    assert result.disposition is Disposition.ACCEPTED  # outbound of shared-tgw-a allows all
    out = [h for h in result.forward if h.kind == "transit_gateway_attachment"][-1]
    assert [s.kind for s in out.steps if s.data is not None] == [StepKind.NACL_OUT]
    # The reply enters the gateway by shared-tgw-a: its inbound rules see the reply (source 10.3.1.10).
    back_in = [h for h in result.return_path if h.kind == "transit_gateway_attachment"][0]
    assert [s.kind for s in back_in.steps if s.data is not None] == [StepKind.NACL_IN]


def test_the_attachment_subnets_nacl_applies_on_the_way_in(tmp_path: Path) -> None:
    text = DESIGN.replace("cidr: 10.2.0.0/16, action: deny", "cidr: 10.3.1.0/24, action: deny")
    text = text.replace("inbound: [{rule: 100, protocol: tcp, ports: 53,", "inbound: [{rule: 100, protocol: tcp,")
    net = vpcsim.load(_write(tmp_path, text))
    result = net.trace("dns", "dev-app", 22)
    assert result.disposition is Disposition.DENIED_IN
    (blocker,) = result.blocked_by
    assert blocker.code is Code.SUBNET_ACL_RESTRICTION and blocker.component == "shared-tgw"


def test_static_beats_propagated_on_an_equal_prefix(tmp_path: Path) -> None:
    text = DESIGN.replace("shared: {}\n", "shared: {routes: [{destination: 10.1.0.0/16, attachment: dev}]}\n", 1)
    net = vpcsim.load(_write(tmp_path, text))
    result = net.trace("dns", "prod-db", 22)
    lookup = _route_steps(result)[0]  # then into dev, whose table sends it back to the gateway
    assert lookup.route is not None and lookup.route.chosen == "10.1.0.0/16 -> attachment dev (vpc dev)"
    assert lookup.route.beaten == ("10.1.0.0/16 -> attachment prod (vpc prod) [propagated]",)
    assert "static beats propagated" in lookup.detail


def test_appliance_mode_keeps_both_directions_in_one_zone(tmp_path: Path) -> None:
    text = DESIGN.replace("subnets: [shared-tgw-a, shared-tgw-b], propagations",
                          "subnets: [shared-tgw-a, shared-tgw-b], appliance_mode: true, propagations")
    net = vpcsim.load(_write(tmp_path, text))
    result = net.trace("prod-db", "dns", 443)
    out = [h for h in result.forward if h.kind == "transit_gateway_attachment"][-1]
    back = [h for h in result.return_path if h.kind == "transit_gateway_attachment"][0]
    assert "appliance mode" in out.steps[0].detail
    zone = out.steps[0].detail.split("subnet ")[1].split(" ")[0]
    assert zone in back.steps[-1].detail  # the reply enters by the interface the request left by


PEERED = """\
region: us
vpcs:
  east: {cidrs: [10.10.0.0/16], region: us-east-1}
  west: {cidrs: [192.168.0.0/16], region: us-west-1}
transit_gateways:
  tgw-east:
    route_tables:
      main: {routes: [{destination: 192.168.0.0/16, attachment: to-west}]}
    attachments:
      east: {vpc: east, subnets: [east-a], association: main, propagations: [main]}
      to-west: {peering: tgw-west, association: main}
  tgw-west:
    route_tables:
      main: {routes: [{destination: 10.10.0.0/16, attachment: to-east}, {destination: 172.16.0.0/12, attachment: to-east}]}
    attachments:
      west: {vpc: west, subnets: [west-a], association: main, propagations: [main]}
      to-east: {peering: tgw-east, association: main}
route_tables:
  east: {vpc: east, routes: [{destination: 0.0.0.0/0, transit_gateway: tgw-east}]}
  west: {vpc: west, routes: [{destination: 0.0.0.0/0, transit_gateway: tgw-west}]}
subnets:
  east-a: {vpc: east, cidr: 10.10.1.0/24, az: us-east-1a, route_table: east}
  west-a: {vpc: west, cidr: 192.168.1.0/24, az: us-west-1a, route_table: west}
security_groups:
  e: {vpc: east, ingress: [{protocol: all, cidr: 0.0.0.0/0}]}
  w: {vpc: west, ingress: [{protocol: all, cidr: 0.0.0.0/0}]}
instances:
  e1: {subnet: east-a, private_ip: 10.10.1.10, security_groups: [e]}
  w1: {subnet: west-a, private_ip: 192.168.1.10, security_groups: [w]}
"""


def test_peering_attachments_carry_static_routes_to_the_peer(tmp_path: Path) -> None:
    one_way = vpcsim.load(_write(tmp_path, PEERED.replace(", association: main, propagations: [main]}",
                                                          ", association: main}", 1)))
    # east does not propagate into tgw-east's table: the reply dies there (a one-way path).
    assert one_way.trace("e1", "w1", 22).disposition is Disposition.RETURN_BLOCKED
    net = vpcsim.load(_write(tmp_path, PEERED))
    result = net.trace("e1", "w1", 22)
    assert result.disposition is Disposition.ACCEPTED
    assert [h.name for h in result.forward if h.kind == "transit_gateway"] == ["tgw-east", "tgw-west"]
    assert [h.name for h in result.return_path if h.kind == "transit_gateway"] == ["tgw-west", "tgw-east"]


def test_a_static_route_loop_between_peers_is_a_loop(tmp_path: Path) -> None:
    text = PEERED.replace("main: {routes: [{destination: 192.168.0.0/16, attachment: to-west}]}",
                          "main: {routes: [{destination: 192.168.0.0/16, attachment: to-west}, "
                          "{destination: 172.16.0.0/12, attachment: to-west}]}")
    net = vpcsim.load(_write(tmp_path, text))
    result = net.trace("e1", "172.16.0.1", 22)
    assert result.disposition is Disposition.LOOP
    assert result.blocked_by[0].code is Code.FORWARDING_LOOP


@pytest.mark.parametrize(("old", "new", "message"), [
    ("association: prod, propagations", "association: nope, propagations",
     "transit gateway hub: attachment prod: association: transit gateway hub has no route table named 'nope'"),
    ("subnets: [prod-tgw-a]", "subnets: [prod-tgw-a, prod-a]",
     "transit gateway hub: attachment prod: subnets prod-tgw-a and prod-a are both in eu-west-1a"),
    ("subnets: [dev-tgw-a]", "subnets: [prod-tgw-a]",
     "transit gateway hub: attachment dev: subnet prod-tgw-a is in vpc prod, not dev"),
    ("{destination: 10.2.0.0/16, blackhole: true}", "{destination: 10.2.0.0/16, attachment: gone}",
     "attachment: no attachment named 'gone'"),
    ("propagations: [prod, dev]", "propagations: [prod, nope]",
     "attachment shared: propagations: transit gateway hub has no route table named 'nope'"),
    ("prod: {vpc: prod, subnets", "prod: {vpc: prod, peering: x, subnets",
     "attachment prod: expected exactly one of vpc, direct_connect_gateway, vpn, peering"),
    ("dev: {vpc: dev, routes: [{destination: 10.0.0.0/8, transit_gateway: hub}]}",
     "dev: {vpc: dev, routes: [{destination: 10.0.0.0/8, transit_gateway: nope}]}",
     "transit_gateway: no transit gateway named 'nope'"),
])
def test_located_errors(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in DESIGN
    with pytest.raises(DesignError) as info:
        vpcsim.load(_write(tmp_path, DESIGN.replace(old, new, 1)))
    text = str(info.value)
    assert message in text, text
    assert f"{tmp_path / 'design.yaml'}:" in text  # file:line:col


def test_a_route_to_a_gateway_not_attached_to_the_vpc_is_an_error(tmp_path: Path) -> None:
    text = DESIGN.replace("      dev: {vpc: dev, subnets: [dev-tgw-a], association: dev, propagations: [shared]}\n", "")
    with pytest.raises(DesignError, match="transit gateway hub is attached to vpc prod, shared, not vpc dev"):
        vpcsim.load(_write(tmp_path, text))


def test_graph_has_the_gateway_and_its_attachments(net: vpcsim.Network) -> None:
    g = net.graph
    assert ("transit_gateway", "hub") in g
    assert g.has_edge(("transit_gateway", "hub"), ("vpc_router", "prod"))
    assert g.has_edge(("subnet", "dev-a"), ("transit_gateway", "hub"))


def test_schema_knows_the_section() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(resources.files("vpcsim").joinpath("schemas/design.schema.json").read_text())
    jsonschema.Draft7Validator(schema).validate(yaml.safe_load(DESIGN))
    bad = yaml.safe_load(DESIGN)
    bad["transit_gateways"]["hub"]["attachments"]["prod"]["colour"] = "blue"
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))


# -- the AWS import --------------------------------------------------------------------------------


def _snapshot(tmp_path: Path, **extra: object) -> Path:
    """Two accounts' views of one shared transit gateway, in Batfish's accounts/<id>/<region>/ layout."""
    owner, other = "111111111111", "222222222222"
    files: dict[str, object] = {
        f"{owner}/Vpcs.json": {"Vpcs": [{"VpcId": "vpc-a", "CidrBlock": "10.1.0.0/16", "OwnerId": owner}]},
        f"{owner}/Subnets.json": {"Subnets": [
            {"SubnetId": "subnet-a", "VpcId": "vpc-a", "CidrBlock": "10.1.1.0/24", "AvailabilityZone": "us-east-1a"}]},
        f"{owner}/RouteTables.json": {"RouteTables": [{"RouteTableId": "rtb-a", "VpcId": "vpc-a",
            "Associations": [{"Main": True}], "Routes": [
                {"DestinationCidrBlock": "10.2.0.0/16", "TransitGatewayId": "tgw-1", "State": "active"}]}]},
        f"{owner}/TransitGateways.json": {"TransitGateways": [{"TransitGatewayId": "tgw-1", "OwnerId": owner,
            "State": "available", "Tags": [{"Key": "Name", "Value": "hub"}],
            "Options": {"DefaultRouteTableAssociation": "enable", "AssociationDefaultRouteTableId": "tgw-rtb-1",
                        "DefaultRouteTablePropagation": "enable", "PropagationDefaultRouteTableId": "tgw-rtb-1"}}]},
        f"{owner}/TransitGatewayRouteTables.json": {"TransitGatewayRouteTables": [
            {"TransitGatewayRouteTableId": "tgw-rtb-1", "TransitGatewayId": "tgw-1", "State": "available"}]},
        f"{owner}/TransitGatewayAttachments.json": {"TransitGatewayAttachments": [
            {"TransitGatewayAttachmentId": "tgw-attach-a", "TransitGatewayId": "tgw-1", "ResourceType": "vpc",
             "ResourceId": "vpc-a", "State": "available",
             "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "associated"}},
            {"TransitGatewayAttachmentId": "tgw-attach-b", "TransitGatewayId": "tgw-1", "ResourceType": "vpc",
             "ResourceId": "vpc-b", "State": "available",
             "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "associated"}},
            {"TransitGatewayAttachmentId": "tgw-attach-old", "TransitGatewayId": "tgw-1", "ResourceType": "vpn",
             "ResourceId": "vpn-1", "State": "deleted"}]},
        f"{owner}/TransitGatewayVpcAttachments.json": {"TransitGatewayVpcAttachments": [
            {"TransitGatewayAttachmentId": "tgw-attach-a", "TransitGatewayId": "tgw-1", "VpcId": "vpc-a",
             "SubnetIds": ["subnet-a"], "State": "available"}]},
        # Routes from search-transit-gateway-routes, wrapped with their table (Batfish's layout): the
        # propagated ones say which attachments propagate, when no propagations output is loaded.
        f"{owner}/TransitGatewayStaticRoutes.json": {"TransitGatewayStaticRoutes": [
            {"TransitGatewayRouteTableId": "tgw-rtb-1", "Routes": [
                {"DestinationCidrBlock": "10.1.0.0/16", "Type": "propagated", "State": "active",
                 "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-a"}]},
                {"DestinationCidrBlock": "10.2.0.0/16", "Type": "propagated", "State": "active",
                 "TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-b"}]},
                {"DestinationCidrBlock": "10.66.0.0/16", "Type": "static", "State": "blackhole"}]}]},
        # The other account: its VPC on the shared gateway, and its own view of gateway and attachment.
        f"{other}/Vpcs.json": {"Vpcs": [{"VpcId": "vpc-b", "CidrBlock": "10.2.0.0/16", "OwnerId": other}]},
        f"{other}/Subnets.json": {"Subnets": [
            {"SubnetId": "subnet-b", "VpcId": "vpc-b", "CidrBlock": "10.2.1.0/24", "AvailabilityZone": "us-east-1a"}]},
        f"{other}/RouteTables.json": {"RouteTables": [{"RouteTableId": "rtb-b", "VpcId": "vpc-b",
            "Associations": [{"Main": True}], "Routes": [
                {"DestinationCidrBlock": "10.0.0.0/8", "TransitGatewayId": "tgw-1", "State": "active"}]}]},
        f"{other}/TransitGateways.json": {"TransitGateways": [{"TransitGatewayId": "tgw-1", "OwnerId": owner,
                                                               "State": "available"}]},
        f"{other}/TransitGatewayAttachments.json": {"TransitGatewayAttachments": [
            {"TransitGatewayAttachmentId": "tgw-attach-b", "TransitGatewayId": "tgw-1", "ResourceType": "vpc",
             "ResourceId": "vpc-b", "State": "available",
             "Association": {"TransitGatewayRouteTableId": "tgw-rtb-1", "State": "associated"}}]},
        f"{other}/TransitGatewayVpcAttachments.json": {"TransitGatewayVpcAttachments": [
            {"TransitGatewayAttachmentId": "tgw-attach-b", "TransitGatewayId": "tgw-1", "VpcId": "vpc-b",
             "SubnetIds": ["subnet-b"], "State": "available", "Options": {"ApplianceModeSupport": "enable"}}]},
        **{k: v for k, v in extra.items()},
    }
    root = tmp_path / "snap" / "aws_configs" / "accounts"
    for rel, data in files.items():
        account, name = rel.split("/")
        target = root / account / "us-east-1" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data, indent=1))
    return tmp_path / "snap"


def test_import_maps_a_shared_gateway_across_accounts(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    folder = _snapshot(tmp_path)
    design, warnings = snapshot_to_design(folder)
    hub = design["transit_gateways"]["hub"]
    assert hub["default_association_table"] == hub["default_propagation_table"] == "tgw-rtb-1"
    assert hub["route_tables"]["tgw-rtb-1"]["routes"] == [{"destination": "10.66.0.0/16", "blackhole": True}]
    assert hub["attachments"]["tgw-attach-a"] == {"aws_id": "tgw-attach-a", "vpc": "vpc-a", "subnets": ["subnet-a"],
                                                  "association": "tgw-rtb-1", "propagations": ["tgw-rtb-1"]}
    assert hub["attachments"]["tgw-attach-b"]["appliance_mode"] is True
    assert "tgw-attach-old" not in hub["attachments"]  # deleted: AWS no longer uses it
    assert design["route_tables"]["rtb-a"]["routes"] == [{"destination": "10.2.0.0/16", "transit_gateway": "hub"}]
    assert not [w for w in warnings if w.code == "aws-duplicate"]  # two views of one gateway agree
    net = vpcsim.load(folder)
    from vpcsim.trace import trace_packet  # no instances: packets from the subnets

    result = trace_packet(net, "subnet", "subnet-a", "10.1.1.10", "10.2.1.10", "tcp", 22, reply=False)
    assert [h.aws_id for h in result.forward if h.kind != "transit_gateway_attachment"] == [
        "subnet-a", "vpc-a", "tgw-1", "vpc-b", "subnet-b"]
    blackholed = trace_packet(net, "subnet", "subnet-b", "10.2.1.10", "10.66.0.1", "tcp", 22, reply=False)
    assert blackholed.disposition is Disposition.NULL_ROUTED


def test_import_without_attachments_keeps_the_gateway_unsupported(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    folder = _snapshot(tmp_path)
    for path in folder.rglob("TransitGateway*Attachments.json"):
        path.unlink()
    design, warnings = snapshot_to_design(folder)
    assert "transit_gateways" not in design
    assert design["unsupported"]["hub"] == {"kind": "transit_gateway", "aws_id": "tgw-1"}
    assert any("no describe-transit-gateway-attachments output" in w.message for w in warnings)


# -- lint: VPC023-VPC025 -------------------------------------------------------------------------


def test_lint_finds_an_attachment_nacl_a_one_way_propagation_and_overlaps(tmp_path: Path) -> None:
    from vpcsim.lint import lint

    clean = vpcsim.load(_write(tmp_path, DESIGN.replace("protocol: tcp, ports: 53, cidr: 10.2.0.0/16, action: deny",
                                                        "protocol: tcp, ports: 53, cidr: 10.9.0.0/16, action: deny")))
    assert not lint(clean, select=["VPC023", "VPC024", "VPC025"]).findings
    # VPC023: shared-tgw now filters shared's own CIDR (tcp 53 from 10.3.0.0/16 denied).
    text = DESIGN.replace("cidr: 10.2.0.0/16, action: deny}", "cidr: 10.3.0.0/16, action: deny}")
    # dev stops propagating into shared: dev's table learns shared, shared's does not learn dev.
    text = text.replace("association: dev, propagations: [shared]", "association: dev, propagations: []")
    # prod also propagates into dev's table, where shared's 10.3/16 is: add an overlapping VPC.
    text = text.replace("  prod: {cidrs: [10.1.0.0/16]}\n", "  prod: {cidrs: [10.1.0.0/16, 10.3.128.0/17]}\n")
    text = text.replace("association: prod, propagations: [shared]}", "association: prod, propagations: [shared, dev]}")
    report = lint(vpcsim.load(_write(tmp_path, text)), select=["VPC023", "VPC024", "VPC025"])
    got = {(f.rule.id, f.subject) for f in report.findings}
    assert ("VPC023", "hub:shared:shared-tgw-a:10.3.0.0/16") in got
    assert ("VPC024", "hub:dev->shared") in got
    assert any(rule == "VPC025" and "hub:dev:" in subject for rule, subject in got)
    one_way = next(f for f in report.findings if f.subject == "hub:dev->shared")
    assert "replies from shared find no route back" in one_way.message and one_way.location is not None


# -- security group referencing across a transit gateway (2024) -----------------------------------

REFERENCING = DESIGN.replace(
    "  open-shared: {vpc: shared, ingress: [{protocol: all, cidr: 10.0.0.0/8}]}",
    "  open-shared: {vpc: shared, ingress: [{protocol: tcp, ports: 443, security_group: open-prod}]}")


def test_a_group_reference_across_the_gateway_needs_security_group_referencing(tmp_path: Path) -> None:
    net = vpcsim.load(_write(tmp_path, REFERENCING))
    # Off on the gateway (AWS's default): the reference matches nothing, and validation says so.
    assert any(w.code == "sg-reference-tgw" and "matches nothing" in w.message for w in net.warnings)
    result = net.trace("prod-db", "dns", 443)
    assert result.disposition is Disposition.DENIED_IN
    assert result.blocked_by[0].code is Code.ENI_SG_RULES_MISMATCH
    on = vpcsim.load(_write(tmp_path, REFERENCING.replace("    aws_id: tgw-0123\n",
                                                          "    aws_id: tgw-0123\n    security_group_referencing: true\n")))
    assert not [w for w in on.warnings if w.code == "sg-reference-tgw"]
    assert on.trace("prod-db", "dns", 443).disposition is Disposition.ACCEPTED
    # The attachment's own side can still turn it off.
    off = REFERENCING.replace("    aws_id: tgw-0123\n", "    aws_id: tgw-0123\n    security_group_referencing: true\n")
    off = off.replace("shared: {vpc: shared, subnets: [shared-tgw-a, shared-tgw-b],",
                      "shared: {vpc: shared, security_group_referencing: false, subnets: [shared-tgw-a, shared-tgw-b],")
    assert vpcsim.load(_write(tmp_path, off)).trace("prod-db", "dns", 443).disposition is Disposition.DENIED_IN


def test_an_inspection_vpc_without_appliance_mode_is_flagged(tmp_path: Path) -> None:
    """The shared VPC's attachment subnets route to a firewall: without appliance mode, a warning."""
    text = DESIGN.replace("  shared: {vpc: shared, routes: [{destination: 10.0.0.0/8, transit_gateway: hub}]}\n",
                          "  shared: {vpc: shared, routes: [{destination: 10.0.0.0/8, transit_gateway: hub}]}\n"
                          "  shared-tgw: {vpc: shared, routes: [{destination: 10.3.1.0/24, instance: fw}]}\n")
    text = text.replace("az: eu-west-1a, route_table: shared, network_acl: shared-tgw}",
                        "az: eu-west-1a, route_table: shared-tgw, network_acl: shared-tgw}")
    text += "  fw: {subnet: shared-a, private_ip: 10.3.1.5, source_dest_check: false, security_groups: [open-shared]}\n"
    result = vpcsim.load(_write(tmp_path, text)).trace("prod-db", "dns", 443)
    assert any(w.code is Code.RETURN_PATH_ASYMMETRIC and "appliance mode is off" in w.detail for w in result.warnings)
    on = text.replace("subnets: [shared-tgw-a, shared-tgw-b], propagations",
                      "subnets: [shared-tgw-a, shared-tgw-b], appliance_mode: true, propagations")
    assert not [w for w in vpcsim.load(_write(tmp_path, on)).trace("prod-db", "dns", 443).warnings
                if "appliance mode" in w.detail]
