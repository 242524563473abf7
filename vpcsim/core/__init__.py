"""Takes IPv4 prefixes and ACL rules as plain ints; gives compiled tables for LPM and rule matching.

Addresses are ints 0..2**32-1, protocols are IANA numbers (PROTO_ALL = -1 means every
protocol), ports are 0..65535, and ICMP carries type*256+code in the port field (a rule for
any ICMP uses 0..65535). Protocols other than ICMP, TCP and UDP have no ports: their rules
match every port, as in AWS. Tables are compiled once: prefixes to disjoint intervals and
(on first lookup) an 8-bit stride trie, rules to address segments with lazily built port
partitions per (segment, protocol class).

Fast paths, all answering exactly what the plain methods answer:

- ``PrefixTable.lookup_fn()``, ``FirstMatchRules.first_match_fn()`` and
  ``AnyMatchRules.match_fn()`` return plain functions for hot loops: no bound-method call,
  a wider trie and one-subscript port maps, for some MiB of memory per table.
- ``lookup_many`` / ``first_match_many`` / ``match_many`` answer a batch as a list; with
  numpy installed and a batch of at least _NUMPY_MIN_BATCH they are vectorised (stride
  arrays or ``searchsorted`` for addresses, then gathers from a decision grid), otherwise
  pure Python. ``lookup_array`` / ``first_match_array`` / ``match_array`` need numpy and
  return int64 arrays: the fastest form.

This module imports only the standard library and nothing from vpcsim, so it stays the
fast, independently testable core; numpy is imported lazily, inside the batch functions.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    IntArray = NDArray[np.int64]
    """What the ``*_array`` batch functions return: int64, -1 where nothing matches."""
    BatchInts = Sequence[int] | NDArray[np.integer[Any]]
    """A batch argument: a sequence of ints or a numpy integer array."""

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
    "numpy_available",
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
# A compiled port partition: (starts, vals). starts holds each run's first port and then
# PORT_MAX + 1; vals[r] is the index owning run r (covering starts[r-1]..starts[r]-1) and
# vals[0] is a filler, so vals[bisect_right(starts, port)] answers a port in one step and
# a port above PORT_MAX runs off the end (IndexError) instead of answering.
_Row = tuple[list[int], list[int]]

# Upper bound on cached (segment, protocol) port partitions per rule table; the cache is
# dropped wholesale when full, which keeps memory bounded without LRU bookkeeping on hits.
_CACHE_LIMIT = 1 << 15

# Batches shorter than this are answered in pure Python even when numpy is there (numpy's
# fixed cost per call is a few microseconds). Tests set it to 0 to force the numpy path.
_NUMPY_MIN_BATCH = 64

# Largest decision grid (address segments x port segments, int32 cells) built for one
# protocol class of a rule table, and the most cell writes spent painting it; past either,
# batches of that class fall back to the per-packet path.
_GRID_CELLS = 1 << 22
_GRID_WORK = 1 << 27

# Most first-match cells (one per port segment of a row) that the first_match_fn() and
# match_fn() closures of one table keep; past it their rows are dropped and rebuilt on use.
_FN_CACHE_CELLS = 1 << 20

# Most distinct /16 nodes that the closures from lookup_fn(), first_match_fn() and
# match_fn() flatten to 65,536 answers each (0.5 MiB apiece) to save a level of subscripts.
_WIDE_NODES = 16

# Largest numpy stride arrays (cells of the level-2 and level-3 nodes) that a vectorised
# address lookup builds; past it, the lookup is a binary search (searchsorted) instead.
_STRIDE_CELLS = 1 << 21
_STRIDE_MIN_BOUNDS = 64

_KEY_TABLES: dict[tuple[tuple[int, int], ...], dict[int, int]] = {}


def numpy_available() -> bool:
    """Whether numpy can be imported (the batch functions then run vectorised)."""
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def _bad_addr(addr: object) -> ValueError:
    return ValueError(f"address {addr!r} outside 0..{ADDR_MAX}")


def _bad_packet(addr: object, proto: object, port: object) -> ValueError:
    return ValueError(f"bad packet address/protocol/port {addr!r}/{proto!r}/{port!r}")


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


def _int_array(values: BatchInts, top: int, what: str) -> IntArray:
    """values as a 1-d int64 numpy array, every value checked to lie in 0..top."""
    import numpy as np

    if not isinstance(values, np.ndarray):
        # fromiter is twice as fast as asarray on a list of ints (it needs no type inference);
        # it converts as int() would, which the sequence-of-ints type rules out anyway.
        try:
            values = np.fromiter(values, dtype=np.int64, count=len(values))
        except OverflowError:
            raise ValueError(f"a {what} is outside 0..{top}") from None
    arr = values
    if arr.ndim != 1:
        raise ValueError(f"a batch of {what} values must be one-dimensional, not of shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        if arr.size == 0:
            return np.zeros(0, dtype=np.int64)
        if arr.dtype.kind == "O":  # Python ints too big for int64, or not ints at all
            raise ValueError(f"a {what} is outside 0..{top} or not an int")
        raise TypeError(f"{what} values must be integers, not {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > top):
        raise ValueError(f"a {what} is outside 0..{top}")
    return arr.astype(np.int64, copy=False)


def _stride_trie(bounds: list[int], vals: list[int]) -> dict[int, Any]:
    """An 8-bit stride trie over a partition of 0..2**32-1, as nested 256-tuples.

    Interval r (1 <= r < len(bounds)) is bounds[r-1]..bounds[r]-1 with answer vals[r]. The
    answer for addr is root[addr >> 24][addr >> 16 & 255][addr >> 8 & 255][addr & 255]:
    four subscripts, no comparisons. Blocks inside one interval share one node per (answer,
    level), so space grows with the number of boundaries, not the address space. The root is
    a dict so that an address outside 0..2**32-1 raises KeyError instead of wrapping around.
    """
    uniform: dict[tuple[int, int], tuple[Any, ...]] = {}
    last = len(bounds) - 1

    def fill(v: int, level: int) -> tuple[Any, ...]:
        node = uniform.get((v, level))
        if node is None:
            node = (v,) * 256 if level == 3 else (fill(v, level + 1),) * 256
            uniform[(v, level)] = node
        return node

    def build(lo: int, level: int, r: int) -> tuple[Any, ...]:
        # The node for lo..lo + 2**(32 - 8*level) - 1; interval r contains lo.
        shift = 24 - 8 * level
        size = 1 << shift
        end = lo + (size << 8)
        out: list[Any] = []
        c = lo
        while c < end:
            nxt = bounds[r]
            if nxt - c >= size:  # whole children inside interval r
                k = (min(nxt, end) - c) >> shift
                out.extend([vals[r] if level == 3 else fill(vals[r], level + 1)] * k)
                c += k << shift
            else:  # a boundary inside this child
                out.append(build(c, level + 1, r))
                c += size
            while r < last and bounds[r] <= c:
                r += 1
        return tuple(out)

    return dict(enumerate(build(0, 0, 1)))


def _np_lookup(bounds: list[int], vals: list[int]) -> Callable[[IntArray], IntArray]:
    """A vectorised lookup over a partition of 0..2**32-1 (interval r: bounds[r-1]..bounds[r]-1 -> vals[r]).

    Normally three gathers through numpy stride arrays (16/8/8 bits, like _stride_trie: a
    /16 or /24 block inside one interval points at a shared node, so the arrays grow with
    the boundaries). A binary search (searchsorted) instead for partitions of at most
    _STRIDE_MIN_BOUNDS intervals (a few comparisons; no 65,536-entry arrays to build), or
    when the arrays would pass _STRIDE_CELLS. Addresses must already lie in 0..2**32-1.
    """
    import numpy as np

    b = np.array(bounds, dtype=np.int64)
    v = np.array(vals, dtype=np.int64)

    def search(a: IntArray) -> IntArray:
        out: IntArray = v.take(np.searchsorted(b, a, side="right"))
        return out

    if len(bounds) <= _STRIDE_MIN_BOUNDS:
        return search
    top = np.arange(1 << 16, dtype=np.int64) << 16
    r16 = np.searchsorted(b, top, side="right")
    mixed16 = np.flatnonzero(r16 != np.searchsorted(b, top | 0xFFFF, side="right"))
    mid = ((mixed16 << 16)[:, None] | (np.arange(256, dtype=np.int64) << 8)[None, :]).ravel()
    r24 = np.searchsorted(b, mid, side="right")
    mixed24 = np.flatnonzero(r24 != np.searchsorted(b, mid | 255, side="right"))
    flat16 = np.ones(1 << 16, dtype=bool)
    flat16[mixed16] = False
    flat24 = np.ones(len(mid), dtype=bool)
    flat24[mixed24] = False
    # Leaves (256 answers each): one per answer of a whole /16 or /24 block, then one per
    # /24 block that holds a boundary. Level-2 nodes (256 leaf offsets each): one per
    # answer of a whole /16 block, then one per /16 block that holds a boundary.
    whole16 = v[r16[flat16]]
    whole24 = v[r24[flat24]]
    # r16 and r24 never decrease, so their distinct values are where they change: unique()
    # then sorts a few values instead of 65,536.
    node_answers = np.unique(whole16[_changes(np, r16[flat16])])
    answers = np.unique(np.concatenate([node_answers, whole24[_changes(np, r24[flat24])]]))
    leaves = len(answers) + len(mixed24)
    nodes = len(node_answers) + len(mixed16)
    if (leaves + nodes) * 256 > _STRIDE_CELLS:
        return search
    leaf3 = np.empty((leaves, 256), dtype=np.int64)
    leaf3[: len(answers)] = answers[:, None]
    cells = (mid[mixed24][:, None] | np.arange(256, dtype=np.int64)[None, :]).ravel()
    leaf3[len(answers) :] = v.take(np.searchsorted(b, cells, side="right")).reshape(-1, 256)
    # Level 2: leaf offsets for each /24 of the mixed /16s, and for each whole-/16 answer.
    leaf_of_24 = np.empty(len(mid), dtype=np.int64)
    leaf_of_24[flat24] = np.searchsorted(answers, v[r24[flat24]])
    leaf_of_24[mixed24] = len(answers) + np.arange(len(mixed24), dtype=np.int64)
    node2 = np.empty((nodes, 256), dtype=np.int64)
    node2[: len(node_answers)] = np.searchsorted(answers, node_answers)[:, None]
    node2[len(node_answers) :] = leaf_of_24.reshape(-1, 256)
    node2 <<= 8
    level1 = np.empty(1 << 16, dtype=np.int64)
    level1[flat16] = np.searchsorted(node_answers, whole16)
    level1[mixed16] = len(node_answers) + np.arange(len(mixed16), dtype=np.int64)
    level1 <<= 8
    l1, l2, l3 = level1, node2.ravel(), leaf3.ravel()

    def stride(a: IntArray) -> IntArray:
        i = l1.take(a >> 16)
        i += (a >> 8) & 255
        j = l2.take(i)
        j += a & 255
        out: IntArray = l3.take(j)
        return out

    return stride


def _wide_trie(root: dict[int, Any]) -> tuple[tuple[Any, ...], bool]:
    """A 65,536-entry first level for a _stride_trie, indexed by addr >> 16, and whether it has two levels.

    With at most _WIDE_NODES distinct /16 nodes, each is flattened to 65,536 answers, so
    table[addr >> 16][addr & 0xFFFF] answers (two subscripts, 0.5 MiB per distinct node);
    otherwise the /16 nodes stay 256 x 256 and it takes table[addr >> 16][addr >> 8 & 255][addr & 255].
    """
    nodes: list[Any] = []
    for node in root.values():
        nodes.extend(node)
    distinct = {id(node): node for node in nodes}
    if len(distinct) > _WIDE_NODES:
        return tuple(nodes), False
    flat: dict[int, tuple[Any, ...]] = {}
    for key, node in distinct.items():
        answers: list[Any] = []
        for leaf in node:
            answers.extend(leaf)
        flat[key] = tuple(answers)
    return tuple(flat[id(node)] for node in nodes), True


def _changes(np: Any, xs: Any) -> Any:
    """Mask of the positions where a 1-d array differs from its predecessor (the first included)."""
    mask = np.ones(len(xs), dtype=bool)
    mask[1:] = xs[1:] != xs[:-1]
    return mask


class _LazyRoot(dict[int, Any]):
    """Stands in for a PrefixTable's trie until its first lookup, which builds the trie.

    The first subscript finds this dict empty, so __missing__ builds the real trie and puts it
    in the table's place; later lookups never come here, so being lazy costs them nothing.
    """

    __slots__ = ("_table",)

    def __init__(self, table: PrefixTable) -> None:
        super().__init__()
        self._table = table

    def __missing__(self, key: int) -> Any:
        return self._table._trie()[key]


class PrefixTable:
    """Longest-prefix match over IPv4 prefixes, compiled to disjoint intervals and a stride trie.

    The trie (see _stride_trie) is built on the first lookup, so tables that are compiled
    but never queried cost only their interval lists.
    """

    __slots__ = ("_bounds", "_by_len", "_fn", "_lens", "_n", "_np", "_root", "_vals")

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
        idxs: list[int] = [-1]  # filler: see _Row for the shifted layout

        def emit(lo: int, hi: int, idx: int) -> None:
            if lo > hi:
                return
            if starts and idxs[-1] == idx:
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
        starts.append(ADDR_MAX + 1)
        # Interval r covers starts[r-1]..starts[r]-1 and answers idxs[r].
        self._bounds = starts
        self._vals = idxs
        self._root: dict[int, Any] = _LazyRoot(self)
        self._fn: Callable[[int], int] | None = None
        self._np: Callable[[IntArray], IntArray] | None = None

    def __len__(self) -> int:
        """Number of prefixes given, duplicates included."""
        return self._n

    def lookup(self, addr: int) -> int:
        """Index of the longest prefix containing addr, -1 if none."""
        try:
            v: int = self._root[addr >> 24][addr >> 16 & 255][addr >> 8 & 255][addr & 255]
        except KeyError:
            raise _bad_addr(addr) from None
        return v

    def _trie(self) -> dict[int, Any]:
        root = self._root
        if isinstance(root, _LazyRoot):
            root = self._root = _stride_trie(self._bounds, self._vals)
        return root

    def lookup_fn(self) -> Callable[[int], int]:
        """lookup() as a plain function: the fastest single lookup, for hot loops.

        It skips the bound-method call and walks a wider trie (see _wide_trie): two or three
        subscripts instead of four, for 0.5 to 8.5 MiB (64-bit CPython) that the table keeps
        from the first call on. Every call returns the same function.
        """
        if self._fn is None:
            table, two_level = _wide_trie(self._trie())
            if two_level:

                def lookup(addr: int) -> int:
                    if addr < 0:
                        raise _bad_addr(addr)
                    try:
                        v: int = table[addr >> 16][addr & 0xFFFF]
                    except IndexError:
                        raise _bad_addr(addr) from None
                    return v

            else:

                def lookup(addr: int) -> int:
                    if addr < 0:
                        raise _bad_addr(addr)
                    try:
                        v: int = table[addr >> 16][addr >> 8 & 255][addr & 255]
                    except IndexError:
                        raise _bad_addr(addr) from None
                    return v

            self._fn = lookup
        return self._fn

    def lookup_many(self, addrs: BatchInts) -> list[int]:
        """lookup() for each address, in order; addrs may be a sequence or a numpy array.

        Vectorised with numpy when it is installed and the batch is long enough.
        """
        if len(addrs) >= _NUMPY_MIN_BATCH and numpy_available():
            out: list[int] = self.lookup_array(addrs).tolist()
            return out
        root = self._trie()
        try:
            return [root[a >> 24][a >> 16 & 255][a >> 8 & 255][a & 255] for a in addrs]
        except KeyError:
            raise ValueError(f"an address is outside 0..{ADDR_MAX}") from None

    def lookup_array(self, addrs: BatchInts) -> IntArray:
        """lookup() for each address as an int64 numpy array (needs numpy): the fastest batch form."""
        arr = _int_array(addrs, ADDR_MAX, "address")
        if self._np is None:
            self._np = _np_lookup(self._bounds, self._vals)
        return self._np(arr)

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
        bounds = self._bounds
        return [(bounds[r - 1], bounds[r] - 1, self._vals[r]) for r in range(1, len(bounds))]


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

    The boundaries of all address ranges cut 0..2**32-1 into segments inside which every
    rule either covers the whole segment or none of it. For each (segment, protocol class)
    the first matching rule per port is a partition of 0..65535, built on first use and
    then searched by bisect. Protocols no rule names share one class (only PROTO_ALL
    rules can match them). Batches use, per protocol class, the fully materialised grid of
    first matches over (address segment x port segment), built once with numpy.
    """

    __slots__ = (
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
    )

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
        self._keys = _key_table(key_of)
        self._nkeys = len(by_key)
        self._by_key = by_key
        # Segment s (1-based) is bounds[s-1]..bounds[s]-1, so bisect_right(bounds, addr)
        # names addr's segment and an address above ADDR_MAX runs off the end.
        bounds = sorted(cuts)
        bounds.append(ADDR_MAX + 1)
        self._bounds = bounds
        self._rows: list[list[_Row | None]] = [[None] * len(bounds) for _ in by_key]
        self._built: list[tuple[int, int]] = []
        self._fast: _FastRules | None = None  # for the match closures, built on first use
        self._np: _BatchRules | None = None  # for batches, built on first use

    def __len__(self) -> int:
        """Number of rules."""
        return len(self._rules)

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
        if len(built) >= _CACHE_LIMIT:
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
            raise _bad_packet(addr, proto, port)
        try:
            key = self._keys[proto]
            seg = bisect_right(self._bounds, addr)
            row = self._rows[key][seg]
        except (KeyError, IndexError):
            raise _bad_packet(addr, proto, port) from None
        if row is None:
            row = self._build(seg, key)
        try:
            v = row[1][bisect_right(row[0], port)]
        except IndexError:
            raise _bad_packet(addr, proto, port) from None
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
        if fast.two_level:

            def match(addr: int, proto: int, port: int) -> int:
                if addr < 0 or port < 0:
                    raise _bad_packet(addr, proto, port)
                try:
                    rows, port_seg, key = per_proto[proto]
                    seg: int = wide[addr >> 16][addr & 0xFFFF]
                    p = port_seg[port]
                except (KeyError, IndexError):
                    raise _bad_packet(addr, proto, port) from None
                row = rows[seg]
                if row is None:
                    row = build(key, seg)
                return row[p]

            return match

        def match3(addr: int, proto: int, port: int) -> int:
            if addr < 0 or port < 0:
                raise _bad_packet(addr, proto, port)
            try:
                rows, port_seg, key = per_proto[proto]
                seg: int = wide[addr >> 16][addr >> 8 & 255][addr & 255]
                p = port_seg[port]
            except (KeyError, IndexError):
                raise _bad_packet(addr, proto, port) from None
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

        a = _int_array(addrs, ADDR_MAX, "address")
        n = len(a)
        if isinstance(ports, int):
            if not 0 <= ports <= PORT_MAX:
                raise ValueError(f"port {ports!r} outside 0..{PORT_MAX}")
            p = np.full(n, ports, dtype=np.int64)
        else:
            p = _int_array(ports, PORT_MAX, "port")
            if len(p) != n:
                raise ValueError(f"{n} addresses but {len(p)} ports")
        batch = self._batch()
        if isinstance(proto, int):
            _check_proto(proto)
            keys: int | IntArray = self._keys[proto]
        else:
            if isinstance(proto, np.ndarray):
                pr = _int_array(proto, PROTO_MAX, "protocol")
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
        if n >= _NUMPY_MIN_BATCH and numpy_available():
            out: list[int] = self._match_array(addrs, proto, ports).tolist()
            return out
        protos = [proto] * n if isinstance(proto, int) else list(proto)
        portl = [ports] * n if isinstance(ports, int) else list(ports)
        if len(protos) != n or len(portl) != n:
            raise ValueError(f"{n} addresses but {len(protos)} protocols and {len(portl)} ports")
        match = self._match_fn()
        return [match(a, q, p) for a, q, p in zip(addrs, protos, portl, strict=True)]

    # -- runs ---------------------------------------------------------------------------------

    def _port_runs(self, addr: int, proto: int, port_lo: int, port_hi: int) -> list[_Run]:
        _check_addr(addr)
        _check_range(port_lo, port_hi, PORT_MAX, "port")
        _check_proto(proto)
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
        _check_range(addr_lo, addr_hi, ADDR_MAX, "address")
        _check_proto(proto)
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
        if not (0 <= addr <= ADDR_MAX and 0 <= proto <= PROTO_MAX and 0 <= port <= PORT_MAX):
            raise _bad_packet(addr, proto, port)
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
            if self.cells + len(row) > _FN_CACHE_CELLS:
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
        if nseg * npseg > _GRID_CELLS:
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
        if int(((s1 - s0) * (p1 - p0))[:stop].sum()) > _GRID_WORK:
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
    concrete packet protocol 0..255.
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
