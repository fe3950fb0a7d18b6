"""`chainrule.func`, the functional transforms of `torch.func` (and JAX): `grad`, `grad_and_value`,
`value_and_grad`, `vjp`, `jvp`, `jacrev`, `jacfwd`, `hessian`, `vmap`. They compose: `grad(grad(f))` gives
second derivatives, `vmap(grad(f))` per-example gradients, `jacfwd(jacrev(f))` the Hessian.

Arguments may be pytrees (tuples, lists and dicts of tensors); `argnums` is an int or a tuple of ints, and the
result has the same structure as torch.func's. Implementation notes (also in docs/semantics.md):

- every transform runs on the reverse-mode engine: `jvp` and `jacfwd` use the "double backward trick" /
  reverse-mode rows, which give the same numbers as forward mode;
- `vmap` calls the function once per example and stacks the results (no batching rules): results and error
  messages are torch's for the common cases, but a function that calls `.item()` or branches on values works
  under chainrule's vmap where torch's refuses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.autograd.grad import grad as autograd_grad
from chainrule.engine.grad_mode import enable_grad
from chainrule.engine.tensor import Tensor, wrap

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacobian", "jacrev", "jvp",
           "value_and_grad", "vjp", "vmap"]

_local = threading.local()  # how many transforms are running on this thread (nesting needs create_graph)


class _Level:
    def __enter__(self) -> None:
        _local.depth = getattr(_local, "depth", 0) + 1

    def __exit__(self, *exc: Any) -> None:
        _local.depth -= 1


def _nested(leaves: Sequence[Any]) -> bool:
    """Inside another transform (or with inputs that carry history) the results must stay differentiable."""
    return getattr(_local, "depth", 0) > 0 or any(isinstance(x, Tensor) and x.requires_grad for x in leaves)


def _captures(outputs: Sequence[Any], tracked: Sequence[Tensor]) -> bool:
    """Whether the outputs' graph reaches a tensor that requires grad other than the tracked inputs (one captured
    from the enclosing scope): then the results must stay differentiable with respect to it, as in torch.func."""
    from chainrule.engine.grad_mode import is_grad_enabled

    if not is_grad_enabled():
        return False
    own = {id(t) for t in tracked}
    seen: set[int] = set()
    stack = [o.grad_fn for o in outputs if isinstance(o, Tensor) and o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for parent, _ in node.next_functions:
            if isinstance(parent, Tensor):
                if id(parent) not in own:
                    return True
            elif parent is not None:
                stack.append(parent)
    return False


# ----------------------------------------------------------------------------------------------- pytrees
class _Spec:
    """The structure of a pytree: tuples, lists and dicts are nodes; everything else is a leaf."""

    __slots__ = ("kind", "keys", "children")

    def __init__(self, kind: type | None, keys: tuple = (), children: tuple[_Spec, ...] = ()) -> None:
        self.kind, self.keys, self.children = kind, keys, children

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, _Spec) and self.kind is other.kind and self.keys == other.keys
                and self.children == other.children)

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        inner = ", ".join(f"{k!r}: {c!r}" if self.kind is dict else repr(c) for k, c in zip(self.keys, self.children))
        return {tuple: f"({inner}{',' if len(self.children) == 1 else ''})", list: f"[{inner}]",
                dict: f"{{{inner}}}"}[self.kind]

    @property
    def num_leaves(self) -> int:
        return 1 if self.kind is None else sum(c.num_leaves for c in self.children)


def tree_flatten(tree: Any) -> tuple[list[Any], _Spec]:
    if isinstance(tree, tuple | list) and not hasattr(tree, "_fields"):
        parts = [tree_flatten(x) for x in tree]
        return [leaf for p in parts for leaf in p[0]], _Spec(type(tree) if type(tree) is list else tuple,
                                                             tuple(range(len(tree))), tuple(p[1] for p in parts))
    if isinstance(tree, dict):
        parts = [tree_flatten(v) for v in tree.values()]
        return [leaf for p in parts for leaf in p[0]], _Spec(dict, tuple(tree), tuple(p[1] for p in parts))
    return [tree], _Spec(None)


def tree_unflatten(leaves: Sequence[Any], spec: _Spec) -> Any:
    it = iter(leaves)

    def build(s: _Spec) -> Any:
        if s.kind is None:
            return next(it)
        items = [build(c) for c in s.children]
        return dict(zip(s.keys, items)) if s.kind is dict else s.kind(items)

    return build(spec)


# ------------------------------------------------------------------------------------------------ helpers
def _argnums(argnums: Any, n: int) -> tuple[int, ...]:
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        nums: tuple = (argnums,)
    elif isinstance(argnums, tuple) and all(isinstance(a, int) and not isinstance(a, bool) for a in argnums):
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        nums = argnums
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    for a in nums:
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
    result = tuple(a % n for a in nums)
    if len(set(result)) != len(result):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return result


def _track(x: Any, where: str) -> Tensor:
    """A differentiable stand-in for an argument: a fresh leaf, or (inside an outer transform) an alias
    that stays connected to the outer graph so transforms nest."""
    if not isinstance(x, Tensor):
        raise ValueError(f"Thing passed to transform API must be Tensor, got {type(x)}")
    if x.array.dtype.kind not in "fc":
        raise RuntimeError(f"{where}: only Tensors of floating point dtype can require gradients, got {x.dtype}")
    if x.requires_grad:
        return x.view_as(x)
    return x.detach().requires_grad_(True)


def _track_args(args: tuple, nums: tuple[int, ...], where: str) -> tuple[list[Any], list[tuple[list[Tensor], _Spec]]]:
    """Replace args[i] (i in nums) by tracked copies of their pytree leaves; return the new args and, per argnum,
    the tracked leaves and the structure."""
    call_args = list(args)
    tracked = []
    for i in nums:
        leaves, spec = tree_flatten(args[i])
        new = [_track(x, where) for x in leaves]
        call_args[i] = tree_unflatten(new, spec)
        tracked.append((new, spec))
    return call_args, tracked


def _zeros_like(t: Tensor) -> Tensor:
    return wrap(np.zeros_like(t.array)[()])


def _grads(outputs: list[Tensor], inputs: list[Tensor], seeds: list[Any] | None, create_graph: bool,
           retain_graph: bool = True) -> list[Tensor]:
    """Gradients of `outputs` (weighted by `seeds`) with respect to `inputs`, zeros for unused inputs."""
    pairs = [(o, None if seeds is None else s) for o, s in zip(outputs, seeds or [None] * len(outputs))
             if o.requires_grad]
    if not inputs:
        return []
    if not pairs:
        return [_zeros_like(x) for x in inputs]
    return list(autograd_grad([o for o, _ in pairs], inputs, [s for _, s in pairs], retain_graph=retain_graph,
                              create_graph=create_graph, allow_unused=True, materialize_grads=True))


def _finish(tree: Any, nested: bool) -> Any:
    if nested:
        return tree
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([x.detach() if isinstance(x, Tensor) else x for x in leaves], spec)


def _split_aux(result: Any, has_aux: bool, where: str) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not isinstance(result, tuple) or len(result) != 2:
        raise RuntimeError(f"{where}: output of function f should be a tuple: (output, aux) if has_aux is True")
    return result


def _check_aux(aux: Any) -> None:
    for leaf in tree_flatten(aux)[0]:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"Expected tensors, got unsupported type {type(leaf)}")


def _only_tensors(out: Any, where: str) -> tuple[list[Tensor], _Spec]:
    leaves, spec = tree_flatten(out)
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise RuntimeError(f"{where}: expected f(*primals) to return only tensors, got unsupported type "
                               f"{type(leaf)}")
    return leaves, spec


# ----------------------------------------------------------------------------------------- grad family
def grad_and_value(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
                   ) -> Callable[..., Any]:
    """`grad_and_value(f)(*args)` returns (gradient, f(*args)), or (gradient, (f(*args), aux)) with has_aux,
    as `torch.func.grad_and_value`. f must return a 0-dim tensor."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        nums = _argnums(argnums, len(args))
        call_args, tracked = _track_args(args, nums, "grad")
        nested = _nested([x for i in nums for x in tree_flatten(args[i])[0]])
        with _Level(), enable_grad():
            result = func(*call_args, **kwargs)
        out, aux = _split_aux(result, has_aux, "grad_and_value(f)(*args)")
        if has_aux:
            _check_aux(aux)
        if not isinstance(out, Tensor):
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}")
        if out.ndim != 0:
            raise RuntimeError(f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                               f"with {out.ndim} dims. Maybe you wanted to use the vjp or jacrev APIs instead?")
        flat = [x for leaves, _ in tracked for x in leaves]
        nested = nested or _captures([out], flat)
        gs = _grads([out], flat, None, create_graph=nested, retain_graph=nested)
        per_arg, k = [], 0
        for leaves, spec in tracked:
            per_arg.append(tree_unflatten(gs[k:k + len(leaves)], spec))
            k += len(leaves)
        g = per_arg[0] if isinstance(argnums, int) else tuple(per_arg)
        value = _finish(out, nested)
        return (g, (value, _finish(aux, nested))) if has_aux else (g, value)

    return wrapped


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False) -> Callable[..., Any]:
    """`grad(f)(*args)`: the gradient of a scalar-valued f with respect to args[argnums] (a tuple of gradients
    for a tuple of argnums; the argument's pytree structure for dicts/lists); (gradient, aux) with has_aux."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def value_and_grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
                   ) -> Callable[..., Any]:
    """JAX's order: `value_and_grad(f)(*args)` returns (f(*args), gradient), or ((f(*args), aux), gradient)."""
    gv = grad_and_value(func, argnums, has_aux)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        g, value = gv(*args, **kwargs)
        return value, g

    return wrapped


