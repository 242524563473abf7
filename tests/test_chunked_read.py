"""The two large describe-* outputs read in chunks of items (`_Importer.read_chunked`) give what
reading them whole does: the same values, every location, every diagnostic, in the same order."""

from __future__ import annotations

import codecs
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vpcsim
import vpcsim.components  # noqa: F401  (the importer needs the component mappings)
from vpcsim.errors import DesignError
from vpcsim.importers import aws, chunks, jsonscan
from vpcsim.importers.items import FileText
from vpcsim.loader.reader import Built

# Strings that could fool a cut or a count: brackets, the item end `},`, a key end `":`, escapes.
_HOSTILE = st.lists(st.sampled_from(['{', '}', '[', ']', '},', '":', '"', '\\', ' ', '\n', 'a', 'é', '日', '😀']),
                    max_size=8).map("".join)
_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**35), _HOSTILE)
_VALUE = st.recursive(_LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(_HOSTILE, inner, max_size=3)), max_leaves=8)


def _interface(index: int, extra: dict[str, Any], attached: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"NetworkInterfaceId": f"eni-{index}", "SubnetId": "subnet-1", **extra}
    if attached:
        item["Attachment"] = {"InstanceId": f"i-{index}", "DeviceIndex": 0}
    return item


def _instances(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Reservations": [{"Instances": [{"InstanceId": f"i-{i}", "State": {"Name": "running"},
                                             "NetworkInterfaces": [_interface(i, e, False)], **e}]}
                             for i, e in enumerate(entries)]}


def _read(folder: Path, chunked: bool, monkeypatch: pytest.MonkeyPatch, chunk: int = 256) -> dict[str, Any]:
    """Every location of every container of the two files' kept items, and the diagnostics."""
    monkeypatch.setattr(aws, "CHUNK_MIN_BYTES", 0 if chunked else 1 << 40)
    monkeypatch.setattr(aws, "CHUNK_BYTES", chunk)
    imp = aws._Importer(str(folder), stream=False)  # (read and collect only: no pick to map instances in)
    taken = []
    try:
        for full, rel in imp.find_files(None):
            parsed = imp.read(full, rel)
            if parsed is None:
                continue
            doc, value = parsed
            taken.append(value is aws._COLLECTED)
            imp.docs.append(doc)
            if value is not aws._COLLECTED:
                imp.collect(doc, value)
        where: list[str] = []
        for key in ("NetworkInterfaces", "Reservations"):
            for aws_id, item in imp.raw[key].items():
                plain = chunks.plain(item)
                assert plain.loc == plain.doc.loc(plain.data, plain.path)  # (a held item's, from its offset)
                found: list[Any] = []
                jsonscan.preorder(plain.data, found.append, found.append)
                where += [f"{aws_id} {plain.path} {plain.doc.loc(c, plain.path)}" for c in found]
                where.append(json.dumps(plain.data, sort_keys=True))
    finally:
        for source in imp.sources:
            source.close()
    return {"where": where, "diagnostics": [f"{d.severity} {d.code} {d.location} {d.message}" for d in imp.diagnostics],
            "chunked": any(taken), "docs": len(imp.docs)}


