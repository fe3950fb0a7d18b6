"""Module full backward hooks pass gradients through identity nodes (`BackwardHookFunctionBackward`):
what an observer sees there (found by mutation testing)."""

from __future__ import annotations

import chainrule as cr


def test_backward_hook_node_reports_local_derivative_one():
    lin = cr.nn.Linear(3, 2)
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append(go))
    x = cr.randn(4, 3, requires_grad=True)
    with cr.autograd.observe() as steps:
        lin(x).pow(2).sum().backward()
    hooks = [s for s in steps if s.op_name == "backward_hook"]
    assert hooks and seen
    for s in hooks:
        assert [v for v in s.local if v is not None] == [1.0] * sum(p is not None for p in s.node.parents)
