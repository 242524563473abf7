"""`vpcsim lint`: the scenarios' deliberate mistakes are found where they are written; nothing else is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import vpcsim
from vpcsim.cli import main
from vpcsim.lint import RULES, lint, lint_path
from vpcsim.render.reports import Level

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASIC = SCENARIOS / "basic-vpc.yaml"


def line_of(path: Path, snippet: str, after: str | None = None) -> int:
    lines = path.read_text().splitlines()
    start = 0
    if after is not None:
        start = next(i for i, line in enumerate(lines) if after in line)
    for number, line in enumerate(lines[start:], start + 1):
        if snippet in line:
            return number
    raise AssertionError(f"{snippet!r} not in {path}")


def body_line(path: Path, key: str) -> int:
    """An object's location is its body's first line, the one below `  name:`."""
    return line_of(path, key) + 1


# Every finding on the bundled scenarios: (rule id, a snippet of the line it points at).
EXPECTED: dict[str, set[tuple[str, str]]] = {
    # VPC017: no NACL of these admits ICMP 3/4 ("fragmentation needed"), so path MTU discovery breaks.
    "basic-vpc": {("VPC017", "  public-acl:")},
    "basic-s3": {
        ("VPC011", "  public-a:"),
        ("VPC013", "S3 too, at NAT"),
        ("VPC014", "S3 too, at NAT"),  # the forgotten endpoint association
    },
    "chat-service": {
        ("VPC011", "  data-a:"),  # the data tier (both Redis nodes) lives in one AZ
        ("VPC013", "nat_gateway: nat-a"),  # app-b (eu-west-1b) leaves through nat-a (eu-west-1a)
    },
    # Clean: web's public IP works through the firewall (VPC012 follows the appliance), and
    # app-acl admits ICMP 3/4 (VPC017).
    "inspection-vpc": set(),
    # Clean: web-a's Elastic IP works through the Gateway Load Balancer endpoint, whose subnet
    # routes to the internet gateway (VPC012 follows the endpoint).
    "gwlb-inspection": set(),
    "nat-bastion": {
        ("VPC011", "  public-a:"),
        ("VPC013", "nat_gateway: nat-a"),
        ("VPC005", "  private-b-acl:"),  # the deliberate mistake: no inbound ephemeral range
    },
    "vpc-peering": {
        ("VPC011", "  an-etl-a:"),
        ("VPC011", "  an-reporting-b:"),
        ("VPC011", "  sh-public-a:"),
        ("VPC006", "peering: analytics-payments"),  # a route over the pending peering
        ("VPC006", "destination: 10.2.20.0/24"),  # the stale blackhole
        ("VPC013", "nat_gateway: shared-nat"),
    },
    # The transit gateway rules (VPC023-025) find nothing: open attachment ACLs, propagations both ways.
    "transit-hub": {
        ("VPC011", "  ss-app-a:"),
        ("VPC011", "  prod-app-a:"),
        ("VPC011", "  prod-db-b:"),
    },
    "web-service": {
        ("VPC005", "  public-b-acl:"),  # the deliberate mistake: no outbound ephemeral range
        ("VPC017", "  public-a-acl:"),
        ("VPC017", "  public-b-acl:"),
        # Behind web-alb: replies to the ALB's ports 1024-65535 die in private-b-acl, the api group
        # admits the web group, the old web group admits 80 from anywhere, and the legacy target
        # group checks health on a port nobody opened.
        ("VPC022", "  private-b-acl:"),
        ("VPC018", "ports: 9000, security_group: web-app"),
        ("VPC018", "the old generation's clients come straight in"),
        ("VPC022", "  web-1:"),
        ("VPC022", "  web-2:"),
        ("VPC019", "{protocol: HTTP, port: 80, target_groups: [legacy]}"),
    },
    "auto-scaling": {("VPC021", "  cache-nlb:")},  # redis-asg runs in one zone; cross-zone is off
    # api6 is an ipv6 target group, and the api group admits the nodes' IPv4 block only (VPC036):
    # both targets fail their IPv6 health checks (VPC022), so api-alb's listener has none (VPC019);
    # the rule admits more than the load balancer's group besides (VPC018).
    "dual-stack-alb": {
        ("VPC018", "ports: 9000, cidr: 10.40.0.0/23"),
        ("VPC022", "  api-1:"),
        ("VPC022", "  api-2:"),
        ("VPC036", "  api-1:"),
        ("VPC036", "  api-2:"),
        ("VPC019", "{protocol: HTTPS, port: 443, target_groups: [api6]}"),
    },
}

# Findings located at the rule or listener itself (not at an object's body).
_AT_LINE = frozenset({"VPC018", "VPC019"})


def _route_line(path: Path, snippet: str) -> int:
    """A route's location is its `- destination:` line, the one above the target."""
    target = line_of(path, snippet)
    text = path.read_text().splitlines()[target - 1]
    return target if "destination" in text else target - 1


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_scenario_findings(scenario: str) -> None:
    path = SCENARIOS / f"{scenario}.yaml"
    report = lint_path(path)
    assert not report.invalid
    got = {(f.rule.id, f.location.line if f.location else 0) for f in report.findings}
    want = set()
    for rule_id, snippet in EXPECTED[scenario]:
        if rule_id in ("VPC006", "VPC013", "VPC014"):
            line = _route_line(path, snippet)
        elif rule_id in _AT_LINE:
            line = line_of(path, snippet)
        else:
            line = body_line(path, snippet)
        want.add((rule_id, line))
    assert got == want, "\n".join(f"{f.rule.id} {f.location} {f.message}" for f in report.findings)
    for finding in report.findings:
        assert finding.location is not None and finding.location.file == str(path)


