"""Generate synthetic vpcsim estates at scale, as a YAML design and as an AWS snapshot of the same
estate: hub-and-spoke peering, public and private tiers, NAT gateways, security groups that
reference each other (also across peerings), custom NACLs.

    python3 benchmarks/generate.py --vpcs 50 --subnets 40 --instances 10 -o /tmp/big.yaml
    python3 benchmarks/generate.py --vpcs 250 --subnets 40 --instances 10 --snapshot /tmp/big-snap
    python3 benchmarks/generate.py --load-balancers 200 --auto-scaling-groups 50 -o /tmp/lbs.yaml

The default (50 VPCs x 40 subnets x 10 instances) is the issue's target design: 50 VPCs,
2,000 subnets, 20,000 instances. Deterministic: the same arguments give the same files.

Address plan: up to 256 VPCs (and 256 subnets each) get a /16 each, 10.<v>.0.0/16, as before.
Beyond that each VPC gets the smallest block that holds its /24 subnets (a /18 for 40 subnets),
laid out through 10.0.0.0/8, then 172.16.0.0/12, then 192.168.0.0/16 (RFC 1918), so 40-subnet
VPCs go up to 1,088. A hub peers with at most 125 spokes, AWS's hard limit of active peerings
per VPC (https://docs.aws.amazon.com/general/latest/gr/vpc-service.html), so every 126th VPC is
the hub of the spokes that follow it.

The snapshot (`--snapshot DIR`) is Batfish's layout, DIR/aws_configs/<Key>.json, one file per
`aws ec2 describe-*` output, with the fields vpcsim's importer reads and the ids, states and owners next to them, indented as
the AWS CLI prints them (4 spaces). Real describe-instances output carries about 3x more fields per
instance (block devices, metadata options, placement...), which the importer skips.
Every object carries a Name tag, so the import gives the design's names back.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import yaml

AZS = ("us-east-1a", "us-east-1b")
REGION = "us-east-1"
ACCOUNT = "111111111111"
HUB_SPOKES = 125  # active VPC peering connections per VPC: at most 125 (AWS quota page above)
# The private ranges VPCs are carved from, in order (RFC 1918).
RANGES = ((10 << 24, 8), (172 << 24 | 16 << 16, 12), (192 << 24 | 168 << 16, 16))


def _ip(value: int) -> str:
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


def vpc_blocks(vpcs: int, subnets: int) -> tuple[list[int], int]:
    """The base address of each VPC's block, and the blocks' prefix length."""
    if vpcs <= 256 and subnets <= 256:
        return [10 << 24 | v << 16 for v in range(vpcs)], 16
    prefix = max(16, 24 - (subnets - 1).bit_length())
    size = 1 << (32 - prefix)
    bases: list[int] = []
    for start, length in RANGES:
        bases.extend(range(start, start + (1 << (32 - length)), size))
    if len(bases) < vpcs:
        raise ValueError(f"{vpcs} VPCs of /{prefix} do not fit in 10/8, 172.16/12 and 192.168/16 "
                         f"(at most {len(bases)}; use fewer subnets per VPC)")
    return bases[:vpcs], prefix


def _private_ranges(bases: list[int]) -> list[str]:
    """The RFC 1918 ranges that hold at least one VPC (what the public NACL lets in)."""
    out = []
    for start, length in RANGES:
        if any(start <= b < start + (1 << (32 - length)) for b in bases):
            out.append(f"{_ip(start)}/{length}")
    return out


def generate(vpcs: int = 50, subnets: int = 40, instances: int = 10) -> dict[str, Any]:
    """A design dict: every 126th VPC is a hub peered with up to 125 spokes; public and private tiers."""
    if not 1 <= vpcs <= 4096 or not 2 <= subnets <= 256 or not 1 <= instances <= 244:
        raise ValueError("vpcs 1-4096, subnets 2-256, instances 1-244")
    bases, prefix = vpc_blocks(vpcs, subnets)
    private_ranges = _private_ranges(bases)
    design: dict[str, Any] = {
        "version": 1,
        "description": f"synthetic: {vpcs} VPCs x {subnets} subnets x {instances} instances, hub and spoke",
        "region": REGION,
        "availability_zones": list(AZS),
        "vpcs": {},
        "subnets": {},
        "route_tables": {},
        "network_acls": {},
        "security_groups": {},
        "internet_gateways": {},
        "nat_gateways": {},
        "peerings": {},
        "prefix_lists": {"partners": {"entries": ["203.0.113.0/24", "198.51.100.0/24"]}},
        "instances": {},
    }
    public_ip = 3 << 24 | 1 << 16  # 3.1.0.0 onwards: public, unique, synthetic
    for v in range(vpcs):
        vpc = f"vpc{v}"
        base = bases[v]
        cidr = f"{_ip(base)}/{prefix}"
        h = v - v % (HUB_SPOKES + 1)  # this VPC's hub
        hub, hub_cidr = f"vpc{h}", f"{_ip(bases[h])}/{prefix}"
        design["vpcs"][vpc] = {"cidrs": [cidr], "tags": {"role": "hub" if v == h else "spoke"}}
        design["internet_gateways"][f"{vpc}-igw"] = {"vpc": vpc}
        peer_routes: list[dict[str, Any]] = []
        if v == h:
            spokes = range(h + 1, min(vpcs, h + HUB_SPOKES + 1))
            peer_routes = [{"destination": f"{_ip(bases[s])}/{prefix}", "peering": f"hub-vpc{s}"} for s in spokes]
        else:
            design["peerings"][f"hub-{vpc}"] = {"requester": hub, "accepter": vpc}
            peer_routes = [{"destination": hub_cidr, "peering": f"hub-{vpc}"}]
        design["route_tables"][f"{vpc}-public"] = {
            "vpc": vpc,
            "routes": [{"destination": "0.0.0.0/0", "internet_gateway": f"{vpc}-igw"}, *peer_routes],
        }
        for az_index, _ in enumerate(AZS):
            design["route_tables"][f"{vpc}-private-{az_index}"] = {
                "vpc": vpc,
                "routes": [{"destination": "0.0.0.0/0", "nat_gateway": f"{vpc}-nat-{az_index}"}, *peer_routes],
            }
        design["network_acls"][f"{vpc}-public-acl"] = {
            "vpc": vpc,
            "inbound": [
                {"rule": 100, "action": "allow", "protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"},
                {"rule": 110, "action": "allow", "protocol": "tcp", "ports": 80, "cidr": "0.0.0.0/0"},
                {"rule": 120, "action": "allow", "protocol": "tcp", "ports": 22, "cidr": "198.51.100.0/24"},
                {"rule": 130, "action": "deny", "protocol": "tcp", "ports": "0-1023", "cidr": "0.0.0.0/0"},
                {"rule": 140, "action": "allow", "protocol": "tcp", "ports": "1024-65535", "cidr": "0.0.0.0/0"},
                *({"rule": 150 + 10 * n, "action": "allow", "protocol": "all", "cidr": r}
                  for n, r in enumerate(private_ranges)),
            ],
            "outbound": [{"rule": 100, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"}],
        }
        design["network_acls"][f"{vpc}-private-acl"] = {
            "vpc": vpc,
            "inbound": [
                {"rule": 100, "action": "allow", "protocol": "all", "cidr": cidr},
                {"rule": 110, "action": "allow", "protocol": "all", "cidr": hub_cidr},
                {"rule": 120, "action": "deny", "protocol": "udp", "ports": "0-1023", "cidr": "0.0.0.0/0"},
                {"rule": 130, "action": "allow", "protocol": "tcp", "ports": "1024-65535", "cidr": "0.0.0.0/0"},
                {"rule": 140, "action": "allow", "protocol": "udp", "ports": "1024-65535", "cidr": "0.0.0.0/0"},
            ],
            "outbound": [{"rule": 100, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"}],
        }
        sg = design["security_groups"]
        sg[f"{vpc}-web"] = {
            "vpc": vpc,
            "ingress": [
                {"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"},
                {"protocol": "tcp", "ports": 80, "cidr": "0.0.0.0/0"},
                {"protocol": "tcp", "ports": 22, "prefix_list": "partners"},
            ],
        }
        sg[f"{vpc}-app"] = {
            "vpc": vpc,
            "ingress": [
                {"protocol": "tcp", "ports": "8080-8090", "security_group": f"{vpc}-web"},
                {"protocol": "tcp", "ports": 22, "cidr": hub_cidr},
            ],
        }
        db_ingress: list[dict[str, Any]] = [{"protocol": "tcp", "ports": 5432, "security_group": f"{vpc}-app"}]
        if v != h:
            db_ingress.append({"protocol": "tcp", "ports": 5432, "security_group": f"{hub}-app"})
        sg[f"{vpc}-db"] = {"vpc": vpc, "ingress": db_ingress, "egress": [
            {"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"},
            {"protocol": "all", "cidr": cidr},
        ]}
        for s in range(subnets):
            public = s < subnets // 2
            az_index = s % len(AZS)
            name = f"{vpc}-{'pub' if public else 'priv'}-{s}"
            net = base + (s << 8)
            design["subnets"][name] = {
                "vpc": vpc,
                "cidr": f"{_ip(net)}/24",
                "az": AZS[az_index],
                "route_table": f"{vpc}-public" if public else f"{vpc}-private-{az_index}",
                "network_acl": f"{vpc}-public-acl" if public else f"{vpc}-private-acl",
            }
            if s < len(AZS):
                design["nat_gateways"][f"{vpc}-nat-{s}"] = {
                    "subnet": name,
                    "elastic_ip": _ip(public_ip),
                    "private_ip": _ip(net + 4),
                }
                public_ip += 1
            for i in range(instances):
                instance: dict[str, Any] = {
                    "subnet": name,
                    "private_ip": _ip(net + 10 + i),
                    "tags": {"tier": "web" if public else ("app" if i % 2 else "db")},
                }
                if public:
                    instance["public_ip"] = _ip(public_ip)
                    instance["security_groups"] = [f"{vpc}-web"]
                    public_ip += 1
                else:
                    instance["security_groups"] = [f"{vpc}-app" if i % 2 else f"{vpc}-db"]
                design["instances"][f"{name}-i{i}"] = instance
    return design


def add_load_balancers(design: dict[str, Any], balancers: int, groups: int, members: int = 4) -> dict[str, Any]:
    """Add internet-facing ALBs (HTTPS 443 -> HTTP 8080), one per VPC in turn, with a node in each
    of the VPC's first two public subnets; the first `groups` of them front an Auto Scaling group of
    `members` instances in two private subnets, the others two app instances of the design.

    YAML designs only: the snapshot writer (`to_snapshot`) leaves load balancers out.
    """
    vpcs = [v for v in design["vpcs"]]
    if not 0 <= groups <= balancers or (balancers and not vpcs):
        raise ValueError("load balancers >= auto scaling groups >= 0, and at least one VPC")
    design.setdefault("load_balancers", {})
    design.setdefault("target_groups", {})
    design.setdefault("auto_scaling_groups", {})
    public_ip = 52 << 24 | 1 << 16  # 52.1.0.0 onwards: synthetic public node addresses
    subnets = design["subnets"]
    for k in range(balancers):
        vpc = vpcs[k % len(vpcs)]
        round_ = k // len(vpcs)
        pub = [n for n, s in subnets.items() if s["vpc"] == vpc and "-pub-" in n][:2]
        priv = [n for n, s in subnets.items() if s["vpc"] == vpc and "-priv-" in n][:2]
        if len(pub) < 2 or len(priv) < 2:
            raise ValueError("a load balancer needs two public and two private subnets per VPC (--subnets >= 4)")
        nodes = []
        for name in pub:
            base = _parse(subnets[name]["cidr"])
            nodes.append({"subnet": name, "private_ip": _ip(base + 240 + round_), "public_ip": _ip(public_ip)})
            public_ip += 1
        tg = f"lb{k}-web"
        design["target_groups"][tg] = {"vpc": vpc, "protocol": "HTTP", "port": 8080}
        if k < groups:
            design["auto_scaling_groups"][f"asg{k}"] = {
                "subnets": priv, "launch_template": {"security_groups": [f"{vpc}-app"]},
                "min": 2, "desired": members, "max": 2 * members, "target_groups": [tg]}
        else:
            design["target_groups"][tg]["targets"] = [f"{name}-i1" for name in priv]
        design["load_balancers"][f"lb{k}"] = {
            "type": "application", "scheme": "internet-facing", "nodes": nodes,
            "security_groups": [f"{vpc}-web"],
            "listeners": [{"protocol": "HTTPS", "port": 443, "target_groups": [tg]}]}
    return design


def _parse(cidr: str) -> int:
    a, b, c, d = (int(x) for x in cidr.split("/")[0].split("."))
    return a << 24 | b << 16 | c << 8 | d


def to_yaml(design: dict[str, Any]) -> str:
    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(design, Dumper=dumper, sort_keys=False, default_flow_style=None, width=200))


# -- the same estate as AWS describe-* output ------------------------------------------------------


class _Ids:
    """Deterministic AWS-style ids (`vpc-0000000000000001a`), one sequence per prefix."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.by_name: dict[tuple[str, str], str] = {}

    def __call__(self, prefix: str, name: str) -> str:
        key = (prefix, name)
        if key not in self.by_name:
            n = self.counts.get(prefix, 0) + 1
            self.counts[prefix] = n
            self.by_name[key] = f"{prefix}-{n:017x}"
        return self.by_name[key]


