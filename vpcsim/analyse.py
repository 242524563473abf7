"""Analyse: a CompiledNetwork -> exact internet exposure and reachability matrices, per equivalence class.

Both analyses answer "which traffic gets from A to B and back" for many pairs at once, exactly
over every port, protocol and internet address. They never walk pair by pair:

1. **Endpoint classes.** Interfaces that the trace cannot tell apart are one class: same subnet
   behaviour (VPC, route table, NACL; a subnet that hosts a NAT gateway or a routing appliance,
   or whose CIDR overlaps another's, is its own), same set of security groups, same running
   state, and addresses that sit in the same elementary interval of every CIDR the design's
   rules, routes and prefix lists name and in the same referenced security groups (a group
   reference admits its members' IPs, so membership singles an address out like a /32 would).
   Internet addresses fall into the classes `vpcsim.check.Engine` computes: addresses inside
   exactly the same CIDRs of the design.
2. **One walk per pair of classes.** The path a flow takes does not depend on its port, and
   routing and translation hardly depend on its protocol, so one walk (tcp, any port) of a
   representative pair meets every filter the flow meets, both ways; each filter step of the
   walk carries a `results.FilterDetail` naming the rule set and the address it checked. The
   exact port sets are then read from those rule sets (`core` port partitions): what every
   forward filter admits, provided every return filter admits the reply (the client's
   ephemeral range; for ICMP the reply's type). UDP, ICMP and the other IP protocols follow
   from the same walk; a path through a NAT gateway (which drops other protocols) or a reply
   range that a NACL admits only in part gets a walk of its own. Each walk checks itself
   against its own verdict and, should the two ever disagree, the pair is answered by
   `check.Engine` instead (a trace per port run: slower, equally exact).

Entry points: `exposure(network)` (what the internet reaches, per interface, graded by
severity), `reach(network, src, dst, by=...)` (the matrix between instances, subnets or
security groups) and `Analyser` (classes and exact pair traffic, shared with `vpcsim.batch`).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import gc
import io
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import vpcsim.core as core
from vpcsim.errors import Diagnostic, EndpointError, UsageError
from vpcsim.facts import (
    CRITICAL_SERVICES,
    ICMP_REPLIES_BY_PROTO,
    LINUX_EPHEMERAL,
    NOT_INTERNET,
    NOT_INTERNET6,
    OTHER_SERVICES,
    WEB_PORTS,
)
from vpcsim.loader.assertions import SELECTOR_KEYS, parse_selector
from vpcsim.model import (
    IPV4_BITS,
    IPV4_MAX,
    IPV6_BITS,
    Cidr,
    Design,
    Interface,
    PeerKind,
    TargetKind,
    int_to_ip,
    parse_ip,
)
from vpcsim.reach import addresses
from vpcsim.reach.walk import trace, trace_packet
from vpcsim.records import record
from vpcsim.results import Action, FilterDetail, Hop, PortFilter, StepKind
from vpcsim.severity import Grade
from vpcsim.traffic import ANY, Traffic, TrafficKind

if TYPE_CHECKING:
    from vpcsim.check import Engine
    from vpcsim.compile import CompiledNetwork
    from vpcsim.results import TraceResult

__all__ = [
    "CRITICAL_SERVICES",
    "Analyser",
    "EniExposure",
    "ExposureReport",
    "Finding",
    "InternetClass",
    "ReachBlock",
    "Pivot",
    "PivotExposure",
    "ReachCell",
    "ReachMatrix",
    "Severity",
    "TransitiveReport",
    "analyser",
    "exposure",
    "reach",
    "transitive_exposure",
]

Progress = Callable[[int, int], None]
"""progress(done, total): called as an analysis advances (the CLI draws a bar with it)."""

ADDR_MAX = core.ADDR_MAX
_EMPTY: frozenset[str] = frozenset()
_ALL_PORTS: core.PortRuns = ((0, core.PORT_MAX),)
# Filters whose verdict depends on the port; every other blocker stops all traffic of the path.
_FILTER_CODES = frozenset({"SUBNET_ACL_RESTRICTION", "ENI_SG_RULES_MISMATCH", "SG_HAS_NO_RULES", "LB_NO_LISTENER"})


# -- severity ---------------------------------------------------------------------------------------


# Exposure grades are the shared severity scale (vpcsim.severity); exposure never grades `low`.
Severity = Grade
EXPOSURE_GRADES = (Grade.CRITICAL, Grade.HIGH, Grade.MEDIUM, Grade.INFO)

# Open to the world on purpose on a web tier: graded info.
_WEB = Traffic(tcp=WEB_PORTS["tcp"], udp=WEB_PORTS["udp"], icmp=((0, 255),), icmpv6=((0, 255),))


_P = ParamSpec("_P")
_R = TypeVar("_R")

# Generation 0's threshold while an analysis runs. An analysis makes millions of short-lived
# tuples and records, most freed by reference counting; at the default 700 allocations the
# collector runs thousands of times and walks the young generation for nothing. 100,000: 16%
# less CPU for exposure at 200,000 instances, 8% at 20,000 (benchmarks/README.md, Scale).
ANALYSIS_GEN0_THRESHOLD = 100_000


def _collector_tuned(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `fn` with generation 0's threshold raised, restored after (also on error); an
    analysis called inside another one keeps the outer setting."""

    @functools.wraps(fn)
    def tuned(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        before = gc.get_threshold()
        if before[0] >= ANALYSIS_GEN0_THRESHOLD:
            return fn(*args, **kwargs)
        gc.set_threshold(ANALYSIS_GEN0_THRESHOLD, *before[1:])
        try:
            return fn(*args, **kwargs)
        finally:
            gc.set_threshold(*before)

    return tuned


def _critical_traffic() -> Traffic:
    tcp = core.ports_normalize((p, p) for (proto, p) in CRITICAL_SERVICES if proto == "tcp")
    udp = core.ports_normalize((p, p) for (proto, p) in CRITICAL_SERVICES if proto == "udp")
    return Traffic(tcp=tcp, udp=udp)


_CRITICAL = _critical_traffic()


def services(traffic: Traffic, limit: int = 8) -> tuple[str, ...]:
    """Names of the well-known services in `traffic`: ('ssh 22', 'postgres 5432', ...)."""
    out: list[str] = []
    for table in (CRITICAL_SERVICES, OTHER_SERVICES):
        for (proto, port), name in sorted(table.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            kind = TrafficKind(proto)
            if (kind, port) in traffic:
                text = f"{name} {proto}/{port}"
                if text not in out:
                    out.append(text)
    return tuple(out[:limit]) + (("...",) if len(out) > limit else ())


# -- classes ----------------------------------------------------------------------------------------


@record
class InternetClass:
    """Internet addresses the design cannot tell apart: inside exactly the same CIDRs of its rules and routes."""

    index: int
    label: str  # the innermost CIDR of the design holding the class ('0.0.0.0/0' for the rest of the world)
    representative: str  # the address traced for the whole class
    world: bool  # no rule, route or prefix list names these addresses (only 0.0.0.0/0, if anything)


@record
class EniClass:
    """Interfaces the trace cannot tell apart, as sources and as destinations."""

    index: int
    key: Hashable
    members: tuple[str, ...]  # interface names, the first is the representative


PairKey = tuple[Hashable, Hashable, Hashable]
Side = str | int
"""An endpoint of a pair: an interface or instance name, or an address (int)."""
# A protocol without ports to walk a path that a NAT gateway might refuse (GRE).
_OTHER_PROTO = 47


def _internet_key(index: int) -> tuple[str, int]:
    return ("internet", index)


class Analyser:
    """Endpoint classes of one CompiledNetwork and the exact traffic between any two endpoints.

    Built once per network and ephemeral range (see `analyser()`); every answer is memoised by
    the classes of its endpoints, so a second question about the same kinds of endpoints is a
    dict lookup.
    """

    def __init__(self, net: CompiledNetwork, *, ephemeral: tuple[int, int] | None = None) -> None:
        from vpcsim.check import Engine

        self.net = net
        self.engine: Engine = Engine(net, ephemeral=ephemeral)  # checks the range (vpcsim.arguments)
        self.ephemeral = self.engine.ephemeral
        self.probes = 0  # walks made
        self.fallbacks = 0  # pairs answered by check.Engine instead of one recorded walk
        self._pairs: dict[Hashable, Traffic] = {}
        self._admitted: dict[tuple[PortFilter, int, int], core.PortRuns] = {}
        self._ip_admitted: dict[tuple[PortFilter, int], core.PortRuns] = {}
        self._build_classes()
        self._internet: list[InternetClass] | None = None
        self._internet6: list[InternetClass] | None = None
        self._inet_by_sig: dict[int, int] = {}
        self._shortcuts: _Shortcuts | None = None

    # -- address signatures ---------------------------------------------------------------------

    def _build_classes(self) -> None:
        d = self.net.design
        every: set[Cidr] = set()  # the CIDRs of both families that rules, routes and prefix lists name
        referenced: set[str] = set()
        for group in d.security_groups.values():
            for rule in group.ingress + group.egress:
                if rule.cidr is not None:
                    every.add(rule.cidr)
                elif rule.peer_kind is PeerKind.SECURITY_GROUP and rule.peer:
                    referenced.add(rule.peer)
        for acl in d.network_acls.values():
            every |= {r.cidr for r in acl.inbound + acl.outbound}
        for table in d.route_tables.values():
            every |= {r.destination for r in table.routes if r.destination}
        for plist in d.prefix_lists.values():
            every |= set(plist.entries)
        # The IPv6 half (one table per family): `internet_classes6` and the IPv6 signatures.
        named6 = {(c.network, c.length) for c in every if c.bits == IPV6_BITS}
        rule_cidrs6 = named6 | {(c.network, c.length) for v in d.vpcs.values() for c in v.ipv6_cidrs}
        rule_cidrs6 |= {(c.network, c.length) for c in _not_internet(6)}
        self._named6_cidrs = sorted(named6)
        self._named6 = core.PrefixTable(self._named6_cidrs, bits=IPV6_BITS)
        rule_cidrs = {(c.network, c.length) for c in every if c.bits == IPV4_BITS}
        named = set(rule_cidrs)  # what can single out an internet address
        rule_cidrs |= {(c.network, c.length) for v in d.vpcs.values() for c in v.ipv4_cidrs}
        rule_cidrs |= {(c.network, c.length) for c in _not_internet(4)}
        # Subnets the trace must see as themselves: hosts of NAT gateways and routing appliances
        # (traffic to them skips a NACL when it stays in the subnet), and subnets whose CIDR
        # overlaps another subnet's or holds a public IP of the design (containment tests on
        # addresses then depend on the address, so their CIDRs join the signature).
        self.route_targets = self._route_target_enis()
        self.lb_nodes = lb_node_names(self.net)
        # A node's every address: its private and public IPv4 ones, and a dual-stack node's IPv6 one.
        self.lb_addresses = {a for name in self.lb_nodes for a in (*d.interfaces[name].private_ips,
                                                                   d.interfaces[name].public_ip) if a is not None}
        special = self._special_subnets()
        hosts = {nat.subnet for nat in d.nat_gateways.values()}
        hosts |= {d.interfaces[name].subnet for name in self.route_targets}
        self.subnet_key: dict[str, Hashable] = {}
        for s in d.subnets.values():
            if s.name in hosts or s.name in special:
                self.subnet_key[s.name] = ("subnet", s.name)
            else:
                self.subnet_key[s.name] = (s.vpc, s.route_table, s.network_acl)
        coarse = sorted(rule_cidrs | {(d.subnets[n].cidr.network, d.subnets[n].cidr.length) for n in special
                                      if not d.subnets[n].ipv6_only})
        self._coarse = core.PrefixTable(coarse)
        six_special = {(c.network, c.length) for n in special if (c := d.subnets[n].ipv6_cidr) is not None}
        self._coarse6 = core.PrefixTable(sorted(rule_cidrs6 | six_special), bits=IPV6_BITS)
        fine = sorted(rule_cidrs | {(s.cidr.network, s.cidr.length) for s in d.subnets.values() if not s.ipv6_only})
        self.fine_prefixes = fine
        self.fine = core.PrefixTable(fine)  # for addresses no interface owns: their subnet matters
        # The same for IPv6 (batch verdicts): subnets' /64s and delegated prefixes cut it too.
        fine6 = rule_cidrs6 | {(c.network, c.length) for s in d.subnets.values() if (c := s.ipv6_cidr) is not None}
        fine6 |= {(c.network, c.length) for e in d.interfaces.values() for c in e.ipv6_prefixes}
        self.fine6 = core.PrefixTable(sorted(fine6), bits=IPV6_BITS)
        self._named = core.PrefixTable(sorted(named))
        self._named_cidrs = sorted(named)
        self.member_of: dict[int, frozenset[str]] = {}
        by_addr: dict[int, set[str]] = {}
        for ref in sorted(referenced):
            for ip in self.net.members.get(ref, ()):
                by_addr.setdefault(ip, set()).add(ref)
        self.member_of = {ip: frozenset(groups) for ip, groups in by_addr.items()}
        # Interface classes.
        keyed: dict[Hashable, list[str]] = {}
        for eni in d.interfaces.values():
            keyed.setdefault(self.eni_key(eni), []).append(eni.name)
        self.classes: list[EniClass] = [EniClass(i, key, tuple(names)) for i, (key, names) in enumerate(keyed.items())]
        self.class_of: dict[str, int] = {name: c.index for c in self.classes for name in c.members}

    def _route_target_enis(self) -> set[str]:
        d = self.net.design
        out: set[str] = set()
        for table in d.route_tables.values():
            for route in table.routes:
                if route.target is None:
                    continue
                if route.target_kind is TargetKind.INTERFACE and route.target in d.interfaces:
                    out.add(route.target)
                elif route.target_kind is TargetKind.INSTANCE and route.target in d.instances:
                    out.update(n for n in d.instances[route.target].interfaces if n in d.interfaces)
        return out

    def _special_subnets(self) -> set[str]:
        d = self.net.design
        out: set[str] = set()
        spans = sorted((s.cidr.first, s.cidr.last, s.name) for s in d.subnets.values())
        reach_hi, owner = -1, ""
        for lo, hi, name in spans:
            if lo <= reach_hi:
                out |= {name, owner}
            if hi > reach_hi:
                reach_hi, owner = hi, name
        public = [e.public_ip for e in d.interfaces.values() if e.public_ip is not None]
        public += [n.elastic_ip for n in d.nat_gateways.values() if n.elastic_ip is not None]
        for addr in public:
            holder = self.net.subnet_of(addr)  # the innermost; any other holder overlaps it, so is special
            if holder is not None:
                out.add(holder.name)
        return out

    def addr_sig(self, addr: int) -> tuple[int, frozenset[str]]:
        """What rules can see of an owned address: its elementary interval and referenced groups."""
        if addr > IPV4_MAX:
            return self._coarse6.lookup(addr), self.member_of.get(addr, _EMPTY)
        return self._coarse.lookup(addr), self.member_of.get(addr, _EMPTY)

    def eni_key(self, eni: Interface) -> Hashable:
        d = self.net.design
        instance = d.instances.get(eni.instance or "")
        return (
            self.subnet_key[eni.subnet],
            tuple(sorted(set(eni.security_groups))),
            instance.running if instance is not None else True,
            self.addr_sig(eni.primary_ip),
            None if eni.public_ip is None else self._coarse.lookup(eni.public_ip),
            # A load balancer node is judged through to its targets (reach.balanced): a class of its own.
            eni.name if eni.name in self.route_targets or eni.name in self.lb_nodes else None,
            None if (six := eni.address_of(IPV6_BITS)) is None else self.addr_sig(six),
        )

    # -- the internet ---------------------------------------------------------------------------

    def internet_classes(self) -> list[InternetClass]:
        """The classes of public addresses (check.Engine's), each with a label and a representative."""
        if self._internet is None:
            from vpcsim.model import ip_to_int

            out: list[InternetClass] = []
            for atom in self.engine.internet_atoms(self.engine.public_space):
                index = self._named.lookup(ip_to_int(atom.text))
                if index < 0:
                    label, world = "0.0.0.0/0", True
                else:
                    network, length = self._named_cidrs[index]
                    label, world = str(Cidr(network, length)), length == 0
                self._inet_by_sig[index] = len(out)
                out.append(InternetClass(len(out), label, atom.text, world))
            self._internet = out
        return self._internet

    def internet_classes6(self) -> list[InternetClass]:
        """The classes of the IPv6 internet: public IPv6 space (less NOT_INTERNET6 and the VPCs'
        blocks) cut by every IPv6 CIDR the design names; one representative each."""
        if self._internet6 is None:
            from vpcsim.compile import public_space
            from vpcsim.facts import INTERNET_CANDIDATES6

            space = public_space(self.net.design, IPV6_BITS)
            cuts = sorted({c for network, length in self._named6_cidrs
                           for c in (network, network + (1 << (IPV6_BITS - length)))})
            reps: dict[int, int] = {}
            for lo, hi in space:
                start = lo
                for cut in [c for c in cuts if lo < c <= hi] + [hi + 1]:
                    reps.setdefault(self._named6.lookup(start), start)
                    start = cut
            for text in INTERNET_CANDIDATES6:  # a well-known address where one falls in the class
                addr = parse_ip(text)
                if any(lo <= addr <= hi for lo, hi in space):
                    index = self._named6.lookup(addr)
                    if index in reps and reps[index] not in map(parse_ip, INTERNET_CANDIDATES6):
                        reps[index] = addr
            out: list[InternetClass] = []
            for index, addr in sorted(reps.items()):
                if index < 0:
                    label, world = "::/0", True
                else:
                    network, length = self._named6_cidrs[index]
                    label, world = str(Cidr(network, length, IPV6_BITS)), length == 0
                out.append(InternetClass(len(out), label, int_to_ip(addr), world))
            self._internet6 = out
        return self._internet6

    def internet_class_of(self, addr: int) -> int:
        """The index of the internet class holding a public address (no design public IP)."""
        self.internet_classes()
        return self._inet_by_sig[self._named.lookup(addr)]

    # -- exact traffic between two endpoints ----------------------------------------------------

    def pair(self, key: Hashable, src: Side, dst: Side) -> Traffic:
        """traffic(src, dst), memoised under `key` (the endpoints' classes: the caller's promise)."""
        got = self._pairs.get(key)
        if got is None:
            got = self._pairs[key] = self.traffic(src, dst)
        return got

    def known(self, key: Hashable) -> Traffic | None:
        return self._pairs.get(key)

    def remember(self, key: Hashable, traffic: Traffic) -> None:
        """Memoise a pair's traffic computed from other pairs (`reach --family either`'s)."""
        self._pairs[key] = traffic

    def pair_between(self, key: Hashable, src: Side, dst: Side) -> Traffic:
        """`pair()`, answered by `_Shortcuts` where one applies (two interfaces of VPCs that are
        neither the same nor peered), by walking the pair otherwise."""
        got = self._pairs.get(key)
        if got is None:
            if isinstance(src, str) and isinstance(dst, str) and self._interface_named(src) and \
                    self._interface_named(dst):
                got = self.shortcuts().between(src, dst)
            if got is None:
                got = self.traffic(src, dst)
            self._pairs[key] = got
        return got

    def _interface_named(self, name: str) -> bool:
        """An instance or interface of the design (not a place a component names, `onprem:corp`)."""
        d = self.net.design
        return name in d.instances or name in d.interfaces

    def shortcuts(self) -> _Shortcuts:
        if self._shortcuts is None:
            self._shortcuts = _Shortcuts(self)
        return self._shortcuts

    def computed(self, key: Hashable) -> Traffic:
        """The traffic of a pair `pair()` has computed (KeyError if it has not)."""
        return self._pairs[key]

    @property
    def pairs_computed(self) -> int:
        return len(self._pairs)

    def traffic(self, src: Side, dst: Side) -> Traffic:
        """Exactly the traffic that gets from `src` to `dst` and back.

        An endpoint is an interface or instance name (addressed as `trace` addresses it) or an
        address (an int, taken as `trace` takes that address written as text).
        """
        if (dst in self.lb_nodes if isinstance(dst, str) else dst in self.lb_addresses):
            # A connection to a load balancer node goes on to its targets: check's leg-by-leg walk
            # (reach.balanced), so that exposure, reach, check and trace agree on it.
            return self._fallback(src, dst, counted=False)
        if isinstance(src, int) and isinstance(dst, str):
            dst = self.address_from(src, dst)
        result, fwd, ret = self._probe(src, dst, 6)
        if not _path_ok(result):
            return Traffic.none()
        tcp = self._ported(fwd, ret, 6)
        if _has(tcp, 0) != result.reachable:
            return self._fallback(src, dst)
        if any(self._partial(c, 6) for c in ret):
            # The tcp walk narrowed the reply's ports on the way back: udp needs a walk of its own.
            uresult, ufwd, uret = self._probe(src, dst, 17)
            udp = self._ported(ufwd, uret, 17) if _path_ok(uresult) else ()
            if _has(udp, 0) != uresult.reachable:
                return self._fallback(src, dst)
        else:
            udp = self._ported(fwd, ret, 17)
        icmp = self._icmp(fwd, ret, 1)
        icmpv6 = self._icmp(fwd, ret, 58)
        if any(h.kind == "nat_gateway" for h in result.forward + result.return_path):
            # A NAT gateway carries only tcp, udp and icmp: other protocols get a walk of their own.
            presult, pfwd, pret = self._probe(src, dst, _OTHER_PROTO)
            ip = self._ip(pfwd + pret) if _path_ok(presult) else ()
            if _has(ip, _OTHER_PROTO) != presult.reachable:
                return self._fallback(src, dst)
            # ... and ICMP on IPv4 only; NAT64 carries ICMPv6 as ICMP, types translated (RFC 7915), so
            # the filters beyond it see other types: check.Engine answers ICMPv6 (a walk per type run).
            if ":" in result.flow.dst_ip:
                icmp = ()
                icmpv6 = self._fallback(src, dst, counted=False,
                                        universe=Traffic.of(TrafficKind.ICMPV6, ((0, 255),))).icmpv6
            else:
                icmpv6 = ()
        else:
            ip = self._ip(fwd + ret)
        return Traffic(tcp=tcp, udp=udp, icmp=icmp, icmpv6=icmpv6, ip=ip)

    def address_from(self, src: int, dst: str) -> int:
        """The address `trace` sends to when `dst` is named and the source is address `src`."""
        net = self.net
        eni = self._start_eni(dst)
        if eni.public_ip is None:
            return eni.primary_ip
        owner = net.eni_by_ip.get(src) or net.eni_by_public.get(src)
        if owner is not None:  # trace.resolve: privately from the same or a peered VPC
            src_vpc, dst_vpc = net.interface_vpc(owner), net.interface_vpc(eni)
            if src_vpc == dst_vpc or dst_vpc in net.peers.get(src_vpc, {}):
                return eni.primary_ip
        return eni.public_ip

    def _probe(self, src: Side, dst: Side, proto: int) -> tuple[TraceResult, list[FilterDetail], list[FilterDetail]]:
        """One walk (tcp/udp/icmp port or type 0), with the filters it met on each leg.

        Names go through `trace` (which picks the private or the public address); addresses
        through `trace_packet` from the interface that owns the source, or from the internet,
        which is what `trace` does with addresses written as text.
        """
        self.probes += 1
        net = self.net
        eph = self.ephemeral
        if isinstance(src, str) and isinstance(dst, str):
            result = trace(net, src, dst, 0, proto, ephemeral=eph)
        else:
            owner: Interface | None
            if isinstance(src, str):
                owner = self._start_eni(src)
                src_addr = owner.primary_ip
            else:
                src_addr = src
                found = net.owner_of(src)  # a delegated IPv6 prefix's addresses too
                owner = found
                if found is not None and src == found.public_ip:
                    src_addr = found.primary_ip  # an interface sends from its private IP (trace.resolve)
            assert isinstance(dst, int)
            if owner is not None:
                result = trace_packet(net, "eni", self._start_name(owner), int_to_ip(src_addr), int_to_ip(dst),
                                      proto, ephemeral=eph)
            else:
                result = trace_packet(net, "internet", None, int_to_ip(src_addr), int_to_ip(dst), proto,
                                      ephemeral=eph)
        return result, _filters(result.forward), _filters(result.return_path)

    def _start_name(self, eni: Interface) -> str:
        """How trace_packet names the interface fastest: by its instance when it is the first one.

        (trace_packet looks a name up among instances, then scans instances' AWS ids, then
        interfaces: an interface name costs a scan of every instance.)
        """
        instance = self.net.design.instances.get(eni.instance or "")
        if instance is not None and instance.interfaces and instance.interfaces[0] == eni.name:
            return instance.name
        return eni.name

    def _start_eni(self, name: str) -> Interface:
        d = self.net.design
        instance = d.instances.get(name)
        if instance is not None and instance.interfaces:
            return d.interfaces[instance.interfaces[0]]
        return d.interfaces[name]

    def _fallback(self, src: Side, dst: Side, *, counted: bool = True, universe: Traffic = ANY) -> Traffic:
        """check.Engine's answer for the pair (of `universe`); `counted`: a walk the filters could not read exactly."""
        from vpcsim.check import _Atom

        self.fallbacks += counted
        a = src if isinstance(src, str) else int_to_ip(src)
        b = dst if isinstance(dst, str) else int_to_ip(dst)
        return self.engine.reachable(_Atom(a, a), _Atom(b, b), universe)

    # -- port sets from the walk's filters ---------------------------------------------------------

    def _admit(self, check: FilterDetail, proto: int) -> core.PortRuns:
        key = (check.filter, check.peer, proto)
        got = self._admitted.get(key)
        if got is None:
            got = self._admitted[key] = check.filter.admitted(check.peer, proto)
        return got

    def _partial(self, check: FilterDetail, proto: int) -> bool:
        asked = core.ports_normalize(check.ports)
        admitted = self._admit(check, proto)
        return bool(core.ports_subtract(asked, admitted)) and bool(core.ports_intersect(asked, admitted))

    def _ported(self, fwd: list[FilterDetail], ret: list[FilterDetail], proto: int) -> core.PortRuns:
        """tcp/udp: the ports every forward filter admits, if every return filter admits the reply."""
        for check in ret:
            if core.ports_subtract(core.ports_normalize(check.ports), self._admit(check, proto)):
                return ()
        got = _ALL_PORTS
        for check in fwd:
            got = core.ports_intersect(got, self._admit(check, proto))
            if not got:
                break
        return got

    def _icmp(self, fwd: list[FilterDetail], ret: list[FilterDetail], proto: int) -> core.PortRuns:
        """ICMP (1) or ICMPv6 (58) types (code 0) that get there, and whose reply type gets back."""
        replies = ICMP_REPLIES_BY_PROTO[proto]
        types: core.PortRuns = ((0, 255),)
        for check in fwd:
            types = core.ports_intersect(types, _types(self._admit(check, proto)))
        for check in ret:
            back = _types(self._admit(check, proto))
            ok: list[tuple[int, int]] = list(core.ports_subtract(back, tuple((q, q) for q in sorted(replies))))
            ok += [(q, q) for q, reply in replies.items() if any(lo <= reply <= hi for lo, hi in back)]
            types = core.ports_intersect(types, core.ports_normalize(ok))
        return types

    def _ip(self, checks: list[FilterDetail]) -> core.PortRuns:
        """Other IP protocols (no ports) admitted by every filter, both ways."""
        got = TrafficKind.IP.universe
        for check in checks:
            table = check.filter
            key = (table, check.peer)
            admitted = self._ip_admitted.get(key)
            if admitted is None:
                universe = TrafficKind.IP.universe
                named = sorted(p for p in table.named if any(lo <= p <= hi for lo, hi in universe))
                rest = next(p for lo, hi in universe for p in range(lo, hi + 1) if p not in table.named)
                denied = [(p, p) for p in named if not table.admits(check.peer, p)]
                if table.admits(check.peer, rest):
                    admitted = core.ports_subtract(universe, core.ports_normalize(denied))
                else:
                    admitted = core.ports_normalize((p, p) for p in named if table.admits(check.peer, p))
                self._ip_admitted[key] = admitted
            got = core.ports_intersect(got, admitted)
        return got


def lb_node_names(net: CompiledNetwork) -> frozenset[str]:
    """The interfaces that are load balancer nodes (components/load_balancer.py)."""
    from vpcsim.components import load_balancer

    return frozenset(load_balancer.node_name(lb, n) for lb in load_balancer.balancers(net.design).values()
                     for n in lb.nodes)


def _filters(hops: tuple[Hop, ...]) -> list[FilterDetail]:
    """The filters a leg of the walk evaluated, in order (session passes evaluate none)."""
    return [step.data for hop in hops for step in hop.steps if isinstance(step.data, FilterDetail)]


def _has(runs: core.PortRuns, port: int) -> bool:
    return any(lo <= port <= hi for lo, hi in runs)


def _types(ports: core.PortRuns) -> core.PortRuns:
    """ICMP types t whose code-0 port t*256 lies in `ports`."""
    out = []
    for lo, hi in ports:
        first, last = -(-lo // 256), hi // 256
        if first <= last:
            out.append((first, min(last, 255)))
    return core.ports_normalize(out)


def _path_ok(result: TraceResult) -> bool:
    """The walk got there and back, blocked (if at all) only by port filters."""
    if any(b.code.value not in _FILTER_CODES for b in result.blocked_by):
        return False
    if not result.return_path:
        return False
    steps = result.return_path[-1].steps
    return bool(steps) and steps[-1].kind.value == "deliver" and steps[-1].action.value in ("ACCEPT", "EXIT")


def analyser(net: CompiledNetwork, *, ephemeral: tuple[int, int] | None = None) -> Analyser:
    """The network's Analyser for an ephemeral range (built on first use, then cached on the network)."""
    return net.derived(Analyser, ephemeral, lambda: Analyser(net, ephemeral=ephemeral))


# -- exposure ---------------------------------------------------------------------------------------


@record
class Finding:
    """Traffic open from (part of) the internet, with its grade."""

    severity: Severity
    traffic: Traffic
    sources: tuple[str, ...]  # internet classes by label: ('0.0.0.0/0',) is the whole world
    services: tuple[str, ...] = ()
    family: str = "ipv4"  # which internet: "ipv4" or "ipv6" (its sources are of that family)
    # Open on IPv6 but closed on IPv4: why (no NAT hides the address) ...
    explanation: str = ""
    # ... and the settings that make it so: the route its replies leave by and the rule that
    # admits it, each as "text (file:line:col)".
    causes: tuple[str, ...] = ()

    def describe(self) -> str:
        named = f" ({', '.join(self.services)})" if self.services else ""
        return f"{self.severity.value}: {self.traffic.describe()}{named} from {', '.join(self.sources)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "traffic": self.traffic.to_json(),
            "text": self.traffic.describe(),
            "sources": list(self.sources),
            "services": list(self.services),
        } | ({"family": self.family, "explanation": self.explanation, "causes": list(self.causes)}
             if self.family != "ipv4" else {})


@record
class EniExposure:
    """What the internet reaches on one interface, and through what."""

    interface: str
    instance: str | None
    vpc: str
    subnet: str
    private_ip: str
    public_ip: str | None
    internet_gateway: str | None
    world: Traffic  # open to every internet address no rule singles out
    traffic: Traffic  # open to at least some internet addresses
    by_source: tuple[tuple[str, Traffic], ...]  # per internet class (label), where anything is open
    findings: tuple[Finding, ...]
    eni_class: int
    # What each internet class reaches, aligned with ExposureReport.internet_classes.
    by_class: tuple[Traffic, ...] = field(default=(), compare=False, repr=False)
    # `private_ip: auto`: what is open for each case of the addresses AWS may pick (addresses as
    # text, traffic); the fields above are then their union: open for some address it may get.
    address_cases: tuple[tuple[str, Traffic], ...] = ()
    # IPv6 (the IPv6 column): the interface's first IPv6 address, and what the IPv6 internet
    # reaches on it (its findings are in `findings`, with family "ipv6"). `world`, `traffic`
    # and `by_source` are IPv4's.
    ipv6_address: str | None = None
    ipv6: Traffic = field(default_factory=Traffic.none)
    ipv6_by_source: tuple[tuple[str, Traffic], ...] = ()

    # What each named place outside the VPCs reaches (an on-prem network, `onprem:corp`), where
    # anything is open: a source class beside the internet, graded apart from it.
    onprem: tuple[tuple[str, Traffic], ...] = ()

    @property
    def exposed_ipv6(self) -> bool:
        return bool(self.ipv6)

    @property
    def exposed(self) -> bool:
        return bool(self.traffic) or bool(self.ipv6)

    @property
    def address_dependent(self) -> bool:
        """What is open depends on the address AWS picks for the interface."""
        return len({t for _, t in self.address_cases}) > 1

    @property
    def severity(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    @property
    def name(self) -> str:
        return self.instance or self.interface

    def to_json(self) -> dict[str, Any]:
        sev = self.severity
        return {
            "interface": self.interface,
            "instance": self.instance,
            "vpc": self.vpc,
            "subnet": self.subnet,
            "private_ip": self.private_ip,
            "public_ip": self.public_ip,
            "internet_gateway": self.internet_gateway,
            "exposed": self.exposed,
            "severity": sev.value if sev else None,
            "world": self.world.to_json(),
            "traffic": self.traffic.to_json(),
            "text": self.traffic.describe(),
            "by_source": [{"source": label, "traffic": t.to_json(), "text": t.describe()} for label, t in self.by_source],
            "findings": [f.to_json() for f in self.findings],
        } | ({"ipv6_address": self.ipv6_address, "ipv6": self.ipv6.to_json(), "ipv6_text": self.ipv6.describe(),
              "ipv6_by_source": [{"source": label, "traffic": t.to_json(), "text": t.describe()}
                                 for label, t in self.ipv6_by_source]}
             if self.ipv6_address is not None else {}) | ({"address_dependent": self.address_dependent,
              "address_cases": [{"addresses": text, "traffic": t.to_json(), "text": t.describe()}
                                for text, t in self.address_cases]} if self.address_cases else {}) \
            | ({"onprem": [{"source": label, "traffic": t.to_json(), "text": t.describe()}
                           for label, t in self.onprem]} if self.onprem else {})


@record
class ListenerExposure:
    """An internet-facing load balancer's listener: what the internet reaches through it."""

    load_balancer: str
    type: str
    listener: str  # e.g. HTTPS:443
    reachable: bool  # every node in DNS forwards the internet's connection to a healthy target
    partial: bool  # some do
    # (target group, target, the port it receives, reached from the internet through the listener)
    targets: tuple[tuple[str, str, int, bool], ...]
    blocked_by: tuple[str, ...]  # the load balancer's own blockers' codes (no healthy target, ...)
    family: str = "ipv4"  # the internet's family: ipv6 for a dual-stack load balancer's IPv6 addresses

    @property
    def reached(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for _, t, _, ok in self.targets if ok))

    def describe(self) -> str:
        got = ", ".join(f"{t}:{port}" for _, t, port, ok in self.targets if ok)
        head = f"{self.load_balancer} {self.listener}" + (" over IPv6" if self.family == "ipv6" else "")
        if not got:
            return f"{head}: the internet reaches no target"
        word = "reaches" if self.reachable else "partly reaches"
        return f"{head}: the internet {word} {got}"

    def to_json(self) -> dict[str, Any]:
        return {"load_balancer": self.load_balancer, "type": self.type, "listener": self.listener,
                "family": self.family, "reachable": self.reachable, "partial": self.partial, "blocked_by": list(self.blocked_by),
                "targets": [{"target_group": g, "target": t, "port": port, "reached": ok}
                            for g, t, port, ok in self.targets]}


@record
class ExposureReport:
    """Internet exposure of every interface of a design."""

    design: str
    interfaces: tuple[EniExposure, ...]
    internet_classes: tuple[InternetClass, ...]
    eni_classes: int
    probes: int
    seconds: float = 0.0
    internet_classes6: tuple[InternetClass, ...] = ()  # the IPv6 internet's (none without IPv6)
    # Internet-facing load balancers' listeners and the targets the internet reaches through them.
    listeners: tuple[ListenerExposure, ...] = ()

    @property
    def ipv6(self) -> bool:
        """Whether any interface has an IPv6 address (the IPv6 column is worth showing)."""
        return any(e.ipv6_address is not None for e in self.interfaces)

    def exposed(self, min_severity: Severity | None = None) -> tuple[EniExposure, ...]:
        """Exposed interfaces (with a finding at least `min_severity`), worst first."""
        out = [
            e for e in self.interfaces
            if e.exposed and (min_severity is None or (e.severity is not None and e.severity.rank >= min_severity.rank))
        ]
        out.sort(key=lambda e: (-(e.severity.rank if e.severity else -1), e.vpc, e.name))
        return tuple(out)

    def __getitem__(self, name: str) -> EniExposure:
        for e in self.interfaces:
            if name in (e.interface, e.instance):
                return e
        raise KeyError(name)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in EXPOSURE_GRADES}
        for e in self.interfaces:
            if e.severity is not None:
                out[e.severity.value] += 1
        return out

    def to_json(self, min_severity: Severity | None = None) -> dict[str, Any]:
        rows = self.exposed(min_severity) if min_severity is not None else self.interfaces
        return {
            "design": self.design,
            "interfaces": len(self.interfaces),
            "exposed": len(self.exposed()),
            "severity_counts": self.counts(),
            "eni_classes": self.eni_classes,
            "internet_classes": [
                {"label": c.label, "representative": c.representative, "world": c.world} for c in self.internet_classes
            ],
            "probes": self.probes,
            "seconds": round(self.seconds, 3),
            "results": [e.to_json() for e in rows],
            "load_balancer_listeners": [x.to_json() for x in self.listeners],
        }

    def to_csv(self, min_severity: Severity | None = None) -> str:
        """One row per finding: interface, instance, vpc, subnet, ips, igw, severity, protocol, ports, sources, services."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["interface", "instance", "vpc", "subnet", "private_ip", "public_ip", "internet_gateway",
                         "severity", "protocol", "ports", "sources", "services", "family"])
        for e in self.exposed(min_severity):
            for f in e.findings:
                if min_severity is not None and f.severity.rank < min_severity.rank:
                    continue
                for kind in TrafficKind:
                    runs = f.traffic.runs(kind)
                    if runs:
                        writer.writerow([e.interface, e.instance or "", e.vpc, e.subnet, e.private_ip, e.public_ip or "",
                                         e.internet_gateway or "", f.severity.value, kind.value, _runs_text(runs),
                                         " ".join(f.sources), "; ".join(f.services), f.family])
        return out.getvalue()


def _runs_text(runs: Sequence[tuple[int, int]]) -> str:
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in runs)


def grade(world: Traffic, others: Sequence[tuple[str, Traffic]], world_label: tuple[str, ...] = ("0.0.0.0/0",),
          ) -> tuple[Finding, ...]:
    """Findings for traffic open to the world and to named source ranges (see docs/analyses.md).

    One scale for both families (`world_label` ('::/0',) for IPv6): what is open grades the same
    whichever internet it is open to.
    """
    findings: list[Finding] = []
    critical = world & _CRITICAL
    info = (world & _WEB) - critical
    high = world - critical - info
    for severity, traffic in ((Severity.CRITICAL, critical), (Severity.HIGH, high), (Severity.INFO, info)):
        if traffic:
            findings.append(Finding(severity, traffic, world_label, services(traffic)))
    limited: dict[Traffic, list[str]] = {}
    for label, traffic in others:
        extra = traffic - world
        if extra:
            limited.setdefault(extra, []).append(label)
    for traffic, labels in limited.items():
        findings.append(Finding(Severity.MEDIUM, traffic, tuple(labels), services(traffic)))
    findings.sort(key=lambda f: -f.severity.rank)
    return tuple(findings)


@_collector_tuned
def exposure(net: CompiledNetwork, *, ephemeral: tuple[int, int] | None = None,
             progress: Progress | None = None) -> ExposureReport:
    """What the internet reaches on every interface: exact over all ports and all internet sources.

    An interface whose address AWS picks is judged at every case of it (`vpcsim.reach.addresses`).
    """
    from vpcsim.model import ip_to_int

    start = time.perf_counter()
    if addresses.has_dynamic(net):
        return _fold_exposure(exposure(addresses.expanded(net).net, ephemeral=ephemeral, progress=progress),
                              addresses.expanded(net))
    an = analyser(net, ephemeral=ephemeral)
    probes = an.probes
    inet = an.internet_classes()
    d = net.design
    from vpcsim.components import base  # on-prem networks and the like: sources beside the internet

    places = [name for component in base.all_components() for name in component.sources(net)]
    beside: list[tuple[tuple[str, Traffic], ...]] = []
    total = len(an.classes)
    per_class: list[tuple[Traffic, Traffic, tuple[tuple[str, Traffic], ...], tuple[Finding, ...],
                          tuple[Traffic, ...]]] = []
    for done, cls in enumerate(an.classes):
        rep = cls.members[0]
        by_source: list[tuple[InternetClass, Traffic]] = []
        four = d.interfaces[rep].address_of(IPV4_BITS) is not None  # an IPv6-only interface has no IPv4 side
        for c in inet:
            key = (_internet_key(c.index), cls.index, False)
            by_source.append((c, an.pair(key, ip_to_int(c.representative), rep) if four else Traffic.none()))
        world = Traffic.none()
        for c, t in by_source:
            if c.world:
                world = world | t
        union = Traffic.none()
        for _, t in by_source:
            union = union | t
        open_from = tuple((_class_label(c, inet), t) for c, t in by_source if t)
        others = [(_class_label(c, inet), t) for c, t in by_source if not c.world]
        per_class.append((world, union, open_from, grade(world, others) if union else (),
                          tuple(t for _, t in by_source)))
        beside.append(tuple((name, t) for name in places if (t := an.pair(("source", name, cls.index), name, rep))))
        if progress is not None:
            progress(done + 1, total)
    six_by_class = [_exposure6(an, cls, per_class[cls.index][1]) for cls in an.classes]
    rows = []
    for eni in d.interfaces.values():
        index = an.class_of[eni.name]
        world, union, open_from, findings, by_class = per_class[index]
        six_union, six_from, six_findings = six_by_class[index]
        findings = tuple(sorted(findings + six_findings, key=lambda f: -f.severity.rank))
        six_addr = eni.address_of(IPV6_BITS)
        vpc = d.subnets[eni.subnet].vpc
        igw = net.igw_by_vpc.get(vpc)
        rows.append(EniExposure(
            interface=eni.name,
            instance=eni.instance,
            vpc=vpc,
            subnet=eni.subnet,
            private_ip=int_to_ip(eni.primary_ip),
            public_ip=int_to_ip(eni.public_ip) if eni.public_ip is not None else None,
            internet_gateway=igw.name if igw is not None and eni.public_ip is not None else None,
            world=world,
            traffic=union,
            by_source=open_from,
            findings=findings,
            eni_class=index,
            by_class=by_class,
            ipv6_address=int_to_ip(six_addr) if six_addr is not None else None,
            ipv6=six_union,
            ipv6_by_source=six_from,
            onprem=beside[index],
        ))
    listeners = listener_exposure(net, ephemeral)
    return ExposureReport(d.file, tuple(rows), tuple(inet), len(an.classes), an.probes - probes,
                          time.perf_counter() - start, internet_classes6=tuple(an.internet_classes6()),
                          listeners=listeners)


def _exposure6(an: Analyser, cls: EniClass, four: Traffic,
               ) -> tuple[Traffic, tuple[tuple[str, Traffic], ...], tuple[Finding, ...]]:
    """What the IPv6 internet reaches on an interface class (at its representative's first IPv6
    address): the union, per source class, and the findings, graded on the IPv4 scale.

    A finding open on IPv6 but not on IPv4 (`four`) says why and names its causes: every
    address AWS gives an interface on IPv6 is global, so no NAT hides it
    (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html).
    """
    eni = an.net.design.interfaces[cls.members[0]]
    addr = eni.address_of(IPV6_BITS)
    inet = an.internet_classes6()
    if addr is None or not inet:
        return Traffic.none(), (), ()
    by_source = [(c, an.pair((("internet6", c.index), cls.index, False), parse_ip(c.representative), addr))
                 for c in inet]
    world = _union(t for c, t in by_source if c.world)
    union = _union(t for _, t in by_source)
    if not union:
        return union, (), ()
    others = [(c.label, t) for c, t in by_source if not c.world]
    findings = []
    for f in grade(world, others, ("::/0",)):
        hidden = f.traffic - four
        if hidden:
            rep = next(c for c in inet if c.label in f.sources or (c.world and "::/0" in f.sources))
            explanation = (f"open on IPv6 only ({hidden.describe()}): {int_to_ip(addr)} is a global address with "
                           "no NAT in front of it, so the IPv6 internet reaches what IPv4 does not")
            f = dataclasses.replace(f, family="ipv6", explanation=explanation,
                                    causes=_causes6(an, rep.representative, int_to_ip(addr), hidden))
        else:
            f = dataclasses.replace(f, family="ipv6")
        findings.append(f)
    return union, tuple((c.label, t) for c, t in by_source if t), tuple(findings)


def _causes6(an: Analyser, src: str, dst: str, traffic: Traffic) -> tuple[str, ...]:
    """The settings one flow of `traffic` from `src` to `dst` passes by: the route table entry its
    reply leaves by and the rules that admit it, each with its location."""
    kind = next(k for k in TrafficKind if traffic.runs(k))
    port = traffic.runs(kind)[0][0]
    proto = kind.protocol if kind.protocol is not None else port
    # (ICMP, ICMPv6: `port` is the type; was 0 for them, an echo reply that no rule may admit.)
    result = trace_packet(an.net, "internet", None, src, dst, proto, port if kind is not TrafficKind.IP else 0,
                          ephemeral=an.ephemeral)
    out: list[str] = []
    for hop in result.return_path:
        for step in hop.steps:
            if step.kind is StepKind.ROUTE and step.rule:
                out.append(f"route table {step.component}: {step.rule}" + (f" ({step.location})" if step.location
                                                                           else ""))
                break
        if out:
            break
    for hop in result.forward:
        for step in hop.steps:
            if step.kind is StepKind.SG_INGRESS and step.action is Action.ALLOW and step.rule:
                out.append(f"security group {step.rule}" + (f" ({step.location})" if step.location else ""))
    return tuple(out)


def listener_exposure(net: CompiledNetwork, ephemeral: tuple[int, int] | None = None) -> tuple[ListenerExposure, ...]:
    """Every listener of every internet-facing load balancer, traced from the internet through to
    its targets (`reach.balanced`: the ports listed are those the targets receive), once per family
    the internet reaches it on: IPv4 unless it is dualstack-without-public-ipv4, IPv6 when it is
    dual-stack (facts.LB_IP_ADDRESS_TYPE_DOC)."""
    from vpcsim.components import load_balancer
    from vpcsim.reach.balanced import trace_balanced

    out = []
    for lb in load_balancer.balancers(net.design).values():
        if not lb.internet_facing:
            continue
        families: tuple[tuple[str, str], ...] = (("internet", "ipv4"),) if lb.public_ipv4 else ()
        families += (("internet6", "ipv6"),) if lb.dualstack else ()
        for listener in lb.listeners:
            proto = "udp" if listener.transports == (17,) else "tcp"
            for client, family in families:
                got = trace_balanced(net, client, lb.name, listener.port, proto, ephemeral=ephemeral)
                served = {n.node for n in got.served if n.front.reachable}
                targets: dict[tuple[str, str, int], bool] = {}
                for path in got.targets:
                    key = (path.target_group, path.target, path.port)
                    targets[key] = targets.get(key, False) or (path.reached and path.node in served)
                out.append(ListenerExposure(lb.name, lb.type, listener.text(), got.reachable, got.partial,
                                            tuple((g, t, port, ok) for (g, t, port), ok in targets.items()),
                                            tuple(dict.fromkeys(b.code.value for b in got.blocked_by)), family))
    return tuple(out)


def _fold_exposure(report: ExposureReport, expansion: addresses.Expansion) -> ExposureReport:
    """The expanded network's report with each clone folded into its interface (union, and per case)."""
    rows: dict[str, list[EniExposure]] = {}
    for row in report.interfaces:
        rows.setdefault(addresses.origin_of(row.interface), []).append(row)
    inet = report.internet_classes
    out = []
    for name, group in rows.items():
        first = group[0]
        if name not in expansion.cases:
            out.append(first)
            continue
        by_name = {r.interface: r for r in group}
        per_case = [(c.describe(), by_name[c.name]) for c in expansion.cases[name] if c.name in by_name]
        by_class = tuple(_union(r.by_class[i] for _, r in per_case) for i in range(len(inet)))
        world = _union(r.world for _, r in per_case)
        union = _union(r.traffic for _, r in per_case)
        others = [(_class_label(c, inet), by_class[c.index]) for c in inet if not c.world]
        out.append(dataclasses.replace(
            first, world=world, traffic=union, by_class=by_class,
            by_source=tuple((_class_label(c, inet), by_class[c.index]) for c in inet if by_class[c.index]),
            findings=tuple(sorted((grade(world, others) if union else ()) + tuple(
                f for f in first.findings if f.family == "ipv6"), key=lambda f: -f.severity.rank)),
            address_cases=tuple((text, r.traffic) for text, r in per_case)))
    return dataclasses.replace(report, interfaces=tuple(out))


def _union(traffics: Iterable[Traffic]) -> Traffic:
    got = Traffic.none()
    for t in traffics:
        got = got | t
    return got
# -- transitive exposure (one pivot) ---------------------------------------------------------------


@record
class PivotExposure:
    """What the internet reaches on one interface in two legs: onto an exposed pivot, then from it."""

    interface: str
    instance: str | None
    vpc: str
    subnet: str
    direct: Traffic  # plain exposure: what the internet reaches on it itself
    transitive: Traffic  # what some internet-exposed pivot reaches on it (the second leg)
    pivots: tuple[str, ...]  # the pivots that open something beyond `direct`, best first

    @property
    def new(self) -> Traffic:
        """What only a pivot opens: reachable in two legs, not directly."""
        return self.transitive - self.direct

    @property
    def name(self) -> str:
        return self.instance or self.interface

    @property
    def services(self) -> tuple[str, ...]:
        """The well-known services among what only a pivot opens."""
        return services(self.new)

    def to_json(self) -> dict[str, Any]:
        return {
            "interface": self.interface,
            "instance": self.instance,
            "vpc": self.vpc,
            "subnet": self.subnet,
            "direct": self.direct.to_json(),
            "transitive": self.transitive.to_json(),
            "new": self.new.to_json(),
            "text": self.new.describe(),
            "services": list(self.services),
            "pivots": list(self.pivots),
        }


@record
class Pivot:
    """An internet-exposed interface class, and what a foothold on it opens."""

    name: str  # the class's first interface (its instance's name when it has one)
    members: tuple[str, ...]  # every interface of the class: any of them is the same foothold
    entry: Traffic  # how the internet gets onto it (its own exposure)
    opens: int  # interfaces it reaches beyond what the internet reaches on them directly
    opened: Traffic  # the union of what it opens on them
    critical: int  # of those interfaces, how many on a critical service (facts.CRITICAL_SERVICES)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "members": len(self.members),
            "entry": self.entry.to_json(),
            "entry_text": self.entry.describe(),
            "opens": self.opens,
            "critical": self.critical,
            "opened": self.opened.to_json(),
            "opened_text": self.opened.describe(),
            "services": list(services(self.opened)),
        }


