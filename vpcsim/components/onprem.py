"""On-prem networks and the ways to them: virtual private gateways, site-to-site VPN connections
and Direct Connect gateways.

    onprem_networks:
      corp: {cidrs: [192.168.0.0/16], description: "head office"}
    vpn_gateways:
      corp-vgw: {vpc: prod}
    vpn_connections:
      office: {vpn_gateway: corp-vgw, onprem: corp, routing: static, routes: [192.168.0.0/16]}
      branch: {transit_gateway: hub, onprem: corp, routing: bgp}   # + the attachment `vpn: branch`
    direct_connect_gateways:
      dx: {onprem: corp, routes: [10.10.0.0/16], vpn_gateways: [corp-vgw], allowed_prefixes: [10.0.0.0/16]}
    route_tables:
      private: {vpc: prod, routes: [{destination: 192.168.0.0/16, vpn_gateway: corp-vgw}]}

`onprem:corp` is a trace endpoint and an assertion selector; `vpn:office` is the customer side
of one connection. vpcsim does not read the customer's router: it models what AWS sees (the
connection's static routes, or the prefixes the customer advertises over BGP, written as
`routes`), and every hop on the customer side says what it assumes: that the customer router
sends the packet into the tunnel and accepts what arrives for its own networks.

AWS's rules (https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html, "Route
priority"): a virtual private gateway picks the longest prefix; on an equal prefix Direct
Connect routes beat VPN static routes beat VPN BGP routes. Towards the VPC, a virtual private
gateway carries its VPC's CIDRs only. A transit gateway learns a VPN or Direct Connect
attachment's routes by propagation (components/transit_gateway.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from vpcsim.compile import CompiledRoutes, RouteEntry
from vpcsim.components import base, subnet, transit_gateway
from vpcsim.components.base import Component, Endpoint, State, Walk, ip, reply_matches
from vpcsim.components.transit_gateway import Attachment
from vpcsim.errors import Diagnostic, EndpointError, Location, Severity
from vpcsim.facts import GONE_STATES
from vpcsim.importers import mapping
from vpcsim.loader import extensions
from vpcsim.loader.reader import Map, Seq
from vpcsim.model import NOWHERE, Cidr, Design, Route, Subnet, TargetKind, ip_to_int
from vpcsim.records import record
from vpcsim.results import Action, Code, Disposition, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork
    from vpcsim.importers.aws import Importer
    from vpcsim.importers.items import Item
    from vpcsim.loader.reader import Node

NETWORKS = "onprem_networks"
VGWS = "vpn_gateways"
VPNS = "vpn_connections"
DXGWS = "direct_connect_gateways"
VGW_ROUTE_KEY = "vpn_gateway"
ONPREM_PREFIX = "onprem:"
VPN_PREFIX = "vpn:"
VGW_PREFIX = "vpn_gateway:"
ROUTING_DOC = "https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNRoutingTypes.html"
ASSUMED = "vpcsim does not read the customer's router: it assumes"


@record
class OnpremNetwork:
    name: str
    cidrs: tuple[Cidr, ...] = ()
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)


@record
class VpnGateway:
    name: str
    vpc: str | None  # the attached VPC (None: attached to none in the design)
    aws_id: str | None = None
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)


@record
class VpnConnection:
    name: str
    gateway_kind: str  # "vpn_gateway" or "transit_gateway"
    gateway: str
    onprem: str | None
    routing: str = "static"  # or "bgp"
    routes: tuple[Cidr, ...] = ()  # static routes, or the prefixes the customer advertises over BGP
    outside_ips: tuple[int, ...] = ()  # the tunnels' AWS-side addresses
    customer_gateway_ip: int | None = None
    aws_id: str | None = None
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)


@record
class DirectConnectGateway:
    name: str
    onprem: str | None
    routes: tuple[Cidr, ...] = ()  # the prefixes on-prem advertises over its virtual interfaces
    vpn_gateways: tuple[str, ...] = ()  # associated virtual private gateways
    allowed_prefixes: tuple[Cidr, ...] = ()  # what AWS advertises to on-prem (empty: everything)
    aws_id: str | None = None
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)


# -- the design format ---------------------------------------------------------------------------


def _cidrs(builder: extensions.SectionBuilder, node: Node | None, what: str) -> tuple[Cidr, ...]:
    if node is None:
        return ()
    if not isinstance(node, Seq):
        builder.error("type", f"{what}: expected a list of CIDR blocks", node.loc)
        return ()
    return tuple(c for item in node.items if (c := builder.cidr(item, what)) is not None and c.bits == 32)


def _names(builder: extensions.SectionBuilder, node: Node | None, what: str) -> tuple[str, ...]:
    if node is None:
        return ()
    if not isinstance(node, Seq):
        builder.error("type", f"{what}: expected a list of names", node.loc)
        return ()
    return tuple(n for item in node.items if (n := builder.string(item, what)) is not None)


def _address(builder: extensions.SectionBuilder, node: Node | None, what: str) -> int | None:
    text = builder.string(node, what)
    if text is None or node is None:
        return None
    try:
        return ip_to_int(text.strip())
    except ValueError as exc:
        builder.error("address", f"{what}: {exc}", node.loc)
        return None


def read_network(builder: extensions.SectionBuilder, name: str, body: Map) -> OnpremNetwork:
    what = f"on-prem network {name}"
    builder.check_keys(body, what, ("cidrs", "description"))
    return OnpremNetwork(name, _cidrs(builder, body.get("cidrs"), f"{what}: cidrs"),
                         builder.string(body.get("description"), f"{what}: description") or "", body.loc)


def read_vgw(builder: extensions.SectionBuilder, name: str, body: Map) -> VpnGateway:
    what = f"vpn gateway {name}"
    builder.check_keys(body, what, ("vpc", "aws_id", "description"))
    vpc = builder.ref(body.get("vpc"), f"{what}: vpc", "vpcs", "vpc") if body.get("vpc") is not None else None
    return VpnGateway(name, vpc, builder.string(body.get("aws_id"), f"{what}: aws_id"),
                      builder.string(body.get("description"), f"{what}: description") or "", body.loc)


def read_vpn(builder: extensions.SectionBuilder, name: str, body: Map) -> VpnConnection | None:
    what = f"vpn connection {name}"
    builder.check_keys(body, what, ("vpn_gateway", "transit_gateway", "onprem", "routing", "routes", "outside_ips",
                                    "customer_gateway_ip", "aws_id", "description"))
    kinds = [k for k in ("vpn_gateway", "transit_gateway") if k in body.entries]
    if len(kinds) != 1:
        builder.error("vpn-gateway", f"{what}: expected exactly one of vpn_gateway, transit_gateway (the AWS side "
                      f"of the connection), got {len(kinds)}", body.loc)
        return None
    gateway = builder.string(body.get(kinds[0]), f"{what}: {kinds[0]}")
    routing = builder.string(body.get("routing"), f"{what}: routing") or "static"
    if routing not in ("static", "bgp"):
        builder.error("vpn-routing", f"{what}: routing {routing!r} (expected static or bgp)", body.loc)
        routing = "static"
    outside_node = body.get("outside_ips")
    outside = tuple(a for item in (outside_node.items if isinstance(outside_node, Seq) else ())
                    if (a := _address(builder, item, f"{what}: outside_ips")) is not None)
    if gateway is None:
        return None
    return VpnConnection(name, kinds[0], gateway, builder.string(body.get("onprem"), f"{what}: onprem"), routing,
                         _cidrs(builder, body.get("routes"), f"{what}: routes"), outside,
                         _address(builder, body.get("customer_gateway_ip"), f"{what}: customer_gateway_ip"),
                         builder.string(body.get("aws_id"), f"{what}: aws_id"),
                         builder.string(body.get("description"), f"{what}: description") or "", body.loc)


def read_dx(builder: extensions.SectionBuilder, name: str, body: Map) -> DirectConnectGateway:
    what = f"direct connect gateway {name}"
    builder.check_keys(body, what, ("onprem", "routes", "vpn_gateways", "allowed_prefixes", "aws_id", "description"))
    return DirectConnectGateway(
        name, builder.string(body.get("onprem"), f"{what}: onprem"), _cidrs(builder, body.get("routes"),
                                                                               f"{what}: routes"),
        _names(builder, body.get("vpn_gateways"), f"{what}: vpn_gateways"),
        _cidrs(builder, body.get("allowed_prefixes"), f"{what}: allowed_prefixes"),
        builder.string(body.get("aws_id"), f"{what}: aws_id"),
        builder.string(body.get("description"), f"{what}: description") or "", body.loc)


def _of(design: Design, key: str, cls: type[Any]) -> dict[str, Any]:
    return {n: o for n, o in design.extensions.get(key, {}).items() if isinstance(o, cls)}


def networks(design: Design) -> dict[str, OnpremNetwork]:
    return _of(design, NETWORKS, OnpremNetwork)


def vgws(design: Design) -> dict[str, VpnGateway]:
    return _of(design, VGWS, VpnGateway)


def vpns(design: Design) -> dict[str, VpnConnection]:
    return _of(design, VPNS, VpnConnection)


def dxgws(design: Design) -> dict[str, DirectConnectGateway]:
    return _of(design, DXGWS, DirectConnectGateway)


# -- validation ----------------------------------------------------------------------------------


def validate(design: Design) -> list[Diagnostic]:
    """Every reference names an object of the design; a transit gateway's VPN connection is attached."""
    out: list[Diagnostic] = []
    nets, gws, tgws = networks(design), vgws(design), transit_gateway.gateways(design)

    def missing(what: str, key: str, name: str, known: Mapping[str, object], loc: Location) -> None:
        names = ", ".join(sorted(known)[:8]) or "none declared"
        label = "on-prem network" if key == "onprem" else key.replace("_", " ")
        out.append(Diagnostic(Severity.ERROR, "unknown-reference",
                              f"{what}: {key}: no {label} named {name!r} (known: {names})", loc))

    for conn in vpns(design).values():
        what = f"vpn connection {conn.name}"
        if conn.onprem is not None and conn.onprem not in nets:
            missing(what, "onprem", conn.onprem, nets, conn.loc)
        table: Mapping[str, object] = gws if conn.gateway_kind == VGW_ROUTE_KEY else tgws
        if conn.gateway not in table:
            missing(what, conn.gateway_kind, conn.gateway, table, conn.loc)
        elif conn.gateway_kind == "transit_gateway" and not any(
                a.kind == "vpn" and a.target == conn.name for a in tgws[conn.gateway].attachments.values()):
            out.append(Diagnostic(Severity.ERROR, "vpn-attachment",
                                  f"{what}: transit gateway {conn.gateway} has no attachment `vpn: {conn.name}` "
                                  "(expected the connection's attachment under the gateway's attachments)", conn.loc))
    for dx in dxgws(design).values():
        what = f"direct connect gateway {dx.name}"
        if dx.onprem is not None and dx.onprem not in nets:
            missing(what, "onprem", dx.onprem, nets, dx.loc)
        for name in dx.vpn_gateways:
            if name not in gws:
                missing(what, "vpn_gateway", name, gws, dx.loc)
    dx_names, vpn_names = dxgws(design), vpns(design)
    for tgw in tgws.values():
        for att in tgw.attachments.values():
            known: Mapping[str, object] = vpn_names if att.kind == "vpn" else dx_names
            if att.kind in ("vpn", "direct_connect_gateway") and att.target not in known:
                missing(f"transit gateway {tgw.name}: attachment {att.name}", att.kind, att.target, known, att.loc)
    return out


