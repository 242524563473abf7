"""Assertions: YAML (or Python data) -> located `Assertion` records, the promises `vpcsim check` verifies.

An assertion names a source and a destination (endpoint selectors), the traffic (protocols and
port sets), and what is expected of it: `reachable`, `unreachable`, `only` (nothing but this
traffic gets through) or `exactly` (this traffic and nothing else). This module only reads and
checks the shape of assertions; `vpcsim.check` resolves the names against a design and
evaluates them. The format is described in docs/assertions.md; its JSON Schema ships as
`vpcsim/schemas/assertions.schema.json`.
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Mapping
from dataclasses import field

import vpcsim.core as core
import vpcsim.traffic as traffic
from vpcsim.errors import DesignError, Diagnostic, Location, Severity
from vpcsim.facts import EPHEMERAL_PRESETS
from vpcsim.loader.build import Builder
from vpcsim.loader.reader import Map, Node, Scalar, Seq, kind_of, load_file
from vpcsim.model import Cidr, parse_decimal, short
from vpcsim.records import record
from vpcsim.results import Waypoint
from vpcsim.severity import Grade
from vpcsim.traffic import ANY, Traffic, TrafficKind

__all__ = [
    "ANY",
    "EPHEMERAL_PRESETS",
    "Assertion",
    "AssertionFile",
    "Expect",
    "Selector",
    "SelectorKind",
    "Traffic",
    "TrafficKind",
    "from_data",
    "load_assertion_file",
    "load_design_assertions",
    "parse_selector",
    "parse_traffic",
    "sibling_file",
]

PortRuns = core.PortRuns

NOWHERE = Location("<python>", 0, 0)
# The severity of a promise is a grade of the shared scale (info is for findings only).
SEVERITIES: dict[str, float] = {g.value: g.score for g in sorted(Grade, reverse=True) if g is not Grade.INFO}
ITEM_KEYS = (
    "id",
    "name",
    "description",
    "from",
    "to",
    "traffic",
    "expect",
    "ephemeral",
    "severity",
    "allow_empty",
    "via",
    "only_via",
    "family",
)
# `family:` of an assertion: which address family its endpoints talk over. Default: the family
# its selectors name (internet6 or an IPv6 CIDR: IPv6), else IPv4; `either`: both, and the promise
# must hold over each (every IPv6 address is global, so what is closed on IPv4 may be open on IPv6).
FAMILIES = ("ipv4", "ipv6", "either")
FILE_KEYS = ("version", "design", "description", "assertions")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")
# `icmp/3:4`: ICMP types of one code (the short form of `{protocol: icmp, icmp_type: 3, icmp_code: 4}`);
# `icmpv6/1:4` likewise for ICMPv6.
ICMP_CODE_RE = re.compile(r"^((?:icmp|icmpv6|1|58)/[^:]+):([0-9]{1,3})$", re.IGNORECASE)




# -- endpoints -------------------------------------------------------------------------------------


class SelectorKind(enum.Enum):
    INTERNET = "internet"
    INTERNET6 = "internet6"  # the IPv6 internet
    NAME = "name"  # an instance or an interface, written bare
    INSTANCE = "instance"
    INTERFACE = "interface"
    SUBNET = "subnet"
    SECURITY_GROUP = "security_group"
    VPC = "vpc"
    TAG = "tag"
    CIDR = "cidr"
    SERVICE = "service"  # an AWS service (s3, sqs...): its endpoints' interfaces and its public ranges
    LOAD_BALANCER = "load_balancer"  # a destination: its listeners, through to its targets
    AUTO_SCALING_GROUP = "auto_scaling_group"  # every member instance
    UNION = "any_of"


SELECTOR_KEYS = ("instance", "interface", "subnet", "security_group", "vpc", "tag", "cidr", "service",
                 "load_balancer", "auto_scaling_group")


@record
class Selector:
    """Which endpoints an assertion talks about; resolved against a design by `vpcsim.check`."""

    kind: SelectorKind
    values: tuple[str, ...] = ()
    tags: tuple[tuple[str, tuple[str, ...]], ...] = ()
    parts: tuple[Selector, ...] = ()
    loc: Location = field(default=NOWHERE, compare=False)

    def describe(self) -> str:
        if self.kind is SelectorKind.INTERNET:
            return "internet"
        if self.kind is SelectorKind.INTERNET6:
            return "internet6"
        if self.kind is SelectorKind.UNION:
            return " + ".join(p.describe() for p in self.parts)
        if self.kind is SelectorKind.NAME:
            return ", ".join(self.values)
        if self.kind is SelectorKind.TAG:
            text = ", ".join(f"{k}={'|'.join(v)}" for k, v in self.tags)
            return f"tag {text}"
        if self.kind is SelectorKind.CIDR:
            return ", ".join(self.values)
        if self.kind is SelectorKind.SERVICE:
            return ", ".join(f"service:{v}" for v in self.values)
        label = self.kind.value.replace("_", " ")
        return f"{label} {', '.join(self.values)}"


# -- assertions ------------------------------------------------------------------------------------


class Expect(enum.Enum):
    REACHABLE = "reachable"  # every flow of `traffic` gets through (there and back)
    UNREACHABLE = "unreachable"  # no flow of `traffic` gets through
    ONLY = "only"  # nothing outside `traffic` gets through (exposure at most `traffic`)
    EXACTLY = "exactly"  # `traffic` gets through and nothing else does


@record
class Assertion:
    """One promise: from `source` to `destination`, `traffic` is `expect`."""

    id: str
    name: str
    source: Selector
    destination: Selector
    expect: Expect
    traffic: Traffic
    ephemeral: tuple[int, int] | None = None
    severity: str = "high"
    allow_empty: bool = False
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)
    # Through jump hosts: `via` (the traffic is judged on the path through them) or, with
    # `only_via`, also "no direct path at all, on any traffic".
    via: tuple[Waypoint, ...] = ()
    only_via: bool = False
    # The ICMP code of the promise's ICMP types (`{protocol: icmp, icmp_type: 3, icmp_code: 4}`);
    # None: code 0, what `icmp/8` means.
    icmp_code: int | None = None
    family: str | None = None  # FAMILIES; None: what the selectors name

    @property
    def security_severity(self) -> float:
        return SEVERITIES[self.severity]

    def describe(self) -> str:
        what = self.traffic.describe()
        if self.icmp_code is not None:
            what += f" (icmp code {self.icmp_code})"
        src, dst = self.source.describe(), self.destination.describe()
        if self.via:
            hops = ", ".join(w.describe() for w in self.via)
            dst += f" {'only ' if self.only_via else ''}via {hops}"
        if self.expect is Expect.REACHABLE:
            return f"{src} -> {dst}: {what} reachable"
        if self.expect is Expect.UNREACHABLE:
            return f"{src} -> {dst}: {what} unreachable"
        if self.expect is Expect.ONLY:
            return f"{src} -> {dst}: nothing but {what}"
        return f"{src} -> {dst}: exactly {what}"


@record
class AssertionFile:
    """The assertions read from one file (or from a design's `assertions:` section)."""

    path: str
    assertions: tuple[Assertion, ...]
    design: str | None = None  # the design the file names (`design:`), resolved against its folder
    description: str = ""


# -- reading ---------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:100] or "assertion"


class _AssertionBuilder(Builder):
    """Reads assertions from a located tree; every problem becomes a located diagnostic."""

    icmp_codes: list[tuple[int, Location]]  # the icmp_code of each traffic item of the assertion being read

    def __init__(self, file: str) -> None:
        super().__init__(file)
        self.icmp_codes = []

    def items(self, node: Node, what: str) -> list[Assertion]:
        if isinstance(node, Scalar) and node.value is None:
            return []
        out = []
        for index, item in enumerate(self.as_list(node, what)):
            assertion = self.assertion(item, f"{what}[{index + 1}]")
            if assertion is not None:
                out.append(assertion)
        return out

    def assertion(self, node: Node, what: str) -> Assertion | None:
        body = self.as_map(node, what)
        if body is None:
            return None
        only_via = body.get("only_via") is not None
        self.check_keys(body, what, ITEM_KEYS, ("from", "to") if only_via else ("from", "to", "expect"))
        name = self.string(body.get("name"), f"{what}: name")
        if name is not None:
            what = f"assertion {name!r}"
        from_node, to_node = body.get("from"), body.get("to")
        source = self.selector(from_node, f"{what}: from") if from_node is not None else None
        destination = self.selector(to_node, f"{what}: to") if to_node is not None else None
        via = self.waypoints(body, what)
        expect = self.expect(body.get("expect"), f"{what}: expect")
        if only_via and body.get("expect") is None:
            expect = Expect.REACHABLE  # "only through the bastion" promises that the way through works
        if only_via and expect is Expect.UNREACHABLE:
            self.error("expect", f"{what}: only_via promises a way in through the hop, so expect: unreachable "
                       "contradicts it (expected reachable, only or exactly)", body.entries["expect"].loc)
            expect = None
        traffic_node = body.get("traffic")
        traffic: Traffic | None
        if traffic_node is None:
            if expect is Expect.UNREACHABLE:
                traffic = ANY
            else:
                if expect is not None:
                    self.error(
                        "missing-key",
                        f"{what}: missing required key 'traffic' (expect: {expect.value} needs it; "
                        "e.g. traffic: tcp/443)",
                        body.loc,
                    )
                traffic = None
        else:
            self.icmp_codes = []
            traffic = self.traffic(traffic_node, f"{what}: traffic")
            if traffic is not None and not traffic and expect in (Expect.REACHABLE, Expect.UNREACHABLE):
                self.error("traffic", f"{what}: traffic: selects no traffic at all", traffic_node.loc)
        ephemeral = self.ephemeral(body.get("ephemeral"), f"{what}: ephemeral")
        severity = self.string(body.get("severity"), f"{what}: severity") or (
            "medium" if expect is Expect.REACHABLE else "high"
        )
        if severity not in SEVERITIES:
            self.error(
                "severity",
                f"{what}: severity {severity!r} (expected one of: {', '.join(SEVERITIES)})",
                body.entries["severity"].loc,
            )
            severity = "high"
        allow_empty = self.boolean(body.get("allow_empty"), f"{what}: allow_empty", False)
        description = self.string(body.get("description"), f"{what}: description") or ""
        ident = self.string(body.get("id"), f"{what}: id")
        if ident is not None and not ID_RE.match(ident):
            self.error(
                "id",
                f"{what}: id {ident!r} is not a valid id (expected letters, digits, . _ : / -, "
                "starting with a letter or digit)",
                body.entries["id"].loc,
            )
            ident = None
        codes = sorted({code for code, _ in self.icmp_codes}) if traffic_node is not None else []
        if len(codes) > 1:
            second = next(loc for code, loc in self.icmp_codes if code != self.icmp_codes[0][0])
            self.error("traffic", f"{what}: traffic: icmp codes {', '.join(map(str, codes))} in one assertion "
                       "(expected one icmp_code per assertion: split it)", second)
        icmp_code = codes[0] if codes else None
        if source is None or destination is None or expect is None or traffic is None or via is None:
            return None
        internets = (SelectorKind.INTERNET, SelectorKind.INTERNET6)
        if source.kind in internets and destination.kind in internets:
            self.error("endpoint", f"{what}: from and to are both the internet", body.loc)
            return None
        family = self.string(body.get("family"), f"{what}: family")
        if family is not None and family not in FAMILIES:
            self.error("family", f"{what}: family {family!r} (expected one of: {', '.join(FAMILIES)})",
                       body.entries["family"].loc)
            return None
        assertion = Assertion(
            id="",
            name=name or "",
            source=source,
            destination=destination,
            expect=expect,
            traffic=traffic,
            ephemeral=ephemeral,
            severity=severity,
            allow_empty=allow_empty,
            description=description,
            loc=body.loc,
            via=via,
            only_via=only_via,
            icmp_code=icmp_code,
        )
        label = name or assertion.describe()
        return Assertion(
            ident or _slug(label),
            label,
            source,
            destination,
            expect,
            traffic,
            ephemeral,
            severity,
            allow_empty,
            description,
            body.loc,
            via,
            only_via,
            icmp_code,
            family,
        )

    def waypoints(self, body: Map, what: str) -> tuple[Waypoint, ...] | None:
        """`via:` or `only_via:`: a hop NAME or NAME:PORT, or a list of them (None: an error)."""
        given = [key for key in ("via", "only_via") if body.get(key) is not None]
        if not given:
            return ()
        if len(given) == 2:
            self.error("via", f"{what}: give via or only_via, not both (only_via is via plus 'no direct path')",
                       body.keys["only_via"])
            return None
        key = given[0]
        node = body.entries[key]
        items = node.items if isinstance(node, Seq) else (node,)
        if not items:
            self.error("via", f"{what}: {key}: an empty list names no hop (expected NAME or NAME:PORT)", node.loc)
            return None
        out = []
        for item in items:
            text = self.string(item, f"{what}: {key}")
            if text is None:
                return None
            try:
                out.append(Waypoint.parse(text))
            except ValueError as exc:
                self.error("via", f"{what}: {key}: {exc}", item.loc)
                return None
        return tuple(out)

    def expect(self, node: Node | None, what: str) -> Expect | None:
        text = self.string(node, what)
        if text is None or node is None:
            return None
        try:
            return Expect(text)
        except ValueError:
            expected = ", ".join(e.value for e in Expect)
            self.error("expect", f"{what}: {text!r} (expected one of: {expected})", node.loc)
            return None

    def ephemeral(self, node: Node | None, what: str) -> tuple[int, int] | None:
        text = self.string(node, what)
        if text is None or node is None:
            return None
        if text.lower() in EPHEMERAL_PRESETS:
            return EPHEMERAL_PRESETS[text.lower()]
        lo_text, sep, hi_text = text.partition("-")
        lo, hi = parse_decimal(lo_text.strip()), parse_decimal(hi_text.strip())
        if sep and lo is not None and hi is not None and 0 <= lo <= hi <= 65535:
            return lo, hi
        self.error("ephemeral", f"{what}: {short(text)} (expected lo-hi, linux, windows or nat)", node.loc)
        return None

    # -- endpoints ---------------------------------------------------------------------------

    def selector(self, node: Node, what: str) -> Selector | None:
        if isinstance(node, Seq):
            parts = [self.selector(item, what) for item in node.items]
            if not node.items:
                self.error("endpoint", f"{what}: an empty list selects nothing", node.loc)
                return None
            if any(p is None for p in parts):
                return None
            return Selector(SelectorKind.UNION, parts=tuple(p for p in parts if p is not None), loc=node.loc)
        if isinstance(node, Scalar):
            text = self.string(node, what)
            if text is None:
                return None
            return self.bare_selector(text.strip(), node.loc, what)
        body = node
        keys = [k for k in body.entries if k in SELECTOR_KEYS]
        unknown = [k for k in body.entries if k not in SELECTOR_KEYS]
        if unknown or len(keys) != 1:
            self.error(
                "endpoint",
                f"{what}: expected exactly one of {', '.join(SELECTOR_KEYS)}"
                + (f" (unknown key {unknown[0]!r})" if unknown else f" (got {len(keys)})"),
                body.keys[unknown[0]] if unknown else body.loc,
            )
            return None
        key = keys[0]
        value = body.entries[key]
        kind = SelectorKind(key)
        if kind is SelectorKind.TAG:
            return self.tag_selector(value, f"{what}: tag", body.loc)
        names = self.names(value, f"{what}: {key}")
        if names is None:
            return None
        if kind is SelectorKind.CIDR:
            for text, loc in names:
                if self.parse_cidr(text) is None:
                    self.error("cidr", f"{what}: cidr {text!r} is not an IP address or CIDR block (IPv4 or IPv6)",
                               loc)
                    return None
        return Selector(kind, tuple(n for n, _ in names), loc=body.loc)

    def names(self, node: Node, what: str) -> list[tuple[str, Location]] | None:
        items = node.items if isinstance(node, Seq) else (node,)
        out = []
        for item in items:
            text = self.string(item, what)
            if text is None:
                return None
            out.append((text.strip(), item.loc))
        if not out:
            self.error("endpoint", f"{what}: an empty list selects nothing", node.loc)
            return None
        return out

    @staticmethod
    def parse_cidr(text: str) -> Cidr | None:
        try:
            return Cidr.of(text)
        except ValueError:
            return None

    def bare_selector(self, text: str, loc: Location, what: str) -> Selector | None:
        if text.lower() == "internet":
            return Selector(SelectorKind.INTERNET, loc=loc)
        if text.lower() == "internet6":
            return Selector(SelectorKind.INTERNET6, loc=loc)
        if (text[:1].isdigit() or ":" in text) and self.parse_cidr(text) is not None:
            return Selector(SelectorKind.CIDR, (text,), loc=loc)
        if text[:1].isdigit() and text.count(".") == 3:
            self.error("cidr", f"{what}: {text!r} is not a valid IPv4 address or CIDR block", loc)
            return None
        return Selector(SelectorKind.NAME, (text,), loc=loc)

    def tag_selector(self, node: Node, what: str, loc: Location) -> Selector | None:
        body = self.as_map(node, what)
        if body is None:
            return None
        if not body.entries:
            self.error("endpoint", f"{what}: expected at least one key: value", body.loc)
            return None
        tags = []
        for key, value in body.entries.items():
            values = self.names(value, f"{what}: {key}")
            if values is None:
                return None
            tags.append((key, tuple(v for v, _ in values)))
        return Selector(SelectorKind.TAG, tags=tuple(tags), loc=loc)

    # -- traffic -----------------------------------------------------------------------------

    def traffic(self, node: Node, what: str) -> Traffic | None:
        items = node.items if isinstance(node, Seq) else (node,)
        total = Traffic.none()
        ok = True
        for item in items:
            one = self.traffic_item(item, what)
            if one is None:
                ok = False
            else:
                total = total | one
        return total if ok else None

    def traffic_item(self, node: Node, what: str) -> Traffic | None:
        if isinstance(node, Map):
            return self.traffic_map(node, what)
        if isinstance(node, Scalar) and isinstance(node.value, str):
            return self.traffic_text(node.value.strip(), node.loc, what)
        if isinstance(node, Scalar) and isinstance(node.value, int) and not isinstance(node.value, bool):
            self.error(
                "traffic",
                f"{what}: a bare number ({short(node.value)}) is ambiguous: write tcp/{short(node.value)} for a port "
                f"or {{protocol: {short(node.value)}}} for an IP protocol",
                node.loc,
            )
            return None
        self.error("traffic", f"{what}: expected a string such as tcp/443, or a mapping, got {kind_of(node)}", node.loc)
        return None

    def protocol_kind(self, text: str, loc: Location, what: str) -> tuple[TrafficKind | None, int | None] | None:
        """(kind, protocol number) of a protocol word; (None, None) for any/all."""
        try:
            return traffic.protocol_kind(text)
        except ValueError as exc:
            self.error("traffic", f"{what}: {exc}", loc)
            return None

    def traffic_text(self, text: str, loc: Location, what: str) -> Traffic | None:
        coded = ICMP_CODE_RE.match(text)
        if coded is not None:
            code = int(coded.group(2))
            if code > 255:
                self.error("traffic", f"{what}: icmp code {code} in {short(text)} is out of range (expected 0-255)", loc)
                return None
            self.icmp_codes.append((code, loc))
            text = coded.group(1)
        try:
            return traffic.parse_short(text)
        except ValueError as exc:
            self.error("traffic", f"{what}: {exc}", loc)
            return None

    @staticmethod
    def whole(kind: TrafficKind, number: int | None) -> Traffic:
        return traffic.whole(kind, number)

    def port_list(self, text: str, loc: Location, what: str, top: int) -> list[tuple[int, int]] | None:
        try:
            return traffic.port_list(text, top)
        except ValueError as exc:
            self.error("traffic", f"{what}: {exc}", loc)
            return None

    def traffic_map(self, body: Map, what: str) -> Traffic | None:
        self.check_keys(body, what, ("protocol", "ports", "icmp_type", "icmp_code"), ("protocol",))
        proto_node = body.get("protocol")
        if proto_node is None:
            return None
        proto_text = self.string(proto_node, f"{what}: protocol")
        if proto_text is None:
            return None
        parsed = self.protocol_kind(proto_text, proto_node.loc, what)
        if parsed is None:
            return None
        kind, number = parsed
        ports_node = body.get("ports")
        type_node = body.get("icmp_type")
        code_node = body.get("icmp_code")
        if code_node is not None:
            # ICMP codes refine a type (type 3 code 4: fragmentation needed, RFC 792 / RFC 1191).
            if kind is None or not kind.icmp or type_node is None:
                self.error("traffic", f"{what}: icmp_code needs protocol icmp or icmpv6 and an icmp_type",
                           body.keys["icmp_code"])
                return None
            value = code_node.value if isinstance(code_node, Scalar) else None
            if not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 255):
                self.error("traffic", f"{what}: icmp_code: expected a number 0-255, got {kind_of(code_node)}",
                           code_node.loc)
                return None
            self.icmp_codes.append((value, body.keys["icmp_code"]))
        if kind is None:
            if ports_node is not None or type_node is not None:
                self.error("traffic", f"{what}: protocol {proto_text!r} takes no ports", body.loc)
                return None
            return ANY
        if kind.icmp:
            if ports_node is not None:
                self.error("traffic", f"{what}: {kind.value} takes icmp_type, not ports", ports_node.loc)
                return None
            if type_node is None:
                return self.whole(kind, number)
            runs = self.port_values(type_node, f"{what}: icmp_type", 255)
            return None if runs is None else Traffic.of(kind, runs)
        if type_node is not None:
            self.error("traffic", f"{what}: icmp_type is only for icmp and icmpv6", type_node.loc)
            return None
        if ports_node is None:
            return self.whole(kind, number)
        if kind is TrafficKind.IP:
            self.error("traffic", f"{what}: protocol {number} has no ports", ports_node.loc)
            return None
        runs = self.port_values(ports_node, f"{what}: ports", 65535)
        return None if runs is None else Traffic.of(kind, runs)

    def port_values(self, node: Node, what: str, top: int) -> list[tuple[int, int]] | None:
        items = node.items if isinstance(node, Seq) else (node,)
        runs: list[tuple[int, int]] = []
        for item in items:
            value = item.value if isinstance(item, Scalar) else None
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= top:
                runs.append((value, value))
                continue
            if isinstance(value, str):
                more = self.port_list(value, item.loc, what, top)
                if more is None:
                    return None
                runs += more
                continue
            self.error("traffic", f"{what}: expected a number 0-{top} or a range 'lo-hi', got {kind_of(item)}", item.loc)
            return None
        return runs


