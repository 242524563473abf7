"""Gateway VPC endpoints (S3, DynamoDB), and the AWS services they lead to as trace destinations.

Associating a route table with a gateway endpoint adds a route from the service's AWS-managed
prefix list to the endpoint (`vpce-...`). Traffic to the service's public ranges then leaves the
VPC through the endpoint, not the internet gateway or a NAT gateway, and the reply comes back
the same way; security groups and NACLs apply as to any flow. Gateway endpoints serve their own
region's service only, and a peered VPC cannot use them (no edge-to-edge routing):
https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html.

    vpc_endpoints:
      s3: {vpc: prod, service: com.amazonaws.eu-west-1.s3}
    prefix_lists:
      com.amazonaws.eu-west-1.s3: {entries: [52.218.0.0/17, 3.5.64.0/21]}
    route_tables:
      private-a: {vpc: prod, routes: [{destination_prefix_list: com.amazonaws.eu-west-1.s3, vpc_endpoint: s3}]}

`vpcsim trace app service:s3 443` resolves the service to an address of its prefix list (the
list a route to the service's endpoint uses, else the one named after the service). Endpoint
policies are IAM, not network: vpcsim does not evaluate them and says so on the endpoint's step.
Interface and Gateway Load Balancer endpoints are not simulated yet: a snapshot's become
`unsupported:` components, as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vpcsim.components import base, subnet
from vpcsim.components.base import Component, Endpoint, State, Walk, ip
from vpcsim.errors import Diagnostic, EndpointError, Location, Severity
from vpcsim.facts import GATEWAY_ENDPOINT_SERVICES
from vpcsim.importers import aws
from vpcsim.loader import extensions
from vpcsim.model import NOWHERE, Design, Subnet, TargetKind
from vpcsim.results import Action, Code, Disposition, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork, RouteEntry
    from vpcsim.loader.reader import Map

KEY = "vpc_endpoints"
ROUTE_KEY = "vpc_endpoint"
SERVICE_PREFIX = "service:"
POLICY_NOTE = "its endpoint policy (IAM) is not evaluated"


@dataclass(frozen=True, slots=True)
class VpcEndpointModel:
    name: str
    vpc: str
    service: str  # as written: com.amazonaws.<region>.s3, or s3
    aws_id: str | None = None
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)

    @property
    def service_short(self) -> str:
        """The service's own name: s3 for com.amazonaws.eu-west-1.s3."""
        return self.service.rsplit(".", 1)[-1]


# -- the design format --------------------------------------------------------------------------


def read(builder: extensions.SectionBuilder, name: str, body: Map) -> VpcEndpointModel | None:
    what = f"vpc endpoint {name}"
    builder.check_keys(body, what, ("vpc", "service", "type", "aws_id", "description"), ("vpc", "service"))
    vpc = builder.vpc_ref(body, what)
    service = builder.string(body.get("service"), f"{what}: service")
    kind = builder.string(body.get("type"), f"{what}: type") if body.get("type") is not None else "gateway"
    aws_id = builder.string(body.get("aws_id"), f"{what}: aws_id") if body.get("aws_id") is not None else None
    description = builder.string(body.get("description"), f"{what}: description") or ""
    if kind is not None and kind != "gateway":
        builder.error("vpce-type", f"{what}: type {kind!r} is not simulated yet (expected gateway; declare "
                      "interface and Gateway Load Balancer endpoints under unsupported:)", body.loc)
        return None
    if service is not None:
        short = service.rsplit(".", 1)[-1]
        full = service.startswith("com.amazonaws.") and service.count(".") == 3
        if short not in GATEWAY_ENDPOINT_SERVICES or not (full or service == short):
            builder.error("vpce-service",
                          f"{what}: service {service!r} has no gateway endpoint (expected one of: "
                          f"{', '.join(GATEWAY_ENDPOINT_SERVICES)}, or com.amazonaws.<region>.<service>)",
                          body.loc)
            return None
    if vpc is None or service is None:
        return None
    return VpcEndpointModel(name, vpc, service, aws_id, description, body.loc)


def endpoints(design: Design) -> dict[str, VpcEndpointModel]:
    return {name: obj for name, obj in design.extensions.get(KEY, {}).items() if isinstance(obj, VpcEndpointModel)}