# ------------------------------------------------------------------------------------------ vjp / jvp
def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """`out, vjp_fn = vjp(f, *primals)`; `vjp_fn(cotangents)` (structured like `out`) returns a tuple with one
    v^T J per primal, structured like the primals; callable repeatedly. With has_aux: (out, vjp_fn, aux)."""
    call_args, tracked = _track_args(primals, tuple(range(len(primals))), "vjp")
    nested = _nested([x for p in primals for x in tree_flatten(p)[0]])
    with _Level(), enable_grad():
        result = func(*call_args)
    out, aux = _split_aux(result, has_aux, "vjp(f, *primals)")
    if has_aux:
        _check_aux(aux)
    outs, out_spec = _only_tensors(out, "vjp(f, *primals)")
    flat = [x for leaves, _ in tracked for x in leaves]
    nested = nested or _captures(outs, flat)

    def vjp_fn(cotangents: Any) -> tuple[Any, ...]:
        cots, cot_spec = tree_flatten(cotangents)
        if cot_spec != out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of outputs "
                               f"to the function. cotangents: {cot_spec!r}, primal output: {out_spec!r}")
        for i, (c, o) in enumerate(zip(cots, outs)):
            if not isinstance(c, Tensor):
                raise ValueError(f"Thing passed to transform API must be Tensor, got {type(c)}")
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {c.size()} and output[{i}] "
                                   f"has a shape of {o.size()}.")
        gs = _grads(outs, flat, cots, create_graph=nested or getattr(_local, "depth", 0) > 0)
        per_arg, k = [], 0
        for leaves, spec in tracked:
            per_arg.append(tree_unflatten(gs[k:k + len(leaves)], spec))
            k += len(leaves)
        return tuple(per_arg)

    value = _finish(out, nested)
    return (value, vjp_fn, _finish(aux, nested)) if has_aux else (value, vjp_fn)


