"""Hostile input (issue 14): no traceback, no hang, no silently wrong answer, no terminal control.

One parametrized test per class of failure, then a sweep that runs every command on every
corpus entry (no traceback, a documented exit code, a time bound a 2-core CI machine keeps),
then Hypothesis strategies for number forms, control characters and rich markup.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vpcsim
from vpcsim import arguments
from vpcsim.cli import main
from vpcsim.errors import DesignError, EndpointError, UsageError, VpcsimError
from vpcsim.importers.aws import snapshot_to_design
from vpcsim.loader.reader import read_regular
from vpcsim.model import ip_to_int, parse_decimal
from vpcsim.render import MAX_DIAGNOSTICS, clean, diagnostics_text, trace_rich, trace_text

ROOT = Path(__file__).resolve().parents[1]
BASIC = (ROOT / "scenarios" / "basic-vpc.yaml").read_text()
MINI = ROOT / "tests" / "data" / "aws" / "mini"
EXIT_CODES = {0, 1, 2, 3}
# Bytes that take over a terminal: ESC (CSI/OSC), BEL (ends OSC), C1 CSI, CR, bidi override.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]")
PAYLOAD = "\x1b]0;pwned\x07\x1b[2J\x9b31m\r\u202e"

# The lines of basic-vpc.yaml the number tests rewrite (each appears once).
SG_RULE = "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}"
NACL_RULE = "      - {rule: 110, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}"
DB_RULE = "      - {protocol: tcp, ports: 5432, security_group: web}"


def write(tmp_path: Path, text: str, name: str = "d.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def replace(old: str, new: str, text: str = BASIC) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def load_errors(path: Path) -> list[Any]:
    with pytest.raises(DesignError) as info:
        vpcsim.load(path)
    return [d for d in info.value.diagnostics if d.severity.value == "error"]


def snapshot(tmp_path: Path, edit: Callable[[Path], None] | None = None) -> Path:
    """A copy of the mini snapshot, edited in place."""
    snap = tmp_path / "snap"
    shutil.copytree(MINI, snap)
    if edit is not None:
        edit(snap / "aws_configs")
    return snap


def edit_json(name: str, change: Callable[[Any], None]) -> Callable[[Path], None]:
    def run(folder: Path) -> None:
        path = folder / name
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data, indent=1))

    return run


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., tuple[int, str, str]]]:
    """cli(*argv) -> (exit code, stdout, stderr), in-process, failing on any exception or a hang."""

    def alarm(signum: int, frame: object) -> None:
        raise TimeoutError("vpcsim did not finish within 30 s")

    previous = signal.signal(signal.SIGALRM, alarm)

    def run(*argv: str) -> tuple[int, str, str]:
        signal.alarm(30)
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
        finally:
            signal.alarm(0)
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    signal.signal(signal.SIGALRM, previous)


# -- 1. YAML 1.1 number forms: a located error, never another number ----------------------------


@pytest.mark.parametrize(
    ("line", "value", "hint"),
    [
        (SG_RULE, "20:21", "base-60"),  # YAML 1.1: 1221
        (SG_RULE, "0022", "leading zero"),  # YAML 1.1: 18
        (SG_RULE, "0x1bb", "not plain decimal"),  # YAML 1.1: 443
        (SG_RULE, "4_43", "not plain decimal"),  # YAML 1.1: 443
        (SG_RULE, "'0443'", "leading zero"),  # quoted: vpcsim's own parser refuses it too
        (SG_RULE, "1:0-2:0", "base-60"),
        (NACL_RULE, "0022", "leading zero"),
        (DB_RULE, "0o17", "not plain decimal"),
    ],
)
def test_yaml_1_1_number_forms_in_ports_are_located_errors(tmp_path: Path, line: str, value: str, hint: str) -> None:
    text = replace(line, line.replace("443", value).replace("5432", value))
    (error,) = load_errors(write(tmp_path, text))
    assert error.code == "ports"
    assert (error.location.line, error.location.col) == (line_of(text, value), line.replace("5432", "443").index("443") + 1)
    assert "a port 0-65535 or a range 'lo-hi'" in error.message and hint in error.message


@pytest.mark.parametrize(
    ("old", "new", "code", "hint"),
    [
        ("{rule: 110,", "{rule: 0110,", "type", "leading zero"),  # YAML 1.1: rule 72
        ("{rule: 110,", "{rule: 1:50,", "type", "base-60"),  # YAML 1.1: rule 110
        ("{protocol: tcp, ports: 5432", "{protocol: 0006, ports: 5432", "protocol", "leading zero"),
        ("{protocol: tcp, ports: 5432", "{protocol: 0x6, ports: 5432", "protocol", "not plain decimal"),
    ],
)
def test_yaml_1_1_number_forms_in_rule_numbers_and_protocols(
    tmp_path: Path, old: str, new: str, code: str, hint: str
) -> None:
    text = replace(old, new)
    errors = load_errors(write(tmp_path, text))
    assert errors and all(e.location.line == line_of(text, new) for e in errors)
    assert any(e.code == code and hint in e.message for e in errors), [e.message for e in errors]


def test_plain_decimal_and_yaml_1_1_text_keep_their_meaning(tmp_path: Path) -> None:
    text = replace(SG_RULE, "      - {protocol: tcp, ports: '1024-2048', cidr: 0.0.0.0/0}")
    text = replace("    tags: {env: prod}", "    tags: {env: NO, window: 1:30, mode: off, build: 0777}", text)
    net = vpcsim.load(write(tmp_path, text))
    assert dict(net.design.vpcs["prod"].tags) == {"env": "NO", "window": "1:30", "mode": "off", "build": "0777"}
    assert net.trace("internet", "web-a", 2048).reachable and not net.trace("internet", "web-a", 443).reachable
    main_table = replace("    main: true", "    main: yes")  # as a flag, yes still means true
    assert vpcsim.load(write(tmp_path, main_table, "m.yaml")).design.route_tables["private"].main is True


# -- 2. duplicate keys in AWS JSON ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("Vpcs.json", '{"Vpcs": [],\n "Vpcs": []}', (2, 2)),
        ("Subnets.json", '{"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-0a",\n  "SubnetId": "subnet-2"}]}', (2, 3)),
        # the second "ToPort" of one rule, not the "ToPort" of a nested object before it
        ("SecurityGroups.json",
         '{"SecurityGroups": [{"GroupId": "sg-1", "X": {"ToPort": 1}, "ToPort": 22,\n "ToPort": 23}]}', (2, 2)),
    ],
)
def test_duplicate_json_keys_are_located_errors(tmp_path: Path, name: str, text: str, where: tuple[int, int]) -> None:
    snap = snapshot(tmp_path, lambda folder: (folder / name).write_text(text))
    with pytest.raises(DesignError) as info:
        snapshot_to_design(snap)
    (error,) = [d for d in info.value.diagnostics if d.code == "aws-json"]
    assert error.location.file.endswith(name) and (error.location.line, error.location.col) == where
    assert "duplicate key" in error.message and "expected each key once" in error.message


# -- 3. port values the importer used to widen ---------------------------------------------------


def _sg_perm(**fields: Any) -> Callable[[Path], None]:
    def change(data: Any) -> None:
        perm = data["SecurityGroups"][0]["IpPermissions"][1]
        assert perm["IpProtocol"] == "tcp"
        perm.update(fields)

    return edit_json("SecurityGroups.json", change)


def _nacl_entry(**fields: Any) -> Callable[[Path], None]:
    def change(data: Any) -> None:
        entry = next(e for e in data["NetworkAcls"][1]["Entries"] if e.get("Protocol") == "6")
        for key, value in fields.items():
            entry.setdefault("PortRange", {})[key] = value
        if "RuleNumber" in fields:
            entry["RuleNumber"] = fields["RuleNumber"]
            del entry["PortRange"]["RuleNumber"]

    return edit_json("NetworkAcls.json", change)


@pytest.mark.parametrize(
    ("edit", "code", "message"),
    [
        (_sg_perm(FromPort=-1, ToPort=22), "aws-value", "FromPort -1 is not a port"),
        (_sg_perm(FromPort=22, ToPort=70000), "aws-value", "ToPort 70000 is not a port"),
        (_sg_perm(FromPort=80, ToPort=22), "aws-value", "FromPort 80 is above ToPort 22"),
        (_sg_perm(FromPort="²", ToPort=22), "aws-type", "FromPort: expected a whole number, got a string ('²')"),
        (_sg_perm(FromPort="0022", ToPort=22), "aws-type", "FromPort: expected a whole number"),
        (_sg_perm(FromPort=22, ToPort=True), "aws-type", "ToPort: expected a whole number, got a boolean"),
        (_nacl_entry(From=-5, To=80), "aws-value", "From -5 is not a port"),
        (_nacl_entry(RuleNumber=99999), "aws-value", "RuleNumber 99999 is out of range"),
    ],
)
def test_importer_refuses_port_values_instead_of_widening(
    tmp_path: Path, edit: Callable[[Path], None], code: str, message: str
) -> None:
    with pytest.raises(DesignError) as info:
        snapshot_to_design(snapshot(tmp_path, edit))
    errors = [d for d in info.value.diagnostics if d.severity.value == "error"]
    assert [d.code for d in errors] == [code] and message in errors[0].message
    assert errors[0].location.path and errors[0].location.line > 0


def test_huge_json_integers_are_located_type_errors(tmp_path: Path) -> None:
    huge = "9" * 5000  # int() refuses past 4,300 digits

    def edit(folder: Path) -> None:
        path = folder / "SecurityGroups.json"
        path.write_text(path.read_text().replace('"FromPort": 22', f'"FromPort": {huge}', 1))

    with pytest.raises(DesignError) as info:
        snapshot_to_design(snapshot(tmp_path, edit))
    (error,) = [d for d in info.value.diagnostics if d.severity.value == "error"]
    assert error.code == "aws-type" and error.message.startswith("FromPort: expected a whole number, got a number (")
    assert len(error.message) < 200


@pytest.mark.parametrize(
    "edit",
    [
        _sg_perm(FromPort=22, ToPort=70000),  # would write a design that fails to load
        edit_json("Subnets.json", lambda d: d["Subnets"][0].update(CidrBlock="172.31.1.0/24")),  # outside its VPC
    ],
)
def test_import_validates_what_it_writes(tmp_path: Path, cli: Any, edit: Callable[[Path], None]) -> None:
    out = tmp_path / "out.yaml"
    code, stdout, stderr = cli("import", "aws", str(snapshot(tmp_path, edit)), "-o", str(out))
    assert code == 3 and "invalid design" in stderr and not out.exists() and stdout == ""


# -- 4. numbers str.isdigit() accepts and int() rejects, and 4,300+ digit integers ---------------

NUMBERS = ["²", "١٩٢", "٤٤٣", "9" * 5000, "1" + "0" * 4400]


@pytest.mark.parametrize("number", NUMBERS, ids=["superscript", "arabic-ip", "arabic-port", "5000-digits", "4401-digits"])
@pytest.mark.parametrize("where", ["design-plain", "design-quoted", "traffic", "traffic-map", "ephemeral", "cli-port",
                                   "cli-protocol", "cli-ephemeral", "cli-src-port", "lib-trace", "lib-verdicts"])
def test_unusual_digits_are_errors_not_crashes(tmp_path: Path, cli: Any, number: str, where: str) -> None:
    design = write(tmp_path, BASIC)
    if where.startswith("design"):
        value = number if where == "design-plain" else f"'{number}'"
        errors = load_errors(write(tmp_path, replace(SG_RULE, SG_RULE.replace("443", value)), "n.yaml"))
        assert [e.code for e in errors] == ["ports"] and len(errors[0].message) < 400
    elif where in ("traffic", "traffic-map", "ephemeral"):
        item = {"traffic": f"  traffic: tcp/{number}", "traffic-map": f"  traffic: {{protocol: tcp, ports: [{number}]}}",
                "ephemeral": f"  ephemeral: {number}-{number}"}[where]
        assertions = (f"version: 1\nassertions:\n- id: a\n  from: internet\n  to: web-a\n{item}\n"
                      + ("  traffic: tcp/443\n" if where == "ephemeral" else "") + "  expect: reachable\n")
        code, _, err = cli("check", str(design), str(write(tmp_path, assertions, "a.yaml")))
        assert code == 3 and "a.yaml:6:" in err
    elif where.startswith("cli"):
        argv = {"cli-port": [number], "cli-protocol": ["443", "-p", number], "cli-ephemeral": ["443", "--ephemeral",
                f"{number}-{number}"], "cli-src-port": ["443", "--src-port", number]}[where]
        code, _, err = cli("trace", "-d", str(design), "internet", "web-a", *argv)
        assert code == 2 and "Traceback" not in err and len(err) < 2000
    elif where == "lib-trace":
        net = vpcsim.load(design)
        for call in (lambda: net.trace("internet", "web-a", number), lambda: net.trace("internet", "web-a", 443, number),
                     lambda: net.trace("internet", "web-a", 443, src_port=number),
                     lambda: net.trace("internet", "web-a", 443, ephemeral=f"{number}-{number}")):  # type: ignore[arg-type]
            with pytest.raises(UsageError, match="expected"):
                call()
    else:
        net = vpcsim.load(design)
        with pytest.raises(UsageError, match="protocol"):
            net.verdicts([("internet", "web-a", number, 443)])


@pytest.mark.parametrize("text", ["١٩٢.0.2.10", "192.0.2.١٠", "１９２.0.2.10", "192.0.2.010", "².0.0.1"])
def test_ipv4_is_ascii_only_as_in_ipaddress(tmp_path: Path, text: str) -> None:
    import ipaddress

    with pytest.raises(ValueError):
        ipaddress.IPv4Address(text)
    with pytest.raises(ValueError, match="not an IPv4 address"):
        ip_to_int(text)
    net = vpcsim.load(write(tmp_path, BASIC))
    with pytest.raises(EndpointError):
        net.trace("internet", text, 443)  # not 192.0.2.10 (web-a's public address)
    errors = load_errors(write(tmp_path, replace("private_ip: 10.0.1.10", f"private_ip: '{text.strip()}'"), "ip.yaml"))
    assert errors and errors[0].code == "address"


@pytest.mark.parametrize("text", ["0", "7", "443", "65535", "-1", "999999999999"])
def test_parse_decimal_reads_plain_decimal_exactly(text: str) -> None:
    assert parse_decimal(text) == int(text)


@pytest.mark.parametrize("text", ["", "-", "+1", "01", "1_0", "0x1", " 1", "1 ", "1\n", "²", "١", "１", "1" * 13, "1.0"])
def test_parse_decimal_refuses_everything_else(text: str) -> None:
    assert parse_decimal(text) is None


# -- 5. library arguments: documented exceptions quoting the value -------------------------------


@pytest.mark.parametrize(
    ("kwargs", "quoted"),
    [
        ({"src": None}, "None"),
        ({"src": 5}, "5"),
        ({"dst": ["web-a"]}, "['web-a']"),
        ({"dst": ""}, "''"),
        ({"port": "x"}, "'x'"),
        ({"port": 70000}, "70000"),
        ({"port": True}, "True"),
        ({"port": 10**5000}, "5001-digit"),
        ({"port": 300, "protocol": "icmp"}, "300"),
        ({"protocol": "bogus"}, "'bogus'"),
        ({"protocol": "all"}, "'all'"),
        ({"protocol": 256}, "256"),
        ({"src_port": "x"}, "'x'"),
        ({"src_port": -1}, "-1"),
        ({"ephemeral": "bogus"}, "'bogus'"),
        ({"ephemeral": (5, 1)}, "(5, 1)"),
        ({"ephemeral": 7}, "7"),
    ],
)
def test_trace_arguments_raise_usage_errors_that_are_value_errors(kwargs: dict[str, Any], quoted: str) -> None:
    net = vpcsim.load(ROOT / "scenarios" / "basic-vpc.yaml")
    call = {"src": "internet", "dst": "web-a", "port": 443, **kwargs}
    with pytest.raises(UsageError) as info:
        net.trace(call.pop("src"), call.pop("dst"), call.pop("port"), **call)
    assert isinstance(info.value, ValueError) and isinstance(info.value, VpcsimError)
    assert quoted in str(info.value) and len(str(info.value)) < 300


@pytest.mark.parametrize("kwargs", [{"dst_port": 10**5000}, {"src_port": "x"}, {"ephemeral": "bogus"},
                                    {"protocol": "²"}, {"src_ip": "١٩٢.0.2.1"}, {"start_kind": "[/]"}])
def test_trace_packet_arguments(kwargs: dict[str, Any]) -> None:
    from vpcsim.trace import trace_packet

    net = vpcsim.load(ROOT / "scenarios" / "basic-vpc.yaml")
    call = {"start_kind": "internet", "start_name": None, "src_ip": "8.8.8.8", "dst_ip": "10.0.1.10",
            "protocol": "tcp", "dst_port": 443, **kwargs}
    with pytest.raises(VpcsimError) as info:
        trace_packet(net, **call)
    assert isinstance(info.value, (UsageError, EndpointError)) and len(str(info.value)) < 300


@pytest.mark.parametrize("protocol", ["²", "bogus", 300, -1, None, 1.5, "0x6"])
def test_verdicts_protocol_errors(protocol: object) -> None:
    net = vpcsim.load(ROOT / "scenarios" / "basic-vpc.yaml")
    with pytest.raises(UsageError, match="protocol"):
        net.verdicts([("internet", "web-a", protocol, 443)])


@pytest.mark.parametrize("ephemeral", ["bogus", (5, 1), (0, 70000), 7, "²-³", ("1", 2.5)])
@pytest.mark.parametrize("call", ["exposure", "reach", "verdicts", "check"])
def test_analyses_check_the_ephemeral_range(call: str, ephemeral: Any) -> None:
    from vpcsim.check import check

    net = vpcsim.load(ROOT / "scenarios" / "basic-vpc.yaml")
    run = {"exposure": lambda: net.exposure(ephemeral=ephemeral),
           "reach": lambda: net.reach(ephemeral=ephemeral),
           "verdicts": lambda: net.verdicts([("internet", "web-a", "tcp", 443)], ephemeral=ephemeral),
           "check": lambda: check(net, [{"id": "x", "from": "internet", "to": "web-a", "traffic": "tcp/443",
                                         "expect": "reachable"}], ephemeral=ephemeral)}[call]
    with pytest.raises(UsageError, match="invalid ephemeral range"):
        run()


def test_python_assertions_are_located_at_the_callers_line() -> None:
    net = vpcsim.load(ROOT / "scenarios" / "basic-vpc.yaml")
    line = sys._getframe().f_lineno + 1
    report = net.check([{"id": "x", "from": "internet", "to": "web-a", "traffic": "tcp/443", "expect": "reachable"}])
    assert report.results[0].assertion.loc[:2] == (__file__, line)
    with pytest.raises(DesignError) as info:
        net.check([{"id": "y", "from": "internet", "to": "web-a", "traffic": "tcp/²", "expect": "reachable"}])
    (error,) = info.value.diagnostics
    assert error.location[:2] == (__file__, line + 3) and "non-ASCII digits" in error.message


def test_quote_never_raises() -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert arguments.quote(Hostile()) == "<Hostile>"
    assert arguments.quote([10**5000]) == "<list>"
    assert len(arguments.quote("x" * 10_000)) <= 60


# -- 6. output paths: exit 2 with a reason; never overwrite an input -----------------------------


def _fifo(tmp_path: Path) -> str:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return str(path)


def _read_only(tmp_path: Path) -> str:
    path = tmp_path / "ro.txt"
    path.write_text("keep")
    path.chmod(0o444)
    return str(path)


OUTPUTS: dict[str, Callable[[Path], str]] = {
    "missing-folder": lambda t: str(t / "nope" / "report.txt"),
    "a-folder": lambda t: str(t),
    "a-fifo": _fifo,
    "a-device": lambda t: "/dev/full",
    "read-only": _read_only,
    "the-design": lambda t: str(t / "d.yaml"),
    "the-assertions": lambda t: str(t / "d.assertions.yaml"),
    "the-design-by-link": lambda t: (os.symlink(t / "d.yaml", t / "link.yaml"), str(t / "link.yaml"))[1],
}


@pytest.mark.parametrize("case", sorted(OUTPUTS))
def test_bad_output_paths_are_usage_errors(tmp_path: Path, cli: Any, case: str) -> None:
    design = write(tmp_path, BASIC)
    shutil.copy(ROOT / "scenarios" / "basic-vpc.assertions.yaml", tmp_path / "d.assertions.yaml")
    (tmp_path / "d.assertions.yaml").write_text((tmp_path / "d.assertions.yaml").read_text().replace("basic-vpc", "d"))
    before = design.read_bytes(), (tmp_path / "d.assertions.yaml").read_bytes()
    target = OUTPUTS[case](tmp_path)
    if case == "read-only" and os.geteuid() == 0:
        pytest.skip("root may write a read-only file")
    for argv in (["check", str(design), "--output", target], ["lint", str(design), "-o", target],
                 ["import", "aws", str(MINI), "-o", target]):
        if (argv[0] != "check" and case == "the-assertions") or (argv[0] == "import" and case.startswith("the-")):
            continue  # not an input of that command
        code, _, err = cli(*argv)
        assert code == 2, (argv, err)
        assert err.splitlines()[-1].startswith(f"vpcsim: cannot write --output {target!r}: ")
    assert (design.read_bytes(), (tmp_path / "d.assertions.yaml").read_bytes()) == before


@pytest.mark.parametrize("case", ["missing-folder", "a-folder", "a-fifo", "the-design"])
def test_bad_github_step_summary_is_a_usage_error(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch,
                                                  case: str) -> None:
    design = write(tmp_path, BASIC)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", OUTPUTS[case](tmp_path))
    code, _, err = cli("lint", str(design), "-f", "github")
    assert code == 2 and "cannot write $GITHUB_STEP_SUMMARY" in err
    assert design.read_text() == BASIC


def test_a_good_output_file_is_replaced_and_a_summary_appended(tmp_path: Path, cli: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    design = write(tmp_path, BASIC)
    report, summary = tmp_path / "r.sarif", tmp_path / "summary.md"
    report.write_text("x" * 100_000)
    summary.write_text("before\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert cli("lint", str(design), "-f", "sarif", "-o", str(report))[0] in (0, 1)
    assert json.loads(report.read_text())["version"] == "2.1.0"
    assert cli("lint", str(design), "-f", "github")[0] in (0, 1)
    assert summary.read_text().startswith("before\n### vpcsim lint")


# -- 7. FIFOs, devices and links: never block, never read past a cap, never leave the folder -----


def run_cli(*argv: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """A real process: a FIFO that blocks would block this test too, so it runs with a timeout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "vpcsim.cli", *argv], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_a_fifo_design_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path)
    for argv in (["validate", fifo], ["trace", "-d", fifo, "internet", "web-a", "443"], ["lint", fifo]):
        done = run_cli(*argv)
        assert done.returncode == 3 and "not a regular file (a FIFO)" in done.stdout + done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "dev-urandom", "outside-link", "folder-named-json", "not-json"])
