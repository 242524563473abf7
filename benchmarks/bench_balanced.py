"""Benchmark load balancers at scale: the target design (50 VPCs, 20,000 instances) with 200
internet-facing ALBs, 50 of them in front of Auto Scaling groups (4 members each), against the same
design without them, in one run.

    python3 benchmarks/bench_balanced.py [--vpcs 50 --subnets 40 --instances 10] [--repeats 3]

Figures (CPU time, `time.process_time`, medians of `--repeats` interleaved runs):

- load: the YAML design with and without the load balancers (their ratio);
- exposure, cold (a fresh Network): with and without them (their ratio); with them it also
  traces every listener from the internet to its targets (`ExposureReport.listeners`);
- a warm load-balanced trace (`trace_balanced(internet, lbN, 443)`: 2 client legs, 2 x targets
  node legs), per load balancer, beside a warm plain trace of the same design (internet -> a
  public web instance): the ratio says how many plain walks one load-balanced trace costs.

Bytecode: whatever the environment has (this machine sets PYTHONDONTWRITEBYTECODE, so no .pyc
files are written; load and exposure are long enough for that not to matter).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import generate  # noqa: E402

import vpcsim  # noqa: E402
from vpcsim.network import Network  # noqa: E402


def cpu(fn: object) -> float:
    gc.collect()
    start = time.process_time()
    fn()  # type: ignore[operator]
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--vpcs", type=int, default=50)
    parser.add_argument("--subnets", type=int, default=40)
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--load-balancers", type=int, default=200)
    parser.add_argument("--auto-scaling-groups", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        plain_path = os.path.join(tmp, "plain.yaml")
        lb_path = os.path.join(tmp, "lbs.yaml")
        design = generate.generate(args.vpcs, args.subnets, args.instances)
        with open(plain_path, "w", encoding="utf-8") as handle:
            handle.write(generate.to_yaml(design))
        generate.add_load_balancers(design, args.load_balancers, args.auto_scaling_groups)
        with open(lb_path, "w", encoding="utf-8") as handle:
            handle.write(generate.to_yaml(design))
        loads: dict[str, list[float]] = {"plain": [], "lbs": []}
        exposures: dict[str, list[float]] = {"plain": [], "lbs": []}
        nets: dict[str, Network] = {}
        for path in (plain_path, lb_path):  # warm up: imports, the components, the first compile
            Network(vpcsim.load(path).design).exposure()
        for _ in range(args.repeats):
            for key, path in (("plain", plain_path), ("lbs", lb_path)):
                box: list[Network] = []
                loads[key].append(cpu(lambda p=path, b=box: b.append(vpcsim.load(p))))  # type: ignore[misc]
                nets[key] = box[0]
                fresh = Network(box[0].design, box[0].warnings)
                exposures[key].append(cpu(lambda n=fresh: n.exposure()))  # type: ignore[misc]
        net = nets["lbs"]
        names = [f"lb{k}" for k in range(args.load_balancers)]
        web = next(n for n in net.design.instances if "-pub-" in n)
        for name in names:  # warm every index and table once
            net.trace_balanced("internet", name, 443)
        net.trace("internet", web, 443)
        balanced, plain = [], []
        for _ in range(args.repeats):
            balanced.append(cpu(lambda: [net.trace_balanced("internet", n, 443) for n in names]) / len(names))
            plain.append(cpu(lambda: [net.trace("internet", web, 443) for _ in names]) / len(names))
        reached = sum(len(net.trace_balanced("internet", n, 443).reached_targets) for n in names)
        walks = sum(len(r.nodes) + len(r.targets) + sum(1 for t in r.targets if t.health is not None)
                    for r in (net.trace_balanced("internet", n, 443) for n in names))
    med = statistics.median
    print(f"design: {args.vpcs} VPCs x {args.subnets} subnets x {args.instances} instances; "
          f"{args.load_balancers} ALBs, {args.auto_scaling_groups} of them in front of an Auto Scaling group of 4")
    print("| figure | without load balancers | with them | ratio |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| load (CPU s) | {med(loads['plain']):.2f} | {med(loads['lbs']):.2f} | "
          f"{med(loads['lbs']) / med(loads['plain']):.2f} |")
    print(f"| exposure, cold (CPU s) | {med(exposures['plain']):.2f} | {med(exposures['lbs']):.2f} | "
          f"{med(exposures['lbs']) / med(exposures['plain']):.2f} |")
    print(f"| warm trace (CPU us): plain internet -> {web} vs trace_balanced(internet, lbN, 443) | "
          f"{med(plain) * 1e6:.0f} | {med(balanced) * 1e6:.0f} | {med(balanced) / med(plain):.1f} |")
    print(f"targets reached through the {len(names)} listeners: {reached}; walks per load-balanced trace: "
          f"{walks / len(names):.1f} (legs, each walked forward and back)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
