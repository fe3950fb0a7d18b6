"""The Tensor: a NumPy array plus what autograd needs.

This file holds the state, conversion, autograd entry points and repr. The math, reduction, shape,
indexing, in-place and dtype methods come from the mixin classes in `engine/tensor_methods.py` (each calls
the op function of the same name, as `x.exp()` is `cr.exp(x)`); `class Tensor` below lists them all."""

from __future__ import annotations

import builtins as _builtins
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from chainrule import dtypes
from chainrule.engine.device import CPU, DeviceUnavailableError, check_device, device
from chainrule.engine.grad_mode import INFERENCE_REQUIRES_GRAD_MESSAGE, grad_state
from chainrule.engine.size import _CACHE as _SIZES
from chainrule.engine.size import Size, as_size, wrap_dim
from chainrule.engine.tensor_methods import (
    TensorCreationMixin,
    TensorDtypeMixin,
    TensorIndexMixin,
    TensorInplaceMixin,
    TensorMathMixin,
    TensorReduceMixin,
    TensorShapeMixin,
)


class _Epoch:
    """Counts in-place modifications anywhere: a node created after the last one needs no version check."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


inplace_epoch = _Epoch()

# Storage written in place: id(owning ndarray) -> [weakref to it, epoch of the write]. Views and detached
# tensors share NumPy memory with their base, so a write through any of them must invalidate what the
# graph saved of the others; the owner (the end of the `.base` chain) identifies the shared memory.
written_storage: dict[int, list] = {}  # [weakref, epoch], updated in place


def storage_owner(arr: np.ndarray) -> np.ndarray:
    while isinstance(arr.base, np.ndarray):
        arr = arr.base
    return arr


def storage_written_since(arr: Any, epoch: int) -> bool:
    """Whether the memory behind `arr` was written in place after `epoch`."""
    if type(arr) is not np.ndarray:
        return False
    owner = storage_owner(arr)
    entry = written_storage.get(id(owner))
    return entry is not None and entry[0]() is owner and entry[1] > epoch


def changed_since(t: Tensor, data: Any, epoch: int) -> bool:
    """Whether `t` was changed in place, or the memory behind `data` (its values as a node saved them) was
    written, after `epoch`: the check the engine makes before it uses saved values."""
    return t._modified_epoch > epoch or storage_written_since(data, epoch)


def has_grad_hooks(t: Tensor) -> bool:
    """Whether `t` has hooks that run when its gradient arrives or is accumulated (`register_hook`,
    `register_post_accumulate_grad_hook`)."""
    return bool(t._grad_hooks or t._post_accumulate_hooks)


class VersionCounters:
    """The version counters of a fixed set of tensors that are written in place together, again and again (a
    compiled optimizer update writes the same parameters on every call). `bump()` records the writes as an
    in-place op does for each tensor (its version counter, its modification epoch, its storage's write epoch),
    with one new epoch for all of them, and keeps each tensor's storage record for the next call while the tensor
    keeps its array (the record cannot go stale: holding the array keeps its memory, and so the record, alive)."""

    __slots__ = ("_records",)

    def __init__(self, tensors: Iterable[Tensor]) -> None:
        # [tensor, its array when last bumped, storage record]
        self._records: list[list[Any]] = [[t, None, None] for t in tensors]

    def bump(self) -> None:
        epoch = inplace_epoch.value = inplace_epoch.value + 1
        for record in self._records:
            t: Tensor = record[0]
            t._version += 1
            t._modified_epoch = epoch
            data = t._data
            if data is record[1]:
                entry = record[2]
                if entry is not None:
                    entry[1] = epoch
            else:
                record[1] = data
                record[2] = _mark_written(data, epoch)
            node = t.grad_fn
            if node is not None and node.op.saves_output:
                node.out_modified = True


def _mark_written(data: Any, epoch: int) -> list | None:
    """Record that the memory behind `data` was written at `epoch`; returns the storage's record (None for a NumPy
    scalar, which has no shared memory)."""
    if type(data) is not np.ndarray:
        return None
    owner = data if data.base is None else storage_owner(data)
    key = id(owner)
    entry = written_storage.get(key)
    if entry is not None and entry[0]() is owner:
        entry[1] = epoch
    else:
        entry = written_storage[key] = [weakref.ref(owner, _forget(key)), epoch]
    return entry


def _forget(key: int) -> Callable[[Any], object]:
    return lambda _ref: written_storage.pop(key, None)


_new = object.__new__

_NONLEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead."
)


class _NoGrad:
    """`.grad` while no gradient is stored: None, with PyTorch's warning when read on a non-leaf tensor that does
    not retain its gradient. A stored gradient lives in the instance dict, which takes precedence over this
    (non-data) descriptor, so reading a stored `.grad` costs what a plain attribute does."""

    def __get__(self, obj: Any, owner: Any = None) -> None:
        if obj is not None:
            node = obj.grad_fn
            if node is not None and not node.retains_grad:
                warnings.warn(_NONLEAF_GRAD, UserWarning, stacklevel=2)
        return None


class _TensorFields:
    """The fields every op sets, as slots (making a tensor, the per-op hot path, costs three stores); rarely-set
    ones live in the instance dict and default to class attributes of `Tensor`."""

    __slots__ = ("_data", "grad_fn", "requires_grad", "__dict__", "__weakref__")
    _data: Any  # an ndarray, or a NumPy scalar for 0-d values (see Tensor's docstring)
    grad_fn: Any  # the Node that made this tensor, None for a leaf
    requires_grad: bool


class Tensor(_TensorFields, TensorMathMixin, TensorReduceMixin, TensorShapeMixin, TensorIndexMixin,
             TensorInplaceMixin, TensorDtypeMixin, TensorCreationMixin):
    """An n-dimensional array that can record the operations applied to it for reverse-mode autodiff.

    0-d values are stored as NumPy scalars (fast scalar arithmetic); they turn into shared 0-d arrays
    the moment something needs to alias them (`detach`, `.data`, `.numpy()`, basic indexing). A single
    element picked by basic indexing (`x[1]`, `m[0, 1]`, `for v in x`) is a 0-d array viewing its base's
    memory, as PyTorch's 0-d views; arithmetic on it gives NumPy scalars again.
    """

    __slots__ = ()
    # `t.array`: the storage itself (that ndarray or NumPy scalar), no copy and no autograd check: how code
    # outside the engine reads a tensor's values (ops, autograd, nn, ...). It is the `_data` slot under a public
    # name, so reading it costs what reading `_data` does. Read-only by convention: only the engine and the
    # in-place machinery of ops store a tensor's storage; everything else changes a tensor through ops
    # (in-place ops, `.data = ...`), never by assigning `array`.
    array: Any = _TensorFields._data
    grad: Tensor | None = _NoGrad()  # type: ignore[assignment]
    _name: str | None = None
    _version: int = 0
    _grad_hooks: list | None = None
    _post_accumulate_hooks: OrderedDict | None = None
    _modified_epoch: int = 0
    _inference: bool = False  # made under `inference_mode` (set per instance only then)
    __array_ufunc__ = None  # make NumPy defer to our reflected operators (ndarray * Tensor -> Tensor)

    def __init__(self, *data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None,
                 device: Any = None):
        """As `torch.Tensor(...)`: `Tensor(data)` copies `data` into the default float dtype (`Tensor([1, 2])`
        is float32, unlike `cr.tensor([1, 2])`); `Tensor(2, 3)` or `Tensor(cr.Size([2, 3]))` is an uninitialised
        tensor of that shape; `Tensor()` is empty. `dtype=`, `requires_grad=` and `name=` are chainrule's
        additions."""
        if device is not None:
            check_device(device, "Tensor")
        if len(data) == 1 and type(data[0]) is float and dtype is None:  # the scalar fast path
            self._data = dtypes.Defaults.unit * data[0]
        else:
            self._data = _constructor_data(data, dtype)
        self.grad_fn = None
        self.requires_grad = False
        if grad_state.inference:
            self._inference = True
        if name is not None:
            self._name = name
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data: Any, grad_fn: Any = None, requires_grad: bool = False) -> Tensor:
        """Wrap an array without checks: the per-op hot path."""
        t = _new(cls)
        t._data = data
        t.grad_fn = grad_fn
        t.requires_grad = requires_grad
        return t

    # ----------------------------------------------------------------- properties
    @property
    def name(self) -> str | None:
        """A label for explanations and graphs; a non-leaf's recorded node keeps it too."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value
        if self.grad_fn is not None:
            self.grad_fn.out_name = value

    @property
    def shape(self) -> Size:
        """The shape as a `cr.Size` (internal code reads `self._data.shape`, a plain tuple, where speed matters)."""
        shape = self._data.shape
        return _SIZES.get(shape) or as_size(shape)

    def size(self, dim: int | None = None) -> Size | int:
        if dim is None:
            shape = self._data.shape
            return _SIZES.get(shape) or as_size(shape)
        return self._data.shape[wrap_dim(dim, self._data.ndim, "size")]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def nelement(self) -> int:
        return int(self._data.size)

    @property
    def dtype(self) -> dtypes.dtype:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> device:
        """Always `device(type='cpu')`: chainrule computes on the CPU."""
        return CPU

    is_cuda = False
    is_cpu = True
    is_mps = False
    is_meta = False

    def get_device(self) -> int:
        """-1, PyTorch's answer for a CPU tensor."""
        return -1

    def cpu(self) -> Tensor:
        """This tensor itself (it is on the CPU already), as PyTorch does for a CPU tensor."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Always an error: chainrule has no GPU support."""
        raise DeviceUnavailableError("cuda: device 'cuda' is not available: chainrule computes on the CPU only "
                                     "(there is no CUDA support); use 'cpu' or drop the .cuda() call")

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def is_inference(self) -> bool:
        """Whether this tensor was made under `cr.inference_mode()` (then autograd may not save it)."""
        return self._inference

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's storage, outside the graph (as PyTorch's `.data`)."""
        return self.detach()

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    def _shared_array(self) -> np.ndarray:
        """The storage as an ndarray, converting a scalar once so that aliases see in-place updates."""
        if type(self._data) is not np.ndarray:
            self._data = np.asarray(self._data)
        return self._data

    # ----------------------------------------------------------------- conversion
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array sharing this tensor's memory. Refused for a tensor that requires grad
        outside `no_grad()`, as in PyTorch: read it with `t.detach().numpy()` (or `t.numpy(force=True)`)."""
        if self.requires_grad and not force and grad_state.mode:
            raise RuntimeError(_NUMPY_REQUIRES_GRAD)
        return self._shared_array()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if self.requires_grad and grad_state.mode:
            raise RuntimeError(_NUMPY_REQUIRES_GRAD)
        arr = np.asarray(self._data)
        return arr.astype(dtype) if dtype is not None else arr

    def item(self) -> float | int | bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"item: a Tensor with {self._data.size} elements cannot be converted to a Python scalar"
            )
        return self._data.item() if self._data.ndim == 0 else self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def detach(self) -> Tensor:
        """A new leaf tensor sharing storage, with no history."""
        return Tensor._make(self._shared_array())

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} elements is ambiguous"
            )
        return bool(self._data.reshape(()) if self._data.ndim else self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    # ----------------------------------------------------------------- autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"requires_grad: only Tensors of floating point dtype can require gradients, "
                f"got {self.dtype}"
            )
        if requires_grad and self._inference and not grad_state.inference:
            raise RuntimeError(f"requires_grad_: {INFERENCE_REQUIRES_GRAD_MESSAGE}")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad_(False): you can only change requires_grad flags of leaf variables; "
                "use detach() to get a tensor that does not require grad"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` for a non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            node = self.grad_fn
            node.retains_grad = True
            node.watched = True
            node.tensor_ref = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn.retains_grad

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Any:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            node = self.grad_fn
            if node.hooks is None:
                node.hooks = []
                node.watched = True
            hooks = node.hooks
        else:
            if self._grad_hooks is None:
                self._grad_hooks = []
            hooks = self._grad_hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> Any:
        """Call `hook(self)` after backward() has accumulated this leaf's `.grad` (not for autograd.grad);
        returns a removable handle."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from chainrule.engine.hooks import add_hook

        if self._post_accumulate_hooks is None:
            self._post_accumulate_hooks = OrderedDict()
        return add_hook(self._post_accumulate_hooks, hook)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`, as `torch.Tensor.backward`."""
        if gradient is None and not create_graph and inputs is None and self.grad_fn is not None \
                and self._data.ndim == 0:
            _backward.backward_scalar(self, bool(retain_graph))  # `loss.backward()`: the common case, kept short
            return
        _backward.backward([self], gradient, retain_graph, create_graph, inputs)

    # ----------------------------------------------------------------- in-place support
    def _bump_version(self, storage_written: bool = True) -> None:
        """Record an in-place change of this tensor (`storage_written=False` when it was rebound to a new
        array rather than written into, so aliases of the old memory stay valid)."""
        self._version += 1
        epoch = inplace_epoch.value = inplace_epoch.value + 1
        self._modified_epoch = epoch
        if storage_written:
            _mark_written(self._data, epoch)
        node = self.grad_fn
        if node is not None and node.op.saves_output:
            node.out_modified = True

    # ----------------------------------------------------------------- repr
    def __repr__(self) -> str:
        from chainrule.engine.formatting import tensor_repr

        return tensor_repr(self)

    def __str__(self) -> str:
        return self.__repr__()

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:  # f"{loss}" is "1.5" and f"{loss:.4f}" "1.5000", as in PyTorch
            return format(self.item(), spec)
        if spec:  # as PyTorch (object.__format__): a format spec is for 0-d tensors only
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    def __reduce__(self):
        return (_rebuild, (np.asarray(self._data).copy(), self.requires_grad))

    def __deepcopy__(self, memo: dict) -> Tensor:
        if self.grad_fn is not None:
            raise RuntimeError("deepcopy: only leaf tensors (created by the user) support the deepcopy protocol")
        t = Tensor._make(np.array(self._data, copy=True), None, self.requires_grad)
        t._name = self._name
        if self.grad is not None:
            t.grad = Tensor._make(np.array(self.grad._data, copy=True))
        memo[id(self)] = t
        return t


# `wrap(data)`: a tensor without history around `data` (an ndarray or NumPy scalar of a supported dtype), no copy
# and no checks: the engine's hot-path constructor, public for code that made the array itself (`cr.compile`'s
# generated steps).
wrap = Tensor._make


def tensor_from_data(data: Any, dtype: Any = None) -> Tensor:
    """A new leaf from user data with `cr.tensor`'s dtype inference (ints stay int64), for internal callers;
    `Tensor(data)` itself follows `torch.Tensor` (always the default float dtype)."""
    return Tensor._make(as_array(data, dtype, "tensor"))


def _constructor_data(data: tuple, dtype: Any) -> Any:
    """The storage for `Tensor(*data)`: a shape (ints or a Size) or one piece of data, in the default float
    dtype unless `dtype` is given."""
    if not data:
        return np.empty((0,), dtypes.get_default_dtype().np if dtype is None else dtypes.to_dtype(dtype).np)
    first = data[0]
    if isinstance(first, Size) or (isinstance(first, int | np.integer) and not isinstance(first, bool | np.bool_)):
        return np.empty(shape_arg(data, "Tensor"), float_dtype(dtype))
    if len(data) > 1:
        raise TypeError(f"Tensor(): expected a shape (ints) or one piece of data, got {len(data)} arguments "
                        f"starting with {type(first).__name__}")
    arr = as_array(first, dtype, "Tensor")
    if dtype is None and arr.dtype != dtypes.get_default_dtype().np:
        arr = arr.astype(dtypes.get_default_dtype().np)
    return arr


_NUMPY_REQUIRES_GRAD = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."


def _rebuild(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(data, None, requires_grad)


class _HookHandle:
    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self) -> _HookHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


# ----------------------------------------------------------------------------- user data -> storage
def infer_dtype(data: Any) -> np.dtype | None:
    """PyTorch's inference for Python data: floats -> default dtype, ints -> int64, bools -> bool."""
    if isinstance(data, _builtins.bool):
        return np.dtype(np.bool_)
    if isinstance(data, _builtins.int):
        return np.dtype(np.int64)
    if isinstance(data, _builtins.float):
        return dtypes.get_default_dtype().np
    return None


