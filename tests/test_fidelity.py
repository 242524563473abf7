"""Fidelity on real estates (issue 9): each verdict is AWS's, with the page it comes from.

DHCP options and the Amazon-provided services, secondary CIDR association restrictions, ICMP in
assertions and path-MTU discovery, route priority, addresses per private IP, regions, and gateway
route tables.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import Make

from vpcsim.errors import DesignError, Diagnostic, Severity
from vpcsim.loader.design import load_design
from vpcsim.results import Code, Disposition, StepKind, TraceResult


def pos(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of `needle`, which must occur once in the dedented `text`."""
    text = textwrap.dedent(text)
    assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times"
    index = text.index(needle)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def diagnostics(tmp_path: Path, text: str) -> list[Diagnostic]:
    path = tmp_path / "design.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    try:
        return list(load_design(path)[1])
    except DesignError as exc:
        return list(exc.diagnostics)


def only(found: list[Diagnostic], code: str) -> Diagnostic:
    hits = [d for d in found if d.code == code]
    assert len(hits) == 1, [d.format() for d in found]
    return hits[0]


def at(d: Diagnostic) -> tuple[int, int]:
    assert d.location is not None
    return d.location.line, d.location.col


def step_texts(result: TraceResult) -> list[str]:
    return [s.detail for h in result.forward + result.return_path for s in h.steps]


# -- 1. DHCP options sets and the Amazon-provided services ----------------------------------------
# Network ACLs and security groups do not filter traffic to or from Amazon DNS, DHCP, instance
# metadata, ECS task metadata, Windows license activation and the Amazon Time Sync Service:
# https://docs.aws.amazon.com/vpc/latest/userguide/nacl-basics.html and
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules.html. The Route 53
# Resolver answers at the VPC base + 2 and 169.254.169.253 when enableDnsSupport is true:
# https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html. A DHCP options set
# names AmazonProvidedDNS or custom servers:
# https://docs.aws.amazon.com/vpc/latest/userguide/VPC_DHCP_Options.html

DNS = """\
version: 1
region: us-east-1
vpcs:
  shop:
    cidrs: [10.0.0.0/16]
  corp:
    cidrs: [10.1.0.0/16]
    dhcp_options:
      name: corp-dns
      domain_name_servers: [10.1.2.10, AmazonProvidedDNS]
  nodns:
    cidrs: [10.2.0.0/16]
    enable_dns_support: false
subnets:
  web: {vpc: shop, cidr: 10.0.1.0/24, az: us-east-1a, network_acl: closed}
  corp-app: {vpc: corp, cidr: 10.1.1.0/24, az: us-east-1a}
  corp-dns: {vpc: corp, cidr: 10.1.2.0/24, az: us-east-1a, network_acl: corp-dns-acl}
  nodns-a: {vpc: nodns, cidr: 10.2.1.0/24, az: us-east-1a}
network_acls:
  closed: {vpc: shop}
  corp-dns-acl:
    vpc: corp
    inbound:
      - {rule: 100, action: allow, protocol: tcp, ports: 53, cidr: 10.1.0.0/16}
    outbound:
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
security_groups:
  locked: {vpc: shop, egress: []}
instances:
  web-a: {subnet: web, security_groups: [locked]}
  app: {subnet: corp-app}
  resolver: {subnet: corp-dns, private_ip: 10.1.2.10}
  lonely: {subnet: nodns-a}
"""


def test_amazon_dns_is_not_filtered_by_nacls_or_security_groups(make: Make) -> None:
    # web-a's NACL denies everything and its group has no egress rule: the resolver still answers.
    net = make(DNS)
    result = net.trace("web-a", "dns", 53, "udp")
    assert result.disposition is Disposition.ACCEPTED
    assert result.flow.dst_ip == "10.0.0.2"  # the base of 10.0.0.0/16 plus two
    assert not result.blocked_by
    kinds = {s.kind for h in result.forward for s in h.steps}
    assert StepKind.NACL_OUT not in kinds and StepKind.SG_EGRESS not in kinds
    first = result.forward[0].steps[0]
    assert first.detail.startswith("dns: vpc shop's DHCP options set names AmazonProvidedDNS")
    assert "nacl-basics.html" in first.detail
    assert [h.kind for h in result.return_path] == ["vpc_router", "eni"]


@pytest.mark.parametrize(("dst", "port", "proto", "service"), [
    ("169.254.169.253", 53, "udp", "Route 53 Resolver"),
    ("metadata", 80, "tcp", "instance metadata service"),
    ("169.254.169.254", 80, "tcp", "instance metadata service"),
    ("time-sync", 123, "udp", "Amazon Time Sync Service"),
    ("dhcp", 67, "udp", "DHCP"),
    ("169.254.170.2", 80, "tcp", "ECS task metadata endpoint"),
    ("169.254.169.250", 1688, "tcp", "Windows license activation"),
])
def test_every_amazon_service_of_the_nacl_list_passes_closed_filters(
        make: Make, dst: str, port: int, proto: str, service: str) -> None:
    result = make(DNS).trace("web-a", dst, port, proto)
    assert result.disposition is Disposition.ACCEPTED, result.blocked_by
    assert any(service in text and "do not filter" in text for text in step_texts(result))


def test_an_address_that_is_no_service_is_filtered(make: Make) -> None:
    # 10.0.0.3 is reserved but answers nothing: the locked group's missing egress rule applies.
    result = make(DNS).trace("web-a", "10.0.0.3", 53, "udp")
    assert result.disposition is not Disposition.ACCEPTED
    assert Code.SG_HAS_NO_RULES in {b.code for b in result.blocked_by}


def test_custom_dns_server_is_filtered_like_any_flow(make: Make) -> None:
    net = make(DNS)
    result = net.trace("app", "dns", 53, "udp")
    assert result.flow.dst_ip == "10.1.2.10"  # the first server of the options set
    assert result.disposition is Disposition.DENIED_IN
    assert [b.code for b in result.blocked_by] == [Code.SUBNET_ACL_RESTRICTION]  # corp-dns-acl: tcp 53 only
    note = result.forward[0].steps[0]
    assert note.detail.startswith("dns: vpc corp's DHCP options set corp-dns names the custom DNS server 10.1.2.10")
    assert "filtered by network ACLs and security groups" in note.detail
    assert note.location is not None and (note.location.line, note.location.col) == pos(DNS, "name: corp-dns")
    assert net.trace("app", "dns", 53, "tcp").disposition is Disposition.ACCEPTED


