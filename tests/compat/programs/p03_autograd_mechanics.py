# Gradient accumulation, zeroing, retain_graph, detach, no_grad, enable_grad, set_grad_enabled,
# requires_grad_, retain_grad and tensor hooks.
import torch

x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
y = (x * x).sum()
y.backward(retain_graph=True)
first = x.grad.clone()
y.backward()
accumulated = x.grad.clone()
x.grad.zero_()

with torch.no_grad():
    w = x * 2
inside_no_grad = w.requires_grad
with torch.no_grad():
    with torch.enable_grad():
        v = x * 2
enabled_inside = v.requires_grad
torch.set_grad_enabled(False)
off = (x * 3).requires_grad
torch.set_grad_enabled(True)
on = (x * 3).requires_grad


@torch.no_grad()
def doubler(t):
    return t * 2


decorated = doubler(x).requires_grad

d = x.detach()
h = torch.tensor([0.5, 0.5, 0.5]).requires_grad_()
mid = x * h
mid.retain_grad()
seen = []
handle = h.register_hook(lambda g: seen.append(g.clone()) or g * 10)
(mid.exp()).sum().backward()
handle.remove()

RESULT = {
    "first": first, "accumulated": accumulated, "zeroed": x.grad, "no_grad": inside_no_grad,
    "enable_grad": enabled_inside, "off": off, "on": on, "decorated": decorated,
    "detached_requires_grad": d.requires_grad, "mid_grad": mid.grad, "h_grad": h.grad, "seen": seen,
    "is_leaf": [x.is_leaf, mid.is_leaf, d.is_leaf], "grad_enabled": torch.is_grad_enabled(),
}