@record
class TransitiveReport:
    """The attacker's one-pivot view: per interface what two legs reach, and the pivots ranked."""

    design: str
    exposure: ExposureReport
    interfaces: tuple[PivotExposure, ...]
    pivots: tuple[Pivot, ...]  # ranked: most interfaces opened first, then critical ones, then traffic
    pairs: int  # (pivot class, interface class) pairs answered
    walks: int
    seconds: float = 0.0

    def opened(self) -> tuple[PivotExposure, ...]:
        """Interfaces a pivot opens something on, most opened first."""
        out = [e for e in self.interfaces if e.new]
        out.sort(key=lambda e: (-len(services(e.new & _CRITICAL)), e.vpc, e.name))
        return tuple(out)

    def __getitem__(self, name: str) -> PivotExposure:
        for e in self.interfaces:
            if name in (e.interface, e.instance):
                return e
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "interfaces": len(self.interfaces),
            "opened": len(self.opened()),
            "pivots": [p.to_json() for p in self.pivots],
            "pairs": self.pairs,
            "walks": self.walks,
            "seconds": round(self.seconds, 3),
            "results": [e.to_json() for e in self.opened()],
        }


class _Memo:
    """Traffic set operations, memoised: across 50,000 class pairs the same few values recur, and
    one operation on Traffic costs more than a dict lookup."""

    NONE = Traffic.none()

    def __init__(self) -> None:
        self._ops: dict[tuple[str, Traffic, Traffic], Traffic] = {}

    def op(self, name: str, a: Traffic, b: Traffic) -> Traffic:
        key = (name, a, b)
        got = self._ops.get(key)
        if got is None:
            got = self._ops[key] = a & b if name == "and" else a | b if name == "or" else a - b
        return got


