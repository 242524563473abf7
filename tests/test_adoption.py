"""Adopting vpcsim on an existing estate: baselines, one run with many outputs, pre-commit defaults."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from vpcsim.cli import main
from vpcsim.config import ConfigError, load_baseline

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture()
def estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """nat-bastion (3 lint findings) and basic-vpc with tcp 8080 opened (2 failing assertions), as cwd."""
    for path in [*SCENARIOS.glob("nat-bastion*.yaml"), *SCENARIOS.glob("basic-vpc*.yaml")]:
        shutil.copy(path, tmp_path / path.name)
    design = tmp_path / "basic-vpc.yaml"
    old = "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n"
    design.write_text(design.read_text().replace(old, old + "      - {protocol: tcp, ports: 8080, cidr: 0.0.0.0/0}\n"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    capsys.readouterr()
    code = main(["lint", *args, "-f", "json"])
    return code, json.loads(capsys.readouterr().out)


# -- lint baselines --------------------------------------------------------------------------------


def test_lint_baseline_hides_known_findings_and_fails_on_new_ones(
        estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "nat-bastion.yaml"]) == 1
    assert main(["lint", "nat-bastion.yaml", "--create-baseline", "baseline.json"]) == 0
    assert "wrote 3 known findings to baseline.json" in capsys.readouterr().err
    doc = json.loads((estate / "baseline.json").read_text())
    assert doc["command"] == "lint" and doc["vpcsim-baseline"] == 1
    assert {(e["rule"], e["resource"]) for e in doc["entries"]} == {
        ("VPC005", "private-b-acl:inbound:tcp"), ("VPC011", "subnet-tier:corp:public"), ("VPC013", "private-b:nat-a")}
    assert all("line" not in json.dumps(e) and ":4" not in e["resource"] for e in doc["entries"])

    code, report = lint_json(capsys, "nat-bastion.yaml", "--baseline", "baseline.json")
    assert code == 0 and report["ok"] is True
    assert report["baseline"]["known"] == ["VPC011 subnet-tier:corp:public", "VPC013 private-b:nat-a",
                                           "VPC005 private-b-acl:inbound:tcp"]
    assert all(f.get("known") for f in report["findings"])  # type: ignore[attr-defined, union-attr]

    # A reformat moves every line: the baseline still matches (identity, not line numbers).
    design = estate / "nat-bastion.yaml"
    design.write_text("# moved\n\n\n" + design.read_text().replace("\n  - ", "\n\n  - "))
    assert main(["lint", "nat-bastion.yaml", "--baseline", "baseline.json"]) == 0

    # A new finding fails, and only it is reported.
    design.write_text(design.read_text().replace(
        "security_groups:\n", "security_groups:\n  forgotten:\n    vpc: corp\n    ingress: []\n", 1))
    capsys.readouterr()
    assert main(["lint", "nat-bastion.yaml", "--baseline", "baseline.json", "--fail-on", "note"]) == 1
    out = capsys.readouterr().out
    assert "security group forgotten is attached to no interface" in out
    assert "VPC005" not in out and "3 known findings hidden by the baseline baseline.json" in out


def test_lint_baseline_reports_fixed_entries(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "nat-bastion.yaml", "--create-baseline", "b.json"]) == 0
    code, report = lint_json(capsys, "nat-bastion.yaml", "--baseline", "b.json", "--ignore", "VPC011")
    assert code == 0
    assert report["baseline"]["stale"] == ["VPC011 subnet-tier:corp:public"]  # type: ignore[index]
    capsys.readouterr()
    main(["lint", "nat-bastion.yaml", "--baseline", "b.json", "--ignore", "VPC011"])
    assert "1 baseline entry no longer found (fixed; refresh with --create-baseline)" in capsys.readouterr().out


def test_expired_lint_entry_fails_again(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    assert main(["lint", "nat-bastion.yaml", "--create-baseline", "b.json", "--expires", yesterday]) == 1
    out = capsys.readouterr().out
    assert f"its baseline entry expired on {yesterday}" in out
    assert "baseline entries expired" in out


def test_junit_marks_baselined_findings_skipped_with_stable_names(
        estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "nat-bastion.yaml", "--create-baseline", "b.json", "-f", "junit"]) == 0
    root = ET.fromstring(capsys.readouterr().out)
    suite = root.find("testsuite")
    assert suite is not None and suite.get("skipped") == "3" and suite.get("failures") == "0"
    skipped = [c.get("name") for c in root.iter("testcase") if c.find("skipped") is not None]
    assert "VPC005 nacl-missing-ephemeral-range: private-b-acl:inbound:tcp" in skipped


@pytest.mark.parametrize(("text", "where", "message"), [
    ('{"vpcsim-baseline": 1, "command": "lint", "entries": [{"rule": "VPC001"}]}', ":1:55",
     "entry needs a string 'resource'"),
    ('{"vpcsim-baseline": 1, "command": "check", "entries": []}', ":1:35", "this baseline is for vpcsim check"),
    ('{"vpcsim-baseline": 1, "command": "lint",\n "entries": [{"rule": "VPC001", "resource": "x",\n'
     ' "expires": "next week"}]}', ":3:13", "\"expires\" must be a date like 2027-01-31"),
    ('[1, 2]', ":1:1", "a baseline must be a JSON object, not a list"),
    ('{"entries": [}', ":1:14", "malformed YAML"),
])
def test_bad_baseline_is_located(estate: Path, capsys: pytest.CaptureFixture[str], text: str, where: str,
                                 message: str) -> None:
    (estate / "b.json").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_baseline("b.json", "lint")
    first = info.value.diagnostics[0]
    assert str(first.location) == "b.json" + where and message in first.message
    assert main(["lint", "nat-bastion.yaml", "--baseline", "b.json"]) == 3
    err = capsys.readouterr().err
    assert f"b.json{where}: error: " in err and "invalid baseline" in err
    assert main(["lint", "nat-bastion.yaml", "--baseline", "absent.json"]) == 3
    assert "absent.json: error: baseline file not found; create it with vpcsim lint --create-baseline" in \
        capsys.readouterr().err


# -- check baselines -------------------------------------------------------------------------------


def test_check_baseline_knows_failing_promises_until_they_expire(
        estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "basic-vpc.yaml"]) == 1
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert main(["check", "basic-vpc.yaml", "--create-baseline", "known.json", "--expires", later]) == 0
    doc = json.loads((estate / "known.json").read_text())
    assert [(e["assertion"], e["expires"]) for e in doc["entries"]] == [
        ("web-exposure", later), ("web-exposure-ceiling", later)]
    capsys.readouterr()
    assert main(["check", "basic-vpc.yaml", "--baseline", "known.json"]) == 0
    out = capsys.readouterr().out
    assert "KNOWN web-exposure" not in out  # titles, not ids, are shown
    assert out.count("KNOWN") == 2 and f"(known until {later}: known.json:" in out
    assert "basic-vpc.yaml: 6 passed, 0 failed, 2 known" in out

    # Past the expiry date the promise fails again.
    doc["entries"][0]["expires"] = "2020-01-01"
    (estate / "known.json").write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["check", "basic-vpc.yaml", "--baseline", "known.json", "-f", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["baseline"]["expired"] == ["web-exposure"] and report["ok"] is False
    assert [a["id"] for a in report["assertions"] if a.get("known")] == ["web-exposure-ceiling"]

    # Fixed: the baseline entry is reported as no longer needed.
    (estate / "basic-vpc.yaml").write_text((SCENARIOS / "basic-vpc.yaml").read_text())
    capsys.readouterr()
    assert main(["check", "basic-vpc.yaml", "--baseline", "known.json"]) == 0
    assert "now passing, remove from known.json: web-exposure, web-exposure-ceiling" in capsys.readouterr().out


# -- one run, many outputs -------------------------------------------------------------------------


def test_many_formats_from_one_run(estate: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    (estate / "out").mkdir()  # an output into a missing folder is a usage error (issue 14)
    code = main(["check", "basic-vpc.yaml", "-f", "github", "-f", "sarif:out/vpcsim.sarif", "-f", "junit:report.xml",
                 "-f", "gitlab:gl-code-quality.json"])
    assert code == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("::error file=basic-vpc.yaml,line=")
    assert "wrote sarif to out/vpcsim.sarif" in captured.err
    assert len(json.loads((estate / "out" / "vpcsim.sarif").read_text())["runs"][0]["results"]) == 2
    assert ET.parse(estate / "report.xml").getroot().find("testsuite").get("failures") == "2"  # type: ignore[union-attr]
    assert len(json.loads((estate / "gl-code-quality.json").read_text())) == 2


def test_format_usage_errors(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "nat-bastion.yaml", "-f", "text", "-f", "json"]) == 2
    assert "only one format can go to standard output" in capsys.readouterr().err
    assert main(["lint", "nat-bastion.yaml", "-f", "xml"]) == 2
    assert "unknown output format 'xml'" in capsys.readouterr().err
    assert main(["lint", "nat-bastion.yaml", "-f", "sarif:a.sarif", "-o", "b.sarif"]) == 2
    assert "--output FILE is for a format given without a file" in capsys.readouterr().err
    assert main(["lint", "nat-bastion.yaml", "-f", "sarif", "-o", "b.sarif"]) == 1  # the old spelling still works
    assert json.loads((estate / "b.sarif").read_text())["version"] == "2.1.0"


def test_config_formats_and_flags_win(estate: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (estate / ".vpcsim.yaml").write_text("design: nat-bastion.yaml\nlint:\n  format: [json, 'sarif:lint.sarif']\n")
    assert main(["lint"]) == 1
    assert json.loads(capsys.readouterr().out)["design"] == "nat-bastion.yaml"
    assert (estate / "lint.sarif").exists()
    (estate / "lint.sarif").unlink()
    assert main(["lint", "-f", "text"]) == 1
    assert not (estate / "lint.sarif").exists()  # -f replaces the config's formats
    assert "finding(s)" in capsys.readouterr().out


# -- pre-commit: the hooks run with no arguments -----------------------------------------------------


def test_check_and_lint_default_to_vpcsim_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(SCENARIOS / "nat-bastion.yaml", tmp_path / "vpcsim.yaml")
    shutil.copy(SCENARIOS / "nat-bastion.assertions.yaml", tmp_path / "vpcsim.assertions.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 0
    assert "vpcsim.yaml: 8 passed, 0 failed" in capsys.readouterr().out
    assert main(["lint", "--fail-on", "error"]) == 0
    assert main(["validate"]) == 0


def test_pre_commit_hooks_run_with_their_default_arguments(tmp_path: Path) -> None:
    """The hooks as pre-commit runs them, with `vpcsim` pointed at this tree (the python language
    would pip-install vpcsim from the network, so the entry runs as a system command instead)."""
    import os
    import subprocess
    import sys

    import yaml

    pytest.importorskip("pre_commit")
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"vpcsim-check", "vpcsim-lint"}
    local = [{**h, "language": "system", "entry": h["entry"].replace("vpcsim", f"{sys.executable} -m vpcsim.cli", 1)}
             for h in hooks]
    repo = tmp_path / "estate"
    repo.mkdir()
    shutil.copy(SCENARIOS / "nat-bastion.yaml", repo / "vpcsim.yaml")
    shutil.copy(SCENARIOS / "nat-bastion.assertions.yaml", repo / "vpcsim.assertions.yaml")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=300)

    assert run("git", "init", "-q").returncode == 0
    assert run("git", "add", "-A").returncode == 0
    result = run(sys.executable, "-m", "pre_commit", "run", "--all-files", "--verbose")
    out = result.stdout + result.stderr
    assert "vpcsim check (reachability assertions)" in out and "usage:" not in out, out
    assert "vpcsim.yaml: 8 passed, 0 failed" in out, out
    assert result.returncode == 1, out  # lint fails: nat-bastion has VPC005, a warning
    assert "VPC005" in out
    (repo / ".vpcsim.yaml").write_text("lint:\n  fail-on: error\n")
    assert run("git", "add", "-A").returncode == 0
    result = run(sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr


# -- exposure --min-severity counts what it filters ----------------------------------------------------


def test_exposure_summary_says_what_min_severity_hid(capsys: pytest.CaptureFixture[str]) -> None:
    design = str(SCENARIOS / "basic-vpc.yaml")
    assert main(["exposure", "-d", design, "--text", "--min-severity", "critical"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "2 of 4 interfaces exposed to the internet (2 medium); --min-severity critical lists 0 and hides 2 " \
           "(2 medium)" in first
    assert main(["exposure", "-d", design, "--json", "--min-severity", "critical"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["exposed"] == 2 and doc["results"] == []  # the same count as the text
    assert (doc["min_severity"], doc["listed"], doc["hidden"]) == ("critical", 0, 2)
    assert main(["exposure", "-d", design, "--text", "--min-severity", "medium"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert "--min-severity medium lists 2;" in first and "hides" not in first


# -- the schema and the loader agree -------------------------------------------------------------------

# Loader errors the schema cannot see: references to names, AZs missing from availability_zones.
# Rules across fields or objects, which a JSON Schema cannot state (min <= desired <= max): a name
# that resolves to nothing, a zone not listed, an address left outside its subnet (a dual-stack
# subnet that loses its block of one family).
# Rules across objects a schema cannot see: a dual-stack load balancer's subnets need IPv6 blocks, an
# ipv6 target group's targets IPv6 addresses.
SEMANTIC_CODES = {"unknown-reference", "subnet-az-unknown", "asg-capacity", "private-ip-outside-subnet",
                  "lb-ipv6-subnet", "lb-target-family"}
_DELETE = object()
MUTATIONS: list[object] = [_DELETE, None, True, 1, "", "x", [], {}]


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


def _verdicts(doc: object) -> tuple[bool, set[str]]:
    """(schema accepts, loader error codes): the loader's build, then its validation if the build is clean."""
    import json as _json
    from importlib import resources

    import jsonschema

    from vpcsim.errors import DesignError, Location
    from vpcsim.loader.build import build
    from vpcsim.loader.reader import from_plain
    from vpcsim.loader.validate import validate

    schema = _json.loads(resources.files("vpcsim").joinpath("schemas/design.schema.json").read_text())
    schema_ok = jsonschema.Draft7Validator(schema).is_valid(doc)
    try:
        design, diagnostics = build(from_plain(doc, Location("mutant.yaml", 1, 1)), "mutant.yaml")
    except DesignError as exc:
        return schema_ok, {d.code for d in exc.diagnostics if d.severity.value == "error"}
    codes = {d.code for d in diagnostics if d.severity.value == "error"}
    if not codes:
        codes = {d.code for d in validate(design) if d.severity.value == "error"}
    return schema_ok, codes


