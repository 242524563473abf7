"""Shared timing helpers for vpcsim's benchmarks; benchmarks/README.md describes the method.

Every figure is a comparison made inside one run on one machine: a vpcsim operation and its
baseline are timed alternately (vpcsim first on even repeats, the baseline first on odd
ones, so drift in the machine's speed hits both alike), several repeats each, with the
garbage collector off while a sample runs. Each sample is the mean time of one call over
enough calls to last `min_time` seconds, divided by the operations one call performs. A
time is the median of its samples; a speedup is the median over repeats of the ratio
baseline/vpcsim within one repeat (the two samples of a repeat are taken back to back, so
a burst of load from another process mostly hits both), which on a shared machine is
steadier than the ratio of the two medians (also kept, in the JSON, as `ratio_of_medians`):

    from common import Results, at_least, compare

    results = Results("core")
    cmp = compare(lambda: fast(items), lambda: slow(items), ops=len(items))
    results.add("thing", "1k", cmp, "plain loop", at_least(4))
    print(results.table())

Nothing here knows about vpcsim: the other benchmark scripts use it as well.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "PEAK_RSS_KB",
    "SAME_KIND",
    "Comparison",
    "Result",
    "Results",
    "Target",
    "at_least",
    "at_most_time",
    "compare",
    "machine_facts",
    "measure",
    "print_facts",
    "same_kind",
]

# Source for a measuring child (`python3 -c`): peak_rss_kb(), the child's own high-water mark
# (VmHWM). ru_maxrss is not its own: Linux carries it across exec, so the child of a large parent
# (one that just generated a 100,000-instance estate) reports at least the parent's size.
PEAK_RSS_KB = """
def peak_rss_kb():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

# Source for a measuring child too: same_kind(net, name, most=3), `name` and up to `most - 1`
# other instances of its subnet that generate.py gives the same security groups (every second one
# in a private subnet), or the internet alone. A warm trace goes round pairs of such endpoints
# (vpcsim.plans writes a trace from an earlier walk of the same kinds), not one flow again.
SAME_KIND = """
def same_kind(net, name, most=3):
    if name == "internet":
        return [name]
    stem, _, index = name.rpartition("-i")
    want = net.design.interfaces[net.design.instances[name].interfaces[0]].security_groups
    out = [name]
    for k in range(int(index) + 1, int(index) + 20):
        other = net.design.instances.get(f"{stem}-i{k}")
        if other is not None and net.design.interfaces[other.interfaces[0]].security_groups == want:
            out.append(other.name)
        if len(out) == most:
            break
    return out
"""
_scope: dict[str, Any] = {}
exec(SAME_KIND, _scope)  # noqa: S102 (our own source, above)
same_kind: Callable[..., list[str]] = _scope["same_kind"]


@dataclass(frozen=True)
class Target:
    """A goal on the speedup (baseline time / vpcsim time)."""

    min_speedup: float
    label: str

    def met(self, speedup: float) -> bool:
        return speedup >= self.min_speedup


def at_least(times: float) -> Target:
    """vpcsim must be at least `times` x faster than the baseline."""
    return Target(times, f">= {times:g}x faster")


def at_most_time(times: float) -> Target:
    """vpcsim may take at most `times` x the baseline's time (speedup >= 1/times)."""
    return Target(1 / times, f"<= {times:g}x time")


