"""The shipped JSON Schema accepts every bundled scenario and rejects what the loader rejects."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
import yaml

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads(resources.files("vpcsim").joinpath("schemas/design.schema.json").read_text())


def test_schema_is_valid_draft7() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_scenarios_match_schema(path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    if path.name.endswith(".assertions.yaml"):
        pytest.skip("assertion file")
    errors = sorted(jsonschema.Draft7Validator(SCHEMA).iter_errors(doc), key=str)
    assert not errors, "\n".join(e.message for e in errors[:5])


@pytest.mark.parametrize(
    "patch",
    [
        {"vpcs": {"prod": {"cidrs": ["10.0.0.0/33"]}}},
        {"vpcs": {"prod": {"cidrs": ["10.0.0.0/16"], "colour": "blue"}}},
        {"subnets": {"s": {"vpc": "prod", "cidr": "10.0.1.0/24"}}},  # no az
        {"route_tables": {"r": {"vpc": "prod", "routes": [{"destination": "0.0.0.0/0"}]}}},  # no target
    ],
)
def test_schema_rejects_bad_documents(patch: dict[str, object]) -> None:
    doc: dict[str, object] = {"region": "eu-west-1", "vpcs": {"prod": {"cidrs": ["10.0.0.0/16"]}}}
    doc.update(patch)
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(doc))
