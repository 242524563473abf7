"""Gateway VPC endpoints (components/vpc_endpoint.py): the route target, the service as a
destination, the reply's way back, located errors, the graph, the schema and the AWS import.

AWS: https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html (routes from the
service's prefix list to the endpoint, in the associated tables; the service's own region only).
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
import yaml

import vpcsim
from vpcsim.cli import main
from vpcsim.errors import DesignError, EndpointError
from vpcsim.lint import lint

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "basic-s3.yaml"
BATFISH = ROOT.parent / "shared" / "conformance" / "batfish-aws" / "test-vpc-endpoint-gateway"


PRIVATE_B_ROUTE = "      - {destination: 0.0.0.0/0, nat_gateway: nat-a}  # S3 too, at NAT data-processing cost"


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SCENARIO.read_text()
    assert old in text
    path = tmp_path / "design.yaml"
    path.write_text(text.replace(old, new))
    return path


def test_the_trace_leaves_through_the_endpoint_and_the_reply_comes_back_by_it() -> None:
    result = vpcsim.load(SCENARIO).trace("app-a", "service:s3", 443)
    assert result.reachable
    assert [h.kind for h in result.forward] == ["eni", "subnet", "vpc_router", "vpc_endpoint"]
    assert [h.kind for h in result.return_path] == ["vpc_endpoint", "vpc_router", "subnet", "eni"]
    exit_step = result.forward[-1].steps[-1]
    assert "endpoint policy (IAM) is not evaluated" in exit_step.detail
    assert exit_step.location is not None and exit_step.location.line > 0


def test_a_blocked_reply_nacl_is_found_on_the_way_back(tmp_path: Path) -> None:
    """The reply from S3 enters private-a like any inbound packet: the NACL is stateless."""
    path = _variant(tmp_path, "route_table: private-a}", "route_table: private-a, network_acl: strict}")
    path.write_text(path.read_text() + "network_acls:\n  strict:\n    vpc: app\n    inbound: []\n"
                    "    outbound:\n      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}\n")
    result = vpcsim.load(path).trace("app-a", "service:s3", 443)
    assert not result.reachable
    assert [b.direction for b in result.blocked_by] == ["return"]
    assert result.return_path[0].kind == "vpc_endpoint"


def test_a_service_is_a_destination_only_and_needs_its_ranges() -> None:
    net = vpcsim.load(SCENARIO)
    by_full_name = net.trace("app-a", "com.amazonaws.eu-west-1.s3", 443)  # as the issue writes it
    assert by_full_name.reachable and by_full_name.forward[-1].kind == "vpc_endpoint"
    with pytest.raises(EndpointError, match="answers connections"):
        net.trace("service:s3", "app-a", 443)
    with pytest.raises(EndpointError, match="com.amazonaws.eu-west-1.dynamodb"):
        net.trace("app-a", "service:dynamodb", 443)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (PRIVATE_B_ROUTE, PRIVATE_B_ROUTE + "\n      - {destination: 52.218.0.0/17, vpc_endpoint: s3}",
         "expected the prefix list of com.amazonaws.eu-west-1.s3"),
        ("service: com.amazonaws.eu-west-1.s3", "service: com.amazonaws.eu-west-1.sqs", "has no gateway endpoint"),
        ("service: com.amazonaws.eu-west-1.s3", "service: com.amazonaws.us-east-1.s3",
         "not in the design's region eu-west-1"),
        ("    service: com.amazonaws.eu-west-1.s3", "    service: s3\n    type: gateway_load_balancer",
         "a Gateway Load Balancer endpoint needs subnet: NAME"),
        ("    service: com.amazonaws.eu-west-1.s3", "    service: s3\n    type: gateway_load_balancer",
         "route_tables is not for a Gateway Load Balancer endpoint"),
        ("    service: com.amazonaws.eu-west-1.s3", "    service: s3\n    type: firewall",
         "type 'firewall' is not a VPC endpoint type (expected gateway, interface or gateway_load_balancer)"),
        ("    service: com.amazonaws.eu-west-1.s3", "    service: s3\n    appliances: [app-a]",
         "appliances is for Gateway Load Balancer endpoints"),
        ("    service: com.amazonaws.eu-west-1.s3", "    service: s3\n    private_dns: false",
         "private_dns is for interface endpoints"),
        ("      - {subnet: private-b, private_ip: 10.30.11.100}", "      - {subnet: private-b, private_ip: 10.30.10.101}",
         "interface sqs.private-b: private IP 10.30.10.101 is outside its subnet private-b"),
        ("      - {subnet: private-b, private_ip: 10.30.11.100}", "      - {subnet: public-a, private_ip: 10.30.0.100}\n"
         "      - {subnet: private-b, private_ip: 10.30.11.100}", "are both in eu-west-1a"),
        ("    security_groups: [endpoint]", "    security_groups: [nope]", "no security group named 'nope'"),
        ("      - {subnet: private-a, private_ip: 10.30.10.100}", "      - {subnet: private-a, private_ip: 10.30.10.999}",
         "private_ip"),
        (PRIVATE_B_ROUTE, PRIVATE_B_ROUTE + "\n      - {destination_prefix_list: com.amazonaws.eu-west-1.s3, "
         "vpc_endpoint: s4}", "no vpc endpoint named 's4'"),
        ("route_tables: [private-a]", "route_tables: [nope]", "route_tables: no route table named 'nope'"),
        ("route_tables: [private-a]", "route_tables: private-a", "route_tables: expected a list of route table names"),
        ("    security_groups: [endpoint]", "    security_groups: [endpoint]\n    route_tables: [private-b]",
         "route_tables is for gateway endpoints"),
        ("    vpc: app\n    service:", "    vpc: nope\n    service:", "vpc: no vpc named 'nope'"),
    ],
)
def test_bad_endpoints_are_located_errors(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(DesignError) as caught:
        vpcsim.load(_variant(tmp_path, old, new))
    errors = [d for d in caught.value.diagnostics if d.severity.value == "error"]
    assert any(message in d.message for d in errors), [d.message for d in errors]
    assert all(d.location is not None and d.location.line > 0 for d in errors)


def test_a_route_to_another_vpcs_endpoint_is_refused(tmp_path: Path) -> None:
    path = _variant(tmp_path, "vpcs:\n  app:\n    cidrs: [10.30.0.0/16]",
                    "vpcs:\n  app:\n    cidrs: [10.30.0.0/16]\n  other:\n    cidrs: [10.31.0.0/16]")
    text = path.read_text().replace("  s3:\n    vpc: app", "  s3:\n    vpc: other")
    path.write_text(text)
    with pytest.raises(DesignError) as caught:
        vpcsim.load(path)
    assert any(d.code == "route-target-vpc" and "vpc endpoint s3 is in vpc other" in d.message
               for d in caught.value.diagnostics)


def test_associating_a_route_table_adds_the_prefix_list_route(tmp_path: Path) -> None:
    """AWS adds a route from the service's prefix list to the endpoint in each associated table
    (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html): the design
    writes the association, not the route."""
    net = vpcsim.load(SCENARIO)
    (route,) = [r for r in net.design.route_tables["private-a"].routes if r.target == "s3"]
    assert route.prefix_list == "com.amazonaws.eu-west-1.s3" and route.target_section == "vpc_endpoint"
    assert route.loc.line == SCENARIO.read_text().splitlines().index("    route_tables: [private-a]") + 1
    assert not [r for r in net.design.route_tables["private-b"].routes if r.target == "s3"]
    # Both tables associated: app-b's S3 traffic now leaves through the endpoint too.
    both = vpcsim.load(_variant(tmp_path, "route_tables: [private-a]", "route_tables: [private-a, private-b]"))
    assert both.trace("app-b", "service:s3", 443).forward[-1].kind == "vpc_endpoint"
    # No association: app-a's goes through the NAT gateway, and lint says the endpoint is unused.
    none = vpcsim.load(_variant(tmp_path, "    route_tables: [private-a]\n", ""))
    assert "nat_gateway" in [h.kind for h in none.trace("app-a", "service:s3", 443).forward]
    assert lint(none).by_rule("VPC015")
    assert not lint(vpcsim.load(SCENARIO)).by_rule("VPC015")
    # A route the design writes as well is the same route: it is not added twice.
    path = _variant(tmp_path, PRIVATE_B_ROUTE, PRIVATE_B_ROUTE + "\n      - {destination_prefix_list: "
                    "com.amazonaws.eu-west-1.s3, vpc_endpoint: s3}")
    path.write_text(path.read_text().replace("route_tables: [private-a]", "route_tables: [private-a, private-b]"))
    written = vpcsim.load(path)
    assert len([r for r in written.design.route_tables["private-b"].routes if r.target == "s3"]) == 1


def test_an_association_with_another_vpcs_table_is_refused(tmp_path: Path) -> None:
    path = _variant(tmp_path, "vpcs:\n  app:\n    cidrs: [10.30.0.0/16]",
                    "vpcs:\n  app:\n    cidrs: [10.30.0.0/16]\n  other:\n    cidrs: [10.31.0.0/16]")
    path.write_text(path.read_text().replace("route_tables:\n  public:", "route_tables:\n  other-rt: {vpc: other}\n  public:")
                    .replace("route_tables: [private-a]", "route_tables: [private-a, other-rt]"))
    with pytest.raises(DesignError) as caught:
        vpcsim.load(path)
    (error,) = [d for d in caught.value.diagnostics if d.code == "route-target-vpc"]
    assert "route table other-rt" in error.message and "vpc endpoint s3 is in vpc app" in error.message
    assert error.location is not None and "route_tables: [private-a, other-rt]" in path.read_text().splitlines()[
        error.location.line - 1]


def test_the_endpoint_is_in_the_component_graph() -> None:
    g = vpcsim.load(SCENARIO).graph
    assert g.nodes[("vpc_endpoint", "s3")]["service"] == "com.amazonaws.eu-west-1.s3"
    assert g.has_edge(("vpc_router", "app"), ("vpc_endpoint", "s3"))


def test_the_cli_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--design", str(SCENARIO), "app-a", "service:s3", "443", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["reachable"] is True and doc["flow"]["dst"] == "service:s3"


def test_the_schema_accepts_the_section_and_its_route_target() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(resources.files("vpcsim").joinpath("schemas/design.schema.json").read_text())
    doc = yaml.safe_load(SCENARIO.read_text())
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(doc))
    doc["vpc_endpoints"]["s3"]["type"] = "gateway_load_balancer"
    assert list(jsonschema.Draft7Validator(schema).iter_errors(doc))


@pytest.mark.skipif(not BATFISH.exists(), reason="../shared/conformance is not beside the checkout")
def test_a_snapshots_gateway_and_interface_endpoints_are_imported(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    design, warnings = snapshot_to_design(BATFISH)
    (name, body), = design["vpc_endpoints"].items()
    assert body == {"aws_id": "vpce-0b7357542bb7b83ec", "vpc": "testing", "service": "com.amazonaws.us-east-1.s3"}
    routes = [r for t in design["route_tables"].values() for r in t.get("routes", []) if "vpc_endpoint" in r]
    assert len(routes) == 2 and all(r["destination_prefix_list"] == "com.amazonaws.us-east-1.s3" for r in routes)
    interface = ROOT.parent / "shared" / "conformance" / "batfish-aws" / "test-vpc-endpoint-interface"
    design, warnings = snapshot_to_design(interface)
    (body,) = design["vpc_endpoints"].values()
    assert body["type"] == "interface" and body["service"] == "com.amazonaws.us-east-1.cloudtrail"
    assert body["interfaces"] == [{"subnet": "testing_10.1.101.0-24", "private_ip": "10.1.101.97",
                                   "aws_id": "eni-0084b734451ba23ca"}]
    assert body["security_groups"] == ["testing_general"]
    # Its network interface is the endpoint's, not a loose interface of its own.
    assert not any(u.get("aws_id") == "eni-0084b734451ba23ca" for u in design.get("unsupported", {}).values())


def test_a_service_reached_through_a_nat_gateway_carries_its_cost_note() -> None:
    """private-b's table was left out of the association: the trace says what that costs
    (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-pricing.html)."""
    net = vpcsim.load(SCENARIO)
    via_nat = net.trace("app-b", "service:s3", 443)
    assert via_nat.reachable and "nat_gateway" in [h.kind for h in via_nat.forward]
    (note,) = [w for w in via_nat.warnings if w.code.value == "SERVICE_THROUGH_NAT_GATEWAY"]
    assert note.component == "nat-a" and "com.amazonaws.eu-west-1.s3" in note.detail
    assert not net.trace("app-a", "service:s3", 443).warnings  # through the endpoint: nothing to say
    assert not net.trace("app-b", "8.8.8.8", 443).warnings  # not the service: nothing to say


def test_an_interface_endpoint_is_an_interface_of_the_design_that_only_answers() -> None:
    """Its network interfaces are ENIs of their subnets, with the endpoint's groups: exposure and
    reach see them; a service answers connections and never opens one, so they are no source."""
    net = vpcsim.load(SCENARIO)
    eni = net.design.interfaces["sqs.private-a"]
    assert eni.service == "com.amazonaws.eu-west-1.sqs" and eni.security_groups == ("endpoint",)
    result = net.trace("app-a", "service:sqs", 443)
    assert result.reachable and result.forward[-1].name == "sqs.private-a"  # its own zone's interface
    assert net.trace("app-b", "sqs", 443).forward[-1].name == "sqs.private-b"  # by the endpoint's name too
    with pytest.raises(EndpointError, match="answers connections"):
        net.trace("sqs.private-a", "app-a", 443)
    matrix = net.reach(by="interface")
    assert "sqs.private-a" in matrix.cols and "sqs.private-a" not in matrix.rows
    assert {r.interface for r in net.exposure().interfaces} >= {"sqs.private-a", "sqs.private-b"}


def test_an_assertion_names_a_service_as_its_destination() -> None:
    """`to: {service: s3}`: its ranges (the prefix list); `to: {service: sqs}`: its interface
    endpoint's network interfaces (private DNS)."""
    net = vpcsim.load(SCENARIO)
    report = net.check([
        {"id": "s3", "from": "app-a", "to": {"service": "s3"}, "traffic": "tcp/443", "expect": "reachable"},
        {"id": "s3-ssh", "from": "app-a", "to": {"service": "com.amazonaws.eu-west-1.s3"}, "traffic": "tcp/22",
         "expect": "unreachable"},
        {"id": "batch-sqs", "from": "batch", "to": {"service": "sqs"}, "traffic": "tcp/443", "expect": "reachable"},
    ])
    assert report["s3"].passed
    assert not report["s3-ssh"].passed  # the app group's egress admits everything, so S3 gets port 22 too
    # The batch group's only egress rule names the S3 prefix list: SQS's interfaces are closed to it.
    assert not report["batch-sqs"].passed


