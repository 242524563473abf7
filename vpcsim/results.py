"""Results: the typed records a trace produces (flow, hops, steps, blockers) and their JSON form."""

from __future__ import annotations

import enum
from dataclasses import field
from typing import Any, NamedTuple, Protocol

from vpcsim.arguments import quote
from vpcsim.errors import Location
from vpcsim.model import int_to_ip, protocol_label
from vpcsim.records import record


class Disposition(enum.Enum):
    ACCEPTED = "ACCEPTED"
    EXITS_NETWORK = "EXITS_NETWORK"
    DENIED_OUT = "DENIED_OUT"
    DENIED_IN = "DENIED_IN"
    NO_ROUTE = "NO_ROUTE"
    NULL_ROUTED = "NULL_ROUTED"
    NEIGHBOR_UNREACHABLE = "NEIGHBOR_UNREACHABLE"
    RETURN_BLOCKED = "RETURN_BLOCKED"
    LOOP = "LOOP"
    UNSUPPORTED = "UNSUPPORTED"

    @property
    def success(self) -> bool:
        return self in (Disposition.ACCEPTED, Disposition.EXITS_NETWORK)


class Code(enum.Enum):
    """Explanation codes: AWS Reachability Analyzer's where one fits, vpcsim's own otherwise."""

    NO_ROUTE_TO_DESTINATION = "NO_ROUTE_TO_DESTINATION"
    BAD_STATE_ROUTE = "BAD_STATE_ROUTE"
    MORE_SPECIFIC_ROUTE = "MORE_SPECIFIC_ROUTE"
    SUBNET_ACL_RESTRICTION = "SUBNET_ACL_RESTRICTION"
    ENI_SG_RULES_MISMATCH = "ENI_SG_RULES_MISMATCH"
    SG_HAS_NO_RULES = "SG_HAS_NO_RULES"
    IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS = "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"
    IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS = "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"
    NGW_REQUIRES_SOURCE_IN_VPC = "NGW_REQUIRES_SOURCE_IN_VPC"
    NGW_NO_SESSION = "NGW_NO_SESSION"
    NGW_UNSUPPORTED_PROTOCOL = "NGW_UNSUPPORTED_PROTOCOL"
    NGW_PRIVATE_TO_INTERNET = "NGW_PRIVATE_TO_INTERNET"
    PCX_REQUIRES_ADDRESS_IN_VPC_CIDR = "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR"
    ENI_SOURCE_DEST_CHECK_RESTRICTION = "ENI_SOURCE_DEST_CHECK_RESTRICTION"
    INSTANCE_NOT_RUNNING = "INSTANCE_NOT_RUNNING"
    DESTINATION_ADDRESS_UNASSIGNED = "DESTINATION_ADDRESS_UNASSIGNED"
    RETURN_PATH_ASYMMETRIC = "RETURN_PATH_ASYMMETRIC"
    NO_PATH = "NO_PATH"
    FORWARDING_LOOP = "FORWARDING_LOOP"
    EPHEMERAL_RANGE_PARTIAL = "EPHEMERAL_RANGE_PARTIAL"
    SERVICE_THROUGH_NAT_GATEWAY = "SERVICE_THROUGH_NAT_GATEWAY"
    UNSUPPORTED_COMPONENT = "UNSUPPORTED_COMPONENT"
    # Load balancers (vpcsim's own: Reachability Analyzer has no codes for these).
    LB_NO_LISTENER = "LB_NO_LISTENER"
    LB_TARGET_UNHEALTHY = "LB_TARGET_UNHEALTHY"
    LB_NO_HEALTHY_TARGET = "LB_NO_HEALTHY_TARGET"
    LB_ZONE_WITHOUT_TARGETS = "LB_ZONE_WITHOUT_TARGETS"
    LB_HEALTH_DISAGREES = "LB_HEALTH_DISAGREES"
    LB_ADDRESS_FAMILY = "LB_ADDRESS_FAMILY"


class StepKind(enum.Enum):
    SG_EGRESS = "security_group_egress"
    SG_INGRESS = "security_group_ingress"
    SESSION = "session_match"
    NACL_OUT = "nacl_outbound"
    NACL_IN = "nacl_inbound"
    ROUTE = "route_lookup"
    TRANSLATE = "address_translation"
    DELIVER = "deliver"
    FORWARD = "forward"
    CHECK = "check"


