"""Time vpcsim.core against an older core in ONE process: bench_core's workloads, old and new alternating.

    git worktree add /tmp/core-base 5a4833c
    PYTHONPATH=$PWD python3 benchmarks/bench_core_vs.py /tmp/core-base [--repeats N] [--only WORDS]

The old core must be a single module with no vpcsim imports (as at 5a4833c): it is loaded
from OLD/vpcsim/core/__init__.py as `oldcore`, next to the vpcsim.core on sys.path. Each
repeat samples every operation on both cores back to back (which goes first alternates),
with time.process_time; a sample lasts at least 50 ms. Where a core's tables sit in memory
moves closure timings by up to ~30% on a busy machine even for identical code (an old-vs-old
run shows it), so the tables are built twice, old first and then new first, and half the
repeats use each set. A figure is the median of its samples; the minimum is shown too, as
the least noisy estimate of what the code costs.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_core as bc  # noqa: E402
import numpy as np  # noqa: E402

import vpcsim.core  # noqa: E402

Op = tuple[Callable[[], object], int]


def load_old(tree: str) -> ModuleType:
    path = os.path.join(tree, "vpcsim", "core", "__init__.py")
    spec = importlib.util.spec_from_file_location("oldcore", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: not a Python module")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["oldcore"] = mod
    spec.loader.exec_module(mod)
    return mod


def sample(fn: Callable[[], object], ops: int, min_time: float = 0.05) -> float:
    """ns per operation over enough calls to last min_time of process time, gc off."""
    loops = 1
    while True:
        gc.disable()
        t0 = time.process_time()
        for _ in range(loops):
            fn()
        dt = time.process_time() - t0
        gc.enable()
        if dt >= min_time:
            return dt / loops / ops * 1e9
        loops *= 2 if dt < min_time / 4 else 1 + int(min_time / max(dt, 1e-9))


def workloads(core: Any) -> dict[str, Op]:
    """bench_core's vpcsim rows (same seeds, sizes and queries), on the given core."""
    ops: dict[str, Op] = {}
    for n in (50, 1000):
        rng = random.Random(bc.SEED + n)
        routes, blocks = bc.route_table(n, rng)
        addrs = bc.lpm_queries(blocks, bc.QUERIES, rng)
        arr = np.array(addrs, dtype=np.int64)
        table = core.PrefixTable(routes)
        fn = table.lookup_fn()
        lookup = table.lookup

        def v_method(addrs: list[int] = addrs, lookup: Callable[[int], int] = lookup) -> None:
            for a in addrs:
                lookup(a)

        def v_fn(addrs: list[int] = addrs, fn: Callable[[int], int] = fn) -> None:
            for a in addrs:
                fn(a)

        size = f"{n} routes"
        ops[f"lpm lookup() method, {size}"] = (v_method, len(addrs))
        ops[f"lpm lookup_fn() closure, {size}"] = (v_fn, len(addrs))
        ops[f"lpm lookup_array(ndarray) 10k, {size}"] = (lambda t=table, a=arr: t.lookup_array(a), len(addrs))
        ops[f"lpm lookup_many(list) 10k, {size}"] = (lambda t=table, a=addrs: t.lookup_many(a), len(addrs))
        ops[f"lpm PrefixTable() + trie build, {size}"] = (lambda r=routes: core.PrefixTable(r).lookup(0), 1)
    for n in (20, 1000):
        rng = random.Random(bc.SEED * 7 + n)
        rules, blocks = bc.nacl_rules(n, rng)
        pk = bc.packets(blocks, bc.QUERIES, rng)
        rt = core.FirstMatchRules(rules)
        mfn = rt.first_match_fn()
        a = [p[0] for p in pk]
        pr = [p[1] for p in pk]
        po = [p[2] for p in pk]
        arr_a, arr_pr, arr_po = (np.array(x, dtype=np.int64) for x in (a, pr, po))
        first_match = rt.first_match

        def r_method(pk: list[tuple[int, int, int]] = pk, fm: Callable[[int, int, int], int] = first_match) -> None:
            for x, y, z in pk:
                fm(x, y, z)

        def r_fn(pk: list[tuple[int, int, int]] = pk, fn: Callable[[int, int, int], int] = mfn) -> None:
            for x, y, z in pk:
                fn(x, y, z)

        size = f"{n} rules"
        ops[f"nacl first_match() method, {size}"] = (r_method, len(pk))
        ops[f"nacl first_match_fn() closure, {size}"] = (r_fn, len(pk))
        ops[f"nacl first_match_array(ndarray) 10k, {size}"] = (
            lambda t=rt, x=arr_a, y=arr_pr, z=arr_po: t.first_match_array(x, y, z), len(pk))
        ops[f"nacl first_match_many(list) 10k, {size}"] = (
            lambda t=rt, x=a, y=pr, z=po: t.first_match_many(x, y, z), len(pk))
        ops[f"nacl compile + first batch (cold) 10k, {size}"] = (
            lambda r=rules, x=a, y=pr, z=po: core.FirstMatchRules(r).first_match_many(x, y, z), len(pk))
    runs = [[(5, 9), (0, 4), (20, 30), (100, 200), (25, 50)], [(22, 22), (80, 80), (443, 443), (1024, 65535)]]
    norm = [core.ports_normalize(r) for r in runs]
    ops["ports_normalize (5 runs)"] = (lambda: core.ports_normalize(runs[0]), 1)
    ops["ports_union"] = (lambda: core.ports_union(norm[0], norm[1]), 1)
    ops["ports_intersect"] = (lambda: core.ports_intersect(norm[0], norm[1]), 1)
    ops["ports_subtract"] = (lambda: core.ports_subtract(norm[1], norm[0]), 1)
    return ops


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("old", help="a checkout of the older commit (its vpcsim/core/__init__.py is loaded)")
    parser.add_argument("--repeats", type=int, default=11, help="samples per operation and core (default 11)")
    parser.add_argument("--only", help="comma-separated words: time only the operations naming one")
    args = parser.parse_args(argv)
    cores = {"old": load_old(args.old), "new": vpcsim.core}
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    got: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    names: list[str] = []
    for order in (("old", "new"), ("new", "old")):
        ops = {name: workloads(cores[name]) for name in order}
        names = [k for k in ops["old"] if not args.only or any(w in k for w in args.only.split(","))]
        for name in order:
            for k in names:
                ops[name][k][0]()  # warm: tries, rows and grids are built on first use, as bench_core's checks do
        for r in range((args.repeats + 1) // 2):
            for i, k in enumerate(names):
                for name in order if (r + i) % 2 == 0 else order[::-1]:
                    fn, n = ops[name][k]
                    got[name].setdefault(k, []).append(sample(fn, n))
        del ops
        gc.collect()
    print(f"# old: {cores['old'].__file__}; new: {vpcsim.core.__file__}; {len(got['old'][names[0]])} samples "
          f"per row and core; load average {load} at the start, "
          f"{' '.join(open('/proc/loadavg').read().split()[:3])} at the end")
    print(f"{'operation':50} {'old median':>11} {'new median':>11} {'new/old':>8} {'old min':>11} {'new min':>11} "
          f"{'new/old':>8}")
    worst = worst_min = 0.0
    for k in names:
        old, new = statistics.median(got["old"][k]), statistics.median(got["new"][k])
        old_min, new_min = min(got["old"][k]), min(got["new"][k])
        worst = max(worst, new / old)
        worst_min = max(worst_min, new_min / old_min)
        print(f"{k:50} {old:11.1f} {new:11.1f} {new / old:8.3f} {old_min:11.1f} {new_min:11.1f} "
              f"{new_min / old_min:8.3f}")
    print(f"worst new/old: {worst:.3f} (medians), {worst_min:.3f} (minimums)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
