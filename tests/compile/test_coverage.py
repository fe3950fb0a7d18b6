"""cr.compile coverage: dropout and random draws, BatchNorm (training and eval), Adam/AdamW and a CNN with
max-pool. Each trains 100 steps compiled and eagerly from the same seed and initial state and checks every loss,
parameter and buffer bit for bit (and the generator's state after the run)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.compile import CompileWarning
from compile_helpers import MyReLU, ScaledTanh, digits_batches, training_step

F = cr.nn.functional
STEPS = 100


def _twins(make_model, make_opt=lambda ps: cr.optim.SGD(ps, lr=0.1), steps: int = STEPS, images: bool = False,
           train: bool = True, body=None):
    """Train an eager and a compiled twin from the same seed; check losses, state_dict and the generator."""
    runs = []
    data = digits_batches(steps, images)
    for compiled in (False, True):
        cr.manual_seed(0)
        model = make_model()
        model.train(train)
        opt = make_opt(model.parameters())

        def step(x, y, model=model, opt=opt):
            opt.zero_grad()
            loss = F.cross_entropy(model(body(x) if body else x), y)
            loss.backward()
            opt.step()
            return loss

        run = cr.compile(step) if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("error", CompileWarning)
            losses = [run(x, y).item() for x, y in data]
        state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
        runs.append((losses, state, cr.random.default_generator.get_state(), run))
    (la, sa, ga, _), (lb, sb, gb, compiled) = runs
    assert compiled.fallback_reason is None, compiled.fallback_reason
    assert compiled.replays >= steps - 3, (compiled.traces, compiled.replays)
    assert la == lb
    assert sa.keys() == sb.keys()
    for k in sa:
        assert sa[k].dtype == sb[k].dtype and sa[k].tobytes() == sb[k].tobytes(), k
    assert ga == gb  # the replay drew exactly what eager drew
    return compiled


def _mlp_dropout(p: float = 0.2):
    return lambda: cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.ReLU(), cr.nn.Dropout(p), cr.nn.Linear(32, 10))


# ----------------------------------------------------------------------------- random draws
def test_dropout_100_steps_equals_eager_with_a_fixed_seed() -> None:
    compiled = _twins(_mlp_dropout())
    src = compiled.source
    assert "dropout_mask((32, 32), 0.2, np.float32, generator)" in src and "dropout mask" in src


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_dropout_edge_probabilities(p: float) -> None:
    _twins(_mlp_dropout(p), steps=10)


def test_dropout2d_in_a_cnn_equals_eager() -> None:
    def make():
        return cr.nn.Sequential(cr.nn.Conv2d(1, 4, 3, padding=1), cr.nn.ReLU(), cr.nn.Dropout2d(0.25),
                                cr.nn.MaxPool2d(2), cr.nn.Flatten(), cr.nn.Linear(4 * 4 * 4, 10))

    _twins(make, steps=20, images=True)


def test_each_replay_draws_a_fresh_mask() -> None:
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(8, 8), cr.nn.Dropout(0.5))

    @cr.compile
    def f(x):
        return model(x).sum()

    x = cr.ones(4, 8)
    with cr.no_grad():
        values = [f(x).item() for _ in range(4)]
    assert f.fallback_reason is None and f.replays == 3
    assert len(set(values)) == 4
    cr.manual_seed(0)
    eager = cr.nn.Sequential(cr.nn.Linear(8, 8), cr.nn.Dropout(0.5))
    with cr.no_grad():
        assert [eager(x).sum().item() for _ in range(4)] == values


def test_rand_randn_randint_randperm_in_a_step_equal_eager() -> None:
    def noisy_ok(x):
        x = x + 0.1 * cr.randn(*x.shape)
        x = x * cr.rand(x.shape[1])
        return (x + 0.01 * cr.randint(0, 2, (x.shape[1],), dtype=cr.float32)
                + 0.001 * cr.randperm(x.shape[1], dtype=cr.float32))

    compiled = _twins(lambda: cr.nn.Sequential(cr.nn.Linear(64, 10)), steps=30, body=noisy_ok)
    src = compiled.source
    for call in ("standard_normal((32, 64))", "random((64,))", "integers(0, 2, (64,))", "permutation(64)"):
        assert call in src, call


def test_random_values_of_a_step_without_backward_replay() -> None:
    @cr.compile
    def f(x):
        return x + cr.randn(3)

    x = cr.zeros(3)
    cr.manual_seed(5)
    got = [f(x).numpy().tolist() for _ in range(3)]
    cr.manual_seed(5)
    assert got == [cr.randn(3).numpy().tolist() for _ in range(3)]
    assert f.replays == 2


def _runs_eagerly(fn, *args, match: str):
    compiled = cr.compile(fn)
    with pytest.warns(CompileWarning, match=match):
        compiled(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled(*args)
    assert compiled.fallback_reason is not None and compiled.source == ""
    return compiled


def test_a_draw_from_another_generator_falls_back() -> None:
    g = cr.Generator().manual_seed(3)

    def f(x):
        return x + cr.randn(3, generator=g)

    _runs_eagerly(f, cr.zeros(3), match="generator other than the default")


def test_manual_seed_inside_the_step_falls_back() -> None:
    def f(x):
        cr.manual_seed(1)
        return x + cr.randn(3)

    _runs_eagerly(f, cr.zeros(3), match="state changed|drew random numbers")


def test_an_unrecorded_draw_falls_back() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)

    def f(x):
        cr.random.default_generator.numpy.random(3)  # a draw no replay would repeat
        return (w * x).sum()

    _runs_eagerly(f, cr.ones(2), match="drew random numbers")


# ----------------------------------------------------------------------------- BatchNorm
def _mlp_bn(**kw):
    return lambda: cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.BatchNorm1d(32, **kw), cr.nn.ReLU(),
                                    cr.nn.Linear(32, 10))


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_batchnorm1d_100_steps_equals_eager(train: bool) -> None:
    compiled = _twins(_mlp_bn(), train=train)
    src = compiled.source
    if train:
        assert "update_running_stats(T_layer1_running_mean, T_layer1_running_var" in src
        assert "count_batch(T_layer1_num_batches_tracked, 0.1)" in src
    else:
        assert "layer1_running_mean.reshape((1, 32))" in src and "update_running_stats" not in src


def test_batchnorm_cumulative_average_momentum_none() -> None:
    compiled = _twins(_mlp_bn(momentum=None), steps=30)
    assert "momentum = count_batch(" in compiled.source


def test_batchnorm_without_running_stats_or_affine() -> None:
    _twins(_mlp_bn(track_running_stats=False), steps=20)
    _twins(_mlp_bn(affine=False), steps=20)


class _FunctionalBN(cr.nn.Module):
    """F.batch_norm called directly with the module's own buffers (no BatchNorm module, so no count_batch)."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2 = cr.nn.Linear(64, 32), cr.nn.Linear(32, 10)
        self.register_buffer("mean", cr.zeros(32))
        self.register_buffer("var", cr.ones(32))

    def forward(self, x):
        h = F.batch_norm(self.fc1(x), self.mean, self.var, training=self.training, momentum=0.2)
        return self.fc2(F.relu(h))


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_functional_batch_norm_with_buffers_equals_eager(train: bool) -> None:
    compiled = _twins(_FunctionalBN, train=train, steps=30)
    assert ("update_running_stats(T_mean_2, T_var_2, mean, var, 32, 0.2)" in compiled.source) is train
    assert "count_batch" not in compiled.source