class Action(enum.Enum):
    ALLOW = "ALLOW"
    DENY = "DENY"
    FORWARD = "FORWARD"
    TRANSLATE = "TRANSLATE"
    DROP = "DROP"
    ACCEPT = "ACCEPT"
    EXIT = "EXIT"


PortRanges = tuple[tuple[int, int], ...]


def with_port(addr: str) -> str:
    """An address as it stands before ':port': IPv6 in brackets (RFC 3986), so the port is not read as a group."""
    return f"[{addr}]" if ":" in addr else addr


def format_ports(ranges: PortRanges) -> str:
    return ",".join(f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in ranges) or "none"


class Packet(NamedTuple):
    """A header as it is at one hop. Ports are sets of ranges: the client's port is unknown.

    Packet, Step and Hop are NamedTuples rather than frozen dataclasses: a trace builds dozens
    of them, and a tuple is four times cheaper to make.
    """

    src: str
    dst: str
    protocol: str
    src_ports: PortRanges
    dst_ports: PortRanges

    def describe(self) -> str:
        if self.protocol in ("tcp", "udp"):
            return (
                f"{self.protocol} {with_port(self.src)}:{format_ports(self.src_ports)} -> "
                f"{with_port(self.dst)}:{format_ports(self.dst_ports)}"
            )
        return f"{self.protocol} {self.src} -> {self.dst}"

    def to_json(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "protocol": self.protocol,
            "src_ports": [list(r) for r in self.src_ports],
            "dst_ports": [list(r) for r in self.dst_ports],
        }


class PortFilter(Protocol):
    """A rule set a filter step evaluated (one direction of a NACL or of an interface's groups)."""

    name: str
    direction: str  # ingress | egress (security groups), inbound | outbound (NACLs)
    named: frozenset[int]  # IP protocols other than tcp/udp/icmp/icmpv6 that some rule names

    def admitted(self, peer: int, proto: int) -> PortRanges: ...

    def admits(self, peer: int, proto: int) -> bool: ...


class FilterDetail(NamedTuple):
    """What a filter step evaluated: the rule set, the peer address, the protocol and the ports.

    `filter` can answer the exact ports it admits for that peer, so an analysis reads a walk's
    filters off its steps (pybatfish's FilterStepDetail, with the table itself attached).
    """

    filter: PortFilter
    peer: int
    protocol: int
    ports: PortRanges  # the ports the packet could carry when it met the filter
    admitted: PortRanges  # those it let through (empty: denied)

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.filter.name,
            "direction": self.filter.direction,
            "peer": int_to_ip(self.peer),
            "protocol": protocol_label(self.protocol),
            "ports": [list(r) for r in self.ports],
            "admitted": [list(r) for r in self.admitted],
        }


class RouteDetail(NamedTuple):
    """A route lookup: the table, the route chosen and the routes it beat (`Step.route`)."""

    table: str
    chosen: str | None  # None: no route matched
    beaten: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "chosen": self.chosen, "beaten": list(self.beaten)}


class TranslationDetail(NamedTuple):
    """An address translation: the header before and after (`Step.translation`)."""

    before: Packet
    after: Packet

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before.to_json(), "after": self.after.to_json()}




class Step(NamedTuple):
    """One decision at a hop: what was checked, the verdict, and the rule that decided it."""

    kind: StepKind
    action: Action
    detail: str
    component: str | None = None
    rule: str | None = None
    location: Location | None = None
    considered: tuple[str, ...] = ()
    before: Packet | None = None
    after: Packet | None = None
    data: FilterDetail | None = None  # a filter step's typed detail (the rule set it evaluated)

    # Route and translation details are read off the step's own fields when asked for: the walk
    # builds only what an analysis needs on every step (the filters), to stay fast.

    @property
    def filter(self) -> FilterDetail | None:
        return self.data

    @property
    def route(self) -> RouteDetail | None:
        """A route lookup's detail: the table, the chosen route, the routes it beat."""
        if self.kind is not StepKind.ROUTE:
            return None
        chosen = self.rule if self.action is Action.FORWARD else None
        return RouteDetail(self.component or "", chosen, self.considered[1:] if chosen else ())

    @property
    def translation(self) -> TranslationDetail | None:
        """A translation's detail: the header before and after."""
        if self.before is None or self.after is None:
            return None
        return TranslationDetail(self.before, self.after)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind.value,
            "action": self.action.value,
            "detail": self.detail,
            "component": self.component,
            "rule": self.rule,
            "location": str(self.location) if self.location else None,
        }
        if self.considered:
            out["considered"] = list(self.considered)
        if self.before is not None:
            out["before"] = self.before.to_json()
        if self.after is not None:
            out["after"] = self.after.to_json()
        if self.data is not None:
            out["filter"] = self.data.to_json()
        route = self.route
        if route is not None:
            out["route"] = route.to_json()
        return out


