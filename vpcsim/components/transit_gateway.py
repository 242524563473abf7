"""Transit gateways: attachments, their route tables (association, propagation, static and
blackhole routes, longest prefix match), and the VPC side (attachment subnets, their NACLs).

    transit_gateways:
      hub:
        default_association_table: shared      # what an attachment without `association` uses
        default_propagation_table: shared      # where one without `propagations` propagates
        route_tables:
          shared: {}
          prod: {routes: [{destination: 10.20.0.0/16, blackhole: true}]}
        attachments:
          prod: {vpc: prod, subnets: [prod-tgw-a, prod-tgw-b], association: prod, propagations: [shared]}
          west: {peering: hub-west, association: shared}      # another transit gateway: static routes only
    route_tables:
      app: {vpc: prod, routes: [{destination: 10.0.0.0/8, transit_gateway: hub}]}

How AWS forwards (https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html):

- a VPC attachment has one network interface per chosen subnet, one subnet per Availability
  Zone; a subnet in a zone the attachment does not cover cannot reach the transit gateway;
- the attachment's associated route table looks the packet up: the longest prefix wins; on an
  equal prefix static routes beat propagated ones, and of propagated routes VPC beats Direct
  Connect beats VPN ("Route evaluation order"); a blackhole route drops;
- the packet leaves into the destination VPC in the Availability Zone it entered by, unless
  appliance mode is on (one interface for the flow's life, both directions), and is routed there
  by the attachment subnet's own route table (what an inspection VPC relies on);
- the attachment subnets' network ACLs apply to traffic to and from the transit gateway: the
  sender's subnet outbound, then the attachment subnet inbound; on the way out the attachment
  subnet outbound, then the receiver's subnet inbound; within one subnet only that subnet's
  outbound (towards the gateway) or inbound (from it) rules
  (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html).

The reply is looked up in its own tables (its source attachment's association), so a missing
propagation shows as a one-way path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from types import MappingProxyType
from typing import TYPE_CHECKING

from vpcsim.compile import CompiledRoutes, RouteEntry
from vpcsim.components import base, subnet
from vpcsim.components.base import Component, State, Walk, ip
from vpcsim.errors import Diagnostic, Location, Severity
from vpcsim.facts import (
    GONE_STATES,
    TGW_ATTACHMENT_SG_REFERENCING_DEFAULT,
    TGW_SG_REFERENCING_DEFAULT,
    TGW_SG_REFERENCING_DOC,
)
from vpcsim.importers import mapping
from vpcsim.loader import extensions
from vpcsim.loader.reader import Map, Scalar, Seq
from vpcsim.model import NOWHERE, Cidr, Design, Route, RouteOrigin, Subnet, TargetKind
from vpcsim.records import record
from vpcsim.results import Action, Code, Disposition, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork
    from vpcsim.importers.aws import Importer
    from vpcsim.importers.items import Item
    from vpcsim.loader.reader import Node

KEY = "transit_gateways"
ROUTE_KEY = "transit_gateway"
ATTACHMENT_HOP = "transit_gateway_attachment"
DOC = "https://docs.aws.amazon.com/vpc/latest/tgw/how-transit-gateways-work.html"
NACL_DOC = "https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html"

# Attachment kinds, by the key that names what is attached. Propagated routes of an equal prefix
# rank in this order (VPC, Direct Connect gateway, VPN: "Route evaluation order", DOC).
ATTACHMENT_KINDS = ("vpc", "direct_connect_gateway", "vpn", "peering")
_PROPAGATING = ("vpc", "direct_connect_gateway", "vpn")  # peering attachments take static routes only


@record
class TgwRoute:
    """One route of a transit gateway route table."""
    destination: Cidr
    attachment: str | None  # None: a blackhole route
    loc: Location = field(default=NOWHERE, compare=False)


@record
class TgwRouteTable:
    """A transit gateway route table."""
    name: str
    routes: tuple[TgwRoute, ...] = ()
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


@record
class Attachment:
    """A transit gateway attachment: what it connects, its association and its propagations."""
    name: str
    kind: str  # one of ATTACHMENT_KINDS
    target: str  # the VPC, peer transit gateway, VPN connection or Direct Connect gateway
    subnets: tuple[str, ...] = ()  # a VPC attachment's subnets, one per Availability Zone
    association: str | None = None  # the route table that looks up what enters here
    propagations: tuple[str, ...] = ()  # the route tables this attachment's routes go into
    appliance_mode: bool = False
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)
    security_group_referencing: bool = TGW_ATTACHMENT_SG_REFERENCING_DEFAULT


@record
class TransitGatewayModel:
    """A transit gateway: its route tables, attachments and default tables."""
    name: str
    route_tables: Mapping[str, TgwRouteTable]
    attachments: Mapping[str, Attachment]
    default_association_table: str | None = None
    default_propagation_table: str | None = None
    aws_id: str | None = None
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)
    security_group_referencing: bool = TGW_SG_REFERENCING_DEFAULT

    def vpc_attachment(self, vpc: str) -> Attachment | None:
        return next((a for a in self.attachments.values() if a.kind == "vpc" and a.target == vpc), None)

    def peering_with(self, peer: str) -> Attachment | None:
        return next((a for a in self.attachments.values() if a.kind == "peering" and a.target == peer), None)


# -- the design format ---------------------------------------------------------------------------

_GATEWAY_KEYS = ("aws_id", "description", "route_tables", "attachments", "default_association_table",
                 "default_propagation_table", "security_group_referencing")
_ATTACHMENT_KEYS = (*ATTACHMENT_KINDS, "subnets", "association", "propagations", "appliance_mode", "aws_id",
                    "description", "security_group_referencing")


def _entries(builder: extensions.SectionBuilder, node: Node | None, what: str) -> dict[str, Map]:
    if node is None:
        return {}
    if not isinstance(node, Map):
        builder.error("type", f"{what}: expected a mapping of names to entries", node.loc)
        return {}
    out = {}
    for key, value in node.entries.items():
        if isinstance(value, Map):
            out[key] = value
        elif isinstance(value, Scalar) and value.value is None:
            out[key] = Map({}, {}, value.loc)  # `name: ~` or `name:`: an entry with nothing set
        else:
            builder.error("type", f"{what}: {key}: expected a mapping", value.loc)
    return out


def _names(builder: extensions.SectionBuilder, node: Node | None, what: str) -> tuple[str, ...] | None:
    if node is None:
        return None
    if not isinstance(node, Seq):
        builder.error("type", f"{what}: expected a list of names", node.loc)
        return ()
    return tuple(name for item in node.items if (name := builder.string(item, what)) is not None)


def _table_ref(builder: extensions.SectionBuilder, node: Node | None, what: str, tables: Mapping[str, object],
               gateway: str) -> str | None:
    name = builder.string(node, what)
    if name is None or node is None:
        return None
    if name not in tables:
        known = ", ".join(sorted(tables)[:8]) or "none declared"
        builder.error("unknown-reference", f"{what}: transit gateway {gateway} has no route table named {name!r} "
                      f"(known: {known})", node.loc)
        return None
    return name


def read(builder: extensions.SectionBuilder, name: str, body: Map) -> TransitGatewayModel | None:
    what = f"transit gateway {name}"
    builder.check_keys(body, what, _GATEWAY_KEYS)
    tables_raw = _entries(builder, body.get("route_tables"), f"{what}: route_tables")
    attachments_raw = _entries(builder, body.get("attachments"), f"{what}: attachments")
    default_assoc = _table_ref(builder, body.get("default_association_table"),
                               f"{what}: default_association_table", tables_raw, name)
    default_prop = _table_ref(builder, body.get("default_propagation_table"),
                              f"{what}: default_propagation_table", tables_raw, name)
    attachments: dict[str, Attachment] = {}
    for att_name, att_body in attachments_raw.items():
        att = _read_attachment(builder, name, att_name, att_body, tables_raw, default_assoc, default_prop)
        if att is not None:
            attachments[att_name] = att
    tables: dict[str, TgwRouteTable] = {}
    for table_name, table_body in tables_raw.items():
        table_what = f"{what}: route table {table_name}"
        builder.check_keys(table_body, table_what, ("routes", "aws_id", "description"))
        routes: list[TgwRoute] = []
        routes_node = table_body.get("routes")
        if routes_node is not None and not isinstance(routes_node, Seq):
            builder.error("type", f"{table_what}: routes: expected a list", routes_node.loc)
        for index, item in enumerate(routes_node.items if isinstance(routes_node, Seq) else ()):
            route = _read_route(builder, f"{table_what}: routes[{index}]", item, attachments_raw)
            if route is not None:
                routes.append(route)
        seen: dict[Cidr, TgwRoute] = {}
        for route in routes:
            first = seen.setdefault(route.destination, route)
            if first is not route:
                builder.error("route-duplicate", f"{table_what}: destination {route.destination} appears twice "
                              f"(expected each destination once per table)", route.loc)
        aws_id = builder.string(table_body.get("aws_id"), f"{table_what}: aws_id")
        tables[table_name] = TgwRouteTable(table_name, tuple(routes), aws_id, table_body.loc)
    return TransitGatewayModel(
        name, MappingProxyType(tables), MappingProxyType(attachments), default_assoc, default_prop,
        builder.string(body.get("aws_id"), f"{what}: aws_id"),
        builder.string(body.get("description"), f"{what}: description") or "", body.loc,
        builder.boolean(body.get("security_group_referencing"), f"{what}: security_group_referencing",
                        TGW_SG_REFERENCING_DEFAULT))


def _read_attachment(builder: extensions.SectionBuilder, gateway: str, name: str, body: Map,
                     tables: Mapping[str, object], default_assoc: str | None,
                     default_prop: str | None) -> Attachment | None:
    what = f"transit gateway {gateway}: attachment {name}"
    builder.check_keys(body, what, _ATTACHMENT_KEYS)
    kinds = [k for k in ATTACHMENT_KINDS if k in body.entries]
    if len(kinds) != 1:
        builder.error("tgw-attachment", f"{what}: expected exactly one of {', '.join(ATTACHMENT_KINDS)} "
                      f"(what is attached), got {len(kinds)}", body.loc)
        return None
    kind = kinds[0]
    if kind == "vpc":
        target = builder.vpc_ref(body, what)
    else:
        target = builder.string(body.get(kind), f"{what}: {kind}")
    subnets = _names(builder, body.get("subnets"), f"{what}: subnets") or ()
    if kind == "vpc" and not subnets:
        builder.error("tgw-attachment", f"{what}: a VPC attachment needs subnets: [NAME, ...] (one per "
                      f"Availability Zone it serves: {DOC})", body.loc)
    elif kind != "vpc" and body.get("subnets") is not None:
        builder.error("tgw-attachment", f"{what}: subnets are for VPC attachments (expected vpc: NAME)", body.loc)
    association = default_assoc
    node = body.get("association")
    if node is not None:
        # `association: ~` leaves an attachment unassociated on a gateway with a default table.
        none = isinstance(node, Scalar) and node.value is None
        association = None if none else _table_ref(builder, node, f"{what}: association", tables, gateway)
    propagations = _names(builder, body.get("propagations"), f"{what}: propagations")
    if propagations is None:
        # AWS propagates a new VPC, VPN or Direct Connect attachment into the default propagation
        # table when the gateway has one; a peering attachment never propagates.
        propagations = (default_prop,) if default_prop is not None and kind in _PROPAGATING else ()
    else:
        prop_node = body.get("propagations")
        for table in propagations:
            if table not in tables and isinstance(prop_node, Seq):
                item = next(i for i in prop_node.items if isinstance(i, Scalar) and str(i.value) == table)
                _table_ref(builder, item, f"{what}: propagations", tables, gateway)
        propagations = tuple(t for t in propagations if t in tables)
        if kind == "peering" and propagations:
            builder.error("tgw-peering-propagation", f"{what}: a peering attachment supports static routes only "
                          f"(expected no propagations: {DOC})", body.entries["propagations"].loc)
            propagations = ()
    appliance = builder.boolean(body.get("appliance_mode"), f"{what}: appliance_mode", False)
    sg_refs = builder.boolean(body.get("security_group_referencing"), f"{what}: security_group_referencing",
                              TGW_ATTACHMENT_SG_REFERENCING_DEFAULT)
    aws_id = builder.string(body.get("aws_id"), f"{what}: aws_id")
    if target is None:
        return None
    return Attachment(name, kind, target, subnets, association, propagations, appliance, aws_id, body.loc, sg_refs)


def _read_route(builder: extensions.SectionBuilder, what: str, node: Node, attachments: Mapping[str, object]
                ) -> TgwRoute | None:
    if not isinstance(node, Map):
        builder.error("type", f"{what}: expected a mapping", node.loc)
        return None
    builder.check_keys(node, what, ("destination", "attachment", "blackhole", "description"), ("destination",))
    destination = builder.cidr(node.get("destination"), f"{what}: destination")
    blackhole = builder.boolean(node.get("blackhole"), f"{what}: blackhole", False)
    attachment = builder.string(node.get("attachment"), f"{what}: attachment")
    if blackhole == (attachment is not None):
        builder.error("route", f"{what}: expected exactly one target (attachment: NAME or blackhole: true)",
                      node.loc)
        return None
    if attachment is not None and attachment not in attachments:
        known = ", ".join(sorted(attachments)[:8]) or "none declared"
        builder.error("unknown-reference", f"{what}: attachment: no attachment named {attachment!r} (known: {known})",
                      node.entries["attachment"].loc)
        return None
    return TgwRoute(destination, attachment, node.loc) if destination is not None else None


def gateways(design: Design) -> dict[str, TransitGatewayModel]:
    return {n: g for n, g in design.extensions.get(KEY, {}).items() if isinstance(g, TransitGatewayModel)}


# -- validation ----------------------------------------------------------------------------------


def validate(design: Design) -> list[Diagnostic]:
    """Attachment subnets lie in their VPC, one per zone; a peering is declared on both sides."""
    out: list[Diagnostic] = []
    tgws = gateways(design)
    for tgw in tgws.values():
        for att in tgw.attachments.values():
            what = f"transit gateway {tgw.name}: attachment {att.name}"
            if att.kind == "vpc":
                zones: dict[str, str] = {}
                for name in att.subnets:
                    sub = design.subnets.get(name)
                    if sub is None:
                        out.append(Diagnostic(Severity.ERROR, "unknown-reference",
                                              f"{what}: subnets: no subnet named {name!r}", att.loc))
                        continue
                    if sub.vpc != att.target:
                        out.append(Diagnostic(Severity.ERROR, "tgw-attachment-subnet",
                                              f"{what}: subnet {name} is in vpc {sub.vpc}, not {att.target} "
                                              "(expected subnets of the attached VPC)", att.loc))
                    earlier = zones.setdefault(sub.az, name)
                    if earlier != name:
                        out.append(Diagnostic(Severity.ERROR, "tgw-attachment-zone",
                                              f"{what}: subnets {earlier} and {name} are both in {sub.az} (expected "
                                              f"one subnet per Availability Zone: {DOC})", att.loc))
            elif att.kind == "peering":
                peer = tgws.get(att.target)
                if peer is None:
                    out.append(Diagnostic(Severity.ERROR, "unknown-reference",
                                          f"{what}: peering: no transit gateway named {att.target!r}", att.loc))
                elif peer.peering_with(tgw.name) is None:
                    out.append(Diagnostic(Severity.ERROR, "tgw-peering-one-sided",
                                          f"{what}: transit gateway {peer.name} has no peering attachment back to "
                                          f"{tgw.name} (expected the accepter side declared too)", att.loc))
    return out


def _referencing(tgw: TransitGatewayModel, a: Attachment, b: Attachment) -> bool:
    return tgw.security_group_referencing and a.security_group_referencing and b.security_group_referencing


def _bridged(design: Design) -> list[frozenset[str]]:
    """VPC pairs on one transit gateway: their groups may name each other's (`group_references` says
    whether that works)."""
    return [frozenset((a.target, b.target)) for tgw in gateways(design).values()
            for a in tgw.attachments.values() for b in tgw.attachments.values()
            if a.kind == b.kind == "vpc" and a.target != b.target]


def group_references(design: Design) -> list[Diagnostic]:
    """A security group rule naming a group of a VPC it reaches only over a transit gateway without
    security group referencing (on the gateway and both attachments) matches nothing."""
    out = []
    peered = {frozenset((p.requester, p.accepter)) for p in design.peerings.values() if p.active}
    working: set[frozenset[str]] = set()
    shared: set[frozenset[str]] = set()
    for tgw in gateways(design).values():
        vpc_atts = [a for a in tgw.attachments.values() if a.kind == "vpc"]
        for a in vpc_atts:
            for b in vpc_atts:
                if a.target != b.target:
                    pair = frozenset((a.target, b.target))
                    shared.add(pair)
                    if _referencing(tgw, a, b):
                        working.add(pair)
    for group in design.security_groups.values():
        for rule in group.ingress + group.egress:
            peer = design.security_groups.get(rule.peer or "") if rule.peer_kind.value == "security_group" else None
            if peer is None or peer.vpc == group.vpc:
                continue
            link = frozenset((peer.vpc, group.vpc))
            if link in peered or link not in shared or link in working:
                continue
            out.append(Diagnostic(
                Severity.WARNING, "sg-reference-tgw",
                f"security group {group.name}: a rule references security group {peer.name} of vpc {peer.vpc}, "
                f"which it reaches over a transit gateway without security group referencing (on the gateway and "
                f"both VPC attachments: {TGW_SG_REFERENCING_DOC}): the reference matches nothing", rule.loc))
    return out


def _attached_vpcs(design: Design, name: str) -> tuple[str, ...] | None:
    tgw = gateways(design).get(name)
    if tgw is None:
        return None
    return tuple(a.target for a in tgw.attachments.values() if a.kind == "vpc")


extensions.register(extensions.Section(KEY, "transit gateway", read, ROUTE_KEY, validate))
extensions.register_group_bridge(_bridged)
extensions.register_rule("transit gateway security group references", group_references)
extensions.register_target(extensions.Target(
    ROUTE_KEY, "transit gateway", _attached_vpcs,
    where=lambda vpc, owners: (f"is attached to vpc {', '.join(owners)}, not vpc {vpc}" if owners
                               else f"has no VPC attachment (none for vpc {vpc})")))


# -- compiled route tables -----------------------------------------------------------------------


class TgwTables(dict[tuple[str, str], CompiledRoutes]):
    """Compiled transit gateway route tables, by (gateway, table)."""


def propagated(design: Design, tgw: TransitGatewayModel, att: Attachment) -> tuple[Cidr, ...]:
    """The routes an attachment propagates: its VPC's CIDRs (VPN and Direct Connect: theirs)."""
    if att.kind == "vpc":
        vpc = design.vpcs.get(att.target)
        return vpc.cidrs if vpc is not None else ()
    for hook in _PROPAGATORS:
        cidrs = hook(design, att)
        if cidrs is not None:
            return cidrs
    return ()


