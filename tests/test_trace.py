"""The trace engine, one AWS rule at a time, on small inline designs (see docs/aws-semantics.md).

Each test writes a design to tmp_path, loads it with `vpcsim.load` and pins what the engine
answers: reachable, disposition, every blocker (code, direction, component, design line), the
kinds of hops on each leg and the addresses translated on the way.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcsim import EndpointError, UsageError
from vpcsim.network import Network
from vpcsim.results import Action, Hop, Step, StepKind, TraceResult

Make = Callable[[str], Network]  # the `make` fixture (tests/conftest.py)



def line_of(text: str, marker: str) -> int:
    """The 1-based line of the design text that holds `marker` (which must be unique)."""
    lines = [i for i, line in enumerate(textwrap.dedent(text).splitlines(), 1) if marker in line]
    assert len(lines) == 1, f"{marker!r} is on lines {lines}"
    return lines[0]


def body_of(text: str, key: str) -> int:
    """The line a block-style object is located at: its body's first line, under `key:`."""
    return line_of(text, key) + 1


def kinds(hops: tuple[Hop, ...]) -> list[str]:
    return [hop.kind for hop in hops]


def blockers(result: TraceResult) -> list[tuple[str, str, str, int | None]]:
    return [
        (b.code.value, b.direction, b.component, b.location.line if b.location else None) for b in result.blocked_by
    ]


def steps(hops: tuple[Hop, ...], kind: StepKind) -> list[Step]:
    return [step for hop in hops for step in hop.steps if step.kind is kind]


def hop(hops: tuple[Hop, ...], kind: str, index: int = 0) -> Hop:
    return [h for h in hops if h.kind == kind][index]


EPHEMERAL = ((32768, 60999),)

# -- 1-3: NACLs and security groups on one VPC -----------------------------------------------------

TWO_SUBNETS = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
subnets:
  a: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a, network_acl: acl-a}
  b: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a, network_acl: acl-b}
network_acls:
  acl-a:
    vpc: prod
    inbound: %(a_in)s
    outbound: %(a_out)s
  acl-b:
    vpc: prod
    inbound: %(b_in)s
    outbound: %(b_out)s
security_groups:
  client:
    vpc: prod
    ingress: []
    egress: %(client_egress)s
  db:
    vpc: prod
    ingress: %(db_ingress)s
    egress:
      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}  # db-egress: nothing to the client's ports
instances:
  c1: {subnet: a, private_ip: 10.0.1.10, security_groups: [client]}
  c2: {subnet: a, private_ip: 10.0.1.11, security_groups: [client, db]}
  db: {subnet: b, private_ip: 10.0.2.10, security_groups: [db]}
