"""Plans: a trace between two endpoints whose kinds were traced before, re-labelled, not walked.

    network.trace("web-7", "db-3", 5432)    # walks, or re-labels an earlier walk of the same kinds

Two interfaces that the analyses put in one class (`analyse.Analyser.eni_key`: subnet, security
groups, running, what rules and routes can tell of their addresses) and that look alike to the
walk's texts (the same subnet, groups in the same order, an instance with as many interfaces, the
same AWS ids present) are walked through the same hops, rules and routes: their traces differ
only in their names, ids, addresses and locations. So the first trace of a pair of such kinds,
on one port, is a walk; a second one, between other endpoints of the same kinds, is a walk too,
and the two are compared field by field. What is equal in both is the plan's constant; what
differs must be one endpoint's name, address or location in both, or a text in which just those
were written (checked by writing the first trace's text with the second's endpoints); anything
else, and the kinds are walked every time. Every later trace of those kinds is built from the
plan with its own endpoints' values (a function generated for the plan builds the two or three
tuples of each hop that name an endpoint), which is what makes a warm explained trace 6-13 us
instead of a walk's 25-70 (benchmarks/README.md).

The classes cost a pass over every interface (the Analyser, which any analysis or verdict builds
too), so plans start only once the network has walked about as many traces as that pass costs,
or at once when an analysis has built it. Endpoints other than an instance or interface named as
the design names it, or the internet (an address, an AWS id, a load balancer, a service keyword,
an interface whose address AWS picks), are always walked.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from vpcsim.components.base import ip
from vpcsim.errors import Location, VpcsimError
from vpcsim.reach.balanced import names_load_balancer
from vpcsim.reach.walk import resolve
from vpcsim.records import record
from vpcsim.trace import trace as walked

if TYPE_CHECKING:
    from vpcsim.analyse import Analyser
    from vpcsim.compile import CompiledNetwork
    from vpcsim.results import TraceResult

__all__ = ["Plans", "plans", "trace"]

# Kinds of pairs (and ports) a network keeps; past it they are forgotten all at once.
MAX_ENTRIES = 2048
# An interface costs the Analyser about what a tenth of a walk does (3.9 us against ~45 us,
# measured at 20,000 instances): this many walks per interface before the classes are built.
WALKS_PER_INTERFACE = 1 / 10
MIN_WALKS = 32

_NAME = 0  # a role's text is a name or an AWS id
_ADDRESS = 1  # ... an address


@record
class _End:
    """One endpoint as a plan sees it: what the walk can tell of it, and its values."""

    identity: str  # the interface, or the internet keyword
    instance: str | None
    key: Hashable  # equal for two endpoints the walk treats alike
    values: tuple[Any, ...]  # names, ids and address texts; address ints; locations (None: absent)
    kinds: tuple[int, ...]  # per value: _NAME, _ADDRESS, or -1 for one that is not text


_INTERNET = ("internet", "internet6")


def _end(net: CompiledNetwork, an: Analyser, text: str, *, source: bool) -> _End | None:
    """`text` as a plan's endpoint, or None when such a trace is always walked."""
    if text in _INTERNET:
        return _End(text, None, text, (), ())
    if not source and names_load_balancer(net, text):
        return None
    try:
        eni = resolve(net, text, None).eni  # the interface the walk takes the name for
    except VpcsimError:
        return None  # (the walk says why)
    if eni is None:
        return None  # an address, or a keyword written otherwise than `internet`
    instance = net.design.instances.get(eni.instance) if eni.instance is not None else None
    if text != eni.name and (instance is None or text != instance.name):
        return None  # an AWS id, or a name with spaces around it: the trace's texts quote it as written
    if eni.picked or eni.secondary_public_ips or eni.ipv6_prefixes or eni.service is not None:
        return None
    names = (instance.name if instance is not None else None, eni.name,
             instance.aws_id if instance is not None else None, eni.aws_id)
    six = eni.ipv6_ips
    public = eni.public_ip
    addresses = (*eni.private_ips, *(() if public is None else (public,)))  # (IPv6 ones are private_ips)
    texts = (*names, *(ip(a) for a in addresses))
    # (A location that is nowhere, a generated object's, is no value: it is the same for all.)
    locs = tuple(loc if loc is not None and loc.line else None
                 for loc in (eni.loc, instance.loc if instance is not None else None))
    values = (*texts, *addresses, *locs)
    kinds = (*(_NAME,) * len(names), *(_ADDRESS,) * len(addresses), *(-1,) * (len(addresses) + len(locs)))
    key = (
        an.class_of[eni.name], eni.subnet, eni.security_groups, eni.source_dest_check,
        instance is not None, instance.state if instance is not None else None,
        len(instance.interfaces) if instance is not None else 0,
        instance is not None and instance.name == text,  # named by its instance (else by interface)
        len(eni.private_ips), public is None, len(six),
        tuple(values.index(v) if v is not None else -1 for v in values),  # which values are absent, or the same
    )
    return _End(eni.name, eni.instance, key, values, kinds)


