#!/usr/bin/env python3
"""Mutation testing, run on demand (not in CI): plant one small bug at a time in a copy of the source tree
and check that the test suite notices it.

    python scripts/mutate.py                       # a deterministic sample over engine, ops, autograd, explain
    python scripts/mutate.py --count 40 --jobs 2   # fewer mutants, two at a time
    python scripts/mutate.py --package ops --list  # only show what would be planted

Each mutant is one AST edit (an arithmetic or comparison operator swapped, a constant nudged, a boolean
flipped, a `not` dropped, a `copy=True` dropped, a unary minus removed, an early `return`/`raise` turned
into `pass`). The mutated tree is a temporary copy, so the checkout is never touched. Each mutant runs the
tests that belong to its package (see TESTS) with `-x`; it is *killed* when a test fails or errors, and
*survives* when they all pass. Mutants that make the import itself fail are counted as killed (the suite
cannot even start). Equivalent mutants (no behaviour change) are unavoidable in a sample: the ones a person
has judged are listed in EQUIVALENT (file, the source line and column, the edit, and why), are not run, and do not count
in the score (killed / non-equivalent). The report lists survivors with file, line and the edit so a person
can judge each one. Score and survivors go to stdout and, with --json, to a file; docs/testing.md records
the runs.

By default the mutants run in forked children of servers that have collected the tests once
(scripts/mutate_server.py explains how an edit is planted there); what a fork cannot plant runs as above, in a
fresh pytest on a mutated copy (`--runner subprocess` runs everything that way).

    python scripts/mutate.py --all --log all.jsonl      # every mutation point; the same command resumes a stopped run
    python scripts/mutate.py --only ops/conv.py:175     # just the mutants on that line (to check a new test)
    python scripts/mutate.py --only ops/views.py:65 --tests tests/ops/test_views_mutants.py
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGES = ("engine", "ops", "autograd", "explain")
# the tests that should notice a bug in each package (the fastest-failing first)
TESTS = {
    "engine": ["tests/engine", "tests/autograd", "tests/ops/test_ops_table_gradcheck.py"],
    "ops": ["tests/ops", "tests/nn/functional", "tests/engine/test_chapter_examples.py"],
    "autograd": ["tests/autograd", "tests/func", "tests/engine/test_autograd.py"],
    "explain": ["tests/explain", "tests/engine/test_chapter_examples.py"],
}

# Mutants judged equivalent (no observable behaviour change), keyed by file (relative to src/chainrule), the
# stripped source line, the column in it and the edit, so an entry follows its line when code above it moves.
# One reason each. A line whose text occurs more than once in its file takes a sixth element: which occurrence
# (1 for the first), so the same edit on its twin is still run.
EQUIVALENT: list[tuple] = [
    ("ops/conv.py", "return mask.reshape(n, c * k, -1)", 31, "1 -> 2",
     "reshape(..., -2): NumPy (2.x) infers any negative size, as it does -1"),
    ("ops/linalg.py", "if type(input) is Tensor and type(other) is Tensor and input.array.dtype is other.array.dtype:",
     3, "Is -> IsNot",
     "the fast path is then taken only for a Tensor subclass with equal dtypes, where promote() changes nothing"),
    ("ops/linalg.py", "if type(input) is Tensor and type(other) is Tensor and input.array.dtype is other.array.dtype:",
     29, "Is -> IsNot",
     "the fast path is then taken only for a Tensor subclass with equal dtypes, where promote() changes nothing"),
    ("autograd/function.py", "arr = np.concatenate(parts) if parts else np.zeros(0)", 51, "0 -> 1",
     "an empty buffer that anomaly mode only scans for nan/inf: one 0.0 more finds nothing"),
    ("engine/tensor.py", "return arr[()] if arr.ndim == 0 else arr", 18, "Eq -> NotEq",
     "a 0-d value kept as a 0-d ndarray (what _shared_array makes of a scalar anyway), an n-d one as a view of "
     "a fresh array: no difference found (aliases, in-place writes, numpy(), repr, gradients probed)"),
    ("engine/tensor_methods.py",
     "def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:", 74, "False -> True",
     "chainrule's sort is always stable (docs/semantics.md), so the flag changes nothing"),
    ("ops/linalg.py", "def _linear_forward(x: Any, w: Any, b: Any, input_grad: bool = True) -> Any:", 63,
     "True -> False", "the forward never reads input_grad (only the VJP does): the default is unused"),
    ("ops/linalg.py",
     "if not xp.is_tensor and g.ndim == 2 and x.ndim == 2:  # the common case on arrays, kept short", 0,
     "if-condition -> False (an early exit removed)",
     "the short path for 2-D arrays and the general path compute the same products and sum"),
    ("ops/conv.py", "full_h = max(h + 2 * ph, (oh - 1) * sh + dh * (kh - 1) + 1)", 25, "Add -> Sub",
     "the windows' reach never exceeds h + 2*ph for the grids conv, unfold and conv_transpose make (checked by "
     "hand), so a smaller reach never wins the max"),
    ("explain/build.py",
     "if (output.is_leaf or output.retains_grad) and output.grad is not None:  # a non-leaf's .grad warns", 4,
     "Or -> And", "the loop above already copied a retained output's .grad (the root node's tensor is the output), "
     "and a leaf output has no graph to explain"),
    ("autograd/gradcheck.py",
     "def _analytical_jacobian(fn: Callable, inputs: list[Any], k: int, n_out: list[int], check_grad_dtypes: bool = "
     "False", 110, "False -> True",
     "the engine casts every gradient to its input's dtype (as PyTorch's does), so the dtype check never fires"),
    ("autograd/gradcheck.py", "flat = x.array.reshape(-1)", 24, "1 -> 2",
     "reshape(-2): NumPy (2.x) infers any negative size, as it does -1"),
    ("autograd/functional.py", 'if input_type == "hessian":', 0, "if-condition -> False (an early exit removed)",
     "hvp checks the same `jac` as 'jacobian' first (as PyTorch's hvp does), so the 'hessian' message is "
     "unreachable"),
    ("ops/elementwise.py", "if b == 2:", 0, "if-condition -> False (an early exit removed)",
     "a shortcut: the general rule gives b * a ** (b - 1) = 2 * a ** 1, the same values (a ** 1 is exact), dtype "
     "and second derivative"),
    ("engine/formatting.py", "big, small = (nonzero.max(), nonzero.min()) if nonzero.size else (0.0, 0.0)", 66,
     "0.0 -> 1.0", "big and small are read only when nonzero.size (the next line checks it first)"),
    ("engine/formatting.py", "big, small = (nonzero.max(), nonzero.min()) if nonzero.size else (0.0, 0.0)", 71,
     "0.0 -> 1.0", "big and small are read only when nonzero.size (the next line checks it first)"),
    ("explain/naming.py",
     "out = _pattern(tuple(sorted(mapping, key=len, reverse=True))).sub(lambda m: mapping[m.group(1)], formula)", 54,
     "True -> False", "the keys are argument names (identifiers) and the pattern's lookarounds let only a whole "
     "identifier match, so the order of the alternatives never matters"),
    ("autograd/backward_hook.py", "self.n_inputs = -1", 17, "1 -> 2",
     "a sentinel never read: setup_input_hook sets n_inputs before the module's forward, so before any backward"),
    ("ops/views.py", "if entry is None:", 0, "if-condition -> False (an early exit removed)",
     "unreachable: register() adds a view to _VIEWS and _CHILDREN together and its weakref callback removes it "
     "from both"),
    ("ops/sorting.py",
     'grids = list(np.meshgrid(*(np.arange(n) for n in indices.shape), indexing="ij", sparse=True))', 87,
     "True -> False", "dense grids index the same elements as sparse ones (they broadcast alike)"),
    ("ops/linalg.py",
     "def _matmul_vjp(xp: Any, g: Any, out: Any, a: Any, b: Any, needs: tuple[bool, bool] = (True, True)) -> tuple:",
     87, "True -> False", "the registry passes needs to every VJP that takes it (vjp_takes_needs): the default is "
     "unused"),
    ("ops/linalg.py",
     "def _matmul_vjp(xp: Any, g: Any, out: Any, a: Any, b: Any, needs: tuple[bool, bool] = (True, True)) -> tuple:",
     93, "True -> False", "the registry passes needs to every VJP that takes it (vjp_takes_needs): the default is "
     "unused"),
    ("ops/conv.py", "input_grad: bool = True, dilation: Pair = (1, 1), groups: int = 1) -> tuple:", 19, "True -> False",
     "conv2d always records input_grad in its attrs, so the VJP's default is never used"),
    ("ops/elementwise.py", "return g * xp.where((a == 0) & (b >= 0), 0.0, out * xp.log(safe))", 32, "GtE -> Gt",
     "at a == 0, b == 0 the other branch gives out * log(safe) = 1 * log(1) = 0 too (safe is 1 there)"),
    ("engine/anomaly.py",
     "record_flags.checks = record_flags.anomaly_threads > 0 or record_flags.inference_seen", 22, "Gt -> GtE",
     "the flag only gates record_checks, which looks at this thread's anomaly mode and inference_seen itself: "
     "always on costs time, changes no result"),
    ("autograd/function.py",
     "if len(result) != expected and not (len(result) > expected and all(r is None for r in result[expected:])):",
     36, "Gt -> GtE", "read only when len(result) != expected, where > and >= agree"),
    ("ops/elementwise.py", 'if op.name == "sub" and (_is_bool(a) or _is_bool(b)):', 25, "Or -> And",
     "the TypeError branch sees two tensors of one dtype (the fast path): one bool operand means both", 2),
    ("ops/scatter.py",
     'raise RuntimeError(f"{op}(): Number of indices ({idx.size}) should be equal to source.size(dim): "', 0,
     "raise -> pass (a check removed)", "unreachable: source.ndim == x.ndim > d there, so the same count check "
     "above (source.ndim > d and ...) has already raised", 2),
    ("autograd/gradcheck.py",
     "atol: float = 1e-5, rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,", 76, "False -> True",
     "gradgradcheck accepts gen_non_contig_grad_outputs and ignores it (documented): NumPy arrays have no "
     "non-contiguous gradient layouts to try"),
    ("ops/conv.py", "full_w = max(w + 2 * pw, (ow - 1) * sw + dw * (kw - 1) + 1)", 57, "1 -> 2",
     "a buffer one column wider gets only zeros there (no window reaches it), and the result is cropped to "
     "[pw:pw + w]"),
    ("explain/build.py", 'depth[n["id"]] = 1 + max((depth.get(i, 0) for i in ins), default=-1)', 17, "1 -> 2",
     "depths 1, 3, 5, ... instead of 1, 2, 3: the same op groups, only their ids (opaque: docs/graph-schema.md) "
     "differ"),
    ("explain/build.py", 'depth[n["id"]] = 1 + max((depth.get(i, 0) for i in ins), default=-1)', 39, "0 -> 1",
     "gnodes are in forward order, so every input's depth is already set (checked over the explain tests)"),
    ("explain/build.py", 'depth[n["id"]] = 1 + max((depth.get(i, 0) for i in ins), default=-1)', 66, "1 -> 2",
     "every depth one lower: the same op groups, only their ids (opaque: docs/graph-schema.md) differ"),
    ("ops/reductions.py", "flat = moved.reshape(lead + (-1,))", 30, "1 -> 2",
     "reshape(..., -2) of a NumPy array (moved is np.asarray): NumPy (2.x) infers any negative size, as it does -1"),
    ("autograd/functional.py", "inp = tuple(t.requires_grad_(True) for t in inp)", 29, "True -> False",
     "hessian's forward-mode jac_func gets inputs the outer jacobian's _preprocess already made require grad "
     "(forward-mode runs the same reverse-mode code): requires_grad_ changes nothing"),
    ("ops/losses.py", "if len(_ROW_STARTS) > 64:", 22, "64 -> 65",
     "a cache's size bound: entries cleared one call later are recomputed identically"),
    ("ops/random_fills.py",
     "def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> Tensor:",
     54, "1.0 -> 2.0", "its only caller, Tensor.uniform_, passes a and b (with its own defaults, tested)"),
    ("explain/naming.py", "frame = sys._getframe(1)", 22, "1 -> 2",
     "its only caller (explain._names) is inside the package it skips, so frame 1 is skipped either way"),
    ("autograd/functional.py",
     "create_graph: bool = False, retain_graph: bool | None = None) -> tuple[Tensor | None, ...]:", 21,
     "False -> True", "_autograd_grad's every caller passes create_graph: the default is unused"),
    ("explain/values.py", 'if v is not None and not v["shape"] and isinstance(v.get("data"), int | float):', 0,
     "if-condition -> False (an early exit removed)",
     "a fast path: value_array gives the same float for a 0-d value's int, float or bool data"),
    ("autograd/function.py", "saved.append((None, None, 0, epoch))", 26, "0 -> 1",
     "saved_tensors returns None for a None entry before it reads the entry's version (h/mut4)"),
    ("engine/hooks.py", "merged[i] = g if merged.get(i) is None else merged[i] + g", 44, "Add -> Sub",
     "unreachable: each position of a module hook's hub has one selector node, run once per backward, so two "
     "Partials never carry the same position (h/mut4)"),
    ("ops/linalg.py", "k_b = sb[-2] if len(sb) > 1 else sb[0]", 26, "1 -> 2",
     "len(sb) > 2: for a 2-d b, sb[0] is sb[-2] (seed 505)"),
    ("engine/tensor.py", "def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:", 56,
     "False -> True", "cuda() always raises: non_blocking is never read (seed 505)"),
    ("ops/shape_ops.py", 'wrap_dim(dim0, 0, "transpose")', 15, "0 -> 1",
     "wrap_dim treats 0 dims as 1 (a 0-d tensor accepts the dims of a 1-d one): same range, same message "
     "(seed 505)"),
    ("ops/scatter.py", "if source.shape[d] != idx.size:", 0, "if-condition -> False (an early exit removed)",
     "unreachable: source.ndim == x.ndim > d there, so the count check above has already raised (as the raise "
     "below it; seed 505)"),
    ("explain/diagnostics.py",
     'if isinstance(dict(m.named_parameters(recurse=False)).get("weight"), Tensor)}', 46, "False -> True",
     "a child's parameter names always hold a dot (add_module refuses '' and names with '.'), so the 'weight' "
     "key of the recursive list is the module's own (seed 606)"),
    ("ops/activations.py", "dim = 0 if input.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice", 26,
     "0 -> 1", "a 0-d input returns dim 0 on the next line whatever dim is (seed 606)"),
    ("ops/conv.py", "out += b.reshape(1, -1, 1, 1)", 21, "1 -> 2",
     "reshape(1, -2, 1, 1): NumPy (2.x) infers any negative size, as it does -1 (seed 606)"),
    ("ops/inplace.py", "if ufunc is not None and len(args) == 1 and not kwargs and _direct(self, ufunc, args[0]):", 0,
     "if-condition -> False (an early exit removed)",
     "a fast path: since _direct takes only an operand of self's dtype or a Python number, the ufunc computes "
     "what the op computes (3,600 random cases, values and versions alike; seed 606)"),
    ("ops/registry.py", "if kind is type(x) and (kind is not np.ndarray or gi.dtype == x.dtype):", 0,
     "if-condition -> False (an early exit removed)",
     "a fast path: np.asarray(gi, dtype=x.dtype) is gi itself for an array of x's dtype, and "
     "np.asarray(gi).astype(x.dtype)[()] an equal scalar of x's type (seed 606)"),
    ("ops/registry.py", "if kind is type(x) and (kind is not np.ndarray or gi.dtype == x.dtype):", 24, "Or -> And",
     "arrays then take the last line, np.asarray(gi, dtype=x.dtype): gi itself when the dtypes agree; two "
     "scalars of one type have one dtype (seed 606)"),
    ("ops/elementwise.py",
     'if dt.kind == "f" or all(_scalar_fits(dt, v) for v in ops if not isinstance(v, Tensor)):', 3, "Or -> And",
     "a fast path: wherever it fires, result_dtype gives the tensors' one dtype too, so the general path casts "
     "nothing (1,130 dtype x 0-d x scalar combinations checked; seed 707)"),
    ("ops/activations.py", "if out.size <= 8192 or ints is None:  # small: one `where` is the fastest", 3,
     "Or -> And", "the bitwise path gives np.where's bits at every size, and ints is None only for an upstream "
     "gradient of another dtype than the output's, which the engine never passes (it casts it; seed 707)"),
    ("ops/elementwise.py",
     'if dt.kind == "f" or all(_scalar_fits(dt, v) for v in ops if not isinstance(v, Tensor)):', 0,
     "if-condition -> False (an early exit removed)",
     "a fast path: wherever it fires, result_dtype gives the tensors' one dtype too (as Or -> And; seed 707)"),
    ("ops/activations.py", "if out.size <= 8192 or ints is None:  # small: one `where` is the fastest", 0,
     "if-condition -> False (an early exit removed)", "the bitwise path gives np.where's bits at every size; ints is "
     "None only for an upstream gradient of another dtype, which the engine never passes (seed 707)"),
    ("ops/activations.py", "if out.size <= 8192 or ints is None:  # small: one `where` is the fastest", 3,
     "LtE -> Lt",
     "the size threshold between two paths that give the same bits (seed 707)"),
    ("ops/activations.py", "if out.size <= 8192 or ints is None:  # small: one `where` is the fastest", 15,
     "8192 -> 8193",
     "the size threshold between two paths that give the same bits (seed 707)"),
    ("ops/activations.py", "if out.size <= 8192 or ints is None:  # small: one `where` is the fastest", 23,
     "Is -> IsNot",
     "large arrays then take np.where, which gives the bitwise path's bits (seed 707)"),
    ("ops/joins.py", "sizes = [min(step, n - s) for s in range(0, n, step)] if n else [0]", 19, "Sub -> Add",
     "the last part's slice then ends past n, and slicing clamps it: the same parts and gradients (the slice is "
     "shown nowhere; ONNX's Slice clamps alike, and export refuses a split along a dynamic axis; seed 707)"),
    ("ops/joins.py", "sizes = [min(step, n - s) for s in range(0, n, step)] if n else [0]", 65, "0 -> 1",
     "an empty dimension's one part is then the slice 0:1 of nothing: the same empty part (seed 707)"),
    ("ops/joins.py", "shape = [0] * n", 9, "0 -> 1",
     "meshgrid's loop sets every entry (order is a permutation of range(n)), so the start value is never read "
     "(seed 707)"),
    ("autograd/gradcheck.py", 'raise GradcheckError("Analytical gradient has incorrect size")', 0,
     "raise -> pass (a check removed)",
     "unreachable: the engine refuses a gradient of another shape first (a Function's: 'returned an invalid "
     "gradient'; a hook's: 'has changed the size'), so gradcheck never sees one (seed 707)"),
    ("engine/formatting.py", 'return "inf" if v > 0 else "-inf"', 20, "0 -> 1",
     "v is +inf or -inf there (np.isinf checked it), and each compares with 1 as with 0 (seed 707)"),
    ("engine/formatting.py", 'return "inf" if v > 0 else "-inf"', 16, "Gt -> GtE",
     "v is +inf or -inf there (np.isinf checked it), never 0 (seed 707)"),
    ("ops/conv.py", "cols = windows(x, kernel, stride, padding, fill=-np.inf).reshape(n, c, kernel[0] * kernel[1], -1)",
     95, "1 -> 2", "reshape(..., -2): NumPy (2.x) infers any negative size, as it does -1 (seed 909)"),
    ("ops/conv.py", "m.setflags(write=False)", 17, "False -> True",
     "a guard on the cached averaging matrix: nothing writes into it (matmul reads it, the ONNX exporter copies "
     "it), so leaving it writable changes no result (seed 909)"),
    ("ops/conv.py", "mt.setflags(write=False)", 18, "False -> True",
     "a guard on the cached averaging matrix: nothing writes into it (matmul reads it, the ONNX exporter copies "
     "it), so leaving it writable changes no result (seed 909)"),
    ("explain/tables.py", "raise NotImplementedError", 0, "raise -> pass (a check removed)",
     "unreachable: every _Rendered subclass (GradientTable, Paths, Chain, GradientFlow, DeadUnits) overrides "
     "_header (seed 909)", 1),
    ("explain/tables.py", "raise NotImplementedError", 0, "raise -> pass (a check removed)",
     "unreachable: every _Rendered subclass (GradientTable, Paths, Chain, GradientFlow, DeadUnits) overrides "
     "_rows (seed 909)", 2),
    ("ops/views.py", "if entry is None and id(root) not in _CHILDREN:", 0,
     "if-condition -> False (an early exit removed)",
     "a fast path: for a tensor that is neither a view nor a base the walk below visits only `written`, whose "
     "version it does not bump, and finds no children (seed 909)"),
    ("ops/sorting.py",
     "def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> SortResult:", 83,
     "False -> True", "chainrule's sort is always stable (docs/semantics.md), so the flag changes nothing (seed 909)"),
    ("engine/grad_mode.py", "_mode: bool = True", 14, "True -> False",
     "a class default every subclass replaces (no_grad, enable_grad, set_grad_enabled) or never reads "
     "(inference_mode's own __enter__); nothing else subclasses it (seed 707)"),
    ("ops/conv.py", "full_h = max(h + 2 * ph, (oh - 1) * sh + dh * (kh - 1) + 1)", 25, "Mult -> Div",
     "a smaller (or float) reach never wins the max: the windows' reach never exceeds h + 2*ph for the grids conv,"
     " unfold, fold and conv_transpose make (seed 808)"),
    ("ops/conv.py", "full_h = max(h + 2 * ph, (oh - 1) * sh + dh * (kh - 1) + 1)", 17, "2 -> 3",
     "a larger buffer gets only zeros beyond the windows' reach, and the result is cropped to [ph:ph + h] (seed "
     "808)"),
    ("ops/conv.py", "full_h = max(h + 2 * ph, (oh - 1) * sh + dh * (kh - 1) + 1)", 31, "1 -> 2",
     "a smaller (or float) reach never wins the max: the windows' reach never exceeds h + 2*ph for the grids conv,"
     " unfold, fold and conv_transpose make (seed 808)"),
    ("ops/conv.py", "full_h = max(h + 2 * ph, (oh - 1) * sh + dh * (kh - 1) + 1)", 52, "1 -> 2",
     "a smaller (or float) reach never wins the max: the windows' reach never exceeds h + 2*ph for the grids conv,"
     " unfold, fold and conv_transpose make (seed 808)"),
    ("ops/conv.py", "full_h = max(h + 2 * ph, (oh - 1) * sh + dh * (kh - 1) + 1)", 26, "Sub -> Add",
     "a larger buffer gets only zeros beyond the windows' reach, and the result is cropped to [ph:ph + h] (seed "
     "808)"),
    ("ops/conv.py", "full_h = max(h + 2 * ph, (oh - 1) * sh + dh * (kh - 1) + 1)", 47, "Sub -> Add",
     "a larger buffer gets only zeros beyond the windows' reach, and the result is cropped to [ph:ph + h] (seed "
     "808)"),
    ("ops/conv.py", "full_h = max(h + 2 * ph, (oh - 1) * sh + dh * (kh - 1) + 1)", 57, "1 -> 2",
     "a larger buffer gets only zeros beyond the windows' reach, and the result is cropped to [ph:ph + h] (seed "
     "808)"),
    ("ops/conv.py", "full_w = max(w + 2 * pw, (ow - 1) * sw + dw * (kw - 1) + 1)", 25, "Mult -> Div",
     "a smaller (or float) reach never wins the max: the windows' reach never exceeds h + 2*ph for the grids conv,"
     " unfold, fold and conv_transpose make (seed 808)"),
    ("ops/conv.py", "full_w = max(w + 2 * pw, (ow - 1) * sw + dw * (kw - 1) + 1)", 17, "2 -> 3",
     "a larger buffer gets only zeros beyond the windows' reach, and the result is cropped to [ph:ph + h] (seed "
     "808)"),
    ("ops/conv.py", "full_w = max(w + 2 * pw, (ow - 1) * sw + dw * (kw - 1) + 1)", 31, "1 -> 2",
     "a smaller (or float) reach never wins the max: the windows' reach never exceeds h + 2*ph for the grids conv,"
     " unfold, fold and conv_transpose make (seed 808)"),
    ("ops/conv.py", "full_w = max(w + 2 * pw, (ow - 1) * sw + dw * (kw - 1) + 1)", 52, "1 -> 2",
     "a smaller (or float) reach never wins the max: the windows' reach never exceeds h + 2*ph for the grids conv,"
     " unfold, fold and conv_transpose make (seed 808)"),
    ("ops/conv.py", "full_w = max(w + 2 * pw, (ow - 1) * sw + dw * (kw - 1) + 1)", 26, "Sub -> Add",
     "a larger buffer gets only zeros beyond the windows' reach, and the result is cropped to [ph:ph + h] (seed "
     "808)"),
    ("ops/conv.py", "full_w = max(w + 2 * pw, (ow - 1) * sw + dw * (kw - 1) + 1)", 47, "Sub -> Add",
     "a larger buffer gets only zeros beyond the windows' reach, and the result is cropped to [ph:ph + h] (seed "
     "808)"),
    ("ops/conv.py", "full_w = max(w + 2 * pw, (ow - 1) * sw + dw * (kw - 1) + 1)", 25, "Add -> Sub",
     "a smaller (or float) reach never wins the max: the windows' reach never exceeds h + 2*ph for the grids conv,"
     " unfold, fold and conv_transpose make (seed 808)"),
    ("ops/elementwise.py", "return g * xp.where((a == 0) & (b >= 0), 0.0, out * xp.log(safe))", 37, "0 -> 1",
     "for a == 0 and 0 <= b < 1 the other branch gives out * log(safe) = out * log(1) = +0.0 (out = (+-0) ** b is "
     "+0 or 1 there); first and second derivatives checked bit for bit on a grid of signed zero bases (seed 808)"),
    ("ops/reductions.py", "if p in (1, 1.0):", 9, "1 -> 2",
     "1 == 1.0 == True: p = 1 and p = 1.0 are in (2, 1.0) and in (1, 2.0) alike, and p = 2 returned above (seed "
     "808)"),
    ("ops/reductions.py", "if p in (1, 1.0):", 12, "1.0 -> 2.0",
     "1 == 1.0 == True: p = 1 and p = 1.0 are in (2, 1.0) and in (1, 2.0) alike, and p = 2 returned above (seed "
     "808)"),
    ("ops/shape_ops.py", "if diagonal >= 0:", 3, "GtE -> Gt",
     "at diagonal 0 both branches give (arange(min(rows, cols)),) * 2 (seed 808)"),
    ("ops/shape_ops.py", "if diagonal >= 0:", 15, "0 -> 1",
     "at diagonal 0 both branches give (arange(min(rows, cols)),) * 2 (seed 808)"),
    ("explain/diagnostics.py",
     "post.reshape(-1, post.shape[-1]) if post.ndim > 1 else post.reshape(1, -1)  # conv maps: a unit per channel",
     14, "1 -> 2", "reshape(-2, k): NumPy (2.x) infers any negative size, as it does -1 (seed 1010)"),
    ("explain/diagnostics.py",
     "post.reshape(-1, post.shape[-1]) if post.ndim > 1 else post.reshape(1, -1)  # conv maps: a unit per channel",
     72, "1 -> 2", "reshape(1, -2): NumPy (2.x) infers any negative size, as it does -1 (seed 1010)"),
    ("explain/diagnostics.py",
     "post.reshape(-1, post.shape[-1]) if post.ndim > 1 else post.reshape(1, -1)  # conv maps: a unit per channel",
     36, "Gt -> GtE", "a 1-D activation then takes reshape(-1, n), the same (1, n) as reshape(1, -1) (seed 1010)"),
    ("ops/linalg.py", "if not xp.is_tensor and g.ndim == 2 and x.ndim == 2:  # the common case on arrays, kept short",
     24, "Eq -> NotEq",
     "g and x always have the same ndim (g has the output's shape: x's batch dims, out_features), so the "
     "test is never true and the general path runs: the same products (see the if-condition entry; seed 1010)"),
    ("ops/linalg.py", "if not xp.is_tensor and g.ndim == 2 and x.ndim == 2:  # the common case on arrays, kept short",
     34, "2 -> 3",
     "g and x always have the same ndim (g has the output's shape: x's batch dims, out_features), so the "
     "test is never true and the general path runs: the same products (see the if-condition entry; seed 1010)"),
    ("ops/linalg.py", "if not xp.is_tensor and g.ndim == 2 and x.ndim == 2:  # the common case on arrays, kept short",
     40, "Eq -> NotEq",
     "g and x always have the same ndim (g has the output's shape: x's batch dims, out_features), so the "
     "test is never true and the general path runs: the same products (see the if-condition entry; seed 1010)"),
    ("ops/linalg.py", "if not xp.is_tensor and g.ndim == 2 and x.ndim == 2:  # the common case on arrays, kept short",
     50, "2 -> 3",
     "g and x always have the same ndim (g has the output's shape: x's batch dims, out_features), so the "
     "test is never true and the general path runs: the same products (see the if-condition entry; seed 1010)"),
    ("explain/tables.py", 'if counts.get(e["target"], 0):', 27, "0 -> 1",
     "every edge's target is in counts: the graph holds only the root's ancestors and backward_order visits them "
     "all, so the default is never read (seed 1010)"),
    ("engine/xp.py", "return np.asarray(_erf_impl()(x)).astype(np.result_type(x, np.float32), copy=False)[()]",
     77, "False -> True", "astype copies an array nobody else holds (erf's fresh result): the same values, no alias "
     "either way (seed 1010)"),
    ("engine/xp.py", "return np.asarray(_erf_impl()(x)).astype(np.result_type(x, np.float32), copy=False)[()]",
     72, "copy=False -> copy=True", "the same edit as the entry above (seed 1010)"),
    ("explain/build.py", 'complete = seen_edges[target["id"]] == consumers.get(target["id"], 0)', 67, "0 -> 1",
     "only flowing edges reach this line (the others `continue` above), and each one counted its source in "
     "consumers: the default is never read (seed 1010)"),
    ("ops/shape_ops.py", "return np.roll(a.reshape(-1), shifts[0]).reshape(a.shape)[()]", 26, "1 -> 2",
     "reshape(-2): NumPy (2.x) infers any negative size, as it does -1 (seed 1212)"),
    ("ops/shape_ops.py", "if dims is None:", 0, "if-condition -> False (an early exit removed)",
     "np.roll(a, (s,), None) flattens, rolls and reshapes back the same; only a 0-d result is a 0-d array, not "
     "a NumPy scalar, which the engine treats alike (values, gradients, numpy() aliases, in-place writes probed; "
     "seed 1212)"),
    ("engine/watch.py", "self._count = 0", 14, "0 -> 1",
     "`on` then stays True once anybody observed; every reader also checks its thread's observer list, which is "
     "non-empty only while `on` is True anyway: only the hot path's shortcut is lost (seed 1212)"),
    ("ops/registry.py", "if parents[0] is None or rule is None:", 3, "Or -> And",
     "never true either way: a unary op records a node only when its one input requires grad, and the two unary "
     "ops without a rule (logical_not, signbit) record none (seed 1212)"),
    ("engine/size.py", "if len(_CACHE) >= 4096:", 18, "4096 -> 4097",
     "the Size cache is cleared one entry later: it only shares immutable Size objects, so nothing observable "
     "changes (seed 1212)"),
    ("ops/reductions.py", "c = cumprod(a, -1) if xp.is_tensor else np.cumprod(a, axis=-1)", 60, "1 -> 2",
     "the NumPy branch is unreachable: _cumprod_vjp calls _cumprod_others_vjp only under create_graph (xp is "
     "TENSOR); arrays take _cumprod_zeros_grad (seed 1212)"),
    ("ops/scatter.py", "if tuple(gi.shape) == shape:", 0, "if-condition -> False (an early exit removed)",
     "a fast path: index_add(shape, full slices, gi, basic=True) assigns gi into zeros of its own shape, the same "
     "bits (-0.0 too) in a fresh array; under create_graph the same values through an index_add node (seed 1212)"),
    ("ops/sorting.py", "wrap_dim(dim, 0, name)", 14, "0 -> 1",
     "wrap_dim checks against max(ndim, 1): ndim 0 and 1 admit the same dims, 0 and -1 (seed 1212)"),
    ("ops/reductions.py", "safe = xp.where(o == 0, 1.0, o)  # std 0 (constant input): the gradient is 0, as PyTorch",
     24, "1.0 -> 2.0",
     "any finite non-zero placeholder: the final where replaces those positions by 0, and under create_graph the "
     "gradient reaching the placeholder branch is multiplied by that where's zero mask (decided 2026-12-07)"),
    ("engine/node.py", "next_sequence = itertools.count(0, -1).__next__", 32, "0 -> 1",
     "the creation numbers start one higher: only their order is ever compared (the walk's heap; decided "
     "2026-12-07)"),
    ("engine/node.py", "next_sequence = itertools.count(0, -1).__next__", 36, "1 -> 2",
     "the creation numbers count down by 2: still unique and decreasing, and only their order is compared "
     "(decided 2026-12-07)"),
    ("autograd/functional.py", "with set_grad_enabled(True if create_graph else is_grad_enabled()):", 22,
     "True -> False", "the block holds only _autograd_grad and _fill_in_zeros: under create_graph the "
     "backward walk sets its thread's grad mode to create_graph itself (enter_backward) and new_zeros "
     "records nothing, so the outer mode is never read (seed 1313; vjp, judged with its twins)", 1),
    ("autograd/functional.py", "with set_grad_enabled(True if create_graph else is_grad_enabled()):", 22,
     "True -> False", "the block holds only _autograd_grad and _fill_in_zeros: under create_graph the "
     "backward walk sets its thread's grad mode to create_graph itself (enter_backward) and new_zeros "
     "records nothing, so the outer mode is never read (seed 1313; jvp)", 2),
    ("autograd/functional.py", "with set_grad_enabled(True if create_graph else is_grad_enabled()):", 22,
     "True -> False", "the block holds only _autograd_grad and _fill_in_zeros: under create_graph the "
     "backward walk sets its thread's grad mode to create_graph itself (enter_backward) and new_zeros "
     "records nothing, so the outer mode is never read (seed 1313; vhp)", 3),
    ("autograd/functional.py", "with set_grad_enabled(True if create_graph else is_grad_enabled()):", 22,
     "True -> False", "the block holds only _autograd_grad and _fill_in_zeros: under create_graph the "
     "backward walk sets its thread's grad mode to create_graph itself (enter_backward) and new_zeros "
     "records nothing, so the outer mode is never read (seed 1313; hvp, judged with its twins)", 4),
    ("engine/backward.py", "or (record_flags.anomaly_threads > 0 and anomaly_state.enabled))", 4, "Gt -> GtE",
     "a cheap pre-check: anomaly_threads counts the threads with anomaly mode on, is never negative and is at "
     "least 1 whenever this thread's anomaly_state.enabled is True, so the `and` has the same value (seed 1313)"),
    ("ops/reductions.py", "flat = moved.reshape(-1, moved.shape[-1])", 22, "1 -> 2",
     "reshape(-2, n): NumPy (2.x) infers any negative size, as it does -1 (seed 1313)"),
    ("ops/shape_ops.py", "strides, step = [0] * len(shape), 1", 17, "0 -> 1",
     "every entry of the list is overwritten by the loop below it before it is read (seed 1313)"),
    ("ops/special.py", "out = out - np.where(np.isfinite(step), step, 0.0)", 46, "0.0 -> 1.0",
     "a safety net never taken: positions outside (-1, 1) run with y = 0 and are replaced afterwards, and inside "
     "every Newton step is finite (1 - z >= 2**-53, erfc(out) stays above 1e-17); instrumented over 1.4 million "
     "float64/32/16 inputs up to nextafter(1, 0), no non-finite step (seed 1313)"),
    ("engine/anomaly.py", "self.checks = False", 14, "False -> True",
     "`checks` only gates record_checks, which does nothing unless this thread's anomaly mode is on or an "
     "inference_mode was entered, and either sets `checks` itself (_set, note_inference_mode) (seed 1414)"),
    ("engine/anomaly.py", "record_flags.anomaly_threads += 1 if enabled else -1", 32, "1 -> 2",
     "the counter then stays above 0 after anomaly mode is left: its two readers (`checks` gating record_checks, "
     "backward's pre-check) are each and-ed with this thread's own anomaly_state.enabled, so only speed changes "
     "(seed 1414)"),
    ("engine/tensor.py", "if type(arr) is not np.ndarray:", 0, "if-condition -> False (an early exit removed)",
     "data that is not an ndarray is a NumPy scalar (a 0-d value): its base is None, so it is its own owner, and "
     "no written_storage entry can resolve to it (NumPy scalars cannot be weakly referenced): False either way "
     "(seed 1414)"),
    ("engine/tensor_methods.py",
     "def argsort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:", 77,
     "False -> True", "chainrule's argsort, as its sort, is always stable (docs/semantics.md) (seed 1414)"),
    ("engine/xp.py", "x = x.sum(axis=kept, keepdims=True)", 30, "True -> False",
     "the kept axes all come after the leading ones, so dropping them renumbers none of the leading axes, and the "
     "final reshape(shape) puts the size-1 axes back: the same values and shape (seed 1414)"),
    ("explain/tables.py",
     "counts[nid] = 1 if nid == top.root else sum(counts.get(e[\"target\"], 0) for e in top.consumers.get(nid, []))",
     68, "0 -> 1",
     "the graph holds only the loss's ancestors, so every consumer is visited before its input in backward_order "
     "and has its count: the default is never used (instrumented over tests/explain and tests/playgrounds: 154 "
     "calls, no miss) (seed 1414)"),
    ("explain/tables.py", "through[nid] = c * up_counts.get(nid, 0)", 38, "0 -> 1",
     "every node counted downwards from x is x or a consumer reached from it, all in the loss's graph and so in "
     "up_counts (the same instrumented run): the default is never used (seed 1414)"),
    ("ops/conv.py", "if len(_ADAPTIVE) > 256:", 20, "256 -> 257",
     "a cache's size bound: entries cleared one call later are recomputed identically (seed 1414)"),
    ("ops/elementwise.py",
     "fast = kind in _FLOAT_SCALARS or (kind is np.ndarray and db.dtype.kind == \"f\")", 34, "Is -> IsNot",
     "a fast path: `number op float tensor` (held as an ndarray) then goes through promote and apply, which give "
     "the same values, dtype, gradient, node and observer calls (probed against torch: + - * / ** x 11 numbers "
     "with nan, inf, 1e40, 2**70 x float16/32/64 x 3 shapes, with and without grad; the explain graph) "
     "(seed 1414)"),
    ("ops/scatter.py",
     "out = (out // count if out.dtype.kind in \"iu\" else out / count).astype(out.dtype, copy=False)  # keep int32",
     87, "False -> True", "a copy of a fresh array nothing else holds (seed 1414)"),
    ("ops/scatter.py", "if tuple(part.shape) == tuple(src.shape):", 3, "Eq -> NotEq",
     "the padding is never read (the reduction reads src[head], which is all of a head-shaped part), and under "
     "create_graph the part's gradient has its own shape: prod's first and second derivatives with an index "
     "smaller than src match float64 central differences either way (seed 1414)"),
    ("ops/scatter.py", "if tuple(part.shape) == tuple(src.shape):", 0, "if-condition -> False (an early exit removed)",
     "_pad_to returns a part of src's shape unchanged (judged with the seed-1414 mutant on this line)"),
    ("ops/elementwise.py",
     "return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0))).astype(q.dtype)",
     42, "Lt -> LtE",
     "integer operands: `a < 0` and `a <= 0` (or `a < 1`) differ only at a == 0, where the remainder is 0 "
     "and the correction is masked off anyway (decided 2026-12-07)"),
    ("ops/elementwise.py",
     "return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0))).astype(q.dtype)",
     58, "0 -> 1",
     "integer operands: `a < 0` and `a <= 0` (or `a < 1`) differ only at a == 0, where the remainder is 0 "
     "and the correction is masked off anyway (decided 2026-12-07)"),
    ("ops/elementwise.py",
     "return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0))).astype(q.dtype)",
     65, "Lt -> LtE",
     "integer operands: `b < 0` and `b <= 0` (or `b < 1`) differ only at b == 0, which _integer_divisor "
     "refuses before this line (decided 2026-12-07)"),
    ("ops/elementwise.py",
     "return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0))).astype(q.dtype)",
     81, "0 -> 1",
     "integer operands: `b < 0` and `b <= 0` (or `b < 1`) differ only at b == 0, which _integer_divisor "
     "refuses before this line (decided 2026-12-07)"),
    ("ops/activations.py",
     "ints = _SAME_SIZE_INT.get(g.dtype.itemsize) if type(g) is np.ndarray and g.dtype == out.dtype else None", 47,
     "And -> Or", "the engine passes an upstream gradient of the output's shape and dtype (it casts it), so for an "
     "out above the size threshold g is an ndarray of out's dtype and both conditions hold; smaller outs take "
     "`where` whatever ints is (seed 1515)"),
    ("ops/shape_ops.py",
     "TRIU = defop(\"triu\", lambda x, diagonal, lower=False: np.triu(x, diagonal), \"x\",", 47, "False -> True",
     "the forward never reads lower (np.triu), and _tri, the op's only caller, always passes it (seed 1515)"),
    ("ops/conv.py", "return out.reshape(x.shape[0], o, oh, -1)", 39, "1 -> 2",
     "reshape(..., -2): NumPy (2.x) infers any negative size, as it does -1 (seed 1515)"),
    ("ops/special.py",
     "_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)", 83, "12 -> 13",
     "the last coefficient is never read: digamma's loop takes _DIGAMMA_SERIES[:-1] (seed 1515)"),
    ("ops/special.py",
     "_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)", 79, "Div -> Mult",
     "the last coefficient is never read (judged with the seed-1515 mutant on it)"),
    ("ops/special.py",
     "_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)", 79, "1 -> 2",
     "the last coefficient is never read (judged with the seed-1515 mutant on it)"),
    ("ops/registry.py", "if parent is not None and gi is not None:", 3, "And -> Or",
     "differs only when exactly one is None: a vjp's gradient for an input that needs none (index_put, einsum), "
     "which _match_dtype returns unchanged (same dtype) and the engine drops; instrumented over the op table's "
     "gradcheck, tests/autograd and tests/func: no vjp returned None for an input that needs a gradient, and no "
     "dropped gradient had another dtype (seed 1616)"),
    ("ops/special.py", "out = np.where(w < 5.0, p1, p2) * z", 15, "Lt -> LtE",
     "no float64 x in (-1, 1) gives w = -ln((1 - x)(1 + x)) exactly 5.0 (between neighbouring x it steps from "
     "4.999999999999987 to 5.0000000000000195), and either start goes through the same Newton steps (seed 1616)"),
    ("autograd/gradcheck.py",
     "check_rev_over_rev: bool = True, fast_mode: bool = False, masked: bool = False) -> bool:", 73,
     "False -> True", "gradgradcheck's masked is accepted and never read (its docstring says so) (seed 1616)"),
    ("ops/random_fills.py",
     "def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:",
     58, "1.0 -> 2.0", "its one caller, Tensor.normal_, always passes std (with PyTorch's default, 1.0); "
     "nn.init.normal_ is its own function (seed 1616)"),
    ("ops/reductions.py",
     "truth = data if data.dtype.kind == \"b\" else data != 0  # NaN counts as true, as in PyTorch", 16, "Eq -> NotEq",
     "np.any/np.all read a number as `!= 0` does (NaN true, -0.0 false) and return bool either "
     "way, and `data != 0` of bools is the data: the same results, dtypes and shapes (checked over float, float16, "
     "int8, uint8 and empty arrays with nan, inf, -0.0 and subnormals, every axis, keepdims) (seed 1616)"),
    ("ops/special.py", "pole = (v <= 0) & (v == np.floor(v))", 8, "LtE -> Lt",
     "trigamma at +-0.0, the one input the edit drops from the poles, is inf without the flag too (1/v**2 of the "
     "recurrence and the reflection's pi**2/sin(pi*v)**2 both overflow to inf; checked for float16/32/64)", 2),
    ("ops/special.py", "for _ in range(4):  # quadratic convergence from ~1e-7", 15, "4 -> 5",
     "a fifth Newton step after convergence moves erfinv by at most 1 ulp (on 19% of 3,000 float64 inputs) and "
     "rounds correctly as often against mpmath at 40 digits (2,063 vs 2,055 of 3,000): no result leaves the "
     "2-ulp bound tests/ops/test_special_accuracy.py checks, so no test can tell the two apart"),
    ("ops/joins.py", "for start, stop in zip(bounds[:-1], bounds[1:], strict=True):", 55, "True -> False",
     "bounds[:-1] and bounds[1:] of one list always have the same length, so zip's strict check never fires "
     "(seed 1919)"),
    ("ops/indexing.py",
     "return getitem(input, (slice(None),) * d + (idx if idx.ndim == 1 else np.asarray(idx).reshape(-1),),", 95,
     "1 -> 2", "reshape(-2): NumPy (2.x) infers any negative size, as it does -1 (seed 1919)"),
    ("ops/shape_ops.py", "wrap_dim(dim1, 0, \"transpose\")", 15, "0 -> 1",
     "wrap_dim reads ndim 0 as 1 (max(ndim, 1)), in its check and its message, and the result is discarded "
     "(seed 1919)"),
    ("ops/shape_ops.py", "if len(dims) < input.ndim:", 3, "Lt -> LtE",
     "tile with exactly ndim dims: prepending (1,) * 0 leaves dims as it is (already a tuple) (seed 1919)"),
    ("explain/values.py", 'if v is not None and not v["shape"] and isinstance(v.get("data"), int | float):', 21,
     "drop `not`", "a fast path: value objects with a non-empty shape hold a list or None as data, never a number, "
     "and value_array gives a 0-d value's int, float or bool data the same float (probed over 25 values, also "
     "after a JSON round trip) (seed 1919)"),
    ("engine/formatting.py", "width = max((len(fmt(float(v))) for v in counted.ravel()), default=0)", 67,
     "0 -> 1", "max's default is read only when no value is nonzero and finite: then every text is `0.`-like, nan "
     "or +-inf, at least 2 characters, and rjust(1) leaves it as it is (seed 2020, for the line before the pass)"),
    ("ops/reductions.py",
     "positions = np.arange(x.shape[dim]).reshape([-1 if i == dim else 1 for i in range(len(x.shape))])", 46,
     "1 -> 2", "reshape(..., -2, ...): NumPy (2.x) infers any negative size, as it does -1 (seed 2020)"),
    ("explain/build.py",
     'if n["module"] is not None and n["call"] is not None and n["module"] in renumber:', 3, "And -> Or",
     "differs only for a node with a module path that no node's calls hold (KeyError) or with a call but no module; "
     "neither occurs: an op's calls end with its own (path, call), a parameter joins a module some op was tagged "
     "with (call None: .get(None, None) keeps None); asserted over tests/explain, tests/cli, tests/viz (seed 2020)"),
    ("ops/shape_ops.py", "return wrap(np.repeat(np.arange(counts.size), counts.reshape(-1)).astype(np.int64))", 62,
     "1 -> 2", "reshape(-2): NumPy (2.x) infers any negative size, as it does -1 (0-d, empty and n-d counts checked, "
     "the same shapes and errors; seed 1717)"),
    ("ops/sorting.py",
     "rows_s, rows_v = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])", 30, "1 -> 2",
     "reshape(-2, n): NumPy (2.x) infers any negative size, as it does -1 (empty shapes checked: the same shapes "
     "and errors; seed 1717)"),
    ("ops/activations.py",
     "ints = _SAME_SIZE_INT.get(g.dtype.itemsize) if type(g) is np.ndarray and g.dtype == out.dtype else None", 47,
     "Is -> IsNot", "ints is then None for every ndarray g, so outs above the size threshold take np.where, which "
     "gives the bitwise path's bits (as the line `if out.size <= 8192 or ints is None` judged in seed 707; seed "
     "1717)"),
    ("ops/sorting.py",
     "rows_s, rows_v = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])", 65, "1 -> 2",
     "values.reshape(-2, n): NumPy (2.x) infers any negative size, as it does -1 (the line's other -1; seed 1717)"),
    ("ops/activations.py",
     "ints = _SAME_SIZE_INT.get(g.dtype.itemsize) if type(g) is np.ndarray and g.dtype == out.dtype else None", 73,
     "Eq -> NotEq", "the engine passes an upstream gradient of the output's dtype, so ints is then None and outs "
     "above the size threshold take np.where, which gives the bitwise path's bits (seed 1717)"),
    ("ops/out.py", "out._bump_version(storage_written=False)", 34, "False -> True",
     "out was just rebound to a fresh copy (base None) that no node has saved yet, so marking its memory written at "
     "this epoch precedes every later save's epoch: no saved-value check can fire (the version and the "
     "modification epoch, which the checks on out itself read, are bumped either way; seed 1818)"),
    ("ops/conv.py", "w3 = w.reshape(groups, c_in // groups, -1)  # (g, C_in/g, C_out/g*kh*kw)", 40, "1 -> 2",
     "reshape(..., -2): NumPy (2.x) infers any negative size, as it does -1 (seed 1818)"),
    ("ops/reductions.py", "safe = xp.where(o == 0, 1.0, o)  # the subgradient 0 at the origin, as PyTorch", 24,
     "1.0 -> 2.0", "safe is read only through x / safe, which the next where replaces by 0.0 wherever o == 0 (and "
     "under create_graph where's backward sends that branch zeros, and safe's own where sends o nothing there): "
     "any finite nonzero placeholder gives the same values and derivatives (seed 1818)"),
]

# judged in the first exhaustive pass (--all, fork runner, 2026-12-07)
EQUIVALENT += [
    ("ops/linalg.py",
     "if not xp.is_tensor and g.ndim == 2 and x.ndim == 2:  # the common case on arrays, kept short", 3, "drop `not`",
     "the short path then serves 2-D Tensors under create_graph (`g @ w`, `g.T @ x`, `g.sum(0)` are Tensor methods "
     "with the same values) and 2-D arrays take the general path, which computes the same products"),
    ("autograd/gradcheck.py", "vs.append(v / (np.linalg.norm(v) or 1.0))", 36, "1.0 -> 2.0",
     "the norm of rng.random values is 0 only for an empty output, whose direction vector stays empty"),
    ("explain/naming.py", "@functools.lru_cache(maxsize=256)", 29, "256 -> 257",
     "a cache's size: the same patterns are compiled, one more is kept"),
]

# judged in the first exhaustive pass: ops
EQUIVALENT += [
    ("ops/registry.py",
     "return np.asarray(gi).astype(x.dtype)[()] if type(x) is not np.ndarray else np.asarray(gi, dtype=x.dtype)",
     45, "IsNot -> Is", "only the storage of a 0-d gradient changes (a 0-d ndarray instead of a NumPy scalar, or the "
     "reverse); values, dtypes, accumulation, in-place updates and numpy() sharing probed equal over 16 ops"),
    ("ops/registry.py", "if len(inputs) == 2 and not attrs:", 24, "drop `not`",
     "no binary rule-based Op carries attrs (each of the 209 Ops with two rules has a two-argument forward), so the "
     "edit only sends binary ops on arrays through the general loop, whose sum_to and dtype match give the same "
     "gradients as the unrolled _fit (gradcheck, derivative and dtype suites pass)"),
    ("ops/random_fills.py",
     "if self.grad_fn is not None and grad_state.enabled:  # cut the old history, under PyTorch's node name", 3,
     "And -> Or", "the cases it adds (no history, or grad mode off) record nothing in apply: the overwrite op returns "
     "the drawn array itself with no grad_fn, what wrap(values) gives (probed: plain, no_grad, history under no_grad)"),
    ("ops/elementwise.py", 'return dt.kind != "b" or isinstance(v, builtins.bool)', 7, "Or -> And",
     "only promote()'s shortcut: the cases it then drops (an integer tensor with an int, a bool tensor with a bool) "
     "take dtypes.result_dtype, which keeps the tensor's dtype; dtypes and values probed equal over 210 cases"),
    ("ops/conv.py", "return windows(x, kernel, stride, padding).mean(axis=(2, 3)).astype(x.dtype, copy=False)", 77,
     "copy=False -> copy=True", "the mean is a fresh array nothing else holds: a copy of it changes nothing"),
    ("ops/conv.py",
     "out = np_fold(cols.reshape(n, -1, grid[0] * grid[1]), size, kernel, stride, padding, dilation, grid)", 31,
     "1 -> 2", "reshape(..., -2): NumPy (2.x) infers any negative size, as it does -1"),
    ("ops/conv.py",
     "out = np.matmul(w.reshape(groups, o // groups, -1), cols.reshape(n, groups, -1, length)).reshape(n, o, length)",
     48, "1 -> 2", "reshape(..., -2): NumPy (2.x) infers any negative size, as it does -1"),
    ("ops/special.py", "for c1, c2 in zip(_GILES_CENTRAL, _GILES_TAIL, strict=True):", 54, "True -> False",
     "the two coefficient tuples are constants of the same length (9): strict never has anything to check"),
    ("ops/sorting.py", "scalar = not isinstance(input, Tensor)", 9, "drop `not`",
     "a scalar value gives a 0-d result (out[()] either way), and out[()] of an n-d result is the same values; "
     "a scalar with n-d boundaries is refused by the shape check either way"),
    ("ops/sorting.py", "return wrap(out[()] if scalar or out.ndim == 0 else out)", 33, "Eq -> NotEq",
     "a 0-d result wrapped as a 0-d ndarray instead of a NumPy scalar (what wrap keeps of a scalar anyway), an n-d "
     "one as out[()], the same values: dtype, shape and values probed equal (int64 and out_int32)"),
    ("ops/elementwise.py",
     'b_int = np.asarray(b).dtype.kind in "iub" if not isinstance(b, builtins.float) else False', 84,
     "False -> True", "a Python float divisor reaches the forward only after arithmetic() promoted the dividend to "
     "float, so a_int is False and b_int is never decisive"),
    ('ops/formula.py',
     'raise ValueError(f"formula {formula!r}: cannot evaluate {ast.unparse(node)!r}")  # pragma: no cover',
     0, 'raise -> pass (a check removed)',
     'unreachable: check() admits only the node types _eval handles (Name, Constant, BinOp, UnaryOp, Call, '
     'Compare, BoolOp, IfExp)'),
    ('ops/reductions.py',
     'flat = np.asarray(x).reshape(-1)', 30, '1 -> 2',
     'reshape(-2): NumPy (2.x) infers any negative size, as it does -1'),
    ('ops/reductions.py',
     'if isinstance(p, int | float) and p < 0 and p != float("-inf"):', 34, 'Lt -> LtE',
     'p == 0 (and -0.0) has already returned on the line above'),
    ('ops/inplace.py',
     'if (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)) and grad_state.enabled:',
     3, 'And -> Or',
     'the direct ufunc is a fast path: the calls it then declines go through assign(), which computes the '
     "same values and also writes into self's storage, bumping the versions"),
    ('ops/linalg.py',
     'if ord == 1:', 0, 'if-condition -> False (an early exit removed)',
     'the general path (p_norm) computes sum(|x|**1)**(1/1): the same values, gradients and second derivatives '
     "(0 at x = 0); only grad_fn's name differs (WhereBackward0 for SumBackward1, PyTorch's is "
     'LinalgVectorNormBackward0 either way)'),
    ('ops/elementwise.py',
     'a_int = np.asarray(a).dtype.kind in "iub" if not isinstance(a, builtins.float) else False', 84, 'False -> True',
     "a Python float reaches the forward only on arithmetic's fast path, with a float tensor b (b_int "
     'False); with an integer b, promote() makes both float tensors first'),
    ('ops/conv.py',
     'spread = xp.reshape(g, (n, c, 1, -1)) * mask.reshape(n, c, k, -1).astype(x.dtype if not xp.is_tensor',
     63, '1 -> 2',
     'reshape(..., -2): NumPy (2.x) infers any negative size, as it does -1'),
    ('ops/registry.py',
     'type(gi) is not type(x) or (type(x) is np.ndarray and gi.dtype != x.dtype)):', 28, 'And -> Or',
     "the check then leaves the fast return for every array input; the general loop's _match_dtype returns "
     'a gradient of the right type and dtype unchanged'),
    ('ops/views.py',
     'if type(data) is not np.ndarray:', 0, 'if-condition -> False (an early exit removed)',
     'a NumPy scalar is never a registered view (register() requires an ndarray) and shares no storage with '
     'any view, so the walk bumps nothing'),
    ('ops/linalg.py',
     'return copy_(clone(A), expand(eye(A.shape[-1], dtype=A.dtype), tuple(A.shape)))', 43, '1 -> 2',
     'A.shape[-2]: A was checked square just above'),
    ('ops/reductions.py',
     'wrap_dim(dim, 0, name)', 14, '0 -> 1',
     'wrap_dim treats ndim 0 as 1 (max(ndim, 1)): the same range [-1, 0] and message'),
    ('ops/reductions.py',
     'm = np.where(np.isfinite(m), m, 0.0).astype(x.dtype)', 32, '0.0 -> 1.0',
     "logsumexp: a non-finite maximum means +inf, NaN or an all -inf slice, whose result is inf, NaN or -inf with "
     "either shift"),
    ('ops/sorting.py',
     'values, inverse, counts = np.unique(data.reshape(-1), return_inverse=True, return_counts=True)', 50,
     '1 -> 2',
     'reshape(-2): NumPy (2.x) infers any negative size, as it does -1'),
    ('ops/joins.py',
     'return list(promote(*tensors)) if len({t.array.dtype for t in tensors}) > 1 else list(tensors)', 34,
     'Gt -> GtE',
     'promote() of tensors of one dtype returns them unchanged'),
    ('ops/registry.py',
     'if parents[0] is None or rule is None:', 0, 'if-condition -> False (an early exit removed)',
     "a unary node is recorded only when its one input needs a gradient, and the ops without a derivative "
     "(signbit, logical_not, any/all) are never recorded (unrecorded())"),
    ('ops/reductions.py',
     'lambda data, d: _kth_indices(data, d, (data.shape[d] - 1) // 2))', 38, 'FloorDiv -> Div',
     "np.take truncates a float index: (n - 1) / 2 picks the element (n - 1) // 2 does (n >= 1: an empty dim "
     "raised before)"),
    ('ops/reductions.py',
     'wrap_dim(d, 0, op)', 12, '0 -> 1',
     "wrap_dim treats ndim 0 as 1 (max(ndim, 1)): the same range [-1, 0] and message"),
    ('ops/shape_ops.py',
     'index = np.repeat(np.arange(size), np.broadcast_to(counts.reshape(-1), (size,)) if counts.ndim else counts)',
     67, '1 -> 2',
     'reshape(-2): NumPy (2.x) infers any negative size, as it does -1'),
    ('ops/special.py',
     'out = np.where(w < 5.0, p1, p2) * z', 19, '5.0 -> 6.0',
     "erfinv: for w in [5, 6) the central polynomial is still within Newton's reach; after the four steps the "
     "values agree to 1 ulp (2.1e-16 relative at most over w in [4.99, 6.01]), as close to SciPy's"),
    ('ops/linalg.py',
     'if not (isinstance(input, Tensor) and isinstance(weight, Tensor) and (bias is None or isinstance(bias, Tensor))',
     70, 'Is -> IsNot',
     "linear then takes apply(LINEAR, ...) without a bias: the fast path is that call inlined (record() or "
     "unrecorded() with the same attrs), the same values, node and gradients"),
    ('ops/linalg.py',
     'if not (isinstance(input, Tensor) and isinstance(weight, Tensor) and (bias is None or isinstance(bias, Tensor))',
     70, 'Or -> And',
     "linear then always takes apply(LINEAR, ...): the fast path is that call inlined (record() or unrecorded() "
     "with the same attrs), the same values, node and gradients"),
    ('ops/linalg.py',
     'for i, j in zip(da, db, strict=True):', 31, 'True -> False',
     "the two lists were checked to have the same length just above", 1),
    ('ops/special.py',
     'small = x < 10', 12, '10 -> 11',
     "digamma/trigamma: the series is accurate from 10 on; one more recurrence step changes only rounding (at most "
     "8 ulp of max(|value|, 1) over [-9.95, 30])"),
    ('ops/reductions.py',
     'if dim is None:', 0, 'if-condition -> False (an early exit removed)',
     "aminmax: amin/amax with dim=None reduce over all dims, as with ()", 6),
    ('ops/conv.py',
     'out = np.matmul(w.reshape(groups, o // groups, -1), cols.reshape(n, groups, -1, length)).reshape(n, o, '
     'length)', 77, '1 -> 2',
     'reshape(..., -2): NumPy (2.x) infers any negative size, as it does -1'),
    ('ops/conv.py',
     'cols = windows(x, kernel, stride, padding, fill=-np.inf).reshape(n, c, k, -1)', 75, '1 -> 2',
     'reshape(..., -2): NumPy (2.x) infers any negative size, as it does -1'),
    ('ops/conv.py',
     'return windows(x, kernel, stride, padding).mean(axis=(2, 3)).astype(x.dtype, copy=False)', 82,
     'False -> True',
     "a copy of the mean, a fresh array no one else holds: the same values"),
    ('ops/joins.py',
     'return tuple(getitem(input, (slice(None),) * d + (slice(0, 0),), SPLIT) for _ in range(chunks))', 56,
     '0 -> 1',
     "the dim has size 0 here: slice(0, 1) of it is as empty as slice(0, 0)"),
    ('ops/losses.py',
     'local = xp.where(a <= beta, d, xp.sign(d) * beta)', 17, 'LtE -> Lt',
     "at |d| == beta both branches are d (sign(d) * beta = d)"),
    ('ops/sorting.py',
     'return wrap(out[()] if scalar or out.ndim == 0 else out)', 23, 'Or -> And',
     "a 0-d result then stays a 0-d ndarray inside the tensor (what _shared_array makes of a scalar anyway): the "
     "same value, dtype and shape"),
    ('ops/sorting.py',
     'elif dim is not None or input.ndim:', 5, 'Or -> And',
     "the cases it skips (no dim, or a 0-d input) have x flattened to 1-D, so out is already (len(q),)"),
    ('ops/losses.py',
     'if len(_ROW_STARTS) > 64:', 3, 'Gt -> GtE',
     "a cache size: one entry fewer kept"),
    ('ops/special.py',
     'out = out.astype(arr.dtype if arr.dtype.kind == "f" else np.float64)', 30, 'Eq -> NotEq',
     "trigamma is reached only as digamma's derivative on float arrays, whose float64 result the registry casts "
     "back to the input's dtype (also under create_graph), and in formulas evaluated in float64", 2),
    ('ops/registry.py',
     'if kind is not type(x) or (kind is np.ndarray and gi.dtype != x.dtype):', 27, 'And -> Or',
     "_match_dtype returns a gradient of the right type and dtype unchanged"),
    ('ops/elementwise.py',
     'return xp.where(off, 0.0, g * xp.log(xp.where(off, 1.0, b)))',
     51, '1.0 -> 2.0',
     "xlogy's masked positions: the outer where replaces them by 0 whatever the (finite) log there, and a "
     'constant has no gradient'),
    ('ops/reductions.py',
     'return apply(MEDIAN_ALL, (input,), {"dims": tuple(range(input.ndim)), "keepdim": False})',
     81, 'False -> True',
     "the median of all elements is 0-d: expand_back broadcasts a 0-d gradient to x's shape the same with or "
     'without kept dims (the forward ignores keepdim)'),
    ('ops/elementwise.py',
     'if op.name == "sub" and (_is_bool(a) or _is_bool(b)):',
     3, 'And -> Or',
     'on the fast path (one dtype) NumPy raises TypeError with bool operands only for subtract', 2),
    ('ops/reductions.py',
     'grad = np.where(pos < z, _reverse_cumsum(NUMPY, g * out, dim) / safe, 0).astype(x.dtype)',
     16, 'Lt -> LtE',
     "cumprod's position z is overwritten just after (put_along_axis at min(z, n - 1)); a slice without a zero "
     'has z = n'),
    ('ops/joins.py',
     'if len(pad) % 2 or len(pad) // 2 > input.ndim:',
     19, 'FloorDiv -> Div',
     'an odd length has raised on the left of the `or`: for an even length / and // give the same number'),
    ('ops/conv.py',
     'if len(_ADAPTIVE) > 256:',
     3, 'Gt -> GtE',
     'a cache size: one entry fewer kept'),
    ('ops/linalg.py',
     'n = A.shape[-1]',
     13, '1 -> 2',
     'A.shape[-2]: A was checked square (_square_float)', 2),
    ('ops/linalg.py',
     'return apply(SVD_S, (A,), {"full_matrices": False})',
     44, 'False -> True',
     'svdvals: the same singular values; the VJP uses the first k columns of U and rows of Vh only'),
    ('ops/losses.py',
     'if reduction == "mean":',
     0, 'if-condition -> False (an early exit removed)',
     '_reduce computes the same mean: the float32 sum over the count converted to the dtype, cast to it'),
    ('ops/sorting.py',
     'out = np.stack([np.searchsorted(s, v, side=how) for s, v in zip(rows_s, rows_v, strict=True)])',
     87, 'True -> False',
     'the leading shapes were checked equal above, so the row lists have the same length'),
    ('ops/scatter.py',
     'gs = gs * (num_zeros <= 1)',
     24, '1 -> 2',
     'at a position with two zeros scattered to it the product (result) is 0 or NaN, so gs there is 0 or NaN '
     'either way'),
    ('ops/sorting.py',
     'return wrap(out[()] if scalar or out.ndim == 0 else out)',
     45, '0 -> 1',
     'out[()] of a 1-d array is the same array; a 0-d one then stays a 0-d ndarray inside the tensor (what '
     '_shared_array makes of a scalar anyway)'),
    ('ops/scatter.py',
     'od = xp.data(out) if out is not None else _np_scatter_reduce(xd, sd, pos, head, reduce, include_self)',
     21, 'IsNot -> Is',
     "out is always saved for amax/amin (saves='both'): the recomputation from x and src gives the same values"),
    ('ops/elementwise.py',
     'if type(weight) in _PY_SCALARS:',
     0, 'if-condition -> False (an early exit removed)',
     'lerp with a number weight: np.where over both formulas picks the same one (|w| < 0.5) with the same '
     'rounding'),
    ('ops/conv.py',
     'if ph or pw or full_h != h or full_w != w:',
     15, 'NotEq -> Eq',
     'full_h == h + 2 ph (the windows never reach past the padded input): without padding full_h is h, and the '
     'crop out[:, :, 0:h, 0:w] is the whole array'),
    ('ops/joins.py',
     'return tuple(getitem(input, (slice(None),) * d + (slice(0, 0),), SPLIT) for _ in range(chunks))',
     59, '0 -> 1',
     'the dim has size 0 here: slice(1, 0) of it is as empty as slice(0, 0)'),
    ('ops/scatter.py',
     'out = (out // count if out.dtype.kind in "iu" else out / count).astype(out.dtype, copy=False)  # keep int32',
     82, 'copy=False -> copy=True',
     'a copy of the freshly computed mean: the same values, no one else holds it'),
    ('ops/scatter.py',
     'grids = list(np.meshgrid(*(np.arange(n) for n in idx.shape), indexing="ij", sparse=True))',
     83, 'True -> False',
     'dense grids broadcast against the index exactly as the sparse ones: the same positions'),
    ('ops/special.py',
     'if math.isnan(v):',
     0, 'if-condition -> False (an early exit removed)',
     'lgamma of NaN: the checks below pass NaN through (isinf, <= 0 false) and math.lgamma(nan) is nan'),
    ('ops/reductions.py',
     'values = apply(_MAX_0D if is_max else _MIN_0D, (input,), {"dims": (), "keepdim": False})',
     81, 'False -> True',
     'max/min of a 0-d input reduce no dims: expand_back skips expand_dims for an empty dims either way'),
    ('ops/special.py',
     'for _ in range(10):',
     15, '10 -> 11',
     'the loop breaks once no element is below 10; ten steps already lift any x in (0, 10) to 10 or more (the '
     'same values over [-9.95, 30], NaN and +-inf)'),
    ('ops/special.py',
     'neg = v < 0.5',
     6, 'Lt -> LtE',
     'trigamma at exactly 0.5: the reflection gives the same value (the same results over [-9.95, 30] including '
     '0.5)', 2),
    ('ops/conv.py',
     'out = np.matmul(w.reshape(o, -1), cols)  # (N, O, L)',
     30, '1 -> 2',
     'reshape(..., -2): NumPy (2.x) infers any negative size, as it does -1'),
    ('ops/shape_ops.py',
     'src = input if input.ndim else reshape(input, (1,))',
     47, '1 -> 2',
     'unreachable for a 0-d input: its dims (0 and -1 of a 1-d result) wrap to the same dim, which raised just '
     'above'),
    ('ops/elementwise.py',
     'safe = xp.where((a == 0) & (b >= 0), 1.0, a)',
     37, '1.0 -> 2.0',
     "pow's masked positions (base 0, exponent >= 0): the outer where gives 0 whatever the finite log there, "
     'and a constant has no gradient'),
    ('ops/elementwise.py',
     'return g * (out * (math.log(a) if a > 0 else math.nan) if a != 0 else xp.where(b >= 0, 0.0, out * '
     '-math.inf))',
     34, 'Gt -> GtE',
     'a == 0 is handled by the outer conditional (`if a != 0 else ...`), so a > 0 and a >= 0 agree where this '
     'is evaluated'),
    ('ops/special.py',
     's, acc1, _ = _shifted(np.where(np.isfinite(refl), refl, 10.0))',
     56, '10.0 -> 11.0',
     'a placeholder for non-finite input, whose results are set explicitly below (the same values over [-9.95, '
     '30], NaN, +-inf)'),
    ('ops/conv.py',
     'x4 = x.reshape(n, groups, c_in // groups, -1)  # (N, g, C_in/g, L)',
     43, '1 -> 2',
     'reshape(..., -2): NumPy (2.x) infers any negative size, as it does -1'),
    ('ops/special.py',
     'step = np.where(small, 1.0 / np.where(small, x, 1.0), 0.0)',
     48, '1.0 -> 2.0',
     'a placeholder where `small` is false: the outer where discards it'),
    ('ops/shape_ops.py',
     'if input.ndim == 0:',
     0, 'if-condition -> False (an early exit removed)',
     "flatten's general path gives a 0-d input the shape (1,) too (start = end = 0, the product of no sizes)", 1),
    ('ops/linalg.py',
     'inner = skew / gaps * (1.0 - eye)',
     23, 'Sub -> Add',
     'skew is antisymmetric, so its diagonal is 0: (1 + eye) and (1 - eye) differ only where skew / gaps is 0'),
    ('ops/special.py',
     'y = np.where(inside, v, 0.0)',
     24, '0.0 -> 1.0',
     'erfinv: a placeholder outside (-1, 1), whose results are set explicitly at the end (the same values at '
     '+-1, beyond, NaN)'),
    ('ops/special.py',
     's, _, acc2 = _shifted(np.where(np.isfinite(refl), refl, 10.0))',
     56, '10.0 -> 11.0',
     'a placeholder for non-finite input, whose results are set explicitly below (the same values over [-9.95, '
     '30], NaN, +-inf)'),
    ("ops/reductions.py", "pos = np.arange(n).reshape([-1 if i == dim else 1 for i in range(x.ndim)])", 29, "1 -> 2",
     "NumPy's reshape takes any negative size as the one inferred dimension: -2 gives the same shape as -1"),
    ("ops/reductions.py", "elif x.ndim < y.ndim:  # broadcast as PyTorch: aligned from the right", 5, "Lt -> LtE",
     "with equal ndim the reshape is to x's own shape ((1,) * 0 + shape): the same values and gradients"),
    ("ops/linalg.py", "base = inv(A) if n < 0 else A", 21, "0 -> 1",
     "n == 0 returned the identity above, so n < 1 and n < 0 agree on every n that reaches this line"),
    ("ops/linalg.py", "base = inv(A) if n < 0 else A", 17, "Lt -> LtE",
     "n == 0 returned the identity above, so n <= 0 and n < 0 agree on every n that reaches this line"),
    ("ops/linalg.py", "if B.shape[-2] != L.shape[-1]:", 27, "1 -> 2",
     "_square_float(L) above refused non-square L, so L.shape[-2] == L.shape[-1]"),
    # resumed part (h/p3opsa)
    ("ops/linalg.py",
     "if type(input) is Tensor and type(other) is Tensor and input.array.dtype is other.array.dtype:", 0,
     "if-condition -> False (an early exit removed)",
     "a fast path: promote() of two Tensors of one dtype returns the very operands (_as_operand passes Tensors; one "
     "tensor dtype and no scalars returns tuple(ops)), so the same apply runs; probed equal (values, dtypes, grad_fn "
     "names, gradients) for matmul/mv/dot shapes over 8 dtypes"),
    ("ops/linalg.py", "return reshape(mul(a, b), tuple(p * q for p, q in zip(sa, sb, strict=True)))", 69,
     "True -> False", "sa and sb are both padded to n = max(ndims) entries just above: strict never has anything "
     "to check"),
    ("ops/linalg.py", "for i, j in zip(da, db, strict=True):", 31, "True -> False",
     "the two lists were checked to have the same length above (the same as the first occurrence)", 2),
    ("ops/linalg.py", "n = A.shape[-1]", 13, "1 -> 2",
     "A.shape[-2]: solve checked A square (_square_float) on its first line", 1),
    ("ops/linalg.py", "inv_s = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0).astype(s.dtype)", 47, "1.0 -> 2.0",
     "a placeholder for the singular values not kept, which the outer where replaces by 0.0 (NumPy arrays, no "
     "gradient through it); pinv probed equal (values and gradients, float32/64, zero, rank-deficient, NaN input)"),
    ("ops/linalg.py", "if ord > 0:", 3, "Gt -> GtE",
     "ord == 0 (and -0.0, False, a 0-d tensor 0) returned above and NaN fails both; probed equal over 16 ords"),
    ("ops/linalg.py", "n = x.shape[-1]", 13, "1 -> 2",
     "x.shape[-2]: eigh checked A square (_square_float), and only eigh records EIGH_VECTORS"),
    ("ops/reductions.py", "safe = np.where(is_zero, 1, x)", 25, "1 -> 2",
     "a placeholder at the zeros, which all lie at or after the first zero z, and the next where keeps only "
     "positions before z; cumprod gradients with zeros probed equal (float16/32/64, both dims)"),
    ("ops/special.py", "pole = (v <= 0) & (v == np.floor(v))", 8, "LtE -> Lt",
     "digamma at +-0.0, the one input the edit drops from the poles, takes the reflection: psi(1) - pi/tan(pi v) "
     "with tan(+-0) = +-0 gives -inf at +0 and +inf at -0, the values the pole branch sets (probed for "
     "float16/32/64, arrays and 0-d)", 1),
    ("ops/losses.py", "per = np.where(a < beta, 0.5 * a * a, (a - 0.5 * beta) * beta)", 15, "Lt -> LtE",
     "at a == beta both sides compute the same product: a - 0.5 * beta is exactly 0.5 * beta (Sterbenz) for "
     "normal beta, so 0.5 * a * a and (a - 0.5 * beta) * beta are one rounding of the same numbers; for subnormal "
     "beta both underflow to 0 (probed: the same bits at ~8,000 ties, float32/64, normal and subnormal results)"),
    # resumed part (h/p3opsb)
    ("ops/elementwise.py",
     "fast = kind is type(db) and (not isinstance(da, np.ndarray) or da.dtype == db.dtype)", 29, "Or -> And",
     "arithmetic: NumPy scalars of one type have one dtype, so only arrays change; two arrays of one dtype then "
     "leave `fast` False but pass the next check (two tensors of one dtype) and take the same fast path"),
    ("ops/elementwise.py",
     'fast = type(b) in _NUMBERS and (kind in _FLOAT_SCALARS or (kind is np.ndarray and da.dtype.kind == "f"))',
     59, "Is -> IsNot",
     "a float ndarray tensor with a Python number then takes promote() + apply(), which return the operands "
     "unchanged and run the same forward and record(): values, dtypes, grad_fn, storage types, first and second "
     "derivatives probed equal (22 ops x 3 float dtypes x 0-d/n-d/element views x 12 numbers incl. nan, inf, "
     "-0.0, 10**20; no_grad and inference_mode)"),
    ("ops/elementwise.py",
     'fast = kind in _FLOAT_SCALARS or (kind is np.ndarray and db.dtype.kind == "f")', 7, "Or -> And",
     "a Python number with a float tensor then always takes promote() + apply(), which return the operands "
     "unchanged and run the same forward and record(): probed equal as the line above (reflected ops included)"),
    ("ops/elementwise.py",
     "factor = np.where(av == 0, 0.0, np_sign(av) * (1.0 - 2.0 * np.signbit(bv))).astype(av.dtype)", 32,
     "Mult -> Div",
     "copysign's gradient: the divisor 1 - 2 signbit(b) is exactly +1 or -1, and x / +-1 == x * +-1 (NaN and inf "
     "included); probed equal over +-0, +-inf, NaN, denormals in three dtypes, with create_graph"),
    ("ops/registry.py", "if parent is not None and gi is not None and (", 3, "And -> Or",
     "the fast return is then skipped for every VJP op on arrays: the loop after it calls _match_dtype only for "
     "inputs with a parent and a gradient, which returns a gradient of the right type and dtype unchanged "
     "(probed: 19 VJP ops x 3 dtypes, mixed-dtype inputs, element views)"),
    ("ops/registry.py", "if len(inputs) == 2 and not attrs:", 0, "if-condition -> False (an early exit removed)",
     "as the `drop not` entry of this line: binary rule-based ops on arrays then take the general loop, whose "
     "sum_to and dtype match give what backward_binary's _fit gives (probed: gradients, dtypes and storage types "
     "equal over 16 binary ops x 4 dtype pairs x 5 broadcast shapes, element views, and the arithmetic probe)"),
    ("ops/scatter.py", "else np.where(src_zero, 1, srch))", 24, "1 -> 2",
     "scatter_reduce prod's gradient at a zero of src: one zero takes by_zero instead, two or more are multiplied "
     "by 0, and x / 1, x / 2 are NaN or infinite together (probed: 600 random cases with 0, -0.0, inf, NaN)"),
    ("ops/scatter.py", "idx = idx.reshape(-1)", 19, "1 -> 2",
     "reshape(-2): NumPy (2.x) infers any negative size, as it does -1"),
    ("ops/sorting.py", "inverse = inverse.reshape(-1)", 27, "1 -> 2",
     "reshape(-2): NumPy (2.x) infers any negative size, as it does -1"),
    ("ops/shape_ops.py", "n = (input.shape[-1] if input.ndim else 1) + abs(offset)", 40, "1 -> 2",
     "unreachable for a 0-d input: the result has one dim, so dim1 and dim2 both wrap to 0 and raise just above"),
    ("ops/sorting.py", "elif dim is not None or input.ndim:", 5, "IsNot -> Is",
     "the only case it changes is a 0-d input with a dim, whose out already has shape (len(q),): values, shapes "
     "and gradients probed equal (5 shapes x 3 q x 3 dims x keepdim x 3 interpolations)"),
    # resumed part (h/p3d)
    ("ops/registry.py", "if len(inputs) == 1:  # unary math and activations on NumPy values: the short path", 0,
     "if-condition -> False (an early exit removed)",
     "a short cut: the general loop below does what backward_unary does on NumPy values (the same rule call with "
     "the attrs, sum_to on a shape mismatch, the cast where the type or dtype differs) and returns [gi] for "
     "(gi,), which every caller only iterates; probed: contributions (type, dtype, bytes) and leaf gradients "
     "equal over 1,952 backward passes of the op table (observe and anomaly mode, float32/64)"),
    ("ops/registry.py",
     "if tensors or kind is not type(x) or (kind is np.ndarray and gi.dtype != x.dtype):", 14, "IsNot -> Is",
     "on arrays only where and lerp reach this loop (the others take the unary/binary short paths; probed over the "
     "parity, dtype and torch-function tables), and their gradients already have the input's dtype (where "
     "promotes its operands first, lerp requires one dtype): the edit only leaves a 0-d gradient of a NumPy-"
     "scalar input as a 0-d array (values, dtypes, .grad, hooks, numpy() sharing probed equal), visible only as "
     "the type of a raw observe() contribution, which is a 0-d array for other ops already"),
    # resumed part (h/p3f)
    ("ops/conv.py", "if ph or pw or full_h != h or full_w != w:", 30, "NotEq -> Eq",
     "full_w is always w + 2 pw (and full_h h + 2 ph): every window of fold, whether its grid is computed or "
     "given by conv_transpose2d, ends inside the padded input, so this test is `pw != 0`, already covered; the edit "
     "only turns the unpadded return into out[:, :, 0:h, 0:w], the whole array as a view (same values, shape, "
     "strides). Probed: an assert of full_h == h + 2 ph and full_w == w + 2 pw held over the conv, conv_transpose, "
     "fold/unfold, pooling, gradcheck and parity tests"),
    ("ops/conv.py",
     "def unfold_(xp: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair = (1, 1),", 90,
     "1 -> 2", "the default is never used: every caller (fold's VJP, conv2d's and conv_transpose2d's VJPs, "
     "nn.functional.unfold) passes dilation"),
    ("ops/conv.py",
     "def unfold_(xp: Any, x: Any, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair = (1, 1),", 93,
     "1 -> 2", "the default is never used: every caller (fold's VJP, conv2d's and conv_transpose2d's VJPs, "
     "nn.functional.unfold) passes dilation"),
    ("ops/conv.py",
     "def _conv2d_forward(x: Any, w: Any, b: Any, stride: Pair, padding: Pair, input_grad: bool = True,", 92,
     "True -> False", "the forward never reads input_grad (only the VJP does; conv2d always records it)"),
    ("ops/conv.py", "dilation: Pair = (1, 1), groups: int = 1) -> Tensor:", 18, "1 -> 2",
     "ops.conv.conv2d's only caller, nn.functional's _conv (conv1d/conv2d), passes dilation and groups"),
    ("ops/conv.py", "dilation: Pair = (1, 1), groups: int = 1) -> Tensor:", 21, "1 -> 2",
     "ops.conv.conv2d's only caller, nn.functional's _conv (conv1d/conv2d), passes dilation and groups"),
    ("ops/conv.py", "dilation: Pair = (1, 1), groups: int = 1) -> Tensor:", 39, "1 -> 2",
     "ops.conv.conv2d's only caller, nn.functional's _conv (conv1d/conv2d), passes dilation and groups"),
    ("ops/elementwise.py",
     'fast = type(b) in _NUMBERS and (kind in _FLOAT_SCALARS or (kind is np.ndarray and da.dtype.kind == "f"))',
     32, "Or -> And",
     "`fast` is then always False for a tensor with a Python number, which takes promote() + apply(): as the "
     "entries above for this line and the reflected one; probed for the float scalar kinds too: 3,264 cases "
     "(16 ops incl. //, %, **, fmod, div modes, alpha x 3 float dtypes x 0-d NumPy-scalar, element-view and "
     "requires-grad inputs x 17 numbers incl. +-0.0, nan, +-inf, 10**20, True) equal in storage type, dtype, "
     "bits, grad_fn, first and second derivatives, no_grad results, warnings and errors"),
    ("ops/inplace.py",
     'if type(data) is not np.ndarray or not data.flags.writeable or data.dtype.kind != "f":', 3,
     "IsNot -> Is",
     "every float ndarray add_/sub_/mul_/div_ then takes the general path (the op, then assign's copyto into the "
     "same array), a NumPy-scalar one already did: probed equal over 216 cases (3 dtypes x 4 ops x numbers incl. "
     "+-0.0, nan, inf, 2**70, 10**400, same-dtype/0-d/broadcast/mixed-dtype tensors, views of a base, no_grad "
     "leaves): values, base, versions, warnings, errors; cr.compile's fallback unchanged (tests/compile pass). "
     "Only the internal observe_ops seam also sees the general path's op"),
    ("ops/linalg.py",
     "def _solve_vjp(xp: Any, g: Any, out: Any, a: Any, b: Any, needs: tuple[bool, bool] = (True, True)) -> tuple:",
     86, "True -> False", "the registry passes needs to every VJP that takes it (vjp_takes_needs), and the tracer's "
     "live VJP refuses such ops: the default is unused"),
    ("ops/linalg.py",
     "def _solve_vjp(xp: Any, g: Any, out: Any, a: Any, b: Any, needs: tuple[bool, bool] = (True, True)) -> tuple:",
     92, "True -> False", "the registry passes needs to every VJP that takes it (vjp_takes_needs), and the tracer's "
     "live VJP refuses such ops: the default is unused"),
    ("ops/linalg.py",
     "def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:", 77,
     "False -> True", "pinv never reads hermitian (always the SVD; PyTorch's hermitian=True reads only the lower "
     "triangle: a difference for a non-Hermitian input, noted)"),
    ("ops/linalg.py",
     "def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:", 84,
     "False -> True", "matrix_rank never reads hermitian (always the SVD; PyTorch's hermitian=True reads only the "
     "lower triangle: a difference for a non-Hermitian input, noted)"),
    ("ops/random_fills.py",
     "def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> Tensor:",
     38, "0.0 -> 1.0", "its only caller, Tensor.uniform_, passes a and b (with its own defaults, tested)"),
    ("ops/random_fills.py",
     "def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:",
     40, "0.0 -> 1.0", "its one caller, Tensor.normal_, always passes mean and std; nn.init.normal_ is its own "
     "function"),
    ("ops/reductions.py", "if p >= 1:  # p |x|^(p-1) is 0 at 0", 3, "GtE -> Gt",
     "p_norm never gets p == 1: norm sends p in (1, 1.0) and vector_norm ord == 1 to sum(abs) before calling it"),
    ("ops/reductions.py", "powers = where(zero, 0.0, _pow(where(zero, 1.0, ax), p))", 43, "1.0 -> 2.0",
     "a placeholder at the zeros, which the outer where replaces by 0 and whose gradient it masks to exactly 0 "
     "(0 * p * 2^(p-1) is 0 as 0 * p * 1 is): probed equal (values, gradients, create_graph second derivatives) "
     "over norm/vector_norm/dist, p in (1e-300, 1e-3, 0.25, 0.5, 0.7, 0.9999), 3 dtypes, zeros, -0.0, inf, NaN"),
    ("ops/registry.py",
     "if tensors or kind is not type(x) or (kind is np.ndarray and gi.dtype != x.dtype):", 38, "And -> Or",
     "adds only _match_dtype calls for an ndarray gradient of x's type and dtype (a NumPy scalar of x's type has "
     "x's dtype), which _match_dtype returns unchanged"),
    ("ops/sorting.py",
     "def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> TopkResult:  "
     "# noqa: A002", 84, "True -> False",
     "topk never reads sorted: its results always come sorted (PyTorch leaves the order of sorted=False "
     "unspecified; documented)"),
    ("ops/sorting.py",
     "def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:", 86,
     "False -> True", "sort never reads stable: it is always stable (documented)"),
    ("ops/sorting.py",
     "def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,  # noqa: A002 - PyTorch's name",
     41, "True -> False",
     "unique never reads sorted: its values are always ascending, as PyTorch's CPU kernel (documented)"),
    # (digamma's and trigamma's series coefficients -691/32760 -> 32761 and 691 -> 692 move results by at most one
    # ulp, as often toward mpmath's value as away: no honest test prefers the original, but they are not
    # equivalent either, so they stay counted as survivors)
]


# judged in the first exhaustive pass: engine, autograd, explain
EQUIVALENT += [
    ("autograd/function.py",
     'raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - expected dtype "', 0,
     "raise -> pass (a check removed)",
     "unreachable: every Tensor's dtype is float, int, uint8 or bool (wrap, tensor and from_numpy refuse complex, "
     "str, object, datetime arrays), so a returned gradient's dtype kind is always in 'fiub'"),
    ("autograd/functional.py",
     'raise RuntimeError(f"The hessian of the user-provided function with respect to input {i} is "', 0,
     "raise -> pass (a check removed)",
     "unreachable (as in PyTorch's hvp): the same jac tuple passed the identical None/requires_grad check as "
     "\"jacobian\" in _hessian_prelude just before, and nothing in between changes it"),
    ("autograd/functional.py", "if is_out_tuple or not isinstance(out, Tensor):", 3, "Or -> And",
     "_as_tuple has already raised unless out is a Tensor or a tuple, so is_out_tuple == (not isinstance(out, "
     "Tensor)) and `or` equals `and`"),
    ("explain/diagnostics.py", "value = node.out if node.out is not None else node.kept[2]", 20, "IsNot -> Is",
     "Node.kept is (inputs, datas, self.out): kept[2] is node.out itself, and gates (relu/clamp op nodes) always "
     "have a kept tuple, so both branches read the same value"),
    ("engine/backward.py", "elif type(g) is type(existing._data) is type(leaf._data) is not _ndarray:", 5,
     "Is -> IsNot",
     "the short path is accumulate_grad's own statements (stored + g, one version bump) and the engine hands a leaf "
     "only gradients of its dtype, so a g of another type than the stored NumPy scalar (a 0-d array) sums to the "
     "same scalar either way"),
    ("autograd/backward_hook.py", "self.n_outputs = -1", 18, "1 -> 2",
     "a placeholder never read: setup_output_hook sets n_outputs before the hook that reads it can run"),
    ("autograd/gradcheck.py", "rng = np.random.default_rng(0)", 28, "0 -> 1",
     "the seed of gradgradcheck's own generator for the default grad_outputs: any fixed seed gives reproducible "
     "values in [-1, 1] and the same verdict on a correct or wrong second derivative", 2),
    ("explain/diagnostics.py", "flat = np.zeros((0, 0))", 17, "0 -> 1",
     "a placeholder never read: dead_units raises when the graph has no ReLU, so the loop over the gates always "
     "assigns flat before the batch size is read from it"),
    ("engine/size.py", "if len(_CACHE) >= 4096:", 3, "GtE -> Gt",
     "a cache's size: the Size of a shape is the same object or an equal new one, one more entry is kept"),
    ("explain/replay.py",
     'if k is None or not isinstance(k[1], tuple | list) or node.hooks or getattr(node.op, "user_code", False):',
     98, "False -> True",
     "getattr's default is never used: every node's op is an Op, whose class declares user_code (the backward "
     "walk reads op.user_code directly)"),
    ("explain/tables.py", "total = counts.get(start, 0)", 26, "0 -> 1",
     "the default is never used: start is a node of the graph (_find), every node is reachable from the root "
     "through its inputs, so backward_order lists it and _counts_to_root gives it a count"),
    ("explain/build.py", '"count": len(terms), "of": consumers.get(target["id"], 0)}', 55, "0 -> 1",
     "the default is never used: this runs for an edge that flows out of target, and consumers counted every "
     "flowing edge by its source"),
    ("explain/build.py",
     'unique = disambiguate(bases, [derived.get(e["id"], (e["base"] or "?", ATOM))[0] for e in entries])', 52,
     "Or -> And",
     "the default is never used: every entry is in derived (a python text, its base, a constant's value or shape, "
     "a letter for other inputs, and every op without a base gets its label in the loop over ops)"),
    ("explain/build.py", "v = value_json(value if value is not None else obj)", 24, "IsNot -> Is",
     "for an input that is not a Tensor the recorded value is the object itself (node.datas holds the Python "
     "number the op was given; a recorded step copies arrays only), so value and obj agree, or are both None"),
    ("explain/build.py", "local = rec.local[i] if i < len(rec.local) else None", 24, "Lt -> LtE",
     "rec.local has one entry per input (local_derivatives gives one per parent; an op's rules are checked to be "
     "one per argument), so i < len(rec.local) always and i == len(rec.local) never occurs"),
    ("explain/build.py", "if g is not None and key in by_key:", 3, "And -> Or",
     "leaf_grads holds only gradients (the walk and the replay skip None) of leaves that are parents of the "
     "graph's op nodes, all of which are in by_key: both conditions always hold"),
    ("explain/tables.py",
     'out.insert(0, f"{self.count} paths: too many to list (limit {self.limit}); summarized by node.")', 11,
     "0 -> 1",
     "paths() returns a too-many result before it adds any note, so self.notes is empty here and inserting at "
     "1 or 0 gives the same list"),
    ("autograd/function.py",
     "return _Slots([b if a is None else a if b is None else a + b for a, b in zip(self.grads, other.grads)])", 55,
     "Add -> Sub",
     "each output node of a Function fills only its own slot, once per backward, so two _Slots summed never both "
     "hold the same slot"),
    ("explain/diagnostics.py",
     "flat = np.moveaxis(post, 1, -1).reshape(-1, post.shape[1]) if post.ndim == 4 else \\", 41, "1 -> 2",
     "reshape(-2, C): NumPy takes any negative size as the one unknown dimension, the same (N*H*W, C)"),
    ("explain/build.py", "if owned.rsplit(\".\", 1)[-1].isdigit():  # a Sequential's child: `Linear[2](x)`, not `2(x)`",
     21, "1 -> 2", "rsplit's maxsplit does not change the last piece ([-1])"),
    ("explain/build.py", "if where.rsplit(\".\", 1)[-1].isdigit():", 21, "1 -> 2",
     "rsplit's maxsplit does not change the last piece ([-1])"),
    ("engine/tensor.py", "epoch = inplace_epoch.value = inplace_epoch.value + 1", 52, "1 -> 2",
     "epochs are only compared by order and equality (node.epoch, _modified_epoch, the storage records): steps of "
     "2 keep every comparison's outcome", 2),
    ("explain/values.py",
     "if summary is not None and arr.size > MAX_TEXT_ELEMENTS:  # fmt_array's summary, computed once", 3,
     "IsNot -> Is",
     "a short cut: fmt_array writes the same '[shape] mean m, norm n' for a large numeric array, and a large array "
     "without a summary (not numeric) never reaches value_json (it shows tensors' float/int/uint8/bool values)"),
    ("engine/backward.py",
     "if kind is not np.ndarray and kind is type(data):  # an immutable NumPy scalar: nothing to copy", 30,
     "Is -> IsNot",
     "a NumPy scalar gradient of another type than the leaf's storage (a 0-d array) is what accumulate_grad "
     "stores too (the engine hands a leaf gradients of its dtype; a scalar is immutable, nothing to copy)"),
    ("engine/backward.py",
     "if (kind is np.ndarray and g.base is None and g.dtype == data.dtype and g.shape == data.shape", 4,
     "Is -> IsNot",
     "_take's short path: accumulate_grad stores the same array (_fresh copies only views and arrays handed "
     "out), and a NumPy scalar taken here is the scalar accumulate_grad stores"),
    ("engine/backward.py",
     "if (kind is np.ndarray and g.base is None and g.dtype == data.dtype and g.shape == data.shape", 46,
     "Eq -> NotEq",
     "the engine hands a leaf only gradients of its dtype (every VJP result is cast to its input's dtype, a hook "
     "may not change it), so the dtype test is always true and the NotEq short path is never taken"),
    ("engine/hooks.py", "d[handle.id] = True", 15, "True -> False",
     "the extras dicts are read by membership only (`hook_id in fwd_kw`, `in fwd_always`), never by value"),
    ("engine/tensor.py", "epoch = inplace_epoch.value = inplace_epoch.value + 1", 52, "1 -> 2",
     "epochs are only compared by order and equality (node.epoch, _modified_epoch, the storage records): steps of "
     "2 keep every comparison's outcome", 1),
    ("explain/diagnostics.py", "flat = np.zeros((0, 0))", 20, "0 -> 1",
     "a placeholder never read: dead_units raises when the graph has no ReLU, so the loop over the gates always "
     "assigns flat before the batch size is read from it"),
    ("explain/naming.py", "mapping = {a: symbol(n) for a, n in zip(arg_names, names) if a and n}", 61, "And -> Or",
     "both are always non-empty strings: an op's argument names (arg{i} when it has none) and the inputs' node "
     "names (an empty .name counts as no name, every node gets one)"),
    ("explain/build.py", 'key = (n["kind"], c["op"] if c else None, depth[c["id"]] if c else 0)', 67, "0 -> 1",
     "only a node without a consumer, i.e. the root, has c None: a group of one, and groups need two members"),
    ("autograd/functional.py", 'if outer_jacobian_strategy == "forward-mode":', 3, "Eq -> NotEq",
     "requires_grad_(True) is a no-op here: the outer jacobian's stand-ins for the inputs all require grad "
     "(_preprocess with need_graph=True)"),
    ("explain/naming.py", "if frame is None:", 0, "if-condition -> False (an early exit removed)",
     "unreachable: the bottom of a Python stack is outside chainrule (the script, runpy, threading or an "
     "interactive frame), so the walk out of the package always stops at a frame"),
    ("engine/xp.py", 'if s.dtype.kind != "f":', 0, "if-condition -> False (an early exit removed)",
     "a short cut: nan_to_num leaves an integer sign unchanged (same values, same dtype, no NaN to replace)"),
    ("autograd/function.py", "gk = slots[k] if k < len(slots) else None", 17, "Lt -> LtE",
     "slots has one entry per output of the Function (_Slots of its output count, or [g] for one output), as "
     "ctx._outputs has, so k < len(slots) always"),
    ("autograd/function.py", 'if gi.array.dtype.kind not in "fiub":', 0,
     "if-condition -> False (an early exit removed)",
     "unreachable: every Tensor's dtype is float, int, uint8 or bool (wrap, tensor and from_numpy refuse complex, "
     "str, object, datetime arrays)"),
    ("autograd/functional.py", "if not pairs:", 0, "if-condition -> False (an early exit removed)",
     "a short cut: autograd.grad of no outputs with allow_unused=True returns None for every input, the same tuple"),
    ("engine/backward.py", "if type(arr) is np.ndarray and (arr.base is not None or id(arr) in handed):", 3,
     "And -> Or",
     "only more copies: every ndarray gradient is copied (same values; the engine's fresh array is seen by no one "
     "else), and a NumPy scalar (base None) handed out twice is copied into an equal immutable scalar"),
    ("engine/hooks.py", "if extra_dict is None:", 3, "Is -> IsNot",
     "add_hook always passes a tuple (never None); dropping it only leaves a removed hook's flag in the extras "
     "dicts, under an id that is never reused, and they are read by membership of live ids"),
    ("autograd/function.py", "if not shape:", 3, "drop `not`",
     "a 0-d array or its NumPy scalar hold the same value, and [()] on an n-d array is a view of the same values"),
    ("autograd/gradcheck.py", "if not outs:", 0, "if-condition -> False (an early exit removed)",
     "a short cut: grad() of no outputs with allow_unused=True returns None for every input, which the check "
     "below accepts (no non-zero gradient), the same None"),
    ("engine/backward.py", "while True:", 6, "True -> False",
     "a node reached with no gradient does nothing when walked (no VJP, hooks, capture or freeing), so not queueing "
     "its parents from it only skips more such visits; a parent with another consumer is queued by that one"),
    ("explain/diagnostics.py", "return DeadUnits(layers, int(flat.shape[0]) if layers else 0)", 59, "0 -> 1",
     "unreachable else: no gate raised ValueError above, and every gate appends a layer, so layers is never empty"),
    # resumed part (h/p3core)
    ("engine/formatting.py", "if finite.size == 0:", 0, "if-condition -> False (an early exit removed)",
     "without it a sample with no finite value has no nonzero one either, and np.all over the empty array is True, "
     "so the general code returns the same `{v:.0f}.` formatter (probed: every all-nan/inf sample of up to 4 "
     "values, the same strings)"),
    ("engine/tensor.py", "return self._data.item() if self._data.ndim == 0 else self._data.reshape(()).item()", 28,
     "Eq -> NotEq",
     "ndarray.item() on any one-element array (and a NumPy scalar's item()) gives the same Python scalar as its 0-d "
     "reshape: the branch only picks the cheaper call (probed: 9 dtypes, shapes () to (1, 1, 1), scalars, "
     "broadcast views, nan, inf, -0.0)"),
    ("engine/tensor.py", "return self._data.item() if self._data.ndim == 0 else self._data.reshape(()).item()", 47,
     "0 -> 1",
     "ndarray.item() on any one-element array (and a NumPy scalar's item()) gives the same Python scalar as its 0-d "
     "reshape: the branch only picks the cheaper call (probed as the Eq -> NotEq twin)"),
    ("engine/xp.py", "return x.reshape(shape) if x.shape != shape else x", 27, "NotEq -> Eq",
     "every caller's gradient broadcasts to `shape` (checked before, e.g. a Function's 'expected shape compatible'), "
     "so after the sums x.shape == shape always (probed: 8,742 calls over the op-table gradchecks, never different); "
     "the mutant then returns x.reshape(shape), a view of the same values (a NumPy scalar stays one), which a "
     "leaf's first .grad copies (_fresh copies views)"),
    ("autograd/gradcheck.py", "flat = x.array.reshape(-1)  # a view: perturb in place, then restore", 24, "1 -> 2",
     "reshape(-2): NumPy (2.x) infers any negative size, as it does -1 (the line's earlier entry, before its "
     "comment)"),
    ("explain/values.py", "if value is None:", 0, "if-condition -> False (an early exit removed)",
     "a short cut: None is no Tensor and no NumPy or Python number, so the isinstance test below returns the same "
     "None"),
    ("engine/backward.py", "or (record_flags.anomaly_threads > 0 and anomaly_state.enabled))", 4, "And -> Or",
     "another thread's anomaly mode then sends this thread's walk through _special_step, which without "
     "create_graph, capture, watchers or this thread's anomaly mode runs the same op.backward that plain_backward "
     "shortcuts, and enters the backward grad modes the plain walk enters before any user code (probed: hooks, a "
     "custom Function, 8 ops, bit-identical .grad and the same grad mode seen, with another thread in "
     "detect_anomaly)"),
    # resumed part (h/p3d)
    ("explain/build.py", "contrib = rec.contributions[i] if i < len(rec.contributions) else None", 34, "Lt -> LtE",
     "rec.contributions has one entry per parent (the engine and the replay keep op.backward's result whole; a "
     "Function checks the count, hubs and selectors return one per parent), and edges index the parents, so "
     "i < len always (probed: 139 VJP ops over the ops/nn/func tests and the op table's backward steps, never "
     "shorter than the parents)"),
    # resumed part (h/p3e)
    ("engine/formatting.py",
     "width = 5 if (~arr).any() and arr.any() else 0  # ' True' lines up with 'False', as in PyTorch", 45,
     "0 -> 1",
     "the width pads 'True' and 'False' with rjust, which never shortens: a width of 1 or 0 leaves both words as "
     "they are (probed: all-True, all-False, empty, 0-d and summarized bool tensors print the same)"),
    ("engine/grad_mode.py", "def __new__(cls, mode: Any = True) -> Any:", 29, "True -> False",
     "__new__ only asks whether mode is a bool (a decorated function otherwise); True and False both are, and the "
     "value itself is __init__'s, whose own default stays True"),
    ("engine/tensor.py", "self.value = 0", 13, "0 -> 1",
     "the in-place epoch is only compared with epochs taken from it later (node.epoch, _modified_epoch, the "
     "storage records) or with 0, the epoch of a tensor never written and of compile's stub nodes, which stays "
     "below every epoch either way: starting at 1 shifts them all and changes no comparison"),
    ("engine/tensor_methods.py",
     "def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:", 75,
     "True -> False",
     "ops/sorting.py's topk never reads `sorted` (it always returns the k values in order, which PyTorch's "
     "sorted=False leaves unspecified) (probed: 1,800 random calls, values, indices and gradients identical)"),
    ("engine/tensor_methods.py",
     "def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,", 32,
     "True -> False",
     "ops/sorting.py's unique never reads `sorted` (ascending either way, as PyTorch's CPU kernel) (probed: 3,600 "
     "random calls with every return_inverse/return_counts/dim, identical results and dtypes)"),
    # resumed part (h/p3g)
    ("autograd/gradcheck.py",
     "check_grad_dtypes: bool = False, check_batched_grad: bool = False, check_fwd_over_rev: bool = False,", 60,
     "False -> True",
     "gradgradcheck's check_batched_grad is accepted and never read (its docstring says so; the body passes it to "
     "nothing), so its default cannot matter"),
    ("explain/build.py",
     "retained = [t for t in (n.tensor_ref() for n in ops if n.retains_grad and n.tensor_ref is not None)", 55,
     "And -> Or",
     "both always agree: Tensor.retain_grad sets node.retains_grad = True and node.tensor_ref together, and nothing "
     "else assigns or resets either (Node's defaults are False and None)"),
    ("explain/record.py", "def step_record(step: Any, pass_id: int = 0) -> StepRecord:", 42, "0 -> 1",
     "pass_id is read only from the records of `cr.explain.record()` (build._gradients, via recorded_step), which "
     "pass it explicitly; the defaulted records (observed backward, replay) go to the graph without their pass_id"),
    ("explain/record.py", "def tag_outputs(result: Any, inputs: Any, path: str, type_name: str, call: int = 0,", 81,
     "0 -> 1",
     "both callers (record_modules' per-model and global forward hooks) pass the call number explicitly"),
]


SWAPS: dict[type, type] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.And: ast.Or, ast.Or: ast.And,
}


@dataclass(frozen=True)
class Mutant:
    package: str
    path: str  # relative to src/
    line: int
    col: int
    kind: str
    description: str
    source: str = ""  # the mutated line, stripped
    indent: int = 0  # of that line (col - indent: the column in `source`)
    span: tuple[int, int] = (0, 0)  # the lines of the statement (header) the edit is in: who executes them
    body: tuple[int, int] | None = None  # a default argument's function body: who calls the function
    at_import: bool = False  # outside any function or lambda: evaluated once, when the module is imported
    occurrence: int = 1  # the how-manieth line of its file with this stripped text (EQUIVALENT's optional 6th)


def equivalent_reason(m: Mutant) -> str | None:
    """Why `m` is a known equivalent mutant, or None."""
    rel = m.path.removeprefix("chainrule/")
    for path, source, col, description, reason, *occurrence in EQUIVALENT:
        if path == rel and source == m.source and col == m.col - m.indent and description == m.description and \
                occurrence in ([], [m.occurrence]):
            return reason
    return None


def _skippable(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Docstrings, type annotations, error-message strings and `__all__` carry no behaviour worth mutating."""
    p = parents.get(node)
    while p is not None:
        if isinstance(p, (ast.JoinedStr, ast.arg)) or (isinstance(p, ast.AnnAssign) and node is not p.value):
            return True
        if isinstance(p, ast.FunctionDef) and node in (p.returns,):
            return True
        if isinstance(p, ast.Raise):
            return True  # the message of an error; whether it is raised is mutated separately
        node, p = p, parents.get(p)
    return False


