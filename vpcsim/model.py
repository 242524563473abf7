"""Model: the frozen records of a design (VPCs, subnets, routes, rules...), each with its location.

Addresses are ints (IPv4 today), prefixes are `Cidr`s, which carry their width; names are the
design's own. Nothing here checks cross-references: that is `validate`'s job.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from vpcsim.core import addr_max, ranges
from vpcsim.errors import Location

NOWHERE = Location("<builtin>", 0, 0)
EMPTY_TAGS: Mapping[str, str] = MappingProxyType({})
EMPTY_SECTIONS: Mapping[str, Mapping[str, object]] = MappingProxyType({})


def _no_tags() -> Mapping[str, str]:
    return EMPTY_TAGS

PROTOCOL_NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "all": -1, "-1": -1}
PROTOCOL_LABELS = {6: "tcp", 17: "udp", 1: "icmp", -1: "all"}


def protocol_label(proto: int) -> str:
    return PROTOCOL_LABELS.get(proto, str(proto))


# ASCII only: str.isdigit() also accepts '²' and '١٩٢', which int() rejects or reads as 192.
_DECIMAL_RE = re.compile(r"-?(?:0|[1-9][0-9]{0,11})")
_OCTET_RE = re.compile(r"0|[1-9][0-9]{0,2}")


def parse_decimal(text: str) -> int | None:
    """A plain ASCII decimal ('443', '-1'), or None.

    No sign but '-', no leading zeros (YAML 1.1 reads 0022 as octal 18), no '_', and at most
    12 digits, so int() never meets its 4,300-digit limit.
    """
    return int(text) if _DECIMAL_RE.fullmatch(text) else None


def short(value: object, limit: int = 60) -> str:
    """A value for a message: repr of text cut to `limit`, huge ints by their size (str() refuses them)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"a {int(value.bit_length() * 0.30103) + 1}-digit number"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-1] if isinstance(value, str) else ''}"


def number_hint(text: str) -> str:
    """Why `text` is not a plain decimal, when the reason is not obvious; else ''."""
    body = text.strip().lstrip("+-")
    if not body:
        return ""
    if body.isascii() and len(body) > 1 and body[0] == "0" and body.isdigit():
        return f" ({text!r} has a leading zero; YAML 1.1 reads it as octal: write it without)"
    if ":" in body and all(part.isascii() and part.isdigit() for part in body.split(":")):
        return f" ({text!r} is a YAML 1.1 base-60 number; quote a range as 'lo-hi')"
    if body[:2].lower() in ("0x", "0o", "0b") or "_" in body:
        return f" ({text!r} is not plain decimal)"
    if any(c.isdigit() and not c.isascii() for c in body):
        return f" ({text!r} has non-ASCII digits)"
    if body.isascii() and body.isdigit() and len(body) > 12:
        return f" ({len(body)} digits)"
    return ""


def ip_to_int(text: str) -> int:
    """Parse a dotted IPv4 address strictly ('10.0.0.1'); ValueError quotes the input.

    ASCII digits only, as stdlib ipaddress: '١٩٢.0.2.10' is not 192.0.2.10.
    """
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not an IPv4 address (expected a string a.b.c.d)")
    parts = text.split(".")
    if len(parts) != 4:
        raise ValueError(f"{text!r} is not an IPv4 address (expected four numbers a.b.c.d)")
    value = 0
    for part in parts:
        if not _OCTET_RE.fullmatch(part):
            raise ValueError(f"{text!r} is not an IPv4 address (bad octet {part!r})")
        octet = int(part)
        if octet > 255:
            raise ValueError(f"{text!r} is not an IPv4 address (octet {octet} > 255)")
        value = value << 8 | octet
    return value


def int_to_ip(value: int) -> str:
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


IPV4_BITS = 32
IPV6_BITS = 128
# `private_ip: auto` in a design: the address AWS assigns at launch (Interface.dynamic).
AUTO_ADDRESS = "auto"


def parse_address(text: str) -> tuple[int, int]:
    """An address written as text, as (value, width in bits); ValueError quotes the input.

    The seam for address families: IPv4 is parsed here; IPv6 text (it has a ':') is refused
    until IPv6 parsing lands, and then returns (value, IPV6_BITS) from this one place.
    """
    if ":" in text:
        raise ValueError(f"{text!r} is an IPv6 address, which vpcsim does not simulate yet (expected a.b.c.d)")
    return ip_to_int(text), IPV4_BITS


