"""Takes IPv4 prefixes and ACL rules as plain ints; gives compiled tables for LPM and rule matching.

Addresses are ints 0..2**32-1, protocols are IANA numbers (PROTO_ALL = -1 means every
protocol), ports are 0..65535, and ICMP carries type*256+code in the port field (a rule for
any ICMP uses 0..65535). Protocols other than ICMP, TCP and UDP have no ports: their rules
match every port, as in AWS. Tables are compiled once and answer each query with bisect.

This module imports only the standard library and nothing from vpcsim, so it stays the
fast, independently testable core.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

__all__ = [
    "ADDR_MAX",
    "PORTED_PROTOS",
    "PORT_MAX",
    "PROTO_ALL",
    "PROTO_ICMP",
    "PROTO_MAX",
    "PROTO_TCP",
    "PROTO_UDP",
    "AnyMatchRules",
    "FirstMatchRules",
    "PortRuns",
    "PrefixTable",
    "Rule",
    "ports_intersect",
    "ports_normalize",
    "ports_subtract",
    "ports_union",
]

ADDR_MAX: int = 0xFFFFFFFF
PORT_MAX: int = 65535
PROTO_ALL: int = -1
PROTO_ICMP: int = 1
PROTO_TCP: int = 6
PROTO_UDP: int = 17
PROTO_MAX: int = 255
PORTED_PROTOS: frozenset[int] = frozenset({PROTO_ICMP, PROTO_TCP, PROTO_UDP})

Rule = tuple[int, int, int, int, int]
"""(addr_lo, addr_hi, proto, port_lo, port_hi), all bounds inclusive."""

PortRuns = tuple[tuple[int, int], ...]
"""Sorted, disjoint, non-adjacent inclusive (lo, hi) port runs."""

_Run = tuple[int, int, int]
_Partition = tuple[list[int], list[int]]

# Upper bound on cached (segment, protocol) port partitions per rule table; the cache is
# dropped wholesale when full, which keeps memory bounded without LRU bookkeeping on hits.
_CACHE_LIMIT = 1 << 15


def _check_addr(addr: int) -> None:
    if not 0 <= addr <= ADDR_MAX:
        raise ValueError(f"address {addr!r} outside 0..{ADDR_MAX}")


def _check_proto(proto: int) -> None:
    if not 0 <= proto <= PROTO_MAX:
        raise ValueError(f"packet protocol {proto!r} outside 0..{PROTO_MAX}")


def _check_range(lo: int, hi: int, top: int, what: str) -> None:
    if not 0 <= lo <= hi <= top:
        raise ValueError(f"{what} range {lo!r}..{hi!r} is not within 0..{top}")


def _merge_runs(pieces: list[_Run]) -> list[_Run]:
    """Merge adjacent pieces with the same index; pieces must be sorted and contiguous."""
    out: list[_Run] = []
    for lo, hi, idx in pieces:
        if out and out[-1][2] == idx:
            out[-1] = (out[-1][0], hi, idx)
        else:
            out.append((lo, hi, idx))
    return out


def _paint(items: Iterable[_Run], lo: int, hi: int) -> list[_Run]:
    """Partition [lo, hi] into maximal runs owned by the first item covering them (-1: none).

    Items are (lo, hi, index) in precedence order. Only the still-unowned parts are kept
    (as sorted free intervals), so each item costs a bisect plus the pieces it claims.
    """
    free_lo = [lo]
    free_hi = [hi]
    pieces: list[_Run] = []
    for a, b, idx in items:
        a = max(a, lo)
        b = min(b, hi)
        if a > b:
            continue
        j = bisect_left(free_hi, a)
        k = j
        n = len(free_lo)
        while k < n and free_lo[k] <= b:
            s = free_lo[k]
            e = free_hi[k]
            pieces.append((max(s, a), min(e, b), idx))
            k += 1
        if k == j:
            continue
        keep_lo: list[int] = []
        keep_hi: list[int] = []
        if free_lo[j] < a:
            keep_lo.append(free_lo[j])
            keep_hi.append(a - 1)
        if free_hi[k - 1] > b:
            keep_lo.append(b + 1)
            keep_hi.append(free_hi[k - 1])
        free_lo[j:k] = keep_lo
        free_hi[j:k] = keep_hi
        if not free_lo:
            break
    pieces.extend((s, e, -1) for s, e in zip(free_lo, free_hi, strict=True))
    pieces.sort()
    return _merge_runs(pieces)


class PrefixTable:
    """Longest-prefix match over IPv4 prefixes, compiled to disjoint sorted intervals searched with bisect."""

    __slots__ = ("_by_len", "_idx", "_lens", "_n", "_starts")

    def __init__(self, prefixes: Sequence[tuple[int, int]]) -> None:
        """Compile prefixes[i] = (network, prefix_len); lookups return i.

        Host bits below the prefix length are masked off (10.0.0.7/24 is 10.0.0.0/24).
        Of identical prefixes the first given wins. Raises ValueError on a network
        outside 0..2**32-1 or a length outside 0..32.
        """
        by_len: dict[int, dict[int, list[int]]] = {}
        spans: list[tuple[int, int, int]] = []
        for i, (net, plen) in enumerate(prefixes):
            _check_addr(net)
            if not 0 <= plen <= 32:
                raise ValueError(f"prefix length {plen!r} outside 0..32")
            host = (1 << (32 - plen)) - 1
            lo = net & ~host & ADDR_MAX
            same = by_len.setdefault(plen, {}).setdefault(lo, [])
            if not same:
                spans.append((lo, plen, i))
            same.append(i)
        self._n = len(prefixes)
        self._by_len = by_len
        self._lens = sorted(by_len, reverse=True)
        # Prefixes nest or are disjoint, so a stack sweep in (start, shorter-first) order
        # yields the owner of every gap: the innermost prefix still open there.
        spans.sort()
        starts: list[int] = []
        idxs: list[int] = []

        def emit(lo: int, hi: int, idx: int) -> None:
            if lo > hi:
                return
            if idxs and idxs[-1] == idx:
                return
            starts.append(lo)
            idxs.append(idx)

        cur = 0
        stack: list[tuple[int, int]] = []
        for lo, plen, i in spans:
            while stack and stack[-1][0] < lo:
                top_hi, top_i = stack.pop()
                emit(cur, top_hi, top_i)
                cur = top_hi + 1
            emit(cur, lo - 1, stack[-1][1] if stack else -1)
            cur = lo
            stack.append((lo | ((1 << (32 - plen)) - 1), i))
        while stack:
            top_hi, top_i = stack.pop()
            emit(cur, top_hi, top_i)
            cur = top_hi + 1
        emit(cur, ADDR_MAX, -1)
        self._starts = starts
        self._idx = idxs

    def __len__(self) -> int:
        """Number of prefixes given, duplicates included."""
        return self._n

    def lookup(self, addr: int) -> int:
        """Index of the longest prefix containing addr, -1 if none."""
        if not 0 <= addr <= ADDR_MAX:
            raise ValueError(f"address {addr!r} outside 0..{ADDR_MAX}")
        return self._idx[bisect_right(self._starts, addr) - 1]

    def lookup_many(self, addrs: Sequence[int]) -> list[int]:
        """lookup() for each address, in order."""
        if addrs and not (min(addrs) >= 0 and max(addrs) <= ADDR_MAX):
            raise ValueError(f"an address is outside 0..{ADDR_MAX}")
        starts = self._starts
        idxs = self._idx
        return [idxs[bisect_right(starts, a) - 1] for a in addrs]

    def matching(self, addr: int) -> list[int]:
        """Indices of all prefixes containing addr, most specific first, then in given order."""
        _check_addr(addr)
        out: list[int] = []
        for plen in self._lens:
            hit = self._by_len[plen].get(addr & ~((1 << (32 - plen)) - 1) & ADDR_MAX)
            if hit:
                out.extend(hit)
        return out

    def intervals(self) -> list[tuple[int, int, int]]:
        """Maximal (lo, hi, index) runs partitioning 0..2**32-1; index -1 where nothing matches."""
        starts = self._starts
        ends = [s - 1 for s in starts[1:]]
        ends.append(ADDR_MAX)
        return list(zip(starts, ends, self._idx, strict=True))


class _RuleTable:
    """Rules compiled over elementary address segments with lazily cached port partitions.

    The boundaries of all address ranges cut 0..2**32-1 into segments inside which every
    rule either covers the whole segment or none of it. For each (segment, protocol class)
    the first matching rule per port is a partition of 0..65535, built on first use and
    then searched by bisect. Protocols no rule names share one class (only PROTO_ALL
    rules can match them).
    """

    __slots__ = ("_by_key", "_cache", "_key_of", "_nkeys", "_rules", "_seg_starts")

    def __init__(self, rules: Sequence[Rule]) -> None:
        """Validate and compile rules given in precedence order; raises ValueError on bad bounds."""
        norm: list[Rule] = []
        key_of: dict[int, int] = {}
        cuts = {0}
        for alo, ahi, proto, plo, phi in rules:
            _check_range(alo, ahi, ADDR_MAX, "address")
            if not PROTO_ALL <= proto <= PROTO_MAX:
                raise ValueError(f"protocol {proto!r} outside -1..{PROTO_MAX}")
            if proto in PORTED_PROTOS:
                _check_range(plo, phi, PORT_MAX, "port")
            else:
                plo, phi = 0, PORT_MAX
            norm.append((alo, ahi, proto, plo, phi))
            cuts.add(alo)
            if ahi < ADDR_MAX:
                cuts.add(ahi + 1)
            if proto != PROTO_ALL and proto not in key_of:
                key_of[proto] = len(key_of) + 1
        by_key: list[list[tuple[int, int, int, int, int]]] = [[] for _ in range(len(key_of) + 1)]
        for i, (alo, ahi, proto, plo, phi) in enumerate(norm):
            entry = (alo, ahi, plo, phi, i)
            if proto == PROTO_ALL:
                for lst in by_key:
                    lst.append(entry)
            else:
                by_key[key_of[proto]].append(entry)
        self._rules = norm
        self._key_of = key_of
        self._nkeys = len(by_key)
        self._by_key = by_key
        self._seg_starts = sorted(cuts)
        self._cache: dict[int, _Partition] = {}

    def __len__(self) -> int:
        """Number of rules."""
        return len(self._rules)

    def _build(self, seg: int, key: int) -> _Partition:
        lo = self._seg_starts[seg]
        runs = _paint(
            ((plo, phi, i) for alo, ahi, plo, phi, i in self._by_key[key] if alo <= lo <= ahi),
            0,
            PORT_MAX,
        )
        part = ([r[0] for r in runs], [r[2] for r in runs])
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[seg * self._nkeys + key] = part
        return part

    def _partition(self, addr: int, proto: int) -> _Partition:
        seg = bisect_right(self._seg_starts, addr) - 1
        key = self._key_of.get(proto, 0)
        part = self._cache.get(seg * self._nkeys + key)
        return part if part is not None else self._build(seg, key)

    def _match_one(self, addr: int, proto: int, port: int) -> int:
        """Index of the first (lowest-index) rule matching the packet, -1 if none."""
        if not (0 <= addr <= ADDR_MAX and 0 <= proto <= PROTO_MAX and 0 <= port <= PORT_MAX):
            raise ValueError(f"bad packet address/protocol/port {addr!r}/{proto!r}/{port!r}")
        seg = bisect_right(self._seg_starts, addr) - 1
        key = self._key_of.get(proto, 0)
        part = self._cache.get(seg * self._nkeys + key)
        if part is None:
            part = self._build(seg, key)
        starts, idxs = part
        return idxs[bisect_right(starts, port) - 1]

    def _port_runs(self, addr: int, proto: int, port_lo: int, port_hi: int) -> list[_Run]:
        _check_addr(addr)
        _check_range(port_lo, port_hi, PORT_MAX, "port")
        _check_proto(proto)
        starts, idxs = self._partition(addr, proto)
        out: list[_Run] = []
        n = len(starts)
        i = bisect_right(starts, port_lo) - 1
        while i < n and starts[i] <= port_hi:
            end = starts[i + 1] - 1 if i + 1 < n else PORT_MAX
            out.append((max(starts[i], port_lo), min(end, port_hi), idxs[i]))
            i += 1
        return out

    def _addr_runs(self, addr_lo: int, addr_hi: int, proto: int, port: int) -> list[_Run]:
        # One pass over the protocol's rules, painting addresses directly, beats building a
        # port partition for every segment the range crosses.
        _check_range(addr_lo, addr_hi, ADDR_MAX, "address")
        _check_proto(proto)
        if not 0 <= port <= PORT_MAX:
            raise ValueError(f"port {port!r} outside 0..{PORT_MAX}")
        rules = self._by_key[self._key_of.get(proto, 0)]
        return _paint(
            ((alo, ahi, i) for alo, ahi, plo, phi, i in rules if plo <= port <= phi),
            addr_lo,
            addr_hi,
        )

    def matching(self, addr: int, proto: int, port: int) -> list[int]:
        """Indices of every rule matching the packet, in order (for explanations; scans all rules)."""
        if not (0 <= addr <= ADDR_MAX and 0 <= proto <= PROTO_MAX and 0 <= port <= PORT_MAX):
            raise ValueError(f"bad packet address/protocol/port {addr!r}/{proto!r}/{port!r}")
        rules = self._by_key[self._key_of.get(proto, 0)]
        return [i for alo, ahi, plo, phi, i in rules if alo <= addr <= ahi and plo <= port <= phi]


class FirstMatchRules(_RuleTable):
    """NACL-style first-match rule list.

    Rules are (addr_lo, addr_hi, proto, port_lo, port_hi) in evaluation order. A PROTO_ALL
    rule matches every protocol and port; otherwise the packet's protocol must equal the
    rule's and, for ICMP/TCP/UDP, its port must lie in the rule's range. Queries take a
    concrete packet protocol 0..255.
    """

    __slots__ = ()

    first_match = _RuleTable._match_one

    def first_match_ports(self, addr: int, proto: int, port_lo: int, port_hi: int) -> list[tuple[int, int, int]]:
        """Maximal (lo, hi, index) runs partitioning [port_lo, port_hi] by first match (-1: none)."""
        return self._port_runs(addr, proto, port_lo, port_hi)

    def first_match_addrs(self, addr_lo: int, addr_hi: int, proto: int, port: int) -> list[tuple[int, int, int]]:
        """Maximal (lo, hi, index) runs partitioning [addr_lo, addr_hi] by first match (-1: none)."""
        return self._addr_runs(addr_lo, addr_hi, proto, port)


class AnyMatchRules(_RuleTable):
    """Security-group-style union of allow rules (any match admits).

    Same rule shape and matching as FirstMatchRules; order only decides which index
    match() reports (the lowest).
    """

    __slots__ = ()

    match = _RuleTable._match_one

    def allowed_ports(self, addr: int, proto: int, port_lo: int, port_hi: int) -> list[tuple[int, int]]:
        """Sorted, disjoint, non-adjacent allowed port runs within [port_lo, port_hi]."""
        return _allowed(self._port_runs(addr, proto, port_lo, port_hi))

    def allowed_addrs(self, addr_lo: int, addr_hi: int, proto: int, port: int) -> list[tuple[int, int]]:
        """Sorted, disjoint, non-adjacent allowed address runs within [addr_lo, addr_hi]."""
        return _allowed(self._addr_runs(addr_lo, addr_hi, proto, port))


def _allowed(runs: list[_Run]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi, idx in runs:
        if idx < 0:
            continue
        if out and out[-1][1] + 1 == lo:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def ports_normalize(runs: Iterable[tuple[int, int]]) -> PortRuns:
    """Sort and merge overlapping or adjacent (lo, hi) runs; empty runs (lo > hi) are dropped.

    Raises ValueError on a non-empty run reaching outside 0..65535.
    """
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(r for r in runs if r[0] <= r[1]):
        if lo < 0 or hi > PORT_MAX:
            raise ValueError(f"port run {lo!r}..{hi!r} outside 0..{PORT_MAX}")
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def ports_union(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> PortRuns:
    """Ports in a or b."""
    return ports_normalize((*a, *b))


def ports_intersect(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> PortRuns:
    """Ports in both a and b; inputs sorted and disjoint (as from ports_normalize)."""
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def ports_subtract(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> PortRuns:
    """Ports in a but not in b; inputs sorted and disjoint (as from ports_normalize)."""
    out: list[tuple[int, int]] = []
    j = 0
    for lo, hi in a:
        while j < len(b) and b[j][1] < lo:
            j += 1
        cur = lo
        k = j
        while k < len(b) and b[k][0] <= hi and cur <= hi:
            if b[k][0] > cur:
                out.append((cur, b[k][0] - 1))
            cur = max(cur, b[k][1] + 1)
            k += 1
        if cur <= hi:
            out.append((cur, hi))
    return tuple(out)
