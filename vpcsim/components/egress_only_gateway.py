"""Egress-only internet gateway: IPv6 out to the internet, and only the replies of that back in.

    egress_only_internet_gateways:
      corp-eigw: {vpc: corp}
    route_tables:
      private: {vpc: corp, routes: [{destination: "::/0", egress_only_internet_gateway: corp-eigw}]}

AWS: it "allows outbound communication over IPv6 from instances in your VPC to the internet, and
prevents the internet from initiating an IPv6 connection with your instances"; it is stateful
and carries IPv6 only (https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html).
So the walk lets a forward leg out (and records the session its reply comes back by), drops a
reply leaving through it (the connection was opened from outside: it is not a session the
gateway made), and drops what the internet sends to a VPC that has no internet gateway.
A VPC that has an internet gateway as well is reached through that one: the route table of the
destination's subnet decides only how the replies leave.
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING

from vpcsim.components import base, internet_gateway
from vpcsim.components.base import Component, State, Walk, ip
from vpcsim.errors import Diagnostic, Location, Severity
from vpcsim.importers import mapping
from vpcsim.loader import extensions
from vpcsim.model import IPV4_MAX, IPV6_BITS, NOWHERE, Design, Subnet, TargetKind
from vpcsim.records import record
from vpcsim.results import Action, Code, Disposition, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork, RouteEntry
    from vpcsim.importers.aws import Importer
    from vpcsim.loader.reader import Map

KEY = "egress_only_internet_gateways"
ROUTE_KEY = "egress_only_internet_gateway"
DOC = "https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html"


@record
class EgressOnlyGateway:
    name: str
    vpc: str
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


def read(builder: extensions.SectionBuilder, name: str, body: Map) -> EgressOnlyGateway | None:
    what = f"egress-only internet gateway {name}"
    builder.check_keys(body, what, ("vpc", "aws_id", "description", "tags"), ("vpc",))
    vpc = builder.vpc_ref(body, what)
    aws_id = builder.string(body.get("aws_id"), f"{what}: aws_id")
    return EgressOnlyGateway(name, vpc, aws_id, body.loc) if vpc is not None else None


def gateways(design: Design) -> dict[str, EgressOnlyGateway]:
    return {n: g for n, g in design.extensions.get(KEY, {}).items() if isinstance(g, EgressOnlyGateway)}


def by_vpc(design: Design) -> dict[str, EgressOnlyGateway]:
    return {g.vpc: g for g in gateways(design).values()}


def validate(design: Design) -> list[Diagnostic]:
    """A route to an egress-only gateway names an IPv6 destination of its own VPC's gateway."""
    out = []
    known = gateways(design)
    for table in design.route_tables.values():
        for route in table.routes:
            if route.target_kind is not TargetKind.COMPONENT or route.target_section != ROUTE_KEY:
                continue
            gw = known.get(route.target or "")
            if gw is not None and gw.vpc != table.vpc:
                out.append(Diagnostic(
                    Severity.ERROR, "eigw-vpc",
                    f"route table {table.name}: egress-only internet gateway {gw.name} is attached to vpc "
                    f"{gw.vpc}, not {table.vpc} (expected the route table's own VPC's gateway)", route.loc))
            if route.destination is not None and route.destination.bits != IPV6_BITS:
                out.append(Diagnostic(
                    Severity.ERROR, "eigw-ipv4-route",
                    f"route table {table.name}: route {route.destination} -> egress-only internet gateway "
                    f"{route.target}: the gateway carries IPv6 only (expected an IPv6 destination such as ::/0: "
                    f"{DOC})", route.loc))
    return out


def _vpcs(design: Design, name: str) -> tuple[str, ...] | None:
    gw = gateways(design).get(name)
    return (gw.vpc,) if gw else None


extensions.register(extensions.Section(KEY, "egress-only internet gateway", read, ROUTE_KEY, validate))
extensions.register_target(extensions.Target(ROUTE_KEY, "egress-only internet gateway", _vpcs,
                                             where=lambda vpc, owners: f"is attached to vpc {owners[0]}"))


# -- AWS import: describe-egress-only-internet-gateways ----------------------------------------------


