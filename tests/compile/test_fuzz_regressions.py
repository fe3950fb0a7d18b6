"""Bugs the differential fuzzer (tests/compile/test_fuzz.py) found in cr.compile, each shrunk to a minimal step:
a compiled run must equal an eager twin bit for bit, or fall back with a CompileWarning."""

from __future__ import annotations

import warnings

import numpy as np

import chainrule as cr

nn = cr.nn
F = nn.functional


def _twins(make, batches, calls=None):
    """Run the step `make()` builds (after cr.manual_seed(0)) eagerly and compiled on the same batches; return
    both runs' per-call snapshots (returned values, parameters, .grad) and the compiled step."""
    runs = []
    compiled = None
    for compile_it in (False, True):
        cr.manual_seed(0)
        model, step = make()
        if compile_it:
            step = compiled = cr.compile(step)
        snaps = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for batch in batches:
                out = step(*[cr.tensor(b.copy()) for b in batch])
                snap = [None if out is None else out.detach().numpy().tobytes()]
                for p in model.parameters():
                    snap.append(p.detach().numpy().tobytes())
                    snap.append(None if p.grad is None else p.grad.numpy().tobytes())
                snaps.append(snap)
        runs.append(snaps)
    return runs[0], runs[1], compiled


def _batches(n: int, shape: tuple, seed: int = 0) -> list:
    g = np.random.default_rng(seed)
    return [(g.standard_normal(shape).astype(np.float32),) for _ in range(n)]


