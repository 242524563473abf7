"""Reports: check and lint results -> text, rich, JSON, JUnit XML, SARIF 2.1.0, GitHub workflow commands.

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
import time
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from vpcsim.errors import Location, UsageError
from vpcsim.render import MAX_DIAGNOSTICS, clean, open_output, safe_text

if TYPE_CHECKING:
    from vpcsim.check import CheckReport
    from vpcsim.lint import LintReport

__all__ = [
    "Item",
    "Level",
    "Outcome",
    "Report",
    "RuleInfo",
    "check_report",
    "github_commands",
    "github_escape_data",
    "github_escape_property",
    "github_summary",
    "junit_xml",
    "lint_report",
    "print_rich",
    "sarif",
    "text",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/vpcsim/vpcsim"
GITHUB_LIMIT = 10  # GitHub shows at most 10 annotations of each type per step


class Level(enum.Enum):
    """How bad a finding is; SARIF's levels."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {Level.ERROR: 3, Level.WARNING: 2, Level.NOTE: 1}[self]


class Outcome(enum.Enum):
    PASS = "pass"  # an assertion that holds, a lint rule that found nothing
    FAIL = "fail"  # fails the run (exit 1)
    INFO = "info"  # reported, but below the failure threshold


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A SARIF reporting descriptor: a lint rule, or one assertion."""

    id: str
    name: str
    summary: str
    level: Level
    security_severity: float
    help: str = ""
    tags: tuple[str, ...] = ("vpcsim",)


@dataclass(frozen=True, slots=True)
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
    classname: str = "vpcsim"
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Report:
    """What a command produced, ready to render."""

    tool: str  # "check" | "lint"
    design: str
    items: tuple[Item, ...]
    rules: tuple[RuleInfo, ...]
    data: dict[str, Any] = field(default_factory=dict)  # the command's own JSON document
    seconds: float = 0.0

    @property
    def failed(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.outcome is Outcome.FAIL)

    @property
    def findings(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.outcome is not Outcome.PASS)


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
        where = f" ({finding.location})" if finding.location else ""
        items.append(Item(
            rule=info,
            title=f"{rule.id} {rule.name}: {finding.subject}{where}",
            outcome=Outcome.FAIL if failing else Outcome.INFO,
            level=finding.level,
            message=finding.message,
            details=f"{finding.level.value}: {finding.message}" + (f"\n  at {finding.location}" if finding.location else "")
            + "".join(f"\n  {text} at {loc}" for text, loc in finding.related),
            location=finding.location,
            related=finding.related,
            fingerprint=_fingerprint("lint", rule.id, finding.subject, design),
            classname=f"vpcsim.lint.{rule.id}",
        ))
    found = {f.rule.id for f in report.findings}
    for rule in report.rules:
        info = infos.setdefault(rule.id, rule)
        if rule.id not in found:
            items.append(Item(info, f"{rule.id} {rule.name}", Outcome.PASS, rule.level, rule.summary,
                              classname=f"vpcsim.lint.{rule.id}"))
    return Report("lint", report.design, tuple(items), tuple(infos.values()), report.to_json(), seconds)


# -- text ----------------------------------------------------------------------------------------


def text(report: Report, *, verbose: bool = False) -> str:
    """Plain text: every finding or failure with its explanation, then a summary line."""
    lines: list[str] = []
    if report.tool == "check":
        for item in report.items[:MAX_DIAGNOSTICS]:
            mark = "PASS" if item.outcome is Outcome.PASS else "FAIL"
            lines.append(f"{mark}  {item.title}")
            if item.outcome is not Outcome.PASS or verbose:
                body = item.details or item.message
                lines += ["      " + line if line else "" for line in body.splitlines()]
                lines.append("")
        lines += _more(len(report.items), "assertion")
        passed = sum(1 for i in report.items if i.outcome is Outcome.PASS)
        failed = len(report.failed)
        lines.append(f"{report.design}: {passed} passed, {failed} failed")
        return clean("\n".join(lines))
    for item in report.findings[:MAX_DIAGNOSTICS]:
        where = f"{item.location}: " if item.location else ""
        lines.append(f"{where}{item.level.value}: {item.message} [{item.rule.id} {item.rule.name}]")
        for what, loc in item.related:
            lines.append(f"    {what} at {loc}")
    lines += _more(len(report.findings), "finding")
    counts = {level: sum(1 for i in report.findings if i.level is level) for level in Level}
    summary = ", ".join(f"{n} {level.value}{'s' if n != 1 else ''}" for level, n in counts.items())
    lines.append(f"{report.design}: {len(report.findings)} finding(s) ({summary}); {len(report.failed)} failing")
    return clean("\n".join(lines))


def _more(total: int, what: str) -> list[str]:
    """The line that replaces everything past MAX_DIAGNOSTICS: printing 80,000 findings takes seconds."""
    rest = total - MAX_DIAGNOSTICS
    if rest <= 0:
        return []
    return [f"... and {rest:,} more {what}(s) (the first {MAX_DIAGNOSTICS:,} are shown; "
            "--format json, junit or sarif lists every one)"]


def print_rich(report: Report, file: IO[str] | None = None) -> None:
    """A rich rendering for terminals: a table of results, then each failure's explanation."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=file, highlight=False)
    if report.tool == "check":
        table = Table(title=safe_text(f"vpcsim check: {report.design}"), title_justify="left")
        table.add_column("", width=4)
        table.add_column("assertion")
        table.add_column("result", overflow="fold")
        for item in report.items[:MAX_DIAGNOSTICS]:
            ok = item.outcome is Outcome.PASS
            table.add_row(Text("PASS" if ok else "FAIL", style="bold green" if ok else "bold red"),
                          safe_text(item.title), safe_text(item.message))
        console.print(table)
        for line in _more(len(report.items), "assertion"):
            console.print(Text(line, style="dim"))
        for item in report.failed[:MAX_DIAGNOSTICS]:
            console.print(safe_text(f"\nFAILED: {item.title}", style="bold red"))
            console.print(safe_text(item.details))
        passed = sum(1 for i in report.items if i.outcome is Outcome.PASS)
        style = "bold green" if not report.failed else "bold red"
        console.print(Text(f"{passed} passed, {len(report.failed)} failed", style=style))
        return
    table = Table(title=safe_text(f"vpcsim lint: {report.design}"), title_justify="left")
    table.add_column("level")
    table.add_column("rule")
    table.add_column("location")
    table.add_column("message", overflow="fold")
    colors = {Level.ERROR: "bold red", Level.WARNING: "yellow", Level.NOTE: "cyan"}
    for item in report.findings[:MAX_DIAGNOSTICS]:
        table.add_row(Text(item.level.value, style=colors[item.level]), safe_text(f"{item.rule.id}\n{item.rule.name}"),
                      safe_text(str(item.location) if item.location else ""), safe_text(item.message))
    console.print(table)
    for line in _more(len(report.findings), "finding"):
        console.print(Text(line, style="dim"))
    style = "bold red" if report.failed else "bold green"
    console.print(Text(f"{len(report.findings)} finding(s), {len(report.failed)} failing", style=style))


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
        skipped="0",
        tests=str(len(report.items)),
        time=f"{report.seconds:.3f}",
        timestamp=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        hostname=platform.node(),
    )
    for item in report.items:
        case = ET.SubElement(suite, "testcase", classname=item.classname, name=item.title, time=f"{item.seconds:.3f}")
        if item.outcome is Outcome.FAIL:
            where = f"{_where(item.location)}: " if item.location else ""
            failure = ET.SubElement(case, "failure", message=_xml_safe(f"{where}{item.message}"))
            failure.text = _xml_safe(item.details or item.message)
        elif item.outcome is Outcome.INFO:
            out = ET.SubElement(case, "system-out")
            out.text = _xml_safe(item.details or item.message)
    root = ET.Element("testsuites", name="vpcsim")
    root.append(suite)
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode") + "\n"


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
    rel = _relpath(path, base)
    if os.path.isabs(rel) or rel.startswith("/"):
        from pathlib import Path

        return {"uri": Path(rel).as_uri()}
    return {"uri": rel, "uriBaseId": "%SRCROOT%"}


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


