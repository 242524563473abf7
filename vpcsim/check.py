"""Check: a CompiledNetwork and assertions -> a CheckReport saying which promises hold, with counter-examples.

Exactness. A promise about "any port" is answered for every port and protocol, not by
sampling. For one (source, destination) pair and one protocol, the path a flow takes does not
depend on its port (routing and translation ignore ports; a blocking filter does not stop the
walk), so one trace finds every NACL and security group the flow meets, both ways. The verdict
as a function of the destination port is then constant between consecutive port boundaries of
those filters' rules (the reply's port, the client's ephemeral range, does not vary with it;
each ICMP query answered by another type, such as echo request 8 by echo reply 0, gets a run
of its own), so one
trace per run decides the whole run. Other IP protocols (no ports) are split into the numbers
some rule names, each decided by its own trace, and all the rest, decided by one.

"The internet" as a source or destination is every public address outside the design: not
RFC 1918 or otherwise special, not in a VPC CIDR, not a public IP of the design. Addresses
matter only by which CIDRs of the design (rules, routes, prefix lists) contain them, so the
public space is cut at every such CIDR's bounds and split into classes of addresses contained
in the same CIDRs; one representative address per class stands for all of it. Ports and
addresses are thus both covered exactly. See docs/assertions.md.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import vpcsim.arguments as arguments
import vpcsim.core as core
from vpcsim.compile import public_space
from vpcsim.components import auto_scaling, base, load_balancer
from vpcsim.core import ranges
from vpcsim.errors import DesignError, Diagnostic, EndpointError, Location, Severity, UsageError, VpcsimError
from vpcsim.facts import ICMP_REPLIES, ICMPV6_REPLIES, INTERNET_CANDIDATES, INTERNET_CANDIDATES6, NAT64_ICMP6_TO_4
from vpcsim.loader.assertions import (
    Assertion,
    AssertionFile,
    Expect,
    Selector,
    SelectorKind,
    from_data,
    load_assertion_file,
    load_design_assertions,
    parse_selector,
    parse_traffic,
    sibling_file,
)
from vpcsim.model import Interface, int_to_ip, parse_ip
from vpcsim.reach import addresses, balanced
from vpcsim.reach.walk import trace
from vpcsim.records import record
from vpcsim.results import Action, Code, Step, StepKind, TraceResult, Waypoint
from vpcsim.traffic import ANY, Traffic, TrafficKind, describe_member

if TYPE_CHECKING:
    from vpcsim.compile import CompiledNetwork

__all__ = [
    "AssertionResult",
    "CheckReport",
    "CounterExample",
    "ReachabilityError",
    "Violation",
    "assert_exactly",
    "assert_only",
    "assert_only_via",
    "assert_reachable",
    "assert_unreachable",
    "check",
    "collect_assertions",
    "internet_atom",
    "reachable_traffic",
]

ADDR_MAX = core.ADDR_MAX
_ADDR_MAX6 = core.addr_max(128)
# Blockers that stop every port alike: when the path meets one, no port gets through.
# A load balancer's verdicts hang on the listener the port selects (reach.balanced.port_cuts).
PORT_DEPENDENT = frozenset({Code.SUBNET_ACL_RESTRICTION, Code.ENI_SG_RULES_MISMATCH, Code.SG_HAS_NO_RULES,
                            Code.LB_NO_LISTENER, Code.LB_NO_HEALTHY_TARGET, Code.LB_TARGET_UNHEALTHY,
                            Code.LB_ZONE_WITHOUT_TARGETS})
FILTER_STEPS = frozenset({StepKind.SG_INGRESS, StepKind.SG_EGRESS, StepKind.NACL_IN, StepKind.NACL_OUT})


class ReachabilityError(AssertionError, VpcsimError):
    """An assertion about reachability does not hold; the message holds the counter-example trace."""

    def __init__(self, result: AssertionResult) -> None:
        self.result = result
        super().__init__(result.explain())


# -- results ---------------------------------------------------------------------------------------


@record
class Violation:
    """Traffic between one (source, destination) pair that breaks the promise."""

    src: str
    dst: str
    # "missing" (should get through, does not) | "extra" (gets through, should not) | "bypass"
    # (gets through directly, though the promise is that only the path through `via` does)
    kind: str
    traffic: Traffic
    via: str = ""  # the hops the traffic was judged through ("bastion"), or bypasses

    def describe(self) -> str:
        if self.kind == "bypass":
            return f"{self.src} -> {self.dst}: {self.traffic.describe()} gets through directly, bypassing {self.via}"
        through = f" via {self.via}" if self.via else ""
        if self.kind == "missing":
            return f"{self.src} -> {self.dst}: {self.traffic.describe()} does not get through{through}"
        return f"{self.src} -> {self.dst}: {self.traffic.describe()} gets through{through}"

    def to_json(self) -> dict[str, Any]:
        return {"src": self.src, "dst": self.dst, "kind": self.kind, "traffic": self.traffic.to_json(),
                "text": self.traffic.describe(), "via": self.via or None}


@record
class CounterExample:
    """One concrete flow that breaks the promise, its trace, and the rule that decided it."""

    src: str
    dst: str
    kind: TrafficKind
    port: int  # tcp/udp port, ICMP type, or the IP protocol number
    trace: TraceResult
    rule: str | None  # the deciding rule (what lets it through, or what blocks it)
    location: Location | None  # where that rule is written in the design
    related: tuple[tuple[str, Location], ...] = ()  # other rules on the path, with their locations
    leg: str = ""  # on a path through hops: which leg this flow is ("leg 2 of 2", "directly, bypassing bastion")

    @property
    def flow(self) -> str:
        text = f"{describe_member(self.kind, self.port)} from {self.src} to {self.dst}"
        return f"{text}, {self.leg}" if self.leg else text

    def to_json(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "dst": self.dst,
            "protocol": self.kind.value,
            "port": self.port,
            "flow": self.flow,
            "rule": self.rule,
            "location": str(self.location) if self.location else None,
            "related": [{"rule": text, "location": str(loc)} for text, loc in self.related],
            "leg": self.leg or None,
            "trace": self.trace.to_json(),
        }


@record
class AssertionResult:
    assertion: Assertion
    passed: bool
    pairs: int  # (source, destination) pairs evaluated
    violations: tuple[Violation, ...] = ()
    counterexample: CounterExample | None = None
    exposure: Traffic | None = None  # for a single pair: everything that gets through (within what was asked)
    seconds: float = 0.0

    @property
    def message(self) -> str:
        """One line: what holds, or what breaks it."""
        a = self.assertion
        if self.passed:
            return f"holds for {self.pairs} flow pair{'s' if self.pairs != 1 else ''}: {a.describe()}"
        first = self.violations[0]
        more = len(self.violations) - 1
        text = first.describe() + (f" (and {more} more pair{'s' if more != 1 else ''})" if more > 0 else "")
        ce = self.counterexample
        if ce is not None and ce.rule:
            verb = "allowed by" if ce.trace.reachable else "blocked by"
            where = f" at {ce.location}" if ce.location else ""
            text += f"; e.g. {ce.flow}: {verb} {ce.rule}{where}"
        return text

    def explain(self) -> str:
        """The full explanation: the promise, where it is written, the violations and the trace."""
        from vpcsim.render import trace_text

        a = self.assertion
        verdict = "holds" if self.passed else "FAILED"
        lines = [f"assertion {a.id!r} {verdict}: {a.name}", f"  promise: {a.describe()}"]
        if a.loc.line > 0:
            lines.append(f"  written at {a.loc}")
        if self.passed:
            return "\n".join(lines)
        lines.append("  violations:")
        for violation in self.violations[:20]:
            lines.append(f"    - {violation.describe()}")
        if len(self.violations) > 20:
            lines.append(f"    ... and {len(self.violations) - 20} more")
        ce = self.counterexample
        if ce is not None:
            lines.append("")
            lines.append(f"counter-example: {ce.flow}")
            if ce.rule:
                verb = "allowed by" if ce.trace.reachable else "blocked by"
                lines.append(f"  {verb} {ce.rule}" + (f" at {ce.location}" if ce.location else ""))
            for text, loc in ce.related:
                lines.append(f"  also on the path: {text} at {loc}")
            lines.append("")
            lines.append(trace_text(ce.trace))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        a = self.assertion
        return {
            "id": a.id,
            "name": a.name,
            "description": a.description,
            "location": str(a.loc) if a.loc.line > 0 else None,
            "from": a.source.describe(),
            "to": a.destination.describe(),
            "expect": a.expect.value,
            "traffic": a.traffic.describe(),
            "severity": a.severity,
            "via": [w.describe() for w in a.via],
            "only_via": a.only_via,
            "passed": self.passed,
            "message": self.message,
            "pairs": self.pairs,
            "violations": [v.to_json() for v in self.violations],
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
        }


@record
class CheckReport:
    """Every assertion's result, in the order the assertions were given."""

    design: str
    results: tuple[AssertionResult, ...]
    sources: tuple[str, ...] = ()  # the files the assertions came from

    @property
    def ok(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def passed(self) -> tuple[AssertionResult, ...]:
        return tuple(r for r in self.results if r.passed)

    @property
    def failed(self) -> tuple[AssertionResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def __getitem__(self, ident: str) -> AssertionResult:
        for result in self.results:
            if result.assertion.id == ident:
                return result
        raise KeyError(ident)

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "ok": self.ok,
            "passed": len(self.passed),
            "failed": len(self.failed),
            "sources": list(self.sources),
            "assertions": [r.to_json() for r in self.results],
        }


# -- endpoints -------------------------------------------------------------------------------------


@record
class _Atom:
    """One concrete endpoint: an ENI, or one representative internet address."""

    label: str  # for people
    text: str  # for CompiledNetwork.trace
    eni: Interface | None = None
    family: int = 4  # the address family it talks over: 4, or 6 (an interface's IPv6 address)
    balancer: bool = False  # a load balancer (a destination): traced leg by leg (reach.balanced)
    # Atoms with the same key get the same verdicts: members of one Auto Scaling group in one
    # subnet (same template, an address AWS picks for each: vpcsim.reach.addresses).
    alike: str | None = None

    @property
    def internet(self) -> bool:
        return self.eni is None and not self.balancer


@dataclass
class _Resolved:
    enis: list[Interface] = field(default_factory=list)
    # Public address ranges; both families may share the list (IPv6 values are above 0xFFFFFFFF).
    internet: list[tuple[int, int]] = field(default_factory=list)
    families: set[int] = field(default_factory=set)  # the families the selector names outright
    balancers: list[str] = field(default_factory=list)  # load balancers (destinations only)
    named: list[str] = field(default_factory=list)  # endpoints a component names (`onprem:corp`)


def internet_atom(address: str) -> _Atom:
    """An internet address as an endpoint of a pair: labelled `internet (8.8.8.8)`."""
    return _Atom(f"internet ({address})", address, None, 6 if ":" in address else 4)


class Engine:
    """Evaluates reachability between endpoints exactly, caching traces; one per CompiledNetwork and check run."""

    def __init__(self, net: CompiledNetwork, *, ephemeral: tuple[int, int] | None = None) -> None:
        self.net = net
        self.ephemeral = None if ephemeral is None else arguments.ephemeral(ephemeral)  # UsageError if bad
        self._traces: dict[tuple[str, str, TrafficKind, int, tuple[int, int] | None, int | None],
                           TraceResult] = {}
        d = net.design
        self._public_ips = {eni.public_ip for eni in d.interfaces.values() if eni.public_ip is not None}
        self._public_ips |= {nat.elastic_ip for nat in d.nat_gateways.values() if nat.elastic_ip is not None}
        cidrs: set[tuple[int, int]] = set()
        for group in d.security_groups.values():
            cidrs |= {(r.cidr.first, r.cidr.last) for r in group.ingress + group.egress if r.cidr is not None}
        for acl in d.network_acls.values():
            cidrs |= {(r.cidr.first, r.cidr.last) for r in acl.inbound + acl.outbound}
        for table in d.route_tables.values():
            cidrs |= {(r.destination.first, r.destination.last) for r in table.routes if r.destination is not None}
        for plist in d.prefix_lists.values():
            cidrs |= {(c.first, c.last) for c in plist.entries}
        self._cidrs = sorted(cidrs)
        self.public_space = public_space(d)  # IPv4 (`internet`)
        self.public_space6 = public_space(d, 128)  # IPv6 (`internet6`): above 0xFFFFFFFF, so never mixed up
        self._classes: dict[tuple[tuple[int, int], ...], list[_Atom]] = {}
        self._sizes: dict[Location, int] | None = None
        self._alike = {member: f"{group.name}@{d.interfaces[member].subnet}"
                       for group in auto_scaling.groups(d).values() for member in auto_scaling.member_names(group)
                       if member in d.interfaces}
        self._reached: dict[tuple[str, str, Traffic, tuple[int, int] | None, int | None], Traffic] = {}

    # -- endpoints ---------------------------------------------------------------------------

    def resolve(self, selector: Selector, what: str, problems: list[Diagnostic], *, sources: bool = False) -> _Resolved:
        """The ENIs and internet ranges a selector stands for; unknown names become diagnostics."""
        d = self.net.design
        out = _Resolved()
        kind = selector.kind

        def unknown(label: str, name: str, known: Iterable[str]) -> None:
            names = sorted(known)
            hint = f" (known: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''})" if names else ""
            problems.append(Diagnostic(Severity.ERROR, "unknown-endpoint",
                                       f"{what}: no {label} named {name!r}{hint}", selector.loc))

        if kind is SelectorKind.INTERNET:
            # Both internets; which of them a promise means is its family (`_families`).
            out.internet = list(self.public_space) + list(self.public_space6)
            out.families.add(4)
        elif kind is SelectorKind.INTERNET6:
            out.internet = list(self.public_space6)
            out.families.add(6)
        elif kind is SelectorKind.UNION:
            for part in selector.parts:
                sub = self.resolve(part, what, problems, sources=sources)
                out.enis += sub.enis
                out.internet += sub.internet
                out.families |= sub.families
                out.balancers += sub.balancers
                out.named += sub.named
        elif kind is SelectorKind.LOAD_BALANCER:
            known = load_balancer.balancers(d)
            for name in selector.values:
                if name not in known:
                    unknown("load balancer", name, known)
                elif sources:
                    problems.append(Diagnostic(Severity.ERROR, "endpoint", f"{what}: load balancer {name!r} answers "
                                               "connections; as a source, name its nodes' interfaces "
                                               f"({', '.join(load_balancer.node_name(known[name], n) for n in known[name].nodes)})",
                                               selector.loc))
                else:
                    out.balancers.append(name)
        elif kind is SelectorKind.AUTO_SCALING_GROUP:
            groups = auto_scaling.groups(d)
            for name in selector.values:
                if name not in groups:
                    unknown("auto scaling group", name, groups)
                    continue
                out.enis += [d.interfaces[m] for m in auto_scaling.member_names(groups[name]) if m in d.interfaces]
        elif kind is SelectorKind.NAME:
            for name in selector.values:
                if name in d.interfaces:
                    out.enis.append(d.interfaces[name])
                elif name in d.instances:
                    out.enis += [d.interfaces[n] for n in d.instances[name].interfaces if n in d.interfaces]
                elif self._named(name):
                    out.named.append(name)
                else:
                    hint = ""
                    for section, label in (("subnets", "subnet"), ("security_groups", "security_group"),
                                           ("vpcs", "vpc")):
                        if name in getattr(d, section):
                            hint = f" (it is a {label.replace('_', ' ')}: write {{{label}: {name}}})"
                            break
                    problems.append(Diagnostic(
                        Severity.ERROR, "unknown-endpoint",
                        f"{what}: {name!r} is not an instance, interface, IP address, CIDR, 'internet' or "
                        f"'internet6'{hint}",
                        selector.loc))
        elif kind is SelectorKind.INSTANCE:
            for name in selector.values:
                if name not in d.instances:
                    unknown("instance", name, d.instances)
                    continue
                out.enis += [d.interfaces[n] for n in d.instances[name].interfaces if n in d.interfaces]
        elif kind is SelectorKind.INTERFACE:
            for name in selector.values:
                if name not in d.interfaces:
                    unknown("interface", name, d.interfaces)
                    continue
                out.enis.append(d.interfaces[name])
        elif kind is SelectorKind.SUBNET:
            for name in selector.values:
                if name not in d.subnets:
                    unknown("subnet", name, d.subnets)
                    continue
                out.enis += [e for e in d.interfaces.values() if e.subnet == name]
        elif kind is SelectorKind.VPC:
            for name in selector.values:
                if name not in d.vpcs:
                    unknown("vpc", name, d.vpcs)
                    continue
                out.enis += [e for e in d.interfaces.values() if d.subnets[e.subnet].vpc == name]
        elif kind is SelectorKind.SECURITY_GROUP:
            for name in selector.values:
                if name not in d.security_groups:
                    unknown("security group", name, d.security_groups)
                    continue
                out.enis += [e for e in d.interfaces.values() if name in e.security_groups]
        elif kind is SelectorKind.TAG:
            for instance in d.instances.values():
                if all(instance.tags.get(key) in values for key, values in selector.tags):
                    out.enis += [d.interfaces[n] for n in instance.interfaces if n in d.interfaces]
        elif kind is SelectorKind.SERVICE:
            from vpcsim.components import vpc_endpoint

            for name in selector.values:
                if sources:
                    problems.append(Diagnostic(Severity.ERROR, "unknown-endpoint", f"{what}: service {name!r} "
                                               "answers connections; it opens none (expected it as `to:`)",
                                               selector.loc))
                    continue
                try:
                    enis, spans = vpc_endpoint.service_targets(self.net, name)
                except EndpointError as exc:
                    problems.append(Diagnostic(Severity.ERROR, "unknown-endpoint", f"{what}: {exc}", selector.loc))
                    continue
                out.enis += enis
                out.internet += ranges.intersect(self.public_space, tuple(spans))
        elif kind is SelectorKind.CIDR:
            for text in selector.values:
                cidr = _cidr(text)
                out.families.add(4 if cidr.bits == 32 else 6)
                for eni in d.interfaces.values():
                    if any(cidr.contains(ip) for ip in eni.private_ips) or (
                        eni.public_ip is not None and cidr.contains(eni.public_ip)
                    ):
                        out.enis.append(eni)
                space = self.public_space if cidr.bits == 32 else self.public_space6
                out.internet += ranges.intersect(space, ((cidr.first, cidr.last),))
        # First occurrence order, no duplicates; as sources, no interface of an AWS service (an
        # interface endpoint's answers connections and never opens one).
        out.enis = list({e.name: e for e in out.enis if not (sources and e.service is not None)}.values())
        out.internet = list(ranges.normalize(out.internet))
        out.balancers = list(dict.fromkeys(out.balancers))
        return out

    def atoms(self, resolved: _Resolved, families: frozenset[int] = frozenset({4})) -> list[_Atom]:
        """Its interfaces in each family they have of `families`, then its internet classes."""
        atoms = []
        for eni in resolved.enis:
            if 4 in families and (eni.address_of(32) is not None or not eni.private_ips):
                atoms.append(self.eni_atom(eni))
            six = eni.address_of(128) if 6 in families else None
            if six is not None:
                atom = self.eni_atom(eni)
                atoms.append(_Atom(f"{atom.label} ({int_to_ip(six)})", int_to_ip(six), eni, 6))
        internet = [(lo, hi) for lo, hi in resolved.internet if (4 if hi <= ADDR_MAX else 6) in families]
        if internet:
            atoms += self.internet_atoms(internet)
        # A load balancer in each family asked: IPv6 reaches a dual-stack one (its DNS name's
        # AAAA records; the client's atom names its IPv6 address, so the trace is IPv6's) and
        # nothing of an ipv4 one (reach.balanced.no_ipv6_answer).
        for name in resolved.balancers:
            atoms += [_Atom(name if family == 4 else f"{name} (IPv6)", name, family=family, balancer=True)
                      for family in sorted(families)]
        return atoms + [_Atom(name, name) for name in dict.fromkeys(resolved.named)]

    def _named(self, name: str) -> bool:
        """A place outside the VPCs that a component names as a trace endpoint (`onprem:corp`)."""
        for component in base.endpoint_namers():
            try:
                if component.endpoint(self.net, name, None) is not None:
                    return True
            except EndpointError:
                continue
        return False

    def eni_atom(self, eni: Interface) -> _Atom:
        d = self.net.design
        instance = d.instances.get(eni.instance or "")
        alike = self._alike.get(eni.name)
        if instance is not None and len(instance.interfaces) == 1 and instance.interfaces[0] == eni.name:
            return _Atom(instance.name, instance.name, eni, alike=alike)
        return _Atom(eni.name, eni.name, eni, alike=alike)

    def internet_atoms(self, ranges: list[tuple[int, int]]) -> list[_Atom]:
        """One representative address per class of public addresses that the design cannot tell apart."""
        key = tuple(ranges)
        cached = self._classes.get(key)
        if cached is not None:
            return cached
        cuts = sorted({lo for lo, _ in self._cidrs} | {hi + 1 for _, hi in self._cidrs if hi < _ADDR_MAX6})
        classes: dict[tuple[int, ...], list[tuple[int, int]]] = {}
        import bisect

        for lo, hi in ranges:
            start = lo
            i = bisect.bisect_right(cuts, lo)
            while start <= hi:
                end = min(hi, cuts[i] - 1) if i < len(cuts) else hi
                signature = tuple(j for j, (a, b) in enumerate(self._cidrs) if a <= start <= b)
                classes.setdefault(signature, []).append((start, end))
                start = end + 1
                i += 1
        atoms = []
        for intervals in classes.values():
            addr = self._representative(intervals)
            if addr is not None:
                text = int_to_ip(addr)
                atoms.append(internet_atom(text))
        self._classes[key] = atoms
        return atoms

    def _representative(self, intervals: list[tuple[int, int]]) -> int | None:
        for text in INTERNET_CANDIDATES + INTERNET_CANDIDATES6:
            addr = parse_ip(text)
            if addr not in self._public_ips and any(lo <= addr <= hi for lo, hi in intervals):
                return addr
        for lo, hi in intervals:
            addr = lo + 1 if hi - lo >= 2 else lo
            while addr <= hi and addr in self._public_ips:
                addr += 1
            if addr <= hi:
                return addr
            addr = lo
            while addr <= hi and addr in self._public_ips:
                addr += 1
            if addr <= hi:
                return addr
        return None

    # -- tracing -----------------------------------------------------------------------------

    def trace(self, src: _Atom, dst: _Atom, kind: TrafficKind, port: int,
              ephemeral: tuple[int, int] | None = None, icmp_code: int | None = None) -> TraceResult:
        eph = ephemeral or self.ephemeral
        code = icmp_code if kind.icmp else None
        key = (src.text, dst.text, kind, port, eph, code)
        cached = self._traces.get(key)
        if cached is None:
            if dst.balancer or ((dst.eni is None or dst.eni.instance is None) and
                                balanced.names_load_balancer(self.net, dst.text)):
                # A load balancer, or one of its nodes: the client's leg, then the node's to the
                # targets (reach.balanced).
                proto = kind.value if kind is not TrafficKind.IP else port
                lb_port = port if kind is not TrafficKind.IP else 0
                refused = balanced.no_ipv6_answer(self.net, src.text, dst.text, lb_port, proto)
                cached = refused or balanced.as_trace(balanced.trace_balanced(self.net, src.text, dst.text,
                                                                              lb_port, proto, ephemeral=eph))
            elif kind is TrafficKind.IP:
                cached = trace(self.net, src.text, dst.text, 0, port, ephemeral=eph)
            else:
                cached = trace(self.net, src.text, dst.text, port, kind.value, ephemeral=eph, icmp_code=code)
            self._traces[key] = cached
        return cached

    def _path(self, result: TraceResult) -> tuple[set[str], set[str]]:
        """The NACLs and the ENIs (hence security groups) a flow meets, both ways."""
        d = self.net.design
        nacls: set[str] = set()
        enis: set[str] = set()
        for hop in result.forward + result.return_path:
            if hop.kind == "eni":
                if hop.name in d.interfaces:
                    enis.add(hop.name)
                elif hop.name in d.instances:
                    enis.update(d.instances[hop.name].interfaces)
            for step in hop.steps:
                name = step.component
                if step.kind in (StepKind.NACL_IN, StepKind.NACL_OUT) and name is not None and name in d.network_acls:
                    nacls.add(name)
        return nacls, enis

    def _rule_ranges(self, nacls: set[str], enis: set[str]) -> list[tuple[int, int, int]]:
        """(protocol, port_lo, port_hi) of every rule of the given NACLs and the ENIs' groups."""
        d = self.net.design
        out = []
        for name in nacls:
            acl = d.network_acls[name]
            out += [(r.protocol, r.port_lo, r.port_hi) for r in acl.inbound + acl.outbound]
        groups = {g for e in enis if e in d.interfaces for g in d.interfaces[e].security_groups}
        for name in groups:
            group = d.security_groups.get(name)
            if group is not None:
                out += [(r.protocol, r.port_lo, r.port_hi) for r in group.ingress + group.egress]
        return out

    def _groups(self, kind: TrafficKind, runs: Sequence[tuple[int, int]],
                rules: list[tuple[int, int, int]], icmp_code: int = 0) -> list[list[tuple[int, int]]]:
        """Split `runs` into groups on which every rule of the path gives one verdict.

        The first member of a group stands for all of it.
        """
        if kind is TrafficKind.IP:
            named = sorted({p for p, _, _ in rules if p != -1 and p not in core.PORTED_PROTOS})
            groups = [[(p, p)] for p in named if any(lo <= p <= hi for lo, hi in runs)]
            # Every protocol no rule names behaves alike (only 'all traffic' rules match it).
            rest = list(ranges.subtract(ranges.normalize(runs), tuple((p, p) for p in named)))
            if rest:
                groups.append(rest)
            return groups
        proto = kind.protocol
        cuts: set[int] = set()
        for p, lo, hi in rules:
            if p != proto:
                continue
            if kind.icmp:
                # Rule ports are type*256+code; a flow of type t, code c matches iff lo <= 256t+c <= hi.
                lo, hi = -(-(lo - icmp_code) // 256), (hi - icmp_code) // 256
                if lo > hi:
                    continue
            cuts.add(lo)
            cuts.add(hi + 1)
        if kind.icmp:
            # A query is answered by another type (echo request 8 by echo reply 0...): each such
            # type's reply meets other rules than the type itself, so it gets a run of its own. So
            # does each ICMPv6 type NAT64 turns into an ICMP one (the rules beyond it are ICMP's).
            for query in _icmp_queries(proto):
                cuts |= {query, query + 1}
        out = []
        for lo, hi in runs:
            start = lo
            for cut in sorted(c for c in cuts if lo < c <= hi):
                out.append([(start, cut - 1)])
                start = cut
            out.append([(start, hi)])
        return out

    def reachable(self, src: _Atom, dst: _Atom, universe: Traffic,
                  ephemeral: tuple[int, int] | None = None, icmp_code: int | None = None) -> Traffic:
        """Exactly the traffic of `universe` that gets from src to dst and back (ICMP: of `icmp_code`)."""
        if src.alike is None and dst.alike is None:
            return self._reachable(src, dst, universe, ephemeral, icmp_code)
        # An Auto Scaling group's members in one subnet: one walk stands for all of them.
        key = (src.alike or src.text, dst.alike or dst.text, universe, ephemeral, icmp_code)
        got = self._reached.get(key)
        if got is None:
            got = self._reached[key] = self._reachable(src, dst, universe, ephemeral, icmp_code)
        return got

    def _reachable(self, src: _Atom, dst: _Atom, universe: Traffic,
                   ephemeral: tuple[int, int] | None, icmp_code: int | None) -> Traffic:
        got = Traffic.none()
        listening = balanced.listener_ports(self.net, dst.text) if dst.eni is None or dst.eni.instance is None \
            else None
        for kind in TrafficKind:
            runs = universe.runs(kind)
            if not runs:
                continue
            if listening is not None:
                # A load balancer (or one of its nodes) takes only its listeners' ports: each one
                # decides alone, every other port and protocol goes nowhere.
                ports = [p for p in listening.get(kind.value, ()) if any(lo <= p <= hi for lo, hi in runs)]
                got = got | Traffic.of(kind, [(p, p) for p in ports
                                              if self.trace(src, dst, kind, p, ephemeral, icmp_code).reachable])
                continue
            probe = self.trace(src, dst, kind, runs[0][0], ephemeral, icmp_code)
            if any(b.code not in PORT_DEPENDENT and not (kind is TrafficKind.ICMPV6 and b.code is
                                                         Code.NGW_UNSUPPORTED_PROTOCOL)
                   for b in probe.blocked_by):
                # Blocked whatever the port: routing, NAT, a stopped instance... (NAT64 drops the
                # ICMPv6 types it cannot translate and passes the others: a type's own question.)
                continue
            nacls, enis = self._path(probe)
            cuts = self._rule_ranges(nacls, enis)
            admitted: list[tuple[int, int]] = []
            for group in self._groups(kind, runs, cuts, icmp_code or 0):
                if self.trace(src, dst, kind, group[0][0], ephemeral, icmp_code).reachable:
                    admitted += group
            got = got | Traffic.of(kind, admitted)
        return got

    # -- paths through hops (via, only_via) ---------------------------------------------------

    def hop_atom(self, name: str, what: str, loc: Location, problems: list[Diagnostic]) -> _Atom | None:
        """A jump host named by an assertion: one interface of the design (else a diagnostic)."""
        d = self.net.design
        if name in d.interfaces:
            enis = [d.interfaces[name]]
        elif name in d.instances:
            enis = [d.interfaces[n] for n in d.instances[name].interfaces if n in d.interfaces]
        else:
            enis = []
        if len(enis) != 1:
            why = "has no interface" if name in d.instances else "is not an instance or interface of the design"
            if len(enis) > 1:
                why = f"has {len(enis)} interfaces (name one: {', '.join(e.name for e in enis[:4])})"
            problems.append(Diagnostic(Severity.ERROR, "unknown-endpoint", f"{what}: hop {name!r} {why}", loc))
            return None
        return self.eni_atom(enis[0])

    def via_reachable(self, src: _Atom, hops: list[_Atom], ports: Sequence[int | None], dst: _Atom,
                      universe: Traffic, ephemeral: tuple[int, int] | None = None) -> Traffic:
        """Exactly the traffic of `universe` that gets from src to dst in legs through `hops`.

        A leg into a hop with a port (`bastion:22`) is one TCP flow to that port, which either
        gets through or not; a leg into a hop without one carries the flow itself, so what
        gets through is what every such leg and the last leg all let through.
        """
        ends = [src, *hops, dst]
        got = universe
        for i in range(len(ends) - 1):
            port = ports[i] if i < len(hops) else None
            if port is not None:
                if not self.trace(ends[i], ends[i + 1], TrafficKind.TCP, port, ephemeral).reachable:
                    return Traffic.none()
                continue
            got = got & self.reachable(ends[i], ends[i + 1], got, ephemeral)
            if not got:
                break
        return got

    def via_counterexample(self, src: _Atom, hops: list[_Atom], ports: Sequence[int | None], dst: _Atom,
                           kind: TrafficKind, port: int, ephemeral: tuple[int, int] | None = None) -> CounterExample:
        """A flow through hops explained on its first leg that fails (else on the last leg)."""
        ends = [src, *hops, dst]
        count = len(ends) - 1
        chosen = count - 1
        for i in range(count):
            leg_kind, leg_port = (TrafficKind.TCP, ports[i]) if i < len(hops) and ports[i] is not None else (kind, port)
            assert leg_port is not None
            if not self.trace(ends[i], ends[i + 1], leg_kind, leg_port, ephemeral).reachable:
                chosen = i
                break
        leg_kind, leg_port = ((TrafficKind.TCP, ports[chosen]) if chosen < len(hops) and ports[chosen] is not None
                              else (kind, port))
        assert leg_port is not None
        ce = self.counterexample(ends[chosen], ends[chosen + 1], leg_kind, leg_port, ephemeral)
        return dataclasses.replace(ce, leg=f"leg {chosen + 1} of {count}")

    # -- explanations ------------------------------------------------------------------------

    def _rule_sizes(self) -> dict[Location, int]:
        """How much traffic each NACL and security group rule matches, by the rule's location."""
        if self._sizes is not None:
            return self._sizes
        d = self.net.design
        sizes: dict[Location, int] = {}

        def add(loc: Location, proto: int, lo: int, hi: int, addrs: int) -> None:
            protos = 256 if proto == -1 else 1
            ports = hi - lo + 1 if proto in core.PORTED_PROTOS else 65536
            sizes[loc] = max(sizes.get(loc, 0), protos * ports * addrs)

        for acl in d.network_acls.values():
            for r in acl.inbound + acl.outbound:
                add(r.loc, r.protocol, r.port_lo, r.port_hi, r.cidr.size)
        for group in d.security_groups.values():
            for sg in group.ingress + group.egress:
                if sg.cidr is not None:
                    addrs = sg.cidr.size
                elif sg.peer_kind.value == "prefix_list":
                    plist = d.prefix_lists.get(sg.peer or "")
                    addrs = sum(c.size for c in plist.entries) if plist else 0
                else:
                    addrs = len(self.net.members.get(sg.peer or "", []))
                add(sg.loc, sg.protocol, sg.port_lo, sg.port_hi, max(addrs, 1))
        self._sizes = sizes
        return sizes

    def counterexample(self, src: _Atom, dst: _Atom, kind: TrafficKind, port: int,
                       ephemeral: tuple[int, int] | None = None, icmp_code: int | None = None) -> CounterExample:
        result = self.trace(src, dst, kind, port, ephemeral, icmp_code)
        related: list[tuple[str, Location]] = []
        rule: str | None = None
        location: Location | None = None
        if result.reachable:
            # What lets it through: of the rules that admitted the flow (both ways), the most
            # specific one (fewest protocols x ports x addresses) says the most about this flow;
            # broad ones (allow-all defaults) and the routes are context.
            sizes = self._rule_sizes()
            steps = [(h, s) for h in result.forward for s in h.steps]
            back = [(h, s) for h in result.return_path for s in h.steps]
            candidates = []
            for order, (leg, (_, step)) in enumerate([("f", x) for x in steps] + [("r", x) for x in back]):
                if step.kind in FILTER_STEPS and step.action is Action.ALLOW and step.location is not None:
                    size = sizes.get(step.location, 1 << 60)
                    candidates.append(((size, leg == "r", -order), step))
            candidates.sort(key=lambda c: c[0])
            routes = [s for _, s in steps + back if s.kind is StepKind.ROUTE and s.location is not None]
            ordered = [s for _, s in candidates] + routes
            if ordered:
                main = ordered[0]
                rule, location = _step_rule(main), main.location
                for step in ordered[1:]:
                    if step.location is not None and (_step_rule(step), step.location) not in related:
                        related.append((_step_rule(step), step.location))
        else:
            blockers = list(result.blocked_by)
            if blockers:
                main_blocker = next((b for b in blockers if b.location is not None), blockers[0])
                rule = f"{main_blocker.code.value}: {main_blocker.detail}"
                location = main_blocker.location
                for b in blockers:
                    if b is not main_blocker and b.location is not None:
                        related.append((f"{b.code.value}: {b.detail}", b.location))
        return CounterExample(src.label, dst.label, kind, port, result, rule, location, tuple(related))


def _icmp_queries(proto: int | None = 1) -> tuple[int, ...]:
    """ICMP (or ICMPv6) types the trace answers with another type (facts.ICMP_REPLIES_BY_PROTO);
    ICMPv6: also the types NAT64 translates (facts.NAT64_ICMP6_TO_4)."""
    if proto == 58:
        return tuple(sorted({*ICMPV6_REPLIES, *(kind for kind, _ in NAT64_ICMP6_TO_4)}))
    return tuple(sorted(ICMP_REPLIES))


def _step_rule(step: Step) -> str:
    """The rule a trace step applied, named with its component: `security group web ingress tcp 443 ...`."""
    if step.rule is None:
        return step.detail
    if step.kind in (StepKind.SG_INGRESS, StepKind.SG_EGRESS):
        return f"security group {step.rule}"
    if step.kind in (StepKind.NACL_IN, StepKind.NACL_OUT):
        direction = "inbound" if step.kind is StepKind.NACL_IN else "outbound"
        return f"network ACL {step.component} {direction} {step.rule}"
    if step.kind is StepKind.ROUTE:
        return f"route table {step.component}: {step.rule}"
    return step.rule


def _cidr(text: str) -> Any:
    from vpcsim.model import Cidr

    return Cidr.of(text)


# -- evaluation ------------------------------------------------------------------------------------


def _evaluate(engine: Engine, assertion: Assertion, srcs: list[_Atom], dsts: list[_Atom],
              hops: Sequence[_Atom] = ()) -> AssertionResult:
    expect = assertion.expect
    wanted = assertion.traffic
    universe = wanted if expect in (Expect.REACHABLE, Expect.UNREACHABLE) else ANY
    eph = assertion.ephemeral
    ports = [w.port for w in assertion.via]
    through = ", ".join(w.describe() for w in assertion.via)
    on_path = {h.eni.name for h in hops if h.eni is not None}
    violations: list[Violation] = []
    first: tuple[_Atom, _Atom, TrafficKind, int] | None = None
    bypass: tuple[_Atom, _Atom, TrafficKind, int] | None = None
    pairs = 0
    exposure: Traffic | None = None
    for src in srcs:
        for dst in dsts:
            if src.family != dst.family:
                continue  # a flow has one address family (IPv6 reaches IPv4 only by NAT64, an address)
            if src.eni is not None and dst.eni is not None and src.eni.name == dst.eni.name:
                continue
            if src.internet and dst.internet:
                continue
            if (src.eni is not None and src.eni.name in on_path) or (dst.eni is not None and dst.eni.name in on_path):
                continue  # a pair with the hop at one end has no path *through* it
            pairs += 1
            if hops:
                got = engine.via_reachable(src, list(hops), ports, dst, universe, eph)
            else:
                got = engine.reachable(src, dst, universe, eph, assertion.icmp_code)
            exposure = got if pairs == 1 else None
            found: list[tuple[str, Traffic]] = []
            if expect in (Expect.REACHABLE, Expect.EXACTLY):
                found.append(("missing", wanted - got))
            if expect is Expect.UNREACHABLE:
                found.append(("extra", wanted & got))
            if expect in (Expect.ONLY, Expect.EXACTLY):
                found.append(("extra", got - wanted))
            for kind, traffic in found:
                if not traffic:
                    continue
                violations.append(Violation(src.label, dst.label, kind, traffic, through))
                if first is None:
                    member = traffic.first()
                    assert member is not None
                    first = (src, dst, member[0], member[1])
            if assertion.only_via:
                # Decided over all traffic: any direct flow is a way in that skips the hop.
                direct = engine.reachable(src, dst, ANY, eph)
                if direct:
                    violations.append(Violation(src.label, dst.label, "bypass", direct, through))
                    if bypass is None:
                        member = direct.first()
                        assert member is not None
                        bypass = (src, dst, member[0], member[1])
    counterexample: CounterExample | None = None
    if bypass is not None:
        # The bypass is what a reader must fix first: its trace names the rule that lets it in.
        counterexample = engine.counterexample(*bypass, eph)
        counterexample = dataclasses.replace(counterexample, leg=f"directly, bypassing {through}")
    elif first is not None:
        if hops:
            counterexample = engine.via_counterexample(first[0], list(hops), ports, first[1], first[2], first[3], eph)
        else:
            counterexample = engine.counterexample(*first, eph, assertion.icmp_code)
    return AssertionResult(assertion, not violations, pairs, tuple(violations), counterexample,
                           exposure if pairs == 1 else None)


def _prepare(engine: Engine, assertions: Sequence[Assertion]
             ) -> list[tuple[Assertion, list[_Atom], list[_Atom], list[_Atom]]]:
    problems: list[Diagnostic] = []
    prepared = []
    seen: dict[str, Assertion] = {}
    for a in assertions:
        earlier = seen.setdefault(a.id, a)
        if earlier is not a:
            problems.append(Diagnostic(
                Severity.ERROR, "duplicate-id",
                f"assertion id {a.id!r} is used twice, also at {earlier.loc} (give each assertion a unique id:)",
                a.loc))
        count = len(problems)
        src = engine.resolve(a.source, f"assertion {a.id!r}: from", problems, sources=True)
        dst = engine.resolve(a.destination, f"assertion {a.id!r}: to", problems)
        hops = [engine.hop_atom(w.name, f"assertion {a.id!r}: {'only_via' if a.only_via else 'via'}", a.loc, problems)
                for w in a.via]
        if len(problems) > count:
            continue
        for label, resolved, selector in (("from", src, a.source), ("to", dst, a.destination)):
            if not resolved.enis and not resolved.internet and not resolved.balancers and not resolved.named and not a.allow_empty:
                problems.append(Diagnostic(
                    Severity.ERROR, "empty-endpoint",
                    f"assertion {a.id!r}: {label}: {selector.describe()} selects no interface and no internet "
                    "address (a promise about nothing always holds; set allow_empty: true if that is intended)",
                    selector.loc if selector.loc.line > 0 else a.loc))
        families = _families(a, src, dst)
        prepared.append((a, engine.atoms(src, families), engine.atoms(dst, families), [h for h in hops if h is not None]))
    if problems:
        raise DesignError(problems)
    return prepared


def _families(a: Assertion, src: _Resolved, dst: _Resolved) -> frozenset[int]:
    """The address families an assertion's pairs talk over (loader.assertions.FAMILIES)."""
    if a.family == "either":
        return frozenset({4, 6})
    if a.family is not None:
        return frozenset({6 if a.family == "ipv6" else 4})
    return frozenset(src.families | dst.families or {4})


AssertionsArg = Any  # paths, Assertion records, AssertionFiles, or Python data (see `collect_assertions`)


def collect_assertions(items: AssertionsArg) -> tuple[tuple[Assertion, ...], tuple[str, ...]]:
    """Normalise what `check` accepts into assertions and the files they came from.

    `items` may be a path (str or PathLike) to an assertion file, an Assertion, an AssertionFile,
    a mapping written like one YAML assertion, or a list of any of these.
    """
    if isinstance(items, (str, os.PathLike, Assertion, AssertionFile, dict)):
        items = [items]
    out: list[Assertion] = []
    sources: list[str] = []
    for item in items:
        if isinstance(item, Assertion):
            out.append(item)
        elif isinstance(item, AssertionFile):
            out += item.assertions
            sources.append(item.path)
        elif isinstance(item, (str, os.PathLike)):
            loaded = load_assertion_file(item)
            out += loaded.assertions
            sources.append(loaded.path)
        elif isinstance(item, dict):
            out += from_data(item, _caller_location())
        else:
            raise UsageError(f"cannot check {item!r} (expected an assertion file path, an Assertion or a mapping)")
    return tuple(out), tuple(sources)


def check(network: CompiledNetwork, assertions: AssertionsArg, *, ephemeral: tuple[int, int] | None = None) -> CheckReport:
    """Evaluate assertions against a network; raise DesignError when an assertion names nothing.

    `assertions`: a path or list of paths to assertion files, Assertion records, or mappings
    written like YAML assertions. The design's own `assertions:` section is not included
    implicitly: use `assertions_for(path)` (what `vpcsim check` does) for that.
    """
    items, sources = collect_assertions(assertions)
    if addresses.has_dynamic(network):
        # Addresses AWS picks: every case is an interface of the instance (vpcsim.reach.addresses),
        # so a promise about the instance holds only if it holds whichever address it gets.
        network = addresses.expanded(network).net
    engine = Engine(network, ephemeral=ephemeral)
    prepared = _prepare(engine, items)
    results = []
    for a, srcs, dsts, hops in prepared:
        start = time.perf_counter()
        result = _evaluate(engine, a, srcs, dsts, hops)
        results.append(dataclasses.replace(result, seconds=time.perf_counter() - start))
    _refuse_vacuous(results)
    return CheckReport(network.design.file, tuple(results), sources)


def _refuse_vacuous(results: list[AssertionResult]) -> None:
    """Both ends select something, but no (source, destination) pair of different endpoints:
    `from: web-a, to: web-a` would "hold for 0 flow pairs" (issue 14). An error, unless allow_empty."""
    problems = [
        Diagnostic(Severity.ERROR, "empty-pairs",
                   f"assertion {r.assertion.id!r}: from and to leave no flow pair (an endpoint is not paired with "
                   "itself); a promise about no flow always holds (set allow_empty: true if that is intended)",
                   r.assertion.loc)
        for r in results if r.pairs == 0 and not r.assertion.allow_empty
    ]
    if problems:
        raise DesignError(problems)


def assertions_for(design_path: str | os.PathLike[str], files: Sequence[str | os.PathLike[str]] = ()) -> list[AssertionFile]:
    """What `vpcsim check DESIGN [FILES...]` checks: the design's own `assertions:` section, plus
    the given files, or, when none is given, `<design>.assertions.yaml` beside the design."""
    out = []
    inline = load_design_assertions(design_path)
    if inline.assertions:
        out.append(inline)
    paths = list(files)
    if not paths:
        sibling = sibling_file(design_path)
        if sibling is not None:
            paths.append(sibling)
    problems: list[Diagnostic] = []
    for path in paths:
        try:
            out.append(load_assertion_file(path))
        except DesignError as exc:
            problems += exc.diagnostics
    if problems:
        raise DesignError(problems)
    return out


def reachable_traffic(network: CompiledNetwork, src: object, dst: object, within: object = "any", *,
                      ephemeral: tuple[int, int] | None = None) -> Traffic:
    """Everything (of `within`) that gets from `src` to `dst` and back, for every pair of their endpoints.

    Endpoints are written as in assertions (`'internet'`, `'web-a'`, `{'subnet': 'private-a'}`...);
    the result is the intersection over all pairs (what every pair admits).
    """
    engine = Engine(network, ephemeral=ephemeral)
    problems: list[Diagnostic] = []
    src_resolved = engine.resolve(parse_selector(src, "src"), "src", problems, sources=True)
    dst_resolved = engine.resolve(parse_selector(dst, "dst"), "dst", problems)
    families = frozenset(src_resolved.families | dst_resolved.families or {4})  # as an assertion's default
    srcs = engine.atoms(src_resolved, families)
    dsts = engine.atoms(dst_resolved, families)
    if problems:
        raise DesignError(problems)
    universe = parse_traffic(within)
    total: Traffic | None = None
    for s in srcs:
        for t in dsts:
            if (s.eni is not None and t.eni is not None and s.eni.name == t.eni.name) or (s.internet and t.internet):
                continue
            if s.family != t.family:
                continue
            got = engine.reachable(s, t, universe)
            total = got if total is None else total & got
    return total if total is not None else Traffic.none()


# -- helpers for review scripts and tests ----------------------------------------------------------


def _caller_location() -> Location:
    """Where the user's code called into vpcsim (the first frame outside the package: not `Network.check`)."""
    frame = sys._getframe(1)
    while frame is not None and str(frame.f_globals.get("__name__", "")).partition(".")[0] == "vpcsim":
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return Location("<python>", 0, 0)
    return Location(frame.f_code.co_filename, frame.f_lineno, 1)


def _traffic_arg(port: object, protocol: str | int | None) -> Traffic:
    if isinstance(port, str) and ("/" in port or port.strip().lower() in ("tcp", "udp", "icmp", "icmpv6")):
        # The assertion-file form ("tcp/5432", "udp"), as assert_only takes it: it names its protocol.
        return parse_traffic(port)
    if protocol is None:
        protocol = "any" if port is None or port == "any" else "tcp"
    if port is None or port == "any":
        return parse_traffic(str(protocol) if protocol not in ("any", "all") else "any")
    if isinstance(port, Traffic):
        return port
    if isinstance(port, (list, tuple)):
        text = ",".join(str(p) for p in port)
    else:
        text = str(port)
    if str(protocol).lower() in ("any", "all", "-1"):
        raise UsageError("a port needs a protocol (tcp, udp, icmp or icmpv6)")
    return parse_traffic(f"{protocol}/{text}")


def _waypoints(via: object) -> tuple[Waypoint, ...]:
    """`via=` of the assert helpers: a hop, HOP:PORT, or a list of them."""
    if via is None:
        return ()
    items = [via] if isinstance(via, (str, Waypoint)) else via
    if not isinstance(items, (list, tuple)) or not items:
        raise UsageError(f"via {arguments.quote(via)}: expected HOP, HOP:PORT or a list of them")
    out = []
    for item in items:
        if isinstance(item, Waypoint):
            out.append(item)
        elif isinstance(item, str):
            try:
                out.append(Waypoint.parse(item))
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        else:
            raise UsageError(f"via {arguments.quote(item)}: expected HOP or HOP:PORT (a string)")
    return tuple(out)


def _assert(network: CompiledNetwork, expect: Expect, src: object, dst: object, traffic: Traffic,
            ephemeral: tuple[int, int] | None, name: str | None, via: object = None,
            only_via: bool = False) -> AssertionResult:
    __tracebackhide__ = True  # pytest: the failure points at the user's test, not here
    loc = _caller_location()
    try:
        source = parse_selector(src, "src")
        destination = parse_selector(dst, "dst")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    hops = _waypoints(via)
    draft = Assertion("", "", source, destination, expect, traffic, ephemeral, loc=loc, via=hops, only_via=only_via)
    label = name or draft.describe()
    assertion = Assertion("inline", label, source, destination, expect, traffic, ephemeral, loc=loc, via=hops,
                          only_via=only_via)
    report = check(network, [assertion])
    result = report.results[0]
    if not result.passed:
        raise ReachabilityError(result)
    return result


def assert_reachable(network: CompiledNetwork, src: object, dst: object, port: object = None, protocol: str | int = "tcp",
                     *, ephemeral: tuple[int, int] | None = None, name: str | None = None,
                     via: object = None) -> AssertionResult:
    """Raise ReachabilityError (an AssertionError) with the blocking trace unless every flow gets through.

    `port`: a port, a list of ports, a range string ("8000-8100"), or None/"any" for every port of
    `protocol`. Endpoints: `'internet'`, an instance/ENI name, an IP or CIDR, or a selector mapping.
    `via="bastion"` (or `"bastion:22"`, or a list): through those jump hosts (docs/assertions.md).
    """
    __tracebackhide__ = True
    return _assert(network, Expect.REACHABLE, src, dst, _traffic_arg(port, protocol), ephemeral, name, via)


def assert_unreachable(network: CompiledNetwork, src: object, dst: object, port: object = None,
                       protocol: str | int | None = None,
                       *, ephemeral: tuple[int, int] | None = None, name: str | None = None,
                       via: object = None) -> AssertionResult:
    """Raise ReachabilityError with the trace of a flow that gets through, if any does.

    With no port and no protocol, no traffic at all may get through; a port alone means tcp.
    """
    __tracebackhide__ = True
    return _assert(network, Expect.UNREACHABLE, src, dst, _traffic_arg(port, protocol), ephemeral, name, via)


def assert_only(network: CompiledNetwork, src: object, dst: object, traffic: object, *,
                ephemeral: tuple[int, int] | None = None, name: str | None = None,
                via: object = None) -> AssertionResult:
    """Raise ReachabilityError unless nothing outside `traffic` (e.g. "tcp/80,443") gets through."""
    __tracebackhide__ = True
    return _assert(network, Expect.ONLY, src, dst, parse_traffic(traffic), ephemeral, name, via)


def assert_exactly(network: CompiledNetwork, src: object, dst: object, traffic: object, *,
                   ephemeral: tuple[int, int] | None = None, name: str | None = None,
                   via: object = None) -> AssertionResult:
    """Raise ReachabilityError unless `traffic` gets through and nothing else does."""
    __tracebackhide__ = True
    return _assert(network, Expect.EXACTLY, src, dst, parse_traffic(traffic), ephemeral, name, via)


def assert_only_via(network: CompiledNetwork, src: object, dst: object, via: object, traffic: object, *,
                    ephemeral: tuple[int, int] | None = None, name: str | None = None) -> AssertionResult:
    """Raise ReachabilityError unless `traffic` gets through `via` and nothing gets through directly."""
    __tracebackhide__ = True
    return _assert(network, Expect.REACHABLE, src, dst, parse_traffic(traffic), ephemeral, name, via, True)
