"""The component protocol: what a walk asks of every AWS component on a path, and the walk's state.

A component is one module under `vpcsim/components/` that subclasses `Component` and registers
an instance with `register()`. The walker (`vpcsim.reach.walk`) never asks which kind of
component it holds; it asks the registry:

- `for_target(kind)`: the component a route target hands the packet to (`via_route`);
- `owners()`: the components that own private addresses inside a subnet (`owner` / `arrive`);
- `all_components()`: every component, e.g. to draw the component graph (`graph`).

Components call each other only through the `Walk` protocol (recording, sessions) and through the
fabric modules (`subnet`, `vpc_router`, `internet`) that every path crosses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from vpcsim.errors import Location
from vpcsim.model import PROTOCOL_LABELS, Interface, Route, Subnet, TargetKind, int_to_ip, protocol_label
from vpcsim.records import record
from vpcsim.results import Action, Blocker, Code, Disposition, Hop, Packet, PortRanges, Step, StepKind

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork, RouteEntry

__all__ = [
    "Component",
    "Endpoint",
    "Leg",
    "Session",
    "State",
    "Walk",
    "all_components",
    "drawn",
    "annotators",
    "endpoint_namers",
    "for_route",
    "for_target",
    "ip",
    "new_tuple",
    "owners",
    "register",
    "reply_matches",
    "route_target_kinds",
]

T = TypeVar("T")


@record
class Endpoint:
    """One end of a flow, resolved: its label, address and interface (none for the internet)."""
    label: str
    addr: int
    eni: Interface | None = None  # None: the internet (or an address nothing owns)
    # Where a packet from this endpoint enters the design, when not by an interface or from the
    # internet (an on-prem network, over its VPN connection): the forward leg starts there.
    start: Callable[[Walk, State], None] | None = field(default=None, compare=False)

    @property
    def internet(self) -> bool:
        return self.eni is None


@dataclass(slots=True)
class State:
    """The packet's header as the walk carries it (ports are sets of ranges)."""

    src: int
    dst: int
    proto: int
    sports: PortRanges
    dports: PortRanges
    # The interface that last put the packet on the wire (None: a gateway, or the internet). A
    # security-group reference matches only what a member interface sends itself.
    sender: Interface | None = None

    def packet(self) -> Packet:
        """The header as a Packet record; the same record as the last call's when nothing changed
        (most hops pass the header on as it came, and a translation's `before` is the hop's)."""
        key = (self.src, self.dst, self.proto, self.sports, self.dports)
        last = _LAST_PACKET
        packet: Packet
        if last[0] == key:
            packet = last[1]
            return packet
        texts = _IP_TEXT  # tuple.__new__ and the memoized texts inline: a hot path
        packet = new_tuple(Packet, (texts.get(self.src) or ip(self.src), texts.get(self.dst) or ip(self.dst),
                                    PROTOCOL_LABELS.get(self.proto) or protocol_label(self.proto),
                                    self.sports, self.dports))
        last[0] = key
        last[1] = packet
        return packet

    def copy(self) -> State:
        return State(self.src, self.dst, self.proto, self.sports, self.dports, self.sender)


@dataclass(slots=True)
class Session:
    """A translation made on the forward leg, undone on the way back."""

    device: str
    inside_addr: int
    inside_ports: PortRanges
    # NAT64: the IPv6 prefix (64:ff9b::/96) the reply's IPv4 source goes back into; None otherwise.
    nat64: int | None = None


@dataclass(slots=True)
class Leg:
    """One direction of the walk: hops, blockers, and how it ended."""

    direction: str
    hops: list[Hop] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)
    warnings: list[Blocker] = field(default_factory=list)
    disposition: Disposition | None = None
    end_eni: Interface | None = None
    end_state: State | None = None
    first_filter_disposition: Disposition | None = None
    ports_denied: bool = False  # a port filter dropped every port the packet could use
    # The reply's ports on the far side of a translation, when filters there narrowed them (a
    # NAT gateway's 1024-65535): which of the translator's ports get back.
    translated_ports: PortRanges = ()
    # Where the reply comes back in when this leg left the modelled network other than to the
    # internet (a gateway VPC endpoint): the reply leg starts there.
    reentry: Callable[[Walk, State], None] | None = None
    # Where the reply goes instead of by its route table, when a component in the path keeps the
    # connection (an NLB node that forwarded the client's own address): asked as the reply leaves
    # a subnet; True when it took the packet.
    steer: Callable[[Walk, Subnet, State], bool] | None = None


