"""Exposure and reachability matrices: exact (checked against per-port traces and check.Engine), graded, rendered."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import vpcsim
from vpcsim import analyse
from vpcsim.analyse import Analyser, Severity, exposure, grade, reach
from vpcsim.check import Engine, _Atom
from vpcsim.cli import main
from vpcsim.model import int_to_ip, ip_to_int
from vpcsim.network import Network
from vpcsim.traffic import Traffic, TrafficKind

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if not p.name.endswith(".assertions.yaml"))
BASIC = ROOT / "scenarios" / "basic-vpc.yaml"

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate, to_yaml  # noqa: E402

Make = Callable[[str], Network]  # the `make` fixture (tests/conftest.py)

EXPOSED = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
subnets:
  public: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a, route_table: public}
  private: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a}
  dmz: {vpc: prod, cidr: 10.0.3.0/24, az: eu-west-1a, route_table: public, network_acl: dmz-acl}
route_tables:
  public:
    vpc: prod
    routes:
      - {destination: 0.0.0.0/0, internet_gateway: igw}
internet_gateways:
  igw: {vpc: prod}
network_acls:
  dmz-acl:
    vpc: prod
    inbound:
      - {rule: 90, action: deny, protocol: tcp, ports: 5432, cidr: 198.51.100.0/25}
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
    outbound:
      - {rule: 100, action: allow, protocol: tcp, ports: 1024-50000, cidr: 0.0.0.0/0}
      - {rule: 110, action: allow, protocol: icmp, cidr: 0.0.0.0/0}
      - {rule: 120, action: allow, protocol: 47, cidr: 0.0.0.0/0}
security_groups:
  leaky:
    vpc: prod
    ingress:
      - {protocol: tcp, ports: 5432, cidr: 0.0.0.0/0}
      - {protocol: tcp, ports: 8080-8081, cidr: 0.0.0.0/0}
      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
      - {protocol: tcp, ports: 22, cidr: 203.0.113.0/24}
      - {protocol: udp, ports: 161, cidr: 0.0.0.0/0}
      - {protocol: icmp, icmp_type: 8, cidr: 0.0.0.0/0}
      - {protocol: 47, cidr: 0.0.0.0/0}
instances:
  db: {subnet: public, private_ip: 10.0.1.10, public_ip: 192.0.2.10, security_groups: [leaky]}
  inside: {subnet: private, private_ip: 10.0.2.10, security_groups: [leaky]}
  edge: {subnet: dmz, private_ip: 10.0.3.10, public_ip: 192.0.2.11, security_groups: [leaky]}
"""



@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Network:
    """A small synthetic design (2 VPCs x 4 subnets x 2 instances): classes with many members."""
    path = tmp_path_factory.mktemp("gen") / "small.yaml"
    path.write_text(to_yaml(generate(2, 4, 2)))
    return vpcsim.load(path)


@pytest.fixture(scope="module")
def wider(tmp_path_factory: pytest.TempPathFactory) -> Network:
    """2 VPCs x 8 subnets x 2 instances: subnets that share a profile (NAT-free public ones, say)."""
    path = tmp_path_factory.mktemp("gen") / "wider.yaml"
    path.write_text(to_yaml(generate(2, 8, 2)))
    return vpcsim.load(path)


def engine_traffic(net: Network, src: str, dst: str) -> Traffic:
    return Engine(net).reachable(_Atom(src, src), _Atom(dst, dst), Traffic.any())


# -- exactness -------------------------------------------------------------------------------------


def rule_ports(net: Network) -> list[int]:
    """Every port where some rule of the design starts or stops, and its neighbours."""
    d = net.design
    ports = {0, 65535, 32767, 32768, 60999, 61000, 1023, 1024}
    rules = [r for acl in d.network_acls.values() for r in acl.inbound + acl.outbound]
    rules += [r for g in d.security_groups.values() for r in g.ingress + g.egress]  # type: ignore[misc]
    for r in rules:
        for p in (r.port_lo - 1, r.port_lo, r.port_hi, r.port_hi + 1):
            if 0 <= p <= 65535:
                ports.add(p)
    return sorted(ports | set(range(0, 65536, 263)))


def internet_sources(an: Analyser) -> list[tuple[int, str]]:
    """Each internet class's representative and another address of the class."""
    out = []
    for c in an.internet_classes():
        out.append((c.index, c.representative))
        rep = ip_to_int(c.representative)
        for other in (rep + 1, rep - 1, rep + 77):
            if an.internet_class_of(other) == c.index and other not in an.net.eni_by_public:
                out.append((c.index, int_to_ip(other)))
                break
    return out


