"""Build: a located tree -> a `Design` of frozen records, plus structural diagnostics.

Checks shapes, types, unknown keys, CIDR/address/port syntax and that every reference names
an object of the right kind; fills in AWS's defaults (main route table, default NACL, default
security group, allow-all egress, auto-assigned private IPs). AWS's semantic rules (overlaps,
reserved addresses, quotas...) are `validate`'s job.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from mypy_extensions import mypyc_attr

import vpcsim.facts as facts
import vpcsim.ip_ranges as ip_ranges
from vpcsim.core import ICMP_PROTOS, PROTO_ICMP, PROTO_ICMPV6
from vpcsim.errors import Diagnostic, Location, Severity
from vpcsim.loader import extensions
from vpcsim.loader.reader import Built, Map, Node, Scalar, Seq, kind_of
from vpcsim.model import (
    AMAZON_PROVIDED_DNS,
    ANY_CIDR,
    ANY_CIDR6,
    AUTO_ADDRESS,
    DEFAULT_DHCP_OPTIONS,
    EMPTY_TAGS,
    IPV4_BITS,
    IPV4_MAX,
    IPV6_BITS,
    PICK_IPV6,
    PROTOCOL_NAMES,
    Cidr,
    Design,
    DhcpOptions,
    Instance,
    Interface,
    InternetGateway,
    NaclRule,
    NatGateway,
    NetworkAcl,
    Peering,
    PeerKind,
    PrefixList,
    Route,
    RouteOrigin,
    RouteTable,
    SecurityGroup,
    SgRule,
    Subnet,
    TargetKind,
    Unsupported,
    Vpc,
    int_to_ip,
    ip_to_int,
    number_hint,
    parse_decimal,
    parse_ip,
    protocol_label,
    short,
)

T = TypeVar("T")

_FLAG_WORDS = {"yes": True, "on": True, "no": False, "off": False}
NAME_RE = re.compile(r"^[A-Za-z0-9._/:\-]{1,128}$")
COMMON_KEYS = ("aws_id", "description", "tags")
TOP_KEYS = (
    "version",
    "description",
    "region",
    "availability_zones",
    "vpcs",
    "subnets",
    "route_tables",
    "network_acls",
    "security_groups",
    "internet_gateways",
    "nat_gateways",
    "peerings",
    "prefix_lists",
    "instances",
    "unsupported",
    "assertions",
)
ROUTE_TARGETS = {
    "internet_gateway": TargetKind.INTERNET_GATEWAY,
    "nat_gateway": TargetKind.NAT_GATEWAY,
    "peering": TargetKind.PEERING,
    "instance": TargetKind.INSTANCE,
    "interface": TargetKind.INTERFACE,
    "blackhole": TargetKind.BLACKHOLE,
    "unsupported": TargetKind.UNSUPPORTED,
}
ALL_PORTS = (0, 65535)


def default_group_name(vpc: str) -> str:
    return f"{vpc}/default"


def implicit_main_table_name(vpc: str) -> str:
    return f"{vpc}/main"


def implicit_default_acl_name(vpc: str) -> str:
    return f"{vpc}/default-acl"


def allow_all_nacl(loc: Location, ipv6: bool = False) -> tuple[NaclRule, ...]:
    """The default NACL's rules: 100 allows all IPv4, and on a VPC with IPv6, 101 allows all IPv6
    (https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html)."""
    rules = (NaclRule(100, True, -1, 0, 65535, ANY_CIDR, loc),)
    return (*rules, NaclRule(101, True, -1, 0, 65535, ANY_CIDR6, loc)) if ipv6 else rules


@dataclass(slots=True)
class _VpcAttributes:
    """What a VPC says besides its CIDRs and defaults (read before the VPC record is made)."""

    enable_dns_support: bool = True
    enable_dns_hostnames: bool = False
    dhcp_options: DhcpOptions = DEFAULT_DHCP_OPTIONS
    region: str | None = None
    cidr_locs: tuple[Location, ...] = ()
    attribute_locs: Mapping[str, Location] = field(default_factory=lambda: MappingProxyType({}))


# (compiled by setup.py: loader.assertions' builder subclasses this one)
@mypyc_attr(allow_interpreted_subclasses=True)
class Builder:
    """Reads one design tree; `diagnostics` collects every problem found on the way."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []

    # -- reporting ---------------------------------------------------------------------------

    def error(self, code: str, message: str, loc: Location) -> None:
        self.diagnostics.append(Diagnostic(Severity.ERROR, code, message, loc))

    def warning(self, code: str, message: str, loc: Location) -> None:
        self.diagnostics.append(Diagnostic(Severity.WARNING, code, message, loc))

    # -- typed readers ----------------------------------------------------------------------

    def as_map(self, node: Node, what: str) -> Map | None:
        if isinstance(node, Map):
            return node
        self.error("type", f"{what}: expected a mapping, got {kind_of(node)}", node.loc)
        return None

    def as_list(self, node: Node, what: str) -> tuple[Node, ...]:
        if isinstance(node, Seq):
            return node.items
        self.error("type", f"{what}: expected a list, got {kind_of(node)}", node.loc)
        return ()

    def check_keys(
        self, node: Map, what: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
    ) -> None:
        if node.keys.keys() - allowed:  # one set operation for the common case: no unknown key
            for key, loc in node.keys.items():
                if key not in allowed:
                    expected = ", ".join(allowed)
                    self.error("unknown-key", f"{what}: unknown key {key!r} (expected one of: {expected})", loc)
        for key in required:
            if key not in node.entries:
                self.error("missing-key", f"{what}: missing required key {key!r}", node.loc)
        if "description" in allowed and what != "design":  # free text, but text: not a list, a mapping or null
            self.string(node.get("description"), f"{what}: description")

    def string(self, node: Node | None, what: str) -> str | None:
        if node is None:
            return None
        if isinstance(node, Scalar) and isinstance(node.value, str) and node.value != "":
            return node.value
        if isinstance(node, Scalar) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            if isinstance(node.value, int) and node.value.bit_length() > 128:  # str() refuses 4,300+ digits
                self.error("type", f"{what}: expected a string, got {kind_of(node)}", node.loc)
                return None
            return str(node.value)
        self.error("type", f"{what}: expected a string, got {kind_of(node)}", node.loc)
        return None

    def boolean(self, node: Node | None, what: str, default: bool) -> bool:
        if node is None:
            return default
        if isinstance(node, Scalar) and isinstance(node.value, bool):
            return node.value
        # The reader leaves YAML 1.1's yes/no/on/off as text (a tag `NO` stays "NO"); as a flag they mean it.
        if isinstance(node, Scalar) and isinstance(node.value, str) and node.value.lower() in _FLAG_WORDS:
            return _FLAG_WORDS[node.value.lower()]
        self.error("type", f"{what}: expected true or false, got {kind_of(node)}", node.loc)
        return default

    def integer(self, node: Node | None, what: str, lo: int, hi: int) -> int | None:
        if node is None:
            return None
        value = node.value if isinstance(node, Scalar) else None
        if isinstance(value, str) and parse_decimal(value.strip()) is not None:
            value = parse_decimal(value.strip())
        if isinstance(value, int) and not isinstance(value, bool):
            if lo <= value <= hi:
                return value
            self.error("range", f"{what}: {short(value)} is out of range (expected {lo}-{hi})", node.loc)
            return None
        hint = number_hint(value) if isinstance(value, str) else ""
        self.error("type", f"{what}: expected a whole number {lo}-{hi}, got {kind_of(node)}{hint}", node.loc)
        return None

    def cidr(self, node: Node | None, what: str) -> Cidr | None:
        text = self.string(node, what)
        if text is None or node is None:
            return None
        try:
            return Cidr.parse(text.strip())
        except ValueError as exc:
            self.error("cidr", f"{what}: {exc}", node.loc)
            return None

    def address(self, node: Node | None, what: str, ipv6: bool = False) -> int | None:
        """An IPv4 address, or with `ipv6` an IPv6 one (a located error for the other family)."""
        text = self.string(node, what)
        if text is None or node is None:
            return None
        try:
            if ipv6:
                value = parse_ip(text.strip())
                if value <= IPV4_MAX:
                    raise ValueError(f"{text.strip()!r} is an IPv4 address (expected an IPv6 address)")
                return value
            return ip_to_int(text.strip())
        except ValueError as exc:
            self.error("address", f"{what}: {exc}", node.loc)
            return None

    def cidr_of_family(self, node: Node | None, what: str, bits: int) -> Cidr | None:
        """A CIDR block of one family: `ipv6_cidr` keys take IPv6 blocks, `cidr` keys IPv4 ones."""
        one = self.cidr(node, what)
        if one is not None and node is not None and one.bits != bits:
            want = "an IPv6 block such as 2600:1f18:abcd:ef00::/56" if bits == IPV6_BITS else \
                "an IPv4 block (IPv6 blocks go under the ipv6_cidr / ipv6_cidrs keys)"
            self.error("cidr", f"{what}: {one} is an IPv{4 if one.bits == IPV4_BITS else 6} block (expected {want})",
                       node.loc)
            return None
        return one

    def name_list(self, node: Node | None, what: str) -> list[tuple[str, Location]]:
        if node is None:
            return []
        out = []
        for item in self.as_list(node, what):
            text = self.string(item, what)
            if text is not None:
                out.append((text, item.loc))
        return out

    def tags(self, node: Map) -> Mapping[str, str]:
        tags_node = node.get("tags")
        if tags_node is None:
            return EMPTY_TAGS
        tags_map = self.as_map(tags_node, "tags")
        if tags_map is None:
            return EMPTY_TAGS
        out = {}
        for key, value in tags_map.entries.items():
            if isinstance(value, Scalar) and isinstance(value.value, str):
                out[key] = value.value
            elif isinstance(value, Scalar) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
                out[key] = short(value.value, 1000)
            elif isinstance(value, Scalar) and isinstance(value.value, bool):
                out[key] = str(value.value).lower()
            else:
                self.error("type", f"tag {key!r}: expected a string value, got {kind_of(value)}", value.loc)
        return MappingProxyType(out)

    def section(
        self, root: Map, key: str, read: Callable[[str, Map], T | None],
        built: Callable[[str, Built], T | None] | None = None,
    ) -> dict[str, T]:
        """Read a top-level `name -> object` map, calling `read` for each well-formed entry (and
        `built` for what an importer built as records: `reader.Built`)."""
        out: dict[str, T] = {}
        node = root.get(key)
        if node is None:
            return out
        if isinstance(node, Scalar) and node.value is None:
            return out
        section = self.as_map(node, key)
        if section is None:
            return out
        for name, value in section.entries.items():
            if not NAME_RE.match(name):
                self.error(
                    "name",
                    f"{key}: {name!r} is not a valid name (expected 1-128 letters, digits, . _ - / :)",
                    section.keys[name],
                )
                continue
            if built is not None and isinstance(value, Built):  # (an importer's: not a Node)
                item = built(name, value)
                if item is not None:
                    out[name] = item
                continue
            body = self.as_map(value, f"{key}.{name}")
            if body is None:
                continue
            item = read(name, body)
            if item is not None:
                out[name] = item
        return out

    # -- protocols and ports ----------------------------------------------------------------

    def protocol(self, node: Node | None, what: str) -> int | None:
        if node is None:
            self.error("missing-key", f"{what}: missing required key 'protocol'", Location(self.file, 0, 0))
            return None
        value = node.value if isinstance(node, Scalar) else None
        if isinstance(value, str) and value.lower() in PROTOCOL_NAMES:
            return PROTOCOL_NAMES[value.lower()]
        if isinstance(value, str) and parse_decimal(value.strip()) is not None:
            value = parse_decimal(value.strip())
        if isinstance(value, int) and not isinstance(value, bool):
            if value == -1:
                return -1
            if 0 <= value <= 255:
                return value
        hint = number_hint(value) if isinstance(value, str) else ""
        self.error(
            "protocol",
            f"{what}: protocol must be tcp, udp, icmp, icmpv6, all, -1 or 0-255, not {kind_of(node)}{hint}",
            node.loc,
        )
        return None

    def ports(self, rule: Map, proto: int, what: str) -> tuple[int, int] | None:
        """A rule's port range; ICMP and ICMPv6 type/code become the core's type*256+code ports."""
        ports_node = rule.get("ports")
        if proto in ICMP_PROTOS:
            label = protocol_label(proto)
            if ports_node is not None:
                self.error("ports", f"{what}: {label} rules take icmp_type/icmp_code, not ports", ports_node.loc)
                return None
            icmp_type = self.integer(rule.get("icmp_type"), f"{what}: icmp_type", -1, 255)
            icmp_code = self.integer(rule.get("icmp_code"), f"{what}: icmp_code", -1, 255)
            if icmp_type is None or icmp_type == -1:
                if icmp_type == -1 and icmp_code is not None and icmp_code != -1:
                    # "If you specify all ICMP/ICMPv6 types, you must specify all ICMP/ICMPv6 codes"
                    # (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html).
                    self.error("icmp-code", f"{what}: icmp_code {icmp_code} with icmp_type -1 (all types): AWS "
                               "requires all codes (-1) with all types", rule.entries["icmp_code"].loc)
                    return None
                return ALL_PORTS
            if icmp_code is None or icmp_code == -1:
                return (icmp_type * 256, icmp_type * 256 + 255)
            return (icmp_type * 256 + icmp_code, icmp_type * 256 + icmp_code)
        for key in ("icmp_type", "icmp_code"):
            if rule.get(key) is not None:
                self.error("ports", f"{what}: {key} is only for icmp and icmpv6 rules", rule.keys[key])
        if ports_node is None:
            return ALL_PORTS
        if proto not in (6, 17):
            self.error(
                "ports",
                f"{what}: ports only apply to tcp and udp (protocol {proto} matches every port)",
                ports_node.loc,
            )
            return None
        return self.port_range(ports_node, what)

    def icmp_family(self, proto: int, ports: tuple[int, int], cidr: Cidr, rule: Map, what: str, *,
                    nacl: bool) -> tuple[int, int]:
        """An icmp rule's CIDR against its protocol's family: warned where AWS takes the rule but it
        cannot match what its author meant; an ICMPv6 NACL rule for an IPv4 CIDR admits every type.

        - ICMP (1) with an IPv6 CIDR: AWS accepts it, but ICMPv6 is protocol 58, so the rule matches
          no IPv6 traffic (hashicorp/terraform-provider-aws#9569: "doesn't do anything since
          IPv6-ICMP is a different protocol").
        - ICMPv6 (58) with an IPv4 CIDR: no IPv4 packet carries ICMPv6. On a NACL, AWS ignores the
          types: "If you specify protocol 58 (ICMPv6) and specify an IPv4 CIDR block, traffic for all
          ICMP types and codes [is] allowed, regardless of any that you specify"
          (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html).
        """
        six = cidr.bits == IPV6_BITS
        node = rule.entries.get("cidr")
        loc = node.loc if node is not None else rule.loc
        if proto == PROTO_ICMP and six:
            self.warning("icmp-family", f"{what}: protocol icmp (1) with IPv6 CIDR {cidr} matches no ICMPv6 "
                         "traffic (ICMPv6 is protocol 58: write protocol: icmpv6)", loc)
        elif proto == PROTO_ICMPV6 and not six:
            ignored = nacl and ports != ALL_PORTS
            self.warning("icmp-family", f"{what}: protocol icmpv6 (58) with IPv4 CIDR {cidr} matches no ICMPv6 "
                         "traffic (ICMPv6 runs over IPv6: write an IPv6 CIDR, or protocol: icmp for IPv4)"
                         + ("; AWS ignores its icmp_type/icmp_code and matches every type" if ignored else ""),
                         loc)
            if nacl:
                return ALL_PORTS
        return ports

    def port_range(self, node: Node, what: str) -> tuple[int, int] | None:
        value = node.value if isinstance(node, Scalar) else None
        if isinstance(value, int) and not isinstance(value, bool):
            if 0 <= value <= 65535:
                return (value, value)
        elif isinstance(value, str):
            text = value.strip()
            lo_text, sep, hi_text = text.partition("-")
            single = parse_decimal(text)
            if single is not None and 0 <= single <= 65535:
                return (single, single)
            lo, hi = parse_decimal(lo_text.strip()), parse_decimal(hi_text.strip())
            if sep and lo is not None and hi is not None and 0 <= lo <= hi <= 65535:
                return (lo, hi)
        hint = ""
        if isinstance(value, str):
            hint = next((h for h in map(number_hint, (value, *value.split("-"))) if h), "")
        self.error(
            "ports",
            f"{what}: ports must be a port 0-65535 or a range 'lo-hi', not {kind_of(node)}{hint}",
            node.loc,
        )
        return None


