"""Takes IP prefixes as (network, length) ints; gives a longest-prefix-match table (PrefixTable).

Prefixes compile to disjoint sorted intervals. A 32-bit table answers through an 8-bit stride
trie (built on the first lookup), a wider trie for lookup_fn() and numpy stride arrays for
batches; a 128-bit table answers every form by binary search over the intervals (bisect),
since a 16-level trie of 128-bit ints would cost more than it saves and numpy cannot hold
128-bit addresses.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import vpcsim.core.limits as _knobs  # size caps, read at call time (see there)
from vpcsim.core._common import ADDR_MAX, addr_max, bad_addr, check_addr, int_array, int_list, numpy_available

if TYPE_CHECKING:
    from vpcsim.core._common import BatchInts, IntArray

__all__ = ["PrefixTable"]


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

    if len(bounds) <= _knobs._STRIDE_MIN_BOUNDS:
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
    if (leaves + nodes) * 256 > _knobs._STRIDE_CELLS:
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
    if len(distinct) > _knobs._WIDE_NODES:
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
    """Longest-prefix match over IP prefixes of one width, compiled to disjoint intervals.

    A 32-bit table also builds a stride trie on its first lookup, so tables that are
    compiled but never queried cost only their interval lists. A table of another width is
    a _WidePrefixTable (same API, every lookup a bisect).
    """

    __slots__ = ("_bits", "_bounds", "_by_len", "_fn", "_lens", "_n", "_np", "_root", "_top", "_vals")

    def __init__(self, prefixes: Sequence[tuple[int, int]], bits: int = 32) -> None:
        """Compile prefixes[i] = (network, prefix_len) of `bits`-bit addresses; lookups return i.

        Host bits below the prefix length are masked off (10.0.0.7/24 is 10.0.0.0/24).
        Of identical prefixes the first given wins. Raises ValueError on a width other than
        32 or 128, a network outside 0..2**bits-1 or a length outside 0..bits.
        """
        top = addr_max(bits)
        by_len: dict[int, dict[int, list[int]]] = {}
        spans: list[tuple[int, int, int]] = []
        for i, (net, plen) in enumerate(prefixes):
            check_addr(net, top)
            if not 0 <= plen <= bits:
                raise ValueError(f"prefix length {plen!r} outside 0..{bits}")
            host = (1 << (bits - plen)) - 1
            lo = net & ~host & top
            same = by_len.setdefault(plen, {}).setdefault(lo, [])
            if not same:
                spans.append((lo, plen, i))
            same.append(i)
        self._bits = bits
        self._top = top
        self._n = len(prefixes)
        self._by_len = by_len
        self._lens = sorted(by_len, reverse=True)
        # Prefixes nest or are disjoint, so a stack sweep in (start, shorter-first) order
        # yields the owner of every gap: the innermost prefix still open there.
        spans.sort()
        starts: list[int] = []
        idxs: list[int] = [-1]  # filler: interval r is starts[r-1]..starts[r]-1

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
            stack.append((lo | ((1 << (bits - plen)) - 1), i))
        while stack:
            top_hi, top_i = stack.pop()
            emit(cur, top_hi, top_i)
            cur = top_hi + 1
        emit(cur, top, -1)
        starts.append(top + 1)
        # Interval r covers starts[r-1]..starts[r]-1 and answers idxs[r].
        self._bounds = starts
        self._vals = idxs
        self._root: dict[int, Any] = _LazyRoot(self)
        self._fn: Callable[[int], int] | None = None
        self._np: Callable[[IntArray], IntArray] | None = None
        if bits != 32:
            # The same slots, other lookups: the 32-bit ones below never test the width.
            self.__class__ = _WidePrefixTable

    def __len__(self) -> int:
        """Number of prefixes given, duplicates included."""
        return self._n

    @property
    def bits(self) -> int:
        """The address width: 32 (IPv4) or 128 (IPv6)."""
        return self._bits

    def lookup(self, addr: int) -> int:
        """Index of the longest prefix containing addr, -1 if none."""
        try:
            v: int = self._root[addr >> 24][addr >> 16 & 255][addr >> 8 & 255][addr & 255]
        except KeyError:
            raise bad_addr(addr) from None
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
                        raise bad_addr(addr)
                    try:
                        v: int = table[addr >> 16][addr & 0xFFFF]
                    except IndexError:
                        raise bad_addr(addr) from None
                    return v

            else:

                def lookup(addr: int) -> int:
                    if addr < 0:
                        raise bad_addr(addr)
                    try:
                        v: int = table[addr >> 16][addr >> 8 & 255][addr & 255]
                    except IndexError:
                        raise bad_addr(addr) from None
                    return v

            self._fn = lookup
        return self._fn

    def lookup_many(self, addrs: BatchInts) -> list[int]:
        """lookup() for each address, in order; addrs may be a sequence or a numpy array.

        Vectorised with numpy when it is installed and the batch is long enough.
        """
        if len(addrs) >= _knobs._NUMPY_MIN_BATCH and numpy_available():
            out: list[int] = self.lookup_array(addrs).tolist()
            return out
        root = self._trie()
        try:
            return [root[a >> 24][a >> 16 & 255][a >> 8 & 255][a & 255] for a in addrs]
        except KeyError:
            raise ValueError(f"an address is outside 0..{ADDR_MAX}") from None

    def lookup_array(self, addrs: BatchInts) -> IntArray:
        """lookup() for each address as an int64 numpy array (needs numpy): the fastest batch form."""
        arr = int_array(addrs, ADDR_MAX, "address")
        if self._np is None:
            self._np = _np_lookup(self._bounds, self._vals)
        return self._np(arr)

    def matching(self, addr: int) -> list[int]:
        """Indices of all prefixes containing addr, most specific first, then in given order."""
        check_addr(addr, self._top)
        bits, top = self._bits, self._top
        out: list[int] = []
        for plen in self._lens:
            hit = self._by_len[plen].get(addr & ~((1 << (bits - plen)) - 1) & top)
            if hit:
                out.extend(hit)
        return out

    def intervals(self) -> list[tuple[int, int, int]]:
        """Maximal (lo, hi, index) runs partitioning 0..2**bits-1; index -1 where nothing matches."""
        bounds = self._bounds
        return [(bounds[r - 1], bounds[r] - 1, self._vals[r]) for r in range(1, len(bounds))]


class _WidePrefixTable(PrefixTable):
    """A PrefixTable wider than 32 bits: every lookup is a bisect over the interval starts.

    vals[bisect_right(bounds, addr)] answers (vals[0] is a filler that no address in range
    reaches), and an address above the top runs off the end of vals (IndexError).
    """

    __slots__ = ()

    def lookup(self, addr: int) -> int:
        """Index of the longest prefix containing addr, -1 if none."""
        if addr < 0:
            raise bad_addr(addr, self._top)
        try:
            return self._vals[bisect_right(self._bounds, addr)]
        except IndexError:
            raise bad_addr(addr, self._top) from None

    def lookup_fn(self) -> Callable[[int], int]:
        """lookup() as a plain function (a bisect, as lookup() is). Every call returns the same function."""
        if self._fn is None:
            bounds, vals, top = self._bounds, self._vals, self._top

            def lookup(addr: int) -> int:
                if addr < 0:
                    raise bad_addr(addr, top)
                try:
                    return vals[bisect_right(bounds, addr)]
                except IndexError:
                    raise bad_addr(addr, top) from None

            self._fn = lookup
        return self._fn

    def lookup_many(self, addrs: BatchInts) -> list[int]:
        """lookup() for each address, in order (pure Python: numpy cannot hold 128-bit addresses)."""
        bounds, vals = self._bounds, self._vals
        return [vals[bisect_right(bounds, a)] for a in int_list(addrs, self._top, "address")]

    def lookup_array(self, addrs: BatchInts) -> IntArray:
        """lookup_many() as an int64 numpy array (needs numpy); addrs may hold ints above 2**63."""
        import numpy as np

        return np.array(self.lookup_many(addrs), dtype=np.int64)