def _command(level: Level, message: str, title: str, loc: Location | None) -> str:
    props = []
    if loc is not None and not loc.file.startswith("<"):
        props.append(f"file={github_escape_property(_relpath(loc.file))}")
        if loc.line > 0:
            props.append(f"line={loc.line}")
        if loc.col > 0:
            props.append(f"col={loc.col}")
    props.append(f"title={github_escape_property(title)}")
    return f"::{_GITHUB_COMMAND[level]} {','.join(props)}::{github_escape_data(message)}"


def github_commands(report: Report) -> str:
    """Workflow commands, at most 10 per type (GitHub's limit): past that, 9 and one pointing to the summary."""
    lines = []
    for level in Level:
        items = [i for i in report.findings if i.level is level]
        shown = items if len(items) <= GITHUB_LIMIT else items[: GITHUB_LIMIT - 1]
        for item in shown:
            lines.append(_command(level, item.message, f"vpcsim {item.rule.id}", item.location))
        if len(items) > len(shown):
            more = len(items) - len(shown)
            lines.append(_command(level, f"{more} more {level.value}(s) from vpcsim {report.tool}: see the job summary",
                                  f"vpcsim {report.tool}", None))
    return "\n".join(lines)


def github_summary(report: Report) -> str:
    """A Markdown job summary listing every finding (for $GITHUB_STEP_SUMMARY)."""
    failed = len(report.failed)
    head = "passed" if not failed else f"{failed} failing"
    lines = [f"### vpcsim {report.tool}: {_md(_relpath(report.design))} ({head})", ""]
    if report.tool == "check":
        lines += ["| result | assertion | details |", "| --- | --- | --- |"]
        for item in report.items[:MAX_DIAGNOSTICS]:
            mark = "pass" if item.outcome is Outcome.PASS else "**FAIL**"
            lines.append(f"| {mark} | {_md(item.title)} | {_md(item.message)} |")
        lines += ["", *_more(len(report.items), "assertion")] if len(report.items) > MAX_DIAGNOSTICS else []
    else:
        lines += ["| level | rule | location | message |", "| --- | --- | --- | --- |"]
        for item in report.findings[:MAX_DIAGNOSTICS]:
            where = f"{_relpath(item.location.file)}:{item.location.line}" if item.location else ""
            lines.append(f"| {item.level.value} | {_md(item.rule.id)} {_md(item.rule.name)} | {_md(where)} | {_md(item.message)} |")
        if not report.findings:
            lines.append("| | | | no findings |")
        lines += ["", *_more(len(report.findings), "finding")] if len(report.findings) > MAX_DIAGNOSTICS else []
    return "\n".join(lines) + "\n"