def _write(folder: Path, name: str, value: Any, indent: int | None = 4, bom: bool = False,
           ascii: bool = True) -> None:
    """`ascii`: non-ASCII characters escaped (`\\u00e9`); else written as UTF-8, as the AWS CLI does."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(value, indent=indent, ensure_ascii=ascii)
    (folder / name).write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["Description", "Tags", "TagSet", "Groups", "x"]), _VALUE,
                                max_size=3), min_size=1, max_size=12),
       st.sampled_from([2, 4]), st.sampled_from([40, 300, 5000]), st.booleans(), st.booleans())
def test_chunked_locations_are_the_whole_files(tmp_path_factory: Any, entries: list[dict[str, Any]], indent: int,
                                              chunk: int, bom: bool, ascii: bool) -> None:
    folder = tmp_path_factory.mktemp("snap")
    _write(folder, "NetworkInterfaces.json",
           {"NetworkInterfaces": [_interface(i, e, i % 3 != 0) for i, e in enumerate(entries)]}, indent, bom, ascii)
    _write(folder, "Reservations.json", _instances(entries), indent, bom, ascii)
    with pytest.MonkeyPatch.context() as monkeypatch:
        whole = _read(folder, False, monkeypatch)
        chunked = _read(folder, True, monkeypatch, chunk)
    # (UTF-8 with a bracket in a string: that chunk is not plain, and its file is read whole)
    assert (chunked.pop("chunked") or not ascii) and not whole.pop("chunked")
    assert chunked == whole


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.lists(st.text(st.sampled_from("ab é日😀\"\\"), max_size=12), min_size=1, max_size=12),
       st.sampled_from([2, 4]), st.sampled_from([40, 300, 5000]), st.booleans(), st.sampled_from([7, 64, 1 << 18]))
def test_utf8_files_are_read_in_chunks_at_the_same_places(tmp_path_factory: Any, texts: list[str], indent: int,
                                                           chunk: int, bom: bool, block: int) -> None:
    """As the CLI writes them (UTF-8, not escaped): chunked, every line and column (in characters:
    an object after a key `"日": {`), in blocks of `block` bytes (lines across them), as read whole."""
    folder = tmp_path_factory.mktemp("snap")
    entries = [{"Description": text, "Tags": [{"Key": text, "Value": "ü" * i}], "x": {text * 3: {"y": [{}]}}}
               for i, text in enumerate(texts)]
    _write(folder, "NetworkInterfaces.json",
           {"NetworkInterfaces": [_interface(i, e, i % 3 != 0) for i, e in enumerate(entries)]}, indent, bom, False)
    _write(folder, "Reservations.json", _instances(entries), indent, bom, False)
    with pytest.MonkeyPatch.context() as monkeypatch:
        whole = _read(folder, False, monkeypatch)
        monkeypatch.setattr(FileText, "BLOCK", block)
        chunked = _read(folder, True, monkeypatch, chunk)
    assert chunked.pop("chunked") and not whole.pop("chunked")
    assert chunked == whole


def test_a_file_not_as_the_cli_prints_it_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    items = {"NetworkInterfaces": [_interface(i, {"Description": "x"}, True) for i in range(30)]}
    for name, text in {
        "compact": json.dumps(items),
        "tabs": json.dumps(items, indent="\t"),
        "two keys": json.dumps({**items, "NextToken": "abc"}, indent=4),
        "an item not an object": json.dumps({"NetworkInterfaces": [*items["NetworkInterfaces"], 7]}, indent=4),
        "not ASCII, a bracket in a string": json.dumps(
            {"NetworkInterfaces": [_interface(1, {"Description": "é{"}, True)] * 2}, indent=4, ensure_ascii=False),
        "crlf": json.dumps(items, indent=4).replace("\n", "\r\n"),
    }.items():
        folder = tmp_path / name.replace(" ", "-")
        folder.mkdir()
        (folder / "NetworkInterfaces.json").write_text(text, encoding="utf-8")
        whole = _read(folder, False, monkeypatch)
        chunked = _read(folder, True, monkeypatch)
        assert not chunked.pop("chunked"), name
        whole.pop("chunked")
        assert chunked == whole, name


def _located_error(folder: Path, monkeypatch: pytest.MonkeyPatch, chunked: bool) -> list[str]:
    monkeypatch.setattr(aws, "CHUNK_MIN_BYTES", 0 if chunked else 1 << 40)
    monkeypatch.setattr(aws, "CHUNK_BYTES", 200)
    with pytest.raises(DesignError) as caught:
        aws.snapshot_to_design(folder)
    return [f"{d.code} {d.location} {d.message}" for d in caught.value.diagnostics]


def test_a_malformed_item_is_reported_where_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps({"NetworkInterfaces": [_interface(i, {}, True) for i in range(20)]}, indent=4)
    at = text.index('"SubnetId"', len(text) * 2 // 3)
    text = text[:at] + '"SubnetId": tru, ' + text[at:]
    (tmp_path / "NetworkInterfaces.json").write_text(text)
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    where = f"{tmp_path / 'NetworkInterfaces.json'}:{caught.value.lineno}:{caught.value.colno}"
    chunked = _located_error(tmp_path, monkeypatch, True)
    assert chunked == _located_error(tmp_path, monkeypatch, False)
    assert [line for line in chunked if line.startswith("aws-json")] == [f"aws-json {where} malformed JSON: "
                                                                         f"{caught.value.msg}"]


@pytest.mark.parametrize("streamed", [False, True])
def test_reservations_collect_reports_in_chunks_as_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        streamed: bool) -> None:
    """Instances not a list, an item not an object, an instance with no id or an empty one, a repeat
    that differs: said in the same words, at the same places, chunked or whole."""
    good = _instances([{"Description": f"d{i}"} for i in range(12)])["Reservations"]
    bad: list[Any] = [{"Instances": "x"}, {"Instances": [7, {**good[1]["Instances"][0], "InstanceId": "i-new"}, None]},
                      {"Instances": [{}]}, {"Instances": [{"InstanceId": ""}]}, {"Instances": [{**good[2]["Instances"][0], "x": 1}]},
                      {"Instances": [{"InstanceId": 5}]}, {"Groups": []}]
    mixed = [item for pair in zip(good, bad + [{}] * (len(good) - len(bad)), strict=True) for item in pair]
    _write(tmp_path, "Reservations.json", {"Reservations": mixed})
    if streamed:
        found = [line for line in _imported(tmp_path, True, monkeypatch) if " aws-" in f" {line}"]
        assert found == [line for line in _imported(tmp_path, False, monkeypatch) if " aws-" in f" {line}"]
        assert any("aws-type" in line for line in found)
        return
    whole, chunked = _read(tmp_path, False, monkeypatch), _read(tmp_path, True, monkeypatch, 300)
    assert chunked.pop("chunked") and not whole.pop("chunked")
    assert chunked == whole
    codes = {line.split()[1] for line in whole["diagnostics"]}
    assert {"aws-type", "aws-missing-field", "aws-duplicate"} <= codes, whole["diagnostics"]
    # Every instance kept from a chunk is held (its chunk is not kept for it), the one beside
    # items that are not objects too.
    imp = aws._Importer(str(tmp_path), stream=False)
    try:
        for full, rel in imp.find_files(None):
            assert imp.read(full, rel) is not None
        kept = imp.raw["Reservations"]
        assert len(kept) == 13 and all(type(item) is chunks.Held for item in kept.values())
    finally:
        for source in imp.sources:
            source.close()


def test_a_repeated_key_is_still_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = json.dumps({"NetworkInterfaces": [_interface(i, {"Description": "a"}, True) for i in range(20)]},
                      indent=4)
    at = text.index('"Description"', len(text) // 2)
    text = text[:at] + '"Description": "b",\n                ' + text[at:]
    (tmp_path / "NetworkInterfaces.json").write_text(text)
    chunked = _located_error(tmp_path, monkeypatch, True)
    assert chunked == _located_error(tmp_path, monkeypatch, False)
    line = text.count("\n", 0, text.index('"Description"', at + 5)) + 1
    assert any("duplicate key 'Description'" in d and f":{line}:" in d for d in chunked), chunked


@pytest.mark.parametrize("name", ["NetworkInterfaces.json", "Reservations.json"])
def test_a_repeated_key_in_a_file_too_large_to_locate_whole_is_located_by_its_chunk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Read whole, a file above LOCATE_MAX_BYTES says a repeated key at its first line (no offsets);
    read in chunks, the chunk's own parse says the line and column, as a small file's read whole does."""
    value: Any = ({"NetworkInterfaces": [_interface(i, {"Description": "a"}, True) for i in range(20)]}
                  if name.startswith("Network") else _instances([{"Description": "a"}] * 20))
    text = json.dumps(value, indent=4)
    at = text.index('"Description"', len(text) // 2)
    text = text[:at] + '"Description" : "b", ' + text[at:]
    (tmp_path / name).write_text(text)
    second = text.index('"Description"', at + 5)
    expected = (f"aws-json {tmp_path / name}:{text.count(chr(10), 0, second) + 1}:{second - text.rfind(chr(10), 0, second)} "
                f"malformed JSON: duplicate key 'Description' (first at line {text.count(chr(10), 0, at) + 1}); "
                "expected each key once")
    assert expected in _located_error(tmp_path, monkeypatch, False)  # (small: the exact parser says where)
    monkeypatch.setattr(aws, "LOCATE_MAX_BYTES", 0)
    assert expected not in _located_error(tmp_path, monkeypatch, False)  # (said at 1:1)
    assert expected in _located_error(tmp_path, monkeypatch, True)


@pytest.mark.parametrize("chunked", [True, False])
def test_a_repeated_key_beside_a_key_with_a_blank_before_its_colon_is_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunked: bool) -> None:
    """A key written `"Key" :` once hid a repeated key from the fast path's key count: the repeated
    key's last value was taken, silently. It is refused as each object is built now."""
    text = json.dumps({"NetworkInterfaces": [_interface(i, {"Description": "a"}, True) for i in range(20)]},
                      indent=4)
    text = text.replace('"SubnetId":', '"SubnetId" :', 1)
    at = text.index('"Description"', len(text) // 2)
    text = text[:at] + '"Description": "b",\n                ' + text[at:]
    (tmp_path / "NetworkInterfaces.json").write_text(text)
    errors = _located_error(tmp_path, monkeypatch, chunked)
    line = text.count("\n", 0, text.index('"Description"', at + 5)) + 1
    assert any("duplicate key 'Description'" in d and f":{line}:" in d for d in errors), errors


@pytest.mark.parametrize("attached", [True, False])
def test_values_nested_as_deep_as_the_c_scanner_goes_are_errors_not_crashes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, attached: bool) -> None:
    """A chunk is not walked by Python when it is parsed (`parse_chunk`), so it may hold a value
    nested deeper than Python's stack: what reads it later (locating an array, pinning a loose
    interface, comparing a repeated one) must load or end in diagnostics, never in a RecursionError
    or a descriptor closed twice (the second close was of the next file opened)."""
    monkeypatch.setattr(aws, "CHUNK_MIN_BYTES", 0)
    monkeypatch.setattr(aws, "CHUNK_BYTES", 256)
    limit = sys.getrecursionlimit()
    items = [_interface(i, {"Description": "x"}, attached) for i in range(6)]
    files = {"NetworkInterfaces.json": json.dumps({"NetworkInterfaces": items + items[:1]}, indent=4),  # (eni-0 twice)
             "Reservations.json": json.dumps(_instances([{"Description": "x"}] * 6), indent=4)}
    for name, text in files.items():
        for depth in range(limit - 60, limit + 5, 3):
            for deep in ("[" * depth + "]" * depth, '{"a": ' * depth + "1" + "}" * depth):
                for other in tmp_path.iterdir():
                    other.unlink()
                (tmp_path / name).write_text(text.replace('"Description": "x"', '"Description": ' + deep, 1))
                try:  # (a RecursionError or an OSError fails the test)
                    vpcsim.load(tmp_path)  # (an instance's Description is not read: it may load)
                except DesignError as exc:
                    codes = {d.code for d in exc.diagnostics}
                    assert codes and "aws-changed" not in codes, (name, depth, codes)
                else:
                    assert name == "Reservations.json", depth


