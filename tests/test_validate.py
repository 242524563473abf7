"""Tests for vpcsim.loader.validate (AWS's semantic rules) and the builder's structural checks.

Every test loads a small YAML design through `vpcsim.loader.design.load_design` and pins the diagnostic's
code, its exact message and where it points (line:col, found with `pos` from a unique piece of
the YAML text).
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcsim.errors import DesignError, Diagnostic, Location, Severity
from vpcsim.loader.design import load_design
from vpcsim.loader.validate import validate
from vpcsim.model import (
    Cidr,
    Design,
    Instance,
    Interface,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    Peering,
    PeerKind,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    TargetKind,
    Vpc,
)

# ----------------------------------------------------------------------------------- helpers

VPCS = """\
prod: {cidrs: [10.0.0.0/16]}
shared: {cidrs: [10.20.0.0/16]}
"""
SUBNETS = """\
pub-a: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a, route_table: public}
priv-a: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a}
shared-a: {vpc: shared, cidr: 10.20.1.0/24, az: eu-west-1b}
"""
ROUTE_TABLES = """\
public:
  vpc: prod
  routes:
    - {destination: 0.0.0.0/0, internet_gateway: igw}
"""
IGWS = "igw: {vpc: prod}\n"

SECTIONS = (
    "availability_zones",
    "vpcs",
    "subnets",
    "route_tables",
    "network_acls",
    "security_groups",
    "internet_gateways",
    "nat_gateways",
    "peerings",
    "prefix_lists",
    "unsupported",
    "instances",
)
DEFAULTS = {"vpcs": VPCS, "subnets": SUBNETS, "route_tables": ROUTE_TABLES, "internet_gateways": IGWS}


def design(region: str = "eu-west-1", **sections: str | None) -> str:
    """A design text: the valid default sections, each replaced by a keyword argument.

    Section bodies are written at column 0 and indented here; `availability_zones` is inline.
    """
    merged = {**DEFAULTS, **sections}
    lines = [f"region: {region}"]
    for key in SECTIONS:
        body = merged.get(key)
        if body is None:
            continue
        if key == "availability_zones":
            lines.append(f"{key}: {body}")
            continue
        lines.append(f"{key}:")
        lines.append(textwrap.indent(textwrap.dedent(body).strip("\n"), "  "))
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "vpcsim.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def errors_of(tmp_path: Path, text: str) -> list[Diagnostic]:
    """Load a design that must fail; return all its diagnostics."""
    with pytest.raises(DesignError) as info:
        load_design(write(tmp_path, text))
    return list(info.value.diagnostics)


def warnings_of(tmp_path: Path, text: str) -> list[Diagnostic]:
    """Load a design that must succeed; return its warnings."""
    _, diagnostics = load_design(write(tmp_path, text))
    assert all(d.severity is Severity.WARNING for d in diagnostics)
    return list(diagnostics)


def one(diagnostics: list[Diagnostic], code: str, severity: Severity = Severity.ERROR) -> Diagnostic:
    """The one diagnostic with `code`; fail when there are none or several."""
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, f"expected one {code}, got: {[d.format() for d in diagnostics]}"
    assert found[0].severity is severity
    return found[0]


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return sorted(d.code for d in diagnostics)


def pos(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of `needle`, which must occur exactly once in `text`."""
    assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times"
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def at(diagnostic: Diagnostic) -> tuple[int, int]:
    assert diagnostic.location is not None
    return diagnostic.location.line, diagnostic.location.col


def where(tmp_path: Path, text: str, needle: str) -> str:
    """How a message quotes another object's place: file:line."""
    return f"{tmp_path / 'vpcsim.yaml'}:{pos(text, needle)[0]}"


def test_pos_helper_agrees_with_the_loader(tmp_path: Path) -> None:
    text = design(vpcs="prod: {cidrs: [10.0.0.0/8]}\nshared: {cidrs: [10.20.0.0/16]}\n")
    d = one(errors_of(tmp_path, text), "vpc-cidr-size")
    # region: / vpcs: / "  prod: {" -> line 3, the flow mapping opens at column 9.
    assert at(d) == (3, 9) == pos(text, "{cidrs: [10.0.0.0/8]}")
    assert d.location is not None and d.location.file == str(tmp_path / "vpcsim.yaml")


# --------------------------------------------------------------------------- a valid design

VALID = design(
    vpcs="""\
prod: {cidrs: [10.0.0.0/16, 10.1.0.0/16]}
shared: {cidrs: [10.20.0.0/16]}
other: {cidrs: [10.0.0.0/16]}
""",
    subnets=SUBNETS
    + """\
pub-b: {vpc: prod, cidr: 10.1.0.0/28, az: eu-west-1b, route_table: public}
other-a: {vpc: other, cidr: 10.0.1.0/24, az: eu-west-1a}
""",
    route_tables="""\
public:
  vpc: prod
  routes:
    - {destination: 0.0.0.0/0, internet_gateway: igw}
    - {destination: 10.20.0.0/16, peering: prod-shared}
    - {destination: 10.0.0.0/8, blackhole: true}
    - {destination: 10.0.2.0/24, nat_gateway: nat}
private:
  vpc: prod
  main: true
  routes:
    - {destination: 0.0.0.0/0, nat_gateway: nat}
    - {destination: 10.0.1.0/24, instance: web}
""",
    network_acls="""\
acl:
  vpc: prod
  inbound:
    - {rule: 1, action: allow, protocol: all, cidr: 0.0.0.0/0}
    - {rule: 32766, action: deny, protocol: tcp, ports: 22, cidr: 0.0.0.0/0}
  outbound:
    - {rule: 1, action: allow, protocol: all, cidr: 0.0.0.0/0}
""",
    security_groups="""\
web:
  vpc: prod
  ingress:
    - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
    - {protocol: tcp, ports: 22, security_group: web}
    - {protocol: tcp, ports: 5432, security_group: shared/default}
db:
  vpc: shared
  ingress:
    - {protocol: tcp, ports: 5432, security_group: web}
""",
    nat_gateways="nat: {subnet: pub-a, elastic_ip: 52.0.0.10, private_ip: 10.0.1.254}\n",
    peerings="prod-shared: {requester: prod, accepter: shared}\nold: {requester: shared, accepter: prod, status: deleted}\n",
    instances="""\
web: {subnet: pub-a, private_ip: 10.0.1.4, public_ip: 172.32.0.1, security_groups: [web, default]}
app:
  interfaces:
    - {subnet: priv-a, private_ips: [10.0.2.4, 10.0.2.254], elastic_ip: 54.0.0.1}
    - {subnet: pub-a, private_ip: 10.0.1.5}
db: {subnet: shared-a, private_ip: 10.20.1.10, security_groups: [db]}
twin: {subnet: other-a, private_ip: 10.0.1.4, public_ip: 54.0.0.2}
""",
)


def test_a_valid_design_has_no_diagnostics(tmp_path: Path) -> None:
    """Edge cases that are all allowed: boundary addresses, middlebox routes, the same private
    IP in two VPCs, an overlapping but unpeered VPC, a deleted second peering, 172.32.0.1."""
    design_, diagnostics = load_design(write(tmp_path, VALID))
    assert diagnostics == ()
    assert validate(design_) == []


# ------------------------------------------------------------------------- builder checks


