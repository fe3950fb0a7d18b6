"""Where PyTorch is silent chainrule is silent; where PyTorch warns or refuses, chainrule does too."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.nn.functional as F

EDGE_CASES = """
import numpy as np
import chainrule as cr
x = cr.tensor([0.0, -1.0, 1.0, 800.0], requires_grad=True)
values = [cr.log(cr.tensor(0.0)), cr.sqrt(cr.tensor(-1.0)), cr.tensor(1.0) / 0, cr.tensor([1.0, 0.0]) / cr.tensor(0.0),
          cr.exp(cr.tensor(1000.0)), cr.tensor(0.0) / 0]
(cr.log(x).sum() + cr.sqrt(x).sum() + cr.exp(x).sum() + (1 / x).sum()).backward()  # backward too
print([v.tolist() for v in values])
print(x.grad.tolist())
"""


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-W", "default", "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)


def test_domain_edges_are_silent_as_in_torch_with_the_same_values():
    done = _run(EDGE_CASES)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no NumPy RuntimeWarning pointing into chainrule's modules
    mine = eval(done.stdout.splitlines()[0].replace("nan", "float('nan')").replace("inf", "float('inf')"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch is silent
        x = torch.tensor([0.0, -1.0, 1.0, 800.0], requires_grad=True)
        theirs = [torch.log(torch.tensor(0.0)), torch.sqrt(torch.tensor(-1.0)), torch.tensor(1.0) / 0,
                  torch.tensor([1.0, 0.0]) / torch.tensor(0.0), torch.exp(torch.tensor(1000.0)),
                  torch.tensor(0.0) / 0]
        (torch.log(x).sum() + torch.sqrt(x).sum() + torch.exp(x).sum() + (1 / x).sum()).backward()
    expected = [t.tolist() for t in theirs]
    assert str(mine) == str(expected)
    mine_grad = eval(done.stdout.splitlines()[1].replace("nan", "float('nan')").replace("inf", "float('inf')"))
    np.testing.assert_allclose(mine_grad, x.grad.numpy(), rtol=1e-6)  # nan and inf in the same places


def test_the_users_own_numpy_code_still_warns():
    done = _run("import numpy as np\nimport chainrule\nnp.log(np.zeros(1))\n")
    assert "RuntimeWarning: divide by zero encountered in log" in done.stderr


@pytest.mark.parametrize("lib", [cr, torch], ids=["chainrule", "torch"])
def test_numpy_of_a_tensor_that_requires_grad_is_refused(lib):
    x = lib.ones(2, requires_grad=True)
    message = r"Can't call numpy\(\) on Tensor that requires grad. Use tensor.detach\(\).numpy\(\) instead."
    for read in (lambda: x.numpy(), lambda: (x * 2).numpy(), lambda: np.asarray(x)):
        with pytest.raises(RuntimeError, match=message):
            read()
    with lib.no_grad():
        assert x.numpy().tolist() == [1.0, 1.0]  # allowed under no_grad, as in PyTorch
    with lib.enable_grad(), pytest.raises(RuntimeError, match=message):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]
    assert x.numpy(force=True).tolist() == [1.0, 1.0]
    assert x.tolist() == [1.0, 1.0] and (x * 2).sum().item() == 4.0  # other reads are fine


@pytest.mark.parametrize("lib", [cr, torch], ids=["chainrule", "torch"])
def test_reading_grad_of_a_non_leaf_warns(lib):
    x = lib.ones(2, requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf Tensor is being "
                                         "accessed"):
        assert y.grad is None
    y.retain_grad()
    y.sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad.tolist() == [1.0, 1.0]  # retained: no warning
        assert x.grad.tolist() == [2.0, 2.0]
        assert lib.ones(2).grad is None  # a leaf: no warning


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_warn_when_the_target_broadcasts(name):
    mine_fn = getattr(F, name)
    theirs_fn = getattr(torch.nn.functional, name)
    x = np.arange(3.0).reshape(3, 1)
    t = np.array([0.5, 1.0, 4.0])
    with pytest.warns(UserWarning, match=r"Using a target size \(3,\) that is different to the input size "
                                         r"\(3, 1\). This will likely lead to incorrect results due to "
                                         r"broadcasting. Please ensure they have the same size.") as record:
        mine = mine_fn(cr.tensor(x), cr.tensor(t))
    assert record[0].filename == __file__  # points at the caller, as PyTorch's
    with pytest.warns(UserWarning, match="Using a target size"):
        theirs = theirs_fn(torch.tensor(x), torch.tensor(t))
    assert mine.item() == pytest.approx(theirs.item())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mine_fn(cr.tensor(t), cr.tensor(t))  # same shapes: silent
    with pytest.raises(RuntimeError), pytest.warns(UserWarning):
        mine_fn(cr.ones(3), cr.ones(4))
