"""JSON text -> its value, with the offset where each object and array starts (for locations).

The C scanner parses and a scan of the text finds the offsets (`parse_scanned`), when its checks
vouch for them (`parse_chunk` for a chunk of a large file, with checks that cost less); else the
pure-Python scanner, which reports each offset as it goes and a repeated key or a syntax error
exactly where it is (`parse_exact`).
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
import sys
from array import array
from collections.abc import Iterator, Mapping
from typing import Any

from vpcsim.importers.texts import FileText, JsonNumberText

__all__ = ["ChunkOffsets", "DuplicateKeyError", "Offsets", "OffsetsByGet", "find_all", "containers", "json_float", "json_int", "parse_exact", "parse_fast", "parse_located",
           "parse_chunk", "parse_scanned", "preorder"]

_JsonDecoderModule: Any = json.decoder
_JsonScannerModule: Any = json.scanner


def json_int(text: str) -> int | str:
    return int(text) if len(text) <= 30 else JsonNumberText(text)


def json_float(text: str) -> float | str:
    return float(text) if len(text) <= 400 else JsonNumberText(text)


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build an object, refusing a repeated key (json keeps the last one silently)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


class DuplicateKeyError(json.JSONDecodeError):
    """A key written twice in one object: at `pos`, its second `"key":`; at `first`, its first."""

    def __init__(self, key: str, text: str, first: int, pos: int) -> None:
        line = text.count("\n", 0, first) + 1
        super().__init__(f"duplicate key {key!r} (first at line {line}); expected each key once", text, pos)
        self.key = key
        self.first = first


def _duplicate_error(text: str, start: int, key: str, skip: list[tuple[int, int]]) -> DuplicateKeyError:
    """Point at the second `"key":` of the object at `start`, outside its nested values (`skip`)."""
    pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
    hits = [m.start() for m in pattern.finditer(text, start)
            if not any(lo <= m.start() < hi for lo, hi in skip)][:2]
    first, pos = (hits[0], hits[1]) if len(hits) == 2 else (start, start)
    return DuplicateKeyError(key, text, first, pos)


def parse_located(text: str) -> tuple[Any, Mapping[int, int]]:
    """Parse JSON text; also return, for every object and array, the offset where it starts.

    The C scanner parses, and a scan of the text finds the offsets (`parse_scanned`); a file it
    cannot vouch for (a repeated key, a bracket inside a string, a number too long to convert, a
    syntax error) is parsed again by the pure-Python scanner, which reports exactly where.
    """
    scanned = parse_scanned(text)
    return scanned if scanned is not None else parse_exact(text)


def parse_scanned(text: str, located: str | bytes | None = None) -> tuple[Any, Mapping[int, int]] | None:
    """The C scanner's parse, with each container's offset; None when a check fails. `located`:
    what the offsets are counted in, when not `text` (its UTF-8 bytes).

    Every `{` outside a string opens an object, in the order a pre-order walk of the parsed
    value meets them (`[` and arrays alike); so when the text holds exactly as many `{` as the
    value has objects, none sits inside a string and the k-th `{` is the k-th object's start.
    A repeated key is refused as each object is built (`_unique_pairs`): json would keep the
    last one silently.

    The checks are made here; the offsets are found when a location is first asked for
    (`Offsets`): most of a large file's containers are never located.
    """
    try:
        value = json.loads(text, object_pairs_hook=_unique_pairs, parse_int=json_int, parse_float=json_float,
                           parse_constant=JsonNumberText)
        objects: list[Any] = []
        arrays: list[Any] = []
        if type(value) is dict or type(value) is list:
            preorder(value, objects.append, arrays.append)
    except (ValueError, RecursionError, _DuplicateKey):  # JSONDecodeError is a ValueError
        return None
    if text.count("{") != len(objects) or text.count("[") != len(arrays):
        return None
    return value, Offsets(text if located is None else located, array("q", map(id, objects)),
                          array("q", map(id, arrays)))


def parse_chunk(text: str, located: str | bytes) -> tuple[list[Any], ChunkOffsets] | None:
    """`parse_scanned` for a chunk of a large file (`[` + whole items + `]`): the same checks, made
    for less. Its objects are listed as the C scanner completes them, each at its `}`: so when the
    text holds as many `{` and as many `}` as there are objects, no brace sits in a string, the
    k-th object completed closes at the k-th `}`, and it opens at the `{` that `}` matches. No
    walk of the value; its arrays are found only if one is located (`ChunkOffsets`).
    None when a check fails, or the text is not a list."""
    objects: list[dict[str, Any]] = []
    add = objects.append

    def listed(obj: dict[str, Any]) -> dict[str, Any]:
        add(obj)
        return obj

    try:
        # The C scanner builds each object itself (object_hook: a third of the time of handing
        # Python its pairs to build, json's only other way to see a repeated key); `_no_repeated_key`
        # checks the whole chunk after, or the pairs are checked after all.
        value = json.loads(text, object_hook=listed, parse_int=json_int, parse_float=json_float,
                           parse_constant=JsonNumberText)
        if not _no_repeated_key(text, objects):
            del objects[:]
            value = json.loads(text, object_pairs_hook=_listed_unique(add), parse_int=json_int,
                               parse_float=json_float, parse_constant=JsonNumberText)
    except (ValueError, RecursionError, _DuplicateKey):
        return None
    if type(value) is not list:
        return None
    opens = find_all(located, "{")
    if len(opens) != len(objects):
        return None
    closes = find_all(located, "}")
    if len(closes) != len(objects):
        return None
    return value, ChunkOffsets(located, value, objects, opens, closes)


# Whitespace just before a colon (the C scanner takes it; a string holds no raw newline, tab or CR).
_SPACED_COLON = re.compile(r":(?<=[ \t\r\n]:)")  # (a literal first: 2x faster than the class first)


def _no_repeated_key(text: str, objects: list[dict[str, Any]]) -> bool:
    """True when the objects parsed from `text` hold every key written in it, so no object repeats
    a key (json keeps its last value silently); False when that is not shown (not that one is).

    Every key is written `"..."`, blanks, `:`, and its object holds at least one entry per key
    written: entries <= keys written <= the text's colons. When no blank comes just before a
    colon, every key ends `":` too: keys written <= the count of `":`. Either bound equal to the
    entries proves no key repeats; one colon in a string (a timestamp) breaks the first only."""
    entries = sum(map(len, objects))
    if text.count(":") == entries:
        return True
    return text.count('":') == entries and _SPACED_COLON.search(text) is None


def _listed_unique(add: Any) -> Any:
    """`_unique_pairs` that also lists each object as it is built."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = _unique_pairs(pairs)
        add(obj)
        return obj

    return unique


