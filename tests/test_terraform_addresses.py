"""Addresses AWS picks (`private_ip: auto`, what the Terraform importer writes for DHCP): every verdict
holds for each free address of the subnet, or says for which addresses it does not.

The reference is plain: the same design with the interface pinned at one literal address, for
every address the case split claims is alike (vpcsim.reach.addresses never sees those designs).
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path
from types import MappingProxyType

import pytest

import vpcsim
from vpcsim.cli import main
from vpcsim.model import int_to_ip, ip_to_int
from vpcsim.network import Network
from vpcsim.reach import addresses, walk
from vpcsim.render import trace_text

# app: 10.0.1.0/24. Rules draw three boundaries through it: web's 8080 is open to 10.0.1.0/26
# only, and pub's NACL denies traffic to 10.0.1.128/25 (so bastion reaches only the lower half).
DESIGN = textwrap.dedent("""\
    version: 1
    region: us-east-1
    vpcs:
      prod: {cidrs: [10.0.0.0/16]}
    subnets:
      app: {vpc: prod, cidr: 10.0.1.0/24, az: us-east-1a}
      pub: {vpc: prod, cidr: 10.0.0.0/24, az: us-east-1a, network_acl: pub-acl}
    route_tables:
      main:
        vpc: prod
        main: true
        routes:
          - {destination: 0.0.0.0/0, internet_gateway: igw}
    internet_gateways:
      igw: {vpc: prod}
    network_acls:
      pub-acl:
        vpc: prod
        inbound:
          - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
        outbound:
          - {rule: 90, action: deny, protocol: all, cidr: 10.0.1.128/25}
          - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
    security_groups:
      web:
        vpc: prod
        ingress:
          - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
          - {protocol: tcp, ports: 22, cidr: 10.0.0.0/16}
          - {protocol: tcp, ports: 8080, cidr: 10.0.1.0/26}
        egress:
          - {protocol: all, cidr: 0.0.0.0/0}
    instances:
      web: {subnet: app, private_ip: auto, public_ip: 54.0.0.10, security_groups: [web]}
      worker: {subnet: app, private_ip: auto, security_groups: [web]}
      fixed: {subnet: app, private_ip: 10.0.1.100, security_groups: [web]}
      bastion: {subnet: pub, private_ip: 10.0.0.10, security_groups: [web]}
    """)


@pytest.fixture
def net(tmp_path: Path) -> Network:
    path = tmp_path / "auto.yaml"
    path.write_text(DESIGN)
    return vpcsim.load(path)


def _pinned(net: Network, **where: str) -> Network:
    """The design with interfaces pinned at literal addresses (the reference)."""
    interfaces = dict(net.design.interfaces)
    for name, text in where.items():
        interfaces[name] = dataclasses.replace(interfaces[name], private_ips=(ip_to_int(text),), dynamic=False)
    return Network(dataclasses.replace(net.design, interfaces=MappingProxyType(interfaces)))


def _sample(lo: int, hi: int) -> list[int]:
    return sorted({lo, lo + 1, (lo + hi) // 2, hi - 1, hi} & set(range(lo, hi + 1)))


def test_cases_split_the_free_addresses_by_every_boundary(net: Network) -> None:
    cases = addresses.cases_of(net, "web.eth0")
    # .0-.3 and .255 are AWS's; 10.0.1.100 is fixed's. /26 and /25 cut the rest in three.
    assert [c.describe() for c in cases] == [
        "10.0.1.4-10.0.1.63", "10.0.1.64-10.0.1.99, 10.0.1.101-10.0.1.127", "10.0.1.128-10.0.1.254"]
    assert cases[0].name == "web.eth0" and cases[0].representative == net.design.interfaces["web.eth0"].primary_ip
    assert [c.name for c in cases[1:]] == ["web.eth0@10.0.1.64", "web.eth0@10.0.1.128"]
    assert sum(c.size for c in cases) == 251 - 1
    assert addresses.cases_of(net, "fixed.eth0")[0].describe() == "10.0.1.100"
    # A fixed design has no cases to expand.
    assert not addresses.has_dynamic(_pinned(net, **{"web.eth0": "10.0.1.20", "worker.eth0": "10.0.1.21"}))


def test_trace_says_when_the_verdict_depends_on_the_address(net: Network) -> None:
    result = net.trace("bastion", "web", 22)
    assert result.address_dependent
    verdicts = [(v.describe(), v.reachable) for v in result.address_cases]
    assert verdicts == [("web.eth0 in 10.0.1.4-10.0.1.63", True),
                        ("web.eth0 in 10.0.1.64-10.0.1.99, 10.0.1.101-10.0.1.127", True),
                        ("web.eth0 in 10.0.1.128-10.0.1.254", False)]
    assert [b.code.value for b in result.address_cases[2].blocked_by] == ["SUBNET_ACL_RESTRICTION"]
    text = trace_text(result)
    assert "address: DEPENDS ON THE ADDRESS AWS picks for web.eth0:" in text
    assert "  - not reachable for web.eth0 in 10.0.1.128-10.0.1.254 [DENIED_OUT: SUBNET_ACL_RESTRICTION]" in text
    data = result.to_json()
    assert data["address_dependent"] is True and len(data["address_cases"]) == 3
    # From the internet the private address never matters: one verdict whichever it gets.
    inbound = net.trace("internet", "web", 443)
    assert inbound.reachable and not inbound.address_dependent and len(inbound.address_cases) == 3
    assert "reachable whichever it gets (3 case(s))" in trace_text(inbound)
    # Fixed endpoints: no cases at all, and the JSON has no such keys.
    plain = net.trace("bastion", "fixed", 22)
    assert plain.address_cases == () and "address_cases" not in plain.to_json()


def test_every_address_of_a_case_gets_its_verdict(net: Network) -> None:
    for flow in (("bastion", "web", 22), ("web", "bastion", 22), ("fixed", "web", 8080)):
        result = net.trace(*flow)
        for verdict in result.address_cases:
            (case,) = verdict.cases
            for lo, hi in case.runs:
                for addr in _sample(lo, hi):
                    if addr == net.design.interfaces["worker.eth0"].primary_ip:
                        continue  # worker's representative: another design
                    pinned = _pinned(net, **{"web.eth0": int_to_ip(addr)})
                    assert walk.trace(pinned, *flow).reachable == verdict.reachable, (flow, int_to_ip(addr))


def test_two_addresses_picked_by_aws(net: Network) -> None:
    # worker -> web on 8080: open to 10.0.1.0/26 only, so it depends on worker's address alone.
    result = net.trace("worker", "web", 8080)
    assert len(result.address_cases) == 9 and result.address_dependent
    for verdict in result.address_cases:
        worker, web = verdict.cases
        assert (worker.interface, web.interface) == ("worker.eth0", "web.eth0")
        assert verdict.reachable == (worker.runs[0][1] <= ip_to_int("10.0.1.63")), verdict.describe()
        w, v = worker.runs[0][0], web.runs[-1][1]
        pinned = _pinned(net, **{"worker.eth0": int_to_ip(w), "web.eth0": int_to_ip(v)})
        assert walk.trace(pinned, "worker", "web", 8080).reachable == verdict.reachable


def test_exposure_is_the_same_whichever_address(net: Network) -> None:
    report = net.exposure()
    web = report["web.eth0"]
    assert web.traffic.describe() == "tcp 443"
    assert [text for text, _ in web.address_cases] == [c.describe() for c in addresses.cases_of(net, "web.eth0")]
    assert not web.address_dependent
    assert {i.interface for i in report.interfaces} == {"web.eth0", "worker.eth0", "fixed.eth0", "bastion.eth0"}
    for addr in ("10.0.1.4", "10.0.1.130"):
        assert _pinned(net, **{"web.eth0": addr}).exposure()["web.eth0"].traffic == web.traffic
    doc = web.to_json()
    assert doc["address_dependent"] is False and len(doc["address_cases"]) == 3


def test_reach_counts_every_case(net: Network) -> None:
    matrix = net.reach()
    assert set(matrix.rows) == {"web", "worker", "fixed", "bastion"}
    cell = matrix.cell("bastion", "web")
    assert cell is not None
    assert cell.any.describe() == "tcp 22,443"
    assert not cell.all  # the upper half is denied by pub's NACL
    worker_web = matrix.cell("worker", "web")
    # 8080 only from worker's lower quarter; 3 x 3 address cases of the two interfaces.
    assert worker_web is not None and worker_web.pairs == 9
    assert (worker_web.any.describe(), worker_web.all.describe()) == ("tcp 22,443,8080", "tcp 22,443")
    # An interface named directly stands for every address it may get, as its instance does.
    named = net.reach("bastion", "web.eth0", by="interface").cell("bastion.eth0", "web.eth0")
    assert named is not None and (named.any, named.all) == (cell.any, cell.all)
    by_interface = net.reach(by="interface")
    assert not any(addresses.CLONE_MARK in name for name in by_interface.rows + by_interface.cols)
    assert by_interface.cell("web.eth0", "web.eth0") is None  # no pair of an interface with itself
    assert by_interface.traffic("bastion.eth0", "web.eth0") == cell.any
    # Against the reference: bastion -> web at a lower and an upper address.
    low = _pinned(net, **{"web.eth0": "10.0.1.10"}).reach().traffic("bastion", "web")
    high = _pinned(net, **{"web.eth0": "10.0.1.200"}).reach().traffic("bastion", "web")
    assert cell.any == low | high and cell.all == low & high


def test_check_holds_only_whichever_address(net: Network) -> None:
    report = net.check([
        {"id": "ssh", "from": "bastion", "to": "web", "traffic": "tcp/22", "expect": "reachable"},
        {"id": "https", "from": "internet", "to": "web", "traffic": "tcp/443", "expect": "reachable"},
    ])
    outcome = {r.assertion.id: r.passed for r in report.results}
    assert outcome == {"ssh": False, "https": True}
    failed = next(r for r in report.results if r.assertion.id == "ssh")
    assert "web.eth0@10.0.1.128" in json.dumps(failed.to_json())


def test_auto_in_yaml_and_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import jsonschema
    import yaml

    schema = json.loads((Path(vpcsim.__file__).parent / "schemas" / "design.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(DESIGN), schema)
    bad = yaml.safe_load(DESIGN)
    bad["instances"]["web"]["private_ip"] = "automatic"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    path = tmp_path / "bad.yaml"
    path.write_text(DESIGN.replace("private_ip: auto, public_ip", "private_ip: automatic, public_ip"))
    assert main(["validate", str(path)]) == 3
    assert "private_ip: 'automatic' is not an IPv4 address" in capsys.readouterr().err


def test_terraform_dhcp_round_trips_as_auto(tmp_path: Path) -> None:
    plan = Path(__file__).parent / "data" / "terraform" / "pr" / "plan.json"
    out = tmp_path / "design.yaml"
    assert main(["import", "terraform", str(plan), "-o", str(out)]) == 0
    assert "private_ip: auto" in out.read_text()
    again = vpcsim.load(out).design
    assert again.interfaces["web.eth0"].dynamic
    assert again.interfaces == vpcsim.load(plan).design.interfaces


def test_diff_is_exact_over_the_addresses_aws_picks(tmp_path: Path) -> None:
    from vpcsim.diff import plan_diff

    # After: 8080 opens to 10.0.1.64/26, where worker's representative (10.0.1.5) is not.
    before, after = tmp_path / "before.yaml", tmp_path / "after.yaml"
    rule = "      - {protocol: tcp, ports: 8080, cidr: 10.0.1.0/26}\n"
    assert rule in DESIGN
    before.write_text(DESIGN.replace(rule, ""))
    after.write_text(DESIGN.replace("cidr: 10.0.1.0/26}", "cidr: 10.0.1.64/26}"))
    result = plan_diff(vpcsim.load(before), vpcsim.load(after))
    flows = {c.subject: c.opened.describe() for c in result.flows}
    # Every source that may sit in 10.0.1.64/26 gains 8080 into group web (bastion too: pub's NACL
    # lets the replies out to that range): fixed (10.0.1.100) always, web and worker for some of
    # the addresses AWS may pick.
    assert flows == {f"{a} → {b}": "tcp 8080" for a in ("web", "worker", "fixed")
                     for b in ("web", "worker", "fixed", "bastion") if a != b}, flows
    change = next(c for c in result.flows if c.subject == "worker → web")
    # The settings are those of an address that gets through, not of the blocked representative.
    assert any(v.startswith("allowed by security group web: tcp 8080 10.0.1.64/26 (") for v in change.opened_via)
    assert not vpcsim.load(after).trace("worker", "web", 8080).reachable


def test_renderings_name_the_cases(net: Network, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from vpcsim.analyse import exposure_text
    from vpcsim.render import trace_rich
    from vpcsim.traffic import Traffic

    out = io.StringIO()
    trace_rich(net.trace("bastion", "web", 22), file=out)
    assert "DEPENDS ON THE ADDRESS AWS picks for web.eth0" in out.getvalue()
    report = net.exposure()
    row = report["web.eth0"]
    # A report whose cases differ (the internet never sees a private address, so build one).
    split = dataclasses.replace(row, address_cases=(("10.0.1.4-10.0.1.63", row.traffic),
                                                    ("10.0.1.128-10.0.1.254", Traffic.none())))
    assert split.address_dependent
    text = exposure_text(dataclasses.replace(report, interfaces=(split,)))
    assert f"depends on the address AWS picks: 10.0.1.4-10.0.1.63: tcp 443; 10.0.1.128-10.0.1.254: " \
           f"{Traffic.none().describe()}" in text
    design = net.design.file
    assert main(["trace", "bastion", "web", "22", "--design", design, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["address_dependent"] is True
    assert [c["reachable"] for c in data["address_cases"]] == [True, True, False]
    assert data["address_cases"][2]["cases"][0]["addresses"] == [["10.0.1.128", "10.0.1.254"]]


def test_past_the_cap_the_merged_case_says_so(tmp_path: Path) -> None:
    # 70 /32 rules inside app: 71 cases (each /32, and the rest); the last ones are merged.
    rules = "".join(f"          - {{protocol: tcp, ports: 22, cidr: 10.0.1.{10 + i}/32}}\n" for i in range(70))
    path = tmp_path / "many.yaml"
    path.write_text(DESIGN.replace("          - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n",
                                   "          - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n" + rules)
                    .replace("      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n",
                             "      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n"
                             + rules.replace("          - ", "      - ")))
    net = vpcsim.load(path)
    cases = addresses.cases_of(net, "web.eth0")
    assert len(cases) == addresses.MAX_CASES
    assert [c.merged for c in cases].count(True) == 1 and not cases[0].merged
    assert addresses.expanded(net).truncated == ("web.eth0", "worker.eth0")
    merged = next(c for c in cases if c.merged)
    assert merged.describe().endswith("(several cases merged, judged at one address)")
    result = net.trace("bastion", "web", 443)
    assert any(v.cases[0].merged for v in result.address_cases)
    assert "whichever it gets (64 case(s); several cases merged, judged at one address)" in trace_text(result)