def as_array(data: Any, dtype: Any, op: str) -> Any:
    """Convert user data to the storage of a new tensor (a copy), with clear errors for bad data."""
    if type(data) is _builtins.float and dtype is None:  # the scalar fast path: 1 * x rounds x to the dtype
        return dtypes.Defaults.unit * data
    np_dtype = None if dtype is None else dtypes.to_dtype(dtype).np
    if isinstance(data, Tensor):
        arr = np.array(data._data, dtype=np_dtype, copy=True)
    elif isinstance(data, np.ndarray | np.generic):
        if data.dtype.kind not in "fiub":
            raise TypeError(f"{op}: can't convert np.ndarray of type {data.dtype}; "
                            f"supported: float, int, uint8 and bool")
        arr = np.array(data, dtype=np_dtype, copy=True)
    else:
        inferred = infer_dtype(data)
        if inferred is None:
            _check_nested(data, op)
            try:
                arr = np.array(data)
            except ValueError as exc:
                raise ValueError(f"{op}: expected a rectangular (non-ragged) nested sequence: {exc}") from None
            if arr.dtype.kind == "f":
                arr = arr.astype(np_dtype or dtypes.get_default_dtype().np)
            elif arr.dtype.kind == "i":
                arr = arr.astype(np_dtype or np.int64)
            elif arr.dtype.kind == "b":
                arr = arr.astype(np_dtype or np.bool_)
            elif arr.dtype.kind == "u":  # a list of uint8 arrays (images): their dtype, as PyTorch
                arr = arr.astype(np_dtype or arr.dtype)
            elif arr.dtype.kind == "O" or arr.size:
                raise TypeError(f"{op}: could not convert {type(data).__name__} with elements of type "
                                f"{arr.dtype} to a tensor; expected numbers")
            else:
                arr = arr.astype(np_dtype or dtypes.get_default_dtype().np)
        else:
            arr = np.array(data, dtype=np_dtype or inferred)
    if arr.dtype not in _SUPPORTED:
        arr = arr.astype(dtypes.to_dtype(arr.dtype).np)
    return arr[()] if arr.ndim == 0 else arr


