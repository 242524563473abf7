"""On-prem networks, VPN gateways, site-to-site VPN and Direct Connect (vpcsim/components/onprem.py).

AWS behaviour: https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html (static and BGP
routes, route priority: Direct Connect, then VPN static, then VPN BGP on an equal prefix), and
https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html (VPN and Direct Connect
attachments propagate their routes).
"""

from __future__ import annotations

import json
import textwrap
from importlib import resources
from pathlib import Path

import pytest
import yaml

import vpcsim
from vpcsim.errors import DesignError, EndpointError
from vpcsim.results import Code, Disposition, StepKind
from vpcsim.trace import trace_packet

DESIGN = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.1.0.0/16]}
  dev: {cidrs: [10.2.0.0/16]}
onprem_networks:
  corp: {cidrs: [192.168.0.0/16], description: head office}
  lab: {cidrs: [172.20.0.0/16]}
vpn_gateways:
  prod-vgw: {vpc: prod, aws_id: vgw-0p}
vpn_connections:
  office: {vpn_gateway: prod-vgw, onprem: corp, routing: static, routes: [192.168.0.0/16]}
  lab-bgp: {vpn_gateway: prod-vgw, onprem: lab, routing: bgp, routes: [172.20.0.0/16, 192.168.0.0/16]}
  lab-tgw: {transit_gateway: hub, onprem: lab, routing: bgp, routes: [172.20.0.0/16]}
direct_connect_gateways:
  dx: {onprem: corp, routes: [192.168.10.0/24], vpn_gateways: [prod-vgw], allowed_prefixes: [10.1.0.0/16]}
transit_gateways:
  hub:
    default_association_table: main
    default_propagation_table: main
    route_tables: {main: {}}
    attachments:
      dev: {vpc: dev, subnets: [dev-a]}
      lab: {vpn: lab-tgw}
route_tables:
  prod:
    vpc: prod
    routes:
      - {destination: 192.168.0.0/16, vpn_gateway: prod-vgw, origin: propagated}
      - {destination: 172.20.0.0/16, vpn_gateway: prod-vgw}
  dev: {vpc: dev, routes: [{destination: 172.16.0.0/12, transit_gateway: hub}]}
subnets:
  prod-a: {vpc: prod, cidr: 10.1.1.0/24, az: eu-west-1a, route_table: prod}
  dev-a: {vpc: dev, cidr: 10.2.1.0/24, az: eu-west-1a, route_table: dev}
security_groups:
  db: {vpc: prod, ingress: [{protocol: tcp, ports: 5432, cidr: 192.168.0.0/16}]}
  dev: {vpc: dev, ingress: [{protocol: tcp, ports: 22, cidr: 172.20.0.0/16}]}
instances:
  db: {subnet: prod-a, private_ip: 10.1.1.10, security_groups: [db]}
  dev-box: {subnet: dev-a, private_ip: 10.2.1.10, security_groups: [dev]}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "design.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture()
def net(tmp_path: Path) -> vpcsim.Network:
    return vpcsim.load(_write(tmp_path, DESIGN))


def test_onprem_reaches_the_database_over_the_vpn_and_back(net: vpcsim.Network) -> None:
    result = net.trace("onprem:corp", "db", 5432)
    assert result.disposition is Disposition.ACCEPTED
    assert [h.kind for h in result.forward] == ["onprem", "vpn_gateway", "vpc_router", "subnet", "eni"]
    assert "it assumes it routes 10.1.1.10 into this connection" in result.forward[0].steps[0].detail
    assert [h.kind for h in result.return_path][-2:] == ["vpn_gateway", "onprem"]
    assert result.return_path[-1].steps[-1].action.value == "EXIT"


