"""Benchmark the largest estates (issue 16): snapshot and YAML loads, peak memory, reach by subnet,
exposure under three garbage-collector settings, and the cold start of `vpcsim trace`.

    python3 benchmarks/bench_scale.py [--instances 20000] [--rounds 3] [--only load,reach,exposure,cold]
                                      [--base DIR] [--json FILE] [--markdown]

The estate is generate.py's, written both as YAML and as an AWS snapshot: `--instances N` makes
N/400 VPCs x 40 subnets x 10 instances (20,000: the issue's 50 VPCs; 100,000: 250 VPCs).
Every figure is CPU time (`time.process_time`, or the child's rusage for the cold start) of a
fresh subprocess with bytecode caches (written by a warm-up load of a 400-instance estate with
each tree), median of `--rounds`, each timed alternately with its baseline:

- snapshot load: `vpcsim.load(folder)` against `json.loads` of the same files (target <= 3x), and
  against the same load from `--base DIR` when given;
  its peak RSS (VmHWM, the child's own: `ru_maxrss` is carried across exec from a large
  parent; target <= 700 MB at 100,000 instances);
- YAML load: `vpcsim.load(file)`, against the same load from `--base DIR` (a tree with the
  package, such as `git worktree add /tmp/base HEAD~3`), when given;
- trace: a warm explained `net.trace(...)`, median over five kinds of path (target <= 25 us),
  each going round 9 (or 3) pairs of endpoints of the same kinds, after the network's classes are
  built; and the walk of the same flows (`vpcsim.trace.trace`, what every trace was before plans);
- reach: `reach(net, by="subnet")` (target <= 10 s at 20,000), against `--base` when given;
- exposure: `exposure(net)` on a fresh load as shipped (the load froze the design: gc.freeze(); the
  analysis raises generation 0's threshold to 100,000 while it runs), with `gc.unfreeze()` after
  the load, and with the collector left at its thresholds; against `--base` when given (target
  <= 4 s at 200,000);
- cold start: `vpcsim trace` on scenarios/basic-vpc.yaml against `python3 -c "import yaml"`
  (target <= 3x), and against the same trace from `--base DIR` when given, with bytecode caches
  written first under PYTHONPYCACHEPREFIX (a temp folder), as a user has them after `pip install`.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from bench_load import Figure, Figures, common_args, report  # noqa: E402
from common import PEAK_RSS_KB, SAME_KIND, machine_facts, print_facts  # noqa: E402

ME = "python3 benchmarks/bench_scale.py"

_CHILD = PEAK_RSS_KB + SAME_KIND + """
import gc, glob, json, os, sys, time
what, path = sys.argv[1], sys.argv[2]
out = {}
if what == "compiled":
    import vpcsim, vpcsim.importers.aws, vpcsim.loader.validate
    from vpcsim.native import compiled_in_use
    out["compiled"] = len(compiled_in_use())
elif what == "json.loads":
    files = sorted(glob.glob(os.path.join(path, "aws_configs", "*.json")))
    start = time.process_time()
    for name in files:
        with open(name, "rb") as fh:
            json.loads(fh.read())
    out["cpu"] = time.process_time() - start
