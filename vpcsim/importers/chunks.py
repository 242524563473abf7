"""A describe-* file read in chunks of whole items (`aws._Importer.read_chunked`): where each
chunk lies in the file, the last two parsed (`Chunks`), and the items that hold no JSON but
parse their chunk again when read (`Held`), with what the importer reads of them in between.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from vpcsim.errors import DesignError, Diagnostic, Location, Severity
from vpcsim.importers.items import Doc, Item, JsonObj, Sink, tag_dict
from vpcsim.importers.jsonscan import OffsetsByGet, containers, parse_chunk, parse_exact
from vpcsim.importers.texts import FileText

__all__ = ["KNOWN", "Chunks", "Held", "PickView", "Public", "chunk_places", "chunk_text", "objs_held", "pick_view", "plain"]


class Chunks:
    """A file read in chunks (`_Importer.read_chunked`): where each chunk's text lies, and the
    last two chunks parsed; `Held` items read their JSON from here, parsing a chunk again as needed."""

    KEEP = 2

    __slots__ = ("source", "display", "spans", "cache", "hints", "positions", "last", "last_items", "root", "pinned",
                 "busy")

    def __init__(self, source: FileText, display: str) -> None:
        self.source = source
        self.display = display
        self.spans: list[tuple[int, int, int, bool]] = []  # (offset, size, CRC-32, parsed by the exact parser)
        # index -> (its items, their offsets in "[" + its text + "]", the offset of that "[" in the file)
        self.cache: dict[int, tuple[list[Any], Mapping[int, int], int]] = {}
        # index -> id(object) -> offset, for the objects whose offsets were kept (`hint`): found
        # without matching the chunk's braces, which its offsets need (`ChunkOffsets`).
        self.hints: dict[int, dict[int, int]] = {}
        self.positions = _ChunkPositions(self.cache, self.hints)
        self.last = -1
        self.last_items: list[Any] = []
        # What stands for the file's top-level object in `collect`: pinned at its `{`, and kept
        # alive here, so that its id is not another object's.
        self.root: dict[str, Any] = {}
        self.pinned: list[Any] = []
        self.busy = -1  # the chunk being collected: kept while duplicates read earlier ones

    def add(self, offset: int, data: bytes | memoryview, items: list[Any], offsets: Mapping[int, int], exact: bool) -> int:
        self.spans.append((offset, len(data), zlib.crc32(data), exact))  # (CRC-32: faster here than Adler-32, and stronger)
        index = len(self.spans) - 1
        self._put(index, items, offsets, offset)
        return index

    def items(self, index: int) -> list[Any]:
        if index == self.last:
            return self.last_items
        got = self.cache.get(index)
        items = got[0] if got is not None else self._load(index)
        self.last, self.last_items = index, items
        return items

    def _load(self, index: int) -> list[Any]:
        offset, size, crc, exact = self.spans[index]
        data = self.source.read(offset, size)
        if len(data) != size or zlib.crc32(data) != crc:
            raise DesignError([Diagnostic(Severity.ERROR, "aws-changed", "the file changed while it was imported "
                                          "(expected it to stay as it was; import it again)",
                                          Location(self.display, 1, 1))])
        text, located = chunk_text(data)
        # The same bytes as when they passed `take_chunk`'s checks, parsed the same way.
        offsets: Mapping[int, int]
        if exact:
            value, offsets = parse_exact(text)
        else:
            scanned = parse_chunk(text, located)
            if scanned is None:
                # The same bytes passed once: only a value nested about as deep as the stack, parsed
                # again deeper in it, fails (`_Importer.read_chunks` reads such a file whole).
                raise RecursionError("a chunk nested too deeply to parse again here")
            value, offsets = scanned
        items: list[Any] = value
        self._put(index, items, offsets, offset)
        return items

    def _put(self, index: int, items: list[Any], offsets: Mapping[int, int], offset: int) -> None:
        while len(self.cache) >= self.KEEP:
            dropped = next(i for i in self.cache if i != self.busy)
            del self.cache[dropped]
            self.hints.pop(dropped, None)
            if dropped == self.last:
                self.last, self.last_items = -1, []
        self.cache[index] = (items, offsets, offset - 1)

    def hint(self, index: int, value: Any, offset: int) -> None:
        """`value` (of chunk `index`, parsed now) starts at `offset` (kept when it was first read)."""
        if index in self.cache:
            self.hints.setdefault(index, {})[id(value)] = offset

    def pin(self, value: dict[str, Any] | list[Any]) -> None:
        """Keep the offsets of `value`'s containers (an item held as parsed) past its chunk's, and
        `value` itself (an id is looked up only while its object lives)."""
        found = containers(value)
        self.pinned.append(value)
        get = self.positions.get
        pinned = self.positions.pinned
        for container in found:
            at = get(id(container))
            if at is not None:
                pinned[id(container)] = at


def chunk_text(data: bytes) -> tuple[str, str | bytes]:
    """A chunk's items as a JSON list to parse (`[` + its text + `]`), and what their offsets are
    counted in: that text, or, when it is not ASCII, its UTF-8 bytes, as FileText counts them (an
    ASCII bracket is never part of a UTF-8 character). UnicodeDecodeError when it is not UTF-8."""
    text = "[" + data.decode("utf-8") + "]"
    return text, (text if data.isascii() else b"[" + data + b"]")


class _ChunkPositions(OffsetsByGet):
    """id(container) -> offset in the file, for a file read in chunks: the chunks parsed now, and
    what is pinned (the top-level object, the items held as parsed)."""

    __slots__ = ("cache", "hints", "pinned")

    def __init__(self, cache: dict[int, tuple[list[Any], Mapping[int, int], int]],
                 hints: dict[int, dict[int, int]]) -> None:
        # Chunks' own dicts (updated in place), not Chunks: a cycle between the two would keep the
        # chunks parsed last alive until a collection, which a load pauses.
        self.cache = cache
        self.hints = hints
        self.pinned: dict[int, int] = {}

    def get(self, key: int, default: Any = None) -> Any:
        found = self.pinned.get(key)
        if found is not None:
            return found
        for hints in self.hints.values():
            found = hints.get(key)
            if found is not None:
                return found
        for _, offsets, base in reversed(self.cache.values()):  # (the last parsed first)
            at = offsets.get(key)
            if at is not None:
                return at + base
        return default

    def __iter__(self) -> Iterator[int]:
        yield from self.pinned
        for _, offsets, _ in list(self.cache.values()):
            yield from offsets

    def __len__(self) -> int:
        return len(self.pinned) + sum(len(offsets) for _, offsets, _ in self.cache.values())


class Held(Item):
    """An item of a file read in chunks that holds no JSON: its chunk is parsed again when it is
    read (`Chunks`), so a 100,000-instance describe-instances output is never held whole.

    `deep`: its objects are held too (an instance's interfaces, kept from pick to body); theirs are not."""

    __slots__ = ("chunks", "index", "steps", "deep", "offset", "inner", "view", "known", "where", "places", "entry")

    def __init__(self, chunks: Chunks, index: int, steps: tuple[int | str, ...], doc: Doc, path: str,
                 sink: Sink, deep: bool, offset: int = -1, inner: tuple[int, ...] = ()) -> None:
        # (no super().__init__: `data` is read, not set)
        self.chunks = chunks
        self.index = index
        self.steps = steps
        self.deep = deep
        self.offset = offset  # where it starts, when known (-1: found by a walk of its chunk, if asked)
        self.inner = inner  # where its NetworkInterfaces' objects start, when known (-1: not an object)
        self.view: PickView | None = None  # what pick_instances reads of it, when that reports nothing
        # An interface's Description and SubnetId, when strings or null: what load balancers'
        # index of describe-network-interfaces reads of every entry (`KNOWN`).
        self.known: tuple[str | None, str | None] | None = None
        # Its location and its NetworkInterfaces' (None: found from the offset), when counted in its
        # chunk's text as it was held (`chunk_places`).
        self.where: Location | None = None
        self.places: tuple[Location | None, ...] = ()
        # Its JSON, from when it is held to when its pick reads it (`_Importer.quick_pick`), in a
        # streamed read: its chunk is parsed until then.
        self.entry: JsonObj | None = None
        self.doc = doc
        self.path = path
        self.sink = sink

    @property
    def loc(self) -> Location:
        return self.where if self.where is not None else super().loc

    def interface(self, index: int) -> Held:
        """Its NetworkInterfaces[index], held (an object: `view` says so), without reading it."""
        where = self.places[index] if index < len(self.places) else None
        held = Held(self.chunks, self.index, (*self.steps, "NetworkInterfaces", index), self.doc,
                    where.path if where is not None and where.path else f"{self.path}.NetworkInterfaces[{index}]",
                    self.sink, False, self.inner[index] if index < len(self.inner) else -1)
        held.where = where
        return held

    @property
    def data(self) -> JsonObj:
        value: Any = self.chunks.items(self.index)
        for step in self.steps:
            value = value[step]
        found: JsonObj = value
        return found

    def text(self, key: str) -> str | None:
        if self.known is not None and key in KNOWN:
            return self.known[KNOWN[key]] or None  # (as `Item.text` reads a string or null)
        return super().text(key)

    def obj(self, key: str) -> Item | None:
        item = super().obj(key)
        if item is None or not self.deep:
            return item
        return Held(self.chunks, self.index, (*self.steps, key), self.doc, item.path, self.sink, False)

    def objs(self, key: str, start: int = 0) -> list[Item]:
        items = super().objs(key, start)
        return self.hold_each(key, items) if self.deep else items

    def hold_each(self, key: str, items: list[Item]) -> list[Item]:
        """`items`, what `objs(key)` read of this item's JSON, held (none when it read none: the
        value at `key` may then be anything, not a list to walk)."""
        if not items:
            return items
        found = iter(items)
        inner = self.inner if key == "NetworkInterfaces" else ()
        held: list[Item] = [Held(self.chunks, self.index, (*self.steps, key, index), self.doc, next(found).path,
                                self.sink, False, inner[index] if index < len(inner) else -1)
                          for index, entry in enumerate(self.data[key]) if type(entry) is dict]
        return held


# An instance as pick_instances reads it: State.Name, each interface's (id, subnet, DeviceIndex), tags.
PickView = tuple[str | None, tuple[tuple[str, str | None, int | None], ...], dict[str, str]]


_BAD = object()


def _inner(value: Any, key: str, kind: type) -> Any:
    """`value[key]` as the accessors read it (`Item.obj(...)`, then a `kind`): None when `value` is
    None or has no such key; _BAD when reading it would report (not an object, not a `kind`)."""
    if value is None:
        return None
    if type(value) is not dict:
        return _BAD
    found = value.get(key)
    return found if found is None or type(found) is kind else _BAD


def pick_view(entry: JsonObj) -> PickView | None:
    """What `pick_instances` reads of an instance (`entry`, its JSON), when reading it through the
    accessors would report nothing; None otherwise (it is then read from its JSON, reporting)."""
    name = _inner(entry.get("State"), "Name", str)
    found = entry.get("NetworkInterfaces")
    if name is _BAD or (found is not None and type(found) is not list):
        return None
    enis: list[tuple[str, str | None, int | None]] = []
    for eni in found or ():
        if type(eni) is not dict:
            return None
        eni_id, subnet = eni.get("NetworkInterfaceId"), eni.get("SubnetId")
        device = _inner(eni.get("Attachment"), "DeviceIndex", int)
        if type(eni_id) is not str or not eni_id or (subnet is not None and type(subnet) is not str) or device is _BAD:
            return None
        enis.append((eni_id, subnet or None, device))
    tags = entry.get("Tags")
    if tags is not None and (type(tags) is not list or not all(type(tag) is dict for tag in tags)):
        return None
    return name or None, tuple(enis), {} if tags is None else tag_dict(tags)  # (as Item.tags reads it)


KNOWN = {"Description": 0, "SubnetId": 1}  # the fields `Held.known` keeps (their place in it)


class Public:
    """What `interface_body` reads of describe-network-interfaces' Association for an instance's
    interface, kept when the item is held (`_Importer.note_listed`)."""

    __slots__ = ("public", "allocation")

    def __init__(self, public: str, allocation: bool) -> None:
        self.public = public
        self.allocation = allocation

    def text(self, key: str) -> str | None:
        if key == "PublicIp":
            return self.public
        return "allocated" if key == "AllocationId" and self.allocation else None


def plain(item: Item) -> Item:
    """An item to read many fields of: a held one's JSON, found once (each of its reads finds it again)."""
    if type(item) is not Held:
        return item
    data = item.data
    if item.offset >= 0:
        item.chunks.hint(item.index, data, item.offset)
        placed = _Placed(data, item.doc, item.path, item.sink)
        placed.offset = item.offset
        placed.where = item.where
        return placed
    return Item(data, item.doc, item.path, item.sink)


class _Placed(Item):
    """A held item's JSON, read: located where it was held, or at the offset it was held with,
    without a lookup."""

    __slots__ = ("offset", "where")
    offset: int
    where: Location | None

    @property
    def loc(self) -> Location:
        return self.where if self.where is not None else self.doc.loc_at(self.offset, self.path)


def chunk_places(doc: Doc, text: str | bytes, base: int) -> Callable[[int, str], Location] | None:
    """Where offsets of the text (`[` + a chunk's items + `]`, parsed now; at `base` in the file)
    are, counted in that text: for the instances and interfaces held from it, asked in order.
    The same as `doc.loc_at`, without its reads of the file's blocks. None for a chunk that is
    not ASCII (a column counts characters, an offset bytes: `loc_at` knows)."""
    if type(text) is not str:
        return None
    # Counted from the chunk's first byte, at 1 (at 0, the `[` stands where the file has the byte
    # before, maybe a newline); where its own line's columns count from.
    first = doc.loc_at(base + 1, "$")
    display, count, rfind = doc.display, text.count, text.rfind
    anchor = [1, first.line]

    def place(offset: int, path: str) -> Location:
        rel = offset - base
        if rel < 1:
            return doc.loc_at(offset, path)
        at, line = anchor
        line += count("\n", at, rel) if rel >= at else -count("\n", rel, at)
        anchor[0], anchor[1] = rel, line
        newline = rfind("\n", 1, rel)
        return Location(display, line, rel - newline if newline >= 0 else first.col + rel - 1, path)

    return place


def objs_held(held: Item, plain: Item, key: str) -> list[tuple[Item, Item]]:
    """(to read, to keep) for each object of `plain`'s list at `key` (`plain` is `plain(held)`):
    a held item's objects are held to keep, when it is `deep`."""
    items = plain.objs(key)
    if type(held) is not Held or not held.deep:
        return [(item, item) for item in items]
    return list(zip(items, held.hold_each(key, items), strict=True))