def _disagreement(doc: object) -> str | None:
    schema_ok, codes = _verdicts(doc)
    if not schema_ok and not codes:
        return "the schema rejects it, the loader accepts it"
    if schema_ok and codes - SEMANTIC_CODES:
        return f"the schema accepts it, the loader rejects it ({', '.join(sorted(codes))})"
    return None


@pytest.mark.parametrize(("path", "value", "accepted"), [
    (("instances", "web-a", "tags", "tier"), 1, True),  # tier: 1 is the tag value "1", as Terraform reads it
    (("instances", "web-a", "tags", "tier"), True, True),
    (("instances", "web-a", "tags", "tier"), [], False),
    (("version",), True, False),
    (("vpcs", "prod", "cidrs"), [], False),  # AWS: a VPC has a primary CIDR block
    (("instances", "web-a", "security_groups"), [], False),  # AWS: an interface has 1 to 16 groups
    (("route_tables", "private", "description"), {"a": 1}, False),
    (("route_tables", "private", "routes"), None, True),  # an empty `routes:` key
])
def test_schema_and_loader_decide_alike(path: tuple[str, ...], value: object, accepted: bool) -> None:
    import copy

    import yaml

    doc = copy.deepcopy(yaml.safe_load((SCENARIOS / "basic-vpc.yaml").read_text()))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    schema_ok, codes = _verdicts(doc)
    assert schema_ok is accepted and (not codes) is accepted, (schema_ok, codes)


