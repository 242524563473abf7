"""The snapshot parser's fast path (C scanner + an offset scan) gives what the pure-Python one does."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vpcsim.importers.aws import JsonNumberText, _Doc, _parse_exact, _parse_located, _parse_scanned

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
        "syntax error": '{"a": [1, 2}',
    }
    for why, text in declined.items():
        assert _parse_scanned(text) is None, why
    # Keys followed by blanks before the colon are still counted right.
    assert _parse_scanned('{"a" :\n 1, "b"\t: {"c" : []}}') is not None


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
