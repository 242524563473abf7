"""The snapshot parser's fast path (C scanner + an offset scan) gives what the pure-Python one does."""

from __future__ import annotations

import codecs
import json
import os
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vpcsim.importers.items import Doc as _Doc
from vpcsim.importers.items import FileText as _FileText
from vpcsim.importers.items import JsonNumberText
from vpcsim.importers.jsonscan import find_all as _find_all
from vpcsim.importers.jsonscan import parse_chunk as _parse_chunk
from vpcsim.importers.jsonscan import parse_exact as _parse_exact
from vpcsim.importers.jsonscan import parse_located as _parse_located
from vpcsim.importers.jsonscan import parse_scanned as _parse_scanned
from vpcsim.loader.reader import Map

# Keys and strings with the characters that could fool a text scan: brackets, quotes, colons, escapes.
_TEXT = st.text(alphabet=st.sampled_from('ab{}[]":\\ \n/é'), max_size=6)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(10**40), 10**40), _TEXT,
                     st.floats(allow_nan=False, allow_infinity=False))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(_TEXT, inner, max_size=4)), max_leaves=25)


def _by_order(value: Any, positions: dict[int, int]) -> list[int]:
    """The offsets of a parse's containers, in document order (ids differ between two parses)."""
    out: list[int] = []

    def walk(v: Any) -> None:
        if isinstance(v, (dict, list)):
            out.append(positions[id(v)])
            for item in v.values() if isinstance(v, dict) else v:
                walk(item)

    walk(value)
    return out


