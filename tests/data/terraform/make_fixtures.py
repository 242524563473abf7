"""Writes the hand-made Terraform fixtures of this folder (run it after a change, commit the JSON).

They follow HashiCorp's "JSON Output Format" (terraform show -json), format_version 1.2: every
resource is in `resource_changes` (after / after_unknown) and in `planned_values`, and the
`configuration` block holds the references that resolve the values known only after apply.
They cover what the third-party plans in ../../../../shared/terraform miss: aws_default_* resources,
the aws_vpc_security_group_*_rule resources, prefix lists, peering with an accepter, ENI
attachments, NACL rule resources, references through a module's variables and outputs, and a
`delete` action.

    python3 tests/data/terraform/make_fixtures.py
"""

from __future__ import annotations

import json
import os
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
U = object()  # a value known only after apply


class Plan:
    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []
        self.config: dict[str, dict[str, Any]] = {"": {"resources": [], "module_calls": {}}}

    def module(self, name: str, source: str, expressions: dict[str, Any], outputs: dict[str, list[str]]) -> None:
        inner = {"resources": [], "module_calls": {},
                 "outputs": {k: {"expression": {"references": v}} for k, v in outputs.items()},
                 "variables": {k: {} for k in expressions}}
        self.config[f"module.{name}"] = inner
        self.config[""]["module_calls"][name] = {"source": source, "expressions": expressions, "module": inner}

    def add(self, module: str, rtype: str, name: str, after: dict[str, Any], expressions: dict[str, Any],
            index: int | None = None, actions: tuple[str, ...] = ("create",), counted: bool = False) -> None:
        local = f"{rtype}.{name}"
        address = (f"{module}." if module else "") + local + (f"[{index}]" if index is not None else "")
        known = {k: v for k, v in after.items() if v is not U}
        unknown = {k: True for k, v in after.items() if v is U}
        for key, value in after.items():  # nested blocks: unknown leaves inside
            if isinstance(value, list) and any(isinstance(b, dict) for b in value):
                known[key] = [{k: v for k, v in b.items() if v is not U} for b in value]
                unknown[key] = [{k: True for k, v in b.items() if v is U} for b in value]
        unknown.setdefault("id", True)
        change: dict[str, Any] = {
            "address": address, "mode": "managed", "type": rtype, "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": list(actions), "before": None if "create" in actions else dict(known),
                       "after": None if actions == ("delete",) else known,
                       "after_unknown": {} if actions == ("delete",) else unknown,
                       "before_sensitive": False, "after_sensitive": {}},
        }
        if module:
            change["module_address"] = module
        if index is not None:
            change["index"] = index
        self.changes.append(change)
        resources = self.config[module]["resources"]
        if not any(r["address"] == local for r in resources):
            entry: dict[str, Any] = {"address": local, "mode": "managed", "type": rtype, "name": name,
                                     "provider_config_key": "aws", "expressions": expressions, "schema_version": 0}
            if counted:
                entry["count_expression"] = {"constant_value": 2}
            resources.append(entry)

    def write(self, filename: str, prior_state: dict[str, Any] | None = None) -> None:
        roots: dict[str, dict[str, Any]] = {"": {"resources": [], "child_modules": []}}
        for change in self.changes:
            if change["change"]["actions"] == ["delete"]:
                continue
            module = change.get("module_address", "")
            if module not in roots:
                roots[module] = {"resources": [], "address": module}
                roots[""]["child_modules"].append(roots[module])
            value = {k: change[k] for k in ("address", "mode", "type", "name") if k in change}
            if "index" in change:
                value["index"] = change["index"]
            value.update({"provider_name": change["provider_name"], "schema_version": 0,
                          "values": change["change"]["after"], "sensitive_values": {}})
            roots[module]["resources"].append(value)
        doc = {
            "format_version": "1.2",
            "terraform_version": "1.9.5",
            "planned_values": {"root_module": roots[""]},
            "resource_changes": self.changes,
            "configuration": {
                "provider_config": {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                                            "expressions": {"region": {"constant_value": "us-east-1"}}}},
                "root_module": self.config[""],
            },
            **({"prior_state": prior_state} if prior_state is not None else {}),
            "timestamp": "2026-11-30T12:00:00Z",
            "applyable": True,
            "complete": True,
            "errored": False,
        }
        with open(os.path.join(HERE, filename), "w", encoding="utf-8") as handle:
            json.dump(doc, handle, indent=2)
            handle.write("\n")


def ref(*refs: str) -> dict[str, Any]:
    return {"references": list(refs)}


def const(value: Any) -> dict[str, Any]:
    return {"constant_value": value}


