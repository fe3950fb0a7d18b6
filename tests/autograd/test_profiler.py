"""`cr.autograd.profiler.record_function`: PyTorch's named scope (context manager and decorator), published to
per-thread scope observers as frozen events."""

from __future__ import annotations

import dataclasses
import threading

import pytest
import torch

import chainrule as cr
from chainrule.autograd.profiler import ScopeEvent, observe_scopes, observed, record_function


def test_the_same_api_as_pytorch() -> None:
    for rf in (record_function, cr.autograd.profiler.record_function):
        with rf("block") as scope:
            assert isinstance(scope, rf) and scope.name == "block" and scope.args is None
    with torch.autograd.profiler.record_function("block", "x") as t, record_function("block", "x") as c:
        assert (t.name, t.args) == (c.name, c.args)


def test_enter_and_exit_events_with_nesting_and_depth() -> None:
    with observe_scopes() as events, record_function("outer"), record_function("inner", args="k=1"):
        pass
    assert [(e.kind, e.name, e.depth) for e in events] == [("enter", "outer", 0), ("enter", "inner", 1),
                                                           ("exit", "inner", 1), ("exit", "outer", 0)]
    outer, inner = events[0], events[1]
    assert inner.parent == outer.id and outer.parent is None and inner.args == "k=1"
    assert events[2].id == inner.id and events[3].id == outer.id and inner.id > outer.id
    with pytest.raises(dataclasses.FrozenInstanceError):
        outer.name = "x"  # type: ignore[misc]
    assert isinstance(outer, ScopeEvent)


def test_as_a_decorator_each_call_is_a_scope_even_recursive() -> None:
    @record_function("fact")
    def fact(n: int) -> int:
        return 1 if n <= 1 else n * fact(n - 1)

    with observe_scopes() as events:
        assert fact(3) == 6
    enters = [e for e in events if e.kind == "enter"]
    assert [e.depth for e in enters] == [0, 1, 2] and len({e.id for e in enters}) == 3
    assert [e.kind for e in events] == ["enter"] * 3 + ["exit"] * 3


def test_an_exception_passes_through_and_the_scope_closes() -> None:
    with observe_scopes() as events, pytest.raises(ValueError, match="boom"), record_function("failing"):
        raise ValueError("boom")
    assert [e.kind for e in events] == ["enter", "exit"]
    with observe_scopes() as events, record_function("next"):
        pass
    assert events[0].depth == 0  # the stack was left clean


def test_bad_names_are_refused() -> None:
    with pytest.raises(TypeError, match="record_function: name must be a str, got int"):
        record_function(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="args must be a str or None"):
        record_function("a", args=1)  # type: ignore[arg-type]


def test_nothing_is_published_without_an_observer_and_observers_are_per_thread() -> None:
    assert not observed()
    with record_function("unseen"):
        pass
    seen: list[ScopeEvent] = []

    def other() -> None:
        with record_function("other thread"):
            pass

    with observe_scopes(seen.append):
        assert observed()
        t = threading.Thread(target=other)
        t.start()
        t.join()
        with record_function("mine"):
            pass
    assert [e.name for e in seen] == ["mine", "mine"]
    assert not observed()


def test_scopes_change_no_value_or_gradient() -> None:
    cr.manual_seed(0)
    lstm = cr.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = cr.randn(5, 2, 3)
    out1, _ = lstm(x)
    out1.sum().backward()
    g1 = {n: p.grad.numpy().copy() for n, p in lstm.named_parameters()}
    lstm.zero_grad()
    with observe_scopes() as events:
        out2, _ = lstm(x)
    out2.sum().backward()
    assert (out1.detach().numpy() == out2.detach().numpy()).all()
    assert all((g1[n] == p.grad.numpy()).all() for n, p in lstm.named_parameters())
    names = [e.name for e in events if e.kind == "enter"]
    assert names[:2] == ["LSTM layer 0", "LSTM layer 0, t=0"] and "LSTM layer 1, reverse, t=4" in names
    assert len(names) == 4 * (1 + 5)
