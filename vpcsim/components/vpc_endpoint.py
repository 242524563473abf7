"""VPC endpoints (gateway, interface), and the AWS services they lead to as trace destinations.

Gateway (S3, DynamoDB): associating a route table with one adds a route from the service's
AWS-managed prefix list to the endpoint (`vpce-...`); a design lists those tables under
`route_tables:`. Traffic to the service's public ranges then leaves the VPC through the endpoint,
not the internet gateway or a NAT gateway, and the reply comes back the same way; security groups
and NACLs apply as to any flow. Gateway endpoints serve their own region's service only, and a
peered VPC cannot use them (no edge-to-edge routing):
https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html.

    vpc_endpoints:
      s3: {vpc: prod, service: com.amazonaws.eu-west-1.s3, route_tables: [private-a]}
    prefix_lists:
      com.amazonaws.eu-west-1.s3: {entries: [52.218.0.0/17, 3.5.64.0/21]}

Interface: one network interface per chosen subnet, with security groups; with private DNS the
service's name resolves to them inside the VPC.

`vpcsim trace app service:s3 443` resolves the service to an address of its prefix list (the
list a route to the service's endpoint uses, else the one named after the service). Endpoint
policies are IAM, not network: vpcsim does not evaluate them and says so on the endpoint's step.
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING

import vpcsim.ip_ranges as ip_ranges
from vpcsim.arguments import quote
from vpcsim.components import base, subnet
from vpcsim.components.base import Component, Endpoint, State, Walk, ip
from vpcsim.errors import Diagnostic, EndpointError, Location, Severity
from vpcsim.facts import GATEWAY_ENDPOINT_SERVICES, GENEVE_PORT, GONE_STATES
from vpcsim.importers import mapping
from vpcsim.loader import extensions
from vpcsim.loader.reader import Map, Scalar, Seq
from vpcsim.model import NOWHERE, Design, Instance, Interface, Route, Subnet, TargetKind, ip_to_int
from vpcsim.records import record
from vpcsim.results import Action, Code, Disposition, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork, RouteEntry
    from vpcsim.importers.aws import Importer

KEY = "vpc_endpoints"
ROUTE_KEY = "vpc_endpoint"
GWLB = "gateway_load_balancer"  # the type of a Gateway Load Balancer endpoint
UNASSIGNED = -1  # an interface endpoint's address not given: the build assigns the subnet's first free one
SERVICE_PREFIX = "service:"
POLICY_NOTE = "its endpoint policy (IAM) is not evaluated"


@record
class VpcEndpointModel:
    name: str
    vpc: str
    service: str  # as written: com.amazonaws.<region>.s3, or s3
    aws_id: str | None = None
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)
    kind: str = "gateway"  # or "interface"
    # An interface endpoint's network interfaces: (subnet, private IP, ENI id), one per subnet.
    interfaces: tuple[tuple[str, int, str | None], ...] = ()
    security_groups: tuple[str, ...] = ()
    private_dns: bool = True
    # A gateway endpoint's associated route tables (AWS adds its prefix-list route to each).
    route_tables: tuple[str, ...] = ()
    route_table_locs: tuple[Location, ...] = field(default=(), compare=False)
    # A Gateway Load Balancer endpoint: its one subnet (and address), and the instances behind the
    # load balancer (none: they are outside the design, e.g. a provider's account).
    subnet: str | None = None
    private_ip: int | None = None
    appliances: tuple[str, ...] = ()

    @property
    def service_short(self) -> str:
        """The service's own name: s3 for com.amazonaws.eu-west-1.s3."""
        return self.service.rsplit(".", 1)[-1]


# -- the design format --------------------------------------------------------------------------


