"""Batfish conformance: map vpcsim's traces onto Batfish's vocabulary (see docs/conformance.md).

The conformance suite (tests/test_conformance.py) replays the flow expectations transcribed
from Batfish's AWS tests. Everything that translates between the two tools lives here, in one
place:

- `batfish_disposition`: a vpcsim trace's verdict in Batfish's words;
- `vpcsim_path` / `batfish_path`: the ordered AWS resource ids a trace visits, in each tool;
- `start_of`: where a Batfish flow starts (`flow.ingress`), as a `vpcsim.trace.trace_packet` start;
- `load_balanced`: a flow to a load balancer node's address, as the one path Batfish traces it;
- `unsupported_reason`: why an expectation needs a component vpcsim does not simulate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from vpcsim.compile import CompiledNetwork
from vpcsim.core import ICMP_PROTOS
from vpcsim.model import int_to_ip, parse_ip
from vpcsim.results import Action, Code, Disposition, Hop, StepKind, TraceResult

# Batfish's modelling artifacts: not AWS resources, so left out of the compared path.
BATFISH_SYNTHETIC_NODES = frozenset({"isp_16509", "internet", "__aws-services-gateway__"})

# vpcsim's hop kinds that are not AWS resources with a Batfish node of their own: the
# internet, and a VPC peering connection (Batfish goes straight from one VPC router to the other).
_PATHLESS_HOP_KINDS = frozenset({"internet", "peering", "transit_gateway_attachment"})

# AWS components vpcsim does not simulate, by the prefix of their Batfish node name.
UNSUPPORTED_NODE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("dxgw-", "Direct Connect gateway"),
    ("onprem-", "on-prem router (VPN / Direct Connect peer)"),
)

# Batfish dispositions, for reference and checks.
BATFISH_DISPOSITIONS = frozenset(
    {
        "ACCEPTED",
        "DENIED_IN",
        "DENIED_OUT",
        "NO_ROUTE",
        "NULL_ROUTED",
        "EXITS_NETWORK",
        "NEIGHBOR_UNREACHABLE",
        "DELIVERED_TO_SUBNET",
        "INSUFFICIENT_INFO",
        "LOOP",
    }
)


# -- verdicts -----------------------------------------------------------------------------------


def stop_index(hops: Sequence[Hop]) -> int:
    """The hop where the packet's fate was decided: the first that denies or drops it, else the last.

    vpcsim walks on past a blocking filter to report every blocker; Batfish stops at the first.
    """
    for index, hop in enumerate(hops):
        if any(step.action in (Action.DENY, Action.DROP) for step in hop.steps):
            return index
    return len(hops) - 1


def batfish_disposition(result: TraceResult) -> str | None:
    """The Batfish disposition of a vpcsim trace's forward leg (None: vpcsim has no verdict).

    Use a forward-only trace (`trace_packet(..., reply=False)`): Batfish judges one direction
    per trace. The table, with the reason for each row, is in docs/conformance.md.
    """
    disposition = result.disposition
    hops = result.forward
    last = hops[stop_index(hops)] if hops else None
    if disposition is Disposition.UNSUPPORTED:
        return None
    if disposition is Disposition.RETURN_BLOCKED:
        # The forward leg arrived; only a bidirectional check can fail on the reply.
        return "EXITS_NETWORK" if last is not None and last.kind == "internet" else "ACCEPTED"
    if disposition is Disposition.DENIED_OUT and last is not None and last.kind == "internet_gateway":
        # The IGW drops what it receives from the VPC (no public IP to translate the source
        # to): Batfish's IGW node denies it on the way in.
        return "DENIED_IN"
    if (
        disposition is Disposition.NO_ROUTE
        and len(hops) == 1
        and hops[0].kind == "internet"
        and any(b.code is Code.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS for b in result.blocked_by)
    ):
        # From the internet to a public address that no component of the design holds: the
        # packet never enters the modelled network; it goes on across the internet.
        return "EXITS_NETWORK"
    return str(disposition.value)


# -- paths --------------------------------------------------------------------------------------


def batfish_names(net: CompiledNetwork) -> dict[str, str]:
    """AWS ids vpcsim's hops carry that Batfish names otherwise: the network interface of an
    interface endpoint is Batfish's node '<vpce-id>-<subnet-id>'."""
    from vpcsim.components import load_balancer, vpc_endpoint

    d = net.design
    out = {}
    for ep in vpc_endpoint.endpoints(d).values():
        for subnet_name, _, eni_id in ep.interfaces:
            subnet = d.subnets.get(subnet_name)
            if eni_id and ep.aws_id and subnet is not None and subnet.aws_id:
                out[eni_id] = f"{ep.aws_id}-{subnet.aws_id}"
    # A load balancer node is Batfish's '<az>-<dns name>'.
    for lb in load_balancer.balancers(d).values():
        for node in lb.nodes:
            subnet = d.subnets.get(node.subnet)
            if node.aws_id and lb.dns_name and subnet is not None:
                out[node.aws_id] = f"{subnet.az}-{lb.dns_name}"
    return out