class OffsetsByGet(Mapping[int, int]):
    """A Mapping of offsets answered by its `get`, which subclasses write (a miss raises no KeyError
    that Mapping.get would catch)."""

    __slots__ = ()

    def get(self, key: int, default: Any = None) -> Any:
        raise NotImplementedError

    def __getitem__(self, key: int) -> int:
        found: int | None = self.get(key)
        if found is None:
            raise KeyError(key)
        return found


class ChunkOffsets(OffsetsByGet):
    """`Offsets` of a chunk (`parse_chunk`): its objects' found when one is first asked, by
    matching each `}` with its `{`; its arrays' when an array is (only for a message about one),
    by a walk of the chunk and its `[`s, or, when a `[` sits in a string, by the exact parser.
    It holds the chunk's value: it lives only as long as the chunk's parse (`Chunks`)."""

    __slots__ = ("text", "value", "_objects", "_opens", "_closes", "_found", "_arrays_found")

    def __init__(self, text: str | bytes, value: list[Any], objects: list[dict[str, Any]], opens: list[int],
                 closes: list[int]) -> None:
        self.text = text
        self.value = value
        self._objects: list[dict[str, Any]] | None = objects
        self._opens = opens
        self._closes = closes
        self._found: dict[int, int] = {}
        self._arrays_found = False

    def get(self, key: int, default: Any = None) -> Any:
        if self._objects is not None:
            self._find_objects()
        found = self._found.get(key)
        if found is None and not self._arrays_found:
            self._find_arrays()
            found = self._found.get(key)
        return default if found is None else found

    def __iter__(self) -> Iterator[int]:
        self._find_all()
        return iter(self._found)

    def __len__(self) -> int:
        self._find_all()
        return len(self._found)

    def _find_all(self) -> None:
        if self._objects is not None:
            self._find_objects()
        if not self._arrays_found:
            self._find_arrays()

    def _find_objects(self) -> None:
        starts: list[int] = []
        add = starts.append
        stack: list[int] = []
        push, pop = stack.append, stack.pop
        opens = iter(self._opens)
        end = sys.maxsize
        next_open = next(opens, end)
        for close in self._closes:
            while next_open < close:
                push(next_open)
                next_open = next(opens, end)
            add(pop())
        assert self._objects is not None
        self._found.update(zip(map(id, self._objects), starts, strict=True))
        self._objects, self._opens, self._closes = None, [], []

    def _find_arrays(self) -> None:
        self._arrays_found = True
        arrays: list[Any] = []
        try:
            preorder(self.value, _ignore, arrays.append)  # (5x faster than `containers`)
        except RecursionError:
            arrays = [c for c in containers(self.value) if type(c) is list]
        at = find_all(self.text, "[")
        if len(at) == len(arrays):
            self._found.update(zip(map(id, arrays), at, strict=True))
            return
        # A `[` in a string: the exact parser of the same text, whose arrays are ours, in order.
        text = self.text if isinstance(self.text, str) else self.text.decode("utf-8")
        try:
            exact, positions = parse_exact(text)
        except RecursionError:  # (nested deeper than the exact parser goes: its arrays stay unlocated)
            return
        theirs = [c for c in containers(exact) if type(c) is list]
        for mine, their in zip(arrays, theirs, strict=True):
            offset = positions[id(their)]
            self._found[id(mine)] = offset if text is self.text else len(text[:offset].encode("utf-8"))


def _ignore(value: Any) -> None:
    pass


