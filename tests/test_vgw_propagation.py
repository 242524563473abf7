"""VGW route propagation into VPC route tables (`propagating_vgws`, components/onprem.py).

AWS: a route table with route propagation enabled for a virtual private gateway gets the VPN
connections' static routes and BGP-learned prefixes as propagated routes
(https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html, "Route propagation"), and only
from the gateway attached to its own VPC
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableVgwRoutePropagation.html).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
import yaml

import vpcsim
from vpcsim.errors import DesignError
from vpcsim.results import Disposition

DESIGN = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.1.0.0/16]}
  dev: {cidrs: [10.2.0.0/16]}
onprem_networks:
  corp: {cidrs: [192.168.0.0/16]}
  lab: {cidrs: [172.20.0.0/16]}
  dc: {cidrs: [10.50.0.0/16]}
vpn_gateways:
  prod-vgw: {vpc: prod}
  dev-vgw: {vpc: dev}
vpn_connections:
  office: {vpn_gateway: prod-vgw, onprem: corp, routing: static, routes: [192.168.0.0/16]}
  lab-bgp: {vpn_gateway: prod-vgw, onprem: lab, routing: bgp, routes: [172.20.0.0/16]}
direct_connect_gateways:
  dx: {onprem: dc, routes: [10.50.0.0/16], vpn_gateways: [prod-vgw]}
route_tables:
  prod:
    vpc: prod
    propagating_vgws: [prod-vgw]
  dev: {vpc: dev}
subnets:
  prod-a: {vpc: prod, cidr: 10.1.1.0/24, az: eu-west-1a, route_table: prod}
  dev-a: {vpc: dev, cidr: 10.2.1.0/24, az: eu-west-1a, route_table: dev}
security_groups:
  db: {vpc: prod, ingress: [{protocol: tcp, ports: 5432, cidr: 0.0.0.0/0}]}
instances:
  db: {subnet: prod-a, private_ip: 10.1.1.10, security_groups: [db]}
"""
PROPAGATING = "    propagating_vgws: [prod-vgw]\n"


def _load(tmp_path: Path, text: str) -> vpcsim.Network:
    path = tmp_path / "design.yaml"
    path.write_text(text)
    return vpcsim.load(path)


def _propagated(net: vpcsim.Network, table: str) -> set[tuple[str, str | None]]:
    return {(str(r.destination), r.target) for r in net.design.route_tables[table].routes if r.propagated}


def test_the_gateway_routes_become_propagated_routes(tmp_path: Path) -> None:
    net = _load(tmp_path, DESIGN)
    # VPN static, VPN BGP and Direct Connect prefixes, each a propagated route to the gateway.
    assert _propagated(net, "prod") == {("192.168.0.0/16", "prod-vgw"), ("172.20.0.0/16", "prod-vgw"),
                                        ("10.50.0.0/16", "prod-vgw")}
    assert {r.target_section for r in net.design.route_tables["prod"].routes} == {"vpn_gateway"}
    assert _propagated(net, "dev") == set()  # no propagation enabled: nothing derived
    for network in ("corp", "lab", "dc"):
        result = net.trace(f"onprem:{network}", "db", 5432)
        assert result.disposition is Disposition.ACCEPTED, (network, result.disposition)
    reply = vpcsim.load(tmp_path / "design.yaml").trace("onprem:corp", "db", 5432).return_path
    route = next(s for h in reply for s in h.steps if s.detail.startswith("route table prod:"))
    assert "192.168.0.0/16 -> vpn_gateway prod-vgw [propagated]" in route.detail
    assert route.location is not None and route.location.line == 20  # the propagating_vgws entry the route comes from


def test_without_propagation_the_reply_has_no_route(tmp_path: Path) -> None:
    net = _load(tmp_path, DESIGN.replace(PROPAGATING, ""))
    assert _propagated(net, "prod") == set()
    result = net.trace("onprem:corp", "db", 5432)
    assert result.disposition is not Disposition.ACCEPTED
    assert not result.reachable