# Other modules (on-prem networks: VPN, Direct Connect) say what their attachments propagate,
# (design, attachment) -> CIDRs or None when the attachment is not theirs, and carry packets out of
# them, (walk, gateway, attachment, state) -> True when handled.
Propagator = Callable[[Design, Attachment], "tuple[Cidr, ...] | None"]
Leaver = Callable[[Walk, "TransitGatewayModel", Attachment, State], bool]
_PROPAGATORS: list[Propagator] = []
_LEAVERS: list[Leaver] = []


def register_attachment_kind(propagated: Propagator, leave: Leaver) -> None:
    """A module that owns VPN or Direct Connect attachments says what they propagate and where they lead."""
    _PROPAGATORS.append(propagated)
    _LEAVERS.append(leave)


def compiled(net: CompiledNetwork, tgw: TransitGatewayModel, table_name: str) -> CompiledRoutes:
    def make() -> TgwTables:
        return TgwTables()

    cache = net.derived(TgwTables, "transit gateway tables", make)
    key = (tgw.name, table_name)
    got = cache.get(key)
    if got is None:
        got = cache[key] = _compile(net.design, tgw, tgw.route_tables[table_name])
    return got


def _compile(design: Design, tgw: TransitGatewayModel, table: TgwRouteTable) -> CompiledRoutes:
    # Static (and blackhole) routes first: PrefixTable keeps the first of identical prefixes, and
    # static beats propagated; then propagated routes by kind (VPC, Direct Connect, VPN).
    entries: list[RouteEntry] = []
    for r in table.routes:
        att = tgw.attachments.get(r.attachment or "")
        route = Route(r.destination, None, TargetKind.BLACKHOLE if att is None else TargetKind.COMPONENT,
                      None if att is None else att.name, att is None, r.loc, None if att is None else ROUTE_KEY)
        text = f"{r.destination} -> blackhole" if att is None else f"{r.destination} -> {_label(att)}"
        entries.append(RouteEntry(r.destination, route, tgw.name, text))
    for kind in _PROPAGATING:
        for att in tgw.attachments.values():
            if att.kind != kind or table.name not in att.propagations:
                continue
            for cidr in propagated(design, tgw, att):
                route = Route(cidr, None, TargetKind.COMPONENT, att.name, False, att.loc, ROUTE_KEY,
                              RouteOrigin.PROPAGATED)
                entries.append(RouteEntry(cidr, route, tgw.name, f"{cidr} -> {_label(att)} [propagated]"))
    return CompiledRoutes.build(f"{tgw.name}/{table.name}", entries)  # one table per family


