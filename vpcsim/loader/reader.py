"""Reader: YAML text -> a located tree of Map / Seq / Scalar nodes, without interpreting it.

Uses libyaml (CSafeLoader) when available, else PyYAML's pure-Python SafeLoader; only the
*composer* runs, so no Python object is ever constructed from a tag. Hostile input (binary
junk, huge files, alias bombs, deep nesting) fails with a located DesignError.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from vpcsim.errors import DesignError, Diagnostic, Location, Severity
from vpcsim.model import Instance, Interface, short
from vpcsim.records import record

MAX_BYTES = 64 * 1024 * 1024
# An alias bomb expands a few lines into billions of nodes; real designs stay far below this.
MAX_NODES = 2_000_000
# ... or more for a larger file: written out, a node takes at least 2 characters ("1,"), so more
# nodes than half the text's length can only come from aliases (200,000 instances: 15 million).
NODE_CHARS = 2
MAX_DEPTH = 64

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # libyaml not compiled in
    _Loader = yaml.SafeLoader

ScalarValue = str | int | float | bool | None


@record
class Scalar:
    value: ScalarValue
    loc: Location


@record
class Seq:
    items: tuple[Node, ...]
    loc: Location


@record
class Map:
    """A mapping; `keys` holds each key's own location (for "unknown key" errors)."""

    entries: dict[str, Node]
    keys: dict[str, Location]
    loc: Location

    def get(self, key: str) -> Node | None:
        return self.entries.get(key)


Node = Scalar | Seq | Map


@record
class Built:
    """An instance an importer built as records itself, where a `Map` of its body would stand
    (the snapshot importer's common case: `vpcsim.importers.aws`, `_Importer.instance_draft`).

    Writing a body and reading it back cost half of a 20,000-instance snapshot load; `build`
    checks only what the importer cannot know (names against the rest of the design). Never in a
    tree read from YAML, and only under `instances`."""

    instance: Instance
    interfaces: tuple[Interface, ...]

    @property
    def loc(self) -> Location:
        return self.instance.loc


def kind_of(node: Node | Built) -> str:
    if isinstance(node, Built):
        return "an imported instance"
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
        return f"a number ({short(value)})"
    return f"a string ({short(value)})"


def _fail(message: str, loc: Location, code: str = "load") -> DesignError:
    return DesignError([Diagnostic(Severity.ERROR, code, message, loc)])


class UnreadableFile(OSError):
    """A path that is not a regular file (a FIFO, device, socket or folder), or a failed read."""


class FileTooLarge(Exception):
    """A file over the read limit; `size` is its size in bytes, or None if only reading showed it."""

    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


def read_regular(path: str, limit: int) -> bytes:
    """Read a regular file of at most `limit` bytes; FileTooLarge past it, UnreadableFile if not one.

    The type is checked on the open descriptor (os.fstat), not on the path, so a file swapped
    for a FIFO in between cannot block; O_NONBLOCK keeps the open itself from blocking on one.
    """
    fd = open_regular(path, limit)
    try:
        return read_open(fd, limit)
    finally:
        os.close(fd)