def containers(value: Any) -> list[Any]:
    """Every object and array of a parsed JSON value, in document order, without recursion: the C
    scanner takes values nested deeper than Python's stack (`parse_chunk` does not walk them)."""
    out: list[Any] = []
    add = out.append
    stack = [value]
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        add(item)
        push([v for v in reversed(item if type(item) is list else item.values())
              if type(v) is dict or type(v) is list])
    return out


class Offsets(Mapping[int, int]):
    """id(container) -> offset of its `{` or `[` in the text: the k-th container of each kind, in
    pre-order, starts at the k-th bracket of its kind (`parse_scanned` checked the counts).

    Built on first use, objects and arrays apart (an array is located only for an error about it).
    It keeps the containers' ids, not the containers, so what the importer drops is freed: an id
    cannot be another container's while both live, and only live JSON values are looked up."""

    __slots__ = ("text", "_pending", "_found")

    def __init__(self, text: str | bytes | FileText, objects: array[int], arrays: array[int]) -> None:
        # The file's text, or (once parsed) a FileText standing for it; or its UTF-8 bytes, for
        # offsets in bytes (a chunk read from a file that is not ASCII: FileText counts bytes).
        self.text = text
        self._pending: list[tuple[str, array[int]]] = [("{", objects), ("[", arrays)]
        self._found: dict[int, int] = {}

    def __getitem__(self, key: int) -> int:
        found = self._found.get(key)
        while found is None and self._pending:
            self._take()
            found = self._found.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[int]:
        while self._pending:
            self._take()
        return iter(self._found)

    def get(self, key: int, default: Any = None) -> Any:
        """(Without a KeyError raised and caught for a miss, as Mapping.get would.)"""
        found = self._found.get(key)
        while found is None and self._pending:
            self._take()
            found = self._found.get(key)
        return default if found is None else found

    def _take(self) -> None:
        opener, ids = self._pending.pop(0)
        offsets = find_all(self.text, opener)
        if len(offsets) == len(ids):  # (a file read again that changed since: its objects go unlocated)
            self._found.update(zip(ids, offsets, strict=True))

    def __len__(self) -> int:
        return len(self._found) + sum(len(containers) for _, containers in self._pending)


def find_all(text: str | bytes | FileText, char: str) -> list[int]:
    """Every offset of `char` in text (str.find is a memchr: faster than a regex or a split); in
    bytes, of its byte (an ASCII byte is never part of another character in UTF-8)."""
    if isinstance(text, FileText):
        return text.find_all(char)
    out: list[int] = []
    add = out.append
    needle: Any = char.encode("ascii") if isinstance(text, bytes) else char
    find = text.find
    index = find(needle)
    while index >= 0:
        add(index)
        index = find(needle, index + 1)
    return out


def preorder(value: dict[str, Any] | list[Any], obj: Any, arr: Any) -> None:
    """Every object and array of a parsed JSON value, each in document order (recursive: for a
    value the C scanner took, which may be nested deeper than Python's stack, `containers`)."""
    if type(value) is dict:
        obj(value)
        items: Any = value.values()
    else:
        arr(value)
        items = value
    for item in items:
        if type(item) is dict or type(item) is list:
            preorder(item, obj, arr)


def parse_exact(text: str) -> tuple[Any, dict[int, int]]:
    """`parse_located` by the pure-Python scanner, which reports each object's offset as it goes.

    Repeated keys and unconvertible numbers are caught here, with their position. About 5x
    slower than the C scanner: used only for the files `parse_scanned` declines.
    """
    positions: dict[int, int] = {}
    ends: dict[int, int] = {}  # ints, not tuples: 100,000s of tracked tuples would wake the GC
    decoder: Any = json.JSONDecoder(
        object_pairs_hook=_unique_pairs, parse_int=json_int, parse_float=json_float, parse_constant=JsonNumberText
    )

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        start = s_and_end[1] - 1
        try:
            obj, end = _JsonDecoderModule.JSONObject(s_and_end, *args)
        except _DuplicateKey as exc:
            nested = [(positions[k], end) for k, end in ends.items() if positions[k] > start]
            raise _duplicate_error(s_and_end[0], start, exc.key, nested) from None
        positions[id(obj)] = start
        ends[id(obj)] = end
        return obj, end

    def parse_array(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        arr, end = _JsonDecoderModule.JSONArray(s_and_end, *args)
        positions[id(arr)] = s_and_end[1] - 1
        ends[id(arr)] = end
        return arr, end

    decoder.parse_object = parse_object
    decoder.parse_array = parse_array
    # The C scanner parses objects itself; the Python one calls parse_object/parse_array.
    decoder.scan_once = _JsonScannerModule.py_make_scanner(decoder)
    return decoder.decode(text), positions


def parse_fast(text: str) -> Any:
    """The C decoder, for files too big to locate: same checks, reported at the file's start."""
    try:
        return json.loads(
            text, object_pairs_hook=_unique_pairs, parse_int=json_int, parse_float=json_float,
            parse_constant=JsonNumberText,
        )
    except _DuplicateKey as exc:
        raise json.JSONDecodeError(f"duplicate key {exc.key!r}; expected each key once", text, 0) from None