@pytest.mark.parametrize("design", [*SCENARIOS, "EXPOSED"], ids=lambda p: getattr(p, "stem", str(p)))
def test_exposure_equals_per_port_traces(design: Path | str, make: Make) -> None:
    net = make(EXPOSED) if design == "EXPOSED" else vpcsim.load(design)
    report = exposure(net)
    an = analyse.analyser(net)
    ports = rule_ports(net)
    by_label = {c.index: c for c in report.internet_classes}
    for e in report.interfaces:
        opened = dict(e.by_source)
        for index, src in internet_sources(an):
            label = analyse._class_label(by_label[index], report.internet_classes)
            got = opened.get(label, Traffic.none())
            for port in ports:
                for proto in ("tcp", "udp"):
                    want = net.trace(src, e.interface, port, proto).reachable
                    assert ((TrafficKind(proto), port) in got) == want, (e.interface, src, proto, port)
            for icmp_type in range(256):
                want = net.trace(src, e.interface, icmp_type, "icmp").reachable
                assert ((TrafficKind.ICMP, icmp_type) in got) == want, (e.interface, src, "icmp", icmp_type)
            # ICMPv6: the types some rule, reply or NAT64 treats apart, and a few others.
            for icmp_type in (0, 1, 2, 3, 4, 8, 127, 128, 129, 130, 135, 139, 140, 200, 255):
                want = net.trace(src, e.interface, icmp_type, "icmpv6").reachable
                assert ((TrafficKind.ICMPV6, icmp_type) in got) == want, (e.interface, src, "icmpv6", icmp_type)
            for number in (0, 2, 41, 47, 50, 132, 255):
                want = net.trace(src, e.interface, 0, number).reachable
                assert ((TrafficKind.IP, number) in got) == want, (e.interface, src, number)


@pytest.mark.parametrize("design", SCENARIOS, ids=lambda p: p.stem)
def test_every_pair_equals_the_check_engine(design: Path) -> None:
    net = vpcsim.load(design)
    an = Analyser(net)
    internet = [c.representative for c in an.internet_classes()]
    ends: list[str] = [*net.design.interfaces, *internet]
    for src in ends:
        if src in net.design.interfaces and net.design.interfaces[src].service is not None:
            continue  # an interface endpoint's: it answers, never opens (trace refuses it as a source)
        for dst in ends:
            if src == dst or (src in internet and dst in internet):
                continue
            s: str | int = ip_to_int(src) if src in internet else src
            t: str | int = ip_to_int(dst) if dst in internet else dst
            assert an.traffic(s, t) == engine_traffic(net, src, dst), (src, dst)
    assert an.fallbacks == 0


def test_classes_are_exact_on_a_generated_design(generated: Network) -> None:
    an = Analyser(generated)
    d = generated.design
    assert len(an.classes) < len(d.interfaces)  # classes do group interfaces
    enis = list(d.interfaces.values())
    for a in enis:
        for b in enis:
            if a is b:
                continue
            key = (an.class_of[a.name], an.class_of[b.name], a.subnet == b.subnet)
            assert an.pair(key, a.name, b.name) == an.traffic(a.name, b.name), (a.name, b.name)
    for a in enis[::3]:
        for b in enis[1::4]:
            if a is not b:
                assert an.traffic(a.name, b.name) == engine_traffic(generated, a.name, b.name), (a.name, b.name)
    assert an.fallbacks == 0


def test_a_walk_whose_filters_disagree_with_its_verdict_falls_back_to_the_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The analyser checks each walk against its own verdict: with the filters hidden, port 0
    # would look admitted while the walk says blocked, so the pair goes to check.Engine.
    net = vpcsim.load(BASIC)
    an = Analyser(net)
    monkeypatch.setattr(analyse, "_filters", lambda hops: [])
    assert an.traffic("web-a", "db-primary") == Traffic.parse("tcp/5432")
    assert an.traffic(ip_to_int("198.51.100.50"), "web-a") == Traffic.parse("tcp/22,80,443")
    assert an.fallbacks == 2


def test_narrowed_replies_and_nat_gateways_get_walks_of_their_own() -> None:
    # nat-bastion: private subnets reach the internet through a NAT gateway, and one NACL forgets
    # part of the ephemeral range: both need extra walks, and the answers still match the engine.
    net = vpcsim.load(ROOT / "scenarios" / "nat-bastion.yaml")
    an = Analyser(net)
    for src in net.design.interfaces:
        got = an.traffic(src, ip_to_int("8.8.8.8"))
        assert got == engine_traffic(net, src, "8.8.8.8"), src
    assert an.probes > len(net.design.interfaces)


