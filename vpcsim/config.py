"""Config and baselines: `.vpcsim.yaml` / `[tool.vpcsim]` and baseline files -> frozen, located records.

The config is found upward from the working directory: in each folder `.vpcsim.yaml` (or
`.vpcsim.yml`) first, then a `pyproject.toml` with a `[tool.vpcsim]` table; the first found
wins, as ruff and tflint do. Paths in it are relative to its own folder. Command-line flags win
over it. A bad config, like a bad design, fails with `file:line:col` diagnostics (exit 3).

Baselines (`--create-baseline` / `--baseline`) are JSON files listing known findings by rule and
resource identity (lint) or known-failing assertions by id (check), never by line number, so
moving or reformatting YAML does not bring a finding back. Entries may carry an expiry date.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import field

import vpcsim.arguments as arguments
from vpcsim.errors import DesignError, Diagnostic, Location, Severity, UsageError
from vpcsim.facts import EPHEMERAL_PRESETS
from vpcsim.loader.reader import Map, Node, Scalar, Seq, kind_of, load_file
from vpcsim.records import record

__all__ = [
    "CONFIG_NAMES",
    "Baseline",
    "BaselineEntry",
    "CheckConfig",
    "Config",
    "ConfigError",
    "LintConfig",
    "find_config",
    "load_baseline",
    "load_config",
    "parse_format",
    "write_baseline",
]

CONFIG_NAMES = (".vpcsim.yaml", ".vpcsim.yml")
FORMATS = ("text", "json", "junit", "sarif", "github", "gitlab")
LEVELS = ("error", "warning", "note")
FAIL_ON = ("error", "warning", "note", "never")
BUILTIN_PRESETS = EPHEMERAL_PRESETS  # facts.py: AWS's ephemeral ranges, with their source
_PRESET_NAME = re.compile(r"[a-z][a-z0-9_-]*")
_RULE = re.compile(r"(?:VPC\d{3}|VPC\d*\*|aws|aws/[a-z0-9-]+|aws/\*|\*)")
BASELINE_VERSION = 1


class ConfigError(DesignError):
    """A config or baseline file is malformed; `diagnostics` says where (exit 3, like a bad design)."""


@record
class CheckConfig:
    format: tuple[str, ...] = ()
    baseline: str | None = None


@record
class LintConfig:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, str], ...] = ()  # (rule id or pattern, level), in the order written
    fail_on: str | None = None
    format: tuple[str, ...] = ()
    baseline: str | None = None


@record
class Config:
    """What a config file says; every path already joined to the config's folder."""

    path: str | None = None  # None: no config file was found
    design: str | None = None
    tf_dir: str | None = None  # the .tf sources of a Terraform design (`--tf-dir`)
    assertions: tuple[str, ...] = ()
    ephemeral: str | None = None  # a preset name or lo-hi, as --ephemeral takes it
    presets: tuple[tuple[str, tuple[int, int]], ...] = ()
    sarif_root: str | None = None
    check: CheckConfig = field(default_factory=CheckConfig)
    lint: LintConfig = field(default_factory=LintConfig)
    loc: Location = field(default=Location("<no config>", 0, 0), compare=False)

    @property
    def root(self) -> str | None:
        """The folder the config lives in (the repository root, usually)."""
        return os.path.dirname(os.path.abspath(self.path)) if self.path else None

    def ephemeral_presets(self) -> dict[str, tuple[int, int]]:
        return {**BUILTIN_PRESETS, **dict(self.presets)}


# -- finding ---------------------------------------------------------------------------------------


def find_config(start: str | os.PathLike[str] | None = None) -> str | None:
    """The config that applies in `start` (default: the working directory), searching upward."""
    folder = os.path.abspath(os.fspath(start) if start is not None else os.getcwd())
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                return candidate
        pyproject = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(pyproject) and _has_tool_table(pyproject):
            return pyproject
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