class Hop(NamedTuple):
    kind: str
    name: str
    aws_id: str | None
    packet: Packet
    steps: tuple[Step, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "aws_id": self.aws_id,
            "packet": self.packet.to_json(),
            "steps": [s.to_json() for s in self.steps],
        }


@record
class Blocker:
    """What stopped a flow: the rule or missing route, in which direction, and where it is written."""
    code: Code
    direction: str  # "forward" | "return"
    component: str
    detail: str
    location: Location | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "direction": self.direction,
            "component": self.component,
            "detail": self.detail,
            "location": str(self.location) if self.location else None,
        }


@record
class Flow:
    """What was asked: endpoints as given and as resolved to addresses."""

    src: str
    dst: str
    src_ip: str
    dst_ip: str
    protocol: str
    dst_port: int
    src_ports: PortRanges
    # The design's names for what was typed (an AWS id, an address): None for the internet.
    src_name: str | None = None
    dst_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "src_name": self.src_name,
            "dst_name": self.dst_name,
            "src_ip": self.src_ip,
            "dst_ip": self.dst_ip,
            "protocol": self.protocol,
            "dst_port": self.dst_port,
            "src_ports": [list(r) for r in self.src_ports],
        }


def runs_text(runs: tuple[tuple[int, int], ...]) -> str:
    """Address runs as text: '10.0.1.4-10.0.1.127, 10.0.1.200'."""
    return ", ".join(int_to_ip(lo) if lo == hi else f"{int_to_ip(lo)}-{int_to_ip(hi)}" for lo, hi in runs)


@record
class AddressCase:
    """Addresses an interface with `private_ip: auto` may get that every rule and route treats alike."""

    interface: str  # the design's interface
    runs: tuple[tuple[int, int], ...]  # the free addresses of the case, as (first, last) runs
    representative: int  # the address traced for the whole case
    name: str  # the interface standing for the case in reach.addresses.expanded (a clone: `eni@address`)
    # Several cases judged at one address (past reach.addresses.MAX_CASES): not exact, and said so.
    merged: bool = False

    @property
    def size(self) -> int:
        return sum(hi - lo + 1 for lo, hi in self.runs)

    def describe(self) -> str:
        return runs_text(self.runs) + (" (several cases merged, judged at one address)" if self.merged else "")

    def to_json(self) -> dict[str, Any]:
        return {"interface": self.interface, "addresses": [[int_to_ip(lo), int_to_ip(hi)] for lo, hi in self.runs],
                "representative": int_to_ip(self.representative), "count": self.size, "merged": self.merged}


@record
class AddressVerdict:
    """A trace's verdict for one case of each endpoint whose address AWS picks."""

    cases: tuple[AddressCase, ...]
    disposition: Disposition
    reachable: bool
    blocked_by: tuple[Blocker, ...] = ()

    def describe(self) -> str:
        return "; ".join(f"{c.interface} in {c.describe()}" for c in self.cases)

    def to_json(self) -> dict[str, Any]:
        return {"cases": [c.to_json() for c in self.cases], "disposition": self.disposition.value,
                "reachable": self.reachable, "blocked_by": [b.to_json() for b in self.blocked_by]}