class _Shortcuts:
    """Exact traffic between interfaces of two VPCs that are neither the same nor peered, with far
    fewer walks than one per pair (reach, and the one-pivot view).

    - The target is addressed by its public IP: the path leaves the source's VPC for the internet
      and enters the target's from it, and every filter on it sees the other end only through
      that end's address and ports. So it is what the source sends to an internet address of the
      target's public IP's class (one walk per source class and internet class), intersected with
      what the internet class of the source as the internet sees it (its public IP, or its NAT
      gateway's) reaches on the target, from the source ports it arrives with (the exposure's
      walk, with the NAT gateway's ports as the client's range when it went through one).
    - The target has no public IP: when a walk to such an address dies before any delivery, on a
      blocker no port changes (no route, the internet gateway refusing a private address...),
      every address the same route tables send the same way, and as private as it, dies alike.
    Each shortcut is checked against its own walk's shape; when the shape is not the expected one
    it answers None and the caller walks the pair.
    """

    def __init__(self, an: Analyser) -> None:
        self.an = an
        self.net = an.net
        self._exits: dict[tuple[int, int], tuple[Traffic, int, tuple[int, int]] | None] = {}
        self._dead: dict[int, list[tuple[tuple[tuple[str, int], ...], bool]]] = {}
        self._public_class: dict[int, int | None] = {}  # interface class -> its public IPs' internet class
        self._inbound_memo: dict[tuple[int, tuple[int, int], int], Traffic] = {}
        self._meet: dict[tuple[int, int], Traffic] = {}  # by the operands' ids: values that _exits and the pairs keep
        self._special = an.lb_nodes | an.route_targets

    def between(self, src: str, dst: str) -> Traffic | None:
        """traffic(src, dst) for two interface (or instance) names, or None: no shortcut, walk it."""
        an, net = self.an, self.net
        s, t = an._start_eni(src), an._start_eni(dst)
        if s.service is not None or s.name in self._special or t.name in self._special:
            return None
        if s.primary_ip > IPV4_MAX or t.primary_ip > IPV4_MAX:
            return None  # an IPv6 flow (walk.same_family): no public twin, no shortcut
        src_vpc, dst_vpc = net.interface_vpc(s), net.interface_vpc(t)
        if src_vpc == dst_vpc or dst_vpc in net.peers.get(src_vpc, {}):
            return None  # addressed privately: one walk of the pair
        if t.public_ip is not None:
            return self.through_internet(an.class_of[s.name], an.class_of[t.name], t.public_ip)
        return self.dead_end(an.class_of[s.name], t.primary_ip)

    def through_internet(self, src: int, dst: int, public: int) -> Traffic | None:
        """Interface class `src` to class `dst`, addressed by `public` (dst's public IP)."""
        if dst in self._public_class:
            cls = self._public_class[dst]  # every member's public IP is in the same interval (eni_key)
        else:
            cls = self._public_class[dst] = self._internet_class(public)
        if cls is None:
            return None
        exit_key = (src, cls)
        if exit_key not in self._exits:
            self._exits[exit_key] = self._exit(src, cls)
        found = self._exits[exit_key]
        if found is None:
            return None
        out, seen_class, ports = found
        if out == _Memo.NONE:
            return out
        inbound_key = (seen_class, ports, dst)
        inbound = self._inbound_memo.get(inbound_key)
        if inbound is None:
            inbound = self._inbound_memo[inbound_key] = self._inbound(seen_class, ports, dst)
        key = (id(out), id(inbound))
        got = self._meet.get(key)
        if got is None:
            got = self._meet[key] = out & inbound
        return got

    def _internet_class(self, public: int) -> int | None:
        if self.net.vpc_of(public) is not None:
            return None  # a public IP inside a VPC's CIDR: no shortcut
        try:
            return self.an.internet_class_of(public)
        except KeyError:
            return None

    def _inbound(self, seen_class: int, ports: tuple[int, int], dst: int) -> Traffic:
        """What internet class `seen_class`, sending from `ports`, reaches on interface class `dst`
        (exposure's pair: the same key, so an exposure already made is a lookup)."""
        from vpcsim.model import ip_to_int

        an = self.an
        if ports != (an.ephemeral or LINUX_EPHEMERAL):
            an = analyser(self.net, ephemeral=ports)  # the classes do not depend on the range
        rep = ip_to_int(an.internet_classes()[seen_class].representative)
        return an.pair((_internet_key(seen_class), dst, False), rep, an.classes[dst].members[0])

    def _exit(self, src: int, cls: int) -> tuple[Traffic, int, tuple[int, int]] | None:
        """What class `src` sends to internet class `cls` and gets answered, the internet class of
        the source address the internet sees (its public IP, or a NAT gateway's), and the source
        ports the internet sees (the client's range, or the NAT gateway's)."""
        from vpcsim.model import ip_to_int

        an = self.an
        name = an._start_name(self.net.design.interfaces[an.classes[src].members[0]])
        addr = ip_to_int(an.internet_classes()[cls].representative)
        result, _, _ = an._probe(name, addr, 6)
        last = result.forward[-1] if result.forward else None
        if last is None or last.kind != "internet":
            return None  # it does not leave for the internet: walk the pairs
        seen = ip_to_int(last.packet.src)
        if seen in an.member_of or self.net.vpc_of(seen) is not None or len(last.packet.src_ports) != 1:
            return None
        try:
            seen_class = an.internet_class_of(seen)
        except KeyError:
            return None
        lo, hi = last.packet.src_ports[0]
        return an.pair(("exit", src, cls), name, addr), seen_class, (lo, hi)

    def dead_end(self, src: int, addr: int) -> Traffic | None:
        """Class `src` to the private address `addr` of a VPC it is not peered with."""
        from vpcsim.compile import is_private

        net = self.net
        for tables, private in self._dead.get(src, ()):
            if private == is_private(addr) and all(net.routes(t).table.lookup(addr) == i for t, i in tables):
                return Traffic.none()
        an = self.an
        d = net.design
        first = d.interfaces[an.classes[src].members[0]]
        result, _, _ = an._probe(an._start_name(first), addr, 6)
        forward = result.forward
        vpc = net.interface_vpc(first)
        # Why: past the source's own VPC (a peering into overlapping CIDRs, say) an address may
        # meet an owner the representative did not: then the fate is not the route tables' alone.
        elsewhere = any((h.kind == "subnet" and h.name in d.subnets and d.subnets[h.name].vpc != vpc)
                        or (h.kind == "vpc_router" and h.name != vpc) for h in forward)
        delivered = any(h.kind == "eni" for h in forward[1:])
        stopped = any(b.code.value not in _FILTER_CODES for b in result.blocked_by)
        if elsewhere or delivered or not stopped or result.return_path:
            return None
        consulted = [s.component for h in forward for s in h.steps
                     if s.kind.value == "route_lookup" and s.component is not None]
        if any(name not in net.design.route_tables for name in consulted):
            return None  # a lookup this shortcut cannot repeat: walk the pairs
        tables = tuple((name, net.routes(name).table.lookup(addr)) for name in consulted)
        self._dead.setdefault(src, []).append((tables, is_private(addr)))
        return Traffic.none()


