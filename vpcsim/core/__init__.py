"""Takes IP prefixes and ACL rules as plain ints; gives compiled tables for LPM and rule matching.

Addresses are ints of one width per table: 32 bits (IPv4, the default) or 128 (IPv6), so
0..addr_max(bits). Protocols are IANA numbers (PROTO_ALL = -1 means every protocol), ports
are 0..65535, and ICMP carries type*256+code in the port field (a rule for any ICMP uses
0..65535). Protocols other than ICMP, TCP and UDP have no ports: their rules match every
port, as in AWS. Tables are compiled once: prefixes to disjoint intervals and (on first
lookup) an 8-bit stride trie, rules to address segments with lazily built port partitions
per (segment, protocol class).

Modules: `prefix` (PrefixTable), `rules` (FirstMatchRules, AnyMatchRules), `ranges` (one
set of interval helpers over inclusive (lo, hi) runs, and the ``ports_*`` API on top),
`_common` (bounds, widths, argument checks). This package holds the size caps and
re-exports the modules' public names, so callers write ``core.PrefixTable`` and
``from vpcsim.core import ...``.

Fast paths, all answering exactly what the plain methods answer:

- ``PrefixTable.lookup_fn()``, ``FirstMatchRules.first_match_fn()`` and
  ``AnyMatchRules.match_fn()`` return plain functions for hot loops: no bound-method call,
  a wider trie and one-subscript port maps, for some MiB of memory per table.
- ``lookup_many`` / ``first_match_many`` / ``match_many`` answer a batch as a list; with
  numpy installed and a batch of at least _NUMPY_MIN_BATCH they are vectorised (stride
  arrays or ``searchsorted`` for addresses, then gathers from a decision grid), otherwise
  pure Python. ``lookup_array`` / ``first_match_array`` / ``match_array`` need numpy and
  return int64 arrays: the fastest form.

The tries, stride arrays and grids serve 32-bit tables. A 128-bit table answers every form
by bisect in pure Python (its ``*_array`` methods still return int64 arrays of indices):
numpy's int64 cannot hold a 128-bit address.

The core imports only the standard library and nothing else from vpcsim, so it stays the
fast, independently testable core; numpy is imported lazily, inside the batch functions.
"""

from __future__ import annotations

from vpcsim.core._common import (
    ADDR_MAX,
    PORT_MAX,
    PORTED_PROTOS,
    PROTO_ALL,
    PROTO_ICMP,
    PROTO_MAX,
    PROTO_TCP,
    PROTO_UDP,
    WIDTHS,
    addr_max,
    numpy_available,
)
from vpcsim.core.prefix import PrefixTable, _LazyRoot, _np_lookup, _stride_trie, _wide_trie  # noqa: F401 (for tests)
from vpcsim.core.ranges import (
    PortRuns,
    Runs,
    ports_intersect,
    ports_normalize,
    ports_subtract,
    ports_union,
)
from vpcsim.core.rules import AnyMatchRules, FirstMatchRules, Rule

__all__ = [
    "ADDR_MAX",
    "PORTED_PROTOS",
    "PORT_MAX",
    "PROTO_ALL",
    "PROTO_ICMP",
    "PROTO_MAX",
    "PROTO_TCP",
    "PROTO_UDP",
    "WIDTHS",
    "AnyMatchRules",
    "FirstMatchRules",
    "PortRuns",
    "PrefixTable",
    "Rule",
    "Runs",
    "addr_max",
    "numpy_available",
    "ports_intersect",
    "ports_normalize",
    "ports_subtract",
    "ports_union",
]

# Size caps and thresholds. prefix.py and rules.py read them from this package at call time,
# so setting one here (as the tests do: core._GRID_CELLS = 0) takes effect everywhere.

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
