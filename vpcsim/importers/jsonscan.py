"""JSON text -> its value, with the offset where each object and array starts (for locations).

The C scanner parses and a scan of the text finds the offsets (`parse_scanned`), when its checks
vouch for them; else the pure-Python scanner, which reports each offset as it goes and a repeated
key or a syntax error exactly where it is (`parse_exact`).
"""

from __future__ import annotations

import json
import json.decoder
import json.scanner
import re
from array import array
from collections.abc import Iterator, Mapping
from typing import Any

from vpcsim.importers.items import FileText, JsonNumberText

__all__ = ["Offsets", "find_all", "json_float", "json_int", "parse_exact", "parse_fast", "parse_located",
           "parse_scanned", "preorder"]

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


def _duplicate_error(text: str, start: int, key: str, skip: list[tuple[int, int]]) -> json.JSONDecodeError:
    """Point at the second `"key":` of the object at `start`, outside its nested values (`skip`)."""
    pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
    hits = [m.start() for m in pattern.finditer(text, start)
            if not any(lo <= m.start() < hi for lo, hi in skip)][:2]
    first, pos = (hits[0], hits[1]) if len(hits) == 2 else (start, start)
    line = text.count("\n", 0, first) + 1
    return json.JSONDecodeError(f"duplicate key {key!r} (first at line {line}); expected each key once", text, pos)


def parse_located(text: str) -> tuple[Any, Mapping[int, int]]:
    """Parse JSON text; also return, for every object and array, the offset where it starts.

    The C scanner parses, and a scan of the text finds the offsets (`parse_scanned`); a file it
    cannot vouch for (a repeated key, a bracket inside a string, a number too long to convert, a
    syntax error) is parsed again by the pure-Python scanner, which reports exactly where.
    """
    scanned = parse_scanned(text)
    return scanned if scanned is not None else parse_exact(text)


_KEY_ENDS = re.compile(r'"[ \t\n\r]*:')


def parse_scanned(text: str, located: str | bytes | None = None) -> tuple[Any, Mapping[int, int]] | None:
    """The C scanner's parse, with each container's offset; None when a check fails. `located`:
    what the offsets are counted in, when not `text` (its UTF-8 bytes: `chunks.chunk_text`).

    Every `{` outside a string opens an object, in the order a pre-order walk of the parsed
    value meets them (`[` and arrays alike); so when the text holds exactly as many `{` as the
    value has objects, none sits inside a string and the k-th `{` is the k-th object's start.
    Likewise every key ends with `"` and a colon: as many of those as the objects hold keys
    means no key was repeated (json keeps the last of a repeated key silently).

    The checks are made here; the offsets are found when a location is first asked for
    (`Offsets`): most of a large file's containers are never located (describe-network-
    interfaces' ENIs of instances, tags, attachments...), and listing them cost as much as the parse.
    """
    try:
        value = json.loads(text, parse_int=json_int, parse_float=json_float, parse_constant=JsonNumberText)
        objects: list[Any] = []
        arrays: list[Any] = []
        if type(value) is dict or type(value) is list:
            preorder(value, objects.append, arrays.append)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return None
    keys = sum(map(len, objects))
    if keys != text.count('":') and keys != len(_KEY_ENDS.findall(text)):
        return None
    if text.count("{") != len(objects) or text.count("[") != len(arrays):
        return None
    return value, Offsets(text if located is None else located, array("q", map(id, objects)),
                          array("q", map(id, arrays)))


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
    """Every object and array of a parsed JSON value, each in document order."""
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
