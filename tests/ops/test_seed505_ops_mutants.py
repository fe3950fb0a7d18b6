"""Tests that kill survivors of the seed-505 mutation sample (docs/testing.md), against PyTorch."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


def _message(fn) -> str:  # noqa: ANN001
    with pytest.raises(TypeError) as info:
        fn()
    return str(info.value)


def test_scatter_without_src_or_value_names_both() -> None:
    # ops/scatter.py:190: without the first check, a later one still raised TypeError, but about `value` only
    # ("argument 'value' must be Number, not NoneType"); PyTorch's message offers src and value
    tx, ti = torch.zeros(3), torch.tensor([0, 1])
    x, i = cr.zeros(3), cr.tensor([0, 1])
    for lib_message in (_message(lambda: torch.scatter(tx, 0, ti)), _message(lambda: tx.scatter(0, ti)),
                        _message(lambda: cr.scatter(x, 0, i)), _message(lambda: x.scatter(0, i))):
        assert lib_message.startswith("scatter()")
        assert "src" in lib_message and "value" in lib_message
        assert "NoneType" not in lib_message
