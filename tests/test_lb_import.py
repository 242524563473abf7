"""AWS import of load balancers, target groups and Auto Scaling groups (issue 10).

A made-up account in describe-* form (elbv2 and elb describe-load-balancers, describe-listeners,
describe-rules, attributes, describe-target-health, describe-auto-scaling-groups, launch
template versions), Batfish's NLB snapshot, and malformed input with its location.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import vpcsim
from vpcsim.errors import DesignError, Diagnostic, Severity
from vpcsim.importers.aws import design_to_yaml, snapshot_to_design
from vpcsim.results import Code

CONFORMANCE = Path(__file__).parents[1].parent / "shared" / "conformance" / "batfish-aws"
NLB = CONFORMANCE / "test-load-balancer"
needs_conformance = pytest.mark.skipif(not NLB.is_dir(), reason="shared/conformance/batfish-aws is absent")

ARN = "arn:aws:elasticloadbalancing:us-east-1:111122223333"
ALB_ARN = f"{ARN}:loadbalancer/app/web-alb/50dc6c495c0c9188"
LISTENER_ARN = f"{ARN}:listener/app/web-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"
WEB_TG = f"{ARN}:targetgroup/web/73e2d6bc24d8a067"
CANARY_TG = f"{ARN}:targetgroup/canary/1a2b3c4d5e6f7a8b"
ALLOW_ALL = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def _sg(group_id: str, name: str, ingress: list[dict[str, Any]]) -> dict[str, Any]:
    return {"GroupId": group_id, "GroupName": name, "VpcId": "vpc-1", "IpPermissions": ingress,
            "IpPermissionsEgress": ALLOW_ALL}


def _eni(eni_id: str, subnet: str, ip: str, description: str, public: str | None = None,
         instance: str | None = None, groups: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"NetworkInterfaceId": eni_id, "SubnetId": subnet, "VpcId": "vpc-1", "PrivateIpAddress": ip,
                           "Description": description, "Status": "in-use", "InterfaceType": "interface",
                           "Groups": [{"GroupId": g} for g in groups]}
    if public:
        out["Association"] = {"PublicIp": public}
    if instance:
        out["Attachment"] = {"InstanceId": instance, "DeviceIndex": 0}
    return out


def _instance(instance_id: str, name: str, subnet: str, ip: str, eni_id: str) -> dict[str, Any]:
    return {"InstanceId": instance_id, "State": {"Name": "running"}, "SubnetId": subnet, "PrivateIpAddress": ip,
            "Tags": [{"Key": "Name", "Value": name}],
            "NetworkInterfaces": [{"NetworkInterfaceId": eni_id, "SubnetId": subnet, "PrivateIpAddress": ip,
                                   "Attachment": {"DeviceIndex": 0}, "Groups": [{"GroupId": "sg-web"}]}]}


def shop() -> dict[str, Any]:
    """An internet-facing ALB in two public subnets (one listener, one rule), a Classic Load
    Balancer, a Gateway Load Balancer and a Lambda target group (neither simulated), and an Auto
    Scaling group of two instances behind the ALB."""
    subnets = [("subnet-pa", "public-a", "10.40.1.0/24", "us-east-1a"), ("subnet-pb", "public-b", "10.40.2.0/24",
               "us-east-1b"), ("subnet-wa", "private-a", "10.40.11.0/24", "us-east-1a"),
               ("subnet-wb", "private-b", "10.40.12.0/24", "us-east-1b")]
    web_asg = "arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:1:autoScalingGroupName/web-asg"
    return {
        "Vpcs.json": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.40.0.0/16", "Tags": [{"Key": "Name", "Value": "shop"}]}]},
        "Subnets.json": {"Subnets": [{"SubnetId": i, "VpcId": "vpc-1", "CidrBlock": c, "AvailabilityZone": z,
                                      "Tags": [{"Key": "Name", "Value": n}]} for i, n, c, z in subnets]},
        "InternetGateways.json": {"InternetGateways": [{"InternetGatewayId": "igw-1", "Attachments": [
            {"VpcId": "vpc-1", "State": "available"}]}]},
        "RouteTables.json": {"RouteTables": [
            {"RouteTableId": "rtb-pub", "VpcId": "vpc-1", "Tags": [{"Key": "Name", "Value": "public"}],
             "Associations": [{"SubnetId": "subnet-pa"}, {"SubnetId": "subnet-pb"}],
             "Routes": [{"DestinationCidrBlock": "10.40.0.0/16", "GatewayId": "local", "State": "active"},
                        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "active"}]},
            {"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": True}],
             "Routes": [{"DestinationCidrBlock": "10.40.0.0/16", "GatewayId": "local", "State": "active"}]}]},
        "NetworkAcls.json": {"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "IsDefault": True, "Entries": [
            {"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": e, "CidrBlock": "0.0.0.0/0"}
            for e in (False, True)]}]},
        "SecurityGroups.json": {"SecurityGroups": [
            _sg("sg-alb", "alb", [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
                                   {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
                                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]),
            _sg("sg-web", "web", [{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8081,
                                    "UserIdGroupPairs": [{"GroupId": "sg-alb"}]}])]},
        "NetworkInterfaces.json": {"NetworkInterfaces": [
            _eni("eni-alb-a", "subnet-pa", "10.40.1.10", "ELB app/web-alb/50dc6c495c0c9188", "198.51.100.10",
                 groups=("sg-alb",)),
            _eni("eni-alb-b", "subnet-pb", "10.40.2.10", "ELB app/web-alb/50dc6c495c0c9188", "198.51.100.11",
                 groups=("sg-alb",)),
            _eni("eni-clb", "subnet-pa", "10.40.1.20", "ELB legacy", "198.51.100.20", groups=("sg-alb",)),
            _eni("eni-gwlb", "subnet-pa", "10.40.1.30", "ELB gwy/inspect/0123456789abcdef"),
            _eni("eni-w1", "subnet-wa", "10.40.11.5", "", instance="i-w1", groups=("sg-web",)),
            _eni("eni-w2", "subnet-wb", "10.40.12.5", "", instance="i-w2", groups=("sg-web",))]},
        "Reservations.json": {"Reservations": [{"Instances": [
            _instance("i-w1", "web-1", "subnet-wa", "10.40.11.5", "eni-w1"),
            _instance("i-w2", "web-2", "subnet-wb", "10.40.12.5", "eni-w2")]}]},
        "LoadBalancers.json": {"LoadBalancers": [
            {"LoadBalancerArn": ALB_ARN, "LoadBalancerName": "web-alb", "Type": "application",
             "Scheme": "internet-facing", "VpcId": "vpc-1", "State": {"Code": "active"}, "SecurityGroups": ["sg-alb"],
             "DNSName": "web-alb-1234.us-east-1.elb.amazonaws.com",
             "AvailabilityZones": [{"SubnetId": "subnet-pa", "ZoneName": "us-east-1a"},
                                   {"SubnetId": "subnet-pb", "ZoneName": "us-east-1b"}]},
            {"LoadBalancerArn": f"{ARN}:loadbalancer/gwy/inspect/0123456789abcdef", "LoadBalancerName": "inspect",
             "Type": "gateway", "Scheme": "internal", "VpcId": "vpc-1", "State": {"Code": "active"},
             "AvailabilityZones": [{"SubnetId": "subnet-pa", "ZoneName": "us-east-1a"}]}]},
        # describe-listeners and describe-rules, as the AWS CLI prints them.
        "Listeners.json": {"Listeners": [
            {"ListenerArn": LISTENER_ARN, "LoadBalancerArn": ALB_ARN, "Port": 443, "Protocol": "HTTPS",
             "DefaultActions": [{"Type": "forward", "TargetGroupArn": WEB_TG}]}]},
        "Rules.json": {"Rules": [
            {"RuleArn": f"{ARN}:listener-rule/app/web-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee",
             "Priority": "10", "Actions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [
                 {"TargetGroupArn": CANARY_TG, "Weight": 1}]}}]},
            {"RuleArn": f"{ARN}:listener-rule/app/web-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/0000000000000000",
             "Priority": "default", "IsDefault": True, "Actions": [{"Type": "forward", "TargetGroupArn": WEB_TG}]}]},
        "LoadBalancerAttributes.json": {"LoadBalancerAttributes": [{"LoadBalancerArn": ALB_ARN, "Attributes": [
            {"Key": "load_balancing.cross_zone.enabled", "Value": "true"}]}]},
        "TargetGroups.json": {"TargetGroups": [
            {"TargetGroupArn": WEB_TG, "TargetGroupName": "web", "Protocol": "HTTP", "Port": 8080, "VpcId": "vpc-1",
             "TargetType": "instance", "HealthCheckEnabled": True, "HealthCheckPort": "8081",
             "HealthCheckProtocol": "HTTP"},
            {"TargetGroupArn": CANARY_TG, "TargetGroupName": "canary", "Protocol": "HTTP", "Port": 8080,
             "VpcId": "vpc-1", "TargetType": "ip", "HealthCheckPort": "traffic-port", "HealthCheckProtocol": "HTTP"},
            {"TargetGroupArn": f"{ARN}:targetgroup/fn/0f0f0f0f0f0f0f0f", "TargetGroupName": "fn",
             "TargetType": "lambda"}]},
        "TargetGroupAttributes.json": {"TargetGroupAttributes": [{"TargetGroupArn": CANARY_TG, "Attributes": [
            {"Key": "load_balancing.cross_zone.enabled", "Value": "false"}]}]},
        "LoadBalancerTargetHealth.json": {"LoadBalancerTargetHealth": [
            {"TargetGroupArn": WEB_TG, "TargetHealthDescriptions": [
                {"Target": {"Id": "i-w1", "Port": 8080}, "TargetHealth": {"State": "healthy"}},
                {"Target": {"Id": "i-w2", "Port": 8080}, "TargetHealth": {"State": "unhealthy.draining"}}]},
            {"TargetGroupArn": CANARY_TG, "TargetHealthDescriptions": [
                {"Target": {"Id": "10.40.12.5", "Port": 8081, "AvailabilityZone": "us-east-1b"},
                 "TargetHealth": {"State": "healthy"}}]}]},
        # aws elb describe-load-balancer-attributes, wrapped with the name
        "ClassicLoadBalancerAttributes.json": {"ClassicLoadBalancerAttributes": [{"LoadBalancerName": "legacy",
            "LoadBalancerAttributes": {"CrossZoneLoadBalancing": {"Enabled": False}}}]},
        # aws elb describe-load-balancers
        "LoadBalancerDescriptions.json": {"LoadBalancerDescriptions": [
            {"LoadBalancerName": "legacy", "Scheme": "internet-facing", "VPCId": "vpc-1", "Subnets": ["subnet-pa"],
             "DNSName": "legacy-1.us-east-1.elb.amazonaws.com", "SecurityGroups": ["sg-alb"],
             "ListenerDescriptions": [{"Listener": {"Protocol": "HTTP", "LoadBalancerPort": 80,
                                                    "InstanceProtocol": "HTTP", "InstancePort": 8080}}],
             "Instances": [{"InstanceId": "i-w1"}], "HealthCheck": {"Target": "HTTP:8081/health"}}]},
        "AutoScalingGroups.json": {"AutoScalingGroups": [
            {"AutoScalingGroupName": "web-asg", "AutoScalingGroupARN": web_asg, "MinSize": 2, "MaxSize": 4,
             "DesiredCapacity": 2, "VPCZoneIdentifier": "subnet-wa,subnet-wb", "TargetGroupARNs": [WEB_TG],
             "LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": "$Latest"},
             "Instances": [{"InstanceId": "i-w1", "LifecycleState": "InService"},
                           {"InstanceId": "i-w2", "LifecycleState": "InService"}]}]},
        "LaunchTemplateVersions.json": {"LaunchTemplateVersions": [
            {"LaunchTemplateId": "lt-1", "VersionNumber": 1, "DefaultVersion": True,
             "LaunchTemplateData": {"SecurityGroupIds": ["sg-alb"]}},
            {"LaunchTemplateId": "lt-1", "VersionNumber": 2, "DefaultVersion": False,
             "LaunchTemplateData": {"NetworkInterfaces": [{"DeviceIndex": 0, "Groups": ["sg-web"],
                                                           "AssociatePublicIpAddress": False}]}}]},
    }


def _write(folder: Path, files: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_text(data if isinstance(data, str) else json.dumps(data, indent=1))
    return folder


def _messages(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.message for d in diagnostics]


def _errors(folder: Path) -> list[Diagnostic]:
    with pytest.raises(DesignError) as info:
        snapshot_to_design(folder)
    return [d for d in info.value.diagnostics if d.severity is Severity.ERROR]


def test_the_load_balancers_of_a_snapshot_become_its_sections(tmp_path: Path) -> None:
    design, warnings = snapshot_to_design(_write(tmp_path / "shop", shop()), validate=True)
    alb = design["load_balancers"]["web-alb"]
    assert alb == {
        "type": "application", "scheme": "internet-facing", "aws_id": ALB_ARN,
        "dns_name": "web-alb-1234.us-east-1.elb.amazonaws.com",
        "nodes": [{"subnet": "public-a", "private_ip": "10.40.1.10", "public_ip": "198.51.100.10", "aws_id": "eni-alb-a"},
                  {"subnet": "public-b", "private_ip": "10.40.2.10", "public_ip": "198.51.100.11", "aws_id": "eni-alb-b"}],
        "security_groups": ["alb"],
        # The default action and the rule's forward: every target group the listener can reach.
        "listeners": [{"protocol": "HTTPS", "port": 443, "target_groups": ["web", "canary"]}],
    }
    assert design["load_balancers"]["legacy"] == {
        "type": "classic", "scheme": "internet-facing", "aws_id": "legacy",
        "dns_name": "legacy-1.us-east-1.elb.amazonaws.com",
        "nodes": [{"subnet": "public-a", "private_ip": "10.40.1.20", "public_ip": "198.51.100.20", "aws_id": "eni-clb"}],
        "security_groups": ["alb"], "listeners": [{"protocol": "HTTP", "port": 80, "instance_port": 8080}],
        "instances": ["web-1"], "cross_zone": False, "health_check_port": 8081,
    }
    assert design["target_groups"]["web"] == {
        "aws_id": WEB_TG, "vpc": "shop", "protocol": "HTTP", "port": 8080, "health_check": {"port": 8081},
        # "unhealthy.draining" is the design's "draining".
        "targets": [{"instance": "web-1", "health": "healthy"}, {"instance": "web-2", "health": "draining"}],
    }
    assert design["target_groups"]["canary"] == {
        "aws_id": CANARY_TG, "vpc": "shop", "protocol": "HTTP", "port": 8080, "target_type": "ip", "cross_zone": False,
        "targets": [{"ip": "10.40.12.5", "port": 8081, "health": "healthy"}],
    }
    assert "fn" not in design["target_groups"]
    assert "target group fn: lambda targets not simulated (skipped)" in _messages(warnings)
    # A Gateway Load Balancer stays unsupported; so does its interface, as before.
    kinds = {u["aws_id"]: u["kind"] for u in design["unsupported"].values()}
    assert kinds == {f"{ARN}:loadbalancer/gwy/inspect/0123456789abcdef": "load_balancer", "eni-gwlb": "network_interface"}
    # The load balancers' interfaces are their nodes, not unsupported interfaces.
    assert not {"eni-alb-a", "eni-alb-b", "eni-clb"} & set(kinds)


def test_an_imported_alb_is_traced_both_legs(tmp_path: Path) -> None:
    folder = _write(tmp_path / "shop", shop())
    net = vpcsim.load(folder)
    result = net.trace_balanced("internet", "web-alb", 443)
    assert result.listener == "HTTPS:443"
    assert {n.node for n in result.nodes} == {"web-alb.public-a", "web-alb.public-b"}
    reached = {(t.node, t.target_group, t.target) for t in result.targets if t.reached}
    # web: both members from both nodes (cross-zone); canary (cross-zone off for the group): only
    # the node in us-east-1b reaches 10.40.12.5.
    assert reached == {(n, "web", m) for n in ("web-alb.public-a", "web-alb.public-b") for m in ("web-1", "web-2")} | {
        ("web-alb.public-b", "canary", "10.40.12.5")}
    # describe-target-health said web-2 was draining; vpcsim's verdict sits beside it.
    assert {t.observed for t in result.targets if t.target == "web-2"} == {"draining"}
    # The DNS name, the ARN and the name are all endpoints.
    for name in ("web-alb-1234.us-east-1.elb.amazonaws.com", ALB_ARN):
        assert net.trace_balanced("internet", name, 443).load_balancer == "web-alb"
    classic = net.trace_balanced("internet", "legacy", 80)
    assert [(t.target, t.port, t.reached) for t in classic.targets] == [("web-1", 8080, True)]


def test_the_imported_design_round_trips(tmp_path: Path) -> None:
    folder = _write(tmp_path / "shop", shop())
    design, _ = snapshot_to_design(folder, validate=True)
    path = tmp_path / "design.yaml"
    path.write_text(design_to_yaml(design))
    again = vpcsim.load(path)
    direct = vpcsim.load(folder)
    for net in (again, direct):
        result = net.trace_balanced("internet", "web-alb", 443)
        assert sorted(t.target for t in result.targets if t.reached) == ["10.40.12.5", "web-1", "web-1", "web-2",
                                                                           "web-2"]


def test_an_observed_health_that_vpcsim_disagrees_with_is_flagged(tmp_path: Path) -> None:
    files = shop()
    files["LoadBalancerTargetHealth.json"]["LoadBalancerTargetHealth"][0]["TargetHealthDescriptions"][0][
        "TargetHealth"]["State"] = "unhealthy"
    net = vpcsim.load(_write(tmp_path / "shop", files))
    result = net.trace_balanced("internet", "web-alb", 443)
    flagged = [w for w in result.warnings if w.code is Code.LB_HEALTH_DISAGREES]
    assert [w.component for w in flagged] == ["web-1", "web-1"]  # from each node: its health check passes


@needs_conformance
def test_batfish_nlb_snapshot() -> None:
    design, warnings = snapshot_to_design(NLB)
    lb = design["load_balancers"]["test-lb"]
    assert lb["type"] == "network" and lb["scheme"] == "internal" and lb["cross_zone"] is True
    assert "security_groups" not in lb  # an NLB created without groups
    assert [(n["private_ip"], n["aws_id"]) for n in lb["nodes"]] == [("10.1.20.123", "eni-0c82d6f7254ae6695"),
                                                                     ("10.1.1.237", "eni-01f261dccaba46564")]
    assert lb["listeners"] == [{"protocol": "TCP", "port": 80, "target_groups": ["test-lb-tg"]}]
    assert design["target_groups"]["test-lb-tg"]["targets"] == [
        {"instance": "test20", "port": 22, "health": "healthy"}, {"instance": "test1", "port": 22, "health": "healthy"}]
    # Three target groups of another VPC: skipped, and said.
    assert sum("is not in the snapshot (skipped)" in m and m.startswith("target group") for m in _messages(warnings)) == 3


@needs_conformance
def test_cross_zone_off_keeps_each_node_to_its_zone(tmp_path: Path) -> None:
    """load_balancing.cross_zone.enabled false: a node reaches only its own zone's targets
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-cross-zone.html)."""
    snap = tmp_path / "nlb"
    shutil.copytree(NLB, snap)
    attributes = snap / "aws_configs" / "LoadBalancerAttributes.json"
    doc = json.loads(attributes.read_text())
    for attribute in doc["LoadBalancerAttributes"][0]["Attributes"]:
        if attribute["Key"] == "load_balancing.cross_zone.enabled":
            attribute["Value"] = "false"
    attributes.write_text(json.dumps(doc))
    net = vpcsim.load(snap)
    result = net.trace_balanced("Jump-Host", "test-lb", 80)
    assert sorted((t.zone, t.target) for t in result.targets) == [("us-east-2a", "test20"), ("us-east-2b", "test1")]


# -- malformed input: located errors, never a traceback ------------------------------------------


def _mutated(tmp_path: Path, change: Any) -> Path:
    files = copy.deepcopy(shop())
    change(files)
    return _write(tmp_path / "bad", files)


@pytest.mark.parametrize(("change", "path", "message"), [
    (lambda f: f["Listeners.json"]["Listeners"][0].update(Port="x443"), "$.Listeners[0].Port",
     "Port: expected a whole number, got a string ('x443')"),
    (lambda f: f["Listeners.json"]["Listeners"][0].update(Port=70000), "$.Listeners[0].Port",
     f"load balancer web-alb: listener {LISTENER_ARN}: Port 70000 (expected 1-65535)"),
    (lambda f: f["LoadBalancers.json"]["LoadBalancers"][0].pop("LoadBalancerName"), "$.LoadBalancers[0]",
     f"load balancer {ALB_ARN}: missing required field 'LoadBalancerName' (expected it in every item of this "
     "describe output)"),
    (lambda f: f["TargetGroups.json"]["TargetGroups"][0].update(HealthCheckPort="eighty"),
     "$.TargetGroups[0].HealthCheckPort", "target group web: HealthCheckPort 'eighty' (expected traffic-port or "
     "1-65535)"),
    (lambda f: f["LoadBalancerTargetHealth.json"]["LoadBalancerTargetHealth"][1]["TargetHealthDescriptions"][0][
        "Target"].update(Id="i-w2"), "$.LoadBalancerTargetHealth[1].TargetHealthDescriptions[0].Target.Id",
     "target group canary: target Id 'i-w2' is not an IPv4 address (expected one in an ip target group)"),
    (lambda f: f["LoadBalancerTargetHealth.json"]["LoadBalancerTargetHealth"][0]["TargetHealthDescriptions"][0].pop(
        "Target"), "$.LoadBalancerTargetHealth[0].TargetHealthDescriptions[0]",
     "target group web: target health: missing required field 'Target' (expected it in every item of this describe "
     "output)"),
    (lambda f: f["Rules.json"]["Rules"][0].pop("RuleArn"), "$.Rules[0]",
     "listener rule: missing required field 'RuleArn' (expected it in every item of this describe output)"),
    (lambda f: f["LoadBalancerDescriptions.json"]["LoadBalancerDescriptions"][0]["ListenerDescriptions"][0][
        "Listener"].update(InstancePort=0), "$.LoadBalancerDescriptions[0].ListenerDescriptions[0].Listener.InstancePort",
     "load balancer legacy: listener: InstancePort 0 (expected 1-65535)"),
    (lambda f: f["LaunchTemplateVersions.json"]["LaunchTemplateVersions"][1].pop("VersionNumber"),
     "$.LaunchTemplateVersions[1]", "launch template version: missing required field 'VersionNumber' (expected it "
     "in every item of this describe output)"),
    (lambda f: f["AutoScalingGroups.json"]["AutoScalingGroups"][0].update(DesiredCapacity="two"),
     "$.AutoScalingGroups[0].DesiredCapacity", "DesiredCapacity: expected a whole number, got a string ('two')"),
])
def test_malformed_input_is_a_located_error(tmp_path: Path, change: Any, path: str, message: str) -> None:
    errors = _errors(_mutated(tmp_path, change))
    assert [(e.location.path if e.location else None, e.message) for e in errors] == [(path, message)]
    assert errors[0].location is not None and errors[0].location.line > 0


def test_an_auto_scaling_groups_members_are_its_instances(tmp_path: Path) -> None:
    """describe-auto-scaling-groups' InService Instances are the members (no new ones expanded from
    DesiredCapacity); the launch template version ($Latest: the highest number) gives the groups."""
    files = shop()
    group = files["AutoScalingGroups.json"]["AutoScalingGroups"][0]
    design, warnings = snapshot_to_design(_write(tmp_path / "shop", files), validate=True)
    assert design["auto_scaling_groups"]["web-asg"] == {
        "aws_id": group["AutoScalingGroupARN"], "subnets": ["private-a", "private-b"],
        "launch_template": {"aws_id": "lt-1", "security_groups": ["web"]},
        "min": 2, "desired": 2, "max": 4, "target_groups": ["web"], "instances": ["web-1", "web-2"],
    }
    net = vpcsim.load(tmp_path / "shop")
    assert sorted(net.design.instances) == ["web-1", "web-2"]  # none invented
    assert net.trace("web-asg", "web-2", 8080).flow.src_ip == "10.40.11.5"  # the group names its first member
    # $Default is version 1 (the alb group); a Standby member is no member of the load balancer's.
    group["LaunchTemplate"]["Version"] = "$Default"
    group["Instances"][1]["LifecycleState"] = "Standby"
    design, warnings = snapshot_to_design(_write(tmp_path / "standby", files), validate=True)
    assert design["auto_scaling_groups"]["web-asg"]["launch_template"]["security_groups"] == ["alb"]
    assert design["auto_scaling_groups"]["web-asg"]["instances"] == ["web-1"]
    assert ("auto scaling group web-asg: member web-2 is Standby: not in service, so not registered with the "
            "group's target groups (imported as an instance only)") in _messages(warnings)
    # A version the snapshot lacks: said, and the members still come from the snapshot.
    group["LaunchTemplate"]["Version"] = "7"
    design, warnings = snapshot_to_design(_write(tmp_path / "old", files), validate=True)
    assert "launch_template" not in design["auto_scaling_groups"]["web-asg"]
    assert "aws-missing-launch-template" in [w.code for w in warnings]


def test_a_design_group_without_instances_still_expands(tmp_path: Path) -> None:
    """`instances:` is a snapshot's; a design's group expands `desired` members, and `instances: []`
    (a snapshot's group with none in service) expands none."""
    design, _ = snapshot_to_design(_write(tmp_path / "shop", shop()), validate=True)
    group = design["auto_scaling_groups"]["web-asg"]
    del group["instances"]
    path = tmp_path / "expanded.yaml"
    path.write_text(design_to_yaml(design))
    assert {"web-asg-1", "web-asg-2"} <= set(vpcsim.load(path).design.instances)
    group["instances"] = []
    path.write_text(design_to_yaml(design))
    assert not {"web-asg-1", "web-asg-2"} & set(vpcsim.load(path).design.instances)


def test_the_imported_design_matches_the_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from importlib import resources

    import yaml

    schema = json.loads(resources.files("vpcsim").joinpath("schemas/design.schema.json").read_text())
    snapshots = [_write(tmp_path / "shop", shop()), *([NLB] if NLB.is_dir() else [])]
    for folder in snapshots:
        design, _ = snapshot_to_design(folder, validate=True)
        doc = yaml.safe_load(design_to_yaml(design))
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=str)
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


