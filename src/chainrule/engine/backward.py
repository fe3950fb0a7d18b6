"""The backward walk: reverse topological order over recorded nodes, iterative (no recursion limit).

The order is the nodes' creation order, newest first (a priority queue keyed by `Node.seq`, as PyTorch's ready
queue by sequence_nr): a node is made after every node it sends gradients to, so by the time the walk takes a
node, every node that consumes its output is done, and no counting pass over the graph is needed. For each node
it sums the gradients arriving from every consumer (the sum over paths), asks the
node's op for the vector-Jacobian product, and frees the node's saved buffers unless the graph is
retained. It knows no specific op.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from chainrule.engine import observe as _observe
from chainrule.engine import xp as _xp
from chainrule.engine.anomaly import anomaly_state, record_flags
from chainrule.engine.grad_mode import enter_backward, exit_backward
from chainrule.engine.hooks import Partial
from chainrule.engine.node import Node
from chainrule.engine.tensor import Tensor, inplace_epoch, storage_written_since, tensor_from_data

_ndarray = np.ndarray

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time."
)


def seed_gradient(output: Tensor, grad: Any, create_graph: bool, position: int) -> Any:
    """The gradient a backward pass starts from at `output` (number `position` of the outputs): `grad` checked
    against the output's shape and cast to its dtype, or 1 for a one-element output when `grad` is None; an
    array, or a tensor under `create_graph`."""
    if grad is None:
        if output._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for scalar outputs; output {position} has "
                f"shape {tuple(output.shape)}: pass gradient= (a tensor of that shape)"
            )
        seed = _unit(output._data.dtype) if output._data.ndim == 0 else np.ones(output.shape, output._data.dtype)
        return Tensor._make(seed) if create_graph else seed
    if not isinstance(grad, Tensor):
        grad = tensor_from_data(grad, output.dtype)
    if tuple(grad.shape) != tuple(output.shape):
        raise RuntimeError(
            f"backward: Mismatch in shape: grad_output[{position}] has a shape of {tuple(grad.shape)} and "
            f"output[{position}] has a shape of {tuple(output.shape)}"
        )
    if create_graph:
        return grad
    data = grad._data
    return data.astype(output._data.dtype) if data.dtype != output._data.dtype else data


_UNITS: dict = {}


def _unit(np_dtype: np.dtype) -> Any:
    """A scalar 1 of the given dtype (cached: building NumPy scalars is slow)."""
    one = _UNITS.get(np_dtype)
    if one is None:
        one = _UNITS[np_dtype] = np.ones((), np_dtype)[()]
    return one


def _check_saved(node: Node) -> None:
    """Called only when some tensor was modified in place after `node` was recorded."""
    if node.out_modified:
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: the output of {node.name()} was modified in place after it was saved"
        )
    if node.op.saves_output and storage_written_since(node.out, node.epoch):
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: the output of {node.name()} was written in place (through a view or detached alias) "
            f"after it was saved"
        )
    if node.op.saves_inputs:
        for i, (x, data) in enumerate(zip(node.inputs, node.datas)):
            if isinstance(x, Tensor) and (x._modified_epoch > node.epoch or storage_written_since(data, node.epoch)):
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: input {i} of {node.name()} (shape {tuple(x.shape)}, now at version "
                    f"{x._version}) was modified after it was saved"
                )
    if node.attrs:  # index arrays an op keeps (x[i], gather, sort's indices): PyTorch saves them too
        for key, value in node.attrs.items():
            for arr in value if type(value) is tuple else (value,):
                if type(arr) is np.ndarray and storage_written_since(arr, node.epoch):
                    raise RuntimeError(
                        f"one of the variables needed for gradient computation has been modified by an "
                        f"inplace operation: the {key!r} array {node.name()} saved (shape {arr.shape}) was "
                        f"modified after it was saved"
                    )


def _apply_hooks(hooks: list, grad: Any, create_graph: bool) -> Any:
    for hook in hooks:
        wrapped = grad if create_graph else Tensor._make(grad)
        result = hook(wrapped)
        if result is not None:
            _check_hook_result(hook, grad, result)
            grad = result if create_graph else (result._data if isinstance(result, Tensor) else result)
    return grad


def hooked_leaf_gradient(leaf: Tensor, grad: Any, create_graph: bool) -> Any:
    """`grad` (an array, or a tensor under create_graph) after the leaf's tensor hooks (`register_hook`), as
    backward applies them before accumulating; `autograd.grad` applies them to the leaf gradients it returns, as
    PyTorch does."""
    hooks = leaf._grad_hooks
    return _apply_hooks(hooks, grad, create_graph) if hooks else grad


def _check_hook_result(hook: Any, grad: Any, result: Any) -> None:
    """A tensor hook may replace the gradient, not change its size or dtype (PyTorch's checks and wording)."""
    old = np.asarray(grad._data if isinstance(grad, Tensor) else grad)
    new = np.asarray(result._data if isinstance(result, Tensor) else result)
    name = getattr(hook, "__name__", type(hook).__name__)
    if new.shape != old.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value (was {list(old.shape)}, got "
                           f"{list(new.shape)})")
    if new.dtype != old.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {old.dtype}, got {new.dtype})")


