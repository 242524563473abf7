"""Blackhole: a route whose target is gone (AWS `State: blackhole`) drops what matches it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsim.components import base
from vpcsim.components.base import Component, State, Walk
from vpcsim.errors import Location
from vpcsim.loader import extensions
from vpcsim.model import Route, Subnet, TargetKind
from vpcsim.results import Code, Disposition

if TYPE_CHECKING:
    from vpcsim.compile import CompiledNetwork, RouteEntry


# A blackhole may replace a middlebox route's target (AWS marks the route blackhole when its
# appliance is gone), so it passes the local-route rule like one.
extensions.register_target(extensions.Target(TargetKind.BLACKHOLE.value, "blackhole",
                                             middlebox=lambda design, name: True))


class Blackhole(Component[None]):
    kind = "blackhole"
    targets = (TargetKind.BLACKHOLE,)

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        detail = f"route {entry.describe()} is a blackhole: packets matching it are dropped"
        walk.stop(Disposition.NULL_ROUTED, Code.BAD_STATE_ROUTE, from_subnet.route_table, detail, route_loc)

    def route_node(self, net: CompiledNetwork, route: Route) -> tuple[str, str] | None:
        return None


COMPONENT = base.register(Blackhole())