def jvp(func: Callable[..., Any], primals: Any, tangents: Any, *, strict: bool = False, has_aux: bool = False
        ) -> tuple[Any, ...]:
    """(f(*primals), J @ tangents) as `torch.func.jvp` (`strict` is accepted and has no effect); computed with
    the double backward trick (the VJP is linear in its cotangent, so differentiating it with respect to a dummy
    cotangent gives J v)."""
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    p_leaves, p_spec = tree_flatten(primals)
    t_leaves, t_spec = tree_flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents also must be. Got "
                           f"primals with structure {p_spec!r} and tangents with structure {t_spec!r}")
    for p, t in zip(p_leaves, t_leaves):
        if not isinstance(t, Tensor):
            raise ValueError(f"Thing passed to transform API must be Tensor, got {type(t)}")
        if isinstance(p, Tensor) and tuple(p.shape) != tuple(t.shape):
            raise RuntimeError("Trying to set a forward gradient that has a different size than that of the original "
                               f"Tensor, this is not supported. Tensor is of size {list(p.shape)} while the given "
                               f"forward gradient is of size {list(t.shape)}.")
    call_args, tracked = _track_args(primals, tuple(range(len(primals))), "jvp")
    nested = _nested(p_leaves + t_leaves)
    flat = [x for leaves, _ in tracked for x in leaves]
    with _Level(), enable_grad():
        result = func(*call_args)
        out, aux = _split_aux(result, has_aux, "jvp(f, primals, tangents)")
        if has_aux:
            _check_aux(aux)
        outs, out_spec = _only_tensors(out, "jvp(f, primals, tangents)")
        nested = nested or _captures(outs, flat)
        dummies = [wrap(np.zeros_like(o.array)[()], None, True) for o in outs]
        pulled = _grads(outs, flat, dummies, create_graph=True)
        used = [(g, t) for g, t in zip(pulled, t_leaves) if g.requires_grad]
        if used:
            jv = _grads([g for g, _ in used], dummies, [t for _, t in used], create_graph=nested)
        else:
            jv = [_zeros_like(o) for o in outs]
    results = (_finish(out, nested), tree_unflatten(_finish(jv, nested), out_spec))
    return results + (_finish(aux, nested),) if has_aux else results


