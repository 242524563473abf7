"""Benchmark vpcsim.core against same-run baselines: LPM vs pytricia (and a naive netaddr scan),
first-match rule evaluation vs a plain rule loop on ints.

    python3 benchmarks/bench_core.py [--json FILE] [--repeats N] [--markdown]

Needs the `bench` extra (pip install -e '.[bench]': pytricia, numpy, netaddr; only these
benchmarks use netaddr). Everything is seeded, so every run times the same tables and queries; figures
are medians of interleaved repeats (see benchmarks/common.py). Runs in about 30 s on a
2-core machine and never asserts on timings: the `met?` column is for people.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import sys
from collections.abc import Callable, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import pytricia  # noqa: E402
from common import Results, at_least, at_most_time, compare, machine_facts, measure, print_facts  # noqa: E402
from netaddr import IPAddress, IPNetwork  # noqa: E402

from vpcsim.core import ADDR_MAX, PORT_MAX, PORTED_PROTOS, PROTO_ALL, FirstMatchRules, PrefixTable, Rule  # noqa: E402

SEED = 20240611
QUERIES = 10_000


def dotted(addr: int) -> str:
    return f"{addr >> 24 & 255}.{addr >> 16 & 255}.{addr >> 8 & 255}.{addr & 255}"


# ---------------------------------------------------------------- LPM workload


def route_table(n: int, rng: random.Random) -> tuple[list[tuple[int, int]], list[int]]:
    """n routes: a default route, a few /16s (one per ~125 routes, at least 3), /24s inside them."""
    n16 = max(3, n // 125)
    blocks: list[int] = []
    while len(blocks) < n16:
        block = rng.choice([10 << 24 | rng.randrange(256) << 16, 172 << 24 | rng.randrange(16, 32) << 16])
        if block not in blocks:
            blocks.append(block)
    routes = [(0, 0), *((b, 16) for b in blocks)]
    seen: set[int] = set()
    while len(routes) < n:
        net = rng.choice(blocks) | rng.randrange(256) << 8
        if net not in seen:
            seen.add(net)
            routes.append((net, 24))
    rng.shuffle(routes)
    return routes, blocks


def lpm_queries(blocks: Sequence[int], count: int, rng: random.Random) -> list[int]:
    """90% inside the table's /16s (a /24 or the /16 matches), 10% anywhere (mostly the default route)."""
    return [
        rng.choice(blocks) | rng.randrange(1 << 16) if rng.random() < 0.9 else rng.randrange(ADDR_MAX + 1)
        for _ in range(count)
    ]


def naive_netaddr(routes: Sequence[tuple[int, int]]) -> Callable[[int], int]:
    """The obvious scan: every route an IPNetwork, every query an IPAddress, keep the longest hit."""
    nets = [(IPNetwork(f"{dotted(net)}/{plen}"), i) for i, (net, plen) in enumerate(routes)]

    def lookup(addr: int) -> int:
        ip = IPAddress(addr)
        best, best_len = -1, -1
        for net, i in nets:
            if ip in net and net.prefixlen > best_len:
                best, best_len = i, net.prefixlen
        return best

    return lookup


