"""The located YAML reader: values, locations, anchors, and what it refuses."""

from __future__ import annotations

import pytest

from vpcsim.errors import DesignError
from vpcsim.loader.reader import Map, Scalar, Seq, parse


def test_scalars_resolve_like_yaml_1_2_and_keep_locations() -> None:
    # YAML 1.1-only forms (yes, 0022, 20:21) stay text: see tests/test_hostile.py.
    tree = parse("a: 1\nb: yes\nc: ~\nd: '1'\ne: 1.5\nf: 10.0.0.1\ng: [80, x]\n", "t.yaml")
    assert isinstance(tree, Map)
    values = {k: v.value for k, v in tree.entries.items() if isinstance(v, Scalar)}
    assert values == {"a": 1, "b": "yes", "c": None, "d": "1", "e": 1.5, "f": "10.0.0.1"}
    assert tree.keys["f"] == ("t.yaml", 6, 1, None)
    assert tree.entries["f"].loc == ("t.yaml", 6, 4, None)
    seq = tree.entries["g"]
    assert isinstance(seq, Seq) and [i.loc.col for i in seq.items] == [5, 9]


def test_anchors_and_aliases_share_rules() -> None:
    tree = parse("base: &r [{port: 1}]\ncopy: *r\n", "t.yaml")
    assert isinstance(tree, Map)
    assert tree.entries["copy"] == tree.entries["base"]


def test_tags_are_never_constructed() -> None:
    tree = parse("x: !!python/object/apply:os.system ['echo hi']\ny: !!int '7'\n", "t.yaml")
    assert isinstance(tree, Map)
    x = tree.entries["x"]
    assert isinstance(x, Seq) and isinstance(x.items[0], Scalar) and x.items[0].value == "echo hi"
    assert tree.entries["y"] == Scalar("7", tree.entries["y"].loc)


@pytest.mark.parametrize(
    "text, message, line",
    [
        ("a: 1\n---\nb: 2\n", "more than one YAML document", 2),
        ("base: {a: 1}\nx: *nope\n", "refers to no finished anchor", 2),
        ("base: &b {a: 1}\nx:\n  <<: *b\n", "merge keys", 3),
        ("? [a]\n: 1\n", "a mapping key must be a plain string", 1),
        ("a: 1\na: 2\n", "duplicate key 'a' \\(first written at line 1\\)", 2),
    ],
)
def test_refusals_are_located(text: str, message: str, line: int) -> None:
    with pytest.raises(DesignError, match=message) as info:
        parse(text, "t.yaml")
    location = info.value.diagnostics[0].location
    assert location is not None and location.line == line
