"""Sinkhole: a named route target that drops everything routed to it.

The smallest component that adds to the design format, kept as the worked example of
docs/architecture.md (a whole component in one file): a deliberate deny route, or the stand-in
for an inspection appliance that is not deployed yet, whose traces show what would go there.

    sinkholes:
      quarantine: {vpc: prod, description: "until the firewall lands"}
    route_tables:
      app: {vpc: prod, routes: [{destination: 10.9.0.0/16, sinkhole: quarantine}]}

AWS has no such resource: in an account, the same route is a blackhole route (`State:
blackhole`). A route may only name a sinkhole of its own VPC, as a route may only name its own
VPC's internet gateway.
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING

from vpcsim.components import base
from vpcsim.components.base import Component, State, Walk
from vpcsim.errors import Diagnostic, Location, Severity
from vpcsim.loader import extensions
from vpcsim.model import NOWHERE, Design, Subnet, TargetKind
from vpcsim.records import record
from vpcsim.results import Action, Code, Disposition, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork, RouteEntry
    from vpcsim.loader.reader import Map

KEY = "sinkholes"
ROUTE_KEY = "sinkhole"


@record
class SinkholeModel:
    name: str
    vpc: str
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)


def read(builder: extensions.SectionBuilder, name: str, body: Map) -> SinkholeModel | None:
    what = f"sinkhole {name}"
    builder.check_keys(body, what, ("vpc", "description"), ("vpc",))
    vpc = builder.vpc_ref(body, what)
    description = builder.string(body.get("description"), f"{what}: description") or ""
    return SinkholeModel(name, vpc, description, body.loc) if vpc is not None else None


def sinkholes(design: Design) -> dict[str, SinkholeModel]:
    return {name: obj for name, obj in design.extensions.get(KEY, {}).items() if isinstance(obj, SinkholeModel)}


def validate(design: Design) -> list[Diagnostic]:
    """A route may only target a sinkhole of its own route table's VPC."""
    out = []
    holes = sinkholes(design)
    for table in design.route_tables.values():
        for route in table.routes:
            if route.target_kind is not TargetKind.COMPONENT or route.target_section != ROUTE_KEY:
                continue
            hole = holes.get(route.target or "")
            if hole is not None and hole.vpc != table.vpc:
                out.append(Diagnostic(
                    Severity.ERROR, "sinkhole-vpc",
                    f"route table {table.name}: sinkhole {hole.name} is in vpc {hole.vpc}, not {table.vpc} "
                    "(expected a sinkhole of the route table's own VPC)",
                    route.loc))
    return out


extensions.register(extensions.Section(KEY, "sinkhole", read, ROUTE_KEY, validate))


class Sinkhole(Component[None]):
    kind = "sinkhole"
    route_key = ROUTE_KEY

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        hole = sinkholes(walk.net.design)[entry.route.target if entry.route and entry.route.target else ""]
        detail = f"sinkhole {hole.name} drops everything routed to it" + (
            f" ({hole.description})" if hole.description else "")
        walk.hop(self.kind, hole.name, None, state, [Step(StepKind.FORWARD, Action.DROP, detail, hole.name,
                                                         location=hole.loc)])
        walk.stop(Disposition.NULL_ROUTED, Code.BAD_STATE_ROUTE, hole.name, detail, route_loc)

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for hole in sinkholes(net.design).values():
            key = (self.kind, hole.name)
            g.add_node(key, kind=self.kind, name=hole.name, aws_id=None, location=str(hole.loc),
                       **base.drawn(f"sinkhole\n{hole.name}", "octagon", vpc=hole.vpc))
            g.add_edge(("vpc_router", hole.vpc), key, relation="attachment")


COMPONENT = base.register(Sinkhole())
