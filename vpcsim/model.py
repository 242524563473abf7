"""Model: the frozen records of a design (VPCs, subnets, routes, rules...), each with its location.

Addresses are ints, prefixes are `Cidr`s, which carry their width; names are the design's own.
An address's family is read off its value: an IPv6 address of a design is always above
0xFFFFFFFF (`parse_ip` refuses the deprecated IPv4-compatible block ::/96), so one int per
address serves both families and the two never collide in an index. Nothing here checks cross-references: that is `validate`'s job.
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

# ICMPv6 is protocol 58; AWS names it `icmpv6` (IpPermission.IpProtocol:
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html).
PROTOCOL_NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "all": -1, "-1": -1}
PROTOCOL_LABELS = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", -1: "all"}


def protocol_label(proto: int) -> str:
    return PROTOCOL_LABELS.get(proto, str(proto))


# ASCII only: str.isdigit() also accepts '²' and '١٩٢', which int() rejects or reads as 192.
_DECIMAL_RE = re.compile(r"-?(?:0|[1-9][0-9]{0,11})")
_OCTET_RE = re.compile(r"0|[1-9][0-9]{0,2}")
# The common case of ip_to_int in one match (a snapshot load parses 40,000 addresses at 20,000 instances).
_DOTTED_RE = re.compile(r"(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})")


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
    match = _DOTTED_RE.fullmatch(text)
    if match is not None:
        a, b, c, d = map(int, match.groups())
        if a <= 255 and b <= 255 and c <= 255 and d <= 255:
            return a << 24 | b << 16 | c << 8 | d
    parts = text.split(".")  # not the common form: find what is wrong with it
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
    """An address as text, by its family: dotted IPv4, or RFC 5952 IPv6 above 0xFFFFFFFF."""
    if value > IPV4_MAX:
        return format_address(value, IPV6_BITS)
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


IPV4_BITS = 32
IPV6_BITS = 128
IPV4_MAX = 0xFFFFFFFF
# `private_ip: auto` in a design: the address AWS picks at launch (Interface.dynamic).
AUTO_ADDRESS = "auto"
# In an interface's `private_ips` while the design is built: an IPv6 address AWS picks in the
# subnet's IPv6 block (a dual-stack load balancer's node); the loader puts the subnet's first free
# one in its place (or drops it when the subnet has no IPv6 block, which validation reports).
PICK_IPV6 = -6
_HEX_RE = re.compile(r"[0-9A-Fa-f:.]+")


def addr_bits(addr: int) -> int:
    """The width of an address's family (see the module docstring: IPv6 addresses are > 0xFFFFFFFF)."""
    return IPV4_BITS if addr <= IPV4_MAX else IPV6_BITS


def _ipv6_to_int(text: str) -> int:
    # Strict: hex digits, ':' and an embedded dotted quad only (no zone '%eth0', no brackets).
    if not _HEX_RE.fullmatch(text):
        raise ValueError(f"{text!r} is not an IPv6 address (expected hex groups such as 2600:1f18::10)")
    import ipaddress  # imported late to keep `import vpcsim` light

    try:
        return int(ipaddress.IPv6Address(text))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not an IPv6 address ({exc})") from None


def parse_address(text: str) -> tuple[int, int]:
    """An address written as text, as (value, width in bits); ValueError quotes the input.

    The one seam for address families: dotted text is IPv4, text with a ':' is IPv6.
    """
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not an IP address (expected a string a.b.c.d or an IPv6 address)")
    if ":" in text:
        return _ipv6_to_int(text), IPV6_BITS
    return ip_to_int(text), IPV4_BITS