def format_address(value: int, bits: int = IPV4_BITS) -> str:
    """An address as text: dotted for IPv4, RFC 5952 (compressed, lowercase) for IPv6."""
    if bits == IPV4_BITS:
        return int_to_ip(value)
    import ipaddress  # formatting only (parsing is ours, strict); imported late to keep `import vpcsim` light

    return str(ipaddress.IPv6Address(value))


@dataclass(frozen=True, slots=True, order=True)
class Cidr:
    """An IP prefix over ints (IPv4 unless `bits` says otherwise); strict: host bits must be zero.

    Prefixes of different widths are never equal (0.0.0.0/0 is not ::/0) and never overlap.
    Order is by (network, length, bits), so sort one width at a time where order matters.
    """

    network: int
    length: int
    bits: int = IPV4_BITS

    @classmethod
    def parse(cls, text: str) -> Cidr:
        if "/" not in text:
            raise ValueError(f"{text!r} is not a CIDR block (expected a.b.c.d/n)")
        addr, _, length_text = text.partition("/")
        network, bits = parse_address(addr)
        length = parse_decimal(length_text)
        if length is None or not 0 <= length <= bits:
            raise ValueError(f"{text!r} is not a CIDR block (prefix length must be 0-{bits})")
        mask = ((1 << length) - 1) << (bits - length)
        if network & ~mask & addr_max(bits):
            raise ValueError(
                f"{text!r} has host bits set (expected {format_address(network & mask, bits)}/{length})"
            )
        return cls(network, length, bits)

    @classmethod
    def of(cls, text: str) -> Cidr:
        """A CIDR block, or one address as the block of just itself (/32, or /128 for IPv6)."""
        if "/" in text:
            return cls.parse(text)
        network, bits = parse_address(text)
        return cls(network, bits, bits)

    @property
    def first(self) -> int:
        return self.network

    @property
    def last(self) -> int:
        return self.network | ((1 << (self.bits - self.length)) - 1)

    @property
    def size(self) -> int:
        return 1 << (self.bits - self.length)

    def contains(self, addr: int) -> bool:
        """Whether an address of this prefix's width lies in it."""
        return self.first <= addr <= self.last

    def covers(self, other: Cidr) -> bool:
        return self.bits == other.bits and self.first <= other.first and other.last <= self.last

    def overlaps(self, other: Cidr) -> bool:
        return self.bits == other.bits and self.first <= other.last and other.first <= self.last

    def __str__(self) -> str:
        return f"{format_address(self.network, self.bits)}/{self.length}"

    @staticmethod
    def covers_space(cidrs: Iterable[Cidr], bits: int = IPV4_BITS) -> bool:
        """Whether the cidrs of width `bits` together hold every address of it (all of 0.0.0.0/0 for 32).

        Prefixes of other widths count for nothing: AWS routes and rules for 0.0.0.0/0 and
        ::/0 are separate entries.
        """
        runs = ranges.normalize((c.first, c.last) for c in cidrs if c.bits == bits)
        return runs == ((0, addr_max(bits)),)


ANY_CIDR = Cidr(0, 0)


class TargetKind(enum.Enum):
    LOCAL = "local"
    INTERNET_GATEWAY = "internet_gateway"
    NAT_GATEWAY = "nat_gateway"
    PEERING = "peering"
    INSTANCE = "instance"
    INTERFACE = "interface"
    BLACKHOLE = "blackhole"
    UNSUPPORTED = "unsupported"
    COMPONENT = "component"  # a target a component module registered (Route.target_section says which)


@dataclass(frozen=True, slots=True)
class Route:
    destination: Cidr | None  # None when the destination is a prefix list
    prefix_list: str | None
    target_kind: TargetKind
    target: str | None  # a name; None for local and blackhole
    blackhole: bool = False  # AWS `State: blackhole`
    loc: Location = field(default=NOWHERE, compare=False)
    target_section: str | None = None  # TargetKind.COMPONENT: the route key of its section

    def describe_target(self) -> str:
        if self.target_kind is TargetKind.BLACKHOLE:
            return "blackhole"
        if self.target_kind is TargetKind.LOCAL:
            return "local"
        if self.target_kind is TargetKind.COMPONENT:
            return f"{self.target_section} {self.target}"
        return f"{self.target_kind.value} {self.target}"

    def describe_destination(self) -> str:
        return str(self.destination) if self.destination else f"prefix list {self.prefix_list}"


