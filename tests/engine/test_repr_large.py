"""The repr of tensors too large to print in full: summarized with '...' like PyTorch, edges exact."""

from __future__ import annotations

import chainrule as cr


def test_large_tensor_repr_is_summarized_with_exact_edges() -> None:
    text = repr(cr.arange(2000.0).reshape(40, 50))
    assert "..." in text
    # edges 0 .. 1999: a ratio above 1000, so scientific notation, as PyTorch prints it
    assert text.startswith("tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00, ..., 4.7000e+01, 4.8000e+01,")
    assert "1.9990e+03]])" in text
    assert len(text.splitlines()) == 13
    text = repr(cr.arange(1000.0, 2050.0).reshape(21, 50))
    assert text.startswith("tensor([[1000., 1001., 1002., ..., 1047., 1048., 1049.],")
    assert text.endswith("2047., 2048., 2049.]])")


def test_large_tensor_format_follows_its_edges_not_its_middle() -> None:
    # the number format is chosen from the printed elements only (a huge hidden middle value changes nothing)
    data = cr.zeros(5000)
    data[2500] = 1e30
    text = repr(data)
    assert "e+" not in text and "..." in text