# ----------------------------------------------------------------------------------------------- Jacobians
def _jacobian(func: Callable[..., Any], argnums: Any, has_aux: bool, where: str) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from chainrule.ops.joins import stack

        nums = _argnums(argnums, len(args))
        call_args, tracked = _track_args(args, nums, where)
        nested = _nested([x for i in nums for x in tree_flatten(args[i])[0]])
        flat = [x for leaves, _ in tracked for x in leaves]
        with _Level(), enable_grad():
            result = func(*call_args, **kwargs)
        # torch.func builds jacrev on vjp and jacfwd on jvp, and its messages name those
        inner = "vjp(f, *primals)" if where == "jacrev" else "jvp(f, primals, tangents)"
        out, aux = _split_aux(result, has_aux, inner)
        if has_aux:
            _check_aux(aux)
        outs, out_spec = _only_tensors(out, inner)
        nested = nested or _captures(outs, flat)
        per_output = []
        for o in outs:
            n = o.array.size
            rows: list[list[Tensor]] = [[] for _ in flat]
            for j in range(n):
                seed = np.zeros(n, o.array.dtype)
                seed[j] = 1
                gs = _grads([o], flat, [wrap(seed.reshape(o.shape))], create_graph=nested)
                for k, g in enumerate(gs):
                    rows[k].append(g)
            jacs = []
            for r, x in zip(rows, flat):
                shape = tuple(o.shape) + tuple(x.shape)
                jac = stack(r).reshape(shape) if r else wrap(np.zeros(shape, x.array.dtype))
                jacs.append(jac if nested else jac.detach())
            per_arg, k = [], 0
            for leaves, spec in tracked:
                per_arg.append(tree_unflatten(jacs[k:k + len(leaves)], spec))
                k += len(leaves)
            per_output.append(per_arg[0] if isinstance(argnums, int) else tuple(per_arg))
        jac_tree = tree_unflatten(per_output, out_spec)
        return (jac_tree, _finish(aux, nested)) if has_aux else jac_tree

    return wrapped


