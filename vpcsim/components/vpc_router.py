"""VPC router: where a packet injected at a VPC is delivered (the local route itself is `subnet.local`),
and the Amazon-provided services it answers for (DNS, DHCP, instance metadata, time), which no
network ACL or security group filters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import vpcsim.facts as facts
from vpcsim.components import base, subnet
from vpcsim.components.base import Component, State, Walk, ip
from vpcsim.model import Interface, Vpc, ip_to_int, parse_ip
from vpcsim.records import record
from vpcsim.results import Action, Code, Disposition, PortRanges, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork


@record
class Service:
    """An Amazon-provided service an interface reaches at a reserved or link-local address."""

    name: str
    addr: int
    needs_dns_support: bool = False  # the Route 53 Resolver answers only with enableDnsSupport


_METADATA = ip_to_int(facts.INSTANCE_METADATA)
_TIME_SYNC = ip_to_int(facts.TIME_SYNC)
_DNS_LINK_LOCAL = ip_to_int(facts.AMAZON_DNS_LINK_LOCAL)
_ECS_METADATA = ip_to_int(facts.ECS_TASK_METADATA)
_WINDOWS_ACTIVATION = frozenset(ip_to_int(a) for a in facts.WINDOWS_ACTIVATION)
# The same services' IPv6 addresses (Nitro instances; facts).
_DNS6 = parse_ip(facts.AMAZON_DNS_IPV6)
_METADATA6 = parse_ip(facts.INSTANCE_METADATA_IPV6)
_TIME_SYNC6 = parse_ip(facts.TIME_SYNC_IPV6)
RESOLVER = "the Route 53 Resolver (AmazonProvidedDNS)"


def resolver_address(vpc: Vpc) -> int | None:
    """The Route 53 Resolver's address in `vpc`: its primary CIDR's base + 2."""
    return vpc.cidrs[0].first + facts.AMAZON_DNS_OFFSET if vpc.cidrs else None


class _Addresses(frozenset[int]):
    """Every address an Amazon-provided service may answer at in one network."""


def _service_addresses(net: CompiledNetwork) -> _Addresses:
    def make() -> _Addresses:
        d = net.design
        fixed = {_METADATA, _TIME_SYNC, _DNS_LINK_LOCAL, _ECS_METADATA, *_WINDOWS_ACTIVATION, _DNS6, _METADATA6,
                 _TIME_SYNC6}
        resolvers = {a for vpc in d.vpcs.values() if (a := resolver_address(vpc)) is not None}
        routers = {s.cidr.first + facts.VPC_ROUTER_OFFSET for s in d.subnets.values()}
        return _Addresses(fixed | resolvers | routers)

    return net.derived(_Addresses, "amazon services", make)


def service_addresses(net: CompiledNetwork) -> frozenset[int]:
    """Every address an Amazon-provided service may answer at (batch singles each one out)."""
    return _service_addresses(net)


def service_at(net: CompiledNetwork, eni: Interface, addr: int, proto: int, ports: PortRanges) -> Service | None:
    """The Amazon-provided service `eni` reaches at `addr` (its own VPC's), or None.

    `ports` are the service's side: the destination ports going, the source ports coming back.
    """
    if addr not in _service_addresses(net):
        return None  # the walk asks at every send: most packets go nowhere near a service
    if addr in (_METADATA, _METADATA6):
        return Service("the instance metadata service", addr)
    if addr in (_TIME_SYNC, _TIME_SYNC6):
        return Service("the Amazon Time Sync Service", addr)
    if addr == _ECS_METADATA:
        return Service("the ECS task metadata endpoint", addr)
    if addr in _WINDOWS_ACTIVATION:
        return Service("Windows license activation", addr)
    home = net.design.subnets.get(eni.subnet)
    vpc = net.design.vpcs.get(home.vpc) if home is not None else None
    if home is None or vpc is None:
        return None
    if addr in (_DNS_LINK_LOCAL, _DNS6) or addr == resolver_address(vpc):
        return Service(RESOLVER, addr, needs_dns_support=True)
    if (addr == home.cidr.first + facts.VPC_ROUTER_OFFSET and proto == 17
            and ports == ((facts.DHCP_SERVER_PORT, facts.DHCP_SERVER_PORT),)):
        return Service("DHCP (the VPC router)", addr)
    return None


def not_filtered(service: Service) -> str:
    return (f"{service.name} at {ip(service.addr)}, an Amazon-provided service: network ACLs and security "
            f"groups do not filter traffic to or from it ({facts.NACL_NOT_FILTERED_DOC})")


def to_service(walk: Walk, eni: Interface, service: Service, state: State) -> None:
    """`eni`'s packet reaches an Amazon-provided service: answered, past every filter (or not at all)."""
    net = walk.net
    vpc = net.design.vpcs[net.design.subnets[eni.subnet].vpc]
    steps: list[Step] = []
    if service.needs_dns_support and not vpc.enable_dns_support:
        where = vpc.attribute_locs.get("enable_dns_support", vpc.loc)
        detail = (f"{service.name} at {ip(service.addr)} does not answer: vpc {vpc.name} has "
                  f"enable_dns_support: false ({facts.AMAZON_DNS_DOC})")
        steps.append(Step(StepKind.DELIVER, Action.DROP, detail, vpc.name, location=where))
        walk.hop("vpc_router", vpc.name, vpc.aws_id, state, steps)
        walk.stop(Disposition.NEIGHBOR_UNREACHABLE, Code.DESTINATION_ADDRESS_UNASSIGNED, vpc.name, detail, where)
        return
    steps.append(Step(StepKind.DELIVER, Action.ACCEPT, f"answered by {not_filtered(service)}", vpc.name))
    walk.hop("vpc_router", vpc.name, vpc.aws_id, state, steps)
    walk.leg.disposition = Disposition.ACCEPTED
    walk.leg.end_state = state


def inject(walk: Walk, vpc: Vpc, state: State) -> None:
    """A packet injected at the VPC router (trace_packet): it only delivers locally."""
    if walk.net.subnet_in_vpc(vpc.name, state.dst) is not None or any(c.contains(state.dst) for c in vpc.cidrs):
        subnet.local(walk, vpc, state)
        return
    walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
    detail = f"{ip(state.dst)} is outside vpc {vpc.name}'s CIDRs; its router only delivers locally"
    walk.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, vpc.name, detail, vpc.loc)


class VpcRouter(Component[None]):
    kind = "vpc_router"

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for vpc in net.design.vpcs.values():
            g.add_node((self.kind, vpc.name), kind=self.kind, name=vpc.name, aws_id=vpc.aws_id,
                       location=str(vpc.loc) if vpc.loc else None, cidrs=[str(c) for c in vpc.cidrs],
                       **base.drawn(f"vpc {vpc.name} router\n{', '.join(str(c) for c in vpc.cidrs)}", "octagon",
                                    vpc=vpc.name, anchor=True))


COMPONENT = base.register(VpcRouter())
