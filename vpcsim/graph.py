"""Graph: a compiled network -> a networkx MultiDiGraph of its components (see docs/graph.md).

Nodes are `(kind, name)` tuples with attributes `kind`, `name`, `aws_id`, `location`; edges carry
`relation` (what links the two) and, for routes, the prefix and the design route. Each component
module draws its own nodes and edges (`Component.graph`). The walk does not use this graph (it
uses the compiled lookup tables); analyses and diagrams do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from vpcsim.components import base

if TYPE_CHECKING:
    from vpcsim.compile import CompiledNetwork

INTERNET = ("internet", "internet")


def build_graph(net: CompiledNetwork) -> nx.MultiDiGraph:
    d = net.design
    g = nx.MultiDiGraph(name=d.file, region=d.region)
    for component in base.all_components():
        component.graph(net, g)
    return g
