"""Compare benchmark figures of the working tree with another commit, measured in the same run.

    python3 benchmarks/compare_refs.py --base REF [--new REF] [--rounds 3] [--markdown] bench_trace.py bench_analyse.py ...

Each named script runs alternately from a temporary git worktree of REF (its own copy of the
script, with PYTHONPATH pointing at that tree) and from this tree, `--rounds` times each, so
that load from other jobs on a shared machine hits both. For every row both runs report, it
prints the median of each side and the ratio new/old (for times, < 1 is faster; for a
throughput such as flows/s the ratio is inverted so that > 1 always means "worse"). A row more
than `--tolerance` (default 10%) worse is flagged. Extra arguments for the scripts go after
`--` (e.g. `-- --flows 20000`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HIGHER_IS_BETTER = {"flows/s", "x"}


def _rows(path: str) -> dict[tuple[str, str], tuple[float, str]]:
    """(operation, size) -> (value, unit) from either JSON shape the bench scripts write."""
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    out: dict[tuple[str, str], tuple[float, str]] = {}
    for row in doc.get("rows", []):
        if "vpcsim_ns" in row:  # common.Results
            out[(row["operation"], row["size"])] = (float(row["vpcsim_ns"]), "ns")
        elif "value" in row and row.get("value") is not None:  # bench_load.Figures
            out[(row["measure"], row["size"])] = (float(row["value"]), row["unit"])
    return out


def _run(tree: str, script: str, extra: list[str], out: str) -> None:
    env = dict(os.environ, PYTHONPATH=tree)
    cmd = [sys.executable, os.path.join(tree, "benchmarks", script), "--json", out, *extra]
    subprocess.run(cmd, cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--base", required=True, help="the commit to compare with (any git ref)")
    parser.add_argument("--new", help="compare this commit instead of the working tree")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each script per side (default 3)")
    parser.add_argument("--tolerance", type=float, default=0.10, help="flag rows worse by more than this")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("scripts", nargs="+", help="benchmark scripts (names in benchmarks/); extra args after --")
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="vpcsim-compare-")
    base_tree = os.path.join(tmp, "base")
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", base_tree, args.base], check=True,
                   stdout=subprocess.DEVNULL)
    new_tree = ROOT
    if args.new:
        new_tree = os.path.join(tmp, "new")
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", new_tree, args.new], check=True,
                       stdout=subprocess.DEVNULL)
    # The same harness on both sides (how a sample is timed), so only the package differs.
    for tree in (base_tree, new_tree):
        if tree != ROOT:
            shutil.copy(os.path.join(ROOT, "benchmarks", "common.py"), os.path.join(tree, "benchmarks", "common.py"))
    samples: dict[tuple[str, str, str], dict[str, list[float]]] = {}
    units: dict[tuple[str, str, str], str] = {}
    try:
        for script in args.scripts:
            for i in range(args.rounds):
                order = [("old", base_tree), ("new", new_tree)] if i % 2 == 0 else [("new", new_tree), ("old", base_tree)]
                for side, tree in order:
                    out = os.path.join(tmp, f"{side}-{i}.json")
                    _run(tree, script, extra, out)
                    for (op, size), (value, unit) in _rows(out).items():
                        key = (script, op, size)
                        samples.setdefault(key, {"old": [], "new": []})[side].append(value)
                        units[key] = unit
                print(f"{script}: round {i + 1} of {args.rounds} done", file=sys.stderr)
    finally:
        for tree in (base_tree, new_tree):
            if tree != ROOT:
                subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", tree], check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    lines = ["| script | row | size | old | new | unit | worse by | flag |", "| --- | --- | --- | ---: | ---: | --- | ---: | --- |"]
    worst: list[Any] = []
    for key, sides in samples.items():
        if not sides["old"] or not sides["new"]:
            continue
        old, new = statistics.median(sides["old"]), statistics.median(sides["new"])
        unit = units[key]
        if old == 0 or new == 0:
            continue
        worse = (old / new if unit in HIGHER_IS_BETTER else new / old) - 1
        flag = "**worse**" if worse > args.tolerance else ""
        worst.append(worse)
        lines.append(f"| {key[0]} | {key[1]} | {key[2]} | {old:,.4g} | {new:,.4g} | {unit} | {worse:+.1%} | {flag} |")
    print(f"base {args.base}, {args.rounds} rounds per side, medians; `worse by` > 0 means the working tree is worse")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
