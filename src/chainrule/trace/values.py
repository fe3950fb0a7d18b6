"""Summaries of runtime values for the trace: short, safe, bounded in size.

Nothing here imports the engine or NumPy: tensors and arrays are recognised by duck typing, so the
tracer works on any script and a broken ``__repr__`` never breaks a trace. Floats (Python, NumPy and tensor
elements) are written in chainrule's one number format (chainrule.utils.numbers.format_number: 0.1 + 0.2 is
"0.3", -24.0 stays "-24.0"); integers, booleans and everything else as Python writes them.
"""

from __future__ import annotations

import types
from typing import Any

from chainrule.utils.numbers import format_number

MAX_REPR = 200  # characters in a summary's repr
MAX_ITEMS = 8  # items of a container shown before "... (N more)"
INLINE_MAX = 40  # longest text substituted for a name inside an expression
INLINE_ELEMENTS = 6  # largest tensor/array/sequence substituted for a name inside an expression


def is_tensor(value: Any) -> bool:
    """True for a chainrule (or PyTorch) tensor, recognised without importing either."""
    module = getattr(type(value), "__module__", "") or ""
    if not (module.startswith("chainrule") or module.startswith("torch")):
        return False
    # looked up on the class: reading `.grad` of a non-leaf tensor warns
    return all(hasattr(type(value), attr) for attr in ("shape", "grad", "grad_fn", "item", "tolist"))


def is_ndarray(value: Any) -> bool:
    """True for a NumPy array or NumPy scalar, recognised without importing NumPy."""
    module = getattr(type(value), "__module__", "") or ""
    return module == "numpy" and hasattr(value, "shape") and hasattr(value, "dtype")


def _clip(text: str, limit: int = MAX_REPR) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def safe_repr(value: Any, limit: int = MAX_REPR) -> str:
    """A bounded repr that never raises; large containers are summarised, not dumped."""
    try:
        return _clip(_repr(value, limit), limit)
    except Exception as exc:  # a user's __repr__ may raise anything
        return f"<repr raised {type(exc).__name__}: {_clip(str(exc), 80)}>"


def safe_str(value: Any, limit: int = MAX_REPR) -> str:
    """``str(value)``, bounded, never raising (for exception messages)."""
    try:
        return _clip(str(value), limit)
    except Exception as exc:
        return f"<str raised {type(exc).__name__}>"


def _number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, int | complex):
        return repr(value)
    if getattr(getattr(value, "dtype", None), "kind", None) == "f":  # NumPy floating scalars
        return format_number(float(value))
    return str(value)  # other NumPy scalars: "2", not "np.int64(2)"


def _repr(value: Any, limit: int) -> str:
    if value is None or isinstance(value, bool | int | float | complex):
        return _number(value)
    if isinstance(value, str | bytes):
        if len(value) > limit:
            return repr(value[:limit]) + f"… ({len(value)} chars)"
        return repr(value)
    if is_tensor(value):
        return tensor_repr(value)
    if is_ndarray(value):
        return array_repr(value)
    if isinstance(value, list | tuple | set | frozenset | dict):
        return container_repr(value, limit)
    if isinstance(value, types.ModuleType):
        return f"<module {value.__name__}>"
    if isinstance(value, types.FunctionType | types.BuiltinFunctionType | types.MethodType):
        return f"<function {getattr(value, '__qualname__', getattr(value, '__name__', '?'))}>"
    if isinstance(value, type):
        return f"<class {value.__qualname__}>"
    return repr(value)


def container_repr(value: Any, limit: int = MAX_REPR) -> str:
    n = len(value)
    if isinstance(value, dict):
        items = [f"{safe_repr(k, 40)}: {safe_repr(v, 60)}" for k, v in list(value.items())[:MAX_ITEMS]]
        open_, close = "{", "}"
    else:
        items = [safe_repr(v, 60) for v in list(value)[:MAX_ITEMS]]
        if isinstance(value, list):
            open_, close = "[", "]"
        elif isinstance(value, tuple):
            open_, close = "(", ",)" if n == 1 else ")"
        else:
            open_, close = ("{", "}") if n else ("set(", ")")
    if n > MAX_ITEMS:
        items.append(f"... ({n - MAX_ITEMS} more)")
    text = open_ + ", ".join(items) + close
    if type(value) not in (list, tuple, dict, set, frozenset):
        text = f"{type(value).__name__}({text})"
    return text


def array_repr(value: Any) -> str:
    """NumPy arrays: small ones in full, large ones as a summary with shape and dtype."""
    shape = tuple(value.shape)
    if shape == ():
        return _number(value)
    import numpy as np  # present: the value is a NumPy array

    body = np.array2string(value, threshold=MAX_ITEMS, edgeitems=2, separator=", ", max_line_width=10_000,
                           formatter={"float_kind": format_number})
    return f"array({body}, shape={shape}, dtype={value.dtype})"


def _tensor_number(value: Any) -> str:
    try:
        return _number(value.item())
    except Exception:
        return "?"


