"""Tests written for survivors of the first exhaustive mutation pass (scripts/mutate.py --all, fork runner) in the
engine, each checked against PyTorch."""
from __future__ import annotations

import torch

import chainrule as cr


def test_create_graph_accumulation_into_a_scalar_grad_makes_a_new_tensor() -> None:
    # engine/backward.py: the scalar fast path adds into .grad in place only when that gradient has no graph; a
    # gradient made under create_graph is replaced by a new tensor, as PyTorch does (the old one keeps its value)
    for m in (torch, cr):
        x = m.tensor(2.0, requires_grad=True)
        (x * x).backward(create_graph=True)
        first = x.grad
        (x * x).backward(create_graph=True)
        assert (first.item(), x.grad.item(), x.grad is first) == (4.0, 8.0, False), m.__name__
        assert x.grad.grad_fn is not None


def test_plain_accumulation_into_a_scalar_grad_is_in_place() -> None:
    for m in (torch, cr):
        x = m.tensor(2.0, requires_grad=True)
        (x * x).backward()
        first = x.grad
        (x * x).backward()
        assert (first.item(), x.grad is first) == (8.0, True), m.__name__


def test_a_plain_backward_adds_in_place_into_a_grad_made_under_create_graph() -> None:
    # PyTorch's AccumulateGrad adds in place whenever grad mode is off, even into a .grad that has a graph
    for shape in ((), (3,)):
        got = []
        for m in (torch, cr):
            x = m.full(shape, 2.0, requires_grad=True)
            (x * x).sum().backward(create_graph=True)
            first = x.grad
            version = first._version
            (x * x).sum().backward()
            got.append((first.tolist(), x.grad is first, first._version - version, x.grad.tolist()))
        assert got[0] == got[1], shape