def propagated(obj: object, vpc: str, sections: Mapping[str, Mapping[str, object]]) -> list[Cidr]:
    """What a virtual private gateway propagates into a route table of `vpc` that enables it: its
    VPN connections' static routes and BGP prefixes, and its Direct Connect gateways' prefixes
    (ROUTING_DOC, "Route propagation"; only into tables of the VPC it is attached to:
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EnableVgwRoutePropagation.html)."""
    if not isinstance(obj, VpnGateway) or obj.vpc != vpc:
        return []
    out: list[Cidr] = []
    for conn in sections.get(VPNS, {}).values():
        if isinstance(conn, VpnConnection) and conn.gateway_kind == VGW_ROUTE_KEY and conn.gateway == obj.name:
            out += conn.routes
    for dx in sections.get(DXGWS, {}).values():
        if isinstance(dx, DirectConnectGateway) and obj.name in dx.vpn_gateways:
            out += dx.routes
    return list(dict.fromkeys(out))


def validate_propagation(design: Design) -> list[Diagnostic]:
    """A table propagates only from the virtual private gateway attached to its own VPC."""
    out: list[Diagnostic] = []
    gws = vgws(design)
    for table in design.route_tables.values():
        for name, loc in zip(table.propagating_vgws, table.propagating_locs, strict=True):
            vgw = gws.get(name)
            if vgw is not None and vgw.vpc != table.vpc:
                where = f"is attached to vpc {vgw.vpc}" if vgw.vpc is not None else "is attached to no vpc"
                out.append(Diagnostic(Severity.ERROR, "route-propagation-vpc",
                                      f"route table {table.name}: propagating_vgws: vpn gateway {name} {where}, not "
                                      f"vpc {table.vpc} (a table takes propagated routes only from the gateway "
                                      "attached to its own VPC)", loc))
    return out


