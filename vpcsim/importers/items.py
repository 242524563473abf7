"""The JSON of an `aws ec2 describe-*` file as the importer and the component mappings read it:
`Item` (a located object with typed, reporting accessors that never raise on bad data), the
file it belongs to (`Doc`, which turns an object into a Location) and the text behind it.

Apart from `importers.aws` so that `importers.mapping` and the component mappings can name the
item type without importing the importer (which imports them): the item reports through a
`Sink`, which the importer is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from vpcsim.errors import Location
from vpcsim.importers.texts import FileText, JsonNumberText
from vpcsim.model import parse_decimal, short

__all__ = ["Doc", "FileText", "Item", "JsonNumberText", "JsonObj", "Sink", "json_kind"]

JsonObj = dict[str, Any]


class Sink(Protocol):
    """Where an item reports what is wrong with it (the importer)."""

    def error(self, code: str, message: str, loc: Location | None) -> None: ...


@dataclass(slots=True)
class Doc:
    """One parsed JSON file: its data and how to turn an object into a Location."""

    display: str  # the file as shown in messages
    rel: str  # path relative to the layout root, '/'-separated
    region: str | None  # from the layout (a region folder), if any
    text: str | FileText
    positions: Mapping[int, int]
    # The last offset located and its line: lines are counted from there, not from a table of
    # every line's start (millions of ints in an indented file), as the importer asks in order.
    anchor: tuple[int, int] = (0, 1)

    def loc(self, value: Any, path: str) -> Location:
        offset = self.positions.get(id(value))
        if offset is None:
            return Location(self.display, 0, 0, path)
        return self.loc_at(offset, path)

    def loc_at(self, offset: int, path: str) -> Location:
        """`loc` of the value that starts at `offset` (known: `chunks.plain`)."""
        at, line = self.anchor
        text = self.text
        if isinstance(text, FileText):
            line, col = text.locate(at, line, offset)
            self.anchor = (offset, line)
            return Location(self.display, line, col, path)
        if offset >= at:
            line += text.count("\n", at, offset)
        else:
            line -= text.count("\n", offset, at)
        self.anchor = (offset, line)
        return Location(self.display, line, offset - text.rfind("\n", 0, offset), path)


class Item:
    """A JSON object of a file: typed, reporting accessors that never raise on bad data."""

    __slots__ = ("_data", "doc", "path", "sink")

    def __init__(self, data: JsonObj, doc: Doc, path: str, sink: Sink) -> None:
        self._data = data
        self.doc = doc
        self.path = path
        self.sink = sink

    @property
    def data(self) -> JsonObj:
        # A property, not an attribute, because `chunks.Held` reads it from its chunk instead:
        # compiled (setup.py), the accessors below would read the attribute itself.
        return self._data

    @property
    def loc(self) -> Location:
        return self.doc.loc(self.data, self.path)

    def _bad(self, key: str, expected: str) -> None:
        value = self.data.get(key)
        self.sink.error(
            "aws-type",
            f"{key}: expected {expected}, got {json_kind(value)}",
            self.doc.loc(value, f"{self.path}.{key}") if isinstance(value, (dict, list)) else self.loc_of(key),
        )

    def loc_of(self, key: str) -> Location:
        base = self.loc
        return Location(base.file, base.line, base.col, f"{self.path}.{key}")

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if type(value) is str:  # the common case first: 300,000 calls a load at 20,000 instances
            return value or None
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return value
        self._bad(key, "a string")
        return None

    def need(self, key: str, what: str) -> str | None:
        """A field AWS always returns; its absence means a truncated or hand-edited file."""
        value = self.text(key)
        if value is None and key not in self.data:
            self.sink.error(
                "aws-missing-field",
                f"{what}: missing required field {key!r} (expected it in every item of this describe output)",
                self.loc,
            )
        elif value is None and self.data.get(key) == "":
            self.sink.error("aws-missing-field", f"{what}: field {key!r} is empty", self.loc_of(key))
        return value

    def number(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            self._bad(key, "a whole number")
            return None
        if isinstance(value, str):
            number = parse_decimal(value.strip())
            if number is None or isinstance(value, JsonNumberText):
                self._bad(key, "a whole number")
                return None
            return number
        return value

    def port_pair(self, lo_key: str, hi_key: str, what: str) -> tuple[int | None, int | None] | None:
        """A TCP/UDP port range: both ends 0-65535, in order; None (reported) when not.

        No -1 here: it means "all" only for ICMP types and codes, and for tcp/udp AWS requires a
        port range (EC2 API, IpPermission: https://docs.aws.amazon.com/securityhub/1.0/APIReference/
        API_AwsEc2SecurityGroupIpPermission.html). Widening a bad value to all ports would be a
        silently wrong answer.
        """
        lo, hi = self.number(lo_key), self.number(hi_key)
        if (lo_key in self.data and lo is None) or (hi_key in self.data and hi is None):
            return None  # reported by number()
        for key, value in ((lo_key, lo), (hi_key, hi)):
            if value is not None and not 0 <= value <= 65535:
                self.sink.error("aws-value", f"{what}: {key} {short(value)} is not a port (expected 0-65535)",
                                self.loc_of(key))
                return None
        if lo is not None and hi is not None and lo > hi:
            self.sink.error("aws-value", f"{what}: {lo_key} {lo} is above {hi_key} {hi} (expected lo <= hi)",
                            self.loc_of(lo_key))
            return None
        if lo is None and hi is not None:
            self.sink.error("aws-value", f"{what}: {hi_key} without {lo_key}", self.loc_of(hi_key))
            return None
        return lo, hi

    def icmp_pair(self, type_key: str, code_key: str, what: str) -> tuple[int | None, int | None] | None:
        """An ICMP type and code: -1 (any) or 0-255 each; None (reported) when not."""
        out = []
        for key in (type_key, code_key):
            value = self.number(key)
            if key in self.data and value is None:
                return None
            if value is not None and not -1 <= value <= 255:
                self.sink.error("aws-value", f"{what}: {key} {short(value)} is not an ICMP type/code (expected -1-255)",
                                self.loc_of(key))
                return None
            out.append(value)
        return out[0], out[1]

    def flag(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self._bad(key, "true or false")
        return None

    def obj(self, key: str) -> Item | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, dict):
            return Item(value, self.doc, f"{self.path}.{key}", self.sink)
        self._bad(key, "an object")
        return None

    def objs(self, key: str, start: int = 0) -> list[Item]:
        """The objects of the list at `key` (`start`: the index of its first, for a file read in chunks)."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self._bad(key, "a list")
            return []
        out = []
        prefix = f"{self.path}.{key}"
        for index, item in enumerate(value, start):
            item_path = f"{prefix}[{index}]"
            if type(item) is dict:
                out.append(Item(item, self.doc, item_path, self.sink))
            else:
                self.sink.error(
                    "aws-type",
                    f"{key}[{index}]: expected an object, got {json_kind(item)}",
                    Location(self.loc.file, self.loc.line, self.loc.col, item_path),
                )
        return out

    def strs(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self._bad(key, "a list")
            return []
        return [item for item in value if isinstance(item, str) and item]

    def tags(self, key: str = "Tags") -> dict[str, str]:
        value = self.data.get(key)
        if value is None:
            return {}
        if type(value) is not list or not all(type(tag) is dict for tag in value):
            self.objs(key)  # reports what is not a list of objects (no Item per tag otherwise: 2 per instance)
        return tag_dict(value) if isinstance(value, list) else {}

    def name_tag(self, key: str = "Tags") -> str | None:
        return self.tags(key).get("Name") or None


def tag_dict(tags: list[Any]) -> dict[str, str]:
    """A Tags list's Key -> Value (what is not a tag object, or has no Key, is left out: `Item.tags` reports it)."""
    out: dict[str, str] = {}
    for tag in tags:
        if isinstance(tag, dict):
            name = tag.get("Key")
            text = tag.get("Value")
            if isinstance(name, str) and name:
                out[name] = text if isinstance(text, str) else "" if text is None else str(text)
    return out


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, JsonNumberText):
        return f"a number ({short(str(value))})"
    if isinstance(value, (int, float)):
        return f"a number ({short(value)})"
    if isinstance(value, str):
        return f"a string ({short(value)})"
    if isinstance(value, list):
        return "a list"
    return "an object"