def test_dns_support_off_the_resolver_does_not_answer(make: Make) -> None:
    result = make(DNS).trace("lonely", "dns", 53, "udp")
    assert result.disposition is Disposition.NEIGHBOR_UNREACHABLE
    (blocker,) = result.blocked_by
    assert blocker.code is Code.DESTINATION_ADDRESS_UNASSIGNED
    assert "enable_dns_support: false" in blocker.detail
    assert blocker.location is not None and blocker.location.line == pos(DNS, "enable_dns_support")[0]


def test_dns_names_a_service_of_the_source(make: Make) -> None:
    from vpcsim import EndpointError

    with pytest.raises(EndpointError, match="names a service of the source's VPC"):
        make(DNS).trace("internet", "dns", 53, "udp")


def test_dns_attributes_and_options_in_the_model(make: Make) -> None:
    d = make(DNS).design
    assert d.vpcs["shop"].enable_dns_support and not d.vpcs["shop"].enable_dns_hostnames
    assert d.vpcs["shop"].dhcp_options.amazon_dns and not d.vpcs["shop"].dhcp_options.custom_dns
    corp = d.vpcs["corp"].dhcp_options
    assert corp.name == "corp-dns" and corp.dns_servers == (10 << 24 | 1 << 16 | 2 << 8 | 10, None)
    assert not d.vpcs["nodns"].enable_dns_support


def test_cli_trace_dns_says_which_case_applies(tmp_path: Path) -> None:
    path = tmp_path / "dns.yaml"
    path.write_text(DNS, encoding="utf-8")
    outputs = []
    for src in ("web-a", "app"):
        done = subprocess.run([sys.executable, "-c", "from vpcsim.cli import main; main()", "trace", "--design",
                               str(path), src, "dns", "53", "--protocol", "udp"],
                              capture_output=True, text=True, check=False)
        assert "Traceback" not in done.stderr
        outputs.append(done.stdout)
    assert outputs[0].startswith("REACHABLE: udp web-a (10.0.1.4) -> dns (10.0.0.2) port 53")
    assert "names AmazonProvidedDNS" in outputs[0]
    assert "names the custom DNS server 10.1.2.10" in outputs[1] and "DENY" in outputs[1]


@pytest.mark.parametrize(("vpc", "code", "needle"), [
    ("{cidrs: [10.0.0.0/16], enable_dns_support: false, enable_dns_hostnames: true}", "vpc-dns-hostnames",
     "enable_dns_hostnames"),
    ("{cidrs: [10.0.0.0/16], dhcp_options: {domain_name_servers: [10.0.0.10, 10.0.0.11, 10.0.0.12, 10.0.0.13, "
     "10.0.0.14]}}", "dhcp-options-servers", "{domain_name_servers"),
    ("{cidrs: [10.0.0.0/16], dhcp_options: {domain_name_servers: [10.0.0.300]}}", "address", "10.0.0.300"),
    ("{cidrs: [10.0.0.0/16], dhcp_options: {domain_name_servers: []}}", "type", "[]}"),
    ("{cidrs: [10.0.0.0/16], dhcp_options: {dns: [10.0.0.2]}}", "unknown-key", "dns:"),
    ("{cidrs: [10.0.0.0/16], enable_dns_support: maybe}", "type", "maybe"),
])
def test_dns_settings_errors_are_located(tmp_path: Path, vpc: str, code: str, needle: str) -> None:
    text = f"region: us-east-1\nvpcs:\n  v: {vpc}\n"
    found = only(diagnostics(tmp_path, text), code)
    assert found.severity is Severity.ERROR
    assert at(found) == pos(text, needle)


def test_amazon_dns_with_dns_support_off_is_a_warning(tmp_path: Path) -> None:
    text = "region: us-east-1\nvpcs:\n  v: {cidrs: [10.0.0.0/16], enable_dns_support: false}\n"
    found = only(diagnostics(tmp_path, text), "vpc-dns-disabled")
    assert found.severity is Severity.WARNING and at(found) == pos(text, "enable_dns_support")


# -- 2. secondary IPv4 CIDR association restrictions ----------------------------------------------
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html, "IPv4 CIDR block
# association restrictions": the range of the primary block decides which secondary blocks a VPC
# may add.

@pytest.mark.parametrize(("cidrs", "bad", "reason"), [
    ("10.0.0.0/16, 172.16.0.0/16", "172.16.0.0/16", "another RFC 1918 range than the primary's 10.0.0.0/8"),
    ("10.0.0.0/16, 192.168.0.0/20", "192.168.0.0/20", "another RFC 1918 range"),
    ("172.31.0.0/16, 10.5.0.0/16", "10.5.0.0/16", "another RFC 1918 range than the primary's 172.16.0.0/12"),
    ("10.1.0.0/16, 10.0.128.0/17", "10.0.128.0/17", "from 10.0.0.0/16, which a VPC with a CIDR block in 10.0.0.0/15"),
    ("198.19.0.0/16, 10.0.0.0/16", "10.0.0.0/16", "RFC 1918 range 10.0.0.0/8, which a VPC whose primary is in"),
    ("100.64.0.0/16, 192.168.0.0/16", "192.168.0.0/16", "publicly routable primary"),
    ("203.0.113.0/24, 172.20.0.0/16", "172.20.0.0/16", "publicly routable primary"),
])
def test_restricted_secondary_blocks_are_located_errors(tmp_path: Path, cidrs: str, bad: str, reason: str) -> None:
    text = f"region: us-east-1\nvpcs:\n  v:\n    cidrs: [{cidrs}]\n"
    found = only(diagnostics(tmp_path, text), "vpc-cidr-association")
    assert found.message.startswith(f"vpc v: secondary CIDR {bad} is from")
    assert reason in found.message and "add-cidr-block-restrictions" in found.message
    assert at(found) == pos(text, bad)


@pytest.mark.parametrize("cidrs", [
    "10.0.0.0/16, 10.1.0.0/16",  # same RFC 1918 range
    "10.0.0.0/16, 100.64.0.0/16",  # 100.64.0.0/10 is permitted with any primary
    "10.0.0.0/16, 203.0.113.0/24",  # a publicly routable block
    "172.31.0.0/16, 172.20.0.0/16",
    "198.19.0.0/16, 100.64.0.0/16",
    "100.64.0.0/16, 203.0.113.0/24",
    "10.2.0.0/16, 10.0.0.0/16",  # 10.2.0.0/16 is outside 10.0.0.0/15
    "10.0.0.0/16, 198.19.0.0/16",  # EKS's secondary range for pods
    "203.0.113.0/24, 198.19.0.0/16",
])
def test_permitted_secondary_blocks(tmp_path: Path, cidrs: str) -> None:
    text = f"region: us-east-1\nvpcs:\n  v:\n    cidrs: [{cidrs}]\n"
    assert "vpc-cidr-association" not in {d.code for d in diagnostics(tmp_path, text)}