def test_special_and_foreign_files_in_a_snapshot(tmp_path: Path, kind: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET-LINE\n")

    def edit(folder: Path) -> None:
        target = folder / "Extra.json"
        if kind == "fifo":
            os.mkfifo(target)
        elif kind == "dev-zero":
            target.symlink_to("/dev/zero")
        elif kind == "dev-urandom":
            target.symlink_to("/dev/urandom")
        elif kind == "outside-link":
            target.symlink_to(secret)
        elif kind == "folder-named-json":
            target.mkdir()
            (target / "Vpcs.json").write_text('{"Vpcs": []}')
        else:
            target.write_text("root:x:0:0:SECRET-LINE\n")

    snap = snapshot(tmp_path, edit)
    start = time.perf_counter()
    done = run_cli("validate", str(snap))
    assert time.perf_counter() - start < 20
    assert "Traceback" not in done.stderr and "SECRET-LINE" not in done.stderr + done.stdout
    if kind == "folder-named-json":
        assert done.returncode == 0
    else:
        assert done.returncode == 3 and "Extra.json" in done.stderr


@pytest.mark.parametrize("rel", ["../outside.json", "/etc/passwd", "aws_configs/../../outside.json"])
def test_listed_snapshot_files_outside_the_folder_are_not_read(tmp_path: Path, rel: str) -> None:
    (tmp_path / "outside.json").write_text('{"Vpcs": [{"VpcId": "vpc-SECRET"}]}')
    snap = snapshot(tmp_path)
    with pytest.raises(DesignError) as info:
        snapshot_to_design(snap, files=["Vpcs.json", rel])
    assert "SECRET" not in str(info.value) and "root:" not in diagnostics_text(info.value.diagnostics)
    assert any(d.code in ("aws-outside", "aws-file-missing") for d in info.value.diagnostics)


@pytest.mark.parametrize("command", ["lint", "import"])
def test_no_json_report_is_written_into_the_snapshot(tmp_path: Path, cli: Any, command: str) -> None:
    snap = snapshot(tmp_path)
    target = snap / "aws_configs" / "Vpcs.json"
    before = target.read_bytes()
    argv = ["lint", str(snap), "-f", "sarif", "-o", str(target)] if command == "lint" else \
        ["import", "aws", str(snap), "-o", str(snap / "aws_configs" / "Design.json")]
    code, _, err = cli(*argv)
    assert code == 2 and "inside the snapshot folder" in err and target.read_bytes() == before


def test_reads_are_capped_and_typed(tmp_path: Path) -> None:
    from vpcsim.loader.reader import FileTooLarge, UnreadableFile

    path = write(tmp_path, "x" * 100)
    assert read_regular(str(path), 100) == b"x" * 100
    with pytest.raises(FileTooLarge):
        read_regular(str(path), 99)
    for special in ("/dev/zero", str(tmp_path)):
        with pytest.raises(UnreadableFile, match="not a regular file"):
            read_regular(special, 10)


def test_source_lines_of_unreadable_files_are_never_echoed(tmp_path: Path) -> None:
    """An error located in a file that is not a design (here: not YAML text) shows no line of it."""
    path = write(tmp_path, "SECRET-LINE: [unclosed\n")
    with pytest.raises(DesignError) as info:
        vpcsim.load(path)
    text = diagnostics_text(info.value.diagnostics)
    assert f"{path}:" in text and "SECRET-LINE" not in text


@pytest.mark.parametrize("which", ["design", "sibling-assertions", "given-assertions"])
def test_links_out_of_the_folder_are_not_followed(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch,
                                                  which: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "credentials"
    secret.write_text("SECRET-LINE: hunter2\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)  # in CI: the checkout
    design = repo / "d.yaml"
    if which == "design":
        design.symlink_to(secret)
    else:
        design.write_text(BASIC)
    argv = ["check", str(design)]
    if which == "sibling-assertions":
        (repo / "d.assertions.yaml").symlink_to(secret)
    elif which == "given-assertions":
        (repo / "a.yaml").symlink_to(secret)
        argv.append(str(repo / "a.yaml"))
    code, out, err = cli(*argv)
    assert code == 3 and "a link to a file outside its folder and the working folder" in err
    assert "SECRET" not in out + err and "hunter2" not in out + err


def test_links_inside_the_folder_or_the_checkout_are_followed(tmp_path: Path, cli: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "base.yaml").write_text(BASIC)
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "prod.yaml").symlink_to(tmp_path / "shared" / "base.yaml")
    assert cli("validate", str(tmp_path / "envs" / "prod.yaml"))[0] == 0


# -- 8. diagnostics are capped, with a count of the rest -----------------------------------------


def _many_errors(instances: int) -> str:
    lines = ["version: 1", "region: eu-west-1", "vpcs:", "  v: {cidrs: [10.0.0.0/16]}", "instances:"]
    lines += [f"  i{i}: {{subnet: nope{i}, private_ip: 10.0.{i // 250}.{i % 250 + 1}, security_groups: [a{i}, b{i}, c{i}]}}"
              for i in range(instances)]
    return "\n".join(lines) + "\n"


def test_diagnostics_printed_are_capped_with_a_count(tmp_path: Path, cli: Any) -> None:
    design = write(tmp_path, _many_errors(100))  # 400 errors
    code, _, err = cli("validate", str(design))
    assert code == 3 and err.count(": error: ") == MAX_DIAGNOSTICS
    assert f"... and {400 - MAX_DIAGNOSTICS} more" in err and err.endswith("vpcsim: invalid design: 400 error(s)\n")
    code, out, _ = cli("lint", str(design))
    assert code == 3 and out.count(": error: ") == MAX_DIAGNOSTICS and f"... and {400 - MAX_DIAGNOSTICS:,} more" in out
    code, out, _ = cli("lint", str(design), "-f", "json")
    assert len(json.loads(out)["findings"]) == 400  # machine-readable formats keep every finding


def test_each_printed_diagnostic_is_capped(tmp_path: Path, cli: Any) -> None:
    keys = "".join(f"? k{i}{'x' * 50_000}\n: 1\n" for i in range(3))  # explicit keys have no length limit
    code, _, err = cli("validate", str(write(tmp_path, "version: 1\nregion: eu-west-1\nvpcs: {}\n" + keys)))
    assert code == 3 and err.count("unknown key 'k") == 3 and max(map(len, err.splitlines())) < 2100
    assert "more characters)" in err


def test_80k_errors_are_reported_within_the_bound(tmp_path: Path, cli: Any) -> None:
    design = write(tmp_path, _many_errors(20_000))  # the 20k instances, 80k errors
    for argv in (["validate", str(design)], ["lint", str(design)]):
        start = time.perf_counter()
        code, out, err = cli(*argv)
        assert code == 3 and re.search(r"\b80,?000 (error|finding)", out + err), (out + err)[-300:]
        assert time.perf_counter() - start < 20


# -- 8b. vacuous promises --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoints", "allow_empty", "code"),
    [
        ("from: web-a\n  to: web-a", False, 3),  # one interface, never paired with itself
        ("from: [web-a]\n  to: {instance: web-a}", False, 3),
        ("from: web-a\n  to: web-a", True, 0),  # said on purpose
        ("from: web-a\n  to: [web-a, web-b]", False, 0),  # web-a -> web-b is a pair
    ],
)
def test_an_assertion_about_no_flow_pair_is_an_error(tmp_path: Path, cli: Any, endpoints: str, allow_empty: bool,
                                                     code: int) -> None:
    design = write(tmp_path, BASIC)
    assertions = (f"version: 1\nassertions:\n- id: self\n  {endpoints}\n  traffic: tcp/5432\n  expect: unreachable\n"
                  + ("  allow_empty: true\n" if allow_empty else ""))
    result = cli("check", str(design), str(write(tmp_path, assertions, "a.yaml")))
    assert result[0] == code, result
    if code == 3:
        assert "a.yaml:3:3: error: assertion 'self': from and to leave no flow pair" in result[2]


@pytest.mark.parametrize(("option", "value", "code"), [
    ("--select", "NOPE999", 2), ("--ignore", "NOPE999", 2), ("--select", "VPC9*", 2), ("--select", "VPC001,", 0),
    ("--select", "VPC0*", 0), ("--select", "aws", 0), ("--ignore", "aws/anything", 0),
])
def test_lint_rule_selection_must_name_rules(tmp_path: Path, cli: Any, option: str, value: str, code: int) -> None:
    result = cli("lint", str(write(tmp_path, BASIC)), option, value, "--fail-on", "never")
    assert result[0] == code, result
    if code == 2:
        assert f"vpcsim: {option}: no lint rule" in result[2]


# -- 9. terminal control and rich markup: every rendering ----------------------------------------

MARKUP = ["/", "[/]", "[link=https://evil.example]click[/link]", "[bold red]x", "sg-[abc]", "\\[x]"]


def _hostile_design(tmp_path: Path, text: str) -> Path:
    quoted = json.dumps(text)  # a YAML double-quoted string is a JSON string
    body = replace("    tags: {tier: web}\n  web-b:", f"    tags: {{tier: web, note: {quoted}}}\n    aws_id: {quoted}\n  web-b:")
    body = replace("    description: Web servers", f"    description: {quoted}\n    aws_id: {quoted}", body)
    body = replace("internet_gateways:\n  prod-igw: {vpc: prod}", f"internet_gateways:\n  prod-igw: {{vpc: prod, aws_id: {quoted}}}",
                   body)
    assertions = (f"version: 1\nassertions:\n- id: x\n  name: {quoted}\n  from: internet\n  to: web-a\n"
                  "  traffic: tcp/22\n  expect: reachable\n")
    write(tmp_path, assertions, "d.assertions.yaml")
    return write(tmp_path, body)


def _renderings(design: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    net = vpcsim.load(design)
    result = net.trace("internet", "web-a", 443)
    buffer = io.StringIO()
    trace_rich(result, file=buffer)
    out = {"trace-text": trace_text(result), "trace-rich": buffer.getvalue()}
    for argv in (["check", str(design)], ["check", str(design), "-f", "github"], ["lint", str(design)],
                 ["lint", str(design), "-f", "github"], ["exposure", "-d", str(design), "--text"],
                 ["reach", "-d", str(design), "--text"], ["trace", "-d", str(design), "internet", PAYLOAD, "443"]):
        code, stdout, stderr = cli(*argv)
        assert code in EXIT_CODES
        out[" ".join(argv[:1] + argv[2:3])] = stdout + stderr
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # rich, as on a terminal
    for argv in (["check", str(design)], ["lint", str(design)], ["exposure", "-d", str(design)],
                 ["reach", "-d", str(design)], ["trace", "-d", str(design), "internet", "web-a", "443"]):
        code, stdout, stderr = cli(*argv)
        assert code in EXIT_CODES, stderr
        out["rich " + argv[0]] = stdout + stderr
    return out


@pytest.mark.parametrize("text", [PAYLOAD, "\x07", "\x9b2J", "a\rb"])
def test_control_characters_never_reach_the_terminal(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch,
                                                     text: str) -> None:
    for name, rendered in _renderings(_hostile_design(tmp_path, text), cli, monkeypatch).items():
        if name.startswith("rich"):  # rich writes its own CSI (colours, the progress bar): look for ours
            assert not any(bad in rendered for bad in ("\x1b]", "\x07", "\x1b[2J", "\x9b", "\u202e")), name
            rendered = re.sub("\x1b\\[[0-9;?]*[A-Za-z]", "", rendered).replace("\r", "")
        assert not CONTROL.search(rendered.replace("\n", "").replace("\t", "")), (name, rendered[:300])


@pytest.mark.parametrize("text", MARKUP)
def test_rich_markup_in_design_text_is_printed_as_written(tmp_path: Path, cli: Any,
                                                          monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    design = _hostile_design(tmp_path, text)
    buffer = io.StringIO()
    trace_rich(vpcsim.load(design).trace("internet", "web-a", 443), file=buffer)
    assert f"[{text}]" in buffer.getvalue()  # the instance's aws_id, shown as [id]
    for name, rendered in _renderings(design, cli, monkeypatch).items():
        assert "\x1b]8;" not in rendered, name  # no hyperlink
        assert "MarkupError" not in rendered, name


def test_file_names_are_cleaned_too(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "x[/]\x1b]0;t\x07"  # the folders "x[" and "]<ESC>]0;t<BEL>"
    folder.mkdir(parents=True)
    design = write(folder, BASIC.replace("ports: 443", "ports: 0443"))
    code, out, err = cli("validate", str(design))
    assert code == 3 and "\x1b" not in err and "x[/]\\x1b]0;t\\x07" in err
    code, out, err = cli("lint", str(design), "-f", "github")
    assert code == 3 and "\x1b" not in out and "\x07" not in out
    good = write(folder, BASIC, "ok.yaml")
    write(folder, (ROOT / "scenarios" / "basic-vpc.assertions.yaml").read_text(), "ok.assertions.yaml")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # rich: the path is a table title
    for argv in (["check", str(good)], ["lint", str(good)], ["exposure", "-d", str(good)], ["reach", "-d", str(good)]):
        code, out, err = cli(*argv)
        assert code in (0, 1) and "\x1b]0;t" not in out + err and "\x07" not in out + err, (argv, err)
        # (rich wraps and centres a long title: its lines are read without their padding)
        assert "\\x1b]0;t\\x07" in "".join(out.split()), argv


def test_clean_escapes_visibly() -> None:
    assert clean("ok\x1b]0;t\x07\n\tend\u202e") == "ok\\x1b]0;t\\x07\n\tend\\u202e"
    assert clean("a\nb\tc", multiline=False) == "a\\x0ab\\x09c"


# -- 10. the sweep: every command on every corpus entry ------------------------------------------


def _corpus_designs() -> dict[str, str | bytes]:
    quoted = json.dumps(PAYLOAD + "[/][link=https://evil.example]x")
    return {
        "sexagesimal": replace(SG_RULE, SG_RULE.replace("443", "20:21")),
        "octal": replace(SG_RULE, SG_RULE.replace("443", "0022")),
        "huge-int": replace(SG_RULE, SG_RULE.replace("443", "9" * 5000)),
        "unicode-digits": replace(SG_RULE, SG_RULE.replace("443", "'٤٤٣'")),
        "arabic-ip": replace("private_ip: 10.0.1.10", "private_ip: '١٠.0.1.10'"),
        "control-and-markup": replace("    tags: {tier: web}\n  web-b:", f"    tags: {{tier: web}}\n    aws_id: {quoted}\n  web-b:",
                                      replace("    description: Web servers", f"    description: {quoted}")),
        "yes-no": replace("    main: true", "    main: maybe"),
        "nul-bytes": b"version: 1\x00\n",
        "not-utf8": b"version: 1\n\xff\xfe\n",
        "binary": bytes(range(256)) * 4,
        "deep": "a: " + "[" * 200 + "]" * 200 + "\n",
        "alias-bomb": "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)),
        "python-tag": "x: !!python/object/apply:os.system ['echo pwned']\n",
        "two-documents": "version: 1\n---\nversion: 1\n",
        "merge-key": "base: &b {vpc: x}\nsubnets:\n  a: {<<: *b}\n",
        "empty": "",
        "scalar": "just text\n",
        "list": "- 1\n- 2\n",
        "null-key": "~: 1\n",
        "long-line": "description: " + "x" * 100_000 + "\n",
        "many-errors": _many_errors(500),
    }


def _corpus_snapshots() -> dict[str, Callable[[Path], None] | None]:
    return {
        "snap-ok": None,
        "snap-dup-key": lambda f: (f / "Vpcs.json").write_text('{"Vpcs": [], "Vpcs": []}'),
        "snap-negative-port": _sg_perm(FromPort=-1, ToPort=-1),
        "snap-port-70000": _sg_perm(FromPort=22, ToPort=70000),
        "snap-unicode-port": _sg_perm(FromPort="²", ToPort="²"),
        "snap-huge-int": lambda f: (f / "Vpcs.json").write_text('{"Vpcs": [{"VpcId": ' + "9" * 5000 + "}]}"),
        "snap-nan": _sg_perm(FromPort=float("nan")),
        "snap-fifo": lambda f: os.mkfifo(f / "Pipe.json"),
        "snap-dev-zero": lambda f: (f / "Zero.json").symlink_to("/dev/zero"),
        "snap-passwd": lambda f: (f / "Passwd.json").symlink_to("/etc/passwd"),
        "snap-not-json": lambda f: (f / "Notes.json").write_text("password=hunter2\n"),
        "snap-top-list": lambda f: (f / "Vpcs.json").write_text("[1, 2]"),
        "snap-deep": lambda f: (f / "Vpcs.json").write_text('{"Vpcs": ' + "[" * 5000 + "]" * 5000 + "}"),
        "snap-control": edit_json("SecurityGroups.json", lambda d: d["SecurityGroups"][1].update(
            GroupName=PAYLOAD + "[/]", Description=PAYLOAD)),
    }


def _commands(path: str, is_folder: bool) -> list[list[str]]:
    commands = [["validate", path], ["validate", path, "--json"], ["trace", "-d", path, "internet", "web-a", "443"],
                ["trace", "-d", path, "internet", "web-a", "443", "--json"], ["lint", path], ["lint", path, "-f", "sarif"],
                ["lint", path, "-f", "github"], ["lint", path, "-f", "junit"], ["exposure", "-d", path, "--text"],
                ["exposure", "-d", path, "--csv"], ["reach", "-d", path, "--text"]]
    if is_folder:
        commands.append(["import", "aws", path])
    else:
        commands.append(["check", path])
    return commands


CORPUS = sorted([*_corpus_designs(), *_corpus_snapshots()])
VALID_ENTRIES = {"snap-ok", "control-and-markup", "snap-control"}


@pytest.mark.parametrize("entry", CORPUS)
def test_every_command_on_every_corpus_entry(tmp_path: Path, cli: Any, monkeypatch: pytest.MonkeyPatch,
                                            entry: str) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    designs, snapshots = _corpus_designs(), _corpus_snapshots()
    if entry in designs:
        content = designs[entry]
        path = tmp_path / "d.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        target, is_folder = str(path), False
    else:
        target, is_folder = str(snapshot(tmp_path, snapshots[entry])), True
    rich = [["trace", "-d", target, "internet", "web-a", "443"], ["lint", target], ["exposure", "-d", target],
            ["reach", "-d", target], *([] if is_folder else [["check", target]])]
    for argv in [*_commands(target, is_folder), *(["rich", *a] for a in rich)]:
        if argv[0] == "rich":  # as on a terminal: rich tables, a progress bar
            monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
            argv = argv[1:]
        start = time.perf_counter()
        code, out, err = cli(*argv)  # an exception fails the test: no traceback reaches a user
        assert code in EXIT_CODES, (argv, code)
        assert time.perf_counter() - start < 20, argv
        for stream in (out, err):
            assert "Traceback" not in stream and "hunter2" not in stream and "root:x:0" not in stream
            if sys.stdout.isatty():  # rich writes its own CSI: look for the corpus's sequences
                assert not any(bad in stream for bad in ("\x1b]", "\x07", "\x9b", "\u202e")), argv
                continue
            assert not CONTROL.search(stream.replace("\n", "").replace("\t", "")), (argv, stream[:300])
        if argv[0] == "validate":  # no hostile entry is silently accepted, no valid one refused
            assert code == (0 if entry in VALID_ENTRIES else 3), (argv, err[-500:])


def test_the_sweep_runs_as_a_real_process_too(tmp_path: Path) -> None:
    """One corpus entry through a subprocess: what a CI log shows, stderr included."""
    path = write(tmp_path, str(_corpus_designs()["control-and-markup"]))
    done = run_cli("trace", "-d", str(path), "internet", "web-a", "443")
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "\x1b" not in done.stdout and "\\x1b]0;pwned\\x07" in done.stdout


# -- 11. Hypothesis: number forms, control characters, markup ------------------------------------

NUMBER_FORMS = st.one_of(
    st.integers(0, 65535).map(str),  # plain decimal: taken exactly
    st.builds(lambda a, b: f"{a}:{b:02d}", st.integers(0, 1100), st.integers(0, 59)),  # base 60
    st.integers(0, 65535).map(lambda n: f"0{n:o}"),  # octal
    st.integers(0, 65535).map(lambda n: f"0x{n:x}"),  # hex
    st.integers(10, 65535).map(lambda n: f"{str(n)[0]}_{str(n)[1:]}"),  # underscores
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=4),  # any digit, any script
    st.integers(13, 5000).map(lambda n: "7" * n),  # too many digits
)
CONTROL_TEXT = st.text(st.one_of(st.characters(codec="utf-8"), st.sampled_from(list(PAYLOAD) + ["[", "]", "/", "="])),
                       min_size=1, max_size=30)


@settings(derandomize=True, max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(NUMBER_FORMS, st.booleans())
def test_fuzz_number_forms_mean_themselves_or_fail_located(tmp_path: Path, form: str, quoted: bool) -> None:
    value = json.dumps(form) if quoted else form
    text = replace(SG_RULE, SG_RULE.replace("443", value))
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    expected = parse_decimal(form)
    try:
        net = vpcsim.load(path)
    except DesignError as exc:
        errors = [d for d in exc.diagnostics if d.severity.value == "error"]
        assert expected is None or not 0 <= expected <= 65535 or not form.isascii()
        assert errors and all(e.location is not None and e.location.line == line_of(text, value) for e in errors)
        return
    assert expected is not None and form == str(expected)  # loaded: exactly the decimal written
    rule = net.design.security_groups["web"].ingress[1]
    assert (rule.port_lo, rule.port_hi) == (expected, expected)


@settings(derandomize=True, max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(CONTROL_TEXT)
def test_fuzz_design_text_renders_without_control_or_markup(tmp_path: Path, text: str) -> None:
    quoted = json.dumps(text)
    body = replace("    description: Web servers", f"    description: {quoted}\n    aws_id: {quoted}")
    body = replace("    tags: {tier: web}\n  web-b:", f"    tags: {{tier: web, n: {quoted}}}\n    aws_id: {quoted}\n  web-b:", body)
    path = tmp_path / "h.yaml"
    path.write_text(body, encoding="utf-8")
    try:
        result = vpcsim.load(path).trace("internet", "web-a", 443)
    except DesignError:
        return  # e.g. two objects now share an aws_id: a located error is fine
    buffer = io.StringIO()
    trace_rich(result, file=buffer)
    for rendered in (trace_text(result), buffer.getvalue()):
        assert not CONTROL.search(rendered.replace("\n", "").replace("\t", ""))
        assert "\x1b]8;" not in rendered
    if text.strip() and result.forward[-1].aws_id == text:
        # Not eaten as markup: every word of it is shown (rich expands tabs, and a table cell puts
        # each line of a value on its own row, between borders).
        shown = buffer.getvalue()
        assert all(word in shown for word in clean(text).split())


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_clean_removes_exactly_the_control_characters(text: str) -> None:
    out = clean(text)
    assert not CONTROL.search(out.replace("\n", "").replace("\t", ""))
    if not CONTROL.search(text.replace("\n", "").replace("\t", "")) and "\u061c" not in text and "\u200e" not in text \
            and "\u200f" not in text:
        assert out == text


# -- the library refuses the same things the CLI does -----------------------------------------------


def test_library_lint_refuses_a_pattern_that_names_no_rule() -> None:
    from vpcsim.lint import lint

    net = vpcsim.load(ROOT / "scenarios" / "basic-vpc.yaml")
    with pytest.raises(UsageError, match="select: no lint rule 'NOPE999'"):
        lint(net, select=["NOPE999"])
    with pytest.raises(UsageError, match="ignore: no lint rule"):
        lint(net, ignore=["VPC9*"])
    assert lint(net, select=["VPC0*", "aws"]).rules  # prefixes and the AWS codes are fine


def test_str_of_a_design_error_has_no_control_characters(tmp_path: Path) -> None:
    path = write(tmp_path, replace("region: eu-west-1", "region: eu-west-1\nvpcs_typo\x1b]0;pwned\x07: {}"))
    with pytest.raises(DesignError) as caught:
        vpcsim.load(path)
    text = str(caught.value)
    assert "\x1b" not in text and "\x07" not in text


def test_library_rich_tables_read_no_markup_from_the_design(tmp_path: Path) -> None:
    from rich.console import Console

    from vpcsim.analyse import exposure, reach
    from vpcsim.render.analyses import exposure_rich, reach_rich

    # Names cannot hold brackets, but a file name can: rich would read "[b]" as bold
    # or make "[link=...]" a link.
    net = vpcsim.load(write(tmp_path, BASIC, name="[b]d[link=x].yaml"))
    out = io.StringIO()
    exposure_rich(exposure(net), console=Console(file=out, width=300))
    reach_rich(reach(net, by="subnet"), console=Console(file=out, width=300))
    # (rich wraps a title wider than its table: read the text without the wrapping's whitespace)
    assert "".join(out.getvalue().split()).count("[b]d[link=x].yaml") == 2
