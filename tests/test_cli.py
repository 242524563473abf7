"""The CLI as a user runs it: exit codes, JSON shape, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vpcsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASIC = str(ROOT / "scenarios" / "basic-vpc.yaml")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vpcsim.cli", *args], capture_output=True, text=True, timeout=60)


def test_trace_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--design", BASIC, "internet", "web-a", "443", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["reachable"] is True
    assert doc["disposition"] == "ACCEPTED"
    assert [hop["kind"] for hop in doc["forward"]] == ["internet", "internet_gateway", "vpc_router", "subnet", "eni"]
    assert doc["return"][-1]["kind"] == "internet"
    assert doc["blocked_by"] == []
    nat = doc["forward"][1]["steps"][0]
    assert nat["kind"] == "address_translation" and nat["before"]["dst"] != nat["after"]["dst"]


def test_blocked_trace_exits_zero_and_names_blockers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--design", BASIC, "internet", "db-primary", "5432", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["reachable"] is False
    assert doc["blocked_by"] and all(b["code"] for b in doc["blocked_by"])


def test_text_rendering_shows_rules_and_locations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--design", BASIC, "internet", "web-a", "443", "--text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("REACHABLE")
    assert "basic-vpc.yaml:" in out and "rule " in out and "destination NAT" in out


def test_rich_rendering(tmp_path: Path) -> None:
    import io

    import vpcsim
    from vpcsim.render import trace_rich

    result = vpcsim.load(BASIC).trace("internet", "db-primary", 5432)
    buffer = io.StringIO()
    trace_rich(result, file=buffer)
    text = buffer.getvalue()
    assert "NOT REACHABLE" in text and "blocked by" in text


def test_unknown_endpoint_exits_3() -> None:
    proc = run("trace", "--design", BASIC, "nope", "web-a", "443")
    assert proc.returncode == 3
    assert "endpoint 'nope'" in proc.stderr and "Traceback" not in proc.stderr


def test_usage_errors_exit_2() -> None:
    assert run("trace", "--design", BASIC, "internet", "web-a", "70000").returncode == 2
    proc = run("trace", "--design", BASIC, "internet", "web-a", "443", "--protocol", "bogus")
    assert proc.returncode == 2 and "unknown protocol" in proc.stderr
    assert run("frobnicate").returncode == 2


def test_invalid_design_exits_3_with_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("region: eu-west-1\nvpcs:\n  prod: {cidrs: [10.0.0.1/16]}\n")
    proc = run("trace", "--design", str(bad), "internet", "x", "443")
    assert proc.returncode == 3
    assert f"{bad}:3:" in proc.stderr and "host bits set" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_default_design_exits_3(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "vpcsim.cli", "trace", "internet", "x", "443"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 3 and "vpcsim.yaml" in proc.stderr


def test_validate_and_schema_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", BASIC]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("http://json-schema.org/draft-07")


def test_no_design_and_no_default_file_says_how_to_name_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # a first run: no ./vpcsim.yaml, no --design
    assert main(["trace", "internet", "web-a", "443"]) == 3
    err = capsys.readouterr().err
    assert "no design given and there is no ./vpcsim.yaml here" in err and "--design FILE" in err
