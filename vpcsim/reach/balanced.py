"""Balanced: a flow to a load balancer -> a BalancedResult, every leg one call of the walk.

A connection to a load balancer is several connections (components/load_balancer.py):

1. the client -> each node its DNS name may answer with (the listener and the node's groups
   decide it);
2. each node -> each target it forwards to (every zone's with cross-zone load balancing, else
   its own zone's), from the node's address, or from the client's when an NLB preserves it;
3. each node -> each target on the health-check port, when that differs from the traffic leg:
   a target whose health check is blocked is unhealthy and receives nothing.

Each is a full walk forward and back (`walk.trace_flow`), so every blocker on every leg is
reported. A node whose zone has no healthy target is taken out of the load balancer's DNS name
(every node stays in when no zone has one: ELB fails open).
"""

from __future__ import annotations

import dataclasses

import vpcsim.arguments as arguments
import vpcsim.facts as facts
from vpcsim.compile import CompiledNetwork
from vpcsim.components import load_balancer as lbm
from vpcsim.components.base import Endpoint, State, ip
from vpcsim.core import ICMP_PROTOS
from vpcsim.errors import EndpointError
from vpcsim.model import IPV4_BITS, IPV4_MAX, Interface, addr_bits, parse_ip, protocol_label
from vpcsim.reach.walk import Walker, dedupe, resolve, same_family, trace_flow
from vpcsim.results import (
    Action,
    BalancedResult,
    Blocker,
    Code,
    Disposition,
    Flow,
    NodePath,
    Packet,
    PortRanges,
    Step,
    StepKind,
    TargetPath,
    TraceResult,
)

__all__ = ["as_trace", "listener_ports", "names_load_balancer", "trace_balanced"]


def names_load_balancer(net: CompiledNetwork, text: str) -> bool:
    """Whether a destination is a load balancer: by name, DNS name or AWS id, or one of its
    nodes by interface name or address (a connection to a node goes on to the targets too)."""
    return _named(net, text) is not None


def _named(net: CompiledNetwork, text: str) -> tuple[lbm.LoadBalancerModel, lbm.Node | None] | None:
    """The load balancer a destination names, and the node when it names one (None: any node)."""
    idx = lbm.index(net)
    if not idx.balancers:
        return None  # every trace asks: a design without load balancers answers at once
    name = text.strip() if isinstance(text, str) else ""
    d = net.design
    if name in d.instances:
        return None
    if name in d.interfaces:
        eni = d.interfaces[name]
        found = idx.nodes.get(eni.primary_ip)
        return found if found is not None and lbm.node_name(found[0], found[1]) == name else None
    if name in idx.by_name:
        return idx.by_name[name], None
    try:
        addr = parse_ip(name)
    except ValueError:
        return None
    return idx.nodes.get(addr) or idx.public_nodes.get(addr)