def _cnn_bn():
    return cr.nn.Sequential(cr.nn.Conv2d(1, 4, 3, padding=1), cr.nn.BatchNorm2d(4), cr.nn.ReLU(),
                            cr.nn.MaxPool2d(2), cr.nn.Flatten(), cr.nn.Linear(4 * 4 * 4, 10))


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_batchnorm2d_cnn_equals_eager(train: bool) -> None:
    _twins(_cnn_bn, images=True, train=train, steps=30)


def test_batchnorm_then_eval_uses_the_replayed_statistics() -> None:
    results = []
    for compiled in (False, True):
        cr.manual_seed(0)
        model = _mlp_bn()()
        opt = cr.optim.SGD(model.parameters(), lr=0.1)

        step = training_step(model, opt)

        run = cr.compile(step) if compiled else step
        for x, y in digits_batches(10):
            run(x, y)
        model.eval()
        with cr.no_grad():
            results.append(model(digits_batches(1)[0][0]).numpy().copy())
        assert int(model[1].num_batches_tracked.item()) == 10
    assert results[0].tobytes() == results[1].tobytes()


# ----------------------------------------------------------------------------- optimizers and a CNN
def _cnn():
    return cr.nn.Sequential(cr.nn.Conv2d(1, 4, 3, padding=1), cr.nn.ReLU(), cr.nn.MaxPool2d(2), cr.nn.Flatten(),
                            cr.nn.Linear(4 * 4 * 4, 10))


