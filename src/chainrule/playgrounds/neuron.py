"""One neuron: z = w*x + b, a = ReLU(z), L = (a - t)^2, and the chain dL/dw = dL/da * da/dz * dz/dw.

Every value is read from the engine: forward values from the tensors, gradients from `.grad`, local
derivatives from the backward observer.
"""

from __future__ import annotations

from typing import Any

from chainrule.creation import tensor
from chainrule.dtypes import float64
from chainrule.engine.grad_mode import no_grad
from chainrule.engine.observe import observe
from chainrule.engine.tensor import Tensor
from chainrule.ops import functions as F
from chainrule.playgrounds.common import as_float, number, step_for

DEFAULTS = {"x": 2.0, "w": 1.5, "b": -1.0, "t": 3.0, "lr": 0.1}
LIMIT = 10.0  # x, w, b and t lie in [-LIMIT, LIMIT]


def _forward(x: float, w: float, b: float, t: float) -> tuple[Tensor, ...]:
    xt = tensor(x, dtype=float64, name="x")
    wt = tensor(w, dtype=float64, requires_grad=True, name="w")
    bt = tensor(b, dtype=float64, requires_grad=True, name="b")
    wx = wt * xt
    z = wx + bt
    z.name = "z"
    a = F.relu(z)
    a.name = "a"
    loss = (a - t) ** 2
    loss.name = "L"
    return xt, wt, bt, wx, z, a, loss


def compute(params: dict[str, Any]) -> dict[str, Any]:
    """The neuron's forward values, chain-rule factors, gradients and one SGD update of w."""
    x = number(params, "x", -LIMIT, LIMIT, DEFAULTS["x"])
    w = number(params, "w", -LIMIT, LIMIT, DEFAULTS["w"])
    b = number(params, "b", -LIMIT, LIMIT, DEFAULTS["b"])
    t = number(params, "t", -LIMIT, LIMIT, DEFAULTS["t"])
    lr = number(params, "lr", 0.0, 1.0, DEFAULTS["lr"])
    _, wt, bt, wx, z, a, loss = _forward(x, w, b, t)
    a.retain_grad()
    z.retain_grad()
    with observe() as steps:
        loss.backward()
    relu = step_for(steps, "relu")
    mul = step_for(steps, "mul", wx)
    add = step_for(steps, "add", z)
    dl_da, da_dz = as_float(a.grad), as_float(relu.local[0])
    dz_dw, dz_db = as_float(mul.local[0]), as_float(add.local[1])
    with no_grad():
        w_new = wt - lr * wt.grad
    new_loss = _forward(x, as_float(w_new), b, t)[-1]
    return {
        "inputs": {"x": x, "w": w, "b": b, "t": t, "lr": lr},
        "forward": {"wx": as_float(wx), "z": as_float(z), "a": as_float(a), "L": as_float(loss)},
        "factors": {"dL_da": dl_da, "da_dz": da_dz, "dz_dw": dz_dw, "dz_db": dz_db,
                    "formulas": {"dL_da": "2(a - t)", "da_dz": relu.formulas[0], "dz_dw": "x", "dz_db": "1"}},
        "product": dl_da * da_dz * dz_dw + 0.0,
        "grads": {"w": as_float(wt.grad), "b": as_float(bt.grad), "z": as_float(z.grad), "a": dl_da},
        "gate": "open" if da_dz > 0 else "closed",
        "update": {"w": as_float(w_new), "L": as_float(new_loss), "in_range": abs(as_float(w_new)) <= LIMIT},
    }