def _label(att: Attachment) -> str:
    kind = "vpn connection" if att.kind == "vpn" else att.kind.replace("_", " ")
    return f"attachment {att.name} ({kind} {att.target})"


# -- the walk ------------------------------------------------------------------------------------


def _subnet_in_zone(design: Design, att: Attachment, zone: str) -> str | None:
    return next((s for s in att.subnets if s in design.subnets and design.subnets[s].az == zone), None)


def _drop_at(walk: Walk, att: Attachment, state: State, detail: str, disposition: Disposition, code: Code) -> None:
    walk.hop(ATTACHMENT_HOP, att.name, att.aws_id, state, [Step(StepKind.FORWARD, Action.DROP, detail, att.name,
                                                                location=att.loc)])
    walk.stop(disposition, code, att.name, detail, att.loc)


def enter(walk: Walk, tgw: TransitGatewayModel, att: Attachment, state: State, zone: str | None,
          steps: list[Step]) -> None:
    """The packet has entered `tgw` by `att` (in `zone`, for a VPC attachment): look it up in the
    attachment's associated table and send it on."""
    net = walk.net
    walk.hop_count += 1
    if walk.hop_count > subnet.MAX_HOPS:
        walk.stop(Disposition.NULL_ROUTED, Code.NO_PATH, tgw.name, "forwarding loop: too many hops", None)
        return
    table_name = att.association
    if table_name is None:
        detail = (f"attachment {att.name} is associated with no route table of transit gateway {tgw.name}: "
                  "nothing entering there is routed")
        steps.append(Step(StepKind.ROUTE, Action.DROP, detail, tgw.name, location=att.loc))
        walk.hop(ROUTE_KEY, tgw.name, tgw.aws_id, state, steps)
        walk.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, tgw.name, detail, att.loc)
        return
    table = tgw.route_tables[table_name]
    label = f"transit gateway {tgw.name} route table {table.name}"
    key = (f"{tgw.name}/{table.name}", state.src, state.dst, state.proto, state.dports)
    first = walk.lookups.get(key)
    if first is not None:
        cycle = walk.routes_taken[first:]
        routes = "; ".join(f"{t}: {text}" for t, text, _ in cycle)
        detail = f"forwarding loop: the packet for {ip(state.dst)} comes back to {label} by {routes}"
        steps.append(Step(StepKind.ROUTE, Action.DROP, detail, table.name, location=table.loc))
        walk.hop(ROUTE_KEY, tgw.name, tgw.aws_id, state, steps)
        walk.stop(Disposition.LOOP, Code.FORWARDING_LOOP, tgw.name, detail, cycle[0][2] if cycle else None)
        return
    walk.lookups[key] = len(walk.routes_taken)
    entry, candidates, tied = compiled(net, tgw, table_name).decide(state.dst)
    if entry is None:
        detail = f"{label} (associated with attachment {att.name}) has no route to {ip(state.dst)}"
        steps.append(Step(StepKind.ROUTE, Action.DROP, detail, f"{tgw.name}/{table.name}", location=table.loc))
        walk.hop(ROUTE_KEY, tgw.name, tgw.aws_id, state, steps)
        walk.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, f"{tgw.name}/{table.name}", detail, table.loc)
        return
    chosen = entry.describe()
    route_loc = entry.route.loc if entry.route is not None else table.loc
    if entry.route is None or entry.route.blackhole:
        detail = f"{label} (associated with attachment {att.name}): {chosen}: a blackhole route drops what matches it"
        steps.append(Step(StepKind.ROUTE, Action.DROP, detail, f"{tgw.name}/{table.name}", chosen, route_loc,
                          candidates))
        walk.hop(ROUTE_KEY, tgw.name, tgw.aws_id, state, steps)
        walk.stop(Disposition.NULL_ROUTED, Code.BAD_STATE_ROUTE, f"{tgw.name}/{table.name}", detail, route_loc)
        return
    why = f"longest prefix match for {ip(state.dst)}"
    if tied:
        why += "; on an equal prefix static beats propagated, and VPC beats Direct Connect beats VPN routes"
    steps.append(Step(StepKind.ROUTE, Action.FORWARD, f"{label} (associated with attachment {att.name}): "
                      f"{chosen} ({why})", f"{tgw.name}/{table.name}", chosen, route_loc, candidates))
    walk.routes_taken.append((f"{tgw.name}/{table.name}", chosen, route_loc))
    walk.hop(ROUTE_KEY, tgw.name, tgw.aws_id, state, steps)
    out = tgw.attachments[entry.route.target or ""]
    if not (att.kind == out.kind == "vpc" and _referencing(tgw, att, out)):
        # Without security group referencing, a group reference at the far side matches nothing
        # (TGW_SG_REFERENCING_DOC): the packet no longer counts as the sender's own.
        state.sender = None
    leave(walk, tgw, out, state, zone)


