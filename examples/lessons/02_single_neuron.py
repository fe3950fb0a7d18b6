"""Lesson 2: the chain rule through one neuron.

One input, one weight, one bias, a ReLU and a squared error: z = w*x + b, a = relu(z),
loss = (a - target)**2. The forward pass computes the numbers left to right; the backward
pass multiplies local slopes right to left to find how the loss responds to w and b.
"""

x = 2.0  # the input
w = 1.5  # the weight we want to improve
b = -1.0  # the bias
target = 3.0  # the output we would like

# Forward pass, step 1: the weighted input plus the bias.
z = w * x + b
# Forward pass, step 2: ReLU lets positive values through and turns negative ones into 0.
a = max(0.0, z)
# Forward pass, step 3: the squared distance to the target.
loss = (a - target) ** 2
print(f"z = {z}, a = {a}, loss = {loss}")

# Backward pass, first link: the slope of (a - target)**2 with respect to a.
dloss_da = 2 * (a - target)
# Second link: ReLU's slope is 1 where its input was positive, 0 elsewhere (a closed gate).
da_dz = 1.0 if z > 0 else 0.0
# Chain the two links: how the loss responds to z.
dloss_dz = dloss_da * da_dz

# Last link: z = w*x + b changes by x when w moves, and by 1 when b moves.
dloss_dw = dloss_dz * x
dloss_db = dloss_dz * 1.0
print(f"dloss/dw = {dloss_dw}, dloss/db = {dloss_db}")