def _fresh(arr: Any, handed: set[int]) -> Any:
    """A leaf's gradient must not alias another leaf's or the caller's array: copy views and repeats."""
    if type(arr) is np.ndarray and (arr.base is not None or id(arr) in handed):
        arr = arr.copy()
    handed.add(id(arr))
    return arr


def _needed_nodes(roots: Sequence[Node], targets: Sequence[Tensor]) -> set[Node]:
    """The nodes whose VJP a walk toward `targets` must run: those with a target below them (a target node among
    their parents, or a leaf target, or a parent that is itself needed). PyTorch's engine runs only these for
    `autograd.grad` and `backward(inputs=...)`: the graph below the targets is neither walked nor freed."""
    target_nodes = {t.grad_fn for t in targets if t.grad_fn is not None}
    target_leaves = {t for t in targets if t.grad_fn is None}
    seen: set[Node] = set(roots)
    stack = list(roots)
    while stack:
        for parent in stack.pop().parents:
            if type(parent) is Node and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    needed: set[Node] = set()
    for node in sorted(seen, key=lambda n: n.seq, reverse=True):  # oldest first: parents before consumers
        for parent in node.parents:
            if (parent in target_nodes or parent in needed) if type(parent) is Node else \
                    (parent is not None and parent in target_leaves):
                needed.add(node)
                break
    return needed


def run_backward(outputs: Sequence[Tensor], grads: Sequence[Any], retain_graph: bool, create_graph: bool,
                 capture: dict | None = None, targets: Sequence[Tensor] | None = None) -> dict[Tensor, Any]:
    """Propagate `grads` from `outputs` back through the graph.

    Returns {leaf: total gradient} for every leaf reached (a Tensor hashes by identity, and a dict compares
    keys by identity first, so its elementwise `==` is never called). If `capture` maps nodes to None,
    the total gradient arriving at each of those nodes' outputs is stored in it. With `targets` (the inputs of
    `autograd.grad` or `backward(inputs=...)`), only the nodes with a target below them run their VJP; the rest
    of the graph is left as it is (not walked, not freed). The bookkeeping (which walk
    reached a node, the gradient summed so far) lives on the nodes: this loop is the per-node path of every step.
    """
    leaf_grads: dict[Tensor, Any] = {}
    mark = object()
    root = outputs[0].grad_fn if len(outputs) == 1 else None
    if root is not None:  # one output (loss.backward())
        root.mark = mark
        root.acc = grads[0]
        heap = [(root.seq, root)]
    else:
        heap = []
        for out, g in zip(outputs, grads):
            node = out.grad_fn
            if node is None:
                prev = leaf_grads.get(out)
                leaf_grads[out] = g if prev is None else prev + g
            elif node.mark is not mark:
                node.mark = mark
                node.acc = g
                heappush(heap, (node.seq, node))
            else:
                node.acc = node.acc + g
    xp = _xp.TENSOR if create_graph else _xp.NUMPY
    watchers = _observe._local.active
    special = (bool(watchers) or capture is not None or create_graph
               or (record_flags.anomaly_threads > 0 and anomaly_state.enabled))
    epoch = inplace_epoch.value
    step_index = 0
    needed = None if targets is None else _needed_nodes([n for _, n in heap], targets)
    # This thread's grad mode is create_graph while user code runs in the walk (hooks, custom Functions,
    # observers), as in PyTorch. Built-in VJPs on arrays record nothing, so a plain walk switches the mode
    # only when it reaches user code (`op.user_code`, tensor hooks): the common loss.backward() skips the cost.
    modes = enter_backward(create_graph) if special else None
    # The walk makes no reference cycles, so the cyclic collector has nothing to find here; on a large
    # graph its full passes over the (long-lived) nodes would make backward superlinear.
    collecting = gc.isenabled()
    gc.disable()
    try:
        while heap:  # the newest node first: all its consumers are done (PyTorch's order, by sequence_nr)
            node = heappop(heap)[1]
            g = node.acc
            node.acc = None
            if needed is not None and node not in needed:  # no target below: at most a captured gradient
                if capture is not None and node in capture and g is not None:
                    capture[node] = _watched(node, g, create_graph) if node.watched else g
                continue
            parents = node.parents
            if g is None:  # no gradient reached this node: just release its parents
                in_grads = _NO_GRADS
            else:
                if node.watched:
                    if node.hooks and modes is None:
                        modes = enter_backward(create_graph)
                    g = _watched(node, g, create_graph)
                datas = node.datas
                if datas is None or node.freed:
                    raise RuntimeError(_FREED_MESSAGE)
                if node.epoch != epoch:
                    _check_saved(node)
                if not special:
                    op = node.op
                    plain = op.plain_backward
                    if plain is not None and node.attrs is None:  # most nodes: skip Op.backward's dispatch
                        in_grads = plain(parents, g, datas, node.out)
                    else:
                        if modes is None and op.user_code:
                            modes = enter_backward(False)
                        in_grads = op.backward(node, g, xp, datas, node.out)
                else:
                    in_grads = _special_step(node, g, xp, create_graph, capture, watchers, step_index)
                    step_index += 1
                if not retain_graph:  # the values stay for explanations (`Node.kept`), except a Function's ctx
                    node.freed = True
                    if type(datas) is not tuple and type(datas) is not list:
                        node.inputs = node.datas = node.out = None
            for parent, gi in zip(parents, in_grads):
                if parent is None:
                    continue
                if type(parent) is Node:
                    if parent.mark is not mark:  # first reached: queue it
                        parent.mark = mark
                        parent.acc = gi
                        heappush(heap, (parent.seq, parent))
                    elif gi is not None:
                        prev = parent.acc
                        parent.acc = gi if prev is None else prev + gi
                elif gi is not None:
                    prev = leaf_grads.get(parent)
                    leaf_grads[parent] = gi if prev is None else prev + gi
    finally:
        if modes is not None:
            exit_backward(modes)
        if collecting:
            gc.enable()
    return leaf_grads