def test_module_zero_grad_set_to_none_false_is_replayed() -> None:
    """`model.zero_grad(set_to_none=False)` rebinds each `.grad` to zeros outside the optimizer's seam (no event, no
    in-place epoch): the replay did not run it, so `.grad` accumulated across replays and the update used the sum
    of all earlier gradients. The replay now calls the module's zero_grad."""
    def make():
        m = nn.Linear(3, 2)
        opt = cr.optim.SGD(m.parameters(), lr=0.1)

        def step(x):
            m.zero_grad(set_to_none=False)
            loss = (m(x) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        return m, step

    eager, compiled, step = _twins(make, _batches(5, (4, 3)))
    assert eager == compiled
    assert step.replays >= 2 and step.fallback_reason is None


def test_module_zero_grad_replays_instead_of_retracing() -> None:
    """`model.zero_grad()` (set_to_none) before the forward: the guard recorded `.grad is None` as seen at the
    parameter's first use (after the zero_grad), so no later call matched and each call traced again (after
    `cache_size` traces the step ran eagerly, blaming changing shapes). Now one trace replays."""
    def make():
        m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        opt = cr.optim.Adam(m.parameters(), lr=0.01)

        def step(x):
            m.zero_grad()
            loss = (m(x) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        return m, step

    eager, compiled, step = _twins(make, _batches(6, (5, 3)))
    assert eager == compiled
    assert step.traces == 1 and step.replays == 5


def _two_leaves(compile_it: bool) -> tuple:
    cr.manual_seed(0)
    a = cr.randn(3, requires_grad=True)
    b = cr.randn(3, requires_grad=True)
    opt = cr.optim.SGD([a, b], lr=0.1)

    def step(x):
        opt.zero_grad()
        loss = ((a + b) * x).sum()
        loss.backward()
        opt.step()
        return loss

    s = cr.compile(step) if compile_it else step
    for i in range(4):
        s(cr.tensor(np.full(3, i + 1.0, np.float32)))
    shared = a.grad.array is b.grad.array
    with cr.no_grad():
        a.grad.mul_(2.0)
    return (a.grad.numpy().tobytes(), b.grad.numpy().tobytes(), a.detach().numpy().tobytes(),
            b.detach().numpy().tobytes(), shared, s.replays if compile_it else 3)


def test_one_gradient_reaching_two_leaves_gives_each_its_own_grad() -> None:
    """`a + b` sends one gradient array to both leaves. Eager hands it to `a.grad` and a copy to `b.grad` (the
    engine's `handed` set); the replay assigned `a.grad = make(g)` (which that set does not see) and then handed
    the same array to `b` through accumulate(): `a.grad` and `b.grad` were one array, so an in-place change of
    one (clipping, accumulation, `a.grad.mul_(2)`) changed the other."""
    eager, compiled = _two_leaves(False), _two_leaves(True)
    assert compiled[-1] >= 2  # replays
    assert eager == compiled  # values, and neither shares one array between a.grad and b.grad


class _Scaled(nn.Module):
    """fc(x) * scale, `scale` a registered buffer, a plain tensor attribute, or fc's weight named by the user."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)
        if kind == "buffer":
            self.register_buffer("scale", cr.tensor(np.ones(2, np.float32)))
        else:
            self.scale = cr.tensor(np.ones(2, np.float32))
        if kind == "named":
            self.fc.weight.name = "w"

    def forward(self, x):
        return self.fc(x) * self.scale


def _rebinding(kind: str, compile_it: bool) -> tuple:
    cr.manual_seed(0)
    m = _Scaled(kind)

    def step(x):
        if kind == "named":  # an evaluation step: nothing but the parameter's identity could tell the calls apart
            with cr.no_grad():
                return (m(x) ** 2).mean()
        loss = (m(x) ** 2).mean()
        loss.backward()
        return loss

    s = cr.compile(step) if compile_it else step
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(5):
            m.zero_grad()
            out.append(s(cr.tensor(np.full((4, 3), i + 1.0, np.float32))).item())
            if kind == "named":
                m.fc.weight = nn.Parameter(cr.full((2, 3), float(i)))
                m.fc.weight.name = "w"
            else:
                m.scale = cr.tensor(np.full(2, i + 2.0, np.float32))
    return out, None if m.fc.bias.grad is None else m.fc.bias.grad.numpy().tobytes()


def test_a_module_buffer_rebound_between_calls_is_read_again() -> None:
    """`model.scale = cr.tensor(...)` for a registered buffer: the replay kept reading the tensor the module held
    when traced (only parameters were guarded by identity). Now the module's buffers are guarded like its
    parameters: a rebound buffer traces again."""
    assert _rebinding("buffer", False) == _rebinding("buffer", True)


def test_a_plain_tensor_attribute_rebound_between_calls_is_read_again() -> None:
    """The same for a tensor held as a plain attribute of a module that ran in the step."""
    assert _rebinding("attr", False) == _rebinding("attr", True)


def test_a_named_parameter_replaced_between_calls_is_read_again() -> None:
    """A parameter with `.name` set skipped the guard that its module still holds it (the guard was added only
    while looking for a name), so `model.fc.weight = Parameter(...)` kept replaying with the old weight."""
    assert _rebinding("named", False) == _rebinding("named", True)


def _zero_between_backwards(how: str, compile_it: bool) -> list:
    cr.manual_seed(0)
    m = nn.Linear(3, 2)
    opt = cr.optim.SGD(m.parameters(), lr=0.1)

    def step(x):
        opt.zero_grad()
        (m(x) ** 2).mean().backward()
        if how == "optimizer":
            opt.zero_grad(set_to_none=False)
        else:
            m.zero_grad(set_to_none=False)
        loss = m(x).sum()
        loss.backward()
        opt.step()
        return loss

    s = cr.compile(step) if compile_it else step
    out = []
    for i in range(5):
        s(cr.tensor(np.full((4, 3), i + 1.0, np.float32)))
        out.append((m.weight.detach().numpy().tobytes(), m.weight.grad.numpy().tobytes()))
    if compile_it:
        assert s.replays >= 3
    return out


def test_sgd_update_reads_the_grad_after_zero_grad_to_zeros_between_two_backwards() -> None:
    """backward(); opt.zero_grad(set_to_none=False); backward(); opt.step() with plain SGD: the inlined update
    `p -= lr * g` read the first backward's gradient (the array that had become `.grad`), though zero_grad had
    given `.grad` a new array of zeros and the second backward added into that one."""
    assert _zero_between_backwards("optimizer", False) == _zero_between_backwards("optimizer", True)


def test_sgd_update_reads_the_grad_after_module_zero_grad_between_two_backwards() -> None:
    """The same with `model.zero_grad(set_to_none=False)`."""
    assert _zero_between_backwards("module", False) == _zero_between_backwards("module", True)


def _batch_argument(kind: str, compile_it: bool) -> tuple:
    import types

    cr.manual_seed(0)
    m = nn.Linear(3, 2)
    opt = cr.optim.SGD(m.parameters(), lr=0.1)

    def step(batch):
        x, y = (batch.x, batch.y) if kind == "object" else (batch[0], batch[1])
        opt.zero_grad()
        loss = F.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        return loss

    s = cr.compile(step) if compile_it else step
    out = []
    batch = {"list": [None, None], "dict": {}, "object": types.SimpleNamespace()}.get(kind)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(5):
            g = np.random.default_rng(i)
            x = cr.tensor(g.standard_normal((4, 3)).astype(np.float32))
            y = cr.tensor(g.standard_normal((4, 2)).astype(np.float32))
            if kind == "tuple":
                batch = (x, y)
            elif kind == "object":
                batch.x, batch.y = x, y
            else:
                batch[0], batch[1] = x, y
            out.append(s(batch).item())
    return out, m.weight.detach().numpy().tobytes()


def test_a_reused_list_or_dict_of_tensors_is_not_replayed_with_the_traced_tensors() -> None:
    """A list or dict argument holding the batch, refilled with new tensors on each call: the guard tested the
    container's identity and the trace read the tensors it held when traced, so every replay trained on the
    first batch. Now a container holding tensors runs eagerly with a CompileWarning (pass them as arguments)."""
    for kind in ("list", "dict"):
        assert _batch_argument(kind, False) == _batch_argument(kind, True), kind


def test_a_tuple_of_tensors_argument_does_not_break_the_second_call() -> None:
    """A tuple argument was guarded with `==`, which compared its tensors elementwise: the second call raised
    "Boolean value of Tensor ... is ambiguous" from inside the generated guard."""
    assert _batch_argument("tuple", False) == _batch_argument("tuple", True)


def test_an_object_argument_whose_tensors_are_rebound_is_read_again() -> None:
    """An object argument (a batch namespace, a method's `self`) is guarded by identity; its tensor attributes,
    rebound on each call, were read as the trace saw them. Now they are guarded by identity too."""
    assert _batch_argument("object", False) == _batch_argument("object", True)


def _scheduler_inside(kind: str, compile_it: bool) -> tuple:
    cr.manual_seed(0)
    m = nn.Linear(3, 2)
    opt = cr.optim.SGD(m.parameters(), lr=0.1)
    lrs = cr.optim.lr_scheduler
    if kind == "step":
        sched = lrs.StepLR(opt, 1, 0.5)
    elif kind == "onecycle":
        sched = lrs.OneCycleLR(opt, max_lr=0.5, total_steps=20)
    else:
        sched = lrs.ChainedScheduler([lrs.ExponentialLR(opt, 0.9), lrs.StepLR(opt, 2, 0.5)])

    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        sched.step()
        return loss

    s = cr.compile(step) if compile_it else step
    out = []
    for i in range(6):
        g = np.random.default_rng(i)
        out.append(s(cr.tensor(g.standard_normal((4, 3)).astype(np.float32)),
                     cr.tensor(g.standard_normal((4, 2)).astype(np.float32))).item())
    if compile_it:
        assert s.replays >= 4 and s.fallback_reason is None
    return out, opt.param_groups[0]["lr"], m.weight.detach().numpy().tobytes()


def test_a_scheduler_stepped_inside_the_step_is_replayed() -> None:
    """`scheduler.step()` inside the compiled step (OneCycleLR is stepped per batch): Python code, not an op, so
    a replay did not run it and the learning rate stayed where the trace left it. The replay now calls the
    scheduler's own step at the same point (the outer one only, for a scheduler that steps others)."""
    for kind in ("step", "onecycle", "chained"):
        assert _scheduler_inside(kind, False) == _scheduler_inside(kind, True), kind


def _data_assigned(compile_it: bool) -> tuple:
    cr.manual_seed(0)
    m = nn.Linear(3, 2)
    opt = cr.optim.SGD(m.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        with cr.no_grad():
            m.weight.data = m.weight.clamp(-0.3, 0.3)  # WGAN's weight clipping
        return loss

    s = cr.compile(step) if compile_it else step
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(5):
            g = np.random.default_rng(i)
            out.append(s(cr.tensor(g.standard_normal((4, 3)).astype(np.float32)),
                         cr.tensor(g.standard_normal((4, 2)).astype(np.float32))).item())
    return out, m.weight.detach().numpy().tobytes()


def test_assigning_data_inside_the_step_is_not_silently_dropped() -> None:
    """`p.data = p.clamp(...)` inside the step rebinds the parameter's array without an op or an in-place
    epoch: the replay did not do it (the clamp's result was computed and dropped). Now the step runs eagerly with
    a CompileWarning naming the line."""
    assert _data_assigned(False) == _data_assigned(True)


def _grad_dropped(opt_name: str, compile_it: bool) -> tuple:
    cr.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = (cr.optim.SGD(m.parameters(), lr=0.1) if opt_name == "sgd"
           else cr.optim.Adam(m.parameters(), lr=0.01))

    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(m(x), y)
        loss.backward()
        m[0].weight.grad = None  # do not update the first layer's weight this time
        opt.step()
        return loss

    s = cr.compile(step) if compile_it else step
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(5):
            g = np.random.default_rng(i)
            out.append(s(cr.tensor(g.standard_normal((4, 3)).astype(np.float32)),
                         cr.tensor(g.standard_normal((4, 2)).astype(np.float32))).item())
    return out, m[0].weight.detach().numpy().tobytes()


def test_grad_set_to_none_by_hand_before_the_update_is_not_silently_dropped() -> None:
    """`p.grad = None` between backward() and opt.step() (to skip a parameter's update): checked only at the
    start of a backward, so the replay (which does not run it) updated the parameter. Now `.grad` is checked
    before each optimizer step and at the end of the step too: the step runs eagerly with a CompileWarning."""
    for opt_name in ("sgd", "adam"):
        assert _grad_dropped(opt_name, False) == _grad_dropped(opt_name, True), opt_name


def _nan_through_sub(compile_it: bool) -> list:
    cr.manual_seed(0)
    a = cr.randn(3, requires_grad=True)
    b = cr.randn(3, requires_grad=True)

    def step(x):
        loss = ((a - b) * x).sum()
        loss.backward()
        return loss

    s = cr.compile(step) if compile_it else step
    out = []
    for i in range(4):
        a.grad = b.grad = None
        x = np.full(3, i + 1.0, np.float32)
        if i >= 2:
            x[1] = np.nan  # after the trace: a NaN gradient (a diverged run)
        s(cr.tensor(x))
        out.append(b.grad.numpy().tobytes())
    if compile_it:
        assert s.replays >= 2
    return out


def test_the_gradient_of_a_subtrahend_keeps_eager_nan_bits() -> None:
    """The inline gradient of `a - b` for `b` was `g * -1.0`; the engine's rule is `-g`. They agree on every
    number but not on NaN: negation flips a NaN's sign bit, a multiplication by -1 keeps the NaN operand as is
    (x86), so a replay's `.grad` differed from eager's in the bits of its NaNs. The template is `-g` now."""
    assert _nan_through_sub(False) == _nan_through_sub(True)


class _KeepsActivation(nn.Module):
    """Stores its hidden activation in an attribute on each forward (for plotting, say)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc, self.out = nn.Linear(3, 4), nn.Linear(4, 2)
        self.last = None

    def forward(self, x):
        h = self.fc(x).relu()
        self.last = h
        return self.out(h)


def _kept_activation(compile_it: bool) -> list:
    cr.manual_seed(0)
    m = _KeepsActivation()
    opt = cr.optim.SGD(m.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(m(x), y)
        loss.backward()
        opt.step()
        return loss

    s = cr.compile(step) if compile_it else step
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(5):
            g = np.random.default_rng(i)
            s(cr.tensor(g.standard_normal((4, 3)).astype(np.float32)),
              cr.tensor(g.standard_normal((4, 2)).astype(np.float32)))
            out.append(m.last.detach().numpy().tobytes())
    return out


def test_a_module_keeping_a_tensor_of_the_step_is_not_left_stale() -> None:
    """`self.last = h` in forward: a replay does not run the forward's Python, so `model.last` kept the traced
    call's activation while eager code sees the latest. The step now runs eagerly with a CompileWarning."""
    assert _kept_activation(False) == _kept_activation(True)


def _input_requires_grad_inside(compile_it: bool) -> list:
    cr.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = cr.optim.SGD(m.parameters(), lr=0.1)

    def step(x, y):
        x.requires_grad_(True)  # for a saliency map, say
        opt.zero_grad()
        loss = F.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
        return loss

    s = cr.compile(step) if compile_it else step
    out = []
    for i in range(5):
        g = np.random.default_rng(i)
        x = cr.tensor(g.standard_normal((4, 3)).astype(np.float32))
        out.append(s(x, cr.tensor(g.integers(0, 2, 4))).item())
        out.append((x.requires_grad, x.grad.numpy().tobytes()))
    if compile_it:
        assert s.replays >= 3
    return out


def test_requires_grad_set_on_an_argument_inside_the_step_is_replayed() -> None:
    """`x.requires_grad_(True)` on the step's argument: Python a replay did not run, so after a replay the
    argument did not require grad (eager: it did), though its `.grad` was set. The replay now sets it too."""
    assert _input_requires_grad_inside(False) == _input_requires_grad_inside(True)


def test_a_scheduler_made_inside_the_step_falls_back() -> None:
    """A scheduler constructed inside the step is stepped by its own `__init__`; a replay would step the object
    made while tracing, not the new one: the trace falls back, naming it (seen through the watched
    `LRScheduler.__init__`, not a private flag)."""
    m = nn.Linear(3, 2)
    opt = cr.optim.SGD(m.parameters(), lr=0.1)

    def step(x):
        opt.zero_grad()
        sched = cr.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        loss = m(x).sum()
        loss.backward()
        opt.step()
        sched.step()
        return loss

    compiled = cr.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            compiled(cr.ones(4, 3))
    assert compiled.fallback_reason is not None and "scheduler made inside the step" in compiled.fallback_reason
    assert any("scheduler made inside the step" in str(w.message) for w in caught)
