"""AWS import: describe-* JSON folders -> designs (conformance data, a moto-built account, bad input)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from vpcsim.errors import DesignError, Diagnostic, Severity
from vpcsim.importers.aws import design_to_yaml, load_snapshot_tree, snapshot_to_design
from vpcsim.loader.build import build
from vpcsim.loader.design import load_design
from vpcsim.loader.reader import Map, Scalar, Seq
from vpcsim.model import Design

DATA = Path(__file__).parent / "data" / "aws"
MINI = DATA / "mini"
CONFORMANCE = Path(__file__).parents[1].parent / "shared" / "conformance" / "batfish-aws"


def _validate(design: Design) -> list[Diagnostic]:
    try:
        from vpcsim.loader.validate import validate
    except ImportError:  # being written concurrently; build's checks still run
        return []
    return validate(design)


def _errors(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.format() for d in diagnostics if d.severity is Severity.ERROR]


def _load(path: Path | str, files: list[str] | None = None) -> tuple[Design, list[Diagnostic]]:
    """Snapshot -> Design the way api.load_design does, but with a file subset; asserts no errors."""
    tree, warnings = load_snapshot_tree(str(path), files)
    design, diagnostics = build(tree, str(path))
    diagnostics = [*warnings, *diagnostics, *_validate(design)]
    assert _errors(diagnostics) == []
    return design, diagnostics


def _codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def _write(folder: Path, files: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(data if isinstance(data, str) else json.dumps(data, indent=1))
    return folder


def _import_error(path: Path, files: list[str] | None = None) -> list[Diagnostic]:
    with pytest.raises(DesignError) as info:
        snapshot_to_design(path, files)
    return [d for d in info.value.diagnostics if d.severity is Severity.ERROR]


# -- 1. Batfish's conformance snapshots ----------------------------------------------------------

_EXPECTATIONS: dict[str, Any] = (
    yaml.safe_load((CONFORMANCE / "expectations.yaml").read_text()) if CONFORMANCE.is_dir() else {}
)
_SNAPSHOTS = sorted(_EXPECTATIONS.get("snapshots", {}))
needs_conformance = pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="shared/conformance/batfish-aws is absent")


@needs_conformance
def test_conformance_has_19_snapshots() -> None:
    assert len(_SNAPSHOTS) == 19


@needs_conformance
@pytest.mark.parametrize("snapshot", _SNAPSHOTS)
def test_conformance_snapshot_loads(snapshot: str) -> None:
    files = _EXPECTATIONS["snapshots"][snapshot]["files_loaded"]
    design, _ = _load(CONFORMANCE / snapshot, files)
    # Every instance and subnet a flow starts from is in the design, under its AWS id.
    instance_ids = {i.aws_id for i in design.instances.values()}
    subnet_ids = {s.aws_id for s in design.subnets.values()}
    for flow in _EXPECTATIONS["expectations"]:
        if flow["snapshot"] != snapshot or not flow.get("flow"):
            continue
        ingress = str(flow["flow"]["ingress"])
        if ingress.startswith("i-"):
            assert ingress in instance_ids, flow["id"]
        elif ingress.startswith("subnet-"):
            assert ingress in subnet_ids, flow["id"]


@needs_conformance
@pytest.mark.parametrize("snapshot", _SNAPSHOTS)
def test_conformance_whole_folder_loads(snapshot: str) -> None:
    _load(CONFORMANCE / snapshot)


@needs_conformance
def test_conformance_details() -> None:
    # Files directly under aws_configs/ are us-west-2 for Batfish, but the data says us-east-2.
    design, _ = _load(CONFORMANCE / "test-subnet")
    assert design.region == "us-east-2"
    # Two regions: each VPC says its own (issue 9), the design's is the first VPC's.
    snapshot = "test-transit-gateway-peering"
    design, diagnostics = _load(CONFORMANCE / snapshot, _EXPECTATIONS["snapshots"][snapshot]["files_loaded"])
    assert {s.az[:-1] for s in design.subnets.values()} == {"us-east-1", "us-west-1"}  # real zones kept
    assert {s.az[:-1] == design.vpcs[s.vpc].region for s in design.subnets.values()} == {True}
    assert design.region in ("us-east-1", "us-west-1")
    # InternetGateways.json is not loaded by that test: the IGW routes point at unsupported stand-ins.
    stand_ins = {u.aws_id: u.kind for u in design.unsupported.values()}
    assert any((k or "").startswith("igw-") and v == "internet_gateway" for k, v in stand_ins.items())
    # The transit gateways are simulated (components/transit_gateway.py), peered across the regions.
    from vpcsim.components.transit_gateway import gateways
    tgws = {g.aws_id: g for g in gateways(design).values()}
    assert "tgw-0e20010ebf43d07a2" not in stand_ins and set(tgws) == {"tgw-0e20010ebf43d07a2", "tgw-03201f1960ddb0c25"}
    assert {a.kind for a in tgws["tgw-0e20010ebf43d07a2"].attachments.values()} == {"vpc", "peering"}
    # A blackhole route whose IGW is not in the snapshot (test-vpc-peering).
    design, _ = _load(CONFORMANCE / "test-vpc-peering", _EXPECTATIONS["snapshots"]["test-vpc-peering"]["files_loaded"])
    blackholes = [r for t in design.route_tables.values() for r in t.routes if r.blackhole]
    assert [str(r.destination) for r in blackholes] == ["0.0.0.0/0"]
    # Cross-account peering: the same pcx appears in both accounts' files; one peering results.
    snapshot = "test-vpc-peering-multi-account"
    design, diagnostics = _load(CONFORMANCE / snapshot, _EXPECTATIONS["snapshots"][snapshot]["files_loaded"])
    assert [p.aws_id for p in design.peerings.values()] == ["pcx-0040f7640e10191f4"]
    assert "aws-duplicate" not in _codes(diagnostics)
    # An NLB's interfaces are its nodes (issue 10), not unsupported components.
    design, _ = _load(CONFORMANCE / "test-load-balancer", _EXPECTATIONS["snapshots"]["test-load-balancer"]["files_loaded"])
    assert {u.aws_id for u in design.unsupported.values()} == {"igw-009e7cccf82ddbc66"}  # InternetGateways not loaded
    assert design.interfaces["test-lb.Subnet-1"].aws_id == "eni-01f261dccaba46564"


@needs_conformance
def test_conformance_files_relative_to_the_snapshot_folder_too() -> None:
    folder = CONFORMANCE / "test-subnet"
    a, _ = snapshot_to_design(folder, ["Vpcs.json", "Subnets.json"])
    b, _ = snapshot_to_design(folder, ["aws_configs/Vpcs.json", "aws_configs/Subnets.json"])
    c, _ = snapshot_to_design(folder / "aws_configs", ["Vpcs.json", "Subnets.json"])
    assert a["subnets"] == b["subnets"] == c["subnets"]
    assert "route_tables" not in a


# -- the hand-written mini snapshot (tests/data/aws/mini) ----------------------------------------


def test_mini_design() -> None:
    design, warnings = snapshot_to_design(MINI)
    assert design["region"] == "us-east-2"
    assert design["vpcs"]["core"]["cidrs"] == ["10.0.0.0/16", "10.2.0.0/16"]  # not the disassociated block
    assert design["vpcs"]["core"]["default_network_acl"] == "acl-default"
    # GroupName "default" is the VPC's default group, with its real rules.
    assert design["vpcs"]["core"]["default_security_group"] == {
        "aws_id": "sg-0def",
        "ingress": [{"protocol": "all", "security_group": "default"},
                    {"protocol": "tcp", "ports": 22, "cidr": "10.0.0.0/8"}],
        "egress": [{"protocol": "all", "cidr": "0.0.0.0/0"}],
    }
    # Names: Name tags slugged and made unique, else the id; `default` is reserved for groups.
    assert list(design["subnets"]) == ["app", "app-2", "subnet-0a3"]
    assert list(design["instances"]) == ["web-1", "web-1-2"]
    assert list(design["security_groups"]) == ["app", "default-2"]
    # Associations: explicit route table only where associated (the disassociated one is ignored);
    # NACL only where not the default one.
    assert design["subnets"]["app"]["route_table"] == "app-rt"
    assert "route_table" not in design["subnets"]["app-2"]
    assert design["subnets"]["app"]["network_acl"] == "app-acl"
    assert "network_acl" not in design["subnets"]["app-2"]
    assert design["route_tables"]["rtb-main"]["main"] is True
    # IPv6 routes are imported as routes of their own family (DestinationIpv6CidrBlock).
    assert design["route_tables"]["rtb-main"]["routes"] == [{"destination": "0.0.0.0/0", "internet_gateway": "core-igw"},
                                                             {"destination": "::/0", "internet_gateway": "core-igw"}]
    assert design["route_tables"]["app-rt"]["routes"] == [
        {"destination": "0.0.0.0/0", "nat_gateway": "nat"},
        {"destination": "10.50.0.0/16", "unsupported": "hub"},  # TransitGatewayId
        {"destination": "10.60.0.0/16", "unsupported": "vgw-0v", "origin": "propagated"},  # a VGW known only from the route
        {"destination": "10.70.0.0/16", "blackhole": True},  # the deleted NAT gateway
        {"destination": "10.80.0.0/16", "unsupported": "to-partner"},  # active peering to another account
        {"destination": "10.90.0.0/16", "blackhole": True},  # deleted peering to another account
        {"destination": "10.99.0.0/16", "blackhole": True},  # blackhole to an IGW not in the snapshot
        {"destination": "172.16.0.0/12", "interface": "web-1.eth1"},  # InstanceId + a secondary ENI
        {"destination": "192.168.0.0/16", "interface": "web-1.eth0"},
        {"destination": "198.18.0.0/15", "blackhole": True},  # terminated instance
        {"destination_prefix_list": "com.amazonaws.us-east-2.s3", "vpc_endpoint": "vpce-0s3"},  # a gateway endpoint
    ]
    assert design["network_acls"]["app-acl"] == {
        "aws_id": "acl-app",
        "vpc": "core",
        "inbound": [
            {"rule": 100, "action": "allow", "protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"},
            {"rule": 101, "action": "allow", "protocol": "all", "cidr": "::/0"},  # an IPv6 entry (Ipv6CidrBlock)
            {"rule": 150, "action": "allow", "protocol": "icmp", "icmp_type": 3, "icmp_code": 4, "cidr": "10.0.0.0/8"},
            {"rule": 160, "action": "allow", "protocol": "udp", "ports": 53, "cidr": "10.0.0.0/8"},
            {"rule": 170, "action": "allow", "protocol": 50, "cidr": "203.0.113.0/24"},
            {"rule": 180, "action": "deny", "protocol": "all", "cidr": "198.51.100.0/24"},
            {"rule": 200, "action": "allow", "protocol": "tcp", "ports": "1024-65535", "cidr": "0.0.0.0/0"},
        ],
        "outbound": [{"rule": 100, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"}],
    }
    assert design["network_acls"]["acl-default"]["default"] is True
    assert design["security_groups"]["app"]["ingress"] == [
        {"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"},  # once, though AWS listed it twice
        {"protocol": "tcp", "ports": 443, "cidr": "::/0"},  # Ipv6Ranges: a rule of its own family
        {"protocol": "tcp", "ports": 8443, "security_group": "default"},  # sg-0other dropped
        {"protocol": "tcp", "prefix_list": "com.amazonaws.us-east-2.s3"},
        {"protocol": "icmp", "cidr": "10.0.0.0/8"},
        {"protocol": "icmpv6", "cidr": "::/0"},  # ICMPv6: its IPv6 range only (an IpRanges entry matches nothing)
        {"protocol": "udp", "ports": 53, "cidr": "10.0.0.2/32"},
    ]
    assert design["security_groups"]["app"]["egress"] == []  # none: not AWS's allow-all default
    assert design["nat_gateways"] == {
        "nat": {"aws_id": "nat-0live", "subnet": "app", "elastic_ip": "52.0.0.5", "private_ip": "10.0.1.5"}
    }
    assert design["instances"]["web-1"]["interfaces"] == [
        {"aws_id": "eni-0w0", "subnet": "app", "private_ip": "10.0.1.10", "public_ip": "3.3.3.3",
         "security_groups": ["app"]},
        {"aws_id": "eni-0w1", "subnet": "app-2", "private_ips": ["10.0.2.10", "10.0.2.11"],
         "security_groups": ["app", "default"], "source_dest_check": False},
    ]
    assert design["instances"]["web-1-2"]["state"] == "stopped"
    assert design["prefix_lists"] == {
        "com.amazonaws.us-east-2.s3": {"aws_id": "pl-0s3", "entries": ["52.216.0.0/15", "3.5.0.0/20"]}
    }
    assert design["unsupported"]["hub"] == {"kind": "transit_gateway", "aws_id": "tgw-0t"}
    assert design["unsupported"]["eni-0lb"]["kind"] == "network_load_balancer_interface"
    assert design["unsupported"]["to-partner"]["kind"] == "vpc_peering"
    assert "tgw-0del" not in {u["aws_id"] for u in design["unsupported"].values()}
    messages = [w.message for w in warnings]
    assert "transit gateway tgw-0t is not simulated; declared as unsupported component hub" in messages
    assert "instance i-0t is terminated (skipped, as AWS ignores it)" in messages
    assert {"aws-gone", "aws-unsupported", "aws-missing-group", "aws-detached", "aws-cidr",
            "aws-orphan"} <= set(_codes(warnings))
    assert "aws-ipv6" not in _codes(warnings)  # IPv6 blocks, rules and routes are imported now
    assert all(w.severity is Severity.WARNING for w in warnings)


def test_mini_builds_and_validates() -> None:
    design, _ = _load(MINI)
    assert design.vpcs["core"].main_route_table == "rtb-main"
    assert design.subnets["app-2"].route_table == "rtb-main"  # no explicit association: the main table
    assert design.subnets["app-2"].network_acl == "acl-default"
    assert design.interfaces["web-1.eth1"].source_dest_check is False
    assert design.instances["web-1"].interfaces == ("web-1.eth0", "web-1.eth1")


def test_mini_locations_name_file_line_and_json_path() -> None:
    tree, warnings = load_snapshot_tree(MINI)
    assert isinstance(tree, Map)
    subnets = tree.entries["subnets"]
    assert isinstance(subnets, Map)
    loc = subnets.entries["app-2"].loc
    assert (Path(loc.file).name, loc.line, loc.col, loc.path) == ("Subnets.json", 17, 3, "$.Subnets[1]")
    assert Path(loc.file).parent == MINI / "aws_configs"
    tables = tree.entries["route_tables"]
    assert isinstance(tables, Map)
    routes = tables.entries["app-rt"]
    assert isinstance(routes, Map)
    route_list = routes.entries["routes"]
    assert isinstance(route_list, Seq)
    assert route_list.items[2].loc.path == "$.RouteTables[1].Routes[3]"
    target = route_list.items[2]
    assert isinstance(target, Map)
    value = target.entries["unsupported"]
    assert isinstance(value, Scalar) and value.value == "vgw-0v"
    assert value.loc.path == "$.RouteTables[1].Routes[3]"
    # Design objects made by the build keep the JSON location.
    design, _ = _load(MINI)
    assert design.subnets["app-2"].loc.path == "$.Subnets[1]"
    assert design.instances["web-1"].loc.path == "$.Reservations[0].Instances[0]"
    warning = next(w for w in warnings if w.code == "aws-detached")
    assert warning.location is not None and warning.location.path == "$.NetworkInterfaces[4]"
    assert str(warning.location).endswith("NetworkInterfaces.json:113:3 ($.NetworkInterfaces[4])")


# -- 2. a snapshot built with boto3 against moto's EC2 model --------------------------------------


def _build_moto_snapshot(folder: Path) -> dict[str, Any]:
    """Build a small account with boto3 against moto (us-east-1, offline); dump describe-* output.

    moto differs from AWS in ways that matter here; each is corrected so that the files read
    like AWS's own output (see the comments below).
    """
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")

    ids: dict[str, Any] = {}
    with moto.mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")

        def tag(resource: str, name: str) -> None:
            ec2.create_tags(Resources=[resource], Tags=[{"Key": "Name", "Value": name}])

        prod = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        shared = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        tag(prod, "prod")
        tag(shared, "shared")

        def subnet(vpc: str, cidr: str, az: str, name: str) -> str:
            subnet_id = str(ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"])
            tag(subnet_id, name)
            return subnet_id

        public_a = subnet(prod, "10.0.1.0/24", "us-east-1a", "public a")  # a space: slugged to public-a
        private_a = subnet(prod, "10.0.2.0/24", "us-east-1a", "private-a")
        shared_a = subnet(shared, "10.1.1.0/24", "us-east-1b", "shared-a")

        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        tag(igw, "prod-igw")
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=prod)
        pcx = ec2.create_vpc_peering_connection(VpcId=prod, PeerVpcId=shared)["VpcPeeringConnection"][
            "VpcPeeringConnectionId"
        ]
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        tag(pcx, "prod-to-shared")

        # moto's random Elastic IPs are loopback addresses (127.x.x.x); AWS's are public. Ask for
        # given ones with AllocateAddress's documented Address parameter.
        nat_eip = ec2.allocate_address(Domain="vpc", Address="52.0.0.10")["AllocationId"]
        web_eip = ec2.allocate_address(Domain="vpc", Address="52.0.0.20")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=public_a, AllocationId=nat_eip)["NatGateway"]["NatGatewayId"]
        tag(nat, "nat-a")
        partners = ec2.create_managed_prefix_list(
            PrefixListName="partners", AddressFamily="IPv4", MaxEntries=5,
            Entries=[{"Cidr": "203.0.113.0/24"}, {"Cidr": "198.51.100.0/24"}],
        )["PrefixList"]["PrefixListId"]

        def group(name: str, vpc: str) -> str:
            return str(ec2.create_security_group(GroupName=name, Description=f"{name} servers", VpcId=vpc)["GroupId"])

        web_sg, bastion_sg, db_sg = group("web", prod), group("bastion", prod), group("db", prod)
        default_sgs = {
            g["VpcId"]: g["GroupId"]
            for g in ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])[
                "SecurityGroups"
            ]
        }
        # moto's default groups lack AWS's self-referencing inbound rule: "A default security
        # group ... allows inbound traffic from network interfaces (and their associated
        # instances) that are assigned to the same security group" (Amazon VPC User Guide,
        # "Default security groups for your VPCs"). Add it, as AWS has it.
        for sg_id in default_sgs.values():
            ec2.authorize_security_group_ingress(
                GroupId=sg_id, IpPermissions=[{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg_id}]}]
            )
        ec2.authorize_security_group_ingress(GroupId=web_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "UserIdGroupPairs": [{"GroupId": bastion_sg, "Description": "ssh from bastion"}]},
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8090, "PrefixListIds": [{"PrefixListId": partners}]},
            {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        ])
        ec2.authorize_security_group_ingress(GroupId=bastion_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "198.51.100.0/24"}, {"CidrIp": "203.0.113.0/24"}]},
        ])
        ec2.authorize_security_group_ingress(GroupId=db_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
             "UserIdGroupPairs": [{"GroupId": web_sg}, {"GroupId": default_sgs[shared]}]},
        ])
        ec2.revoke_security_group_egress(
            GroupId=db_sg, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        )

        def run(name: str, subnet_id: str, ip: str, groups: list[str]) -> str:
            instance = ec2.run_instances(
                ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": subnet_id, "PrivateIpAddress": ip, "Groups": groups}],
                TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
            )["Instances"][0]
            return str(instance["InstanceId"])

        web = run("web", public_a, "10.0.1.10", [web_sg])
        bastion = run("bastion", public_a, "10.0.1.20", [bastion_sg])
        db = run("db", private_a, "10.0.2.10", [db_sg])
        appliance = run("appliance", private_a, "10.0.2.20", [default_sgs[prod]])
        shared_host = run("shared-host", shared_a, "10.1.1.10", [default_sgs[shared]])
        old = run("old", private_a, "10.0.2.30", [default_sgs[prod]])
        ec2.associate_address(AllocationId=web_eip, InstanceId=web)
        appliance_eni = ec2.describe_instances(InstanceIds=[appliance])["Reservations"][0]["Instances"][0][
            "NetworkInterfaces"
        ][0]["NetworkInterfaceId"]
        ec2.modify_network_interface_attribute(NetworkInterfaceId=appliance_eni, SourceDestCheck={"Value": False})

        public_rt = ec2.create_route_table(VpcId=prod)["RouteTable"]["RouteTableId"]
        private_rt = ec2.create_route_table(VpcId=prod)["RouteTable"]["RouteTableId"]
        tag(public_rt, "public")
        tag(private_rt, "private")
        ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="192.168.0.0/16", InstanceId=appliance)
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="172.16.0.0/12", NetworkInterfaceId=appliance_eni)
        ec2.create_route(RouteTableId=private_rt, DestinationPrefixListId=partners, VpcPeeringConnectionId=pcx)
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="100.64.0.0/10", InstanceId=old)
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public_a)
        ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private_a)
        shared_main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [shared]}])["RouteTables"][0][
            "RouteTableId"
        ]
        ec2.create_route(RouteTableId=shared_main, DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=pcx)
        ec2.terminate_instances(InstanceIds=[old])

        acl = ec2.create_network_acl(VpcId=prod)["NetworkAcl"]["NetworkAclId"]
        tag(acl, "private-acl")
        for number, egress, protocol, cidr, extra, action in (
            (100, False, "6", "10.0.1.0/24", {"PortRange": {"From": 5432, "To": 5432}}, "allow"),
            (110, False, "6", "0.0.0.0/0", {"PortRange": {"From": 1024, "To": 65535}}, "allow"),
            (120, False, "-1", "198.51.100.0/24", {}, "deny"),
            (130, False, "1", "10.0.0.0/16", {"IcmpTypeCode": {"Type": 8, "Code": -1}}, "allow"),
            (100, True, "-1", "0.0.0.0/0", {}, "allow"),
        ):
            ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=number, Protocol=protocol, RuleAction=action,
                                         Egress=egress, CidrBlock=cidr, **extra)
        default_acl = ec2.describe_network_acls(
            Filters=[{"Name": "vpc-id", "Values": [prod]}, {"Name": "default", "Values": ["true"]}]
        )["NetworkAcls"][0]
        association = next(a for a in default_acl["Associations"] if a["SubnetId"] == private_a)
        ec2.replace_network_acl_association(AssociationId=association["NetworkAclAssociationId"], NetworkAclId=acl)

        calls = {
            "Vpcs": ec2.describe_vpcs,
            "Subnets": ec2.describe_subnets,
            "RouteTables": ec2.describe_route_tables,
            "NetworkAcls": ec2.describe_network_acls,
            "SecurityGroups": ec2.describe_security_groups,
            "InternetGateways": ec2.describe_internet_gateways,
            "NatGateways": ec2.describe_nat_gateways,
            "VpcPeeringConnections": ec2.describe_vpc_peering_connections,
            "NetworkInterfaces": ec2.describe_network_interfaces,
            "Reservations": ec2.describe_instances,
            "Addresses": ec2.describe_addresses,
            "ManagedPrefixLists": ec2.describe_managed_prefix_lists,
            "PrefixLists": ec2.describe_prefix_lists,
        }
        dumps: dict[str, dict[str, Any]] = {}
        for name, call in calls.items():
            response = call()
            response.pop("ResponseMetadata", None)
            dumps[name] = response
        # A customer-managed list's entries come from get-managed-prefix-list-entries (in AWS
        # too); the importer reads them merged into the list's item as `Entries`.
        for item in dumps["ManagedPrefixLists"]["PrefixLists"]:
            if item["OwnerId"] != "AWS":
                item["Entries"] = ec2.get_managed_prefix_list_entries(PrefixListId=item["PrefixListId"])["Entries"]
        ids.update(
            prod=prod, shared=shared, public_a=public_a, private_a=private_a, shared_a=shared_a, igw=igw, pcx=pcx,
            nat=nat, partners=partners, web_sg=web_sg, bastion_sg=bastion_sg, db_sg=db_sg, default_sgs=default_sgs,
            web=web, bastion=bastion, db=db, appliance=appliance, appliance_eni=appliance_eni, old=old,
            shared_host=shared_host, public_rt=public_rt, private_rt=private_rt, shared_main=shared_main, acl=acl,
        )

    # moto gives a NAT gateway a random 10.x.x.x address, outside its subnet; AWS assigns "a
    # private IPv4 address from the subnet's IP address range" (VPC User Guide, "NAT gateways").
    wrong_ip = dumps["NatGateways"]["NatGateways"][0]["NatGatewayAddresses"][0]["PrivateIp"]
    texts = {name: json.dumps(data, indent=1, default=str).replace(f'"{wrong_ip}"', '"10.0.1.200"')
             for name, data in dumps.items()}
    dumps = {name: json.loads(text) for name, text in texts.items()}
    for table in dumps["RouteTables"]["RouteTables"]:
        for route in table["Routes"]:
            # moto leaves a route to a terminated instance active; AWS reports it as blackhole.
            if route.get("InstanceId") == old:
                route["State"] = "blackhole"
    for acl_item in dumps["NetworkAcls"]["NetworkAcls"]:
        for entry in acl_item["Entries"]:
            # moto drops a NACL entry's ICMP type/code (it reads `Icmp.Type`, boto3 sends
            # IcmpTypeCode); AWS reports what was created.
            if acl_item["NetworkAclId"] == acl and entry["RuleNumber"] == 130:
                entry["IcmpTypeCode"] = {"Type": 8, "Code": -1}
    _write(folder, {f"{name}.json": data for name, data in dumps.items()})
    return ids


@pytest.fixture(scope="module")
def moto_snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("moto") / "snapshot"
    ids = _build_moto_snapshot(folder)
    return folder, ids


def test_moto_snapshot_design(moto_snapshot: tuple[Path, dict[str, Any]]) -> None:
    folder, ids = moto_snapshot
    design, warnings = snapshot_to_design(folder)
    assert design["region"] == "us-east-1"
    vpcs = design["vpcs"]
    assert vpcs["prod"]["cidrs"] == ["10.0.0.0/16"] and vpcs["prod"]["aws_id"] == ids["prod"]
    assert vpcs["prod"]["default_security_group"]["aws_id"].startswith("sg-")
    # moto, like AWS, has a default VPC (172.31.0.0/16): it is imported under its id.
    assert any(v["cidrs"] == ["172.31.0.0/16"] for v in vpcs.values())
    assert vpcs["prod"]["default_security_group"] == {
        "aws_id": vpcs["prod"]["default_security_group"]["aws_id"],
        "ingress": [{"protocol": "all", "security_group": "default"}],
        "egress": [{"protocol": "all", "cidr": "0.0.0.0/0"}],
    }
    subnets = design["subnets"]
    assert subnets["public-a"] == {"aws_id": ids["public_a"], "vpc": "prod", "cidr": "10.0.1.0/24", "az": "us-east-1a",
                                   "route_table": "public", "tags": {"Name": "public a"}}
    assert subnets["private-a"]["route_table"] == "private"
    assert subnets["private-a"]["network_acl"] == "private-acl"
    assert "route_table" not in subnets["shared-a"]  # uses shared's main table
    tables = design["route_tables"]
    mains = {t["vpc"]: name for name, t in tables.items() if t.get("main")}
    assert tables[mains["shared"]]["aws_id"] == ids["shared_main"]
    assert tables[mains["shared"]]["routes"] == [{"destination": "10.0.0.0/16", "peering": "prod-to-shared"}]
    assert "routes" not in tables[mains["prod"]]  # only the implicit local route
    assert tables["public"]["routes"] == [
        {"destination": "0.0.0.0/0", "internet_gateway": "prod-igw"},
        {"destination": "10.1.0.0/16", "peering": "prod-to-shared"},
    ]
    assert tables["private"]["routes"] == [
        {"destination": "0.0.0.0/0", "nat_gateway": "nat-a"},
        {"destination": "192.168.0.0/16", "instance": "appliance"},
        {"destination": "172.16.0.0/12", "interface": "appliance.eth0"},
        {"destination_prefix_list": "partners", "peering": "prod-to-shared"},
        {"destination": "100.64.0.0/10", "blackhole": True},
    ]
    assert design["network_acls"]["private-acl"]["inbound"] == [
        {"rule": 100, "action": "allow", "protocol": "tcp", "ports": 5432, "cidr": "10.0.1.0/24"},
        {"rule": 110, "action": "allow", "protocol": "tcp", "ports": "1024-65535", "cidr": "0.0.0.0/0"},
        {"rule": 120, "action": "deny", "protocol": "all", "cidr": "198.51.100.0/24"},
        {"rule": 130, "action": "allow", "protocol": "icmp", "icmp_type": 8, "cidr": "10.0.0.0/16"},
    ]
    assert design["network_acls"]["private-acl"]["outbound"] == [
        {"rule": 100, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"}
    ]
    groups = design["security_groups"]
    assert set(groups) == {"web", "bastion", "db"}
    assert groups["web"]["ingress"] == [
        {"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"},
        {"protocol": "tcp", "ports": 22, "security_group": "bastion", "description": "ssh from bastion"},
        {"protocol": "tcp", "ports": "8080-8090", "prefix_list": "partners"},
        {"protocol": "icmp", "icmp_type": 8, "cidr": "10.0.0.0/8"},
    ]
    assert groups["bastion"]["ingress"] == [  # one design rule per peer
        {"protocol": "tcp", "ports": 22, "cidr": "198.51.100.0/24"},
        {"protocol": "tcp", "ports": 22, "cidr": "203.0.113.0/24"},
    ]
    assert groups["db"]["ingress"] == [
        {"protocol": "tcp", "ports": 5432, "security_group": "web"},
        {"protocol": "tcp", "ports": 5432, "security_group": "shared/default"},  # over the peering
    ]
    assert groups["db"]["egress"] == []
    assert design["internet_gateways"] == {"prod-igw": {"aws_id": ids["igw"], "vpc": "prod"}}
    assert design["nat_gateways"] == {
        "nat-a": {"aws_id": ids["nat"], "subnet": "public-a", "elastic_ip": "52.0.0.10", "private_ip": "10.0.1.200"}
    }
    assert design["peerings"] == {"prod-to-shared": {"aws_id": ids["pcx"], "requester": "prod", "accepter": "shared"}}
    assert design["prefix_lists"] == {
        "partners": {"aws_id": ids["partners"], "entries": ["203.0.113.0/24", "198.51.100.0/24"]}
    }
    instances = design["instances"]
    assert set(instances) == {"web", "bastion", "db", "appliance", "shared-host"}  # not the terminated one
    assert instances["web"]["interfaces"][0]["elastic_ip"] == "52.0.0.20"
    assert instances["web"]["interfaces"][0]["security_groups"] == ["web"]
    assert instances["appliance"]["interfaces"] == [
        {"aws_id": ids["appliance_eni"], "subnet": "private-a", "private_ip": "10.0.2.20", "source_dest_check": False}
    ]
    assert "unsupported" not in design  # the NAT gateway's own ENI is the nat_gateways entry
    assert [w.message for w in warnings] == [f"instance {ids['old']} is terminated (skipped, as AWS ignores it)"]


def test_moto_snapshot_builds_and_validates(moto_snapshot: tuple[Path, dict[str, Any]]) -> None:
    folder, ids = moto_snapshot
    design, _ = _load(folder)
    assert design.vpcs["prod"].aws_id == ids["prod"]
    assert design.security_groups["web"].aws_id == ids["web_sg"]
    assert design.interfaces["web.eth0"].public_ip is not None
    assert design.subnets["shared-a"].route_table == design.vpcs["shared"].main_route_table


# -- 3. round trip: design_to_yaml(snapshot_to_design(x)) loads to the same Design ---------------


def _round_trip(path: Path, tmp_path: Path, files: list[str] | None = None) -> tuple[Design, Design]:
    direct, _ = _load(path, files)
    design, _ = snapshot_to_design(path, files)
    target = tmp_path / "design.yaml"
    target.write_text(design_to_yaml(design))
    loaded, _ = load_design(target)
    return dataclasses.replace(direct, file=str(target)), loaded


def test_round_trip_mini(tmp_path: Path) -> None:
    direct, loaded = _round_trip(MINI, tmp_path)
    assert loaded == direct
    via_api, _ = load_design(MINI)  # the folder straight through the front door
    assert dataclasses.replace(via_api, file=direct.file) == direct


def test_round_trip_moto(moto_snapshot: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    direct, loaded = _round_trip(moto_snapshot[0], tmp_path)
    assert loaded == direct


@needs_conformance
@pytest.mark.parametrize("snapshot", ["test-nat-gateway", "test-vpc-peering", "test-transit-gateway-peering",
                                      "test-load-balancer"])
def test_round_trip_conformance(snapshot: str, tmp_path: Path) -> None:
    files = _EXPECTATIONS["snapshots"][snapshot]["files_loaded"]
    direct, loaded = _round_trip(CONFORMANCE / snapshot, tmp_path, files)
    assert loaded == direct


def test_yaml_is_readable() -> None:
    design, _ = snapshot_to_design(MINI)
    text = design_to_yaml(design)
    assert text.startswith("version: 1\n")
    assert "    - {rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}\n" in text
    assert "    cidrs: [10.0.0.0/16, 10.2.0.0/16]\n" in text
    assert "    egress: []\n" in text
    assert yaml.safe_load(text) == design


# -- layouts -------------------------------------------------------------------------------------


def _tiny(region_az: str = "us-east-1a", vpc: str = "vpc-1", cidr: str = "10.0.0.0/16") -> dict[str, Any]:
    return {
        "Vpcs.json": {"Vpcs": [{"VpcId": vpc, "CidrBlock": cidr}]},
        "Subnets.json": {"Subnets": [{"SubnetId": f"subnet-{vpc}", "VpcId": vpc, "CidrBlock": cidr.replace("/16", "/24"),
                                      "AvailabilityZone": region_az}]},
    }


def test_layout_flat_folder(tmp_path: Path) -> None:
    design, warnings = snapshot_to_design(_write(tmp_path / "flat", _tiny()))
    assert design["region"] == "us-east-1"
    assert list(design["subnets"]) == ["subnet-vpc-1"]
    assert "aws-missing-file" in _codes(warnings)  # no RouteTables etc.: said, not silent


def test_layout_batfish_accounts_and_regions(tmp_path: Path) -> None:
    files = {
        **{f"aws_configs/accounts/111/us-east-1/{k}": v for k, v in _tiny("us-east-1a", "vpc-a", "10.0.0.0/16").items()},
        **{f"aws_configs/accounts/222/us-east-2/{k}": v for k, v in _tiny("us-east-2b", "vpc-b", "10.1.0.0/16").items()},
        "aws_configs/accounts/222/us-east-2/notes.txt": "not JSON: ignored",
    }
    folder = _write(tmp_path / "snap", files)
    design, warnings = snapshot_to_design(folder)
    assert list(design["vpcs"]) == ["vpc-a", "vpc-b"]
    assert design["region"] == "us-east-1"  # the first VPC's; each VPC names its own
    assert [v["region"] for v in design["vpcs"].values()] == ["us-east-1", "us-east-2"]
    assert "aws-multi-region" not in _codes(warnings)
    _load(folder)  # and the validator accepts both regions' zones
    only, _ = snapshot_to_design(folder, ["accounts/222/us-east-2/Vpcs.json"])
    assert list(only["vpcs"]) == ["vpc-b"]
    assert only["region"] == "us-east-2"  # no subnet loaded: the region folder says


def test_layout_region_folder_without_subnets(tmp_path: Path) -> None:
    folder = _write(tmp_path / "snap", {"aws_configs/eu-west-1/Vpcs.json": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}})
    design, _ = snapshot_to_design(folder)
    assert design["region"] == "eu-west-1"


def test_names_are_unique_and_valid(tmp_path: Path) -> None:
    subnets = [
        {"SubnetId": f"subnet-{i}", "VpcId": "vpc-1", "CidrBlock": f"10.0.{i}.0/24", "AvailabilityZone": "us-east-1a",
         "Tags": [{"Key": "Name", "Value": name}]}
        for i, name in enumerate(["web tier/a", "web tier/a", "ünïcode ✓", "", "x" * 300, "default"])
    ]
    folder = _write(tmp_path / "snap", {
        "Vpcs.json": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16", "Tags": [{"Key": "Name", "Value": "a b"}]}]},
        "Subnets.json": {"Subnets": subnets},
    })
    design, _ = snapshot_to_design(folder)
    names = list(design["subnets"])
    assert names[:4] == ["web-tier-a", "web-tier-a-2", "n-code", "subnet-3"]
    assert len(names[4]) <= 128 and names[5] == "default"
    assert list(design["vpcs"]) == ["a-b"]
    _load(folder)


# -- 4. bad input: errors name the file and the JSON path ----------------------------------------


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    folder = _write(tmp_path / "snap", {"Vpcs.json": '{\n "Vpcs": [\n  {"VpcId": "vpc-1",}\n ]\n}'})
    [error] = _import_error(folder)
    assert error.code == "aws-json"
    assert error.location is not None
    assert (Path(error.location.file).name, error.location.line, error.location.col) == ("Vpcs.json", 3, 21)
    assert error.message.startswith("malformed JSON: Expecting property name")


def test_not_an_object(tmp_path: Path) -> None:
    folder = _write(tmp_path / "snap", {"Vpcs.json": [{"VpcId": "vpc-1"}]})
    [error] = _import_error(folder)
    assert error.code == "aws-not-object"
    assert "got a list" in error.message
    assert error.location is not None and error.location.path == "$"


def test_unknown_top_level_key(tmp_path: Path) -> None:
    folder = _write(tmp_path / "snap", {**_tiny(), "Frobs.json": {"Frobs": [{"FrobId": "f-1"}]}})
    [error] = _import_error(folder)
    assert error.code == "aws-unknown-key"
    assert error.location is not None
    assert (Path(error.location.file).name, error.location.path) == ("Frobs.json", "$.Frobs")
    assert "unknown top-level key 'Frobs'" in error.message


def test_route_to_a_missing_id(tmp_path: Path) -> None:
    tables = {"RouteTables": [{
        "RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [{"Main": True, "RouteTableId": "rtb-1"}],
        "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
                   {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-404", "State": "active"}],
    }]}
    folder = _write(tmp_path / "snap", {**_tiny(), "RouteTables.json": tables, "NatGateways.json": {"NatGateways": []}})
    [error] = _import_error(folder)
    assert error.code == "aws-unknown-target"
    assert error.location is not None
    assert (Path(error.location.file).name, error.location.path) == ("RouteTables.json", "$.RouteTables[0].Routes[1]")
    assert "NatGatewayId nat-404 is not in the snapshot" in error.message
    # Without any NatGateways file the snapshot is partial on purpose: a warning and a stand-in.
    (folder / "NatGateways.json").unlink()
    design, warnings = snapshot_to_design(folder)
    assert design["route_tables"]["rtb-1"]["routes"] == [{"destination": "0.0.0.0/0", "unsupported": "nat-404"}]
    assert design["unsupported"]["nat-404"]["kind"] == "nat_gateway"
    assert "aws-unsupported" in _codes(warnings)


def test_active_route_to_a_gone_target_becomes_a_blackhole(tmp_path: Path) -> None:
    tables = {"RouteTables": [{
        "RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [],
        "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-old", "State": "active"}],
    }]}
    nats = {"NatGateways": [{"NatGatewayId": "nat-old", "State": "deleted", "SubnetId": "subnet-vpc-1",
                             "NatGatewayAddresses": []}]}
    folder = _write(tmp_path / "snap", {**_tiny(), "RouteTables.json": tables, "NatGateways.json": nats})
    design, warnings = snapshot_to_design(folder)
    assert design["route_tables"]["rtb-1"]["routes"] == [{"destination": "0.0.0.0/0", "blackhole": True}]
    assert "aws-gone-target" in _codes(warnings)


def test_missing_required_field(tmp_path: Path) -> None:
    folder = _write(tmp_path / "snap", {
        "Vpcs.json": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]},
        "Subnets.json": {"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "AvailabilityZone": "us-east-1a"}]},
    })
    [error] = _import_error(folder)
    assert error.code == "aws-missing-field"
    assert error.location is not None and error.location.path == "$.Subnets[0]"
    assert error.message == (
        "subnet subnet-1: missing required field 'CidrBlock' (expected it in every item of this describe output)"
    )


def test_wrong_types_are_errors_not_tracebacks(tmp_path: Path) -> None:
    folder = _write(tmp_path / "snap", {
        "Vpcs.json": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": 10}, "vpc-2"]},
        "Subnets.json": {"Subnets": {"SubnetId": "subnet-1"}},
        "NetworkAcls.json": {"NetworkAcls": [{"NetworkAclId": "acl-1", "VpcId": "vpc-1", "Entries": [
            {"RuleNumber": "x", "Egress": False, "Protocol": "tcp-ish", "RuleAction": "maybe", "CidrBlock": "10.0.0.0/8"},
        ]}]},
    })
    errors = _import_error(folder)
    paths = {e.location.path for e in errors if e.location}
    assert {"$.Vpcs[0].CidrBlock", "$.Vpcs[1]", "$.Subnets"} <= paths
    for error in errors:
        assert error.location is not None and error.location.file.endswith(".json")


def test_other_bad_inputs(tmp_path: Path) -> None:
    [error] = _import_error(tmp_path / "nowhere")
    assert error.code == "aws-snapshot"
    empty = tmp_path / "empty"
    empty.mkdir()
    [error] = _import_error(empty)
    assert "no .json files" in error.message
    folder = _write(tmp_path / "snap", _tiny())
    [error] = _import_error(folder, ["Vpcs.json", "Nope.json"])
    assert error.code == "aws-file-missing" and "Nope.json" in error.message
    (folder / "Bad.json").write_bytes(b'{"Vpcs": ["\xff"]}')
    [error] = _import_error(folder)
    assert error.code == "aws-encoding"
    shutil.rmtree(folder)


def test_unsupported_resources_warn_and_serve_as_route_targets(tmp_path: Path) -> None:
    tables = {"RouteTables": [{
        "RouteTableId": "rtb-1", "VpcId": "vpc-1", "Associations": [{"Main": True}],
        "Routes": [{"DestinationCidrBlock": "10.9.0.0/16", "TransitGatewayId": "tgw-1", "State": "active"},
                   {"DestinationCidrBlock": "10.8.0.0/16", "GatewayId": "vgw-1", "State": "active"}],
    }]}
    folder = _write(tmp_path / "snap", {
        **_tiny(), "RouteTables.json": tables,
        "TransitGateways.json": {"TransitGateways": [{"TransitGatewayId": "tgw-1", "State": "available",
                                                      "Tags": [{"Key": "Name", "Value": "hub"}]}]},
        "VpnGateways.json": {"VpnGateways": [{"VpnGatewayId": "vgw-1", "State": "available"}]},
        "NextPage.json": {"Vpcs": [], "NextToken": "abc"},
    })
    design, warnings = snapshot_to_design(folder)
    assert design["route_tables"]["rtb-1"]["routes"] == [
        {"destination": "10.9.0.0/16", "unsupported": "hub"},
        {"destination": "10.8.0.0/16", "vpn_gateway": "vgw-1"},  # simulated (components/onprem.py)
    ]
    assert design["unsupported"] == {"hub": {"kind": "transit_gateway", "aws_id": "tgw-1"}}  # no attachments file
    assert design["vpn_gateways"] == {"vgw-1": {"aws_id": "vgw-1"}}  # attached to no VPC of the snapshot
    messages = [w.message for w in warnings]
    assert "transit gateway tgw-1 is not simulated; declared as unsupported component hub" in messages
    assert "aws-paginated" in _codes(warnings)
    _load(folder)


def test_mutated_snapshots_fail_cleanly(tmp_path: Path) -> None:
    """Wrong types anywhere in real-looking files: a DesignError or a design, never a traceback."""
    import random

    rng = random.Random(1234)
    sources = {p.name: json.loads(p.read_text()) for p in sorted((MINI / "aws_configs").glob("*.json"))}

    def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        out = [prefix]
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
        for key, child in items:
            out.extend(paths(child, (*prefix, key)))
        return out

    for round_ in range(150):
        name = rng.choice(sorted(sources))
        data = json.loads(json.dumps(sources[name]))
        path = rng.choice(paths(data)[1:])
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = rng.choice([None, 7, -1, "x", "", True, [], {}, ["x"], {"x": 1}])
        folder = _write(tmp_path / f"m{round_}", {**{k: v for k, v in sources.items() if k != name}, name: data})
        try:
            design, _ = snapshot_to_design(folder)
        except DesignError as exc:
            assert all(d.location is not None for d in exc.diagnostics if d.severity is Severity.ERROR), path
            continue
        design_to_yaml(design)


def test_a_nat_gateways_secondary_addresses_are_imported(tmp_path: Path) -> None:
    """NatGatewayAddresses beyond the primary are the gateway's secondary IPs, each with its
    Elastic IP (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html)."""
    import vpcsim
    from vpcsim.model import ip_to_int

    snap = tmp_path / "snap"
    shutil.copytree(Path(__file__).parent / "data" / "aws" / "mini", snap)
    path = snap / "aws_configs" / "NatGateways.json"
    doc = json.loads(path.read_text())
    doc["NatGateways"][0]["NatGatewayAddresses"][0]["IsPrimary"] = True
    doc["NatGateways"][0]["NatGatewayAddresses"].append(
        {"AllocationId": "eipalloc-2", "NetworkInterfaceId": "eni-0n", "PrivateIp": "10.0.1.6", "PublicIp": "52.0.0.6",
         "IsPrimary": False})
    path.write_text(json.dumps(doc))
    design, _ = snapshot_to_design(snap)
    nat = design["nat_gateways"]["nat"]
    assert nat["private_ip"] == "10.0.1.5" and nat["elastic_ip"] == "52.0.0.5"
    assert nat["secondary_private_ips"] == ["10.0.1.6"]
    assert nat["secondary_elastic_ips"] == {"10.0.1.6": "52.0.0.6"}
    (snap / "design.yaml").write_text(design_to_yaml(design))
    net = vpcsim.load(snap / "design.yaml")
    assert net.design.nat_gateways["nat"].secondary_ips == ((ip_to_int("10.0.1.6"), ip_to_int("52.0.0.6")),)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_snapshot_load_leaves_no_garbage_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 chunked: bool) -> None:
    """The importer's objects point back at it: they are dropped before the tree is built, not
    left for a collector that a load pauses (and then freezes what is left). Read in chunks too
    (the large files' way): a cycle there kept the last chunks' JSON alive, 20,000 objects at
    20,000 instances."""
    import gc
    import sys

    from vpcsim.importers import aws

    if chunked:
        monkeypatch.setattr(aws, "CHUNK_MIN_BYTES", 0)
        monkeypatch.setattr(aws, "CHUNK_BYTES", 300)

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from generate import generate, write_snapshot

    import vpcsim

    write_snapshot(generate(2, 4, 2), str(tmp_path / "snap"))
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        vpcsim.load(tmp_path / "snap")
        assert gc.collect() < 50  # a few frames at most; the importer alone was thousands
    finally:
        if enabled:
            gc.enable()


@pytest.mark.parametrize("breakage", ["malformed", "fifo"])
def test_an_unreadable_instances_file_is_one_error_not_one_warning_per_interface(tmp_path: Path,
                                                                                 breakage: str) -> None:
    """describe-instances that cannot be read leaves every instance ENI of describe-network-interfaces
    without its instance: one warning says so, not one per interface under the error."""
    import os

    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    instances = folder / "aws_configs" / "Reservations.json"
    enis = json.loads((folder / "aws_configs" / "NetworkInterfaces.json").read_text())["NetworkInterfaces"]
    attached = [e for e in enis if (e.get("Attachment") or {}).get("InstanceId")]
    assert attached
    if breakage == "malformed":
        instances.write_text(instances.read_text()[:-3])
    else:
        instances.unlink()
        os.mkfifo(instances)
    with pytest.raises(DesignError) as whole:
        snapshot_to_design(folder)
    found = whole.value.diagnostics
    assert found[0].code == ("aws-json" if breakage == "malformed" else "io")
    assert found[0].location is not None and found[0].location.file.endswith("Reservations.json")
    orphans = [d for d in found if d.code == "aws-orphan" and "network interface(s) attached" in d.message]
    assert len(orphans) == 1 and orphans[0].message.startswith(f"{len(attached):,} network interface(s) attached")
    assert not [d for d in found if "is not in the snapshot" in d.message and "instance i-" in d.message]
    assert "no readable Reservations file in the snapshot: there are no instances" in [d.message for d in found]


@pytest.mark.parametrize("records", [False, True])
def test_release_drops_every_attribute_a_load_sets_but_those_it_keeps(records: bool) -> None:
    """`_Importer.__deletable__` must name each attribute (mypyc deletes only those named), or
    release would keep the parsed snapshot alive beside the design."""
    from vpcsim.importers import aws

    importer, design = aws._imported(str(MINI), None, records=records)
    declared = getattr(aws._Importer, "__mypyc_attrs__", None)  # (compiled: every attribute it declares)
    names = set(vars(importer) if declared is None else declared)
    deletable = getattr(aws._Importer, "__deletable__", None)  # (compiled: mypyc's alone)
    if deletable is not None:
        assert names - set(aws._KEPT) <= set(deletable)
    assert set(aws._KEPT) <= names
    importer.release()  # (compiled: raises on an attribute that __deletable__ does not name)
    assert [name for name in names - set(aws._KEPT) if hasattr(importer, name)] == []
    assert importer.tree(design) is not None and importer.warnings == [d for d in importer.diagnostics
                                                                         if d.severity is Severity.WARNING]
