"""Lesson 3: backpropagation through two layers, by hand.

Layer 1 is z1 = w1*x + b1 followed by a ReLU; layer 2 is y = w2*h + b2; the loss is
(y - target)**2. Going backward, each layer receives the gradient of the layer above it,
uses it for its own weights, and hands a scaled copy further down. Watch the gradient grow
from -4 at the output to -24 at the first weight.
"""

x = 3.0  # the input
w1, b1 = 0.5, 0.0  # layer 1's weight and bias
w2, b2 = 2.0, -1.0  # layer 2's weight and bias
target = 4.0  # what we want the network to output

# Forward: layer 1's linear part.
z1 = w1 * x + b1
# Forward: layer 1's ReLU.
h = max(0.0, z1)
# Forward: layer 2 produces the prediction; no activation on the output.
z2 = w2 * h + b2
y = z2
# Forward: the loss.
loss = (y - target) ** 2
print(f"forward: z1 = {z1}, h = {h}, y = {y}, loss = {loss}")

# Backward starts at the loss: the slope of (y - target)**2 with respect to y.
dloss_dy = 2 * (y - target)
# Layer 2's parameters: y moves by h when w2 moves, and by 1 when b2 moves.
dloss_dw2 = dloss_dy * h
dloss_db2 = dloss_dy * 1.0
# Pass the gradient down through w2 to the hidden value h.
dloss_dh = dloss_dy * w2
# Through the ReLU: the gate is open because z1 was positive.
dloss_dz1 = dloss_dh * (1.0 if z1 > 0 else 0.0)
# Layer 1's parameters: z1 moves by x when w1 moves, and by 1 when b1 moves.
dloss_dw1 = dloss_dz1 * x
dloss_db1 = dloss_dz1 * 1.0
print(f"backward: dloss/dw2 = {dloss_dw2}, dloss/db2 = {dloss_db2}")
print(f"backward: dloss/dw1 = {dloss_dw1}, dloss/db1 = {dloss_db1}")