@pytest.mark.parametrize(("assertion", "message"), [
    ({"from": {"service": "s3"}, "to": "app-a"}, "answers connections; it opens none"),
    ({"from": "app-a", "to": {"service": "kinesis"}}, "service 'kinesis': the design has no address ranges"),
])
def test_a_service_selector_that_cannot_hold_is_an_error(assertion: dict[str, object], message: str) -> None:
    net = vpcsim.load(SCENARIO)
    with pytest.raises(DesignError) as caught:
        net.check({"id": "x", "traffic": "tcp/443", "expect": "reachable", **assertion})
    assert any(message in d.message for d in caught.value.diagnostics), [d.message for d in caught.value.diagnostics]


def test_the_assertion_schema_takes_a_service_selector() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(resources.files("vpcsim").joinpath("schemas/assertions.schema.json").read_text())
    doc = yaml.safe_load((ROOT / "scenarios" / "basic-s3.assertions.yaml").read_text())
    assert any(a["to"] == {"service": "s3"} for a in doc["assertions"])
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(doc))
    doc["assertions"][0]["to"] = {"service": "S3 bucket"}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(doc))


# -- Gateway Load Balancer endpoints ---------------------------------------------------------------
# https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html

GWLB = ROOT / "scenarios" / "gwlb-inspection.yaml"


