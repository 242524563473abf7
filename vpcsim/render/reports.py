"""Reports: check and lint results -> text, rich, JSON, JUnit XML, SARIF 2.1.0, GitHub commands, GitLab Code Quality.

Both `vpcsim check` and `vpcsim lint` reduce their results to `Item`s (one per assertion or
finding, plus one passing item per lint rule that found nothing, for JUnit) and `RuleInfo`s,
and every format is a rendering of those. rich is imported only by `print_rich`, and XML is
written with the standard library's `xml.etree`.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import platform
import re
from collections.abc import Sequence
from dataclasses import field, replace
from typing import IO, TYPE_CHECKING, Any

from vpcsim.errors import Location, UsageError
from vpcsim.records import record
from vpcsim.render import MAX_DIAGNOSTICS, clean, open_output, safe_text
from vpcsim.severity import Level as Level  # re-exported: reports speak SARIF's levels
from vpcsim.severity import RuleInfo as RuleInfo

if TYPE_CHECKING:
    import datetime as dt

    from vpcsim.check import CheckReport
    from vpcsim.config import Baseline
    from vpcsim.lint import LintReport

__all__ = [
    "Item",
    "Level",
    "Outcome",
    "Report",
    "RuleInfo",
    "apply_baseline",
    "baseline_entries",
    "check_report",
    "github_commands",
    "github_escape_data",
    "github_escape_property",
    "github_summary",
    "gitlab_code_quality",
    "junit_xml",
    "lint_report",
    "print_rich",
    "relevel",
    "sarif",
    "text",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/vpcsim/vpcsim"
GITHUB_LIMIT = 10  # GitHub shows at most 10 annotations of each type per step


class Outcome(enum.Enum):
    PASS = "pass"  # an assertion that holds, a lint rule that found nothing
    FAIL = "fail"  # fails the run (exit 1)
    INFO = "info"  # reported, but below the failure threshold
    KNOWN = "known"  # in the baseline: counted, not reported as a finding, never fails


@record
class Item:
    """One result to render: an assertion's verdict or one lint finding."""

    rule: RuleInfo
    title: str  # a test name for JUnit
    outcome: Outcome
    level: Level
    message: str  # one paragraph
    details: str = ""  # the long explanation (a trace), for JUnit bodies and text output
    location: Location | None = None  # the primary location (a design rule)
    related: tuple[tuple[str, Location], ...] = ()  # (what, where): the assertion, other rules
    fingerprint: str = ""  # stable identity across runs (SARIF partialFingerprints)
    key: str = ""  # what a baseline matches: "RULE resource" (lint) or the assertion id (check)
    classname: str = "vpcsim"
    seconds: float = 0.0


@record
class Report:
    """What a command produced, ready to render."""

    tool: str  # "check" | "lint"
    design: str
    items: tuple[Item, ...]
    rules: tuple[RuleInfo, ...]
    data: dict[str, Any] = field(default_factory=dict)  # the command's own JSON document
    seconds: float = 0.0
    notes: tuple[str, ...] = ()  # said after the summary: what a baseline hid, what it no longer needs

    @property
    def failed(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.outcome is Outcome.FAIL)

    @property
    def findings(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.outcome in (Outcome.FAIL, Outcome.INFO))

    @property
    def known(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.outcome is Outcome.KNOWN)


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _classname(path: str) -> str:
    rel = _relpath(path)
    stem = rel[: -len(".yaml")] if rel.endswith(".yaml") else rel.rsplit(".", 1)[0] if "." in rel else rel
    return stem.replace("/", ".").replace("\\", ".") or "vpcsim"


# -- building reports ----------------------------------------------------------------------------


