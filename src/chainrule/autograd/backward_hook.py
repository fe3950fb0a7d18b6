"""The engine seam behind full backward hooks on modules (in autograd: as PyTorch, a module's backward hook
is an identity autograd function whose backward calls the hooks).

`BackwardHook` is how `nn.Module`'s full backward hooks see gradients, as PyTorch's
`torch.utils.hooks.BackwardHook`: the module's tensor inputs and outputs pass through identity nodes
(`BackwardHookFunctionBackward`); the outputs' node gathers every output gradient (None where none
arrives), runs the backward pre-hooks (which may replace them) and lets them flow on; the inputs' node
gathers every input gradient and calls the full backward hooks with (grad_input, grad_output), whose
result may replace grad_input. Each identity is one "hub" node over all the tensors plus one selector
node per tensor, so the hub runs once, after every gradient of its tensors has arrived.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.engine.grad_mode import grad_state
from chainrule.engine.hooks import Partial
from chainrule.engine.node import Node
from chainrule.engine.tensor import Tensor, inplace_epoch, wrap
from chainrule.ops.registry import Op

__all__ = ["BackwardHook", "identity_hub"]


def _identity(x: Any) -> Any:
    return x


class _IdentityOp(Op):
    """The op of hub and selector nodes: an identity declared as an `Op` record (no derivative rule: the
    subclasses' `backward` routes the gradients), so it has every field the backward walk and the
    explanations read."""

    __slots__ = ()
    user_code = True  # the hub calls the module's backward hooks
    forbids_inplace = True  # writing into a hooked tensor would bypass the hook (PyTorch forbids it too)

    def __init__(self) -> None:
        super().__init__("backward_hook", _identity, ("input",), None,
                         ("1 (identity: a module's backward hook sees the gradient here)",),
                         backward_name="BackwardHookFunctionBackward", saves="nothing")

    def local_derivatives(self, node: Node, xp: Any, inputs: tuple, out: Any) -> tuple:
        return tuple(None if p is None else 1.0 for p in node.parents)


class _SelectOp(_IdentityOp):
    """One tensor of a hub: passes its gradient to the hub, labelled with its position."""

    __slots__ = ("position",)

    def __init__(self, position: int) -> None:
        super().__init__()
        self.position = position

    def backward(self, node: Node, g: Any, xp: Any, inputs: tuple, out: Any) -> list:
        return [Partial({self.position: g})]


_SELECT_OPS: dict[int, _SelectOp] = {}  # by position: a selector op holds nothing else, so one per position


def _select_op(position: int) -> _SelectOp:
    op = _SELECT_OPS.get(position)
    if op is None:
        op = _SELECT_OPS.setdefault(position, _SelectOp(position))
    return op


class _HubOp(_IdentityOp):
    """All the tensors of one side (inputs or outputs) of one module call."""

    __slots__ = ("count", "run")

    def __init__(self, run: Callable[[dict[int, Any], bool], dict[int, Any]], count: int) -> None:
        super().__init__()
        self.run = run
        self.count = count

    def backward(self, node: Node, g: Any, xp: Any, inputs: tuple, out: Any) -> list:
        grads = g.grads if isinstance(g, Partial) else {}
        result = self.run(grads, xp.is_tensor)
        return [result.get(i) for i in range(self.count)]


def _user_stacklevel() -> int:
    """The `stacklevel` that makes a warning name its caller's first frame outside chainrule (the user's
    `backward()` line, where PyTorch's engine reports a hook's warning)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def identity_hub(tensors: Sequence[Tensor], run: Callable[[dict[int, Any], bool], dict[int, Any]]) -> list[Tensor]:
    """New tensors sharing the data of `tensors` whose gradients all pass through one node, which calls
    `run({position: gradient}, create_graph)` once per backward pass and sends on what it returns (engine
    values: arrays, or tensors when `create_graph`). Tensors that do not require grad are returned as is."""
    positions = [i for i, t in enumerate(tensors) if t.requires_grad]
    chosen = [tensors[i] for i in positions]

    def run_chosen(grads: dict[int, Any], create_graph: bool) -> dict[int, Any]:
        return run({positions[k]: g for k, g in grads.items()}, create_graph)

    def remap(result: dict[int, Any]) -> dict[int, Any]:
        return {k: result.get(i) for k, i in enumerate(positions)}

    epoch = inplace_epoch.value
    hub = Node(_HubOp(lambda grads, cg: remap(run_chosen(grads, cg)), len(chosen)), tuple(chosen),
               tuple(t.array for t in chosen),
               tuple(t.grad_fn if t.grad_fn is not None else t for t in chosen), None, None, epoch)
    out = list(tensors)
    for k, i in enumerate(positions):
        t = tensors[i]
        select = Node(_select_op(k), (t,), (t.array,), (hub,), t.array, None, epoch)
        out[i] = wrap(t.array, select, True)
    return out