def trace_balanced(net: CompiledNetwork, src: str, dst: str, port: int, protocol: str | int = "tcp", *,
                   src_port: int | None = None, ephemeral: tuple[int, int] | None = None) -> BalancedResult:
    """Trace `src` -> the load balancer `dst` on `port`: both legs, every node and target."""
    src, dst, port, proto, src_port, ephemeral = arguments.trace_args(src, dst, port, protocol, src_port, ephemeral)
    idx = lbm.index(net)
    named = _named(net, dst)
    if named is None:
        raise EndpointError(f"{arguments.quote(dst)} is not a load balancer of the design (by name, DNS name, AWS "
                            f"id, or a node's address; load balancers: {', '.join(sorted(idx.balancers)) or 'none'})")
    lb, pinned = named
    pinned_eni = net.design.interfaces[lbm.node_name(lb, pinned)] if pinned is not None else None
    source, named_addr = _in_family(net, lb, resolve(net, src, None), src, pinned_eni, _address(dst))
    six = source.addr > IPV4_MAX
    low, high = ephemeral or facts.LINUX_EPHEMERAL
    sports: PortRanges = ((src_port, src_port),) if src_port is not None else ((low, high),)
    if proto not in (6, 17):
        sports = ((0, 0),)
    listener = lbm.listener_for(lb, proto, port)
    d = net.design
    blockers: list[Blocker] = []
    warnings: list[Blocker] = []
    fronts: list[tuple[lbm.Node, TraceResult]] = []
    for node in lbm.nodes_for(net, lb, source) if pinned is None else [pinned]:
        node_eni = d.interfaces[lbm.node_name(lb, node)]
        addr = lbm.address_for(d, lb, node, six)
        if pinned is not None and named_addr is not None:
            addr = named_addr  # the address the client named
        target = Endpoint(lb.name, addr, node_eni)
        # ICMP, ICMPv6: the type in the high byte (code 0); other protocols carry no port.
        dports: PortRanges = ((port, port),) if proto in (6, 17) else ((port * 256, port * 256),) \
            if proto in ICMP_PROTOS else ((0, 0),)
        flow = Flow(src, dst, ip(source.addr), ip(addr), protocol_label(proto), port, sports,
                    None if source.eni is None else (source.eni.instance or source.eni.name), node_eni.name)
        fronts.append((node, trace_flow(net, flow, source, target, State(source.addr, addr, proto, sports, dports))))
    if not six and lb.internet_facing and not lb.public_ipv4 and source.eni is None and named_addr is None:
        blockers.append(Blocker(Code.LB_ADDRESS_FAMILY, "forward", lb.name,
                                f"load balancer {lb.name} is {lb.ip_address_type}: its nodes have no public IPv4 "
                                "address, and its DNS name answers the internet with IPv6 addresses only (AAAA "
                                f"records; trace from internet6; {facts.LB_IP_ADDRESS_TYPE_DOC})", lb.loc))
    if listener is None:
        ports = ", ".join(li.text() for li in lb.listeners) or "none"
        blockers.append(Blocker(Code.LB_NO_LISTENER, "forward", lb.name,
                                f"load balancer {lb.name} has no listener for {protocol_label(proto)} port {port} "
                                f"(its listeners: {ports})", lb.loc))
    paths: list[TargetPath] = []
    if listener is not None:
        groups = [idx.groups[g] for g in listener.target_groups if g in idx.groups]
        if lb.type == "classic":
            groups = [lbm.classic_group(lb, listener)]
        for node, front in fronts:
            for tg in groups:
                targets = _targets(net, idx, lb, tg)
                paths += _node_to_targets(net, lb, node, tg, targets, front, source, proto)
    served = _in_dns(lb, fronts, paths, listener)
    if listener is not None and paths and not any(p.healthy for p in paths):
        blockers.append(Blocker(Code.LB_NO_HEALTHY_TARGET, "forward", lb.name,
                                f"no target of load balancer {lb.name}'s listener {listener.text()} is healthy: it "
                                "forwards the connection nowhere", lb.loc))
    elif listener is not None and not paths and not _answers_itself(lb, listener):
        blockers.append(Blocker(Code.LB_NO_HEALTHY_TARGET, "forward", lb.name,
                                f"load balancer {lb.name}'s listener {listener.text()} has no registered target",
                                listener.loc))
    for path in paths:
        if not path.healthy:
            check = path.health or path.leg
            why = check.blocked_by[0].detail if check.blocked_by else "the health check does not get through"
            blockers.append(Blocker(Code.LB_TARGET_UNHEALTHY, "forward", path.target,
                                    f"target {path.target} of {path.target_group} fails its health check from "
                                    f"{path.node}: {why}", check.blocked_by[0].location if check.blocked_by else None))
        if path.observed is not None and (path.observed == "healthy") != path.healthy and \
                path.observed in ("healthy", "unhealthy"):
            warnings.append(Blocker(Code.LB_HEALTH_DISAGREES, "forward", path.target,
                                    f"describe-target-health says target {path.target} is {path.observed}; vpcsim finds "
                                    f"its health check from {path.node} {'passes' if path.healthy else 'blocked'}",
                                    None))
    nodes = []
    for node, front in fronts:
        zone = d.subnets[node.subnet].az
        name = lbm.node_name(lb, node)
        if listener is not None and not any(p.node == name for p in paths) and any(
                not lbm.cross_zone(lb, idx.groups.get(g)) for g in listener.target_groups):
            blockers.append(Blocker(Code.LB_ZONE_WITHOUT_TARGETS, "forward", name,
                                    f"load balancer {lb.name}'s node in {zone} has no target in its zone and cross-zone "
                                    "load balancing is off: it forwards nothing, and ELB takes its address out of the "
                                    "DNS name (a client that uses the address itself, or a cached answer, fails)",
                                    lb.loc))
        # A client that names the node itself connects to it whether or not DNS still lists it.
        in_dns = name in served or pinned is not None
        nodes.append(NodePath(name, zone, front.flow.dst_ip, in_dns, front))
    return BalancedResult(lb.name, lb.type, lb.scheme, listener.text() if listener else None, src, port,
                          protocol_label(proto), tuple(nodes), tuple(paths), tuple(dedupe(blockers)),
                          tuple(dedupe(warnings)), "ipv6" if six else "ipv4",
                          listener is not None and _answers_itself(lb, listener))


