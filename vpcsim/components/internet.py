"""The internet: the node beyond the internet gateways (the paths to and from it are in `internet_gateway`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpcsim.components import base
from vpcsim.components.base import Component

if TYPE_CHECKING:
    import networkx

    from vpcsim.compile import CompiledNetwork


class Internet(Component[None]):
    kind = "internet"

    def graph(self, net: CompiledNetwork, g: networkx.MultiDiGraph) -> None:
        g.add_node(("internet", "internet"), kind="internet", name="internet", aws_id=None, location=None,
                   **base.drawn("internet", "ellipse", outside=True))


COMPONENT = base.register(Internet())
