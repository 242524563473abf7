"""Legs: a path of several connections (jump hosts, proxies) -> a LegsResult, one full walk per leg.

`ssh -J bastion app` or `ssh -L 22:app:22 bastion` is two connections: admin -> bastion:22,
then bastion -> app:22. Each leg is its own flow, so each is one call of the walk
(`vpcsim.reach.walk.trace`, forward and back, every blocker); the path gets through when every
leg does. A leg boundary is named by the user (`--via bastion`); a proxy component (a load
balancer: client -> listener, node -> target) can build its own `LegSpec`s and hand them to
`trace_legs`, so both share this one mechanism.
"""

from __future__ import annotations

from collections.abc import Sequence

import vpcsim.arguments as arguments
from vpcsim.compile import CompiledNetwork
from vpcsim.errors import EndpointError, UsageError
from vpcsim.reach.walk import resolve, trace
from vpcsim.records import record
from vpcsim.results import LegsResult, TraceResult, Waypoint

__all__ = ["LegSpec", "plan", "trace_legs", "trace_via", "waypoint"]


@record
class LegSpec:
    """One leg to walk: a flow from `src` to `dst` (endpoints as `trace` takes them)."""

    src: str
    dst: str
    port: int
    protocol: str | int = "tcp"
    src_port: int | None = None
    icmp_code: int | None = None


def waypoint(net: CompiledNetwork, hop: str | Waypoint) -> Waypoint:
    """A hop as the user wrote it (`bastion`, `bastion:22`, or a Waypoint) -> a Waypoint naming
    an instance or interface of the design; UsageError for a bad port, EndpointError for a
    name the design does not hold."""
    if isinstance(hop, Waypoint):
        found = hop
    elif isinstance(hop, str):
        text = hop.strip()
        d = net.design
        if text in d.instances or text in d.interfaces:
            found = Waypoint(text)  # a name may hold ':' itself
        else:
            try:
                found = Waypoint.parse(text)
            except ValueError as exc:
                raise UsageError(f"via {arguments.quote(hop)}: {exc}") from None
    else:
        raise UsageError(f"via {arguments.quote(hop)}: expected HOP or HOP:PORT (a string)")
    try:
        end = resolve(net, found.name, None)
    except EndpointError:
        known = sorted(net.design.instances)
        hint = f" (instances: {', '.join(known[:6])}{', ...' if len(known) > 6 else ''})" if known else ""
        raise EndpointError(f"via {arguments.quote(found.name)}: a hop must be an instance or interface of the "
                            f"design, by name, AWS id or address{hint}") from None
    if end.eni is None or end.eni.primary_ip != end.addr:
        # Why: a jump host is a machine the user logs into, so it is an interface of the design;
        # the internet or an address no interface owns cannot relay a connection.
        raise EndpointError(f"via {arguments.quote(found.name)}: a hop must be an instance or interface of the design")
    return found


def plan(src: str, dst: str, port: int, protocol: str | int, via: Sequence[Waypoint], *,
         src_port: int | None = None, icmp_code: int | None = None) -> list[LegSpec]:
    """The legs of a path through jump hosts: SRC -> HOP1 -> ... -> DST.

    The leg into a hop uses the hop's own port (TCP, as SSH and HTTP proxies listen) when one is
    given, else the flow's protocol and port; the last leg carries the flow itself.
    """
    ends = [src, *(w.name for w in via), dst]
    legs = []
    for i in range(len(ends) - 1):
        hop = via[i] if i < len(via) else None
        if hop is not None and hop.port is not None:
            legs.append(LegSpec(ends[i], ends[i + 1], hop.port, "tcp", src_port if i == 0 else None))
        else:
            legs.append(LegSpec(ends[i], ends[i + 1], port, protocol, src_port if i == 0 else None, icmp_code))
    return legs


def trace_legs(net: CompiledNetwork, legs: Sequence[LegSpec], via: Sequence[Waypoint] = (), *,
               ephemeral: tuple[int, int] | None = None) -> LegsResult:
    """Walk every leg (all of them, even after one fails: the result shows every blocker)."""
    if not legs:
        raise UsageError("a path needs at least one leg")
    results: list[TraceResult] = [
        trace(net, leg.src, leg.dst, leg.port, leg.protocol, src_port=leg.src_port, ephemeral=ephemeral,
              icmp_code=leg.icmp_code)
        for leg in legs
    ]
    return LegsResult(tuple(results), tuple(via))


def trace_via(net: CompiledNetwork, src: str, dst: str, port: int, protocol: str | int = "tcp", *,
              via: Sequence[str | Waypoint], src_port: int | None = None,
              ephemeral: tuple[int, int] | None = None, icmp_code: int | None = None) -> LegsResult:
    """Trace SRC -> DST through the named jump hosts: one leg per hop, then the last one."""
    if isinstance(via, str):
        via = [via]
    hops = [waypoint(net, hop) for hop in via]
    if not hops:
        raise UsageError("via: name at least one hop (e.g. via=['bastion'])")
    src_text = arguments.endpoint(src, "source")
    dst_text = arguments.endpoint(dst, "destination")
    source = resolve(net, src_text, None)
    target = resolve(net, dst_text, source)
    names = [source.eni.name if source.eni is not None else None]
    for hop in hops:
        end = resolve(net, hop.name, None)
        assert end.eni is not None  # waypoint() refused anything else
        if end.eni.name == names[-1]:
            what = "the source" if len(names) == 1 else "the hop before it"
            raise UsageError(f"via {hop.name!r} is {what}: a leg from a host to itself is no leg")
        names.append(end.eni.name)
    if target.eni is not None and target.eni.name == names[-1]:
        raise UsageError(f"via {hops[-1].name!r} is the destination: a leg from a host to itself is no leg")
    return trace_legs(net, plan(src_text, dst_text, port, protocol, hops, src_port=src_port, icmp_code=icmp_code),
                      hops, ephemeral=ephemeral)