# -- exposure --------------------------------------------------------------------------------------


def test_exposure_grades_and_names_the_way_in(make: Make) -> None:
    net = make(EXPOSED)
    report = net.exposure()
    db = report["db"]
    assert db.public_ip == "192.0.2.10" and db.internet_gateway == "igw"
    by = {f.severity: f for f in db.findings}
    assert by[Severity.CRITICAL].traffic == Traffic.parse("tcp/5432") | Traffic.parse("udp/161")
    assert by[Severity.CRITICAL].sources == ("0.0.0.0/0",)
    assert "postgres tcp/5432" in by[Severity.CRITICAL].services and "snmp udp/161" in by[Severity.CRITICAL].services
    assert by[Severity.HIGH].traffic == Traffic.parse("tcp/8080-8081") | Traffic.parse("47")
    assert by[Severity.INFO].traffic == Traffic.parse("tcp/443") | Traffic.parse("icmp/8")
    assert by[Severity.MEDIUM].traffic == Traffic.parse("tcp/22")
    assert by[Severity.MEDIUM].sources == ("203.0.113.0/24",)
    assert db.severity is Severity.CRITICAL
    # No public IP: nothing from the internet, whatever the groups say.
    inside = report["inside"]
    assert not inside.exposed and inside.findings == () and inside.internet_gateway is None
    # The dmz NACL lets replies out only to ports 1024-50000 (not the Linux range up to 60999):
    # tcp never gets back, nor udp; icmp and protocol 47 do.
    edge = report["edge"]
    assert edge.traffic == Traffic.parse("icmp/8") | Traffic.parse("47") and edge.severity is Severity.HIGH
    assert [e.name for e in report.exposed()] == ["db", "edge"]
    assert [e.name for e in report.exposed(Severity.HIGH)] == ["db", "edge"]
    assert report.counts() == {"critical": 1, "high": 1, "medium": 0, "info": 0}


def test_exposure_with_a_nat_ephemeral_range(make: Make) -> None:
    # With clients on ports 1024-65535 (say, behind NAT), the dmz NACL's 1024-50000 still cuts the reply.
    net = make(EXPOSED)
    edge = net.exposure(ephemeral=(1024, 50000))["edge"]
    assert edge.traffic.tcp == ((22, 22), (443, 443), (5432, 5432), (8080, 8081))
    # ... but the NACL's deny of 5432 from 198.51.100.0/25 makes that range a class of its own.
    assert dict(edge.by_source)["198.51.100.0/25"].tcp == ((443, 443), (8080, 8081))


def test_grade() -> None:
    world = Traffic.parse("tcp/22,80,443,8080") | Traffic.parse("icmp/8")
    findings = grade(world, [("198.51.100.0/24", world | Traffic.parse("tcp/3306")), ("203.0.113.0/24", world)])
    assert [(f.severity, f.traffic.describe(), f.sources) for f in findings] == [
        (Severity.CRITICAL, "tcp 22", ("0.0.0.0/0",)),
        (Severity.HIGH, "tcp 8080", ("0.0.0.0/0",)),
        (Severity.MEDIUM, "tcp 3306", ("198.51.100.0/24",)),
        (Severity.INFO, "tcp 80,443; icmp type 8", ("0.0.0.0/0",)),
    ]
    assert grade(Traffic.none(), []) == ()
    assert Severity.parse("HIGH") is Severity.HIGH and Severity.CRITICAL > Severity.MEDIUM


def test_exposure_of_the_target_shape_counts_classes(generated: Network) -> None:
    calls: list[tuple[int, int]] = []
    report = analyse.exposure(generated, progress=lambda done, total: calls.append((done, total)))
    assert len(report.interfaces) == len(generated.design.interfaces)
    assert report.eni_classes < len(report.interfaces)
    assert calls[-1] == (report.eni_classes, report.eni_classes)
    web = [e for e in report.interfaces if e.public_ip]
    assert web and all(e.exposed and e.internet_gateway for e in web)
    assert all(not e.exposed for e in report.interfaces if e.public_ip is None)
    assert {f.sources for e in web for f in e.findings if f.severity is Severity.MEDIUM} == {("198.51.100.0/24",)}


# -- reachability matrix ---------------------------------------------------------------------------


