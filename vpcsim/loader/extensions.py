"""Extensions: design sections and route targets that component modules add to the format.

A component module that brings a new kind of object registers a `Section` at import: its
top-level key, how to read one entry (with the builder's located-error helpers), and the key a
route uses to target one. `build` reads every registered section into `Design.extensions` and
checks route references against it; the component module does the rest. The loader never
imports components (they sit above it): `vpcsim.load()` imports them first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

from vpcsim.records import record

if TYPE_CHECKING:
    from vpcsim.errors import Diagnostic, Location
    from vpcsim.loader.reader import Map, Node
    from vpcsim.model import Cidr, Design, Instance, Interface, Route


class SectionBuilder(Protocol):
    """What a section reader may ask of the design builder (`loader.build`): its located checks."""

    def error(self, code: str, message: str, loc: Location) -> None: ...

    def check_keys(self, node: Map, what: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> None: ...

    def string(self, node: Node | None, what: str) -> str | None: ...

    def cidr(self, node: Node | None, what: str) -> Cidr | None: ...

    def boolean(self, node: Node | None, what: str, default: bool) -> bool: ...

    def ref(self, node: Node | None, what: str, section: str, kind: str) -> str | None: ...

    def vpc_ref(self, body: Map, what: str) -> str | None: ...

    def group_ref(self, node: Node, what: str, vpc: str | None) -> str | None: ...

    def integer(self, node: Node | None, what: str, lo: int, hi: int) -> int | None: ...

    def address(self, node: Node | None, what: str, ipv6: bool = False) -> int | None: ...

    def as_list(self, node: Node, what: str) -> tuple[Node, ...]: ...


__all__ = [
    "DesignRule",
    "Section",
    "SectionBuilder",
    "Target",
    "design_rules",
    "group_bridges",
    "register",
    "register_group_bridge",
    "register_rule",
    "register_target",
    "require_components",
    "section_for_route_key",
    "sections",
    "target_for",
]


@record
class Section:
    key: str  # the design's top-level key, e.g. "sinkholes"
    label: str  # how messages name one entry, e.g. "sinkhole"
    read: Callable[[SectionBuilder, str, Map], object | None]  # one entry -> its model record (None: errors reported)
    route_key: str | None = None  # the key a route targets one with, e.g. "sinkhole"
    # AWS's rules about the section's objects, run with `validate` on the whole design.
    validate: Callable[[Design], list[Diagnostic]] | None = None
    # The network interfaces one entry owns (an interface endpoint's): `build` adds them to
    # `Design.interfaces`, so that the walk, the analyses and validation see them as ENIs.
    interfaces: Callable[[object], Iterable[Interface]] | None = None
    # The routes AWS adds for one entry, as (route table name, route), given the design's region
    # (a gateway endpoint's prefix-list route in each associated table): `build` appends them to
    # those tables unless the table already has the same route.
    routes: Callable[[object, str], Iterable[tuple[str, Route]]] | None = None
    # The instances one entry stands for (an Auto Scaling group's members): added to
    # `Design.instances`, with their interfaces from `interfaces`.
    instances: Callable[[object], Iterable[Instance]] | None = None
    # The prefixes one entry propagates into a route table of the given VPC that names it in
    # `propagating_vgws` (a virtual private gateway's VPN and Direct Connect routes; none when it
    # is not attached to that VPC, which the section's validation reports), given every section's
    # entries: `build` adds them to the table as propagated routes to the entry.
    propagates: Callable[[object, str, Mapping[str, Mapping[str, object]]], Iterable[Cidr]] | None = None


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


# A rule that spans one component's objects over the whole design (e.g. "at most one internet
# gateway per VPC"): it returns its diagnostics, located at the objects.
DesignRule = Callable[["Design"], "list[Diagnostic]"]

_RULES: dict[str, DesignRule] = {}


def register_rule(name: str, rule: DesignRule) -> DesignRule:
    """Add a validation rule that `validate` runs on every design (component modules, at import)."""
    _RULES[name] = rule
    return rule


def design_rules() -> tuple[DesignRule, ...]:
    return tuple(_RULES.values())


@record
class Target:
    """What validation knows of one kind of route target; its component module registers it."""

    key: str  # the route key, e.g. "nat_gateway" (TargetKind.value, or a section's route key)
    label: str  # how a message names one, e.g. "NAT gateway"
    # The VPC(s) the named target is in or attached to; None when unknown or not VPC-bound.
    vpcs: Callable[[Design, str], tuple[str, ...] | None] | None = None
    # Whether the named target may take a route more specific than local (middlebox insertion).
    middlebox: Callable[[Design, str], bool] | None = None
    # How a route-target-vpc error says where the target is, given its VPCs.
    where: Callable[[str, tuple[str, ...]], str] | None = None
    # Whether the named target may replace the local route's target and be a gateway route
    # table's target, as a network interface may (a Gateway Load Balancer endpoint).
    replaces_local: Callable[[Design, str], bool] | None = None
    # Whether it propagates routes into VPC route tables (a virtual private gateway does).
    propagates: bool = False


_TARGETS: dict[str, Target] = {}


def register_target(target: Target) -> Target:
    _TARGETS[target.key] = target
    return target


def target_for(key: str) -> Target | None:
    return _TARGETS.get(key)


# VPC pairs a component connects so that their security groups may name each other's (a transit
# gateway): validation accepts such references, and the component says whether they work.
GroupBridge = Callable[["Design"], "Iterable[frozenset[str]]"]
_BRIDGES: list[GroupBridge] = []


def register_group_bridge(bridge: GroupBridge) -> GroupBridge:
    _BRIDGES.append(bridge)
    return bridge


def group_bridges() -> tuple[GroupBridge, ...]:
    return tuple(_BRIDGES)


def require_components() -> None:
    """Refuse to judge a design before the component modules have said what they know.

    Without them, AWS's per-component rules would be skipped without a word: a library caller
    must `import vpcsim.components` (vpcsim.load and the CLI do) before validating or importing.
    """
    if not _TARGETS:
        raise RuntimeError("vpcsim.components is not imported: import it before loading a design "
                           "(vpcsim.load() does)")