@pytest.mark.parametrize("make_opt", [
    lambda ps: cr.optim.SGD(ps, lr=0.1),
    lambda ps: cr.optim.Adam(ps, lr=1e-2),
    lambda ps: cr.optim.AdamW(ps, lr=1e-2, weight_decay=0.05),
], ids=["sgd", "adam", "adamw"])
def test_cnn_with_max_pool_100_steps(make_opt) -> None:
    _twins(_cnn, make_opt, images=True)


def test_adam_with_dropout_and_batchnorm_100_steps() -> None:
    def make():
        return cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.BatchNorm1d(32), cr.nn.ReLU(), cr.nn.Dropout(0.1),
                                cr.nn.Linear(32, 10))

    _twins(make, lambda ps: cr.optim.Adam(ps, lr=1e-2))


# ----------------------------------------------------------------------------- custom autograd.Function
class _Act(cr.nn.Module):
    def __init__(self, fn, *args):
        super().__init__()
        self.fn, self.args = fn, args

    def forward(self, x):
        return self.fn.apply(x, *self.args)


@pytest.mark.parametrize("act", [(MyReLU,), (ScaledTanh, 0.5)], ids=["relu", "scaled-tanh"])
def test_custom_function_100_steps_equals_eager(act) -> None:
    def make():
        return cr.nn.Sequential(cr.nn.Linear(64, 32), _Act(*act), cr.nn.Linear(32, 10))

    compiled = _twins(make, lambda ps: cr.optim.Adam(ps, lr=1e-2))
    assert f"{act[0].__name__}.backward, your own code" in compiled.source
    assert "function_backward(" in compiled.source


