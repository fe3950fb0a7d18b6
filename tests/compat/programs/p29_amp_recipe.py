# PyTorch's "Automatic Mixed Precision" recipe, written device-agnostic: autocast and GradScaler enabled only
# on CUDA, so on the CPU both pass through; plus a GradScaler("cpu") that really scales, skipping a step
# whose gradients overflow.
import torch
import torch.nn as nn

device = "cuda" if torch.cuda.is_available() else "cpu"
use_amp = device == "cuda"
net = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)).to(device)
with torch.no_grad():
    for i, p in enumerate(net.parameters()):
        p.copy_(torch.sin(torch.arange(p.numel(), dtype=torch.float32) * 0.37 + i).reshape(p.shape) * 0.3)
data = torch.cos(torch.arange(5 * 16 * 8, dtype=torch.float32) * 0.05).reshape(5, 16, 8)
targets = torch.sin(torch.arange(5 * 16 * 4, dtype=torch.float32) * 0.11).reshape(5, 16, 4)
loss_fn = nn.MSELoss().to(device)
opt = torch.optim.SGD(net.parameters(), lr=0.05)
scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
losses = []
for epoch in range(3):
    for inp, tgt in zip(data, targets):
        with torch.autocast(device_type=device, dtype=torch.float16, enabled=use_amp):
            output = net(inp)
            loss = loss_fn(output, tgt)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=1.0)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())

cpu_scaler = torch.amp.GradScaler("cpu", init_scale=256.0, growth_interval=2)
scales = []
for i, (inp, tgt) in enumerate(zip(data, targets)):
    loss = loss_fn(net(inp), tgt) * (float("inf") if i == 1 else 1.0)
    cpu_scaler.scale(loss).backward()
    cpu_scaler.step(opt)
    cpu_scaler.update()
    opt.zero_grad()
    scales.append(cpu_scaler.get_scale())

RESULT = {"losses": losses, "scales": scales, "enabled": [scaler.is_enabled(), cpu_scaler.is_enabled()],
          "state": cpu_scaler.state_dict(), "weight": net[2].weight}
TOLERANCE = (1e-4, 1e-6)
