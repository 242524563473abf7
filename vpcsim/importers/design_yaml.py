"""A design dict as YAML (`vpcsim import` writes it): keys in order, rules and routes one per line.

Apart from `importers.aws` because setup.py compiles that module with mypyc, whose native
classes cannot subclass `dict` or `list` (the flow-style markers below).
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["design_to_yaml"]

_BIDI = re.compile("[\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def design_to_yaml(design: dict[str, Any]) -> str:
    """Render a design dict as YAML: keys in order, rules and routes one per line."""
    def dump(allow_unicode: bool) -> str:
        return yaml.dump(
            _flowed(design, nested=False),
            Dumper=_Dumper,
            sort_keys=False,
            default_flow_style=False,
            allow_unicode=allow_unicode,
            width=1000,
        )

    text = dump(True)
    # YAML escapes C0/C1 controls itself, but writes bidi overrides raw when unicode is allowed;
    # then everything non-ASCII is escaped instead, so the file never reorders what a reviewer sees.
    return dump(False) if _BIDI.search(text) else text


# -- YAML rendering -----------------------------------------------------------------------------

try:
    _BaseDumper: Any = yaml.CSafeDumper
except AttributeError:  # libyaml not compiled in
    _BaseDumper = yaml.SafeDumper


class _Dumper(_BaseDumper):  # type: ignore[misc]
    pass


class _FlowMap(dict[str, Any]):
    """A mapping written on one line: `{rule: 100, action: allow, ...}`."""


class _FlowSeq(list[Any]):
    """A list of scalars written on one line: `[10.0.0.0/16, 10.1.0.0/16]`."""


def _represent_flow_map(dumper: Any, data: _FlowMap) -> Any:
    return dumper.represent_mapping("tag:yaml.org,2002:map", dict(data), flow_style=True)


def _represent_flow_seq(dumper: Any, data: _FlowSeq) -> Any:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(data), flow_style=True)


_Dumper.add_representer(_FlowMap, _represent_flow_map)
_Dumper.add_representer(_FlowSeq, _represent_flow_seq)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _flowed(value: Any, nested: bool) -> Any:
    """Copy `value`, marking flat rule-like maps inside lists and lists of scalars as flow style."""
    if isinstance(value, dict):
        if nested and value and all(_is_scalar(v) for v in value.values()):
            return _FlowMap(value)
        return {k: _flowed(v, nested=False) for k, v in value.items()}
    if isinstance(value, list):
        if all(_is_scalar(v) for v in value):  # an empty list too: `[]`, not null
            return _FlowSeq(value)
        return [_flowed(v, nested=True) for v in value]
    return value
