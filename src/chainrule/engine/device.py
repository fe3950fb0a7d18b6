"""Devices: `cr.device`, as `torch.device`. chainrule computes on the CPU only: every tensor lives on
`device(type='cpu')`; naming another device is allowed (`cr.device("cuda")`), using it for a tensor is an
error that says so. `device = "cuda" if cr.cuda.is_available() else "cpu"` picks "cpu"."""

from __future__ import annotations

from typing import Any

# PyTorch's device types (the list its parser accepts); all but "cpu" are unavailable here.
DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class DeviceUnavailableError(RuntimeError, AssertionError):
    """A tensor was asked for on a device other than the CPU. A RuntimeError (chainrule's choice) that is also
    an AssertionError, the type PyTorch built without CUDA raises for "cuda", so either `except` catches it."""


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor lives: `cr.device("cpu")`, `cr.device("cpu", 0)`, `cr.device("cuda:1")`.

    `.type` and `.index` as in PyTorch; equal to another device of the same type and index (not to a
    string, as in PyTorch); hashable; `repr` is `device(type='cpu')`."""

    __slots__ = ("_type", "_index")
    _type: str
    _index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002 - PyTorch's parameter name
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): an index cannot be given with a device object")
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, int) and not isinstance(type, bool):  # a bare index means the accelerator
            raise DeviceUnavailableError(f"device({type}): an integer device means an accelerator (GPU) and "
                                         f"{_CPU_ONLY}")
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string or a device, got {_kind(type)}")
        name, sep, idx = type.partition(":")
        if name not in DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device "
                               f"string: {type}")
        if sep:
            if index is not None:
                raise RuntimeError(f"device(): type (string) {type!r} must not include an index because index "
                                   f"was passed explicitly: {index}")
            if not idx.isdigit() or (len(idx) > 1 and idx[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if index is not None:
            if not isinstance(index, int) or isinstance(index, bool):
                raise TypeError(f"device(): index must be an int, got {_kind(index)}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
        self._type, self._index = name, index

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self) -> int | None:
        return self._index

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __reduce__(self) -> tuple:
        return (device, (str(self),))

    def __enter__(self) -> device:
        check_device(self, "with device")
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


_CPU_ONLY = "chainrule computes on the CPU only (there is no CUDA, MPS or other accelerator support); use 'cpu'"

CPU = device("cpu")


def _kind(value: Any) -> str:
    return type(value).__name__


def check_device(dev: Any, op: str) -> None:
    """Accept `dev` if it names the CPU (None, "cpu", "cpu:0", `device("cpu")`); otherwise raise
    `DeviceUnavailableError` naming the operation, or the parser's error for a malformed device."""
    if dev is None or dev is CPU or dev == "cpu":
        return
    d = dev if isinstance(dev, device) else device(dev)
    if d._type != "cpu":
        hint = " (`device = 'cuda' if cr.cuda.is_available() else 'cpu'` picks 'cpu')" if d._type == "cuda" else ""
        raise DeviceUnavailableError(f"{op}: device '{d}' is not available: {_CPU_ONLY}{hint}")


def set_default_device(dev: Any) -> None:
    """As `torch.set_default_device`: only the CPU (or None, the default) is accepted."""
    check_device(dev, "set_default_device")


def get_default_device() -> device:
    return CPU


def is_device_like(value: Any) -> bool:
    """Whether a positional argument of `.to(...)` names a device (a string, a device or an index)."""
    return isinstance(value, str | device) or (isinstance(value, int) and not isinstance(value, bool))


def parse_to(args: tuple, kwargs: dict, op: str) -> tuple[Any, Any, bool]:
    """Parse the arguments of `Tensor.to` / `Module.to` as PyTorch: `to(dtype)`, `to(device, dtype)`,
    `to(other)` (a tensor: its dtype), each with `non_blocking=` and `copy=` (positionally after them too).
    Returns (dtype or None, the other tensor or None, copy); a non-CPU device raises."""
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{op}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    other = None
    flags = []
    for a in args:
        if isinstance(a, bool):
            flags.append(a)
        elif is_device_like(a):
            dev = a
        elif hasattr(a, "_data") and hasattr(a, "grad_fn"):  # a Tensor: take its dtype (and device)
            other = a
        elif a is not None:
            dtype = a
    if len(flags) > 2:
        raise TypeError(f"{op}() received too many positional arguments")
    if len(flags) == 2:
        copy = flags[1]
    check_device(dev, op)
    return dtype, other, bool(copy)
