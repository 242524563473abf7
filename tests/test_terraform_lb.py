"""Terraform: aws_lb / aws_alb / aws_elb, their listeners, rules, target groups and attachments
become `load_balancers` and `target_groups`.

The plan is hand-made (tests/data/terraform/make_fixtures.py, `load_balancers()`): the shared
plans hold few load balancers, and none with target groups and targets (test_terraform.py pins
those). Provider semantics (registry.terraform.io, aws_lb, aws_lb_listener, aws_lb_target_group,
aws_elb): load_balancer_type defaults to "application", internal to false, target_type to
"instance", an ALB listener's protocol to HTTP; ELB picks each node's addresses when it makes it
("a private IP address from each subnet you specify",
https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#availability-zones).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import vpcsim
from vpcsim.cli import main
from vpcsim.errors import DesignError
from vpcsim.importers.terraform import PLACEHOLDER_PUBLIC, design_to_yaml, terraform_to_design
from vpcsim.model import AUTO_ADDRESS, Cidr, int_to_ip

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "tests" / "data" / "terraform" / "load_balancers_plan.json"
STATE = ROOT / "tests" / "data" / "terraform" / "load_balancers_state.json"
SHARED = ROOT.parent / "shared" / "terraform"
PLACEHOLDERS = Cidr.parse(str(PLACEHOLDER_PUBLIC))


def _plan() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PLAN.read_text())
    return data


def _change(plan: dict[str, Any], address: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in plan["resource_changes"] if c["address"] == address)
    return found


def _write(tmp_path: Path, plan: dict[str, Any], name: str = "plan.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(plan, indent=2))
    return path


# -- the mapping ---------------------------------------------------------------------------------


def test_load_balancers_and_target_groups_are_imported() -> None:
    design, warnings = terraform_to_design(PLAN, validate=True)
    lbs, groups = design["load_balancers"], design["target_groups"]
    assert sorted(lbs) == ["edge", "front", "internal", "legacy"]
    assert "unsupported" not in design
    front = lbs["front"]
    # internal = false, load_balancer_type application; subnets = aws_subnet.public (both).
    assert (front["type"], front["scheme"], front["security_groups"]) == ("application", "internet-facing", ["alb"])
    assert [n["subnet"] for n in front["nodes"]] == ["public.0", "public.1"]
    assert all(n["private_ip"] == AUTO_ADDRESS for n in front["nodes"])
    assert all(PLACEHOLDERS.contains(vpcsim.model.ip_to_int(n["public_ip"])) for n in front["nodes"])
    # The HTTPS listener's default action forwards to web, its rule's forward block to api; the
    # HTTP listener redirects (no target group).
    assert front["listeners"] == [{"protocol": "HTTPS", "port": 443, "target_groups": ["web", "api"]},
                                  {"protocol": "HTTP", "port": 80}]
    # Target group web: the attached instance, then Auto Scaling group fleet's stand-ins.
    assert groups["web"]["targets"] == [{"instance": "web"}, {"instance": "fleet.app.0"}, {"instance": "fleet.app.1"}]
    assert "health_check" not in groups["api"]  # port "9000" is the traffic port: nothing to say
    assert groups["db"] == {**groups["db"], "protocol": "TCP", "port": 5432, "target_type": "ip",
                            "targets": [{"ip": "10.40.11.50"}]}
    # The internal NLB: a subnet_mapping's private_ipv4_address is used as it is; no groups.
    internal = lbs["internal"]
    assert internal["scheme"] == "internal" and "security_groups" not in internal and internal["cross_zone"] is True
    assert internal["nodes"] == [{"subnet": "app.0", "private_ip": "10.40.10.100"},
                                 {"subnet": "app.1", "private_ip": AUTO_ADDRESS}]
    # The internet-facing NLB's node is at its Elastic IP (a placeholder: the EIP's address is unknown).
    eip = next(w for w in warnings if w.code == "tf-placeholder" and "aws_eip.edge" in w.message)
    assert lbs["edge"]["nodes"][0]["public_ip"] in eip.message
    # The CLB: listener blocks, aws_elb_attachment and aws_autoscaling_attachment, health_check target.
    legacy = lbs["legacy"]
    assert legacy["listeners"] == [{"protocol": "HTTP", "port": 80, "instance_port": 8080}]
    assert legacy["instances"] == ["web", "fleet.app.0", "fleet.app.1"]
    assert legacy["health_check_port"] == 8080


def test_unknown_addresses_are_said_and_located() -> None:
    _, warnings = terraform_to_design(PLAN)
    plan = _plan()
    index = next(i for i, c in enumerate(plan["resource_changes"]) if c["address"] == "aws_lb.front")
    dhcp = [w for w in warnings if w.code == "tf-dhcp" and "aws_lb.front" in w.message]
    assert len(dhcp) == 1 and "private_ip: auto" in dhcp[0].message
    assert dhcp[0].location is not None and dhcp[0].location.path == f"aws_lb.front, $.resource_changes[{index}]"
    assert dhcp[0].location.line > 1
    public = [w for w in warnings if w.code == "tf-placeholder" and w.message.startswith("aws_lb.front:")]
    assert len(public) == 2  # one placeholder public IP per internet-facing node
    # The internal NLB's public IPs: none (internal); its node at 10.40.10.100 is not a placeholder.
    assert not any(w.code == "tf-placeholder" and "aws_lb.internal" in w.message for w in warnings)


def test_a_state_links_by_ids_and_keeps_the_addresses_it_knows() -> None:
    design, warnings = terraform_to_design(STATE, validate=True)
    lbs = design["load_balancers"]
    # Links through ARNs and ids: nothing inferred or unknown.
    assert not {"tf-inferred", "tf-unknown", "tf-external"} & {w.code for w in warnings}
    assert lbs["shop"]["dns_name"] == "shop-1234567890.eu-west-1.elb.amazonaws.com"
    assert lbs["shop"]["listeners"] == [{"protocol": "HTTPS", "port": 443, "target_groups": ["web"]}]
    assert design["target_groups"]["web"]["targets"] == [{"instance": "web"}]
    # The NLB's subnet_mapping: its Elastic IP (allocation_id -> aws_eip.ssh) and chosen private IP.
    assert lbs["ssh"]["nodes"] == [{"subnet": "a", "private_ip": "10.9.1.200", "public_ip": "52.18.0.9"}]
    # Terraform records no ALB node address: auto, and placeholders said to be so.
    assert all(n["private_ip"] == AUTO_ADDRESS for n in lbs["shop"]["nodes"])
    assert sum(w.code == "tf-placeholder" and "a state does not record" in w.message for w in warnings) == 2
    net = vpcsim.load(STATE)
    assert net.trace("internet", "shop", 443).reachable  # sg-0web admits 8080 from sg-0alb
    assert not net.trace("internet", "ssh", 22).reachable  # no listener


def test_a_cidr_drawn_through_an_auto_nodes_subnet_is_said(tmp_path: Path) -> None:
    # The node is judged at its stand-in (the subnet's first free address) only: where a rule cuts
    # its subnet, the verdict may differ for ELB's pick, and the import says so.
    _, warnings = terraform_to_design(PLAN)
    assert not any("draw(s) a CIDR" in w.message for w in warnings)
    plan = _plan()
    _change(plan, "aws_security_group.api")["change"]["after"]["ingress"][0]["cidr_blocks"] = ["10.40.0.0/25"]
    _, warnings = terraform_to_design(_write(tmp_path, plan))
    cut = [w.message for w in warnings if w.code == "tf-dhcp" and "draw(s) a CIDR" in w.message]
    assert cut and cut[0] == (
        "aws_lb.front: its node in public.0 is judged at the subnet's first free address, and security group api "
        "(10.40.0.0/25) draw(s) a CIDR through public.0 (10.40.0.0/24): a verdict may differ for the address ELB "
        "picks (give subnet_mapping.private_ipv4_address, or import the applied account)")
    # A node at a known address is not concerned (the internal NLB's in app.0: no cut there anyway).
    assert not any("aws_lb.internal" in m for m in cut)


# -- what the import lets vpcsim find ------------------------------------------------------------


def test_internet_reaches_the_alb_targets_and_the_api_group_mistake_shows() -> None:
    net = vpcsim.load(PLAN)
    result = net.trace_balanced("internet", "front", 443)
    reached = {t.target for t in result.targets if t.reached}
    assert reached == {"web", "fleet.app.0", "fleet.app.1"}
    assert result.reachable
    # Group api admits 9000 from app-a's CIDR only: the ALB's nodes (in the public subnets) fail
    # its health check, named with the rule set that refuses it.
    api = [t for t in result.targets if t.target == "api"]
    assert api and not any(t.healthy for t in api)
    assert net.trace("internet", "front", 443).reachable
    unhealthy = [b for b in result.blocked_by if b.code.value == "LB_TARGET_UNHEALTHY"]
    assert unhealthy and all("security groups [api]" in b.detail and "tcp 9000" in b.detail for b in unhealthy)
    # The nodes are at their subnets' first free addresses, the stand-ins for ELB's picks.
    node = net.design.interfaces["front.public.0"]
    assert int_to_ip(node.primary_ip) == "10.40.0.4"


def test_exposure_lists_what_the_internet_reaches_through_each_load_balancer() -> None:
    net = vpcsim.load(PLAN)
    report = net.exposure()
    by_listener = {(x.load_balancer, x.listener): x for x in report.listeners}
    assert set(by_listener) == {("front", "HTTPS:443"), ("front", "HTTP:80"), ("legacy", "HTTP:80")}
    https = by_listener[("front", "HTTPS:443")]
    assert https.reachable and set(https.reached) == {"web", "fleet.app.0", "fleet.app.1"}  # not api
    assert ("api", "api", 9000, False) in https.targets
    assert set(by_listener[("legacy", "HTTP:80")].reached) == {"web", "fleet.app.0", "fleet.app.1"}
    # The internal NLB is not in the internet's reach.
    assert not any(x.load_balancer == "internal" for x in report.listeners)


def test_internal_nlb_and_classic_load_balancer_paths() -> None:
    net = vpcsim.load(PLAN)
    assert net.trace("api", "internal", 5432).reachable  # 10.40.11.50 admits 5432 from the VPC
    assert not net.trace("internet", "internal", 5432).reachable  # internal: no public address
    assert net.trace("internet", "legacy", 80).reachable  # 80 -> web:8080, admitted from group legacy
    assert not net.trace("internet", "legacy", 443).reachable  # no listener on 443


def test_a_target_group_sg_mistake_in_the_plan_flips_the_verdict(tmp_path: Path) -> None:
    # The same plan with web's rule from the ALB's group removed: the ALB reaches no target.
    plan = _plan()
    plan["resource_changes"] = [c for c in plan["resource_changes"] if c["address"] != "aws_security_group_rule.web_from_alb"]
    net = vpcsim.load(_write(tmp_path, plan))
    result = net.trace("internet", "front", 443)
    assert not result.reachable
    assert any("security groups [web]" in b.detail for b in result.blocked_by)
    assert net.trace("internet", "legacy", 80).reachable  # the CLB's group is still admitted


# -- round trip ----------------------------------------------------------------------------------


def test_import_cli_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "design.yaml"
    assert main(["import", "terraform", str(PLAN), "-o", str(out)]) == 0
    assert "tf-dhcp" in capsys.readouterr().err
    written = yaml.safe_load(out.read_text())
    assert written["load_balancers"]["front"]["nodes"][0]["private_ip"] == "auto"
    original, again = vpcsim.load(PLAN), vpcsim.load(out)
    for key in ("load_balancers", "target_groups"):
        assert original.design.extensions[key] == again.design.extensions[key], key
    assert original.design.interfaces == again.design.interfaces
    for src, dst, port in (("internet", "front", 443), ("internet", "legacy", 80), ("api", "internal", 5432),
                           ("internet", "front", 80)):
        assert original.trace(src, dst, port).reachable == again.trace(src, dst, port).reachable


def test_tf_dir_locates_the_load_balancer_in_its_block() -> None:
    plan = SHARED / "terraform-compliance" / "test_issue-171" / "plan.out.json"
    if not plan.exists():
        pytest.skip("../shared/terraform is not beside this checkout")
    _, warnings = terraform_to_design(plan, tf_dir=plan.parent)
    dhcp = next(w for w in warnings if w.code == "tf-dhcp")
    assert dhcp.location is not None and (Path(dhcp.location.file).name, dhcp.location.line) == ("main.tf", 123)


# -- what stays out, and bad input ---------------------------------------------------------------


def test_a_listener_whose_target_group_is_unknown_says_why(tmp_path: Path) -> None:
    plan = _plan()
    config = next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == "aws_lb_listener.https")
    config["expressions"]["default_action"][0]["target_group_arn"] = {"references": ["var.external_target_group"]}
    design, warnings = terraform_to_design(_write(tmp_path, plan))
    unknown = [w.message for w in warnings if w.code == "tf-unknown"]
    assert any(m.startswith("aws_lb_listener.https: default_action[0] forwards to a target group") and
               "that forward is left out" in m for m in unknown), unknown
    # The rule's forward still counts.
    assert design["load_balancers"]["front"]["listeners"][0]["target_groups"] == ["api"]


def test_what_is_not_simulated_stays_out_with_a_reason(tmp_path: Path) -> None:
    plan = _plan()
    _change(plan, "aws_lb.edge")["change"]["after"]["load_balancer_type"] = "gateway"
    _change(plan, "aws_lb_target_group.api")["change"]["after"]["target_type"] = "lambda"
    design, warnings = terraform_to_design(_write(tmp_path, plan))
    messages = [w.message for w in warnings if w.code == "tf-unsupported"]
    assert any("aws_lb.edge: load_balancer_type 'gateway'" in m for m in messages)
    assert any("aws_lb_target_group.api: lambda targets are not simulated" in m for m in messages)
    assert design["unsupported"]["edge"]["kind"] == "load_balancer"
    # The rule forwarding to api and api's attachment say what they lose.
    orphans = [w.message for w in warnings if w.code == "tf-orphan"]
    assert any("aws_lb_listener_rule.api" in m and "aws_lb_target_group.api" in m for m in orphans)
    assert any("aws_lb_target_group_attachment.api" in m for m in orphans)
    assert "api" not in design["target_groups"]


def test_without_security_groups_an_alb_has_the_vpcs_default_group(tmp_path: Path) -> None:
    # "If you ... don't specify a security group, your load balancer is automatically associated with
    # the default security group for the VPC" (ELB docs, elb-security-groups); an NLB has none.
    plan = _plan()
    config = next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == "aws_lb.front")
    del config["expressions"]["security_groups"]
    net = vpcsim.load(_write(tmp_path, plan))
    assert net.design.extensions["load_balancers"]["front"].security_groups == ("main/default",)
    assert net.design.interfaces["front.public.0"].security_groups == ("main/default",)
    assert net.design.extensions["load_balancers"]["edge"].security_groups == ()
    # The default group admits only its own members: the internet no longer gets in.
    assert not net.trace("internet", "front", 443).reachable


def test_a_dual_stack_load_balancer_needs_its_subnets_ipv6_blocks(tmp_path: Path) -> None:
    plan = _plan()
    _change(plan, "aws_lb.front")["change"]["after"]["ip_address_type"] = "dualstack"
    design, warnings = terraform_to_design(_write(tmp_path, plan), validate=True)
    assert "ip_address_type" not in design["load_balancers"]["front"]
    assert any(w.code == "tf-ipv6" and w.message.startswith("aws_lb.front: ip_address_type dualstack") for w in warnings)
    # With the subnets' IPv6 blocks known, the nodes get IPv6 addresses ELB picks (the loader's first free).
    plan = _plan()
    _change(plan, "aws_lb.front")["change"]["after"]["ip_address_type"] = "dualstack"
    _change(plan, "aws_vpc.main")["change"]["after"]["ipv6_cidr_block"] = "2600:1f18:1:a100::/56"
    for i in range(2):
        _change(plan, f"aws_subnet.public[{i}]")["change"]["after"]["ipv6_cidr_block"] = f"2600:1f18:1:a10{i}::/64"
    net = vpcsim.load(_write(tmp_path, plan, "dual.json"))
    assert net.design.extensions["load_balancers"]["front"].ip_address_type == "dualstack"
    six = net.design.interfaces["front.public.1"].ipv6_ips
    assert [int_to_ip(a) for a in six] == ["2600:1f18:1:a101::4"]


@pytest.mark.parametrize(("address", "key", "value"), [
    ("aws_lb.front", "subnet_mapping", "oops"),
    ("aws_lb.front", "internal", "yes"),
    ("aws_lb_listener.https", "default_action", {"type": 7}),
    ("aws_lb_listener.https", "port", "not-a-port"),
    ("aws_elb.legacy", "listener", [{"lb_port": "x", "lb_protocol": 5}]),
    ("aws_elb.legacy", "health_check", [{"target": "HTTP:99999/"}]),
    ("aws_lb_target_group.web", "health_check", "nope"),
    ("aws_lb_target_group_attachment.db", "target_id", ["10.40.11.50"]),
    ("aws_autoscaling_group.fleet", "traffic_source", "oops"),
    ("aws_autoscaling_group.fleet", "traffic_source", [{"identifier": 7, "type": ["elbv2"]}, None]),
    ("aws_autoscaling_group.fleet", "traffic_source", [{"identifier": "arn:aws:elasticloadbalancing:x"}]),
])
def test_odd_values_never_raise(tmp_path: Path, address: str, key: str, value: Any) -> None:
    plan = _plan()
    _change(plan, address)["change"]["after"][key] = copy.deepcopy(value)
    design, _ = terraform_to_design(_write(tmp_path, plan))
    assert design["vpcs"]  # imported, with what could not be read left out (and said)


def test_a_plan_aws_would_refuse_fails_to_load_with_a_located_error(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # Two listeners on port 443 of one ALB: ELB refuses the second (a duplicate listener).
    plan = _plan()
    http = _change(plan, "aws_lb_listener.http")
    http["change"]["after"]["port"] = 443
    index = plan["resource_changes"].index(http)
    path = _write(tmp_path, plan)
    with pytest.raises(DesignError) as info:
        vpcsim.load(path)
    duplicate = next(d for d in info.value.diagnostics if d.code == "lb-listener-duplicate")
    assert duplicate.location is not None and duplicate.location.path == f"aws_lb_listener.http, $.resource_changes[{index}]"
    assert main(["import", "terraform", str(path), "-o", str(tmp_path / "out.yaml")]) == 3
    err = capsys.readouterr().err
    assert f"{path}:" in err and "two listeners on port 443" in err and "Traceback" not in err


def test_the_written_design_validates_against_the_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "vpcsim" / "schemas" / "design.schema.json").read_text())
    design, _ = terraform_to_design(PLAN)
    jsonschema.validate(yaml.safe_load(design_to_yaml(design)), schema)
    bad = copy.deepcopy(design)
    bad["load_balancers"]["front"]["nodes"][0]["private_ip"] = "whatever"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(design_to_yaml(bad)), schema)


def test_a_redirect_listener_answers_itself(tmp_path: Path) -> None:
    # A listener that forwards to no target group (HTTP -> HTTPS redirect, fixed response): ELB
    # answers the client itself, so the connection is done at the node, and nothing is reported as
    # "no registered target". The plan's front: its HTTP:80 redirect is refused by the alb group
    # (it admits 443 only), which is what the trace says.
    from vpcsim.lint import lint

    net = vpcsim.load(PLAN)
    result = net.trace_balanced("internet", "front", 80)
    assert result.answers_itself and not result.targets and result.to_json()["answers_itself"] is True
    assert {b.code.value for b in result.blocked_by} <= {"ENI_SG_RULES_MISMATCH"}
    assert not [f for f in lint(net, select=["VPC019"]).findings if "HTTP:80" in f.message]
    assert not net.trace_balanced("internet", "front", 443).answers_itself
    # web-service's HTTP:80 listener made a redirect: its group admits 80, so the client is answered.
    text = (ROOT / "scenarios" / "web-service.yaml").read_text()
    path = tmp_path / "redirect.yaml"
    path.write_text(text.replace("{protocol: HTTP, port: 80, target_groups: [legacy]}", "{protocol: HTTP, port: 80}"))
    redirect = vpcsim.load(path)
    got = redirect.trace_balanced("internet", "web-alb", 80)
    assert got.answers_itself and got.reachable and redirect.trace("internet", "web-alb", 80).reachable
    assert not [f for f in lint(redirect, select=["VPC019"]).findings if "HTTP:80" in f.message]


# -- Auto Scaling traffic sources (TrafficSourceIdentifier, EC2 Auto Scaling API Reference:
# https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_TrafficSourceIdentifier.html) --------


def _with_traffic_source(plan: dict[str, Any], owner: str, source: dict[str, Any],
                         config: dict[str, Any]) -> dict[str, Any]:
    """`plan` with a traffic_source block on aws_autoscaling_group.fleet (`owner` "group") or on a
    new aws_autoscaling_traffic_source_attachment (`owner` "attachment")."""
    plan = copy.deepcopy(plan)
    unknown = {"identifier": True} if "identifier" not in source else {}
    if owner == "group":
        change = _change(plan, "aws_autoscaling_group.fleet")["change"]
        change["after"]["traffic_source"] = [source]
        change["after_unknown"]["traffic_source"] = [unknown]
        resource = next(r for r in plan["configuration"]["root_module"]["resources"]
                        if r["address"] == "aws_autoscaling_group.fleet")
        resource["expressions"]["traffic_source"] = [config]
        return plan
    address = "aws_autoscaling_traffic_source_attachment.fleet_api"
    plan["resource_changes"].append({
        "address": address, "mode": "managed", "type": "aws_autoscaling_traffic_source_attachment",
        "name": "fleet_api", "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": None, "after": {"traffic_source": [source]},
                   "after_unknown": {"autoscaling_group_name": True, "traffic_source": [unknown], "id": True},
                   "before_sensitive": False, "after_sensitive": {}}})
    plan["configuration"]["root_module"]["resources"].append({
        "address": address, "mode": "managed", "type": "aws_autoscaling_traffic_source_attachment",
        "name": "fleet_api", "provider_config_key": "aws", "schema_version": 0,
        "expressions": {"autoscaling_group_name": {"references": ["aws_autoscaling_group.fleet.name",
                                                                  "aws_autoscaling_group.fleet"]},
                        "traffic_source": [config]}})
    return plan


_TO_API = {"identifier": {"references": ["aws_lb_target_group.api.arn", "aws_lb_target_group.api"]},
           "type": {"constant_value": "elbv2"}}


@pytest.mark.parametrize("owner", ["group", "attachment"])
def test_a_traffic_source_registers_the_groups_members(tmp_path: Path, owner: str) -> None:
    """An Auto Scaling group attached to a target group by traffic_source (on the group, or by
    aws_autoscaling_traffic_source_attachment): its stand-ins are the group's targets, and a trace
    through the ALB's listener that forwards to it judges them."""
    before, _ = terraform_to_design(PLAN)
    assert before["target_groups"]["api"]["targets"] == [{"instance": "api"}]
    path = _write(tmp_path, _with_traffic_source(_plan(), owner, {"type": "elbv2"}, _TO_API))
    design, warnings = terraform_to_design(path, validate=True)
    assert design["target_groups"]["api"]["targets"] == [{"instance": "api"}, {"instance": "fleet.app.0"},
                                                         {"instance": "fleet.app.1"}]
    assert not [w for w in warnings if "traffic_source" in w.message]
    # The stand-ins are now the api group's targets too, each judged on port 9000 (through the ALB).
    result = vpcsim.load(path).trace_balanced("internet", "front", 443)
    api = {(t.target_group, t.target) for t in result.targets}
    assert {("api", "fleet.app.0"), ("api", "fleet.app.1")} <= api


