"""Subnet: its network ACL (stateless, on every crossing) and its route table (longest prefix match).

Every path crosses subnets, so the other components call `route` (leave a subnet by its route
table), `deliver` (arrive in a subnet) and `nacl_check` directly. Which component a route hands the
packet to, and which one owns the address a packet is delivered to, comes from the registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsim.components import base
from vpcsim.components.base import Component, State, Walk, ip, new_tuple
from vpcsim.components.text import nacl_text, packet_text, range_text
from vpcsim.errors import Location
from vpcsim.model import IPV4_MAX, NaclRule, Subnet, Vpc
from vpcsim.results import (
    Action,
    Code,
    Disposition,
    FilterDetail,
    Step,
    StepKind,
    format_ports,
)

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork, RouteEntry

# A path longer than this is a forwarding loop even if no lookup repeats (a safety net: every
# translation that could make headers differ forever is bounded).
MAX_HOPS = 64


def nacl_check(walk: Walk, subnet: Subnet, state: State, direction: str, steps: list[Step]) -> None:
    """Stateless: evaluated on every crossing, on the packet's destination port(s)."""
    net = walk.net
    acl = net.nacl(subnet.network_acl)
    acl_model = net.design.network_acls[subnet.network_acl]
    outbound = direction == "outbound"
    peer = state.dst if outbound else state.src
    if peer > IPV4_MAX:
        acl = acl.family(peer)  # the IPv6 rules, with their own '*' deny
    table = acl.outbound if outbound else acl.inbound
    rules = acl.outbound_rules if outbound else acl.inbound_rules
    kind = StepKind.NACL_OUT if outbound else StepKind.NACL_IN
    asked = state.dports
    texts = net.rule_texts
    six = peer > IPV4_MAX
    if len(asked) == 1:
        # One port, or one range, that a single rule allows whole (most packets): no lists.
        lo, hi = asked[0]
        if lo == hi:
            rule = rules[table.first_match(peer, state.proto, lo)]
        else:
            runs = table.first_match_ports(peer, state.proto, lo, hi)
            rule = rules[runs[0][2]] if len(runs) == 1 else None
        if rule is not None and rule.allow:
            name = acl_model.name
            text = texts.get(id(rule)) or nacl_text(texts, rule, six)
            data = new_tuple(FilterDetail, (acl.outbound_filter if outbound else acl.inbound_filter, peer,
                                            state.proto, asked, asked))
            summary = text if lo == hi else f"{range_text(lo, hi)}: {text}"
            steps.append(new_tuple(Step, (kind, Action.ALLOW, f"network ACL {name} {direction}: {summary}", name,
                                          text, rule.loc, (), None, None, data)))
            return
    allowed: list[tuple[int, int]] = []
    denied: list[tuple[int, int, NaclRule | None]] = []
    decided: list[tuple[int, int, NaclRule | None]] = []
    for lo, hi in asked:
        if lo == hi:
            # One concrete port (every forward packet): a single lookup, no partition.
            rule = rules[table.first_match(peer, state.proto, lo)]
            decided.append((lo, hi, rule))
            if rule is not None and rule.allow:
                allowed.append((lo, hi))
            else:
                denied.append((lo, hi, rule))
            continue
        for run_lo, run_hi, index in table.first_match_ports(peer, state.proto, lo, hi):
            rule = rules[index]
            decided.append((run_lo, run_hi, rule))
            if rule is not None and rule.allow:
                allowed.append((run_lo, run_hi))
            else:
                denied.append((run_lo, run_hi, rule))
    detail_data = new_tuple(FilterDetail, (acl.outbound_filter if outbound else acl.inbound_filter, peer,
                                            state.proto, asked, tuple(allowed)))
    name = acl_model.name
    if not denied:
        first = decided[0][2]
        first_text = nacl_text(texts, first, six)
        if len(decided) == 1:
            lo, hi, _ = decided[0]
            summary = first_text if lo == hi else f"{range_text(lo, hi)}: {first_text}"
        else:
            summary = "; ".join(f"{range_text(lo, hi)}: {nacl_text(texts, rule, six)}" for lo, hi, rule in decided)
        # tuple.__new__, positional: a NamedTuple's own __new__ is a Python frame (a hot path).
        steps.append(new_tuple(Step, (kind, Action.ALLOW, f"network ACL {name} {direction}: {summary}", name,
                                      first_text, first.loc if first else acl_model.loc, (), None, None,
                                      detail_data)))
        return
    first_denier = denied[0][2]
    location = first_denier.loc if first_denier is not None else acl_model.loc
    what = (
        f"{packet_text(state.proto, tuple((lo, hi) for lo, hi, _ in denied))} "
        f"{'to' if outbound else 'from'} {ip(peer)}"
    )
    disposition = Disposition.DENIED_OUT if outbound else Disposition.DENIED_IN
    if allowed:
        detail = (
            f"network ACL {name} ({subnet.name}, {direction}) admits only ports {format_ports(tuple(allowed))} "
            f"of {format_ports(asked)}; {what} is denied by {nacl_text(texts, first_denier, six)}"
        )
        steps.append(Step(kind, Action.DENY, detail, name, nacl_text(texts, first_denier, six), location, data=detail_data))
        walk.block(Code.SUBNET_ACL_RESTRICTION, name, detail, location, disposition)
        walk.warn(Code.EPHEMERAL_RANGE_PARTIAL, name,
                  f"only ports {format_ports(tuple(allowed))} of {format_ports(asked)} get through "
                  f"network ACL {name} ({direction})", location)
        state.dports = tuple(allowed)
        return
    detail = f"network ACL {name} ({subnet.name}, {direction}) denies {what}: {nacl_text(texts, first_denier, six)}"
    walk.leg.ports_denied = True
    steps.append(Step(kind, Action.DENY, detail, name, nacl_text(texts, first_denier, six), location, data=detail_data))
    walk.block(Code.SUBNET_ACL_RESTRICTION, name, detail, location, disposition)