def test_rule_ids_are_stable_and_documented() -> None:
    # VPC030-VPC039: the IPv6 rules (a block of their own; VPC033 ICMPv6 path MTU discovery, VPC036-038
    # dual-stack load balancers).
    assert [r.id for r in RULES] == [f"VPC{n:03d}" for n in (*range(1, 26), 30, 31, 32, 33, 36, 37, 38)]
    docs = (ROOT / "docs" / "lint.md").read_text()
    for rule in RULES:
        assert f"`{rule.id}`" in docs and rule.name in docs
        assert 0 < rule.security_severity <= 10


def modified(tmp_path: Path, old: str, new: str, source: Path = BASIC) -> Path:
    text = source.read_text()
    assert text.count(old) == 1, old
    path = tmp_path / source.name
    path.write_text(text.replace(old, new))
    return path


WEB_443 = "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n      - {protocol: tcp, ports: 22,"


@pytest.mark.parametrize(
    "rule_id, rule_text",
    [
        ("VPC001", "{protocol: tcp, ports: 22, cidr: 0.0.0.0/0}"),
        ("VPC002", "{protocol: tcp, ports: 3389, cidr: 0.0.0.0/0}"),
        ("VPC003", "{protocol: tcp, ports: 5432, cidr: 0.0.0.0/0}"),
    ],
)
def test_open_ports(tmp_path: Path, rule_id: str, rule_text: str) -> None:
    path = modified(tmp_path, WEB_443, WEB_443.replace("      - {protocol: tcp, ports: 22,",
                                                     f"      - {rule_text}  # here\n      - {{protocol: tcp, ports: 22,"))
    report = lint_path(path)
    found = report.by_rule(rule_id)
    assert len(found) == (2 if rule_id == "VPC003" else 1), [f.message for f in report.findings]
    assert found[0].location is not None and found[0].location.line == line_of(path, "# here")
    if rule_id == "VPC003":
        assert "web-a (192.0.2.10) is reachable from the internet" in found[0].message
        assert "5432 (PostgreSQL)" in found[0].message and found[0].level is Level.ERROR


