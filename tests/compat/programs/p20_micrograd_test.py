# micrograd's own test against PyTorch (test_sanity_check and test_more_ops), written the way it is:
# torch.Tensor([...]).double() and requires_grad set by assignment.
import torch

x = torch.Tensor([-4.0]).double()
x.requires_grad = True
z = 2 * x + 2 + x
q = z.relu() + z * x
h = (z * z).relu()
y = h + q + q * x
y.backward()
sanity = (y.data.item(), x.grad.item())

a = torch.Tensor([-4.0]).double()
b = torch.Tensor([2.0]).double()
a.requires_grad = True
b.requires_grad = True
c = a + b
d = a * b + b**3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + (b + a).relu()
d = d + 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g = g + 10.0 / f
g.backward()

RESULT = {"sanity": list(sanity), "g": g.data.item(), "a_grad": a.grad.item(), "b_grad": b.grad.item(),
          "tensor_dtype": str(torch.Tensor([1]).dtype).split(".")[-1]}
TOLERANCE = (1e-12, 1e-12)
