"""VPC peering: carries traffic between two VPCs' own CIDRs, no further (no transitive routing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsim.components import base, subnet
from vpcsim.components.base import Component, State, Walk, ip
from vpcsim.errors import Diagnostic, Location, Severity
from vpcsim.importers import mapping
from vpcsim.loader import extensions
from vpcsim.loader.validate import first_overlap, where
from vpcsim.model import Design, Subnet, TargetKind
from vpcsim.results import Code, Disposition

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork, RouteEntry
    from vpcsim.importers.aws import Importer


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



# -- validation -------------------------------------------------------------------------------

# Peerings in these states no longer exist as far as AWS's per-pair rules are concerned
# (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-lifecycle).
DEAD_STATES = frozenset({"rejected", "expired", "failed", "deleted", "deleting"})


def _vpcs(design: Design, name: str) -> tuple[str, ...] | None:
    peering = design.peerings.get(name)
    return (peering.requester, peering.accepter) if peering else None


def pair_rules(design: Design) -> list[Diagnostic]:
    """One peering per pair of VPCs, and no overlapping CIDRs between them
    (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html#vpc-peering-limitations)."""
    out = []
    pairs: dict[frozenset[str], str] = {}
    for peering in design.peerings.values():
        if peering.status in DEAD_STATES:
            continue
        what = f"peering {peering.name}"
        a = design.vpcs.get(peering.requester)
        b = design.vpcs.get(peering.accepter)
        if a is None or b is None or a.name == b.name:
            continue
        earlier = pairs.setdefault(frozenset((a.name, b.name)), peering.name)
        if earlier != peering.name:
            out.append(Diagnostic(
                Severity.ERROR, "peering-duplicate",
                f"{what}: vpc {a.name} and vpc {b.name} are already peered by {earlier} "
                f"({where(design.peerings[earlier].loc)}) (expected at most one peering connection per pair of VPCs)",
                peering.loc))
        overlap = first_overlap(a.cidrs, b.cidrs)
        if overlap is not None:
            out.append(Diagnostic(
                Severity.ERROR, "peering-cidr-overlap",
                f"{what}: vpc {a.name}'s CIDR {overlap[0]} overlaps vpc {b.name}'s CIDR {overlap[1]} "
                "(expected peered VPCs to have no overlapping CIDR blocks)",
                peering.loc))
    return out


extensions.register_target(extensions.Target(
    TargetKind.PEERING.value, "peering", _vpcs,
    where=lambda vpc, owners: f"connects vpc {owners[0]} and vpc {owners[1]}, not vpc {vpc}"))
extensions.register_rule("peering", pair_rules)



# -- AWS import: describe-vpc-peering-connections ---------------------------------------------

# Status.Code values (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpcPeeringConnectionStateReason.html).
STATES = ("active", "pending-acceptance", "initiating-request", "provisioning", "rejected", "expired", "failed",
          "deleted", "deleting")
_ELSEWHERE = mapping.UnsupportedKind("vpc_peering", "VPC peering", "VpcPeeringConnectionId")


def _pick(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept: dict[str, mapping.Picked] = {}
    for pcx_id, j in imp.raw["VpcPeeringConnections"].items():
        requester = j.obj("RequesterVpcInfo")
        accepter = j.obj("AccepterVpcInfo")
        status_obj = j.obj("Status")
        status = status_obj.text("Code") if status_obj else None
        what = f"peering {pcx_id}"
        if requester is None or accepter is None:
            j.need("RequesterVpcInfo" if requester is None else "AccepterVpcInfo", what)
            continue
        req_vpc = requester.need("VpcId", what)
        acc_vpc = accepter.need("VpcId", what)
        if status is None:
            imp.error("aws-missing-field", f"{what}: missing Status.Code", j.loc)
            continue
        if status not in STATES:
            imp.error("aws-value", f"{what}: Status.Code {status!r} (expected one of: {', '.join(STATES)})",
                      j.loc_of("Status"))
            continue
        if req_vpc is None or acc_vpc is None:
            continue
        missing = [v for v in (req_vpc, acc_vpc) if v not in imp.vpcs]
        if missing:
            info = requester if req_vpc in missing else accepter
            owner = info.text("OwnerId")
            where_ = f"vpc {missing[0]}" + (f" (account {owner})" if owner else "")
            if status == "active":
                # Traffic over it leaves the modelled network: a trace should stop there.
                imp.add_unsupported(pcx_id, _ELSEWHERE, j, note=f"peers with {where_}, which is not in the snapshot")
            else:
                # "A route over a connection that is not active behaves as a blackhole."
                imp.skip(pcx_id, f"a {status} peering with {where_}, which is not in the snapshot", "aws-orphan",
                         f"{what} is {status} and its {where_} is not in the snapshot (skipped)", j.loc)
            continue
        kept[pcx_id] = mapping.Picked(j, names.take(j.name_tag(), pcx_id))
        if status == "active":
            imp.active_pairs.add(frozenset((req_vpc, acc_vpc)))
    return kept


def _body(imp: Importer, peering: mapping.Picked) -> dict[str, object]:
    j = peering.j
    requester = j.obj("RequesterVpcInfo")
    accepter = j.obj("AccepterVpcInfo")
    status = j.obj("Status")
    body: dict[str, object] = {
        "aws_id": j.text("VpcPeeringConnectionId"),
        "requester": imp.vpcs[(requester.text("VpcId") if requester else None) or ""].name,
        "accepter": imp.vpcs[(accepter.text("VpcId") if accepter else None) or ""].name,
    }
    code = status.text("Code") if status else "active"
    if code != "active":
        body["status"] = code  # kept with its status: a route over it behaves as a blackhole
    imp.at(body, j.loc)
    return body


def _essence(data: dict[str, object]) -> object:
    """Both accounts of a cross-account peering list it, each with its own view: the VPCs and the
    status must agree, the rest (tags, options) may not."""
    views = [data.get(side) for side in ("RequesterVpcInfo", "AccepterVpcInfo")]
    status = data.get("Status")
    return ([v.get("VpcId") if isinstance(v, dict) else None for v in views],
            status.get("Code") if isinstance(status, dict) else None)


mapping.register(mapping.AwsMapping("VpcPeeringConnections", "peerings", TargetKind.PEERING.value, "VpcPeeringConnectionId",
                            "pcx-", "VPC peering connection", "VpcPeeringConnectionId", _pick, _body, rank=30,
                            kind="vpc_peering", essence=_essence))


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
                       location=str(pcx.loc) if pcx.loc else None, status=pcx.status,
                       **base.drawn(f"peering {pcx.name}\n{pcx.status}", "diamond"))
            for vpc_name in (pcx.requester, pcx.accepter):
                g.add_edge(("vpc_router", vpc_name), key, relation="peering")
                g.add_edge(key, ("vpc_router", vpc_name), relation="peering")


COMPONENT = base.register(Peering())