def load_balanced(net: CompiledNetwork, front: TraceResult, prefer: str | None = None) -> TraceResult:
    """A flow that reaches a load balancer node, as Batfish traces it: one path through the node.

    `front` is the client's trace to the node's address (`trace_packet`). When the node accepts
    it, the result is that leg then the node's connection to one target (`reach.balanced`),
    and the reply is the target's reply to the node then the node's to the client. The target is
    the one whose AWS id is `prefer` (Batfish picks one; its test says either is valid), else the
    first reached. A front that is not at a node, or that the node drops (no listener), is
    returned as it is.
    """
    from vpcsim.components import load_balancer
    from vpcsim.reach.balanced import trace_balanced

    last = front.forward[-1] if front.forward else None
    if last is None or last.kind != "load_balancer" or front.disposition is not Disposition.ACCEPTED:
        return front
    found = load_balancer.index(net).nodes.get(parse_ip(last.packet.dst))  # a dual-stack node: IPv6 too
    if found is None:
        return front
    lb, node = found
    packet = front.forward[0].packet
    src_port = packet.src_ports[0][0] if packet.src_ports and packet.protocol in ("tcp", "udp") else None
    balanced = trace_balanced(net, front.flow.src_ip, lb.name, front.flow.dst_port, front.flow.protocol,
                              src_port=src_port)
    mine = [t for t in balanced.targets if t.node == load_balancer.node_name(lb, node)]
    if not mine:
        blockers = tuple(b for b in balanced.blocked_by if b.component in (lb.name, load_balancer.node_name(lb, node)))
        return replace(front, disposition=Disposition.DENIED_IN, blocked_by=front.blocked_by + blockers)
    chosen = next((t for t in mine if t.leg.forward and t.leg.forward[-1].aws_id == prefer), None) or next(
        (t for t in mine if t.reached), mine[0])
    leg = chosen.leg
    subnet = net.design.subnets[node.subnet]
    disposition = leg.disposition
    if Disposition.RETURN_BLOCKED in (front.disposition, leg.disposition) and leg.disposition.success:
        disposition = Disposition.RETURN_BLOCKED
    health = tuple(b for b in balanced.blocked_by if b.component == chosen.target)
    return replace(
        front,
        disposition=disposition,
        forward=_joined(front.forward, _via_subnet(leg.forward, subnet.name, subnet.aws_id)),
        return_path=_joined(_via_subnet(leg.return_path[::-1], subnet.name, subnet.aws_id)[::-1], front.return_path),
        blocked_by=front.blocked_by + leg.blocked_by + health,
        warnings=front.warnings + leg.warnings,
    )


def _joined(first: Sequence[Hop], then: Sequence[Hop]) -> tuple[Hop, ...]:
    """Two legs that meet at a load balancer node: one hop for the node, with both legs' steps."""
    if first and then and first[-1].aws_id == then[0].aws_id:
        node = first[-1]
        return (*first[:-1], node._replace(steps=node.steps + then[0].steps), *then[1:])
    return (*first, *then)


def _via_subnet(hops: Sequence[Hop], name: str, aws_id: str | None) -> tuple[Hop, ...]:
    """A node's connection to a target of its own subnet passes the subnet: Batfish links a load
    balancer node to its subnet only (vpcsim delivers from the node straight to the target)."""
    if len(hops) >= 2 and hops[0].kind == "load_balancer" and hops[1].kind != "subnet":
        return (hops[0], Hop("subnet", name, aws_id, hops[0].packet), *hops[1:])
    return tuple(hops)