# -- the README's collection commands, against a stand-in for the AWS CLI --------------------------

FAKE_AWS = '''#!/usr/bin/env python3
"""Answers the aws CLI calls of the README's collection loop from one account's describe-* files."""
import json, os, sys

files = json.load(open(os.environ["FAKE_AWS_ACCOUNT"]))
get = lambda name, key: files[name][key]
service, command, *rest = sys.argv[1:]
arg = rest[1] if len(rest) > 1 else None
answers = {
    ("elbv2", "describe-load-balancers"): lambda: {"LoadBalancers": get("LoadBalancers.json", "LoadBalancers")},
    ("elbv2", "describe-target-groups"): lambda: {"TargetGroups": get("TargetGroups.json", "TargetGroups")},
    ("elb", "describe-load-balancers"): lambda: {
        "LoadBalancerDescriptions": get("LoadBalancerDescriptions.json", "LoadBalancerDescriptions")},
    ("autoscaling", "describe-auto-scaling-groups"): lambda: {
        "AutoScalingGroups": get("AutoScalingGroups.json", "AutoScalingGroups")},
    ("autoscaling", "describe-launch-configurations"): lambda: {"LaunchConfigurations": []},
    ("ec2", "describe-launch-template-versions"): lambda: {
        "LaunchTemplateVersions": get("LaunchTemplateVersions.json", "LaunchTemplateVersions")},
    ("elb", "describe-load-balancer-attributes"): lambda: {"LoadBalancerAttributes": next(
        (x["LoadBalancerAttributes"] for x in get("ClassicLoadBalancerAttributes.json", "ClassicLoadBalancerAttributes")
         if x["LoadBalancerName"] == arg), {})},
    ("elbv2", "describe-listeners"): lambda: {
        "Listeners": [x for x in get("Listeners.json", "Listeners") if x["LoadBalancerArn"] == arg]},
    ("elbv2", "describe-load-balancer-attributes"): lambda: {"Attributes": next(
        (x["Attributes"] for x in get("LoadBalancerAttributes.json", "LoadBalancerAttributes")
         if x["LoadBalancerArn"] == arg), [])},
    ("elbv2", "describe-rules"): lambda: {
        "Rules": [x for x in get("Rules.json", "Rules") if x["RuleArn"].rsplit("/", 1)[0].replace(
            ":listener-rule/", ":listener/") == arg]},
    ("elbv2", "describe-target-health"): lambda: {"TargetHealthDescriptions": next(
        (x["TargetHealthDescriptions"] for x in get("LoadBalancerTargetHealth.json", "LoadBalancerTargetHealth")
         if x["TargetGroupArn"] == arg), [])},
    ("elbv2", "describe-target-group-attributes"): lambda: {"Attributes": next(
        (x["Attributes"] for x in get("TargetGroupAttributes.json", "TargetGroupAttributes")
         if x["TargetGroupArn"] == arg), [])},
}
json.dump(answers[(service, command)](), sys.stdout, indent=4)
'''


