"""Snapshot load CPU time of two package trees, alternated, with the noise of a shared host damped:
each child loads the estate once to import and warm up, then loads it `--loads` times; its figure
is the minimum. The trees take turns for `--pairs` pairs (the first tree first on even pairs).

    git archive 477ecfd vpcsim | tar -x -C /tmp/base_477
    python3 benchmarks/compare_load.py /tmp/base_477 . --estate /tmp/s16_estates/estate-50 --pairs 10

(bench_scale.py --keep DIR writes the estates.) Prints each tree's minima, their medians, and
before / after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

_CHILD = """
import gc, sys, time, vpcsim
path, loads = sys.argv[1], int(sys.argv[2])
vpcsim.load(path)  # (imports, and the first load's caches)
times = []
for _ in range(loads):
    gc.collect()
    gc.unfreeze()  # (as before the last load froze what it loaded)
    start = time.process_time()
    vpcsim.load(path)
    times.append(time.process_time() - start)
print(vpcsim.__file__)
print(min(times))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="a folder holding the `vpcsim` package to compare against")
    parser.add_argument("after", help="a folder holding the `vpcsim` package to time")
    parser.add_argument("--estate", required=True, help="an AWS snapshot folder (bench_scale.py --keep writes them)")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args()
    trees = {"before": os.path.abspath(args.before), "after": os.path.abspath(args.after)}
    for tree in trees.values():
        if not os.path.isfile(os.path.join(tree, "vpcsim", "__init__.py")):
            sys.exit(f"{tree}: no vpcsim package in it (expected a folder holding vpcsim/)")
    found: dict[str, list[float]] = {name: [] for name in trees}
    for pair in range(args.pairs):
        for name in (["before", "after"] if pair % 2 == 0 else ["after", "before"]):
            out = subprocess.run([sys.executable, "-c", _CHILD, args.estate, str(args.loads)], capture_output=True,
                                 text=True, check=True, env={**os.environ, "PYTHONPATH": trees[name]}, cwd="/")
            imported, figure = out.stdout.strip().splitlines()[-2:]
            if not imported.startswith(os.path.join(trees[name], "vpcsim") + os.sep):
                sys.exit(f"{trees[name]}: the child imported {imported} instead (an installed vpcsim first on the path?)")
            found[name].append(float(figure))
    for name, times in found.items():
        print(f"{name:6s} {trees[name]}: {' '.join(f'{t:.3f}' for t in times)} s; median {statistics.median(times):.3f} s")
    print(f"before / after: {statistics.median(found['before']) / statistics.median(found['after']):.3f}")


if __name__ == "__main__":
    main()