def test_custom_function_backward_runs_on_each_replay() -> None:
    calls = []

    class Cube(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

    w = cr.tensor([1.0, 2.0], requires_grad=True)
    opt = cr.optim.SGD([w], lr=0.01)

    @cr.compile
    def step():
        opt.zero_grad()
        y = Cube.apply(w).sum()
        y.backward()
        opt.step()
        return y

    for _ in range(5):
        step()
    assert step.fallback_reason is None and step.replays == 4 and len(calls) == 5
    v = np.array([1.0, 2.0], np.float32)
    for _ in range(5):
        v = v - np.float32(0.01) * (3 * v * v)
    assert np.array_equal(w.detach().numpy(), v)


def test_custom_function_with_a_ctx_object_falls_back() -> None:
    class Keep(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.log = []
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    w = cr.tensor([1.0, 3.0], requires_grad=True)

    def f():
        y = Keep.apply(w).sum()
        y.backward()
        return y

    _runs_eagerly(f, match=r"ctx.log holds a list")


class SplitScale(cr.autograd.Function):
    """Three outputs: two differentiable ones and an integer one (no gradient)."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w, (x * x).sum(dim=1), x.argmax(dim=1)

    @staticmethod
    def backward(ctx, ga, gb, gi):
        x, w = ctx.saved_tensors
        return ga * w + 2 * x * gb.unsqueeze(1), (ga * x).sum(dim=0)


class ExpAndDouble(cr.autograd.Function):
    """Saves one of its outputs; marks the other non-differentiable."""

    @staticmethod
    def forward(ctx, x):
        y, z = x.exp(), x * 2.0
        ctx.mark_non_differentiable(z)
        ctx.save_for_backward(y)
        return y, z

    @staticmethod
    def backward(ctx, gy, gz):
        (y,) = ctx.saved_tensors
        return gy * y


@pytest.mark.parametrize("uses", ["first", "second", "both", "saved output"])
def test_custom_function_with_several_outputs_equals_eager(uses: str) -> None:
    """Each output's gradient goes into its slot (unused ones materialized as zeros by the engine), and the
    Function's own backward gets them all: parameters and losses bit for bit with eager over several calls."""
    def setup():
        w, v = cr.randn(4, requires_grad=True), cr.randn(4, requires_grad=True)
        opt = cr.optim.SGD([w, v], lr=0.01)

        def step(x):
            opt.zero_grad()
            if uses == "saved output":
                y, z = ExpAndDouble.apply(x * v)
                loss = y.sum() + (z * w).sum()
            else:
                a, b, _ = SplitScale.apply(x * v, w)
                loss = a.pow(2).mean() if uses == "first" else b.mean() if uses == "second" else a.sum() + b.sum()
            loss.backward()
            opt.step()
            return loss

        return step, [w, v]

    compiled = _eager_and_compiled(setup, lambda k: (cr.randn(3, 4),))
    assert "function_backward(" in compiled.source and ".backward(None, " in compiled.source


def test_custom_function_computing_in_numpy_falls_back() -> None:
    class Np(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return cr.from_numpy(np.sin(x.detach().numpy()))

        @staticmethod
        def backward(ctx, g):
            return g

    w = cr.tensor([1.0, 3.0], requires_grad=True)

    def f():
        y = Np.apply(w).sum()
        y.backward()
        return y

    _runs_eagerly(f, match="numpy|NumPy|not made by recorded ops")


def test_custom_function_backward_runs_without_recording_as_in_eager() -> None:
    seen = []

    class Probe(cr.autograd.Function):
        @staticmethod
        def forward(x):
            return x * 2.0

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx, g):
            seen.append(cr.is_grad_enabled())
            (x,) = ctx.saved_tensors
            return g * 2.0 + x * 0.0

    w = cr.tensor([1.0, 3.0], requires_grad=True)

    @cr.compile
    def f():
        y = Probe.apply(w).sum()
        y.backward()
        return y

    for _ in range(3):
        f()
    assert f.fallback_reason is None and f.replays == 1
    assert seen == [False, False, False]
    assert w.grad.numpy().tolist() == [6.0, 6.0]


# ----------------------------------------------------------------------------- indexing with the step's values
def _labelled(shape: tuple, classes: int):
    """inputs(k) for `_eager_and_compiled`: a float32 batch of `shape` and its class labels, seeded by k."""
    def inputs(k):
        gen = np.random.default_rng(k)
        return (cr.tensor(gen.standard_normal(shape).astype(np.float32)),
                cr.tensor(gen.integers(0, classes, shape[0])))

    return inputs


def _eager_and_compiled(setup, inputs, calls: int = 8):
    """`setup()` -> (step, tensors to compare), made from the same seed twice: run eagerly and compiled for
    `calls` calls with `inputs(k)`; losses, those tensors and the generator's state must agree bit for bit, and
    the compiled one must not fall back. Returns the compiled step."""
    runs = []
    for compiled in (False, True):
        cr.manual_seed(0)
        step, state = setup()
        run = cr.compile(step) if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("error", CompileWarning)
            losses = [run(*inputs(k)).item() for k in range(calls)]
        runs.append((losses, [t.detach().numpy().tobytes() for t in state],
                     cr.random.default_generator.get_state(), run))
    assert runs[0][:3] == runs[1][:3]
    assert runs[1][3].replays >= calls - 2
    return runs[1][3]


def test_index_select_with_the_steps_indices_compiles() -> None:
    """`index_select(E, 0, ids)` with ids passed in (an embedding lookup written the torch way; it used to fall back:
    the op indexed with a reshaped copy of the index), also along dimension 1: replayed with this call's indices,
    bit for bit with eager."""
    def setup():
        emb = cr.randn(20, 4, requires_grad=True)
        w = cr.randn(4, requires_grad=True)
        opt = cr.optim.SGD([emb, w], lr=0.1)

        def step(ids):
            opt.zero_grad()
            rows = cr.index_select(emb, 0, ids)
            cols = cr.index_select(emb, 1, ids % 4)
            loss = ((rows @ w).tanh() ** 2).mean() + cols.sum() * 0.01
            loss.backward()
            opt.step()
            return loss

        return step, [emb, w]

    compiled = _eager_and_compiled(setup, lambda k: (cr.tensor(np.random.default_rng(k).integers(0, 20, 6)),))
    assert "ids" in compiled.source


def test_an_integer_index_from_a_0d_tensor_is_read_again_on_each_replay() -> None:
    """`w[i]`, `m[:, i]`, `m[0, i]` with a 0-d integer tensor i passed in: PyTorch (and chainrule) take i as an
    integer. The replay used to bake in the traced integer, a silently wrong replay from the second call on (the
    parameters differed from eager's); it reads i again now, bit for bit with eager."""
    def setup():
        w = cr.randn(5, requires_grad=True)
        m = cr.randn(3, 5, requires_grad=True)
        opt = cr.optim.SGD([w, m], lr=0.1)

        def step(i):
            opt.zero_grad()
            loss = w[i] ** 2 + m[:, i].sum() + m[0, i] * w[(i + 1) % 5]
            loss.backward()
            opt.step()
            return loss

        return step, [w, m]

    compiled = _eager_and_compiled(setup, lambda k: (cr.tensor(k % 5),))
    assert "int(i)" in compiled.source


def test_an_integer_index_from_a_tensor_the_replay_cannot_read_falls_back() -> None:
    """A 0-d index tensor made outside the step's ops from Python data each call cannot be read again: eager, with
    the reason, never the traced index."""
    w = cr.randn(5, requires_grad=True)
    values = iter(range(10))

    def step():
        loss = w[cr.tensor(next(values) % 5)] * 2.0
        loss.backward()
        return loss

    compiled = cr.compile(step)
    with pytest.warns(CompileWarning):
        results = [compiled().item() for _ in range(4)]
    assert results == [w.detach().numpy()[k] * 2.0 for k in range(4)]


def test_indexing_with_a_random_draw_and_with_input_indices_equals_eager() -> None:
    """`E[cr.randint(...)]` (a random minibatch or embedding lookup drawn in the step) and `E[ids, 1:3]` with
    indices passed in: the replay indexes with this call's indices (the draw replayed from the generator, the
    input read again), forward and backward, bit for bit with eager over several calls."""
    def setup():
        emb = cr.randn(50, 4, requires_grad=True)
        w = cr.randn(4, 1, requires_grad=True)
        opt = cr.optim.SGD([emb, w], lr=0.1)

        def step(ids):
            opt.zero_grad()
            idx = cr.randint(0, 50, (8,))
            loss = (emb[idx] @ w).pow(2).mean() + emb[ids, 1:3].sum()
            loss.backward()
            opt.step()
            return loss

        return step, [emb, w]

    compiled = _eager_and_compiled(setup, lambda k: (cr.tensor([k % 50, (3 * k) % 50, 7]),))
    assert "index=(idx,)" in compiled.source and "index=(ids, slice(1, 3, None))" in compiled.source


def test_indexing_with_a_boolean_mask_or_an_index_from_outside_the_ops_still_falls_back() -> None:
    """A mask's result size depends on the data; an index array made in NumPy is not a value of the step."""
    x = cr.tensor([1.0, -1.0, 2.0], requires_grad=True)
    fixed = np.array([0, 2])
    for body in (lambda: x[x > 0].sum(), lambda: x[fixed].sum()):
        step = cr.compile(body)
        with pytest.warns(CompileWarning):
            got = [step().item() for _ in range(3)]
        assert got == [body().item()] * 3 and step.fallback_reason is not None


def test_a_frozen_linear_layer_compiles() -> None:
    """Fine-tuning: the first layer frozen (requires_grad False), the head trained. The frozen layer's linear op
    records no node but is still published to the op observers, so the step compiles (it fell back: a tensor made
    outside the ops) and equals eager bit for bit."""
    def setup():
        model = cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.ReLU(), cr.nn.Linear(32, 10))
        model[0].requires_grad_(False)
        opt = cr.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
        return training_step(model, opt), list(model.parameters())

    batches = digits_batches(8)
    compiled = _eager_and_compiled(setup, lambda k: batches[k])
    assert "layer0_linear" in compiled.source


def test_the_op_observers_see_a_linear_op_that_records_no_node() -> None:
    from chainrule.ops.observe import observe_ops

    layer = cr.nn.Linear(3, 2).requires_grad_(False)
    x = cr.ones(4, 3)
    for mode in (cr.enable_grad, cr.no_grad):
        with mode(), observe_ops() as calls:
            y = layer(x)
        assert [c.op.name for c in calls] == ["linear"] and calls[0].output is y and y.grad_fn is None


# ----------------------------------------------------------------------------- creation functions in the step
def test_creation_functions_in_the_step_compile() -> None:
    """A GRU's zero initial state (`zeros` in its forward), `arange` used as an index and `zeros_like`: values
    fixed by the trace's Python arguments and shapes, made fresh on each replay; equal to eager bit for bit."""
    def setup():
        rnn, head = cr.nn.GRU(4, 6, batch_first=True), cr.nn.Linear(6, 3)
        opt = cr.optim.SGD([*rnn.parameters(), *head.parameters()], lr=0.1)

        def step(x, y):
            opt.zero_grad()
            out, _ = rnn(x)
            logits = head(out[:, -1])
            loss = -logits.log_softmax(1)[cr.arange(x.shape[0]), y].mean() + (cr.zeros_like(logits) * logits).sum()
            loss.backward()
            opt.step()
            return loss

        return step, [*rnn.parameters(), *head.parameters()]

    compiled = _eager_and_compiled(setup, lambda k: (cr.randn(5, 7, 4), cr.randint(0, 3, (5,))))
    assert "arange" in compiled.source and "zeros" in compiled.source


def test_a_leaf_that_requires_grad_made_in_the_step_falls_back() -> None:
    def f():
        w = cr.ones(3, requires_grad=True)
        y = (w * 2.0).sum()
        y.backward()
        return y

    _runs_eagerly(f, match="requires grad made inside the step")


# ----------------------------------------------------------------------------- targets and detached values
@pytest.mark.parametrize("kind", ["bce target", "detach"])
def test_a_loss_target_held_as_an_attribute_and_detached_values_compile(kind: str) -> None:
    """binary_cross_entropy_with_logits keeps its target's own array as an op attribute: the replay reads the
    argument's array on each call. `t.detach()` of a value of the step (a baseline, a target network's output) is
    that value without its history. Both equal eager bit for bit (both fell back)."""
    F = cr.nn.functional

    def setup():
        m = cr.nn.Sequential(cr.nn.Linear(5, 8), cr.nn.Tanh(), cr.nn.Linear(8, 3))
        opt = cr.optim.Adam(m.parameters(), lr=0.01)

        def step(x, y):
            opt.zero_grad()
            out = m(x)
            if kind == "bce target":
                loss = F.binary_cross_entropy_with_logits(out, y)
            else:
                loss = ((out - out.detach().mean()) ** 2).mean() + (out * y.detach()).mean()
            loss.backward()
            opt.step()
            return loss

        return step, list(m.parameters())

    compiled = _eager_and_compiled(setup, lambda k: (cr.randn(4, 5), cr.rand(4, 3)))
    assert ("y=y" in compiled.source) if kind == "bce target" else ("_detached = " in compiled.source)


@pytest.mark.parametrize("optimizer, clip", [
    ("sgd", "norm"), ("sgd", "norm_inf"), ("adam", "norm"), ("sgd_momentum", "norm_returned"), ("adam", "value"),
    ("sgd", "norm_list"),
])
def test_gradient_clipping_compiles_and_equals_eager(optimizer, clip) -> None:
    """`clip_grad_norm_` / `clip_grad_value_` between backward and the optimizer's step (the usual RNN and
    transformer recipe): the replay calls the same function on the same parameters, so `.grad`, the update and
    the returned total norm are eager's, bit for bit, over several calls (gradients large enough to be clipped)."""
    def setup():
        model = cr.nn.Sequential(cr.nn.Linear(6, 8), cr.nn.Tanh(), cr.nn.Linear(8, 3))
        opt = {"sgd": lambda p: cr.optim.SGD(p, lr=0.05), "adam": lambda p: cr.optim.Adam(p, lr=0.01),
               "sgd_momentum": lambda p: cr.optim.SGD(p, lr=0.05, momentum=0.9)}[optimizer](model.parameters())

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x) * 5.0, y)
            loss.backward()
            if clip == "value":
                cr.nn.utils.clip_grad_value_(model.parameters(), 0.05)
                norm = None
            elif clip == "norm_list":
                norm = cr.nn.utils.clip_grad_norm_(list(model.parameters()), max_norm=0.5, norm_type=1.0)
            else:
                norm = cr.nn.utils.clip_grad_norm_(model.parameters(), 0.5,
                                                   norm_type=float("inf") if clip == "norm_inf" else 2.0)
            opt.step()
            return loss + norm if clip == "norm_returned" else loss

        class ParamsAndGrads:  # read when compared, after the calls
            def __iter__(self):
                return iter([*model.parameters(), *(p.grad for p in model.parameters())])

        return step, ParamsAndGrads()

    compiled = _eager_and_compiled(setup, _labelled((5, 6), 3))
    called = "clip_grad_value_" if clip == "value" else "clip_grad_norm_"
    assert re.search(called + r"\d*\(clip_params\d*, ", compiled.source)  # the same function, on the same parameters