extensions.register(extensions.Section(NETWORKS, "on-prem network", read_network))
extensions.register(extensions.Section(VGWS, "vpn gateway", read_vgw, VGW_ROUTE_KEY, propagates=propagated))
extensions.register_rule("onprem-propagation", validate_propagation)
extensions.register_rule("onprem", validate)  # references across the four sections and transit gateways
extensions.register(extensions.Section(VPNS, "vpn connection", read_vpn))
extensions.register(extensions.Section(DXGWS, "direct connect gateway", read_dx))
extensions.register_target(extensions.Target(
    VGW_ROUTE_KEY, "vpn gateway",
    lambda d, name: (g.vpc,) if (g := vgws(d).get(name)) is not None and g.vpc is not None else None,
    where=lambda vpc, owners: f"is attached to vpc {owners[0]}, not vpc {vpc}", propagates=True))


# -- the gateways' route tables (towards on-prem) ---------------------------------------------------


class _Tables(dict[str, tuple[CompiledRoutes, dict[str, Callable[[Walk, State], None]]]]):
    """A virtual private gateway's routes to on-prem, by gateway: the table and, per route text, its way out."""


def _vgw_table(net: CompiledNetwork, vgw: VpnGateway) -> tuple[CompiledRoutes, dict[str, Callable[[Walk, State],
                                                                                                     None]]]:
    cache = net.derived(_Tables, "vpn gateway tables", _Tables)
    got = cache.get(vgw.name)
    if got is None:
        entries: list[RouteEntry] = []
        outs: dict[str, Callable[[Walk, State], None]] = {}
        d = net.design
        # Equal prefixes: Direct Connect, then VPN static, then VPN BGP (ROUTING_DOC, "Route priority").
        for dx in dxgws(d).values():
            if vgw.name in dx.vpn_gateways:
                for cidr in dx.routes:
                    text = f"{cidr} -> direct connect gateway {dx.name}"
                    entries.append(_entry(cidr, dx.name, text))
                    outs[text] = _to_dx(dx)
        for routing in ("static", "bgp"):
            for conn in vpns(d).values():
                if conn.gateway_kind == VGW_ROUTE_KEY and conn.gateway == vgw.name and conn.routing == routing:
                    for cidr in conn.routes:
                        text = f"{cidr} -> vpn connection {conn.name} [{routing}]"
                        entries.append(_entry(cidr, conn.name, text))
                        outs[text] = _to_vpn(conn)
        table = CompiledRoutes.build(vgw.name, entries)  # one table per family
        got = cache[vgw.name] = (table, outs)
    return got


