"""Tests that kill survivors of the seed-505 mutation sample (docs/testing.md), against PyTorch or hand-computed
values."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch

import chainrule as cr


def _freed_loss(lib):  # noqa: ANN001, ANN202
    """A loss whose intermediates are gone after backward (so explain replays the steps from the kept values),
    with a constant input (no parent) and a leaf reached by two paths."""
    w = lib.tensor([1.5, -2.0], dtype=lib.float64, requires_grad=True)
    c = lib.tensor([3.0, 0.5], dtype=lib.float64)

    def loss():  # noqa: ANN202
        h = (w * c).tanh()
        return (h * w + c * 2.0).sum()

    return w, loss()


def _freed_cat_loss(lib):  # noqa: ANN001, ANN202
    """cat's derivative rule returns a gradient for a constant input too (its parent is None), and mul's none:
    the replay must skip both, whatever their shapes."""
    w = lib.tensor([1.5, -2.0], dtype=lib.float64, requires_grad=True)
    c3, c2 = lib.tensor([3.0, 0.5, 1.0], dtype=lib.float64), lib.tensor([2.0, -1.0], dtype=lib.float64)

    def loss():  # noqa: ANN202
        h = w * c2
        a = lib.cat([h, c3])  # constant of shape (3,)
        b = lib.cat([w.tanh(), c2])  # constant of shape (2,)
        return (a * a).sum() + (b * b * b).sum()

    return w, loss()


@pytest.mark.parametrize("build", ["tanh", "cat"])
def test_a_replayed_gradient_table_has_the_engines_and_pytorchs_gradient(build: str) -> None:
    """explain/replay.py:78: a graph whose intermediates are gone is rebuilt from saved values; constants (no
    parent) are skipped and gradients flow on to every parent. `cat`: the rule returns gradients for two constants
    of different shapes (`or` -> `and` or the check removed summed them under one key, or added to None, and the
    replay gave up showing any gradient)."""
    make = _freed_loss if build == "tanh" else _freed_cat_loss
    w, L = make(cr)  # noqa: N806
    w.name = "w"
    L.backward()
    gc.collect()
    graph = cr.explain.graph(L)
    assert "replayed" in repr(graph)
    table = cr.explain.gradient_table(L)
    assert "could not be taken again" not in str(table)
    tw, tL = make(torch)  # noqa: N806
    tL.backward()
    np.testing.assert_allclose(np.asarray(table["w"].grad["data"], dtype=np.float64), tw.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


def _dead_report(n_dead: int) -> str:
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(2, 30), cr.nn.ReLU(), cr.nn.Linear(30, 1))
    with cr.no_grad():
        model[0].bias[:n_dead] = -100.0  # inputs are small: these units are 0 for every sample
        model[0].bias[n_dead:] = 100.0
    report = cr.explain.dead_units(model, cr.randn(5, 2))
    assert report["1"].dead == list(range(n_dead))
    return str(report)


@pytest.mark.parametrize("n_dead", [19, 20, 21, 22])
def test_dead_units_lists_the_first_twenty_and_marks_more(n_dead: int) -> None:
    # explain/diagnostics.py:194: up to 20 dead units are listed in full; from 21 on, the first 20 and " …"
    text = _dead_report(n_dead)
    listed = ", ".join(str(i) for i in range(min(n_dead, 20)))
    more = " …" if n_dead > 20 else ""
    assert f"| {listed}{more} |" in text
    assert f"0.weight rows {listed}{more} |" in text
    assert f"2.weight columns {listed}{more}" in text
    assert f"{n_dead} of 30" in text
    if n_dead <= 20:
        assert "…" not in text
    else:
        assert ", 20" not in text  # the 21st unit (index 20) is not listed


def _chain_table(n_muls: int):  # noqa: ANN202
    x = cr.tensor(1.0, dtype=cr.float64, requires_grad=True, name="x")
    y = x
    for _ in range(n_muls):
        y = y * 1.01
    return cr.explain.gradient_table(y, all_nodes=True)


def test_a_gradient_table_of_sixty_rows_is_listed_and_of_sixty_one_summarized() -> None:
    # explain/tables.py:205 (max_rows = 60)
    full = _chain_table(59)
    assert len(full.rows) == 60 and len(full._rows()) == 60
    assert "summarized" not in str(full) and "more like" not in str(full)
    table = _chain_table(60)
    assert len(table.rows) == 61
    text = str(table)
    assert "61 rows, summarized: repeated kinds of rows are counted." in text and "more like" in text
    assert len(table._rows()) < 61 and len(table.show_all()._rows()) == 61
    # the values are the engine's: dy/dx = 1.01 ** 60
    assert float(table["x"].grad["data"]) == pytest.approx(1.01 ** 60, rel=1e-12)


def test_a_too_many_paths_table_shows_its_summary_rows() -> None:
    # explain/tables.py:418: with too many paths, the rows are the by-node summary (node, paths through it,
    # gradient there) under that header; hand-computed: L = (2 x^2)^2 = 4 x^4, 8 paths through every node
    x = cr.tensor(1.5, dtype=cr.float64, requires_grad=True, name="x")
    a = x * x
    b = a + a
    L = b * b  # noqa: N806
    a.name, b.name = "a", "b"
    p = cr.explain.paths(L, x, max_paths=3)
    assert p.too_many and p.count == 8
    rows = p._rows()
    assert rows == p.summary and [r[0] for r in rows] == ["x", "a", "b", "L"]
    assert [int(r[1]) for r in rows] == [8, 8, 8, 8]
    text = str(p)
    assert "Paths through it" in text and "Gradient there" in text
    for line in text.splitlines():
        if line.startswith("x "):
            assert "| 8 " in line and "54.0" in line  # dL/dx = 16 x^3 = 54
            break
    else:
        raise AssertionError(f"no row for x in\n{text}")


def test_recorded_values_are_copies_that_an_optimizer_step_does_not_change() -> None:
    # explain/record.py:49: each step's inputs, output, upstream and local derivatives are copied when recorded
    w = cr.tensor([1.0, -2.0, 3.0], dtype=cr.float64, requires_grad=True)
    x = cr.tensor([0.5, 0.25, -1.0], dtype=cr.float64)
    steps: list = []
    with cr.explain.record(on_step=lambda rec, step: steps.append(rec)):
        L = (w * x).sum()  # noqa: N806
        L.backward()
    opt = cr.optim.SGD([w], lr=1.0)
    opt.step()  # in place: w -= grad = x
    with cr.no_grad():
        x.mul_(10.0)
    np.testing.assert_array_equal(w.detach().numpy(), [0.5, -2.25, 4.0])
    mul = next(s for s in steps if len(s.inputs) == 2)
    np.testing.assert_array_equal(mul.inputs[0], [1.0, -2.0, 3.0])  # w before the step
    np.testing.assert_array_equal(mul.inputs[1], [0.5, 0.25, -1.0])  # x before mul_
    np.testing.assert_array_equal(mul.contributions[0], [0.5, 0.25, -1.0])  # dL/dw = x
    np.testing.assert_array_equal(mul.output, [0.5, -0.5, -3.0])


def test_a_parameter_recorded_in_a_second_model_takes_that_models_name() -> None:
    # explain/record.py:81: record_modules(model) names a model's parameters by their path in it, replacing a
    # name from an earlier recording (the automatic naming of record_modules() does not overwrite)
    lin = cr.nn.Linear(2, 1)
    first, second = cr.nn.Sequential(lin), cr.nn.Sequential(cr.nn.Identity(), lin)
    x = cr.randn(3, 2)
    with cr.explain.record_modules(first):
        L1 = first(x).sum()  # noqa: N806
    assert {"0.weight", "0.bias"} <= {r.name for r in cr.explain.gradient_table(L1)}
    with cr.explain.record_modules(second):
        L2 = second(x).sum()  # noqa: N806
    names = {r.name for r in cr.explain.gradient_table(L2)}
    assert {"1.weight", "1.bias"} <= names and "0.weight" not in names
