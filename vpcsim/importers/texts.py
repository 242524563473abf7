"""The texts behind an imported JSON file: `FileText` (a large file's text, read again from its
descriptor when a location is asked) and `JsonNumberText` (a JSON number kept as its text).

Apart from `importers.items` because setup.py compiles that module with mypyc, whose native
classes cannot subclass `str` or be weakly referenced (`FileText` closes its descriptor through
`weakref.finalize`); these two stay interpreted, as any module setup.py does not name.
"""

from __future__ import annotations

import os
import weakref
from array import array

__all__ = ["REREAD_MAX_FILES", "REREAD_MIN_BYTES", "FileText", "JsonNumberText"]


class JsonNumberText(str):
    """A JSON number vpcsim does not convert: over 30 digits (int() refuses 4,300+), NaN or Infinity.

    Kept as its text so a field that wants a whole number reports it, located, instead of crashing.
    """



# A file at least this large, and ASCII (so a character's offset is its byte's), is not kept as
# text once parsed: its locations are counted in blocks read again from the file (FileText).
REREAD_MIN_BYTES = 8 * 1024 * 1024
REREAD_MAX_FILES = 64  # each keeps its descriptor open until the import is done; past this, texts are held


class FileText:
    """The text of a parsed ASCII file, read again from its open descriptor in blocks when a
    location is asked, rather than held (at 100,000 instances the two big files are 357 MB).

    Answers what `Doc.loc` and `_find_all` ask of a `str` (`locate`: a line and column;
    `find_all`: every bracket's offset) with the same results: a table of the newlines before
    each block answers for whole blocks, and only the block an offset falls in is read (the last
    two are kept, as the importer asks in order).
    """

    BLOCK = 1 << 18

    __slots__ = ("_fd", "_skip", "_lines", "_last", "_cache", "_closer", "_fed", "_next", "_count", "_at",
                 "wide", "__weakref__")

    def __init__(self, fd: int, skip: int, text: str | None = None) -> None:
        """`text`: the file's text, for its table of newlines; None to `feed` it the bytes instead,
        as they are read (a file parsed in chunks is never held whole)."""
        self._fd = fd
        self._skip = skip  # bytes before the text (a UTF-8 byte order mark)
        # Newlines before each block, and the offset of the last one before it (-1: none).
        self._lines = array("q")
        self._last = array("q")
        self._fed = self._next = self._count = 0
        self._at = -1
        # Some byte fed is not ASCII (UTF-8: a chunk's offsets are its bytes', see `Offsets`): a
        # column then counts the characters before it on its line, as `str` offsets would.
        self.wide = False
        if text is not None:
            lines, last = 0, -1
            for start in range(0, len(text) + 1, self.BLOCK):
                self._lines.append(lines)
                self._last.append(last)
                end = min(start + self.BLOCK, len(text))
                count = text.count("\n", start, end)
                if count:
                    lines += count
                    last = text.rfind("\n", start, end)
        self._cache: dict[int, bytes] = {}
        # Closed when the import has made its locations (`_Importer.run`), or when dropped.
        self._closer = weakref.finalize(self, os.close, fd)

    def feed(self, data: bytes | bytearray) -> None:
        """The next bytes of the text (any length): the table as `text` would have made it."""
        base = self._fed
        end = base + len(data)
        cursor = 0
        if not self.wide and not data.isascii():
            self.wide = True
        while self._next <= end:
            rel = self._next - base
            self._scan(data, base, cursor, rel)
            cursor = rel
            self._lines.append(self._count)
            self._last.append(self._at)
            self._next += self.BLOCK
        self._scan(data, base, cursor, len(data))
        self._fed = end

    def _scan(self, data: bytes | bytearray, base: int, start: int, end: int) -> None:
        count = data.count(b"\n", start, end)
        if count:
            self._count += count
            self._at = base + data.rfind(b"\n", start, end)

    def read(self, offset: int, size: int) -> bytes:
        """`size` bytes of the text from `offset` (a chunk parsed again)."""
        return os.pread(self._fd, size, self._skip + offset)

    def close(self) -> None:
        self._closer()

    def detach(self) -> None:
        """Leave the descriptor open when this is dropped (the file is read again otherwise)."""
        self._closer.detach()

    def _block(self, index: int) -> bytes:
        block = self._cache.get(index)
        if block is None:
            if len(self._cache) >= 2:
                self._cache.pop(next(iter(self._cache)))
            os.lseek(self._fd, self._skip + index * self.BLOCK, os.SEEK_SET)
            block = os.read(self._fd, self.BLOCK)
            self._cache[index] = block
        return block

    def locate(self, at: int, line: int, offset: int) -> tuple[int, int]:
        """(line, column) of `offset`, counting from `at` (on `line`) when both are in one block:
        `Doc.loc`'s one call for a text read again (two would cost 2% of a load)."""
        index, rel = divmod(offset, self.BLOCK)
        base = offset - rel
        block = self._cache.get(index) or self._block(index)
        back = at - base  # where the anchor falls in this block
        if 0 <= back <= rel:
            line += block.count(b"\n", back, rel)
        elif rel < back < self.BLOCK:  # a step back (an interface is located before its instance)
            line -= block.count(b"\n", rel, back)
        else:
            line = 1 + self._lines[index] + block.count(b"\n", 0, rel)
        newline = block.rfind(b"\n", 0, rel)
        if self.wide:
            before = block[newline + 1:rel] if newline >= 0 else self.read(self._last[index] + 1,
                                                                          offset - self._last[index] - 1)
            if not before.isascii():  # (an offset is a character's first byte: `before` is whole)
                return line, len(before.decode("utf-8")) + 1
        return line, (rel - newline if newline >= 0 else offset - self._last[index])

    def find_all(self, char: str) -> list[int]:
        """Every offset of `char`, block by block (`_find_all` for a file that is not held)."""
        out: list[int] = []
        add = out.append
        byte = char.encode("ascii")
        for index in range(len(self._lines)):
            block = self._block(index)
            base = index * self.BLOCK
            find = block.find
            at = find(byte)
            while at >= 0:
                add(base + at)
                at = find(byte, at + 1)
        return out
