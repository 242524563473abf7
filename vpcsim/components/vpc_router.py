"""VPC router: where a packet injected at a VPC is delivered (the local route itself is `subnet.local`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsim.components import base, subnet
from vpcsim.components.base import Component, State, Walk, ip
from vpcsim.model import Vpc
from vpcsim.results import Code, Disposition

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork


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
                       location=str(vpc.loc) if vpc.loc else None, cidrs=[str(c) for c in vpc.cidrs])


COMPONENT = base.register(VpcRouter())
