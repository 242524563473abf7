"""Terraform import: `terraform show -json` of a plan or a state -> a design in the YAML format, plus warnings.

The stages, in order:

1. read the JSON (a size limit, UTF-8, located parsing as in `vpcsim.importers.aws`) and check
   that it is HashiCorp's "JSON Output Format", `format_version` 0.x or 1.x;
2. list the resource instances of one side: a plan's `resource_changes[].change.after` (with
   `after_unknown`; resources the plan deletes are gone), else its `planned_values`, or a state's
   `values` (also a plan's `prior_state`, the "before" side), through nested `child_modules`;
3. link resources to each other: a known id through the ids in the file, an id "known after
   apply" through the `configuration` block's references (`var.x` through the module call,
   `module.m.out` through the module's output, `count.index` / `each.key` to the instance with
   the same key), completed by the `.tf` sources when given; when nothing names a resource
   (Terraform 0.12 leaves nested blocks out, `local.*` is never written), through the only
   candidate of the right type in the module, with a warning that says so;
4. map each resource onto docs/format.md, spelling out Terraform's own semantics (the
   `aws_default_*` resources adopt and reset AWS's defaults; a `aws_security_group` loses AWS's
   allow-all egress rule; inline rules and rule resources add up);
5. hand back a design dict (`terraform_to_design`) or a located tree for `vpcsim.loader.build`
   (`load_terraform_tree`) whose objects point at the resource's JSON path and address, or at
   its `file.tf:line` when the `.tf` sources are given.

`vpcsim.diff` compares two sides (a plan and its prior_state, or two files) once compiled.

Nothing unknown is dropped silently: every unknown value that matters to reachability and could
not be resolved is named in a warning, and so is every placeholder chosen in its stead (an
instance's private IP left to DHCP becomes `private_ip: auto`, as do a load balancer's nodes,
whose addresses ELB picks; an Elastic IP's address and an internet-facing node's public IP a
placeholder from 198.18.0.0/15; a subnet's zone `<region>a`).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import vpcsim.facts as facts
from vpcsim.errors import DesignError, Diagnostic, Location, Severity
from vpcsim.importers import mapping as _mapping
from vpcsim.importers import validated
from vpcsim.importers.design_yaml import design_to_yaml
from vpcsim.importers.detect import is_terraform_json
from vpcsim.importers.items import Doc as _Doc
from vpcsim.importers.items import json_kind
from vpcsim.importers.jsonscan import parse_located as _parse_located
from vpcsim.importers.mapping import Names as _Names
from vpcsim.importers.mapping import icmp_fields
from vpcsim.loader.reader import (
    FileTooLarge,
    Node,
    UnreadableFile,
    link_escapes,
    located_tree,
    read_regular,
)
from vpcsim.model import AUTO_ADDRESS

__all__ = ["design_to_yaml", "is_terraform_json", "load_terraform_tree", "moved_addresses", "sibling_tf_dir",
           "terraform_to_design"]

MAX_BYTES = 64 * 1024 * 1024
# Above this size the C decoder parses the file: locations then carry the JSON path only.
LOCATE_MAX_BYTES = 32 * 1024 * 1024
# References are followed through at most this many module calls and outputs (a cycle stops here).
MAX_REF_DEPTH = 32
DEFAULT_REGION = "us-east-1"
# AWS: "the default VPC ... has a size /16 IPv4 CIDR block (172.31.0.0/16)" (VPC User Guide, Default VPCs).
DEFAULT_VPC_CIDR = "172.31.0.0/16"
# Placeholder public addresses for Elastic and auto-assigned IPs not known before apply: the
# benchmarking block (RFC 2544), public to vpcsim's validator and never a real AWS address.
PLACEHOLDER_PUBLIC = ipaddress.IPv4Network("198.18.0.0/15")

JsonObj = dict[str, Any]

_REF_RE = re.compile(r'^(data\.)?([A-Za-z][A-Za-z0-9_-]*)\.([A-Za-z_][A-Za-z0-9_-]*)(?:\[(\d+|"(?:[^"\\]|\\.)*")\])?'
                     r"(?:\.([A-Za-z0-9_]+))?")
_INDEX_RE = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]')
_NAME_BAD = re.compile(r"[^A-Za-z0-9._:\-]+")
_T = TypeVar("_T")
_REGION_RE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")

VPC_TYPES = ("aws_vpc", "aws_default_vpc")
SUBNET_TYPES = ("aws_subnet", "aws_default_subnet")
ROUTE_TABLE_TYPES = ("aws_route_table", "aws_default_route_table")
NACL_TYPES = ("aws_network_acl", "aws_default_network_acl")
SG_TYPES = ("aws_security_group", "aws_default_security_group")
PCX_TYPES = ("aws_vpc_peering_connection", "aws_vpc_peering_connection_accepter")
PREFIX_LIST_TYPES = ("aws_ec2_managed_prefix_list",)
# aws_vpc_endpoint's vpc_endpoint_type, lowercased -> the design's type
_ENDPOINT_TYPES = {"gateway": "gateway", "interface": "interface", "gatewayloadbalancer": "gateway_load_balancer"}

# Resources vpcsim does not simulate: each becomes an `unsupported:` entry (so routes can point
# at it). type -> (the design's kind, how messages call one)
UNSUPPORTED_TYPES: dict[str, tuple[str, str]] = {
    "aws_vpn_gateway": ("vpn_gateway", "VPN gateway"),
    "aws_customer_gateway": ("customer_gateway", "customer gateway"),
    "aws_vpn_connection": ("vpn_connection", "VPN connection"),
    "aws_ec2_transit_gateway": ("transit_gateway", "transit gateway"),
    "aws_ec2_transit_gateway_vpc_attachment": ("transit_gateway_attachment", "transit gateway attachment"),
    "aws_vpc_endpoint": ("vpc_endpoint", "VPC endpoint"),  # only those pick_vpc_endpoints cannot import
    "aws_ec2_carrier_gateway": ("carrier_gateway", "carrier gateway"),
    "aws_lb": ("load_balancer", "load balancer"),
    "aws_alb": ("load_balancer", "load balancer"),
    "aws_elb": ("load_balancer", "classic load balancer"),
    "aws_networkfirewall_firewall": ("network_firewall", "network firewall"),
}
# Load balancers (the section "load balancers" of the importer).
LB_TYPES = ("aws_lb", "aws_alb")
LB_LISTENER_TYPES = ("aws_lb_listener", "aws_alb_listener")
LB_RULE_TYPES = ("aws_lb_listener_rule", "aws_alb_listener_rule")
LB_TG_TYPES = ("aws_lb_target_group", "aws_alb_target_group")
LB_ATTACHMENT_TYPES = ("aws_lb_target_group_attachment", "aws_alb_target_group_attachment")
# Unsupported types that a section imports when it can (an `unsupported:` entry when it cannot).
_IMPORTED_WHEN_POSSIBLE = ("aws_vpc_endpoint", *LB_TYPES, "aws_elb")
# Resources that put interfaces in subnets but that vpcsim does not import yet: a warning each.
NOT_IMPORTED_TYPES: dict[str, str] = {
    "aws_db_instance": "an RDS instance: its interfaces are not imported",
}
# Route target attributes, in the order AWS's CreateRoute takes them, and what each may name.
ROUTE_TARGETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gateway_id", ("aws_internet_gateway", "aws_vpn_gateway", "aws_vpc_endpoint")),
    ("nat_gateway_id", ("aws_nat_gateway",)),
    ("vpc_peering_connection_id", PCX_TYPES),
    ("network_interface_id", ("aws_network_interface", "aws_instance")),
    ("instance_id", ("aws_instance",)),
    ("transit_gateway_id", ("aws_ec2_transit_gateway",)),
    ("vpc_endpoint_id", ("aws_vpc_endpoint",)),
    ("egress_only_gateway_id", ("aws_egress_only_internet_gateway",)),
    ("carrier_gateway_id", ("aws_ec2_carrier_gateway",)),
    ("local_gateway_id", ()),
    ("core_network_arn", ()),
)
# Attributes of one resource that name another, e.g. `aws_vpc.x.default_route_table_id`.
_PSEUDO = {
    ("aws_vpc", "default_route_table_id"): "main_route_table",
    ("aws_vpc", "main_route_table_id"): "main_route_table",
    ("aws_default_vpc", "default_route_table_id"): "main_route_table",
    ("aws_default_vpc", "main_route_table_id"): "main_route_table",
    ("aws_vpc", "default_network_acl_id"): "default_network_acl",
    ("aws_default_vpc", "default_network_acl_id"): "default_network_acl",
    ("aws_vpc", "default_security_group_id"): "default_security_group",
    ("aws_default_vpc", "default_security_group_id"): "default_security_group",
    ("aws_instance", "primary_network_interface_id"): "primary_interface",
}
_PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
_PROTOCOL_WORDS = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}


# -- public API --------------------------------------------------------------------------------


# Reference roots that are no resource: a guess may stand in for them.
_NOT_RESOURCES = frozenset({"var", "local", "module", "each", "count", "path", "terraform", "self"})


def sibling_tf_dir(path: str | os.PathLike[str]) -> str | None:
    """The plan's own folder when it holds `.tf` files (the sources beside the plan), else None."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        return folder if any(name.endswith(".tf") for name in os.listdir(folder)) else None
    except OSError:
        return None