def test_reach_instances_match_the_engine_pair_by_pair() -> None:
    for design in SCENARIOS:
        net = vpcsim.load(design)
        matrix = reach(net)
        d = net.design
        for a, ia in d.instances.items():
            for b, ib in d.instances.items():
                if a == b:
                    continue
                want = Traffic.none()
                for x in ia.interfaces:
                    for y in ib.interfaces:
                        want = want | engine_traffic(net, x, y)
                assert matrix.traffic(a, b) == want, (design.stem, a, b)


IPV6_DESIGNS = [ROOT / "scenarios" / "dual-stack.yaml", ROOT / "tests" / "data" / "ipv6-mix.yaml"]


@pytest.mark.parametrize("design", IPV6_DESIGNS, ids=lambda p: p.stem)
def test_reach_over_ipv6_matches_the_engine_pair_by_pair(design: Path) -> None:
    """family ipv6: every pair of instances at their IPv6 addresses, against check.Engine."""
    net = vpcsim.load(design)
    matrix = reach(net, family="ipv6")
    assert matrix.family == "ipv6" and matrix.to_json()["family"] == "ipv6"
    d = net.design
    six = {name: [a for n in inst.interfaces if (a := d.interfaces[n].address_of(128)) is not None]
           for name, inst in d.instances.items()}
    assert set(matrix.rows) == {name for name, addrs in six.items() if addrs}
    opened = 0
    for a in matrix.rows:
        for b in matrix.cols:
            if a == b:
                continue
            want = Traffic.none()
            for x in six[a][:1]:  # an interface at its first IPv6 address
                for y in six[b][:1]:
                    want = want | engine_traffic(net, int_to_ip(x), int_to_ip(y))
            assert matrix.traffic(a, b) == want, (design.stem, a, b)
            opened += bool(want)
    assert opened  # something is open over IPv6 in both designs
    plain = analyse._plain_cells(Network(net.design, net.warnings), family="ipv6")
    assert {k: (c.any, c.all) for k, c in plain.items()} == {k: (c.any, c.all) for k, c in matrix.cells.items()}


@pytest.mark.parametrize("design", IPV6_DESIGNS + [ROOT / "scenarios" / "nat-bastion.yaml"], ids=lambda p: p.stem)
def test_reach_over_either_family_matches_the_engine_pair_by_pair(design: Path) -> None:
    """family either: a pair's traffic is what gets through over IPv4 (the instances by name, as
    trace addresses them) or over IPv6 (their first IPv6 addresses, when both have one), checked
    against check.Engine pair by pair; and the grouped matrix against the cell-by-cell one."""
    net = vpcsim.load(design)
    matrix = reach(net, family="either")
    assert matrix.family == "either" and matrix.to_json()["family"] == "either"
    d = net.design
    assert set(matrix.rows) == set(d.instances)  # every instance, IPv6 address or not
    six = {name: [a for n in inst.interfaces if (a := d.interfaces[n].address_of(128)) is not None]
           for name, inst in d.instances.items()}
    only_six = 0
    for a in matrix.rows:
        for b in matrix.cols:
            if a == b:
                continue
            four = engine_traffic(net, a, b)
            want = four
            for x in six[a][:1]:
                for y in six[b][:1]:
                    want = want | engine_traffic(net, int_to_ip(x), int_to_ip(y))
            assert matrix.traffic(a, b) == want, (design.stem, a, b)
            only_six += bool(want - four)
    # What IPv6 alone opens is in the either matrix: dual-stack's app-a -> app-b (tcp 22 over ::/0).
    assert only_six or design.stem == "nat-bastion"
    plain = analyse._plain_cells(Network(net.design, net.warnings), family="either")
    assert {k: (c.any, c.all) for k, c in plain.items()} == {k: (c.any, c.all) for k, c in matrix.cells.items()}
    # Each family's matrix of the same network is inside it, cell by cell.
    for family in ("ipv4", "ipv6"):
        for (a, b), cell in reach(net, family=family).cells.items():
            assert cell.any - matrix.traffic(a, b) == Traffic.none(), (family, a, b)


def test_reach_over_either_family_keeps_both_internets() -> None:
    # `internet` stands for the internet of both families: an either matrix has a row for each.
    net = vpcsim.load(ROOT / "scenarios" / "dual-stack.yaml")
    matrix = reach(net, "internet", family="either")
    assert set(matrix.rows) == {"internet", "internet6"}
    assert matrix.traffic("internet6", "app-a") == reach(net, "internet6").traffic("internet6", "app-a")
    assert matrix.traffic("internet", "bastion") == reach(net, "internet").traffic("internet", "bastion")
    assert not matrix.traffic("internet", "app-a")  # behind NAT on IPv4: only IPv6 opens it