def check_report(report: CheckReport, seconds: float = 0.0) -> Report:
    """A CheckReport as renderable items: one per assertion, failing ones with their counter-example."""
    items = []
    rules = []
    for result in report.results:
        a = result.assertion
        rule = RuleInfo(
            id=f"assertion/{a.id}",
            name=a.id,
            summary=a.name,
            level=Level.ERROR,
            security_severity=a.security_severity,
            help=(a.description + "\n\n" if a.description else "") + f"Promise: {a.describe()}",
            tags=("vpcsim", "reachability", "security" if a.severity in ("critical", "high") else "reliability"),
        )
        rules.append(rule)
        assertion_loc = a.loc if a.loc.line > 0 else None
        related: list[tuple[str, Location]] = []
        location = assertion_loc
        ce = result.counterexample
        if not result.passed and ce is not None and ce.location is not None:
            location = ce.location
            if assertion_loc is not None:
                related.append((f"the assertion {a.id!r}", assertion_loc))
            related += list(ce.related)
        items.append(Item(
            rule=rule,
            title=a.name,
            outcome=Outcome.PASS if result.passed else Outcome.FAIL,
            level=Level.ERROR,
            message=(f"{a.name}: " if not result.passed else "") + result.message
            + (f" (assertion at {a.loc})" if not result.passed and assertion_loc is not None else ""),
            details="" if result.passed else result.explain(),
            location=location,
            related=tuple(related),
            fingerprint=_fingerprint("check", a.id, _relpath(a.loc.file)),
            key=a.id,
            classname=_classname(a.loc.file) if assertion_loc is not None else "vpcsim.check",
            seconds=result.seconds,
        ))
    return Report("check", report.design, tuple(items), tuple(rules), report.to_json(), seconds)


def lint_report(report: LintReport, seconds: float = 0.0) -> Report:
    """A LintReport as items: one per finding, plus one passing item per rule that found nothing."""
    items = []
    infos: dict[str, RuleInfo] = {}
    design = _relpath(report.design)  # once, not per finding: 80,000 relpath() calls take seconds
    for finding in report.findings:
        rule = finding.rule
        info = infos.setdefault(rule.id, rule)
        failing = report.fails(finding)
        resource = resource_identity(rule.id, finding.subject, finding.message, finding.location)
        items.append(Item(
            rule=info,
            title=f"{rule.id} {rule.name}: {resource}",  # no line number: CI test history survives edits
            outcome=Outcome.FAIL if failing else Outcome.INFO,
            level=finding.level,
            message=finding.message,
            details=f"{finding.level.value}: {finding.message}" + (f"\n  at {finding.location}" if finding.location else "")
            + "".join(f"\n  {text} at {loc}" for text, loc in finding.related),
            location=finding.location,
            related=finding.related,
            fingerprint=_fingerprint("lint", rule.id, finding.subject, design),
            classname=f"vpcsim.lint.{rule.id}",
            key=f"{rule.id} {resource}",
        ))
    found = {f.rule.id for f in report.findings}
    for rule in report.rules:
        info = infos.setdefault(rule.id, rule)
        if rule.id not in found:
            items.append(Item(info, f"{rule.id} {rule.name}", Outcome.PASS, rule.level, rule.summary,
                              classname=f"vpcsim.lint.{rule.id}"))
    return Report("lint", report.design, tuple(items), tuple(infos.values()), report.to_json(), seconds)


_LOCATION_TEXT = re.compile(r"\s*\(?(?:[^\s():]+:)?[^\s():]+\.(?:ya?ml|json):\d+(?::\d+)?\)?")
_WORLD_RULE = re.compile(r" from (\S+) \(([^)]*)\)")


def resource_identity(rule_id: str, subject: str, message: str, location: Location | None) -> str:
    """What a finding is about, without line numbers: what baselines and JUnit test names use.

    Most rules' subjects already name objects (`web-sg`, `private-b-acl:inbound:tcp`); validation
    findings and the open-to-world rules name a place, so they are named by what they say instead.
    """
    if rule_id.startswith("aws/"):
        return _LOCATION_TEXT.sub("", message).strip()
    if location is not None and subject.endswith(f":{location.line}"):
        match = _WORLD_RULE.search(message)
        return subject.rsplit(":", 1)[0] + (f":{match.group(1)}:{match.group(2)}" if match else f":{message}")
    return subject


def relevel(report: LintReport, overrides: Sequence[tuple[str, str]]) -> LintReport:
    """The lint report with rule levels overridden (config `lint.severity`); the last matching pattern wins."""
    if not overrides:
        return report

    def level_of(rule_id: str, level: Level) -> Level:
        for pattern, name in overrides:
            if rule_id == pattern or pattern == "*" or (pattern.endswith("*") and rule_id.startswith(pattern[:-1])) \
                    or (pattern == "aws" and rule_id.startswith("aws/")):
                level = Level(name)
        return level

    findings = tuple(replace(f, level=level_of(f.rule.id, f.level), rule=replace(f.rule, level=level_of(f.rule.id, f.rule.level)))
                     for f in report.findings)
    rules = tuple(replace(r, level=level_of(r.id, r.level)) for r in report.rules)
    return replace(report, findings=findings, rules=rules)


