"""NAT gateway: source NAT of its VPC's traffic to its own address (ports 1024-65535), replies undone.

TCP, UDP and ICMP only (NAT64: TCP, UDP and ICMPv6, translated to ICMP and back); only traffic from its own VPC; a packet addressed to the gateway itself
passes only as the reply of a connection it made (aws-semantics.md, "NAT gateway";
https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsim.components import base, subnet
from vpcsim.components.base import Component, Session, State, Walk, ip
from vpcsim.components.text import packet_text
from vpcsim.errors import Diagnostic, Location, Severity
from vpcsim.facts import GONE_STATES, NAT64_ICMP4_TO_6, NAT64_ICMP6_TO_4, NAT64_PREFIX, NAT_GATEWAY_PORTS
from vpcsim.importers import mapping
from vpcsim.loader import extensions
from vpcsim.loader.validate import route_target_vpcs
from vpcsim.model import IPV4_MAX, Cidr, Design, NatGateway, Subnet, TargetKind, protocol_label
from vpcsim.results import Action, Code, Disposition, PortRanges, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork, RouteEntry
    from vpcsim.importers.aws import Importer


_NAT64 = Cidr.parse(NAT64_PREFIX)


def icmp_translate(ports: PortRanges, table: dict[tuple[int, int | None], tuple[int, int | None]]
                   ) -> PortRanges | None:
    """NAT64's ICMP <-> ICMPv6 translation of one message (type*256+code); None: the translator drops it."""
    lo, hi = ports[0]
    if lo != hi:  # a walk carries one ICMP message
        return None
    kind, code = divmod(lo, 256)
    got = table.get((kind, code)) or table.get((kind, None))
    if got is None:
        return None
    new_kind, new_code = got
    port = new_kind * 256 + (code if new_code is None else new_code)
    return ((port, port),)


def _nat64_icmp(walk: Walk, nat: NatGateway, state: State, steps: list[Step], proto: int) -> PortRanges | None:
    """The message NAT64 turns the packet's ICMPv6 (58) or ICMP (1) into; None: dropped (the walk stops)."""
    got = icmp_translate(state.dports, NAT64_ICMP6_TO_4 if proto == 58 else NAT64_ICMP4_TO_6)
    if got is None:
        other, section = ("ICMP", "5.2") if proto == 58 else ("ICMPv6", "4.2")
        detail = (f"NAT gateway {nat.name} (NAT64) drops {packet_text(proto, state.dports)}: it has no {other} "
                  f"counterpart (RFC 7915 section {section})")
        walk.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
        walk.stop(Disposition.DENIED_IN, Code.NGW_UNSUPPORTED_PROTOCOL, nat.name, detail, nat.loc)
    return got


def forward(walk: Walk, nat: NatGateway, from_subnet: Subnet, state: State) -> None:
    """Traffic routed *through* a NAT gateway."""
    d = walk.net.design
    nat_subnet = d.subnets[nat.subnet]
    steps: list[Step] = []
    if nat_subnet.name != from_subnet.name:
        subnet.nacl_check(walk, nat_subnet, state, "inbound", steps)
        walk.hop("subnet", nat_subnet.name, nat_subnet.aws_id, state, steps)
        steps = []
    six = state.dst > IPV4_MAX
    # IPv4: TCP, UDP, ICMP; NAT64: TCP, UDP, ICMPv6 (an IPv6 packet's ICMP is ICMPv6, protocol 58).
    carried = (6, 17, 58) if six else (1, 6, 17)
    if state.proto not in carried:
        detail = (f"NAT gateway {nat.name} carries only TCP, UDP and {'ICMPv6 (NAT64)' if six else 'ICMP'} "
                  f"(not protocol {protocol_label(state.proto)})")
        walk.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
        walk.stop(Disposition.DENIED_IN, Code.NGW_UNSUPPORTED_PROTOCOL, nat.name, detail, nat.loc)
        return
    nat_vpc = d.vpcs[nat_subnet.vpc]
    if six and not _NAT64.contains(state.dst):
        detail = (f"NAT gateway {nat.name} translates IPv6 only to {_NAT64} (NAT64), not to {ip(state.dst)} "
                  "(an egress-only internet gateway is IPv6's way out)")
        walk.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
        walk.stop(Disposition.DENIED_IN, Code.NGW_UNSUPPORTED_PROTOCOL, nat.name, detail, nat.loc)
        return
    if not any(c.contains(state.src) for c in nat_vpc.cidrs):
        detail = f"NAT gateway {nat.name} only translates traffic from its own VPC ({ip(state.src)} is not)"
        walk.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
        walk.stop(Disposition.DENIED_IN, Code.NGW_REQUIRES_SOURCE_IN_VPC, nat.name, detail, nat.loc)
        return
    icmp4: PortRanges | None = None
    if six and state.proto == 58:
        icmp4 = _nat64_icmp(walk, nat, state, steps, 58)
        if icmp4 is None:
            return
    before = state.packet()
    walk.sessions[nat.private_ip] = Session(f"nat:{nat.name}", state.src, state.sports,
                                            _NAT64.first if six else None)
    state.src = nat.private_ip
    if six:
        # NAT64: the IPv4 destination is the last 32 bits of the 64:ff9b::/96 address (DNS64
        # wrote it there): https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-nat64-dns64.html
        state.dst &= IPV4_MAX
    if icmp4 is not None:
        state.proto, state.dports = 1, icmp4  # ICMPv6 -> ICMP (echo request 128 -> 8)
    if state.proto in (6, 17):
        state.sports = (NAT_GATEWAY_PORTS,)
    after = state.packet()
    steps.append(Step(StepKind.TRANSLATE, Action.TRANSLATE,
                      ("NAT64 " if six else "") + f"source NAT {before.src} -> {ip(nat.private_ip)}"
                      + (f", destination {before.dst} -> {ip(state.dst)}" if six else "")
                      + (f", ports -> {NAT_GATEWAY_PORTS[0]}-{NAT_GATEWAY_PORTS[1]}" if state.proto in (6, 17) else "")
                      + (f", {packet_text(58, before.dst_ports)} -> {packet_text(1, state.dports)}"
                         if icmp4 is not None else ""),
                      nat.name, location=nat.loc, before=before, after=after))
    walk.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
    state.sender = None  # a NAT gateway has no security group: no reference can name it
    subnet.route(walk, nat_subnet, state)


