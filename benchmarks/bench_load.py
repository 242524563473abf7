"""Benchmark loading: reading, validating and compiling the target design, its peak memory, and the
cold start of `vpcsim trace`, each against a baseline measured in the same run.

    python3 benchmarks/bench_load.py [--json FILE] [--design FILE] [--repeats N]

- read: vpcsim's located tree (built from libyaml's event stream) vs `yaml.load` with
  CSafeLoader (no locations) and the pure-Python SafeLoader's `compose` (locations, slow);
- load: `vpcsim.load` (read + build + validate + compile) vs `yaml.load` CSafeLoader, <= 5 s;
- memory: ru_maxrss of a process that loads the design vs one that only `yaml.load`s it, <= 1 GB;
- cold start: median of 10 `vpcsim trace` runs on a small scenario vs `python3 -c pass`, <= 0.3 s;
  and which heavy modules (networkx, numpy, rich) a trace imports (none, with --text).

Every load runs in a fresh subprocess (so its memory is its own); times are medians over
--repeats runs, alternating vpcsim and baseline. Also hosts `Figure`/`Figures`, the table the
bench_trace, bench_analyse and bench_scaling scripts print. About 1-2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from common import PEAK_RSS_KB, machine_facts, print_facts  # noqa: E402

# -- the figures table (shared by the bench_* scripts of the Load/Traces/Exposure/Scaling sections) --


@dataclass
class Figure:
    """One measured figure: vpcsim's median, the baseline's, their ratio, and the target."""

    measure: str
    size: str
    value: float
    unit: str  # 's', 'ms', 'us', 'MB', 'flows/s'
    baseline: str
    baseline_value: float | None
    ratio: float | None  # how many times better vpcsim is than the baseline (> 1: better)
    target: str
    met: bool | None
    command: str
    note: str = ""


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "flows/s":
        return f"{value:,.0f} {unit}"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


@dataclass
class Figures:
    section: str
    rows: list[Figure] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.rows.append(figure)
        return figure

    def table(self) -> str:
        head = ("measure", "size", "vpcsim", "baseline", "baseline value", "ratio", "target", "met")
        lines = [head]
        for r in self.rows:
            lines.append((r.measure, r.size, _num(r.value, r.unit), r.baseline, _num(r.baseline_value, r.unit),
                          "-" if r.ratio is None else f"{r.ratio:,.2f}x", r.target,
                          {True: "yes", False: "NO", None: "-"}[r.met]))
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        out = []
        for n, line in enumerate(lines):
            out.append(" | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
            if n == 0:
                out.append("-+-".join("-" * w for w in widths))
        notes = [f"  [{r.measure}] {r.note}" for r in self.rows if r.note]
        return "\n".join(out + (["notes:", *notes] if notes else []))

    def markdown(self) -> str:
        out = ["| measure | size | vpcsim | baseline | baseline value | ratio | target | met |",
               "| --- | --- | ---: | --- | ---: | ---: | --- | --- |"]
        for r in self.rows:
            met = {True: "yes", False: "**no**", None: "-"}[r.met]
            ratio = "-" if r.ratio is None else f"{r.ratio:,.2f}x"
            target = r.target.replace("<", "&lt;").replace(">", "&gt;")
            out.append(f"| {r.measure} | {r.size} | {_num(r.value, r.unit)} | {r.baseline} | "
                       f"{_num(r.baseline_value, r.unit)} | {ratio} | {target} | {met} |")
        return "\n".join(out)

    def write_json(self, path: str, *, command: str, facts: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
        doc = {"section": self.section, "command": command, "machine": facts,
               "rows": [asdict(r) for r in self.rows], **(extra or {})}
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2)
            fh.write("\n")


def common_args(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    return parser


def generated(vpcs: int, subnets: int, instances: int, directory: str) -> str:
    """Path of a generated design (benchmarks/generate.py), written once into `directory`."""
    from generate import generate, to_yaml

    path = os.path.join(directory, f"gen-{vpcs}x{subnets}x{instances}.yaml")
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(to_yaml(generate(vpcs, subnets, instances)))
    return path


def run_python(code: str, *args: str, timeout: float = 600) -> dict[str, Any]:
    """Run `code` in a fresh interpreter; it prints one JSON object, which is returned."""
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"subprocess failed ({proc.returncode}): {proc.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def report(figures: Figures, args: argparse.Namespace, facts: dict[str, Any], extra: dict[str, Any] | None = None) -> None:
    print(figures.table())
    if args.markdown:
        print()
        print(figures.markdown())
    if args.json:
        command = shlex.join([os.path.relpath(sys.argv[0], ROOT) if os.path.isabs(sys.argv[0]) else sys.argv[0],
                              *sys.argv[1:]])
        figures.write_json(args.json, command=f"python3 {command}", facts=facts, extra=extra)
        print(f"wrote {args.json}")


# -- the loads --------------------------------------------------------------------------------------

_MEASURE = PEAK_RSS_KB + """
import json, sys, time
path, what = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if what == "vpcsim.load":
    import vpcsim
    net = vpcsim.load(path)
    size = len(net.design.interfaces)
elif what == "reader":
    from vpcsim.loader.reader import load_file
    load_file(path)
    size = 0