def test_db_port_blocked_by_the_nacl_is_not_reported(tmp_path: Path) -> None:
    # web-service's NACLs admit 1024-65535 in, but the replies of web-2 are dropped: not reachable.
    path = modified(tmp_path, "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n\ninstances",
                    "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n"
                    "      - {protocol: tcp, ports: 3306, cidr: 0.0.0.0/0}\n\ninstances",
                    SCENARIOS / "web-service.yaml")
    found = lint_path(path).by_rule("VPC003")
    assert [f.subject for f in found] == ["web-1"]  # web-2's replies die in public-b-acl; web-3 has no public IP


def test_shadowed_nacl_rules(tmp_path: Path) -> None:
    rule_130 = "      - {rule: 130, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}\n"
    path = modified(tmp_path, rule_130, rule_130
                    + "      - {rule: 140, action: deny, protocol: tcp, ports: 443, cidr: 203.0.113.0/24}  # dead\n"
                    + "      - {rule: 150, action: allow, protocol: tcp, ports: 8080, cidr: 10.0.0.0/8}  # redundant\n"
                    + "      - {rule: 160, action: deny, protocol: tcp, ports: 22, cidr: 0.0.0.0/0}  # live\n")
    found = lint_path(path).by_rule("VPC004")
    lines = {f.location.line: f.message for f in found if f.location}
    assert set(lines) == {line_of(path, "# dead"), line_of(path, "# redundant")}
    assert "rule 110 match" in lines[line_of(path, "# dead")] and "they allow what it would deny" in \
        lines[line_of(path, "# dead")]
    assert "rule 130" in lines[line_of(path, "# redundant")] and "redundant" in lines[line_of(path, "# redundant")]


def test_all_traffic_rule_shadowed_only_when_every_protocol_is_taken(tmp_path: Path) -> None:
    rule_130 = "      - {rule: 130, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}\n"
    path = modified(tmp_path, rule_130, rule_130
                    + "      - {rule: 200, action: allow, protocol: all, cidr: 0.0.0.0/0}\n")
    assert not lint_path(path).by_rule("VPC004")


def test_routing_rules(tmp_path: Path) -> None:
    # public-b loses its association with the public table: it and web-b can no longer reach the IGW.
    path = modified(tmp_path, "    az: eu-west-1b\n    route_table: public\n", "    az: eu-west-1b\n")
    report = lint_path(path)
    assert [f.location.line for f in report.by_rule("VPC007") if f.location] == [body_line(path, "  public-b:")]
    assert [f.subject for f in report.by_rule("VPC012")] == ["web-b.eth0"]
    # A NAT gateway moved into a private subnet.
    nat = SCENARIOS / "nat-bastion.yaml"
    path = modified(tmp_path, "    subnet: public-a\n    connectivity: public\n    elastic_ip: 192.0.2.21\n"
                    "    private_ip: 10.20.0.5", "    subnet: private-a\n    connectivity: public\n"
                    "    elastic_ip: 192.0.2.21\n    private_ip: 10.20.10.5", nat)
    report = lint_path(path)
    assert [f.location.line for f in report.by_rule("VPC008") if f.location] == [body_line(path, "  nat-a:")]
    assert not [f for f in report.findings if f.rule.id == "aws/nat-without-igw-route"]


def test_unused_objects_and_suppression(tmp_path: Path) -> None:
    extra = ("  spare:\n    vpc: prod\n    ingress: []\n"
             "  legacy:  # vpcsim: ignore[VPC009]\n    vpc: prod\n    ingress: []\n")
    path = modified(tmp_path, "security_groups:\n", "security_groups:\n" + extra)
    text = path.read_text().replace("network_acls:\n", "network_acls:\n  orphan-acl:\n    vpc: prod\n", 1)
    path.write_text(text)
    report = lint_path(path)
    assert [f.subject for f in report.by_rule("VPC009")] == ["spare"]
    assert [f.subject for f in report.by_rule("VPC010")] == ["orphan-acl"]
    assert report.suppressed == 1
    assert report.ok  # notes do not fail by default
    assert not lint_path(path, fail_on=Level.NOTE).ok