"""

ALLOW_ALL = "[{rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}]"
DB_5432 = "[{protocol: tcp, ports: 5432, cidr: 10.0.0.0/16}]"
CLIENT_ALL = "[{protocol: all, cidr: 0.0.0.0/0}]"


def two_subnets(**overrides: str) -> str:
    values = {
        "a_in": ALLOW_ALL,
        "a_out": ALLOW_ALL,
        "b_in": ALLOW_ALL,
        "b_out": ALLOW_ALL,
        "client_egress": CLIENT_ALL,
        "db_ingress": DB_5432,
    }
    values.update(overrides)
    return TWO_SUBNETS % values


def test_same_subnet_skips_nacls_and_route_table(make: Make) -> None:
    text = two_subnets(a_in="[]", a_out="[]")  # a custom NACL with no rules denies everything
    net = make(text)
    result = net.trace("c1", "c2", 5432)
    assert result.reachable
    assert result.disposition.value == "ACCEPTED"
    assert kinds(result.forward) == ["eni", "eni"]
    assert kinds(result.return_path) == ["eni", "eni"]
    for leg in (result.forward, result.return_path):
        for kind in (StepKind.NACL_OUT, StepKind.NACL_IN, StepKind.ROUTE):
            assert steps(leg, kind) == []
    assert result.blocked_by == ()
    # The same NACL does matter as soon as traffic leaves the subnet (forward and reply).
    crossing = net.trace("c1", "db", 5432)
    assert not crossing.reachable
    acl_a = body_of(text, "acl-a:")
    assert blockers(crossing) == [
        ("SUBNET_ACL_RESTRICTION", "forward", "acl-a", acl_a),
        ("SUBNET_ACL_RESTRICTION", "return", "acl-a", acl_a),
    ]
    assert crossing.disposition.value == "DENIED_OUT"


NACL_B_IN = "[{rule: 100, action: allow, protocol: tcp, ports: 5432, cidr: 10.0.1.0/24}]"
NACL_B_OUT = "[{rule: 100, action: allow, protocol: tcp, ports: 1024-65535, cidr: 10.0.1.0/24}]"
NACL_A_IN_WINDOWS = "[{rule: 100, action: allow, protocol: tcp, ports: 49152-65535, cidr: 10.0.0.0/16}]"


def test_cross_subnet_nacls_both_ways_stateless_with_swapped_ports(make: Make) -> None:
    text = two_subnets(a_in=ALLOW_ALL, b_in=NACL_B_IN, b_out=NACL_B_OUT)
    result = make(text).trace("c1", "db", 5432)
    assert result.reachable and result.disposition.value == "ACCEPTED"
    assert kinds(result.forward) == ["eni", "subnet", "vpc_router", "subnet", "eni"]
    assert kinds(result.return_path) == ["eni", "subnet", "vpc_router", "subnet", "eni"]
    assert [s.kind for s in result.forward[1].steps] == [StepKind.NACL_OUT, StepKind.ROUTE]
    assert [s.kind for s in result.forward[3].steps] == [StepKind.NACL_IN]
    assert [s.kind for s in result.forward[4].steps] == [StepKind.SG_INGRESS, StepKind.DELIVER]
    # Forward: the client's ephemeral ports to 5432; reply: 5432 back to the ephemeral ports.
    assert result.forward[0].packet.src_ports == EPHEMERAL
    assert result.forward[0].packet.dst_ports == ((5432, 5432),)
    reply = result.return_path[0].packet
    assert (reply.src, reply.dst, reply.src_ports, reply.dst_ports) == ("10.0.2.10", "10.0.1.10", ((5432, 5432),),
                                                                        EPHEMERAL)
    # The reply is re-checked by both NACLs (stateless) and passes the SGs by the session.
    ret_out, ret_in = steps(result.return_path, StepKind.NACL_OUT), steps(result.return_path, StepKind.NACL_IN)
    assert [s.component for s in ret_out] == ["acl-b"] and [s.component for s in ret_in] == ["acl-a"]
    assert ret_out[0].action is Action.ALLOW
    assert ret_out[0].location is not None and ret_out[0].location.line == line_of(text, "ports: 1024-65535")
    assert [s.action for s in steps(result.return_path, StepKind.SESSION)] == [Action.ALLOW, Action.ALLOW]
    assert steps(result.return_path, StepKind.SG_EGRESS) == []


def test_reply_admitted_for_part_of_the_ephemeral_range_is_partial(make: Make) -> None:
    text = two_subnets(a_in=NACL_A_IN_WINDOWS, b_in=NACL_B_IN, b_out=NACL_B_OUT)
    net = make(text)
    result = net.trace("c1", "db", 5432)
    assert not result.reachable
    assert result.partial
    assert result.admitted_src_ports == ((49152, 60999),)
    assert result.disposition.value == "RETURN_BLOCKED"
    acl_a = body_of(text, "acl-a:")  # the implicit '*' rule is located at its NACL
    assert blockers(result) == [("SUBNET_ACL_RESTRICTION", "return", "acl-a", acl_a)]
    assert [(w.code.value, w.direction, w.component) for w in result.warnings] == [
        ("EPHEMERAL_RANGE_PARTIAL", "return", "acl-a")
    ]
    assert "49152-60999" in result.warnings[0].detail
    assert result.return_path[-1].packet.dst_ports == ((49152, 60999),)

    high = net.trace("c1", "db", 5432, src_port=50000)
    assert high.reachable and not high.partial and high.warnings == ()
    assert high.admitted_src_ports == ((50000, 50000),)
    low = net.trace("c1", "db", 5432, src_port=40000)
    assert not low.reachable and not low.partial
    assert low.admitted_src_ports == ()  # nothing of the client's port gets back
    assert blockers(low) == [("SUBNET_ACL_RESTRICTION", "return", "acl-a", acl_a)]
    windows = net.trace("c1", "db", 5432, ephemeral=(49152, 65535))
    assert windows.reachable and not windows.partial
    assert windows.flow.src_ports == ((49152, 65535),)


def test_every_blocker_on_the_forward_leg_is_reported(make: Make) -> None:
    text = two_subnets(
        client_egress="[{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}]",
        a_out=(
            "[{rule: 90, action: deny, protocol: tcp, ports: 5432, cidr: 10.0.2.0/24},  # a-out-deny\n"
            "              {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}]"
        ),
        b_in=(
            "[{rule: 50, action: deny, protocol: tcp, ports: 5000-6000, cidr: 10.0.1.0/24},  # b-in-deny\n"
            "             {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}]"
        ),
        db_ingress="[{protocol: tcp, ports: 5432, cidr: 10.9.0.0/16}]",
    )
    result = make(text).trace("c1", "db", 5432)
    assert not result.reachable
    assert blockers(result) == [
        ("ENI_SG_RULES_MISMATCH", "forward", "c1.eth0", line_of(text, "  c1: {")),
        ("SUBNET_ACL_RESTRICTION", "forward", "acl-a", line_of(text, "a-out-deny")),
        ("SUBNET_ACL_RESTRICTION", "forward", "acl-b", line_of(text, "b-in-deny")),
        ("ENI_SG_RULES_MISMATCH", "forward", "db.eth0", line_of(text, "  db: {")),
    ]
    assert result.disposition.value == "DENIED_OUT"  # the first blocker's
    assert kinds(result.forward) == ["eni", "subnet", "vpc_router", "subnet", "eni"]
    # The reply is still walked; SGs are stateful, so db's egress rules (443 only) must not be
    # reported against the reply: the session of the (fixed) request lets it out.
    assert kinds(result.return_path) == ["eni", "subnet", "vpc_router", "subnet", "eni"]
    assert not [b for b in result.blocked_by if b.direction == "return"]


def test_return_leg_blockers_are_reported_after_a_forward_block(make: Make) -> None:
    text = two_subnets(db_ingress="[]", b_out="[]")
    result = make(text).trace("c1", "db", 5432)
    assert blockers(result) == [
        ("SG_HAS_NO_RULES", "forward", "db.eth0", line_of(text, "  db: {")),
        ("SUBNET_ACL_RESTRICTION", "return", "acl-b", body_of(text, "acl-b:")),
    ]
    assert result.disposition.value == "DENIED_IN"


def test_sg_egress_with_no_rules(make: Make) -> None:
    text = two_subnets(client_egress="[]")
    result = make(text).trace("c1", "db", 5432)
    assert blockers(result) == [("SG_HAS_NO_RULES", "forward", "c1.eth0", line_of(text, "  c1: {"))]
    assert result.disposition.value == "DENIED_OUT"


# -- 4-5: routing -----------------------------------------------------------------------------------

ROUTING = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [172.16.0.0/16]}
  peer: {cidrs: [10.5.0.0/16]}
  far: {cidrs: [10.7.0.0/16]}
peerings:
  p: {requester: prod, accepter: peer}
  pending: {requester: prod, accepter: far, status: pending-acceptance}
prefix_lists:
  corp: {entries: [10.5.0.0/16, 10.6.0.0/16]}
subnets:
  a: {vpc: prod, cidr: 172.16.1.0/24, az: eu-west-1a, route_table: rt}
  p1: {vpc: peer, cidr: 10.5.1.0/24, az: eu-west-1a, route_table: prt}
  f1: {vpc: far, cidr: 10.7.1.0/24, az: eu-west-1a}
route_tables:
  rt:
    vpc: prod
    routes:
      - destination: 0.0.0.0/0              # r-default
        internet_gateway: igw
      - destination_prefix_list: corp       # r-plist
        internet_gateway: igw
      - destination: 10.0.0.0/8             # r-ten
        peering: p
      - destination: 10.5.0.0/16            # r-static
        peering: p
      - destination: 10.99.0.0/16           # r-blackhole
        blackhole: true
      - destination: 10.98.0.0/16           # r-gone
        nat_gateway: nat
        state: blackhole
      - destination: 10.7.0.0/16            # r-pending
        peering: pending
      - destination: 10.50.0.0/16           # r-tgw
        unsupported: tgw
  prt:
    vpc: peer
    routes:
      - destination: 172.16.0.0/16
        peering: p
internet_gateways:
  igw: {vpc: prod}
nat_gateways:
  nat: {subnet: a, elastic_ip: 52.0.0.5}
unsupported:
  tgw: {kind: transit_gateway, aws_id: tgw-0123}  # the-tgw
security_groups:
  open:
    vpc: peer
    ingress:
      - {protocol: all, cidr: 0.0.0.0/0}
instances:
  src: {subnet: a, private_ip: 172.16.1.10}
  peer-host: {subnet: p1, private_ip: 10.5.1.10, security_groups: [open]}
  far-host: {subnet: f1, private_ip: 10.7.1.10}
"""


def route_step(result: TraceResult) -> Step:
    return steps(result.forward, StepKind.ROUTE)[0]


def test_longest_prefix_match_and_considered_routes(make: Make) -> None:
    net = make(ROUTING)
    # 10.5.1.10: four routes match; the /16s beat 10/8 and 0/0; the static /16 beats the
    # identical prefix-list /16 (which would send it to the IGW).
    result = net.trace("src", "peer-host", 443)
    assert result.reachable
    step = route_step(result)
    assert step.rule == "10.5.0.0/16 -> peering p"
    assert step.location is not None and step.location.line == line_of(ROUTING, "r-static")
    assert step.considered == (
        "10.5.0.0/16 -> peering p",
        "10.5.0.0/16 (prefix list corp) -> internet_gateway igw",
        "10.0.0.0/8 -> peering p",
        "0.0.0.0/0 -> internet_gateway igw",
    )
    assert kinds(result.forward) == ["eni", "subnet", "vpc_router", "peering", "vpc_router", "subnet", "eni"]
    # 10.6.0.1 is only in the prefix list: the /16 beats 10.0.0.0/8 -> peering.
    plist = net.trace("src", "10.6.0.1", 443)
    assert route_step(plist).rule == "10.6.0.0/16 (prefix list corp) -> internet_gateway igw"
    assert route_step(plist).location is not None
    assert route_step(plist).location.line == line_of(ROUTING, "r-plist")  # type: ignore[union-attr]
    # 10.8.0.1: 10.0.0.0/8 beats 0.0.0.0/0 and sends it to a peer that does not hold it.
    ten = net.trace("src", "10.8.0.1", 443)
    assert route_step(ten).considered == ("10.0.0.0/8 -> peering p", "0.0.0.0/0 -> internet_gateway igw")
    assert blockers(ten) == [("PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", "forward", "p", line_of(ROUTING, "r-ten"))]
    assert ten.disposition.value == "NULL_ROUTED"
    # Inside its own subnet nothing is routed: an address nobody holds is unreachable there.
    nobody = net.trace("src", "172.16.1.99", 443)
    assert nobody.disposition.value == "NEIGHBOR_UNREACHABLE"
    assert blockers(nobody) == [("DESTINATION_ADDRESS_UNASSIGNED", "forward", "a", line_of(ROUTING, "  a: {"))]
    assert kinds(nobody.forward) == ["eni"]


