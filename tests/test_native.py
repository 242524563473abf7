"""The modules setup.py compiles with mypyc, and the plain-Python fallback (vpcsim.native)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vpcsim import native

ROOT = Path(__file__).parents[1]
SCENARIO = ROOT / "scenarios" / "basic-vpc.yaml"
# Set by .ci/run: CI builds on a machine with a C compiler, so there the modules must be compiled
# (else every load figure in benchmarks/README.md would be of the fallback).
REQUIRE = os.environ.get("VPCSIM_REQUIRE_COMPILED") == "1"


def test_setup_compiles_what_native_names() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("_setup_under_test", ROOT / "setup.py")
    assert spec is not None and spec.loader is not None
    setup_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup_module)
    groups = setup_module._compiled()
    paths = [path for paths, _ in groups for path in paths]
    assert paths == [name.replace(".", "/") + ".py" for name in native.COMPILED]
    assert [library for _, library in groups] == [library for library, _ in native.COMPILED_GROUPS]
    for path in paths:
        assert (ROOT / path).is_file(), path


def _in_child(pure: bool) -> dict[str, object]:
    """What a fresh process imports and answers, with or without VPCSIM_PURE_PYTHON=1."""
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    if pure:
        env[native.PURE_ENV] = "1"
    code = (
        "import json, sys, vpcsim, vpcsim.native as n\n"
        "for name in n.COMPILED: __import__(name)\n"
        f"r = vpcsim.load({str(SCENARIO)!r}).trace('internet', 'web-a', 443)\n"
        "files = {name: sys.modules[name].__file__ for name in n.COMPILED}\n"
        "print(json.dumps({'in_use': n.compiled_in_use(), 'files': files, 'reachable': r.reachable,\n"
        "                  'steps': len(r.forward) + len(r.return_path)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _built() -> list[str]:
    """The compiled modules whose extension sits beside their source."""
    import importlib.machinery

    return [name for name in native.COMPILED
            if any((ROOT / (name.replace(".", "/") + suffix)).is_file()
                   for suffix in importlib.machinery.EXTENSION_SUFFIXES)]


def test_pure_python_reads_every_compiled_module_from_its_source() -> None:
    pure = _in_child(True)
    assert pure["in_use"] == []
    files = pure["files"]
    assert isinstance(files, dict) and all(str(f).endswith(".py") for f in files.values())
    assert pure["reachable"] is True


def test_the_compiled_modules_are_used_where_they_were_built() -> None:
    built = _built()
    if not built and not REQUIRE:
        pytest.skip("installed as plain Python (no compiled module beside its source)")
    assert built == list(native.COMPILED), "a partial build (setup.py removes one)"
    compiled = _in_child(False)
    assert compiled["in_use"] == list(native.COMPILED)
    pure = _in_child(True)
    assert (compiled["reachable"], compiled["steps"]) == (pure["reachable"], pure["steps"])


# -- compiled and plain give the same answers on hostile snapshots ------------------------------
# A compiled module checks at run time the types mypy took on trust (a JSON value typed Any
# passed where a str is declared raises TypeError there): every mutation must load, or fail with
# located errors, the same on both.

MINI = ROOT / "tests" / "data" / "aws" / "mini" / "aws_configs"
_ODD: list[Any] = [None, True, 0, -1, 7, 2**70, 1.5, "", "x", "10.0.0.999", "10.0.0.0/33", "running", "eni-0", "subnet-0",
        "x" * 300, [], [None], [7], {}, {"Key": 7}, {"Value": None}, [{}], [[]]]
# Each case is loaded in chunks of 300 bytes too: the chunked read, hold and quick pick are the
# compiled code a real snapshot's two large files take.
_CHILD = """
import json, sys
import vpcsim
from vpcsim.errors import DesignError
from vpcsim.importers import aws

def outcome(folder, chunked):
    aws.CHUNK_MIN_BYTES, aws.CHUNK_BYTES = (0, 300) if chunked else (REAL_MIN, REAL_BYTES)
    try:
        net = vpcsim.load(folder)
    except DesignError as exc:
        return ["error"] + [f"{d.severity} {d.code} {d.location} {d.message}" for d in exc.diagnostics]
    except Exception as exc:  # (what the test is for)
        return [f"crash {type(exc).__name__}: {exc}"]
    design = net.design
    return (["loaded", repr(design)] + [f"{n} {i.loc}" for n, i in design.interfaces.items()]
            + [f"{d.code} {d.location} {d.message}" for d in net.warnings])

REAL_MIN, REAL_BYTES = aws.CHUNK_MIN_BYTES, aws.CHUNK_BYTES
print(json.dumps([[outcome(folder, chunked) for chunked in (False, True)] for folder in sys.argv[1:]]))
"""


def _mutated(rng: random.Random, folder: Path) -> None:
    """MINI with one to three values replaced, keys dropped or list items repeated, as the CLI writes JSON."""
    files = {p.name: json.loads(p.read_text()) for p in MINI.glob("*.json")}
    for _ in range(rng.randint(1, 3)):
        name = rng.choice(sorted(n for n in files if n in ("Reservations.json", "NetworkInterfaces.json"))
                          if rng.random() < 0.6 else sorted(files))
        places = _places(files[name])
        if not places:
            continue
        parent, key = rng.choice(places)
        roll = rng.random()
        if roll < 0.15 and isinstance(parent, dict):
            del parent[key]
        elif roll < 0.25 and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
        else:
            parent[key] = json.loads(json.dumps(rng.choice(_ODD)))
    folder.mkdir()
    for name, value in files.items():
        (folder / name).write_text(json.dumps(value, indent=4) + "\n")


def _places(node: Any) -> list[tuple[Any, Any]]:
    out: list[tuple[Any, Any]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        pairs = list(item.items()) if isinstance(item, dict) else list(enumerate(item)) if isinstance(item, list) else []
        for key, value in pairs:
            out.append((item, key))
            stack.append(value)
    return out


def _outcomes(folders: list[Path], pure: bool) -> list[Any]:
    env = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    if pure:
        env[native.PURE_ENV] = "1"
    done = subprocess.run([sys.executable, "-c", _CHILD, *map(str, folders)], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result: list[Any] = json.loads(done.stdout)
    return result


def test_hostile_snapshots_load_the_same_compiled_and_pure(tmp_path: Path) -> None:
    rng = random.Random(20261204)
    folders = []
    for index in range(400):
        folder = tmp_path / f"case{index}"
        _mutated(rng, folder)
        folders.append(folder)
    compiled, pure = _outcomes(folders, False), _outcomes(folders, True)
    crashes = [(str(folder), case) for outcomes in (compiled, pure)
               for folder, cases in zip(folders, outcomes, strict=True) for case in cases if case[0].startswith("crash")]
    assert crashes == []
    for folder, mine, theirs in zip(folders, compiled, pure, strict=True):
        assert mine == theirs, folder
    kinds = {case[0] for cases in compiled for case in cases}
    assert kinds == {"loaded", "error"}  # (both kinds: the mutations reach past the first check)
