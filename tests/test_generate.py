"""benchmarks/generate.py: estates past 256 VPCs, and its AWS snapshot is the same estate as its YAML."""

from __future__ import annotations

import gc
import ipaddress
import json
import sys
from pathlib import Path

import pytest

import vpcsim
from vpcsim.analyse import exposure, reach

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import HUB_SPOKES, generate, to_yaml, vpc_blocks, write_snapshot  # noqa: E402


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[vpcsim.Network, vpcsim.Network]:
    """A small estate written both ways."""
    folder = tmp_path_factory.mktemp("estate")
    design = generate(3, 4, 3)
    (folder / "estate.yaml").write_text(to_yaml(design))
    write_snapshot(design, str(folder / "snap"))
    return vpcsim.load(folder / "estate.yaml"), vpcsim.load(folder / "snap")


def test_snapshot_imports_the_same_names(both: tuple[vpcsim.Network, vpcsim.Network]) -> None:
    yaml_net, snap_net = both
    assert not snap_net.warnings
    for section in ("vpcs", "subnets", "security_groups", "nat_gateways", "peerings", "instances"):
        assert set(getattr(snap_net.design, section)) == set(getattr(yaml_net.design, section)), section
    # Each VPC's default NACL: implicit in the YAML (`vpc0/default-acl`), named by its id in the snapshot.
    custom = {name for name in yaml_net.design.network_acls if "/" not in name}
    assert len(custom) == 6 and custom <= set(snap_net.design.network_acls)


def test_snapshot_gives_the_same_answers(both: tuple[vpcsim.Network, vpcsim.Network]) -> None:
    yaml_net, snap_net = both
    a, b = exposure(yaml_net), exposure(snap_net)
    assert [(e.instance, e.world, e.traffic) for e in a.interfaces] == [
        (e.instance, e.world, e.traffic) for e in b.interfaces]
    assert any(e.exposed for e in a.interfaces) and not all(e.exposed for e in a.interfaces)
    ma, mb = reach(yaml_net, by="subnet"), reach(snap_net, by="subnet")
    assert ma.rows == mb.rows and ma.cells == mb.cells
    for src, dst, port in (("internet", "vpc1-pub-1-i0", 443), ("vpc1-priv-3-i0", "internet", 443),
                           ("vpc0-priv-2-i1", "vpc2-priv-3-i0", 5432), ("vpc1-pub-0-i0", "vpc2-pub-0-i0", 22)):
        assert yaml_net.trace(src, dst, port).reachable == snap_net.trace(src, dst, port).reachable


def test_snapshot_files_are_describe_outputs(tmp_path: Path) -> None:
    written = write_snapshot(generate(2, 2, 1), str(tmp_path))
    keys = {json.loads(Path(p).read_text()).popitem()[0] for p in written}
    assert {"Vpcs", "Subnets", "Reservations", "NetworkInterfaces", "PrefixLists"} <= keys
    assert all(Path(p).parent.name == "aws_configs" for p in written)


def test_past_256_vpcs_blocks_are_distinct_private_and_fit() -> None:
    bases, prefix = vpc_blocks(273, 256)  # /16s: all of 10/8, then 172.16/12, then 192.168/16
    nets = [ipaddress.ip_network(f"{ipaddress.ip_address(b)}/{prefix}") for b in bases]
    assert prefix == 16 and len(set(nets)) == 273
    assert all(n.is_private for n in nets)
    assert (str(nets[256]), str(nets[272])) == ("172.16.0.0/16", "192.168.0.0/16")
    bases, prefix = vpc_blocks(1000, 40)  # smaller VPCs: a /18 holds 40 /24 subnets
    assert prefix == 18 and len(set(bases)) == 1000
    with pytest.raises(ValueError, match="do not fit"):
        vpc_blocks(274, 256)


