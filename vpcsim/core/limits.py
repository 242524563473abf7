"""Size caps and thresholds of the core's tables.

prefix.py and rules.py read them from this module at call time (`limits._GRID_CELLS`), so
setting one here, as the tests do, takes effect everywhere.
"""


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
