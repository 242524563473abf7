"""Graph: a compiled Network -> a networkx MultiDiGraph of its components (see docs/graph.md).

Nodes are `(kind, name)` tuples with attributes `kind`, `name`, `aws_id`, `location`; edges carry
`relation` (what links the two) and, for routes, the prefix and the design route. The tracing
engine does not walk this graph (it uses the compiled lookup tables); analyses and diagrams do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from vpcsim.compile import Network

INTERNET = ("internet", "internet")


def build_graph(net: Network) -> nx.MultiDiGraph:
    d = net.design
    g = nx.MultiDiGraph(name=d.file, region=d.region)

    def node(kind: str, name: str, aws_id: str | None = None, loc: object = None, **attrs: object) -> tuple[str, str]:
        key = (kind, name)
        g.add_node(key, kind=kind, name=name, aws_id=aws_id, location=str(loc) if loc else None, **attrs)
        return key

    node("internet", "internet")
    for vpc in d.vpcs.values():
        node("vpc_router", vpc.name, vpc.aws_id, vpc.loc, cidrs=[str(c) for c in vpc.cidrs])
    for subnet in d.subnets.values():
        s = node("subnet", subnet.name, subnet.aws_id, subnet.loc, cidr=str(subnet.cidr), az=subnet.az,
                 route_table=subnet.route_table, network_acl=subnet.network_acl)
        v = ("vpc_router", subnet.vpc)
        g.add_edge(s, v, relation="uplink")
        g.add_edge(v, s, relation="local", prefix=str(subnet.cidr))
    for igw in d.internet_gateways.values():
        i = node("internet_gateway", igw.name, igw.aws_id, igw.loc)
        g.add_edge(("vpc_router", igw.vpc), i, relation="attachment")
        g.add_edge(i, ("vpc_router", igw.vpc), relation="attachment")
        g.add_edge(i, INTERNET, relation="internet")
        g.add_edge(INTERNET, i, relation="internet")
    for nat in d.nat_gateways.values():
        n = node("nat_gateway", nat.name, nat.aws_id, nat.loc, public=nat.public)
        g.add_edge(("subnet", nat.subnet), n, relation="member")
        g.add_edge(n, ("subnet", nat.subnet), relation="member")
    for pcx in d.peerings.values():
        p = node("peering", pcx.name, pcx.aws_id, pcx.loc, status=pcx.status)
        for vpc_name in (pcx.requester, pcx.accepter):
            g.add_edge(("vpc_router", vpc_name), p, relation="peering")
            g.add_edge(p, ("vpc_router", vpc_name), relation="peering")
    for eni in d.interfaces.values():
        e = node("eni", eni.name, eni.aws_id, eni.loc, instance=eni.instance,
                 security_groups=list(eni.security_groups), source_dest_check=eni.source_dest_check)
        g.add_edge(e, ("subnet", eni.subnet), relation="member")
        g.add_edge(("subnet", eni.subnet), e, relation="member")
    for item in d.unsupported.values():
        node("unsupported", item.name, item.aws_id, item.loc, component=item.kind)
    # Routes: from each subnet to the component its table's routes point at.
    targets = {
        "internet_gateway": "internet_gateway",
        "nat_gateway": "nat_gateway",
        "peering": "peering",
        "interface": "eni",
        "unsupported": "unsupported",
    }
    for subnet in d.subnets.values():
        table = d.route_tables.get(subnet.route_table)
        if table is None:
            continue
        for route in table.routes:
            kind = route.target_kind.value
            target_name = route.target
            if kind == "instance" and target_name is not None and target_name in d.instances \
                    and d.instances[target_name].interfaces:
                kind, target_name = "interface", d.instances[target_name].interfaces[0]
            if kind not in targets or target_name is None:
                continue
            g.add_edge(("subnet", subnet.name), (targets[kind], target_name), relation="route",
                       route_table=table.name, prefix=route.describe_destination(), blackhole=route.blackhole)
    return g
