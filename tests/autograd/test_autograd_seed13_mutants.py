"""Tests that kill survivors of the seed-13 mutation sample (docs/testing.md), each against PyTorch or the
documented contract."""

from __future__ import annotations

import threading

import numpy as np

import chainrule as cr
from chainrule.ops.registry import Op


def test_gradcheck_fast_mode_skips_every_backward_check_when_asked():
    """check_backward_ad=False: no backward check at all, in fast mode too (PyTorch's contract), so a backward
    that is only slightly non-reentrant passes the forward-mode check alone."""
    state = {"n": 0}

    def flaky_backward(xp, g, out, x):
        state["n"] += 1
        return (g * out * (1 + 1e-12 * state["n"]),)

    flaky = Op("flaky_exp_seed13", np.exp, ("x",), flaky_backward, ("vjp",), saves="both")
    x = cr.tensor(np.array([0.3, -0.2], np.float64), requires_grad=True)
    for fast_mode in (False, True):
        assert cr.gradcheck(lambda t: cr.ops.apply(flaky, (t,)), (x,), fast_mode=fast_mode,
                            check_forward_ad=True, check_backward_ad=False)


def test_scope_observed_is_per_thread():
    """`observed()` is True only in a thread that has a scope observer, even while another thread observes."""
    profiler = cr.autograd.profiler
    seen: dict[str, bool] = {}
    ready, done = threading.Event(), threading.Event()

    def observer_thread() -> None:
        with profiler.observe_scopes(lambda event: None):
            seen["observer"] = profiler.observed()
            ready.set()
            done.wait(10)

    t = threading.Thread(target=observer_thread)
    t.start()
    ready.wait(10)
    seen["other"] = profiler.observed()
    done.set()
    t.join()
    assert seen == {"observer": True, "other": False}
