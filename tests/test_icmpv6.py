"""ICMPv6 (protocol 58) as a first-class protocol: rules by type and code, the walk, replies, NAT64, lint.

AWS behaviour: security group rules name `icmpv6` with the type in FromPort and the code in
ToPort, -1 for all, "If you specify all ICMP/ICMPv6 types, you must specify all ICMP/ICMPv6
codes" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html); a NACL
entry for protocol 58 with an IPv4 CIDR admits every type whatever it names
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html); an
`icmp` rule with an IPv6 CIDR does nothing for ICMPv6 (hashicorp/terraform-provider-aws#9569).
Echo request 128 is answered by echo reply 129 (RFC 4443 section 4); NAT64 translates ICMPv6 to
ICMP and back (RFC 7915 sections 4.2 and 5.2); packet too big is type 2
(https://docs.aws.amazon.com/vpc/latest/userguide/path_mtu_discovery.html).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vpcsim
import vpcsim.analyse
from vpcsim.cli import main
from vpcsim.errors import DesignError
from vpcsim.lint import lint
from vpcsim.network import Network
from vpcsim.results import Disposition
from vpcsim.traffic import Traffic, TrafficKind

ROOT = Path(__file__).resolve().parents[1]
DUAL = str(ROOT / "scenarios" / "dual-stack.yaml")

DESIGN = """\
version: 1
region: eu-west-1
availability_zones: [eu-west-1a]
vpcs:
  v: {{cidrs: [10.0.0.0/16], ipv6_cidrs: ["2600:1f18:1::/56"]}}
subnets:
  pub:
    vpc: v
    cidr: 10.0.0.0/24
    ipv6_cidr: "2600:1f18:1::/64"
    az: eu-west-1a
    route_table: rt
    network_acl: acl
route_tables:
  rt:
    vpc: v
    routes:
      - {{destination: 0.0.0.0/0, internet_gateway: igw}}
      - {{destination: "::/0", internet_gateway: igw}}
internet_gateways:
  igw: {{vpc: v}}
network_acls:
  acl:
    vpc: v
    inbound:
{inbound}
      - {{rule: 200, action: allow, protocol: all, cidr: "::/0"}}
      - {{rule: 210, action: allow, protocol: all, cidr: 0.0.0.0/0}}
    outbound:
      - {{rule: 200, action: allow, protocol: all, cidr: "::/0"}}
      - {{rule: 210, action: allow, protocol: all, cidr: 0.0.0.0/0}}
security_groups:
  web:
    vpc: v
    ingress:
{ingress}
    egress:
      - {{protocol: all, cidr: "::/0"}}
      - {{protocol: all, cidr: 0.0.0.0/0}}
instances:
  web-a:
    subnet: pub
    private_ip: 10.0.0.10
    public_ip: 203.0.113.10
    ipv6_addresses: ["2600:1f18:1::10"]
    security_groups: [web]