def _special_step(node: Node, g: Any, xp: Any, create_graph: bool, capture: dict | None, watchers: list,
                  step_index: int) -> Any:
    """One node's VJP when something is watching: create_graph, capture (autograd.grad), observers, anomaly."""
    if capture is not None and node in capture:
        capture[node] = g
    if create_graph:
        inputs = node.inputs
        out = Tensor._make(node.out, node, True)
    else:
        inputs = node.datas
        out = node.out
    in_grads = node.op.backward(node, g, xp, inputs, out)
    if watchers:
        step = _observe.BackwardStep(
            index=step_index, node=node, op_name=node.op.name, input_tensors=node.inputs, inputs=inputs,
            output=out, upstream=g, local=node.op.local_derivatives(node, xp, inputs, out),
            formulas=node.op.formulas, arg_names=node.op.arg_names, contributions=tuple(in_grads),
        )
        for watch in list(watchers):
            watch(step)
    if anomaly_state.enabled and anomaly_state.check_nan:
        _check_finite(node, in_grads)
    return in_grads


class _NoGrads:
    """Stands for 'no gradient for any input' (zip with parents yields None for each)."""

    def __iter__(self) -> Any:
        while True:
            yield None


_NO_GRADS = _NoGrads()


def _watched(node: Node, g: Any, create_graph: bool) -> Any:
    """The gradient of a watched node's output after its tensor hooks, kept as `.grad` if it retains it."""
    if node.hooks:
        g = _apply_hooks(node.hooks, g, create_graph)
    if node.retains_grad:
        _retain(node, g, create_graph)
    return g


def _retain(node: Node, g: Any, create_graph: bool) -> None:
    target = node.tensor_ref()
    if target is None:
        return
    if create_graph:
        target.grad = g if target.grad is None else target.grad + g
    else:
        target.grad = Tensor._make(np.array(g, copy=True)[()] if target.grad is None else target.grad._data + g)


def _check_finite(node: Node, in_grads: Sequence[Any]) -> None:
    for i, gi in enumerate(in_grads):
        if gi is None or type(gi) is Partial:  # a module backward hook's gradients in transit
            continue
        arr = gi._data if isinstance(gi, Tensor) else gi
        if not np.all(np.isfinite(arr)):
            bad = "nan" if np.any(np.isnan(arr)) else "inf"
            raise RuntimeError(
                f"Function '{node.name()}' returned {bad} values in its {i}th output.\n"
                f"The op was created at (most recent call last):\n{node.creation_trace or '(not recorded)'}"
            )


