"""Components: one module per AWS component a packet can meet, each implementing `base.Component`.

Importing this package registers them all. The walker (`vpcsim.reach.walk`) and the component
graph (`vpcsim.graph`) reach components only through `base`'s registry; see
docs/architecture.md for how to add one.
"""

from vpcsim.components import (
    appliance,
    base,
    blackhole,
    eni,
    internet,
    internet_gateway,
    nat_gateway,
    peering,
    subnet,
    unsupported,
    vpc_router,
)

__all__ = [
    "appliance",
    "base",
    "blackhole",
    "eni",
    "internet",
    "internet_gateway",
    "nat_gateway",
    "peering",
    "subnet",
    "unsupported",
    "vpc_router",
]
