"""`cr.autograd.grad`: gradients of outputs with respect to chosen inputs, without touching `.grad`."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine import observe as _observe
from chainrule.engine.backward import backward, hooked_leaf_gradient, normalize_outputs, run_backward, seed_gradient
from chainrule.engine.tensor import Tensor, wrap

__all__ = ["backward", "grad"]


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None, materialize_grads: bool = False
         ) -> tuple[Tensor | None, ...]:
    """Return d(outputs)/d(inputs) (weighted by `grad_outputs`), as `torch.autograd.grad`."""
    outs, grads = normalize_outputs(outputs, grad_outputs, "autograd.grad")
    single = isinstance(inputs, Tensor)
    ins = [inputs] if single else list(inputs)
    for i, t in enumerate(ins):
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.grad: input {i} is a {type(t).__name__}, not a Tensor")
        if not t.requires_grad:
            raise RuntimeError(f"autograd.grad: input {i} does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [seed_gradient(o, g, create_graph, i) for i, (o, g) in enumerate(zip(outs, grads))]
    capture = {t.grad_fn: None for t in ins if t.grad_fn is not None}
    leaf_grads = run_backward(outs, seeds, retain_graph, create_graph, capture, ins)
    results: list[Tensor | None] = []
    hooked: dict[Tensor, Any] = {}  # a leaf's hooks run once, also when it is given twice
    for i, t in enumerate(ins):
        if t.grad_fn is not None:
            g = capture.get(t.grad_fn)
        elif t in hooked:
            g = hooked[t]
        else:
            g = leaf_grads.get(t)
            if g is not None:  # the leaf's tensor hooks, as PyTorch runs them for the inputs it captures
                g = hooked[t] = hooked_leaf_gradient(t, g, create_graph)
        if g is None:
            if not (allow_unused or materialize_grads):
                raise RuntimeError(f"autograd.grad: input {i} (shape {tuple(t.shape)}) was not used in the graph "
                                   f"of the outputs; set allow_unused=True if this is the desired behavior")
            results.append(wrap(np.zeros_like(t.array)[()]) if materialize_grads else None)
        elif isinstance(g, Tensor):
            results.append(g)
        else:
            results.append(wrap(np.array(g, copy=True)[()]))
    if _observe.call_observers():
        _observe.publish_call("autograd.grad", outs, ins, retain_graph, create_graph)
    return tuple(results)
