"""VPC peering: carries traffic between two VPCs' own CIDRs, no further (no transitive routing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsim.components import base, subnet
from vpcsim.components.base import Component, State, Walk, ip
from vpcsim.errors import Location
from vpcsim.model import Subnet, TargetKind
from vpcsim.results import Code, Disposition

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork, RouteEntry


def cross(walk: Walk, name: str, from_vpc: str, state: State, route_loc: Location) -> None:
    d = walk.net.design
    pcx = d.peerings[name]
    walk.hop("peering", pcx.name, pcx.aws_id, state, [])
    if not pcx.active:
        detail = f"peering {pcx.name} is {pcx.status}, not active: the route behaves as a blackhole"
        walk.stop(Disposition.NULL_ROUTED, Code.BAD_STATE_ROUTE, pcx.name, detail, pcx.loc)
        return
    other = pcx.accepter if pcx.requester == from_vpc else pcx.requester
    peer_vpc = d.vpcs[other]
    if not any(c.contains(state.dst) for c in peer_vpc.cidrs):
        detail = (
            f"{ip(state.dst)} is outside vpc {other}'s CIDRs; a peering only carries traffic to the "
            "peer VPC itself (no transitive or edge-to-edge routing)"
        )
        walk.stop(Disposition.NULL_ROUTED, Code.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR, pcx.name, detail, route_loc)
        return
    walk.hop("vpc_router", peer_vpc.name, peer_vpc.aws_id, state, [])
    target = walk.net.subnet_in_vpc(other, state.dst)
    if target is None:
        detail = f"{ip(state.dst)} is in vpc {other}'s CIDR but in none of its subnets"
        walk.stop(Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION, other, detail, peer_vpc.loc)
        return
    subnet.deliver(walk, target, state, crossing=True)


class Peering(Component[None]):
    kind = "peering"
    targets = (TargetKind.PEERING,)

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        vpc = walk.net.design.vpcs[from_subnet.vpc]
        walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
        cross(walk, entry.route.target if entry.route and entry.route.target else "", vpc.name, state, route_loc)

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for pcx in net.design.peerings.values():
            key = (self.kind, pcx.name)
            g.add_node(key, kind=self.kind, name=pcx.name, aws_id=pcx.aws_id,
                       location=str(pcx.loc) if pcx.loc else None, status=pcx.status)
            for vpc_name in (pcx.requester, pcx.accepter):
                g.add_edge(("vpc_router", vpc_name), key, relation="peering")
                g.add_edge(key, ("vpc_router", vpc_name), relation="peering")


COMPONENT = base.register(Peering())
