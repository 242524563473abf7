"""How a component module maps its own `aws ec2 describe-*` output onto the design: the AWS
importer's extension point, and the few pieces a mapping works with.

Kept apart from `importers.aws` so that registering a mapping (every component module does, at
import) does not load the importer itself: a YAML design never needs it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import vpcsim.facts as facts
from vpcsim.importers.items import Item
from vpcsim.model import ip_to_int
from vpcsim.records import record

# The importer a mapping's `pick` and `body` are handed (importers.aws.Importer): a type
# parameter, so that this module, which the importer imports, need not import it back.
ImporterT = TypeVar("ImporterT")

__all__ = ["AwsMapping", "Detail", "Names", "Picked", "UnsupportedKind", "classic_listener", "icmp_fields", "ip_int", "ip_text",
           "mappings", "register", "target_group_health"]

_NAME_BAD = re.compile(r"[^A-Za-z0-9._:\-]+")  # "/" is legal in names but means "<vpc>/default"
_NAME_MAX = 120  # leaves room for a "-NN" suffix within the format's 128 characters
OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# An address already in the form ipaddress prints: the common case, checked by one regex.
_CANONICAL_IP = re.compile(rf"({OCTET})\.({OCTET})\.({OCTET})\.({OCTET})")


def icmp_fields(rule: dict[str, Any], icmp_type: int | None, icmp_code: int | None) -> None:
    """An AWS (or Terraform) ICMP/ICMPv6 type and code onto a design rule; -1 (or absent) means any.

    Security groups carry them in FromPort/ToPort, NACL entries in IcmpTypeCode
    (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpPermission.html).
    """
    if icmp_type is not None and icmp_type >= 0:
        rule["icmp_type"] = icmp_type
        if icmp_code is not None and icmp_code >= 0:
            rule["icmp_code"] = icmp_code


@dataclass(slots=True)
class Picked:
    """A resource chosen for the design: its JSON, design name and VPC (by AWS id)."""

    j: Item
    name: str
    vpc_id: str | None = None


@record
class UnsupportedKind:
    """A kind of AWS resource vpcsim reads but does not simulate (an `unsupported:` entry)."""

    kind: str  # the design's `unsupported.<name>.kind`
    label: str  # how messages call one ("transit gateway")
    id_field: str
    name_field: str | None = None


def _slug(text: str) -> str:
    return _NAME_BAD.sub("-", text).strip("-")[:_NAME_MAX].strip("-")


class Names:
    """Unique, readable names for one section of the design."""

    def __init__(self, reserved: Sequence[str] = ()) -> None:
        self.used: set[str] = set(reserved)
        self.next_suffix: dict[str, int] = {}  # thousands of instances may share one Name tag

    def take(self, preferred: str | None, fallback: str) -> str:
        base = _slug(preferred or "") or _slug(fallback) or "unnamed"
        name = base
        if name in self.used:
            suffix = self.next_suffix.get(base, 2)
            while (name := f"{base}-{suffix}") in self.used:
                suffix += 1
            self.next_suffix[base] = suffix + 1
        self.used.add(name)
        return name


def ip_text(text: str) -> str | None:
    """An IPv4 address in canonical form, or None when `text` is not one."""
    if isinstance(text, str) and _CANONICAL_IP.fullmatch(text):
        return text
    try:
        return str(ipaddress.IPv4Address(text.strip()))
    except (ValueError, TypeError):
        return None


def ip_int(text: str) -> int | None:
    """`ip_text`'s address as an int (one regex for the common form, not `ip_text` then
    `model.ip_to_int`: 30,000 addresses at 20,000 instances)."""
    found = _CANONICAL_IP.fullmatch(text) if type(text) is str else None
    if found is not None:
        a, b, c, d = map(int, found.groups())
        return a << 24 | b << 16 | c << 8 | d
    canonical = ip_text(text)
    return None if canonical is None else ip_to_int(canonical)


def ip6_text(text: str) -> str | None:
    """An IPv6 address in RFC 5952 form, or None when `text` is not one."""
    try:
        return str(ipaddress.IPv6Address(text.strip()))
    except (ValueError, TypeError, AttributeError):
        return None


@record
class Detail:
    """Another `describe-*` output a mapping reads besides its own (a transit gateway's route
    tables, routes, propagations): kept in `importer.raw[file_key]` by its `id_fields` joined with
    "/", so that two accounts' views of one resource that differ in those fields are both kept.
    A field may hold a string or a whole number (a launch template version's VersionNumber)."""

    file_key: str
    id_fields: tuple[str, ...]
    label: str


@record
class AwsMapping(Generic[ImporterT]):
    """How one component's `describe-*` output becomes its design section; its module registers it.

    `pick` runs after VPCs, subnets, route tables, NACLs and security groups are picked, and keeps
    the resources that carry traffic (saying why it skips the others, and recording them in
    `importer.gone` so routes to them become blackholes). `body` writes one kept resource in the
    design format, located with `importer.at`. Routes whose `route_field` names a kept resource
    get `{route_key: name}`; a component that no route names leaves both, and `id_prefix`, empty.
    """

    file_key: str  # the output's top-level key, e.g. "NatGateways"
    section: str  # the design section it fills, e.g. "nat_gateways"
    route_key: str  # the design's route target key, e.g. "nat_gateway" ("": no route targets one)
    route_field: str  # the AWS route field that names one, e.g. "NatGatewayId" ("": none)
    id_prefix: str  # its AWS ids' prefix, e.g. "nat-" ("": routes never name one by id)
    label: str  # how messages call one, e.g. "NAT gateway"
    id_field: str  # the field of its own id in the output, e.g. "NatGatewayId"
    pick: Callable[[ImporterT], dict[str, Picked]]
    body: Callable[[ImporterT, Picked], dict[str, Any]]
    rank: int = 50  # order of the picks and of the design's sections
    kind: str = ""  # `unsupported.kind` for one known only by id (default: route_key)
    # What must agree between two accounts' views of one resource (default: all but its tags).
    essence: Callable[[dict[str, Any]], Any] | None = None
    details: tuple[Detail, ...] = ()  # the other outputs its `pick` and `body` read


# Every mapping is handed the one importer (importers.aws.Importer), which this module cannot
# name: the registry holds them as AwsMapping[Any], and the importer reads them back as its own.
_MAPPINGS: dict[str, AwsMapping[Any]] = {}


def register(mapping: AwsMapping[ImporterT]) -> AwsMapping[ImporterT]:
    """Add a component's AWS mapping (its module calls this once, at import)."""
    _MAPPINGS[mapping.file_key] = mapping
    return mapping


def mappings() -> tuple[AwsMapping[Any], ...]:
    return tuple(sorted(_MAPPINGS.values(), key=lambda m: (m.rank, m.file_key)))


def classic_listener(protocol: str, port: int, instance_port: int, instance_protocol: str) -> dict[str, Any]:
    """A Classic Load Balancer's listener in the design format (docs/format.md, "Load balancers"):
    the instance protocol only when it differs from the front one."""
    body: dict[str, Any] = {"protocol": protocol, "port": port, "instance_port": instance_port}
    if instance_protocol != protocol:
        body["instance_protocol"] = instance_protocol
    return body


def target_group_health(protocol: str, port: int, check_port: int | None, check_protocol: str,
                        enabled: bool | None) -> dict[str, Any]:
    """A target group's `health_check:` in the design format, only what differs from the defaults
    `read_group` applies: the traffic port, and TCP checks for an NLB's groups, HTTP for an ALB's."""
    check: dict[str, Any] = {}
    if check_port is not None and check_port != port:
        check["port"] = check_port
    default = "TCP" if protocol in facts.LB_LISTENER_PROTOCOLS["network"] else "HTTP"
    if check_protocol.upper() in facts.LB_HEALTH_CHECK_PROTOCOLS and check_protocol.upper() != default:
        check["protocol"] = check_protocol.upper()
    if enabled is False:
        check["enabled"] = False
    return check