@settings(derandomize=True, max_examples=300, deadline=None)
@given(_VALUES, st.sampled_from([None, 0, 1, 4]), st.booleans())
def test_same_values_and_offsets_as_the_exact_parser(value: Any, indent: int | None, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    exact_value, exact_positions = _parse_exact(text)
    got_value, got_positions = _parse_located(text)
    assert got_value == exact_value
    assert _by_order(got_value, got_positions) == _by_order(exact_value, exact_positions)


def test_plain_describe_output_takes_the_fast_path() -> None:
    text = json.dumps({"Vpcs": [{"VpcId": "vpc-1", "Tags": [{"Key": "Name", "Value": "a"}]}] * 3}, indent=4)
    scanned = _parse_scanned(text)
    assert scanned is not None
    value, positions = scanned
    items = [i for i in range(len(text)) if text.startswith('{\n            "VpcId"', i)]
    assert [positions[id(item)] for item in value["Vpcs"]] == items and len(items) == 3
    assert positions[id(value["Vpcs"])] == text.index("[")


def test_what_the_fast_path_declines() -> None:
    declined = {
        "bracket in a string": '{"Description": "a [b] {c}"}',
        "repeated key": '{"a": 1, "a": 2}',
        "repeated key beside a string with a quote and colon": '{"a": 1, "a": 2, "b": "x\\":"}',
        # (a key count of `":` once missed the blank-form key and matched the deduplicated keys)
        "repeated key beside a key with a blank before its colon": '{"a" : 1, "b": 2, "b": 3}',
        "syntax error": '{"a": [1, 2}',
    }
    for why, text in declined.items():
        assert _parse_scanned(text) is None, why
    # Keys followed by blanks before the colon are still counted right.
    assert _parse_scanned('{"a" :\n 1, "b"\t: {"c" : []}}') is not None


def test_a_chunk_declines_what_the_whole_file_path_declines_but_brackets() -> None:
    for text in ('[{"a" : 1, "b": 2, "b": 3}]', '[{"a": 1, "a": 2, "b": "x\\":"}]', '[{"a": "{"}]', '[{"a": "}"}]',
                 '[{"a": [1, 2}]', '{"a": 1}'):
        assert _parse_chunk(text, text) is None, text
    # A `[` in a string: the chunk is taken, and its arrays are located by the exact parser.
    text = '[{"a": "[x", "b": [1, []]}, {"c": [{"d": "]"}]}]'
    scanned = _parse_chunk(text, text)
    assert scanned is not None
    value, positions = scanned
    assert _by_order(value, dict(positions)) == _by_order(*_parse_exact(text))
    # Not ASCII too: offsets in bytes, as FileText counts them.
    text = '[{"é": "[日", "b": [1, []]}, {"c": [{"d": "]"}]}]'
    data = text.encode("utf-8")
    scanned = _parse_chunk(text, data)
    assert scanned is not None
    value, positions = scanned
    assert _by_order(value, dict(positions)) == [len(text[:at].encode()) for at in _by_order(*_parse_exact(text))]
    assert [data[at:at + 1] for at in _by_order(value, dict(positions))] == [b"[", b"{", b"[", b"[", b"{", b"[", b"{"]


# Objects written by hand: keys from a small set (so some repeat), a blank or not before each colon,
# strings with colons, quotes and `":` in them; each with whether a key repeats anywhere in it.
_KEY_TEXT = st.sampled_from(["a", "b", "a:", 'b":', "t "])
_COLON = st.sampled_from([":", ": ", " :", "\n:", "\t :", "\r\n: "])
_LEAF = st.one_of(st.integers(-5, 5), st.sampled_from(['"12:00"', '"x\\":"', '"y\\" :"', '""', "null"]))


def _written_object(pairs: list[tuple[str, str, tuple[str, bool]]]) -> tuple[str, bool]:
    keys = [key for key, _, _ in pairs]
    text = "{" + ", ".join(json.dumps(key) + colon + value for key, colon, (value, _) in pairs) + "}"
    return text, len(set(keys)) < len(keys) or any(repeats for _, _, (_, repeats) in pairs)


_WRITTEN = st.recursive(_LEAF.map(lambda leaf: (str(leaf), False)),
                        lambda inner: st.lists(st.tuples(_KEY_TEXT, _COLON, inner), max_size=4).map(_written_object),
                        max_leaves=12)


@settings(derandomize=True, max_examples=400, deadline=None)
@given(st.lists(st.lists(st.tuples(_KEY_TEXT, _COLON, _WRITTEN), max_size=4).map(_written_object), min_size=1,
                max_size=4))
def test_a_chunk_with_a_repeated_key_is_declined_and_one_without_is_taken(items: list[tuple[str, bool]]) -> None:
    """Whatever the blanks before colons and the colons in strings (the key counts' blind spots)."""
    text = "[" + ",\n".join(item for item, _ in items) + "]"
    scanned = _parse_chunk(text, text)
    if any(repeats for _, repeats in items):
        assert scanned is None, text
        return
    assert scanned is not None, text
    assert scanned[0] == json.loads(text)


def _chunk_items(value: Any) -> list[Any]:
    """A chunk's items: objects (the top level of a chunk is a list of them)."""
    return [v if isinstance(v, dict) else {"v": v} for v in (value if isinstance(value, list) else [value])]


@settings(derandomize=True, max_examples=300, deadline=None)
@given(_VALUES, st.sampled_from([None, 0, 4]), st.booleans())
def test_a_chunk_gives_the_exact_parsers_values_and_offsets(value: Any, indent: int | None, ascii_only: bool) -> None:
    """Objects at their `{` by matching each `}`; arrays by their `[`, or the exact parser when one
    sits in a string; in bytes when the chunk is not ASCII (as FileText counts)."""
    text = json.dumps(_chunk_items(value), indent=indent, ensure_ascii=ascii_only)
    located: str | bytes = text if text.isascii() else text.encode("utf-8")
    scanned = _parse_chunk(text, located)
    exact_value, exact_positions = _parse_exact(text)
    if scanned is None:  # (only for a brace inside a string)
        assert text.count("{") + text.count("}") > 2 * len([p for p in _by_order(exact_value, exact_positions)
                                                             if text[p] == "{"])
        return
    got_value, positions = scanned
    assert got_value == exact_value
    expected = _by_order(exact_value, exact_positions)
    if isinstance(located, bytes):
        expected = [len(text[:at].encode("utf-8")) for at in expected]
    # Asked in document order, and each container alone (an array first: the objects come later).
    assert _by_order(got_value, {k: positions[k] for k in map(id, _containers(got_value))}) == expected
    again = _parse_chunk(text, located)
    assert again is not None
    arrays = [c for c in _containers(again[0]) if isinstance(c, list)]
    assert [again[1][id(a)] for a in arrays] == [at for c, at in zip(_containers(got_value), expected, strict=True)
                                                 if isinstance(c, list)]


def _containers(value: Any) -> list[Any]:
    out: list[Any] = []

    def walk(v: Any) -> None:
        if isinstance(v, (dict, list)):
            out.append(v)
            for item in v.values() if isinstance(v, dict) else v:
                walk(item)

    walk(value)
    return out


def test_numbers_too_long_to_convert_stay_text_on_both_paths() -> None:
    text = '{"a": 1234567890123456789012345678901, "b": NaN, "c": ' + "1" * 5000 + ', "d": 123}'
    scanned = _parse_scanned(text)
    assert scanned is not None
    for value in (scanned[0], _parse_exact(text)[0]):
        assert all(isinstance(value[k], JsonNumberText) for k in "abc") and value["d"] == 123


def test_locations_counted_from_the_last_one_asked_either_way() -> None:
    text = '{\n  "A": [\n    {"x": 1},\n\n    {"y": 2}\n  ]\n}\n'
    value, positions = _parse_located(text)
    doc = _Doc("f.json", "f.json", None, text, positions)
    second, first = value["A"][1], value["A"][0]
    assert doc.loc(second, "$.A[1]")[1:3] == (5, 5)
    assert doc.loc(first, "$.A[0]")[1:3] == (3, 5)  # backwards from the anchor
    assert doc.loc(value, "$")[1:3] == (1, 1)
    assert doc.loc(value["A"], "$.A")[1:3] == (2, 8)
    assert doc.loc(second, "$.A[1]")[1:3] == (5, 5)


# -- a large file's text, read again from the file (_FileText) ------------------------------------

_ASCII = st.text(alphabet=st.sampled_from('ab{}[]":\n '), max_size=120)


class _SmallBlocks(_FileText):
    BLOCK = 7  # many blocks, and offsets on every side of a block's edge


@settings(derandomize=True, max_examples=200, deadline=None)
@given(_ASCII, st.booleans())
def test_file_text_answers_as_the_text_does(tmp_path_factory: Any, text: str, bom: bool) -> None:
    path = tmp_path_factory.mktemp("ft") / "f.json"
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("ascii"))
    source = _SmallBlocks(os.open(path, os.O_RDONLY), 3 if bom else 0, text)
    try:
        for char in "{[":
            assert source.find_all(char) == _find_all(text, char)
        # locate(), as _Doc.loc counts on a str: from an anchor before or after, in one block or not.
        lines = [text.count("\n", 0, i) + 1 for i in range(len(text) + 1)]
        for offset in range(len(text)):
            expected = (lines[offset], offset - text.rfind("\n", 0, offset))
            for anchor in {0, max(offset - 2, 0), offset, min(offset + 3, len(text))}:
                assert source.locate(anchor, lines[anchor], offset) == expected, (anchor, offset)
    finally:
        source.close()