def _answers_itself(lb: lbm.LoadBalancerModel, listener: lbm.Listener) -> bool:
    """A listener whose actions forward to no target group: a redirect or a fixed response, which
    the load balancer sends itself (a Classic Load Balancer always forwards to its instances)."""
    return not listener.target_groups and lb.type != "classic"


def no_ipv6_answer(net: CompiledNetwork, src: str, dst: str, port: int, protocol: str | int) -> TraceResult | None:
    """An IPv6 client's verdict on an ipv4 load balancer (None: `dst` is not one, or `src` is not
    IPv6): it has no IPv6 address to connect to (no AAAA record), so the flow goes nowhere. For
    analyses that pair every family (`check`); `trace_balanced` refuses the pair instead, as
    `trace` refuses two families."""
    named = _named(net, dst)
    if named is None or named[0].dualstack or resolve(net, src, None).addr <= IPV4_MAX:
        return None
    lb = named[0]
    label = protocol_label(arguments.protocol(protocol))
    detail = (f"load balancer {lb.name} is ipv4 (ip_address_type): its nodes have no IPv6 address and its DNS name "
              f"no AAAA record, so an IPv6 client has nothing to connect to ({facts.LB_IP_ADDRESS_TYPE_DOC})")
    client = _address(src)
    flow = Flow(src, dst, ip(client) if client is not None else "", "", label, port, ())
    return TraceResult(flow, Disposition.NO_ROUTE, (), (), (Blocker(Code.LB_ADDRESS_FAMILY, "forward", lb.name, detail,
                                                                      lb.loc),))


def _address(text: str) -> int | None:
    """The address a destination names (a node's), else None (a name)."""
    try:
        return parse_ip(text.strip())
    except ValueError:
        return None


def _in_family(net: CompiledNetwork, lb: lbm.LoadBalancerModel, source: Endpoint, text: str,
               pinned: Interface | None, named: int | None) -> tuple[Endpoint, int | None]:
    """The client, and the node address named (None: a name), in the one family they talk in.

    A node named by an address is an interface at that address: both ends are put in one family
    as `trace` puts them (`walk.same_family`: an interface takes the family of the address or
    internet at the other end). Otherwise the client's own family decides (an address, `internet6`,
    an IPv6-only interface: IPv6; a dual-stack interface talks IPv4, as two interfaces do), and
    IPv6 needs a dual-stack load balancer: an ipv4 one has no IPv6 address and its DNS name no
    AAAA record."""
    if named is not None and pinned is not None:
        source, target = same_family(net, source, Endpoint(text.strip(), named, pinned))
        return source, target.addr
    if source.addr > IPV4_MAX and not lb.dualstack:
        raise EndpointError(f"the source {arguments.quote(text)} is IPv6 and load balancer {lb.name} is ipv4 "
                            "(ip_address_type): its nodes have no IPv6 address and its DNS name no AAAA record "
                            f"(expected ip_address_type: dualstack, or an IPv4 source; {facts.LB_IP_ADDRESS_TYPE_DOC})")
    return source, named


