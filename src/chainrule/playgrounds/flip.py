"""The 4 -> 3 -> 4 diagonal-flip network on 2x2 images, with fixed documented weights (and its 4 -> 4 -> 4 twin).

    x (4 pixels, row-major: top-left, top-right, bottom-left, bottom-right)
    z1 = x @ W1 + b1      (3)     h = ReLU(z1)
    y  = h @ W2 + b2      (4)     L = sum((y - t)^2)

W1 is 4x3 (row i: what pixel i sends to each hidden unit) and W2 is 3x4, so that dL/dW1 = outer(x, dL/dz1)
has a zero ROW for every pixel that is 0 and a zero COLUMN for every dead hidden unit, and
dL/dW2 = outer(h, dL/dy) has a zero row for every dead hidden unit. The task (as cr.datasets.diagonal_flip):
the target is the image flipped along its main diagonal, [a b; c d] -> [a c; b d]. Documented in
docs/playgrounds.md.

"Train until solved" trains on the whole task (all 16 images, full-batch gradient descent) until every output
pixel is on the right side of 0.5 ("zero error"). The 4 -> 3 -> 4 network cannot get there, and the answer says
why: output pixel k is on when h lies on one side of the plane h . W2[:, k] + b2[k] = 0.5 in the 3-D space of the
hidden layer; four planes cut 3-D space into at most 1 + 4 + 6 + 4 = 15 regions, and the 16 images need 16
different outputs. With `hidden: 4` (the chapter's weights plus a fourth hidden unit, HIDDEN4) four planes in
4-D space can make the 16 regions, and training reaches zero error.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from chainrule import autograd
from chainrule.creation import tensor
from chainrule.datasets import diagonal_flip
from chainrule.dtypes import float64
from chainrule.engine.grad_mode import no_grad
from chainrule.engine.tensor import Tensor
from chainrule.ops import functions as F
from chainrule.playgrounds.common import PlaygroundError, as_float, bits, integer, number

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
MAX_STEPS = 2000  # single-example SGD updates a request may replay
MAX_EPOCHS = 4000  # full-batch updates on the 16 images before "Train until solved" gives up
PLATEAU_EPOCHS = 400  # ... or stops early when the task loss fell by less than PLATEAU_GAIN over this many epochs
PLATEAU_GAIN = 1e-4
SOLVED_MARGIN = 0.25  # training stops once every output pixel is this close to its target (zero error, with a margin)
# The fourth hidden unit of the 4 -> 4 -> 4 network: its column of W1 and b1, its row of W2.
W1_UNIT4 = np.array([0.2, -0.3, 0.5, -0.4])
B1_UNIT4 = 0.05
W2_UNIT4 = np.array([0.1, -0.2, 0.3, -0.1])

WHY_NOT_SOLVED = ("A 4 \u2192 3 \u2192 4 network cannot reach zero error on all 16 images: output pixel k is on "
                  "when the hidden vector h lies on one side of a plane (h \u00b7 W\u2082[:, k] + b\u2082[k] = 0.5), "
                  "and four planes cut the 3-D space of a 3-unit hidden layer into at most 1 + 4 + 6 + 4 = 15 "
                  "regions, but the 16 images need 16 different outputs. A hidden layer of 4 units can make "
                  "the 16 regions: try the 4 \u2192 4 \u2192 4 network.")

WHY_STUCK = ("Training stopped without reaching zero error: the loss stopped falling (hidden units died, or the "
             "steps overshoot). Lower the learning rate and train again.")


def transpose(x: list[int]) -> list[int]:
    """A 2x2 image flipped along its main diagonal: [a b; c d] -> [a c; b d]."""
    return [x[0], x[2], x[1], x[3]]


def initial_weights(hidden: int = 3) -> dict[str, np.ndarray]:
    """The documented starting weights: the chapter's 4 -> 3 -> 4 ones, or those plus a fourth hidden unit."""
    if hidden == 3:
        return {"W1": W1.copy(), "b1": B1.copy(), "W2": W2.copy(), "b2": B2.copy()}
    return {"W1": np.column_stack([W1, W1_UNIT4]), "b1": np.append(B1, B1_UNIT4),
            "W2": np.vstack([W2, W2_UNIT4]), "b2": B2.copy()}