def validate(design: Design) -> list[Diagnostic]:
    """A gateway endpoint's routes are the prefix-list routes AWS adds for its own service."""
    out = []
    known = endpoints(design)
    for ep in known.values():
        # A snapshot spanning regions has their common prefix as its region (importers.aws).
        if "." in ep.service and not ep.service.split(".")[2].startswith(design.region):
            out.append(Diagnostic(
                Severity.ERROR, "vpce-region",
                f"vpc endpoint {ep.name}: service {ep.service} is not in the design's region {design.region} "
                "(expected a gateway endpoint for its own region's service)", ep.loc))
    for table in design.route_tables.values():
        for route in table.routes:
            if route.target_kind is not TargetKind.COMPONENT or route.target_section != ROUTE_KEY:
                continue
            target = known.get(route.target or "")
            if target is not None and route.prefix_list is None:
                out.append(Diagnostic(
                    Severity.ERROR, "vpce-route-destination",
                    f"route table {table.name}: route to {route.describe_destination()} via vpc endpoint "
                    f"{target.name} (expected the prefix list of {target.service}: AWS adds a gateway endpoint's routes, one per "
                    "associated table, for its service's prefix list only)", route.loc))
    return out


def _vpcs(design: Design, name: str) -> tuple[str, ...] | None:
    ep = endpoints(design).get(name)
    return (ep.vpc,) if ep else None


extensions.register(extensions.Section(KEY, "vpc endpoint", read, ROUTE_KEY, validate))
extensions.register_target(extensions.Target(ROUTE_KEY, "vpc endpoint", _vpcs))


# -- services as destinations -------------------------------------------------------------------


def service_ranges(net: CompiledNetwork, service: str) -> tuple[str, list[tuple[int, int]]]:
    """The service's address ranges in this design: (the prefix list they come from, ranges).

    The prefix list a route to one of the service's endpoints uses, else the one named
    `com.amazonaws.<region>.<service>`. EndpointError names what is missing.
    """
    d = net.design
    short = service.rsplit(".", 1)[-1]
    by_endpoint = {ep.name for ep in endpoints(d).values() if ep.service_short == short}
    lists = [route.prefix_list for table in d.route_tables.values() for route in table.routes
             if route.target_section == ROUTE_KEY and route.target in by_endpoint and route.prefix_list]
    full = service if "." in service else f"com.amazonaws.{d.region}.{service}"
    lists.append(full)
    for name in lists:
        plist = d.prefix_lists.get(name or "")
        if plist is not None and plist.entries:
            return plist.name, [(c.first, c.last) for c in plist.entries]
    raise EndpointError(f"service {service!r}: the design has no address ranges for it (expected a prefix list "
                        f"{full!r}, or a route to a gateway endpoint of {short} through its prefix list)")


class VpcEndpoint(Component[None]):
    kind = "vpc_endpoint"
    route_key = ROUTE_KEY

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        ep = endpoints(walk.net.design)[entry.route.target if entry.route and entry.route.target else ""]
        vpc = walk.net.design.vpcs[from_subnet.vpc]
        walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
        if walk.returning:
            # A reply routed to the service that opened nothing: only the client's own leg may leave here.
            detail = f"the reply leaves through vpc endpoint {ep.name} instead of reaching {walk.target.label}"
            walk.hop(self.kind, ep.name, ep.aws_id, state, [])
            walk.stop(Disposition.EXITS_NETWORK, Code.RETURN_PATH_ASYMMETRIC, ep.name, detail, route_loc)
            return
        detail = f"leaves for {ep.service} ({ip(state.dst)}) through gateway endpoint {ep.name}; {POLICY_NOTE}"
        walk.hop(self.kind, ep.name, ep.aws_id, state,
                 [Step(StepKind.DELIVER, Action.EXIT, detail, ep.name, location=ep.loc)])
        walk.leg.disposition = Disposition.EXITS_NETWORK
        walk.leg.end_state = state
        walk.leg.reentry = lambda back, reply: _reply_in(back, ep, reply)

    def endpoint(self, net: CompiledNetwork, text: str, other: Endpoint | None) -> Endpoint | None:
        if not text.startswith(SERVICE_PREFIX):
            return None
        service = text[len(SERVICE_PREFIX):].strip()
        if other is None:
            raise EndpointError(f"{text!r}: an AWS service answers connections; it does not open them into a VPC "
                                "(trace from the VPC to the service)")
        _, spans = service_ranges(net, service)
        lo, hi = spans[0]
        return Endpoint(text, lo + 1 if hi > lo else lo)

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for ep in endpoints(net.design).values():
            key = (self.kind, ep.name)
            g.add_node(key, kind=self.kind, name=ep.name, aws_id=ep.aws_id, location=str(ep.loc),
                       service=ep.service)
            g.add_edge(("vpc_router", ep.vpc), key, relation="attachment")
            g.add_edge(key, ("vpc_router", ep.vpc), relation="attachment")


