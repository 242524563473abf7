"""Benchmark traces on the target design: a warm explained trace, and verdict-only batch tracing.

    python3 benchmarks/bench_trace.py [--json FILE] [--design FILE] [--flows N]

- warm trace: `network.trace(src, dst, port)` (both ways, with explanations) for five kinds of
  path on the 50 VPC / 2,000 subnet / 20,000 instance design, target <= 25 us each (issue 16;
  it was 50 us). Warm: the network's endpoint classes are built (as any analysis builds them) and
  each kind of pair has been traced, so a trace is written from its plan (vpcsim.plans); each
  sample goes round up to 9 pairs of other endpoints of the same kinds, not one flow again. The
  baseline is the walk of the same flows (`vpcsim.trace.trace`, what every trace was before);
- warm walk: `vpcsim.trace.trace(net, src, dst, port)`, the same flow again and again (what the
  warm trace rows measured before plans), against the same walk on the small basic-vpc scenario
  (ratio ~1: the walk's cost does not grow with the design);
- verdict only: `network.reachable(src, dst, port)` for the same five flows, target <= 3 us;
  the baseline is the walk of the same flow;
- batch: `vpcsim.batch.verdicts_array` on N random flows (int address arrays), warm (the
  verdict table filled by an earlier batch of other random flows), target >= 1,000,000
  flows/s; the baseline is `network.trace(...).reachable` flow by flow (on 2,000 of them).
  The cold first batch (which computes every class pair it meets) is reported too.

About 2 minutes on 2 cores (the cold batch dominates).
"""

from __future__ import annotations

import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
from bench_load import Figure, Figures, common_args, generated, report  # noqa: E402
from common import compare, machine_facts, print_facts, same_kind  # noqa: E402

import vpcsim  # noqa: E402
from vpcsim.model import int_to_ip  # noqa: E402
from vpcsim.network import Network  # noqa: E402

ME = "python3 benchmarks/bench_trace.py"
# (label, src, dst, port) on generate.py's design: each a different kind of path.
TRACES = [
    ("internet -> web (IGW, NACL, SG)", "internet", "vpc7-pub-3-i1", 443),
    ("web -> app, same VPC", "vpc3-pub-5-i2", "vpc3-priv-30-i1", 8080),
    ("hub app -> spoke db, peering", "vpc0-priv-21-i1", "vpc12-priv-32-i0", 5432),
    ("spoke app -> internet, NAT gw", "vpc9-priv-23-i1", "internet", 443),
    ("spoke -> spoke, no route (blocked)", "vpc4-pub-2-i0", "vpc5-priv-30-i0", 5432),
]
SMALL = ("internet", "web-a", 443)


def in_turn(call: Callable[[str, str, int], object], pairs: list[tuple[str, str]], port: int,
            calls: list[int]) -> Callable[[], object]:
    """A call that traces the next of `pairs` each time (counted in calls[0])."""
    turn = itertools.cycle(pairs)

    def one() -> object:
        calls[0] += 1
        return call(*next(turn), port)

    return one


def random_flows(net: Network, n: int, seed: int) -> tuple[np.ndarray, ...]:
    """n flows between random interfaces (private or public address) and a few internet addresses."""
    rng = np.random.default_rng(seed)
    d = net.design
    priv = np.array([e.primary_ip for e in d.interfaces.values()], dtype=np.int64)
    pub = np.array([e.public_ip if e.public_ip is not None else e.primary_ip for e in d.interfaces.values()],
                   dtype=np.int64)
    internet = np.array([0x08080808, 0xC6336432, 0xCB007132, 0x01010101], dtype=np.int64)
    pick = rng.integers(0, len(priv), n)
    src = np.where(rng.random(n) < 0.1, internet[rng.integers(0, 4, n)], priv[pick])
    pick = rng.integers(0, len(priv), n)
    dst = np.where(rng.random(n) < 0.3, pub[pick], priv[pick])
    proto = rng.choice(np.array([6, 6, 6, 6, 17, 1, 47]), n)
    port = np.where(proto == 1, rng.choice(np.array([0, 8, 13]), n),
                    rng.choice(np.array([22, 53, 80, 443, 5432, 8080, 8085, 40000]), n))
    return src, dst, proto, port


