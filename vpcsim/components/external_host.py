"""External hosts: named machines outside AWS (an admin's laptop, a partner's server) on the internet.

A design names them so that traces, jump-host paths and diagrams can say `admin-host` instead of
an address. They are endpoints, not components on a path: the packet leaves or reaches them
across the internet, exactly as for their address.

    external_hosts:
      admin-host: {address: 198.51.100.10, description: "the on-call laptop, in the admin network"}

    vpcsim trace --design d.yaml admin-host app-b 22 --via bastion
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING

from vpcsim.compile import is_private
from vpcsim.components import base
from vpcsim.components.base import Component, Endpoint
from vpcsim.errors import Diagnostic, Location, Severity
from vpcsim.loader import extensions
from vpcsim.model import NOWHERE, Design, int_to_ip, parse_ip
from vpcsim.records import record

if TYPE_CHECKING:
    from vpcsim.compile import CompiledNetwork
    from vpcsim.loader.reader import Map

KEY = "external_hosts"


@record
class ExternalHost:
    name: str
    address: int
    description: str = ""
    loc: Location = field(default=NOWHERE, compare=False)


def read(builder: extensions.SectionBuilder, name: str, body: Map) -> ExternalHost | None:
    what = f"external host {name}"
    builder.check_keys(body, what, ("address", "description"), ("address",))
    text = builder.string(body.get("address"), f"{what}: address")
    description = builder.string(body.get("description"), f"{what}: description") or ""
    if text is None:
        return None
    try:
        address = parse_ip(text)  # IPv4, or IPv6 (a host on the IPv6 internet)
    except ValueError as exc:
        builder.error("invalid-ip", f"{what}: address: {exc}", (body.get("address") or body).loc)
        return None
    return ExternalHost(name, address, description, body.loc)


def hosts(design: Design) -> dict[str, ExternalHost]:
    return {name: obj for name, obj in design.extensions.get(KEY, {}).items() if isinstance(obj, ExternalHost)}


def validate(design: Design) -> list[Diagnostic]:
    """An external host is on the internet: a public address, in no VPC of the design, and not a
    name an instance or interface already has."""
    out = []
    for host in hosts(design).values():
        where = f"external host {host.name}: address {int_to_ip(host.address)}"
        vpc = next((v.name for v in design.vpcs.values() if any(c.contains(host.address) for c in v.cidrs)), None)
        if vpc is not None:
            out.append(Diagnostic(Severity.ERROR, "external-host-address",
                                  f"{where} is inside vpc {vpc}'s CIDR (expected an internet address)", host.loc))
        elif is_private(host.address):
            out.append(Diagnostic(Severity.ERROR, "external-host-address",
                                  f"{where} is not an internet address (private or special-use space; expected a "
                                  "public address the internet routes)", host.loc))
        if host.name in design.instances or host.name in design.interfaces:
            out.append(Diagnostic(Severity.ERROR, "external-host-name",
                                  f"external host {host.name}: an instance or interface has this name (expected "
                                  "unique endpoint names)", host.loc))
    return out


extensions.register(extensions.Section(KEY, "external host", read, None, validate))


class ExternalHosts(Component[None]):
    kind = "external_host"

    def endpoint(self, net: CompiledNetwork, text: str, other: Endpoint | None) -> Endpoint | None:
        host = hosts(net.design).get(text)
        return Endpoint(text, host.address) if host is not None else None


COMPONENT = base.register(ExternalHosts())
