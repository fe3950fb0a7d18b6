# Module forward hooks as used for feature extraction and input patching: register_forward_hook,
# register_forward_pre_hook (replacing the input), with_kwargs, hooks that replace the output,
# removable handles, global module hooks.
import torch
import torch.nn as nn
from torch.nn.modules.module import register_module_forward_hook

model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.cos(torch.arange(p.numel(), dtype=torch.float32) * 1.3 + i).reshape(p.shape) * 0.5)

activation = {}


def get_activation(name):
    def hook(model, input, output):
        activation[name] = output.detach()
    return hook


h1 = model[1].register_forward_hook(get_activation("tanh"))
calls = []
h2 = model[0].register_forward_pre_hook(lambda m, args: (args[0] * 2,))
h3 = model[2].register_forward_hook(lambda m, args, out: out + 100.0)
h4 = model[2].register_forward_hook(lambda m, args, kwargs, out: calls.append(("kw", len(args), sorted(kwargs))),
                                    with_kwargs=True)
glob = register_module_forward_hook(lambda m, i, o: calls.append(type(m).__name__))
x = torch.tensor([[0.5, -1.0, 2.0], [0.0, 0.1, -0.3]])
out = model(x)
glob.remove()
for h in (h1, h2, h3, h4):
    h.remove()
out_plain = model(x)
with model[0].register_forward_hook(lambda m, i, o: o * 0):
    zeroed = model(x)
after_context = model(x)

RESULT = {"out": out, "tanh": activation["tanh"], "plain": out_plain, "calls": calls, "zeroed": zeroed,
          "after_context": after_context}