elif what == "csafe":
    import yaml
    with open(path, encoding="utf-8") as fh:
        yaml.load(fh.read(), Loader=yaml.CSafeLoader)
    size = 0
elif what == "compose":
    import yaml
    with open(path, encoding="utf-8") as fh:
        yaml.compose(fh.read(), Loader=yaml.SafeLoader)
    size = 0
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "maxrss_kb": peak_rss_kb(), "size": size}))
"""


def load_runs(path: str, what: str, repeats: int) -> list[dict[str, Any]]:
    return [run_python(_MEASURE, path, what) for _ in range(repeats)]


def interleaved(path: str, a: str, b: str, repeats: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    xs: list[dict[str, Any]] = []
    ys: list[dict[str, Any]] = []
    for i in range(repeats):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        r1, r2 = run_python(_MEASURE, path, first), run_python(_MEASURE, path, second)
        (xs if first == a else ys).append(r1)
        (ys if first == a else xs).append(r2)
    return xs, ys


def median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def cold_start(repeats: int = 10) -> tuple[list[float], list[float], list[str]]:
    """Wall time of `vpcsim trace` on a small scenario and of `python3 -c pass`, alternately."""
    import time

    exe = shutil.which("vpcsim")
    scenario = os.path.join(ROOT, "scenarios", "basic-vpc.yaml")
    trace_cmd = ([exe] if exe else [sys.executable, "-m", "vpcsim.cli"]) + [
        "trace", "--design", scenario, "internet", "web-a", "443", "--text"]
    base_cmd = [sys.executable, "-c", "pass"]
    vs: list[float] = []
    bs: list[float] = []
    for i in range(repeats + 1):
        for cmd, out in ((trace_cmd, vs), (base_cmd, bs)) if i % 2 == 0 else ((base_cmd, bs), (trace_cmd, vs)):
            start = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT)
            if i > 0:  # the first round warms the OS page cache
                out.append(time.perf_counter() - start)
    probe = ("import sys, io, contextlib, vpcsim.cli\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    vpcsim.cli.main(['trace', '--design', {scenario!r}, 'internet', 'web-a', '443', '--text'])\n"
             "import json; print(json.dumps(sorted(m for m in ('networkx', 'numpy', 'rich') "
             "if m in sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    heavy = json.loads(proc.stdout.strip().splitlines()[-1])
    return vs, bs, heavy


def main(argv: list[str] | None = None) -> int:
    parser = common_args(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--design", help="design to load (default: the generated 50 x 40 x 10 target design)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per load measurement (default 3)")
    args = parser.parse_args(argv)
    facts = machine_facts()
    print_facts(facts)
    tmp = tempfile.mkdtemp(prefix="vpcsim-bench-")
    path = args.design or generated(50, 40, 10, tmp)
    mb = os.path.getsize(path) / 1e6
    size = f"{mb:.1f} MB" + ("" if args.design else ", 50 VPCs/2,000 subnets/20,000 inst.")
    me = "python3 benchmarks/bench_load.py"
    figures = Figures("load")
    r = args.repeats

    reader, csafe = interleaved(path, "reader", "csafe", r)
    t_reader, t_csafe = median(reader, "seconds"), median(csafe, "seconds")
    figures.add(Figure("read YAML, located tree", size, t_reader, "s", "yaml.load CSafeLoader (no locations)",
                       t_csafe, t_csafe / t_reader, "(context)", None, me,
                       "vpcsim builds its located tree from libyaml's event stream"))
    compose = load_runs(path, "compose", max(1, r - 1))
    t_compose = median(compose, "seconds")
    figures.add(Figure("read YAML, located tree", size, t_reader, "s", "pure-Python SafeLoader compose",
                       t_compose, t_compose / t_reader, ">= 2.5x faster", t_compose / t_reader >= 2.5, me,
                       f"the pure-Python reader runs at {mb / t_compose:.2f} MB/s; vpcsim at {mb / t_reader:.2f} MB/s"))
    loads, bases = interleaved(path, "vpcsim.load", "csafe", r)
    t_load = median(loads, "seconds")
    t_base = median(bases, "seconds")
    figures.add(Figure("load + validate + compile", size, t_load, "s", "yaml.load CSafeLoader", t_base,
                       t_base / t_load, "<= 5 s", t_load <= 5.0, me,
                       f"{loads[0]['size']:,} interfaces; vpcsim also builds the model, validates and compiles it"))
    rss = median(loads, "maxrss_kb") / 1024
    rss_base = median(bases, "maxrss_kb") / 1024
    figures.add(Figure("peak memory (ru_maxrss)", size, rss, "MB", "process that only yaml.loads it", rss_base,
                       rss_base / rss, "<= 1 GB", rss <= 1024, me))
    vs, bs, heavy = cold_start(10)
    t_cold, t_pass = statistics.median(vs), statistics.median(bs)
    figures.add(Figure("cold start: vpcsim trace --text", "basic-vpc", t_cold, "s", "python3 -c pass", t_pass,
                       t_pass / t_cold, "<= 0.3 s", t_cold <= 0.3, me,
                       f"median of 10 subprocess runs; heavy modules a trace imports: {', '.join(heavy) or 'none'}"))
    report(figures, args, facts, {"design": path if args.design else "generate.py --vpcs 50 --subnets 40 --instances 10"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
