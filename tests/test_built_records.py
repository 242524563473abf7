"""A snapshot load builds most instances as records straight from their JSON (`reader.Built`,
`_Importer.instance_draft`) instead of writing a body and reading it back: the two give the same
design, with every location, and the same diagnostics in the same order, on every snapshot
(bundled, Batfish's, generated, and hostile ones made here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vpcsim
import vpcsim.components  # noqa: F401  (the importer needs the component mappings)
from vpcsim.errors import DesignError
from vpcsim.importers import aws

ROOT = Path(__file__).resolve().parent.parent
BATFISH = ROOT.parent / "shared" / "conformance" / "batfish-aws"
sys.path.insert(0, str(ROOT / "benchmarks"))


# Every test here patches the importer (`_outcome`), to load the same snapshot both ways.
pytestmark = pytest.mark.pure_python


def _outcome(folder: Path, records: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], int]:
    """The load as text: the design's records, their locations and the diagnostics; and how many
    instances were built as records."""
    real, built = aws._imported, aws._Importer.built_instance
    count = [0]

    def imported(path: str, files: Any, **_: Any) -> Any:
        return real(path, files, records=records)

    def counted(self: aws._Importer, *args: Any) -> Any:
        count[0] += 1
        return built(self, *args)

    with monkeypatch.context() as patch:
        patch.setattr(aws, "_imported", imported)
        patch.setattr(aws._Importer, "built_instance", counted)
        try:
            net = vpcsim.load(folder)
        except DesignError as exc:
            return [f"{d.severity} {d.code} {d.location} {d.message}" for d in exc.diagnostics], count[0]
    design = net.design
    out = [repr(design)]
    out += [f"{name} {i.loc} {dict(i.tags)}" for name, i in design.instances.items()]
    out += [f"{name} {i.loc}" for name, i in design.interfaces.items()]
    out += [f"{d.severity} {d.code} {d.location} {d.message}" for d in net.warnings]
    return out, count[0]


def _same(folder: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    built, count = _outcome(folder, True, monkeypatch)
    written, none = _outcome(folder, False, monkeypatch)
    assert none == 0
    assert built == written
    return count


def _snapshots() -> list[Path]:
    found = [ROOT / "tests" / "data" / "aws" / "mini"]
    found += sorted(BATFISH.glob("*/aws_configs")) if BATFISH.is_dir() else []
    return found


@pytest.mark.parametrize("folder", _snapshots(), ids=lambda p: p.parent.name if p.name == "aws_configs" else p.name)
def test_records_and_bodies_load_the_same(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(folder, monkeypatch)


def test_a_generated_estate_is_built_as_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generate import generate, write_snapshot

    design = generate(2, 4, 5)
    write_snapshot(design, str(tmp_path / "estate"))
    assert _same(tmp_path / "estate", monkeypatch) == len(design["instances"]) > 0  # every one: the test can fail


# -- hostile shapes: each field of an instance and its interfaces, right, odd or wrong -------------

def _instance(odd: bool) -> st.SearchStrategy[dict[str, Any]]:
    """An instance of plain fields, each drawn from values AWS gives (every one built as records);
    with `odd`, also from values it does not, or that need the body (IPv6 prefixes, a secondary
    public IP, a group across the peering...): some fields then are."""

    def pick(plain: list[Any], other: list[Any] = []) -> st.SearchStrategy[Any]:  # noqa: B006
        return st.sampled_from(plain + other if odd else plain)

    ip = pick(["@a", "@b", " @c"], ["10.0.2.4", "010.0.1.1", "bad", "", None, 5])
    public = pick(["@p", "@q", None, ""], ["bad", 7])
    address = st.fixed_dictionaries({"PrivateIpAddress": ip}, optional={
        "Primary": pick([True, False], ["true", 1]),
        "Association": pick([{"PublicIp": "@s"}, {}], ["x", {"PublicIp": 3}])})
    group = st.fixed_dictionaries({"GroupId": pick(["sg-1", "sg-default"], ["sg-other", "sg-x", 5, ""])})
    interface = st.fixed_dictionaries(
        {"SubnetId": pick(["subnet-1", "subnet-1", "subnet-2"]), "PrivateIpAddress": ip,
         "Groups": st.one_of(st.lists(group, min_size=1, max_size=3), pick([[{"GroupId": "sg-1"}]], [[], "x"]))},
        optional={
            "PrivateIpAddresses": st.one_of(st.lists(address, max_size=3), pick([[]], ["x"])),
            "Ipv6Addresses": st.one_of(st.lists(st.fixed_dictionaries({"Ipv6Address": pick(
                ["@6", "@7", ""], ["::1.2.3.4", "bad", 5])}), max_size=2), pick([[]], [{}])),
            "Ipv6Prefixes": pick([[]], [[{"Ipv6Prefix": "2600:1f18::/80"}], 0]),
            "Association": st.one_of(st.fixed_dictionaries({"PublicIp": public}, optional={
                "AllocationId": pick(["eipalloc-1"], [9])}), pick([{}], ["x"])),
            "SourceDestCheck": pick([True, False], ["false", 3]),
        })
    return st.fixed_dictionaries(
        {"NetworkInterfaces": st.lists(interface, min_size=1, max_size=3)},
        optional={
            "State": pick([{"Name": "running"}, {}], [{"Name": "stopped"}, {"Name": 4}, "x"]),
            "PublicIpAddress": public,
            "SourceDestCheck": pick([True, False], ["x"]),
            "Tags": pick([[{"Key": "Name", "Value": "web"}], [{"Key": "Name", "Value": 5}]], ["x"]),
        })


_INSTANCE = st.one_of(_instance(False), _instance(True))


def _write(folder: Path, name: str, value: Any) -> None:
    (folder / name).write_text(json.dumps(value, indent=4))


def _addresses(value: Any, subnet: str, n: int) -> Any:
    """`value` with its address tokens made addresses of its interface (the `n`-th, in `subnet`):
    no two interfaces share one (a conflict would fail the load, and hide what is compared)."""
    if isinstance(value, dict):
        return {key: _addresses(item, subnet, n) for key, item in value.items()}
    if isinstance(value, list):
        return [_addresses(item, subnet, n) for item in value]
    if isinstance(value, str) and "@" in value:
        third = subnet[-1]
        made = {"@a": f"10.0.{third}.{10 + n}", "@b": f"10.0.{third}.{100 + n}", "@c": f"10.0.{third}.{200 + n}",
                "@p": f"3.3.{n}.1", "@q": f"4.4.{n}.1", "@s": f"5.5.{n}.1",
                "@6": f"2600:1f18::{n + 1:x}", "@7": f"2600:1F18:0::{n + 1:x}:6"}
        return value.replace(value.strip(), made[value.strip()])
    return value


def _hostile(folder: Path, instances: list[dict[str, Any]], listed: list[bool], eip: int | None) -> None:
    """Two VPCs (one peered), their subnets and groups, and `instances`: their interfaces listed
    in describe-network-interfaces too where `listed` says, with an Elastic IP on interface `eip`."""
    _write(folder, "Vpcs.json", {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16",
                                           "Ipv6CidrBlockAssociationSet": [{
                                               "Ipv6CidrBlock": "2600:1f18::/56",
                                               "Ipv6CidrBlockState": {"State": "associated"}}]},
                                          {"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16"}]})
    _write(folder, "Subnets.json", {"Subnets": [
        {"SubnetId": f"subnet-{i}", "VpcId": "vpc-1", "CidrBlock": f"10.0.{i}.0/24", "AvailabilityZone": "us-east-1a",
         "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2600:1f18::/64",
                                          "Ipv6CidrBlockState": {"State": "associated"}}] if i == 1 else []}
        for i in (1, 2)]})
    groups = [{"GroupId": "sg-1", "VpcId": "vpc-1", "GroupName": "app"},
              {"GroupId": "sg-default", "VpcId": "vpc-1", "GroupName": "default"},
              {"GroupId": "sg-other", "VpcId": "vpc-2", "GroupName": "db"}]
    _write(folder, "SecurityGroups.json", {"SecurityGroups": [
        {**g, "IpPermissions": [], "IpPermissionsEgress": []} for g in groups]})
    _write(folder, "VpcPeeringConnections.json", {"VpcPeeringConnections": [
        {"VpcPeeringConnectionId": "pcx-1", "Status": {"Code": "active"},
         "RequesterVpcInfo": {"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"},
         "AccepterVpcInfo": {"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16"}}]})
    reservations, enis, addresses = [], [], []
    count = 0
    for i, instance in enumerate(instances):
        interfaces = []
        for k, eni in enumerate(instance["NetworkInterfaces"]):
            eni = {"NetworkInterfaceId": f"eni-{i}-{k}", **_addresses(eni, str(eni["SubnetId"]), count),
                   "Attachment": {"DeviceIndex": k}}
            interfaces.append(eni)
            if listed[count % len(listed)]:
                # (describe-instances may leave out what describe-network-interfaces tells: a public IP)
                told = {} if "Association" in eni or count % 2 else {"Association": {"PublicIp": f"7.7.{count}.1"}}
                enis.append({**eni, **told, "Attachment": {"InstanceId": f"i-{i}", "DeviceIndex": k}})
            if eip == count:
                addresses.append({"PublicIp": "6.6.6.6", "AllocationId": "eipalloc-6",
                                  "NetworkInterfaceId": eni["NetworkInterfaceId"]})
            count += 1
        reservations.append({"Instances": [{"InstanceId": f"i-{i}", **_addresses(instance, "subnet-1", 50 + i),
                                            "NetworkInterfaces": interfaces}]})
    _write(folder, "Reservations.json", {"Reservations": reservations})
    _write(folder, "NetworkInterfaces.json", {"NetworkInterfaces": enis})
    _write(folder, "Addresses.json", {"Addresses": addresses})


@settings(derandomize=True, max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_INSTANCE, min_size=1, max_size=4), st.lists(st.booleans(), min_size=1, max_size=3),
       st.one_of(st.none(), st.integers(0, 5)), st.booleans())
def test_hostile_instances_load_as_their_bodies_do(tmp_path_factory: Any, instances: list[dict[str, Any]],
                                                   listed: list[bool], eip: int | None, chunked: bool) -> None:
    folder = tmp_path_factory.mktemp("hostile")
    _hostile(folder, instances, listed, eip)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(aws, "CHUNK_MIN_BYTES", 0 if chunked else 1 << 40)
        monkeypatch.setattr(aws, "CHUNK_BYTES", 256)
        _same(folder, monkeypatch)


def test_the_hostile_strategy_reaches_both_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain instance is built as records; one with delegated IPv6 prefixes is not."""
    plain = {"NetworkInterfaces": [{"SubnetId": "subnet-1", "PrivateIpAddress": "10.0.1.9",
                                    "Groups": [{"GroupId": "sg-1"}]}]}
    across = {"NetworkInterfaces": [{"SubnetId": "subnet-1", "PrivateIpAddress": "10.0.1.10",
                                     "Groups": [{"GroupId": "sg-1"}],
                                     "Ipv6Prefixes": [{"Ipv6Prefix": "2600:1f18::/80"}]}]}
    _hostile(tmp_path, [plain, across], [True], None)
    assert _same(tmp_path, monkeypatch) == 1
    assert vpcsim.load(tmp_path).design.interfaces  # (loads: what is compared is a design, not its errors)