def read(builder: extensions.SectionBuilder, name: str, body: Map) -> VpcEndpointModel | None:
    what = f"vpc endpoint {name}"
    builder.check_keys(body, what, ("vpc", "service", "type", "aws_id", "description", "interfaces",
                                    "security_groups", "private_dns", "route_tables", "subnet", "private_ip",
                                    "appliances"), ("vpc", "service"))
    vpc = builder.vpc_ref(body, what)
    service_node = body.get("service")
    if isinstance(service_node, Scalar) and not isinstance(service_node.value, str):
        builder.error("type", f"{what}: service: expected a service name (s3, sqs, com.amazonaws.<region>.<service>), "
                      f"got {service_node.value!r}", service_node.loc)
        service_node = None
    service = builder.string(service_node, f"{what}: service")
    kind = builder.string(body.get("type"), f"{what}: type") if body.get("type") is not None else "gateway"
    aws_id = builder.string(body.get("aws_id"), f"{what}: aws_id") if body.get("aws_id") is not None else None
    description = builder.string(body.get("description"), f"{what}: description") or ""
    if kind == GWLB:
        return _read_gwlb(builder, name, body, vpc, service, aws_id, description)
    for key in ("subnet", "private_ip", "appliances"):
        if body.get(key) is not None:
            builder.error("vpce-key", f"{what}: {key} is for Gateway Load Balancer endpoints (expected type: "
                          f"{GWLB})", body.loc)
    if kind == "interface":
        if body.get("route_tables") is not None:
            builder.error("vpce-key", f"{what}: route_tables is for gateway endpoints (an interface endpoint is "
                          "reached at its network interfaces, not through routes)", body.loc)
        return _read_interface(builder, name, body, vpc, service, aws_id, description)
    if kind is not None and kind != "gateway":
        builder.error("vpce-type", f"{what}: type {kind!r} is not a VPC endpoint type (expected gateway, interface "
                      f"or {GWLB})", body.loc)
        return None
    for key in ("interfaces", "security_groups", "private_dns"):
        if body.get(key) is not None:
            builder.error("vpce-key", f"{what}: {key} is for interface endpoints (expected type: interface)",
                          body.loc)
    if service is not None:
        short = service.rsplit(".", 1)[-1]
        full = service.startswith("com.amazonaws.") and service.count(".") == 3
        if short not in GATEWAY_ENDPOINT_SERVICES or not (full or service == short):
            builder.error("vpce-service",
                          f"{what}: service {service!r} has no gateway endpoint (expected one of: "
                          f"{', '.join(GATEWAY_ENDPOINT_SERVICES)}, or com.amazonaws.<region>.<service>)",
                          body.loc)
            return None
    tables: list[tuple[str, Location]] = []
    tables_node = body.get("route_tables")
    if isinstance(tables_node, Seq):
        for item in tables_node.items:
            table = builder.ref(item, f"{what}: route_tables", "route_tables", "route table")
            if table is not None:
                tables.append((table, item.loc))
    elif tables_node is not None:
        builder.error("invalid-type", f"{what}: route_tables: expected a list of route table names",
                      tables_node.loc)
    if vpc is None or service is None:
        return None
    return VpcEndpointModel(name, vpc, service, aws_id, description, body.loc,
                            route_tables=tuple(t for t, _ in tables), route_table_locs=tuple(loc for _, loc in tables))


def _read_gwlb(builder: extensions.SectionBuilder, name: str, body: Map, vpc: str | None, service: str | None,
               aws_id: str | None, description: str) -> VpcEndpointModel | None:
    """A Gateway Load Balancer endpoint: one subnet (one availability zone), and the appliances
    its load balancer sends traffic to
    (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html)."""
    what = f"vpc endpoint {name}"
    for key in ("interfaces", "security_groups", "private_dns", "route_tables"):
        if body.get(key) is not None:
            builder.error("vpce-key", f"{what}: {key} is not for a Gateway Load Balancer endpoint (expected subnet, "
                          "private_ip, appliances; routes name it as their target)", body.loc)
    if body.get("subnet") is None:
        builder.error("missing-key", f"{what}: a Gateway Load Balancer endpoint needs subnet: NAME (its one subnet)",
                      body.loc)
    subnet_name = builder.ref(body.get("subnet"), f"{what}: subnet", "subnets", "subnet")
    addr = None
    ip_node = body.get("private_ip")
    text = builder.string(ip_node, f"{what}: private_ip") if ip_node is not None else None
    if text is not None and ip_node is not None:
        try:
            addr = ip_to_int(text)
        except ValueError as exc:
            builder.error("invalid-ip", f"{what}: private_ip: {exc}", ip_node.loc)
            return None
    appliances: list[str] = []
    node = body.get("appliances")
    if isinstance(node, Seq):
        for item in node.items:
            instance = builder.ref(item, f"{what}: appliances", "instances", "instance")
            if instance is not None:
                appliances.append(instance)
    elif node is not None:
        builder.error("invalid-type", f"{what}: appliances: expected a list of instance names", node.loc)
    if vpc is None or service is None or subnet_name is None:
        return None
    return VpcEndpointModel(name, vpc, service, aws_id, description, body.loc, GWLB, subnet=subnet_name,
                            private_ip=addr, appliances=tuple(appliances))


def prefix_list_name(service: str, region: str) -> str:
    """The AWS-managed prefix list of a gateway endpoint's service: com.amazonaws.<region>.<service>."""
    return service if "." in service else f"com.amazonaws.{region}.{service}"


