"""IPv6 addresses AWS picks (`ipv6_address_count`, what Terraform plans hold): the loader gives
representatives from the subnet's /64, and every verdict holds for each address AWS may pick, or
says for which it does not (vpcsim.reach.addresses, as for `private_ip: auto`).

The reference is plain: the same design with the interface pinned at one literal IPv6 address,
for addresses sampled from every case the split claims is alike.
"""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path
from types import MappingProxyType

import pytest

import vpcsim
from vpcsim.model import int_to_ip, parse_ip
from vpcsim.network import Network
from vpcsim.reach import addresses, walk

# app: 2600:1f18:7a00:5e01::/64. pub's NACL denies what goes to its upper half (a /65), so the
# bastion reaches web over IPv6 only if AWS picks an address in the lower half.
DESIGN = textwrap.dedent("""\
    version: 1
    region: us-east-1
    vpcs:
      prod: {cidrs: [10.0.0.0/16], ipv6_cidrs: ["2600:1f18:7a00:5e00::/56"]}
    subnets:
      app: {vpc: prod, cidr: 10.0.1.0/24, ipv6_cidr: "2600:1f18:7a00:5e01::/64", az: us-east-1a}
      pub: {vpc: prod, cidr: 10.0.0.0/24, ipv6_cidr: "2600:1f18:7a00:5e00::/64", az: us-east-1a,
            network_acl: pub-acl}
    route_tables:
      main:
        vpc: prod
        main: true
        routes:
          - {destination: 0.0.0.0/0, internet_gateway: igw}
          - {destination: "::/0", internet_gateway: igw}
    internet_gateways:
      igw: {vpc: prod}
    network_acls:
      pub-acl:
        vpc: prod
        inbound:
          - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
          - {rule: 101, action: allow, protocol: all, cidr: "::/0"}
        outbound:
          - {rule: 90, action: deny, protocol: all, cidr: "2600:1f18:7a00:5e01:8000::/65"}
          - {rule: 100, action: allow, protocol: all, cidr: 0.0.0.0/0}
          - {rule: 101, action: allow, protocol: all, cidr: "::/0"}
    security_groups:
      web:
        vpc: prod
        ingress:
          - {protocol: tcp, ports: 443, cidr: "::/0"}
          - {protocol: tcp, ports: 22, cidr: "2600:1f18:7a00:5e00::/56"}
        egress:
          - {protocol: all, cidr: 0.0.0.0/0}
          - {protocol: all, cidr: "::/0"}
    instances:
      web: {subnet: app, ipv6_address_count: 1, security_groups: [web]}
      pair: {subnet: app, ipv6_address_count: 2, security_groups: [web]}
      fixed: {subnet: app, ipv6_addresses: ["2600:1f18:7a00:5e01::4"], security_groups: [web]}
      bastion: {subnet: pub, ipv6_addresses: ["2600:1f18:7a00:5e00::10"], security_groups: [web]}
    """)
BASTION6 = "2600:1f18:7a00:5e00::10"


@pytest.fixture
def net(tmp_path: Path) -> Network:
    path = tmp_path / "six.yaml"
    path.write_text(DESIGN)
    return vpcsim.load(path)


def _pinned(net: Network, name: str, addr: int) -> Network:
    """The design with one interface's IPv6 address pinned (the reference)."""
    interfaces = dict(net.design.interfaces)
    eni = interfaces[name]
    four = tuple(a for a in eni.private_ips if a <= 0xFFFFFFFF)
    interfaces[name] = dataclasses.replace(eni, private_ips=(*four, addr), ipv6_dynamic=0)
    return Network(dataclasses.replace(net.design, interfaces=MappingProxyType(interfaces)))