def test_a_large_file_with_a_bracket_in_a_string_is_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read whole, a file over LOCATE_MAX_BYTES that the fast path declines gets JSON paths only;
    read in chunks, only the chunk with the bracket goes to the exact parser, and all is located."""
    monkeypatch.setattr(aws, "LOCATE_MAX_BYTES", 0)
    entries = [{"Description": "a [b] {c}" if i == 7 else "plain"} for i in range(20)]
    _write(tmp_path, "NetworkInterfaces.json",
           {"NetworkInterfaces": [_interface(i, e, True) for i, e in enumerate(entries)]})
    whole = _read(tmp_path, False, monkeypatch)
    chunked = _read(tmp_path, True, monkeypatch, 300)
    assert all(".json (" in line for line in whole["where"] if line.startswith("eni-"))  # no line, no column
    monkeypatch.setattr(aws, "LOCATE_MAX_BYTES", 1 << 40)
    assert chunked == _read(tmp_path, True, monkeypatch, 300) and chunked["chunked"]
    exact = _read(tmp_path, False, monkeypatch)
    exact.pop("chunked")
    chunked.pop("chunked")
    assert chunked == exact and not any(".json (" in line for line in chunked["where"])


@pytest.mark.pure_python  # (patches _Importer's methods)
def test_a_file_changed_while_imported_is_an_error_not_other_data(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws, "CHUNK_MIN_BYTES", 0)
    monkeypatch.setattr(aws, "CHUNK_BYTES", 200)
    # (A State that its pick reads from the JSON, reporting: so each instance is parsed again then;
    # one read through its pick view, located where it was held, is not.)
    _write(tmp_path, "Reservations.json", _instances([{"Description": "x", "State": {"Name": 7}}] * 10))
    original = aws._Importer.pick_instances

    def changed(self: aws._Importer) -> None:
        path = tmp_path / "Reservations.json"
        path.write_text(path.read_text().replace('"x"', '"y"'))
        original(self)

    monkeypatch.setattr(aws._Importer, "pick_instances", changed)
    with pytest.raises(DesignError, match="changed while it was imported"):
        aws._Importer(str(tmp_path), stream=False).run(None)  # (streamed, it is read once, when picked)


@settings(derandomize=True, max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab\n"), max_size=60), st.lists(st.integers(0, 9), max_size=8))
def test_file_text_fed_in_pieces_is_the_file_text_of_its_text(text: str, cuts: list[int]) -> None:
    class Small(FileText):
        BLOCK = 5

    whole = Small(os.open(os.devnull, os.O_RDONLY), 0, text)
    fed = Small(os.open(os.devnull, os.O_RDONLY), 0)
    data, at = text.encode(), 0
    for size in cuts:
        fed.feed(data[at:at + size])
        at += size
    fed.feed(data[at:])
    try:
        assert (list(fed._lines), list(fed._last)) == (list(whole._lines), list(whole._last))
    finally:
        whole.close()
        fed.close()


def test_repeated_instances_across_chunks_warn_where_they_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A repeat that differs is compared with its first, parsed again from an earlier chunk, while
    the chunk being collected (whose items the warnings locate) stays parsed."""
    entries = [{"InstanceType": f"t{i}"} for i in range(12)]
    value = _instances(entries)
    # Two repeats to an item, of instances in two earlier chunks: both are parsed again.
    again = [{"Instances": [{**value["Reservations"][i]["Instances"][0], "InstanceType": "other"}
                            for i in pair]} for pair in ((0, 6), (3, 9), (1, 11))]
    value["Reservations"] += again
    _write(tmp_path, "Reservations.json", value)
    whole = _read(tmp_path, False, monkeypatch)
    chunked = _read(tmp_path, True, monkeypatch, 150)
    assert chunked.pop("chunked") and not whole.pop("chunked")
    assert chunked == whole
    assert sum("appears twice" in d for d in chunked["diagnostics"]) == 6
    assert all(".json:" in d for d in chunked["diagnostics"] if "appears twice" in d)