def test_a_traffic_source_by_classic_name_lattice_and_bad_type(tmp_path: Path) -> None:
    """type "elb" names a Classic Load Balancer (its members listed); VPC Lattice is not simulated
    and an unknown type is left out, each with a warning that names the block."""
    legacy = {"identifier": {"references": ["aws_elb.legacy.name", "aws_elb.legacy"]},
              "type": {"constant_value": "elb"}}
    plan = _with_traffic_source(_plan(), "attachment", {"type": "elb"}, legacy)
    # (aws_autoscaling_attachment.fleet_legacy lists the same members: drop it to see this one's)
    plan["resource_changes"] = [c for c in plan["resource_changes"]
                                if c["address"] != "aws_autoscaling_attachment.fleet_legacy"]
    plan["configuration"]["root_module"]["resources"] = [
        r for r in plan["configuration"]["root_module"]["resources"]
        if r["address"] != "aws_autoscaling_attachment.fleet_legacy"]
    design, _ = terraform_to_design(_write(tmp_path, plan), validate=True)
    assert design["load_balancers"]["legacy"]["instances"] == ["web", "fleet.app.0", "fleet.app.1"]
    for source, said in (({"identifier": "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-1",
                           "type": "vpc-lattice"}, "VPC Lattice"),
                         ({"identifier": "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-1"}, "VPC Lattice"),
                         ({"identifier": "x", "type": "alb"}, "is not elb, elbv2 or vpc-lattice")):
        plan = _with_traffic_source(_plan(), "group", source, {})
        design, warnings = terraform_to_design(_write(tmp_path, plan, "odd.json"), validate=True)
        assert design["target_groups"]["web"]["targets"] == [{"instance": "web"}, {"instance": "fleet.app.0"},
                                                             {"instance": "fleet.app.1"}]
        assert [w for w in warnings if "traffic_source[0]" in w.message and said in w.message], source
