"""`vpcsim exposure --transitive`: the one-pivot view, exact over ports, checked against check.Engine pair by pair."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import vpcsim
from vpcsim.analyse import exposure, transitive_exposure
from vpcsim.check import Engine, _Atom
from vpcsim.cli import main
from vpcsim.model import int_to_ip
from vpcsim.network import Network
from vpcsim.traffic import Traffic

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if not p.name.endswith(".assertions.yaml"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate, to_yaml  # noqa: E402

Make = Callable[[str], Network]


def brute_force(net: Network) -> dict[str, Traffic]:
    """Per interface: the union, over every other internet-exposed interface, of what it reaches
    there over either family (check.Engine: a trace per port run, no classes, no shortcuts; over
    IPv6 between the two interfaces' first IPv6 addresses)."""
    plain = exposure(net)
    engine = Engine(net)
    d = net.design
    pivots = [e.interface for e in plain.interfaces if e.exposed]
    out = {}
    for eni in d.interfaces.values():
        got = Traffic.none()
        for pivot in pivots:
            if pivot != eni.name:
                got = got | engine.reachable(engine.eni_atom(d.interfaces[pivot]), engine.eni_atom(eni), Traffic.any())
                a6, b6 = d.interfaces[pivot].address_of(128), eni.address_of(128)
                if a6 is not None and b6 is not None:
                    x, y = int_to_ip(a6), int_to_ip(b6)
                    got = got | engine.reachable(_Atom(x, x), _Atom(y, y), Traffic.any())
        out[eni.name] = got
    return out


def test_the_bastion_is_the_pivot_to_the_app_servers() -> None:
    report = vpcsim.load(ROOT / "scenarios" / "nat-bastion.yaml").transitive_exposure()
    assert {e.name: e.new.describe() for e in report.opened()} == {"app-a": "tcp 22", "app-b": "tcp 22"}
    assert report["app-a"].pivots == ("bastion",) and report["app-a"].direct == Traffic.none()
    assert not report["legacy-app"].transitive  # its group admits the app group, not the bastion's
    (pivot,) = report.pivots
    assert (pivot.name, pivot.opens, pivot.critical, pivot.entry.describe()) == ("bastion", 2, 2, "tcp 22")


def test_a_foothold_reaches_over_ipv6_what_ipv4_keeps_shut() -> None:
    # dual-stack: app-a is open to the IPv6 internet (tcp 22), and the app group admits tcp 22
    # from ::/0, so a foothold on app-a reaches app-b over IPv6, which IPv4 keeps shut (and pings
    # it: the app group admits icmpv6 type 128 from the VPC's IPv6 block).
    net = vpcsim.load(ROOT / "scenarios" / "dual-stack.yaml")
    report = transitive_exposure(net)
    assert "app-a" in report["app-b"].pivots
    assert report["app-b"].transitive == Traffic.parse("tcp/22") | Traffic.parse("icmpv6/128")
    assert not net.reach("app-a", "app-b").traffic("app-a", "app-b")  # closed over IPv4


@pytest.mark.parametrize("design", SCENARIOS + [ROOT / "tests" / "data" / "ipv6-mix.yaml"], ids=lambda p: p.stem)
def test_exact_on_every_scenario(design: Path) -> None:
    net = vpcsim.load(design)
    report = transitive_exposure(net)
    assert {e.interface: e.transitive for e in report.interfaces} == brute_force(net)


def test_exact_on_a_generated_estate_with_peerings(tmp_path: Path) -> None:
    path = tmp_path / "gen.yaml"
    path.write_text(to_yaml(generate(4, 4, 2)))
    net = vpcsim.load(path)
    report = transitive_exposure(net)
    assert report.pairs > report.walks  # the shortcuts answered pairs without their own walk
    assert {e.interface: e.transitive for e in report.interfaces} == brute_force(net)


TWO_VPCS = """\
region: eu-west-1
vpcs:
  a: {cidrs: [10.1.0.0/16]}
  b: {cidrs: [10.2.0.0/16]}
subnets:
  a-pub: {vpc: a, cidr: 10.1.0.0/24, az: eu-west-1a, route_table: a-pub}
  b-pub: {vpc: b, cidr: 10.2.0.0/24, az: eu-west-1a, route_table: b-pub}
route_tables:
  a-pub: {vpc: a, routes: [{destination: 0.0.0.0/0, internet_gateway: a-igw}]}
  b-pub: {vpc: b, routes: [{destination: 0.0.0.0/0, internet_gateway: b-igw}]}
internet_gateways:
  a-igw: {vpc: a}
  b-igw: {vpc: b}
security_groups:
  web:
    vpc: a
    ingress: [{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}]
  partner:
    vpc: b
    ingress:
      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
      - {protocol: tcp, ports: 5432, cidr: 198.18.0.10/32, description: only web-a's public IP}
  range:
    vpc: b
    ingress: [{protocol: tcp, ports: 5432, cidr: 198.18.0.0/24, description: a range holding web-a's public IP}]
  closed:
    vpc: b
    ingress: [{protocol: tcp, ports: 5432, cidr: 10.1.0.0/16}]
instances:
  web-a: {subnet: a-pub, private_ip: 10.1.0.10, public_ip: 198.18.0.10, security_groups: [web]}
  db-b: {subnet: b-pub, private_ip: 10.2.0.10, public_ip: 198.18.0.20, security_groups: [partner]}
  range-b: {subnet: b-pub, private_ip: 10.2.0.40, public_ip: 198.18.1.40, security_groups: [range]}
  hidden-b: {subnet: b-pub, private_ip: 10.2.0.30, security_groups: [closed]}
"""


def test_a_pivot_in_another_vpc_through_the_internet(make: Make) -> None:
    net = make(TWO_VPCS)
    report = transitive_exposure(net)
    # db-b admits 5432 from web-a's public IP alone: a foothold on web-a opens it, across the internet.
    assert report["db-b"].new.describe() == "tcp 5432" and report["db-b"].pivots == ("web-a",)
    # range-b admits a range the internet is part of: web-a reaches it, but opens nothing new.
    assert report["range-b"].transitive.describe() == "tcp 5432" and not report["range-b"].new
    # hidden-b admits VPC a's private range, but nothing routes a private address between the VPCs.
    assert not report["hidden-b"].transitive
    assert {e.interface: e.transitive for e in report.interfaces} == brute_force(net)
    assert report.pivots[0].name == "web-a" and report.pivots[0].opens == 1


def test_cli_json_text_and_refused_csv(capsys: pytest.CaptureFixture[str]) -> None:
    design = str(ROOT / "scenarios" / "nat-bastion.yaml")
    assert main(["exposure", "-d", design, "--transitive", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["exposed"] == 1  # the plain report is unchanged, the one-pivot view is added
    assert [r["interface"] for r in doc["transitive"]["results"]] == ["app-a.eth0", "app-b.eth0"]
    assert doc["transitive"]["pivots"][0]["name"] == "bastion"
    assert main(["exposure", "-d", design, "--transitive", "--text"]) == 0
    out = capsys.readouterr().out
    assert "1. bastion: in on tcp 22; opens 2 interfaces (2 on critical services): tcp 22 (ssh tcp/22)" in out
    assert main(["exposure", "-d", design, "--transitive", "--csv"]) == 2
    assert "no CSV form" in capsys.readouterr().err


def test_rich_rendering(make: Make) -> None:
    import io

    from rich.console import Console

    from vpcsim.render.analyses import transitive_rich

    out = io.StringIO()
    transitive_rich(transitive_exposure(make(TWO_VPCS)), console=Console(file=out, width=200))
    text = out.getvalue()
    assert "One pivot" in text and "db-b" in text and "tcp 5432" in text and "1 of 4 interfaces opened" in text


OVERLAP = """\
region: eu-west-1
vpcs:
  a: {cidrs: [10.1.0.0/16]}
  w: {cidrs: [10.9.0.0/16]}
  v: {cidrs: [10.9.0.0/16]}
subnets:
  a-pub: {vpc: a, cidr: 10.1.0.0/24, az: eu-west-1a, route_table: a-pub}
  w-1: {vpc: w, cidr: 10.9.0.0/24, az: eu-west-1a, route_table: w}
  v-1: {vpc: v, cidr: 10.9.0.0/24, az: eu-west-1a}
  v-2: {vpc: v, cidr: 10.9.1.0/24, az: eu-west-1a}
route_tables:
  a-pub:
    vpc: a
    routes:
      - {destination: 0.0.0.0/0, internet_gateway: a-igw}
      - {destination: 10.9.0.0/16, peering: a-w}
  w: {vpc: w, routes: [{destination: 10.1.0.0/16, peering: a-w}]}
internet_gateways:
  a-igw: {vpc: a}
peerings:
  a-w: {requester: a, accepter: w}
security_groups:
  web: {vpc: a, ingress: [{protocol: tcp, ports: 443, cidr: 0.0.0.0/0}]}
  w-open: {vpc: w, ingress: [{protocol: tcp, ports: 5432, cidr: 10.1.0.0/16}]}
  v-open: {vpc: v, ingress: [{protocol: tcp, ports: 5432, cidr: 10.1.0.0/16}]}
instances:
  web-a: {subnet: a-pub, private_ip: 10.1.0.10, public_ip: 198.18.0.10, security_groups: [web]}
  db-w: {subnet: w-1, private_ip: 10.9.0.20, security_groups: [w-open]}
  lone-v: {subnet: v-2, private_ip: 10.9.1.30, security_groups: [v-open]}
  twin-v: {subnet: v-1, private_ip: 10.9.0.20, security_groups: [v-open]}
"""


def test_overlapping_vpcs_behind_a_peering_are_walked_not_guessed(make: Make) -> None:
    net = make(OVERLAP)
    report = transitive_exposure(net)
    assert report["db-w"].new.describe() == "tcp 5432"  # through the peering
    assert {e.interface: e.transitive for e in report.interfaces} == brute_force(net)
