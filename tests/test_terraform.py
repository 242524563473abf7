"""Terraform import: `terraform show -json` plans and states -> designs.

Third-party plans (../shared/terraform, never edited) pin resource counts and, where the plan
has the pieces of a path, flows whose verdicts were worked out by hand from the plan. Plans
with subnets but no instance get a probe instance added to the imported design (the probe's
own group allows everything, so the verdict is the plan's routing and NACLs). The hand-made
plans in tests/data/terraform (make_fixtures.py) cover what those miss.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

import vpcsim
from vpcsim.cli import main
from vpcsim.errors import DesignError, Diagnostic, Severity
from vpcsim.importers.terraform import design_to_yaml, is_terraform_json, load_terraform_tree, terraform_to_design
from vpcsim.loader.design import load_design
from vpcsim.model import Cidr
from vpcsim.network import Network

SHARED = Path(__file__).parents[1].parent / "shared" / "terraform"
DATA = Path(__file__).parent / "data" / "terraform"
WEBAPP = DATA / "webapp_plan.json"
WEBAPP_V2 = DATA / "webapp_plan_v2.json"

SECTIONS = ("vpcs", "subnets", "route_tables", "network_acls", "security_groups", "internet_gateways",
            "nat_gateways", "peerings", "prefix_lists", "instances", "unsupported")

# Per file: the design's section sizes (in SECTIONS order) and the warning codes with their counts.
# Read from the plans by hand: what each holds, and why some of it cannot be placed.
EXPECTED: dict[str, tuple[tuple[int, ...], dict[str, int]]] = {
    # 3 SGs (module.sg for_each) in data.aws_vpc.sandbox, read in prior_state; + data.aws_subnet.
    "checkov/plan_with_for_each_for_enrichment/tf_plan.json": ((1, 1, 0, 0, 3, 0, 0, 0, 0, 0, 0), {"tf-data-vpc": 1}),
    # 2 VPCs, 4 subnets, the web route table, 2 SGs, IGW, 2 instances, the ELB (a Classic Load
    # Balancer in web_subnet, see EXPECTED_LB). web-eni has no attachment: left out. 2 private IPs
    # left to DHCP (private_ip: auto), 2 public IPs as placeholders; the ELB's node is the third
    # of each (its addresses are ELB's pick): it was `unsupported` before load balancers were imported.
    "checkov/runner_resources_plan/tfplan.json": (
        (2, 4, 1, 0, 2, 1, 0, 0, 0, 2, 0),
        {"tf-placeholder": 3, "tf-dhcp": 3, "tf-detached": 1, "tf-not-imported": 1}),
    # The same infrastructure without a configuration block: no subnet can be placed in a VPC. The
    # ELB stays unsupported: its subnets are unknown and nothing says which (the 15th tf-unknown).
    "checkov/tf_plan_skip_check_regex/tfplan1.json": (
        (2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
        {"tf-unknown": 15, "tf-unsupported": 1, "tf-orphan": 3, "tf-detached": 1, "tf-inferred": 3,
         "tf-not-imported": 1}),
    # States: the default VPC (twice, one id); 6 instances in subnet-286f234e, which is not in the
    # state; an RDS instance (not imported).
    "infracost/terraform_v0.12_state.json": (
        (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), {"tf-external": 6, "tf-orphan": 6, "tf-not-imported": 1}),
    "infracost/terraform_v0.14_state.json": (
        (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), {"tf-external": 6, "tf-orphan": 6, "tf-not-imported": 1}),
    # A VPC and its adopted default SG (ssh from 90.90.90.0/24); no provider region.
    "policy-engine/tfstate_example-01/state.json": ((1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), {"tf-region": 1}),
    "regula/flow_log_infra.json": ((2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), {}),
    # 4 VPCs over 3 module levels, 3 SGs whose vpc_id goes through a module output and a variable.
    "regula/resource_view_06_tf_v1_0_infra.json": ((4, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0), {}),
    # terraform-aws-modules/vpc: ids through local.* (inferred, 14 warnings), EIPs as placeholders;
    # assign_generated_ipv6_cidr_block: the VPC's Amazon /56 and the 6 subnets' /64s are known only
    # after apply (7 tf-unknown: imported IPv4-only, and said so).
    "terraform-compliance/test_issue-158/plan.out.json": (
        (1, 6, 4, 0, 0, 1, 3, 0, 0, 0, 1),
        {"tf-inferred": 14, "tf-unsupported": 1, "tf-placeholder": 3, "tf-unknown": 7}),
    # The inline route's gateway_id: Terraform 0.12 leaves nested blocks out of the configuration.
    # The NLB (unsupported before load balancers were imported) is imported with its 3 listeners
    # (fixed responses: no target group): its subnets' zones are placeholders, all eu-west-1a, so
    # only its node in pubA is (tf-placeholder 5), with a placeholder public IP (6), private_ip: auto.
    "terraform-compliance/test_issue-171/plan.out.json": (
        (1, 4, 1, 0, 1, 1, 0, 0, 0, 0, 0), {"tf-placeholder": 6, "tf-inferred": 1, "tf-dhcp": 1}),
    # One SG in vpc_1235678 (a variable's default), which the plan does not manage.
    "terraform-compliance/test_issue-216/plan.out.json": ((0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), {"tf-orphan": 5}),
    # SGs in data.aws_vpc.default (read in 5 modules, one VPC); the Auto Scaling group's subnets
    # (subnet-13f44a58, subnet-9918eec4) are not in the plan. The ALB is in those subnets too: it
    # stays unsupported (its subnets: a second tf-external), its listener is left out (a second
    # tf-orphan); its target group is imported (EXPECTED_LB).
    "terraform-compliance/test_issue-249/plan.out.json": (
        (1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 1), {"tf-data-vpc": 1, "tf-unsupported": 1, "tf-external": 2, "tf-orphan": 2}),
    "terraform-compliance/test_issue-514/plan.out.json": ((1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0), {"tf-placeholder": 2}),
    # 2 deleted resources are gone; the SG's VPC is not in the plan.
    "terraform-compliance/test_issue_522/plan.out.json": (
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), {"tf-region": 1, "tf-orphan": 2}),
    "terraform-compliance/test_pull_330/plan.out.json": (
        (1, 1, 0, 0, 2, 1, 1, 0, 0, 0, 2),
        {"tf-region": 1, "tf-placeholder": 2, "tf-unsupported": 2, "tf-external": 1, "tf-unknown": 1}),
    # 2 ELBs without subnets (availability_zones unknown: EC2-Classic or the default VPC, not in this
    # plan): unsupported as before, now saying why (test_elbs_without_subnets_say_why).
    "tirith/input_implicit_elb_secgroup.json": ((1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2), {"tf-unsupported": 2}),
    # An SG without vpc_id in the configuration: the default VPC at apply, not in the plan.
    "trivy/plan.json": ((0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), {"tf-orphan": 1}),
}


# Per file with load balancers: (load_balancers, target_groups) imported; (0, 0) for the others.
EXPECTED_LB: dict[str, tuple[int, int]] = {
    "checkov/runner_resources_plan/tfplan.json": (1, 0),
    "terraform-compliance/test_issue-171/plan.out.json": (1, 0),
    "terraform-compliance/test_issue-249/plan.out.json": (0, 1),
}


def _sizes(design: dict[str, Any]) -> tuple[int, ...]:
    return tuple(len(design.get(key, {})) for key in SECTIONS)


def _codes(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> dict[str, int]:
    return dict(Counter(d.code for d in diagnostics))


def _shared_files() -> list[str]:
    if not SHARED.is_dir():
        return []
    return sorted(str(p.relative_to(SHARED)) for p in SHARED.rglob("*.json"))


def _with_probe(design: dict[str, Any], probes: dict[str, dict[str, Any]], tmp_path: Path) -> Network:
    """The imported design plus probe instances (group `probe`: everything in and out), loaded."""
    design = json.loads(json.dumps(design))
    vpcs = {body["vpc"] for body in design.get("subnets", {}).values()}
    groups = design.setdefault("security_groups", {})
    for vpc in vpcs:
        groups[f"probe-{vpc}"] = {"vpc": vpc, "ingress": [{"protocol": "all", "cidr": "0.0.0.0/0"}],
                                  "egress": [{"protocol": "all", "cidr": "0.0.0.0/0"}]}
    instances = design.setdefault("instances", {})
    for name, body in probes.items():
        vpc = design["subnets"][body["subnet"]]["vpc"]
        instances[name] = {"security_groups": [f"probe-{vpc}"], **body}
    path = tmp_path / "probed.yaml"
    path.write_text(design_to_yaml(design))
    return vpcsim.load(path)


# -- every shared file ---------------------------------------------------------------------------


def test_every_shared_file_has_expectations() -> None:
    """A file added to ../shared/terraform must get its counts pinned here."""
    files = _shared_files()
    if not files:
        pytest.skip("../shared/terraform is not beside this checkout")
    assert sorted(EXPECTED) == files


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shared_file_loads_with_pinned_counts(name: str) -> None:
    path = SHARED / name
    if not path.exists():
        pytest.skip("../shared/terraform is not beside this checkout")
    sizes, codes = EXPECTED[name]
    design, warnings = terraform_to_design(path)
    assert _sizes(design) == sizes
    assert _codes(warnings) == codes
    assert (len(design.get("load_balancers", {})), len(design.get("target_groups", {}))) == EXPECTED_LB.get(name, (0, 0))
    assert all(d.severity is Severity.WARNING for d in warnings)
    # And as a design anywhere --design is accepted, recognised by content.
    assert is_terraform_json(path)
    loaded, diagnostics = load_design(path)
    assert len(loaded.subnets) == sizes[1]
    assert len(loaded.instances) == sizes[9]
    assert all(d.severity is Severity.WARNING for d in diagnostics)


def _shared(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.skip("../shared/terraform is not beside this checkout")
    return path


def test_checkov_plan_flows() -> None:
    net = vpcsim.load(_shared("checkov/runner_resources_plan/tfplan.json"))
    # web_host and db_app are in web_subnet (map_public_ip_on_launch = true, so each gets an
    # auto-assigned public IP), whose route table web_rtb sends 0.0.0.0/0 to web_igw through the
    # standalone aws_route. Group web-node: ingress 22 and 80 from 0.0.0.0/0, egress all.
    # No NACL resource: the VPC's default NACL allows everything.
    assert net.trace("internet", "web_host", 80).reachable
    assert net.trace("internet", "db_app", 22).reachable
    assert not net.trace("internet", "web_host", 443).reachable  # web-node has no 443
    assert net.trace("web_host", "internet", 443).reachable  # egress all, route to the IGW
    assert net.trace("db_app", "web_host", 80).reachable  # 80 from 0.0.0.0/0 covers the VPC
    design = net.design
    # The group named "default" (aws_security_group.default) is not the VPC's default group.
    assert "default-2" in design.security_groups
    assert [r.port_lo for r in design.security_groups["default-2"].ingress] == [3306]


def test_checkov_plan_classic_load_balancer() -> None:
    # aws_elb.weblb: subnets = [aws_subnet.web_subnet.id], instances = [aws_instance.web_host.id],
    # security_groups = [web-node], listener lb_port 80 -> instance_port 8000, health_check target
    # "HTTP:8000/". web-node admits 22 and 80 only: the instance refuses 8000, so its health check
    # fails and the ELB forwards the internet's connection nowhere (a plan's real mistake).
    net = vpcsim.load(_shared("checkov/runner_resources_plan/tfplan.json"))
    lb = net.design.extensions["load_balancers"]["weblb"]
    assert (lb.type, lb.scheme, lb.instances, lb.health_check_port) == ("classic", "internet-facing", ("web_host",), 8000)
    assert [(li.protocol, li.port, li.instance_port) for li in lb.listeners] == [("HTTP", 80, 8000)]
    node = net.design.interfaces["weblb.web_subnet"]
    assert node.public_ip is not None and Cidr.parse("198.18.0.0/15").contains(node.public_ip)
    result = net.trace("internet", "weblb", 80)
    assert not result.reachable
    assert {b.code.value for b in result.blocked_by} >= {"LB_NO_HEALTHY_TARGET", "LB_TARGET_UNHEALTHY"}
    assert any("tcp 8000" in b.detail for b in result.blocked_by)


def test_elbs_without_subnets_say_why() -> None:
    design, warnings = terraform_to_design(_shared("tirith/input_implicit_elb_secgroup.json"))
    why = [w.message for w in warnings if w.code == "tf-unsupported"]
    assert len(why) == 2 and all("it has no subnets (availability_zones" in m for m in why)
    assert "load_balancers" not in design


def test_checkov_plan_without_configuration_says_what_is_unknown() -> None:
    # Same infrastructure, no configuration block: every vpc_id is "known after apply" and
    # nothing says which of the two VPCs it is, so the subnets are left out, each named.
    _, warnings = terraform_to_design(_shared("checkov/tf_plan_skip_check_regex/tfplan1.json"))
    unknown = [d.message for d in warnings if d.code == "tf-unknown"]
    for subnet in ("eks_subnet1", "eks_subnet2", "web_subnet", "web_subnet2"):
        assert any(m.startswith(f"aws_subnet.{subnet}: cannot tell which VPC") for m in unknown)


def test_issue_171_flows(tmp_path: Path) -> None:
    design, warnings = terraform_to_design(_shared("terraform-compliance/test_issue-171/plan.out.json"))
    # The public table's only route is 0.0.0.0/0 -> the IGW; its gateway_id is unknown and the
    # 0.12 configuration omits the route block, so the only gateway of the VPC stands in.
    assert design["route_tables"]["test-pub-rtb"]["routes"] == [
        {"destination": "0.0.0.0/0", "internet_gateway": "test-igw"}]
    assert any(d.code == "tf-inferred" and "aws_internet_gateway.test-igw" in d.message for d in warnings)
    net = _with_probe(design, {
        "pub": {"subnet": "test-subnet-pubA", "public_ip": "54.0.0.10"},
        "priv": {"subnet": "test-subnet-privA", "public_ip": "54.0.0.11"},
    }, tmp_path)
    # pubA is associated with the public table; privA uses the VPC's main table (local only),
    # so a public IP there is useless ("instances in a private subnet can't use the IGW").
    assert net.trace("internet", "pub", 443).reachable
    assert not net.trace("internet", "priv", 443).reachable
    assert net.trace("priv", "pub", 443).reachable  # local route


def test_issue_158_module_vpc_flows(tmp_path: Path) -> None:
    design, _ = terraform_to_design(_shared("terraform-compliance/test_issue-158/plan.out.json"))
    # terraform-aws-modules/vpc: private[i] routes 0.0.0.0/0 to NAT gateway i (nat_gateway_id
    # references aws_nat_gateway.this + count.index), NAT i sits in public[i] and public[*]
    # share the public table's 0.0.0.0/0 -> IGW.
    tables = design["route_tables"]
    for i in range(3):
        assert design["subnets"][f"vpc.private.{i}"]["route_table"] == f"vpc.private.{i}"
        assert tables[f"vpc.private.{i}"]["routes"] == [{"destination": "0.0.0.0/0", "nat_gateway": f"vpc.this.{i}"}]
        assert design["nat_gateways"][f"vpc.this.{i}"]["subnet"] == f"vpc.public.{i}"
        assert design["subnets"][f"vpc.public.{i}"]["route_table"] == "vpc.public.0"
    net = _with_probe(design, {
        "app": {"subnet": "vpc.private.1"},
        "web": {"subnet": "vpc.public.2", "public_ip": "54.0.0.20"},
    }, tmp_path)
    out = net.trace("app", "internet", 443)
    assert out.reachable  # private -> NAT in public[1] -> IGW
    assert not net.trace("internet", "app", 443).reachable  # a NAT gateway lets nothing in
    assert net.trace("internet", "web", 443).reachable


def test_issue_514_empty_nacl_denies(tmp_path: Path) -> None:
    design, _ = terraform_to_design(_shared("terraform-compliance/test_issue-514/plan.out.json"))
    # aws_network_acl.vpc_subnet_acl has no rule (neither inline nor rule resources) and takes
    # both subnets (subnet_ids references aws_subnet.vpc_subnet): a custom NACL with no rules
    # denies everything, so even traffic between the two subnets is dropped.
    acl = design["network_acls"]["vpc_module.vpc_subnet_acl"]
    assert acl["inbound"] == [] and acl["outbound"] == []
    net = _with_probe(design, {
        "a": {"subnet": "vpc_module.vpc_subnet.0"},
        "b": {"subnet": "vpc_module.vpc_subnet.1"},
        "a2": {"subnet": "vpc_module.vpc_subnet.0"},
    }, tmp_path)
    assert not net.trace("a", "b", 22).reachable
    assert net.trace("a", "a2", 22).reachable  # inside one subnet no NACL applies


def test_pull_330_groups_and_nat() -> None:
    design, warnings = terraform_to_design(_shared("terraform-compliance/test_pull_330/plan.out.json"))
    groups = design["security_groups"]
    # allow_tls: an ingress block 443 from 10.0.0.0/8 and no egress block -> no egress at all.
    assert groups["allow_tls"]["ingress"] == [{"protocol": "tcp", "ports": 443, "cidr": "10.0.0.0/8"}]
    assert groups["allow_tls"]["egress"] == []
    # The rule resource targets sg-123456, which the plan does not manage: named, left out.
    assert any(d.code == "tf-external" and "sg-123456" in d.message for d in warnings)
    # The NAT gateway's allocation_id references aws_vpc.pass (not an EIP): unknown, placeholder.
    assert design["nat_gateways"]["gw"]["elastic_ip"] == "198.18.0.1"


def test_regula_nested_modules_resolve_through_outputs_and_variables() -> None:
    design, _ = terraform_to_design(_shared("regula/resource_view_06_tf_v1_0_infra.json"))
    groups = design["security_groups"]
    # parent: vpc_id = module.child1.grandchild_vpc (an output of child1, itself
    # module.grandchild1's output); child2's group: var.child_vpc_id, which the module call sets
    # to that same output. None of the three is in its own module's VPC.
    assert groups["parent"]["vpc"] == "child1.grandchild1.grandchild"
    assert groups["child1.grandchild1.grandchild"]["vpc"] == "child1.grandchild1.grandchild"
    assert groups["child2.child"]["vpc"] == "child1.grandchild1.grandchild"


def test_default_security_group_is_adopted_with_its_rules() -> None:
    design, _ = terraform_to_design(_shared("policy-engine/tfstate_example-01/state.json"))
    # aws_default_security_group resets the default group to exactly its inline rules.
    assert design["vpcs"]["vpc_allowed"]["default_security_group"] == {
        "ingress": [{"protocol": "tcp", "ports": 22, "cidr": "90.90.90.0/24"}], "egress": []}


def test_states_read_module_addresses_and_ids() -> None:
    for name in ("infracost/terraform_v0.12_state.json", "infracost/terraform_v0.14_state.json"):
        design, warnings = terraform_to_design(_shared(name))
        # aws_default_vpc appears in module.db and module.instances: one VPC (one id).
        assert design["vpcs"]["db.default"]["aws_id"] == "vpc-1b20b966"
        assert design["vpcs"]["db.default"]["cidrs"] == ["172.31.0.0/16"]
        # The 0.12 state writes child addresses without the module; they are put back.
        external = sorted(d.message.split(":")[0] for d in warnings if d.code == "tf-external")
        assert "module.instances.aws_instance.module_instance_named[\"test.1\"]" in external
        assert 'aws_instance.instance_named["test.1"]' in external


# -- the hand-made webapp plan -------------------------------------------------------------------


@pytest.fixture(scope="module")
def webapp() -> Network:
    return vpcsim.load(WEBAPP)


@pytest.mark.parametrize(
    ("src", "dst", "port", "expected"),
    [
        # web[0]: public[0] (route table net.public: 0.0.0.0/0 -> IGW), an auto-assigned public IP
        # (map_public_ip_on_launch), group web: ingress 443 from anywhere.
        ("internet", "web.0", 443, "ACCEPTED"),
        # 22 only from the prefix list office (an entry block 203.0.113.0/24 + an entry resource).
        ("internet", "web.0", 22, "DENIED_IN"),
        ("203.0.113.7", "web.0", 22, "ACCEPTED"),
        ("198.51.100.9", "web.0", 22, "ACCEPTED"),
        # web has no egress block: Terraform removed AWS's allow-all; its one egress rule
        # (aws_vpc_security_group_egress_rule) is 5432 to group db.
        ("web.0", "internet", 443, "DENIED_OUT"),
        # db: private[0], NACL private (inbound 100: 5432 from 10.0.0.0/16), group db ingress
        # 5432 from group web (aws_security_group_rule).
        ("web.0", "db", 5432, "ACCEPTED"),
        # db egress all; private[0]'s table sends 0.0.0.0/0 to the NAT gateway (aws_route),
        # replies come back on NACL rule 110 (1024-65535 from 0.0.0.0/0).
        ("db", "internet", 443, "EXITS_NETWORK"),
        ("internet", "db", 5432, "NULL_ROUTED"),
        # ops: the main table, adopted by aws_default_route_table: 10.20.0.0/16 -> the peering,
        # active through its accepter; shared_app's group: 8080 from 10.0.0.0/16.
        ("ops", "shared_app", 8080, "ACCEPTED"),
        ("ops", "shared_app", 22, "DENIED_IN"),
        # db.eth1: aws_network_interface attached as device 1, group admin by an sg attachment
        # (22 from 10.0.0.0/16); NACL rule 120 (a rule resource) lets 22 in.
        ("ops", "db.eth1", 22, "ACCEPTED"),
        ("ops", "db", 22, "DENIED_IN"),  # eth0 has only group db
        # The default group is adopted with no rules: nothing uses it, nothing reaches it.
        ("ops", "web.1", 443, "ACCEPTED"),
    ],
)
def test_webapp_flows(webapp: Network, src: str, dst: str, port: int, expected: str) -> None:
    result = webapp.trace(src, dst, port)
    assert result.disposition.value.upper() == expected, result


def test_webapp_placeholders_are_warned(webapp: Network) -> None:
    design, warnings = terraform_to_design(WEBAPP)
    dhcp = [d.message for d in warnings if d.code == "tf-dhcp"]
    # Both web servers' private IPs are left to DHCP: `private_ip: auto`, some free address of the
    # subnet, with the first free one as the representative the walk starts from.
    assert any(m.startswith("aws_instance.web[0]: private_ip is chosen by AWS at apply (DHCP)") for m in dhcp)
    assert design["instances"]["web.0"]["private_ip"] == "auto"
    eni = webapp.design.interfaces["web.0.eth0"]
    assert eni.dynamic and eni.private_ips == (int.from_bytes(bytes([10, 0, 0, 5]), "big"),)
    assert any(d.code == "tf-deleted" and d.message.startswith("aws_security_group.legacy") for d in warnings)


def test_webapp_locations_name_the_address_and_json_path(webapp: Network) -> None:
    group = webapp.design.security_groups["web"]
    assert group.loc.file == str(WEBAPP)
    assert group.loc.path is not None and group.loc.path.startswith("aws_security_group.web, $.resource_changes[")
    assert group.loc.line > 1


def test_tf_dir_locations(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_bytes(WEBAPP.read_bytes())
    (tmp_path / "main.tf").write_text('# web tier\n\nresource "aws_security_group" "web" {\n  name = "web"\n}\n')
    modules = tmp_path / "modules" / "net"
    modules.mkdir(parents=True)
    (modules / "net.tf").write_text('variable "vpc_id" {}\n\nresource "aws_subnet" "public" {\n  count = 2\n}\n')
    design, _ = load_design(plan)  # the .tf files beside the plan are read
    assert design.security_groups["web"].loc[:3] == (str(tmp_path / "main.tf"), 3, 1)
    assert design.subnets["net.public.1"].loc[:3] == (str(modules / "net.tf"), 3, 1)
    assert design.subnets["net.public.1"].loc.path == "module.net.aws_subnet.public[1]"
    (tmp_path / "broken.tf").write_text('resource "aws_vpc" "x" {\n')
    _, warnings = terraform_to_design(plan, tf_dir=tmp_path)
    broken = [d for d in warnings if d.code == "tf-sources"]
    assert len(broken) == 1 and broken[0].location is not None and broken[0].location.file.endswith("broken.tf")


@pytest.mark.parametrize("name", ["webapp_plan.json", "autoscaling_plan.json", "ids_state.json"])
def test_import_round_trip_of_every_fixture(tmp_path: Path, name: str) -> None:
    out = tmp_path / "design.yaml"
    assert main(["import", "terraform", str(DATA / name), "-o", str(out)]) == 0
    original, again = vpcsim.load(DATA / name).design, vpcsim.load(out).design
    for section in ("vpcs", "subnets", "route_tables", "network_acls", "security_groups", "internet_gateways",
                    "nat_gateways", "peerings", "prefix_lists", "instances", "interfaces", "unsupported"):
        assert getattr(original, section) == getattr(again, section), section


def test_import_cli_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "design.yaml"
    assert main(["import", "terraform", str(WEBAPP), "-o", str(out)]) == 0
    assert "tf-placeholder" in capsys.readouterr().err
    original = vpcsim.load(WEBAPP)
    again = vpcsim.load(out)
    # The same network: every object, and the same verdicts.
    for section in ("vpcs", "subnets", "route_tables", "network_acls", "security_groups", "internet_gateways",
                    "nat_gateways", "peerings", "prefix_lists", "instances", "interfaces", "unsupported"):
        assert getattr(original.design, section) == getattr(again.design, section), section
    for src, dst, port in (("internet", "web.0", 443), ("web.0", "internet", 443), ("ops", "db.eth1", 22)):
        assert original.trace(src, dst, port).disposition == again.trace(src, dst, port).disposition
    assert yaml.safe_load(out.read_text())["region"] == "us-east-1"


def test_import_cli_before_side(tmp_path: Path) -> None:
    out = tmp_path / "before.yaml"
    # test_issue-249 has a prior_state: its SGs are there (the "before" side of the plan).
    assert main(["import", "terraform", str(_shared("terraform-compliance/test_issue-249/plan.out.json")),
                 "--before", "-o", str(out)]) == 0
    assert set(yaml.safe_load(out.read_text())["security_groups"]) >= {"lambda_sg", "myapp-asg.sg_asg", "alb.alb"}
    # A state has no before side.
    assert main(["import", "terraform", str(_shared("infracost/terraform_v0.14_state.json")), "--before"]) == 3


def test_cli_accepts_a_plan_as_design(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "internet", "web.0", "443", "--design", str(WEBAPP), "--text"]) == 0
    assert capsys.readouterr().out.startswith("REACHABLE")
    assert main(["validate", str(WEBAPP)]) == 0


# -- unknowns, cycles and hostile input ----------------------------------------------------------


def test_cyclic_references_end(tmp_path: Path) -> None:
    # module.a's vpc_id is module.b's output, which is module.b's variable, which is module.a's
    # output...: the resolver stops and says the subnet's VPC is unknown.
    design, warnings = terraform_to_design(DATA / "cyclic_refs_plan.json")
    assert "subnets" not in design
    assert [d.message for d in warnings] == [
        "module.a.aws_subnet.this: cannot tell which VPC it is in (its VPC is known only after apply, and the "
        "configuration does not say); left out"]


def _plan(tmp_path: Path, text: str | bytes, name: str = "plan.json") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def _error(path: Path) -> Diagnostic:
    with pytest.raises(DesignError) as info:
        load_design(path)
    errors = [d for d in info.value.diagnostics if d.severity is Severity.ERROR]
    assert errors
    return errors[0]


def test_truncated_plan(tmp_path: Path) -> None:
    text = WEBAPP.read_text()
    error = _error(_plan(tmp_path, text[: len(text) // 2]))
    assert error.code == "tf-json"
    assert "malformed JSON" in error.message and "truncated" in error.message
    assert error.location is not None and error.location.line > 1


def test_wrong_types_are_located(tmp_path: Path) -> None:
    doc = json.loads(WEBAPP.read_text())
    doc["resource_changes"][3]["change"] = "oops"
    doc["resource_changes"][5]["change"]["actions"] = "create"
    doc["resource_changes"][7]["address"] = 42
    error_path = _plan(tmp_path, json.dumps(doc, indent=1))
    with pytest.raises(DesignError) as info:
        load_design(error_path)
    errors = [(d.message, d.location.path if d.location else None) for d in info.value.diagnostics
              if d.severity is Severity.ERROR]
    assert ("$.resource_changes[3].change: expected an object, got a string ('oops')",
            "$.resource_changes[3].change") in errors
    assert any(m.startswith("$.resource_changes[5].change.actions: expected a list of strings") for m, _ in errors)
    assert any(m.startswith("$.resource_changes[7].address: expected a non-empty string, got a number (42)")
               for m, _ in errors)


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("[1, 2]", "tf-format", "expected a JSON object (the output of `terraform show -json`), got a list"),
        ('{"format_version": "9.0"}', "tf-format", 'format_version: expected "0.x" or "1.x"'),
        ('{"format_version": 1}', "tf-format", 'format_version: expected "0.x" or "1.x"'),
        ('{"format_version": "1.2", "resource_changes": {}}', "tf-type",
         "$.resource_changes: expected a list, got an object"),
        ('{"format_version": "1.0", "values": {"root_module": {"resources": [7]}}}', "tf-type",
         "$.values.root_module.resources[0]: expected an object, got a number (7)"),
        ('{"format_version": "1.2", "resource_changes": [{"address": "aws_vpc.x", "type": "aws_vpc", "name": "x", '
         '"change": {"actions": ["create"], "after": {"cidr_block": "10.0.0.0/33"}}}]}', "tf-value",
         "aws_vpc.x: cidr_block a string ('10.0.0.0/33') is not an IPv4 CIDR block"),
    ],
)
def test_bad_documents(tmp_path: Path, text: str, code: str, message: str) -> None:
    with pytest.raises(DesignError) as info:
        terraform_to_design(_plan(tmp_path, text))
    error = [d for d in info.value.diagnostics if d.severity is Severity.ERROR][0]
    assert error.code == code
    assert error.message.startswith(message), error.message


def test_nan_or_binary_or_deep_json(tmp_path: Path) -> None:
    assert _error(_plan(tmp_path, b'{"format_version": "1.0", "x": "\xff"}')).code == "tf-encoding"
    deep = '{"format_version": "1.0", "values": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert _error(_plan(tmp_path, deep, "deep.json")).code == "tf-json"


def test_huge_plan_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.write(b'{"format_version": "1.2", "planned_values": {')
        handle.truncate(100 * 1024 * 1024)  # 100 MB, sparse: refused from its size
    error = _error(path)
    assert error.code == "tf-too-large"
    assert "100 MB" not in error.message and "104,857,600 bytes" in error.message


def test_cli_exit_code_for_a_bad_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _plan(tmp_path, '{"format_version": "1.2", "resource_changes": [}')
    assert main(["validate", str(path)]) == 3
    err = capsys.readouterr().err
    assert "malformed JSON" in err and "Traceback" not in err


def test_a_plan_with_sorted_keys_is_recognised(tmp_path: Path) -> None:
    # `jq -S` puts applyable, checks, complete and configuration before format_version.
    path = _plan(tmp_path, json.dumps(json.loads(WEBAPP.read_text()), sort_keys=True, indent=2))
    assert not path.read_text()[:4096].count('"format_version"')
    assert is_terraform_json(path)
    assert len(vpcsim.load(path).design.instances) == 5


def test_a_plain_json_design_is_not_taken_for_terraform(tmp_path: Path) -> None:
    path = _plan(tmp_path, json.dumps({"region": "us-east-1", "vpcs": {"v": {"cidr": "10.0.0.0/16"}}}), "d.json")
    assert not is_terraform_json(path)
    design, _ = load_design(path)
    assert list(design.vpcs) == ["v"]


def test_rules_point_at_the_resource_that_made_them(webapp: Network) -> None:
    tree, _ = load_terraform_tree(WEBAPP)
    assert tree.loc.file == str(WEBAPP)
    inbound = {rule.number: rule for rule in webapp.design.network_acls["private"].inbound}
    # Rule 100 is an inline block of the NACL; rule 120 an aws_network_acl_rule of its own.
    assert inbound[100].loc.path is not None and inbound[100].loc.path.startswith("aws_network_acl.private, ")
    assert inbound[120].loc.path is not None and inbound[120].loc.path.startswith("aws_network_acl_rule.private_ssh, ")


# -- plan diffs ------------------------------------------------------------------------------------


def test_diff_between_two_plans() -> None:
    from vpcsim.diff import load_network, plan_diff

    # v2 adds an ingress block tcp 80 from 0.0.0.0/0 to group web, and deletes the NACL rule
    # resource 120 (22 from 10.0.0.0/16 into the private subnets).
    result = plan_diff(load_network(WEBAPP), load_network(WEBAPP_V2))
    opened = {c.subject: c.opened.describe() for c in result.exposure}
    assert opened == {"web.0": "tcp 80", "web.1": "tcp 80"}
    assert all(not c.closed for c in result.exposure)
    flows = {c.subject: (c.opened.describe() if c.opened else "", c.closed.describe() if c.closed else "")
             for c in result.flows}
    # web's 80 is open to the VPC too: db (egress all; NACL 110 lets the replies back) and ops.
    # ops -> db.eth1 on 22 was allowed by rule 120 only.
    assert flows == {
        "db → web.0": ("tcp 80", ""), "db → web.1": ("tcp 80", ""),
        "ops → web.0": ("tcp 80", ""), "ops → web.1": ("tcp 80", ""),
        "ops → db": ("", "tcp 22"),
    }
    assert result.opens
    # The settings an opened flow passes: the new ingress block, at its resource in the plan.
    web0 = next(c for c in result.exposure if c.subject == "web.0")
    assert any(v.startswith("allowed by security group web: tcp 80 0.0.0.0/0 (") and "aws_security_group.web, " in v
               for v in web0.opened_via)
    # ... and what a closed flow passed before: the deleted NACL rule resource.
    closed = next(c for c in result.flows if c.subject == "ops → db")
    assert any("rule 120 allow tcp 22 10.0.0.0/16" in v and "aws_network_acl_rule.private_ssh" in v
               for v in closed.closed_via)
    back = plan_diff(load_network(WEBAPP_V2), load_network(WEBAPP))
    assert {c.subject: c.closed.describe() for c in back.exposure} == opened
    assert not plan_diff(load_network(WEBAPP), load_network(WEBAPP)).exposure


def test_diff_cli_uses_prior_state(capsys: pytest.CaptureFixture[str]) -> None:
    # Everything in the checkov plan is created: its prior_state has none of it, so the plan
    # opens all it allows (web-node: 22 and 80 from anywhere, on both instances).
    plan = str(_shared("checkov/runner_resources_plan/tfplan.json"))
    assert main(["diff", "--after", plan, "--fail-on-open"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("### vpcsim: what this change opens or closes")
    assert "| web_host | tcp 22,80 |  |" in out
    assert "<details><summary>web_host opens tcp 22 through " in out
    assert main(["diff", "--after", plan, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["subject"] for c in data["exposure"]] == ["db_app", "web_host"]
    # A state has no prior_state of its own.
    assert main(["diff", "--after", str(_shared("infracost/terraform_v0.14_state.json"))]) == 3
    # test_issue-249 changes no setting vpcsim imports: its group update is a tag; the Auto
    # Scaling group it creates is in subnets the plan does not describe (a warning says so).
    assert main(["diff", "--after", str(_shared("terraform-compliance/test_issue-249/plan.out.json")),
                 "--fail-on-open"]) == 0
    assert "No change" in capsys.readouterr().out


def test_state_links_by_known_ids() -> None:
    net = vpcsim.load(DATA / "ids_state.json")
    design = net.design
    # rtb-0pub is made main by aws_main_route_table_association; the IGW (no vpc_id) is attached
    # by aws_internet_gateway_attachment; the adopted default NACL (acl-0def) keeps its 3 rules.
    assert design.vpcs["main"].main_route_table == "public"
    assert design.internet_gateways["gw"].vpc == "main"
    assert design.vpcs["main"].default_network_acl == "main"
    assert [r.number for r in design.network_acls["main"].inbound] == [100, 110]
    # aws_eip_association binds eipalloc-0e (52.0.0.7) to i-0w; both instances carry sg-0def,
    # the VPC's default group, which is not adopted here: AWS's default rules (members in, all out).
    assert design.interfaces["web.eth0"].public_ip == int.from_bytes(bytes([52, 0, 0, 7]), "big")
    assert design.interfaces["web.eth0"].security_groups == ("main/default",)
    assert design.instances["batch"].state == "stopped"
    # aws_route.legacy goes into rtb-0def, the VPC's original main table (its default_route_table_id),
    # which the association has replaced: declared, not main.
    assert not design.route_tables["main.main"].main
    assert [r.destination for r in design.route_tables["main.main"].routes] == [Cidr.parse("10.99.0.0/16")]
    assert net.trace("web", "internet", 443).reachable  # NACL 110 lets the replies in
    assert not net.trace("internet", "web", 443).reachable  # the default group admits only members
    assert not net.trace("internet", "web", 22).reachable  # and the NACL has no 22
    assert not net.trace("web", "batch", 22).reachable  # a stopped instance answers nothing


def test_control_characters_never_reach_a_terminal(tmp_path: Path) -> None:
    doc = json.loads(WEBAPP.read_text())
    change = next(c for c in doc["resource_changes"] if c["address"] == "aws_instance.ops")
    change["address"] = "aws_instance.ops\x1b[2J"
    change["name"] = "ops\x1b[2J"
    change["change"]["after"]["subnet_id"] = "subnet-\x07nope"
    _, warnings = terraform_to_design(_plan(tmp_path, json.dumps(doc)))
    texts = [d.format() for d in warnings]
    assert any("aws_instance.ops\\x1b[2J" in t and "subnet-\\x07nope" in t for t in texts)
    assert all(t.replace("\n", "").isprintable() for t in texts)


def test_mutated_plans_fail_cleanly(tmp_path: Path) -> None:
    """Random type changes inside resources and the configuration: a design or a DesignError, never a crash."""
    import copy
    import random

    base = json.loads(WEBAPP.read_text())
    junk: list[Any] = [None, 0, -1, 1.5, True, "", "x", "10.0.0.0/33", [], {}, [1], {"a": 1}, ["x"], [None], [{}]]

    def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        out = [prefix] if any(k in prefix for k in ("after", "after_unknown", "expressions", "module_calls")) else []
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, value in items:
            out.extend(paths(value, (*prefix, key)))
        return out

    every = paths(base)
    rng = random.Random(13)
    path = tmp_path / "mutated.json"
    for _ in range(40):
        doc = copy.deepcopy(base)
        for _ in range(3):
            where = rng.choice(every)
            parent: Any = doc
            try:
                for key in where[:-1]:
                    parent = parent[key]
                parent[where[-1]] = copy.deepcopy(rng.choice(junk))
            except (KeyError, IndexError, TypeError):
                continue  # an earlier mutation replaced this path's parent
        path.write_text(json.dumps(doc))
        try:
            vpcsim.load(path)
        except DesignError as exc:
            assert all(d.location is not None for d in exc.diagnostics if d.severity is Severity.ERROR)


def test_auto_scaling_groups_get_one_instance_per_subnet() -> None:
    net = vpcsim.load(DATA / "autoscaling_plan.json")
    _, warnings = terraform_to_design(DATA / "autoscaling_plan.json")
    # web: launch template web (vpc_security_group_ids: group web, 80 from anywhere), subnets
    # public[0] and public[1] (map_public_ip_on_launch, 0.0.0.0/0 -> the IGW): one stand-in each.
    assert sorted(net.design.instances) == ["api.public.0", "bastion", "web.public.0", "web.public.1",
                                            "worker.public.1"]
    # Each stand-in's address is AWS's pick: `private_ip: auto`.
    assert all(net.design.interfaces[f"{name}.eth0"].dynamic for name in net.design.instances if name != "bastion")
    # bastion: no public IP of its own, an Elastic IP bound by aws_eip.bastion's `instance`.
    assert net.design.interfaces["bastion.eth0"].public_ip is not None
    assert net.trace("internet", "bastion", 80).reachable
    assert net.trace("internet", "web.public.0", 80).reachable
    assert net.trace("internet", "web.public.1", 80).reachable
    assert not net.trace("internet", "web.public.0", 22).reachable
    # worker: a launch configuration with associate_public_ip_address = false: no public IP.
    assert net.design.interfaces["worker.public.1.eth0"].public_ip is None
    assert not net.trace("internet", "worker.public.1", 80).reachable
    assert net.trace("worker.public.1", "web.public.0", 80).reachable
    assert any(d.message.startswith("aws_autoscaling_group.web: an Auto Scaling group (4 instance(s) at apply) is "
                                    "imported as one instance per subnet (2)") for d in warnings)
    # api: a mixed instances policy over launch template web (its overrides only pick instance
    # types); the tags it propagates at launch are its instances' (team is not propagated).
    assert net.design.instances["api.public.0"].tags == {"tier": "api"}
    assert net.design.interfaces["api.public.0.eth0"].security_groups == ("web",)
    assert net.trace("internet", "api.public.0", 80).reachable
    assert not any(d.code == "tf-not-imported" for d in warnings)


def test_tf_sources_fill_what_the_configuration_leaves_out(tmp_path: Path) -> None:
    plan = _shared("terraform-compliance/test_issue-171/plan.out.json")
    sources = plan.parent
    with_config, _ = terraform_to_design(plan)
    # Terraform 0.12 leaves the route block out of the configuration: without the .tf sources
    # the gateway is inferred (a warning); main.tf says `gateway_id = "${aws_internet_gateway.test-igw.id}"`.
    design, warnings = terraform_to_design(plan, tf_dir=sources)
    assert "tf-inferred" not in _codes(warnings)
    assert design["route_tables"]["test-pub-rtb"]["routes"] == [
        {"destination": "0.0.0.0/0", "internet_gateway": "test-igw"}]
    # A plan without its configuration block, beside its .tf sources, imports the same design
    # (the provider's region included).
    doc = json.loads(plan.read_text())
    del doc["configuration"]
    bare = _plan(tmp_path, json.dumps(doc))
    (tmp_path / "main.tf").write_text((sources / "main.tf").read_text())
    rebuilt, rebuilt_warnings = terraform_to_design(bare, tf_dir=tmp_path)
    assert "tf-inferred" not in _codes(rebuilt_warnings) and "tf-region" not in _codes(rebuilt_warnings)
    for section in ("vpcs", "subnets", "route_tables", "security_groups", "internet_gateways"):
        assert rebuilt[section] == with_config[section] or section == "route_tables"
    assert rebuilt["route_tables"] == design["route_tables"]
    without, _ = terraform_to_design(bare)
    assert "subnets" in without and without["region"] == "us-east-1"  # inferred, and a warned default region


@pytest.mark.parametrize("dropped", ["aws_vpc.main", "aws_vpc.shared", "module.net.aws_route_table.private",
                                     "aws_subnet.ops", "aws_subnet.shared_a", "aws_route_table.shared"])
def test_a_reference_to_a_missing_resource_is_never_guessed(tmp_path: Path, dropped: str) -> None:
    # When the configuration names a resource that the plan does not hold, nothing stands in for
    # it (e.g. subnet ops must not land in vpc shared, the only VPC left): the design stays valid.
    doc = json.loads(WEBAPP.read_text())
    doc["resource_changes"] = [c for c in doc["resource_changes"] if c["address"] != dropped]
    design, warnings = load_design(_plan(tmp_path, json.dumps(doc)))
    local = dropped.removeprefix("module.net.")
    assert any(local in d.message for d in warnings if d.code == "tf-unknown"), [d.message for d in warnings]
    assert "tf-inferred" not in _codes(warnings)
    assert dropped not in {body.loc.path.split(",")[0] for body in design.subnets.values() if body.loc.path}


def test_import_cli_tf_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = _shared("terraform-compliance/test_issue-171/plan.out.json")
    copy = _plan(tmp_path, plan.read_bytes())  # no .tf beside the copy: JSON locations
    assert main(["import", "terraform", str(copy), "-o", str(tmp_path / "a.yaml")]) == 0
    assert f"{copy}:" in capsys.readouterr().err
    assert main(["import", "terraform", str(copy), "--tf-dir", str(plan.parent), "-o", str(tmp_path / "b.yaml")]) == 0
    err = capsys.readouterr().err
    assert f"{plan.parent / 'main.tf'}:28:1 (aws_subnet.test-subnet-pubA)" in err


def test_links_out_of_the_folder_are_not_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "plan.json").write_text(WEBAPP.read_text())
    (outside / "creds.tf").write_text('resource "aws_vpc" "x" {\n  secret = "hunter2"\n')
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "plan.json").symlink_to(outside / "plan.json")
    with pytest.raises(DesignError) as info:
        terraform_to_design(work / "plan.json")
    assert "a link to a file outside its folder" in str(info.value)
    # A .tf link out of the sources is skipped, and nothing of it is quoted.
    (work / "real.json").write_text(WEBAPP.read_text())
    (work / "creds.tf").symlink_to(outside / "creds.tf")
    _, warnings = terraform_to_design(work / "real.json", tf_dir=work)
    sources = [d for d in warnings if d.code == "tf-sources" and d.location and d.location.file.endswith("creds.tf")]
    assert len(sources) == 1 and "not followed" in sources[0].message
    assert all("hunter2" not in d.message for d in warnings)
