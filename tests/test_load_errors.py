"""Hostile and malformed design files: each must fail with one located DesignError, fast.

Nothing but DesignError may escape `load_design` (pytest.raises(DesignError) fails the test on
any other exception), and no YAML tag may ever construct a Python object.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

import vpcsim
from vpcsim.errors import DesignError, Diagnostic, Severity
from vpcsim.loader import reader
from vpcsim.loader.design import load_design

VALID = """\
region: eu-west-1
vpcs:
  prod: {cidrs: [10.0.0.0/16]}
subnets:
  a: {vpc: prod, cidr: 10.0.1.0/24, az: eu-west-1a}
"""


def fail(path: Path) -> list[Diagnostic]:
    with pytest.raises(DesignError) as info:
        load_design(path)
    diagnostics = list(info.value.diagnostics)
    assert diagnostics, "a DesignError must carry at least one diagnostic"
    assert all(d.severity is Severity.ERROR and d.location is not None for d in diagnostics)
    return diagnostics


def only(path: Path) -> Diagnostic:
    diagnostics = fail(path)
    assert len(diagnostics) == 1, [d.format() for d in diagnostics]
    return diagnostics[0]


def at(d: Diagnostic) -> tuple[str, int, int]:
    assert d.location is not None
    return d.location.file, d.location.line, d.location.col


def write(tmp_path: Path, content: str | bytes, name: str = "vpcsim.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_the_valid_base_design_loads(tmp_path: Path) -> None:
    design, warnings = load_design(write(tmp_path, VALID))
    assert warnings == ()
    assert list(design.subnets) == ["a"]


# ------------------------------------------------------------------------------ malformed YAML


def test_unclosed_bracket_points_at_where_the_parser_gave_up(tmp_path: Path) -> None:
    # The flow sequence opened on line 3 is closed by '}' at column 29.
    path = write(tmp_path, "region: eu-west-1\nvpcs:\n  prod: {cidrs: [10.0.0.0/16}\n")
    d = only(path)
    assert d.code == "yaml"
    assert d.message == "malformed YAML: did not find expected ',' or ']' (while parsing a flow sequence)"
    assert at(d) == (str(path), 3, 29)
    assert str(DesignError([d])).startswith(f"{path}:3:29: error: malformed YAML")


def test_unclosed_brace_is_reported_where_the_next_key_starts(tmp_path: Path) -> None:
    path = write(tmp_path, "region: eu-west-1\nvpcs:\n  prod: {cidrs: [10.0.0.0/16]\nsubnets: {}\n")
    d = only(path)
    assert d.message == "malformed YAML: did not find expected ',' or '}' (while parsing a flow mapping)"
    assert at(d) == (str(path), 4, 1)


def test_bad_indentation(tmp_path: Path) -> None:
    path = write(tmp_path, "region: eu-west-1\nvpcs:\n  prod:\n    cidrs: [10.0.0.0/16]\n   bad: 1\n")
    d = only(path)
    assert d.code == "yaml"
    assert d.message.startswith("malformed YAML: ")
    assert at(d)[1] == 5


def test_duplicate_key(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "region: us-east-1\n")
    d = only(path)
    assert d.code == "duplicate-key"
    assert d.message == "duplicate key 'region' (first written at line 1); expected each key once"
    assert at(d) == (str(path), 6, 1)


def test_duplicate_key_in_a_nested_flow_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "region: eu-west-1\nvpcs:\n  prod: {cidrs: [10.0.0.0/16], cidrs: [10.1.0.0/16]}\n")
    d = only(path)
    assert d.code == "duplicate-key"
    assert d.message == "duplicate key 'cidrs' (first written at line 3); expected each key once"
    assert at(d) == (str(path), 3, 32)


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["region: eu-west-1", f"a0: &a0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_fails_fast(tmp_path: Path) -> None:
    """Billion laughs: 9 levels of 9 aliases expand to 9**9 (387 million) strings."""
    path = write(tmp_path, _alias_bomb())
    start = time.perf_counter()
    d = only(path)
    assert time.perf_counter() - start < 5.0
    assert d.code == "too-large"
    assert d.message == (
        f"document expands to more than {reader.MAX_NODES:,} nodes (an alias bomb?); "
        "expected a design of reasonable size"
    )
    # It points into the alias lines (a1..a9 are lines 3-11), not at the top of the file.
    file, line, _ = at(d)
    assert file == str(path) and 3 <= line <= 11


def test_a_small_alias_expansion_is_fine(tmp_path: Path) -> None:
    """Aliases are legal YAML: a modest expansion (9**3 strings) is read, then judged by the builder."""
    diagnostics = fail(write(tmp_path, _alias_bomb(levels=3)))
    assert sorted(d.code for d in diagnostics) == ["missing-key"] + ["unknown-key"] * 4
    assert [d.message.split(" (")[0] for d in diagnostics if d.code == "unknown-key"] == [
        f"design: unknown key 'a{level}'" for level in range(4)
    ]


def test_recursive_alias(tmp_path: Path) -> None:
    path = write(tmp_path, "region: &r [eu-west-1, *r]\nvpcs: {}\n")
    d = only(path)
    assert d.code == "yaml"
    assert d.message == "alias *r refers to no finished anchor (a recursive alias?)"
    assert at(d) == (str(path), 1, 24)


def test_recursive_alias_through_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "region: eu-west-1\nvpcs: &v\n  prod: *v\n")
    d = only(path)
    assert "recursive alias" in d.message
    assert at(d) == (str(path), 3, 9)


def test_undefined_alias(tmp_path: Path) -> None:
    path = write(tmp_path, "region: *nowhere\nvpcs: {}\n")
    d = only(path)
    assert d.code == "yaml"
    assert "*nowhere" in d.message
    assert at(d) == (str(path), 1, 9)


def test_deep_nesting(tmp_path: Path) -> None:
    depth = 500
    path = write(tmp_path, "region: " + "[" * depth + "]" * depth + "\n")
    d = only(path)
    assert d.code == "too-deep"
    assert d.message.startswith(f"nested more than {reader.MAX_DEPTH} levels deep")
    # The root mapping is level 1; the bracket that goes one level too far is at column 9 + 64 - 1.
    assert at(d) == (str(path), 1, 9 + reader.MAX_DEPTH - 1)


def test_merge_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "base: &b {cidrs: [10.0.0.0/16]}\nregion: eu-west-1\nvpcs:\n  prod:\n    <<: *b\n")
    d = only(path)
    assert d.code == "yaml"
    assert d.message == "YAML merge keys (<<) are not supported; write the keys out"
    assert at(d) == (str(path), 5, 5)


def test_a_key_that_is_not_a_string(tmp_path: Path) -> None:
    path = write(tmp_path, "region: eu-west-1\n? [a, b]\n: 1\n")
    d = only(path)
    assert d.message == "a mapping key must be a plain string"
    assert at(d) == (str(path), 2, 3)


# --------------------------------------------------------------------------- size and bytes


def test_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, VALID)
    size = len(VALID.encode())
    assert reader.read_text(str(path), max_bytes=size) == VALID  # exactly at the limit: fine
    with pytest.raises(DesignError) as info:
        reader.load_file(str(path), max_bytes=size - 1)
    (d,) = info.value.diagnostics
    assert d.code == "too-large"
    assert d.message == (
        f"design file is {size:,} bytes; the limit is {size - 1:,} bytes (expected a YAML design, not a data dump)"
    )
    assert at(d) == (str(path), 1, 1)


def test_a_real_100_mb_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.write(b"region: eu-west-1\n")
        handle.truncate(100 * 1024 * 1024)  # sparse: costs no disk space
    start = time.perf_counter()
    d = only(path)
    assert time.perf_counter() - start < 1.0  # refused by its size, never read
    assert d.code == "too-large"
    assert d.message == (
        f"design file is {100 * 1024 * 1024:,} bytes; the limit is {reader.MAX_BYTES:,} bytes "
        "(expected a YAML design, not a data dump)"
    )
    assert at(d) == (str(path), 1, 1)


def test_binary_junk(tmp_path: Path) -> None:
    data = random.Random(2024).randbytes(4096) + b"\x00"
    offset = data.index(b"\x00")
    path = write(tmp_path, data)
    d = only(path)
    assert d.code == "binary"
    assert d.message == f"binary data (a NUL byte at offset {offset}); expected a YAML text file"
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    assert at(d) == (str(path), line, col)


def test_random_bytes_without_nul_are_not_utf8(tmp_path: Path) -> None:
    data = bytes(b for b in random.Random(7).randbytes(4096) if b) + b"\xff"
    path = write(tmp_path, data)
    d = only(path)
    assert d.code == "encoding"
    assert d.message.startswith("not UTF-8 text (byte 0x")
    assert d.message.endswith("); expected a YAML text file")


def test_non_utf8_text_points_at_the_bad_byte(tmp_path: Path) -> None:
    path = write(tmp_path, (VALID + "description: caf\xe9 cr\xe8me\n").encode("latin-1"))
    d = only(path)
    assert d.code == "encoding"
    assert d.message == "not UTF-8 text (byte 0xe9); expected a YAML text file"
    assert at(d) == (str(path), 6, len("description: caf") + 1)


def test_utf8_with_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    design, _ = load_design(write(tmp_path, b"\xef\xbb\xbf" + VALID.encode()))
    assert design.region == "eu-west-1"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    d = only(path)
    assert d.code == "io"
    assert d.message == "cannot read design file: No such file or directory"
    assert at(d) == (str(path), 1, 1)


# ------------------------------------------------------------------------- wrong top level


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n"])
def test_empty_file_reports_the_required_keys(tmp_path: Path, content: str) -> None:
    path = write(tmp_path, content)
    diagnostics = fail(path)
    assert [(d.code, d.message) for d in diagnostics] == [
        ("missing-key", "design: missing required key 'region'"),
        ("missing-key", "design: missing required key 'vpcs'"),
    ]
    assert {at(d) for d in diagnostics} == {(str(path), 1, 1)}


def test_an_explicit_empty_document_also_misses_the_required_keys(tmp_path: Path) -> None:
    path = write(tmp_path, "---\n")
    messages = [d.message for d in fail(path)]
    assert "design: missing required key 'region'" in messages
    assert "design: missing required key 'vpcs'" in messages


def test_top_level_list(tmp_path: Path) -> None:
    path = write(tmp_path, "- region: eu-west-1\n- vpcs: {}\n")
    diagnostics = fail(path)
    assert [(d.code, d.message) for d in diagnostics] == [
        ("type", "design: expected a mapping, got a list"),
        ("missing-key", "design: missing required key 'region'"),
        ("missing-key", "design: missing required key 'vpcs'"),
    ]
    assert {at(d) for d in diagnostics} == {(str(path), 1, 1)}


def test_top_level_scalar(tmp_path: Path) -> None:
    path = write(tmp_path, "just some words\n")
    diagnostics = fail(path)
    assert diagnostics[0].message == "design: expected a mapping, got a string ('just some words')"
    assert at(diagnostics[0]) == (str(path), 1, 1)


def test_two_documents(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "---\n" + VALID)
    d = only(path)
    assert d.code == "yaml"
    assert "more than one YAML document" in d.message
    assert at(d)[1] == 6


# ------------------------------------------------------------------------------ python tags


def test_python_tag_on_a_sequence_is_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(tmp_path, f'region: !!python/object/apply:os.system ["touch {marker}"]\nvpcs: {{prod: {{cidrs: [10.0.0.0/16]}}}}\n')
    d = only(path)
    assert not marker.exists()
    assert d.code == "type"
    assert d.message == "region: expected a string, got a list"
    assert at(d) == (str(path), 1, 9)


def test_python_tag_on_a_scalar_is_just_a_string(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(tmp_path, f'region: !!python/object/apply:os.system "touch {marker}"\nvpcs: {{prod: {{cidrs: [10.0.0.0/16]}}}}\n')
    design, warnings = load_design(path)  # harmless: the tag is ignored, the text is kept
    assert not marker.exists()
    assert design.region == f"touch {marker}"
    assert warnings == ()


def test_python_tag_on_a_mapping_is_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write(
        tmp_path,
        f"region: eu-west-1\nvpcs:\n  prod: !!python/object/new:os.system {{args: [\"touch {marker}\"]}}\n",
    )
    diagnostics = fail(path)
    assert not marker.exists()
    assert ("unknown-key", "vpc prod: unknown key 'args' (expected one of: cidrs, cidr, ipv6_cidrs, "
            "ipv6_cidr, main_route_table, default_network_acl, default_security_group, region, enable_dns_support, enable_dns_hostnames, "
            "dhcp_options, aws_id, description, tags)") in [
        (d.code, d.message) for d in diagnostics
    ]


@pytest.mark.parametrize(("body", "got"), [("vpcs: ~\n", "nothing (null)"), ("vpcs: {}\n", "an empty mapping")])
def test_a_design_without_vpcs_is_an_error_at_its_location(tmp_path: Path, body: str, got: str) -> None:
    # A design that models nothing would pass every check (issue 9: never a valid design).
    path = tmp_path / "empty.yaml"
    path.write_text("region: eu-west-1\n" + body)
    with pytest.raises(DesignError) as caught:
        vpcsim.load(path)
    (error,) = [d for d in caught.value.diagnostics if d.severity.value == "error"]
    assert error.message == f"vpcs: expected at least one VPC, got {got}"
    assert error.location is not None and (error.location.line, error.location.col) == (2, 7)


def test_the_node_cap_grows_with_the_text_but_not_with_aliases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large design written out is not an alias bomb: the cap is also half the text's length."""
    monkeypatch.setattr(reader, "MAX_NODES", 1000)
    rows = "".join(f"  - {{rule: {n}, action: allow}}\n" for n in range(400))  # 1,600+ nodes
    big = write(tmp_path, "region: eu-west-1\nlist:\n" + rows)
    assert reader.load_file(str(big)).get("list") is not None
    bomb = write(tmp_path, _alias_bomb(levels=4, width=9) + "pad: " + "x" * 2000 + "\n")  # 6,561 nodes, 2 kB
    with pytest.raises(DesignError, match=r"more than 1,147 nodes \(an alias bomb\?\)"):  # half of 2,294 characters
        reader.load_file(str(bomb))
