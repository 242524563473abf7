"""Appliance: an instance or interface that a route sends traffic through (a NAT instance, a firewall).

It must have source/destination check off to forward traffic not addressed to it
(https://docs.aws.amazon.com/vpc/latest/userguide/VPC_NAT_Instance.html). Assumption, documented
in docs/trace.md: an appliance that sends traffic on to an internet gateway is a NAT instance and
masquerades it behind its own address; the reply is translated back at the appliance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsim.components import base, subnet
from vpcsim.components import eni as eni_component
from vpcsim.components.base import Component, Session, State, Walk, ip
from vpcsim.errors import Location
from vpcsim.loader import extensions
from vpcsim.model import Design, Interface, Route, Subnet, TargetKind
from vpcsim.results import Action, Code, Disposition, Step, StepKind

if TYPE_CHECKING:
    from vpcsim.compile import CompiledNetwork, RouteEntry


def route_eni(net: CompiledNetwork, route: Route | None) -> Interface | None:
    """The interface a route to an instance or interface sends traffic to."""
    d = net.design
    if route is None or route.target is None:
        return None
    if route.target_kind is TargetKind.INTERFACE:
        return d.interfaces.get(route.target)
    if route.target_kind is TargetKind.INSTANCE and route.target in d.instances:
        names = d.instances[route.target].interfaces
        return d.interfaces.get(names[0]) if names else None
    return None


def forward(walk: Walk, eni: Interface, from_subnet: Subnet, state: State) -> None:
    """Traffic routed through an instance/ENI that forwards it."""
    net = walk.net
    home = net.design.subnets[eni.subnet]
    steps: list[Step] = []
    if home.name != from_subnet.name:
        subnet.nacl_check(walk, home, state, "inbound", steps)
        walk.hop("subnet", home.name, home.aws_id, state, steps)
        steps = []
    name, aws_id = eni_component.label(walk, eni)
    eni_component.check_running(walk, eni, steps, Disposition.DENIED_IN)
    eni_component.sg_check(walk, eni, state, "ingress", steps)
    if eni.source_dest_check and state.dst not in eni.private_ips:
        detail = (
            f"{eni.name} has source/destination check on, so it drops traffic addressed to "
            f"{ip(state.dst)}; turn it off for a NAT instance or appliance"
        )
        steps.append(Step(StepKind.CHECK, Action.DROP, detail, eni.name, location=eni.loc))
        walk.block(Code.ENI_SOURCE_DEST_CHECK_RESTRICTION, eni.name, detail, eni.loc, Disposition.DENIED_IN)
    eni_component.sg_check(walk, eni, state, "egress", steps)
    entry = net.routes(home.route_table).lookup(state.dst)
    if (
        entry is not None
        and entry.route is not None
        and entry.route.target_kind is TargetKind.INTERNET_GATEWAY
        and state.src not in eni.private_ips
    ):
        before = state.packet()
        walk.sessions[eni.primary_ip] = Session(f"eni:{eni.name}", state.src, state.sports)
        walk.eni_sessions.add(eni.name)
        state.src = eni.primary_ip
        after = state.packet()
        steps.append(Step(StepKind.TRANSLATE, Action.TRANSLATE,
                          f"source NAT {before.src} -> {ip(eni.primary_ip)} (NAT instance, assumed)",
                          eni.name, before=before, after=after))
    steps.append(Step(StepKind.FORWARD, Action.FORWARD, f"{eni.name} forwards the packet", eni.name))
    walk.hop("eni", name, aws_id, state, steps)
    state.sender = eni
    subnet.route(walk, home, state)


# -- validation -------------------------------------------------------------------------------


def _interface_vpcs(design: Design, name: str) -> tuple[str, ...] | None:
    eni = design.interfaces.get(name)
    subnet_ = design.subnets.get(eni.subnet) if eni else None
    return (subnet_.vpc,) if subnet_ else None


def _instance_vpcs(design: Design, name: str) -> tuple[str, ...] | None:
    instance = design.instances.get(name)
    if instance is None or not instance.interfaces:
        return None
    return _interface_vpcs(design, instance.interfaces[0])  # routes go to the primary ENI


def _middlebox(design: Design, name: str) -> bool:
    # An appliance may take a route more specific than local: middlebox insertion
    # (https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-middlebox).
    return True


extensions.register_target(extensions.Target(TargetKind.INTERFACE.value, "interface", _interface_vpcs, _middlebox))
extensions.register_target(extensions.Target(TargetKind.INSTANCE.value, "instance", _instance_vpcs, _middlebox))


class Appliance(Component[Interface]):
    kind = "appliance"
    targets = (TargetKind.INSTANCE, TargetKind.INTERFACE)

    def next_subnet(self, net: CompiledNetwork, entry: RouteEntry) -> str | None:
        found = route_eni(net, entry.route)
        return found.subnet if found is not None else None

    def route_node(self, net: CompiledNetwork, route: Route) -> tuple[str, str] | None:
        if route.target is None:
            return None
        if route.target_kind is TargetKind.INSTANCE:
            instance = net.design.instances.get(route.target)
            return ("eni", instance.interfaces[0]) if instance is not None and instance.interfaces else None
        return ("eni", route.target)

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        found = route_eni(walk.net, entry.route)
        if found is None:
            target = entry.route.target if entry.route and entry.route.target else ""
            walk.stop(Disposition.NULL_ROUTED, Code.BAD_STATE_ROUTE, target,
                      f"route target {target} has no network interface", route_loc)
            return
        if found.subnet != from_subnet.name:
            vpc = walk.net.design.vpcs[from_subnet.vpc]
            walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
        forward(walk, found, from_subnet, state)

    def owner(self, walk: Walk, in_subnet: Subnet, addr: int) -> Interface | None:
        # The reply of a flow this appliance translated comes back to it, not to the ENI's owner.
        if not walk.returning or not walk.eni_sessions:
            return None
        found = walk.net.eni_in_subnet(in_subnet.name, addr)
        return found if found is not None and found.name in walk.eni_sessions else None

    def arrive(self, walk: Walk, eni: Interface, in_subnet: Subnet, state: State) -> None:
        session = walk.sessions.get(eni.primary_ip)
        steps: list[Step] = []
        name, aws_id = eni_component.label(walk, eni)
        if session is not None and state.dst == eni.primary_ip:
            before = state.packet()
            state.dst = session.inside_addr
            state.dports = session.inside_ports
            after = state.packet()
            steps.append(Step(StepKind.SESSION, Action.TRANSLATE,
                              f"reply matches the NAT instance's session: destination {before.dst} -> "
                              f"{ip(state.dst)}", eni.name, before=before, after=after))
        walk.hop("eni", name, aws_id, state, steps)
        state.sender = eni
        subnet.route(walk, walk.net.design.subnets[eni.subnet], state)


# Asked before the plain interface: a NAT instance's reply is the appliance's to translate.
COMPONENT = base.register(Appliance(), owner_rank=20)