def _forward_backward(weights: dict[str, np.ndarray], x: np.ndarray, t: np.ndarray,
                      observe: bool = False) -> dict[str, Any]:
    """One forward and backward pass with the engine (x and t: one image, or a batch whose loss is the mean
    over images); returns the tensors and, when observing, the ReLU derivative the engine applied."""
    w1 = tensor(weights["W1"], dtype=float64, requires_grad=True, name="W1")
    b1 = tensor(weights["b1"], dtype=float64, requires_grad=True, name="b1")
    w2 = tensor(weights["W2"], dtype=float64, requires_grad=True, name="W2")
    b2 = tensor(weights["b2"], dtype=float64, requires_grad=True, name="b2")
    xt = tensor(x, dtype=float64, name="x")
    z1 = xt @ w1 + b1
    h = F.relu(z1)
    y = h @ w2 + b2
    loss = ((y - tensor(t, dtype=float64)) ** 2).sum()
    if x.ndim == 2:
        loss = loss / x.shape[0]
    relu_local = None
    if observe:
        for v in (z1, h, y):
            v.retain_grad()
        with autograd.observe() as steps:
            loss.backward()
        relu_local = next(s.local[0] for s in steps if s.op_name == "relu")
    else:
        loss.backward()
    return {"W1": w1, "b1": b1, "W2": w2, "b2": b2, "z1": z1, "h": h, "y": y, "loss": loss,
            "relu_local": relu_local}


def _sgd(run: dict[str, Any], lr: float) -> dict[str, np.ndarray]:
    with no_grad():
        return {k: (run[k] - lr * run[k].grad).numpy().copy() for k in ("W1", "b1", "W2", "b2")}


def _as_list(a: Any) -> list:
    arr = np.asarray(a.detach().numpy() if isinstance(a, Tensor) else a, dtype=np.float64) + 0.0
    return arr.tolist()


def _bits(row: Any) -> str:
    return "".join(str(int(v)) for v in row)


@functools.lru_cache(maxsize=16)
def train_task(hidden: int = 3, lr: float = 0.1) -> dict[str, Any]:
    """Full-batch gradient descent on all 16 images (cr.datasets.diagonal_flip) from the documented weights,
    until every output pixel is within SOLVED_MARGIN of its target (so every image is right: zero error), or the
    loss stops falling, or MAX_EPOCHS. An image is wrong while one of its output pixels is 0.5 or more off. Returns
    the weights, the loss per epoch, and the images still wrong (their input bits). Cached: it is the same
    computation for every example shown."""
    inputs, targets = diagonal_flip()
    x = inputs.numpy().astype(np.float64)
    t = targets.numpy().astype(np.float64)
    weights = initial_weights(hidden)
    curve: list[float] = []
    epoch = 0
    while True:
        run = _forward_backward(weights, x, t)
        loss = as_float(run["loss"])
        curve.append(loss)
        error = np.abs(run["y"].detach().numpy() - t)
        wrong = [_bits(x[i]) for i in np.flatnonzero((error >= 0.5).any(axis=1))]
        plateau = (len(curve) > PLATEAU_EPOCHS
                   and curve[-PLATEAU_EPOCHS - 1] - loss < PLATEAU_GAIN * max(curve[-PLATEAU_EPOCHS - 1], 1e-12))
        if not np.isfinite(loss) or error.max() < SOLVED_MARGIN or plateau or epoch >= MAX_EPOCHS:
            break
        weights = _sgd(run, lr)
        epoch += 1
    if not np.isfinite(loss):
        raise PlaygroundError("training diverged: lower the learning rate")
    return {"weights": weights, "epochs": epoch, "curve": curve, "wrong": wrong, "solved": not wrong,
            "loss": loss}


