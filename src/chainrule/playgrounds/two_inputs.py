"""A neuron fed by two inputs: z = w1*a1 + w2*a2 + b, a = ReLU(z), C = (a - y)^2.

Both weight gradients share the upstream factor delta = dC/dz = da/dz * dC/da; each is delta times its
input (dC/dw_i = delta * a_i), read from the engine's gradients and backward observer.
"""

from __future__ import annotations

from typing import Any

from chainrule.creation import tensor
from chainrule.dtypes import float64
from chainrule.engine.observe import observe
from chainrule.ops import functions as F
from chainrule.playgrounds.common import as_float, number, step_for

DEFAULTS = {"a1": 1.0, "a2": 0.5, "w1": 0.8, "w2": -0.4, "b": 0.2, "y": 1.0}
LIMIT = 10.0


def compute(params: dict[str, Any]) -> dict[str, Any]:
    values = {k: number(params, k, -LIMIT, LIMIT, d) for k, d in DEFAULTS.items()}
    a1 = tensor(values["a1"], dtype=float64, name="a1")
    a2 = tensor(values["a2"], dtype=float64, name="a2")
    w1 = tensor(values["w1"], dtype=float64, requires_grad=True, name="w1")
    w2 = tensor(values["w2"], dtype=float64, requires_grad=True, name="w2")
    b = tensor(values["b"], dtype=float64, requires_grad=True, name="b")
    p1 = w1 * a1
    p2 = w2 * a2
    z = p1 + p2 + b
    z.name = "z"
    a = F.relu(z)
    a.name = "a"
    cost = (a - values["y"]) ** 2
    z.retain_grad()
    a.retain_grad()
    with observe() as steps:
        cost.backward()
    relu = step_for(steps, "relu")
    m1 = step_for(steps, "mul", p1)
    m2 = step_for(steps, "mul", p2)
    dc_da, da_dz = as_float(a.grad), as_float(relu.local[0])
    delta = as_float(z.grad)
    return {
        "inputs": values,
        "forward": {"w1a1": as_float(p1), "w2a2": as_float(p2), "z": as_float(z), "a": as_float(a),
                    "C": as_float(cost)},
        "factors": {"dC_da": dc_da, "da_dz": da_dz, "delta": delta, "dz_dw1": as_float(m1.local[0]),
                    "dz_dw2": as_float(m2.local[0])},
        "grads": {"w1": as_float(w1.grad), "w2": as_float(w2.grad), "b": as_float(b.grad)},
        "gate": "open" if da_dz > 0 else "closed",
    }