class _Pivoting:
    """Exact traffic from a pivot class to an interface class, over either family: one walk of
    the pair of class representatives in the same or a peered VPC, `_Shortcuts` between any other
    two, and over IPv6 one walk between their first IPv6 addresses."""

    def __init__(self, an: Analyser) -> None:
        self.an = an
        self.net = an.net
        self.shortcuts = an.shortcuts()
        self.memo = _Memo()

    def traffic(self, pivot: EniClass, target: EniClass) -> Traffic | None:
        """What `pivot` reaches on `target` (None: no second interface to pair a class with itself)."""
        an, net = self.an, self.net
        d = net.design
        src = pivot.members[0]
        if target.index == pivot.index:
            if len(target.members) < 2:
                return None
            dst = target.members[1]
        else:
            dst = target.members[0]
        src_eni, dst_eni = d.interfaces[src], d.interfaces[dst]
        src_vpc, dst_vpc = net.interface_vpc(src_eni), net.interface_vpc(dst_eni)
        key = ("pivot", pivot.index, target.index)
        if src_vpc == dst_vpc or dst_vpc in net.peers.get(src_vpc, {}):
            four = an.pair(key, an._start_name(src_eni), an._start_name(dst_eni))
        else:
            got = self.shortcuts.between(an._start_name(src_eni), an._start_name(dst_eni))
            four = got if got is not None else an.pair(key, an._start_name(src_eni), an._start_name(dst_eni))
        # A foothold reaches over IPv6 too, where both ends have an address (no NAT, no shortcut):
        # a group that admits ::/0 or the VPC's IPv6 block opens what its IPv4 rules keep shut.
        a6, b6 = src_eni.address_of(IPV6_BITS), dst_eni.address_of(IPV6_BITS)
        if a6 is None or b6 is None:
            return four
        return four | an.pair(("pivot6", pivot.index, target.index), a6, b6)


