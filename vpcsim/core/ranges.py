"""Takes inclusive (lo, hi) integer runs; gives their normal form, union, intersection, difference, complement.

One set of interval helpers for every kind of run: ports (0..65535), ICMP types, protocol
numbers and addresses of any width. A normal form is a tuple of sorted, disjoint,
non-adjacent runs; the set operations take normal forms and return one. The ``ports_*``
names are the port-specific API (bounds 0..PORT_MAX), built on the generic ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from vpcsim.core._common import PORT_MAX

__all__ = [
    "PortRuns",
    "Runs",
    "complement",
    "intersect",
    "normalize",
    "ports_intersect",
    "ports_normalize",
    "ports_subtract",
    "ports_union",
    "subtract",
    "union",
]

Runs = tuple[tuple[int, int], ...]
"""Sorted, disjoint, non-adjacent inclusive (lo, hi) runs."""

PortRuns = Runs
"""Runs of ports within 0..65535."""


def normalize(runs: Iterable[tuple[int, int]], lo: int | None = None, hi: int | None = None,
              what: str = "run") -> Runs:
    """Sort and merge overlapping or adjacent (lo, hi) runs; empty runs (lo > hi) are dropped.

    With bounds lo and hi, raises ValueError on a non-empty run reaching outside lo..hi
    (the message names the run as `what`).
    """
    ordered = sorted(runs)  # empty runs are skipped below: cheaper than filtering before the sort
    out: list[tuple[int, int]] = []
    for a, b in ordered:
        if a > b:
            continue
        if out and a <= out[-1][1] + 1:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    # Only the ends of the merged runs can pass a bound (checked here, not per run: this is hot).
    if out and ((lo is not None and out[0][0] < lo) or (hi is not None and out[-1][1] > hi)):
        a, b = next((a, b) for a, b in ordered if a <= b and ((lo is not None and a < lo) or (hi is not None and b > hi)))
        raise ValueError(f"{what} {a!r}..{b!r} outside {'' if lo is None else lo}..{'' if hi is None else hi}")
    return tuple(out)


def union(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> Runs:
    """Values in a or b (inputs in any form)."""
    return normalize((*a, *b))


def intersect(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> Runs:
    """Values in both a and b; inputs sorted and disjoint (as from normalize)."""
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


def subtract(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> Runs:
    """Values in a but not in b; inputs sorted and disjoint (as from normalize)."""
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


def complement(a: Sequence[tuple[int, int]], lo: int, hi: int) -> Runs:
    """Values in lo..hi not in a; a sorted and disjoint (as from normalize)."""
    return subtract(((lo, hi),) if lo <= hi else (), a)


def ports_normalize(runs: Iterable[tuple[int, int]]) -> PortRuns:
    """Sort and merge overlapping or adjacent (lo, hi) runs; empty runs (lo > hi) are dropped.

    Raises ValueError on a non-empty run reaching outside 0..65535.
    """
    return normalize(runs, 0, PORT_MAX, "port run")


def ports_union(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> PortRuns:
    """Ports in a or b."""
    return normalize((*a, *b), 0, PORT_MAX, "port run")


ports_intersect = intersect
"""Ports in both a and b; inputs sorted and disjoint (as from ports_normalize)."""

ports_subtract = subtract
"""Ports in a but not in b; inputs sorted and disjoint (as from ports_normalize)."""
