"""Dual-stack load balancers (components/load_balancer.py, reach/balanced.py): ip_address_type on
load balancers and target groups, the nodes' IPv6 addresses, each leg in its family, client IP
preservation and proxy protocol across families, exposure per family, located errors, the CLI.

AWS sources, cited where each behaviour is asserted:
- IP address types (ALB ipv4 | dualstack | dualstack-without-public-ipv4; NLB ipv4 | dualstack; the
  subnets need IPv6 blocks):
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-ip-address-type.html,
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-ip-address-type.html
- a target group's IP address type decides the family to the targets and of the health checks; an
  ipv6 group serves dual-stack load balancers only:
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-ip-address-type
- client IP preservation has no effect on traffic converted between IPv6 and IPv4 (the target sees
  the NLB's private address; proxy protocol v2 carries the client's):
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation,
  https://docs.aws.amazon.com/whitepapers/latest/ipv6-on-aws/scaling-the-dual-stack-network-design-in-aws.html
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Make
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vpcsim
from vpcsim.cli import main
from vpcsim.errors import DesignError, EndpointError
from vpcsim.model import int_to_ip, parse_ip
from vpcsim.results import Code, StepKind

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "dual-stack-alb.yaml"
V6 = "2600:1f18:aa00:1e00::/56"

# One dual-stack VPC: public subnets for the load balancers, app subnets for the targets.
BASE: dict[str, Any] = {
    "version": 1,
    "region": "us-east-1",
    "vpcs": {"v": {"cidrs": ["10.0.0.0/16"], "ipv6_cidrs": [V6]}},
    "subnets": {
        "lb-a": {"vpc": "v", "cidr": "10.0.11.0/24", "ipv6_cidr": "2600:1f18:aa00:1e11::/64", "az": "us-east-1a",
                 "route_table": "public"},
        "lb-b": {"vpc": "v", "cidr": "10.0.12.0/24", "ipv6_cidr": "2600:1f18:aa00:1e12::/64", "az": "us-east-1b",
                 "route_table": "public"},
        "srv-a": {"vpc": "v", "cidr": "10.0.21.0/24", "ipv6_cidr": "2600:1f18:aa00:1e21::/64", "az": "us-east-1a"},
    },
    "route_tables": {"public": {"vpc": "v", "routes": [
        {"destination": "0.0.0.0/0", "internet_gateway": "igw"},
        {"destination": "::/0", "internet_gateway": "igw"}]}},
    "internet_gateways": {"igw": {"vpc": "v"}},
    "security_groups": {
        "alb": {"vpc": "v", "ingress": [{"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"},
                                        {"protocol": "tcp", "ports": 443, "cidr": "::/0"}],
                "egress": [{"protocol": "all", "cidr": "0.0.0.0/0"}, {"protocol": "all", "cidr": "::/0"}]},
        # The targets admit the load balancers' subnets by IPv4 only, and 80 from anywhere on both.
        "srv": {"vpc": "v", "ingress": [{"protocol": "tcp", "ports": 8080, "cidr": "10.0.0.0/16"},
                                        {"protocol": "tcp", "ports": 80, "cidr": "0.0.0.0/0"},
                                        {"protocol": "tcp", "ports": 80, "cidr": "::/0"}]},
    },
    "instances": {
        "srv-1": {"subnet": "srv-a", "private_ip": "10.0.21.10", "ipv6_addresses": ["2600:1f18:aa00:1e21::10"],
                  "security_groups": ["srv"]},
    },
    "load_balancers": {
        "alb": {
            "type": "application", "ip_address_type": "dualstack", "security_groups": ["alb"],
            "nodes": [{"subnet": "lb-a", "private_ip": "10.0.11.5", "public_ip": "198.51.100.5",
                       "ipv6_address": "2600:1f18:aa00:1e11::5"},
                      {"subnet": "lb-b", "private_ip": "10.0.12.5", "public_ip": "198.51.100.6"}],
            "listeners": [{"protocol": "HTTPS", "port": 443, "target_groups": ["web"]}],
        },
        "nlb": {
            "type": "network", "ip_address_type": "dualstack",
            "nodes": [{"subnet": "lb-a", "private_ip": "10.0.11.7", "public_ip": "198.51.100.7",
                       "ipv6_address": "2600:1f18:aa00:1e11::7"}],
            "listeners": [{"protocol": "TCP", "port": 80, "target_groups": ["tcp4"]}],
        },
    },
    "target_groups": {
        "web": {"vpc": "v", "protocol": "HTTP", "port": 8080, "targets": ["srv-1"]},
        "tcp4": {"vpc": "v", "protocol": "TCP", "port": 80, "targets": ["srv-1"]},
    },
}


def _doc(change: Any = None) -> str:
    """BASE as YAML, after `change(doc)` edits a copy of it (for the `make` fixture)."""
    doc = json.loads(json.dumps(BASE))
    if change is not None:
        change(doc)
    return yaml.safe_dump(doc, sort_keys=False)


def _src(leg: Any) -> str:
    return str(leg.forward[0].packet.src)


def test_each_node_has_an_ipv6_address_given_or_picked_in_its_subnet(make: Make) -> None:
    def crowded(doc: dict[str, Any]) -> None:  # an interface holds the subnet's first usable IPv6 address
        doc["instances"]["edge"] = {"subnet": "lb-b", "private_ip": "10.0.12.9",
                                    "ipv6_addresses": ["2600:1f18:aa00:1e12::4"]}

    net = make(_doc(crowded))
    given = net.design.interfaces["alb.lb-a"]
    assert [int_to_ip(a) for a in given.private_ips] == ["10.0.11.5", "2600:1f18:aa00:1e11::5"]
    # AWS picks one in lb-b's block: the first free address past the four reserved ones.
    assert [int_to_ip(a) for a in net.design.interfaces["alb.lb-b"].private_ips] == ["10.0.12.5",
                                                                                   "2600:1f18:aa00:1e12::5"]


def test_ipv6_client_reaches_ipv4_targets_through_a_dual_stack_alb(make: Make) -> None:
    net = make(_doc())
    got = net.trace_balanced("internet6", "alb", 443)
    assert got.reachable and got.family == "ipv6" and got.reached_targets == ("srv-1",)
    front = got.nodes[0].front
    assert got.nodes[0].address == "2600:1f18:aa00:1e11::5"  # the DNS name's AAAA record
    igw = next(h for h in front.forward if h.kind == "internet_gateway")
    assert str(igw.packet.dst) == "2600:1f18:aa00:1e11::5"  # IPv6: untranslated through the IGW
    leg = got.targets[0]
    assert leg.family == "ipv4" and _src(leg.leg) == "10.0.11.5"  # the node's own IPv4 address
    notes = [s for s in leg.leg.forward[0].steps if s.kind is StepKind.TRANSLATE]
    assert notes and "opens IPv4 to the target" in notes[0].detail and "X-Forwarded-For" in notes[0].detail
    # A typed translation: the client's IPv6 packet at the node, then the node's IPv4 one.
    translation = notes[0].translation
    assert translation is not None and str(translation.before.dst) == "2600:1f18:aa00:1e11::5"
    assert str(translation.after.src) == "10.0.11.5" and str(translation.after.dst) == "10.0.21.10"
    # The same load balancer over IPv4: no translation step.
    four = net.trace_balanced("internet", "alb", 443)
    assert four.reachable and four.family == "ipv4"
    assert not [s for s in four.targets[0].leg.forward[0].steps if s.kind is StepKind.TRANSLATE]


def test_an_ipv6_target_group_is_reached_from_the_nodes_ipv6_addresses(make: Make) -> None:
    def six(doc: dict[str, Any]) -> None:
        doc["target_groups"]["web"]["ip_address_type"] = "ipv6"

    got = make(_doc(six)).trace_balanced("internet", "alb", 443)
    # The health check runs in the group's family, from the node's IPv6 address, which the srv
    # group (10.0.0.0/16 on 8080) does not admit: unhealthy, whatever the client's family.
    assert not got.reachable and {t.family for t in got.targets} == {"ipv6"}
    assert {_src(t.leg) for t in got.targets} == {"2600:1f18:aa00:1e11::5", "2600:1f18:aa00:1e12::4"}
    assert {b.code for b in got.blocked_by} >= {Code.LB_TARGET_UNHEALTHY, Code.LB_NO_HEALTHY_TARGET}

    def admitted(doc: dict[str, Any]) -> None:
        six(doc)
        doc["security_groups"]["srv"]["ingress"].append({"protocol": "tcp", "ports": 8080, "cidr": V6})

    fixed = make(_doc(admitted))
    assert fixed.trace_balanced("internet", "alb", 443).reachable
    assert fixed.trace_balanced("internet6", "alb", 443).reachable


def test_nlb_preserves_the_client_address_only_within_one_family(make: Make) -> None:
    net = make(_doc())
    # IPv4 client, ipv4 instance targets: preservation (on for instance targets) shows the client.
    four = net.trace_balanced("internet", "nlb", 80)
    assert four.reachable and _src(four.targets[0].leg) == int_to_ip(net.internet_address)
    # IPv6 client, ipv4 targets: translated; the target sees the node's private IPv4 address.
    six = net.trace_balanced("internet6", "nlb", 80)
    assert six.reachable and _src(six.targets[0].leg) == "10.0.11.7"
    note = next(s for s in six.targets[0].leg.forward[0].steps if s.kind is StepKind.TRANSLATE)
    assert "client IP preservation has no effect" in note.detail and "proxy protocol v2 is off" in note.detail

    def six_group(doc: dict[str, Any]) -> None:
        doc["target_groups"]["tcp4"].update(ip_address_type="ipv6", target_type="ip", preserve_client_ip=True,
                                            proxy_protocol_v2=True, targets=["2600:1f18:aa00:1e21::10"])

    net6 = make(_doc(six_group))
    both6 = net6.trace_balanced("internet6", "nlb", 80)
    assert both6.reachable and _src(both6.targets[0].leg) == int_to_ip(net6.internet_address6)
    cross = net6.trace_balanced("internet", "nlb", 80)  # IPv4 client, IPv6 targets: the node's IPv6
    assert cross.reachable and _src(cross.targets[0].leg) == "2600:1f18:aa00:1e11::7"
    note = next(s for s in cross.targets[0].leg.forward[0].steps if s.kind is StepKind.TRANSLATE)
    assert "proxy protocol v2 is on" in note.detail and int_to_ip(net6.internet_address) in note.detail


def test_dualstack_without_public_ipv4_answers_the_internet_over_ipv6_only(make: Make) -> None:
    def no_public(doc: dict[str, Any]) -> None:
        alb = doc["load_balancers"]["alb"]
        alb["ip_address_type"] = "dualstack-without-public-ipv4"
        for node in alb["nodes"]:
            node.pop("public_ip")

    net = make(_doc(no_public))
    four = net.trace_balanced("internet", "alb", 443)
    assert not four.reachable
    assert [b.code for b in four.blocked_by][:1] == [Code.LB_ADDRESS_FAMILY]
    assert net.trace_balanced("internet6", "alb", 443).reachable
    listeners = {(x.load_balancer, x.family) for x in net.exposure().listeners}
    assert ("alb", "ipv6") in listeners and ("alb", "ipv4") not in listeners  # no public IPv4 to expose


def test_an_ipv4_load_balancer_refuses_an_ipv6_client(make: Make) -> None:
    def ipv4(doc: dict[str, Any]) -> None:
        nlb = doc["load_balancers"]["nlb"]
        nlb["ip_address_type"] = "ipv4"
        nlb["nodes"][0].pop("ipv6_address")

    net = make(_doc(ipv4))
    with pytest.raises(EndpointError, match="load balancer nlb is ipv4 .* no AAAA record"):
        net.trace_balanced("internet6", "nlb", 80)
    assert net.design.interfaces["nlb.lb-a"].private_ips == (parse_ip("10.0.11.7"),)
    # check pairs both families when asked: the IPv6 internet's pair is a violation, not an error.
    report = net.check([{"id": "both", "from": "internet", "to": {"load_balancer": "nlb"}, "traffic": "tcp/80",
                         "expect": "reachable", "family": "either"}])
    (result,) = report.results
    assert not result.passed and result.pairs == 2
    assert "LB_ADDRESS_FAMILY" in result.explain() and "no AAAA record" in result.explain()
    assert net.check([{"id": "v4", "from": "internet", "to": {"load_balancer": "nlb"}, "traffic": "tcp/80",
                       "expect": "reachable"}]).ok


def test_a_node_named_by_its_ipv6_address_is_traced_over_ipv6(make: Make) -> None:
    net = make(_doc())
    got = net.trace_balanced("internet6", "2600:1f18:aa00:1e11::5", 443)
    assert got.family == "ipv6" and [n.node for n in got.nodes] == ["alb.lb-a"] and got.reachable
    # Two interfaces talk IPv4 even when one names the other's IPv6 address, as `trace` has them
    # (walk.same_family; batch agrees): a dual-stack instance reaches the node's IPv4 address.
    inside = net.trace_balanced("srv-1", "2600:1f18:aa00:1e11::5", 443)
    assert inside.family == "ipv4" and inside.nodes[0].address == "10.0.11.5"
    assert net.trace("srv-1", "2600:1f18:aa00:1e11::5", 443).flow.dst_ip == "10.0.11.5"

    def ipv4_nlb(doc: dict[str, Any]) -> None:
        doc["load_balancers"]["nlb"]["ip_address_type"] = "ipv4"
        doc["load_balancers"]["nlb"]["nodes"][0].pop("ipv6_address")

    # The IPv6 internet to an ipv4 node's public address: no address of its family, as trace says.
    with pytest.raises(EndpointError, match="has no IPv6 address"):
        make(_doc(ipv4_nlb)).trace_balanced("internet6", "198.51.100.7", 80)


@pytest.mark.parametrize("change, code, message", [
    (lambda d: d["load_balancers"]["nlb"].update(ip_address_type="dualstack-without-public-ipv4"),
     "lb-ip-address-type", "a Network Load Balancer's is one of: ipv4, dualstack"),
    (lambda d: d["load_balancers"]["alb"].update(ip_address_type="ipv6"), "lb-ip-address-type",
     "'ipv6' (expected one of: ipv4, dualstack, dualstack-without-public-ipv4"),
    (lambda d: d["load_balancers"].update(clb={"type": "classic", "ip_address_type": "dualstack",
                                                "security_groups": ["alb"],
                                                "nodes": [{"subnet": "lb-a", "private_ip": "10.0.11.9"}],
                                                "listeners": [{"protocol": "TCP", "port": 80}]}),
     "lb-ip-address-type", "a Classic Load Balancer's is one of: ipv4"),
    (lambda d: d["load_balancers"]["nlb"].update(scheme="internal", ip_address_type="dualstack-without-public-ipv4",
                                                  type="application", security_groups=["alb"]),
     "lb-ip-address-type", "'dualstack-without-public-ipv4' is for internet-facing load balancers"),
    (lambda d: d["load_balancers"]["alb"].update(ip_address_type="dualstack-without-public-ipv4"),
     "lb-public-ip", "dualstack-without-public-ipv4 load balancer's nodes have no public IPv4 address"),
    (lambda d: d["load_balancers"]["nlb"].update(ip_address_type="ipv4"), "lb-ipv6-address",
     "ip_address_type is ipv4, so its nodes have no IPv6 address"),
    (lambda d: d["subnets"]["lb-b"].pop("ipv6_cidr"), "lb-ipv6-subnet", "its subnet lb-b has no IPv6 block"),
    (lambda d: d["load_balancers"]["alb"]["nodes"][0].update(ipv6_address="2600:1f18:aa00:1e12::5"),
     "private-ip-outside-subnet", "outside its subnet lb-a"),
    (lambda d: (d["load_balancers"]["nlb"].update(ip_address_type="ipv4"),
                d["load_balancers"]["nlb"]["nodes"][0].pop("ipv6_address"),
                d["target_groups"]["tcp4"].update(ip_address_type="ipv6")), "lb-group-family",
     "an ipv6 target group serves dual-stack load balancers only"),
    (lambda d: (d["target_groups"]["web"].update(ip_address_type="ipv6"),
                d["instances"]["srv-1"].pop("ipv6_addresses")), "lb-target-family",
     "instance srv-1 has no IPv6 address"),
    (lambda d: d["target_groups"]["tcp4"].update(ip_address_type="ipv6", target_type="ip",
                                                 targets=["2001:db8::10"]), "lb-target-family",
     "IPv6 target 2001:db8::10 is outside vpc v's IPv6 blocks"),
    (lambda d: d["target_groups"]["tcp4"].update(ip_address_type="ipv6", target_type="ip", targets=["10.0.21.10"]),
     "address", "'10.0.21.10' is an IPv4 address (expected an IPv6 address)"),
    (lambda d: d["target_groups"]["tcp4"].update(ip_address_type="dualstack"), "lb-ip-address-type",
     "ip_address_type 'dualstack' (expected ipv4 or ipv6"),
])
def test_bad_dual_stack_settings_are_located_errors(make: Make, change: Any, code: str, message: str) -> None:
    with pytest.raises(DesignError) as info:
        make(_doc(change))
    found = [d for d in info.value.diagnostics if d.code == code]
    assert found, [f"{d.code}: {d.message}" for d in info.value.diagnostics]
    assert message in found[0].message, found[0].message
    assert found[0].location is not None and found[0].location.line > 0


def test_check_and_exposure_judge_the_load_balancer_per_family() -> None:
    net = vpcsim.load(SCENARIO)
    report = net.check([
        {"id": "web6", "from": "internet6", "to": {"load_balancer": "web-alb"}, "traffic": "tcp/443",
         "expect": "reachable"},
        {"id": "api6", "from": "internet6", "to": {"load_balancer": "api-alb"}, "traffic": "tcp/443",
         "expect": "reachable"},
    ])
    verdicts = {r.assertion.id: r.passed for r in report.results}
    assert verdicts == {"web6": True, "api6": False}
    exposure = net.exposure()
    rows = {(x.load_balancer, x.family): x for x in exposure.listeners}
    assert rows[("web-alb", "ipv6")].reached == ("web-1", "web-2")
    assert rows[("api-alb", "ipv6")].reached == () and ("api-alb", "ipv4") not in rows
    assert rows[("web-alb", "ipv6")].to_json()["family"] == "ipv6"
    # A node is judged through to its targets on IPv6 too: api-alb's forward to no healthy target.
    assert exposure["api-alb.public-a"].ipv6.describe() == "nothing"
    assert exposure["web-alb.public-b"].ipv6.describe() == "tcp 443"


def test_cli_traces_internet6_to_a_load_balancer_as_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["trace", "--design", str(SCENARIO), "internet6", "web-alb", "443"]
    assert main([*args, "--text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("REACHABLE: internet6 -> web-alb (application, internet-facing, IPv6) HTTPS:443")
    assert "== client -> web-alb.public-a (eu-west-1a, 2600:1f18:4a00:6e00::10) ==" in out
    assert main([*args, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["family"] == "ipv6" and doc["reached_targets"] == ["web-1", "web-2"]
    assert {t["family"] for t in doc["targets"]} == {"ipv4"}
    # api-alb: not reachable (trace's exit code is 0 for any verdict), every blocked health check named.
    assert main(["trace", "--design", str(SCENARIO), "internet6", "api-alb", "443", "--text"]) == 0
    assert "LB_TARGET_UNHEALTHY target api-1 of api6" in capsys.readouterr().out


def test_reach_and_batch_agree_with_the_balanced_trace_over_ipv6() -> None:
    net = vpcsim.load(SCENARIO)
    matrix = net.reach("internet6", None, family="ipv6")
    got = {col: cell.any.describe() for (_, col), cell in matrix.cells.items() if cell.any}
    nodes = [n for n in net.design.interfaces if "." in n and n.split(".")[0] in ("web-alb", "api-alb", "game-nlb")]
    for node in nodes:
        lb = node.split(".")[0]
        port = 7777 if lb == "game-nlb" else 443
        pinned = net.trace_balanced("internet6", node, port)
        assert pinned.family == "ipv6"
        assert (got.get(node) == f"tcp {port}") is pinned.reachable, (node, got.get(node))
        assert net.reachable("internet6", node, port) is pinned.reachable  # batch's verdict table
    assert got.get("web-alb.public-b") == "tcp 443" and "api-alb.public-a" not in got


def _lint_modified(tmp_path: Path, old: str, new: str) -> Any:
    from vpcsim.lint import lint_path

    text = SCENARIO.read_text()
    assert text.count(old) == 1, old
    path = tmp_path / SCENARIO.name
    path.write_text(text.replace(old, new))
    return lint_path(path)


def test_vpc036_fixed_by_admitting_the_nodes_ipv6_blocks(tmp_path: Path) -> None:
    fixed = _lint_modified(tmp_path, "      - {protocol: tcp, ports: 9000, cidr: 10.40.0.0/23, description: from the load "
                           "balancers' subnets}", "      - {protocol: tcp, ports: 9000, security_group: alb}")
    assert not fixed.by_rule("VPC036") and not fixed.by_rule("VPC022")  # a group reference admits both families


def test_vpc037_a_dual_stack_node_without_an_ipv6_route(tmp_path: Path) -> None:
    report = _lint_modified(tmp_path, '      - destination: "::/0"\n        internet_gateway: shop-igw\n', "")
    found = report.by_rule("VPC037")
    assert [f.subject for f in found] == ["web-alb:public-a", "web-alb:public-b", "api-alb:public-a",
                                          "api-alb:public-b", "game-nlb:public-a"]
    assert "sends no IPv6 destination to an internet gateway" in found[0].message
    # ... and the walk agrees: the node's reply to the IPv6 internet has no route.
    net = vpcsim.load(tmp_path / SCENARIO.name)
    assert not net.trace_balanced("internet6", "web-alb", 443).nodes[0].front.reachable


def test_vpc038_a_dual_stack_load_balancers_groups_without_ipv6(tmp_path: Path) -> None:
    report = _lint_modified(tmp_path, '      - {protocol: tcp, ports: 443, cidr: "::/0"}\n', "")
    lines = (tmp_path / SCENARIO.name).read_text().splitlines()
    at = [n for n, line in enumerate(lines, 1) if "{protocol: HTTPS, port: 443" in line]  # the listeners
    assert [(f.subject, f.location.line if f.location else 0) for f in report.by_rule("VPC038")] == [
        ("web-alb:HTTPS:443", at[0]), ("api-alb:HTTPS:443", at[1])]
    net = vpcsim.load(tmp_path / SCENARIO.name)
    assert not net.trace_balanced("internet6", "web-alb", 443).reachable  # the walk agrees


# -- the walk against a plain model of the families ------------------------------------------------

_RULES = {"v4-vpc": "10.0.0.0/16", "v6-vpc": V6, "v4-world": "0.0.0.0/0", "v6-world": "::/0"}


@settings(derandomize=True, max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["application", "network"]), six_group=st.booleans(), six_client=st.booleans(),
       target_rules=st.sets(st.sampled_from(sorted(_RULES))), lb_rules=st.sets(st.sampled_from(["v4", "v6"])),
       preserve=st.booleans())
def test_each_leg_is_in_its_family_as_a_plain_model_says(make: Make, kind: str, six_group: bool, six_client: bool,
                                                         target_rules: set[str], lb_rules: set[str],
                                                         preserve: bool) -> None:
    """Reference: the client reaches a node if the node's groups admit its family (an NLB has none);
    the node speaks the group's family from its own address, except that an NLB that preserves the
    client's address does so within one family only; the health check always comes from the node."""
    lb_name, port = ("alb", 8080) if kind == "application" else ("nlb", 80)

    def change(doc: dict[str, Any]) -> None:
        doc["security_groups"]["srv"]["ingress"] = [{"protocol": "tcp", "ports": port, "cidr": _RULES[r]}
                                                    for r in sorted(target_rules)]
        doc["security_groups"]["alb"]["ingress"] = [{"protocol": "tcp", "ports": 443, "cidr": c}
                                                    for r, c in (("v4", "0.0.0.0/0"), ("v6", "::/0")) if r in lb_rules]
        group = doc["target_groups"]["web" if kind == "application" else "tcp4"]
        if six_group:
            group.update(ip_address_type="ipv6", target_type="ip", targets=["2600:1f18:aa00:1e21::10"])
        if kind == "network":
            group["preserve_client_ip"] = preserve

    net = make(_doc(change))
    got = net.trace_balanced("internet6" if six_client else "internet", lb_name, 443 if kind == "application" else 80)
    front_ok = kind == "network" or ("v6" if six_client else "v4") in lb_rules
    family = "v6" if six_group else "v4"
    node_ok = f"{family}-vpc" in target_rules or f"{family}-world" in target_rules
    preserved = kind == "network" and preserve and six_client == six_group
    leg_ok = f"{family}-world" in target_rules if preserved else node_ok
    assert all(n.front.reachable is front_ok for n in got.nodes)
    assert all(t.healthy is node_ok and t.leg.reachable is leg_ok for t in got.targets), [
        (t.node, t.healthy, t.leg.reachable) for t in got.targets]
    assert got.reachable is (front_ok and node_ok and leg_ok)
    client = net.internet_address6 if six_client else net.internet_address
    for t in got.targets:
        src = parse_ip(str(t.leg.forward[0].packet.src))
        assert (src == client) is preserved and (src > 0xFFFFFFFF) is six_group


def test_cli_bad_dual_stack_input_exits_3_with_located_errors(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(_doc(lambda d: d["load_balancers"]["nlb"].update(ip_address_type="dualstack-without-public-ipv4")))
    assert main(["validate", str(path)]) == 3
    err = capsys.readouterr().err
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "dualstack-without-public-ipv4" in text)
    assert f"{path}:{line}:" in err and "ip_address_type 'dualstack-without-public-ipv4'" in err
    assert "Traceback" not in err
    # An IPv6 client to an ipv4 load balancer: an endpoint error (exit 3), said plainly.
    ipv4 = tmp_path / "ipv4.yaml"
    ipv4.write_text(_doc(lambda d: (d["load_balancers"]["nlb"].update(ip_address_type="ipv4"),
                                    d["load_balancers"]["nlb"]["nodes"][0].pop("ipv6_address"))))
    assert main(["trace", "--design", str(ipv4), "internet6", "nlb", "80", "--text"]) == 3
    err = capsys.readouterr().err
    assert "load balancer nlb is ipv4" in err and "Traceback" not in err