def test_a_large_snapshot_file_is_located_from_the_file_as_from_its_text(monkeypatch: Any) -> None:
    """Every location of the mini snapshot, its files read again in blocks, is the same."""
    from pathlib import Path

    from vpcsim.importers import aws

    mini = Path(__file__).parent / "data" / "aws" / "mini"

    def located() -> list[str]:
        tree, warnings = aws.load_snapshot_tree(mini)
        out = [str(w.location) for w in warnings]

        def walk(node: Any) -> None:
            out.append(str(node.loc))
            for child in getattr(node, "entries", {}).values():
                walk(child)
            for child in getattr(node, "items", ()):
                walk(child)

        walk(tree)
        return out

    opened: list[_FileText] = []

    class Spy(_SmallBlocks):
        def __init__(self, fd: int, skip: int, text: str) -> None:
            super().__init__(fd, skip, text)
            opened.append(self)

    held = located()
    assert not opened
    monkeypatch.setattr(aws, "REREAD_MIN_BYTES", 0)
    monkeypatch.setattr(aws, "_FileText", Spy)
    assert located() == held and all(":" in line for line in held[-5:])
    assert len(opened) >= 10 and all(not source._closer.alive for source in opened)  # every descriptor closed


def test_a_file_changed_since_it_was_read_leaves_objects_unlocated_not_a_traceback(monkeypatch: Any) -> None:
    from pathlib import Path

    from vpcsim.importers import aws

    monkeypatch.setattr(aws, "REREAD_MIN_BYTES", 0)
    monkeypatch.setattr(aws._FileText, "find_all", lambda self, char: [])  # as if truncated meanwhile
    tree, _ = aws.load_snapshot_tree(Path(__file__).parent / "data" / "aws" / "mini")
    assert isinstance(tree, Map) and tree.loc.line == 0
    subnets = tree.entries["subnets"]
    assert isinstance(subnets, Map) and subnets.entries["app-2"].loc.line == 0
