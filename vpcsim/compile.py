"""Compile: a validated Design -> a CompiledNetwork of address indexes and lookup tables (built once).

Route tables become `core.PrefixTable`s, NACLs `core.FirstMatchRules`, the security groups of
an interface one `core.AnyMatchRules` per direction (group references expanded to the
members' private IPs). Tables are built on first use and cached, so a design of 20,000
interfaces loads fast and pays only for what a trace touches. This module imports no engine:
the walk, the analyses and the component graph all take a CompiledNetwork (`vpcsim.network`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import field
from functools import cached_property
from typing import Any, TypeVar

import vpcsim.core as core
from vpcsim.core import ranges
from vpcsim.errors import Diagnostic, Location
from vpcsim.facts import INTERNET_CANDIDATES, INTERNET_CANDIDATES6, NOT_INTERNET, NOT_INTERNET6
from vpcsim.model import (
    IPV4_BITS,
    IPV4_MAX,
    IPV6_BITS,
    Cidr,
    Design,
    Interface,
    NaclRule,
    NatGateway,
    PeerKind,
    Route,
    SgRule,
    Subnet,
    TargetKind,
    addr_bits,
    parse_ip,
)
from vpcsim.records import record

_T = TypeVar("_T")


@record
class RouteEntry:
    """One effective route: a prefix, the design route it comes from (None = local), its text."""

    cidr: Cidr
    route: Route | None
    vpc: str
    text: str = field(default="", compare=False)

    @property
    def local(self) -> bool:
        return self.route is None

    def describe(self) -> str:
        return self.text or _route_text(self.cidr, self.route)


def _route_text(cidr: Cidr, route: Route | None) -> str:
    if route is None:
        return f"{cidr} -> local"
    via = f" (prefix list {route.prefix_list})" if route.prefix_list else ""
    state = " [blackhole]" if route.blackhole and route.target_kind is not TargetKind.BLACKHOLE else ""
    origin = " [propagated]" if route.propagated else ""
    return f"{cidr}{via} -> {route.describe_target()}{origin}{state}"


def _entry(cidr: Cidr, route: Route | None, vpc: str) -> RouteEntry:
    return RouteEntry(cidr, route, vpc, _route_text(cidr, route))


@record
class CompiledRoutes:
    """A route table's entries, the IPv4 ones first, as one PrefixTable per address family.

    LPM never crosses families (0.0.0.0/0 is no route for an IPv6 address): `table` holds the
    IPv4 entries, `table6` the IPv6 ones (entries[v6_offset:]), and an address asks its own.
    """

    name: str
    entries: tuple[RouteEntry, ...]
    table: core.PrefixTable
    _decided: dict[int, tuple[RouteEntry | None, tuple[str, ...], bool]] = field(
        default_factory=dict, compare=False, repr=False)
    table6: core.PrefixTable | None = None
    v6_offset: int = 0

    @classmethod
    def build(cls, name: str, entries: Iterable[RouteEntry]) -> CompiledRoutes:
        """Entries in priority order (the first of identical prefixes wins) -> one table per family."""
        listed = list(entries)
        four = [e for e in listed if e.cidr.bits == IPV4_BITS]
        six = [e for e in listed if e.cidr.bits == IPV6_BITS]
        table = core.PrefixTable([(e.cidr.network, e.cidr.length) for e in four])
        table6 = core.PrefixTable([(e.cidr.network, e.cidr.length) for e in six], bits=IPV6_BITS) if six else None
        return cls(name, tuple(four + six), table, table6=table6, v6_offset=len(four))

    def _winner(self, addr: int) -> int:
        if addr <= IPV4_MAX:
            return self.table.lookup(addr)
        if self.table6 is None:
            return -1
        found = self.table6.lookup(addr)
        return found + self.v6_offset if found >= 0 else -1

    def decide(self, addr: int) -> tuple[RouteEntry | None, tuple[str, ...], bool]:
        """In one lookup (the walk's): the winning route for `addr` (None: no route), the texts of
        every route matching it (winner first, as `considered`), and whether it won on an equal
        prefix by route priority. Cached per winner: the answers depend on it only."""
        winner = self.table.lookup(addr) if addr <= IPV4_MAX else self._winner(addr)
        got = self._decided.get(winner)
        if got is None:
            if winner < 0:
                got = (None, (), False)
            else:
                found = self.candidates(addr)
                cidr = self.entries[winner].cidr
                got = (self.entries[winner], tuple(e.describe() for e in found), sum(e.cidr == cidr for e in found) > 1)
            self._decided[winner] = got
        return got

    def lookup(self, addr: int) -> RouteEntry | None:
        index = self._winner(addr)
        return self.entries[index] if index >= 0 else None

    def candidates(self, addr: int) -> list[RouteEntry]:
        if addr <= IPV4_MAX:
            return [self.entries[i] for i in self.table.matching(addr)]
        if self.table6 is None:
            return []
        return [self.entries[i + self.v6_offset] for i in self.table6.matching(addr)]

    def considered(self, addr: int) -> tuple[str, ...]:
        """Texts of every route matching `addr`, the winner first.

        Prefixes are nested or disjoint, so the routes that contain an address are exactly
        those that contain its winning prefix: the answer depends only on the winner.
        """
        return self.decide(addr)[1]


class RuleFilter:
    """One direction of a NACL or of an interface's security groups, as a filter a walk step names.

    Answers the exact port sets it admits for a peer address, so that analyses read them off the
    walk's steps (`results.FilterDetail`) instead of re-deriving which table a flow met.
    """

    __slots__ = ("_allow", "direction", "name", "named", "table")

    def __init__(self, name: str, direction: str, table: core.FirstMatchRules | core.AnyMatchRules,
                 allow: tuple[bool, ...] | None, named: frozenset[int]) -> None:
        self.name = name
        self.direction = direction
        self.table = table
        self._allow = allow  # NACL: rule index -> allows?; None: security groups (any match allows)
        self.named = named  # IP protocols (other than 1, 6, 17, 58) that some rule names

    def admitted(self, peer: int, proto: int) -> core.PortRuns:
        """Every port (ICMP, ICMPv6: type*256+code) admitted from/to `peer` for protocol `proto`."""
        table, allow = self.table, self._allow
        if allow is None:
            assert isinstance(table, core.AnyMatchRules)
            return tuple(table.allowed_ports(peer, proto, 0, core.PORT_MAX))
        assert isinstance(table, core.FirstMatchRules)
        runs = table.first_match_ports(peer, proto, 0, core.PORT_MAX)
        return core.ports_normalize((lo, hi) for lo, hi, i in runs if i >= 0 and allow[i])

    def admits(self, peer: int, proto: int) -> bool:
        """Whether protocol `proto` (no ports) is admitted from/to `peer`."""
        table, allow = self.table, self._allow
        if allow is None:
            assert isinstance(table, core.AnyMatchRules)
            return table.match(peer, proto, 0) >= 0
        assert isinstance(table, core.FirstMatchRules)
        i = table.first_match(peer, proto, 0)
        return i >= 0 and allow[i]

    def __repr__(self) -> str:
        return f"RuleFilter({self.name!r}, {self.direction!r})"


def _named_protocols(rules: Iterable[NaclRule | SgRule | None]) -> frozenset[int]:
    return frozenset(r.protocol for r in rules if r is not None and r.protocol != -1
                     and r.protocol not in core.PORTED_PROTOS)


@record
class CompiledNacl:
    """A NACL's IPv4 tables (`inbound`, `outbound`) and, in `six`, its IPv6 ones: AWS keeps the two
    families' rules apart, each with its own '*' deny."""

    name: str
    inbound: core.FirstMatchRules
    inbound_rules: tuple[NaclRule | None, ...]  # None = the implicit '*' deny
    outbound: core.FirstMatchRules
    outbound_rules: tuple[NaclRule | None, ...]
    inbound_filter: RuleFilter = field(compare=False)
    outbound_filter: RuleFilter = field(compare=False)
    six: CompiledNacl | None = field(default=None, compare=False)

    def family(self, addr: int) -> CompiledNacl:
        """The tables for a peer address's family."""
        return self if addr <= IPV4_MAX or self.six is None else self.six


@record
class CompiledGroups:
    """The union of an interface's security groups, per direction, with each rule's origin."""

    groups: tuple[str, ...]
    ingress: core.AnyMatchRules
    ingress_rules: tuple[tuple[str, SgRule], ...]
    egress: core.AnyMatchRules
    egress_rules: tuple[tuple[str, SgRule], ...]
    ingress_filter: RuleFilter = field(compare=False)
    egress_filter: RuleFilter = field(compare=False)
    # Whether a rule names a security group, per direction: only then can the table without
    # references differ (the walk skips the question otherwise).
    ingress_references: bool = field(default=False, compare=False)
    egress_references: bool = field(default=False, compare=False)
    six: CompiledGroups | None = field(default=None, compare=False)  # the IPv6 tables

    def family(self, addr: int) -> CompiledGroups:
        """The tables for a peer address's family."""
        return self if addr <= IPV4_MAX or self.six is None else self.six


def _nacl_rules(rules: tuple[NaclRule, ...],
                bits: int = IPV4_BITS) -> tuple[core.FirstMatchRules, tuple[NaclRule | None, ...]]:
    """One width's table: a NACL's IPv4 and IPv6 rules are separate lists that share numbers."""
    ordered: list[NaclRule | None] = [
        *sorted((r for r in rules if r.cidr.bits == bits), key=lambda r: r.number),
        None,  # AWS's rule '*' (32767, or 32768 for IPv6): deny what nothing else matched
    ]
    tuples = []
    for rule in ordered:
        if rule is None:
            tuples.append((0, core.addr_max(bits), core.PROTO_ALL, 0, core.PORT_MAX))
        else:
            tuples.append((rule.cidr.first, rule.cidr.last, rule.protocol, rule.port_lo, rule.port_hi))
    return core.FirstMatchRules(tuples, bits=bits), tuple(ordered)


def _nacl_filter(name: str, direction: str, table: core.FirstMatchRules,
                 ordered: tuple[NaclRule | None, ...]) -> RuleFilter:
    allow = tuple(rule is not None and rule.allow for rule in ordered)
    return RuleFilter(name, direction, table, allow, _named_protocols(ordered))


class CompiledNetwork:
    """A compiled design: address indexes and lookup tables, built once; no engine.

    `vpcsim.network.Network` (what `vpcsim.load()` returns) adds the trace/check/analysis
    conveniences on top; every engine takes a CompiledNetwork.
    """

    def __init__(self, design: Design, warnings: tuple[Diagnostic, ...] = ()) -> None:
        self.design = design
        self.warnings = warnings
        d = design
        self.subnet_vpc = {name: s.vpc for name, s in d.subnets.items()}
        # Address indexes: who owns which private / public address.
        self.eni_by_ip: dict[int, Interface] = {}
        self.eni_by_public: dict[int, Interface] = {}
        for eni in d.interfaces.values():
            for ip in eni.private_ips:
                self.eni_by_ip[ip] = eni
            for public in eni.public_ips:
                self.eni_by_public[public] = eni
        self.nat_by_ip: dict[int, NatGateway] = {}
        self.nat_by_public: dict[int, NatGateway] = {}
        for nat in d.nat_gateways.values():
            for private in nat.private_ips:
                self.nat_by_ip[private] = nat
            for public in nat.elastic_ips:
                self.nat_by_public[public] = nat
        self.igw_by_vpc = {igw.vpc: igw for igw in d.internet_gateways.values()}
        # Gateway route tables: gateway name -> the table edge-associated with it (ingress routing).
        self.edge_tables: dict[str, str] = {g: t.name for t in d.route_tables.values() for g in t.edge_associations}
        self.members: dict[str, list[int]] = {}
        for eni in d.interfaces.values():
            for group in eni.security_groups:
                self.members.setdefault(group, []).extend(eni.private_ips)
        # Subnets by address, per VPC; VPCs by address.
        # One table per address family: IPv4 blocks in vpc_table / subnet_table, IPv6 in the *6 ones.
        vpc_cidrs: list[tuple[Cidr, str]] = [(c, v.name) for v in d.vpcs.values() for c in v.cidrs if c.bits == 32]
        self._vpc_cidrs = vpc_cidrs
        self.vpc_table = core.PrefixTable([(c.network, c.length) for c, _ in vpc_cidrs])
        subnets = [s for s in d.subnets.values() if not s.ipv6_only]
        self._subnets = subnets
        self.subnet_table = core.PrefixTable([(s.cidr.network, s.cidr.length) for s in subnets])
        self._vpc_cidrs6: list[tuple[Cidr, str]] = [(c, v.name) for v in d.vpcs.values() for c in v.ipv6_cidrs]
        self.vpc_table6 = core.PrefixTable([(c.network, c.length) for c, _ in self._vpc_cidrs6], bits=IPV6_BITS)
        self._subnets6 = [s for s in d.subnets.values() if s.ipv6_cidr is not None]
        self.subnet_table6 = core.PrefixTable(
            [(s.ipv6_cidr.network, s.ipv6_cidr.length) for s in self._subnets6 if s.ipv6_cidr is not None],
            bits=IPV6_BITS)
        self.peers: dict[str, dict[str, str]] = {}  # vpc -> peer vpc -> peering name
        for peering in d.peerings.values():
            self.peers.setdefault(peering.requester, {})[peering.accepter] = peering.name
            self.peers.setdefault(peering.accepter, {})[peering.requester] = peering.name
        self._route_cache: dict[str, CompiledRoutes] = {}
        self._nacl_cache: dict[str, CompiledNacl] = {}
        self._group_cache: dict[tuple[str, ...], CompiledGroups] = {}
        self._group_cache_no_refs: dict[tuple[str, ...], CompiledGroups] = {}
        # Rule texts by the rule's id: rules live as long as the design, and hashing a frozen
        # rule record costs more than formatting it.
        self.rule_texts: dict[int, str] = {}
        self._derived: dict[tuple[type, Hashable], object] = {}

    def derived(self, cls: type[_T], key: Hashable, make: Callable[[], _T]) -> _T:
        """An object an analysis derives once per network (and `key`), e.g. its endpoint classes.

        Kept on the network so that it lives and dies with it; typed by its class.
        """
        got = self._derived.get((cls, key))
        if not isinstance(got, cls):
            got = make()
            self._derived[(cls, key)] = got
        return got

    def derived_if_built(self, cls: type[_T], key: Hashable) -> _T | None:
        """The object `derived(cls, key, ...)` made, if one was: None, and nothing is made, if not."""
        got = self._derived.get((cls, key))
        return got if isinstance(got, cls) else None

    # -- indexes built on first use -------------------------------------------------------------
    #
    # Why per VPC / per subnet: VPCs that are not peered may use the same CIDRs (AWS forbids
    # overlap only between the two VPCs of a peering connection), and multi-account snapshots
    # often do (every default VPC is 172.31.0.0/16); the network-wide indexes then name another
    # VPC's subnet or interface.

    @cached_property
    def subnets_by_vpc(self) -> dict[str, list[Subnet]]:
        built: dict[str, list[Subnet]] = {}
        for subnet in self.design.subnets.values():
            built.setdefault(subnet.vpc, []).append(subnet)
        return built

    @cached_property
    def eni_by_subnet_ip(self) -> dict[tuple[str, int], Interface]:
        return {(eni.subnet, ip): eni for eni in self.design.interfaces.values() for ip in eni.private_ips}

    @cached_property
    def nat_by_subnet_ip(self) -> dict[tuple[str, int], NatGateway]:
        return {(n.subnet, ip): n for n in self.design.nat_gateways.values() for ip in n.private_ips}

    @cached_property
    def eni_by_aws_id(self) -> dict[str, Interface]:
        """Interfaces by AWS id, and instances' AWS ids to their primary interface."""
        built: dict[str, Interface] = {}
        for eni in self.design.interfaces.values():
            if eni.aws_id:
                built.setdefault(eni.aws_id, eni)
        for instance in self.design.instances.values():
            if instance.aws_id and instance.interfaces:
                built[instance.aws_id] = self.design.interfaces[instance.interfaces[0]]
        return built

    @cached_property
    def internet_address(self) -> int:
        """An internet address that no rule, route or prefix list of the design singles out."""
        return self._internet_address(INTERNET_CANDIDATES)

    @cached_property
    def internet_address6(self) -> int:
        """The same for IPv6 (`internet6`)."""
        return self._internet_address(INTERNET_CANDIDATES6)

    def _internet_address(self, candidates: tuple[str, ...]) -> int:
        ranges: list[Cidr] = []
        d = self.design
        for group in d.security_groups.values():
            ranges += [r.cidr for r in group.ingress + group.egress if r.cidr is not None and r.cidr.length > 0]
        for acl in d.network_acls.values():
            ranges += [r.cidr for r in acl.inbound + acl.outbound if r.cidr.length > 0]
        for table in d.route_tables.values():
            ranges += [r.destination for r in table.routes if r.destination is not None and r.destination.length > 0]
        for plist in d.prefix_lists.values():
            ranges += list(plist.entries)
        for text in candidates:
            addr = parse_ip(text)
            if not any(c.contains(addr) for c in ranges):
                return addr
        return parse_ip(candidates[0])

    def subnet_in_vpc(self, vpc: str, addr: int) -> Subnet | None:
        subnet = self.subnet_of(addr)
        if subnet is not None and subnet.vpc == vpc:
            return subnet
        return next((s for s in self.subnets_by_vpc.get(vpc, ()) if s.holds(addr)), None)

    def eni_in_subnet(self, subnet: str, addr: int) -> Interface | None:
        eni = self.eni_by_ip.get(addr)
        if eni is not None and eni.subnet == subnet:
            return eni
        found = self.eni_by_subnet_ip.get((subnet, addr))
        if found is None and addr > IPV4_MAX and self.prefix_owners:
            found = next((e for c, e in self.prefix_owners.get(subnet, ()) if c.contains(addr)), None)
        return found

    @cached_property
    def prefix_owners(self) -> dict[str, list[tuple[Cidr, Interface]]]:
        """Subnet -> the IPv6 prefixes delegated to its interfaces, with their owner."""
        built: dict[str, list[tuple[Cidr, Interface]]] = {}
        for eni in self.design.interfaces.values():
            for cidr in eni.ipv6_prefixes:
                built.setdefault(eni.subnet, []).append((cidr, eni))
        return built

    def owner_of(self, addr: int) -> Interface | None:
        """The interface that has `addr` (a private, public or delegated-prefix address), if any."""
        eni = self.eni_by_ip.get(addr) or self.eni_by_public.get(addr)
        if eni is None and addr > IPV4_MAX and self.prefix_owners:
            subnet = self.subnet_of(addr)
            eni = self.eni_in_subnet(subnet.name, addr) if subnet is not None else None
        return eni

    def nat_in_subnet(self, subnet: str, addr: int) -> NatGateway | None:
        nat = self.nat_by_ip.get(addr)
        if nat is not None and nat.subnet == subnet:
            return nat
        return self.nat_by_subnet_ip.get((subnet, addr))

    def owner_in_vpc(self, vpc: str, addr: int) -> tuple[Interface | None, NatGateway | None]:
        """The interface or NAT gateway of `vpc` that has private address `addr`."""
        subnet = self.subnet_in_vpc(vpc, addr)
        if subnet is None:
            return None, None
        return self.eni_in_subnet(subnet.name, addr), self.nat_in_subnet(subnet.name, addr)

    # -- address lookups ------------------------------------------------------------------------

    def vpc_of(self, addr: int) -> str | None:
        if addr > IPV4_MAX:
            index = self.vpc_table6.lookup(addr)
            return self._vpc_cidrs6[index][1] if index >= 0 else None
        index = self.vpc_table.lookup(addr)
        return self._vpc_cidrs[index][1] if index >= 0 else None

    def subnet_of(self, addr: int) -> Subnet | None:
        if addr > IPV4_MAX:
            index = self.subnet_table6.lookup(addr)
            return self._subnets6[index] if index >= 0 else None
        index = self.subnet_table.lookup(addr)
        return self._subnets[index] if index >= 0 else None

    def interface_vpc(self, eni: Interface) -> str:
        return self.design.subnets[eni.subnet].vpc

    # -- compiled tables ------------------------------------------------------------------------

    def routes(self, name: str) -> CompiledRoutes:
        cached = self._route_cache.get(name)
        if cached is None:
            cached = self._compile_routes(name)
            self._route_cache[name] = cached
        return cached

    def _compile_routes(self, name: str) -> CompiledRoutes:
        table = self.design.route_tables[name]
        vpc = self.design.vpcs[table.vpc]
        # Precedence on an identical prefix (AWS, "Route priority",
        # https://docs.aws.amazon.com/vpc/latest/userguide/route-tables-priority.html): local, then
        # static CIDR routes, then prefix-list routes, then propagated routes; PrefixTable keeps
        # the first of duplicates. A propagated route inside a VPC CIDR never wins: "the local
        # route is most preferred even if the propagated routes are more specific"
        # (https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html).
        # A route to a whole VPC CIDR replaces the local route's target (an appliance, since 2021:
        # https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html).
        replaced = {r.destination for r in table.routes if r.destination in vpc.cidrs and not r.propagated
                    and r.target_kind in (TargetKind.INTERFACE, TargetKind.INSTANCE, TargetKind.UNSUPPORTED)}
        entries = [_entry(c, None, vpc.name) for c in vpc.cidrs if c not in replaced]
        entries += [_entry(r.destination, r, vpc.name) for r in table.routes
                    if r.destination is not None and not r.propagated]
        for route in table.routes:
            if route.prefix_list is not None:
                plist = self.design.prefix_lists.get(route.prefix_list)
                for cidr in plist.entries if plist else ():
                    entries.append(_entry(cidr, route, vpc.name))
        entries += [_entry(r.destination, r, vpc.name) for r in table.routes
                    if r.destination is not None and r.propagated
                    and not any(c.covers(r.destination) for c in vpc.cidrs)]
        return CompiledRoutes.build(name, entries)

    def nacl(self, name: str) -> CompiledNacl:
        cached = self._nacl_cache.get(name)
        if cached is None:
            acl = self.design.network_acls[name]
            six: CompiledNacl | None = None
            for bits in (IPV6_BITS, IPV4_BITS):
                inbound, inbound_rules = _nacl_rules(acl.inbound, bits)
                outbound, outbound_rules = _nacl_rules(acl.outbound, bits)
                six = CompiledNacl(name, inbound, inbound_rules, outbound, outbound_rules,
                                   _nacl_filter(acl.name, "inbound", inbound, inbound_rules),
                                   _nacl_filter(acl.name, "outbound", outbound, outbound_rules), six)
            assert six is not None
            cached = six
            self._nacl_cache[name] = cached
        return cached

    def groups(self, names: tuple[str, ...], *, references: bool = True) -> CompiledGroups:
        """An interface's security groups as rule tables; `references=False` leaves out the rules
        that name a security group (they match nothing for traffic an appliance forwards)."""
        cache = self._group_cache if references else self._group_cache_no_refs
        cached = cache.get(names)
        if cached is None:
            label = ", ".join(names) or "(none)"
            six: CompiledGroups | None = None
            for bits in (IPV6_BITS, IPV4_BITS):
                ingress, ingress_rules = self._compile_sg(names, "ingress", references, bits)
                egress, egress_rules = self._compile_sg(names, "egress", references, bits)
                six = CompiledGroups(
                    names, ingress, ingress_rules, egress, egress_rules,
                    RuleFilter(label, "ingress", ingress, None, _named_protocols(r for _, r in ingress_rules)),
                    RuleFilter(label, "egress", egress, None, _named_protocols(r for _, r in egress_rules)),
                    any(r.peer_kind is PeerKind.SECURITY_GROUP for _, r in ingress_rules),
                    any(r.peer_kind is PeerKind.SECURITY_GROUP for _, r in egress_rules),
                    six,
                )
            assert six is not None
            cached = six
            cache[names] = cached
        return cached

    def _compile_sg(
        self, names: tuple[str, ...], direction: str, references: bool = True, bits: int = IPV4_BITS
    ) -> tuple[core.AnyMatchRules, tuple[tuple[str, SgRule], ...]]:
        tuples: list[tuple[int, int, int, int, int]] = []
        origins: list[tuple[str, SgRule]] = []
        for group_name in names:
            group = self.design.security_groups.get(group_name)
            if group is None:
                continue
            for rule in group.ingress if direction == "ingress" else group.egress:
                if not references and rule.peer_kind is PeerKind.SECURITY_GROUP:
                    continue
                for lo, hi in self._peer_ranges(rule, bits):
                    tuples.append((lo, hi, rule.protocol, rule.port_lo, rule.port_hi))
                    origins.append((group_name, rule))
        return core.AnyMatchRules(tuples, bits=bits), tuple(origins)

    def _peer_ranges(self, rule: SgRule, bits: int = IPV4_BITS) -> list[tuple[int, int]]:
        """The peer's address ranges of one family (a rule names one family's CIDR or both)."""
        if rule.peer_kind is PeerKind.CIDR and rule.cidr is not None:
            return [(rule.cidr.first, rule.cidr.last)] if rule.cidr.bits == bits else []
        if rule.peer_kind is PeerKind.PREFIX_LIST and rule.peer is not None:
            plist = self.design.prefix_lists.get(rule.peer)
            return [(c.first, c.last) for c in plist.entries if c.bits == bits] if plist else []
        # A group reference admits the private IPs of the ENIs that carry the group (AWS:
        # "the private IP addresses of the network interfaces associated with the group"), of
        # both families.
        return [(ip, ip) for ip in self.members.get(rule.peer or "", []) if addr_bits(ip) == bits]

    def location_of(self, kind: str, name: str) -> Location | None:
        section: Any = getattr(self.design, kind, {})
        obj = section.get(name)
        return getattr(obj, "loc", None) if obj is not None else None


# (first, last) of each block of facts.NOT_INTERNET, per address width: a containment test is
# two int compares.
_NOT_INTERNET_RANGES: dict[int, tuple[tuple[int, int], ...]] = {}
for _cidr in (Cidr.parse(text) for text, _ in NOT_INTERNET + NOT_INTERNET6):
    _NOT_INTERNET_RANGES[_cidr.bits] = (*_NOT_INTERNET_RANGES.get(_cidr.bits, ()), (_cidr.first, _cidr.last))
del _cidr


def is_private(addr: int, bits: int | None = None) -> bool:
    """Non-internet-routable space (facts.NOT_INTERNET: RFC 1918 and the special blocks; and
    NOT_INTERNET6), of the address's own family unless `bits` says."""
    for lo, hi in _NOT_INTERNET_RANGES.get(bits or addr_bits(addr), ()):
        if lo <= addr <= hi:
            return True
    return False


def public_space(design: Design, bits: int = IPV4_BITS) -> list[tuple[int, int]]:
    """The addresses of width `bits` that stand for "the internet" in this design: all of them, less
    facts.NOT_INTERNET and the design's own VPC blocks."""
    holes = [*_NOT_INTERNET_RANGES.get(bits, ())]
    holes += [(c.first, c.last) for vpc in design.vpcs.values() for c in vpc.cidrs if c.bits == bits]
    return list(ranges.subtract(((0, core.addr_max(bits)),), ranges.normalize(holes)))
