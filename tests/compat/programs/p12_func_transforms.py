# torch.func: grad (with argnums and has_aux), vmap (in_dims, out_dims, nested), jacrev, jacfwd,
# hessian, and per-sample gradients of a small model with vmap(grad(...)).
import torch
from torch.func import grad, hessian, jacfwd, jacrev, vmap


def f(x, y):
    return (x.sin() * y).sum()


x = torch.tensor([0.1, 0.5, 1.0], dtype=torch.float64)
y = torch.tensor([2.0, -1.0, 0.5], dtype=torch.float64)
gx = grad(f)(x, y)
gx_gy = grad(f, argnums=(0, 1))(x, y)
g_aux, aux = grad(lambda a: (a.pow(2).sum(), a.mean()), has_aux=True)(x)
batched = vmap(torch.dot)(torch.arange(6.0).reshape(2, 3), torch.ones(2, 3))
in_dims = vmap(lambda a, b: a * b, in_dims=(0, None))(torch.arange(6.0).reshape(3, 2), torch.tensor([10.0, 1.0]))
out_dims = vmap(lambda a: a * 2, out_dims=1)(torch.arange(6.0).reshape(3, 2))
nested = vmap(vmap(lambda a: a.sum()))(torch.arange(24.0).reshape(2, 3, 4))


def g(v):
    return torch.stack([v[0] * v[1], v[1].exp(), v.pow(3).sum()])


jr = jacrev(g)(x)
jf = jacfwd(g)(x)
h = hessian(lambda v: (v ** 3).sum() * v[0])(x)
hv = hessian(g)(x)

w = torch.tensor([0.5, -0.25, 1.0], dtype=torch.float64)
data = torch.arange(12, dtype=torch.float64).reshape(4, 3) / 10
targets = torch.tensor([1.0, 0.0, 2.0, -1.0], dtype=torch.float64)


def loss(w, xi, ti):
    return (xi @ w - ti) ** 2


per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(w, data, targets)

RESULT = {"gx": gx, "gx_gy": list(gx_gy), "g_aux": g_aux, "aux": aux, "batched": batched, "in_dims": in_dims,
          "out_dims": out_dims, "nested": nested, "jacrev": jr, "jacfwd": jf, "hessian": h, "hessian_vec": hv,
          "per_sample": per_sample}
TOLERANCE = (1e-7, 1e-9)
