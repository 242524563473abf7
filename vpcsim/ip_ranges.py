"""AWS's published IP address ranges (ip-ranges.json) -> which public addresses are AWS's, by service and region.

AWS publishes its public IPv4 prefixes, each with a region and a service (AMAZON, EC2, S3,
DYNAMODB, ...), at https://ip-ranges.amazonaws.com/ip-ranges.json (the format:
https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html). vpcsim reads them for:

- `service:s3` / `service:dynamodb` and gateway-endpoint routes when a design has no
  `com.amazonaws.<region>.<service>` prefix list of its own (an AWS-managed prefix list holds
  the same ranges: https://docs.aws.amazon.com/vpc/latest/userguide/working-with-aws-managed-prefix-lists.html);
- AWS's public address space: traffic from the internet to an EC2 address no resource of the
  design holds goes nowhere the design models.

The bundled file (`vpcsim/data/ip-ranges.json`) is an excerpt, in AWS's own format, of the copy
AWS published as syncToken 1517937128 (createDate 2018-02-06-17-12-08): the S3 prefixes of
us-east-1, us-east-2, us-west-1, us-west-2, eu-west-1 and eu-central-1, and some EC2 prefixes
of us-east-1, us-east-2, us-west-2 and eu-west-1, copied entry for entry. It has no DynamoDB
entries (AWS listed DYNAMODB later). `--aws-ip-ranges FILE` (`use(path)`) reads a whole, current
copy instead: `curl -O https://ip-ranges.amazonaws.com/ip-ranges.json`.
"""

from __future__ import annotations

import json
import os
from dataclasses import field
from importlib import resources
from typing import Any

from vpcsim.core import PrefixTable
from vpcsim.errors import UsageError
from vpcsim.model import Cidr
from vpcsim.records import record

__all__ = ["BUNDLED", "IpRanges", "Prefix", "bundled", "current", "read", "use"]

BUNDLED = "vpcsim/data/ip-ranges.json"
MAX_BYTES = 64 * 1024 * 1024  # AWS's file is about 2 MB; refuse anything far larger


@record
class Prefix:
    cidr: Cidr
    region: str
    service: str  # as AWS writes it: AMAZON, EC2, S3, DYNAMODB, ...


@record
class IpRanges:
    source: str  # the file read (BUNDLED for the excerpt)
    sync_token: str
    create_date: str
    prefixes: tuple[Prefix, ...]
    # services -> a longest-prefix-match table over their prefixes (AWS's file has about 8,000).
    _tables: dict[tuple[str, ...], tuple[PrefixTable, list[Prefix]]] = field(
        default_factory=dict, compare=False, repr=False)

    def describe(self) -> str:
        """Where the ranges come from, for a message: 'ip-ranges.json of 2018-02-06 (vpcsim's excerpt)'."""
        what = "vpcsim's excerpt" if self.source == BUNDLED else self.source
        return f"ip-ranges.json of {self.create_date[:10] or 'an unknown date'} ({what})"

    def service(self, service: str, region: str) -> tuple[Cidr, ...]:
        """A service's prefixes in one region (service as vpcsim writes it: s3, dynamodb)."""
        name = service.upper()
        return tuple(p.cidr for p in self.prefixes if p.service == name and p.region == region)

    def find(self, addr: int, services: tuple[str, ...] = ()) -> Prefix | None:
        """The most specific prefix holding `addr` (of one of `services`, when given)."""
        table = self._tables.get(services)
        if table is None:
            chosen = [p for p in self.prefixes if not services or p.service in services]
            table = self._tables[services] = (PrefixTable([(p.cidr.network, p.cidr.length) for p in chosen]), chosen)
        index = table[0].lookup(addr)
        return table[1][index] if index >= 0 else None


def read(path: str | os.PathLike[str]) -> IpRanges:
    """An ip-ranges.json file; UsageError names the file and the JSON path of what is wrong."""
    text_path = os.fspath(path)
    try:
        with open(text_path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"--aws-ip-ranges {text_path}: cannot read it ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise UsageError(f"--aws-ip-ranges {text_path}: over {MAX_BYTES // (1024 * 1024)} MB (expected AWS's "
                         "ip-ranges.json, about 2 MB)")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"--aws-ip-ranges {text_path}: not JSON ({exc})") from None
    return _parse(doc, text_path)


def _parse(doc: Any, source: str) -> IpRanges:
    def bad(where: str, expected: str) -> UsageError:
        return UsageError(f"--aws-ip-ranges {source}: {where}: expected {expected} (the format of "
                          "https://ip-ranges.amazonaws.com/ip-ranges.json)")

    if not isinstance(doc, dict) or not isinstance(doc.get("prefixes"), list):
        raise bad("$", 'an object with a "prefixes" list')
    out = []
    for index, entry in enumerate(doc["prefixes"]):
        where = f"$.prefixes[{index}]"
        if not isinstance(entry, dict):
            raise bad(where, "an object")
        for key in ("ip_prefix", "region", "service"):
            if not isinstance(entry.get(key), str):
                raise bad(f"{where}.{key}", "a string")
        try:
            cidr = Cidr.parse(entry["ip_prefix"])
        except ValueError as exc:
            raise bad(f"{where}.ip_prefix", f"an IPv4 prefix a.b.c.d/n ({exc})") from None
        out.append(Prefix(cidr, entry["region"], entry["service"]))
    token, date = doc.get("syncToken", ""), doc.get("createDate", "")
    return IpRanges(source, token if isinstance(token, str) else "", date if isinstance(date, str) else "",
                    tuple(out))


_BUNDLED: IpRanges | None = None
_CURRENT: IpRanges | None = None


def bundled() -> IpRanges:
    global _BUNDLED
    if _BUNDLED is None:
        text = resources.files("vpcsim").joinpath("data/ip-ranges.json").read_text(encoding="utf-8")
        _BUNDLED = _parse(json.loads(text), BUNDLED)
    return _BUNDLED


def use(path: str | os.PathLike[str] | None) -> IpRanges:
    """Read AWS's ranges from `path` for everything loaded and traced from now on (None: the
    bundled excerpt again). The CLI's `--aws-ip-ranges FILE` calls this before it loads."""
    global _CURRENT
    _CURRENT = None if path is None else read(path)
    return current()


def current() -> IpRanges:
    return _CURRENT if _CURRENT is not None else bundled()