# The spellings of a [tool.vpcsim] table in TOML, line by line: its header; `vpcsim = ...` or
# `vpcsim.key = ...` under [tool]; `tool.vpcsim... = ` or `tool = {vpcsim = ...}` at the root
# (keys bare or quoted). A file with none has no such table (tests/test_config.py checks them
# against tomllib).
_KEY = r"""(?:{0}|"{0}"|'{0}')"""
_TOOL_HEADER = re.compile(rf"^\s*\[\[?\s*{_KEY.format('tool')}\s*\.\s*{_KEY.format('vpcsim')}\s*[\].]", re.M)
_TOOL_TABLE = re.compile(rf"^\s*\[\s*{_KEY.format('tool')}\s*\]", re.M)
_VPCSIM_KEY = re.compile(rf"^\s*{_KEY.format('vpcsim')}\s*[.=]", re.M)
_TOOL_KEY = re.compile(rf"^\s*{_KEY.format('tool')}\s*[.=].*vpcsim", re.M)


def _has_tool_table(path: str) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(1_000_000)
    except OSError:
        return False
    if _TOOL_HEADER.search(text):
        return True
    if not (_TOOL_KEY.search(text) or (_TOOL_TABLE.search(text) and _VPCSIM_KEY.search(text))):
        return False  # (no other spelling of it: most files that name vpcsim, as a dependency say, are not parsed)
    import tomllib

    try:  # the rarer spellings: `vpcsim = {...}` under [tool], or dotted keys
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return False
    return isinstance(tool, dict) and "vpcsim" in tool


# -- loading ---------------------------------------------------------------------------------------


def _error(message: str, loc: Location, code: str = "config") -> ConfigError:
    return ConfigError([Diagnostic(Severity.ERROR, code, message, loc)])


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and check a config file (`.vpcsim.yaml` or a pyproject.toml's `[tool.vpcsim]`)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise _error("config file not found; expected .vpcsim.yaml or a pyproject.toml with [tool.vpcsim]",
                     Location(path, 0, 0))
    if os.path.basename(path) == "pyproject.toml" or path.endswith(".toml"):
        node = _load_pyproject(path)
    else:
        try:
            node = load_file(path, what="config file")
        except DesignError as exc:
            raise ConfigError(exc.diagnostics) from None
    return _Checker(path).config(node)


def _load_pyproject(path: str) -> Node:
    import tomllib

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise _error(f"not UTF-8 text ({exc.reason})", Location(path, 1, 1)) from None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        loc = Location(path, int(match.group(1)), int(match.group(2))) if match else Location(path, 1, 1)
        raise _error(f"malformed TOML: {re.sub(r' [(]at (line|end of document).*', '', str(exc))}", loc) from None
    tool = data.get("tool", {})
    table = tool.get("vpcsim") if isinstance(tool, dict) else None
    locator = _TomlLocator(path, text)
    if table is None:
        raise _error("pyproject.toml has no [tool.vpcsim] table", Location(path, 0, 0))
    return locator.node(table, ("tool", "vpcsim"))


