"""Tests for vpcsim.core: every compiled structure against a plain loop-over-rules reference."""

from __future__ import annotations

import bisect
import contextlib
import random
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpcsim import core
from vpcsim.core import (
    ADDR_MAX,
    PORT_MAX,
    PROTO_ALL,
    AnyMatchRules,
    FirstMatchRules,
    PrefixTable,
    limits,
    ports_intersect,
    ports_normalize,
    ports_subtract,
    ports_union,
)

PROPS = settings(derandomize=True, max_examples=200, deadline=None)

Rule = tuple[int, int, int, int, int]


def ip(text: str) -> int:
    a, b, c, d = (int(x) for x in text.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


# ---------------------------------------------------------------- reference implementation


def ref_span(net: int, plen: int) -> tuple[int, int]:
    size = 2 ** (32 - plen)
    lo = net // size * size
    return lo, lo + size - 1


def ref_lookup(prefixes: Sequence[tuple[int, int]], addr: int) -> int:
    best, best_len = -1, -1
    for i, (net, plen) in enumerate(prefixes):
        lo, hi = ref_span(net, plen)
        if lo <= addr <= hi and plen > best_len:
            best, best_len = i, plen
    return best


def ref_matching(prefixes: Sequence[tuple[int, int]], addr: int) -> list[int]:
    hits = [i for i, (net, plen) in enumerate(prefixes) if ref_span(net, plen)[0] <= addr <= ref_span(net, plen)[1]]
    return sorted(hits, key=lambda i: (-prefixes[i][1], i))


def ref_rule_matches(rule: Rule, addr: int, proto: int, port: int) -> bool:
    alo, ahi, rproto, plo, phi = rule
    if not alo <= addr <= ahi:
        return False
    if rproto == -1:
        return True
    if rproto != proto:
        return False
    return proto not in (1, 6, 17, 58) or plo <= port <= phi  # 58: ICMPv6, type*256+code like ICMP


def ref_first(rules: Sequence[Rule], addr: int, proto: int, port: int) -> int:
    for i, rule in enumerate(rules):
        if ref_rule_matches(rule, addr, proto, port):
            return i
    return -1


def ref_runs(f: Callable[[int], int], lo: int, hi: int, cuts: Iterable[int]) -> list[tuple[int, int, int]]:
    """Maximal runs of f over [lo, hi], assuming f only changes value at the given cut points."""
    points = sorted({lo} | {c for c in cuts if lo < c <= hi})
    out: list[tuple[int, int, int]] = []
    for k, p in enumerate(points):
        end = points[k + 1] - 1 if k + 1 < len(points) else hi
        v = f(p)
        if out and out[-1][2] == v:
            out[-1] = (out[-1][0], end, v)
        else:
            out.append((p, end, v))
    return out


def true_runs(runs: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi, v in runs:
        if not v:
            continue
        if out and out[-1][1] + 1 == lo:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def port_cuts(rules: Sequence[Rule]) -> set[int]:
    return {r[3] for r in rules} | {r[4] + 1 for r in rules}


def addr_cuts(rules: Sequence[Rule]) -> set[int]:
    return {r[0] for r in rules} | {r[1] + 1 for r in rules}


def assert_partition(runs: Sequence[tuple[int, int, int]], lo: int, hi: int) -> None:
    assert runs, "a partition is never empty"
    assert runs[0][0] == lo and runs[-1][1] == hi
    for (_, h1, v1), (l2, _, v2) in zip(runs, runs[1:], strict=False):
        assert h1 + 1 == l2, "runs must be contiguous"
        assert v1 != v2, "runs must be maximal"
    assert all(a <= b for a, b, _ in runs)


def member(runs: Iterable[tuple[int, int]], p: int) -> bool:
    return any(lo <= p <= hi for lo, hi in runs)


def assert_normalized(runs: Sequence[tuple[int, int]]) -> None:
    assert isinstance(runs, tuple)
    for lo, hi in runs:
        assert 0 <= lo <= hi <= PORT_MAX
    for (_, h1), (l2, _) in zip(runs, runs[1:], strict=False):
        assert h1 + 1 < l2, "runs must be disjoint and non-adjacent"


def probe_points(*runss: Iterable[tuple[int, int]]) -> list[int]:
    """Every run edge, its neighbours and a point between consecutive edges."""
    pts = {0, PORT_MAX}
    for runs in runss:
        for lo, hi in runs:
            pts |= {lo - 1, lo, hi, hi + 1}
    edges = sorted(p for p in pts if 0 <= p <= PORT_MAX)
    mids = [(a + b) // 2 for a, b in zip(edges, edges[1:], strict=False)]
    return sorted(set(edges) | set(mids))


# ---------------------------------------------------------------- strategies

# Few bases so that generated prefixes and ranges overlap, nest and abut often.
BASES = [0, ip("10.0.0.0"), ip("10.0.0.255"), ip("10.0.1.0"), ip("10.0.1.128"), ip("192.168.0.0"), ADDR_MAX - 40]

addrs = st.one_of(
    st.builds(lambda b, o: min(max(b + o, 0), ADDR_MAX), st.sampled_from(BASES), st.integers(-4, 44)),
    st.sampled_from([0, 1, ADDR_MAX - 1, ADDR_MAX]),
    st.integers(0, ADDR_MAX),
)
plens = st.one_of(st.sampled_from([0, 1, 8, 16, 24, 25, 26, 28, 30, 31, 32]), st.integers(0, 32))
prefix = st.tuples(addrs, plens)


@st.composite
def prefix_lists(draw: st.DrawFn) -> list[tuple[int, int]]:
    ps = draw(st.lists(prefix, max_size=10))
    if ps:
        # Re-insert some prefixes, masked differently, to exercise first-wins on duplicates.
        for _ in range(draw(st.integers(0, 3))):
            net, plen = draw(st.sampled_from(ps))
            lo, hi = ref_span(net, plen)
            ps.insert(draw(st.integers(0, len(ps))), (draw(st.integers(lo, hi)), plen))
    return ps


@st.composite
def query_addrs(draw: st.DrawFn, edges: Iterable[int]) -> list[int]:
    near = [min(max(e + d, 0), ADDR_MAX) for e in edges for d in (-1, 0, 1)]
    pick = st.one_of(addrs, st.sampled_from(near)) if near else addrs
    return draw(st.lists(pick, min_size=1, max_size=12))


ports = st.one_of(
    st.integers(0, 30),
    st.sampled_from([0, 1, 22, 80, 443, 1024, 2048, 32768, 65534, 65535]),
    st.integers(65520, PORT_MAX),
)
port_pairs = st.tuples(ports, ports).map(lambda t: (min(t), max(t)))
rule_protos = st.sampled_from([PROTO_ALL, 1, 6, 6, 17, 50, 58])
packet_protos = st.sampled_from([1, 6, 17, 50, 0, 47, 255, 58])


@st.composite
def addr_ranges(draw: st.DrawFn) -> tuple[int, int]:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return 0, ADDR_MAX
    if kind == 1:
        return ref_span(*draw(prefix))
    a, b = draw(addrs), draw(addrs)
    return min(a, b), max(a, b)


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    alo, ahi = draw(addr_ranges())
    proto = draw(rule_protos)
    if proto in (1, 6, 17, 58):
        plo, phi = draw(port_pairs)
    else:
        # Ports of rules without a port field are ignored, whatever the caller put there.
        plo, phi = draw(st.one_of(port_pairs, st.sampled_from([(0, PORT_MAX), (5, 3), (-1, 70000)])))
    return alo, ahi, proto, plo, phi


rule_lists = st.lists(rules(), max_size=10)


@st.composite
def packets(draw: st.DrawFn, rs: Sequence[Rule]) -> tuple[int, int, int]:
    edges = [min(max(e, 0), ADDR_MAX) for r in rs for e in (r[0] - 1, r[0], r[1], r[1] + 1)]
    addr = draw(st.one_of(addrs, st.sampled_from(edges))) if edges else draw(addrs)
    pedges = [p for r in rs for p in (r[3] - 1, r[3], r[4], r[4] + 1) if 0 <= p <= PORT_MAX]
    port = draw(st.one_of(ports, st.sampled_from(pedges))) if pedges else draw(ports)
    return addr, draw(packet_protos), port


# ---------------------------------------------------------------- PrefixTable properties


@PROPS
@given(prefix_lists(), st.data())
def test_prefix_lookup_matches_reference(ps: list[tuple[int, int]], data: st.DataObject) -> None:
    table = PrefixTable(ps)
    edges = [e for net, plen in ps for e in ref_span(net, plen)]
    qs = data.draw(query_addrs(edges))
    expected = [ref_lookup(ps, a) for a in qs]
    assert [table.lookup(a) for a in qs] == expected
    assert table.lookup_many(qs) == expected
    assert table.lookup_many(tuple(qs)) == expected
    for a in qs:
        assert table.matching(a) == ref_matching(ps, a)
    assert len(table) == len(ps)


@PROPS
@given(prefix_lists())
def test_prefix_intervals_match_reference(ps: list[tuple[int, int]]) -> None:
    table = PrefixTable(ps)
    runs = table.intervals()
    assert_partition(runs, 0, ADDR_MAX)
    cuts = {ref_span(*p)[0] for p in ps} | {ref_span(*p)[1] + 1 for p in ps}
    assert runs == ref_runs(lambda a: ref_lookup(ps, a), 0, ADDR_MAX, cuts)
    for lo, hi, idx in runs:
        assert table.lookup(lo) == table.lookup(hi) == idx


# ---------------------------------------------------------------- FirstMatchRules properties


@PROPS
@given(rule_lists, st.data())
def test_first_and_any_match_match_reference(rs: list[Rule], data: st.DataObject) -> None:
    nacl, sg = FirstMatchRules(rs), AnyMatchRules(rs)
    for _ in range(6):
        addr, proto, port = data.draw(packets(rs))
        expected = ref_first(rs, addr, proto, port)
        # Asked twice: the second answer comes from the warm cache.
        assert nacl.first_match(addr, proto, port) == nacl.first_match(addr, proto, port) == expected
        # The lowest matching index is the first match in given order.
        assert sg.match(addr, proto, port) == sg.match(addr, proto, port) == expected
        expected_all = [i for i, r in enumerate(rs) if ref_rule_matches(r, addr, proto, port)]
        assert nacl.matching(addr, proto, port) == sg.matching(addr, proto, port) == expected_all


@PROPS
@given(rule_lists, st.data())
def test_first_match_ports_partition(rs: list[Rule], data: st.DataObject) -> None:
    table = FirstMatchRules(rs)
    addr, proto, _ = data.draw(packets(rs))
    lo, hi = data.draw(st.one_of(port_pairs, st.just((0, PORT_MAX))))
    runs = table.first_match_ports(addr, proto, lo, hi)
    assert_partition(runs, lo, hi)
    assert runs == ref_runs(lambda p: ref_first(rs, addr, proto, p), lo, hi, port_cuts(rs))
    if hi - lo <= 64:
        for p in range(lo, hi + 1):
            assert member([(a, b) for a, b, i in runs if i == ref_first(rs, addr, proto, p)], p)


@PROPS
@given(rule_lists, st.data())
def test_first_match_addrs_partition(rs: list[Rule], data: st.DataObject) -> None:
    table = FirstMatchRules(rs)
    _, proto, port = data.draw(packets(rs))
    lo, hi = data.draw(addr_ranges())
    runs = table.first_match_addrs(lo, hi, proto, port)
    assert_partition(runs, lo, hi)
    assert runs == ref_runs(lambda a: ref_first(rs, a, proto, port), lo, hi, addr_cuts(rs))
    for a, b, idx in runs:
        assert table.first_match(a, proto, port) == table.first_match(b, proto, port) == idx


# ---------------------------------------------------------------- AnyMatchRules properties


@PROPS
@given(rule_lists, st.data())
def test_any_match_allowed_ports(rs: list[Rule], data: st.DataObject) -> None:
    table = AnyMatchRules(rs)
    addr, proto, _ = data.draw(packets(rs))
    lo, hi = data.draw(st.one_of(port_pairs, st.just((0, PORT_MAX))))
    allowed = table.allowed_ports(addr, proto, lo, hi)

    def admits(p: int) -> int:
        return int(any(ref_rule_matches(r, addr, proto, p) for r in rs))

    assert allowed == true_runs(ref_runs(admits, lo, hi, port_cuts(rs)))
    assert_normalized(tuple(allowed))
    assert all(lo <= a <= b <= hi for a, b in allowed)
    if hi - lo <= 64:
        for p in range(lo, hi + 1):
            assert member(allowed, p) == bool(admits(p))


@PROPS
@given(rule_lists, st.data())
def test_any_match_allowed_addrs(rs: list[Rule], data: st.DataObject) -> None:
    table = AnyMatchRules(rs)
    _, proto, port = data.draw(packets(rs))
    lo, hi = data.draw(addr_ranges())
    allowed = table.allowed_addrs(lo, hi, proto, port)

    def admits(a: int) -> int:
        return int(any(ref_rule_matches(r, a, proto, port) for r in rs))

    assert allowed == true_runs(ref_runs(admits, lo, hi, addr_cuts(rs)))


# ---------------------------------------------------------------- port set helpers

raw_runs = st.lists(st.tuples(ports, ports), max_size=6)
small_runs = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=6)


def as_set(runs: Iterable[tuple[int, int]]) -> set[int]:
    return {p for lo, hi in runs for p in range(lo, hi + 1)}


def from_set(ps: set[int]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for p in sorted(ps):
        if out and out[-1][1] + 1 == p:
            out[-1] = (out[-1][0], p)
        else:
            out.append((p, p))
    return tuple(out)


@PROPS
@given(small_runs, small_runs)
def test_port_sets_small_universe_exact(ra: list[tuple[int, int]], rb: list[tuple[int, int]]) -> None:
    a, b = ports_normalize(ra), ports_normalize(rb)
    sa, sb = as_set(ra), as_set(rb)
    assert a == from_set(sa) and b == from_set(sb)
    assert ports_union(a, b) == from_set(sa | sb)
    assert ports_intersect(a, b) == from_set(sa & sb)
    assert ports_subtract(a, b) == from_set(sa - sb)


@PROPS
@given(raw_runs, raw_runs)
def test_port_sets_full_range(ra: list[tuple[int, int]], rb: list[tuple[int, int]]) -> None:
    a, b = ports_normalize(ra), ports_normalize(rb)
    ops: list[tuple[tuple[tuple[int, int], ...], Callable[[bool, bool], bool]]] = [
        (ports_union(a, b), lambda x, y: x or y),
        (ports_intersect(a, b), lambda x, y: x and y),
        (ports_subtract(a, b), lambda x, y: x and not y),
    ]
    nonempty_a = [r for r in ra if r[0] <= r[1]]
    nonempty_b = [r for r in rb if r[0] <= r[1]]
    for norm, raw in ((a, nonempty_a), (b, nonempty_b)):
        assert_normalized(norm)
        pts = probe_points(raw, norm)
        assert {e for run in norm for e in run} <= set(pts)
        assert all(member(norm, p) == member(raw, p) for p in pts)
    for got, op in ops:
        assert_normalized(got)
        pts = probe_points(a, b, got)
        assert {e for run in got for e in run} <= set(probe_points(a, b))
        assert all(member(got, p) == op(member(a, p), member(b, p)) for p in pts)


# ---------------------------------------------------------------- readable examples

TABLE = [(0, 0), (ip("10.0.0.0"), 16), (ip("10.0.1.0"), 24)]


def test_prefix_example() -> None:
    t = PrefixTable(TABLE)
    assert t.lookup(ip("8.8.8.8")) == 0
    assert t.lookup(ip("10.0.2.1")) == 1
    assert t.lookup(ip("10.0.1.255")) == 2
    assert t.lookup(0) == 0 and t.lookup(ADDR_MAX) == 0
    assert t.lookup_many([ip("10.0.1.1"), ip("10.0.0.1"), ip("11.0.0.0")]) == [2, 1, 0]
    assert t.matching(ip("10.0.1.7")) == [2, 1, 0]
    assert t.matching(ip("10.1.0.0")) == [0]
    assert t.intervals() == [
        (0, ip("9.255.255.255"), 0),
        (ip("10.0.0.0"), ip("10.0.0.255"), 1),
        (ip("10.0.1.0"), ip("10.0.1.255"), 2),
        (ip("10.0.2.0"), ip("10.0.255.255"), 1),
        (ip("10.1.0.0"), ADDR_MAX, 0),
    ]


def test_prefix_host_bits_masked_and_duplicates_first_wins() -> None:
    t = PrefixTable([(ip("10.0.1.77"), 24), (ip("10.0.1.0"), 24), (ip("10.0.1.5"), 32)])
    assert t.lookup(ip("10.0.1.200")) == 0
    assert t.lookup(ip("10.0.1.5")) == 2
    assert t.matching(ip("10.0.1.5")) == [2, 0, 1]
    assert t.intervals()[0] == (0, ip("10.0.0.255"), -1)


def test_prefix_empty_and_host_routes() -> None:
    assert PrefixTable([]).intervals() == [(0, ADDR_MAX, -1)]
    assert PrefixTable([]).lookup(ip("1.2.3.4")) == -1
    t = PrefixTable([(0, 32), (ADDR_MAX, 32)])
    assert t.intervals() == [(0, 0, 0), (1, ADDR_MAX - 1, -1), (ADDR_MAX, ADDR_MAX, 1)]


@pytest.mark.parametrize("bad", [(0, 33), (0, -1), (-1, 8), (ADDR_MAX + 1, 32)])
def test_prefix_rejects_bad_input(bad: tuple[int, int]) -> None:
    with pytest.raises(ValueError):
        PrefixTable([bad])


def test_prefix_rejects_bad_query() -> None:
    t = PrefixTable(TABLE)
    with pytest.raises(ValueError):
        t.lookup(-1)
    with pytest.raises(ValueError):
        t.lookup_many([0, ADDR_MAX + 1])


VPC = (ip("10.0.0.0"), ip("10.0.255.255"))
ANY = (0, ADDR_MAX)
NACL: list[Rule] = [
    (*VPC, 6, 22, 22),  # rule 100: allow SSH from the VPC
    (*ANY, 6, 0, 1023),  # rule 110: deny TCP well-known ports
    (*ANY, 1, 2048, 2048),  # rule 120: allow ICMP echo request
    (*ANY, PROTO_ALL, 0, PORT_MAX),  # rule 130: allow all
]


def test_nacl_example() -> None:
    nacl = FirstMatchRules(NACL)
    assert nacl.first_match(ip("10.0.3.4"), 6, 22) == 0
    assert nacl.first_match(ip("8.8.8.8"), 6, 22) == 1
    assert nacl.first_match(ip("8.8.8.8"), 6, 8080) == 3
    assert nacl.first_match(ip("8.8.8.8"), 1, 2048) == 2
    assert nacl.first_match(ip("8.8.8.8"), 17, 53) == 3
    assert nacl.first_match_ports(ip("10.0.0.1"), 6, 0, PORT_MAX) == [
        (0, 21, 1),
        (22, 22, 0),
        (23, 1023, 1),
        (1024, PORT_MAX, 3),
    ]
    assert nacl.first_match_ports(ip("10.0.0.1"), 6, 20, 30) == [(20, 21, 1), (22, 22, 0), (23, 30, 1)]
    assert nacl.first_match_addrs(0, ADDR_MAX, 6, 22) == [
        (0, ip("9.255.255.255"), 1),
        (ip("10.0.0.0"), ip("10.0.255.255"), 0),
        (ip("10.1.0.0"), ADDR_MAX, 1),
    ]
    assert nacl.matching(ip("10.0.0.1"), 6, 22) == [0, 1, 3]
    assert len(nacl) == 4


def test_deny_all_nacl_has_no_match() -> None:
    nacl = FirstMatchRules([])
    assert nacl.first_match(0, 6, 80) == -1
    assert nacl.first_match_ports(0, 6, 0, PORT_MAX) == [(0, PORT_MAX, -1)]
    assert nacl.first_match_addrs(0, ADDR_MAX, 17, 53) == [(0, ADDR_MAX, -1)]


def test_security_group_example() -> None:
    sg = AnyMatchRules(
        [
            (*ANY, 6, 443, 443),
            (*VPC, 6, 22, 22),
            (*VPC, 6, 0, 1023),
            (*VPC, 1, 0, PORT_MAX),  # all ICMP
        ]
    )
    assert sg.match(ip("10.0.9.9"), 6, 22) == 1
    assert sg.match(ip("10.0.9.9"), 6, 443) == 0
    assert sg.match(ip("1.1.1.1"), 6, 22) == -1
    assert sg.match(ip("10.0.9.9"), 1, 2048) == 3
    assert sg.match(ip("1.1.1.1"), 1, 2048) == -1
    assert sg.allowed_ports(ip("10.0.9.9"), 6, 0, PORT_MAX) == [(0, 1023)]
    assert sg.allowed_ports(ip("1.1.1.1"), 6, 0, PORT_MAX) == [(443, 443)]
    assert sg.allowed_ports(ip("1.1.1.1"), 6, 0, 100) == []
    assert sg.allowed_addrs(0, ADDR_MAX, 6, 22) == [VPC]
    assert sg.allowed_addrs(0, ADDR_MAX, 6, 443) == [ANY]


def test_portless_protocols_ignore_ports() -> None:
    rules = FirstMatchRules([(*ANY, 50, 7, 3), (*ANY, 6, 80, 80)])
    assert rules.first_match(5, 50, 0) == 0
    assert rules.first_match(5, 50, PORT_MAX) == 0
    assert rules.first_match(5, 51, 0) == -1
    assert rules.first_match_ports(5, 50, 0, PORT_MAX) == [(0, PORT_MAX, 0)]


@pytest.mark.parametrize(
    "bad",
    [(1, 0, 6, 0, 0), (0, ADDR_MAX + 1, 6, 0, 0), (0, 0, 6, 10, 9), (0, 0, 6, 0, PORT_MAX + 1), (0, 0, 256, 0, 0)],
)
def test_rules_reject_bad_input(bad: Rule) -> None:
    with pytest.raises(ValueError):
        FirstMatchRules([bad])
    with pytest.raises(ValueError):
        AnyMatchRules([bad])


def test_rules_reject_bad_queries() -> None:
    nacl = FirstMatchRules(NACL)
    for addr, proto, port in [(-1, 6, 0), (ADDR_MAX + 1, 6, 0), (0, PROTO_ALL, 0), (0, 6, -1), (0, 6, PORT_MAX + 1)]:
        with pytest.raises(ValueError):
            nacl.first_match(addr, proto, port)
    with pytest.raises(ValueError):
        nacl.first_match_ports(0, 6, 10, 9)
    with pytest.raises(ValueError):
        nacl.first_match_addrs(10, 9, 6, 0)
    with pytest.raises(ValueError):
        AnyMatchRules(NACL).allowed_ports(0, PROTO_ALL, 0, 1)


def test_cache_eviction_keeps_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "_CACHE_LIMIT", 2)
    rs = [(i * 10, i * 10 + 15, 6, i, i + 3) for i in range(20)]
    nacl = FirstMatchRules(rs)
    for _ in range(2):
        for addr in range(0, 220, 3):
            for port in range(0, 25):
                assert nacl.first_match(addr, 6, port) == ref_first(rs, addr, 6, port)


def test_thousand_rules_against_reference() -> None:
    rng = random.Random(7)
    rs: list[Rule] = []
    for _ in range(1000):
        base = rng.choice(BASES)
        lo = min(base + rng.randrange(0, 5000), ADDR_MAX)
        hi = min(lo + rng.choice([0, 255, 4095, 65535, ADDR_MAX]), ADDR_MAX)
        plo = rng.randrange(0, PORT_MAX)
        rs.append((lo, hi, rng.choice([6, 17, 1, PROTO_ALL, 6]), plo, min(plo + rng.choice([0, 10, 1000]), PORT_MAX)))
    nacl, sg = FirstMatchRules(rs), AnyMatchRules(rs)
    for _ in range(300):
        addr = min(rng.choice(BASES) + rng.randrange(0, 6000), ADDR_MAX)
        proto, port = rng.choice([6, 17, 1, 50]), rng.randrange(0, PORT_MAX + 1)
        expected = ref_first(rs, addr, proto, port)
        assert nacl.first_match(addr, proto, port) == expected
        assert sg.match(addr, proto, port) == expected
    prefixes = [
        (min(rng.choice(BASES) + rng.randrange(0, 1 << 16), ADDR_MAX), rng.choice([8, 16, 20, 24, 28, 32]))
        for _ in range(1000)
    ]
    table = PrefixTable(prefixes)
    qs = [min(rng.choice(BASES) + rng.randrange(0, 1 << 17), ADDR_MAX) for _ in range(300)]
    assert table.lookup_many(qs) == [ref_lookup(prefixes, a) for a in qs]


# ---------------------------------------------------------------- fast paths: closures and batches
#
# Every fast path must answer exactly what the plain methods (and so the references above)
# answer. Batches run in three modes: numpy with its fastest structures, numpy with every
# size cap at zero (so the fallbacks run: binary search instead of stride arrays, one packet
# at a time instead of a grid), and without numpy at all (its import made to fail).

BATCH_MODES = ["numpy", "numpy-fallbacks", "no-numpy"]


@contextlib.contextmanager
def batch_mode(mode: str) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(limits, "_NUMPY_MIN_BATCH", 0))
        if mode == "numpy":
            pytest.importorskip("numpy")
            # small tables would use a binary search: build the stride arrays for them too
            stack.enter_context(mock.patch.object(limits, "_STRIDE_MIN_BOUNDS", 0))
        elif mode == "numpy-fallbacks":
            pytest.importorskip("numpy")
            for name in ("_STRIDE_CELLS", "_GRID_CELLS", "_GRID_WORK", "_FN_CACHE_CELLS"):
                stack.enter_context(mock.patch.object(limits, name, 0))
        else:
            stack.enter_context(mock.patch.dict(sys.modules, {"numpy": None}))
            assert not core.numpy_available()
        yield


def as_batches(values: list[int]) -> list[Sequence[int]]:
    """The same values as a list, a tuple and (when numpy imports) arrays of several dtypes."""
    out: list[Sequence[int]] = [values, tuple(values)]
    if core.numpy_available():
        import numpy as np

        out.append(np.array(values, dtype=np.int64))
        if all(0 <= v <= ADDR_MAX for v in values):
            out.append(np.array(values, dtype=np.uint32))
        if all(0 <= v < 2**31 for v in values):
            out.append(np.array(values, dtype=np.int32))
    return out


def interval_probes(runs: Sequence[tuple[int, int, int]]) -> tuple[list[int], list[int]]:
    """Both ends and the middle of every run, with the run's index: what a lookup must return there."""
    pts: list[int] = []
    want: list[int] = []
    for lo, hi, idx in runs:
        for p in (lo, (lo + hi) // 2, hi):
            pts.append(p)
            want.append(idx)
    return pts, want


@settings(PROPS, max_examples=100)  # each example builds wide tries (a few ms)
@given(prefix_lists(), st.data())
def test_prefix_lookup_fn_matches_reference(ps: list[tuple[int, int]], data: st.DataObject) -> None:
    table = PrefixTable(ps)
    fn = table.lookup_fn()  # two-level, unless the table has over _WIDE_NODES distinct /16 nodes
    with mock.patch.object(limits, "_WIDE_NODES", 0):
        fn3 = PrefixTable(ps).lookup_fn()  # the three-level trie for many distinct /16 nodes
    assert table.lookup_fn() is fn
    edges = [e for net, plen in ps for e in ref_span(net, plen)]
    qs = data.draw(query_addrs(edges))
    expected = [ref_lookup(ps, a) for a in qs]
    assert [fn(a) for a in qs] == [fn3(a) for a in qs] == [table.lookup(a) for a in qs] == expected
    pts, want = interval_probes(table.intervals())
    assert [fn(a) for a in pts] == [fn3(a) for a in pts] == [table.lookup(a) for a in pts] == want


@pytest.mark.parametrize("mode", BATCH_MODES)
@settings(PROPS, max_examples=60)
@given(prefix_lists(), st.data())
def test_prefix_batches_match_reference(mode: str, ps: list[tuple[int, int]], data: st.DataObject) -> None:
    edges = [e for net, plen in ps for e in ref_span(net, plen)]
    qs = data.draw(query_addrs(edges))  # drawn first: hypothesis itself looks for numpy
    with batch_mode(mode):
        table = PrefixTable(ps)
        pts, want = interval_probes(table.intervals())
        for values, expected in ((qs, [ref_lookup(ps, a) for a in qs]), (pts, want)):
            for batch in as_batches(values):
                assert table.lookup_many(batch) == expected
                if mode != "no-numpy":
                    got = table.lookup_array(batch)
                    assert got.dtype.name == "int64"
                    assert got.tolist() == expected


@settings(PROPS, max_examples=100)  # each example builds wide tries (a few ms)
@given(rule_lists, st.data())
def test_match_fns_match_reference(rs: list[Rule], data: st.DataObject) -> None:
    nacl, sg = FirstMatchRules(rs), AnyMatchRules(rs)
    first_match = nacl.first_match_fn()  # a two-level segment trie, as a rule
    with mock.patch.object(limits, "_WIDE_NODES", 0):
        match = sg.match_fn()  # the three-level segment trie
    evicting = FirstMatchRules(rs).first_match_fn()
    for _ in range(6):
        pkt = data.draw(packets(rs))
        expected = ref_first(rs, *pkt)
        # Asked twice: the second answer comes from the row built by the first.
        assert first_match(*pkt) == first_match(*pkt) == expected
        assert match(*pkt) == expected
        with mock.patch.object(limits, "_FN_CACHE_CELLS", 0):  # every new row drops the others
            assert evicting(*pkt) == evicting(*pkt) == expected
    assert nacl.first_match_fn()(*pkt) == expected  # a second closure shares the first one's rows
    for lo, hi, idx in nacl.first_match_addrs(0, ADDR_MAX, 6, 80):
        for a in (lo, hi):
            assert first_match(a, 6, 80) == match(a, 6, 80) == evicting(a, 6, 80) == idx


@pytest.mark.parametrize("mode", BATCH_MODES)
@settings(PROPS, max_examples=60)
@given(rule_lists, st.data())
def test_match_batches_match_reference(mode: str, rs: list[Rule], data: st.DataObject) -> None:
    pkts = data.draw(st.lists(packets(rs), min_size=1, max_size=12))  # drawn first: hypothesis looks for numpy
    one_proto = data.draw(packet_protos)
    one_port = data.draw(ports)
    addrs_, protos, ports_ = (list(x) for x in zip(*pkts, strict=True))
    expected = [ref_first(rs, *p) for p in pkts]
    expected_one = [ref_first(rs, a, one_proto, one_port) for a in addrs_]
    with batch_mode(mode):
        nacl, sg = FirstMatchRules(rs), AnyMatchRules(rs)
        for a, q, p in zip(as_batches(addrs_), as_batches(protos), as_batches(ports_), strict=False):
            assert nacl.first_match_many(a, q, p) == sg.match_many(a, q, p) == expected
            assert (
                nacl.first_match_many(a, one_proto, one_port) == sg.match_many(a, one_proto, one_port) == expected_one
            )
            if mode != "no-numpy":
                assert nacl.first_match_array(a, q, p).tolist() == expected
                assert sg.match_array(a, one_proto, one_port).tolist() == expected_one
                assert nacl.first_match_array(a, q, p).dtype.name == "int64"


@pytest.mark.parametrize("mode", BATCH_MODES)
def test_batches_reject_bad_input(mode: str) -> None:
    with batch_mode(mode):
        t = PrefixTable(TABLE)
        nacl = FirstMatchRules(NACL)
        assert t.lookup_many([]) == [] and nacl.first_match_many([], 6, []) == []
        for bad in ([0, ADDR_MAX + 1], [-1], [2**70]):
            with pytest.raises(ValueError):
                t.lookup_many(bad)
            with pytest.raises(ValueError):
                nacl.first_match_many(bad, 6, [0] * len(bad))
        for proto, port in ((PROTO_ALL, 0), (256, 0), (6, -1), (6, PORT_MAX + 1)):
            with pytest.raises(ValueError):
                nacl.first_match_many([0, 1], proto, port)
            with pytest.raises(ValueError):
                nacl.first_match_many([0, 1], [6, proto], [0, port])
        with pytest.raises(ValueError):
            nacl.first_match_many([0, 1], [6], [0, 0])
        with pytest.raises(ValueError):
            nacl.first_match_many([0, 1], 6, [0])
        if mode == "no-numpy":
            with pytest.raises(ImportError):
                t.lookup_array([1])
            with pytest.raises(ImportError):
                nacl.first_match_array([1], 6, 80)
        else:
            import numpy as np

            with pytest.raises(TypeError):
                t.lookup_array(np.array([1.5]))
            with pytest.raises(ValueError):
                t.lookup_array(np.zeros((2, 2), dtype=np.int64))
            with pytest.raises(ValueError):
                t.lookup_array(np.array([ADDR_MAX + 1], dtype=np.uint64))
            with pytest.raises(ValueError):
                t.lookup_array(np.array([2**70], dtype=object))
            assert t.lookup_array(np.array([], dtype=np.float64)).tolist() == []


def test_fast_paths_reject_bad_queries() -> None:
    fn = PrefixTable(TABLE).lookup_fn()
    with mock.patch.object(limits, "_WIDE_NODES", 0):
        fn3 = PrefixTable(TABLE).lookup_fn()
        match3 = FirstMatchRules(NACL).first_match_fn()
    for bad in (-1, -(2**40), ADDR_MAX + 1, 2**64):
        for lookup in (fn, fn3, PrefixTable(TABLE).lookup):
            with pytest.raises(ValueError):
                lookup(bad)
    for match in (
        FirstMatchRules(NACL).first_match_fn(),
        AnyMatchRules(NACL).match_fn(),
        FirstMatchRules([]).first_match_fn(),
        match3,
    ):
        for addr, proto, port in [
            (-1, 6, 0),
            (ADDR_MAX + 1, 6, 0),
            (0, PROTO_ALL, 0),
            (0, 256, 0),
            (0, 6, -1),
            (0, 6, PORT_MAX + 1),
            (0, 50, PORT_MAX + 1),
        ]:
            with pytest.raises(ValueError):
                match(addr, proto, port)


def test_lazy_trie_is_built_once() -> None:
    t = PrefixTable(TABLE)
    assert isinstance(t._root, core._LazyRoot)
    assert t.lookup(ip("10.0.1.1")) == 2
    assert type(t._root) is dict
    with pytest.raises(ValueError):
        PrefixTable(TABLE).lookup(-5)  # the very first lookup may be the bad one
    assert PrefixTable([]).lookup_many([0, ADDR_MAX]) == [-1, -1]


def test_numpy_grid_skips_rules_after_a_catch_all() -> None:
    pytest.importorskip("numpy")
    rs: list[Rule] = [(*VPC, 6, 22, 22), (*ANY, PROTO_ALL, 0, PORT_MAX), (*ANY, 6, 80, 80)]
    nacl = FirstMatchRules(rs)
    addrs_ = [ip("10.0.0.1"), ip("8.8.8.8")]
    assert nacl.first_match_array(addrs_, 6, 22).tolist() == [0, 1]
    assert nacl.first_match_array(addrs_, [6, 17], [80, 80]).tolist() == [1, 1]
    with mock.patch.object(limits, "_GRID_WORK", 0):  # grid fits, painting it would cost too much
        assert FirstMatchRules(rs[:1]).first_match_array(addrs_, 6, 22).tolist() == [0, -1]


def test_thousand_rules_fast_paths_against_reference() -> None:
    rng = random.Random(11)
    rs: list[Rule] = []
    for _ in range(1000):
        base = rng.choice(BASES)
        lo = min(base + rng.randrange(0, 5000), ADDR_MAX)
        hi = min(lo + rng.choice([0, 255, 4095, 65535]), ADDR_MAX)
        plo = rng.randrange(0, PORT_MAX)
        rs.append((lo, hi, rng.choice([6, 17, 1, PROTO_ALL, 6]), plo, min(plo + rng.choice([0, 10, 1000]), PORT_MAX)))
    rs.append((0, ADDR_MAX, PROTO_ALL, 0, PORT_MAX))
    nacl = FirstMatchRules(rs)
    pkts = [
        (
            min(rng.choice(BASES) + rng.randrange(0, 6000), ADDR_MAX),
            rng.choice([6, 17, 1, 50]),
            rng.randrange(0, PORT_MAX + 1),
        )
        for _ in range(300)
    ]
    expected = [ref_first(rs, *p) for p in pkts]
    fn = nacl.first_match_fn()  # over 256 TCP port segments: the port map is an array, not bytes
    assert [fn(*p) for p in pkts] == expected
    a, q, p = (list(x) for x in zip(*pkts, strict=True))
    for mode in BATCH_MODES:
        with batch_mode(mode):
            assert FirstMatchRules(rs).first_match_many(a, q, p) == expected


@pytest.mark.parametrize("scattered", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_stride_structures_against_bisect(seed: int, scattered: bool) -> None:
    """Both stride tries (Python, numpy) on partitions with boundaries clustered in one /16 and one /24, or also anywhere."""
    rng = random.Random(seed)
    base = rng.randrange(1 << 16) << 16
    cuts = {0}
    cuts |= {base | rng.randrange(1 << 16) for _ in range(rng.randrange(1, 300))}
    cuts |= {base | 0x1200 | rng.randrange(256) for _ in range(rng.randrange(1, 100))}
    if scattered:
        cuts |= {rng.randrange(ADDR_MAX + 1) for _ in range(rng.randrange(50, 300))}
    bounds = [*sorted(cuts), ADDR_MAX + 1]
    vals = [-1, *(rng.randrange(-1, 40) for _ in range(len(bounds) - 1))]
    probes = sorted({min(max(c + d, 0), ADDR_MAX) for c in cuts for d in (-1, 0, 1)} | {ADDR_MAX})
    expected = [vals[bisect.bisect_right(bounds, a)] for a in probes]
    root = core._stride_trie(bounds, vals)
    assert [root[a >> 24][a >> 16 & 255][a >> 8 & 255][a & 255] for a in probes] == expected
    table, two_level = core._wide_trie(root)
    assert two_level == (not scattered)  # at most 3 distinct /16 nodes when clustered
    if two_level:
        assert [table[a >> 16][a & 0xFFFF] for a in probes] == expected
    else:
        assert [table[a >> 16][a >> 8 & 255][a & 255] for a in probes] == expected
    np = pytest.importorskip("numpy")
    for stride_cells in (0, 1 << 21):
        with mock.patch.object(limits, "_STRIDE_CELLS", stride_cells):
            lookup = core._np_lookup(bounds, vals)
        assert lookup(np.array(probes, dtype=np.int64)).tolist() == expected


# ---------------------------------------------------------------- addresses of any width
#
# 128-bit tables (IPv6) against plain references written for any width. Their addresses
# cluster around points where a 32-bit assumption would show: the top of the IPv4 range,
# 2**32, 2**63 (past int64), the IPv4-mapped block and the top of the IPv6 space.

W = 128
TOP6 = 2**W - 1
BASES6 = [
    0,
    ADDR_MAX - 3,
    2**32,
    0xFFFF << 32,  # ::ffff:0.0.0.0, the IPv4-mapped block
    2**63 - 2,
    0x20010DB8 << 96,  # 2001:db8::
    (0x20010DB8 << 96) | (1 << 64),  # 2001:db8:0:1::
    (0x20010DB8 << 96) | 0xFF,
    0xFE80 << 112,
    TOP6 - 40,
]


def ref_span_w(net: int, plen: int, bits: int) -> tuple[int, int]:
    size = 2 ** (bits - plen)
    lo = net // size * size
    return lo, lo + size - 1


def ref_lookup_w(prefixes: Sequence[tuple[int, int]], addr: int, bits: int) -> int:
    best, best_len = -1, -1
    for i, (net, plen) in enumerate(prefixes):
        lo, hi = ref_span_w(net, plen, bits)
        if lo <= addr <= hi and plen > best_len:
            best, best_len = i, plen
    return best


addrs6 = st.one_of(
    st.builds(lambda b, o: min(max(b + o, 0), TOP6), st.sampled_from(BASES6), st.integers(-4, 44)),
    st.sampled_from([0, 1, TOP6 - 1, TOP6]),
    st.integers(0, TOP6),
)
plens6 = st.one_of(st.sampled_from([0, 1, 16, 31, 32, 33, 48, 56, 64, 96, 120, 126, 127, 128]), st.integers(0, W))
prefix6 = st.tuples(addrs6, plens6)


@st.composite
def prefix_lists6(draw: st.DrawFn) -> list[tuple[int, int]]:
    ps = draw(st.lists(prefix6, max_size=10))
    if ps:
        for _ in range(draw(st.integers(0, 3))):  # duplicates, masked differently: first wins
            net, plen = draw(st.sampled_from(ps))
            lo, hi = ref_span_w(net, plen, W)
            ps.insert(draw(st.integers(0, len(ps))), (draw(st.integers(lo, hi)), plen))
    return ps


@st.composite
def query_addrs6(draw: st.DrawFn, edges: Iterable[int]) -> list[int]:
    near = [min(max(e + d, 0), TOP6) for e in edges for d in (-1, 0, 1)]
    pick = st.one_of(addrs6, st.sampled_from(near)) if near else addrs6
    return draw(st.lists(pick, min_size=1, max_size=12))


@st.composite
def addr_ranges6(draw: st.DrawFn) -> tuple[int, int]:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return 0, TOP6
    if kind == 1:
        net, plen = draw(prefix6)
        return ref_span_w(net, plen, W)
    a, b = draw(addrs6), draw(addrs6)
    return min(a, b), max(a, b)


@st.composite
def rules6(draw: st.DrawFn) -> Rule:
    alo, ahi = draw(addr_ranges6())
    proto = draw(rule_protos)
    if proto in (1, 6, 17, 58):
        plo, phi = draw(port_pairs)
    else:
        plo, phi = draw(st.one_of(port_pairs, st.sampled_from([(0, PORT_MAX), (5, 3), (-1, 70000)])))
    return alo, ahi, proto, plo, phi


rule_lists6 = st.lists(rules6(), max_size=10)


@st.composite
def packets6(draw: st.DrawFn, rs: Sequence[Rule]) -> tuple[int, int, int]:
    edges = [min(max(e, 0), TOP6) for r in rs for e in (r[0] - 1, r[0], r[1], r[1] + 1)]
    addr = draw(st.one_of(addrs6, st.sampled_from(edges))) if edges else draw(addrs6)
    pedges = [p for r in rs for p in (r[3] - 1, r[3], r[4], r[4] + 1) if 0 <= p <= PORT_MAX]
    port = draw(st.one_of(ports, st.sampled_from(pedges))) if pedges else draw(ports)
    return addr, draw(packet_protos), port


def wide_batches(values: list[int]) -> list[Sequence[int]]:
    """A list, a tuple and (with numpy) an object array: no numpy integer type holds 128 bits."""
    out: list[Sequence[int]] = [values, tuple(values)]
    if core.numpy_available():
        import numpy as np

        out.append(np.array(values, dtype=object))
        if all(v < 2**63 for v in values):
            out.append(np.array(values, dtype=np.int64))
    return out


@PROPS
@given(prefix_lists6(), st.data())
def test_wide_prefix_lookups_match_reference(ps: list[tuple[int, int]], data: st.DataObject) -> None:
    table = PrefixTable(ps, bits=W)
    assert table.bits == W and len(table) == len(ps)
    edges = [e for net, plen in ps for e in ref_span_w(net, plen, W)]
    qs = data.draw(query_addrs6(edges))
    expected = [ref_lookup_w(ps, a, W) for a in qs]
    fn = table.lookup_fn()
    assert table.lookup_fn() is fn
    assert [table.lookup(a) for a in qs] == [fn(a) for a in qs] == expected
    for a in qs:
        hits = [i for i, (n, p) in enumerate(ps) if ref_span_w(n, p, W)[0] <= a <= ref_span_w(n, p, W)[1]]
        assert table.matching(a) == sorted(hits, key=lambda i: (-ps[i][1], i))
    runs = table.intervals()
    assert_partition(runs, 0, TOP6)
    cuts = {ref_span_w(*p, W)[0] for p in ps} | {ref_span_w(*p, W)[1] + 1 for p in ps}
    assert runs == ref_runs(lambda a: ref_lookup_w(ps, a, W), 0, TOP6, cuts)
    pts, want = interval_probes(runs)
    for mode in ("no-numpy", "numpy"):
        if mode == "numpy" and not core.numpy_available():
            continue
        with batch_mode(mode):
            for values, exp in ((qs, expected), (pts, want)):
                for batch in wide_batches(values):
                    assert table.lookup_many(batch) == exp
                    if mode == "numpy":
                        got = table.lookup_array(batch)
                        assert got.dtype.name == "int64" and got.tolist() == exp


@PROPS
@given(st.lists(prefix, max_size=10), st.data())
def test_wide_table_agrees_with_the_v4_table_inside_96_bits(ps: list[tuple[int, int]], data: st.DataObject) -> None:
    """The same prefixes, as /(n+96) inside ::/96, answer every 32-bit address as the v4 trie does."""
    v4 = PrefixTable(ps)
    v6 = PrefixTable([(net, plen + 96) for net, plen in ps], bits=W)
    qs = data.draw(query_addrs([e for net, plen in ps for e in ref_span(net, plen)]))
    assert [v6.lookup(a) for a in qs] == [v4.lookup(a) for a in qs]
    assert [(lo, min(hi, ADDR_MAX), i) for lo, hi, i in v6.intervals() if lo <= ADDR_MAX] == v4.intervals()
    assert v6.lookup(2**32) == -1 and v6.lookup(TOP6) == -1


@PROPS
@given(rule_lists6, st.data())
def test_wide_rules_match_reference(rs: list[Rule], data: st.DataObject) -> None:
    nacl, sg = FirstMatchRules(rs, bits=W), AnyMatchRules(rs, bits=W)
    assert nacl.bits == sg.bits == W
    first_match, match = nacl.first_match_fn(), sg.match_fn()
    pkts = [data.draw(packets6(rs)) for _ in range(6)]
    expected = [ref_first(rs, *p) for p in pkts]
    for pkt, exp in zip(pkts, expected, strict=True):
        # Asked twice: the second answer comes from the warm cache.
        assert nacl.first_match(*pkt) == nacl.first_match(*pkt) == exp
        assert sg.match(*pkt) == sg.match(*pkt) == exp
        assert first_match(*pkt) == first_match(*pkt) == match(*pkt) == exp
        expected_all = [i for i, r in enumerate(rs) if ref_rule_matches(r, *pkt)]
        assert nacl.matching(*pkt) == sg.matching(*pkt) == expected_all
    with mock.patch.object(limits, "_FN_CACHE_CELLS", 0):  # every new row drops the others
        evicting = FirstMatchRules(rs, bits=W).first_match_fn()
        assert [evicting(*p) for p in pkts] == expected
    a, q, p = (list(x) for x in zip(*pkts, strict=True))
    for mode in ("no-numpy", "numpy"):
        if mode == "numpy" and not core.numpy_available():
            continue
        with batch_mode(mode):
            for batch in wide_batches(a):
                assert FirstMatchRules(rs, bits=W).first_match_many(batch, q, p) == expected
                assert sg.match_many(batch, q, p) == expected
                if mode == "numpy":
                    got = nacl.first_match_array(batch, q, p)
                    assert got.dtype.name == "int64" and got.tolist() == expected
                    assert sg.match_array(batch, 6, 80).tolist() == [ref_first(rs, x, 6, 80) for x in a]


@PROPS
@given(rule_lists6, st.data())
def test_wide_port_partitions_match_reference(rs: list[Rule], data: st.DataObject) -> None:
    nacl, sg = FirstMatchRules(rs, bits=W), AnyMatchRules(rs, bits=W)
    addr, proto, _ = data.draw(packets6(rs))
    lo, hi = data.draw(st.one_of(port_pairs, st.just((0, PORT_MAX))))
    runs = nacl.first_match_ports(addr, proto, lo, hi)
    assert_partition(runs, lo, hi)
    assert runs == ref_runs(lambda p: ref_first(rs, addr, proto, p), lo, hi, port_cuts(rs))

    def admits(p: int) -> int:
        return int(any(ref_rule_matches(r, addr, proto, p) for r in rs))

    assert sg.allowed_ports(addr, proto, lo, hi) == true_runs(ref_runs(admits, lo, hi, port_cuts(rs)))


@PROPS
@given(rule_lists6, st.data())
def test_wide_address_partitions_match_reference(rs: list[Rule], data: st.DataObject) -> None:
    nacl, sg = FirstMatchRules(rs, bits=W), AnyMatchRules(rs, bits=W)
    _, proto, port = data.draw(packets6(rs))
    lo, hi = data.draw(addr_ranges6())
    runs = nacl.first_match_addrs(lo, hi, proto, port)
    assert_partition(runs, lo, hi)
    assert runs == ref_runs(lambda a: ref_first(rs, a, proto, port), lo, hi, addr_cuts(rs))
    for a, b, idx in runs:
        assert nacl.first_match(a, proto, port) == nacl.first_match(b, proto, port) == idx

    def admits(a: int) -> int:
        return int(any(ref_rule_matches(r, a, proto, port) for r in rs))

    assert sg.allowed_addrs(lo, hi, proto, port) == true_runs(ref_runs(admits, lo, hi, addr_cuts(rs)))


def test_wide_examples() -> None:
    net = 0x20010DB8 << 96  # 2001:db8::/32
    t = PrefixTable([(0, 0), (net, 32), (net | 1 << 64, 64), (net | 5, 128)], bits=W)
    assert [t.lookup(a) for a in (0, net | 7, net | 1 << 64 | 9, net | 5, TOP6, ADDR_MAX)] == [0, 1, 2, 3, 0, 0]
    assert t.matching(net | 5) == [3, 1, 0]
    assert t.intervals()[-1] == (net + 2**96, TOP6, 0)
    # The deny-all answer (-1) covers the whole width, as AWS's `*` rule for ::/0 does.
    assert FirstMatchRules([], bits=W).first_match_addrs(0, TOP6, 6, 443) == [(0, TOP6, -1)]
    sg = AnyMatchRules([(net, net + 2**96 - 1, 6, 443, 443), (0, TOP6, 58, 0, 0)], bits=W)
    assert sg.allowed_addrs(0, TOP6, 6, 443) == [(net, net + 2**96 - 1)]
    # Protocol 58 (ICMPv6) carries type*256+code like ICMP: the rule admits type 0 code 0 only.
    assert sg.match(TOP6, 58, 0) == 1
    assert sg.match(TOP6, 58, PORT_MAX) == -1
    assert sg.allowed_ports(TOP6, 58, 0, PORT_MAX) == [(0, 0)]
    assert sg.allowed_ports(net, 6, 0, PORT_MAX) == [(443, 443)]


@pytest.mark.parametrize("bits", [0, 31, 33, 64, 129, 32.0, True])
def test_unknown_widths_are_refused(bits: int) -> None:
    for make in (PrefixTable, FirstMatchRules, AnyMatchRules):
        with pytest.raises(ValueError, match=f"address width {bits!r} is not one of 32, 128 bits"):
            make([], bits=bits)
    with pytest.raises(ValueError, match="not one of 32, 128"):
        core.addr_max(bits)
    assert core.addr_max(32) == ADDR_MAX and core.addr_max(128) == TOP6


def test_wide_tables_reject_bad_input() -> None:
    for bad in [(0, 129), (0, -1), (-1, 8), (TOP6 + 1, 128)]:
        with pytest.raises(ValueError):
            PrefixTable([bad], bits=W)
    with pytest.raises(ValueError, match="prefix length 33 outside 0..32"):
        PrefixTable([(0, 33)])
    for bad_rule in [(0, TOP6 + 1, 6, 0, 0), (1, 0, 6, 0, 0), (0, 0, 6, 0, PORT_MAX + 1)]:
        with pytest.raises(ValueError):
            FirstMatchRules([bad_rule], bits=W)
    with pytest.raises(ValueError):
        FirstMatchRules([(0, TOP6, 6, 0, 0)])  # a 128-bit range in a 32-bit table
    t = PrefixTable([(0x20010DB8 << 96, 32)], bits=W)
    nacl = FirstMatchRules([(0, TOP6, PROTO_ALL, 0, PORT_MAX)], bits=W)
    for bad in (-1, TOP6 + 1, 2**200):
        for lookup in (t.lookup, t.lookup_fn(), t.matching):
            with pytest.raises(ValueError, match="outside 0..340282366920938463463374607431768211455"):
                lookup(bad)
        with pytest.raises(ValueError):
            t.lookup_many([0, bad])
        for match in (nacl.first_match, nacl.first_match_fn(), AnyMatchRules([], bits=W).match_fn(), nacl.matching):
            with pytest.raises(ValueError):
                match(bad, 6, 0)
        with pytest.raises(ValueError):
            nacl.first_match_many([0, bad], 6, 0)
        with pytest.raises(ValueError):
            nacl.first_match_ports(bad, 6, 0, 1)
    for proto, port in ((PROTO_ALL, 0), (256, 0), (6, -1), (6, PORT_MAX + 1)):
        with pytest.raises(ValueError):
            nacl.first_match_fn()(0, proto, port)
        with pytest.raises(ValueError):
            nacl.first_match_many([0, 1], [6, proto], [0, port])
    with pytest.raises(ValueError):
        nacl.first_match_addrs(0, TOP6 + 1, 6, 0)
    with pytest.raises(TypeError):
        t.lookup_many(["::1"])  # type: ignore[list-item]
    if core.numpy_available():
        import numpy as np

        with pytest.raises(TypeError):
            t.lookup_array(np.array([1.5]))
        with pytest.raises(ValueError):
            t.lookup_array(np.zeros((2, 2), dtype=np.int64))
        assert t.lookup_array(np.array([], dtype=np.float64)).tolist() == []


def test_core_imports_nothing_else_from_vpcsim() -> None:
    import ast
    from pathlib import Path

    folder = Path(core.__file__).parent
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.name}: relative import"
                names = [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                assert top != "vpcsim" or name == "vpcsim.core" or name.startswith("vpcsim.core."), (path.name, name)
                assert top in {"vpcsim", "numpy", "__future__"} or top in sys.stdlib_module_names, (path.name, name)


# ---------------------------------------------------------------- interval helpers (core.ranges)

from vpcsim.core import ranges  # noqa: E402

int_runs = st.lists(st.tuples(st.integers(-3, 40), st.integers(-3, 40)), max_size=6)


@PROPS
@given(int_runs, int_runs, st.integers(-3, 20), st.integers(10, 40))
def test_ranges_against_sets(ra: list[tuple[int, int]], rb: list[tuple[int, int]], lo: int, hi: int) -> None:
    a, b = ranges.normalize(ra), ranges.normalize(rb)
    sa, sb = as_set(ra), as_set(rb)
    assert a == from_set(sa) and b == from_set(sb)
    assert ranges.normalize(a) == a  # normal forms are fixed points
    assert ranges.union(ra, rb) == ranges.union(a, b) == from_set(sa | sb)
    assert ranges.intersect(a, b) == from_set(sa & sb)
    assert ranges.subtract(a, b) == from_set(sa - sb)
    universe = set(range(lo, hi + 1))
    assert ranges.complement(a, lo, hi) == from_set(universe - sa)
    assert ranges.complement(a, hi + 1, hi) == ()
    if sa <= universe:
        assert ranges.normalize(ra, lo, hi) == a
    else:
        with pytest.raises(ValueError, match=rf"outside {lo}\.\.{hi}"):
            ranges.normalize(ra, lo, hi)


@PROPS
@given(st.lists(st.tuples(addrs6, addrs6), max_size=6), st.lists(st.tuples(addrs6, addrs6), max_size=6))
def test_ranges_over_128_bit_addresses(ra: list[tuple[int, int]], rb: list[tuple[int, int]]) -> None:
    """Normal forms and set operations of huge runs, checked by membership at every edge."""
    a, b = ranges.normalize(ra, 0, TOP6), ranges.normalize(rb, 0, TOP6)
    raw_a = [r for r in ra if r[0] <= r[1]]
    ops: list[tuple[tuple[tuple[int, int], ...], Callable[[bool, bool], bool]]] = [
        (ranges.union(a, b), lambda x, y: x or y),
        (ranges.intersect(a, b), lambda x, y: x and y),
        (ranges.subtract(a, b), lambda x, y: x and not y),
        (ranges.complement(a, 0, TOP6), lambda x, y: not x),
    ]
    pts = sorted({p for runs in (ra, rb) for r in runs for e in r for p in (e - 1, e, e + 1) if 0 <= p <= TOP6}
                 | {0, TOP6})
    assert all(member(a, p) == member(raw_a, p) for p in pts)
    for got, op in ops:
        for (_, h1), (l2, _) in zip(got, got[1:], strict=False):
            assert h1 + 1 < l2, "runs must be disjoint and non-adjacent"
        assert all(0 <= x <= y <= TOP6 for x, y in got)
        assert all(member(got, p) == op(member(a, p), member(b, p)) for p in pts)


def test_port_helpers_are_the_range_helpers() -> None:
    assert core.ports_intersect is ranges.intersect and core.ports_subtract is ranges.subtract
    assert core.ports_normalize([(5, 9), (0, 4), (20, 10)]) == ranges.normalize([(0, 9)], 0, PORT_MAX) == ((0, 9),)
    with pytest.raises(ValueError, match=r"port run 0\.\.65536 outside 0\.\.65535"):
        core.ports_normalize([(0, PORT_MAX + 1)])
    with pytest.raises(ValueError, match=r"port run -1\.\.3 outside 0\.\.65535"):
        core.ports_union([(-1, 3)], [])