def vpcsim_path(hops: Sequence[Hop], *, truncate: bool = True, names: Mapping[str, str] | None = None) -> list[str]:
    """The AWS ids of the hops, in order, shaped like Batfish's path.

    - `truncate`: stop at the hop that decided the packet's fate (`stop_index`);
    - the internet and VPC peering hops are dropped (no AWS node in Batfish);
    - a NAT gateway's own subnet is dropped on the NAT's private side (before a NAT gateway
      that forwards traffic routed to it; after one that un-translates a reply): vpcsim shows
      it because the subnet's NACL applies there, Batfish links the VPC router to the NAT
      gateway directly (see docs/conformance.md).
    """
    if truncate and hops:
        hops = hops[: stop_index(hops) + 1]
    kinds = [hop.kind for hop in hops] + [""]
    drop: set[int] = set()
    for index, hop in enumerate(hops):
        if hop.kind != "nat_gateway":
            continue
        # A NAT gateway hop with a session step is one the packet was addressed to (a reply it
        # un-translates, or unsolicited traffic it drops); without one, traffic routed through it.
        session = [step for step in hop.steps if step.kind is StepKind.SESSION]
        if not session and index >= 2 and kinds[index - 2 : index] == ["vpc_router", "subnet"]:
            drop.add(index - 1)
        if any(step.action is Action.TRANSLATE for step in session) and kinds[index + 1 : index + 3] == [
            "subnet",
            "vpc_router",
        ]:
            drop.add(index + 1)
    names = names or {}
    return [
        names.get(hop.aws_id, hop.aws_id)
        for index, hop in enumerate(hops)
        if index not in drop and hop.kind not in _PATHLESS_HOP_KINDS and hop.aws_id is not None
    ]


def onprem_router(node: str) -> bool:
    """A Batfish node that is an on-prem router (named by its config file or hostname), not an AWS
    resource: vpcsim's on-prem hop is its network, with no AWS id."""
    return node.endswith(".txt") or node.startswith("onprem-") or node == "onprem-router"


def batfish_path(nodes: Iterable[str]) -> list[str]:
    """Batfish's node names less its modelling artifacts (the AWS backbone, the internet...) and the
    on-prem routers."""
    return [node for node in nodes if node not in BATFISH_SYNTHETIC_NODES and not onprem_router(node)]


# -- flows --------------------------------------------------------------------------------------


def start_of(ingress: str) -> tuple[str, str | None] | None:
    """`flow.ingress` -> (start kind, start name) for `trace_packet`; None when vpcsim cannot start there."""
    if ingress == "internet":
        return "internet", None
    if ingress.startswith("i-"):
        return "instance", ingress
    if ingress.startswith("subnet-"):
        return "subnet", ingress
    if ingress.startswith("vpc-"):
        return "vpc_router", ingress
    if ingress.startswith("vgw-"):  # at the VGW, from its VPN side (components/onprem.py)
        return "endpoint", f"vpn_gateway:{ingress}"
    if ingress.startswith("vpn-") and ingress.endswith(".txt"):  # the router behind that VPN connection
        return "endpoint", f"vpn:{ingress[:-len('.txt')]}"
    return None


def unsupported_node(node: str) -> str | None:
    """What unsimulated component a Batfish node stands for, if any."""
    for prefix, label in UNSUPPORTED_NODE_PREFIXES:
        if node.startswith(prefix):
            return label
    return None


# Expectations that need an unsimulated component that their path does not name.
UNSUPPORTED_CASES: dict[str, str] = {
}


