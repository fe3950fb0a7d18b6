"""Recording what explanations need while the user's own code runs.

- `record()`: while active, every backward pass's steps (upstream gradients, local derivatives,
  contributions, input and output values, copied) are kept per node, so `cr.graph(loss)` can show a
  graph in full even after a plain `loss.backward()` freed the saved values.
- `record_modules(model)`: while active, nodes created inside each module's `forward` are tagged
  with the module's path (`"0"`, `"encoder.fc1"`) and type (`"Linear"`), which renderers use to group
  large graphs. With no model, every `cr.nn.Module` call is tagged (used by `chainrule explain`).
  Nodes made inside a named scope (`cr.autograd.profiler.record_function`, opened by the user or by
  `nn.LSTM`/`nn.GRU`/`nn.RNN` per layer and per time step) are tagged with the open scopes too.

All use the core's seams (`cr.autograd.observe()`, module forward hooks, the scope and forward-op observers)
and cost nothing when not active: no observer or hook is registered.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.autograd import profiler as _profiler
from chainrule.engine import observe as _observe
from chainrule.engine.node import Node
from chainrule.engine.tensor import Tensor


@dataclass
class StepRecord:
    """One backward step, with values copied so later in-place updates (optimizer steps) don't change them."""

    index: int
    pass_id: int
    input_tensors: tuple  # the op's inputs as recorded: tensors or Python constants
    inputs: tuple  # their values (arrays, copied)
    output: Any
    upstream: Any
    local: tuple
    contributions: tuple


def _copy(value: Any) -> Any:
    data = value.array if isinstance(value, Tensor) else value
    if isinstance(data, np.ndarray):
        return data.copy()
    return data


def step_record(step: Any, pass_id: int = 0) -> StepRecord:
    return StepRecord(
        index=step.index,
        pass_id=pass_id,
        input_tensors=tuple(step.input_tensors),
        inputs=tuple(_copy(v) for v in step.inputs),
        output=_copy(step.output),
        upstream=_copy(step.upstream),
        local=tuple(None if v is None else _copy(v) for v in step.local),
        contributions=tuple(None if v is None else _copy(v) for v in step.contributions),
    )


# node -> its last recorded step (weak keys: a record goes away with its graph)
_records: weakref.WeakKeyDictionary[Node, StepRecord] = weakref.WeakKeyDictionary()
# node -> (module path, module type, call), filled by record_modules; `call` counts that module's calls from 0
# (the time step of a cell called once per step, the k-th use of a shared block)
_modules: weakref.WeakKeyDictionary[Node, tuple[str, str, int, tuple]] = weakref.WeakKeyDictionary()
# (the 4th item: ((path, call), ...) of every module call active when the node was made, outermost first)
# node -> ((scope id, scope name), ...) of the record_function scopes open when it was made, outermost first
# (ids grow in the order the scopes were entered)
_scopes: weakref.WeakKeyDictionary[Node, tuple[tuple[int, str], ...]] = weakref.WeakKeyDictionary()
# id(parameter tensor) -> (weak reference, its name in a recorded model, "0.weight"). Not a
# WeakKeyDictionary: tensors compare elementwise, so they cannot be dictionary keys by equality.
_param_names: dict[int, tuple[weakref.ref, str]] = {}


def _remember_parameter(t: Tensor, name: str, overwrite: bool = True) -> None:
    key = id(t)
    if not overwrite and parameter_name(t) is not None:
        return
    _param_names[key] = (weakref.ref(t, lambda _, key=key: _param_names.pop(key, None)), name)


def recorded_step(node: Node) -> StepRecord | None:
    return _records.get(node)


def module_of(node: Node) -> tuple[str, str, int, tuple] | None:
    """(module path, module type, call index, ((path, call) of every enclosing module call, outermost first))
    of the module whose forward created `node`, if recorded."""
    return _modules.get(node)


def scopes_of(node: Node) -> tuple[tuple[int, str], ...]:
    """((scope id, name), ...) of the `record_function` scopes open when `node` was made (outermost first), if
    recorded; () otherwise."""
    return _scopes.get(node, ())


def parameter_name(t: Tensor) -> str | None:
    entry = _param_names.get(id(t))
    if entry is None or entry[0]() is not t:
        return None
    return entry[1]


class record:  # noqa: N801 - a context manager, like cr.autograd.observe
    """Keep every backward step taken inside the block so graphs and tables can be built afterwards.

    `on_step(record, step)` is called for each step (the CLI uses it to split passes). `max_passes`: keep
    the steps of the first N backward passes only (later ones are not stored). Records are kept per node
    and go away with their graph.
    """

    def __init__(self, on_step: Callable[[StepRecord, Any], None] | None = None,
                 max_passes: int | None = None) -> None:
        if max_passes is not None and max_passes < 0:
            raise ValueError(f"record: max_passes must be at least 0, got {max_passes}")
        self._on_step = on_step
        self._observer: Any = None
        self.passes = 0
        self.max_passes = max_passes

    def _receive(self, step: Any) -> None:
        if step.index == 0:
            self.passes += 1
        if self.max_passes is not None and self.passes > self.max_passes:
            return
        rec = step_record(step, self.passes)
        _records[step.node] = rec
        if self._on_step is not None:
            self._on_step(rec, step)

    def __enter__(self) -> record:
        self._observer = _observe.observe(self._receive, keep=False)
        self._observer.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._observer.__exit__(*exc)


