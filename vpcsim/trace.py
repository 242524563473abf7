"""Trace: a flow between two named endpoints -> a TraceResult (the walk, `vpcsim.reach.walk`).

    trace(net, "internet", "web-a", 443)          # both legs, every blocker explained
    trace_packet(net, "subnet", "app-a", "10.0.1.5", "8.8.8.8", "tcp", 443)   # a packet injected mid-path
    trace_via(net, "198.51.100.10", "app-b", 22, via=["bastion"])   # through a jump host: a LegsResult
"""

from __future__ import annotations

from vpcsim.reach.legs import LegSpec, trace_legs, trace_via
from vpcsim.reach.walk import START_KINDS, Endpoint, parse_protocol, resolve, trace, trace_packet

__all__ = ["START_KINDS", "Endpoint", "LegSpec", "parse_protocol", "resolve", "trace", "trace_legs", "trace_packet",
           "trace_via"]
