"""Trace: a flow between two named endpoints -> a TraceResult (the walk, `vpcsim.reach.walk`).

    trace(net, "internet", "web-a", 443)          # both legs, every blocker explained
    trace_packet(net, "subnet", "app-a", "10.0.1.5", "8.8.8.8", "tcp", 443)   # a packet injected mid-path
    trace_via(net, "198.51.100.10", "app-b", 22, via=["bastion"])   # through a jump host: a LegsResult
    trace_balanced(net, "internet", "web-alb", 443)   # to a load balancer: every node and target, a BalancedResult

An endpoint named by instance or interface whose address AWS picks (`private_ip: auto`) is
traced at every case of the addresses it may get (`vpcsim.reach.addresses`): the result is the
representative's walk, with `address_cases` saying whether the verdict holds whichever address
it gets, or for which addresses it does not.
"""

from __future__ import annotations

import dataclasses
import itertools

from vpcsim.compile import CompiledNetwork
from vpcsim.reach import addresses, walk
from vpcsim.reach.balanced import as_trace, names_load_balancer, trace_balanced
from vpcsim.reach.legs import LegSpec, trace_legs, trace_via
from vpcsim.reach.walk import START_KINDS, Endpoint, parse_protocol, resolve, trace_packet
from vpcsim.results import AddressVerdict, TraceResult

__all__ = ["START_KINDS", "Endpoint", "LegSpec", "names_load_balancer", "parse_protocol", "resolve", "trace",
           "trace_balanced", "trace_legs", "trace_packet", "trace_via"]


def trace(
    net: CompiledNetwork,
    src: str,
    dst: str,
    port: int,
    protocol: str | int = "tcp",
    *,
    src_port: int | None = None,
    ephemeral: tuple[int, int] | None = None,
    icmp_code: int | None = None,
) -> TraceResult:
    """Trace `src` -> `dst` on `port` (ICMP: `port` is the type, `icmp_code` the code, default 0).

    See `vpcsim.reach.walk.trace`; with an endpoint whose address AWS picks, every case of it. A
    destination that is a load balancer or one of its nodes is traced through to its targets
    (`trace_balanced`), and the verdict summed up as one TraceResult (`reach.balanced.as_trace`).
    """
    if isinstance(dst, str) and names_load_balancer(net, dst):
        # A load balancer (or one of its nodes): judged through to its targets, summed up as one
        # trace (reach.balanced.as_trace; trace_balanced has every leg).
        return as_trace(trace_balanced(net, src, dst, port, protocol, src_port=src_port, ephemeral=ephemeral))
    result = walk.trace(net, src, dst, port, protocol, src_port=src_port, ephemeral=ephemeral, icmp_code=icmp_code)
    if not addresses.has_dynamic(net):
        return result
    ends = [_dynamic_end(net, text) for text in (src, dst)]
    if ends == [None, None]:
        return result
    expansion = addresses.expanded(net)
    choices = [expansion.cases[name] if name is not None else (None,) for name in ends]
    verdicts = []
    for combo in itertools.product(*choices):
        picked = tuple(c for c in combo if c is not None)
        if all(c.name == c.interface for c in picked):
            got = result  # every endpoint at its own representative: the trace above
        else:
            names = [c.name if c is not None else text for c, text in zip(combo, (src, dst), strict=True)]
            got = walk.trace(expansion.net, names[0], names[1], port, protocol, src_port=src_port,
                             ephemeral=ephemeral, icmp_code=icmp_code)
        verdicts.append(AddressVerdict(picked, got.disposition, got.reachable, got.blocked_by))
    return dataclasses.replace(result, address_cases=tuple(verdicts))


def _dynamic_end(net: CompiledNetwork, text: str) -> str | None:
    """The dynamic interface an endpoint names (by instance, interface or AWS id), else None."""
    d = net.design
    name = text.strip()
    if name in d.instances:
        instance = d.instances[name]
        eni = d.interfaces.get(instance.interfaces[0]) if instance.interfaces else None
    else:
        eni = d.interfaces.get(name) or net.eni_by_aws_id.get(name)
    return eni.name if eni is not None and eni.picked else None
