"""How the engine reaches the op functions without importing them.

The engine is the lowest layer: `chainrule.ops` imports it, never the other way round. Two engine pieces
still have to call ops: the methods of `Tensor` (`x.exp()` is `cr.exp(x)`, see `engine/tensor_methods.py`)
and the graph-building array namespace of `create_graph=True` backward passes (`engine/xp.py: TensorXP`).
They call them through `ops`, the namespace module `chainrule.ops.methods`, which `chainrule.ops` hands
to `bind` once, as the last step of its own import (dependency inversion: the engine declares what it
needs, the layer above provides it). Type checkers see `ops` as that module, so every method call is
checked against the op's real signature.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

__all__ = ["bind", "ops"]


class _NotLoaded:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"Tensor.{name}: the ops are not loaded; `import chainrule` loads them")


if TYPE_CHECKING:
    from chainrule.ops import methods as ops
else:
    ops = _NotLoaded()


def bind(namespace: ModuleType) -> None:
    """Called by `chainrule.ops` once its functions exist: the module the Tensor methods call into."""
    global ops
    ops = namespace
