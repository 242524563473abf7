"""IPv6: dual-stack and IPv6-only designs, the egress-only gateway, NAT64, and their errors.

AWS behaviour from the VPC User Guide: default NACL rules
(https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html), the default
security group (https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html),
the egress-only internet gateway
(https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html), NAT64
(https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html) and IPv6 CIDR
sizes (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import vpcsim
from vpcsim.cli import main
from vpcsim.model import ANY_CIDR6, int_to_ip, parse_ip
from vpcsim.reach.walk import trace_packet
from vpcsim.traffic import Traffic

ROOT = Path(__file__).resolve().parents[1]
DUAL = str(ROOT / "scenarios" / "dual-stack.yaml")

BASE = """\
version: 1
region: eu-west-1
vpcs:
  v:
    cidrs: [10.0.0.0/16]
{vpc_extra}
subnets:
  a:
    vpc: v
    cidr: 10.0.1.0/24
{subnet_extra}
    az: eu-west-1a
    route_table: rt
{more}
route_tables:
  rt:
    vpc: v
    routes:
{routes}
internet_gateways:
  igw: {{vpc: v}}
instances:
  web:
    subnet: a
    private_ip: 10.0.1.10
    public_ip: 203.0.113.10
{web_extra}
"""


def design(tmp_path: Path, *, vpc_extra: str = '    ipv6_cidrs: ["2600:1f18:1::/56"]',
           subnet_extra: str = '    ipv6_cidr: "2600:1f18:1:1::/64"', more: str = "",
           routes: str = '      - {destination: 0.0.0.0/0, internet_gateway: igw}\n'
                         '      - {destination: "::/0", internet_gateway: igw}',
           web_extra: str = '    ipv6_addresses: ["2600:1f18:1:1::10"]', tail: str = "") -> Path:
    path = tmp_path / "d.yaml"
    path.write_text(BASE.format(vpc_extra=vpc_extra, subnet_extra=subnet_extra, more=more, routes=routes,
                                web_extra=web_extra) + tail)
    return path


def errors(path: Path) -> list[str]:
    with pytest.raises(vpcsim.DesignError) as info:
        vpcsim.load(path)
    return [f"{d.location.line}:{d.location.col} {d.code}: {d.message}" for d in info.value.diagnostics]


# -- defaults per family ---------------------------------------------------------------------------


def test_default_nacl_and_group_get_ipv6_rules_only_on_an_ipv6_vpc(tmp_path: Path) -> None:
    six = vpcsim.load(design(tmp_path)).design
    acl = six.network_acls[six.vpcs["v"].default_network_acl]
    assert [(r.number, str(r.cidr)) for r in acl.inbound] == [(100, "0.0.0.0/0"), (101, "::/0")]
    assert [str(r.cidr) for r in six.security_groups["v/default"].egress] == ["0.0.0.0/0", "::/0"]
    four = vpcsim.load(design(tmp_path, vpc_extra="", subnet_extra="", web_extra="",
                              routes="      - {destination: 0.0.0.0/0, internet_gateway: igw}")).design
    acl = four.network_acls[four.vpcs["v"].default_network_acl]
    assert [(r.number, str(r.cidr)) for r in acl.inbound + acl.outbound] == [(100, "0.0.0.0/0")] * 2
    assert [str(r.cidr) for r in four.security_groups["v/default"].egress] == ["0.0.0.0/0"]


def test_the_implicit_deny_is_per_family(tmp_path: Path) -> None:
    # A custom NACL that allows all IPv4 both ways and says nothing of IPv6: rule * denies IPv6.
    acl = ("network_acls:\n  four-only:\n    vpc: v\n"
           "    inbound: [{rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}]\n"
           "    outbound: [{rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}]\n")
    sg = ("security_groups:\n  open:\n    vpc: v\n"
          '    ingress: [{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}, {protocol: tcp, ports: 443, cidr: "::/0"}]\n')
    net = vpcsim.load(design(tmp_path, subnet_extra='    ipv6_cidr: "2600:1f18:1:1::/64"\n    network_acl: four-only',
                             web_extra='    ipv6_addresses: ["2600:1f18:1:1::10"]\n    security_groups: [open]',
                             tail=acl + sg))
    assert net.trace("internet", "web", 443).reachable
    six = net.trace("internet6", "web", 443)
    assert not six.reachable
    denial = next(b for b in six.blocked_by if b.code.value == "SUBNET_ACL_RESTRICTION")
    # Its own "*", numbered as describe-network-acls numbers IPv6's (facts.NACL_IMPLICIT_DENY6).
    assert "rule * (32768, implicit) deny all traffic" in denial.detail and "2001:4860:4860::8888" in denial.detail


def test_longest_prefix_match_never_crosses_families(tmp_path: Path) -> None:
    # 0.0.0.0/0 is no route for an IPv6 address: without ::/0 the IPv6 internet is unreachable.
    net = vpcsim.load(design(tmp_path, routes="      - {destination: 0.0.0.0/0, internet_gateway: igw}"))
    assert net.trace("web", "internet", 443).reachable
    result = net.trace("web", "internet6", 443)
    assert result.disposition.value == "NO_ROUTE"
    assert "has no route to 2001:4860:4860::8888" in result.blocked_by[0].detail


def test_ipv6_through_the_internet_gateway_is_not_translated(tmp_path: Path) -> None:
    net = vpcsim.load(design(tmp_path))
    result = net.trace("web", "internet6", 443)
    assert result.reachable and result.flow.src_ip == "2600:1f18:1:1::10"
    igw = next(h for h in result.forward if h.kind == "internet_gateway")
    assert igw.packet.src == "2600:1f18:1:1::10"  # no 1:1 NAT, unlike the IPv4 trace
    assert "no translation" in igw.steps[0].detail
    four = net.trace("web", "internet", 443)
    assert next(h for h in four.forward if h.kind == "internet" and h.packet.src == "203.0.113.10")


# -- the egress-only internet gateway ---------------------------------------------------------------

EIGW_ONLY = """\
version: 1
region: eu-west-1
vpcs:
  v: {cidrs: [10.0.0.0/16], ipv6_cidrs: ["2600:1f18:2::/56"]}