def open_regular(path: str, limit: int) -> int:
    """`read_regular`'s checks on an open descriptor, returned open (blocking) for `read_open`."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise UnreadableFile(exc.errno, exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(0, f"not a regular file ({_file_kind(info.st_mode)})")
        if info.st_size > limit:
            raise FileTooLarge(info.st_size)
        if getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
    except (UnreadableFile, FileTooLarge):
        os.close(fd)
        raise
    except OSError as exc:
        os.close(fd)
        raise UnreadableFile(exc.errno, exc.strerror or str(exc)) from None
    return fd


def read_open(fd: int, limit: int) -> bytes:
    """The whole of a file `open_regular` opened (from where it is: its start); FileTooLarge past `limit`."""
    try:
        size = os.fstat(fd).st_size
        # One read of the whole file (and one more to see its end): no 1 MiB chunks joined into
        # a second copy (a 250 MB describe-instances file briefly took 500 MB, and 0.15 s at 50 MB).
        data = os.read(fd, size) if size else b""
        if len(data) == size:
            extra = os.read(fd, 1)
            if not extra:
                return data
            data += extra  # it grew while being read: read on, in chunks, up to the limit
        chunks = [data]
        left = limit + 1 - len(data)
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:  # grew while being read
            raise FileTooLarge(None)
        return b"".join(chunks)
    except FileTooLarge:
        raise
    except OSError as exc:
        raise UnreadableFile(exc.errno, exc.strerror or str(exc)) from None


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def link_escapes(path: str) -> bool:
    """Whether `path` is a link (or under one) to a file outside both its folder and the working folder.

    In CI the design comes from a pull request, and git carries symlinks: `d.yaml -> ~/.aws/credentials`
    would otherwise be read, and quoted in the error about it.
    """
    target = os.path.realpath(path)
    for folder in (os.path.realpath(os.path.dirname(os.path.abspath(path))), os.path.realpath(os.getcwd())):
        if os.path.commonpath([target, folder]) == folder:
            return False
    return True


def read_text(path: str, max_bytes: int | None = None, what: str = "design file") -> str:
    """Read a YAML file (`what`: how messages name it) as text, refusing huge, binary, non-UTF-8 or
    non-regular files, and links out."""
    limit = MAX_BYTES if max_bytes is None else max_bytes
    start = Location(path, 1, 1)
    if link_escapes(path):
        raise _fail(f"cannot read {what}: a link to a file outside its folder and the working folder "
                    "(not followed; see docs/security.md)", start, "io")
    try:
        data = read_regular(path, limit)
    except UnreadableFile as exc:
        raise _fail(f"cannot read {what}: {exc.strerror or exc}", start, "io") from None
    except FileTooLarge as exc:
        size = f"{exc.size:,}" if exc.size is not None else f"more than {limit:,}"
        raise _fail(
            f"{what} is {size} bytes; the limit is {limit:,} bytes "
            f"(expected {'a YAML design' if what == 'design file' else 'YAML'}, not a data dump)",
            start,
            "too-large",
        ) from None
    return decode(data, path)


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def decode(data: bytes, name: str) -> str:
    if b"\x00" in data:
        offset = data.index(b"\x00")
        line, col = _line_col(data, offset)
        raise _fail(
            f"binary data (a NUL byte at offset {offset}); expected a YAML text file",
            Location(name, line, col),
            "binary",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        raise _fail(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x}); expected a YAML text file",
            Location(name, line, col),
            "encoding",
        ) from None


def parse(text: str, name: str) -> Node:
    """Parse YAML text into a located tree. An empty document is an empty mapping."""
    try:
        root = _EventBuilder(name).build(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
        problem = exc.problem or exc.context or "malformed YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        raise _fail(f"malformed YAML: {problem}{context}", loc, "yaml") from None
    except yaml.YAMLError as exc:
        raise _fail(f"malformed YAML: {exc}", Location(name, 1, 1), "yaml") from None
    if root is None or (isinstance(root, Scalar) and root.value is None):
        return Map({}, {}, Location(name, 1, 1))  # an empty document, or only '---'
    return root


def load_file(path: str, max_bytes: int | None = None, what: str = "design file") -> Node:
    return parse(read_text(path, max_bytes, what), path)


# YAML 1.1 reads `20:21` as 1221 (base 60), `0022` as 18 (octal), `0x1F`, `1_000`, and
# yes/no/on/off as booleans: a port or tag silently changes. Only the forms YAML 1.2 and JSON
# agree on become numbers and booleans; any other plain scalar stays the text written, so a
# number field rejects it with its location instead of using another number.
_INT_RE = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,29})")
_FLOAT_RE = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_BOOL_WORDS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_PLAIN_FORM: dict[str, Callable[[str], object]] = {
    "tag:yaml.org,2002:int": _INT_RE.fullmatch,
    "tag:yaml.org,2002:float": _FLOAT_RE.fullmatch,
    "tag:yaml.org,2002:bool": _BOOL_WORDS.__contains__,
}

_SCALAR_TAGS = {
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


class _Frame:
    __slots__ = ("kind", "items", "entries", "keys", "loc", "key", "key_loc", "anchor", "size")

    def __init__(self, kind: str, loc: Location, anchor: str | None) -> None:
        self.kind = kind
        self.items: list[Node] = []
        self.entries: dict[str, Node] = {}
        self.keys: dict[str, Location] = {}
        self.loc = loc
        self.key: str | None = None
        self.key_loc: Location | None = None
        self.anchor = anchor
        self.size = 1


class _EventBuilder:
    """Builds the located tree straight from libyaml's event stream.

    Composing PyYAML nodes first costs about 8x more than reading the events (2.5 s against
    0.3 s for a 3 MB design), so the tree is built here, resolving plain scalars with
    PyYAML's own YAML 1.1 implicit resolvers.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0
        self.limit = MAX_NODES
        self.anchors: dict[str, tuple[Node, int]] = {}
        self.constructor = yaml.constructor.SafeConstructor()
        self.resolvers = yaml.resolver.Resolver.yaml_implicit_resolvers
        self.plain_cache: dict[str, ScalarValue] = {}

    def loc(self, event: yaml.Event) -> Location:
        mark = event.start_mark
        if mark is None:
            return Location(self.name, 1, 1)
        return Location(self.name, mark.line + 1, mark.column + 1)

    def grow(self, amount: int, event: yaml.Event) -> None:
        self.count += amount
        if self.count > self.limit:
            raise _fail(
                f"document expands to more than {self.limit:,} nodes "
                "(an alias bomb?); expected a design of reasonable size",
                self.loc(event),
                "too-large",
            )

    def build(self, text: str) -> Node | None:
        self.limit = max(MAX_NODES, len(text) // NODE_CHARS)
        stack: list[_Frame] = []
        root: Node | None = None
        documents = 0
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.ScalarEvent):
                node: Node = Scalar(self.scalar(event), self.loc(event))
                self.grow(1, event)
                if event.anchor:
                    self.anchors[event.anchor] = (node, 1)
                root = self.add(stack, node, 1, event, root)
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                if len(stack) >= MAX_DEPTH:
                    raise _fail(f"nested more than {MAX_DEPTH} levels deep", self.loc(event), "too-deep")
                if stack and stack[-1].kind == "map" and stack[-1].key is None:
                    raise _fail("a mapping key must be a plain string", self.loc(event), "yaml")
                kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
                self.grow(1, event)
                stack.append(_Frame(kind, self.loc(event), event.anchor))
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                frame = stack.pop()
                if frame.kind == "map":
                    node = Map(frame.entries, frame.keys, frame.loc)
                else:
                    node = Seq(tuple(frame.items), frame.loc)
                if frame.anchor:
                    self.anchors[frame.anchor] = (node, frame.size)
                root = self.add(stack, node, frame.size, event, root)
            elif isinstance(event, yaml.AliasEvent):
                anchored = self.anchors.get(event.anchor or "")
                if anchored is None:
                    raise _fail(
                        f"alias *{event.anchor} refers to no finished anchor (a recursive alias?)",
                        self.loc(event),
                        "yaml",
                    )
                # An alias re-uses the anchored subtree; count it as copied so bombs are caught.
                self.grow(anchored[1], event)
                root = self.add(stack, anchored[0], anchored[1], event, root)
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _fail("more than one YAML document (---); expected one design", self.loc(event), "yaml")
        return root

    def add(self, stack: list[_Frame], node: Node, size: int, event: yaml.Event, root: Node | None) -> Node | None:
        if not stack:
            return node
        frame = stack[-1]
        frame.size += size
        if frame.kind == "seq":
            frame.items.append(node)
            return root
        if frame.key is None:
            if not isinstance(node, Scalar):
                raise _fail("a mapping key must be a plain string", node.loc, "yaml")
            key = "" if node.value is None else str(node.value)
            if isinstance(node.value, bool):
                key = str(event.value) if isinstance(event, yaml.ScalarEvent) else str(node.value)
            if key == "<<" and isinstance(event, yaml.ScalarEvent) and event.implicit[0]:
                raise _fail("YAML merge keys (<<) are not supported; write the keys out", node.loc, "yaml")
            if key in frame.entries:
                first = frame.keys[key]
                raise _fail(
                    f"duplicate key {key!r} (first written at line {first.line}); expected each key once",
                    node.loc,
                    "duplicate-key",
                )
            frame.key = key
            frame.key_loc = node.loc
            return root
        assert frame.key_loc is not None
        frame.entries[frame.key] = node
        frame.keys[frame.key] = frame.key_loc
        frame.key = None
        frame.key_loc = None
        return root

    def scalar(self, event: yaml.ScalarEvent) -> ScalarValue:
        value: str = event.value
        if not event.implicit[0] or event.style:
            return value  # quoted or explicitly tagged: a string, never constructed
        cached = self.plain_cache.get(value, self)
        if cached is not self:
            return cached  # type: ignore[return-value]
        result: ScalarValue = value
        first = value[0] if value else ""
        for tag, regexp in self.resolvers.get(first, ()):
            if regexp.match(value):
                plain = _PLAIN_FORM.get(tag)
                if plain is not None and not plain(value):
                    break  # a YAML 1.1-only form: keep the text
                if tag in _SCALAR_TAGS:
                    try:
                        constructed = self.constructor.construct_object(yaml.ScalarNode(tag, value))
                    except (yaml.YAMLError, ValueError):
                        constructed = value
                    if isinstance(constructed, (int, float, bool)) or constructed is None:
                        result = constructed
                break
        if len(self.plain_cache) < 100_000:
            self.plain_cache[value] = result
        return result


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