def test_schema_and_loader_agree_on_a_mutation_corpus() -> None:
    """Every scenario with one value swapped for another type or deleted (two of MUTATIONS per path, in
    rotation, so every kind of value meets every part of the format across the corpus)."""
    import copy

    import yaml

    problems = []
    count = 0
    for design in sorted(SCENARIOS.glob("*.yaml")):
        if design.name.endswith(".assertions.yaml"):
            continue
        base = yaml.safe_load(design.read_text())
        for n, path in enumerate(_paths(base)):
            for value in (MUTATIONS[n % len(MUTATIONS)], MUTATIONS[(n * 3 + 1) % len(MUTATIONS)]):
                doc = copy.deepcopy(base)
                node = doc
                for key in path[:-1]:
                    node = node[key]  # type: ignore[index]
                if value is _DELETE:
                    del node[path[-1]]  # type: ignore[arg-type]
                else:
                    node[path[-1]] = value  # type: ignore[index]
                count += 1
                problem = _disagreement(doc)
                if problem:
                    problems.append(f"{design.name} {'/'.join(map(str, path))} = {value!r}: {problem}")
    assert count > 1400
    assert not problems, "\n".join(problems[:30])


# -- shell completion ----------------------------------------------------------------------------------


def _complete(line: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the shell would offer: `vpcsim` run as bash's completion hook runs it (argcomplete's protocol).

    In a subprocess: argcomplete opens file descriptor 9 for its debug output, which pytest uses.
    """
    import os
    import subprocess
    import sys
    import tempfile

    pytest.importorskip("argcomplete")
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as out:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "_ARGCOMPLETE": "1", "_ARGCOMPLETE_IFS": "\n",
               "COMP_LINE": line, "COMP_POINT": str(len(line)), "_ARGCOMPLETE_STDOUT_FILENAME": out.name}
        subprocess.run([sys.executable, "-m", "vpcsim.cli"], env=env, check=True, timeout=120,
                       capture_output=True, cwd=os.getcwd())
        return [c.strip() for c in out.read().split("\n")]


def test_completion_of_commands_options_and_design_names(estate: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(_complete("vpcsim ", monkeypatch)) >= {"trace", "check", "lint", "exposure", "reach", "validate"}
    assert "--create-baseline" in _complete("vpcsim lint --cr", monkeypatch)
    assert _complete("vpcsim trace --design nat-bastion.yaml ap", monkeypatch) == [
        "app-a", "app-b", "app-a.eth0", "app-b.eth0"]  # instances, then interfaces
    assert "internet" in _complete("vpcsim trace --design nat-bastion.yaml bastion ", monkeypatch)
    (estate / ".vpcsim.yaml").write_text("design: nat-bastion.yaml\n")
    assert _complete("vpcsim trace bas", monkeypatch) == ["bastion", "bastion.eth0"]  # the config's design
    assert set(_complete("vpcsim lint --ignore VPC01", monkeypatch)) == {f"VPC01{n}" for n in range(10)}
    assert "nat-bastion.yaml" in _complete("vpcsim lint nat-", monkeypatch)


# -- the README's adoption walk-through ------------------------------------------------------------------


def test_readme_adoption_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    """From a snapshot through --create-baseline to a green run, with the README's own .vpcsim.yaml."""
    import re

    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Adopting vpcsim on an existing account", 1)[1].split("\n## ", 1)[0]
    config = next(b for b in re.findall(r"```yaml\n(.*?)```", section, re.S) if b.startswith("# .vpcsim.yaml"))
    commands = re.findall(r"^(vpcsim .*?)(?:\s+#.*)?$", next(iter(re.findall(r"```sh\n(.*?)```", section, re.S))),
                          re.M)
    shutil.copytree(ROOT / "tests" / "data" / "aws" / "mini", tmp_path / "snapshot")
    (tmp_path / "promises.yaml").write_text(
        "version: 1\nassertions:\n"
        "  - {id: web-serves-https, name: the internet reaches web-1 on 443, from: internet, to: web-1,"
        " traffic: tcp/443, expect: reachable}\n"
        "  - {id: app-private, name: nothing reaches app on 22, from: internet, to: {subnet: app},"
        " traffic: tcp/22, expect: unreachable}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)

    assert main(["lint", "snapshot/"]) == 1  # before: the estate fails
    assert main(["check", "snapshot/", "promises.yaml"]) == 1
    for command in commands:
        argv = command.split("|")[0].split()[1:]
        if argv[0] == "check":  # the README's design is vpcsim.yaml; here the snapshot is the design
            argv[1:2] = ["snapshot/", "promises.yaml"]
        assert main(argv) == 0 or argv[-1] == "note", command
    (tmp_path / ".vpcsim.yaml").write_text(config)
    assert (tmp_path / ".vpcsim" / "lint-baseline.json").exists()
    assert (tmp_path / ".vpcsim" / "check-baseline.json").exists()
    capsys.readouterr()
    assert main(["lint"]) == 0
    assert "known findings hidden by the baseline .vpcsim/lint-baseline.json" in capsys.readouterr().err
    assert main(["check"]) == 0
    assert json.loads((tmp_path / "vpcsim.sarif").read_text())["runs"][0]["results"] == []

    # A new snapshot of the same account, pretty-printed differently: still green.
    for path in (tmp_path / "snapshot").rglob("*.json"):
        path.write_text(json.dumps(json.loads(path.read_text()), indent=7))
    assert main(["lint"]) == 0

    # Someone opens SSH to the world: only that fails.
    groups = tmp_path / "snapshot" / "aws_configs" / "SecurityGroups.json"
    doc = json.loads(groups.read_text())
    doc["SecurityGroups"][1]["IpPermissions"].append(
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]})
    groups.write_text(json.dumps(doc, indent=2))
    capsys.readouterr()
    assert main(["lint"]) == 1
    out = capsys.readouterr().out
    assert out.count("::warning ") == 1 and "VPC001" in out


