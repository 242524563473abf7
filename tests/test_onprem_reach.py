"""`reach` with on-prem networks: `onprem:NAME` rows and columns, checked against check.Engine
pair by pair, as tests/test_analyse.py checks the other endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import vpcsim
from vpcsim.analyse import reach
from vpcsim.check import Engine, _Atom
from vpcsim.cli import main
from vpcsim.components import onprem
from vpcsim.traffic import Traffic

ROOT = Path(__file__).resolve().parent.parent
HUB = ROOT / "scenarios" / "transit-hub.yaml"
ONPREM_DESIGN = Path(__file__).resolve().parent / "test_onprem.py"


def _engine(net: vpcsim.Network, src: str, dst: str) -> Traffic:
    return Engine(net).reachable(_Atom(src, src), _Atom(dst, dst), Traffic.any())


def _designs(tmp_path: Path) -> list[vpcsim.Network]:
    from tests.test_onprem import DESIGN

    path = tmp_path / "onprem.yaml"
    path.write_text(DESIGN)
    return [vpcsim.load(HUB), vpcsim.load(path)]


def test_onprem_rows_and_columns_match_the_engine(tmp_path: Path) -> None:
    compared = nonempty = 0
    for net in _designs(tmp_path):
        names = [f"onprem:{n}" for n in onprem.networks(net.design)]
        assert names
        for place in names:
            out = reach(net, place, None, by="interface")
            back = reach(net, None, place, by="interface")
            assert out.rows == (place,) and back.cols == (place,)
            for eni in net.design.interfaces:
                want_out, want_back = _engine(net, place, eni), _engine(net, eni, place)
                assert out.traffic(place, eni) == want_out, (net.design.file, place, eni)
                assert back.traffic(eni, place) == want_back, (net.design.file, eni, place)
                compared += 2
                nonempty += bool(want_out) + bool(want_back)
    assert compared >= 18 and nonempty >= 6  # the comparison saw traffic, not only empty cells


def test_onprem_beside_the_internet_and_grouped_by_subnet() -> None:
    net = vpcsim.load(HUB)
    m = reach(net, ["onprem:office", "internet"], None, by="subnet")
    assert "onprem:office" in m.rows and "internet" in m.rows
    assert m.traffic("onprem:office", "prod-app-a") == Traffic.parse("tcp/443")
    assert m.traffic("onprem:office", "dev-app-a") == Traffic.none()  # dev's table has no route to the office
    assert not any(dst in ("onprem:office", "internet") for _, dst in m.cells)  # no cell between two outside places


def test_cli_reach_from_and_to_onprem(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reach", "-d", str(HUB), "--from", "onprem:office", "--json"]) == 0
    cells = json.loads(capsys.readouterr().out)["cells"]
    assert {(c["from"], c["to"], c["text"]) for c in cells} == {("onprem:office", "prod-app", "tcp 443"),
                                                                ("onprem:office", "prod-db", "tcp 5432")}
    assert main(["reach", "-d", str(HUB), "--from", "onprem:mars"]) == 3
    assert "'onprem:mars' is not an instance" in capsys.readouterr().err