def baseline_entries(report: Report) -> list[dict[str, str]]:
    """What `--create-baseline` writes: every lint finding, or every failing assertion."""
    if report.tool == "lint":
        return [{"rule": i.rule.id, "resource": i.key.split(" ", 1)[1], "message": i.message}
                for i in report.findings if i.key]
    return [{"assertion": i.key, "name": i.title} for i in report.failed if i.key]


def apply_baseline(report: Report, baseline: Baseline, today: dt.date | None = None) -> Report:
    """Mark what the baseline knows as KNOWN (not a finding, never failing); expired entries fail again.

    A lint baseline hides every finding it lists; a check baseline only failures (an assertion
    that passes again is reported as such, so its entry can go).
    """
    import datetime as dt

    today = today or dt.date.today()
    items = []
    known: list[str] = []
    expired: list[str] = []
    fixed: list[str] = []
    for item in report.items:
        entry = baseline.get(item.key) if item.key else None
        if entry is None:
            items.append(item)
        elif item.outcome is Outcome.PASS:
            if report.tool == "check":
                fixed.append(item.key)
            items.append(item)
        elif entry.expires is not None and entry.expires < today:
            expired.append(item.key)
            items.append(replace(item, message=f"{item.message} (its baseline entry expired on {entry.expires}, "
                                               f"{baseline.path}:{entry.loc.line})"))
        else:
            known.append(item.key)
            until = f" until {entry.expires}" if entry.expires else ""
            items.append(replace(item, outcome=Outcome.KNOWN,
                                 message=f"{item.message} (known{until}: {baseline.path}:{entry.loc.line})"))
    seen = {i.key for i in report.items}
    stale = [e.key for e in baseline.entries if e.key not in seen]
    notes = []
    if known:
        notes.append(f"{len(known)} known {'finding' if report.tool == 'lint' else 'failure'}"
                     f"{'s' if len(known) != 1 else ''} hidden by the baseline {baseline.path}")
    if expired:
        notes.append(f"{len(expired)} baseline entr{'ies' if len(expired) != 1 else 'y'} expired: {', '.join(expired)}")
    if fixed:
        notes.append(f"now passing, remove from {baseline.path}: {', '.join(fixed)}")
    if report.tool == "lint" and stale:
        notes.append(f"{len(stale)} baseline entr{'ies' if len(stale) != 1 else 'y'} no longer found "
                     f"(fixed; refresh with --create-baseline): {', '.join(stale[:5])}{', ...' if len(stale) > 5 else ''}")
    elif stale:
        notes.append(f"in {baseline.path} but not checked: {', '.join(stale)}")
    data = dict(report.data)
    rows = "assertions" if report.tool == "check" else "findings"
    if isinstance(data.get(rows), list):  # the document's rows are in the items' order
        data[rows] = [{**row, "known": True} if n < len(items) and items[n].outcome is Outcome.KNOWN else row
                      for n, row in enumerate(data[rows])]
    data["baseline"] = {"path": baseline.path, "known": known, "expired": expired, "fixed": fixed, "stale": stale}
    data["ok"] = not any(i.outcome is Outcome.FAIL for i in items) and not data.get("invalid", False)
    return replace(report, items=tuple(items), data=data, notes=report.notes + tuple(notes))


# -- text ----------------------------------------------------------------------------------------


