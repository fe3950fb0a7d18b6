"""One ReLU neuron with a squared-error loss: z = w*x + b, a = ReLU(z), L = (a - t)^2.

Run: python examples/single_neuron.py
"""

import chainrule as cr


def neuron(x: float, w: float, b: float, target: float):
    w_t = cr.tensor(w, requires_grad=True, name="w")
    b_t = cr.tensor(b, requires_grad=True, name="b")
    z = w_t * x + b_t
    a = cr.relu(z)
    loss = (a - target) ** 2
    loss.backward()
    return z.item(), a.item(), loss.item(), w_t.grad.item(), b_t.grad.item()


z, a, loss, dl_dw, dl_db = neuron(x=2.0, w=1.5, b=-1.0, target=3.0)
print(f"open gate:   z = {z}, a = {a}, L = {loss}, dL/dw = {dl_dw}, dL/db = {dl_db}")

# With b = -4 the pre-activation is negative: ReLU's gate is closed and no gradient reaches w or b.
closed = neuron(x=2.0, w=1.5, b=-4.0, target=3.0)
print(f"closed gate: z = {closed[0]}, a = {closed[1]}, L = {closed[2]}, dL/dw = {closed[3]}, dL/db = {closed[4]}")