def test_the_vgw_prefers_direct_connect_then_static_then_bgp(net: vpcsim.Network) -> None:
    to_dx = net.trace("db", "192.168.10.5", 443)
    (lookup,) = [s for h in to_dx.forward if h.kind == "vpn_gateway" for s in h.steps if s.kind is StepKind.ROUTE]
    assert lookup.route is not None and lookup.route.chosen == "192.168.10.0/24 -> direct connect gateway dx"
    to_corp = net.trace("db", "192.168.20.5", 443)
    (lookup,) = [s for h in to_corp.forward if h.kind == "vpn_gateway" for s in h.steps if s.kind is StepKind.ROUTE]
    assert lookup.route is not None and lookup.route.chosen == "192.168.0.0/16 -> vpn connection office [static]"
    assert lookup.route.beaten == ("192.168.0.0/16 -> vpn connection lab-bgp [bgp]",)
    assert "Direct Connect beats VPN static beats VPN BGP" in lookup.detail
    assert to_corp.disposition is Disposition.EXITS_NETWORK


def test_a_vgw_carries_only_its_vpcs_cidrs_inward(net: vpcsim.Network) -> None:
    result = trace_packet(net, "endpoint", "vpn:office", "192.168.0.9", "10.2.1.10", "tcp", 22, reply=False)
    assert result.disposition is Disposition.NO_ROUTE
    assert result.forward[-1].kind == "vpn_gateway" and "carries only its VPC's CIDRs" in result.blocked_by[0].detail


def test_no_route_at_the_vgw(net: vpcsim.Network) -> None:
    result = net.trace("db", "8.8.8.8", 443)
    assert result.disposition is Disposition.NO_ROUTE  # no route in the subnet's table at all
    result = trace_packet(net, "subnet", "prod-a", "10.1.1.10", "172.21.0.1", "tcp", 443, reply=False)
    assert result.disposition is Disposition.NO_ROUTE


def test_a_vpn_attachment_propagates_into_the_transit_gateway(net: vpcsim.Network) -> None:
    result = net.trace("dev-box", "onprem:lab", 443)
    assert result.disposition is Disposition.EXITS_NETWORK
    tgw = next(h for h in result.forward if h.kind == "transit_gateway")
    (lookup,) = [s for s in tgw.steps if s.kind is StepKind.ROUTE]
    assert lookup.route is not None and lookup.route.chosen == "172.20.0.0/16 -> attachment lab (vpn connection lab-tgw) [propagated]"
    inbound = net.trace("onprem:lab", "dev-box", 22)  # the lab sends to dev over its TGW connection
    assert inbound.disposition is Disposition.ACCEPTED, inbound.blocked_by
    assert [h.kind for h in inbound.forward][:3] == ["onprem", "transit_gateway_attachment", "transit_gateway"]


def test_direct_connect_allowed_prefixes_limit_what_on_prem_can_reach(tmp_path: Path) -> None:
    text = DESIGN.replace("  office: {vpn_gateway: prod-vgw, onprem: corp, routing: static, routes: [192.168.0.0/16]}\n",
                          "").replace("allowed_prefixes: [10.1.0.0/16]", "allowed_prefixes: [10.1.2.0/24]")
    net = vpcsim.load(_write(tmp_path, text))
    result = net.trace("onprem:corp", "db", 5432)
    assert result.disposition is Disposition.NO_ROUTE
    assert result.blocked_by[0].code is Code.NO_ROUTE_TO_DESTINATION
    assert "advertises only 10.1.2.0/24" in result.blocked_by[0].detail


