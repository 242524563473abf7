"""Reader: YAML text -> a located tree of Map / Seq / Scalar nodes, without interpreting it.

Uses libyaml (CSafeLoader) when available, else PyYAML's pure-Python SafeLoader; only the
*composer* runs, so no Python object is ever constructed from a tag. Hostile input (binary
junk, huge files, alias bombs, deep nesting) fails with a located DesignError.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import yaml

from vpcsim.errors import DesignError, Diagnostic, Location, Severity

MAX_BYTES = 64 * 1024 * 1024
# An alias bomb expands a few lines into billions of nodes; real designs stay far below this.
MAX_NODES = 2_000_000
MAX_DEPTH = 64

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # libyaml not compiled in
    _Loader = yaml.SafeLoader

ScalarValue = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Scalar:
    value: ScalarValue
    loc: Location


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]
    loc: Location


@dataclass(frozen=True, slots=True)
class Map:
    """A mapping; `keys` holds each key's own location (for "unknown key" errors)."""

    entries: dict[str, Node]
    keys: dict[str, Location]
    loc: Location

    def get(self, key: str) -> Node | None:
        return self.entries.get(key)


Node = Scalar | Seq | Map


def kind_of(node: Node) -> str:
    if isinstance(node, Map):
        return "a mapping"
    if isinstance(node, Seq):
        return "a list"
    value = node.value
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return f"a string ({value!r})"


def _fail(message: str, loc: Location, code: str = "load") -> DesignError:
    return DesignError([Diagnostic(Severity.ERROR, code, message, loc)])


def read_text(path: str, max_bytes: int = MAX_BYTES) -> str:
    """Read a design file as text, refusing huge, binary or non-UTF-8 files."""
    start = Location(path, 1, 1)
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise _fail(f"cannot read design file: {exc.strerror or exc}", start, "io") from None
    if size > max_bytes:
        raise _fail(
            f"design file is {size:,} bytes; the limit is {max_bytes:,} bytes "
            "(expected a YAML design, not a data dump)",
            start,
            "too-large",
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _fail(f"cannot read design file: {exc.strerror or exc}", start, "io") from None
    return decode(data, path)


def decode(data: bytes, name: str) -> str:
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise _fail(
            f"binary data (a NUL byte at offset {offset}); expected a YAML text file",
            Location(name, 1, 1),
            "binary",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x}); expected a YAML text file",
            Location(name, line, col),
            "encoding",
        ) from None


def parse(text: str, name: str) -> Node:
    """Parse YAML text into a located tree. An empty document is an empty mapping."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
        problem = exc.problem or exc.context or "malformed YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        raise _fail(f"malformed YAML: {problem}{context}", loc, "yaml") from None
    except yaml.YAMLError as exc:
        raise _fail(f"malformed YAML: {exc}", Location(name, 1, 1), "yaml") from None
    except RecursionError:
        raise _fail("YAML nested too deeply", Location(name, 1, 1), "yaml") from None
    if root is None:
        return Map({}, {}, Location(name, 1, 1))
    return _Converter(name).convert(root, 0)


def load_file(path: str, max_bytes: int = MAX_BYTES) -> Node:
    return parse(read_text(path, max_bytes), path)


class _Converter:
    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def loc(self, node: yaml.Node) -> Location:
        mark = node.start_mark
        return Location(self.name, mark.line + 1, mark.column + 1)

    def convert(self, node: yaml.Node, depth: int) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise _fail(
                f"document expands to more than {MAX_NODES:,} nodes "
                "(an alias bomb?); expected a design of reasonable size",
                self.loc(node),
                "too-large",
            )
        if depth > MAX_DEPTH:
            raise _fail(
                f"nested more than {MAX_DEPTH} levels deep (a recursive alias?)",
                self.loc(node),
                "too-deep",
            )
        if isinstance(node, yaml.ScalarNode):
            return Scalar(self.scalar(node), self.loc(node))
        if isinstance(node, yaml.SequenceNode):
            return Seq(tuple(self.convert(item, depth + 1) for item in node.value), self.loc(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        raise _fail("unexpected YAML node", self.loc(node), "yaml")

    def scalar(self, node: yaml.ScalarNode) -> ScalarValue:
        tag = node.tag
        if tag in (
            "tag:yaml.org,2002:int",
            "tag:yaml.org,2002:float",
            "tag:yaml.org,2002:bool",
            "tag:yaml.org,2002:null",
        ):
            try:
                value = self.constructor.construct_object(node)
            except (yaml.YAMLError, ValueError):
                return str(node.value)
            if isinstance(value, (int, float, bool)) or value is None:
                return value
        return str(node.value)

    def mapping(self, node: yaml.MappingNode, depth: int) -> Map:
        entries: dict[str, Node] = {}
        keys: dict[str, Location] = {}
        for key_node, value_node in node.value:
            key_loc = self.loc(key_node)
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _fail("YAML merge keys (<<) are not supported; write the keys out", key_loc, "yaml")
            if not isinstance(key_node, yaml.ScalarNode):
                raise _fail("a mapping key must be a plain string", key_loc, "yaml")
            key = str(key_node.value)
            if key in entries:
                first = keys[key]
                raise _fail(
                    f"duplicate key {key!r} (first written at line {first.line}); "
                    "expected each key once",
                    key_loc,
                    "duplicate-key",
                )
            keys[key] = key_loc
            entries[key] = self.convert(value_node, depth + 1)
        return Map(entries, keys, self.loc(node))


def from_plain(value: object, loc: Location) -> Node:
    """Wrap plain Python data (e.g. a design built by an importer) as a located tree."""
    if isinstance(value, dict):
        entries = {str(k): from_plain(v, loc) for k, v in value.items()}
        return Map(entries, {k: loc for k in entries}, loc)
    if isinstance(value, (list, tuple)):
        return Seq(tuple(from_plain(v, loc) for v in value), loc)
    if value is None or isinstance(value, (str, int, float, bool)):
        return Scalar(value, loc)
    return Scalar(str(value), loc)