def _gwlb_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = GWLB.read_text()
    assert old in text
    path = tmp_path / "gwlb.yaml"
    path.write_text(text.replace(old, new))
    return path


def test_a_gateway_load_balancer_endpoint_hands_both_directions_to_one_appliance() -> None:
    result = vpcsim.load(GWLB).trace("internet", "web-a", 443)
    assert result.reachable
    kinds = [(h.kind, h.name) for h in result.forward]
    at = kinds.index(("vpc_endpoint", "inspect-a"))
    assert kinds[at - 1] == ("subnet", "gwlbe")  # into the endpoint's subnet, through its NACL
    assert kinds[at:at + 4] == [("vpc_endpoint", "inspect-a"), ("gateway_load_balancer", "fw-1"),
                                ("vpc_endpoint", "inspect-a"), ("subnet", "gwlbe")]
    assert result.forward[at + 3].steps[-1].detail.startswith("route table gwlbe-rt")  # on by its subnet's table
    back = [(h.kind, h.name) for h in result.return_path]
    assert ("gateway_load_balancer", "fw-1") in back and back[-1] == ("internet", "internet")
    assert not result.warnings


def test_an_appliance_must_admit_geneve_from_its_vpc(tmp_path: Path) -> None:
    """The load balancer reaches its targets by GENEVE, UDP 6081
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/target-groups.html)."""
    path = _gwlb_variant(tmp_path, "      - {protocol: udp, ports: 6081, cidr: 10.60.0.0/16}",
                         "      - {protocol: udp, ports: 6081, cidr: 192.0.2.0/24}")
    net = vpcsim.load(path)
    result = net.trace("internet", "web-a", 443)
    assert not result.reachable
    (blocker,) = [b for b in result.blocked_by if b.direction == "forward"]
    assert blocker.code.value == "ENI_SG_RULES_MISMATCH" and blocker.component == "fw-1"
    assert "udp 6081" in blocker.detail and blocker.location is not None
    assert not net.check({"id": "x", "from": "internet", "to": "web-a", "traffic": "tcp/443",
                          "expect": "reachable"})["x"].passed