def located_tree(value: Any, locs: Mapping[int, Location], inherited: Location) -> Node:
    """A located tree from plain data an importer built: each dict or list placed where `locs`
    (by the object's id) says it came from, anything else where its container is."""
    kind = type(value)
    if kind is dict or kind is list:
        return _located(value, locs, locs.get(id(value), inherited))
    return _scalar(value, inherited)


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _scalar(value: Any, loc: Location) -> Scalar:
    if type(value) is Built:
        found: Any = value  # (placed as it is: build reads it)
        return found  # type: ignore[no-any-return]
    if type(value) in _PLAIN or isinstance(value, (str, int, float, bool)):
        return Scalar(value, loc)
    return Scalar(str(value), loc)


def _located(value: dict[Any, Any] | list[Any], locs: Mapping[int, Location], loc: Location) -> Node:
    # The hot path of a snapshot load (one call per object of the design): scalars are made
    # here rather than by a call each, and a container's own location is looked up once.
    get = locs.get
    if type(value) is dict:
        entries: dict[str, Node] = {}
        keys: dict[str, Location] = {}
        for key, item in value.items():
            kind = type(item)
            if kind is dict or kind is list:
                child = _located(item, locs, get(id(item), loc))
            else:
                child = Scalar(item, loc) if kind in _PLAIN else _scalar(item, loc)
            name = key if type(key) is str else str(key)
            entries[name] = child
            keys[name] = child.loc
        return Map(entries, keys, loc)
    items: list[Node] = []
    for item in value:
        kind = type(item)
        if kind is dict or kind is list:
            items.append(_located(item, locs, get(id(item), loc)))
        else:
            items.append(Scalar(item, loc) if kind in _PLAIN else _scalar(item, loc))
    return Seq(tuple(items), loc)