# -- validation -------------------------------------------------------------------------------


def _vpcs(design: Design, name: str) -> tuple[str, ...] | None:
    nat = design.nat_gateways.get(name)
    subnet_ = design.subnets.get(nat.subnet) if nat else None
    return (subnet_.vpc,) if subnet_ else None


def public_in_public_subnet(design: Design) -> list[Diagnostic]:
    """A public NAT gateway reaches the internet only from a subnet whose table routes 0.0.0.0/0 to
    an internet gateway (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-scenarios.html)."""
    out = []
    for nat in design.nat_gateways.values():
        if not nat.public:
            continue
        subnet_ = design.subnets.get(nat.subnet)
        table = design.route_tables.get(subnet_.route_table) if subnet_ else None
        if subnet_ is None or table is None:
            continue
        to_igw = [
            route.destination
            for route in table.routes
            if route.target_kind is TargetKind.INTERNET_GATEWAY
            and route.destination is not None
            and not route.blackhole
            and route_target_vpcs(design, route) == (subnet_.vpc,)
        ]
        if not Cidr.covers_space(to_igw):
            out.append(Diagnostic(
                Severity.WARNING, "nat-without-igw-route",
                f"NAT gateway {nat.name}: public, but route table {table.name} of its subnet "
                f"{subnet_.name} has no route for 0.0.0.0/0 to an internet gateway (expected the "
                "NAT gateway in a public subnet, or connectivity: private)",
                nat.loc))
    return out


# A NAT gateway may take a route more specific than local: middlebox insertion
# (https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-middlebox).
extensions.register_target(extensions.Target(
    TargetKind.NAT_GATEWAY.value, "NAT gateway", _vpcs, middlebox=lambda design, name: True))
extensions.register_rule("nat_gateway", public_in_public_subnet)


# -- AWS import: describe-nat-gateways --------------------------------------------------------


