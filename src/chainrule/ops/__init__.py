"""The ops: each op's forward, vector-Jacobian product and local-derivative formula, in one place each.

Importing this package registers every op and attaches the tensor methods and operators.
"""

from chainrule.ops import (  # noqa: F401 - imported for registration
    activations,
    conv,
    elementwise,
    indexing,
    joins,
    linalg,
    losses,
    reductions,
    scatter,
    shape_ops,
)
from chainrule.ops import methods as _methods  # noqa: F401 - attaches Tensor methods
from chainrule.ops.registry import REGISTRY, Op, apply, defop

__all__ = ["REGISTRY", "Op", "apply", "defop"]
