"""Benchmark the one-pivot view (`exposure --transitive`) against plain exposure, in CPU time, in one run.

    python3 benchmarks/bench_transitive.py [--json FILE] [--design FILE] [--repeats N]

On the 50 VPC / 20,000 instance target design, each repeat times, on a fresh Network (cold, no
analysis cached), `exposure(net)` and `transitive_exposure(net)` (which computes the plain
exposure too, as `vpcsim exposure --transitive` does), alternating which goes first. Times are
CPU time (`time.process_time`), so another job on the shared cores costs less than in wall
time. The figure is the median over repeats of transitive / plain within the same repeat;
target <= 10x.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_load import generated  # noqa: E402
from common import machine_facts, print_facts  # noqa: E402

import vpcsim  # noqa: E402
from vpcsim.analyse import TransitiveReport, exposure, transitive_exposure  # noqa: E402
from vpcsim.network import Network  # noqa: E402

T = TypeVar("T")


def cpu(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--design", help="design (default: the generated 50 x 40 x 10 target design)")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    facts = machine_facts()
    print_facts(facts)
    net = vpcsim.load(args.design or generated(50, 40, 10, tempfile.mkdtemp(prefix="vpcsim-bench-")))
    plain_times: list[float] = []
    pivot_times: list[float] = []
    ratios: list[float] = []
    report: TransitiveReport | None = None
    for repeat in range(args.repeats):
        times: dict[str, float] = {}
        for which in (("plain", "pivot") if repeat % 2 == 0 else ("pivot", "plain")):
            fresh = Network(net.design, net.warnings)
            if which == "plain":
                times[which], _ = cpu(partial(exposure, fresh))
            else:
                times[which], report = cpu(partial(transitive_exposure, fresh))
        plain_times.append(times["plain"])
        pivot_times.append(times["pivot"])
        ratios.append(times["pivot"] / times["plain"])
        print(f"repeat {repeat + 1}: plain {times['plain']:.3f} s, transitive {times['pivot']:.3f} s, "
              f"{ratios[-1]:.2f}x", flush=True)
    assert report is not None
    d = net.design
    figures: dict[str, Any] = {
        "design": f"{len(d.vpcs)} VPCs/{len(d.subnets):,} subnets/{len(d.instances):,} inst.",
        "plain_cpu_s": statistics.median(plain_times),
        "transitive_cpu_s": statistics.median(pivot_times),
        "ratio": statistics.median(ratios),
        "ratio_range": [min(ratios), max(ratios)],
        "target": "<= 10x",
        "pairs": report.pairs,
        "walks": report.walks,
        "pivots": len(report.pivots),
        "opened": len(report.opened()),
    }
    print(f"| one pivot (exposure --transitive) | {figures['design']} | {figures['transitive_cpu_s']:.2f} s | "
          f"plain exposure | {figures['plain_cpu_s']:.3f} s | {figures['ratio']:.1f}x time | <= 10x time | "
          f"{'yes' if figures['ratio'] <= 10 else '**no**'} |")
    print(json.dumps(figures))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"facts": facts, "figures": figures}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