def test_the_endpoint_subnets_nacl_applies_on_the_way_in_and_out(tmp_path: Path) -> None:
    path = _gwlb_variant(tmp_path, "  gwlbe: {vpc: app, cidr: 10.50.0.0/24, az: us-east-1a, route_table: gwlbe-rt}",
                         "  gwlbe: {vpc: app, cidr: 10.50.0.0/24, az: us-east-1a, route_table: gwlbe-rt, "
                         "network_acl: closed}")
    path.write_text(path.read_text() + "network_acls:\n  closed: {vpc: app, inbound: [], outbound: []}\n")
    result = vpcsim.load(path).trace("internet", "web-a", 443)
    assert not result.reachable
    assert {b.code.value for b in result.blocked_by} == {"SUBNET_ACL_RESTRICTION"}
    assert {b.component for b in result.blocked_by} == {"closed"}


def test_appliances_outside_the_design_are_assumed_to_return_the_packet(tmp_path: Path) -> None:
    path = _gwlb_variant(tmp_path, "    appliances: [fw-1, fw-2]\n", "")
    result = vpcsim.load(path).trace("web-a", "8.8.8.8", 443)
    assert result.reachable and "gateway_load_balancer" not in [h.kind for h in result.forward]
    (note,) = [w for w in result.warnings if w.code.value == "UNSUPPORTED_COMPONENT" and w.direction == "forward"]
    assert note.component == "inspect-a" and "not in the design" in note.detail