@_collector_tuned
def transitive_exposure(net: CompiledNetwork, *, ephemeral: tuple[int, int] | None = None,
                        report: ExposureReport | None = None, progress: Progress | None = None) -> TransitiveReport:
    """The one-pivot view: for every interface, what the internet reaches in two legs through any
    internet-exposed interface (a pivot) that can itself reach it; exact over ports, per class."""
    start = time.perf_counter()
    report = report if report is not None else exposure(net, ephemeral=ephemeral)
    an = analyser(net, ephemeral=ephemeral)
    probes = an.probes
    # A pivot is in on either family (an IPv6-exposed instance is as good a foothold).
    direct: dict[int, Traffic] = {e.eni_class: e.traffic | e.ipv6 for e in report.interfaces}
    pivots = [c for c in an.classes if direct.get(c.index)]
    walker = _Pivoting(an)
    reached: dict[tuple[int, int], Traffic] = {}
    pairs = 0
    for done, pivot in enumerate(pivots):
        for target in an.classes:
            got = walker.traffic(pivot, target)
            if got is None:
                continue
            pairs += 1
            if got != _Memo.NONE:
                reached[(pivot.index, target.index)] = got
        if progress is not None:
            progress(done + 1, len(pivots))
    d = net.design
    size = {c.index: len(c.members) for c in an.classes}
    # Only the pairs that reach something count: read them, not every (pivot, target) again.
    opened_by: dict[int, list[int]] = {}  # target class -> the pivot classes that open something on it
    through: dict[int, Traffic] = {}
    tally: dict[int, tuple[int, int, Traffic]] = {}
    op = walker.memo.op
    for (p, t), got in reached.items():
        through[t] = op("or", through[t], got) if t in through else got
        new = op("sub", got, direct[t])
        if new != _Memo.NONE:
            count = size[t] - (1 if t == p else 0)
            opens, critical, opened = tally.get(p, (0, 0, _Memo.NONE))
            hits = op("and", new, _CRITICAL) != _Memo.NONE
            tally[p] = (opens + count, critical + (count if hits else 0), op("or", opened, new))
            opened_by.setdefault(t, []).append(p)
    ranked: list[Pivot] = []
    for pivot in pivots:
        opens, critical, opened = tally.get(pivot.index, (0, 0, Traffic.none()))
        first = d.interfaces[pivot.members[0]]
        ranked.append(Pivot(first.instance or first.name, pivot.members, direct[pivot.index], opens, opened,
                            critical))
    order = sorted(range(len(ranked)), key=lambda i: (-ranked[i].opens, -ranked[i].critical,
                                                      -ranked[i].opened.size(), ranked[i].name))
    rank_of = {pivots[i].index: r for r, i in enumerate(order)}
    position = {pivot.index: i for i, pivot in enumerate(pivots)}
    per_class: dict[int, tuple[Traffic, tuple[str, ...]]] = {}
    for target in an.classes:
        best = sorted(opened_by.get(target.index, ()), key=lambda p: rank_of[p])[:5]
        per_class[target.index] = (through.get(target.index, Traffic.none()),
                                   tuple(ranked[position[p]].name for p in best))
    rows = []
    for eni in d.interfaces.values():
        index = an.class_of[eni.name]
        two_legs, names = per_class[index]
        rows.append(PivotExposure(eni.name, eni.instance, d.subnets[eni.subnet].vpc, eni.subnet, direct[index],
                                  two_legs, names))
    return TransitiveReport(d.file, report, tuple(rows), tuple(ranked[i] for i in order), pairs,
                            an.probes - probes, time.perf_counter() - start)