@pytest.mark.parametrize("design", IPV6_DESIGNS, ids=lambda p: p.stem)
def test_reach_from_the_ipv6_internet_matches_the_engine(design: Path) -> None:
    """internet6 rows: the union (any) and meet (all) over the IPv6 internet's classes, each
    class's representative checked by check.Engine; and the exposure's IPv6 column agrees."""
    net = vpcsim.load(design)
    matrix = reach(net, "internet6")
    assert matrix.family == "ipv6" and matrix.rows == ("internet6",)
    an = analyse.analyser(net)
    reps = [c.representative for c in an.internet_classes6()]
    assert len(reps) == (1 if design.stem == "dual-stack" else 2)  # ipv6-mix names 2001:db8:bad::/48
    report = exposure(net)
    for name in matrix.cols:
        addr = int_to_ip(next(a for n in net.design.instances[name].interfaces
                              if (a := net.design.interfaces[n].address_of(128)) is not None))
        each = [engine_traffic(net, rep, addr) for rep in reps]
        union, meet = Traffic.none(), each[0]
        for t in each:
            union, meet = union | t, meet & t
        cell = matrix.cell("internet6", name)
        got = (cell.any, cell.all) if cell is not None else (Traffic.none(), Traffic.none())
        assert got == (union, meet), name
        assert report[name].ipv6 == union, name
    if design.stem == "dual-stack":  # the mistake: app-a open to ssh from the IPv6 internet, app-b not
        assert matrix.traffic("internet6", "app-a") == Traffic.parse("tcp/22")
        assert matrix.traffic("internet6", "app-b") == Traffic.none()
        assert reach(net, "app-b", "internet6").traffic("app-b", "internet6")  # out by the egress-only gateway
    else:  # 8443 from one IPv6 range only: open to some of the IPv6 internet, not to all of it
        cell = matrix.cell("internet6", "web")
        assert cell is not None and (cell.any, cell.all) == (Traffic.parse("tcp/443,8443"), Traffic.parse("tcp/443"))


def test_reach_family_errors() -> None:
    net = vpcsim.load(IPV6_DESIGNS[0])
    with pytest.raises(vpcsim.UsageError, match="internet6 is the IPv6 internet"):
        reach(net, "internet6", family="ipv4")
    with pytest.raises(vpcsim.UsageError, match="expected ipv4, ipv6 or either"):
        reach(net, family="ipv5")
    assert reach(vpcsim.load(BASIC), family="ipv6").cells == {}  # no IPv6 address: an empty matrix
    with pytest.raises(vpcsim.UsageError, match="onprem:office is reached over IPv4"):
        reach(vpcsim.load(ROOT / "scenarios" / "transit-hub.yaml"), "onprem:office", family="ipv6")


def test_reach_by_subnet_and_security_group() -> None:
    net = vpcsim.load(BASIC)
    m = net.reach(by="subnet,security_group")
    assert m.by == ("subnet", "security_group")
    assert m.traffic("public-a", "db") == Traffic.parse("tcp/5432")
    assert m.traffic("private-a", "db") == Traffic.none()  # db admits the web group, not its own members
    cell = m.cell("public-a", "web")
    assert cell is not None and cell.pairs == 1  # web-a -> web-b (web-a -> itself is skipped)
    assert m.cell("public-a", "nothing") is None


def test_reach_from_the_internet_and_any_versus_all() -> None:
    net = vpcsim.load(BASIC)
    m = reach(net, "internet", {"tag": {"tier": "web"}})
    cell = m.cell("internet", "web-a")
    assert cell is not None
    assert cell.any == Traffic.parse("tcp/22,80,443")  # ssh from the admin range
    assert cell.all == Traffic.parse("tcp/80,443")  # ... but not from every internet address
    assert not cell.uniform and cell.pairs == 2
    assert reach(net, "198.51.100.0/24", "web-a").traffic("internet", "web-a") == Traffic.parse("tcp/22,80,443")
    assert reach(net, "sg:db", "internet").cells == {}  # the private subnets have no way out