subnets:
  six: {vpc: v, ipv6_cidr: "2600:1f18:2:1::/64", az: eu-west-1a, route_table: rt}
route_tables:
  rt: {vpc: v, routes: [{destination: "::/0", egress_only_internet_gateway: eigw}]}
egress_only_internet_gateways:
  eigw: {vpc: v}
security_groups:
  open:
    vpc: v
    ingress: [{protocol: tcp, ports: 22, cidr: "::/0"}]
    egress: [{protocol: all, cidr: "::/0"}]
instances:
  box: {subnet: six, security_groups: [open]}
"""


def test_an_ipv6_only_subnet_with_an_egress_only_gateway(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(EIGW_ONLY)
    net = vpcsim.load(path)
    box = net.design.interfaces["box.eth0"]
    # No address given: the first free one, after the four AWS reserves.
    assert [int_to_ip(a) for a in box.private_ips] == ["2600:1f18:2:1::4"]
    out = net.trace("box", "internet6", 443)
    assert out.reachable and [h.kind for h in out.return_path][:2] == ["internet", "egress_only_internet_gateway"]
    # Unsolicited traffic from the internet stops at the gateway (the VPC has no internet gateway).
    inbound = net.trace("internet6", "box", 22)
    assert inbound.disposition.value == "DENIED_IN"
    assert "drops" in inbound.blocked_by[0].detail and inbound.blocked_by[0].component == "eigw"
    # An IPv6-only instance has no IPv4 address to reach the IPv4 internet from.
    with pytest.raises(vpcsim.EndpointError, match="'box' has no IPv4 address"):
        net.trace("box", "internet", 443)


def test_the_egress_only_gateway_drops_the_reply_of_a_connection_from_outside() -> None:
    result = vpcsim.load(DUAL).trace("internet6", "app-b", 22)
    assert result.disposition.value == "RETURN_BLOCKED"
    hop = result.return_path[-1]
    assert hop.kind == "egress_only_internet_gateway" and hop.steps[0].action.value == "DROP"


@pytest.mark.parametrize("route, message", [
    ('{destination: 0.0.0.0/0, egress_only_internet_gateway: eigw}',
     "eigw-ipv4-route: route table rt: route 0.0.0.0/0 -> egress-only internet gateway eigw: the gateway "
     "carries IPv6 only"),
    ('{destination: "::/0", egress_only_internet_gateway: nope}',
     "unknown-reference: route table rt: route 1: egress_only_internet_gateway: no egress-only internet gateway "
     "named 'nope'"),
])
def test_bad_egress_only_gateway_routes_are_located(tmp_path: Path, route: str, message: str) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(EIGW_ONLY.replace('[{destination: "::/0", egress_only_internet_gateway: eigw}]', f"[{route}]"))
    found = errors(path)
    assert any(message in e and e.startswith("8:") for e in found), found


# -- NAT64 ------------------------------------------------------------------------------------------


def test_nat64_translates_both_addresses_and_back() -> None:
    result = vpcsim.load(DUAL).trace("app-a", "64:ff9b::c633:640a", 443)
    assert result.reachable
    nat = next(h for h in result.forward if h.kind == "nat_gateway")
    step = nat.steps[-1]
    assert step.before is not None and step.after is not None
    assert (step.before.src, step.before.dst) == ("2600:1f18:7a00:5e10::10", "64:ff9b::c633:640a")
    assert (step.after.src, step.after.dst) == ("10.20.0.5", "198.51.100.10")
    back = [h for h in result.return_path if h.kind == "nat_gateway"][0]
    assert (back.packet.src, back.packet.dst) == ("64:ff9b::c633:640a", "2600:1f18:7a00:5e10::10")


def test_a_nat_gateway_refuses_ipv6_outside_the_nat64_prefix(tmp_path: Path) -> None:
    text = Path(DUAL).read_text().replace('destination: "64:ff9b::/96"', 'destination: "2001:db8::/32"')
    path = tmp_path / "d.yaml"
    path.write_text(text)
    result = vpcsim.load(path).trace("app-a", "2001:db8::1", 443)
    assert not result.reachable and "translates IPv6 only to 64:ff9b::/96" in result.blocked_by[0].detail


# -- located errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("edit, message", [
    (dict(vpc_extra='    ipv6_cidrs: ["2600:1f18:1::/64"]', subnet_extra=""),
     "5:5 vpc-cidr-size: vpc v: IPv6 CIDR 2600:1f18:1::/64 is a /64 (expected Amazon's /56, or /44 to /60"),
    (dict(vpc_extra='    ipv6_cidrs: [10.1.0.0/16]', subnet_extra="", web_extra=""),
     "6:18 cidr: vpc v: ipv6_cidrs: 10.1.0.0/16 is an IPv4 block (expected an IPv6 block"),
    (dict(subnet_extra='    ipv6_cidr: "2600:1f18:9:1::/64"'),
     "9:5 subnet-outside-vpc: subnet a: CIDR 2600:1f18:9:1::/64 is not inside any CIDR of vpc v (expected a range "
     "inside one of: 2600:1f18:1::/56)"),
    (dict(subnet_extra='    ipv6_cidr: "2600:1f18:1:1::/65"'),
     "9:5 subnet-cidr-size: subnet a: IPv6 CIDR 2600:1f18:1:1::/65 is a /65 (expected /64"),
    (dict(web_extra='    ipv6_addresses: ["2600:1f18:1:2::10"]'),
     "private-ip-outside-subnet: interface web.eth0: private IP 2600:1f18:1:2::10 is outside its subnet a "
     "(2600:1f18:1:1::/64)"),
    (dict(web_extra='    ipv6_addresses: ["2600:1f18:1:1::"]'),
     "private-ip-reserved: interface web.eth0: private IP 2600:1f18:1:1:: is the network address of subnet a"),
    (dict(web_extra='    ipv6_addresses: ["::10.0.1.10"]'),
     "address: instance web: ipv6_addresses: '::10.0.1.10' is an IPv4-compatible IPv6 address"),
    (dict(web_extra='    ipv6_addresses: ["10.0.1.11"]'),
     "address: instance web: ipv6_addresses: '10.0.1.11' is an IPv4 address (expected an IPv6 address)"),
    (dict(vpc_extra="", subnet_extra=""),
     "subnet-outside-vpc: subnet a: CIDR 2600:1f18:1:1::/64"),
])
def test_ipv6_mistakes_are_located_errors(tmp_path: Path, edit: dict[str, str], message: str) -> None:
    if "subnet_extra" in edit and edit["subnet_extra"] == "" and "vpc_extra" in edit and edit["vpc_extra"] == "":
        edit = dict(vpc_extra="", subnet_extra='    ipv6_cidr: "2600:1f18:1:1::/64"', web_extra="")
        message = "subnet-outside-vpc: subnet a: CIDR 2600:1f18:1:1::/64 is not inside any CIDR of vpc v " \
                  "(expected a range inside one of: none: the VPC has no IPv6 block (give it ipv6_cidrs))"
    found = errors(design(tmp_path, **edit))
    assert any(message in e for e in found), found


def test_a_subnet_needs_a_block_of_some_family(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(BASE.format(vpc_extra="", subnet_extra="", more="", web_extra="",
                                routes="      - {destination: 0.0.0.0/0, internet_gateway: igw}")
                    .replace("    cidr: 10.0.1.0/24\n", ""))
    found = errors(path)
    assert found[0].startswith("9:5 missing-key: subnet a: missing required key 'cidr' (or 'ipv6_cidr' for an "
                               "IPv6-only subnet)"), found


# -- endpoints and the CLI --------------------------------------------------------------------------


def test_endpoints_take_either_family() -> None:
    net = vpcsim.load(DUAL)
    # A dual-stack instance is reached at its address of the other end's family.
    assert net.trace("internet6", "app-a", 22).flow.dst_ip == "2600:1f18:7a00:5e10::10"
    assert net.trace("bastion", "app-a", 22).flow.dst_ip == "10.20.10.10"
    assert net.trace("app-a", "2001:db8:1::1", 443).flow.src_ip == "2600:1f18:7a00:5e10::10"
    assert parse_ip(net.trace("app-a", "internet6", 443).flow.dst_ip) == net.internet_address6
    with pytest.raises(vpcsim.UsageError, match="different address families"):
        trace_packet(net, "internet", None, "2001:db8::1", "10.20.10.10", "tcp", 22)
    assert trace_packet(net, "internet", None, "2001:db8::1", "2600:1f18:7a00:5e10::10", "tcp", 22).reachable


def test_cli_traces_internet6(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--design", DUAL, "internet6", "app-a", "22", "--text"]) == 0
    out = capsys.readouterr().out
    # An IPv6 address before a port is bracketed (RFC 3986), so the port is not read as a group.
    assert "[2001:4860:4860::8888]:32768-60999 -> [2600:1f18:7a00:5e10::10]:22" in out
    assert main(["trace", "--design", DUAL, "internet6", "nope::g", "22"]) == 3
    assert "nope::g" in capsys.readouterr().err


def test_any_cidr6_is_the_ipv6_default_route() -> None:
    assert str(ANY_CIDR6) == "::/0" and ANY_CIDR6.bits == 128


# -- exposure over both families ----------------------------------------------------------------------


def test_exposure_finds_the_ipv6_exposed_private_instance_as_critical_with_its_causes() -> None:
    report = vpcsim.load(DUAL).exposure()
    app_a = report["app-a"]
    assert app_a.traffic.describe() == "nothing"  # IPv4: private behind the NAT gateway
    assert app_a.ipv6.describe() == "tcp 22" and app_a.ipv6_address == "2600:1f18:7a00:5e10::10"
    (finding,) = app_a.findings
    assert (finding.severity.value, finding.family, finding.sources) == ("critical", "ipv6", ("::/0",))
    assert "open on IPv6 only" in finding.explanation and "no NAT" in finding.explanation
    route, rule = finding.causes
    assert route.startswith("route table private-a: ::/0 -> internet_gateway corp-igw (")
    assert rule.startswith("security group app ingress tcp 22 ::/0 (") and ":110:" in rule
    # The same group, but private-b's ::/0 goes to the egress-only gateway: not exposed.
    assert not report["app-b"].exposed and report["app-b"].ipv6_address == "2600:1f18:7a00:5e11::10"
    assert report.exposed()[0].name == "app-a"  # worst first: critical before the bastion's medium
    doc = report.to_json()
    row = next(r for r in doc["results"] if r["instance"] == "app-a")
    assert row["ipv6_text"] == "tcp 22" and row["findings"][0]["family"] == "ipv6"


def test_an_ipv6_finding_grades_as_the_same_exposure_on_ipv4(tmp_path: Path) -> None:
    # The same rule on each family: the IPv6 finding is graded on the same scale, never lower.
    sg = ("security_groups:\n  db:\n    vpc: v\n    ingress:\n"
          "      - {protocol: tcp, ports: 5432, cidr: 0.0.0.0/0}\n"
          '      - {protocol: tcp, ports: 5432, cidr: "::/0"}\n')
    net = vpcsim.load(design(tmp_path, web_extra='    ipv6_addresses: ["2600:1f18:1:1::10"]\n    security_groups: [db]',
                             tail=sg))
    row = net.exposure()["web"]
    by_family = {f.family: f for f in row.findings}
    assert by_family["ipv4"].severity == by_family["ipv6"].severity
    assert by_family["ipv6"].severity.value == "critical"
    assert not by_family["ipv6"].explanation  # open on IPv4 too: nothing hidden to explain


def test_cli_exposure_has_an_ipv6_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exposure", "--design", DUAL, "--text"]) in (0, 1)
    out = capsys.readouterr().out
    assert "CRITICAL app-a (IPv6 2600:1f18:7a00:5e10::10)" in out and "[IPv6]" in out
    assert "because of: route table private-a: ::/0 -> internet_gateway corp-igw" in out
    assert main(["exposure", "--design", DUAL, "--csv"]) in (0, 1)
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].endswith(",family") and any(r.startswith("app-a.eth0,") and r.endswith(",ipv6") for r in rows)


# -- assertions over IPv6 -------------------------------------------------------------------------------


def test_either_family_catches_what_ipv4_alone_passes(tmp_path: Path) -> None:
    from vpcsim.check import check

    net = vpcsim.load(DUAL)
    closed = {"from": "internet", "to": {"subnet": "private-a"}, "traffic": "any", "expect": "unreachable"}
    assert check(net, [dict(closed, id="ipv4")]).ok  # what nat-bastion promises: still true on IPv4
    report = check(net, [dict(closed, id="either", family="either")])
    (result,) = report.results
    assert not result.passed
    assert {v.src for v in result.violations} == {"internet (2001:4860:4860::8888)"}
    assert result.counterexample is not None and "2600:1f18:7a00:5e10::10" in result.counterexample.flow
    # An IPv6 CIDR selects by IPv6 address; internet6 is the IPv6 internet.
    assert check(net, [{"id": "c", "from": "internet6", "to": {"cidr": "2600:1f18:7a00:5e10::/64"},
                        "traffic": "tcp/22", "expect": "reachable"}]).ok is False  # legacy-app is closed
    assert check(net, [{"id": "d", "from": "internet6", "to": {"cidr": "2600:1f18:7a00:5e10::10"},
                        "traffic": "tcp/22", "expect": "exactly"}]).ok


def test_a_bad_family_is_a_located_error(tmp_path: Path) -> None:
    from vpcsim.check import check

    with pytest.raises(vpcsim.DesignError, match="family 'v6' \\(expected one of: ipv4, ipv6, either\\)"):
        check(vpcsim.load(DUAL), [{"id": "x", "from": "internet", "to": "app-a", "traffic": "any",
                                   "expect": "unreachable", "family": "v6"}])


# -- lint -----------------------------------------------------------------------------------------------


def test_the_three_ipv6_lint_rules() -> None:
    from vpcsim.lint import lint_path

    report = lint_path(Path(DUAL))
    found = {(f.rule.id, f.location.line if f.location else 0) for f in report.findings}
    route_line = Path(DUAL).read_text().splitlines().index('      - destination: "::/0"', 50) + 1
    assert ("VPC030", route_line) in found and ("VPC031", route_line) in found
    (vpc030,) = report.by_rule("VPC030")
    assert "subnet private-a is private on IPv4" in vpc030.message and "2600:1f18:7a00:5e10::/64" in vpc030.message
    assert not report.by_rule("VPC032")  # private-b-acl has its IPv6 rules


def test_vpc032_a_nacl_with_ipv4_rules_only(tmp_path: Path) -> None:
    from vpcsim.lint import lint_path

    text = Path(DUAL).read_text()
    for line in ('      - {rule: 101, action: allow, protocol: all, cidr: "::/0"}\n',):
        text = text.replace(line, "")
    path = tmp_path / "d.yaml"
    path.write_text(text)
    report = lint_path(path)
    messages = [f.message for f in report.by_rule("VPC032")]
    assert messages == [
        "network ACL private-b-acl: its inbound rules are all IPv4, so its IPv6 rule * denies every IPv6 packet "
        "into private-b (2600:1f18:7a00:5e11::/64)",
        "network ACL private-b-acl: its outbound rules are all IPv4, so its IPv6 rule * denies every IPv6 packet "
        "out of private-b (2600:1f18:7a00:5e11::/64)",
    ]
    # ... and the walk agrees: app-b's IPv6 traffic dies at the NACL.
    assert vpcsim.load(path).trace("app-b", "internet6", 443).disposition.value == "DENIED_OUT"


def test_vpc031_an_egress_only_gateway_no_route_uses(tmp_path: Path) -> None:
    from vpcsim.lint import lint_path

    path = tmp_path / "d.yaml"
    path.write_text(EIGW_ONLY.replace('[{destination: "::/0", egress_only_internet_gateway: eigw}]', "[]"))
    (finding,) = lint_path(path).by_rule("VPC031")
    assert finding.message == "egress-only internet gateway eigw (vpc v) is the target of no route: no subnet uses it"


def test_the_resolver_and_metadata_answer_at_their_ipv6_addresses(tmp_path: Path) -> None:
    # AmazonDNS-concepts.html: fd00:ec2::253; an IPv6-only source asks there for `dns`.
    path = tmp_path / "d.yaml"
    path.write_text(EIGW_ONLY)
    net = vpcsim.load(path)
    result = net.trace("box", "dns", 53, "udp")
    assert result.reachable and result.flow.dst_ip == "fd00:ec2::253"
    assert "the Route 53 Resolver" in result.forward[-1].steps[-1].detail
    assert net.trace("box", "metadata", 80).flow.dst_ip == "fd00:ec2::254"
    # A dual-stack source asks the IPv4 resolver (the VPC base + 2) unless it names the IPv6 one.
    dual = vpcsim.load(DUAL)
    assert dual.trace("app-a", "dns", 53, "udp").flow.dst_ip == "10.20.0.2"
    assert dual.trace("app-a", "fd00:ec2::253", 53, "udp").reachable


# -- import aws ---------------------------------------------------------------------------------------


def _aws_snapshot(folder: Path) -> Path:
    import json

    files = {
        "Vpcs.json": {"Vpcs": [{
            "VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16",
            "Ipv6CidrBlockAssociationSet": [
                {"Ipv6CidrBlock": "2600:1f18:aa00:100::/56", "Ipv6CidrBlockState": {"State": "associated"}},
                {"Ipv6CidrBlock": "2600:1f18:bb00:100::/56", "Ipv6CidrBlockState": {"State": "disassociated"}},
            ]}]},
        "Subnets.json": {"Subnets": [
            {"SubnetId": "subnet-dual", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a",
             "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18:aa00:101::/64",
                                              "Ipv6CidrBlockState": {"State": "associated"}}]},
            {"SubnetId": "subnet-six", "VpcId": "vpc-1", "AvailabilityZone": "us-east-1a", "Ipv6Native": True,
             "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18:aa00:102::/64",
                                              "Ipv6CidrBlockState": {"State": "associated"}}]},
        ]},
        "EgressOnlyInternetGateways.json": {"EgressOnlyInternetGateways": [
            {"EgressOnlyInternetGatewayId": "eigw-1", "Attachments": [{"State": "attached", "VpcId": "vpc-1"}]}]},
        "InternetGateways.json": {"InternetGateways": [
            {"InternetGatewayId": "igw-1", "Attachments": [{"State": "available", "VpcId": "vpc-1"}]}]},
        "RouteTables.json": {"RouteTables": [{
            "RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [{"Main": True}],
            "Routes": [
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
                {"DestinationIpv6CidrBlock": "2600:1f18:aa00:100::/56", "GatewayId": "local", "State": "active"},
                {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1", "State": "active"},
            ]}]},
        "NetworkAcls.json": {"NetworkAcls": [{
            "NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": True, "Entries": [
                {"CidrBlock": "0.0.0.0/0", "Egress": False, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100},
                {"Ipv6CidrBlock": "::/0", "Egress": False, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 101},
                {"Ipv6CidrBlock": "::/0", "Egress": False, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 32768},
                {"CidrBlock": "0.0.0.0/0", "Egress": True, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 100},
                {"Ipv6CidrBlock": "::/0", "Egress": True, "Protocol": "-1", "RuleAction": "allow", "RuleNumber": 101},
            ]}]},
        "SecurityGroups.json": {"SecurityGroups": [{
            "GroupId": "sg-1", "GroupName": "web", "VpcId": "vpc-1",
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [],
                               "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                                     "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]}]},
        "Reservations.json": {"Reservations": [{"Instances": [{
            "InstanceId": "i-1", "State": {"Name": "running"}, "SubnetId": "subnet-six",
            "NetworkInterfaces": [{
                "NetworkInterfaceId": "eni-1", "SubnetId": "subnet-six", "Attachment": {"DeviceIndex": 0},
                "Groups": [{"GroupId": "sg-1"}], "PrivateIpAddresses": [],
                "Ipv6Addresses": [{"Ipv6Address": "2600:1F18:AA00:102:0:0:0:10"}]}]}]}]},
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_text(json.dumps(data))
    return folder


def test_import_aws_reads_ipv6_blocks_addresses_rules_routes_and_egress_only_gateways(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    folder = _aws_snapshot(tmp_path / "snap")
    design, warnings = snapshot_to_design(folder)
    assert design["vpcs"]["vpc-1"]["ipv6_cidrs"] == ["2600:1f18:aa00:100::/56"]  # not the disassociated one
    assert design["subnets"]["subnet-dual"]["ipv6_cidr"] == "2600:1f18:aa00:101::/64"
    assert "cidr" not in design["subnets"]["subnet-six"]  # IPv6-only (Ipv6Native)
    assert design["egress_only_internet_gateways"] == {"eigw-1": {"aws_id": "eigw-1", "vpc": "vpc-1"}}
    assert design["route_tables"]["rtb-1"]["routes"] == [
        {"destination": "::/0", "egress_only_internet_gateway": "eigw-1"}]  # the IPv6 local route is implicit
    acl = design["network_acls"]["acl-1"]
    assert [(r["rule"], r["cidr"]) for r in acl["inbound"]] == [(100, "0.0.0.0/0"), (101, "::/0")]  # no 32768
    web = design["security_groups"]["web"]
    assert web["ingress"] == [{"protocol": "tcp", "ports": 22, "cidr": "::/0"}]
    (eni,) = design["instances"]["i-1"]["interfaces"] if "interfaces" in design["instances"]["i-1"] else \
        [design["instances"]["i-1"]]
    assert eni["ipv6_addresses"] == ["2600:1f18:aa00:102::10"]  # RFC 5952 form
    assert "aws-ipv6" not in {w.code for w in warnings}
    # ... and it loads and traces: out by the egress-only gateway, nothing in.
    net = vpcsim.load(folder)
    assert net.trace("i-1", "internet6", 443).reachable
    # In by the VPC's internet gateway, but the reply leaves by the egress-only gateway, which drops it.
    assert net.trace("internet6", "i-1", 22).disposition.value == "RETURN_BLOCKED"


# -- Terraform --------------------------------------------------------------------------------------


def _tf_resource(rtype: str, name: str, values: dict[str, object]) -> dict[str, object]:
    return {"address": f"{rtype}.{name}", "mode": "managed", "type": rtype, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0, "values": values}


def test_terraform_reads_the_ipv6_arguments(tmp_path: Path) -> None:
    import json

    from vpcsim.importers.terraform import terraform_to_design

    resources = [
        _tf_resource("aws_vpc", "main", {"id": "vpc-1", "cidr_block": "10.0.0.0/16",
                                         "ipv6_cidr_block": "2600:1f18:cc00:100::/56"}),
        _tf_resource("aws_subnet", "dual", {"id": "subnet-1", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24",
                                            "ipv6_cidr_block": "2600:1f18:cc00:101::/64",
                                            "availability_zone": "us-east-1a"}),
        _tf_resource("aws_subnet", "six", {"id": "subnet-2", "vpc_id": "vpc-1", "cidr_block": None, "ipv6_native": True,
                                           "ipv6_cidr_block": "2600:1f18:cc00:102::/64",
                                           "availability_zone": "us-east-1a"}),
        _tf_resource("aws_egress_only_internet_gateway", "eigw", {"id": "eigw-1", "vpc_id": "vpc-1"}),
        _tf_resource("aws_route_table", "private", {"id": "rtb-1", "vpc_id": "vpc-1", "route": [
            {"cidr_block": "", "ipv6_cidr_block": "::/0", "egress_only_gateway_id": "eigw-1", "gateway_id": "",
             "nat_gateway_id": ""}]}),
        _tf_resource("aws_route_table_association", "six", {"id": "rtbassoc-1", "route_table_id": "rtb-1",
                                                            "subnet_id": "subnet-2"}),
        _tf_resource("aws_security_group", "web", {"id": "sg-1", "vpc_id": "vpc-1", "ingress": [
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": [],
             "ipv6_cidr_blocks": ["::/0"], "security_groups": [], "self": False}],
            "egress": [{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"],
                        "ipv6_cidr_blocks": ["::/0"], "security_groups": [], "self": False}]}),
        _tf_resource("aws_network_acl_rule", "six_in", {"network_acl_id": "acl-1", "rule_number": 101, "egress": False,
                                                        "protocol": "-1", "rule_action": "allow",
                                                        "ipv6_cidr_block": "::/0"}),
        _tf_resource("aws_instance", "box", {"id": "i-1", "subnet_id": "subnet-2", "instance_state": "running",
                                             "vpc_security_group_ids": ["sg-1"],
                                             "ipv6_addresses": ["2600:1f18:cc00:102::10"]}),
    ]
    state = {"format_version": "0.2", "terraform_version": "1.5.0", "values": {"root_module": {"resources": resources}}}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    design, warnings = terraform_to_design(path)
    assert design["vpcs"]["main"]["ipv6_cidrs"] == ["2600:1f18:cc00:100::/56"]
    assert design["subnets"]["dual"]["ipv6_cidr"] == "2600:1f18:cc00:101::/64"
    assert "cidr" not in design["subnets"]["six"] and design["subnets"]["six"]["ipv6_cidr"] == "2600:1f18:cc00:102::/64"
    assert list(design["egress_only_internet_gateways"]) == ["eigw"]
    assert design["route_tables"]["private"]["routes"][0]["egress_only_internet_gateway"] == "eigw"
    assert design["route_tables"]["private"]["routes"][0]["destination"] == "::/0"
    assert {"protocol": "tcp", "ports": 443, "cidr": "::/0"} in [
        {k: v for k, v in r.items() if k != "description"} for r in design["security_groups"]["web"]["ingress"]]
    box = design["instances"]["box"]
    assert box["ipv6_addresses"] == ["2600:1f18:cc00:102::10"] and "private_ip" not in box
    assert "tf-ipv6" not in {w.code for w in warnings}
    net = vpcsim.load(path)
    assert net.trace("box", "internet6", 443).reachable


NAT64 = """\
version: 1
region: eu-west-1
vpcs:
  v: {cidrs: [10.0.0.0/16], ipv6_cidrs: ["2600:1f18:3::/56"]}