def text(report: Report, *, verbose: bool = False) -> str:
    """Plain text: every finding or failure with its explanation, then a summary line."""
    lines: list[str] = []
    if report.tool == "check":
        for item in report.items[:MAX_DIAGNOSTICS]:
            mark = {Outcome.PASS: "PASS", Outcome.KNOWN: "KNOWN"}.get(item.outcome, "FAIL")
            lines.append(f"{mark:<5} {item.title}" if item.outcome is Outcome.KNOWN else f"{mark}  {item.title}")
            if item.outcome is Outcome.KNOWN:
                lines.append(f"      {item.message}")
            elif item.outcome is not Outcome.PASS or verbose:
                body = item.details or item.message
                lines += ["      " + line if line else "" for line in body.splitlines()]
                lines.append("")
        lines += _more(len(report.items), "assertion")
        passed = sum(1 for i in report.items if i.outcome is Outcome.PASS)
        failed = len(report.failed)
        known = f", {len(report.known)} known" if report.known else ""
        lines.append(f"{report.design}: {passed} passed, {failed} failed{known}")
        return clean("\n".join(lines + [f"  {note}" for note in report.notes]))
    for item in report.findings[:MAX_DIAGNOSTICS]:
        where = f"{item.location}: " if item.location else ""
        lines.append(f"{where}{item.level.value}: {item.message} [{item.rule.id} {item.rule.name}]")
        for what, loc in item.related:
            lines.append(f"    {what} at {loc}")
    lines += _more(len(report.findings), "finding")
    counts = {level: sum(1 for i in report.findings if i.level is level) for level in Level}
    summary = ", ".join(f"{n} {level.value}{'s' if n != 1 else ''}" for level, n in counts.items())
    lines.append(f"{report.design}: {len(report.findings)} finding(s) ({summary}); {len(report.failed)} failing")
    return clean("\n".join(lines + [f"  {note}" for note in report.notes]))


def _more(total: int, what: str) -> list[str]:
    """The line that replaces everything past MAX_DIAGNOSTICS: printing 80,000 findings takes seconds."""
    rest = total - MAX_DIAGNOSTICS
    if rest <= 0:
        return []
    return [f"... and {rest:,} more {what}(s) (the first {MAX_DIAGNOSTICS:,} are shown; "
            "--format json, junit or sarif lists every one)"]


