"""Generate synthetic vpcsim designs at scale: hub-and-spoke peering, public and private tiers,
NAT gateways, security groups that reference each other (also across peerings), custom NACLs.

    python3 benchmarks/generate.py --vpcs 50 --subnets 40 --instances 10 -o /tmp/big.yaml

The default (50 VPCs x 40 subnets x 10 instances) is the issue's target design: 50 VPCs,
2,000 subnets, 20,000 instances. Deterministic: the same arguments give the same file.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import yaml

AZS = ("us-east-1a", "us-east-1b")


def _ip(value: int) -> str:
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


def generate(vpcs: int = 50, subnets: int = 40, instances: int = 10) -> dict[str, Any]:
    """A design dict: VPC 0 is the hub, peered with every spoke; each VPC has public and private tiers."""
    if not 1 <= vpcs <= 250 or not 2 <= subnets <= 250 or not 1 <= instances <= 250:
        raise ValueError("vpcs 1-250, subnets 2-250, instances 1-250")
    design: dict[str, Any] = {
        "version": 1,
        "description": f"synthetic: {vpcs} VPCs x {subnets} subnets x {instances} instances, hub and spoke",
        "region": "us-east-1",
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
        cidr = f"10.{v}.0.0/16"
        design["vpcs"][vpc] = {"cidrs": [cidr], "tags": {"role": "hub" if v == 0 else "spoke"}}
        design["internet_gateways"][f"{vpc}-igw"] = {"vpc": vpc}
        peer_routes: list[dict[str, Any]] = []
        if v == 0:
            peer_routes = [{"destination": f"10.{s}.0.0/16", "peering": f"hub-vpc{s}"} for s in range(1, vpcs)]
        else:
            design["peerings"][f"hub-{vpc}"] = {"requester": "vpc0", "accepter": vpc}
            peer_routes = [{"destination": "10.0.0.0/16", "peering": f"hub-{vpc}"}]
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
                {"rule": 150, "action": "allow", "protocol": "all", "cidr": "10.0.0.0/8"},
            ],
            "outbound": [{"rule": 100, "action": "allow", "protocol": "all", "cidr": "0.0.0.0/0"}],
        }
        design["network_acls"][f"{vpc}-private-acl"] = {
            "vpc": vpc,
            "inbound": [
                {"rule": 100, "action": "allow", "protocol": "all", "cidr": cidr},
                {"rule": 110, "action": "allow", "protocol": "all", "cidr": "10.0.0.0/16"},
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
                {"protocol": "tcp", "ports": 22, "cidr": "10.0.0.0/16"},
            ],
        }
        db_ingress: list[dict[str, Any]] = [{"protocol": "tcp", "ports": 5432, "security_group": f"{vpc}-app"}]
        if v != 0:
            db_ingress.append({"protocol": "tcp", "ports": 5432, "security_group": "vpc0-app"})
        sg[f"{vpc}-db"] = {"vpc": vpc, "ingress": db_ingress, "egress": [
            {"protocol": "tcp", "ports": 443, "cidr": "0.0.0.0/0"},
            {"protocol": "all", "cidr": cidr},
        ]}
        for s in range(subnets):
            public = s < subnets // 2
            az_index = s % len(AZS)
            name = f"{vpc}-{'pub' if public else 'priv'}-{s}"
            design["subnets"][name] = {
                "vpc": vpc,
                "cidr": f"10.{v}.{s}.0/24",
                "az": AZS[az_index],
                "route_table": f"{vpc}-public" if public else f"{vpc}-private-{az_index}",
                "network_acl": f"{vpc}-public-acl" if public else f"{vpc}-private-acl",
            }
            if s < len(AZS):
                design["nat_gateways"][f"{vpc}-nat-{s}"] = {
                    "subnet": name,
                    "elastic_ip": _ip(public_ip),
                    "private_ip": f"10.{v}.{s}.4",
                }
                public_ip += 1
            for i in range(instances):
                instance: dict[str, Any] = {
                    "subnet": name,
                    "private_ip": f"10.{v}.{s}.{10 + i}",
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


def to_yaml(design: dict[str, Any]) -> str:
    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return str(yaml.dump(design, Dumper=dumper, sort_keys=False, default_flow_style=None, width=200))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--vpcs", type=int, default=50)
    parser.add_argument("--subnets", type=int, default=40, help="subnets per VPC")
    parser.add_argument("--instances", type=int, default=10, help="instances per subnet")
    parser.add_argument("-o", "--output", default="-")
    args = parser.parse_args(argv)
    text = to_yaml(generate(args.vpcs, args.subnets, args.instances))
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