def route(walk: Walk, subnet: Subnet, state: State) -> None:
    """Leave `subnet` towards `state.dst`: its NACL outbound, then its route table."""
    walk.hop_count += 1
    if walk.hop_count > MAX_HOPS:
        walk.stop(Disposition.NULL_ROUTED, Code.NO_PATH, subnet.name, "forwarding loop: too many hops", None)
        return
    net = walk.net
    if walk.steer is not None and walk.returning and walk.steer(walk, subnet, state):
        return  # a component that kept the connection takes its reply (Leg.steer)
    if subnet.holds(state.dst):
        # Inside one subnet: no route table, no NACL (AWS).
        deliver(walk, subnet, state, crossing=False)
        return
    key = (subnet.name, state.src, state.dst, state.proto, state.dports)
    first = walk.lookups.get(key)
    if first is not None:
        _loop(walk, subnet, state, first)
        return
    walk.lookups[key] = len(walk.routes_taken)
    routes = net.routes(subnet.route_table)
    entry, candidates, tied = routes.decide(state.dst)
    table = net.design.route_tables[subnet.route_table]
    steps: list[Step] = []
    if entry is None:
        detail = f"route table {table.name} has no route to {ip(state.dst)}"
        nacl_check(walk, subnet, state, "outbound", steps)
        steps.append(Step(StepKind.ROUTE, Action.DROP, detail, table.name, location=table.loc))
        walk.hop("subnet", subnet.name, subnet.aws_id, state, steps)
        walk.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, table.name, detail, table.loc)
        return
    route_loc = entry.route.loc if entry.route else table.loc
    target = None if entry.route is None else base.for_route(entry.route)
    next_subnet = None if target is None else target.next_subnet(net, entry)
    if next_subnet is None or next_subnet != subnet.name:
        nacl_check(walk, subnet, state, "outbound", steps)
    chosen = entry.text or entry.describe()
    if tied:
        # AWS's route priority on an equal prefix: local, static, prefix list, propagated.
        route_text = (f"route table {table.name}: {chosen} (longest prefix match for {ip(state.dst)}; on an equal "
                      "prefix local beats static beats prefix-list beats propagated routes)")
    else:
        route_text = f"route table {table.name}: {chosen} (longest prefix match for {ip(state.dst)})"
    steps.append(new_tuple(Step, (StepKind.ROUTE, Action.FORWARD, route_text, table.name, chosen, route_loc,
                                  candidates, None, None, None)))
    walk.routes_taken.append((table.name, chosen, route_loc))
    walk.hop("subnet", subnet.name, subnet.aws_id, state, steps)
    if entry.route is None:
        local(walk, net.design.vpcs[subnet.vpc], state)
    elif not entry.route.blackhole and target is not None:
        target.via_route(walk, entry, subnet, state, route_loc)  # follow(), with the component found above
    else:
        follow(walk, entry, subnet, state, route_loc)


