"""What every core module shares: protocol and port bounds, address widths, size caps, argument checks.

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
PROTO_TCP: int = 6
PROTO_UDP: int = 17
PROTO_MAX: int = 255
PORTED_PROTOS: frozenset[int] = frozenset({PROTO_ICMP, PROTO_TCP, PROTO_UDP})

# numpy's integer types stop at 64 bits, so the vectorised paths (stride arrays, decision
# grids) serve only tables this wide or narrower; wider tables answer batches in pure Python.
NUMPY_BITS = 32

# Size caps and thresholds. The table modules read them from here at call time, so setting
# one on vpcsim.core (as the tests do) takes effect everywhere; see vpcsim.core._Core.

# Upper bound on cached (segment, protocol) port partitions per rule table; the cache is
# dropped wholesale when full, which keeps memory bounded without LRU bookkeeping on hits.
_CACHE_LIMIT = 1 << 15

# Batches shorter than this are answered in pure Python even when numpy is there (numpy's
# fixed cost per call is a few microseconds). Tests set it to 0 to force the numpy path.
_NUMPY_MIN_BATCH = 64

# Largest decision grid (address segments x port segments, int32 cells) built for one
# protocol class of a rule table, and the most cell writes spent painting it; past either,
# batches of that class fall back to the per-packet path.
_GRID_CELLS = 1 << 22
_GRID_WORK = 1 << 27

# Most first-match cells (one per port segment of a row) that the first_match_fn() and
# match_fn() closures of one table keep; past it their rows are dropped and rebuilt on use.
_FN_CACHE_CELLS = 1 << 20

# Most distinct /16 nodes that the closures from lookup_fn(), first_match_fn() and
# match_fn() flatten to 65,536 answers each (0.5 MiB apiece) to save a level of subscripts.
_WIDE_NODES = 16

# Largest numpy stride arrays (cells of the level-2 and level-3 nodes) that a vectorised
# address lookup builds; past it, the lookup is a binary search (searchsorted) instead.
_STRIDE_CELLS = 1 << 21
_STRIDE_MIN_BOUNDS = 64

KNOBS: frozenset[str] = frozenset(
    {
        "_CACHE_LIMIT",
        "_NUMPY_MIN_BATCH",
        "_GRID_CELLS",
        "_GRID_WORK",
        "_FN_CACHE_CELLS",
        "_WIDE_NODES",
        "_STRIDE_CELLS",
        "_STRIDE_MIN_BOUNDS",
    }
)
"""The names above, which vpcsim.core forwards here when they are set on it."""


def addr_max(bits: int) -> int:
    """The largest address of a width (0xFFFFFFFF for 32); ValueError for a width not in WIDTHS."""
    if bits not in WIDTHS:
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
