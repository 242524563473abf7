"""What every core module shares: protocol and port bounds, address widths, argument checks.

Imports only the standard library (numpy lazily, inside _int_array).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    IntArray = NDArray[np.int64]
    """What the ``*_array`` batch functions return: int64, -1 where nothing matches."""
    BatchInts = Sequence[int] | NDArray[np.integer[Any]]
    """A batch argument: a sequence of ints or a numpy integer array."""

WIDTHS: tuple[int, ...] = (32, 128)
"""Address widths in bits that the tables take: IPv4 and IPv6."""

ADDR_MAX: int = 0xFFFFFFFF
"""The largest IPv4 address; addr_max(bits) gives it for any width."""

PORT_MAX: int = 65535
PROTO_ALL: int = -1
PROTO_ICMP: int = 1
PROTO_ICMPV6: int = 58
PROTO_TCP: int = 6
PROTO_UDP: int = 17
PROTO_MAX: int = 255
# ICMP and ICMPv6 carry type*256+code in the port field; a rule of another protocol matches every port.
ICMP_PROTOS: frozenset[int] = frozenset({PROTO_ICMP, PROTO_ICMPV6})
PORTED_PROTOS: frozenset[int] = frozenset({PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP})

# numpy's integer types stop at 64 bits, so the vectorised paths (stride arrays, decision
# grids) serve only tables this wide or narrower; wider tables answer batches in pure Python.
NUMPY_BITS = 32

def addr_max(bits: int) -> int:
    """The largest address of a width (0xFFFFFFFF for 32); ValueError for a width not in WIDTHS."""
    if type(bits) is not int or bits not in WIDTHS:  # 32.0 == 32, but would break the bit arithmetic
        raise ValueError(f"address width {bits!r} is not one of {', '.join(map(str, WIDTHS))} bits")
    return (1 << bits) - 1


def numpy_available() -> bool:
    """Whether numpy can be imported (the batch functions then run vectorised)."""
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def bad_addr(addr: object, top: int = ADDR_MAX) -> ValueError:
    return ValueError(f"address {addr!r} outside 0..{top}")


def bad_packet(addr: object, proto: object, port: object) -> ValueError:
    return ValueError(f"bad packet address/protocol/port {addr!r}/{proto!r}/{port!r}")


def check_addr(addr: int, top: int = ADDR_MAX) -> None:
    if not 0 <= addr <= top:
        raise bad_addr(addr, top)


def check_proto(proto: int) -> None:
    if not 0 <= proto <= PROTO_MAX:
        raise ValueError(f"packet protocol {proto!r} outside 0..{PROTO_MAX}")


def check_range(lo: int, hi: int, top: int, what: str) -> None:
    if not 0 <= lo <= hi <= top:
        raise ValueError(f"{what} range {lo!r}..{hi!r} is not within 0..{top}")


def int_array(values: BatchInts, top: int, what: str) -> IntArray:
    """values as a 1-d int64 numpy array, every value checked to lie in 0..top."""
    import numpy as np

    if not isinstance(values, np.ndarray):
        # fromiter is twice as fast as asarray on a list of ints (it needs no type inference);
        # it converts as int() would, which the sequence-of-ints type rules out anyway.
        try:
            values = np.fromiter(values, dtype=np.int64, count=len(values))
        except OverflowError:
            raise ValueError(f"a {what} is outside 0..{top}") from None
    arr = values
    if arr.ndim != 1:
        raise ValueError(f"a batch of {what} values must be one-dimensional, not of shape {arr.shape}")
    if arr.dtype.kind not in "iu":
        if arr.size == 0:
            return np.zeros(0, dtype=np.int64)
        if arr.dtype.kind == "O":  # Python ints too big for int64, or not ints at all
            raise ValueError(f"a {what} is outside 0..{top} or not an int")
        raise TypeError(f"{what} values must be integers, not {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > top):
        raise ValueError(f"a {what} is outside 0..{top}")
    return arr.astype(np.int64, copy=False)


def int_list(values: BatchInts, top: int, what: str) -> list[int]:
    """values as a list of Python ints, each checked to lie in 0..top: the batch form of wide tables.

    Accepts what int_array accepts, and also object arrays and sequences of ints above 2**63
    (128-bit addresses, which no numpy integer type holds).
    """
    arr: Any = values  # a numpy array is known only by its attributes: numpy is not imported here
    if hasattr(arr, "dtype"):
        if arr.ndim != 1:
            raise ValueError(f"a batch of {what} values must be one-dimensional, not of shape {arr.shape}")
        if arr.dtype.kind not in "iuO":
            if arr.size == 0:
                return []
            raise TypeError(f"{what} values must be integers, not {arr.dtype}")
        out: list[int] = arr.tolist()
    else:
        out = list(values)
    for v in out:
        if not isinstance(v, int) or isinstance(v, bool):
            raise TypeError(f"{what} values must be integers, not {type(v).__name__}")
        if not 0 <= v <= top:
            raise ValueError(f"a {what} is outside 0..{top}")
    return out