class Walk(Protocol):
    """What a component may ask of the walk that carries a packet through it."""

    net: CompiledNetwork
    direction: str
    source: Endpoint
    target: Endpoint
    leg: Leg
    sessions: dict[int, Session]  # device address -> translation to undo on the way back
    sg_sessions: set[str]  # interfaces whose security groups saw the forward leg
    eni_sessions: set[str]  # interfaces (NAT instances) that translated the forward leg
    expected_reply: tuple[int, int] | None
    hop_count: int
    # Route lookups made on this leg, by (subnet, header): a repeat is a forwarding loop.
    lookups: dict[tuple[str, int, int, int, PortRanges], int]
    routes_taken: list[tuple[str, str, Location | None]]  # (subnet, route text, route location)

    returning: bool  # the reply leg
    steer: Callable[[Walk, Subnet, State], bool] | None  # the reply's way back (Leg.steer)

    def hop(self, kind: str, name: str, aws_id: str | None, state: State, steps: list[Step]) -> None: ...

    def block(self, code: Code, component: str, detail: str, location: Location | None,
              filter_disposition: Disposition) -> None: ...

    def stop(self, disposition: Disposition, code: Code | None, component: str, detail: str,
             location: Location | None) -> None: ...

    def warn(self, code: Code, component: str, detail: str, location: Location | None) -> None: ...


class Component(Generic[T]):
    """One kind of AWS component. Every hook is optional: a component implements what it does.

    - `targets`: the route target kinds it handles; `via_route` then walks a packet a route hands
      it, and `next_subnet` names the subnet that packet enters (no NACL between a subnet and a
      target inside it);
    - `route_node`: the graph node a route to it points at;
    - `owner` / `arrive`: it owns private addresses in subnets, and receives what is delivered
      to them;
    - `graph`: its nodes and edges in the component graph (docs/graph.md);
    - `endpoint`: names of trace endpoints it adds (a gateway endpoint's `service:s3`).
    """

    kind: ClassVar[str]
    targets: ClassVar[tuple[TargetKind, ...]] = ()
    route_key: ClassVar[str | None] = None  # a route target the module added (loader.extensions)

    def via_route(self, walk: Walk, entry: RouteEntry, subnet: Subnet, state: State, route_loc: Location) -> None:
        raise NotImplementedError(f"{self.kind} is not a route target")

    def next_subnet(self, net: CompiledNetwork, entry: RouteEntry) -> str | None:
        return None

    def route_node(self, net: CompiledNetwork, route: Route) -> tuple[str, str] | None:
        """The graph node a route to this component points at (None: draw no edge)."""
        return (self.kind, route.target) if route.target is not None else None

    def owner(self, walk: Walk, subnet: Subnet, addr: int) -> T | None:
        """What of this component holds private address `addr` in `subnet` (None: nothing)."""
        return None

    def arrive(self, walk: Walk, owner: T, subnet: Subnet, state: State) -> None:
        raise NotImplementedError(f"{self.kind} owns no address")

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        return None

    def annotate(self, walk: Walk, sent: State) -> None:
        """After the forward leg (`walk.leg`) of a packet sent as `sent`: add the warnings this
        component has about the path as a whole (a gateway endpoint's service reached through a
        NAT gateway). Asked only of components that define it."""
        return None

    def sources(self, net: CompiledNetwork) -> tuple[str, ...]:
        """Trace endpoints outside the VPCs that send into the design (an on-prem network's
        `onprem:NAME`): exposure's source classes beside the internet."""
        return ()

    def endpoint(self, net: CompiledNetwork, text: str, other: Endpoint | None) -> Endpoint | None:
        """A trace endpoint this component names (e.g. `service:s3`), for names the design's
        instances and interfaces do not take; `other` is the flow's source when resolving its
        destination (None: resolving the source). None: not one of its names."""
        return None


_REGISTRY: list[Component[Any]] = []
# Components that define a hook most do not, asked in registration order (tuples: the walk reads
# them on every trace).
_NAMERS: tuple[Component[Any], ...] = ()  # they name trace endpoints (Component.endpoint)
_ANNOTATORS: tuple[Component[Any], ...] = ()  # they warn about whole paths (Component.annotate)
_BY_TARGET: dict[TargetKind, Component[Any]] = {}
# The same by the member's id: an Enum's __hash__ is a Python-level call, and for_route runs at
# every route lookup (members live as long as the process, so their ids never move).
_BY_TARGET_ID: dict[int, Component[Any]] = {}
_BY_ROUTE_KEY: dict[str, Component[Any]] = {}
_OWNERS: tuple[Component[Any], ...] = ()
_RANKS: dict[int, int] = {}