# -- importer: describe-dhcp-options and describe-vpc-attribute -----------------------------------

def write_snapshot(folder: Path, files: dict[str, object]) -> Path:
    import json

    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_text(data if isinstance(data, str) else json.dumps(data, indent=1))
    return folder


def tiny_snapshot(**vpc: object) -> dict[str, object]:
    return {
        "Vpcs.json": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", **vpc}]},
        "Subnets.json": {"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24",
                                      "AvailabilityZone": "us-east-1a"}]},
    }


def test_import_dhcp_options_and_dns_attributes(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    files = {
        **tiny_snapshot(DhcpOptionsId="dopt-1"),
        "DhcpOptions.json": {"DhcpOptions": [{
            "DhcpOptionsId": "dopt-1", "Tags": [{"Key": "Name", "Value": "corp"}],
            "DhcpConfigurations": [
                {"Key": "domain-name", "Values": [{"Value": "corp.example"}]},
                {"Key": "domain-name-servers", "Values": [{"Value": "10.0.1.10"}, {"Value": "AmazonProvidedDNS"}]},
                {"Key": "netbios-node-type", "Values": [{"Value": "2"}]},
            ]}]},
        "vpc-1-dns-support.json": {"VpcId": "vpc-1", "EnableDnsSupport": {"Value": False}},
        "vpc-1-dns-hostnames.json": {"VpcId": "vpc-1", "EnableDnsHostnames": {"Value": False}},
    }
    folder = write_snapshot(tmp_path / "snap", files)
    design, _ = snapshot_to_design(folder)
    vpc = design["vpcs"]["vpc-1"]
    assert vpc["dhcp_options"] == {"aws_id": "dopt-1", "name": "corp", "domain_name": "corp.example",
                                   "domain_name_servers": ["10.0.1.10", "AmazonProvidedDNS"]}
    assert vpc["enable_dns_support"] is False and vpc["enable_dns_hostnames"] is False
    loaded, found = load_design(folder)
    model = loaded.vpcs["vpc-1"]
    assert model.dhcp_options.custom_dns == (10 << 24 | 1 << 8 | 10,) and not model.enable_dns_support
    assert "vpc-dns-disabled" in {d.code for d in found}


def test_import_options_set_not_in_the_snapshot_is_aws_default(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    design, _ = snapshot_to_design(write_snapshot(tmp_path / "snap", tiny_snapshot(DhcpOptionsId="dopt-9")))
    assert "dhcp_options" not in design["vpcs"]["vpc-1"]


def test_import_vpc_attribute_with_a_stray_key_is_located(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    files = {**tiny_snapshot(), "attr.json": {"VpcId": "vpc-1", "EnableDnsSupport": {"Value": True}, "Oops": 1}}
    with pytest.raises(DesignError) as info:
        snapshot_to_design(write_snapshot(tmp_path / "snap", files))
    (error,) = [d for d in info.value.diagnostics if d.severity is Severity.ERROR]
    assert error.code == "aws-unknown-key" and error.location is not None
    assert Path(error.location.file).name == "attr.json" and "'Oops'" in error.message


# -- 3. ICMP type and code in assertions; path MTU discovery ---------------------------------------
# Path MTU discovery needs ICMP type 3 code 4 ("fragmentation needed and DF set", RFC 1191) to
# reach the sender; "Path MTU Discovery ... To ensure that your instance can receive this
# message, you must add a Custom ICMP Rule with the Destination Unreachable protocol and the
# fragmentation required, and DF flag set code":
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network_mtu.html

PMTUD = """\
region: us-east-1
vpcs:
  v: {cidrs: [10.0.0.0/16]}
subnets:
  pub: {vpc: v, cidr: 10.0.1.0/24, az: us-east-1a, route_table: out, network_acl: %(acl)s}
route_tables:
  out:
    vpc: v
    routes:
      - {destination: 0.0.0.0/0, internet_gateway: igw}
internet_gateways:
  igw: {vpc: v}
network_acls:
  web-only:
    vpc: v
    inbound:
      - {rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
      - {rule: 200, action: deny, protocol: icmp, icmp_type: 3, cidr: 0.0.0.0/0}
    outbound:
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
  with-pmtud:
    vpc: v
    inbound:
      - {rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
      - {rule: 110, action: allow, protocol: icmp, icmp_type: 3, icmp_code: 4, cidr: 0.0.0.0/0}
    outbound:
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
security_groups:
  web:
    vpc: v
    ingress:
      - {protocol: icmp, icmp_type: 3, icmp_code: 4, cidr: 0.0.0.0/0}
      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
instances:
  web: {subnet: pub, public_ip: 203.0.113.10, security_groups: [web]}
"""


def test_lint_pmtud_names_the_rule_that_drops_type_3_code_4(make: Make) -> None:
    from vpcsim.lint import lint

    text = PMTUD % {"acl": "web-only"}
    report = lint(make(text), select=["VPC017"])
    (finding,) = report.findings
    assert finding.message.startswith("network ACL web-only (subnet pub) drops inbound ICMP type 3 code 4 "
                                      "(fragmentation needed) from 8.8.8.8 by rule 200")
    assert finding.location is not None
    assert (finding.location.line, finding.location.col) == pos(text, "{rule: 200")
    assert not lint(make(PMTUD % {"acl": "with-pmtud"}), select=["VPC017"]).findings


def test_trace_icmp_type_and_code(make: Make) -> None:
    net = make(PMTUD % {"acl": "with-pmtud"})
    fragmentation = net.trace("8.8.8.8", "web", 3, "icmp", icmp_code=4)
    unreachable_port = net.trace("8.8.8.8", "web", 3, "icmp", icmp_code=3)
    assert not any(b.direction == "forward" for b in fragmentation.blocked_by)
    assert [b.code for b in unreachable_port.blocked_by][:1] == [Code.SUBNET_ACL_RESTRICTION]


def test_trace_packet_takes_an_icmp_code(make: Make) -> None:
    """trace_packet's `icmp_code` as trace's: type 3 code 4 gets past the NACL rule for it, code 3 not."""
    from vpcsim.errors import UsageError
    from vpcsim.trace import trace_packet

    net = make(PMTUD % {"acl": "with-pmtud"})
    web = "203.0.113.10"  # web's public IP
    needed = trace_packet(net, "internet", None, "8.8.8.8", web, "icmp", 3, icmp_code=4, reply=False)
    port = trace_packet(net, "internet", None, "8.8.8.8", web, "icmp", 3, icmp_code=3, reply=False)
    assert needed.reachable and not needed.blocked_by
    assert [b.code for b in port.blocked_by][:1] == [Code.SUBNET_ACL_RESTRICTION]
    for bad, said in ((256, "out of range"), (True, "out of range")):
        with pytest.raises(UsageError, match=said):
            trace_packet(net, "internet", None, "8.8.8.8", web, "icmp", 3, icmp_code=bad)
    with pytest.raises(UsageError, match="needs protocol icmp or icmpv6"):
        trace_packet(net, "internet", None, "8.8.8.8", web, "tcp", 443, icmp_code=0)


ICMP_ASSERTIONS = """\
assertions:
  - name: fragmentation needed gets in
    from: internet
    to: web
    expect: reachable
    traffic: {protocol: icmp, icmp_type: 3, icmp_code: 4}
  - name: port unreachable does not
    from: internet
    to: web
    expect: unreachable
    traffic: {protocol: icmp, icmp_type: 3, icmp_code: 3}
"""


@pytest.mark.parametrize(("acl", "passed"), [("with-pmtud", [True, True]), ("web-only", [False, True])])
def test_assertions_on_icmp_type_and_code(make: Make, acl: str, passed: list[bool]) -> None:
    import yaml

    net = make(PMTUD % {"acl": acl} + ICMP_ASSERTIONS)
    data = yaml.safe_load(ICMP_ASSERTIONS)["assertions"]
    report = net.check(data)
    assert [r.passed for r in report.results] == passed
    assert report.results[0].assertion.icmp_code == 4
    assert report.results[0].assertion.describe().endswith("(icmp code 4) reachable")
    if not passed[0]:
        ce = report.results[0].counterexample
        assert ce is not None and ce.trace.blocked_by[0].code is Code.SUBNET_ACL_RESTRICTION


@pytest.mark.parametrize(("traffic", "message", "needle"), [
    ("{protocol: tcp, ports: 443, icmp_code: 4}", "icmp_code needs protocol icmp or icmpv6 and an icmp_type", "icmp_code: 4"),
    ("{protocol: icmp, icmp_code: 4}", "icmp_code needs protocol icmp or icmpv6 and an icmp_type", "icmp_code: 4"),
    ("{protocol: icmp, icmp_type: 3, icmp_code: 300}", "icmp_code: expected a number 0-255", "300"),
    ("[{protocol: icmp, icmp_type: 3, icmp_code: 4}, {protocol: icmp, icmp_type: 3, icmp_code: 1}]",
     "icmp codes 1, 4 in one assertion", "icmp_code: 1"),
])
def test_bad_icmp_code_in_assertions_is_located(tmp_path: Path, traffic: str, message: str, needle: str) -> None:
    from vpcsim.loader.assertions import load_assertion_file

    text = f"assertions:\n  - {{from: internet, to: web, expect: reachable, traffic: {traffic}}}\n"
    path = tmp_path / "x.assertions.yaml"
    path.write_text(text)
    with pytest.raises(DesignError) as info:
        load_assertion_file(path)
    (error,) = info.value.diagnostics
    assert message in error.message and at(error) == pos(text, needle)


# -- 4. route priority beyond the longest prefix ---------------------------------------------------
# "Route priority": longest prefix, then static routes, then prefix-list routes, then propagated
# routes: https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html. A propagated
# route never beats local: https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html

PRIORITY = """\
region: us-east-1
vpcs:
  v: {cidrs: [10.0.0.0/16]}
  corp: {cidrs: [172.16.0.0/16, 172.17.0.0/16]}
subnets:
  a: {vpc: v, cidr: 10.0.1.0/24, az: us-east-1a, route_table: rt}
  corp-a: {vpc: corp, cidr: 172.17.0.0/24, az: us-east-1a}
prefix_lists:
  corp: {entries: [172.16.0.0/16, 172.17.0.0/16]}
peerings:
  to-corp: {requester: v, accepter: corp}
unsupported:
  vgw: {kind: vpn_gateway}
route_tables:
  rt:
    vpc: v
    routes:
      - {destination: 172.16.0.0/16, origin: propagated, unsupported: vgw}
      - {destination: 172.17.0.0/16, origin: propagated, unsupported: vgw}
      - {destination: 172.18.0.0/16, origin: propagated, unsupported: vgw}
      - {destination_prefix_list: corp, peering: to-corp}
      - {destination: 172.16.0.0/16, instance: proxy}%(extra)s
instances:
  proxy: {subnet: a, source_dest_check: false}
  client: {subnet: a}
  corp-host: {subnet: corp-a}
"""


def priority_design(extra: str = "") -> str:
    return PRIORITY % {"extra": extra}


def chosen(make: Make, text: str, dst: str) -> str:
    from vpcsim.trace import trace_packet

    result = trace_packet(make(text), "subnet", "a", "10.0.1.9", dst, "tcp", 443, reply=False)
    step = [s for h in result.forward for s in h.steps if s.kind is StepKind.ROUTE][0]
    assert step.rule is not None
    return step.rule


def test_static_beats_prefix_list_beats_propagated(make: Make) -> None:
    text = priority_design()
    # 172.16/16: static (instance), prefix list and propagated routes all match; static wins.
    assert chosen(make, text, "172.16.0.5") == "172.16.0.0/16 -> instance proxy"
    # 172.17/16: the prefix-list route beats the propagated one.
    assert chosen(make, text, "172.17.0.5") == "172.17.0.0/16 (prefix list corp) -> peering to-corp"
    # 172.18/16: only the propagated route.
    assert chosen(make, text, "172.18.0.5") == "172.18.0.0/16 -> unsupported vgw [propagated]"


def test_the_route_step_says_why_an_equal_prefix_lost(make: Make) -> None:
    from vpcsim.trace import trace_packet

    result = trace_packet(make(priority_design()), "subnet", "a", "10.0.1.9", "172.17.0.5", "tcp", 443, reply=False)
    step = [s for h in result.forward for s in h.steps if s.kind is StepKind.ROUTE][0]
    assert "local beats static beats prefix-list beats propagated" in step.detail
    assert "172.17.0.0/16 -> unsupported vgw [propagated]" in step.considered


def test_propagated_route_model_and_locations(make: Make, tmp_path: Path) -> None:
    text = priority_design()
    table = make(text).design.route_tables["rt"]
    propagated = [r for r in table.routes if r.propagated]
    assert [str(r.destination) for r in propagated] == ["172.16.0.0/16", "172.17.0.0/16", "172.18.0.0/16"]
    assert {r.target for r in propagated} == {"vgw"}  # where they came from
    # A static and a propagated route to one destination are not duplicates; two static ones are.
    assert "route-duplicate" not in {d.code for d in diagnostics(tmp_path, text)}
    dup = priority_design("\n      - {destination: 172.16.0.0/16, instance: client}")
    found = only(diagnostics(tmp_path, dup), "route-duplicate")
    assert at(found) == pos(dup, "{destination: 172.16.0.0/16, instance: client}")


@pytest.mark.parametrize(("route", "code", "severity"), [
    ("{destination: 172.20.0.0/16, origin: propagated, instance: proxy}", "route-propagated", Severity.ERROR),
    ("{destination: 10.0.9.0/24, origin: propagated, unsupported: vgw}", "route-propagated-local", Severity.WARNING),
    ("{destination: 172.20.0.0/16, origin: dynamic, unsupported: vgw}", "route", Severity.ERROR),
])
def test_bad_propagated_routes_are_located(tmp_path: Path, route: str, code: str, severity: Severity) -> None:
    text = priority_design("\n      - " + route)
    found = only(diagnostics(tmp_path, text), code)
    assert found.severity is severity
    needle = "origin: dynamic" if code == "route" else route
    assert at(found) == pos(text, needle if code != "route" else "dynamic")


def test_a_propagated_route_whose_gateway_is_gone_is_a_blackhole(make: Make) -> None:
    text = priority_design("\n      - {destination: 172.19.0.0/16, origin: propagated, blackhole: true}")
    assert chosen(make, text, "172.19.0.5") == "172.19.0.0/16 -> blackhole [propagated]"


def test_propagated_route_inside_the_vpc_never_wins(make: Make) -> None:
    text = priority_design("\n      - {destination: 10.0.9.0/24, origin: propagated, unsupported: vgw}")
    assert chosen(make, text, "10.0.9.5") == "10.0.0.0/16 -> local"


def test_import_reads_routes_origin(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    files = {**tiny_snapshot(), "RouteTables.json": {"RouteTables": [{
        "RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [{"Main": True, "RouteTableId": "rtb-1"}],
        "Routes": [
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable"},
            {"DestinationCidrBlock": "172.16.0.0/16", "GatewayId": "vgw-1", "Origin": "EnableVgwRoutePropagation",
             "State": "active"},
            {"DestinationCidrBlock": "172.16.0.0/16", "GatewayId": "vgw-1", "Origin": "CreateRoute", "State": "active"},
        ]}]}}
    design, _ = snapshot_to_design(write_snapshot(tmp_path / "snap", files))
    routes = design["route_tables"]["rtb-1"]["routes"]
    assert [r.get("origin") for r in routes] == ["propagated", None]
    loaded, _ = load_design(tmp_path / "snap")
    assert [r.propagated for r in loaded.route_tables["rtb-1"].routes] == [True, False]


# -- 5. addresses the way EC2 gives them -----------------------------------------------------------
# Each private IP of an interface may have its own Elastic IP, and the internet gateway's 1:1 NAT
# maps that pair only: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/MultipleIP.html and
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-eips.html

EIPS = """\
region: us-east-1
vpcs:
  v: {cidrs: [10.0.0.0/16]}
subnets:
  pub: {vpc: v, cidr: 10.0.1.0/24, az: us-east-1a, route_table: out}
route_tables:
  out:
    vpc: v
    routes:
      - {destination: 0.0.0.0/0, internet_gateway: igw}
internet_gateways:
  igw: {vpc: v}
security_groups:
  web:
    vpc: v
    ingress:
      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
instances:
  web:
    subnet: pub
    private_ips: [10.0.1.10, 10.0.1.11, 10.0.1.12]
    elastic_ip: 203.0.113.5
    secondary_elastic_ips: {10.0.1.11: 198.51.100.7}
    security_groups: [web]
"""


def test_each_elastic_ip_maps_to_its_own_private_ip(make: Make) -> None:
    net = make(EIPS)
    primary = net.trace("8.8.8.8", "203.0.113.5", 443)
    secondary = net.trace("8.8.8.8", "198.51.100.7", 443)
    assert primary.reachable and secondary.reachable
    translations = [s for h in secondary.forward for s in h.steps if s.kind is StepKind.TRANSLATE]
    assert translations[0].detail == "destination NAT 198.51.100.7 -> 10.0.1.11 (1:1 public IP)"
    back = [s for h in secondary.return_path for s in h.steps if s.kind is StepKind.TRANSLATE]
    assert back[0].detail == "source NAT 10.0.1.11 -> 198.51.100.7 (1:1 public IP)"


def test_a_private_ip_without_its_own_public_ip_cannot_use_the_igw(make: Make) -> None:
    from vpcsim.trace import trace_packet

    net = make(EIPS)
    ok = trace_packet(net, "eni", "web", "10.0.1.11", "8.8.8.8", "tcp", 443, reply=False)
    assert ok.disposition is Disposition.EXITS_NETWORK
    dropped = trace_packet(net, "eni", "web", "10.0.1.12", "8.8.8.8", "tcp", 443, reply=False)
    assert dropped.disposition is Disposition.DENIED_OUT
    assert dropped.blocked_by[0].code is Code.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS


@pytest.mark.parametrize(("eips", "code", "needle"), [
    ("{10.0.1.10: 198.51.100.7}", "secondary-elastic-ip", "10.0.1.10: 198"),  # the primary's is elastic_ip
    ("{10.0.1.99: 198.51.100.7}", "secondary-elastic-ip", "10.0.1.99"),
    ("{10.0.1.11: 10.9.9.9}", "public-ip-not-public", "subnet: pub"),
    ("{10.0.1.11: 203.0.113.5}", "public-ip-duplicate", "subnet: pub"),
    ("{not-an-ip: 198.51.100.7}", "address", "not-an-ip"),
])
def test_bad_secondary_elastic_ips_are_located(tmp_path: Path, eips: str, code: str, needle: str) -> None:
    text = EIPS.replace("{10.0.1.11: 198.51.100.7}", eips)
    found = only(diagnostics(tmp_path, text), code)
    assert at(found) == pos(text, needle)


def test_import_reads_an_association_per_private_ip(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    eni = {
        "NetworkInterfaceId": "eni-1", "SubnetId": "subnet-1", "VpcId": "vpc-1", "PrivateIpAddress": "10.0.1.10",
        "Groups": [{"GroupId": "sg-1"}], "SourceDestCheck": True,
        "Association": {"PublicIp": "203.0.113.5", "AllocationId": "eipalloc-1"},
        "PrivateIpAddresses": [
            {"PrivateIpAddress": "10.0.1.10", "Primary": True,
             "Association": {"PublicIp": "203.0.113.5", "AllocationId": "eipalloc-1"}},
            {"PrivateIpAddress": "10.0.1.11", "Primary": False},
            {"PrivateIpAddress": "10.0.1.12", "Primary": False,
             "Association": {"PublicIp": "198.51.100.7", "AllocationId": "eipalloc-2"}},
        ],
    }
    files = {
        **tiny_snapshot(),
        "SecurityGroups.json": {"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "web", "VpcId": "vpc-1",
                                                    "IpPermissions": [], "IpPermissionsEgress": []}]},
        "Reservations.json": {"Reservations": [{"Instances": [{
            "InstanceId": "i-1", "State": {"Name": "running"}, "SubnetId": "subnet-1", "VpcId": "vpc-1",
            "PrivateIpAddress": "10.0.1.10", "NetworkInterfaces": [{**eni, "Attachment": {"DeviceIndex": 0}}]}]}]},
        "Addresses.json": {"Addresses": [
            {"PublicIp": "203.0.113.5", "AllocationId": "eipalloc-1", "NetworkInterfaceId": "eni-1",
             "PrivateIpAddress": "10.0.1.10"},
            {"PublicIp": "198.51.100.7", "AllocationId": "eipalloc-2", "NetworkInterfaceId": "eni-1",
             "PrivateIpAddress": "10.0.1.12"},
        ]},
    }
    design, warnings = snapshot_to_design(write_snapshot(tmp_path / "snap", files))
    body = design["instances"]["i-1"]["interfaces"][0] if "interfaces" in design["instances"]["i-1"] \
        else design["instances"]["i-1"]
    assert body["private_ips"] == ["10.0.1.10", "10.0.1.11", "10.0.1.12"]
    assert body["elastic_ip"] == "203.0.113.5"
    assert body["secondary_elastic_ips"] == {"10.0.1.12": "198.51.100.7"}
    assert "aws-secondary-public" not in {w.code for w in warnings}
    loaded, _ = load_design(tmp_path / "snap")
    (iface,) = loaded.interfaces.values()
    assert iface.private_for(198 << 24 | 51 << 16 | 100 << 8 | 7) == 10 << 24 | 1 << 8 | 12


NAT_SECONDARY = """\
region: us-east-1
vpcs:
  v: {cidrs: [10.0.0.0/16]}
subnets:
  pub: {vpc: v, cidr: 10.0.1.0/24, az: us-east-1a, route_table: out}
  app: {vpc: v, cidr: 10.0.2.0/24, az: us-east-1a, route_table: via-nat}
route_tables:
  out:
    vpc: v
    routes:
      - {destination: 0.0.0.0/0, internet_gateway: igw}
  via-nat:
    vpc: v
    routes:
      - {destination: 0.0.0.0/0, nat_gateway: nat}
internet_gateways:
  igw: {vpc: v}
nat_gateways:
  nat:
    subnet: pub
    elastic_ip: 203.0.113.9
    private_ip: 10.0.1.9
    secondary_private_ips: [10.0.1.20, 10.0.1.21]
    secondary_elastic_ips: {10.0.1.20: 198.51.100.20}
instances:
  app-1: {subnet: app}
  squatter: {subnet: pub, private_ip: %(squatter)s}
"""


def test_nat_gateway_secondary_ips_are_its_own(make: Make, tmp_path: Path) -> None:
    # https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html: secondary private IPv4
    # addresses, each with an Elastic IP on a public NAT gateway.
    net = make(NAT_SECONDARY % {"squatter": "10.0.1.30"})
    nat = net.design.nat_gateways["nat"]
    assert nat.private_ips == (10 << 24 | 1 << 8 | 9, 10 << 24 | 1 << 8 | 20, 10 << 24 | 1 << 8 | 21)
    assert nat.private_for(198 << 24 | 51 << 16 | 100 << 8 | 20) == 10 << 24 | 1 << 8 | 20
    assert net.trace("app-1", "8.8.8.8", 443).reachable  # translated to its primary EIP
    text = NAT_SECONDARY % {"squatter": "10.0.1.21"}
    found = only(diagnostics(tmp_path, text), "private-ip-duplicate")
    assert "already used by NAT gateway nat" in found.message and at(found) == pos(text, "{subnet: pub, private_ip")


@pytest.mark.parametrize(("old", "new", "code"), [
    ("{10.0.1.20: 198.51.100.20}", "{10.0.1.99: 198.51.100.20}", "secondary-elastic-ip"),
    ("{10.0.1.20: 198.51.100.20}", "{10.0.1.20: 203.0.113.9}", "public-ip-duplicate"),
    ("[10.0.1.20, 10.0.1.21]", "[10.0.1.20, 10.0.2.21]", "private-ip-outside-subnet"),
])
def test_bad_nat_gateway_secondary_ips(tmp_path: Path, old: str, new: str, code: str) -> None:
    text = (NAT_SECONDARY % {"squatter": "10.0.1.30"}).replace(old, new)
    assert code in {d.code for d in diagnostics(tmp_path, text)}


# -- 6. regions per VPC and inter-region peering ---------------------------------------------------
# Inter-region VPC peering routes like any peering, but "You cannot reference the security group
# of a peer VPC that's in a different Region. Instead, use the CIDR block of the peer VPC":
# https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html and
# https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html (inter-Region peering).

REGIONS = """\
region: us-east-1
vpcs:
  east: {cidrs: [10.0.0.0/16]}
  west: {cidrs: [10.1.0.0/16], region: us-west-2}
subnets:
  e: {vpc: east, cidr: 10.0.1.0/24, az: us-east-1a, route_table: e-rt}
  w: {vpc: west, cidr: 10.1.1.0/24, az: %(west_az)s, route_table: w-rt}
route_tables:
  e-rt: {vpc: east, routes: [{destination: 10.1.0.0/16, peering: east-west}]}
  w-rt: {vpc: west, routes: [{destination: 10.0.0.0/16, peering: east-west}]}
peerings:
  east-west: {requester: east, accepter: west}
security_groups:
  client: {vpc: east}
  api:
    vpc: west
    ingress:
      - %(api_rule)s
instances:
  app: {subnet: e, security_groups: [client]}
  api: {subnet: w, security_groups: [api]}
"""
CIDR_RULE = "{protocol: tcp, ports: 443, cidr: 10.0.0.0/16}"
GROUP_RULE = "{protocol: tcp, ports: 443, security_group: client}"


def test_inter_region_peering_routes(make: Make) -> None:
    net = make(REGIONS % {"west_az": "us-west-2a", "api_rule": CIDR_RULE})
    assert net.design.vpcs["west"].region == "us-west-2" and net.design.vpcs["east"].region is None
    result = net.trace("app", "api", 443)
    assert result.reachable
    assert [h.kind for h in result.forward].count("peering") == 1


def test_security_groups_cannot_be_referenced_across_regions(tmp_path: Path) -> None:
    text = REGIONS % {"west_az": "us-west-2a", "api_rule": GROUP_RULE}
    found = only(diagnostics(tmp_path, text), "sg-reference-region")
    assert found.message.startswith("security group api: ingress rule references security group 'client' of vpc "
                                    "east in region us-east-1, but vpc west is in us-west-2")
    assert at(found) == pos(text, GROUP_RULE)
    same_region = text.replace(", region: us-west-2}", "}").replace("us-west-2a", "us-east-1b")
    assert "sg-reference-region" not in {d.code for d in diagnostics(tmp_path, same_region)}


def test_subnet_zone_is_checked_against_its_vpcs_region(tmp_path: Path) -> None:
    text = REGIONS % {"west_az": "us-east-1b", "api_rule": CIDR_RULE}
    found = only(diagnostics(tmp_path, text), "subnet-az-region")
    assert "availability zone 'us-east-1b' is not in region 'us-west-2'" in found.message
    assert at(found) == pos(text, "{vpc: west, cidr: 10.1.1.0/24")


# -- 7. gateway route tables (ingress routing) and the local route's target ----------------------
# https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html: a route table
# associated with an internet gateway or a virtual private gateway routes the traffic entering
# the VPC; its routes target local, a Gateway Load Balancer endpoint or a network interface, to
# the VPC's CIDR (replacing the local target) or a subnet's whole CIDR.

INSPECTION = Path(__file__).resolve().parents[1] / "scenarios" / "inspection-vpc.yaml"


def edited(old: str, new: str) -> str:
    text = INSPECTION.read_text()
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_ingress_routing_sends_inbound_traffic_through_the_appliance(make: Make) -> None:
    net = make(INSPECTION.read_text())
    result = net.trace("8.8.8.8", "web", 443)
    assert result.reachable
    names = [(h.kind, h.name) for h in result.forward]
    assert names.index(("eni", "firewall")) < names.index(("eni", "web"))
    igw_route = [s for h in result.forward if h.kind == "internet_gateway" for s in h.steps
                 if s.kind is StepKind.ROUTE][0]
    assert igw_route.detail.startswith("gateway route table ingress (edge association with igw): "
                                       "10.40.1.0/24 -> interface firewall.eth0")
    # The reply keeps web's address through the firewall: the IGW maps it to web's Elastic IP.
    translate = [s for h in result.return_path for s in h.steps if s.kind is StepKind.TRANSLATE]
    assert [s.detail for s in translate] == ["source NAT 10.40.1.10 -> 203.0.113.40 (1:1 public IP)"]


def test_without_the_edge_association_traffic_goes_straight_in(make: Make) -> None:
    net = make(edited("    edge_associations: [igw]\n", ""))
    result = net.trace("8.8.8.8", "web", 443)
    assert ("eni", "firewall") not in [(h.kind, h.name) for h in result.forward]


def test_local_route_target_replaced_by_an_interface(make: Make) -> None:
    net = make(INSPECTION.read_text())
    result = net.trace("db", "web", 443)  # data-rt: 10.40.0.0/16 -> firewall.eth0 replaces local
    route = [s for s in result.forward[1].steps if s.kind is StepKind.ROUTE][0]
    assert route.rule == "10.40.0.0/16 -> interface firewall.eth0"
    assert "10.40.0.0/16 -> local" not in route.considered


@pytest.mark.parametrize(("old", "new", "code", "needle"), [
    ("      - destination: 10.40.1.0/24\n        interface: firewall.eth0\n  fw-rt:",
     "      - destination: 0.0.0.0/0\n        interface: firewall.eth0\n  fw-rt:", "gateway-table-destination",
     "destination: 0.0.0.0/0\n        interface: firewall.eth0\n  fw-rt"),
    ("      - destination: 10.40.1.0/24\n        interface: firewall.eth0\n  fw-rt:",
     "      - destination: 10.40.1.0/25\n        interface: firewall.eth0\n  fw-rt:", "gateway-table-destination",
     "destination: 10.40.1.0/25"),
    ("      - destination: 10.40.1.0/24\n        interface: firewall.eth0\n  fw-rt:",
     "      - destination: 10.40.1.0/24\n        internet_gateway: igw\n  fw-rt:", "gateway-table-target",
     "destination: 10.40.1.0/24\n        internet_gateway"),
    ("    edge_associations: [igw]\n", "    edge_associations: [igw]\n  again:\n    vpc: inspection\n"
     "    edge_associations: [igw]\n", "gateway-table-duplicate", "    edge_associations: [igw]\n    routes:"),
    ("    edge_associations: [igw]\n", "    edge_associations: [nope]\n", "unknown-reference", "nope"),
])
def test_gateway_route_table_rules_are_located(tmp_path: Path, old: str, new: str, code: str, needle: str) -> None:
    text = edited(old, new)
    found = only(diagnostics(tmp_path, text), code)
    assert found.severity is Severity.ERROR
    line, col = pos(text, needle)
    assert found.location is not None and found.location.line == line


def test_local_route_replaced_by_a_blackhole_is_refused(tmp_path: Path) -> None:
    text = edited("      - destination: 10.40.0.0/16      # the local route's target replaced by the firewall\n"
                  "        interface: firewall.eth0\n",
                  "      - destination: 10.40.0.0/16\n        blackhole: true\n")
    found = only(diagnostics(tmp_path, text), "route-local-conflict")
    assert "only an interface, an instance or a Gateway Load Balancer endpoint may replace" in found.message


def test_import_edge_associations_and_local_route_targets(tmp_path: Path) -> None:
    from vpcsim.importers.aws import snapshot_to_design

    files = {**tiny_snapshot(),
             "InternetGateways.json": {"InternetGateways": [{"InternetGatewayId": "igw-1",
                                                             "Attachments": [{"VpcId": "vpc-1", "State": "available"}]}]},
             "SecurityGroups.json": {"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "fw", "VpcId": "vpc-1",
                                                         "IpPermissions": [], "IpPermissionsEgress": []}]},
             "Reservations.json": {"Reservations": [{"Instances": [{
                 "InstanceId": "i-fw", "State": {"Name": "running"}, "SubnetId": "subnet-1", "VpcId": "vpc-1",
                 "PrivateIpAddress": "10.0.1.10", "SourceDestCheck": False, "NetworkInterfaces": [{
                     "NetworkInterfaceId": "eni-fw", "SubnetId": "subnet-1", "VpcId": "vpc-1",
                     "PrivateIpAddress": "10.0.1.10", "SourceDestCheck": False, "Groups": [{"GroupId": "sg-1"}],
                     "Attachment": {"DeviceIndex": 0},
                     "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.1.10", "Primary": True}]}]}]}]},
             "RouteTables.json": {"RouteTables": [{
                 "RouteTableId": "rtb-edge", "VpcId": "vpc-1",
                 "Associations": [{"RouteTableId": "rtb-edge", "GatewayId": "igw-1", "Main": False,
                                   "AssociationState": {"State": "associated"}}],
                 "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "NetworkInterfaceId": "eni-fw",
                             "Origin": "CreateRoute", "State": "active"}]}]}}
    design, warnings = snapshot_to_design(write_snapshot(tmp_path / "snap", files))
    table = design["route_tables"]["rtb-edge"]
    assert table["edge_associations"] == ["igw-1"]
    assert table["routes"] == [{"destination": "10.0.0.0/16", "interface": "i-fw.eth0"}]
    loaded, _ = load_design(tmp_path / "snap")
    assert loaded.route_tables["rtb-edge"].edge_associations == ("igw-1",)
    assert "aws-unsupported" not in {w.code for w in warnings}


