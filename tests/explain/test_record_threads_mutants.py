"""Recording which module made which node is per thread: a model called in another thread while this thread
records runs normally and its nodes are not tagged (found by mutation testing: the thread check in the forward
hook combined with `and` crashed the other thread's call)."""

from __future__ import annotations

import threading

import chainrule as cr
from chainrule import nn
from chainrule.explain.record import module_of, record_modules


def test_a_model_called_in_another_thread_while_recording_runs_untagged() -> None:
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = cr.randn(5, 3)
    outs: list = []
    errors: list = []

    def other() -> None:
        try:
            outs.append(model(x))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    with record_modules(model):
        t = threading.Thread(target=other)
        t.start()
        t.join()
        mine = model(x)
    assert not errors and len(outs) == 1
    assert module_of(outs[0].grad_fn) is None
    assert module_of(mine.grad_fn) is not None
    assert cr.allclose(outs[0], mine)
