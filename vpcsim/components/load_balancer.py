"""Elastic Load Balancing: Application, Network and Classic Load Balancers, and their target groups.

A load balancer has one node per enabled subnet (availability zone). Each node is a network
interface of the design (`NAME.SUBNET`) with its own private IP, and a public IP when the load
balancer is internet-facing. A client's connection ends at a node: the node's security groups
(an ALB's or CLB's always, an NLB's only when it has them) and a listener for the port decide it.
The node then opens a connection of its own to a registered target:

- an ALB or CLB is a proxy: from the node's private IP and its ports 1024-65535;
- an NLB forwards from the client's own address when client IP preservation is on (the
  target's groups and NACL see the client; the reply goes back through the node), else from its
  private IP as a proxy does.

Each node forwards to the targets of every zone when cross-zone load balancing is on (always for
an ALB, off by default for an NLB), else only to its own zone's. A target whose health check the
path from the node blocks is unhealthy and receives nothing. `vpcsim.reach.balanced` walks every
leg (client -> node, node -> target, the health check), each forward and back, with the one walk.

    load_balancers:
      web-alb:
        type: application                     # application | network | classic
        scheme: internet-facing               # or internal
        nodes:
          - {subnet: public-a, private_ip: 10.30.1.100, public_ip: 198.51.100.10}
          - {subnet: public-b, private_ip: 10.30.2.100, public_ip: 198.51.100.11}
        security_groups: [alb]
        listeners:
          - {protocol: HTTPS, port: 443, target_groups: [web]}
    target_groups:
      web: {vpc: shop, protocol: HTTP, port: 8080, health_check: {port: 8081}, targets: [web-1, web-2]}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import field
from typing import TYPE_CHECKING

import vpcsim.core as core
import vpcsim.facts as facts
from vpcsim.components import base, eni, subnet
from vpcsim.components.base import Component, Endpoint, State, Walk, ip
from vpcsim.errors import Diagnostic, EndpointError, Location, Severity
from vpcsim.facts import GONE_STATES
from vpcsim.importers import mapping
from vpcsim.loader import extensions
from vpcsim.loader.reader import Map, Scalar
from vpcsim.model import (
    AUTO_ADDRESS,
    IPV4_BITS,
    IPV4_MAX,
    IPV6_BITS,
    NOWHERE,
    PICK_IPV6,
    Design,
    Interface,
    Subnet,
    int_to_ip,
)
from vpcsim.records import record
from vpcsim.results import Action, Code, Disposition, FilterDetail, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork
    from vpcsim.importers.aws import Importer
    from vpcsim.importers.items import Item

__all__ = [
    "Listener",
    "LoadBalancerModel",
    "Node",
    "Target",
    "TargetGroupModel",
    "balancers",
    "index",
    "register_members",
    "target_groups",
]

KEY = "load_balancers"
GROUPS_KEY = "target_groups"
TYPES = tuple(facts.LB_LISTENER_PROTOCOLS)
SCHEMES = ("internet-facing", "internal")
TARGET_TYPES = ("instance", "ip")
TARGET_GROUP_PROTOCOLS = facts.LB_TARGET_GROUP_PROTOCOLS
HEALTH_STATES = ("healthy", "unhealthy", "initial", "draining", "unused", "unavailable")


@record
class Node:
    """One load balancer node: its network interface in one subnet (availability zone)."""

    subnet: str
    # None: `private_ip: auto`, the address ELB picks in the subnet when it makes the node (a
    # Terraform plan does not know it); the node's interface holds it either way, see `private_of`.
    private_ip: int | None
    public_ip: int | None = None
    aws_id: str | None = None  # its network interface's id
    # A dual-stack load balancer's node: its IPv6 address as the design gives it (None: one AWS
    # picks in the subnet's IPv6 block; the node's interface holds it either way, see `ipv6_of`).
    ipv6_ip: int | None = None
    loc: Location = field(default=NOWHERE, compare=False)


@record
class Listener:
    """A load balancer listener: the protocol and port it accepts, and its target groups."""
    protocol: str
    port: int
    # The target groups its default action and rules can forward to (none: it answers itself,
    # a redirect or a fixed response).
    target_groups: tuple[str, ...] = ()
    instance_port: int | None = None  # a Classic Load Balancer's: the port its instances receive
    instance_protocol: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)

    @property
    def transports(self) -> tuple[int, ...]:
        return facts.LB_TRANSPORTS[self.protocol]

    def text(self) -> str:
        return f"{self.protocol}:{self.port}"


@record
class LoadBalancerModel:
    """A load balancer: its scheme, nodes, listeners and security groups."""
    name: str
    type: str  # application | network | classic
    scheme: str  # internet-facing | internal
    nodes: tuple[Node, ...]
    listeners: tuple[Listener, ...]
    security_groups: tuple[str, ...] = ()  # none: an NLB without groups
    cross_zone: bool = True
    dns_name: str | None = None
    aws_id: str | None = None
    # A Classic Load Balancer registers instances itself (no target groups).
    instances: tuple[str, ...] = ()
    health_check_port: int | None = None  # a Classic Load Balancer's (None: the instance port)
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)
    ip_address_type: str = "ipv4"  # ipv4 | dualstack | dualstack-without-public-ipv4 (facts.LB_IP_ADDRESS_TYPES)

    @property
    def internet_facing(self) -> bool:
        return self.scheme == "internet-facing"

    @property
    def dualstack(self) -> bool:
        """Whether its clients may use IPv6 (its nodes have IPv6 addresses; its DNS name has AAAA records)."""
        return self.ip_address_type != "ipv4"

    @property
    def public_ipv4(self) -> bool:
        """Whether the internet reaches it over IPv4 (internet-facing, and not dualstack-without-public-ipv4)."""
        return self.internet_facing and self.ip_address_type != "dualstack-without-public-ipv4"

    @property
    def label(self) -> str:
        return {"application": "Application", "network": "Network", "classic": "Classic"}[self.type] + \
            " Load Balancer"


@record
class Target:
    """A registered target: an instance (by design name) or an address, on an optional port."""

    instance: str | None = None
    addr: int | None = None
    port: int | None = None  # None: the target group's port
    observed: str | None = None  # describe-target-health's state, when a snapshot says it
    loc: Location = field(default=NOWHERE, compare=False)

    @property
    def name(self) -> str:
        return self.instance if self.instance is not None else int_to_ip(self.addr or 0)


@record
class TargetGroupModel:
    """A target group: its targets, their port and protocol, and its health check."""
    name: str
    vpc: str
    protocol: str
    port: int
    target_type: str = "instance"
    targets: tuple[Target, ...] = ()
    health_port: int | None = None  # None: the traffic port
    health_protocol: str = "TCP"
    health_enabled: bool = True
    preserve_client_ip: bool | None = None  # None: ELB's default for the type and protocol
    cross_zone: bool | None = None  # None: the load balancer's setting
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)
    ip_address_type: str = "ipv4"  # ipv4 | ipv6: the family of its targets and health checks
    proxy_protocol_v2: bool = False  # an NLB's: a header that tells the target the client's address

    @property
    def bits(self) -> int:
        return IPV6_BITS if self.ip_address_type == "ipv6" else IPV4_BITS

    @property
    def transports(self) -> tuple[int, ...]:
        return facts.LB_TRANSPORTS[self.protocol]

    def preserves_client_ip(self) -> bool:
        """Client IP preservation as ELB applies it (an NLB's target groups only)."""
        if self.protocol in facts.LB_PRESERVE_FIXED_PROTOCOLS:
            return True
        if self.preserve_client_ip is not None:
            return self.preserve_client_ip
        return self.target_type == "instance"


# -- the design format --------------------------------------------------------------------------


def _upper(builder: extensions.SectionBuilder, node: object, what: str, allowed: tuple[str, ...],
           loc: Location) -> str | None:
    text = builder.string(node if isinstance(node, Scalar) else None, what) if node is not None else None
    if text is None:
        if node is not None and not isinstance(node, Scalar):
            builder.error("invalid-type", f"{what}: expected one of {', '.join(allowed)}", loc)
        return None
    if text.upper() not in allowed:
        builder.error("lb-value", f"{what}: {text!r} (expected one of: {', '.join(allowed)})", loc)
        return None
    return text.upper()


def read_balancer(builder: extensions.SectionBuilder, name: str, body: Map) -> LoadBalancerModel | None:
    what = f"load balancer {name}"
    builder.check_keys(body, what, ("type", "scheme", "ip_address_type", "nodes", "security_groups", "listeners",
                                    "cross_zone", "dns_name", "aws_id", "instances", "health_check_port",
                                    "description"),
                       ("type", "nodes", "listeners"))
    kind = builder.string(body.get("type"), f"{what}: type")
    if kind is not None and kind not in TYPES:
        builder.error("lb-type", f"{what}: type {kind!r} (expected one of: {', '.join(TYPES)})", body.loc)
        kind = None
    scheme = builder.string(body.get("scheme"), f"{what}: scheme") if body.get("scheme") is not None else \
        "internet-facing"
    if scheme is not None and scheme not in SCHEMES:
        builder.error("lb-scheme", f"{what}: scheme {scheme!r} (expected internet-facing or internal)", body.loc)
        scheme = None
    ip_type = _ip_address_type(builder, what, body, kind)
    if ip_type == "dualstack-without-public-ipv4" and scheme == "internal":
        # It is for internet-facing ALBs: public IPv6, no public IPv4 (https://aws.amazon.com/blogs/
        # networking-and-content-delivery/introducing-dual-stack-without-public-ipv4-application-load-balancer/).
        builder.error("lb-ip-address-type", f"{what}: ip_address_type 'dualstack-without-public-ipv4' is for "
                      "internet-facing load balancers (an internal one has no public address of either family: "
                      "expected ipv4 or dualstack)", body.entries["ip_address_type"].loc)
        ip_type = None
    nodes: list[Node] = []
    nodes_node = body.get("nodes")
    items = builder.as_list(nodes_node, f"{what}: nodes") if nodes_node is not None else ()
    if nodes_node is not None and not items:
        builder.error("lb-nodes", f"{what}: nodes: expected one entry per subnet it is enabled in, "
                      "{subnet: NAME, private_ip: a.b.c.d}", nodes_node.loc)
    for index, item in enumerate(items):
        where = f"{what}: nodes[{index}]"
        if not isinstance(item, Map):
            builder.error("lb-nodes", f"{where}: expected {{subnet: NAME, private_ip: a.b.c.d}}", item.loc)
            continue
        builder.check_keys(item, where, ("subnet", "private_ip", "public_ip", "ipv6_address", "aws_id"),
                           ("subnet", "private_ip"))
        subnet_name = builder.ref(item.get("subnet"), f"{where}: subnet", "subnets", "subnet")
        private_node = item.get("private_ip")
        # `auto`: ELB gives each node "a private IP address from each subnet you specify" when it
        # makes it (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#availability-zones);
        # the node's interface gets the subnet's first free address as its stand-in (_own_interfaces).
        auto = isinstance(private_node, Scalar) and private_node.value == AUTO_ADDRESS
        private = None if auto else builder.address(private_node, f"{where}: private_ip")
        public = builder.address(item.get("public_ip"), f"{where}: public_ip") if item.get("public_ip") else None
        six_node = item.get("ipv6_address")
        six = builder.address(six_node, f"{where}: ipv6_address", ipv6=True) if six_node is not None else None
        eni_id = builder.string(item.get("aws_id"), f"{where}: aws_id") if item.get("aws_id") is not None else None
        if public is not None and scheme == "internal":
            builder.error("lb-public-ip", f"{where}: public_ip: an internal load balancer's nodes have private "
                          "addresses only", item.loc)
        if public is not None and ip_type == "dualstack-without-public-ipv4":
            builder.error("lb-public-ip", f"{where}: public_ip: a dualstack-without-public-ipv4 load balancer's "
                          "nodes have no public IPv4 address (the internet reaches them over IPv6; "
                          f"{facts.LB_IP_ADDRESS_TYPE_DOC})", item.entries["public_ip"].loc)
        if six_node is not None and ip_type == "ipv4":
            builder.error("lb-ipv6-address", f"{where}: ipv6_address: the load balancer's ip_address_type is ipv4, "
                          "so its nodes have no IPv6 address (expected ip_address_type: dualstack)", six_node.loc)
            six = None
        if subnet_name is not None and (private is not None or auto):
            nodes.append(Node(subnet_name, private, public, eni_id, six, item.loc))
    groups: list[str] = []
    groups_node = body.get("security_groups")
    if groups_node is not None:
        if not builder.as_list(groups_node, f"{what}: security_groups"):
            builder.error("type", f"{what}: security_groups: expected at least one group (an NLB without security "
                          "groups omits the key)", groups_node.loc)
        for item in builder.as_list(groups_node, f"{what}: security_groups"):
            group = builder.group_ref(item, f"{what}: security_groups", None)
            if group is not None:
                groups.append(group)
    listeners = _read_listeners(builder, what, body, kind)
    cross_zone = builder.boolean(body.get("cross_zone"), f"{what}: cross_zone",
                                 facts.LB_CROSS_ZONE_DEFAULT.get(kind or "application", True))
    if kind == "application" and body.get("cross_zone") is not None and not cross_zone:
        builder.error("lb-cross-zone", f"{what}: cross_zone: an Application Load Balancer always balances across "
                      "zones (a target group may turn it off: target_groups.NAME.cross_zone)", body.loc)
    instances: list[str] = []
    if body.get("instances") is not None:
        if kind != "classic":
            builder.error("lb-instances", f"{what}: instances: only a Classic Load Balancer registers instances "
                          "itself (expected target_groups on the listeners)", body.loc)
        for item in builder.as_list(body.entries["instances"], f"{what}: instances"):
            ref = builder.ref(item, f"{what}: instances", "instances", "instance")
            if ref is not None:
                instances.append(ref)
    health = builder.integer(body.get("health_check_port"), f"{what}: health_check_port", 1, 65535) \
        if body.get("health_check_port") is not None else None
    if kind in ("application", "classic") and groups_node is None:
        builder.error("lb-security-groups", f"{what}: security_groups: an {kind} load balancer always has security "
                      f"groups (expected a list; {facts.LB_SECURITY_GROUPS_DOC})", body.loc)
    dns = builder.string(body.get("dns_name"), f"{what}: dns_name") if body.get("dns_name") is not None else None
    aws_id = builder.string(body.get("aws_id"), f"{what}: aws_id") if body.get("aws_id") is not None else None
    description = builder.string(body.get("description"), f"{what}: description") or ""
    if kind is None or scheme is None or not nodes or len(nodes) != len(items) or listeners is None or \
            ip_type is None:
        return None
    return LoadBalancerModel(name, kind, scheme, tuple(nodes), tuple(listeners), tuple(groups), cross_zone, dns,
                             aws_id, tuple(instances), health, description, body.loc, ip_type)


def _ip_address_type(builder: extensions.SectionBuilder, what: str, body: Map, kind: str | None) -> str | None:
    """`ip_address_type:` of a load balancer: one its type allows (facts.LB_IP_ADDRESS_TYPES), default ipv4."""
    node = body.get("ip_address_type")
    if node is None:
        return "ipv4"
    text = builder.string(node, f"{what}: ip_address_type")
    if text is None:
        return None
    allowed = facts.LB_IP_ADDRESS_TYPES.get(kind or "application", ())
    if text not in allowed:
        label = {"application": "an Application", "network": "a Network", "classic": "a Classic"}.get(kind or "", "a")
        if text in facts.LB_IP_ADDRESS_TYPES["application"]:
            expected = f"{label} Load Balancer's is one of: {', '.join(allowed)}"
        else:
            expected = f"expected one of: {', '.join(allowed)}"
        builder.error("lb-ip-address-type", f"{what}: ip_address_type {text!r} ({expected}; "
                      f"{facts.LB_IP_ADDRESS_TYPE_DOC})", node.loc)
        return None
    return text


def _read_listeners(builder: extensions.SectionBuilder, what: str, body: Map, kind: str | None) -> list[Listener] | None:
    node = body.get("listeners")
    if node is None:
        return None
    out: list[Listener] = []
    ok = True
    allowed = facts.LB_LISTENER_PROTOCOLS.get(kind or "", tuple(facts.LB_TRANSPORTS))
    for index, item in enumerate(builder.as_list(node, f"{what}: listeners")):
        where = f"{what}: listeners[{index}]"
        if not isinstance(item, Map):
            builder.error("lb-listener", f"{where}: expected {{protocol: P, port: N, target_groups: [...]}}", item.loc)
            ok = False
            continue
        builder.check_keys(item, where, ("protocol", "port", "target_groups", "instance_port", "instance_protocol"),
                           ("protocol", "port"))
        protocol = _upper(builder, item.get("protocol"), f"{where}: protocol", allowed, item.loc)
        port = builder.integer(item.get("port"), f"{where}: port", 1, 65535)
        groups: list[str] = []
        if item.get("target_groups") is not None:
            for ref in builder.as_list(item.entries["target_groups"], f"{where}: target_groups"):
                text = builder.string(ref, f"{where}: target_groups")
                if text is not None:
                    groups.append(text)
        instance_port = builder.integer(item.get("instance_port"), f"{where}: instance_port", 1, 65535) \
            if item.get("instance_port") is not None else None
        instance_protocol = _upper(builder, item.get("instance_protocol"), f"{where}: instance_protocol",
                                   facts.LB_LISTENER_PROTOCOLS["classic"], item.loc) \
            if item.get("instance_protocol") is not None else None
        if kind == "classic" and groups:
            builder.error("lb-listener", f"{where}: target_groups: a Classic Load Balancer forwards to its "
                          "instances on instance_port", item.loc)
        if protocol is None or port is None:
            ok = False
            continue
        out.append(Listener(protocol, port, tuple(groups), instance_port, instance_protocol, item.loc))
    return out if ok else None


def read_group(builder: extensions.SectionBuilder, name: str, body: Map) -> TargetGroupModel | None:
    what = f"target group {name}"
    builder.check_keys(body, what, ("vpc", "protocol", "port", "target_type", "ip_address_type", "targets",
                                    "health_check", "preserve_client_ip", "proxy_protocol_v2", "cross_zone", "aws_id",
                                    "description"),
                       ("vpc", "protocol", "port"))
    ip_type: str | None = "ipv4"
    if body.get("ip_address_type") is not None:
        ip_type = builder.string(body.get("ip_address_type"), f"{what}: ip_address_type")
        if ip_type is not None and ip_type not in facts.LB_TARGET_GROUP_IP_TYPES:
            builder.error("lb-ip-address-type", f"{what}: ip_address_type {ip_type!r} (expected ipv4 or ipv6; "
                          f"{facts.LB_TARGET_GROUP_IP_TYPE_DOC})", body.entries["ip_address_type"].loc)
            ip_type = None
    vpc = builder.vpc_ref(body, what)
    protocol = _upper(builder, body.get("protocol"), f"{what}: protocol", TARGET_GROUP_PROTOCOLS, body.loc)
    port = builder.integer(body.get("port"), f"{what}: port", 1, 65535)
    target_type = builder.string(body.get("target_type"), f"{what}: target_type") \
        if body.get("target_type") is not None else "instance"
    if target_type is not None and target_type not in TARGET_TYPES:
        builder.error("lb-target-type", f"{what}: target_type {target_type!r} (expected instance or ip; lambda and "
                      "alb targets are not simulated)", body.loc)
        target_type = None
    targets: list[Target] = []
    if body.get("targets") is not None:
        for index, item in enumerate(builder.as_list(body.entries["targets"], f"{what}: targets")):
            target = _read_target(builder, f"{what}: targets[{index}]", item, target_type, ip_type == "ipv6")
            if target is not None:
                targets.append(target)
    health_port: int | None = None
    health_protocol = "TCP" if protocol in ("TCP", "UDP", "TLS", "TCP_UDP") else "HTTP"
    enabled = True
    check = body.get("health_check")
    if isinstance(check, Map):
        builder.check_keys(check, f"{what}: health_check", ("port", "protocol", "enabled"))
        port_node = check.get("port")
        if isinstance(port_node, Scalar) and port_node.value == "traffic-port":
            health_port = None
        elif port_node is not None:
            health_port = builder.integer(port_node, f"{what}: health_check: port", 1, 65535)
        if check.get("protocol") is not None:
            health_protocol = _upper(builder, check.get("protocol"), f"{what}: health_check: protocol",
                                     facts.LB_HEALTH_CHECK_PROTOCOLS, check.loc) or health_protocol
        enabled = builder.boolean(check.get("enabled"), f"{what}: health_check: enabled", True)
    elif check is not None:
        builder.error("invalid-type", f"{what}: health_check: expected {{port: N|traffic-port, protocol: P}}", check.loc)
    preserve: bool | None = None
    if body.get("preserve_client_ip") is not None:
        preserve = builder.boolean(body.get("preserve_client_ip"), f"{what}: preserve_client_ip", False)
        if protocol in facts.LB_PRESERVE_FIXED_PROTOCOLS and not preserve:
            builder.error("lb-preserve", f"{what}: preserve_client_ip: always on for {protocol} target groups "
                          "(it cannot be turned off)", body.loc)
    cross: bool | None = None
    if body.get("cross_zone") is not None:
        cross = builder.boolean(body.get("cross_zone"), f"{what}: cross_zone", True)
    proxy = builder.boolean(body.get("proxy_protocol_v2"), f"{what}: proxy_protocol_v2", False)
    aws_id = builder.string(body.get("aws_id"), f"{what}: aws_id") if body.get("aws_id") is not None else None
    if vpc is None or protocol is None or port is None or target_type is None or ip_type is None:
        return None
    return TargetGroupModel(name, vpc, protocol, port, target_type, tuple(targets), health_port, health_protocol,
                            enabled, preserve, cross, aws_id, body.loc, ip_type, proxy)


def _read_target(builder: extensions.SectionBuilder, where: str, item: object, target_type: str | None,
                 ipv6: bool = False) -> Target | None:
    """One registered target; an ip target's address is of the group's family (an ipv6 group's: IPv6)."""
    if isinstance(item, Scalar):
        if target_type == "ip":
            addr = builder.address(item, where, ipv6=ipv6)
            return Target(addr=addr, loc=item.loc) if addr is not None else None
        ref = builder.ref(item, where, "instances", "instance")
        return Target(instance=ref, loc=item.loc) if ref is not None else None
    if not isinstance(item, Map):
        builder.error("lb-target", f"{where}: expected an instance name, an address, or {{instance|ip: ..., port: N}}",
                      getattr(item, "loc", NOWHERE))
        return None
    builder.check_keys(item, where, ("instance", "ip", "port", "health"))
    port = builder.integer(item.get("port"), f"{where}: port", 1, 65535) if item.get("port") is not None else None
    observed = builder.string(item.get("health"), f"{where}: health") if item.get("health") is not None else None
    if observed is not None and observed not in HEALTH_STATES:
        builder.error("lb-target", f"{where}: health {observed!r} (expected one of: {', '.join(HEALTH_STATES)})",
                      item.loc)
    if item.get("instance") is not None:
        if target_type == "ip":
            builder.error("lb-target", f"{where}: an ip target group registers addresses (expected ip: a.b.c.d)",
                          item.loc)
            return None
        ref = builder.ref(item.get("instance"), f"{where}: instance", "instances", "instance")
        return Target(instance=ref, port=port, observed=observed, loc=item.loc) if ref is not None else None
    if item.get("ip") is not None:
        if target_type != "ip":
            builder.error("lb-target", f"{where}: an instance target group registers instances (expected "
                          "instance: NAME, or target_type: ip)", item.loc)
            return None
        addr = builder.address(item.get("ip"), f"{where}: ip", ipv6=ipv6)
        return Target(addr=addr, port=port, observed=observed, loc=item.loc) if addr is not None else None
    builder.error("lb-target", f"{where}: expected instance: NAME or ip: a.b.c.d", item.loc)
    return None


def balancers(design: Design) -> dict[str, LoadBalancerModel]:
    return {n: o for n, o in design.extensions.get(KEY, {}).items() if isinstance(o, LoadBalancerModel)}


def target_groups(design: Design) -> dict[str, TargetGroupModel]:
    return {n: o for n, o in design.extensions.get(GROUPS_KEY, {}).items() if isinstance(o, TargetGroupModel)}


def node_name(lb: LoadBalancerModel, node: Node) -> str:
    """The design name of a node's network interface."""
    return f"{lb.name}.{node.subnet}"


def _own_interfaces(obj: object) -> list[Interface]:
    if not isinstance(obj, LoadBalancerModel):
        return []
    # A node whose address ELB picks (`private_ip: auto`) has none yet: the loader gives it the
    # subnet's first free one, a stand-in every analysis judges it at. Not `dynamic`: the clones
    # vpcsim.reach.addresses makes of a dynamic interface are plain interfaces, not nodes (no
    # listener, no forwarding to the targets), so exposure would judge them as something else.
    return [Interface(node_name(obj, n), None, n.subnet,
                      (*(() if n.private_ip is None else (n.private_ip,)), *_node_ipv6(obj, n)), n.public_ip,
                      obj.security_groups, aws_id=n.aws_id, loc=n.loc if n.loc.line else obj.loc) for n in obj.nodes]


def _node_ipv6(lb: LoadBalancerModel, node: Node) -> tuple[int, ...]:
    """A node's IPv6 address for its interface: none on an ipv4 load balancer; the design's, else
    the one AWS picks in the subnet's IPv6 block (the loader's first free one: model.PICK_IPV6)."""
    if not lb.dualstack:
        return ()
    return (node.ipv6_ip if node.ipv6_ip is not None else PICK_IPV6,)


# Other modules register the targets they add to target groups (an Auto Scaling group's members):
# design -> (target group, instance) pairs.
_MEMBERS: list[Callable[[Design], Iterable[tuple[str, str]]]] = []


def register_members(members: Callable[[Design], Iterable[tuple[str, str]]]) -> None:
    _MEMBERS.append(members)


def registered(design: Design, group: TargetGroupModel) -> tuple[Target, ...]:
    """A target group's targets: those it lists, then the members registered with it."""
    listed = {t.instance for t in group.targets}  # a snapshot lists an Auto Scaling group's members itself
    extra = tuple(Target(instance=inst) for members in _MEMBERS for tg, inst in members(design)
                  if tg == group.name and inst not in listed)
    return group.targets + extra


def validate(design: Design) -> list[Diagnostic]:
    """References between load balancers and target groups, and ELB's placement rules."""
    out: list[Diagnostic] = []
    groups = target_groups(design)
    for lb in balancers(design).values():
        zones: dict[str, str] = {}
        vpcs = {design.subnets[n.subnet].vpc for n in lb.nodes if n.subnet in design.subnets}
        if len(vpcs) > 1:
            out.append(Diagnostic(Severity.ERROR, "lb-vpc", f"load balancer {lb.name}: its nodes are in vpcs "
                                  f"{', '.join(sorted(vpcs))} (expected subnets of one VPC)", lb.loc))
        for n in lb.nodes:
            sub = design.subnets.get(n.subnet)
            if sub is None:
                continue
            earlier = zones.setdefault(sub.az, sub.name)
            if earlier != sub.name:
                out.append(Diagnostic(Severity.ERROR, "lb-zone", f"load balancer {lb.name}: subnets {earlier} and "
                                      f"{sub.name} are both in {sub.az} (expected at most one subnet per availability "
                                      "zone)", lb.loc))
            if lb.public_ipv4 and n.public_ip is None and lb.type != "classic":
                out.append(Diagnostic(Severity.WARNING, "lb-public-ip", f"load balancer {lb.name}: its node in "
                                      f"{sub.name} has no public_ip, so the internet cannot reach it (an "
                                      "internet-facing load balancer's nodes have public addresses)", lb.loc))
            if lb.dualstack and sub.ipv6_cidr is None:
                out.append(Diagnostic(Severity.ERROR, "lb-ipv6-subnet", f"load balancer {lb.name}: it is "
                                      f"{lb.ip_address_type}, but its subnet {sub.name} has no IPv6 block (expected "
                                      "the subnets of a dual-stack load balancer to have ipv6_cidr; "
                                      f"{facts.LB_IP_ADDRESS_TYPE_DOC})", n.loc if n.loc.line else lb.loc))
        vpc = next(iter(vpcs), None)
        for group in lb.security_groups:
            sg = design.security_groups.get(group)
            if sg is not None and vpc is not None and sg.vpc != vpc:
                out.append(Diagnostic(Severity.ERROR, "lb-group-vpc", f"load balancer {lb.name}: security group "
                                      f"{group} is in vpc {sg.vpc}, not {vpc}", lb.loc))
        for listener in lb.listeners:
            for name in listener.target_groups:
                tg = groups.get(name)
                if tg is None:
                    known = ", ".join(sorted(groups)) or "none"
                    out.append(Diagnostic(Severity.ERROR, "unknown-reference", f"load balancer {lb.name}: listener "
                                          f"{listener.text()}: target group {name!r} is not defined (known: {known})",
                                          listener.loc))
                    continue
                if vpc is not None and tg.vpc != vpc:
                    out.append(Diagnostic(Severity.ERROR, "lb-group-vpc", f"load balancer {lb.name}: target group "
                                          f"{name} is in vpc {tg.vpc}, not {vpc}", listener.loc))
                if tg.ip_address_type == "ipv6" and not lb.dualstack:
                    out.append(Diagnostic(Severity.ERROR, "lb-group-family", f"load balancer {lb.name}: target group "
                                          f"{name} is ipv6, and an ipv6 target group serves dual-stack load balancers "
                                          f"only (expected ip_address_type: dualstack on {lb.name}; "
                                          f"{facts.LB_TARGET_GROUP_IP_TYPE_DOC})", listener.loc))
                if lb.type == "application" and tg.protocol not in ("HTTP", "HTTPS"):
                    out.append(Diagnostic(Severity.ERROR, "lb-group-protocol", f"load balancer {lb.name}: target "
                                          f"group {name} is {tg.protocol} (an Application Load Balancer forwards to "
                                          "HTTP or HTTPS target groups)", listener.loc))
                if lb.type == "network" and tg.protocol in ("HTTP", "HTTPS"):
                    out.append(Diagnostic(Severity.ERROR, "lb-group-protocol", f"load balancer {lb.name}: target "
                                          f"group {name} is {tg.protocol} (a Network Load Balancer forwards to TCP, "
                                          "UDP, TLS or TCP_UDP target groups)", listener.loc))
        seen: set[tuple[int, int]] = set()
        for listener in lb.listeners:
            for proto in listener.transports:
                if (proto, listener.port) in seen:
                    out.append(Diagnostic(Severity.ERROR, "lb-listener-duplicate", f"load balancer {lb.name}: two "
                                          f"listeners on port {listener.port} (expected one per port and protocol)",
                                          listener.loc))
                seen.add((proto, listener.port))
    for tg in groups.values():
        vpc_model = design.vpcs.get(tg.vpc)
        for target in registered(design, tg):
            where = target.loc if target.loc.line else tg.loc
            if target.instance is None and tg.ip_address_type == "ipv6" and vpc_model is not None and target.addr \
                    and not any(c.contains(target.addr) for c in vpc_model.ipv6_cidrs):
                blocks = ", ".join(str(c) for c in vpc_model.ipv6_cidrs) or "none"
                out.append(Diagnostic(Severity.ERROR, "lb-target-family", f"target group {tg.name}: IPv6 target "
                                      f"{target.name} is outside vpc {tg.vpc}'s IPv6 blocks ({blocks}) (expected an "
                                      "address of the VPC's IPv6 space: IPv6 targets cannot be in a peered VPC, on "
                                      f"premises or behind a transit gateway; {facts.LB_IP_ADDRESS_TYPE_DOC})", where))
            if target.instance is not None:
                instance = design.instances.get(target.instance)
                first = design.interfaces.get(instance.interfaces[0]) if instance and instance.interfaces else None
                if first is not None and tg.ip_address_type == "ipv6" and first.address_of(IPV6_BITS) is None:
                    out.append(Diagnostic(Severity.ERROR, "lb-target-family", f"target group {tg.name}: instance "
                                          f"{target.instance} has no IPv6 address, and an ipv6 target group reaches "
                                          "its instances at their primary IPv6 address (expected ipv6_addresses on "
                                          f"the instance, or ip_address_type: ipv4; {facts.LB_TARGET_GROUP_IP_TYPE_DOC})",
                                          where))
                if first is not None and first.subnet in design.subnets and \
                        design.subnets[first.subnet].vpc != tg.vpc:
                    out.append(Diagnostic(Severity.ERROR, "lb-target-vpc", f"target group {tg.name}: instance "
                                          f"{target.instance} is in vpc {design.subnets[first.subnet].vpc}, not "
                                          f"{tg.vpc} (instance targets are in the target group's VPC)", where))
    return out


extensions.register(extensions.Section(KEY, "load balancer", read_balancer, None, validate, _own_interfaces))
extensions.register(extensions.Section(GROUPS_KEY, "target group", read_group))


# -- compiled: the index the walk and the analyses read ------------------------------------------


@record
class Resolved:
    """A registered target as the walk reaches it: its interface, address and port."""

    group: str
    name: str
    eni: Interface | None  # None: an ip target that no interface of the design owns
    addr: int
    port: int
    zone: str | None  # None: outside the VPC (an ip target on premises): every node may reach it
    observed: str | None


class BalancerIndex:
    """Names, node addresses and resolved targets of a design's load balancers (compiled once)."""

    def __init__(self, net: CompiledNetwork) -> None:
        d = net.design
        self.balancers = balancers(d)
        self.groups = target_groups(d)
        self.by_name: dict[str, LoadBalancerModel] = {}
        self.nodes: dict[int, tuple[LoadBalancerModel, Node]] = {}  # by private address
        self.public_nodes: dict[int, tuple[LoadBalancerModel, Node]] = {}
        for lb in self.balancers.values():
            for key in (lb.name, lb.dns_name, lb.aws_id):
                if key:
                    self.by_name.setdefault(key, lb)
            for n in lb.nodes:
                self.nodes[private_of(d, lb, n)] = (lb, n)
                six = ipv6_of(d, lb, n)
                if six is not None:
                    self.nodes[six] = (lb, n)  # IPv6 addresses are global: no public twin
                if n.public_ip is not None:
                    self.public_nodes[n.public_ip] = (lb, n)
        self.targets: dict[str, tuple[Resolved, ...]] = {}
        for tg in self.groups.values():
            out = []
            for t in registered(d, tg):
                port = t.port or tg.port
                target_eni: Interface | None
                if t.instance is not None:
                    instance = d.instances.get(t.instance)
                    if instance is None or not instance.interfaces:
                        continue
                    target_eni = d.interfaces[instance.interfaces[0]]
                    # By its primary private IPv4 address, or in an ipv6 group its primary IPv6 one
                    # (facts.LB_TARGET_GROUP_IP_TYPE_DOC).
                    found = target_eni.address_of(tg.bits)
                    if found is None:
                        continue  # an instance without an IPv6 address: validation reports it
                    addr = found
                else:
                    addr = t.addr or 0
                    target_eni = net.eni_by_ip.get(addr)
                home = d.subnets.get(target_eni.subnet) if target_eni is not None else net.subnet_in_vpc(tg.vpc, addr)
                out.append(Resolved(tg.name, t.name, target_eni, addr, port, home.az if home else None, t.observed))
            self.targets[tg.name] = tuple(out)

        self._listener_filters: dict[str, ListenerFilter] = {}

    def listener_filter(self, lb: LoadBalancerModel) -> ListenerFilter:
        got = self._listener_filters.get(lb.name)
        if got is None:
            got = self._listener_filters[lb.name] = ListenerFilter(lb)
        return got


def private_of(design: Design, lb: LoadBalancerModel, node: Node) -> int:
    """A node's private IPv4 address: the design's, or the one its interface got (`private_ip: auto`)."""
    if node.private_ip is not None:
        return node.private_ip
    eni_model = design.interfaces.get(node_name(lb, node))
    found = eni_model.address_of(IPV4_BITS) if eni_model is not None else None
    return found if found is not None else -1


def ipv6_of(design: Design, lb: LoadBalancerModel, node: Node) -> int | None:
    """A dual-stack node's IPv6 address: its interface's (the design's, or the one AWS picked)."""
    if not lb.dualstack:
        return None
    eni_model = design.interfaces.get(node_name(lb, node))
    return eni_model.address_of(IPV6_BITS) if eni_model is not None else node.ipv6_ip


def index(net: CompiledNetwork) -> BalancerIndex:
    return net.derived(BalancerIndex, "load balancers", lambda: BalancerIndex(net))


def listener_for(lb: LoadBalancerModel, proto: int, port: int) -> Listener | None:
    return next((li for li in lb.listeners if li.port == port and proto in li.transports), None)


def cross_zone(lb: LoadBalancerModel, tg: TargetGroupModel | None) -> bool:
    if tg is not None and tg.cross_zone is not None:
        return tg.cross_zone
    return lb.cross_zone


def classic_group(lb: LoadBalancerModel, listener: Listener) -> TargetGroupModel:
    """A Classic Load Balancer's registered instances, seen as a target group of its listener."""
    port = listener.instance_port or listener.port
    protocol = listener.instance_protocol or listener.protocol
    targets = tuple(Target(instance=name) for name in lb.instances)
    return TargetGroupModel(f"{lb.name} instances", "", protocol if protocol in TARGET_GROUP_PROTOCOLS else "TCP",
                            port, "instance", targets, lb.health_check_port, "TCP", loc=lb.loc)


# -- the walk ------------------------------------------------------------------------------------


def _hop_name(lb: LoadBalancerModel, node: Node, design: Design) -> str:
    zone = design.subnets[node.subnet].az if node.subnet in design.subnets else node.subnet
    return f"{lb.name} ({zone})"


def steer_to(lb: LoadBalancerModel, node: Node, client: int) -> Callable[[Walk, Subnet, State], bool]:
    """The reply of a target that saw the client's own address goes back through the node that
    forwarded it (NLB client IP preservation), not by the target's route table
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation)."""

    def steer(walk: Walk, from_subnet: Subnet, state: State) -> bool:
        if state.dst != client:
            return False
        net = walk.net
        node_subnet = net.design.subnets[node.subnet]
        steps: list[Step] = []
        if from_subnet.name != node_subnet.name:
            subnet.nacl_check(walk, from_subnet, state, "outbound", steps)
        steps.append(Step(StepKind.ROUTE, Action.FORWARD,
                          f"the reply to {ip(client)} goes back to load balancer {lb.name}'s node that forwarded the "
                          "connection (client IP preservation), whatever the route table says", lb.name))
        walk.hop("subnet", from_subnet.name, from_subnet.aws_id, state, steps)
        if from_subnet.name != node_subnet.name:
            vpc = net.design.vpcs[node_subnet.vpc]
            walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
            into: list[Step] = []
            subnet.nacl_check(walk, node_subnet, state, "inbound", into)
            walk.hop("subnet", node_subnet.name, node_subnet.aws_id, state, into)
        _at_node(walk, lb, node, state, [])
        return True

    return steer


def _at_node(walk: Walk, lb: LoadBalancerModel, node: Node, state: State, steps: list[Step]) -> None:
    """The packet is at a node, past its filters: the reply of a leg the node opened ends here."""
    d = walk.net.design
    name = _hop_name(lb, node, d)
    expected = walk.target.eni
    if walk.returning and (expected is None or expected.name != node_name(lb, node)):
        detail = f"the reply is delivered to load balancer {lb.name}, not to the client {walk.target.label}"
        steps.append(Step(StepKind.DELIVER, Action.DROP, detail, lb.name))
        walk.hop("load_balancer", name, node.aws_id, state, steps)
        walk.stop(Disposition.DENIED_IN, Code.RETURN_PATH_ASYMMETRIC, lb.name, detail, lb.loc)
        return
    if any(step.action in (Action.DENY, Action.DROP) for step in steps):
        steps.append(Step(StepKind.DELIVER, Action.DROP,
                          f"reaches load balancer {lb.name} ({ip(state.dst)}), where the checks above drop it", lb.name))
    else:
        steps.append(Step(StepKind.DELIVER, Action.ACCEPT, f"delivered to load balancer {lb.name}'s node in "
                          f"{node.subnet} ({ip(_own_address(walk, lb, node, state.dst))})", lb.name, location=lb.loc))
    walk.hop("load_balancer", name, node.aws_id, state, steps)
    walk.leg.disposition = Disposition.ACCEPTED
    walk.leg.end_eni = d.interfaces[node_name(lb, node)]
    walk.leg.end_state = state


def _own_address(walk: Walk, lb: LoadBalancerModel, node: Node, addr: int) -> int:
    """The node's address a packet is delivered to: its IPv6 one or its private IPv4 one (a reply
    steered back through the node carries the client's address)."""
    found = index(walk.net).nodes.get(addr)
    return addr if found is not None and found[1] == node else private_of(walk.net.design, lb, node)


def filter_at_node(walk: Walk, lb: LoadBalancerModel, node_eni: Interface, state: State, direction: str,
                   steps: list[Step]) -> None:
    """A node's security groups, or the note that an NLB without groups has none."""
    if lb.security_groups:
        eni.sg_check(walk, node_eni, state, direction, steps)
        return
    walk.sg_sessions.add(node_eni.name)
    if not walk.returning:
        steps.append(Step(StepKind.CHECK, Action.ALLOW, f"load balancer {lb.name} has no security groups: only network "
                          f"ACLs and the targets' groups filter its traffic ({facts.LB_SECURITY_GROUPS_DOC})", lb.name))


def send_from_node(walk: Walk, lb: LoadBalancerModel, node: Node, state: State, steps: list[Step]) -> None:
    """A node opens (or forwards) a connection to a target: its groups out, then its subnet's routes."""
    net = walk.net
    node_eni = net.design.interfaces[node_name(lb, node)]
    state.sender = node_eni
    filter_at_node(walk, lb, node_eni, state, "egress", steps)
    walk.hop("load_balancer", _hop_name(lb, node, net.design), node.aws_id, state, steps)
    subnet.route(walk, net.design.subnets[node.subnet], state)


class ListenerFilter:
    """A load balancer's listeners as a port filter (`results.PortFilter`): a node takes only what
    a listener listens for, whatever its security groups admit, so analyses read the ports off
    the walk's steps like any filter's."""

    __slots__ = ("_ports", "direction", "name", "named")

    def __init__(self, lb: LoadBalancerModel) -> None:
        self.name = f"{lb.name} listeners"
        self.direction = "ingress"
        self.named: frozenset[int] = frozenset()
        self._ports = {proto: core.ports_normalize((li.port, li.port) for li in lb.listeners if proto in li.transports)
                       for proto in (6, 17)}

    def admitted(self, peer: int, proto: int) -> core.PortRuns:
        return self._ports.get(proto, ())

    def admits(self, peer: int, proto: int) -> bool:
        return False  # a listener is TCP or UDP: no other protocol is taken

    def __repr__(self) -> str:
        return f"ListenerFilter({self.name!r})"


class LoadBalancer(Component[tuple[LoadBalancerModel, Node]]):
    kind = "load_balancer"

    def owner(self, walk: Walk, in_subnet: Subnet, addr: int) -> tuple[LoadBalancerModel, Node] | None:
        found = index(walk.net).nodes.get(addr)
        return found if found is not None and found[1].subnet == in_subnet.name else None

    def arrive(self, walk: Walk, owner: tuple[LoadBalancerModel, Node], in_subnet: Subnet, state: State) -> None:
        lb, node = owner
        node_eni = walk.net.design.interfaces[node_name(lb, node)]
        steps: list[Step] = []
        filter_at_node(walk, lb, node_eni, state, "ingress", steps)
        if not walk.returning:
            listeners = index(walk.net).listener_filter(lb)
            allowed = core.ports_intersect(core.ports_normalize(state.dports), listeners.admitted(state.src, state.proto))
            data = FilterDetail(listeners, state.src, state.proto, state.dports, allowed)
            listener = listener_for(lb, state.proto, allowed[0][0]) if allowed else None
            if listener is None:
                ports = ", ".join(li.text() for li in lb.listeners) or "none"
                detail = (f"load balancer {lb.name} has no listener for {_packet_port(state)} (its listeners: "
                          f"{ports}); it drops the connection")
                steps.append(Step(StepKind.CHECK, Action.DROP, detail, lb.name, location=lb.loc, data=data))
                walk.leg.ports_denied = True
                walk.block(Code.LB_NO_LISTENER, lb.name, detail, lb.loc, Disposition.DENIED_IN)
            else:
                if allowed != core.ports_normalize(state.dports):
                    state.dports = allowed
                forwards = ", ".join(listener.target_groups) or (
                    f"instances on port {listener.instance_port or listener.port}" if lb.type == "classic" else
                    "nothing (it answers itself)")
                steps.append(Step(StepKind.CHECK, Action.ALLOW, f"listener {listener.text()} of {lb.label.lower()} "
                                  f"{lb.name}: forwards to {forwards}", lb.name, location=listener.loc, data=data))
        _at_node(walk, lb, node, state, steps)

    def endpoint(self, net: CompiledNetwork, text: str, other: Endpoint | None) -> Endpoint | None:
        lb = index(net).by_name.get(text)
        if lb is None:
            return None
        if other is None:
            raise EndpointError(f"{text!r} is a load balancer: it answers connections (trace from a node's "
                                f"interface, {node_name(lb, lb.nodes[0])}, for the connections it opens)")
        node = nodes_for(net, lb, other)[0]
        six = lb.dualstack and other.addr > IPV4_MAX
        return Endpoint(text, address_for(net.design, lb, node, six), net.design.interfaces[node_name(lb, node)])

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        idx = index(net)
        for lb in idx.balancers.values():
            key = (self.kind, lb.name)
            vpc = net.design.subnets[lb.nodes[0].subnet].vpc if lb.nodes else None
            g.add_node(key, kind=self.kind, name=lb.name, aws_id=lb.aws_id, location=str(lb.loc), type=lb.type,
                       scheme=lb.scheme, ip_address_type=lb.ip_address_type,
                       **base.drawn(f"{lb.label}\n{lb.name} ({lb.scheme})", "component", vpc=vpc))
            for n in lb.nodes:
                g.add_edge(key, ("eni", node_name(lb, n)), relation="node")
            for listener in lb.listeners:
                for group in listener.target_groups:
                    for target in idx.targets.get(group, ()):
                        if target.eni is not None:
                            g.add_edge(key, ("eni", target.eni.name), relation="target", listener=listener.text(),
                                       target_group=group, port=target.port)
            for name in lb.instances:
                instance = net.design.instances.get(name)
                if instance is not None and instance.interfaces:
                    g.add_edge(key, ("eni", instance.interfaces[0]), relation="target")


def _packet_port(state: State) -> str:
    from vpcsim.model import protocol_label

    port = state.dports[0][0] if state.dports else 0
    return f"{protocol_label(state.proto)} port {port}"


def nodes_for(net: CompiledNetwork, lb: LoadBalancerModel, client: Endpoint | None) -> list[Node]:
    """The nodes a client may reach, in order: every node (its DNS name answers with all of
    them), the one in the client's own zone first."""
    zone = None
    if client is not None and client.eni is not None and client.eni.subnet in net.design.subnets:
        zone = net.design.subnets[client.eni.subnet].az
    zones = {n.subnet: net.design.subnets[n.subnet].az for n in lb.nodes if n.subnet in net.design.subnets}
    return sorted(lb.nodes, key=lambda n: zones.get(n.subnet) != zone)


def address_for(design: Design, lb: LoadBalancerModel, node: Node, ipv6: bool = False) -> int:
    """The address a client connects to: over IPv6 the node's IPv6 address (the DNS name's AAAA
    record; global, no public twin); over IPv4 its public one for an internet-facing load balancer
    (from inside the VPC too: its DNS name resolves to public addresses), else its private one
    (facts.LB_SCHEME_DOC, facts.LB_IP_ADDRESS_TYPE_DOC)."""
    if ipv6:
        six = ipv6_of(design, lb, node)
        if six is not None:
            return six
    if lb.internet_facing and node.public_ip is not None:
        return node.public_ip
    return private_of(design, lb, node)


COMPONENT = base.register(LoadBalancer(), owner_rank=25)


# -- AWS import: elbv2 and elb describe-load-balancers, listeners, attributes, target groups -------
#
# The outputs are joined by ARN: a load balancer's listeners (Batfish's `LoadBalancerListeners`, one
# entry per load balancer, or describe-listeners' own `Listeners`) and listener rules (`Rules`), its
# attributes (cross-zone), a target group's attributes (client IP preservation, cross-zone) and its
# registered targets with their observed health (`LoadBalancerTargetHealth`, one entry per target
# group). A node is the network interface ELB creates in each enabled subnet: its description is
# "ELB app/NAME/ID", "ELB net/NAME/ID" (the end of the load balancer's ARN) or "ELB NAME" (Classic)
# (requester-managed interfaces: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html).

_LB_UNSUPPORTED = mapping.UnsupportedKind("load_balancer", "load balancer", "LoadBalancerArn", "LoadBalancerName")
_ENI_PREFIX = "ELB "
# describe-target-health states the design does not name: the closest one that does.
_HEALTH_ALIASES = {"unhealthy.draining": "draining"}
_CLASSIC = "classic:"  # the picked key of a Classic Load Balancer (named, not by ARN)


def _arn_tail(arn: str) -> str:
    """'arn:...:loadbalancer/net/NAME/ID' -> 'net/NAME/ID', what its interfaces' descriptions name."""
    return arn.split(":loadbalancer/", 1)[1] if ":loadbalancer/" in arn else arn


class _Joined:
    """The joined outputs, indexed once per import: node interfaces by what their description
    names, listeners by load balancer ARN, rules by listener ARN."""

    def __init__(self, imp: Importer) -> None:
        self.interfaces: dict[str, list[Item]] = {}
        for j in imp.raw["NetworkInterfaces"].values():
            description = j.text("Description") or ""
            if description.startswith(_ENI_PREFIX) and j.text("SubnetId") is not None:
                self.interfaces.setdefault(description[len(_ENI_PREFIX):], []).append(j)
        self.listeners: dict[str, list[Item]] = {}
        for arn, entry in imp.raw["LoadBalancerListeners"].items():
            self.listeners.setdefault(arn, []).extend(entry.objs("Listeners"))
        for j in imp.raw["Listeners"].values():
            self.listeners.setdefault(j.text("LoadBalancerArn") or "", []).append(j)
        self.rules: dict[str, list[Item]] = {}
        for rule_arn, rule in imp.raw["Rules"].items():
            # arn:...:listener-rule/app/NAME/LB/LISTENER/RULE belongs to arn:...:listener/app/NAME/LB/LISTENER.
            self.rules.setdefault(rule_arn.replace(":listener-rule/", ":listener/").rsplit("/", 1)[0], []).append(rule)


def _joined(imp: Importer) -> _Joined:
    found = imp.indexes.get(__name__)
    if not isinstance(found, _Joined):
        found = imp.indexes[__name__] = _Joined(imp)
    return found


def _balancer_key(j: Item) -> tuple[str, str, bool]:
    """(AWS id, what its interfaces' descriptions name, classic) of a describe-load-balancers item."""
    arn = j.text("LoadBalancerArn")
    if arn is not None:
        return arn, _arn_tail(arn), False
    name = j.text("LoadBalancerName") or ""
    return name, name, True


def _lb_nodes(imp: Importer, name: str, placements: list[tuple[str, list[Item]]], enis: list[Item],
              report: bool, ip_type: str = "ipv4") -> list[dict[str, object]]:
    """The design's nodes of one load balancer: (subnet id, its LoadBalancerAddresses) per enabled
    subnet, with the network interface ELB made there; a dual-stack one's with the interface's
    IPv6 address (Ipv6Addresses, or an NLB's IPv6Address), none of them public IPv4 when it is
    dualstack-without-public-ipv4."""
    what = f"load balancer {name}"
    nodes: list[dict[str, object]] = []
    for subnet_id, addresses in placements:
        subnet = imp.subnets.get(subnet_id)
        if subnet is None:
            if report:
                imp.warn("aws-orphan", f"{what}: its subnet {subnet_id} is not in the snapshot (that node is skipped)",
                         None)
            continue
        here = [e for e in enis if e.text("SubnetId") == subnet_id]
        private = public = six = None
        eni_id = None
        loc = None
        if here:
            first = here[0]
            eni_id, loc = first.text("NetworkInterfaceId"), first.loc
            private = mapping.ip_text(first.text("PrivateIpAddress") or "")
            assoc = first.obj("Association")
            public = mapping.ip_text(assoc.text("PublicIp") or "") if assoc is not None else None
            six = next((c for a in first.objs("Ipv6Addresses") if (c := mapping.ip6_text(a.text("Ipv6Address") or ""))),
                       None)
            if len(here) > 1 and report:
                imp.warn("aws-lb-nodes", f"{what}: {len(here)} network interfaces in subnet {subnet.name}; vpcsim "
                         f"simulates one node per zone ({eni_id}), which the others scale out", first.loc)
        for address in addresses:  # an NLB's addresses as it reports them (Elastic IPs, chosen private IPs)
            private = private or mapping.ip_text(address.text("PrivateIPv4Address") or "")
            public = public or mapping.ip_text(address.text("IpAddress") or "")
            six = six or mapping.ip6_text(address.text("IPv6Address") or "")
            loc = loc or address.loc
        if private is None:
            if report:
                imp.warn("aws-lb-nodes", f"{what}: no network interface in subnet {subnet.name} is in the snapshot "
                         "(describe-network-interfaces, description 'ELB ...'): that node is skipped", None)
            continue
        node: dict[str, object] = {"subnet": subnet.name, "private_ip": private}
        if public is not None and ip_type != "dualstack-without-public-ipv4":
            node["public_ip"] = public
        if six is not None and ip_type != "ipv4":
            node["ipv6_address"] = six
        if eni_id is not None:
            node["aws_id"] = eni_id
        if loc is not None:
            imp.at(node, loc)
        nodes.append(node)
    return nodes


def _placements(j: Item) -> list[tuple[str, list[Item]]]:
    if "AvailabilityZones" in j.data and isinstance(j.data["AvailabilityZones"], list) and \
            all(isinstance(z, dict) for z in j.data["AvailabilityZones"]):
        return [(z.text("SubnetId") or "", z.objs("LoadBalancerAddresses")) for z in j.objs("AvailabilityZones")
                if z.text("SubnetId")]
    return [(s, []) for s in j.strs("Subnets")]  # a Classic Load Balancer's


def _lb_pick(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept: dict[str, mapping.Picked] = {}
    joined = _joined(imp)
    for j in [*imp.raw["LoadBalancers"].values(), *imp.raw["LoadBalancerDescriptions"].values()]:
        aws_id, tail, classic = _balancer_key(j)
        name = j.need("LoadBalancerName", f"load balancer {aws_id}") or aws_id
        vpc_field = "VPCId" if classic else "VpcId"
        kind = "classic" if classic else (j.text("Type") or "").lower()
        state_obj = j.obj("State")
        state = ((state_obj.text("Code") if state_obj is not None else None) or "active").lower()
        if state in GONE_STATES:
            imp.skip(aws_id, f"a load balancer in state {state}", "aws-gone",
                     f"load balancer {name} is {state} (skipped, as AWS no longer uses it)", j.loc)
            continue
        if kind not in TYPES:
            imp.add_unsupported(aws_id, _LB_UNSUPPORTED, j, note=f"{kind or 'unknown'} load balancer")
            continue
        vpc_id = j.text(vpc_field)
        if vpc_id is None or vpc_id not in imp.vpcs:
            imp.skip(aws_id, "a load balancer outside the snapshot's VPCs", "aws-orphan",
                     f"load balancer {name}: its vpc {vpc_id or '(none: EC2-Classic)'} is not in the snapshot "
                     "(skipped)", j.loc)
            continue
        enis = joined.interfaces.get(tail, [])
        if not _lb_nodes(imp, name, _placements(j), enis, report=True):
            imp.add_unsupported(aws_id, _LB_UNSUPPORTED, j, note=f"{kind} load balancer whose network interfaces "
                                "are not in the snapshot (describe-network-interfaces)")
            continue
        for item in enis:
            imp.claimed_interfaces[item.text("NetworkInterfaceId") or ""] = ("", aws_id)  # its nodes stand for them
        if state != "active":
            imp.warn("aws-state", f"load balancer {name} is {state}; simulated as active", j.loc)
        kept[(_CLASSIC if classic else "") + aws_id] = mapping.Picked(j, names.take(name, aws_id), vpc_id)
    if kept and not {"LoadBalancerListeners", "Listeners", "LoadBalancerDescriptions"} & imp.loaded_keys:
        imp.warn("aws-missing-file", "no LoadBalancerListeners or Listeners file in the snapshot (aws elbv2 "
                 "describe-listeners): the load balancers have no listeners", None)
    return kept


def _port(imp: Importer, j: Item, key: str, what: str) -> int | None:
    """A port field AWS always returns: 1-65535, else a located error (None)."""
    port = j.number(key)
    if port is None:
        if key not in j.data:
            j.need(key, what)
        return None  # a wrong type: number() said so
    if not 1 <= port <= 65535:
        imp.error("aws-value", f"{what}: {key} {port} (expected 1-65535)", j.loc_of(key))
        return None
    return port


def _attributes(item: Item | None) -> dict[str, str]:
    return {a.text("Key") or "": a.text("Value") or "" for a in item.objs("Attributes")} if item is not None else {}


def _forwards(imp: Importer, actions: list[Item], what: str) -> list[str]:
    """The target groups of a listener's (or rule's) actions, by design name."""
    groups = imp.picked.get(GROUPS_KEY, {})
    out: list[str] = []
    for action in actions:
        arns = [action.text("TargetGroupArn")]
        forward = action.obj("ForwardConfig")
        arns += [t.text("TargetGroupArn") for t in forward.objs("TargetGroups")] if forward is not None else []
        for arn in arns:
            if arn is None:
                continue
            if arn in groups:
                if groups[arn].name not in out:
                    out.append(groups[arn].name)
            elif arn not in imp.raw["TargetGroups"]:
                imp.warn("aws-missing-target-group", f"{what}: target group {arn} is not in the snapshot (aws elbv2 "
                         "describe-target-groups); that forward is dropped", action.loc)
    return out


def _listeners(imp: Importer, arn: str, kind: str, name: str) -> list[dict[str, object]]:
    joined = _joined(imp)
    out: list[dict[str, object]] = []
    seen: set[str] = set()
    for listener in joined.listeners.get(arn, []):
        listener_arn = listener.text("ListenerArn") or ""
        if listener_arn and listener_arn in seen:
            continue
        seen.add(listener_arn)
        what = f"load balancer {name}: listener {listener_arn or listener.path}"
        protocol = (listener.need("Protocol", what) or "").upper()
        port = _port(imp, listener, "Port", what)
        if protocol not in facts.LB_LISTENER_PROTOCOLS[kind]:
            if protocol:
                imp.warn("aws-unsupported", f"{what}: protocol {protocol} is not simulated for a {kind} load balancer "
                         "(the listener is skipped)", listener.loc)
            continue
        if port is None:
            continue
        actions = listener.objs("DefaultActions")
        for rule in joined.rules.get(listener_arn, []):
            actions += rule.objs("Actions")
        body: dict[str, object] = {"protocol": protocol, "port": port}
        groups = _forwards(imp, actions, what)
        if groups:
            body["target_groups"] = groups
        imp.at(body, listener.loc)
        out.append(body)
    return out


def _classic_listeners(j: Item, name: str, imp: Importer) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    allowed = facts.LB_LISTENER_PROTOCOLS["classic"]
    for described in j.objs("ListenerDescriptions"):
        listener = described.obj("Listener")
        if listener is None:
            continue
        what = f"load balancer {name}: listener"
        protocol = (listener.need("Protocol", what) or "").upper()
        port = _port(imp, listener, "LoadBalancerPort", what)
        instance_port = _port(imp, listener, "InstancePort", what)
        instance_protocol = (listener.text("InstanceProtocol") or protocol).upper()
        if port is None or instance_port is None:
            continue
        if protocol not in allowed or instance_protocol not in allowed:
            imp.error("aws-value", f"{what}: protocol {protocol or '?'} -> {instance_protocol or '?'} (expected "
                      f"{', '.join(allowed)})", listener.loc_of("Protocol"))
            continue
        body = mapping.classic_listener(protocol, port, instance_port, instance_protocol)
        imp.at(body, listener.loc)
        out.append(body)
    return out


def _group_names(imp: Importer, ids: list[str], vpc_id: str, what: str, loc: Location) -> list[str]:
    out: list[str] = []
    for group_id in ids:
        ref = imp.group_ref(group_id, vpc_id, what, loc, "the load balancer is imported without it")
        if ref is not None and ref not in out:
            out.append(ref)
    return out


def _lb_body(imp: Importer, lb: mapping.Picked) -> dict[str, object]:
    j = lb.j
    vpc_id = lb.vpc_id or ""
    aws_id, tail, classic = _balancer_key(j)
    kind = "classic" if classic else (j.text("Type") or "").lower()
    what = f"load balancer {lb.name}"
    enis = _joined(imp).interfaces.get(tail, [])
    body: dict[str, object] = {"type": kind, "scheme": j.text("Scheme") or "internet-facing", "aws_id": aws_id}
    ip_type = _aws_ip_type(imp, j, kind, what)
    if ip_type != "ipv4":
        body["ip_address_type"] = ip_type
    if j.text("DNSName"):
        body["dns_name"] = j.text("DNSName")
    body["nodes"] = _lb_nodes(imp, lb.name, _placements(j), enis, report=False, ip_type=ip_type)
    groups = _group_names(imp, j.strs("SecurityGroups"), vpc_id, what, j.loc)
    if groups or kind != "network":  # an ALB's or CLB's always; an NLB's only when it has them
        body["security_groups"] = groups
    if classic:
        body["listeners"] = _classic_listeners(j, lb.name, imp)
        instances = []
        for item in j.objs("Instances"):
            instance_id = item.text("InstanceId") or ""
            if instance_id in imp.instance_by_id:
                instances.append(imp.instance_by_id[instance_id])
            elif instance_id not in imp.gone:
                imp.warn("aws-missing-instance", f"{what}: registered instance {instance_id} is not in the snapshot "
                         "(ignored)", item.loc)
        if instances:
            body["instances"] = instances
        # aws elb describe-load-balancer-attributes, wrapped with the name (its answer lacks it).
        entry = imp.raw["ClassicLoadBalancerAttributes"].get(aws_id)
        attributes = entry.obj("LoadBalancerAttributes") if entry is not None else None
        setting = attributes.obj("CrossZoneLoadBalancing") if attributes is not None else None
        if setting is not None and setting.flag("Enabled") is not None:
            body["cross_zone"] = setting.flag("Enabled")
        check = j.obj("HealthCheck")
        target = (check.text("Target") or "") if check is not None else ""
        port = target.split(":", 1)[1].split("/", 1)[0] if ":" in target else ""
        if port.isdigit() and 1 <= int(port) <= 65535:
            body["health_check_port"] = int(port)
    else:
        body["listeners"] = _listeners(imp, aws_id, kind, lb.name)
        cross = _attributes(imp.raw["LoadBalancerAttributes"].get(aws_id)).get("load_balancing.cross_zone.enabled")
        if kind == "network" and cross in ("true", "false"):
            body["cross_zone"] = cross == "true"
    imp.at(body, j.loc)
    return body


def _aws_ip_type(imp: Importer, j: Item, kind: str, what: str) -> str:
    """describe-load-balancers' IpAddressType (a Classic Load Balancer has none: ipv4); one its
    type does not allow is a located error, and the load balancer is imported as ipv4."""
    text = (j.text("IpAddressType") or "ipv4").lower()
    allowed = facts.LB_IP_ADDRESS_TYPES.get(kind, ("ipv4",))
    if text not in allowed:
        imp.error("aws-value", f"{what}: IpAddressType {text!r} (expected one of: {', '.join(allowed)}; "
                  f"{facts.LB_IP_ADDRESS_TYPE_DOC})", j.loc_of("IpAddressType"))
        return "ipv4"
    return text


def _tg_pick(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept: dict[str, mapping.Picked] = {}
    for arn, j in imp.raw["TargetGroups"].items():
        name = j.text("TargetGroupName") or arn
        target_type = (j.text("TargetType") or "instance").lower()
        protocol = (j.text("Protocol") or "").upper()
        if target_type not in TARGET_TYPES or protocol not in TARGET_GROUP_PROTOCOLS:
            what = f"{target_type} targets" if target_type not in TARGET_TYPES else f"protocol {protocol or 'none'}"
            imp.warn("aws-unsupported", f"target group {name}: {what} not simulated (skipped)", j.loc)
            continue
        vpc_id = j.need("VpcId", f"target group {name}")
        if vpc_id is None:
            continue
        if vpc_id not in imp.vpcs:
            imp.warn("aws-orphan", f"target group {name}: its vpc {vpc_id} is not in the snapshot (skipped)", j.loc)
            continue
        if _port(imp, j, "Port", f"target group {name}") is None:
            continue
        kept[arn] = mapping.Picked(j, names.take(name, arn), vpc_id)
    if kept and "LoadBalancerTargetHealth" not in imp.loaded_keys:
        imp.warn("aws-missing-file", "no LoadBalancerTargetHealth file in the snapshot (aws elbv2 "
                 "describe-target-health): the target groups have no registered targets", None)
    return kept


def _flag(text: str | None) -> bool | None:
    return {"true": True, "false": False}.get((text or "").lower())


def _tg_body(imp: Importer, tg: mapping.Picked) -> dict[str, object]:
    j = tg.j
    arn = j.text("TargetGroupArn") or ""
    what = f"target group {tg.name}"
    protocol = (j.text("Protocol") or "").upper()
    port = j.number("Port") or 0
    target_type = (j.text("TargetType") or "instance").lower()
    body: dict[str, object] = {"aws_id": arn, "vpc": imp.vpcs[tg.vpc_id or ""].name, "protocol": protocol,
                               "port": port}
    if target_type != "instance":
        body["target_type"] = target_type
    ip_type = (j.text("IpAddressType") or "ipv4").lower()
    if ip_type not in facts.LB_TARGET_GROUP_IP_TYPES:
        imp.error("aws-value", f"{what}: IpAddressType {ip_type!r} (expected ipv4 or ipv6; "
                  f"{facts.LB_TARGET_GROUP_IP_TYPE_DOC})", j.loc_of("IpAddressType"))
        ip_type = "unknown"  # reported once: its targets are read in either family
    if ip_type == "ipv6":
        body["ip_address_type"] = ip_type
    check_port = j.text("HealthCheckPort")
    number: int | None = None
    if check_port is not None and check_port != "traffic-port":
        number = int(check_port) if check_port.isdigit() else None
        if number is None or not 1 <= number <= 65535:
            imp.error("aws-value", f"{what}: HealthCheckPort {check_port!r} (expected traffic-port or 1-65535)",
                      j.loc_of("HealthCheckPort"))
            number = None
    check = mapping.target_group_health(protocol, port, number, j.text("HealthCheckProtocol") or "",
                                        j.flag("HealthCheckEnabled"))
    if check:
        body["health_check"] = check
    attributes = _attributes(imp.raw["TargetGroupAttributes"].get(arn))
    preserve = _flag(attributes.get("preserve_client_ip.enabled"))
    if preserve is not None and protocol not in facts.LB_PRESERVE_FIXED_PROTOCOLS:
        body["preserve_client_ip"] = preserve
    if _flag(attributes.get("proxy_protocol_v2.enabled")):
        body["proxy_protocol_v2"] = True
    cross = _flag(attributes.get("load_balancing.cross_zone.enabled"))  # or use_load_balancer_configuration
    if cross is not None:
        body["cross_zone"] = cross
    targets: list[dict[str, object]] = []
    health = imp.raw["LoadBalancerTargetHealth"].get(arn)
    for described in health.objs("TargetHealthDescriptions") if health is not None else []:
        target = described.obj("Target")
        target_id = target.need("Id", f"{what}: target") if target is not None else None
        if target is None or target_id is None:
            if target is None:
                described.need("Target", f"{what}: target health")
            continue
        entry: dict[str, object] = {}
        if target_type == "instance":
            instance = imp.instance_by_id.get(target_id)
            if instance is None:
                if target_id not in imp.gone:
                    imp.warn("aws-missing-instance", f"{what}: registered instance {target_id} is not in the snapshot "
                             "(ignored)", target.loc)
                continue
            entry["instance"] = instance
        else:
            family = "IPv6" if ip_type == "ipv6" else "IPv4"
            address = mapping.ip6_text(target_id) if ip_type == "ipv6" else mapping.ip_text(target_id) \
                if ip_type == "ipv4" else mapping.ip_text(target_id) or mapping.ip6_text(target_id)
            if address is None:
                group = "an ipv6 ip target group" if ip_type == "ipv6" else "an ip target group"
                imp.error("aws-value", f"{what}: target Id {target_id!r} is not an {family} address (expected one in "
                          f"{group})", target.loc_of("Id"))
                continue
            entry["ip"] = address
        target_port = target.number("Port")
        if target_port is not None and target_port != port:
            entry["port"] = target_port
        state_obj = described.obj("TargetHealth")
        state = (state_obj.text("State") or "").lower() if state_obj is not None else ""
        state = _HEALTH_ALIASES.get(state, state)
        if state in HEALTH_STATES:
            entry["health"] = state
        elif state:
            imp.warn("aws-value", f"{what}: target {target_id} has health state {state!r}, which vpcsim does not know "
                     f"(expected one of: {', '.join(HEALTH_STATES)}); left out", described.loc)
        imp.at(entry, described.loc)
        targets.append(entry)
    if targets:
        body["targets"] = targets
    imp.at(body, j.loc)
    return body


_LB_DETAILS = (
    mapping.Detail("LoadBalancerDescriptions", ("LoadBalancerName",), "classic load balancer"),  # aws elb
    mapping.Detail("LoadBalancerListeners", ("LoadBalancerArn",), "load balancer's listeners"),  # Batfish's
    mapping.Detail("Listeners", ("ListenerArn",), "listener"),  # aws elbv2 describe-listeners
    mapping.Detail("Rules", ("RuleArn",), "listener rule"),  # aws elbv2 describe-rules
    mapping.Detail("LoadBalancerAttributes", ("LoadBalancerArn",), "load balancer's attributes"),
    mapping.Detail("ClassicLoadBalancerAttributes", ("LoadBalancerName",), "classic load balancer's attributes"),
)
_TG_DETAILS = (
    mapping.Detail("LoadBalancerTargetHealth", ("TargetGroupArn",), "target group's health"),  # one entry a group
    mapping.Detail("TargetGroupAttributes", ("TargetGroupArn",), "target group's attributes"),
)
# No route names a load balancer or a target group: no route key, field or id prefix.
mapping.register(mapping.AwsMapping("LoadBalancers", KEY, "", "", "", "load balancer", "LoadBalancerArn",
                                    _lb_pick, _lb_body, rank=60, details=_LB_DETAILS))
mapping.register(mapping.AwsMapping("TargetGroups", GROUPS_KEY, "", "", "", "target group", "TargetGroupArn",
                                    _tg_pick, _tg_body, rank=61, details=_TG_DETAILS))