def test_the_readmes_collection_commands_make_a_snapshot_that_imports_the_same(tmp_path: Path) -> None:
    import os
    import re
    import subprocess

    if shutil.which("jq") is None or shutil.which("bash") is None:
        pytest.skip("the collection commands need bash and jq")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = next(b for b in re.findall(r"```sh\n(.*?)```", readme, re.S) if "aws elbv2" in b)
    account = shop()
    (tmp_path / "account.json").write_text(json.dumps(account))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text(FAKE_AWS)
    (bin_dir / "aws").chmod(0o755)
    # The EC2 part of the snapshot as the first loop writes it; the README's block adds the rest.
    snap = _write(tmp_path / "snapshot", {k: v for k, v in account.items() if k in (
        "Vpcs.json", "Subnets.json", "InternetGateways.json", "RouteTables.json", "NetworkAcls.json",
        "SecurityGroups.json", "NetworkInterfaces.json", "Reservations.json")})
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "FAKE_AWS_ACCOUNT": str(tmp_path / "account.json")}
    run = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert snap.joinpath("Rules.json").is_file()
    collected, _ = snapshot_to_design(snap, validate=True)
    direct, _ = snapshot_to_design(_write(tmp_path / "direct", account), validate=True)
    for key in ("load_balancers", "target_groups", "auto_scaling_groups"):
        assert collected[key] == direct[key], key