subnets:
  pub: {vpc: v, cidr: 10.0.0.0/24, ipv6_cidr: "2600:1f18:3:0::/64", az: eu-west-1a, route_table: pub}
  six: {vpc: v, ipv6_cidr: "2600:1f18:3:1::/64", az: eu-west-1a, route_table: six, enable_dns64: DNS64}
route_tables:
  pub: {vpc: v, routes: [{destination: 0.0.0.0/0, internet_gateway: igw}]}
  six: {vpc: v, routes: [{destination: "64:ff9b::/96", nat_gateway: nat}]}
internet_gateways:
  igw: {vpc: v}
nat_gateways:
  nat: {subnet: pub, elastic_ip: 192.0.2.30, private_ip: 10.0.0.5}
security_groups:
  out: {vpc: v, egress: [{protocol: all, cidr: "::/0"}]}
instances:
  box: {subnet: six, security_groups: [out]}
"""


@pytest.mark.parametrize("dns64", [True, False])
def test_dns64_sends_an_ipv6_only_client_to_ipv4_by_nat64(tmp_path: Path, dns64: bool) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(NAT64.replace("DNS64", str(dns64).lower()))
    net = vpcsim.load(path)
    if not dns64:
        # Without DNS64 the name has no IPv6 address for it: the client cannot ask for IPv4.
        with pytest.raises(vpcsim.EndpointError, match="'box' has no IPv4 address"):
            net.trace("box", "198.51.100.10", 443)
        return
    result = net.trace("box", "198.51.100.10", 443)
    assert result.reachable and result.flow.dst_ip == "64:ff9b::c633:640a"
    assert [h.name for h in result.forward if h.kind in ("nat_gateway", "internet_gateway")] == ["nat", "igw"]
    seen = next(h for h in result.forward if h.kind == "internet")
    assert (seen.packet.src, seen.packet.dst) == ("192.0.2.30", "198.51.100.10")


def test_ipv6_across_a_peering(tmp_path: Path) -> None:
    text = """\
