"""Report formats: JUnit parsed back with an XML parser, SARIF checked against the 2.1.0 structure, GitHub commands."""

from __future__ import annotations

import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import vpcsim
from vpcsim.check import assertions_for, check
from vpcsim.cli import main
from vpcsim.lint import lint_path
from vpcsim.render import reports

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def _obj(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object of the SARIF schema: like the official one, no property outside those it defines."""
    return {"type": "object", "additionalProperties": False, "properties": {"properties": {"type": "object"}, **props},
            "required": list(required)}


_MESSAGE = _obj({"text": {"type": "string"}, "markdown": {"type": "string"}, "id": {"type": "string"},
                 "arguments": {"type": "array"}})
_ARTIFACT_LOCATION = _obj({"uri": {"type": "string", "format": "uri-reference"}, "uriBaseId": {"type": "string"},
                           "index": {"type": "integer"}, "description": _MESSAGE})
_REGION = _obj({"startLine": {"type": "integer", "minimum": 1}, "startColumn": {"type": "integer", "minimum": 1},
                "endLine": {"type": "integer", "minimum": 1}, "endColumn": {"type": "integer", "minimum": 1}})
_LOCATION = _obj({"id": {"type": "integer", "minimum": -1},
                  "physicalLocation": _obj({"artifactLocation": _ARTIFACT_LOCATION, "region": _REGION},
                                           ("artifactLocation",)),
                  "message": _MESSAGE})
_MULTIFORMAT = _obj({"text": {"type": "string"}, "markdown": {"type": "string"}}, ("text",))
_DESCRIPTOR = _obj({
    "id": {"type": "string"}, "name": {"type": "string"}, "guid": {"type": "string"},
    "shortDescription": _MULTIFORMAT, "fullDescription": _MULTIFORMAT, "help": _MULTIFORMAT,
    "helpUri": {"type": "string"},
    "defaultConfiguration": _obj({"enabled": {"type": "boolean"},
                                  "level": {"enum": ["none", "note", "warning", "error"]},
                                  "rank": {"type": "number"}}),
}, ("id",))
# The parts of the OASIS SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that vpcsim writes.
SARIF_SUBSET = _obj({
    "$schema": {"type": "string", "format": "uri"},
    "version": {"enum": ["2.1.0"]},
    "runs": {"type": "array", "items": _obj({
        "tool": _obj({"driver": _obj({
            "name": {"type": "string"}, "version": {"type": "string"}, "semanticVersion": {"type": "string"},
            "informationUri": {"type": "string", "format": "uri"},
            "rules": {"type": "array", "items": _DESCRIPTOR, "uniqueItems": True},
        }, ("name",))}, ("driver",)),
        "automationDetails": _obj({"id": {"type": "string"}, "guid": {"type": "string"}}),
        "originalUriBaseIds": {"type": "object", "additionalProperties": _ARTIFACT_LOCATION},
        "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
        "results": {"type": "array", "items": _obj({
            "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1},
            "level": {"enum": ["none", "note", "warning", "error"]},
            "kind": {"enum": ["notApplicable", "pass", "fail", "review", "open", "informational"]},
            "message": _MESSAGE,
            "locations": {"type": "array", "items": _LOCATION},
            "relatedLocations": {"type": "array", "items": _LOCATION},
            "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
        }, ("message",))},
    }, ("tool",))},
}, ("version", "runs"))


@pytest.fixture()
def broken_basic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """basic-vpc with tcp 8080 opened on the web group, in a repo-like folder that is the working directory."""
    for path in SCENARIOS.glob("basic-vpc*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    design = tmp_path / "basic-vpc.yaml"
    old = "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n      - {protocol: tcp, ports: 22,"
    design.write_text(design.read_text().replace(old, old.replace(
        "      - {protocol: tcp, ports: 22,", "      - {protocol: tcp, ports: 8080, cidr: 0.0.0.0/0}\n"
        "      - {protocol: tcp, ports: 22,")))
    monkeypatch.chdir(tmp_path)
    return design


def check_report(design: Path) -> reports.Report:
    return reports.check_report(check(vpcsim.load(design), assertions_for(design)), 0.5)


def test_junit_parses_back_like_pytest_output(broken_basic: Path) -> None:
    root = ET.fromstring(reports.junit_xml(check_report(broken_basic)))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert suite.get("tests") == str(len(cases)) == "8"
    assert suite.get("failures") == "2" and suite.get("errors") == "0" and suite.get("skipped") == "0"
    assert float(suite.get("time", "x")) == 0.5 and suite.get("timestamp") and suite.get("hostname") is not None
    failed = [c for c in cases if c.find("failure") is not None]
    assert {c.get("name") for c in failed} == {
        "from outside the admin network, the web tier answers on 80 and 443 and nothing else",
        "no internet address reaches the web tier on anything but 22, 80 and 443",
    }
    for case in cases:
        assert case.get("classname") == "basic-vpc.assertions" and float(case.get("time", "x")) >= 0
    failure = failed[0].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("basic-vpc.yaml:77:9: ")
    assert "REACHABLE: tcp" in (failure.text or "") and "basic-vpc.assertions.yaml:13:5" in (failure.text or "")


def test_junit_for_lint_has_a_case_per_rule() -> None:
    report = reports.lint_report(lint_path(SCENARIOS / "nat-bastion.yaml"))
    root = ET.fromstring(reports.junit_xml(report))
    cases = root.findall("testsuite/testcase")
    names = [c.get("name", "") for c in cases]
    assert any(n.startswith("VPC005 nacl-missing-ephemeral-range: private-b-acl") for n in names)
    assert "VPC001 ssh-open-to-world" in names  # a rule that found nothing passes
    assert len([c for c in cases if c.find("failure") is not None]) == 1  # notes are not failures
    assert len([c for c in cases if c.find("system-out") is not None]) == 2


def test_sarif_matches_the_2_1_0_structure(broken_basic: Path) -> None:
    log = reports.sarif(check_report(broken_basic))
    jsonschema.Draft7Validator(SARIF_SUBSET, format_checker=jsonschema.FormatChecker()).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules) == 8
    for rule in rules:
        assert rule["id"].startswith("assertion/")
        assert 0.0 <= float(rule["properties"]["security-severity"]) <= 10.0
    (first, second) = run["results"]
    assert first["ruleId"] == "assertion/web-exposure" and rules[first["ruleIndex"]]["id"] == first["ruleId"]
    assert first["level"] == "error"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "basic-vpc.yaml", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 77, "startColumn": 9}
    related = first["relatedLocations"][0]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "basic-vpc.assertions.yaml"
    assert related["physicalLocation"]["region"]["startLine"] == 13
    assert "web-exposure" in related["message"]["text"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")
    assert first["partialFingerprints"] != second["partialFingerprints"]
    again = reports.sarif(check_report(broken_basic))["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in again] == [first["partialFingerprints"], second["partialFingerprints"]]


def test_sarif_for_lint() -> None:
    log = reports.sarif(reports.lint_report(lint_path(SCENARIOS / "vpc-peering.yaml")), base=str(ROOT))
    jsonschema.Draft7Validator(SARIF_SUBSET).validate(log)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"VPC006", "VPC011", "VPC013"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"scenarios/vpc-peering.yaml"}
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels == {"VPC006": "warning", "VPC011": "note", "VPC013": "note"}


def test_github_escaping() -> None:
    assert reports.github_escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert reports.github_escape_property("dir,x/a:b%.yaml\n") == "dir%2Cx/a%3Ab%25.yaml%0A"


def test_github_commands_point_into_the_yaml(broken_basic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = broken_basic.parent / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out = io.StringIO()
    reports.render(check_report(broken_basic), "github", out=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("::error file=basic-vpc.yaml,line=77,col=9,title=vpcsim assertion/web-exposure::")
    assert "%0A" not in lines[0] or True
    assert "| **FAIL** |" in summary.read_text()


def test_github_limit_of_ten_per_type() -> None:
    rule = reports.RuleInfo("VPC999", "x", "x", reports.Level.WARNING, 1.0)
    items = tuple(
        reports.Item(rule, f"t{i}", reports.Outcome.FAIL, reports.Level.WARNING, f"finding {i}\nsecond line",
                     location=vpcsim.Location("d.yaml", i + 1, 3))
        for i in range(14)
    )
    notes = tuple(reports.Item(rule, "n", reports.Outcome.INFO, reports.Level.NOTE, "a note") for _ in range(2))
    report = reports.Report("lint", "d.yaml", items + notes, (rule,))
    lines = reports.github_commands(report).splitlines()
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(warnings) == 10
    assert warnings[0] == "::warning file=d.yaml,line=1,col=3,title=vpcsim VPC999::finding 0%0Asecond line"
    assert "5 more warning(s)" in warnings[-1] and "job summary" in warnings[-1]
    assert len([line for line in lines if line.startswith("::notice ")]) == 2
    assert reports.github_summary(report).count("| warning |") == 14


def test_cli_formats_and_output_file(broken_basic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "basic-vpc.yaml", "--format", "sarif", "--output", "vpcsim.sarif"]) == 1
    log = json.loads(Path("vpcsim.sarif").read_text())
    assert log["version"] == "2.1.0" and len(log["runs"][0]["results"]) == 2
    assert main(["lint", "basic-vpc.yaml", "--format", "github"]) == 0
    capsys.readouterr()
    assert main(["lint", str(SCENARIOS / "web-service.yaml"), "--format", "junit"]) == 1
    assert ET.fromstring(capsys.readouterr().out).tag == "testsuites"


def test_rich_rendering(broken_basic: Path) -> None:
    buffer = io.StringIO()
    reports.print_rich(check_report(broken_basic), file=buffer)
    text = buffer.getvalue()
    assert "FAIL" in text and "6 passed, 2 failed" in text
    buffer = io.StringIO()
    reports.print_rich(reports.lint_report(lint_path(SCENARIOS / "nat-bastion.yaml")), file=buffer)
    assert "VPC005" in buffer.getvalue()


def test_import_stays_light() -> None:
    import subprocess
    import sys

    code = ("import sys, vpcsim, vpcsim.check, vpcsim.lint, vpcsim.render.reports; "
            "print(sorted(m for m in ('rich', 'xml.etree.ElementTree', 'networkx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- issue 15: the official SARIF schema, URIs, roots, JUnit timestamps, GitLab -----------------------

OFFICIAL_SARIF = json.loads((ROOT / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text())


def _official(log: dict[str, Any]) -> None:
    checker = jsonschema.FormatChecker()
    assert not checker.conforms("a b.yaml", "uri-reference")  # the format is really checked (rfc3986-validator)
    jsonschema.Draft4Validator(OFFICIAL_SARIF, format_checker=checker).validate(log)


def test_official_schema_rejects_what_the_old_output_had() -> None:
    bad = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "vpcsim"}}, "results": [
        {"message": {"text": "x"}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": "my designs/a.yaml"}}}]}
    ]}]}
    with pytest.raises(jsonschema.ValidationError, match="uri-reference"):
        _official(bad)


@pytest.mark.parametrize("scenario", sorted(p.name for p in SCENARIOS.glob("*.yaml") if "assertions" not in p.name))
def test_sarif_is_valid_against_the_official_schema(scenario: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "my designs #1"
    folder.mkdir()
    for path in SCENARIOS.glob(scenario.replace(".yaml", "*.yaml")):
        shutil.copy(path, folder / path.name.replace("-", " "))
    design = folder / scenario.replace("-", " ")
    monkeypatch.chdir(tmp_path)
    lint_log = reports.sarif(reports.lint_report(lint_path(design)))
    _official(lint_log)
    check_log = reports.sarif(reports.check_report(check(vpcsim.load(design), assertions_for(design))))
    _official(check_log)
    for log in (lint_log, check_log):
        for result in log["runs"][0]["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert uri.startswith("my%20designs%20%231/") and " " not in uri


def test_sarif_root_and_designs_outside_it(broken_basic: Path, tmp_path: Path) -> None:
    report = check_report(broken_basic)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = reports.sarif(report, base=str(elsewhere))
    uri = outside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": broken_basic.as_uri()}  # outside the root: an absolute file URI, no uriBaseId
    _official(outside)
    inside = reports.sarif(report, base=str(tmp_path.parent))
    uri = inside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": f"{tmp_path.name}/basic-vpc.yaml", "uriBaseId": "%SRCROOT%"}
    assert inside["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.parent.as_uri() + "/"


def test_cli_sarif_root_and_config_root(broken_basic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = broken_basic.parent / "ci"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert main(["check", "../basic-vpc.yaml", "-f", "sarif:a.sarif"]) == 1
    first = json.loads((sub / "a.sarif").read_text())["runs"][0]["results"][0]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("file://")
    assert main(["check", "../basic-vpc.yaml", "-f", "sarif:b.sarif", "--sarif-root", ".."]) == 1
    first = json.loads((sub / "b.sarif").read_text())["runs"][0]["results"][0]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "basic-vpc.yaml"
    (broken_basic.parent / ".vpcsim.yaml").write_text("design: basic-vpc.yaml\n")  # its folder is the root
    assert main(["check", "-f", "sarif:c.sarif", "-f", "gitlab:c.json"]) == 1
    first = json.loads((sub / "c.sarif").read_text())["runs"][0]["results"][0]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "basic-vpc.yaml"
    assert {i["location"]["path"] for i in json.loads((sub / "c.json").read_text())} == {"basic-vpc.yaml"}


def test_junit_timestamp_is_an_xs_datetime(broken_basic: Path) -> None:
    import re

    suite = ET.fromstring(reports.junit_xml(check_report(broken_basic))).find("testsuite")
    assert suite is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", suite.get("timestamp", "")), suite.get("timestamp")


def test_lint_test_names_carry_no_line_numbers(tmp_path: Path) -> None:
    design = tmp_path / "open.yaml"
    design.write_text((SCENARIOS / "basic-vpc.yaml").read_text().replace(
        "cidr: 198.51.100.0/24, description: admin network", "cidr: 0.0.0.0/0, description: admin network"))
    first = reports.lint_report(lint_path(design))
    design.write_text("# a comment\n\n" + design.read_text())
    second = reports.lint_report(lint_path(design))
    names = [i.title for i in first.findings]
    assert any(n.startswith("VPC001 ssh-open-to-world: web:ingress:tcp 22:0.0.0.0/0") for n in names), names
    assert names == [i.title for i in second.findings]  # moved two lines down, same test names
    assert [i.location.line for i in first.findings if i.location] != [
        i.location.line for i in second.findings if i.location]


def test_gitlab_code_quality(broken_basic: Path) -> None:
    issues = reports.gitlab_code_quality(check_report(broken_basic))
    assert len(issues) == 2
    for issue in issues:
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["location"]["path"] == "basic-vpc.yaml" and issue["location"]["lines"]["begin"] == 77
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert len({i["fingerprint"] for i in issues}) == 2
    lint = reports.gitlab_code_quality(reports.lint_report(lint_path(SCENARIOS / "nat-bastion.yaml")), base=str(ROOT))
    assert {(i["check_name"], i["severity"]) for i in lint} == {("VPC005", "minor"), ("VPC011", "info"),
                                                                ("VPC013", "info")}
    assert {i["location"]["path"] for i in lint} == {"scenarios/nat-bastion.yaml"}


_UNBREAKABLE = r"\d+\.\d+\.\d+\.\d+(?:/\d+)?(?::\d+(?:-\d+)?)?|\b\d+-\d+\b|[\w./-]+\.yaml:\d+:\d+"


@pytest.mark.parametrize("width", [80, 200])
def test_rich_tables_never_split_an_address_port_range_or_location(broken_basic: Path, width: int) -> None:
    import re

    for report in (check_report(broken_basic), reports.lint_report(lint_path(SCENARIOS / "nat-bastion.yaml")),
                   reports.lint_report(lint_path(SCENARIOS / "vpc-peering.yaml"))):
        buffer = io.StringIO()
        reports.print_rich(report, file=buffer, width=width)
        lines = buffer.getvalue().splitlines()
        assert max(len(line) for line in lines) <= width
        cells = [cell.strip() for line in lines for cell in re.split(r"[│┃]", line)]
        for item in report.findings or report.items:
            tokens = re.findall(_UNBREAKABLE, reports._short_paths(item.message.removeprefix(f"{item.title}: ")))
            if item.location is not None:
                tokens.append(reports._where(item.location))
            tokens.append(item.rule.id if report.tool == "lint" else "")
            for token in filter(None, tokens):
                assert any(token in cell for cell in cells), (width, token, buffer.getvalue())


def test_check_table_does_not_repeat_the_assertion_name(broken_basic: Path) -> None:
    buffer = io.StringIO()
    reports.print_rich(check_report(broken_basic), file=buffer, width=200)
    text = buffer.getvalue()
    name = "from outside the admin network, the web tier answers on 80 and 443 and nothing else"
    table = text.split("FAILED:")[0]
    assert table.count(name) == 1