@record
class TraceResult:
    """A traced flow: its disposition, the hops there and back, and what blocked it, if anything."""
    flow: Flow
    disposition: Disposition
    forward: tuple[Hop, ...]
    return_path: tuple[Hop, ...]
    blocked_by: tuple[Blocker, ...]
    warnings: tuple[Blocker, ...] = ()
    admitted_src_ports: PortRanges = field(default=())
    # Behind a NAT gateway: which of its source ports (1024-65535) the reply gets back on, when
    # the filters between it and the peer admit only part of them (empty: all, or no NAT).
    admitted_nat_ports: PortRanges = field(default=())
    # An endpoint with `private_ip: auto`: the verdict for every case of the addresses it may get
    # (the first is this trace's own); empty when every endpoint's address is fixed.
    address_cases: tuple[AddressVerdict, ...] = ()

    @property
    def reachable(self) -> bool:
        return self.disposition.success and not self.blocked_by

    @property
    def address_dependent(self) -> bool:
        """The verdict depends on which address AWS picks: reachable for some cases, not for others."""
        return len({v.reachable for v in self.address_cases}) > 1

    @property
    def partial(self) -> bool:
        """The reply gets back for only part of the ports it may use (the client's, or a NAT's).

        True exactly when an EPHEMERAL_RANGE_PARTIAL warning is present or the admitted client
        ports are a strict part of the client's range.
        """
        if any(w.code is Code.EPHEMERAL_RANGE_PARTIAL for w in self.warnings):
            return True
        return bool(self.admitted_src_ports) and self.admitted_src_ports != self.flow.src_ports

    def to_json(self) -> dict[str, Any]:
        return {
            "reachable": self.reachable,
            "disposition": self.disposition.value,
            "partial": self.partial,
            "admitted_src_ports": [list(r) for r in self.admitted_src_ports],
            "admitted_nat_ports": [list(r) for r in self.admitted_nat_ports],
            "flow": self.flow.to_json(),
            "forward": [h.to_json() for h in self.forward],
            "return": [h.to_json() for h in self.return_path],
            "blocked_by": [b.to_json() for b in self.blocked_by],
            "warnings": [w.to_json() for w in self.warnings],
        } | ({"address_dependent": self.address_dependent,
              "address_cases": [v.to_json() for v in self.address_cases]} if self.address_cases else {})


# -- paths of several legs -------------------------------------------------------------------------


class Waypoint(NamedTuple):
    """A leg boundary the user names: a jump host (`bastion`) and, optionally, the TCP port the
    leg to it uses (`bastion:22`; None: the flow's own protocol and port)."""

    name: str
    port: int | None = None

    def describe(self) -> str:
        return self.name if self.port is None else f"{self.name}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> Waypoint:
        """`NAME` or `NAME:PORT`; ValueError saying what was expected."""
        name, sep, port_text = text.strip().rpartition(":")
        if not sep:
            name, port_text = port_text, ""
        name, port_text = name.strip(), port_text.strip()
        if not name:
            raise ValueError(f"waypoint {quote(text)}: expected NAME or NAME:PORT (e.g. bastion or bastion:22)")
        if not sep:
            return cls(name)
        if not (port_text.isascii() and port_text.isdigit() and len(port_text) <= 5) or int(port_text) > 65535:
            raise ValueError(f"waypoint {quote(text)}: port {quote(port_text, 20)} is not a port "
                             "(expected NAME:PORT, PORT 0-65535)")
        return cls(name, int(port_text))


@record
class LegsResult:
    """A path of several legs, each a full trace forward and back (`TraceResult`).

    A jump host's path (admin -> bastion:22, then bastion -> app:22) and a proxy's (client ->
    listener, then the proxy -> target) are both this: the path gets through when every leg
    does, and every leg reports all of its blockers.
    """

    legs: tuple[TraceResult, ...]
    via: tuple[Waypoint, ...]  # the leg boundaries, in order (len(legs) - 1 of them)

    @property
    def reachable(self) -> bool:
        return bool(self.legs) and all(leg.reachable for leg in self.legs)

    @property
    def failed_legs(self) -> tuple[int, ...]:
        """The 0-based indexes of the legs that do not get through."""
        return tuple(i for i, leg in enumerate(self.legs) if not leg.reachable)

    @property
    def blocked_by(self) -> tuple[tuple[int, Blocker], ...]:
        """Every blocker of every leg, with its leg's index."""
        return tuple((i, b) for i, leg in enumerate(self.legs) for b in leg.blocked_by)

    def to_json(self) -> dict[str, Any]:
        return {
            "reachable": self.reachable,
            "via": [{"name": w.name, "port": w.port} for w in self.via],
            "failed_legs": list(self.failed_legs),
            "blocked_by": [{"leg": i, **b.to_json()} for i, b in self.blocked_by],
            "legs": [leg.to_json() for leg in self.legs],
        }


