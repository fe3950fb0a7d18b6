"""In-place operations with PyTorch's semantics: version counters, history rebasing, and errors for
leaves that require grad; the in-place view ops (`squeeze_`, `unsqueeze_`, `t_`, `transpose_`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.grad_mode import INFERENCE_INPLACE_MESSAGE, grad_state
from chainrule.engine.tensor import Tensor, wrap
from chainrule.ops.registry import apply, defop
from chainrule.ops.shape_ops import reshape, squeeze, t, transpose, unsqueeze
from chainrule.ops.views import base_of, refresh_views, reshaped_in_place, share_version

# A value written over a tensor that has history (fill_, zero_, copy_ of a constant): the new value does
# not depend on the old one, so no gradient flows back through it (PyTorch's FillBackward0).
_OVERWRITE = defop("overwrite", lambda x, value: value, "x", vjp=lambda xp, g, out, x, value: (None,),
                   formulas=("0 (the old value is overwritten)",), saves="nothing", backward_name="FillBackward0")


def assign(self: Tensor, result: Tensor, op: str) -> Tensor:
    """Make `self` hold `result` (computed out of place). Under grad mode with history, `self` takes over
    the new node (PyTorch's rebase); otherwise the storage is written in place, so aliases see it."""
    recording = result.grad_fn is not None
    if self.grad_fn is not None and grad_state.enabled and getattr(self.grad_fn.op, "forbids_inplace", False):
        raise RuntimeError(f"{op}: Output 0 of BackwardHookFunction is a view and is being modified inplace: a "
                           f"module's full backward hook passes its inputs and outputs through an identity, and "
                           f"writing into them would bypass the hook. clone() the tensor before modifying it.")
    if self._inference and not grad_state.inference:
        raise RuntimeError(f"{op}: {INFERENCE_INPLACE_MESSAGE}")
    if self.requires_grad and self.grad_fn is None and grad_state.enabled:
        raise RuntimeError(f"{op}: a leaf Variable that requires grad is being used in an in-place operation; "
                           f"wrap the update in `with cr.no_grad():`")
    if type(self.array) is np.ndarray and not self.array.flags.writeable:
        raise RuntimeError(f"{op}: unsupported operation: more than one element of the written-to tensor refers to "
                           f"a single memory location (a broadcast/expanded view); clone() it before writing")
    if (not recording and self.grad_fn is not None and grad_state.enabled
            and result.array.shape == self.array.shape):
        # overwritten by a constant: cut the old history, or backward would still flow through it
        result = apply(_OVERWRITE, (self,), {"value": np.array(result.array, dtype=self.array.dtype)[()]})
        recording = True
    if result.array.dtype.kind == "f" and self.array.dtype.kind != "f":
        raise RuntimeError(f"{op}: result type {result.dtype} can't be cast to the desired output type "
                           f"{self.dtype}")
    if result.array.shape != self.array.shape:
        raise RuntimeError(f"{op}: output with shape {tuple(self.shape)} doesn't match the broadcast shape "
                           f"{tuple(result.shape)}")
    if recording:
        # The new node saved `self`, whose storage is about to be replaced: give it a snapshot of the
        # pre-op tensor instead (same data, history and version), as PyTorch saves the original self.
        node = result.grad_fn
        snapshot = wrap(self.array, self.grad_fn, self.requires_grad)
        snapshot._version = self._version
        node.inputs = tuple(snapshot if a is self else a for a in node.inputs)
        located = base_of(self)
        if located is not None:  # a view: the write goes to its base, and the view is made again from it
            base, write = located
            assign(base, write(base, result), op)
            return self
    self._bump_version(storage_written=not recording)
    if recording:
        previous = self.array
        self._data = result.array if result.array.dtype == self.array.dtype else result.array.astype(self.array.dtype)
        self.grad_fn = result.grad_fn
        self.requires_grad = True
        refresh_views(self, previous)  # views of the old memory now show (and differentiate through) the new value
        return self
    if type(self.array) is np.ndarray:
        np.copyto(self.array, result.array, casting="unsafe")
        share_version(self)
    else:
        self._data = np.asarray(result.array).astype(self.array.dtype)[()]
    return self


# NumPy ufuncs that can update an array in place when nothing is being recorded (optimizer updates).
_UFUNCS = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply, "div_": np.true_divide}


