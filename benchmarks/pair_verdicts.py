"""Verdict-only flows (`network.reachable`) of two trees, paired, with many repetitions.

    python3 benchmarks/pair_verdicts.py --base DIR [--design FILE] [--runs 2]

bench_trace.py's verdict-only rows take one sample per round, and on a shared machine one
descheduling makes a row look 50% worse; this runs the same five paths (20,000 calls per round,
median of 9 rounds, CPU time) in a fresh process per tree, alternating the trees `--runs` times.
`--base` is a tree holding the package to compare (`git archive REF vpcsim | tar -x -C DIR`);
`--design` defaults to bench_scale.py's 20,000-instance estate (`--keep` it there first).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FLOWS = [("internet", "vpc7-pub-3-i1", 443), ("vpc3-pub-5-i2", "vpc3-priv-30-i1", 8080),
         ("vpc0-priv-21-i1", "vpc12-priv-32-i0", 5432), ("vpc9-priv-23-i1", "internet", 443),
         ("vpc4-pub-2-i0", "vpc5-priv-30-i0", 5432)]


def child(tree: str, design: str) -> list[float]:
    sys.path.insert(0, tree)
    import vpcsim

    net = vpcsim.load(design)
    out = []
    for flow in FLOWS:
        net.reachable(*flow)
        rounds = []
        for _ in range(9):
            start = time.process_time()
            for _ in range(20000):
                net.reachable(*flow)
            rounds.append((time.process_time() - start) / 20000 * 1e6)
        out.append(statistics.median(rounds))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--design", default="/tmp/estates/estate-50.yaml")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(" ".join(f"{v:.2f}" for v in child(args.child, args.design)))
        return
    for run in range(args.runs):
        for label, tree in (("base", args.base), ("this tree", ROOT)):
            got = subprocess.run([sys.executable, __file__, "--base", args.base, "--design", args.design,
                                  "--child", tree], check=True, capture_output=True, text=True).stdout.split()
            print(f"run {run + 1}, {label}: " + " / ".join(got) + " us")


if __name__ == "__main__":
    main()