def test_blackhole_inactive_peering_and_unsupported_targets(make: Make) -> None:
    net = make(ROUTING)
    black = net.trace("src", "10.99.0.1", 443)
    assert not black.reachable
    assert black.disposition.value == "NULL_ROUTED"
    # LPM still picks the blackhole /16; it does not fall back to 10.0.0.0/8.
    assert blockers(black) == [("BAD_STATE_ROUTE", "forward", "rt", line_of(ROUTING, "r-blackhole"))]
    assert black.return_path == ()
    gone = net.trace("src", "10.98.0.1", 443)
    assert blockers(gone) == [("BAD_STATE_ROUTE", "forward", "rt", line_of(ROUTING, "r-gone"))]
    assert gone.disposition.value == "NULL_ROUTED"

    pending = net.trace("src", "far-host", 443)
    assert pending.flow.dst_ip == "10.7.1.10"
    assert pending.disposition.value == "NULL_ROUTED"
    assert blockers(pending) == [("BAD_STATE_ROUTE", "forward", "pending", line_of(ROUTING, "pending: {"))]
    assert kinds(pending.forward) == ["eni", "subnet", "vpc_router", "peering"]

    tgw = net.trace("src", "10.50.0.1", 443)
    assert tgw.disposition.value == "UNSUPPORTED"
    assert blockers(tgw) == [("UNSUPPORTED_COMPONENT", "forward", "tgw", line_of(ROUTING, "the-tgw"))]
    assert kinds(tgw.forward) == ["eni", "subnet", "unsupported"]
    assert tgw.forward[-1].aws_id == "tgw-0123"


def test_no_route(make: Make) -> None:
    net = make(ROUTING)
    result = net.trace("peer-host", "8.8.4.4", 443)
    assert result.disposition.value == "NO_ROUTE"
    assert blockers(result) == [("NO_ROUTE_TO_DESTINATION", "forward", "prt", body_of(ROUTING, "  prt:"))]
    assert kinds(result.forward) == ["eni", "subnet"]


# -- 6-7: internet gateway and NAT gateway -----------------------------------------------------------

EDGE = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
subnets:
  pub: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a, route_table: public%(pub_acl)s}
  priv: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a, route_table: private}
  iso: {vpc: prod, cidr: 10.0.3.0/24, az: eu-west-1a}
route_tables:
  public:
    vpc: prod
    routes:
      - destination: 0.0.0.0/0
        internet_gateway: igw
  private:
    vpc: prod
    routes:
      - destination: 0.0.0.0/0
        nat_gateway: nat
internet_gateways:
  igw: {vpc: prod}
nat_gateways:
  nat: {subnet: pub, elastic_ip: 52.0.0.5, private_ip: 10.0.1.5}  # the-nat
network_acls:
  pub-acl:
    vpc: prod
    inbound:
      - {rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 10.0.0.0/16}
      - {rule: 110, action: allow, protocol: tcp, ports: 32768-60999, cidr: 0.0.0.0/0}
    outbound:
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
security_groups:
  web:
    vpc: prod
    ingress:
      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
instances:
  web: {subnet: pub, private_ip: 10.0.1.10, public_ip: 54.0.0.10, security_groups: [web]}
  nopub: {subnet: pub, private_ip: 10.0.1.20, security_groups: [web]}
  app: {subnet: priv, private_ip: 10.0.2.10, security_groups: [web]}
  natted: {subnet: priv, private_ip: 10.0.2.20, public_ip: 54.0.0.20, security_groups: [web]}
  isolated: {subnet: iso, private_ip: 10.0.3.10, public_ip: 54.0.0.30, security_groups: [web]}
