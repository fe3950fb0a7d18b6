"""`parameters_to_vector` / `vector_to_parameters`, as `torch.nn.utils`."""

from __future__ import annotations

from collections.abc import Iterable

from chainrule.engine.tensor import Tensor


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All the parameters flattened and concatenated into one vector (recorded: gradients flow back)."""
    from chainrule.ops.joins import cat

    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of `vec` into the parameters' `.data`; as in PyTorch each parameter then
    shares `vec`'s memory (outside the graph)."""
    if not isinstance(vec, Tensor):
        kind = type(vec)
        name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
        raise TypeError(f"expected torch.Tensor, but got: {name}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n