def _implied_routes(obj: object, region: str) -> list[tuple[str, Route]]:
    """Associating a route table with a gateway endpoint adds a route from the service's prefix
    list to the endpoint (https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-endpoints.html)."""
    if not isinstance(obj, VpcEndpointModel) or obj.kind != "gateway":
        return []
    plist = prefix_list_name(obj.service, region)
    return [(table, Route(None, plist, TargetKind.COMPONENT, obj.name, False, loc, ROUTE_KEY))
            for table, loc in zip(obj.route_tables, obj.route_table_locs, strict=True)]


def _read_interface(builder: extensions.SectionBuilder, name: str, body: Map, vpc: str | None, service: str | None,
                    aws_id: str | None, description: str) -> VpcEndpointModel | None:
    """An interface endpoint: one network interface per chosen subnet, with security groups."""
    what = f"vpc endpoint {name}"
    node = body.get("interfaces")
    if not isinstance(node, Seq) or not node.items:
        builder.error("vpce-interfaces", f"{what}: an interface endpoint needs interfaces: [{{subnet: NAME, "
                      "private_ip: a.b.c.d}, ...] (one per subnet it serves)", (node or body).loc)
        return None
    interfaces: list[tuple[str, int, str | None]] = []
    for index, item in enumerate(node.items):
        where = f"{what}: interfaces[{index}]"
        if not isinstance(item, Map):
            builder.error("vpce-interfaces", f"{where}: expected {{subnet: NAME, private_ip: a.b.c.d}}", item.loc)
            continue
        builder.check_keys(item, where, ("subnet", "private_ip", "aws_id"), ("subnet",))
        subnet_name = builder.ref(item.get("subnet"), f"{where}: subnet", "subnets", "subnet")
        given = item.get("private_ip") is not None
        text = builder.string(item.get("private_ip"), f"{where}: private_ip") if given else None
        eni_id = builder.string(item.get("aws_id"), f"{where}: aws_id") if item.get("aws_id") is not None else None
        try:
            # None given: AWS picks it; the subnet's first free address stands for it (loader.build).
            addr = ip_to_int(text) if text is not None else (None if given else UNASSIGNED)
        except ValueError as exc:
            builder.error("invalid-ip", f"{where}: private_ip: {exc}", (item.get("private_ip") or item).loc)
            continue
        if subnet_name is not None and addr is not None:
            interfaces.append((subnet_name, addr, eni_id))
    groups: list[str] = []
    groups_node = body.get("security_groups")
    if isinstance(groups_node, Seq):
        if not groups_node.items:  # AWS: a network interface has 1 to 16 groups
            builder.error("type", f"{what}: security_groups: expected at least one group (omit the key for the "
                          "VPC's default group), got an empty list", groups_node.loc)
        for item in groups_node.items:
            group = builder.group_ref(item, f"{what}: security_groups", vpc)
            if group is not None:
                groups.append(group)
    elif groups_node is not None:
        builder.error("invalid-type", f"{what}: security_groups: expected a list of group names", groups_node.loc)
    private_dns = True
    dns_node = body.get("private_dns")
    if isinstance(dns_node, Scalar):
        if dns_node.value not in (True, False):
            builder.error("invalid-type", f"{what}: private_dns: expected true or false", dns_node.loc)
        private_dns = dns_node.value is not False
    if vpc is None or service is None or len(interfaces) != len(node.items):
        return None
    return VpcEndpointModel(name, vpc, service, aws_id, description, body.loc, "interface", tuple(interfaces),
                            tuple(groups) or (f"{vpc}/default",), private_dns)


def endpoints(design: Design) -> dict[str, VpcEndpointModel]:
    return {name: obj for name, obj in design.extensions.get(KEY, {}).items() if isinstance(obj, VpcEndpointModel)}


