"""Walk: a CompiledNetwork and a flow -> a TraceResult, walked hop by hop forward and back.

The one walk every analysis reads. It follows AWS's order on each leg (security groups out,
NACL out, route table, the target's own semantics, NACL in, security groups in) and keeps going
past a filter that blocks, so that every setting that blocks the flow is reported, not only the
first. Only a routing dead end stops a leg. The reply is routed by its own route tables,
re-checked by the NACLs statelessly with the ports swapped, and passes security groups by their
session.

The walker knows no component: each hop is a component module's (`vpcsim.components`), reached
through the registry by route target or by address owner. Every filter, route and translation
step carries a typed detail (`results.FilterDetail`, `RouteDetail`, `TranslationDetail`), which is
what `check`, `analyse`, `batch` and `lint` read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TypeVar

import vpcsim.arguments as arguments
import vpcsim.facts as facts
from vpcsim.compile import CompiledNetwork
from vpcsim.components import base, eni, internet_gateway, subnet, vpc_router
from vpcsim.components.base import Endpoint, Leg, Session, State, Walk, ip
from vpcsim.core import ICMP_PROTOS
from vpcsim.errors import EndpointError, Location, UsageError
from vpcsim.facts import ICMP_REPLIES_BY_PROTO, LINUX_EPHEMERAL
from vpcsim.model import (
    IPV4_BITS,
    IPV4_MAX,
    IPV6_BITS,
    PROTOCOL_NAMES,
    Interface,
    Subnet,
    addr_bits,
    ip_to_int,
    parse_ip,
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
)

__all__ = ["START_KINDS", "Endpoint", "Walker", "dedupe", "parse_protocol", "resolve", "trace", "trace_flow", "trace_packet"]


def parse_protocol(protocol: str | int) -> int:
    if isinstance(protocol, int) and not isinstance(protocol, bool):
        value = protocol
    elif isinstance(protocol, str) and protocol.lower() in PROTOCOL_NAMES:
        value = PROTOCOL_NAMES[protocol.lower()]
    elif isinstance(protocol, str) and protocol.isdigit():
        value = int(protocol)
    else:
        raise UsageError(f"unknown protocol {protocol!r} (expected tcp, udp, icmp, icmpv6 or a number 0-255)")
    if not 0 <= value <= 255:
        raise UsageError(f"protocol {protocol!r}: a packet has one protocol (expected tcp, udp, icmp, icmpv6 or 0-255)")
    return value


def trace(
    net: CompiledNetwork,
    src: str,
    dst: str,
    port: int,
    protocol: str | int = "tcp",
    *,
    src_port: int | None = None,
    ephemeral: tuple[int, int] | None = None,
    icmp_code: int | None = None,
) -> TraceResult:
    """Trace `src` -> `dst` on `port` (ICMP, ICMPv6: `port` is the type, `icmp_code` the code, default 0)."""
    # Every argument checked first: a bad value is a UsageError quoting it (vpcsim.arguments).
    # (trace_args checks the port against the protocol's range, the source port and the
    # ephemeral range: they are not checked again here.)
    src, dst, port, proto, src_port, ephemeral = arguments.trace_args(src, dst, port, protocol, src_port, ephemeral)
    _check_icmp_code(icmp_code, proto, protocol)
    low, high = ephemeral or LINUX_EPHEMERAL

    source = resolve(net, src, None)
    target = resolve(net, dst, source)
    source, target = same_family(net, source, target)
    if proto in (6, 17):
        sports: PortRanges = ((src_port, src_port),) if src_port is not None else ((low, high),)
        dports: PortRanges = ((port, port),)
    elif proto in ICMP_PROTOS:
        # ICMP, ICMPv6: the core's "port" is type*256+code; the reply to an echo request is an echo reply.
        sports = ((0, 0),)
        code = port * 256 + (icmp_code or 0)
        dports = ((code, code),)
    else:
        sports = ((0, 0),)
        dports = ((0, 0),)
    flow = Flow(src, dst, ip(source.addr), ip(target.addr), protocol_label(proto), port, sports,
                _design_name(source), _design_name(target))
    result = trace_flow(net, flow, source, target, State(source.addr, target.addr, proto, sports, dports))
    for note in (_keyword_note(net, dst, source, target), _family_note(proto, source, target)):
        if note is not None and result.forward:
            # Say which DNS server the name stands for, and why it is (or is not) filtered; or that the
            # ICMP protocol is not the family's own.
            first = result.forward[0]
            result = dataclasses.replace(result, forward=(first._replace(steps=(note, *first.steps)),
                                                          *result.forward[1:]))
    return result


def _check_icmp_code(icmp_code: object, proto: int, protocol: str | int) -> None:
    if icmp_code is None:
        return
    if proto not in ICMP_PROTOS:
        raise UsageError(f"an icmp code ({icmp_code!r}) needs protocol icmp or icmpv6, not {protocol!r}")
    if isinstance(icmp_code, bool) or not isinstance(icmp_code, int) or not 0 <= icmp_code <= 255:
        raise UsageError(f"icmp code {icmp_code!r} is out of range (expected 0-255; 4 with type 3 = "
                         "fragmentation needed)")


def _family_note(proto: int, source: Endpoint, target: Endpoint) -> Step | None:
    """ICMPv6 in an IPv4 packet, or ICMP in an IPv6 one: legal numbers, but not what either family uses.

    Why: between two names the trace talks IPv4 (same_family), so `-p icmpv6 a b` walks protocol 58
    over IPv4, where no IPv6 rule applies; this says so instead of leaving a puzzling verdict.
    """
    six = target.addr > IPV4_MAX
    if proto == 58 and not six:
        detail = ("icmpv6 in an IPv4 packet: ICMPv6 is IPv6's (RFC 4443), and between two names the trace talks "
                  "IPv4; give an IPv6 address (or internet6) at each end to trace ICMPv6 over IPv6")
        ends = [e.eni.address_of(IPV6_BITS) if e.eni is not None else None for e in (source, target)]
        if ends[0] is not None and ends[1] is not None:
            # Both ends have IPv6: say the trace that pings over IPv6 (as `ping -6` would).
            detail += f" (here: {ip(ends[0])} -> {ip(ends[1])})"
    elif proto == 1 and six:
        detail = "icmp (1) in an IPv6 packet: IPv6 uses ICMPv6 (protocol 58, -p icmpv6), which icmp rules do not match"
    else:
        return None
    return Step(StepKind.CHECK, Action.ALLOW, detail)


# Names a trace accepts for the Amazon-provided services of the source's VPC (a design name wins).
SERVICE_KEYWORDS = ("dns", "dhcp", "metadata", "time-sync")


def _service_endpoint(net: CompiledNetwork, word: str, other: Endpoint | None) -> Endpoint:
    """`dns`, `dhcp`, `metadata`, `time-sync`: the address the source's VPC gives that service.

    `dns` follows the VPC's DHCP options set: the first server it names, the Route 53 Resolver
    (VPC base + 2) for AmazonProvidedDNS (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_DHCP_Options.html).
    """
    if other is None or other.eni is None:
        raise EndpointError(f"{word!r} names a service of the source's VPC: trace to it from an instance or "
                            "interface (e.g. `vpcsim trace web-a dns 53 --protocol udp`)")
    d = net.design
    home = d.subnets[other.eni.subnet]
    vpc = d.vpcs[home.vpc]
    six = other.eni.address_of(IPV4_BITS) is None  # an IPv6-only source asks the services' IPv6 addresses
    if word == "dns":
        first = vpc.dhcp_options.dns_servers[0] if vpc.dhcp_options.dns_servers else None
        if first is None:
            if six:
                return Endpoint(word, parse_ip(facts.AMAZON_DNS_IPV6))
            return Endpoint(word, vpc_router.resolver_address(vpc) or 0)
        return Endpoint(word, first, net.eni_by_ip.get(first))
    if word == "dhcp":
        return Endpoint(word, home.cidr.first + facts.VPC_ROUTER_OFFSET)
    if six:
        return Endpoint(word, parse_ip(facts.INSTANCE_METADATA_IPV6 if word == "metadata" else facts.TIME_SYNC_IPV6))
    return Endpoint(word, ip_to_int(facts.INSTANCE_METADATA if word == "metadata" else facts.TIME_SYNC))


def _keyword_note(net: CompiledNetwork, text: str, source: Endpoint, target: Endpoint) -> Step | None:
    """For `dns`: which server the VPC's DHCP options name, and whether filters apply to it."""
    if source.eni is None or text.strip().lower() != "dns" or text.strip() in net.design.instances or \
            text.strip() in net.design.interfaces:
        return None
    vpc = net.design.vpcs[net.design.subnets[source.eni.subnet].vpc]
    options = vpc.dhcp_options
    named = f"DHCP options set {options.name or options.aws_id}" if (options.name or options.aws_id) else \
        "DHCP options set"
    if options.dns_servers and options.dns_servers[0] is not None:
        detail = (f"dns: vpc {vpc.name}'s {named} names the custom DNS server {ip(target.addr)} first: traffic "
                  "to it is filtered by network ACLs and security groups like any other flow (only the "
                  f"Amazon-provided DNS is exempt: {facts.NACL_NOT_FILTERED_DOC})")
    else:
        detail = (f"dns: vpc {vpc.name}'s {named} names AmazonProvidedDNS: the Route 53 Resolver at "
                  f"{ip(target.addr)} (the VPC base + 2), which network ACLs and security groups do not filter "
                  f"({facts.NACL_NOT_FILTERED_DOC})")
    return Step(StepKind.CHECK, Action.ALLOW, detail, vpc.name, location=options.loc if options.loc.line else vpc.loc)


