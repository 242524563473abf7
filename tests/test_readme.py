"""The README's examples work as written: its design loads, its promises hold, its commands run."""

from __future__ import annotations

import re
from pathlib import Path

import vpcsim
from vpcsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```yaml\n(.*?)```", README, re.S)


def _write_example(tmp_path: Path) -> Path:
    design = tmp_path / "vpcsim.yaml"
    design.write_text(next(b for b in BLOCKS if b.startswith("region:")))
    (tmp_path / "vpcsim.assertions.yaml").write_text(next(b for b in BLOCKS if b.startswith("# vpcsim.assertions")))
    return design


def test_readme_design_traces(tmp_path: Path) -> None:
    net = vpcsim.load(_write_example(tmp_path))
    assert net.trace("internet", "web-a", 443).reachable
    assert net.trace("db-a", "internet", 443).reachable  # through the NAT gateway
    assert not net.trace("internet", "db-a", 5432).reachable


def test_readme_promises_hold(tmp_path: Path) -> None:
    assert main(["check", str(_write_example(tmp_path))]) == 0


def test_readme_quick_start_command_is_the_documented_one() -> None:
    assert "vpcsim trace --design scenarios/basic-vpc.yaml internet web-a 443" in README
    assert "bash tests/run" in README
    assert "tests/run" in (ROOT / ".ci" / "run").read_text()