def validate(design: Design) -> list[Diagnostic]:
    """A gateway endpoint's routes are the prefix-list routes AWS adds for its own service."""
    out = []
    known = endpoints(design)
    for ep in known.values():
        out.extend(_interface_rules(design, ep))
        out.extend(_gwlb_rules(design, ep))
        # A snapshot spanning regions has their common prefix as its region (importers.aws). (A
        # Gateway Load Balancer endpoint's service is an endpoint service: com.amazonaws.vpce.<region>.vpce-svc-...)
        if ep.kind != GWLB and "." in ep.service and not ep.service.split(".")[2].startswith(design.region):
            out.append(Diagnostic(
                Severity.ERROR, "vpce-region",
                f"vpc endpoint {ep.name}: service {ep.service} is not in the design's region {design.region} "
                "(expected a gateway endpoint for its own region's service)", ep.loc))
    for table in design.route_tables.values():
        for route in table.routes:
            if route.target_kind is not TargetKind.COMPONENT or route.target_section != ROUTE_KEY:
                continue
            target = known.get(route.target or "")
            if target is not None and target.kind == "interface":
                out.append(Diagnostic(
                    Severity.ERROR, "vpce-route-interface",
                    f"route table {table.name}: route to {route.describe_destination()} via interface endpoint "
                    f"{target.name} (expected a gateway endpoint: clients reach an interface endpoint at its "
                    "addresses, not through routes)", route.loc))
            elif target is not None and target.kind == "gateway" and route.prefix_list is None:
                out.append(Diagnostic(
                    Severity.ERROR, "vpce-route-destination",
                    f"route table {table.name}: route to {route.describe_destination()} via vpc endpoint "
                    f"{target.name} (expected the prefix list of {target.service}: AWS adds a gateway endpoint's routes, one per "
                    "associated table, for its service's prefix list only)", route.loc))
    return out


def _interface_rules(design: Design, ep: VpcEndpointModel) -> list[Diagnostic]:
    """An interface endpoint has one network interface per subnet, at most one subnet per
    availability zone, all in its VPC
    (https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html). Its
    interfaces' addresses are checked as every interface's are (loader.validate)."""
    out = []
    zones: dict[str, str] = {}
    for subnet_name, _, _ in ep.interfaces:
        sub = design.subnets.get(subnet_name)
        if sub is None:
            continue
        if sub.vpc != ep.vpc:
            out.append(Diagnostic(Severity.ERROR, "vpce-subnet-vpc", f"vpc endpoint {ep.name}: subnet {sub.name} is in "
                                  f"vpc {sub.vpc}, not {ep.vpc} (expected subnets of the endpoint's VPC)", ep.loc))
        earlier = zones.setdefault(sub.az, sub.name)
        if earlier != sub.name:
            out.append(Diagnostic(Severity.ERROR, "vpce-subnet-az", f"vpc endpoint {ep.name}: subnets {earlier} and "
                                  f"{sub.name} are both in {sub.az} (expected at most one subnet per availability "
                                  "zone)", ep.loc))
    for group in ep.security_groups:
        sg = design.security_groups.get(group)
        if sg is not None and sg.vpc != ep.vpc:
            out.append(Diagnostic(Severity.ERROR, "vpce-group-vpc", f"vpc endpoint {ep.name}: security group {group} is "
                                  f"in vpc {sg.vpc}, not {ep.vpc}", ep.loc))
    return out


def _gwlb_rules(design: Design, ep: VpcEndpointModel) -> list[Diagnostic]:
    """A Gateway Load Balancer endpoint's subnet is in its VPC, and its address in that subnet."""
    sub = design.subnets.get(ep.subnet or "")
    if ep.kind != GWLB or sub is None:
        return []
    if sub.vpc != ep.vpc:
        return [Diagnostic(Severity.ERROR, "vpce-subnet-vpc", f"vpc endpoint {ep.name}: subnet {sub.name} is in vpc "
                           f"{sub.vpc}, not {ep.vpc} (expected a subnet of the endpoint's VPC)", ep.loc)]
    if ep.private_ip is not None and not sub.cidr.contains(ep.private_ip):
        return [Diagnostic(Severity.ERROR, "vpce-address", f"vpc endpoint {ep.name}: private_ip {ip(ep.private_ip)} is "
                           f"outside its subnet {sub.name} ({sub.cidr})", ep.loc)]
    return []


def _vpcs(design: Design, name: str) -> tuple[str, ...] | None:
    ep = endpoints(design).get(name)
    return (ep.vpc,) if ep else None


def interface_name(ep: VpcEndpointModel, subnet_name: str) -> str:
    """The design name of an interface endpoint's network interface in one subnet."""
    return f"{ep.name}.{subnet_name}"


def _own_interfaces(obj: object) -> list[Interface]:
    """An interface endpoint's network interfaces, as the design's own (loader.extensions)."""
    if not isinstance(obj, VpcEndpointModel):
        return []
    return [Interface(interface_name(obj, subnet_name), None, subnet_name, (addr,) if addr != UNASSIGNED else (), None,
                      obj.security_groups, aws_id=eni_id, loc=obj.loc, service=obj.service)
            for subnet_name, addr, eni_id in obj.interfaces]