def tensor_repr(value: Any) -> str:
    """``tensor(2.0, grad_fn=<MulBackward0>)``; large tensors are summarised by shape."""
    shape = tuple(value.shape)
    if shape == ():
        body = _tensor_number(value)
    else:
        size = 1
        for d in shape:
            size *= int(d)
        if size <= MAX_ITEMS:
            body = safe_repr(value.tolist(), 120)
        else:
            body = f"<{size} values>, shape={shape}"
    extra = ""
    fn = grad_fn_name(value)
    if fn:
        extra = f", grad_fn=<{fn}>"
    elif getattr(value, "requires_grad", False):
        extra = ", requires_grad=True"
    return f"tensor({body}{extra})"


def grad_fn_name(value: Any) -> str | None:
    fn = getattr(value, "grad_fn", None)
    if fn is None:
        return None
    try:
        name = fn.name() if callable(getattr(fn, "name", None)) else type(fn).__name__
        return str(name)
    except Exception:
        return type(fn).__name__


def kept_grad(value: Any) -> Any:
    """A tensor's `.grad` where one is kept (leaves, `retain_grad()`): reading it on another non-leaf warns, in
    PyTorch and chainrule alike."""
    if getattr(value, "is_leaf", True) or getattr(value, "retains_grad", False):
        return getattr(value, "grad", None)
    return None


def _size(value: Any) -> int | None:
    try:
        size = 1
        for d in value.shape:
            size *= int(d)
        return size
    except Exception:
        return None


def inline(value: Any) -> str | None:
    """The short text that stands for a value inside an expression, or None to keep the name.

    Numbers, booleans, None, short strings and small tensors/arrays/sequences of numbers are inlined;
    modules, functions, classes and big or opaque objects keep their name.
    """
    try:
        if value is None or isinstance(value, bool | int | float | complex):
            return _number(value)
        if isinstance(value, str):
            return repr(value) if len(value) <= INLINE_MAX else None
        if is_tensor(value):
            size = _size(value)
            if size is None or size > INLINE_ELEMENTS:
                return None
            if tuple(value.shape) == ():
                return f"tensor({_tensor_number(value)})"
            return f"tensor({_numbers(value.tolist())})"
        if is_ndarray(value):
            size = _size(value)
            if tuple(value.shape) == ():
                return _number(value)
            if size is None or size > INLINE_ELEMENTS:
                return None
            return f"array({_numbers(value.tolist())})"
        small = type(value) in (list, tuple) and len(value) <= INLINE_ELEMENTS
        if small and all(v is None or isinstance(v, bool | int | float | str) for v in value):
            text = _numbers(value)
            return text if len(text) <= INLINE_MAX else None
    except Exception:
        return None
    return None


def _numbers(value: Any) -> str:
    """Nested lists and tuples of numbers (a tensor's tolist()) as Python writes them, floats in the one format."""
    if isinstance(value, list):
        return "[" + ", ".join(_numbers(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_numbers(v) for v in value) + (",)" if len(value) == 1 else ")")
    return repr(value) if isinstance(value, str) else _number(value)


def summarize(value: Any) -> dict[str, Any]:
    """A JSON-ready description of a value: always ``type`` and ``repr``, more for tensors and arrays."""
    out: dict[str, Any] = {"type": type_name(value), "repr": safe_repr(value)}
    try:
        if is_tensor(value):
            out["kind"] = "tensor"
            out["shape"] = [int(d) for d in value.shape]
            out["dtype"] = str(getattr(value, "dtype", ""))
            size = _size(value)
            if out["shape"] == []:
                out["value"] = _jsonable(value.item())
            elif size is not None and size <= 64:
                out["value"] = _jsonable(value.tolist())
            out["requires_grad"] = bool(getattr(value, "requires_grad", False))
            grad = kept_grad(value)
            out["grad"] = None if grad is None else safe_repr(grad)
            if grad is not None and is_tensor(grad) and tuple(grad.shape) == ():
                out["grad_value"] = _jsonable(grad.item())
            out["grad_fn"] = grad_fn_name(value)
        elif is_ndarray(value):
            out["kind"] = "array"
            out["shape"] = [int(d) for d in value.shape]
            out["dtype"] = str(value.dtype)
            size = _size(value)
            if size is not None and size <= 64:
                out["value"] = _jsonable(value.tolist())
        elif value is None or isinstance(value, bool | int | float):
            out["kind"] = "number" if not (value is None or isinstance(value, bool)) else "scalar"
            out["value"] = _jsonable(value)
        elif isinstance(value, str):
            out["kind"] = "str"
            if len(value) <= 1000:
                out["value"] = value
        elif isinstance(value, list | tuple | dict | set | frozenset):
            out["kind"] = "container"
            out["length"] = len(value)
            scalars = (bool, int, float, str, type(None))
            if isinstance(value, list | tuple) and len(value) <= 64 and all(type(v) in scalars for v in value):
                out["value"] = _jsonable(list(value))
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {_clip(str(exc), 80)}"
    return out


def _jsonable(value: Any) -> Any:
    """Floats that JSON cannot hold (nan, inf) become strings; everything else passes through."""
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return repr(value)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return safe_repr(value)  # JSON readers lose precision past 64 bits; huge ints cannot even be printed
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return safe_repr(value)


def type_name(value: Any) -> str:
    t = type(value)
    module = getattr(t, "__module__", "builtins")
    return t.__qualname__ if module == "builtins" else f"{module}.{t.__qualname__}"