# -- wording -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "message"), [
    ("version: 1", "version: 2", "version: this vpcsim reads format version 1, not a number (2)"),
    ("{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}", "{protocol: tcp, ports: [443], cidr: 0.0.0.0/0}",
     "ports must be a port 0-65535 or a range 'lo-hi', not a list"),
    ("{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}", "{protocol: tpc, ports: 443, cidr: 0.0.0.0/0}",
     "protocol must be tcp, udp, icmp, icmpv6, all, -1 or 0-255, not a string ('tpc')"),
])
def test_load_errors_say_what_was_expected(tmp_path: Path, old: str, new: str, message: str) -> None:
    from vpcsim.errors import DesignError
    from vpcsim.loader.design import load_design

    text = (SCENARIOS / "basic-vpc.yaml").read_text()
    assert old in text
    design = tmp_path / "d.yaml"
    design.write_text(text.replace(old, new, 1))
    with pytest.raises(DesignError) as info:
        load_design(design)
    assert any(message in d.message for d in info.value.diagnostics), [d.message for d in info.value.diagnostics]


# -- diagrams --------------------------------------------------------------------------------------------


def _need_dot() -> None:
    import os

    if shutil.which("dot") is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's dot is missing: .ci/run installs it (apt-get install graphviz)")
        pytest.skip("Graphviz's dot is not installed")