def _class_label(c: InternetClass, classes: Sequence[InternetClass]) -> str:
    if c.world:
        return "0.0.0.0/0"
    inner = [o for o in classes if o is not c and o.label != c.label and _inside(o.label, c.label)]
    return f"{c.label} (rest)" if inner else c.label


@functools.lru_cache(maxsize=4096)
def _inside(inner: str, outer: str) -> bool:
    return Cidr.parse(outer).covers(Cidr.parse(inner))


@functools.lru_cache(maxsize=2)
def _not_internet(family: int) -> tuple[Cidr, ...]:
    """facts.NOT_INTERNET(6) parsed once: every analysis of every network starts from them."""
    return tuple(Cidr.parse(t) for t, _ in (NOT_INTERNET if family == 4 else NOT_INTERNET6))


# -- reachability matrix ----------------------------------------------------------------------------

GROUPINGS = ("instance", "subnet", "security_group", "vpc", "interface")


@record
class ReachCell:
    """What gets from one row's endpoints to one column's, and back."""

    src: str
    dst: str
    any: Traffic  # what at least one (source, destination) pair gets through
    all: Traffic  # what every pair gets through
    pairs: int

    @property
    def uniform(self) -> bool:
        return self.any == self.all

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.src,
            "to": self.dst,
            "traffic": self.any.to_json(),
            "text": self.any.describe(),
            "all_pairs": self.all.to_json(),
            "all_pairs_text": self.all.describe(),
            "pairs": self.pairs,
        }


# Past this many cells with traffic, the renderings list blocks of rows and columns that share a
# profile (and the cells that differ from their block) instead of every cell.
GROUPED_CELLS = 10_000


@record
class ReachBlock:
    """The cells between a group of rows and a group of columns that share a profile (the same
    endpoint classes), except those whose endpoints share a subnet (computed cell by cell)."""

    rows: int  # index into ReachMatrix.row_groups
    cols: int  # index into ReachMatrix.col_groups
    any: Traffic
    all: Traffic

    @property
    def uniform(self) -> bool:
        return self.any == self.all


@record
class ReachMatrix:
    """Rows (sources) x columns (destinations); a cell for every pair of groups where anything gets through.

    Stored as it is computed: blocks of rows and columns that share a profile, each computed
    once, and the cells computed one by one (their endpoints share a subnet). `cells` spells
    every cell out on first use; the renderings of a large matrix (`grouped`) never do.
    """

    design: str
    by: tuple[str, str]
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    row_groups: tuple[tuple[str, ...], ...] = field(hash=False)
    col_groups: tuple[tuple[str, ...], ...] = field(hash=False)
    blocks: dict[tuple[int, int], ReachBlock] = field(hash=False)  # those with traffic
    exact: dict[tuple[str, str], ReachCell | None] = field(hash=False)  # cell by cell; None: no traffic
    endpoints: dict[str, int] = field(hash=False)  # endpoints per row and per column name
    eni_classes: int = 0
    class_pairs: int = 0
    probes: int = 0
    seconds: float = 0.0
    _memo: dict[str, Any] = field(default_factory=dict, hash=False, compare=False, repr=False)
    # Endpoints per column name, where they differ from the row of that name (a column may hold
    # endpoints that are never sources: an interface endpoint's interfaces).
    col_endpoints: dict[str, int] = field(default_factory=dict, hash=False)
    family: str = "ipv4"  # the address family of every cell: "ipv4" or "ipv6"

    def _col_size(self, name: str) -> int:
        got = self.col_endpoints.get(name)
        return self.endpoints[name] if got is None else got

    @property
    def cells(self) -> dict[tuple[str, str], ReachCell]:
        """Every cell with traffic, row by row in row order, then column order."""
        got = self._memo.get("cells")
        if got is None:
            got = self._memo["cells"] = dict(self._spell_out())
        return got

    @property
    def cell_count(self) -> int:
        """How many cells have traffic (without spelling them out)."""
        got = self._memo.get("count")
        if got is None:
            sizes = [len(g) for g in self.col_groups]
            rows = [len(g) for g in self.row_groups]
            n = sum(rows[i] * sizes[j] for i, j in self.blocks)
            for (src, dst), cell in self.exact.items():
                n += (cell is not None) - ((self.row_group[src], self.col_group[dst]) in self.blocks)
            got = self._memo["count"] = n
        return got

    @property
    def grouped(self) -> bool:
        """Whether the renderings list blocks rather than cells (past GROUPED_CELLS cells)."""
        return self.cell_count > GROUPED_CELLS

    @property
    def row_group(self) -> dict[str, int]:
        return self._index("row_group", self.row_groups)

    @property
    def col_group(self) -> dict[str, int]:
        return self._index("col_group", self.col_groups)

    def _index(self, name: str, groups: tuple[tuple[str, ...], ...]) -> dict[str, int]:
        got = self._memo.get(name)
        if got is None:
            got = self._memo[name] = {member: i for i, group in enumerate(groups) for member in group}
        return got

    def cell(self, src: str, dst: str) -> ReachCell | None:
        if (src, dst) in self.exact:
            return self.exact[(src, dst)]
        i, j = self.row_group.get(src), self.col_group.get(dst)
        block = self.blocks.get((i, j)) if i is not None and j is not None else None
        if block is None:
            return None
        return ReachCell(src, dst, block.any, block.all, self.endpoints[src] * self._col_size(dst))

    def traffic(self, src: str, dst: str) -> Traffic:
        cell = self.cell(src, dst)
        return cell.any if cell is not None else Traffic.none()

    def exceptions(self) -> list[ReachCell]:
        """The cells that differ from their block (endpoints in a common subnet), in row order."""
        out = []
        for (src, dst), cell in self.exact.items():
            block = self.blocks.get((self.row_group[src], self.col_group[dst]))
            if cell is None and block is None:
                continue
            if cell is None or block is None or (cell.any, cell.all) != (block.any, block.all):
                out.append(cell if cell is not None else ReachCell(src, dst, Traffic.none(), Traffic.none(), 0))
        return out

    def _spell_out(self) -> Iterator[tuple[tuple[str, str], ReachCell]]:
        cols_of: dict[int, list[int]] = {}  # row group -> the column indexes its blocks cover
        col_index = {name: n for n, name in enumerate(self.cols)}
        for i, j in self.blocks:
            cols_of.setdefault(i, []).extend(col_index[c] for c in self.col_groups[j])
        exact_by_row: dict[str, list[str]] = {}
        for src, dst in self.exact:
            exact_by_row.setdefault(src, []).append(dst)
        row_group, col_group, cols, endpoints = self.row_group, self.col_group, self.cols, self.endpoints
        for src in self.rows:
            i = row_group[src]
            indexes = set(cols_of.get(i, ()))
            indexes.update(col_index[dst] for dst in exact_by_row.get(src, ()))
            n_src = endpoints[src]
            for k in sorted(indexes):
                dst = cols[k]
                if (src, dst) in self.exact:
                    cell = self.exact[(src, dst)]
                    if cell is not None:
                        yield (src, dst), cell
                    continue
                block = self.blocks[(i, col_group[dst])]
                yield (src, dst), ReachCell(src, dst, block.any, block.all, n_src * self._col_size(dst))

    def to_json(self) -> dict[str, Any]:
        """The matrix as one JSON value (`iter_json` writes the same text piece by piece)."""
        import json

        return json.loads("".join(self.iter_json()))  # type: ignore[no-any-return]

    def iter_json(self) -> Iterator[str]:
        """The JSON text of the matrix in pieces, one cell (or block) at a time, so a large matrix
        streams. A grouped matrix lists `row_groups`, `col_groups`, `blocks` and `exceptions`
        instead of `cells`; a block's cells have `endpoints[row] * endpoints[col]` pairs each."""
        import json

        dump = json.dumps
        head = {
            "design": self.design,
            "by": {"rows": self.by[0], "cols": self.by[1]},
            "rows": list(self.rows),
            "cols": list(self.cols),
            "eni_classes": self.eni_classes,
            "class_pairs": self.class_pairs,
            "probes": self.probes,
            "seconds": round(self.seconds, 3),
            "cells_with_traffic": self.cell_count,
            "grouped": self.grouped,
            "family": self.family,
        }
        yield dump(head)[:-1]
        if not self.grouped:
            yield from _json_list("cells", (dump(c.to_json()) for c in self.cells.values()))
            yield "}"
            return
        yield ', "endpoints": ' + dump(self.endpoints)
        if self.col_endpoints:
            yield ', "col_endpoints": ' + dump(self.col_endpoints)
        yield ', "row_groups": ' + dump([list(g) for g in self.row_groups])
        yield ', "col_groups": ' + dump([list(g) for g in self.col_groups])
        yield from _json_list("blocks", (dump(_block_json(b)) for b in self.blocks.values()))
        yield from _json_list("exceptions", (dump(c.to_json()) for c in self.exceptions()))
        yield "}"

    def to_csv(self) -> str:
        """One row per non-empty cell: from, to, tcp, udp, icmp, icmpv6, ip (port runs), uniform, pairs.

        A grouped matrix has one row per block instead (from and to list the group's members,
        separated by spaces; pairs is per cell), then its exceptions as cells."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["from", "to", *(k.value for k in TrafficKind), "uniform", "pairs"])
        if self.grouped:
            for b in self.blocks.values():
                writer.writerow([" ".join(self.row_groups[b.rows]), " ".join(self.col_groups[b.cols]),
                                 *(_runs_text(b.any.runs(k)) for k in TrafficKind), "yes" if b.uniform else "no",
                                 "per cell"])
            cells: Any = self.exceptions()
        else:
            cells = self.cells.values()
        for c in cells:
            writer.writerow([c.src, c.dst, *(_runs_text(c.any.runs(k)) for k in TrafficKind),
                             "yes" if c.uniform else "no", c.pairs])
        return out.getvalue()


def _json_list(key: str, items: Iterator[str]) -> Iterator[str]:
    yield f', "{key}": ['
    first = True
    for item in items:
        yield item if first else ", " + item
        first = False
    yield "]"


def _block_json(b: ReachBlock) -> dict[str, Any]:
    return {"row_group": b.rows, "col_group": b.cols, "traffic": b.any.to_json(), "text": b.any.describe(),
            "all_pairs": b.all.to_json(), "all_pairs_text": b.all.describe()}


@dataclass
class _Member:
    """One endpoint of a group: an interface, a class of internet addresses, or a named place
    outside the VPCs (`onprem:corp`, at the address `trace` sends from and to for it)."""

    key: Hashable  # class index, ("internet", k) or ("named", name)
    subnet: str | None
    side: Side  # interface name, the internet representative's address, or the place's name


def _parse_by(by: str | Sequence[str]) -> tuple[str, str]:
    parts = [p.strip() for p in by.split(",")] if isinstance(by, str) else list(by)
    if not 1 <= len(parts) <= 2 or any(p not in GROUPINGS for p in parts):
        raise UsageError(f"--by {by!r}: expected one or two of {', '.join(GROUPINGS)} (rows[,columns])")
    return (parts[0], parts[-1])


def _selector(spec: object) -> Any:
    """A selector as assertions write it, or the CLI's `kind:value` shorthand ('subnet:private-a')."""
    if isinstance(spec, str) and ":" in spec and not spec.count(".") == 3:
        kind, _, value = spec.partition(":")
        kind = {"sg": "security_group", "eni": "interface"}.get(kind, kind)
        if kind not in SELECTOR_KEYS:
            return spec  # a name a component gives a place outside the VPCs: `onprem:corp`
        if kind == "tag":
            key, _, val = value.partition("=")
            return {"tag": {key: val}}
        return {kind: value.split(",") if "," in value else value}
    return spec


FAMILIES = ("ipv4", "ipv6", "either")


def _names_internet6(spec: object, what: str) -> bool:
    """Whether an endpoint (as in assertions) names the IPv6 internet."""
    if spec in (None, "*", "all"):
        return False
    try:
        selector = parse_selector(_selector(spec), what)
    except ValueError as exc:
        raise UsageError(f"{what}: {exc}") from None
    return "internet6" in selector.describe().split(" + ")


