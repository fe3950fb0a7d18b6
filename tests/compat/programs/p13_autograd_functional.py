# torch.autograd.functional: jacobian, hessian, vjp, jvp, hvp, vhp with tuple inputs and create_graph.
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp


def exp_reducer(x):
    return x.exp().sum(dim=1)


def pow_adder(x, y):
    return 2 * x.pow(2) + 3 * y.pow(2)


def pow_reducer(x):
    return x.pow(3).sum()


x = torch.tensor([[0.1, 0.2], [0.3, -0.4]], dtype=torch.float64)
inputs = (torch.tensor([0.5, -1.0], dtype=torch.float64), torch.tensor([2.0, 0.25], dtype=torch.float64))
j1 = jacobian(exp_reducer, x)
j2 = jacobian(pow_adder, inputs)
j3 = jacobian(exp_reducer, x, create_graph=True)
h1 = hessian(pow_reducer, x)
h2 = hessian(lambda a, b: (a * b).pow(2).sum(), inputs)
v = torch.ones(2, dtype=torch.float64)
out_vjp, g_vjp = vjp(exp_reducer, x, v)
out_jvp, g_jvp = jvp(exp_reducer, x, torch.ones(2, 2, dtype=torch.float64))
out_hvp, g_hvp = hvp(pow_reducer, x, torch.ones(2, 2, dtype=torch.float64))
out_vhp, g_vhp = vhp(pow_reducer, x, torch.ones(2, 2, dtype=torch.float64))

RESULT = {"j1": j1, "j2": list(j2), "j3_requires_grad": j3.requires_grad, "h1": h1, "h2": [list(r) for r in h2],
          "vjp": [out_vjp, g_vjp], "jvp": [out_jvp, g_jvp], "hvp": [out_hvp, g_hvp], "vhp": [out_vhp, g_vhp]}
TOLERANCE = (1e-9, 1e-12)