extensions.register(extensions.Section(KEY, "vpc endpoint", read, ROUTE_KEY, validate, _own_interfaces,
                                       _implied_routes))
def _is_gwlb(design: Design, name: str) -> bool:
    """A Gateway Load Balancer endpoint may take middlebox routes, replace the local route's target
    and be a gateway route table's target
    (https://docs.aws.amazon.com/vpc/latest/userguide/route-table-options.html#route-tables-middlebox)."""
    ep = endpoints(design).get(name)
    return ep is not None and ep.kind == GWLB


extensions.register_target(extensions.Target(ROUTE_KEY, "vpc endpoint", _vpcs, _is_gwlb, replaces_local=_is_gwlb))


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
    aws = ip_ranges.current()
    published = aws.service(short, full.split(".")[2]) if full.count(".") == 3 else ()
    if published:
        return f"{full} ({aws.describe()})", [(c.first, c.last) for c in published]
    raise EndpointError(f"service {quote(service)}: the design has no address ranges for it (expected a prefix "
                        f"list {quote(full)}, or a route to a gateway endpoint of the service "
                        f"through its prefix list; {aws.describe()} has none either, --aws-ip-ranges FILE "
                        "reads a current copy; docs/format.md, VPC endpoints)")


def service_targets(net: CompiledNetwork, service: str) -> tuple[list[Interface], list[tuple[int, int]]]:
    """What `to: {service: NAME}` stands for: the network interfaces of the service's interface
    endpoints with private DNS (the name resolves to them inside their VPC), and the service's
    public ranges (service_ranges), when the design or AWS's ip-ranges.json has them.
    EndpointError when it has neither."""
    short = service.removeprefix(SERVICE_PREFIX).strip().rsplit(".", 1)[-1]
    enis = [eni for ep in endpoints(net.design).values() if ep.kind == "interface" and ep.private_dns
            and ep.service_short == short for eni in _own_interfaces(ep) if eni.name in net.design.interfaces]
    try:
        spans = service_ranges(net, service.removeprefix(SERVICE_PREFIX).strip())[1]
    except EndpointError:
        if not enis:
            raise
        spans = []
    return [net.design.interfaces[e.name] for e in enis], spans


class GatewayServices(dict[str, tuple[str, list[tuple[int, int]]]]):
    """Gateway-endpoint service (s3, dynamodb) -> (its prefix list, its ranges), for each the design
    has ranges for (service_ranges)."""


def gateway_services(net: CompiledNetwork) -> GatewayServices:
    def make() -> GatewayServices:
        out = GatewayServices()
        names = {ep.service_short for ep in endpoints(net.design).values()}
        names |= {n.rsplit(".", 1)[-1] for n in net.design.prefix_lists if n.startswith("com.amazonaws.")}
        for service in sorted(names & set(GATEWAY_ENDPOINT_SERVICES)):
            try:
                out[service] = service_ranges(net, service)
            except EndpointError:
                continue  # its addresses are not in the design
        return out

    return net.derived(GatewayServices, "gateway endpoint services", make)


def _interface_for(net: CompiledNetwork, ep: VpcEndpointModel, source: Endpoint) -> Interface:
    """The interface a client reaches an interface endpoint by: the one in its own availability
    zone (its zonal DNS name), else the first (the regional name answers with all of them)."""
    d = net.design
    zone = d.subnets[source.eni.subnet].az if source.eni is not None and source.eni.subnet in d.subnets else None
    mine = [s for s, _, _ in ep.interfaces if d.subnets[s].az == zone]
    return d.interfaces[interface_name(ep, mine[0] if mine else ep.interfaces[0][0])]