def resolve_members(an: Analyser, spec: object, what: str,
                    family: str = "ipv4") -> tuple[list[Interface], list[InternetClass], list[str]]:
    """The interfaces, internet classes and named places outside the VPCs (`onprem:corp`) an
    endpoint (as in assertions) stands for, in one family: on IPv6, the interfaces that have an
    IPv6 address and the IPv6 internet's classes."""
    from vpcsim.model import ip_to_int

    problems: list[Diagnostic] = []
    sources = what == "from"
    six = family == "ipv6"
    # "either": every interface (by name, at its addresses of both families), the internet classes
    # of each family the endpoint holds (`internet`, `internet6`), on-prem places (over IPv4).
    either = family == "either"
    if spec in (None, "*", "all"):
        return [e for e in an.net.design.interfaces.values() if not (sources and e.service is not None)
                and (not six or e.address_of(IPV6_BITS) is not None)], [], []
    try:
        selector = parse_selector(_selector(spec), what)
    except ValueError as exc:
        raise UsageError(f"{what}: {exc}") from None
    resolved = an.engine.resolve(selector, what, problems, sources=sources)
    if problems:
        raise EndpointError("; ".join(p.message for p in problems))
    classes: list[InternetClass] = []
    if six or either:
        # The IPv6 internet's classes (exposure's) whose representative the endpoint holds.
        ranges6 = [(lo, hi) for lo, hi in resolved.internet if lo > ADDR_MAX]
        classes = [c for c in an.internet_classes6() if any(lo <= parse_ip(c.representative) <= hi
                                                             for lo, hi in ranges6)]
    internet = [] if six else [(lo, hi) for lo, hi in resolved.internet if hi <= ADDR_MAX]
    if internet:
        seen: set[int] = set()
        for atom in an.engine.internet_atoms(internet):
            index = an.internet_class_of(ip_to_int(atom.text))
            if index not in seen:
                seen.add(index)
                c = an.internet_classes()[index]
                classes.append(InternetClass(c.index, c.label, atom.text, c.world))
    enis = list(resolved.enis)
    named = {e.name for e in enis}
    # An interface named directly stands for all its address cases (clones, reach.addresses).
    enis += [e for e in an.net.design.interfaces.values() if addresses.CLONE_MARK in e.name
             and addresses.origin_of(e.name) in named and e.name not in named]
    if six:
        if resolved.named:
            raise UsageError(f"{what}: {', '.join(resolved.named)} is reached over IPv4 here: a matrix with it "
                             "is IPv4's (leave --family ipv6 out)")
        enis = [e for e in enis if e.address_of(IPV6_BITS) is not None]
    return enis, classes, list(dict.fromkeys(resolved.named))


def _groups_of(an: Analyser, enis: list[Interface], inet: list[InternetClass], by: str,
               named: Sequence[str] = (), family: str = "ipv4") -> dict[str, list[_Member]]:
    from vpcsim.model import ip_to_int

    d = an.net.design
    out: dict[str, list[_Member]] = {}
    six = family == "ipv6"
    for eni in enis:
        if family == "either":
            # The interface by name for its IPv4 walks, its class for both (see _pair_keys).
            member = _Member(("either", an.class_of[eni.name]), eni.subnet, eni.name)
        elif six:
            # An interface at its first IPv6 address (its class holds that address's signature);
            # the key apart from IPv4's, since the analyser memoises pairs by key.
            addr = eni.address_of(IPV6_BITS)
            assert addr is not None
            member = _Member(("ipv6", an.class_of[eni.name]), eni.subnet, addr)
        else:
            member = _Member(an.class_of[eni.name], eni.subnet, eni.name)
        if by == "instance":
            names = [eni.instance or eni.name]
        elif by == "interface":
            names = [eni.name]
        elif by == "subnet":
            names = [eni.subnet]
        elif by == "vpc":
            names = [d.subnets[eni.subnet].vpc]
        else:
            names = list(dict.fromkeys(eni.security_groups)) or ["(no security group)"]
        for name in names:
            out.setdefault(str(name), []).append(member)
    # An internet class of either family is a member of its family's row ("internet", "internet6").
    for c in inet:
        addr = parse_ip(c.representative)
        if addr > ADDR_MAX:
            out.setdefault("internet6", []).append(_Member(("internet6", c.index), None, addr))
        else:
            out.setdefault("internet", []).append(_Member(_internet_key(c.index), None, ip_to_int(c.representative)))
    for name in named:  # an on-prem network: a row or column of its own, whatever `by` says, as the internet
        out[name] = [_Member(("named", name), None, name)]
    return out


def _family(src: object, dst: object, family: str | None) -> str:
    """The matrix's family: as asked, else IPv6 where an end is `internet6`, else IPv4."""
    six = _names_internet6(src, "from") or _names_internet6(dst, "to")
    if family is None:
        return "ipv6" if six else "ipv4"
    if family not in FAMILIES:
        raise UsageError(f"family {family!r}: expected ipv4, ipv6 or either (a pair's traffic over IPv4, IPv6, "
                         "or what gets through over at least one of them)")
    if six and family == "ipv4":
        raise UsageError("internet6 is the IPv6 internet: a matrix with it is IPv6's (family ipv6, or leave it out)")
    return family


@_collector_tuned
def reach(net: CompiledNetwork, src: object = None, dst: object = None, *, by: str | Sequence[str] = "instance",
          ephemeral: tuple[int, int] | None = None, progress: Progress | None = None,
          family: str | None = None) -> ReachMatrix:
    """The reachability matrix from `src` to `dst` endpoints, grouped `by` rows[,columns].

    `src`/`dst` are endpoints as in assertions ('internet', 'web-a', {'subnet': 'a'}, a CIDR...,
    'onprem:corp', or 'subnet:a' / 'sg:web' / 'tag:tier=web' shorthands); None means every
    interface. The internet and each on-prem network are a row or column of their own, whatever
    `by` says; there is no cell between two of them. `by`:
    instance, interface, subnet, security_group or vpc (an interface with two groups counts in
    both columns). A cell's `any` is what at least one pair gets through, `all` what every pair does;
    an interface whose address AWS picks counts at every case of it (`vpcsim.reach.addresses`).
    `family` "ipv6" is the matrix between interfaces' IPv6 addresses (those that have one) and
    with the IPv6 internet (`internet6`, which implies it); "ipv4" (the default otherwise) IPv4's.

    A cell depends only on the classes of its endpoints and on which of them share a subnet. So
    rows (and columns) with the same classes form a group, and the cells between a row group and
    a column group whose endpoints share no subnet are all alike: each such block is computed
    once, from one of its cells. Only cells whose endpoints share a subnet are computed one by one.
    """
    start = time.perf_counter()
    row_by, col_by = _parse_by(by)
    fam = _family(src, dst, family)
    if addresses.has_dynamic(net):
        return _fold_reach(reach(addresses.expanded(net).net, src, dst, by=by, ephemeral=ephemeral,
                                 progress=progress, family=fam), net.design.file)
    an = analyser(net, ephemeral=ephemeral)
    probes = an.probes
    src_enis, src_inet, src_named = resolve_members(an, src, "from", fam)
    dst_enis, dst_inet, dst_named = resolve_members(an, dst, "to", fam)
    rows = _groups_of(an, src_enis, src_inet, row_by, src_named, fam)
    cols = _groups_of(an, dst_enis, dst_inet, col_by, dst_named, fam)
    row_prof = {name: _profile(ms) for name, ms in rows.items()}
    col_prof = {name: _profile(ms) for name, ms in cols.items()}
    row_groups = _same_profile(row_prof)
    col_groups = _same_profile(col_prof)
    # The cells whose endpoints share a subnet: through a subnet index, never row by column.
    cols_in: dict[str, list[str]] = {}
    for cname, cprof in col_prof.items():
        for s in {s for subs, _ in cprof.values() for s in subs if s is not None}:
            cols_in.setdefault(s, []).append(cname)
    sharing: dict[str, set[str]] = {}
    for rname, rprof in row_prof.items():
        for s in {s for subs, _ in rprof.values() for s in subs if s is not None}:
            sharing.setdefault(rname, set()).update(cols_in.get(s, ()))
    combine = _Combine(an)
    class_pairs: set[PairKey] = set()
    exact: dict[tuple[str, str], ReachCell | None] = {}
    col_order = {name: n for n, name in enumerate(cols)}
    for rname, shared_cols in sharing.items():
        for cname in sorted(shared_cols, key=col_order.__getitem__):
            exact[(rname, cname)] = _cell(an, rname, cname, row_prof[rname], col_prof[cname], combine, class_pairs)
    blocks: dict[tuple[int, int], ReachBlock] = {}
    total = len(row_groups)
    for i, rgroup in enumerate(row_groups):
        for j, cgroup in enumerate(col_groups):
            rep = _apart(rgroup, cgroup, sharing)
            if rep is None:
                continue  # every cell of the block shares a subnet: computed one by one above
            cell = _cell(an, rep[0], rep[1], row_prof[rep[0]], col_prof[rep[1]], combine, class_pairs)
            if cell is not None:
                blocks[(i, j)] = ReachBlock(i, j, cell.any, cell.all)
        if progress is not None:
            progress(i + 1, total)
    endpoints = {name: len(ms) for name, ms in cols.items()}
    endpoints.update((name, len(ms)) for name, ms in rows.items())
    col_endpoints = {name: len(ms) for name, ms in cols.items() if name in rows and len(ms) != len(rows[name])}
    return ReachMatrix(net.design.file, (row_by, col_by), tuple(rows), tuple(cols), row_groups, col_groups, blocks,
                       exact, endpoints, len(an.classes), len(class_pairs), an.probes - probes,
                       time.perf_counter() - start, col_endpoints=col_endpoints, family=fam)


def _same_profile(profiles: dict[str, _Profile]) -> tuple[tuple[str, ...], ...]:
    """Names grouped by the classes of their endpoints (in first-seen order)."""
    groups: dict[frozenset[Hashable], list[str]] = {}
    for name, prof in profiles.items():
        groups.setdefault(frozenset(prof), []).append(name)
    return tuple(tuple(g) for g in groups.values())


def _apart(rows: tuple[str, ...], cols: tuple[str, ...], sharing: dict[str, set[str]]) -> tuple[str, str] | None:
    """A (row, column) of a block whose endpoints share no subnet, if there is one."""
    for r in rows:
        shared = sharing.get(r)
        if not shared:
            return r, cols[0]
        for c in cols:
            if c not in shared:
                return r, c
    return None


def _cell(an: Analyser, rname: str, cname: str, rprof: _Profile, cprof: _Profile,
          combine: _Combine, class_pairs: set[PairKey]) -> ReachCell | None:
    """One cell, from the class pairs between its endpoints (each walked once per analyser)."""
    keys: list[PairKey] = []
    pairs = 0
    for k1, (subs1, n1) in rprof.items():
        for k2, (subs2, n2) in cprof.items():
            if _outside(k1) and _outside(k2):
                continue  # between two places outside the VPCs (the internet, on-prem): not the matrix's
            found = _pair_keys(an, k1, subs1, k2, subs2)
            if not found:
                continue
            pairs += n1 * n2 - _shared(subs1, subs2)
            keys.extend(found)
    if not keys:
        return None
    class_pairs.update(keys)
    union, inter = combine.of(keys)
    return ReachCell(rname, cname, union, inter, pairs) if union else None


class _Combine:
    """The union and the meet of the traffic of a cell's class pairs, memoised by the set of their
    distinct values (a few dozen across a whole matrix) rather than by the pairs (about one set a
    cell), and with each value hashed once per pair, not once per cell."""

    def __init__(self, an: Analyser) -> None:
        self.an = an
        self._value_of: dict[PairKey, int] = {}  # pair -> index into _values
        self._index: dict[Traffic, int] = {}
        self._values: list[Traffic] = []
        self._memo: dict[frozenset[int], tuple[Traffic, Traffic]] = {}

    def of(self, keys: list[PairKey]) -> tuple[Traffic, Traffic]:
        value_of = self._value_of
        ids = []
        for k in keys:
            i = value_of.get(k)
            if i is None:
                t = self.an.computed(k)
                i = self._index.get(t)
                if i is None:
                    i = self._index[t] = len(self._values)
                    self._values.append(t)
                value_of[k] = i
            ids.append(i)
        distinct = frozenset(ids)
        got = self._memo.get(distinct)
        if got is None:
            union = Traffic.none()
            inter: Traffic | None = None
            for t in (self._values[i] for i in sorted(distinct)):
                union = union | t
                inter = t if inter is None else inter & t
            got = self._memo[distinct] = (union, inter or Traffic.none())
        return got


def _outside(key: Hashable) -> bool:
    """A member key of a place outside the VPCs: an internet class or an on-prem network (an
    interface's IPv6 key, ("ipv6", class), is inside)."""
    return isinstance(key, tuple) and key[0] in ("internet", "internet6", "named")