def _mermaid_problems(text: str) -> list[str]:
    """The structural check documented in docs/graph.md: what a Mermaid parser would refuse first."""
    import re

    problems = []
    lines = text.splitlines()
    if lines[:1] != ["---"] or "flowchart LR" not in lines:
        problems.append("no front matter or flowchart header")
    depth = 0
    declared: set[str] = set()
    edges = 0
    for line in lines[lines.index("flowchart LR") + 1:]:
        body = line.strip()
        if body.startswith("subgraph "):
            depth += 1
            declared.add(body.split()[1].split("[")[0])
        elif body == "end":
            depth -= 1
            problems += ["'end' without 'subgraph'"] if depth < 0 else []
        elif body.startswith("linkStyle "):
            if int(body.split()[1]) >= edges:
                problems.append(f"linkStyle past the last edge: {body}")
        elif body.startswith(("classDef ", "class ")):
            if body.startswith("class "):
                problems += [f"class of an unknown node {n}" for n in body.split()[1].split(",") if n not in declared]
        elif match := re.fullmatch(r'(\w+) (-->|---|==>|-\.->|-\.-)(?:\|"[^"]*"\|)? (\w+)', body):
            edges += 1
            problems += [f"edge to an undeclared node: {body}" for n in (match[1], match[3]) if n not in declared]
        elif match := re.fullmatch(r'(\w+)(\(\(|\{\{|\(\[|\{|\[)"([^"]*)"(\)\)|\}\}|\]\)|\}|\])', body):
            declared.add(match[1])
        else:
            problems.append(f"unparsed line: {body}")
    if depth != 0:
        problems.append(f"{depth} subgraph(s) not closed")
    return problems