def test_reach_on_a_generated_design(generated: Network) -> None:
    m = reach(generated, by="subnet,security_group")
    an = analyse.analyser(generated)
    assert m.class_pairs <= len(an.classes) ** 2 * 2
    # vpc0's app tier reaches vpc1's databases over the peering (a group reference across it);
    # vpc0's own databases in that subnet may not (their egress stays in vpc0).
    cell = m.cell("vpc0-priv-2", "vpc1-db")
    assert cell is not None and cell.any == Traffic.parse("tcp/5432") and cell.all == Traffic.none()
    assert m.cell("vpc1-priv-2", "vpc0-db") is None  # vpc0's databases admit only vpc0's app tier
    for (row, col), cell in m.cells.items():
        assert cell.any and cell.pairs > 0 and (cell.all - cell.any) == Traffic.none(), (row, col)


# Two VPCs, no peering: every pair between them goes over the internet (or nowhere), which
# analyse._Shortcuts answers from one walk per source class and internet class. The server's NACL
# admits tcp replies on 32768-65535 only, so what gets back depends on the source ports the
# server sees (a NAT gateway's 1024-65535, or the client's own), and its group admits udp 161
# from the NAT gateway's Elastic IP only, so it depends on the address the server sees too.
TWO_VPCS = """\
region: eu-west-1
vpcs:
  a: {cidrs: [10.1.0.0/16]}
  b: {cidrs: [10.2.0.0/16]}
subnets:
  a-public: {vpc: a, cidr: 10.1.0.0/24, az: eu-west-1a, route_table: a-public}
  a-private: {vpc: a, cidr: 10.1.1.0/24, az: eu-west-1a, route_table: a-private}
  b-public: {vpc: b, cidr: 10.2.0.0/24, az: eu-west-1a, route_table: b-public, network_acl: b-acl}
  b-private: {vpc: b, cidr: 10.2.1.0/24, az: eu-west-1a}
route_tables:
  a-public:
    vpc: a
    routes: [{destination: 0.0.0.0/0, internet_gateway: a-igw}]
  a-private:
    vpc: a
    routes: [{destination: 0.0.0.0/0, nat_gateway: a-nat}]
  b-public:
    vpc: b
    routes: [{destination: 0.0.0.0/0, internet_gateway: b-igw}]
internet_gateways:
  a-igw: {vpc: a}
  b-igw: {vpc: b}
nat_gateways:
  a-nat: {subnet: a-public, connectivity: public, elastic_ip: 192.0.2.1, private_ip: 10.1.0.5}
network_acls:
  b-acl:
    vpc: b
    inbound:
      - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
    outbound:
      # Replies on the Linux range only: a NAT gateway's 1024-65535 get through in part.
      - {rule: 100, action: allow, protocol: tcp, ports: 32768-65535, cidr: 0.0.0.0/0}
      - {rule: 110, action: allow, protocol: udp, ports: 1024-65535, cidr: 0.0.0.0/0}
      - {rule: 120, action: allow, protocol: icmp, cidr: 0.0.0.0/0}
      - {rule: 130, action: allow, protocol: 47, cidr: 0.0.0.0/0}
security_groups:
  out:
    vpc: a
    egress: [{protocol: all, cidr: 0.0.0.0/0}]
  server:
    vpc: b
    ingress:
      - {protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
      - {protocol: udp, ports: 161, cidr: 192.0.2.0/28}
      - {protocol: udp, ports: 53, cidr: 0.0.0.0/0}
      - {protocol: icmp, icmp_type: 8, cidr: 0.0.0.0/0}
      - {protocol: 47, cidr: 0.0.0.0/0}
instances:
  direct: {subnet: a-public, private_ip: 10.1.0.10, public_ip: 198.51.100.10, security_groups: [out]}
  behind-nat: {subnet: a-private, private_ip: 10.1.1.10, security_groups: [out]}
  server: {subnet: b-public, private_ip: 10.2.0.10, public_ip: 198.51.100.20, security_groups: [server]}
  hidden: {subnet: b-private, private_ip: 10.2.1.10, security_groups: [server]}
"""


@pytest.mark.parametrize("ephemeral", [None, (1024, 65535), (49152, 65535)])
def test_reach_between_vpcs_over_the_internet_matches_the_engine(make: Make,
                                                                 ephemeral: tuple[int, int] | None) -> None:
    net = make(TWO_VPCS)
    m = reach(net, by="instance", ephemeral=ephemeral)
    engine = Engine(net, ephemeral=ephemeral)
    for a in net.design.instances:
        for b in net.design.instances:
            if a != b:
                want = engine.reachable(_Atom(a, a), _Atom(b, b), Traffic.any())
                assert m.traffic(a, b) == want, (a, b)
    shortcuts = analyse.analyser(net, ephemeral=ephemeral).shortcuts()
    assert shortcuts._exits and shortcuts._dead  # the pairs between the VPCs took the shortcuts
    if ephemeral is None:
        assert m.traffic("behind-nat", "server") == Traffic.parse("udp/53,161") | Traffic.parse("icmp/8")  # no tcp: NAT ports
        assert m.traffic("direct", "server") == (Traffic.parse("tcp/443") | Traffic.parse("udp/53") | Traffic.parse("icmp/8")
                                                  | Traffic.parse("47"))


