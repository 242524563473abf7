"""Network: a CompiledNetwork with the library's conveniences (trace, check, analyses, graph).

What `vpcsim.load()` returns. Each method is a thin call into its engine module; the engines
themselves take a `CompiledNetwork`, so nothing below this module imports it (no cycles).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, overload

from vpcsim.compile import CompiledNetwork

if TYPE_CHECKING:
    import networkx

    from vpcsim.analyse import ExposureReport, ReachMatrix, TransitiveReport
    from vpcsim.batch import Flow
    from vpcsim.check import AssertionsArg, CheckReport
    from vpcsim.results import BalancedResult, LegsResult, TraceResult, Waypoint

__all__ = ["Network"]

# vpcsim.plans.trace and vpcsim.batch.reachable once imported: an import statement costs ~0.6 us a
# call, 2-3% of a short trace and a fifth of a verdict.
_TRACE: Callable[..., TraceResult] | None = None
_REACHABLE: Callable[..., bool] | None = None


def _tracer() -> Callable[..., TraceResult]:
    global _TRACE
    from vpcsim.plans import trace

    _TRACE = trace
    return trace


def _verdict() -> Callable[..., bool]:
    global _REACHABLE
    from vpcsim.batch import reachable

    _REACHABLE = reachable
    return reachable


class Network(CompiledNetwork):
    """A compiled design: what `vpcsim.load()` returns. Trace with `network.trace(...)`."""

    _graph: networkx.MultiDiGraph | None = None

    @overload
    def trace(self, src: str, dst: str, port: int, protocol: str | int = "tcp", *, src_port: int | None = None,
              ephemeral: tuple[int, int] | None = None, icmp_code: int | None = None,
              via: None = None) -> TraceResult: ...

    @overload
    def trace(self, src: str, dst: str, port: int, protocol: str | int = "tcp", *, src_port: int | None = None,
              ephemeral: tuple[int, int] | None = None, icmp_code: int | None = None,
              via: Sequence[str | Waypoint]) -> LegsResult: ...

    def trace(
        self,
        src: str,
        dst: str,
        port: int,
        protocol: str | int = "tcp",
        *,
        src_port: int | None = None,
        ephemeral: tuple[int, int] | None = None,
        icmp_code: int | None = None,
        via: Sequence[str | Waypoint] | None = None,
    ) -> TraceResult | LegsResult:
        """Trace a flow from `src` to `dst` on `port` (ICMP: the type; `icmp_code`), forward and back.

        With `via=["bastion"]` (or `"bastion:22"`), a path through jump hosts: one full trace per
        leg, as a `LegsResult`. See docs/trace.md. A trace between endpoints of kinds traced before
        is written from that walk, not walked again (vpcsim.plans); `vpcsim.trace.trace` always walks.
        """
        if via is not None:
            from vpcsim.trace import trace_via

            return trace_via(self, src, dst, port, protocol, via=via, src_port=src_port, ephemeral=ephemeral,
                             icmp_code=icmp_code)
        return (_TRACE or _tracer())(self, src, dst, port, protocol, src_port=src_port, ephemeral=ephemeral,
                                     icmp_code=icmp_code)

    def reachable(self, src: str | int, dst: str | int, port: int, protocol: str | int = "tcp", *,
                  ephemeral: tuple[int, int] | None = None) -> bool:
        """Whether `trace(src, dst, port, protocol).reachable`, without the explanation: a lookup
        in the verdict table `verdicts` fills (one walk per pair of endpoint classes; see
        vpcsim.batch.reachable). Endpoints may also be int addresses."""
        return (_REACHABLE or _verdict())(self, src, dst, port, protocol, ephemeral=ephemeral)

    def trace_balanced(self, src: str, load_balancer: str, port: int, protocol: str | int = "tcp", *,
                       src_port: int | None = None, ephemeral: tuple[int, int] | None = None) -> BalancedResult:
        """Trace a flow to a load balancer (by name, DNS name or AWS id): the client's leg to every
        node, each node's legs to its targets and their health checks. See docs/trace.md."""
        from vpcsim.trace import trace_balanced

        return trace_balanced(self, src, load_balancer, port, protocol, src_port=src_port, ephemeral=ephemeral)

    def check(self, assertions: AssertionsArg) -> CheckReport:
        """Check reachability promises (see docs/assertions.md); returns a typed report."""
        from vpcsim.check import check

        return check(self, assertions)

    def exposure(self, *, ephemeral: tuple[int, int] | None = None) -> ExposureReport:
        """What the internet reaches on every interface, graded by severity (see docs/analyses.md)."""
        from vpcsim.analyse import exposure

        return exposure(self, ephemeral=ephemeral)

    def transitive_exposure(self, *, ephemeral: tuple[int, int] | None = None) -> TransitiveReport:
        """The one-pivot view: what the internet reaches in two legs through an exposed interface (docs/analyses.md)."""
        from vpcsim.analyse import transitive_exposure

        return transitive_exposure(self, ephemeral=ephemeral)

    def reach(self, src: object = None, dst: object = None, *, by: str = "instance",
              ephemeral: tuple[int, int] | None = None, family: str | None = None) -> ReachMatrix:
        """The reachability matrix between instances, subnets or security groups (docs/analyses.md);
        `family="ipv6"` (implied by `internet6`) between IPv6 addresses; `"either"` what gets through
        over IPv4 or IPv6."""
        from vpcsim.analyse import reach

        return reach(self, src, dst, by=by, ephemeral=ephemeral, family=family)

    def verdicts(self, flows: Sequence[Flow] | None = None, *, ephemeral: tuple[int, int] | None = None,
                 **columns: Any) -> list[bool]:
        """For each (src, dst, protocol, port) flow, whether `trace(...)` says reachable (batched; vpcsim.batch)."""
        from vpcsim.batch import verdicts

        return verdicts(self, flows, ephemeral=ephemeral, **columns)

    @property
    def graph(self) -> networkx.MultiDiGraph:
        """The component graph (built on first use; see docs/graph.md)."""
        if self._graph is None:
            from vpcsim.graph import build_graph

            self._graph = build_graph(self)
        return self._graph