def test_select_ignore_and_library_entry(capsys: pytest.CaptureFixture[str]) -> None:
    net = vpcsim.load(SCENARIOS / "vpc-peering.yaml")
    report = lint(net, select=["VPC006"])
    assert {f.rule.id for f in report.findings} == {"VPC006"}
    assert not lint(net, ignore=["VPC006"]).failed
    assert not lint(net, select=["VPC01*"]).by_rule("VPC006")


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(BASIC)]) == 0
    assert main(["lint", str(SCENARIOS / "nat-bastion.yaml")]) == 1
    out = capsys.readouterr().out
    assert "nat-bastion.yaml:62:5: warning:" in out and "[VPC005 nacl-missing-ephemeral-range]" in out
    assert main(["lint", str(SCENARIOS / "nat-bastion.yaml"), "--fail-on", "error"]) == 0
    assert main(["lint", str(SCENARIOS / "nat-bastion.yaml"), "--ignore", "VPC005"]) == 0
    assert main(["lint", str(SCENARIOS / "chat-service.yaml"), "--fail-on", "note"]) == 1
    capsys.readouterr()
    assert main(["lint", str(SCENARIOS / "web-service.yaml"), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    warnings = [f for f in doc["findings"] if f["rule"] == "VPC005"]  # the old generation's mistake
    assert len(warnings) == 1 and warnings[0]["location"].endswith("web-service.yaml:89:5")
    # Behind the load balancer: the api group's bypass, the unhealthy targets, listener 80's.
    assert {f["rule"] for f in doc["findings"]} == {"VPC005", "VPC017", "VPC018", "VPC019", "VPC022"}


def test_invalid_design_reports_validation_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = modified(tmp_path, "    cidr: 10.0.12.0/24\n", "    cidr: 10.0.11.128/25\n")
    report = lint_path(path)
    assert report.invalid and not report.ok
    assert any(f.rule.id.startswith("aws/") and f.level is Level.ERROR for f in report.findings)
    out = tmp_path / "lint.sarif"
    assert main(["lint", str(path), "--format", "sarif", "--output", str(out)]) == 3
    sarif = json.loads(out.read_text())
    results = sarif["runs"][0]["results"]
    assert results and all(r["ruleId"].startswith("aws/") for r in results)
    lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}
    assert body_line(path, "  private-b:") in lines  # the overlapping subnet


def test_a_gateway_endpoint_no_route_uses_is_reported(tmp_path: Path) -> None:
    source = SCENARIOS / "basic-s3.yaml"
    path = modified(tmp_path, "    route_tables: [private-a]\n", "", source)
    report = lint_path(path)
    unused = report.by_rule("VPC015")
    assert [f.subject for f in unused] == ["s3"]
    assert unused[0].location is not None and unused[0].location.line == body_line(path, "  s3:")
    # ...and with the endpoint unused, private-a's S3 traffic now pays NAT too.
    assert {f.subject for f in report.by_rule("VPC014")} == {"private-a:s3", "private-b:s3"}


def test_an_interface_endpoint_closed_to_its_vpc_is_reported(tmp_path: Path) -> None:
    source = SCENARIOS / "basic-s3.yaml"
    path = modified(tmp_path, "      - {protocol: tcp, ports: 443, cidr: 10.30.0.0/16, description: HTTPS from the VPC}",
                    "      - {protocol: tcp, ports: 443, cidr: 192.0.2.0/24, description: somewhere else}", source)
    (finding,) = lint_path(path).by_rule("VPC016")
    assert finding.subject == "sqs" and finding.location is not None
    assert finding.location.line == body_line(path, "  sqs:")
    assert not lint_path(source).by_rule("VPC016")