version: 1
region: eu-west-1
vpcs:
  a: {cidrs: [10.1.0.0/16], ipv6_cidrs: ["2600:1f18:a::/56"]}
  b: {cidrs: [10.2.0.0/16], ipv6_cidrs: ["2600:1f18:b::/56"]}
subnets:
  sa: {vpc: a, cidr: 10.1.1.0/24, ipv6_cidr: "2600:1f18:a:1::/64", az: eu-west-1a, route_table: ra}
  sb: {vpc: b, cidr: 10.2.1.0/24, ipv6_cidr: "2600:1f18:b:1::/64", az: eu-west-1a, route_table: rb}
route_tables:
  ra: {vpc: a, routes: [{destination: "2600:1f18:b::/56", peering: ab}]}
  rb: {vpc: b, routes: [{destination: "2600:1f18:a::/56", peering: ab}]}
peerings:
  ab: {requester: a, accepter: b}
instances:
  x: {subnet: sa, private_ip: 10.1.1.10, ipv6_addresses: ["2600:1f18:a:1::10"]}
  y: {subnet: sb, private_ip: 10.2.1.10, ipv6_addresses: ["2600:1f18:b:1::10"]}
"""
    path = tmp_path / "d.yaml"
    path.write_text(text)
    net = vpcsim.load(path)
    # The default groups admit their own members only, so open y's group to x's IPv6 address.
    six = net.trace("2600:1f18:a:1::10", "2600:1f18:b:1::10", 22)
    assert [h.kind for h in six.forward].count("peering") == 1
    assert six.blocked_by and six.blocked_by[0].code.value == "ENI_SG_RULES_MISMATCH"  # routed, then filtered
    # Over IPv4 there is no route at all (only the IPv6 blocks are peered here).
    assert net.trace("x", "y", 22).disposition.value == "NO_ROUTE"


def test_a_delegated_ipv6_prefix_belongs_to_its_interface(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text(EIGW_ONLY.replace("  box: {subnet: six, security_groups: [open]}",
                                      '  box: {subnet: six, security_groups: [open], ipv6_prefixes: ["2600:1f18:2:1:9::/80"]}')
                    .replace('route_tables:\n  rt: {vpc: v, routes: [{destination: "::/0", egress_only_internet_gateway: eigw}]}',
                             'route_tables:\n  rt: {vpc: v, routes: [{destination: "::/0", internet_gateway: igw}]}\n'
                             'internet_gateways:\n  igw: {vpc: v}'))
    net = vpcsim.load(path)
    inside = net.trace("internet6", "2600:1f18:2:1:9::abc", 22)  # an address of the /80
    assert inside.reachable and inside.forward[-1].name == "box"
    assert net.trace("2600:1f18:2:1:9::abc", "internet6", 443).reachable  # it sends from it too
    outside = net.trace("internet6", "2600:1f18:2:1:8::abc", 22)
    assert outside.blocked_by[0].code.value == "DESTINATION_ADDRESS_UNASSIGNED"
    bad = tmp_path / "bad.yaml"
    bad.write_text(path.read_text().replace("2600:1f18:2:1:9::/80", "2600:1f18:2:2:9::/80"))
    assert any("ipv6-prefix-outside-subnet: interface box.eth0: IPv6 prefix 2600:1f18:2:2:9::/80 is outside" in e
               for e in errors(bad))


def test_ipv6_across_a_transit_gateway(tmp_path: Path) -> None:
    # A VPC attachment propagates the VPC's IPv6 blocks too: the gateway's tables hold both families.
    text = """\