def _as_engine(value: Any, like: Any, create_graph: bool, what: str, position: int, module: Any) -> Any:
    """A gradient a hook returned, checked against the tensor it is for and turned into an engine value."""
    if value is None:
        return None
    if not isinstance(value, Tensor):
        raise TypeError(f"backward hook of {type(module).__name__}: {what}[{position}] must be a Tensor or None, "
                        f"got {type(value).__name__}")
    shape = tuple(np.shape(like.array if isinstance(like, Tensor) else like))
    if tuple(value.shape) != shape:
        raise RuntimeError(f"backward hook of {type(module).__name__} returned {what}[{position}] of shape "
                           f"{tuple(value.shape)}, but the tensor it is the gradient of has shape {shape}")
    dtype = np.asarray(like.array if isinstance(like, Tensor) else like).dtype
    if value.array.dtype != dtype:  # as PyTorch's check on the hook it runs the module's hooks in
        raise RuntimeError(f"hook 'hook' has changed the type of value (was {dtype}, got {value.array.dtype}): "
                           f"backward hook of {type(module).__name__} returned {what}[{position}]")
    return value if create_graph else value.array


def _zeros(t: Tensor, create_graph: bool) -> Any:
    z = np.zeros_like(np.asarray(t.array))[()]
    return wrap(z) if create_graph else z


class BackwardHook:
    """Full backward (pre-)hooks of one module call: wrap the call's inputs and outputs with
    `setup_input_hook` / `setup_output_hook` (PyTorch's `torch.utils.hooks.BackwardHook`)."""

    def __init__(self, module: Any, user_hooks: list[Callable], user_pre_hooks: list[Callable]) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs: tuple | None = None
        self.n_inputs = -1
        self.n_outputs = -1
        self.input_tensors_index: list[int] | None = None
        self.output_tensors_index: list[int] | None = None
        self.inputs: tuple = ()
        self.outputs: tuple = ()

    def _wrap(self, args: tuple, run: Callable) -> tuple[tuple, list[int] | None]:
        index = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in index]
        if not (any(t.requires_grad for t in tensors) and grad_state.enabled):
            return args, None
        wrapped = identity_hub(tensors, run)
        out = list(args)
        for i, t in zip(index, wrapped):
            out[i] = t
        return tuple(out), index

    def _user_values(self, grads: dict[int, Any], index: list[int], n: int, create_graph: bool) -> tuple:
        res: list[Any] = [None] * n
        for k, g in grads.items():
            if g is not None:
                res[index[k]] = g if create_graph else wrap(g)
        return tuple(res)

    def setup_input_hook(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        self.inputs = args

        def run(grads: dict[int, Any], create_graph: bool) -> dict[int, Any]:
            if self.grad_outputs is None:  # the gradient reached the inputs without passing the outputs
                return grads
            index = self.input_tensors_index or []
            # as PyTorch: every tensor input gets a gradient here, zeros where none arrived
            grads = {k: grads[k] if grads.get(k) is not None else _zeros(self.inputs[i], create_graph)
                     for k, i in enumerate(index)}
            res = self._user_values(grads, index, self.n_inputs, create_graph)
            for hook in self.user_hooks:
                out = hook(self.module, res, self.grad_outputs)
                if out is None:
                    continue
                if not isinstance(out, tuple | list) or len(out) != len(res):
                    got = len(out) if isinstance(out, tuple | list) else type(out).__name__
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {got}, but "
                                       f"expected {len(res)} (module {type(self.module).__name__})")
                res = tuple(out)
            self.grad_outputs = None
            return {k: _as_engine(res[i], self.inputs[i], create_graph, "grad_input", i, self.module)
                    for k, i in enumerate(index)}

        wrapped, self.input_tensors_index = self._wrap(args, run)
        return wrapped

    def setup_output_hook(self, result: Any) -> Any:
        is_tuple = isinstance(result, tuple)
        args = result if is_tuple else (result,)
        self.n_outputs = len(args)
        self.outputs = args

        def run(grads: dict[int, Any], create_graph: bool) -> dict[int, Any]:
            index = self.output_tensors_index or []
            self.grad_outputs = self._user_values(grads, index, self.n_outputs, create_graph)
            for hook in self.user_pre_hooks:
                out = hook(self.module, self.grad_outputs)
                if out is None:
                    continue
                if not isinstance(out, tuple | list) or len(out) != len(self.grad_outputs):
                    got = len(out) if isinstance(out, tuple | list) else type(out).__name__
                    raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, got {got}, "
                                       f"but expected {len(self.grad_outputs)} (module {type(self.module).__name__})")
                self.grad_outputs = tuple(out)
            local = self.grad_outputs
            if self.input_tensors_index is None:  # no input requires grad: the full hooks run now
                warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                              "outputs since no inputs require gradients.", stacklevel=_user_stacklevel())
                grad_inputs = (None,) * self.n_inputs
                for hook in self.user_hooks:
                    res = hook(self.module, grad_inputs, self.grad_outputs)
                    if res is not None and not (isinstance(res, tuple) and all(r is None for r in res)):
                        raise RuntimeError("Backward hook for Modules where no input requires gradient should "
                                           "always return None or None for all gradients.")
                self.grad_outputs = None
            return {k: _as_engine(local[i], self.outputs[i], create_graph, "grad_output", i, self.module)
                    for k, i in enumerate(index)}

        wrapped, self.output_tensors_index = self._wrap(args, run)
        return wrapped if is_tuple else wrapped[0]