def _entry(cidr: Cidr, target: str, text: str) -> RouteEntry:
    return RouteEntry(cidr, Route(cidr, None, TargetKind.COMPONENT, target, target_section=VGW_ROUTE_KEY), "", text)


def _to_vpn(conn: VpnConnection) -> Callable[[Walk, State], None]:
    def out(walk: Walk, state: State) -> None:
        to_onprem(walk, conn.onprem, f"vpn connection {conn.name}", state, lambda back, reply: from_vpn(back, conn,
                                                                                                         reply))
    return out


def _to_dx(dx: DirectConnectGateway) -> Callable[[Walk, State], None]:
    def out(walk: Walk, state: State) -> None:
        walk.hop("direct_connect_gateway", dx.name, dx.aws_id, state, [])
        to_onprem(walk, dx.onprem, f"direct connect gateway {dx.name}", state,
                  lambda back, reply: from_dx(back, dx, reply))
    return out


def to_onprem(walk: Walk, network: str | None, via: str, state: State,
              back: Callable[[Walk, State], None]) -> None:
    """Out of AWS to the customer side: the leg ends there (the reply comes back by `back`)."""
    model = networks(walk.net.design).get(network or "")
    name = model.name if model is not None else via
    label = f"on-prem network {name}" if model is not None else "the customer network"
    steps: list[Step] = []
    if walk.returning and not reply_matches(walk, state, steps, name):
        walk.hop("onprem", name, None, state, steps)
        return
    own = model is not None and any(c.contains(state.dst) for c in model.cidrs)
    assumption = (f"{ASSUMED} {name} accepts it" if own else
                  f"{ASSUMED} the customer side routes {ip(state.dst)} on (it is not in {label}'s CIDRs)")
    steps.append(Step(StepKind.DELIVER, Action.EXIT, f"leaves AWS for {label} over {via} ({ip(state.dst)}); "
                      f"{assumption}", name, location=model.loc if model else None))
    walk.hop("onprem", name, None, state, steps)
    walk.leg.disposition = Disposition.EXITS_NETWORK
    walk.leg.end_state = state
    if not walk.returning:
        walk.leg.reentry = back


# -- the walk: into AWS from the customer side --------------------------------------------------------


def _sent(walk: Walk, network: str | None, via: str, state: State) -> None:
    model = networks(walk.net.design).get(network or "")
    name = model.name if model is not None else via
    walk.hop("onprem", name, None, state, [Step(
        StepKind.FORWARD, Action.FORWARD, f"sent from {'on-prem network ' + name if model else 'the customer side'} "
        f"over {via}; {ASSUMED} it routes {ip(state.dst)} into this connection", name,
        location=model.loc if model else None)])


def from_vpn(walk: Walk, conn: VpnConnection, state: State) -> None:
    _sent(walk, conn.onprem, f"vpn connection {conn.name}", state)
    d = walk.net.design
    if conn.gateway_kind == VGW_ROUTE_KEY:
        vgw_inbound(walk, vgws(d)[conn.gateway], state, f"vpn connection {conn.name}")
        return
    tgw = transit_gateway.gateways(d)[conn.gateway]
    att = next(a for a in tgw.attachments.values() if a.kind == "vpn" and a.target == conn.name)  # validated
    walk.hop(transit_gateway.ATTACHMENT_HOP, att.name, att.aws_id, state, [Step(
        StepKind.FORWARD, Action.FORWARD, f"enters transit gateway {tgw.name} by attachment {att.name} (vpn "
        f"connection {conn.name})", att.name, location=att.loc)])
    transit_gateway.enter(walk, tgw, att, state, None, [])


def from_dx(walk: Walk, dx: DirectConnectGateway, state: State) -> None:
    _sent(walk, dx.onprem, f"direct connect gateway {dx.name}", state)
    d = walk.net.design
    steps: list[Step] = []
    if dx.allowed_prefixes and not any(c.contains(state.dst) for c in dx.allowed_prefixes):
        detail = (f"direct connect gateway {dx.name} advertises only {', '.join(map(str, dx.allowed_prefixes))} to "
                  f"on-prem: nothing leads {ip(state.dst)} here")
        steps.append(Step(StepKind.ROUTE, Action.DROP, detail, dx.name, location=dx.loc))
        walk.hop("direct_connect_gateway", dx.name, dx.aws_id, state, steps)
        walk.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, dx.name, detail, dx.loc)
        return
    for name in dx.vpn_gateways:
        vgw = vgws(d)[name]
        vpc = d.vpcs.get(vgw.vpc or "")
        if vpc is not None and any(c.contains(state.dst) for c in vpc.cidrs):
            walk.hop("direct_connect_gateway", dx.name, dx.aws_id, state, steps)
            vgw_inbound(walk, vgw, state, f"direct connect gateway {dx.name}")
            return
    for tgw in transit_gateway.gateways(d).values():
        att = next((a for a in tgw.attachments.values() if a.kind == "direct_connect_gateway" and a.target == dx.name),
                   None)
        if att is not None:
            walk.hop("direct_connect_gateway", dx.name, dx.aws_id, state, steps)
            walk.hop(transit_gateway.ATTACHMENT_HOP, att.name, att.aws_id, state, [])
            transit_gateway.enter(walk, tgw, att, state, None, [])
            return
    detail = f"direct connect gateway {dx.name} has no association that carries {ip(state.dst)}"
    steps.append(Step(StepKind.ROUTE, Action.DROP, detail, dx.name, location=dx.loc))
    walk.hop("direct_connect_gateway", dx.name, dx.aws_id, state, steps)
    walk.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, dx.name, detail, dx.loc)


