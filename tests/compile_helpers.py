"""Shared by the cr.compile tests: batches of the digits data in a fixed order, the small MLP, the usual
training step and two custom autograd.Functions."""

from __future__ import annotations

import numpy as np

import chainrule as cr

BATCH = 32


def digits_batches(n: int, images: bool = False) -> list:
    """`n` batches of 32 digits (flat 64-vectors, or 1x8x8 images), the same ones on every call."""
    x, y = cr.datasets.digits(images=images)
    xs, ys = x.numpy(), y.numpy()
    order = np.random.default_rng(0).permutation(len(xs))
    out = []
    for i in range(n):
        idx = order[(i * BATCH) % (len(xs) - BATCH):][:BATCH]
        out.append((cr.tensor(np.ascontiguousarray(xs[idx])), cr.tensor(ys[idx])))
    return out


def mlp() -> cr.nn.Module:
    """The digits MLP 64-32-10."""
    return cr.nn.Sequential(cr.nn.Linear(64, 32), cr.nn.ReLU(), cr.nn.Linear(32, 10))


def training_step(model: cr.nn.Module, opt: cr.optim.Optimizer, loss_fn=None):
    """The usual step: zero_grad, the loss of the model's output (cross-entropy unless `loss_fn(out, y)` is given),
    backward, optimizer step; returns the loss."""
    loss_fn = loss_fn or cr.nn.functional.cross_entropy

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


class MyReLU(cr.autograd.Function):
    """The PyTorch tutorial's custom ReLU: its backward writes into a clone in place."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class ScaledTanh(cr.autograd.Function):
    """Saves its output and keeps a Python number on ctx."""

    @staticmethod
    def forward(ctx, x, scale):
        out = (x * scale).tanh()
        ctx.scale = scale
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * ctx.scale * (1 - out * out), None