class VpcEndpoint(Component[None]):
    kind = "vpc_endpoint"
    route_key = ROUTE_KEY

    def next_subnet(self, net: CompiledNetwork, entry: RouteEntry) -> str | None:
        ep = endpoints(net.design).get(entry.route.target or "") if entry.route is not None else None
        return ep.subnet if ep is not None else None

    def via_route(self, walk: Walk, entry: RouteEntry, from_subnet: Subnet, state: State,
                  route_loc: Location) -> None:
        ep = endpoints(walk.net.design)[entry.route.target if entry.route and entry.route.target else ""]
        if ep.kind == GWLB:
            _through_gwlb(walk, ep, from_subnet, state)
            return
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

    def annotate(self, walk: Walk, sent: State) -> None:
        """A gateway endpoint's service reached through a NAT gateway: say what it costs."""
        services = gateway_services(walk.net)
        if not services:
            return  # the design has no S3/DynamoDB ranges: nothing to say
        nat = next((hop for hop in walk.leg.hops if hop.kind == "nat_gateway"), None)
        if nat is None:
            return
        for service, (plist, spans) in services.items():
            if any(lo <= sent.dst <= hi for lo, hi in spans):
                detail = (f"{ip(sent.dst)} is {service} (prefix list {plist}): the traffic leaves through NAT gateway "
                          f"{nat.name}, which bills every byte it processes; a route from {plist} to a gateway "
                          "endpoint would carry it privately, at no charge")
                walk.warn(Code.SERVICE_THROUGH_NAT_GATEWAY, nat.name, detail, None)
                return

    def endpoint(self, net: CompiledNetwork, text: str, other: Endpoint | None) -> Endpoint | None:
        known = endpoints(net.design)
        named = known.get(text)
        full_name = text.startswith("com.amazonaws.") and text.count(".") == 3  # com.amazonaws.<region>.<service>
        if not (text.startswith(SERVICE_PREFIX) or full_name) and (named is None or named.kind != "interface"):
            return None
        if other is None:
            raise EndpointError(f"{text!r}: an AWS service answers connections; it does not open them into a VPC "
                                "(trace from the VPC to the service)")
        if named is not None:
            return Endpoint(text, (eni := _interface_for(net, named, other)).primary_ip, eni)
        service = text.removeprefix(SERVICE_PREFIX).strip()
        short = service.rsplit(".", 1)[-1]
        vpc = net.interface_vpc(other.eni) if other.eni is not None else None
        private = [ep for ep in known.values() if ep.kind == "interface" and ep.private_dns and ep.vpc == vpc
                   and ep.service_short == short]
        if private:
            # Private DNS: inside the VPC, the service's name resolves to the endpoint's interfaces
            # (https://docs.aws.amazon.com/vpc/latest/privatelink/privatelink-access-aws-services.html).
            return Endpoint(text, (eni := _interface_for(net, private[0], other)).primary_ip, eni)
        _, spans = service_ranges(net, service)
        lo, hi = spans[0]
        return Endpoint(text, lo + 1 if hi > lo else lo)

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        for ep in endpoints(net.design).values():
            key = (self.kind, ep.name)
            g.add_node(key, kind=self.kind, name=ep.name, aws_id=ep.aws_id, location=str(ep.loc),
                       service=ep.service, **base.drawn(f"{_KIND_LABELS.get(ep.kind, ep.kind)} {ep.name}\n{ep.service}", "cds",
                                                        vpc=ep.vpc, subnet=ep.subnet if ep.kind == GWLB else None))
            if ep.kind == "interface":
                for subnet_name, _, _ in ep.interfaces:  # its network interfaces (the eni component's nodes)
                    g.add_edge(key, ("eni", interface_name(ep, subnet_name)), relation="interface")
                continue
            if ep.kind == GWLB:
                # It lives in its subnet, whose route table takes what comes back; its appliances
                # inspect the traffic.
                g.add_edge(key, ("subnet", ep.subnet), relation="member")
                g.add_edge(("subnet", ep.subnet), key, relation="member")
                for name in ep.appliances:
                    instance = net.design.instances.get(name)
                    if instance is not None and instance.interfaces:
                        g.add_edge(key, ("eni", instance.interfaces[0]), relation="appliance")
                continue
            g.add_edge(("vpc_router", ep.vpc), key, relation="attachment")
            g.add_edge(key, ("vpc_router", ep.vpc), relation="attachment")


_KIND_LABELS = {"gateway": "gateway endpoint", "interface": "interface endpoint", GWLB: "Gateway Load Balancer endpoint"}


