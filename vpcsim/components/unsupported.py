"""Unsupported: a component vpcsim reads but does not simulate; a path that reaches it stops there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsim.components import base
from vpcsim.components.base import Component, State, Walk
from vpcsim.errors import Location
from vpcsim.loader import extensions
from vpcsim.model import Design, Subnet, TargetKind
from vpcsim.results import Code, Disposition

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork, RouteEntry


def _is_endpoint(design: Design, name: str) -> bool:
    """A (Gateway Load Balancer) endpoint may take middlebox routes, though vpcsim does not simulate it
    (https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-middlebox)."""
    component = design.unsupported.get(name)
    return component is not None and "endpoint" in component.kind


extensions.register_target(extensions.Target(TargetKind.UNSUPPORTED.value, "unsupported component",
                                             middlebox=_is_endpoint))


class Unsupported(Component[None]):
    kind = "unsupported"
    targets = (TargetKind.UNSUPPORTED,)

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        target = entry.route.target if entry.route and entry.route.target else ""
        item = walk.net.design.unsupported.get(target)
        label = f"{item.kind} {target}" if item else target
        detail = f"the route leads to {label}, which vpcsim does not simulate"
        walk.hop("unsupported", target, item.aws_id if item else None, state, [])
        walk.stop(Disposition.UNSUPPORTED, Code.UNSUPPORTED_COMPONENT, target, detail, item.loc if item else route_loc)

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for item in net.design.unsupported.values():
            g.add_node((self.kind, item.name), kind=self.kind, name=item.name, aws_id=item.aws_id,
                       location=str(item.loc) if item.loc else None, component=item.kind,
                       **base.drawn(f"{item.name}\n(not simulated: {item.kind})", "note"))


COMPONENT = base.register(Unsupported())
