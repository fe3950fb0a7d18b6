# A custom autograd.Function saving its output (the docs' Exp example) and a clamp with
# once_differentiable, mark_non_differentiable and needs_input_grad; gradcheck on both.
import torch
from torch.autograd import Function
from torch.autograd.function import once_differentiable


class Exp(Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class ClampWithIndex(Function):
    @staticmethod
    def forward(ctx, x, low, high):
        out = x.clamp(low, high)
        inside = (x >= low) & (x <= high)
        ctx.save_for_backward(inside)
        ctx.mark_non_differentiable(inside)
        return out, inside

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out, grad_inside):
        (inside,) = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return (grad_out * inside if needs[0] else None), None, None


x = torch.tensor([-1.0, 0.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
y = Exp.apply(x)
y.sum().backward()
g_exp = x.grad.clone()
gg, = torch.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
gg2, = torch.autograd.grad(gg.sum(), x)

x.grad = None
out, inside = ClampWithIndex.apply(x, -0.5, 1.0)
(out * 3).sum().backward()

RESULT = {
    "exp": y, "grad": g_exp, "second": gg2, "clamp": out, "inside": inside, "clamp_grad": x.grad,
    "inside_requires_grad": inside.requires_grad, "grad_fn": y.grad_fn.name(),
    "gradcheck_exp": torch.autograd.gradcheck(Exp.apply, (torch.randn(5, dtype=torch.float64, requires_grad=True),)),
    "gradcheck_fast": torch.autograd.gradcheck(Exp.apply, (torch.rand(3, dtype=torch.float64, requires_grad=True),),
                                               fast_mode=True),
}
