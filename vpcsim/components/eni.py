"""Network interface: sends from and receives at its private IPs, through its security groups.

Security groups are stateful: the forward leg is judged by the rules and records a session; the
reply passes by that session, never by the rules written for the other direction
(aws-semantics.md, "Security groups").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import vpcsim.facts as facts
from vpcsim.components import base, subnet, vpc_router
from vpcsim.components.base import Component, State, Walk, ip, new_tuple, reply_matches
from vpcsim.components.text import packet_text, ranges_size, sg_text
from vpcsim.model import IPV4_MAX, Interface, Subnet, TargetKind
from vpcsim.results import Action, Code, Disposition, FilterDetail, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork


def label(walk: Walk, eni: Interface) -> tuple[str, str | None]:
    """How a hop names an interface: by its instance when that has one interface."""
    if eni.instance is not None:
        instance = walk.net.design.instances.get(eni.instance)
        if instance is not None and len(instance.interfaces) == 1:
            return instance.name, instance.aws_id or eni.aws_id
        return eni.name, (instance.aws_id if instance else None) or eni.aws_id
    return eni.name, eni.aws_id


def check_running(walk: Walk, eni: Interface, steps: list[Step], disposition: Disposition) -> None:
    if walk.returning and eni in (walk.source.eni, walk.target.eni):
        # Why: the flow's two ends were already checked on the forward leg; reporting the same
        # stopped instance again as a 'return' blocker would double-count one setting.
        return
    instance = walk.net.design.instances.get(eni.instance or "")
    if instance is not None and not instance.running:
        detail = f"instance {instance.name} is {instance.state}, not running"
        steps.append(Step(StepKind.CHECK, Action.DROP, detail, instance.name, location=instance.loc))
        walk.block(Code.INSTANCE_NOT_RUNNING, instance.name, detail, instance.loc, disposition)


def sg_check(walk: Walk, eni: Interface, state: State, direction: str, steps: list[Step]) -> None:
    egress = direction == "egress"
    kind = StepKind.SG_EGRESS if egress else StepKind.SG_INGRESS
    if not walk.returning:
        # Why: a forward denial is already reported; the reply must then pass by the session the
        # fixed rule would create, not be re-judged by rules written for the other direction.
        walk.sg_sessions.add(eni.name)
    elif eni.name in walk.sg_sessions:
        steps.append(new_tuple(Step, (StepKind.SESSION, Action.ALLOW,
                                      f"security groups pass the reply by the connection's session ({direction})",
                                      ", ".join(eni.security_groups), None, None, (), None, None, None)))
        return
    groups = walk.net.groups(eni.security_groups)
    if (groups.egress_references if egress else groups.ingress_references) and not _references_apply(
            walk, eni, state, egress):
        groups = walk.net.groups(eni.security_groups, references=False)
    peer = state.dst if egress else state.src
    if peer > IPV4_MAX:
        groups = groups.family(peer)  # the rules that name IPv6 peers
    table = groups.egress if egress else groups.ingress
    rules = groups.egress_rules if egress else groups.ingress_rules
    asked = state.dports
    if len(asked) == 1 and asked[0][0] == asked[0][1]:
        # One port that a rule admits (every forward packet that gets through): no lists.
        hit = table.match(peer, state.proto, asked[0][0])
        if hit >= 0:
            group, rule = rules[hit]
            texts = walk.net.rule_texts
            text = texts.get(id(rule)) or sg_text(texts, rule)
            data = new_tuple(FilterDetail, (groups.egress_filter if egress else groups.ingress_filter, peer,
                                            state.proto, asked, asked))
            steps.append(new_tuple(Step, (kind, Action.ALLOW, f"allowed by security group {group}: {text}", group,
                                          f"{group} {direction} {text}", rule.loc, (), None, None, data)))
            return
    allowed: list[tuple[int, int]] = []
    index = -1
    for lo, hi in asked:
        if lo == hi:
            hit = table.match(peer, state.proto, lo)
            if hit >= 0:
                allowed.append((lo, hi))
                index = hit if index < 0 else index
        else:
            runs = table.allowed_ports(peer, state.proto, lo, hi)
            allowed += runs
            if runs and index < 0:
                index = table.match(peer, state.proto, runs[0][0])
    detail_data = new_tuple(FilterDetail, (groups.egress_filter if egress else groups.ingress_filter, peer,
                                            state.proto, asked, tuple(allowed)))
    if index >= 0:
        group, rule = rules[index]
        text = sg_text(walk.net.rule_texts, rule)
        steps.append(new_tuple(Step, (kind, Action.ALLOW, f"allowed by security group {group}: {text}", group,
                                      f"{group} {direction} {text}", rule.loc, (), None, None, detail_data)))
        # (A single range let through whole, the usual case, is the asked range itself.)
        if (len(allowed) != 1 or len(asked) != 1 or allowed[0] != asked[0]) and \
                ranges_size(allowed) != ranges_size(asked):
            state.dports = tuple(allowed)
        return
    names = ", ".join(eni.security_groups) or "(none)"
    has_rules = any(
        (g := walk.net.design.security_groups.get(n)) is not None and (g.egress if egress else g.ingress)
        for n in eni.security_groups
    )
    detail = (
        f"no {direction} rule of security groups [{names}] on {eni.name} admits "
        f"{packet_text(state.proto, asked)} {'to' if egress else 'from'} {ip(peer)}"
    )
    code = Code.ENI_SG_RULES_MISMATCH if has_rules else Code.SG_HAS_NO_RULES
    walk.leg.ports_denied = True
    steps.append(Step(kind, Action.DENY, detail, names, location=eni.loc, data=detail_data))
    walk.block(code, eni.name, detail, eni.loc, Disposition.DENIED_OUT if egress else Disposition.DENIED_IN)


def _references_apply(walk: Walk, eni: Interface, state: State, egress: bool) -> bool:
    """Whether rules that name a security group can match this packet at `eni`.

    A reference admits the traffic a member interface sends or receives directly. Through a
    middlebox it matches nothing: "If you reference the security group of the other instance as
    the source, this does not allow traffic to flow between the instances"; the rules must name
    the private IP or the subnet CIDR instead
    (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html and
    https://docs.aws.amazon.com/vpc/latest/userguide/gwlb-route.html, "middlebox routing").
    """
    if not egress:
        sender = state.sender
        return sender is not None and state.src in sender.private_ips
    # Leaving `eni`: direct when the route takes it straight to its destination (the same
    # subnet, the local route, or a peering), not through a gateway or an appliance.
    net = walk.net
    home = net.design.subnets[eni.subnet]
    if home.cidr.contains(state.dst):
        return True
    entry = net.routes(home.route_table).lookup(state.dst)
    return entry is None or entry.route is None or entry.route.target_kind is TargetKind.PEERING


def send(walk: Walk, eni: Interface, state: State) -> None:
    """A packet leaves an interface: its security groups out, then its subnet's route table."""
    steps: list[Step] = []
    name, aws_id = label(walk, eni)
    check_running(walk, eni, steps, Disposition.DENIED_OUT)
    state.sender = eni
    service = vpc_router.service_at(walk.net, eni, state.dst, state.proto, state.dports)
    if service is not None:
        # Amazon DNS, DHCP, metadata and time sync: no security group or NACL sees this traffic.
        steps.append(Step(StepKind.CHECK, Action.ALLOW, f"security groups do not filter traffic to {service.name} "
                          f"({facts.SG_NOT_FILTERED_DOC})", ", ".join(eni.security_groups)))
        walk.hop("eni", name, aws_id, state, steps)
        vpc_router.to_service(walk, eni, service, state)
        return
    sg_check(walk, eni, state, "egress", steps)
    walk.hop("eni", name, aws_id, state, steps)
    subnet.route(walk, walk.net.design.subnets[eni.subnet], state)


def from_service(walk: Walk, eni: Interface, state: State) -> bool:
    """The reply of an Amazon-provided service to `eni` (the client): no filter sees it either."""
    service = vpc_router.service_at(walk.net, eni, state.src, state.proto, state.sports)
    if service is None:
        return False
    vpc = walk.net.design.vpcs[walk.net.design.subnets[eni.subnet].vpc]
    walk.hop("vpc_router", vpc.name, vpc.aws_id, state,
             [Step(StepKind.FORWARD, Action.FORWARD, f"the reply from {vpc_router.not_filtered(service)}", vpc.name)])
    finish(walk, eni, state, [])
    return True


def finish(walk: Walk, eni: Interface, state: State, steps: list[Step]) -> None:
    """The packet is at `eni`, past its filters: delivered, or dropped by the checks before."""
    name, aws_id = label(walk, eni)
    if walk.returning:
        expected = walk.target.eni  # on the return leg the target is the client
        if expected is None or eni.name != expected.name:
            detail = f"the reply is delivered to {eni.name}, not to the client {walk.target.label}"
            steps.append(Step(StepKind.DELIVER, Action.DROP, detail, eni.name))
            walk.hop("eni", name, aws_id, state, steps)
            walk.stop(Disposition.DENIED_IN, Code.RETURN_PATH_ASYMMETRIC, eni.name, detail, eni.loc)
            return
        if not reply_matches(walk, state, steps, eni.name):
            walk.hop("eni", name, aws_id, state, steps)
            return
    dropped = False
    for step in steps:
        if step.action is Action.DENY or step.action is Action.DROP:
            dropped = True
            break
    if dropped:
        # Keep walking to report every blocker, but never show a dropped packet as delivered.
        steps.append(Step(StepKind.DELIVER, Action.DROP,
                          f"reaches {eni.name} ({ip(state.dst)}), where the checks above drop it", eni.name))
    else:
        steps.append(new_tuple(Step, (StepKind.DELIVER, Action.ACCEPT, f"delivered to {eni.name} ({ip(state.dst)})",
                                      eni.name, None, None, (), None, None, None)))
    walk.hop("eni", name, aws_id, state, steps)
    walk.leg.disposition = Disposition.ACCEPTED
    walk.leg.end_eni = eni
    walk.leg.end_state = state


class Eni(Component[Interface]):
    kind = "eni"

    def owner(self, walk: Walk, in_subnet: Subnet, addr: int) -> Interface | None:
        return walk.net.eni_in_subnet(in_subnet.name, addr)

    def arrive(self, walk: Walk, eni: Interface, in_subnet: Subnet, state: State) -> None:
        steps: list[Step] = []
        # A stopped receiver drops what arrives: an inbound failure (docs/trace.md, DENIED_IN).
        check_running(walk, eni, steps, Disposition.DENIED_IN)
        sg_check(walk, eni, state, "ingress", steps)
        finish(walk, eni, state, steps)

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for eni in net.design.interfaces.values():
            key = (self.kind, eni.name)
            g.add_node(key, kind=self.kind, name=eni.name, aws_id=eni.aws_id,
                       location=str(eni.loc) if eni.loc else None, instance=eni.instance,
                       security_groups=list(eni.security_groups), source_dest_check=eni.source_dest_check,
                       **base.drawn(f"{eni.instance}\n({eni.name})" if eni.instance and eni.instance != eni.name
                                    else eni.name, vpc=net.design.subnets[eni.subnet].vpc, subnet=eni.subnet))
            g.add_edge(key, ("subnet", eni.subnet), relation="member")
            g.add_edge(("subnet", eni.subnet), key, relation="member")


COMPONENT = base.register(Eni(), owner_rank=30)
