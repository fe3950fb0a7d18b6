"""A two-layer regression net whose layers have no bias (as in many tutorials' attention projections)."""
import chainrule as cr
from chainrule import nn

cr.manual_seed(0)
model_with_a_long_descriptive_name = nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), nn.Linear(4, 1, bias=False))
inputs = cr.randn(5, 3)
targets = cr.randn(5, 1)
prediction = model_with_a_long_descriptive_name(inputs)
loss = nn.functional.binary_cross_entropy_with_logits(prediction, (targets > 0).float())
loss.backward()
print("loss", round(loss.item(), 6))
