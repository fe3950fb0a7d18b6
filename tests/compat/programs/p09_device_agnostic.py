# Device-agnostic code as tutorials write it: torch.device, cuda checks, device= on factories,
# .to(device), .cpu(), model.to(device), default device, comparisons of devices.
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
cuda_count = torch.cuda.device_count()
mps = torch.backends.mps.is_available()
torch.set_default_device("cpu")
x = torch.randn(3, 4, device=device)
w = torch.ones(4, 2, device=device, requires_grad=True)
b = torch.zeros(2, device="cpu", dtype=torch.float64)
e = torch.eye(3, device=device)
a = torch.arange(5, device=device)
f = torch.full((2,), 7.0, device=device)
z = torch.zeros_like(x, device=device)
n = x.new_zeros(2, 2)
moved = x.to(device)
moved_dtype = x.to(device, torch.float64)
moved_kw = x.to(device=device, dtype=torch.float16)
same = x.to(x)
back = (x @ w).cpu()
model = nn.Linear(4, 2).to(device)
model.cpu()
param_device = next(model.parameters()).device

errors = []
for bad in ("cuda", "cuda:0", "mps"):
    try:
        torch.zeros(1, device=bad)
    except (RuntimeError, AssertionError):
        errors.append(bad)

RESULT = {
    "device": str(device), "type": device.type, "repr": repr(device).split(".")[-1], "count": cuda_count,
    "mps": mps, "eq_str": device == torch.device("cpu"), "x_dev": str(x.device), "is_cuda": x.is_cuda,
    "w_dev": str(w.device), "b": b, "e": e, "a": a, "f": f, "z": z, "n": n,
    "moved_same_values": bool((moved == x).all()), "moved_dtype": str(moved_dtype.dtype).split(".")[-1],
    "moved_kw": str(moved_kw.dtype).split(".")[-1], "same_is_x": same is x, "back_shape": list(back.shape),
    "param_device": str(param_device), "param_is_cpu": param_device.type == "cpu", "errors": errors,
    "default_device": str(torch.get_default_device()),
}