else:
    import vpcsim
    start = time.process_time()
    net = vpcsim.load(path)
    out["load_cpu"] = time.process_time() - start
    out["interfaces"] = len(net.design.interfaces)
    if what.startswith("exposure"):
        from vpcsim.analyse import exposure
        if what == "exposure:unfrozen":
            gc.unfreeze()  # as before vpcsim.load froze what it loaded
        elif what == "exposure:untuned":
            import vpcsim.analyse
            vpcsim.analyse.ANALYSIS_GEN0_THRESHOLD = 0  # the analysis keeps the collector as it is
        start = time.process_time()
        exposure(net)
        out["cpu"] = time.process_time() - start
    elif what in ("trace", "walk"):
        # A warm explained trace, median over five kinds of path (as bench_trace.py), in us: each
        # sample goes round 3 sources x 3 destinations of the same kinds (same_kind), after the
        # classes are built (as any analysis builds them). "walk": vpcsim.trace.trace, which always walks.
        from vpcsim.analyse import analyser
        analyser(net)
        if what == "walk":
            from vpcsim.trace import trace as walk
            call = lambda s, t, p: walk(net, s, t, p)  # noqa: E731
        else:
            call = net.trace
        spoke = min(len(net.design.vpcs) - 1, 125)
        paths = [("internet", "vpc1-pub-3-i1", 443), ("vpc2-pub-5-i2", "vpc2-priv-30-i1", 8080),
                 ("vpc0-priv-21-i1", f"vpc{spoke}-priv-32-i0", 5432), ("vpc3-priv-23-i1", "internet", 443),
                 (f"vpc{spoke}-pub-2-i0", "vpc3-priv-30-i0", 5432)]
        per = []
        for src, dst, port in paths:
            pairs = [(s, t) for s in same_kind(net, src) for t in same_kind(net, dst)]
            for s, t in pairs:
                call(s, t, port)
            samples = []
            for _ in range(7):
                start = time.process_time()
                for _ in range(30):
                    for s, t in pairs:
                        call(s, t, port)
                samples.append((time.process_time() - start) / (30 * len(pairs)) * 1e6)
            per.append(sorted(samples)[3])
        out["cpu"] = sorted(per)[2]
        out["per_kind"] = per
    elif what == "reach":
        from vpcsim.analyse import reach
        start = time.process_time()
        matrix = reach(net, by="subnet")
        out["cpu"] = time.process_time() - start
        # (a --base tree may predate the groups)
        out["cells"] = matrix.cell_count if hasattr(matrix, "cell_count") else len(matrix.cells)
        out["class_pairs"], out["groups"] = matrix.class_pairs, len(getattr(matrix, "row_groups", ()))
    else:
        out["cpu"] = out["load_cpu"]
out["rss_mb"] = peak_rss_kb() / 1024
print(json.dumps(out))
"""


# Bytecode caches for the children (PYTHONPYCACHEPREFIX), as a user has them after `pip install`:
# set by main() and written by a warm-up load of a small estate with each tree. Without them a load
# also compiles the modules it imports (0.1-0.2 s, 5% of a 20,000-instance snapshot load).
_PYC: dict[str, str] = {}


def child(what: str, path: str, tree: str = ROOT, pure: bool = False) -> dict[str, Any]:
    """Run _CHILD in a fresh interpreter that imports vpcsim from `tree` (run from that folder:
    `python3 -c` puts the working folder first on sys.path, before PYTHONPATH); `pure`: with
    VPCSIM_PURE_PYTHON=1, the modules setup.py compiles read from their source."""
    env = dict(os.environ, PYTHONPATH=tree)
    env.pop("VPCSIM_PURE_PYTHON", None)
    if pure:
        env["VPCSIM_PURE_PYTHON"] = "1"
    if tree in _PYC:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = _PYC[tree]
    proc = subprocess.run([sys.executable, "-c", _CHILD, what, path], capture_output=True, text=True,
                          timeout=3600, cwd=tree, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"child failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def paired(a: Any, b: Any, rounds: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run a() and b() alternately (a first on even rounds), `rounds` times each."""
    xs: list[dict[str, Any]] = []
    ys: list[dict[str, Any]] = []
    for i in range(rounds):
        if i % 2 == 0:
            xs.append(a())
            ys.append(b())
        else:
            ys.append(b())
            xs.append(a())
    return xs, ys


def _each(runs: list[dict[str, Any]], key: str = "cpu") -> str:
    """Every round's figure, in the order run: the spread on a shared machine."""
    return "/".join(f"{r[key]:.2f}" for r in runs)


def med(runs: list[dict[str, Any]], key: str = "cpu") -> float:
    return float(statistics.median(r[key] for r in runs))