def _through_gwlb(walk: Walk, ep: VpcEndpointModel, from_subnet: Subnet | None, state: State) -> None:
    """A packet routed to a Gateway Load Balancer endpoint: into the endpoint's subnet, to the load
    balancer and one of its appliances (GENEVE, UDP 6081), back to the endpoint, then on by the
    endpoint subnet's route table. Flow stickiness sends both directions of a flow to the same
    appliance (https://docs.aws.amazon.com/elasticloadbalancing/latest/gateway/introduction.html;
    https://docs.aws.amazon.com/vpc/latest/privatelink/gateway-load-balancer-endpoints.html)."""
    net = walk.net
    d = net.design
    home = d.subnets[ep.subnet or ""]
    if from_subnet is None or from_subnet.name != home.name:
        vpc = d.vpcs[home.vpc]
        walk.hop("vpc_router", vpc.name, vpc.aws_id, state, [])
        steps: list[Step] = []
        subnet.nacl_check(walk, home, state, "inbound", steps)
        walk.hop("subnet", home.name, home.aws_id, state, steps)
    walk.hop("vpc_endpoint", ep.name, ep.aws_id, state, [Step(
        StepKind.FORWARD, Action.FORWARD, f"Gateway Load Balancer endpoint {ep.name} hands the packet to the load "
        f"balancer of {ep.service} (GENEVE, UDP 6081)", ep.name, location=ep.loc)])
    if not ep.appliances:
        walk.warn(Code.UNSUPPORTED_COMPONENT, ep.name, f"the appliances behind {ep.service} are not in the design: "
                  f"the packet is taken to come back to {ep.name} unchanged", ep.loc)
    else:
        running = [d.instances[n] for n in ep.appliances if n in d.instances and d.instances[n].running]
        if not running:
            detail = (f"no appliance behind Gateway Load Balancer endpoint {ep.name} is running "
                      f"({', '.join(ep.appliances)}): the load balancer has no target for the packet")
            walk.stop(Disposition.NULL_ROUTED, Code.INSTANCE_NOT_RUNNING, ep.name, detail, ep.loc)
            return
        chosen = running[0]  # the same for both directions: flow stickiness
        steps = _geneve_check(walk, chosen)
        steps.append(Step(
            StepKind.FORWARD, Action.FORWARD, f"appliance {chosen.name} inspects the packet and returns it to the "
            "load balancer (both directions of a flow go to the same appliance)", chosen.name, location=chosen.loc))
        walk.hop("gateway_load_balancer", chosen.name, chosen.aws_id, state, steps)
    walk.hop("vpc_endpoint", ep.name, ep.aws_id, state, [Step(
        StepKind.FORWARD, Action.FORWARD, f"back from the load balancer, {ep.name} sends the packet on by subnet "
        f"{home.name}'s route table", ep.name, location=ep.loc)])
    state.sender = None  # what arrives next comes from the endpoint, not from the client's interface
    subnet.route(walk, home, state)


def _geneve_check(walk: Walk, appliance: Instance) -> list[Step]:
    """The load balancer sends the packet to the appliance in GENEVE (UDP 6081) from its nodes in
    the appliance's VPC: the appliance's security groups must admit that from somewhere in the VPC
    (each subnet's first usable address stands for it, as for lint VPC016). A group that does not
    drops what the load balancer sends it."""
    net = walk.net
    d = net.design
    eni = d.interfaces.get(appliance.interfaces[0]) if appliance.interfaces else None
    vpc = d.subnets[eni.subnet].vpc if eni is not None and eni.subnet in d.subnets else None
    if eni is None or vpc is None:
        return []
    table = net.groups(eni.security_groups, references=False).ingress
    peers = [s.cidr.first + 4 for s in d.subnets.values() if s.vpc == vpc]
    if any(table.match(addr, 17, GENEVE_PORT) >= 0 for addr in peers):
        return [Step(StepKind.CHECK, Action.ALLOW, f"appliance {appliance.name}'s security groups admit GENEVE "
                     f"(udp {GENEVE_PORT}) from vpc {vpc}, where the load balancer's nodes are", appliance.name)]
    detail = (f"appliance {appliance.name}'s security groups [{', '.join(eni.security_groups)}] admit no GENEVE "
              f"(udp {GENEVE_PORT}) from vpc {vpc}: what the Gateway Load Balancer sends it is dropped")
    walk.block(Code.ENI_SG_RULES_MISMATCH, appliance.name, detail, appliance.loc, Disposition.DENIED_IN)
    return [Step(StepKind.CHECK, Action.DROP, detail, appliance.name, location=appliance.loc)]


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

_NOT_SIMULATED = mapping.UnsupportedKind("vpc_endpoint", "VPC endpoint", "VpcEndpointId")


