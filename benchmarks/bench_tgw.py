"""Benchmark a transit gateway estate: one transit gateway, 200 attached VPCs, 4 route tables.

    python3 benchmarks/bench_tgw.py [--vpcs 200] [--repeats 7] [--json FILE]

The design (`hub_design`): 4 groups of VPCs (prod, dev, test, shared), each VPC with an app
subnet, an attachment subnet and one instance; every group's attachments are associated with
the group's own table and propagate into the shared table, and the shared VPCs propagate into
every table. So every VPC reaches the shared ones, and no two other groups reach each other.

Each figure is timed against a baseline in the same run (benchmarks/README.md):

- load (YAML -> compiled network, validation included) against the same design without the
  transit gateway (the VPCs, subnets, instances and route tables alone), CPU time;
- a warm trace across the transit gateway (prod-0 -> shared-0: two table lookups each way)
  against a warm trace between two instances of one VPC (local route), `common.compare`;
- the first trace on a fresh network (compiles the tables it meets), and
  `check` of "no dev VPC reaches any prod VPC" (exact over all ports) and lint VPC023-VPC025,
  each against the same on the baseline design, CPU time.
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
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import yaml  # noqa: E402
from common import Results, compare, machine_facts, print_facts  # noqa: E402

import vpcsim  # noqa: E402
from vpcsim.lint import lint  # noqa: E402
from vpcsim.network import Network  # noqa: E402

GROUPS = ("prod", "dev", "test", "shared")


def hub_design(vpcs: int, *, with_tgw: bool = True) -> dict[str, Any]:
    """The estate as a design dict (without the transit gateway: the same VPCs, unconnected)."""
    doc: dict[str, Any] = {"version": 1, "region": "eu-west-1", "vpcs": {}, "subnets": {}, "route_tables": {},
                           "security_groups": {}, "instances": {}}
    attachments: dict[str, Any] = {}
    for i in range(vpcs):
        group = GROUPS[i % len(GROUPS)]
        name = f"{group}-{i // len(GROUPS)}"
        second, third = divmod(i, 256)
        base = f"10.{second * 64 + third // 4}.{(third % 4) * 64}"
        doc["vpcs"][name] = {"cidrs": [f"{base}.0/18"]}
        prefix = base.rsplit(".", 1)[0]
        octet = int(base.rsplit(".", 1)[1])
        doc["subnets"][f"{name}-app"] = {"vpc": name, "cidr": f"{prefix}.{octet + 1}.0/24", "az": "eu-west-1a",
                                         "route_table": name}
        doc["subnets"][f"{name}-tgw"] = {"vpc": name, "cidr": f"{prefix}.{octet + 63}.0/28", "az": "eu-west-1a",
                                         "route_table": name}
        routes = [{"destination": "10.0.0.0/8", "transit_gateway": "hub"}] if with_tgw else []
        doc["route_tables"][name] = {"vpc": name, "routes": routes}
        doc["security_groups"][f"{name}-sg"] = {"vpc": name, "ingress": [{"protocol": "all", "cidr": "10.0.0.0/8"}]}
        doc["instances"][f"{name}-a"] = {"subnet": f"{name}-app", "private_ip": f"{prefix}.{octet + 1}.10",
                                         "security_groups": [f"{name}-sg"]}
        doc["instances"][f"{name}-b"] = {"subnet": f"{name}-app", "private_ip": f"{prefix}.{octet + 1}.20",
                                         "security_groups": [f"{name}-sg"]}
        attachments[name] = {"vpc": name, "subnets": [f"{name}-tgw"], "association": group,
                             "propagations": list(GROUPS) if group == "shared" else ["shared"]}
    if with_tgw:
        doc["transit_gateways"] = {"hub": {"route_tables": {g: {} for g in GROUPS}, "attachments": attachments}}
    return doc


def cpu(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def paired(repeats: int, hub: Callable[[], object], base: Callable[[], object]) -> dict[str, float]:
    """CPU times of two operations, alternating which goes first; the median of each and of the ratio."""
    hubs, bases, ratios = [], [], []
    for repeat in range(repeats):
        order = (("hub", hub), ("base", base)) if repeat % 2 == 0 else (("base", base), ("hub", hub))
        got = {which: cpu(fn)[0] for which, fn in order}
        hubs.append(got["hub"])
        bases.append(got["base"])
        ratios.append(got["hub"] / got["base"])
    return {"hub_s": statistics.median(hubs), "baseline_s": statistics.median(bases),
            "ratio": statistics.median(ratios), "ratio_range": min(ratios), "ratio_max": max(ratios)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--vpcs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    facts = machine_facts()
    print_facts(facts)
    folder = tempfile.mkdtemp(prefix="vpcsim-bench-tgw-")
    hub_path, base_path = os.path.join(folder, "hub.yaml"), os.path.join(folder, "base.yaml")
    with open(hub_path, "w") as f:
        yaml.safe_dump(hub_design(args.vpcs), f, sort_keys=False)
    with open(base_path, "w") as f:
        yaml.safe_dump(hub_design(args.vpcs, with_tgw=False), f, sort_keys=False)
    hub, base = vpcsim.load(hub_path), vpcsim.load(base_path)
    across = hub.trace("prod-0-a", "shared-0-a", 443)
    assert across.reachable and [h.kind for h in across.forward].count("transit_gateway") == 1, across.blocked_by
    assert not hub.trace("dev-0-a", "prod-0-a", 443).reachable
    figures: dict[str, Any] = {"design": f"1 transit gateway, {len(hub.design.vpcs)} VPCs, {len(GROUPS)} route "
                               f"tables, {len(hub.design.instances)} instances"}

    figures["load"] = paired(args.repeats, lambda: vpcsim.load(hub_path), lambda: vpcsim.load(base_path))
    results = Results("transit gateway")
    warm = compare(lambda: hub.trace("prod-0-a", "shared-0-a", 443), lambda: hub.trace("prod-0-a", "prod-0-b", 443),
                   ops=1)
    results.add("warm trace across the transit gateway", f"{args.vpcs} VPCs", warm, "warm trace inside one VPC")
    figures["warm_trace"] = {"vpcsim_us": warm.vpcsim_ns / 1000, "baseline_us": warm.baseline_ns / 1000,
                             "ratio": warm.vpcsim_ns / warm.baseline_ns}
    figures["first_trace"] = paired(args.repeats, lambda: Network(hub.design, hub.warnings).trace(
        "prod-0-a", "shared-0-a", 443), lambda: Network(base.design, base.warnings).trace("prod-0-a", "prod-0-b", 443))
    dev = [v for v in hub.design.vpcs if v.startswith("dev-")]
    prod = [v for v in hub.design.vpcs if v.startswith("prod-")]
    promise = {"id": "dev-never-prod", "from": {"vpc": dev}, "to": {"vpc": prod}, "expect": "unreachable"}
    report = hub.check([promise])
    assert report.ok, report.results[0]
    figures["check_dev_never_prod"] = paired(
        max(3, args.repeats // 2), lambda: Network(hub.design, hub.warnings).check([promise]),
        lambda: Network(base.design, base.warnings).check([promise]))
    figures["check_dev_never_prod"]["pairs"] = report.results[0].pairs
    rules = ["VPC023", "VPC024", "VPC025"]
    assert not lint(hub, select=rules).findings
    figures["lint_tgw_rules"] = paired(args.repeats, lambda: lint(Network(hub.design, hub.warnings), select=rules),
                                       lambda: lint(Network(base.design, base.warnings), select=rules))
    print(results.table())
    for key, value in figures.items():
        print(f"{key}: {value}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": facts, "figures": figures, "rows": [r.as_dict() for r in results.rows]}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