def bench_lpm(results: Results, n: int, repeats: int) -> None:
    rng = random.Random(SEED + n)
    routes, blocks = route_table(n, rng)
    addrs = lpm_queries(blocks, QUERIES, rng)
    arr = np.array(addrs, dtype=np.int64)
    table = PrefixTable(routes)
    pyt = pytricia.PyTricia(32)
    for i, (net, plen) in enumerate(routes):
        pyt.insert(f"{dotted(net)}/{plen}", i)
    naive = naive_netaddr(routes)
    # Every form must give the same answers before any of them is timed.
    expected = [pyt.get(a) for a in addrs]
    fn = table.lookup_fn()
    assert [table.lookup(a) for a in addrs] == expected
    assert [fn(a) for a in addrs] == expected
    assert table.lookup_many(addrs) == expected == table.lookup_array(arr).tolist()
    assert [naive(a) for a in addrs[:50]] == expected[:50]
    size = f"{n} routes"
    lookup, get = table.lookup, pyt.get

    def v_method() -> None:
        for a in addrs:
            lookup(a)

    def v_fn() -> None:
        for a in addrs:
            fn(a)

    def b_get() -> None:
        for a in addrs:
            get(a)

    def b_subscript() -> None:
        p = pyt
        for a in addrs:
            p[a]

    kw = {"ops": len(addrs), "repeats": repeats}
    results.add("lpm lookup() method", size, compare(v_method, b_get, **kw), "pytricia get", at_most_time(1.2))
    results.add("lpm lookup_fn() closure", size, compare(v_fn, b_get, **kw), "pytricia get", at_most_time(1.2))
    results.add(
        "lpm lookup_fn() closure",
        size,
        compare(v_fn, b_subscript, **kw),
        "pytricia pyt[addr]",
        note="pytricia's fastest form: subscript syntax, no call",
    )
    results.add(
        "lpm lookup_array(ndarray) 10k",
        size,
        compare(lambda: table.lookup_array(arr), lambda: [get(a) for a in addrs], **kw),
        "pytricia get, list comp",
        at_least(2),
    )
    results.add(
        "lpm lookup_many(list) 10k",
        size,
        compare(lambda: table.lookup_many(addrs), lambda: [get(a) for a in addrs], **kw),
        "pytricia get, list comp",
        at_least(2),
    )
    few = addrs[: 500 if n <= 100 else 40]

    def b_naive() -> None:
        for a in few:
            naive(a)

    results.add(
        "lpm lookup() method",
        size,
        compare(v_method, b_naive, ops=len(addrs), baseline_ops=len(few), repeats=max(3, repeats // 3)),
        "naive netaddr scan",
    )
    results.add(
        "(reference) pytricia get",
        size,
        compare(b_get, b_naive, ops=len(addrs), baseline_ops=len(few), repeats=max(3, repeats // 3)),
        "naive netaddr scan",
        note="not vpcsim: pytricia vs the naive scan (the issue quotes 87x and 1,200x)",
    )
    results.add_single(
        "lpm PrefixTable() + trie build",
        size,
        measure(lambda: PrefixTable(routes).lookup(0), repeats=max(3, repeats // 3)),
        note="ns per table, compile plus the first lookup that builds the trie",
    )


# ---------------------------------------------------------------- first-match workload

WELL_KNOWN = [22, 25, 53, 80, 123, 443, 3306, 3389, 5432, 6379, 8080, 8443]


def nacl_rules(n: int, rng: random.Random) -> tuple[list[Rule], list[int]]:
    """n rules shaped like NACL entries, ending with the '*' deny-all (PROTO_ALL over everything).

    Sources: /24s and /32s inside a few /16s (the VPCs), the /16s themselves, 0.0.0.0/0,
    in random order.
    Protocols: mostly TCP, then UDP, ICMP, and PROTO_ALL only for narrow sources (a
    deny-all from 0.0.0.0/0 anywhere but last would make every later rule dead). Ports: a
    well-known port, the ephemeral range, or a random short range.
    """
    blocks = [10 << 24 | rng.randrange(256) << 16 for _ in range(max(2, n // 200))]
    # A long list grows by specific entries (hosts, subnets), not by more catch-alls: about
    # 2 rules from 0.0.0.0/0 and 3 from a whole /16 at 20 rules, 10 and 30 at 1,000.
    p_any = min(0.1, 10 / n)
    p_16 = min(0.15, 30 / n)
    rules: list[Rule] = []
    for _ in range(n - 1):
        kind = rng.random()
        if kind < p_any:
            lo, hi = 0, ADDR_MAX
        elif kind < p_any + p_16:
            lo = rng.choice(blocks)
            hi = lo | 0xFFFF
        elif rng.random() < 0.6:
            lo = rng.choice(blocks) | rng.randrange(256) << 8
            hi = lo | 255
        else:
            lo = hi = rng.choice(blocks) | rng.randrange(1 << 16)
        proto = rng.choice([6, 6, 6, 6, 17, 17, 1, PROTO_ALL]) if hi - lo < 0xFFFF else rng.choice([6, 6, 6, 17, 1])
        if proto == 1:
            plo, phi = rng.choice([(0, PORT_MAX), (2048, 2048), (768, 1023)])
        elif proto == PROTO_ALL:
            plo, phi = 0, PORT_MAX
        else:
            c = rng.random()
            if c < 0.6:
                plo = phi = rng.choice(WELL_KNOWN)
            elif c < 0.8:
                plo, phi = 1024, PORT_MAX
            else:
                plo = rng.randrange(PORT_MAX + 1)
                phi = min(PORT_MAX, plo + rng.randrange(1, 2000))
        rules.append((lo, hi, proto, plo, phi))
    rules.append((0, ADDR_MAX, PROTO_ALL, 0, PORT_MAX))
    return rules, blocks


def packets(blocks: Sequence[int], count: int, rng: random.Random) -> list[tuple[int, int, int]]:
    out = []
    for _ in range(count):
        addr = rng.choice(blocks) | rng.randrange(1 << 16) if rng.random() < 0.9 else rng.randrange(ADDR_MAX + 1)
        proto = rng.choice([6, 6, 6, 6, 6, 6, 6, 17, 17, 1])
        port = rng.choice(WELL_KNOWN) if rng.random() < 0.5 else rng.randrange(PORT_MAX + 1)
        out.append((addr, proto, port))
    return out


def plain_first_match(
    rules: Sequence[Rule], addr: int, proto: int, port: int, ported: frozenset[int] = PORTED_PROTOS
) -> int:
    """The baseline: a plain loop over int rule tuples, in order (what a NACL evaluator does)."""
    for i, (alo, ahi, rproto, plo, phi) in enumerate(rules):
        if alo <= addr <= ahi and (rproto == -1 or (rproto == proto and (proto not in ported or plo <= port <= phi))):
            return i
    return -1


def bench_rules(results: Results, n: int, repeats: int) -> None:
    rng = random.Random(SEED * 7 + n)
    rules, blocks = nacl_rules(n, rng)
    pk = packets(blocks, QUERIES, rng)
    base_pk = pk if n <= 100 else pk[:2000]
    table = FirstMatchRules(rules)
    fn = table.first_match_fn()
    a = [p[0] for p in pk]
    pr = [p[1] for p in pk]
    po = [p[2] for p in pk]
    arr_a, arr_pr, arr_po = (np.array(x, dtype=np.int64) for x in (a, pr, po))
    expected = [plain_first_match(rules, *p) for p in pk]
    assert [table.first_match(*p) for p in pk] == expected
    assert [fn(*p) for p in pk] == expected
    assert table.first_match_many(a, pr, po) == expected == table.first_match_array(arr_a, arr_pr, arr_po).tolist()
    size = f"{n} rules"
    mean_pos = sum(e if e >= 0 else n for e in expected) / len(expected)
    note = f"mean first match at rule {mean_pos:.0f} of {n}"
    first_match = table.first_match

    def v_method() -> None:
        for x, y, z in pk:
            first_match(x, y, z)

    def v_fn() -> None:
        for x, y, z in pk:
            fn(x, y, z)

    def b_loop() -> None:
        for x, y, z in base_pk:
            plain_first_match(rules, x, y, z)

    def b_loop_list() -> None:
        [plain_first_match(rules, x, y, z) for x, y, z in base_pk]

    single = at_least(4 if n <= 100 else 50)
    kw = {"ops": len(pk), "baseline_ops": len(base_pk), "repeats": repeats}
    results.add("nacl first_match() method", size, compare(v_method, b_loop, **kw), "plain rule loop", single, note)
    results.add("nacl first_match_fn() closure", size, compare(v_fn, b_loop, **kw), "plain rule loop", single, note)
    results.add(
        "nacl first_match_array(ndarray) 10k",
        size,
        compare(lambda: table.first_match_array(arr_a, arr_pr, arr_po), b_loop_list, **kw),
        "plain rule loop, list comp",
        at_least(10),
        "per-packet protocols (TCP/UDP/ICMP)",
    )
    results.add(
        "nacl first_match_many(list) 10k",
        size,
        compare(lambda: table.first_match_many(a, pr, po), b_loop_list, **kw),
        "plain rule loop, list comp",
        at_least(10),
        "per-packet protocols (TCP/UDP/ICMP)",
    )

    def cold() -> None:
        FirstMatchRules(rules).first_match_many(a, pr, po)

    results.add(
        "nacl compile + first batch (cold) 10k",
        size,
        compare(cold, b_loop_list, **{**kw, "repeats": max(3, repeats // 3)}),
        "plain rule loop, list comp",
        note="includes compiling the table and its numpy grids",
    )


# ---------------------------------------------------------------- IPv6 (128-bit tables)

V6_BASE = 0x2600_1F18 << 96  # an Amazon-provided range: VPC /56s and subnet /64s inside it
TOP6 = (1 << 128) - 1


def route_table6(n: int, rng: random.Random) -> tuple[list[tuple[int, int]], list[int]]:
    """The IPv6 twin of route_table: ::/0, a few VPC /56s (one per ~125 routes, at least 3), /64s inside them."""
    n56 = max(3, n // 125)
    blocks: list[int] = []
    while len(blocks) < n56:
        block = V6_BASE | rng.randrange(1 << 24) << 72
        if block not in blocks:
            blocks.append(block)
    routes = [(0, 0), *((b, 56) for b in blocks)]
    seen: set[int] = set()
    while len(routes) < n:
        net = rng.choice(blocks) | rng.randrange(256) << 64
        if net not in seen:
            seen.add(net)
            routes.append((net, 64))
    rng.shuffle(routes)
    return routes, blocks


def lpm_queries6(blocks: Sequence[int], count: int, rng: random.Random) -> list[int]:
    """90% inside the /56s, 10% anywhere in the IPv6 space."""
    return [rng.choice(blocks) | rng.randrange(1 << 72) if rng.random() < 0.9 else rng.randrange(1 << 32, TOP6)
            for _ in range(count)]


def bench_lpm6(results: Results, n: int, repeats: int) -> None:
    """128-bit LPM beside the 32-bit rows: vpcsim's bisect table against pytricia's IPv6 trie (same run)."""
    import ipaddress

    rng = random.Random(SEED * 3 + n)
    routes, blocks = route_table6(n, rng)
    addrs = lpm_queries6(blocks, QUERIES, rng)
    table = PrefixTable(routes, bits=128)
    pyt = pytricia.PyTricia(128)
    for i, (net, plen) in enumerate(routes):
        pyt.insert(f"{ipaddress.IPv6Address(net)}/{plen}", i)
    # pytricia takes IPv6 as text or address objects, not ints: it is given the packed bytes,
    # its cheapest form, converted before timing (vpcsim's ints are converted the same way).
    packed = [ipaddress.IPv6Address(a).packed for a in addrs]
    expected = [pyt.get(p) for p in packed]
    fn = table.lookup_fn()
    assert [table.lookup(a) for a in addrs] == expected == [fn(a) for a in addrs] == table.lookup_many(addrs)
    size = f"{n} routes"
    lookup, get = table.lookup, pyt.get

    def v_method() -> None:
        for a in addrs:
            lookup(a)

    def v_fn() -> None:
        for a in addrs:
            fn(a)

    def b_get() -> None:
        for a in packed:
            get(a)

    kw = {"ops": len(addrs), "repeats": repeats}
    results.add("lpm6 lookup() method, 128-bit", size, compare(v_method, b_get, **kw), "pytricia(128) get",
                note="bisect over the intervals (no trie for 128 bits)")
    results.add("lpm6 lookup_fn() closure, 128-bit", size, compare(v_fn, b_get, **kw), "pytricia(128) get")
    results.add("lpm6 lookup_many(list) 10k, 128-bit", size, compare(lambda: table.lookup_many(addrs),
                                                                     lambda: [get(a) for a in packed], **kw),
                "pytricia(128) get, list comp")


def nacl_rules6(n: int, rng: random.Random) -> tuple[list[Rule], list[int]]:
    """nacl_rules moved to IPv6: the same shapes (ports, protocols, catch-alls) over /56s, /64s and /128s."""
    rules4, blocks4 = nacl_rules(n, rng)
    blocks = {b: V6_BASE | rng.randrange(1 << 24) << 72 for b in blocks4}

    def widen(lo: int, hi: int) -> tuple[int, int]:
        if (lo, hi) == (0, ADDR_MAX):
            return 0, TOP6
        block = blocks.get(lo & 0xFFFF0000, V6_BASE)
        if hi - lo == 0xFFFF:
            return block, block | (1 << 72) - 1  # the VPC's /56
        if hi - lo == 255:
            net = block | (lo >> 8 & 255) << 64
            return net, net | (1 << 64) - 1  # a subnet's /64
        host = block | (lo >> 8 & 255) << 64 | (lo & 255)
        return host, host

    rules = [(*widen(lo, hi), proto, plo, phi) for lo, hi, proto, plo, phi in rules4]
    return rules, list(blocks.values())


def bench_rules6(results: Results, n: int, repeats: int) -> None:
    rng = random.Random(SEED * 11 + n)
    rules, blocks = nacl_rules6(n, rng)
    pk = [(rng.choice(blocks) | rng.randrange(256) << 64 | rng.randrange(256) if rng.random() < 0.9
           else rng.randrange(1 << 32, TOP6), proto, port) for _, proto, port in packets([0], QUERIES, rng)]
    base_pk = pk if n <= 100 else pk[:2000]
    table = FirstMatchRules(rules, bits=128)
    fn = table.first_match_fn()
    expected = [plain_first_match(rules, *p) for p in pk]
    assert [table.first_match(*p) for p in pk] == expected == [fn(*p) for p in pk]
    size = f"{n} rules"
    first_match = table.first_match

    def v_method() -> None:
        for x, y, z in pk:
            first_match(x, y, z)

    def v_fn() -> None:
        for x, y, z in pk:
            fn(x, y, z)

    def b_loop() -> None:
        for x, y, z in base_pk:
            plain_first_match(rules, x, y, z)

    kw = {"ops": len(pk), "baseline_ops": len(base_pk), "repeats": repeats}
    results.add("nacl6 first_match() method, 128-bit", size, compare(v_method, b_loop, **kw), "plain rule loop")
    results.add("nacl6 first_match_fn() closure, 128-bit", size, compare(v_fn, b_loop, **kw), "plain rule loop")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", metavar="FILE", help="also write the rows and machine facts as JSON")
    parser.add_argument("--repeats", type=int, default=21, help="interleaved repeats per comparison (default 21)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    parser.add_argument("--no-ipv6", action="store_true", help="leave out the 128-bit rows (lpm6, nacl6)")
    args = parser.parse_args(argv)
    facts = machine_facts()
    print_facts(facts)
    results = Results("core")
    for n in (50, 1000):
        bench_lpm(results, n, args.repeats)
    for n in (20, 1000):
        bench_rules(results, n, args.repeats)
    if not args.no_ipv6:
        for n in (50, 1000):
            bench_lpm6(results, n, args.repeats)
        for n in (20, 1000):
            bench_rules6(results, n, args.repeats)
    print(results.table())
    if args.markdown:
        print()
        print(results.markdown())
    if args.json:
        command = "python3 " + " ".join(shlex.quote(x) for x in [os.path.relpath(__file__), *(argv or sys.argv[1:])])
        results.write_json(args.json, command=command, facts=facts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