def test_mutated_load_balancer_files_fail_cleanly(tmp_path: Path) -> None:
    """Wrong types anywhere in the load balancer and Auto Scaling files: a located DesignError or a
    design that loads, never a traceback."""
    import random

    rng = random.Random(1010)
    account = shop()
    names = [k for k in account if k.startswith(("Load", "Listeners", "Rules", "Target", "Auto", "Launch", "Classic"))]

    def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        out = [prefix]
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
        for key, child in items:
            out.extend(paths(child, (*prefix, key)))
        return out

    for round_ in range(120):
        name = rng.choice(names)
        files = copy.deepcopy(account)
        path = rng.choice(paths(files[name])[1:])
        parent = files[name]
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = rng.choice([None, 7, -1, 70000, "x", "", True, [], {}, ["x"], {"x": 1}])
        folder = _write(tmp_path / f"m{round_}", files)
        try:
            snapshot_to_design(folder, validate=True)
        except DesignError as exc:
            errors = [d for d in exc.diagnostics if d.severity is Severity.ERROR]
            assert errors and all(d.location is not None for d in errors), (name, path, [d.format() for d in errors])


def test_a_launch_configuration_stands_in_for_a_template(tmp_path: Path) -> None:
    files = shop()
    group = files["AutoScalingGroups.json"]["AutoScalingGroups"][0]
    del group["LaunchTemplate"]
    group["LaunchConfigurationName"] = "web-lc"
    files["LaunchConfigurations.json"] = {"LaunchConfigurations": [
        {"LaunchConfigurationName": "web-lc", "SecurityGroups": ["sg-web"], "AssociatePublicIpAddress": True}]}
    design, _ = snapshot_to_design(_write(tmp_path / "shop", files), validate=True)
    # public_ip: true is accepted here: the members are listed, their addresses known.
    assert design["auto_scaling_groups"]["web-asg"]["launch_template"] == {"security_groups": ["web"],
                                                                          "public_ip": True}


