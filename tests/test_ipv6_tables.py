"""The compiled tables over both families, against plain references built with ipaddress.

A route table, a NACL and an interface's security groups hold IPv4 and IPv6 entries side by side;
compile keeps one core table per family (128-bit ones for IPv6) and an address asks its own.
Hypothesis writes designs with random entries of both families and random addresses of both,
and every answer is held to a reference that knows nothing of vpcsim's tables: longest prefix
match with route priority, first match by rule number with a '*' deny per family, any match.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vpcsim
from vpcsim.model import parse_ip

SETTINGS = settings(derandomize=True, max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

V4_BLOCK = ipaddress.ip_network("10.0.0.0/16")
V6_BLOCK = ipaddress.ip_network("2600:1f18:1::/56")


def _v4_prefix() -> st.SearchStrategy[ipaddress.IPv4Network]:
    return st.builds(lambda a, n: ipaddress.ip_network((a, n), strict=False),
                     st.integers(0, 2**32 - 1), st.sampled_from([0, 1, 8, 12, 16, 20, 24, 28, 32]))


def _v6_prefix() -> st.SearchStrategy[ipaddress.IPv6Network]:
    # Around the VPC's block and the default route, so that prefixes nest and tie often.
    near = st.integers(0, 2**72 - 1).map(lambda low: int(V6_BLOCK.network_address) | low)
    anywhere = st.integers(2**32, 2**128 - 1)
    return st.builds(lambda a, n: ipaddress.ip_network((a, n), strict=False),
                     st.one_of(near, anywhere), st.sampled_from([0, 1, 16, 32, 48, 56, 60, 64, 96, 127, 128]))


prefixes = st.one_of(_v4_prefix(), _v6_prefix())


def _address() -> st.SearchStrategy[int]:
    v4 = st.one_of(st.integers(0, 2**32 - 1), st.integers(0, 2**16 - 1).map(lambda x: int(V4_BLOCK[0]) + x))
    v6 = st.one_of(st.integers(2**32, 2**128 - 1),
                   st.integers(0, 2**72 - 1).map(lambda x: int(V6_BLOCK.network_address) | x))
    return st.one_of(v4, v6)


def _text(addr: int) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.IPv4Address(addr) if addr <= 0xFFFFFFFF else ipaddress.IPv6Address(addr)


HEAD = f"""\
version: 1
region: eu-west-1
vpcs:
  v: {{cidrs: [{V4_BLOCK}], ipv6_cidrs: ["{V6_BLOCK}"]}}
subnets:
  a: {{vpc: v, cidr: 10.0.1.0/24, ipv6_cidr: "2600:1f18:1:1::/64", az: eu-west-1a, route_table: rt,
      network_acl: acl}}