def terraform_to_design(
    path: str | os.PathLike[str],
    *,
    side: str = "after",
    tf_dir: str | os.PathLike[str] | None = None,
    validate: bool = False,
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """A `terraform show -json` file -> a design dict in the YAML format (docs/format.md) + warnings.

    `side`: "after" (the planned state of a plan, or a state) or "before" (a plan's
    `prior_state`). `tf_dir`: the folder of the `.tf` sources, for `file.tf:line` locations.
    Raises DesignError (with the file, line and JSON path) when the file cannot be imported, and
    with `validate=True` also when the design it makes would not load (what `vpcsim import` writes).
    """
    importer = _Importer(os.fspath(path), side, os.fspath(tf_dir) if tf_dir is not None else None)
    design = importer.run()
    if not validate:
        return design, importer.warnings
    return design, validated(importer.tree(design), path, importer.warnings)


def load_terraform_tree(
    path: str | os.PathLike[str], *, side: str = "after", tf_dir: str | os.PathLike[str] | None = None
) -> tuple[Node, list[Diagnostic]]:
    """Same as `terraform_to_design`, as a located tree for `vpcsim.loader.build.build`."""
    importer = _Importer(os.fspath(path), side, os.fspath(tf_dir) if tf_dir is not None else None)
    design = importer.run()
    return importer.tree(design), importer.warnings


def moved_addresses(path: str | os.PathLike[str]) -> dict[str, str]:
    """A plan's `moved` resources: new address -> `previous_address` (Terraform 1.1+), {} for a state.

    Raises DesignError, located, when the file is not a readable plan or state.
    """
    _, top = _Importer(os.fspath(path), "after", None).read()
    out: dict[str, str] = {}
    changes = top.get("resource_changes")
    for entry in changes if isinstance(changes, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("address"), str) \
                and isinstance(entry.get("previous_address"), str):
            out[_printable(entry["address"])] = _printable(entry["previous_address"])
    return out


# -- resources ----------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Res:
    """One resource instance of the chosen side, as Terraform lists it."""

    address: str  # module.vpc.aws_subnet.private[1]
    mode: str  # managed | data
    type: str
    name: str
    index: int | str | None
    module: str  # the module instance: module.sg["a"] ('' for the root module)
    cmodule: str  # the module in the configuration: module.sg
    values: JsonObj
    unknown: Any  # after_unknown: True, or a structure like values with True leaves
    loc: Location
    config: JsonObj | None = None  # the configuration block's resource, if any
    design_name: str = ""

    @property
    def kind(self) -> str:
        """The type, with `data.` in front for a data source (`data.aws_vpc`)."""
        return f"data.{self.type}" if self.mode == "data" else self.type

    @property
    def key(self) -> str:
        """`type.name` as the configuration writes it within its module (data. prefix for data)."""
        return f"{'data.' if self.mode == 'data' else ''}{self.type}.{self.name}"

    def is_unknown(self, attr: str) -> bool:
        return isinstance(self.unknown, dict) and self.unknown.get(attr) is True

    def blocks(self, attr: str) -> list[tuple[JsonObj, JsonObj]]:
        """(values, after_unknown) of each `attr` block, as many as either lists (a block whose
        every field is known only after apply has no values yet): {} for what one side lacks."""
        blocks = _blocks(self.values.get(attr))
        unknown = self.unknown.get(attr) if isinstance(self.unknown, dict) else None
        unknowns = unknown if isinstance(unknown, list) else []
        return [(blocks[i] if i < len(blocks) else {},
                 unknowns[i] if i < len(unknowns) and isinstance(unknowns[i], dict) else {})
                for i in range(max(len(blocks), len(unknowns)))]

    def expression(self, attr: str) -> JsonObj | None:
        if self.config is None:
            return None
        expressions = self.config.get("expressions")
        if not isinstance(expressions, dict):
            return None
        value = expressions.get(attr)
        return value if isinstance(value, dict) else None

    def block_expressions(self, attr: str) -> list[JsonObj]:
        """The configuration's nested blocks for `attr` (Terraform 0.13+ writes them; 0.12 often not)."""
        if self.config is None:
            return []
        expressions = self.config.get("expressions")
        value = expressions.get(attr) if isinstance(expressions, dict) else None
        return [b for b in value if isinstance(b, dict)] if isinstance(value, list) else []

    def configured(self, attr: str) -> bool:
        return self.expression(attr) is not None or bool(self.block_expressions(attr))

    def constant(self, attr: str) -> Any:
        expr = self.expression(attr)
        return expr.get("constant_value") if expr is not None else None


def _printable(text: str) -> str:
    return text if text.isprintable() else "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _slug(text: str) -> str:
    return _NAME_BAD.sub("-", text).strip("-")[:120].strip("-")


def _cidr(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(ipaddress.IPv4Network(value.strip(), strict=False))
    except (ValueError, TypeError):
        return None


def _cidr6(value: Any) -> str | None:
    """An IPv6 CIDR block in RFC 5952 form (the `ipv6_*` arguments), or None."""
    if not isinstance(value, str) or ":" not in value:
        return None
    try:
        return str(ipaddress.IPv6Network(value.strip(), strict=False))
    except (ValueError, TypeError):
        return None


def _ip6(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(ipaddress.IPv6Address(value.strip()))
    except (ValueError, TypeError):
        return None


def _ip(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(ipaddress.IPv4Address(value.strip()))
    except (ValueError, TypeError):
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if re.fullmatch(r"-?[0-9]{1,30}", text):  # ASCII digits only; int() refuses 4,300+ of them
        return int(text)
    return None


def _ports(lo: int | None, hi: int | None) -> int | str | None:
    """Terraform's from_port/to_port -> the design's `ports`; None for all ports."""
    if lo is None or lo < 0:
        return None
    hi = lo if hi is None or hi < 0 else hi
    if (lo, hi) == (0, 65535) or hi < lo:
        return None
    return lo if lo == hi else f"{lo}-{hi}"


def _module_of(address: str, key: str, index: Any) -> str:
    suffix = key + ("" if index is None else f"[{json.dumps(index)}]")
    if address.endswith(suffix):
        return address[: -len(suffix)].rstrip(".")
    position = address.rfind("." + key)
    return address[:position] if position > 0 else ""


def _strip_keys(module: str) -> str:
    return _INDEX_RE.sub("", module)


def _parent_module(module: str) -> str:
    """module.a.module.b["x"] -> module.a"""
    position = module.rfind(".module.")
    return module[:position] if position >= 0 else ""


# -- the importer -------------------------------------------------------------------------------


class _Importer:
    def __init__(self, path: str, side: str, tf_dir: str | None) -> None:
        self.path = path
        self.side = side
        self.tf_dir = tf_dir
        self.diagnostics: list[Diagnostic] = []
        self.locs: dict[int, Location] = {}
        self.resources: list[_Res] = []
        self.by_address: dict[str, _Res] = {}
        self.by_key: dict[tuple[str, str], list[_Res]] = {}  # (module instance, type.name) -> instances
        self.by_ckey: dict[tuple[str, str], list[_Res]] = {}  # (configuration module, type.name) -> instances
        # A known id -> the addresses (or address#pseudo) it names: a data.aws_subnet_ids has its VPC's id.
        self.ids: dict[str, list[str]] = {}
        self.cfg_resources: dict[tuple[str, str], JsonObj] = {}
        self.cfg_calls: dict[str, JsonObj] = {}  # configuration module -> its module call
        self.root_variables: JsonObj = {}
        self.provider_region: str | None = None
        self.warned: set[tuple[str, str]] = set()
        self.placeholder_public = 0
        self.kind = "plan"
        self.adopted: dict[str, str] = {}  # a VPC's default object (address#pseudo) -> the aws_default_* adopting it
        self._vpc_cache: dict[str, str | None] = {}
        self.vpc_alias: dict[str, str] = {}  # a second resource for one VPC -> the first
        self.eip_ips: dict[str, str] = {}
        self.output_cache: dict[tuple[str, str, str | None], list[tuple[_Res, str | None]]] = {}
        self.modules: set[str] = set()
        # From the .tf sources: resources' expressions, for what the JSON configuration leaves out.
        self.hcl_resources: dict[tuple[str, str], JsonObj] = {}
        # ... and their nested blocks (`ingress {}`, `route {}`), located, for rules' own lines.
        self.hcl_nested: dict[tuple[str, str], _NestedAt] = {}
        self.nested_used: set[tuple[str, str, int]] = set()
        # Lookup tables by count index, keyed by id() of a list kept alive beside them.
        self.pair_cache: dict[int, tuple[list[_Res], list[tuple[_Res, str | None]]]] = {}
        self.index_cache: dict[int, tuple[list[tuple[_Res, str | None]], dict[Any, list[tuple[_Res, str | None]]]]] = {}

    # -- reporting ----------------------------------------------------------------------------

    def error(self, code: str, message: str, loc: Location | None) -> None:
        self.diagnostics.append(Diagnostic(Severity.ERROR, code, message, loc))

    def warn(self, code: str, message: str, loc: Location | None) -> None:
        self.diagnostics.append(Diagnostic(Severity.WARNING, code, message, loc))

    def warn_once(self, key: str, code: str, message: str, loc: Location | None) -> None:
        if (key, code) not in self.warned:
            self.warned.add((key, code))
            self.warn(code, message, loc)

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    def fail(self, code: str, message: str, loc: Location) -> DesignError:
        return DesignError([Diagnostic(Severity.ERROR, code, message, loc), *self.warnings])

    def fail_if_errors(self) -> None:
        errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
        if errors:
            raise DesignError(errors + self.warnings)

    def at(self, obj: dict[str, Any] | list[Any], loc: Location) -> None:
        self.locs[id(obj)] = loc

    # -- stage 1: the file --------------------------------------------------------------------

    def read(self) -> tuple[_Doc, JsonObj]:
        start = Location(self.path, 1, 1, "$")
        if link_escapes(self.path):
            raise self.fail("io", "cannot read file: a link to a file outside its folder and the working folder "
                            "(not followed; see docs/security.md)", start)
        try:
            data = read_regular(self.path, MAX_BYTES)
        except UnreadableFile as exc:
            raise self.fail("io", f"cannot read file: {exc.strerror or exc}", start) from None
        except FileTooLarge as exc:
            size = f"{exc.size:,}" if exc.size is not None else f"more than {MAX_BYTES:,}"
            raise self.fail("tf-too-large", f"file is {size} bytes; the limit is {MAX_BYTES:,} bytes "
                            "(expected the output of `terraform show -json`)", start) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            raise self.fail("tf-encoding", f"not UTF-8 text (byte 0x{data[exc.start]:02x}); expected JSON",
                            Location(self.path, line, col)) from None
        try:
            if len(data) <= LOCATE_MAX_BYTES:
                value, positions = _parse_located(text)
            else:
                value, positions = json.loads(text), {}
        except json.JSONDecodeError as exc:
            raise self.fail("tf-json", f"malformed JSON: {exc.msg} (is the file truncated?)",
                            Location(self.path, exc.lineno, exc.colno)) from None
        except RecursionError:
            raise self.fail("tf-json", "JSON nested too deeply", start) from None
        except ValueError as exc:  # the C decoder's int() on a number of 4,300+ digits
            raise self.fail("tf-json", f"malformed JSON: {exc}", start) from None
        doc = _Doc(self.path, os.path.basename(self.path), None, text, positions)
        if not isinstance(value, dict):
            raise self.fail("tf-format", f"expected a JSON object (the output of `terraform show -json`), got "
                            f"{json_kind(value)}", doc.loc(value, "$"))
        version = value.get("format_version")
        if not isinstance(version, str) or version.split(".")[0] not in ("0", "1"):
            raise self.fail(
                "tf-format",
                f"format_version: expected \"0.x\" or \"1.x\" (Terraform's JSON output format), got {json_kind(version)}",
                doc.loc(value, "$.format_version"),
            )
        return doc, value

    # -- stage 2: resource instances ----------------------------------------------------------

    def obj(self, parent: JsonObj, key: str, path: str, doc: _Doc, required: bool = False) -> JsonObj | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.error("tf-missing", f"{path}: missing {key!r}", doc.loc(parent, path))
            return None
        if not isinstance(value, dict):
            self.error("tf-type", f"{path}.{key}: expected an object, got {json_kind(value)}",
                       doc.loc(parent, f"{path}.{key}"))
            return None
        return value

    def items(self, parent: JsonObj, key: str, path: str, doc: _Doc) -> Iterator[tuple[JsonObj, str]]:
        value = parent.get(key)
        if value is None:
            return
        if not isinstance(value, list):
            self.error("tf-type", f"{path}.{key}: expected a list, got {json_kind(value)}",
                       doc.loc(parent, f"{path}.{key}"))
            return
        for index, item in enumerate(value):
            item_path = f"{path}.{key}[{index}]"
            if isinstance(item, dict):
                yield item, item_path
            else:
                self.error("tf-type", f"{item_path}: expected an object, got {json_kind(item)}",
                           doc.loc(value, item_path))

    def add(self, entry: JsonObj, path: str, doc: _Doc, values: Any, unknown: Any, module: str | None) -> None:
        address = entry.get("address")
        rtype = entry.get("type")
        name = entry.get("name")
        mode = entry.get("mode", "managed")
        loc = doc.loc(entry, path)
        for key, value in (("address", address), ("type", rtype), ("name", name), ("mode", mode)):
            if not isinstance(value, str) or not value:
                self.error("tf-type", f"{path}.{key}: expected a non-empty string, got {json_kind(value)}", loc)
                return
        assert isinstance(address, str) and isinstance(rtype, str) and isinstance(name, str) and isinstance(mode, str)
        # Addresses end up in messages printed on terminals: no control characters.
        address, rtype, name = _printable(address), _printable(rtype), _printable(name)
        index = entry.get("index")
        if index is not None and (isinstance(index, bool) or not isinstance(index, (int, str))):
            self.error("tf-type", f"{path}.index: expected a number or a string, got {json_kind(index)}", loc)
            return
        if values is None:
            values = {}
        if not isinstance(values, dict):
            self.error("tf-type", f"{path}: the resource's values: expected an object, got {json_kind(values)}", loc)
            return
        key = f"{'data.' if mode == 'data' else ''}{rtype}.{name}"
        if module and not address.startswith(module + "."):
            address = f"{module}.{address}"  # Terraform 0.12 states leave the module out of child addresses
        if index is not None and not address.endswith("]"):
            address = f"{address}[{json.dumps(index)}]"  # ... and the index out of counted ones
        if module is None:
            module = _module_of(address, key, index)
        res = _Res(address, mode, rtype, name, index, module, _strip_keys(module), values, unknown,
                   Location(loc.file, loc.line, loc.col, f"{address}, {path}"))
        if address in self.by_address:
            self.error("tf-duplicate", f"{path}: resource {address} is listed twice", loc)
            return
        self.by_address[address] = res
        self.resources.append(res)
        self.modules.add(res.module)
        self.by_key.setdefault((res.module, key), []).append(res)
        self.by_ckey.setdefault((res.cmodule, key), []).append(res)

    def walk_module(self, module: JsonObj, path: str, doc: _Doc, depth: int = 0, data_only: bool = False) -> None:
        if depth > MAX_REF_DEPTH:
            self.error("tf-depth", f"{path}: modules nested more than {MAX_REF_DEPTH} deep", doc.loc(module, path))
            return
        address = module.get("address")
        for entry, entry_path in self.items(module, "resources", path, doc):
            if data_only and (entry.get("mode") != "data" or entry.get("address") in self.by_address):
                continue
            self.add(entry, entry_path, doc, entry.get("values"), None,
                     address if isinstance(address, str) else None)
        for child, child_path in self.items(module, "child_modules", path, doc):
            self.walk_module(child, child_path, doc, depth + 1, data_only)

    def collect(self, doc: _Doc, top: JsonObj) -> str:
        """Fill `resources` from the chosen side; return what the file is ("plan" or "state")."""
        is_plan = "planned_values" in top or "resource_changes" in top
        if self.side == "before":
            if not is_plan:
                raise self.fail("tf-side", "this is a state, not a plan: it has no prior_state (give the state "
                                "itself as the before side)", doc.loc(top, "$"))
            prior = self.obj(top, "prior_state", "$", doc)
            values = self.obj(prior, "values", "$.prior_state", doc) if prior is not None else None
            root = self.obj(values, "root_module", "$.prior_state.values", doc) if values is not None else None
            if root is not None:
                self.walk_module(root, "$.prior_state.values.root_module", doc)
            return "plan"
        if "resource_changes" in top:
            for entry, path in self.items(top, "resource_changes", "$", doc):
                change = self.obj(entry, "change", path, doc, required=True)
                if change is None:
                    continue
                actions = change.get("actions")
                if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
                    self.error("tf-type", f"{path}.change.actions: expected a list of strings, got "
                               f"{json_kind(actions)}", doc.loc(change, f"{path}.change"))
                    continue
                if actions == ["delete"] or "forget" in actions:
                    if entry.get("mode", "managed") == "managed" and _interesting(entry.get("type")):
                        self.warn("tf-deleted", f"{entry.get('address')} is deleted by this plan (left out)",
                                  doc.loc(entry, path))
                    continue
                module = entry.get("module_address")
                self.add(entry, path, doc, change.get("after"), change.get("after_unknown"),
                         module if isinstance(module, str) else ("" if "module_address" not in entry else None))
            # Data sources read while planning are in prior_state only (Terraform 0.13+).
            prior = top.get("prior_state")
            values = prior.get("values") if isinstance(prior, dict) else None
            root = values.get("root_module") if isinstance(values, dict) else None
            if isinstance(root, dict):
                self.walk_module(root, "$.prior_state.values.root_module", doc, data_only=True)
            return "plan"
        if is_plan:
            planned = self.obj(top, "planned_values", "$", doc)
            root = self.obj(planned, "root_module", "$.planned_values", doc) if planned is not None else None
            if root is not None:
                self.walk_module(root, "$.planned_values.root_module", doc)
            return "plan"
        values = self.obj(top, "values", "$", doc)
        root = self.obj(values, "root_module", "$.values", doc) if values is not None else None
        if root is not None:
            self.walk_module(root, "$.values.root_module", doc)
        return "state"

    def read_configuration(self, doc: _Doc, top: JsonObj) -> None:
        config = self.obj(top, "configuration", "$", doc)
        if config is None:
            return
        providers = config.get("provider_config")
        if isinstance(providers, dict):
            for key, provider in sorted(providers.items()):
                if not isinstance(provider, dict) or provider.get("name", key.split(".")[0]) != "aws":
                    continue
                expressions = provider.get("expressions")
                region = expressions.get("region") if isinstance(expressions, dict) else None
                value = region.get("constant_value") if isinstance(region, dict) else None
                if isinstance(value, str) and _REGION_RE.match(value) and self.provider_region is None:
                    self.provider_region = value
        root = self.obj(config, "root_module", "$.configuration", doc)
        if root is not None:
            self.walk_config(root, "", "$.configuration.root_module", doc, 0)
        variables = top.get("variables")
        if isinstance(variables, dict):
            self.root_variables = variables

    def walk_config(self, module: JsonObj, cmodule: str, path: str, doc: _Doc, depth: int) -> None:
        if depth > MAX_REF_DEPTH:
            return
        resources = module.get("resources")
        if isinstance(resources, list):
            for entry in resources:
                if isinstance(entry, dict) and isinstance(entry.get("address"), str):
                    self.cfg_resources[(cmodule, entry["address"])] = entry
        calls = module.get("module_calls")
        if isinstance(calls, dict):
            for name, call in calls.items():
                if not isinstance(call, dict):
                    continue
                child = f"{cmodule}.module.{name}".lstrip(".")
                self.cfg_calls[child] = call
                inner = call.get("module")
                if isinstance(inner, dict):
                    self.walk_config(inner, child, f"{path}.module_calls.{name}.module", doc, depth + 1)

    def index_ids(self) -> None:
        for res in self.resources:
            res.config = _merged(self.cfg_resources.get((res.cmodule, res.key)),
                                 self.hcl_resources.get((res.cmodule, res.key)))
            values = res.values
            rid = values.get("id")
            if isinstance(rid, str) and rid:
                self.ids.setdefault(rid, []).append(res.address)
            if res.type == "aws_eip" and isinstance(values.get("allocation_id"), str):
                self.ids.setdefault(values["allocation_id"], []).append(res.address)
            for (rtype, attr), pseudo in _PSEUDO.items():
                if rtype == res.type and isinstance(values.get(attr), str) and values[attr]:
                    self.ids.setdefault(values[attr], []).append(f"{res.address}#{pseudo}")
        # An adopted default resource is the VPC's own default object under another name.
        for res in self.resources:
            for rtype, attr, pseudo in (
                ("aws_default_route_table", "default_route_table_id", "main_route_table"),
                ("aws_default_network_acl", "default_network_acl_id", "default_network_acl"),
            ):
                if res.type == rtype:
                    owner = self.link(res, attr, VPC_TYPES + ("data.aws_vpc",), pseudo=pseudo, quiet=True)
                    if owner is not None:
                        self.adopted[f"{owner.address}#{pseudo}"] = res.address

    # -- stage 3: links -----------------------------------------------------------------------

    def instances(self, module: str | None, cmodule: str, key: str) -> list[_Res]:
        if module is not None:
            return self.by_key.get((module, key), [])
        return self.by_ckey.get((cmodule, key), [])

    def resolve(
        self, refs: Sequence[Any], res_index: Any, module: str | None, cmodule: str, depth: int, seen: set[tuple[str, str]]
    ) -> list[tuple[_Res, str | None]]:
        """Resources (and the attribute named after them) that a reference list points at."""
        if depth > MAX_REF_DEPTH:
            return []
        texts = [r for r in refs if isinstance(r, str)]
        by_count = "count.index" in texts
        by_each = "each.key" in texts or "each.value" in texts
        out: list[tuple[_Res, str | None]] = []
        listed: set[tuple[int, str | None]] = set()
        for ref in texts:
            if (cmodule, ref) in seen:
                continue  # a cycle of variables and outputs: nothing more to learn
            seen.add((cmodule, ref))
            parts = ref.split(".")
            if parts[0] == "var" and len(parts) >= 2:
                call = self.cfg_calls.get(cmodule)
                if call is None:
                    continue
                expressions = call.get("expressions")
                expr = expressions.get(parts[1]) if isinstance(expressions, dict) else None
                inner = expr.get("references") if isinstance(expr, dict) else None
                if isinstance(inner, list):
                    parent = _parent_module(module) if module is not None else None
                    module_key = _module_key(module) if module is not None else None
                    out.extend(self.resolve(inner, module_key, parent, _parent_module(cmodule), depth + 1, seen))
                continue
            if parts[0] == "module" and len(parts) >= 3:
                child = f"{cmodule}.module.{parts[1]}".lstrip(".")
                call = self.cfg_calls.get(child)
                inner_module = call.get("module") if call is not None else None
                outputs = inner_module.get("outputs") if isinstance(inner_module, dict) else None
                output = outputs.get(parts[2]) if isinstance(outputs, dict) else None
                expression = output.get("expression") if isinstance(output, dict) else None
                inner = expression.get("references") if isinstance(expression, dict) else None
                if isinstance(inner, list):
                    child_module = f"{module}.module.{parts[1]}".lstrip(".") if module is not None else None
                    if child_module is not None and child_module not in self.modules:
                        child_module = None  # a module with count/for_each: match its instances by config path
                    cache_key = (child, parts[2], child_module)
                    if cache_key not in self.output_cache:  # every instance of a counted resource asks
                        self.output_cache[cache_key] = self.resolve(inner, None, child_module, child, depth + 1, seen)
                    found_inner = self.output_cache[cache_key]
                    if len(found_inner) > 1 and res_index is not None and (by_count or by_each):
                        # `module.m.ids[count.index]`: the instance with the referring resource's index.
                        same = self.with_index(found_inner, res_index)
                        found_inner = same or found_inner
                    for target, attr_name in found_inner:
                        if (id(target), attr_name) not in listed:
                            listed.add((id(target), attr_name))
                            out.append((target, attr_name))
                continue
            if parts[0] in ("local", "each", "count", "path", "terraform", "self"):
                continue
            match = _REF_RE.match(ref)
            if match is None:
                continue
            data, rtype, name, index_text, attr = match.groups()
            key = f"{'data.' if data else ''}{rtype}.{name}"
            found = self.instances(module, cmodule, key)
            if index_text is not None:
                wanted: Any = int(index_text) if index_text.isdigit() else json.loads(index_text)
                found = [r for r in found if r.index == wanted] if len(found) < 8 else [
                    r for r, _ in self.with_index(self.pairs_of(found), wanted)]
            elif len(found) > 1 and res_index is not None and (
                (by_count and isinstance(res_index, int)) or (by_each and isinstance(res_index, str))
            ):
                found = [r for r, _ in self.with_index(self.pairs_of(found), res_index)]
            for target in found:
                if (id(target), attr) not in listed:
                    listed.add((id(target), attr))
                    out.append((target, attr))
        return out

    def pairs_of(self, found: list[_Res]) -> list[tuple[_Res, str | None]]:
        """`found` as (resource, None) pairs, kept so that `with_index` indexes it once."""
        key = id(found)
        if key not in self.pair_cache:
            self.pair_cache[key] = (found, [(r, None) for r in found])
        return self.pair_cache[key][1]

    def with_index(self, found: list[tuple[_Res, str | None]], index: Any) -> list[tuple[_Res, str | None]]:
        """The entries whose resource has this count index or for_each key (an index built once per list)."""
        key = id(found)
        if key not in self.index_cache:
            table: dict[Any, list[tuple[_Res, str | None]]] = {}
            for entry in found:
                table.setdefault((type(entry[0].index).__name__, entry[0].index), []).append(entry)
            self.index_cache[key] = (found, table)
        return self.index_cache[key][1].get((type(index).__name__, index), [])

    def refs_for(self, res: _Res, attr: str, block: tuple[str, int] | None) -> list[Any] | None:
        if block is not None:
            blocks = res.block_expressions(block[0])
            if block[1] < len(blocks) and isinstance(blocks[block[1]].get(attr), dict):
                refs = blocks[block[1]][attr].get("references")
                return refs if isinstance(refs, list) else None
            return None
        expr = res.expression(attr)
        refs = expr.get("references") if expr is not None else None
        return refs if isinstance(refs, list) else None

    def link_all(
        self,
        res: _Res,
        attr: str,
        types: Sequence[str],
        *,
        value: Any = None,
        unknown: Any = None,
        block: tuple[str, int] | None = None,
        pseudo: str | None = None,
        infer_in: str | None = None,
        quiet: bool = False,
    ) -> list[_Res] | None:
        """The resources that `attr` of `res` names (a list attribute may name several).

        Returns None when the attribute is unknown and cannot be resolved (a warning says so
        unless `quiet`); [] when it names nothing vpcsim imports. `pseudo` picks an attribute
        such as a VPC's default_route_table_id; `infer_in`: a VPC address within which the only
        candidate of the right type may stand in when nothing else says what the value is.
        """
        if block is None:
            value = res.values.get(attr) if value is None else value
            unknown = res.is_unknown(attr) if unknown is None else unknown
        what = f"{res.address}: {attr if block is None else f'{block[0]}[{block[1]}].{attr}'}"
        texts = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
        out: list[_Res] = []
        missing: list[str] = []
        for text in texts:
            if not text:
                continue
            matched = None
            for target in self.ids.get(text, []):
                found = self.by_address[target.split("#")[0]]
                if "#" in target:
                    if pseudo is not None and target.endswith("#" + pseudo):
                        matched = found
                elif found.type in types or found.kind in types:
                    matched = found
                if matched is not None:
                    break
            if matched is None:
                missing.append(text)
            else:
                out.append(matched)
        if missing and not quiet:
            self.warn("tf-external", f"{what}: {', '.join(map(_printable, missing))} is not in this {self.kind} (an existing "
                      "resource Terraform does not manage here); that part is left out", res.loc)
        has_unknown = unknown is True or (isinstance(unknown, list) and any(u is True for u in unknown))
        if not has_unknown and (texts or value is not None):
            return out
        if has_unknown and block is None and res.config is not None and not res.configured(attr):
            return out  # computed by the provider, left unset by the configuration
        refs = self.refs_for(res, attr, block)
        if refs:
            resolved = self.resolve(refs, res.index, res.module, res.cmodule, 0, set())
            for named, named_attr in resolved:
                if pseudo is not None and _PSEUDO.get((named.type, named_attr or "")) == pseudo:
                    out.append(named)
                elif (named.type in types or named.kind in types) and (named.type, named_attr or "") not in _PSEUDO:
                    out.append(named)
            if out:
                return list(dict.fromkeys(out))
        if not has_unknown and value is None and not refs:
            return out  # not set at all
        key = f"{res.address}: {attr}" + (f"[{block[1]}]" if block is not None else "")
        dangling = [r for r in refs or [] if isinstance(r, str) and r.split(".")[0] not in _NOT_RESOURCES]
        if dangling:
            # The configuration names resources, but none of them is in this file (or of the right
            # type): no guess stands in for what the configuration says.
            if not quiet:
                self.warn_once(key, "tf-unknown", f"{what} is known only after apply and refers to "
                               f"{', '.join(_printable(r) for r in dangling[:3])}, which this {self.kind} does not "
                               "hold (or not as such a resource)", res.loc)
            return None
        inferred, by_index = self.infer(res, types, infer_in)
        if inferred is not None:
            self.warn_once(key, "tf-inferred", f"{what} is known only after apply and the configuration does not say "
                           f"what it refers to (a local value?); taken to be {inferred.address}, the only "
                           f"{'/'.join(types)} " + ("of its VPC" if infer_in is not None else "of its module"
                                                   + (" with the same index" if by_index else "")),
                           res.loc)
            return [inferred]
        if not quiet:
            self.warn_once(key, "tf-unknown", f"{what} is known only after apply and the configuration does not say "
                           "what it refers to", res.loc)
        return None

    def infer(self, res: _Res, types: Sequence[str], vpc: str | None) -> tuple[_Res | None, bool]:
        """The one resource of `types` that `res` can mean: the only one of its VPC (`vpc` given) or of
        its module, or, when several instances of one counted resource remain, the one with its index."""
        candidates = [r for r in self.resources if (r.type in types or r.kind in types) and r is not res
                      and r.mode == "managed"]
        if vpc is not None:
            candidates = [r for r in candidates if self.vpc_of(r) == vpc]
        else:
            candidates = [r for r in candidates if r.module == res.module]
        by_index = len(candidates) > 1 and res.index is not None and len({r.key for r in candidates}) == 1
        if by_index:
            candidates = [r for r in candidates if r.index == res.index]
        return (candidates[0] if len(candidates) == 1 else None), by_index

    def link(self, res: _Res, attr: str, types: Sequence[str], **kwargs: Any) -> _Res | None:
        found = self.link_all(res, attr, types, **kwargs)
        if not found:
            return None
        if len(found) > 1 and not kwargs.get("quiet"):
            self.warn("tf-ambiguous", f"{res.address}: {attr} may be any of {', '.join(r.address for r in found)}; "
                      f"using {found[0].address}", res.loc)
        return found[0]

    # -- stage 4: the design ------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        doc, top = self.read()
        self.kind = self.collect(doc, top)
        self.read_configuration(doc, top)
        self.fail_if_errors()
        if self.tf_dir is not None:
            self.locate_sources()
        self.index_ids()
        design = self.convert(top)
        self.fail_if_errors()
        return design

    def of_type(self, *types: str, data: bool = False) -> list[_Res]:
        return [r for r in self.resources if r.type in types and (r.mode == "managed" or data)]

    def name_of(self, res: _Res, names: _Names) -> str:
        """A design name from the address: module.vpc.aws_subnet.private[1] -> vpc.private.1."""
        parts = [p for p in re.split(r"\.?module\.", res.module) if p]
        base = ".".join(_INDEX_RE.sub(lambda m: "." + m.group(0)[1:-1].strip('"'), p) for p in parts)
        own = res.name if res.index is None else f"{res.name}.{res.index}"
        if res.mode == "data":
            own = f"data.{own}"
        res.design_name = names.take(f"{base}.{own}" if base else own, res.address)
        return res.design_name

    def body(self, res: _Res, **fields: Any) -> dict[str, Any]:
        body: dict[str, Any] = {}
        aws_id = res.values.get("id")
        if isinstance(aws_id, str) and aws_id:
            body["aws_id"] = aws_id
        body["description"] = f"terraform: {res.address}"
        for key, value in fields.items():
            if value is not None:
                body[key] = value
        tags = res.values.get("tags")
        if isinstance(tags, dict):
            clean = {str(k): str(v) for k, v in tags.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
            if clean:
                body["tags"] = clean
        self.at(body, res.loc)
        return body

    def convert(self, top: JsonObj) -> dict[str, Any]:
        self.vpc_names: dict[str, str] = {}
        self.vpc_cidrs: dict[str, list[str]] = {}
        self.vpc_ipv6: dict[str, list[str]] = {}  # vpc address -> its IPv6 blocks
        self.ipv6_only: set[str] = set()  # subnet addresses
        self.subnet_names: dict[str, str] = {}
        self.subnet_vpc: dict[str, str] = {}
        self.sg_names: dict[str, str] = {}  # address -> the design's group reference ('' = a VPC's default)
        self.sg_vpc: dict[str, str] = {}
        self.unsupported: dict[str, Any] = {}
        self.unsupported_names = _Names()
        self.unsupported_by_address: dict[str, str] = {}
        self.prefix_lists: dict[str, Any] = {}
        self.prefix_list_names: dict[str, str] = {}
        region = self.region()
        self.region_name = region
        vpcs = self.pick_vpcs()
        prefix_lists = self.pick_prefix_lists()
        subnets = self.pick_subnets(region)
        self.pick_unsupported()
        groups = self.pick_security_groups(vpcs)
        igws = self.pick_internet_gateways()
        eigws = self.pick_egress_only_gateways()
        peerings = self.pick_peerings()
        instances = self.pick_instances()
        nats = self.pick_nat_gateways()
        endpoints = self.pick_vpc_endpoints()
        route_tables = self.pick_route_tables(vpcs, subnets)
        self.associate_vpc_endpoints(endpoints)
        network_acls = self.pick_network_acls(vpcs, subnets)
        load_balancers, target_groups = self.pick_load_balancers(tuple(instances))
        self.lb_cut_subnets(load_balancers, subnets, (("security group", groups), ("network ACL", network_acls),
                                                      ("route table", route_tables), ("prefix list", prefix_lists)))
        version = top.get("terraform_version")
        design: dict[str, Any] = {
            "version": 1,
            "description": f"Imported from the Terraform {self.kind} {os.path.basename(self.path)}"
            + (f" (Terraform {version})" if isinstance(version, str) else "")
            + (", before the plan" if self.side == "before" else ""),
            "region": region,
            "vpcs": vpcs,
        }
        for key, section in (
            ("subnets", subnets),
            ("route_tables", route_tables),
            ("network_acls", network_acls),
            ("security_groups", groups),
            ("internet_gateways", igws),
            ("egress_only_internet_gateways", eigws),
            ("nat_gateways", nats),
            ("peerings", peerings),
            ("prefix_lists", prefix_lists),
            ("instances", instances),
            ("vpc_endpoints", endpoints),
            ("load_balancers", load_balancers),
            ("target_groups", target_groups),
            ("unsupported", self.unsupported),
        ):
            if section:
                design[key] = section
        return design

    def region(self) -> str:
        if self.provider_region is not None:
            return self.provider_region
        for res in self.resources:
            zone = res.values.get("availability_zone")
            if isinstance(zone, str):
                match = re.match(r"^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$", zone)
                if match:
                    return match.group(1)
            arn = res.values.get("arn")
            if isinstance(arn, str):
                parts = arn.split(":")
                if len(parts) > 3 and _REGION_RE.match(parts[3]):
                    return parts[3]
        if any(r.type in VPC_TYPES for r in self.resources):
            self.warn("tf-region", f"no provider region, zone or ARN says which region this is; using {DEFAULT_REGION}",
                      None)
        return DEFAULT_REGION

    # -- VPCs ---------------------------------------------------------------------------------

    def vpc_of(self, res: _Res) -> str | None:
        """The address of the VPC a resource lives in, if it can be told."""
        cache = self._vpc_cache
        if res.address in cache:
            return cache[res.address]
        cache[res.address] = None  # a guard against reference cycles
        vpc: str | None = None
        if res.type in VPC_TYPES or res.kind == "data.aws_vpc":
            vpc = res.address
        elif "vpc_id" in res.values or res.is_unknown("vpc_id") or res.configured("vpc_id"):
            found = self.link(res, "vpc_id", VPC_TYPES + ("data.aws_vpc",), quiet=True)
            vpc = found.address if found is not None else None
        elif "subnet_id" in res.values or res.is_unknown("subnet_id"):
            subnet = self.link(res, "subnet_id", SUBNET_TYPES + ("data.aws_subnet",), quiet=True)
            vpc = self.vpc_of(subnet) if subnet is not None else None
        elif res.type in ("aws_default_route_table", "aws_default_network_acl"):
            attr = "default_route_table_id" if res.type == "aws_default_route_table" else "default_network_acl_id"
            pseudo = "main_route_table" if res.type == "aws_default_route_table" else "default_network_acl"
            found = self.link(res, attr, VPC_TYPES + ("data.aws_vpc",), pseudo=pseudo, quiet=True)
            vpc = found.address if found is not None else None
        vpc = self.vpc_alias.get(vpc, vpc) if vpc is not None else None
        cache[res.address] = vpc
        return vpc

    def pick_vpcs(self) -> dict[str, Any]:
        names = _Names()
        vpcs: dict[str, Any] = {}
        for res in self.of_type("aws_vpc", "aws_default_vpc", data=False) + [
            r for r in self.resources if r.kind == "data.aws_vpc"
        ]:
            cidr = _cidr(res.values.get("cidr_block"))
            if cidr is None and res.type == "aws_default_vpc":
                cidr = DEFAULT_VPC_CIDR
                if not res.values.get("cidr_block"):
                    self.warn("tf-default-vpc", f"{res.address}: the default VPC's CIDR is known only after apply; "
                              f"using {DEFAULT_VPC_CIDR}, the block AWS gives every default VPC", res.loc)
            if cidr is None:
                if res.mode == "data":
                    continue  # a data source read only at apply: nothing is known about it
                raw = res.values.get("cidr_block")
                if raw is None:
                    self.warn("tf-unknown", f"{res.address}: cidr_block is known only after apply (IPAM?); the VPC "
                              "and everything in it are left out", res.loc)
                else:
                    self.error("tf-value", f"{res.address}: cidr_block {json_kind(raw)} is not an IPv4 CIDR block",
                               res.loc)
                continue
            same = next((a for a in self.ids.get(res.values.get("id") or "", []) if a in self.vpc_names), None)
            if same is not None and same != res.address:
                # One VPC seen twice (a data source in several modules, an aws_default_vpc per module).
                self.vpc_alias[res.address] = same
                continue
            name = self.name_of(res, names)
            self.vpc_names[res.address] = name
            self.vpc_cidrs[res.address] = [cidr]
            if res.mode == "data":
                self.warn("tf-data-vpc", f"{res.address}: an existing VPC read by a data source; only what this "
                          f"{self.kind} manages in it is imported (its route tables and NACLs get AWS's defaults)",
                          res.loc)
            vpcs[name] = self.body(res, cidrs=self.vpc_cidrs[res.address])
            six = _cidr6(res.values.get("ipv6_cidr_block"))
            if six is not None:
                self.vpc_ipv6[res.address] = [six]
                vpcs[name]["ipv6_cidrs"] = self.vpc_ipv6[res.address]
            elif res.values.get("assign_generated_ipv6_cidr_block") is True or res.is_unknown("ipv6_cidr_block") and \
                    res.configured("assign_generated_ipv6_cidr_block"):
                self.warn("tf-unknown", f"{res.address}: its Amazon-provided IPv6 block is known only after apply; "
                          "the VPC is imported IPv4-only (apply, then import the state)", res.loc)
        for res in self.of_type("aws_vpc_ipv6_cidr_block_association"):
            vpc_res = self.link(res, "vpc_id", VPC_TYPES + ("data.aws_vpc",))
            vpc = self.vpc_alias.get(vpc_res.address, vpc_res.address) if vpc_res is not None else None
            six = _cidr6(res.values.get("ipv6_cidr_block"))
            if vpc is None or vpc not in self.vpc_names:
                continue
            if six is None:
                self.warn("tf-unknown", f"{res.address}: ipv6_cidr_block is known only after apply (IPAM?); left out",
                          res.loc)
                continue
            blocks = self.vpc_ipv6.setdefault(vpc, [])
            if six not in blocks:
                blocks.append(six)
            vpcs[self.vpc_names[vpc]]["ipv6_cidrs"] = blocks
        for res in self.of_type("aws_vpc_ipv4_cidr_block_association"):
            vpc_res = self.link(res, "vpc_id", VPC_TYPES + ("data.aws_vpc",))
            vpc = self.vpc_alias.get(vpc_res.address, vpc_res.address) if vpc_res is not None else None
            cidr = _cidr(res.values.get("cidr_block"))
            if vpc is None or vpc not in self.vpc_names:
                continue
            if cidr is None:
                self.warn("tf-unknown", f"{res.address}: cidr_block is known only after apply (IPAM?); left out",
                          res.loc)
                continue
            if cidr not in self.vpc_cidrs[vpc]:
                self.vpc_cidrs[vpc].append(cidr)
        return vpcs

    def design_vpc(self, res: _Res, what: str | None = None) -> str | None:
        """The design name of the VPC `res` is in; a warning and None when it is not imported."""
        vpc = self.vpc_of(res)
        if vpc is not None and vpc in self.vpc_names:
            return vpc
        if vpc is None:
            unknown = res.is_unknown("vpc_id") or res.is_unknown("subnet_id")
            self.warn("tf-unknown" if unknown else "tf-orphan",
                      f"{res.address}: cannot tell which VPC it is in"
                      + (" (its VPC is known only after apply, and the configuration does not say)" if unknown else
                         " (not in a VPC of this " + self.kind + ")")
                      + "; left out", res.loc)
        else:
            self.warn("tf-orphan", f"{res.address}: its VPC {vpc} is not imported; left out", res.loc)
        return None

    # -- subnets ------------------------------------------------------------------------------

    def pick_subnets(self, region: str) -> dict[str, Any]:
        names = _Names()
        subnets: dict[str, Any] = {}
        for res in self.of_type(*SUBNET_TYPES) + [r for r in self.resources if r.kind == "data.aws_subnet"]:
            cidr = _cidr(res.values.get("cidr_block"))
            six = _cidr6(res.values.get("ipv6_cidr_block"))
            if cidr is None and six is not None and res.values.get("ipv6_native") is True:
                self.ipv6_only.add(res.address)  # an IPv6-only subnet: no IPv4 block
            elif cidr is None:
                if res.mode == "data":
                    continue
                self.warn("tf-unknown", f"{res.address}: cidr_block is known only after apply; the subnet is left out",
                          res.loc)
                continue
            vpc = self.design_vpc(res)
            if vpc is None:
                continue
            zone = res.values.get("availability_zone")
            if not isinstance(zone, str) or not zone:
                zone = f"{region}a"
                self.warn("tf-placeholder", f"{res.address}: availability_zone is chosen by AWS at apply; using "
                          f"{zone} as a placeholder", res.loc)
            name = self.name_of(res, names)
            self.subnet_names[res.address] = name
            self.subnet_vpc[res.address] = vpc
            subnets[name] = self.body(res, vpc=self.vpc_names[vpc], cidr=cidr, ipv6_cidr=six, az=zone,
                                      enable_dns64=True if res.values.get("enable_dns64") is True else None)
            if six is None and res.is_unknown("ipv6_cidr_block") and res.configured("ipv6_cidr_block"):
                self.warn("tf-unknown", f"{res.address}: ipv6_cidr_block is known only after apply; the subnet is "
                          "imported without IPv6", res.loc)
        return subnets

    # -- unsupported components -----------------------------------------------------------------

    def pick_unsupported(self) -> None:
        for res in self.resources:
            if res.mode == "managed" and res.type in UNSUPPORTED_TYPES and res.type not in _IMPORTED_WHEN_POSSIBLE:
                self.add_unsupported(res)
            elif res.mode == "managed" and res.type in NOT_IMPORTED_TYPES:
                self.warn("tf-not-imported", f"{res.address}: {NOT_IMPORTED_TYPES[res.type]}", res.loc)

    def add_unsupported(self, res: _Res) -> str:
        if res.address in self.unsupported_by_address:
            return self.unsupported_by_address[res.address]
        kind, label = UNSUPPORTED_TYPES.get(res.type, ("unknown", res.type))
        name = self.name_of(res, self.unsupported_names)
        body = self.body(res, kind=kind)
        self.unsupported[name] = body
        self.unsupported_by_address[res.address] = name
        self.warn("tf-unsupported", f"{res.address}: a {label} is not simulated; declared as unsupported component "
                  f"{name}", res.loc)
        return name

    def unknown_target(self, res: _Res, what: str, note: str) -> str:
        """An `unsupported:` entry standing for a route target nobody can name before apply."""
        name = self.unsupported_names.take(f"unknown-target.{res.design_name or _slug(res.address)}", res.address)
        body: dict[str, Any] = {"kind": "unknown", "description": f"terraform: {res.address}: {note}"}
        self.at(body, res.loc)
        self.unsupported[name] = body
        self.warn("tf-unknown", f"{what}: {note}; the route points at unsupported component {name}, so a trace "
                  "stops there", res.loc)
        return name

    # -- VPC endpoints --------------------------------------------------------------------------

    def pick_vpc_endpoints(self) -> dict[str, Any]:
        """aws_vpc_endpoint: gateway (S3, DynamoDB), interface and Gateway Load Balancer endpoints
        (provider docs, aws_vpc_endpoint: vpc_endpoint_type defaults to Gateway). One vpcsim cannot
        import (its service unknown before apply, a gateway endpoint of another service) becomes
        an `unsupported:` entry, as before."""
        names = _Names()
        endpoints: dict[str, Any] = {}
        self.endpoint_names: dict[str, str] = {}
        for res in self.of_type("aws_vpc_endpoint"):
            vpc = self.design_vpc(res)
            if vpc is None:
                continue
            written = res.values.get("vpc_endpoint_type")
            kind = _ENDPOINT_TYPES.get(written.lower() if isinstance(written, str) else "gateway")
            service = res.values.get("service_name")
            why = None
            if kind is None:
                why = f"vpc_endpoint_type {written!r} is not one vpcsim simulates"
            elif (not isinstance(service, str) or not service) and kind == "gateway_load_balancer":
                # Only a label for it (the endpoint service it reaches): say it is not known.
                service = "vpce-svc-unknown"
                self.warn("tf-unknown", f"{res.address}: its service_name is known only after apply; named "
                          f"{service}", res.loc)
            elif not isinstance(service, str) or not service:
                why = "its service_name is known only after apply"
            elif kind == "gateway" and service.rsplit(".", 1)[-1] not in facts.GATEWAY_ENDPOINT_SERVICES:
                why = f"a gateway endpoint of {service} (vpcsim simulates those of S3 and DynamoDB)"
            subnets = [self.subnet_names[s.address] for s in self.link_all(res, "subnet_ids", SUBNET_TYPES) or []
                       if s.address in self.subnet_names]
            if why is None and kind == "gateway_load_balancer" and len(subnets) != 1:
                why = f"a Gateway Load Balancer endpoint in {len(subnets)} known subnets (expected one)"
            if why is not None or kind is None or not isinstance(service, str):
                self.warn("tf-unsupported", f"{res.address}: {why}", res.loc)
                self.add_unsupported(res)
                continue
            fields: dict[str, Any] = {"vpc": self.vpc_names[vpc], "service": service}
            if kind == "interface":
                fields["type"] = kind
                # The addresses are AWS's pick: the subnet's first free one stands for each.
                fields["interfaces"] = [{"subnet": s} for s in subnets]
                fields["security_groups"] = self.groups_of(res, "security_group_ids", vpc, [])
                # The provider's default is false (AWS's console turns it on).
                fields["private_dns"] = res.values.get("private_dns_enabled") is True
            elif kind == "gateway_load_balancer":
                fields["type"] = kind
                fields["subnet"] = subnets[0]
            name = self.name_of(res, names)
            self.endpoint_names[res.address] = name
            endpoints[name] = self.body(res, **fields)
            for item in fields.get("interfaces", ()):
                self.at(item, res.loc)
        return endpoints

    def associate_vpc_endpoints(self, endpoints: dict[str, Any]) -> None:
        """A gateway endpoint's route tables (route_table_ids, aws_vpc_endpoint_route_table_association)
        and an interface endpoint's extra subnets (aws_vpc_endpoint_subnet_association)."""
        for res in self.of_type("aws_vpc_endpoint"):
            name = self.endpoint_names.get(res.address)
            if name is not None and "type" not in endpoints[name]:
                for listed in self.link_all(res, "route_table_ids", ROUTE_TABLE_TYPES) or []:
                    self.endpoint_table(res, endpoints[name], listed)
        for res in self.of_type("aws_vpc_endpoint_route_table_association", "aws_vpc_endpoint_subnet_association"):
            endpoint = self.link(res, "vpc_endpoint_id", ("aws_vpc_endpoint",))
            name = self.endpoint_names.get(endpoint.address) if endpoint is not None else None
            if name is None:
                self.warn("tf-orphan", f"{res.address}: its VPC endpoint is not imported; left out", res.loc)
                continue
            body = endpoints[name]
            if res.type == "aws_vpc_endpoint_route_table_association":
                table = self.link(res, "route_table_id", ROUTE_TABLE_TYPES)
                if table is not None and "type" not in body:
                    self.endpoint_table(res, body, table)
                elif table is not None:
                    self.warn("tf-value", f"{res.address}: a route table association of a non-gateway endpoint; "
                              "left out", res.loc)
                continue
            subnet = self.link(res, "subnet_id", SUBNET_TYPES)
            if subnet is not None and subnet.address in self.subnet_names and body.get("type") == "interface":
                item = {"subnet": self.subnet_names[subnet.address]}
                self.at(item, res.loc)
                body["interfaces"].append(item)
            else:
                self.warn("tf-value", f"{res.address}: its subnet is not imported, or the endpoint is not an "
                          "interface endpoint; left out", res.loc)

    def endpoint_table(self, res: _Res, body: dict[str, Any], table: _Res) -> None:
        table_name = self.table_names.get(table.address)
        if table_name is None:
            self.warn("tf-orphan", f"{res.address}: route table {table.address} is not imported; left out", res.loc)
        elif table_name not in body.setdefault("route_tables", []):
            body["route_tables"].append(table_name)

    # -- prefix lists ---------------------------------------------------------------------------

    def pick_prefix_lists(self) -> dict[str, Any]:
        names = _Names()
        lists: dict[str, Any] = {}
        entries: dict[str, list[str]] = {}
        for res in self.of_type(*PREFIX_LIST_TYPES):
            name = self.name_of(res, names)
            self.prefix_list_names[res.address] = name
            cidrs: list[str] = []
            for entry in _blocks(res.values.get("entry")):
                cidr = _cidr(entry.get("cidr"))
                if cidr is not None and cidr not in cidrs:
                    cidrs.append(cidr)
            entries[res.address] = cidrs
            lists[name] = self.body(res, entries=cidrs)
        for res in self.of_type("aws_ec2_managed_prefix_list_entry"):
            target = self.link(res, "prefix_list_id", PREFIX_LIST_TYPES)
            cidr = _cidr(res.values.get("cidr"))
            if target is None or target.address not in entries:
                continue
            if cidr is None:
                self.warn("tf-unknown", f"{res.address}: cidr is not an IPv4 CIDR known before apply; left out", res.loc)
            elif cidr not in entries[target.address]:
                entries[target.address].append(cidr)
        return lists

    def prefix_list_ref(self, res: _Res, attr: str, **kwargs: Any) -> list[str]:
        found = self.link_all(res, attr, PREFIX_LIST_TYPES, **kwargs) or []
        for r in found:
            if r.address not in self.prefix_list_names:
                self.warn("tf-orphan", f"{res.address}: {attr}: {r.address} is not imported (an AWS-managed list "
                          "read by a data source?); that part is left out", res.loc)
        return [self.prefix_list_names[r.address] for r in found if r.address in self.prefix_list_names]

    # -- security groups ------------------------------------------------------------------------

    def pick_security_groups(self, vpcs: dict[str, Any]) -> dict[str, Any]:
        names = _Names(reserved=("default",))
        groups: dict[str, Any] = {}
        bodies: dict[str, dict[str, Any]] = {}
        plain = self.of_type("aws_security_group")
        for res in plain + self.of_type("aws_default_security_group"):
            # No vpc_id in the configuration: the region's default VPC (the provider computes it).
            explicit = res.values.get("vpc_id") or res.configured("vpc_id") or (
                res.is_unknown("vpc_id") and res.config is None)
            vpc = self.design_vpc(res) if explicit else self.default_vpc(res)
            if vpc is None:
                continue
            self.sg_vpc[res.address] = vpc
            if res.type == "aws_default_security_group":
                self.sg_names[res.address] = ""
            else:
                self.sg_names[res.address] = self.name_of(res, names)
        for values in self.ids.values():
            for value in values:
                # `aws_vpc.x.default_security_group_id`: the VPC's default group, adopted or not.
                if value.endswith("#default_security_group"):
                    self.sg_names.setdefault(value, "")
        for res in plain + self.of_type("aws_default_security_group"):
            if res.address not in self.sg_vpc:
                continue
            vpc = self.sg_vpc[res.address]
            ingress = self.inline_sg_rules(res, "ingress", vpc)
            egress = self.inline_sg_rules(res, "egress", vpc)
            if res.type == "aws_default_security_group":
                # Terraform adopts the default group and "immediately removes all ingress and egress
                # rules"; only the inline rules are created (provider docs, aws_default_security_group).
                body: dict[str, Any] = {"ingress": ingress, "egress": egress}
                aws_id = res.values.get("id")
                if isinstance(aws_id, str) and aws_id:
                    body = {"aws_id": aws_id, **body}
                vpc_body = vpcs[self.vpc_names[vpc]]
                vpc_body["default_security_group"] = body
                self.at(body, res.loc)
                bodies[res.address] = body
            else:
                # "When creating a new Security Group inside a VPC, Terraform will remove this default
                # rule [allow all egress], and require you specifically re-create it" (provider docs,
                # aws_security_group): no egress block and no egress rule resource = no egress.
                body = self.body(res, vpc=self.vpc_names[vpc], ingress=ingress, egress=egress)
                groups[self.sg_names[res.address]] = body
                bodies[res.address] = body
        self.rule_resources(bodies)
        for body in bodies.values():
            for direction in ("ingress", "egress"):
                body[direction] = _dedupe(body[direction])
        return groups

    def default_vpc(self, res: _Res) -> str | None:
        defaults = [r.address for r in self.of_type("aws_default_vpc") if r.address in self.vpc_names]
        if len(defaults) == 1:
            return defaults[0]
        self.warn("tf-orphan", f"{res.address}: no vpc_id, so it is in the region's default VPC, which this {self.kind} "
                  "does not describe (no aws_default_vpc); left out", res.loc)
        return None

    def group_ref(self, target: _Res | str, from_vpc: str) -> str | None:
        key = target if isinstance(target, str) else target.address
        if key not in self.sg_names:
            return None
        name = self.sg_names[key]
        if name:
            return name
        vpc = self.sg_vpc.get(key) or key.split("#")[0]
        if vpc == from_vpc:
            return "default"
        return f"{self.vpc_names[vpc]}/default" if vpc in self.vpc_names else None

    def inline_sg_rules(self, res: _Res, direction: str, vpc: str) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = []
        unknown = res.unknown.get(direction) if isinstance(res.unknown, dict) else None
        blocks = res.values.get(direction)
        if unknown is True and not blocks:
            return rules  # not configured inline (computed): the rule resources say
        for index, block in enumerate(_blocks(blocks)):
            block_unknown = unknown[index] if isinstance(unknown, list) and index < len(unknown) else None
            rules.extend(self.sg_rule(res, block, vpc, f"{direction}[{index}]", self.nested_loc(res, direction, block),
                                      block_unknown if isinstance(block_unknown, dict) else {}, (direction, index)))
        return rules

    def sg_rule(
        self, res: _Res, data: JsonObj, vpc: str, where: str, loc: Location, unknown: JsonObj,
        block: tuple[str, int] | None, own: str | None = None,
    ) -> list[dict[str, Any]]:
        what = f"{res.address}: {where}"
        raw = data.get("ip_protocol", data.get("protocol"))
        protocol = _protocol(raw)
        if protocol is None:
            if unknown.get("protocol") or unknown.get("ip_protocol"):
                self.warn("tf-unknown", f"{what}: protocol is known only after apply; the rule is left out", loc)
            else:
                self.error("tf-value", f"{what}: protocol {json_kind(raw)} is not an IP protocol (expected -1, tcp, "
                           "udp, icmp, icmpv6 or a number 0-255)", loc)
            return []
        base: dict[str, Any] = {"protocol": protocol}
        lo, hi = _int(data.get("from_port")), _int(data.get("to_port"))
        if protocol in ("tcp", "udp"):
            ports = _ports(lo, hi)
            if ports is not None:
                base["ports"] = ports
        elif protocol in ("icmp", "icmpv6"):
            # For ICMP and ICMPv6, from_port is the type and to_port the code; -1 means any
            # (aws_security_group, aws_security_group_rule, aws_vpc_security_group_*_rule alike).
            icmp_fields(base, lo, hi)
        description = data.get("description")
        peers: list[tuple[str, str]] = []
        cidrs = data.get("cidr_blocks")
        # ICMPv6 (58) only ever matches IPv6 traffic: its IPv4 blocks match nothing.
        for text in ([] if protocol == "icmpv6" else ([data["cidr_ipv4"]] if isinstance(data.get("cidr_ipv4"), str) else []) + (
            [c for c in cidrs if isinstance(c, str)] if isinstance(cidrs, list) else []
        )):
            cidr = _cidr(text)
            if cidr is None:
                self.error("tf-value", f"{what}: {text!r} is not an IPv4 CIDR block", loc)
            else:
                peers.append(("cidr", cidr))
        if unknown.get("cidr_blocks") is True or unknown.get("cidr_ipv4") is True:
            self.warn("tf-unknown", f"{what}: cidr_blocks are known only after apply; that part of the rule is "
                      "left out", loc)
        ipv6 = data.get("ipv6_cidr_blocks")
        for text in ([data["cidr_ipv6"]] if isinstance(data.get("cidr_ipv6"), str) else []) + (
            [c for c in ipv6 if isinstance(c, str)] if isinstance(ipv6, list) else []
        ):
            six = _cidr6(text)
            if six is None:
                self.error("tf-value", f"{what}: {text!r} is not an IPv6 CIDR block", loc)
            else:
                peers.append(("cidr", six))
        for attr in ("prefix_list_ids", "prefix_list_id"):
            if attr in data or unknown.get(attr):
                for name in self.prefix_list_ref(res, attr, value=data.get(attr), unknown=unknown.get(attr), block=block):
                    peers.append(("prefix_list", name))
        for attr in ("security_groups", "source_security_group_id", "referenced_security_group_id"):
            computed = unknown.get(attr) is True or (isinstance(unknown.get(attr), list) and bool(unknown[attr]))
            if computed and block is None and res.config is not None and not res.configured(attr):
                computed = False  # the provider computes it; the configuration leaves it unset
            if computed and block is None and res.config is None and peers:
                computed = False  # no configuration to tell, and the rule has its peer already
            if data.get(attr) or computed:
                targets = self.link_all(res, attr, SG_TYPES, value=data.get(attr), unknown=unknown.get(attr),
                                        block=block, pseudo="default_security_group")
                for target in targets or []:
                    key = target.address
                    if target.type in VPC_TYPES:
                        key = f"{target.address}#default_security_group"
                    ref = self.group_ref(key, vpc)
                    if ref is None:
                        self.warn("tf-orphan", f"{what}: {target.address} is not imported; that part of the rule is "
                                  "left out", loc)
                    else:
                        peers.append(("security_group", ref))
        if data.get("self") is True:
            target_group = own if own is not None else res.address
            ref = self.group_ref(target_group, vpc)
            if ref is not None:
                peers.append(("security_group", ref))
        rules = []
        for key, value in peers:
            rule = dict(base)
            rule[key] = value
            if isinstance(description, str) and description:
                rule["description"] = description
            self.at(rule, loc)
            rules.append(rule)
        return rules

    def rule_resources(self, bodies: dict[str, dict[str, Any]]) -> None:
        for res in self.of_type("aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                                "aws_vpc_security_group_egress_rule"):
            if res.type == "aws_security_group_rule":
                direction = res.values.get("type")
                if direction is None and res.is_unknown("type"):
                    self.warn("tf-unknown", f"{res.address}: type (ingress or egress) is known only after apply; "
                              "the rule is left out", res.loc)
                    continue
                if direction not in ("ingress", "egress"):
                    self.error("tf-value", f"{res.address}: type {json_kind(direction)} (expected ingress or egress)",
                               res.loc)
                    continue
            else:
                direction = "ingress" if res.type.endswith("ingress_rule") else "egress"
            group = self.link(res, "security_group_id", SG_TYPES, pseudo="default_security_group")
            if group is None:
                continue
            key = f"{group.address}#default_security_group" if group.type in VPC_TYPES else group.address
            key = self.adopted_group(key)
            if key not in bodies:
                self.warn("tf-orphan", f"{res.address}: its security group {group.address} is not imported; left out",
                          res.loc)
                continue
            vpc = self.sg_vpc.get(key) or key.split("#")[0]
            unknown = res.unknown if isinstance(res.unknown, dict) else {}
            bodies[key][direction].extend(self.sg_rule(res, res.values, vpc, direction, res.loc, unknown, None, own=key))

    def adopted_group(self, key: str) -> str:
        if key.endswith("#default_security_group"):
            vpc = key.split("#")[0]
            for address, other in self.sg_vpc.items():
                if other == vpc and self.sg_names.get(address) == "":
                    return address
        return key

    # -- gateways and peerings ----------------------------------------------------------------

    def pick_internet_gateways(self) -> dict[str, Any]:
        names = _Names()
        igws: dict[str, Any] = {}
        self.igw_names: dict[str, str] = {}
        attachments: dict[str, str] = {}
        for res in self.of_type("aws_internet_gateway_attachment"):
            igw = self.link(res, "internet_gateway_id", ("aws_internet_gateway",))
            vpc_res = self.link(res, "vpc_id", VPC_TYPES + ("data.aws_vpc",))
            if igw is not None and vpc_res is not None:
                attachments[igw.address] = self.vpc_alias.get(vpc_res.address, vpc_res.address)
        taken: dict[str, str] = {}
        for res in self.of_type("aws_internet_gateway"):
            if res.address in attachments:
                vpc: str | None = attachments[res.address]
            elif res.values.get("vpc_id") is None and not res.is_unknown("vpc_id") and not res.configured("vpc_id"):
                self.warn("tf-detached", f"{res.address}: attached to no VPC (no vpc_id, no attachment); left out",
                          res.loc)
                continue
            else:
                vpc = self.design_vpc(res)
            if vpc is None or vpc not in self.vpc_names:
                continue
            if vpc in taken:
                self.warn("tf-igw", f"{res.address}: vpc {self.vpc_names[vpc]} already has internet gateway "
                          f"{taken[vpc]} (AWS allows one); left out", res.loc)
                continue
            name = self.name_of(res, names)
            taken[vpc] = name
            self.igw_names[res.address] = name
            igws[name] = self.body(res, vpc=self.vpc_names[vpc])
        return igws

    def pick_egress_only_gateways(self) -> dict[str, Any]:
        """aws_egress_only_internet_gateway -> egress_only_internet_gateways (components/egress_only_gateway.py)."""
        names = _Names()
        gateways: dict[str, Any] = {}
        self.eigw_names: dict[str, str] = {}
        for res in self.of_type("aws_egress_only_internet_gateway"):
            vpc = self.design_vpc(res)
            if vpc is None or vpc not in self.vpc_names:
                continue
            name = self.name_of(res, names)
            self.eigw_names[res.address] = name
            gateways[name] = self.body(res, vpc=self.vpc_names[vpc])
        return gateways

    def placeholder_ip(self, res: _Res, what: str) -> str:
        address = str(PLACEHOLDER_PUBLIC.network_address + 1 + self.placeholder_public)
        self.placeholder_public += 1
        self.warn("tf-placeholder", f"{res.address}: {what} is known only after apply; using {address} "
                  f"(from {PLACEHOLDER_PUBLIC}, a placeholder) in its stead", res.loc)
        return address

    def eip_address(self, eip: _Res) -> str:
        if eip.address not in self.eip_ips:
            known = _ip(eip.values.get("public_ip"))
            self.eip_ips[eip.address] = known or self.placeholder_ip(eip, "the Elastic IP's public_ip")
        return self.eip_ips[eip.address]

    def pick_nat_gateways(self) -> dict[str, Any]:
        names = _Names()
        nats: dict[str, Any] = {}
        self.nat_names: dict[str, str] = {}
        for res in self.of_type("aws_nat_gateway"):
            subnet = self.link(res, "subnet_id", SUBNET_TYPES + ("data.aws_subnet",))
            if subnet is None or subnet.address not in self.subnet_names:
                if subnet is not None:
                    self.warn("tf-orphan", f"{res.address}: its subnet {subnet.address} is not imported; left out",
                              res.loc)
                else:
                    self.warn("tf-orphan", f"{res.address}: its subnet is not known; left out", res.loc)
                continue
            connectivity = res.values.get("connectivity_type") or "public"
            fields: dict[str, Any] = {"subnet": self.subnet_names[subnet.address]}
            if connectivity == "private":
                fields["connectivity"] = "private"
            else:
                public_ip = _ip(res.values.get("public_ip"))
                eip = self.link(res, "allocation_id", ("aws_eip",)) if public_ip is None else None
                fields["elastic_ip"] = public_ip or (self.eip_address(eip) if eip is not None else
                                                     self.placeholder_ip(res, "the NAT gateway's Elastic IP"))
            private_ip = _ip(res.values.get("private_ip"))
            if private_ip is not None:
                fields["private_ip"] = private_ip
            name = self.name_of(res, names)
            self.nat_names[res.address] = name
            nats[name] = self.body(res, **fields)
        return nats

    def pick_peerings(self) -> dict[str, Any]:
        names = _Names()
        peerings: dict[str, Any] = {}
        self.pcx_names: dict[str, str] = {}
        accepted: set[str] = set()
        for res in self.of_type("aws_vpc_peering_connection_accepter"):
            pcx = self.link(res, "vpc_peering_connection_id", ("aws_vpc_peering_connection",))
            if pcx is not None and res.values.get("auto_accept") is True:
                accepted.add(pcx.address)
        for res in self.of_type("aws_vpc_peering_connection"):
            requester_res = self.link(res, "vpc_id", VPC_TYPES + ("data.aws_vpc",))
            accepter_res = self.link(res, "peer_vpc_id", VPC_TYPES + ("data.aws_vpc",))
            requester = self.vpc_alias.get(requester_res.address, requester_res.address) if requester_res else None
            accepter = self.vpc_alias.get(accepter_res.address, accepter_res.address) if accepter_res else None
            status_raw = res.values.get("accept_status")
            if isinstance(status_raw, str) and status_raw:
                status = status_raw
            elif res.values.get("auto_accept") is True or res.address in accepted:
                status = "active"
            else:
                status = "pending-acceptance"
                self.warn("tf-peering", f"{res.address}: neither auto_accept nor an accepter resource accepts it; "
                          "it stays pending-acceptance and carries no traffic", res.loc)
            if requester is None or requester not in self.vpc_names or accepter is None \
                    or accepter not in self.vpc_names:
                # The other side is in another account or state: traffic leaves the modelled network.
                self.pcx_names[res.address] = self.add_unsupported_kind(res, "vpc_peering", "VPC peering connection "
                                                                        "to a VPC not in this " + self.kind)
                continue
            name = self.name_of(res, names)
            self.pcx_names[res.address] = name
            fields: dict[str, Any] = {"requester": self.vpc_names[requester], "accepter": self.vpc_names[accepter]}
            if status != "active":
                fields["status"] = status
            peerings[name] = self.body(res, **fields)
        return peerings

    def add_unsupported_kind(self, res: _Res, kind: str, label: str) -> str:
        name = self.name_of(res, self.unsupported_names)
        self.unsupported[name] = self.body(res, kind=kind)
        self.unsupported_by_address[res.address] = name
        self.warn("tf-unsupported", f"{res.address}: a {label} is not simulated; declared as unsupported component "
                  f"{name}", res.loc)
        return name

    # -- instances ----------------------------------------------------------------------------

    def pick_instances(self) -> dict[str, Any]:
        names = _Names()
        instances: dict[str, Any] = {}
        self.instance_names: dict[str, str] = {}
        self.eni_names: dict[str, str] = {}  # aws_network_interface address -> interface name
        self.primary_eni: dict[str, str] = {}  # instance address -> its primary interface name
        attached: dict[str, list[tuple[int, _Res]]] = {}  # instance address -> (device index, ENI)
        eni_groups: dict[str, list[str]] = {}
        eips: dict[str, str] = {}  # instance or ENI address -> elastic IP
        for own_eni in self.of_type("aws_network_interface"):
            blocks_unknown = own_eni.unknown.get("attachment") if isinstance(own_eni.unknown, dict) else None
            for position, block in enumerate(_blocks(own_eni.values.get("attachment"))):
                block_unknown = blocks_unknown[position] if isinstance(blocks_unknown, list) and position < len(
                    blocks_unknown) and isinstance(blocks_unknown[position], dict) else {}
                target = self.link(own_eni, "instance", ("aws_instance",), value=block.get("instance"),
                                   unknown=block_unknown.get("instance") is True, block=("attachment", position))
                if target is not None:
                    attached.setdefault(target.address, []).append((_int(block.get("device_index")) or 1, own_eni))
        for res in self.of_type("aws_network_interface_attachment"):
            instance = self.link(res, "instance_id", ("aws_instance",))
            linked = self.link(res, "network_interface_id", ("aws_network_interface",))
            if instance is not None and linked is not None and all(
                e is not linked for _, e in attached.get(instance.address, [])
            ):
                attached.setdefault(instance.address, []).append((_int(res.values.get("device_index")) or 1, linked))
        for res in self.of_type("aws_network_interface_sg_attachment"):
            holder = self.link(res, "network_interface_id", ("aws_network_interface", "aws_instance"),
                               pseudo="primary_interface")
            group = self.link(res, "security_group_id", SG_TYPES)
            if holder is not None and group is not None:
                eni_groups.setdefault(holder.address, []).append(group.address)
        for res in self.of_type("aws_eip") + self.of_type("aws_eip_association"):
            if res.type == "aws_eip":
                eip: _Res | None = res
                owner_attrs = (("instance", ("aws_instance",)), ("network_interface", ("aws_network_interface",)))
            else:
                eip = self.link(res, "allocation_id", ("aws_eip",))
                owner_attrs = (("instance_id", ("aws_instance",)), ("network_interface_id", ("aws_network_interface",)))
            if eip is None:
                continue
            for attr, types in owner_attrs:
                if res.values.get(attr) or res.is_unknown(attr) and res.configured(attr):
                    owner = self.link(res, attr, types, quiet=res.type == "aws_eip" and not res.configured(attr))
                    if owner is not None:
                        eips[owner.address] = self.eip_address(eip)
                        break
        for res in self.of_type("aws_instance"):
            state = res.values.get("instance_state")
            subnet = self.link(res, "subnet_id", SUBNET_TYPES + ("data.aws_subnet",))
            enis = sorted(attached.get(res.address, []), key=lambda item: item[0])
            blocks = _blocks(res.values.get("network_interface"))
            for block in blocks:
                inline = self.link(res, "network_interface_id", ("aws_network_interface",),
                                   value=block.get("network_interface_id"), unknown=False)
                if inline is not None and all(e is not inline for _, e in enis):
                    enis.append((_int(block.get("device_index")) or 0, inline))
            enis.sort(key=lambda item: item[0])
            if subnet is None and not any(index == 0 for index, _ in enis):
                self.warn("tf-orphan", f"{res.address}: its subnet is not known (no subnet_id: the default VPC?); "
                          "left out", res.loc)
                continue
            if subnet is not None and subnet.address not in self.subnet_names:
                self.warn("tf-orphan", f"{res.address}: its subnet {subnet.address} is not imported; left out", res.loc)
                continue
            name = self.name_of(res, names)
            self.instance_names[res.address] = name
            interfaces: list[dict[str, Any]] = []
            if subnet is not None and not any(index == 0 for index, _ in enis):
                interfaces.append(self.primary_interface(res, subnet, eips.get(res.address),
                                                         eni_groups.get(res.address, [])))
                self.primary_eni[res.address] = f"{name}.eth0"
            for index, eni in enis:
                body = self.interface(eni, f"{name}.eth{index}", eips.get(eni.address), eni_groups.get(eni.address, []))
                if body is not None:
                    if index == 0 or not interfaces:
                        self.primary_eni[res.address] = f"{name}.eth{index}"
                    self.eni_names[eni.address] = f"{name}.eth{index}"
                    interfaces.append(body)
            if not interfaces:
                continue
            fields: dict[str, Any] = {}
            if isinstance(state, str) and state and state != "running":
                fields["state"] = state
            body = self.body(res, **fields)
            if len(interfaces) == 1 and "name" not in interfaces[0]:
                body.update(interfaces[0])
                self.at(body, res.loc)
            else:
                body["interfaces"] = interfaces
            instances[name] = body
        for eni in self.of_type("aws_network_interface"):
            if eni.address not in self.eni_names:
                self.warn("tf-detached", f"{eni.address}: attached to no instance of this {self.kind} (left out: it "
                          "carries no traffic)", eni.loc)
        self.pick_auto_scaling(names, instances)
        return instances

    # -- Auto Scaling groups -------------------------------------------------------------------
    #
    # The design format has no Auto Scaling group yet (issue 10 adds one): a group becomes one
    # instance per subnet of its vpc_zone_identifier, from its launch template or configuration,
    # with `private_ip: auto` (every address AWS may give it). This section is the whole mapping.

    def pick_auto_scaling(self, names: _Names, instances: dict[str, Any]) -> None:
        """One representative instance per subnet of each Auto Scaling group, from its launch template."""
        self.asg_members: dict[str, list[str]] = {}  # group address -> its stand-ins (load balancers register them)
        for res in self.of_type("aws_autoscaling_group"):
            capacity = _int(res.values.get("desired_capacity"))
            if capacity is None:
                capacity = _int(res.values.get("min_size"))
            if capacity == 0 and _int(res.values.get("max_size")) == 0:
                self.warn("tf-asg", f"{res.address}: launches no instance (max_size 0)", res.loc)
                continue
            launch = self.launch_source(res)
            if launch is None:
                continue
            subnets = self.link_all(res, "vpc_zone_identifier", SUBNET_TYPES + ("data.aws_subnet",))
            placed = [s for s in subnets or [] if s.address in self.subnet_names]
            if not placed:
                if subnets is not None:
                    self.warn("tf-orphan", f"{res.address}: none of its subnets (vpc_zone_identifier) is imported; "
                              "its instances are left out", res.loc)
                continue
            groups_attr, public = self.launch_settings(launch)
            base = self.name_of(res, names)
            for subnet in placed:
                name = names.take(f"{base}.{self.subnet_names[subnet.address]}", f"{res.address}/{subnet.address}")
                vpc = self.subnet_vpc[subnet.address]
                # Each instance of the group gets an address AWS picks (reach.addresses covers all).
                fields: dict[str, Any] = {"subnet": self.subnet_names[subnet.address], "private_ip": AUTO_ADDRESS}
                if public is True or (public is None and subnet.values.get("map_public_ip_on_launch") is True):
                    fields["public_ip"] = self.placeholder_ip(res, f"the public IP of its instance in "
                                                                   f"{self.subnet_names[subnet.address]}")
                if groups_attr == "network_interfaces":
                    groups = self.groups_of(launch, "security_groups", vpc, [],
                                            block=_blocks(launch.values.get("network_interfaces"))[0])
                else:
                    groups = self.groups_of(launch, groups_attr, vpc, [])
                if groups != ["default"]:
                    fields["security_groups"] = groups
                six = _int(next(iter(_blocks(launch.values.get("network_interfaces"))), {}).get("ipv6_address_count"))
                if six and _cidr6(subnet.values.get("ipv6_cidr_block")) is not None:
                    fields["ipv6_address_count"] = six  # the template's: addresses AWS picks at launch
                body = self.body(res, **fields)
                tags = _launch_tags(res)
                if tags:
                    body["tags"] = {**body.get("tags", {}), **tags}
                body["description"] = (f"terraform: {res.address}: stands for its instances in subnet "
                                       f"{self.subnet_names[subnet.address]} (launched from {launch.address})")
                instances[name] = body
                self.asg_members.setdefault(res.address, []).append(name)
            self.warn("tf-placeholder", f"{res.address}: an Auto Scaling group ({capacity if capacity is not None else '?'}"
                      f" instance(s) at apply) is imported as one instance per subnet ({len(placed)}), each with "
                      "'private_ip: auto' (any free address of its subnet)", res.loc)

    def launch_source(self, res: _Res) -> _Res | None:
        """The launch template or launch configuration an Auto Scaling group launches from."""
        unknown = res.unknown if isinstance(res.unknown, dict) else {}
        blocks = _blocks(res.values.get("launch_template"))
        if blocks or (isinstance(unknown.get("launch_template"), list) and unknown["launch_template"]):
            block = blocks[0] if blocks else {}
            block_unknown = unknown.get("launch_template")
            first = block_unknown[0] if isinstance(block_unknown, list) and block_unknown and isinstance(
                block_unknown[0], dict) else {}
            for attr in ("id", "name"):
                if block.get(attr) or first.get(attr) is True:
                    target = self.link(res, attr, ("aws_launch_template",), value=block.get(attr),
                                       unknown=first.get(attr) is True, block=("launch_template", 0))
                    if target is not None:
                        return target
        elif res.values.get("launch_configuration") or res.is_unknown("launch_configuration"):
            target = self.link(res, "launch_configuration", ("aws_launch_configuration",))
            if target is not None:
                return target
            if isinstance(res.values.get("launch_configuration"), str):  # an id or name not in this file
                name = res.values["launch_configuration"]
                found = [r for r in self.of_type("aws_launch_configuration") if r.values.get("name") == name]
                if found:
                    return found[0]
        if res.values.get("mixed_instances_policy") or unknown.get("mixed_instances_policy"):
            return self.mixed_launch_template(res)
        self.warn("tf-orphan", f"{res.address}: its launch template or configuration is not known; its instances "
                  "are left out", res.loc)
        return None

    def mixed_launch_template(self, res: _Res) -> _Res | None:
        """A mixed instances policy's launch template (its overrides pick instance types, which do
        not change the network; an override's own launch template is named in a warning)."""
        path = ("mixed_instances_policy", "launch_template", "launch_template_specification")
        spec = _nested_first(res.values, path)
        spec_unknown = _nested_first(res.unknown if isinstance(res.unknown, dict) else {}, path)
        expressions = _nested_first(res.config.get("expressions", {}) if res.config else {}, path)
        for attr in ("launch_template_id", "launch_template_name"):
            value = spec.get(attr)
            if value or spec_unknown.get(attr) is True:
                expr = expressions.get(attr)
                refs = expr.get("references") if isinstance(expr, dict) else None
                found = [t for t, _ in self.resolve(refs, res.index, res.module, res.cmodule, 0, set())
                         if t.type == "aws_launch_template"] if isinstance(refs, list) else []
                if not found and isinstance(value, str):
                    found = [t for t in self.of_type("aws_launch_template")
                             if value in (t.values.get("id"), t.values.get("name"))]
                if found:
                    overrides = _nested_first(res.values, path[:2]).get("override")
                    if any(_blocks(o.get("launch_template_specification")) for o in _blocks(overrides)):
                        self.warn("tf-asg", f"{res.address}: an override's own launch template is not read; its "
                                  f"instances are taken to be launched from {found[0].address}", res.loc)
                    return found[0]
        self.warn("tf-orphan", f"{res.address}: the launch template of its mixed instances policy is not known; its "
                  "instances are left out", res.loc)
        return None

    def launch_settings(self, launch: _Res) -> tuple[str, bool | None]:
        """(the attribute holding its group ids, whether its instances get a public IP: None = the subnet says)."""
        if launch.type == "aws_launch_configuration":
            assoc = launch.values.get("associate_public_ip_address")
            return "security_groups", assoc if isinstance(assoc, bool) else None
        interfaces = _blocks(launch.values.get("network_interfaces"))
        assoc_raw = interfaces[0].get("associate_public_ip_address") if interfaces else None
        # The provider keeps this one as a string ("true" / "false"; "" when unset).
        assoc = {"true": True, "false": False}.get(str(assoc_raw).lower()) if assoc_raw not in (None, "") else None
        if interfaces and (interfaces[0].get("security_groups") or not launch.values.get("vpc_security_group_ids")):
            return "network_interfaces", assoc
        return "vpc_security_group_ids", assoc

    def primary_interface(self, res: _Res, subnet: _Res, eip: str | None, extra_groups: list[str]) -> dict[str, Any]:
        fields: dict[str, Any] = {"subnet": self.subnet_names[subnet.address]}
        vpc = self.subnet_vpc[subnet.address]
        ip = _ip(res.values.get("private_ip"))
        if ip is None:
            configured = res.constant("private_ip")
            ip = _ip(configured) if isinstance(configured, str) else None
        if ip is not None:
            fields["private_ip"] = ip
        else:
            fields["private_ip"] = self.dhcp(res, self.subnet_names[subnet.address])
        secondary = [_ip(v) for v in res.values.get("secondary_private_ips") or [] if isinstance(v, str)]
        secondary_ips = [s for s in secondary if s is not None and s != ip]
        if ip is not None and secondary_ips:
            del fields["private_ip"]
            fields["private_ips"] = [ip, *secondary_ips]
        self.ipv6_addresses(res, fields, subnet)
        public = self.public_address(res, subnet, eip)
        if public is not None:
            fields[public[0]] = public[1]
        groups = self.groups_of(res, "vpc_security_group_ids", vpc, extra_groups)
        if groups != ["default"]:
            fields["security_groups"] = groups
        if res.values.get("source_dest_check") is False:
            fields["source_dest_check"] = False
        self.at(fields, res.loc)
        return fields

    def ipv6_addresses(self, res: _Res, fields: dict[str, Any], subnet: _Res) -> None:
        """`ipv6_addresses` (known ones); an IPv6-only subnet's interface has no IPv4 address to pick."""
        raw = res.values.get("ipv6_addresses")
        six = list(dict.fromkeys(a for v in (raw if isinstance(raw, list) else []) if (a := _ip6(v)) is not None))
        count = _int(res.values.get("ipv6_address_count"))
        if six:
            fields["ipv6_addresses"] = six
        elif count is not None and count > 0 and _cidr6(subnet.values.get("ipv6_cidr_block")) is not None:
            # Picked by AWS at apply: every verdict is decided for each address it may pick (reach.addresses).
            fields["ipv6_address_count"] = count
        elif count is not None and count > 0:
            self.warn("tf-unknown", f"{res.address}: ipv6_address_count {count}, but its subnet's IPv6 block is "
                      "not known; imported without IPv6 addresses", res.loc)
        elif res.is_unknown("ipv6_addresses") and res.configured("ipv6_address_count"):
            self.warn("tf-unknown", f"{res.address}: ipv6_address_count is known only at apply; imported "
                      "without IPv6 addresses (apply, then import the state)", res.loc)
        if subnet.address in self.ipv6_only and fields.get("private_ip") == AUTO_ADDRESS:
            del fields["private_ip"]  # the loader gives it the subnet's first free IPv6 address

    def dhcp(self, res: _Res, subnet: str) -> str:
        """`private_ip: auto` for an address AWS picks at apply: verdicts then hold for every one it may pick."""
        self.warn("tf-dhcp", f"{res.address}: private_ip is chosen by AWS at apply (DHCP); imported as "
                  f"'private_ip: auto', so every verdict is decided for each free address of subnet {subnet}", res.loc)
        return AUTO_ADDRESS

    def public_address(self, res: _Res, subnet: _Res, eip: str | None) -> tuple[str, str] | None:
        if eip is not None:
            return ("elastic_ip", eip)
        known = _ip(res.values.get("public_ip"))
        if known is not None:
            return ("public_ip", known)
        if self.kind == "state" or self.side == "before":
            return None  # a state says what is there: no public_ip means none
        assoc = res.values.get("associate_public_ip_address")
        if assoc is None:
            # Unset: the subnet's map_public_ip_on_launch decides (EC2 User Guide, "Public IPv4 addresses").
            assoc = subnet.values.get("map_public_ip_on_launch") is True
        if assoc is True:
            return ("public_ip", self.placeholder_ip(res, "the auto-assigned public IP"))
        return None

    def groups_of(self, res: _Res, attr: str, vpc: str, extra: list[str], block: JsonObj | None = None) -> list[str]:
        """The design's groups for `attr` of `res` (of its first `network_interfaces` block when given)."""
        if block is not None:
            unknown = res.unknown.get("network_interfaces") if isinstance(res.unknown, dict) else None
            first = unknown[0] if isinstance(unknown, list) and unknown and isinstance(unknown[0], dict) else {}
            linked = self.link_all(res, attr, SG_TYPES, value=block.get(attr), unknown=first.get(attr),
                                   block=("network_interfaces", 0), pseudo="default_security_group")
        else:
            linked = self.link_all(res, attr, SG_TYPES, pseudo="default_security_group")
        targets = linked or []
        # No group given: AWS puts the VPC's default group on the interface (attachments add to it).
        groups: list[str] = ["default"] if linked == [] else []
        for target in targets:
            key = f"{target.address}#default_security_group" if target.type in VPC_TYPES else target.address
            ref = self.group_ref(self.adopted_group(key), vpc)
            if ref is None:
                self.warn("tf-orphan", f"{res.address}: {attr}: {target.address} is not imported; left out", res.loc)
            elif ref not in groups:
                groups.append(ref)
        for address in extra:
            ref = self.group_ref(address, vpc)
            if ref is not None and ref not in groups:
                groups.append(ref)
        named = res.values.get("security_groups")
        if isinstance(named, list) and named and not groups:
            self.warn("tf-unsupported", f"{res.address}: security_groups by name (EC2-Classic / default VPC) are not "
                      "simulated; the VPC's default group is used", res.loc)
        return groups or ["default"]

    def interface(self, eni: _Res, name: str, eip: str | None, extra_groups: list[str]) -> dict[str, Any] | None:
        subnet = self.link(eni, "subnet_id", SUBNET_TYPES + ("data.aws_subnet",))
        if subnet is None or subnet.address not in self.subnet_names:
            self.warn("tf-orphan", f"{eni.address}: its subnet is not imported; left out", eni.loc)
            return None
        vpc = self.subnet_vpc[subnet.address]
        fields: dict[str, Any] = {"name": name, "subnet": self.subnet_names[subnet.address]}
        raw = eni.values.get("private_ips")
        ips = [ip for ip in (_ip(v) for v in (raw if isinstance(raw, list) else [])) if ip is not None]
        primary = _ip(eni.values.get("private_ip"))
        if primary is not None:
            ips = [primary, *[ip for ip in ips if ip != primary]]
        if len(ips) == 1:
            fields["private_ip"] = ips[0]
        elif ips:
            fields["private_ips"] = ips
        else:
            fields["private_ip"] = self.dhcp(eni, fields["subnet"])
        self.ipv6_addresses(eni, fields, subnet)
        if eip is not None:
            fields["elastic_ip"] = eip
        groups = self.groups_of(eni, "security_groups", vpc, extra_groups)
        if groups != ["default"]:
            fields["security_groups"] = groups
        if eni.values.get("source_dest_check") is False:
            fields["source_dest_check"] = False
        fields["description"] = f"terraform: {eni.address}"
        self.at(fields, eni.loc)
        return fields

    # -- load balancers -------------------------------------------------------------------------
    #
    # aws_lb / aws_alb, their listeners, listener rules and target groups, and aws_elb (Classic),
    # onto docs/format.md "Load balancers" (components/load_balancer.py). The arguments, from the
    # Terraform AWS provider's docs (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/
    # resources/lb, .../lb_listener, .../lb_listener_rule, .../lb_target_group,
    # .../lb_target_group_attachment, .../elb, .../elb_attachment, .../autoscaling_group,
    # .../autoscaling_attachment; aws_alb* are the same resources under their old names):
    # - aws_lb: load_balancer_type ("application" by default; "gateway" is not simulated), internal
    #   (false by default: internet-facing), subnets or subnet_mapping {subnet_id, allocation_id (an
    #   internet-facing NLB's Elastic IP), private_ipv4_address (an internal NLB's), ipv6_address},
    #   security_groups, ip_address_type, enable_cross_zone_load_balancing (an NLB's, false by
    #   default), dns_name;
    # - aws_lb_listener: load_balancer_arn, port, protocol (an ALB's HTTP by default),
    #   default_action {type, target_group_arn, forward {target_group {arn}}}; aws_lb_listener_rule:
    #   listener_arn, action {the same}: the groups a listener may forward to;
    # - aws_lb_target_group: port, protocol, target_type ("instance" by default), vpc_id,
    #   health_check {port ("traffic-port" by default), protocol, enabled}, ip_address_type,
    #   preserve_client_ip, proxy_protocol_v2, load_balancing_cross_zone_enabled;
    #   aws_lb_target_group_attachment: target_group_arn, target_id, port;
    # - aws_elb: subnets, security_groups, internal, listener {instance_port, instance_protocol,
    #   lb_port, lb_protocol}, instances, health_check {target "HTTP:8080/"},
    #   cross_zone_load_balancing (true by default); aws_elb_attachment: elb, instance;
    # - aws_autoscaling_group: target_group_arns, load_balancers (Classic, by name), traffic_source
    #   {identifier, type}; aws_autoscaling_attachment: autoscaling_group_name, lb_target_group_arn
    #   (alb_target_group_arn before provider 5.0), elb; aws_autoscaling_traffic_source_attachment:
    #   autoscaling_group_name, traffic_source. A group's members are its stand-in instances (one per
    #   subnet).
    # ELB picks each node's addresses when it makes the node, and neither a plan nor a state records
    # them: a node is `private_ip: auto` unless its subnet_mapping gives private_ipv4_address, and an
    # internet-facing one gets a placeholder public IP unless its subnet_mapping names an Elastic IP.
    # ARNs are unknown in a plan: every link follows the configuration's references (`link`).

    def pick_load_balancers(self, instances: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, Any]]:
        """aws_lb, aws_alb and aws_elb -> load_balancers; aws_lb_target_group -> target_groups.
        `instances`: the design's instance names, which no load balancer takes (a trace names either)."""
        self.lb_names: dict[str, str] = {}
        self.tg_names: dict[str, str] = {}
        self.listener_bodies: dict[str, dict[str, Any]] = {}
        groups = self.pick_target_groups()
        balancers: dict[str, Any] = {}
        names = _Names(instances)
        for res in self.of_type(*LB_TYPES, "aws_elb"):
            body = self.load_balancer(res)
            if isinstance(body, str):
                self.lb_unsupported(res, body)
                continue
            name = self.name_of(res, names)
            self.lb_names[res.address] = name
            balancers[name] = body
        self.lb_listeners(balancers)
        self.lb_targets(groups, balancers)
        for body in groups.values():
            if not body["targets"]:
                del body["targets"]
        return balancers, groups

    def lb_imported(self, res: _Res, what: str, target: _Res | None, imported: Mapping[str, _T]) -> _T | None:
        """What `imported` holds for `target`, the `what` (its load balancer, target group...) that
        `res` names; None, with a warning, when that is not imported or not known."""
        found = imported.get(target.address) if target is not None else None
        if found is None:
            self.warn("tf-orphan", f"{res.address}: its {what} "
                      + (f"{target.address} is not imported" if target is not None else "is not known")
                      + "; left out", res.loc)
        return found

    def lb_unsupported(self, res: _Res, why: str) -> None:
        kind, label = UNSUPPORTED_TYPES[res.type]
        name = self.name_of(res, self.unsupported_names)
        self.unsupported[name] = self.body(res, kind=kind)
        self.unsupported_by_address[res.address] = name
        self.warn("tf-unsupported", f"{res.address}: {why}, so the {label} is not imported; declared as unsupported "
                  f"component {name} (a trace that reaches it stops there)", res.loc)

    def lb_subnets(self, res: _Res) -> list[tuple[_Res, JsonObj, JsonObj, int | None]] | None:
        """(subnet, its subnet_mapping block, that block's after_unknown, its position) per subnet;
        None when they are known only after apply and nothing says which they are (a warning)."""
        out: list[tuple[_Res, JsonObj, JsonObj, int | None]] = []
        kinds = SUBNET_TYPES + ("data.aws_subnet",)
        unknown = res.unknown.get("subnet_mapping") if isinstance(res.unknown, dict) else None
        blocks = _blocks(res.values.get("subnet_mapping"))
        # A state reads subnet_mapping back for every load balancer: it says more than `subnets`
        # when a block holds an address (an NLB's Elastic IP or chosen private IP).
        says_more = any(b.get(k) for b in blocks for k in ("allocation_id", "private_ipv4_address", "ipv6_address"))
        if res.type != "aws_elb" and (blocks or (isinstance(unknown, list) and unknown)) and \
                (not res.values.get("subnets") or res.configured("subnet_mapping") or says_more):
            for position, (block, block_unknown) in enumerate(res.blocks("subnet_mapping")):
                subnet = self.link(res, "subnet_id", kinds, value=block.get("subnet_id"),
                                   unknown=block_unknown.get("subnet_id") is True, block=("subnet_mapping", position))
                if subnet is not None:
                    out.append((subnet, block, block_unknown, position))
            return out
        linked = self.link_all(res, "subnets", kinds)
        return None if linked is None else [(s, {}, {}, None) for s in linked]

    def load_balancer(self, res: _Res) -> dict[str, Any] | str:
        """One load balancer's design body, or why it cannot be imported."""
        classic = res.type == "aws_elb"
        written = res.values.get("load_balancer_type")
        kind = "classic" if classic else (written.lower() if isinstance(written, str) and written else "application")
        if kind not in facts.LB_LISTENER_PROTOCOLS:
            return f"load_balancer_type {kind!r} (a Gateway Load Balancer) is not simulated"
        subnets = self.lb_subnets(res)
        if subnets is None:
            return "its subnets are known only after apply, and nothing in this plan says which they are"
        placed = self.lb_placed(res, subnets)
        if not placed:
            if subnets:
                return f"none of its subnets is imported ({', '.join(s.address for s, _, _, _ in subnets[:3])})"
            if res.values.get("subnets") or res.configured("subnets") or res.configured("subnet_mapping"):
                return f"none of its subnets is in this {self.kind}"
            return ("it has no subnets (availability_zones: a load balancer of EC2-Classic or of the default VPC, "
                    f"which this {self.kind} does not hold)")
        vpc = self.subnet_vpc[placed[0][0].address]
        scheme = "internal" if res.values.get("internal") is True else "internet-facing"
        ip_type = self.lb_ip_type(res, kind, [s for s, _, _, _ in placed])
        nodes: list[dict[str, Any]] = []
        picked = False
        for subnet, block, block_unknown, position in placed:
            node: dict[str, Any] = {"subnet": self.subnet_names[subnet.address]}
            known = _ip(block.get("private_ipv4_address"))
            node["private_ip"] = known or AUTO_ADDRESS
            picked = picked or known is None
            if scheme == "internet-facing" and ip_type != "dualstack-without-public-ipv4":
                eip = None
                if position is not None and (block.get("allocation_id") or block_unknown.get("allocation_id") is True):
                    eip = self.link(res, "allocation_id", ("aws_eip",), value=block.get("allocation_id"),
                                    unknown=block_unknown.get("allocation_id") is True, block=("subnet_mapping", position))
                node["public_ip"] = self.eip_address(eip) if eip is not None else self.placeholder_ip(
                    res, f"the public IP of its node in {node['subnet']} (ELB's pick"
                    + (", which a state does not record)" if self.kind == "state" or self.side == "before" else ")"))
            six = _ip6(block.get("ipv6_address"))
            if six is not None and ip_type != "ipv4":
                node["ipv6_address"] = six
            self.at(node, res.loc)
            nodes.append(node)
        if picked:
            self.warn("tf-dhcp", f"{res.address}: its nodes' private IPs are chosen by ELB at apply; imported as "
                      "'private_ip: auto', each judged at its subnet's first free address", res.loc)
        fields: dict[str, Any] = {"type": kind, "scheme": scheme}
        if ip_type != "ipv4":
            fields["ip_address_type"] = ip_type
        dns = res.values.get("dns_name")
        if isinstance(dns, str) and dns:
            fields["dns_name"] = dns
        fields["nodes"] = nodes
        groups = self.lb_groups(res, kind, vpc)
        if groups:
            fields["security_groups"] = groups
        cross_attr = "cross_zone_load_balancing" if classic else "enable_cross_zone_load_balancing"
        cross = res.values.get(cross_attr)
        if kind != "application" and isinstance(cross, bool) and cross != facts.LB_CROSS_ZONE_DEFAULT[kind]:
            fields["cross_zone"] = cross  # an ALB's is always on, whatever the argument says
        fields["listeners"] = self.classic_listeners(res) if classic else []
        if classic:
            instances = [self.instance_names[i.address] for i in self.link_all(res, "instances", ("aws_instance",)) or []
                         if i.address in self.instance_names]
            if instances:
                fields["instances"] = list(dict.fromkeys(instances))
            check = _blocks(res.values.get("health_check"))
            target = check[0].get("target") if check else None
            # "HTTP:8080/", "TCP:22": the protocol, then the port (and an HTTP check's path).
            port = _int(target.split(":", 1)[1].split("/", 1)[0]) if isinstance(target, str) and ":" in target else None
            if port is not None and 1 <= port <= 65535:
                fields["health_check_port"] = port
        body = self.body(res, **fields)
        body.pop("tags", None)  # not part of the load balancer format
        return body

    def lb_placed(self, res: _Res, subnets: list[tuple[_Res, JsonObj, JsonObj, int | None]]
                  ) -> list[tuple[_Res, JsonObj, JsonObj, int | None]]:
        """The imported subnets, at most one per zone ("You can specify only one subnet per
        Availability Zone", CreateLoadBalancer, Subnets: https://docs.aws.amazon.com/
        elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html): two in one zone
        are two subnets whose zone is a placeholder (AWS picks it at apply)."""
        out: list[tuple[_Res, JsonObj, JsonObj, int | None]] = []
        zones: dict[str, str] = {}
        for item in subnets:
            subnet = item[0]
            if subnet.address not in self.subnet_names or any(o[0] is subnet for o in out):
                continue
            zone = subnet.values.get("availability_zone")
            zone = zone if isinstance(zone, str) and zone else f"{self.region_name}a"
            if zone in zones:
                self.warn("tf-placeholder", f"{res.address}: subnets {zones[zone]} and {self.subnet_names[subnet.address]} "
                          f"are both in zone {zone} (a placeholder, or a plan AWS refuses: one subnet per zone); "
                          f"its node in {self.subnet_names[subnet.address]} is left out", res.loc)
                continue
            zones[zone] = self.subnet_names[subnet.address]
            out.append(item)
        return out

    def lb_cut_subnets(self, balancers: dict[str, Any], subnets: dict[str, Any],
                       sections: tuple[tuple[str, dict[str, Any]], ...]) -> None:
        """A node at `private_ip: auto` is judged at its subnet's first free address only
        (docs/terraform.md, "Addresses AWS picks"): say so where a rule, route or prefix list draws
        a CIDR through its subnet, so that the verdict there may not hold for ELB's pick."""
        drawn: list[tuple[ipaddress.IPv4Network, str]] = []
        for label, section in sections:
            for name, body in section.items():
                for text in _cidr_texts(body):
                    written = _cidr(text)
                    if written is not None:
                        drawn.append((ipaddress.IPv4Network(written), f"{label} {name}"))
        by_name = {name: address for address, name in self.lb_names.items()}
        for lb_name, body in balancers.items():
            for node in body["nodes"]:
                home = _cidr(subnets.get(node["subnet"], {}).get("cidr"))
                if node["private_ip"] != AUTO_ADDRESS or home is None:
                    continue
                block = ipaddress.IPv4Network(home)
                cuts = sorted({f"{where} ({c})" for c, where in drawn
                               if c.overlaps(block) and not block.subnet_of(c)})
                if cuts:
                    res = self.by_address[by_name[lb_name]]
                    self.warn("tf-dhcp", f"{res.address}: its node in {node['subnet']} is judged at the subnet's first "
                              f"free address, and {', '.join(cuts[:3])}{' ...' if len(cuts) > 3 else ''} draw(s) a "
                              f"CIDR through {node['subnet']} ({block}): a verdict may differ for the address ELB "
                              "picks (give subnet_mapping.private_ipv4_address, or import the applied account)",
                              res.loc)

    def lb_ip_type(self, res: _Res, kind: str, subnets: list[_Res]) -> str:
        """ip_address_type, one the type allows; ipv4 when a dual-stack one's subnets lack IPv6 blocks."""
        written = res.values.get("ip_address_type")
        text = written.lower() if isinstance(written, str) and written else "ipv4"
        if text not in facts.LB_IP_ADDRESS_TYPES[kind]:
            self.warn("tf-value", f"{res.address}: ip_address_type {text!r} is not one a {kind} load balancer has "
                      f"(expected one of: {', '.join(facts.LB_IP_ADDRESS_TYPES[kind])}); imported as ipv4", res.loc)
            return "ipv4"
        if text != "ipv4" and any(_cidr6(s.values.get("ipv6_cidr_block")) is None for s in subnets):
            self.warn("tf-ipv6", f"{res.address}: ip_address_type {text}, but the IPv6 block of one of its subnets is "
                      "not known; imported as ipv4", res.loc)
            return "ipv4"
        return text

    def lb_groups(self, res: _Res, kind: str, vpc: str) -> list[str]:
        """The load balancer's security groups, as VPC-qualified design references. None given: an ALB's
        or a CLB's is the VPC's default group ("If you ... don't specify a security group, your load
        balancer is automatically associated with the default security group for the VPC",
        https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-security-groups.html), an
        NLB has none (facts.LB_SECURITY_GROUPS_DOC)."""
        linked = self.link_all(res, "security_groups", SG_TYPES, pseudo="default_security_group") or []
        default = f"{self.vpc_names[vpc]}/default"
        out: list[str] = []
        for target in linked:
            key = f"{target.address}#default_security_group" if target.type in VPC_TYPES else target.address
            ref = self.group_ref(self.adopted_group(key), vpc)
            if ref is None:
                self.warn("tf-orphan", f"{res.address}: security_groups: {target.address} is not imported; left out",
                          res.loc)
            elif (default if ref == "default" else ref) not in out:
                out.append(default if ref == "default" else ref)
        if not out and kind != "network":
            out.append(default)
        return out

    def classic_listeners(self, res: _Res) -> list[dict[str, Any]]:
        """aws_elb's listener blocks: lb_port/lb_protocol -> instance_port/instance_protocol."""
        out: list[dict[str, Any]] = []
        allowed = facts.LB_LISTENER_PROTOCOLS["classic"]
        for position, block in enumerate(_blocks(res.values.get("listener"))):
            protocol = str(block.get("lb_protocol") or "").upper()
            inner = str(block.get("instance_protocol") or protocol).upper()
            port, instance_port = _int(block.get("lb_port")), _int(block.get("instance_port"))
            if protocol not in allowed or inner not in allowed or port is None or instance_port is None or \
                    not (1 <= port <= 65535 and 1 <= instance_port <= 65535):
                self.warn("tf-value", f"{res.address}: listener[{position}]: {protocol or '?'}:{port} -> "
                          f"{inner or '?'}:{instance_port} is not a Classic Load Balancer listener (protocols "
                          f"{', '.join(allowed)}, ports 1-65535); left out", res.loc)
                continue
            listener = _mapping.classic_listener(protocol, port, instance_port, inner)
            self.at(listener, res.loc)
            out.append(listener)
        return out

    def lb_listeners(self, balancers: dict[str, Any]) -> None:
        """aws_lb_listener and aws_lb_listener_rule: each load balancer's listeners, with the target
        groups their default action and rules forward to."""
        for res in self.of_type(*LB_LISTENER_TYPES):
            name = self.lb_imported(res, "load balancer", self.link(res, "load_balancer_arn", LB_TYPES), self.lb_names)
            if name is None:
                continue
            kind = balancers[name]["type"]
            written = res.values.get("protocol")
            protocol = written.upper() if isinstance(written, str) and written else (
                "HTTP" if kind == "application" else "")  # the provider's default for an ALB
            port = _int(res.values.get("port"))
            if protocol not in facts.LB_LISTENER_PROTOCOLS[kind]:
                self.warn("tf-unsupported", f"{res.address}: protocol {protocol or '(unknown)'} is not one a {kind} load "
                          f"balancer listens on here ({', '.join(facts.LB_LISTENER_PROTOCOLS[kind])}); left out", res.loc)
                continue
            if port is None or not 1 <= port <= 65535:
                raw = res.values.get("port")
                self.warn("tf-unknown" if raw is None else "tf-value", f"{res.address}: port "
                          + ("is known only after apply" if raw is None else f"{json_kind(raw)} is not 1-65535")
                          + "; left out", res.loc)
                continue
            listener: dict[str, Any] = {"protocol": protocol, "port": port}
            forwards = self.lb_forwards(res, "default_action")
            if forwards:
                listener["target_groups"] = forwards
            self.at(listener, res.loc)
            balancers[name]["listeners"].append(listener)
            self.listener_bodies[res.address] = listener
        for res in self.of_type(*LB_RULE_TYPES):
            rule_of = self.lb_imported(res, "listener", self.link(res, "listener_arn", LB_LISTENER_TYPES),
                                       self.listener_bodies)
            if rule_of is None:
                continue
            for group in self.lb_forwards(res, "action"):
                if group not in rule_of.setdefault("target_groups", []):
                    rule_of["target_groups"].append(group)

    def lb_forwards(self, res: _Res, attr: str) -> list[str]:
        """The target groups (design names) of the forward actions among `attr` blocks: their
        target_group_arn, and their forward { target_group { arn } } blocks. Other actions
        (redirect, fixed-response, authenticate-*) forward nowhere."""
        out: list[str] = []
        expressions = res.block_expressions(attr)
        for position, (action, block_unknown) in enumerate(res.blocks(attr)):
            if action.get("type") != "forward":
                continue
            found: list[_Res] = []
            named = bool(action.get("target_group_arn")) or block_unknown.get("target_group_arn") is True
            if named:
                found += self.link_all(res, "target_group_arn", LB_TG_TYPES, value=action.get("target_group_arn"),
                                       unknown=block_unknown.get("target_group_arn") is True,
                                       block=(attr, position), quiet=True) or []
            config = expressions[position] if position < len(expressions) else {}
            weighted = _nested_first(action, ("forward",)).get("target_group")
            weighted_unknown = _nested_first(block_unknown, ("forward",)).get("target_group")
            weighted_config = _nested_first(config, ("forward",)).get("target_group")
            for index, item in enumerate(_blocks(weighted)):
                named = True
                item_unknown = weighted_unknown[index] if isinstance(weighted_unknown, list) and \
                    index < len(weighted_unknown) and isinstance(weighted_unknown[index], dict) else {}
                item_config = weighted_config[index] if isinstance(weighted_config, list) and \
                    index < len(weighted_config) and isinstance(weighted_config[index], dict) else {}
                found += self.link_nested(res, item.get("arn"), item_unknown.get("arn") is True,
                                          item_config.get("arn"), LB_TG_TYPES,
                                          f"{attr}[{position}].forward.target_group[{index}].arn")
            if named and not found:
                self.warn("tf-unknown", f"{res.address}: {attr}[{position}] forwards to a target group this "
                          f"{self.kind} does not say (known only after apply, and no reference names one here); "
                          "that forward is left out", res.loc)
            for group in dict.fromkeys(found):
                design = self.tg_names.get(group.address)
                if design is None:
                    self.warn("tf-orphan", f"{res.address}: {attr}[{position}] forwards to target group {group.address}, "
                              "which is not imported; that forward is left out", res.loc)
                elif design not in out:
                    out.append(design)
        return out

    def link_nested(self, res: _Res, value: Any, unknown: bool, expression: Any, types: Sequence[str],
                    what: str) -> list[_Res]:
        """The resources a value nested two blocks deep names: by its known id, else by the
        configuration's references written for it."""
        if isinstance(value, str) and value:
            return self.link_all(res, what, types, value=value, unknown=False) or []
        refs = expression.get("references") if isinstance(expression, dict) else None
        if not unknown or not isinstance(refs, list):
            return []
        return list(dict.fromkeys(t for t, _ in self.resolve(refs, res.index, res.module, res.cmodule, 0, set())
                                  if t.type in types))

    def pick_target_groups(self) -> dict[str, Any]:
        """aws_lb_target_group / aws_alb_target_group -> target_groups (their targets come later)."""
        names = _Names()
        groups: dict[str, Any] = {}
        for res in self.of_type(*LB_TG_TYPES):
            written = res.values.get("target_type")
            target_type = written.lower() if isinstance(written, str) and written else "instance"
            protocol = str(res.values.get("protocol") or "").upper()
            port = _int(res.values.get("port"))
            why = None
            if target_type not in ("instance", "ip"):
                why = f"{target_type} targets are not simulated"
            elif protocol not in facts.LB_TARGET_GROUP_PROTOCOLS:
                why = f"protocol {protocol or '(unknown)'} is not simulated"
            elif port is None or not 1 <= port <= 65535:
                why = "its port is not known" if port is None else f"port {port} is not 1-65535"
            if why is not None:
                self.warn("tf-unsupported", f"{res.address}: {why}; the target group is left out", res.loc)
                continue
            vpc = self.design_vpc(res)
            if vpc is None or port is None:  # (a port is known here: checked above)
                continue
            fields: dict[str, Any] = {"vpc": self.vpc_names[vpc], "protocol": protocol, "port": port}
            if target_type == "ip":
                fields["target_type"] = "ip"
            if res.values.get("ip_address_type") == "ipv6":
                fields["ip_address_type"] = "ipv6"
            check = _blocks(res.values.get("health_check"))
            first = check[0] if check else {}
            check_port = _int(first.get("port"))  # "traffic-port" (the default) is not a number
            enabled = first.get("enabled")
            health = _mapping.target_group_health(
                protocol, port, check_port if check_port is not None and 1 <= check_port <= 65535 else None,
                str(first.get("protocol") or ""), enabled if isinstance(enabled, bool) else None)
            if health:
                fields["health_check"] = health
            # The provider keeps these two as strings ("true" / "false"; unknown until apply when unset).
            preserve = {"true": True, "false": False}.get(str(res.values.get("preserve_client_ip")).lower())
            if preserve is not None and protocol not in facts.LB_PRESERVE_FIXED_PROTOCOLS:
                fields["preserve_client_ip"] = preserve
            if res.values.get("proxy_protocol_v2") is True:
                fields["proxy_protocol_v2"] = True
            cross = {"true": True, "false": False}.get(str(res.values.get("load_balancing_cross_zone_enabled")).lower())
            if cross is not None:
                fields["cross_zone"] = cross
            name = self.name_of(res, names)
            self.tg_names[res.address] = name
            body = self.body(res, **fields)
            body.pop("tags", None)
            body["targets"] = []
            groups[name] = body
        return groups

    def lb_register(self, res: _Res, tg: _Res | None, entries: list[dict[str, Any]], groups: dict[str, Any]) -> None:
        """Register `entries` ({"instance": ...} or {"ip": ...}) with target group `tg`, as `res` says."""
        name = self.lb_imported(res, "target group", tg, self.tg_names)
        if name is None:
            return
        for entry in entries:
            self.at(entry, res.loc)
            if entry not in groups[name]["targets"]:
                groups[name]["targets"].append(entry)

    def lb_enlist(self, res: _Res, elb: _Res | None, instances: list[str], balancers: dict[str, Any]) -> None:
        """List `instances` behind Classic Load Balancer `elb`, as `res` says."""
        name = self.lb_imported(res, "Classic Load Balancer", elb, self.lb_names)
        if name is None:
            return
        listed = balancers[name].setdefault("instances", [])
        listed.extend(i for i in instances if i not in listed)

    def lb_targets(self, groups: dict[str, Any], balancers: dict[str, Any]) -> None:
        """Registered targets: aws_lb_target_group_attachment, aws_elb_attachment, and Auto Scaling
        groups' members (target_group_arns, load_balancers, traffic_source, aws_autoscaling_attachment,
        aws_autoscaling_traffic_source_attachment)."""
        for res in self.of_type(*LB_ATTACHMENT_TYPES):
            tg = self.link(res, "target_group_arn", LB_TG_TYPES)
            body = groups.get(self.tg_names.get(tg.address, "")) if tg is not None else None
            entry: dict[str, Any] = {}
            if body is not None and body.get("target_type") == "ip":
                raw = res.values.get("target_id")
                address = _ip6(raw) if body.get("ip_address_type") == "ipv6" else _ip(raw)
                if address is None:
                    self.warn("tf-unknown", f"{res.address}: target_id is not an address this {self.kind} knows "
                              f"({json_kind(raw)}); left out", res.loc)
                    continue
                entry["ip"] = address
            elif body is not None:
                instance = self.link(res, "target_id", ("aws_instance",))
                if instance is None or instance.address not in self.instance_names:
                    self.warn("tf-orphan", f"{res.address}: its target instance is not imported; left out", res.loc)
                    continue
                entry["instance"] = self.instance_names[instance.address]
            port = _int(res.values.get("port"))
            if body is not None and port is not None and port != body["port"]:
                entry["port"] = port
            self.lb_register(res, tg, [entry] if entry else [], groups)
        for res in self.of_type("aws_elb_attachment"):
            elb = self.link(res, "elb", ("aws_elb",))
            instance = self.link(res, "instance", ("aws_instance",))
            if instance is None or instance.address not in self.instance_names:
                self.warn("tf-orphan", f"{res.address}: its instance is not imported; left out", res.loc)
                continue
            self.lb_enlist(res, elb, [self.instance_names[instance.address]], balancers)
        for res in self.of_type("aws_autoscaling_group"):
            members = self.asg_members.get(res.address)
            if not members:
                continue  # not imported (a warning said why)
            for tg in self.link_all(res, "target_group_arns", LB_TG_TYPES) or []:
                self.lb_register(res, tg, [{"instance": m} for m in members], groups)
            for elb in self.link_all(res, "load_balancers", ("aws_elb",)) or []:
                self.lb_enlist(res, elb, members, balancers)
            self.traffic_sources(res, members, groups, balancers)
        for res in self.of_type("aws_autoscaling_attachment", "aws_autoscaling_traffic_source_attachment"):
            group = self.link(res, "autoscaling_group_name", ("aws_autoscaling_group",))
            members = self.asg_members.get(group.address, []) if group is not None else []
            if not members:
                self.warn("tf-orphan", f"{res.address}: its Auto Scaling group is not imported; left out", res.loc)
                continue
            if res.type == "aws_autoscaling_traffic_source_attachment":
                self.traffic_sources(res, members, groups, balancers)
                continue
            for attr in ("lb_target_group_arn", "alb_target_group_arn"):
                if res.values.get(attr) or res.is_unknown(attr) and res.configured(attr):
                    self.lb_register(res, self.link(res, attr, LB_TG_TYPES), [{"instance": m} for m in members], groups)
            if res.values.get("elb") or res.is_unknown("elb") and res.configured("elb"):
                self.lb_enlist(res, self.link(res, "elb", ("aws_elb",)), members, balancers)

    def traffic_sources(self, res: _Res, members: list[str], groups: dict[str, Any],
                        balancers: dict[str, Any]) -> None:
        """`traffic_source {identifier, type}` blocks (aws_autoscaling_group and
        aws_autoscaling_traffic_source_attachment): an Auto Scaling group's members registered with
        a target group ("elbv2": its ARN) or a Classic Load Balancer ("elb": its name); "vpc-lattice"
        is not simulated (facts.TRAFFIC_SOURCE_TYPES)."""
        for position, (block, block_unknown) in enumerate(res.blocks("traffic_source")):
            kind = block.get("type")
            identifier = block.get("identifier")
            if kind is None and isinstance(identifier, str):
                kind = facts.traffic_source_type(identifier)
            if kind == "vpc-lattice":
                self.warn("tf-unsupported", f"{res.address}: traffic_source[{position}] is a VPC Lattice target "
                          "group, which is not simulated; left out", res.loc)
                continue
            if kind is not None and kind not in facts.TRAFFIC_SOURCE_TYPES:
                self.warn("tf-unknown", f"{res.address}: traffic_source[{position}].type {json_kind(kind)} is not "
                          "elb, elbv2 or vpc-lattice; left out", res.loc)
                continue
            types = LB_TG_TYPES if kind == "elbv2" else ("aws_elb",) if kind == "elb" else (*LB_TG_TYPES, "aws_elb")
            target = self.link(res, "identifier", types, value=identifier,
                               unknown=block_unknown.get("identifier") is True, block=("traffic_source", position))
            if target is not None and target.type == "aws_elb":
                self.lb_enlist(res, target, members, balancers)
            elif target is not None or kind == "elbv2":
                self.lb_register(res, target, [{"instance": m} for m in members], groups)

    # -- route tables -------------------------------------------------------------------------

    def pick_route_tables(self, vpcs: dict[str, Any], subnets: dict[str, Any]) -> dict[str, Any]:
        names = _Names()
        tables: dict[str, Any] = {}
        self.table_names: dict[str, str] = {}
        table_vpc: dict[str, str] = {}
        for res in self.of_type(*ROUTE_TABLE_TYPES):
            vpc = self.design_vpc(res)
            if vpc is None:
                continue
            name = self.name_of(res, names)
            self.table_names[res.address] = name
            table_vpc[res.address] = vpc
            fields: dict[str, Any] = {"vpc": self.vpc_names[vpc]}
            if res.type == "aws_default_route_table":
                # Adopting the main table: Terraform "removes all defined routes from the default route
                # table" and keeps only the configured ones (provider docs, aws_default_route_table).
                fields["main"] = True
                self.table_names[f"{vpc}#main_route_table"] = name  # the VPC's default_route_table_id
                table_vpc[f"{vpc}#main_route_table"] = vpc
            tables[name] = self.body(res, **fields)
            tables[name]["routes"] = []
        for res in self.of_type("aws_main_route_table_association"):
            table = self.link(res, "route_table_id", ROUTE_TABLE_TYPES, pseudo="main_route_table")
            if table is not None and table.address in self.table_names:
                body = tables[self.table_names[table.address]]
                body["main"] = True
        for res in self.of_type(*ROUTE_TABLE_TYPES):
            if res.address not in self.table_names:
                continue
            unknown = res.unknown.get("route") if isinstance(res.unknown, dict) else None
            for index, block in enumerate(_blocks(res.values.get("route"))):
                block_unknown = unknown[index] if isinstance(unknown, list) and index < len(unknown) else {}
                route = self.route(res, block, block_unknown if isinstance(block_unknown, dict) else {},
                                   ("route", index), table_vpc[res.address])
                if route is not None:
                    tables[self.table_names[res.address]]["routes"].append(route)
        for res in self.of_type("aws_route"):
            table = self.link(res, "route_table_id", ROUTE_TABLE_TYPES, pseudo="main_route_table")
            if table is None:
                continue
            key = table.address
            if table.type in VPC_TYPES or table.kind == "data.aws_vpc":
                key = f"{table.address}#main_route_table"
                if key not in self.table_names and table.address in self.vpc_names:
                    # A route added to the VPC's implicit main table: declare it.
                    name = names.take(f"{self.vpc_names[table.address]}.main", key)
                    self.table_names[key] = name
                    # The VPC's original main table; no longer main if an association replaced it.
                    replaced = any(t.get("main") and t.get("vpc") == self.vpc_names[table.address]
                                   for t in tables.values())
                    body = {"vpc": self.vpc_names[table.address], "main": not replaced, "routes": [],
                            "description": f"terraform: the original main route table of {table.address}"}
                    self.at(body, table.loc)
                    tables[name] = body
                    table_vpc[key] = table.address
            if key not in self.table_names:
                self.warn("tf-orphan", f"{res.address}: its route table {table.address} is not imported; left out",
                          res.loc)
                continue
            unknown = res.unknown if isinstance(res.unknown, dict) else {}
            data = dict(res.values)
            if "destination_cidr_block" in data:
                data["cidr_block"] = data["destination_cidr_block"]
            if "destination_ipv6_cidr_block" in data:
                data["ipv6_cidr_block"] = data["destination_ipv6_cidr_block"]
            route = self.route(res, data, unknown, None, table_vpc[key])
            if route is not None:
                tables[self.table_names[key]]["routes"].append(route)
        for res in self.of_type("aws_route_table_association"):
            table = self.link(res, "route_table_id", ROUTE_TABLE_TYPES, pseudo="main_route_table")
            if res.values.get("gateway_id") or res.is_unknown("gateway_id") and res.configured("gateway_id"):
                self.warn("tf-unsupported", f"{res.address}: a gateway route table association (ingress routing) "
                          "is not simulated; left out", res.loc)
                continue
            subnet = self.link(res, "subnet_id", SUBNET_TYPES + ("data.aws_subnet",))
            if table is None or subnet is None:
                continue
            key = f"{table.address}#main_route_table" if table.type in VPC_TYPES else table.address
            if key not in self.table_names or subnet.address not in self.subnet_names:
                self.warn("tf-orphan", f"{res.address}: its route table or subnet is not imported; left out", res.loc)
                continue
            subnets[self.subnet_names[subnet.address]]["route_table"] = self.table_names[key]
        for body in tables.values():
            if not body["routes"]:
                del body["routes"]
        return tables

    def route(self, res: _Res, data: JsonObj, unknown: JsonObj, block: tuple[str, int] | None, vpc: str) -> dict[str, Any] | None:
        what = f"{res.address}" + (f": {block[0]}[{block[1]}]" if block is not None else "")
        out: dict[str, Any] = {}
        dest = data.get("cidr_block")
        pl = data.get("destination_prefix_list_id")
        if isinstance(dest, str) and dest:
            cidr = _cidr(dest)
            if cidr is None:
                self.error("tf-value", f"{what}: destination {dest!r} is not an IPv4 CIDR block", res.loc)
                return None
            if cidr in self.vpc_cidrs.get(vpc, ()):
                return None  # the local route: implicit in the design
            out["destination"] = cidr
        elif pl or unknown.get("destination_prefix_list_id"):
            names = self.prefix_list_ref(res, "destination_prefix_list_id", value=pl,
                                         unknown=unknown.get("destination_prefix_list_id"), block=block)
            if not names:
                self.warn("tf-orphan", f"{what}: its destination prefix list is not imported (an AWS-managed list?); "
                          "the route is left out", res.loc)
                return None
            out["destination_prefix_list"] = names[0]
        elif data.get("ipv6_cidr_block") or data.get("destination_ipv6_cidr_block"):
            text = data.get("ipv6_cidr_block") or data.get("destination_ipv6_cidr_block")
            six = _cidr6(text)
            if six is None:
                self.error("tf-value", f"{what}: destination {text!r} is not an IPv6 CIDR block", res.loc)
                return None
            if six in self.vpc_ipv6.get(vpc, ()):
                return None  # the IPv6 local route: implicit in the design
            out["destination"] = six
        else:
            self.warn("tf-unknown", f"{what}: its destination is known only after apply; the route is left out", res.loc)
            return None
        what = f"{what}: route to {out.get('destination') or out.get('destination_prefix_list')}"
        target = self.route_target(res, data, unknown, block, vpc, what)
        if target is None:
            return None
        out.update(target)
        self.at(out, self.nested_loc(res, "route", data) if block is not None else res.loc)
        return out

    def route_target(
        self, res: _Res, data: JsonObj, unknown: JsonObj, block: tuple[str, int] | None, vpc: str, what: str
    ) -> dict[str, Any] | None:
        present = [(attr, types) for attr, types in ROUTE_TARGETS if data.get(attr)]
        unknown_attrs = [(attr, types) for attr, types in ROUTE_TARGETS if unknown.get(attr) is True]
        # The provider computes several target attributes, so more than one may be unknown: the
        # configured one is the target.
        configured = [(attr, types) for attr, types in unknown_attrs if self.refs_for(res, attr, block)]
        if present:
            candidates = present
        elif configured:
            candidates = configured
        elif len(unknown_attrs) > 1:
            names = ", ".join(attr for attr, _ in unknown_attrs)
            return {"unsupported": self.unknown_target(res, what, f"its target ({names}) is known only after apply "
                                                       "and the configuration does not say which")}
        elif unknown_attrs:
            candidates = unknown_attrs
        else:
            self.warn("tf-value", f"{what}: the route has no target; left out", res.loc)
            return None
        attr, types = candidates[0]
        if data.get(attr) == "local":
            return None
        if attr in ("local_gateway_id", "core_network_arn"):
            return {"unsupported": self.unknown_target(res, what, f"{attr} targets are not simulated")}
        target = self.link(res, attr, types, value=data.get(attr), unknown=unknown.get(attr), block=block,
                           infer_in=vpc, pseudo="primary_interface" if attr == "network_interface_id" else None)
        if target is None:
            return {"unsupported": self.unknown_target(res, what, f"{attr} is not known before apply (or names a "
                                                       "resource outside this file)")}
        if target.address in self.igw_names:
            return {"internet_gateway": self.igw_names[target.address]}
        if target.address in self.eigw_names:
            return {"egress_only_internet_gateway": self.eigw_names[target.address]}
        if target.type == "aws_nat_gateway" and target.address in self.nat_names:
            return {"nat_gateway": self.nat_names[target.address]}
        if target.address in self.pcx_names:
            name = self.pcx_names[target.address]
            return {"unsupported": name} if name in self.unsupported else {"peering": name}
        if target.type == "aws_vpc_peering_connection_accepter":
            pcx = self.link(target, "vpc_peering_connection_id", ("aws_vpc_peering_connection",), quiet=True)
            if pcx is not None and pcx.address in self.pcx_names:
                name = self.pcx_names[pcx.address]
                return {"unsupported": name} if name in self.unsupported else {"peering": name}
        if target.type == "aws_instance" and target.address in self.instance_names:
            if attr == "network_interface_id":
                return {"interface": self.primary_eni[target.address]}
            return {"instance": self.instance_names[target.address]}
        if target.address in self.eni_names:
            return {"interface": self.eni_names[target.address]}
        if target.address in self.endpoint_names:
            return {"vpc_endpoint": self.endpoint_names[target.address]}
        if target.address in self.unsupported_by_address:
            return {"unsupported": self.unsupported_by_address[target.address]}
        return {"unsupported": self.unknown_target(res, what, f"its target {target.address} is not imported")}

    # -- network ACLs -------------------------------------------------------------------------

    def pick_network_acls(self, vpcs: dict[str, Any], subnets: dict[str, Any]) -> dict[str, Any]:
        names = _Names()
        acls: dict[str, Any] = {}
        acl_names: dict[str, str] = {}
        for res in self.of_type(*NACL_TYPES):
            vpc = self.design_vpc(res)
            if vpc is None:
                continue
            name = self.name_of(res, names)
            acl_names[res.address] = name
            fields: dict[str, Any] = {"vpc": self.vpc_names[vpc]}
            if res.type == "aws_default_network_acl":
                # Adopting the default NACL: Terraform "removes all rules" and creates only the
                # configured ones (provider docs, aws_default_network_acl).
                fields["default"] = True
                acl_names[f"{vpc}#default_network_acl"] = name
            body = self.body(res, **fields)
            body["inbound"] = [r for b in _blocks(res.values.get("ingress")) if (r := self.nacl_rule(res, b, "ingress"))]
            body["outbound"] = [r for b in _blocks(res.values.get("egress")) if (r := self.nacl_rule(res, b, "egress"))]
            acls[name] = body
            for subnet in self.link_all(res, "subnet_ids", SUBNET_TYPES) or []:
                if subnet.address in self.subnet_names:
                    subnets[self.subnet_names[subnet.address]]["network_acl"] = name
        for res in self.of_type("aws_network_acl_rule"):
            acl = self.link(res, "network_acl_id", NACL_TYPES, pseudo="default_network_acl")
            if acl is None:
                continue
            key = f"{acl.address}#default_network_acl" if acl.type in VPC_TYPES else acl.address
            if key not in acl_names:
                self.warn("tf-orphan", f"{res.address}: its network ACL {acl.address} is not imported; left out", res.loc)
                continue
            egress = res.values.get("egress") is True
            data = dict(res.values)
            data["rule_no"] = data.get("rule_number")
            data["action"] = data.get("rule_action")
            rule = self.nacl_rule(res, data, "egress" if egress else "ingress")
            if rule is not None:
                acls[acl_names[key]]["outbound" if egress else "inbound"].append(rule)
        for res in self.of_type("aws_network_acl_association"):
            acl = self.link(res, "network_acl_id", NACL_TYPES, pseudo="default_network_acl")
            member = self.link(res, "subnet_id", SUBNET_TYPES + ("data.aws_subnet",))
            if acl is None or member is None:
                continue
            key = f"{acl.address}#default_network_acl" if acl.type in VPC_TYPES else acl.address
            if key in acl_names and member.address in self.subnet_names:
                subnets[self.subnet_names[member.address]]["network_acl"] = acl_names[key]
        for body in acls.values():
            for direction in ("inbound", "outbound"):
                rules = body[direction]
                numbers = [r["rule"] for r in rules]
                for number in {n for n in numbers if numbers.count(n) > 1}:
                    self.error("tf-value", f"{body['description'][len('terraform: '):]}: rule number {number} is used "
                               f"twice ({direction}); AWS refuses that", self.locs.get(id(body)))
                rules.sort(key=lambda r: int(r["rule"]))
        return acls

    def nacl_rule(self, res: _Res, data: JsonObj, direction: str) -> dict[str, Any] | None:
        number = _int(data.get("rule_no"))
        what = f"{res.address}: {direction} rule {data.get('rule_no')}"
        action = data.get("action")
        protocol = _protocol(data.get("protocol"))
        cidr = _cidr6(data.get("ipv6_cidr_block")) if data.get("ipv6_cidr_block") else _cidr(data.get("cidr_block"))
        if number is None or action not in ("allow", "deny") or protocol is None or cidr is None:
            unknown = res.unknown if isinstance(res.unknown, dict) else {}
            if any(unknown.get(k) is True for k in ("rule_number", "rule_action", "protocol", "cidr_block")):
                self.warn("tf-unknown", f"{what}: a field of the rule is known only after apply; left out", res.loc)
            else:
                self.error("tf-value", f"{what}: expected a rule number, action allow|deny, a protocol and a "
                           f"cidr_block or ipv6_cidr_block (got {data.get('rule_no')!r}, {action!r}, {data.get('protocol')!r}, "
                           f"{data.get('cidr_block')!r})", res.loc)
            return None
        if not 1 <= number <= 32766:
            self.error("tf-value", f"{what}: rule number {number} is out of range (expected 1-32766)", res.loc)
            return None
        rule: dict[str, Any] = {"rule": number, "action": action, "protocol": protocol}
        if protocol in ("tcp", "udp"):
            ports = _ports(_int(data.get("from_port")), _int(data.get("to_port")))
            if ports is not None:
                rule["ports"] = ports
        elif protocol in ("icmp", "icmpv6"):
            # aws_network_acl(_rule): icmp_type / icmp_code, for protocol 1 or 58 alike.
            icmp_fields(rule, _int(data.get("icmp_type")), _int(data.get("icmp_code")))
        rule["cidr"] = cidr
        self.at(rule, self.nested_loc(res, direction, data) if res.type in NACL_TYPES else res.loc)
        return rule

    # -- `.tf` sources ------------------------------------------------------------------------

    def locate_sources(self) -> None:
        """Point every resource at its block in the `.tf` files (root module, and local modules)."""
        assert self.tf_dir is not None
        folders: dict[str, str] = {"": self.tf_dir}
        for cmodule, call in sorted(self.cfg_calls.items()):
            source = call.get("source")
            parent = folders.get(_parent_module(cmodule))
            if isinstance(source, str) and source.startswith(("./", "../")) and parent is not None:
                folders[cmodule] = os.path.normpath(os.path.join(parent, source))
        blocks: dict[tuple[str, str], tuple[str, int]] = {}
        pending = list(folders.items())
        while pending:
            cmodule, folder = pending.pop(0)
            found, expressions, calls, nested = _tf_blocks(folder, self)
            for key, where in found.items():
                blocks[(cmodule, key)] = where
            for key, at in nested.items():
                self.hcl_nested[(cmodule, key)] = at
            for key, config in expressions.items():
                self.hcl_resources[(cmodule, key)] = config
            for name, call in calls.items():
                if not name:
                    if cmodule == "" and self.provider_region is None:
                        self.provider_region = call.get("region")
                    continue
                child = f"{cmodule}.module.{name}".lstrip(".")
                if child not in self.cfg_calls:  # a plan without a configuration block
                    self.cfg_calls[child] = call
                    source = call.get("source")
                    if isinstance(source, str) and source.startswith(("./", "../")) and child not in folders \
                            and len(folders) < 256:
                        folders[child] = os.path.normpath(os.path.join(folder, source))
                        pending.append((child, folders[child]))
        for res in self.resources:
            block = blocks.get((res.cmodule, res.key))
            if block is not None:
                res.loc = Location(block[0], block[1], 1, res.address)

    def nested_loc(self, res: _Res, name: str, data: JsonObj) -> Location:
        """Where the nested block `name` whose values are `data` is written (`ingress {}` of a group),
        else the resource's own location.

        Terraform lists set-typed blocks (rules, routes) in its own order, not the source's, so a
        block is matched by the constants written in it; among equal ones, in source order.
        """
        candidates = self.hcl_nested.get((res.cmodule, res.key), {}).get(name, [])
        best: tuple[int, int] | None = None
        for position, (_, attrs) in enumerate(candidates):
            if (res.address, name, position) in self.nested_used:
                continue
            score = _agreement(attrs, data)
            if score is not None and (best is None or score > best[0]):
                best = (score, position)
        if best is None:
            return res.loc
        self.nested_used.add((res.address, name, best[1]))
        where = candidates[best[1]][0]
        return Location(where.file, where.line, where.col, f"{res.address} {name}")

    # -- the located tree ---------------------------------------------------------------------

    def tree(self, design: dict[str, Any]) -> Node:
        return located_tree(design, self.locs, Location(self.path, 0, 0))


def _hcl_constant(value: Any) -> Any:
    """A python-hcl2 attribute value as JSON would hold it, or None when it is an expression."""
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' and "${" not in value else None
    if isinstance(value, list):
        items = [_hcl_constant(v) for v in value]
        return None if any(i is None for i in items) else items
    return None


def _agreement(attrs: JsonObj, data: JsonObj) -> int | None:
    """How many constants of an HCL block the JSON block has too; None when one disagrees."""
    score = 0
    for key, raw in attrs.items():
        if key.startswith("__") or key not in data:
            continue
        written, held = _hcl_constant(raw), data[key]
        if written is None:
            continue
        if key == "protocol":
            same = _protocol(written) == _protocol(held)
        elif isinstance(written, list) and isinstance(held, list):
            same = sorted(map(str, written)) == sorted(map(str, held))
        else:
            same = str(written).lower() == str(held).lower()
        if not same:
            return None
        score += 1
    return score


def _module_key(module: str) -> Any:
    """The instance key of the innermost module call: module.sg["a"] -> "a", module.x[2] -> 2."""
    match = re.search(r'\[(\d+|"(?:[^"\\]|\\.)*")\]$', module)
    if match is None:
        return None
    text = match.group(1)
    return int(text) if text.isdigit() else json.loads(text)


def _interesting(rtype: Any) -> bool:
    return isinstance(rtype, str) and (
        rtype.startswith(("aws_vpc", "aws_subnet", "aws_route", "aws_network", "aws_security_group", "aws_default_",
                          "aws_internet_gateway", "aws_nat_gateway", "aws_eip", "aws_instance", "aws_main_route",
                          "aws_ec2_managed_prefix_list", "aws_lb_", "aws_alb_", "aws_elb_"))
        or rtype in UNSUPPORTED_TYPES
    )


def _cidr_texts(value: Any) -> Iterator[str]:
    """Every CIDR a design body names: its rules' `cidr`, its routes' `destination`, its `entries`."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("cidr", "destination") and isinstance(item, str):
                yield item
            elif key == "entries" and isinstance(item, list):
                yield from (e for e in item if isinstance(e, str))
            else:
                yield from _cidr_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _cidr_texts(item)


def _nested_first(value: Any, path: tuple[str, ...]) -> JsonObj:
    """The first block down a path of nested blocks (`a[0].b[0].c[0]`), or {}."""
    for key in path:
        items = value.get(key) if isinstance(value, dict) else None
        value = items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else None
    return value if isinstance(value, dict) else {}


def _launch_tags(group: _Res) -> dict[str, str]:
    """The tags an Auto Scaling group gives its instances (`tag` blocks with propagate_at_launch)."""
    out: dict[str, str] = {}
    for block in _blocks(group.values.get("tag")):
        key, value = block.get("key"), block.get("value")
        if isinstance(key, str) and isinstance(value, str) and block.get("propagate_at_launch") is not False:
            out[key] = value
    return out


def _blocks(value: Any) -> list[JsonObj]:
    return [b for b in value if isinstance(b, dict)] if isinstance(value, list) else []


def _protocol(raw: Any) -> str | int | None:
    text = str(raw).strip().lower() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    if text in ("-1", "all"):
        return "all"
    number = _PROTOCOL_NUMBERS.get(text)
    if number is None and text.isdigit() and int(text) <= 255:
        number = int(text)
    if number is None:
        return None
    return _PROTOCOL_WORDS.get(number, number)


def _dedupe(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A state lists a group's rules twice when they come from rule resources: the group's
    # `ingress`/`egress` attributes read back every rule AWS holds.
    seen: set[tuple[tuple[str, Any], ...]] = set()
    out = []
    for rule in rules:
        signature = tuple(sorted((k, v) for k, v in rule.items() if k != "description"))
        if signature not in seen:
            seen.add(signature)
            out.append(rule)
    return out


_NestedAt = dict[str, list[tuple[Location, JsonObj]]]  # block name -> (where, its attributes) in order


def _tf_blocks(
    folder: str, importer: _Importer
) -> tuple[dict[str, tuple[str, int]], dict[str, JsonObj], dict[str, JsonObj], dict[str, _NestedAt]]:
    """A folder's .tf files: `type.name` -> (file, line) of each resource block, `type.name` -> its
    expressions (as the JSON configuration writes them), module name -> its call, and `type.name`
    -> its nested blocks (`ingress {}`, `route {}`) with their locations and attributes."""
    out: dict[str, tuple[str, int]] = {}
    configs: dict[str, JsonObj] = {}
    calls: dict[str, JsonObj] = {}
    nested_at: dict[str, _NestedAt] = {}
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(".tf"))
    except OSError as exc:
        importer.warn("tf-sources", f"cannot read the .tf sources ({exc.strerror or exc}); locations point at the JSON",
                      Location(folder, 0, 0))
        return out, configs, calls, nested_at
    for name in names:
        path = os.path.join(folder, name)
        if link_escapes(path):  # a link out of the sources (to a secret?) is never read
            importer.warn("tf-sources", "a link to a file outside its folder and the working folder (not followed)",
                          Location(path, 0, 0))
            continue
        try:
            text = read_regular(path, 8 * 1024 * 1024).decode("utf-8", errors="replace")
        except (UnreadableFile, FileTooLarge):
            importer.warn("tf-sources", "not a regular .tf file of at most 8 MB (skipped)", Location(path, 0, 0))
            continue
        located = _hcl_blocks(text, path, importer)
        bodies: dict[str, JsonObj] = {}
        if located:
            _hcl_config(text, configs, calls, bodies)
        for kind, rtype, rname, line, nested in located:
            key = f"{'data.' if kind == 'data' else ''}{rtype}.{rname}"
            if key in out:
                continue
            out[key] = (path, line)
            body = bodies.get(key, {})
            seen: dict[str, int] = {}
            for bname, bline, bcol in nested:
                position = seen.get(bname, 0)
                seen[bname] = position + 1
                items = body.get(bname)
                attrs = items[position] if isinstance(items, list) and position < len(items) and isinstance(
                    items[position], dict) else {}
                nested_at.setdefault(key, {}).setdefault(bname, []).append(
                    (Location(path, bline, bcol, f"{key} {bname}"), attrs))
    return out, configs, calls, nested_at


_HCL_REF = re.compile(r'(?<![\w.])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*(?:\[[^\]]*\])?(?:\.[A-Za-z_]\w*)?)')


def _hcl_expression(value: Any) -> JsonObj | list[JsonObj] | None:
    """A python-hcl2 value -> the JSON configuration's expression: references, or a constant."""
    if isinstance(value, list) and value and all(isinstance(v, dict) and v.get("__is_block__") for v in value):
        blocks = []
        for block in value:
            body = {k: e for k, v in block.items() if not k.startswith("__") and (e := _hcl_expression(v)) is not None}
            blocks.append(body)
        return blocks  # nested blocks, as the JSON configuration writes them
    texts = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    refs: list[str] = []
    for text in texts:
        for interpolation in re.findall(r"\$\{(.*?)\}", text, re.S) or ([text] if not text.startswith('"') else []):
            for ref in _HCL_REF.findall(interpolation):
                if ref.split(".")[0] not in ("true", "false", "null") and ref not in refs:
                    refs.append(ref)
    if refs:
        return {"references": refs}
    if isinstance(value, str) and value.startswith('"') and value.endswith('"'):
        return {"constant_value": value[1:-1]}
    if isinstance(value, (int, float, bool)):
        return {"constant_value": value}
    return None


def _hcl_config(text: str, configs: dict[str, JsonObj], calls: dict[str, JsonObj], bodies: dict[str, JsonObj]) -> None:
    """Resources' expressions, module calls and the aws provider's region of one .tf file, by
    python-hcl2 (nothing on a parse error). The region goes in `calls` under the key ""."""
    try:
        import hcl2
        parsed = hcl2.loads(text)
    except Exception:  # already reported by _hcl_blocks
        return
    if not isinstance(parsed, dict):
        return
    for entry in parsed.get("provider") or []:
        body = entry.get('"aws"') if isinstance(entry, dict) else None
        region = body.get("region") if isinstance(body, dict) else None
        if isinstance(region, str) and _REGION_RE.match(region.strip('"')):
            calls.setdefault("", {"region": region.strip('"')})
    for kind in ("resource", "data"):
        for entry in parsed.get(kind) or []:
            for rtype, named in (entry.items() if isinstance(entry, dict) else []):
                for rname, body in (named.items() if isinstance(named, dict) else []):
                    if not isinstance(body, dict):
                        continue
                    key = f"{'data.' if kind == 'data' else ''}{rtype.strip(chr(34))}.{rname.strip(chr(34))}"
                    bodies.setdefault(key, body)
                    expressions = {k: e for k, v in body.items()
                                   if not k.startswith("__") and (e := _hcl_expression(v)) is not None}
                    configs.setdefault(key, {"address": key, "expressions": expressions})
    for entry in parsed.get("module") or []:
        for name, body in (entry.items() if isinstance(entry, dict) else []):
            if isinstance(body, dict):
                source = body.get("source")
                call: JsonObj = {"expressions": {k: e for k, v in body.items() if not k.startswith("__")
                                                 and k != "source" and (e := _hcl_expression(v)) is not None}}
                if isinstance(source, str):
                    call["source"] = source.strip('"')
                calls.setdefault(name.strip('"'), call)


def _merged(config: JsonObj | None, hcl: JsonObj | None) -> JsonObj | None:
    """The JSON configuration's resource, completed by the .tf sources where it says nothing."""
    if hcl is None:
        return config
    if config is None:
        return hcl
    expressions = config.get("expressions")
    if not isinstance(expressions, dict):
        return config
    extra = {k: v for k, v in (hcl.get("expressions") or {}).items() if k not in expressions}
    return {**config, "expressions": {**expressions, **extra}} if extra else config


_BLOCK_RE = re.compile(r'^[ \t]*(resource|data)[ \t]+"([^"]+)"[ \t]+"([^"]+)"[ \t]*\{', re.MULTILINE)


_Nested = list[tuple[str, int, int]]  # (block name, line, column) of a resource's nested blocks, in order


def _hcl_blocks(text: str, path: str, importer: _Importer) -> list[tuple[str, str, str, int, _Nested]]:
    """(resource|data, type, name, line, its nested blocks) of the top-level blocks of one .tf file,
    by python-hcl2 (which reports every block's line and column)."""
    try:
        import hcl2  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - a dependency; a line scan keeps locations working without it
        return [(m.group(1), m.group(2), m.group(3), text.count("\n", 0, m.start(1)) + 1, [])
                for m in _BLOCK_RE.finditer(text)]
    try:
        tree = hcl2.parses_to_tree(text)
    except Exception as exc:  # lark's parse errors have no common base in hcl2's API
        line, col = getattr(exc, "line", 0), getattr(exc, "column", 0)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        importer.warn("tf-sources", f"cannot parse this .tf file ({first}); its resources keep JSON locations",
                      Location(path, line if isinstance(line, int) else 0, col if isinstance(col, int) else 0))
        return []
    out: list[tuple[str, str, str, int, _Nested]] = []
    for block in tree.iter_subtrees_topdown():  # type: ignore[no-untyped-call,unused-ignore]
        if block.data != "block":
            continue
        labels = _labels(block)
        if len(labels) == 3 and labels[0] in ("resource", "data"):
            nested: _Nested = []
            for body in (c for c in block.children if getattr(c, "data", None) == "body"):
                for child in body.children:
                    if getattr(child, "data", None) == "block" and len(names := _labels(child)) == 1:
                        nested.append((names[0], int(getattr(child.meta, "line", 0) or 0),
                                       int(getattr(child.meta, "column", 1) or 1)))
            out.append((labels[0], labels[1], labels[2], int(getattr(block.meta, "line", 0) or 0), nested))
    return out


def _labels(block: Any) -> list[str]:
    """A block's type and labels: resource "aws_vpc" "main" -> [resource, aws_vpc, main]."""
    labels: list[str] = []
    for child in block.children:
        if getattr(child, "data", None) in ("identifier", "string"):
            labels.append("".join(str(v) for v in child.scan_values(lambda _: True)).strip('"'))
        else:
            break
    return labels