def test_unknown_route_table_of_a_subnet(tmp_path: Path) -> None:
    text = design(subnets=SUBNETS + "x: {vpc: prod, cidr: 10.0.9.0/24, az: eu-west-1a, route_table: nope}\n")
    d = one(errors_of(tmp_path, text), "unknown-reference")
    assert d.message == "subnet x: route_table: no route table named 'nope' (known: public)"
    assert at(d) == pos(text, "nope}")


def test_unknown_security_group_of_an_instance(tmp_path: Path) -> None:
    text = design(instances="web: {subnet: pub-a, security_groups: [ghost]}\n")
    d = one(errors_of(tmp_path, text), "unknown-reference")
    assert d.message == "instance web: security_groups: no security group named 'ghost'"
    assert at(d) == pos(text, "ghost")


def test_unknown_nat_gateway_of_a_route(tmp_path: Path) -> None:
    text = design(
        route_tables=ROUTE_TABLES + "    - {destination: 10.9.0.0/16, nat_gateway: nat-z}\n",
        nat_gateways="nat-a: {subnet: pub-a, elastic_ip: 52.0.0.10}\n",
    )
    d = one(errors_of(tmp_path, text), "unknown-reference")
    assert d.message == "route table public: route 2: nat_gateway: no NAT gateway named 'nat-z' (known: nat-a)"
    assert at(d) == pos(text, "nat-z")


@pytest.mark.parametrize(
    ("cidr", "message"),
    [
        ("10.0.300.0/24", "subnet x: cidr: '10.0.300.0' is not an IPv4 address (octet 300 > 255)"),
        ("banana", "subnet x: cidr: 'banana' is not a CIDR block (expected a.b.c.d/n or an IPv6 block such as ::/0)"),
        ("10.0.9.0/33", "subnet x: cidr: '10.0.9.0/33' is not a CIDR block (prefix length must be 0-32)"),
        ("10.0.9.5/16", "subnet x: cidr: '10.0.9.5/16' has host bits set (expected 10.0.0.0/16)"),
    ],
)
def test_bad_cidr_text(tmp_path: Path, cidr: str, message: str) -> None:
    text = design(subnets=SUBNETS + f"x: {{vpc: prod, cidr: {cidr}, az: eu-west-1a}}\n")
    d = one(errors_of(tmp_path, text), "cidr")
    assert d.message == message
    assert at(d) == pos(text, f"{cidr}, az")


@pytest.mark.parametrize("number", [0, 32767, -5])
def test_nacl_rule_number_out_of_range(tmp_path: Path, number: int) -> None:
    text = design(
        network_acls=f"""\
acl:
  vpc: prod
  inbound:
    - {{rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}}
    - {{rule: {number}, action: deny, protocol: all, cidr: 0.0.0.0/0}}
"""
    )
    d = one(errors_of(tmp_path, text), "nacl-rule-number")
    assert d.message == (
        f"network ACL acl: inbound rule 2: rule number {number} is out of range "
        "(expected 1-32766; 32767 is the implicit '*' deny)"
    )
    assert at(d) == pos(text, f"{number}, action: deny")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = design(
        subnets=SUBNETS
        + """\
x: {vpc: prod, cidr: 10.0.9.5/24, az: eu-west-1a}
y: {vpc: prod, cidr: 10.9.0.0/24, az: eu-west-1a}
""",
        peerings="p: {requester: prod, accepter: nowhere}\n",
        instances="web: {subnet: pub-a, private_ip: 10.0.1.1}\n",
    )
    diagnostics = errors_of(tmp_path, text)
    assert codes(diagnostics) == ["cidr", "private-ip-reserved", "subnet-outside-vpc", "unknown-reference"]
    # Sorted by place in the file.
    assert [at(d)[0] for d in diagnostics] == sorted(at(d)[0] for d in diagnostics)
    assert "and 3 more" in str(DesignError(diagnostics))


# -------------------------------------------------------------------------------- VPC CIDRs


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "10.0.0.0/15", "10.0.0.0/29", "10.0.0.0/32"])
def test_vpc_cidr_size(tmp_path: Path, cidr: str) -> None:
    text = design(vpcs=VPCS + f"odd: {{cidrs: [{cidr}]}}\n")
    d = one(errors_of(tmp_path, text), "vpc-cidr-size")
    length = cidr.split("/")[1]
    assert d.message == f"vpc odd: CIDR {cidr} is a /{length} (expected a prefix length from /16 to /28)"
    assert at(d) == pos(text, f"{{cidrs: [{cidr}]}}")


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "10.0.0.0/28"])
def test_vpc_cidr_size_limits_are_allowed(tmp_path: Path, cidr: str) -> None:
    assert warnings_of(tmp_path, design(vpcs=VPCS + f"odd: {{cidrs: [{cidr}]}}\n")) == []


def test_vpc_cidr_overlap(tmp_path: Path) -> None:
    text = design(vpcs=VPCS + "dup: {cidrs: [10.5.0.0/16, 10.6.0.0/16, 10.5.128.0/17]}\n")
    d = one(errors_of(tmp_path, text), "vpc-cidr-overlap")
    assert d.message == (
        "vpc dup: CIDR 10.5.128.0/17 overlaps CIDR 10.5.0.0/16 of the same VPC (expected non-overlapping blocks)"
    )
    assert at(d) == pos(text, "{cidrs: [10.5.0.0/16")


def test_vpc_cidr_written_twice_overlaps(tmp_path: Path) -> None:
    text = design(vpcs=VPCS + "dup: {cidrs: [10.5.0.0/16, 10.5.0.0/16]}\n")
    d = one(errors_of(tmp_path, text), "vpc-cidr-overlap")
    assert d.message == (
        "vpc dup: CIDR 10.5.0.0/16 overlaps CIDR 10.5.0.0/16 of the same VPC (expected non-overlapping blocks)"
    )


def test_vpc_cidr_link_local(tmp_path: Path) -> None:
    text = design(vpcs=VPCS + "ll: {cidrs: [10.5.0.0/16, 169.254.8.0/24]}\n")
    d = one(errors_of(tmp_path, text), "vpc-cidr-link-local")
    assert d.message == (
        "vpc ll: CIDR 169.254.8.0/24 overlaps 169.254.0.0/16, the link-local range "
        "(expected a block outside 169.254.0.0/16, which AWS never allows)"
    )
    assert at(d) == pos(text, "{cidrs: [10.5.0.0/16, 169")


def test_more_than_five_vpc_cidrs_is_a_warning(tmp_path: Path) -> None:
    six = ", ".join(f"10.{i}.0.0/16" for i in range(50, 56))
    text = design(vpcs=VPCS + f"big: {{cidrs: [{six}]}}\n")
    d = one(warnings_of(tmp_path, text), "vpc-cidr-quota", Severity.WARNING)
    assert d.message == "vpc big: 6 CIDR blocks (expected at most 5, AWS's default quota per VPC)"
    assert at(d) == pos(text, "{cidrs: [10.50")
    five = ", ".join(f"10.{i}.0.0/16" for i in range(50, 55))
    assert warnings_of(tmp_path, design(vpcs=VPCS + f"big: {{cidrs: [{five}]}}\n")) == []


def test_main_route_table_of_another_vpc(tmp_path: Path) -> None:
    text = design(
        vpcs="prod: {cidrs: [10.0.0.0/16], main_route_table: shared-rt}\nshared: {cidrs: [10.20.0.0/16]}\n",
        route_tables=ROUTE_TABLES + "shared-rt: {vpc: shared}\n",
    )
    d = one(errors_of(tmp_path, text), "main-route-table-vpc")
    assert d.message == (
        "vpc prod: main_route_table 'shared-rt' belongs to vpc shared (expected a route table of vpc prod)"
    )
    assert at(d) == pos(text, "{cidrs: [10.0.0.0/16], main")


