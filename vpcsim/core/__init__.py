"""Takes IP prefixes and ACL rules as plain ints; gives compiled tables for LPM and rule matching.

Addresses are ints of one width per table: 32 bits (IPv4, the default) or 128 (IPv6), so
0..addr_max(bits). Protocols are IANA numbers (PROTO_ALL = -1 means every protocol), ports
are 0..65535, and ICMP and ICMPv6 (58) carry type*256+code in the port field (a rule for any
ICMP uses 0..65535). Protocols other than ICMP, ICMPv6, TCP and UDP have no ports: their rules match every
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
    ICMP_PROTOS,
    PORT_MAX,
    PORTED_PROTOS,
    PROTO_ALL,
    PROTO_ICMP,
    PROTO_ICMPV6,
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
    "ICMP_PROTOS",
    "PORTED_PROTOS",
    "PORT_MAX",
    "PROTO_ALL",
    "PROTO_ICMP",
    "PROTO_ICMPV6",
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

# Size caps and thresholds live in core/limits.py (read at call time: tests set them there).