"""


def edge(pub_acl: str | None = None) -> str:
    return EDGE % {"pub_acl": f", network_acl: {pub_acl}" if pub_acl else ""}


def test_igw_needs_a_public_ip_for_egress(make: Make) -> None:
    text = edge()
    result = make(text).trace("nopub", "internet", 443)
    assert not result.reachable
    assert result.disposition.value == "DENIED_OUT"
    assert blockers(result) == [
        ("IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "forward", "nopub.eth0", line_of(text, "  nopub: {"))
    ]
    assert kinds(result.forward) == ["eni", "subnet", "vpc_router", "internet_gateway"]
    assert result.return_path == ()


def test_igw_inbound_to_a_public_ip_is_destination_nat(make: Make) -> None:
    result = make(edge()).trace("internet", "web", 443)
    assert result.reachable and result.disposition.value == "ACCEPTED"
    assert result.flow.dst_ip == "54.0.0.10"
    assert kinds(result.forward) == ["internet", "internet_gateway", "vpc_router", "subnet", "eni"]
    assert kinds(result.return_path) == ["eni", "subnet", "vpc_router", "internet_gateway", "internet"]
    (dnat,) = steps(result.forward, StepKind.TRANSLATE)
    assert dnat.before is not None and dnat.after is not None
    assert (dnat.before.dst, dnat.after.dst) == ("54.0.0.10", "10.0.1.10")
    assert dnat.before.src == dnat.after.src == result.flow.src_ip
    (snat,) = steps(result.return_path, StepKind.TRANSLATE)
    assert snat.before is not None and snat.after is not None
    assert (snat.before.src, snat.after.src) == ("10.0.1.10", "54.0.0.10")
    assert result.return_path[-1].packet.src == "54.0.0.10"


def test_igw_inbound_to_unknown_or_private_addresses(make: Make) -> None:
    text = edge()
    net = make(text)
    nobody = net.trace("internet", "54.9.9.9", 443)
    assert nobody.disposition.value == "NO_ROUTE"
    assert blockers(nobody) == [("IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", "forward", "internet", None)]
    private = net.trace("internet", "10.0.1.10", 443)
    assert private.disposition.value == "NULL_ROUTED"
    assert blockers(private) == [("NO_PATH", "forward", "internet", line_of(text, "  web: {"))]
    # An instance without a public IP is addressed by its private IP: no path from the internet.
    no_public = net.trace("internet", "nopub", 443)
    assert no_public.flow.dst_ip == "10.0.1.20"
    assert [b.code.value for b in no_public.blocked_by] == ["NO_PATH"]
    assert kinds(no_public.forward) == ["internet"]


def test_public_ip_without_igw_route_the_reply_fails(make: Make) -> None:
    net = make(edge())
    isolated = net.trace("internet", "isolated", 443)
    assert not isolated.reachable
    assert isolated.disposition.value == "RETURN_BLOCKED"
    assert kinds(isolated.forward) == ["internet", "internet_gateway", "vpc_router", "subnet", "eni"]
    assert [(b.code.value, b.direction) for b in isolated.blocked_by] == [("NO_ROUTE_TO_DESTINATION", "return")]
    # Its subnet sends 0.0.0.0/0 to a NAT gateway: the reply leaves from the NAT's EIP, and the
    # client, which talked to 54.0.0.20, drops it.
    natted = net.trace("internet", "natted", 443)
    assert not natted.reachable
    assert natted.disposition.value == "RETURN_BLOCKED"
    assert [(b.code.value, b.direction) for b in natted.blocked_by] == [("RETURN_PATH_ASYMMETRIC", "return")]
    assert kinds(natted.return_path) == [
        "eni", "subnet", "vpc_router", "subnet", "nat_gateway", "subnet", "vpc_router", "internet_gateway", "internet"
    ]
    assert natted.return_path[-1].packet.src == "52.0.0.5"


def test_nat_gateway_to_the_internet_and_back(make: Make) -> None:
    result = make(edge()).trace("app", "internet", 443)
    assert result.reachable
    assert result.disposition.value == "EXITS_NETWORK"
    assert kinds(result.forward) == [
        "eni", "subnet", "vpc_router", "subnet", "nat_gateway", "subnet", "vpc_router", "internet_gateway", "internet"
    ]
    snat, igw = steps(result.forward, StepKind.TRANSLATE)
    assert snat.before is not None and snat.after is not None
    assert (snat.before.src, snat.before.src_ports) == ("10.0.2.10", EPHEMERAL)
    assert (snat.after.src, snat.after.src_ports) == ("10.0.1.5", ((1024, 65535),))
    assert igw.after is not None and igw.after.src == "52.0.0.5"
    out = result.forward[-1].packet
    assert (out.src, out.src_ports, out.dst) == ("52.0.0.5", ((1024, 65535),), result.flow.dst_ip)
    # The reply: IGW maps the EIP to the NAT's private IP, the NAT session maps it back to app.
    assert kinds(result.return_path) == [
        "internet", "internet_gateway", "vpc_router", "subnet", "nat_gateway", "subnet", "vpc_router", "subnet", "eni"
    ]
    (session,) = [s for s in steps(result.return_path, StepKind.SESSION) if s.action is Action.TRANSLATE]
    assert session.before is not None and session.after is not None
    assert (session.before.dst, session.before.dst_ports) == ("10.0.1.5", ((1024, 65535),))
    assert (session.after.dst, session.after.dst_ports) == ("10.0.2.10", EPHEMERAL)
    assert result.return_path[-1].packet.dst == "10.0.2.10"


def test_nat_gateway_refuses_unsolicited_and_non_tcp_udp_icmp(make: Make) -> None:
    text = edge()
    net = make(text)
    unsolicited = net.trace("internet", "52.0.0.5", 443)
    assert unsolicited.disposition.value == "DENIED_IN"
    assert blockers(unsolicited) == [("NGW_NO_SESSION", "forward", "nat", line_of(text, "the-nat"))]
    assert kinds(unsolicited.forward) == ["internet", "internet_gateway", "vpc_router", "subnet", "nat_gateway"]
    gre = net.trace("app", "internet", 0, protocol=47)
    assert gre.flow.protocol == "47"
    assert gre.disposition.value == "DENIED_IN"
    assert blockers(gre) == [("NGW_UNSUPPORTED_PROTOCOL", "forward", "nat", line_of(text, "the-nat"))]
    udp = net.trace("app", "internet", 53, protocol="udp")
    assert udp.reachable


def test_nat_subnet_nacl_must_admit_the_nat_ports(make: Make) -> None:
    text = edge(pub_acl="pub-acl")
    result = make(text).trace("app", "internet", 443)
    assert not result.reachable
    assert result.disposition.value == "RETURN_BLOCKED"
    assert blockers(result) == [("SUBNET_ACL_RESTRICTION", "return", "pub-acl", body_of(text, "  pub-acl:"))]
    (warning,) = result.warnings
    assert (warning.code.value, warning.direction, warning.component) == ("EPHEMERAL_RANGE_PARTIAL", "return",
                                                                          "pub-acl")
    assert "32768-60999 of 1024-65535" in warning.detail
    assert "1024-32767,61000-65535" in result.blocked_by[0].detail
    # The flag agrees with the warning, and the NAT's admitted sub-range is named like a client's.
    assert result.partial
    assert result.admitted_nat_ports == ((32768, 60999),)
    assert result.to_json()["admitted_nat_ports"] == [[32768, 60999]]


PRIVATE_NAT = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
subnets:
  pub: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a, route_table: public}
  priv: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a, route_table: private}
route_tables:
  public:
    vpc: prod
    routes:
      - {destination: 0.0.0.0/0, internet_gateway: igw}
  private:
    vpc: prod
    routes:
      - {destination: 0.0.0.0/0, nat_gateway: pnat}
internet_gateways:
  igw: {vpc: prod}
nat_gateways:
  pnat: {subnet: pub, connectivity: private, private_ip: 10.0.1.6}  # the-pnat
instances:
  app: {subnet: priv, private_ip: 10.0.2.10}
"""


def test_private_nat_gateway_cannot_use_the_igw(make: Make) -> None:
    result = make(PRIVATE_NAT).trace("app", "internet", 443)
    assert not result.reachable
    assert result.disposition.value == "DENIED_OUT"
    assert blockers(result) == [("NGW_PRIVATE_TO_INTERNET", "forward", "pnat", line_of(PRIVATE_NAT, "the-pnat"))]
    assert kinds(result.forward) == [
        "eni", "subnet", "vpc_router", "subnet", "nat_gateway", "subnet", "vpc_router", "internet_gateway"
    ]
    assert hop(result.forward, "nat_gateway").packet.src == "10.0.1.6"


# -- 8: peering --------------------------------------------------------------------------------------