def normalize_outputs(tensors: Any, grad_tensors: Any, op: str) -> tuple[list[Tensor], list[Any]]:
    """`backward`'s and `autograd.grad`'s outputs and gradients as two lists of equal length, checked: each
    output a tensor that requires grad (`op` names the caller in errors)."""
    outputs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    grads: list[Any]
    if grad_tensors is None:
        grads = [None] * len(outputs)
    elif isinstance(grad_tensors, Tensor):
        grads = [grad_tensors]
    else:  # as PyTorch: anything else is a sequence of gradients (a number: "not iterable")
        grads = list(grad_tensors)
    for g in grads[:len(outputs)]:
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    if len(grads) != len(outputs):
        raise RuntimeError(f"{op}: got {len(outputs)} outputs but {len(grads)} gradients")
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{op}: output {i} is a {type(out).__name__}, not a Tensor")
        if not out.requires_grad:
            raise RuntimeError(
                f"{op}: element {i} of tensors does not require grad and does not have a grad_fn "
                f"(did you forget requires_grad=True on a leaf, or compute it under no_grad?)"
            )
    return outputs, grads


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate gradients of `tensors` into the `.grad` of the leaves (or of `inputs` only)."""
    if (type(tensors) is list and len(tensors) == 1 and grad_tensors is None and not create_graph
            and inputs is None and tensors[0].grad_fn is not None and tensors[0]._data.ndim == 0):
        backward_scalar(tensors[0], bool(retain_graph))  # `loss.backward()`: the common case, kept short
        return
    outputs, grads = normalize_outputs(tensors, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = [seed_gradient(o, g, create_graph, i) for i, (o, g) in enumerate(zip(outputs, grads))]
    targets = None if inputs is None else ([inputs] if isinstance(inputs, Tensor) else list(inputs))
    only = None if targets is None else {id(t) for t in targets}
    # non-leaf inputs get their gradient in `.grad` too, as PyTorch (without retain_grad)
    capture = None if targets is None else {t.grad_fn: None for t in targets if t.grad_fn is not None} or None
    leaf_grads = run_backward(outputs, seeds, retain_graph, create_graph, capture, targets)
    handed = {id(s) for s in seeds}
    if capture is not None:
        done: set[int] = set()
        for t in targets or ():
            g = capture.get(t.grad_fn) if t.grad_fn is not None else None
            if g is not None and id(t) not in done:
                done.add(id(t))
                if "grad" not in t.__dict__:
                    t.grad = None  # a non-leaf's first `.grad` (reading it unset would warn)
                accumulate_grad(t, g, handed, create_graph)
    for leaf, g in leaf_grads.items():
        if only is not None and id(leaf) not in only:
            continue
        if leaf._grad_hooks:
            g = _apply_hooks(leaf._grad_hooks, g, create_graph)
            handed.add(id(g))  # the hooks' code may keep it: .grad gets a copy (see backward_scalar)
        accumulate_grad(leaf, g, handed, create_graph)
        if leaf._post_accumulate_hooks:
            _post_accumulate(leaf)
    if _observe._local.calls:
        _observe.publish_call("backward", outputs, inputs, retain_graph, create_graph)


def backward_scalar(loss: Tensor, retain_graph: bool) -> None:
    """`loss.backward()` on a one-element, 0-d result of recorded ops: seed 1, accumulate into leaves."""
    leaf_grads = run_backward((loss,), (_unit(loss._data.dtype),), retain_graph, False)
    handed: set[int] = set()
    for leaf, g in leaf_grads.items():
        if leaf._grad_hooks:
            g = _apply_hooks(leaf._grad_hooks, g, False)
            # a hook was handed this array (or returned it) and may keep it: as handed to another leaf, a first
            # .grad copies it, which later backwards add into (PyTorch's AccumulateGrad clones a gradient that is
            # referenced elsewhere)
            handed.add(id(g))
        existing = leaf.grad
        if existing is None:
            if not _take(leaf, g, handed):
                accumulate_grad(leaf, g, handed)
        elif type(g) is type(existing._data) is type(leaf._data) is not _ndarray:
            # a scalar network's every step: accumulate_grad's own statements
            existing._data = existing._data + g
            existing._version += 1
        else:
            accumulate_grad(leaf, g, handed)
        if leaf._post_accumulate_hooks:
            _post_accumulate(leaf)
    if _observe._local.calls:
        _observe.publish_call("backward", loss, None, retain_graph, False)


def _take(leaf: Tensor, g: Any, handed: set[int]) -> bool:
    """Make `g` the leaf's first `.grad` without a copy when nothing else can see it."""
    kind = type(g)
    data = leaf._data
    if kind is not np.ndarray and kind is type(data):  # an immutable NumPy scalar: nothing to copy
        leaf.grad = Tensor._make(g)
        return True
    if (kind is np.ndarray and g.base is None and g.dtype == data.dtype and g.shape == data.shape
            and id(g) not in handed):  # a fresh array of the leaf's kind, not handed to another leaf
        handed.add(id(g))
        leaf.grad = Tensor._make(g)
        return True
    return False