@pytest.mark.parametrize(("old", "new", "message"), [
    ("office: {vpn_gateway: prod-vgw, onprem: corp", "office: {vpn_gateway: nope, onprem: corp",
     "vpn connection office: vpn_gateway: no vpn gateway named 'nope'"),
    ("office: {vpn_gateway: prod-vgw, onprem: corp", "office: {vpn_gateway: prod-vgw, onprem: nowhere",
     "vpn connection office: onprem: no on-prem network named 'nowhere'"),
    ("lab: {vpn: lab-tgw}", "lab: {vpc: dev, subnets: [dev-a]}",
     "vpn connection lab-tgw: transit gateway hub has no attachment `vpn: lab-tgw`"),
    ("routing: static, routes", "routing: ospf, routes", "routing 'ospf' (expected static or bgp)"),
    ("{destination: 172.16.0.0/12, transit_gateway: hub}", "{destination: 172.16.0.0/12, vpn_gateway: prod-vgw}",
     "vpn gateway prod-vgw is attached to vpc prod, not vpc dev"),
])
def test_located_errors(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in DESIGN
    with pytest.raises(DesignError) as info:
        vpcsim.load(_write(tmp_path, DESIGN.replace(old, new, 1)))
    assert message in str(info.value), str(info.value)
    assert f"{tmp_path / 'design.yaml'}:" in str(info.value)


def test_unknown_onprem_endpoint_is_a_clear_error(net: vpcsim.Network) -> None:
    with pytest.raises(EndpointError, match="no on-prem network of that name"):
        net.trace("onprem:mars", "db", 22)


def test_graph_and_schema(net: vpcsim.Network) -> None:
    g = net.graph
    assert g.has_edge(("vpn_gateway", "prod-vgw"), ("onprem", "corp"))
    assert g.has_edge(("direct_connect_gateway", "dx"), ("vpn_gateway", "prod-vgw"))
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(resources.files("vpcsim").joinpath("schemas/design.schema.json").read_text())
    jsonschema.Draft7Validator(schema).validate(yaml.safe_load(DESIGN))


def test_exposure_lists_what_each_onprem_network_reaches(net: vpcsim.Network) -> None:
    from vpcsim.analyse import exposure, exposure_text

    report = exposure(net)
    by_name = {e.name: dict(e.onprem) for e in report.interfaces}
    assert by_name["db"]["onprem:corp"].describe() == "tcp 5432"  # beside the internet, which reaches nothing
    assert "onprem:lab" in by_name["dev-box"] and by_name["dev-box"]["onprem:lab"].describe() == "tcp 22"
    assert "onprem:corp" not in by_name["dev-box"]
    assert not [e for e in report.interfaces if e.exposed]  # the internet grading is unchanged
    assert "onprem:corp -> db prod/prod-a: tcp 5432" in exposure_text(report)
    assert next(e for e in report.interfaces if e.name == "db").to_json()["onprem"][0]["source"] == "onprem:corp"


CONFORMANCE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "batfish-aws"


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="Batfish conformance data not found beside the checkout")
def test_one_global_direct_connect_gateway_serves_two_regions() -> None:
    """AwsConfigurationDirectConnectMultiRegionTest: one DXGW, toward tgw-east and tgw-west, though
    both associations are listed in us-east-1 only."""
    data = yaml.safe_load((CONFORMANCE / "expectations.yaml").read_text())
    snapshot = "test-direct-connect-gateway-multi-region"
    net = vpcsim.load(CONFORMANCE / snapshot, files=data["snapshots"][snapshot]["files_loaded"])
    from vpcsim.components import onprem, transit_gateway

    (dx,) = onprem.dxgws(net.design).values()
    assert dx.aws_id == "7b2c4f8a-1234-4abc-9def-fedcba987654"
    attached = {tgw.aws_id for tgw in transit_gateway.gateways(net.design).values()
                for a in tgw.attachments.values() if a.kind == "direct_connect_gateway" and a.target == dx.name}
    assert attached == {"tgw-east", "tgw-west"}
    for tgw in transit_gateway.gateways(net.design).values():
        assert net.graph.has_edge(("direct_connect_gateway", dx.name), ("transit_gateway", tgw.name))


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="Batfish conformance data not found beside the checkout")
def test_private_virtual_interfaces_on_a_vgw_import_as_direct_connect_entries() -> None:
    from vpcsim.importers.aws import snapshot_to_design

    data = yaml.safe_load((CONFORMANCE / "expectations.yaml").read_text())
    snapshot = "test-direct-connect-private-vif"
    design, warnings = snapshot_to_design(CONFORMANCE / snapshot, data["snapshots"][snapshot]["files_loaded"])
    assert design["direct_connect_gateways"] == {
        "vgw-private-vif-high": {"aws_id": "dxvif-priv01", "vpn_gateways": ["private-vif-vgw"]},
        "vgw-private-vif-low": {"aws_id": "dxvif-priv02", "vpn_gateways": ["private-vif-vgw"]},
    }
    # What on-prem advertises over them is BGP, not in AWS's output: said, not guessed.
    assert sum(w.code == "aws-bgp" for w in warnings) == 2
    assert "dxvif-priv01" not in {u.get("aws_id") for u in design.get("unsupported", {}).values()}