PEERING = """\
region: eu-west-1
vpcs:
  va: {cidrs: [10.1.0.0/16]}
  vb: {cidrs: [10.2.0.0/16]}
  vc: {cidrs: [10.3.0.0/16]}
peerings:
  ab: {requester: va, accepter: vb}
  bc: {requester: vb, accepter: vc}
subnets:
  a1: {vpc: va, cidr: 10.1.1.0/24, az: eu-west-1a, route_table: a-only-b}
  a2: {vpc: va, cidr: 10.1.2.0/24, az: eu-west-1a, route_table: a-everything-to-b}
  b-pub: {vpc: vb, cidr: 10.2.0.0/24, az: eu-west-1a, route_table: b-public}
  b1: {vpc: vb, cidr: 10.2.1.0/24, az: eu-west-1a, route_table: b-peers}
  b-iso: {vpc: vb, cidr: 10.2.9.0/24, az: eu-west-1a}
  c1: {vpc: vc, cidr: 10.3.1.0/24, az: eu-west-1a, route_table: c-rt}
route_tables:
  a-only-b:
    vpc: va
    routes:
      - {destination: 10.2.0.0/16, peering: ab}
  a-everything-to-b:
    vpc: va
    routes:
      - {destination: 10.2.0.0/16, peering: ab}
      - {destination: 10.3.0.0/16, peering: ab}  # a-to-c-via-b
      - {destination: 0.0.0.0/0, peering: ab}    # a-default-via-b
  b-public:
    vpc: vb
    routes:
      - {destination: 0.0.0.0/0, internet_gateway: igw-b}
  b-peers:
    vpc: vb
    routes:
      - {destination: 10.1.0.0/16, peering: ab}
      - {destination: 10.3.0.0/16, peering: bc}
      - {destination: 0.0.0.0/0, nat_gateway: nat-b}
  c-rt:
    vpc: vc
    routes:
      - {destination: 10.2.0.0/16, peering: bc}
internet_gateways:
  igw-b: {vpc: vb}
nat_gateways:
  nat-b: {subnet: b-pub, elastic_ip: 52.0.0.9}
security_groups:
  etl:
    vpc: va
    ingress: []
  svc:
    vpc: vb
    ingress:
      - {protocol: tcp, ports: 443, security_group: etl}   # svc-by-group
  open-c:
    vpc: vc
    ingress:
      - {protocol: all, cidr: 10.0.0.0/8}
instances:
  etl-1: {subnet: a1, private_ip: 10.1.1.10, security_groups: [etl]}
  other-a: {subnet: a1, private_ip: 10.1.1.20}
  etl-2: {subnet: a2, private_ip: 10.1.2.10, security_groups: [etl]}
  svc-1: {subnet: b1, private_ip: 10.2.1.10, security_groups: [svc]}
  svc-iso: {subnet: b-iso, private_ip: 10.2.9.10, security_groups: [svc]}
  c-host: {subnet: c1, private_ip: 10.3.1.10, security_groups: [open-c]}
"""


def test_peering_and_group_reference_across_it(make: Make) -> None:
    net = make(PEERING)
    result = net.trace("etl-1", "svc-1", 443)
    assert result.reachable and result.disposition.value == "ACCEPTED"
    assert kinds(result.forward) == ["eni", "subnet", "vpc_router", "peering", "vpc_router", "subnet", "eni"]
    assert kinds(result.return_path) == kinds(result.forward)
    (ingress,) = steps(result.forward, StepKind.SG_INGRESS)
    assert ingress.location is not None and ingress.location.line == line_of(PEERING, "svc-by-group")
    # Same subnet, not a member of etl: the group reference does not admit it.
    other = net.trace("other-a", "svc-1", 443)
    assert [(b.code.value, b.direction, b.component) for b in other.blocked_by] == [
        ("ENI_SG_RULES_MISMATCH", "forward", "svc-1.eth0")
    ]


def test_peering_is_not_transitive(make: Make) -> None:
    net = make(PEERING)
    no_route = net.trace("etl-1", "c-host", 443)
    assert no_route.disposition.value == "NO_ROUTE"
    assert blockers(no_route) == [("NO_ROUTE_TO_DESTINATION", "forward", "a-only-b", body_of(PEERING, "  a-only-b:"))]
    via_b = net.trace("etl-2", "c-host", 443)
    assert via_b.disposition.value == "NULL_ROUTED"
    assert blockers(via_b) == [("PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", "forward", "ab", line_of(PEERING, "a-to-c-via-b"))]
    assert kinds(via_b.forward) == ["eni", "subnet", "vpc_router", "peering"]


def test_no_edge_to_edge_routing(make: Make) -> None:
    net = make(PEERING)
    result = net.trace("etl-2", "internet", 443)
    assert not result.reachable
    assert blockers(result) == [
        ("PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", "forward", "ab", line_of(PEERING, "a-default-via-b"))
    ]
    # B's own instances do use B's NAT gateway.
    assert net.trace("svc-1", "internet", 443).reachable


def test_missing_return_route_in_the_peer(make: Make) -> None:
    net = make(PEERING)
    result = net.trace("etl-1", "svc-iso", 443)
    assert not result.reachable
    assert result.disposition.value == "RETURN_BLOCKED"
    assert kinds(result.forward)[-1] == "eni"
    # b-iso uses vb's implicit main table (local routes only), located at the VPC.
    assert blockers(result) == [("NO_ROUTE_TO_DESTINATION", "return", "vb/main", line_of(PEERING, "  vb: {"))]
    assert kinds(result.return_path) == ["eni", "subnet"]


MIDDLEBOX = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
subnets:
  pub: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a}
  a: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a, route_table: to-fw}
  b: {vpc: prod, cidr: 10.0.3.0/24, az: eu-west-1a, route_table: b-rt}
route_tables:
  to-fw:
    vpc: prod
    routes:
      - {destination: 10.0.3.0/24, interface: fw.eth0}
  b-rt:
    vpc: prod
    routes:
      - {destination: 10.0.2.0/24, nat_gateway: nat}
nat_gateways:
  nat: {subnet: pub, connectivity: private, private_ip: 10.0.1.5}
security_groups:
  any:
    vpc: prod
    ingress:
      - {protocol: all, cidr: 10.0.0.0/16}
instances:
  fw: {subnet: pub, private_ip: 10.0.1.50, security_groups: [any], source_dest_check: false}
  x: {subnet: a, private_ip: 10.0.2.10, security_groups: [any]}
  y: {subnet: b, private_ip: 10.0.3.10, security_groups: [any]}
"""


def test_reply_through_a_nat_gateways_forward_path_is_asymmetric(make: Make) -> None:
    net = make(MIDDLEBOX)
    # x -> y goes through the firewall (a subnet-CIDR route more specific than local); y's
    # reply is sent to the NAT gateway, which gives it a new source: x drops it.
    result = net.trace("x", "y", 443)
    assert not result.reachable
    assert result.disposition.value == "RETURN_BLOCKED"
    assert [h.name for h in result.forward if h.kind == "eni"] == ["x", "fw", "y"]
    assert [(b.code.value, b.direction, b.component) for b in result.blocked_by] == [
        ("RETURN_PATH_ASYMMETRIC", "return", "x.eth0")
    ]
    assert kinds(result.return_path) == [
        "eni", "subnet", "vpc_router", "subnet", "nat_gateway", "subnet", "vpc_router", "subnet", "eni"
    ]
    assert result.return_path[-1].packet.src == "10.0.1.5"
    # The other way the NAT gateway is on the forward leg and its session brings the reply back.
    back = net.trace("y", "x", 443)
    assert back.reachable
    assert hop(back.forward, "eni", -1).packet.src == "10.0.1.5"
    assert hop(back.return_path, "nat_gateway").packet.dst == "10.0.3.10"


# -- 9-10: appliances and instance state -----------------------------------------------------------------

APPLIANCE = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
subnets:
  pub: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a, route_table: public}
  via-nat: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a, route_table: to-natbox}
  via-check: {vpc: prod, cidr: 10.0.3.0/24, az: eu-west-1a, route_table: to-checkbox}
route_tables:
  public:
    vpc: prod
    routes:
      - {destination: 0.0.0.0/0, internet_gateway: igw}
  to-natbox:
    vpc: prod
    routes:
      - {destination: 0.0.0.0/0, instance: natbox}
  to-checkbox:
    vpc: prod
    routes:
      - {destination: 0.0.0.0/0, instance: checkbox}
internet_gateways:
  igw: {vpc: prod}
security_groups:
  nat:
    vpc: prod
    ingress:
      - {protocol: all, cidr: 10.0.0.0/16}
instances:
  natbox: {subnet: pub, private_ip: 10.0.1.50, public_ip: 54.0.0.50, security_groups: [nat], source_dest_check: false}
  checkbox: {subnet: pub, private_ip: 10.0.1.60, public_ip: 54.0.0.60, security_groups: [nat]}  # the-checkbox
  app1: {subnet: via-nat, private_ip: 10.0.2.10}
  app2: {subnet: via-check, private_ip: 10.0.3.10}
  off: {subnet: pub, private_ip: 10.0.1.70, state: stopped}  # the-off
"""


