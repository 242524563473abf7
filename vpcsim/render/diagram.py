"""Diagram: the component graph (`network.graph`) and optionally a trace -> Mermaid or Graphviz DOT text.

The picture nests region > VPC > AZ > subnet, with the interfaces (by instance) and NAT gateways
inside their subnets, each VPC's router and internet gateway inside the VPC, peerings between
VPCs and the internet outside the region. Route-table edges go from a subnet to the target of its
routes, labelled with their prefixes. A trace adds its forward path (blue, numbered), its return
path when it differs (purple, dashed), and marks the hop where the flow dies in red with its
blocker code; the leg that dies is drawn red up to that hop.

Only the public graph is read (see docs/graph.md), never the compiled tables. SVG and PNG come from
the DOT text through the `graphviz` package and Graphviz's `dot` program.

Limits: a subnet with more than MAX_INTERFACES interfaces shows them as one "N interfaces" node
(those on a traced path stay), and a design with more than OVERVIEW_INTERFACES interfaces is drawn
as a collapsed overview (subnets with counts, no interfaces) unless `vpc=` picks one VPC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vpcsim.errors import UsageError

if TYPE_CHECKING:
    from vpcsim.results import Hop, TraceResult

__all__ = ["FORMATS", "MAX_INTERFACES", "OVERVIEW_INTERFACES", "Diagram", "build", "render_image", "to_dot",
           "to_mermaid"]

FORMATS = ("mermaid", "dot", "svg", "png")
MAX_INTERFACES = 12
OVERVIEW_INTERFACES = 150
Key = tuple[str, str]

# Mermaid's brackets for a node's Graphviz shape (the rest are boxes).
_MERMAID_SHAPES = {"ellipse": ("((", "))"), "hexagon": ("{{", "}}"), "diamond": ("{", "}"), "octagon": ("([", "])")}


@dataclass
class _Node:
    id: str
    label: str
    kind: str  # the graph node's kind ("group" for a subnet's collapsed interfaces)
    shape: str  # Graphviz's name for it
    cluster: tuple[str, ...]  # ("region", vpc, az, subnet) prefix; () = outside every cluster


@dataclass
class _Edge:
    a: str
    b: str
    label: str = ""
    style: str = "normal"  # normal | dashed | blackhole | forward | return
    directed: bool = True


@dataclass
class Diagram:
    """What is drawn: nodes in nested clusters, edges, and the trace's marks."""

    title: str
    region: str
    nodes: dict[str, _Node] = field(default_factory=dict)
    edges: list[_Edge] = field(default_factory=list)
    dead: dict[str, str] = field(default_factory=dict)  # node id -> blocker code
    collapsed: bool = False