def _reply_in(walk: Walk, ep: VpcEndpointModel, state: State) -> None:
    """The service's reply, back into the VPC through the endpoint the request left by."""
    net = walk.net
    walk.hop("vpc_endpoint", ep.name, ep.aws_id, state,
             [Step(StepKind.FORWARD, Action.FORWARD, f"the reply from {ep.service} comes back through gateway "
                   f"endpoint {ep.name}", ep.name, location=ep.loc)])
    vpc = net.design.vpcs[ep.vpc]
    walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
    target = net.subnet_in_vpc(ep.vpc, state.dst)
    if target is None:
        walk.stop(Disposition.NULL_ROUTED, Code.NO_ROUTE_TO_DESTINATION, vpc.name,
                  f"{ip(state.dst)} is in no subnet of vpc {vpc.name}", vpc.loc)
        return
    subnet.deliver(walk, target, state, crossing=True)


COMPONENT = base.register(VpcEndpoint())


# -- AWS import: describe-vpc-endpoints ---------------------------------------------------------

_NOT_SIMULATED = aws.UnsupportedKind("vpc_endpoint", "VPC endpoint", "VpcEndpointId")


def _pick(imp: aws.Importer) -> dict[str, aws.Picked]:
    names = aws.Names()
    kept: dict[str, aws.Picked] = {}
    for vpce_id, j in imp.raw["VpcEndpoints"].items():
        kind = (j.text("VpcEndpointType") or "").lower()
        state = (j.text("State") or "available").lower()
        if kind != "gateway":
            imp.add_unsupported(vpce_id, _NOT_SIMULATED, j, note=f"{kind or 'unknown'} endpoint for "
                                f"{j.text('ServiceName') or 'an unnamed service'}")
            continue
        vpc_id = j.need("VpcId", f"VPC endpoint {vpce_id}")
        service = j.need("ServiceName", f"VPC endpoint {vpce_id}")
        if state in aws.GONE_STATES:
            imp.gone[vpce_id] = f"a VPC endpoint in state {state}"
            imp.warn("aws-gone", f"VPC endpoint {vpce_id} is {state} (skipped, as AWS no longer uses it)", j.loc)
            continue
        if vpc_id is None or service is None:
            continue
        if vpc_id not in imp.vpcs:
            imp.gone[vpce_id] = f"in vpc {vpc_id}, which is not in the snapshot"
            imp.warn("aws-orphan", f"VPC endpoint {vpce_id}: its vpc {vpc_id} is not in the snapshot (skipped)", j.loc)
            continue
        if service.rsplit(".", 1)[-1] not in GATEWAY_ENDPOINT_SERVICES:
            imp.add_unsupported(vpce_id, _NOT_SIMULATED, j, note=f"gateway endpoint for {service}")
            continue
        if state != "available":
            imp.warn("aws-state", f"VPC endpoint {vpce_id} is {state}; simulated as available", j.loc)
        kept[vpce_id] = aws.Picked(j, names.take(j.name_tag(), vpce_id), vpc_id)
    return kept


def _body(imp: aws.Importer, ep: aws.Picked) -> dict[str, object]:
    j = ep.j
    body: dict[str, object] = {"aws_id": j.text("VpcEndpointId"), "vpc": imp.vpcs[ep.vpc_id or ""].name,
                               "service": j.text("ServiceName")}
    imp.at(body, j.loc)
    return body


aws.register(aws.AwsMapping("VpcEndpoints", KEY, ROUTE_KEY, "GatewayId", "vpce-", "VPC endpoint", "VpcEndpointId",
                            _pick, _body, rank=40, kind="vpc_endpoint"))