def _direct(self: Tensor, ufunc: Any, other: Any) -> bool:
    """Apply `self op= other` straight into self's array when that is exactly what PyTorch would do."""
    data = self.array
    if type(data) is not np.ndarray or not data.flags.writeable or data.dtype.kind != "f":
        return False
    if (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)) and grad_state.enabled:
        return False
    value = other.array if isinstance(other, Tensor) else other
    if isinstance(value, np.ndarray | np.generic):
        # another dtype: PyTorch computes in the promoted dtype (float32 with an int64 or a 0-d float64 tensor:
        # float32), NumPy in its own (float64): left to the op
        try:
            fits = np.broadcast_shapes(data.shape, value.shape) == data.shape
        except ValueError:  # not broadcastable: the op raises PyTorch's RuntimeError
            return False
        if value.dtype != data.dtype or not fits:
            return False
    elif type(value) not in (float, int):
        return False
    ufunc(data, value, out=data, casting="same_kind")
    self._bump_version()
    share_version(self)
    return True


def make_inplace(fn: Any, name: str) -> Any:
    ufunc = _UFUNCS.get(name)

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if self._inference and not grad_state.inference:
            raise RuntimeError(f"{name}: {INFERENCE_INPLACE_MESSAGE}")
        if ufunc is not None and len(args) == 1 and not kwargs and _direct(self, ufunc, args[0]):
            return self
        return assign(self, fn(self, *args, **kwargs), name)

    method.__name__ = name
    method.__doc__ = f"In-place version of `{fn.__name__}`."
    return method


def zero_(self: Tensor) -> Tensor:
    return fill_(self, 0)


def fill_(self: Tensor, value: Any) -> Tensor:
    if isinstance(value, Tensor) and value.requires_grad:
        return copy_(self, value)  # the gradient flows to the fill value, summed
    v = value.array if isinstance(value, Tensor) else value
    return assign(self, wrap(np.full(self.shape, v, self.array.dtype)[()]), "fill_")


def copy_(self: Tensor, src: Any) -> Tensor:
    from chainrule.ops.elementwise import cast
    from chainrule.ops.shape_ops import clone, expand

    src = src if isinstance(src, Tensor) else Tensor(src)
    if src.shape != self.shape:
        src = expand(src, self.shape)
    if src.array.dtype != self.array.dtype:
        src = cast(src, self.array.dtype)
    # a recorded copy of its own: `self` must neither share src's storage nor take over src's node
    return assign(self, clone(src), "copy_")


def setitem(self: Tensor, index: Any, value: Any) -> None:
    from chainrule.ops.indexing import _COPY_SLICES, index_put

    assign(self, index_put(self, index, value, _COPY_SLICES), "__setitem__")


# in-place view ops: the tensor takes the view's shape (and history) over the same memory, as PyTorch's
def _inplace_view(self: Tensor, name: str, view: Tensor, forward: Any, inverse: Any) -> Tensor:
    if self._inference and not grad_state.inference:
        raise RuntimeError(f"{name}: {INFERENCE_INPLACE_MESSAGE}")
    if self.requires_grad and self.grad_fn is None and grad_state.enabled:
        raise RuntimeError(f"{name}: a leaf Variable that requires grad is being used in an in-place operation; "
                           f"wrap the update in `with cr.no_grad():`")
    node = view.grad_fn
    if node is not None:  # the view's node holds `self`, about to change shape: give it the tensor as it was
        snapshot = wrap(self.array, self.grad_fn, self.requires_grad)
        snapshot._version = self._version
        node.inputs = tuple(snapshot if a is self else a for a in node.inputs)
    reshaped_in_place(self, forward, inverse)
    self._bump_version(storage_written=False)  # what saved the old shape must not read the new one
    self._data = view.array
    if node is not None:
        self.grad_fn = node
    return self


def squeeze_(self: Tensor, dim: Any = None) -> Tensor:
    """In-place `squeeze`: the same memory, without the (given) dimensions of size 1."""
    shape = self.shape
    return _inplace_view(self, "squeeze_", squeeze(self, dim), lambda x: squeeze(x, dim),
                         lambda x: reshape(x, shape))


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """In-place `unsqueeze`: the same memory, with a dimension of size 1 inserted at `dim`."""
    shape = self.shape
    return _inplace_view(self, "unsqueeze_", unsqueeze(self, dim), lambda x: unsqueeze(x, dim),
                         lambda x: reshape(x, shape))


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """In-place `transpose`: the same memory, `dim0` and `dim1` swapped."""
    return _inplace_view(self, "transpose_", transpose(self, dim0, dim1), lambda x: transpose(x, dim0, dim1),
                         lambda x: transpose(x, dim0, dim1))


def t_(self: Tensor) -> Tensor:
    """In-place `t`: a matrix transposed over the same memory (a tensor of at most 1 dimension is unchanged)."""
    if self.ndim > 2:
        raise RuntimeError(f"t_: t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return _inplace_view(self, "t_", t(self), t, t)