class _TomlLocator:
    """tomllib keeps no positions: find each `key =` line under its table header instead."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.keys: dict[tuple[str, ...], Location] = {}
        table: tuple[str, ...] = ()
        header = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\- \"']+?)\s*\]\s*(?:#.*)?$")
        assign = re.compile(r"^(\s*)([A-Za-z0-9_\-\"'.]+)\s*=")
        for number, line in enumerate(text.splitlines(), 1):
            if match := header.match(line):
                table = tuple(p.strip().strip("\"'") for p in match.group(1).split("."))
                self.keys.setdefault(table, Location(path, number, line.index("[") + 1))
            elif match := assign.match(line):
                dotted = tuple(p.strip("\"'") for p in match.group(2).split("."))
                self.keys.setdefault(table + dotted, Location(path, number, len(match.group(1)) + 1))

    def loc(self, key: tuple[str, ...]) -> Location:
        while key:
            if key in self.keys:
                return self.keys[key]
            key = key[:-1]
        return Location(self.path, 1, 1)

    def node(self, value: object, key: tuple[str, ...]) -> Node:
        loc = self.loc(key)
        if isinstance(value, dict):
            entries = {str(k): self.node(v, (*key, str(k))) for k, v in value.items()}
            return Map(entries, {k: self.loc((*key, k)) for k in entries}, loc)
        if isinstance(value, list):
            return Seq(tuple(self.node(v, key) for v in value), loc)
        if value is None or isinstance(value, (str, int, float, bool)):
            return Scalar(value, loc)
        return Scalar(str(value), loc)  # a TOML date or time: a string to us


class _Checker:
    def __init__(self, path: str) -> None:
        self.path = path
        self.folder = os.path.dirname(os.path.abspath(path))
        self.problems: list[Diagnostic] = []

    def fail(self, message: str, loc: Location) -> None:
        self.problems.append(Diagnostic(Severity.ERROR, "config", message, loc))

    def known(self, node: Map, keys: Iterable[str], where: str) -> None:
        allowed = list(keys)
        for key, loc in node.keys.items():
            if key not in allowed:
                self.fail(f"unknown key {key!r} in {where}; expected one of: {', '.join(allowed)}", loc)

    def mapping(self, node: Node | None, what: str) -> Map | None:
        if node is None:
            return None
        if not isinstance(node, Map):
            self.fail(f"{what} must be a mapping, not {kind_of(node)}", node.loc)
            return None
        return node

    def string(self, node: Node | None, what: str) -> str | None:
        if node is None:
            return None
        if not isinstance(node, Scalar) or not isinstance(node.value, str) or not node.value.strip():
            self.fail(f"{what} must be a non-empty string, not {kind_of(node)}", node.loc)
            return None
        return node.value.strip()

    def strings(self, node: Node | None, what: str) -> tuple[tuple[str, Location], ...]:
        """A list of strings; a single string or a comma-separated one counts as a list too."""
        if node is None:
            return ()
        items = node.items if isinstance(node, Seq) else (node,)
        out = []
        for item in items:
            text = self.string(item, f"each of {what}")
            if text is not None:
                out += [(part.strip(), item.loc) for part in text.split(",") if part.strip()]
        return tuple(out)

    def join(self, text: str | None) -> str | None:
        """A path written in the config, relative to the working directory when that reads better."""
        if text is None:
            return None
        full = os.path.normpath(os.path.join(self.folder, os.path.expanduser(text)))
        cwd = os.getcwd()
        try:
            inside = os.path.commonpath([cwd, self.folder]) == self.folder or os.path.commonpath([cwd, full]) == cwd
            return os.path.relpath(full) if inside else full
        except ValueError:  # another drive (Windows)
            return full

    def formats(self, node: Node | None, what: str) -> tuple[str, ...]:
        out = []
        for text, loc in self.strings(node, what):
            try:
                fmt, target = parse_format(text)
            except ValueError as exc:
                self.fail(str(exc), loc)
                continue
            out.append(fmt if target is None else f"{fmt}:{self.join(target)}")
        return tuple(out)

    def rules(self, node: Node | None, what: str) -> tuple[str, ...]:
        out = []
        for text, loc in self.strings(node, what):
            if not _RULE.fullmatch(text):
                self.fail(f"{what}: unknown rule {text!r}; expected a rule id (VPC001), a prefix (VPC0*), "
                          "aws or aws/<code>", loc)
            else:
                out.append(text)
        return tuple(out)

    def choice(self, node: Node | None, what: str, choices: Sequence[str]) -> str | None:
        text = self.string(node, what)
        if text is not None and text not in choices:
            assert node is not None
            self.fail(f"{what} is {text!r}; expected one of: {', '.join(choices)}", node.loc)
            return None
        return text

    def ephemeral(self, node: Node | None, what: str, presets: dict[str, tuple[int, int]]) -> tuple[int, int] | None:
        if node is None:
            return None
        if isinstance(node, Seq) and len(node.items) == 2 and all(
                isinstance(i, Scalar) and isinstance(i.value, int) and not isinstance(i.value, bool)
                for i in node.items):
            lo, hi = (i.value for i in node.items if isinstance(i, Scalar))
            text = f"{lo}-{hi}"
        elif isinstance(node, Scalar) and isinstance(node.value, str):
            text = node.value.strip()
        else:
            self.fail(f"{what} must be a port range like 49152-65535 or a preset name, not {kind_of(node)}",
                      node.loc)
            return None
        got = parse_ephemeral(text, presets)
        if got is None:
            self.fail(f"{what} is {text!r}; expected lo-hi with 0 <= lo <= hi <= 65535, or one of the presets "
                      f"{', '.join(sorted(presets))}", node.loc)
        return got

    def config(self, node: Node) -> Config:
        root = self.mapping(node, "the config")
        if root is None:
            raise ConfigError(self.problems)
        self.known(root, ("design", "assertions", "tf-dir", "ephemeral", "ephemeral-presets", "sarif-root",
                          "format", "check", "lint"), "the config")
        presets = dict(BUILTIN_PRESETS)
        custom: list[tuple[str, tuple[int, int]]] = []
        table = self.mapping(root.get("ephemeral-presets"), "ephemeral-presets")
        for name, value in (table.entries.items() if table else ()):
            assert table is not None
            if not _PRESET_NAME.fullmatch(name):
                self.fail(f"ephemeral preset name {name!r} must be lowercase letters, digits, - or _",
                          table.keys[name])
                continue
            got = self.ephemeral(value, f"ephemeral preset {name!r}", BUILTIN_PRESETS)
            if got is not None:
                presets[name] = got
                custom.append((name, got))
        ephemeral = None
        if root.get("ephemeral") is not None:
            got = self.ephemeral(root.get("ephemeral"), "ephemeral", presets)
            node_e = root.get("ephemeral")
            if got is not None:
                ephemeral = node_e.value.strip() if isinstance(node_e, Scalar) and isinstance(node_e.value, str) \
                    else f"{got[0]}-{got[1]}"
        formats = self.formats(root.get("format"), "format")
        check = self.mapping(root.get("check"), "check")
        lint = self.mapping(root.get("lint"), "lint")
        check_config = CheckConfig(format=formats)
        if check is not None:
            self.known(check, ("format", "baseline"), "check")
            check_config = CheckConfig(
                format=self.formats(check.get("format"), "check.format") or formats,
                baseline=self.join(self.string(check.get("baseline"), "check.baseline")),
            )
        lint_config = LintConfig(format=formats)
        if lint is not None:
            self.known(lint, ("select", "ignore", "severity", "fail-on", "format", "baseline"), "lint")
            severity = []
            levels = self.mapping(lint.get("severity"), "lint.severity")
            for rule, value in (levels.entries.items() if levels else ()):
                assert levels is not None
                if not _RULE.fullmatch(rule):
                    self.fail(f"lint.severity: unknown rule {rule!r}; expected a rule id (VPC001), a prefix "
                              "(VPC0*), aws or aws/<code>", levels.keys[rule])
                level = self.choice(value, f"lint.severity of {rule}", LEVELS)
                if level is not None:
                    severity.append((rule, level))
            lint_config = LintConfig(
                select=self.rules(lint.get("select"), "lint.select"),
                ignore=self.rules(lint.get("ignore"), "lint.ignore"),
                severity=tuple(severity),
                fail_on=self.choice(lint.get("fail-on"), "lint.fail-on", FAIL_ON),
                format=self.formats(lint.get("format"), "lint.format") or formats,
                baseline=self.join(self.string(lint.get("baseline"), "lint.baseline")),
            )
        tf_dir = self.join(self.string(root.get("tf-dir"), "tf-dir"))
        if tf_dir is not None and not os.path.isdir(tf_dir):
            node_t = root.get("tf-dir")
            assert node_t is not None
            self.fail(f"tf-dir {tf_dir!r} is not a folder; expected the folder of the Terraform .tf sources "
                      "(relative to the config)", node_t.loc)
        config = Config(
            path=self.path,
            design=self.join(self.string(root.get("design"), "design")),
            tf_dir=tf_dir,
            assertions=tuple(p for t, _ in self.strings(root.get("assertions"), "assertions")
                             if (p := self.join(t)) is not None),
            ephemeral=ephemeral,
            presets=tuple(custom),
            sarif_root=self.join(self.string(root.get("sarif-root"), "sarif-root")),
            check=check_config,
            lint=lint_config,
            loc=root.loc,
        )
        if self.problems:
            raise ConfigError(self.problems)
        return config


def parse_ephemeral(text: str, presets: dict[str, tuple[int, int]] | None = None) -> tuple[int, int] | None:
    """A preset name or `lo-hi` -> (lo, hi); None when it is neither (arguments.ephemeral's rules)."""
    try:
        return arguments.ephemeral(text, BUILTIN_PRESETS if presets is None else presets)
    except UsageError:
        return None


def parse_format(text: str) -> tuple[str, str | None]:
    """`FORMAT` or `FORMAT:PATH` (checkov's syntax) -> (format, path or None); ValueError if unknown."""
    fmt, sep, target = text.partition(":")
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {text!r}; expected FORMAT or FORMAT:PATH with FORMAT one of "
                         f"{', '.join(FORMATS)}")
    if sep and not target.strip():
        raise ValueError(f"output format {text!r} names no file after ':'; expected FORMAT:PATH")
    return fmt, (target.strip() if sep else None)


