"""Pytrees: nested attrs classes, tuples, lists, dicts and None, with arrays at the leaves.

Containers are tuples (named tuples too), lists, dicts (keys in sorted order),
`None` (an empty subtree) and attrs instances, whose fields are children unless
marked static with `static_field()`. Everything else, `random.Key` included, is a
leaf. Paths name a leaf the way Python would reach it: `[2].w`, `["lr"]`.

`map` builds trees of any leaves (bools, shapes, None). The arithmetic (`add`, `sub`,
`vdot`, `scale`, and `map_many`, which optimizers use) pairs leaves of equal shapes only:
arrays are never broadcast, and a ValueError names the path, the expected shape and the
given one. A params field made with `param_field(decay=...)` declares whether weight
decay applies to it by default (`declared` reads such declarations).
"""

from nnfunc.tree._nodes import DECAY, param_field, pytree, static_field
from nnfunc.tree._pairs import (
    add,
    astype,
    equal,
    global_norm,
    map_many,
    scale,
    sub,
    vdot,
    zeros_like,
)
from nnfunc.tree._walks import (
    TreeDef,
    declared,
    first_leaf,
    flatten,
    leaves,
    leaves_with_path,
    map,
    structure,
    unflatten,
)

__all__ = [
    "DECAY",
    "TreeDef",
    "add",
    "astype",
    "declared",
    "equal",
    "first_leaf",
    "flatten",
    "global_norm",
    "leaves",
    "leaves_with_path",
    "map",
    "map_many",
    "param_field",
    "pytree",
    "scale",
    "static_field",
    "structure",
    "sub",
    "unflatten",
    "vdot",
    "zeros_like",
]