# A plan: the trace for two ends' values, or None for ends it cannot write (see _make_plan).
_Build = Callable[[tuple[Any, ...]], "TraceResult | None"]


class _Entry:
    """The first walk of a kind of pair (and port), and the plans checked against later ones."""

    __slots__ = ("ends", "first", "plans", "refused")

    def __init__(self, ends: tuple[_End, _End], first: TraceResult) -> None:
        self.ends = ends
        self.first = first
        # By which ends differ from the first walk's (source, destination): a plan is checked on
        # a second walk whose ends differ so, and serves only such traces (or fewer differences).
        self.plans: dict[tuple[bool, bool], _Build] = {}
        self.refused: set[tuple[bool, bool]] = set()  # the two walks differed in more than their ends


class Plans:
    """A network's plans (one per kind of pair and port), and the walks counted before them."""

    def __init__(self, net: CompiledNetwork) -> None:
        # (The network is passed to each call, not kept: the network keeps this, and a cycle
        # would keep a frozen network alive after its last user let go of it.)
        self.walks = 0
        self.threshold = max(MIN_WALKS, int(len(net.design.interfaces) * WALKS_PER_INTERFACE))
        self.analyser = _built_analyser(net)
        self.entries: dict[Hashable, _Entry] = {}
        self.ends: dict[tuple[str, bool], _End | None] = {}
        self.built = 0  # traces built from a plan (for tests and benchmarks)

    def end(self, net: CompiledNetwork, text: str, *, source: bool) -> _End | None:
        got = self.ends.get((text, source), False)
        if got is False:
            assert self.analyser is not None
            if len(self.ends) >= MAX_ENTRIES:
                self.ends.clear()
            got = self.ends[(text, source)] = _end(net, self.analyser, text, source=source)
        return got  # type: ignore[return-value]

    def trace(self, net: CompiledNetwork, src: Any, dst: Any, port: Any, protocol: Any, src_port: Any,
              ephemeral: Any, icmp_code: Any) -> TraceResult:
        if self.analyser is None or type(src) is not str or type(dst) is not str or type(port) is not int or \
                type(protocol) not in (str, int) or src_port is not None and type(src_port) is not int or \
                icmp_code is not None and type(icmp_code) is not int or \
                ephemeral is not None and (type(ephemeral) is not tuple or any(type(v) is not int for v in ephemeral)):
            return self._walk(net, src, dst, port, protocol, src_port, ephemeral, icmp_code)
        s = self.end(net, src, source=True)
        t = self.end(net, dst, source=False) if s is not None else None
        if s is None or t is None or s.identity == t.identity:
            return self._walk(net, src, dst, port, protocol, src_port, ephemeral, icmp_code)
        key = (s.key, t.key, s.instance is not None and s.instance == t.instance, port, protocol, src_port,
               ephemeral, icmp_code)
        entry = self.entries.get(key)
        if entry is not None:
            first = entry.ends
            differs = (s.identity != first[0].identity, t.identity != first[1].identity)
            if differs == (False, False):
                return entry.first  # the same flow: the network is frozen, so is its trace
            build = entry.plans.get(differs) or entry.plans.get((True, True))
            if build is not None:
                got = build(s.values + t.values)
                if got is not None:
                    self.built += 1
                    return got
        result = self._walk(net, src, dst, port, protocol, src_port, ephemeral, icmp_code)
        if entry is None:
            if len(self.entries) >= MAX_ENTRIES:
                self.entries.clear()
            self.entries[key] = _Entry((s, t), result)
        elif differs not in entry.refused and differs not in entry.plans:
            # (A plan that declined these ends, for a value its two walks' ends shared, stays.)
            build = _make_plan(entry.first, entry.ends, result, (s, t))
            if build is None:
                entry.refused.add(differs)
            else:
                entry.plans[differs] = build
        return result

    def _walk(self, net: CompiledNetwork, src: Any, dst: Any, port: Any, protocol: Any, src_port: Any,
              ephemeral: Any, icmp_code: Any) -> TraceResult:
        """A walk, counted while the classes are not built (see `threshold`)."""
        result = walked(net, src, dst, port, protocol, src_port=src_port, ephemeral=ephemeral,
                        icmp_code=icmp_code)
        if self.analyser is None:
            self.walks += 1
            self.analyser = _built_analyser(net)
            if self.analyser is None and self.walks >= self.threshold:
                from vpcsim.analyse import analyser

                self.analyser = analyser(net)
        return result


