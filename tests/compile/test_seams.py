"""The two core seams cr.compile builds on: forward-op events and optimizer events."""

import threading

import numpy as np

import chainrule as cr
from chainrule.ops.observe import observe_ops, watch
from chainrule.optim.observe import observe_optimizers


def test_observe_ops_sees_recorded_and_unrecorded_ops() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    x = cr.tensor([3.0, 4.0])
    with observe_ops() as calls:
        y = (x * 2.0).exp()  # nothing requires grad: no nodes, still observed
        z = (w * y).sum()
    names = [c.op.name for c in calls]
    assert names == ["mul", "exp", "mul", "sum"]
    assert calls[-1].output is z and calls[1].output is y
    assert calls[0].args[0] is x and calls[0].args[1] == 2.0
    assert calls[2].output.grad_fn is not None and calls[0].output.grad_fn is None
    assert not watch.on


def test_observe_ops_is_per_thread() -> None:
    seen = []

    def other() -> None:
        seen.append((cr.tensor([1.0]) + 1.0).sum())

    with observe_ops() as calls:
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert calls == [] and len(seen) == 1


def test_observe_optimizers_sees_zero_grad_and_step() -> None:
    model = cr.nn.Linear(3, 2)
    for opt in (cr.optim.SGD(model.parameters(), lr=0.1), cr.optim.Adam(model.parameters())):
        with observe_optimizers() as calls:
            opt.zero_grad()
            model(cr.tensor(np.ones((4, 3), np.float32))).sum().backward()
            opt.step()
        assert [(c.kind, c.phase) for c in calls] == [("zero_grad", "post"), ("step", "pre"), ("step", "post")]
        assert all(c.optimizer is opt for c in calls) and calls[0].set_to_none is True


def test_a_user_optimizer_is_observed_too() -> None:
    class Plain(cr.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.5})

        def step(self, closure=None):
            for p in self.param_groups[0]["params"]:
                p.data -= 0.5 * p.grad
            return None

    w = cr.tensor([1.0], requires_grad=True)
    opt = Plain([w])
    (w * 2.0).sum().backward()
    with observe_optimizers() as calls:
        opt.step()
    assert [c.kind for c in calls] == ["step", "step"]
    assert w.detach().numpy().tolist() == [0.0]


def test_a_subclass_step_calling_super_is_one_step() -> None:
    class Logged(cr.optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    w = cr.tensor([1.0], requires_grad=True)
    opt = Logged([w], lr=0.5)
    (w * 2.0).sum().backward()
    with observe_optimizers() as calls:
        opt.step()
    assert [(c.kind, c.phase) for c in calls] == [("step", "pre"), ("step", "post")]
    assert w.detach().numpy().tolist() == [0.0]