def test_diagram_of_a_blocked_return_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess

    import vpcsim
    from vpcsim.render import diagram

    net = vpcsim.load(SCENARIOS / "nat-bastion.yaml")
    picture = diagram.build(net.graph, trace=net.trace("app-b", "internet", 443))
    dot = diagram.to_dot(picture)
    (dead,) = picture.dead.items()
    assert picture.nodes[dead[0]].label.startswith("private-b") and dead[1] == "SUBNET_ACL_RESTRICTION"
    assert f'{dead[0]} [label="private-b\\n10.20.11.0/24", shape=box, fillcolor=mistyrose, color=red3' in dot
    forward = [e for e in picture.edges if e.style == "forward"]
    back = [e for e in picture.edges if e.style == "return_blocked"]  # red: the leg that dies
    assert [e.label for e in forward] == [str(n) for n in range(1, 9)]  # app-b ... internet, 8 steps
    assert [e.label for e in back] == [f"r{n}" for n in range(1, 8)] and back[-1].b == dead[0]  # stops there
    assert "color=red3, penwidth=3, style=dashed" in dot
    routes = {e.label for e in picture.edges if e.style == "normal" and e.directed}
    assert "0.0.0.0/0" in routes  # route-table edges carry their prefixes
    _need_dot()
    checked = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr  # Graphviz itself parses it
    assert main(["diagram", "--design", str(SCENARIOS / "nat-bastion.yaml"), "--trace", "app-b", "internet", "443",
                 "-f", "svg", "-o", str(tmp_path / "x.svg")]) == 0
    svg = ET.parse(tmp_path / "x.svg").getroot()
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "SUBNET_ACL_RESTRICTION" in texts
    assert main(["diagram", "--design", str(SCENARIOS / "nat-bastion.yaml"), "-f", "png", "-o",
                 str(tmp_path / "x.png")]) == 0
    assert (tmp_path / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("scenario", sorted(p.name for p in SCENARIOS.glob("*.yaml") if "assertions" not in p.name))
def test_mermaid_is_well_formed(scenario: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagram", "--design", str(SCENARIOS / scenario)]) == 0
    text = capsys.readouterr().out
    assert _mermaid_problems(text) == []
    assert text.count("subgraph ") >= 3  # region, a VPC, an AZ at least


def test_mermaid_check_catches_broken_text() -> None:
    good = 'flowchart LR\n  a["x"]\n  b["y"]\n  a --> b\n  linkStyle 0 stroke:#888\n'
    assert _mermaid_problems("---\ntitle: t\n---\n" + good) == []
    assert _mermaid_problems("---\ntitle: t\n---\n" + good.replace('  b["y"]\n', "")) != []
    assert _mermaid_problems("---\ntitle: t\n---\n" + good + "  subgraph c0[\"z\"]\n") != []
    assert _mermaid_problems("---\ntitle: t\n---\n" + good.replace('"y"', '"say "hi""')) != []


def test_diagram_views_for_large_estates(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import vpcsim
    from vpcsim.render import diagram

    net = vpcsim.load(SCENARIOS / "vpc-peering.yaml")
    one = diagram.build(net.graph, vpc="payments")
    labels = " ".join(n.label for n in one.nodes.values())
    assert "pay-private-a" in labels and "an-etl-a" not in labels
    assert "vpc analytics router" in labels or "vpc shared router" in labels  # the peers, drawn outside
    monkeypatch.setattr(diagram, "MAX_INTERFACES", 1)
    crowded = diagram.build(vpcsim.load(SCENARIOS / "nat-bastion.yaml").graph)
    assert "2 interfaces" in {n.label for n in crowded.nodes.values()}
    monkeypatch.setattr(diagram, "OVERVIEW_INTERFACES", 2)
    overview = diagram.build(net.graph)
    assert overview.collapsed and not any(n.kind == "eni" for n in overview.nodes.values())
    assert main(["diagram", "--design", str(SCENARIOS / "vpc-peering.yaml"), "--vpc", "nope"]) == 2
    assert "--vpc 'nope' names no VPC (expected one of: analytics, payments, shared)" in capsys.readouterr().err


def test_diagram_places_every_component_where_it_lives() -> None:
    # Each component says how its nodes are drawn (components.base.drawn): the transit gateway
    # between the VPCs, and the VPCs it links drawn beside the one asked for; on-prem outside the
    # region; the egress-only gateway in its VPC; a load balancer in its VPC; a Gateway Load
    # Balancer endpoint in its subnet.
    import vpcsim
    from vpcsim.render import diagram

    hub = diagram.build(vpcsim.load(SCENARIOS / "transit-hub.yaml").graph, vpc="dev")
    where = {n.label.split("\n")[0]: n.cluster for n in hub.nodes.values()}
    assert where["transit gateway"] == ("region",)
    assert where["vpc prod router"] == () and where["vpc dev router"] == ("region", "dev")
    assert where["on-prem office"] == ()
    dual = diagram.build(vpcsim.load(SCENARIOS / "dual-stack.yaml").graph)
    assert {n.cluster for n in dual.nodes.values() if n.label.startswith("egress-only")} == {("region", "corp")}
    web = diagram.build(vpcsim.load(SCENARIOS / "web-service.yaml").graph)
    (lb,) = [n for n in web.nodes.values() if n.kind == "load_balancer"]
    assert lb.label.startswith("Application Load Balancer") and len(lb.cluster) == 2 and lb.shape == "component"
    gwlb = diagram.build(vpcsim.load(SCENARIOS / "gwlb-inspection.yaml").graph)
    endpoints = [n for n in gwlb.nodes.values() if n.label.startswith("Gateway Load Balancer endpoint")]
    assert endpoints and all(len(n.cluster) == 4 for n in endpoints)  # region, VPC, zone, subnet


def test_missing_dot_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from vpcsim.errors import UsageError
    from vpcsim.render import diagram

    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(UsageError, match="needs Graphviz's `dot` program on PATH: apt-get install graphviz"):
        diagram.render_image("digraph { a -> b }", "svg")


# -- the last rough edges (issue 15) --------------------------------------------------------------


def test_assert_helpers_take_the_assertion_traffic_form_and_hide_their_frames() -> None:
    import vpcsim
    from vpcsim import check

    net = vpcsim.load(SCENARIOS / "basic-vpc.yaml")
    # The same syntax assert_only takes: "tcp/5432" names its protocol.
    vpcsim.assert_unreachable(net, "internet", "db-primary", "tcp/5432")
    vpcsim.assert_reachable(net, "internet", "web-a", "tcp/443")
    with pytest.raises(vpcsim.ReachabilityError):
        vpcsim.assert_unreachable(net, "internet", "web-a", "tcp/443")
    for helper in (check.assert_reachable, check.assert_unreachable, check.assert_only, check.assert_exactly,
                   check._assert):
        assert "__tracebackhide__" in helper.__code__.co_varnames, helper.__name__


def test_trace_header_names_the_design_object_beside_what_was_typed() -> None:
    import vpcsim
    from vpcsim.render import verdict_line

    net = vpcsim.load(SCENARIOS / "basic-vpc.yaml")
    web = net.design.instances["web-a"]
    public = net.design.interfaces[web.interfaces[0]].public_ip
    assert public is not None
    from vpcsim.model import int_to_ip

    line = verdict_line(net.trace("8.8.4.4", int_to_ip(public), 443))
    assert f"8.8.4.4 -> {int_to_ip(public)} = web-a port 443" in line  # typed, then the design's name
    assert "8.8.4.4 (8.8.4.4)" not in line
    assert "web-a (" in verdict_line(net.trace("internet", "web-a", 443))


def test_ssh_open_to_the_world_says_the_port_once(tmp_path: Path) -> None:
    import vpcsim
    from vpcsim.lint import lint

    text = (SCENARIOS / "basic-vpc.yaml").read_text()
    assert "    ingress:\n" in text
    opened = text.replace("    ingress:\n", "    ingress:\n      - {protocol: tcp, ports: 22, cidr: 0.0.0.0/0}\n", 1)
    wide = text.replace("    ingress:\n", "    ingress:\n      - {protocol: tcp, ports: 20-25, cidr: 0.0.0.0/0}\n", 1)
    for body, rule_text in ((opened, None), (wide, "(rule: tcp 20-25)")):
        path = tmp_path / "d.yaml"
        path.write_text(body)
        (finding,) = lint(vpcsim.load(path), select=["VPC001"]).findings
        assert finding.message.count("tcp 22") == 1, finding.message
        assert rule_text is None or rule_text in finding.message
        # Identity without line numbers: a reformat must not resurrect a baselined finding.
        assert finding.subject.endswith(":ingress:" + ("tcp 22" if rule_text is None else "tcp 20-25") + ":0.0.0.0/0")


def test_a_missing_assertion_file_is_called_an_assertion_file(tmp_path: Path) -> None:
    from vpcsim.errors import DesignError
    from vpcsim.loader.assertions import load_assertion_file

    with pytest.raises(DesignError, match="cannot read assertion file"):
        load_assertion_file(tmp_path / "nope.assertions.yaml")
