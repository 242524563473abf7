"""AWS import: a folder of `aws ec2 describe-*` JSON files -> a design in the YAML format, plus warnings.

The stages, in order:

1. find the files: a flat folder, or Batfish's `aws_configs/[accounts/<account>/]<region>/` layout
   (files directly under `aws_configs/` belong to region us-west-2, Batfish's default);
2. parse each file, remembering where every JSON object sits (line, column and JSON path);
3. collect resources by the file's top-level key (`Vpcs`, `Subnets`, ...), never by file name;
4. name every object (its `Name` tag, made unique and slug-safe, else its AWS id) and map AWS's
   fields onto docs/format.md, spelling out the semantics hidden in the data (main route table,
   default NACL, default security group, route states, peering states...);
5. hand back a plain design dict (`snapshot_to_design`) or a located tree for `vpcsim.loader.build`
   whose every object points at the JSON file and path it came from (`load_snapshot_tree`).

Choices a reader of the output should know (each is also a warning when it applies):

- Resources vpcsim does not simulate (Gateway Load Balancers, Direct Connect virtual interfaces,
  RDS...) become `unsupported:` entries, so routes can point at them.
- A route whose target is missing from the snapshot is an error, unless the snapshot has no file
  of that kind at all (a deliberately partial snapshot): the target then becomes an `unsupported:`
  entry, so a trace stops there instead of guessing.
- A peering whose other VPC is not in the snapshot (another account, not loaded) becomes an
  `unsupported:` entry when active (traffic leaves the modelled network), and is dropped when it
  is not active (routes over it then drop traffic, as AWS does with a dead peering).
- A snapshot spanning several regions gets `region:` set to the regions' common prefix (us-east-1
  and us-west-1 -> `us`) so that every subnet's zone still starts with it; see `_Importer.design_region`.
"""

from __future__ import annotations

import codecs
import dataclasses
import ipaddress
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from vpcsim.errors import DesignError, Diagnostic, Location, Severity
from vpcsim.facts import GONE_STATES
from vpcsim.importers import validated
from vpcsim.importers.chunks import KNOWN as _KNOWN
from vpcsim.importers.chunks import Chunks as _Chunks
from vpcsim.importers.chunks import Held as _Held
from vpcsim.importers.chunks import PickView as _PickView
from vpcsim.importers.chunks import Public as _Public
from vpcsim.importers.chunks import chunk_places as _chunk_places
from vpcsim.importers.chunks import objs_held as _objs_held
from vpcsim.importers.chunks import pick_view as _pick_view
from vpcsim.importers.chunks import plain as _plain
from vpcsim.importers.design_yaml import design_to_yaml
from vpcsim.importers.items import Doc as _Doc
from vpcsim.importers.items import Item as _J
from vpcsim.importers.items import JsonObj
from vpcsim.importers.items import json_kind as _json_kind
from vpcsim.importers.jsonscan import DuplicateKeyError as _DuplicateKeyError
from vpcsim.importers.jsonscan import Offsets as _Offsets
from vpcsim.importers.jsonscan import parse_chunk as _parse_chunk
from vpcsim.importers.jsonscan import parse_exact as _parse_exact
from vpcsim.importers.jsonscan import parse_fast as _parse_fast
from vpcsim.importers.jsonscan import parse_scanned as _parse_scanned
from vpcsim.importers.mapping import OCTET, AwsMapping, icmp_fields, mappings, register
from vpcsim.importers.mapping import Names as _Names
from vpcsim.importers.mapping import Picked as _Named
from vpcsim.importers.mapping import UnsupportedKind as _UnsupportedKind
from vpcsim.importers.mapping import ip6_text as _ip6
from vpcsim.importers.mapping import ip_int as _ip_int
from vpcsim.importers.mapping import ip_text as _ip
from vpcsim.importers.texts import REREAD_MAX_FILES, REREAD_MIN_BYTES, JsonNumberText
from vpcsim.importers.texts import FileText as _FileText
from vpcsim.loader.build import default_group_name
from vpcsim.loader.extensions import require_components
from vpcsim.loader.reader import Built as _Built
from vpcsim.loader.reader import FileTooLarge, Node, UnreadableFile, located_tree, open_regular, read_open
from vpcsim.model import EMPTY_TAGS, IPV4_MAX, parse_decimal, parse_ip, short
from vpcsim.model import Instance as _Instance
from vpcsim.model import Interface as _Interface

__all__ = ["AwsMapping", "design_to_yaml", "load_snapshot_tree", "mappings", "register", "snapshot_to_design"]

# Batfish reads files directly under aws_configs/ as region us-west-2 (its default).
BATFISH_DEFAULT_REGION = "us-west-2"
MAX_FILE_BYTES = 512 * 1024 * 1024
# Above this size a file that `_parse_scanned` declines is parsed by the C decoder without
# offsets (the pure-Python scanner would take minutes): its locations carry the JSON path only.
LOCATE_MAX_BYTES = 32 * 1024 * 1024
# A describe-instances or describe-network-interfaces file at least this large, as the AWS CLI
# prints it, is read in chunks of whole items of about CHUNK_BYTES (`_Importer.read_chunked`).
CHUNK_MIN_BYTES = REREAD_MIN_BYTES
CHUNK_BYTES = 2 * 1024 * 1024
# `{`, the one key, `[`: how the CLI opens the two large outputs (the items are indented twice).
_CLI_HEAD = re.compile(rb'\{\n( +)"(Reservations|NetworkInterfaces)": \[\n')

# The errors of a file that could not be read or parsed (`read`, `parse`): its kind is unknown.
_UNREAD_CODES = frozenset({"aws-json", "io", "aws-too-large", "aws-encoding", "aws-outside"})
_REGION_RE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")


# The describe-* outputs vpcsim maps onto the design, by top-level key (component modules
# register more: `AwsMapping`).
SUPPORTED_KEYS = (
    "Vpcs",
    "Subnets",
    "RouteTables",
    "NetworkAcls",
    "SecurityGroups",
    "NetworkInterfaces",
    "Reservations",
    "Addresses",
    "PrefixLists",
    "ManagedPrefixLists",
    "AvailabilityZones",
    "DhcpOptions",
)


# Known AWS resources vpcsim does not simulate: each item becomes an `unsupported:` entry.
UNSUPPORTED_KEYS: dict[str, _UnsupportedKind] = {
    "TransitGateways": _UnsupportedKind("transit_gateway", "transit gateway", "TransitGatewayId"),
    "TransitGatewayAttachments": _UnsupportedKind(
        "transit_gateway_attachment", "transit gateway attachment", "TransitGatewayAttachmentId"
    ),
    "TransitGatewayVpcAttachments": _UnsupportedKind(
        "transit_gateway_attachment", "transit gateway attachment", "TransitGatewayAttachmentId"
    ),
    "TransitGatewayPeeringAttachments": _UnsupportedKind(
        "transit_gateway_attachment", "transit gateway attachment", "TransitGatewayAttachmentId"
    ),
    "TransitGatewayRouteTables": _UnsupportedKind(
        "transit_gateway_route_table", "transit gateway route table", "TransitGatewayRouteTableId"
    ),
    "VpnGateways": _UnsupportedKind("vpn_gateway", "VPN gateway", "VpnGatewayId"),
    "VpnConnections": _UnsupportedKind("vpn_connection", "VPN connection", "VpnConnectionId"),
    "CustomerGateways": _UnsupportedKind("customer_gateway", "customer gateway", "CustomerGatewayId"),
    "CarrierGateways": _UnsupportedKind("carrier_gateway", "carrier gateway", "CarrierGatewayId"),
    "LocalGateways": _UnsupportedKind("local_gateway", "local gateway", "LocalGatewayId"),
    "DirectConnectGateways": _UnsupportedKind(
        "direct_connect_gateway", "Direct Connect gateway", "DirectConnectGatewayId", "DirectConnectGatewayName"
    ),
    "VirtualInterfaces": _UnsupportedKind(
        "direct_connect_virtual_interface", "Direct Connect virtual interface", "VirtualInterfaceId",
        "VirtualInterfaceName",
    ),
    "Connections": _UnsupportedKind(
        "direct_connect_connection", "Direct Connect connection", "ConnectionId", "ConnectionName"
    ),
    "DBInstances": _UnsupportedKind("rds_instance", "RDS instance", "DBInstanceIdentifier"),
    "DomainStatusList": _UnsupportedKind("elasticsearch_domain", "Elasticsearch domain", "DomainName"),
    "Firewalls": _UnsupportedKind("network_firewall", "network firewall", "FirewallArn", "FirewallName"),
}

# Details of unsupported resources (routes, listeners, health...): one warning per file.
UNSUPPORTED_DETAIL_KEYS = {
    "TransitGatewayStaticRoutes": "transit gateway routes",
    "TransitGatewayPropagations": "transit gateway route propagations",
    "DirectConnectGatewayAssociations": "Direct Connect gateway associations",
}

# Outputs that say nothing about reachability (or only about AWS's service catalogue).
IGNORED_KEYS = frozenset(
    {
        "ResponseMetadata",
        "NextToken",
        "FlowLogs",
        "KeyPairs",
        "Volumes",
        "Regions",
        "AccountAttributes",
        "ServiceDetails",
        "ServiceNames",
    }
)

# What an id's prefix says about the resource, for ids that are not in the snapshot.
# prefix -> (kind, label, the top-level key whose file would hold it, supported by vpcsim)
_ID_PREFIXES: dict[str, tuple[str, str, str, bool]] = {
    "i-": ("instance", "instance", "Reservations", True),
    "eni-": ("network_interface", "network interface", "NetworkInterfaces", True),
    "tgw-": ("transit_gateway", "transit gateway", "TransitGateways", False),
    "vgw-": ("vpn_gateway", "VPN gateway", "VpnGateways", False),
    "vpce-": ("vpc_endpoint", "VPC endpoint", "VpcEndpoints", False),
    "eigw-": ("egress_only_internet_gateway", "egress-only internet gateway", "EgressOnlyInternetGateways", False),
    "cagw-": ("carrier_gateway", "carrier gateway", "CarrierGateways", False),
    "lgw-": ("local_gateway", "local gateway", "LocalGateways", False),
}

_INSTANCE_STATES = ("running", "pending", "stopping", "stopped", "shutting-down", "terminated")
_PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
_PROTOCOL_WORDS = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}


# -- public API --------------------------------------------------------------------------------