def _sample(lo: int, hi: int) -> list[int]:
    return sorted({lo, lo + 1, (lo + hi) // 2, hi - 1, hi} & set(range(lo, hi + 1)) if hi - lo < 8
                  else {lo, lo + 1, (lo + hi) // 2, hi - 1, hi})


def test_the_loader_picks_free_addresses_of_the_subnets_block(net: Network) -> None:
    d = net.design
    # ::0-::3 are AWS's and ::4 is fixed's: web and pair get the next free ones, in order.
    assert [int_to_ip(a) for a in d.interfaces["web.eth0"].ipv6_ips] == ["2600:1f18:7a00:5e01::5"]
    assert [int_to_ip(a) for a in d.interfaces["pair.eth0"].ipv6_ips] == ["2600:1f18:7a00:5e01::6",
                                                                         "2600:1f18:7a00:5e01::7"]
    assert d.interfaces["web.eth0"].ipv6_dynamic == 1 and d.interfaces["fixed.eth0"].ipv6_dynamic == 0
    assert d.interfaces["web.eth0"].address_of(32) is not None  # dual-stack: its IPv4 address too
    assert addresses.has_dynamic(net)


def test_cases_split_the_block_by_every_boundary(net: Network) -> None:
    cases = addresses.cases_of(net, "web.eth0")
    # The /65 cuts the /64 in two; the fixed and the other picked interfaces' own addresses are
    # holes only where they are fixed (::4), representatives elsewhere.
    assert [c.describe() for c in cases] == [
        "2600:1f18:7a00:5e01::5-2600:1f18:7a00:5e01:7fff:ffff:ffff:ffff",
        "2600:1f18:7a00:5e01:8000::-2600:1f18:7a00:5e01:ffff:ffff:ffff:fffe"]
    assert cases[0].name == "web.eth0" and cases[1].name == "web.eth0@2600:1f18:7a00:5e01:8000::"
    clone = addresses.expanded(net).net.design.interfaces[cases[1].name]
    # The clone is dual-stack too: its IPv4 address is another of its own IPv4 class.
    assert clone.address_of(128) == parse_ip("2600:1f18:7a00:5e01:8000::") and clone.address_of(32) is not None
    assert clone.address_of(32) != net.design.interfaces["web.eth0"].address_of(32)


def test_trace_says_when_the_ipv6_verdict_depends_on_the_address(net: Network) -> None:
    result = net.trace(BASTION6, "web", 22)
    assert result.address_dependent
    assert [(v.describe(), v.reachable) for v in result.address_cases] == [
        ("web.eth0 in 2600:1f18:7a00:5e01::5-2600:1f18:7a00:5e01:7fff:ffff:ffff:ffff", True),
        ("web.eth0 in 2600:1f18:7a00:5e01:8000::-2600:1f18:7a00:5e01:ffff:ffff:ffff:fffe", False)]
    assert [b.code.value for b in result.address_cases[1].blocked_by] == ["SUBNET_ACL_RESTRICTION"]
    # The internet's IPv6 flows never cross pub's NACL: one verdict whichever address.
    inbound = net.trace("internet6", "web", 443)
    assert inbound.reachable and not inbound.address_dependent


@pytest.mark.parametrize("flow", [(BASTION6, "web", 22), (BASTION6, "web", 443), ("internet6", "web", 443)])
def test_every_address_of_a_case_gets_its_verdict(net: Network, flow: tuple[str, str, int]) -> None:
    result = net.trace(*flow)
    assert result.address_cases
    for verdict in result.address_cases:
        (case,) = verdict.cases
        for lo, hi in case.runs:
            for addr in _sample(lo, hi):
                pinned = _pinned(net, "web.eth0", addr)
                assert walk.trace(pinned, *flow).reachable == verdict.reachable, (flow, int_to_ip(addr))


def test_reach_and_exposure_cover_every_case(net: Network) -> None:
    matrix = net.reach("bastion", "web", family="ipv6")
    cell = matrix.cell("bastion", "web")
    assert cell is not None and cell.any.describe() == "tcp 22,443" and not cell.all  # only at some addresses
    row = net.exposure()["web.eth0"]
    assert row.ipv6.describe() == "tcp 443"  # ::/0 on 443, whichever address


def test_check_holds_only_whichever_address(net: Network) -> None:
    report = net.check([{"id": "ssh", "from": BASTION6, "to": "web", "traffic": "tcp/22", "expect": "reachable"}])
    assert report.ok is False  # not at an address of the upper half
    lower = _pinned(net, "web.eth0", parse_ip("2600:1f18:7a00:5e01::5"))
    assert lower.check([{"id": "ssh", "from": BASTION6, "to": "web", "traffic": "tcp/22", "expect": "reachable"}]).ok


def test_a_picked_ipv4_address_keeps_the_fixed_ipv6_one_on_its_clones(tmp_path: Path) -> None:
    # `private_ip: auto` with fixed IPv6 addresses: each IPv4 case's clone is dual-stack, at an
    # address of the fixed IPv6 address's own class (before, the clones lost their IPv6 address).
    path = tmp_path / "auto4.yaml"
    path.write_text(DESIGN.replace("web: {subnet: app, ipv6_address_count: 1,",
                                   "web: {subnet: app, private_ip: auto, ipv6_addresses: ['2600:1f18:7a00:5e01::9'],")
                    .replace("{protocol: tcp, ports: 22, cidr: \"2600:1f18:7a00:5e00::/56\"}",
                             "{protocol: tcp, ports: 22, cidr: 10.0.1.0/25}"))
    net = vpcsim.load(path)
    cases = addresses.cases_of(net, "web.eth0")
    assert len(cases) == 2
    clones = [addresses.expanded(net).net.design.interfaces[c.name] for c in cases[1:]]
    assert all(c.address_of(128) is not None for c in clones)
    assert net.trace("internet6", "web", 443).reachable


@pytest.mark.parametrize(("body", "message"), [
    ("ipv6_address_count: 2, ipv6_addresses: ['2600:1f18:7a00:5e01::9']",
     "give either ipv6_addresses or ipv6_address_count, not both"),
    ("ipv6_address_count: 51", "ipv6_address_count: 51 is out of range (expected 0-50)"),
    ("ipv6_address_count: two", "ipv6_address_count: expected a whole number 0-50"),
])
def test_bad_counts_are_located(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(DESIGN.replace("web: {subnet: app, ipv6_address_count: 1,", f"web: {{subnet: app, {body},"))
    with pytest.raises(vpcsim.DesignError) as exc:
        vpcsim.load(path)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.strip().startswith("web: {subnet"))
    assert any(message in d.message and d.location is not None and d.location.line == line for d in exc.value.diagnostics), exc.value


def test_a_count_in_a_subnet_without_ipv6_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(DESIGN.replace(', ipv6_cidr: "2600:1f18:7a00:5e01::/64"', ""))
    with pytest.raises(vpcsim.DesignError) as exc:
        vpcsim.load(path)
    text = str(exc.value)
    assert "instance web: ipv6_address_count 1: subnet app has no IPv6 CIDR block" in text


def test_terraform_ipv6_address_count_is_imported_as_picked(tmp_path: Path) -> None:
    # A plan's aws_instance with ipv6_address_count = 1 and its addresses unknown until apply.
    vpc = {"cidr_block": "10.0.0.0/16", "ipv6_cidr_block": "2600:1f18:7a00:5e00::/56"}
    subnet = {"cidr_block": "10.0.1.0/24", "ipv6_cidr_block": "2600:1f18:7a00:5e01::/64",
              "availability_zone": "us-east-1a"}
    web = {"ipv6_address_count": 1, "instance_type": "t3.micro"}
    plan = {
        "format_version": "1.2", "terraform_version": "1.6.0",
        "resource_changes": [
            {"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name,
             "change": {"actions": ["create"], "after": after, "after_unknown": unknown}}
            for kind, name, after, unknown in (
                ("aws_vpc", "main", vpc, {"id": True}),
                ("aws_subnet", "app", subnet, {"id": True, "vpc_id": True}),
                ("aws_instance", "web", web, {"id": True, "subnet_id": True, "private_ip": True,
                                              "ipv6_addresses": True}))
        ],
        "configuration": {"root_module": {"resources": [
            {"address": "aws_vpc.main", "mode": "managed", "type": "aws_vpc", "name": "main", "expressions": {}},
            {"address": "aws_subnet.app", "mode": "managed", "type": "aws_subnet", "name": "app",
             "expressions": {"vpc_id": {"references": ["aws_vpc.main.id", "aws_vpc.main"]}}},
            {"address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
             "expressions": {"subnet_id": {"references": ["aws_subnet.app.id", "aws_subnet.app"]},
                             "ipv6_address_count": {"constant_value": 1}}},
        ]}},
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    net = vpcsim.load(path)
    eni = next(e for e in net.design.interfaces.values() if e.instance == "web")
    assert eni.ipv6_dynamic == 1 and eni.address_of(128) is not None
    assert not any("ipv6" in w.message.lower() and "without" in w.message for w in net.warnings)


def test_an_auto_scaling_groups_members_get_the_ipv6_addresses_aws_picks(tmp_path: Path) -> None:
    # A launch template's ipv6_address_count: each member is dual-stack, at addresses AWS picks.
    path = tmp_path / "asg.yaml"
    path.write_text(DESIGN + textwrap.dedent("""\
        auto_scaling_groups:
          fleet:
            subnets: [app]
            launch_template: {security_groups: [web], ipv6_address_count: 1}
            desired: 2
        """))
    net = vpcsim.load(path)
    members = [net.design.interfaces[n] for n in ("fleet-1", "fleet-2")]
    assert all(m.ipv6_dynamic == 1 and m.address_of(128) is not None for m in members)
    assert len({m.address_of(128) for m in members}) == 2
    assert net.trace("internet6", "fleet-1", 443).reachable
    assert net.exposure()["fleet-2"].ipv6.describe() == "tcp 443"
    result = net.trace(BASTION6, "fleet-1", 22)
    assert result.address_dependent  # the /65 cut: only some addresses AWS may pick are reached
    # In a subnet without an IPv6 block: a located error at the count.
    bad = tmp_path / "bad.yaml"
    bad.write_text(path.read_text().replace(', ipv6_cidr: "2600:1f18:7a00:5e01::/64"', ""))
    with pytest.raises(vpcsim.DesignError) as exc:
        vpcsim.load(bad)
    (diag,) = [d for d in exc.value.diagnostics if "fleet" in d.message]
    assert "ipv6_address_count 1: subnet app has no IPv6 CIDR block" in diag.message
    assert diag.location is not None and diag.location.line == len(bad.read_text().splitlines()) - 1


def test_terraform_launch_templates_ipv6_address_count_reaches_the_groups_instances(tmp_path: Path) -> None:
    # The autoscaling fixture with IPv6 added the way teams add it: the VPC's /56, a /64 per
    # subnet, and ipv6_address_count on the launch template's network interface.
    plan = json.loads((Path(__file__).parent / "data" / "terraform" / "autoscaling_plan.json").read_text())
    for rc in plan["resource_changes"]:
        after = rc["change"]["after"]
        if rc["address"] == "aws_vpc.main":
            after["ipv6_cidr_block"] = "2600:1f18:7a00:5e00::/56"
        elif rc["type"] == "aws_subnet":
            index = rc["address"][-2]
            after["ipv6_cidr_block"] = f"2600:1f18:7a00:5e0{index}::/64"
        elif rc["address"] == "aws_launch_template.web":
            after["network_interfaces"] = [{"ipv6_address_count": 1}]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    net = vpcsim.load(path)
    web = [e for e in net.design.interfaces.values() if e.instance and e.instance.startswith("web.")]
    assert web and all(e.ipv6_dynamic == 1 and e.address_of(128) is not None for e in web)
    # No count for the bastion (an aws_instance) nor the worker group (a launch configuration).
    others = [e for e in net.design.interfaces.values() if e.instance and e.instance.split(".")[0] in ("bastion", "worker")]
    assert len({e.instance.split(".")[0] for e in others if e.instance}) == 2
    assert all(e.address_of(128) is None for e in others)