def test_lint_public_ip_behind_an_inspection_appliance_is_usable(make: Make) -> None:
    from vpcsim.lint import lint

    # web's subnet sends 0.0.0.0/0 to the firewall, whose subnet reaches the IGW: no VPC012.
    assert not lint(make(INSPECTION.read_text()), select=["VPC012"]).findings
    # Without the firewall's own way out, web's Elastic IP is unusable again.
    broken = edited("      - destination: 0.0.0.0/0\n        internet_gateway: igw\n", "")
    (finding,) = lint(make(broken), select=["VPC012"]).findings
    assert finding.subject == "web.eth0"


# -- bad input in the new keys: located errors, never a traceback -----------------------------------

@pytest.mark.parametrize(("old", "new", "needle"), [
    ("    edge_associations: [igw]\n", "    edge_associations: igw\n", "igw\n    routes"),
    ("    edge_associations: [igw]\n", "    edge_associations: [{a: 1}]\n", "{a: 1}"),
    ("    enable_dns_support: true\n", "    enable_dns_support: [1]\n", "[1]"),
    ("    dhcp_options:\n      name: legacy-dns\n", "    dhcp_options: 5\n    x_dhcp:\n      name: legacy-dns\n", "5\n"),
    ("      domain_name_servers: [10.41.2.53]\n", "      domain_name_servers: 10.41.2.53\n", "servers: 10.41.2.53"),
    ("    elastic_ip: 203.0.113.40\n", "    elastic_ip: 203.0.113.40\n    secondary_elastic_ips: [1]\n", "[1]"),
    ("      - destination: 10.40.0.0/16      # the local", "      - origin: {a: b}\n        destination: 10.40.0.0/16  # the local",
     "{a: b}"),
])
def test_bad_values_in_new_keys_are_located(tmp_path: Path, old: str, new: str, needle: str) -> None:
    text = edited(old, new)
    found = [d for d in diagnostics(tmp_path, text) if d.severity is Severity.ERROR]
    assert found, "expected an error"
    line, _ = pos(text, needle)
    assert line in {d.location.line for d in found if d.location is not None}, [d.format() for d in found]