def snapshot_to_design(
    path: str | os.PathLike[str], files: Sequence[str] | None = None, *, validate: bool = False
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """A snapshot folder -> a design dict in the YAML format (docs/format.md) + warnings.

    `files` restricts the files read to these paths, relative to the layout root (the folder's
    `aws_configs/` when it has one, else the folder itself). Raises DesignError listing every
    problem (with file and JSON path) when the snapshot cannot be imported, and with
    `validate=True` also when the design it makes would not load (what `vpcsim import` writes).
    """
    importer, design = _imported(os.fspath(path), files)
    if not validate:
        return design, importer.warnings
    return design, validated(importer.tree(design), path, importer.warnings)


def load_snapshot_tree(
    path: str | os.PathLike[str], files: Sequence[str] | None = None
) -> tuple[Node, list[Diagnostic]]:
    """Same as `snapshot_to_design`, as a located tree for `vpcsim.loader.build.build`.

    Every object's location names its JSON file, line, column and JSON path, e.g.
    `snap/aws_configs/Subnets.json:12:3 ($.Subnets[3])`.
    """
    importer, design = _imported(os.fspath(path), files, records=True)
    importer.release()
    return importer.tree(design), importer.warnings


def _imported(path: str, files: Sequence[str] | None, records: bool = False) -> tuple[_Importer, dict[str, Any]]:
    """Import, mapping instances as describe-instances is read; once more without, when that
    cannot give what reading it whole does (`_Restart`). `records`: see `_Importer.records`."""
    try:
        try:
            importer = _Importer(path, records=records)
            return importer, importer.run(files)
        except _Restart:
            importer = _Importer(path, stream=False, records=records)
            return importer, importer.run(files)
    except RecursionError:  # (every parse declines what its walks cannot take: this is the last guard)
        raise DesignError([Diagnostic(Severity.ERROR, "aws-json", "a value is nested too deeply to import "
                                      "(expected JSON as `aws ec2 describe-*` writes it)", Location(path, 0, 0))]) from None


_COLLECTED = object()  # read_chunked's value: its items are collected already
_DEFERRED = object()  # read's value for describe-instances as the CLI prints it: read by pick_instances


class _Restart(Exception):
    """Instances cannot be mapped as describe-instances is read (`_Importer.stream_instances`):
    import again, reading it first (`_Importer(stream=False)`)."""


# An instance's interface as picked: as kept (held, or its JSON), its device index, id and subnet.
_Picked = tuple[_J, int, str, str]
# An instance as `_Importer.instance_draft` reads it: where it is, its id, its tags, and each
# interface's location, id, subnet, addresses, public IP, security groups and source/dest check.
_InterfaceDraft = tuple[Location, str, str, tuple[int, ...], "int | None", tuple[str, ...], bool]
_Draft = tuple[Location, str, dict[str, str], list[_InterfaceDraft]]


def _token(eni_id: str) -> str:
    """Stands for an interface's name in a body written before interface names are taken."""
    return f"\x00{eni_id}\x00"


# -- naming -------------------------------------------------------------------------------------


# -- addresses ----------------------------------------------------------------------------------


# A prefix already in the form ipaddress prints: the common case, checked by one regex.
_CANONICAL_CIDR = re.compile(rf"({OCTET}(?:\.{OCTET}){{3}})/(3[0-2]|[12]?[0-9])")


def _cidr(text: str) -> tuple[str, bool] | None:
    """Normalise an IPv4 or IPv6 CIDR; (text, had host bits) or None when it is not one."""
    match = _CANONICAL_CIDR.fullmatch(text) if isinstance(text, str) else None
    if match is not None:
        address = int.from_bytes(bytes(map(int, match[1].split("."))), "big")
        if address & ((1 << (32 - int(match[2]))) - 1) == 0:
            return text, False
    try:
        if isinstance(text, str) and ":" in text:
            network: ipaddress.IPv4Network | ipaddress.IPv6Network = ipaddress.IPv6Network(text.strip(), strict=False)
        else:
            network = ipaddress.IPv4Network(text.strip(), strict=False)
    except (ValueError, TypeError):
        return None
    normal = str(network)
    return normal, normal != text.strip()


def _ports(lo: int | None, hi: int | None) -> int | str | None:
    """AWS's FromPort/ToPort (or PortRange From/To), checked by `_J.port_pair`, -> `ports`; None for all."""
    if lo is None:
        return None
    hi = lo if hi is None else hi
    if (lo, hi) == (0, 65535):
        return None
    return lo if lo == hi else f"{lo}-{hi}"


# -- the importer -------------------------------------------------------------------------------


# What `_Importer.release` keeps: what `tree` and `warnings` read.
_KEPT = ("path", "diagnostics", "locs")


class _Importer:
    # What `release` drops: every attribute but those `tree` and `warnings` read. Listed because
    # setup.py compiles this class with mypyc, whose native attributes can be deleted only when
    # named here (test_aws_import checks that it names every attribute a load sets).
    __deletable__ = [
        "acls", "active_pairs", "claimed_interfaces", "default_acls", "default_groups", "deferred", "design",
        "details", "docs", "edge_associations", "eips_by_owner", "eni_names", "gone", "groups", "indexes",
        "instance_by_id", "instance_enis", "instance_tags", "instances", "key_labels", "known_keys", "listed_public",
        "listed_unclean", "loaded_keys", "main_tables", "mapping_of", "mappings", "picked", "prefix_list_by_id",
        "prefix_list_names", "prefix_lists", "raw", "raw_prefix_lists", "raw_unsupported", "ready", "real_root",
        "records", "regions", "repeated_key", "route_tables", "shared", "sources", "spliced", "stream", "streaming",
        "subnet_acls", "subnet_tables", "subnets", "subnets_by_vpc", "unsupported", "unsupported_by_id",
        "unsupported_names", "vpc_attributes", "vpc_cidrs", "vpcs", "written",
    ]
    def __init__(self, path: str, stream: bool = True, records: bool = False) -> None:
        require_components()  # their AWS mappings are half the importer
        self.path = path
        # Build running instances as records (`instance_draft`) rather than write their bodies: for
        # a load, not for `vpcsim import`, which writes the bodies out.
        self.records = records
        # Map each instance while its chunk of describe-instances is parsed (`stream_instances`).
        self.stream = stream
        # Such files, read when pick_instances runs: (descriptor, bytes of a BOM, indent, doc,
        # chunks, how many diagnostics were made before its turn: where its own go).
        self.deferred: list[tuple[int, int, bytes, _Doc, _Chunks, int]] = []
        self.spliced = 0  # diagnostics put back so far (a later file's turn moves by as many)
        # Instance bodies written as they were read: id -> (body, its diagnostics, held for its turn).
        self.ready: dict[str, tuple[dict[str, Any] | _Draft, list[Diagnostic]]] = {}
        # The interfaces of the bodies written so far: convert drops their describe-network-
        # interfaces entries after each body, so a later body does not find them (a repeated ENI id).
        self.written: set[str] = set()
        self.streaming = False  # in stream_instances: a held instance keeps its JSON until picked
        # A key repeated in a chunk, where it is in the file: the one error of that file, which a
        # file too large to locate would otherwise report at its start (`read`).
        self.repeated_key: tuple[str, Location] | None = None
        self.shared: dict[str, str] = {}  # one copy of each `_Held.known` string
        self.real_root = os.path.realpath(path)
        self.diagnostics: list[Diagnostic] = []
        self.locs: dict[int, Location] = {}  # id(design object) -> where it came from
        # Raw resources by AWS id, first occurrence wins (multi-account snapshots repeat some).
        self.mappings = mappings()
        self.details = {d.file_key: d for m in self.mappings for d in m.details}
        self.known_keys = (*SUPPORTED_KEYS, *(m.file_key for m in self.mappings), *self.details)
        self.mapping_of = {m.file_key: m for m in self.mappings}
        self.key_labels = {**_KEY_LABELS, **{m.file_key: m.label for m in self.mappings},
                           **{d.file_key: d.label for d in self.details.values()}}
        self.raw: dict[str, dict[str, _J]] = {key: {} for key in self.known_keys}
        self.picked: dict[str, dict[str, _Named]] = {}  # design section -> AWS id -> resource kept
        # ENIs that stand for another resource (a NAT gateway's own ENI): id -> (route field, its id).
        self.claimed_interfaces: dict[str, tuple[str, str]] = {}
        # VPC pairs joined by an active peering: security-group references may cross them.
        self.active_pairs: set[frozenset[str | None]] = set()
        self.raw_unsupported: dict[str, tuple[_UnsupportedKind, _J]] = {}
        # Prefix lists by id: every item seen (describe-prefix-lists gives Cidrs, describe-managed-
        # prefix-lists gives metadata and, when merged in by the user, Entries).
        self.raw_prefix_lists: dict[str, list[_J]] = {}
        self.loaded_keys: set[str] = set()
        self.vpc_attributes: dict[str, dict[str, bool]] = {}  # vpc id -> design key -> value
        self.regions: list[str] = []  # the snapshot's regions, when it spans several
        self.docs: list[_Doc] = []
        self.sources: list[_FileText] = []  # the large files' texts, read again (closed by run())
        # Ids that AWS still reports but that carry no traffic: id -> why.
        self.gone: dict[str, str] = {}
        # describe-network-interfaces' Association of each held interface (`note_listed`): its
        # public IP and whether it is allocated, when it has one; the ids whose Association needs reading.
        self.listed_public: dict[str, tuple[str, bool]] = {}
        self.listed_unclean: set[str] = set()
        # What a component mapping indexes once per import, by its module's name (`load_balancer`).
        self.indexes: dict[str, object] = {}

    # -- reporting ----------------------------------------------------------------------------

    def error(self, code: str, message: str, loc: Location | None) -> None:
        self.diagnostics.append(Diagnostic(Severity.ERROR, code, message, loc))

    def warn(self, code: str, message: str, loc: Location | None) -> None:
        self.diagnostics.append(Diagnostic(Severity.WARNING, code, message, loc))

    def skip(self, aws_id: str, gone: str, code: str, message: str, loc: Location | None) -> None:
        """Leave a resource out, saying why: routes to it then drop traffic (`gone` says what it is)."""
        self.gone[aws_id] = gone
        self.warn(code, message, loc)

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    def fail_if_errors(self) -> None:
        errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
        if errors:
            raise DesignError(errors + self.warnings)

    def at(self, obj: dict[str, Any] | list[Any], loc: Location) -> None:
        self.locs[id(obj)] = loc

    # -- stage 1: files -----------------------------------------------------------------------

    def find_files(self, files: Sequence[str] | None) -> list[tuple[str, str]]:
        """(absolute path, path relative to the layout root) of each file to read, sorted."""
        base = self.path
        if not os.path.isdir(base):
            self.error("aws-snapshot", f"{base}: not a folder (expected a folder of describe-* JSON files)",
                       Location(base, 0, 0))
            self.fail_if_errors()
        nested = os.path.join(base, "aws_configs")
        root = nested if os.path.isdir(nested) else base
        found: list[tuple[str, str]] = []
        if files is None:
            for folder, dirs, names in os.walk(root):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in names:
                    if name.lower().endswith(".json") and not name.startswith("."):
                        full = os.path.join(folder, name)
                        found.append((full, os.path.relpath(full, root).replace(os.sep, "/")))
        else:
            for rel in files:
                candidates = [os.path.join(root, rel), os.path.join(base, rel)]
                match = next((c for c in candidates if os.path.isfile(c)), None)
                if match is None:
                    self.error("aws-file-missing", f"{rel}: listed in files but not found under {root}",
                               Location(os.path.join(root, rel), 0, 0))
                    continue
                relative = os.path.relpath(match, root)
                if relative.startswith(".."):
                    relative = os.path.relpath(match, base)
                found.append((match, relative.replace(os.sep, "/")))
        if not found and files is None:
            self.error("aws-snapshot", f"{base}: no .json files found (expected describe-* output such as Vpcs.json)",
                       Location(base, 0, 0))
        self.fail_if_errors()
        return sorted(set(found), key=lambda item: item[1])

    def read(self, full: str, rel: str) -> tuple[_Doc, Any] | None:
        display = os.path.join(self.path, os.path.relpath(full, self.path))
        parts = rel.split("/")[:-1]
        region = next((p for p in reversed(parts) if _REGION_RE.match(p)), None)
        start = Location(display, 1, 1)
        # A link may point anywhere (`x.json -> /etc/passwd`); read only what lies in the snapshot.
        real = os.path.realpath(full)
        if os.path.commonpath([real, self.real_root]) != self.real_root:
            self.error("aws-outside", "a link to a file outside the snapshot folder; not read", start)
            return None
        try:
            fd = open_regular(real, MAX_FILE_BYTES)
            try:
                if (os.fstat(fd).st_size >= CHUNK_MIN_BYTES
                        and len(self.sources) + len(self.deferred) < REREAD_MAX_FILES):
                    found = self.chunk_head(fd) if self.stream else None
                    if found is not None and found[2] == "Reservations":
                        doc, chunks = self.chunked_doc(fd, found[0], display, rel, region)
                        self.deferred.append((fd, found[0], found[1], doc, chunks, len(self.diagnostics)))
                        return doc, _DEFERRED
                    chunked = self.read_chunked(fd, display, rel, region)
                    if chunked is not None:
                        return chunked, _COLLECTED
                    if self.repeated_key is not None:
                        os.close(fd)
                        self.error("aws-json", *self.repeated_key)
                        self.repeated_key = None
                        return None
                    os.lseek(fd, 0, os.SEEK_SET)  # not in the CLI's shape: read whole, as any file
                data = read_open(fd, MAX_FILE_BYTES)
            except BaseException:
                os.close(fd)
                raise
        except FileTooLarge as exc:
            size = f"{exc.size:,}" if exc.size is not None else f"more than {MAX_FILE_BYTES:,}"
            self.error("aws-too-large", f"file is {size} bytes (the limit is {MAX_FILE_BYTES:,})", start)
            return None
        except UnreadableFile as exc:
            self.error("io", f"cannot read file: {exc.strerror or exc}", start)
            return None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            os.close(fd)
            line = data[: exc.start].count(b"\n") + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            self.error("aws-encoding", f"not UTF-8 text (byte 0x{data[exc.start]:02x}); expected JSON",
                       Location(display, line, col))
            return None
        nbytes = len(data)
        skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
        del data  # the text is a second copy: at 100,000 instances 250 MB each, held for the parse
        try:
            parsed = self.parse(display, rel, region, text, nbytes)
        except BaseException:
            os.close(fd)
            raise
        reread = nbytes >= REREAD_MIN_BYTES and text.isascii() and len(self.sources) < REREAD_MAX_FILES
        if parsed is not None and reread:
            doc = parsed[0]
            doc.text = source = _FileText(fd, skip, text)  # it closes fd
            if isinstance(doc.positions, _Offsets):
                doc.positions.text = source
            self.sources.append(source)
        else:
            os.close(fd)
        return parsed

    def parse(self, display: str, rel: str, region: str | None, text: str,
              nbytes: int) -> tuple[_Doc, Any] | None:
        """`read`'s second half: the text -> (a _Doc, the value); None when it is not JSON (reported)."""
        start = Location(display, 1, 1)
        try:
            scanned = _parse_scanned(text)
            if scanned is not None:
                value, positions = scanned
            elif nbytes <= LOCATE_MAX_BYTES:
                value, positions = _parse_exact(text)
            else:
                value, positions = _parse_fast(text), {}
        except json.JSONDecodeError as exc:
            self.error("aws-json", f"malformed JSON: {exc.msg}", Location(display, exc.lineno, exc.colno))
            return None
        except RecursionError:
            self.error("aws-json", "JSON nested too deeply", start)
            return None
        return _Doc(display, rel, region, text, positions), value

    def read_chunked(self, fd: int, display: str, rel: str, region: str | None) -> _Doc | None:
        """Read a describe-instances or describe-network-interfaces output as the AWS CLI prints it,
        in chunks of whole items, each parsed and collected as it is read and then dropped (its
        items are `_Held`); None, with nothing collected, when the file is not in that shape or a
        chunk is not plain (malformed, a repeated key, not UTF-8...): it is then read whole.

        In the CLI's indented output a top-level item ends at a line `<indent>},` (a raw newline
        cannot sit inside a JSON string), so the text between two such lines is a list of whole
        items: parsed as `[` + it + `]` by `_parse_chunk` (or, when a brace sits in a string,
        by the exact parser), which checks the cut, every location stays exact, offset by the chunk's start.
        """
        found = self.chunk_head(fd)
        if found is None:
            return None
        skip, indent, key = found
        doc, chunks = self.chunked_doc(fd, skip, display, rel, region)
        mark = (len(self.diagnostics), key in self.loaded_keys, len(self.raw[key]))
        try:
            plain = self.read_chunks(fd, skip, indent, key, doc, chunks)
        except BaseException:
            chunks.source.detach()  # `read` closes fd: the source must not close it again (or its next owner's)
            raise
        if plain:
            self.sources.append(chunks.source)
            return doc
        # Not plain: undo what the chunks collected, and let the file be read whole.
        del self.diagnostics[mark[0]:]
        if not mark[1]:
            self.loaded_keys.discard(key)
        raw = self.raw[key]
        for aws_id in list(raw)[mark[2]:]:
            del raw[aws_id]
            self.listed_public.pop(aws_id, None)
            self.listed_unclean.discard(aws_id)
        chunks.source.detach()
        return None

    def chunk_head(self, fd: int) -> tuple[int, bytes, str] | None:
        """(bytes of a byte order mark, indent, key) of a file that opens as the CLI prints the two
        large outputs, when no component mapping reads that key; None otherwise."""
        skip = len(codecs.BOM_UTF8) if os.pread(fd, len(codecs.BOM_UTF8), 0) == codecs.BOM_UTF8 else 0
        head = _CLI_HEAD.match(os.pread(fd, 256, skip))
        if head is None or head[2].decode() in self.mapping_of or head[2].decode() in self.details:
            return None
        return skip, head[1], head[2].decode()

    def chunked_doc(self, fd: int, skip: int, display: str, rel: str, region: str | None) -> tuple[_Doc, _Chunks]:
        chunks = _Chunks(_FileText(fd, skip), display)
        chunks.positions.pinned[id(chunks.root)] = 0
        return _Doc(display, rel, region, chunks.source, chunks.positions), chunks

    def read_chunks(self, fd: int, skip: int, indent: bytes, key: str, doc: _Doc, chunks: _Chunks,
                    each: Callable[[list[tuple[str, _Held]]], None] | None = None,
                    into: list[Diagnostic] | None = None) -> bool:
        """`read_chunked`'s loop: False when a chunk is not plain. `each` is handed each chunk's
        instances as they are held (their chunk still parsed); `into` takes the collect's diagnostics."""
        try:
            return self.read_each_chunk(fd, skip, indent, key, doc, chunks, each, into)
        except RecursionError:
            # A value nested about as deep as Python's stack, which the C scanner took but reading it
            # did not (comparing a repeated item, locating it): read whole, which says where it is.
            return False

    def read_each_chunk(self, fd: int, skip: int, indent: bytes, key: str, doc: _Doc, chunks: _Chunks,
                    each: Callable[[list[tuple[str, _Held]]], None] | None,
                    into: list[Diagnostic] | None) -> bool:
        source = chunks.source
        # One buffer read into again and again, and the text left in one bytearray whose front is
        # cut off in place: a new 2 MiB bytes object for each read and each cut costs its copy and
        # its fresh pages (a fifth of the read, and a third of its page faults).
        piece = bytearray(CHUNK_BYTES)
        got = os.preadv(fd, [piece], skip)
        head = _CLI_HEAD.match(piece, 0, got)
        if head is None:
            return False
        source.feed(piece if got == CHUNK_BYTES else piece[:got])
        root = chunks.root
        separator = b"\n" + indent * 2 + b"},\n"
        tail = re.compile(rb"\n" + indent + rb"\]\n\}[ \t\r\n]*\Z")
        # buf[0] is the byte before the next chunk (where its `[` is written to parse it), buf[1] its first.
        buf = bytearray(piece[head.end() - 1:got])
        at, eof = got, got < CHUNK_BYTES
        start = head.end()  # the offset of buf[1] in the text
        count = 0
        while True:
            if not eof:
                got = os.preadv(fd, [piece], skip + at)
                read = piece if got == CHUNK_BYTES else piece[:got]
                source.feed(read)
                buf += read
                at += got
                eof = got < CHUNK_BYTES
                if at > MAX_FILE_BYTES:
                    return False
            if eof:
                last = tail.search(buf)
                if last is None:
                    return False
                end = last.start()  # (its newline)
            else:
                cut = buf.rfind(separator, 1)
                if cut < 0:
                    continue  # an item longer than a chunk: read on
                end = cut + 2 + len(indent) * 2  # the comma after the item's `}`
            buf[0], buf[end] = 0x5B, 0x5D  # `[` before the chunk's items, `]` after them
            with memoryview(buf) as view:
                try:
                    text = str(view[:end + 1], "utf-8")
                except UnicodeDecodeError:
                    return False  # (the whole file's read says where)
                located: str | bytes = text if text.isascii() else bytes(view[:end + 1])
                taken = self.take_chunk(chunks, doc, root, key, text, located, view[1:end], start, count, into)
            if taken is None:
                return False
            if each is not None:
                each(taken[1])
            if eof:
                return True
            count += taken[0]
            start += end
            del buf[:end]  # (its comma is the next chunk's byte before)

    def take_chunk(self, chunks: _Chunks, doc: _Doc, root: dict[str, Any], key: str, text: str, located: str | bytes,
                   data: bytes | memoryview, start: int, first: int,
                   into: list[Diagnostic] | None = None) -> tuple[int, list[tuple[str, _Held]]] | None:
        """Parse and collect one chunk (`text`: `[` + its bytes, `data`, + `]`; `located`, what its
        offsets count, as `chunk_text` gives them; `data` starts at `start` in the text; its first
        item is the file's `first`): the number of its items and the instances it holds, or None
        when it is not plain."""
        exact = False
        scanned: tuple[list[Any], Mapping[int, int]] | None = _parse_chunk(text, located)
        if scanned is None:
            if located is not text:
                return None  # (in bytes; the exact parser counts characters: read whole)
            try:
                scanned, exact = _parse_exact(text), True
            except _DuplicateKeyError as exc:
                # In the file as in the chunk (a chunk starts outside a string, so its objects are the
                # file's): said where it is, at the file's line.
                once, at = doc.loc_at(start - 1 + exc.first, "$"), doc.loc_at(start - 1 + exc.pos, "$")
                self.repeated_key = (f"malformed JSON: duplicate key {exc.key!r} (first at line {once.line}); "
                                     "expected each key once", Location(doc.display, at.line, at.col))
                return None
            except (ValueError, RecursionError):
                return None
        items, offsets = scanned
        if type(items) is not list or any(type(item) is not dict for item in items):
            return None  # (reported as the whole file's objs() reports it: all at once, before the rest)
        index = chunks.busy = chunks.add(start, data, items, offsets, exact)
        root[key] = items
        main = self.diagnostics
        if into is not None:
            self.diagnostics = into
        try:
            self.collect(doc, root, first)
        finally:
            self.diagnostics = main
        root[key] = []
        chunks.busy = -1
        return len(items), self.hold(chunks, index, key, items, doc, offsets, start - 1, located)

    def hold(self, chunks: _Chunks, index: int, key: str, items: list[Any], doc: _Doc, offsets: Mapping[int, int],
             base: int, text: str | bytes) -> list[tuple[str, _Held]]:
        """Replace the chunk's items that `collect` kept by `_Held` ones (or pin them, for the few
        interfaces that are not an instance's, which load balancers and endpoints look up by id);
        the instances held, with what is read of them when their chunk may be dropped (a pick
        view, their offsets): read at once (`stream_instances`) as well, it is faster to read."""
        raw = self.raw[key]
        out: list[tuple[str, _Held]] = []
        get = offsets.get

        def at(value: Any) -> int:
            found: int | None = get(id(value))
            return -1 if found is None else found + base

        if key == "Reservations":
            place = _chunk_places(doc, text, base)
            for k, reservation in enumerate(items):
                instances = reservation.get("Instances")
                for j, entry in enumerate(instances if type(instances) is list else ()):
                    aws_id = entry.get("InstanceId") if type(entry) is dict else None
                    if not isinstance(aws_id, str):
                        continue
                    item = raw.get(aws_id)
                    if type(item) is _J and item.data is entry:
                        # Its offset and its interfaces': the two an instance's body locates.
                        enis = entry.get("NetworkInterfaces")
                        inner = [at(e) if type(e) is dict else -1 for e in (enis if type(enis) is list else ())]
                        start = at(entry)
                        held = raw[aws_id] = _Held(chunks, index, (k, "Instances", j), doc, item.path, self, True,
                                                   start, tuple(inner))
                        if place is not None and start >= 0:
                            held.where = place(start, item.path)
                            held.places = tuple([None if offset < 0 else place(offset, f"{item.path}.NetworkInterfaces[{n}]")
                                                 for n, offset in enumerate(inner)])
                        if self.streaming:
                            held.entry = entry  # (its pick comes next, its chunk still parsed: `stream_instances`)
                        else:
                            held.view = _pick_view(entry)
                        out.append((aws_id, held))
            return out
        for k, entry in enumerate(items):
            aws_id = entry.get("NetworkInterfaceId")
            item = raw.get(aws_id) if isinstance(aws_id, str) else None
            if type(item) is not _J or item.data is not entry:
                continue
            attachment = entry.get("Attachment")
            owner = attachment.get("InstanceId") if type(attachment) is dict else None
            if isinstance(owner, str) and owner:
                held = raw[aws_id] = _Held(chunks, index, (k,), doc, item.path, self, False)
                self.note_listed(aws_id, entry)
                description, subnet_id = map(entry.get, _KNOWN)
                if (description is None or type(description) is str) and (subnet_id is None or type(subnet_id) is str):
                    shared = self.shared
                    held.known = (None if description is None else shared.setdefault(description, description),
                                  None if subnet_id is None else shared.setdefault(subnet_id, subnet_id))
            else:
                chunks.pin(entry)
        return out

    def note_listed(self, eni_id: str, entry: JsonObj) -> None:
        """What `listed_association` answers for a held interface: its Association's public IP,
        unless reading the Association (`_J.obj`, `_J.text`) would report something."""
        assoc = entry.get("Association")
        if assoc is None:
            return
        if type(assoc) is not dict:
            self.listed_unclean.add(eni_id)
            return
        public = assoc.get("PublicIp")
        if public is None or public == "":
            return
        allocation = assoc.get("AllocationId")
        if not isinstance(public, str) or not (allocation is None or isinstance(allocation, str)):
            self.listed_unclean.add(eni_id)
            return
        self.listed_public[eni_id] = (public, bool(allocation))

    def listed_association(self, eni_id: str) -> _J | _Public | None:
        """describe-network-interfaces' Association of an instance's interface, if loaded."""
        listed = self.raw["NetworkInterfaces"].get(eni_id)
        if listed is None or eni_id in self.written:
            return None
        if type(listed) is _Held and eni_id not in self.listed_unclean:
            found = self.listed_public.get(eni_id)
            return None if found is None else _Public(*found)
        return listed.obj("Association")

    def collect(self, doc: _Doc, value: Any, start: int = 0) -> None:
        """Sort one file's resources by top-level key into `raw` / `raw_unsupported` (`start`:
        the index of the first item, when `value` holds one chunk of a file read in chunks)."""
        if not isinstance(value, dict):
            self.error(
                "aws-not-object",
                f"expected a JSON object with a top-level key such as \"Vpcs\" (the output of an "
                f"`aws ec2 describe-*` command), got {_json_kind(value)}",
                doc.loc(value, "$"),
            )
            return
        root = _J(value, doc, "$", self)
        if "VpcId" in value and any(key in value for key in _VPC_ATTRIBUTES):
            # describe-vpc-attribute: {"VpcId": ..., "EnableDnsSupport": {"Value": true}} (one attribute a call).
            vpc_id = root.text("VpcId")
            for key in _VPC_ATTRIBUTES:
                attr = root.obj(key)
                flag = attr.flag("Value") if attr is not None else None
                if vpc_id is not None and flag is not None:
                    self.vpc_attributes.setdefault(vpc_id, {})[_VPC_ATTRIBUTES[key]] = flag
            extra = [key for key in value if key != "VpcId" and key not in _VPC_ATTRIBUTES]
            for key in extra:
                self.error("aws-unknown-key", f"unknown key {key!r} in a describe-vpc-attribute output (expected "
                           f"VpcId and one of {', '.join(_VPC_ATTRIBUTES)})", root.loc_of(key))
            return
        for key, items in value.items():
            path = f"$.{key}"

            def where(items: Any = items, path: str = path) -> Location:
                # Only for a message: the first location asked of a file lists its offsets (_Offsets).
                if isinstance(items, (dict, list)):
                    return doc.loc(items, path)
                top = doc.loc(value, "$")
                return Location(top.file, top.line, top.col, path)

            if key in IGNORED_KEYS:
                if key == "NextToken" and items:
                    self.warn("aws-paginated",
                              "NextToken is set: this file holds only the first page of the output "
                              "(expected the full output: let the AWS CLI paginate)", where())
                continue
            if key not in self.known_keys and key not in UNSUPPORTED_KEYS and key not in UNSUPPORTED_DETAIL_KEYS:
                known = ", ".join((*self.known_keys, *UNSUPPORTED_KEYS))
                self.error(
                    "aws-unknown-key",
                    f"unknown top-level key {key!r}: not an `aws ec2 describe-*` output vpcsim knows "
                    f"(expected one of: {known})",
                    where(),
                )
                continue
            self.loaded_keys.add(key)
            entries = root.objs(key, start)
            detail = self.details.get(key)
            if detail is not None:  # a mapping reads it (a component that used to be unsupported)
                for item in entries:
                    parts = [self.id_part(item, f, detail.label) for f in detail.id_fields]
                    if all(parts):
                        self.keep(key, "/".join(p for p in parts if p), item)
                continue
            if key in UNSUPPORTED_DETAIL_KEYS:
                if entries:
                    self.warn("aws-unsupported",
                              f"{len(entries)} {UNSUPPORTED_DETAIL_KEYS[key]} are not simulated (ignored)", where())
                continue
            if key in UNSUPPORTED_KEYS and key not in self.mapping_of:
                spec = UNSUPPORTED_KEYS[key]
                for item in entries:
                    aws_id = item.need(spec.id_field, spec.label)
                    if aws_id is not None and aws_id not in self.raw_unsupported:
                        self.raw_unsupported[aws_id] = (spec, item)
                continue
            if key == "Reservations":
                for reservation in entries:
                    for instance in reservation.objs("Instances"):
                        self.keep("Reservations", instance.need("InstanceId", "instance"), instance)
                continue
            if key in ("PrefixLists", "ManagedPrefixLists"):
                for item in entries:
                    pl_id = item.need("PrefixListId", "prefix list")
                    if pl_id is not None:
                        self.raw_prefix_lists.setdefault(pl_id, []).append(item)
                continue
            id_field = {
                "Vpcs": "VpcId",
                "Subnets": "SubnetId",
                "RouteTables": "RouteTableId",
                "NetworkAcls": "NetworkAclId",
                "SecurityGroups": "GroupId",
                "NetworkInterfaces": "NetworkInterfaceId",
                "Addresses": "PublicIp",
                "AvailabilityZones": "ZoneName",
                "DhcpOptions": "DhcpOptionsId",
                **{m.file_key: m.id_field for m in self.mappings},
            }[key]
            for item in entries:
                self.keep(key, item.need(id_field, self.key_labels[key]), item)

    def id_part(self, item: _J, name: str, label: str) -> str | None:
        """One field of a detail's id: a string, or a whole number (VersionNumber)."""
        value = item.data.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return item.need(name, label)

    def keep(self, key: str, aws_id: str | None, item: _J) -> None:
        if aws_id is None:
            return
        first = self.raw[key].setdefault(aws_id, item)
        mapping = self.mapping_of.get(key)
        essence = mapping.essence if mapping is not None and mapping.essence is not None else _essence
        if first is not item and essence(first.data) != essence(item.data):
            self.warn(
                "aws-duplicate",
                f"{self.key_labels[key]} {aws_id} appears twice and differs; using the first "
                f"({first.doc.display}, {first.path})",
                item.loc,
            )

    # -- stage 2: the design ------------------------------------------------------------------

    def run(self, files: Sequence[str] | None) -> dict[str, Any]:
        try:
            for full, rel in self.find_files(files):
                parsed = self.read(full, rel)
                if parsed is not None:
                    doc, value = parsed
                    self.docs.append(doc)
                    if value is not _COLLECTED and value is not _DEFERRED:
                        self.collect(doc, value)
                    del parsed, doc, value  # (a file's parse is freed once the importer drops it)
            # Converting after errors too reports every problem at once (the accessors never raise).
            design = self.convert()
        finally:
            for source in self.sources:  # every location has been asked: the importer's Locations are made
                source.close()
            for _, _, _, _, chunks, _ in self.deferred:  # (not read: a restart, or an error before)
                chunks.source.close()
        self.fail_if_errors()
        return design

    def convert(self) -> dict[str, Any]:
        self.design: dict[str, Any] = {}
        self.unsupported: dict[str, Any] = {}
        self.unsupported_names = _Names()
        self.unsupported_by_id: dict[str, str] = {}
        self.prefix_lists: dict[str, Any] = {}
        self.prefix_list_names = _Names()
        self.prefix_list_by_id: dict[str, str] = {}
        self.pick_vpcs()
        self.pick_subnets()
        self.pick_route_tables()
        self.pick_network_acls()
        self.pick_security_groups()
        for mapping in self.mappings:
            self.picked[mapping.section] = mapping.pick(self)
        self.pick_instances()
        self.pick_loose_interfaces()
        self.pick_unsupported()
        self.warn_missing_kinds()

        region = self.design_region()
        vpcs = {v.name: self.vpc_body(v) for v in self.vpcs.values()}
        subnets = {s.name: self.subnet_body(s) for s in self.subnets.values()}
        route_tables = {t.name: self.route_table_body(t) for t in self.route_tables.values()}
        network_acls = {a.name: self.nacl_body(a) for a in self.acls.values()}
        groups = {g.name: self.group_body(g) for g in self.groups.values() if g.name}
        mapped = {
            m.section: {p.name: m.body(self, p) for p in self.picked[m.section].values()} for m in self.mappings
        }
        instances: dict[str, Any] = {}
        # Each instance's JSON (and its interfaces' describe-network-interfaces entries) is
        # dropped once its body is written, not at release(): at 100,000 instances the parsed
        # describe-instances output (about 425 MB) would otherwise sit beside the whole design.
        for instance_id in list(self.instances):
            instance = self.instances.pop(instance_id)
            ready = self.ready.pop(instance_id, None)
            if ready is not None:
                instances[instance.name] = self.late_body(instance_id, instance, *ready)
            else:
                enis = self.instance_enis[instance_id]
                draft = self.instance_draft(instance, [eni for eni, _, _, _ in enis]) if self.records else None
                instances[instance.name] = self.instance_body(instance) if draft is None else \
                    self.built_instance(instance, draft, [name for _, name, _, _ in enis])
            self.raw["Reservations"].pop(instance_id, None)
            for _, _, _, eni_id in self.instance_enis.pop(instance_id):
                self.raw["NetworkInterfaces"].pop(eni_id, None)
            del instance
        for pl_id, items in self.raw_prefix_lists.items():
            # AWS-managed lists (com.amazonaws.<region>.s3 ...) appear in every account: only
            # those in use are written. The account's own lists are written in any case.
            owners = {item.text("OwnerId") for item in items} - {None}
            names = [item.text("PrefixListName") or "" for item in items]
            if owners and "AWS" not in owners and not any(n.startswith("com.amazonaws.") for n in names):
                self.prefix_list(pl_id, items[0], f"prefix list {pl_id}")

        design = self.design
        design["version"] = 1
        design["description"] = f"Imported from the AWS snapshot {self.path} ({len(self.docs)} files)."
        design["region"] = region
        design["vpcs"] = vpcs
        for key, section in (
            ("subnets", subnets),
            ("route_tables", route_tables),
            ("network_acls", network_acls),
            ("security_groups", groups),
            *mapped.items(),
            ("prefix_lists", self.prefix_lists),
            ("instances", instances),
            ("unsupported", self.unsupported),
        ):
            if section:
                design[key] = section
        return design

    # -- VPCs and region ----------------------------------------------------------------------

    def pick_vpcs(self) -> None:
        names = _Names()
        self.vpcs: dict[str, _Named] = {}
        self.vpc_cidrs: dict[str, list[str]] = {}
        for vpc_id, j in self.raw["Vpcs"].items():
            if j.need("CidrBlock", f"vpc {vpc_id}") is None:
                continue
            self.vpcs[vpc_id] = _Named(j, names.take(j.name_tag(), vpc_id), vpc_id)
            cidrs: list[str] = []
            for text in [j.text("CidrBlock") or ""] + [
                a.text("CidrBlock") or ""
                for a in j.objs("CidrBlockAssociationSet")
                if (state := a.obj("CidrBlockState")) is None or state.text("State") in (None, "associated")
            ]:
                cidr = self.cidr(text, j, f"vpc {vpc_id}")
                if cidr is not None and cidr not in cidrs:
                    cidrs.append(cidr)
            self.vpc_cidrs[vpc_id] = cidrs

    def vpc_region(self, vpc_id: str) -> str | None:
        """The VPC's region: from its subnets' ARNs or zones (data beats folder names), else the layout."""
        zones = {z: j.text("RegionName") for z, j in self.raw["AvailabilityZones"].items()}
        for subnet in self.subnets_by_vpc.get(vpc_id, []):
            arn = subnet.text("SubnetArn") or ""
            parts = arn.split(":")
            if len(parts) > 3 and _REGION_RE.match(parts[3]):
                return parts[3]
            zone = subnet.text("AvailabilityZone") or ""
            if zones.get(zone):
                return zones[zone]
            match = re.match(r"^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$", zone)
            if match:
                return match.group(1)
        return self.vpcs[vpc_id].j.doc.region

    def design_region(self) -> str:
        regions = list(dict.fromkeys(r for r in (self.vpc_region(v) for v in self.vpcs) if r))
        if not regions:
            regions = list(dict.fromkeys(d.region for d in self.docs if d.region))
        if not regions:
            regions = list(dict.fromkeys(r for j in self.raw["AvailabilityZones"].values() if (r := j.text("RegionName"))))
        if not regions:
            if self.vpcs:
                self.warn(
                    "aws-region",
                    f"no subnet, region folder or AvailabilityZones file says which region this is; "
                    f"using {BATFISH_DEFAULT_REGION} (Batfish's default for files directly under aws_configs/)",
                    None,
                )
            return BATFISH_DEFAULT_REGION
        # Several regions: the design's region is the first VPC's, and every VPC says its own
        # (`vpcs.<name>.region`, written by vpc_body), so each subnet's zone is checked against
        # its VPC's region and peerings between them are inter-region.
        self.regions = regions
        return regions[0]

    def vpc_body(self, vpc: _Named) -> dict[str, Any]:
        j = vpc.j
        cidrs = self.vpc_cidrs[vpc.vpc_id or ""]
        body: dict[str, Any] = {"aws_id": vpc.vpc_id, "cidrs": cidrs}
        six = self.ipv6_blocks(j, f"vpc {vpc.name}")
        if six:
            body["ipv6_cidrs"] = six
        if len(self.regions) > 1:
            region = self.vpc_region(vpc.vpc_id or "")
            if region is not None:
                body["region"] = region
        default_acl = self.default_acls.get(vpc.vpc_id or "")
        if default_acl is not None:
            body["default_network_acl"] = default_acl
        default_group = self.default_groups.get(vpc.vpc_id or "")
        if default_group is not None:
            # The format reserves the name `default`: the VPC's default group is written here,
            # with the rules AWS reports for it (they may have been edited).
            sg = default_group.j
            body["default_security_group"] = {
                "aws_id": sg.text("GroupId"),
                "ingress": self.sg_rules(sg, "IpPermissions", default_group),
                "egress": self.sg_rules(sg, "IpPermissionsEgress", default_group),
            }
        body.update(self.vpc_attributes.get(vpc.vpc_id or "", {}))
        options = self.dhcp_options(j)
        if options is not None:
            body["dhcp_options"] = options
        tags = j.tags()
        if tags:
            body["tags"] = tags
        self.at(body, j.loc)
        return body

    def dhcp_options(self, vpc: _J) -> dict[str, Any] | None:
        """The VPC's DHCP options set from describe-dhcp-options, when the snapshot holds it."""
        options_id = vpc.text("DhcpOptionsId")
        if options_id is None or options_id == "default":
            # "default" is no options set at all; read as AWS's default set (see docs/format.md).
            return None
        j = self.raw["DhcpOptions"].get(options_id)
        if j is None:
            return None  # not in the snapshot: AWS's default set (AmazonProvidedDNS) is assumed
        keys = {"domain-name-servers": "domain_name_servers", "domain-name": "domain_name", "ntp-servers": "ntp_servers"}
        body: dict[str, Any] = {"aws_id": options_id}
        name = j.name_tag()
        if name:
            body["name"] = name
        for config in j.objs("DhcpConfigurations"):
            key = keys.get(config.text("Key") or "")
            if key is None:
                continue  # netbios-* options say nothing about reachability
            values = [text for v in config.objs("Values") if (text := v.text("Value")) is not None]
            if key == "domain_name":
                if values:
                    body[key] = values[0]
            elif values:
                body[key] = values
        self.at(body, j.loc)
        return body

    def ipv6_blocks(self, j: _J, what: str) -> list[str]:
        """Ipv6CidrBlockAssociationSet's associated blocks (Amazon's, BYOIP or IPAM), in order."""
        out: list[str] = []
        for a in j.objs("Ipv6CidrBlockAssociationSet"):
            state = a.obj("Ipv6CidrBlockState")
            if state is not None and state.text("State") not in (None, "associated"):
                continue  # disassociated (or failed) blocks carry no traffic
            text = a.need("Ipv6CidrBlock", what)
            cidr = self.cidr(text, a, what) if text is not None else None
            if cidr is not None and cidr not in out:
                out.append(cidr)
        return out

    # -- subnets ------------------------------------------------------------------------------

    def pick_subnets(self) -> None:
        names = _Names()
        self.subnets: dict[str, _Named] = {}
        self.subnets_by_vpc: dict[str, list[_J]] = {}
        for subnet_id, j in self.raw["Subnets"].items():
            vpc_id = j.need("VpcId", f"subnet {subnet_id}")
            if vpc_id is None:
                continue
            if j.text("CidrBlock") is None and not (j.flag("Ipv6Native") or j.objs("Ipv6CidrBlockAssociationSet")):
                j.need("CidrBlock", f"subnet {subnet_id}")  # an IPv6-only subnet has none (Ipv6Native)
                continue
            if j.need("AvailabilityZone", f"subnet {subnet_id}") is None:
                continue
            if vpc_id not in self.vpcs:
                self.warn("aws-orphan", f"subnet {subnet_id}: its vpc {vpc_id} is not in the snapshot (skipped)", j.loc)
                continue
            self.subnets[subnet_id] = _Named(j, names.take(j.name_tag(), subnet_id), vpc_id)
            self.subnets_by_vpc.setdefault(vpc_id, []).append(j)

    def subnet_body(self, subnet: _Named) -> dict[str, Any]:
        j = subnet.j
        body: dict[str, Any] = {"aws_id": j.text("SubnetId"), "vpc": self.vpcs[subnet.vpc_id or ""].name}
        if j.text("CidrBlock") is not None:
            body["cidr"] = self.cidr(j.text("CidrBlock") or "", j, f"subnet {subnet.name}")
        six = self.ipv6_blocks(j, f"subnet {subnet.name}")
        if six:
            body["ipv6_cidr"] = six[0]  # AWS: a subnet has at most one IPv6 block
        if j.flag("EnableDns64"):
            body["enable_dns64"] = True
        body["az"] = j.text("AvailabilityZone")
        table = self.subnet_tables.get(j.text("SubnetId") or "")
        if table is not None:
            body["route_table"] = table
        acl = self.subnet_acls.get(j.text("SubnetId") or "")
        if acl is not None:
            body["network_acl"] = acl
        tags = j.tags()
        if tags:
            body["tags"] = tags
        self.at(body, j.loc)
        return body

    # -- route tables -------------------------------------------------------------------------

    def pick_route_tables(self) -> None:
        names = _Names()
        self.route_tables: dict[str, _Named] = {}
        self.subnet_tables: dict[str, str] = {}  # subnet id -> route table name (explicit associations)
        self.edge_associations: dict[str, list[tuple[str, _J]]] = {}  # table id -> (gateway id, association)
        self.main_tables: set[str] = set()
        for table_id, j in self.raw["RouteTables"].items():
            vpc_id = j.need("VpcId", f"route table {table_id}")
            if vpc_id is None:
                continue
            if vpc_id not in self.vpcs:
                self.warn("aws-orphan", f"route table {table_id}: its vpc {vpc_id} is not in the snapshot (skipped)",
                          j.loc)
                continue
            named = _Named(j, names.take(j.name_tag(), table_id), vpc_id)
            self.route_tables[table_id] = named
            for assoc in j.objs("Associations"):
                state = assoc.obj("AssociationState")
                if state is not None and state.text("State") not in (None, "associated"):
                    continue  # disassociated / failed associations no longer apply
                if assoc.flag("Main"):
                    # "The main route table ... controls the routing for all subnets that are
                    # not explicitly associated with any other route table." (VPC User Guide)
                    self.main_tables.add(table_id)
                subnet_id = assoc.text("SubnetId")
                if subnet_id is not None:
                    if subnet_id in self.subnets:
                        self.subnet_tables[subnet_id] = named.name
                elif assoc.text("GatewayId") is not None:
                    # An edge association: a gateway route table (ingress routing), written once the
                    # gateways are named (route_table_body).
                    self.edge_associations.setdefault(table_id, []).append((assoc.text("GatewayId") or "", assoc))

    def route_table_body(self, table: _Named) -> dict[str, Any]:
        j = table.j
        table_id = j.text("RouteTableId") or ""
        body: dict[str, Any] = {"aws_id": table_id, "vpc": self.vpcs[table.vpc_id or ""].name}
        if table_id in self.main_tables:
            body["main"] = True
        edges = []
        igws = self.picked.get("internet_gateways", {})  # an edge association is an IGW's or a VGW's
        for gateway_id, assoc in self.edge_associations.get(table_id, []):
            if gateway_id in igws:
                edges.append(igws[gateway_id].name)
            elif gateway_id.startswith("vgw-"):
                edges.append(self.unsupported_by_id.get(gateway_id) or self.add_unsupported_ref(
                    gateway_id, "vpn_gateway", "VPN gateway", assoc))
            else:
                self.warn("aws-unknown-gateway", f"route table {table.name}: edge association with {gateway_id}, "
                          "which is not in the snapshot (ignored)", assoc.loc)
        if edges:
            body["edge_associations"] = edges
        # Route propagation enabled (EnableVgwRoutePropagation): kept so that the routes a design
        # adds to the gateway's BGP connections (not in AWS's output) propagate too; the routes AWS
        # lists as propagated stay below, and the derived ones equal to them are not added again.
        vgws = self.picked.get("vpn_gateways", {})
        propagating = [vgws[g].name for p in j.objs("PropagatingVgws") if (g := p.text("GatewayId") or "") in vgws
                       and vgws[g].vpc_id == table.vpc_id]
        if propagating:
            body["propagating_vgws"] = propagating
        routes: list[dict[str, Any]] = []
        for route in j.objs("Routes"):
            converted = self.route(route, table)
            if converted is not None:
                routes.append(converted)
        if routes:
            body["routes"] = routes
        self.at(body, j.loc)
        return body

    def route(self, r: _J, table: _Named) -> dict[str, Any] | None:
        what = f"route table {table.name}"
        gateway = r.text("GatewayId")
        if gateway == "local":
            return None  # the local routes are implicit in the design
        out: dict[str, Any] = {}
        dest = r.text("DestinationCidrBlock") or r.text("DestinationIpv6CidrBlock")
        pl_id = r.text("DestinationPrefixListId")
        if dest is not None:
            cidr = self.cidr(dest, r, what)
            if cidr is None:
                return None
            # A route to the VPC's own CIDR with another target than local replaces the local
            # route's target (an appliance, "Replace or restore the target for a local route").
            out["destination"] = cidr
            what = f"{what}: route to {cidr}"
        elif pl_id is not None:
            pl_name = self.prefix_list(pl_id, r, what)
            if pl_name is None:
                return None
            out["destination_prefix_list"] = pl_name
            what = f"{what}: route to prefix list {pl_id}"
        else:
            self.error("aws-missing-field",
                       f"{what}: route has no destination (expected DestinationCidrBlock, DestinationIpv6CidrBlock or "
                       "DestinationPrefixListId)",
                       r.loc)
            return None
        blackhole = r.text("State") == "blackhole"
        target = self.route_target(r, what, blackhole)
        if target is None:
            return None
        out.update(target)
        if r.text("Origin") == "EnableVgwRoutePropagation":
            # Propagated by a virtual private gateway: loses to static and prefix-list routes on
            # an equal prefix (VPC User Guide, "Route priority").
            out["origin"] = "propagated"
        if blackhole and "blackhole" not in out:
            # AWS reports a route whose target is gone (or stopped) as `blackhole`; it still
            # matches, then drops (VPC User Guide, "Route table concepts").
            out["state"] = "blackhole"
        self.at(out, r.loc)
        return out

    def route_target(self, r: _J, what: str, blackhole: bool) -> dict[str, Any] | None:
        """The design's target keys for an AWS route, or None when the route cannot be imported."""
        instance_id = r.text("InstanceId")
        eni_id = r.text("NetworkInterfaceId")
        candidates = [
            *((m.route_field, r.text(m.route_field)) for m in self.mappings if m.route_field not in ("", "GatewayId")),
            ("InstanceId", instance_id),
            ("NetworkInterfaceId", eni_id),
            ("TransitGatewayId", r.text("TransitGatewayId")),
            ("GatewayId", r.text("GatewayId")),
            ("EgressOnlyInternetGatewayId", r.text("EgressOnlyInternetGatewayId")),
            ("CarrierGatewayId", r.text("CarrierGatewayId")),
            ("LocalGatewayId", r.text("LocalGatewayId")),
            ("CoreNetworkArn", r.text("CoreNetworkArn")),
        ]
        present = [(key, value) for key, value in candidates if value is not None]
        if not present:
            if blackhole:
                return {"blackhole": True}
            self.error("aws-missing-field", f"{what}: active route has no target (expected GatewayId, "
                       "NatGatewayId, VpcPeeringConnectionId, ...)", r.loc)
            return None
        key, target_id = present[0]
        if key == "CoreNetworkArn":
            name = self.add_unsupported_ref(target_id, "cloud_wan_core_network", "Cloud WAN core network", r)
            return {"unsupported": name}

        # Instance routes: AWS reports InstanceId and the ENI; a non-primary ENI is an interface.
        if key == "InstanceId":
            instance = self.instance_by_id.get(target_id)
            if instance is not None:
                if eni_id is not None and eni_id in self.eni_names and self.eni_names[eni_id][1] == instance:
                    eni_name, _, primary = self.eni_names[eni_id]
                    return {"instance": instance} if primary else {"interface": eni_name}
                return {"instance": instance}
            if eni_id is not None:
                key, target_id = "NetworkInterfaceId", eni_id
        if key == "NetworkInterfaceId":
            if target_id in self.eni_names:
                return {"interface": self.eni_names[target_id][0]}
            if target_id in self.claimed_interfaces and not self.claimed_interfaces[target_id][0]:
                # It stands for what no route names (a load balancer's node): say so, do not guess.
                owner = self.claimed_interfaces[target_id][1]
                return {"unsupported": self.add_unsupported_ref(
                    target_id, "network_interface", "network interface", r,
                    note=f"an interface of {owner}; a route to it is not simulated")}
            if target_id in self.claimed_interfaces:
                key, target_id = self.claimed_interfaces[target_id]
            elif target_id in self.unsupported_by_id:
                return {"unsupported": self.unsupported_by_id[target_id]}
        for mapping in self.mappings:
            if mapping.route_field and key == mapping.route_field and target_id in self.picked[mapping.section]:
                return {mapping.route_key: self.picked[mapping.section][target_id].name}
        if target_id in self.unsupported_by_id:
            return {"unsupported": self.unsupported_by_id[target_id]}
        if target_id in self.raw_unsupported:
            spec, item = self.raw_unsupported[target_id]
            declared = self.add_unsupported(target_id, spec, item)
            if declared is not None:
                return {"unsupported": declared}

        # Not importable: gone (deleted NAT, terminated instance...), or not in the snapshot.
        if target_id in self.gone:
            if not blackhole:
                self.warn("aws-gone-target",
                          f"{what}: its target {target_id} is {self.gone[target_id]}; AWS reports such a route "
                          "as blackhole, so it drops traffic here", r.loc)
            return {"blackhole": True}
        if blackhole:
            return {"blackhole": True}
        kind, label, file_key, supported = _id_kind(target_id, key, self.mappings)
        if not supported:
            return {"unsupported": self.add_unsupported_ref(target_id, kind, label, r)}
        enis_loaded = file_key == "NetworkInterfaces" and "Reservations" in self.loaded_keys
        if file_key not in self.loaded_keys and not enis_loaded:
            # A partial snapshot (e.g. InternetGateways.json left out on purpose): say so and stop
            # traces there rather than guess what the target would do.
            name = self.add_unsupported_ref(
                target_id, kind, label, r,
                note=f"no {file_key} file was loaded, so {label} {target_id} is not in the snapshot",
            )
            return {"unsupported": name}
        self.error(
            "aws-unknown-target",
            f"{what}: {key} {target_id} is not in the snapshot (expected a {label} from the {file_key} "
            "output; is a file missing or out of date?)",
            r.loc,
        )
        return None

    # -- network ACLs -------------------------------------------------------------------------

    def pick_network_acls(self) -> None:
        names = _Names()
        self.acls: dict[str, _Named] = {}
        self.subnet_acls: dict[str, str] = {}  # subnet id -> NACL name, when not the VPC's default
        self.default_acls: dict[str, str] = {}  # vpc id -> its default NACL's name
        for acl_id, j in self.raw["NetworkAcls"].items():
            vpc_id = j.need("VpcId", f"network ACL {acl_id}")
            if vpc_id is None:
                continue
            if vpc_id not in self.vpcs:
                self.warn("aws-orphan", f"network ACL {acl_id}: its vpc {vpc_id} is not in the snapshot (skipped)",
                          j.loc)
                continue
            named = _Named(j, names.take(j.name_tag(), acl_id), vpc_id)
            self.acls[acl_id] = named
            if j.flag("IsDefault"):
                self.default_acls.setdefault(vpc_id, named.name)
                continue  # subnets not listed elsewhere use the VPC's default NACL anyway
            for assoc in j.objs("Associations"):
                subnet_id = assoc.text("SubnetId")
                if subnet_id is not None and subnet_id in self.subnets:
                    self.subnet_acls[subnet_id] = named.name

    def nacl_body(self, acl: _Named) -> dict[str, Any]:
        j = acl.j
        what = f"network ACL {acl.name}"
        body: dict[str, Any] = {"aws_id": j.text("NetworkAclId"), "vpc": self.vpcs[acl.vpc_id or ""].name}
        if j.flag("IsDefault"):
            body["default"] = True
        inbound: list[dict[str, Any]] = []
        outbound: list[dict[str, Any]] = []
        for entry in j.objs("Entries"):
            number = entry.number("RuleNumber")
            if number is None:
                entry.need("RuleNumber", what)
                continue
            if number in (32767, 32768):
                continue  # the `*` rules (32768: IPv6's): the format adds each family's implicit deny
            if not 1 <= number <= 32766:
                self.error("aws-value", f"{what}: RuleNumber {short(number)} is out of range (expected 1-32766, "
                           "or 32767 for the default rule)", entry.loc_of("RuleNumber"))
                continue
            rule = self.nacl_rule(entry, number, what)
            if rule is not None:
                (outbound if entry.flag("Egress") else inbound).append(rule)
        inbound.sort(key=lambda r: int(r["rule"]))
        outbound.sort(key=lambda r: int(r["rule"]))
        body["inbound"] = inbound
        body["outbound"] = outbound
        self.at(body, j.loc)
        return body

    def nacl_rule(self, e: _J, number: int, what: str) -> dict[str, Any] | None:
        what = f"{what}: rule {number}"
        if "Egress" not in e.data:
            e.need("Egress", what)
            return None
        action = (e.need("RuleAction", what) or "").lower()
        if action not in ("allow", "deny"):
            if action:
                self.error("aws-value", f"{what}: RuleAction {action!r} (expected allow or deny)", e.loc_of("RuleAction"))
            return None
        protocol = self.protocol(e.data.get("Protocol"), e, "Protocol", what)
        cidr_text = e.text("Ipv6CidrBlock") or e.need("CidrBlock", what)
        if protocol is None or cidr_text is None:
            return None
        cidr = self.cidr(cidr_text, e, what)
        if cidr is None:
            return None
        rule: dict[str, Any] = {"rule": number, "action": action, "protocol": protocol}
        if protocol in ("tcp", "udp"):
            port_range = e.obj("PortRange")
            pair = port_range.port_pair("From", "To", what) if port_range else (None, None)
            if pair is None:
                return None
            ports = _ports(*pair)
            if ports is not None:
                rule["ports"] = ports
        elif protocol in ("icmp", "icmpv6"):
            # IcmpTypeCode: "The ICMP or ICMPv6 type and code" (-1: all); for protocol 58 with an IPv4
            # CidrBlock AWS ignores it, which the loader models (and warns about).
            icmp = e.obj("IcmpTypeCode")
            codes = icmp.icmp_pair("Type", "Code", what) if icmp else (None, None)
            if codes is None:
                return None
            icmp_fields(rule, *codes)
        rule["cidr"] = cidr
        self.at(rule, e.loc)
        return rule

    def protocol(self, raw: Any, j: _J, key: str, what: str) -> str | int | None:
        """AWS protocol ("-1", "6", "tcp", 6...) -> the design's word or number."""
        text = str(raw).strip().lower() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
        if text in ("-1", "all"):
            return "all"
        number = _PROTOCOL_NUMBERS.get(text)
        if number is None and isinstance(raw, str) and not isinstance(raw, JsonNumberText):
            parsed = parse_decimal(text)
            number = parsed if parsed is not None and 0 <= parsed <= 255 else None
        elif number is None and isinstance(raw, int) and 0 <= raw <= 255:
            number = raw
        if number is None:
            if raw is None:
                j.need(key, what)
            else:
                self.error("aws-value", f"{what}: {key} {short(raw)} is not an IP protocol "
                           "(expected -1, tcp, udp, icmp, icmpv6 or a number 0-255)", j.loc_of(key))
            return None
        return _PROTOCOL_WORDS.get(number, number)

    # -- security groups ----------------------------------------------------------------------

    def pick_security_groups(self) -> None:
        # AWS names each VPC's default group `default`; the format reserves that name.
        names = _Names(reserved=("default",))
        self.groups: dict[str, _Named] = {}
        self.default_groups: dict[str, _Named] = {}  # vpc id -> its default group
        for group_id, j in self.raw["SecurityGroups"].items():
            vpc_id = j.need("VpcId", f"security group {group_id}")
            if vpc_id is None:
                continue
            if vpc_id not in self.vpcs:
                self.warn("aws-orphan",
                          f"security group {group_id}: its vpc {vpc_id} is not in the snapshot (skipped)", j.loc)
                continue
            if j.text("GroupName") == "default":
                named = _Named(j, "", vpc_id)  # written as the VPC's default_security_group
                self.default_groups.setdefault(vpc_id, named)
            else:
                named = _Named(j, names.take(j.name_tag() or j.text("GroupName"), group_id), vpc_id)
            self.groups[group_id] = named

    def group_ref(
        self, group_id: str, from_vpc: str, what: str, loc: Location | _J,
        dropped: str = "that part of the rule is dropped",
    ) -> str | None:
        """A group id -> how a rule or ENI of `from_vpc` names it in the design; None to drop.

        `loc` may be the JSON object itself: located only for a warning (an interface's groups).
        """
        group = self.groups.get(group_id)
        if group is None:
            self.warn(
                "aws-missing-group",
                f"{what}: security group {group_id} is not in the snapshot (another account, or "
                f"SecurityGroups not loaded); {dropped}",
                loc.loc if isinstance(loc, _J) else loc,
            )
            return None
        if group.vpc_id != from_vpc and frozenset((group.vpc_id, from_vpc)) not in self.active_pairs:
            # A reference across a peering works only while the peering is active; AWS then
            # reports the rule as stale ("Update your security groups to reference peer security
            # groups", VPC Peering Guide).
            self.warn("aws-stale-group",
                      f"{what}: security group {group_id} is in vpc {group.vpc_id}, which has no active "
                      f"peering with vpc {from_vpc} (a stale reference); {dropped}",
                      loc.loc if isinstance(loc, _J) else loc)
            return None
        if not group.name:
            if group.vpc_id == from_vpc:
                return "default"
            return f"{self.vpcs[group.vpc_id or ''].name}/default"
        return group.name

    def group_body(self, group: _Named) -> dict[str, Any]:
        j = group.j
        body: dict[str, Any] = {"aws_id": j.text("GroupId"), "vpc": self.vpcs[group.vpc_id or ""].name}
        description = j.text("Description")
        if description:
            body["description"] = description
        body["ingress"] = self.sg_rules(j, "IpPermissions", group)
        # Always written: an empty list means no egress at all, while omitting it would mean
        # AWS's allow-all default.
        body["egress"] = self.sg_rules(j, "IpPermissionsEgress", group)
        self.at(body, j.loc)
        return body

    def sg_rules(self, sg: _J, key: str, group: _Named) -> list[dict[str, Any]]:
        direction = "ingress" if key == "IpPermissions" else "egress"
        what = f"security group {group.name or 'default'} ({sg.text('GroupId')}) {direction}"
        rules: list[dict[str, Any]] = []
        seen: set[tuple[tuple[str, Any], ...]] = set()
        for perm in sg.objs(key):
            protocol = self.protocol(perm.data.get("IpProtocol"), perm, "IpProtocol", what)
            if protocol is None:
                continue
            base: dict[str, Any] = {"protocol": protocol}
            if protocol in ("tcp", "udp"):
                pair = perm.port_pair("FromPort", "ToPort", what)
                if pair is None:
                    continue
                ports = _ports(*pair)
                if ports is not None:
                    base["ports"] = ports
            elif protocol in ("icmp", "icmpv6"):
                # FromPort the type, ToPort the code; "For icmpv6, the port range is optional; if you
                # omit the port range, traffic for all types and codes is allowed" (IpPermission).
                codes = perm.icmp_pair("FromPort", "ToPort", what)
                if codes is None:
                    continue
                icmp_fields(base, *codes)
            # Other protocols match every port: "If you specify a protocol other than tcp, udp,
            # icmp, or icmpv6, traffic on all ports is allowed" (EC2 API, IpPermission).
            peers: list[tuple[str, str, str | None, _J]] = []
            # ICMPv6 (58) only ever matches IPv6 traffic: its IpRanges match nothing.
            for item in perm.objs("IpRanges") if protocol != "icmpv6" else ():
                text = item.need("CidrIp", what)
                cidr = self.cidr(text, item, what) if text is not None else None
                if cidr is not None:
                    peers.append(("cidr", cidr, item.text("Description"), item))
            for item in perm.objs("Ipv6Ranges"):
                text = item.need("CidrIpv6", what)
                cidr = self.cidr(text, item, what) if text is not None else None
                if cidr is not None:
                    peers.append(("cidr", cidr, item.text("Description"), item))
            for item in perm.objs("PrefixListIds"):
                pl_id = item.need("PrefixListId", what)
                name = self.prefix_list(pl_id, item, what, drop="that part of the rule is dropped") if pl_id else None
                if name is not None:
                    peers.append(("prefix_list", name, item.text("Description"), item))
            for item in perm.objs("UserIdGroupPairs"):
                ref_id = item.text("GroupId")
                if ref_id is None:
                    self.warn("aws-missing-group", f"{what}: a group pair without GroupId (EC2-Classic?) is dropped",
                              item.loc)
                    continue
                name = self.group_ref(ref_id, group.vpc_id or "", what, item.loc)
                if name is not None:
                    peers.append(("security_group", name, item.text("Description"), item))
            for peer_key, value, description, item in peers:
                rule = dict(base)
                rule[peer_key] = value
                if description:
                    rule["description"] = description
                signature = tuple((k, v) for k, v in rule.items() if k != "description")
                if signature in seen:
                    continue
                seen.add(signature)
                self.at(rule, item.loc)
                rules.append(rule)
        return rules

    # -- prefix lists -------------------------------------------------------------------------

    def prefix_list(self, pl_id: str, j: _J, what: str, drop: str = "the route is dropped") -> str | None:
        """The design name of prefix list `pl_id`, adding it to the design on first use."""
        if pl_id in self.prefix_list_by_id:
            return self.prefix_list_by_id[pl_id]
        items = self.raw_prefix_lists.get(pl_id, [])
        if not items:
            if not ({"PrefixLists", "ManagedPrefixLists"} & self.loaded_keys):
                self.warn("aws-missing-prefix-list",
                          f"{what}: prefix list {pl_id} is not in the snapshot (no PrefixLists file was loaded); {drop}",
                          j.loc)
            else:
                self.error("aws-unknown-prefix-list",
                           f"{what}: prefix list {pl_id} is not in the snapshot (expected it in the "
                           "describe-prefix-lists or describe-managed-prefix-lists output)", j.loc)
            return None
        source = items[0]
        entries: list[str] = []
        texts = [c for item in items for c in item.strs("Cidrs")]
        texts += [e.text("Cidr") or "" for item in items for e in item.objs("Entries")]
        for text in texts:
            cidr = self.cidr(text, source, f"prefix list {pl_id}")
            if cidr is not None and cidr not in entries:
                entries.append(cidr)
        if not entries:
            self.warn(
                "aws-empty-prefix-list",
                f"prefix list {pl_id}: no entries in the snapshot (describe-managed-prefix-lists has none; "
                "add get-managed-prefix-list-entries' Entries to the item, or load describe-prefix-lists' Cidrs); "
                "it matches nothing here",
                source.loc,
            )
        preferred = next((n for item in items if (n := item.name_tag() or item.text("PrefixListName"))), None)
        name = self.prefix_list_names.take(preferred, pl_id)
        body: dict[str, Any] = {"aws_id": pl_id, "entries": entries}
        self.at(body, source.loc)
        self.prefix_lists[name] = body
        self.prefix_list_by_id[pl_id] = name
        return name

    # -- instances and interfaces -------------------------------------------------------------

    def pick_instances(self) -> None:
        names = _Names()  # instances and interfaces share one namespace
        self.eni_names: dict[str, tuple[str, str, bool]] = {}  # eni id -> (name, instance name, primary)
        self.instance_by_id: dict[str, str] = {}
        self.instances: dict[str, _Named] = {}
        # Elastic IPs by the ENI they are bound to (or the instance, for EC2-Classic style output).
        self.eips_by_owner: dict[str, list[_J]] = {}
        for eip in self.raw["Addresses"].values():
            owner = eip.text("NetworkInterfaceId") or eip.text("InstanceId")
            if owner is not None:
                self.eips_by_owner.setdefault(owner, []).append(eip)
        # instance id -> (eni, name, position, eni id)
        self.instance_enis: dict[str, list[tuple[_J, str, int, str]]] = {}
        self.instance_tags: dict[str, dict[str, str]] = {}
        pending: list[tuple[str, _J, list[_Picked]]] = []
        if self.deferred:
            self.stream_instances(names, pending)  # every instance comes from them (else a _Restart)
        else:
            for instance_id, held in self.raw["Reservations"].items():
                self.pick_instance(names, instance_id, held, pending)
        # ENI names after all instance names, so that `<instance>.eth<n>` never takes an instance's name.
        for instance_id, _, enis in pending:
            name = self.instances[instance_id].name
            listed = []
            for position, (eni, device, eni_id, _) in enumerate(enis):
                eni_name = names.take(f"{name}.eth{device}", eni_id)
                self.eni_names[eni_id] = (eni_name, name, position == 0)
                listed.append((eni, eni_name, position, eni_id))
            self.instance_enis[instance_id] = listed

    def pick_instance(self, names: _Names, instance_id: str, held: _J,
                      pending: list[tuple[str, _J, list[_Picked]]]) -> None:
        """Keep an instance (in `instances`, and `pending` for its interfaces' names), or say why not."""
        view = held.view if isinstance(held, _Held) else None
        if isinstance(held, _Held) and view is not None:
            held.view = None
            if self.pick_viewed(names, instance_id, held, view, pending):
                return
        j = _plain(held)  # (read as parsed; what is kept past its chunk is held: `held`, its ENIs)
        state_obj = j.obj("State")
        state = (state_obj.text("Name") if state_obj else None) or "running"
        if state == "terminated":
            # AWS keeps terminated instances in describe-instances for about an hour.
            self.skip(instance_id, "a terminated instance", "aws-gone",
                      f"instance {instance_id} is terminated (skipped, as AWS ignores it)", j.loc)
            return
        if state not in _INSTANCE_STATES:
            self.error("aws-value", f"instance {instance_id}: State.Name {state!r} (expected one of: "
                       f"{', '.join(_INSTANCE_STATES)})", j.loc_of("State"))
            return
        chosen: list[_Picked] = []
        for index, (eni, kept) in enumerate(_objs_held(held, j, "NetworkInterfaces")):
            eni_id = eni.need("NetworkInterfaceId", f"instance {instance_id}: network interface")
            subnet_id = eni.text("SubnetId")
            if eni_id is None:
                continue
            if subnet_id is None or subnet_id not in self.subnets:
                self.orphan_interface(instance_id, eni_id, subnet_id, eni.loc)
                continue
            attachment = eni.obj("Attachment")
            device = attachment.number("DeviceIndex") if attachment else None
            chosen.append((kept, device if device is not None else index, eni_id, subnet_id))
        self.keep_instance(names, instance_id, held, j, chosen, j.tags, pending)

    def orphan_interface(self, instance_id: str, eni_id: str, subnet_id: str | None, loc: Location) -> None:
        self.warn("aws-orphan", f"instance {instance_id}: network interface {eni_id} is in subnet "
                  f"{subnet_id}, which is not in the snapshot (skipped)", loc)

    def keep_instance(self, names: _Names, instance_id: str, held: _J, where: _J,
                      chosen: list[_Picked], tags_of: Callable[[], dict[str, str]],
                      pending: list[tuple[str, _J, list[_Picked]]]) -> None:
        """The end of a pick: an instance with interfaces in the snapshot (`chosen`: each as kept,
        its device index, id and subnet) is named and kept, in device order; one without is skipped,
        said at `where` (located only then: a held item's location is found by a lookup)."""
        if not chosen:
            self.skip(instance_id, "an instance with no network interface in the snapshot", "aws-orphan",
                      f"instance {instance_id} has no network interface in the snapshot (skipped)", where.loc)
            return
        if len(chosen) > 1:
            chosen.sort(key=lambda item: item[1])
        tags = self.instance_tags[instance_id] = tags_of()  # for instance_body: read once
        name = names.take(tags.get("Name") or None, instance_id)
        self.instances[instance_id] = _Named(held, name, self.subnets[chosen[0][3]].vpc_id)
        self.instance_by_id[instance_id] = name
        pending.append((instance_id, held, chosen))

    def stream_instances(self, names: _Names, pending: list[tuple[str, _J, list[_Picked]]]) -> None:
        """Read the describe-instances files that `read` left (`deferred`), picking each instance
        and writing its body while its chunk is parsed: so that file is parsed once. What this
        changes is put back: the collect's diagnostics where the file's turn was, each body's for
        its turn (`convert`, with the names of its interfaces, taken after all instances', in
        place of their `_token`). A file that is not plain, or instances from a file read whole
        (whose order with these decides which of a repeated instance is kept): `_Restart`."""
        if self.raw["Reservations"]:
            raise _Restart

        def each(held: list[tuple[str, _Held]]) -> None:
            for instance_id, item in held:
                entry, item.entry = item.entry, None
                if entry is not None:
                    view = item.view = _pick_view(entry)
                    if view is not None and self.quick_pick(names, instance_id, item, entry, view, pending):
                        continue
                self.pick_instance(names, instance_id, item, pending)
                if pending and pending[-1][0] == instance_id and instance_id not in self.ready:
                    self.ready[instance_id] = self.early_body(self.instances[instance_id], pending[-1][2])

        while self.deferred:
            fd, skip, indent, doc, chunks, turn = self.deferred[0]
            into: list[Diagnostic] = []
            self.streaming = True
            try:
                plain = self.read_chunks(fd, skip, indent, "Reservations", doc, chunks, each, into)
            finally:
                self.streaming = False
            if not plain:
                raise _Restart
            self.sources.append(self.deferred.pop(0)[4].source)
            at = turn + self.spliced
            self.diagnostics[at:at] = into
            self.spliced += len(into)

    def quick_pick(self, names: _Names, instance_id: str, held: _Held, entry: JsonObj, view: _PickView,
                   pending: list[tuple[str, _J, list[_Picked]]]) -> bool:
        """`pick_viewed` and `early_body` at once, for an instance of a streamed chunk (`entry`: its
        JSON, parsed now; `view`, its pick view) of the plain shape: it runs, its interfaces are all
        in the snapshot, it is located where it was held, and its records draft from its JSON
        (`interface_draft`, nothing reported), without reading it again (`plain_draft`). False, with
        nothing changed, when any of that is not so: it is then picked as any instance is."""
        state, found, tags = view
        where = held.where
        if state not in (None, "running") or not found or not self.records or where is None or not instance_id \
                or instance_id in self.ready or instance_id in self.eips_by_owner:
            return False
        chosen: list[tuple[int, str, str]] = []  # (its device index, or else its place; id, subnet), as pick_viewed
        for index, (eni_id, subnet_id, device) in enumerate(found):
            if subnet_id is None or subnet_id not in self.subnets:
                return False  # (an interface the pick reports)
            chosen.append((index if device is None else device, eni_id, subnet_id))
        order = sorted(range(len(chosen)), key=lambda index: chosen[index][0]) if len(chosen) > 1 else [0]
        interfaces, places = entry["NetworkInterfaces"], held.places
        drafts: list[_InterfaceDraft] = []
        mark = len(self.diagnostics)
        for position, index in enumerate(order):
            draft = self.interface_draft(interfaces[index], position, entry)
            eni_where = places[index] if index < len(places) else None
            if draft is None or eni_where is None or len(self.diagnostics) > mark:
                del self.diagnostics[mark:]  # (said again by the usual pick, where it belongs)
                return False
            drafts.append((eni_where, *draft))
        held.view = None
        self.keep_instance(names, instance_id, held, held,
                           [(held.interface(index), *chosen[index]) for index in order], lambda: tags, pending)
        self.ready[instance_id] = ((where, instance_id, tags, drafts), [])
        self.written.update([chosen[index][1] for index in order])
        return True

    def early_body(self, instance: _Named, enis: list[_Picked]) -> tuple[dict[str, Any] | _Draft, list[Diagnostic]]:
        """`instance_body`, before interface names are taken (`_token`s stand for them), and its diagnostics."""
        named = [(eni, _token(eni_id), position, eni_id) for position, (eni, _, eni_id, _) in enumerate(enis)]
        main, self.diagnostics = self.diagnostics, []
        try:
            draft = self.instance_draft(instance, [eni for eni, _, _, _ in enis]) if self.records else None
            return draft or self.instance_body(instance, named), self.diagnostics
        finally:
            self.diagnostics = main
            self.written.update(eni_id for _, _, eni_id, _ in enis)

    def late_body(self, instance_id: str, instance: _Named, body: dict[str, Any] | _Draft,
                  made: list[Diagnostic]) -> dict[str, Any] | _Built:
        """An `early_body`, its interfaces named now, its diagnostics made now."""
        if type(body) is tuple:  # a draft (which says nothing)
            return self.built_instance(instance, body, [name for _, name, _, _ in self.instance_enis[instance_id]])
        assert isinstance(body, dict)
        names: dict[str, str] = {}
        for (_, eni_name, position, eni_id), interface in zip(self.instance_enis[instance_id],
                                                              body["interfaces"], strict=True):
            names[_token(eni_id)] = eni_name
            if eni_name == f"{instance.name}.eth{position}":
                del interface["name"]
            else:
                interface["name"] = eni_name
        for diagnostic in made:
            message = diagnostic.message
            for token, eni_name in names.items():
                message = message.replace(token, eni_name)
            self.diagnostics.append(dataclasses.replace(diagnostic, message=message)
                                    if message != diagnostic.message else diagnostic)
        return body

    def pick_viewed(self, names: _Names, instance_id: str, held: _Held, view: _PickView,
                    pending: list[tuple[str, _J, list[_Picked]]]) -> bool:
        """The loop of `pick_instances` for an instance held with its `_pick_view` (its chunk is not
        parsed again, but to locate a warning); False when its state is not one to pick (the loop says why)."""
        state, found, tags = view
        if (state or "running") not in _INSTANCE_STATES or state == "terminated":
            return False
        chosen: list[_Picked] = []
        for index, (eni_id, subnet_id, device) in enumerate(found):
            kept = held.interface(index)
            if subnet_id is None or subnet_id not in self.subnets:
                self.orphan_interface(instance_id, eni_id, subnet_id, kept.loc)
            else:
                chosen.append((kept, device if device is not None else index, eni_id, subnet_id))
        self.keep_instance(names, instance_id, held, held, chosen, lambda: tags, pending)
        return True

    def instance_body(self, instance: _Named, enis: list[tuple[_J, str, int, str]] | None = None) -> dict[str, Any]:
        j = _plain(instance.j)
        instance_id = j.text("InstanceId") or ""
        body: dict[str, Any] = {"aws_id": instance_id}
        state_obj = j.obj("State")
        state = (state_obj.text("Name") if state_obj else None) or "running"
        if state != "running":
            body["state"] = state
        interfaces = []
        for eni, eni_name, position, _ in self.instance_enis[instance_id] if enis is None else enis:
            interfaces.append(self.interface_body(eni, eni_name, position, instance, j))
        body["interfaces"] = interfaces
        tags = self.instance_tags[instance_id]
        if tags:
            body["tags"] = tags
        self.at(body, j.loc)
        return body

    def interface_body(self, held: _J, eni_name: str, position: int, instance: _Named, inst: _J) -> dict[str, Any]:
        eni = _plain(held)
        eni_id = eni.text("NetworkInterfaceId") or ""
        what = f"instance {instance.name}: interface {eni_name}"
        subnet = self.subnets[eni.text("SubnetId") or ""]
        body: dict[str, Any] = {}
        if eni_name != f"{instance.name}.eth{position}":
            body["name"] = eni_name
        body["aws_id"] = eni_id
        body["subnet"] = subnet.name
        ips: list[str] = []
        # Public IPs bound to secondary private IPs: the IGW's 1:1 NAT is per private IP.
        secondary_public: dict[str, str] = {}
        addresses = sorted(eni.objs("PrivateIpAddresses"), key=lambda a: not a.flag("Primary"))
        for address in addresses:
            ip = _ip(address.text("PrivateIpAddress") or "")
            if ip is not None and ip not in ips:
                ips.append(ip)
            assoc = address.obj("Association")
            public_text = assoc.text("PublicIp") if assoc is not None else None
            if not address.flag("Primary") and ip is not None and public_text and _ip(public_text):
                secondary_public[ip] = _ip(public_text) or ""
        if not ips:
            ip = _ip(eni.text("PrivateIpAddress") or "")
            if ip is not None:
                ips.append(ip)
        if len(ips) == 1:
            body["private_ip"] = ips[0]
        elif ips:
            body["private_ips"] = ips
        # IPv6 addresses (global; no public twin): Ipv6Addresses[].Ipv6Address.
        six = list(dict.fromkeys(c for a in eni.objs("Ipv6Addresses") if (c := _ip6(a.text("Ipv6Address") or ""))))
        if six:
            body["ipv6_addresses"] = six
        prefixes = list(dict.fromkeys(c for p in eni.objs("Ipv6Prefixes") if (text := p.text("Ipv6Prefix"))
                                      and (c := self.cidr(text, p, what)) is not None))
        if prefixes:
            body["ipv6_prefixes"] = prefixes  # prefix delegation: every address of them is the interface's
        # The public address: the ENI's association (its primary IP's public IP or EIP), else
        # the instance's PublicIpAddress for the primary ENI, else an Elastic IP bound to it.
        public: str | None = None
        allocation = False
        assocs: tuple[_J | _Public | None, ...] = (eni.obj("Association"), self.listed_association(eni_id))
        for either in assocs:
            if either is not None and either.text("PublicIp"):
                public = either.text("PublicIp")
                allocation = either.text("AllocationId") is not None
                break
        if public is None and position == 0:
            public = inst.text("PublicIpAddress")
        eips = self.eips_by_owner.get(eni_id, [])
        if position == 0:
            eips = eips + self.eips_by_owner.get(inst.text("InstanceId") or "", [])
        for eip in eips:
            bound = eip.text("PrivateIpAddress")  # describe-addresses: the private IP it is bound to
            if bound in (None, ips[0] if ips else None):
                public = public or eip.text("PublicIp")
            elif bound in ips and _ip(eip.text("PublicIp") or ""):
                secondary_public.setdefault(bound, _ip(eip.text("PublicIp") or "") or "")
            else:
                self.warn("aws-eip-private-ip", f"{what}: Elastic IP {eip.text('PublicIp')} is bound to {bound}, "
                          "which is not a private IP of the interface (ignored)", eip.loc)
        if public is not None:
            public_ip = _ip(public)
            if public_ip is None:
                self.error("aws-value", f"{what}: public IP {public!r} is not an IPv4 address", eni.loc)
            else:
                elastic = allocation or public_ip in self.raw["Addresses"]
                body["elastic_ip" if elastic else "public_ip"] = public_ip
        if secondary_public:
            body["secondary_elastic_ips"] = secondary_public
        groups: list[str] = []
        for group in eni.objs("Groups"):
            group_id = group.text("GroupId")
            if group_id is None:
                continue
            ref = self.group_ref(group_id, subnet.vpc_id or "", what, group, "the interface is imported without it")
            if ref is not None and ref not in groups:
                groups.append(ref)
        if groups != ["default"]:
            body["security_groups"] = groups
        check = eni.flag("SourceDestCheck")
        if check is None:
            check = inst.flag("SourceDestCheck")
        if check is False:
            body["source_dest_check"] = False
        self.at(body, eni.loc)
        return body

    def instance_draft(self, instance: _Named, enis: Sequence[_J]) -> _Draft | None:
        """What `instance_body` writes of a running instance (`enis`: its interfaces as kept, in
        device order), as record fields, read straight from its JSON; None when any field read is
        not of the plain shape (of a type the accessors would report, an address they would drop
        or warn of...) or the body needs more than this reads (IPv6 prefixes, Elastic IPs of the
        describe-addresses output, secondary public IPs, a group of another VPC...): it is then
        written as a body (`instance_body`), and built from it, as before. `tests/test_built_records.py`
        compares the two on every snapshot."""
        mark = len(self.diagnostics)
        draft = self.plain_draft(instance, enis)
        if len(self.diagnostics) > mark:  # (said by an accessor: the body says it, where it belongs)
            del self.diagnostics[mark:]
            return None
        return draft

    def plain_draft(self, instance: _Named, enis: Sequence[_J]) -> _Draft | None:
        j = _plain(instance.j)
        data = j.data
        instance_id = data.get("InstanceId")
        state = data.get("State")
        if type(instance_id) is not str or not instance_id or instance_id in self.eips_by_owner or (
                state is not None and (type(state) is not dict or state.get("Name") not in (None, "", "running"))):
            return None
        drafts: list[_InterfaceDraft] = []
        for position, held in enumerate(enis):
            eni = _plain(held)
            draft = self.interface_draft(eni.data, position, data)
            if draft is None:
                return None
            drafts.append((eni.loc, *draft))
        return j.loc, instance_id, self.instance_tags[instance_id], drafts

    def interface_draft(self, e: JsonObj, position: int, inst: JsonObj) -> tuple[str, str, tuple[int, ...], int | None,
                                                                            tuple[str, ...], bool] | None:
        """`instance_draft` for one interface (`e`, of instance `inst`): None when it is not plain."""
        eni_id = e.get("NetworkInterfaceId")
        prefixes = e.get("Ipv6Prefixes")
        if type(eni_id) is not str or not eni_id or eni_id in self.eips_by_owner or (prefixes is not None
                                                                                     and prefixes != []):
            return None
        subnet = self.subnets[e.get("SubnetId") or ""]
        ips: list[int] = []
        listed = e.get("PrivateIpAddresses")
        if listed is not None:
            if type(listed) is not list:
                return None
            primary_first = []
            for address in listed:
                if type(address) is not dict:
                    return None
                flag = address.get("Primary")
                if flag is not None and type(flag) is not bool:
                    return None
                assoc = address.get("Association")
                if assoc is not None and (not flag or type(assoc) is not dict
                                          or type(assoc.get("PublicIp")) not in (str, type(None))):
                    return None  # (a secondary public IP, or what reading it would report)
                primary_first.append((not flag, address.get("PrivateIpAddress")))
            if len(primary_first) > 1:
                primary_first.sort(key=lambda pair: pair[0])
            for _, text in primary_first:
                if text is not None and type(text) is not str:
                    return None
                value = _ip_int(text or "")
                if value is not None and value not in ips:
                    ips.append(value)
        if not ips:
            text = e.get("PrivateIpAddress")
            value = _ip_int(text) if type(text) is str else None
            if value is None:
                return None
            ips.append(value)
        six = e.get("Ipv6Addresses")
        if six is not None:
            if type(six) is not list:
                return None
            for entry in six:
                text = entry.get("Ipv6Address") if type(entry) is dict else 0
                if text is None or text == "":
                    continue
                canonical = _ip6(text) if type(text) is str else None
                if canonical is None:
                    return None
                try:
                    value = parse_ip(canonical)
                except ValueError:  # (::/96: build says why)
                    return None
                if value <= IPV4_MAX:
                    return None
                if value not in ips:
                    ips.append(value)
        public_text: Any = None
        assoc = e.get("Association")
        listed_assoc = self.listed_association(eni_id)  # (what it reports, if anything, undoes the draft)
        if assoc is not None:
            if type(assoc) is not dict or type(assoc.get("AllocationId")) not in (str, type(None)):
                return None
            public_text = assoc.get("PublicIp")
            if public_text is not None and type(public_text) is not str:
                return None
        if not public_text and listed_assoc is not None:
            public_text = listed_assoc.text("PublicIp")
            if public_text:
                listed_assoc.text("AllocationId")
        if not public_text and position == 0:
            public_text = inst.get("PublicIpAddress")
        public: int | None = None
        if public_text is not None and public_text != "":
            public = _ip_int(public_text) if type(public_text) is str else None
            if public is None:
                return None
        groups: list[str] = []
        vpc = self.vpcs[subnet.vpc_id or ""].name
        found = e.get("Groups")
        if type(found) is not list:
            return None
        for entry in found:
            group_id = entry.get("GroupId") if type(entry) is dict else 0
            if group_id is None or group_id == "":
                continue
            group = self.groups.get(group_id) if type(group_id) is str else None
            if group is None or group.vpc_id != subnet.vpc_id:
                return None  # (reported by group_ref, or a group across a peering)
            ref = group.name or default_group_name(vpc)
            if ref not in groups:
                groups.append(ref)
        if not groups:
            return None
        check = e.get("SourceDestCheck")
        if check is None:
            check = inst.get("SourceDestCheck")
        if check is not None and type(check) is not bool:
            return None
        return eni_id, subnet.name, tuple(ips), public, tuple(groups), check is not False

    def built_instance(self, instance: _Named, draft: _Draft, eni_names: Sequence[str]) -> _Built:
        """A draft's records, its interfaces named (`eni_names`, in device order)."""
        loc, instance_id, tags, drafts = draft
        interfaces = tuple([_Interface(eni_name, instance.name, subnet, ips, public, groups, check, eni_id, eni_loc)
                            for eni_name, (eni_loc, eni_id, subnet, ips, public, groups, check)
                            in zip(eni_names, drafts, strict=True)])
        record = _Instance(instance.name, tuple(eni_names), "running", instance_id,
                           MappingProxyType(tags) if tags else EMPTY_TAGS, loc)
        return _Built(record, interfaces)

    def pick_loose_interfaces(self) -> None:
        """ENIs from describe-network-interfaces that no imported instance or NAT gateway owns."""
        # A file that could not be read may be describe-instances: then every instance ENI would
        # be "not in the snapshot" (20,000 warnings under the one error that matters). Said once.
        unread = self.unread()
        orphans = 0
        for eni_id, j in self.raw["NetworkInterfaces"].items():
            if eni_id in self.eni_names or eni_id in self.claimed_interfaces:
                continue  # an instance's ENI, or the entry of what owns it (a NAT gateway) stands for it
            attachment = j.obj("Attachment")
            instance_id = attachment.text("InstanceId") if attachment else None
            if instance_id is not None and (instance_id in self.gone or instance_id in self.instance_by_id):
                continue  # the instance was skipped (and said why) or lists its ENIs itself
            kind = j.text("InterfaceType") or "interface"
            if kind == "nat_gateway":
                continue
            if instance_id is None and kind == "interface" and j.text("Status") == "available":
                self.skip(eni_id, "a detached network interface", "aws-detached",
                          f"network interface {eni_id} is not attached (skipped: it carries no traffic)", j.loc)
                continue
            ip = j.text("PrivateIpAddress")
            subnet = j.text("SubnetId")
            detail = j.text("Description") or (f"attached to instance {instance_id}" if instance_id else "")
            note = f"{kind if kind != 'interface' else 'network'} interface {ip or ''} in subnet {subnet or '?'}" + (f" ({detail})" if detail else "")
            if instance_id is not None:
                if unread:
                    orphans += 1
                    continue
                note += f"; instance {instance_id} is not in the snapshot"
            spec = _UnsupportedKind("network_interface" if kind == "interface" else f"{kind}_interface",
                                    "network interface", "NetworkInterfaceId")
            self.add_unsupported(eni_id, spec, j, note=note, name_tag=j.name_tag("TagSet"))
        if orphans:
            self.warn("aws-orphan", f"{orphans:,} network interface(s) attached to instances that are not in the "
                      "snapshot are left out: a file above could not be read, and may hold those instances", None)

    # -- unsupported components ---------------------------------------------------------------

    def pick_unsupported(self) -> None:
        for aws_id, (spec, item) in self.raw_unsupported.items():
            if aws_id not in self.unsupported_by_id:
                self.add_unsupported(aws_id, spec, item)

    def add_unsupported(
        self, aws_id: str, spec: _UnsupportedKind, j: _J, note: str | None = None, name_tag: str | None = None
    ) -> str | None:
        """Declare `aws_id` under `unsupported:` with a warning; None when it is gone (deleted...)."""
        if aws_id in self.unsupported_by_id:
            return self.unsupported_by_id[aws_id]
        if aws_id in self.gone:
            return None
        state = _state_of(j.data)
        if state in GONE_STATES:
            self.skip(aws_id, f"a {spec.label} in state {state}", "aws-gone",
                      f"{spec.label} {aws_id} is {state} (skipped, as AWS no longer uses it)", j.loc)
            return None
        preferred = name_tag or j.name_tag() or (j.text(spec.name_field) if spec.name_field else None)
        name = self.unsupported_names.take(preferred, aws_id)
        body: dict[str, Any] = {"kind": spec.kind, "aws_id": aws_id}
        if note:
            body["description"] = note
        self.at(body, j.loc)
        self.unsupported[name] = body
        self.unsupported_by_id[aws_id] = name
        self.warn("aws-unsupported", f"{spec.label} {aws_id} is not simulated" + (f" ({note})" if note else "")
                  + f"; declared as unsupported component {name}", j.loc)
        return name

    def add_unsupported_ref(self, target_id: str, kind: str, label: str, r: _J, note: str | None = None) -> str:
        """An unsupported target known only from a route: declare it where the route is."""
        if target_id in self.unsupported_by_id:
            return self.unsupported_by_id[target_id]
        name = self.unsupported_names.take(None, target_id)
        body: dict[str, Any] = {"kind": kind, "aws_id": target_id}
        body["description"] = note or "referenced by a route; not in the snapshot"
        self.at(body, r.loc)
        self.unsupported[name] = body
        self.unsupported_by_id[target_id] = name
        self.warn("aws-unsupported", f"{label} {target_id} is not simulated ({body['description']}); declared as "
                  f"unsupported component {name}", r.loc)
        return name

    def unread(self) -> bool:
        """Whether a file of the snapshot could not be read or parsed (its kind is then unknown)."""
        return any(d.severity is Severity.ERROR and d.code in _UNREAD_CODES for d in self.diagnostics)

    def warn_missing_kinds(self) -> None:
        if not self.vpcs:
            return
        what = "readable " if self.unread() else ""
        for key, meaning in (
            ("Subnets", "the VPCs have no subnets"),
            ("RouteTables", "every subnet gets only the local routes"),
            ("NetworkAcls", "every subnet gets AWS's default allow-all NACL"),
            ("SecurityGroups", "every VPC's default group gets AWS's default rules"),
            ("Reservations", "there are no instances"),
        ):
            if key not in self.loaded_keys:
                self.warn("aws-missing-file", f"no {what}{key} file in the snapshot: {meaning}", None)

    # -- shared helpers -----------------------------------------------------------------------

    def cidr(self, text: str, j: _J, what: str) -> str | None:
        parsed = _cidr(text)
        if parsed is None:
            self.error("aws-cidr", f"{what}: {text!r} is not an IPv4 or IPv6 CIDR block", j.loc)
            return None
        normal, had_host_bits = parsed
        if had_host_bits:
            self.warn("aws-cidr", f"{what}: {text!r} has host bits set; using {normal}", j.loc)
        return normal

    # -- the located tree ---------------------------------------------------------------------

    def tree(self, design: dict[str, Any]) -> Node:
        return located_tree(design, self.locs, Location(self.path, 0, 0))

    def release(self) -> None:
        """Drop everything but what `tree` and `warnings` need: the parsed JSON and its text are
        most of a load's peak, and each _J points back at the importer (a cycle the collector,
        paused during a load, would otherwise have to find)."""
        declared = getattr(type(self), "__mypyc_attrs__", None)  # (compiled: no vars)
        names = vars(self) if declared is None else declared
        for name in [n for n in names if n not in _KEPT]:
            if hasattr(self, name):
                delattr(self, name)


_KEY_LABELS = {
    "Vpcs": "vpc",
    "Subnets": "subnet",
    "RouteTables": "route table",
    "NetworkAcls": "network ACL",
    "SecurityGroups": "security group",
    "NetworkInterfaces": "network interface",
    "Reservations": "instance",
    "Addresses": "Elastic IP address",
    "PrefixLists": "prefix list",
    "ManagedPrefixLists": "prefix list",
    "AvailabilityZones": "availability zone",
    "DhcpOptions": "DHCP options set",
}
# describe-vpc-attribute's keys -> the design's.
_VPC_ATTRIBUTES = {"EnableDnsSupport": "enable_dns_support", "EnableDnsHostnames": "enable_dns_hostnames"}


def _essence(data: JsonObj) -> Any:
    """What must agree between two accounts' views of one resource (tags and options may not)."""
    return {k: v for k, v in data.items() if k not in ("Tags", "TagSet")}


def _state_of(data: JsonObj) -> str | None:
    """The lifecycle state of a describe-* item, whatever the service calls the field."""
    for key in ("State", "VirtualInterfaceState", "DirectConnectGatewayState", "DBInstanceStatus", "Status"):
        value = data.get(key)
        if isinstance(value, str):
            return value.lower()
        if isinstance(value, dict):
            for inner in ("Name", "Code", "State"):
                if isinstance(value.get(inner), str):
                    return str(value[inner]).lower()
    return None


def _id_kind(target_id: str, key: str, mapped: Sequence[AwsMapping[_Importer]]) -> tuple[str, str, str, bool]:
    """(kind, label, file key, supported) for an id missing from the snapshot."""
    known = {m.id_prefix: (m.kind or m.route_key, m.label, m.file_key, True) for m in mapped if m.id_prefix}
    for prefix, info in (*known.items(), *_ID_PREFIXES.items()):
        if target_id.startswith(prefix):
            return info
    by_key = {
        "TransitGatewayId": _ID_PREFIXES["tgw-"],
        "EgressOnlyInternetGatewayId": _ID_PREFIXES["eigw-"],
        "CarrierGatewayId": _ID_PREFIXES["cagw-"],
        "LocalGatewayId": _ID_PREFIXES["lgw-"],
        "InstanceId": _ID_PREFIXES["i-"],
        "NetworkInterfaceId": _ID_PREFIXES["eni-"],
        **{m.route_field: known[m.id_prefix] for m in mapped if m.route_field not in ("", "GatewayId") and m.id_prefix},
    }
    if key in by_key:
        return by_key[key]
    return ("gateway", "gateway", "InternetGateways", False)



# The names an `AwsMapping` works with that are the importer's own.
Importer = _Importer
Item = _J