_SUPPORTED = {d.np for d in dtypes.ALL}


def _check_nested(data: Any, op: str) -> None:
    if isinstance(data, str | bytes) or (
            not isinstance(data, Sequence | Tensor | np.ndarray) and not hasattr(data, "__len__")):
        raise TypeError(f"{op}: could not convert {type(data).__name__} {data!r:.40} to a tensor; "
                            f"expected a number or a (nested) sequence of numbers")
    if isinstance(data, list | tuple) and data and any(isinstance(x, Tensor) for x in data):
        raise TypeError(f"{op}: lists of tensors are not converted implicitly; use cr.stack(...)")


def shape_arg(size: tuple, op: str) -> tuple[int, ...]:
    """A factory's size arguments (`zeros(2, 3)` or `zeros((2, 3))`) as a tuple of ints, checked."""
    if len(size) == 1 and isinstance(size[0], list | tuple):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, _builtins.int | np.integer) or isinstance(s, _builtins.bool):
            raise TypeError(f"{op}: size must be a sequence of ints, got {size!r}")
        if s < 0:
            raise RuntimeError(f"{op}: Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(_builtins.int(s) for s in size)


def float_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype for a factory's `dtype=`: the default float dtype when None."""
    return dtypes.get_default_dtype().np if dtype is None else dtypes.to_dtype(dtype).np


# The backward walk makes tensors (gradients), so it imports this module; `Tensor.backward` calls into it.
# Imported last, once `Tensor` exists, so that either module may be imported first.
from chainrule.engine import backward as _backward  # noqa: E402
