"""cr.compile: replayed steps equal eager steps bit for bit; everything it cannot replay runs eagerly with a
one-time warning naming the reason (one test per reason)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.compile import CompileWarning
from compile_helpers import digits_batches, mlp, training_step

F = cr.nn.functional


def _cnn() -> cr.nn.Module:
    return cr.nn.Sequential(cr.nn.Conv2d(1, 4, 3, padding=1), cr.nn.ReLU(), cr.nn.MaxPool2d(2), cr.nn.Flatten(),
                            cr.nn.Linear(4 * 4 * 4, 10))


def _pair(make_model, make_opt, steps: int = 100, images: bool = False, compiled_expect: bool = True):
    """Train two identical models, one eager and one compiled; return both and the compiled step."""
    models, steppers = [], []
    for _ in range(2):
        cr.manual_seed(0)
        model = make_model()
        opt = make_opt(model.parameters())

        step = training_step(model, opt)

        models.append(model)
        steppers.append(step)
    eager, compiled = steppers[0], cr.compile(steppers[1])
    for x, y in digits_batches(steps, images):
        a, b = eager(x, y), compiled(x, y)
        assert a.item() == b.item()
    for (name, p), q in zip(models[0].named_parameters(), models[1].parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy()), name
        assert p.detach().numpy().tobytes() == q.detach().numpy().tobytes(), name
    if compiled_expect:
        assert compiled.fallback_reason is None, compiled.fallback_reason
        assert compiled.replays >= steps - 3
    return models, compiled


@pytest.mark.parametrize("make_opt", [
    lambda ps: cr.optim.SGD(ps, lr=0.1),
    lambda ps: cr.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-4),
    lambda ps: cr.optim.Adam(ps, lr=1e-2),
    lambda ps: cr.optim.AdamW(ps, lr=1e-2),
], ids=["sgd", "sgd-momentum", "adam", "adamw"])
def test_digits_mlp_100_steps_bit_for_bit(make_opt) -> None:
    models, compiled = _pair(mlp, make_opt)
    assert compiled.traces <= 2  # the first call, and the second once optimizer state exists


def test_optimizer_state_is_the_same_arrays_eager_code_sees() -> None:
    (m_eager, m_comp), compiled = _pair(mlp, lambda ps: cr.optim.Adam(ps, lr=1e-2), steps=5)
    assert compiled.replays >= 3
    for p in m_comp.parameters():
        assert p.grad is not None and p.grad.shape == p.shape
    sd = m_comp.state_dict()
    assert np.array_equal(sd["0.weight"].numpy(), m_comp[0].weight.detach().numpy())


def test_cnn_with_max_pool_bit_for_bit() -> None:
    _pair(_cnn, lambda ps: cr.optim.SGD(ps, lr=0.1), steps=30, images=True)


def test_cnn_with_grouped_dilated_and_padded_convolutions_bit_for_bit() -> None:
    """groups, dilation, padding='same' and a reflect padding_mode (F.pad as a gather) replay as eager runs them."""
    def cnn() -> cr.nn.Module:
        return cr.nn.Sequential(
            cr.nn.Conv2d(1, 4, 3, dilation=2, padding="same", padding_mode="reflect"), cr.nn.ReLU(),
            cr.nn.Conv2d(4, 4, 3, groups=4, padding=1), cr.nn.ReLU(), cr.nn.Conv2d(4, 4, 2, groups=2, padding="same"),
            cr.nn.MaxPool2d(2), cr.nn.Flatten(), cr.nn.Linear(4 * 4 * 4, 10))
    _pair(cnn, lambda ps: cr.optim.SGD(ps, lr=0.1), steps=20, images=True)


def test_source_reads_like_the_chapter() -> None:
    cr.manual_seed(0)
    model = mlp()
    opt = cr.optim.SGD(model.parameters(), lr=0.1)

    @cr.compile
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    (x, y), = digits_batches(1)
    step(x, y)
    src = step.source
    assert "def step(x_t, y_t):" in src
    assert "layer0_linear = " in src and "layer1_relu = " in src and "dloss_dlayer0_weight" in src
    assert "# ---- forward" in src and "# ---- backward" in src and "layer0_weight -= lr * dloss_dlayer0_weight" in src
    assert "local derivative" in src


def test_scheduler_lr_is_read_live_without_retracing() -> None:
    models, steppers = [], []
    for _ in range(2):
        cr.manual_seed(0)
        model = mlp()
        opt = cr.optim.SGD(model.parameters(), lr=0.1)
        sched = cr.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)

        step = training_step(model, opt)

        models.append((model, sched))
        steppers.append(step)
    compiled = cr.compile(steppers[1])
    for x, y in digits_batches(12):
        steppers[0](x, y)
        compiled(x, y)
        for _, sched in models:
            sched.step()
    for p, q in zip(models[0][0].parameters(), models[1][0].parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())
    assert compiled.traces == 1 and compiled.fallback_reason is None


def test_guards_retrace_on_shape_and_train_eval_and_grad_mode() -> None:
    cr.manual_seed(0)
    model = mlp()

    @cr.compile
    def forward(x):
        return model(x)

    x = cr.randn(4, 64)
    with cr.no_grad():
        a = forward(x)
        b = forward(x)
        assert forward.traces == 1 and forward.replays == 1
        forward(cr.randn(5, 64))
        assert forward.traces == 2
        model.eval()
        forward(x)
        assert forward.traces == 3
    assert np.array_equal(a.numpy(), b.numpy())


def test_the_cache_is_bounded_then_eager_with_one_warning() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)

    @cr.compile(cache_size=2)
    def f(x):
        return (x * 2.0).sum()

    with pytest.warns(CompileWarning, match="more than 2 different traces"):
        for n in range(1, 6):
            f(cr.ones(n))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(cr.ones(7)).item() == 14.0
    del w


def test_the_fallback_message_names_what_the_call_changed() -> None:
    """When no trace matches any more, the message says which guard item the call fails: the input's shape, or a
    .grad set to None by hand inside the step (not replayable: every call traces again), with a hint."""
    @cr.compile(cache_size=2)
    def f(x):
        return (x * 2.0).sum()

    with pytest.warns(CompileWarning, match=r"differs from the latest trace in: `x.shape` was \(2,\) when traced, "
                                            r"\(3,\) now"):
        for n in range(1, 4):
            f(cr.ones(n))

    model = cr.nn.Linear(3, 2)
    opt = cr.optim.SGD(model.parameters(), lr=0.1)

    @cr.compile(cache_size=3)
    def step(x):
        for p in model.parameters():
            p.grad = None
        loss = model(x).sum()
        loss.backward()
        opt.step()
        return loss

    eager = cr.nn.Linear(3, 2)
    eager.load_state_dict(model.state_dict())
    eager_opt = cr.optim.SGD(eager.parameters(), lr=0.1)
    with pytest.warns(CompileWarning) as record:
        for i in range(6):
            x = cr.full((4, 3), float(i))
            step(x)
            eager_opt.zero_grad()
            eager(x).sum().backward()
            eager_opt.step()
    message = str(record[0].message)
    assert "`weight.grad is None` was True when traced, False now" in message
    assert "`bias.grad is None`" in message and "opt.zero_grad() and model.zero_grad() are" in message
    assert step.replays == 0 and np.array_equal(model.weight.detach().numpy(), eager.weight.detach().numpy())


# ----------------------------------------------------------------------------- scalar engine
def test_chapter_neuron_compiles_to_float_operations() -> None:
    def make():
        x1, x2 = cr.tensor(2.0, requires_grad=True), cr.tensor(0.0, requires_grad=True)
        w1, w2 = cr.tensor(-3.0, requires_grad=True), cr.tensor(1.0, requires_grad=True)
        b = cr.tensor(6.8813735870195432, requires_grad=True)
        return x1, x2, w1, w2, b

    leaves_e, leaves_c = make(), make()

    def neuron(x1, x2, w1, w2, b):
        n = x1 * w1 + x2 * w2 + b
        o = n.tanh()
        o.backward()
        return o

    compiled = cr.compile(neuron)
    for _ in range(3):
        oe, oc = neuron(*leaves_e), compiled(*leaves_c)
        assert oe.item() == oc.item()
    for a, b in zip(leaves_e, leaves_c):
        assert a.grad.item() == b.grad.item()
    assert compiled.traces == 2 and compiled.replays == 1  # .grad None on the first call, then set
    src = compiled.source
    assert "np.tanh(" in src and "op_" not in src and "backward(" not in src.split("def ")[1].split("accumulate")[0]
    # the chapter's numbers: o = 0.7071, do/dw1 = 1.0 per call (accumulated three times)
    assert abs(oc.item() - 0.7071) < 1e-4
    assert abs(leaves_c[2].grad.item() - 3.0) < 1e-4


# ----------------------------------------------------------------------------- fallbacks, one per reason
def _runs_eagerly(fn, *args, match: str):
    compiled = cr.compile(fn)
    with pytest.warns(CompileWarning, match=match):
        first = compiled(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one-time: no second warning
        second = compiled(*args)
    assert compiled.fallback_reason is not None and compiled.source == ""
    return first, second, compiled


def test_a_hand_written_update_falls_back_saying_so() -> None:
    """PyTorch's "learning PyTorch with examples" loop updates the weights by hand under no_grad; the replay does
    not cover that (only cr.optim's updates), so the step runs eagerly, with a message that names `.grad` and the
    way out, and the eager steps are exactly those of the uncompiled function."""
    def make():
        cr.manual_seed(0)
        return [cr.randn((), requires_grad=True) for _ in range(2)]

    x = cr.linspace(-1.0, 1.0, 20)

    def stepper(params):
        def step():
            a, b = params
            loss = ((a + b * x - x ** 3) ** 2).sum()
            loss.backward()
            with cr.no_grad():
                for p in params:
                    p -= 0.01 * p.grad
                    p.grad = None
            return loss
        return step

    eager_params, compiled_params = make(), make()
    plain = stepper(eager_params)
    first, second, _ = _runs_eagerly(stepper(compiled_params), match=r"reads a?t?\w*\.grad inside the step .*cr\.optim")
    assert (first.item(), second.item()) == (plain().item(), plain().item())
    assert [p.item() for p in eager_params] == [p.item() for p in compiled_params]


def test_item_falls_back_naming_the_line() -> None:
    w = cr.tensor([1.0, -2.0], requires_grad=True)

    def f(x):
        y = (w * x).sum()
        if y.item() > 0:
            return y * 2.0
        return y

    _, _, c = _runs_eagerly(f, cr.tensor([1.0, 1.0]), match=r"\.item\(\)")
    assert "test_compile.py" in c.fallback_reason and "y.item() > 0" in c.fallback_reason


def test_bool_of_a_tensor_falls_back() -> None:
    def f(x):
        return x * 2.0 if (x.sum() > 0) else x * 3.0

    _runs_eagerly(f, cr.tensor([1.0, 1.0]), match=r"bool\(tensor\)")


def test_float_of_a_tensor_falls_back() -> None:
    def f(x):
        return x * float(x.sum())

    _runs_eagerly(f, cr.tensor([1.0, 1.0]), match=r"float\(tensor\)")


def test_data_dependent_indexing_falls_back() -> None:
    def f(x):
        return x[x > 0].sum()

    a, b, _ = _runs_eagerly(f, cr.tensor([1.0, -1.0, 2.0]), match="not a recorded op|array data|tensor's value")
    assert a.item() == b.item() == 3.0


def test_dropout_compiles_and_draws_fresh_masks() -> None:
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(8, 8), cr.nn.Dropout(0.5))

    @cr.compile
    def f(x):
        return model(x).sum()

    x = cr.ones(4, 8)
    with warnings.catch_warnings(), cr.no_grad():
        warnings.simplefilter("error", CompileWarning)
        a, b = f(x), f(x)
    assert a.item() != b.item() and f.fallback_reason is None and f.replays == 1


def test_dropout_with_a_fixed_seed_equals_eager() -> None:
    results = []
    for compiled in (False, True):
        cr.manual_seed(0)
        model = cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.ReLU(), cr.nn.Dropout(0.2), cr.nn.Linear(32, 10))
        opt = cr.optim.SGD(model.parameters(), lr=0.1)

        step = training_step(model, opt)

        run = cr.compile(step) if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CompileWarning)
            results.append([run(x, y).item() for x, y in digits_batches(10)])
    assert results[0] == results[1]


def test_in_place_op_falls_back() -> None:
    w = cr.tensor([1.0, -2.0], requires_grad=True)

    def f(x):
        y = w * x
        y.relu_()
        return y.sum()

    _runs_eagerly(f, cr.tensor([1.0, 1.0]), match="in place")


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_falls_back_or_compiles_and_equals_eager(training: bool) -> None:
    results = []
    for compiled in (False, True):
        cr.manual_seed(0)
        model = cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.BatchNorm1d(32), cr.nn.ReLU(), cr.nn.Linear(32, 10))
        model.train(training)
        opt = cr.optim.SGD(model.parameters(), lr=0.1)

        step = training_step(model, opt)

        run = cr.compile(step) if compiled else step
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CompileWarning)
            results.append(([run(x, y).item() for x, y in digits_batches(20)],
                            {k: v.numpy().copy() for k, v in model.state_dict().items()}))
    assert results[0][0] == results[1][0]
    for k in results[0][1]:
        assert np.array_equal(results[0][1][k], results[1][1][k]), k


def test_custom_function_compiles() -> None:
    class Square(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    w = cr.tensor([1.0, 3.0], requires_grad=True)

    def f():
        y = Square.apply(w).sum()
        y.backward()
        return y

    compiled = cr.compile(f)
    for _ in range(3):
        compiled()
    assert compiled.fallback_reason is None and compiled.replays == 1  # .grad None at first, then set
    assert w.grad.numpy().tolist() == [6.0, 18.0]  # accumulated over three calls, as eager


def test_random_fill_inside_the_step_falls_back() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)

    def f():
        noise = cr.empty(2).normal_()  # an in-place random fill: not replayed
        y = (w * noise).sum()
        y.backward()
        return y

    _runs_eagerly(f, match="in place|random")


def test_returning_a_python_value_falls_back() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)

    def f(x):
        return (w * x).sum().detach().numpy().sum()

    _runs_eagerly(f, cr.tensor([1.0, 1.0]), match=r"numpy|Python")


def test_manual_grad_reset_falls_back() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    w.grad = cr.tensor([5.0, 5.0])

    def f(x):
        y = (w * x).sum()
        w.grad = None
        y.backward()
        return y

    _runs_eagerly(f, cr.tensor([1.0, 1.0]), match="zero_grad")
    assert w.grad.numpy().tolist() == [1.0, 1.0]


def test_tensor_hook_falls_back() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)

    def f(x):
        y = w * x
        y.register_hook(lambda g: g * 2)
        z = y.sum()
        z.backward()
        return z

    _runs_eagerly(f, cr.tensor([1.0, 1.0]), match="hook")


def test_module_hooks_fall_back() -> None:
    cr.manual_seed(0)
    model = cr.nn.Linear(3, 2)
    seen = []
    model.register_forward_hook(lambda m, args, out: seen.append(1))

    def f(x):
        return model(x).sum()

    _runs_eagerly(f, cr.ones(2, 3), match="hooks of its own")
    assert len(seen) == 2


def test_backward_with_create_graph_falls_back() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)

    def f(x):
        (g,) = cr.autograd.grad((w * w * x).sum(), [w], create_graph=True)
        return g

    _runs_eagerly(f, cr.tensor([1.0, 1.0]), match="autograd.grad|inputs=")


def test_graph_from_a_previous_call_falls_back() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    h = w * 3.0  # built outside the step

    def f(x):
        return (h * x).sum()

    _runs_eagerly(f, cr.tensor([1.0, 1.0]), match="graph built before")


def test_optimizer_closure_falls_back() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    opt = cr.optim.SGD([w], lr=0.1)

    def f(x):
        def closure():
            opt.zero_grad()
            y = (w * x).sum()
            y.backward()
            return y
        return opt.step(closure)

    _runs_eagerly(f, cr.tensor([1.0, 1.0]), match="closure|Python")


def test_a_tracer_never_breaks_the_eager_call_on_errors() -> None:
    def f(x):
        raise ValueError("boom")

    c = cr.compile(f)
    with pytest.raises(ValueError, match="boom"):
        c(cr.ones(2))


def test_against_torch_one_step() -> None:
    torch = pytest.importorskip("torch")
    cr.manual_seed(0)
    model = mlp()
    tmodel = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    with torch.no_grad():
        for p, q in zip(tmodel.parameters(), model.parameters()):
            p.copy_(torch.from_numpy(q.detach().numpy().copy()))
    opt = cr.optim.SGD(model.parameters(), lr=0.1)
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.1)

    @cr.compile
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for x, y in digits_batches(5):
        loss = step(x, y)
        topt.zero_grad()
        tloss = torch.nn.functional.cross_entropy(tmodel(torch.from_numpy(x.numpy())), torch.from_numpy(y.numpy()))
        tloss.backward()
        topt.step()
        assert abs(loss.item() - tloss.item()) < 1e-5
    assert step.replays >= 3
    for p, q in zip(tmodel.parameters(), model.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_keyword_arguments_and_argument_counts_select_their_own_trace() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)

    @cr.compile
    def f(x, scale=None, shift=None):
        y = w * x
        if scale is not None:
            y = y * scale
        if shift is not None:
            y = y + shift
        return y.sum()

    x = cr.tensor([1.0, 1.0])
    with cr.no_grad():
        for _ in range(2):
            assert f(x, scale=cr.tensor(2.0)).item() == 6.0
            assert f(x, shift=cr.tensor(2.0)).item() == 7.0
            assert f(x).item() == 3.0
    assert f.traces == 3 and f.replays == 3


def test_inference_mode_is_guarded() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)

    @cr.compile
    def f(x):
        return (w * x).sum()

    x = cr.tensor([1.0, 1.0])
    with cr.no_grad():
        f(x)
        f(x)
    with cr.inference_mode():
        f(x)
    assert f.traces == 2


def test_the_same_tensor_twice_falls_back() -> None:
    w = cr.tensor([1.0, 2.0], requires_grad=True)

    def f(a, b):
        return (w * a * b).sum()

    x = cr.tensor([1.0, 3.0])
    a, b, _ = _runs_eagerly(f, x, x, match="same tensor")
    assert a.item() == b.item() == 19.0


def test_broadcast_bias_and_matmul_mlp_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    shapes = [(8, 6), (6,), (6, 4), (4,)]
    runs = []
    for compiled in (False, True):
        ws = [cr.from_numpy(rng.standard_normal(s).astype(np.float32)).requires_grad_() for s in shapes]
        rng = np.random.default_rng(0)
        opt = cr.optim.SGD(ws, lr=0.1)

        def step(x, t, ws=ws, opt=opt):
            opt.zero_grad()
            w1, b1, w2, b2 = ws
            h = cr.relu(x @ w1 + b1)
            loss = F.cross_entropy(h @ w2 + b2, t)
            loss.backward()
            opt.step()
            return loss

        run = cr.compile(step) if compiled else step
        data = np.random.default_rng(1)
        for _ in range(5):
            run(cr.from_numpy(data.standard_normal((5, 8)).astype(np.float32)), cr.from_numpy(data.integers(0, 4, 5)))
        runs.append([w.detach().numpy().copy() for w in ws])
        if compiled:
            assert run.fallback_reason is None and run.replays >= 3
    for a, b in zip(*runs):
        assert a.tobytes() == b.tobytes()


def test_as_a_method_decorator() -> None:
    class Trainer:
        def __init__(self):
            cr.manual_seed(0)
            self.model = mlp()
            self.opt = cr.optim.SGD(self.model.parameters(), lr=0.1)

        @cr.compile
        def step(self, x, y):
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(x), y)
            loss.backward()
            self.opt.step()
            return loss

    a, b = Trainer(), Trainer()
    for x, y in digits_batches(4):
        assert a.step(x, y).item() == b.step(x, y).item()
    assert Trainer.step.fallback_reason is None and Trainer.step.replays >= 4


def test_a_step_local_named_like_a_guard_constant_still_replays() -> None:
    """The guard is inlined at the top of the generated step; a step value named like one of the guard's
    constants (`c0`, `m0`, `key` ...) must not shadow it (the step then calls the guard instead)."""
    w = cr.tensor([1.5, -2.0], requires_grad=True)

    def step(x):
        c0 = x * w
        m0 = c0.tanh()
        key = m0.sum()
        key.backward()
        return key

    compiled = cr.compile(step)
    ref = cr.tensor([1.5, -2.0], requires_grad=True)
    for k in range(4):
        x = cr.tensor([0.5 * k, 1.0])
        out = compiled(x)
        w_grad = w.grad.clone()
        ref.grad = None
        expect = (x * ref).tanh().sum()
        expect.backward()
        w.grad = None
        assert out.item() == expect.item()
        assert w_grad.tolist() == ref.grad.tolist()
    assert compiled.replays >= 2 and compiled.fallback_reason is None


def test_a_param_group_added_after_compiling_is_updated() -> None:
    """`opt.add_param_group` between calls: the replay must not keep updating only the old groups (the guard
    checks the number of groups), and zero_grad must clear the new group's gradients too."""
    def run(compiled: bool) -> list:
        cr.manual_seed(0)
        a = cr.randn(3, requires_grad=True)
        b = cr.randn(3, requires_grad=True)
        opt = cr.optim.SGD([a], lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = ((a * x + b) ** 2).sum()
            loss.backward()
            opt.step()
            return loss

        f = cr.compile(step) if compiled else step
        out = []
        for k in range(6):
            if k == 3:
                opt.add_param_group({"params": [b], "lr": 0.05})
            out.append(f(cr.tensor([1.0, -1.0, 0.5 * k])).item())
        if compiled:
            assert f.replays >= 3 and f.fallback_reason is None
        return out + a.tolist() + b.tolist() + [b.grad.tolist()]

    assert run(True) == run(False)


def test_a_step_value_named_lr_is_not_the_learning_rate() -> None:
    """The inlined SGD update reads the learning rate into a local `lr`; a step value named `lr` keeps its own
    name's meaning (renamed in the generated code)."""
    def run(compiled: bool) -> list:
        w = cr.tensor([0.5, -1.0], requires_grad=True)
        opt = cr.optim.SGD([w], lr=0.1)

        def step(x):
            opt.zero_grad()
            lr = x * w
            loss = (lr * lr).sum()
            loss.backward()
            opt.step()
            return lr

        f = cr.compile(step) if compiled else step
        out = [f(cr.tensor([1.0, 2.0])).tolist() for _ in range(4)]
        if compiled:
            assert f.replays >= 2 and f.fallback_reason is None
        return out + [w.tolist()]

    assert run(True) == run(False)


def test_step_values_named_like_builtins_do_not_shadow_them() -> None:
    """Values named `set`, `type`, `len` or `float` (a user's names, or an op's) are renamed in the generated
    code: the step's `.grad` accumulation calls `set()` and its inlined guard `type()` and `len()`."""
    w = cr.tensor([1.5, -2.0], requires_grad=True)
    v = cr.tensor([0.5, 0.25], requires_grad=True)

    def step(x):
        set = x * w  # noqa: A001 - the point of the test
        type = set * w + v  # noqa: A001
        len = (type * type).sum()  # noqa: A001
        len.backward()
        return len

    compiled = cr.compile(step)
    ref_w, ref_v = w.detach().clone().requires_grad_(), v.detach().clone().requires_grad_()
    for k in range(4):
        x = cr.tensor([1.0, 0.5 * k])
        out = compiled(x)
        expect = (((x * ref_w) * ref_w + ref_v) ** 2).sum()
        expect.backward()
        assert out.item() == expect.item()
        assert w.grad.tolist() == ref_w.grad.tolist() and v.grad.tolist() == ref_v.grad.tolist()
    assert compiled.replays >= 2 and compiled.fallback_reason is None
    assert "set_2 = x * w" in compiled.source


def test_zero_grad_still_clears_a_parameter_the_backward_does_not_reach() -> None:
    """The inlined zero_grad() leaves out `p.grad = None` only where the backward then sets `p.grad`; a parameter
    the step does not use keeps its line (its `.grad`, set by hand between calls, is cleared as eager does)."""
    def run(compiled: bool) -> list:
        cr.manual_seed(0)
        a = cr.randn(3, requires_grad=True)
        unused = cr.randn(2, requires_grad=True)
        opt = cr.optim.SGD([a, unused], lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = ((a * x) ** 2).sum()
            loss.backward()
            opt.step()
            return loss

        f = cr.compile(step) if compiled else step
        out: list = []
        for k in range(5):
            unused.grad = cr.ones(2)
            out += [f(cr.tensor([1.0, 2.0, 0.5 * k])).item(), unused.grad]
        if compiled:
            assert f.replays >= 3 and f.fallback_reason is None
            assert len([line for line in f.source.splitlines() if line.strip().startswith("param")
                        and ".grad = None" in line]) == 1  # `unused`'s line; `a`'s is left out
        return out + a.tolist() + unused.tolist()

    assert run(True) == run(False)


def test_zero_grad_lines_name_parameters_by_module_path() -> None:
    """Parameters the step does not reach are cleared by name (`T_extra_weight` for a global `extra`, as in a
    script), and a value of the step with the same name does not take that handle."""
    cr.manual_seed(0)
    scope = {"cr": cr, "model": cr.nn.Linear(4, 2), "extra": cr.nn.Linear(2, 2)}
    scope["opt"] = cr.optim.SGD(list(scope["model"].parameters()) + list(scope["extra"].parameters()), lr=0.1)
    exec(  # noqa: S102 - a step whose globals are a script's
        "def step(x):\n"
        "    opt.zero_grad()\n"
        "    extra_weight = model(x)\n"
        "    loss = (extra_weight * extra_weight).sum()\n"
        "    loss.backward()\n"
        "    opt.step()\n"
        "    return loss\n", scope)
    compiled = cr.compile(scope["step"])
    extra = scope["extra"]
    for _ in range(3):
        extra.weight.grad = cr.ones(2, 2)
        compiled(cr.randn(5, 4))
        assert extra.weight.grad is None
    assert compiled.replays >= 1 and "T_extra_weight.grad = None" in compiled.source
    assert "extra_weight_2 = " in compiled.source


def test_two_cross_entropy_losses_in_one_step_each_backward_reads_its_own_softmax() -> None:
    """Two cross_entropy calls in one step: each one's inline backward must read its own softmax pieces. (They
    shared the names `e`, `total`, `flat`, so the first loss's gradient was computed from the second one's
    softmax: a silently wrong replay.)"""
    F = cr.nn.functional
    runs = []
    for compiled in (False, True):
        cr.manual_seed(0)
        m1, m2 = mlp(), mlp()
        opt = cr.optim.SGD([*m1.parameters(), *m2.parameters()], lr=0.1)

        def step(x, y, m1=m1, m2=m2, opt=opt):
            opt.zero_grad()
            loss = F.cross_entropy(m1(x), y) + 0.5 * F.cross_entropy(m2(x * 2.0), y)
            loss.backward()
            opt.step()
            return loss

        run = cr.compile(step) if compiled else step
        losses = [run(x, y).item() for x, y in digits_batches(20)]
        runs.append((losses, [p.detach().numpy().copy() for p in [*m1.parameters(), *m2.parameters()]], run))
    (la, pa, _), (lb, pb, compiled_step) = runs
    assert compiled_step.fallback_reason is None and compiled_step.replays >= 17
    assert "e_2 = np.exp(shifted_2)" in compiled_step.source
    assert la == lb
    assert all(a.tobytes() == b.tobytes() for a, b in zip(pa, pb))


def test_two_leaves_given_the_same_gradient_array_get_separate_grads() -> None:
    """`(a + b)`'s backward hands one array to both leaves; eager gives the second leaf a copy (its `handed` set).
    The replay gave `a.grad` the array and `b.grad` the same one (`make` did not register it), so writing into
    one `.grad` silently changed the other."""
    grads = []
    for compiled in (False, True):
        a = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
        b = cr.tensor([4.0, 5.0, 6.0], requires_grad=True)
        opt = cr.optim.SGD([a, b], lr=0.1)

        def step(x, a=a, b=b, opt=opt):
            opt.zero_grad()
            loss = ((a + b) * x).sum()
            loss.backward()
            return loss

        run = cr.compile(step) if compiled else step
        for k in range(4):
            run(cr.tensor([2.0, 2.0, float(k)]))
        assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
        a.grad.mul_(10.0)  # in place into one .grad only
        grads.append((a.grad.tolist(), b.grad.tolist()))
        if compiled:
            assert run.fallback_reason is None and run.replays >= 2
    assert grads[0] == grads[1] == ([20.0, 20.0, 30.0], [2.0, 2.0, 3.0])


@pytest.mark.parametrize("shape", [(), (3,)], ids=["scalar", "vector"])
def test_a_long_trace_reuses_names_of_dead_values_and_equals_eager(shape: tuple) -> None:
    """Above REUSE_NAMES_ABOVE values, a dead value's name goes to the next new one (the frame holds the live values
    only). The tanh chain's backward reads every forward output, so names must not be reused too early."""
    from chainrule.compile import codegen

    results = []
    for compiled in (False, True):
        w = cr.tensor(np.full(shape, 0.9, np.float32), requires_grad=True)
        x0 = cr.tensor(np.linspace(0.1, 0.5, 3, dtype=np.float32) if shape else np.float32(0.3), requires_grad=True)

        def step(x0=x0, w=w):
            x = x0
            for _ in range(1200):
                x = (x * w + 0.1).tanh()
            x.sum().backward()
            return x

        run = cr.compile(step) if compiled else step
        outs = [run().detach().numpy().tobytes() for _ in range(3)]
        results.append((outs, w.grad.numpy().tobytes(), x0.grad.numpy().tobytes()))
        if compiled:
            assert run.replays == 1 and run.fallback_reason is None  # .grad None then set: two traces
            entry = run.entries[-1]
            assert len(entry.source.splitlines()) > codegen.REUSE_NAMES_ABOVE
            assert entry.run.__code__.co_nlocals < 2000  # not one local per value
    assert results[0] == results[1]


def test_masked_fill_and_any_all_replay_with_each_calls_values() -> None:
    """masked_fill with a Python number and any()/all() are values the replay computes again (ops seen by the
    observers, no tensors made outside them): masks that change between calls give eager's parameters."""
    def run(compiled: bool) -> list:
        cr.manual_seed(0)
        lin = cr.nn.Linear(4, 3)
        opt = cr.optim.SGD(lin.parameters(), lr=0.1)

        def step(x, m):
            opt.zero_grad()
            y = lin(x).masked_fill(m, -1.5)
            rows = (x > 0).any(dim=1, keepdim=True) & (y < 10).all(dim=1, keepdim=True)
            loss = (y * rows).sum() + y.masked_fill(~m, 2).sum() * (x > -5).all()
            loss.backward()
            opt.step()
            return loss

        fn = cr.compile(step) if compiled else step
        rng = np.random.default_rng(3)
        for _ in range(6):
            x = cr.tensor(rng.standard_normal((5, 4)).astype(np.float32))
            fn(x, cr.tensor(rng.standard_normal((5, 3)) > 0))
        if compiled:
            assert fn.fallback_reason is None, fn.fallback_reason
            assert fn.replays >= 4
        return [p.detach().numpy().tobytes() for p in lin.parameters()]

    assert run(False) == run(True)