# Expectations whose verdict depends on the on-prem router's own configuration: Batfish loads its
# Cisco config (not in ../shared), and vpcsim does not read the customer's router (it models what
# AWS sees: components/onprem.py).
_ONPREM = "the verdict depends on the on-prem router's own configuration (Batfish loads its Cisco config, "
ONPREM_CONFIG_CASES: dict[str, str] = {
    "vpn-gateway/testToOnPrem": _ONPREM + (
        "configs/vpn-03701a53bba3c48b7.txt, not in ../shared): the default route the VGW learns over BGP "
        "and the router's NO_ROUTE for 8.8.8.8 are both in that config"),
    "vpn-gateway/testInstanceToUnderlayInterfaceIp": _ONPREM + (
        "configs/vpn-03701a53bba3c48b7.txt, not in ../shared): the default route the VGW learns over BGP "
        "and the router's NO_ROUTE are both in that config"),
    "direct-connect-gateway/testFromOnPremToInstance": _ONPREM + (
        "configs/onprem-router.txt, not in ../shared): the router's longest match picks the VPN tunnel "
        "over Direct Connect"),
    "direct-connect-gateway/testFromInstanceToOnPrem": _ONPREM + (
        "configs/onprem-router.txt, not in ../shared): the 10.10.0.0/16 it advertises over Direct "
        "Connect and VPN, and its local preference by BGP community"),
    "direct-connect-private-vif/testFromOnPremHighToInstance": _ONPREM + (
        "configs/onprem-high.txt, not in ../shared): which virtual interface onprem-high sends by is "
        "that config's"),
    "direct-connect-private-vif/testInstanceToOnPremPrefersHighDxCommunity": _ONPREM + (
        "configs/onprem-{high,low}.txt, not in ../shared): the 10.20.0.0/16 both routers advertise and "
        "the BGP communities that rank them"),
}


def unsupported_reason(expectation: Mapping[str, Any]) -> str | None:
    """Why an expectation needs a component vpcsim does not simulate, or the on-prem router's
    configuration (None: it does not)."""
    if expectation.get("id") in ONPREM_CONFIG_CASES:
        return ONPREM_CONFIG_CASES[str(expectation["id"])]
    if expectation.get("id") in UNSUPPORTED_CASES:
        return UNSUPPORTED_CASES[str(expectation["id"])]
    flow = expectation.get("flow") or {}
    expect = expectation.get("expect") or {}
    ingress = str(flow.get("ingress") or "")
    if start_of(ingress) is None:
        what = unsupported_node(ingress) or "a device outside AWS"
        return f"starts at {ingress} ({what}), which vpcsim does not simulate"
    nodes = [*(expect.get("path") or []), *(expect.get("reverse_path") or [])]
    if expect.get("final_node"):
        nodes.append(str(expect["final_node"]))
    needed: dict[str, list[str]] = {}
    for node in nodes:
        label = unsupported_node(node)
        if label is not None and node not in needed.setdefault(label, []):
            needed[label].append(node)
    if needed:
        return "the path goes through " + "; ".join(f"{label} {', '.join(ids)}" for label, ids in needed.items())
    return None


def representative_flows(net: CompiledNetwork, dst_instance: str) -> list[tuple[str, int, int]]:
    """(destination IP, protocol, port) flows that stand for 'any flow' to an instance.

    Every flow accepted at an instance passes one of its security groups' ingress rules, so
    the lowest port of each rule, for each of the instance's private IPs, is a candidate; a few
    common services are added for rules that allow everything.
    """
    d = net.design
    instance = d.instances.get(dst_instance) or next(
        (i for i in d.instances.values() if i.aws_id == dst_instance), None
    )
    if instance is None:
        return []
    probes: list[tuple[int, int]] = [(6, 22), (6, 80), (6, 443), (17, 53), (1, 8), (0, 0)]
    addresses: list[str] = []
    for eni_name in instance.interfaces:
        eni = d.interfaces[eni_name]
        addresses += [int_to_ip(ip) for ip in eni.private_ips]
        for group_name in eni.security_groups:
            group = d.security_groups.get(group_name)
            for rule in group.ingress if group is not None else ():
                if rule.protocol in (6, 17):
                    probes.append((rule.protocol, rule.port_lo))
                elif rule.protocol in ICMP_PROTOS:  # icmp, icmpv6: the rule's first type
                    probes.append((rule.protocol, rule.port_lo // 256))
                elif rule.protocol >= 0:
                    probes.append((rule.protocol, 0))
    seen: set[tuple[str, int, int]] = set()
    flows = []
    for address in addresses:
        for proto, port in probes:
            flow = (address, proto, port)
            if flow not in seen:
                seen.add(flow)
                flows.append(flow)
    return flows


__all__ = [
    "BATFISH_DISPOSITIONS",
    "BATFISH_SYNTHETIC_NODES",
    "ONPREM_CONFIG_CASES",
    "UNSUPPORTED_CASES",
    "batfish_disposition",
    "batfish_path",
    "load_balanced",
    "onprem_router",
    "representative_flows",
    "start_of",
    "stop_index",
    "unsupported_node",
    "unsupported_reason",
    "vpcsim_path",
]
