"""The 4 -> 3 -> 4 diagonal-flip network on 2x2 images, with fixed documented weights.

    x (4 pixels, row-major: top-left, top-right, bottom-left, bottom-right)
    z1 = x @ W1 + b1      (3)     h = ReLU(z1)
    y  = h @ W2 + b2      (4)     L = sum((y - t)^2)

W1 is 4x3 (row i: what pixel i sends to each hidden unit) and W2 is 3x4, so that dL/dW1 = outer(x, dL/dz1)
has a zero ROW for every pixel that is 0 and a zero COLUMN for every dead hidden unit, and
dL/dW2 = outer(h, dL/dy) has a zero row for every dead hidden unit. The task (as cr.datasets.diagonal_flip):
the target is the image flipped along its main diagonal, [a b; c d] -> [a c; b d]. Documented in
docs/playgrounds.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import chainrule as cr
from chainrule.web.playgrounds.common import PlaygroundError, bits, f, integer, number

W1 = np.array([[0.5, -0.4, 0.3],
               [-0.3, 0.6, -0.5],
               [0.4, -0.2, -0.6],
               [-0.5, 0.3, 0.4]])
B1 = np.array([0.15, -0.05, -0.05])
W2 = np.array([[0.2, -0.3, 0.4, 0.1],
               [-0.5, 0.2, 0.1, 0.3],
               [0.3, 0.4, -0.2, -0.1]])
B2 = np.array([0.1, 0.0, 0.0, -0.1])

DEFAULT_X = [1, 1, 0, 0]  # the top row (its flip is the left column)
MAX_STEPS = 2000
SOLVED_LOSS = 1e-3


def transpose(x: list[int]) -> list[int]:
    """A 2x2 image flipped along its main diagonal: [a b; c d] -> [a c; b d]."""
    return [x[0], x[2], x[1], x[3]]


def _pass(params: dict[str, np.ndarray], x: np.ndarray, t: np.ndarray, observe: bool) -> dict[str, Any]:
    """One forward and backward pass with the engine; returns the tensors and the observed relu step."""
    w1 = cr.tensor(params["W1"], dtype=cr.float64, requires_grad=True, name="W1")
    b1 = cr.tensor(params["b1"], dtype=cr.float64, requires_grad=True, name="b1")
    w2 = cr.tensor(params["W2"], dtype=cr.float64, requires_grad=True, name="W2")
    b2 = cr.tensor(params["b2"], dtype=cr.float64, requires_grad=True, name="b2")
    xt = cr.tensor(x, dtype=cr.float64, name="x")
    z1 = xt @ w1 + b1
    h = cr.relu(z1)
    y = h @ w2 + b2
    loss = ((y - cr.tensor(t, dtype=cr.float64)) ** 2).sum()
    relu_local = None
    if observe:
        for v in (z1, h, y):
            v.retain_grad()
        with cr.autograd.observe() as steps:
            loss.backward()
        relu_local = next(s.local[0] for s in steps if s.op_name == "relu")
    else:
        loss.backward()
    return {"W1": w1, "b1": b1, "W2": w2, "b2": b2, "z1": z1, "h": h, "y": y, "loss": loss,
            "relu_local": relu_local}


def _sgd(params: dict[str, np.ndarray], r: dict[str, Any], lr: float) -> dict[str, np.ndarray]:
    with cr.no_grad():
        return {k: (r[k] - lr * r[k].grad).numpy().copy() for k in ("W1", "b1", "W2", "b2")}


def _mat(a: Any) -> list:
    arr = np.asarray(a.detach().numpy() if isinstance(a, cr.Tensor) else a, dtype=np.float64) + 0.0
    return arr.tolist()


def compute(params: dict[str, Any]) -> dict[str, Any]:
    """State after `steps` SGD updates (from the fixed weights) on one example, or after training
    until solved (`train: true`), with every pre-activation, activation and gradient of the last state."""
    x = bits(params, "x", 4, DEFAULT_X)
    default_t = transpose(x)
    t = bits(params, "t", 4, default_t)
    lr = number(params, "lr", 0.001, 1.0, 0.1)
    steps = integer(params, "steps", 0, MAX_STEPS, 0)
    train = params.get("train", False) if isinstance(params, dict) else False
    if not isinstance(train, bool):
        raise PlaygroundError("train must be true or false")
    xs, ts = np.array(x, dtype=np.float64), np.array(t, dtype=np.float64)
    state = {"W1": W1.copy(), "b1": B1.copy(), "W2": W2.copy(), "b2": B2.copy()}
    curve: list[float] = []
    k = 0
    while True:
        r = _pass(state, xs, ts, observe=False)
        loss = f(r["loss"])
        curve.append(loss)
        if not np.isfinite(loss):
            raise PlaygroundError("the loss diverged: lower the learning rate")
        if (k >= steps and not train) or (train and (loss < SOLVED_LOSS or k >= MAX_STEPS)):
            break
        state = _sgd(state, r, lr)
        k += 1
    r = _pass(state, xs, ts, observe=True)
    gate = np.asarray(r["relu_local"], dtype=np.float64)
    dead = [int(j) for j in np.flatnonzero(gate == 0)]
    gw1 = r["W1"].grad.numpy()
    gw2 = r["W2"].grad.numpy()
    return {
        "inputs": {"x": x, "t": t, "lr": lr, "steps": k, "train": train},
        "params": {"W1": _mat(r["W1"]), "b1": _mat(r["b1"]), "W2": _mat(r["W2"]), "b2": _mat(r["b2"])},
        "forward": {"z1": _mat(r["z1"]), "h": _mat(r["h"]), "y": _mat(r["y"]), "loss": f(r["loss"])},
        "grads": {"y": _mat(r["y"].grad), "h": _mat(r["h"].grad), "z1": _mat(r["z1"].grad),
                  "W1": _mat(gw1), "b1": _mat(r["b1"].grad), "W2": _mat(gw2), "b2": _mat(r["b2"].grad)},
        "relu_local": _mat(gate),
        "dead": dead,
        "zero_rows": {"W1": [int(i) for i in np.flatnonzero(~gw1.any(axis=1))],
                      "W2": [int(i) for i in np.flatnonzero(~gw2.any(axis=1))]},
        "zero_cols": {"W1": [int(j) for j in np.flatnonzero(~gw1.any(axis=0))]},
        "curve": curve,
        "solved": bool(f(r["loss"]) < SOLVED_LOSS),
        "flipped": default_t,
    }