"""

ECHO6 = '      - {protocol: icmpv6, icmp_type: 128, cidr: "::/0"}'
TCP443 = '      - {protocol: tcp, ports: 443, cidr: "::/0"}'


def write(tmp_path: Path, *, inbound: str = "", ingress: str = ECHO6, name: str = "d.yaml") -> Path:
    path = tmp_path / name
    path.write_text(DESIGN.format(inbound=inbound, ingress=ingress or "      []"))
    return path


def net_of(tmp_path: Path, **kw: str) -> Network:
    return vpcsim.load(write(tmp_path, **kw))


# -- the design language --------------------------------------------------------------------------


def test_icmpv6_rules_carry_types_and_codes(tmp_path: Path) -> None:
    net = net_of(tmp_path, ingress="\n".join([
        ECHO6,
        '      - {protocol: 58, icmp_type: 1, icmp_code: 4, cidr: "::/0"}',
        '      - {protocol: ICMPv6, icmp_type: 2, icmp_code: -1, cidr: "::/0"}',
    ]))
    rules = net.design.security_groups["web"].ingress
    assert [(r.protocol, r.port_lo, r.port_hi) for r in rules] == [
        (58, 128 * 256, 128 * 256 + 255), (58, 1 * 256 + 4, 1 * 256 + 4), (58, 2 * 256, 2 * 256 + 255)]
    assert net.trace("internet6", "web-a", 128, "icmpv6").reachable
    assert net.trace("internet6", "web-a", 1, "icmpv6", icmp_code=4).reachable
    assert not net.trace("internet6", "web-a", 1, "icmpv6", icmp_code=3).reachable
    assert not net.trace("internet6", "web-a", 129, "icmpv6").reachable  # a rule for 128 is not all of ICMPv6


def test_an_icmpv6_rule_without_a_type_is_every_type(tmp_path: Path) -> None:
    net = net_of(tmp_path, ingress='      - {protocol: icmpv6, cidr: "::/0"}')
    assert all(net.trace("internet6", "web-a", t, "icmpv6").reachable for t in (1, 2, 128, 200))


@pytest.mark.parametrize(("rule", "message"), [
    ('{protocol: icmpv6, icmp_type: 256, cidr: "::/0"}', "icmp_type: 256 is out of range (expected -1-255)"),
    ('{protocol: icmpv6, icmp_type: 128, icmp_code: 300, cidr: "::/0"}',
     "icmp_code: 300 is out of range (expected -1-255)"),
    ('{protocol: icmpv6, icmp_type: -1, icmp_code: 4, cidr: "::/0"}',
     "icmp_code 4 with icmp_type -1 (all types): AWS requires all codes (-1) with all types"),
    ('{protocol: icmpv6, ports: 128, cidr: "::/0"}', "icmpv6 rules take icmp_type/icmp_code, not ports"),
    ('{protocol: tcp, ports: 22, icmp_type: 128, cidr: "::/0"}', "icmp_type is only for icmp and icmpv6 rules"),
])
def test_bad_icmpv6_rules_are_located_errors(tmp_path: Path, rule: str, message: str) -> None:
    path = write(tmp_path, ingress=f"      - {rule}")
    with pytest.raises(DesignError) as info:
        vpcsim.load(path)
    [diag] = [d for d in info.value.diagnostics if d.severity.value == "error"]
    assert message in diag.message
    assert diag.location is not None and diag.location.file == str(path)
    line = path.read_text().splitlines()[diag.location.line - 1]
    assert rule in line


def test_icmp_with_an_ipv6_cidr_is_warned_and_matches_no_icmpv6(tmp_path: Path) -> None:
    net = net_of(tmp_path, ingress='      - {protocol: icmp, icmp_type: 8, cidr: "::/0"}')
    [warning] = [w for w in net.warnings if w.code == "icmp-family"]
    assert "protocol icmp (1) with IPv6 CIDR ::/0 matches no ICMPv6 traffic" in warning.message
    assert warning.location is not None and (warning.location.line, warning.location.col) == (36, 46)  # its cidr
    # A rule for ICMP (1) must not match an ICMPv6 packet, whichever type.
    for kind in (8, 128):
        assert not net.trace("internet6", "web-a", kind, "icmpv6").reachable
    assert not net.trace("internet6", "web-a", 0, "icmpv6").reachable


def test_an_icmpv6_nacl_rule_for_ipv4_ignores_its_types(tmp_path: Path) -> None:
    """AWS: protocol 58 with an IPv4 CIDR block admits every ICMP type and code, whatever it names."""
    net = net_of(tmp_path, inbound='      - {rule: 10, action: deny, protocol: icmpv6, icmp_type: 128, '
                                   'cidr: 0.0.0.0/0}')
    [warning] = [w for w in net.warnings if w.code == "icmp-family"]
    assert "AWS ignores its icmp_type/icmp_code and matches every type" in warning.message
    [rule] = [r for r in net.design.network_acls["acl"].inbound if r.number == 10]
    assert (rule.protocol, rule.port_lo, rule.port_hi) == (58, 0, 65535)
    # ... and it is no rule for IPv6 traffic: ICMPv6 over IPv6 still passes by rule 200.
    assert net.trace("internet6", "web-a", 128, "icmpv6").reachable


def test_icmpv6_security_group_rule_for_ipv4_is_warned(tmp_path: Path) -> None:
    net = net_of(tmp_path, ingress="      - {protocol: icmpv6, icmp_type: 128, cidr: 0.0.0.0/0}")
    assert any(w.code == "icmp-family" and "protocol icmpv6 (58) with IPv4 CIDR 0.0.0.0/0" in w.message
               for w in net.warnings)
    assert not net.trace("internet6", "web-a", 128, "icmpv6").reachable


# -- the walk and the replies -----------------------------------------------------------------------


def test_echo_request_is_answered_by_echo_reply(tmp_path: Path) -> None:
    # The NACL denies inbound echo replies (129): web-a's own ping out fails on the way back, the
    # internet's ping in (request 128 in, reply 129 out) does not.
    net = net_of(tmp_path, inbound='      - {rule: 10, action: deny, protocol: icmpv6, icmp_type: 129, '
                                   'cidr: "::/0"}')
    inbound = net.trace("internet6", "web-a", 128, "icmpv6")
    assert inbound.disposition is Disposition.ACCEPTED
    assert inbound.return_path[0].packet.dst_ports == ((129 * 256, 129 * 256),)
    out = net.trace("web-a", "internet6", 128, "icmpv6")
    assert out.disposition is Disposition.RETURN_BLOCKED
    [blocker] = out.blocked_by
    assert "icmpv6 type 129 code 0" in blocker.detail and blocker.location is not None
    assert blocker.location.line == 26


def test_node_information_query_is_answered_by_its_reply(tmp_path: Path) -> None:
    net = net_of(tmp_path, inbound='      - {rule: 10, action: deny, protocol: icmpv6, icmp_type: 140, '
                                   'cidr: "::/0"}')
    assert net.trace("web-a", "internet6", 139, "icmpv6").disposition is Disposition.RETURN_BLOCKED
    assert net.trace("web-a", "internet6", 128, "icmpv6").reachable


def test_step_texts_name_icmpv6_types(tmp_path: Path) -> None:
    result = net_of(tmp_path).trace("internet6", "web-a", 128, "icmpv6")
    details = [s.detail for h in result.forward for s in h.steps]
    assert any("security group web: icmpv6 type 128 ::/0" in d for d in details), details
    assert result.forward[0].packet.protocol == "icmpv6"


def test_icmp_types_out_of_range_and_codes_for_other_protocols_are_usage_errors(tmp_path: Path) -> None:
    net = net_of(tmp_path)
    with pytest.raises(vpcsim.UsageError, match="icmpv6 type 300 is out of range"):
        net.trace("internet6", "web-a", 300, "icmpv6")
    with pytest.raises(vpcsim.UsageError, match="needs protocol icmp or icmpv6"):
        net.trace("internet6", "web-a", 443, "tcp", icmp_code=0)


def test_nat64_translates_icmpv6_echo_to_icmp_and_back() -> None:
    net = vpcsim.load(DUAL)
    result = net.trace("app-a", "64:ff9b::c633:640a", 128, "icmpv6")
    assert result.reachable
    nat = [h for h in result.forward if h.kind == "nat_gateway"][0]
    assert (nat.packet.protocol, nat.packet.dst_ports) == ("icmp", ((8 * 256, 8 * 256),))
    assert "icmpv6 type 128 code 0 -> icmp type 8 code 0" in nat.steps[-1].detail
    back = [h for h in result.return_path if h.kind == "nat_gateway"][0]
    assert (back.packet.protocol, back.packet.dst_ports) == ("icmpv6", ((129 * 256, 129 * 256),))
    # Packet too big (2) becomes fragmentation needed (3/4); neighbour solicitation has no ICMP twin.
    big = net.trace("app-a", "64:ff9b::c633:640a", 2, "icmpv6")
    assert [h for h in big.forward if h.kind == "nat_gateway"][0].packet.dst_ports == ((3 * 256 + 4,) * 2,)
    ns = net.trace("app-a", "64:ff9b::c633:640a", 135, "icmpv6")
    assert not ns.reachable and "has no ICMP counterpart" in ns.blocked_by[0].detail
    # ICMP (1) in an IPv6 packet is not ICMPv6: NAT64 does not carry it.
    v4 = net.trace("app-a", "64:ff9b::c633:640a", 8, "icmp")
    assert not v4.reachable and "carries only TCP, UDP and ICMPv6 (NAT64)" in v4.blocked_by[0].detail


def test_the_cli_traces_icmpv6(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write(tmp_path))
    assert main(["trace", "--design", path, "-p", "icmpv6", "internet6", "web-a", "128"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("REACHABLE: icmpv6 internet6 (2001:4860:4860::8888) -> web-a (2600:1f18:1::10) type 128 ")
    assert "icmpv6 type 128 ::/0" in out
    assert main(["trace", "--design", path, "-p", "icmpv6", "--icmp-type", "129", "internet6", "web-a"]) == 0
    assert "NOT REACHABLE" in capsys.readouterr().out  # (trace exits 0 either way: docs/trace.md)
    assert main(["trace", "--design", path, "-p", "58", "--icmp-type", "128", "internet6", "web-a", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["flow"]["protocol"] == "icmpv6"
    assert out["reachable"] is True


# -- lint -------------------------------------------------------------------------------------------


def test_vpc033_flags_a_nacl_that_drops_packet_too_big(tmp_path: Path) -> None:
    path = write(tmp_path, inbound='      - {rule: 10, action: deny, protocol: icmpv6, icmp_type: 2, cidr: "::/0"}')
    [finding] = lint(vpcsim.load(path)).by_rule("VPC033")
    assert "drops inbound ICMPv6 type 2 (packet too big)" in finding.message and "by rule 10" in finding.message
    assert finding.location is not None and finding.location.line == 26
    # Admitting type 2 first (or not denying it) clears it; an ICMP (1) 3/4 rule does not.
    ok = write(tmp_path, name="ok.yaml", inbound='      - {rule: 5, action: allow, protocol: icmpv6, '
               'icmp_type: 2, cidr: "::/0"}\n      - {rule: 10, action: deny, protocol: icmpv6, cidr: "::/0"}')
    assert not lint(vpcsim.load(ok)).by_rule("VPC033")
    v4 = write(tmp_path, name="v4.yaml", inbound='      - {rule: 5, action: allow, protocol: icmp, icmp_type: 3, '
               'icmp_code: 4, cidr: "::/0"}\n      - {rule: 10, action: deny, protocol: icmpv6, cidr: "::/0"}')
    assert lint(vpcsim.load(v4)).by_rule("VPC033")


def test_vpc033_leaves_neighbour_discovery_and_ipv4_only_subnets_alone(tmp_path: Path) -> None:
    # Denying every ICMPv6 type but 2 (neighbour discovery included) is not VPC033's business.
    path = write(tmp_path, inbound='      - {rule: 5, action: allow, protocol: icmpv6, icmp_type: 2, cidr: "::/0"}\n'
                                   '      - {rule: 10, action: deny, protocol: icmpv6, cidr: "::/0"}')
    assert not lint(vpcsim.load(path)).by_rule("VPC033")
    four = tmp_path / "four.yaml"
    text = write(tmp_path, inbound='      - {rule: 10, action: deny, protocol: icmpv6, cidr: "::/0"}').read_text()
    four.write_text(text.replace('    ipv6_cidr: "2600:1f18:1::/64"\n', "").replace(
        '    ipv6_addresses: ["2600:1f18:1::10"]\n', ""))
    assert not lint(vpcsim.load(four)).by_rule("VPC033")


# -- the rule tables against a plain reference ------------------------------------------------------

_PEERS = ["::/0", "2001:db8::/32", "2001:db8:1::/48", "0.0.0.0/0"]
_TYPES = st.sampled_from([-1, 0, 1, 2, 128, 129, 255])
_CODES = st.sampled_from([None, -1, 0, 4, 255])


@st.composite
def _nacl_rules(draw: st.DrawFn) -> list[tuple[int, bool, str, str, int | None, int | None]]:
    out = []
    for number in sorted(draw(st.sets(st.integers(1, 500), max_size=7))):
        proto = draw(st.sampled_from(["icmpv6", "icmp", "all", "tcp", "58"]))
        icmp_type, code = draw(_TYPES), draw(_CODES)
        if icmp_type == -1 and code not in (None, -1):
            code = -1
        out.append((number, draw(st.booleans()), proto, draw(st.sampled_from(_PEERS)),
                    icmp_type if proto in ("icmpv6", "icmp", "58") else None,
                    code if proto in ("icmpv6", "icmp", "58") else None))
    return out


def _reference(rules: list[tuple[int, bool, str, str, int | None, int | None]], addr: str,
               icmp_type: int, code: int) -> int | None:
    """The first rule (its number) matching an ICMPv6 packet, read off the rules as written."""
    import ipaddress

    for number, _allow, proto, cidr, rtype, rcode in rules:
        if ipaddress.ip_address(addr) not in ipaddress.ip_network(cidr):
            continue  # (an IPv4 CIDR holds no IPv6 address)
        if proto == "all":
            return number
        if proto not in ("icmpv6", "58"):
            continue  # tcp, and ICMP (1): not ICMPv6
        if rtype in (None, -1) or (rtype == icmp_type and rcode in (None, -1, code)):
            return number
    return None


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_nacl_rules(), st.sampled_from(["2001:db8::1", "2001:db8:1::9", "2600::1"]),
       st.sampled_from([0, 1, 2, 128, 129, 255]), st.sampled_from([0, 4, 255]))
def test_icmpv6_first_match_against_a_plain_reference(
        tmp_path: Path, rules: list[tuple[int, bool, str, str, int | None, int | None]], addr: str,
        icmp_type: int, code: int) -> None:
    lines = []
    for number, allow, proto, cidr, rtype, rcode in rules:
        extra = "".join(f", {k}: {v}" for k, v in (("icmp_type", rtype), ("icmp_code", rcode)) if v is not None)
        lines.append(f'      - {{rule: {number}, action: {"allow" if allow else "deny"}, protocol: {proto}, '
                     f'cidr: "{cidr}"{extra}}}')
    body = textwrap.dedent("""\
        version: 1
        region: eu-west-1
        vpcs:
          v: {cidrs: [10.0.0.0/16], ipv6_cidrs: ["2600:1f18:1::/56"]}
        network_acls:
          acl:
            vpc: v
            inbound:
        """) + ("\n".join(lines) if lines else "      []") + "\n"
    path = tmp_path / "h.yaml"
    path.write_text(body)
    net = vpcsim.load(path)
    from vpcsim.model import parse_ip

    acl = net.nacl("acl").family(parse_ip(addr))
    index = acl.inbound.first_match(parse_ip(addr), 58, icmp_type * 256 + code)
    got = acl.inbound_rules[index] if index >= 0 else None
    assert (got.number if got is not None else None) == _reference(rules, addr, icmp_type, code)


# -- importers --------------------------------------------------------------------------------------

_SG_RULE = {"IpRanges": [], "Ipv6Ranges": [{"CidrIpv6": "::/0"}], "PrefixListIds": [], "UserIdGroupPairs": []}


def test_aws_import_reads_icmpv6_types_and_codes(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    files = {
        "Vpcs.json": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16",
                                "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18:1::/56"}]}]},
        "SecurityGroups.json": {"SecurityGroups": [{
            "GroupId": "sg-1", "GroupName": "web", "VpcId": "vpc-1",
            "IpPermissions": [
                {**_SG_RULE, "IpProtocol": "icmpv6", "FromPort": 128, "ToPort": -1},
                {**_SG_RULE, "IpProtocol": "58", "FromPort": 1, "ToPort": 4},
                {**_SG_RULE, "IpProtocol": "icmpv6"},  # no port range: every type and code
                {**_SG_RULE, "IpProtocol": "icmpv6", "FromPort": -1, "ToPort": -1,
                 "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},  # an IPv4 range matches no ICMPv6
            ],
            "IpPermissionsEgress": []}]},
        "NetworkAcls.json": {"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": False,
                                              "Associations": [], "Entries": [
            {"RuleNumber": 90, "Protocol": "58", "RuleAction": "deny", "Egress": False,
             "Ipv6CidrBlock": "::/0", "IcmpTypeCode": {"Type": 2, "Code": -1}},
            {"RuleNumber": 100, "Protocol": "58", "RuleAction": "allow", "Egress": False,
             "Ipv6CidrBlock": "::/0", "IcmpTypeCode": {"Type": 128, "Code": 0}},
        ]}]},
    }
    for name, data in files.items():
        (tmp_path / name).write_text(json.dumps(data, indent=1))
    design, warnings = snapshot_to_design(tmp_path)
    assert not [w for w in warnings if "icmpv6" in w.code.lower() or "ICMPv6" in w.message]
    assert design["security_groups"]["web"]["ingress"] == [
        {"protocol": "icmpv6", "icmp_type": 128, "cidr": "::/0"},
        {"protocol": "icmpv6", "icmp_type": 1, "icmp_code": 4, "cidr": "::/0"},
        {"protocol": "icmpv6", "cidr": "::/0"},
    ]
    inbound = design["network_acls"]["acl-1"]["inbound"]
    assert [(r["rule"], r["protocol"], r.get("icmp_type"), r.get("icmp_code")) for r in inbound] == [
        (90, "icmpv6", 2, None), (100, "icmpv6", 128, 0)]


def test_terraform_import_reads_icmpv6_types_and_codes(tmp_path: Path) -> None:
    from vpcsim.importers.terraform import terraform_to_design

    def res(kind: str, name: str, values: dict[str, object]) -> dict[str, object]:
        return {"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name, "values": values}

    state = {"format_version": "1.0", "terraform_version": "1.6.0", "values": {"root_module": {"resources": [
        res("aws_vpc", "main", {"id": "vpc-1", "cidr_block": "10.0.0.0/16", "ipv6_cidr_block": "2600:1f18:1::/56"}),
        res("aws_security_group", "web", {"id": "sg-1", "name": "web", "vpc_id": "vpc-1", "egress": [], "ingress": [
            {"protocol": "icmpv6", "from_port": 128, "to_port": -1, "cidr_blocks": ["0.0.0.0/0"],
             "ipv6_cidr_blocks": ["::/0"], "prefix_list_ids": [], "security_groups": [], "self": False,
             "description": ""}]}),
        res("aws_vpc_security_group_ingress_rule", "ptb",
            {"id": "sgr-1", "security_group_id": "sg-1", "ip_protocol": "58", "from_port": 2, "to_port": 0,
             "cidr_ipv6": "::/0"}),
        res("aws_network_acl", "acl", {"id": "acl-1", "vpc_id": "vpc-1", "subnet_ids": [], "ingress": [],
                                       "egress": []}),
        res("aws_network_acl_rule", "ptb", {"id": "r-1", "network_acl_id": "acl-1", "rule_number": 90, "egress": False,
                                            "protocol": "58", "rule_action": "deny", "icmp_type": 2,
                                            "icmp_code": 0, "ipv6_cidr_block": "::/0", "cidr_block": ""}),
    ]}}}
    path = tmp_path / "state.json"
    path.write_text(json.dumps(state))
    design, warnings = terraform_to_design(path)
    assert not [w for w in warnings if "icmpv6" in w.code]
    assert design["security_groups"]["web"]["ingress"] == [
        {"protocol": "icmpv6", "icmp_type": 128, "cidr": "::/0"},  # (its IPv4 block matches no ICMPv6)
        {"protocol": "icmpv6", "icmp_type": 2, "icmp_code": 0, "cidr": "::/0"},
    ]
    assert design["network_acls"]["acl"]["inbound"] == [
        {"rule": 90, "action": "deny", "protocol": "icmpv6", "icmp_type": 2, "icmp_code": 0, "cidr": "::/0"}]


# -- every analysis agrees with the trace ------------------------------------------------------------


def test_batch_and_reachable_agree_with_trace_on_every_icmpv6_type() -> None:
    """Network.reachable / verdicts read ICMPv6 off one recorded walk (NAT64: check.Engine): type by type
    they must say what the trace says, ICMP (1) apart from ICMPv6 (58)."""
    net = vpcsim.load(DUAL)
    pairs = [("app-a", "64:ff9b::c633:640a"), ("internet6", "app-a"), ("2600:1f18:7a00:5e00::10", "app-b"),
             ("2600:1f18:7a00:5e00::10", "2600:1f18:7a00:5e10::10"), ("app-b", "internet6")]
    flows = [(s, d, proto, t) for s, d in pairs for proto in ("icmpv6", "icmp") for t in range(256)]
    want = [net.trace(s, d, t, proto).reachable for s, d, proto, t in flows]
    assert [net.reachable(s, d, t, proto) for s, d, proto, t in flows] == want
    assert list(net.verdicts(flows)) == want
    assert any(want) and not all(want)


def test_exposure_and_reach_name_icmpv6(tmp_path: Path) -> None:
    net = net_of(tmp_path, ingress="\n".join([ECHO6, TCP443]))
    exposed = net.exposure()["web-a"]
    assert exposed.ipv6.describe() == "tcp 443; icmpv6 type 128"
    assert exposed.traffic.describe() == "nothing"  # IPv4: no rule
    [row] = net.exposure().to_json()["results"]
    assert row["ipv6"] == {"tcp": [[443, 443]], "icmpv6": [[128, 128]]}
    assert row["ipv6_text"] == "tcp 443; icmpv6 type 128"
    # reach: the IPv6 internet to the subnet, ICMPv6 by type.
    cell = vpcsim.analyse.reach(net, "internet6", None, by="subnet").cells
    assert [c.any.runs(TrafficKind.ICMPV6) for c in cell.values()] == [((128, 128),)]


def test_traffic_short_forms_know_icmpv6() -> None:
    assert Traffic.parse("icmpv6/128").runs(TrafficKind.ICMPV6) == ((128, 128),)
    assert Traffic.parse("58") == Traffic.parse("icmpv6") == Traffic.of(TrafficKind.ICMPV6, [(0, 255)])
    assert Traffic.parse("icmpv6").describe() == "icmpv6 (all types)"
    assert Traffic.parse("icmpv6/1-4,128").describe() == "icmpv6 types 1-4,128"
    assert not Traffic.parse("icmp") & Traffic.parse("icmpv6")  # two protocols
    assert (TrafficKind.IP, 58) not in Traffic.any() and (TrafficKind.ICMPV6, 2) in Traffic.any()
    with pytest.raises(ValueError, match="invalid icmp type '256'"):
        Traffic.parse("icmpv6/256")


def test_check_assertions_take_icmpv6(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    design = write(tmp_path)
    (tmp_path / "a.yaml").write_text(textwrap.dedent(f"""\
        version: 1
        design: {design.name}
        assertions:
          - id: ping6
            name: the IPv6 internet pings web-a
            from: internet6
            to: web-a
            traffic: {{protocol: icmpv6, icmp_type: 128}}
            expect: reachable
          - id: unreachable6
            name: ICMPv6 destination unreachable 1/4 does not get in
            from: internet6
            to: web-a
            traffic: icmpv6/1:4
            expect: reachable
        """))
    assert main(["check", str(design), str(tmp_path / "a.yaml"), "-f", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    results = {r["id"]: r for r in doc["assertions"]}
    assert results["ping6"]["passed"] is True
    assert results["ping6"]["traffic"] == "icmpv6 type 128"
    assert results["unreachable6"]["passed"] is False
    assert results["unreachable6"]["violations"][0]["traffic"] == {"icmpv6": [[1, 1]]}
    assert "admits icmpv6 type 1 code 4 from" in results["unreachable6"]["message"]


def test_an_icmpv6_only_finding_names_the_rule_that_admits_it(tmp_path: Path) -> None:
    [finding] = net_of(tmp_path).exposure()["web-a"].findings
    assert (finding.family, finding.traffic.describe()) == ("ipv6", "icmpv6 type 128")
    assert any("security group web ingress icmpv6 type 128 ::/0" in c for c in finding.causes), finding.causes


def test_egress_only_gateway_carries_a_ping_out_and_its_reply_back() -> None:
    net = vpcsim.load(DUAL)
    out = net.trace("app-b", "internet6", 128, "icmpv6")
    assert out.reachable and "corp-eigw" in {h.name for h in out.forward}
    assert out.return_path[0].packet.dst_ports == ((129 * 256, 129 * 256),)  # echo reply back by the session
    into = net.trace("internet6", "app-b", 128, "icmpv6")
    assert not into.reachable
    assert "RETURN_PATH_ASYMMETRIC" in {b.code.value for b in into.blocked_by}


def test_the_trace_says_when_an_icmp_protocol_is_not_its_familys() -> None:
    net = vpcsim.load(DUAL)
    # Two names talk IPv4: ICMPv6 then rides in IPv4 packets, which the first step says.
    first = net.trace("bastion", "app-a", 128, "icmpv6").forward[0].steps[0]
    assert first.detail.startswith("icmpv6 in an IPv4 packet")
    # ... and names the two IPv6 addresses that trace it over IPv6, which then gets through.
    assert first.detail.endswith("(here: 2600:1f18:7a00:5e00::10 -> 2600:1f18:7a00:5e10::10)")
    assert net.trace("2600:1f18:7a00:5e00::10", "2600:1f18:7a00:5e10::10", 128, "icmpv6").reachable
    first = net.trace("internet6", "app-a", 8, "icmp").forward[0].steps[0]
    assert first.detail.startswith("icmp (1) in an IPv6 packet")
    assert not any("packet:" in s.detail for s in net.trace("internet6", "app-a", 128, "icmpv6").forward[0].steps)
