"""VPC router: the local route. It delivers into whichever of its VPC's subnets holds the address."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsim.components import base, subnet
from vpcsim.components.base import Component, State, Walk, ip
from vpcsim.model import Vpc
from vpcsim.results import Code, Disposition

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork


def local(walk: Walk, vpc: Vpc, state: State) -> None:
    """The local route: into the subnet of `vpc` that holds `state.dst`."""
    walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
    target = walk.net.subnet_in_vpc(vpc.name, state.dst)
    if target is None:
        detail = f"{ip(state.dst)} is in vpc {vpc.name}'s CIDR but in none of its subnets"
        walk.stop(Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION, vpc.name, detail, vpc.loc)
        return
    subnet.deliver(walk, target, state, crossing=True)


def inject(walk: Walk, vpc: Vpc, state: State) -> None:
    """A packet injected at the VPC router (trace_packet): it only delivers locally."""
    if walk.net.subnet_in_vpc(vpc.name, state.dst) is not None or any(c.contains(state.dst) for c in vpc.cidrs):
        local(walk, vpc, state)
        return
    walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
    detail = f"{ip(state.dst)} is outside vpc {vpc.name}'s CIDRs; its router only delivers locally"
    walk.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, vpc.name, detail, vpc.loc)


class VpcRouter(Component[None]):
    kind = "vpc_router"

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for vpc in net.design.vpcs.values():
            g.add_node((self.kind, vpc.name), kind=self.kind, name=vpc.name, aws_id=vpc.aws_id,
                       location=str(vpc.loc) if vpc.loc else None, cidrs=[str(c) for c in vpc.cidrs])


COMPONENT = base.register(VpcRouter())
