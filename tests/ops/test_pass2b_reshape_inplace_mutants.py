"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in ops, against PyTorch."""

import torch

import chainrule as cr


def test_unsqueeze_in_place_is_not_a_write_into_the_memory():
    # ops/inplace.py:164 `self._bump_version(storage_written=False)`: unsqueeze_/squeeze_ change only the shape, so
    # a tensor sharing the memory (from_numpy of it) and saved by another op is still valid for backward
    for op, args in (("unsqueeze_", (0,)), ("squeeze_", ())):
        results = []
        for m in (torch, cr):
            y = m.tensor([[1.0, 2.0]]) * 1.0 if op == "squeeze_" else m.tensor([1.0, 2.0]) * 1.0
            a = m.from_numpy(y.numpy())
            w = m.tensor([3.0, 4.0], requires_grad=True)
            p = a * w
            getattr(y, op)(*args)
            p.sum().backward()
            results.append((w.grad.tolist(), tuple(y.shape), y._version))
        assert results[1] == results[0]