def _targets(net: CompiledNetwork, idx: lbm.BalancerIndex, lb: lbm.LoadBalancerModel,
             tg: lbm.TargetGroupModel) -> tuple[lbm.Resolved, ...]:
    if tg.name in idx.targets:
        return idx.targets[tg.name]
    # A Classic Load Balancer's instances (a target group made up for its listener).
    out = []
    for t in tg.targets:
        instance = net.design.instances.get(t.instance or "")
        if instance is None or not instance.interfaces:
            continue
        eni = net.design.interfaces[instance.interfaces[0]]
        out.append(lbm.Resolved(tg.name, t.name, eni, eni.primary_ip, tg.port, net.design.subnets[eni.subnet].az,
                                None))
    return tuple(out)


def _node_to_targets(net: CompiledNetwork, lb: lbm.LoadBalancerModel, node: lbm.Node, tg: lbm.TargetGroupModel,
                     targets: tuple[lbm.Resolved, ...], front: TraceResult, client: Endpoint,
                     proto: int) -> list[TargetPath]:
    d = net.design
    zone = d.subnets[node.subnet].az
    node_eni = d.interfaces[lbm.node_name(lb, node)]
    across = lbm.cross_zone(lb, tg if tg.name in lbm.target_groups(d) else None)
    tproto = proto if proto in tg.transports else tg.transports[0]
    # The client's address and ports as they reach the node (after the internet gateway's NAT).
    arrived = front.forward[-1].packet if front.forward else None
    client_addr = client.addr
    client_ports: PortRanges = ((facts.LINUX_EPHEMERAL[0], facts.LINUX_EPHEMERAL[1]),)
    if arrived is not None:
        client_addr = parse_ip(arrived.src)
        client_ports = arrived.src_ports
    # The node speaks the target group's family to its targets and their health checks, from its
    # own address of that family (facts.LB_TARGET_GROUP_IP_TYPE_DOC); an NLB preserves the
    # client's address only when the client is of that family too (facts.LB_CROSS_FAMILY_DOC).
    node_addr = lbm.private_of(d, lb, node) if tg.bits == IPV4_BITS else lbm.ipv6_of(d, lb, node)
    if node_addr is None:
        return []  # an ipv6 target group behind an ipv4 load balancer: validation reports it
    crossing = addr_bits(client_addr) != tg.bits
    preserve = lb.type == "network" and tg.preserves_client_ip() and not crossing
    note = (_crossing_note(lb, tg, client_addr, node_addr), arrived) if crossing else None
    out = []
    for target in targets:
        if not across and target.zone is not None and target.zone != zone:
            continue
        src_addr = client_addr if preserve else node_addr
        sports = client_ports if preserve else (facts.LB_NODE_PORTS,)
        leg = _walk(net, lb, node, node_eni, target, src_addr, tproto, sports, target.port, preserve, note)
        health: TraceResult | None = None
        health_port = tg.health_port or target.port
        if not tg.health_enabled:
            healthy = True
        elif health_port == target.port and not preserve and tproto == 6:
            healthy = leg.reachable  # the health check is this very connection
        else:
            health = _walk(net, lb, node, node_eni, target, node_addr, 6, (facts.LB_NODE_PORTS,), health_port,
                           False, None)
            healthy = health.reachable
        out.append(TargetPath(node_eni.name, zone, tg.name, target.name, target.port, leg, health, healthy,
                              target.observed, tg.ip_address_type))
    return out


def _crossing_note(lb: lbm.LoadBalancerModel, tg: lbm.TargetGroupModel, client: int, node_addr: int) -> str:
    """What a node does with a client of the other family than its target group's."""
    families = ("IPv6", "IPv4") if client > IPV4_MAX else ("IPv4", "IPv6")
    if lb.type == "network":
        preserved = tg.preserves_client_ip()
        header = (f"; proxy protocol v2 is on, so its header tells the target the client's address {ip(client)}"
                  if tg.proxy_protocol_v2 else "; proxy protocol v2 is off, so the target never learns the client's "
                  "address")
        detail = (f"the {families[0]} client's connection goes on as {families[1]} from the node's address "
                  f"{ip(node_addr)} (target group {tg.name} is {tg.ip_address_type})"
                  + (": client IP preservation has no effect across address families" if preserved else "")
                  + header + f" ({facts.LB_CROSS_FAMILY_DOC})")
    else:
        detail = (f"the node ends the {families[0]} client's connection and opens {families[1]} to the target from "
                  f"its address {ip(node_addr)} (target group {tg.name} is {tg.ip_address_type}; the client's "
                  f"address travels in X-Forwarded-For; {facts.LB_TARGET_GROUP_IP_TYPE_DOC})")
    return detail


