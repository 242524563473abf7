"""The package version (one place: pyproject.toml reads no other)."""

__version__ = "0.1.0"