def _built_analyser(net: CompiledNetwork) -> Analyser | None:
    """The network's classes if an analysis built them (not importing vpcsim.analyse, which a
    single `vpcsim trace` does not need)."""
    module = sys.modules.get("vpcsim.analyse")
    return None if module is None else net.derived_if_built(module.Analyser, None)


def plans(net: CompiledNetwork) -> Plans:
    """The network's plans (made on first use, kept on the network)."""
    return net.derived(Plans, None, lambda: Plans(net))


def trace(net: CompiledNetwork, src: str, dst: str, port: int, protocol: str | int = "tcp", *,
          src_port: int | None = None, ephemeral: tuple[int, int] | None = None,
          icmp_code: int | None = None) -> TraceResult:
    """`vpcsim.trace.trace`, from a plan where the network has one for the pair's kinds."""
    return plans(net).trace(net, src, dst, port, protocol, src_port, ephemeral, icmp_code)


# -- making a plan ---------------------------------------------------------------------------------


class _Refused(Exception):
    """The two walks differ in something that is not their endpoints' values."""


def _make_plan(one: TraceResult, ends1: tuple[_End, _End], two: TraceResult,
               ends2: tuple[_End, _End]) -> _Build | None:
    """The plan that writes `one` as `two` from their ends' values, or None if none does."""
    values1 = ends1[0].values + ends1[1].values
    values2 = ends2[0].values + ends2[1].values
    kinds = ends1[0].kinds + ends1[1].kinds
    # A value both walks' ends have (two interfaces of one instance share its name; Terraform's
    # `count` gives its instances one location) may be the end's or a constant that equals it: the
    # plan writes only ends that have it too.
    split = len(ends1[0].values)
    pinned = [i for i, (a, b) in enumerate(zip(values1, values2, strict=True))
              if a is not None and a == b and (ends1[i >= split].identity != ends2[i >= split].identity)]
    try:
        code = _Writer(values1, values2, kinds)
        root = code.expr(one, two)
        return code.compile(root, pinned)
    except _Refused:
        return None


# What may not touch a name or an id in a text (a longer name; an interface's "web.eth0" is not
# its instance "web"), an IPv4 address (a longer one, a CIDR; a port after ':' may) and an IPv6 one.
_NAME_TOKEN = r"(?<![\w.\-])(?:{})(?![\w\-]|\.\w)"
_IPV4_TOKEN = r"(?<![\w.:/])(?:{})(?![\w/]|\.\d)"
_IPV6_TOKEN = r"(?<![\w.:/])(?:{})(?![\w/:]|\.\d)"