def _lines_run(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """The lines a test must execute to run the edited code: from the first line of the statement holding the
    node to the node's last line (coverage records a multi-line statement on any of its lines); and, for an
    edit in a function's signature (a default value, evaluated once at import), the function's body."""
    stmt, child = node, node
    while not isinstance(stmt, ast.stmt):
        child, stmt = stmt, parents[stmt]
    start = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", ()))])
    end = node.end_lineno or node.lineno
    if node is stmt and isinstance(node, (ast.If, ast.While)):
        end = node.test.end_lineno or node.lineno
    body = None
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and child is stmt.args:
        body = (stmt.body[0].lineno, stmt.end_lineno or stmt.lineno)
    return (start, end), body


def _at_import(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Whether the edited code runs only when its module is imported (no function or lambda around it): a
    module-level `square = _unary(..., keep_int=True)` changes every later call of `square`, though coverage
    records its line only for the tests that run the lambda written on it."""
    p = parents.get(node)
    while p is not None:
        if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
        p = parents.get(p)
    return True


def candidates(path: Path, package: str) -> list[tuple[Mutant, object]]:
    """Every mutation point of a file, with the edit to make there."""
    text = path.read_text()
    lines = text.splitlines()
    stripped = [x.strip() for x in lines]
    tree = ast.parse(text)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    rel = str(path.relative_to(RUN / "src"))
    out: list[tuple[Mutant, object]] = []

    def add(node: ast.AST, kind: str, desc: str, edit: object) -> None:
        line = lines[node.lineno - 1]
        span, body = _lines_run(node, parents)
        out.append((Mutant(package, rel, node.lineno, node.col_offset, kind, desc, line.strip(),
                           len(line) - len(line.lstrip()), span, body, _at_import(node, parents),
                           stripped[:node.lineno].count(line.strip())), edit))

    for node in ast.walk(tree):
        if not hasattr(node, "lineno") or _skippable(node, parents):
            continue
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in SWAPS:
            add(node, "operator", f"{type(node.op).__name__} -> {SWAPS[type(node.op)].__name__}", ("op", None))
        elif isinstance(node, ast.Compare) and type(node.ops[0]) in SWAPS:
            add(node, "comparison", f"{type(node.ops[0]).__name__} -> {SWAPS[type(node.ops[0])].__name__}",
                ("cmp", None))
        elif isinstance(node, ast.BoolOp):
            add(node, "boolean", f"{type(node.op).__name__} -> {SWAPS[type(node.op)].__name__}", ("bool", None))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(node, "not", "drop `not`", ("unary", None))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and not isinstance(node.operand,
                                                                                                  ast.Constant):
            add(node, "negation", "drop unary minus", ("unary", None))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float) and not isinstance(
                parents.get(node), (ast.Subscript, ast.Slice)):
            add(node, "constant", f"{node.value!r} -> {node.value + 1!r}", ("const", None))
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            add(node, "constant", f"{node.value} -> {not node.value}", ("const", None))
        elif isinstance(node, ast.keyword) and node.arg == "copy" and isinstance(node.value, ast.Constant):
            add(node, "copy", f"copy={node.value.value} -> copy={not node.value.value}", ("copy", None))
        elif isinstance(node, ast.Raise) and node.exc is not None:
            add(node, "raise", "raise -> pass (a check removed)", ("stmt", None))
        elif isinstance(node, ast.If) and isinstance(node.body[0], (ast.Return, ast.Raise, ast.Continue)):
            add(node, "branch", "if-condition -> False (an early exit removed)", ("iffalse", None))
    return out


class _Apply(ast.NodeTransformer):
    def __init__(self, mutant: Mutant) -> None:
        self.m = mutant
        self.done = False

    def _here(self, node: ast.AST) -> bool:
        return (not self.done and getattr(node, "lineno", None) == self.m.line
                and getattr(node, "col_offset", None) == self.m.col)

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        if not self._here(node):
            return node
        kind = self.m.kind
        if kind == "operator" and isinstance(node, (ast.BinOp, ast.AugAssign)):
            node.op = SWAPS[type(node.op)]()
        elif kind == "comparison" and isinstance(node, ast.Compare):
            node.ops[0] = SWAPS[type(node.ops[0])]()
        elif kind == "boolean" and isinstance(node, ast.BoolOp):
            node.op = SWAPS[type(node.op)]()
        elif kind in ("not", "negation") and isinstance(node, ast.UnaryOp):
            self.done = True
            return node.operand
        elif kind == "constant" and isinstance(node, ast.Constant):
            node.value = (not node.value) if type(node.value) is bool else node.value + 1
        elif kind == "copy" and isinstance(node, ast.keyword):
            node.value = ast.Constant(not node.value.value)
        elif kind == "raise" and isinstance(node, ast.Raise):
            self.done = True
            return ast.Pass()
        elif kind == "branch" and isinstance(node, ast.If):
            node.test = ast.Constant(False)
        else:
            return node
        self.done = True
        return node


def mutate_tree(source: str, mutant: Mutant) -> ast.Module:
    """The syntax tree of `source` with the edit made (every node keeps its line and column)."""
    tree = ast.parse(source)
    applier = _Apply(mutant)
    tree = applier.visit(tree)
    if not applier.done:
        raise RuntimeError(f"mutation point not found: {mutant}")
    return ast.fix_missing_locations(tree)


def mutate_source(source: str, mutant: Mutant) -> str:
    return ast.unparse(mutate_tree(source, mutant))


RUN = ROOT  # the tree the mutants are made from and the tests run in (a snapshot of ROOT during a run)


def snapshot() -> Path:
    """A copy of src/chainrule and tests/ as they are now (the other top-level entries linked), so that editing
    the checkout while a sample runs (writing the tests for its first survivors) changes nothing in the run."""
    base = Path(tempfile.mkdtemp(prefix="mutate-base-"))
    shutil.copytree(SRC / "chainrule", base / "src" / "chainrule", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "tests", base / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    for entry in ROOT.iterdir():
        if entry.name not in ("src", "tests", ".git"):
            (base / entry.name).symlink_to(entry)
    return base


def run_one(mutant: Mutant, timeout: float, tests: list[str] | None = None) -> tuple[str, float]:
    """'killed', 'survived' or 'timeout' (counted as killed: the bug made the tests hang)."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        tree = Path(tmp) / "src"
        shutil.copytree(RUN / "src" / "chainrule", tree / "chainrule",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        target = tree / mutant.path
        target.write_text(mutate_source(target.read_text(), mutant))
        env = dict(os.environ, PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
        args = tests or TESTS[mutant.package]
        if len(args) > 50:  # test ids from the coverage map: through an argument file (pytest's @file)
            argfile = Path(tmp) / "tests.txt"
            argfile.write_text("\n".join(args) + "\n")
            args = [f"@{argfile}"]
        cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
               "-o", "addopts=", *args]
        try:
            proc = subprocess.run(cmd, cwd=RUN, env=env, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout", time.perf_counter() - start
        output = proc.stdout + proc.stderr
        if proc.returncode == 5 or (proc.returncode == 4 and b"while loading conftest" not in output):
            # no test collected, or a usage error: a kill if the mutant caused it (a module the tests import
            # fails to load and pytest finds no collectors), a wrong path if the unmutated tree gives it too
            null = subprocess.run(cmd, cwd=RUN, env=dict(env, PYTHONPATH=str(RUN / "src")), capture_output=True,
                                  timeout=timeout)
            if null.returncode in (4, 5):
                raise SystemExit(f"pytest could not run {mutant.path}:{mutant.line}'s tests:\n"
                                 f"{output.decode(errors='replace')[-2000:]}")
    return ("survived" if proc.returncode == 0 else "killed"), time.perf_counter() - start


# --- Coverage-guided test selection ------------------------------------------------------------------------
# Built once per tree: the whole suite runs under coverage.py with one dynamic context per test (this file,
# loaded into that pytest run as the plugin `-p mutate`, switches the context as each test starts), so each
# line of engine/ops/autograd/explain maps to the ids of the tests that execute it. A mutant then runs only
# those tests (from any directory, the fastest files first). Lines run only while modules are imported (a
# module-level table, a decorator's arguments) map to no test: their mutants run the package's tests (TESTS).
# A mutant on a line nothing executes survives without running. Tests that need Chromium or a Jupyter kernel
# are left out of the map (slow, and they exercise the web layers, not these four packages).

CACHE = ROOT / ".cache" / "mutate"
MAP_IGNORE = ["--ignore=tests/docs", "--ignore-glob=*_browser.py"]
_cov: Any = None
_durations: dict[str, float] = {}
_failed: set[str] = set()


def tree_hash() -> str:
    """A digest of everything the map depends on: the source, the tests and the coverage.py version."""
    import coverage

    h = hashlib.sha256(coverage.__version__.encode())
    for base in (RUN / "src" / "chainrule", RUN / "tests"):
        for f in sorted(base.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(RUN)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _plugin_start() -> None:
    global _cov
    out = os.environ.get("MUTATE_COVERAGE_OUT")
    if out and _cov is None:
        import coverage

        srcs = [os.path.join(os.environ["MUTATE_COVERAGE_SRC"], "chainrule", p) for p in PACKAGES]
        _cov = coverage.Coverage(data_file=os.path.join(out, "cov"), data_suffix=True, source=srcs,
                                 config_file=False)
        _cov.start()


def pytest_collection_modifyitems(config: Any, items: list) -> None:
    if _cov is None:
        return
    keep = [it for it in items if "browser" not in getattr(it, "fixturenames", ())]
    if len(keep) < len(items):
        dropped = set(map(id, keep))
        config.hook.pytest_deselected(items=[it for it in items if id(it) not in dropped])
        items[:] = keep


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    if _cov is not None:
        _cov.switch_context(nodeid)


def pytest_runtest_logreport(report: Any) -> None:
    if _cov is not None:
        _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration
        if report.failed:
            _failed.add(report.nodeid)


def pytest_unconfigure(config: Any) -> None:
    if _cov is not None:
        _cov.stop()
        _cov.save()
        out = Path(os.environ["MUTATE_COVERAGE_OUT"])
        (out / f"meta-{os.getpid()}.json").write_text(json.dumps({"durations": _durations,
                                                                  "failed": sorted(_failed)}))


_plugin_start()


class CoverageMap:
    """line -> the tests that execute it, for the files of the four packages (built once per tree hash)."""

    def __init__(self, jobs: int, rebuild: bool = False, update_from: Path | None = None) -> None:
        import coverage

        self.dir = CACHE / f"map-{tree_hash()}"
        if rebuild and self.dir.exists():
            shutil.rmtree(self.dir)
        if not (self.dir / "meta.json").exists():
            self._build(jobs, update_from)
        meta = json.loads((self.dir / "meta.json").read_text())
        self.durations: dict[str, float] = meta["durations"]
        self.failed = set(meta["failed"])
        self.data = coverage.CoverageData(basename=str(self.dir / "cov"))
        self.data.read()
        self._files: dict[str, dict[int, set[str]]] = {}

    def _build(self, jobs: int, update_from: Path | None = None) -> None:
        import coverage

        tmp = Path(tempfile.mkdtemp(prefix="mutate-map-", dir=CACHE.parent if CACHE.parent.exists() else None))
        targets = ["tests"]
        old_meta: dict = {"durations": {}, "failed": []}
        if update_from is not None:  # keep that map's tests; run only the test files it does not know
            old_meta = json.loads((update_from / "meta.json").read_text())
            known = {t.split("::")[0] for t in old_meta["durations"]}
            targets = sorted(str(f.relative_to(RUN)) for f in (RUN / "tests").rglob("test_*.py")
                             if str(f.relative_to(RUN)) not in known and not f.name.endswith("_browser.py")
                             and "docs" not in f.relative_to(RUN / "tests").parts)
            shutil.copy(update_from / "cov", tmp / "cov.previous-map")
            print(f"updating the map from {update_from.name}: {len(targets)} new test files", flush=True)
        env = dict(os.environ, MUTATE_COVERAGE_OUT=str(tmp), MUTATE_COVERAGE_SRC=str(RUN / "src"),
                   PYTHONDONTWRITEBYTECODE="1",
                   PYTHONPATH=os.pathsep.join([str(RUN / "src"), str(ROOT / "scripts"),
                                               *filter(None, [os.environ.get("PYTHONPATH")])]))
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "mutate",
               "-o", "addopts=", *MAP_IGNORE, *(["-n", str(jobs)] if jobs > 1 else []), *targets]
        print(f"building the coverage map (the whole suite under coverage, {jobs} job(s)) ...", flush=True)
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=RUN, env=env, capture_output=True, text=True)
        print(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-2000:], flush=True)
        durations: dict[str, float] = dict(old_meta["durations"])
        failed: set[str] = set(old_meta["failed"])
        for f in tmp.glob("meta-*.json"):
            meta = json.loads(f.read_text())
            for k, v in meta["durations"].items():
                durations[k] = max(durations.get(k, 0.0), v)
            failed.update(meta["failed"])
        if not durations:
            raise SystemExit(f"the coverage run recorded no test:\n{proc.stderr[-3000:]}")
        self.dir.mkdir(parents=True, exist_ok=True)
        cov = coverage.Coverage(data_file=str(self.dir / "cov"), config_file=False)
        cov.combine([str(tmp)])
        cov.save()
        (self.dir / "meta.json").write_text(json.dumps({"durations": durations, "failed": sorted(failed)}))
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"map built in {time.perf_counter() - start:.0f} s: {len(durations)} tests"
              f"{f', {len(failed)} failing on the unmutated tree (left out)' if failed else ''}", flush=True)

    def _lines(self, path: str) -> dict[int, set[str]]:
        if path not in self._files:
            if not hasattr(self, "_measured"):  # by path under src/ (the map may come from other snapshots)
                self._measured: dict[str, list[str]] = {}
                for f in self.data.measured_files():
                    self._measured.setdefault(f.split(os.sep + "src" + os.sep, 1)[-1], []).append(f)
            merged: dict[int, set[str]] = {}
            for full in self._measured.get(path, []):
                for line, ctx in self.data.contexts_by_lineno(full).items():
                    merged.setdefault(line, set()).update(ctx)
            self._files[path] = merged
        return self._files[path]

    def ran_at_import(self, m: Mutant) -> bool:
        """Whether `m`'s lines also ran outside any test (while modules were imported or tests collected): a
        forked child only sees the edit in calls made after the fork, so such a survivor is rerun in a subprocess."""
        lines = self._lines(m.path)
        a, b = m.body or m.span
        return any("" in lines.get(line, ()) for line in range(a, b + 1))

    def tests_for(self, m: Mutant) -> list[str] | None:
        """The test ids to run for `m` (fastest files first); [] when no test executes its line; None when only
        the import does (then the package's tests run)."""
        if m.at_import:  # a module-level edit reaches whoever calls what it defines: the package's tests
            return None
        lines = self._lines(m.path)
        spans = [m.body] if m.body else [m.span]
        ctx: set[str] = set()
        for a, b in spans:
            for line in range(a, b + 1):
                ctx |= lines.get(line, set())
        tests = {c for c in ctx if c and c not in self.failed}
        if not tests:
            return None if "" in ctx else []
        by_file: dict[str, list[str]] = {}
        for t in sorted(tests):
            by_file.setdefault(t.split("::")[0], []).append(t)
        files = sorted(by_file, key=lambda f: sum(self.durations.get(t, 0.0) for t in by_file[f]))
        return [t for f in files for t in by_file[f]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--package", choices=PACKAGES, action="append", help="limit to a package (repeatable)")
    ap.add_argument("--count", type=int, default=120, help="how many mutants to sample (default 120)")
    ap.add_argument("--seed", type=int, default=2026, help="sampling seed (default 2026)")
    ap.add_argument("--only", action="append", metavar="FILE:LINE[:COL]",
                    help="run every mutant on this line (or at this column) instead of a sample (FILE relative to "
                         "src/chainrule; repeatable)")
    ap.add_argument("--tests", action="append", metavar="PATH",
                    help="run these tests instead of the package's (repeatable; to check that a new test kills a "
                         "mutant quickly)")
    ap.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per mutant")
    ap.add_argument("--list", action="store_true", help="only list the sampled mutants")
    ap.add_argument("--uncovered", action="store_true",
                    help="list every mutation point (not a sample) on a line no test executes, by file, from the "
                         "coverage map (such mutants survive without running); then exit")
    ap.add_argument("--no-coverage", action="store_true",
                    help="run each mutant against its package's tests (TESTS) instead of the tests the coverage "
                         "map says execute its line")
    ap.add_argument("--rebuild-map", action="store_true", help="rebuild the coverage map even if it is cached")
    ap.add_argument("--map-jobs", type=int, default=1, help="pytest-xdist workers for building the map (default 1)")
    ap.add_argument("--map-update-from", type=Path, metavar="DIR",
                    help="build the map from an older one (a .cache/mutate/map-* folder): keep its tests' lines and "
                         "run only the test files it does not know (tests added since; a changed test file or "
                         "source needs a full rebuild)")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--all", action="store_true", help="every mutation point (of --package, if given), not a sample")
    ap.add_argument("--score", type=Path, nargs="+", metavar="FILE.jsonl",
                    help="run nothing: score every mutation point of the tree as it is now from these logs (a later "
                         "log's result for a mutant overrides an earlier one's), with EQUIVALENT, and list what no log "
                         "holds (lines edited since, or never run) and the survivors")
    ap.add_argument("--survivors-of", type=Path, metavar="FILE.jsonl",
                    help="rerun the mutants that survived in an earlier --log (after tests were added for them)")
    ap.add_argument("--log", type=Path, metavar="FILE.jsonl",
                    help="append each result to this file as it comes, and skip the mutants it holds already (a run "
                         "stopped midway goes on where it was)")
    ap.add_argument("--runner", choices=("fork", "subprocess"), default="fork",
                    help="fork (default): one pytest per job collects the tests once and forks a child per mutant "
                         "with the mutated functions swapped in (scripts/mutate_server.py); subprocess: a fresh "
                         "pytest on a mutated copy of the tree per mutant (also used for what fork cannot plant)")
    args = ap.parse_args(argv)
    global RUN
    RUN = snapshot()
    try:
        return _main(args)
    finally:
        shutil.rmtree(RUN, ignore_errors=True)


def _main(args: argparse.Namespace) -> int:

    pool: list[Mutant] = []
    for package in args.package or PACKAGES:
        for path in sorted((RUN / "src" / "chainrule" / package).rglob("*.py")):
            pool.extend(m for m, _ in candidates(path, package))
    if args.score:
        return _score(pool, args.score)
    if args.uncovered:
        return _uncovered(pool, CoverageMap(args.map_jobs, args.rebuild_map, args.map_update_from))
    if args.only:
        wanted = [(f"chainrule/{f}", int(rest[0]), int(rest[1]) if len(rest) > 1 else None)
                  for f, *rest in (spec.split(":") for spec in args.only)]
        sample = [m for m in pool if any(m.path == f and m.line == line and col in (None, m.col)
                                         for f, line, col in wanted)]
        print(f"{len(pool)} mutation points; {len(sample)} on the lines asked for", flush=True)
    elif args.survivors_of:
        left = {k for k, r in _read_log(args.survivors_of).items() if r["outcome"] == "survived"}
        sample = [m for m in pool if _log_key(asdict(m)) in left]
        print(f"{len(pool)} mutation points; rerunning the {len(sample)} that survived in {args.survivors_of} "
              f"({len(left) - len(sample)} of its survivors are no longer mutation points)", flush=True)
    elif args.all:
        sample = pool
        print(f"{len(pool)} mutation points; running all of them", flush=True)
    else:
        rng = random.Random(args.seed)
        sample = sorted(rng.sample(pool, min(args.count, len(pool))), key=lambda m: (m.path, m.line, m.col))
        print(f"{len(pool)} mutation points; sampling {len(sample)} (seed {args.seed})", flush=True)
    equivalent = {m: reason for m in sample if (reason := equivalent_reason(m)) is not None}
    if args.list:
        for m in sample:
            note = f"  [equivalent: {equivalent[m]}]" if m in equivalent else ""
            print(f"  {m.path}:{m.line}:{m.col}  {m.kind}: {m.description}{note}")
        return 0

    results: list[dict] = []
    for m, reason in equivalent.items():
        results.append(dict(asdict(m), outcome="equivalent", reason=reason, seconds=0.0))
        print(f"[{len(results)}/{len(sample)}] equivalent {m.path}:{m.line} {m.kind}: {m.description} ({reason})",
              flush=True)

    cmap = None if args.tests or args.no_coverage else CoverageMap(args.map_jobs, args.rebuild_map,
                                                                   args.map_update_from)

    logged = _read_log(args.log) if args.log else {}
    log = _open_log(args.log) if args.log else None

    def import_time(m: Mutant) -> bool:
        return cmap is not None and cmap.ran_at_import(m)

    def tests_of(m: Mutant) -> tuple[list[str] | None, str]:
        if cmap is None:
            return args.tests or TESTS[m.package], "given" if args.tests else "package"
        tests = cmap.tests_for(m)
        return tests, (f"{len(tests)} covering tests" if tests else
                       "no test executes the line" if tests == [] else "import-time line: package tests")

    def record(m: Mutant, outcome: str, seconds: float, selected: str, failed: list[str] | None = None,
               from_log: bool = False) -> None:
        r = dict(asdict(m), outcome=outcome, seconds=round(seconds, 1), selected=selected)
        if failed:
            r["failed_test"] = failed[0]
        results.append(r)
        if log is not None and not from_log:
            log.write(json.dumps(r) + "\n")
        mark = "SURVIVED" if outcome == "survived" else outcome
        print(f"[{len(results)}/{len(sample)}] {mark:8s} {m.path}:{m.line} {m.kind}: {m.description} "
              f"({seconds:.1f} s; {selected}{'; from the log' if from_log else ''})", flush=True)

    def work(m: Mutant) -> None:
        tests, selected = tests_of(m)
        if tests == []:
            record(m, "survived", 0.0, selected)
        else:
            outcome, seconds = run_one(m, args.timeout, tests)
            record(m, outcome, seconds, selected)

    todo = [m for m in sample if m not in equivalent]
    random.Random(args.seed).shuffle(todo)  # a run stopped early is still an unbiased part of the sample
    for m in [m for m in todo if _log_key(asdict(m)) in logged]:
        r = logged[_log_key(asdict(m))]
        record(m, r["outcome"], r["seconds"], r["selected"], [r["failed_test"]] if "failed_test" in r else None,
               from_log=True)
    todo = [m for m in todo if _log_key(asdict(m)) not in logged]
    if args.runner == "fork":
        todo = _run_forked(todo, tests_of, import_time, record, args)  # what the fork runner cannot plant comes back
    with ThreadPoolExecutor(args.jobs) as ex:
        list(ex.map(work, todo))
    if log is not None:
        log.close()
    survivors = [r for r in results if r["outcome"] == "survived"]
    counted = [r for r in results if r["outcome"] != "equivalent"]
    killed = len(counted) - len(survivors)
    score = killed / len(counted) if counted else 1.0
    print(f"\nkilled {killed} of {len(counted)} non-equivalent mutants: {score:.1%} "
          f"({len(results) - len(counted)} equivalent not run)")
    for r in sorted(survivors, key=lambda r: (r["path"], r["line"])):
        print(f"  survived: {r['path']}:{r['line']}  {r['kind']}: {r['description']}    {r['source']}"
              f"    [{r.get('selected', '')}]")
    for r in sorted((r for r in results if r["outcome"] == "timeout"), key=lambda r: (r["path"], r["line"])):
        print(f"  timeout (counted as killed; on a loaded machine it may be a slow survivor): {r['path']}:{r['line']}"
              f"  {r['kind']}: {r['description']}    {r['source']}")
    if args.json:
        args.json.write_text(json.dumps({"score": score, "killed": killed, "counted": len(counted),
                                         "results": results}, indent=1))
    return 0


def _score(pool: list[Mutant], logs: list[Path]) -> int:
    """The score of the tree as it is now, from logged results: killed / (all points - equivalent), with the points
    no log holds counted both ways (as killed for an upper bound, as survivors for the lower one)."""
    results: dict[tuple, dict] = {}
    for path in logs:
        if not path.is_file():
            raise SystemExit(f"mutate.py --score: no such log: {path}")
        results.update(_read_log(path))
    equivalent = killed = 0
    survivors: list[Mutant] = []
    missing: list[Mutant] = []
    for m in pool:
        r = results.get(_log_key(asdict(m)))
        if equivalent_reason(m) is not None:
            equivalent += 1
        elif r is None or r["outcome"] == "equivalent":
            missing.append(m)
        elif r["outcome"] == "survived":
            survivors.append(m)
        else:
            killed += 1
    counted = len(pool) - equivalent
    known = counted - len(missing)
    print(f"{len(pool)} mutation points: {equivalent} equivalent (EQUIVALENT), {counted} non-equivalent, of which "
          f"{known} in the logs: {killed} killed, {len(survivors)} survived; {len(missing)} not in any log")
    if known:
        print(f"score of the logged non-equivalent mutants: {killed} / {known} = {killed / known:.2%}")
    if counted:
        print(f"score of all non-equivalent mutants: between {killed / counted:.2%} (every unlogged one a survivor) "
              f"and {(killed + len(missing)) / counted:.2%} (every unlogged one killed)")
    for m in sorted(survivors, key=lambda m: (m.path, m.line, m.col)):
        print(f"  survived: {m.path}:{m.line}:{m.col}  {m.kind}: {m.description}    {m.source}")
    for m in sorted(missing, key=lambda m: (m.path, m.line, m.col)):
        print(f"  not logged: {m.path}:{m.line}:{m.col}  {m.kind}: {m.description}    {m.source}")
    return 0


def _log_key(r: dict) -> tuple:
    """A mutant's identity that survives edits above it (as in EQUIVALENT): file, line text, column in it, edit."""
    return r["path"], r["source"], r["col"] - r["indent"], r["description"], r["occurrence"]


def _open_log(path: Path) -> Any:
    """The log, open for appending for the whole run (plain JSON lines: a stopped run loses at most its last line)."""
    if path.suffix == ".gz":
        raise SystemExit(f"--log {path}: a gzip log is read-only here (--survivors-of reads it); gunzip it to go on")
    return open(path, "a", buffering=1)  # noqa: SIM115 - closed at the end of the run


def _read_log(path: Path) -> dict[tuple, dict]:
    """The results a --log file holds already (a run stopped midway goes on from there)."""
    if not path.exists():
        return {}
    out = {}
    opener: Any = gzip.open if path.suffix == ".gz" else open
    lines: list[str] = []
    with opener(path, "rt") as f:
        lines.extend(f)
    for line in lines:
        try:
            r = json.loads(line)
        except json.JSONDecodeError:  # the last line of a run that was stopped while writing it
            continue
        out[_log_key(r)] = r
    return out


def _run_forked(todo: list[Mutant], tests_of: Any, import_time: Any, record: Any,
                args: argparse.Namespace) -> list[Mutant]:
    """Run the mutants through `jobs` fork servers (scripts/mutate_server.py); return the ones they cannot
    plant (import-time edits, changed free variables, a kill the unmutated tree repeats) and the survivors whose
    lines also ran at import, for run_one."""
    entries: list[dict] = []
    by_i: dict[int, tuple[Mutant, str]] = {}
    rest: list[Mutant] = []
    for m in todo:
        tests, selected = tests_of(m)
        if tests == []:
            record(m, "survived", 0.0, selected)
        elif tests is None:
            rest.append(m)
        else:
            by_i[len(entries)] = (m, selected)
            entries.append({"i": len(entries), "mutant": asdict(m), "tests": tests, "timeout": args.timeout})
    if not entries:
        return rest
    work = Path(tempfile.mkdtemp(prefix="mutate-serve-"))
    try:
        (work / "todo.json").write_text(json.dumps(entries))
        files = sorted({t.split("::")[0] for e in entries for t in e["tests"]})
        (work / "files.txt").write_text("\n".join(files) + "\n")
        env = dict(os.environ, MUTATE_SERVE=str(work), PYTHONDONTWRITEBYTECODE="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join([str(RUN / "src"), str(ROOT / "scripts"),
                                               *filter(None, [os.environ.get("PYTHONPATH")])]))
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p",
               "mutate_server", "-o", "addopts=", f"@{work / 'files.txt'}"]
        print(f"{len(entries)} mutants to {args.jobs} fork server(s) (collecting {len(files)} test files) ...",
              flush=True)
        logs = [open(work / f"server-{k}.log", "w") for k in range(args.jobs)]  # noqa: SIM115
        procs = [subprocess.Popen(cmd, cwd=RUN, env=env, stdout=f, stderr=subprocess.STDOUT) for f in logs]
        offsets: dict[Path, int] = {}
        answered: set[int] = set()
        while True:
            running = any(p.poll() is None for p in procs)
            for f in sorted(work.glob("results-*.jsonl")):
                text = f.read_bytes()[offsets.get(f, 0):]
                complete = text[:text.rfind(b"\n") + 1]
                offsets[f] = offsets.get(f, 0) + len(complete)
                for line in complete.decode().splitlines():
                    r = json.loads(line)
                    answered.add(r["i"])
                    m, selected = by_i[r["i"]]
                    if r["outcome"] == "survived" and import_time(m):
                        r["outcome"], r["why"] = "fallback", "survived, and its lines ran at import too"
                    if r["outcome"] == "fallback":
                        print(f"  (to a subprocess: {m.path}:{m.line}:{m.col} {m.description}: {r['why']})",
                              flush=True)
                        rest.append(m)
                    else:
                        record(m, r["outcome"], r["seconds"], selected + ", forked", r["failed"])
            if not running:
                break
            time.sleep(0.5)
        for f in logs:
            f.close()
        lost = [i for i in by_i if i not in answered]
        if lost:
            tail = (work / "server-0.log").read_text()[-3000:]
            print(f"{len(lost)} mutants got no answer from the fork servers (run in subprocesses); a server's "
                  f"log ends:\n{tail}", flush=True)
            rest.extend(by_i[i][0] for i in lost)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rest


def _uncovered(pool: list[Mutant], cmap: CoverageMap) -> int:
    """Print the mutation points no test executes, grouped by file (equivalent ones marked), and their count."""
    lost = [m for m in pool if cmap.tests_for(m) == []]
    by_file: dict[str, list[Mutant]] = {}
    for m in lost:
        by_file.setdefault(m.path, []).append(m)
    for path in sorted(by_file):
        print(f"{path}: {len(by_file[path])}")
        for m in by_file[path]:
            reason = equivalent_reason(m)
            note = f"  [equivalent: {reason}]" if reason else ""
            print(f"  {m.line}:{m.col}  {m.kind}: {m.description}    {m.source}{note}")
    raises = sum(m.kind == "raise" for m in lost)
    print(f"\n{len(lost)} of {len(pool)} mutation points on lines no test executes ({raises} of them `raise`), "
          f"in {len(by_file)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