def print_rich(report: Report, file: IO[str] | None = None, *, width: int | None = None) -> None:
    """A rich rendering for terminals: a table of results, then each failure's explanation.

    Locations, rule ids and marks never wrap; text wraps between words, so an address, a port
    range or a location is never split across lines (a token wider than its column is the exception).
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=file, highlight=False, width=width)
    if report.tool == "check":
        table = Table(title=safe_text(f"vpcsim check: {report.design}"), title_justify="left")
        table.add_column("", no_wrap=True)
        table.add_column("assertion", ratio=2)
        table.add_column("result", overflow="fold", ratio=3)
        marks = {Outcome.PASS: ("PASS", "bold green"), Outcome.KNOWN: ("KNOWN", "yellow")}
        for item in report.items[:MAX_DIAGNOSTICS]:
            mark, mark_style = marks.get(item.outcome, ("FAIL", "bold red"))
            # The message of a failure starts with the assertion's name, already in the first column.
            message = _short_paths(item.message.removeprefix(f"{item.title}: "))
            table.add_row(Text(mark, style=mark_style), safe_text(item.title), safe_text(message))
        console.print(table)
        for line in _more(len(report.items), "assertion"):
            console.print(Text(line, style="dim"))
        for item in report.failed[:MAX_DIAGNOSTICS]:
            console.print(safe_text(f"\nFAILED: {item.title}", style="bold red"))
            console.print(safe_text(_short_paths(item.details)))
        passed = sum(1 for i in report.items if i.outcome is Outcome.PASS)
        style = "bold green" if not report.failed else "bold red"
        known = f", {len(report.known)} known" if report.known else ""
        console.print(Text(f"{passed} passed, {len(report.failed)} failed{known}", style=style))
        for note in report.notes:
            console.print(Text(note))
        return
    table = Table(title=safe_text(f"vpcsim lint: {report.design}"), title_justify="left")
    wide = console.width >= 120  # narrower, the location goes above its message: a column would squeeze it
    table.add_column("level", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    if wide:
        table.add_column("location", no_wrap=True)
    table.add_column("message" if wide else "location and message", overflow="fold", ratio=1)
    colors = {Level.ERROR: "bold red", Level.WARNING: "yellow", Level.NOTE: "cyan"}
    for item in report.findings[:MAX_DIAGNOSTICS]:
        where = safe_text(_where(item.location)) if item.location else Text("")
        body = safe_text(_short_paths(item.message))
        cells = [where, body] if wide else [Text.assemble(where, "\n", body) if item.location else body]
        table.add_row(Text(item.level.value, style=colors[item.level]), safe_text(item.rule.id), *cells)
    console.print(table)
    for line in _more(len(report.findings), "finding"):
        console.print(Text(line, style="dim"))
    names = {i.rule.id: i.rule.name for i in report.findings}
    if names:  # the rules' names under the table: in it, they would squeeze the messages
        console.print(safe_text("rules: " + ", ".join(f"{rule}={name}" for rule, name in sorted(names.items())),
                                style="dim"))
    style = "bold red" if report.failed else "bold green"
    console.print(Text(f"{len(report.findings)} finding(s), {len(report.failed)} failing", style=style))
    for note in report.notes:
        console.print(Text(note))


def _short_paths(text: str) -> str:
    """Paths under the working directory written relative to it, as the location column has them."""
    return text.replace(os.getcwd().rstrip(os.sep) + os.sep, "")


# -- JUnit ---------------------------------------------------------------------------------------


def junit_xml(report: Report) -> str:
    """JUnit XML shaped as pytest writes it (xunit2): <testsuites><testsuite><testcase>..."""
    import xml.etree.ElementTree as ET

    failures = sum(1 for i in report.items if i.outcome is Outcome.FAIL)
    suite = ET.Element(
        "testsuite",
        name=f"vpcsim {report.tool}",
        errors="0",
        failures=str(failures),
        skipped=str(len(report.known)),
        tests=str(len(report.items)),
        time=f"{report.seconds:.3f}",
        timestamp=_timestamp(),
        hostname=platform.node(),
    )
    for item in report.items:
        case = ET.SubElement(suite, "testcase", classname=item.classname, name=item.title, time=f"{item.seconds:.3f}")
        if item.outcome is Outcome.FAIL:
            where = f"{_where(item.location)}: " if item.location else ""
            failure = ET.SubElement(case, "failure", message=_xml_safe(f"{where}{item.message}"))
            failure.text = _xml_safe(item.details or item.message)
        elif item.outcome is Outcome.KNOWN:
            ET.SubElement(case, "skipped", message=_xml_safe(item.message))
        elif item.outcome is Outcome.INFO:
            out = ET.SubElement(case, "system-out")
            out.text = _xml_safe(item.details or item.message)
    root = ET.Element("testsuites", name="vpcsim")
    root.append(suite)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode") + "\n"


def _timestamp() -> str:
    """Now as xs:dateTime: the offset as +00:00 (strftime's %z gives +0000, which the schema rejects)."""
    import datetime as dt

    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def _where(loc: Location) -> str:
    return f"{_relpath(loc.file)}:{loc.line}:{loc.col}"


def _xml_safe(value: str) -> str:
    """Drop characters XML 1.0 cannot carry (as pytest's bin_xml_escape does, minus the escapes).

    Other controls (C1, bidi) are escaped by `clean`: CI logs print these bodies to a terminal.
    """
    value = clean(value)
    return "".join(c if c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD
                   or 0x10000 <= ord(c) <= 0x10FFFF else f"#x{ord(c):02X}" for c in value)


# -- SARIF ---------------------------------------------------------------------------------------


def _relpath(path: str, base: str | None = None) -> str:
    """A path relative to `base` (default: the working directory), '/'-separated; absolute if outside."""
    if not path or path.startswith("<"):
        return path
    base = os.path.abspath(base or os.getcwd())
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, base)
    except ValueError:  # another drive (Windows)
        return full.replace(os.sep, "/")
    if rel.startswith(".."):
        return full.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def _artifact(path: str, base: str) -> dict[str, Any]:
    from urllib.parse import quote

    rel = _relpath(path, base)
    if os.path.isabs(rel) or rel.startswith("/"):
        from pathlib import Path

        return {"uri": Path(rel).as_uri()}
    # A URI reference: a space, '%', '#', '?' or a ':' in the first segment must be percent-encoded.
    return {"uri": quote(rel, safe="/"), "uriBaseId": "%SRCROOT%"}


def _physical(loc: Location, base: str) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(loc.line, 1)}
    if loc.col > 0:
        region["startColumn"] = loc.col
    return {"artifactLocation": _artifact(loc.file, base), "region": region}