def test_past_256_vpcs_loads_with_hubs_of_at_most_125_spokes(tmp_path: Path) -> None:
    design = generate(300, 2, 2)
    hubs = [name for name, vpc in design["vpcs"].items() if vpc["tags"]["role"] == "hub"]
    assert hubs == ["vpc0", "vpc126", "vpc252"]
    per_hub = {h: sum(1 for p in design["peerings"].values() if p["requester"] == h) for h in hubs}
    assert max(per_hub.values()) == HUB_SPOKES and sum(per_hub.values()) == 297
    path = tmp_path / "big.yaml"
    path.write_text(to_yaml(design))
    net = vpcsim.load(path)
    assert len(net.design.vpcs) == 300 and len(net.design.instances) == 1200
    # The third hub's app tier (i1) reaches a spoke's database (i0) over their peering; its db does not.
    assert net.trace("vpc252-priv-1-i1", "vpc299-priv-1-i0", 5432).reachable
    assert not net.trace("vpc252-priv-1-i0", "vpc299-priv-1-i0", 5432).reachable
    assert net.trace("vpc299-pub-0-i0", "vpc252-pub-0-i0", 443).reachable
    # To another hub's spoke by its private address: no peering, no route (its public IP would do).
    other = design["instances"]["vpc1-pub-0-i0"]["private_ip"]
    assert not net.trace("vpc299-pub-0-i0", other, 443).reachable
    assert net.trace("vpc299-pub-0-i0", "vpc1-pub-0-i0", 443).reachable


def test_same_yaml_as_before_up_to_126_vpcs() -> None:
    # The address plan of small estates is unchanged, so earlier benchmark figures stay comparable.
    design = generate(2, 4, 2)
    assert design["subnets"]["vpc1-priv-3"]["cidr"] == "10.1.3.0/24"
    assert design["instances"]["vpc1-priv-3-i1"]["private_ip"] == "10.1.3.11"


def test_a_large_load_pauses_and_then_freezes_the_collector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from vpcsim.loader import design as loader

    path = tmp_path / "estate.yaml"
    path.write_text(to_yaml(generate(2, 4, 2)))
    seen: list[bool] = []
    real_build = loader.build
    monkeypatch.setattr(loader, "build", lambda *a: (seen.append(gc.isenabled()), real_build(*a))[1])
    frozen = gc.get_freeze_count()
    vpcsim.load(path)
    assert seen == [False] and gc.isenabled() and gc.get_freeze_count() == frozen  # small: not frozen
    monkeypatch.setattr(loader, "FREEZE_AFTER", 0)
    try:
        vpcsim.load(path)
        assert gc.isenabled() and gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        vpcsim.load(path)
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_analyses_raise_the_young_collector_threshold_and_restore_it(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """exposure, transitive_exposure and reach run with generation 0's threshold raised (fewer
    collections of short-lived records), restore the caller's setting after, also on error, and
    leave a caller's higher setting alone."""
    from vpcsim import analyse
    from vpcsim.analyse import ANALYSIS_GEN0_THRESHOLD

    path = tmp_path / "estate.yaml"
    path.write_text(to_yaml(generate(2, 4, 2)))
    net = vpcsim.load(path)
    before = gc.get_threshold()
    assert before[0] < ANALYSIS_GEN0_THRESHOLD
    seen: list[tuple[int, int, int]] = []
    real = analyse.analyser
    monkeypatch.setattr(analyse, "analyser", lambda *a, **k: (seen.append(gc.get_threshold()), real(*a, **k))[1])
    net.exposure()
    net.transitive_exposure()
    net.reach(by="subnet")
    assert seen and all(t == (ANALYSIS_GEN0_THRESHOLD, *before[1:]) for t in seen)
    assert gc.get_threshold() == before

    def broken(*a: object, **k: object) -> None:
        seen.append(gc.get_threshold())
        raise RuntimeError("boom")

    monkeypatch.setattr(analyse, "analyser", broken)
    with pytest.raises(RuntimeError):
        net.exposure()
    assert gc.get_threshold() == before
    gc.set_threshold(ANALYSIS_GEN0_THRESHOLD * 2, *before[1:])
    try:
        seen.clear()
        with pytest.raises(RuntimeError):
            net.reach()
        assert seen == [(ANALYSIS_GEN0_THRESHOLD * 2, *before[1:])]  # the caller's higher setting kept
    finally:
        gc.set_threshold(*before)