def _md(value: str) -> str:
    return clean(value.replace("\r", " ").replace("\n", " "), multiline=False).replace("|", "\\|")


# -- one entry point for the CLI -------------------------------------------------------------------


FORMATS = ("text", "json", "junit", "sarif", "github")


def render(report: Report, fmt: str, *, rich_console: bool = False, out: IO[str], inputs: tuple[str, ...] = ()) -> None:
    """Write `report` to `out` in `fmt`; for github, also append the job summary to $GITHUB_STEP_SUMMARY."""
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
        out.write(json.dumps(sarif(report), indent=2) + "\n")
    elif fmt == "github":
        commands = github_commands(report)
        if commands:
            out.write(commands + "\n")
        summary = github_summary(report)
        path = os.environ.get("GITHUB_STEP_SUMMARY")
        if path:
            with open_output(path, inputs=inputs, append=True, what="$GITHUB_STEP_SUMMARY") as handle:
                _write(handle, summary, "$GITHUB_STEP_SUMMARY")
        elif report.findings:
            out.write(summary)
    else:
        raise ValueError(f"unknown format {fmt!r} (expected one of: {', '.join(FORMATS)})")


def write_output(report: Report, fmt: str, output: str | None, *, tty: bool, inputs: tuple[str, ...] = ()) -> None:
    """Render to a file (`--output`, never one of `inputs`) or stdout; UsageError when it cannot be written."""
    import sys

    if output and output != "-":
        with open_output(output, inputs=inputs) as handle:
            try:
                render(report, fmt, out=handle, inputs=inputs)
            except OSError as exc:  # a full disk, a quota
                raise UsageError(f"cannot write --output {output!r}: {exc.strerror or exc}") from None
        return
    render(report, fmt, rich_console=tty, out=sys.stdout, inputs=inputs)


def _write(handle: IO[str], text: str, what: str) -> None:
    try:
        handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {what}: {exc.strerror or exc}") from None
