"""Severity: one scale of "how bad" for exposure findings, promises and lint rules, and SARIF's levels.

Each grade carries the numeric score SARIF's `security-severity` property takes, in the bands
GitHub code scanning reads (critical >= 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9:
https://docs.github.com/en/code-security/code-scanning/managing-your-code-scanning-configuration/sarif-support-for-code-scanning).
Diagnostics about the design itself (error / warning) are `errors.Severity`, a different axis:
whether the design is valid at all.
"""

from __future__ import annotations

import enum

from vpcsim.errors import UsageError
from vpcsim.records import record

__all__ = ["Grade", "Level", "RuleInfo"]


class Grade(enum.Enum):
    """How bad a finding or a broken promise is; ordered (`Grade.CRITICAL > Grade.INFO`)."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def score(self) -> float:
        """SARIF `security-severity` (0.0-10.0)."""
        return _SCORE[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Grade):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, text: str) -> Grade:
        try:
            return cls(text.lower())
        except ValueError:
            names = ", ".join(g.value for g in sorted(cls, reverse=True))
            raise UsageError(f"unknown severity {text!r} (expected one of: {names})") from None


_RANK = {Grade.INFO: 0, Grade.LOW: 1, Grade.MEDIUM: 2, Grade.HIGH: 3, Grade.CRITICAL: 4}
_SCORE = {Grade.INFO: 0.0, Grade.LOW: 3.0, Grade.MEDIUM: 5.5, Grade.HIGH: 8.0, Grade.CRITICAL: 9.5}


class Level(enum.Enum):
    """How bad a finding is; SARIF's levels."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {Level.ERROR: 3, Level.WARNING: 2, Level.NOTE: 1}[self]


@record
class RuleInfo:
    """A SARIF reporting descriptor: a lint rule, or one assertion."""

    id: str
    name: str
    summary: str
    level: Level
    security_severity: float
    help: str = ""
    tags: tuple[str, ...] = ("vpcsim",)