"""


def _load(tmp_path: Path, body: str) -> vpcsim.Network:
    path = tmp_path / "d.yaml"
    path.write_text(HEAD + body)
    return vpcsim.load(path)


# -- routes -----------------------------------------------------------------------------------------


@SETTINGS
@given(st.lists(prefixes, max_size=12, unique_by=str), st.lists(_address(), min_size=1, max_size=20))
def test_longest_prefix_match_per_family_matches_a_reference(tmp_path: Path, routes: list[ipaddress._BaseNetwork],
                                                              probes: list[int]) -> None:
    # Routes inside the VPC's blocks (other than whole subnets) conflict with local: keep them out.
    kept = [p for p in routes if not p.overlaps(V4_BLOCK if p.version == 4 else V6_BLOCK)]
    lines = "".join(f'      - {{destination: "{p}", blackhole: true}}\n' for p in kept)
    net = _load(tmp_path, "route_tables:\n  rt:\n    vpc: v\n    routes:\n" + (lines or "      []\n")
                + "network_acls:\n  acl: {vpc: v}\n")
    table = net.routes("rt")
    entries = [(V4_BLOCK, "local"), (V6_BLOCK, "local")] + [(p, str(p)) for p in kept]
    for addr in probes:
        here = _text(addr)
        matching = [(p, label) for p, label in entries if p.version == here.version and here in p]
        got = table.lookup(addr)
        if not matching:
            assert got is None
            continue
        best = max(p.prefixlen for p, _ in matching)
        want = next(label for p, label in matching if p.prefixlen == best)  # local first on a tie
        assert got is not None and (got.route is None if want == "local" else str(got.cidr) == want)
        assert len(table.candidates(addr)) == len(matching)


# -- network ACLs -----------------------------------------------------------------------------------

nacl_rules = st.lists(
    st.tuples(st.integers(1, 32766), st.booleans(), st.sampled_from(["all", "tcp", "udp"]),
              st.tuples(st.integers(0, 65535), st.integers(0, 65535)), prefixes),
    max_size=10, unique_by=lambda r: r[0])


@SETTINGS
@given(nacl_rules, st.lists(st.tuples(_address(), st.sampled_from([6, 17, 47]), st.integers(0, 65535)),
                            min_size=1, max_size=20))
def test_nacl_first_match_per_family_matches_a_reference(tmp_path: Path, rules: list[tuple], probes: list[tuple]) -> None:
    lines = []
    for number, allow, proto, (lo, hi), cidr in rules:
        ports = f", ports: {min(lo, hi)}-{max(lo, hi)}" if proto != "all" else ""
        lines.append(f'      - {{rule: {number}, action: {"allow" if allow else "deny"}, protocol: {proto}'
                     f'{ports}, cidr: "{cidr}"}}\n')
    net = _load(tmp_path, "route_tables:\n  rt: {vpc: v}\nnetwork_acls:\n  acl:\n    vpc: v\n    inbound:\n"
                + ("".join(lines) or "      []\n") + "    outbound: []\n")
    acl = net.nacl("acl")
    names = {"tcp": 6, "udp": 17, "all": -1}
    for addr, proto, port in probes:
        here = _text(addr)
        want = False  # the family's '*' rule
        for _number, allow, rproto, (lo, hi), cidr in sorted(rules, key=lambda r: r[0]):
            if cidr.version != here.version or here not in cidr:
                continue
            if names[rproto] not in (-1, proto):
                continue
            if rproto != "all" and not min(lo, hi) <= port <= max(lo, hi):
                continue
            want = allow
            break
        tables = acl.family(addr)
        index = tables.inbound.first_match(addr, proto, port)
        rule = tables.inbound_rules[index]
        assert (rule is not None and rule.allow) == want
        if proto == 47:  # no ports: the filter's port-free answer is the same
            assert tables.inbound_filter.admits(addr, proto) == want


# -- security groups ----------------------------------------------------------------------------------


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["all", "tcp"]), st.tuples(st.integers(0, 65535), st.integers(0, 65535)),
                          prefixes), max_size=8),
       st.lists(st.tuples(_address(), st.integers(0, 65535)), min_size=1, max_size=20))
def test_security_group_any_match_per_family_matches_a_reference(tmp_path: Path, rules: list[tuple],
                                                                 probes: list[tuple]) -> None:
    lines = []
    for proto, (lo, hi), cidr in rules:
        ports = f", ports: {min(lo, hi)}-{max(lo, hi)}" if proto != "all" else ""
        lines.append(f'      - {{protocol: {proto}{ports}, cidr: "{cidr}"}}\n')
    net = _load(tmp_path, "route_tables:\n  rt: {vpc: v}\nnetwork_acls:\n  acl: {vpc: v}\n"
                "security_groups:\n  g:\n    vpc: v\n    ingress:\n" + ("".join(lines) or "      []\n"))
    groups = net.groups(("g",))
    for addr, port in probes:
        here = _text(addr)
        want = any(cidr.version == here.version and here in cidr
                   and (proto == "all" or min(lo, hi) <= port <= max(lo, hi)) for proto, (lo, hi), cidr in rules)
        assert (groups.family(addr).ingress.match(addr, 6, port) >= 0) == want


def test_a_family_never_answers_for_the_other() -> None:
    # ::/0 allows all IPv6, and says nothing of 10.0.1.10; 0.0.0.0/0 nothing of any IPv6 address.
    net = vpcsim.load(Path(__file__).resolve().parents[1] / "scenarios" / "dual-stack.yaml")
    acl = net.nacl("private-b-acl")
    v4, v6 = parse_ip("198.51.100.10"), parse_ip("2001:db8::1")
    assert acl.family(v4) is acl and acl.family(v6) is acl.six
    assert acl.inbound_rules[acl.inbound.first_match(v4, 6, 40000)] is None  # IPv4: rule * (no ephemeral range)
    six = acl.family(v6)
    rule = six.inbound_rules[six.inbound.first_match(v6, 6, 40000)]
    assert rule is not None and rule.number == 101 and str(rule.cidr) == "::/0"
    with pytest.raises(ValueError):
        acl.inbound.first_match(v6, 6, 40000)  # a 32-bit table refuses a 128-bit address