def leave(walk: Walk, tgw: TransitGatewayModel, att: Attachment, state: State, zone: str | None) -> None:
    """Out of `tgw` through attachment `att`."""
    d = walk.net.design
    if att.kind == "peering":
        peer = gateways(d)[att.target]
        back = peer.peering_with(tgw.name)
        if back is None:  # validated
            _drop_at(walk, att, state, f"transit gateway {peer.name} has no peering attachment back to {tgw.name}",
                     Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION)
            return
        walk.hop(ATTACHMENT_HOP, att.name, att.aws_id, state, [Step(
            StepKind.FORWARD, Action.FORWARD, f"crosses the peering to transit gateway {peer.name} (its attachment "
            f"{back.name})", att.name, location=att.loc)])
        enter(walk, peer, back, state, None, [])
        return
    if att.kind != "vpc":
        for hook in _LEAVERS:
            if hook(walk, tgw, att, state):
                return
        _drop_at(walk, att, state, f"attachment {att.name} leads to {att.kind} {att.target}, which is not in the "
                 "design", Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION)
        return
    out_name, why = _egress_subnet(d, att, zone, state)
    out = d.subnets[out_name]
    net = walk.net
    steps = [Step(StepKind.FORWARD, Action.FORWARD, f"leaves transit gateway {tgw.name} into vpc {att.target} by "
                  f"attachment {att.name}'s network interface in subnet {out.name} ({out.az}; {why})", att.name,
                  location=att.loc)]
    routes = net.routes(out.route_table)
    entry, candidates, tied = routes.decide(state.dst)
    table = d.route_tables[out.route_table]
    if entry is None:
        subnet.nacl_check(walk, out, state, "outbound", steps)
        detail = f"route table {table.name} (of attachment subnet {out.name}) has no route to {ip(state.dst)}"
        steps.append(Step(StepKind.ROUTE, Action.DROP, detail, table.name, location=table.loc))
        walk.hop(ATTACHMENT_HOP, att.name, att.aws_id, state, steps)
        walk.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, table.name, detail, table.loc)
        return
    target = None if entry.route is None else base.for_route(entry.route)
    into = target.next_subnet(net, entry) if target is not None else (
        s.name if entry.route is None and (s := net.subnet_in_vpc(out.vpc, state.dst)) is not None else None)
    if into != out.name:
        # Towards another subnet: the attachment subnet's outbound rules apply (NACL_DOC).
        subnet.nacl_check(walk, out, state, "outbound", steps)
    chosen = entry.describe()
    route_loc = entry.route.loc if entry.route else table.loc
    steps.append(Step(StepKind.ROUTE, Action.FORWARD, f"route table {table.name} (of attachment subnet {out.name}): "
                      f"{chosen} (longest prefix match for {ip(state.dst)})", table.name, chosen, route_loc,
                      candidates))
    walk.routes_taken.append((table.name, chosen, route_loc))
    walk.hop(ATTACHMENT_HOP, att.name, att.aws_id, state, steps)
    middlebox = entry.route is not None and entry.route.target_kind in (TargetKind.INSTANCE, TargetKind.INTERFACE)
    if middlebox and not att.appliance_mode and len(att.subnets) > 1 and not walk.returning:
        # An inspection VPC: without appliance mode each direction stays in its own zone, so the
        # reply of a flow between zones meets another zone's appliance, which has no state for it.
        walk.warn(Code.RETURN_PATH_ASYMMETRIC, att.name,
                  f"attachment {att.name} sends traffic to an appliance ({chosen}) but appliance mode is off: the "
                  f"reply of a flow between zones comes back through the other zone's interface and appliance "
                  f"(turn appliance_mode on: {DOC})", att.loc)
    subnet.follow(walk, entry, out, state, route_loc)


