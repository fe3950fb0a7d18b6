# In the style of "A Gentle Introduction to torch.autograd": Q = 3a^3 - b^2, an external gradient,
# requires_grad flags, freezing parameters.
import torch
from torch import nn, optim

a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a**3 - b**2
external_grad = torch.tensor([1.0, 1.0])
Q.backward(gradient=external_grad)
check_a = (9 * a**2 == a.grad).tolist()
check_b = (-2 * b == b.grad).tolist()

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)
out_xy = x + y
out_xz = x + z

model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
for param in model.parameters():
    param.requires_grad = False
model[2] = nn.Linear(8, 3)
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
trainable = [n for n, p in model.named_parameters() if p.requires_grad]

RESULT = {
    "a_grad": a.grad, "b_grad": b.grad, "check_a": check_a, "check_b": check_b,
    "xy_requires_grad": out_xy.requires_grad, "xz_requires_grad": out_xz.requires_grad,
    "grad_fn": Q.grad_fn.name(), "grad_fn_repr": repr(Q.grad_fn).split()[0],
    "next_functions": len(Q.grad_fn.next_functions),
    "trainable": trainable, "param_groups": len(optimizer.param_groups),
}
