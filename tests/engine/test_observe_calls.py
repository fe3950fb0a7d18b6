"""`cr.autograd.observe_calls()`: one frozen BackwardCall after each backward()/autograd.grad() call, per
thread, including calls made inside chainrule's transforms; nothing when inactive."""

from __future__ import annotations

import dataclasses
import threading

import pytest

import chainrule as cr


def test_calls_are_reported_in_order_with_their_arguments() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    with cr.autograd.observe_calls() as calls:
        loss = (w * w).sum()
        loss.backward(retain_graph=True)
        cr.autograd.backward([loss], inputs=[w], retain_graph=True)
        (g,) = cr.autograd.grad(loss, w, create_graph=True)
        cr.grad(lambda t: (t * t).sum())(w)
        (w * 2).backward(gradient=cr.ones(2))
    (w * w).sum().backward()  # outside the block: not reported
    assert [c.kind for c in calls] == ["backward", "backward", "autograd.grad", "autograd.grad", "backward"]
    assert calls[0].outputs[0] is loss and calls[0].retain_graph and calls[0].inputs is None
    assert calls[1].inputs == (w,)
    assert calls[2].create_graph and calls[2].inputs == (w,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        calls[0].kind = "x"  # type: ignore[misc]


def test_callback_and_failed_calls() -> None:
    seen: list = []
    w = cr.tensor(1.0, requires_grad=True)
    with cr.autograd.observe_calls(seen.append) as kept:
        (w * 3).backward()
        with pytest.raises(RuntimeError):
            (w * 3).backward(gradient=cr.ones(2))  # refused: not reported as finished
    assert len(seen) == 1 and kept == []


def test_observers_are_per_thread() -> None:
    w = cr.tensor(1.0, requires_grad=True)
    with cr.autograd.observe_calls() as calls:
        t = threading.Thread(target=lambda: (w * 2).backward())
        t.start()
        t.join()
    assert calls == []