def build(graph: Any, *, vpc: str | None = None, trace: TraceResult | None = None) -> Diagram:
    """Lay out `graph` (a Network's component graph), one VPC if `vpc` names one, with `trace` marked on it."""
    region = str(graph.graph.get("region") or "region")
    # Each component says how its nodes are drawn (components.base.drawn): the label, the shape and
    # where it sits. Nothing here asks which kind of component a node is.
    data = graph.nodes
    vpcs = {d.get("vpc") for _, d in data(data=True) if d.get("anchor")}
    if vpc is not None and vpc not in vpcs:
        raise UsageError(f"--vpc {vpc!r} names no VPC (expected one of: {', '.join(sorted(str(v) for v in vpcs))})")
    subnet_az = {d["subnet"]: d.get("az", "") for _, d in data(data=True) if d.get("subnet") and "az" in d}
    on_path = {_hop_key(graph, hop) for hop in ((*trace.forward, *trace.return_path) if trace else ())}
    enis = [k for k in graph.nodes if k[0] == "eni"]
    overview = vpc is None and len(enis) > OVERVIEW_INTERFACES
    diagram = Diagram(_title(graph, vpc, trace), region, collapsed=overview)
    ids: dict[Key, str] = {}

    def between(key: Key) -> bool:
        """Drawn between the VPCs (a peering, a transit gateway): in no VPC, not outside."""
        return data[key].get("vpc") is None and not data[key].get("outside")

    def neighbours(key: Key) -> set[Key]:
        return set(graph.successors(key)) | set(graph.predecessors(key))

    def anchors_the_vpc(key: Key) -> bool:
        return bool(data[key].get("anchor")) and data[key].get("vpc") == vpc

    def wanted(key: Key) -> bool:
        if vpc is None or key in on_path or data[key].get("outside"):
            return True
        owner = data[key].get("vpc")
        if owner == vpc:
            return True
        if between(key):  # drawn when it touches the VPC (or nothing at all: a component not simulated)
            near = neighbours(key)
            return not near or any(anchors_the_vpc(n) for n in near)
        if data[key].get("anchor"):  # another VPC, drawn as a box outside when something links the two
            return any(between(p) and any(anchors_the_vpc(n) for n in neighbours(p)) for p in neighbours(key))
        return False

    def cluster(key: Key) -> tuple[str, ...]:
        d = data[key]
        owner = d.get("vpc")
        if d.get("outside") or (vpc is not None and owner != vpc and d.get("anchor")):
            return ()
        if owner is None:
            return ("region",)
        subnet = d.get("subnet")
        if subnet is None:
            return ("region", owner)
        return ("region", owner, subnet_az.get(subnet, ""), subnet)

    def add(key: Key, label: str | None = None) -> str:
        if key in ids:
            return ids[key]
        ident = f"n{len(ids)}"
        ids[key] = ident
        diagram.nodes[ident] = _Node(ident, label or str(data[key].get("label") or key[1]), key[0],
                                     str(data[key].get("shape") or "box"), cluster(key))
        return ident

    # Interfaces per subnet, to collapse the crowded ones.
    per_subnet: dict[str, list[Key]] = {}
    for key in enis:
        per_subnet.setdefault(str(data[key].get("subnet") or ""), []).append(key)
    groups: dict[Key, str] = {}  # a hidden interface -> its subnet's "N interfaces" node
    for members in per_subnet.values():
        hidden = [k for k in members if k not in on_path]
        if not hidden or not (overview or len(members) > MAX_INTERFACES) or not wanted(hidden[0]):
            continue
        gid = f"g{len(diagram.nodes)}"
        diagram.nodes[gid] = _Node(gid, f"{len(hidden)} interfaces", "group", "folder", cluster(hidden[0]))
        groups.update((k, gid) for k in hidden)
    for key in graph.nodes:
        if key not in groups and wanted(key):
            add(key)

    def node_id(key: Key) -> str | None:
        if key in groups:
            return groups[key]
        return ids.get(key)

    # Structure edges, once per pair; route edges labelled with their prefixes.
    seen: set[tuple[str, str]] = set()
    routes: dict[tuple[str, str], list[str]] = {}
    holes: set[tuple[str, str]] = set()
    for a, b, data in graph.edges(data=True):
        ia, ib = node_id(a), node_id(b)
        if ia is None or ib is None or ia == ib:
            continue
        relation = data.get("relation")
        if relation == "route":
            routes.setdefault((ia, ib), []).append(str(data.get("prefix", "")))
            if data.get("blackhole"):
                holes.add((ia, ib))
        elif relation in ("uplink", "attachment", "internet", "peering") and (ib, ia) not in seen:
            seen.add((ia, ib))
            status = graph.nodes[a].get("status") or graph.nodes[b].get("status")
            dashed = relation == "peering" and status not in (None, "active")
            diagram.edges.append(_Edge(ia, ib, status if dashed else "", "dashed" if dashed else "normal", False))
    for (ia, ib), prefixes in routes.items():
        diagram.edges.append(_Edge(ia, ib, ", ".join(sorted(set(prefixes))),
                                   "blackhole" if (ia, ib) in holes else "normal"))
    if trace is not None:
        _mark(diagram, graph, trace, node_id)
    return diagram


def _mark(diagram: Diagram, graph: Any, trace: TraceResult, node_id: Any) -> None:
    from vpcsim.results import Action

    blockers = {b.direction: b.code.value for b in trace.blocked_by}

    def walk(hops: tuple[Hop, ...], style: str, direction: str) -> list[str]:
        path: list[str] = []
        for hop in hops:
            ident = node_id(_hop_key(graph, hop))
            if ident is not None and (not path or path[-1] != ident):
                path.append(ident)
            if any(step.action in (Action.DENY, Action.DROP) for step in hop.steps):
                if ident is not None:
                    diagram.dead[ident] = blockers.get(direction, "blocked")
                style += "_blocked"  # the leg that dies is drawn red up to where it dies
                break
        for n, (a, b) in enumerate(zip(path, path[1:], strict=False), 1):
            diagram.edges.append(_Edge(a, b, f"{'r' if style.startswith('return') else ''}{n}", style))
        return path

    forward = walk(trace.forward, "forward", "forward")
    if trace.return_path:
        back = [node_id(_hop_key(graph, h)) for h in trace.return_path]
        same = [i for i in back if i is not None] == list(reversed(forward)) and not any(
            d == "return" for d in blockers)
        if not same:
            walk(trace.return_path, "return", "return")