def test_nat_instance_with_source_dest_check_off(make: Make) -> None:
    result = make(APPLIANCE).trace("app1", "internet", 443)
    assert result.reachable
    assert result.disposition.value == "EXITS_NETWORK"
    assert kinds(result.forward) == [
        "eni", "subnet", "vpc_router", "subnet", "eni", "subnet", "vpc_router", "internet_gateway", "internet"
    ]
    natbox = result.forward[4]
    assert natbox.name == "natbox"
    assert [s.kind for s in natbox.steps] == [
        StepKind.SG_INGRESS, StepKind.SG_EGRESS, StepKind.TRANSLATE, StepKind.FORWARD
    ]
    masquerade, igw = steps(result.forward, StepKind.TRANSLATE)
    assert masquerade.before is not None and masquerade.after is not None
    assert (masquerade.before.src, masquerade.after.src) == ("10.0.2.10", "10.0.1.50")
    assert igw.after is not None and igw.after.src == "54.0.0.50"
    # The reply comes back to the NAT instance, which maps it back to app1.
    assert kinds(result.return_path) == [
        "internet", "internet_gateway", "vpc_router", "subnet", "eni", "subnet", "vpc_router", "subnet", "eni"
    ]
    back = result.return_path[4]
    assert back.name == "natbox" and back.packet.dst == "10.0.2.10"
    assert result.return_path[-1].packet.dst == "10.0.2.10"


def test_source_dest_check_on_an_appliance_drops_forwarded_traffic(make: Make) -> None:
    result = make(APPLIANCE).trace("app2", "internet", 443)
    assert not result.reachable
    assert result.disposition.value == "DENIED_IN"
    assert blockers(result) == [
        ("ENI_SOURCE_DEST_CHECK_RESTRICTION", "forward", "checkbox.eth0", line_of(APPLIANCE, "the-checkbox"))
    ]


def test_stopped_instance_at_either_end(make: Make) -> None:
    net = make(APPLIANCE)
    off = line_of(APPLIANCE, "the-off")
    to_off = net.trace("app1", "off", 22)
    assert not to_off.reachable
    assert blockers(to_off) == [("INSTANCE_NOT_RUNNING", "forward", "off", off)]  # reported once
    assert to_off.disposition.value == "DENIED_IN"
    from_off = net.trace("off", "app1", 22)
    assert not from_off.reachable
    assert blockers(from_off) == [("INSTANCE_NOT_RUNNING", "forward", "off", off)]
    assert from_off.disposition.value == "DENIED_OUT"


# -- 11: ICMP and protocol 'all' --------------------------------------------------------------------------

ICMP = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
subnets:
  a: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a, network_acl: acl-a}
  b: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a, network_acl: acl-b}
network_acls:
  acl-a:
    vpc: prod
    inbound:
      - {rule: 100, action: allow, protocol: icmp, icmp_type: %(reply_type)s, cidr: 10.0.0.0/16}
    outbound:
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
  acl-b:
    vpc: prod
    inbound:
      - {rule: 100, action: allow, protocol: icmp, icmp_type: 8, cidr: 10.0.0.0/16}
      - {rule: 110, action: allow, protocol: udp, ports: 53, cidr: 10.0.0.0/16}
    outbound:
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
security_groups:
  pingable:
    vpc: prod
    ingress:
      - {protocol: icmp, icmp_type: 8, cidr: 10.0.0.0/16}  # sg-echo
  anything:
    vpc: prod
    ingress:
      - {protocol: all, cidr: 10.0.1.0/24}  # sg-all
instances:
  client: {subnet: a, private_ip: 10.0.1.10}
  server: {subnet: b, private_ip: 10.0.2.10, security_groups: [pingable]}
  dns: {subnet: b, private_ip: 10.0.2.53, security_groups: [anything]}
"""


def test_icmp_echo_and_its_reply(make: Make) -> None:
    text = ICMP % {"reply_type": 0}
    net = make(text)
    result = net.trace("client", "server", 8, protocol="icmp")
    assert result.reachable
    assert result.flow.protocol == "icmp" and result.flow.dst_port == 8
    assert result.forward[0].packet.dst_ports == ((8 * 256, 8 * 256),)  # echo request
    (ingress,) = steps(result.forward, StepKind.SG_INGRESS)
    assert ingress.location is not None and ingress.location.line == line_of(text, "sg-echo")
    assert result.return_path[0].packet.protocol == "icmp"
    assert result.return_path[0].packet.dst_ports == ((0, 0),)  # echo reply: type 0, code 0
    assert result.admitted_src_ports == ()  # only TCP/UDP have ports to admit
    timestamp = net.trace("client", "server", 13, protocol="icmp")
    assert [(b.code.value, b.direction, b.component) for b in timestamp.blocked_by] == [
        ("SUBNET_ACL_RESTRICTION", "forward", "acl-b"),
        ("ENI_SG_RULES_MISMATCH", "forward", "server.eth0"),
        ("SUBNET_ACL_RESTRICTION", "return", "acl-a"),  # acl-a admits echo replies only
    ]
    assert "icmp type 13 code 0" in timestamp.blocked_by[1].detail
    assert timestamp.return_path[0].packet.dst_ports == ((14 * 256, 14 * 256),)  # timestamp reply
    assert "icmp type 14 code 0" in timestamp.blocked_by[2].detail
    assert timestamp.disposition.value == "DENIED_IN"


def test_icmp_reply_is_an_echo_reply_for_the_nacl(make: Make) -> None:
    text = ICMP % {"reply_type": 8}  # acl-a admits echo requests, not the echo reply
    result = make(text).trace("client", "server", 8, protocol="icmp")
    assert not result.reachable
    assert blockers(result) == [("SUBNET_ACL_RESTRICTION", "return", "acl-a", body_of(text, "acl-a:"))]


def test_protocol_all_security_group_rule_admits_udp(make: Make) -> None:
    text = ICMP % {"reply_type": 0}
    net = make(text)
    result = net.trace("client", "dns", 53, protocol="udp")
    assert result.flow.protocol == "udp"
    (ingress,) = steps(result.forward, StepKind.SG_INGRESS)
    assert ingress.action is Action.ALLOW
    assert ingress.location is not None and ingress.location.line == line_of(text, "sg-all")
    # acl-a admits only ICMP inbound, so the UDP reply is dropped there (stateless).
    assert blockers(result) == [("SUBNET_ACL_RESTRICTION", "return", "acl-a", body_of(text, "acl-a:"))]


# -- 12: endpoints -------------------------------------------------------------------------------------

ENDPOINTS = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
  peer: {cidrs: [10.1.0.0/16]}
  other: {cidrs: [10.2.0.0/16]}
peerings:
  pp: {requester: prod, accepter: peer}
subnets:
  pub: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a, route_table: public}
  peer-a: {vpc: peer, cidr: 10.1.1.0/24, az: eu-west-1a, route_table: peer-rt}
  other-a: {vpc: other, cidr: 10.2.1.0/24, az: eu-west-1a, route_table: other-rt}
route_tables:
  public:
    vpc: prod
    routes:
      - {destination: 0.0.0.0/0, internet_gateway: igw}
      - {destination: 10.1.0.0/16, peering: pp}
  peer-rt:
    vpc: peer
    routes:
      - {destination: 10.0.0.0/16, peering: pp}
  other-rt:
    vpc: other
    routes:
      - {destination: 0.0.0.0/0, internet_gateway: igw-other}
internet_gateways:
  igw: {vpc: prod}
  igw-other: {vpc: other}
security_groups:
  web:
    vpc: prod
    ingress:
      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
      - {protocol: tcp, ports: 22, cidr: 8.8.8.0/24}
instances:
  web: {subnet: pub, private_ip: 10.0.1.10, public_ip: 54.0.0.10, security_groups: [web], aws_id: i-0web}
  box:
    aws_id: i-0box
    interfaces:
      - {name: box.eth0, subnet: pub, private_ip: 10.0.1.20, aws_id: eni-0box0}
      - {subnet: pub, private_ip: 10.0.1.21}
  peer-host: {subnet: peer-a, private_ip: 10.1.1.10}
  other-host: {subnet: other-a, private_ip: 10.2.1.10, public_ip: 54.0.0.99}
"""


