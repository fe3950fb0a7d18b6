"""The ops: each op's forward, vector-Jacobian product and local-derivative formula, in one place each.

Importing this package registers every op and binds `chainrule.ops.methods` as the namespace the engine's
`Tensor` methods call (`engine/dispatch.py`), so `x.exp()` works once `chainrule.ops` is loaded.
"""

from chainrule.engine import dispatch as _dispatch
from chainrule.ops import (  # noqa: F401 - imported for registration
    activations,
    conv,
    elementwise,
    indexing,
    joins,
    linalg,
    losses,
    methods,
    reductions,
    scatter,
    shape_ops,
)
from chainrule.ops.registry import REGISTRY, Op, apply, defop

_dispatch.bind(methods)

__all__ = ["REGISTRY", "Op", "apply", "defop"]