def _post_accumulate(leaf: Tensor) -> None:
    hooks = leaf._post_accumulate_hooks
    assert hooks is not None  # called only when the leaf has some
    for hook in list(hooks.values()):
        result = hook(leaf)
        if result is not None:
            raise TypeError(f"post accumulate grad hook must return None, got {type(result).__name__}")


def accumulate_grads(*leaves_and_grads: Any) -> None:
    """`accumulate_grad` for several leaves of one backward, in order, with one `handed` set: `leaf, gradient,
    leaf, gradient, ...` (`cr.compile`'s replay of a backward that adds into existing `.grad`s makes one call).
    The case of a scalar network's every step -- a 0-d gradient added into a `.grad` that already holds a NumPy
    scalar of its type -- is accumulate_grad's own in-place statements, here without a call per leaf."""
    handed: set[int] = set()
    pairs = iter(leaves_and_grads)
    for leaf in pairs:
        g = next(pairs)
        existing = leaf.grad
        kind = type(g)
        if (existing is not None and kind is not np.ndarray and kind is type(existing._data)
                and kind is type(leaf._data)):
            existing._data = existing._data + g
            existing._version += 1
        else:
            accumulate_grad(leaf, g, handed)


def accumulate_grad(leaf: Tensor, g: Any, handed: set[int], create_graph: bool = False) -> None:
    """Add the gradient `g` (an array, NumPy scalar or Tensor) into `leaf.grad` as `backward()` does: the first
    becomes `.grad` (copied when it is a view or already handed to another leaf: `handed` holds the ids of the
    arrays given out in this backward), later ones are added in place into the same tensor (one version bump),
    also when that `.grad` was made under create_graph (PyTorch's AccumulateGrad adds in place whenever grad mode
    is off).
    `cr.compile`'s replay calls this too, so that replay and eager leave the same `.grad`."""
    if create_graph:
        if not isinstance(g, Tensor):
            g = Tensor._make(g)
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    if isinstance(g, Tensor):
        g = g._data
    data = leaf._data
    if type(g) is not type(data) or type(g) is np.ndarray:  # (two NumPy scalars of one type agree in both)
        if g.shape != data.shape:
            raise RuntimeError(f"backward: gradient of shape {g.shape} for a leaf now of shape {data.shape}: the "
                               f"leaf's shape changed after the forward (its .data was replaced); assign .data "
                               f"between steps, not inside one")
        if g.dtype != data.dtype:
            g = g.astype(data.dtype)
    existing = leaf.grad
    if existing is None:
        leaf.grad = Tensor._make(_fresh(g, handed))
        return
    stored = existing._data
    if type(stored) is np.ndarray:
        if stored.shape == g.shape:
            if existing.grad_fn is None:
                np.add(stored, g, out=stored)
            else:  # a .grad made under create_graph: its array may be saved by that graph, so not written into
                existing._data = stored + g
            existing._version += 1
            return
    elif type(stored) is type(g) or np.shape(stored) == g.shape:
        # a 0-d gradient kept as a NumPy scalar: still the same tensor, as PyTorch accumulates in place
        existing._data = stored + g
        existing._version += 1
        return
    # the leaf's .data changed shape since .grad was made: PyTorch adds in place (grad += g), so g must broadcast
    # to .grad's shape, which .grad keeps; a .grad with a history (made under create_graph) keeps PyTorch's
    # gradient accumulator, and so the leaf's old shape, alive: PyTorch refuses the new gradient then
    try:
        fits = np.broadcast_shapes(np.shape(stored), g.shape) == np.shape(stored)
    except ValueError:
        fits = False
    if not fits or existing.grad_fn is not None:
        raise RuntimeError(f"backward: a gradient of shape {g.shape} does not fit the leaf's .grad of shape "
                           f"{np.shape(stored)}, into which it is added in place (the leaf's .data changed shape "
                           f"after .grad was made): set .grad to None first")
    np.add(stored, g, out=stored)
    existing._version += 1
