"""A deep chain of layers: per-layer gradient magnitudes vanish or explode with depth and weight scale.

    h_0 = x (WIDTH values, fixed seed);  z_k = h_{k-1} @ W_k,  h_k = act(z_k),  W_k = scale * N(0, 1) / sqrt(WIDTH)
    L = sum(h_depth)      (so the gradient starts from the same vector of ones at every depth)

For each layer the engine's gradients give ||dL/dz_k|| (the backward signal delta arriving at layer k)
and ||dL/dW_k||. Each step back multiplies delta by act'(z_k) and W_k^T: below 1 on average it vanishes,
above 1 it explodes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.creation import tensor
from chainrule.dtypes import float64
from chainrule.ops import functions as F
from chainrule.playgrounds.common import as_float, choice, integer, number

WIDTH = 16
SEED = 0
MAX_DEPTH = 60
ACTIVATIONS: dict[str, Any] = {
    "relu": F.relu,
    "tanh": F.tanh,
    "sigmoid": F.sigmoid,
    "linear": lambda h: h,
}


def compute(params: dict[str, Any]) -> dict[str, Any]:
    depth = integer(params, "depth", 1, MAX_DEPTH, 10)
    activation = choice(params, "activation", tuple(ACTIVATIONS), "tanh")
    scale = number(params, "scale", 0.05, 4.0, 1.0)
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal(WIDTH)
    raw = [rng.standard_normal((WIDTH, WIDTH)) / np.sqrt(WIDTH) for _ in range(MAX_DEPTH)]
    act = ACTIVATIONS[activation]
    weights = [tensor(scale * raw[k], dtype=float64, requires_grad=True, name=f"W{k + 1}")
               for k in range(depth)]
    h = tensor(x, dtype=float64, name="x")
    zs, hs = [], []
    with np.errstate(all="ignore"):
        for w in weights:
            z = h @ w
            z.retain_grad()
            h = act(z)
            zs.append(z)
            hs.append(h)
        loss = h.sum()
        loss.backward()
    layers = []
    for k, (w, z, hk) in enumerate(zip(weights, zs, hs)):
        layers.append({
            "layer": k + 1,
            "delta_norm": _finite(np.linalg.norm(z.grad.numpy())),
            "grad_norm": _finite(np.linalg.norm(w.grad.numpy())),
            "weight_norm": _finite(np.linalg.norm(w.detach().numpy())),
            "act_norm": _finite(np.linalg.norm(hk.detach().numpy())),
        })
    first, last = layers[0]["delta_norm"], layers[-1]["delta_norm"]
    ratio = first / last if first is not None and last not in (None, 0.0) else None
    return {
        "inputs": {"depth": depth, "activation": activation, "scale": scale},
        "width": WIDTH,
        "loss": _finite(as_float(loss)),
        "layers": layers,
        "ratio": ratio,
        "verdict": _verdict(ratio, first),
    }


def _finite(v: float) -> float | None:
    v = float(v)
    return v if np.isfinite(v) else None


def _verdict(ratio: float | None, first: float | None) -> str:
    if first is None:
        return "overflow: the gradient is not finite"
    if ratio is None:
        return "dead: no gradient reaches back from the last layer"
    if ratio < 1e-2:
        return "vanishing: the gradient reaching layer 1 is over 100x smaller than at the last layer"
    if ratio > 1e2:
        return "exploding: the gradient reaching layer 1 is over 100x larger than at the last layer"
    return "stable: the gradient keeps roughly its size through the layers"