def _design_name(end: Endpoint) -> str | None:
    """How the design names an endpoint: its instance, else its interface (None: the internet)."""
    return None if end.eni is None else (end.eni.instance or end.eni.name)


START_KINDS = ("eni", "instance", "subnet", "vpc_router", "internet", "endpoint")


def trace_packet(
    net: CompiledNetwork,
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
    icmp_code: int | None = None,
) -> TraceResult:
    """Trace one packet injected at a given point, with the addresses taken as given (ICMP,
    ICMPv6: `dst_port` is the type, `icmp_code` the code, default 0).

    The lower-level sibling of `trace`: nothing is resolved from names to addresses, so a
    packet can carry any source (e.g. an address no interface owns) and start mid-path:

    - `eni` / `instance`: sent by that interface (or the instance's first interface), named by
      design name or AWS id: security groups out, then the subnet's NACL out and route table;
    - `subnet`: leaving that subnet (name or AWS id): NACL out, then its route table;
    - `vpc_router`: at that VPC's router (name or AWS id): local delivery into the subnet that
      holds `dst_ip` (NULL_ROUTED inside the VPC's CIDRs but in no subnet, NO_ROUTE outside);
    - `internet`: arriving from the internet (`start_name` is ignored);
    - `endpoint`: where a component's named place sends from (`onprem:corp`, `vpn:NAME`).

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
    if proto in ICMP_PROTOS and dst_port > 255:
        raise UsageError(f"{arguments.icmp_what(proto)} {dst_port} is out of range (expected 0-255; "
                         f"{128 if proto == 58 else 8} = echo request)")
    _check_icmp_code(icmp_code, proto, protocol)
    try:
        src = parse_ip(src_ip)
        dst = parse_ip(dst_ip)
    except ValueError:
        raise UsageError(f"trace_packet needs IPv4 or IPv6 addresses (got {src_ip!r} -> {dst_ip!r})") from None
    if addr_bits(src) != addr_bits(dst):
        raise UsageError(f"trace_packet: {src_ip!r} and {dst_ip!r} are of different address families (expected "
                         "two IPv4 or two IPv6 addresses; IPv6 reaches IPv4 by 64:ff9b::/96, NAT64)")
    low, high = ephemeral or LINUX_EPHEMERAL
    if not 0 <= low <= high <= 65535:
        raise UsageError(f"ephemeral range {low}-{high} is invalid (expected lo-hi within 0-65535)")
    if proto in (6, 17):
        sports: PortRanges = ((src_port, src_port),) if src_port is not None else ((low, high),)
        dports: PortRanges = ((dst_port, dst_port),)
    elif proto in ICMP_PROTOS:
        sports = ((0, 0),)
        code = dst_port * 256 + (icmp_code or 0)
        dports = ((code, code),)
    else:
        sports = ((0, 0),)
        dports = ((0, 0),)
    d = net.design
    start: _Start
    label = start_name or start_kind
    if start_kind in ("eni", "instance"):
        eni_model = _start_interface(net, label)
        source = Endpoint(label, src, eni_model)

        def start(walker: Walker, state: State) -> None:
            eni.send(walker, eni_model, state)
    elif start_kind == "subnet":
        subnet_model = _named(d.subnets, label, "subnet")
        source = Endpoint(label, src, net.owner_in_vpc(subnet_model.vpc, src)[0])

        def start(walker: Walker, state: State) -> None:
            subnet.route(walker, subnet_model, state)
    elif start_kind == "vpc_router":
        vpc_model = _named(d.vpcs, label, "vpc")
        source = Endpoint(label, src, net.owner_in_vpc(vpc_model.name, src)[0])

        def start(walker: Walker, state: State) -> None:
            vpc_router.inject(walker, vpc_model, state)
    elif start_kind == "endpoint":
        # A place a component names (`onprem:corp`, `vpn:NAME`): where its packets enter the design.
        named = resolve(net, label, None)
        entry = named.start
        if entry is None:
            raise EndpointError(f"{label!r} is not a place outside the VPCs a packet can start from "
                                "(expected e.g. onprem:NAME or vpn:NAME)")
        source = Endpoint(label, src, None, entry)

        def start(walker: Walker, state: State) -> None:
            assert entry is not None
            entry(walker, state)
    else:
        label = "internet"
        source = Endpoint(label, src, None)

        def start(walker: Walker, state: State) -> None:
            internet_gateway.from_internet(walker, state)
    target = Endpoint(dst_ip, dst, net.eni_by_ip.get(dst) or net.eni_by_public.get(dst))
    flow = Flow(label, dst_ip, src_ip, dst_ip, protocol_label(proto), dst_port, sports)
    return trace_flow(net, flow, source, target, State(src, dst, proto, sports, dports), start=start, walk_reply=reply)


_Start = Callable[["Walker", State], None]
_new_tuple = tuple.__new__  # a NamedTuple without its Python-level __new__ (the walk's hottest record)
_T = TypeVar("_T")


def _named(section: Mapping[str, _T], text: str, what: str) -> _T:
    """A design object by its design name, else by its AWS id."""
    if text in section:
        return section[text]
    for obj in section.values():
        if getattr(obj, "aws_id", None) == text:
            return obj
    raise EndpointError(f"{what} {text!r} is not in the design (by name or AWS id)")


def _start_interface(net: CompiledNetwork, text: str) -> Interface:
    d = net.design
    instance = d.instances.get(text)
    if instance is not None:
        if not instance.interfaces:
            raise EndpointError(f"instance {text!r} has no network interface")
        return d.interfaces[instance.interfaces[0]]
    eni = d.interfaces.get(text) or net.eni_by_aws_id.get(text)
    if eni is None:
        raise EndpointError(f"instance or network interface {text!r} is not in the design (by name or AWS id)")
    return eni


def trace_flow(
    net: CompiledNetwork,
    flow: Flow,
    source: Endpoint,
    target: Endpoint,
    state: State,
    *,
    start: _Start | None = None,
    walk_reply: bool = True,
) -> TraceResult:
    """Walk the forward leg, then the reply; combine into one result.

    `start` begins the forward leg somewhere other than the source endpoint (see
    `trace_packet`); `walk_reply=False` skips the reply.
    """
    walker = Walker(net, "forward", source, target)
    state.sender = source.eni
    if start is None:
        forward = walker.run(state.copy())
    else:
        start(walker, state.copy())
        forward = walker.leg
    for component in base.annotators():
        component.annotate(walker, state)
    ret: Leg | None = None
    if (
        walk_reply
        and forward.disposition in (Disposition.ACCEPTED, Disposition.EXITS_NETWORK)
        and forward.end_state is not None
    ):
        end = forward.end_state
        reply_dports = end.sports
        reply_sports = end.dports
        if end.proto in ICMP_PROTOS:
            # Why: a query is answered by its reply type (echo request 8 -> echo reply 0, ICMPv6
            # 128 -> 129; was only done for echo, so a timestamp request got a 'reply' of type 13).
            reply_sports = ((0, 0),)
            reply_type = ICMP_REPLIES_BY_PROTO[end.proto].get(end.dports[0][0] // 256)
            reply_dports = ((reply_type * 256, reply_type * 256),) if reply_type is not None else end.dports
        reply = State(end.dst, end.src, end.proto, reply_sports, reply_dports, forward.end_eni)
        back = Walker(net, "return", Endpoint(target.label, end.dst, forward.end_eni), source)
        back.sessions = walker.sessions
        back.sg_sessions = walker.sg_sessions
        back.eni_sessions = walker.eni_sessions
        back.expected_reply = (state.dst, state.src)
        back.reentry = forward.reentry
        back.steer = forward.steer
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
        blocked_by=tuple(dedupe(blockers)),
        warnings=tuple(dedupe(warnings)),
        admitted_src_ports=admitted,
        admitted_nat_ports=ret.translated_ports if ret is not None else (),
    )


def dedupe(items: list[Blocker]) -> list[Blocker]:
    """Blockers (or warnings) in order, each said once."""
    if len(items) < 2:
        return items
    seen = set()
    out = []
    for item in items:
        key = (item.code, item.direction, item.component, item.detail)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


# -- endpoints -------------------------------------------------------------------------------------


def resolve(net: CompiledNetwork, text: str, other: Endpoint | None) -> Endpoint:
    """An endpoint as a user writes it: instance, ENI, IP, `internet` or an internet address.

    `other` is the flow's source when resolving the destination: an instance is addressed by
    its private IP from inside (same or peered VPC), by its public IP from anywhere else.
    """
    d = net.design
    name = text.strip()
    if name.lower() == "internet":
        return Endpoint("internet", net.internet_address)
    if name.lower() == "internet6":
        return Endpoint("internet6", net.internet_address6)
    eni: Interface | None = None
    if name in d.instances:
        instance = d.instances[name]
        if not instance.interfaces:
            raise EndpointError(f"instance {name!r} has no network interface")
        eni = d.interfaces[instance.interfaces[0]]
    elif name in d.interfaces:
        eni = d.interfaces[name]
    else:
        by_aws_id = net.eni_by_aws_id.get(name)
        if by_aws_id is not None:
            eni = by_aws_id
    if eni is not None:
        if other is None:
            if eni.service is not None:
                raise EndpointError(f"{name!r} is a network interface of {eni.service}'s endpoint: an AWS service "
                                    "answers connections, it does not open them")
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
    if name.lower() in SERVICE_KEYWORDS:
        return _service_endpoint(net, name.lower(), other)
    try:
        addr = parse_ip(name)
    except ValueError as exc:
        for component in base.endpoint_namers():
            named = component.endpoint(net, name, other)
            if named is not None:
                return named
        if ":" in name and all(c in "0123456789abcdefABCDEF:." for c in name):
            raise EndpointError(f"endpoint {arguments.quote(text)}: {exc}") from None
        known = ", ".join(sorted(d.instances)[:6])
        raise EndpointError(
            f"endpoint {arguments.quote(text)} is not an instance, interface, external host, IPv4 or IPv6 address, "
            "'internet' or 'internet6' (as a destination also service:NAME or dns)"
            + (f"; instances: {known}{', ...' if len(d.instances) > 6 else ''}" if known else "")
        ) from None
    owner = net.owner_of(addr)
    if owner is not None and other is None and addr in owner.public_ips:
        # Why: an ENI only ever sends from its private IP; the IGW applies the 1:1 NAT to the
        # public IP on the way out (aws-semantics.md, "Internet gateway"), per private IP.
        return Endpoint(name, owner.private_for(addr) or owner.primary_ip, owner)
    return Endpoint(name, addr, owner)


def same_family(net: CompiledNetwork, source: Endpoint, target: Endpoint) -> tuple[Endpoint, Endpoint]:
    """Both ends of a flow in one address family: a dual-stack interface sends from (and is
    reached at) its address of the other end's family; an IPv6 destination is reached directly,
    since IPv6 has no public twin.

    An interface named at either end takes the family of an address (or `internet6`) at the
    other; two interfaces talk IPv4 unless one of them has only IPv6. An end that has no address
    of the family needed is an EndpointError that says so.
    """
    bits = addr_bits(target.addr)
    if addr_bits(source.addr) == bits:
        return source, target
    home = net.design.subnets.get(source.eni.subnet) if source.eni is not None else None
    if (home is not None and home.enable_dns64 and source.eni is not None and target.eni is None
            and bits == IPV4_BITS and source.eni.address_of(IPV4_BITS) is None):
        # DNS64: an IPv6-only client that looks an IPv4-only name up gets 64:ff9b::<IPv4>, which
        # a NAT gateway translates (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html).
        return source, Endpoint(target.label, parse_ip(facts.NAT64_PREFIX.partition("/")[0]) | target.addr)
    # Which end decides: one given as an address (or the internet) fixes the family.
    if source.eni is not None and (target.eni is None or target.eni.address_of(IPV4_BITS) is None):
        return _in_family(source, bits, "source"), target
    if target.eni is not None:
        return source, _in_family(target, addr_bits(source.addr), "destination")
    # Two addresses (or internets) of two families: no packet carries both.
    families = ("IPv4", "IPv6") if bits == IPV6_BITS else ("IPv6", "IPv4")
    raise EndpointError(f"the source {source.label!r} is {families[0]} and the destination {target.label!r} "
                        f"{families[1]} (expected both ends in one address family; IPv6 reaches IPv4 by "
                        f"{facts.NAT64_PREFIX}, NAT64)")


def _in_family(end: Endpoint, bits: int, what: str) -> Endpoint:
    eni = end.eni
    assert eni is not None
    addr = eni.address_of(bits)
    if addr is None:
        family = "IPv6" if bits == IPV6_BITS else "IPv4"
        raise EndpointError(f"the {what} {end.label!r} has no {family} address, and the other end is {family} "
                            "only (expected both ends in one address family)")
    return Endpoint(end.label, addr, eni)


# -- the walker ------------------------------------------------------------------------------------


class Walker:
    """One leg of a walk: records hops, blockers and warnings, and holds the flow's sessions.

    Implements `components.base.Walk`; the components do the forwarding.
    """

    def __init__(self, net: CompiledNetwork, direction: str, source: Endpoint, target: Endpoint) -> None:
        self.net = net
        self.direction = direction
        self.source = source
        self.target = target
        self.leg = Leg(direction)
        self.sessions: dict[int, Session] = {}
        self.sg_sessions: set[str] = set()
        self.eni_sessions: set[str] = set()
        self.expected_reply: tuple[int, int] | None = None
        self.hop_count = 0
        self.lookups: dict[tuple[str, int, int, int, PortRanges], int] = {}
        self.routes_taken: list[tuple[str, str, Location | None]] = []
        self.returning = direction == "return"
        self.reentry: Callable[[Walker, State], None] | None = None  # the reply leg's way in (Leg.reentry)
        self.steer: Callable[[Walk, Subnet, State], bool] | None = None  # the reply's way back (Leg.steer)
        self._last_key: tuple[int, int, int, PortRanges, PortRanges] | None = None
        self._last_packet: Packet | None = None

    def hop(self, kind: str, name: str, aws_id: str | None, state: State, steps: list[Step]) -> None:
        # Most hops leave the header as it was: reuse the last Packet record when it is unchanged.
        key = (state.src, state.dst, state.proto, state.sports, state.dports)
        packet = self._last_packet
        if key != self._last_key or packet is None:
            self._last_key = key
            packet = self._last_packet = state.packet()
        self.leg.hops.append(_new_tuple(Hop, (kind, name, aws_id, packet, tuple(steps))))

    def block(self, code: Code, component: str, detail: str, location: Location | None,
              filter_disposition: Disposition) -> None:
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

    def run(self, state: State) -> Leg:
        source = self.source.eni
        if source is not None and (not self.returning or state.src in source.private_ips or (
                source.ipv6_prefixes and any(c.contains(state.src) for c in source.ipv6_prefixes))):
            eni.send(self, source, state)
        elif self.source.start is not None and not self.returning:
            self.source.start(self, state)
        elif self.reentry is not None:
            self.reentry(self, state)
        elif self.returning and self.target.eni is not None and eni.from_service(self, self.target.eni, state):
            pass
        else:
            internet_gateway.from_internet(self, state)
        return self.leg