# -- baselines -------------------------------------------------------------------------------------


@record
class BaselineEntry:
    """A known finding (lint: rule + resource) or known-failing assertion (check: its id)."""

    key: str  # "VPC001 web-sg" / "web-exposure": what items are matched on
    expires: dt.date | None = None
    note: str = ""
    loc: Location = field(default=Location("<baseline>", 0, 0), compare=False)


@record
class Baseline:
    path: str
    command: str  # "lint" | "check"
    entries: tuple[BaselineEntry, ...]

    def get(self, key: str) -> BaselineEntry | None:
        for entry in self.entries:
            if entry.key == key:
                return entry
        return None


def baseline_key(command: str, rule: str, resource: str) -> str:
    return f"{rule} {resource}" if command == "lint" else resource


def write_baseline(path: str, command: str, design: str, entries: Sequence[dict[str, str]],
                   expires: dt.date | None = None) -> None:
    """Write a baseline: `entries` are {"rule", "resource", "message"} (lint) or {"assertion", "name"} (check)."""
    doc = {
        "vpcsim-baseline": BASELINE_VERSION,
        "command": command,
        "design": design,
        "created": dt.date.today().isoformat(),
        "entries": [{**e, **({"expires": expires.isoformat()} if expires else {})} for e in entries],
    }
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def load_baseline(path: str, command: str) -> Baseline:
    """Read a baseline written by `vpcsim COMMAND --create-baseline`; located errors if malformed."""
    if not os.path.isfile(path):
        raise _error(f"baseline file not found; create it with vpcsim {command} --create-baseline {path}",
                     Location(path, 0, 0), "baseline")
    try:
        node = load_file(path, what="baseline file")  # JSON is YAML: the located reader gives line and column
    except DesignError as exc:
        raise ConfigError(exc.diagnostics) from None
    problems: list[Diagnostic] = []

    def fail(message: str, loc: Location) -> None:
        problems.append(Diagnostic(Severity.ERROR, "baseline", message, loc))

    if not isinstance(node, Map):
        raise _error(f"a baseline must be a JSON object, not {kind_of(node)}", node.loc, "baseline")
    version = node.get("vpcsim-baseline")
    if not isinstance(version, Scalar) or version.value != BASELINE_VERSION:
        fail(f"not a vpcsim baseline (expected \"vpcsim-baseline\": {BASELINE_VERSION})",
             version.loc if version else node.loc)
    written = node.get("command")
    if isinstance(written, Scalar) and written.value != command:
        fail(f"this baseline is for vpcsim {written.value}, not vpcsim {command}", written.loc)
    items = node.get("entries")
    entries = []
    if not isinstance(items, Seq):
        fail(f"\"entries\" must be a list, not {kind_of(items) if items else 'missing'}",
             items.loc if items else node.loc)
        items = Seq((), node.loc)
    fields = ("rule", "resource") if command == "lint" else ("assertion",)
    for item in items.items:
        if not isinstance(item, Map):
            fail(f"each entry must be an object, not {kind_of(item)}", item.loc)
            continue
        values = []
        for name in fields:
            value = item.get(name)
            if not isinstance(value, Scalar) or not isinstance(value.value, str) or not value.value:
                fail(f"entry needs a string {name!r}" + (f", not {kind_of(value)}" if value else ""),
                     value.loc if value else item.loc)
            else:
                values.append(value.value)
        expires = None
        when = item.get("expires")
        if when is not None and not (isinstance(when, Scalar) and when.value is None):
            text = when.value if isinstance(when, Scalar) else None
            try:
                expires = dt.date.fromisoformat(str(text)) if isinstance(text, str) else None
            except ValueError:
                expires = None
            if expires is None:
                fail(f"\"expires\" must be a date like 2027-01-31, not {kind_of(when)}", when.loc)
        note = item.get("note")
        if len(values) == len(fields):
            key = baseline_key(command, values[0], values[-1])
            entries.append(BaselineEntry(key, expires, str(note.value) if isinstance(note, Scalar) else "",
                                         item.loc))
    if problems:
        raise ConfigError(problems)
    return Baseline(path, command, tuple(entries))