def _pick(imp: Importer) -> dict[str, mapping.Picked]:
    names = mapping.Names()
    kept: dict[str, mapping.Picked] = {}
    for vpce_id, j in imp.raw["VpcEndpoints"].items():
        kind = (j.text("VpcEndpointType") or "").lower()
        state = (j.text("State") or "available").lower()
        if kind == "gatewayloadbalancer" and len(j.strs("SubnetIds")) != 1:
            imp.add_unsupported(vpce_id, _NOT_SIMULATED, j, note="Gateway Load Balancer endpoint without exactly one "
                                "subnet (SubnetIds)")
            continue
        if kind == "interface" and not all(e in imp.raw["NetworkInterfaces"] for e in j.strs("NetworkInterfaceIds")):
            imp.add_unsupported(vpce_id, _NOT_SIMULATED, j, note="interface endpoint whose network interfaces are "
                                "not in the snapshot (describe-network-interfaces)")
            continue
        if kind not in ("gateway", "interface", "gatewayloadbalancer"):
            imp.add_unsupported(vpce_id, _NOT_SIMULATED, j, note=f"{kind or 'unknown'} endpoint for "
                                f"{j.text('ServiceName') or 'an unnamed service'}")
            continue
        for eni_id in j.strs("NetworkInterfaceIds"):
            imp.claimed_interfaces[eni_id] = ("GatewayId", vpce_id)  # the endpoint entry stands for them
        vpc_id = j.need("VpcId", f"VPC endpoint {vpce_id}")
        service = j.need("ServiceName", f"VPC endpoint {vpce_id}")
        if state in GONE_STATES:
            imp.skip(vpce_id, f"a VPC endpoint in state {state}", "aws-gone",
                     f"VPC endpoint {vpce_id} is {state} (skipped, as AWS no longer uses it)", j.loc)
            continue
        if vpc_id is None or service is None:
            continue
        if vpc_id not in imp.vpcs:
            imp.skip(vpce_id, f"in vpc {vpc_id}, which is not in the snapshot", "aws-orphan",
                     f"VPC endpoint {vpce_id}: its vpc {vpc_id} is not in the snapshot (skipped)", j.loc)
            continue
        if kind == "gatewayloadbalancer" and j.strs("SubnetIds")[0] not in imp.subnets:
            imp.skip(vpce_id, f"in subnet {j.strs('SubnetIds')[0]}, which is not in the snapshot", "aws-orphan",
                     f"VPC endpoint {vpce_id}: its subnet {j.strs('SubnetIds')[0]} is not in the snapshot (skipped)",
                     j.loc)
            continue
        if kind == "gateway" and service.rsplit(".", 1)[-1] not in GATEWAY_ENDPOINT_SERVICES:
            imp.add_unsupported(vpce_id, _NOT_SIMULATED, j, note=f"gateway endpoint for {service}")
            continue
        if state != "available":
            imp.warn("aws-state", f"VPC endpoint {vpce_id} is {state}; simulated as available", j.loc)
        kept[vpce_id] = mapping.Picked(j, names.take(j.name_tag(), vpce_id), vpc_id)
    return kept


def _body(imp: Importer, ep: mapping.Picked) -> dict[str, object]:
    j = ep.j
    vpc_id = ep.vpc_id or ""
    body: dict[str, object] = {"aws_id": j.text("VpcEndpointId"), "vpc": imp.vpcs[vpc_id].name,
                               "service": j.text("ServiceName")}
    if (j.text("VpcEndpointType") or "").lower() == "gatewayloadbalancer":
        # Its appliances sit behind the endpoint service (elbv2 target groups), which
        # describe-vpc-endpoints does not name: the design leaves them out.
        body["type"] = GWLB
        (home_id,) = j.strs("SubnetIds")
        body["subnet"] = imp.subnets[home_id].name
        for eni_id in j.strs("NetworkInterfaceIds"):
            listed = imp.raw["NetworkInterfaces"].get(eni_id)
            own = listed.text("PrivateIpAddress") if listed is not None else None
            if own is not None:
                body["private_ip"] = own
    elif (j.text("VpcEndpointType") or "").lower() == "interface":
        what = f"VPC endpoint {ep.name}"
        body["type"] = "interface"
        interfaces = []
        for eni_id in j.strs("NetworkInterfaceIds"):
            eni = imp.raw["NetworkInterfaces"][eni_id]
            subnet_id, address = eni.text("SubnetId"), eni.text("PrivateIpAddress")
            if subnet_id in imp.subnets and address is not None:
                entry = {"subnet": imp.subnets[subnet_id].name, "private_ip": address, "aws_id": eni_id}
                imp.at(entry, eni.loc)
                interfaces.append(entry)
        body["interfaces"] = interfaces
        groups = [imp.group_ref(g.text("GroupId") or "", vpc_id, what, g.loc) for g in j.objs("Groups")]
        if [g for g in groups if g]:
            body["security_groups"] = [g for g in groups if g]
        if j.flag("PrivateDnsEnabled") is False:
            body["private_dns"] = False
    imp.at(body, j.loc)
    return body


mapping.register(mapping.AwsMapping("VpcEndpoints", KEY, ROUTE_KEY, "GatewayId", "vpce-", "VPC endpoint", "VpcEndpointId",
                            _pick, _body, rank=40, kind="vpc_endpoint"))
