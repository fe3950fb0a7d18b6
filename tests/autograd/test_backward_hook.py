"""The identity nodes behind module full backward hooks (`chainrule.autograd.backward_hook`) carry ops built by
the `Op` record's own constructor, so every field the backward walk and the explanations read is set (a field
added to `Op` later cannot be missing on them)."""

from __future__ import annotations

import dataclasses

import chainrule as cr
from chainrule.ops.registry import Op


def _hooked_output() -> cr.Tensor:
    lin = cr.nn.Linear(2, 2)
    lin.register_full_backward_hook(lambda m, gi, go: None)
    return lin(cr.ones(1, 2, requires_grad=True))


def test_hook_nodes_are_op_records_with_every_field_set() -> None:
    y = _hooked_output()
    select = y.grad_fn
    hub = select.parents[0]
    for op in (select.op, hub.op):
        assert isinstance(op, Op)
        for f in dataclasses.fields(Op):
            getattr(op, f.name)  # a slot never assigned raises AttributeError
        assert op.name == "backward_hook" and op.user_code and op.forbids_inplace
        assert not (op.saves_inputs or op.saves_output or op.elementwise or op.plain_backward)
        assert op.vjp is None and op.rules is None
    assert select.name() == "BackwardHookFunctionBackward"


def test_the_gradient_passes_through_unchanged() -> None:
    x = cr.tensor([[1.0, -2.0]], requires_grad=True)
    lin = cr.nn.Linear(2, 1)
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append(go[0].tolist()))
    lin(x).sum().backward()
    assert seen == [[[1.0]]]
    assert x.grad.tolist() == [lin.weight.detach().numpy().tolist()[0]]
