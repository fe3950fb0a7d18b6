"""Helpers shared by the optimizers: raw-array access to a parameter, its gradient and its state."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, wrap


def params_with_grad(group: dict[str, Any]) -> list[tuple[Tensor, np.ndarray]]:
    """(parameter, gradient array) for each parameter of the group that has a gradient."""
    out = []
    for p in group["params"]:
        if p.grad is not None:
            g = p.grad.array
            out.append((p, -g if group.get("maximize") else g))
    return out


def buffer(state: dict[str, Any], name: str, like: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """The state array `name`, created filled with `fill` on first use."""
    t = state.get(name)
    if t is None:
        t = state[name] = wrap(np.full(like.shape, fill, like.dtype))
    return t.array


def next_step(state: dict[str, Any]) -> float:
    """Increment and return the step count (kept as a float32 tensor, as PyTorch)."""
    t = state.get("step")
    value = 1.0 if t is None else float(t.array) + 1.0
    state["step"] = wrap(np.float32(value))
    return value


def write(p: Tensor, values: np.ndarray) -> None:
    """Update a parameter in place, outside the graph (aliases such as state_dict values follow)."""
    data = p.array
    if type(data) is np.ndarray:  # write into the memory (0-d too): aliases such as p.numpy() follow
        np.copyto(data, values, casting="unsafe")
    else:
        p._data = np.asarray(values, dtype=data.dtype)
    p._bump_version()


def descend(p: Tensor, step: np.ndarray, lr: float) -> None:
    """p -= lr * step in place, outside the graph (PyTorch's param.add_(step, alpha=-lr))."""
    data = p.array
    if type(data) is np.ndarray and data.dtype == step.dtype:
        data -= lr * step
        p._bump_version()
    else:
        write(p, data - lr * step)


def lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """PyTorch's lerp: start + weight * (end - start), from the nearer end."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def decay_weights(data: np.ndarray, g: np.ndarray, lr: float, wd: float, decoupled: bool) -> tuple[Any, Any]:
    """(parameter values, gradient) after weight decay: decoupled shrinks the values by lr * wd (AdamW,
    NAdamW, decoupled RAdam); otherwise wd * p is added to the gradient (L2)."""
    if wd == 0:
        return data, g
    if decoupled:
        return data * (1 - lr * wd), g
    return data, g + wd * data


def update_moments(m: np.ndarray, v: np.ndarray, g: np.ndarray, beta1: float, beta2: float) -> None:
    """Adam's running moments, in place: m = lerp(m, g, 1 - beta1); v = beta2 v + (1 - beta2) g^2."""
    m[...] = lerp(m, g, 1 - beta1)
    v[...] = v * beta2 + (1 - beta2) * (g * g)


def adam_moments(p: Tensor, g: np.ndarray, state: dict[str, Any], lr: float, weight_decay: float,
                 decoupled: bool, betas: tuple[float, float]) -> tuple[float, np.ndarray, np.ndarray, np.ndarray,
                                                                       np.ndarray]:
    """The start of every Adam-family step (Adam, AdamW, NAdam, RAdam): count the step, apply weight decay
    (decoupled or L2), update the running moments in place. Returns (step, the parameter's values after a
    decoupled decay, the gradient after an L2 decay, exp_avg m, exp_avg_sq v). State keys, in PyTorch's
    order: step, exp_avg, exp_avg_sq."""
    step = next_step(state)
    m = buffer(state, "exp_avg", p.array)
    v = buffer(state, "exp_avg_sq", p.array)
    data, g = decay_weights(p.array, g, lr, weight_decay, decoupled)
    update_moments(m, v, g, betas[0], betas[1])
    return step, data, g, m, v