def _tags(name: str, tags: dict[str, str] | None = None) -> list[dict[str, str]]:
    return [{"Key": "Name", "Value": name}, *({"Key": k, "Value": v} for k, v in (tags or {}).items())]


_PROTOCOLS = {"tcp": "6", "udp": "17", "icmp": "1", "all": "-1"}


def _port_range(ports: int | str) -> tuple[int, int]:
    lo, _, hi = str(ports).partition("-")
    return int(lo), int(hi or lo)


def _permissions(rules: list[dict[str, Any]], ids: _Ids, vpc_of: dict[str, str],
                 pl_id: str) -> list[dict[str, Any]]:
    out = []
    for rule in rules:
        perm: dict[str, Any] = {"IpProtocol": "-1" if rule["protocol"] == "all" else rule["protocol"],
                                "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
        if "ports" in rule:
            perm["FromPort"], perm["ToPort"] = _port_range(rule["ports"])
        if "cidr" in rule:
            perm["IpRanges"].append({"CidrIp": rule["cidr"]})
        elif "prefix_list" in rule:
            perm["PrefixListIds"].append({"PrefixListId": pl_id})
        else:
            group = rule["security_group"]
            perm["UserIdGroupPairs"].append({"GroupId": ids("sg", group), "UserId": ACCOUNT,
                                             "VpcId": ids("vpc", vpc_of[group])})
        out.append(perm)
    return out


_ALLOW_ALL = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [],
              "UserIdGroupPairs": []}