def test_a_static_route_beats_the_propagated_one_and_an_equal_written_one_is_not_doubled(tmp_path: Path) -> None:
    text = DESIGN.replace(PROPAGATING, PROPAGATING + "    routes:\n"
                          "      - {destination: 192.168.0.0/16, blackhole: true}\n"
                          "      - {destination: 172.20.0.0/16, vpn_gateway: prod-vgw, origin: propagated}\n")
    net = _load(tmp_path, text)
    routes = net.design.route_tables["prod"].routes
    assert sum(1 for r in routes if str(r.destination) == "172.20.0.0/16") == 1
    # On an equal prefix a static route beats a propagated one (route-tables-priority.html).
    blocked = net.trace("onprem:corp", "db", 5432)  # the reply meets the blackhole
    assert blocked.disposition is Disposition.RETURN_BLOCKED
    assert any("192.168.0.0/16 -> blackhole" in s.detail for h in blocked.return_path for s in h.steps)
    assert net.trace("onprem:lab", "db", 5432).disposition is Disposition.ACCEPTED


@pytest.mark.parametrize(("new", "message"), [
    ("    propagating_vgws: [nope]\n",
     ":20:24: error: route table prod: propagating_vgws: no virtual private gateway named 'nope' (known: dev-vgw, prod-vgw)"),
    ("    propagating_vgws: [dev-vgw]\n",
     ":20:24: error: route table prod: propagating_vgws: vpn gateway dev-vgw is attached to vpc dev, not vpc prod"),
    ("    propagating_vgws: prod-vgw\n", ":20:23: error: route table prod: propagating_vgws: expected a list"),
])
def test_located_errors(tmp_path: Path, new: str, message: str) -> None:
    with pytest.raises(DesignError) as info:
        _load(tmp_path, DESIGN.replace(PROPAGATING, new))
    assert f"{tmp_path / 'design.yaml'}{message}" in str(info.value), str(info.value)


def test_cli_exit_code_for_a_bad_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vpcsim.cli import main

    path = tmp_path / "design.yaml"
    path.write_text(DESIGN.replace(PROPAGATING, "    propagating_vgws: [dev-vgw]\n"))
    assert main(["validate", str(path)]) == 3
    captured = capsys.readouterr()
    assert "vpn gateway dev-vgw is attached to vpc dev, not vpc prod" in captured.out + captured.err


def test_schema_accepts_the_key() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(resources.files("vpcsim").joinpath("schemas/design.schema.json").read_text())
    jsonschema.Draft7Validator(schema).validate(yaml.safe_load(DESIGN))
    bad = yaml.safe_load(DESIGN)
    bad["route_tables"]["prod"]["propagating_vgws"] = "prod-vgw"
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))


def test_import_keeps_propagating_vgws_without_doubling_the_routes_aws_lists(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    folder = tmp_path / "snap"
    folder.mkdir()
    files = {
        "Vpcs.json": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]},
        "Subnets.json": {"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24",
                                      "AvailabilityZone": "us-east-1a"}]},
        "RouteTables.json": {"RouteTables": [{
            "RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [{"Main": True}],
            "PropagatingVgws": [{"GatewayId": "vgw-1"}, {"GatewayId": "vgw-elsewhere"}],
            "Routes": [{"DestinationCidrBlock": "192.168.0.0/16", "GatewayId": "vgw-1", "State": "active",
                        "Origin": "EnableVgwRoutePropagation"}]}]},
        "VpnGateways.json": {"VpnGateways": [{"VpnGatewayId": "vgw-1", "State": "available",
                                              "VpcAttachments": [{"VpcId": "vpc-1", "State": "attached"}]}]},
        "CustomerGateways.json": {"CustomerGateways": [{"CustomerGatewayId": "cgw-1", "State": "available",
                                                        "IpAddress": "203.0.113.9"}]},
        "VpnConnections.json": {"VpnConnections": [{
            "VpnConnectionId": "vpn-1", "State": "available", "VpnGatewayId": "vgw-1", "CustomerGatewayId": "cgw-1",
            "Options": {"StaticRoutesOnly": True},
            "Routes": [{"DestinationCidrBlock": "192.168.0.0/16", "State": "available"}]}]},
    }
    for name, data in files.items():
        (folder / name).write_text(json.dumps(data))
    design, _ = snapshot_to_design(folder)
    assert design["route_tables"]["rtb-1"]["propagating_vgws"] == ["vgw-1"]  # a gateway not in the snapshot: left out
    net = vpcsim.load(folder)
    assert _propagated(net, "rtb-1") == {("192.168.0.0/16", "vgw-1")}
    assert len(net.design.route_tables["rtb-1"].routes) == 1  # AWS's listed route and the derived one are one