def _hop_key(graph: Any, hop: Hop) -> Key:
    if hop.kind == "eni" and ("eni", hop.name) not in graph:
        for kind, name in graph.nodes:
            if kind == "eni" and graph.nodes[(kind, name)].get("instance") == hop.name:
                return (kind, name)
    return (hop.kind, hop.name)


def _title(graph: Any, vpc: str | None, trace: TraceResult | None) -> str:
    import os

    name = str(graph.graph.get("name") or "design")
    if os.path.isabs(name) and os.path.abspath(name).startswith(os.getcwd() + os.sep):
        name = os.path.relpath(name)
    title = name + (f" - vpc {vpc}" if vpc else "")
    if trace is not None:
        flow = trace.flow
        verdict = "reachable" if trace.reachable else trace.disposition.value
        title += f" - {flow.protocol} {flow.src} -> {flow.dst} port {flow.dst_port}: {verdict}"
    return title


# -- Graphviz DOT --------------------------------------------------------------------------------------


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_DOT_EDGE = {
    "normal": "color=gray40",
    "dashed": "color=gray40, style=dashed",
    "blackhole": "color=red3, style=dashed, fontcolor=red3",
    "forward": "color=blue3, penwidth=3, fontcolor=blue3",
    "return": "color=purple, penwidth=3, style=dashed, fontcolor=purple",
    "forward_blocked": "color=red3, penwidth=3, fontcolor=red3",
    "return_blocked": "color=red3, penwidth=3, style=dashed, fontcolor=red3",
}