# -- instances mapped as describe-instances is read (`_Importer.stream_instances`) ---------------

_ENI = st.tuples(st.sampled_from(["subnet-1", "subnet-2", "subnet-x"]), st.one_of(st.none(), st.integers(0, 2)),
                 st.sampled_from([[], ["sg-1"], ["sg-x"], ["sg-1", "sg-x"]]), st.booleans(),
                 st.sampled_from([False, False, True]))  # (an ENI id that another instance repeats)
_INSTANCE = st.tuples(st.sampled_from([None, "a", "a.eth0", "a.eth1", "b", "b.eth2"]),
                      st.sampled_from(["running", "running", "stopped", "terminated", "bogus"]),
                      st.lists(_ENI, max_size=3), st.sampled_from([None, "1.2.3.4", "x"]))


def _estate(folder: Path, instances: list[Any], repeat: bool) -> None:
    """A VPC, two subnets, a group, and `instances` (name, state, interfaces, public IP) in
    describe-instances, their interfaces (some listed, with a public IP) in
    describe-network-interfaces: names that collide with interfaces', orphans, missing groups."""
    _write(folder, "Vpcs.json", {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]})
    _write(folder, "Subnets.json", {"Subnets": [
        {"SubnetId": f"subnet-{i}", "VpcId": "vpc-1", "CidrBlock": f"10.0.{i}.0/24", "AvailabilityZone": "us-east-1a"}
        for i in (1, 2)]})
    _write(folder, "SecurityGroups.json", {"SecurityGroups": [{"GroupId": "sg-1", "VpcId": "vpc-1", "GroupName": "g",
                                                               "IpPermissions": [], "IpPermissionsEgress": []}]})
    reservations, listed = [], []
    for i, (name, state, enis, public) in enumerate(instances):
        interfaces = []
        for k, (subnet, device, groups, shown, shared) in enumerate(enis):
            eni: dict[str, Any] = {"NetworkInterfaceId": f"eni-shared-{k}" if shared else f"eni-{i}-{k}",
                                   "SubnetId": subnet,
                                   "PrivateIpAddress": f"10.0.{1 if subnet == 'subnet-1' else 2}.{10 + i}",
                                   "Groups": [{"GroupId": g} for g in groups]}
            if device is not None:
                eni["Attachment"] = {"DeviceIndex": device}
            interfaces.append(eni)
            if shown:
                listed.append({**eni, "Attachment": {"InstanceId": f"i-{i}", "DeviceIndex": device or 0},
                               "Association": {"PublicIp": f"3.3.{i}.{k}", **({"AllocationId": "a"} if k else {})}})
        instance: dict[str, Any] = {"InstanceId": f"i-{i}", "State": {"Name": state}, "NetworkInterfaces": interfaces}
        if name is not None:
            instance["Tags"] = [{"Key": "Name", "Value": name}]
        if public is not None:
            instance["PublicIpAddress"] = public
        reservations.append({"Instances": [instance]})
    if repeat and reservations:
        reservations.append(reservations[0])
    _write(folder, "NetworkInterfaces.json", {"NetworkInterfaces": listed})
    _write(folder, "Reservations.json", {"Reservations": reservations})


