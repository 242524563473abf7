"""Compile: a validated Design -> a Network of address indexes and lookup tables (built once).

Route tables become `core.PrefixTable`s, NACLs `core.FirstMatchRules`, the security groups of
an interface one `core.AnyMatchRules` per direction (group references expanded to the
members' private IPs). Tables are built on first use and cached, so a design of 20,000
interfaces loads fast and pays only for what a trace touches. The component graph
(`Network.graph`, networkx) is built on first access: see docs/graph.md for its shape.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vpcsim import core
from vpcsim.errors import Diagnostic, Location
from vpcsim.facts import NOT_INTERNET
from vpcsim.model import (
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
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    import networkx

    from vpcsim.analyse import ExposureReport, ReachMatrix
    from vpcsim.batch import Flow
    from vpcsim.check import AssertionsArg, CheckReport
    from vpcsim.results import TraceResult

U32 = 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
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
    return f"{cidr}{via} -> {route.describe_target()}{state}"


def _entry(cidr: Cidr, route: Route | None, vpc: str) -> RouteEntry:
    return RouteEntry(cidr, route, vpc, _route_text(cidr, route))


@dataclass(frozen=True, slots=True)
class CompiledRoutes:
    name: str
    entries: tuple[RouteEntry, ...]
    table: core.PrefixTable
    _considered: dict[int, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def lookup(self, addr: int) -> RouteEntry | None:
        index = self.table.lookup(addr)
        return self.entries[index] if index >= 0 else None

    def candidates(self, addr: int) -> list[RouteEntry]:
        return [self.entries[i] for i in self.table.matching(addr)]

    def considered(self, addr: int) -> tuple[str, ...]:
        """Texts of every route matching `addr`, the winner first.

        Prefixes are nested or disjoint, so the routes that contain an address are exactly
        those that contain its winning prefix: the answer depends only on the winner.
        """
        winner = self.table.lookup(addr)
        texts = self._considered.get(winner)
        if texts is None:
            texts = self._considered[winner] = tuple(e.describe() for e in self.candidates(addr))
        return texts


@dataclass(frozen=True, slots=True)
class CompiledNacl:
    name: str
    inbound: core.FirstMatchRules
    inbound_rules: tuple[NaclRule | None, ...]  # None = the implicit '*' deny
    outbound: core.FirstMatchRules
    outbound_rules: tuple[NaclRule | None, ...]


@dataclass(frozen=True, slots=True)
class CompiledGroups:
    """The union of an interface's security groups, per direction, with each rule's origin."""

    groups: tuple[str, ...]
    ingress: core.AnyMatchRules
    ingress_rules: tuple[tuple[str, SgRule], ...]
    egress: core.AnyMatchRules
    egress_rules: tuple[tuple[str, SgRule], ...]


def _nacl_rules(rules: tuple[NaclRule, ...]) -> tuple[core.FirstMatchRules, tuple[NaclRule | None, ...]]:
    ordered: list[NaclRule | None] = [*sorted(rules, key=lambda r: r.number), None]  # AWS's rule 32767 ('*'): deny what nothing else matched
    tuples = []
    for rule in ordered:
        if rule is None:
            tuples.append((0, U32, core.PROTO_ALL, 0, core.PORT_MAX))
        else:
            tuples.append((rule.cidr.first, rule.cidr.last, rule.protocol, rule.port_lo, rule.port_hi))
    return core.FirstMatchRules(tuples), tuple(ordered)


class Network:
    """A compiled design: what `vpcsim.load()` returns. Trace with `network.trace(...)`."""

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
            if eni.public_ip is not None:
                self.eni_by_public[eni.public_ip] = eni
        self.nat_by_ip: dict[int, NatGateway] = {}
        self.nat_by_public: dict[int, NatGateway] = {}
        for nat in d.nat_gateways.values():
            self.nat_by_ip[nat.private_ip] = nat
            if nat.elastic_ip is not None:
                self.nat_by_public[nat.elastic_ip] = nat
        self.igw_by_vpc = {igw.vpc: igw for igw in d.internet_gateways.values()}
        self.members: dict[str, list[int]] = {}
        for eni in d.interfaces.values():
            for group in eni.security_groups:
                self.members.setdefault(group, []).extend(eni.private_ips)
        # Subnets by address, per VPC; VPCs by address.
        vpc_cidrs: list[tuple[Cidr, str]] = [(c, v.name) for v in d.vpcs.values() for c in v.cidrs]
        self._vpc_cidrs = vpc_cidrs
        self.vpc_table = core.PrefixTable([(c.network, c.length) for c, _ in vpc_cidrs])
        subnets = list(d.subnets.values())
        self._subnets = subnets
        self.subnet_table = core.PrefixTable([(s.cidr.network, s.cidr.length) for s in subnets])
        self.peers: dict[str, dict[str, str]] = {}  # vpc -> peer vpc -> peering name
        for peering in d.peerings.values():
            self.peers.setdefault(peering.requester, {})[peering.accepter] = peering.name
            self.peers.setdefault(peering.accepter, {})[peering.requester] = peering.name
        self._route_cache: dict[str, CompiledRoutes] = {}
        self._nacl_cache: dict[str, CompiledNacl] = {}
        self._group_cache: dict[tuple[str, ...], CompiledGroups] = {}
        self._graph: networkx.MultiDiGraph | None = None
        self.cache: dict[str, object] = {}  # derived facts other stages compute once per network

    # -- address lookups ------------------------------------------------------------------------

    def vpc_of(self, addr: int) -> str | None:
        index = self.vpc_table.lookup(addr)
        return self._vpc_cidrs[index][1] if index >= 0 else None

    def subnet_of(self, addr: int) -> Subnet | None:
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
        # Precedence on an identical prefix (AWS): local, then static CIDR routes, then
        # prefix-list routes; PrefixTable keeps the first of duplicates.
        entries = [_entry(c, None, vpc.name) for c in vpc.cidrs]
        entries += [_entry(r.destination, r, vpc.name) for r in table.routes if r.destination is not None]
        for route in table.routes:
            if route.prefix_list is not None:
                plist = self.design.prefix_lists.get(route.prefix_list)
                for cidr in plist.entries if plist else ():
                    entries.append(_entry(cidr, route, vpc.name))
        prefix_table = core.PrefixTable([(e.cidr.network, e.cidr.length) for e in entries])
        return CompiledRoutes(name, tuple(entries), prefix_table)

    def nacl(self, name: str) -> CompiledNacl:
        cached = self._nacl_cache.get(name)
        if cached is None:
            acl = self.design.network_acls[name]
            inbound, inbound_rules = _nacl_rules(acl.inbound)
            outbound, outbound_rules = _nacl_rules(acl.outbound)
            cached = CompiledNacl(name, inbound, inbound_rules, outbound, outbound_rules)
            self._nacl_cache[name] = cached
        return cached

    def groups(self, names: tuple[str, ...]) -> CompiledGroups:
        cached = self._group_cache.get(names)
        if cached is None:
            ingress, ingress_rules = self._compile_sg(names, "ingress")
            egress, egress_rules = self._compile_sg(names, "egress")
            cached = CompiledGroups(names, ingress, ingress_rules, egress, egress_rules)
            self._group_cache[names] = cached
        return cached

    def _compile_sg(
        self, names: tuple[str, ...], direction: str
    ) -> tuple[core.AnyMatchRules, tuple[tuple[str, SgRule], ...]]:
        tuples: list[tuple[int, int, int, int, int]] = []
        origins: list[tuple[str, SgRule]] = []
        for group_name in names:
            group = self.design.security_groups.get(group_name)
            if group is None:
                continue
            for rule in group.ingress if direction == "ingress" else group.egress:
                for lo, hi in self._peer_ranges(rule):
                    tuples.append((lo, hi, rule.protocol, rule.port_lo, rule.port_hi))
                    origins.append((group_name, rule))
        return core.AnyMatchRules(tuples), tuple(origins)

    def _peer_ranges(self, rule: SgRule) -> list[tuple[int, int]]:
        if rule.peer_kind is PeerKind.CIDR and rule.cidr is not None:
            return [(rule.cidr.first, rule.cidr.last)]
        if rule.peer_kind is PeerKind.PREFIX_LIST and rule.peer is not None:
            plist = self.design.prefix_lists.get(rule.peer)
            return [(c.first, c.last) for c in plist.entries] if plist else []
        # A group reference admits the private IPs of the ENIs that carry the group (AWS:
        # "the private IP addresses of the network interfaces associated with the group").
        return [(ip, ip) for ip in self.members.get(rule.peer or "", [])]

    # -- the front door -------------------------------------------------------------------------

    def trace(
        self,
        src: str,
        dst: str,
        port: int,
        protocol: str | int = "tcp",
        *,
        src_port: int | None = None,
        ephemeral: tuple[int, int] | None = None,
    ) -> TraceResult:
        """Trace a flow from `src` to `dst` on `port`, forward and back; see docs/trace.md."""
        from vpcsim.trace import trace

        return trace(self, src, dst, port, protocol, src_port=src_port, ephemeral=ephemeral)

    def check(self, assertions: AssertionsArg) -> CheckReport:
        """Check reachability promises (see docs/assertions.md); returns a typed report."""
        from vpcsim.check import check

        return check(self, assertions)

    def exposure(self, *, ephemeral: tuple[int, int] | None = None) -> ExposureReport:
        """What the internet reaches on every interface, graded by severity (see docs/analyses.md)."""
        from vpcsim.analyse import exposure

        return exposure(self, ephemeral=ephemeral)

    def reach(self, src: object = None, dst: object = None, *, by: str = "instance",
              ephemeral: tuple[int, int] | None = None) -> ReachMatrix:
        """The reachability matrix between instances, subnets or security groups (docs/analyses.md)."""
        from vpcsim.analyse import reach

        return reach(self, src, dst, by=by, ephemeral=ephemeral)

    def verdicts(self, flows: Sequence[Flow] | None = None, *, ephemeral: tuple[int, int] | None = None,
                 **columns: Any) -> list[bool]:
        """For each (src, dst, protocol, port) flow, whether `trace(...)` says reachable (batched; vpcsim.batch)."""
        from vpcsim.batch import verdicts

        return verdicts(self, flows, ephemeral=ephemeral, **columns)

    @property
    def graph(self) -> networkx.MultiDiGraph:
        """The component graph (built on first use; see docs/graph.md)."""
        if self._graph is None:
            from vpcsim.graph import build_graph

            self._graph = build_graph(self)
        return self._graph

    def location_of(self, kind: str, name: str) -> Location | None:
        section: Any = getattr(self.design, kind, {})
        obj = section.get(name)
        return getattr(obj, "loc", None) if obj is not None else None


@functools.lru_cache(maxsize=1)
def _not_internet() -> tuple[Cidr, ...]:
    return tuple(Cidr.parse(text) for text, _ in NOT_INTERNET)


def is_private(addr: int) -> bool:
    """Non-internet-routable space (facts.NOT_INTERNET: RFC 1918 and the special blocks)."""
    return any(c.contains(addr) for c in _not_internet())