def vgw_inbound(walk: Walk, vgw: VpnGateway, state: State, via: str) -> None:
    """From the customer side into the VGW's VPC: it carries the VPC's own CIDRs only."""
    d = walk.net.design
    vpc = d.vpcs.get(vgw.vpc or "")
    cidr = next((c for c in vpc.cidrs if c.contains(state.dst)), None) if vpc is not None else None
    if vpc is None or cidr is None:
        detail = (f"vpn gateway {vgw.name} has no route to {ip(state.dst)}: from {via} it carries only its VPC's "
                  f"CIDRs" + (f" (vpc {vpc.name})" if vpc is not None else " (it is attached to no VPC)"))
        walk.hop(VGW_ROUTE_KEY, vgw.name, vgw.aws_id, state, [Step(StepKind.ROUTE, Action.DROP, detail, vgw.name,
                                                                   location=vgw.loc)])
        walk.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, vgw.name, detail, vgw.loc)
        return
    chosen = f"{cidr} -> vpc {vpc.name}"
    walk.hop(VGW_ROUTE_KEY, vgw.name, vgw.aws_id, state, [Step(
        StepKind.ROUTE, Action.FORWARD, f"vpn gateway {vgw.name}: {chosen} (from {via}: its VPC's CIDR)", vgw.name,
        chosen, vgw.loc)])
    subnet.local(walk, vpc, state)


# -- transit gateway attachments of VPN connections and Direct Connect gateways ------------------


def _propagated(design: Design, att: Attachment) -> tuple[Cidr, ...] | None:
    if att.kind == "vpn":
        conn = vpns(design).get(att.target)
        return conn.routes if conn is not None else ()
    if att.kind == "direct_connect_gateway":
        dx = dxgws(design).get(att.target)
        return dx.routes if dx is not None else ()
    return None


def _leave(walk: Walk, tgw: transit_gateway.TransitGatewayModel, att: Attachment, state: State) -> bool:
    d = walk.net.design
    if att.kind == "vpn" and att.target in vpns(d):
        conn = vpns(d)[att.target]
        walk.hop(transit_gateway.ATTACHMENT_HOP, att.name, att.aws_id, state, [])
        _to_vpn(conn)(walk, state)
        return True
    if att.kind == "direct_connect_gateway" and att.target in dxgws(d):
        walk.hop(transit_gateway.ATTACHMENT_HOP, att.name, att.aws_id, state, [])
        _to_dx(dxgws(d)[att.target])(walk, state)
        return True
    return False


transit_gateway.register_attachment_kind(_propagated, _leave)


# -- the components --------------------------------------------------------------------------------


def _entry_for(net: CompiledNetwork, network: OnpremNetwork, dst: int) -> Callable[[Walk, State], None] | None:
    """The connection an on-prem network sends by: one whose AWS side holds the destination's VPC,
    else the first over a transit gateway, else the first."""
    d = net.design
    conns = [c for c in vpns(d).values() if c.onprem == network.name]
    dxs = [x for x in dxgws(d).values() if x.onprem == network.name]

    def in_vgw(name: str) -> bool:
        vgw = vgws(d).get(name)
        vpc = d.vpcs.get(vgw.vpc or "") if vgw is not None else None
        return vpc is not None and any(c.contains(dst) for c in vpc.cidrs)

    for conn in conns:
        if conn.gateway_kind == VGW_ROUTE_KEY and in_vgw(conn.gateway):
            return lambda w, s: from_vpn(w, conn, s)
    for dx in dxs:
        if any(in_vgw(g) for g in dx.vpn_gateways):
            return lambda w, s: from_dx(w, dx, s)
    for conn in conns:
        if conn.gateway_kind == "transit_gateway":
            return lambda w, s: from_vpn(w, conn, s)
    if dxs:
        return lambda w, s: from_dx(w, dxs[0], s)
    return (lambda w, s: from_vpn(w, conns[0], s)) if conns else None


def _by_name_or_id(objs: Mapping[str, Any], text: str) -> Any:
    return objs.get(text) or next((o for o in objs.values() if getattr(o, "aws_id", None) == text), None)