def test_reach_between_unpeered_vpcs_of_a_generated_design_matches_the_engine(tmp_path: Path) -> None:
    path = tmp_path / "gen.yaml"
    path.write_text(to_yaml(generate(4, 4, 2)))
    net = vpcsim.load(path)
    m = reach(net, by="interface")
    assert m.probes < m.class_pairs  # the shortcuts answered pairs without a walk of their own
    engine = Engine(net)
    enis = list(net.design.interfaces)
    for a in enis[::2]:
        for b in enis[1::2]:
            assert m.traffic(a, b) == engine.reachable(_Atom(a, a), _Atom(b, b), Traffic.any()), (a, b)


@pytest.mark.parametrize("by", ["subnet", "instance", "security_group", "vpc", "subnet,security_group",
                                "interface,vpc", "security_group,instance"])
def test_reach_by_blocks_equals_cell_by_cell(wider: Network, by: str) -> None:
    """Blocks of rows and columns that share a profile give every cell the plain loop gives."""
    m = reach(Network(wider.design, wider.warnings), by=by)
    plain = analyse._plain_cells(Network(wider.design, wider.warnings), by=by)
    assert list(m.cells) == list(plain) and m.cells == plain and m.cell_count == len(plain)
    assert all(m.cell(src, dst) == cell for (src, dst), cell in plain.items())
    if by in ("subnet", "instance", "subnet,security_group"):
        assert len(m.row_groups) < len(m.rows)  # so some cells came from a block
    for src in m.rows[:5]:
        for dst in m.cols[:5]:
            assert m.cell(src, dst) == plain.get((src, dst))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_reach_by_blocks_equals_cell_by_cell_on_every_scenario(path: Path) -> None:
    net = vpcsim.load(path)
    for by in ("subnet", "instance,security_group"):
        for src, dst in ((None, None), ("internet", None), (None, "internet")):
            plain = analyse._plain_cells(Network(net.design, net.warnings), src, dst, by=by)
            assert reach(Network(net.design, net.warnings), src, dst, by=by).cells == plain, (by, src, dst)


def _traffic(doc: dict[str, list[list[int]]]) -> Traffic:
    return Traffic(**{kind: tuple((lo, hi) for lo, hi in runs) for kind, runs in doc.items()})


