"""Lesson 1: the chain rule on a composed function.

We build h(x) = f(g(x)) from two tiny functions: g(x) = 3x + 1 (the inner one, like a layer)
and f(u) = u ** 2 (the outer one, like a squared-error loss). At x = 2.0 the inner function
stretches any small change in x by 3, the outer one stretches changes in u by 2u = 14, so the
whole composition stretches it by 3 * 14 = 42. Step through and watch each number appear.
"""

import sys  # trace: hide


# The inner function: a straight line with slope 3.
def g(x):
    return 3 * x + 1


# The outer function: it squares whatever the inner function hands it.
def f(u):
    return u**2


# The point at which we want the slope of h.
x = 2.0
# Run the inner function first: u is the value that f will receive.
u = g(x)
# Then the outer function on that intermediate value: h = f(g(x)).
h = f(u)
print(f"g({x}) = {u}")
print(f"h = f(g({x})) = {u}**2 = {h}")

# Slope of the inner function: the coefficient of x, whatever x is.
dg_dx = 3.0
# Slope of the outer function, measured where it is used: at u = g(x), not at x.
df_du = 2 * u
# The chain rule: the slopes along the chain multiply.
dh_dx = df_du * dg_dx
print(f"dh/dx = {df_du} * {dg_dx} = {dh_dx}")

# A check that needs no calculus: nudge x a little and see how far h moves.
eps = 1e-6
numerical = (f(g(x + eps)) - f(g(x))) / eps
print(f"numerical slope = {numerical:.4f}")
sys.exit(0 if abs(numerical - dh_dx) < 1e-3 else 1)  # trace: hide
