"""The chapter's three worked examples as functions that build graphs with the engine.

Each returns a dict of named tensors (inputs, intermediates, loss) after `backward()`, so callers can
print the forward values and gradients, and check them against finite differences.
"""

from __future__ import annotations

from collections.abc import Callable

from chainrule.creation import tensor
from chainrule.dtypes import float64
from chainrule.engine.tensor import Tensor
from chainrule.ops.activations import relu


def composed_function(x: float = 2.0) -> dict[str, Tensor]:
    """h(x) = f(g(x)) with g(x) = 3x + 1 (inner) and f(u) = u^2 (outer)."""
    xt = tensor(x, dtype=float64, requires_grad=True, name="x")
    u = 3 * xt + 1
    u.name = "u"
    u.retain_grad()
    h = u**2
    h.name = "h"
    h.backward()
    return {"x": xt, "u": u, "h": h}


def single_neuron(x: float = 2.0, w: float = 1.5, b: float = -1.0, target: float = 3.0) -> dict[str, Tensor]:
    """z = w*x + b, a = ReLU(z), L = (a - t)^2."""
    xt = tensor(x, dtype=float64, name="x")
    wt = tensor(w, dtype=float64, requires_grad=True, name="w")
    bt = tensor(b, dtype=float64, requires_grad=True, name="b")
    z = wt * xt + bt
    a = relu(z)
    loss = (a - target) ** 2
    for t, name in ((z, "z"), (a, "a"), (loss, "L")):
        t.name = name
        t.retain_grad()
    loss.backward()
    return {"x": xt, "w": wt, "b": bt, "z": z, "a": a, "L": loss}


def two_layer_network(x: float = 3.0, w1: float = 0.5, b1: float = 0.0, w2: float = 2.0, b2: float = -1.0,
                      target: float = 4.0) -> dict[str, Tensor]:
    """z1 = w1*x + b1, h = ReLU(z1), y = w2*h + b2, L = (y - t)^2."""
    xt = tensor(x, dtype=float64, name="x")
    params = {n: tensor(v, dtype=float64, requires_grad=True, name=n)
              for n, v in (("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2))}
    z1 = params["w1"] * xt + params["b1"]
    h = relu(z1)
    y = params["w2"] * h + params["b2"]
    loss = (y - target) ** 2
    for t, name in ((z1, "z1"), (h, "h"), (y, "y"), (loss, "L")):
        t.name = name
        t.retain_grad()
    loss.backward()
    return {"x": xt, **params, "z1": z1, "h": h, "y": y, "L": loss}


def finite_difference(build: Callable[..., dict[str, Tensor]], param: str, defaults: dict[str, float],
                      h: float = 1e-6) -> float:
    """Central difference of the example's loss with respect to one of its scalar arguments."""
    loss_key = "L" if "L" in build() else "h"
    up = dict(defaults, **{param: defaults[param] + h})
    down = dict(defaults, **{param: defaults[param] - h})
    return (build(**up)[loss_key].item() - build(**down)[loss_key].item()) / (2 * h)
