"""The worked example of docs/architecture.md: a component that drops everything, in one file.

`vpcsim/components/sinkhole.py` adds a design section (`sinkholes:`), a route target
(`sinkhole: NAME`), a validation rule, its trace step and its graph node, with no edit anywhere
else in the package but the JSON Schema.
"""

from __future__ import annotations

import json
import textwrap
from importlib import resources
from pathlib import Path

import pytest
import yaml

import vpcsim
from vpcsim.cli import main
from vpcsim.errors import DesignError

DESIGN = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
  lab: {cidrs: [10.9.0.0/16]}
sinkholes:
  quarantine: {vpc: prod, description: until the firewall lands}
route_tables:
  app-rt:
    vpc: prod
    routes:
      - {destination: 192.168.0.0/16, sinkhole: quarantine}   # the deny route: no way to the old office
subnets:
  app: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a, route_table: app-rt}
  db: {vpc: prod, cidr: 10.0.2.0/24, az: eu-west-1a}
security_groups:
  open:
    vpc: prod
    ingress: [{protocol: all, cidr: 10.0.0.0/16}]
instances:
  app: {subnet: app, security_groups: [open]}
  db: {subnet: db, security_groups: [open]}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "design.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_route_to_a_sinkhole_drops_and_says_where(tmp_path: Path) -> None:
    net = vpcsim.load(_write(tmp_path, DESIGN))
    result = net.trace("app", "192.168.5.5", 443)
    assert not result.reachable
    assert result.disposition.value == "NULL_ROUTED"
    assert [h.kind for h in result.forward] == ["eni", "subnet", "sinkhole"]
    (blocker,) = result.blocked_by
    assert blocker.code.value == "BAD_STATE_ROUTE" and blocker.component == "quarantine"
    assert "until the firewall lands" in blocker.detail
    assert blocker.location is not None and blocker.location.line == DESIGN.splitlines().index(
        next(line for line in DESIGN.splitlines() if "the deny route" in line)) + 1
    # Traffic the sinkhole's route does not match is unaffected.
    assert net.trace("app", "db", 5432).reachable


def test_the_sinkhole_is_in_the_component_graph(tmp_path: Path) -> None:
    net = vpcsim.load(_write(tmp_path, DESIGN))
    assert net.graph.nodes[("sinkhole", "quarantine")]["kind"] == "sinkhole"
    assert any(v == ("sinkhole", "quarantine") and data["relation"] == "route"
               for _, v, data in net.graph.edges(data=True))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("sinkhole: quarantine", "sinkhole: nowhere"), "sinkhole: no sinkhole named 'nowhere' (known: quarantine)"),
        (("quarantine: {vpc: prod,", "quarantine: {vpc: lab,"),
         "sinkhole quarantine is in vpc lab, not prod (expected a sinkhole of the route table's own VPC)"),
        (("quarantine: {vpc: prod,", "quarantine: {vpc: nope,"), "sinkhole quarantine: vpc: no vpc named 'nope'"),
        (("description: until", "colour: red, description: until"), "colour"),
    ],
)
def test_bad_sinkholes_are_located_errors(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    text = DESIGN.replace(*change)
    with pytest.raises(DesignError) as caught:
        vpcsim.load(_write(tmp_path, text))
    errors = [d for d in caught.value.diagnostics if d.severity.value == "error"]
    assert any(message in d.message for d in errors), [d.message for d in errors]
    assert all(d.location is not None and d.location.line > 0 for d in errors)


def test_the_cli_traces_through_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "--design", str(_write(tmp_path, DESIGN)), "app", "192.168.5.5", "443", "--json"]) == 0  # the trace ran
    doc = json.loads(capsys.readouterr().out)
    assert doc["disposition"] == "NULL_ROUTED"


def test_the_schema_accepts_the_section_and_its_route_target() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(resources.files("vpcsim").joinpath("schemas/design.schema.json").read_text())
    doc = yaml.safe_load(DESIGN)
    assert not list(jsonschema.Draft7Validator(schema).iter_errors(doc))
    doc["sinkholes"]["quarantine"]["colour"] = "red"
    assert list(jsonschema.Draft7Validator(schema).iter_errors(doc))