def main(argv: list[str] | None = None) -> int:
    parser = common_args(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--design", help="design (default: the generated 50 x 40 x 10 target design)")
    parser.add_argument("--flows", type=int, default=1_000_000, help="flows per batch (default 1,000,000)")
    args = parser.parse_args(argv)
    facts = machine_facts()
    print_facts(facts)
    path = args.design or generated(50, 40, 10, tempfile.mkdtemp(prefix="vpcsim-bench-"))
    net = vpcsim.load(path)
    small = vpcsim.load(os.path.join(os.path.dirname(HERE), "scenarios", "basic-vpc.yaml"))
    size = f"{len(net.design.vpcs)} VPCs/{len(net.design.subnets):,} subnets/{len(net.design.instances):,} inst."
    figures = Figures("traces")

    # -- warm explained traces --------------------------------------------------------------
    from vpcsim.analyse import analyser
    from vpcsim.plans import plans
    from vpcsim.trace import trace as walk

    analyser(net)  # the endpoint classes, as any analysis or verdict builds them
    medians = []
    for label, src, dst, port in TRACES:
        pairs = [(s, t) for s in same_kind(net, src) for t in same_kind(net, dst)]
        for s, t in pairs:
            assert net.trace(s, t, port) == walk(net, s, t, port), (s, t, port)  # and the plans are made
        before = plans(net).built
        calls = [0]
        planned = in_turn(lambda s, t, p: net.trace(s, t, p), pairs, port, calls)
        cmp = compare(planned, in_turn(lambda s, t, p: walk(net, s, t, p), pairs, port, [0]), ops=1)
        share = (plans(net).built - before) / max(1, calls[0])
        us, base_us = cmp.vpcsim_ns / 1000, cmp.baseline_ns / 1000
        medians.append(us)
        result = walk(net, src, dst, port)
        figures.add(Figure(f"warm trace: {label}", size, us, "us", "the walk, same flows", base_us,
                           cmp.speedup, "<= 25 us", us <= 25, ME,
                           f"{'reachable' if result.reachable else result.disposition.value}, "
                           f"{len(result.forward)}+{len(result.return_path)} hops; {len(pairs)} pairs in turn, "
                           f"{share:.0%} of the traces written from a plan (the rest: the first pair's own trace)"))
    worst = max(medians)
    print(f"# warm traces: median {statistics.median(medians):.1f} us, worst {worst:.1f} us (target 25 us)")
    for label, src, dst, port in TRACES:
        result = walk(net, src, dst, port)

        def one(s: str = src, t: str = dst, p: int = port) -> object:
            return walk(net, s, t, p)

        cmp = compare(one, lambda: walk(small, *SMALL), ops=1)
        figures.add(Figure(f"warm walk: {label}", size, cmp.vpcsim_ns / 1000, "us", "same walk, basic-vpc",
                           cmp.baseline_ns / 1000, cmp.speedup, "(context)", None, ME,
                           "vpcsim.trace.trace: what the warm trace rows measured before plans"))

    # -- batch verdicts ---------------------------------------------------------------------
    from vpcsim.batch import _batcher, verdicts, verdicts_array

    n = args.flows
    cold = random_flows(net, n, 1)
    start = time.perf_counter()
    verdicts_array(net, src=cold[0], dst=cold[1], protocol=cold[2], port=cold[3])
    t_cold = time.perf_counter() - start
    b = _batcher(analyser(net))
    keys_cold = b.computed
    warm = random_flows(net, n, 2)
    verdicts_array(net, src=warm[0], dst=warm[1], protocol=warm[2], port=warm[3])  # keys the first batch missed
    new_keys = b.computed - keys_cold
    times = []
    for _ in range(5):
        start = time.perf_counter()
        got = verdicts_array(net, src=warm[0], dst=warm[1], protocol=warm[2], port=warm[3])
        times.append(time.perf_counter() - start)
    t_warm = statistics.median(times)
    sample = 2000
    texts = [(int_to_ip(int(s)), int_to_ip(int(t)), int(p), int(q))
             for s, t, p, q in zip(*(c[:sample] for c in warm), strict=True)]
    start = time.perf_counter()
    want = [net.trace(s, t, q, p).reachable for s, t, p, q in texts]
    t_scalar = (time.perf_counter() - start) / sample
    assert want == got[:sample].tolist(), "batch verdicts differ from traces"
    # Flows between interfaces traced by name: trace.resolve scans every instance and interface for
    # an AWS id before it parses an address, which dominates the per-flow figure above.
    owner = {e.primary_ip: e.instance or e.name for e in net.design.interfaces.values()}
    owner.update({e.public_ip: e.instance or e.name for e in net.design.interfaces.values() if e.public_ip})
    named = [(owner[int(s)], owner[int(t)], int(p), int(q))
             for s, t, p, q in zip(*(c[: 4 * sample] for c in warm), strict=True)
             if int(s) in owner and int(t) in owner][:sample]
    start = time.perf_counter()
    for s_, t_, p_, q_ in named:
        net.trace(s_, t_, q_, p_)
    t_named = (time.perf_counter() - start) / sample
    rate, base_rate = n / t_warm, 1 / t_scalar
    figures.add(Figure("batch verdicts, warm (int arrays)", f"{n:,} random flows", rate, "flows/s",
                       "net.trace(...).reachable per flow", base_rate, rate / base_rate, ">= 1,000,000 flows/s",
                       rate >= 1_000_000, ME,
                       f"median of 5 batches of {n:,} flows, after an earlier batch of other random flows filled "
                       f"the verdict table ({keys_cold:,} class-pair keys, +{new_keys:,} for this batch); "
                       f"{int(got.sum()):,} reachable; the first {sample:,} checked against trace"))
    figures.add(Figure("batch verdicts, warm (int arrays)", f"{n:,} random flows", rate, "flows/s",
                       "net.trace by name, per flow", 1 / t_named, rate * t_named, ">= 1,000,000 flows/s",
                       rate >= 1_000_000, ME, f"the same batches; baseline: {len(named):,} of the flows between "
                       "interfaces, traced with the endpoints written as names (no AWS-id scan in trace.resolve)"))
    figures.add(Figure("batch verdicts, cold first batch", f"{n:,} random flows", n / t_cold, "flows/s",
                       "net.trace(...).reachable per flow", base_rate, (n / t_cold) / base_rate, "(context)", None,
                       ME, f"{t_cold:.1f} s, of which computing {keys_cold:,} class pairs (one recorded walk each) "
                       "is most"))
    m = 200_000
    strs = [(int_to_ip(int(s)), int_to_ip(int(t)), {6: "tcp", 17: "udp", 1: "icmp"}.get(int(p), int(p)), int(q))
            for s, t, p, q in zip(*(c[:m] for c in warm), strict=True)]
    start = time.perf_counter()
    verdicts(net, strs)
    t_strs = time.perf_counter() - start
    figures.add(Figure("batch verdicts, warm (tuples of text)", f"{m:,} flows", m / t_strs, "flows/s",
                       "net.trace(...).reachable per flow", base_rate, (m / t_strs) / base_rate, "(context)", None, ME,
                       "dotted addresses and protocol names are parsed per distinct value"))
    # -- one flow, verdict only (after the batches, so that the cold batch still builds the classes)
    for label, src, dst, port in TRACES:
        assert net.reachable(src, dst, port) == net.trace(src, dst, port).reachable

        def verdict(s: str = src, t: str = dst, p: int = port) -> object:
            return net.reachable(s, t, p)

        def explained(s: str = src, t: str = dst, p: int = port) -> object:
            return walk(net, s, t, p)

        cmp = compare(verdict, explained, ops=1)
        us = cmp.vpcsim_ns / 1000
        figures.add(Figure(f"verdict only: {label}", size, us, "us", "the walk, same flow", cmp.baseline_ns / 1000,
                           cmp.speedup, "<= 3 us", us <= 3, ME,
                           "network.reachable(src, dst, port): the verdict table's answer once the pair is known"))

    report(figures, args, facts, {"design": path if args.design else "generate.py --vpcs 50 --subnets 40 --instances 10"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
