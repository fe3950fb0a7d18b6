"""How the engine reaches the op functions without importing them.

The engine is the lowest layer: `chainrule.ops` imports it, never the other way round. Two engine pieces
still have to call ops: the methods of `Tensor` (`x.exp()` is `cr.exp(x)`, see `engine/tensor_methods.py`)
and the graph-building array namespace of `create_graph=True` backward passes (`engine/xp.py: TensorXP`).
They call them through `ops`, the namespace module `chainrule.ops.methods`, which `chainrule.ops` hands
to `bind` once, as the last step of its own import (dependency inversion: the engine declares what it
needs, the layer above provides it). The methods' signatures are those of the functions they call, so a
type checker sees every method with its parameters.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

__all__ = ["bind", "ops"]


class _NotLoaded:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"Tensor.{name}: the ops are not loaded; `import chainrule` loads them")


ops: Any = _NotLoaded()


def bind(namespace: ModuleType) -> None:
    """Called by `chainrule.ops` once its functions exist: the module the Tensor methods call into."""
    global ops
    ops = namespace