def to_snapshot(design: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The describe-* outputs (top-level key -> document) of an estate `generate` made."""
    ids = _Ids()
    vpcs, subnets, tables, acls, groups, igws, nats, peerings = ([] for _ in range(8))
    reservations: list[dict[str, Any]] = []
    enis: list[dict[str, Any]] = []
    addresses: list[dict[str, Any]] = []
    pl_id = "pl-0000000000000000a"
    vpc_cidr = {name: body["cidrs"][0] for name, body in design["vpcs"].items()}
    subnet_vpc = {name: body["vpc"] for name, body in design["subnets"].items()}
    group_vpc = {name: body["vpc"] for name, body in design["security_groups"].items()}
    by_table: dict[str, list[str]] = {}
    by_acl: dict[str, list[str]] = {}
    for name, body in design["subnets"].items():
        by_table.setdefault(body["route_table"], []).append(name)
        by_acl.setdefault(body["network_acl"], []).append(name)
    for name, body in design["vpcs"].items():
        vpc_id, cidr = ids("vpc", name), body["cidrs"][0]
        vpcs.append({
            "CidrBlock": cidr, "DhcpOptionsId": "dopt-00000000000000001", "State": "available", "VpcId": vpc_id,
            "OwnerId": ACCOUNT, "InstanceTenancy": "default", "IsDefault": False,
            "CidrBlockAssociationSet": [{"AssociationId": f"vpc-cidr-assoc-{vpc_id[4:]}", "CidrBlock": cidr,
                                         "CidrBlockState": {"State": "associated"}}],
            "Tags": _tags(name, body["tags"]),
        })
        # What AWS creates with every VPC: the main route table, the default NACL and group.
        tables.append({"Associations": [{"Main": True, "RouteTableAssociationId": ids("rtbassoc", name + "/main"),
                                         "RouteTableId": ids("rtb", name + "/main"),
                                         "AssociationState": {"State": "associated"}}],
                       "PropagatingVgws": [], "RouteTableId": ids("rtb", name + "/main"),
                       "Routes": [{"DestinationCidrBlock": cidr, "GatewayId": "local", "Origin": "CreateRouteTable",
                                   "State": "active"}],
                       "Tags": [], "VpcId": vpc_id, "OwnerId": ACCOUNT})
        acls.append({"Associations": [], "Entries": [
            {"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": action, "RuleNumber": number}
            for egress in (True, False) for number, action in ((100, "allow"), (32767, "deny"))],
            "IsDefault": True, "NetworkAclId": ids("acl", name + "/default"), "Tags": [], "VpcId": vpc_id,
            "OwnerId": ACCOUNT})
        groups.append({"Description": "default VPC security group", "GroupName": "default",
                       "IpPermissions": [{"IpProtocol": "-1", "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                                          "UserIdGroupPairs": [{"GroupId": ids("sg", name + "/default"),
                                                                "UserId": ACCOUNT}]}],
                       "OwnerId": ACCOUNT, "GroupId": ids("sg", name + "/default"),
                       "IpPermissionsEgress": [_ALLOW_ALL], "VpcId": vpc_id})
    for name, body in design["subnets"].items():
        subnets.append({
            "AvailabilityZone": body["az"], "AvailabilityZoneId": f"use1-az{AZS.index(body['az']) + 1}",
            "AvailableIpAddressCount": 251, "CidrBlock": body["cidr"], "DefaultForAz": False,
            "MapPublicIpOnLaunch": False, "State": "available", "SubnetId": ids("subnet", name),
            "VpcId": ids("vpc", body["vpc"]), "OwnerId": ACCOUNT,
            "SubnetArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{ids('subnet', name)}",
            "Tags": _tags(name),
        })
    for name, body in design["route_tables"].items():
        routes = [{"DestinationCidrBlock": vpc_cidr[body["vpc"]], "GatewayId": "local",
                   "Origin": "CreateRouteTable", "State": "active"}]
        for r in body["routes"]:
            route: dict[str, Any] = {"DestinationCidrBlock": r["destination"], "Origin": "CreateRoute",
                                     "State": "active"}
            if "internet_gateway" in r:
                route["GatewayId"] = ids("igw", r["internet_gateway"])
            elif "nat_gateway" in r:
                route["NatGatewayId"] = ids("nat", r["nat_gateway"])
            else:
                route["VpcPeeringConnectionId"] = ids("pcx", r["peering"])
            routes.append(route)
        table_id = ids("rtb", name)
        tables.append({"Associations": [{"Main": False, "RouteTableAssociationId": ids("rtbassoc", s),
                                         "RouteTableId": table_id, "SubnetId": ids("subnet", s),
                                         "AssociationState": {"State": "associated"}} for s in by_table.get(name, [])],
                       "PropagatingVgws": [], "RouteTableId": table_id, "Routes": routes, "Tags": _tags(name),
                       "VpcId": ids("vpc", body["vpc"]), "OwnerId": ACCOUNT})
    for name, body in design["network_acls"].items():
        entries = []
        for egress, rules in ((False, body["inbound"]), (True, body["outbound"])):
            for rule in rules:
                entry: dict[str, Any] = {"CidrBlock": rule["cidr"], "Egress": egress,
                                         "Protocol": _PROTOCOLS[rule["protocol"]], "RuleAction": rule["action"],
                                         "RuleNumber": rule["rule"]}
                if "ports" in rule:
                    lo, hi = _port_range(rule["ports"])
                    entry["PortRange"] = {"From": lo, "To": hi}
                entries.append(entry)
            entries.append({"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1", "RuleAction": "deny",
                            "RuleNumber": 32767})
        acl_id = ids("acl", name)
        acls.append({"Associations": [{"NetworkAclAssociationId": ids("aclassoc", s), "NetworkAclId": acl_id,
                                       "SubnetId": ids("subnet", s)} for s in by_acl.get(name, [])],
                     "Entries": entries, "IsDefault": False, "NetworkAclId": acl_id, "Tags": _tags(name),
                     "VpcId": ids("vpc", body["vpc"]), "OwnerId": ACCOUNT})
    for name, body in design["security_groups"].items():
        egress = _permissions(body["egress"], ids, group_vpc, pl_id) if "egress" in body else [_ALLOW_ALL]
        groups.append({"Description": name, "GroupName": name,
                       "IpPermissions": _permissions(body["ingress"], ids, group_vpc, pl_id),
                       "OwnerId": ACCOUNT, "GroupId": ids("sg", name), "IpPermissionsEgress": egress,
                       "Tags": _tags(name), "VpcId": ids("vpc", body["vpc"])})
    for name, body in design["internet_gateways"].items():
        igws.append({"Attachments": [{"State": "available", "VpcId": ids("vpc", body["vpc"])}],
                     "InternetGatewayId": ids("igw", name), "OwnerId": ACCOUNT, "Tags": _tags(name)})
    for name, body in design["peerings"].items():
        info = {side: {"CidrBlock": vpc_cidr[body[key]],
                       "CidrBlockSet": [{"CidrBlock": vpc_cidr[body[key]]}], "OwnerId": ACCOUNT,
                       "PeeringOptions": {"AllowDnsResolutionFromRemoteVpc": False}, "VpcId": ids("vpc", body[key]),
                       "Region": REGION}
                for side, key in (("AccepterVpcInfo", "accepter"), ("RequesterVpcInfo", "requester"))}
        peerings.append({**info, "Status": {"Code": "active", "Message": "Active"}, "Tags": _tags(name),
                         "VpcPeeringConnectionId": ids("pcx", name)})
    for name, body in design["nat_gateways"].items():
        nat_id, eni_id, alloc = ids("nat", name), ids("eni", name), ids("eipalloc", name)
        subnet_id, vpc_id = ids("subnet", body["subnet"]), ids("vpc", subnet_vpc[body["subnet"]])
        nats.append({"CreateTime": "2026-01-01T00:00:00+00:00", "NatGatewayAddresses": [
            {"AllocationId": alloc, "NetworkInterfaceId": eni_id, "PrivateIp": body["private_ip"],
             "PublicIp": body["elastic_ip"], "AssociationId": ids("eipassoc", name), "IsPrimary": True,
             "Status": "succeeded"}],
            "NatGatewayId": nat_id, "State": "available", "SubnetId": subnet_id, "VpcId": vpc_id,
            "Tags": _tags(name), "ConnectivityType": "public"})
        addresses.append({"AllocationId": alloc, "AssociationId": ids("eipassoc", name), "Domain": "vpc",
                          "NetworkInterfaceId": eni_id, "NetworkInterfaceOwnerId": ACCOUNT,
                          "PrivateIpAddress": body["private_ip"], "PublicIp": body["elastic_ip"],
                          "PublicIpv4Pool": "amazon", "NetworkBorderGroup": REGION})
        enis.append({"AvailabilityZone": design["subnets"][body["subnet"]]["az"],
                     "Description": f"Interface for NAT Gateway {nat_id}", "Groups": [],
                     "InterfaceType": "nat_gateway", "NetworkInterfaceId": eni_id, "OwnerId": ACCOUNT,
                     "PrivateIpAddress": body["private_ip"],
                     "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": body["private_ip"],
                                             "Association": {"IpOwnerId": ACCOUNT, "PublicIp": body["elastic_ip"],
                                                             "AllocationId": alloc}}],
                     "RequesterManaged": True, "SourceDestCheck": False, "Status": "in-use",
                     "SubnetId": subnet_id, "VpcId": vpc_id,
                     "Association": {"IpOwnerId": ACCOUNT, "PublicIp": body["elastic_ip"], "AllocationId": alloc}})
    for name, body in design["instances"].items():
        instance_id, eni_id = ids("i", name), ids("eni", name)
        subnet = design["subnets"][body["subnet"]]
        subnet_id, vpc_id = ids("subnet", body["subnet"]), ids("vpc", subnet["vpc"])
        sgs = [{"GroupId": ids("sg", g), "GroupName": g} for g in body["security_groups"]]
        eni: dict[str, Any] = {
            "Attachment": {"AttachmentId": ids("eni-attach", name), "DeviceIndex": 0, "Status": "attached"},
            "Groups": sgs, "NetworkInterfaceId": eni_id, "OwnerId": ACCOUNT, "PrivateIpAddress": body["private_ip"],
            "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": body["private_ip"]}],
            "SourceDestCheck": True, "Status": "in-use", "SubnetId": subnet_id, "VpcId": vpc_id,
            "InterfaceType": "interface",
        }
        if "public_ip" in body:
            eni["Association"] = {"IpOwnerId": "amazon", "PublicIp": body["public_ip"]}
        instance: dict[str, Any] = {
            "InstanceId": instance_id, "InstanceType": "t3.micro", "PrivateIpAddress": body["private_ip"],
            "State": {"Code": 16, "Name": "running"}, "SubnetId": subnet_id, "VpcId": vpc_id,
            "NetworkInterfaces": [eni], "SourceDestCheck": True, "Tags": _tags(name, body["tags"]),
        }
        if "public_ip" in body:
            instance["PublicIpAddress"] = body["public_ip"]
        reservations.append({"Instances": [instance], "OwnerId": ACCOUNT, "ReservationId": ids("r", name)})
        listed = {k: v for k, v in eni.items() if k != "Attachment"}
        listed["Attachment"] = {**eni["Attachment"], "InstanceId": instance_id}
        listed["AvailabilityZone"] = subnet["az"]
        enis.append(listed)
    partners = design["prefix_lists"]["partners"]
    prefix_lists = [{"PrefixListId": pl_id, "AddressFamily": "IPv4", "State": "create-complete",
                     "PrefixListArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:prefix-list/{pl_id}",
                     "PrefixListName": "partners", "MaxEntries": 5, "Version": 1, "OwnerId": ACCOUNT,
                     "Tags": _tags("partners"), "Entries": [{"Cidr": c} for c in partners["entries"]]}]
    return {
        "Vpcs": {"Vpcs": vpcs},
        "Subnets": {"Subnets": subnets},
        "RouteTables": {"RouteTables": tables},
        "NetworkAcls": {"NetworkAcls": acls},
        "SecurityGroups": {"SecurityGroups": groups},
        "InternetGateways": {"InternetGateways": igws},
        "NatGateways": {"NatGateways": nats},
        "VpcPeeringConnections": {"VpcPeeringConnections": peerings},
        "Reservations": {"Reservations": reservations},
        "NetworkInterfaces": {"NetworkInterfaces": enis},
        "Addresses": {"Addresses": addresses},
        "ManagedPrefixLists": {"PrefixLists": prefix_lists},
    }


# A tag as a team might write it: the CLI prints it as UTF-8, so describe-instances is not ASCII.
UTF8_TAG = {"Key": "équipe", "Value": "réseau – données"}


def write_snapshot(design: dict[str, Any], folder: str, utf8: bool = False) -> list[str]:
    """Write the estate as DIR/aws_configs/<Key>.json (4-space indent, as the AWS CLI prints);
    `utf8`: every instance also has UTF8_TAG, and the files are UTF-8, not escaped, as the CLI writes them."""
    root = os.path.join(folder, "aws_configs")
    os.makedirs(root, exist_ok=True)
    written = []
    for key, doc in to_snapshot(design).items():
        if utf8 and key == "Reservations":
            for reservation in doc["Reservations"]:
                for instance in reservation["Instances"]:
                    instance["Tags"] = [*instance["Tags"], UTF8_TAG]
        path = os.path.join(root, f"{key}.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(doc, handle, indent=4, ensure_ascii=not utf8)
            handle.write("\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--vpcs", type=int, default=50)
    parser.add_argument("--subnets", type=int, default=40, help="subnets per VPC")
    parser.add_argument("--instances", type=int, default=10, help="instances per subnet")
    parser.add_argument("-o", "--output", help="the YAML design ('-' for stdout; the default without --snapshot)")
    parser.add_argument("--snapshot", metavar="DIR", help="also (or only) write the estate as an AWS snapshot")
    parser.add_argument("--load-balancers", type=int, default=0, help="internet-facing ALBs (YAML only)")
    parser.add_argument("--auto-scaling-groups", type=int, default=0, help="of them, fronting an ASG (YAML only)")
    parser.add_argument("--utf8", action="store_true", help="the snapshot's instances have a tag that is not ASCII")
    args = parser.parse_args(argv)
    try:
        design = generate(args.vpcs, args.subnets, args.instances)
        if args.load_balancers:
            add_load_balancers(design, args.load_balancers, args.auto_scaling_groups)
    except ValueError as exc:
        parser.error(str(exc))
    output = args.output or (None if args.snapshot else "-")
    if output == "-":
        sys.stdout.write(to_yaml(design))
    elif output is not None:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(to_yaml(design))
    if args.snapshot:
        write_snapshot(design, args.snapshot, args.utf8)
    return 0


if __name__ == "__main__":
    sys.exit(main())