def test_default_network_acl_of_another_vpc(tmp_path: Path) -> None:
    text = design(
        vpcs="prod: {cidrs: [10.0.0.0/16], default_network_acl: shared-acl}\nshared: {cidrs: [10.20.0.0/16]}\n",
        network_acls="shared-acl: {vpc: shared}\n",
    )
    d = one(errors_of(tmp_path, text), "default-network-acl-vpc")
    assert d.message == (
        "vpc prod: default_network_acl 'shared-acl' belongs to vpc shared (expected a network ACL of vpc prod)"
    )
    assert at(d) == pos(text, "{cidrs: [10.0.0.0/16], default")


# ---------------------------------------------------------------------------------- subnets


@pytest.mark.parametrize("cidr", ["10.0.9.0/29", "10.0.9.0/32"])
def test_subnet_cidr_size(tmp_path: Path, cidr: str) -> None:
    text = design(subnets=SUBNETS + f"x: {{vpc: prod, cidr: {cidr}, az: eu-west-1a}}\n")
    d = one(errors_of(tmp_path, text), "subnet-cidr-size")
    length = cidr.split("/")[1]
    assert d.message == f"subnet x: CIDR {cidr} is a /{length} (expected a prefix length from /16 to /28)"
    assert at(d) == pos(text, "{vpc: prod, cidr: 10.0.9.0")


def test_subnet_outside_its_vpc(tmp_path: Path) -> None:
    text = design(subnets=SUBNETS + "x: {vpc: prod, cidr: 10.20.2.0/24, az: eu-west-1a}\n")
    d = one(errors_of(tmp_path, text), "subnet-outside-vpc")
    assert d.message == (
        "subnet x: CIDR 10.20.2.0/24 is not inside any CIDR of vpc prod (expected a range inside one of: 10.0.0.0/16)"
    )
    assert at(d) == pos(text, "{vpc: prod, cidr: 10.20.2.0/24")


def test_subnet_spanning_two_adjacent_vpc_cidrs_is_outside_both(tmp_path: Path) -> None:
    text = design(
        vpcs="prod: {cidrs: [10.0.0.0/16, 10.1.0.0/16]}\nshared: {cidrs: [10.20.0.0/16]}\n",
        subnets="x: {vpc: prod, cidr: 10.0.0.0/15, az: eu-west-1a}\n",
        route_tables="public: {vpc: prod}\n",
    )
    diagnostics = errors_of(tmp_path, text)
    assert codes(diagnostics) == ["subnet-cidr-size", "subnet-outside-vpc"]
    assert one(diagnostics, "subnet-outside-vpc").message == (
        "subnet x: CIDR 10.0.0.0/15 is not inside any CIDR of vpc prod "
        "(expected a range inside one of: 10.0.0.0/16, 10.1.0.0/16)"
    )


def test_subnet_inside_a_secondary_cidr(tmp_path: Path) -> None:
    text = design(
        vpcs="prod: {cidrs: [10.0.0.0/16, 100.64.0.0/16]}\nshared: {cidrs: [10.20.0.0/16]}\n",
        subnets=SUBNETS + "x: {vpc: prod, cidr: 100.64.7.0/24, az: eu-west-1a}\n",
    )
    assert warnings_of(tmp_path, text) == []


def test_subnet_overlap_names_the_other_subnet_and_where_it_is(tmp_path: Path) -> None:
    text = design(subnets=SUBNETS + "x: {vpc: prod, cidr: 10.0.1.128/25, az: eu-west-1a}\n")
    d = one(errors_of(tmp_path, text), "subnet-overlap")
    assert d.message == (
        f"subnet x: CIDR 10.0.1.128/25 overlaps subnet pub-a ({where(tmp_path, text, 'pub-a:')}), "
        "whose CIDR is 10.0.1.0/24 (expected the subnets of a VPC not to overlap)"
    )
    assert at(d) == pos(text, "{vpc: prod, cidr: 10.0.1.128/25")


def test_subnet_overlap_blames_the_one_written_later(tmp_path: Path) -> None:
    # The later one has the lower address: still the later one is reported.
    text = design(subnets=SUBNETS + "big: {vpc: prod, cidr: 10.0.0.0/20, az: eu-west-1a}\n")
    diagnostics = [d for d in errors_of(tmp_path, text) if d.code == "subnet-overlap"]
    assert len(diagnostics) == 2  # big overlaps pub-a and priv-a
    for d in diagnostics:
        assert at(d) == pos(text, "{vpc: prod, cidr: 10.0.0.0/20")
        assert d.message.startswith("subnet big: CIDR 10.0.0.0/20 overlaps subnet ")
    assert {d.message.split(" overlaps subnet ")[1].split(" ")[0] for d in diagnostics} == {"pub-a", "priv-a"}


def test_same_cidr_in_two_vpcs_is_no_overlap(tmp_path: Path) -> None:
    text = design(
        vpcs=VPCS + "twin: {cidrs: [10.0.0.0/16]}\n",
        subnets=SUBNETS + "twin-a: {vpc: twin, cidr: 10.0.1.0/24, az: eu-west-1a}\n",
    )
    assert warnings_of(tmp_path, text) == []


def test_subnet_az_of_another_region(tmp_path: Path) -> None:
    text = design(subnets=SUBNETS + "x: {vpc: prod, cidr: 10.0.9.0/24, az: us-east-1a}\n")
    d = one(errors_of(tmp_path, text), "subnet-az-region")
    assert d.message == (
        "subnet x: availability zone 'us-east-1a' is not in region 'eu-west-1' "
        "(expected a zone of the region, such as 'eu-west-1a')"
    )
    assert at(d) == pos(text, "{vpc: prod, cidr: 10.0.9.0/24")


def test_subnet_az_missing_from_an_explicit_list(tmp_path: Path) -> None:
    text = design(
        availability_zones="[eu-west-1a, eu-west-1b]",
        subnets=SUBNETS + "x: {vpc: prod, cidr: 10.0.9.0/24, az: eu-west-1c}\n",
    )
    d = one(errors_of(tmp_path, text), "subnet-az-unknown")
    assert d.message == (
        "subnet x: availability zone 'eu-west-1c' is not in availability_zones "
        "(expected one of: eu-west-1a, eu-west-1b)"
    )
    assert at(d) == pos(text, "{vpc: prod, cidr: 10.0.9.0/24")
    # Without the explicit list, the zones are the subnets' own: no error.
    assert warnings_of(tmp_path, design(subnets=SUBNETS + "x: {vpc: prod, cidr: 10.0.9.0/24, az: eu-west-1c}\n")) == []


def test_subnet_route_table_of_another_vpc(tmp_path: Path) -> None:
    text = design(
        subnets=SUBNETS + "x: {vpc: prod, cidr: 10.0.9.0/24, az: eu-west-1a, route_table: shared-rt}\n",
        route_tables=ROUTE_TABLES + "shared-rt: {vpc: shared}\n",
    )
    d = one(errors_of(tmp_path, text), "subnet-route-table-vpc")
    assert d.message == "subnet x: route table 'shared-rt' belongs to vpc shared (expected a route table of vpc prod)"
    assert at(d) == pos(text, "{vpc: prod, cidr: 10.0.9.0/24")


