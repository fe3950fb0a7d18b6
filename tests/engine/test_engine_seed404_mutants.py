"""Tests for the survivors of the fresh seed-404 mutation sample in engine (docs/testing.md), against PyTorch:
a tensor hook may replace a gradient but not change its size or dtype (chainrule cast a changed dtype back
silently and called a changed size an internal error; `engine/backward.py: _accumulate`'s cast was then the
only thing between a hook's float64 and a float32 leaf's .grad); post-accumulate-grad hooks run in the order
they were registered (`engine/hooks.py: add_hook`'s `prepend=False` default)."""

from __future__ import annotations

from typing import Any

import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

CHANGES = {
    "dtype on a leaf": (lambda g: g.double(), "has changed the type of value", True),
    "size on a leaf": (lambda g: g[:1], "has changed the size of value", True),
    "dtype on an intermediate": (lambda g: g.double(), "has changed the type of value", False),
    "size on an intermediate": (lambda g: g.sum(), "has changed the size of value", False),
}


@pytest.mark.parametrize("case", sorted(CHANGES))
def test_a_hook_that_changes_the_gradient_s_size_or_dtype_is_refused(case: str) -> None:
    hook, message, on_leaf = CHANGES[case]

    def run(lib: Any) -> None:
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x if on_leaf else x * 3
        h.register_hook(hook)
        (h * 2).sum().backward()

    for lib in (torch, cr):
        with pytest.raises(RuntimeError, match=f"hook '<lambda>' {message}"):
            run(lib)


def test_a_hook_may_replace_the_gradient_with_one_of_the_same_size_and_dtype() -> None:
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        h.register_hook(lambda g: g * 10)
        x.register_hook(lambda g: g + 1)
        (h * 2).sum().backward()
        assert x.grad.tolist() == [61.0, 61.0]


def test_post_accumulate_grad_hooks_run_in_registration_order() -> None:
    orders = []
    for lib in (torch, cr):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen: list[str] = []
        for name in ("first", "second", "third"):
            x.register_post_accumulate_grad_hook(lambda t, name=name, seen=seen: seen.append(name))
        (x * 2).sum().backward()
        orders.append(seen)
    assert orders[0] == orders[1] == ["first", "second", "third"]


FIRST_SECOND = {"mul": lambda x: x * 2, "exp": lambda x: x.exp(), "sum": lambda x: (x * x.new_ones(3)).sum(),
                "idx": lambda x: x.reshape(1)[0] * 3, "stack": lambda x: x.unsqueeze(0).expand(2).sum(),
                "pow": lambda x: x ** 2}


@pytest.mark.parametrize("second", sorted(FIRST_SECOND))
@pytest.mark.parametrize("first", sorted(FIRST_SECOND))
def test_a_0d_leaf_accumulates_into_the_same_grad_tensor(first: str, second: str) -> None:
    # the second backward adds into the .grad tensor the first one made, as PyTorch does, whatever form the
    # 0-d gradients take inside (a NumPy scalar or a 0-d array: engine/backward.py: accumulate_grad)
    results = []
    for lib in (torch, cr):
        x = lib.tensor(1.5, dtype=lib.float64, requires_grad=True)
        FIRST_SECOND[first](x).backward()
        grad = x.grad
        FIRST_SECOND[second](x).backward()
        results.append((x.grad is grad, round(float(x.grad), 10), tuple(x.grad.shape)))
    assert results[0] == results[1]
    assert results[1][0]


@pytest.mark.parametrize("shape", [(), (1,), (3,), (2, 2), (1, 1)], ids=str)
def test_autograd_backward_of_one_tensor_without_a_gradient(shape: tuple) -> None:
    # cr.autograd.backward([y]): an implicit gradient only for a one-element y, as torch (engine/backward.py:
    # backward's short path for a 0-d loss must not take other shapes)
    results = []
    for lib in (torch, cr):
        x = lib.tensor(1.5, dtype=lib.float64, requires_grad=True)
        y = (x * lib.ones(shape, dtype=lib.float64)) * 3
        try:
            lib.autograd.backward([y])
            results.append(("ok", float(x.grad)))
        except RuntimeError as e:
            results.append(("error", "only for scalar outputs" in str(e)))
    assert results[0] == results[1]
