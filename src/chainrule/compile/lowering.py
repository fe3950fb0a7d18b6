"""How one recorded op becomes lines of Python: inline NumPy where the op's math is a plain expression (checked
bit for bit against the engine's own result while tracing), otherwise a call of the op's own forward or VJP from
the registry (one place for each op's math)."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.ops.registry import ONE

# op name -> forward expression over its inputs {0}, {1}
FORWARD = {
    "add": "{0} + {1}",
    "sub": "{0} - {1}",
    "mul": "{0} * {1}",
    "div": "{0} / {1}",
    "exp": "np.exp({0})",
    "tanh": "np.tanh({0})",
    "log": "np.log({0})",
}

# (op name, input index) -> the gradient sent to that input, over {g} (upstream), {out} and inputs {0}, {1};
# the comment is the local derivative as the chapter writes it
LOCAL = {
    ("add", 0): "{g}",
    ("add", 1): "{g}",
    ("sub", 0): "{g}",
    ("sub", 1): "-{g}",  # the engine's rule (not `g * -1.0`: a NaN keeps its sign bit under multiplication)
    ("mul", 0): "{g} * {1}",
    ("mul", 1): "{g} * {0}",
    ("div", 0): "{g} * (1.0 / {1})",
    ("div", 1): "{g} * (-{0} / ({1} * {1}))",
    ("exp", 0): "{g} * {out}",
    ("tanh", 0): "{g} * (1.0 - {out} * {out})",
    ("log", 0): "{g} * (1.0 / {0})",
    # the engine's rule for arrays up to 8,192 elements (larger ones take its bitwise form: same bits, faster)
    ("relu", 0): "np.where({out} <= 0, 0.0, {g})",
}

# (op name, input index) -> the largest output (elements) for which the inline form is used
LOCAL_MAX_SIZE = {("relu", 0): 8192}

# ops whose VJP (not elementwise locals) has a plain NumPy form in the common case; checked bit for bit
VJP = {
    ("linear", 0): "{g} @ {1}",
    ("linear", 1): "{g}.T @ {0}",
    ("linear", 2): "np.add.reduce({g}, axis=0)",  # {g}.sum(0) without ndarray.sum's Python wrapper
    ("relu", 0): "np.where({out} <= 0, 0.0, {g})",
}


def forward_statement(op: Any, datas: list, attrs: Any) -> str | None:
    """Multi-line forward templates over {out} and the inputs, for ops whose forward is a few NumPy lines."""
    name = op.name
    if name == "linear" and all(type(d) is np.ndarray for d in datas[:2]) and datas[0].ndim == 2:
        return "{out} = {0} @ {1}.T" + ("" if datas[2] is None else "\n{out} += {2}")
    if name == "relu" and type(datas[0]) is np.ndarray and datas[0].ndim:
        return "{out} = np.maximum({0}, 0)"
    return None


_statements: dict[str, Any] = {}


def run_statement(template: str, values: list) -> Any:
    """Run a statement template on trace-time values; returns what it assigns to {out}."""
    fn = _statements.get(template)
    if fn is None:
        body = template.format(*[f"v{i}" for i in range(len(values) + 3)], out="out")
        args = ", ".join(f"v{i}" for i in range(len(values)))
        src = "def f({}):\n    {}\n    return out\n".format(args, body.replace("\n", "\n    "))
        ns: dict[str, Any] = {"np": np}
        exec(src, ns)  # noqa: S102 - our own templates
        fn = _statements[template] = ns["f"]
    return fn(*values)


_checkers: dict[str, Any] = {}


def evaluate(template: str, **values: Any) -> Any:
    """Run a template on trace-time values (compiled once per template) to check it against the engine."""
    fn = _checkers.get(template)
    if fn is None:
        names = sorted(set(values))
        body = template.format(*[f"v{i}" for i in range(4)], g="g", out="out")
        fn = eval(f"lambda {', '.join(names)}: {body}", {"np": np})  # noqa: S307 - our own templates
        fn.names = names
        _checkers[template] = fn
    return fn(**{k: values[k] for k in fn.names})


def same(a: Any, b: Any) -> bool:
    """Bit for bit: same type, dtype, shape and bytes (NaN payloads included)."""
    if a is None or b is None:
        return a is b
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is np.float32 or kind is np.float64:
        return a.tobytes() == b.tobytes()
    if isinstance(a, np.ndarray | np.generic):
        return a.dtype == b.dtype and np.shape(a) == np.shape(b) and np.asarray(a).tobytes() == np.asarray(b).tobytes()
    if isinstance(a, float):
        return np.float64(a).tobytes() == np.float64(b).tobytes()
    return bool(a == b)


def inline_forward(op: Any, datas: list, attrs: Any, out: Any) -> str | None:
    """The op's forward as an inline expression template if that reproduces `out` exactly, else None."""
    template = FORWARD.get(op.name)
    if template is None or attrs or len(datas) != template.count("{") - template.count("{{"):
        return None
    values = {f"v{i}": d for i, d in enumerate(datas)}
    try:
        result = evaluate(template, **values)
    except Exception:  # noqa: BLE001 - anything odd: use the op's own function
        return None
    return template if same(result, out) else None


def inline_local(op: Any, index: int, g: Any, out: Any, datas: tuple, expected: Any) -> str | None:
    """The gradient to input `index` as an inline template if it reproduces the engine's exactly, else None."""
    if op.vjp is not None:
        template = VJP.get((op.name, index))
        if template is None:
            return None
    else:
        if not op.elementwise:
            return None
        template = LOCAL.get((op.name, index))
        if template is None:
            return None
        if op.rules[index] is ONE and template != "{g}":
            return None
        limit = LOCAL_MAX_SIZE.get((op.name, index))
        if limit is not None and (type(out) is not np.ndarray or out.size > limit):
            return None
    values = {f"v{i}": d for i, d in enumerate(datas)}
    try:
        result = evaluate(template, g=g, out=out, **values)
    except Exception:  # noqa: BLE001
        return None
    return template if same(result, expected) else None


def _max_pool_mask(x: Any, kernel: Any, stride: Any, padding: Any) -> Any:
    from chainrule.ops.conv import max_pool_mask

    return max_pool_mask(x, kernel, stride, padding)


def _argmax(x: Any, dim: int) -> Any:
    return np.argmax(x, axis=dim)


def _argmin(x: Any, dim: int) -> Any:
    return np.argmin(x, axis=dim)


# op name -> {attribute: function of the op's input values and its other attributes}: attributes an op's caller
# computes from the inputs before the op (max-pool's argmax mask); a replay computes them again from its values
DERIVED = {
    "max_pool2d": {"mask": (_max_pool_mask, ("kernel", "stride", "padding"))},
    # `x.max(dim)` / `x.min(dim)`: the positions picked, computed by the caller as eager does
    "max_dim": {"indices": (_argmax, ("dim",))},
    "min_dim": {"indices": (_argmin, ("dim",))},
}