def test_subnet_network_acl_of_another_vpc(tmp_path: Path) -> None:
    text = design(
        subnets=SUBNETS + "x: {vpc: prod, cidr: 10.0.9.0/24, az: eu-west-1a, network_acl: shared-acl}\n",
        network_acls="shared-acl: {vpc: shared}\n",
    )
    d = one(errors_of(tmp_path, text), "subnet-network-acl-vpc")
    assert d.message == "subnet x: network ACL 'shared-acl' belongs to vpc shared (expected a network ACL of vpc prod)"
    assert at(d) == pos(text, "{vpc: prod, cidr: 10.0.9.0/24")


# ------------------------------------------------------------------------------- addresses


def test_private_ip_outside_its_subnet(tmp_path: Path) -> None:
    text = design(instances="web: {subnet: pub-a, private_ip: 10.0.2.10}\n")
    d = one(errors_of(tmp_path, text), "private-ip-outside-subnet")
    assert d.message == (
        "interface web.eth0: private IP 10.0.2.10 is outside its subnet pub-a (10.0.1.0/24) "
        "(expected an address inside 10.0.1.0/24)"
    )
    assert at(d) == pos(text, "{subnet: pub-a, private_ip: 10.0.2.10}")


@pytest.mark.parametrize(
    ("ip", "which"),
    [
        ("10.0.1.0", "network address"),
        ("10.0.1.1", "VPC router address (network +1)"),
        ("10.0.1.2", "DNS address (network +2)"),
        ("10.0.1.3", "reserved-for-future-use address (network +3)"),
        ("10.0.1.255", "broadcast address (the last one)"),
    ],
)
def test_private_ip_reserved(tmp_path: Path, ip: str, which: str) -> None:
    text = design(instances=f"web: {{subnet: pub-a, private_ip: {ip}}}\n")
    d = one(errors_of(tmp_path, text), "private-ip-reserved")
    assert d.message == (
        f"interface web.eth0: private IP {ip} is the {which} of subnet pub-a (10.0.1.0/24), "
        "which AWS reserves (expected a usable address: 10.0.1.4-10.0.1.254)"
    )
    assert at(d) == pos(text, "{subnet: pub-a, private_ip")


def test_secondary_private_ip_of_a_named_interface_is_checked(tmp_path: Path) -> None:
    text = design(
        instances="""\
app:
  interfaces:
    - {name: app-primary, subnet: priv-a, private_ips: [10.0.2.10, 10.0.2.255]}
"""
    )
    d = one(errors_of(tmp_path, text), "private-ip-reserved")
    assert d.message.startswith("interface app-primary: private IP 10.0.2.255 is the broadcast address")
    assert at(d) == pos(text, "{name: app-primary")


def test_private_ip_used_twice(tmp_path: Path) -> None:
    text = design(
        instances="web: {subnet: pub-a, private_ip: 10.0.1.10}\napp: {private_ip: 10.0.1.10, subnet: pub-a}\n"
    )
    d = one(errors_of(tmp_path, text), "private-ip-duplicate")
    assert d.message == (
        f"interface app.eth0: private IP 10.0.1.10 is already used by interface web.eth0 "
        f"({where(tmp_path, text, 'web: {')}) (expected each private IP once in vpc prod)"
    )
    assert at(d) == pos(text, "{private_ip: 10.0.1.10, subnet: pub-a}")


def test_private_ip_used_twice_on_one_interface(tmp_path: Path) -> None:
    text = design(instances="web: {subnet: pub-a, private_ips: [10.0.1.10, 10.0.1.10]}\n")
    d = one(errors_of(tmp_path, text), "private-ip-duplicate")
    assert d.message.startswith("interface web.eth0: private IP 10.0.1.10 is already used by interface web.eth0 (")


def test_private_ip_of_a_nat_gateway_and_an_interface(tmp_path: Path) -> None:
    text = design(
        nat_gateways="nat: {subnet: pub-a, elastic_ip: 52.0.0.10, private_ip: 10.0.1.10}\n",
        instances="web: {subnet: pub-a, private_ip: 10.0.1.10}\n",
    )
    d = one(errors_of(tmp_path, text), "private-ip-duplicate")
    assert d.message == (
        f"interface web.eth0: private IP 10.0.1.10 is already used by NAT gateway nat "
        f"({where(tmp_path, text, 'nat: {')}) (expected each private IP once in vpc prod)"
    )
    assert at(d) == pos(text, "{subnet: pub-a, private_ip: 10.0.1.10}")


@pytest.mark.parametrize(
    ("ip", "message"),
    [
        ("10.0.2.10", "NAT gateway nat: private IP 10.0.2.10 is outside its subnet pub-a (10.0.1.0/24) "
                      "(expected an address inside 10.0.1.0/24)"),
        ("10.0.1.2", "NAT gateway nat: private IP 10.0.1.2 is the DNS address (network +2) of subnet pub-a "
                     "(10.0.1.0/24), which AWS reserves (expected a usable address: 10.0.1.4-10.0.1.254)"),
    ],
)
def test_nat_gateway_private_ip(tmp_path: Path, ip: str, message: str) -> None:
    text = design(nat_gateways=f"nat: {{subnet: pub-a, elastic_ip: 52.0.0.10, private_ip: {ip}}}\n")
    diagnostics = errors_of(tmp_path, text)
    assert len(diagnostics) == 1
    assert diagnostics[0].message == message
    assert at(diagnostics[0]) == pos(text, "{subnet: pub-a, elastic_ip")


def test_public_ip_used_twice(tmp_path: Path) -> None:
    text = design(
        instances="web: {subnet: pub-a, public_ip: 54.0.0.10}\napp: {subnet: priv-a, elastic_ip: 54.0.0.10}\n"
    )
    d = one(errors_of(tmp_path, text), "public-ip-duplicate")
    assert d.message == (
        f"interface app.eth0: public IP 54.0.0.10 is already used by interface web.eth0 "
        f"({where(tmp_path, text, 'web: {')}) (expected each public or elastic IP on one interface or NAT gateway only)"
    )
    assert at(d) == pos(text, "{subnet: priv-a, elastic_ip")


def test_elastic_ip_of_a_nat_gateway_used_by_an_interface(tmp_path: Path) -> None:
    text = design(
        nat_gateways="nat: {subnet: pub-a, elastic_ip: 52.0.0.10}\n",
        instances="web: {subnet: pub-a, public_ip: 52.0.0.10}\n",
    )
    d = one(errors_of(tmp_path, text), "public-ip-duplicate")
    assert d.message == (
        f"interface web.eth0: public IP 52.0.0.10 is already used by NAT gateway nat "
        f"({where(tmp_path, text, 'nat: {')}) (expected each public or elastic IP on one interface or NAT gateway only)"
    )


@pytest.mark.parametrize(
    ("ip", "kind", "block"),
    [
        ("10.1.2.3", "a private (RFC 1918) address", "10.0.0.0/8"),
        ("172.31.255.255", "a private (RFC 1918) address", "172.16.0.0/12"),
        ("192.168.0.1", "a private (RFC 1918) address", "192.168.0.0/16"),
        ("100.64.0.1", "a shared (carrier-grade NAT, RFC 6598) address", "100.64.0.0/10"),
        ("127.0.0.1", "a loopback address", "127.0.0.0/8"),
    ],
)
def test_public_ip_that_is_not_public(tmp_path: Path, ip: str, kind: str, block: str) -> None:
    text = design(instances=f"web: {{subnet: pub-a, public_ip: {ip}}}\n")
    d = one(errors_of(tmp_path, text), "public-ip-not-public")
    assert d.message == f"interface web.eth0: public IP {ip} is {kind} in {block} (expected a public address)"
    assert at(d) == pos(text, "{subnet: pub-a, public_ip")