def test_a_route_back_to_the_endpoint_from_its_own_subnet_is_a_loop(tmp_path: Path) -> None:
    path = _gwlb_variant(tmp_path, "      - {destination: 0.0.0.0/0, internet_gateway: app-igw}\n  web-rt:",
                         "      - {destination: 0.0.0.0/0, vpc_endpoint: inspect-a}\n  web-rt:")
    result = vpcsim.load(path).trace("web-a", "8.8.8.8", 443)
    assert result.disposition.value == "LOOP"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("    subnet: gwlbe\n", "    subnet: appliances\n", "subnet appliances is in vpc security, not app"),
    ("    private_ip: 10.50.0.10\n", "    private_ip: 10.50.9.10\n", "private_ip 10.50.9.10 is outside its subnet gwlbe"),
    ("    appliances: [fw-1, fw-2]\n", "    appliances: [fw-9]\n", "appliances: no instance named 'fw-9'"),
    ("    appliances: [fw-1, fw-2]\n", "    appliances: fw-1\n", "appliances: expected a list of instance names"),
    ("    subnet: gwlbe\n", "    subnet: gwlbe\n    interfaces: [{subnet: gwlbe, private_ip: 10.50.0.11}]\n",
     "interfaces is not for a Gateway Load Balancer endpoint"),
    ("      - {destination: 10.50.1.0/24, vpc_endpoint: inspect-a}",
     "      - {destination: 10.50.1.0/24, vpc_endpoint: inspect-a}\n  other:\n    vpc: security\n    routes:\n"
     "      - {destination: 0.0.0.0/0, vpc_endpoint: inspect-a}", "vpc endpoint inspect-a is in vpc app"),
])
def test_bad_gateway_load_balancer_endpoints_are_located_errors(tmp_path: Path, old: str, new: str,
                                                                 message: str) -> None:
    with pytest.raises(DesignError) as caught:
        vpcsim.load(_gwlb_variant(tmp_path, old, new))
    errors = [d for d in caught.value.diagnostics if d.severity.value == "error"]
    assert any(message in d.message for d in errors), [d.message for d in errors]
    assert all(d.location is not None and d.location.line > 0 for d in errors)