def _loop(walk: Walk, subnet: Subnet, state: State, first: int) -> None:
    """The same packet is about to be looked up again in the same subnet: a forwarding loop.

    Named by the routes that form the cycle, each with its location (Batfish's LOOP).
    """
    cycle = walk.routes_taken[first:]
    steps = [Step(StepKind.ROUTE, Action.DROP,
                  f"forwarding loop: {ip(state.dst)} comes back to subnet {subnet.name} unchanged",
                  subnet.route_table)]
    walk.hop("subnet", subnet.name, subnet.aws_id, state, steps)
    routes = "; ".join(f"{table}: {text}" + (f" ({loc})" if loc else "") for table, text, loc in cycle)
    detail = f"forwarding loop: the packet for {ip(state.dst)} comes back to subnet {subnet.name} by {routes}"
    location = cycle[0][2] if cycle else None
    walk.stop(Disposition.LOOP, Code.FORWARDING_LOOP, subnet.route_table, detail, location)


def local(walk: Walk, vpc: Vpc, state: State) -> None:
    """The local route: into the subnet of `vpc` that holds `state.dst`."""
    walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
    target = walk.net.subnet_in_vpc(vpc.name, state.dst)
    if target is None:
        detail = f"{ip(state.dst)} is in vpc {vpc.name}'s CIDR but in none of its subnets"
        walk.stop(Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION, vpc.name, detail, vpc.loc)
        return
    deliver(walk, target, state, crossing=True)


def follow(walk: Walk, entry: RouteEntry, subnet: Subnet, state: State, route_loc: Location) -> None:
    """Hand the packet to what the chosen route points at."""
    route_model = entry.route
    if route_model is None:
        local(walk, walk.net.design.vpcs[subnet.vpc], state)
        return
    if route_model.blackhole:
        detail = f"route {entry.describe()} is a blackhole: packets matching it are dropped"
        walk.stop(Disposition.NULL_ROUTED, Code.BAD_STATE_ROUTE, subnet.route_table, detail, route_loc)
        return
    component = base.for_route(route_model)
    assert component is not None, "validated: every route target has its component"
    component.via_route(walk, entry, subnet, state, route_loc)


def deliver(walk: Walk, subnet: Subnet, state: State, crossing: bool) -> None:
    """The packet arrives in `subnet` addressed to `state.dst`: the owner of that address takes it."""
    steps: list[Step] = []
    if crossing:
        nacl_check(walk, subnet, state, "inbound", steps)
        walk.hop("subnet", subnet.name, subnet.aws_id, state, steps)
    for component in base.owners():
        owner = component.owner(walk, subnet, state.dst)
        if owner is not None:
            component.arrive(walk, owner, subnet, state)
            return
    detail = f"no network interface in subnet {subnet.name} has address {ip(state.dst)}"
    walk.stop(Disposition.NEIGHBOR_UNREACHABLE, Code.DESTINATION_ADDRESS_UNASSIGNED, subnet.name, detail, subnet.loc)


class SubnetComponent(Component[None]):
    kind = "subnet"

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        d = net.design
        for s in d.subnets.values():
            key = ("subnet", s.name)
            g.add_node(key, kind="subnet", name=s.name, aws_id=s.aws_id, location=str(s.loc) if s.loc else None,
                       cidr=str(s.cidr), az=s.az, route_table=s.route_table, network_acl=s.network_acl,
                       **base.drawn(f"{s.name}\n{s.cidr}", vpc=s.vpc, subnet=s.name))
            g.add_edge(key, ("vpc_router", s.vpc), relation="uplink")
            g.add_edge(("vpc_router", s.vpc), key, relation="local", prefix=str(s.cidr))
        # Routes: from each subnet to the component its table's routes point at.
        for s in d.subnets.values():
            table = d.route_tables.get(s.route_table)
            if table is None:
                continue
            for r in table.routes:
                component = base.for_route(r)
                node = component.route_node(net, r) if component is not None else None
                if node is None:
                    continue
                g.add_edge(("subnet", s.name), node, relation="route", route_table=table.name,
                           prefix=r.describe_destination(), blackhole=r.blackhole)


COMPONENT = base.register(SubnetComponent())