def _walk(net: CompiledNetwork, lb: lbm.LoadBalancerModel, node: lbm.Node, node_eni: Interface,
          target: lbm.Resolved, src_addr: int, proto: int, sports: PortRanges, port: int,
          preserve: bool, note: tuple[str, Packet | None] | None) -> TraceResult:
    """One node -> target connection, forward and back; `note`: the translation across families
    that starts it (what the node does, and the client's packet as it reached the node)."""
    source = Endpoint(node_eni.name, src_addr, node_eni)
    dest = Endpoint(target.name, target.addr, target.eni)
    dports: PortRanges = ((port, port),)
    flow = Flow(node_eni.name, target.name, ip(src_addr), ip(target.addr), protocol_label(proto), port, sports,
                node_eni.name, None if target.eni is None else (target.eni.instance or target.eni.name))

    def start(walker: Walker, state: State) -> None:
        if preserve:
            walker.leg.steer = lbm.steer_to(lb, node, src_addr)
        steps = [] if note is None else [Step(StepKind.TRANSLATE, Action.TRANSLATE, note[0], lb.name, before=note[1],
                                              after=state.packet() if note[1] is not None else None)]
        lbm.send_from_node(walker, lb, node, state, steps)

    return trace_flow(net, flow, source, dest, State(src_addr, target.addr, proto, sports, dports), start=start)


def _in_dns(lb: lbm.LoadBalancerModel, fronts: list[tuple[lbm.Node, TraceResult]], paths: list[TargetPath],
            listener: lbm.Listener | None) -> set[str]:
    """The nodes ELB keeps in the DNS name: those with a healthy target; all when none has one."""
    names = [lbm.node_name(lb, node) for node, _ in fronts]
    if listener is None or _answers_itself(lb, listener):
        return set(names)
    healthy = {p.node for p in paths if p.healthy}
    return healthy or set(names)


def as_trace(result: BalancedResult) -> TraceResult:
    """A load-balanced flow as one TraceResult, for analyses that judge a flow by one verdict
    (`check`): reachable when every node in DNS forwards to a healthy target; the hops are the
    first served node's leg, then its first reached (else first) target's leg; the blockers, when
    it is not reachable, are the load balancer's own and those of every failing leg."""
    served = result.served or result.nodes
    front = served[0].front if served else result.nodes[0].front
    mine = [t for t in result.targets if t.node == (served[0].node if served else "")]
    back = next((t for t in mine if t.reached), mine[0] if mine else None)
    forward = front.forward + (back.leg.forward if back is not None else ())
    reply = (back.leg.return_path if back is not None else ()) + front.return_path
    if result.reachable:
        return dataclasses.replace(front, forward=forward, return_path=reply, blocked_by=(),
                                   warnings=front.warnings + result.blocked_by + result.warnings)
    blockers = list(result.blocked_by)
    for node in result.served:
        blockers += node.front.blocked_by
    for path in result.targets:
        blockers += path.leg.blocked_by + (path.health.blocked_by if path.health is not None else ())
    if not blockers:
        blockers.append(Blocker(Code.LB_NO_HEALTHY_TARGET, "forward", result.load_balancer,
                                f"load balancer {result.load_balancer} forwards the connection to no target", None))
    disposition = front.disposition if not front.reachable else Disposition.DENIED_IN
    return dataclasses.replace(front, forward=forward, return_path=reply, disposition=disposition,
                               blocked_by=tuple(dedupe(blockers)))


def listener_ports(net: CompiledNetwork, dst: str) -> dict[str, tuple[int, ...]] | None:
    """The ports a load balancer (or one of its nodes) listens on, by protocol (tcp, udp); None
    when `dst` is not one. Every other port and protocol goes nowhere (the node drops it)."""
    named = _named(net, dst)
    if named is None:
        return None
    out: dict[str, set[int]] = {"tcp": set(), "udp": set()}
    for li in named[0].listeners:
        for proto in li.transports:
            out["tcp" if proto == 6 else "udp"].add(li.port)
    return {k: tuple(sorted(v)) for k, v in out.items()}
