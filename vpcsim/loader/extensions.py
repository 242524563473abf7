"""Extensions: design sections and route targets that component modules add to the format.

A component module that brings a new kind of object registers a `Section` at import: its
top-level key, how to read one entry (with the builder's located-error helpers), and the key a
route uses to target one. `build` reads every registered section into `Design.extensions` and
checks route references against it; the component module does the rest. The loader never
imports components (they sit above it): `vpcsim.load()` imports them first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from vpcsim.errors import Diagnostic, Location
    from vpcsim.loader.reader import Map, Node
    from vpcsim.model import Design


class SectionBuilder(Protocol):
    """What a section reader may ask of the design builder (`loader.build`): its located checks."""

    def error(self, code: str, message: str, loc: Location) -> None: ...

    def check_keys(self, node: Map, what: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> None: ...

    def string(self, node: Node | None, what: str) -> str | None: ...

    def ref(self, node: Node | None, what: str, section: str, kind: str) -> str | None: ...

    def vpc_ref(self, body: Map, what: str) -> str | None: ...

__all__ = ["Section", "SectionBuilder", "register", "section_for_route_key", "sections"]


@dataclass(frozen=True, slots=True)
class Section:
    key: str  # the design's top-level key, e.g. "sinkholes"
    label: str  # how messages name one entry, e.g. "sinkhole"
    read: Callable[[SectionBuilder, str, Map], object | None]  # one entry -> its model record (None: errors reported)
    route_key: str | None = None  # the key a route targets one with, e.g. "sinkhole"
    # AWS's rules about the section's objects, run with `validate` on the whole design.
    validate: Callable[[Design], list[Diagnostic]] | None = None


_SECTIONS: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add a section to the design format (each component module calls this once, at import)."""
    known = _SECTIONS.get(section.key)
    if known is not None and known != section:
        raise RuntimeError(f"design section {section.key!r} is registered already")
    _SECTIONS[section.key] = section
    return section


def sections() -> tuple[Section, ...]:
    return tuple(_SECTIONS.values())


def section_for_route_key(route_key: str) -> Section | None:
    return next((s for s in _SECTIONS.values() if s.route_key == route_key), None)