def _sample(fn: Callable[[], object], number: int, ops: int) -> float:
    """Nanoseconds per operation over `number` calls of fn, each doing `ops` operations."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.process_time()
        for _ in range(number):
            fn()
        elapsed = time.process_time() - start
    finally:
        if enabled:
            gc.enable()
    return elapsed / (number * ops) * 1e9


def _calibrate(fn: Callable[[], object], min_time: float) -> int:
    """How many calls of fn (already warmed up) make one sample last at least min_time seconds."""
    number = 1
    while True:
        start = time.process_time()
        for _ in range(number):
            fn()
        elapsed = time.process_time() - start
        if elapsed >= min_time or number >= 1 << 20:
            return number
        number = max(number * 2, int(number * min_time / max(elapsed, 1e-9) * 1.1))


def measure(fn: Callable[[], object], *, ops: int = 1, repeats: int = 9, min_time: float = 0.02) -> list[float]:
    """Samples (ns per operation) of fn alone, after one warm-up call."""
    fn()
    number = _calibrate(fn, min_time)
    return [_sample(fn, number, ops) for _ in range(repeats)]


@dataclass
class Comparison:
    """Interleaved samples of a vpcsim operation and its baseline, in ns per operation."""

    vpcsim: list[float]
    baseline: list[float]

    @property
    def vpcsim_ns(self) -> float:
        return statistics.median(self.vpcsim)

    @property
    def baseline_ns(self) -> float:
        return statistics.median(self.baseline)

    @property
    def speedup(self) -> float:
        """Median over repeats of baseline/vpcsim within the repeat: above 1 means vpcsim is faster."""
        return statistics.median(b / v for v, b in zip(self.vpcsim, self.baseline, strict=True))

    @property
    def spread(self) -> float:
        """Largest relative distance of a sample from its median, over both sides (noise gauge)."""
        worst = 0.0
        for xs in (self.vpcsim, self.baseline):
            m = statistics.median(xs)
            worst = max(worst, *(abs(x - m) / m for x in xs))
        return worst


def compare(
    vpcsim: Callable[[], object],
    baseline: Callable[[], object],
    *,
    ops: int,
    baseline_ops: int | None = None,
    repeats: int = 9,
    min_time: float = 0.02,
) -> Comparison:
    """Time vpcsim and baseline alternately; each call does `ops` (`baseline_ops`) operations.

    Both are called once first (warm caches, lazy builds), and each gets its own call count
    so that one sample lasts at least min_time seconds.
    """
    base_ops = ops if baseline_ops is None else baseline_ops
    vpcsim()
    baseline()
    nv = _calibrate(vpcsim, min_time)
    nb = _calibrate(baseline, min_time)
    vs: list[float] = []
    bs: list[float] = []
    for i in range(repeats):
        if i % 2 == 0:
            vs.append(_sample(vpcsim, nv, ops))
            bs.append(_sample(baseline, nb, base_ops))
        else:
            bs.append(_sample(baseline, nb, base_ops))
            vs.append(_sample(vpcsim, nv, ops))
    return Comparison(vs, bs)


@dataclass
class Result:
    """One row of a benchmark table."""

    operation: str
    size: str
    vpcsim_ns: float
    baseline: str
    baseline_ns: float | None
    speedup: float | None = None
    target: Target | None = None
    note: str = ""
    spread: float | None = None

    @property
    def met(self) -> bool | None:
        s = self.speedup
        return None if self.target is None or s is None else self.target.met(s)

    def as_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "size": self.size,
            "vpcsim_ns": round(self.vpcsim_ns, 2),
            "baseline": self.baseline,
            "baseline_ns": None if self.baseline_ns is None else round(self.baseline_ns, 2),
            "speedup": None if self.speedup is None else round(self.speedup, 3),
            "ratio_of_medians": None if self.baseline_ns is None else round(self.baseline_ns / self.vpcsim_ns, 3),
            "target": None if self.target is None else self.target.label,
            "target_min_speedup": None if self.target is None else round(self.target.min_speedup, 4),
            "met": self.met,
            "spread": None if self.spread is None else round(self.spread, 3),
            "note": self.note,
        }


@dataclass
class Results:
    """The rows of one benchmark script, printable as a table and writable as JSON."""

    section: str
    rows: list[Result] = field(default_factory=list)

    def add(
        self,
        operation: str,
        size: str,
        cmp: Comparison,
        baseline: str,
        target: Target | None = None,
        note: str = "",
    ) -> Result:
        row = Result(operation, size, cmp.vpcsim_ns, baseline, cmp.baseline_ns, cmp.speedup, target, note, cmp.spread)
        self.rows.append(row)
        return row

    def add_single(self, operation: str, size: str, samples: list[float], note: str = "") -> Result:
        """A row with no baseline (a build time, say)."""
        m = statistics.median(samples)
        spread = max(abs(x - m) / m for x in samples) if m else 0.0
        row = Result(operation, size, m, "-", None, None, None, note, spread)
        self.rows.append(row)
        return row

    def table(self) -> str:
        head = ("operation", "size", "vpcsim ns/op", "baseline", "baseline ns/op", "speedup", "target", "met?")
        lines = [head]
        for r in self.rows:
            lines.append(
                (
                    r.operation,
                    r.size,
                    _ns(r.vpcsim_ns),
                    r.baseline,
                    "-" if r.baseline_ns is None else _ns(r.baseline_ns),
                    "-" if r.speedup is None else f"{r.speedup:.2f}x",
                    "-" if r.target is None else r.target.label,
                    {True: "yes", False: "NO", None: "-"}[r.met],
                )
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        out = []
        for n, line in enumerate(lines):
            out.append(" | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
            if n == 0:
                out.append("-+-".join("-" * w for w in widths))
        return "\n".join(out)

    def markdown(self) -> str:
        out = [
            "| operation | size | vpcsim ns/op | baseline | baseline ns/op | speedup | target | met? |",
            "| --- | --- | ---: | --- | ---: | ---: | --- | --- |",
        ]
        for r in self.rows:
            speed = "-" if r.speedup is None else f"{r.speedup:.2f}x"
            base = "-" if r.baseline_ns is None else _ns(r.baseline_ns)
            target = "-" if r.target is None else r.target.label
            met = {True: "yes", False: "**no**", None: "-"}[r.met]
            out.append(
                f"| {r.operation} | {r.size} | {_ns(r.vpcsim_ns)} | {r.baseline} | {base} | {speed} | {target} | {met} |"
            )
        return "\n".join(out)

    def write_json(
        self, path: str, *, command: str, facts: dict[str, Any], extra: dict[str, Any] | None = None
    ) -> None:
        doc = {
            "section": self.section,
            "command": command,
            "machine": facts,
            "rows": [r.as_dict() for r in self.rows],
            **(extra or {}),
        }
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2)
            fh.write("\n")


def _ns(value: float) -> str:
    if value >= 100_000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}"


def machine_facts() -> dict[str, Any]:
    """What the figures were measured on: `nproc`, the `lscpu` lines that matter, versions, load."""
    facts: dict[str, Any] = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
    }
    nproc = _run(["nproc"])
    facts["nproc"] = int(nproc) if nproc.isdigit() else os.cpu_count()
    wanted = ("Model name", "CPU(s)", "Thread(s) per core", "L2 cache", "L3 cache", "Hypervisor vendor")
    for line in _run(["lscpu"]).splitlines():
        key, _, value = line.partition(":")
        if key.strip() in wanted:
            facts[key.strip()] = value.strip()
    for module in ("numpy", "pytricia", "netaddr"):
        facts[module] = _version(module)
    if hasattr(os, "getloadavg"):
        facts["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return facts


def _run(cmd: list[str]) -> str:
    if shutil.which(cmd[0]) is None:
        return ""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _version(module: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(module)
    except metadata.PackageNotFoundError:
        return None


def print_facts(facts: dict[str, Any], file: Any = None) -> None:
    out = file or sys.stdout
    parts = [f"{k}={v}" for k, v in facts.items()]
    print("# machine: " + "; ".join(parts), file=out)