def parse_ip(text: str) -> int:
    """One host address of either family (an interface's, a trace endpoint's); ValueError quotes it.

    IPv6 addresses in ::/96 (IPv4-compatible, deprecated by RFC 4291 section 2.5.5.1) are
    refused: no VPC assigns them, and their values would read as IPv4 ones.
    """
    value, bits = parse_address(text)
    if bits == IPV6_BITS and value <= IPV4_MAX:
        raise ValueError(f"{text!r} is an IPv4-compatible IPv6 address (::/96, deprecated by RFC 4291); "
                         "expected a global or unique-local IPv6 address")
    return value


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
        if not isinstance(text, str) or "/" not in text:
            raise ValueError(f"{text!r} is not a CIDR block (expected a.b.c.d/n or an IPv6 block such as ::/0)")
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
        """Whether an address lies in this prefix (never one of the other family: ::/0 holds no IPv4)."""
        return self.first <= addr <= self.last and (self.bits == IPV4_BITS or addr > IPV4_MAX)

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
ANY_CIDR6 = Cidr(0, 0, IPV6_BITS)


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


class RouteOrigin(enum.Enum):
    """Where a route comes from (AWS `Routes[].Origin`): written (CreateRoute) or propagated by a
    virtual private gateway (EnableVgwRoutePropagation)."""

    STATIC = "static"
    PROPAGATED = "propagated"


@dataclass(frozen=True, slots=True)
class Route:
    """One route of a route table: a destination (a CIDR or a prefix list) and where it sends traffic."""
    destination: Cidr | None  # None when the destination is a prefix list
    prefix_list: str | None
    target_kind: TargetKind
    target: str | None  # a name; None for local and blackhole
    blackhole: bool = False  # AWS `State: blackhole`
    loc: Location = field(default=NOWHERE, compare=False)
    target_section: str | None = None  # TargetKind.COMPONENT: the route key of its section
    # Propagated routes lose to static and prefix-list routes on an equal prefix; their target
    # (a virtual private gateway) is where they came from.
    origin: RouteOrigin = RouteOrigin.STATIC

    @property
    def propagated(self) -> bool:
        return self.origin is RouteOrigin.PROPAGATED

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
    """A VPC route table: its routes, whether it is the main one, and the gateways edge-associated with it."""
    name: str
    vpc: str
    routes: tuple[Route, ...]
    main: bool = False
    implicit: bool = False  # made by vpcsim because the design left it out
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)
    # Gateways (internet gateways, or `unsupported` virtual private gateways) this table is
    # edge-associated with: a gateway route table routes the traffic entering the VPC there.
    edge_associations: tuple[str, ...] = ()
    edge_locs: tuple[Location, ...] = field(default=(), compare=False)
    # Virtual private gateways whose routes this table takes as propagated routes
    # (EnableVgwRoutePropagation; AWS `PropagatingVgws`): `build` adds them.
    propagating_vgws: tuple[str, ...] = ()
    propagating_locs: tuple[Location, ...] = field(default=(), compare=False)

    @property
    def gateway_table(self) -> bool:
        return bool(self.edge_associations)


@dataclass(frozen=True, slots=True)
class NaclRule:
    """One numbered entry of a network ACL, in one direction."""
    number: int
    allow: bool
    protocol: int  # -1 = all
    port_lo: int
    port_hi: int
    cidr: Cidr
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class NetworkAcl:
    """A network ACL: its inbound and outbound entries, evaluated in number order (stateless)."""
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
    """One security group rule: a protocol and port range from or to a CIDR, group or prefix list."""
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
    """A security group: its ingress and egress rules (stateful, allow only)."""
    name: str
    vpc: str
    ingress: tuple[SgRule, ...]
    egress: tuple[SgRule, ...]
    default: bool = False
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


AMAZON_PROVIDED_DNS = "AmazonProvidedDNS"


