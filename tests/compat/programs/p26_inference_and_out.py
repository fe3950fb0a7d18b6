# Inference-time idioms: torch.inference_mode (context and decorator), is_inference, no_grad
# decorators, out= arguments, torch.Size arithmetic, randint(high, size), and detach().numpy().
import torch
import torch.nn as nn

model = nn.Linear(3, 2)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]]))
    model.bias.copy_(torch.tensor([0.1, -0.1]))
x = torch.tensor([[1.0, 1.0, 1.0], [0.0, 2.0, -1.0]])
with torch.inference_mode():
    y = model(x)
inference_flag = y.is_inference()
requires = y.requires_grad


@torch.inference_mode()
def predict(batch):
    return model(batch).argmax(dim=1)


pred = predict(x)
out = torch.empty(2, 3)
torch.add(x, 1.0, out=out)
mm_out = torch.empty(2, 2)
torch.mm(x, model.weight.detach().T, out=mm_out)
cat_out = torch.empty(4, 3)
torch.cat([x, x], dim=0, out=cat_out)
s = x.shape + torch.Size([5])
ri = torch.randint(10, (3, 4))
ri2 = torch.randint(2, 5, (6,))
arr = model(x).detach().numpy()
try:
    model(x).numpy()
    numpy_error = False
except RuntimeError:
    numpy_error = True

RESULT = {"y": y, "inference": inference_flag, "requires": requires, "pred": pred, "out": out, "mm_out": mm_out,
          "cat_out": cat_out, "size": list(s), "size_type": type(s).__name__, "size_numel": s.numel(),
          "ri_shape": list(ri.shape), "ri_range": bool(((ri >= 0) & (ri < 10)).all()),
          "ri_dtype": str(ri.dtype).split(".")[-1], "ri2_range": bool(((ri2 >= 2) & (ri2 < 5)).all()),
          "arr": arr.tolist(), "numpy_error": numpy_error, "grad_mode": torch.is_grad_enabled(),
          "inference_mode_enabled": torch.is_inference_mode_enabled()}
