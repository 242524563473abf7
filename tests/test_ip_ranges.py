"""AWS's published IP ranges (vpcsim/ip_ranges.py): the bundled excerpt, --aws-ip-ranges FILE,
AWS-managed prefix lists a design names without writing, and AWS's public address space.

AWS: https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html (the file's format),
https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html (the
S3 and DynamoDB prefix lists hold the service's ranges in the region).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import vpcsim
import vpcsim.ip_ranges as ip_ranges
from vpcsim.cli import main
from vpcsim.errors import DesignError, UsageError
from vpcsim.model import Cidr, ip_to_int

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "basic-s3.yaml"
LIST = '''prefix_lists:
  com.amazonaws.eu-west-1.s3:
    description: AWS-managed S3 prefix list (excerpt)
    entries: [52.218.0.0/17, 52.92.0.0/17, 3.5.64.0/21, 3.5.72.0/23]
'''


@pytest.fixture(autouse=True)
def _bundled() -> Iterator[None]:
    ip_ranges.use(None)
    yield
    ip_ranges.use(None)


def _without_the_list(tmp_path: Path) -> Path:
    text = SCENARIO.read_text()
    assert LIST in text
    path = tmp_path / "design.yaml"
    path.write_text(text.replace(LIST, ""))
    return path


def _ranges(tmp_path: Path, prefixes: list[dict[str, str]]) -> Path:
    path = tmp_path / "ip-ranges.json"
    path.write_text(json.dumps({"syncToken": "1", "createDate": "2026-11-30-00-00-00", "prefixes": prefixes}))
    return path


def test_the_bundled_excerpt_is_awss_own_entries() -> None:
    """Entries copied from AWS's file of syncToken 1517937128 (2018-02-06)."""
    aws = ip_ranges.bundled()
    assert (aws.sync_token, aws.create_date) == ("1517937128", "2018-02-06-17-12-08")
    assert aws.service("s3", "eu-west-1") == tuple(map(Cidr.parse, ("52.92.40.0/21", "52.218.0.0/17",
                                                                      "54.231.128.0/19")))
    assert aws.service("dynamodb", "eu-west-1") == ()  # not listed in 2018
    found = aws.find(ip_to_int("54.191.107.23"), ("EC2",))
    assert found is not None and (str(found.cidr), found.region) == ("54.184.0.0/13", "us-west-2")
    assert aws.find(ip_to_int("8.8.8.8")) is None
    assert "2018-02-06" in aws.describe()


def test_a_named_aws_managed_list_the_design_does_not_write_comes_from_ip_ranges(tmp_path: Path) -> None:
    """The endpoint's association and the batch group's egress rule name com.amazonaws.eu-west-1.s3;
    without the design's own list, its entries are AWS's published S3 ranges of eu-west-1."""
    net = vpcsim.load(_without_the_list(tmp_path))
    plist = net.design.prefix_lists["com.amazonaws.eu-west-1.s3"]
    assert plist.entries == ip_ranges.bundled().service("s3", "eu-west-1")
    result = net.trace("app-a", "service:s3", 443)
    assert result.reachable and result.forward[-1].kind == "vpc_endpoint"
    assert Cidr.parse("52.92.40.0/21").contains(ip_to_int(result.flow.dst_ip))
    assert net.trace("batch", "54.231.128.10", 443).reachable  # the group's rule reads the same ranges
    assert not net.trace("batch", "52.92.0.10", 443).reachable  # in the design's excerpt, not in AWS's


