"""Hook handles and the engine seam behind full backward hooks on modules.

`RemovableHandle` is what every `register_*_hook` returns (`handle.remove()`, or use it as a context
manager). `BackwardHook` is how `nn.Module`'s full backward hooks see gradients, as PyTorch's
`torch.utils.hooks.BackwardHook`: the module's tensor inputs and outputs pass through identity nodes
(`BackwardHookFunctionBackward`); the outputs' node gathers every output gradient (None where none
arrives), runs the backward pre-hooks (which may replace them) and lets them flow on; the inputs' node
gathers every input gradient and calls the full backward hooks with (grad_input, grad_output), whose
result may replace grad_input. Each identity is one "hub" node over all the tensors plus one selector
node per tensor, so the hub runs once, after every gradient of its tensors has arrived.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.engine.grad_mode import grad_state
from chainrule.engine.node import Node
from chainrule.engine.tensor import Tensor, inplace_epoch


class RemovableHandle:
    """A handle that removes a registered hook: `handle.remove()`, or `with handle:` (removed on exit)."""

    next_id: int = 0

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict = hooks_dict
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        if extra_dict is None:
            extra_dict = ()
        elif isinstance(extra_dict, dict):
            extra_dict = (extra_dict,)
        self.extra_dicts = tuple(extra_dict)

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)
        for d in self.extra_dicts:
            d.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"<RemovableHandle id={self.id}>"


def add_hook(hooks: OrderedDict, hook: Callable, prepend: bool = False, extras: Sequence[dict] = ()) -> RemovableHandle:
    """Store `hook` in `hooks` under a fresh handle id (first when `prepend`), flagged in each of `extras`."""
    handle = RemovableHandle(hooks, extra_dict=tuple(extras))
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    for d in extras:
        d[handle.id] = True
    return handle


class _Partial:
    """Gradients for some of a hub's tensors, by position; selectors send these and the walk sums them."""

    __slots__ = ("grads",)

    def __init__(self, grads: dict[int, Any]) -> None:
        self.grads = grads

    def __add__(self, other: _Partial) -> _Partial:
        merged = dict(self.grads)
        for i, g in other.grads.items():
            merged[i] = g if merged.get(i) is None else merged[i] + g
        return _Partial(merged)

    __radd__ = __add__

    def __repr__(self) -> str:
        return f"<gradients for positions {sorted(self.grads)}>"


class _IdentityOp:
    """The op of hub and selector nodes: shared attributes the backward walk and the explanations read."""

    binary_elementwise = False
    user_code = True  # the hub calls the module's backward hooks
    elementwise = False
    broadcasting = False
    vjp_takes_needs = False
    saves_inputs = False
    saves_output = False
    forbids_inplace = True  # writing into a hooked tensor would bypass the hook (PyTorch forbids it too)
    name = "backward_hook"
    backward_name = "BackwardHookFunctionBackward"
    arg_names: tuple[str, ...] = ("input",)
    formulas: tuple[str, ...] = ("1 (identity: a module's backward hook sees the gradient here)",)
    derivative = None
    vjp = None

    def local_derivatives(self, node: Node, xp: Any, inputs: tuple, out: Any) -> tuple:
        return tuple(None if p is None else 1.0 for p in node.parents)

    def __repr__(self) -> str:
        return f"Op({self.name})"


class _SelectOp(_IdentityOp):
    """One tensor of a hub: passes its gradient to the hub, labelled with its position."""

    def __init__(self, position: int) -> None:
        self.position = position

    def backward(self, node: Node, g: Any, xp: Any, inputs: tuple, out: Any) -> list:
        return [_Partial({self.position: g})]


class _HubOp(_IdentityOp):
    """All the tensors of one side (inputs or outputs) of one module call."""

    def __init__(self, run: Callable[[dict[int, Any], bool], dict[int, Any]], count: int) -> None:
        self.run = run
        self.count = count

    def backward(self, node: Node, g: Any, xp: Any, inputs: tuple, out: Any) -> list:
        grads = g.grads if isinstance(g, _Partial) else {}
        result = self.run(grads, xp.is_tensor)
        return [result.get(i) for i in range(self.count)]


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
               tuple(t._data for t in chosen),
               tuple(t.grad_fn if t.grad_fn is not None else t for t in chosen), None, None, epoch)
    out = list(tensors)
    for k, i in enumerate(positions):
        t = tensors[i]
        select = Node(_SelectOp(k), (t,), (t._data,), (hub,), t._data, None, epoch)
        out[i] = Tensor._make(t._data, select, True)
    return out


def _as_engine(value: Any, like: Any, create_graph: bool, what: str, position: int, module: Any) -> Any:
    """A gradient a hook returned, checked against the tensor it is for and turned into an engine value."""
    if value is None:
        return None
    if not isinstance(value, Tensor):
        raise TypeError(f"backward hook of {type(module).__name__}: {what}[{position}] must be a Tensor or None, "
                        f"got {type(value).__name__}")
    shape = tuple(np.shape(like._data if isinstance(like, Tensor) else like))
    if tuple(value.shape) != shape:
        raise RuntimeError(f"backward hook of {type(module).__name__} returned {what}[{position}] of shape "
                           f"{tuple(value.shape)}, but the tensor it is the gradient of has shape {shape}")
    if create_graph:
        return value
    data = value._data
    dtype = np.asarray(like._data if isinstance(like, Tensor) else like).dtype
    if data.dtype != dtype:
        data = np.asarray(data).astype(dtype)[()]
    return data


def _zeros(t: Tensor, create_graph: bool) -> Any:
    z = np.zeros_like(np.asarray(t._data))[()]
    return Tensor._make(z) if create_graph else z


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
                res[index[k]] = g if create_graph else Tensor._make(g)
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
                              "outputs since no inputs require gradients.", stacklevel=2)
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