def test_endpoint_forms(make: Make) -> None:
    net = make(ENDPOINTS)
    by_name = net.trace("box", "web", 443)
    assert (by_name.flow.src_ip, by_name.flow.dst_ip) == ("10.0.1.20", "10.0.1.10")
    assert by_name.forward[0].name == "box.eth0"
    by_eni = net.trace("box.eth1", "web", 443)
    assert by_eni.flow.src_ip == "10.0.1.21" and by_eni.forward[0].name == "box.eth1"
    by_ip = net.trace("10.0.1.21", "10.0.1.10", 443)
    assert (by_ip.flow.src_ip, by_ip.flow.dst_ip) == ("10.0.1.21", "10.0.1.10")
    assert by_ip.forward[0].name == "box.eth1" and by_ip.reachable
    by_id = net.trace("i-0box", "i-0web", 443)
    assert (by_id.flow.src_ip, by_id.flow.dst_ip) == ("10.0.1.20", "10.0.1.10")
    assert net.trace("eni-0box0", "web", 443).flow.src_ip == "10.0.1.20"
    # A public IP as the source: the instance still sends from its private IP, the IGW maps it.
    by_public = net.trace("54.0.0.10", "internet", 443)
    assert by_public.flow.src_ip == "10.0.1.10"
    assert by_public.reachable and by_public.disposition.value == "EXITS_NETWORK"
    assert by_public.forward[-1].packet.src == "54.0.0.10"
    from_internet = net.trace("203.0.113.7", "54.0.0.10", 443)
    assert (from_internet.flow.src_ip, from_internet.flow.dst_ip) == ("203.0.113.7", "54.0.0.10")
    assert from_internet.reachable and kinds(from_internet.forward)[0] == "internet"
    # 'internet' is an address no rule singles out: 8.8.8.0/24 is named by an SG rule here.
    internet = net.trace("internet", "web", 443)
    assert internet.flow.src_ip == "1.1.1.1" and internet.flow.dst_ip == "54.0.0.10"
    assert internet.reachable


def test_instance_addressed_privately_from_peer_and_publicly_from_elsewhere(make: Make) -> None:
    net = make(ENDPOINTS)
    from_peer = net.trace("peer-host", "web", 443)
    assert from_peer.flow.dst_ip == "10.0.1.10"
    assert from_peer.reachable
    assert "peering" in kinds(from_peer.forward)
    from_other = net.trace("other-host", "web", 443)
    assert from_other.flow.dst_ip == "54.0.0.10"
    assert from_other.reachable
    assert kinds(from_other.forward) == [
        "eni", "subnet", "vpc_router", "internet_gateway", "internet", "internet_gateway", "vpc_router", "subnet",
        "eni",
    ]
    assert from_other.forward[-1].packet.src == "54.0.0.99"  # arrives from other-host's public IP


@pytest.mark.parametrize(
    "src, dst, port, protocol, kwargs, error",
    [
        ("nobody", "web", 443, "tcp", {}, EndpointError),
        ("web", "nope", 443, "tcp", {}, EndpointError),
        ("web", "10.0.1.300", 443, "tcp", {}, EndpointError),
        ("web", "internet", 65536, "tcp", {}, UsageError),
        ("web", "internet", -1, "tcp", {}, UsageError),
        ("web", "internet", True, "tcp", {}, UsageError),
        ("web", "internet", 443, "gre", {}, UsageError),
        ("web", "internet", 443, "all", {}, UsageError),
        ("web", "internet", 443, 256, {}, UsageError),
        ("web", "internet", 256, "icmp", {}, UsageError),
        ("web", "internet", 443, "tcp", {"src_port": 70000}, UsageError),
        ("web", "internet", 443, "tcp", {"ephemeral": (60000, 1024)}, UsageError),
    ],
)
def test_bad_endpoints_and_arguments(
    make: Make, src: str, dst: str, port: int, protocol: str | int, kwargs: dict[str, object], error: type
) -> None:
    net = make(ENDPOINTS)
    with pytest.raises(error):
        net.trace(src, dst, port, protocol, **kwargs)  # type: ignore[arg-type]


def test_protocol_spellings(make: Make) -> None:
    net = make(ENDPOINTS)
    assert net.trace("web", "internet", 443, "TCP").flow.protocol == "tcp"
    assert net.trace("web", "internet", 443, "6").flow.protocol == "tcp"
    assert net.trace("web", "internet", 53, 17).flow.protocol == "udp"


# -- 13: JSON ------------------------------------------------------------------------------------------


def test_json_round_trip(make: Make) -> None:
    net = make(edge())
    for result in (net.trace("app", "internet", 443), net.trace("internet", "isolated", 443)):
        doc = json.loads(json.dumps(result.to_json()))
        assert {"reachable", "disposition", "flow", "forward", "return", "blocked_by", "warnings"} <= set(doc)
        assert doc["reachable"] is result.reachable
        assert doc["disposition"] == result.disposition.value
        assert [h["kind"] for h in doc["forward"]] == kinds(result.forward)
        assert [h["kind"] for h in doc["return"]] == kinds(result.return_path)
        assert [b["code"] for b in doc["blocked_by"]] == [b.code.value for b in result.blocked_by]
        assert doc["flow"]["src_ports"] == [list(r) for r in result.flow.src_ports]
    blocked = json.loads(json.dumps(net.trace("internet", "isolated", 443).to_json()))
    assert blocked["blocked_by"][0]["direction"] == "return"
    assert blocked["blocked_by"][0]["location"] is not None


# -- forwarding loops and the documented vocabulary -----------------------------------------------

LOOPING = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
internet_gateways:
  igw: {vpc: prod}
nat_gateways:
  nat: {subnet: pub, elastic_ip: 203.0.113.9}
route_tables:
  rt-pub:
    vpc: prod
    routes:
      - {destination: 0.0.0.0/0, nat_gateway: nat}   # the mistake: back to the NAT gateway itself
  rt-priv:
    vpc: prod
    routes:
      - {destination: 0.0.0.0/0, nat_gateway: nat}
subnets:
  pub: {vpc: prod, cidr: 10.0.0.0/24, az: eu-west-1a, route_table: rt-pub}
  priv: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a, route_table: rt-priv}
