"""Takes ACL rules as (addr_lo, addr_hi, proto, port_lo, port_hi) ints; gives first-match and any-match tables.

FirstMatchRules is a NACL's rule list (first match wins), AnyMatchRules a security group's
union of allows (any match admits). Both compile the rules over elementary address segments
with lazily built port partitions per (segment, protocol class). Addresses are of one width
per table (32 or 128 bits); no match (-1) covers the whole width, as AWS's `*` deny rule
does for 0.0.0.0/0 and, separately, ::/0
(https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html). The closures
and numpy batches of 32-bit tables use stride tries and decision grids; wider tables answer
by bisect, in pure Python.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import vpcsim.core.limits as _knobs  # size caps, read at call time (see there)
from vpcsim.core._common import (
    NUMPY_BITS,
    PORT_MAX,
    PORTED_PROTOS,
    PROTO_ALL,
    PROTO_MAX,
    addr_max,
    bad_packet,
    check_addr,
    check_proto,
    check_range,
    int_array,
    int_list,
    numpy_available,
)
from vpcsim.core.prefix import _np_lookup, _stride_trie, _wide_trie

if TYPE_CHECKING:
    from vpcsim.core._common import BatchInts, IntArray

__all__ = ["AnyMatchRules", "FirstMatchRules", "Rule"]

Rule = tuple[int, int, int, int, int]
"""(addr_lo, addr_hi, proto, port_lo, port_hi), all bounds inclusive."""

_Run = tuple[int, int, int]
# A compiled port partition: (starts, vals). starts holds each run's first port and then
# PORT_MAX + 1; vals[r] is the index owning run r (covering starts[r-1]..starts[r]-1) and
# vals[0] is a filler, so vals[bisect_right(starts, port)] answers a port in one step and
# a port above PORT_MAX runs off the end (IndexError) instead of answering.
_Row = tuple[list[int], list[int]]

_KEY_TABLES: dict[tuple[tuple[int, int], ...], dict[int, int]] = {}


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



def _key_table(key_of: dict[int, int]) -> dict[int, int]:
    """{packet protocol 0..255: protocol class}, shared between tables naming the same protocols."""
    sig = tuple(sorted(key_of.items()))
    table = _KEY_TABLES.get(sig)
    if table is None:
        table = {p: key_of.get(p, 0) for p in range(PROTO_MAX + 1)}
        if len(_KEY_TABLES) < 4096:
            _KEY_TABLES[sig] = table
    return table


class _RuleTable:
    """Rules compiled over elementary address segments with lazily built port partitions.

    The boundaries of all address ranges cut 0..2**bits-1 into segments inside which every
    rule either covers the whole segment or none of it. For each (segment, protocol class)
    the first matching rule per port is a partition of 0..65535, built on first use and
    then searched by bisect. Protocols no rule names share one class (only PROTO_ALL
    rules can match them). Batches use, per protocol class, the fully materialised grid of
    first matches over (address segment x port segment), built once with numpy.
    """

    __slots__ = (
        "_bits",
        "_built",
        "_bounds",
        "_by_key",
        "_fast",
        "_key_of",
        "_keys",
        "_nkeys",
        "_np",
        "_rows",
        "_rules",
        "_top",
    )

    def __init__(self, rules: Sequence[Rule], bits: int = 32) -> None:
        """Validate and compile rules over `bits`-bit addresses (32 or 128), given in precedence order.

        Raises ValueError on bad bounds or an unknown width.
        """
        top = addr_max(bits)
        norm: list[Rule] = []
        key_of: dict[int, int] = {}
        cuts = {0}
        for alo, ahi, proto, plo, phi in rules:
            check_range(alo, ahi, top, "address")
            if not PROTO_ALL <= proto <= PROTO_MAX:
                raise ValueError(f"protocol {proto!r} outside -1..{PROTO_MAX}")
            if proto in PORTED_PROTOS:
                check_range(plo, phi, PORT_MAX, "port")
            else:
                plo, phi = 0, PORT_MAX
            norm.append((alo, ahi, proto, plo, phi))
            cuts.add(alo)
            if ahi < top:
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
        self._keys = _key_table(key_of)
        self._nkeys = len(by_key)
        self._by_key = by_key
        # Segment s (1-based) is bounds[s-1]..bounds[s]-1, so bisect_right(bounds, addr)
        # names addr's segment and an address above the top runs off the end.
        bounds = sorted(cuts)
        bounds.append(top + 1)
        self._bits = bits
        self._top = top
        self._bounds = bounds
        self._rows: list[list[_Row | None]] = [[None] * len(bounds) for _ in by_key]
        self._built: list[tuple[int, int]] = []
        self._fast: _FastRules | None = None  # for the match closures, built on first use
        self._np: _BatchRules | None = None  # for batches, built on first use

    def __len__(self) -> int:
        """Number of rules."""
        return len(self._rules)

    @property
    def bits(self) -> int:
        """The address width: 32 (IPv4) or 128 (IPv6)."""
        return self._bits

    def _paint_row(self, seg: int, key: int) -> list[_Run]:
        """The first-match port runs of address segment seg (1-based) for a protocol class."""
        lo = self._bounds[seg - 1]
        return _paint(
            ((plo, phi, i) for alo, ahi, plo, phi, i in self._by_key[key] if alo <= lo <= ahi),
            0,
            PORT_MAX,
        )

    def _port_cuts(self, key: int) -> list[int]:
        """First port of every port segment of a protocol class (its rules' port bounds)."""
        entries = self._by_key[key]
        return sorted({0, *(e[2] for e in entries), *(e[3] + 1 for e in entries if e[3] < PORT_MAX)})

    def _build(self, seg: int, key: int) -> _Row:
        runs = self._paint_row(seg, key)
        row: _Row = ([r[0] for r in runs], [-1])
        row[0].append(PORT_MAX + 1)
        row[1].extend(r[2] for r in runs)
        built = self._built
        if len(built) >= _knobs._CACHE_LIMIT:
            rows = self._rows
            for k, s in built:
                rows[k][s] = None
            built.clear()
        self._rows[key][seg] = row
        built.append((key, seg))
        return row

    def _row(self, addr: int, key: int) -> _Row:
        seg = bisect_right(self._bounds, addr)
        row = self._rows[key][seg]
        return row if row is not None else self._build(seg, key)

    def _match_one(self, addr: int, proto: int, port: int) -> int:
        """Index of the first (lowest-index) rule matching the packet, -1 if none."""
        # Out-of-range values fail a lookup (KeyError, IndexError) instead of being compared:
        # only negatives need an explicit test, as a negative index would wrap around.
        if addr < 0 or port < 0:
            raise bad_packet(addr, proto, port)
        try:
            key = self._keys[proto]
            seg = bisect_right(self._bounds, addr)
            row = self._rows[key][seg]
        except (KeyError, IndexError):
            raise bad_packet(addr, proto, port) from None
        if row is None:
            row = self._build(seg, key)
        try:
            v = row[1][bisect_right(row[0], port)]
        except IndexError:
            raise bad_packet(addr, proto, port) from None
        return v

    def _match_fn(self) -> Callable[[int, int, int], int]:
        # Two or three subscripts of a wide stride trie give the address segment (1-based)
        # instead of a bisect (see _wide_trie); a 65,536-entry map gives the port's segment
        # in one subscript instead of a bisect; the row of first matches per port segment
        # for (protocol class, address segment) is built on first use.
        fast = self._fast
        if fast is None:
            fast = self._fast = _FastRules(self)
        per_proto = fast.per_proto
        wide = fast.wide
        build = fast.build
        if self._bits != 32:
            bounds = self._bounds

            def match_wide(addr: int, proto: int, port: int) -> int:
                if addr < 0 or port < 0:
                    raise bad_packet(addr, proto, port)
                try:
                    rows, port_seg, key = per_proto[proto]
                    seg = bisect_right(bounds, addr)
                    row = rows[seg]  # an address above the top runs off the end
                    p = port_seg[port]
                except (KeyError, IndexError):
                    raise bad_packet(addr, proto, port) from None
                if row is None:
                    row = build(key, seg)
                return row[p]

            return match_wide
        if fast.two_level:

            def match(addr: int, proto: int, port: int) -> int:
                if addr < 0 or port < 0:
                    raise bad_packet(addr, proto, port)
                try:
                    rows, port_seg, key = per_proto[proto]
                    seg: int = wide[addr >> 16][addr & 0xFFFF]
                    p = port_seg[port]
                except (KeyError, IndexError):
                    raise bad_packet(addr, proto, port) from None
                row = rows[seg]
                if row is None:
                    row = build(key, seg)
                return row[p]

            return match

        def match3(addr: int, proto: int, port: int) -> int:
            if addr < 0 or port < 0:
                raise bad_packet(addr, proto, port)
            try:
                rows, port_seg, key = per_proto[proto]
                seg: int = wide[addr >> 16][addr >> 8 & 255][addr & 255]
                p = port_seg[port]
            except (KeyError, IndexError):
                raise bad_packet(addr, proto, port) from None
            row = rows[seg]
            if row is None:
                row = build(key, seg)
            return row[p]

        return match3

    # -- batches ------------------------------------------------------------------------------

    def _batch(self) -> _BatchRules:
        if self._np is None:
            self._np = _BatchRules(self)
        return self._np

    def _match_array(self, addrs: BatchInts, proto: int | BatchInts, ports: int | BatchInts) -> IntArray:
        import numpy as np

        if self._bits > NUMPY_BITS:
            # numpy's int64 cannot hold 128-bit addresses: answer in Python, return the array.
            return np.array(self._match_many(addrs, proto, ports), dtype=np.int64)
        a = int_array(addrs, self._top, "address")
        n = len(a)
        if isinstance(ports, int):
            if not 0 <= ports <= PORT_MAX:
                raise ValueError(f"port {ports!r} outside 0..{PORT_MAX}")
            p = np.full(n, ports, dtype=np.int64)
        else:
            p = int_array(ports, PORT_MAX, "port")
            if len(p) != n:
                raise ValueError(f"{n} addresses but {len(p)} ports")
        batch = self._batch()
        if isinstance(proto, int):
            check_proto(proto)
            keys: int | IntArray = self._keys[proto]
        else:
            if isinstance(proto, np.ndarray):
                pr = int_array(proto, PROTO_MAX, "protocol")
            else:
                try:  # bytes() checks 0..255 and converts a list of ints 2-3x faster than fromiter
                    pr = np.frombuffer(bytes(proto), dtype=np.uint8)
                except ValueError:
                    raise ValueError(f"a protocol is outside 0..{PROTO_MAX}") from None
            if len(pr) != n:
                raise ValueError(f"{n} addresses but {len(pr)} protocols")
            keys = batch.key_of.take(pr)
        return batch.evaluate(a, keys, p)

    def _match_many(self, addrs: BatchInts, proto: int | BatchInts, ports: int | BatchInts) -> list[int]:
        n = len(addrs)
        if n >= _knobs._NUMPY_MIN_BATCH and self._bits <= NUMPY_BITS and numpy_available():
            out: list[int] = self._match_array(addrs, proto, ports).tolist()
            return out
        if self._bits > NUMPY_BITS:
            addrs = int_list(addrs, self._top, "address")
        protos = [proto] * n if isinstance(proto, int) else list(proto)
        portl = [ports] * n if isinstance(ports, int) else list(ports)
        if len(protos) != n or len(portl) != n:
            raise ValueError(f"{n} addresses but {len(protos)} protocols and {len(portl)} ports")
        match = self._match_fn()
        return [match(a, q, p) for a, q, p in zip(addrs, protos, portl, strict=True)]

    # -- runs ---------------------------------------------------------------------------------

    def _port_runs(self, addr: int, proto: int, port_lo: int, port_hi: int) -> list[_Run]:
        if not (0 <= addr <= self._top and 0 <= port_lo <= port_hi <= PORT_MAX and 0 <= proto <= PROTO_MAX):
            # (The checks' calls only on bad input: the walk asks at every reply's filter.)
            check_addr(addr, self._top)
            check_range(port_lo, port_hi, PORT_MAX, "port")
            check_proto(proto)
        starts, vals = self._row(addr, self._keys[proto])
        out: list[_Run] = []
        n = len(starts)
        r = bisect_right(starts, port_lo)  # run r covers starts[r-1]..starts[r]-1
        while r < n and starts[r - 1] <= port_hi:
            out.append((max(starts[r - 1], port_lo), min(starts[r] - 1, port_hi), vals[r]))
            r += 1
        return out

    def _addr_runs(self, addr_lo: int, addr_hi: int, proto: int, port: int) -> list[_Run]:
        # One pass over the protocol's rules, painting addresses directly, beats building a
        # port partition for every segment the range crosses.
        check_range(addr_lo, addr_hi, self._top, "address")
        check_proto(proto)
        if not 0 <= port <= PORT_MAX:
            raise ValueError(f"port {port!r} outside 0..{PORT_MAX}")
        rules = self._by_key[self._keys[proto]]
        return _paint(
            ((alo, ahi, i) for alo, ahi, plo, phi, i in rules if plo <= port <= phi),
            addr_lo,
            addr_hi,
        )

    def matching(self, addr: int, proto: int, port: int) -> list[int]:
        """Indices of every rule matching the packet, in order (for explanations; scans all rules)."""
        if not (0 <= addr <= self._top and 0 <= proto <= PROTO_MAX and 0 <= port <= PORT_MAX):
            raise bad_packet(addr, proto, port)
        rules = self._by_key[self._keys[proto]]
        return [i for alo, ahi, plo, phi, i in rules if alo <= addr <= ahi and plo <= port <= phi]


class _FastRules:
    """What a rule table's match closures share: the segment trie, port maps and first-match rows.

    rows[seg][port_map[port]] is the first rule matching the packet, for the protocol
    class's rows and port map. A port map is bytes when the class has at most 256 port
    segments, else an array of unsigned shorts; rows are tuples, shared when equal, dropped
    all together once they hold more than _FN_CACHE_CELLS cells (memory stays bounded).
    """

    __slots__ = ("build", "cells", "cuts", "per_proto", "rows", "shared", "table", "two_level", "wide")

    def __init__(self, table: _RuleTable) -> None:
        # The segment trie is 32-bit only; wider tables' closures find the segment by bisect.
        self.wide: tuple[Any, ...] = ()
        self.two_level = False
        if table._bits == 32:
            self.wide, self.two_level = _wide_trie(_stride_trie(table._bounds, list(range(len(table._bounds)))))
        self.table = table
        maps: dict[tuple[int, ...], bytes | array[int]] = {}
        self.cuts: list[list[int]] = []
        self.rows: list[list[tuple[int, ...] | None]] = []
        per_key: list[tuple[list[tuple[int, ...] | None], bytes | array[int], int]] = []
        for key in range(table._nkeys):
            pcuts = table._port_cuts(key)
            port_map = maps.get(tuple(pcuts))
            if port_map is None:
                ends = [*pcuts[1:], PORT_MAX + 1]
                flat: list[int] = []
                for i, (lo, end) in enumerate(zip(pcuts, ends, strict=True)):
                    flat.extend([i] * (end - lo))
                port_map = maps[tuple(pcuts)] = bytes(flat) if len(pcuts) <= 256 else array("H", flat)
            rows: list[tuple[int, ...] | None] = [None] * len(table._bounds)
            self.cuts.append(pcuts)
            self.rows.append(rows)
            per_key.append((rows, port_map, key))
        self.per_proto = {proto: per_key[key] for proto, key in table._keys.items()}
        self.shared: dict[tuple[int, ...], tuple[int, ...]] = {}
        self.cells = 0
        self.build = self._build

    def _build(self, key: int, seg: int) -> tuple[int, ...]:
        runs = self.table._paint_row(seg, key)
        out: list[int] = []
        r = 0
        for c in self.cuts[key]:  # every run boundary is a port cut, so each cut lies in one run
            while runs[r][1] < c:
                r += 1
            out.append(runs[r][2])
        row = tuple(out)
        hit = self.shared.get(row)
        if hit is None:
            if self.cells + len(row) > _knobs._FN_CACHE_CELLS:
                for rows in self.rows:
                    rows[:] = [None] * len(rows)
                self.shared.clear()
                self.cells = 0
            self.cells += len(row)
            hit = self.shared[row] = row
        self.rows[key][seg] = hit
        return hit


class _BatchRules:
    """A rule table's numpy form: every protocol class's first-match grid in one flat array.

    For a packet of protocol class k in address segment s (0-based) with port p, the answer
    is flat[offset[k] + s * width[k] + port_seg[k * 65536 + p]] (width: the class's port
    segment count). A grid is painted from the last rule to the first, so earlier rules
    win, and rules after the first one covering the whole class can never match. A class
    whose grid would pass _GRID_CELLS cells or _GRID_WORK painted cells has none (`missing`)
    and its packets are answered one at a time.
    """

    __slots__ = ("flat", "key_of", "missing", "offset", "port_seg", "segments", "table", "width")

    def __init__(self, table: _RuleTable) -> None:
        import numpy as np

        self.table = table
        nkeys = table._nkeys
        nseg = len(table._bounds) - 1
        bounds = np.array(table._bounds, dtype=np.int64)
        grids: list[Any] = []
        offset = np.zeros(nkeys, dtype=np.int64)
        width = np.zeros(nkeys, dtype=np.int64)
        port_seg = np.zeros((nkeys, PORT_MAX + 1), dtype=np.int32)
        missing = np.zeros(nkeys, dtype=bool)
        at = 0
        for key in range(nkeys):
            pcuts = table._port_cuts(key)
            grid = self._paint(np, table._by_key[key], bounds, nseg, pcuts)
            if grid is None:
                missing[key] = True
                continue
            pcuts.append(PORT_MAX + 1)
            port_seg[key] = np.repeat(np.arange(len(pcuts) - 1, dtype=np.int64), np.diff(np.array(pcuts)))
            grids.append(grid.ravel())
            offset[key] = at
            width[key] = len(pcuts) - 1
            at += grid.size
        grids.append(np.full(1, -1, dtype=np.int32))  # so that a missing class still indexes something
        self.flat = np.concatenate(grids)
        self.offset = offset
        self.width = width
        self.port_seg = port_seg.ravel()
        self.missing = missing
        self.key_of = np.array([table._keys[q] for q in range(PROTO_MAX + 1)], dtype=np.int64)
        self.segments = _np_lookup(table._bounds, list(range(-1, nseg)))

    @staticmethod
    def _paint(np: Any, entries: list[tuple[int, int, int, int, int]], bounds: Any, nseg: int, pcuts: list[int]) -> Any:
        npseg = len(pcuts)
        if nseg * npseg > _knobs._GRID_CELLS:
            return None
        grid = np.full((nseg, npseg), -1, dtype=np.int32)
        if not entries:
            return grid
        pc = np.array([*pcuts, PORT_MAX + 1], dtype=np.int64)
        arr = np.array(entries, dtype=np.int64).reshape(-1, 5)
        s0 = np.searchsorted(bounds, arr[:, 0])
        s1 = np.searchsorted(bounds, arr[:, 1] + 1)
        p0 = np.searchsorted(pc, arr[:, 2])
        p1 = np.searchsorted(pc, arr[:, 3] + 1)
        full = np.flatnonzero((s0 == 0) & (s1 == nseg) & (p0 == 0) & (p1 == npseg))
        stop = len(entries)
        if full.size:
            stop = int(full[0])
            grid.fill(entries[stop][4])
        if int(((s1 - s0) * (p1 - p0))[:stop].sum()) > _knobs._GRID_WORK:
            return None
        a0, a1, b0, b1 = s0.tolist(), s1.tolist(), p0.tolist(), p1.tolist()
        for r in range(stop - 1, -1, -1):
            grid[a0[r] : a1[r], b0[r] : b1[r]] = entries[r][4]
        return grid

    def evaluate(self, a: IntArray, keys: int | IntArray, p: IntArray) -> IntArray:
        """First matches for addresses a and ports p (checked), of one protocol class or one each."""
        import numpy as np

        idx = self.segments(a)
        if isinstance(keys, int):
            if self.missing[keys]:
                return self._one_by_one(a, np.full(len(a), keys, dtype=np.int64), p)
            if self.width[keys] > 1:
                idx *= self.width[keys]
                idx += self.port_seg[keys << 16 : (keys + 1) << 16].take(p)
            idx += self.offset[keys]
            return self.flat.take(idx).astype(np.int64)
        idx *= self.width.take(keys)
        idx += self.offset.take(keys)
        idx += self.port_seg.take((keys << 16) + p)
        out: IntArray = self.flat.take(idx).astype(np.int64)
        if self.missing.any():
            sel = np.flatnonzero(self.missing.take(keys))
            if sel.size:
                out[sel] = self._one_by_one(a[sel], keys[sel], p[sel])
        return out

    def _one_by_one(self, a: IntArray, keys: IntArray, p: IntArray) -> IntArray:
        import numpy as np

        row = self.table._row
        return np.array(
            [
                (r := row(x, k))[1][bisect_right(r[0], y)]
                for x, k, y in zip(a.tolist(), keys.tolist(), p.tolist(), strict=True)
            ],
            dtype=np.int64,
        )


class FirstMatchRules(_RuleTable):
    """NACL-style first-match rule list.

    Rules are (addr_lo, addr_hi, proto, port_lo, port_hi) in evaluation order. A PROTO_ALL
    rule matches every protocol and port; otherwise the packet's protocol must equal the
    rule's and, for ICMP/TCP/UDP, its port must lie in the rule's range. Queries take a
    concrete packet protocol 0..255. A table holds addresses of one width: `bits=128` for
    IPv6 rules (a packet meets only the NACL entries of its own family, then that family's
    `*` deny: see the module docstring).
    """

    __slots__ = ()

    first_match = _RuleTable._match_one

    def first_match_fn(self) -> Callable[[int, int, int], int]:
        """first_match() as a plain function (no bound-method call): the fastest single query."""
        return self._match_fn()

    def first_match_many(self, addrs: BatchInts, proto: int | BatchInts, ports: int | BatchInts) -> list[int]:
        """first_match() for each packet, in order.

        addrs is a sequence or numpy array; proto and ports are one int for the whole batch
        or one per address. Vectorised with numpy when it is installed and the batch is
        long enough; raises ValueError if any value is out of range.
        """
        return self._match_many(addrs, proto, ports)

    def first_match_array(self, addrs: BatchInts, proto: int | BatchInts, ports: int | BatchInts) -> IntArray:
        """first_match_many() as an int64 numpy array (needs numpy): the fastest batch form."""
        return self._match_array(addrs, proto, ports)

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

    def match_fn(self) -> Callable[[int, int, int], int]:
        """match() as a plain function (no bound-method call): the fastest single query."""
        return self._match_fn()

    def match_many(self, addrs: BatchInts, proto: int | BatchInts, ports: int | BatchInts) -> list[int]:
        """match() for each packet, in order; arguments as for FirstMatchRules.first_match_many."""
        return self._match_many(addrs, proto, ports)

    def match_array(self, addrs: BatchInts, proto: int | BatchInts, ports: int | BatchInts) -> IntArray:
        """match_many() as an int64 numpy array (needs numpy)."""
        return self._match_array(addrs, proto, ports)

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