def test_a_route_to_a_load_balancer_node_is_not_guessed(tmp_path: Path) -> None:
    files = shop()
    files["RouteTables.json"]["RouteTables"][1]["Routes"].append(
        {"DestinationCidrBlock": "192.0.2.0/24", "NetworkInterfaceId": "eni-alb-a", "State": "active"})
    design, warnings = snapshot_to_design(_write(tmp_path / "shop", files), validate=True)
    [route] = [r for r in design["route_tables"]["rtb-main"]["routes"] if r["destination"] == "192.0.2.0/24"]
    assert design["unsupported"][route["unsupported"]]["description"] == (
        f"an interface of {ALB_ARN}; a route to it is not simulated")


@needs_conformance
def test_the_nlb_delivers_to_both_servers() -> None:
    """What testClientToServerReachability's comment says the NLB does (the case itself passes by a
    direct SSH flow): with cross-zone on, each node reaches both servers, on the targets' port 22."""
    net = vpcsim.load(NLB, files=[f.name for f in (NLB / "aws_configs").iterdir() if f.name not in (
        "InternetGateways.json", "AvailabilityZones.json", "VpcEndpointServices.json")])
    result = net.trace_balanced("Jump-Host", "test-lb", 80)
    assert result.reachable
    assert sorted((t.node, t.target, t.port) for t in result.targets if t.reached) == [
        (node, server, 22) for node in ("test-lb.Subnet-1", "test-lb.Subnet-20") for server in ("test1", "test20")]