def _egress_subnet(design: Design, att: Attachment, zone: str | None, state: State) -> tuple[str, str]:
    subnets = [s for s in att.subnets if s in design.subnets]
    if att.appliance_mode and len(subnets) > 1:
        # One interface for the flow's life, both directions: a symmetric choice of the two addresses.
        return subnets[(state.src ^ state.dst) % len(subnets)], "appliance mode: one zone for the whole flow"
    same = _subnet_in_zone(design, att, zone) if zone is not None else None
    if same is not None:
        return same, "the zone it entered by"
    return subnets[0], (f"the attachment has no subnet in {zone}" if zone else "the first attachment subnet")




class TransitGateway(Component[None]):
    kind = "transit_gateway"
    route_key = ROUTE_KEY

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        d = walk.net.design
        tgw = gateways(d)[entry.route.target if entry.route and entry.route.target else ""]
        att = tgw.vpc_attachment(from_subnet.vpc)
        vpc = d.vpcs[from_subnet.vpc]
        if att is None:  # validated: a route may only name a transit gateway attached to its VPC
            walk.stop(Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION, tgw.name,
                      f"transit gateway {tgw.name} has no attachment in vpc {vpc.name}", route_loc)
            return
        ingress = _subnet_in_zone(d, att, from_subnet.az)
        if ingress is None:
            _drop_at(walk, att, state, f"attachment {att.name} of transit gateway {tgw.name} has no subnet in "
                     f"{from_subnet.az}, so subnet {from_subnet.name} cannot reach the transit gateway (resources in "
                     f"a zone without an attachment subnet cannot: {DOC})",
                     Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION)
            return
        walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
        steps: list[Step] = []
        if ingress != from_subnet.name:
            subnet.nacl_check(walk, d.subnets[ingress], state, "inbound", steps)
        steps.append(Step(StepKind.FORWARD, Action.FORWARD, f"enters transit gateway {tgw.name} by attachment "
                          f"{att.name}'s network interface in subnet {ingress} ({from_subnet.az})", att.name,
                          location=att.loc))
        walk.hop(ATTACHMENT_HOP, att.name, att.aws_id, state, steps)
        enter(walk, tgw, att, state, from_subnet.az, [])

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for tgw in gateways(net.design).values():
            key = (self.kind, tgw.name)
            g.add_node(key, kind=self.kind, name=tgw.name, aws_id=tgw.aws_id, location=str(tgw.loc),
                       route_tables=sorted(tgw.route_tables), **base.drawn(f"transit gateway\n{tgw.name}", "diamond"))
            for att in tgw.attachments.values():
                if att.kind not in ("vpc", "peering"):
                    continue  # VPN and Direct Connect attachments: drawn by components/onprem.py
                other = ("vpc_router", att.target) if att.kind == "vpc" else (self.kind, att.target)
                g.add_edge(key, other, relation="attachment", attachment=att.name, association=att.association)
                if att.kind != "peering":
                    g.add_edge(other, key, relation="attachment", attachment=att.name)