class VpnGatewayComponent(Component[None]):
    kind = VGW_ROUTE_KEY
    route_key = VGW_ROUTE_KEY

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        d = walk.net.design
        vgw = vgws(d)[entry.route.target if entry.route and entry.route.target else ""]
        vpc = d.vpcs[from_subnet.vpc]
        walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
        table, outs = _vgw_table(walk.net, vgw)
        found, candidates, tied = table.decide(state.dst)
        if found is None:
            detail = f"vpn gateway {vgw.name} has no route to {ip(state.dst)} (its VPN and Direct Connect routes)"
            walk.hop(self.kind, vgw.name, vgw.aws_id, state, [Step(StepKind.ROUTE, Action.DROP, detail, vgw.name,
                                                                   location=vgw.loc)])
            walk.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, vgw.name, detail, vgw.loc)
            return
        chosen = found.describe()
        why = f"longest prefix match for {ip(state.dst)}"
        if tied:
            why += f"; on an equal prefix Direct Connect beats VPN static beats VPN BGP routes ({ROUTING_DOC})"
        walk.hop(self.kind, vgw.name, vgw.aws_id, state, [Step(
            StepKind.ROUTE, Action.FORWARD, f"vpn gateway {vgw.name}: {chosen} ({why})", vgw.name, chosen, vgw.loc,
            candidates)])
        outs[chosen](walk, state)

    def sources(self, net: CompiledNetwork) -> tuple[str, ...]:
        return tuple(f"{ONPREM_PREFIX}{n.name}" for n in networks(net.design).values()
                     if n.cidrs and _entry_for(net, n, 0) is not None)

    def endpoint(self, net: CompiledNetwork, text: str, other: Endpoint | None) -> Endpoint | None:
        d = net.design
        if text.startswith(ONPREM_PREFIX):
            network = networks(d).get(text[len(ONPREM_PREFIX):].strip())
            if network is None:
                known = ", ".join(sorted(networks(d))[:8]) or "none declared"
                raise EndpointError(f"{text!r}: no on-prem network of that name (known: {known})")
            if not network.cidrs:
                raise EndpointError(f"{text!r}: on-prem network {network.name} has no cidrs to send from or to")
            addr = network.cidrs[0].first + (1 if network.cidrs[0].length < 32 else 0)
            if other is None and _entry_for(net, network, 0) is None:
                raise EndpointError(f"{text!r}: no VPN connection or Direct Connect gateway leads from on-prem network "
                                    f"{network.name} into AWS")

            def start(walk: Walk, state: State) -> None:
                entry = _entry_for(walk.net, network, state.dst)  # by the destination: what the customer routes
                assert entry is not None, "checked when the endpoint was named"
                entry(walk, state)
            return Endpoint(text, addr, None, start)
        if text.startswith(VPN_PREFIX):
            conn = _by_name_or_id(vpns(d), text[len(VPN_PREFIX):].strip())
            if conn is None:
                raise EndpointError(f"{text!r}: no vpn connection of that name or id")
            model = networks(d).get(conn.onprem or "")
            addr = conn.customer_gateway_ip or (model.cidrs[0].first if model and model.cidrs else 0)
            return Endpoint(text, addr, None, lambda w, s: from_vpn(w, conn, s))
        if text.startswith(VGW_PREFIX):
            vgw = _by_name_or_id(vgws(d), text[len(VGW_PREFIX):].strip())
            if vgw is None:
                raise EndpointError(f"{text!r}: no vpn gateway of that name or id")
            return Endpoint(text, 0, None, lambda w, s: vgw_inbound(w, vgw, s, "its VPN side"))
        return None

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        d = net.design
        for network in networks(d).values():
            g.add_node(("onprem", network.name), kind="onprem", name=network.name, aws_id=None,
                       location=str(network.loc), cidrs=[str(c) for c in network.cidrs],
                       **base.drawn(f"on-prem {network.name}\n{', '.join(str(c) for c in network.cidrs)}", "ellipse",
                                    outside=True))
        for vgw in vgws(d).values():
            key = (self.kind, vgw.name)
            g.add_node(key, kind=self.kind, name=vgw.name, aws_id=vgw.aws_id, location=str(vgw.loc),
                       **base.drawn(f"virtual private gateway\n{vgw.name}", "hexagon", vpc=vgw.vpc))
            if vgw.vpc is not None:
                g.add_edge(("vpc_router", vgw.vpc), key, relation="attachment")
                g.add_edge(key, ("vpc_router", vgw.vpc), relation="attachment")
        for conn in vpns(d).values():
            side = (self.kind if conn.gateway_kind == VGW_ROUTE_KEY else "transit_gateway", conn.gateway)
            if conn.onprem is not None:
                g.add_edge(side, ("onprem", conn.onprem), relation="vpn", connection=conn.name)
                g.add_edge(("onprem", conn.onprem), side, relation="vpn", connection=conn.name)
        for dx in dxgws(d).values():
            key = ("direct_connect_gateway", dx.name)
            g.add_node(key, kind="direct_connect_gateway", name=dx.name, aws_id=dx.aws_id, location=str(dx.loc),
                       **base.drawn(f"Direct Connect gateway\n{dx.name}", "diamond"))
            if dx.onprem is not None:
                g.add_edge(key, ("onprem", dx.onprem), relation="virtual_interface")
                g.add_edge(("onprem", dx.onprem), key, relation="virtual_interface")
            for name in dx.vpn_gateways:
                g.add_edge(key, (self.kind, name), relation="association")
                g.add_edge((self.kind, name), key, relation="association")
        for tgw in transit_gateway.gateways(d).values():
            for att in tgw.attachments.values():
                if att.kind == "direct_connect_gateway":
                    g.add_edge(("transit_gateway", tgw.name), ("direct_connect_gateway", att.target),
                               relation="attachment", attachment=att.name)
                    g.add_edge(("direct_connect_gateway", att.target), ("transit_gateway", tgw.name),
                               relation="attachment", attachment=att.name)