@record
class TargetPath:
    """One load balancer node -> one registered target: the connection the node forwards, and the
    health check that decides whether the node sends it anything."""

    node: str  # the node's interface name (load balancer.subnet)
    zone: str
    target_group: str
    target: str  # instance name or address
    port: int  # the port the target receives
    leg: TraceResult  # node -> target on `port`, forward and back
    health: TraceResult | None  # node -> target on the health-check port (None: the leg itself checks it)
    healthy: bool
    observed: str | None = None  # describe-target-health's state, when the snapshot has it
    family: str = "ipv4"  # the target group's IP address type: the leg's and the health check's family

    @property
    def reached(self) -> bool:
        return self.healthy and self.leg.reachable

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node, "zone": self.zone, "target_group": self.target_group, "target": self.target,
            "port": self.port, "family": self.family, "healthy": self.healthy, "observed_health": self.observed,
            "reached": self.reached,
            "leg": self.leg.to_json(), "health_check": self.health.to_json() if self.health is not None else None,
        }


@record
class NodePath:
    """A client -> one node of the load balancer (its DNS name answers with every node in service)."""

    node: str
    zone: str
    address: str
    in_dns: bool  # False: its zone has no healthy target, so ELB takes the node out of DNS
    front: TraceResult

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "zone": self.zone, "address": self.address, "in_dns": self.in_dns,
                "front": self.front.to_json()}


@record
class BalancedResult:
    """A flow to a load balancer: the client's leg to each node, then each node's legs to the
    targets it forwards to (`vpcsim.reach.balanced`)."""

    load_balancer: str
    type: str  # application | network | classic
    scheme: str
    listener: str | None  # "HTTPS:443" (None: no listener for the flow's port)
    src: str
    port: int
    protocol: str
    nodes: tuple[NodePath, ...]
    targets: tuple[TargetPath, ...]
    blocked_by: tuple[Blocker, ...]  # the load balancer's own: no listener, no healthy target, a zone without one
    warnings: tuple[Blocker, ...] = ()
    family: str = "ipv4"  # the client's address family (ipv6: to a dual-stack load balancer's IPv6 addresses)
    # The listener forwards to no target group: it answers itself (a redirect or a fixed response),
    # so the connection is done at the node.
    answers_itself: bool = False

    def _working(self, node: NodePath) -> bool:
        if self.answers_itself:
            return node.front.reachable
        return node.front.reachable and any(t.reached for t in self.targets if t.node == node.node)

    @property
    def served(self) -> tuple[NodePath, ...]:
        """The nodes a client that resolves the name may reach."""
        return tuple(n for n in self.nodes if n.in_dns)

    @property
    def reachable(self) -> bool:
        """Every node in DNS takes the connection and forwards it to a healthy target (or, for a
        listener that answers itself, answers it)."""
        served = self.served
        return bool(served) and self.listener is not None and all(self._working(n) for n in served)

    @property
    def partial(self) -> bool:
        """Some nodes in DNS get through and some do not: the client succeeds now and then."""
        working = [self._working(n) for n in self.served]
        return any(working) and not all(working)

    @property
    def reached_targets(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for t in self.targets:
            node = next((n for n in self.nodes if n.node == t.node), None)
            if t.reached and node is not None and node.in_dns and node.front.reachable:
                seen[t.target] = None
        return tuple(seen)

    def to_json(self) -> dict[str, Any]:
        return {
            "load_balancer": self.load_balancer, "type": self.type, "scheme": self.scheme, "listener": self.listener, "answers_itself": self.answers_itself,
            "src": self.src, "port": self.port, "protocol": self.protocol, "family": self.family,
            "reachable": self.reachable,
            "partial": self.partial, "reached_targets": list(self.reached_targets),
            "blocked_by": [b.to_json() for b in self.blocked_by], "warnings": [w.to_json() for w in self.warnings],
            "nodes": [n.to_json() for n in self.nodes], "targets": [t.to_json() for t in self.targets],
        }