def estate(instances: int, folder: str, utf8: bool = False) -> tuple[str, str, str]:
    """(YAML path, snapshot folder, size label) of generate.py's estate with `instances` instances
    (`utf8`: its snapshot's instances have a tag that is not ASCII, written as UTF-8)."""
    from generate import generate, to_yaml, write_snapshot

    vpcs = max(1, instances // 400)
    yaml_path = os.path.join(folder, f"estate-{vpcs}.yaml")
    snap = os.path.join(folder, f"estate-{vpcs}" + ("-utf8" if utf8 else ""))
    if not os.path.exists(yaml_path) or not os.path.exists(snap):
        design = generate(vpcs, 40, 10)
        if not os.path.exists(yaml_path):
            with open(yaml_path, "w", encoding="utf-8") as fh:
                fh.write(to_yaml(design))
        write_snapshot(design, snap, utf8)
        del design
    label = f"{vpcs} VPCs/{vpcs * 40:,} subnets/{vpcs * 400:,} inst." + (" UTF-8" if utf8 else "")
    return yaml_path, snap, label


def cold_start(rounds: int, tree: str | None = None) -> tuple[list[float], list[float], bool]:
    """Child CPU (user + sys) of `vpcsim trace` and of `python3 -c "import yaml"` (or, with `tree`,
    of the same trace with that tree's package), alternately, with .pyc files written first into
    a temporary PYTHONPYCACHEPREFIX."""
    import resource

    cache = tempfile.mkdtemp(prefix="vpcsim-pyc-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    scenario = os.path.join(ROOT, "scenarios", "basic-vpc.yaml")
    # -P: not the working folder first on sys.path, so that a --base tree's PYTHONPATH is the package
    # imported (both run in ROOT, so both find its pyproject.toml).
    trace = [sys.executable, "-P", "-m", "vpcsim.cli", "trace", "--design", scenario, "internet", "web-a", "443", "--text"]
    base = [sys.executable, "-c", "import yaml"] if tree is None else list(trace)

    def cpu(cmd: list[str]) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, env={**env, "PYTHONPATH": tree if cmd is base and tree else ROOT}, cwd=ROOT, check=True,
                       capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    cpu(trace)  # writes the bytecode caches, as pip install's compileall would
    cpu(base)
    cached = any(name.endswith(".pyc") for _, _, names in os.walk(cache) for name in names)
    xs: list[float] = []
    ys: list[float] = []
    for i in range(rounds):
        pair = (trace, base) if i % 2 == 0 else (base, trace)
        for cmd in pair:
            (xs if cmd is trace else ys).append(cpu(cmd))
    shutil.rmtree(cache, ignore_errors=True)
    return xs, ys, cached


def main() -> int:
    parser = common_args(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--instances", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="load,trace,reach,exposure,cold")
    parser.add_argument("--base", metavar="DIR", help="a tree whose package is the 'before' side of load, reach and exposure")
    parser.add_argument("--keep", metavar="DIR", help="write (and reuse) the estates here instead of a temp folder")
    parser.add_argument("--utf8", action="store_true",
                        help="the snapshot's instances have a tag that is not ASCII (as the CLI writes it: UTF-8)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    facts = machine_facts()
    print_facts(facts)
    figures = Figures("scale")
    folder = args.keep or tempfile.mkdtemp(prefix="vpcsim-scale-")
    os.makedirs(folder, exist_ok=True)
    yaml_path, snap, size = estate(args.instances, folder, args.utf8)
    r = args.rounds
    cmd = f"{ME} --instances {args.instances} --rounds {r}"
    pyc = tempfile.mkdtemp(prefix="vpcsim-pyc-")
    _, small, _ = estate(400, folder)
    for tree in (ROOT, *([args.base] if args.base else [])):
        _PYC[tree] = os.path.join(pyc, str(len(_PYC)))
        child("load", small, tree)  # writes the tree's (and the standard library's) caches
    if "load" in only:
        vs, js = paired(lambda: child("load", snap), lambda: child("json.loads", snap), r)
        ratio = med(vs) / med(js)
        figures.add(Figure("snapshot load (vpcsim.load)", size, med(vs), "s", "json.loads, same files", med(js),
                           1 / ratio, "<= 3x json.loads", ratio <= 3, cmd,
                           f"{ratio:.2f}x json.loads; rounds {_each(vs)} s against {_each(js)} s"))
        ps, cs = paired(lambda: child("load", snap, pure=True), lambda: child("load", snap), r)
        figures.add(Figure("snapshot load, plain Python", size, med(ps), "s", "compiled (setup.py), same run",
                           med(cs), med(cs) / med(ps), "(context)", None, cmd,
                           f"VPCSIM_PURE_PYTHON=1: {med(ps) / med(js):.2f}x json.loads; compiled modules in use: "
                           f"{child('compiled', small)['compiled'] or 'none'}"))
        if args.base:
            ns, bs = paired(lambda: child("load", snap), lambda: child("load", snap, args.base), r)
            figures.add(Figure("snapshot load, against --base", size, med(ns), "s", "same, --base tree", med(bs),
                               med(bs) / med(ns), "faster", med(ns) < med(bs), cmd,
                               f"rounds {_each(ns)} s against {_each(bs)} s; peak RSS {med(ns, 'rss_mb'):.0f} MB, "
                               f"--base {med(bs, 'rss_mb'):.0f} MB"))
        rss = med(vs, "rss_mb")
        figures.add(Figure("snapshot load, peak RSS", size, rss, "MB", "json.loads process", med(js, "rss_mb"),
                           None, "<= 700 MB at 100k", rss <= 700 if args.instances >= 100_000 else None, cmd))
        ys = [child("load", yaml_path) for _ in range(r)] if not args.base else []
        if args.base:
            ys, bs = paired(lambda: child("load", yaml_path), lambda: child("load", yaml_path, args.base), r)
            figures.add(Figure("YAML load (vpcsim.load)", size, med(ys), "s", "same, --base tree", med(bs),
                               med(bs) / med(ys), "no slower", med(ys) <= med(bs) * 1.05, cmd))
        else:
            figures.add(Figure("YAML load (vpcsim.load)", size, med(ys), "s", "-", None, None, "(context)", None, cmd))
        figures.add(Figure("YAML load, peak RSS", size, med(ys, "rss_mb"), "MB", "-", None, None, "(context)", None,
                           cmd))
    if "trace" in only:
        ts, ws = paired(lambda: child("trace", yaml_path), lambda: child("walk", yaml_path), r)
        kinds = " / ".join(f"{statistics.median(t['per_kind'][k] for t in ts):.1f}" for k in range(5))
        figures.add(Figure("warm explained trace (median of 5 kinds)", size, med(ts), "us", "the walk, same flows",
                           med(ws), med(ws) / med(ts), "<= 25 us", med(ts) <= 25, cmd,
                           f"per kind {kinds} us (internet -> web, same VPC, peering, NAT gateway, blocked); "
                           "9 (or 3) pairs of endpoints of the same kinds in turn, the network's classes built"))
    if "reach" in only:
        if args.base:
            ns, bs = paired(lambda: child("reach", yaml_path), lambda: child("reach", yaml_path, args.base), r)
        else:
            ns, bs = [child("reach", yaml_path)], []
        note = f"{ns[0]['groups']} row groups, {ns[0]['class_pairs']:,} class pairs, {ns[0]['cells']:,} cells"
        figures.add(Figure("reach --by subnet", size, med(ns), "s", "same, --base tree" if bs else "-",
                           med(bs) if bs else None, med(bs) / med(ns) if bs else None, "<= 10 s at 20k, 120 s at 100k",
                           {20_000: med(ns) <= 10, 100_000: med(ns) <= 120}.get(args.instances), cmd, note))
    if "exposure" in only:
        runs: dict[str, list[dict[str, Any]]] = {"exposure": [], "exposure:unfrozen": [], "exposure:untuned": []}
        for i in range(r):
            order = list(runs) if i % 2 == 0 else list(reversed(runs))
            for what in order:
                runs[what].append(child(what, yaml_path))
        plain = med(runs["exposure"])
        for what, label in (("exposure", "exposure (load froze the design, analysis tuned the collector)"),
                            ("exposure:unfrozen", "exposure, gc.unfreeze() after load"),
                            ("exposure:untuned", "exposure, collector left at its thresholds")):
            value = med(runs[what])
            figures.add(Figure(label, size, value, "s", "as shipped" if what != "exposure" else "-",
                               plain if what != "exposure" else None, plain / value if what != "exposure" else None,
                               "<= 4 s at 200k", value <= 4 if args.instances >= 200_000 else None, cmd))
        if args.base:
            ns, bs = paired(lambda: child("exposure", yaml_path), lambda: child("exposure", yaml_path, args.base), r)
            figures.add(Figure("exposure, against --base", size, med(ns), "s", "same, --base tree", med(bs),
                               med(bs) / med(ns), "faster", med(ns) < med(bs), cmd))
    if "cold" in only:
        xs, ys, cached = cold_start(max(r, 10))
        ratio = statistics.median(xs) / statistics.median(ys)
        figures.add(Figure("cold start: vpcsim trace --text (CPU)", "basic-vpc", statistics.median(xs), "s",
                           'python3 -c "import yaml"', statistics.median(ys), 1 / ratio, "<= 3x",
                           ratio <= 3, cmd, f"{ratio:.2f}x; .pyc present: {cached}"))
        if args.base:
            xs, ys, cached = cold_start(max(r, 10), args.base)
            figures.add(Figure("cold start, against --base", "basic-vpc", statistics.median(xs), "s",
                               "same trace, --base tree", statistics.median(ys),
                               statistics.median(ys) / statistics.median(xs), "no slower",
                               statistics.median(xs) <= statistics.median(ys) * 1.05, cmd,
                               f".pyc present: {cached}"))
    report(figures, args, facts, {"estate": size, "folder": folder})
    shutil.rmtree(pyc, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