@dataclass(frozen=True, slots=True)
class DhcpOptions:
    """A VPC's DHCP options set: the DNS servers (and domain, NTP servers) its instances are told to use.

    `dns_servers` in the order given; None stands for AmazonProvidedDNS (the Route 53 Resolver).
    AWS's default set names AmazonProvidedDNS only:
    https://docs.aws.amazon.com/vpc/latest/userguide/VPC_DHCP_Options.html
    """

    dns_servers: tuple[int | None, ...] = (None,)
    domain_name: str | None = None
    ntp_servers: tuple[int, ...] = ()
    name: str | None = None
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)

    @property
    def amazon_dns(self) -> bool:
        return None in self.dns_servers

    @property
    def custom_dns(self) -> tuple[int, ...]:
        return tuple(s for s in self.dns_servers if s is not None)


DEFAULT_DHCP_OPTIONS = DhcpOptions()


@dataclass(frozen=True, slots=True)
class Vpc:
    """A VPC: its CIDRs and its main route table, default network ACL and default security group."""
    name: str
    cidrs: tuple[Cidr, ...]
    main_route_table: str  # always set: an implicit table when the design names none
    default_network_acl: str
    default_security_group: str
    aws_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=_no_tags, compare=False)
    loc: Location = field(default=NOWHERE, compare=False)
    # AWS's enableDnsSupport (the Route 53 Resolver answers) and enableDnsHostnames.
    enable_dns_support: bool = True
    enable_dns_hostnames: bool = False
    dhcp_options: DhcpOptions = DEFAULT_DHCP_OPTIONS
    region: str | None = None  # None: the design's region
    cidr_locs: tuple[Location, ...] = field(default=(), compare=False)  # one per CIDR, when written
    attribute_locs: Mapping[str, Location] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    def cidr_loc(self, index: int) -> Location:
        return self.cidr_locs[index] if index < len(self.cidr_locs) else self.loc

    # `cidrs` holds the IPv4 blocks first (AWS: a VPC always has one), then the IPv6 ones.
    @property
    def ipv4_cidrs(self) -> tuple[Cidr, ...]:
        return tuple(c for c in self.cidrs if c.bits == IPV4_BITS)

    @property
    def ipv6_cidrs(self) -> tuple[Cidr, ...]:
        return tuple(c for c in self.cidrs if c.bits == IPV6_BITS)

    @property
    def has_ipv6(self) -> bool:
        return any(c.bits == IPV6_BITS for c in self.cidrs)


@dataclass(frozen=True, slots=True)
class Subnet:
    """A subnet: its CIDR, availability zone and the route table and network ACL it uses."""
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
    # A dual-stack subnet's /64; an IPv6-only subnet has it as `cidr` too (and no IPv4 block).
    ipv6_cidr: Cidr | None = None
    # DNS64 (AWS EnableDns64): the Resolver answers its IPv6 clients' lookups of IPv4-only names with
    # 64:ff9b::/96 addresses, which a NAT gateway translates (NAT64).
    enable_dns64: bool = False

    @property
    def cidrs(self) -> tuple[Cidr, ...]:
        """Its blocks: the IPv4 one and/or the IPv6 one."""
        if self.ipv6_cidr is None or self.ipv6_cidr == self.cidr:
            return (self.cidr,)
        return (self.cidr, self.ipv6_cidr)

    @property
    def ipv6_only(self) -> bool:
        return self.cidr.bits == IPV6_BITS

    def holds(self, addr: int) -> bool:
        """Whether an address of either family lies in this subnet."""
        if addr <= IPV4_MAX:
            return self.cidr.bits == IPV4_BITS and self.cidr.first <= addr <= self.cidr.last
        six = self.ipv6_cidr
        return six is not None and six.first <= addr <= six.last

    def cidr_of(self, bits: int) -> Cidr | None:
        """Its block of one family (None: it has none)."""
        return next((c for c in self.cidrs if c.bits == bits), None)


