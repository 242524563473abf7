"""The internet: where traffic to a public address goes, and where traffic to a design's public IPs comes from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsim.compile import is_private
from vpcsim.components import base, internet_gateway
from vpcsim.components.base import Component, State, Walk, ip, reply_matches
from vpcsim.results import Action, Code, Disposition, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork


def to_internet(walk: Walk, state: State) -> None:
    """A packet that left through an internet gateway, addressed to `state.dst`."""
    net = walk.net
    if net.eni_by_public.get(state.dst) is not None or net.nat_by_public.get(state.dst) is not None:
        # A public IP of this design: out to the internet and back in through its IGW.
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
        else:
            detail = f"{ip(state.dst)} is no public IP of this design"
            walk.stop(Disposition.NO_ROUTE, Code.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS, "internet", detail, None)
        return
    if vpc not in net.igw_by_vpc:
        detail = f"vpc {vpc} has no internet gateway, so its public IP {ip(state.dst)} is unreachable"
        walk.stop(Disposition.NO_ROUTE, Code.NO_PATH, vpc, detail, net.design.vpcs[vpc].loc)
        return
    internet_gateway.ingress(walk, vpc, state)


class Internet(Component[None]):
    kind = "internet"

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        g.add_node(("internet", "internet"), kind="internet", name="internet", aws_id=None, location=None)


COMPONENT = base.register(Internet())