COMPONENT = base.register(TransitGateway())


# -- AWS import ------------------------------------------------------------------------------------
#
# describe-transit-gateways, describe-transit-gateway-attachments, -vpc-attachments,
# -peering-attachments, -route-tables, and per table get-transit-gateway-route-table-propagations
# and search-transit-gateway-routes, in Batfish's layout: the last two wrapped with their table's
# id ({"TransitGatewayPropagations": [{"TransitGatewayRouteTableId": ..., "TransitGatewayRouteTablePropagations": [...]}]},
# {"TransitGatewayStaticRoutes": [{"TransitGatewayRouteTableId": ..., "Routes": [...]}]}); see docs/import.md.

_ATTACHMENTS = "TransitGatewayAttachments"
_VPC_ATTACHMENTS = "TransitGatewayVpcAttachments"
_PEERING_ATTACHMENTS = "TransitGatewayPeeringAttachments"
_TABLES = "TransitGatewayRouteTables"
_ROUTES = "TransitGatewayStaticRoutes"
_PROPAGATIONS = "TransitGatewayPropagations"
_DETAILS = (
    mapping.Detail(_ATTACHMENTS, ("TransitGatewayAttachmentId", "TransitGatewayId"), "transit gateway attachment"),
    mapping.Detail(_VPC_ATTACHMENTS, ("TransitGatewayAttachmentId",), "transit gateway VPC attachment"),
    mapping.Detail(_PEERING_ATTACHMENTS, ("TransitGatewayAttachmentId",), "transit gateway peering attachment"),
    mapping.Detail(_TABLES, ("TransitGatewayRouteTableId",), "transit gateway route table"),
    mapping.Detail(_ROUTES, ("TransitGatewayRouteTableId",), "transit gateway routes"),
    mapping.Detail(_PROPAGATIONS, ("TransitGatewayRouteTableId",), "transit gateway route propagations"),
)
# Attachment kinds another module maps (VPN, Direct Connect gateway): AWS ResourceType -> hook
# (importer, attachment JSON, its design body) -> True when it wrote the body's target.
IMPORT_ATTACHMENTS: dict[str, Callable[[Importer, Item, dict[str, object]], bool]] = {}


