"""Terraform: aws_vpc_endpoint (gateway, interface, Gateway Load Balancer) and its route-table and
subnet associations become `vpc_endpoints`.

None of the third-party plans in ../shared/terraform instantiates an endpoint (terraform-aws-modules/vpc
declares them with count 0 in test_issue-158's configuration), so the plan is hand-made:
tests/data/terraform/make_fixtures.py, `endpoints()`. Provider semantics: vpc_endpoint_type defaults
to Gateway and private_dns_enabled to false (registry.terraform.io, aws_vpc_endpoint).
"""

from __future__ import annotations

import json
from pathlib import Path

import vpcsim
from vpcsim.importers.terraform import terraform_to_design

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "tests" / "data" / "terraform" / "endpoints_plan.json"
SHARED = ROOT.parent / "shared" / "terraform"


def test_every_kind_of_endpoint_and_its_associations_are_imported() -> None:
    design, warnings = terraform_to_design(PLAN)
    endpoints = design["vpc_endpoints"]
    assert endpoints["s3"]["route_tables"] == ["app"]  # route_table_ids
    assert endpoints["dynamodb"]["route_tables"] == ["app"]  # aws_vpc_endpoint_route_table_association
    assert "type" not in endpoints["s3"] and endpoints["s3"]["service"] == "com.amazonaws.us-east-1.s3"
    sqs = endpoints["sqs"]
    assert sqs["type"] == "interface" and sqs["private_dns"] is True and sqs["security_groups"] == ["endpoint"]
    # subnet_ids, then the aws_vpc_endpoint_subnet_association; AWS picks the addresses.
    assert sqs["interfaces"] == [{"subnet": "app_a"}, {"subnet": "app_b"}]
    inspect = endpoints["inspect"]
    assert (inspect["type"], inspect["subnet"], inspect["service"]) == ("gateway_load_balancer", "gwlbe",
                                                                          "vpce-svc-unknown")
    assert {"destination": "0.0.0.0/0", "vpc_endpoint": "inspect"} in design["route_tables"]["app"]["routes"]
    assert "unsupported" not in design
    assert [d.code for d in warnings] == ["tf-unknown"]  # the Gateway Load Balancer's service_name
    assert "aws_vpc_endpoint.inspect" in warnings[0].message


def test_the_imported_endpoints_are_simulated() -> None:
    net = vpcsim.load(PLAN)
    # The S3 association's route, with us-east-1's S3 ranges from AWS's ip-ranges.json (no list in the plan).
    (s3_route,) = [r for r in net.design.route_tables["app"].routes if r.target == "s3"]
    assert s3_route.prefix_list == "com.amazonaws.us-east-1.s3"
    assert net.trace("app", "service:s3", 443).forward[-1].kind == "vpc_endpoint"
    # No DynamoDB ranges in the excerpt: its route is left out, with a warning at the resource.
    assert not [r for r in net.design.route_tables["app"].routes if r.target == "dynamodb"]
    (left_out,) = [w for w in net.warnings if w.code == "implied-route"]
    assert "com.amazonaws.us-east-1.dynamodb" in left_out.message and left_out.location is not None
    assert left_out.location.path is not None and "resource_changes" in left_out.location.path
    # The interface endpoint's interfaces took their subnets' first free addresses.
    sqs = net.trace("app", "service:sqs", 443)
    assert sqs.reachable and sqs.forward[-1].name == "sqs.app_a" and sqs.flow.dst_ip == "10.7.0.4"
    # Everything else leaves through the Gateway Load Balancer endpoint (appliances unknown).
    out = net.trace("app", "8.8.8.8", 443)
    assert [h.name for h in out.forward].count("inspect") == 2
    assert any(w.code.value == "UNSUPPORTED_COMPONENT" for w in out.warnings)


def test_the_shared_plans_declare_endpoints_only_in_configuration() -> None:
    """Why the plan above is hand-made: test_issue-158 configures 39 aws_vpc_endpoint resources, none created."""
    plan = SHARED / "terraform-compliance" / "test_issue-158" / "plan.out.json"
    if not plan.is_file():
        return
    doc = json.loads(plan.read_text())
    assert not [r for r in doc["resource_changes"] if r["type"].startswith("aws_vpc_endpoint")]
    design, _ = terraform_to_design(plan)
    assert "vpc_endpoints" not in design
