"""Benchmark scaling: how time and memory grow from 1x to 10x the design size.

    python3 benchmarks/bench_scaling.py [--json FILE] [--sizes 1,2,5,10]

1x is generate.py --vpcs 5 --subnets 40 --instances 10 (5 VPCs, 200 subnets, 2,000 instances);
10x is the 50 VPC / 2,000 subnet / 20,000 instance target design. For each size: load time and
peak memory (a fresh subprocess each, median of 2), a warm explained trace (median over five kinds
of path), the exposure of every interface (cold), warm batch verdicts, and the subnet x
security-group matrix. Each figure's baseline is the same figure at 1x; the ratio is how much it
grew, against the size factor: near-linear means a ratio <= 1.5 x the size factor (flat for the
per-operation figures: a trace, a batch verdict). The matrix's output (subnets x groups) grows
with the square of the size, so its time is judged per class pair. About 3 minutes on 2 cores.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
from bench_load import Figure, Figures, common_args, generated, load_runs, median, report  # noqa: E402
from bench_trace import random_flows  # noqa: E402
from common import machine_facts, measure, print_facts  # noqa: E402

import vpcsim  # noqa: E402
from vpcsim.network import Network  # noqa: E402

ME = "python3 benchmarks/bench_scaling.py"


def traces(vpcs: int) -> list[tuple[str, str, int]]:
    last = vpcs - 1
    return [
        ("internet", "vpc1-pub-3-i1", 443),
        ("vpc2-pub-5-i2", "vpc2-priv-30-i1", 8080),
        ("vpc0-priv-21-i1", f"vpc{last}-priv-32-i0", 5432),
        ("vpc3-priv-23-i1", "internet", 443),
        (f"vpc{last}-pub-2-i0", "vpc3-priv-30-i0", 5432),
    ]


def measure_size(path: str, vpcs: int) -> dict[str, float]:
    from vpcsim.analyse import exposure, reach
    from vpcsim.batch import verdicts_array

    out: dict[str, float] = {}
    runs = load_runs(path, "vpcsim.load", 2)
    out["load_s"] = median(runs, "seconds")
    out["rss_mb"] = median(runs, "maxrss_kb") / 1024
    net = vpcsim.load(path)
    out["instances"] = len(net.design.instances)
    per = []
    for src, dst, port in traces(vpcs):
        per.append(statistics.median(measure(lambda s=src, t=dst, p=port: net.trace(s, t, p), repeats=9, min_time=0.05)) / 1000)
    out["trace_us"] = statistics.median(per)
    start = time.perf_counter()
    exposure(Network(net.design, net.warnings))
    out["exposure_s"] = time.perf_counter() - start
    n = 200_000
    flows = random_flows(net, n, 1)
    start = time.perf_counter()
    verdicts_array(net, src=flows[0], dst=flows[1], protocol=flows[2], port=flows[3])
    out["batch_cold_s"] = time.perf_counter() - start
    times = []
    for _ in range(3):
        start = time.perf_counter()
        got = verdicts_array(net, src=flows[0], dst=flows[1], protocol=flows[2], port=flows[3])
        times.append(time.perf_counter() - start)
    assert isinstance(got, np.ndarray)
    out["batch_flows_per_s"] = n / statistics.median(times)
    start = time.perf_counter()
    matrix = reach(Network(net.design, net.warnings), by="subnet,security_group")
    out["matrix_s"] = time.perf_counter() - start
    out["class_pairs"] = matrix.class_pairs
    out["matrix_us_per_class_pair"] = out["matrix_s"] / max(matrix.class_pairs, 1) * 1e6
    return out


def main(argv: list[str] | None = None) -> int:
    parser = common_args(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--sizes", default="1,2,5,10", help="size factors (1x = 5 VPCs x 40 subnets x 10 instances)")
    args = parser.parse_args(argv)
    facts = machine_facts()
    print_facts(facts)
    tmp = tempfile.mkdtemp(prefix="vpcsim-bench-")
    factors = [int(x) for x in args.sizes.split(",")]
    results: dict[int, dict[str, float]] = {}
    for factor in factors:
        vpcs = 5 * factor
        results[factor] = measure_size(generated(vpcs, 40, 10, tmp), vpcs)
        print(f"# {factor}x ({vpcs} VPCs): {results[factor]}", flush=True)
    base = results[factors[0]]
    figures = Figures("scaling")
    # (key, measure, unit, growth allowed per size factor: 1 = linear, 0 = flat, and whether lower is better)
    spec = [
        ("load_s", "load + validate + compile", "s", 1, True),
        ("rss_mb", "peak memory (ru_maxrss)", "MB", 1, True),
        ("trace_us", "warm trace (median of 5 kinds)", "us", 0, True),
        ("exposure_s", "exposure, every interface", "s", 1, True),
        ("batch_flows_per_s", "batch verdicts, warm", "flows/s", 0, False),
        ("batch_cold_s", "batch verdicts, first 200k flows", "s", 2, True),
        ("matrix_us_per_class_pair", "subnet x SG matrix, per class pair", "us", 0, True),
        ("matrix_s", "subnet x SG matrix, total", "s", 2, True),
    ]
    for factor in factors[1:]:  # the first size is every row's baseline
        size_factor = factor / factors[0]
        got = results[factor]
        size = f"{factor}x: {int(got['instances']):,} inst."
        for key, label, unit, power, lower in spec:
            value, ref = got[key], base[key]
            growth = value / ref if lower else ref / value  # how many times worse than at 1x
            allowed = size_factor ** power
            target = {0: "flat (<= 1.5x)", 1: f"near-linear (<= {1.5 * allowed:g}x)",
                      2: f"quadratic output (<= {1.5 * allowed:g}x)"}[power]
            met = growth <= 1.5 * allowed
            note = ""
            if key == "matrix_s":
                note = f"{int(got['class_pairs']):,} class pairs (grows with the square of the VPC count)"
            figures.add(Figure(label, size, value, unit, f"same at {factors[0]}x", ref, growth, target, met, ME, note))
    report(figures, args, facts, {"results": {str(k): v for k, v in results.items()}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
