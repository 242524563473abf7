"""Internet gateway: 1:1 NAT between a VPC's private addresses and their public or Elastic IPs.

Out: the source's public IP replaces its private one, or the packet is dropped (no public IP;
a private NAT gateway's traffic). In: a public IP of the VPC becomes its private address, and the
VPC router delivers it (aws-semantics.md, "Internet gateway").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import vpcsim.ip_ranges as ip_ranges
from vpcsim.compile import is_private
from vpcsim.components import appliance, base, subnet
from vpcsim.components.base import Component, State, Walk, ip, reply_matches
from vpcsim.errors import Diagnostic, Location, Severity
from vpcsim.importers import mapping
from vpcsim.loader import extensions
from vpcsim.loader.validate import where
from vpcsim.model import IPV4_MAX, Design, Subnet, TargetKind
from vpcsim.results import Action, Code, Disposition, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork, RouteEntry
    from vpcsim.importers.aws import Importer


# Other ways IPv6 traffic from the internet may enter a VPC (the egress-only internet gateway
# registers one): each answers whether it took the packet. Asked before the internet gateway.
_IPV6_ENTRIES: list[Callable[[Walk, str, State], bool]] = []


def register_ipv6_entry(entry: Callable[[Walk, str, State], bool]) -> None:
    _IPV6_ENTRIES.append(entry)


def egress(walk: Walk, vpc: str, igw_name: str, state: State) -> None:
    net = walk.net
    igw = net.design.internet_gateways[igw_name]
    steps: list[Step] = []
    if state.src > IPV4_MAX:
        # IPv6: no NAT; the interface's address is global and leaves as it is
        # (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html).
        steps.append(Step(StepKind.CHECK, Action.ALLOW,
                          f"IPv6: no translation, {ip(state.src)} is a global address", igw.name))
        walk.hop("internet_gateway", igw.name, igw.aws_id, state, steps)
        state.sender = None
        to_internet(walk, state)
        return
    before = state.packet()
    eni, nat = net.owner_in_vpc(vpc, state.src)
    public: int | None = None
    if eni is not None and net.interface_vpc(eni) == vpc and eni.public_for(state.src) is not None:
        # 1:1 NAT per private IP: the address the packet leaves from must have its own public IP
        # (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/MultipleIP.html).
        public = eni.public_for(state.src)
    elif nat is not None and nat.elastic_ip is not None and net.design.subnets[nat.subnet].vpc == vpc:
        public = nat.elastic_ip
    elif nat is not None and not nat.public:
        detail = f"private NAT gateway {nat.name} cannot send to the internet gateway {igw.name}"
        walk.hop("internet_gateway", igw.name, igw.aws_id, state, steps)
        walk.stop(Disposition.DENIED_OUT, Code.NGW_PRIVATE_TO_INTERNET, nat.name, detail, nat.loc)
        return
    if public is None:
        owner = eni.name if eni else ip(state.src)
        detail = (
            f"{owner} ({ip(state.src)}) has no public or Elastic IP, so internet gateway "
            f"{igw.name} drops its traffic"
        )
        steps.append(Step(StepKind.TRANSLATE, Action.DROP, detail, igw.name))
        walk.hop("internet_gateway", igw.name, igw.aws_id, state, steps)
        walk.stop(Disposition.DENIED_OUT, Code.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS, owner, detail,
                  eni.loc if eni else igw.loc)
        return
    state.src = public
    after = state.packet()
    steps.append(Step(StepKind.TRANSLATE, Action.TRANSLATE, f"source NAT {before.src} -> {ip(public)} (1:1 public IP)",
                      igw.name, before=before, after=after))
    walk.hop("internet_gateway", igw.name, igw.aws_id, state, steps)
    state.sender = None
    to_internet(walk, state)


def ingress(walk: Walk, vpc: str, state: State) -> None:
    net = walk.net
    igw = net.igw_by_vpc[vpc]
    before = state.packet()
    eni = net.eni_by_public.get(state.dst)
    nat = net.nat_by_public.get(state.dst)
    steps: list[Step] = []
    private = eni.private_for(state.dst) if eni is not None else None
    if state.dst > IPV4_MAX:
        steps.append(Step(StepKind.CHECK, Action.ALLOW,
                          f"IPv6: no translation, {ip(state.dst)} is a global address of vpc {vpc}", igw.name))
        enter(walk, vpc, igw.name, igw.aws_id, "internet_gateway", state, steps)
        return
    if eni is not None and private is not None and net.interface_vpc(eni) == vpc:
        state.dst = private  # the private IP this public or Elastic IP is bound to
    elif nat is not None:
        state.dst = nat.private_for(state.dst)
    else:
        detail = f"{ip(state.dst)} is not a public IP of vpc {vpc}"
        walk.hop("internet_gateway", igw.name, igw.aws_id, state, steps)
        walk.stop(Disposition.DENIED_IN, Code.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS, igw.name, detail, igw.loc)
        return
    after = state.packet()
    steps.append(Step(StepKind.TRANSLATE, Action.TRANSLATE,
                      f"destination NAT {before.dst} -> {ip(state.dst)} (1:1 public IP)", igw.name,
                      before=before, after=after))
    enter(walk, vpc, igw.name, igw.aws_id, "internet_gateway", state, steps)


def enter(walk: Walk, vpc: str, gateway: str, aws_id: str | None, kind: str, state: State, steps: list[Step]) -> None:
    """Into `vpc` through a gateway (its hop still to record, with `steps`): by the gateway's route
    table when one is edge-associated with it, else by the VPC router to the subnet of the address."""
    net = walk.net
    igw_name, igw_id = gateway, aws_id
    table_name = net.edge_tables.get(gateway)
    if table_name is not None:
        # Ingress routing: the gateway route table decides where traffic entering the VPC goes.
        entry = net.routes(table_name).lookup(state.dst)
        table = net.design.route_tables[table_name]
        if entry is not None and entry.route is not None:
            chosen = entry.describe()
            route_loc = entry.route.loc
            steps.append(Step(StepKind.ROUTE, Action.FORWARD,
                              f"gateway route table {table.name} (edge association with {igw_name}): {chosen} "
                              f"(longest prefix match for {ip(state.dst)})", table.name, chosen, route_loc,
                              net.routes(table_name).considered(state.dst)))
            walk.hop(kind, igw_name, igw_id, state, steps)
            state.sender = None
            walk.routes_taken.append((table.name, chosen, route_loc))
            _edge_route(walk, vpc, entry, state, route_loc)
            return
    walk.hop(kind, igw_name, igw_id, state, steps)
    state.sender = None
    vpc_model = net.design.vpcs[vpc]
    walk.hop("vpc_router", vpc_model.name, vpc_model.aws_id, state, [])
    target = net.subnet_in_vpc(vpc, state.dst)
    if target is None:
        walk.stop(Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION, vpc, "no subnet holds the address", None)
        return
    subnet.deliver(walk, target, state, crossing=True)


def _edge_route(walk: Walk, vpc: str, entry: RouteEntry, state: State, route_loc: Location) -> None:
    """A gateway route table's route: to an appliance's interface (or an endpoint vpcsim does not simulate)."""
    net = walk.net
    vpc_model = net.design.vpcs[vpc]
    route_model = entry.route
    assert route_model is not None
    if route_model.blackhole:
        detail = f"route {entry.describe()} is a blackhole: packets matching it are dropped"
        walk.stop(Disposition.NULL_ROUTED, Code.BAD_STATE_ROUTE, vpc, detail, route_loc)
        return
    found = appliance.route_eni(net, route_model)
    if found is not None:
        walk.hop("vpc_router", vpc_model.name, vpc_model.aws_id, state, [])
        appliance.forward(walk, found, None, state)
        return
    component = base.for_route(route_model)
    target = net.subnet_in_vpc(vpc, state.dst) or next(iter(net.subnets_by_vpc.get(vpc, ())), None)
    if component is None or target is None:
        walk.stop(Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION, vpc, "no subnet holds the address", None)
        return
    component.via_route(walk, entry, target, state, route_loc)


def to_internet(walk: Walk, state: State) -> None:
    """A packet that left through an internet gateway, addressed to `state.dst`."""
    net = walk.net
    if net.eni_by_public.get(state.dst) is not None or net.nat_by_public.get(state.dst) is not None or (
            state.dst > IPV4_MAX and net.vpc_of(state.dst) is not None):
        # A public IP (or a global IPv6 address) of this design: out to the internet and back in.
        from_internet(walk, state)
        return
    if is_private(state.dst):
        walk.hop("internet", "internet", None, state, [])
        detail = f"{ip(state.dst)} is a private address; the internet does not route it"
        walk.stop(Disposition.NULL_ROUTED, Code.NO_PATH, "internet", detail, None)
        return
    steps: list[Step] = []
    if walk.returning:
        if not reply_matches(walk, state, steps, "internet"):
            walk.hop("internet", "internet", None, state, steps)
            return
        if walk.target.eni is not None:
            detail = f"the reply leaves to the internet instead of reaching {walk.target.label}"
            walk.hop("internet", "internet", None, state, steps)
            walk.stop(Disposition.EXITS_NETWORK, Code.RETURN_PATH_ASYMMETRIC, "internet", detail, None)
            return
    steps.append(Step(StepKind.DELIVER, Action.EXIT, f"leaves for the internet ({ip(state.dst)})", "internet"))
    walk.hop("internet", "internet", None, state, steps)
    walk.leg.disposition = Disposition.EXITS_NETWORK
    walk.leg.end_state = state


def from_internet(walk: Walk, state: State) -> None:
    """A packet from the internet to `state.dst`: in through the internet gateway of the VPC that owns it."""
    net = walk.net
    walk.hop("internet", "internet", None, state, [])
    if state.dst > IPV4_MAX:
        _from_internet6(walk, state)
        return
    eni = net.eni_by_public.get(state.dst)
    nat = net.nat_by_public.get(state.dst)
    vpc = net.interface_vpc(eni) if eni else (net.design.subnets[nat.subnet].vpc if nat else None)
    if vpc is None:
        target = walk.target.eni
        if is_private(state.dst) or net.vpc_of(state.dst) is not None:
            detail = (
                f"{ip(state.dst)} is a private address; the internet cannot reach it"
                + (f" ({walk.target.label} has no public IP)" if target is not None else "")
            )
            walk.stop(Disposition.NULL_ROUTED, Code.NO_PATH, "internet", detail, target.loc if target else None)
        elif (prefix := ip_ranges.current().find(state.dst, ("EC2",))) is not None:
            # AWS's own address space (EC2 public and Elastic IPs), held by nothing of the design:
            # it reaches no VPC here (Batfish's AWS backbone null-routes it too).
            detail = (f"{ip(state.dst)} is AWS address space ({prefix.service} {prefix.region}, {prefix.cidr} in "
                      f"{ip_ranges.current().describe()}) that no resource of this design holds: it reaches no "
                      "VPC here")
            walk.stop(Disposition.NULL_ROUTED, Code.DESTINATION_ADDRESS_UNASSIGNED, "internet", detail, None)
        else:
            detail = f"{ip(state.dst)} is no public IP of this design"
            walk.stop(Disposition.NO_ROUTE, Code.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS, "internet", detail, None)
        return
    if vpc not in net.igw_by_vpc:
        detail = f"vpc {vpc} has no internet gateway, so its public IP {ip(state.dst)} is unreachable"
        walk.stop(Disposition.NO_ROUTE, Code.NO_PATH, vpc, detail, net.design.vpcs[vpc].loc)
        return
    ingress(walk, vpc, state)


def _from_internet6(walk: Walk, state: State) -> None:
    """IPv6 from the internet: to the VPC whose IPv6 block holds the address, in by its internet
    gateway (or by a registered entry: an egress-only gateway's session)."""
    net = walk.net
    vpc = net.vpc_of(state.dst)
    if vpc is None or is_private(state.dst):
        target = walk.target.eni
        what = "not a global address" if is_private(state.dst) else "in no IPv6 block of this design"
        detail = f"{ip(state.dst)} is {what}; the internet does not route it here"
        walk.stop(Disposition.NO_ROUTE, Code.NO_PATH, "internet", detail, target.loc if target else None)
        return
    for entry in _IPV6_ENTRIES:
        if entry(walk, vpc, state):
            return
    if vpc not in net.igw_by_vpc:
        detail = f"vpc {vpc} has no internet gateway, so its IPv6 address {ip(state.dst)} is unreachable"
        walk.stop(Disposition.NO_ROUTE, Code.NO_PATH, vpc, detail, net.design.vpcs[vpc].loc)
        return
    ingress(walk, vpc, state)


# -- validation -------------------------------------------------------------------------------


def _vpcs(design: Design, name: str) -> tuple[str, ...] | None:
    igw = design.internet_gateways.get(name)
    return (igw.vpc,) if igw else None


def one_per_vpc(design: Design) -> list[Diagnostic]:
    """A VPC has at most one internet gateway attached
    (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html)."""
    out = []
    first: dict[str, str] = {}
    for igw in design.internet_gateways.values():
        if igw.vpc not in design.vpcs:
            continue
        earlier = first.setdefault(igw.vpc, igw.name)
        if earlier != igw.name:
            out.append(Diagnostic(
                Severity.ERROR, "igw-multiple",
                f"internet gateway {igw.name}: vpc {igw.vpc} already has internet gateway {earlier} "
                f"({where(design.internet_gateways[earlier].loc)}) (expected at most one internet gateway per VPC)",
                igw.loc))
    return out


extensions.register_target(extensions.Target(
    TargetKind.INTERNET_GATEWAY.value, "internet gateway", _vpcs,
    where=lambda vpc, owners: f"is attached to vpc {owners[0]}"))
extensions.register_rule("internet_gateway", one_per_vpc)


# -- AWS import: describe-internet-gateways ---------------------------------------------------


def _pick(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept: dict[str, mapping.Picked] = {}
    for igw_id, j in imp.raw["InternetGateways"].items():
        attached = [
            a.text("VpcId") for a in j.objs("Attachments")
            if a.text("State") in (None, "available", "attached") and a.text("VpcId")
        ]
        if not attached:
            imp.skip(igw_id, "detached from every VPC", "aws-detached",
                     f"internet gateway {igw_id} is not attached to a VPC (skipped)", j.loc)
            continue
        vpc_id = attached[0]
        if vpc_id not in imp.vpcs:
            imp.skip(igw_id, f"attached to vpc {vpc_id}, which is not in the snapshot", "aws-orphan",
                     f"internet gateway {igw_id}: its vpc {vpc_id} is not in the snapshot (skipped)", j.loc)
            continue
        kept[igw_id] = mapping.Picked(j, names.take(j.name_tag(), igw_id), vpc_id)
    return kept


def _body(imp: Importer, igw: mapping.Picked) -> dict[str, object]:
    body: dict[str, object] = {"aws_id": igw.j.text("InternetGatewayId"), "vpc": imp.vpcs[igw.vpc_id or ""].name}
    imp.at(body, igw.j.loc)
    return body


mapping.register(mapping.AwsMapping("InternetGateways", "internet_gateways", TargetKind.INTERNET_GATEWAY.value,
                            "GatewayId", "igw-", "internet gateway", "InternetGatewayId", _pick, _body, rank=10))


class InternetGateway(Component[None]):
    kind = "internet_gateway"
    targets = (TargetKind.INTERNET_GATEWAY,)

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        vpc = walk.net.design.vpcs[from_subnet.vpc]
        walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
        egress(walk, vpc.name, entry.route.target if entry.route and entry.route.target else "", state)

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for igw in net.design.internet_gateways.values():
            key = (self.kind, igw.name)
            g.add_node(key, kind=self.kind, name=igw.name, aws_id=igw.aws_id, location=str(igw.loc) if igw.loc else None,
                       **base.drawn(f"internet gateway\n{igw.name}", "hexagon", vpc=igw.vpc))
            g.add_edge(("vpc_router", igw.vpc), key, relation="attachment")
            g.add_edge(key, ("vpc_router", igw.vpc), relation="attachment")
            g.add_edge(key, ("internet", "internet"), relation="internet")
            g.add_edge(("internet", "internet"), key, relation="internet")
            # Ingress routing: the routes of its gateway route table, from the gateway itself.
            table = net.design.route_tables.get(net.edge_tables.get(igw.name, ""))
            for r in table.routes if table is not None else ():
                component = base.for_route(r)
                node = component.route_node(net, r) if component is not None else None
                if node is not None:
                    g.add_edge(key, node, relation="route", route_table=table.name if table else "",
                               prefix=r.describe_destination(), blackhole=r.blackhole)


COMPONENT = base.register(InternetGateway())
