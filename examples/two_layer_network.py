"""Backpropagation through two layers, by hand and by autograd.

z1 = w1*x + b1, h = ReLU(z1), y = w2*h + b2, L = (y - t)^2 with x = 3, w1 = 0.5, b1 = 0, w2 = 2, b2 = -1, t = 4.
Run: python examples/two_layer_network.py
"""

import chainrule as cr

x = cr.tensor(3.0)
w1 = cr.tensor(0.5, requires_grad=True)
b1 = cr.tensor(0.0, requires_grad=True)
w2 = cr.tensor(2.0, requires_grad=True)
b2 = cr.tensor(-1.0, requires_grad=True)
target = cr.tensor(4.0)

z1 = w1 * x + b1
h = cr.relu(z1)
y = w2 * h + b2
loss = (y - target) ** 2
loss.backward()

# The same gradients by hand, one local derivative at a time (right to left).
dloss_dy = 2 * (y.item() - target.item())  # -4
dloss_dh = dloss_dy * w2.item()  # -8: the gradient grows through w2 = 2
dloss_dz1 = dloss_dh * (1.0 if z1.item() > 0 else 0.0)  # -8: the ReLU gate is open
manual = {"w1": dloss_dz1 * x.item(), "b1": dloss_dz1, "w2": dloss_dy * h.item(), "b2": dloss_dy}

print(f"forward: z1 = {z1.item()}, h = {h.item()}, y = {y.item()}, loss = {loss.item()}")
for name, param in (("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2)):
    print(f"dloss/d{name}: autograd {param.grad.item():6.1f}   by hand {manual[name]:6.1f}")
