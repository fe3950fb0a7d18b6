"""`Optimizer`: parameter groups, per-parameter state, `zero_grad`, `state_dict`/`load_state_dict` in
PyTorch's layout (state keyed by the parameter's index across groups)."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, wrap
from chainrule.optim import observe as _observe
from chainrule.optim._update import params_with_grad

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]
"""What an optimizer takes: tensors (`model.parameters()`), or parameter groups, dicts with a "params" entry
and per-group options (PyTorch's `ParamsT`)."""

Closure = Callable[[], Any]
"""`step(closure)`'s argument: re-evaluates the model and returns the loss (usually a Tensor)."""


def check_lr(lr: float | Tensor, name: str = "lr") -> float:
    """A learning rate must be a non-negative number: refuse NaN and negatives at construction."""
    value = float(lr.item() if isinstance(lr, Tensor) else lr)
    if math.isnan(value) or value < 0.0:
        raise ValueError(f"Invalid learning rate: {name}={lr!r} (it must be a non-negative number)")
    return value


def check_range(value: float, name: str, low: float = 0.0, high: float = math.inf, high_open: bool = False) -> None:
    ok = low <= value < high if high_open else low <= value <= high
    if not ok or math.isnan(value):
        raise ValueError(f"Invalid {name} value: {value}")


class Optimizer:
    """Base class: subclasses implement `step()` over `self.param_groups` using `self.state[p]`."""

    _scalar_state: tuple[str, ...] = ("step",)  # 0-d float32 state tensors (not shaped like the parameter)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass's own `step` is wrapped once, at class definition, so that `optim.observe` sees it."""
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and not getattr(step, "__observed__", False):
            cls.step = _observe.observed_step(step)

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if p.grad_fn is not None:
                raise ValueError("can't optimize a non-leaf Tensor")
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        if "lr" in param_group:
            check_lr(group["lr"])
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear `.grad` of every parameter: drop it (set_to_none, the default) or fill it with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._data = np.zeros_like(p.grad.array)
        if _observe.active():
            _observe.publish(_observe.OptimizerCall("zero_grad", "post", self, bool(set_to_none)))

    def step(self, closure: Closure | None = None) -> Any:
        raise NotImplementedError

    def _state(self, p: Tensor) -> dict[str, Any]:
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {}
        return state

    # ----------------------------------------------------------------- (de)serialization
    def state_dict(self) -> dict[str, Any]:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}, as PyTorch."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: {k: _copy(v) for k, v in s.items()} for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(groups)} parameter groups, this optimizer has "
                             f"{len(self.param_groups)}")
        params = []
        for saved, own in zip(groups, self.param_groups):
            if len(saved["params"]) != len(own["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 f"the optimizer's group ({len(saved['params'])} vs {len(own['params'])} parameters)")
            params.extend(zip(saved["params"], own["params"]))
        saved_state = {int(k): v for k, v in state_dict["state"].items()}
        self.state = {}
        for idx, p in params:
            if idx in saved_state:
                entry = {}
                for k, v in saved_state[idx].items():
                    scalar = k in self._scalar_state
                    if isinstance(v, Tensor) and v.shape != p.shape and not scalar:
                        raise ValueError(f"optimizer state '{k}' for parameter {idx} has shape {tuple(v.shape)}, the "
                                         f"parameter has shape {tuple(p.shape)}")
                    entry[k] = _copy(v, None if scalar else p.array.dtype)
                self.state[p] = entry
        for saved, own in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    own[k] = tuple(v) if isinstance(v, list) and isinstance(self.defaults.get(k), tuple) else v

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        return "\n".join(lines) + "\n)"


class ParameterwiseOptimizer(Optimizer):
    """An optimizer whose step updates each parameter on its own, from its gradient and its state (all of
    chainrule's but LBFGS, as PyTorch's single-tensor implementations): `step()` evaluates the closure, then
    calls `_update_parameter` for each parameter that has a gradient, group by group."""

    def step(self, closure: Closure | None = None) -> Any:
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            for p, g in params_with_grad(group):
                self._update_parameter(p, g, group)
        return loss

    def _update_parameter(self, p: Tensor, g: np.ndarray, group: dict[str, Any]) -> None:
        """Update `p` in place (outside the graph) from its gradient `g` (negated when the group maximizes),
        its state `self._state(p)` (created on first use, as PyTorch's) and its `group`'s options."""
        raise NotImplementedError


def _copy(v: Any, dtype: np.dtype | None = None) -> Any:
    if isinstance(v, Tensor):
        data = np.array(v.array, copy=True)
        if dtype is not None and data.dtype != dtype:
            data = data.astype(dtype)
        return wrap(data)
    return copy.deepcopy(v)


def check_adam_args(lr: float, eps: float, betas: tuple[float, float], weight_decay: float) -> None:
    """The constructor checks every Adam-family optimizer shares, with PyTorch's messages."""
    check_lr(lr)
    check_range(eps, "epsilon")
    check_range(betas[0], "beta parameter at index 0", high=1.0, high_open=True)
    check_range(betas[1], "beta parameter at index 1", high=1.0, high_open=True)
    check_range(weight_decay, "weight_decay")
