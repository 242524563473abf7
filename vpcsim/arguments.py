"""Arguments: values given to the library or the CLI -> checked ints and names, or a UsageError.

One place for the rules, so that `trace()`, `verdicts()` and `vpcsim trace -p ...` refuse the
same values with the same words. Every message quotes the bad value (cut short: repr() of an
int over 4,300 digits raises, and a megabyte of text helps nobody).
"""

from __future__ import annotations

from typing import Any

from vpcsim.core import ICMP_PROTOS
from vpcsim.errors import UsageError
from vpcsim.facts import EPHEMERAL_PRESETS
from vpcsim.model import PROTOCOL_NAMES, number_hint, parse_decimal

__all__ = ["EPHEMERAL_PRESETS", "endpoint", "ephemeral", "icmp_what", "port", "protocol", "quote", "trace_args"]



def quote(value: object, limit: int = 60) -> str:
    """repr(value), safe for any value and at most about `limit` characters."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"<a {int(value.bit_length() * 0.30103) + 1}-digit int>"
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__, or a container holding a huge int
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _whole(value: object) -> int | None:
    """An int (not a bool), or the int a plain ASCII decimal string spells; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return parse_decimal(value.strip())
    return None


def protocol(value: object) -> int:
    """tcp / udp / icmp / icmpv6, or an IP protocol number 0-255 (int or decimal text) -> the number."""
    number = PROTOCOL_NAMES.get(value.strip().lower(), None) if isinstance(value, str) else None
    if number is not None:
        if number >= 0:
            return number
        raise UsageError(f"protocol {quote(value)}: a packet has one protocol (expected tcp, udp, icmp, icmpv6 or 0-255)")
    whole = _whole(value)
    if whole is None:
        hint = number_hint(value) if isinstance(value, str) else ""
        raise UsageError(f"unknown protocol {quote(value)} (expected tcp, udp, icmp, icmpv6 or a number 0-255){hint}")
    if not 0 <= whole <= 255:
        raise UsageError(f"protocol {quote(value)}: a packet has one protocol (expected tcp, udp, icmp, icmpv6 or 0-255)")
    return whole


def icmp_what(proto: int) -> str:
    """How a message names an ICMP protocol's type: 'icmp type', 'icmpv6 type'."""
    return "icmpv6 type" if proto == 58 else "icmp type"


def port(value: object, what: str = "port", top: int = 65535) -> int:
    """A port (or ICMP type, `top`=255) as an int or decimal text -> the int."""
    number = _whole(value)
    if number is None:
        hint = number_hint(value) if isinstance(value, str) else ""
        raise UsageError(f"{what} {quote(value)} is not a number (expected 0-{top}){hint}")
    if not 0 <= number <= top:
        raise UsageError(f"{what} {quote(value)} is out of range (expected 0-{top})")
    return number


def ephemeral(value: object, presets: dict[str, tuple[int, int]] | None = None) -> tuple[int, int]:
    """A client port range: (lo, hi), 'lo-hi', or a preset name (linux / windows / nat, or a
    config's own `presets`) -> (lo, hi). The one parser of ephemeral ranges."""
    table = EPHEMERAL_PRESETS if presets is None else presets
    if isinstance(value, str):
        text = value.strip().lower()
        if text in table:
            return table[text]
        lo_text, sep, hi_text = text.partition("-")
        lo, hi = parse_decimal(lo_text.strip()), parse_decimal(hi_text.strip())
        if sep and lo is not None and hi is not None and 0 <= lo <= hi <= 65535:
            return lo, hi
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        lo, hi = _whole(value[0]), _whole(value[1])
        if lo is not None and hi is not None and 0 <= lo <= hi <= 65535:
            return lo, hi
    raise UsageError(
        f"invalid ephemeral range {quote(value)} (expected lo-hi within 0-65535, (lo, hi), linux, windows or nat)"
    )


def endpoint(value: object, what: str) -> str:
    """A trace endpoint must be text: an instance, interface, address or 'internet'."""
    if isinstance(value, str) and value.strip():
        return value
    raise UsageError(f"{what} {quote(value)}: expected an instance, interface, IP address, 'internet' or 'internet6' (a string)")


_USUAL_PROTOCOLS: dict[object, int] = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, 6: 6, 17: 17, 1: 1, 58: 58}


def trace_args(
    src: Any, dst: Any, port_value: Any, protocol_value: Any, src_port: Any, ephemeral_value: Any
) -> tuple[str, str, int, int, int | None, tuple[int, int] | None]:
    """`trace()`'s arguments checked: (src, dst, port, protocol number, src_port, ephemeral)."""
    if (type(src) is str and type(dst) is str and type(port_value) is int and src_port is None
            and ephemeral_value is None and type(protocol_value) in (str, int)):
        # The usual call (`trace(net, "a", "b", 443)`): judged without the general path's calls.
        fast = _USUAL_PROTOCOLS.get(protocol_value)
        if fast is not None and src.strip() and dst.strip() and 0 <= port_value <= (
                255 if fast in ICMP_PROTOS else 65535):
            return src, dst, port_value, fast, None, None
    proto = protocol(protocol_value)
    checked_port = port(port_value, icmp_what(proto) if proto in ICMP_PROTOS else "port",
                        255 if proto in ICMP_PROTOS else 65535)
    return (
        endpoint(src, "source"),
        endpoint(dst, "destination"),
        checked_port,
        proto,
        None if src_port is None else port(src_port, "source port"),
        None if ephemeral_value is None else ephemeral(ephemeral_value),
    )