def test_reach_grouped_renderings(wider: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    m = reach(wider, by="subnet")
    assert not m.grouped
    monkeypatch.setattr(analyse, "GROUPED_CELLS", 10)
    assert m.grouped
    doc = json.loads("".join(m.iter_json()))
    assert doc["grouped"] and "cells" not in doc and doc["cells_with_traffic"] == len(m.cells)
    assert [list(g) for g in m.row_groups] == doc["row_groups"]
    # Every cell can be read back from the blocks and the exceptions.
    exceptions = {(c["from"], c["to"]): c for c in doc["exceptions"]}
    rebuilt = {}
    for b in doc["blocks"]:
        for src in doc["row_groups"][b["row_group"]]:
            for dst in doc["col_groups"][b["col_group"]]:
                rebuilt[(src, dst)] = _traffic(b["traffic"])
    for key, c in exceptions.items():
        rebuilt[key] = _traffic(c["traffic"])
    assert {k: v for k, v in rebuilt.items() if v} == {k: c.any for k, c in m.cells.items()}
    assert doc["blocks"] and doc["exceptions"]
    text = analyse.reach_text(m)
    assert "blocks of rows and columns that share a profile" in text and "row group 1 (" in text
    assert len(text.splitlines()) < len(m.cells)
    rows = list(csv.DictReader(io.StringIO(m.to_csv())))
    assert any(r["pairs"] == "per cell" and " " in r["from"] for r in rows)
    from rich.console import Console

    from vpcsim.render.analyses import reach_rich

    out = io.StringIO()
    reach_rich(m, console=Console(file=out, width=200))
    assert "row group 1" in out.getvalue() and f"{len(m.cells)} cells with traffic" in out.getvalue()


def test_cli_reach_json_streams_a_grouped_matrix(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(to_yaml(generate(2, 4, 2)))
    monkeypatch.setattr(analyse, "GROUPED_CELLS", 10)
    monkeypatch.setattr(analyse.ReachMatrix, "cells", property(lambda self: pytest.fail("spelled out")))
    assert main(["reach", "-d", str(path), "--by", "subnet", "--json"]) == 0
    out = capsys.readouterr().out
    pieces = out.splitlines()
    doc = json.loads(out)
    assert doc["grouped"] and len(pieces) == 1 and doc["blocks"]
    assert main(["reach", "-d", str(path), "--by", "subnet", "--text"]) == 0
    assert "row group 1" in capsys.readouterr().out


@pytest.mark.parametrize("by", ["foo", "subnet,vpc,instance"])
def test_reach_bad_grouping(by: str) -> None:
    with pytest.raises(vpcsim.UsageError, match="--by"):
        reach(vpcsim.load(BASIC), by=by)


# -- CLI -------------------------------------------------------------------------------------------


def test_cli_exposure_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "exposed.yaml"
    path.write_text(EXPOSED)
    assert main(["exposure", "--design", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) >= {"design", "interfaces", "exposed", "severity_counts", "internet_classes", "results"}
    assert doc["interfaces"] == 3 and doc["exposed"] == 2 and len(doc["results"]) == 3
    db = next(r for r in doc["results"] if r["instance"] == "db")
    assert db["severity"] == "critical" and db["public_ip"] == "192.0.2.10" and db["internet_gateway"] == "igw"
    assert {f["severity"] for f in db["findings"]} == {"critical", "high", "medium", "info"}
    assert db["findings"][0]["traffic"] == {"tcp": [[5432, 5432]], "udp": [[161, 161]]}
    assert main(["exposure", "--design", str(path), "--json", "--min-severity", "critical"]) == 0
    assert [r["instance"] for r in json.loads(capsys.readouterr().out)["results"]] == ["db"]


def test_cli_exposure_csv_and_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "exposed.yaml"
    path.write_text(EXPOSED)
    assert main(["exposure", "-d", str(path), "--csv", "--min-severity", "high"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {(r["instance"], r["severity"], r["protocol"], r["ports"]) for r in rows} >= {
        ("db", "critical", "tcp", "5432"), ("db", "critical", "udp", "161"), ("db", "high", "tcp", "8080-8081"),
        ("db", "high", "ip", "47"),
    }
    assert all(r["severity"] in ("critical", "high") for r in rows)
    assert main(["exposure", "-d", str(BASIC)]) == 0  # not a terminal: plain text
    out = capsys.readouterr().out
    assert "2 of 4 interfaces exposed" in out and "web-a (192.0.2.10 via prod-igw)" in out


def test_cli_reach_json_and_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reach", "-d", str(BASIC), "--from", "sg:web", "--to", "subnet:private-a", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["by"] == {"rows": "instance", "cols": "instance"}
    assert doc["rows"] == ["web-a", "web-b"] and doc["cols"] == ["db-primary"]
    assert [(c["from"], c["to"], c["traffic"]) for c in doc["cells"]] == [
        ("web-a", "db-primary", {"tcp": [[5432, 5432]]}), ("web-b", "db-primary", {"tcp": [[5432, 5432]]})]
    assert main(["reach", "-d", str(BASIC), "--by", "subnet", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {"from", "to", "tcp", "udp", "icmp", "icmpv6", "ip", "uniform", "pairs"} == set(rows[0])
    assert {"from": "public-a", "to": "private-a", "tcp": "5432", "udp": "", "icmp": "", "icmpv6": "", "ip": "",
            "uniform": "yes",
            "pairs": "1"} in rows


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["reach", "--by", "nope"], 2, "--by"),
        (["reach", "--from", "nope"], 3, "'nope' is not an instance"),
        (["reach", "--to", "subnet:nope"], 3, "no subnet named 'nope'"),
    ],
)
def test_cli_errors(args: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*args, "-d", str(BASIC)]) == code
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("args", [["exposure", "--json", "--csv"], ["exposure", "--min-severity", "bad"],
                                  ["reach", "--csv", "--text"]])
def test_cli_usage_errors(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*args, "-d", str(BASIC)])
    assert exc.value.code == 2


def test_cli_invalid_design(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("vpcs: {prod: {cidrs: [10.0.0.1/16]}}\n")
    assert main(["exposure", "-d", str(bad)]) == 3
    assert main(["reach", "-d", str(bad), "--json"]) == 3
    assert "host bits set" in capsys.readouterr().err