def test_a_launch_template_may_name_its_groups(tmp_path: Path) -> None:
    files = shop()
    files["LaunchTemplateVersions.json"]["LaunchTemplateVersions"][1]["LaunchTemplateData"] = {
        "SecurityGroups": ["web", "nope"]}
    design, warnings = snapshot_to_design(_write(tmp_path / "shop", files), validate=True)
    assert design["auto_scaling_groups"]["web-asg"]["launch_template"]["security_groups"] == ["web"]
    assert any("security group nope is not in the snapshot" in m for m in _messages(warnings))


def _dual_stack(files: dict[str, Any]) -> dict[str, Any]:
    """shop() made dual-stack: the VPC and its subnets get IPv6 blocks, web-alb is dualstack (its
    interfaces with IPv6 addresses), canary an ipv6 target group of ip targets with proxy protocol."""
    files["Vpcs.json"]["Vpcs"][0]["Ipv6CidrBlockAssociationSet"] = [
        {"Ipv6CidrBlock": "2600:1f18:aa00:2e00::/56", "Ipv6CidrBlockState": {"State": "associated"}}]
    for index, subnet in enumerate(files["Subnets.json"]["Subnets"]):
        subnet["Ipv6CidrBlockAssociationSet"] = [
            {"Ipv6CidrBlock": f"2600:1f18:aa00:2e0{index}::/64", "Ipv6CidrBlockState": {"State": "associated"}}]
    files["LoadBalancers.json"]["LoadBalancers"][0]["IpAddressType"] = "dualstack"
    enis = {e["NetworkInterfaceId"]: e for e in files["NetworkInterfaces.json"]["NetworkInterfaces"]}
    enis["eni-alb-a"]["Ipv6Addresses"] = [{"Ipv6Address": "2600:1f18:aa00:2e00:0:0:0:a"}]
    enis["eni-alb-b"]["Ipv6Addresses"] = [{"Ipv6Address": "2600:1f18:aa00:2e01::a"}]
    enis["eni-w2"]["Ipv6Addresses"] = [{"Ipv6Address": "2600:1f18:aa00:2e03::5"}]
    canary = files["TargetGroups.json"]["TargetGroups"][1]
    canary["IpAddressType"] = "ipv6"
    files["TargetGroupAttributes.json"]["TargetGroupAttributes"][0]["Attributes"].append(
        {"Key": "proxy_protocol_v2.enabled", "Value": "true"})
    files["LoadBalancerTargetHealth.json"]["LoadBalancerTargetHealth"][1]["TargetHealthDescriptions"][0]["Target"][
        "Id"] = "2600:1f18:aa00:2e03::5"
    files["SecurityGroups.json"]["SecurityGroups"][0]["IpPermissions"].append(
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]})
    files["RouteTables.json"]["RouteTables"][0]["Routes"].append(
        {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1", "State": "active"})
    return files


def test_a_dual_stack_alb_and_an_ipv6_target_group_are_imported(tmp_path: Path) -> None:
    """IpAddressType on describe-load-balancers and describe-target-groups, the ELB interfaces'
    Ipv6Addresses, proxy_protocol_v2.enabled
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancer.html,
    https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroup.html)."""
    folder = _write(tmp_path / "shop", _dual_stack(shop()))
    design, _ = snapshot_to_design(folder, validate=True)
    alb = design["load_balancers"]["web-alb"]
    assert alb["ip_address_type"] == "dualstack"
    assert [n.get("ipv6_address") for n in alb["nodes"]] == ["2600:1f18:aa00:2e00::a", "2600:1f18:aa00:2e01::a"]
    assert "ip_address_type" not in design["load_balancers"]["legacy"]  # a Classic Load Balancer: ipv4
    canary = design["target_groups"]["canary"]
    assert canary["ip_address_type"] == "ipv6" and canary["proxy_protocol_v2"] is True
    assert canary["targets"][0]["ip"] == "2600:1f18:aa00:2e03::5"
    assert "ip_address_type" not in design["target_groups"]["web"]
    net = vpcsim.load(folder)
    got = net.trace_balanced("internet6", "web-alb", 443)
    assert got.family == "ipv6" and {n.address for n in got.nodes} == {"2600:1f18:aa00:2e00::a",
                                                                       "2600:1f18:aa00:2e01::a"}
    canary_legs = [t for t in got.targets if t.target_group == "canary"]
    assert canary_legs and {t.family for t in canary_legs} == {"ipv6"}
    assert str(canary_legs[0].leg.forward[0].packet.src) == "2600:1f18:aa00:2e01::a"  # the node's IPv6 address


@pytest.mark.parametrize(("change", "path", "message"), [
    (lambda f: f["LoadBalancers.json"]["LoadBalancers"][0].update(IpAddressType="ipv6"),
     "$.LoadBalancers[0].IpAddressType", "load balancer web-alb: IpAddressType 'ipv6' (expected one of: ipv4, "
     "dualstack, dualstack-without-public-ipv4; "),
    (lambda f: f["TargetGroups.json"]["TargetGroups"][1].update(IpAddressType="dualstack"),
     "$.TargetGroups[1].IpAddressType", "target group canary: IpAddressType 'dualstack' (expected ipv4 or ipv6; "),
    (lambda f: f["LoadBalancerTargetHealth.json"]["LoadBalancerTargetHealth"][1]["TargetHealthDescriptions"][0][
        "Target"].update(Id="10.40.12.5"), "$.LoadBalancerTargetHealth[1].TargetHealthDescriptions[0].Target.Id",
     "target group canary: target Id '10.40.12.5' is not an IPv6 address (expected one in an ipv6 ip target group)"),
])
def test_bad_dual_stack_input_is_a_located_error(tmp_path: Path, change: Any, path: str, message: str) -> None:
    files = _dual_stack(shop())
    change(files)
    errors = _errors(_write(tmp_path / "bad", files))
    assert [e.location.path if e.location else None for e in errors] == [path]
    assert errors[0].message.startswith(message), errors[0].message


def test_an_auto_scaling_groups_traffic_sources_are_its_target_groups(tmp_path: Path) -> None:
    """describe-auto-scaling-groups' TrafficSources (AttachTrafficSources): an "elbv2" one is a
    target group the members are registered with, beside TargetGroupARNs (Type may be left out:
    an ARN); a VPC Lattice one is not simulated and said (TrafficSourceIdentifier, EC2 Auto
    Scaling API Reference: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_TrafficSourceIdentifier.html)."""
    lattice = "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-0123456789abcdef0"
    files = shop()
    group = files["AutoScalingGroups.json"]["AutoScalingGroups"][0]
    group["TrafficSources"] = [{"Identifier": WEB_TG, "Type": "elbv2"}, {"Identifier": lattice, "Type": "vpc-lattice"}]
    design, warnings = snapshot_to_design(_write(tmp_path / "shop", files), validate=True)
    assert design["auto_scaling_groups"]["web-asg"]["target_groups"] == ["web"]  # said twice, listed once
    assert [w for w in warnings if w.code == "aws-unsupported" and lattice in w.message
            and "VPC Lattice" in w.message and w.location is not None and w.location.line > 0]
    del group["TargetGroupARNs"]
    group["TrafficSources"] = [{"Identifier": WEB_TG}]
    design, _ = snapshot_to_design(_write(tmp_path / "sources-only", files), validate=True)
    assert design["auto_scaling_groups"]["web-asg"]["target_groups"] == ["web"]
    net = vpcsim.load(tmp_path / "sources-only")
    assert {t.target for t in net.trace_balanced("internet", "web-alb", 443).targets
            if t.target_group == "web"} >= {"web-1", "web-2"}