def test_elastic_ip_of_a_nat_gateway_that_is_not_public(tmp_path: Path) -> None:
    text = design(nat_gateways="nat: {subnet: pub-a, elastic_ip: 192.168.1.1}\n")
    d = one(errors_of(tmp_path, text), "public-ip-not-public")
    assert d.message == (
        "NAT gateway nat: elastic IP 192.168.1.1 is a private (RFC 1918) address in 192.168.0.0/16 "
        "(expected a public address)"
    )
    assert at(d) == pos(text, "{subnet: pub-a, elastic_ip")


# ------------------------------------------------------------------ interfaces and instances


def test_security_group_of_another_vpc(tmp_path: Path) -> None:
    text = design(
        security_groups="shared-sg: {vpc: shared}\n",
        instances="web: {subnet: pub-a, security_groups: [shared-sg]}\n",
    )
    d = one(errors_of(tmp_path, text), "security-group-vpc")
    assert d.message == (
        "interface web.eth0: security group 'shared-sg' belongs to vpc shared "
        "(expected a group of vpc prod, the interface's)"
    )
    assert at(d) == pos(text, "{subnet: pub-a, security_groups")


def test_default_group_of_another_vpc(tmp_path: Path) -> None:
    text = design(instances="web: {subnet: pub-a, security_groups: [shared/default]}\n")
    d = one(errors_of(tmp_path, text), "security-group-vpc")
    assert d.message.startswith("interface web.eth0: security group 'shared/default' belongs to vpc shared")


def test_interfaces_of_one_instance_in_two_azs(tmp_path: Path) -> None:
    text = design(
        subnets=SUBNETS + "pub-b: {vpc: prod, cidr: 10.0.3.0/24, az: eu-west-1b}\n",
        instances="""\
app:
  interfaces:
    - {subnet: pub-a}
    - {subnet: priv-a}
    - {subnet: pub-b}
""",
    )
    d = one(errors_of(tmp_path, text), "instance-az")
    assert d.message == (
        "instance app: interface app.eth2 is in 'eu-west-1b' (subnet pub-b) but interface app.eth0 is in "
        "'eu-west-1a' (subnet pub-a) (expected all interfaces of an instance in one availability zone)"
    )
    assert at(d) == pos(text, "{subnet: pub-b}")


def _groups(count: int) -> str:
    return "".join(f"g{i}: {{vpc: prod}}\n" for i in range(count))


def test_more_than_five_security_groups_is_a_warning(tmp_path: Path) -> None:
    names = ", ".join(f"g{i}" for i in range(6))
    text = design(security_groups=_groups(6), instances=f"web: {{subnet: pub-a, security_groups: [{names}]}}\n")
    d = one(warnings_of(tmp_path, text), "too-many-security-groups", Severity.WARNING)
    assert d.message == (
        "interface web.eth0: 6 security groups (expected at most 5, AWS's default quota per interface; "
        "it can be raised to 16)"
    )
    assert at(d) == pos(text, "{subnet: pub-a, security_groups")
    five = ", ".join(f"g{i}" for i in range(5))
    text = design(security_groups=_groups(6), instances=f"web: {{subnet: pub-a, security_groups: [{five}]}}\n")
    assert warnings_of(tmp_path, text) == []


def test_more_than_sixteen_security_groups_is_an_error(tmp_path: Path) -> None:
    names = ", ".join(f"g{i}" for i in range(17))
    text = design(security_groups=_groups(17), instances=f"web: {{subnet: pub-a, security_groups: [{names}]}}\n")
    diagnostics = errors_of(tmp_path, text)
    assert codes(diagnostics) == ["security-group-limit"]
    assert diagnostics[0].message == (
        "interface web.eth0: 17 security groups (expected at most 16, AWS's maximum per interface)"
    )
    assert at(diagnostics[0]) == pos(text, "{subnet: pub-a, security_groups")


# ----------------------------------------------------------------------------- route tables


def test_duplicate_route_destination(tmp_path: Path) -> None:
    text = design(
        route_tables=ROUTE_TABLES + "    - {destination: 0.0.0.0/0, blackhole: true}\n",
    )
    d = one(errors_of(tmp_path, text), "route-duplicate")
    assert d.message == (
        f"route table public: destination 0.0.0.0/0 appears twice, also at "
        f"{where(tmp_path, text, 'internet_gateway: igw}')} (expected each destination once per table)"
    )
    assert at(d) == pos(text, "{destination: 0.0.0.0/0, blackhole")


def test_duplicate_prefix_list_destination(tmp_path: Path) -> None:
    text = design(
        route_tables=ROUTE_TABLES
        + "    - {destination_prefix_list: pl, internet_gateway: igw}\n"
        + "    - {destination_prefix_list: pl, blackhole: true}\n",
        prefix_lists="pl: {entries: [203.0.113.0/24]}\n",
    )
    d = one(errors_of(tmp_path, text), "route-duplicate")
    assert d.message.startswith("route table public: destination prefix list pl appears twice, also at ")
    assert at(d) == pos(text, "{destination_prefix_list: pl, blackhole")


@pytest.mark.parametrize(
    ("target", "detail"),
    [
        ("internet_gateway: igw-s", "internet gateway igw-s is attached to vpc shared"),
        ("nat_gateway: nat-s", "NAT gateway nat-s is in vpc shared"),
        ("peering: shared-dev", "peering shared-dev connects vpc shared and vpc dev, not vpc prod"),
        ("instance: db", "instance db is in vpc shared"),
        ("interface: db.eth0", "interface db.eth0 is in vpc shared"),
    ],
)
def test_route_target_in_another_vpc(tmp_path: Path, target: str, detail: str) -> None:
    text = design(
        vpcs=VPCS + "dev: {cidrs: [10.30.0.0/16]}\n",
        route_tables=ROUTE_TABLES + f"    - {{destination: 10.30.0.0/16, {target}}}\n",
        internet_gateways=IGWS + "igw-s: {vpc: shared}\n",
        nat_gateways="nat-s: {subnet: shared-a, connectivity: private}\n",
        peerings="shared-dev: {requester: shared, accepter: dev}\n",
        instances="db: {subnet: shared-a}\n",
    )
    d = one(errors_of(tmp_path, text), "route-target-vpc")
    assert d.message == f"route table public: route to 10.30.0.0/16: {detail} (expected a target in or attached to vpc prod)"
    assert at(d) == pos(text, "{destination: 10.30.0.0/16")


