"""Validate: a Design -> diagnostics for every AWS rule it breaks.

The builder has already checked shapes, syntax and that references name something; this module
checks AWS's semantic rules on the built model: CIDR sizes and overlaps, reserved and duplicate
addresses, objects of one VPC used from another, routes that conflict with the local route,
peering constraints, rule numbers and the default quotas.

Every check tolerates dangling references (the builder reported them already): what cannot be
checked is skipped, nothing raises. Every check is near-linear: overlaps are found by sorting
and sweeping, duplicates with dicts; nothing loops over pairs of subnets or interfaces.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import vpcsim.facts as facts
from vpcsim.errors import Diagnostic, Location, Severity
from vpcsim.loader import extensions
from vpcsim.model import (
    Cidr,
    Design,
    Interface,
    NaclRule,
    NetworkAcl,
    PeerKind,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    TargetKind,
    Vpc,
    addr_bits,
    int_to_ip,
)

LINK_LOCAL = Cidr.parse(facts.LINK_LOCAL)

# `unsupported` kinds a propagated route may come from (the importer writes vpn_gateway).
VGW_KINDS = ("vpn_gateway", "virtual_private_gateway")

# Ranges that are never a public address, with what to call them.
NOT_PUBLIC: tuple[tuple[Cidr, str], ...] = tuple((Cidr.parse(text), label) for text, label in facts.NOT_INTERNET)

RESERVED_OFFSETS = {
    0: "network address",
    1: "VPC router address (network +1)",
    2: "DNS address (network +2)",
    3: "reserved-for-future-use address (network +3)",
}


def validate(design: Design) -> list[Diagnostic]:
    """Check `design` against AWS's rules; return every error and warning, never raise.

    The component modules bring their own rules (loader.extensions): per-component rules, what
    each route target may be, and the rules of the sections they add.
    """
    extensions.require_components()
    out = _Validator(design).run()
    for rule in extensions.design_rules():
        out.extend(rule(design))
    for section in extensions.sections():
        if section.validate is not None and design.extensions.get(section.key):
            out.extend(section.validate(design))
    return out


def where(loc: Location) -> str:
    """How a message points at another object: file:line."""
    return f"{loc.file}:{loc.line}"


def _ip(value: int) -> str:
    return int_to_ip(value)


def _maximal(cidrs: Iterable[Cidr]) -> list[Cidr]:
    """The blocks not covered by another, sorted: pairwise disjoint (CIDRs nest or are disjoint)."""
    out: list[Cidr] = []
    for cidr in sorted(cidrs, key=lambda c: (c.first, c.length)):
        if out and out[-1].covers(cidr):
            continue
        out.append(cidr)
    return out


class _Blocks:
    """A set of CIDR blocks answering "which block covers this one?" in O(log n)."""

    def __init__(self, cidrs: Iterable[Cidr]) -> None:
        self.blocks = _maximal(cidrs)
        self.firsts = [c.first for c in self.blocks]

    def covering(self, cidr: Cidr) -> Cidr | None:
        index = bisect.bisect_right(self.firsts, cidr.first) - 1
        if index >= 0 and self.blocks[index].covers(cidr):
            return self.blocks[index]
        return None


class _AddressUse(NamedTuple):
    """The first use of an address: by which object, written where (a tuple: one per address)."""

    what: str  # "interface web.eth0", "NAT gateway nat-a"
    loc: Location


class _Validator:
    def __init__(self, design: Design) -> None:
        self.design = design
        self.out: list[Diagnostic] = []
        self.vpc_blocks: dict[str, _Blocks] = {
            name: _Blocks(vpc.cidrs) for name, vpc in design.vpcs.items()
        }
        self.subnet_cidrs: dict[str, dict[Cidr, str]] = {}
        for subnet in design.subnets.values():
            self.subnet_cidrs.setdefault(subnet.vpc, {}).setdefault(subnet.cidr, subnet.name)
        # Security-group references may cross only an active peering.
        self.active_pairs = {
            frozenset((p.requester, p.accepter)) for p in design.peerings.values() if p.active
        }
        for bridge in extensions.group_bridges():  # a transit gateway's attached VPCs (it warns itself)
            self.active_pairs |= set(bridge(design))

    # -- reporting ---------------------------------------------------------------------------

    def error(self, code: str, message: str, loc: Location) -> None:
        self.out.append(Diagnostic(Severity.ERROR, code, message, loc))

    def warning(self, code: str, message: str, loc: Location) -> None:
        self.out.append(Diagnostic(Severity.WARNING, code, message, loc))

    # -- lookups that tolerate dangling references -------------------------------------------

    def subnet_vpc(self, subnet_name: str) -> str | None:
        subnet = self.design.subnets.get(subnet_name)
        return subnet.vpc if subnet else None

    def interface_vpc(self, eni_name: str) -> str | None:
        eni = self.design.interfaces.get(eni_name)
        return self.subnet_vpc(eni.subnet) if eni else None

    def run(self) -> list[Diagnostic]:
        self.check_vpcs()
        self.check_cidr_associations()
        self.check_vpc_dns()
        self.check_subnets()
        self.check_addresses()
        self.check_interfaces()
        self.check_route_tables()
        self.check_gateway_tables()
        self.check_network_acls()
        self.check_security_groups()
        return self.out

    # -- VPCs --------------------------------------------------------------------------------

    def check_vpcs(self) -> None:
        design = self.design
        for vpc in design.vpcs.values():
            what = f"vpc {vpc.name}"
            for cidr in vpc.ipv6_cidrs:
                lo, hi = facts.IPV6_VPC_PREFIXES
                if not lo <= cidr.length <= hi:
                    self.error(
                        "vpc-cidr-size",
                        f"{what}: IPv6 CIDR {cidr} is a /{cidr.length} (expected Amazon's /56, or /{lo} to /{hi} "
                        "from a BYOIP or IPAM pool)",
                        vpc.loc,
                    )
            if len(vpc.ipv6_cidrs) > facts.IPV6_CIDR_QUOTA:
                self.warning(
                    "vpc-cidr-quota",
                    f"{what}: {len(vpc.ipv6_cidrs)} IPv6 CIDR blocks (expected at most {facts.IPV6_CIDR_QUOTA}, "
                    "AWS's quota per VPC)",
                    vpc.loc,
                )
            for cidr in vpc.ipv4_cidrs:
                if not facts.MIN_PREFIX <= cidr.length <= facts.MAX_PREFIX:
                    self.error(
                        "vpc-cidr-size",
                        f"{what}: CIDR {cidr} is a /{cidr.length} "
                        f"(expected a prefix length from /{facts.MIN_PREFIX} to /{facts.MAX_PREFIX})",
                        vpc.loc,
                    )
                if cidr.overlaps(LINK_LOCAL):
                    self.error(
                        "vpc-cidr-link-local",
                        f"{what}: CIDR {cidr} overlaps {LINK_LOCAL}, the link-local range "
                        "(expected a block outside 169.254.0.0/16, which AWS never allows)",
                        vpc.loc,
                    )
            self.check_vpc_overlaps(vpc)
            if len(vpc.ipv4_cidrs) > facts.VPC_CIDR_QUOTA:
                self.warning(
                    "vpc-cidr-quota",
                    f"{what}: {len(vpc.ipv4_cidrs)} CIDR blocks (expected at most {facts.VPC_CIDR_QUOTA}, "
                    "AWS's default quota per VPC)",
                    vpc.loc,
                )
            table = design.route_tables.get(vpc.main_route_table)
            if table is not None and table.vpc != vpc.name:
                self.error(
                    "main-route-table-vpc",
                    f"{what}: main_route_table {table.name!r} belongs to vpc {table.vpc} "
                    f"(expected a route table of vpc {vpc.name})",
                    vpc.loc,
                )
            acl = design.network_acls.get(vpc.default_network_acl)
            if acl is not None and acl.vpc != vpc.name:
                self.error(
                    "default-network-acl-vpc",
                    f"{what}: default_network_acl {acl.name!r} belongs to vpc {acl.vpc} "
                    f"(expected a network ACL of vpc {vpc.name})",
                    vpc.loc,
                )

    def check_vpc_overlaps(self, vpc: Vpc) -> None:
        # Sorted by first address, the block with the furthest end so far is the only one a
        # later block can overlap without also overlapping it.
        ordered = sorted(enumerate(vpc.cidrs), key=lambda item: (item[1].first, item[0]))
        widest: tuple[int, Cidr] | None = None
        for index, cidr in ordered:
            if widest is not None and cidr.first <= widest[1].last:
                first, second = sorted((widest, (index, cidr)), key=lambda item: item[0])
                self.error(
                    "vpc-cidr-overlap",
                    f"vpc {vpc.name}: CIDR {second[1]} overlaps CIDR {first[1]} of the same VPC "
                    "(expected non-overlapping blocks)",
                    vpc.loc,
                )
            if widest is None or cidr.last > widest[1].last:
                widest = (index, cidr)

    def check_cidr_associations(self) -> None:
        """Secondary IPv4 blocks against AWS's association restrictions (facts.CIDR_RESTRICTIONS_DOC)."""
        for vpc in self.design.vpcs.values():
            blocks = vpc.ipv4_cidrs  # the restrictions are about IPv4 blocks only
            if len(blocks) < 2:
                continue
            primary = blocks[0]
            home = _rfc1918(primary)
            for index, cidr in enumerate(blocks[1:], start=1):
                reason = _association_restriction(blocks, index, home)
                if reason is None:
                    continue
                self.error(
                    "vpc-cidr-association",
                    f"vpc {vpc.name}: secondary CIDR {cidr} {reason} (expected a block AWS lets a VPC whose "
                    f"primary CIDR is {primary} associate: {facts.CIDR_RESTRICTIONS_DOC})",
                    vpc.cidr_loc(index),
                )

    def check_vpc_dns(self) -> None:
        """DNS attributes and DHCP options: AWS's limits on what a VPC may say."""
        for vpc in self.design.vpcs.values():
            what = f"vpc {vpc.name}"
            if vpc.enable_dns_hostnames and not vpc.enable_dns_support:
                # ModifyVpcAttribute: "You can only enable DNS hostnames if you've enabled DNS support."
                self.error(
                    "vpc-dns-hostnames",
                    f"{what}: enable_dns_hostnames is true but enable_dns_support is false (expected "
                    "enable_dns_support: true, which DNS hostnames need: "
                    "https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html)",
                    vpc.attribute_locs.get("enable_dns_hostnames", vpc.loc),
                )
            options = vpc.dhcp_options
            where = options.loc if options.loc.line else vpc.loc
            for label, count in (("domain_name_servers", len(options.dns_servers)),
                                 ("ntp_servers", len(options.ntp_servers))):
                if count > facts.DHCP_SERVERS_MAX:
                    self.error(
                        "dhcp-options-servers",
                        f"{what}: dhcp_options: {label} names {count} servers (expected at most "
                        f"{facts.DHCP_SERVERS_MAX}: https://docs.aws.amazon.com/vpc/latest/userguide/"
                        "DHCPOptionSetConcepts.html)",
                        where,
                    )
            if options.amazon_dns and not vpc.enable_dns_support:
                self.warning(
                    "vpc-dns-disabled",
                    f"{what}: dhcp_options name AmazonProvidedDNS but enable_dns_support is false, so the Route 53 "
                    "Resolver does not answer its instances (expected enable_dns_support: true, or custom DNS "
                    "servers)",
                    vpc.attribute_locs.get("enable_dns_support", vpc.loc),
                )

    # -- subnets -----------------------------------------------------------------------------

    def region_of(self, vpc_name: str) -> str:
        """A VPC's region: its own `region:`, else the design's."""
        vpc = self.design.vpcs.get(vpc_name)
        return (vpc.region if vpc is not None else None) or self.design.region

    def check_subnets(self) -> None:
        design = self.design
        zones = set(design.availability_zones)
        by_vpc: dict[str, list[Subnet]] = {}
        for subnet in design.subnets.values():
            what = f"subnet {subnet.name}"
            region = self.region_of(subnet.vpc)
            six = subnet.ipv6_cidr
            if not subnet.ipv6_only and not facts.MIN_PREFIX <= subnet.cidr.length <= facts.MAX_PREFIX:
                self.error(
                    "subnet-cidr-size",
                    f"{what}: CIDR {subnet.cidr} is a /{subnet.cidr.length} "
                    f"(expected a prefix length from /{facts.MIN_PREFIX} to /{facts.MAX_PREFIX})",
                    subnet.loc,
                )
            lo, hi = facts.IPV6_SUBNET_PREFIXES
            if six is not None and not (lo <= six.length <= hi and six.length % 4 == 0):
                self.error(
                    "subnet-cidr-size",
                    f"{what}: IPv6 CIDR {six} is a /{six.length} (expected /{hi}, or /{lo} to /{hi} in steps of /4)",
                    subnet.loc,
                )
            vpc = design.vpcs.get(subnet.vpc)
            if vpc is not None:
                by_vpc.setdefault(vpc.name, []).append(subnet)
                for cidr in subnet.cidrs:
                    if vpc.cidrs and self.vpc_blocks[vpc.name].covering(cidr) is None:
                        family = [c for c in vpc.cidrs if c.bits == cidr.bits]
                        blocks = ", ".join(str(c) for c in family) or \
                            "none: the VPC has no IPv6 block (give it ipv6_cidrs)"
                        self.error(
                            "subnet-outside-vpc",
                            f"{what}: CIDR {cidr} is not inside any CIDR of vpc {vpc.name} "
                            f"(expected a range inside one of: {blocks})",
                            subnet.loc,
                        )
            if region and not (subnet.az.startswith(region) and len(subnet.az) > len(region)):
                self.error(
                    "subnet-az-region",
                    f"{what}: availability zone {subnet.az!r} is not in region {region!r} "
                    f"(expected a zone of the region, such as '{region}a')",
                    subnet.loc,
                )
            elif zones and subnet.az not in zones:
                listed = ", ".join(design.availability_zones)
                self.error(
                    "subnet-az-unknown",
                    f"{what}: availability zone {subnet.az!r} is not in availability_zones "
                    f"(expected one of: {listed})",
                    subnet.loc,
                )
            table = design.route_tables.get(subnet.route_table)
            if subnet.explicit_route_table and table is not None and table.vpc != subnet.vpc:
                self.error(
                    "subnet-route-table-vpc",
                    f"{what}: route table {table.name!r} belongs to vpc {table.vpc} "
                    f"(expected a route table of vpc {subnet.vpc})",
                    subnet.loc,
                )
            acl = design.network_acls.get(subnet.network_acl)
            if subnet.explicit_network_acl and acl is not None and acl.vpc != subnet.vpc:
                self.error(
                    "subnet-network-acl-vpc",
                    f"{what}: network ACL {acl.name!r} belongs to vpc {acl.vpc} "
                    f"(expected a network ACL of vpc {subnet.vpc})",
                    subnet.loc,
                )
        for subnets in by_vpc.values():
            self.check_subnet_overlaps(subnets)
            # Dual-stack subnets' IPv6 blocks, swept the same way (IPv6-only ones are in the first sweep).
            self.check_subnet_overlaps([dataclasses.replace(s, cidr=s.ipv6_cidr) for s in subnets
                                        if s.ipv6_cidr is not None and not s.ipv6_only])

    def check_subnet_overlaps(self, subnets: list[Subnet]) -> None:
        """Sweep the VPC's subnets by first address; report each subnet that overlaps an earlier one."""
        ordered = sorted(subnets, key=lambda s: (s.cidr.first, -s.cidr.size, _order(s.loc)))
        widest: Subnet | None = None
        for subnet in ordered:
            if widest is not None and subnet.cidr.first <= widest.cidr.last:
                # Blame the one written later, pointing at the one written first.
                first, second = sorted((widest, subnet), key=lambda s: _order(s.loc))
                self.error(
                    "subnet-overlap",
                    f"subnet {second.name}: CIDR {second.cidr} overlaps subnet {first.name} "
                    f"({where(first.loc)}), whose CIDR is {first.cidr} "
                    "(expected the subnets of a VPC not to overlap)",
                    second.loc,
                )
            if widest is None or subnet.cidr.last > widest.cidr.last:
                widest = subnet

    # -- addresses ---------------------------------------------------------------------------

    def check_private_ip(self, what: str, ip: int, subnet: Subnet, loc: Location) -> bool:
        """Check one private IP against its subnet; True when it is a usable address of it."""
        cidr = subnet.cidr_of(addr_bits(ip)) or subnet.cidr
        if not cidr.contains(ip):
            self.error(
                "private-ip-outside-subnet",
                f"{what}: private IP {_ip(ip)} is outside its subnet {subnet.name} ({cidr}) "
                f"(expected an address inside {cidr})",
                loc,
            )
            return False
        offset = ip - cidr.first
        if offset in RESERVED_OFFSETS or ip == cidr.last:
            which = RESERVED_OFFSETS.get(offset, "broadcast address (the last one)")
            usable = (
                f"{_ip(cidr.first + 4)}-{_ip(cidr.last - 1)}" if cidr.size > 5 else "none: the subnet is too small"
            )
            self.error(
                "private-ip-reserved",
                f"{what}: private IP {_ip(ip)} is the {which} of subnet {subnet.name} ({cidr}), "
                f"which AWS reserves (expected a usable address: {usable})",
                loc,
            )
            return False
        return True

    def check_addresses(self) -> None:
        """Private IPs inside their subnet, not reserved, unique per VPC; public IPs public and unique."""
        design = self.design
        private: list[tuple[tuple[int, int, str], str, int, str, Location]] = []  # order, vpc, ip, what, loc
        public: list[tuple[tuple[int, int, str], int, str, str, Location]] = []  # order, ip, what, label, loc
        for eni in design.interfaces.values():
            what = f"interface {eni.name}"
            subnet = design.subnets.get(eni.subnet)
            if subnet is not None:
                for ip in eni.private_ips:
                    self.check_private_ip(what, ip, subnet, eni.loc)
                    private.append((_order(eni.loc), subnet.vpc, ip, what, eni.loc))
                for prefix in eni.ipv6_prefixes:
                    if subnet.ipv6_cidr is None or not subnet.ipv6_cidr.covers(prefix):
                        self.error(
                            "ipv6-prefix-outside-subnet",
                            f"{what}: IPv6 prefix {prefix} is outside its subnet {subnet.name}'s IPv6 block "
                            f"({subnet.ipv6_cidr or 'none'}) (expected a prefix inside it, such as a /80)",
                            eni.loc)
            if eni.public_ip is not None:
                public.append((_order(eni.loc), eni.public_ip, what, "public IP", eni.loc))
            for _, eip in eni.secondary_public_ips:
                public.append((_order(eni.loc), eip, what, "elastic IP", eni.loc))
        for nat in design.nat_gateways.values():
            what = f"NAT gateway {nat.name}"
            subnet = design.subnets.get(nat.subnet)
            if subnet is not None and nat.private_ip >= 0:
                self.check_private_ip(what, nat.private_ip, subnet, nat.loc)
                private.append((_order(nat.loc), subnet.vpc, nat.private_ip, what, nat.loc))
            if nat.elastic_ip is not None:
                public.append((_order(nat.loc), nat.elastic_ip, what, "elastic IP", nat.loc))
            for secondary, secondary_eip in nat.secondary_ips:
                if subnet is not None:
                    self.check_private_ip(what, secondary, subnet, nat.loc)
                    private.append((_order(nat.loc), subnet.vpc, secondary, what, nat.loc))
                if secondary_eip is not None:
                    public.append((_order(nat.loc), secondary_eip, what, "elastic IP", nat.loc))

        # In the order written, so that "first use" means the first one in the file (when any is
        # used twice: a set of them says whether, for less than the sort).
        if len({(vpc, ip) for _, vpc, ip, _, _ in private}) < len(private):
            private.sort(key=lambda item: item[0])
        else:
            private = []
        seen_private: dict[tuple[str, int], _AddressUse] = {}
        for _, vpc, ip, what, loc in private:
            first = seen_private.get((vpc, ip))
            if first is None:
                seen_private[(vpc, ip)] = _AddressUse(what, loc)
            else:
                self.error(
                    "private-ip-duplicate",
                    f"{what}: private IP {_ip(ip)} is already used by {first.what} ({where(first.loc)}) "
                    f"(expected each private IP once in vpc {vpc})",
                    loc,
                )
        public.sort(key=lambda item: item[0])
        seen_public: dict[int, _AddressUse] = {}
        for _, ip, what, label, loc in public:
            for block, kind in NOT_PUBLIC:
                if block.contains(ip):
                    self.error(
                        "public-ip-not-public",
                        f"{what}: {label} {_ip(ip)} is {kind} in {block} (expected a public address)",
                        loc,
                    )
                    break
            first = seen_public.get(ip)
            if first is None:
                seen_public[ip] = _AddressUse(what, loc)
            else:
                self.error(
                    "public-ip-duplicate",
                    f"{what}: {label} {_ip(ip)} is already used by {first.what} ({where(first.loc)}) "
                    "(expected each public or elastic IP on one interface or NAT gateway only)",
                    loc,
                )

    # -- interfaces and instances ------------------------------------------------------------

    def check_interfaces(self) -> None:
        design = self.design
        for eni in design.interfaces.values():
            what = f"interface {eni.name}"
            vpc = self.subnet_vpc(eni.subnet)
            groups = list(dict.fromkeys(eni.security_groups))
            if vpc is not None:
                for name in groups:
                    group = design.security_groups.get(name)
                    if group is not None and group.vpc != vpc:
                        self.error(
                            "security-group-vpc",
                            f"{what}: security group {name!r} belongs to vpc {group.vpc} "
                            f"(expected a group of vpc {vpc}, the interface's)",
                            eni.loc,
                        )
            if len(groups) > facts.SG_PER_ENI_LIMIT:
                self.error(
                    "security-group-limit",
                    f"{what}: {len(groups)} security groups (expected at most {facts.SG_PER_ENI_LIMIT}, "
                    "AWS's maximum per interface)",
                    eni.loc,
                )
            elif len(groups) > facts.SG_PER_ENI_QUOTA:
                self.warning(
                    "too-many-security-groups",
                    f"{what}: {len(groups)} security groups (expected at most {facts.SG_PER_ENI_QUOTA}, "
                    f"AWS's default quota per interface; it can be raised to {facts.SG_PER_ENI_LIMIT})",
                    eni.loc,
                )
        for instance in design.instances.values():
            enis = [design.interfaces[n] for n in instance.interfaces if n in design.interfaces]
            first: tuple[Interface, Subnet] | None = None
            for eni in enis:
                subnet = design.subnets.get(eni.subnet)
                if subnet is None:
                    continue
                if first is None:
                    first = (eni, subnet)
                elif subnet.az != first[1].az:
                    self.error(
                        "instance-az",
                        f"instance {instance.name}: interface {eni.name} is in {subnet.az!r} (subnet "
                        f"{subnet.name}) but interface {first[0].name} is in {first[1].az!r} (subnet "
                        f"{first[1].name}) (expected all interfaces of an instance in one availability zone)",
                        eni.loc,
                    )

    # -- route tables ------------------------------------------------------------------------

    def check_route_tables(self) -> None:
        for table in self.design.route_tables.values():
            what = f"route table {table.name}"
            count = len(table.routes)
            if count > facts.ROUTE_LIMIT:
                self.error(
                    "route-limit",
                    f"{what}: {count} routes (expected at most {facts.ROUTE_LIMIT}, AWS's maximum per table)",
                    table.loc,
                )
            elif count > facts.ROUTE_QUOTA:
                self.warning(
                    "route-quota",
                    f"{what}: {count} routes (expected at most {facts.ROUTE_QUOTA}, AWS's default quota per table)",
                    table.loc,
                )
            seen: dict[tuple[Cidr | str, bool], Route] = {}
            for route in table.routes:
                key: Cidr | str | None = route.destination or route.prefix_list
                if key is None:
                    continue
                # A static and a propagated route may share a destination: priority decides.
                first = seen.setdefault((key, route.propagated), route)
                if first is not route:
                    self.error(
                        "route-duplicate",
                        f"{what}: destination {route.describe_destination()} appears twice, "
                        f"also at {where(first.loc)} (expected each destination once per table)",
                        route.loc,
                    )
                self.check_route(table, route)

    def check_route(self, table: RouteTable, route: Route) -> None:
        what = f"route table {table.name}: route to {route.describe_destination()}"
        if route.propagated:
            self.check_propagated_route(table, route, what)
            return
        owners = route_target_vpcs(self.design, route)
        if owners is not None and table.vpc not in owners:
            target = _target_rules(route)
            if target is not None and target.where is not None:
                detail = f"{target.label} {route.target} {target.where(table.vpc, owners)}"
            else:
                detail = f"{_target(route)} is in vpc {owners[0]}"
            self.error(
                "route-target-vpc",
                f"{what}: {detail} (expected a target in or attached to vpc {table.vpc})",
                route.loc,
            )
        destination = route.destination
        blocks = self.vpc_blocks.get(table.vpc)
        if destination is None or blocks is None:
            return
        local = blocks.covering(destination)
        if local is None:
            return
        is_subnet = destination in self.subnet_cidrs.get(table.vpc, {})
        target = _target_rules(route)
        middlebox = (target is not None and target.middlebox is not None
                     and target.middlebox(self.design, route.target or ""))
        # A route to the whole VPC CIDR replaces the local route's target with an appliance
        # ("Replace or restore the target for a local route", VPC User Guide).
        replaces_local = destination == local and (
            route.target_kind in (TargetKind.INTERFACE, TargetKind.INSTANCE) or self.is_endpoint(route))
        if not replaces_local and (destination == local or not (is_subnet and middlebox)):
            reason = (
                "it equals the VPC CIDR; only an interface, an instance or a Gateway Load Balancer endpoint "
                "may replace the local route's target"
                if destination == local
                else "a route inside a VPC CIDR must equal a subnet's CIDR and target a NAT gateway, "
                "an interface or an instance"
            )
            self.error(
                "route-local-conflict",
                f"{what} via {_target(route)} conflicts with the local route for {local} "
                f"({reason})",
                route.loc,
            )

    def check_gateway_tables(self) -> None:
        """Gateway route tables (edge associations), by AWS's rules for them:
        https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html."""
        design = self.design
        first: dict[str, RouteTable] = {}
        doc = "https://docs.aws.amazon.com/vpc/latest/userguide/gateway-route-tables.html"
        for table in design.route_tables.values():
            what = f"route table {table.name}"
            for index, gateway in enumerate(table.edge_associations):
                loc = table.edge_locs[index] if index < len(table.edge_locs) else table.loc
                earlier = first.setdefault(gateway, table)
                if earlier is not table:
                    self.error("gateway-table-duplicate",
                               f"{what}: gateway {gateway} is already associated with route table {earlier.name} "
                               f"({where(earlier.loc)}) (expected one route table per gateway)", loc)
                igw = design.internet_gateways.get(gateway)
                other = design.unsupported.get(gateway)
                if igw is not None and igw.vpc != table.vpc:
                    self.error("gateway-table-vpc",
                               f"{what}: internet gateway {gateway} is attached to vpc {igw.vpc} (expected a gateway "
                               f"of vpc {table.vpc})", loc)
                elif igw is None and other is not None and other.kind not in VGW_KINDS:
                    self.error("gateway-table-gateway",
                               f"{what}: edge_associations: {gateway} is a {other.kind} (expected an internet gateway "
                               f"or a virtual private gateway: {doc})", loc)
            if not table.gateway_table:
                continue
            blocks = self.vpc_blocks.get(table.vpc)
            subnets = self.subnet_cidrs.get(table.vpc, {})
            for route in table.routes:
                at = f"{what}: route to {route.describe_destination()}"
                kind = route.target_kind
                if not (kind in (TargetKind.INTERFACE, TargetKind.INSTANCE) or self.is_endpoint(route)):
                    self.error("gateway-table-target",
                               f"{at} via {_target(route)}: a gateway route table's routes target a network "
                               f"interface or a Gateway Load Balancer endpoint (or stay local) ({doc})", route.loc)
                    continue
                destination = route.destination
                whole_vpc = destination is not None and blocks is not None and destination in blocks.blocks
                if destination is None or not (whole_vpc or destination in subnets):
                    self.error("gateway-table-destination",
                               f"{at}: a gateway route table's destinations are the VPC's CIDR (replacing the "
                               f"local target) or a subnet's whole CIDR ({doc})", route.loc)

    def check_propagated_route(self, table: RouteTable, route: Route, what: str) -> None:
        """A propagated route comes from a virtual private gateway, to a CIDR, and never beats local."""
        component = self.design.unsupported.get(route.target or "") if route.target_kind is TargetKind.UNSUPPORTED \
            else None
        gone = route.target_kind is TargetKind.BLACKHOLE  # its gateway was deleted: AWS reports a blackhole
        rules = _target_rules(route)
        propagator = (component is not None and component.kind in VGW_KINDS) or (rules is not None and rules.propagates)
        if route.destination is None or (not gone and not propagator):
            self.error(
                "route-propagated",
                f"{what}: a propagated route must have a CIDR destination and target the virtual private gateway "
                f"that propagated it (expected `unsupported:` naming a component of kind {' or '.join(VGW_KINDS)}: "
                "https://docs.aws.amazon.com/vpc/latest/userguide/WorkWithRouteTables.html#EnableDisableRouteProp)",
                route.loc,
            )
            return
        local = self.vpc_blocks[table.vpc].covering(route.destination) if table.vpc in self.vpc_blocks else None
        if local is not None:
            self.warning(
                "route-propagated-local",
                f"{what} via {_target(route)} is propagated into vpc {table.vpc}'s CIDR {local}: the local route "
                "wins over propagated routes even when they are more specific, so it carries nothing "
                "(https://docs.aws.amazon.com/vpn/latest/s2svpn/vpn-route-priority.html)",
                route.loc,
            )

    def is_endpoint(self, route: Route) -> bool:
        """A (Gateway Load Balancer) endpoint, simulated or `unsupported`, may take middlebox routes."""
        target = _target_rules(route)
        if target is not None and target.replaces_local is not None and route.target is not None:
            return target.replaces_local(self.design, route.target)
        if route.target_kind is not TargetKind.UNSUPPORTED or route.target is None:
            return False
        component = self.design.unsupported.get(route.target)
        return component is not None and "endpoint" in component.kind

    # -- NACLs and security groups -----------------------------------------------------------

    def check_network_acls(self) -> None:
        for acl in self.design.network_acls.values():
            self.check_nacl_direction(acl, "inbound", acl.inbound)
            self.check_nacl_direction(acl, "outbound", acl.outbound)

    def check_nacl_direction(self, acl: NetworkAcl, direction: str, rules: tuple[NaclRule, ...]) -> None:
        what = f"network ACL {acl.name}"
        seen: dict[int, NaclRule] = {}
        for rule in rules:
            first = seen.setdefault(rule.number, rule)
            if first is not rule:
                self.error(
                    "nacl-rule-duplicate",
                    f"{what}: {direction} rule number {rule.number} is used twice, also at "
                    f"{where(first.loc)} (expected each rule number once per direction)",
                    rule.loc,
                )
        count = len(rules)
        if count > facts.NACL_RULE_LIMIT:
            self.error(
                "nacl-rule-limit",
                f"{what}: {count} {direction} rules (expected at most {facts.NACL_RULE_LIMIT}, "
                "AWS's maximum per direction)",
                acl.loc,
            )
        elif count > facts.NACL_RULE_QUOTA:
            self.warning(
                "nacl-rule-quota",
                f"{what}: {count} {direction} rules (expected at most {facts.NACL_RULE_QUOTA}, "
                "AWS's default quota per direction)",
                acl.loc,
            )

    def check_security_groups(self) -> None:
        groups: Mapping[str, SecurityGroup] = self.design.security_groups
        for group in groups.values():
            what = f"security group {group.name}"
            for direction, rules in (("ingress", group.ingress), ("egress", group.egress)):
                if len(rules) > facts.SG_RULE_QUOTA:
                    self.warning(
                        "sg-rule-quota",
                        f"{what}: {len(rules)} {direction} rules (expected at most {facts.SG_RULE_QUOTA}, "
                        "AWS's default quota per group)",
                        group.loc,
                    )
                for rule in rules:
                    if rule.peer is None or rule.peer_kind is not PeerKind.SECURITY_GROUP:
                        continue
                    peer = groups.get(rule.peer)
                    if peer is None or peer.vpc == group.vpc:
                        continue
                    if self.region_of(peer.vpc) != self.region_of(group.vpc):
                        # "You cannot reference the security group of a peer VPC that's in a different
                        # Region" (https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-security-groups.html).
                        self.error(
                            "sg-reference-region",
                            f"{what}: {direction} rule references security group {peer.name!r} of vpc {peer.vpc} "
                            f"in region {self.region_of(peer.vpc)}, but vpc {group.vpc} is in "
                            f"{self.region_of(group.vpc)} (expected a CIDR block: security groups cannot be "
                            "referenced across an inter-region peering)",
                            rule.loc,
                        )
                        continue
                    if frozenset((peer.vpc, group.vpc)) in self.active_pairs:
                        continue
                    self.error(
                        "sg-reference-vpc",
                        f"{what}: {direction} rule references security group {peer.name!r} of vpc "
                        f"{peer.vpc}, which is not peered with vpc {group.vpc} (expected a group of "
                        "the same VPC or of a VPC with an active peering to it)",
                        rule.loc,
                    )