def compute(params: dict[str, Any]) -> dict[str, Any]:
    """The network (hidden = 3: the chapter's 4 -> 3 -> 4, or 4) on one example: its fixed documented weights, or
    (`train: true`) the weights after training on all 16 images; then `steps` SGD updates on the example. Every
    pre-activation, activation and gradient of the final state, read from the engine."""
    x = bits(params, "x", 4, DEFAULT_X)
    default_t = transpose(x)
    t = bits(params, "t", 4, default_t)
    lr = number(params, "lr", 0.001, 1.0, 0.1)
    steps = integer(params, "steps", 0, MAX_STEPS, 0)
    hidden = integer(params, "hidden", 3, 4, 3)
    train = params.get("train", False) if isinstance(params, dict) else False
    if not isinstance(train, bool):
        raise PlaygroundError("train must be true or false")
    xs, ts = np.array(x, dtype=np.float64), np.array(t, dtype=np.float64)
    task = None
    if train:
        trained = train_task(hidden, lr)
        weights = {k: v.copy() for k, v in trained["weights"].items()}
        task = {"epochs": trained["epochs"], "curve": trained["curve"], "wrong": trained["wrong"],
                "errors": len(trained["wrong"]), "solved": trained["solved"], "loss": trained["loss"],
                "why": None if trained["solved"] else WHY_NOT_SOLVED if hidden == 3 else WHY_STUCK,
                "regions": _max_regions(planes=4, dims=hidden), "patterns": 16}
    else:
        weights = initial_weights(hidden)
    curve: list[float] = []
    for k in range(steps + 1):
        run = _forward_backward(weights, xs, ts)
        loss = as_float(run["loss"])
        curve.append(loss)
        if not np.isfinite(loss):
            raise PlaygroundError("the loss diverged: lower the learning rate")
        if k < steps:
            weights = _sgd(run, lr)
    run = _forward_backward(weights, xs, ts, observe=True)
    gate = np.asarray(run["relu_local"], dtype=np.float64)
    dead = [int(j) for j in np.flatnonzero(gate == 0)]
    gw1 = run["W1"].grad.numpy()
    gw2 = run["W2"].grad.numpy()
    y = run["y"].detach().numpy()
    return {
        "inputs": {"x": x, "t": t, "lr": lr, "steps": steps, "train": train, "hidden": hidden},
        "params": {"W1": _as_list(run["W1"]), "b1": _as_list(run["b1"]), "W2": _as_list(run["W2"]),
                   "b2": _as_list(run["b2"])},
        "forward": {"z1": _as_list(run["z1"]), "h": _as_list(run["h"]), "y": _as_list(run["y"]),
                    "loss": as_float(run["loss"])},
        "grads": {"y": _as_list(run["y"].grad), "h": _as_list(run["h"].grad), "z1": _as_list(run["z1"].grad),
                  "W1": _as_list(gw1), "b1": _as_list(run["b1"].grad), "W2": _as_list(gw2),
                  "b2": _as_list(run["b2"].grad)},
        "relu_local": _as_list(gate),
        "dead": dead,
        "zero_rows": {"W1": [int(i) for i in np.flatnonzero(~gw1.any(axis=1))],
                      "W2": [int(i) for i in np.flatnonzero(~gw2.any(axis=1))]},
        "zero_cols": {"W1": [int(j) for j in np.flatnonzero(~gw1.any(axis=0))]},
        "curve": curve,
        "output_bits": [int(v > 0.5) for v in y],
        "solved": bool(np.all(np.abs(y - ts) < 0.5)),
        "task": task,
        "flipped": default_t,
    }


def _max_regions(planes: int, dims: int) -> int:
    """The most regions `planes` planes (hyperplanes) can cut `dims`-dimensional space into."""
    return sum(math.comb(planes, i) for i in range(min(planes, dims) + 1))