def register(component: Component[T], *, owner_rank: int | None = None) -> Component[T]:
    """Add a component to the registry (each module calls this once, at import).

    `owner_rank`: the component owns private addresses; deliveries ask owners in rank order.
    """
    _REGISTRY.append(component)
    if type(component).endpoint is not Component.endpoint:
        global _NAMERS
        _NAMERS = (*_NAMERS, component)
    if type(component).annotate is not Component.annotate:
        global _ANNOTATORS
        _ANNOTATORS = (*_ANNOTATORS, component)
    if component.route_key is not None:
        if component.route_key in _BY_ROUTE_KEY:
            raise RuntimeError(f"route target {component.route_key} is handled already")
        _BY_ROUTE_KEY[component.route_key] = component
    for kind in component.targets:
        if kind in _BY_TARGET:
            raise RuntimeError(f"route target {kind.value} is handled by {_BY_TARGET[kind].kind} already")
        _BY_TARGET[kind] = component
        _BY_TARGET_ID[id(kind)] = component
    if owner_rank is not None:
        global _OWNERS
        _RANKS[id(component)] = owner_rank
        _OWNERS = tuple(sorted((*_OWNERS, component), key=lambda c: _RANKS[id(c)]))
    return component


def for_target(kind: TargetKind) -> Component[Any]:
    """The component a route with this target kind hands its packets to."""
    return _BY_TARGET[kind]


def for_route(route: Route) -> Component[Any] | None:
    """The component a route hands its packets to (None: a target no module handles)."""
    if route.target_kind is TargetKind.COMPONENT:
        return _BY_ROUTE_KEY.get(route.target_section or "")
    return _BY_TARGET_ID.get(id(route.target_kind))


def route_target_kinds() -> frozenset[TargetKind]:
    return frozenset(_BY_TARGET)


def owners() -> tuple[Component[Any], ...]:
    """Components that own private addresses, in the order a delivery asks them."""
    return _OWNERS


def all_components() -> tuple[Component[Any], ...]:
    return tuple(_REGISTRY)


def annotators() -> tuple[Component[Any], ...]:
    """The components that add warnings about a whole forward leg (`Component.annotate`)."""
    return _ANNOTATORS


def endpoint_namers() -> tuple[Component[Any], ...]:
    """The components that name trace endpoints of their own (`service:s3`), asked in order."""
    return _NAMERS


# tuple.__new__ builds a NamedTuple without the Python-level __new__ frame (2.5x faster); the
# walk makes one detail per filter it meets.
new_tuple = tuple.__new__

_IP_TEXT: dict[int, str] = {}
# State.packet's last header and record: [key, Packet] (equal headers make equal records, so any
# caller may be handed the last one).
_LAST_PACKET: list[Any] = [None, None]


def ip(addr: int) -> str:
    """Dotted text of an address, memoized: a trace prints the same few addresses many times."""
    text = _IP_TEXT.get(addr)
    if text is None:
        if len(_IP_TEXT) > 65536:
            _IP_TEXT.clear()
        text = _IP_TEXT[addr] = int_to_ip(addr)
    return text


def reply_matches(walk: Walk, state: State, steps: list[Step], where: str) -> bool:
    """A reply whose source is not the address the client sent to is dropped by the client."""
    if walk.expected_reply is None:
        return True
    want_src, want_dst = walk.expected_reply
    if state.src == want_src and state.dst == want_dst:
        return True
    detail = (
        f"the reply arrives from {ip(state.src)} but the client sent to {ip(want_src)}; "
        "the client drops it (the reply left by another path than the request came in)"
    )
    steps.append(Step(StepKind.DELIVER, Action.DROP, detail, where))
    walk.stop(Disposition.DENIED_IN, Code.RETURN_PATH_ASYMMETRIC, where, detail, None)
    return False


def drawn(label: str, shape: str = "box", *, vpc: str | None = None, subnet: str | None = None,
          outside: bool = False, anchor: bool = False) -> dict[str, Any]:
    """How a diagram draws a component's graph node (render/diagram reads these, never the kind):
    its `label` and Graphviz `shape`; where it sits: in `subnet` of `vpc`, in `vpc`, between the
    VPCs (neither), or `outside` the region (the internet, on-prem); `anchor`: it stands for its
    VPC when that VPC is drawn as a box beside the one asked for."""
    return {"label": label, "shape": shape, "vpc": vpc, "subnet": subnet, "outside": outside, "anchor": anchor}