def iter_tensors(obj: Any) -> Iterator[Tensor]:
    """Every tensor in a module's arguments or result (nested lists, tuples and dict values), in order."""
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, list | tuple):
        for o in obj:
            yield from iter_tensors(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from iter_tensors(o)


def tag_outputs(result: Any, inputs: Any, path: str, type_name: str, call: int = 0,
                enclosing: tuple = ()) -> None:
    """Tag the nodes that produced `result` and are not before `inputs` (and not tagged by a submodule)."""
    stop = {id(t.grad_fn) for t in iter_tensors(inputs) if t.grad_fn is not None}
    stack = [t.grad_fn for t in iter_tensors(result) if t.grad_fn is not None]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen or id(node) in stop:
            continue
        seen.add(id(node))
        if node not in _modules:
            _modules[node] = (path, type_name, call, enclosing or ((path, call),))
        for parent in node.parents:
            if type(parent) is Node:
                stack.append(parent)


@contextmanager
def record_scopes() -> Iterator[None]:
    """Tag every node made in this thread inside a `record_function` scope with the open scopes (see `scopes_of`).
    The forward ops are watched only while a scope is open."""
    from chainrule.ops.observe import observe_ops

    open_scopes: list[tuple[int, str]] = []
    chain: list[tuple] = [()]
    ops = observe_ops(lambda call: _tag_scope(call.output, chain[0]))

    def on_scope(event: _profiler.ScopeEvent) -> None:
        if event.kind == "enter":
            if not open_scopes:
                ops.__enter__()
            open_scopes.append((event.id, event.name))
        else:
            ids = [i for i, _ in open_scopes]
            if event.id not in ids:
                return
            del open_scopes[ids.index(event.id):]
            if not open_scopes:
                ops.__exit__(None, None, None)
        chain[0] = tuple(open_scopes)

    try:
        with _profiler.observe_scopes(on_scope):
            yield
    finally:
        if open_scopes:
            ops.__exit__(None, None, None)


def _tag_scope(output: Any, chain: tuple) -> None:
    node = getattr(output, "grad_fn", None)
    if node is not None and chain:
        _scopes[node] = chain


@contextmanager
def record_modules(model: Any = None) -> Iterator[None]:
    """Tag nodes with the module whose forward created them (see the module docstring), through forward
    hooks: one per module of `model`, or global module hooks when no model is given; and with the named scopes
    (`record_function`) open when they were made."""
    with record_scopes():
        if model is None:
            yield from _record_all()
        else:
            yield from _record_model(model)


def _record_model(model: Any) -> Iterator[None]:
    """Hooks on each module of `model`: a pre hook opens the call (numbered per module path), the forward hook
    tags what it made, with every enclosing call of this thread (outermost first)."""
    thread = threading.get_ident()
    handles = []
    calls: dict[str, int] = {}
    stack: list[tuple[Any, str, int]] = []
    for path, module in model.named_modules():
        for pname, p in module.named_parameters(recurse=False):
            _remember_parameter(p, f"{path}.{pname}" if path else pname)
        type_name = type(module).__name__

        def enter(_module: Any, args: Any, _path: str = path or type_name) -> None:
            if threading.get_ident() != thread:
                return
            k = calls.get(_path, 0)
            calls[_path] = k + 1
            stack.append((_module, _path, k))

        def tag(_module: Any, args: Any, kwargs: Any, result: Any, _type: str = type_name) -> None:
            if threading.get_ident() != thread or not stack or stack[-1][0] is not _module:
                return
            _, _path, k = stack.pop()
            if result is not None:
                enclosing = tuple((p, c) for _, p, c in stack) + ((_path, k),)
                tag_outputs(result, (args, kwargs), _path, _type, k, enclosing)

        handles.append(module.register_forward_pre_hook(enter))
        handles.append(module.register_forward_hook(tag, with_kwargs=True, always_call=True))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _record_all() -> Iterator[None]:
    """Tag every module call made in this thread: paths come from the call stack and each parent's child names."""
    from chainrule.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook

    thread = threading.get_ident()
    stack: list[tuple[Any, str, int]] = []
    counters: dict[str, int] = {}
    roots: dict[int, str] = {}
    calls: dict[str, int] = {}

    def enter(module: Any, args: Any) -> None:
        if threading.get_ident() != thread:
            return
        type_name = type(module).__name__
        if stack:
            parent, parent_path, _ = stack[-1]
            child = next((n for n, m in parent.named_children() if m is module), type_name)
            path = f"{parent_path}.{child}"
        else:
            if id(module) not in roots:
                count = counters.get(type_name, 0)
                counters[type_name] = count + 1
                roots[id(module)] = type_name if count == 0 else f"{type_name}#{count + 1}"
                for pname, p in module.named_parameters():
                    _remember_parameter(p, pname, overwrite=False)
            path = roots[id(module)]
        k = calls.get(path, 0)
        calls[path] = k + 1
        stack.append((module, path, k))

    def leave(module: Any, args: Any, kwargs: Any, result: Any) -> None:
        if threading.get_ident() != thread or not stack or stack[-1][0] is not module:
            return
        _, path, k = stack.pop()
        if result is not None:
            enclosing = tuple((p, c) for _, p, c in stack) + ((path, k),)
            tag_outputs(result, (args, kwargs), path, type(module).__name__, k, enclosing)

    pre = register_module_forward_pre_hook(enter)
    post = register_module_forward_hook(leave, with_kwargs=True, always_call=True)
    try:
        yield
    finally:
        pre.remove()
        post.remove()