COMPONENT = base.register(VpnGatewayComponent())


# -- AWS import: describe-customer-gateways, -vpn-gateways, -vpn-connections, and
#    aws directconnect describe-direct-connect-gateways / -gateway-associations / -virtual-interfaces


_VIFS = "VirtualInterfaces"


def _alive(j: Item) -> bool:
    state = (j.text("State") or j.text("DirectConnectGatewayState") or "available").lower()
    return state not in GONE_STATES


def _gone(imp: Importer, j: Item, aws_id: str, label: str) -> bool:
    if _alive(j):
        return False
    state = (j.text("State") or j.text("DirectConnectGatewayState") or "").lower()
    imp.skip(aws_id, f"a {label} in state {state}", "aws-gone",
             f"{label} {aws_id} is {state} (skipped, as AWS no longer uses it)", j.loc)
    return True


def _pick_cgws(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    return {cgw_id: mapping.Picked(j, names.take(j.name_tag(), cgw_id)) for cgw_id, j in imp.raw["CustomerGateways"].items()
            if not _gone(imp, j, cgw_id, "customer gateway")}


def _static_routes(conn: Item) -> list[str]:
    return [r.text("DestinationCidrBlock") or "" for r in conn.objs("Routes")
            if (r.text("State") or "available") not in ("deleted", "deleting", "failed")
            and r.text("DestinationCidrBlock") and ":" not in (r.text("DestinationCidrBlock") or "")]


def _cgw_body(imp: Importer, cgw: mapping.Picked) -> dict[str, object]:
    cgw_id = cgw.j.text("CustomerGatewayId")
    cidrs: list[str] = []
    for conn in imp.raw["VpnConnections"].values():
        if conn.text("CustomerGatewayId") == cgw_id and _alive(conn):
            cidrs += [c for c in _static_routes(conn) if c not in cidrs]
    body: dict[str, object] = {"description": f"the network behind customer gateway {cgw_id}"
                               + (f" ({cgw.j.text('IpAddress')})" if cgw.j.text("IpAddress") else "")}
    if cidrs:
        body["cidrs"] = cidrs
    imp.at(body, cgw.j.loc)
    return body


def _pick_vgws(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept = {}
    for vgw_id, j in imp.raw["VpnGateways"].items():
        if _gone(imp, j, vgw_id, "VPN gateway"):
            continue
        vpc_id = next((a.text("VpcId") for a in j.objs("VpcAttachments") if a.text("State") == "attached"), None)
        kept[vgw_id] = mapping.Picked(j, names.take(j.name_tag(), vgw_id), vpc_id if vpc_id in imp.vpcs else None)
    return kept


def _vgw_body(imp: Importer, vgw: mapping.Picked) -> dict[str, object]:
    body: dict[str, object] = {"aws_id": vgw.j.text("VpnGatewayId")}
    if vgw.vpc_id is not None:
        body["vpc"] = imp.vpcs[vgw.vpc_id].name
    imp.at(body, vgw.j.loc)
    return body


def _pick_vpns(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept = {}
    for vpn_id, j in imp.raw["VpnConnections"].items():
        if _gone(imp, j, vpn_id, "VPN connection"):
            continue
        if j.text("VpnGatewayId") not in imp.picked[VGWS] and j.text("TransitGatewayId") not in \
                imp.picked.get(transit_gateway.KEY, {}):
            imp.skip(vpn_id, "a VPN connection whose AWS side is not in the snapshot", "aws-orphan",
                     f"VPN connection {vpn_id}: its gateway ({j.text('VpnGatewayId') or j.text('TransitGatewayId')}) "
                     "is not in the snapshot (skipped)", j.loc)
            continue
        kept[vpn_id] = mapping.Picked(j, names.take(j.name_tag(), vpn_id))
    return kept


def _vpn_body(imp: Importer, vpn: mapping.Picked) -> dict[str, object]:
    j = vpn.j
    body: dict[str, object] = {"aws_id": j.text("VpnConnectionId")}
    vgw_id, tgw_id = j.text("VpnGatewayId"), j.text("TransitGatewayId")
    if vgw_id in imp.picked[VGWS]:
        body["vpn_gateway"] = imp.picked[VGWS][vgw_id or ""].name
    else:  # picked: one of the two is in the design
        body["transit_gateway"] = imp.picked[transit_gateway.KEY][tgw_id or ""].name
    cgw_id = j.text("CustomerGatewayId")
    if cgw_id in imp.picked[NETWORKS]:
        body["onprem"] = imp.picked[NETWORKS][cgw_id or ""].name
        address = imp.raw["CustomerGateways"][cgw_id or ""].text("IpAddress")
        if address and mapping.ip_text(address):
            body["customer_gateway_ip"] = mapping.ip_text(address)
    options = j.obj("Options")
    static = options is not None and options.flag("StaticRoutesOnly") is True
    body["routing"] = "static" if static else "bgp"
    routes = _static_routes(j)
    if routes:
        body["routes"] = routes
    if not static:
        imp.warn("aws-bgp", f"VPN connection {vpn.name} uses BGP: the prefixes its customer gateway advertises are "
                 "not in AWS's describe output (add them as `routes:` to simulate them)", j.loc)
    outside = [a for t in j.objs("VgwTelemetry") if (a := mapping.ip_text(t.text("OutsideIpAddress") or ""))]
    if outside:
        body["outside_ips"] = outside
    imp.at(body, j.loc)
    return body


def _pick_dx(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept = {dx_id: mapping.Picked(j, names.take(j.text("DirectConnectGatewayName") or j.name_tag(), dx_id))
            for dx_id, j in imp.raw["DirectConnectGateways"].items() if not _gone(imp, j, dx_id,
                                                                                   "Direct Connect gateway")}
    # A private virtual interface straight on a virtual private gateway (no Direct Connect
    # gateway): the design's entry for it is a Direct Connect gateway of its own, named after it.
    for vif_id, j in imp.raw[_VIFS].items():
        state = (j.text("VirtualInterfaceState") or "available").lower()
        if j.text("DirectConnectGatewayId") or j.text("VirtualGatewayId") not in imp.picked[VGWS]:
            continue
        if state in GONE_STATES or state in ("down", "rejected"):
            imp.skip(vif_id, f"a virtual interface in state {state}", "aws-gone",
                     f"Direct Connect virtual interface {vif_id} is {state} (skipped)", j.loc)
            continue
        kept[vif_id] = mapping.Picked(j, names.take(j.text("VirtualInterfaceName") or j.name_tag(), vif_id))
    return kept


def _dx_body(imp: Importer, dx: mapping.Picked) -> dict[str, object]:
    if dx.j.text("VirtualInterfaceId"):  # a private virtual interface on a VGW
        body: dict[str, object] = {"aws_id": dx.j.text("VirtualInterfaceId"),
                                   "vpn_gateways": [imp.picked[VGWS][dx.j.text("VirtualGatewayId") or ""].name]}
        imp.warn("aws-bgp", f"Direct Connect virtual interface {dx.name}: the prefixes on-prem advertises over it "
                 "are not in AWS's describe output (add them as `routes:` to simulate them)", dx.j.loc)
        imp.at(body, dx.j.loc)
        return body
    dx_id = dx.j.text("DirectConnectGatewayId")
    body = {"aws_id": dx_id}
    vgw_names, allowed = [], []
    for assoc in imp.raw["DirectConnectGatewayAssociations"].values():
        if assoc.text("DirectConnectGatewayId") != dx_id or assoc.text("AssociationState") not in (None, "associated"):
            continue
        gateway = assoc.obj("AssociatedGateway")
        gateway_id = gateway.text("Id") if gateway is not None else None
        if gateway_id in imp.picked[VGWS]:
            vgw_names.append(imp.picked[VGWS][gateway_id or ""].name)
        allowed += [c for p in assoc.objs("AllowedPrefixesToDirectConnectGateway")
                    if (c := p.text("Cidr")) and ":" not in c and c not in allowed]
    if vgw_names:
        body["vpn_gateways"] = vgw_names
    if allowed:
        body["allowed_prefixes"] = allowed
    imp.warn("aws-bgp", f"Direct Connect gateway {dx.name}: the prefixes on-prem advertises over its virtual "
             "interfaces are not in AWS's describe output (add them as `routes:` to simulate them)", dx.j.loc)
    imp.at(body, dx.j.loc)
    return body


def _import_vpn_attachment(imp: Importer, a: Item, att: dict[str, object]) -> bool:
    picked = imp.picked[VPNS].get(a.text("ResourceId") or "")
    if picked is not None:
        att["vpn"] = picked.name
    return picked is not None


def _import_dx_attachment(imp: Importer, a: Item, att: dict[str, object]) -> bool:
    picked = imp.picked[DXGWS].get(a.text("ResourceId") or "")
    if picked is not None:
        att["direct_connect_gateway"] = picked.name
    return picked is not None


transit_gateway.IMPORT_ATTACHMENTS["vpn"] = _import_vpn_attachment
transit_gateway.IMPORT_ATTACHMENTS["direct-connect-gateway"] = _import_dx_attachment
mapping.register(mapping.AwsMapping("CustomerGateways", NETWORKS, "onprem", "CustomerGatewayId", "cgw-",
                                    "customer gateway", "CustomerGatewayId", _pick_cgws, _cgw_body, rank=36,
                                    kind="customer_gateway"))
mapping.register(mapping.AwsMapping("VpnGateways", VGWS, VGW_ROUTE_KEY, "GatewayId", "vgw-", "VPN gateway",
                                    "VpnGatewayId", _pick_vgws, _vgw_body, rank=37, kind="vpn_gateway"))
mapping.register(mapping.AwsMapping("VpnConnections", VPNS, "vpn_connection", "VpnConnectionId", "vpn-",
                                    "VPN connection", "VpnConnectionId", _pick_vpns, _vpn_body, rank=38,
                                    kind="vpn_connection"))
mapping.register(mapping.AwsMapping(
    "DirectConnectGateways", DXGWS, "direct_connect_gateway", "DirectConnectGatewayId", "dxgw-",
    "Direct Connect gateway", "DirectConnectGatewayId", _pick_dx, _dx_body, rank=39, kind="direct_connect_gateway",
    details=(mapping.Detail("DirectConnectGatewayAssociations", ("AssociationId",),
                            "Direct Connect gateway association"),
             mapping.Detail(_VIFS, ("VirtualInterfaceId",), "Direct Connect virtual interface"))))