def test_aws_ip_ranges_reads_a_newer_copy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ranges = _ranges(tmp_path, [{"ip_prefix": "3.5.64.0/21", "region": "eu-west-1", "service": "S3"},
                                {"ip_prefix": "3.5.64.0/21", "region": "eu-west-1", "service": "AMAZON"}])
    design = _without_the_list(tmp_path)
    assert main(["trace", "--design", str(design), "app-a", "service:s3", "443", "--json",
                 "--aws-ip-ranges", str(ranges)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["flow"]["dst_ip"] == "3.5.64.1" and doc["reachable"] is True
    # The next command without the option is back on the bundled excerpt.
    assert main(["trace", "--design", str(design), "app-a", "service:s3", "443", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["flow"]["dst_ip"] == "52.92.40.1"


def test_without_any_ranges_the_design_must_write_the_list(tmp_path: Path) -> None:
    ip_ranges.use(_ranges(tmp_path, []))
    with pytest.raises(DesignError) as caught:
        vpcsim.load(_without_the_list(tmp_path))
    errors = [d.message for d in caught.value.diagnostics if d.severity.value == "error"]
    assert errors == ["security group batch: egress rule 1: prefix_list: no prefix list named "
                      "'com.amazonaws.eu-west-1.s3'"]
    # The endpoint's association adds no route to a list with no entries; it says so.
    (left_out,) = [d for d in caught.value.diagnostics if d.code == "implied-route"]
    assert left_out.severity.value == "warning" and "route table private-a" in left_out.message
    assert "--aws-ip-ranges" in left_out.message and left_out.location is not None


@pytest.mark.parametrize(("text", "message"), [
    ("not json", "not JSON"),
    ("[]", '$: expected an object with a "prefixes" list'),
    ('{"prefixes": [1]}', "$.prefixes[0]: expected an object"),
    ('{"prefixes": [{"ip_prefix": "10.0.0.0/8", "region": "x"}]}', "$.prefixes[0].service: expected a string"),
    ('{"prefixes": [{"ip_prefix": "10.0.0.1/8", "region": "x", "service": "S3"}]}',
     "$.prefixes[0].ip_prefix: expected an IPv4 prefix"),
])
def test_a_bad_file_is_a_usage_error_with_its_json_path(tmp_path: Path, text: str, message: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ip-ranges.json"
    path.write_text(text)
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("$", r"\$")):
        ip_ranges.read(path)
    assert main(["trace", "--design", str(SCENARIO), "app-a", "service:s3", "443", "--aws-ip-ranges", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err
    with pytest.raises(UsageError, match="cannot read it"):
        ip_ranges.read(tmp_path / "missing.json")


def test_from_the_internet_to_aws_space_no_design_holds(tmp_path: Path) -> None:
    """Batfish's public-subnet/testFromInternetToInvalidPublicIp: AWS's address, held by nothing here."""
    net = vpcsim.load(SCENARIO)
    from vpcsim.trace import trace_packet

    aws = trace_packet(net, "internet", None, "8.8.8.8", "54.191.107.23", 0, reply=False)
    assert aws.disposition.value == "NULL_ROUTED"
    (blocker,) = aws.blocked_by
    assert blocker.code.value == "DESTINATION_ADDRESS_UNASSIGNED" and "54.184.0.0/13" in blocker.detail
    other = trace_packet(net, "internet", None, "8.8.8.8", "203.0.113.9", 0, reply=False)
    assert other.disposition.value == "NO_ROUTE"  # not AWS's: the internet's, as before
    ip_ranges.use(_ranges(tmp_path, []))
    assert trace_packet(net, "internet", None, "8.8.8.8", "54.191.107.23", 0, reply=False).disposition.value == \
        "NO_ROUTE"


def test_find_is_the_longest_match_of_a_plain_scan(tmp_path: Path) -> None:
    """find() answers from a prefix table; a scan over every prefix is the reference."""
    import random

    rng = random.Random(7)
    prefixes = []
    for _ in range(400):
        length = rng.choice((8, 12, 16, 20, 24))
        network = rng.getrandbits(length) << (32 - length)
        prefixes.append({"ip_prefix": f"{network >> 24}.{network >> 16 & 255}.{network >> 8 & 255}.{network & 255}/"
                         f"{length}", "region": "us-west-2", "service": rng.choice(("AMAZON", "EC2", "S3"))})
    aws = ip_ranges.read(_ranges(tmp_path, prefixes))
    probes = [p.cidr.first + rng.randrange(p.cidr.size) for p in aws.prefixes] + [rng.getrandbits(32) for _ in range(400)]
    for services in ((), ("EC2",), ("S3", "AMAZON")):
        for addr in probes:
            matches = [p for p in aws.prefixes if p.cidr.contains(addr) and (not services or p.service in services)]
            best = max((p.cidr.length for p in matches), default=None)
            found = aws.find(addr, services)
            assert (found.cidr.length if found else None) == best
            assert found is None or found in matches
