"""The public surface is pinned: `vpcsim.__all__` is sorted, complete and importable (as httpx does)."""

from __future__ import annotations

import vpcsim

EXPECTED = [
    "Action",
    "Blocker",
    "CheckReport",
    "Code",
    "DesignError",
    "Diagnostic",
    "Disposition",
    "EndpointError",
    "ExposureReport",
    "FilterDetail",
    "Flow",
    "Hop",
    "LintReport",
    "Location",
    "Network",
    "Packet",
    "ReachMatrix",
    "ReachabilityError",
    "RouteDetail",
    "Severity",
    "Step",
    "StepKind",
    "TraceResult",
    "TranslationDetail",
    "UsageError",
    "VpcsimError",
    "__version__",
    "assert_exactly",
    "assert_only",
    "assert_reachable",
    "assert_unreachable",
    "load",
]


def test_all_is_pinned() -> None:
    # A drift here is an API change: update EXPECTED on purpose, and the changelog with it.
    assert vpcsim.__all__ == EXPECTED


def test_all_is_sorted() -> None:
    assert vpcsim.__all__ == sorted(vpcsim.__all__)


def test_every_exported_member_exists_and_is_its_own_module_s() -> None:
    for name in vpcsim.__all__:
        member = getattr(vpcsim, name)
        if name == "__version__":
            assert isinstance(member, str)
            continue
        # Exported from where it is defined, under its own name (no aliases that could drift).
        assert member.__name__ == name, name
        assert member.__module__.startswith("vpcsim"), name


def test_unknown_attribute_raises_attribute_error() -> None:
    try:
        vpcsim.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("vpcsim.NoSuchThing resolved")


def test_network_is_the_loaded_type_and_a_compiled_network() -> None:
    from vpcsim.compile import CompiledNetwork

    assert issubclass(vpcsim.Network, CompiledNetwork)
