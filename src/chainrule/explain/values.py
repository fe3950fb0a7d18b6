"""Turning the engine's values (NumPy scalars/arrays, tensors, Python numbers) into JSON and short text.

Every number shown by a table or a renderer is formatted here, once, in Python, with the one number format
(chainrule.utils.numbers.format_number): the web pages only display these strings.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.utils.numbers import format_number

MAX_DATA_ELEMENTS = 256  # arrays larger than this keep only their summary in the JSON
MAX_TEXT_ELEMENTS = 6  # arrays larger than this are shown as a summary in text


def as_array(value: Any) -> np.ndarray | None:
    """A NumPy array for a tensor, a NumPy value or a Python number; None for anything else."""
    if value is None:
        return None
    data = value.array if isinstance(value, Tensor) else value
    if isinstance(data, np.generic | np.ndarray | int | float | bool):
        arr = np.asarray(data)
        if arr.dtype == np.bool_:
            arr = arr.astype(np.float64)
        return arr
    return None


def fmt_number(x: Any) -> str:
    """A short, stable text for one number: chainrule's one number format (chainrule.utils.numbers.format_number:
    -24.0, 1.5, 0.3333, 1e-10, nan; docs/numbers.md)."""
    return format_number(x)


def fmt_array(arr: np.ndarray | None, max_elements: int = MAX_TEXT_ELEMENTS) -> str:
    """Scalars as numbers, small arrays as nested lists, large ones as a summary."""
    if arr is None:
        return "?"
    if arr.size == 1 and arr.ndim == 0:
        return fmt_number(arr.item())
    if arr.size <= max_elements:
        return _nested(arr)
    shape = "×".join(str(d) for d in arr.shape)
    if arr.dtype.kind not in "fiub" or arr.size == 0:
        return f"[{shape}]"
    a = arr.astype(np.float64)
    return f"[{shape}] mean {fmt_number(a.mean())}, norm {fmt_number(np.linalg.norm(a))}"


def _nested(arr: np.ndarray) -> str:
    if arr.ndim == 0:
        return fmt_number(arr.item())
    return "[" + ", ".join(_nested(a) for a in arr) + "]"


def _jsonable(arr: np.ndarray) -> Any:
    if arr.dtype.kind == "f":
        out = arr.astype(np.float64)
        if not np.all(np.isfinite(out)):
            return np.vectorize(lambda v: v if math.isfinite(v) else str(v), otypes=[object])(out).tolist()
        return out.tolist()
    return arr.tolist()


_DTYPE_NAMES: dict[Any, str] = {}


def _dtype_name(dt: np.dtype) -> str:
    name = _DTYPE_NAMES.get(dt)
    if name is None:
        name = _DTYPE_NAMES[dt] = str(dt)
    return name


def value_json(value: Any, max_data: int = MAX_DATA_ELEMENTS) -> dict[str, Any] | None:
    """The schema's value object: shape, dtype, text, data (or null when large), summary (arrays)."""
    arr = as_array(value)
    if arr is None:
        return None
    if arr.ndim == 0:  # the common case in scalar graphs: keep it fast
        x = arr.item()
        if isinstance(x, float) and not math.isfinite(x):
            data: Any = str(x)
        else:
            data = x
        return {"shape": [], "dtype": _dtype_name(arr.dtype), "text": fmt_number(x), "data": data}
    summary = None
    if arr.size > 1 and arr.dtype.kind in "fiub":
        a = arr.astype(np.float64)
        summary = {
            "min": fmt_number(a.min()),
            "max": fmt_number(a.max()),
            "mean": fmt_number(a.mean()),
            "norm": fmt_number(np.linalg.norm(a)),
        }
    if summary is not None and arr.size > MAX_TEXT_ELEMENTS:  # fmt_array's summary, computed once
        text = f"[{'×'.join(str(d) for d in arr.shape)}] mean {summary['mean']}, norm {summary['norm']}"
    else:
        text = fmt_array(arr)
    out: dict[str, Any] = {
        "shape": list(arr.shape),
        "dtype": _dtype_name(arr.dtype),
        "text": text,
        "data": _jsonable(arr) if arr.size <= max_data else None,
    }
    if summary is not None:
        out["summary"] = summary
    return out


def value_array(v: dict[str, Any] | None) -> np.ndarray | None:
    """Back from a value object to an array (None when the data was summarized away)."""
    if v is None or v.get("data") is None:
        return None
    data = v["data"]
    return np.asarray(data, dtype=np.float64).reshape(v["shape"]) if v["dtype"].startswith("float") else \
        np.asarray(data).reshape(v["shape"])


def is_scalar(v: dict[str, Any] | None) -> bool:
    return v is not None and v.get("data") is not None and math.prod(v["shape"]) == 1


def scalar(v: dict[str, Any] | None) -> float | None:
    if v is not None and not v["shape"] and isinstance(v.get("data"), int | float):
        return float(v["data"])
    arr = value_array(v)
    if arr is None or arr.size != 1:
        return None
    return float(arr.reshape(()))
