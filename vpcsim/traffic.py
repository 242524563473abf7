"""Traffic: exact sets of flows by protocol (tcp/udp ports, ICMP and ICMPv6 types, other IP protocols) and their short form.

The port-set algebra every analysis and promise shares: union, intersection and difference over
sorted disjoint runs (`core.ports_*`), so "anything but 80 and 443" is a finite value. The short
form (`tcp/80,443`, `udp/53`, `icmp/8`, `icmpv6/128`, `47`, `any`) is parsed here; assertion files add
locations around it (`loader.assertions`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

import vpcsim.core as core
from vpcsim.model import number_hint, parse_decimal, short
from vpcsim.records import record

__all__ = ["ANY", "PortRuns", "Traffic", "TrafficKind", "describe_member", "parse_short", "port_list",
           "protocol_kind", "whole"]

PortRuns = core.PortRuns


class TrafficKind(enum.Enum):
    """The five port spaces a flow lives in; `IP` holds the other IP protocols by number."""

    TCP = "tcp"
    UDP = "udp"
    ICMP = "icmp"  # ICMP types 0-255 (code 0)
    ICMPV6 = "icmpv6"  # ICMPv6 (protocol 58) types 0-255 (code 0)
    IP = "ip"  # IP protocol numbers other than 1, 6, 17 and 58 (no ports)

    @property
    def universe(self) -> PortRuns:
        return _UNIVERSE[self]

    @property
    def protocol(self) -> int | None:
        """The IP protocol number of the kind; None for IP (one number per member)."""
        return _PROTOCOLS.get(self)

    @property
    def icmp(self) -> bool:
        """ICMP or ICMPv6: its members are types (0-255), each walked with a code."""
        return self in (TrafficKind.ICMP, TrafficKind.ICMPV6)

    @classmethod
    def of_protocol(cls, number: int) -> TrafficKind:
        """The kind of an IP protocol number: 6 tcp, 17 udp, 1 icmp, 58 icmpv6, others IP."""
        return _KINDS.get(number, TrafficKind.IP)


_UNIVERSE: dict[TrafficKind, PortRuns] = {
    TrafficKind.TCP: ((0, 65535),),
    TrafficKind.UDP: ((0, 65535),),
    TrafficKind.ICMP: ((0, 255),),
    TrafficKind.ICMPV6: ((0, 255),),
    TrafficKind.IP: ((0, 0), (2, 5), (7, 16), (18, 57), (59, 255)),
}
_PROTOCOLS: dict[TrafficKind, int] = {TrafficKind.TCP: 6, TrafficKind.UDP: 17, TrafficKind.ICMP: 1,
                                      TrafficKind.ICMPV6: 58}
_KINDS: dict[int, TrafficKind] = {number: kind for kind, number in _PROTOCOLS.items()}


_OPS = {"or": core.ports_union, "and": core.ports_intersect, "sub": core.ports_subtract}


@record
class Traffic:
    """A set of flows by protocol: tcp/udp ports, ICMP and ICMPv6 types, other IP protocol numbers.

    Every set operation is exact (sorted, disjoint runs), so "anything but 80 and 443" is a
    finite value: `Traffic.any() - Traffic.parse('tcp/80,443')`.
    """

    tcp: PortRuns = ()
    udp: PortRuns = ()
    icmp: PortRuns = ()
    icmpv6: PortRuns = ()
    ip: PortRuns = ()

    @classmethod
    def any(cls) -> Traffic:
        return cls(*(kind.universe for kind in TrafficKind))

    @classmethod
    def none(cls) -> Traffic:
        return cls()

    @classmethod
    def of(cls, kind: TrafficKind, runs: Iterable[tuple[int, int]]) -> Traffic:
        clipped = core.ports_intersect(core.ports_normalize(runs), kind.universe)
        return cls(**{kind.value: clipped})

    @classmethod
    def parse(cls, text: str) -> Traffic:
        """Traffic from its short form (`tcp/80,443`, `udp/53`, `icmp/8`, `icmpv6/128`, `47`, `any`); ValueError if bad."""
        try:
            return parse_short(text.strip())
        except ValueError as exc:
            raise ValueError(f"traffic: {exc}") from None

    def runs(self, kind: TrafficKind) -> PortRuns:
        value: PortRuns = getattr(self, kind.value)
        return value

    def _combine(self, other: Traffic, op: str) -> Traffic:
        # Field by field, not over TrafficKind: analyses combine Traffic values millions of times.
        fn = _OPS[op]
        return Traffic(tuple(fn(self.tcp, other.tcp)), tuple(fn(self.udp, other.udp)),
                       tuple(fn(self.icmp, other.icmp)), tuple(fn(self.icmpv6, other.icmpv6)),
                       tuple(fn(self.ip, other.ip)))

    def __or__(self, other: Traffic) -> Traffic:
        return self._combine(other, "or")

    def __and__(self, other: Traffic) -> Traffic:
        return self._combine(other, "and")

    def __sub__(self, other: Traffic) -> Traffic:
        return self._combine(other, "sub")

    def __bool__(self) -> bool:
        return bool(self.tcp or self.udp or self.icmp or self.icmpv6 or self.ip)

    def __contains__(self, item: tuple[TrafficKind, int]) -> bool:
        kind, port = item
        return any(lo <= port <= hi for lo, hi in self.runs(kind))

    def first(self) -> tuple[TrafficKind, int] | None:
        """The smallest member: tcp before udp before icmp before icmpv6 before other protocols."""
        for kind in TrafficKind:
            runs = self.runs(kind)
            if runs:
                return kind, runs[0][0]
        return None

    def size(self) -> int:
        return sum(hi - lo + 1 for k in TrafficKind for lo, hi in self.runs(k))

    def describe(self) -> str:
        """`tcp 80,443; icmp type 8`, `any traffic`, `nothing`."""
        if self == Traffic.any():
            return "any traffic"
        parts = []
        for kind in TrafficKind:
            runs = self.runs(kind)
            if not runs:
                continue
            if runs == kind.universe:
                parts.append(
                    {
                        TrafficKind.TCP: "tcp (all ports)",
                        TrafficKind.UDP: "udp (all ports)",
                        TrafficKind.ICMP: "icmp (all types)",
                        TrafficKind.ICMPV6: "icmpv6 (all types)",
                        TrafficKind.IP: "every other IP protocol",
                    }[kind]
                )
                continue
            text = _runs_text(runs)
            if kind.icmp:
                plural = "s" if len(runs) > 1 or runs[0][0] != runs[0][1] else ""
                parts.append(f"{kind.value} type{plural} {text}")
            elif kind is TrafficKind.IP:
                plural = "s" if len(runs) > 1 or runs[0][0] != runs[0][1] else ""
                parts.append(f"IP protocol{plural} {text}")
            else:
                parts.append(f"{kind.value} {text}")
        return "; ".join(parts) or "nothing"

    def to_json(self) -> dict[str, list[list[int]]]:
        return {k.value: [list(r) for r in self.runs(k)] for k in TrafficKind if self.runs(k)}


def _runs_text(runs: Sequence[tuple[int, int]]) -> str:
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in runs)


def describe_member(kind: TrafficKind, port: int) -> str:
    """One flow of a kind: `tcp 443`, `icmp type 8`, `icmpv6 type 128`, `IP protocol 47`."""
    if kind.icmp:
        return f"{kind.value} type {port}"
    if kind is TrafficKind.IP:
        return f"IP protocol {port}"
    return f"{kind.value} {port}"


ANY = Traffic.any()


def protocol_kind(text: str) -> tuple[TrafficKind | None, int | None]:
    """(kind, protocol number) of a protocol word; (None, None) for any/all; ValueError if unknown."""
    word = text.strip().lower()
    if word in ("any", "all", "-1"):
        return None, None
    if word in ("tcp", "udp", "icmp", "icmpv6"):
        kind = TrafficKind(word)
        return kind, kind.protocol
    number = parse_decimal(word)
    if number is not None and 0 <= number <= 255:
        return TrafficKind.of_protocol(number), number
    raise ValueError(f"unknown protocol {short(text)} (expected tcp, udp, icmp, icmpv6, any or 0-255){number_hint(word)}")


def whole(kind: TrafficKind, number: int | None) -> Traffic:
    """All of a protocol: every port or type, or one IP protocol number."""
    if kind is TrafficKind.IP and number is not None:
        return Traffic.of(kind, [(number, number)])
    return Traffic.of(kind, kind.universe)


def port_list(text: str, top: int) -> list[tuple[int, int]]:
    """`80,443,8000-8100` -> runs within 0-top; ValueError naming the bad part."""
    runs = []
    for part in text.split(","):
        part = part.strip()
        lo_text, sep, hi_text = part.partition("-")
        lo_text, hi_text = lo_text.strip(), hi_text.strip()
        lo, hi = parse_decimal(lo_text), parse_decimal(hi_text) if sep else parse_decimal(lo_text)
        if lo is not None and hi is not None and 0 <= lo <= hi <= top:
            runs.append((lo, hi))
            continue
        label = "icmp type" if top == 255 else "port"
        hint = number_hint(lo_text) or number_hint(hi_text)
        raise ValueError(f"invalid {label} {short(part)} (expected N or lo-hi within 0-{top}){hint}")
    return runs


def parse_short(text: str) -> Traffic:
    """One item of the short form: `tcp/80,443`, `udp`, `icmp/8`, `icmpv6/128`, `47`, `any`; ValueError if bad."""
    proto_text, sep, ports_text = text.partition("/")
    kind, number = protocol_kind(proto_text)
    if kind is None:
        if sep:
            raise ValueError(f"{short(text)}: 'any' takes no ports")
        return ANY
    if not sep:
        return whole(kind, number)
    if kind is TrafficKind.IP:
        raise ValueError(f"{short(text)}: protocol {number} has no ports")
    return Traffic.of(kind, port_list(ports_text, 255 if kind.icmp else 65535))