def _alive(j: Item) -> bool:
    return (j.text("State") or "available").lower() not in GONE_STATES


_UNKNOWN = mapping.UnsupportedKind("transit_gateway", "transit gateway", "TransitGatewayId")


def _pick(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept: dict[str, mapping.Picked] = {}
    # Without the attachments, which VPCs a gateway serves is unknown: a partial snapshot, whose
    # gateways stay unsupported (a trace stops there rather than guess).
    partial = _ATTACHMENTS not in imp.loaded_keys and _VPC_ATTACHMENTS not in imp.loaded_keys
    if partial and imp.raw[KEY_AWS]:
        imp.warn("aws-missing-file", "no describe-transit-gateway-attachments output in the snapshot: its transit "
                 "gateways are not simulated", None)
    for tgw_id, j in imp.raw[KEY_AWS].items():
        state = (j.text("State") or "available").lower()
        if state in GONE_STATES:
            imp.skip(tgw_id, f"a transit gateway in state {state}", "aws-gone",
                     f"transit gateway {tgw_id} is {state} (skipped, as AWS no longer uses it)", j.loc)
            continue
        if partial:
            imp.add_unsupported(tgw_id, _UNKNOWN, j)
            continue
        kept[tgw_id] = mapping.Picked(j, names.take(j.name_tag(), tgw_id))
    return kept


def _body(imp: Importer, tgw: mapping.Picked) -> dict[str, object]:
    j = tgw.j
    tgw_id = j.text("TransitGatewayId") or ""
    picked = imp.picked[KEY]
    body: dict[str, object] = {"aws_id": tgw_id}
    tables: dict[str, dict[str, object]] = {}
    table_names: dict[str, str] = {}
    names = mapping.Names()
    for table_id, t in imp.raw[_TABLES].items():
        if t.text("TransitGatewayId") != tgw_id or not _alive(t):
            continue
        table_names[table_id] = names.take(t.name_tag(), table_id)
        table_body: dict[str, object] = {"aws_id": table_id}
        imp.at(table_body, t.loc)
        tables[table_names[table_id]] = table_body
    options = j.obj("Options")
    if options is not None:
        for flag, field_, key in (("DefaultRouteTableAssociation", "AssociationDefaultRouteTableId",
                                   "default_association_table"),
                                  ("DefaultRouteTablePropagation", "PropagationDefaultRouteTableId",
                                   "default_propagation_table")):
            if options.text(flag) == "enable" and options.text(field_) in table_names:
                body[key] = table_names[options.text(field_) or ""]
        if options.text("SecurityGroupReferencingSupport") == "enable":
            body["security_group_referencing"] = True
    # Propagations by attachment: the propagation outputs, and the propagated routes a route search lists.
    propagations: dict[str, list[str]] = {}
    for table_id, p in imp.raw[_PROPAGATIONS].items():
        for entry in p.objs("TransitGatewayRouteTablePropagations"):
            att_id = entry.text("TransitGatewayAttachmentId")
            if att_id and table_id in table_names and (entry.text("State") or "enabled") == "enabled":
                propagations.setdefault(att_id, []).append(table_names[table_id])
    for table_id, r in imp.raw[_ROUTES].items():
        for route in r.objs("Routes"):
            if route.text("Type") == "propagated" and table_id in table_names:
                for a in route.objs("TransitGatewayAttachments"):
                    att_id = a.text("TransitGatewayAttachmentId") or ""
                    if table_names[table_id] not in propagations.setdefault(att_id, []):
                        propagations[att_id].append(table_names[table_id])
    attachments: dict[str, dict[str, object]] = {}
    att_names: dict[str, str] = {}
    att_label = mapping.Names()
    for a in imp.raw[_ATTACHMENTS].values():
        att_id = a.text("TransitGatewayAttachmentId") or ""
        if a.text("TransitGatewayId") != tgw_id:
            continue
        what = f"transit gateway {tgw.name}: attachment {att_id}"
        state = (a.text("State") or "available").lower()
        if state in GONE_STATES or state in ("rejected", "failed", "failing"):
            imp.skip(att_id, f"an attachment in state {state}", "aws-gone",
                     f"{what} is {state} (skipped, as AWS no longer uses it)", a.loc)
            continue
        kind = (a.text("ResourceType") or "").lower()
        resource = a.text("ResourceId") or ""
        att: dict[str, object] = {"aws_id": att_id}
        if kind == "vpc":
            if resource not in imp.vpcs:
                imp.skip(att_id, f"an attachment of vpc {resource}, which is not in the snapshot", "aws-orphan",
                         f"{what}: its vpc {resource} is not in the snapshot (skipped)", a.loc)
                continue
            vpc_view = imp.raw[_VPC_ATTACHMENTS].get(att_id)
            if vpc_view is None:
                imp.skip(att_id, "a VPC attachment whose subnets are unknown", "aws-missing-file",
                         f"{what}: no describe-transit-gateway-vpc-attachments entry says which subnets it uses "
                         "(skipped)", a.loc)
                continue
            subnets = [imp.subnets[s].name for s in vpc_view.strs("SubnetIds") if s in imp.subnets]
            if not subnets:
                imp.skip(att_id, "a VPC attachment with none of its subnets in the snapshot", "aws-orphan",
                         f"{what}: none of its subnets is in the snapshot (skipped)", a.loc)
                continue
            att["vpc"] = imp.vpcs[resource].name
            att["subnets"] = subnets
            view_options = vpc_view.obj("Options")
            if view_options is not None and view_options.text("ApplianceModeSupport") == "enable":
                att["appliance_mode"] = True
            if view_options is not None and view_options.text("SecurityGroupReferencingSupport") == "disable":
                att["security_group_referencing"] = False
        elif kind == "peering":
            if resource not in picked:
                imp.skip(att_id, f"a peering with transit gateway {resource}, which is not in the snapshot",
                         "aws-orphan", f"{what}: its peer transit gateway {resource} is not in the snapshot "
                         "(skipped)", a.loc)
                continue
            att["peering"] = picked[resource].name
        elif kind not in IMPORT_ATTACHMENTS or not IMPORT_ATTACHMENTS[kind](imp, a, att):
            imp.skip(att_id, f"a {kind or 'typeless'} attachment vpcsim does not simulate", "aws-unsupported",
                     f"{what}: {kind or 'an unknown'} attachments are not simulated (skipped)", a.loc)
            continue
        association = a.obj("Association")
        assoc_table = association.text("TransitGatewayRouteTableId") if association is not None and \
            (association.text("State") or "associated") == "associated" else None
        att["association"] = table_names.get(assoc_table or "")
        if kind != "peering":
            att["propagations"] = propagations.get(att_id, [])
        name = att_label.take(a.name_tag(), att_id)
        att_names[att_id] = name
        imp.at(att, a.loc)
        attachments[name] = att
    for table_id, r in imp.raw[_ROUTES].items():
        if table_id not in table_names:
            continue
        routes: list[dict[str, object]] = []
        for route in r.objs("Routes"):
            if route.text("Type") == "propagated":
                continue
            dest = route.text("DestinationCidrBlock")
            what = f"transit gateway {tgw.name}: route table {table_names[table_id]}"
            if dest is None:
                imp.warn("aws-unsupported", f"{what}: a route without DestinationCidrBlock (a prefix list route) is "
                         "not simulated (skipped)", route.loc)
                continue
            cidr = imp.cidr(dest, route, what)
            if cidr is None or ":" in cidr:
                continue
            out: dict[str, object] = {"destination": cidr}
            if (route.text("State") or "active") == "blackhole":
                out["blackhole"] = True
            else:
                targets = [att_names.get(t.text("TransitGatewayAttachmentId") or "")
                           for t in route.objs("TransitGatewayAttachments")]
                if not targets or targets[0] is None:
                    imp.warn("aws-gone-target", f"{what}: route to {cidr}: its attachment is not in the design; "
                             "AWS reports such a route as blackhole, so it drops traffic here", route.loc)
                    out["blackhole"] = True
                else:
                    out["attachment"] = targets[0]
            imp.at(out, route.loc)
            routes.append(out)
        if routes:
            tables[table_names[table_id]]["routes"] = routes
    if tables:
        body["route_tables"] = tables
    if attachments:
        body["attachments"] = attachments
    imp.at(body, j.loc)
    return body


def _essence(data: dict[str, object]) -> object:
    """A shared transit gateway is listed by every account it is shared with: id and owner must agree."""
    return (data.get("TransitGatewayId"), data.get("OwnerId"))


KEY_AWS = "TransitGateways"
mapping.register(mapping.AwsMapping(KEY_AWS, KEY, ROUTE_KEY, "TransitGatewayId", "tgw-", "transit gateway",
                                    "TransitGatewayId", _pick, _body, rank=35, kind="transit_gateway",
                                    essence=_essence, details=_DETAILS))


# -- what lint asks (vpcsim.lint VPC023-VPC025) -------------------------------------------------------


def one_way_propagations(design: Design) -> list[tuple[TransitGatewayModel, Attachment, Attachment]]:
    """(gateway, a, b): b propagates into a's table, so a reaches b, but a propagates nothing into
    b's table and no static route there leads back to a: the replies find no way (a one-way path)."""
    out = []
    for tgw in gateways(design).values():
        atts = [a for a in tgw.attachments.values() if a.association is not None and a.kind in _PROPAGATING]
        for a in atts:
            for b in atts:
                if a is b or a.association not in b.propagations or b.association == a.association:
                    continue
                back_table = tgw.route_tables.get(b.association or "")
                static_back = back_table is not None and any(r.attachment == a.name for r in back_table.routes)
                if b.association not in a.propagations and not static_back and propagated(design, tgw, a):
                    out.append((tgw, a, b))
    return out


def overlapping_propagations(design: Design) -> list[tuple[TransitGatewayModel, TgwRouteTable, tuple[Attachment, Cidr],
                                                           tuple[Attachment, Cidr]]]:
    """Two attachments that propagate overlapping CIDRs into one table: only the longer prefix (or
    the route priority) carries the shared addresses, so one side silently loses them."""
    out = []
    for tgw in gateways(design).values():
        for table in tgw.route_tables.values():
            seen: list[tuple[Attachment, Cidr]] = []
            for att in tgw.attachments.values():
                if table.name not in att.propagations:
                    continue
                for cidr in propagated(design, tgw, att):
                    clash = next(((o, c) for o, c in seen if o is not att and (c.covers(cidr) or cidr.covers(c))),
                                 None)
                    if clash is not None:
                        out.append((tgw, table, clash, (att, cidr)))
                    seen.append((att, cidr))
    return out
