"""PyTorch-style repr: `tensor([1., 2.], requires_grad=True)`, `tensor(4., grad_fn=<PowBackward0>)`."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule import dtypes

PRECISION = 4
_EDGE = 3
_SUMMARIZE_ABOVE = 1000


def _float_formatter(values: np.ndarray) -> Any:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return lambda v: _special(v) or f"{v:.0f}."
    abs_finite = np.abs(finite)
    nonzero = abs_finite[abs_finite > 0]
    big, small = (nonzero.max(), nonzero.min()) if nonzero.size else (0.0, 0.0)
    # PyTorch's rule, for whole numbers too: `tensor([1., 2000.])` prints as `[1.0000e+00, 2.0000e+03]`
    if nonzero.size and (big / small > 1000.0 or big > 1e8 or small < 1e-4):
        return lambda v: _special(v) or f"{v:.{PRECISION}e}"
    if np.all(finite == np.round(finite)):
        return lambda v: _special(v) or f"{v:.0f}."
    return lambda v: _special(v) or f"{v:.{PRECISION}f}"


def _special(v: float) -> str | None:
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def format_values(data: np.ndarray, prefix: str = "tensor(") -> str:
    arr = np.asarray(data)
    kind = arr.dtype.kind
    formatter: Any = None
    if kind == "f":
        sample = arr if arr.size <= _SUMMARIZE_ABOVE else _edges(arr)
        fmt = _float_formatter(sample.astype(np.float64).ravel())
        # PyTorch pads to the widest nonzero finite value: zeros, nan and inf do not widen the columns
        counted = sample[np.isfinite(sample) & (sample != 0)]
        width = max((len(fmt(float(v))) for v in counted.ravel()), default=0)
        formatter = {"float_kind": lambda v: fmt(float(v)).rjust(width)}
    elif kind == "b":
        width = 5 if (~arr).any() and arr.any() else 0  # ' True' lines up with 'False', as in PyTorch
        formatter = {"bool": lambda v: ("True" if v else "False").rjust(width)}
    # PyTorch fits floor((80 - indent) / (width + 2)) elements on a line, the indent being the prefix and one per
    # enclosing bracket; NumPy also keeps room for each closing bracket, one more per dimension beyond the first
    return np.array2string(
        arr, separator=", ", prefix=prefix, formatter=formatter,
        threshold=_SUMMARIZE_ABOVE, edgeitems=_EDGE, max_line_width=80 + arr.ndim - 1,
    )


def _edges(arr: np.ndarray) -> np.ndarray:
    """The elements a summarized repr prints (PyTorch's `get_summarized_data`): along each dimension its first and
    last _EDGE entries (all of a shorter one, some twice, which changes no format)."""
    arr = np.concatenate([arr[:_EDGE], arr[-_EDGE:]])
    return arr if arr.ndim == 1 else np.stack([_edges(row) for row in arr])


def tensor_repr(t: Any) -> str:
    data = t._data
    body = format_values(data)
    extras = []
    if data.size == 0 and data.ndim != 1:
        body = f"[], size={tuple(data.shape)}"
    np_dtype = data.dtype
    default = dtypes.get_default_dtype().np
    if data.size == 0:  # no values to tell int64 or bool by: any dtype but the default float one is shown (PyTorch)
        shown = np_dtype != default
    else:
        shown = np_dtype.kind == "f" and np_dtype != default or np_dtype.kind not in "fb" and np_dtype != np.int64
    if shown:
        extras.append(f"dtype={dtypes.from_numpy_dtype(np_dtype)!r}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    if t.name:
        extras.append(f"name={t.name!r}")
    suffix = "".join(", " + e for e in extras)
    return f"tensor({body}{suffix})"