def jacrev(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False,
           chunk_size: int | None = None, _preallocate_and_copy: bool = False) -> Callable[..., Any]:
    """`jacrev(f)(*args)`: the Jacobian of f with respect to args[argnums], shape out.shape + arg.shape, one
    reverse pass per output element. Tuple outputs give tuples of Jacobians; a tuple of argnums gives, per output,
    a tuple over the arguments (as torch.func). `chunk_size` is accepted and ignored."""
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    return _jacobian(func, argnums, has_aux, "jacrev")


def jacfwd(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False, *,
           randomness: str = "error") -> Callable[..., Any]:
    """`jacfwd(f)(*args)`: the same Jacobian as `jacrev` with torch.func's forward-mode signature. chainrule
    computes it in reverse mode (one pass per output element), which gives equal results."""
    _check_randomness(randomness)
    return _jacobian(func, argnums, has_aux, "jacfwd")


jacobian = jacrev


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """`hessian(f)(*args)` = jacfwd(jacrev(f, argnums), argnums): shape out.shape + arg.shape + arg.shape (so a
    scalar f gives arg.shape + arg.shape); a tuple of argnums gives a tuple of tuples of blocks."""
    return jacfwd(jacrev(func, argnums), argnums)


# -------------------------------------------------------------------------------------------------- vmap
def _check_randomness(randomness: str) -> None:
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")


def _broadcast_dims(in_dims: Any, arg: Any, prefix: str) -> list[Any]:
    """The in_dim of every leaf of `arg`: an int/None applies to the whole subtree; a tuple/list/dict must match
    the argument's structure."""
    if in_dims is None or isinstance(in_dims, int):
        return [in_dims] * len(tree_flatten(arg)[0])
    if isinstance(in_dims, tuple | list | dict):
        d_leaves, d_spec = tree_flatten(in_dims)
        a_leaves, a_spec = tree_flatten(arg)
        if type(in_dims) is not type(arg) or len(in_dims) != len(arg) or (
                isinstance(arg, dict) and list(arg) != list(in_dims)):
            raise ValueError(f"{prefix}: in_dims is not compatible with the structure of `inputs`. in_dims has "
                             f"structure {d_spec!r} but inputs has structure {a_spec!r}.")
        children = in_dims.values() if isinstance(in_dims, dict) else in_dims
        args = arg.values() if isinstance(arg, dict) else arg
        return [d for sub, a in zip(children, args) for d in _broadcast_dims(sub, a, prefix)]
    raise ValueError(f"{prefix}: in_dims must be int, None or a structure of them, got {type(in_dims)}")