def sg_block(protocol: str, lo: int, hi: int, cidrs: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    block = {"cidr_blocks": cidrs or [], "description": "", "from_port": lo, "ipv6_cidr_blocks": [],
             "prefix_list_ids": [], "protocol": protocol, "security_groups": [], "self": False, "to_port": hi}
    block.update(extra)
    return block


def webapp(variant: int) -> Plan:
    """A two-tier app in one VPC (module `net` builds the subnets), peered with a shared VPC.

    variant 2 is the same plan after a change: the web group also opens tcp 80 to the world, and
    the NACL rule that lets the admin network reach the private subnets on 22 is deleted.
    """
    p = Plan()
    p.module("net", "./modules/net", {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")},
             {"public_subnet_ids": ["aws_subnet.public"], "private_subnet_ids": ["aws_subnet.private"],
              "db_subnet_id": ["aws_subnet.private[0].id", "aws_subnet.private[0]"],
              "admin_subnet_id": ["aws_subnet.private[0].id", "aws_subnet.private[0]"]})
    vpc_attrs = {"default_route_table_id": U, "default_network_acl_id": U, "default_security_group_id": U,
                 "main_route_table_id": U, "arn": U}
    p.add("", "aws_vpc", "main", {"cidr_block": "10.0.0.0/16", "tags": {"Name": "main"}, **vpc_attrs},
          {"cidr_block": const("10.0.0.0/16")})
    p.add("", "aws_vpc", "shared", {"cidr_block": "10.20.0.0/16", "tags": {"Name": "shared"}, **vpc_attrs},
          {"cidr_block": const("10.20.0.0/16")})
    p.add("", "aws_vpc_ipv4_cidr_block_association", "extra", {"cidr_block": "10.1.0.0/16", "vpc_id": U},
          {"cidr_block": const("10.1.0.0/16"), "vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")})
    # module net: 2 public + 2 private subnets, IGW, NAT, two route tables.
    for i in range(2):
        p.add("module.net", "aws_subnet", "public",
              {"cidr_block": f"10.0.{i}.0/24", "availability_zone": f"us-east-1{'ab'[i]}",
               "map_public_ip_on_launch": True, "vpc_id": U},
              {"cidr_block": ref("count.index"), "vpc_id": ref("var.vpc_id"),
               "map_public_ip_on_launch": const(True)}, index=i, counted=True)
    for i in range(2):
        p.add("module.net", "aws_subnet", "private",
              {"cidr_block": f"10.0.{10 + i}.0/24", "availability_zone": f"us-east-1{'ab'[i]}",
               "map_public_ip_on_launch": False, "vpc_id": U},
              {"cidr_block": ref("count.index"), "vpc_id": ref("var.vpc_id")}, index=i, counted=True)
    p.add("module.net", "aws_internet_gateway", "this", {"vpc_id": U}, {"vpc_id": ref("var.vpc_id")})
    p.add("module.net", "aws_route_table", "public",
          {"vpc_id": U, "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": U, "nat_gateway_id": "",
                                   "vpc_peering_connection_id": "", "network_interface_id": ""}]},
          {"vpc_id": ref("var.vpc_id"),
           "route": [{"cidr_block": const("0.0.0.0/0"),
                      "gateway_id": ref("aws_internet_gateway.this.id", "aws_internet_gateway.this")}]})
    for i in range(2):
        p.add("module.net", "aws_route_table_association", "public", {"subnet_id": U, "route_table_id": U},
              {"subnet_id": ref("aws_subnet.public", "count.index"),
               "route_table_id": ref("aws_route_table.public.id", "aws_route_table.public")}, index=i, counted=True)
    p.add("module.net", "aws_eip", "nat", {"domain": "vpc", "public_ip": U, "allocation_id": U, "instance": U,
                                           "network_interface": U}, {"domain": const("vpc")})
    p.add("module.net", "aws_nat_gateway", "this",
          {"connectivity_type": "public", "subnet_id": U, "allocation_id": U, "private_ip": U, "public_ip": U},
          {"subnet_id": ref("aws_subnet.public[0].id", "aws_subnet.public[0]"),
           "allocation_id": ref("aws_eip.nat.id", "aws_eip.nat")})
    p.add("module.net", "aws_route_table", "private", {"vpc_id": U, "route": U}, {"vpc_id": ref("var.vpc_id")})
    p.add("module.net", "aws_route", "private_nat",
          {"destination_cidr_block": "0.0.0.0/0", "route_table_id": U, "nat_gateway_id": U, "gateway_id": U,
           "instance_id": U, "network_interface_id": U},
          {"destination_cidr_block": const("0.0.0.0/0"),
           "route_table_id": ref("aws_route_table.private.id", "aws_route_table.private"),
           "nat_gateway_id": ref("aws_nat_gateway.this.id", "aws_nat_gateway.this")})
    for i in range(2):
        p.add("module.net", "aws_route_table_association", "private", {"subnet_id": U, "route_table_id": U},
              {"subnet_id": ref("aws_subnet.private", "count.index"),
               "route_table_id": ref("aws_route_table.private.id", "aws_route_table.private")}, index=i, counted=True)
    # A subnet left on the main table, which the aws_default_route_table adopts.
    p.add("", "aws_subnet", "ops", {"cidr_block": "10.0.20.0/24", "availability_zone": "us-east-1a",
                                    "map_public_ip_on_launch": False, "vpc_id": U},
          {"cidr_block": const("10.0.20.0/24"), "vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")})
    p.add("", "aws_default_route_table", "main",
          {"default_route_table_id": U, "route": [{"cidr_block": "10.20.0.0/16", "vpc_peering_connection_id": U,
                                                   "gateway_id": "", "nat_gateway_id": ""}]},
          {"default_route_table_id": ref("aws_vpc.main.default_route_table_id", "aws_vpc.main"),
           "route": [{"cidr_block": const("10.20.0.0/16"),
                      "vpc_peering_connection_id": ref("aws_vpc_peering_connection.main_shared.id",
                                                       "aws_vpc_peering_connection.main_shared")}]})
    # Peering: requested without auto_accept, accepted by the accepter resource.
    p.add("", "aws_vpc_peering_connection", "main_shared",
          {"auto_accept": False, "vpc_id": U, "peer_vpc_id": U, "accept_status": U},
          {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main"), "peer_vpc_id": ref("aws_vpc.shared.id", "aws_vpc.shared")})
    p.add("", "aws_vpc_peering_connection_accepter", "shared",
          {"auto_accept": True, "vpc_peering_connection_id": U},
          {"auto_accept": const(True), "vpc_peering_connection_id": ref(
              "aws_vpc_peering_connection.main_shared.id", "aws_vpc_peering_connection.main_shared")})
    p.add("", "aws_subnet", "shared_a", {"cidr_block": "10.20.1.0/24", "availability_zone": "us-east-1a",
                                         "map_public_ip_on_launch": False, "vpc_id": U},
          {"cidr_block": const("10.20.1.0/24"), "vpc_id": ref("aws_vpc.shared.id", "aws_vpc.shared")})
    p.add("", "aws_route_table", "shared", {"vpc_id": U, "route": U}, {"vpc_id": ref("aws_vpc.shared.id",
                                                                                        "aws_vpc.shared")})
    p.add("", "aws_route", "shared_to_main",
          {"destination_cidr_block": "10.0.0.0/16", "route_table_id": U, "vpc_peering_connection_id": U,
           "gateway_id": U},
          {"destination_cidr_block": const("10.0.0.0/16"),
           "route_table_id": ref("aws_route_table.shared.id", "aws_route_table.shared"),
           "vpc_peering_connection_id": ref("aws_vpc_peering_connection_accepter.shared.id",
                                            "aws_vpc_peering_connection_accepter.shared")})
    p.add("", "aws_route_table_association", "shared_a", {"subnet_id": U, "route_table_id": U},
          {"subnet_id": ref("aws_subnet.shared_a.id", "aws_subnet.shared_a"),
           "route_table_id": ref("aws_route_table.shared.id", "aws_route_table.shared")})
    # Security groups.
    web_ingress = [sg_block("tcp", 443, 443, ["0.0.0.0/0"])]
    if variant == 2:
        web_ingress.append(sg_block("tcp", 80, 80, ["0.0.0.0/0"]))
    p.add("", "aws_security_group", "web", {"name": "web", "vpc_id": U, "ingress": web_ingress, "egress": U},
          {"name": const("web"), "vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")})  # no egress block
    p.add("", "aws_security_group", "db", {"name": "db", "vpc_id": U, "ingress": U,
                                           "egress": [sg_block("-1", 0, 0, ["0.0.0.0/0"])]},
          {"name": const("db"), "vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")})
    p.add("", "aws_security_group", "admin", {"name": "admin", "vpc_id": U,
                                              "ingress": [sg_block("tcp", 22, 22, ["10.0.0.0/16"])],
                                              "egress": [sg_block("-1", 0, 0, ["0.0.0.0/0"])]},
          {"name": const("admin"), "vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")})
    p.add("", "aws_security_group", "shared_app", {"name": "shared-app", "vpc_id": U,
                                                   "ingress": [sg_block("tcp", 8080, 8080, ["10.0.0.0/16"])],
                                                   "egress": [sg_block("-1", 0, 0, ["0.0.0.0/0"])]},
          {"name": const("shared-app"), "vpc_id": ref("aws_vpc.shared.id", "aws_vpc.shared")})
    p.add("", "aws_security_group", "legacy", {"name": "legacy", "vpc_id": "vpc-0legacy"}, {},
          actions=("delete",))
    p.add("", "aws_default_security_group", "main", {"vpc_id": U, "ingress": [], "egress": []},
          {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")})
    p.add("", "aws_security_group_rule", "db_from_web",
          {"type": "ingress", "protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr_blocks": None,
           "self": False, "security_group_id": U, "source_security_group_id": U},
          {"type": const("ingress"), "protocol": const("tcp"), "from_port": const(5432), "to_port": const(5432),
           "security_group_id": ref("aws_security_group.db.id", "aws_security_group.db"),
           "source_security_group_id": ref("aws_security_group.web.id", "aws_security_group.web")})
    p.add("", "aws_vpc_security_group_egress_rule", "web_to_db",
          {"ip_protocol": "tcp", "from_port": 5432, "to_port": 5432, "security_group_id": U,
           "referenced_security_group_id": U, "arn": U},
          {"ip_protocol": const("tcp"), "from_port": const(5432), "to_port": const(5432),
           "security_group_id": ref("aws_security_group.web.id", "aws_security_group.web"),
           "referenced_security_group_id": ref("aws_security_group.db.id", "aws_security_group.db")})
    p.add("", "aws_ec2_managed_prefix_list", "office",
          {"name": "office", "address_family": "IPv4", "max_entries": 5,
           "entry": [{"cidr": "203.0.113.0/24", "description": "office"}]},
          {"name": const("office")})
    p.add("", "aws_ec2_managed_prefix_list_entry", "office_vpn", {"cidr": "198.51.100.0/24", "prefix_list_id": U},
          {"cidr": const("198.51.100.0/24"),
           "prefix_list_id": ref("aws_ec2_managed_prefix_list.office.id", "aws_ec2_managed_prefix_list.office")})
    p.add("", "aws_vpc_security_group_ingress_rule", "web_ssh_office",
          {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "security_group_id": U, "prefix_list_id": U},
          {"ip_protocol": const("tcp"), "from_port": const(22), "to_port": const(22),
           "security_group_id": ref("aws_security_group.web.id", "aws_security_group.web"),
           "prefix_list_id": ref("aws_ec2_managed_prefix_list.office.id", "aws_ec2_managed_prefix_list.office")})
    # The private subnets' NACL, and one rule as a resource.
    p.add("", "aws_network_acl", "private",
          {"vpc_id": U, "subnet_ids": U,
           "ingress": [{"rule_no": 100, "action": "allow", "protocol": "tcp", "from_port": 5432, "to_port": 5432,
                        "cidr_block": "10.0.0.0/16", "icmp_code": 0, "icmp_type": 0, "ipv6_cidr_block": ""},
                       {"rule_no": 110, "action": "allow", "protocol": "tcp", "from_port": 1024, "to_port": 65535,
                        "cidr_block": "0.0.0.0/0", "icmp_code": 0, "icmp_type": 0, "ipv6_cidr_block": ""}],
           "egress": [{"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0,
                       "cidr_block": "0.0.0.0/0", "icmp_code": 0, "icmp_type": 0, "ipv6_cidr_block": ""}]},
          {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main"),
           "subnet_ids": ref("module.net.private_subnet_ids", "module.net")})
    p.add("", "aws_network_acl_rule", "private_ssh",
          {"network_acl_id": U, "rule_number": 120, "egress": False, "protocol": "tcp", "rule_action": "allow",
           "cidr_block": "10.0.0.0/16", "from_port": 22, "to_port": 22},
          {"network_acl_id": ref("aws_network_acl.private.id", "aws_network_acl.private"),
           "rule_number": const(120), "egress": const(False), "protocol": const("tcp"),
           "rule_action": const("allow"), "cidr_block": const("10.0.0.0/16"), "from_port": const(22),
           "to_port": const(22)}, actions=("delete",) if variant == 2 else ("create",))
    # Instances: two web servers (DHCP addresses, auto public IPs), a database with a second ENI,
    # an ops box on the main table, an app in the shared VPC.
    for i in range(2):
        p.add("", "aws_instance", "web",
              {"ami": "ami-0abc", "instance_type": "t3.micro", "subnet_id": U, "private_ip": U, "public_ip": U,
               "associate_public_ip_address": U, "vpc_security_group_ids": U, "source_dest_check": True,
               "primary_network_interface_id": U},
              {"ami": const("ami-0abc"), "subnet_id": ref("module.net.public_subnet_ids", "module.net", "count.index"),
               "vpc_security_group_ids": ref("aws_security_group.web.id", "aws_security_group.web")},
              index=i, counted=True)
    p.add("", "aws_instance", "db",
          {"ami": "ami-0abc", "instance_type": "t3.small", "subnet_id": U, "private_ip": "10.0.10.50",
           "public_ip": U, "associate_public_ip_address": U, "vpc_security_group_ids": U,
           "primary_network_interface_id": U},
          {"subnet_id": ref("module.net.db_subnet_id", "module.net"), "private_ip": const("10.0.10.50"),
           "vpc_security_group_ids": ref("aws_security_group.db.id", "aws_security_group.db")})
    p.add("", "aws_network_interface", "db_admin",
          {"subnet_id": U, "private_ips": ["10.0.10.60"], "security_groups": U, "source_dest_check": True,
           "attachment": U},
          {"subnet_id": ref("module.net.admin_subnet_id", "module.net"), "private_ips": const(["10.0.10.60"])})
    p.add("", "aws_network_interface_attachment", "db_admin",
          {"device_index": 1, "instance_id": U, "network_interface_id": U},
          {"device_index": const(1), "instance_id": ref("aws_instance.db.id", "aws_instance.db"),
           "network_interface_id": ref("aws_network_interface.db_admin.id", "aws_network_interface.db_admin")})
    p.add("", "aws_network_interface_sg_attachment", "db_admin",
          {"security_group_id": U, "network_interface_id": U},
          {"security_group_id": ref("aws_security_group.admin.id", "aws_security_group.admin"),
           "network_interface_id": ref("aws_network_interface.db_admin.id", "aws_network_interface.db_admin")})
    p.add("", "aws_instance", "ops",
          {"ami": "ami-0abc", "instance_type": "t3.micro", "subnet_id": U, "private_ip": "10.0.20.10",
           "public_ip": U, "associate_public_ip_address": False, "vpc_security_group_ids": U},
          {"subnet_id": ref("aws_subnet.ops.id", "aws_subnet.ops"), "private_ip": const("10.0.20.10"),
           "associate_public_ip_address": const(False),
           "vpc_security_group_ids": ref("aws_security_group.admin.id", "aws_security_group.admin")})
    p.add("", "aws_instance", "shared_app",
          {"ami": "ami-0abc", "instance_type": "t3.micro", "subnet_id": U, "private_ip": "10.20.1.10",
           "public_ip": U, "associate_public_ip_address": U, "vpc_security_group_ids": U},
          {"subnet_id": ref("aws_subnet.shared_a.id", "aws_subnet.shared_a"), "private_ip": const("10.20.1.10"),
           "vpc_security_group_ids": ref("aws_security_group.shared_app.id", "aws_security_group.shared_app")})
    return p


def cyclic() -> Plan:
    """Two modules whose variables and outputs refer to each other: a reference cycle."""
    p = Plan()
    p.module("a", "./a", {"vpc_id": ref("module.b.vpc_id", "module.b")}, {"vpc_id": ["var.vpc_id"]})
    p.module("b", "./b", {"vpc_id": ref("module.a.vpc_id", "module.a")}, {"vpc_id": ["var.vpc_id"]})
    p.add("", "aws_vpc", "main", {"cidr_block": "10.0.0.0/16"}, {"cidr_block": const("10.0.0.0/16")})
    p.add("", "aws_vpc", "other", {"cidr_block": "10.1.0.0/16"}, {"cidr_block": const("10.1.0.0/16")})
    p.add("module.a", "aws_subnet", "this", {"cidr_block": "10.0.1.0/24", "availability_zone": "us-east-1a",
                                             "vpc_id": U},
          {"cidr_block": const("10.0.1.0/24"), "vpc_id": ref("var.vpc_id")})
    return p


def autoscaling() -> Plan:
    """Two Auto Scaling groups: one from a launch template (public IPs through the subnets'
    map_public_ip_on_launch), one from a launch configuration that turns public IPs off."""
    p = Plan()
    p.add("", "aws_vpc", "main", {"cidr_block": "10.30.0.0/16"}, {"cidr_block": const("10.30.0.0/16")})
    p.add("", "aws_internet_gateway", "gw", {"vpc_id": U}, {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")})
    for i in range(2):
        p.add("", "aws_subnet", "public", {"cidr_block": f"10.30.{i}.0/24", "availability_zone": f"us-east-1{'ab'[i]}",
                                           "map_public_ip_on_launch": True, "vpc_id": U},
              {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main"), "cidr_block": ref("count.index")},
              index=i, counted=True)
        p.add("", "aws_route_table_association", "public", {"subnet_id": U, "route_table_id": U},
              {"subnet_id": ref("aws_subnet.public", "count.index"),
               "route_table_id": ref("aws_route_table.public.id", "aws_route_table.public")}, index=i, counted=True)
    p.add("", "aws_route_table", "public",
          {"vpc_id": U, "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": U, "nat_gateway_id": ""}]},
          {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main"),
           "route": [{"cidr_block": const("0.0.0.0/0"), "gateway_id": ref("aws_internet_gateway.gw.id",
                                                                          "aws_internet_gateway.gw")}]})
    p.add("", "aws_security_group", "web", {"vpc_id": U, "ingress": [sg_block("tcp", 80, 80, ["0.0.0.0/0"])],
                                            "egress": [sg_block("-1", 0, 0, ["0.0.0.0/0"])]},
          {"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")})
    p.add("", "aws_launch_template", "web", {"image_id": "ami-0abc", "vpc_security_group_ids": U,
                                             "network_interfaces": [], "latest_version": U},
          {"image_id": const("ami-0abc"),
           "vpc_security_group_ids": ref("aws_security_group.web.id", "aws_security_group.web")})
    p.add("", "aws_autoscaling_group", "web",
          {"desired_capacity": 4, "min_size": 2, "max_size": 6, "vpc_zone_identifier": U,
           "launch_template": [{"id": U, "version": "$Latest", "name": U}]},
          {"desired_capacity": const(4), "vpc_zone_identifier": ref("aws_subnet.public"),
           "launch_template": [{"id": ref("aws_launch_template.web.id", "aws_launch_template.web"),
                                "version": const("$Latest")}]})
    # A bastion whose public address is an Elastic IP bound by the EIP's own `instance` argument.
    p.add("", "aws_instance", "bastion", {"subnet_id": U, "private_ip": "10.30.0.10", "public_ip": U,
                                          "associate_public_ip_address": False, "vpc_security_group_ids": U},
          {"subnet_id": ref("aws_subnet.public[0].id", "aws_subnet.public[0]"), "private_ip": const("10.30.0.10"),
           "associate_public_ip_address": const(False),
           "vpc_security_group_ids": ref("aws_security_group.web.id", "aws_security_group.web")})
    p.add("", "aws_eip", "bastion", {"domain": "vpc", "instance": U, "public_ip": U, "network_interface": U},
          {"domain": const("vpc"), "instance": ref("aws_instance.bastion.id", "aws_instance.bastion")})
    p.add("", "aws_launch_configuration", "worker", {"image_id": "ami-0abc", "name": U, "security_groups": U,
                                                     "associate_public_ip_address": False},
          {"security_groups": ref("aws_security_group.web.id", "aws_security_group.web"),
           "associate_public_ip_address": const(False)})
    p.add("", "aws_autoscaling_group", "worker",
          {"min_size": 1, "max_size": 2, "vpc_zone_identifier": U, "launch_configuration": U},
          {"vpc_zone_identifier": ref("aws_subnet.public[1].id", "aws_subnet.public[1]"),
           "launch_configuration": ref("aws_launch_configuration.worker.name", "aws_launch_configuration.worker")})
    # A mixed instances policy over launch template web, whose tier tag reaches its instances.
    p.add("", "aws_autoscaling_group", "api",
          {"min_size": 1, "max_size": 3, "vpc_zone_identifier": U,
           "tag": [{"key": "tier", "value": "api", "propagate_at_launch": True},
                   {"key": "team", "value": "core", "propagate_at_launch": False}],
           "mixed_instances_policy": [{"launch_template": [{
               "launch_template_specification": [{"version": "$Latest"}],
               "override": [{"instance_type": "t3.micro"}, {"instance_type": "t3a.micro"}]}],
               "instances_distribution": [{"on_demand_base_capacity": 0}]}]},
          {"vpc_zone_identifier": ref("aws_subnet.public[0].id", "aws_subnet.public[0]"),
           "mixed_instances_policy": [{"launch_template": [{"launch_template_specification": [{
               "launch_template_id": ref("aws_launch_template.web.id", "aws_launch_template.web")}]}]}]})
    p.changes[-1]["change"]["after_unknown"]["mixed_instances_policy"] = [{"launch_template": [{
        "launch_template_specification": [{"launch_template_id": True, "launch_template_name": True}],
        "override": [{}, {}]}], "instances_distribution": [{}]}]
    return p


def state() -> dict[str, Any]:
    """A state (values.root_module, format 0.2): every id known, so links go through ids.

    An IGW attached by aws_internet_gateway_attachment, a table made main by
    aws_main_route_table_association, the default NACL adopted with one rule, an Elastic IP
    bound by aws_eip_association, and the VPC's default group left alone (AWS's default rules).
    """
    def res(rtype: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
        return {"address": f"{rtype}.{name}", "mode": "managed", "type": rtype, "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0, "values": values}

    resources = [
        res("aws_vpc", "main", {"id": "vpc-0a1", "cidr_block": "10.8.0.0/16", "default_route_table_id": "rtb-0def",
                                "main_route_table_id": "rtb-0def", "default_network_acl_id": "acl-0def",
                                "default_security_group_id": "sg-0def", "arn": "arn:aws:ec2:eu-west-1:1:vpc/vpc-0a1"}),
        res("aws_subnet", "public", {"id": "subnet-0p", "vpc_id": "vpc-0a1", "cidr_block": "10.8.1.0/24",
                                     "availability_zone": "eu-west-1a", "map_public_ip_on_launch": False}),
        res("aws_subnet", "private", {"id": "subnet-0q", "vpc_id": "vpc-0a1", "cidr_block": "10.8.2.0/24",
                                      "availability_zone": "eu-west-1a", "map_public_ip_on_launch": False}),
        res("aws_internet_gateway", "gw", {"id": "igw-0g", "vpc_id": ""}),
        res("aws_internet_gateway_attachment", "gw", {"id": "igw-0g:vpc-0a1", "internet_gateway_id": "igw-0g",
                                                     "vpc_id": "vpc-0a1"}),
        res("aws_route_table", "public", {"id": "rtb-0pub", "vpc_id": "vpc-0a1", "route": [
            {"cidr_block": "0.0.0.0/0", "gateway_id": "igw-0g", "nat_gateway_id": "", "instance_id": "",
             "network_interface_id": "", "vpc_peering_connection_id": "", "ipv6_cidr_block": ""}]}),
        res("aws_main_route_table_association", "public", {"id": "rtbassoc-0m", "vpc_id": "vpc-0a1",
                                                           "route_table_id": "rtb-0pub",
                                                           "original_route_table_id": "rtb-0def"}),
        res("aws_route", "legacy", {"id": "r-rtb-0def1080289494", "route_table_id": "rtb-0def",
                                    "destination_cidr_block": "10.99.0.0/16", "gateway_id": "igw-0g"}),
        res("aws_default_network_acl", "main", {"id": "acl-0def", "default_network_acl_id": "acl-0def",
                                                "subnet_ids": ["subnet-0p", "subnet-0q"], "ingress": [
            {"rule_no": 100, "action": "allow", "protocol": "tcp", "from_port": 443, "to_port": 443,
             "cidr_block": "0.0.0.0/0", "icmp_type": 0, "icmp_code": 0, "ipv6_cidr_block": ""},
            {"rule_no": 110, "action": "allow", "protocol": "tcp", "from_port": 1024, "to_port": 65535,
             "cidr_block": "0.0.0.0/0", "icmp_type": 0, "icmp_code": 0, "ipv6_cidr_block": ""}], "egress": [
            {"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0,
             "cidr_block": "0.0.0.0/0", "icmp_type": 0, "icmp_code": 0, "ipv6_cidr_block": ""}]}),
        res("aws_instance", "web", {"id": "i-0w", "subnet_id": "subnet-0p", "private_ip": "10.8.1.10",
                                    "public_ip": "", "associate_public_ip_address": False,
                                    "vpc_security_group_ids": ["sg-0def"], "source_dest_check": True,
                                    "instance_state": "running", "primary_network_interface_id": "eni-0w"}),
        res("aws_instance", "batch", {"id": "i-0b", "subnet_id": "subnet-0q", "private_ip": "10.8.2.10",
                                      "public_ip": "", "vpc_security_group_ids": ["sg-0def"],
                                      "instance_state": "stopped", "primary_network_interface_id": "eni-0b"}),
        res("aws_eip", "web", {"id": "eipalloc-0e", "allocation_id": "eipalloc-0e", "public_ip": "52.0.0.7",
                               "domain": "vpc", "instance": "", "network_interface": ""}),
        res("aws_eip_association", "web", {"id": "eipassoc-0e", "allocation_id": "eipalloc-0e",
                                           "instance_id": "i-0w", "network_interface_id": "",
                                           "public_ip": "52.0.0.7"}),
    ]
    return {"format_version": "0.2", "terraform_version": "1.0.11",
            "values": {"root_module": {"resources": resources}}}


def pull_request() -> dict[str, Any]:
    """pr/plan.json, the plan of pr/main.tf against the state in its prior_state (every id known).

    The change: aws_security_group.db gains an ingress block 5432 from 0.0.0.0/0; aws_instance.web
    is created, its private IP left to DHCP; aws_instance.app is renamed aws_instance.api by a
    `moved` block (same id, `previous_address`). The set-typed blocks (NACL and group rules) are
    listed in another order than the source's, as Terraform does.
    """
    p = Plan()
    route = {"cidr_block": "0.0.0.0/0", "gateway_id": "igw-0main", "nat_gateway_id": "", "instance_id": "",
             "network_interface_id": "", "vpc_peering_connection_id": "", "ipv6_cidr_block": "",
             "destination_prefix_list_id": "", "transit_gateway_id": "", "vpc_endpoint_id": ""}

    def acl_rule(number: int, action: str, protocol: str, lo: int, hi: int) -> dict[str, Any]:
        return {"rule_no": number, "action": action, "protocol": protocol, "from_port": lo, "to_port": hi,
                "cidr_block": "0.0.0.0/0", "icmp_type": 0, "icmp_code": 0, "ipv6_cidr_block": ""}

    def instance(rid: Any, ip: Any, public: Any, group: str) -> dict[str, Any]:
        return {"id": rid, "ami": "ami-0123456789abcdef0", "instance_type": "t3.micro", "subnet_id": "subnet-0pub",
                "private_ip": ip, "public_ip": public, "vpc_security_group_ids": [group],
                "associate_public_ip_address": U if rid is U else True, "source_dest_check": True,
                "instance_state": U if rid is U else "running",
                "primary_network_interface_id": U if rid is U else f"eni-{rid[2:]}"}

    db_before = [sg_block("tcp", 5432, 5432, ["10.0.1.0/25"])]
    db_after = [sg_block("tcp", 5432, 5432, ["0.0.0.0/0"]), *db_before]
    same = ("no-op",)
    resources: list[tuple[str, str, dict[str, Any], dict[str, Any] | None, tuple[str, ...]]] = [
        ("aws_vpc", "main", {"id": "vpc-0main", "cidr_block": "10.0.0.0/16", "default_route_table_id": "rtb-0main",
                             "main_route_table_id": "rtb-0main", "default_network_acl_id": "acl-0default",
                             "default_security_group_id": "sg-0default"}, None, same),
        ("aws_subnet", "public", {"id": "subnet-0pub", "vpc_id": "vpc-0main", "cidr_block": "10.0.1.0/24",
                                  "availability_zone": "us-east-1a", "map_public_ip_on_launch": True}, None, same),
        ("aws_internet_gateway", "main", {"id": "igw-0main", "vpc_id": "vpc-0main"}, None, same),
        ("aws_route_table", "public", {"id": "rtb-0pub", "vpc_id": "vpc-0main", "route": [route]}, None, same),
        ("aws_route_table_association", "public", {"id": "rtbassoc-0pub", "subnet_id": "subnet-0pub",
                                                   "route_table_id": "rtb-0pub", "gateway_id": ""}, None, same),
        ("aws_network_acl", "public", {"id": "acl-0pub", "vpc_id": "vpc-0main", "subnet_ids": ["subnet-0pub"],
                                       "ingress": [acl_rule(100, "allow", "-1", 0, 0), acl_rule(90, "deny", "6", 22, 22)],
                                       "egress": [acl_rule(100, "allow", "-1", 0, 0)]}, None, same),
        ("aws_security_group", "web", {"id": "sg-0web", "name": "web", "vpc_id": "vpc-0main",
                                       "ingress": [sg_block("tcp", 443, 443, ["0.0.0.0/0"])],
                                       "egress": [sg_block("-1", 0, 0, ["0.0.0.0/0"])]}, None, same),
        ("aws_security_group", "db", {"id": "sg-0db", "name": "db", "vpc_id": "vpc-0main", "ingress": db_after,
                                      "egress": []}, {"ingress": db_before}, ("update",)),
        ("aws_instance", "api", instance("i-0app", "10.0.1.10", "54.210.0.10", "sg-0web"), None, same),
        ("aws_instance", "web", instance(U, U, U, "sg-0web"), None, ("create",)),
        ("aws_instance", "db", instance("i-0db", "10.0.1.200", "54.210.0.20", "sg-0db"), None, same),
    ]
    prior = []
    for rtype, name, after, before, actions in resources:
        p.add("", rtype, name, after, {}, actions=actions)
        if actions == ("create",):
            continue
        values = {**after, **(before or {})}
        address = "aws_instance.app" if name == "api" else f"{rtype}.{name}"
        if name == "api":
            p.changes[-1]["previous_address"] = address
        prior.append({"address": address, "mode": "managed", "type": rtype, "name": address.split(".")[1],
                      "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0, "values": values})
    for change in p.changes:  # known values were known before too
        if change["change"]["before"] is not None:
            before_values = next(r["values"] for r in prior if r["values"]["id"] == change["change"]["after"]["id"])
            change["change"]["before"] = before_values
    return {"plan": p, "prior": prior}


def endpoints() -> Plan:
    """VPC endpoints, as the shared plans have none (they are in terraform-aws-modules/vpc's
    configuration, with count 0): an S3 gateway endpoint on route_table_ids, a DynamoDB one by an
    aws_vpc_endpoint_route_table_association, an SQS interface endpoint in two subnets (one by an
    aws_vpc_endpoint_subnet_association), a Gateway Load Balancer endpoint that a route names by
    vpc_endpoint_id, and an endpoint whose service is known only after apply."""
    p = Plan()
    vpc = ref("aws_vpc.main.id", "aws_vpc.main")
    p.add("", "aws_vpc", "main", {"cidr_block": "10.7.0.0/16", "default_route_table_id": U,
                                  "default_network_acl_id": U, "default_security_group_id": U,
                                  "main_route_table_id": U, "arn": U}, {"cidr_block": const("10.7.0.0/16")})
    for i, name in enumerate(("app_a", "app_b", "gwlbe")):
        p.add("", "aws_subnet", name, {"cidr_block": f"10.7.{i}.0/24", "availability_zone": f"us-east-1{'aba'[i]}",
                                       "map_public_ip_on_launch": False, "vpc_id": U},
              {"cidr_block": const(f"10.7.{i}.0/24"), "vpc_id": vpc})
    p.add("", "aws_internet_gateway", "this", {"vpc_id": U}, {"vpc_id": vpc})
    for name in ("app", "gwlbe"):
        p.add("", "aws_route_table", name, {"vpc_id": U, "route": U}, {"vpc_id": vpc})
    for subnet, table in (("app_a", "app"), ("app_b", "app"), ("gwlbe", "gwlbe")):
        p.add("", "aws_route_table_association", subnet, {"subnet_id": U, "route_table_id": U},
              {"subnet_id": ref(f"aws_subnet.{subnet}.id", f"aws_subnet.{subnet}"),
               "route_table_id": ref(f"aws_route_table.{table}.id", f"aws_route_table.{table}")})
    p.add("", "aws_route", "app_inspect",
          {"destination_cidr_block": "0.0.0.0/0", "route_table_id": U, "vpc_endpoint_id": U, "gateway_id": U},
          {"destination_cidr_block": const("0.0.0.0/0"),
           "route_table_id": ref("aws_route_table.app.id", "aws_route_table.app"),
           "vpc_endpoint_id": ref("aws_vpc_endpoint.inspect.id", "aws_vpc_endpoint.inspect")})
    p.add("", "aws_route", "gwlbe_out",
          {"destination_cidr_block": "0.0.0.0/0", "route_table_id": U, "gateway_id": U},
          {"destination_cidr_block": const("0.0.0.0/0"),
           "route_table_id": ref("aws_route_table.gwlbe.id", "aws_route_table.gwlbe"),
           "gateway_id": ref("aws_internet_gateway.this.id", "aws_internet_gateway.this")})
    p.add("", "aws_security_group", "endpoint",
          {"vpc_id": U, "ingress": [sg_block("tcp", 443, 443, ["10.7.0.0/16"])], "egress": []}, {"vpc_id": vpc})
    p.add("", "aws_instance", "app",
          {"ami": "ami-0abc", "instance_type": "t3.micro", "subnet_id": U, "private_ip": "10.7.0.10",
           "public_ip": U, "associate_public_ip_address": False, "vpc_security_group_ids": U,
           "primary_network_interface_id": U},
          {"subnet_id": ref("aws_subnet.app_a.id", "aws_subnet.app_a"), "private_ip": const("10.7.0.10")})
    # The provider's defaults: vpc_endpoint_type Gateway, private_dns_enabled false.
    p.add("", "aws_vpc_endpoint", "s3",
          {"vpc_id": U, "service_name": "com.amazonaws.us-east-1.s3", "vpc_endpoint_type": "Gateway",
           "route_table_ids": U, "prefix_list_id": U},
          {"vpc_id": vpc, "service_name": const("com.amazonaws.us-east-1.s3"),
           "route_table_ids": ref("aws_route_table.app.id", "aws_route_table.app")})
    p.add("", "aws_vpc_endpoint", "dynamodb",
          {"vpc_id": U, "service_name": "com.amazonaws.us-east-1.dynamodb", "vpc_endpoint_type": "Gateway",
           "route_table_ids": U},
          {"vpc_id": vpc, "service_name": const("com.amazonaws.us-east-1.dynamodb")})
    p.add("", "aws_vpc_endpoint_route_table_association", "dynamodb", {"vpc_endpoint_id": U, "route_table_id": U},
          {"vpc_endpoint_id": ref("aws_vpc_endpoint.dynamodb.id", "aws_vpc_endpoint.dynamodb"),
           "route_table_id": ref("aws_route_table.app.id", "aws_route_table.app")})
    p.add("", "aws_vpc_endpoint", "sqs",
          {"vpc_id": U, "service_name": "com.amazonaws.us-east-1.sqs", "vpc_endpoint_type": "Interface",
           "subnet_ids": U, "security_group_ids": U, "private_dns_enabled": True, "network_interface_ids": U},
          {"vpc_id": vpc, "service_name": const("com.amazonaws.us-east-1.sqs"),
           "vpc_endpoint_type": const("Interface"), "private_dns_enabled": const(True),
           "subnet_ids": ref("aws_subnet.app_a.id", "aws_subnet.app_a"),
           "security_group_ids": ref("aws_security_group.endpoint.id", "aws_security_group.endpoint")})
    p.add("", "aws_vpc_endpoint_subnet_association", "sqs_b", {"vpc_endpoint_id": U, "subnet_id": U},
          {"vpc_endpoint_id": ref("aws_vpc_endpoint.sqs.id", "aws_vpc_endpoint.sqs"),
           "subnet_id": ref("aws_subnet.app_b.id", "aws_subnet.app_b")})
    p.add("", "aws_vpc_endpoint", "inspect",
          {"vpc_id": U, "service_name": U, "vpc_endpoint_type": "GatewayLoadBalancer", "subnet_ids": U},
          {"vpc_id": vpc, "vpc_endpoint_type": const("GatewayLoadBalancer"),
           "service_name": ref("aws_vpc_endpoint_service.inspect.service_name", "aws_vpc_endpoint_service.inspect"),
           "subnet_ids": ref("aws_subnet.gwlbe.id", "aws_subnet.gwlbe")})
    return p


def load_balancers() -> Plan:
    """Load balancers, which the shared plans have few of (two CLBs without subnets, a CLB and an
    NLB without target groups): an internet-facing ALB `front` in the public subnets with an HTTPS
    listener forwarding to target group `web` (an instance attached, and Auto Scaling group `fleet`
    through target_group_arns), a listener rule forwarding to `api` through a `forward` block, and
    an HTTP listener that redirects; an internal NLB with one node at a subnet_mapping's
    private_ipv4_address and one ELB picks, forwarding to an ip target group; an internet-facing
    NLB whose node has an Elastic IP (subnet_mapping.allocation_id); a Classic Load Balancer with an
    aws_elb_attachment and an aws_autoscaling_attachment. The mistake to find: group `api` admits
    9000 from app-a's CIDR only, not from the ALB's nodes, so `api` fails its health check."""
    p = Plan()
    vpc = ref("aws_vpc.main.id", "aws_vpc.main")

    def group(name: str) -> dict[str, Any]:
        return ref(f"aws_security_group.{name}.id", f"aws_security_group.{name}")

    def arn(rtype: str, name: str) -> dict[str, Any]:
        return ref(f"{rtype}.{name}.arn", f"{rtype}.{name}")

    p.add("", "aws_vpc", "main", {"cidr_block": "10.40.0.0/16"}, {"cidr_block": const("10.40.0.0/16")})
    p.add("", "aws_internet_gateway", "gw", {"vpc_id": U}, {"vpc_id": vpc})
    for kind, third, public in (("public", 0, True), ("app", 10, False)):
        for i in range(2):
            p.add("", "aws_subnet", kind, {"cidr_block": f"10.40.{third + i}.0/24", "availability_zone":
                                           f"us-east-1{'ab'[i]}", "map_public_ip_on_launch": public, "vpc_id": U},
                  {"vpc_id": vpc, "cidr_block": ref("count.index")}, index=i, counted=True)
    p.add("", "aws_route_table", "public",
          {"vpc_id": U, "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": U, "nat_gateway_id": ""}]},
          {"vpc_id": vpc, "route": [{"cidr_block": const("0.0.0.0/0"),
                                     "gateway_id": ref("aws_internet_gateway.gw.id", "aws_internet_gateway.gw")}]})
    for i in range(2):
        p.add("", "aws_route_table_association", "public", {"subnet_id": U, "route_table_id": U},
              {"subnet_id": ref("aws_subnet.public", "count.index"),
               "route_table_id": ref("aws_route_table.public.id", "aws_route_table.public")}, index=i, counted=True)
    p.add("", "aws_security_group", "alb", {"vpc_id": U, "ingress": [sg_block("tcp", 443, 443, ["0.0.0.0/0"])],
                                            "egress": [sg_block("tcp", 1024, 65535, ["10.40.0.0/16"])]},
          {"vpc_id": vpc})
    p.add("", "aws_security_group", "legacy", {"vpc_id": U, "ingress": [sg_block("tcp", 80, 80, ["0.0.0.0/0"])],
                                               "egress": [sg_block("tcp", 8080, 8080, ["10.40.0.0/16"])]},
          {"vpc_id": vpc})
    p.add("", "aws_security_group", "web", {"vpc_id": U, "ingress": [], "egress": [sg_block("-1", 0, 0, ["0.0.0.0/0"])]},
          {"vpc_id": vpc})
    for source in ("alb", "legacy"):  # web admits 8080 from the load balancers' groups
        p.add("", "aws_security_group_rule", f"web_from_{source}",
              {"type": "ingress", "from_port": 8080, "to_port": 8080, "protocol": "tcp", "security_group_id": U,
               "source_security_group_id": U},
              {"type": const("ingress"), "from_port": const(8080), "to_port": const(8080), "protocol": const("tcp"),
               "security_group_id": group("web"), "source_security_group_id": group(source)})
    # MISTAKE: 9000 from app-a's block only; the ALB's nodes are in the public subnets.
    p.add("", "aws_security_group", "api", {"vpc_id": U, "ingress": [sg_block("tcp", 9000, 9000, ["10.40.10.0/24"])],
                                            "egress": [sg_block("-1", 0, 0, ["0.0.0.0/0"])]},
          {"vpc_id": vpc})
    p.add("", "aws_security_group", "db", {"vpc_id": U, "ingress": [sg_block("tcp", 5432, 5432, ["10.40.0.0/16"])],
                                           "egress": []},
          {"vpc_id": vpc})
    for name, subnet, address, sg in (("web", 0, "10.40.10.10", "web"), ("api", 1, "10.40.11.20", "api"),
                                      ("db", 1, "10.40.11.50", "db")):
        p.add("", "aws_instance", name,
              {"ami": "ami-0abc", "instance_type": "t3.micro", "subnet_id": U, "private_ip": address,
               "public_ip": U, "associate_public_ip_address": False, "vpc_security_group_ids": U},
              {"subnet_id": ref(f"aws_subnet.app[{subnet}].id", f"aws_subnet.app[{subnet}]"),
               "private_ip": const(address), "vpc_security_group_ids": group(sg)})
    p.add("", "aws_launch_template", "fleet", {"image_id": "ami-0abc", "vpc_security_group_ids": U,
                                               "network_interfaces": [], "latest_version": U},
          {"image_id": const("ami-0abc"), "vpc_security_group_ids": group("web")})
    p.add("", "aws_autoscaling_group", "fleet",
          {"desired_capacity": 2, "min_size": 2, "max_size": 4, "vpc_zone_identifier": U, "target_group_arns": U,
           "launch_template": [{"id": U, "version": "$Latest", "name": U}]},
          {"desired_capacity": const(2), "vpc_zone_identifier": ref("aws_subnet.app"),
           "target_group_arns": arn("aws_lb_target_group", "web"),
           "launch_template": [{"id": ref("aws_launch_template.fleet.id", "aws_launch_template.fleet"),
                                "version": const("$Latest")}]})
    # The ALB: internal and load_balancer_type left to the provider's defaults (false, application).
    p.add("", "aws_lb", "front",
          {"name": "front", "internal": False, "load_balancer_type": "application", "subnets": U,
           "subnet_mapping": U, "security_groups": U, "ip_address_type": U, "dns_name": U, "arn": U},
          {"name": const("front"), "subnets": ref("aws_subnet.public"), "security_groups": group("alb")})
    for name, port, protocol, health in (("web", 8080, "HTTP", "traffic-port"), ("api", 9000, "HTTP", "9000")):
        p.add("", "aws_lb_target_group", name,
              {"port": port, "protocol": protocol, "target_type": "instance", "vpc_id": U, "arn": U,
               "ip_address_type": U, "preserve_client_ip": U,
               "health_check": [{"enabled": True, "port": health, "protocol": "HTTP", "path": "/health"}]},
              {"port": const(port), "protocol": const(protocol), "vpc_id": vpc})
    p.add("", "aws_lb_target_group_attachment", "web", {"target_group_arn": U, "target_id": U, "port": U},
          {"target_group_arn": arn("aws_lb_target_group", "web"),
           "target_id": ref("aws_instance.web.id", "aws_instance.web")})
    p.add("", "aws_lb_target_group_attachment", "api", {"target_group_arn": U, "target_id": U, "port": 9000},
          {"target_group_arn": arn("aws_lb_target_group", "api"),
           "target_id": ref("aws_instance.api.id", "aws_instance.api"), "port": const(9000)})
    p.add("", "aws_lb_listener", "https",
          {"load_balancer_arn": U, "port": 443, "protocol": "HTTPS", "arn": U,
           "default_action": [{"type": "forward", "target_group_arn": U, "forward": [], "redirect": []}]},
          {"load_balancer_arn": arn("aws_lb", "front"), "port": const(443), "protocol": const("HTTPS"),
           "default_action": [{"type": const("forward"), "target_group_arn": arn("aws_lb_target_group", "web")}]})
    p.add("", "aws_lb_listener", "http",
          {"load_balancer_arn": U, "port": 80, "protocol": "HTTP", "arn": U,
           "default_action": [{"type": "redirect", "target_group_arn": None,
                               "redirect": [{"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}]}]},
          {"load_balancer_arn": arn("aws_lb", "front"), "port": const(80), "protocol": const("HTTP"),
           "default_action": [{"type": const("redirect"), "redirect": [{"port": const("443")}]}]})
    p.add("", "aws_lb_listener_rule", "api",
          {"listener_arn": U, "priority": 10,
           "action": [{"type": "forward", "target_group_arn": None,
                       "forward": [{"target_group": [{"weight": 1}], "stickiness": []}]}],
           "condition": [{"path_pattern": [{"values": ["/api/*"]}]}]},
          {"listener_arn": arn("aws_lb_listener", "https"), "priority": const(10),
           "action": [{"type": const("forward"), "forward": [{"target_group": [
               {"arn": arn("aws_lb_target_group", "api"), "weight": const(1)}]}]}]})
    p.changes[-1]["change"]["after_unknown"]["action"] = [{"forward": [{"target_group": [{"arn": True}],
                                                                        "stickiness": []}]}]
    # The internal NLB: a node at a chosen address in app-a, one ELB picks in app-b; no groups.
    p.add("", "aws_lb", "internal",
          {"name": "internal", "internal": True, "load_balancer_type": "network", "subnets": U,
           "subnet_mapping": [{"subnet_id": U, "private_ipv4_address": "10.40.10.100", "allocation_id": ""},
                              {"subnet_id": U, "private_ipv4_address": "", "allocation_id": ""}],
           "security_groups": U, "enable_cross_zone_load_balancing": True, "dns_name": U, "arn": U},
          {"name": const("internal"), "internal": const(True), "load_balancer_type": const("network"),
           "enable_cross_zone_load_balancing": const(True),
           "subnet_mapping": [{"subnet_id": ref("aws_subnet.app[0].id", "aws_subnet.app[0]"),
                               "private_ipv4_address": const("10.40.10.100")},
                              {"subnet_id": ref("aws_subnet.app[1].id", "aws_subnet.app[1]")}]})
    p.add("", "aws_lb_target_group", "db",
          {"port": 5432, "protocol": "TCP", "target_type": "ip", "vpc_id": U, "arn": U, "preserve_client_ip": U,
           "health_check": [{"enabled": True, "port": "traffic-port", "protocol": "TCP"}]},
          {"port": const(5432), "protocol": const("TCP"), "target_type": const("ip"), "vpc_id": vpc})
    p.add("", "aws_lb_target_group_attachment", "db", {"target_group_arn": U, "target_id": "10.40.11.50"},
          {"target_group_arn": arn("aws_lb_target_group", "db"),
           "target_id": ref("aws_instance.db.private_ip", "aws_instance.db")})
    p.add("", "aws_lb_listener", "db",
          {"load_balancer_arn": U, "port": 5432, "protocol": "TCP", "arn": U,
           "default_action": [{"type": "forward", "target_group_arn": U}]},
          {"load_balancer_arn": arn("aws_lb", "internal"), "port": const(5432), "protocol": const("TCP"),
           "default_action": [{"type": const("forward"), "target_group_arn": arn("aws_lb_target_group", "db")}]})
    # An internet-facing NLB whose node's public address is an Elastic IP.
    p.add("", "aws_eip", "edge", {"domain": "vpc", "public_ip": U, "allocation_id": U}, {"domain": const("vpc")})
    p.add("", "aws_lb", "edge",
          {"name": "edge", "internal": False, "load_balancer_type": "network", "subnets": U, "arn": U,
           "subnet_mapping": [{"subnet_id": U, "allocation_id": U, "private_ipv4_address": ""}]},
          {"name": const("edge"), "load_balancer_type": const("network"),
           "subnet_mapping": [{"subnet_id": ref("aws_subnet.public[0].id", "aws_subnet.public[0]"),
                               "allocation_id": ref("aws_eip.edge.id", "aws_eip.edge")}]})
    # A Classic Load Balancer: HTTP 80 -> 8080 on web (aws_elb_attachment) and fleet's members
    # (aws_autoscaling_attachment); its health check HTTP:8080/health.
    p.add("", "aws_elb", "legacy",
          {"name": "legacy", "subnets": U, "security_groups": U, "internal": U, "instances": U,
           "cross_zone_load_balancing": True,
           "listener": [{"instance_port": 8080, "instance_protocol": "http", "lb_port": 80, "lb_protocol": "http",
                         "ssl_certificate_id": ""}],
           "health_check": [{"target": "HTTP:8080/health", "interval": 30, "timeout": 5,
                             "healthy_threshold": 2, "unhealthy_threshold": 2}]},
          {"name": const("legacy"), "subnets": ref("aws_subnet.public"), "security_groups": group("legacy"),
           "listener": [{"instance_port": const(8080), "instance_protocol": const("http"), "lb_port": const(80),
                         "lb_protocol": const("http")}],
           "health_check": [{"target": const("HTTP:8080/health")}]})
    p.add("", "aws_elb_attachment", "web", {"elb": U, "instance": U},
          {"elb": ref("aws_elb.legacy.id", "aws_elb.legacy"), "instance": ref("aws_instance.web.id", "aws_instance.web")})
    p.add("", "aws_autoscaling_attachment", "fleet_legacy", {"autoscaling_group_name": U, "elb": U},
          {"autoscaling_group_name": ref("aws_autoscaling_group.fleet.id", "aws_autoscaling_group.fleet"),
           "elb": ref("aws_elb.legacy.id", "aws_elb.legacy")})
    return p


def lb_state() -> dict[str, Any]:
    """A state with load balancers (format 1.0): every id and ARN known, so listeners, attachments
    and subnet mappings link through them; the ALB's dns_name is known; the NLB's node is at its
    Elastic IP (known) and its subnet_mapping's private_ipv4_address. A state does not record the
    ALB's nodes' addresses either: those stay `auto`, with placeholder public IPs."""
    def res(rtype: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
        return {"address": f"{rtype}.{name}", "mode": "managed", "type": rtype, "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0, "values": values}

    elb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012"
    alb_arn, nlb_arn = f"{elb}:loadbalancer/app/shop/50dc6c495c0c9188", f"{elb}:loadbalancer/net/ssh/3f1a2b"
    tg_arn = f"{elb}:targetgroup/shop-web/73e2d6bc24d8a067"
    open_egress = [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 0, "to_port": 0, "protocol": "-1",
                    "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": False,
                    "description": ""}]
    resources = [
        res("aws_vpc", "main", {"id": "vpc-0c1", "cidr_block": "10.9.0.0/16", "default_security_group_id": "sg-0d",
                                "arn": "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-0c1"}),
        res("aws_internet_gateway", "gw", {"id": "igw-0c", "vpc_id": "vpc-0c1"}),
        res("aws_route_table", "public", {"id": "rtb-0c", "vpc_id": "vpc-0c1", "route": [
            {"cidr_block": "0.0.0.0/0", "gateway_id": "igw-0c", "nat_gateway_id": "", "instance_id": "",
             "network_interface_id": "", "vpc_peering_connection_id": "", "ipv6_cidr_block": ""}]}),
        res("aws_subnet", "a", {"id": "subnet-0a", "vpc_id": "vpc-0c1", "cidr_block": "10.9.1.0/24",
                                "availability_zone": "eu-west-1a", "map_public_ip_on_launch": False}),
        res("aws_subnet", "b", {"id": "subnet-0b", "vpc_id": "vpc-0c1", "cidr_block": "10.9.2.0/24",
                                "availability_zone": "eu-west-1b", "map_public_ip_on_launch": False}),
        res("aws_route_table_association", "a", {"id": "rtbassoc-0a", "subnet_id": "subnet-0a",
                                                 "route_table_id": "rtb-0c"}),
        res("aws_route_table_association", "b", {"id": "rtbassoc-0b", "subnet_id": "subnet-0b",
                                                 "route_table_id": "rtb-0c"}),
        res("aws_security_group", "alb", {"id": "sg-0alb", "vpc_id": "vpc-0c1", "egress": open_egress, "ingress": [
            {**open_egress[0], "from_port": 443, "to_port": 443, "protocol": "tcp"}]}),
        res("aws_security_group", "web", {"id": "sg-0web", "vpc_id": "vpc-0c1", "egress": open_egress, "ingress": [
            {**open_egress[0], "cidr_blocks": [], "from_port": 8080, "to_port": 8080, "protocol": "tcp",
             "security_groups": ["sg-0alb"]},
            {**open_egress[0], "from_port": 22, "to_port": 22, "protocol": "tcp"}]}),
        res("aws_instance", "web", {"id": "i-0web", "subnet_id": "subnet-0b", "private_ip": "10.9.2.10",
                                    "public_ip": "", "vpc_security_group_ids": ["sg-0web"], "instance_state": "running",
                                    "primary_network_interface_id": "eni-0web", "source_dest_check": True}),
        res("aws_lb", "shop", {"id": alb_arn, "arn": alb_arn, "name": "shop", "internal": False,
                               "load_balancer_type": "application", "ip_address_type": "ipv4",
                               "dns_name": "shop-1234567890.eu-west-1.elb.amazonaws.com",
                               "subnets": ["subnet-0a", "subnet-0b"], "security_groups": ["sg-0alb"],
                               "subnet_mapping": [{"subnet_id": "subnet-0a", "allocation_id": "",
                                                   "private_ipv4_address": "", "ipv6_address": ""},
                                                  {"subnet_id": "subnet-0b", "allocation_id": "",
                                                   "private_ipv4_address": "", "ipv6_address": ""}]}),
        res("aws_lb_target_group", "web", {"id": tg_arn, "arn": tg_arn, "name": "shop-web", "port": 8080,
                                           "protocol": "HTTP", "target_type": "instance", "vpc_id": "vpc-0c1",
                                           "ip_address_type": "ipv4", "health_check": [
                                               {"enabled": True, "port": "traffic-port", "protocol": "HTTP"}]}),
        res("aws_lb_listener", "https", {"id": f"{elb}:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2",
                                         "load_balancer_arn": alb_arn, "port": 443, "protocol": "HTTPS",
                                         "default_action": [{"type": "forward", "target_group_arn": tg_arn,
                                                             "forward": [], "redirect": [], "fixed_response": []}]}),
        res("aws_lb_target_group_attachment", "web", {"id": f"{tg_arn}-i-0web", "target_group_arn": tg_arn,
                                                      "target_id": "i-0web", "port": 8080}),
        res("aws_eip", "ssh", {"id": "eipalloc-0s", "allocation_id": "eipalloc-0s", "public_ip": "52.18.0.9",
                               "domain": "vpc"}),
        res("aws_lb", "ssh", {"id": nlb_arn, "arn": nlb_arn, "name": "ssh", "internal": False,
                              "load_balancer_type": "network", "ip_address_type": "ipv4", "security_groups": [],
                              "subnets": ["subnet-0a"], "dns_name": "ssh-3f1a2b.elb.eu-west-1.amazonaws.com",
                              "subnet_mapping": [{"subnet_id": "subnet-0a", "allocation_id": "eipalloc-0s",
                                                  "private_ipv4_address": "10.9.1.200", "ipv6_address": ""}]}),
    ]
    return {"format_version": "1.0", "terraform_version": "1.9.5",
            "values": {"root_module": {"resources": resources}}}


if __name__ == "__main__":
    pr = pull_request()
    pr["plan"].write("pr/plan.json", prior_state={"format_version": "1.0", "terraform_version": "1.9.5",
                                                  "values": {"root_module": {"resources": pr["prior"]}}})
    with open(os.path.join(HERE, "ids_state.json"), "w", encoding="utf-8") as out:
        json.dump(state(), out, indent=2)
        out.write("\n")
    webapp(1).write("webapp_plan.json")
    webapp(2).write("webapp_plan_v2.json")
    cyclic().write("cyclic_refs_plan.json")
    autoscaling().write("autoscaling_plan.json")
    endpoints().write("endpoints_plan.json")
    load_balancers().write("load_balancers_plan.json")
    with open(os.path.join(HERE, "load_balancers_state.json"), "w", encoding="utf-8") as out:
        json.dump(lb_state(), out, indent=2)
        out.write("\n")