security_groups:
  app:
    vpc: prod
    egress: [{protocol: all, cidr: 0.0.0.0/0}]
instances:
  app: {subnet: priv, security_groups: [app]}
"""


def test_a_forwarding_loop_is_a_loop_that_names_its_routes(make: Make) -> None:
    # A NAT gateway whose own subnet routes 0.0.0.0/0 back to it: the translated packet comes
    # back to the public subnet unchanged. Batfish calls this disposition LOOP; the walk stops at
    # the first repeat and names the route that closes the cycle, with its location.
    net = make(LOOPING)
    result = net.trace("app", "8.8.8.8", 443)
    assert result.disposition.value == "LOOP"
    assert blockers(result) == [("FORWARDING_LOOP", "forward", "rt-pub", line_of(LOOPING, "the mistake"))]
    assert "rt-pub: 0.0.0.0/0 -> nat_gateway nat" in result.blocked_by[0].detail
    assert len(result.forward) < 12, "stops at the first repeat, not after 64 hops"


def test_every_code_and_disposition_the_engine_has_is_documented() -> None:
    from vpcsim.results import Code, Disposition

    text = (Path(__file__).resolve().parents[1] / "docs" / "trace.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)`", text, re.M))
    assert documented == {c.value for c in Code} | {d.value for d in Disposition}


# -- security-group references through a middlebox -------------------------------------------------
# AWS, "Security group rules" and the middlebox-routing guidance: when routes send traffic
# between two instances through an appliance, the instances' groups must reference each other's
# private IP or subnet CIDR; "if you reference the security group of the other instance as the
# source, this does not allow traffic to flow between the instances".
# https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html

INSPECTED = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
subnets:
  fw-net: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a}
  web-net: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a, route_table: web-rt}
  db-net: {vpc: prod, cidr: 10.0.3.0/24, az: eu-west-1a, route_table: db-rt}
route_tables:
  web-rt:
    vpc: prod
    routes:
      - {destination: 10.0.3.0/24, interface: fw.eth0}
  db-rt:
    vpc: prod
    routes:
      - {destination: 10.0.2.0/24, interface: fw.eth0}
security_groups:
  fw:
    vpc: prod
    ingress: [{protocol: all, cidr: 10.0.0.0/16}]
  web:
    vpc: prod
    ingress: [{protocol: all, cidr: 10.0.0.0/16}]
  db:
    vpc: prod
    ingress:
      - {protocol: tcp, ports: 5432, security_group: web}      # by reference: through the fw, nothing
      - {protocol: tcp, ports: 6432, cidr: 10.0.2.10/32}       # by address: works through the fw
  direct-db:
    vpc: prod
    ingress:
      - {protocol: tcp, ports: 5432, security_group: web}
instances:
  fw: {subnet: fw-net, private_ip: 10.0.1.50, security_groups: [fw], source_dest_check: false}
  web: {subnet: web-net, private_ip: 10.0.2.10, security_groups: [web]}
  db: {subnet: db-net, private_ip: 10.0.3.10, security_groups: [db]}
  db-next-door: {subnet: web-net, private_ip: 10.0.2.20, security_groups: [direct-db]}
"""


def test_a_group_reference_does_not_match_traffic_an_appliance_forwards(make: Make) -> None:
    net = make(INSPECTED)
    by_reference = net.trace("web", "db", 5432)
    assert [h.name for h in by_reference.forward if h.kind == "eni"] == ["web", "fw", "db"]
    assert not by_reference.reachable
    assert ("ENI_SG_RULES_MISMATCH", "forward", "db.eth0") in [
        (b.code.value, b.direction, b.component) for b in by_reference.blocked_by
    ]
    by_address = net.trace("web", "db", 6432)
    assert by_address.reachable, [b.detail for b in by_address.blocked_by]


def test_a_group_reference_still_matches_direct_traffic(make: Make) -> None:
    net = make(INSPECTED)
    assert net.trace("web", "db-next-door", 5432).reachable


def test_the_analyses_agree_with_the_walk_through_a_middlebox(make: Make) -> None:
    from vpcsim.analyse import Analyser
    from vpcsim.traffic import Traffic

    net = make(INSPECTED)
    traffic = Analyser(net).traffic("web", "db")
    assert traffic == Traffic.parse("tcp/6432")


# -- ICMP as users debug it -----------------------------------------------------------------------

ICMP_NACL = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
subnets:
  a: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a, network_acl: acl}
  b: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a}
network_acls:
  acl:
    vpc: prod
    inbound:
      - {rule: 100, action: allow, protocol: icmp, icmp_type: 3, icmp_code: 4, cidr: 10.0.0.0/16}  # PMTUD only
    outbound:
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
security_groups:
  open:
    vpc: prod
    ingress: [{protocol: all, cidr: 10.0.0.0/16}]
instances:
  x: {subnet: a, security_groups: [open]}
  y: {subnet: b, security_groups: [open]}
"""


def test_icmp_type_and_code_select_the_rule(make: Make) -> None:
    # Path MTU discovery needs ICMP type 3 code 4 ("fragmentation needed") to reach the sender
    # (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html, "Path MTU Discovery").
    net = make(ICMP_NACL)
    needed = net.trace("y", "x", 3, "icmp", icmp_code=4)
    assert not any(b.direction == "forward" for b in needed.blocked_by)
    other = net.trace("y", "x", 3, "icmp", icmp_code=1)
    assert [(b.code.value, b.direction) for b in other.blocked_by][0] == ("SUBNET_ACL_RESTRICTION", "forward")
    with pytest.raises(UsageError, match="needs protocol icmp"):
        net.trace("y", "x", 443, "tcp", icmp_code=4)
    with pytest.raises(UsageError, match="icmp code 256 is out of range"):
        net.trace("y", "x", 3, "icmp", icmp_code=256)


def test_cli_takes_icmp_type_and_code(make: Make, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vpcsim.cli import main

    path = tmp_path / "icmp.yaml"
    path.write_text(ICMP_NACL)
    args = ["trace", "--design", str(path), "y", "x", "--protocol", "icmp", "--icmp-type", "3", "--json"]
    assert main([*args, "--icmp-code", "4"]) == 0
    assert json.loads(capsys.readouterr().out)["flow"]["dst_port"] == 3
    assert main(["trace", "--design", str(path), "y", "x"]) == 2
    assert "needs a PORT" in capsys.readouterr().err


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["web-a", " web-a ", "", "  "]), st.sampled_from(["internet", "db", ""]),
       st.one_of(st.integers(-5, 70000), st.booleans()), st.sampled_from(["tcp", "udp", "icmp", "TCP", 6, 17, 1, 47, -1, True]))
def test_trace_args_fast_path_equals_the_general_checks(src: str, dst: str, port: object, proto: object) -> None:
    """The usual call's shortcut in arguments.trace_args decides as the general checks do."""
    from vpcsim import arguments

    def general() -> object:
        number = arguments.protocol(proto)
        checked = arguments.port(port, "icmp type" if number == 1 else "port", 255 if number == 1 else 65535)
        return (arguments.endpoint(src, "source"), arguments.endpoint(dst, "destination"), checked, number, None, None)

    try:
        want: object = general()
    except UsageError:
        want = UsageError
    try:
        got: object = arguments.trace_args(src, dst, port, proto, None, None)
    except UsageError:
        got = UsageError
    assert got == want