LOCAL_RULE = (
    "a route inside a VPC CIDR must equal a subnet's CIDR and target a NAT gateway, an interface or an instance"
)


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (
            "{destination: 10.0.2.0/24, internet_gateway: igw}",
            f"route table public: route to 10.0.2.0/24 via internet gateway igw conflicts with the local "
            f"route for 10.0.0.0/16 ({LOCAL_RULE})",
        ),
        (
            "{destination: 10.0.5.0/24, nat_gateway: nat}",
            f"route table public: route to 10.0.5.0/24 via NAT gateway nat conflicts with the local "
            f"route for 10.0.0.0/16 ({LOCAL_RULE})",
        ),
        (
            "{destination: 10.0.0.0/16, nat_gateway: nat}",
            "route table public: route to 10.0.0.0/16 via NAT gateway nat conflicts with the local "
            "route for 10.0.0.0/16 (it equals the VPC CIDR; only an interface, an instance or a Gateway Load "
            "Balancer endpoint may replace the local route's target)",
        ),
        (
            "{destination: 100.64.1.0/24, peering: pcx}",
            f"route table public: route to 100.64.1.0/24 via peering pcx conflicts with the local "
            f"route for 100.64.0.0/16 ({LOCAL_RULE})",
        ),
        (
            "{destination: 10.0.2.0/25, instance: box}",
            f"route table public: route to 10.0.2.0/25 via instance box conflicts with the local "
            f"route for 10.0.0.0/16 ({LOCAL_RULE})",
        ),
    ],
)
def test_route_conflicting_with_the_local_route(tmp_path: Path, route: str, message: str) -> None:
    text = design(
        vpcs="prod: {cidrs: [10.0.0.0/16, 100.64.0.0/16]}\nshared: {cidrs: [10.20.0.0/16]}\n",
        route_tables=ROUTE_TABLES + f"    - {route}\n",
        nat_gateways="nat: {subnet: pub-a, elastic_ip: 52.0.0.10}\n",
        peerings="pcx: {requester: prod, accepter: shared}\n",
        instances="box: {subnet: pub-a, source_dest_check: false}\n",
    )
    d = one(errors_of(tmp_path, text), "route-local-conflict")
    assert d.message == message
    assert at(d) == pos(text, route)


@pytest.mark.parametrize(
    "route",
    [
        "{destination: 10.0.2.0/24, nat_gateway: nat}",
        "{destination: 10.0.2.0/24, instance: box}",
        "{destination: 10.0.2.0/24, interface: box.eth0}",
        "{destination: 10.0.2.0/24, unsupported: gwlbe}",
        "{destination: 10.0.0.0/8, peering: pcx}",
    ],
)
def test_middlebox_and_less_specific_routes_are_allowed(tmp_path: Path, route: str) -> None:
    text = design(
        route_tables=ROUTE_TABLES + f"    - {route}\n",
        nat_gateways="nat: {subnet: pub-a, elastic_ip: 52.0.0.10}\n",
        peerings="pcx: {requester: prod, accepter: shared}\n",
        unsupported="gwlbe: {kind: gateway_load_balancer_endpoint}\n",
        instances="box: {subnet: pub-a, source_dest_check: false}\n",
    )
    assert warnings_of(tmp_path, text) == []


def test_more_than_fifty_routes_is_a_warning(tmp_path: Path) -> None:
    routes = "".join(f"    - {{destination: 198.18.{i}.0/24, blackhole: true}}\n" for i in range(50))
    text = design(route_tables=ROUTE_TABLES + routes)
    d = one(warnings_of(tmp_path, text), "route-quota", Severity.WARNING)
    assert d.message == "route table public: 51 routes (expected at most 50, AWS's default quota per table)"
    assert at(d) == pos(text, "vpc: prod\n    routes")
    assert warnings_of(tmp_path, design(route_tables=ROUTE_TABLES + routes[routes.index("\n") + 1 :])) == []


def test_more_than_a_thousand_routes_is_an_error(tmp_path: Path) -> None:
    routes = "".join(f"    - {{destination: 198.{18 + i // 256}.{i % 256}.0/24, blackhole: true}}\n" for i in range(1000))
    text = design(route_tables=ROUTE_TABLES + routes)
    d = one(errors_of(tmp_path, text), "route-limit")
    assert d.message == "route table public: 1001 routes (expected at most 1000, AWS's maximum per table)"
    assert at(d) == pos(text, "vpc: prod\n    routes")


# ------------------------------------------------------------------- gateways and peerings


def test_two_internet_gateways_on_one_vpc(tmp_path: Path) -> None:
    text = design(internet_gateways=IGWS + "igw2: {vpc: prod}\nigw-s: {vpc: shared}\n")
    d = one(errors_of(tmp_path, text), "igw-multiple")
    assert d.message == (
        f"internet gateway igw2: vpc prod already has internet gateway igw ({where(tmp_path, text, 'igw: {')}) "
        "(expected at most one internet gateway per VPC)"
    )
    assert at(d) == pos(text, "{vpc: prod}\n  igw-s")


@pytest.mark.parametrize(
    ("cidrs", "left", "right"),
    [
        ("[10.0.128.0/17]", "10.0.0.0/16", "10.0.128.0/17"),
        ("[10.9.0.0/16, 10.0.0.0/16]", "10.0.0.0/16", "10.0.0.0/16"),
        ("[9.0.0.0/16, 10.0.255.240/28]", "10.0.0.0/16", "10.0.255.240/28"),
    ],
)
def test_peering_between_overlapping_vpcs(tmp_path: Path, cidrs: str, left: str, right: str) -> None:
    text = design(
        vpcs=VPCS + f"other: {{cidrs: {cidrs}}}\n",
        peerings="p: {requester: prod, accepter: other}\n",
    )
    d = one(errors_of(tmp_path, text), "peering-cidr-overlap")
    assert d.message == (
        f"peering p: vpc prod's CIDR {left} overlaps vpc other's CIDR {right} "
        "(expected peered VPCs to have no overlapping CIDR blocks)"
    )
    assert at(d) == pos(text, "{requester: prod, accepter: other}")


def test_peering_between_adjacent_vpcs_is_allowed(tmp_path: Path) -> None:
    text = design(
        vpcs=VPCS + "other: {cidrs: [10.1.0.0/16, 9.255.255.240/28]}\n",
        peerings="p: {requester: prod, accepter: other}\n",
    )
    assert warnings_of(tmp_path, text) == []


def test_two_peerings_between_the_same_vpcs(tmp_path: Path) -> None:
    text = design(
        peerings="p1: {requester: prod, accepter: shared}\np2: {requester: shared, accepter: prod, status: pending-acceptance}\n"
    )
    d = one(errors_of(tmp_path, text), "peering-duplicate")
    assert d.message == (
        f"peering p2: vpc shared and vpc prod are already peered by p1 ({where(tmp_path, text, 'p1: {')}) "
        "(expected at most one peering connection per pair of VPCs)"
    )
    assert at(d) == pos(text, "{requester: shared")


def test_nat_gateway_without_a_route_to_an_internet_gateway(tmp_path: Path) -> None:
    text = design(nat_gateways="nat: {subnet: priv-a, elastic_ip: 52.0.0.10}\n")
    d = one(warnings_of(tmp_path, text), "nat-without-igw-route", Severity.WARNING)
    assert d.message == (
        "NAT gateway nat: public, but route table prod/main of its subnet priv-a has no route for 0.0.0.0/0 "
        "to an internet gateway (expected the NAT gateway in a public subnet, or connectivity: private)"
    )
    assert at(d) == pos(text, "{subnet: priv-a")


