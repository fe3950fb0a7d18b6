"""Lesson 4: the same two-layer network, with chainrule's autograd doing the backward pass.

We write only the forward computation with tensors that ask for gradients. chainrule records
each operation as it happens; loss.backward() then walks that record in reverse, applying the
chain rule at every node. The gradients must match lesson 3's hand calculation exactly.
"""

import chainrule as cr  # trace: hide

x = cr.tensor(3.0)  # the input: no gradient needed
# Parameters ask for gradients: chainrule will remember every operation that uses them.
w1 = cr.tensor(0.5, requires_grad=True)
b1 = cr.tensor(0.0, requires_grad=True)
w2 = cr.tensor(2.0, requires_grad=True)
b2 = cr.tensor(-1.0, requires_grad=True)
target = cr.tensor(4.0)

# The forward pass, written as plain arithmetic; each result knows which operation made it.
z1 = w1 * x + b1
h = cr.relu(z1)
y = w2 * h + b2
loss = (y - target) ** 2
print(f"loss = {loss.item():.4f}")

# One call runs the whole backward pass and fills in .grad on every parameter.
loss.backward()

# Read the gradients back as plain numbers.
dloss_dw1 = w1.grad.item()
dloss_db1 = b1.grad.item()
dloss_dw2 = w2.grad.item()
dloss_db2 = b2.grad.item()
print(f"autograd: dloss/dw1 = {dloss_dw1}, dloss/db1 = {dloss_db1}")
print(f"autograd: dloss/dw2 = {dloss_dw2}, dloss/db2 = {dloss_db2}")

# Lesson 3 found these by hand; they should agree.
matches = (dloss_dw1, dloss_db1, dloss_dw2, dloss_db2) == (-24.0, -8.0, -6.0, -4.0)
print("matches the hand calculation:", matches)
