"""`vpcsim check`: the scenarios keep their promises; breaking a scenario on purpose fails the right one, located."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import vpcsim
from vpcsim.check import (
    CheckReport,
    ReachabilityError,
    assert_exactly,
    assert_only,
    assert_reachable,
    assert_unreachable,
    assertions_for,
    check,
    reachable_traffic,
)
from vpcsim.cli import main
from vpcsim.errors import DesignError
from vpcsim.loader.assertions import Expect, SelectorKind, from_data, load_assertion_file
from vpcsim.traffic import Traffic, TrafficKind

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
DESIGNS = sorted(p for p in SCENARIOS.glob("*.yaml") if not p.name.endswith(".assertions.yaml"))
BASIC = SCENARIOS / "basic-vpc.yaml"


def run_check(design: Path, *extra: Path) -> CheckReport:
    return check(vpcsim.load(design), assertions_for(design, list(extra)))


def broken(tmp_path: Path, scenario: str, old: str, new: str) -> Path:
    """Copy a scenario and its assertions to tmp_path, replacing `old` (which must occur once) by `new`."""
    for path in SCENARIOS.glob(f"{scenario}*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    design = tmp_path / f"{scenario}.yaml"
    text = design.read_text()
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {scenario}"
    design.write_text(text.replace(old, new))
    return design


def line_of(path: Path, snippet: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if snippet in line:
            return number
    raise AssertionError(f"{snippet!r} not in {path}")


# -- the bundled scenarios -----------------------------------------------------------------------


@pytest.mark.parametrize("design", DESIGNS, ids=lambda p: p.stem)
def test_every_scenario_ships_passing_assertions(design: Path) -> None:
    assert (SCENARIOS / f"{design.stem}.assertions.yaml").is_file()
    report = run_check(design)
    assert len(report.results) >= 5
    assert report.ok, "\n\n".join(r.explain() for r in report.failed)
    for result in report.results:
        assert result.pairs > 0


@pytest.mark.parametrize("design", DESIGNS, ids=lambda p: p.stem)
def test_cli_check_passes_every_scenario(design: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(design)]) == 0
    out = capsys.readouterr().out
    assert "0 failed" in out and "FAIL" not in out


# -- breaking scenarios on purpose ---------------------------------------------------------------


def test_opening_a_port_fails_the_exposure_promise_at_the_new_rule(tmp_path: Path) -> None:
    design = broken(tmp_path, "basic-vpc", "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n",
                    "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n"
                    "      - {protocol: tcp, ports: 8080, cidr: 0.0.0.0/0}  # opened by mistake\n")
    report = run_check(design)
    assert {r.assertion.id for r in report.failed} == {"web-exposure", "web-exposure-ceiling"}
    result = report["web-exposure"]
    ce = result.counterexample
    assert ce is not None and ce.trace.reachable
    assert (ce.kind, ce.port) == (TrafficKind.TCP, 8080)
    assert ce.location is not None
    assert Path(ce.location.file).name == "basic-vpc.yaml"
    assert ce.location.line == line_of(design, "opened by mistake")
    assertions = tmp_path / "basic-vpc.assertions.yaml"
    assert result.assertion.loc.file == str(assertions)
    assert result.assertion.loc.line == line_of(assertions, "id: web-exposure")
    assert result.violations[0].traffic == Traffic.of(TrafficKind.TCP, [(8080, 8080)])
    text = result.explain()
    assert "tcp 8080" in text and f"basic-vpc.yaml:{ce.location.line}" in text and "REACHABLE" in text


def test_a_port_the_nacl_still_blocks_breaks_nothing(tmp_path: Path) -> None:
    # web-service's NACLs admit only 80, 443 and 1024-65535: opening SSH in the group alone exposes nothing.
    design = broken(tmp_path, "web-service", "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n\ninstances",
                    "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n"
                    "      - {protocol: tcp, ports: 22, cidr: 0.0.0.0/0}\n\ninstances")
    assert run_check(design).ok
    design = broken(tmp_path, "web-service", "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n\ninstances",
                    "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n"
                    "      - {protocol: tcp, ports: 8443, cidr: 0.0.0.0/0}\n\ninstances")
    report = run_check(design)
    assert {r.assertion.id for r in report.failed} == {"web-1-exposure", "web-exposure-ceiling"}
    ce = report["web-1-exposure"].counterexample
    assert ce is not None and ce.port == 8443
    lines = design.read_text().splitlines()
    opened = next(i for i, line in enumerate(lines, 1) if "ports: 8443" in line and i > line_of(design, "  web:"))
    assert ce.location is not None and ce.location.line == opened


def test_dropping_the_igw_route_fails_reachability_at_the_route_table(tmp_path: Path) -> None:
    design = broken(tmp_path, "basic-vpc", "      - destination: 0.0.0.0/0\n        internet_gateway: prod-igw\n", "")
    report = run_check(design)
    failed = {r.assertion.id for r in report.failed}
    assert {"web-serves-http-and-https", "ssh-from-admin-network", "web-exposure"} <= failed
    assert "db-never-from-internet" not in failed
    ce = report["web-serves-http-and-https"].counterexample
    assert ce is not None and not ce.trace.reachable
    assert ce.rule is not None and ce.rule.startswith("NO_ROUTE_TO_DESTINATION")
    assert ce.location is not None and ce.location.line == line_of(design, "  public:") + 1


def test_dropping_the_nat_route_fails_egress_at_the_private_table(tmp_path: Path) -> None:
    design = broken(tmp_path, "nat-bastion", "      - destination: 0.0.0.0/0\n        nat_gateway: nat-a\n", "")
    report = run_check(design)
    assert [r.assertion.id for r in report.failed] == ["app-a-egress-via-nat"]
    ce = report["app-a-egress-via-nat"].counterexample
    assert ce is not None and ce.location is not None
    assert ce.location.line == line_of(design, "  private:") + 1


def test_fixing_a_known_issue_flips_its_assertion(tmp_path: Path) -> None:
    design = broken(tmp_path, "nat-bastion",
                    "      - {rule: 100, action: allow, protocol: tcp, ports: 22, cidr: 10.20.0.0/24}\n",
                    "      - {rule: 100, action: allow, protocol: tcp, ports: 22, cidr: 10.20.0.0/24}\n"
                    "      - {rule: 110, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}\n")
    report = run_check(design)
    assert [r.assertion.id for r in report.failed] == ["known-issue-app-b-egress"]
    ce = report["known-issue-app-b-egress"].counterexample
    assert ce is not None and ce.location is not None
    assert ce.location.line == line_of(design, "rule: 110")  # the new, most specific rule that lets it through


def test_removing_the_stale_blackhole_flips_the_directory_assertion(tmp_path: Path) -> None:
    design = broken(tmp_path, "vpc-peering",
                    "      - destination: 10.2.20.0/24\n        blackhole: true\n"
                    "        description: Left over from a proxy instance that was terminated; shadows the /16 above.\n",
                    "")
    report = run_check(design)
    assert [r.assertion.id for r in report.failed] == ["known-issue-payments-directory"]
    ce = report["known-issue-payments-directory"].counterexample
    assert ce is not None and ce.location is not None
    assert ce.location.line == line_of(design, "ports: 636")


def test_cli_exit_codes_and_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    design = broken(tmp_path, "chat-service", "      - {protocol: tcp, ports: 6379, security_group: web}",
                    "      - {protocol: tcp, ports: 6379, security_group: app}  # fixed")
    assert main(["check", str(design)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  KNOWN ISSUE: the app servers cannot reach sessions-redis" in out
    assert main(["check", str(design), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and doc["failed"] == 1
    failed = [a for a in doc["assertions"] if not a["passed"]]
    assert failed[0]["id"] == "known-issue-sessions-redis"
    assert failed[0]["counterexample"]["location"].endswith(f"chat-service.yaml:{line_of(design, '# fixed')}:9")
    assert failed[0]["counterexample"]["trace"]["reachable"] is True
    output = tmp_path / "out.xml"
    assert main(["check", str(design), "--format", "junit", "--output", str(output)]) == 1
    assert output.read_text().startswith("<?xml")


def test_cli_usage_and_invalid_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    design = tmp_path / "d.yaml"
    design.write_text(BASIC.read_text())
    assert main(["check", str(design)]) == 2  # no assertions anywhere
    assert "no assertions" in capsys.readouterr().err
    bad = tmp_path / "bad.assertions.yaml"
    bad.write_text("assertions:\n  - {from: internet, to: web-z, expect: unreachable}\n"
                   "  - {from: internet, to: web-a, expect: maybe}\n")
    assert main(["check", str(design), str(bad)]) == 3
    err = capsys.readouterr().err
    assert f"{bad}:3:41: error: assertions[2]: expect: 'maybe'" in err and "invalid assertions" in err
    bad.write_text("assertions:\n  - {from: internet, to: web-z, expect: unreachable}\n")
    assert main(["check", str(design), str(bad)]) == 3
    err = capsys.readouterr().err
    assert f"{bad}:2:26" in err and "'web-z' is not an instance" in err
    assert main(["check", str(tmp_path / "vpcsim.yaml")]) == 3  # DESIGN defaults to ./vpcsim.yaml (issue 15)


# -- the assertion format ------------------------------------------------------------------------


def test_inline_assertions_section_of_the_design(tmp_path: Path) -> None:
    design = tmp_path / "inline.yaml"
    design.write_text(BASIC.read_text() + "\nassertions:\n"
                      "  - name: db closed\n    from: internet\n    to: {tag: {tier: db}}\n    expect: unreachable\n")
    report = run_check(design)
    assert [r.assertion.id for r in report.results] == ["db-closed"]
    assert report.results[0].assertion.loc.file == str(design)
    assert report.ok


def test_selectors_and_traffic_forms() -> None:
    items = from_data([
        {"from": "internet", "to": ["web-a", {"subnet": "private-a"}], "traffic": ["tcp/80,443", "udp/53"],
         "expect": "only"},
        {"from": {"cidr": "198.51.100.0/24"}, "to": {"tag": {"tier": ["web", "db"]}},
         "traffic": {"protocol": "tcp", "ports": [22, "8000-8100"]}, "expect": "unreachable", "id": "x"},
        {"from": "10.0.1.10", "to": {"security_group": "db"}, "traffic": "icmp/8", "expect": "reachable"},
    ])
    assert items[0].destination.kind is SelectorKind.UNION
    assert items[0].traffic.describe() == "tcp 80,443; udp 53"
    assert items[1].id == "x" and items[1].traffic == Traffic.of(TrafficKind.TCP, [(22, 22), (8000, 8100)])
    assert items[2].source.kind is SelectorKind.CIDR
    assert items[2].traffic == Traffic.of(TrafficKind.ICMP, [(8, 8)])
    assert Traffic.parse("any") == Traffic.any()
    assert (Traffic.any() - Traffic.parse("tcp/80")).runs(TrafficKind.TCP) == ((0, 79), (81, 65535))
    assert Traffic.parse("47").describe() == "IP protocol 47"


@pytest.mark.parametrize(
    "item, message",
    [
        ({"from": "internet", "to": "web-a", "expect": "reachable"}, "missing required key 'traffic'"),
        ({"from": "internet", "to": "web-a", "expect": "only", "traffic": 443}, "a bare number (443) is ambiguous"),
        ({"from": "internet", "to": "web-a", "expect": "reachable", "traffic": "tcp/70000"}, "invalid port '70000'"),
        ({"from": "internet", "to": "internet", "expect": "unreachable"}, "both the internet"),
        ({"from": {"subnet": "a", "vpc": "b"}, "to": "web-a", "expect": "unreachable"}, "expected exactly one of"),
        ({"from": "internet", "to": "web-a", "expect": "unreachable", "colour": 1}, "unknown key 'colour'"),
        ({"from": "10.0.0.300", "to": "web-a", "expect": "unreachable"}, "not a valid IPv4 address"),
    ],
)
def test_bad_assertions_are_located_errors(item: dict[str, object], message: str) -> None:
    with pytest.raises(DesignError) as exc:
        from_data(item)
    assert any(message in d.message for d in exc.value.diagnostics), [d.message for d in exc.value.diagnostics]


def test_unknown_and_empty_endpoints(tmp_path: Path) -> None:
    net = vpcsim.load(BASIC)
    with pytest.raises(DesignError, match="it is a subnet: write {subnet: private-a}"):
        check(net, {"from": "internet", "to": "private-a", "expect": "unreachable"})
    with pytest.raises(DesignError, match="selects no interface"):
        check(net, {"from": "internet", "to": {"tag": {"tier": "cache"}}, "expect": "unreachable"})
    assert check(net, {"from": "internet", "to": {"tag": {"tier": "cache"}}, "expect": "unreachable",
                       "allow_empty": True}).ok
    with pytest.raises(DesignError, match="used twice"):
        check(net, [{"id": "a", "from": "internet", "to": "web-a", "expect": "unreachable", "traffic": "udp"},
                    {"id": "a", "from": "internet", "to": "web-b", "expect": "unreachable", "traffic": "udp"}])


def test_assertion_file_design_key(tmp_path: Path) -> None:
    loaded = load_assertion_file(SCENARIOS / "basic-vpc.assertions.yaml")
    assert loaded.design == str(BASIC)
    assert {a.expect for a in loaded.assertions} == set(Expect)


# -- exactness -----------------------------------------------------------------------------------


def test_exposure_sets_are_exact() -> None:
    net = vpcsim.load(BASIC)
    assert reachable_traffic(net, "internet", "web-a").describe() == "tcp 80,443"
    assert reachable_traffic(net, "198.51.100.7", "web-a").describe() == "tcp 22,80,443"
    assert reachable_traffic(net, "web-a", "internet").describe() == "tcp (all ports)"
    assert not reachable_traffic(net, "internet", {"subnet": ["private-a", "private-b"]})
    assert reachable_traffic(net, "db-primary", "web-a").describe() == "tcp 80,443"


@pytest.mark.parametrize(
    "scenario, src, dst",
    [
        ("basic-vpc", "internet", "web-a"),
        ("basic-vpc", "198.51.100.9", "web-b"),
        ("web-service", "internet", "web-1"),
        ("nat-bastion", "bastion", "app-b"),
        ("chat-service", "app-1", "redis-1"),
    ],
)
def test_exposure_agrees_with_port_by_port_traces(scenario: str, src: str, dst: str) -> None:
    """The run-based answer equals tracing ports one by one (on a spread of ports, for speed)."""
    net = vpcsim.load(SCENARIOS / f"{scenario}.yaml")
    got = reachable_traffic(net, src, dst, "tcp")
    ports = sorted({*range(0, 1100), *range(1020, 65536, 61), *range(5400, 5500), *range(6370, 6390),
                    *range(32760, 32780), 60999, 61000, 65535})
    for port in ports:
        assert ((TrafficKind.TCP, port) in got) == net.trace(src, dst, port).reachable, port
    icmp = reachable_traffic(net, src, dst, "icmp")
    for icmp_type in range(0, 256, 3):
        assert ((TrafficKind.ICMP, icmp_type) in icmp) == net.trace(src, dst, icmp_type, "icmp").reachable


def test_other_protocols_are_classes_not_samples(tmp_path: Path) -> None:
    design = tmp_path / "gre.yaml"
    design.write_text(BASIC.read_text().replace(
        "      - {protocol: tcp, ports: 22, cidr: 198.51.100.0/24, description: admin network}",
        "      - {protocol: tcp, ports: 22, cidr: 198.51.100.0/24, description: admin network}\n"
        "      - {protocol: 47, cidr: 0.0.0.0/0}").replace(
        "      - {rule: 130, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}",
        "      - {rule: 130, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}\n"
        "      - {rule: 140, action: allow, protocol: 47, cidr: 0.0.0.0/0}"))
    net = vpcsim.load(design)
    got = reachable_traffic(net, "internet", "web-a")
    assert got.describe() == "tcp 80,443; IP protocol 47"
    with pytest.raises(ReachabilityError, match="IP protocol 47"):
        assert_only(net, "internet", "web-a", "tcp/80,443")


def test_icmp_types_are_exact(tmp_path: Path) -> None:
    design = tmp_path / "icmp.yaml"
    design.write_text(BASIC.read_text().replace(
        "      - {protocol: tcp, ports: 22, cidr: 198.51.100.0/24, description: admin network}",
        "      - {protocol: tcp, ports: 22, cidr: 198.51.100.0/24, description: admin network}\n"
        "      - {protocol: icmp, icmp_type: 8, cidr: 0.0.0.0/0}\n"
        "      - {protocol: icmp, icmp_type: 3, icmp_code: 4, cidr: 0.0.0.0/0}").replace(
        "      - {rule: 130, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}",
        "      - {rule: 130, action: allow, protocol: tcp, ports: 1024-65535, cidr: 0.0.0.0/0}\n"
        "      - {rule: 140, action: allow, protocol: icmp, cidr: 0.0.0.0/0}"))
    net = vpcsim.load(design)
    got = reachable_traffic(net, "internet", "web-a", "icmp")
    assert got.describe() == "icmp type 8"  # type 3 is admitted only for code 4; flows are checked with code 0
    # Replies leave only as type 14: the timestamp query (13) gets through, echo (8) no longer does.
    text = design.read_text().replace(
        "    outbound:\n      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}\n\nsecurity_groups",
        "    outbound:\n      - {rule: 100, action: allow, protocol: icmp, icmp_type: 14, cidr: 0.0.0.0/0}\n\n"
        "security_groups").replace("icmp_type: 8, cidr", "icmp_type: -1, cidr")
    design.write_text(text)
    net = vpcsim.load(design)
    got = reachable_traffic(net, "internet", "web-a", "icmp")
    assert got.describe() == "icmp types 13-14"  # 14 is not a query: its "reply" is type 14 too
    for icmp_type in range(256):
        assert ((TrafficKind.ICMP, icmp_type) in got) == net.trace("internet", "web-a", icmp_type, "icmp").reachable
    for icmp_type in range(256):
        assert ((TrafficKind.ICMP, icmp_type) in got) == net.trace("internet", "web-a", icmp_type, "icmp").reachable


# -- helpers for scripts -------------------------------------------------------------------------


def test_assert_helpers_raise_with_the_trace() -> None:
    net = vpcsim.load(BASIC)
    assert assert_reachable(net, "internet", "web-a", 443).passed
    assert_unreachable(net, "internet", "db-primary")
    assert_exactly(net, "web-a", "db-primary", "tcp/5432")
    with pytest.raises(ReachabilityError) as exc:
        assert_reachable(net, "internet", "db-primary", 5432)
    text = str(exc.value)
    assert "NOT REACHABLE" in text and "blocked by" in text and "written at" in text and __file__ in text
    with pytest.raises(AssertionError, match="tcp 22"):
        assert_unreachable(net, "198.51.100.1", "web-a", [22, 3389])
    with pytest.raises(ReachabilityError, match="basic-vpc.yaml:"):
        assert_only(net, "198.51.100.1", "web-a", "tcp/80,443")


def test_network_check_method_when_present() -> None:
    net = vpcsim.load(BASIC)
    if not hasattr(net, "check"):
        pytest.skip("Network.check is not wired yet")
    report = net.check(str(SCENARIOS / "basic-vpc.assertions.yaml"))
    assert isinstance(report, CheckReport) and report.ok


# -- the JSON Schema -----------------------------------------------------------------------------


def test_schema_covers_assertion_files_and_the_design_section() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = _schema("assertions.schema.json")
    design_schema = _schema("design.schema.json")
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for path in SCENARIOS.glob("*.assertions.yaml"):
        assert not list(validator.iter_errors(yaml.safe_load(path.read_text()))), path
    bad = {"assertions": [{"from": "internet", "to": "web-a", "expect": "reachable"}]}  # no traffic
    assert list(validator.iter_errors(bad))
    assert list(validator.iter_errors({"assertions": [{"from": "internet", "to": "a", "expect": "maybe"}]}))
    # The design schema inlines the same definitions under its `assertions` property.
    inline = design_schema["properties"]["assertions"]  # type: ignore[index]
    rewritten = json.loads(json.dumps(schema["definitions"]).replace(
        '"#/definitions/', '"#/properties/assertions/definitions/'))
    assert inline["definitions"] == rewritten
    doc = yaml.safe_load(BASIC.read_text())
    doc["assertions"] = yaml.safe_load((SCENARIOS / "basic-vpc.assertions.yaml").read_text())["assertions"]
    assert not list(jsonschema.Draft7Validator(design_schema).iter_errors(doc))
    doc["assertions"][0]["traffic"] = "tcp/99999"
    assert list(jsonschema.Draft7Validator(design_schema).iter_errors(doc))


def _schema(name: str) -> dict[str, object]:
    from importlib import resources

    loaded: dict[str, object] = json.loads(resources.files("vpcsim").joinpath(f"schemas/{name}").read_text())
    return loaded