def parse_selector(value: object, what: str = "endpoint") -> Selector:
    """A selector from Python data (`'web-a'`, `{'subnet': 'private-a'}`, `['a', 'b']`); ValueError if bad."""
    builder = _AssertionBuilder("<python>")
    selector = builder.selector(_to_node(value, NOWHERE), what)
    if builder.diagnostics or selector is None:
        raise ValueError(builder.diagnostics[0].message if builder.diagnostics else f"bad endpoint {value!r}")
    return selector


def parse_traffic(value: object, what: str = "traffic") -> Traffic:
    """Traffic from Python data (`'tcp/443'`, `['tcp/80', 'udp/53']`, `{'protocol': 'tcp', 'ports': [80]}`)."""
    if isinstance(value, Traffic):
        return value
    builder = _AssertionBuilder("<python>")
    traffic = builder.traffic(_to_node(value, NOWHERE), what)
    if builder.diagnostics or traffic is None:
        raise ValueError(builder.diagnostics[0].message if builder.diagnostics else f"bad traffic {value!r}")
    if builder.icmp_codes:
        # A Traffic has no ICMP codes: dropping one would silently check code 0 instead.
        raise ValueError(f"{what}: an icmp code belongs to an assertion (write it as a mapping with "
                         "icmp_code, or `icmp/3:4` in an assertion's traffic), not to a traffic value")
    return traffic