@pytest.mark.parametrize(
    ("routes", "warned"),
    [
        ("    - {destination: 0.0.0.0/0, internet_gateway: igw}\n", False),
        ("    - {destination: 0.0.0.0/1, internet_gateway: igw}\n"
         "    - {destination: 128.0.0.0/1, internet_gateway: igw}\n", False),
        ("    - {destination: 0.0.0.0/1, internet_gateway: igw}\n", True),
        ("    - {destination: 0.0.0.0/0, internet_gateway: igw, state: blackhole}\n", True),
        ("    - {destination: 0.0.0.0/0, blackhole: true}\n", True),
    ],
)
def test_nat_gateway_route_coverage(tmp_path: Path, routes: str, warned: bool) -> None:
    text = design(
        route_tables="public:\n  vpc: prod\n  routes:\n" + routes,
        nat_gateways="nat: {subnet: pub-a, elastic_ip: 52.0.0.10}\n",
    )
    assert codes(warnings_of(tmp_path, text)) == (["nat-without-igw-route"] if warned else [])


def test_private_nat_gateway_needs_no_internet_route(tmp_path: Path) -> None:
    text = design(nat_gateways="nat: {subnet: priv-a, connectivity: private}\n")
    assert warnings_of(tmp_path, text) == []


# ---------------------------------------------------------------- NACLs and security groups


def test_nacl_rule_number_used_twice_in_one_direction(tmp_path: Path) -> None:
    text = design(
        network_acls="""\
acl:
  vpc: prod
  inbound:
    - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
    - {rule: 100, action: deny, protocol: tcp, ports: 22, cidr: 0.0.0.0/0}
  outbound:
    - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
"""
    )
    d = one(errors_of(tmp_path, text), "nacl-rule-duplicate")
    first = where(tmp_path, text, "{rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}\n      - {rule: 100")
    assert d.message == (
        f"network ACL acl: inbound rule number 100 is used twice, also at {first} "
        "(expected each rule number once per direction)"
    )
    assert at(d) == pos(text, "{rule: 100, action: deny")


def _nacl(count: int) -> str:
    rules = "".join(f"    - {{rule: {i + 1}, action: allow, protocol: all, cidr: 0.0.0.0/0}}\n" for i in range(count))
    return f"acl:\n  vpc: prod\n  outbound:\n{rules}"


def test_more_than_twenty_nacl_rules_is_a_warning(tmp_path: Path) -> None:
    text = design(network_acls=_nacl(21))
    d = one(warnings_of(tmp_path, text), "nacl-rule-quota", Severity.WARNING)
    assert d.message == "network ACL acl: 21 outbound rules (expected at most 20, AWS's default quota per direction)"
    assert at(d) == pos(text, "vpc: prod\n    outbound")
    assert warnings_of(tmp_path, design(network_acls=_nacl(20))) == []


def test_more_than_forty_nacl_rules_is_an_error(tmp_path: Path) -> None:
    text = design(network_acls=_nacl(41))
    d = one(errors_of(tmp_path, text), "nacl-rule-limit")
    assert d.message == "network ACL acl: 41 outbound rules (expected at most 40, AWS's maximum per direction)"


def test_more_than_sixty_security_group_rules_is_a_warning(tmp_path: Path) -> None:
    rules = "".join(f"    - {{protocol: tcp, ports: {1000 + i}, cidr: 0.0.0.0/0}}\n" for i in range(61))
    text = design(security_groups=f"web:\n  vpc: prod\n  ingress:\n{rules}  egress:\n{rules}")
    diagnostics = warnings_of(tmp_path, text)
    assert [d.message for d in diagnostics] == [
        "security group web: 61 ingress rules (expected at most 60, AWS's default quota per group)",
        "security group web: 61 egress rules (expected at most 60, AWS's default quota per group)",
    ]
    assert {d.code for d in diagnostics} == {"sg-rule-quota"}
    assert at(diagnostics[0]) == pos(text, "vpc: prod\n    ingress")


@pytest.mark.parametrize("status", [None, "pending-acceptance", "deleted"])
def test_security_group_reference_to_an_unpeered_vpc(tmp_path: Path, status: str | None) -> None:
    peerings = None if status is None else f"p: {{requester: prod, accepter: shared, status: {status}}}\n"
    text = design(
        security_groups="""\
web:
  vpc: prod
  ingress:
    - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
  egress:
    - {protocol: tcp, ports: 5432, security_group: db}
db: {vpc: shared}
""",
        peerings=peerings,
    )
    d = one(errors_of(tmp_path, text), "sg-reference-vpc")
    assert d.message == (
        "security group web: egress rule references security group 'db' of vpc shared, which is not peered "
        "with vpc prod (expected a group of the same VPC or of a VPC with an active peering to it)"
    )
    assert at(d) == pos(text, "{protocol: tcp, ports: 5432")


def test_security_group_reference_to_a_peered_vpc_is_allowed(tmp_path: Path) -> None:
    text = design(
        security_groups="web:\n  vpc: prod\n  ingress:\n    - {protocol: all, security_group: shared/default}\n",
        peerings="p: {requester: shared, accepter: prod}\n",
    )
    assert warnings_of(tmp_path, text) == []


# --------------------------------------------------------------- robustness and performance

HERE = Location("design.yaml", 1, 1)


def _cidr(text: str) -> Cidr:
    return Cidr.parse(text)


def test_validate_tolerates_dangling_references() -> None:
    """Every reference names nothing; validate must skip, not raise."""
    routes = tuple(
        Route(Cidr(10 << 24 | index << 8, 24), None, kind, "ghost", loc=HERE)
        for index, kind in enumerate(TargetKind)
        if kind not in (TargetKind.LOCAL, TargetKind.BLACKHOLE)
    ) + (Route(None, "ghost-pl", TargetKind.BLACKHOLE, None, True, HERE),)
    design_ = Design(
        file="design.yaml",
        region="",
        availability_zones=(),
        vpcs=MappingProxyType({"v": Vpc("v", (), "ghost-rt", "ghost-acl", "ghost-sg", loc=HERE)}),
        subnets=MappingProxyType(
            {"s": Subnet("s", "ghost-vpc", _cidr("10.0.1.0/24"), "az", "ghost-rt", "ghost-acl", True, True, loc=HERE)}
        ),
        route_tables=MappingProxyType({"rt": RouteTable("rt", "ghost-vpc", routes, loc=HERE)}),
        network_acls=MappingProxyType({"acl": NetworkAcl("acl", "ghost-vpc", (), (), loc=HERE)}),
        security_groups=MappingProxyType(
            {"sg": SecurityGroup("sg", "ghost-vpc", (SgRule(-1, 0, 65535, PeerKind.SECURITY_GROUP, None, "ghost"),), ())}
        ),
        internet_gateways=MappingProxyType({"igw": InternetGateway("igw", "ghost-vpc", loc=HERE)}),
        nat_gateways=MappingProxyType(
            {"nat": NatGateway("nat", "ghost-subnet", True, None, -1, loc=HERE),
             "nat2": NatGateway("nat2", "s", True, 5, -1, loc=HERE)}
        ),
        peerings=MappingProxyType({"p": Peering("p", "ghost-a", "ghost-b", loc=HERE)}),
        prefix_lists=MappingProxyType({}),
        instances=MappingProxyType(
            {"i": Instance("i", ("ghost-eni", "e"), loc=HERE), "j": Instance("j", (), loc=HERE)}
        ),
        interfaces=MappingProxyType(
            {"e": Interface("e", "i", "ghost-subnet", (), None, ("ghost-sg",), loc=HERE),
             "f": Interface("f", "i", "s", (), 0, ("ghost-sg",), loc=HERE)}
        ),
        unsupported=MappingProxyType({}),
    )
    diagnostics = validate(design_)
    assert all(isinstance(d, Diagnostic) for d in diagnostics)
    # Only what can be checked is reported: the NAT gateway's elastic IP 0.0.0.5 is not public,
    # and neither is the interface's 0.0.0.0.
    assert codes(diagnostics) == ["public-ip-not-public", "public-ip-not-public"]