def test_a_gateway_load_balancer_endpoint_takes_middlebox_and_gateway_table_routes(tmp_path: Path) -> None:
    """A route to a subnet's CIDR inside the VPC (middlebox routing) and a gateway route table's
    route may target it (route-table-options.html#route-tables-middlebox); a gateway endpoint may
    not take such a route."""
    net = vpcsim.load(GWLB)  # its ingress table's route targets the endpoint
    assert any(r.target == "inspect-a" for r in net.design.route_tables["ingress"].routes)
    path = _gwlb_variant(tmp_path, "      - {destination: 0.0.0.0/0, vpc_endpoint: inspect-a}",
                         "      - {destination: 0.0.0.0/0, vpc_endpoint: inspect-a}\n"
                         "      - {destination: 10.50.2.0/24, vpc_endpoint: inspect-a}")
    middlebox = vpcsim.load(path)
    result = middlebox.trace("web-a", "web-b", 443)
    assert result.reachable and "gateway_load_balancer" in [h.kind for h in result.forward]


def test_the_gateway_load_balancer_endpoint_in_the_graph() -> None:
    g = vpcsim.load(GWLB).graph
    assert g.has_edge(("vpc_endpoint", "inspect-a"), ("eni", "fw-1.eth0"))
    assert g.has_edge(("vpc_endpoint", "inspect-a"), ("subnet", "gwlbe"))
    assert g.edges[("vpc_endpoint", "inspect-a"), ("subnet", "gwlbe"), 0]["relation"] == "member"
    assert g.has_edge(("subnet", "web"), ("vpc_endpoint", "inspect-a"))


@pytest.mark.skipif(not BATFISH.exists(), reason="../shared/conformance is not beside the checkout")
def test_a_snapshots_gateway_load_balancer_endpoint_is_imported(tmp_path: Path) -> None:
    """Batfish's interface-endpoint snapshot, its endpoint turned into a Gateway Load Balancer one
    and a second table routing 0.0.0.0/0 to it (describe-route-tables names it by GatewayId)."""
    import shutil

    from vpcsim.importers.aws import snapshot_to_design

    source = BATFISH.parent / "test-vpc-endpoint-interface" / "aws_configs" / "us-east-1"
    region = tmp_path / "aws_configs" / "us-east-1"
    shutil.copytree(source, region)
    endpoints_doc = json.loads((region / "VpcEndpoints.json").read_text())
    (ep,) = endpoints_doc["VpcEndpoints"]
    ep.update(VpcEndpointType="GatewayLoadBalancer", ServiceName="com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
              Groups=[], PrivateDnsEnabled=False)
    (region / "VpcEndpoints.json").write_text(json.dumps(endpoints_doc))
    tables = json.loads((region / "RouteTables.json").read_text())
    main_table = next(t for t in tables["RouteTables"] if len(t.get("Associations", [])) == 2)
    main_table["Associations"] = [a for a in main_table["Associations"] if a["SubnetId"] != "subnet-0611b848137c513d1"]
    tables["RouteTables"].append({
        "RouteTableId": "rtb-0000000000000gwlb", "VpcId": main_table["VpcId"], "OwnerId": main_table["OwnerId"],
        "Associations": [{"Main": False, "RouteTableAssociationId": "rtbassoc-0000000000000gwlb",
                          "RouteTableId": "rtb-0000000000000gwlb", "SubnetId": "subnet-0611b848137c513d1"}],
        "Routes": [{"DestinationCidrBlock": "10.1.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable",
                    "State": "active"},
                   {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": ep["VpcEndpointId"], "Origin": "CreateRoute",
                    "State": "active"}]})
    (region / "RouteTables.json").write_text(json.dumps(tables))
    design, _ = snapshot_to_design(tmp_path)
    (body,) = design["vpc_endpoints"].values()
    assert body == {"aws_id": ep["VpcEndpointId"], "vpc": body["vpc"], "type": "gateway_load_balancer",
                    "service": "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
                    "subnet": "testing_10.1.101.0-24", "private_ip": "10.1.101.97"}
    assert not any(u.get("aws_id") == ep["VpcEndpointId"] for u in design.get("unsupported", {}).values())
    net = vpcsim.load(tmp_path)
    result = net.trace("i-0eb6eb395a0d09117", "8.8.8.8", 443)
    ids = [h.aws_id for h in result.forward]
    assert ids.count(ep["VpcEndpointId"]) == 2  # to the load balancer and back
    assert any(w.code.value == "UNSUPPORTED_COMPONENT" and "not in the design" in w.detail for w in result.warnings)
