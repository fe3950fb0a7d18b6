"""The guard's parameter test is one identity test per parameter (the optimizer writes into the same array), with a
slower path for a parameter rebound to another array (`p.data = ...`): same shape and dtype replays, another
shape retraces. Each case is compared with the same steps run eagerly."""

import numpy as np
import pytest
from tests.compile_helpers import digits_batches, mlp, training_step

import chainrule as cr


def _pair() -> tuple:
    cr.manual_seed(0)
    eager_model = mlp()
    compiled_model = mlp()
    compiled_model.load_state_dict(eager_model.state_dict())
    eager_opt = cr.optim.SGD(eager_model.parameters(), lr=0.1)
    compiled_opt = cr.optim.SGD(compiled_model.parameters(), lr=0.1)
    return (eager_model, training_step(eager_model, eager_opt),
            compiled_model, cr.compile(training_step(compiled_model, compiled_opt)))


def _same_parameters(a: cr.nn.Module, b: cr.nn.Module) -> None:
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy()), name


def test_a_parameter_rebound_to_an_array_of_the_same_shape_replays_without_retracing() -> None:
    eager_model, eager, compiled_model, step = _pair()
    batches = digits_batches(8)
    for x, y in batches[:3]:
        eager(x, y)
        step(x, y)
    assert step.traces == 1 and step.replays == 2
    for model in (eager_model, compiled_model):
        model[0].weight.data = model[0].weight.data * 0.5  # a new array, same shape and dtype
    for x, y in batches[3:]:
        assert eager(x, y).item() == step(x, y).item()
    assert step.traces == 1 and step.replays == 7  # the rebound array passed the guard's slower test
    _same_parameters(eager_model, compiled_model)
    for x, y in batches[:2]:  # the rebound array is then written in place by the update like the old one
        eager(x, y)
        step(x, y)
    _same_parameters(eager_model, compiled_model)


@pytest.mark.parametrize("change", ["shape", "dtype"])
def test_a_parameter_rebound_to_another_shape_or_dtype_retraces(change: str) -> None:
    _, _, compiled_model, step = _pair()
    batches = digits_batches(3)
    step(*batches[0])
    step(*batches[1])
    layer = compiled_model[2]
    if change == "shape":  # one more output class: the step's shapes change
        layer.weight.data = cr.zeros(11, 32)
        layer.bias.data = cr.zeros(11)
    else:
        layer.weight.data = layer.weight.data.double()
    x, y = batches[2]
    with cr.no_grad():  # the loss the step returns is computed before its update: eager forward is the reference
        want = cr.nn.functional.cross_entropy(compiled_model(x), y).item()
    got = step(x, y).item()
    assert step.traces == 2 and got == pytest.approx(want, rel=1e-6)
