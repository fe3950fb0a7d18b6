"""cr.explain.chain when there is no path to show (a mutation survivor: the `no path` branch of
`explain/tables.py: Chain.__str__` removed, so a constant read as "the sum over 0 paths")."""

from __future__ import annotations

import chainrule as cr


def test_chain_to_a_constant_says_no_path() -> None:
    x = cr.tensor(3.0, dtype=cr.float64)
    w = cr.tensor(0.5, dtype=cr.float64, requires_grad=True)
    cr.name_tensors({"x": x, "w": w})
    loss = (w * x) ** 2
    text = str(cr.explain.chain(loss, x))
    first, *rest = text.splitlines()
    assert first.endswith(": no path") and first.startswith("d")
    assert "sum over" not in text and "engine's gradient" not in text
    assert any("does not require grad" in line for line in rest)


def test_chain_past_its_path_limit_says_no_path_and_how_many() -> None:
    # y_{k+1} = y_k * w + y_k: each step doubles the paths from w and adds one (P = 2P + 1), 127 after six
    w = cr.tensor(0.5, dtype=cr.float64, requires_grad=True)
    cr.name_tensors({"w": w})
    y = w
    for _ in range(6):
        y = y * w + y
    loss = y.sum()
    text = str(cr.explain.chain(loss, w, max_paths=4))
    first, *rest = text.splitlines()
    assert first.endswith(": no path")
    assert "sum over" not in text
    assert any("127 paths" in line for line in rest)
    # within the limit, the same call lists every path
    assert "the sum over 127 paths" in str(cr.explain.chain(loss, w, max_paths=200))