class _Writer:
    """Python source that builds a trace from its ends' values (`r`), with constants in `K`."""

    def __init__(self, values1: tuple[Any, ...], values2: tuple[Any, ...], kinds: tuple[int, ...]) -> None:
        self.values1 = values1
        self.values2 = values2
        self.constants: list[Any] = []
        self.lines: list[str] = []
        self.done: dict[tuple[int, int], str] = {}  # ids of a part of each walk -> the variable building it
        self._keep: list[Any] = []  # the parts `done` names, alive while the writer is
        # Values the first walk's ends share (a location both ends have): a plan that takes one
        # for the other writes only ends that share them too.
        self.same: set[tuple[int, int]] = set()
        texts: dict[str, int] = {}
        for i, (value, kind) in enumerate(zip(values1, kinds, strict=True)):
            if kind >= 0 and value is not None:
                if value in texts:
                    self.same.add((texts[value], i))
                else:
                    texts[value] = i
        self.texts = texts
        parts = []
        for form, which in ((_NAME_TOKEN, lambda t: kinds[texts[t]] == _NAME),
                            (_IPV4_TOKEN, lambda t: kinds[texts[t]] == _ADDRESS and ":" not in t),
                            (_IPV6_TOKEN, lambda t: kinds[texts[t]] == _ADDRESS and ":" in t)):
            chosen = sorted(filter(which, texts), key=len, reverse=True)  # the longest first, at one place
            if chosen:
                parts.append(form.format("|".join(map(re.escape, chosen))))
        self.pattern = re.compile("|".join(parts)) if parts else None

    def constant(self, value: Any) -> str:
        self.constants.append(value)
        return f"K[{len(self.constants) - 1}]"

    def role(self, one: Any, two: Any) -> int:
        """The value both are, of the first walk's ends and of the second's (-1: none)."""
        found = -1
        for i, value in enumerate(self.values1):
            if value is not None and type(value) is type(one) and value == one and self.values2[i] == two:
                if found < 0:
                    found = i
                else:
                    self.same.add((found, i))
        return found

    def expr(self, one: Any, two: Any) -> str:
        if one is two or (type(one) is type(two) and one == two):
            return self.constant(one)
        seen = self.done.get((id(one), id(two)))
        if seen is not None:
            return seen
        got = self._expr(one, two)
        if got.startswith(("K[", "r[")):
            return got
        name = f"v{len(self.lines)}"
        self.lines.append(f"    {name} = {got}")
        self.done[(id(one), id(two))] = name
        self._keep.append((one, two))
        return name

    def _expr(self, one: Any, two: Any) -> str:
        if type(one) is not type(two):
            raise _Refused
        i = self.role(one, two)
        if i >= 0:
            return f"r[{i}]"
        if isinstance(one, str):
            return self.text(one, two)
        if isinstance(one, Location) or isinstance(one, (int, float, bool)) or one is None:
            raise _Refused
        if isinstance(one, tuple):
            if len(one) != len(two):
                raise _Refused
            parts = [self.expr(a, b) for a, b in zip(one, two, strict=True)]
            if type(one) is tuple:
                return "(" + "".join(p + ", " for p in parts) + ")"
            return f"_new({self.constant(type(one))}, ({''.join(p + ', ' for p in parts)}))"
        if dataclasses.is_dataclass(one) and not isinstance(one, type):
            fields = [f.name for f in dataclasses.fields(one)]
            parts = [self.expr(getattr(one, f), getattr(two, f)) for f in fields]
            return f"{self.constant(type(one))}({', '.join(parts)})"
        raise _Refused

    def text(self, one: str, two: str) -> str:
        """A text that names the first walk's ends, as a sum of constants and the ends' values;
        refused unless the same sum of the second walk's values is its text exactly."""
        if self.pattern is None:
            raise _Refused
        pieces: list[str | int] = []
        at = 0
        for m in self.pattern.finditer(one):
            if m.start() > at:
                pieces.append(one[at:m.start()])
            pieces.append(self.texts[m.group()])
            at = m.end()
        if at < len(one):
            pieces.append(one[at:])
        if "".join(p if isinstance(p, str) else self.values2[p] for p in pieces) != two:
            raise _Refused
        return " + ".join(self.constant(p) if isinstance(p, str) else f"r[{p}]" for p in pieces)

    def compile(self, root: str, pinned: list[int]) -> _Build:
        checks = "".join(f"    if r[{i}] != {self.constant(self.values1[i])}:\n        return None\n" for i in pinned)
        checks += "".join(f"    if r[{i}] != r[{j}]:\n        return None\n" for i, j in sorted(self.same))
        source = "def build(r):\n" + checks + "".join(line + "\n" for line in self.lines) + f"    return {root}\n"
        scope: dict[str, Any] = {"K": tuple(self.constants), "_new": tuple.__new__}
        # The source names only variables, `K[i]` and `r[i]`: no text of the design is in it.
        exec(compile(source, "<vpcsim.plans>", "exec"), scope)  # noqa: S102
        build: _Build = scope["build"]
        return build