def test_clipping_that_raises_on_a_nonfinite_norm_raises_in_the_replay_too() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    opt = cr.optim.SGD([w], lr=0.1)

    @cr.compile
    def step(scale):
        opt.zero_grad()
        (w * scale).sum().backward()
        return cr.nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)

    for _ in range(3):
        assert step(cr.tensor(3.0)).item() == pytest.approx(np.sqrt(18.0))
    assert step.replays >= 1
    with pytest.raises(RuntimeError, match="non-finite"):
        step(cr.tensor(float("inf")))


def test_the_pytorch_mnist_example_step_log_softmax_and_nll_loss_compiles() -> None:
    """`F.nll_loss(F.log_softmax(model(x), dim=1), y)` (PyTorch's MNIST example) compiles: the loss picks
    -logp[n, y[n]] with this call's targets, forward and backward, bit for bit with eager over several batches."""
    def setup():
        model = cr.nn.Sequential(cr.nn.Linear(6, 8), cr.nn.ReLU(), cr.nn.Linear(8, 4))
        opt = cr.optim.Adam(model.parameters(), lr=0.01)
        return training_step(model, opt, lambda out, y: F.nll_loss(F.log_softmax(out, dim=1), y)), \
            list(model.parameters())

    compiled = _eager_and_compiled(setup, _labelled((5, 6), 4))
    assert "target=y" in compiled.source  # this call's targets, read live


