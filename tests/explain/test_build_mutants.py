"""What a partial explanation (after backward freed the graph and an optimizer step changed its inputs) shows
for the output itself, and the grouped view's notice on a large graph (found by mutation testing)."""

from __future__ import annotations

import re
import warnings

import chainrule as cr
from chainrule.explain import Graph
from chainrule.explain.build import MAX_ELEMENT_NODES


def _partial(retain: bool) -> Graph:
    w = cr.tensor([1.0, -2.0], dtype=cr.float64, requires_grad=True, name="w")
    L = ((w * 3.0).tanh() * w).sum()  # noqa: N806
    cr.name_tensors({"L": L})
    if retain:
        L.retain_grad()
    L.backward()
    cr.optim.SGD([w], lr=0.1).step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reading a non-leaf's .grad warns: the explanation must not
        g = cr.graph(L)
    assert g.data["status"]["gradients"] == "partial"
    return g


def test_a_partial_explanation_shows_the_retained_gradient_of_the_output() -> None:
    assert _partial(retain=True).grad("L") == 1.0


def test_a_partial_explanation_does_not_read_a_non_retained_output_gradient() -> None:
    assert _partial(retain=False).grad("L") is None


def test_the_grouped_view_notice_counts_the_single_nodes() -> None:
    x = cr.tensor([0.5], dtype=cr.float64, requires_grad=True, name="x")
    lin = cr.nn.Linear(1, 1)
    y = lin(x)
    for _ in range(MAX_ELEMENT_NODES // 2 + 5):  # ungrouped ops: each is a single node in the grouped view
        y = (y * 1.001).tanh()
    g = cr.graph(y.sum())
    notice = next(n for n in g.notices if "too many to draw one by one" in n)
    m = re.search(r"and (-?\d+) single nodes", notice)
    ungrouped = sum(1 for n in g.nodes if not n["groups"])
    assert m is not None and int(m.group(1)) == ungrouped > 0, notice


def test_a_retained_output_whose_backward_fails_has_no_gradient_shown() -> None:
    x = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True, name="x")
    a = x.clone()
    L = (a * a).sum()  # noqa: N806
    cr.name_tensors({"L": L})
    L.retain_grad()
    with cr.no_grad():
        a.mul_(2.0)  # a saved input changed in place: backward on this graph must fail
    g = cr.graph(L)
    assert g.data["status"]["gradients"] == "partial"
    assert any("could not run backward" in n for n in g.notices), g.notices
    assert g.grad("L") is None


def test_the_node_limit_is_inclusive(monkeypatch) -> None:  # noqa: ANN001
    import pytest

    from chainrule.explain import build

    x = cr.tensor([1.0], requires_grad=True)
    y = (((x * 2.0).exp() * 3.0).tanh() * 4.0).sum()
    ops = len(build._forward_order(y.grad_fn))
    monkeypatch.setattr(build, "MAX_NODES", ops)
    cr.graph(y)  # exactly the limit: accepted
    monkeypatch.setattr(build, "MAX_NODES", ops - 1)
    with pytest.raises(ValueError, match="too large to explain"):
        cr.graph(y)
