"""Explanations on the core's seams: record_modules() through module hooks (per model and global), tags only
in its own thread, unwinds when a forward raises, leaves no hook behind; dead_units leaves no hook."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import chainrule as cr
from chainrule.explain.record import module_of


def _model() -> cr.nn.Module:
    cr.manual_seed(0)
    return cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.ReLU(), cr.nn.Sequential(cr.nn.Linear(4, 2)))


def _no_hooks(model: cr.nn.Module) -> bool:
    from chainrule.nn.modules import module as module_module

    own = all(not m.__dict__.get("_forward_hooks") and not m.__dict__.get("_forward_pre_hooks")
              for m in model.modules())
    return own and not module_module._GLOBAL.active


@pytest.mark.parametrize("per_model", [True, False])
def test_record_modules_tags_nodes_and_removes_its_hooks(per_model: bool) -> None:
    model = _model()
    x = cr.ones(5, 3)
    with cr.explain.record_modules(model if per_model else None):
        out = model(x)
    assert _no_hooks(model)
    root = "" if per_model else "Sequential."
    assert module_of(out.grad_fn)[:2] == (f"{root}2.0" if root else "2.0", "Linear")
    relu_node = out.grad_fn.parents[0]
    assert module_of(relu_node)[:2] == (f"{root}1" if root else "1", "ReLU")


def test_global_record_modules_ignores_other_threads_and_unwinds_on_errors() -> None:
    model = _model()
    other: list = []

    class Boom(cr.nn.Module):
        def forward(self, x: cr.Tensor) -> cr.Tensor:
            raise ValueError("boom")

    with cr.explain.record_modules():
        t = threading.Thread(target=lambda: other.append(model(cr.ones(1, 3))))
        t.start()
        t.join()
        with pytest.raises(ValueError):
            cr.nn.Sequential(Boom())(cr.ones(1))
        out = model(cr.ones(1, 3))  # the stack was unwound: this is a root call again
    assert module_of(other[0].grad_fn) is None
    assert module_of(out.grad_fn)[:2] == ("Sequential#2.2.0", "Linear")  # the second root Sequential, not inside Boom
    assert _no_hooks(model)


def test_dead_units_uses_hooks_and_leaves_none() -> None:
    model = _model()
    with cr.no_grad():
        model[0].bias.fill_(-100.0)  # every unit dead
    report = cr.explain.dead_units(model, cr.tensor(np.ones((4, 3)), dtype=cr.float32))
    assert report["1"].dead == [0, 1, 2, 3]
    assert _no_hooks(model)
