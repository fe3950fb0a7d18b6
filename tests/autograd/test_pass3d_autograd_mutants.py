"""Tests for survivors of the first exhaustive mutation pass, resumed part (h/p3d).

autograd/function.py (the gradients a custom Function with several outputs receives, as `cr.autograd.observe()`
shows them, converted to an array of a requested dtype) and autograd/profiler.py (the open-scope stack when the
last scope observer leaves)."""
from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.autograd.profiler import current_scopes, observe_scopes, record_function


class _Two(cr.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, ga, gb):
        return ga * 2 + gb * 3


def test_observed_upstream_of_a_several_output_function_converts_to_the_dtype_asked():
    """function.py:160 (`dtype is not None` -> `is None`: `__array__` ignored the dtype asked, which NumPy then
    converts, except with copy=False, where it raises "Unable to avoid copy"). The
    Function's own step in `observe()` receives the gradients of both outputs together; as an array they are the
    filled gradients one after the other, in the dtype asked for."""
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    a, b = _Two.apply(x)
    with cr.autograd.observe() as steps:
        (a.sum() * 5 + (b * cr.tensor([1.0, -1.0])).sum()).backward()
    (step,) = [s for s in steps if s.op_name == "_Two"]
    expected = np.array([5.0, 5.0, 1.0, -1.0])
    plain = np.asarray(step.upstream)
    assert plain.dtype == np.float64
    np.testing.assert_array_equal(plain, expected)
    for dtype in (np.float32, np.float16, np.int64):
        for arr in (np.asarray(step.upstream, dtype=dtype), np.array(step.upstream, dtype=dtype, copy=False)):
            # copy=False: NumPy may not convert what __array__ returns, so __array__ must honour the dtype
            assert arr.dtype == dtype
            np.testing.assert_array_equal(arr, expected.astype(dtype))
    np.testing.assert_array_equal(x.grad.numpy(), [13.0, 7.0])


def test_scopes_left_open_are_forgotten_when_the_last_observer_leaves():
    """profiler.py:132 (`not _local.active` -> `_local.active`: the stack was cleared when an inner observer left,
    and kept when the last one did). A scope entered while observed and still open when observation ends is no
    parent of scopes observed later; an inner observer leaving keeps the outer one's open scopes."""
    outer_scope = record_function("outer")
    with observe_scopes() as first:
        outer_scope.__enter__()
        assert len(current_scopes()) == 1
    assert current_scopes() == ()  # the last observer left: nothing is open for anybody
    with observe_scopes() as second, record_function("later"):
        assert len(current_scopes()) == 1
    outer_scope.__exit__(None, None, None)
    assert [e.kind for e in first] == ["enter"]
    assert [(e.kind, e.name, e.parent, e.depth) for e in second] == [("enter", "later", None, 0),
                                                                     ("exit", "later", None, 0)]

    with observe_scopes() as outer_events, record_function("a"):
        (a_id,) = current_scopes()
        with observe_scopes() as inner_events:
            scope_b = record_function("b")
            scope_b.__enter__()
        # the inner observer left while b was open: the outer observer still sees a and b open
        b_id = [e.id for e in outer_events if e.name == "b"][0]
        assert current_scopes() == (a_id, b_id)
        scope_b.__exit__(None, None, None)
        with record_function("c"):
            assert current_scopes()[0] == a_id
    assert [(e.name, e.depth) for e in inner_events] == [("b", 1)]
    c_enter = [e for e in outer_events if e.name == "c" and e.kind == "enter"][0]
    assert c_enter.parent == a_id and c_enter.depth == 1
    assert current_scopes() == ()