def test_a_design_full_of_broken_references_only_raises_design_error(tmp_path: Path) -> None:
    text = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16, oops], main_route_table: nope, default_network_acl: nope}
  bad name!: {cidrs: [10.1.0.0/16]}
  weird: [1, 2]
subnets:
  a: {vpc: ghost, cidr: 10.0.1.0/24, az: eu-west-1a}
  b: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a, route_table: ghost, network_acl: ghost}
  c: {vpc: weird, cidr: 10.0.3.0/24, az: eu-west-1a}
route_tables:
  rt:
    vpc: ghost
    routes:
      - {destination: 10.0.1.0/24, nat_gateway: ghost}
      - {destination: 10.0.1.0/24, instance: ghost}
  rt2:
    vpc: prod
    routes:
      - {destination: 10.0.2.0/24, nat_gateway: nat}
      - {destination: 10.0.2.0/24, instance: full}
      - {destination: 0.0.0.0/0, peering: p}
security_groups:
  sg: {vpc: ghost, ingress: [{protocol: all, security_group: ghost}]}
  sg2: {vpc: prod, ingress: [{protocol: all, security_group: weird/default}]}
nat_gateways:
  nat: {subnet: ghost, elastic_ip: 52.0.0.1}
peerings:
  p: {requester: prod, accepter: ghost}
instances:
  full: {subnet: tiny, private_ip: nope, security_groups: [ghost, sg]}
  multi:
    interfaces:
      - {subnet: ghost}
      - {subnet: b, private_ip: 10.0.2.1}
"""
    diagnostics = errors_of(tmp_path, text)
    assert "private-ip-reserved" in codes(diagnostics)
    assert all(d.location is not None and d.location.line > 0 for d in diagnostics)


def test_interfaces_left_without_an_address_do_not_break_validation(tmp_path: Path) -> None:
    # A /28 has 11 usable addresses: the twelfth interface gets none; the builder says so.
    instances = "".join(f"i{n}: {{subnet: tiny}}\n" for n in range(11)) + "last: {subnet: tiny}\n"
    text = design(
        subnets=SUBNETS + "tiny: {vpc: prod, cidr: 10.0.9.0/28, az: eu-west-1a}\n",
        route_tables=ROUTE_TABLES + "    - {destination: 10.0.9.0/28, instance: last}\n",
        instances=instances,
    )
    diagnostics = errors_of(tmp_path, text)
    assert codes(diagnostics) == ["subnet-full"]
    assert diagnostics[0].message == "interface last.eth0: subnet tiny has no free address"
    line, col = pos(text, "last: {")
    assert at(diagnostics[0]) == (line, col + len("last: "))


def _big_design(subnet_count: int, enis_per_subnet: int) -> Design:
    vpcs = {f"v{k}": Vpc(f"v{k}", (Cidr((10 << 24) | (k << 16), 16),), "", "", "", loc=HERE) for k in range(20)}
    subnets: dict[str, Subnet] = {}
    interfaces: dict[str, Interface] = {}
    instances: dict[str, Instance] = {}
    for n in range(subnet_count):
        vpc = n % 20
        cidr = Cidr((10 << 24) | (vpc << 16) | ((n // 20) << 8), 24)
        name = f"s{n}"
        subnets[name] = Subnet(name, f"v{vpc}", cidr, "eu-west-1a", "", "", loc=Location("big", n + 1, 1))
        for e in range(enis_per_subnet):
            eni = f"e{n}.{e}"
            interfaces[eni] = Interface(eni, eni, name, (cidr.first + 4 + e,), None, (), loc=HERE)
            instances[eni] = Instance(eni, (eni,), loc=HERE)
    return Design(
        "big", "eu-west-1", ("eu-west-1a",), MappingProxyType(vpcs), MappingProxyType(subnets),
        MappingProxyType({}), MappingProxyType({}), MappingProxyType({}), MappingProxyType({}),
        MappingProxyType({}), MappingProxyType({}), MappingProxyType({}), MappingProxyType(instances),
        MappingProxyType(interfaces), MappingProxyType({}),
    )


def test_validation_is_fast_on_a_large_design() -> None:
    big = _big_design(2000, 10)  # 2,000 subnets, 20,000 interfaces
    start = time.perf_counter()
    assert validate(big) == []
    assert time.perf_counter() - start < 5.0


def test_overlaps_and_duplicates_are_found_in_a_large_design() -> None:
    big = _big_design(2000, 10)
    subnets = dict(big.subnets)
    subnets["late"] = Subnet("late", "v7", _cidr("10.7.0.0/20"), "eu-west-1a", "", "", loc=Location("big", 5000, 1))
    interfaces = dict(big.interfaces)
    interfaces["dup"] = Interface("dup", None, "s0", (big.interfaces["e0.9"].primary_ip,), None, (),
                                  loc=Location("big", 6000, 1))
    big = Design(**{**{f: getattr(big, f) for f in big.__dataclass_fields__},
                    "subnets": MappingProxyType(subnets), "interfaces": MappingProxyType(interfaces)})
    start = time.perf_counter()
    diagnostics = validate(big)
    assert time.perf_counter() - start < 5.0
    assert codes(diagnostics) == ["private-ip-duplicate"] + ["subnet-overlap"] * 16
    assert all(d.message.startswith("subnet late: CIDR 10.7.0.0/20 overlaps subnet s") for d in diagnostics[:-1]
               if d.code == "subnet-overlap")


# A brute-force reference for the overlap sweep: every subnet that overlaps another one must
# appear in some report, and every report must name a truly overlapping pair.

def _subnet_cidr(offset: int, length: int) -> Cidr:
    """A valid /length block somewhere in 10.0.0.0/16."""
    size = 1 << (32 - length)
    base = (10 << 24) + offset * 16
    return Cidr(base - base % size, length)


_subnet_cidrs = st.builds(_subnet_cidr, st.integers(0, 4095), st.integers(18, 28))


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(_subnet_cidrs, min_size=1, max_size=12))
def test_subnet_overlap_sweep_matches_brute_force(cidrs: list[Cidr]) -> None:
    vpc = Vpc("v", (_cidr("10.0.0.0/16"),), "", "", "", loc=HERE)
    subnets = {
        f"s{i}": Subnet(f"s{i}", "v", c, "eu-west-1a", "", "", loc=Location("f", i + 1, 1)) for i, c in enumerate(cidrs)
    }
    design_ = Design(
        "f", "eu-west-1", ("eu-west-1a",), MappingProxyType({"v": vpc}), MappingProxyType(subnets),
        *(MappingProxyType({}) for _ in range(10)),  # type: ignore[arg-type]
    )
    reports = [d for d in validate(design_) if d.code == "subnet-overlap"]
    involved: set[str] = set()
    for d in reports:
        later = d.message.split(":")[0].removeprefix("subnet ")
        earlier = d.message.split(" overlaps subnet ")[1].split(" ")[0]
        assert subnets[later].cidr.overlaps(subnets[earlier].cidr)
        assert subnets[earlier].loc.line < subnets[later].loc.line  # the later one is blamed
        involved |= {later, earlier}
    expected = {
        a for a in subnets for b in subnets if a != b and subnets[a].cidr.overlaps(subnets[b].cidr)
    }
    assert involved == expected

