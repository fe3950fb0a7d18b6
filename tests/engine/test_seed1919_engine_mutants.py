"""Tests that kill survivors of the seed-1919 mutation sample (docs/testing.md)."""

from __future__ import annotations

import pytest
import torch

import chainrule as cr


@pytest.mark.parametrize("text,index", [("cpu:10", 10), ("cpu:12", 12), ("cpu:0", 0), ("cpu:7", 7)])
def test_a_device_string_with_an_index_of_several_digits_is_read(text: str, index: int) -> None:
    """`device("cpu:10")` is the CPU with index 10, as `torch.device("cpu:10")` (seed-1919 survivor
    engine/device.py:48, `idx[0] == "0"` -> `!=`: every index of two or more digits not starting with 0 was then
    refused as an invalid device string)."""
    assert torch.device(text).index == index
    d = cr.device(text)
    assert (d.type, d.index, str(d)) == ("cpu", index, text)


@pytest.mark.parametrize("text", ["cpu:01", "cpu:00", "cpu:007"])
def test_a_device_index_with_a_leading_zero_is_refused(text: str) -> None:
    """An index of several digits that starts with 0 is refused, with PyTorch's message (the other side of the
    seed-1919 survivor engine/device.py:48)."""
    with pytest.raises(RuntimeError, match="Invalid device string"):
        torch.device(text)
    with pytest.raises(RuntimeError, match=f"Invalid device string: '{text}'"):
        cr.device(text)
