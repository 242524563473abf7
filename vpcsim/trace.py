"""Trace: a Network and a flow -> a TraceResult, walked hop by hop forward and back.

The walk follows AWS's order on each leg (security groups out, NACL out, route table, the
target's own semantics, NACL in, security groups in) and keeps going past a filter that
blocks, so that every setting that blocks the flow is reported, not only the first. Only a
routing dead end stops a leg. The reply is routed by its own route tables, re-checked by
the NACLs statelessly with the ports swapped, and passes security groups by their session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar, cast

from vpcsim import arguments, core
from vpcsim.compile import Network, RouteEntry, is_private
from vpcsim.errors import EndpointError, Location, UsageError
from vpcsim.model import (
    PROTOCOL_NAMES,
    Interface,
    NaclRule,
    NatGateway,
    SgRule,
    Subnet,
    TargetKind,
    int_to_ip,
    ip_to_int,
    protocol_label,
)
from vpcsim.results import (
    Action,
    Blocker,
    Code,
    Disposition,
    Flow,
    Hop,
    Packet,
    PortRanges,
    Step,
    StepKind,
    TraceResult,
    format_ports,
)

LINUX_EPHEMERAL = (32768, 60999)
NAT_GATEWAY_PORTS = (1024, 65535)  # AWS: a NAT gateway's source ports
# ICMP queries and the type that answers them (echo, timestamp, information, address mask).
ICMP_REPLIES = {8: 0, 13: 14, 15: 16, 17: 18}
MAX_HOPS = 64
# Addresses tried, in order, to stand for "the internet" when none is given: the first one
# that no rule or route of the design singles out.
INTERNET_CANDIDATES = ("8.8.8.8", "1.1.1.1", "9.9.9.9", "208.67.222.222", "4.2.2.2")


@dataclass(frozen=True, slots=True)
class Endpoint:
    label: str
    addr: int
    eni: Interface | None = None  # None: the internet (or an address nothing owns)

    @property
    def internet(self) -> bool:
        return self.eni is None


@dataclass
class _State:
    src: int
    dst: int
    proto: int
    sports: PortRanges
    dports: PortRanges

    def packet(self) -> Packet:
        return Packet(_ip(self.src), _ip(self.dst), protocol_label(self.proto), self.sports, self.dports)

    def copy(self) -> _State:
        return _State(self.src, self.dst, self.proto, self.sports, self.dports)


@dataclass
class _Session:
    """A translation made on the forward leg, undone on the way back."""

    device: str
    inside_addr: int
    inside_ports: PortRanges


@dataclass
class _Leg:
    """One direction of the walk: hops, blockers, and how it ended."""

    direction: str
    hops: list[Hop] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    warnings: list[Blocker] = field(default_factory=list)
    disposition: Disposition | None = None
    end_eni: Interface | None = None
    end_state: _State | None = None
    first_filter_disposition: Disposition | None = None
    ports_denied: bool = False  # a port filter dropped every port the packet could use


def parse_protocol(protocol: str | int) -> int:
    if isinstance(protocol, int) and not isinstance(protocol, bool):
        value = protocol
    elif isinstance(protocol, str) and protocol.lower() in PROTOCOL_NAMES:
        value = PROTOCOL_NAMES[protocol.lower()]
    elif isinstance(protocol, str) and protocol.isdigit():
        value = int(protocol)
    else:
        raise UsageError(f"unknown protocol {protocol!r} (expected tcp, udp, icmp or a number 0-255)")
    if not 0 <= value <= 255:
        raise UsageError(f"protocol {protocol!r}: a packet has one protocol (expected tcp, udp, icmp or 0-255)")
    return value


def trace(
    net: Network,
    src: str,
    dst: str,
    port: int,
    protocol: str | int = "tcp",
    *,
    src_port: int | None = None,
    ephemeral: tuple[int, int] | None = None,
) -> TraceResult:
    # Every argument checked first: a bad value is a UsageError quoting it (vpcsim.arguments).
    src, dst, port, protocol, src_port, ephemeral = arguments.trace_args(src, dst, port, protocol, src_port, ephemeral)
    proto = parse_protocol(protocol)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise UsageError(f"port {port!r} is out of range (expected 0-65535)")
    if proto == 1 and port > 255:
        raise UsageError(f"icmp type {port} is out of range (expected 0-255; 8 = echo request)")
    if src_port is not None and not 0 <= src_port <= 65535:
        raise UsageError(f"source port {src_port} is out of range (expected 0-65535)")
    low, high = ephemeral or LINUX_EPHEMERAL
    if not 0 <= low <= high <= 65535:
        raise UsageError(f"ephemeral range {low}-{high} is invalid (expected lo-hi within 0-65535)")

    source = resolve(net, src, None)
    target = resolve(net, dst, source)
    if proto in (6, 17):
        sports: PortRanges = ((src_port, src_port),) if src_port is not None else ((low, high),)
        dports: PortRanges = ((port, port),)
    elif proto == 1:
        # ICMP: the core's "port" is type*256+code; the reply to an echo request is an echo reply.
        sports = ((0, 0),)
        dports = ((port * 256, port * 256),)
    else:
        sports = ((0, 0),)
        dports = ((0, 0),)
    flow = Flow(src, dst, _ip(source.addr), _ip(target.addr), protocol_label(proto), port, sports)
    return trace_flow(net, flow, source, target, _State(source.addr, target.addr, proto, sports, dports))


START_KINDS = ("eni", "instance", "subnet", "vpc_router", "internet")


def trace_packet(
    net: Network,
    start_kind: str,
    start_name: str | None,
    src_ip: str,
    dst_ip: str,
    protocol: str | int,
    dst_port: int = 0,
    src_port: int | None = None,
    *,
    reply: bool = True,
    ephemeral: tuple[int, int] | None = None,
) -> TraceResult:
    """Trace one packet injected at a given point, with the addresses taken as given.

    The lower-level sibling of `trace`: nothing is resolved from names to addresses, so a
    packet can carry any source (e.g. an address no interface owns) and start mid-path:

    - `eni` / `instance`: sent by that interface (or the instance's first interface), named by
      design name or AWS id: security groups out, then the subnet's NACL out and route table;
    - `subnet`: leaving that subnet (name or AWS id): NACL out, then its route table;
    - `vpc_router`: at that VPC's router (name or AWS id): local delivery into the subnet that
      holds `dst_ip` (NULL_ROUTED inside the VPC's CIDRs but in no subnet, NO_ROUTE outside);
    - `internet`: arriving from the internet (`start_name` is ignored).

    `reply=False` walks the forward leg only (the result's disposition is then the forward
    leg's). The reply of a packet injected at a subnet or VPC router goes back to whatever
    interface owns `src_ip`, if any.
    """
    if start_kind not in START_KINDS:
        raise UsageError(f"unknown start kind {start_kind!r} (expected one of: {', '.join(START_KINDS)})")
    protocol = arguments.protocol(protocol)  # a UsageError quoting a bad value (vpcsim.arguments)
    ephemeral = None if ephemeral is None else arguments.ephemeral(ephemeral)
    proto = parse_protocol(protocol)
    for text, value in (("port", dst_port), ("source port", src_port)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535):
            raise UsageError(f"{text} {arguments.quote(value)} is out of range (expected 0-65535)")
    if proto == 1 and dst_port > 255:
        raise UsageError(f"icmp type {dst_port} is out of range (expected 0-255; 8 = echo request)")
    try:
        src = ip_to_int(src_ip)
        dst = ip_to_int(dst_ip)
    except ValueError:
        raise UsageError(f"trace_packet needs IPv4 addresses (got {src_ip!r} -> {dst_ip!r})") from None
    low, high = ephemeral or LINUX_EPHEMERAL
    if not 0 <= low <= high <= 65535:
        raise UsageError(f"ephemeral range {low}-{high} is invalid (expected lo-hi within 0-65535)")
    if proto in (6, 17):
        sports: PortRanges = ((src_port, src_port),) if src_port is not None else ((low, high),)
        dports: PortRanges = ((dst_port, dst_port),)
    elif proto == 1:
        sports = ((0, 0),)
        dports = ((dst_port * 256, dst_port * 256),)
    else:
        sports = ((0, 0),)
        dports = ((0, 0),)
    d = net.design
    start: _Start
    label = start_name or start_kind
    if start_kind in ("eni", "instance"):
        eni = _start_interface(net, label)
        source = Endpoint(label, src, eni)

        def start(walker: _Walker, state: _State) -> None:
            walker.from_eni(eni, state)
    elif start_kind == "subnet":
        subnet = _named(d.subnets, label, "subnet")
        source = Endpoint(label, src, _owner_in_vpc(net, subnet.vpc, src)[0])

        def start(walker: _Walker, state: _State) -> None:
            walker.route_from_subnet(subnet, state)
    elif start_kind == "vpc_router":
        vpc_name = _named(d.vpcs, label, "vpc").name
        source = Endpoint(label, src, _owner_in_vpc(net, vpc_name, src)[0])

        def start(walker: _Walker, state: _State) -> None:
            walker.from_vpc_router(vpc_name, state)
    else:
        label = "internet"
        source = Endpoint(label, src, None)

        def start(walker: _Walker, state: _State) -> None:
            walker.from_internet(state)
    target = Endpoint(dst_ip, dst, net.eni_by_ip.get(dst) or net.eni_by_public.get(dst))
    flow = Flow(label, dst_ip, src_ip, dst_ip, protocol_label(proto), dst_port, sports)
    return trace_flow(net, flow, source, target, _State(src, dst, proto, sports, dports), start=start, walk_reply=reply)


_Start = Callable[["_Walker", _State], None]
_T = TypeVar("_T")


def _named(section: Mapping[str, _T], text: str, what: str) -> _T:
    """A design object by its design name, else by its AWS id."""
    if text in section:
        return section[text]
    for obj in section.values():
        if getattr(obj, "aws_id", None) == text:
            return obj
    raise EndpointError(f"{what} {text!r} is not in the design (by name or AWS id)")


def _start_interface(net: Network, text: str) -> Interface:
    d = net.design
    instance = d.instances.get(text)
    if instance is not None:
        if not instance.interfaces:
            raise EndpointError(f"instance {text!r} has no network interface")
        return d.interfaces[instance.interfaces[0]]
    eni = d.interfaces.get(text) or _by_aws_id(net, text)
    if eni is None:
        raise EndpointError(f"instance or network interface {text!r} is not in the design (by name or AWS id)")
    return eni


def trace_flow(
    net: Network,
    flow: Flow,
    source: Endpoint,
    target: Endpoint,
    state: _State,
    *,
    start: _Start | None = None,
    walk_reply: bool = True,
) -> TraceResult:
    """Walk the forward leg, then the reply; combine into one result.

    `start` begins the forward leg somewhere other than the source endpoint (see
    `trace_packet`); `walk_reply=False` skips the reply.
    """
    walker = _Walker(net, "forward", source, target)
    if start is None:
        forward = walker.run(state.copy())
    else:
        start(walker, state.copy())
        forward = walker.leg
    ret: _Leg | None = None
    if (
        walk_reply
        and forward.disposition in (Disposition.ACCEPTED, Disposition.EXITS_NETWORK)
        and forward.end_state is not None
    ):
        end = forward.end_state
        reply_dports = end.sports
        reply_sports = end.dports
        if end.proto == 1:
            # Why: a query is answered by its reply type (echo request 8 -> echo reply 0; was
            # only done for echo, so a timestamp request got a 'reply' of type 13).
            reply_sports = ((0, 0),)
            reply_type = ICMP_REPLIES.get(end.dports[0][0] // 256)
            reply_dports = ((reply_type * 256, reply_type * 256),) if reply_type is not None else end.dports
        reply = _State(end.dst, end.src, end.proto, reply_sports, reply_dports)
        back = _Walker(net, "return", Endpoint(target.label, end.dst, forward.end_eni), source)
        back.sessions = walker.sessions
        back.sg_sessions = walker.sg_sessions
        back.expected_reply = (state.dst, state.src)
        ret = back.run(reply)
    blockers = list(forward.blockers) + (ret.blockers if ret else [])
    warnings = list(forward.warnings) + (ret.warnings if ret else [])
    disposition = forward.disposition or Disposition.NO_ROUTE
    if forward.first_filter_disposition is not None:
        disposition = forward.first_filter_disposition
    elif ret is not None and (ret.blockers or not (ret.disposition and ret.disposition.success)):
        disposition = Disposition.RETURN_BLOCKED
    admitted: PortRanges = ()
    if ret is not None and ret.end_state is not None and state.proto in (6, 17) and not ret.ports_denied:
        # Why: when a NACL/SG denies the reply on every port, the walk goes on with the ports
        # unchanged; those ports were not admitted (it reported e.g. ((40000, 40000),) as admitted).
        admitted = ret.end_state.dports
    return TraceResult(
        flow=flow,
        disposition=disposition,
        forward=tuple(forward.hops),
        return_path=tuple(ret.hops) if ret else (),
        blocked_by=tuple(_dedupe(blockers)),
        warnings=tuple(_dedupe(warnings)),
        admitted_src_ports=admitted,
    )


def _dedupe(items: list[Blocker]) -> list[Blocker]:
    seen = set()
    out = []
    for item in items:
        key = (item.code, item.direction, item.component, item.detail)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


# -- endpoints -------------------------------------------------------------------------------------


def internet_address(net: Network) -> int:
    """An internet address that no rule, route or prefix list of the design singles out."""
    cached = net.cache.get("internet_address")
    if cached is None:
        cached = net.cache["internet_address"] = _pick_internet_address(net)
    assert isinstance(cached, int)
    return cached


def _pick_internet_address(net: Network) -> int:
    ranges = []
    d = net.design
    for group in d.security_groups.values():
        ranges += [r.cidr for r in group.ingress + group.egress if r.cidr is not None and r.cidr.length > 0]
    for acl in d.network_acls.values():
        ranges += [r.cidr for r in acl.inbound + acl.outbound if r.cidr.length > 0]
    for table in d.route_tables.values():
        ranges += [r.destination for r in table.routes if r.destination is not None and r.destination.length > 0]
    for plist in d.prefix_lists.values():
        ranges += list(plist.entries)
    for text in INTERNET_CANDIDATES:
        addr = ip_to_int(text)
        if not any(c.contains(addr) for c in ranges):
            return addr
    return ip_to_int(INTERNET_CANDIDATES[0])


def resolve(net: Network, text: str, other: Endpoint | None) -> Endpoint:
    """An endpoint as a user writes it: instance, ENI, IP, `internet` or an internet address.

    `other` is the flow's source when resolving the destination: an instance is addressed by
    its private IP from inside (same or peered VPC), by its public IP from anywhere else.
    """
    d = net.design
    name = text.strip()
    if name.lower() == "internet":
        return Endpoint("internet", internet_address(net))
    eni: Interface | None = None
    if name in d.instances:
        instance = d.instances[name]
        if not instance.interfaces:
            raise EndpointError(f"instance {name!r} has no network interface")
        eni = d.interfaces[instance.interfaces[0]]
    elif name in d.interfaces:
        eni = d.interfaces[name]
    else:
        by_aws_id = _by_aws_id(net, name)
        if by_aws_id is not None:
            eni = by_aws_id
    if eni is not None:
        if other is None:
            return Endpoint(name, eni.primary_ip, eni)
        if other.eni is not None:
            src_vpc = net.interface_vpc(other.eni)
            dst_vpc = net.interface_vpc(eni)
            if src_vpc == dst_vpc or dst_vpc in net.peers.get(src_vpc, {}) or eni.public_ip is None:
                return Endpoint(name, eni.primary_ip, eni)
        elif eni.public_ip is None:
            # From the internet, an instance without a public IP has no address to send to.
            return Endpoint(name, eni.primary_ip, eni)
        return Endpoint(name, eni.public_ip, eni) if eni.public_ip is not None else Endpoint(name, eni.primary_ip, eni)
    try:
        addr = ip_to_int(name)
    except ValueError:
        known = ", ".join(sorted(d.instances)[:6])
        raise EndpointError(
            f"endpoint {text!r} is not an instance, interface, IPv4 address or 'internet'"
            + (f" (instances: {known}{', ...' if len(d.instances) > 6 else ''})" if known else "")
        ) from None
    owner = net.eni_by_ip.get(addr) or net.eni_by_public.get(addr)
    if owner is not None and other is None and addr == owner.public_ip:
        # Why: an ENI only ever sends from its private IP; the IGW applies the 1:1 NAT to the
        # public IP on the way out (aws-semantics.md, "Internet gateway").
        return Endpoint(name, owner.primary_ip, owner)
    return Endpoint(name, addr, owner)


def _by_aws_id(net: Network, text: str) -> Interface | None:
    """An instance's primary interface, or an interface, by AWS id (an index built once)."""
    index = net.cache.get("eni_by_aws_id")
    if index is None:
        built: dict[str, Interface] = {}
        for eni in net.design.interfaces.values():
            if eni.aws_id:
                built.setdefault(eni.aws_id, eni)
        for instance in net.design.instances.values():
            if instance.aws_id and instance.interfaces:
                built[instance.aws_id] = net.design.interfaces[instance.interfaces[0]]
        index = net.cache["eni_by_aws_id"] = built
    return cast(dict[str, Interface], index).get(text)


# -- addresses within one VPC ----------------------------------------------------------------------
#
# Why: VPCs that are not peered may use the same CIDRs (AWS forbids overlap only between the two
# VPCs of a peering connection), and multi-account snapshots often do (every default VPC is
# 172.31.0.0/16). The network-wide address indexes then name another VPC's subnet or interface:
# local delivery inside one VPC said NULL_ROUTED or NEIGHBOR_UNREACHABLE. These lookups stay
# within one VPC (one subnet), and keep the indexes as the fast path.


def _subnet_in_vpc(net: Network, vpc: str, addr: int) -> Subnet | None:
    subnet = net.subnet_of(addr)
    if subnet is not None and subnet.vpc == vpc:
        return subnet
    by_vpc = net.cache.get("subnets_by_vpc")
    if by_vpc is None:
        built: dict[str, list[Subnet]] = {}
        for candidate in net.design.subnets.values():
            built.setdefault(candidate.vpc, []).append(candidate)
        by_vpc = net.cache["subnets_by_vpc"] = built
    return next((s for s in cast(dict[str, list[Subnet]], by_vpc).get(vpc, ()) if s.cidr.contains(addr)), None)


def _eni_in_subnet(net: Network, subnet: str, addr: int) -> Interface | None:
    eni = net.eni_by_ip.get(addr)
    if eni is not None and eni.subnet == subnet:
        return eni
    index = net.cache.get("eni_by_subnet_ip")
    if index is None:
        index = net.cache["eni_by_subnet_ip"] = {
            (candidate.subnet, ip): candidate for candidate in net.design.interfaces.values() for ip in candidate.private_ips
        }
    return cast(dict[tuple[str, int], Interface], index).get((subnet, addr))


def _nat_in_subnet(net: Network, subnet: str, addr: int) -> NatGateway | None:
    nat = net.nat_by_ip.get(addr)
    if nat is not None and nat.subnet == subnet:
        return nat
    index = net.cache.get("nat_by_subnet_ip")
    if index is None:
        index = net.cache["nat_by_subnet_ip"] = {(n.subnet, n.private_ip): n for n in net.design.nat_gateways.values()}
    return cast(dict[tuple[str, int], NatGateway], index).get((subnet, addr))


def _owner_in_vpc(net: Network, vpc: str, addr: int) -> tuple[Interface | None, NatGateway | None]:
    """The interface or NAT gateway of `vpc` that has private address `addr`."""
    subnet = _subnet_in_vpc(net, vpc, addr)
    if subnet is None:
        return None, None
    return _eni_in_subnet(net, subnet.name, addr), _nat_in_subnet(net, subnet.name, addr)


# -- the walker ------------------------------------------------------------------------------------


class _Walker:
    def __init__(self, net: Network, direction: str, source: Endpoint, target: Endpoint) -> None:
        self.net = net
        self.direction = direction
        self.source = source
        self.target = target
        self.leg = _Leg(direction)
        self.sessions: dict[int, _Session] = {}  # device address -> translation to undo
        self.sg_sessions: set[str] = set()  # ENIs whose security groups saw the forward leg
        self.expected_reply: tuple[int, int] | None = None
        self.hop_count = 0
        self.last_key: tuple[int, int, int, PortRanges, PortRanges] | None = None
        self.last_packet: Packet | None = None
        # Rule texts by the rule's id: rules live as long as the network's design, and hashing
        # a frozen rule record costs more than formatting it.
        self.texts = cast(dict[int, str], net.cache.setdefault("rule_texts", {}))

    def nacl_text(self, rule: NaclRule | None) -> str:
        text = self.texts.get(id(rule))
        if text is None:
            text = self.texts[id(rule)] = _nacl_rule_text(rule)
        return text

    def sg_text(self, rule: SgRule) -> str:
        text = self.texts.get(id(rule))
        if text is None:
            text = self.texts[id(rule)] = _sg_rule_text(rule)
        return text

    @property
    def returning(self) -> bool:
        return self.direction == "return"

    # -- recording ---------------------------------------------------------------------------

    def hop(self, kind: str, name: str, aws_id: str | None, state: _State, steps: list[Step]) -> None:
        # Most hops leave the header as it was: reuse the last Packet record when it is unchanged.
        key = (state.src, state.dst, state.proto, state.sports, state.dports)
        if key != self.last_key:
            self.last_key = key
            self.last_packet = state.packet()
        assert self.last_packet is not None
        self.leg.hops.append(Hop(kind, name, aws_id, self.last_packet, tuple(steps)))

    def block(
        self, code: Code, component: str, detail: str, location: Location | None, filter_disposition: Disposition
    ) -> None:
        self.leg.blockers.append(Blocker(code, self.direction, component, detail, location))
        if self.leg.first_filter_disposition is None and not self.returning:
            self.leg.first_filter_disposition = filter_disposition

    def stop(self, disposition: Disposition, code: Code | None, component: str, detail: str,
             location: Location | None) -> None:
        if code is not None:
            self.leg.blockers.append(Blocker(code, self.direction, component, detail, location))
        self.leg.disposition = disposition

    def warn(self, code: Code, component: str, detail: str, location: Location | None) -> None:
        self.leg.warnings.append(Blocker(code, self.direction, component, detail, location))

    # -- entry points -------------------------------------------------------------------------

    def run(self, state: _State) -> _Leg:
        if self.source.eni is not None and (
            not self.returning or state.src in self.source.eni.private_ips
        ):
            self.from_eni(self.source.eni, state)
        else:
            self.from_internet(state)
        return self.leg

    def eni_label(self, eni: Interface) -> tuple[str, str | None]:
        if eni.instance is not None:
            instance = self.net.design.instances.get(eni.instance)
            if instance is not None and len(instance.interfaces) == 1:
                return instance.name, instance.aws_id or eni.aws_id
            return eni.name, (instance.aws_id if instance else None) or eni.aws_id
        return eni.name, eni.aws_id

    def check_running(self, eni: Interface, steps: list[Step], disposition: Disposition) -> None:
        if self.returning and eni in (self.source.eni, self.target.eni):
            # Why: the flow's two ends were already checked on the forward leg; reporting the same
            # stopped instance again as a 'return' blocker would double-count one setting.
            return
        instance = self.net.design.instances.get(eni.instance or "")
        if instance is not None and not instance.running:
            detail = f"instance {instance.name} is {instance.state}, not running"
            steps.append(Step(StepKind.CHECK, Action.DROP, detail, instance.name, location=instance.loc))
            self.block(Code.INSTANCE_NOT_RUNNING, instance.name, detail, instance.loc, disposition)

    def from_eni(self, eni: Interface, state: _State) -> None:
        steps: list[Step] = []
        label, aws_id = self.eni_label(eni)
        self.check_running(eni, steps, Disposition.DENIED_OUT)
        self.sg_check(eni, state, "egress", steps)
        self.hop("eni", label, aws_id, state, steps)
        self.route_from_subnet(self.net.design.subnets[eni.subnet], state)

    def from_vpc_router(self, vpc_name: str, state: _State) -> None:
        """A packet injected at the VPC router: it only delivers locally, into one of its subnets."""
        net = self.net
        vpc = net.design.vpcs[vpc_name]
        self.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
        subnet = _subnet_in_vpc(net, vpc.name, state.dst)
        if subnet is not None:
            self.deliver(subnet, state, crossing=True)
        elif any(c.contains(state.dst) for c in vpc.cidrs):
            detail = f"{_ip(state.dst)} is in vpc {vpc.name}'s CIDR but in none of its subnets"
            self.stop(Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION, vpc.name, detail, vpc.loc)
        else:
            detail = f"{_ip(state.dst)} is outside vpc {vpc.name}'s CIDRs; its router only delivers locally"
            self.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, vpc.name, detail, vpc.loc)

    def from_internet(self, state: _State) -> None:
        net = self.net
        self.hop("internet", "internet", None, state, [])
        eni = net.eni_by_public.get(state.dst)
        nat = net.nat_by_public.get(state.dst)
        vpc = net.interface_vpc(eni) if eni else (net.design.subnets[nat.subnet].vpc if nat else None)
        if vpc is None:
            if is_private(state.dst) or net.vpc_of(state.dst) is not None:
                detail = (
                    f"{_ip(state.dst)} is a private address; the internet cannot reach it"
                    + (f" ({self.target.label} has no public IP)" if self.target.eni is not None else "")
                )
                self.stop(Disposition.NULL_ROUTED, Code.NO_PATH, "internet", detail,
                          self.target.eni.loc if self.target.eni else None)
            else:
                detail = f"{_ip(state.dst)} is no public IP of this design"
                self.stop(Disposition.NO_ROUTE, Code.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS, "internet", detail, None)
            return
        igw = net.igw_by_vpc.get(vpc)
        if igw is None:
            detail = f"vpc {vpc} has no internet gateway, so its public IP {_ip(state.dst)} is unreachable"
            self.stop(Disposition.NO_ROUTE, Code.NO_PATH, vpc, detail, net.design.vpcs[vpc].loc)
            return
        self.igw_ingress(vpc, state)

    # -- filters ------------------------------------------------------------------------------

    def sg_check(self, eni: Interface, state: _State, direction: str, steps: list[Step]) -> None:
        kind = StepKind.SG_EGRESS if direction == "egress" else StepKind.SG_INGRESS
        if not self.returning:
            # Why: security groups are stateful ("replies to allowed traffic are allowed in both
            # directions", aws-semantics.md). A forward denial is already reported; the reply must
            # then pass by the session the fixed rule would create, not be re-judged by rules
            # written for the other direction (that reported a bogus 'return' SG blocker).
            self.sg_sessions.add(eni.name)
        if self.returning and eni.name in self.sg_sessions:
            steps.append(Step(StepKind.SESSION, Action.ALLOW,
                              f"security groups pass the reply by the connection's session ({direction})",
                              ", ".join(eni.security_groups)))
            return
        groups = self.net.groups(eni.security_groups)
        table = groups.egress if direction == "egress" else groups.ingress
        rules = groups.egress_rules if direction == "egress" else groups.ingress_rules
        peer = state.dst if direction == "egress" else state.src
        allowed: list[tuple[int, int]] = []
        index = -1
        for lo, hi in state.dports:
            if lo == hi:
                hit = table.match(peer, state.proto, lo)
                if hit >= 0:
                    allowed.append((lo, hi))
                    index = hit if index < 0 else index
            else:
                runs = table.allowed_ports(peer, state.proto, lo, hi)
                allowed += runs
                if runs and index < 0:
                    index = table.match(peer, state.proto, runs[0][0])
        names = ", ".join(eni.security_groups) or "(none)"
        if index >= 0:
            group, rule = rules[index]
            text = self.sg_text(rule)
            steps.append(Step(kind, Action.ALLOW, f"allowed by security group {group}: {text}", group,
                              f"{group} {direction} {text}", rule.loc))
            if _ranges_size(allowed) != _ranges_size(state.dports):
                state.dports = tuple(allowed)
            return
        has_rules = any(
            (g := self.net.design.security_groups.get(n)) is not None and (g.egress if direction == "egress" else g.ingress)
            for n in eni.security_groups
        )
        peer_text = "to" if direction == "egress" else "from"
        detail = (
            f"no {direction} rule of security groups [{names}] on {eni.name} admits "
            f"{_packet_text(state.proto, state.dports)} {peer_text} {_ip(peer)}"
        )
        code = Code.ENI_SG_RULES_MISMATCH if has_rules else Code.SG_HAS_NO_RULES
        self.leg.ports_denied = True
        steps.append(Step(kind, Action.DENY, detail, names, location=eni.loc))
        self.block(code, eni.name, detail, eni.loc,
                   Disposition.DENIED_OUT if direction == "egress" else Disposition.DENIED_IN)

    def nacl_check(self, subnet: Subnet, state: _State, direction: str, steps: list[Step]) -> None:
        """Stateless: evaluated on every crossing, on the packet's destination port(s)."""
        acl = self.net.nacl(subnet.network_acl)
        acl_model = self.net.design.network_acls[subnet.network_acl]
        table = acl.outbound if direction == "outbound" else acl.inbound
        rules = acl.outbound_rules if direction == "outbound" else acl.inbound_rules
        kind = StepKind.NACL_OUT if direction == "outbound" else StepKind.NACL_IN
        peer = state.dst if direction == "outbound" else state.src
        allowed: list[tuple[int, int]] = []
        denied: list[tuple[int, int, NaclRule | None]] = []
        decided: list[tuple[int, int, NaclRule | None]] = []
        for lo, hi in state.dports:
            if lo == hi:
                # One concrete port (every forward packet): a single lookup, no partition.
                rule = rules[table.first_match(peer, state.proto, lo)]
                decided.append((lo, hi, rule))
                if rule is not None and rule.allow:
                    allowed.append((lo, hi))
                else:
                    denied.append((lo, hi, rule))
                continue
            for run_lo, run_hi, index in table.first_match_ports(peer, state.proto, lo, hi):
                rule = rules[index]
                decided.append((run_lo, run_hi, rule))
                if rule is not None and rule.allow:
                    allowed.append((run_lo, run_hi))
                else:
                    denied.append((run_lo, run_hi, rule))
        name = acl_model.name
        if not denied:
            first = decided[0][2]
            if len(decided) == 1 and decided[0][0] == decided[0][1]:
                text = self.nacl_text(first)
            else:
                text = "; ".join(f"{_range_text(lo, hi)}: {self.nacl_text(rule)}" for lo, hi, rule in decided)
            steps.append(Step(kind, Action.ALLOW, f"network ACL {name} {direction}: {text}", name,
                              self.nacl_text(first), first.loc if first else acl_model.loc))
            return
        first_denier = denied[0][2]
        location = first_denier.loc if first_denier is not None else acl_model.loc
        what = (
            f"{_packet_text(state.proto, tuple((lo, hi) for lo, hi, _ in denied))} "
            f"{'to' if direction == 'outbound' else 'from'} {_ip(peer)}"
        )
        if allowed:
            detail = (
                f"network ACL {name} ({subnet.name}, {direction}) admits only ports {format_ports(tuple(allowed))} "
                f"of {format_ports(state.dports)}; {what} is denied by {self.nacl_text(first_denier)}"
            )
            steps.append(Step(kind, Action.DENY, detail, name, self.nacl_text(first_denier), location))
            self.block(Code.SUBNET_ACL_RESTRICTION, name, detail, location,
                       Disposition.DENIED_OUT if direction == "outbound" else Disposition.DENIED_IN)
            self.warn(Code.EPHEMERAL_RANGE_PARTIAL, name,
                      f"only ports {format_ports(tuple(allowed))} of {format_ports(state.dports)} get through "
                      f"network ACL {name} ({direction})", location)
            state.dports = tuple(allowed)
            return
        detail = f"network ACL {name} ({subnet.name}, {direction}) denies {what}: {self.nacl_text(first_denier)}"
        self.leg.ports_denied = True
        steps.append(Step(kind, Action.DENY, detail, name, self.nacl_text(first_denier), location))
        self.block(Code.SUBNET_ACL_RESTRICTION, name, detail, location,
                   Disposition.DENIED_OUT if direction == "outbound" else Disposition.DENIED_IN)

    # -- routing ------------------------------------------------------------------------------

    def route_from_subnet(self, subnet: Subnet, state: _State) -> None:
        self.hop_count += 1
        if self.hop_count > MAX_HOPS:
            self.stop(Disposition.NULL_ROUTED, Code.NO_PATH, subnet.name, "forwarding loop: too many hops", None)
            return
        net = self.net
        if subnet.cidr.contains(state.dst):
            # Inside one subnet: no route table, no NACL (AWS).
            self.deliver(subnet, state, crossing=False)
            return
        routes = net.routes(subnet.route_table)
        entry = routes.lookup(state.dst)
        table = net.design.route_tables[subnet.route_table]
        candidates = routes.considered(state.dst)
        steps: list[Step] = []
        if entry is None:
            detail = f"route table {table.name} has no route to {_ip(state.dst)}"
            self.nacl_check(subnet, state, "outbound", steps)
            steps.append(Step(StepKind.ROUTE, Action.DROP, detail, table.name, location=table.loc))
            self.hop("subnet", subnet.name, subnet.aws_id, state, steps)
            self.stop(Disposition.NO_ROUTE, Code.NO_ROUTE_TO_DESTINATION, table.name, detail, table.loc)
            return
        route_loc = entry.route.loc if entry.route else table.loc
        next_subnet = self._target_subnet(entry)
        if next_subnet is None or next_subnet != subnet.name:
            self.nacl_check(subnet, state, "outbound", steps)
        route_text = f"route table {table.name}: {entry.describe()} (longest prefix match for {_ip(state.dst)})"
        steps.append(Step(StepKind.ROUTE, Action.FORWARD, route_text, table.name, entry.describe(), route_loc,
                          considered=candidates))
        self.hop("subnet", subnet.name, subnet.aws_id, state, steps)
        self.follow(entry, subnet, state, route_loc)

    def _target_subnet(self, entry: RouteEntry) -> str | None:
        route = entry.route
        if route is None or route.target is None:
            return None
        d = self.net.design
        if route.target_kind is TargetKind.NAT_GATEWAY and route.target in d.nat_gateways:
            return d.nat_gateways[route.target].subnet
        eni = self._route_eni(entry)
        return eni.subnet if eni else None

    def _route_eni(self, entry: RouteEntry) -> Interface | None:
        route = entry.route
        d = self.net.design
        if route is None or route.target is None:
            return None
        if route.target_kind is TargetKind.INTERFACE:
            return d.interfaces.get(route.target)
        if route.target_kind is TargetKind.INSTANCE and route.target in d.instances:
            names = d.instances[route.target].interfaces
            return d.interfaces.get(names[0]) if names else None
        return None

    def follow(self, entry: RouteEntry, subnet: Subnet, state: _State, route_loc: Location) -> None:
        net = self.net
        d = net.design
        vpc = d.vpcs[subnet.vpc]
        route = entry.route
        if route is None:
            self.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
            target_subnet = _subnet_in_vpc(net, vpc.name, state.dst)
            if target_subnet is None:
                detail = f"{_ip(state.dst)} is in vpc {vpc.name}'s CIDR but in none of its subnets"
                self.stop(Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION, vpc.name, detail, vpc.loc)
                return
            self.deliver(target_subnet, state, crossing=True)
            return
        if route.blackhole:
            detail = f"route {entry.describe()} is a blackhole: packets matching it are dropped"
            self.stop(Disposition.NULL_ROUTED, Code.BAD_STATE_ROUTE, subnet.route_table, detail, route_loc)
            return
        kind = route.target_kind
        target = route.target or ""
        if kind is TargetKind.INTERNET_GATEWAY:
            self.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
            self.igw_egress(vpc.name, target, state)
        elif kind is TargetKind.NAT_GATEWAY:
            nat = d.nat_gateways[target]
            if nat.subnet != subnet.name:
                self.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
            self.nat_forward(nat, subnet, state)
        elif kind is TargetKind.PEERING:
            self.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
            self.peering(target, vpc.name, state, route_loc)
        elif kind in (TargetKind.INSTANCE, TargetKind.INTERFACE):
            eni = self._route_eni(entry)
            if eni is None:
                self.stop(Disposition.NULL_ROUTED, Code.BAD_STATE_ROUTE, target,
                          f"route target {target} has no network interface", route_loc)
                return
            if eni.subnet != subnet.name:
                self.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
            self.appliance(eni, subnet, state)
        else:
            unsupported = d.unsupported.get(target)
            label = f"{unsupported.kind} {target}" if unsupported else target
            detail = f"the route leads to {label}, which vpcsim does not simulate"
            self.hop("unsupported", target, unsupported.aws_id if unsupported else None, state, [])
            self.stop(Disposition.UNSUPPORTED, Code.UNSUPPORTED_COMPONENT, target, detail,
                      unsupported.loc if unsupported else route_loc)

    # -- delivery -----------------------------------------------------------------------------

    def deliver(self, subnet: Subnet, state: _State, crossing: bool) -> None:
        """The packet arrives in `subnet` addressed to `state.dst`."""
        net = self.net
        steps: list[Step] = []
        if crossing:
            self.nacl_check(subnet, state, "inbound", steps)
            self.hop("subnet", subnet.name, subnet.aws_id, state, steps)
            steps = []
        eni = _eni_in_subnet(net, subnet.name, state.dst)
        nat = _nat_in_subnet(net, subnet.name, state.dst)
        if nat is not None and nat.subnet == subnet.name:
            self.nat_arrival(nat, state)
            return
        if eni is None or eni.subnet != subnet.name:
            detail = f"no network interface in subnet {subnet.name} has address {_ip(state.dst)}"
            self.stop(Disposition.NEIGHBOR_UNREACHABLE, Code.DESTINATION_ADDRESS_UNASSIGNED, subnet.name, detail,
                      subnet.loc)
            return
        label, aws_id = self.eni_label(eni)
        if self.returning and eni.name in self.sessions_by_eni():
            self.appliance_return(eni, state)
            return
        # A stopped receiver drops what arrives: an inbound failure (docs/trace.md, DENIED_IN).
        self.check_running(eni, steps, Disposition.DENIED_IN)
        self.sg_check(eni, state, "ingress", steps)
        self.finish_at_eni(eni, label, aws_id, state, steps)

    def sessions_by_eni(self) -> set[str]:
        return {s.device[4:] for s in self.sessions.values() if s.device.startswith("eni:")}

    def finish_at_eni(self, eni: Interface, label: str, aws_id: str | None, state: _State, steps: list[Step]) -> None:
        if self.returning:
            expected = self.target.eni  # on the return leg the target is the client
            if expected is None or eni.name != expected.name:
                detail = f"the reply is delivered to {eni.name}, not to the client {self.target.label}"
                steps.append(Step(StepKind.DELIVER, Action.DROP, detail, eni.name))
                self.hop("eni", label, aws_id, state, steps)
                self.stop(Disposition.DENIED_IN, Code.RETURN_PATH_ASYMMETRIC, eni.name, detail, eni.loc)
                return
            if not self._reply_matches(state, steps, eni.name):
                self.hop("eni", label, aws_id, state, steps)
                return
        if any(step.action in (Action.DENY, Action.DROP) for step in steps):
            # Keep walking to report every blocker, but never show a dropped packet as delivered.
            steps.append(Step(StepKind.DELIVER, Action.DROP,
                              f"reaches {eni.name} ({_ip(state.dst)}), where the checks above drop it", eni.name))
        else:
            steps.append(Step(StepKind.DELIVER, Action.ACCEPT, f"delivered to {eni.name} ({_ip(state.dst)})",
                              eni.name))
        self.hop("eni", label, aws_id, state, steps)
        self.leg.disposition = Disposition.ACCEPTED
        self.leg.end_eni = eni
        self.leg.end_state = state

    def _reply_matches(self, state: _State, steps: list[Step], where: str) -> bool:
        """A reply whose source is not the address the client sent to is dropped by the client."""
        if self.expected_reply is None:
            return True
        want_src, want_dst = self.expected_reply
        if state.src == want_src and state.dst == want_dst:
            return True
        detail = (
            f"the reply arrives from {_ip(state.src)} but the client sent to {_ip(want_src)}; "
            "the client drops it (the reply left by another path than the request came in)"
        )
        steps.append(Step(StepKind.DELIVER, Action.DROP, detail, where))
        self.stop(Disposition.DENIED_IN, Code.RETURN_PATH_ASYMMETRIC, where, detail, None)
        return False

    # -- internet gateway ----------------------------------------------------------------------

    def igw_egress(self, vpc: str, igw_name: str, state: _State) -> None:
        net = self.net
        igw = net.design.internet_gateways[igw_name]
        steps: list[Step] = []
        before = state.packet()
        eni, nat = _owner_in_vpc(net, vpc, state.src)
        public: int | None = None
        if eni is not None and net.interface_vpc(eni) == vpc and eni.public_ip is not None:
            public = eni.public_ip
        elif nat is not None and nat.elastic_ip is not None and net.design.subnets[nat.subnet].vpc == vpc:
            public = nat.elastic_ip
        elif nat is not None and not nat.public:
            detail = f"private NAT gateway {nat.name} cannot send to the internet gateway {igw.name}"
            self.hop("internet_gateway", igw.name, igw.aws_id, state, steps)
            self.stop(Disposition.DENIED_OUT, Code.NGW_PRIVATE_TO_INTERNET, nat.name, detail, nat.loc)
            return
        if public is None:
            owner = eni.name if eni else _ip(state.src)
            detail = (
                f"{owner} ({_ip(state.src)}) has no public or Elastic IP, so internet gateway "
                f"{igw.name} drops its traffic"
            )
            steps.append(Step(StepKind.TRANSLATE, Action.DROP, detail, igw.name))
            self.hop("internet_gateway", igw.name, igw.aws_id, state, steps)
            self.stop(Disposition.DENIED_OUT, Code.IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS, owner, detail,
                      eni.loc if eni else igw.loc)
            return
        state.src = public
        steps.append(Step(StepKind.TRANSLATE, Action.TRANSLATE,
                          f"source NAT {before.src} -> {_ip(public)} (1:1 public IP)", igw.name,
                          before=before, after=state.packet()))
        self.hop("internet_gateway", igw.name, igw.aws_id, state, steps)
        self.to_internet(state)

    def to_internet(self, state: _State) -> None:
        net = self.net
        if net.eni_by_public.get(state.dst) is not None or net.nat_by_public.get(state.dst) is not None:
            # A public IP of this design: out to the internet and back in through its IGW.
            self.from_internet(state)
            return
        if is_private(state.dst):
            self.hop("internet", "internet", None, state, [])
            detail = f"{_ip(state.dst)} is a private address; the internet does not route it"
            self.stop(Disposition.NULL_ROUTED, Code.NO_PATH, "internet", detail, None)
            return
        steps: list[Step] = []
        if self.returning:
            if not self._reply_matches(state, steps, "internet"):
                self.hop("internet", "internet", None, state, steps)
                return
            if self.target.eni is not None:
                detail = f"the reply leaves to the internet instead of reaching {self.target.label}"
                self.hop("internet", "internet", None, state, steps)
                self.stop(Disposition.EXITS_NETWORK, Code.RETURN_PATH_ASYMMETRIC, "internet", detail, None)
                return
        steps.append(Step(StepKind.DELIVER, Action.EXIT, f"leaves for the internet ({_ip(state.dst)})",
                          "internet"))
        self.hop("internet", "internet", None, state, steps)
        self.leg.disposition = Disposition.EXITS_NETWORK
        self.leg.end_state = state

    def igw_ingress(self, vpc: str, state: _State) -> None:
        net = self.net
        igw = net.igw_by_vpc[vpc]
        before = state.packet()
        eni = net.eni_by_public.get(state.dst)
        nat = net.nat_by_public.get(state.dst)
        steps: list[Step] = []
        if eni is not None and net.interface_vpc(eni) == vpc:
            state.dst = eni.primary_ip
        elif nat is not None:
            state.dst = nat.private_ip
        else:
            detail = f"{_ip(state.dst)} is not a public IP of vpc {vpc}"
            self.hop("internet_gateway", igw.name, igw.aws_id, state, steps)
            self.stop(Disposition.DENIED_IN, Code.IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS, igw.name, detail, igw.loc)
            return
        steps.append(Step(StepKind.TRANSLATE, Action.TRANSLATE,
                          f"destination NAT {before.dst} -> {_ip(state.dst)} (1:1 public IP)", igw.name,
                          before=before, after=state.packet()))
        self.hop("internet_gateway", igw.name, igw.aws_id, state, steps)
        vpc_model = net.design.vpcs[vpc]
        self.hop("vpc_router", vpc_model.name, vpc_model.aws_id, state, [])
        subnet = _subnet_in_vpc(net, vpc, state.dst)
        if subnet is None:
            self.stop(Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION, vpc, "no subnet holds the address", None)
            return
        self.deliver(subnet, state, crossing=True)

    # -- NAT gateway --------------------------------------------------------------------------

    def nat_forward(self, nat: NatGateway, from_subnet: Subnet, state: _State) -> None:
        """Traffic routed *through* a NAT gateway."""
        net = self.net
        d = net.design
        nat_subnet = d.subnets[nat.subnet]
        steps: list[Step] = []
        if nat_subnet.name != from_subnet.name:
            self.nacl_check(nat_subnet, state, "inbound", steps)
            self.hop("subnet", nat_subnet.name, nat_subnet.aws_id, state, steps)
            steps = []
        if state.proto not in (1, 6, 17):
            detail = f"NAT gateway {nat.name} carries only TCP, UDP and ICMP (not protocol {state.proto})"
            self.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
            self.stop(Disposition.DENIED_IN, Code.NGW_UNSUPPORTED_PROTOCOL, nat.name, detail, nat.loc)
            return
        nat_vpc = d.vpcs[nat_subnet.vpc]
        if not any(c.contains(state.src) for c in nat_vpc.cidrs):
            detail = f"NAT gateway {nat.name} only translates traffic from its own VPC ({_ip(state.src)} is not)"
            self.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
            self.stop(Disposition.DENIED_IN, Code.NGW_REQUIRES_SOURCE_IN_VPC, nat.name, detail, nat.loc)
            return
        before = state.packet()
        self.sessions[nat.private_ip] = _Session(f"nat:{nat.name}", state.src, state.sports)
        state.src = nat.private_ip
        if state.proto in (6, 17):
            state.sports = (NAT_GATEWAY_PORTS,)
        steps.append(Step(StepKind.TRANSLATE, Action.TRANSLATE,
                          f"source NAT {before.src} -> {_ip(nat.private_ip)}"
                          + (f", ports -> {NAT_GATEWAY_PORTS[0]}-{NAT_GATEWAY_PORTS[1]}" if state.proto in (6, 17) else ""),
                          nat.name, location=nat.loc, before=before, after=state.packet()))
        self.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
        self.route_from_subnet(nat_subnet, state)

    def nat_arrival(self, nat: NatGateway, state: _State) -> None:
        """A packet addressed to the NAT gateway itself: only replies of its sessions pass."""
        steps: list[Step] = []
        session = self.sessions.get(nat.private_ip) if self.returning else None
        if session is None:
            detail = f"NAT gateway {nat.name} drops traffic that is not a reply to a connection it made"
            steps.append(Step(StepKind.SESSION, Action.DROP, detail, nat.name, location=nat.loc))
            self.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
            self.stop(Disposition.DENIED_IN, Code.NGW_NO_SESSION, nat.name, detail, nat.loc)
            return
        before = state.packet()
        state.dst = session.inside_addr
        if state.proto in (6, 17):
            state.dports = session.inside_ports
        steps.append(Step(StepKind.SESSION, Action.TRANSLATE,
                          f"reply matches the NAT session: destination {before.dst} -> {_ip(state.dst)}",
                          nat.name, before=before, after=state.packet()))
        self.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
        self.route_from_subnet(self.net.design.subnets[nat.subnet], state)

    # -- peering -------------------------------------------------------------------------------

    def peering(self, name: str, from_vpc: str, state: _State, route_loc: Location) -> None:
        net = self.net
        d = net.design
        pcx = d.peerings[name]
        steps: list[Step] = []
        self.hop("peering", pcx.name, pcx.aws_id, state, steps)
        if not pcx.active:
            detail = f"peering {pcx.name} is {pcx.status}, not active: the route behaves as a blackhole"
            self.stop(Disposition.NULL_ROUTED, Code.BAD_STATE_ROUTE, pcx.name, detail, pcx.loc)
            return
        other = pcx.accepter if pcx.requester == from_vpc else pcx.requester
        peer_vpc = d.vpcs[other]
        if not any(c.contains(state.dst) for c in peer_vpc.cidrs):
            detail = (
                f"{_ip(state.dst)} is outside vpc {other}'s CIDRs; a peering only carries traffic to the "
                "peer VPC itself (no transitive or edge-to-edge routing)"
            )
            self.stop(Disposition.NULL_ROUTED, Code.PCX_REQUIRES_ADDRESS_IN_VPC_CIDR, pcx.name, detail, route_loc)
            return
        self.hop("vpc_router", peer_vpc.name, peer_vpc.aws_id, state, [])
        subnet = _subnet_in_vpc(net, other, state.dst)
        if subnet is None:
            detail = f"{_ip(state.dst)} is in vpc {other}'s CIDR but in none of its subnets"
            self.stop(Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION, other, detail, peer_vpc.loc)
            return
        self.deliver(subnet, state, crossing=True)

    # -- appliances (NAT instances, firewalls) -------------------------------------------------

    def appliance(self, eni: Interface, from_subnet: Subnet, state: _State) -> None:
        """Traffic routed through an instance/ENI that forwards it."""
        net = self.net
        subnet = net.design.subnets[eni.subnet]
        steps: list[Step] = []
        if subnet.name != from_subnet.name:
            self.nacl_check(subnet, state, "inbound", steps)
            self.hop("subnet", subnet.name, subnet.aws_id, state, steps)
            steps = []
        label, aws_id = self.eni_label(eni)
        self.check_running(eni, steps, Disposition.DENIED_IN)
        self.sg_check(eni, state, "ingress", steps)
        if eni.source_dest_check and state.dst not in eni.private_ips:
            detail = (
                f"{eni.name} has source/destination check on, so it drops traffic addressed to "
                f"{_ip(state.dst)}; turn it off for a NAT instance or appliance"
            )
            steps.append(Step(StepKind.CHECK, Action.DROP, detail, eni.name, location=eni.loc))
            self.block(Code.ENI_SOURCE_DEST_CHECK_RESTRICTION, eni.name, detail, eni.loc, Disposition.DENIED_IN)
        self.sg_check(eni, state, "egress", steps)
        # Assumption (documented): an appliance that sends traffic on to an internet gateway is a
        # NAT instance and masquerades it behind its own address.
        routes = net.routes(subnet.route_table)
        entry = routes.lookup(state.dst)
        if (
            entry is not None
            and entry.route is not None
            and entry.route.target_kind is TargetKind.INTERNET_GATEWAY
            and state.src not in eni.private_ips
        ):
            before = state.packet()
            self.sessions[eni.primary_ip] = _Session(f"eni:{eni.name}", state.src, state.sports)
            state.src = eni.primary_ip
            steps.append(Step(StepKind.TRANSLATE, Action.TRANSLATE,
                              f"source NAT {before.src} -> {_ip(eni.primary_ip)} (NAT instance, assumed)",
                              eni.name, before=before, after=state.packet()))
        steps.append(Step(StepKind.FORWARD, Action.FORWARD, f"{eni.name} forwards the packet", eni.name))
        self.hop("eni", label, aws_id, state, steps)
        self.route_from_subnet(subnet, state)

    def appliance_return(self, eni: Interface, state: _State) -> None:
        session = self.sessions.get(eni.primary_ip)
        steps: list[Step] = []
        label, aws_id = self.eni_label(eni)
        if session is not None and state.dst == eni.primary_ip:
            before = state.packet()
            state.dst = session.inside_addr
            state.dports = session.inside_ports
            steps.append(Step(StepKind.SESSION, Action.TRANSLATE,
                              f"reply matches the NAT instance's session: destination {before.dst} -> "
                              f"{_ip(state.dst)}", eni.name, before=before, after=state.packet()))
        self.hop("eni", label, aws_id, state, steps)
        self.route_from_subnet(self.net.design.subnets[eni.subnet], state)


def _ranges_size(ranges: PortRanges | list[tuple[int, int]]) -> int:
    return sum(hi - lo + 1 for lo, hi in ranges)


def _ports_text(proto: int, lo: int, hi: int) -> str:
    if proto == -1:
        return "all traffic"
    label = protocol_label(proto)
    if proto == 1:
        if (lo, hi) == (0, 65535):
            return "icmp (all types)"
        if hi - lo == 255:
            return f"icmp type {lo // 256}"
        return f"icmp type {lo // 256} code {lo % 256}"
    if proto not in (6, 17) or (lo, hi) == (0, 65535):
        return f"{label} (all ports)"
    return f"{label} {lo}" if lo == hi else f"{label} {lo}-{hi}"


def _packet_text(proto: int, ports: PortRanges) -> str:
    """A packet as details name it: 'tcp 443', 'icmp type 8 code 0', '47' (no ports).

    Why: ICMP carries type*256+code in the port field, which read as 'icmp 3328' in details.
    """
    if proto == 1:
        return ", ".join(_ports_text(1, lo, hi) for lo, hi in ports)
    if proto not in (6, 17):
        return protocol_label(proto)
    return f"{protocol_label(proto)} {format_ports(ports)}"


def _range_text(lo: int, hi: int) -> str:
    return f"{lo}" if lo == hi else f"{lo}-{hi}"


_IP_TEXT: dict[int, str] = {}


def _ip(addr: int) -> str:
    """Dotted text of an address, memoized: a trace prints the same few addresses many times."""
    text = _IP_TEXT.get(addr)
    if text is None:
        if len(_IP_TEXT) > 65536:
            _IP_TEXT.clear()
        text = _IP_TEXT[addr] = int_to_ip(addr)
    return text


def _nacl_rule_text(rule: NaclRule | None) -> str:
    if rule is None:
        return "rule * (32767, implicit) deny all traffic"
    action = "allow" if rule.allow else "deny"
    return f"rule {rule.number} {action} {_ports_text(rule.protocol, rule.port_lo, rule.port_hi)} {rule.cidr}"


def _sg_rule_text(rule: SgRule) -> str:
    return f"{_ports_text(rule.protocol, rule.port_lo, rule.port_hi)} {rule.describe_peer()}"


__all__ = ["trace", "trace_packet", "resolve", "parse_protocol", "Endpoint", "START_KINDS", "core"]