def _plain_cells(net: CompiledNetwork, src: object = None, dst: object = None, *, by: str | Sequence[str] = "instance",
                 ephemeral: tuple[int, int] | None = None, family: str | None = None) -> dict[tuple[str, str], ReachCell]:
    """`reach(...).cells` computed cell by cell, every row against every column: the reference
    the grouped computation is tested against (quadratic in the rows; tests only)."""
    row_by, col_by = _parse_by(by)
    an = analyser(net, ephemeral=ephemeral)
    fam = _family(src, dst, family)
    src_enis, src_inet, src_named = resolve_members(an, src, "from", fam)
    dst_enis, dst_inet, dst_named = resolve_members(an, dst, "to", fam)
    row_prof = {name: _profile(ms) for name, ms in _groups_of(an, src_enis, src_inet, row_by, src_named,
                                                              fam).items()}
    col_prof = {name: _profile(ms) for name, ms in _groups_of(an, dst_enis, dst_inet, col_by, dst_named,
                                                              fam).items()}
    combine = _Combine(an)
    class_pairs: set[PairKey] = set()
    out: dict[tuple[str, str], ReachCell] = {}
    for rname, rprof in row_prof.items():
        for cname, cprof in col_prof.items():
            cell = _cell(an, rname, cname, rprof, cprof, combine, class_pairs)
            if cell is not None:
                out[(rname, cname)] = cell
    return out


def _fold_reach(matrix: ReachMatrix, design: str) -> ReachMatrix:
    """The expanded network's matrix with clones folded into their interface: any = union, all = meet."""
    rows = tuple(dict.fromkeys(addresses.origin_of(r) for r in matrix.rows))
    cols = tuple(dict.fromkeys(addresses.origin_of(c) for c in matrix.cols))
    width = {name: 0 for name in rows + cols}
    for name in dict.fromkeys(matrix.rows + matrix.cols):
        width[addresses.origin_of(name)] += 1
    cells: dict[tuple[str, str], ReachCell] = {}
    seen: dict[tuple[str, str], int] = {}
    for (src, dst), cell in matrix.cells.items():
        key = (addresses.origin_of(src), addresses.origin_of(dst))
        if key[0] == key[1] and src != dst:
            continue  # an interface and itself at another address: no pair
        seen[key] = seen.get(key, 0) + 1
        old = cells.get(key)
        cells[key] = ReachCell(key[0], key[1], cell.any, cell.all, cell.pairs) if old is None else ReachCell(
            key[0], key[1], old.any | cell.any, old.all & cell.all, old.pairs + cell.pairs)
    for key, count in seen.items():
        if key[0] != key[1] and count < width[key[0]] * width[key[1]]:
            # Some case gets nothing through (no cell): nothing gets through for every case.
            cells[key] = dataclasses.replace(cells[key], all=Traffic.none())
    endpoints = {name: 0 for name in rows + cols}
    for name, count in matrix.endpoints.items():
        endpoints[addresses.origin_of(name)] = max(endpoints[addresses.origin_of(name)], count)
    # Folded, every cell is its own (a fold's cases need not share a profile): no blocks.
    exact: dict[tuple[str, str], ReachCell | None] = dict(cells)
    return dataclasses.replace(matrix, design=design, rows=rows, cols=cols, row_groups=tuple((r,) for r in rows),
                               col_groups=tuple((c,) for c in cols), blocks={}, exact=exact, endpoints=endpoints,
                               _memo={})


_Profile = dict[Hashable, tuple[dict[str | None, list[Side]], int]]


def _profile(members: list[_Member]) -> _Profile:
    out: _Profile = {}
    for m in members:
        subs, n = out.get(m.key, ({}, 0))
        subs.setdefault(m.subnet, []).append(m.side)
        out[m.key] = (subs, n + 1)
    return out


def _shared(subs1: dict[str | None, list[Side]], subs2: dict[str | None, list[Side]]) -> int:
    """How many endpoints are on both sides (a pair of an interface with itself is skipped)."""
    count = 0
    for s, names in subs1.items():
        if s is not None and s in subs2:
            count += len(set(names) & set(subs2[s]))
    return count


def _pair_keys(an: Analyser, k1: Hashable, subs1: dict[str | None, list[Side]], k2: Hashable,
               subs2: dict[str | None, list[Side]]) -> list[PairKey]:
    """The (class, class, same subnet) keys that occur between two sides, each computed if new."""
    out: list[PairKey] = []
    # Pairs in different subnets (an internet side has no subnet).
    diff: tuple[Side, Side] | None = None
    for s1, names1 in subs1.items():
        for s2, names2 in subs2.items():
            if s1 is None or s2 is None or s1 != s2:
                diff = (names1[0], names2[0])
                break
        if diff is not None:
            break
    if diff is not None:
        key: PairKey = (k1, k2, False)
        if an.known(key) is None:
            _walk_pair(an, key, diff[0], diff[1], between=True)
        out.append(key)
    # Pairs in one subnet, of two different interfaces.
    for s in subs1.keys() & subs2.keys():
        if s is None:
            continue
        a, b = subs1[s], subs2[s]
        # An interface and its clone (the same interface at another address) are no pair.
        pick = next(((x, y) for x in a for y in b
                     if addresses.origin_of(str(x)) != addresses.origin_of(str(y))), None)
        if pick is None:
            continue
        key = (k1, k2, True)
        if an.known(key) is None:
            _walk_pair(an, key, pick[0], pick[1], between=False)
        out.append(key)
        break
    return out


def _walk_pair(an: Analyser, key: PairKey, a: Side, b: Side, *, between: bool) -> None:
    """Compute one class pair's traffic into the analyser's memo.

    An `("either", class)` end (`reach --family either`) is an interface by name: the pair's
    traffic is what gets through over IPv4 (the walk by names) or over IPv6 (the walk between
    the two ends' first IPv6 addresses, when both have one), memoised under the families' own
    keys too, so an IPv4 or IPv6 matrix of the same analyser shares them. Against a place outside
    the VPCs, the place's family decides: `internet6` over IPv6, the rest over IPv4.
    """
    k1, k2, same = key
    if not _is_either(k1) and not _is_either(k2):
        (an.pair_between if between else an.pair)(key, a, b)
        return
    d = an.net.design
    got = Traffic.none()
    v6 = [_six_end(k, side, d) for k, side in ((k1, a), (k2, b))]
    if not (_is_internet6(k1) or _is_internet6(k2)):
        four: PairKey = (_four_key(k1), _four_key(k2), same)
        got = (an.pair_between if between else an.pair)(four, a, b)
    if v6[0] is not None and v6[1] is not None:
        (k6a, sa), (k6b, sb) = v6[0], v6[1]
        got = got | an.pair((k6a, k6b, same), sa, sb)
    an.remember(key, got)


def _is_either(key: Hashable) -> bool:
    return isinstance(key, tuple) and key[0] == "either"


def _is_internet6(key: Hashable) -> bool:
    return isinstance(key, tuple) and key[0] == "internet6"


def _four_key(key: Hashable) -> Hashable:
    """An end's key in an IPv4 matrix: an interface's class (as `_groups_of` keys it)."""
    return key[1] if isinstance(key, tuple) and key[0] == "either" else key


def _six_end(key: Hashable, side: Side, d: Design) -> tuple[Hashable, Side] | None:
    """An end's key and side in an IPv6 matrix (None: it has no IPv6 address, or is IPv4's place)."""
    if _is_internet6(key):
        return key, side
    if not (isinstance(key, tuple) and key[0] == "either" and isinstance(side, str)):
        return None
    addr = d.interfaces[side].address_of(IPV6_BITS)
    return None if addr is None else (("ipv6", key[1]), addr)


# -- rendering --------------------------------------------------------------------------------------



def exposure_summary(report: ExposureReport, min_severity: Severity | None = None) -> str:
    """"N of M interfaces exposed (counts)", and with a filter what it lists and what it hid."""
    exposed = report.exposed()
    counts = ", ".join(f"{n} {level}" for level, n in report.counts().items() if n)
    text = f"{len(exposed)} of {len(report.interfaces)} interfaces exposed to the internet" + (
        f" ({counts})" if counts else "")
    if min_severity is not None:
        shown = report.exposed(min_severity)
        hidden = {level: n for level, n in report.counts().items()
                  if n and Severity(level).rank < min_severity.rank}
        below = ", ".join(f"{n} {level}" for level, n in hidden.items())
        text += f"; --min-severity {min_severity.value} lists {len(shown)}" + (
            f" and hides {len(exposed) - len(shown)} ({below})" if below else "")
    return text


def exposure_text(report: ExposureReport, min_severity: Severity | None = None) -> str:
    """Plain text: one block per exposed interface, worst first."""
    rows = report.exposed(min_severity)
    lines = [f"{report.design}: {exposure_summary(report, min_severity)}"
             + f"; {report.eni_classes} interface classes x {len(report.internet_classes)} internet classes"
             + (f" (and {len(report.internet_classes6)} IPv6)" if report.internet_classes6 else "")]
    for e in rows:
        sev = e.severity.value.upper() if e.severity else "-"
        via = f"{e.public_ip} via {e.internet_gateway}" if e.public_ip is not None or not e.exposed_ipv6 else \
            f"IPv6 {e.ipv6_address}"
        lines.append(f"{sev:<8} {e.name} ({via}) {e.vpc}/{e.subnet}")
        for f in e.findings:
            if min_severity is None or f.severity.rank >= min_severity.rank:
                lines.append(f"    {f.describe()}" + (" [IPv6]" if f.family == "ipv6" else ""))
                if f.explanation:
                    lines.append(f"      {f.explanation}")
                lines += [f"      because of: {cause}" for cause in f.causes]
        if e.address_dependent:
            cases = "; ".join(f"{text}: {t.describe()}" for text, t in e.address_cases)
            lines.append(f"    depends on the address AWS picks: {cases}")
    if report.listeners:
        lines.append("internet-facing load balancer listeners (the ports the targets receive):")
        for x in report.listeners:
            blocked = f" [{', '.join(x.blocked_by)}]" if x.blocked_by else ""
            lines.append(f"    {x.describe()}{blocked}")
    reached = [e for e in report.interfaces if e.onprem]
    if reached:
        lines.append(f"from on-prem networks ({len(reached)} interfaces reached):")
        lines += [f"    {label} -> {e.name} {e.vpc}/{e.subnet}: {t.describe()}" for e in reached for label, t in e.onprem]
    return "\n".join(lines)


def transitive_text(report: TransitiveReport, limit: int = 20) -> str:
    """Plain text: the pivots ranked by what they open, then the interfaces they open it on."""
    opened = report.opened()
    lines = [f"one pivot: {len(opened)} of {len(report.interfaces)} interfaces reachable from the internet in two "
             f"legs beyond their own exposure, through {sum(1 for p in report.pivots if p.opens)} of "
             f"{len(report.pivots)} exposed interface classes ({report.pairs} class pairs, {report.walks} walks)"]
    if any(p.opens for p in report.pivots):
        lines.append("pivots, by what a foothold on them opens:")
    for rank, p in enumerate((p for p in report.pivots if p.opens), 1):
        if rank > limit:
            lines.append(f"  ... and {sum(1 for q in report.pivots if q.opens) - limit} more")
            break
        like = f" (+{len(p.members) - 1} like it)" if len(p.members) > 1 else ""
        named = f" ({', '.join(services(p.opened))})" if services(p.opened) else ""
        lines.append(f"  {rank}. {p.name}{like}: in on {p.entry.describe()}; opens {p.opens} interfaces "
                     f"({p.critical} on critical services): {p.opened.describe()}{named}")
    for e in opened[:limit]:
        named = f" ({', '.join(services(e.new))})" if services(e.new) else ""
        lines.append(f"    {e.name} {e.vpc}/{e.subnet}: {e.new.describe()}{named} via {', '.join(e.pivots)}")
    if len(opened) > limit:
        lines.append(f"    ... and {len(opened) - limit} more interfaces")
    return "\n".join(lines)


def reach_text(matrix: ReachMatrix) -> str:
    lines = [f"{matrix.design}: {len(matrix.rows)} x {len(matrix.cols)} ({matrix.by[0]} -> {matrix.by[1]}), "
             f"{matrix.cell_count} cells with traffic" + {"ipv6": " over IPv6", "either": " over either family"}.get(
                 matrix.family, "")]
    if matrix.grouped:
        return "\n".join(lines + reach_groups_lines(matrix))
    for c in matrix.cells.values():
        note = "" if c.uniform else f"  (every pair: {c.all.describe()})"
        lines.append(f"{c.src} -> {c.dst}: {c.any.describe()}{note}")
    return "\n".join(lines)


def group_label(kind: str, index: int) -> str:
    return f"{kind} group {index + 1}"


def reach_groups_lines(matrix: ReachMatrix) -> list[str]:
    """A large matrix in words: its groups, one line per block, then the cells that differ."""
    lines = [f"too many to list: {len(matrix.blocks)} blocks of rows and columns that share a profile "
             "(the same endpoint classes), then the cells whose endpoints share a subnet where they differ"]
    for kind, groups in (("row", matrix.row_groups), ("column", matrix.col_groups)):
        for i, members in enumerate(groups):
            lines.append(f"{group_label(kind, i)} ({len(members)}): {', '.join(members)}")
    for b in matrix.blocks.values():
        note = "" if b.uniform else f"  (every pair: {b.all.describe()})"
        lines.append(f"{group_label('row', b.rows)} -> {group_label('column', b.cols)}: {b.any.describe()}{note}")
    for c in matrix.exceptions():
        note = "" if c.uniform else f"  (every pair: {c.all.describe()})"
        lines.append(f"{c.src} -> {c.dst}: {c.any.describe() if c.any else 'nothing'}{note}")
    return lines