version: 1
region: eu-west-1
vpcs:
  a: {cidrs: [10.1.0.0/16], ipv6_cidrs: ["2600:1f18:a::/56"]}
  b: {cidrs: [10.2.0.0/16], ipv6_cidrs: ["2600:1f18:b::/56"]}
subnets:
  sa: {vpc: a, cidr: 10.1.1.0/24, ipv6_cidr: "2600:1f18:a:1::/64", az: eu-west-1a, route_table: ra}
  sb: {vpc: b, cidr: 10.2.1.0/24, ipv6_cidr: "2600:1f18:b:1::/64", az: eu-west-1a, route_table: rb}
transit_gateways:
  hub:
    default_association_table: shared
    default_propagation_table: shared
    route_tables: {shared: {}}
    attachments:
      a: {vpc: a, subnets: [sa]}
      b: {vpc: b, subnets: [sb]}
route_tables:
  ra: {vpc: a, routes: [{destination: "::/0", transit_gateway: hub}, {destination: 10.0.0.0/8, transit_gateway: hub}]}
  rb: {vpc: b, routes: [{destination: "::/0", transit_gateway: hub}, {destination: 10.0.0.0/8, transit_gateway: hub}]}
security_groups:
  open:
    vpc: b
    ingress: [{protocol: tcp, ports: 22, cidr: 10.0.0.0/8}, {protocol: tcp, ports: 22, cidr: "2600:1f18:a::/56"}]