def _to_node(value: object, loc: Location) -> Node:
    """Python data -> a located tree, so that Python and YAML assertions share one reader."""
    if isinstance(value, Mapping):
        entries = {str(k): _to_node(v, loc) for k, v in value.items()}
        return Map(entries, {k: loc for k in entries}, loc)
    if isinstance(value, (list, tuple)):
        return Seq(tuple(_to_node(v, loc) for v in value), loc)
    if value is None or isinstance(value, (str, int, float, bool)):
        return Scalar(value, loc)
    return Scalar(str(value), loc)


def _raise_errors(diagnostics: list[Diagnostic]) -> None:
    if any(d.severity is Severity.ERROR for d in diagnostics):
        raise DesignError(diagnostics)


def from_data(items: object, loc: Location = NOWHERE) -> tuple[Assertion, ...]:
    """Assertions from Python data: one mapping or a list of them, as written in YAML."""
    node = _to_node(items if isinstance(items, (list, tuple)) else [items], loc)
    builder = _AssertionBuilder(loc.file)
    out = builder.items(node, "assertions")
    _raise_errors(builder.diagnostics)
    return tuple(out)


def load_assertion_file(path: str | os.PathLike[str]) -> AssertionFile:
    """Read an assertion file; raise DesignError listing every problem in it."""
    path = os.fspath(path)
    root = load_file(path, what="assertion file")
    builder = _AssertionBuilder(path)
    design: str | None = None
    description = ""
    if isinstance(root, Seq):
        items = builder.items(root, "assertions")
    else:
        body = builder.as_map(root, "assertion file")
        items = []
        if body is not None:
            builder.check_keys(body, "assertion file", FILE_KEYS, ("assertions",))
            version = body.get("version")
            if version is not None and not (isinstance(version, Scalar) and version.value in (1, "1")):
                builder.error("version", f"version: unsupported format version {kind_of(version)} (expected 1)",
                              version.loc)
            design_text = builder.string(body.get("design"), "design")
            if design_text is not None:
                design = os.path.normpath(os.path.join(os.path.dirname(path), design_text))
            description = builder.string(body.get("description"), "description") or ""
            node = body.get("assertions")
            if node is not None:
                items = builder.items(node, "assertions")
    _raise_errors(builder.diagnostics)
    return AssertionFile(path, tuple(items), design, description)


def load_design_assertions(design_path: str | os.PathLike[str]) -> AssertionFile:
    """The `assertions:` section of a design file (empty when it has none, or for a snapshot folder)."""
    path = os.fspath(design_path)
    if os.path.isdir(path):
        return AssertionFile(path, ())
    root = load_file(path)
    builder = _AssertionBuilder(path)
    items: list[Assertion] = []
    if isinstance(root, Map) and root.get("assertions") is not None:
        items = builder.items(root.entries["assertions"], "assertions")
    _raise_errors(builder.diagnostics)
    return AssertionFile(path, tuple(items), path)


def sibling_file(design_path: str | os.PathLike[str]) -> str | None:
    """`<design>.assertions.yaml` (or .yml) beside a design file, if it exists."""
    path = os.fspath(design_path)
    stem, _ = os.path.splitext(path)
    for ext in (".yaml", ".yml"):
        candidate = f"{stem}.assertions{ext}"
        if os.path.isfile(candidate):
            return candidate
    return None
