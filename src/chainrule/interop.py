"""Moving tensors and state dicts between chainrule and PyTorch. torch is imported only when called.

`cr.nn` modules use PyTorch's parameter names and layouts (Linear weight is (out, in), Conv2d weight
(out, in, kh, kw), BatchNorm buffers included), so

    torch_model.load_state_dict(cr.interop.to_torch(model.state_dict()))
    model.load_state_dict(cr.interop.from_torch(torch_model.state_dict()))

move a trained model across. Values are copied, never shared.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor, wrap

__all__ = ["from_torch", "to_torch"]


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError("cr.interop needs PyTorch: pip install torch") from None
    return torch


def to_torch(obj: Any) -> Any:
    """A chainrule tensor (or a dict/list/tuple of them, such as a state dict) as torch tensors."""
    torch = _torch()
    if isinstance(obj, Tensor):
        t = torch.from_numpy(np.array(obj.array, copy=True))
        return t.requires_grad_(True) if obj.requires_grad and obj.grad_fn is None else t
    return _map(obj, to_torch)


def from_torch(obj: Any) -> Any:
    """A torch tensor (or a dict/list/tuple of them, such as a state dict) as chainrule tensors."""
    torch = _torch()
    if isinstance(obj, torch.Tensor):
        data = obj.detach().cpu()
        if data.dtype == torch.bfloat16:
            data = data.float()
        arr = np.array(data.numpy(), copy=True)
        return wrap(arr[()] if arr.ndim == 0 else arr, None, bool(obj.requires_grad and obj.is_leaf))
    return _map(obj, from_torch)


def _map(obj: Any, fn: Any) -> Any:
    if isinstance(obj, OrderedDict):
        return OrderedDict((k, fn(v)) for k, v in obj.items())
    if isinstance(obj, dict):
        return {k: fn(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [fn(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(fn(v) for v in obj)
    return obj