@pytest.mark.parametrize("loss_name", ["smooth_l1_loss", "huber_loss"])
def test_a_dqn_step_with_smooth_l1_or_huber_compiles(loss_name) -> None:
    """PyTorch's DQN tutorial step: Q(s, a) by `gather`, the target r + gamma * max_a' Q_target(s', a') under
    no_grad, then SmoothL1 (or Huber) -- one op each, whose target is read live on every call."""
    def setup():
        policy = cr.nn.Sequential(cr.nn.Linear(4, 16), cr.nn.ReLU(), cr.nn.Linear(16, 2))
        target_net = cr.nn.Sequential(cr.nn.Linear(4, 16), cr.nn.ReLU(), cr.nn.Linear(16, 2))
        opt = cr.optim.AdamW(policy.parameters(), lr=1e-3, amsgrad=True)

        def step(s, a, r, s2):
            q = policy(s).gather(1, a)
            with cr.no_grad():
                target = r + 0.99 * target_net(s2).max(1).values
            loss = getattr(F, loss_name)(q, target.unsqueeze(1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        return step, list(policy.parameters())

    def inputs(k):
        gen = np.random.default_rng(k)
        return (cr.tensor(gen.standard_normal((8, 4)).astype(np.float32)), cr.tensor(gen.integers(0, 2, (8, 1))),
                cr.tensor(gen.standard_normal(8).astype(np.float32)),
                cr.tensor(gen.standard_normal((8, 4)).astype(np.float32)))

    compiled = _eager_and_compiled(setup, inputs)
    assert f"op_{loss_name}(" in compiled.source


def test_gather_with_an_index_made_outside_the_ops_runs_eagerly() -> None:
    """gather's own grids are constants of the trace, but its index must be a value of the step: an index built
    in NumPy inside the step (here all zeros, which looks like a grid along a size-1 axis) is not replayed."""
    w = cr.randn(4, 3, requires_grad=True)
    picks = iter([np.zeros((4, 1), np.int64), np.full((4, 1), 2), np.ones((4, 1), np.int64)])

    def step():
        idx = cr.tensor(next(picks))
        loss = w.gather(1, idx).sum()
        loss.backward()
        return loss

    compiled = cr.compile(step)
    with pytest.warns(CompileWarning, match="runs eagerly"):
        compiled()
    compiled()
    assert compiled.fallback_reason is not None


@pytest.mark.parametrize("pool", [(2, 2), (3, 2), 1])
def test_a_cnn_with_adaptive_average_pooling_compiles(pool) -> None:
    """AdaptiveAvgPool2d (one op; global pooling is a mean) between conv layers and the classifier compiles, bit
    for bit with eager, for windows that divide the input, windows that overlap, and global pooling."""
    def setup():
        n = 4 * (pool[0] * pool[1] if isinstance(pool, tuple) else 1)
        model = cr.nn.Sequential(cr.nn.Conv2d(1, 4, 3, padding=1), cr.nn.ReLU(), cr.nn.AdaptiveAvgPool2d(pool),
                                 cr.nn.Flatten(), cr.nn.Linear(n, 3))
        opt = cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        return training_step(model, opt), list(model.parameters())

    _eager_and_compiled(setup, _labelled((2, 1, 7, 6), 3))


def test_masks_from_comparisons_compile() -> None:
    """Comparisons, logical ops and casts of their masks are ops without a derivative that the op observers see:
    a leaky-ReLU written with `cr.where(h > 0, ...)` and a mask `((h > 0.5) & (y != 0)).float()` compile, with
    this call's masks, bit for bit with eager."""
    def setup():
        w = cr.randn(4, 3, requires_grad=True)
        opt = cr.optim.SGD([w], lr=0.1)

        def step(x, y):
            opt.zero_grad()
            h = x @ w
            h = cr.where(h > 0, h, h * 0.1)
            m = ((h > 0.5) & (y != 0) | ~(h < 2.0)).float()
            loss = (h * m).sum() + ((h - y) ** 2).mean() + (h >= y).double().mean().float()
            loss.backward()
            opt.step()
            return loss

        return step, [w]

    def inputs(k):
        gen = np.random.default_rng(k)
        return (cr.tensor(gen.standard_normal((5, 4)).astype(np.float32)),
                cr.tensor(np.round(gen.standard_normal((5, 3))).astype(np.float32)))

    compiled = _eager_and_compiled(setup, inputs)
    assert "op_gt(h, 0)" in compiled.source and "op_logical_and(" in compiled.source
    # the comments name local derivatives only where there are some: none for a comparison or a where's condition
    assert "= none" not in compiled.source and ": none" not in compiled.source
    assert "op_gt(h, 0)  # gt\n" in compiled.source


def test_gradient_accumulation_over_micro_batches_with_cross_entropy_compiles() -> None:
    """Two micro-batches per step (`x.split(half)`, `y.split(half)`), one backward each: cross_entropy's target
    is a value of the step (a slice of the input), read again on every call."""
    def setup():
        model = cr.nn.Sequential(cr.nn.Linear(5, 6), cr.nn.Tanh(), cr.nn.Linear(6, 3))
        opt = cr.optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            total = None
            for xb, yb in zip(x.split(4), y.split(4)):
                part = F.cross_entropy(model(xb), yb) * 0.5
                part.backward()
                total = part if total is None else total + part
            opt.step()
            return total

        return step, list(model.parameters())

    _eager_and_compiled(setup, _labelled((8, 5), 3))