def route_target_vpcs(design: Design, route: Route) -> tuple[str, ...] | None:
    """The VPC(s) a route's target is in or attached to; None when unknown or not VPC-bound."""
    target = _target_rules(route)
    if target is None or target.vpcs is None or route.target is None:
        return None
    return target.vpcs(design, route.target)


def _target_rules(route: Route) -> extensions.Target | None:
    kind = route.target_kind
    key = route.target_section if kind is TargetKind.COMPONENT else kind.value
    return extensions.target_for(key or "")


_RFC1918 = tuple(Cidr.parse(text) for text in facts.RFC1918)
_BENCHMARK = Cidr.parse(facts.BENCHMARK_RANGE)
_TEN_15 = Cidr.parse(facts.TEN_SLASH_15)
_TEN_16 = Cidr.parse(facts.TEN_SLASH_16)


def _rfc1918(cidr: Cidr) -> Cidr | None:
    """The RFC 1918 range a VPC block lies in (a /16-/28 block is in one or outside all)."""
    return next((r for r in _RFC1918 if r.covers(cidr)), None)


def _association_restriction(cidrs: tuple[Cidr, ...], index: int, home: Cidr | None) -> str | None:
    """Why AWS refuses `cidrs[index]` as a secondary block of a VPC whose primary is `cidrs[0]`, or None."""
    cidr = cidrs[index]
    mine = _rfc1918(cidr)
    if home is not None:
        if mine is not None and mine != home:
            return f"is from {mine}, another RFC 1918 range than the primary's {home}"
        if home == _RFC1918[0] and _TEN_16.covers(cidr) and any(
                _TEN_15.covers(other) for i, other in enumerate(cidrs) if i != index):
            return f"is from {_TEN_16}, which a VPC with a CIDR block in {_TEN_15} cannot add"
        return None
    if mine is None:
        return None  # public, 100.64.0.0/10 and 198.19.0.0/16 blocks go with such a primary
    if _BENCHMARK.covers(cidrs[0]):
        return f"is from the RFC 1918 range {mine}, which a VPC whose primary is in {_BENCHMARK} cannot add"
    return f"is from the RFC 1918 range {mine}, which a VPC with a publicly routable primary CIDR cannot add"


def _target(route: Route) -> str:
    target = _target_rules(route)
    if target is None or route.target is None:
        return route.describe_target()
    return f"{target.label} {route.target}"


def _order(loc: Location) -> tuple[int, int, str]:
    return (loc.line, loc.col, loc.file)


def first_overlap(left: Iterable[Cidr], right: Iterable[Cidr]) -> tuple[Cidr, Cidr] | None:
    """The first (left, right) pair of overlapping blocks, by a sweep over both sorted lists."""
    tagged = sorted([(c.first, 0, c) for c in left] + [(c.first, 1, c) for c in right])
    widest: list[Cidr | None] = [None, None]  # per side: the block reaching furthest so far
    for _, side, cidr in tagged:
        other = widest[1 - side]
        if other is not None and cidr.first <= other.last:
            return (other, cidr) if side == 1 else (cidr, other)
        mine = widest[side]
        if mine is None or cidr.last > mine.last:
            widest[side] = cidr
    return None


