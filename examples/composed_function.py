"""The chain rule on a composition: h(x) = f(g(x)) with g(x) = 3x + 1 and f(u) = u^2.

Run: python examples/composed_function.py
"""

import chainrule as cr

x = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
u = 3 * x + 1  # the inner function g: u = 7
h = u**2  # the outer function f: h = 49
h.backward()  # dh/dx = f'(u) * g'(x) = 2u * 3 = 14 * 3 = 42

numerical = cr.numerical_derivative(lambda v: (3 * v + 1) ** 2, 2.0, h=1e-7)
print(f"u = g(2) = {u.item()}, h = f(u) = {h.item()}")
print(f"dh/dx by autograd = {x.grad.item()}, by the difference quotient = {numerical:.6f}")