@dataclass(frozen=True, slots=True)
class InternetGateway:
    """An internet gateway attached to a VPC."""
    name: str
    vpc: str
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class NatGateway:
    """A NAT gateway in a subnet, public (with an Elastic IP) or private."""
    name: str
    subnet: str
    public: bool
    elastic_ip: int | None
    private_ip: int
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)
    # Secondary private IPs, each with its Elastic IP on a public NAT gateway (private, EIP or None).
    # vpcsim translates to the primary address; the secondary ones are owned, not chosen.
    secondary_ips: tuple[tuple[int, int | None], ...] = ()

    @property
    def private_ips(self) -> tuple[int, ...]:
        return (self.private_ip, *(priv for priv, _ in self.secondary_ips))

    @property
    def elastic_ips(self) -> tuple[int, ...]:
        primary = (self.elastic_ip,) if self.elastic_ip is not None else ()
        return primary + tuple(pub for _, pub in self.secondary_ips if pub is not None)

    def private_for(self, public: int) -> int:
        """The private IP an Elastic IP of this NAT gateway is bound to (the primary by default)."""
        return next((priv for priv, pub in self.secondary_ips if pub == public), self.private_ip)


@dataclass(frozen=True, slots=True)
class Peering:
    """A VPC peering connection between a requester and an accepter VPC."""
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
    """A managed prefix list: named CIDR entries that routes and rules may refer to."""
    name: str
    entries: tuple[Cidr, ...]
    aws_id: str | None = None
    loc: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Interface:
    """A network interface (ENI): its subnet, addresses and security groups."""
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
    # Elastic IPs bound to secondary private IPs, (private, public): the IGW's 1:1 NAT is per
    # private IP (`public_ip` is the primary's).
    secondary_public_ips: tuple[tuple[int, int], ...] = ()
    # The AWS service behind it (an interface endpoint's): it answers connections, never opens one.
    service: str | None = None
    # IPv6 prefixes delegated to it (prefix delegation, /80s): it owns every address in them.
    ipv6_prefixes: tuple[Cidr, ...] = ()
    # `ipv6_address_count: N`: AWS picks N addresses of the subnet's /64 at launch; private_ips
    # holds representatives, and vpcsim.reach.addresses decides verdicts for every one it may pick.
    ipv6_dynamic: int = 0

    @property
    def primary_ip(self) -> int:
        return self.private_ips[0]

    @property
    def picked(self) -> bool:
        """Whether AWS picks some of its addresses at launch (`private_ip: auto`, `ipv6_address_count`)."""
        return self.dynamic or self.ipv6_dynamic > 0

    # `private_ips` holds the IPv4 addresses first, then the IPv6 ones (all of them private IPs
    # in AWS's sense: owned by the interface; IPv6 ones are also globally routable).
    @property
    def ipv6_ips(self) -> tuple[int, ...]:
        return tuple(a for a in self.private_ips if a > IPV4_MAX)

    def address_of(self, bits: int) -> int | None:
        """Its first address of one family (None: it has none)."""
        if bits == IPV4_BITS:
            return next((a for a in self.private_ips if a <= IPV4_MAX), None)
        return next((a for a in self.private_ips if a > IPV4_MAX), None)

    def public_for(self, private: int) -> int | None:
        """The public or Elastic IP bound to one of this interface's private IPs (None: none)."""
        if self.private_ips and private == self.private_ips[0]:
            return self.public_ip
        return next((pub for priv, pub in self.secondary_public_ips if priv == private), None)

    def private_for(self, public: int) -> int | None:
        """The private IP a public or Elastic IP of this interface is bound to."""
        if public == self.public_ip and self.private_ips:
            return self.private_ips[0]
        return next((priv for priv, pub in self.secondary_public_ips if pub == public), None)

    @property
    def public_ips(self) -> tuple[int, ...]:
        return ((self.public_ip,) if self.public_ip is not None else ()) + tuple(p for _, p in self.secondary_public_ips)


@dataclass(frozen=True, slots=True)
class Instance:
    """An instance and the names of its interfaces, in device order."""
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
    """A resource the design names but vpcsim does not simulate (kept to say so)."""
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