def _imported(folder: Path, streamed: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The design, the located tree and the diagnostics of an import, as text."""
    monkeypatch.setattr(aws, "CHUNK_MIN_BYTES", 0 if streamed else 1 << 40)
    monkeypatch.setattr(aws, "CHUNK_BYTES", 300)
    try:
        tree, warnings = aws.load_snapshot_tree(folder)
    except DesignError as exc:
        return [f"{d.severity} {d.code} {d.location} {d.message}" for d in exc.diagnostics]
    design, _ = aws.snapshot_to_design(folder)
    out = [json.dumps(design)] + [f"{d.code} {d.location} {d.message}" for d in warnings]

    def walk(node: Any, path: str) -> None:
        out.append(f"{path} {node.loc}")
        if isinstance(node, Built):  # (records the importer built: each field, and each one's location)
            out.extend(f"{path} {record!r} {record.loc}" for record in (node.instance, *node.interfaces))
        for key, child in getattr(node, "entries", {}).items():
            walk(child, f"{path}.{key}")
        for index, child in enumerate(getattr(node, "items", ())):
            walk(child, f"{path}[{index}]")

    walk(tree, "$")
    return out


@pytest.mark.pure_python  # (patches _Importer's methods)
@settings(derandomize=True, max_examples=80, deadline=None)
@given(st.lists(_INSTANCE, max_size=10), st.booleans())
def test_instances_mapped_as_read_are_mapped_as_after(tmp_path_factory: Any, instances: list[Any],
                                                     repeat: bool) -> None:
    folder = tmp_path_factory.mktemp("estate")
    _estate(folder, instances, repeat)
    written: list[str] = []
    with pytest.MonkeyPatch.context() as monkeypatch:
        late = aws._Importer.late_body

        def spy(self: aws._Importer, instance_id: str, *args: Any) -> dict[str, Any]:
            written.append(instance_id)
            return late(self, instance_id, *args)

        monkeypatch.setattr(aws._Importer, "late_body", spy)
        after = _imported(folder, False, monkeypatch)
        assert not written
        assert _imported(folder, True, monkeypatch) == after
    picked = {f"i-{i}" for i, (_, state, enis, _) in enumerate(instances)
              if state in ("running", "stopped") and any(e[0] != "subnet-x" for e in enis)}
    assert set(written) >= picked and (not picked or written)  # (twice: the tree, then the design)


@pytest.mark.pure_python  # (patches _Importer's methods)
def test_plain_instances_streamed_are_picked_at_once_as_they_are_after(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """`quick_pick` takes every plain instance, and leaves the same records, names, locations and
    warnings as picking them after (a repeated interface id: its listed public IP is read once)."""
    instances = [(name, "running", [("subnet-1", device, ["sg-1"], shown, shared), ("subnet-2", None, ["sg-1"], True, False)],
                  public) for name, device, shown, shared, public in
                 [("a", None, True, False, None), ("a", 1, False, True, "1.2.3.4"), (None, 0, True, True, None),
                  ("b.eth1", 2, False, False, "5.6.7.8")]]
    instances.append(("c", "stopped", [("subnet-1", None, ["sg-1"], False, False)], None))  # (not plain: not running)
    _estate(tmp_path, instances, False)
    quick = aws._Importer.quick_pick
    taken: list[bool] = []

    def spy(self: aws._Importer, *args: Any) -> bool:
        taken.append(quick(self, *args))
        return taken[-1]

    monkeypatch.setattr(aws._Importer, "quick_pick", spy)
    streamed = _imported(tmp_path, True, monkeypatch)
    assert taken[:5] == [True, True, True, True, False]
    taken.clear()
    assert _imported(tmp_path, False, monkeypatch) == streamed and not taken
    assert sum("Interface(" in line for line in streamed) == 8 and not any("error" in line for line in streamed)


@pytest.mark.pure_python  # (patches _Importer's methods)
def test_instances_from_files_of_both_shapes_are_imported_again_not_streamed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A describe-instances file read whole (compact) before one read in chunks: which of a repeated
    instance is kept depends on their order, so the import runs again with both read first."""
    _estate(tmp_path, [("a", "running", [("subnet-1", 0, [], True, False)], None)] * 3, False)
    value = json.loads((tmp_path / "Reservations.json").read_text())
    value["Reservations"][1]["Instances"][0]["InstanceType"] = "t3.nano"  # (a repeat that differs)
    (tmp_path / "A.json").write_text(json.dumps({"Reservations": [value["Reservations"][1]]}))  # compact
    restarts: list[bool] = []
    init = aws._Importer.__init__

    def spy(self: aws._Importer, path: str, stream: bool = True, records: bool = False) -> None:
        restarts.append(not stream)
        init(self, path, stream, records)

    monkeypatch.setattr(aws._Importer, "__init__", spy)
    streamed = _imported(tmp_path, True, monkeypatch)
    assert restarts == [False, True, False, True]  # (the tree, then the design: each imported twice)
    assert streamed == _imported(tmp_path, False, monkeypatch)
    assert any("appears twice" in line for line in streamed)


@pytest.mark.pure_python  # (patches _Importer's methods)
def test_describe_instances_not_ascii_is_streamed_without_a_restart(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    _estate(tmp_path, [("é日😀", "running", [("subnet-1", 0, [], True, False)], None)] * 3, False)
    path = tmp_path / "Reservations.json"
    path.write_text(json.dumps(json.loads(path.read_text()), indent=4, ensure_ascii=False), encoding="utf-8")
    streams: list[bool] = []
    deferred: list[int] = []
    init = aws._Importer.__init__
    stream = aws._Importer.stream_instances

    def spy(self: aws._Importer, folder: str, stream: bool = True, records: bool = False) -> None:
        streams.append(stream)
        init(self, folder, stream, records)

    def streamed_from(self: aws._Importer, *args: Any) -> None:
        deferred.append(len(self.deferred))
        stream(self, *args)

    monkeypatch.setattr(aws._Importer, "__init__", spy)
    monkeypatch.setattr(aws._Importer, "stream_instances", streamed_from)
    streamed = _imported(tmp_path, True, monkeypatch)
    assert streams == [True, True] and deferred == [1, 1]
    assert streamed == _imported(tmp_path, False, monkeypatch)
    assert '"Name": "\\u00e9\\u65e5\\ud83d\\ude00"' in streamed[0]  # (the tag, as json.dumps writes it)


@pytest.mark.parametrize("name", ["NetworkInterfaces.json", "Reservations.json"])
def test_a_chunk_not_utf8_is_reported_where_the_whole_file_reports_it(tmp_path: Path, name: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _estate(tmp_path, [("a", "running", [("subnet-1", 0, [], True, False)], None)] * 20, False)
    path = tmp_path / name
    data = path.read_bytes()
    at = data.index(b'"eni-1')
    path.write_bytes(data[:at] + b'"\xe9' + data[at + 1:])  # (a Latin-1 byte)
    streamed, whole = _located_error(tmp_path, monkeypatch, True), _located_error(tmp_path, monkeypatch, False)
    assert streamed == whole and any(line.startswith("aws-encoding") for line in whole)


@pytest.mark.pure_python  # (patches _Importer's methods)
def test_a_generated_estate_in_utf8_is_streamed_and_read_as_whole(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from generate import generate, write_snapshot

    write_snapshot(generate(2, 4, 2), str(tmp_path), utf8=True)
    assert not (tmp_path / "aws_configs" / "Reservations.json").read_bytes().isascii()
    deferred: list[int] = []
    stream = aws._Importer.stream_instances

    def streamed_from(self: aws._Importer, *args: Any) -> None:
        deferred.append(len(self.deferred))
        stream(self, *args)

    streams: list[bool] = []
    init = aws._Importer.__init__

    def spy(self: aws._Importer, folder: str, stream: bool = True, records: bool = False) -> None:
        streams.append(stream)
        init(self, folder, stream, records)

    monkeypatch.setattr(aws._Importer, "__init__", spy)
    monkeypatch.setattr(aws._Importer, "stream_instances", streamed_from)
    streamed = _imported(tmp_path / "aws_configs", True, monkeypatch)
    assert deferred == [1, 1] and streams == [True, True]  # (streamed, not started again)
    assert streamed == _imported(tmp_path / "aws_configs", False, monkeypatch)
    assert '"\\u00e9quipe": "r\\u00e9seau \\u2013 donn\\u00e9es"' in streamed[0]


@pytest.mark.parametrize("interfaces", [7, "x", {}, None, []])
def test_an_instances_interfaces_not_a_list_are_said_in_chunks_as_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      interfaces: Any) -> None:
    """A held instance whose NetworkInterfaces is not a list (found by tests/test_native.py's
    hostile snapshots: it was a TypeError, read in chunks), said as read whole."""
    reservations = _instances([{"Description": f"d{i}"} for i in range(6)])["Reservations"]
    reservations[3]["Instances"][0]["NetworkInterfaces"] = interfaces
    _write(tmp_path, "Reservations.json", {"Reservations": reservations})
    chunked, whole = _imported(tmp_path, True, monkeypatch), _imported(tmp_path, False, monkeypatch)
    assert chunked == whole
    said = [line for line in whole if "aws-" in line]
    assert said and all("Traceback" not in line for line in chunked)
