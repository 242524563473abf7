"""vpcsim.records.record against `@dataclass(frozen=True, slots=True)`: the same repr, equality and
hash, for classes of every shape the package writes, and on the package's own record classes."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import vpcsim
from vpcsim.records import record

VALUES = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.text(max_size=5),
                   st.tuples(st.integers(), st.text(max_size=3)), st.frozensets(st.integers(), max_size=3))


def _shapes() -> list[tuple[type, type]]:
    """Pairs of one class body, made by `record` and by dataclass."""
    out = []
    for make in (record, dataclass(frozen=True, slots=True)):
        made = []

        class Plain:
            a: Any
            b: Any = 3

        class Hidden:
            a: Any
            secret: Any = field(default=None, repr=False, compare=False)
            c: Any = field(default=0, hash=False)
            kind: ClassVar[str] = "x"

        class Empty:
            pass

        class One:
            a: Any

        class OwnEq:
            a: Any

            def __eq__(self, other: object) -> bool:
                return type(other) is type(self)

        class OwnHash:
            a: Any

            def __hash__(self) -> int:
                return 7

        class OwnRepr:
            a: Any

            def __repr__(self) -> str:
                return "mine"

        class Loose:
            a: Any = field(default=None, hash=True, compare=False)
            b: Any = None

        for body in (Plain, Hidden, Empty, One, OwnEq, OwnHash, OwnRepr, Loose):
            made.append(make(body))
        out.append(made)
    return list(zip(out[0], out[1], strict=True))


SHAPES = _shapes()


@pytest.mark.parametrize(("mine", "theirs"), SHAPES, ids=[m.__name__ for m, _ in SHAPES])
@given(st.lists(VALUES, min_size=2, max_size=2), st.lists(VALUES, min_size=2, max_size=2))
def test_a_record_behaves_as_the_dataclass_of_its_body(mine: type, theirs: type, left: list[Any],
                                                      right: list[Any]) -> None:
    count = len([f for f in dataclasses.fields(theirs) if f.init])
    a_mine, b_mine = mine(*left[:count]), mine(*right[:count])
    a_theirs, b_theirs = theirs(*left[:count]), theirs(*right[:count])
    assert repr(a_mine) == repr(a_theirs)
    assert (a_mine == b_mine) == (a_theirs == b_theirs)
    assert (a_mine == a_mine) == (a_theirs == a_theirs)  # noqa: PLR0124 (NaN: identity first, as tuples)
    assert (a_mine == left) == (a_theirs == left)
    if theirs.__hash__ is None:
        assert mine.__hash__ is None
    else:
        assert hash(a_mine) == hash(a_theirs)
    assert dataclasses.astuple(a_mine) == dataclasses.astuple(a_theirs)
    assert dataclasses.replace(a_mine) == a_mine
    assert _refused(a_mine) is _refused(a_theirs) is not None
    assert not hasattr(a_mine, "__dict__") and mine.__slots__ == theirs.__slots__


def _refused(obj: Any) -> type[BaseException] | None:
    """What assigning a field raises (FrozenInstanceError; with no fields, CPython 3.11's slotted
    frozen dataclasses raise TypeError, as theirs do)."""
    try:
        obj.a = 1
    except Exception as exc:
        return type(exc)
    return None


def test_a_recursive_repr_is_cut_as_dataclasses_cuts_it() -> None:
    mine, theirs = SHAPES[0]
    inner_mine: list[Any] = []
    inner_theirs: list[Any] = []
    a, b = mine(inner_mine), theirs(inner_theirs)
    inner_mine.append(a)
    inner_theirs.append(b)
    assert repr(a) == repr(b) and repr(a).endswith("Plain(a=[...], b=3)")


def _package_records() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(vpcsim.__path__, "vpcsim."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == info.name and "__record_repr__" in vars(value):
                found.append(value)
    return found


def test_the_package_uses_records_and_each_matches_its_fields() -> None:
    """Every record class of the package: its shared methods read the fields dataclasses would."""
    classes = _package_records()
    assert len(classes) > 50, len(classes)
    for cls in classes:
        fields = dataclasses.fields(cls)
        assert cls.__record_repr__ == tuple(f.name for f in fields if f.repr), cls
