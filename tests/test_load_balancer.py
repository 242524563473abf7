"""Load balancers and Auto Scaling groups (components/load_balancer.py, components/auto_scaling.py,
reach/balanced.py): the legs, client IP preservation, cross-zone, health checks, listeners,
located errors, check, exposure and the CLI.

AWS sources, cited where each behaviour is asserted:
- NLB client IP preservation defaults:
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation
- cross-zone load balancing (ALB always on, NLB off by default; a zone without healthy targets
  leaves DNS): https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-cross-zone.html,
  https://repost.aws/knowledge-center/elb-dns-cross-zone-balance-configuration
- an internet-facing load balancer's DNS name resolves to public addresses:
  https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html#load-balancer-scheme
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import vpcsim
from vpcsim.cli import main
from vpcsim.errors import DesignError
from vpcsim.results import Code

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "scenarios" / "web-service.yaml"
CACHE = ROOT / "scenarios" / "auto-scaling.yaml"

# A small NLB design: one VPC, two zones, a client and two instance targets (one per zone).
BASE: dict[str, Any] = {
    "version": 1,
    "region": "us-east-1",
    "vpcs": {"v": {"cidrs": ["10.0.0.0/16"]}},
    "subnets": {
        "app-a": {"vpc": "v", "cidr": "10.0.1.0/24", "az": "us-east-1a"},
        "lb-a": {"vpc": "v", "cidr": "10.0.11.0/24", "az": "us-east-1a"},
        "lb-b": {"vpc": "v", "cidr": "10.0.12.0/24", "az": "us-east-1b"},
        "srv-a": {"vpc": "v", "cidr": "10.0.21.0/24", "az": "us-east-1a"},
        "srv-b": {"vpc": "v", "cidr": "10.0.22.0/24", "az": "us-east-1b"},
    },
    "security_groups": {
        "client": {"vpc": "v", "egress": [{"protocol": "tcp", "ports": "1-65535", "cidr": "10.0.0.0/16"}]},
        "srv": {"vpc": "v", "ingress": [{"protocol": "tcp", "ports": 80, "cidr": "10.0.1.0/24"},
                                        {"protocol": "tcp", "ports": 80, "cidr": "10.0.11.0/24"},
                                        {"protocol": "tcp", "ports": 80, "cidr": "10.0.12.0/24"}]},
    },
    "instances": {
        "client": {"subnet": "app-a", "private_ip": "10.0.1.10", "security_groups": ["client"]},
        "srv-1": {"subnet": "srv-a", "private_ip": "10.0.21.10", "security_groups": ["srv"]},
        "srv-2": {"subnet": "srv-b", "private_ip": "10.0.22.10", "security_groups": ["srv"]},
    },
    "load_balancers": {
        "nlb": {
            "type": "network", "scheme": "internal",
            "nodes": [{"subnet": "lb-a", "private_ip": "10.0.11.5"}, {"subnet": "lb-b", "private_ip": "10.0.12.5"}],
            "listeners": [{"protocol": "TCP", "port": 80, "target_groups": ["tg"]}],
        },
    },
    "target_groups": {"tg": {"vpc": "v", "protocol": "TCP", "port": 80, "targets": ["srv-1", "srv-2"]}},
}


def _design(tmp_path: Path, change: Any = None) -> Path:
    doc = json.loads(json.dumps(BASE))
    if change is not None:
        change(doc)
    path = tmp_path / "lb.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _load(tmp_path: Path, change: Any = None) -> vpcsim.Network:
    return vpcsim.load(_design(tmp_path, change))


def test_nlb_preserves_the_client_address_and_the_reply_goes_back_through_the_node(tmp_path: Path) -> None:
    got = _load(tmp_path).trace_balanced("client", "nlb", 80)
    assert got.reachable and set(got.reached_targets) == {"srv-1", "srv-2"}
    # Cross-zone is off (an NLB's default): each node forwards to its own zone's target only.
    assert {(t.node, t.target) for t in got.targets} == {("nlb.lb-a", "srv-1"), ("nlb.lb-b", "srv-2")}
    path = next(t for t in got.targets if t.target == "srv-1" and t.node == "nlb.lb-a")
    # Instance targets: the target sees the client's own address (client IP preservation).
    assert path.leg.forward[-1].packet.src == "10.0.1.10"
    # The reply is steered to the node, not routed straight to the client's subnet.
    assert path.leg.return_path[-1].kind == "load_balancer"
    assert "app-a" not in {hop.name for hop in path.leg.return_path}
    # The health check comes from the node's own address.
    assert path.health is not None and path.health.forward[-1].packet.src == "10.0.11.5"


def test_without_the_client_address_the_target_must_admit_the_node(tmp_path: Path) -> None:
    def ip_targets(doc: dict[str, Any]) -> None:
        doc["target_groups"]["tg"].update(target_type="ip", targets=["10.0.21.10", "10.0.22.10"])
        # Only the client's subnet: the node's addresses are refused.
        doc["security_groups"]["srv"]["ingress"] = [{"protocol": "tcp", "ports": 80, "cidr": "10.0.1.0/24"}]

    got = _load(tmp_path, ip_targets).trace_balanced("client", "nlb", 80)
    # ip targets on TCP: preservation is off by default, so the node's address arrives and is refused.
    assert not got.reachable and got.reached_targets == ()
    assert all(t.leg.forward[-1].packet.src in ("10.0.11.5", "10.0.12.5") for t in got.targets)
    assert Code.ENI_SG_RULES_MISMATCH in {b.code for t in got.targets for b in t.leg.blocked_by}

    def preserved(doc: dict[str, Any]) -> None:
        ip_targets(doc)
        doc["target_groups"]["tg"]["preserve_client_ip"] = True
        doc["target_groups"]["tg"]["health_check"] = {"port": 80}
        doc["security_groups"]["srv"]["ingress"] += [{"protocol": "tcp", "ports": 80, "cidr": "10.0.11.0/24"},
                                                      {"protocol": "tcp", "ports": 80, "cidr": "10.0.12.0/24"}]

    again = _load(tmp_path, preserved).trace_balanced("client", "nlb", 80)
    assert again.reachable


def test_a_node_whose_address_elb_picks_stands_at_its_subnets_first_free_address(tmp_path: Path) -> None:
    # `private_ip: auto`: ELB gives each node "a private IP address from each subnet you specify"
    # (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#availability-zones).
    def picked(doc: dict[str, Any]) -> None:
        doc["instances"]["squatter"] = {"subnet": "lb-a", "private_ip": "10.0.11.4", "security_groups": ["client"]}
        for node in doc["load_balancers"]["nlb"]["nodes"]:
            node["private_ip"] = "auto"

    net = _load(tmp_path, picked)
    # The first free address past the four AWS reserves, skipping one an instance holds.
    assert net.design.interfaces["nlb.lb-a"].private_ips == (0x0A000B05,)
    assert net.design.interfaces["nlb.lb-b"].private_ips == (0x0A000C04,)
    got = net.trace_balanced("client", "nlb", 80)
    assert got.reachable
    health = next(t.health for t in got.targets if t.node == "nlb.lb-b")
    assert health is not None and health.forward[-1].packet.src == "10.0.12.4"  # from the stand-in
    # Judged at the stand-in only: a node is not expanded into address cases, whose clones would be
    # plain interfaces without listeners (docs/terraform.md, "Addresses AWS picks").
    assert not any(eni.dynamic for eni in net.design.interfaces.values() if eni.name.startswith("nlb."))


def test_a_node_private_ip_is_an_address_or_auto(tmp_path: Path) -> None:
    def typo(doc: dict[str, Any]) -> None:
        doc["load_balancers"]["nlb"]["nodes"][0]["private_ip"] = "automatic"

    with pytest.raises(DesignError) as info:
        _load(tmp_path, typo)
    found = [d for d in info.value.diagnostics if "nodes[0]: private_ip" in d.message]
    assert found and "'automatic'" in found[0].message and found[0].location is not None
    assert found[0].location.line > 0


def test_cross_zone_off_leaves_a_zone_without_targets(tmp_path: Path) -> None:
    def one_zone(doc: dict[str, Any]) -> None:
        doc["target_groups"]["tg"]["targets"] = ["srv-1"]

    net = _load(tmp_path, one_zone)
    got = net.trace_balanced("client", "nlb", 80)
    assert got.reachable  # ELB takes the empty zone's node out of DNS
    assert [n.in_dns for n in got.nodes] == [True, False] or [n.node for n in got.nodes if n.in_dns] == ["nlb.lb-a"]
    assert Code.LB_ZONE_WITHOUT_TARGETS in {b.code for b in got.blocked_by}
    pinned = net.trace_balanced("client", "10.0.12.5", 80)  # a client that uses the node's address
    assert not pinned.reachable

    def across(doc: dict[str, Any]) -> None:
        one_zone(doc)
        doc["load_balancers"]["nlb"]["cross_zone"] = True

    assert _load(tmp_path, across).trace_balanced("client", "10.0.12.5", 80).reachable


def test_no_listener_drops_at_the_node(tmp_path: Path) -> None:
    got = _load(tmp_path).trace_balanced("client", "nlb", 81)
    assert not got.reachable and got.listener is None
    assert got.blocked_by[0].code is Code.LB_NO_LISTENER
    front = got.nodes[0].front
    assert front.disposition.value == "DENIED_IN" and front.forward[-1].kind == "load_balancer"


def test_a_blocked_health_check_makes_the_target_unhealthy(tmp_path: Path) -> None:
    def health_port(doc: dict[str, Any]) -> None:
        doc["target_groups"]["tg"]["health_check"] = {"port": 8080}  # the srv group never opens it

    got = _load(tmp_path, health_port).trace_balanced("client", "nlb", 80)
    assert not got.reachable
    codes = {b.code for b in got.blocked_by}
    assert {Code.LB_TARGET_UNHEALTHY, Code.LB_NO_HEALTHY_TARGET} <= codes
    assert all(not t.healthy and t.leg.reachable for t in got.targets)  # traffic itself would pass


def test_observed_health_that_disagrees_is_flagged(tmp_path: Path) -> None:
    def observed(doc: dict[str, Any]) -> None:
        doc["target_groups"]["tg"]["targets"] = [{"instance": "srv-1", "health": "unhealthy"}, "srv-2"]

    got = _load(tmp_path, observed).trace_balanced("client", "nlb", 80)
    assert [w.code for w in got.warnings] == [Code.LB_HEALTH_DISAGREES]
    assert "srv-1" in got.warnings[0].detail


def test_an_internet_facing_alb_is_reached_by_its_public_addresses_even_from_inside(tmp_path: Path) -> None:
    net = vpcsim.load(WEB)
    got = net.trace_balanced("web-1", "web-alb", 443)
    # The name resolves to the nodes' public addresses: web-1 goes out through the IGW and back in.
    assert [n.address for n in got.nodes] == ["198.51.100.21", "198.51.100.22"]
    assert "internet_gateway" in {hop.kind for hop in got.nodes[0].front.forward}


def test_an_alb_proxies_from_the_node_on_the_load_balancer_ports() -> None:
    got = vpcsim.load(WEB).trace_balanced("load-test", "web-alb", 443)
    leg = got.targets[0].leg
    assert leg.forward[0].kind == "load_balancer"
    assert leg.forward[-1].packet.src in ("10.30.21.10", "10.30.22.10")
    assert leg.forward[-1].packet.src_ports == ((1024, 65535),)
    assert leg.forward[-1].packet.dst_ports == ((8080, 8080),)


@pytest.mark.parametrize("change, code, message", [
    (lambda d: d["load_balancers"]["nlb"].update(type="gateway"), "lb-type", "type 'gateway'"),
    (lambda d: d["load_balancers"]["nlb"]["listeners"][0].update(target_groups=["nope"]), "unknown-reference",
     "target group 'nope' is not defined"),
    # A node is an interface of the design: the interfaces' own address rule places it.
    (lambda d: d["load_balancers"]["nlb"]["nodes"][0].update(private_ip="10.0.99.5"), "private-ip-outside-subnet",
     "outside its subnet lb-a"),
    (lambda d: d["load_balancers"]["nlb"].update(type="application"), "lb-security-groups",
     "always has security"),
    (lambda d: d["load_balancers"]["nlb"]["listeners"][0].update(protocol="HTTP"), "lb-value", "'HTTP'"),
    (lambda d: d["target_groups"]["tg"].update(protocol="UDP", preserve_client_ip=False), "lb-preserve",
     "always on for UDP"),
    (lambda d: d["target_groups"]["tg"].update(targets=["ghost"]), "unknown-reference", "no instance named 'ghost'"),
    (lambda d: (d["subnets"].update({"lb-a2": {"vpc": "v", "cidr": "10.0.13.0/24", "az": "us-east-1a"}}),
                d["load_balancers"]["nlb"]["nodes"][1].update(subnet="lb-a2", private_ip="10.0.13.5")), "lb-zone",
     "both in us-east-1a"),
    (lambda d: d.update(auto_scaling_groups={"g": {"subnets": ["srv-a"], "launch_template": {
        "security_groups": ["srv"]}, "min": 3, "desired": 2}}), "asg-capacity", "min 3 <= desired 2"),
    (lambda d: d.update(auto_scaling_groups={"g": {"subnets": ["srv-a"], "launch_template": {
        "security_groups": ["srv"]}, "target_groups": ["zzz"]}}), "unknown-reference", "target group 'zzz'"),
])
def test_bad_load_balancers_are_located_errors(tmp_path: Path, change: Any, code: str, message: str) -> None:
    with pytest.raises(DesignError) as info:
        _load(tmp_path, change)
    found = [d for d in info.value.diagnostics if d.code == code]
    assert found, [f"{d.code}: {d.message}" for d in info.value.diagnostics]
    assert message in found[0].message and found[0].location is not None and found[0].location.line > 0


def test_auto_scaling_members_are_instances_in_turn_across_subnets(tmp_path: Path) -> None:
    def group(doc: dict[str, Any]) -> None:
        doc["auto_scaling_groups"] = {"web": {"subnets": ["srv-a", "srv-b"], "launch_template": {
            "security_groups": ["srv"]}, "min": 1, "desired": 3, "max": 5, "target_groups": ["tg"]}}
        doc["target_groups"]["tg"]["targets"] = []

    net = _load(tmp_path, group)
    members = [n for n in net.design.instances if n.startswith("web-")]
    assert members == ["web-1", "web-2", "web-3"]
    assert [net.design.interfaces[m].subnet for m in members] == ["srv-a", "srv-b", "srv-a"]
    got = net.trace_balanced("client", "nlb", 80)
    assert {t.target for t in got.targets if t.node == "nlb.lb-a"} == {"web-1", "web-3"}  # its zone only
    assert set(got.reached_targets) == {"web-1", "web-2", "web-3"}
    assert net.trace("client", "web", 80).reachable  # a trace may name the group (its first member)


def test_check_judges_a_load_balancer_destination_leg_by_leg(tmp_path: Path) -> None:
    def one_zone(doc: dict[str, Any]) -> None:
        doc["target_groups"]["tg"]["health_check"] = {"port": 8080}

    net = _load(tmp_path, one_zone)
    report = net.check([{"id": "lb", "from": "client", "to": {"load_balancer": "nlb"}, "traffic": "tcp/80",
                         "expect": "reachable"}])
    assert not report.ok  # every target fails its health check
    with pytest.raises(DesignError, match="answers connections"):
        net.check([{"id": "src", "from": {"load_balancer": "nlb"}, "to": "client", "traffic": "tcp/80",
                    "expect": "reachable"}])


def test_exposure_lists_internet_facing_listeners_with_the_ports_targets_receive() -> None:
    report = vpcsim.load(WEB).exposure()
    by_listener = {x.listener: x for x in report.listeners}
    assert set(by_listener) == {"HTTPS:443", "HTTPS:8443", "HTTP:80"}
    https = by_listener["HTTPS:443"]
    assert https.reachable and https.reached == ("web-asg-1",)
    assert ("web", "web-asg-1", 8080, True) in https.targets
    assert not by_listener["HTTP:80"].reached and "LB_NO_HEALTHY_TARGET" in by_listener["HTTP:80"].blocked_by
    # The nodes themselves: judged through to the targets, so only what gets to one.
    node = report["web-alb.lb-a"]
    assert node.traffic.describe() == "tcp 443"  # 80: no healthy target; 8443: the api targets refuse


def test_cli_traces_a_load_balancer_as_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--design", str(WEB), "load-test", "web-alb", "443", "--text"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("REACHABLE: load-test -> web-alb (application, internet-facing) HTTPS:443")
    assert "== web-alb.lb-a -> web-asg-1:8080 (target group web; healthy) ==" in out
    assert main(["trace", "--design", str(WEB), "load-test", "web-alb", "443", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["reached_targets"] == ["web-asg-1"] and len(doc["nodes"]) == 2
    assert {t["target"] for t in doc["targets"] if not t["healthy"]} == {"web-asg-2"}
    assert main(["trace", "--design", str(CACHE), "app-a1", "cache-nlb", "6379", "--text"]) == 0
    assert "LB_ZONE_WITHOUT_TARGETS" in capsys.readouterr().out


def test_a_load_balancer_cannot_be_a_trace_source() -> None:
    assert main(["trace", "--design", str(WEB), "web-alb", "web-1", "443", "--text"]) == 3


def test_a_classic_load_balancer_forwards_to_its_instances_on_the_instance_port(tmp_path: Path) -> None:
    def classic(doc: dict[str, Any]) -> None:
        doc["security_groups"]["elb"] = {"vpc": "v", "ingress": [{"protocol": "tcp", "ports": 443,
                                                                   "cidr": "10.0.0.0/16"}]}
        doc["load_balancers"]["clb"] = {
            "type": "classic", "scheme": "internal", "security_groups": ["elb"],
            "nodes": [{"subnet": "lb-a", "private_ip": "10.0.11.7"}, {"subnet": "lb-b", "private_ip": "10.0.12.7"}],
            "instances": ["srv-1", "srv-2"],
            "listeners": [{"protocol": "HTTPS", "port": 443, "instance_port": 80, "instance_protocol": "HTTP"}]}

    got = _load(tmp_path, classic).trace_balanced("client", "clb", 443)
    assert got.reachable and set(got.reached_targets) == {"srv-1", "srv-2"}
    assert {t.port for t in got.targets} == {80}
    # A Classic Load Balancer balances across zones by default (and proxies from the node).
    assert {(t.node, t.target) for t in got.targets} >= {("clb.lb-a", "srv-2"), ("clb.lb-b", "srv-1")}
    assert all(t.leg.forward[-1].packet.src in ("10.0.11.7", "10.0.12.7") for t in got.targets)


def test_check_covers_every_member_of_a_group_with_one_walk_per_subnet(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from vpcsim.check import Engine

    def group(doc: dict[str, Any]) -> None:
        doc["auto_scaling_groups"] = {"web": {"subnets": ["srv-a", "srv-b"], "launch_template": {
            "security_groups": ["srv"]}, "min": 1, "desired": 20, "max": 40}}

    net = _load(tmp_path, group)
    calls: list[tuple[str, str]] = []
    original = Engine._reachable

    def counted(self: Engine, src: Any, dst: Any, *args: Any) -> Any:
        calls.append((src.text, dst.text))
        return original(self, src, dst, *args)

    monkeypatch.setattr(Engine, "_reachable", counted)
    report = net.check([{"id": "web", "from": "client", "to": {"auto_scaling_group": "web"}, "traffic": "tcp/80",
                         "expect": "reachable"}])
    assert report.ok and report.results[0].pairs == 20  # every member is a pair of the promise...
    assert len(calls) == 2  # ...decided by one walk per subnet the members share
    broken = net.check([{"id": "web", "from": "client", "to": {"auto_scaling_group": "web"}, "traffic": "tcp/22",
                         "expect": "reachable"}])
    assert len(broken.results[0].violations) == 20  # and every member is named in a violation