def test_graph_and_diagram_show_the_gateway_route_table(make: Make) -> None:
    from vpcsim.render.diagram import build, to_mermaid

    net = make(INSPECTION.read_text())
    edges = [(u, v, d) for u, v, d in net.graph.edges(data=True) if d["relation"] == "route"
             and u == ("internet_gateway", "igw")]
    assert [(v, d["route_table"], d["prefix"]) for _, v, d in edges] == [
        (("eni", "firewall.eth0"), "ingress", "10.40.1.0/24")]
    assert "10.40.1.0/24" in to_mermaid(build(net.graph))


def test_icmp_code_short_form_in_assertions(make: Make) -> None:
    net = make(PMTUD % {"acl": "with-pmtud"})
    report = net.check([{"from": "internet", "to": "web", "expect": "reachable", "traffic": "icmp/3:4"},
                        {"from": "internet", "to": "web", "expect": "unreachable", "traffic": ["icmp/3:3"]}])
    assert [r.passed for r in report.results] == [True, True]
    assert [r.assertion.icmp_code for r in report.results] == [4, 3]


def test_a_traffic_value_refuses_an_icmp_code() -> None:
    from vpcsim.loader.assertions import parse_traffic

    assert parse_traffic("icmp/3").icmp == ((3, 3),)
    for value in ("icmp/3:4", {"protocol": "icmp", "icmp_type": 3, "icmp_code": 4}):
        with pytest.raises(ValueError, match="an icmp code belongs to an assertion"):
            parse_traffic(value)