def sarif(report: Report, *, base: str | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one run, rules with stable ids and `security-severity`, results located in the YAML."""
    from vpcsim.version import __version__

    base = os.path.abspath(base or os.getcwd())
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rule in report.rules:
        index[rule.id] = len(rules)
        rules.append({
            "id": rule.id,
            "name": _pascal(rule.name),
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.help or rule.summary},
            "help": {"text": rule.help or rule.summary, "markdown": rule.help or rule.summary},
            "defaultConfiguration": {"level": rule.level.value},
            "properties": {
                "tags": list(rule.tags),
                "precision": "very-high",
                "security-severity": f"{rule.security_severity:.1f}",
            },
        })
    results = []
    for item in report.findings:
        result: dict[str, Any] = {
            "ruleId": item.rule.id,
            "ruleIndex": index[item.rule.id],
            "level": item.level.value,
            "message": {"text": item.message},
        }
        if item.location is not None and not item.location.file.startswith("<"):
            result["locations"] = [{"physicalLocation": _physical(item.location, base)}]
        related = [(what, loc) for what, loc in item.related if not loc.file.startswith("<")]
        if related:
            result["relatedLocations"] = [
                {"id": n, "physicalLocation": _physical(loc, base), "message": {"text": what}}
                for n, (what, loc) in enumerate(related, 1)
            ]
        if item.fingerprint:
            result["partialFingerprints"] = {"vpcsimFinding/v1": item.fingerprint}
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "vpcsim",
                "semanticVersion": __version__,
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"vpcsim/{report.tool}/{_relpath(report.design, base)}/"},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _dir_uri(base)}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _dir_uri(path: str) -> str:
    from pathlib import Path

    uri = Path(path).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").replace("/", "-").split("-") if part)


# -- GitHub --------------------------------------------------------------------------------------


def github_escape_data(value: str) -> str:
    """Escape a workflow command's message (as @actions/core's escapeData does), minus control characters.

    The runner prints the message to the log, so ESC/OSC would reach whoever reads it.
    """
    return clean(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def github_escape_property(value: str) -> str:
    """Escape a workflow command's property value (escapeProperty: also ':' and ',')."""
    return github_escape_data(value).replace(":", "%3A").replace(",", "%2C")


_GITHUB_COMMAND = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "notice"}


def _command(level: Level, message: str, title: str, loc: Location | None, base: str | None = None) -> str:
    props = []
    if loc is not None and not loc.file.startswith("<"):
        props.append(f"file={github_escape_property(_relpath(loc.file, base))}")
        if loc.line > 0:
            props.append(f"line={loc.line}")
        if loc.col > 0:
            props.append(f"col={loc.col}")
    props.append(f"title={github_escape_property(title)}")
    return f"::{_GITHUB_COMMAND[level]} {','.join(props)}::{github_escape_data(message)}"


def github_commands(report: Report, *, base: str | None = None) -> str:
    """Workflow commands, at most 10 per type (GitHub's limit): past that, 9 and one pointing to the summary."""
    lines = []
    for level in Level:
        items = [i for i in report.findings if i.level is level]
        shown = items if len(items) <= GITHUB_LIMIT else items[: GITHUB_LIMIT - 1]
        for item in shown:
            lines.append(_command(level, item.message, f"vpcsim {item.rule.id}", item.location, base))
        if len(items) > len(shown):
            more = len(items) - len(shown)
            lines.append(_command(level, f"{more} more {level.value}(s) from vpcsim {report.tool}: see the job summary",
                                  f"vpcsim {report.tool}", None))
    return "\n".join(lines)


def github_summary(report: Report, *, base: str | None = None) -> str:
    """A Markdown job summary listing every finding (for $GITHUB_STEP_SUMMARY)."""
    failed = len(report.failed)
    head = "passed" if not failed else f"{failed} failing"
    lines = [f"### vpcsim {report.tool}: {_md(_relpath(report.design, base))} ({head})", ""]
    if report.tool == "check":
        lines += ["| result | assertion | details |", "| --- | --- | --- |"]
        for item in report.items[:MAX_DIAGNOSTICS]:
            mark = "pass" if item.outcome is Outcome.PASS else "**FAIL**"
            lines.append(f"| {mark} | {_md(item.title)} | {_md(item.message)} |")
        lines += ["", *_more(len(report.items), "assertion")] if len(report.items) > MAX_DIAGNOSTICS else []
    else:
        lines += ["| level | rule | location | message |", "| --- | --- | --- | --- |"]
        for item in report.findings[:MAX_DIAGNOSTICS]:
            where = f"{_relpath(item.location.file, base)}:{item.location.line}" if item.location else ""
            lines.append(f"| {item.level.value} | {_md(item.rule.id)} {_md(item.rule.name)} | {_md(where)} | {_md(item.message)} |")
        if not report.findings:
            lines.append("| | | | no findings |")
        lines += ["", *_more(len(report.findings), "finding")] if len(report.findings) > MAX_DIAGNOSTICS else []
    if report.notes:
        lines += ["", *(f"- {_md(note)}" for note in report.notes)]
    return "\n".join(lines) + "\n"


