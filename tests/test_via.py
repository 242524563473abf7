"""Paths through jump hosts: `trace --via`, `network.trace(via=...)`, and the `via:` / `only_via:` promises."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import vpcsim
from vpcsim.check import assertions_for, check
from vpcsim.cli import main
from vpcsim.errors import DesignError, EndpointError, UsageError
from vpcsim.loader.assertions import load_assertion_file
from vpcsim.reach.legs import LegSpec, trace_legs
from vpcsim.render import legs_rich, legs_text
from vpcsim.results import Code, LegsResult, Waypoint

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASTION = SCENARIOS / "nat-bastion.yaml"
ADMIN = "198.51.100.10"  # an admin host: the admin network is on the internet in this design
APP_RULE = "      - {protocol: tcp, ports: 22, security_group: bastion}\n"


@pytest.fixture(scope="module")
def net() -> vpcsim.Network:
    return vpcsim.load(BASTION)


def broken(tmp_path: Path, old: str, new: str) -> Path:
    """The scenario and its assertions in tmp_path, with `old` (which must occur once) replaced by `new`."""
    for path in SCENARIOS.glob("nat-bastion*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    design = tmp_path / "nat-bastion.yaml"
    text = design.read_text()
    assert text.count(old) == 1, old
    design.write_text(text.replace(old, new))
    return design


def line_of(path: Path, snippet: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if snippet in line:
            return number
    raise AssertionError(snippet)


# -- traces ----------------------------------------------------------------------------------------


def test_two_legs_through_the_bastion(net: vpcsim.Network) -> None:
    path = net.trace(ADMIN, "app-b", 22, via=["bastion"])
    assert isinstance(path, LegsResult)
    assert path.reachable and path.failed_legs == () and path.blocked_by == ()
    first, last = path.legs
    # The admin reaches the bastion at its public IP; the bastion opens its own connection.
    assert (first.flow.dst_name, first.flow.dst_ip, first.flow.dst_port) == ("bastion", "192.0.2.20", 22)
    assert (last.flow.src_name, last.flow.src_ip, last.flow.dst_ip, last.flow.dst_port) == (
        "bastion", "10.20.0.10", "10.20.11.10", 22)
    assert all(leg.return_path for leg in path.legs)
    assert path.via == (Waypoint("bastion"),)


def test_the_hop_port_is_the_first_legs_and_the_last_leg_carries_the_flow(net: vpcsim.Network) -> None:
    # ssh -L 8080:app-a:8080 bastion: SSH to the bastion works, 8080 on app-a is closed.
    path = net.trace(ADMIN, "app-a", 8080, via=["bastion:22"])
    assert [leg.flow.dst_port for leg in path.legs] == [22, 8080]
    assert [leg.reachable for leg in path.legs] == [True, False]
    assert not path.reachable and path.failed_legs == (1,)
    assert {(i, b.code) for i, b in path.blocked_by} == {(1, Code.ENI_SG_RULES_MISMATCH)}
    # Without the hop's port, the first leg is the flow's own port, which the bastion refuses too.
    both = net.trace(ADMIN, "app-a", 8080, via=["bastion"])
    assert both.failed_legs == (0, 1)
    assert {i for i, _ in both.blocked_by} == {0, 1}  # every blocker of every leg


def test_legs_are_the_generic_mechanism(net: vpcsim.Network) -> None:
    """A proxy builds its own legs (client -> listener, node -> target): the same call, the same result."""
    legs = [LegSpec(ADMIN, "bastion", 22), LegSpec("bastion", "legacy-app", 22)]
    path = trace_legs(net, legs, [Waypoint("bastion")])
    assert [leg.reachable for leg in path.legs] == [True, False]
    assert path.legs[1].blocked_by[0].code is Code.ENI_SG_RULES_MISMATCH
    with pytest.raises(UsageError, match="at least one leg"):
        trace_legs(net, [])


@pytest.mark.parametrize("via, error, match", [
    (["nowhere"], EndpointError, r"via 'nowhere': a hop must be an instance or interface of the design, by name, "
                                 r"AWS id or address \(instances: app-a, app-b, bastion, legacy-app\)"),
    (["bastion:99999"], UsageError, r"port '99999' is not a port \(expected NAME:PORT, PORT 0-65535\)"),
    (["bastion:ssh"], UsageError, r"port 'ssh' is not a port"),
    (["internet"], EndpointError, r"a hop must be an instance or interface"),
    (["app-b"], UsageError, r"via 'app-b' is the destination"),
    (["bastion", "bastion"], UsageError, r"via 'bastion' is the hop before it"),
    ([], UsageError, r"name at least one hop"),
])
def test_bad_hops_are_refused(net: vpcsim.Network, via: list[str], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        net.trace(ADMIN, "app-b", 22, via=via)


def test_a_hop_equal_to_the_source_is_refused(net: vpcsim.Network) -> None:
    with pytest.raises(UsageError, match="via 'bastion' is the source"):
        net.trace("bastion", "app-b", 22, via=["bastion"])


def test_cli_json_has_legs_and_the_overall_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", ADMIN, "app-b", "22", "--via", "bastion", "-d", str(BASTION), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["reachable"] is True and doc["failed_legs"] == [] and len(doc["legs"]) == 2
    assert doc["via"] == [{"name": "bastion", "port": None}]
    assert [leg["flow"]["dst"] for leg in doc["legs"]] == ["bastion", "app-b"]
    assert all(leg["reachable"] for leg in doc["legs"])


def test_cli_text_names_the_failing_leg_and_its_blocker(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", ADMIN, "legacy-app", "22", "--via", "bastion:22", "-d", str(BASTION), "--text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("NOT REACHABLE in 2 legs: 198.51.100.10 -> bastion:22 -> legacy-app:22: leg 2 fails")
    assert "== leg 1 of 2 ==\nREACHABLE" in out and "== leg 2 of 2 ==\nNOT REACHABLE" in out
    assert "ENI_SG_RULES_MISMATCH (forward)" in out


@pytest.mark.parametrize("argv, code, message", [
    (["--via", "nowhere"], 3, "via 'nowhere'"),
    (["--via", "bastion:70000"], 2, "port '70000' is not a port"),
    (["--via", "bastion:"], 2, "port '' is not a port"),
])
def test_cli_bad_hops_exit_with_their_code(capsys: pytest.CaptureFixture[str], argv: list[str], code: int,
                                           message: str) -> None:
    assert main(["trace", ADMIN, "app-b", "22", "-d", str(BASTION), *argv]) == code
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err


def test_renderings_escape_design_text(net: vpcsim.Network) -> None:
    path = net.trace(ADMIN, "app-b", 22, via=["bastion"])
    out = io.StringIO()
    legs_rich(path, file=out)
    assert "leg 2 of 2" in out.getvalue() and "REACHABLE in 2 legs" in out.getvalue()
    assert legs_text(path).count("REACHABLE: tcp") == 2


def test_waypoint_parse() -> None:
    assert Waypoint.parse(" bastion:22 ") == Waypoint("bastion", 22)
    assert Waypoint.parse("bastion") == Waypoint("bastion", None)
    for bad in (":22", "bastion:-1", "bastion:1e3", "bastion:" + "9" * 5000, "b:²"):
        with pytest.raises(ValueError, match="expected NAME"):
            Waypoint.parse(bad)


# -- promises --------------------------------------------------------------------------------------


def test_only_via_holds_on_the_scenario(net: vpcsim.Network) -> None:
    result = check(net, assertions_for(BASTION))["app-tier-only-via-bastion"]
    assert result.passed and result.pairs >= 2
    assert "only via bastion" in result.assertion.describe()


def test_a_direct_ssh_rule_breaks_only_via_and_the_failure_names_its_line(tmp_path: Path) -> None:
    rule = "      - {protocol: tcp, ports: 22, cidr: 198.51.100.0/24, description: direct admin SSH}\n"
    design = broken(tmp_path, APP_RULE, APP_RULE + rule)
    # The rule alone opens nothing: app servers have no address on the internet (exact, not by rule).
    assert check(vpcsim.load(design), assertions_for(design))["app-tier-only-via-bastion"].passed
    # Give app-a a public IP in the public subnet, and the rule is a way in that skips the bastion.
    text = design.read_text().replace(
        "  app-a:\n    subnet: private-a\n    private_ip: 10.20.10.10\n",
        "  app-a:\n    subnet: public-a\n    private_ip: 10.20.0.30\n    public_ip: 192.0.2.30\n")
    design.write_text(text)
    report = check(vpcsim.load(design), assertions_for(design))
    result = report["app-tier-only-via-bastion"]
    assert not result.passed
    bypass = [v for v in result.violations if v.kind == "bypass"]
    assert [(v.dst, v.traffic.describe()) for v in bypass] == [("app-a", "tcp 22")]
    ce = result.counterexample
    assert ce is not None and ce.trace.reachable
    assert ce.location is not None and ce.location.line == line_of(design, "direct admin SSH")
    assert ce.location.file == str(design)
    assert result.message.endswith(
        f"bypassing bastion: allowed by security group app ingress tcp 22 198.51.100.0/24 at {ce.location}")
    assert "counter-example: tcp 22 from internet (198.51.100.50) to app-a, directly, bypassing bastion" in (
        result.explain())
    doc = result.to_json()
    assert doc["only_via"] is True and doc["via"] == ["bastion"]
    assert doc["counterexample"]["location"] == str(ce.location)


def test_only_via_fails_when_the_way_through_is_closed(tmp_path: Path) -> None:
    design = broken(tmp_path, APP_RULE, "      - {protocol: tcp, ports: 22, security_group: app}\n")
    result = check(vpcsim.load(design), assertions_for(design))["app-tier-only-via-bastion"]
    assert not result.passed
    assert {v.kind for v in result.violations} == {"missing"}
    assert result.message.startswith("internet (198.51.100.50) -> app-a: tcp 22 does not get through via bastion")
    ce = result.counterexample
    assert ce is not None and ce.leg == "leg 2 of 2"
    assert ce.location is not None and ce.trace.blocked_by[0].code is Code.ENI_SG_RULES_MISMATCH


def test_via_judges_the_traffic_on_the_path(net: vpcsim.Network) -> None:
    def one(**item: Any) -> Any:
        return check(net, [{"name": "x", "from": "198.51.100.0/24", **item}]).results[0]

    assert one(to="app-b", via="bastion", expect="exactly", traffic="tcp/22").passed
    assert one(to="legacy-app", via="bastion", expect="unreachable").passed
    failed = one(to="app-a", via="bastion:22", expect="reachable", traffic="tcp/22,80")
    assert not failed.passed
    assert [v.traffic.describe() for v in failed.violations] == ["tcp 80"]
    assert failed.counterexample is not None and failed.counterexample.leg.startswith("leg 2 of 2")
    # From outside the admin network the first leg fails whatever the port.
    closed = one(to="app-a", via="bastion", expect="reachable", traffic="tcp/22")
    assert closed.passed
    outside = check(net, [{"name": "y", "from": "203.0.113.0/24", "to": "app-a", "via": "bastion",
                           "expect": "reachable", "traffic": "tcp/22"}]).results[0]
    assert not outside.passed and outside.counterexample is not None
    assert outside.counterexample.leg.startswith("leg 1 of 2")


def test_pairs_with_the_hop_at_one_end_are_skipped(net: vpcsim.Network) -> None:
    result = check(net, [{"name": "z", "from": "198.51.100.0/24", "to": ["bastion", "app-a"],
                          "only_via": "bastion", "traffic": "tcp/22"}]).results[0]
    assert result.passed and result.pairs == 1
    with pytest.raises(DesignError, match="leave no flow pair"):
        check(net, [{"name": "w", "from": "198.51.100.0/24", "to": "bastion", "only_via": "bastion",
                     "traffic": "tcp/22"}])


def _errors(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "a.assertions.yaml"
    path.write_text("assertions:\n  - name: n\n    from: 198.51.100.0/24\n    to: app-a\n" + body)
    with pytest.raises(DesignError) as info:
        load_assertion_file(path)
    return [f"{d.location.line}:{d.location.col}: {d.message}" for d in info.value.diagnostics
            if d.location is not None]


def test_located_errors_in_via_and_only_via(tmp_path: Path) -> None:
    assert _errors(tmp_path, "    traffic: tcp/22\n    expect: reachable\n    via: bastion:x\n") == [
        "7:10: assertion 'n': via: waypoint 'bastion:x': port 'x' is not a port (expected NAME:PORT, PORT 0-65535)"]
    both = _errors(tmp_path, "    traffic: tcp/22\n    expect: reachable\n    via: bastion\n    only_via: bastion\n")
    assert both == ["8:5: assertion 'n': give via or only_via, not both (only_via is via plus 'no direct path')"]
    contradiction = _errors(tmp_path, "    only_via: bastion\n    expect: unreachable\n")
    assert contradiction[0].startswith("6:13: assertion 'n': only_via promises a way in")
    missing = _errors(tmp_path, "    only_via: bastion\n")
    assert missing == ["2:5: assertion 'n': missing required key 'traffic' (expect: reachable needs it; "
                       "e.g. traffic: tcp/443)"]
    assert _errors(tmp_path, "    only_via: []\n    traffic: tcp/22\n") == [
        "5:15: assertion 'n': only_via: an empty list names no hop (expected NAME or NAME:PORT)"]


def test_an_unknown_hop_is_a_located_error(net: vpcsim.Network) -> None:
    with pytest.raises(DesignError) as info:
        check(net, {"name": "n", "from": "198.51.100.0/24", "to": "app-a", "only_via": "jump", "traffic": "tcp/22"})
    (diag,) = info.value.diagnostics
    assert diag.message == "assertion 'n': only_via: hop 'jump' is not an instance or interface of the design"
    assert diag.location is not None and diag.location.file == __file__


def test_cli_check_exit_codes_with_only_via(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    design = broken(tmp_path, APP_RULE, "      - {protocol: tcp, ports: 22, security_group: app}\n")
    assert main(["check", str(design), "-f", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    failed = {a["id"]: a for a in doc["assertions"] if not a["passed"]}
    assert failed["app-tier-only-via-bastion"]["counterexample"]["leg"] == "leg 2 of 2"


def test_the_schema_knows_via_and_only_via() -> None:
    import jsonschema

    schema = json.loads((ROOT / "vpcsim/schemas/assertions.schema.json").read_text())
    base = {"from": "198.51.100.0/24", "to": "app-a", "traffic": "tcp/22"}
    jsonschema.validate({"assertions": [{**base, "only_via": "bastion"}]}, schema)
    jsonschema.validate({"assertions": [{**base, "expect": "reachable", "via": ["bastion:22", "jump"]}]}, schema)
    for bad in ({**base, "expect": "reachable", "via": "bastion", "only_via": "bastion"},
                {**base, "via": "bastion"},  # via alone needs expect
                {"from": "x", "to": "y", "only_via": "bastion"}):  # only_via needs traffic
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"assertions": [bad]}, schema)


def test_python_helpers_take_via(net: vpcsim.Network) -> None:
    from vpcsim.check import ReachabilityError, assert_only_via, assert_reachable, assert_unreachable

    assert assert_only_via(net, "198.51.100.0/24", {"security_group": "app"}, "bastion", "tcp/22").passed
    assert_reachable(net, ADMIN, "app-b", 22, via="bastion:22")
    assert_unreachable(net, ADMIN, "legacy-app", 22, via=["bastion"])
    with pytest.raises(ReachabilityError, match="leg 2 of 2"):
        assert_reachable(net, ADMIN, "legacy-app", 22, via="bastion")
    with pytest.raises(UsageError, match="port 'x' is not a port"):
        assert_reachable(net, ADMIN, "app-b", 22, via="bastion:x")
    with pytest.raises(UsageError, match="expected HOP"):
        assert_reachable(net, ADMIN, "app-b", 22, via=[])


def test_the_design_schema_inlines_the_same_assertion() -> None:
    design = json.loads((ROOT / "vpcsim/schemas/design.schema.json").read_text())
    alone = json.loads((ROOT / "vpcsim/schemas/assertions.schema.json").read_text())
    inline = json.dumps(design["properties"]["assertions"]["definitions"]["assertion"])
    assert inline == json.dumps(alone["definitions"]["assertion"]).replace(
        "#/definitions/", "#/properties/assertions/definitions/")


def test_hostile_hops_are_quoted_short(net: vpcsim.Network, capsys: pytest.CaptureFixture[str]) -> None:
    long = "x" * 100_000
    for hop in (long, f"bastion:{long}", "\x1b[31mred:22"):
        code = main(["trace", ADMIN, "app-b", "22", "-d", str(BASTION), "--via", hop])
        err = capsys.readouterr().err
        assert code in (2, 3) and len(err) < 500 and "\x1b" not in err, err[:200]


def test_a_hop_with_two_interfaces_must_be_named_by_interface(tmp_path: Path) -> None:
    text = BASTION.read_text().replace(
        "    subnet: public-a\n    private_ip: 10.20.0.10\n    public_ip: 192.0.2.20\n    security_groups: [bastion]\n",
        "    interfaces:\n"
        "      - {subnet: public-a, private_ip: 10.20.0.10, public_ip: 192.0.2.20, security_groups: [bastion]}\n"
        "      - {subnet: public-a, private_ip: 10.20.0.11, security_groups: [bastion]}\n", 1)
    assert "10.20.0.11" in text
    design = tmp_path / "two.yaml"
    design.write_text(text)
    net = vpcsim.load(design)
    with pytest.raises(DesignError) as info:
        check(net, {"name": "n", "from": "198.51.100.0/24", "to": "app-a", "only_via": "bastion", "traffic": "tcp/22"})
    assert "hop 'bastion' has 2 interfaces (name one: bastion.eth0, bastion.eth1)" in info.value.diagnostics[0].message
    assert check(net, {"name": "n", "from": "198.51.100.0/24", "to": "app-a", "only_via": "bastion.eth0",
                       "traffic": "tcp/22"}).ok


def test_an_external_host_is_a_named_endpoint_on_the_internet(tmp_path: Path) -> None:
    """`admin-host` (scenarios/nat-bastion.yaml's external_hosts) is its address, by name."""
    net = vpcsim.load(ROOT / "scenarios" / "nat-bastion.yaml")
    by_name = net.trace("admin-host", "bastion", 22)
    by_address = net.trace("198.51.100.10", "bastion", 22)
    assert by_name.reachable and by_name.flow.src_ip == "198.51.100.10"
    assert [h.kind for h in by_name.forward] == [h.kind for h in by_address.forward]
    assert net.trace("admin-host", "app-b", 22, via=["bastion"]).reachable
    text = (ROOT / "scenarios" / "nat-bastion.yaml").read_text()
    for address, message in (("10.20.0.99", "inside vpc corp's CIDR"), ("192.168.1.1", "not an internet address")):
        bad = tmp_path / f"bad-{address}.yaml"
        bad.write_text(text.replace("address: 198.51.100.10", f"address: {address}"))
        with pytest.raises(DesignError) as caught:
            vpcsim.load(bad)
        (error,) = [d for d in caught.value.diagnostics if d.code == "external-host-address"]
        assert message in error.message and error.location is not None and error.location.line > 0