def _pick(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept: dict[str, mapping.Picked] = {}
    for gw_id, j in imp.raw.get("EgressOnlyInternetGateways", {}).items():
        attached = [a.text("VpcId") for a in j.objs("Attachments")
                    if a.text("State") in (None, "available", "attached") and a.text("VpcId")]
        if not attached:
            imp.skip(gw_id, "detached from every VPC", "aws-detached",
                     f"egress-only internet gateway {gw_id} is not attached to a VPC (skipped)", j.loc)
            continue
        vpc_id = attached[0] or ""
        if vpc_id not in imp.vpcs:
            imp.skip(gw_id, f"attached to vpc {vpc_id}, which is not in the snapshot", "aws-orphan",
                     f"egress-only internet gateway {gw_id}: its vpc {vpc_id} is not in the snapshot (skipped)",
                     j.loc)
            continue
        kept[gw_id] = mapping.Picked(j, names.take(j.name_tag(), gw_id), vpc_id)
    return kept


def _body(imp: Importer, gw: mapping.Picked) -> dict[str, object]:
    body: dict[str, object] = {"aws_id": gw.j.text("EgressOnlyInternetGatewayId"),
                               "vpc": imp.vpcs[gw.vpc_id or ""].name}
    imp.at(body, gw.j.loc)
    return body


mapping.register(mapping.AwsMapping("EgressOnlyInternetGateways", KEY, ROUTE_KEY, "EgressOnlyInternetGatewayId",
                                    "eigw-", "egress-only internet gateway", "EgressOnlyInternetGatewayId",
                                    _pick, _body, rank=15))


# -- the walk -----------------------------------------------------------------------------------------


def _session_key(gw: EgressOnlyGateway) -> str:
    # Kept with the interfaces that hold state for the forward leg (Walk.eni_sessions): a name
    # no interface can have (names have no spaces).
    return f"eigw {gw.name}"


def _from_internet(walk: Walk, vpc: str, state: State) -> bool:
    """IPv6 from the internet to `vpc`: a reply of a session the gateway made comes back in by it;
    unsolicited traffic to a VPC without an internet gateway stops at it."""
    net = walk.net
    gw = by_vpc(net.design).get(vpc)
    if gw is None:
        return False
    if walk.returning and _session_key(gw) in walk.eni_sessions:
        steps = [Step(StepKind.SESSION, Action.ALLOW,
                      f"egress-only internet gateway {gw.name}: the reply of a connection it carried out",
                      gw.name, location=gw.loc)]
        internet_gateway.enter(walk, vpc, gw.name, gw.aws_id, "egress_only_internet_gateway", state, steps)
        return True
    if vpc in net.igw_by_vpc:
        return False  # the internet gateway takes it
    detail = (f"egress-only internet gateway {gw.name} drops {ip(state.dst)}'s unsolicited traffic from the "
              f"internet: it passes only connections opened from inside ({DOC})")
    walk.hop("egress_only_internet_gateway", gw.name, gw.aws_id, state,
             [Step(StepKind.SESSION, Action.DROP, detail, gw.name, location=gw.loc)])
    walk.stop(Disposition.DENIED_IN, Code.NGW_NO_SESSION, gw.name, detail, gw.loc)
    return True


internet_gateway.register_ipv6_entry(_from_internet)


class EgressOnlyInternetGateway(Component[None]):
    kind = "egress_only_internet_gateway"
    route_key = ROUTE_KEY

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        net = walk.net
        gw = gateways(net.design)[entry.route.target if entry.route and entry.route.target else ""]
        vpc = net.design.vpcs[from_subnet.vpc]
        walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
        if state.dst <= IPV4_MAX:  # validated away for written routes; a prefix list may hold IPv4
            detail = f"egress-only internet gateway {gw.name} carries IPv6 only, not {ip(state.dst)}"
            walk.hop(self.kind, gw.name, gw.aws_id, state, [Step(StepKind.FORWARD, Action.DROP, detail, gw.name)])
            walk.stop(Disposition.NULL_ROUTED, Code.NO_PATH, gw.name, detail, route_loc)
            return
        if walk.returning:
            # The reply of a connection the internet opened (in through the internet gateway):
            # not a session of this gateway, so it does not pass.
            detail = (f"egress-only internet gateway {gw.name} drops the reply to a connection opened from the "
                      f"internet: it passes only connections opened from inside ({DOC})")
            walk.hop(self.kind, gw.name, gw.aws_id, state,
                     [Step(StepKind.SESSION, Action.DROP, detail, gw.name, location=gw.loc)])
            walk.stop(Disposition.DENIED_OUT, Code.RETURN_PATH_ASYMMETRIC, gw.name, detail, route_loc)
            return
        walk.eni_sessions.add(_session_key(gw))
        walk.hop(self.kind, gw.name, gw.aws_id, state,
                 [Step(StepKind.SESSION, Action.ALLOW, f"egress-only internet gateway {gw.name}: out to the "
                       f"internet (IPv6, no translation; replies come back by its session)", gw.name,
                       location=gw.loc)])
        state.sender = None
        internet_gateway.to_internet(walk, state)

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for gw in gateways(net.design).values():
            key = (self.kind, gw.name)
            g.add_node(key, kind=self.kind, name=gw.name, aws_id=gw.aws_id, location=str(gw.loc) if gw.loc else None,
                       **base.drawn(f"egress-only internet gateway\n{gw.name}", "hexagon", vpc=gw.vpc))
            g.add_edge(("vpc_router", gw.vpc), key, relation="attachment")
            g.add_edge(key, ("internet", "internet"), relation="internet")
            g.add_edge(("internet", "internet"), key, relation="reply")


COMPONENT = base.register(EgressOnlyInternetGateway())
