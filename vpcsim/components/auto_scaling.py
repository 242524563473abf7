"""EC2 Auto Scaling groups: identical instances launched from one template into a group's subnets.

A group launches `desired` instances (between `min` and `max`) from its launch template (the
security groups, and whether the instance gets a public IP) into the subnets of
`vpc_zone_identifier`, spread across their availability zones, and registers each with its
target groups (https://docs.aws.amazon.com/autoscaling/ec2/userguide/auto-scaling-benefits.html,
"Instance distribution"). vpcsim expands the group into its members, `GROUP-1` ... `GROUP-N`,
instance after instance in subnet order, each with an address AWS picks (`private_ip: auto`: every
analysis decides its verdicts for whichever free address the member gets, vpcsim.reach.addresses).
The members are instances of the design: a trace may name one, or the group itself (its first
member stands for all of them, which `check` and the analyses cover as one class).

    auto_scaling_groups:
      web-asg:
        subnets: [private-a, private-b]
        launch_template: {security_groups: [web]}
        min: 2
        desired: 2
        max: 4
        target_groups: [web]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from typing import TYPE_CHECKING

import vpcsim.facts as facts
from vpcsim.components import base, load_balancer
from vpcsim.components.base import Component, Endpoint
from vpcsim.errors import Diagnostic, EndpointError, Location, Severity
from vpcsim.importers import mapping
from vpcsim.loader import extensions
from vpcsim.loader.reader import Map
from vpcsim.model import NOWHERE, Design, Instance, Interface
from vpcsim.records import record

if TYPE_CHECKING:
    from vpcsim.compile import CompiledNetwork
    from vpcsim.importers.aws import Importer
    from vpcsim.importers.items import Item

__all__ = ["AutoScalingGroupModel", "groups", "member_names"]

KEY = "auto_scaling_groups"
MAX_MEMBERS = 1000  # per group in a design: expanded one by one (EC2 Auto Scaling's own cap is higher)


@record
class AutoScalingGroupModel:
    name: str
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    desired: int
    minimum: int
    maximum: int
    target_groups: tuple[str, ...] = ()
    public_ip: bool = False
    aws_id: str | None = None
    # The template's IPv6 address count: each member gets that many addresses AWS picks from its
    # subnet's /64 (EC2 launch templates, NetworkInterfaces[].Ipv6AddressCount).
    ipv6_address_count: int = 0
    # The members as a snapshot lists them (describe-auto-scaling-groups' InService Instances):
    # instances of the design. None in a design, where `desired` members are expanded.
    members: tuple[str, ...] | None = None
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)
    ipv6_loc: Location = field(default=NOWHERE, compare=False)  # its launch template's ipv6_address_count


def member_names(group: AutoScalingGroupModel) -> tuple[str, ...]:
    if group.members is not None:
        return group.members
    return tuple(f"{group.name}-{i}" for i in range(1, group.desired + 1))


def read(builder: extensions.SectionBuilder, name: str, body: Map) -> AutoScalingGroupModel | None:
    what = f"auto scaling group {name}"
    listed = body.get("instances")
    builder.check_keys(body, what, ("subnets", "launch_template", "min", "desired", "max", "target_groups", "aws_id",
                                    "description", "instances"),
                       ("subnets",) if listed is not None else ("subnets", "launch_template"))
    members: list[str] | None = None
    if listed is not None:  # a snapshot's: the members are instances of the design, none is expanded
        members = []
        for item in builder.as_list(listed, f"{what}: instances"):
            ref = builder.ref(item, f"{what}: instances", "instances", "instance")
            if ref is not None and ref not in members:
                members.append(ref)
    subnets: list[str] = []
    subnets_node = body.get("subnets")
    items = builder.as_list(subnets_node, f"{what}: subnets") if subnets_node is not None else ()
    for item in items:
        ref = builder.ref(item, f"{what}: subnets", "subnets", "subnet")
        if ref is not None:
            subnets.append(ref)
    if subnets_node is not None and not items:
        builder.error("asg-subnets", f"{what}: subnets: expected at least one subnet (its vpc_zone_identifier)",
                      subnets_node.loc)
    template = body.get("launch_template")
    groups: list[str] = []
    public_ip = False
    ipv6_count = 0
    ipv6_loc = NOWHERE
    if isinstance(template, Map):
        builder.check_keys(template, f"{what}: launch_template",
                           ("security_groups", "public_ip", "ipv6_address_count", "aws_id"), ("security_groups",))
        groups_node = template.get("security_groups")
        if groups_node is not None and not builder.as_list(groups_node, f"{what}: launch_template: security_groups"):
            builder.error("type", f"{what}: launch_template: security_groups: expected at least one group",
                          groups_node.loc)
        for item in builder.as_list(groups_node, f"{what}: launch_template: security_groups") if groups_node else ():
            group = builder.group_ref(item, f"{what}: launch_template: security_groups", None)
            if group is not None:
                groups.append(group)
        public_ip = builder.boolean(template.get("public_ip"), f"{what}: launch_template: public_ip", False)
        if public_ip and members is None:
            # Why: the address AWS assigns at launch is unknown before it, and a made-up one would
            # make exposure findings about an address nobody has.
            builder.error("asg-public-ip", f"{what}: launch_template: public_ip: true is not simulated yet (members "
                          "would need the public addresses AWS picks at launch); put the group behind an "
                          "internet-facing load balancer, or list the members as instances", template.loc)
        count_node = template.get("ipv6_address_count")
        if count_node is not None:
            ipv6_count = builder.integer(count_node, f"{what}: launch_template: ipv6_address_count", 0,
                                         facts.IPV6_ADDRESSES_PER_INTERFACE) or 0
            ipv6_loc = count_node.loc
    elif template is not None:
        builder.error("invalid-type", f"{what}: launch_template: expected {{security_groups: [...]}}", template.loc)
    desired = builder.integer(body.get("desired"), f"{what}: desired", 0, MAX_MEMBERS) \
        if body.get("desired") is not None else None
    minimum = builder.integer(body.get("min"), f"{what}: min", 0, MAX_MEMBERS) if body.get("min") is not None else None
    maximum = builder.integer(body.get("max"), f"{what}: max", 0, MAX_MEMBERS) if body.get("max") is not None else None
    low = minimum if minimum is not None else (desired if desired is not None else 1)
    count = desired if desired is not None else low
    high = maximum if maximum is not None else max(count, low)
    if not low <= count <= high:
        builder.error("asg-capacity", f"{what}: min {low} <= desired {count} <= max {high} does not hold (expected "
                      "the desired capacity between min and max)", body.loc)
        return None
    targets: list[str] = []
    if body.get("target_groups") is not None:
        for item in builder.as_list(body.entries["target_groups"], f"{what}: target_groups"):
            text = builder.string(item, f"{what}: target_groups")
            if text is not None:
                targets.append(text)
    aws_id = builder.string(body.get("aws_id"), f"{what}: aws_id") if body.get("aws_id") is not None else None
    description = builder.string(body.get("description"), f"{what}: description") or ""
    if not subnets or len(subnets) != len(items) or (not groups and members is None):
        return None
    return AutoScalingGroupModel(name, tuple(subnets), tuple(groups), count, low, high, tuple(targets), public_ip,
                                 aws_id, ipv6_count, tuple(members) if members is not None else None, description,
                                 body.loc, ipv6_loc)


def groups(design: Design) -> dict[str, AutoScalingGroupModel]:
    return {n: o for n, o in design.extensions.get(KEY, {}).items() if isinstance(o, AutoScalingGroupModel)}


def _interfaces(obj: object) -> list[Interface]:
    """The members' network interfaces: one each, in the group's subnets in turn, at an address AWS picks."""
    if not isinstance(obj, AutoScalingGroupModel) or obj.members is not None:
        return []
    return [Interface(name, name, obj.subnets[i % len(obj.subnets)], (), None, obj.security_groups, loc=obj.loc,
                      dynamic=True, ipv6_dynamic=obj.ipv6_address_count) for i, name in enumerate(member_names(obj))]


def _instances(obj: object) -> list[Instance]:
    if not isinstance(obj, AutoScalingGroupModel) or obj.members is not None:
        return []
    return [Instance(name, (name,), loc=obj.loc) for name in member_names(obj)]


def validate(design: Design) -> list[Diagnostic]:
    out = []
    known = load_balancer.target_groups(design)
    for group in groups(design).values():
        vpcs = {design.subnets[s].vpc for s in group.subnets if s in design.subnets}
        if len(vpcs) > 1:
            out.append(Diagnostic(Severity.ERROR, "asg-vpc", f"auto scaling group {group.name}: its subnets are in vpcs "
                                  f"{', '.join(sorted(vpcs))} (expected subnets of one VPC)", group.loc))
        for sg in group.security_groups:
            model = design.security_groups.get(sg)
            if model is not None and vpcs and model.vpc not in vpcs:
                out.append(Diagnostic(Severity.ERROR, "asg-group-vpc", f"auto scaling group {group.name}: security "
                                      f"group {sg} is in vpc {model.vpc}, not {', '.join(sorted(vpcs))}", group.loc))
        without = [s for s in group.subnets if s in design.subnets and design.subnets[s].ipv6_cidr is None]
        if group.ipv6_address_count and without:
            out.append(Diagnostic(Severity.ERROR, "ipv6", f"auto scaling group {group.name}: launch_template: "
                                  f"ipv6_address_count {group.ipv6_address_count}: subnet {without[0]} has no IPv6 "
                                  "CIDR block (expected dual-stack or IPv6-only subnets)", group.ipv6_loc))
        for name in group.target_groups:
            tg = known.get(name)
            if tg is None:
                out.append(Diagnostic(Severity.ERROR, "unknown-reference", f"auto scaling group {group.name}: target "
                                      f"group {name!r} is not defined (known: {', '.join(sorted(known)) or 'none'})",
                                      group.loc))
            elif tg.target_type != "instance":
                out.append(Diagnostic(Severity.ERROR, "asg-target-type", f"auto scaling group {group.name}: target "
                                      f"group {name} registers ip targets (an Auto Scaling group registers its "
                                      "instances with instance target groups)", group.loc))
    return out


def _registrations(design: Design) -> Iterable[tuple[str, str]]:
    for group in groups(design).values():
        for tg in group.target_groups:
            for member in member_names(group):
                yield tg, member


extensions.register(extensions.Section(KEY, "auto scaling group", read, None, validate, interfaces=_interfaces,
                                       instances=_instances))
load_balancer.register_members(_registrations)


class AutoScaling(Component[None]):
    kind = "auto_scaling_group"

    def endpoint(self, net: CompiledNetwork, text: str, other: Endpoint | None) -> Endpoint | None:
        group = groups(net.design).get(text)
        if group is None:
            return None
        names = member_names(group)
        if not names:
            raise EndpointError(f"auto scaling group {text!r} has no member " +
                                ("(desired: 0)" if group.members is None else "in service"))
        instance = net.design.instances[names[0]]
        if not instance.interfaces:
            raise EndpointError(f"auto scaling group {text!r}: its member {names[0]!r} has no network interface")
        eni = net.design.interfaces[instance.interfaces[0]]
        return Endpoint(text, eni.primary_ip, eni)


COMPONENT = base.register(AutoScaling())


# -- AWS import: describe-auto-scaling-groups and the launch templates ---------------------------
#
# A snapshot lists a group's members (`Instances`): they are instances of the snapshot already
# (describe-instances), so the group names them rather than expanding `desired` new ones. Only
# those InService receive load balancer traffic: a Standby instance is still in the group, but
# deregistered (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-enter-exit-standby.html),
# and a Pending one is registered before it goes InService
# (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html).
# The launch template (describe-launch-template-versions, `--versions '$Latest' '$Default'` for
# every template of the account) gives the groups and public IP of the members it will launch.

_IN_SERVICE = "InService"


def _template_version(imp: Importer, group: Item, what: str) -> Item | None:
    """The launch template version the group launches from, when the snapshot has it."""
    spec = group.obj("LaunchTemplate")
    policy = group.obj("MixedInstancesPolicy")
    if spec is None and policy is not None:
        template = policy.obj("LaunchTemplate")
        spec = template.obj("LaunchTemplateSpecification") if template is not None else None
    if spec is None:
        return None
    template_id, template_name = spec.text("LaunchTemplateId"), spec.text("LaunchTemplateName")
    version = spec.text("Version") or "$Default"
    versions = [v for v in imp.raw["LaunchTemplateVersions"].values()
                if (template_id and v.text("LaunchTemplateId") == template_id)
                or (template_name and v.text("LaunchTemplateName") == template_name)]
    numbered = [(v.number("VersionNumber") or 0, v) for v in versions]
    found: Item | None = None
    if version == "$Latest" and numbered:
        found = max(numbered, key=lambda item: item[0])[1]
    elif version == "$Default":
        found = next((v for v in versions if v.flag("DefaultVersion")), None)
    else:
        found = next((v for n, v in numbered if str(n) == version), None)
    if found is None and "LaunchTemplateVersions" in imp.loaded_keys:
        imp.warn("aws-missing-launch-template", f"{what}: launch template {template_id or template_name} version "
                 f"{version} is not in the snapshot (aws ec2 describe-launch-template-versions); the group's "
                 "members are its instances, what it would launch next is unknown", spec.loc)
    return found


def _pick(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept: dict[str, mapping.Picked] = {}
    for name, j in imp.raw["AutoScalingGroups"].items():
        what = f"auto scaling group {name}"
        subnet_ids = [s.strip() for s in (j.text("VPCZoneIdentifier") or "").split(",") if s.strip()]
        known = [s for s in subnet_ids if s in imp.subnets]
        if not known:
            imp.warn("aws-orphan", f"{what}: none of its subnets ({', '.join(subnet_ids) or 'none'}) is in the "
                     "snapshot (skipped)", j.loc)
            continue
        for missing in sorted(set(subnet_ids) - set(known)):
            imp.warn("aws-orphan", f"{what}: its subnet {missing} is not in the snapshot (left out)", j.loc_of(
                "VPCZoneIdentifier"))
        kept[name] = mapping.Picked(j, names.take(name, name), imp.subnets[known[0]].vpc_id)
    return kept


def _body(imp: Importer, group: mapping.Picked) -> dict[str, object]:
    j = group.j
    what = f"auto scaling group {group.name}"
    vpc_id = group.vpc_id or ""
    body: dict[str, object] = {"aws_id": j.text("AutoScalingGroupARN") or j.text("AutoScalingGroupName")}
    body["subnets"] = [imp.subnets[s].name for s in (j.text("VPCZoneIdentifier") or "").replace(" ", "").split(",")
                       if s in imp.subnets]
    version = _template_version(imp, j, what)
    data = version.obj("LaunchTemplateData") if version is not None else None
    configuration = imp.raw["LaunchConfigurations"].get(j.text("LaunchConfigurationName") or "")
    if data is None and configuration is not None:  # the older launch configuration: the same two fields
        configured = [ref for group_id in configuration.strs("SecurityGroups") if (ref := imp.group_ref(
            group_id, vpc_id, f"{what}: launch configuration", configuration.loc,
            "the launch configuration is imported without it")) is not None]
        template: dict[str, object] = {"security_groups": list(dict.fromkeys(configured))}
        if configuration.flag("AssociatePublicIpAddress"):
            template["public_ip"] = True
        imp.at(template, configuration.loc)
        body["launch_template"] = template
    if data is not None:
        ids = data.strs("SecurityGroupIds")
        if not ids and data.strs("SecurityGroups"):  # by name (a default VPC's template): the VPC's groups
            by_name = {g.text("GroupName"): gid for gid, g in imp.raw["SecurityGroups"].items()
                       if g.text("VpcId") == vpc_id}
            ids = [by_name.get(name, name) for name in data.strs("SecurityGroups")]
        primary = next((n for n in data.objs("NetworkInterfaces") if (n.number("DeviceIndex") or 0) == 0), None)
        public = None
        if primary is not None:
            ids = ids or primary.strs("Groups")
            public = primary.flag("AssociatePublicIpAddress")
        groups: list[str] = []
        for group_id in ids:
            ref = imp.group_ref(group_id, vpc_id, f"{what}: launch template", data.loc,
                                "the launch template is imported without it")
            if ref is not None and ref not in groups:
                groups.append(ref)
        template = {"aws_id": version.text("LaunchTemplateId") if version is not None else None,
                    "security_groups": groups}
        if public:
            template["public_ip"] = True
        imp.at(template, data.loc)
        body["launch_template"] = template
    for key, field_name in (("min", "MinSize"), ("desired", "DesiredCapacity"), ("max", "MaxSize")):
        value = j.number(field_name)
        if value is not None:
            body[key] = value
    arns = list(j.strs("TargetGroupARNs"))
    for source in j.objs("TrafficSources"):
        # "elbv2": a target group the members are registered with too; "elb": a Classic Load
        # Balancer, whose description lists its instances already; VPC Lattice is not simulated (facts).
        identifier = source.text("Identifier") or ""
        kind = source.text("Type") or facts.traffic_source_type(identifier)
        if kind == "elbv2" and identifier not in arns:
            arns.append(identifier)
        elif kind == "vpc-lattice":
            imp.warn("aws-unsupported", f"{what}: traffic source {identifier} is a VPC Lattice target group, which "
                     "is not simulated; left out", source.loc)
    kept = imp.picked.get(load_balancer.GROUPS_KEY, {})
    if [kept[arn].name for arn in arns if arn in kept]:
        body["target_groups"] = [kept[arn].name for arn in arns if arn in kept]
    members: list[str] = []
    for item in j.objs("Instances"):
        instance_id = item.text("InstanceId") or ""
        state = item.text("LifecycleState") or _IN_SERVICE
        if instance_id not in imp.instance_by_id:
            if instance_id not in imp.gone:
                imp.warn("aws-missing-instance", f"{what}: member {instance_id} is not in the snapshot "
                         "(describe-instances); left out", item.loc)
        elif state != _IN_SERVICE:
            imp.warn("aws-asg-member", f"{what}: member {imp.instance_by_id[instance_id]} is {state}: not in "
                     "service, so not registered with the group's target groups (imported as an instance only)",
                     item.loc)
        else:
            members.append(imp.instance_by_id[instance_id])
    body["instances"] = members
    imp.at(body, j.loc)
    return body


_DETAILS = (
    mapping.Detail("LaunchTemplateVersions", ("LaunchTemplateId", "VersionNumber"), "launch template version"),
    mapping.Detail("LaunchConfigurations", ("LaunchConfigurationName",), "launch configuration"),
)
mapping.register(mapping.AwsMapping("AutoScalingGroups", KEY, "", "", "", "auto scaling group",
                                    "AutoScalingGroupName", _pick, _body, rank=62, details=_DETAILS))