instances:
  x: {subnet: sa, private_ip: 10.1.1.10, ipv6_addresses: ["2600:1f18:a:1::10"]}
  y: {subnet: sb, private_ip: 10.2.1.10, ipv6_addresses: ["2600:1f18:b:1::10"], security_groups: [open]}
"""
    path = tmp_path / "d.yaml"
    path.write_text(text)
    net = vpcsim.load(path)
    four = net.trace("x", "y", 22)
    six = net.trace("2600:1f18:a:1::10", "2600:1f18:b:1::10", 22)
    assert four.reachable and six.reachable, (four.blocked_by, six.blocked_by)
    assert any(h.name == "hub" for h in six.forward)


def test_diff_shows_what_ipv6_opens(capsys: pytest.CaptureFixture[str]) -> None:
    # The pull request that adds IPv6 to nat-bastion: on IPv4 nothing new is open to the internet,
    # on IPv6 app-a is, through the route and the rule that cause it.
    nat_bastion = str(ROOT / "scenarios" / "nat-bastion.yaml")
    main(["diff", "--before", nat_bastion, "--after", DUAL, "--json"])
    import json

    doc = json.loads(capsys.readouterr().out)
    (change,) = [c for c in doc["exposure"]]
    assert change["subject"] == "app-a (IPv6)" and change["opened"]["tcp"] == [[22, 22]]
    assert any("route table private-a: ::/0 -> internet_gateway corp-igw" in v for v in change["opened_via"])


def test_diff_shows_the_flows_ipv6_opens_between_instances() -> None:
    # Between instances too: the IPv6 matrix of each side, set differences, and one IPv6 flow
    # traced for the settings it passes (the ::/0 rule that opens it).
    from vpcsim.diff import plan_diff

    before, after = vpcsim.load(ROOT / "scenarios" / "nat-bastion.yaml"), vpcsim.load(DUAL)
    diff = plan_diff(before, after)
    six = {c.subject: c for c in diff.flows if c.subject.endswith(" (IPv6)")}
    want = after.reach(family="ipv6").cells
    assert set(six) == {f"{a} → {b} (IPv6)" for (a, b) in want if a != b}  # nat-bastion has no IPv6
    change = six["app-a → app-b (IPv6)"]
    # (and the app group's ping from the VPC's IPv6 block: icmpv6 type 128)
    assert change.opened == want[("app-a", "app-b")].any == Traffic.parse("tcp/22") | Traffic.parse("icmpv6/128")
    assert not change.closed
    assert any("tcp 22 ::/0" in v and "dual-stack.yaml:110:9" in v for v in change.opened_via)
    assert any("-> local (longest prefix match for 2600:" in v for v in change.opened_via)
    # The other way round, the same flows close; and a network against itself changes nothing.
    back = plan_diff(after, before)
    assert {c.subject for c in back.flows if c.closed and c.subject.endswith("(IPv6)")} == set(six)
    assert not plan_diff(after, after).flows


def test_reach_from_the_ipv6_internet(capsys: pytest.CaptureFixture[str]) -> None:
    # The matrix over IPv6 (tests/test_analyse.py checks it against check.Engine).
    assert main(["reach", "--design", DUAL, "--from", "internet6", "--text"]) == 0
    out = capsys.readouterr().out
    assert "over IPv6" in out and "internet6 -> app-a: tcp 22" in out and "app-b" not in out
    assert main(["reach", "--design", DUAL, "--family", "ipv6", "--from", "bastion", "--json"]) == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    assert doc["family"] == "ipv6" and {c["to"] for c in doc["cells"]} == {"app-a", "app-b"}
    assert main(["reach", "--design", DUAL, "--from", "internet6", "--family", "ipv4"]) == 2
    assert "internet6 is the IPv6 internet" in capsys.readouterr().err
    assert main(["reach", "--design", DUAL, "--family", "either", "--from", "app-a", "--text"]) == 0
    out = capsys.readouterr().out
    # app-a -> app-b is open over IPv6 only (::/0 on tcp 22): the either matrix has it.
    assert "over either family" in out and "app-a -> app-b: tcp 22" in out
    with pytest.raises(SystemExit) as exc:
        main(["reach", "--design", DUAL, "--family", "v6"])
    assert exc.value.code == 2 and "invalid choice: 'v6'" in capsys.readouterr().err
