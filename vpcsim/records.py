"""`record`: a frozen, slotted dataclass, as `@dataclass(frozen=True, slots=True)` makes it, whose
`__repr__`, `__eq__` and `__hash__` are three functions shared by every record class instead of
three written and compiled for each.

Why: building a dataclass `exec`s the source of each method it adds, and vpcsim defines about a
hundred, most imported by every command: that was a third of `vpcsim trace`'s cold start, and
these three are half of it (benchmarks/README.md, Scale). What each does is dataclasses' own:
- `__repr__`: `Name(field=value, ...)` over the fields with `repr=True`, `...` for a recursion;
- `__eq__`: the tuples of the fields with `compare=True` of two instances of the same class
  (else NotImplemented);
- `__hash__`: the hash of that tuple, over the fields dataclasses hashes.
A method the class writes itself is kept. tests/test_records.py compares each with dataclasses'.

(vpcsim.model keeps `dataclass`: setup.py compiles it with mypyc, which builds its own.)
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from typing import Any, TypeVar, dataclass_transform

__all__ = ["record"]

T = TypeVar("T")


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        (name,) = names
        return lambda obj: (getattr(obj, name),)
    from operator import attrgetter

    getter: Callable[[Any], tuple[Any, ...]] = attrgetter(*names)
    return getter


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    return f"{self.__class__.__qualname__}(" + ", ".join(
        f"{name}={getattr(self, name)!r}" for name in self.__class__.__record_repr__) + ")"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        key = self.__class__.__record_compare__
        return key(self) == key(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self.__class__.__record_hash__(self))


def _hashed(f: Field[Any]) -> bool:
    return bool(f.compare) if f.hash is None else bool(f.hash)


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: type[T]) -> type[T]:
    """`@dataclass(frozen=True, slots=True)`, with the shared methods (see the module)."""
    body = cls.__dict__
    own_repr, own_eq = "__repr__" in body, "__eq__" in body
    # As dataclasses decides: a class that writes __eq__ alone has __hash__ None, not its own.
    own_hash = "__hash__" in body and not (body["__hash__"] is None and own_eq)
    made: Any = dataclass(frozen=True, slots=True, repr=False, eq=False)(cls)
    found = fields(made)
    if not own_repr:
        made.__record_repr__ = tuple(f.name for f in found if f.repr)
        made.__repr__ = _repr
    if not own_eq:
        made.__record_compare__ = _getter(tuple(f.name for f in found if f.compare))
        made.__eq__ = _eq
    if not own_hash:  # (frozen, with eq: dataclasses hashes the fields)
        made.__record_hash__ = _getter(tuple(f.name for f in found if _hashed(f)))
        made.__hash__ = _hash
    result: type[T] = made  # (its __dataclass_params__ say repr=False, eq=False: what dataclasses was asked)
    return result