def to_dot(diagram: Diagram) -> str:
    """Graphviz DOT text: clusters for region, VPC, AZ and subnet."""
    lines = ["digraph vpcsim {", "  graph [rankdir=LR, compound=true, fontname=Helvetica, fontsize=12, "
             f"label={_dot_text(diagram.title)}, labelloc=t];",
             "  node [fontname=Helvetica, fontsize=10, style=filled, fillcolor=white];",
             "  edge [fontname=Helvetica, fontsize=9];"]
    tree: dict[tuple[str, ...], list[_Node]] = {}
    for node in diagram.nodes.values():
        tree.setdefault(node.cluster, []).append(node)
    clusters = sorted({c[:n] for c in tree for n in range(1, len(c) + 1)}, key=lambda c: (len(c), c))
    counter = iter(range(1_000_000))
    names = {c: f"cluster_{next(counter)}" for c in clusters}

    def emit(prefix: tuple[str, ...], depth: int) -> None:
        pad = "  " * depth
        for node in tree.get(prefix, ()):
            attrs = [f"label={_dot_text(node.label)}", f"shape={node.shape}"]
            if node.id in diagram.dead:
                attrs += ["fillcolor=mistyrose", "color=red3", "penwidth=3",
                          f"xlabel={_dot_text(diagram.dead[node.id])}", "fontcolor=red3"]
            lines.append(f"{pad}{node.id} [{', '.join(attrs)}];")
        for child in (c for c in clusters if len(c) == len(prefix) + 1 and c[:-1] == prefix):
            label = diagram.region if child == ("region",) else (
                f"vpc {child[-1]}" if len(child) == 2 else (f"{child[-1]}" if len(child) == 3 else "subnet"))
            style = {1: "rounded", 2: "rounded,filled", 3: "dashed", 4: "filled"}[min(len(child), 4)]
            color = {1: "gray95", 2: "aliceblue", 3: "white", 4: "honeydew"}[min(len(child), 4)]
            lines.append(f"{pad}subgraph {names[child]} {{")
            lines.append(f"{pad}  label={_dot_text(label if len(child) != 4 else '')}; style=\"{style}\"; "
                         f"fillcolor={color}; color=gray60;")
            emit(child, depth + 1)
            lines.append(f"{pad}}}")

    emit((), 1)
    for edge in diagram.edges:
        attrs = [_DOT_EDGE[edge.style]]
        if edge.label:
            attrs.append(f"label={_dot_text(edge.label)}")
        if not edge.directed:
            attrs.append("dir=none")
        lines.append(f"  {edge.a} -> {edge.b} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


# -- Mermaid -------------------------------------------------------------------------------------------


def _mermaid_text(text: str) -> str:
    # Mermaid labels: quoted; a quote is #quot;, a newline <br/>; no other escaping exists.
    return '"' + text.replace('"', "#quot;").replace("\n", "<br/>") + '"'


_MERMAID_LINK = {
    "normal": "stroke:#888",
    "dashed": "stroke:#888,stroke-dasharray:4",
    "blackhole": "stroke:#c00,stroke-dasharray:4",
    "forward": "stroke:#1f4fd1,stroke-width:3px",
    "return": "stroke:#8a2be2,stroke-width:3px,stroke-dasharray:6",
    "forward_blocked": "stroke:#c00,stroke-width:3px",
    "return_blocked": "stroke:#c00,stroke-width:3px,stroke-dasharray:6",
}


def to_mermaid(diagram: Diagram) -> str:
    """A Mermaid flowchart (renders in GitHub comments and Markdown): subgraphs for the clusters."""
    lines = ["---", f"title: {_mermaid_text(diagram.title)}", "---", "flowchart LR"]
    tree: dict[tuple[str, ...], list[_Node]] = {}
    for node in diagram.nodes.values():
        tree.setdefault(node.cluster, []).append(node)
    clusters = sorted({c[:n] for c in tree for n in range(1, len(c) + 1)}, key=lambda c: (len(c), c))
    names = {c: f"c{n}" for n, c in enumerate(clusters)}

    def emit(prefix: tuple[str, ...], depth: int) -> None:
        pad = "  " * depth
        for node in tree.get(prefix, ()):
            left, right = _MERMAID_SHAPES.get(node.shape, ("[", "]"))
            label = node.label + (f"\n{diagram.dead[node.id]}" if node.id in diagram.dead else "")
            lines.append(f"{pad}{node.id}{left}{_mermaid_text(label)}{right}")
        for child in (c for c in clusters if len(c) == len(prefix) + 1 and c[:-1] == prefix):
            label = diagram.region if child == ("region",) else (
                f"vpc {child[-1]}" if len(child) == 2 else child[-1])
            lines.append(f"{pad}subgraph {names[child]}[{_mermaid_text(label)}]")
            emit(child, depth + 1)
            lines.append(f"{pad}end")

    emit((), 1)
    styles = []
    for n, edge in enumerate(diagram.edges):
        arrow = "-->" if edge.directed else "---"
        if edge.style in ("dashed", "return", "return_blocked"):
            arrow = "-.->" if edge.directed else "-.-"
        if edge.style in ("forward", "forward_blocked"):
            arrow = "==>"
        label = f"|{_mermaid_text(edge.label)}|" if edge.label else ""
        lines.append(f"  {edge.a} {arrow}{label} {edge.b}")
        styles.append(f"  linkStyle {n} {_MERMAID_LINK[edge.style]}")
    lines += styles
    if diagram.dead:
        lines.append("  classDef dead fill:#fdd,stroke:#c00,stroke-width:3px,color:#900")
        lines.append(f"  class {','.join(diagram.dead)} dead")
    return "\n".join(lines) + "\n"


def render_image(dot: str, fmt: str) -> bytes:
    """SVG or PNG bytes from DOT text, through the graphviz package and Graphviz's `dot` program."""
    try:
        import graphviz
    except ImportError:
        raise UsageError(f"-f {fmt} needs the graphviz Python package: pip install 'vpcsim[diagram]' "
                         "(or use -f mermaid or -f dot, which need nothing)") from None
    try:
        data: bytes = graphviz.Source(dot).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise UsageError(f"-f {fmt} needs Graphviz's `dot` program on PATH: apt-get install graphviz, "
                         "brew install graphviz, or https://graphviz.org/download/ (or use -f mermaid or -f dot)"
                         ) from None
    except graphviz.CalledProcessError as exc:  # our DOT is wrong: a bug, said plainly
        raise UsageError(f"Graphviz could not draw the diagram: {exc.stderr!r}") from None
    return data
