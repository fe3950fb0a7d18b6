"""Tests for survivors of the first exhaustive mutation pass (scripts/mutate.py --all) in engine, against PyTorch
(the repr of summarized tensors)."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import chainrule as cr


def _squeezed(text: str) -> str:
    # without whitespace: PyTorch writes the elided columns as ",  ..., " (two spaces), chainrule as NumPy does (one
    # space), which also moves some line breaks; the numbers and their format are what is compared
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize(("shape", "where", "value"), [
    ((2000,), (20,), 1e10),  # hidden: 1-D, the 21st element
    ((2000,), (31,), 1e10),  # hidden: 1-D, the 32nd element
    ((2000,), (-32,), 1.5),  # hidden: a fraction in the hidden middle keeps whole numbers whole
    ((100, 100), (1, 0), 1e10),  # shown: row 1 (past the first 30 elements in memory)
    ((100, 100), (0, 10), 1.5),  # hidden: column 10 of row 0
    ((20, 20, 20), (19, 1, 18), 1e-7),  # shown: the last block's second row
])
def test_summarized_repr_formats_from_the_printed_elements_only(shape: tuple, where: tuple, value: float) -> None:
    # engine/formatting.py:61 (`_edges`): the number format of a tensor too large to print in full is chosen from
    # the elements it prints, per dimension its first and last 3, as PyTorch's get_summarized_data
    a = np.ones(shape, np.float32)
    a[where] = value
    assert _squeezed(repr(cr.tensor(a))) == _squeezed(repr(torch.tensor(a)))