@dataclass(frozen=True, slots=True)
class RouteTable:
    name: str
    vpc: str
    routes: tuple[Route, ...]
    main: bool = False
    implicit: bool = False  # made by vpcsim because the design left it out
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class NaclRule:
    number: int
    allow: bool
    protocol: int  # -1 = all
    port_lo: int
    port_hi: int
    cidr: Cidr
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class NetworkAcl:
    name: str
    vpc: str
    inbound: tuple[NaclRule, ...]
    outbound: tuple[NaclRule, ...]
    default: bool = False
    implicit: bool = False
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


class PeerKind(enum.Enum):
    CIDR = "cidr"
    SECURITY_GROUP = "security_group"
    PREFIX_LIST = "prefix_list"


@dataclass(frozen=True, slots=True)
class SgRule:
    protocol: int
    port_lo: int
    port_hi: int
    peer_kind: PeerKind
    cidr: Cidr | None = None
    peer: str | None = None  # group or prefix-list name (groups resolved to a full name)
    description: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)

    def describe_peer(self) -> str:
        if self.peer_kind is PeerKind.CIDR:
            return str(self.cidr)
        return f"{self.peer_kind.value.replace('_', ' ')} {self.peer}"


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    name: str
    vpc: str
    ingress: tuple[SgRule, ...]
    egress: tuple[SgRule, ...]
    default: bool = False
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Vpc:
    name: str
    cidrs: tuple[Cidr, ...]
    main_route_table: str  # always set: an implicit table when the design names none
    default_network_acl: str
    default_security_group: str
    aws_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=_no_tags, compare=False)
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Subnet:
    name: str
    vpc: str
    cidr: Cidr
    az: str
    route_table: str  # resolved: the explicit association, else the VPC's main table
    network_acl: str  # resolved: the explicit association, else the VPC's default NACL
    explicit_route_table: bool = False
    explicit_network_acl: bool = False
    aws_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=_no_tags, compare=False)
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class InternetGateway:
    name: str
    vpc: str
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class NatGateway:
    name: str
    subnet: str
    public: bool
    elastic_ip: int | None
    private_ip: int
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Peering:
    name: str
    requester: str
    accepter: str
    status: str = "active"
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class PrefixList:
    name: str
    entries: tuple[Cidr, ...]
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Interface:
    name: str
    instance: str | None
    subnet: str
    private_ips: tuple[int, ...]  # first is primary
    public_ip: int | None
    security_groups: tuple[str, ...]  # full group names
    source_dest_check: bool = True
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)
    # `private_ip: auto`: AWS picks some free address of the subnet at launch (DHCP). private_ips
    # holds a representative; vpcsim.reach.addresses decides verdicts for every address it may get.
    dynamic: bool = False
    # The AWS service behind it (an interface endpoint's): it answers connections, never opens one.
    service: str | None = None

    @property
    def primary_ip(self) -> int:
        return self.private_ips[0]


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    interfaces: tuple[str, ...]
    state: str = "running"
    aws_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=_no_tags, compare=False)
    loc: Location = field(default=NOWHERE, compare=False)

    @property
    def running(self) -> bool:
        return self.state == "running"


@dataclass(frozen=True, slots=True)
class Unsupported:
    name: str
    kind: str
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Design:
    """A whole design. Maps are read-only and keyed by name, in the order written."""

    file: str
    region: str
    availability_zones: tuple[str, ...]
    vpcs: Mapping[str, Vpc]
    subnets: Mapping[str, Subnet]
    route_tables: Mapping[str, RouteTable]
    network_acls: Mapping[str, NetworkAcl]
    security_groups: Mapping[str, SecurityGroup]
    internet_gateways: Mapping[str, InternetGateway]
    nat_gateways: Mapping[str, NatGateway]
    peerings: Mapping[str, Peering]
    prefix_lists: Mapping[str, PrefixList]
    instances: Mapping[str, Instance]
    interfaces: Mapping[str, Interface]
    unsupported: Mapping[str, Unsupported]
    description: str = ""
    # Sections component modules add to the format (loader.extensions): key -> name -> record.
    extensions: Mapping[str, Mapping[str, object]] = field(default_factory=lambda: EMPTY_SECTIONS)
    loc: Location = field(default=NOWHERE, compare=False)
