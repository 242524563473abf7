"""Lint: a design -> findings, each with a stable rule id, a level and the location it is about.

Two families of findings:

- `aws/<code>`: what loading the design reports (the builder's and the validator's
  diagnostics: AWS's hard rules, quotas). An invalid design stops there (exit 3).
- `VPC001`... : practices people care about, checked on the compiled network (table in
  docs/lint.md). Reachability findings (a database port reachable from the internet) use the
  same exact analysis as `vpcsim check`.

A finding is silenced by a `# vpcsim: ignore[VPC011]` (or a bare `# vpcsim: ignore`) comment
on the line it points at.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from vpcsim.core import PORTED_PROTOS
from vpcsim.errors import DesignError, Diagnostic, Location, Severity, UsageError
from vpcsim.facts import DATABASE_PORTS, LINUX_EPHEMERAL, PMTUD_DOC, PMTUD_ICMP, PMTUD_ICMPV6
from vpcsim.loader.reader import MAX_BYTES, FileTooLarge, UnreadableFile, read_regular
from vpcsim.model import (
    IPV4_BITS,
    IPV6_BITS,
    Cidr,
    Interface,
    NaclRule,
    NetworkAcl,
    PeerKind,
    Route,
    SgRule,
    Subnet,
    TargetKind,
    int_to_ip,
    short,
)
from vpcsim.records import record
from vpcsim.severity import Level, RuleInfo

if TYPE_CHECKING:
    from vpcsim.compile import CompiledNetwork

__all__ = ["RULES", "Finding", "LintReport", "LintRule", "lint", "lint_path"]

IGNORE_RE = re.compile(r"#\s*vpcsim:\s*ignore(?:\[([A-Za-z0-9/_, -]+)\])?")
PUBLIC_WORD = re.compile(r"(?:^|[^a-z])public(?:[^a-z]|$)", re.IGNORECASE)
# A trailing AZ marker in a subnet name: -a, -1a, -az1, -eu-west-1a, -1.
AZ_SUFFIX = re.compile(r"[-_.](?:[a-z]{2}-[a-z]+-\d[a-z]|\d?[a-z]|az\d+|\d)$", re.IGNORECASE)


# A lint rule is what SARIF calls a reporting descriptor: the reports' own record.
LintRule = RuleInfo


@record
class Finding:
    rule: LintRule
    level: Level
    message: str
    location: Location | None
    subject: str  # what the finding is about (an object name), for stable fingerprints
    related: tuple[tuple[str, Location], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule.id,
            "name": self.rule.name,
            "level": self.level.value,
            "message": self.message,
            "location": str(self.location) if self.location else None,
            "subject": self.subject,
            "related": [{"what": w, "location": str(loc)} for w, loc in self.related],
        }


@record
class LintReport:
    design: str
    findings: tuple[Finding, ...]
    rules: tuple[LintRule, ...]  # the rules that ran
    fail_on: Level | None = Level.WARNING  # None: never fail
    invalid: bool = False  # the design did not load (its diagnostics are the findings)
    suppressed: int = 0

    def fails(self, finding: Finding) -> bool:
        return self.fail_on is not None and finding.level.rank >= self.fail_on.rank

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if self.fails(f))

    @property
    def ok(self) -> bool:
        return not self.invalid and not self.failed

    def by_rule(self, rule_id: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.rule.id == rule_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "ok": self.ok,
            "invalid": self.invalid,
            "fail_on": self.fail_on.value if self.fail_on else "never",
            "suppressed": self.suppressed,
            "findings": [f.to_json() for f in self.findings],
        }


def _rule(id: str, name: str, level: Level, summary: str, sev: float, help: str, *tags: str) -> LintRule:
    return LintRule(id=id, name=name, level=level, summary=summary, security_severity=sev, help=help,
                    tags=("vpcsim", *tags))


RULES: tuple[LintRule, ...] = (
    _rule("VPC001", "ssh-open-to-world", Level.WARNING, "SSH (tcp 22) is open to 0.0.0.0/0", 7.5,
          "A security group admits SSH from every address. Admit it from an admin range or a bastion's "
          "group, or use Session Manager.", "security"),
    _rule("VPC002", "rdp-open-to-world", Level.WARNING, "RDP (tcp 3389) is open to 0.0.0.0/0", 7.5,
          "A security group admits RDP from every address. Admit it from an admin range or a bastion's group.",
          "security"),
    _rule("VPC003", "database-reachable-from-internet", Level.ERROR,
          "A database port is reachable from the internet", 9.0,
          "Some internet address reaches a common database port (" + ", ".join(str(p) for p in DATABASE_PORTS)
          + ") of an interface, forward and back. Databases belong in private subnets, admitting their clients' "
          "security groups only.", "security"),
    _rule("VPC004", "nacl-rule-shadowed", Level.WARNING, "A network ACL rule can never match", 4.0,
          "Every packet the rule describes is matched first by rules with lower numbers, so the rule has no "
          "effect. Renumber it, or remove it.", "correctness"),
    _rule("VPC005", "nacl-missing-ephemeral-range", Level.WARNING,
          "A network ACL drops the replies of traffic its subnets initiate or serve", 5.0,
          "NACLs are stateless: a reply must be admitted explicitly on the client's ephemeral ports "
          "(Linux 32768-60999, Windows 49152-65535, NAT gateways and ELB 1024-65535). Admit tcp 1024-65535 from "
          "the peers, in the direction opposite to the rule that admits the request.", "correctness"),
    _rule("VPC006", "route-to-blackhole", Level.WARNING, "A route drops what it matches", 4.0,
          "A blackhole route (or a route over a peering that is not active) still wins the longest prefix "
          "match and drops the packets: remove it, or point it at a live target.", "correctness"),
    _rule("VPC007", "public-subnet-without-igw-route", Level.WARNING,
          "A subnet named public has no route to an internet gateway", 3.0,
          "A subnet is public only when its route table sends traffic to an internet gateway.", "correctness"),
    _rule("VPC008", "nat-gateway-in-private-subnet", Level.WARNING,
          "A public NAT gateway sits in a subnet with no default route to an internet gateway", 3.0,
          "A public NAT gateway forwards to the internet through its own subnet's route table, which needs "
          "0.0.0.0/0 -> internet gateway.", "correctness"),
    _rule("VPC009", "unused-security-group", Level.NOTE, "A security group is attached to no interface", 2.0,
          "Nothing carries the group; a rule referencing it admits nobody. Remove it, or attach it.", "hygiene"),
    _rule("VPC010", "unused-network-acl", Level.NOTE, "A network ACL is associated with no subnet", 2.0,
          "No subnet uses the NACL (explicitly or as its VPC's default).", "hygiene"),
    _rule("VPC011", "single-az-tier", Level.NOTE, "A tier lives in a single availability zone", 3.0,
          "All subnets of a tier (subnets named alike but for an AZ suffix, or tagged tier:) or all instances "
          "tagged with one tier sit in one AZ while the VPC spans several: an AZ outage takes the tier down.",
          "reliability"),
    _rule("VPC012", "public-ip-without-igw-route", Level.WARNING,
          "An interface has a public IP but its subnet cannot reach an internet gateway", 3.0,
          "A public or Elastic IP works only through a route to an internet gateway in the subnet's route table "
          "(AWS: instances in a private subnet cannot use the IGW even with public IPs).", "correctness"),
    _rule("VPC013", "cross-az-nat-gateway", Level.NOTE,
          "A subnet reaches the internet through a NAT gateway in another availability zone", 3.0,
          "When that AZ fails, the subnet loses its way out too (and cross-AZ traffic is billed). Run one NAT "
          "gateway per AZ and route each AZ's private subnets to their own.", "reliability"),
    _rule("VPC014", "aws-service-through-nat-gateway", Level.NOTE,
          "A subnet reaches S3 or DynamoDB through a NAT gateway", 2.0,
          "Its route table sends the service's prefix list to a NAT gateway, which bills every byte it "
          "processes, instead of a gateway VPC endpoint (free, and the traffic stays off the internet). "
          "Associate the table with the VPC's gateway endpoint for the service.", "cost"),
    _rule("VPC015", "unused-gateway-endpoint", Level.NOTE,
          "A gateway VPC endpoint is associated with no route table", 2.0,
          "No route targets the endpoint, so no subnet uses it: associate the route tables of the subnets that "
          "should reach the service privately, or remove it.", "hygiene"),
    _rule("VPC016", "interface-endpoint-closed-to-its-vpc", Level.WARNING,
          "An interface VPC endpoint's security groups do not admit HTTPS from its VPC", 3.0,
          "Clients reach an interface endpoint on tcp 443 through its network interfaces, whose security groups "
          "must admit them: add an ingress rule for 443 from the VPC's CIDR (or the clients' groups).",
          "correctness"),
    _rule("VPC017", "nacl-blocks-path-mtu-discovery", Level.NOTE,
          "A network ACL drops ICMP 'fragmentation needed' (type 3, code 4)", 4.0,
          "Path MTU discovery needs ICMP type 3 code 4 to come back: inside a VPC the MTU is 9001 bytes, beyond "
          "it (internet, peering across regions, VPN) 1500, so when the NACL drops the message, connections that "
          "send large packets hang. Admit icmp type 3 code 4 inbound from the peers beyond the VPC "
          "(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/network_mtu.html).", "correctness"),
    _rule("VPC018", "lb-target-open-beyond-load-balancer", Level.WARNING,
          "A load balancer's target admits its traffic port from more than the load balancer", 5.0,
          "The target's security groups admit the port the load balancer forwards to from addresses or groups "
          "other than the load balancer's own group, so clients can bypass the load balancer (and its TLS, WAF and "
          "health checks). Admit the port from the load balancer's security group only "
          "(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-update-security-groups.html).",
          "security"),
    _rule("VPC019", "lb-listener-without-healthy-target", Level.ERROR,
          "A load balancer listener has no healthy target", 7.0,
          "Every target the listener forwards to fails its health check (or none is registered), so the load "
          "balancer answers with errors or drops the connection. Open the health-check port to the load balancer "
          "(security groups and the targets' network ACLs, both ways) or register targets.", "correctness"),
    _rule("VPC020", "internal-lb-in-public-subnet", Level.WARNING,
          "An internal load balancer has a node in a subnet with a route to an internet gateway", 3.0,
          "An internal load balancer's nodes have private addresses only, so the internet route is unused by it; "
          "a subnet meant for internal load balancers usually is not public. Check the scheme (internal vs "
          "internet-facing) and the subnets (https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/"
          "how-elastic-load-balancing-works.html#load-balancer-scheme).", "correctness"),
    _rule("VPC021", "lb-zone-without-targets", Level.WARNING,
          "A load balancer node's zone has no target it may forward to", 6.0,
          "With cross-zone load balancing off (a Network Load Balancer's default), a node forwards only to "
          "targets in its own availability zone; with none there, ELB takes the node out of DNS and clients "
          "pinned to its address fail. Register targets in every enabled zone (an Auto Scaling group's subnets) "
          "or turn cross-zone load balancing on "
          "(https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-cross-zone.html).",
          "reliability"),
    _rule("VPC022", "lb-target-unhealthy", Level.WARNING,
          "A registered target fails its load balancer's health check", 5.0,
          "The path from a load balancer node to the target's health-check port, or its reply, is blocked (a "
          "security group, or a network ACL that misses the load balancer's ports 1024-65535), so the target gets "
          "no traffic.", "correctness"),
    _rule("VPC023", "tgw-attachment-nacl-blocks-vpc", Level.WARNING,
          "A transit gateway attachment subnet's network ACL filters its own VPC's traffic", 4.0,
          "Everything the VPC sends to or receives from the transit gateway crosses the attachment subnet's "
          "NACL (inbound on the way to the gateway, outbound on the way back), so a rule there drops traffic "
          "of every subnet using the attachment. Leave the attachment subnets' NACLs open and filter in the "
          "instances' subnets (https://docs.aws.amazon.com/vpc/latest/tgw/tgw-nacls.html).", "correctness"),
    _rule("VPC024", "tgw-one-way-propagation", Level.WARNING,
          "A transit gateway propagation is missing in one direction", 5.0,
          "One attachment's table learns the other's routes, but not the other way round: requests get "
          "there and replies find no route back. Propagate both attachments into each other's associated "
          "table (or add the static route back).", "correctness"),
    _rule("VPC025", "tgw-overlapping-propagations", Level.WARNING,
          "Overlapping CIDRs are propagated into one transit gateway route table", 4.0,
          "Two attachments propagate overlapping prefixes into the same table: the longer prefix (or route "
          "priority) wins, so part of one side's addresses is routed to the other. Give the networks disjoint "
          "CIDRs, or separate route tables.", "correctness"),
    # IPv6 (VPC030-VPC039): every IPv6 address is global, so what NAT hid on IPv4 is open on IPv6.
    _rule("VPC030", "ipv6-route-to-igw-from-private-subnet", Level.WARNING,
          "A subnet private on IPv4 routes IPv6 to an internet gateway", 7.0,
          "The subnet reaches the internet on IPv4 only through a NAT gateway (or not at all), but its route "
          "table sends IPv6 to an internet gateway, which carries IPv6 both ways and translates nothing: its "
          "instances' IPv6 addresses are reachable from the internet as far as their security groups and NACL "
          "let them. Route ::/0 to an egress-only internet gateway instead "
          "(https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html).", "security"),
    _rule("VPC031", "egress-only-gateway-unused", Level.WARNING,
          "An egress-only internet gateway is not what the VPC's private IPv6 subnets use", 4.0,
          "The VPC has an egress-only internet gateway, but a subnet that is private on IPv4 and has an IPv6 "
          "block does not route ::/0 to it (or no route uses the gateway at all): give the private subnets' "
          "route tables ::/0 -> the egress-only gateway.", "security"),
    _rule("VPC032", "nacl-ipv4-only-on-dual-stack-subnet", Level.WARNING,
          "A network ACL with IPv4 rules only guards a subnet with IPv6", 4.0,
          "A NACL's IPv4 and IPv6 rules are separate lists, each ending in its own '*' deny: with no IPv6 rule "
          "in a direction, every IPv6 packet of the subnet is denied that way. Add the IPv6 rules (AWS adds rule "
          "101 for ::/0 only to the default NACL: "
          "https://docs.aws.amazon.com/vpc/latest/userguide/default-network-acl.html).", "correctness"),
    _rule("VPC033", "nacl-blocks-ipv6-path-mtu-discovery", Level.WARNING,
          "A network ACL drops ICMPv6 'packet too big' (type 2) on a subnet with an IPv6 way out", 5.0,
          "IPv6 routers never fragment: a packet larger than a link's MTU is dropped and answered with ICMPv6 "
          "type 2 'packet too big', so path MTU discovery is mandatory on IPv6 (RFC 8201). Beyond the VPC the "
          "MTU is 1500 (internet gateway, VPN), inside it 9001: when the NACL drops the message, connections "
          "that send large packets hang. Admit icmpv6 type 2 inbound from ::/0 (" + PMTUD_DOC + "). Neighbour "
          "discovery (types 133-137) needs no rule: NACLs do not filter the VPC router's traffic.", "correctness"),
    # Dual-stack load balancers (VPC036-VPC038); VPC032 covers their subnets' NACLs.
    _rule("VPC036", "lb-ipv6-targets-admit-nodes-by-ipv4-only", Level.WARNING,
          "An ipv6 target group's targets admit the load balancer's nodes by IPv4 only", 6.0,
          "The load balancer speaks the target group's family to its targets: an ipv6 group's targets and "
          "their health checks come from the nodes' IPv6 addresses. The targets' security groups admit the "
          "nodes' IPv4 addresses on the port, not their IPv6 ones, so every health check fails. Admit the "
          "load balancer's security group (a reference admits both families) or its subnets' IPv6 blocks "
          "(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
          "load-balancer-target-groups.html#target-group-ip-address-type).", "correctness"),
    _rule("VPC037", "dual-stack-lb-subnet-without-ipv6-route", Level.WARNING,
          "An internet-facing dual-stack load balancer has a node in a subnet with no IPv6 route to an internet "
          "gateway", 5.0,
          "The load balancer's DNS name gives IPv6 clients the node's IPv6 address (an AAAA record), but the "
          "subnet's route table sends no IPv6 destination to the internet gateway, so the node's replies to the "
          "IPv6 internet find no route. AWS requires the subnets of a dual-stack load balancer to route IPv6: add "
          "::/0 -> the internet gateway (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
          "load-balancer-ip-address-type.html).", "correctness"),
    _rule("VPC038", "dual-stack-lb-groups-admit-ipv4-only", Level.WARNING,
          "A dual-stack load balancer's security groups admit its listener ports over IPv4 only", 4.0,
          "The load balancer is dual-stack, but no rule of its security groups admits a listener port from an "
          "IPv6 source (an IPv6 CIDR, a prefix list with IPv6 entries, or for an internal one a group "
          "reference): its IPv6 address answers nobody. AWS requires the security groups of a dual-stack load "
          "balancer to allow IPv6 (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
          "load-balancer-ip-address-type.html).", "correctness"),
)
RULES_BY_ID = {rule.id: rule for rule in RULES}
# The validator's own warning for what VPC008 reports with more context.
DUPLICATE_CODES = frozenset({"nat-without-igw-route"})


def _validation_rule(code: str, severity: Severity) -> LintRule:
    level = Level.ERROR if severity is Severity.ERROR else Level.WARNING
    return LintRule(
        id=f"aws/{code}",
        name=code,
        level=level,
        summary=f"Design validation: {code}",
        security_severity=6.0 if level is Level.ERROR else 3.0,
        help="Reported while loading the design (AWS's rules and the format's): see `vpcsim validate`.",
        tags=("vpcsim", "validation"),
    )


def _diagnostic_findings(diagnostics: Iterable[Diagnostic]) -> list[Finding]:
    out = []
    for d in diagnostics:
        if d.code in DUPLICATE_CODES:
            continue
        rule = _validation_rule(d.code, d.severity)
        out.append(Finding(rule, rule.level, d.message, d.location, f"{d.code}:{d.location}"))
    return out


def lint_path(path: str | os.PathLike[str], *, select: Sequence[str] = (), ignore: Sequence[str] = (),
              fail_on: Level | None = Level.WARNING, tf_dir: str | os.PathLike[str] | None = None) -> LintReport:
    """Load a design and lint it; an invalid design gives a report with `invalid` set and its diagnostics.

    `tf_dir`: for a Terraform plan or state, the folder of its `.tf` sources (default: beside it).
    """
    import vpcsim.components  # noqa: F401  (registers the design sections component modules add)
    from vpcsim.compile import CompiledNetwork
    from vpcsim.loader.design import load_design

    path = os.fspath(path)
    try:
        network = CompiledNetwork(*load_design(path, tf_dir=tf_dir))
    except DesignError as exc:
        findings = _diagnostic_findings(exc.diagnostics)
        rules = tuple({f.rule.id: f.rule for f in findings}.values())
        return LintReport(path, tuple(findings), rules, fail_on, invalid=True)
    return lint(network, select=select, ignore=ignore, fail_on=fail_on)


def lint(network: CompiledNetwork, *, select: Sequence[str] = (), ignore: Sequence[str] = (),
         fail_on: Level | None = Level.WARNING) -> LintReport:
    """Run every lint rule (or those selected, less those ignored) on a compiled network.

    UsageError when a pattern names no rule: `select=["NOPE999"]` would run nothing and pass.
    """
    known_rules("select", select)
    known_rules("ignore", ignore)
    selected = [r for r in RULES if (not select or _matches(r.id, select)) and not _matches(r.id, ignore)]
    linter = _Linter(network)
    findings: list[Finding] = []
    if not select or any(s.startswith("aws") for s in select):
        findings += [f for f in _diagnostic_findings(network.warnings) if not _matches(f.rule.id, ignore)]
    for rule in selected:
        findings += linter.run(rule)
    kept, suppressed = _suppress(findings)
    kept.sort(key=lambda f: (f.location.file, f.location.line, f.location.col, f.rule.id) if f.location
              else ("", 0, 0, f.rule.id))
    rules = tuple(selected) + tuple({f.rule.id: f.rule for f in kept if f.rule.id.startswith("aws/")}.values())
    return LintReport(network.design.file, tuple(kept), rules, fail_on, suppressed=suppressed)


def known_rules(option: str, patterns: Sequence[str]) -> None:
    """Every pattern must name a rule (an id, a prefix such as VPC0*, or aws / aws/CODE)."""
    ids = [rule.id for rule in RULES]
    for pattern in patterns:
        if pattern == "aws" or pattern.startswith("aws/"):
            continue  # AWS validation codes: open-ended
        if pattern.endswith("*") and any(i.startswith(pattern[:-1]) for i in ids):
            continue
        if pattern not in ids:
            raise UsageError(f"{option}: no lint rule {short(pattern)} (expected a rule id such as {ids[0]}, a "
                             "prefix such as VPC0*, or aws; see docs/lint.md)")


def _matches(rule_id: str, patterns: Sequence[str]) -> bool:
    return any(rule_id == p or (p.endswith("*") and rule_id.startswith(p[:-1])) or
               (p == "aws" and rule_id.startswith("aws/")) for p in patterns)


def _suppress(findings: list[Finding]) -> tuple[list[Finding], int]:
    lines: dict[str, list[str]] = {}
    kept = []
    dropped = 0
    for finding in findings:
        loc = finding.location
        if loc is not None and loc.line > 0 and not loc.file.startswith("<"):
            if loc.file not in lines:
                try:
                    data = read_regular(loc.file, MAX_BYTES)  # never a FIFO, a device or a huge file
                    lines[loc.file] = data.decode("utf-8", errors="replace").splitlines()
                except (OSError, UnreadableFile, FileTooLarge):
                    lines[loc.file] = []
            source = lines[loc.file]
            candidates = [source[loc.line - 1]] if loc.line <= len(source) else []
            # An object's location is its body's first line; its `name:` key is on the line above.
            if 2 <= loc.line <= len(source) + 1 and source[loc.line - 2].split("#", 1)[0].rstrip().endswith(":"):
                candidates.append(source[loc.line - 2])
            if any(_ignores(line, finding.rule.id) for line in candidates):
                dropped += 1
                continue
        kept.append(finding)
    return kept, dropped


def _ignores(line: str, rule_id: str) -> bool:
    match = IGNORE_RE.search(line)
    return match is not None and (match.group(1) is None or rule_id in {p.strip() for p in match.group(1).split(",")})


class _Linter:
    def __init__(self, net: CompiledNetwork) -> None:
        self.net = net
        self.d = net.design
        self.checks: dict[str, Callable[[LintRule], list[Finding]]] = {
            "VPC001": lambda r: self.open_to_world(r, 22, "SSH"),
            "VPC002": lambda r: self.open_to_world(r, 3389, "RDP"),
            "VPC003": self.database_exposed,
            "VPC004": self.nacl_shadowed,
            "VPC005": self.nacl_ephemeral,
            "VPC006": self.blackhole_routes,
            "VPC007": self.public_subnet_without_igw,
            "VPC008": self.nat_in_private_subnet,
            "VPC009": self.unused_groups,
            "VPC010": self.unused_nacls,
            "VPC011": self.single_az_tiers,
            "VPC012": self.public_ip_without_igw,
            "VPC013": self.cross_az_nat,
            "VPC014": self.service_through_nat,
            "VPC015": self.unused_endpoints,
            "VPC016": self.closed_interface_endpoints,
            "VPC017": self.path_mtu_discovery,
            "VPC018": self.lb_targets_open,
            "VPC019": lambda r: self.lb_traced(r, "listener"),
            "VPC020": self.internal_lb_public,
            "VPC021": lambda r: self.lb_traced(r, "zone"),
            "VPC022": lambda r: self.lb_traced(r, "target"),
            "VPC023": self.tgw_attachment_nacls,
            "VPC024": self.tgw_one_way,
            "VPC025": self.tgw_overlaps,
            "VPC030": self.ipv6_route_to_igw,
            "VPC031": self.egress_only_unused,
            "VPC032": self.nacl_ipv4_only,
            "VPC033": lambda r: self.path_mtu_discovery(r, six=True),
            "VPC036": self.lb_ipv6_targets_by_ipv4,
            "VPC037": self.lb_subnet_without_ipv6_route,
            "VPC038": self.lb_groups_ipv4_only,
        }

    def run(self, rule: LintRule) -> list[Finding]:
        return self.checks[rule.id](rule)

    @staticmethod
    def finding(rule: LintRule, message: str, location: Location | None, subject: str,
                related: Iterable[tuple[str, Location]] = ()) -> Finding:
        return Finding(rule, rule.level, message, location, subject, tuple(related))

    # -- helpers -------------------------------------------------------------------------------

    def reaches_igw(self, subnet: Subnet, *, everything: bool = False) -> bool:
        """Whether the subnet's table has a live route to its VPC's IGW (covering 0.0.0.0/0 if `everything`)."""
        table = self.d.route_tables.get(subnet.route_table)
        if table is None:
            return False
        dests: list[Cidr] = []
        for route in table.routes:
            if route.target_kind is not TargetKind.INTERNET_GATEWAY or route.blackhole:
                continue
            igw = self.d.internet_gateways.get(route.target or "")
            if igw is None or igw.vpc != subnet.vpc:
                continue
            if route.destination is not None:
                dests.append(route.destination)
            elif route.prefix_list is not None and route.prefix_list in self.d.prefix_lists:
                dests += self.d.prefix_lists[route.prefix_list].entries
        if not everything:
            return bool(dests)
        return Cidr.covers_space(dests)

    def used_nacls(self) -> set[str]:
        return {s.network_acl for s in self.d.subnets.values()}

    # -- VPC001/VPC002 -------------------------------------------------------------------------

    def open_to_world(self, rule: LintRule, port: int, label: str) -> list[Finding]:
        out = []
        for group in self.d.security_groups.values():
            for sg_rule in group.ingress:
                if sg_rule.protocol not in (-1, 6) or not sg_rule.port_lo <= port <= sg_rule.port_hi:
                    continue
                world = False
                if sg_rule.peer_kind is PeerKind.CIDR and sg_rule.cidr is not None:
                    world = sg_rule.cidr.length == 0
                elif sg_rule.peer_kind is PeerKind.PREFIX_LIST and sg_rule.peer is not None:
                    plist = self.d.prefix_lists.get(sg_rule.peer)
                    world = plist is not None and any(c.length == 0 for c in plist.entries)
                if not world:
                    continue
                carriers = [e.instance or e.name for e in self.d.interfaces.values() if group.name in e.security_groups]
                on = f" (carried by {', '.join(carriers[:5])}{', ...' if len(carriers) > 5 else ''})" if carriers else ""
                what = "all traffic" if sg_rule.protocol == -1 else (
                    f"tcp {sg_rule.port_lo}" if sg_rule.port_lo == sg_rule.port_hi
                    else f"tcp {sg_rule.port_lo}-{sg_rule.port_hi}")
                # Name the rule's range only when it says more than the port ("(tcp 22)" twice read badly).
                wider = "" if what == f"tcp {port}" else f" (rule: {what})"
                out.append(self.finding(
                    rule,
                    f"security group {group.name} admits {label} (tcp {port}) from {sg_rule.describe_peer()}{wider}{on}",
                    sg_rule.loc, f"{group.name}:ingress:{what}:{sg_rule.describe_peer()}"))
        return out

    # -- VPC003 --------------------------------------------------------------------------------

    def database_exposed(self, rule: LintRule) -> list[Finding]:
        # The exposure analysis says what the internet reaches (the same answer `vpcsim exposure`
        # gives); check.Engine only explains one flow of it with the rule that lets it through.
        from vpcsim.analyse import exposure
        from vpcsim.check import Engine, internet_atom
        from vpcsim.traffic import Traffic, TrafficKind

        report = exposure(self.net)
        wanted = Traffic.of(TrafficKind.TCP, [(p, p) for p in DATABASE_PORTS])
        engine: Engine | None = None
        out = []
        for eni, row in zip(self.d.interfaces.values(), report.interfaces, strict=True):
            if eni.public_ip is None:
                continue  # the internet can address only public IPs
            for cls, reached in zip(report.internet_classes, row.by_class, strict=True):
                got = reached & wanted
                if not got:
                    continue
                first = got.first()
                assert first is not None
                engine = engine or Engine(self.net)
                src, dst = internet_atom(cls.representative), engine.eni_atom(eni)
                ce = engine.counterexample(src, dst, first[0], first[1])
                ports = ", ".join(f"{lo} ({DATABASE_PORTS[lo]})" for lo, _ in got.tcp)
                why = f"; allowed by {ce.rule}" if ce.rule else ""
                out.append(self.finding(
                    rule,
                    f"{dst.label} ({int_to_ip(eni.public_ip)}) is reachable from the internet ({src.label}) "
                    f"on tcp {ports}{why}",
                    ce.location or eni.loc, dst.label,
                    [(f"interface {eni.name}", eni.loc), *ce.related]))
                break
        return out

    # -- VPC004 --------------------------------------------------------------------------------

    def nacl_shadowed(self, rule: LintRule) -> list[Finding]:
        out = []
        for acl in self.d.network_acls.values():
            if acl.implicit:
                continue
            compiled = self.net.nacl(acl.name)
            for direction, table, ordered in (("inbound", compiled.inbound, compiled.inbound_rules),
                                              ("outbound", compiled.outbound, compiled.outbound_rules)):
                for index, nacl_rule in enumerate(ordered):
                    if nacl_rule is None:
                        continue
                    shadows = self._shadowed_by(table, ordered, index, nacl_rule)
                    if shadows is None:
                        continue
                    earlier = [r for r in (ordered[i] for i in sorted(shadows)) if r is not None]
                    same = all(r.allow == nacl_rule.allow for r in earlier)
                    numbers = ", ".join(str(r.number) for r in earlier)
                    verb = "allow" if nacl_rule.allow else "deny"
                    effect = ("it is redundant" if same else
                              f"they {'deny' if nacl_rule.allow else 'allow'} what it would {verb}")
                    out.append(self.finding(
                        rule,
                        f"network ACL {acl.name} {direction} rule {nacl_rule.number} ({verb}) can never match: "
                        f"rule{'s' if len(earlier) > 1 else ''} {numbers} match everything it describes first, so "
                        f"{effect}",
                        nacl_rule.loc, f"{acl.name}:{direction}:{nacl_rule.number}",
                        [(f"rule {r.number}", r.loc) for r in earlier]))
        return out

    @staticmethod
    def _shadowed_by(table: Any, ordered: Sequence[NaclRule | None], index: int, rule: NaclRule) -> set[int] | None:
        """The earlier rules that take every packet `rule` describes, or None if some packet reaches it."""
        named = sorted({r.protocol for r in ordered if r is not None and r.protocol != -1
                        and r.protocol not in PORTED_PROTOS})
        if rule.protocol == -1:
            unnamed = next(p for p in range(256) if p not in PORTED_PROTOS and p not in named)
            protos = [*sorted(PORTED_PROTOS), *named, unnamed]
        else:
            protos = [rule.protocol]
        cuts = {rule.cidr.first}
        for other in ordered[:index]:
            if other is None:
                continue
            for bound in (other.cidr.first, other.cidr.last + 1):
                if rule.cidr.first < bound <= rule.cidr.last:
                    cuts.add(bound)
        winners: set[int] = set()
        for proto in protos:
            lo, hi = (rule.port_lo, rule.port_hi) if proto in PORTED_PROTOS and rule.protocol != -1 else (0, 65535)
            if proto not in PORTED_PROTOS:
                lo, hi = 0, 0
            for addr in sorted(cuts):
                for _, _, winner in table.first_match_ports(addr, proto, lo, hi):
                    if winner == index:
                        return None
                    winners.add(winner)
        return winners

    # -- VPC005 --------------------------------------------------------------------------------

    def nacl_ephemeral(self, rule: LintRule) -> list[Finding]:
        out = []
        used = self.used_nacls()
        eph_lo, eph_hi = LINUX_EPHEMERAL
        for acl in self.d.network_acls.values():
            if acl.name not in used:
                continue
            subnets = [s.name for s in self.d.subnets.values() if s.network_acl == acl.name]
            # Each family's rules are a list of their own (with their own '*'): judged apart.
            four = self.net.nacl(acl.name)
            families = [(IPV4_BITS, four)] + ([(IPV6_BITS, four.six)] if four.six is not None else [])
            for (bits, compiled), (request_dir, reply_dir) in itertools.product(
                    families, (("inbound", "outbound"), ("outbound", "inbound"))):
                requests = tuple(r for r in (acl.inbound if request_dir == "inbound" else acl.outbound)
                                 if r.cidr.bits == bits)
                reply_table = compiled.outbound if reply_dir == "outbound" else compiled.inbound
                reply_rules = compiled.outbound_rules if reply_dir == "outbound" else compiled.inbound_rules
                reply_model = tuple(r for r in (acl.outbound if reply_dir == "outbound" else acl.inbound)
                                    if r.cidr.bits == bits)
                for proto in (6, 17):
                    gaps = self._reply_gaps(acl, requests, proto, reply_table, reply_rules, reply_model)
                    if not gaps:
                        continue
                    request, peer, admitted = gaps[0]
                    verb = "serve" if request_dir == "inbound" else "initiate"
                    label = {6: "tcp", 17: "udp"}[proto]
                    got = ",".join(f"{lo}-{hi}" if lo != hi else str(lo) for lo, hi in admitted) or "none"
                    rules_text = ", ".join(str(r.number) for r, _, _ in gaps)
                    out.append(self.finding(
                        rule,
                        f"network ACL {acl.name} (subnet{'s' if len(subnets) > 1 else ''} {', '.join(subnets)}): "
                        f"its subnets {verb} {label} traffic ({request_dir} rule{'s' if len(gaps) > 1 else ''} "
                        f"{rules_text}, e.g. {request.cidr}), but {reply_dir} rules admit the replies to the "
                        f"clients' ephemeral ports {eph_lo}-{eph_hi} {'to' if reply_dir == 'outbound' else 'from'} "
                        f"{peer} on {got} of them; add an {reply_dir} rule allowing {label} 1024-65535",
                        acl.loc, f"{acl.name}:{reply_dir}:{label}" + (":ipv6" if bits == IPV6_BITS else ""),
                        [(f"{request_dir} rule {r.number}", r.loc) for r, _, _ in gaps]))
        return out

    def _reply_gaps(self, acl: NetworkAcl, requests: tuple[NaclRule, ...], proto: int, reply_table: Any,
                    reply_rules: tuple[NaclRule | None, ...], reply_model: tuple[NaclRule, ...],
                    ) -> list[tuple[NaclRule, str, list[tuple[int, int]]]]:
        """Request rules whose replies the other direction does not fully admit on the ephemeral range."""
        eph_lo, eph_hi = LINUX_EPHEMERAL
        gaps = []
        for request in sorted(requests, key=lambda r: r.number):
            if not request.allow:
                continue
            if request.protocol == -1:
                if proto != 6:
                    continue  # an all-traffic rule: judge its TCP (UDP replies are often not expected)
            elif request.protocol != proto:
                continue
            elif request.port_lo <= eph_lo and eph_hi <= request.port_hi:
                continue  # a rule for the replies of the other direction, not for requests
            cuts = {request.cidr.first}
            for other in reply_model:
                for bound in (other.cidr.first, other.cidr.last + 1):
                    if request.cidr.first < bound <= request.cidr.last:
                        cuts.add(bound)
            for addr in sorted(cuts):
                admitted = [(lo, hi) for lo, hi, i in reply_table.first_match_ports(addr, proto, eph_lo, eph_hi)
                            if reply_rules[i] is not None and reply_rules[i].allow]
                if admitted != [(eph_lo, eph_hi)]:
                    gaps.append((request, str(request.cidr) if addr == request.cidr.first else int_to_ip(addr),
                                 admitted))
                    break
        return gaps

    # -- VPC006 --------------------------------------------------------------------------------

    def blackhole_routes(self, rule: LintRule) -> list[Finding]:
        out = []
        for table in self.d.route_tables.values():
            for route in table.routes:
                problem = self._dead_route(route)
                if problem:
                    users = [s.name for s in self.d.subnets.values() if s.route_table == table.name]
                    used = f" (used by {', '.join(users)})" if users else ""
                    out.append(self.finding(
                        rule, f"route table {table.name}{used}: route {route.describe_destination()} {problem}",
                        route.loc, f"{table.name}:{route.describe_destination()}"))
        return out

    def _dead_route(self, route: Route) -> str | None:
        if route.target_kind is TargetKind.BLACKHOLE:
            return "is a blackhole: it drops every packet it matches"
        if route.blackhole:
            return f"to {route.describe_target()} is in state blackhole: it drops every packet it matches"
        if route.target_kind is TargetKind.PEERING:
            peering = self.d.peerings.get(route.target or "")
            if peering is not None and not peering.active:
                return (f"goes over peering {peering.name}, which is {peering.status}, not active: it drops "
                        "every packet it matches")
        return None

    # -- VPC007/VPC008/VPC012 --------------------------------------------------------------------

    def public_subnet_without_igw(self, rule: LintRule) -> list[Finding]:
        out = []
        for subnet in self.d.subnets.values():
            named_public = PUBLIC_WORD.search(subnet.name) or any(PUBLIC_WORD.search(v) for v in subnet.tags.values())
            if named_public and not self.reaches_igw(subnet):
                out.append(self.finding(
                    rule,
                    f"subnet {subnet.name} is named public, but its route table {subnet.route_table} has no route "
                    "to an internet gateway, so nothing in it is reachable from or can reach the internet",
                    subnet.loc, subnet.name))
        return out

    def nat_in_private_subnet(self, rule: LintRule) -> list[Finding]:
        out = []
        for nat in self.d.nat_gateways.values():
            subnet = self.d.subnets.get(nat.subnet)
            if not nat.public or subnet is None or self.reaches_igw(subnet, everything=True):
                continue
            out.append(self.finding(
                rule,
                f"public NAT gateway {nat.name} is in subnet {subnet.name}, whose route table "
                f"{subnet.route_table} has no route for 0.0.0.0/0 to an internet gateway: what it translates "
                "cannot reach the internet (put it in a public subnet, or make it connectivity: private)",
                nat.loc, nat.name))
        return out

    def via_appliance_to_igw(self, subnet: Subnet) -> bool:
        """Whether the subnet's default way out is an appliance (or a Gateway Load Balancer endpoint)
        whose own subnet reaches an IGW (inspection: the IGW still maps the sender's public IP)."""
        from vpcsim.compile import RouteEntry
        from vpcsim.components import base

        table = self.d.route_tables.get(subnet.route_table)
        for route in table.routes if table else ():
            kinds = (TargetKind.INTERFACE, TargetKind.INSTANCE, TargetKind.COMPONENT)
            if route.target_kind not in kinds or route.blackhole:
                continue
            if route.destination is None or route.destination.length != 0:
                continue
            name = route.target or ""
            instance = self.d.instances.get(name)
            eni = self.d.interfaces.get(instance.interfaces[0] if instance and instance.interfaces else name)
            component = base.for_route(route) if route.target_kind is TargetKind.COMPONENT else None
            # The subnet a component target lives in (a Gateway Load Balancer endpoint's).
            beyond = component.next_subnet(self.net, RouteEntry(route.destination, route, subnet.vpc)) \
                if component is not None else None
            home = self.d.subnets.get(beyond or (eni.subnet if eni is not None else ""))
            if home is not None and home.name != subnet.name and self.reaches_igw(home):
                return True
        return False

    def public_ip_without_igw(self, rule: LintRule) -> list[Finding]:
        out = []
        for eni in self.d.interfaces.values():
            subnet = self.d.subnets.get(eni.subnet)
            if eni.public_ip is None or subnet is None or self.reaches_igw(subnet) or self.via_appliance_to_igw(subnet):
                continue
            out.append(self.finding(
                rule,
                f"{self._eni_label(eni)} has public IP {int_to_ip(eni.public_ip)}, but subnet {subnet.name}'s route "
                f"table {subnet.route_table} has no route to an internet gateway: the address is unusable",
                eni.loc, eni.name))
        return out

    def cross_az_nat(self, rule: LintRule) -> list[Finding]:
        out = []
        for subnet in self.d.subnets.values():
            table = self.d.route_tables.get(subnet.route_table)
            for route in table.routes if table else ():
                nat = self.d.nat_gateways.get(route.target or "") if route.target_kind is TargetKind.NAT_GATEWAY else None
                nat_subnet = self.d.subnets.get(nat.subnet) if nat else None
                if nat is None or nat_subnet is None or nat_subnet.az == subnet.az or route.blackhole:
                    continue
                out.append(self.finding(
                    rule,
                    f"subnet {subnet.name} ({subnet.az}) sends {route.describe_destination()} to NAT gateway "
                    f"{nat.name} in {nat_subnet.az} (route table {table.name if table else '?'})",
                    route.loc, f"{subnet.name}:{nat.name}", [(f"NAT gateway {nat.name}", nat.loc)]))
        return out

    def service_through_nat(self, rule: LintRule) -> list[Finding]:
        from vpcsim.components import vpc_endpoint

        out = []
        for service, (plist, spans) in vpc_endpoint.gateway_services(self.net).items():
            probe = spans[0][0]
            for subnet in self.d.subnets.values():
                entry = self.net.routes(subnet.route_table).lookup(probe)
                route = entry.route if entry is not None else None
                nat = self.d.nat_gateways.get(route.target or "") if route is not None else None
                if route is None or nat is None or route.target_kind is not TargetKind.NAT_GATEWAY or route.blackhole:
                    continue
                out.append(self.finding(
                    rule,
                    f"subnet {subnet.name} sends {service} traffic (prefix list {plist}) to NAT gateway {nat.name} "
                    f"by its route {route.describe_destination()} (route table {subnet.route_table}): no gateway "
                    f"endpoint route for {service}",
                    route.loc, f"{subnet.name}:{service}", [(f"NAT gateway {nat.name}", nat.loc)]))
        return out

    def unused_endpoints(self, rule: LintRule) -> list[Finding]:
        from vpcsim.components import vpc_endpoint

        used = {route.target for table in self.d.route_tables.values() for route in table.routes
                if route.target_section == vpc_endpoint.ROUTE_KEY}
        return [self.finding(rule, f"gateway endpoint {ep.name} ({ep.service}) is the target of no route", ep.loc,
                             ep.name)
                for ep in vpc_endpoint.endpoints(self.d).values() if ep.kind == "gateway" and ep.name not in used]

    def lb_targets_open(self, rule: LintRule) -> list[Finding]:
        from vpcsim.components import load_balancer

        idx = load_balancer.index(self.net)
        out = []
        for lb in idx.balancers.values():
            if not lb.security_groups:
                continue  # an NLB without groups: its targets must admit the clients themselves
            for listener in lb.listeners:
                for group in listener.target_groups:
                    for target in idx.targets.get(group, ()):
                        if target.eni is None:
                            continue
                        for sg_name in target.eni.security_groups:
                            sg = self.d.security_groups.get(sg_name)
                            for r in sg.ingress if sg is not None else ():
                                if not (r.protocol in (-1, 6) and r.port_lo <= target.port <= r.port_hi):
                                    continue
                                if r.peer_kind is PeerKind.SECURITY_GROUP and r.peer in lb.security_groups:
                                    continue
                                peer = str(r.cidr) if r.cidr is not None else f"{r.peer_kind.value} {r.peer}"
                                out.append(self.finding(
                                    rule, f"target {target.name} of load balancer {lb.name} ({group}, port "
                                    f"{target.port}): security group {sg_name} admits the port from {peer}, not only "
                                    f"from the load balancer's groups [{', '.join(lb.security_groups)}]", r.loc,
                                    target.name, [(f"load balancer {lb.name}", lb.loc)]))
        return _unique_findings(out)

    def lb_traced(self, rule: LintRule, what: str) -> list[Finding]:
        """VPC019, VPC021, VPC022: read off each listener's walk from the internet (reach.balanced)."""
        from vpcsim.components import load_balancer
        from vpcsim.reach.balanced import trace_balanced
        from vpcsim.results import Code

        out = []
        for lb in load_balancer.balancers(self.d).values():
            for listener in lb.listeners:
                proto = "udp" if listener.transports == (17,) else "tcp"
                got = trace_balanced(self.net, "internet", lb.name, listener.port, proto)
                for b in got.blocked_by:
                    if what == "listener" and b.code is Code.LB_NO_HEALTHY_TARGET:
                        out.append(self.finding(rule, f"{b.detail} (listener {listener.text()})", listener.loc or lb.loc,
                                                lb.name))
                    elif what == "zone" and b.code is Code.LB_ZONE_WITHOUT_TARGETS:
                        out.append(self.finding(rule, b.detail, lb.loc, b.component))
                    elif what == "target" and b.code is Code.LB_TARGET_UNHEALTHY:
                        out.append(self.finding(rule, b.detail, b.location or lb.loc, b.component,
                                                [(f"load balancer {lb.name}", lb.loc)]))
        return _unique_findings(out)

    def lb_ipv6_targets_by_ipv4(self, rule: LintRule) -> list[Finding]:
        """VPC036: an ipv6 target group's target whose groups admit a node's IPv4 address on the
        traffic or health-check port, but not the node's IPv6 address, which the node uses."""
        from vpcsim.components import load_balancer

        idx = load_balancer.index(self.net)
        out = []
        for lb in idx.balancers.values():
            for group in dict.fromkeys(g for li in lb.listeners for g in li.target_groups):
                tg = idx.groups.get(group)
                if tg is None or tg.ip_address_type != "ipv6":
                    continue
                for target in idx.targets.get(group, ()):
                    if target.eni is None:
                        continue
                    groups = self.net.groups(target.eni.security_groups)
                    missed: dict[int, int] = {}  # the nodes' IPv6 addresses refused -> the port
                    for node in lb.nodes:
                        six = load_balancer.ipv6_of(self.d, lb, node)
                        for port in dict.fromkeys((target.port, tg.health_port or target.port)):
                            if six is not None and groups.family(six).ingress.match(six, 6, port) < 0 and \
                                    groups.ingress.match(load_balancer.private_of(self.d, lb, node), 6, port) >= 0:
                                missed.setdefault(six, port)
                    if not missed:
                        continue
                    ports = ", ".join(str(p) for p in dict.fromkeys(missed.values()))
                    out.append(self.finding(
                        rule, f"target {target.name} of ipv6 target group {group} (load balancer {lb.name}): security "
                        f"groups [{', '.join(target.eni.security_groups)}] admit port {ports} from the nodes' IPv4 "
                        f"addresses, not from their IPv6 addresses {', '.join(int_to_ip(a) for a in missed)}, which "
                        "the nodes connect and health-check from", target.eni.loc, f"{target.name}:{group}",
                        [(f"target group {group}", tg.loc), (f"load balancer {lb.name}", lb.loc)]))
        return _unique_findings(out)

    def lb_subnet_without_ipv6_route(self, rule: LintRule) -> list[Finding]:
        """VPC037: an internet-facing dual-stack load balancer's node in a subnet with no IPv6 route to the IGW."""
        from vpcsim.components import load_balancer

        out = []
        for lb in load_balancer.balancers(self.d).values():
            if not (lb.dualstack and lb.internet_facing):
                continue
            for node in lb.nodes:
                sub = self.d.subnets.get(node.subnet)
                if sub is None or sub.ipv6_cidr is None or self._igw_routes(sub, IPV6_BITS):
                    continue
                out.append(self.finding(
                    rule, f"load balancer {lb.name} is {lb.ip_address_type} and internet-facing, but its node in "
                    f"{sub.name} sits behind route table {sub.route_table}, which sends no IPv6 destination to an "
                    "internet gateway: the IPv6 internet's connections to the node get no reply",
                    node.loc if node.loc.line else lb.loc, f"{lb.name}:{sub.name}",
                    [(f"subnet {sub.name}", sub.loc)]))
        return out

    def lb_groups_ipv4_only(self, rule: LintRule) -> list[Finding]:
        """VPC038: a dual-stack load balancer with groups, none of whose rules admits a listener port over IPv6."""
        from vpcsim.components import load_balancer

        out = []
        for lb in load_balancer.balancers(self.d).values():
            if not lb.dualstack or not lb.security_groups:
                continue
            rules = [r for g in lb.security_groups if g in self.d.security_groups
                     for r in self.d.security_groups[g].ingress]
            for listener in lb.listeners:
                if any(self._admits_ipv6(r, lb.internet_facing, proto, listener.port) for r in rules
                       for proto in listener.transports):
                    continue
                out.append(self.finding(
                    rule, f"load balancer {lb.name} is {lb.ip_address_type}, but no rule of its security groups "
                    f"[{', '.join(lb.security_groups)}] admits listener {listener.text()} from an IPv6 source: its "
                    "nodes' IPv6 addresses answer nobody", listener.loc if listener.loc.line else lb.loc,
                    f"{lb.name}:{listener.text()}", [(f"load balancer {lb.name}", lb.loc)]))
        return out

    def _admits_ipv6(self, r: SgRule, internet_facing: bool, proto: int, port: int) -> bool:
        if r.protocol not in (-1, proto) or not r.port_lo <= port <= r.port_hi:
            return False
        if r.peer_kind is PeerKind.SECURITY_GROUP:
            return not internet_facing  # members' IPv6 addresses: clients inside the VPC only
        if r.peer_kind is PeerKind.PREFIX_LIST:
            plist = self.d.prefix_lists.get(r.peer or "")
            return plist is not None and any(c.bits == IPV6_BITS for c in plist.entries)
        return r.cidr is not None and r.cidr.bits == IPV6_BITS

    def internal_lb_public(self, rule: LintRule) -> list[Finding]:
        from vpcsim.components import load_balancer

        out = []
        for lb in load_balancer.balancers(self.d).values():
            if lb.internet_facing:
                continue
            for node in lb.nodes:
                sub = self.d.subnets.get(node.subnet)
                if sub is not None and self.reaches_igw(sub, everything=True):
                    out.append(self.finding(rule, f"internal load balancer {lb.name} has a node in subnet {sub.name}, "
                                            "whose route table sends 0.0.0.0/0 to an internet gateway", lb.loc,
                                            lb.name))
        return out

    def closed_interface_endpoints(self, rule: LintRule) -> list[Finding]:
        from vpcsim.components import vpc_endpoint

        out = []
        for ep in vpc_endpoint.endpoints(self.d).values():
            if ep.kind != "interface" or ep.vpc not in self.d.vpcs:
                continue
            table = self.net.groups(ep.security_groups, references=False).ingress
            # A client anywhere in the VPC: each subnet's first usable address stands for its subnet.
            clients = [s.cidr.first + 4 for s in self.d.subnets.values() if s.vpc == ep.vpc] or [
                c.first for c in self.d.vpcs[ep.vpc].cidrs]
            if not any(table.match(addr, 6, 443) >= 0 for addr in clients):
                out.append(self.finding(
                    rule, f"interface endpoint {ep.name} ({ep.service}): security groups "
                    f"[{', '.join(ep.security_groups)}] admit tcp 443 from no subnet of vpc {ep.vpc}", ep.loc, ep.name))
        return out

    def path_mtu_discovery(self, rule: LintRule, six: bool = False) -> list[Finding]:
        """NACLs of subnets with a way out of the VPC that drop ICMP 3/4 (VPC017) or, on IPv6, ICMPv6
        type 2 'packet too big' (VPC033) from where TCP comes in.

        IPv6 routers never fragment, so on IPv6 a dropped 'packet too big' leaves no fallback (RFC 8201).
        Neighbour discovery needs no rule: it runs with the VPC router, which NACLs do not filter
        (facts.ND_TYPES)."""
        out = []
        seen: set[str] = set()
        peer = self.net.internet_address6 if six else self.net.internet_address
        proto, port = (58, PMTUD_ICMPV6) if six else (1, PMTUD_ICMP)
        for subnet in self.d.subnets.values():
            table = self.d.route_tables.get(subnet.route_table)
            beyond = table is not None and any(
                not r.blackhole and (not six or (r.destination is not None and r.destination.bits == IPV6_BITS))
                for r in table.routes)
            if six and subnet.ipv6_cidr is None:
                continue
            if subnet.network_acl in seen or not beyond or subnet.network_acl not in self.d.network_acls:
                continue
            seen.add(subnet.network_acl)
            acl = self.net.nacl(subnet.network_acl).family(peer)
            if not acl.inbound_filter.admitted(peer, 6):
                continue  # no TCP comes in from beyond: no large-packet connection to break
            index = acl.inbound.first_match(peer, proto, port)
            deciding = acl.inbound_rules[index] if index >= 0 else None
            if deciding is not None and deciding.allow:
                continue
            model = self.d.network_acls[subnet.network_acl]
            star = "its IPv6 '*' rule" if six else "its '*' rule"
            by = f"rule {deciding.number}" if deciding is not None else f"{star} (no rule admits it)"
            what = ("ICMPv6 type 2 (packet too big)" if six else "ICMP type 3 code 4 (fragmentation needed)")
            why = ("IPv6 routers never fragment, so path MTU discovery is the only way large packets get through"
                   if six else "path MTU discovery fails and large packets are lost")
            out.append(self.finding(
                rule,
                f"network ACL {model.name} (subnet {subnet.name}) drops inbound {what} from {int_to_ip(peer)} by "
                f"{by}, but admits tcp from it: {why}",
                deciding.loc if deciding is not None else model.loc, f"{model.name}:pmtud{'6' if six else ''}"))
        return out

    # -- VPC023-VPC025: transit gateways --------------------------------------------------------

    def tgw_attachment_nacls(self, rule: LintRule) -> list[Finding]:
        """Attachment subnets whose NACL does not admit all TCP from and to their VPC's CIDRs."""
        from vpcsim.components import transit_gateway

        out = []
        for tgw in transit_gateway.gateways(self.d).values():
            for att in tgw.attachments.values():
                vpc = self.d.vpcs.get(att.target) if att.kind == "vpc" else None
                if vpc is None:
                    continue
                for name in att.subnets:
                    subnet = self.d.subnets.get(name)
                    if subnet is None or subnet.network_acl not in self.d.network_acls:
                        continue
                    acl = self.net.nacl(subnet.network_acl)
                    for cidr in vpc.cidrs:
                        peer = cidr.first + 1 if cidr.length < 32 else cidr.first
                        partial = [d for d, f in (("inbound from", acl.inbound_filter), ("outbound to", acl.outbound_filter))
                                   if f.admitted(peer, 6) != ((0, 65535),)]
                        if partial:
                            model = self.d.network_acls[subnet.network_acl]
                            out.append(self.finding(
                                rule, f"network ACL {model.name} of transit gateway {tgw.name}'s attachment subnet "
                                f"{subnet.name} does not admit all tcp {' or '.join(partial)} vpc {vpc.name}'s CIDR "
                                f"{cidr}: the VPC's own traffic to and from the transit gateway is filtered there",
                                model.loc, f"{tgw.name}:{att.name}:{subnet.name}:{cidr}", [("attachment", att.loc)]))
                            break
        return out

    def tgw_one_way(self, rule: LintRule) -> list[Finding]:
        from vpcsim.components import transit_gateway

        return [self.finding(
            rule, f"transit gateway {tgw.name}: attachment {a.name}'s table {a.association} learns {b.name}'s routes "
            f"(by propagation), but {a.name} does not propagate into {b.name}'s table {b.association}: replies from "
            f"{b.name} find no route back", a.loc, f"{tgw.name}:{a.name}->{b.name}", [(f"attachment {b.name}", b.loc)])
            for tgw, a, b in transit_gateway.one_way_propagations(self.d)]

    def tgw_overlaps(self, rule: LintRule) -> list[Finding]:
        from vpcsim.components import transit_gateway

        return [self.finding(
            rule, f"transit gateway {tgw.name} route table {table.name}: attachment {a.name} propagates {ca} and "
            f"attachment {b.name} propagates {cb}, which overlap", table.loc,
            f"{tgw.name}:{table.name}:{ca}:{cb}", [(f"attachment {a.name}", a.loc), (f"attachment {b.name}", b.loc)])
            for tgw, table, (a, ca), (b, cb) in transit_gateway.overlapping_propagations(self.d)]

    def _eni_label(self, eni: Interface) -> str:
        instance = self.d.instances.get(eni.instance or "")
        if instance is not None and len(instance.interfaces) == 1:
            return f"instance {instance.name}"
        return f"interface {eni.name}"

    # -- VPC030/VPC031/VPC032 (IPv6) -----------------------------------------------------------

    def _igw_routes(self, subnet: Subnet, bits: int) -> list[Route]:
        """The live routes of the subnet's table to its VPC's internet gateway, for one family."""
        table = self.d.route_tables.get(subnet.route_table)
        out = []
        for route in table.routes if table else ():
            igw = self.d.internet_gateways.get(route.target or "")
            if (route.target_kind is TargetKind.INTERNET_GATEWAY and not route.blackhole and igw is not None
                    and igw.vpc == subnet.vpc and route.destination is not None and route.destination.bits == bits):
                out.append(route)
        return out

    def _private_on_ipv4(self, subnet: Subnet) -> bool:
        return not subnet.ipv6_only and not self._igw_routes(subnet, IPV4_BITS)

    def ipv6_route_to_igw(self, rule: LintRule) -> list[Finding]:
        out = []
        for subnet in self.d.subnets.values():
            six = self._igw_routes(subnet, IPV6_BITS)
            if subnet.ipv6_cidr is None or not six or not self._private_on_ipv4(subnet):
                continue
            route = six[0]
            out.append(self.finding(
                rule,
                f"subnet {subnet.name} is private on IPv4 (no IPv4 route to an internet gateway), but route table "
                f"{subnet.route_table} sends {route.destination} to internet gateway {route.target}: the IPv6 "
                f"addresses in {subnet.ipv6_cidr} are reachable from the internet, with no NAT in front of them "
                "(route it to an egress-only internet gateway)",
                route.loc, f"{subnet.name}:{route.destination}", [(f"subnet {subnet.name}", subnet.loc)]))
        return out

    def egress_only_unused(self, rule: LintRule) -> list[Finding]:
        from vpcsim.components import egress_only_gateway

        out = []
        gateways = egress_only_gateway.gateways(self.d)
        used = {r.target for t in self.d.route_tables.values() for r in t.routes
                if r.target_section == egress_only_gateway.ROUTE_KEY}
        for gw in gateways.values():
            if gw.name not in used:
                out.append(self.finding(
                    rule, f"egress-only internet gateway {gw.name} (vpc {gw.vpc}) is the target of no route: no "
                    "subnet uses it", gw.loc, gw.name))
                continue
            for subnet in self.d.subnets.values():
                if subnet.vpc != gw.vpc or subnet.ipv6_cidr is None or not self._private_on_ipv4(subnet):
                    continue
                table = self.d.route_tables.get(subnet.route_table)
                if table is None or any(r.target_section == egress_only_gateway.ROUTE_KEY and r.target == gw.name
                                        for r in table.routes):
                    continue
                six = [r for r in table.routes if r.destination is not None and r.destination.bits == IPV6_BITS
                       and r.destination.length == 0]
                now = f"sends ::/0 to {six[0].describe_target()}" if six else "has no ::/0 route"
                out.append(self.finding(
                    rule, f"subnet {subnet.name} is private on IPv4 and has IPv6 ({subnet.ipv6_cidr}), but route "
                    f"table {table.name} {now} instead of egress-only internet gateway {gw.name}",
                    six[0].loc if six else table.loc, f"{subnet.name}:{gw.name}", [(f"gateway {gw.name}", gw.loc)]))
        return out

    def nacl_ipv4_only(self, rule: LintRule) -> list[Finding]:
        out = []
        for acl in self.d.network_acls.values():
            subnets = [s for s in self.d.subnets.values() if s.network_acl == acl.name and s.ipv6_cidr is not None]
            if not subnets:
                continue
            names = ", ".join(f"{s.name} ({s.ipv6_cidr})" for s in subnets)
            for direction, rules in (("inbound", acl.inbound), ("outbound", acl.outbound)):
                if not rules or any(r.cidr.bits == IPV6_BITS for r in rules):
                    continue  # no rule at all denies both families alike; that is not this mistake
                out.append(self.finding(
                    rule, f"network ACL {acl.name}: its {direction} rules are all IPv4, so its IPv6 rule * denies "
                    f"every IPv6 packet {'into' if direction == 'inbound' else 'out of'} {names}",
                    acl.loc, f"{acl.name}:{direction}", [(f"subnet {s.name}", s.loc) for s in subnets]))
        return out

    # -- VPC009/VPC010 -------------------------------------------------------------------------

    def unused_groups(self, rule: LintRule) -> list[Finding]:
        carried = {g for e in self.d.interfaces.values() for g in e.security_groups}
        out = []
        for group in self.d.security_groups.values():
            if group.default or group.name in carried:
                continue
            refs = sorted({g.name for g in self.d.security_groups.values() for r in g.ingress + g.egress
                           if r.peer_kind is PeerKind.SECURITY_GROUP and r.peer == group.name})
            extra = f"; rules of {', '.join(refs)} reference it and so admit nobody" if refs else ""
            out.append(self.finding(rule, f"security group {group.name} is attached to no interface{extra}",
                                    group.loc, group.name))
        return out

    def unused_nacls(self, rule: LintRule) -> list[Finding]:
        used = self.used_nacls()
        return [
            self.finding(rule, f"network ACL {acl.name} is associated with no subnet", acl.loc, acl.name)
            for acl in self.d.network_acls.values()
            if not acl.implicit and acl.name not in used
        ]

    # -- VPC011 --------------------------------------------------------------------------------

    def single_az_tiers(self, rule: LintRule) -> list[Finding]:
        d = self.d
        vpc_azs: dict[str, set[str]] = {}
        for subnet in d.subnets.values():
            vpc_azs.setdefault(subnet.vpc, set()).add(subnet.az)
        living = {e.subnet for e in d.interfaces.values()} | {n.subnet for n in d.nat_gateways.values()}
        out = []
        tiers: dict[tuple[str, str], list[Subnet]] = {}
        for subnet in d.subnets.values():
            name = subnet.tags.get("tier") or AZ_SUFFIX.sub("", subnet.name)
            tiers.setdefault((subnet.vpc, name), []).append(subnet)
        for (vpc, name), members in tiers.items():
            azs = {s.az for s in members}
            if len(azs) != 1 or len(vpc_azs[vpc]) < 2 or not any(s.name in living for s in members):
                continue
            az = next(iter(azs))
            out.append(self.finding(
                rule,
                f"tier {name!r} of vpc {vpc} (subnet{'s' if len(members) > 1 else ''} "
                f"{', '.join(s.name for s in members)}) lives only in {az}, while the VPC spans "
                f"{', '.join(sorted(vpc_azs[vpc]))}",
                members[0].loc, f"subnet-tier:{vpc}:{name}"))
        by_tag: dict[str, list[tuple[str, str, Location]]] = {}
        for instance in d.instances.values():
            tier = instance.tags.get("tier")
            if tier is None:
                continue
            for eni_name in instance.interfaces:
                eni = d.interfaces.get(eni_name)
                if eni is not None and eni.subnet in d.subnets:
                    by_tag.setdefault(tier, []).append((instance.name, d.subnets[eni.subnet].az, instance.loc))
        all_azs = {s.az for s in d.subnets.values()}
        for tier, tagged in by_tag.items():
            tier_azs = {az for _, az, _ in tagged}
            if len(tier_azs) == 1 and len(all_azs) > 1:
                names = sorted({n for n, _, _ in tagged})
                out.append(self.finding(
                    rule,
                    f"instances tagged tier={tier} ({', '.join(names)}) all run in {next(iter(tier_azs))}",
                    tagged[0][2], f"instance-tier:{tier}"))
        return out


def _unique_findings(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str]] = set()
    out = []
    for f in findings:
        if (f.subject, f.message) not in seen:
            seen.add((f.subject, f.message))
            out.append(f)
    return out


def rule_table() -> list[tuple[str, str, str, str]]:
    """(id, name, level, summary) of every rule, for docs and `--list-rules`."""
    return [(r.id, r.name, r.level.value, r.summary) for r in RULES]