def build(root: Node, file: str) -> tuple[Design, list[Diagnostic]]:
    """Build a Design from a located tree; never raises for bad input, returns diagnostics."""
    return _DesignBuilder(file).run(root)


class _DesignBuilder(Builder):
    def run(self, root_node: Node) -> tuple[Design, list[Diagnostic]]:
        root = self.as_map(root_node, "design")
        if root is None:
            root = Map({}, {}, root_node.loc)
        extension_keys = tuple(x.key for x in extensions.sections())
        self.check_keys(root, "design", (*TOP_KEYS, *extension_keys), ("region", "vpcs"))
        version = root.get("version")
        if version is not None and not (isinstance(version, Scalar) and not isinstance(version.value, bool)
                                        and version.value in (1, "1")):
            self.error("version", f"version: this vpcsim reads format version 1, not {kind_of(version)}", version.loc)
        region = self.string(root.get("region"), "region") or ""
        description = self.string(root.get("description"), "description") or ""
        azs = tuple(name for name, _ in self.name_list(root.get("availability_zones"), "availability_zones"))

        # First pass: names of every kind, so references can be checked in any order.
        self.names: dict[str, set[str]] = {}
        for key in TOP_KEYS:
            node = root.get(key)
            if isinstance(node, Map):
                self.names[key] = set(node.entries)
            else:
                self.names[key] = set()
        self.root = root

        self.vpc_nodes: dict[str, Map] = {}
        vpcs_node = root.get("vpcs")
        written = vpcs_node is not None and vpcs_node.loc.line > 0 and vpcs_node.loc.path is None
        if written and vpcs_node is not None and (
            (isinstance(vpcs_node, Scalar) and vpcs_node.value is None)
            or (isinstance(vpcs_node, Map) and not vpcs_node.entries)
        ):
            # `vpcs: ~` or `vpcs: {}` written in a design models nothing, and every check would pass.
            # (An account snapshot may hold no VPC at all: Batfish's Direct Connect cases do.)
            got = "an empty mapping" if isinstance(vpcs_node, Map) else kind_of(vpcs_node)
            self.error("vpcs", f"vpcs: expected at least one VPC, got {got}", vpcs_node.loc)
        vpcs_raw = self.section(root, "vpcs", self.read_vpc_raw)
        prefix_lists = self.section(root, "prefix_lists", self.read_prefix_list)
        self.prefix_list_names = set(prefix_lists)
        self.managed_lists: dict[str, PrefixList] = {}  # AWS-managed lists named but not written (ip_ranges)
        route_tables = self.section(root, "route_tables", self.read_route_table)
        network_acls = self.section(root, "network_acls", self.read_nacl)
        self.declared_groups = self.names["security_groups"]
        groups = self.section(root, "security_groups", self.read_security_group)
        igws = self.section(root, "internet_gateways", self.read_igw)
        peerings = self.section(root, "peerings", self.read_peering)
        unsupported = self.section(root, "unsupported", self.read_unsupported)
        extra: dict[str, dict[str, object]] = {}
        for ext in extensions.sections():
            extra[ext.key] = self.section(root, ext.key, self.extension_reader(ext))
        self.extra = extra
        self.add_implied_routes(route_tables, extra, region)
        self.add_propagated_routes(route_tables, extra)
        prefix_lists.update(self.managed_lists)

        vpcs: dict[str, Vpc] = {}
        for name, (cidrs, main_rt, default_acl, default_sg_rules, aws_id, tags, loc) in vpcs_raw.items():
            mains = [rt for rt in route_tables.values() if rt.vpc == name and rt.main]
            if main_rt is None and len(mains) == 1:
                main_rt = mains[0].name
            elif main_rt is not None and mains and mains[0].name != main_rt:
                self.error(
                    "main-route-table",
                    f"vpc {name}: main_route_table is {main_rt!r} but route table "
                    f"{mains[0].name!r} says main: true (expected one main table)",
                    mains[0].loc,
                )
            if len(mains) > 1:
                self.error(
                    "main-route-table",
                    f"vpc {name}: {len(mains)} route tables say main: true (expected at most one)",
                    mains[1].loc,
                )
            if main_rt is None:
                main_rt = implicit_main_table_name(name)
                route_tables[main_rt] = RouteTable(main_rt, name, (), main=True, implicit=True, loc=loc)
            defaults = [acl for acl in network_acls.values() if acl.vpc == name and acl.default]
            if default_acl is None and len(defaults) == 1:
                default_acl = defaults[0].name
            elif len(defaults) > 1 or (default_acl is not None and defaults and defaults[0].name != default_acl):
                self.error(
                    "default-network-acl",
                    f"vpc {name}: more than one network ACL is marked as its default (expected one)",
                    defaults[-1].loc,
                )
            if default_acl is None:
                default_acl = implicit_default_acl_name(name)
                rules = allow_all_nacl(loc, any(c.bits == IPV6_BITS for c in cidrs))
                network_acls[default_acl] = NetworkAcl(default_acl, name, rules, rules, True, True, loc=loc)
            sg_name = default_group_name(name)
            ingress, egress = default_sg_rules
            groups[sg_name] = SecurityGroup(
                sg_name, name, ingress, egress, default=True, aws_id=self.default_sg_ids.get(name), loc=loc
            )
            a = self.vpc_attributes.get(name) or _VpcAttributes()
            vpcs[name] = Vpc(name, cidrs, main_rt, default_acl, sg_name, aws_id, tags, loc,
                             enable_dns_support=a.enable_dns_support, enable_dns_hostnames=a.enable_dns_hostnames,
                             dhcp_options=a.dhcp_options, region=a.region, cidr_locs=a.cidr_locs,
                             attribute_locs=a.attribute_locs)

        for name, rt in list(route_tables.items()):
            if rt.vpc in vpcs and vpcs[rt.vpc].main_route_table == name and not rt.main:
                route_tables[name] = dataclasses.replace(rt, main=True)

        self.vpcs = vpcs
        subnets = self.section(root, "subnets", self.read_subnet)
        self.subnets = subnets
        nat_gateways = self.section(root, "nat_gateways", self.read_nat)
        interfaces: dict[str, Interface] = {}
        self.interfaces = interfaces
        instances = self.section(root, "instances", self.read_instance, self.read_built)
        for ext in extensions.sections():
            owned = ext.interfaces
            for obj in extra[ext.key].values() if owned is not None else ():
                for eni in owned(obj) if owned is not None else ():
                    if eni.name in interfaces or eni.name in instances:
                        self.error("duplicate-name", f"{ext.label} {getattr(obj, 'name', '?')}: its interface "
                                   f"{eni.name!r} is named like another interface or instance (expected unique "
                                   "names)", eni.loc)
                        continue
                    interfaces[eni.name] = eni
            members = ext.instances
            for obj in extra[ext.key].values() if members is not None else ():
                for member in members(obj) if members is not None else ():
                    if member.name in instances or (member.name in interfaces and member.name not in member.interfaces):
                        self.error("duplicate-name", f"{ext.label} {getattr(obj, 'name', '?')}: its instance "
                                   f"{member.name!r} is named like another instance or interface (expected unique "
                                   "names)", member.loc)
                        continue
                    instances[member.name] = member

        self.check_route_targets(route_tables, igws, nat_gateways, peerings, instances, interfaces, unsupported)
        self.check_group_refs(groups)
        self.assign_addresses(subnets, nat_gateways, interfaces)
        nat_gateways = self.assigned_nats
        interfaces = self.assigned_interfaces

        design = Design(
            file=self.file,
            region=region,
            availability_zones=azs or tuple(sorted({s.az for s in subnets.values()})),
            vpcs=MappingProxyType(vpcs),
            subnets=MappingProxyType(subnets),
            route_tables=MappingProxyType(route_tables),
            network_acls=MappingProxyType(network_acls),
            security_groups=MappingProxyType(groups),
            internet_gateways=MappingProxyType(igws),
            nat_gateways=MappingProxyType(nat_gateways),
            peerings=MappingProxyType(peerings),
            prefix_lists=MappingProxyType(prefix_lists),
            instances=MappingProxyType(instances),
            interfaces=MappingProxyType(interfaces),
            unsupported=MappingProxyType(unsupported),
            description=description,
            extensions=MappingProxyType({key: MappingProxyType(objs) for key, objs in extra.items()}),
            loc=root.loc,
        )
        return design, self.diagnostics

    def add_implied_routes(self, route_tables: dict[str, RouteTable], extra: dict[str, dict[str, object]],
                           region: str) -> None:
        """Routes AWS adds for a section's entries (extensions.Section.routes), appended to their tables."""
        for ext in extensions.sections():
            implied = ext.routes
            for obj in extra[ext.key].values() if implied is not None else ():
                for table_name, route in implied(obj, region) if implied is not None else ():
                    table = route_tables.get(table_name)
                    plist = route.prefix_list
                    if plist is not None and plist not in self.names["prefix_lists"] and not self.managed_list(
                            plist, route.loc):
                        self.warning("implied-route", f"route table {table_name}: the route from prefix list {plist} "
                                     f"to {ext.label} {route.target} is left out: the design has no such list, and "
                                     f"{ip_ranges.current().describe()} has no entries for it (expected prefix_lists: "
                                     f"{{{plist}: {{entries: [...]}}}}, which `aws ec2 get-managed-prefix-list-entries` "
                                     "lists, or --aws-ip-ranges FILE with a current copy)", route.loc)
                        continue
                    if table is not None and route not in table.routes:
                        route_tables[table_name] = dataclasses.replace(table, routes=(*table.routes, route))

    def add_propagated_routes(self, route_tables: dict[str, RouteTable], extra: dict[str, dict[str, object]]) -> None:
        """A table's `propagating_vgws`: each gateway's routes, added as propagated routes to it
        (EnableVgwRoutePropagation); validation checks the gateway is attached to the table's VPC."""
        owners = [ext for ext in extensions.sections() if ext.propagates is not None and ext.route_key]
        for table_name, table in list(route_tables.items()):
            added: list[Route] = []
            for name, loc in zip(table.propagating_vgws, table.propagating_locs, strict=True):
                ext = next((x for x in owners if name in extra[x.key]), None)
                if ext is None or ext.propagates is None:
                    known = sorted(n for x in owners for n in extra[x.key])
                    hint = f" (known: {', '.join(known[:8])})" if known else " (none declared under vpn_gateways)"
                    self.error("unknown-reference", f"route table {table_name}: propagating_vgws: no virtual private "
                               f"gateway named {name!r}{hint}", loc)
                    continue
                for cidr in ext.propagates(extra[ext.key][name], table.vpc, extra):
                    route = Route(cidr, None, TargetKind.COMPONENT, name, loc=loc, target_section=ext.route_key,
                                  origin=RouteOrigin.PROPAGATED)
                    if route not in table.routes and route not in added:
                        added.append(route)
            if added:
                route_tables[table_name] = dataclasses.replace(table, routes=(*table.routes, *added))

    def extension_reader(self, ext: extensions.Section) -> Callable[[str, Map], object | None]:
        def read(name: str, body: Map) -> object | None:
            return ext.read(self, name, body)

        return read

    # -- references -------------------------------------------------------------------------

    def ref(self, node: Node | None, what: str, section: str, kind: str) -> str | None:
        """Read a reference to an object in `section`; report it when it names nothing."""
        name = self.string(node, what)
        if name is None or node is None:
            return None
        if section == "prefix_lists" and name not in self.names[section] and self.managed_list(name, node.loc):
            return name
        if name not in self.names.get(section, set()):
            known = sorted(self.names.get(section, set()))
            hint = f" (known: {', '.join(known[:8])}{', ...' if len(known) > 8 else ''})" if known else ""
            self.error("unknown-reference", f"{what}: no {kind} named {name!r}{hint}", node.loc)
            return None
        return name

    def managed_list(self, name: str, loc: Location) -> bool:
        """An AWS-managed prefix list (com.amazonaws.<region>.s3 / .dynamodb) the design names but does
        not write: its entries from AWS's ip-ranges.json (vpcsim.ip_ranges; --aws-ip-ranges)."""
        parts = name.split(".")
        if len(parts) != 4 or parts[:2] != ["com", "amazonaws"] or parts[3] not in facts.GATEWAY_ENDPOINT_SERVICES:
            return False
        entries = ip_ranges.current().service(parts[3], parts[2])
        if not entries:
            return False
        self.managed_lists.setdefault(name, PrefixList(name, entries, None, loc))
        self.names["prefix_lists"].add(name)
        return True

    def vpc_ref(self, body: Map, what: str) -> str | None:
        if body.get("vpc") is None:
            self.error("missing-key", f"{what}: missing required key 'vpc'", body.loc)
            return None
        return self.ref(body.get("vpc"), f"{what}: vpc", "vpcs", "vpc")

    def group_ref(self, node: Node, what: str, vpc: str | None) -> str | None:
        name = self.string(node, what)
        if name is None:
            return None
        if name == "default" and vpc is not None:
            return default_group_name(vpc)
        if name.endswith("/default") and name[: -len("/default")] in self.names["vpcs"]:
            return name
        if name not in self.declared_groups:
            known = sorted(self.declared_groups)
            hint = f" (known: {', '.join(known[:8])}{', ...' if len(known) > 8 else ''})" if known else ""
            self.error("unknown-reference", f"{what}: no security group named {name!r}{hint}", node.loc)
            return None
        return name

    # -- sections ---------------------------------------------------------------------------

    def read_vpc_raw(
        self, name: str, body: Map
    ) -> tuple[
        tuple[Cidr, ...],
        str | None,
        str | None,
        tuple[tuple[SgRule, ...], tuple[SgRule, ...]],
        str | None,
        Mapping[str, str],
        Location,
    ] | None:
        what = f"vpc {name}"
        self.check_keys(
            body,
            what,
            ("cidrs", "cidr", "ipv6_cidrs", "ipv6_cidr", "main_route_table", "default_network_acl",
             "default_security_group", "region", "enable_dns_support", "enable_dns_hostnames", "dhcp_options",
             *COMMON_KEYS),
        )
        self.read_vpc_attributes(name, body)
        cidrs: list[Cidr] = []
        cidr_locs: list[Location] = []
        if body.get("cidr") is not None and body.get("cidrs") is not None:
            self.error("vpc-cidr", f"{what}: give either cidr or cidrs, not both", body.loc)
        if body.get("cidr") is not None:
            one = self.cidr_of_family(body.get("cidr"), f"{what}: cidr", IPV4_BITS)
            if one:
                cidrs.append(one)
                cidr_locs.append(body.entries["cidr"].loc)
        elif body.get("cidrs") is not None:
            items = self.as_list(body.entries["cidrs"], f"{what}: cidrs")
            if isinstance(body.entries["cidrs"], Seq) and not items:  # AWS: a VPC has a primary CIDR block
                self.error("type", f"{what}: cidrs: expected at least one CIDR block, got an empty list",
                           body.entries["cidrs"].loc)
            for item in items:
                one = self.cidr_of_family(item, f"{what}: cidrs", IPV4_BITS)
                if one:
                    cidrs.append(one)
                    cidr_locs.append(item.loc)
        else:
            # AWS: every VPC has an IPv4 block, dual-stack ones too (IPv6-only is a subnet choice).
            self.error("missing-key", f"{what}: missing required key 'cidrs'", body.loc)
        # IPv6 blocks (Amazon-provided /56, or from BYOIP / IPAM pools) follow the IPv4 ones.
        if body.get("ipv6_cidr") is not None and body.get("ipv6_cidrs") is not None:
            self.error("vpc-cidr", f"{what}: give either ipv6_cidr or ipv6_cidrs, not both", body.loc)
        six_items: list[Node] = []
        if body.get("ipv6_cidr") is not None:
            six_items = [body.entries["ipv6_cidr"]]
        elif body.get("ipv6_cidrs") is not None:
            six_items = list(self.as_list(body.entries["ipv6_cidrs"], f"{what}: ipv6_cidrs"))
        for item in six_items:
            one = self.cidr_of_family(item, f"{what}: ipv6_cidrs", IPV6_BITS)
            if one:
                cidrs.append(one)
                cidr_locs.append(item.loc)
        ipv6 = any(c.bits == IPV6_BITS for c in cidrs)
        if ipv6:
            self.ipv6_vpcs.add(name)
        main_rt = self.ref(body.get("main_route_table"), f"{what}: main_route_table", "route_tables", "route table")
        default_acl = self.ref(
            body.get("default_network_acl"), f"{what}: default_network_acl", "network_acls", "network ACL"
        )
        group_name = default_group_name(name)
        # The default group sends anywhere; ::/0 only when the VPC has IPv6
        # (https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html).
        everyone: tuple[SgRule, ...] = (SgRule(-1, 0, 65535, PeerKind.CIDR, ANY_CIDR, loc=body.loc),)
        if ipv6:
            everyone += (SgRule(-1, 0, 65535, PeerKind.CIDR, ANY_CIDR6, loc=body.loc),)
        members = SgRule(-1, 0, 65535, PeerKind.SECURITY_GROUP, peer=group_name, loc=body.loc)
        rules: tuple[tuple[SgRule, ...], tuple[SgRule, ...]] = ((members,), everyone)
        sg_node = body.get("default_security_group")
        if sg_node is not None:
            sg_map = self.as_map(sg_node, f"{what}: default_security_group")
            if sg_map is not None:
                self.check_keys(
                    sg_map, f"{what}: default_security_group", ("ingress", "egress", "aws_id", "description")
                )
                default_sg_id = self.string(sg_map.get("aws_id"), f"{what}: default_security_group: aws_id")
                if default_sg_id is not None:
                    self.default_sg_ids[name] = default_sg_id
                ingress = self.sg_rules(sg_map.get("ingress"), f"{what}: default_security_group ingress", name)
                egress = (
                    self.sg_rules(sg_map.get("egress"), f"{what}: default_security_group egress", name)
                    if sg_map.get("egress") is not None
                    else everyone
                )
                rules = (ingress, egress)
        aws_id = self.string(body.get("aws_id"), f"{what}: aws_id")
        self.vpc_nodes[name] = body
        self.vpc_attributes[name].cidr_locs = tuple(cidr_locs)
        return (tuple(cidrs), main_rt, default_acl, rules, aws_id, self.tags(body), body.loc)

    def read_vpc_attributes(self, name: str, body: Map) -> None:
        """A VPC's region, DNS attributes and DHCP options set, kept for its `Vpc` record."""
        what = f"vpc {name}"
        attrs = _VpcAttributes()
        attrs.attribute_locs = MappingProxyType({
            key: body.keys[key] for key in ("enable_dns_support", "enable_dns_hostnames", "region", "dhcp_options")
            if key in body.keys
        })
        attrs.enable_dns_support = self.boolean(body.get("enable_dns_support"), f"{what}: enable_dns_support", True)
        attrs.enable_dns_hostnames = self.boolean(
            body.get("enable_dns_hostnames"), f"{what}: enable_dns_hostnames", False)
        attrs.region = self.string(body.get("region"), f"{what}: region")
        node = body.get("dhcp_options")
        if node is not None:
            attrs.dhcp_options = self.dhcp_options(node, f"{what}: dhcp_options") or DEFAULT_DHCP_OPTIONS
        self.vpc_attributes[name] = attrs

    def dhcp_options(self, node: Node, what: str) -> DhcpOptions | None:
        """A DHCP options set: domain_name_servers (AmazonProvidedDNS or addresses), domain_name, ntp_servers."""
        body = self.as_map(node, what)
        if body is None:
            return None
        self.check_keys(body, what, ("domain_name_servers", "domain_name", "ntp_servers", "name", "aws_id",
                                     "description"))
        servers: list[int | None] = []
        servers_node = body.get("domain_name_servers")
        if servers_node is None:
            servers.append(None)  # AWS's default set
        else:
            items = self.as_list(servers_node, f"{what}: domain_name_servers")
            if isinstance(servers_node, Seq) and not items:
                self.error("type", f"{what}: domain_name_servers: expected AmazonProvidedDNS or up to four "
                           "IPv4 addresses, got an empty list", servers_node.loc)
            for item in items:
                text = self.string(item, f"{what}: domain_name_servers")
                if text is None:
                    continue
                if text == AMAZON_PROVIDED_DNS:
                    servers.append(None)
                    continue
                try:
                    servers.append(ip_to_int(text.strip()))
                except ValueError as exc:
                    self.error("address", f"{what}: domain_name_servers: {exc} (or {AMAZON_PROVIDED_DNS})",
                               item.loc)
        ntp: list[int] = []
        ntp_node = body.get("ntp_servers")
        if ntp_node is not None:
            for item in self.as_list(ntp_node, f"{what}: ntp_servers"):
                one = self.address(item, f"{what}: ntp_servers")
                if one is not None:
                    ntp.append(one)
        return DhcpOptions(
            tuple(servers),
            self.string(body.get("domain_name"), f"{what}: domain_name"),
            tuple(ntp),
            self.string(body.get("name"), f"{what}: name"),
            self.string(body.get("aws_id"), f"{what}: aws_id"),
            body.loc,
        )

    def read_prefix_list(self, name: str, body: Map) -> PrefixList | None:
        what = f"prefix list {name}"
        self.check_keys(body, what, ("entries", *COMMON_KEYS), ("entries",))
        entries = []
        entries_node = body.get("entries")
        if entries_node is not None:
            for item in self.as_list(entries_node, f"{what}: entries"):
                one = self.cidr(item, f"{what}: entries")
                if one:
                    entries.append(one)
        return PrefixList(name, tuple(entries), self.string(body.get("aws_id"), "aws_id"), body.loc)

    def read_route_table(self, name: str, body: Map) -> RouteTable | None:
        what = f"route table {name}"
        self.check_keys(body, what, ("vpc", "main", "routes", "edge_associations", "propagating_vgws", *COMMON_KEYS))
        vpc = self.vpc_ref(body, what)
        edges: list[tuple[str, Location]] = []
        for gateway, loc in self.name_list(body.get("edge_associations"), f"{what}: edge_associations"):
            # An internet gateway, or a virtual private gateway (declared under `unsupported`).
            if gateway not in self.names["internet_gateways"] and gateway not in self.names["unsupported"]:
                self.error("unknown-reference", f"{what}: edge_associations: no internet gateway or virtual private "
                           f"gateway (unsupported component) named {gateway!r}", loc)
                continue
            edges.append((gateway, loc))
        main = self.boolean(body.get("main"), f"{what}: main", False)
        propagating = self.name_list(body.get("propagating_vgws"), f"{what}: propagating_vgws")
        routes: list[Route] = []
        routes_node = body.get("routes")
        if routes_node is not None and not (isinstance(routes_node, Scalar) and routes_node.value is None):
            for index, item in enumerate(self.as_list(routes_node, f"{what}: routes")):
                route = self.read_route(item, f"{what}: route {index + 1}")
                if route is not None:
                    routes.append(route)
        if vpc is None:
            return None
        return RouteTable(name, vpc, tuple(routes), main, False, self.string(body.get("aws_id"), "aws_id"), body.loc,
                          tuple(g for g, _ in edges), tuple(loc for _, loc in edges),
                          tuple(n for n, _ in propagating), tuple(loc for _, loc in propagating))

    def read_route(self, node: Node, what: str) -> Route | None:
        body = self.as_map(node, what)
        if body is None:
            return None
        targets_known = (*ROUTE_TARGETS, *(x.route_key for x in extensions.sections() if x.route_key))
        self.check_keys(body, what, ("destination", "destination_prefix_list", "state", "origin", *targets_known,
                                     "description"))
        origin = RouteOrigin.STATIC
        origin_text = self.string(body.get("origin"), f"{what}: origin")
        if origin_text is not None:
            try:
                origin = RouteOrigin(origin_text)
            except ValueError:
                self.error("route", f"{what}: origin {origin_text!r} (expected static or propagated)",
                           body.entries["origin"].loc)
        destination = None
        prefix_list = None
        dests = [k for k in ("destination", "destination_prefix_list") if k in body.entries]
        if len(dests) != 1:
            self.error(
                "route",
                f"{what}: expected exactly one of destination, destination_prefix_list (got {len(dests)})",
                body.loc,
            )
            return None
        if dests[0] == "destination":
            destination = self.cidr(body.get("destination"), f"{what}: destination")
            if destination is None:
                return None
        else:
            prefix_list = self.ref(
                body.get("destination_prefix_list"), f"{what}: destination_prefix_list", "prefix_lists", "prefix list"
            )
            if prefix_list is None:
                return None
        targets = [k for k in targets_known if k in body.entries]
        if len(targets) != 1:
            self.error(
                "route",
                f"{what}: expected exactly one target ({', '.join(targets_known)}), got {len(targets)}",
                body.loc,
            )
            return None
        key = targets[0]
        kind = ROUTE_TARGETS.get(key, TargetKind.COMPONENT)
        route_key = None if key in ROUTE_TARGETS else key  # a component module's target
        target_node = body.entries[key]
        blackhole = False
        state = self.string(body.get("state"), f"{what}: state")
        if state is not None:
            if state not in ("active", "blackhole"):
                self.error("route", f"{what}: state {state!r} (expected active or blackhole)", body.entries["state"].loc)
            blackhole = state == "blackhole"
        target: str | None = None
        if kind is TargetKind.BLACKHOLE:
            if not (isinstance(target_node, Scalar) and target_node.value is True):
                self.error("route", f"{what}: blackhole: expected true, got {kind_of(target_node)}", target_node.loc)
            blackhole = True
        else:
            # Targets are checked once every section is read (instances declare interfaces).
            target = self.string(target_node, f"{what}: {key}")
            if target is None:
                return None
            self.pending_targets.append((kind, target, target_node.loc, what, route_key))
        return Route(destination, prefix_list, kind, target, blackhole, body.loc, route_key, origin)

    pending_targets: list[tuple[TargetKind, str, Location, str, str | None]]

    def read_nacl(self, name: str, body: Map) -> NetworkAcl | None:
        what = f"network ACL {name}"
        self.check_keys(body, what, ("vpc", "inbound", "outbound", "default", *COMMON_KEYS))
        vpc = self.vpc_ref(body, what)
        inbound = self.nacl_rules(body.get("inbound"), f"{what}: inbound")
        outbound = self.nacl_rules(body.get("outbound"), f"{what}: outbound")
        default = self.boolean(body.get("default"), f"{what}: default", False)
        if vpc is None:
            return None
        return NetworkAcl(
            name, vpc, inbound, outbound, default, False, self.string(body.get("aws_id"), "aws_id"), body.loc
        )

    def nacl_rules(self, node: Node | None, what: str) -> tuple[NaclRule, ...]:
        if node is None or (isinstance(node, Scalar) and node.value is None):
            return ()
        rules: list[NaclRule] = []
        for index, item in enumerate(self.as_list(node, what)):
            body = self.as_map(item, f"{what} rule {index + 1}")
            if body is None:
                continue
            rwhat = f"{what} rule {index + 1}"
            self.check_keys(
                body,
                rwhat,
                ("rule", "action", "protocol", "ports", "cidr", "icmp_type", "icmp_code", "description"),
                ("rule", "action", "protocol", "cidr"),
            )
            number_node = body.get("rule")
            number = None
            if number_node is not None:
                value = number_node.value if isinstance(number_node, Scalar) else None
                if isinstance(value, int) and not isinstance(value, bool):
                    if 1 <= value <= 32766:
                        number = value
                    else:
                        self.error(
                            "nacl-rule-number",
                            f"{rwhat}: rule number {short(value)} is out of range (expected 1-32766; 32767 is the implicit '*' deny)",
                            number_node.loc,
                        )
                else:
                    hint = number_hint(value) if isinstance(value, str) else ""
                    self.error("type", f"{rwhat}: rule: expected a whole number 1-32766, got {kind_of(number_node)}{hint}",
                               number_node.loc)
            action = self.string(body.get("action"), f"{rwhat}: action")
            if action is not None and action not in ("allow", "deny"):
                self.error("nacl-action", f"{rwhat}: action {action!r} (expected allow or deny)", body.entries["action"].loc)
                action = None
            proto = self.protocol(body.get("protocol"), rwhat) if body.get("protocol") is not None else None
            ports = self.ports(body, proto, rwhat) if proto is not None else None
            cidr = self.cidr(body.get("cidr"), f"{rwhat}: cidr")
            if number is None or action is None or proto is None or ports is None or cidr is None:
                continue
            ports = self.icmp_family(proto, ports, cidr, body, rwhat, nacl=True)
            lo, hi = (0, 65535) if proto == -1 else ports
            rules.append(NaclRule(number, action == "allow", proto, lo, hi, cidr, body.loc))
        return tuple(rules)

    def read_security_group(self, name: str, body: Map) -> SecurityGroup | None:
        what = f"security group {name}"
        if name == "default" or name.endswith("/default"):
            self.error(
                "name",
                f"{what}: 'default' is reserved for each VPC's default group "
                "(configure it with the VPC's default_security_group)",
                body.loc,
            )
            return None
        self.check_keys(body, what, ("vpc", "ingress", "egress", *COMMON_KEYS))
        vpc = self.vpc_ref(body, what)
        ingress = self.sg_rules(body.get("ingress"), f"{what}: ingress", vpc)
        if "egress" in body.entries:
            egress = self.sg_rules(body.get("egress"), f"{what}: egress", vpc)
        else:
            # AWS gives every new group one allow-all outbound rule: IPv4 only (the ::/0 rule is
            # the default group's; write `cidr: ::/0` for IPv6), see docs/format.md.
            egress = (SgRule(-1, 0, 65535, PeerKind.CIDR, ANY_CIDR, loc=body.loc),)
        if vpc is None:
            return None
        return SecurityGroup(name, vpc, ingress, egress, False, self.string(body.get("aws_id"), "aws_id"), body.loc)

    def sg_rules(self, node: Node | None, what: str, vpc: str | None) -> tuple[SgRule, ...]:
        if node is None or (isinstance(node, Scalar) and node.value is None):
            return ()
        rules: list[SgRule] = []
        for index, item in enumerate(self.as_list(node, what)):
            rwhat = f"{what} rule {index + 1}"
            body = self.as_map(item, rwhat)
            if body is None:
                continue
            self.check_keys(
                body,
                rwhat,
                ("protocol", "ports", "cidr", "security_group", "prefix_list", "icmp_type", "icmp_code", "description"),
                ("protocol",),
            )
            proto = self.protocol(body.get("protocol"), rwhat) if body.get("protocol") is not None else None
            ports = self.ports(body, proto, rwhat) if proto is not None else None
            peers = [k for k in ("cidr", "security_group", "prefix_list") if k in body.entries]
            if len(peers) != 1:
                self.error(
                    "sg-peer",
                    f"{rwhat}: expected exactly one peer (cidr, security_group or prefix_list), got {len(peers)}",
                    body.loc,
                )
                continue
            peer_key = peers[0]
            cidr = None
            peer = None
            if peer_key == "cidr":
                cidr = self.cidr(body.get("cidr"), f"{rwhat}: cidr")
                if cidr is None:
                    continue
                kind = PeerKind.CIDR
            elif peer_key == "security_group":
                peer = self.group_ref(body.entries["security_group"], f"{rwhat}: security_group", vpc)
                if peer is None:
                    continue
                kind = PeerKind.SECURITY_GROUP
            else:
                peer = self.ref(body.get("prefix_list"), f"{rwhat}: prefix_list", "prefix_lists", "prefix list")
                if peer is None:
                    continue
                kind = PeerKind.PREFIX_LIST
            if proto is None or ports is None:
                continue
            if cidr is not None:
                ports = self.icmp_family(proto, ports, cidr, body, rwhat, nacl=False)
            lo, hi = (0, 65535) if proto == -1 else ports
            text = body.get("description")  # its type was checked by check_keys
            description = str(text.value) if isinstance(text, Scalar) and isinstance(text.value, (str, int, float)) \
                and not isinstance(text.value, bool) and text.value != "" else None
            rules.append(SgRule(proto, lo, hi, kind, cidr, peer, description, body.loc))
        return tuple(rules)

    def read_igw(self, name: str, body: Map) -> InternetGateway | None:
        what = f"internet gateway {name}"
        self.check_keys(body, what, ("vpc", *COMMON_KEYS))
        vpc = self.vpc_ref(body, what)
        if vpc is None:
            return None
        return InternetGateway(name, vpc, self.string(body.get("aws_id"), "aws_id"), body.loc)

    def read_peering(self, name: str, body: Map) -> Peering | None:
        what = f"peering {name}"
        self.check_keys(body, what, ("requester", "accepter", "status", *COMMON_KEYS), ("requester", "accepter"))
        requester = self.ref(body.get("requester"), f"{what}: requester", "vpcs", "vpc")
        accepter = self.ref(body.get("accepter"), f"{what}: accepter", "vpcs", "vpc")
        status = self.string(body.get("status"), f"{what}: status") or "active"
        known = ("active", "pending-acceptance", "initiating-request", "provisioning", "rejected",
                 "expired", "failed", "deleted", "deleting")
        if status not in known:
            self.error("peering-status", f"{what}: status {status!r} (expected one of: {', '.join(known)})",
                       body.entries["status"].loc)
        if requester is None or accepter is None:
            return None
        if requester == accepter:
            self.error("peering-self", f"{what}: a VPC cannot peer with itself ({requester!r})", body.loc)
        return Peering(name, requester, accepter, status, self.string(body.get("aws_id"), "aws_id"), body.loc)

    def read_unsupported(self, name: str, body: Map) -> Unsupported | None:
        what = f"unsupported component {name}"
        self.check_keys(body, what, ("kind", *COMMON_KEYS), ("kind",))
        kind = self.string(body.get("kind"), f"{what}: kind") or "unknown"
        return Unsupported(name, kind, self.string(body.get("aws_id"), "aws_id"), body.loc)

    def read_subnet(self, name: str, body: Map) -> Subnet | None:
        what = f"subnet {name}"
        self.check_keys(body, what, ("vpc", "cidr", "ipv6_cidr", "enable_dns64", "az", "route_table", "network_acl",
                                     *COMMON_KEYS), ("az",))
        vpc_name = self.vpc_ref(body, what)
        cidr = self.cidr_of_family(body.get("cidr"), f"{what}: cidr", IPV4_BITS)
        # Dual-stack: cidr and ipv6_cidr; IPv6-only: ipv6_cidr alone (then it is `Subnet.cidr` too).
        six = self.cidr_of_family(body.get("ipv6_cidr"), f"{what}: ipv6_cidr", IPV6_BITS)
        if "cidr" not in body.entries and "ipv6_cidr" not in body.entries:
            self.error("missing-key", f"{what}: missing required key 'cidr' (or 'ipv6_cidr' for an IPv6-only subnet)",
                       body.loc)
        elif "cidr" not in body.entries:
            cidr = six
        az = self.string(body.get("az"), f"{what}: az")
        rt = self.ref(body.get("route_table"), f"{what}: route_table", "route_tables", "route table")
        acl = self.ref(body.get("network_acl"), f"{what}: network_acl", "network_acls", "network ACL")
        if vpc_name is None or cidr is None or az is None or vpc_name not in self.vpcs:
            return None
        vpc = self.vpcs[vpc_name]
        return Subnet(
            name,
            vpc_name,
            cidr,
            az,
            rt or vpc.main_route_table,
            acl or vpc.default_network_acl,
            rt is not None,
            acl is not None,
            self.string(body.get("aws_id"), "aws_id"),
            self.tags(body),
            body.loc,
            six,
            self.boolean(body.get("enable_dns64"), f"{what}: enable_dns64", False),
        )

    def read_nat(self, name: str, body: Map) -> NatGateway | None:
        what = f"NAT gateway {name}"
        self.check_keys(body, what, ("subnet", "connectivity", "elastic_ip", "private_ip", "secondary_private_ips",
                                     "secondary_elastic_ips", *COMMON_KEYS), ("subnet",))
        subnet = self.ref(body.get("subnet"), f"{what}: subnet", "subnets", "subnet")
        connectivity = self.string(body.get("connectivity"), f"{what}: connectivity") or "public"
        if connectivity not in ("public", "private"):
            self.error("nat", f"{what}: connectivity {connectivity!r} (expected public or private)",
                       body.entries["connectivity"].loc)
        public = connectivity == "public"
        eip = self.address(body.get("elastic_ip"), f"{what}: elastic_ip")
        if public and body.get("elastic_ip") is None:
            self.error("nat", f"{what}: a public NAT gateway needs an elastic_ip", body.loc)
        if not public and body.get("elastic_ip") is not None:
            self.error("nat", f"{what}: a private NAT gateway has no elastic_ip", body.entries["elastic_ip"].loc)
        private_ip = self.address(body.get("private_ip"), f"{what}: private_ip")
        if subnet is None:
            return None
        if private_ip is None:
            private_ip = -1  # assigned once every explicit address is known
        secondary = self.nat_secondary_ips(body, what, public)
        return NatGateway(name, subnet, public, eip, private_ip, self.string(body.get("aws_id"), "aws_id"), body.loc,
                          secondary)

    def nat_secondary_ips(self, body: Map, what: str, public: bool) -> tuple[tuple[int, int | None], ...]:
        """`secondary_private_ips: [...]` and, on a public NAT gateway, `secondary_elastic_ips: {PRIVATE: EIP}`
        (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html, secondary IP addresses)."""
        privates: list[int] = []
        node = body.get("secondary_private_ips")
        for item in self.as_list(node, f"{what}: secondary_private_ips") if node is not None else ():
            one = self.address(item, f"{what}: secondary_private_ips")
            if one is not None:
                privates.append(one)
        eips: dict[int, int] = {}
        eip_node = body.get("secondary_elastic_ips")
        if eip_node is not None and not public:
            self.error("nat", f"{what}: a private NAT gateway has no elastic IPs", body.keys["secondary_elastic_ips"])
        pairs = self.as_map(eip_node, f"{what}: secondary_elastic_ips") if eip_node is not None and public else None
        for key, value in (pairs.entries if pairs is not None else {}).items():
            assert pairs is not None
            try:
                private = ip_to_int(key.strip())
            except ValueError as exc:
                self.error("address", f"{what}: secondary_elastic_ips: {exc}", pairs.keys[key])
                continue
            if private not in privates:
                self.error("secondary-elastic-ip", f"{what}: secondary_elastic_ips: {key} is not one of its "
                           "secondary_private_ips (expected each Elastic IP bound to a secondary private IP)",
                           pairs.keys[key])
                continue
            eip = self.address(value, f"{what}: secondary_elastic_ips: {key}")
            if eip is not None:
                eips[private] = eip
        return tuple((private, eips.get(private)) for private in privates)

    def read_instance(self, name: str, body: Map) -> Instance | None:
        what = f"instance {name}"
        get = body.entries.get  # (Map.get is one more call, 400,000 times at 20,000 instances)
        eni_keys = ("subnet", "private_ip", "private_ips", "ipv6_addresses", "ipv6_address_count", "ipv6_prefixes",
                    "public_ip", "elastic_ip", "secondary_elastic_ips", "security_groups", "source_dest_check")
        self.check_keys(body, what, ("interfaces", "state", *eni_keys, *COMMON_KEYS))
        state = self.string(get("state"), f"{what}: state") or "running"
        states = ("running", "pending", "stopping", "stopped", "shutting-down", "terminated")
        if state not in states:
            self.error("instance-state", f"{what}: state {state!r} (expected one of: {', '.join(states)})",
                       body.entries["state"].loc)
        names: list[str] = []
        self.instance_state = state  # read_interface: a stopped instance has released its public IP
        if "interfaces" in body.entries:
            inline = [k for k in eni_keys if k in body.entries]
            if inline:
                self.error(
                    "instance",
                    f"{what}: give either interfaces or the inline interface keys ({', '.join(inline)}), not both",
                    body.keys[inline[0]],
                )
            items = self.as_list(body.entries["interfaces"], f"{what}: interfaces")
            if not items:
                self.error("instance", f"{what}: interfaces: expected at least one interface", body.entries["interfaces"].loc)
            for index, item in enumerate(items):
                eni_body = self.as_map(item, f"{what}: interface {index + 1}")
                if eni_body is not None:
                    eni = self.read_interface(name, index, eni_body, f"{what}: interface {index + 1}", allow_name=True)
                    if eni is not None:
                        names.append(eni)
        else:
            if "subnet" not in body.entries:
                self.error("missing-key", f"{what}: missing required key 'subnet' (or 'interfaces')", body.loc)
            else:
                eni = self.read_interface(name, 0, body, what, allow_name=False)
                if eni is not None:
                    names.append(eni)
        return Instance(name, tuple(names), state, self.string(get("aws_id"), "aws_id"), self.tags(body), body.loc)

    def read_built(self, name: str, built: Built) -> Instance | None:
        """An instance the importer built (`reader.Built`): its records as they are, once their
        names are checked against the design's as `read_interface` checks them."""
        names: list[str] = []
        for index, eni in enumerate(built.interfaces):
            what = f"instance {name}: interface {index + 1}"
            if not NAME_RE.match(eni.name):
                self.error("name", f"{what}: {eni.name!r} is not a valid name", eni.loc)
                continue
            if eni.name in self.interfaces or (eni.name in self.names["instances"] and eni.name != name):
                self.error("duplicate-name", f"{what}: the name {eni.name!r} is already used", eni.loc)
                continue
            self.interfaces[eni.name] = eni
            names.append(eni.name)
        instance = built.instance
        return instance if len(names) == len(instance.interfaces) else dataclasses.replace(instance, interfaces=tuple(names))

    def read_interface(self, instance: str, index: int, body: Map, what: str, allow_name: bool) -> str | None:
        get = body.entries.get
        if allow_name:
            self.check_keys(
                body,
                what,
                ("name", "subnet", "private_ip", "private_ips", "ipv6_addresses", "ipv6_address_count", "ipv6_prefixes",
                 "public_ip", "elastic_ip",
                 "secondary_elastic_ips", "security_groups", "source_dest_check", *COMMON_KEYS),
                ("subnet",),
            )
        eni_name = (self.string(get("name"), f"{what}: name") if allow_name else None) or f"{instance}.eth{index}"
        if not NAME_RE.match(eni_name):
            self.error("name", f"{what}: {eni_name!r} is not a valid name", body.loc)
            return None
        if eni_name in self.interfaces or (eni_name in self.names["instances"] and eni_name != instance):
            self.error("duplicate-name", f"{what}: the name {eni_name!r} is already used", body.loc)
            return None
        subnet_name = self.ref(get("subnet"), f"{what}: subnet", "subnets", "subnet")
        ips: list[int] = []
        if get("private_ip") is not None and get("private_ips") is not None:
            self.error("instance", f"{what}: give either private_ip or private_ips, not both", body.loc)
        node = get("private_ip")
        # `auto`: the address EC2 "selects for you from the subnet's IPv4 CIDR range" (API Reference,
        # CreateNetworkInterface); verdicts are decided for every one it may pick (reach.addresses).
        dynamic = isinstance(node, Scalar) and node.value == AUTO_ADDRESS
        if node is not None and not dynamic:
            one = self.address(node, f"{what}: private_ip")
            if one is not None:
                ips.append(one)
        elif get("private_ips") is not None:
            for item in self.as_list(body.entries["private_ips"], f"{what}: private_ips"):
                one = self.address(item, f"{what}: private_ips")
                if one is not None:
                    ips.append(one)
        if get("public_ip") is not None and get("elastic_ip") is not None:
            self.error("instance", f"{what}: give either public_ip or elastic_ip, not both", body.loc)
        public = self.address(get("public_ip") or get("elastic_ip"), f"{what}: public_ip")
        if public is not None and get("public_ip") is not None and self.instance_state in facts.RELEASES_PUBLIC_IP:
            # An auto-assigned public IP is gone while the instance is stopped; an Elastic IP stays (facts).
            self.warning("public-ip-released",
                         f"{what}: public_ip {int_to_ip(public)}: the instance is {self.instance_state}, so AWS has "
                         "released this auto-assigned public IP (a new one comes at the next start; use an "
                         "elastic_ip to keep an address)", body.entries["public_ip"].loc)
            public = None
        secondary = self.secondary_elastic_ips(body, what, ips)
        # IPv6 addresses follow the IPv4 ones in `private_ips`: globally routable, with no public
        # twin (the internet gateway does not translate IPv6).
        if get("ipv6_addresses") is not None:
            items = self.as_list(body.entries["ipv6_addresses"], f"{what}: ipv6_addresses")
            if isinstance(body.entries["ipv6_addresses"], Seq) and not items:
                self.error("type", f"{what}: ipv6_addresses: expected at least one IPv6 address (omit the key "
                           "for none), got an empty list", body.entries["ipv6_addresses"].loc)
            for item in items:
                one = self.address(item, f"{what}: ipv6_addresses", ipv6=True)
                if one is not None:
                    ips.append(one)
        subnet = self.subnets.get(subnet_name) if subnet_name else None
        # `ipv6_address_count`: addresses AWS "automatically assigns from the subnet's IPv6 range"
        # (EC2 API Reference, CreateNetworkInterface, Ipv6AddressCount:
        # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkInterface.html);
        # not with explicit ipv6_addresses (the API takes one or the other).
        ipv6_count = 0
        count_node = get("ipv6_address_count")
        if count_node is not None:
            count = self.integer(count_node, f"{what}: ipv6_address_count", 0, facts.IPV6_ADDRESSES_PER_INTERFACE)
            if count is not None:
                ipv6_count = count
            if get("ipv6_addresses") is not None:
                self.error("instance", f"{what}: give either ipv6_addresses or ipv6_address_count, not both",
                           body.keys["ipv6_address_count"])
                ipv6_count = 0
            elif ipv6_count and subnet is not None and subnet.ipv6_cidr is None:
                self.error("ipv6", f"{what}: ipv6_address_count {ipv6_count}: subnet {subnet.name} has no IPv6 "
                           "CIDR block (expected a dual-stack or IPv6-only subnet)", count_node.loc)
                ipv6_count = 0
        prefixes: list[Cidr] = []
        if get("ipv6_prefixes") is not None:
            # Prefix delegation: the interface owns every address of each block
            # (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-prefix-eni.html).
            for item in self.as_list(body.entries["ipv6_prefixes"], f"{what}: ipv6_prefixes"):
                block = self.cidr_of_family(item, f"{what}: ipv6_prefixes", IPV6_BITS)
                if block is not None:
                    prefixes.append(block)
        vpc = subnet.vpc if subnet else None
        groups: list[str] = []
        if get("security_groups") is not None:
            items = self.as_list(body.entries["security_groups"], f"{what}: security_groups")
            if isinstance(body.entries["security_groups"], Seq) and not items:  # AWS: an ENI has 1 to 16 groups
                self.error("type", f"{what}: security_groups: expected at least one group (omit the key for the "
                           "VPC's default group), got an empty list", body.entries["security_groups"].loc)
            for item in items:
                group = self.group_ref(item, f"{what}: security_groups", vpc)
                if group is not None:
                    groups.append(group)
        elif vpc is not None:
            groups.append(default_group_name(vpc))
        sdc = self.boolean(get("source_dest_check"), f"{what}: source_dest_check", True)
        if subnet is None:
            return None
        self.interfaces[eni_name] = Interface(
            eni_name,
            instance,
            subnet.name,
            tuple(ips),
            public,
            tuple(groups),
            sdc,
            self.string(get("aws_id"), "aws_id"),
            body.loc,
            dynamic,
            secondary,
            ipv6_prefixes=tuple(prefixes),
            ipv6_dynamic=ipv6_count,
        )
        return eni_name

    def secondary_elastic_ips(self, body: Map, what: str, ips: list[int]) -> tuple[tuple[int, int], ...]:
        """`secondary_elastic_ips: {PRIVATE: EIP}`: Elastic IPs bound to secondary private IPs.

        AWS associates an Elastic IP with one private IP of an interface; each secondary private
        IP may have its own (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/MultipleIP.html).
        """
        node = body.get("secondary_elastic_ips")
        if node is None:
            return ()
        pairs = self.as_map(node, f"{what}: secondary_elastic_ips")
        if pairs is None:
            return ()
        out: list[tuple[int, int]] = []
        for key, value in pairs.entries.items():
            loc = pairs.keys[key]
            try:
                private = ip_to_int(key.strip())
            except ValueError as exc:
                self.error("address", f"{what}: secondary_elastic_ips: {exc} (expected a secondary private IP of "
                           "the interface as the key)", loc)
                continue
            if private not in ips[1:]:
                listed = ", ".join(int_to_ip(ip) for ip in ips[1:]) or "none"
                self.error("secondary-elastic-ip",
                           f"{what}: secondary_elastic_ips: {key} is not a secondary private IP of the interface "
                           f"(expected one of its private_ips after the first: {listed})", loc)
                continue
            public = self.address(value, f"{what}: secondary_elastic_ips: {key}")
            if public is not None:
                out.append((private, public))
        return tuple(out)

    def check_route_targets(
        self,
        route_tables: Mapping[str, RouteTable],
        igws: Mapping[str, InternetGateway],
        nats: Mapping[str, NatGateway],
        peerings: Mapping[str, Peering],
        instances: Mapping[str, Instance],
        interfaces: Mapping[str, Interface],
        unsupported: Mapping[str, Unsupported],
    ) -> None:
        known: dict[TargetKind, tuple[Mapping[str, object], str]] = {
            TargetKind.INTERNET_GATEWAY: (igws, "internet gateway"),
            TargetKind.NAT_GATEWAY: (nats, "NAT gateway"),
            TargetKind.PEERING: (peerings, "peering"),
            TargetKind.INSTANCE: (instances, "instance"),
            TargetKind.INTERFACE: (interfaces, "interface"),
            TargetKind.UNSUPPORTED: (unsupported, "unsupported component"),
        }
        for kind, target, loc, what, route_key in self.pending_targets:
            key_text = kind.value
            table: Mapping[str, object]
            if route_key is not None:
                ext = extensions.section_for_route_key(route_key)
                assert ext is not None, "route keys come from registered sections"
                table, label, key_text = self.extra.get(ext.key, {}), ext.label, route_key
            else:
                table, label = known[kind]
            if target not in table:
                names = sorted(table)
                hint = f" (known: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''})" if names else ""
                self.error("unknown-reference", f"{what}: {key_text}: no {label} named {target!r}{hint}", loc)

    def check_group_refs(self, groups: Mapping[str, SecurityGroup]) -> None:
        for group in groups.values():
            for rule in group.ingress + group.egress:
                if rule.peer_kind is PeerKind.SECURITY_GROUP and rule.peer not in groups:
                    self.error("unknown-reference", f"security group {group.name}: no security group named {rule.peer!r}", rule.loc)

    def assign_addresses(
        self, subnets: Mapping[str, Subnet], nats: Mapping[str, NatGateway], interfaces: Mapping[str, Interface]
    ) -> None:
        """Give NAT gateways and ENIs without a private IP the subnet's first free address, as AWS does."""
        used: dict[str, set[int]] = {name: set() for name in subnets}
        for eni in interfaces.values():
            used.setdefault(eni.subnet, set()).update(eni.private_ips)
        for nat in nats.values():
            used.setdefault(nat.subnet, set()).update(ip for ip in nat.private_ips if ip >= 0)
        cursor: dict[str, int] = {}

        def next_free(subnet_name: str) -> int:
            subnet = subnets[subnet_name]
            addr = cursor.get(subnet_name, subnet.cidr.first + 4)  # .0-.3 are reserved
            taken = used[subnet_name]
            while addr in taken:
                addr += 1
            if addr >= subnet.cidr.last:  # the last address is reserved too
                return -1
            taken.add(addr)
            cursor[subnet_name] = addr + 1
            return addr

        def next_free6(subnet: Subnet) -> int:
            six = subnet.ipv6_cidr
            assert six is not None
            taken = used[subnet.name]
            addr = cursor.get(f"{subnet.name} v6", six.first + facts.SUBNET_RESERVED_HEAD)
            while addr in taken:
                addr += 1
            taken.add(addr)
            cursor[f"{subnet.name} v6"] = addr + 1
            return addr

        self.assigned_nats: dict[str, NatGateway] = {}
        for name, nat in nats.items():
            if nat.private_ip < 0 and nat.subnet in subnets:
                addr = next_free(nat.subnet)
                if addr < 0:
                    self.error("subnet-full", f"NAT gateway {name}: subnet {nat.subnet} has no free address", nat.loc)
                nat = dataclasses.replace(nat, private_ip=addr)
            self.assigned_nats[name] = nat
        self.assigned_interfaces: dict[str, Interface] = {}
        for name, eni in interfaces.items():
            home = subnets.get(eni.subnet)
            if PICK_IPV6 in eni.private_ips:
                # An address AWS picks in the subnet's IPv6 block (a dual-stack load balancer's
                # node); none without a block, which the section's validation reports.
                six = next_free6(home) if home is not None and home.ipv6_cidr is not None else None
                eni = dataclasses.replace(eni, private_ips=tuple(
                    a for a in (six if a == PICK_IPV6 else a for a in eni.private_ips) if a is not None))
            # An interface in a subnet with IPv4 always has an IPv4 address; one in an IPv6-only
            # subnet gets its first IPv6 address the same way.
            if home is not None and (not eni.private_ips or
                                     (not home.ipv6_only and eni.address_of(IPV4_BITS) is None)):
                addr = next_free(eni.subnet)
                if addr < 0:
                    # Reported as an error, so the design never reaches a trace; keep the
                    # interface so that the instance's references stay whole.
                    self.error("subnet-full", f"interface {name}: subnet {eni.subnet} has no free address", eni.loc)
                else:
                    eni = dataclasses.replace(eni, private_ips=(addr, *eni.private_ips))
            if home is not None and home.ipv6_cidr is not None and eni.ipv6_dynamic:
                # The addresses AWS picks: representatives, the first free ones of the /64
                # (reach.addresses covers every address it may pick). An IPv6-only subnet's first
                # address, given above, is one of them.
                have = len(eni.ipv6_ips)
                picked = [next_free6(home) for _ in range(max(0, eni.ipv6_dynamic - have))]
                eni = dataclasses.replace(eni, private_ips=(*eni.private_ips, *picked))
            self.assigned_interfaces[name] = eni

    def __init__(self, file: str) -> None:
        super().__init__(file)
        self.instance_state = "running"
        self.default_sg_ids: dict[str, str] = {}
        self.ipv6_vpcs: set[str] = set()
        self.vpc_attributes: dict[str, _VpcAttributes] = {}
        self.pending_targets = []
