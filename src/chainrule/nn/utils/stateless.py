"""Calling a module with other tensors in place of its parameters and buffers (`torch.func.functional_call`,
also PyTorch's `torch.nn.utils.stateless.functional_call`), the way per-sample gradients and model
ensembles are written with `vmap(grad(...))`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from chainrule.engine.tensor import Tensor
from chainrule.nn.modules.module import Module

__all__ = ["functional_call"]


def _merge(dicts: Mapping[str, Any] | tuple | list) -> dict[str, Any]:
    if isinstance(dicts, Mapping):
        return dict(dicts)
    merged: dict[str, Any] = {}
    repeated = sorted({k for d in dicts for k in d if sum(k in e for e in dicts) > 1})
    if repeated:
        raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
    for d in dicts:
        merged.update(d)
    return merged


@contextlib.contextmanager
def _reparametrized(module: Module, tensors: dict[str, Any], strict: bool) -> Iterator[None]:
    """Put `tensors` in place of the named parameters and buffers; put the originals back afterwards."""
    if strict:
        own = [n for n, _ in module.named_parameters()] + [n for n, _ in module.named_buffers()]
        missing = [n for n in own if n not in tensors]
        unexpected = [n for n in tensors if n not in own]
        if missing or unexpected:
            parts = ([f"\tUnexpected key(s): {', '.join(repr(n) for n in unexpected)}."] if unexpected else []) + \
                    ([f"\tMissing key(s): {', '.join(repr(n) for n in missing)}."] if missing else [])
            raise RuntimeError(f"Error(s) in reparametrizing for {module._get_name()}:\n" + "\n".join(parts))
    saved: list[tuple[Module, str, str, Any]] = []
    try:
        for name, value in tensors.items():
            if not isinstance(value, Tensor):
                raise TypeError(f"functional_call: '{name}' must be a Tensor, got {type(value).__name__}")
            path, _, attr = name.rpartition(".")
            owner = module.get_submodule(path)
            table = next((t for t in ("_parameters", "_buffers") if attr in owner.__dict__[t]), None)
            if table is None:  # PyTorch (strict=False) lets an unknown name through for the call only
                saved.append((owner, "", attr, owner.__dict__.get(attr, _ABSENT)))
                owner.__dict__[attr] = value
                continue
            saved.append((owner, table, attr, owner.__dict__[table][attr]))
            owner.__dict__[table][attr] = owner.__dict__[attr] = value
        yield
    finally:
        for owner, table, attr, original in reversed(saved):
            if table:
                owner.__dict__[table][attr] = original
            if original is _ABSENT:
                owner.__dict__.pop(attr, None)
            else:
                owner.__dict__[attr] = original


_ABSENT = object()


def functional_call(module: Module, parameter_and_buffer_dicts: Mapping[str, Any] | tuple | list, args: Any = None,
                    kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True, strict: bool = False) -> Any:
    """Call `module(*args, **kwargs)` with the given tensors (by fully qualified name, such as "0.weight") in
    place of its parameters and buffers; names left out keep the module's own (unless `strict`). The module is
    unchanged afterwards. `tie_weights` is accepted (a shared parameter is one entry either way)."""
    tensors = _merge(parameter_and_buffer_dicts)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _reparametrized(module, tensors, strict):
        return module(*args, **(kwargs or {}))