def _md(value: str) -> str:
    return clean(value.replace("\r", " ").replace("\n", " "), multiline=False).replace("|", "\\|")


# -- GitLab ----------------------------------------------------------------------------------------

# GitLab's Code Quality report: a JSON array of issues, each with description, check_name, a unique
# fingerprint, severity (info|minor|major|critical|blocker) and location.path + lines.begin
# (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format).
_GITLAB_SEVERITY = {Level.ERROR: "major", Level.WARNING: "minor", Level.NOTE: "info"}


def gitlab_code_quality(report: Report, *, base: str | None = None) -> list[dict[str, Any]]:
    """The findings (failing assertions, lint findings) as a GitLab Code Quality report."""
    base = os.path.abspath(base or os.getcwd())
    issues = []
    seen: set[str] = set()
    for item in report.findings:
        loc = item.location
        path = _relpath(loc.file, base) if loc is not None and not loc.file.startswith("<") else \
            _relpath(report.design, base)
        severity = _GITLAB_SEVERITY[item.level]
        if item.level is Level.ERROR and item.rule.security_severity >= 9.0:
            severity = "critical"
        fingerprint = item.fingerprint or _fingerprint(report.tool, item.rule.id, item.key, item.message)
        while fingerprint in seen:  # GitLab keeps only the first issue of a fingerprint
            fingerprint = _fingerprint(fingerprint, "again")
        seen.add(fingerprint)
        issues.append({
            "type": "issue",
            "description": f"{item.message} [{item.rule.id}]",
            "check_name": item.rule.id,
            "categories": ["Security"] if "security" in item.rule.tags else ["Bug Risk"],
            "fingerprint": fingerprint,
            "severity": severity,
            "location": {"path": path, "lines": {"begin": max(loc.line, 1) if loc is not None else 1}},
        })
    return issues


# -- one entry point for the CLI -------------------------------------------------------------------


FORMATS = ("text", "json", "junit", "sarif", "github", "gitlab")


def render(report: Report, fmt: str, *, rich_console: bool = False, out: IO[str], base: str | None = None,
           inputs: tuple[str, ...] = ()) -> None:
    """Write `report` to `out` in `fmt`; for github, also append the job summary to $GITHUB_STEP_SUMMARY.

    `base` is the repository root that SARIF and GitLab paths are relative to (default: the working
    directory); `inputs` are files no output may overwrite.
    """
    if fmt == "text":
        if rich_console:
            print_rich(report, file=out)
        else:
            out.write(text(report) + "\n")
    elif fmt == "json":
        out.write(json.dumps(report.data, indent=2) + "\n")
    elif fmt == "junit":
        out.write(junit_xml(report))
    elif fmt == "sarif":
        out.write(json.dumps(sarif(report, base=base), indent=2) + "\n")
    elif fmt == "gitlab":
        out.write(json.dumps(gitlab_code_quality(report, base=base), indent=2) + "\n")
    elif fmt == "github":
        commands = github_commands(report, base=base)
        if commands:
            out.write(commands + "\n")
        summary = github_summary(report, base=base)
        path = os.environ.get("GITHUB_STEP_SUMMARY")
        if path:
            with open_output(path, inputs=inputs, append=True, what="$GITHUB_STEP_SUMMARY") as handle:
                _write(handle, summary, "$GITHUB_STEP_SUMMARY")
        elif report.findings:
            out.write(summary)
    else:
        raise ValueError(f"unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")


def write_output(report: Report, fmt: str, output: str | None, *, tty: bool, base: str | None = None,
                 inputs: tuple[str, ...] = ()) -> None:
    """Render to a file (`--output`, never one of `inputs`) or stdout; UsageError when it cannot be written."""
    import sys

    if output and output != "-":
        with open_output(output, inputs=inputs) as handle:
            try:
                render(report, fmt, out=handle, base=base, inputs=inputs)
            except OSError as exc:  # a full disk, a quota
                raise UsageError(f"cannot write --output {output!r}: {exc.strerror or exc}") from None
        return
    render(report, fmt, rich_console=tty, out=sys.stdout, base=base, inputs=inputs)


def _write(handle: IO[str], text: str, what: str) -> None:
    try:
        handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {what}: {exc.strerror or exc}") from None
