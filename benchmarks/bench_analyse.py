"""Benchmark the analyses: internet exposure and the reachability matrix, on the target design, and
against tracing every pair and port (the naive way) on designs small enough for it.

    python3 benchmarks/bench_analyse.py [--json FILE] [--design FILE] [--repeats N]

- exposure of every interface of the 50 VPC / 20,000 instance design, over every port and every
  internet address, target <= 10 s (cold: a fresh Network each run);
- the subnet x security-group matrix of that design, target <= 120 s;
- both vs the naive way, target >= 100x faster: trace every (internet class, interface, port,
  protocol) for exposure, every (interface, interface, port, protocol) for the matrix:
  * measured in full on a tiny design (generate.py --vpcs 1 --subnets 2 --instances 1), where
    the naive answers are also checked equal to vpcsim's;
  * on a small design (--vpcs 3 --subnets 4 --instances 3), timed on a random sample of those
    traces and extrapolated linearly to all of them (the time of a trace does not depend on
    the port), since the full run would take hours;
  * and, for context, check.Engine pair by pair (a trace per port run), measured in full.

About 3 minutes on 2 cores.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import TypeVar

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from bench_load import Figure, Figures, common_args, generated, report  # noqa: E402
from common import machine_facts, print_facts  # noqa: E402

import vpcsim  # noqa: E402
from vpcsim.analyse import exposure, reach  # noqa: E402
from vpcsim.network import Network  # noqa: E402
from vpcsim.traffic import Traffic, TrafficKind  # noqa: E402

ME = "python3 benchmarks/bench_analyse.py"
T = TypeVar("T")
OTHER_PROTOCOLS = [p for lo, hi in TrafficKind.IP.universe for p in range(lo, hi + 1)]
TRACES_PER_PAIR = 2 * 65536 + 256 + len(OTHER_PROTOCOLS)  # tcp and udp ports, icmp types, other protocols


def fresh(net: Network) -> Network:
    """The same compiled design with no analysis cached (a cold analysis)."""
    return Network(net.design, net.warnings)


def timed(fn: Callable[[], T], repeats: int) -> tuple[float, T]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def naive_traffic(net: Network, src: str, dst: str) -> Traffic:
    """Everything that gets from src to dst and back, one trace per port and protocol."""
    tcp = [(p, p) for p in range(65536) if net.trace(src, dst, p, "tcp").reachable]
    udp = [(p, p) for p in range(65536) if net.trace(src, dst, p, "udp").reachable]
    icmp = [(t, t) for t in range(256) if net.trace(src, dst, t, "icmp").reachable]
    ip = [(n, n) for n in OTHER_PROTOCOLS if net.trace(src, dst, 0, n).reachable]
    return (Traffic.of(TrafficKind.TCP, tcp) | Traffic.of(TrafficKind.UDP, udp) | Traffic.of(TrafficKind.ICMP, icmp)
            | Traffic.of(TrafficKind.IP, ip))


def sampled_trace_seconds(net: Network, pairs: list[tuple[str, str]], samples: int, seed: int) -> float:
    """Mean seconds of one trace of a random (pair, protocol, port) of `pairs`."""
    rng = random.Random(seed)
    flows: list[tuple[str, str, int, str | int]] = []
    for _ in range(samples):
        src, dst = rng.choice(pairs)
        kind = rng.randrange(TRACES_PER_PAIR)
        if kind < 65536:
            flows.append((src, dst, kind, "tcp"))
        elif kind < 2 * 65536:
            flows.append((src, dst, kind - 65536, "udp"))
        elif kind < 2 * 65536 + 256:
            flows.append((src, dst, kind - 2 * 65536, "icmp"))
        else:
            flows.append((src, dst, 0, rng.choice(OTHER_PROTOCOLS)))
    start = time.perf_counter()
    for src, dst, port, proto in flows:
        net.trace(src, dst, port, proto)
    return (time.perf_counter() - start) / samples


def engine_seconds(net: Network, pairs: list[tuple[str, str]]) -> float:
    from vpcsim.check import Engine, _Atom

    engine = Engine(net)
    start = time.perf_counter()
    for src, dst in pairs:
        engine.reachable(_Atom(src, src), _Atom(dst, dst), Traffic.any())
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = common_args(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--design", help="design (default: the generated 50 x 40 x 10 target design)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    facts = machine_facts()
    print_facts(facts)
    tmp = tempfile.mkdtemp(prefix="vpcsim-bench-")
    figures = Figures("exposure")
    r = args.repeats

    # -- the target design ----------------------------------------------------------------------
    big = vpcsim.load(args.design or generated(50, 40, 10, tmp))
    size = f"{len(big.design.vpcs)} VPCs/{len(big.design.subnets):,} subnets/{len(big.design.instances):,} inst."
    t_exp, rep = timed(lambda: exposure(fresh(big)), r)
    figures.add(Figure("exposure, every interface", size, t_exp, "s", "-", None, None, "<= 10 s", t_exp <= 10, ME,
                       f"{len(rep.interfaces):,} interfaces in {rep.eni_classes} classes x "
                       f"{len(rep.internet_classes)} internet classes, {rep.probes:,} walks; "
                       f"{len(rep.exposed()):,} exposed"))
    t_mat, mat = timed(lambda: reach(fresh(big), by="subnet,security_group"), 1)
    figures.add(Figure("subnet x security-group matrix", size, t_mat, "s", "-", None, None, "<= 120 s", t_mat <= 120,
                       ME, f"{len(mat.rows):,} x {len(mat.cols):,} cells, {len(mat.cells):,} with traffic; "
                       f"{mat.class_pairs:,} class pairs, {mat.probes:,} walks"))

    # -- the naive way, in full, on a tiny design ---------------------------------------------
    tiny = vpcsim.load(generated(1, 2, 1, tmp))
    enis = list(tiny.design.interfaces)
    inet = [c.representative for c in exposure(fresh(tiny)).internet_classes]
    t_tiny, tiny_rep = timed(lambda: exposure(fresh(tiny)), max(r, 5))
    start = time.perf_counter()
    naive = {(src, dst): naive_traffic(tiny, src, dst) for dst in enis for src in inet}
    t_naive = time.perf_counter() - start
    for e in tiny_rep.interfaces:
        union = Traffic.none()
        for src in inet:
            union = union | naive[(src, e.interface)]
        assert union == e.traffic, f"naive and vpcsim disagree on {e.interface}"
    tsize = f"1 VPC/2 subnets/{len(enis)} inst."
    figures.add(Figure("exposure vs every trace (full)", tsize, t_tiny, "s", "trace every (class, eni, port)",
                       t_naive, t_naive / t_tiny, ">= 100x faster", t_naive / t_tiny >= 100, ME,
                       f"{len(naive) * TRACES_PER_PAIR:,} traces, measured; answers identical"))
    pairs = [(a, b) for a in enis for b in enis if a != b]
    t_tmat, _ = timed(lambda: reach(fresh(tiny), by="subnet,security_group"), max(r, 5))
    start = time.perf_counter()
    naive = {(a, b): naive_traffic(tiny, a, b) for a, b in pairs}
    t_naive_mat = time.perf_counter() - start
    by_eni = reach(fresh(tiny), by="interface")
    assert all(by_eni.traffic(a, b) == t for (a, b), t in naive.items()), "naive and vpcsim disagree"
    figures.add(Figure("matrix vs every trace (full)", tsize, t_tmat, "s", "trace every (eni, eni, port)",
                       t_naive_mat, t_naive_mat / t_tmat, ">= 100x faster", t_naive_mat / t_tmat >= 100, ME,
                       f"{len(pairs) * TRACES_PER_PAIR:,} traces, measured; answers identical"))

    # -- the naive way, sampled and extrapolated, on a small design ---------------------------
    small = vpcsim.load(generated(3, 4, 3, tmp))
    enis = list(small.design.interfaces)
    ssize = f"3 VPCs/12 subnets/{len(enis)} inst."
    inet = [c.representative for c in exposure(fresh(small)).internet_classes]
    t_small, _ = timed(lambda: exposure(fresh(small)), max(r, 5))
    exp_pairs = [(s, e) for s in inet for e in enis]
    per_trace = sampled_trace_seconds(small, exp_pairs, 4000, 1)
    t_naive = per_trace * len(exp_pairs) * TRACES_PER_PAIR
    figures.add(Figure("exposure vs every trace (extrapolated)", ssize, t_small, "s",
                       "trace every (class, eni, port)", t_naive, t_naive / t_small, ">= 100x faster",
                       t_naive / t_small >= 100, ME,
                       f"{len(exp_pairs) * TRACES_PER_PAIR:,} traces at {per_trace * 1e6:.0f} us "
                       "(mean of 4,000 random ones), extrapolated"))
    t_eng = engine_seconds(small, [(s, e) for s, e in exp_pairs])
    figures.add(Figure("exposure vs check.Engine pair by pair", ssize, t_small, "s", "Engine.reachable per pair",
                       t_eng, t_eng / t_small, "(context)", None, ME, "a trace per port run, measured in full"))
    mat_pairs = [(a, b) for a in enis for b in enis if a != b]
    t_smat, _ = timed(lambda: reach(fresh(small), by="subnet,security_group"), max(r, 5))
    per_trace = sampled_trace_seconds(small, mat_pairs, 4000, 2)
    t_naive_mat = per_trace * len(mat_pairs) * TRACES_PER_PAIR
    figures.add(Figure("matrix vs every trace (extrapolated)", ssize, t_smat, "s", "trace every (eni, eni, port)",
                       t_naive_mat, t_naive_mat / t_smat, ">= 100x faster", t_naive_mat / t_smat >= 100, ME,
                       f"{len(mat_pairs) * TRACES_PER_PAIR:,} traces at {per_trace * 1e6:.0f} us "
                       "(mean of 4,000 random ones), extrapolated"))
    t_eng = engine_seconds(small, mat_pairs)
    figures.add(Figure("matrix vs check.Engine pair by pair", ssize, t_smat, "s", "Engine.reachable per pair",
                       t_eng, t_eng / t_smat, "(context)", None, ME, "a trace per port run, measured in full"))
    report(figures, args, facts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
