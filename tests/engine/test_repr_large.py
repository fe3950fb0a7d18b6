"""The repr of tensors too large to print in full: summarized with '...' like PyTorch, edges exact."""

from __future__ import annotations

import chainrule as cr


def test_large_tensor_repr_is_summarized_with_exact_edges() -> None:
    text = repr(cr.arange(2000.0).reshape(40, 50))
    assert "..." in text
    assert text.startswith("tensor([[   0.,    1.,    2., ...,   47.,   48.,   49.]")
    assert "1999.]])" in text
    assert len(text.splitlines()) == 7


def test_large_tensor_format_follows_its_edges_not_its_middle() -> None:
    # the number format is chosen from the printed elements only (a huge hidden middle value changes nothing)
    data = cr.zeros(5000)
    data[2500] = 1e30
    text = repr(data)
    assert "e+" not in text and "..." in text