def test_a_stopped_instance_has_released_its_auto_assigned_public_ip(make: Make) -> None:
    """An auto-assigned public IPv4 address is released when the instance stops; an Elastic IP stays
    (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html#concepts-public-addresses)."""
    text = """
        region: eu-west-1
        vpcs: {v: {cidrs: [10.0.0.0/16]}}
        subnets: {a: {vpc: v, cidr: 10.0.1.0/24, az: eu-west-1a, route_table: rt}}
        route_tables: {rt: {vpc: v, routes: [{destination: 0.0.0.0/0, internet_gateway: igw}]}}
        internet_gateways: {igw: {vpc: v}}
        instances:
          old: {subnet: a, private_ip: 10.0.1.10, public_ip: 52.0.0.10, state: stopped}
          kept: {subnet: a, private_ip: 10.0.1.11, elastic_ip: 52.0.0.11, state: stopped}
    """
    net = make(text)
    assert net.design.interfaces["old.eth0"].public_ip is None
    assert net.design.interfaces["kept.eth0"].public_ip is not None
    (warning,) = [w for w in net.warnings if w.code == "public-ip-released"]
    assert "52.0.0.10" in warning.message and warning.location is not None and warning.location.line > 0
    assert net.trace("internet", "52.0.0.10", 443).disposition.value in ("NO_ROUTE", "DENIED_IN")