def _pick(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept: dict[str, mapping.Picked] = {}
    for nat_id, j in imp.raw["NatGateways"].items():
        for address in j.objs("NatGatewayAddresses"):
            eni_id = address.text("NetworkInterfaceId")
            if eni_id is not None:
                imp.claimed_interfaces[eni_id] = ("NatGatewayId", nat_id)  # a route to it means the NAT
        state = j.text("State") or "available"
        subnet_id = j.need("SubnetId", f"NAT gateway {nat_id}")
        if state in GONE_STATES:
            imp.skip(nat_id, f"a NAT gateway in state {state}", "aws-gone",
                     f"NAT gateway {nat_id} is {state} (skipped, as AWS no longer uses it)", j.loc)
            continue
        if subnet_id is None:
            continue
        if subnet_id not in imp.subnets:
            imp.skip(nat_id, f"in subnet {subnet_id}, which is not in the snapshot", "aws-orphan",
                     f"NAT gateway {nat_id}: its subnet {subnet_id} is not in the snapshot (skipped)", j.loc)
            continue
        if state != "available":
            imp.warn("aws-state", f"NAT gateway {nat_id} is {state}; simulated as available", j.loc)
        kept[nat_id] = mapping.Picked(j, names.take(j.name_tag(), nat_id), imp.subnets[subnet_id].vpc_id)
    return kept


def _body(imp: Importer, nat: mapping.Picked) -> dict[str, object]:
    j = nat.j
    nat_id = j.text("NatGatewayId") or ""
    what = f"NAT gateway {nat.name}"
    private = (j.text("ConnectivityType") or "public") == "private"
    body: dict[str, object] = {"aws_id": nat_id, "subnet": imp.subnets[j.text("SubnetId") or ""].name}
    if private:
        body["connectivity"] = "private"
    addresses = j.objs("NatGatewayAddresses")
    primary = next((a for a in addresses if a.flag("IsPrimary")), addresses[0] if addresses else None)
    # Secondary addresses (NatGatewayAddresses[] beyond the primary): owned by the gateway, each
    # with its Elastic IP on a public one; it translates to the primary
    # (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html).
    secondary = [(priv, mapping.ip_text(a.text("PublicIp") or "")) for a in addresses if a is not primary
                 if (priv := mapping.ip_text(a.text("PrivateIp") or "")) is not None]
    if secondary:
        body["secondary_private_ips"] = [priv for priv, _ in secondary]
        if not private and any(pub for _, pub in secondary):
            body["secondary_elastic_ips"] = {priv: pub for priv, pub in secondary if pub}
    public_ip = mapping.ip_text(primary.text("PublicIp") or "") if primary else None
    private_ip = mapping.ip_text(primary.text("PrivateIp") or "") if primary else None
    if not private:
        if public_ip is None:
            imp.error("aws-missing-field",
                      f"{what}: a public NAT gateway without NatGatewayAddresses[].PublicIp (expected its Elastic IP)",
                      j.loc)
        else:
            body["elastic_ip"] = public_ip
    if private_ip is not None:
        body["private_ip"] = private_ip
    imp.at(body, j.loc)
    return body


mapping.register(mapping.AwsMapping("NatGateways", "nat_gateways", TargetKind.NAT_GATEWAY.value,
                            "NatGatewayId", "nat-", "NAT gateway", "NatGatewayId", _pick, _body, rank=20))


class NatGatewayComponent(Component[NatGateway]):
    kind = "nat_gateway"
    targets = (TargetKind.NAT_GATEWAY,)

    def _nat(self, net: CompiledNetwork, entry: RouteEntry) -> NatGateway | None:
        target = entry.route.target if entry.route else None
        return net.design.nat_gateways.get(target) if target is not None else None

    def next_subnet(self, net: CompiledNetwork, entry: RouteEntry) -> str | None:
        nat = self._nat(net, entry)
        return nat.subnet if nat is not None else None

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        nat = self._nat(walk.net, entry)
        assert nat is not None, "validated: a route's NAT gateway exists"
        if nat.subnet != from_subnet.name:
            vpc = walk.net.design.vpcs[from_subnet.vpc]
            walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
        forward(walk, nat, from_subnet, state)

    def owner(self, walk: Walk, in_subnet: Subnet, addr: int) -> NatGateway | None:
        return walk.net.nat_in_subnet(in_subnet.name, addr)

    def arrive(self, walk: Walk, nat: NatGateway, in_subnet: Subnet, state: State) -> None:
        """A packet addressed to the NAT gateway itself: only replies of its sessions pass."""
        steps: list[Step] = []
        session = walk.sessions.get(nat.private_ip) if walk.returning else None
        if session is None:
            detail = f"NAT gateway {nat.name} drops traffic that is not a reply to a connection it made"
            steps.append(Step(StepKind.SESSION, Action.DROP, detail, nat.name, location=nat.loc))
            walk.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
            walk.stop(Disposition.DENIED_IN, Code.NGW_NO_SESSION, nat.name, detail, nat.loc)
            return
        before = state.packet()
        icmp6: PortRanges | None = None
        if session.nat64 is not None and state.proto == 1:
            icmp6 = _nat64_icmp(walk, nat, state, steps, 1)
            if icmp6 is None:
                return
        state.dst = session.inside_addr
        if session.nat64 is not None:
            state.src |= session.nat64  # NAT64: the IPv4 source back inside 64:ff9b::/96
        if icmp6 is not None:
            state.proto, state.dports = 58, icmp6  # ICMP -> ICMPv6 (echo reply 0 -> 129)
        if state.proto in (6, 17):
            if state.dports != (NAT_GATEWAY_PORTS,) and not walk.leg.ports_denied:
                walk.leg.translated_ports = state.dports
            state.dports = session.inside_ports
        after = state.packet()
        steps.append(Step(StepKind.SESSION, Action.TRANSLATE,
                          f"reply matches the NAT session: destination {before.dst} -> {ip(state.dst)}"
                          + (f", {packet_text(1, before.dst_ports)} -> {packet_text(58, state.dports)}"
                             if icmp6 is not None else ""),
                          nat.name, before=before, after=after))
        walk.hop("nat_gateway", nat.name, nat.aws_id, state, steps)
        state.sender = None
        subnet.route(walk, walk.net.design.subnets[nat.subnet], state)

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for nat in net.design.nat_gateways.values():
            key = (self.kind, nat.name)
            g.add_node(key, kind=self.kind, name=nat.name, aws_id=nat.aws_id,
                       location=str(nat.loc) if nat.loc else None, public=nat.public,
                       **base.drawn(f"NAT gateway\n{nat.name}" + ("" if nat.public else " (private)"), "hexagon",
                                    vpc=net.design.subnets[nat.subnet].vpc, subnet=nat.subnet))
            g.add_edge(("subnet", nat.subnet), key, relation="member")
            g.add_edge(key, ("subnet", nat.subnet), relation="member")


COMPONENT = base.register(NatGatewayComponent(), owner_rank=10)