def vmap(func: Callable[..., Any], in_dims: int | tuple = 0, out_dims: int | tuple = 0, randomness: str = "error",
         *, chunk_size: int | None = None) -> Callable[..., Any]:
    """`vmap(f)(*args)` maps f over a dimension of its inputs (`in_dims`: an int for every argument, or a tuple
    with one entry per argument, None for arguments not mapped, nested for tuple/list/dict arguments) and stacks
    the results along `out_dims`. Implemented as a loop over the examples followed by `stack`, so it nests and is
    differentiable. `randomness`: 'different' (each example draws its own numbers), 'same' (every example sees
    the same random state), 'error' (raise if f draws random numbers). Keyword arguments are not mapped."""
    _check_randomness(randomness)
    name = getattr(func, "__name__", repr(func))

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        from chainrule import random as cr_random
        from chainrule.ops.joins import stack

        if not args:
            raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
                             "trying to vmap over a function with no inputs. The latter is unsupported.")
        prefix = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
        if not isinstance(in_dims, int | tuple):
            raise ValueError(f"{prefix}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                             f"structure of inputs, got: {type(in_dims)}.")
        if isinstance(in_dims, tuple) and len(in_dims) != len(args):
            raise ValueError(f"{prefix}: in_dims is not compatible with the structure of `inputs`. in_dims has "
                             f"structure {tree_flatten(in_dims)[1]!r} but inputs has structure "
                             f"{tree_flatten(args)[1]!r}.")
        leaves, spec = tree_flatten(args)
        dims = _broadcast_dims(in_dims, args, prefix)
        sizes = []
        for leaf, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(d, int):
                raise ValueError(f"{prefix}: in_dim must be an int or None, got {type(d)}")
            if not isinstance(leaf, Tensor):
                raise ValueError(f"{prefix}: Got in_dim={d} for an input but the input is of type {type(leaf)}. We "
                                 "cannot vmap over non-Tensor arguments, please use None as the respective in_dim")
            if not -leaf.ndim <= d < leaf.ndim:
                raise ValueError(f"{prefix}: Got in_dim={d} for some input, but that input is a Tensor of "
                                 f"dimensionality {leaf.ndim} so expected in_dim to satisfy -{leaf.ndim} <= in_dim "
                                 f"< {leaf.ndim}.")
            sizes.append(leaf.shape[d])
        if not sizes:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        if len(set(sizes)) != 1:
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                             f"{sizes} for the mapped dimension")
        batch = sizes[0]

        def example(b: int | None) -> list[Any]:
            out = []
            for leaf, d in zip(leaves, dims):
                if d is None:
                    out.append(leaf)
                elif b is None:  # an empty batch: a zero stand-in with the per-example shape
                    shape = tuple(s for k, s in enumerate(leaf.shape) if k != d % leaf.ndim)
                    out.append(wrap(np.zeros(shape, leaf.array.dtype)))
                else:
                    out.append(leaf[(slice(None),) * (d % leaf.ndim) + (b,)])
            return out

        gen = cr_random.default_generator
        start = gen.get_state()
        results = []
        for b in range(batch) if batch else [None]:
            if randomness == "same":
                gen.set_state(start)
            before = gen.get_state() if randomness == "error" else None
            results.append(func(*tree_unflatten(example(b), spec), **kwargs))
            if before is not None and gen.get_state() != before:
                raise RuntimeError("vmap: called random operation while in randomness error mode. Please either use "
                                   "the 'same' or 'different' randomness flags on vmap or perform the randomness "
                                   "operation out of vmap")
        out_leaves_per, out_spec = zip(*(tree_flatten(r) for r in results))
        out_spec = out_spec[0]
        if isinstance(out_dims, int) or out_dims is None:
            odims = [out_dims] * out_spec.num_leaves
        else:
            odims = _broadcast_dims(out_dims, results[0], f"vmap({name}, ...)")
        stacked = []
        for k, od in enumerate(odims):
            column = [leaves_b[k] for leaves_b in out_leaves_per]
            if od is None:
                stacked.append(column[0])
                continue
            if not isinstance(column[0], Tensor):
                raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                                 f"{type(column[0])}. Did you mean to set out_dims= to None for output?")
            nd = column[0].ndim + 1
            if not -nd <= od < nd:
                raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got "
                                 f"{od})")
            if batch == 0:
                t = column[0]
                shape = list(t.shape)
                shape.insert(od % nd, 0)
                stacked.append(wrap(np.zeros(shape, t.array.dtype)))
            else:
                stacked.append(stack(column, od % nd))
        return tree_unflatten(stacked, out_spec)

    return wrapped


def functional_call(module: Any, parameter_and_buffer_dicts: Any, args: Any = None, kwargs: dict | None = None, *,
                    tie_weights: bool = True, strict: bool = False) -> Any:
    """`torch.func.functional_call`: call `module` with the given tensors in place of its parameters and buffers
    (see `chainrule.nn.utils.stateless.functional_call`, where the module-swapping lives: it belongs to nn)."""
    from chainrule.nn.utils.stateless import functional_call as call  # nn sits above func: imported on use

    return call(module, parameter_and_buffer_dicts, args, kwargs, tie_weights=tie_weights, strict=strict)
