"""Errors and diagnostics: every problem vpcsim reports about its input, with a location.

Exception tree::

    VpcsimError
     ├── DesignError          the design is malformed or invalid (exit 3); carries diagnostics
     ├── EndpointError        a trace endpoint names nothing in the design (exit 3)
     ├── UsageError           a library/CLI argument is malformed (exit 2); also a ValueError
     └── ReachabilityError    a reachability assertion does not hold (vpcsim.check; also an
                              AssertionError, so pytest shows it as a failed assert; exit 1)
"""

from __future__ import annotations

import enum
import re
from dataclasses import field
from typing import NamedTuple

from vpcsim.records import record

# C0 controls but tab and newline (ESC starts CSI/OSC sequences, BEL ends OSC, CR overwrites a
# line), DEL, C1 controls (0x9b is a one-byte CSI), the Unicode line and paragraph separators
# (a new line to some log viewers), and the bidi overrides that reorder what a reviewer sees
# ("Trojan Source", CVE-2021-42574).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")

def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str, *, multiline: bool = True) -> str:
    """`text` with every control character replaced by a visible escape (ESC -> \\x1b).

    The one sanitiser for text, rich and GitHub renderings; `multiline=False` also escapes tab
    and newline (for one-line fields such as a GitHub annotation's title).
    """
    return (_CONTROL if multiline else _CONTROL_LINE).sub(_visible, text)



class Location(NamedTuple):
    """Where an object was written: a file, a 1-based line and column, and for JSON a path.

    A NamedTuple rather than a frozen dataclass: a large design creates hundreds of
    thousands of these, and a tuple is about three times cheaper to build.
    """

    file: str
    line: int
    col: int
    path: str | None = None

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.col}" if self.line > 0 else self.file
        return f"{text} ({self.path})" if self.path else text


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@record
class Diagnostic:
    """One problem found in a design: what, where, and how bad."""

    severity: Severity
    code: str
    message: str
    location: Location | None = field(default=None)

    def format(self, source_lines: dict[str, list[str]] | None = None) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity.value}: {self.message} [{self.code}]"
        loc = self.location
        if source_lines and loc and loc.file in source_lines and loc.line > 0:
            lines = source_lines[loc.file]
            if loc.line <= len(lines):
                line = lines[loc.line - 1].rstrip("\n")
                if len(line) <= 200 and line.replace("\t", " ").isprintable():  # never echo binary junk
                    text += f"\n    {line}\n    {' ' * (loc.col - 1)}^"
        return text


class VpcsimError(Exception):
    """Base class of every error vpcsim raises on purpose."""


class DesignError(VpcsimError):
    """The design could not be loaded or is invalid; `diagnostics` lists every problem."""

    def __init__(self, diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.diagnostics = tuple(diagnostics)
        errors = [d for d in self.diagnostics if d.severity is Severity.ERROR]
        first = errors[0] if errors else (self.diagnostics[0] if self.diagnostics else None)
        summary = clean(first.format()) if first else "invalid design"  # str(error) may reach a terminal
        more = len(errors) - 1
        super().__init__(summary + (f" (and {more} more)" if more > 0 else ""))


class EndpointError(VpcsimError):
    """A trace endpoint does not name an instance, interface, address or the internet."""


class UsageError(VpcsimError, ValueError):
    """An argument is malformed (a port out of range, an unknown protocol...)."""
