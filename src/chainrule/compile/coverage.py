# ruff: noqa: UP031 - templates use {braces}, so they are filled with %-formatting
"""What the tracer replays besides recorded ops: random draws and BatchNorm's running statistics.

Random draws (dropout masks, `rand`, `randn`, `randint`, `randperm`) are replayed as the same call on
chainrule's seeded generator (`default_generator.numpy`, read on each call, so `manual_seed` works), in the order
the eager step drew them. Each draw is checked while tracing: the generator is put back to the state before the
draw, the generated expression is run, and it must give the same values bit for bit and leave the generator in
the same state as the eager draw did. The draws must also account for every change of the generator's state
during the step (nothing else drew), so a replay consumes the stream exactly as eager code would.

BatchNorm's running statistics (training mode) are replayed as in-place updates of the same buffers with the
expression `batch_norm` uses (checked bit for bit against the eager update), and `num_batches_tracked` is
incremented as the module does. In eval mode, the running statistics are read on each call.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from chainrule import creation
from chainrule import random as cr_random
from chainrule.autograd.function import Function, FunctionOp, replay_context
from chainrule.compile import lowering
from chainrule.engine.grad_mode import enter_backward, exit_backward
from chainrule.engine.node import Node
from chainrule.engine.tensor import Tensor, inplace_epoch, wrap
from chainrule.engine.xp import NUMPY
from chainrule.nn import functional as F
from chainrule.nn.functional.dropouts import dropout_mask
from chainrule.nn.functional.normalization import update_running_stats
from chainrule.nn.modules.batchnorm import count_batch
from chainrule.nn.modules.module import Module
from chainrule.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["Coverage", "function_backward"]


def function_backward(op: FunctionOp, template: Any, saved: tuple, attrs: dict, g: Any, pattern: tuple) -> list:
    """A custom autograd.Function's own `backward`, called as the engine calls it: with a ctx holding what the
    traced call's ctx held (flags, Python attributes) and this call's saved tensors and tensor attributes."""
    ctx = replay_context(template, saved, attrs)
    stub = Node(op, None, None, pattern, None, {"ctx": ctx}, 0)
    token = enter_backward(False)  # the modes the engine's backward walk runs it under (no recording)
    try:
        return op.backward(stub, g, NUMPY, (), None)
    finally:
        exit_backward(token)


def _code(fn: Any) -> Any:
    return fn.__code__


# the functions whose frames the tracer follows: code -> kind
_WATCHED = {
    _code(F.dropout): "mask",
    _code(F.dropout2d): "mask",
    _code(cr_random.rand): "rand",
    _code(cr_random.randn): "randn",
    _code(cr_random.randint): "randint",
    _code(cr_random.randperm): "randperm",
    # BatchNorm's two updates of its buffers in training, each the one function the module (or F.batch_norm) and
    # the replay both call: read through their own parameters when called, not the callers' locals
    _code(count_batch): "count_batch",
    _code(update_running_stats): "running_stats",
    _code(Function.apply.__func__): "fn_apply",
    # creation functions: values fixed by their Python arguments (and an input's shape and dtype, which the guard
    # fixes): the replay makes a fresh copy of the traced values on each call, as eager makes a fresh tensor
    **{_code(fn): "create" for fn in (creation.zeros, creation.ones, creation.full, creation.zeros_like,
                                      creation.ones_like, creation.full_like, creation.arange, creation.linspace,
                                      creation.logspace, creation.eye, creation.new_zeros, creation.new_ones,
                                      creation.new_full)},
    # `model.zero_grad()` clears `.grad` outside the optimizer's seam (with set_to_none=False, by rebinding the
    # arrays: no in-place epoch, no event): the replay calls it too
    _code(Module.zero_grad): "module_zero_grad",
    # `p.data = ...` rebinds a tensor's array (no op, no in-place epoch): not replayed, so it runs eagerly
    _code(Tensor.data.fset): "data_set",
    # gradient clipping changes the `.grad` tensors in place between backward and the optimizer's step: the replay
    # calls the same function on the same parameters (its ops are its own, not the step's)
    _code(clip_grad_norm_): "clip",
    _code(clip_grad_value_): "clip",
}

# what a Function's ctx may hold besides tensors, as constants of the trace
_SIMPLE = (type(None), bool, int, float, str, complex, np.dtype, np.generic)


def _dtype_text(dt: np.dtype) -> str:
    return "np.%s" % np.dtype(dt).name


class Coverage:
    """Mixed into the Tracer: follows the watched frames (see `_WATCHED`) and emits their replay."""

    def _cov_init(self) -> None:
        self.rng_last = cr_random.default_generator.get_state()  # the state after the last recorded draw
        self.rng_frames: list[list] = []  # [frame, kind, state before, handled var or None]
        self.bn_live: tuple | None = None  # (nbt var, momentum) of a count_batch(..., None) not yet used
        self.buffer_expect: dict[int, Any] = {}  # id(buffer) -> the value the replayed statements leave in it
        self.draws = 0
        self.in_user_backward = 0  # inside a custom autograd.Function's backward (the replay runs it again)
        self.functions: dict[int, tuple] = {}  # id(Function node) -> (op, ctx template, saved, tensor attrs)
        self.fn_outputs: dict[int, Any] = {}  # id(output node of a several-output Function) -> its output op
        self.fn_ctxs: dict[int, Any] = {}  # id(ctx) -> ctx of this step's Function calls
        self.watched = dict(_WATCHED)  # plus the backward of each custom Function the step calls
        self.watched.update(_scheduler_steps())
        self.sched_depth = 0  # inside a scheduler's step (a scheduler stepping others: only the outer one replays)
        self.sched_making = 0  # inside LRScheduler.__init__ (which steps the new scheduler once)
        self.creating = 0  # inside a creation function (zeros, arange, ...)
        self.clipping = 0  # inside clip_grad_norm_ / clip_grad_value_ (their in-place ops are not the step's)

    def _cov_watched(self) -> dict:
        return self.watched

    def _cov_watch(self, frame: Any) -> Any:
        """From the global trace function: a local trace function for a watched frame, else None."""
        kind = self.watched.get(frame.f_code)
        if kind is None or self.failure is not None:
            return None
        if self.in_user_backward and kind != "fn_backward":
            return None  # the user's backward runs again in the replay, draws and all
        if kind == "fn_backward":
            return self._fn_backward_frame(frame)
        if kind == "data_set":
            from chainrule.compile.tracer import user_line

            self._cov_safe(self.fail, "the step sets a tensor's .data (`p.data = ...`), which a replay would not "
                                      "do: not replayed", user_line())
            return None
        if kind == "running_stats":
            loc = frame.f_locals  # its parameters, as called (the function rebinds some of them)
            entry = [frame, kind, {k: loc[k] for k in ("running_mean", "running_var", "batch_mean", "batch_var",
                                                        "count", "momentum")}]
            entry.append({k: np.array(entry[2][k].array, copy=True) for k in ("running_mean", "running_var")})
        elif kind == "count_batch":
            loc = frame.f_locals
            entry = [frame, kind, loc["num_batches_tracked"], loc["momentum"]]
            self._cov_safe(self._bn_count, entry)
        elif kind in ("fn_apply", "module_zero_grad"):
            entry = [frame, kind, dict(frame.f_locals)]
        elif kind == "create":
            entry = [frame, kind, self.creating == 0]  # only the outermost creation call (ones_like calls ones)
            self.creating += 1
        elif kind == "sched_step":
            loc = frame.f_locals
            names = frame.f_code.co_varnames[1:frame.f_code.co_argcount]
            entry = [frame, kind, loc.get("self"), {k: loc.get(k) for k in names}, self.sched_depth == 0,
                     self.sched_making > 0]  # stepped by its own __init__: a scheduler made inside the step
            self.sched_depth += 1
        elif kind == "sched_init":
            entry = [frame, kind]
            self.sched_making += 1
        elif kind == "clip":
            entry = [frame, kind, self.clipping == 0]  # (clip_grad_norm calls clip_grad_norm_)
            if entry[2]:
                self._cov_safe(self._check_epoch)  # in-place changes before it are the step's own
            self.clipping += 1
        else:
            entry = [frame, kind, cr_random.default_generator.get_state(), None]
            self.rng_frames.append(entry)
        frame.f_trace_lines = False

        def local(frame: Any, event: str, arg: Any) -> Any:
            if event == "return":
                if kind in ("mask", "rand", "randn", "randint", "randperm"):
                    if self.rng_frames and self.rng_frames[-1] is entry:
                        self.rng_frames.pop()
                    if arg is not None and entry[3] is None and kind != "mask":
                        self._cov_safe(self._draw_returned, entry, arg)
                elif kind == "running_stats":
                    self._cov_safe(self._bn_update, entry)
                elif kind == "count_batch" and arg is not None:
                    self._cov_safe(self._bn_counted, entry, arg)
                elif kind == "fn_apply" and arg is not None:
                    self._cov_safe(self._fn_applied, arg)
                elif kind == "module_zero_grad":
                    self._cov_safe(self._module_zero_grad, entry[2])
                elif kind == "create":
                    self.creating -= 1
                    if entry[2] and arg is not None:
                        self._cov_safe(self._created, frame.f_code.co_name, arg)
                elif kind == "sched_step":
                    self.sched_depth -= 1
                    if entry[4]:
                        self._cov_safe(self._scheduler_stepped, entry[2], entry[3], entry[5])
                elif kind == "sched_init":
                    self.sched_making -= 1
                elif kind == "clip":
                    self.clipping -= 1
                    if entry[2]:
                        self._cov_safe(self._clipped, frame.f_code, frame.f_locals, arg)
            return local

        return local

    def _cov_safe(self, fn: Any, *a: Any) -> None:
        """Run from inside the trace function (tracing is off there): a failure is kept, the eager call goes on."""
        if self.failure is not None:
            return
        from chainrule.compile.tracer import Unsupported

        try:
            fn(*a)
        except Exception as exc:  # noqa: BLE001 - Unsupported is kept by fail(); a bug must not break the call
            if self.failure is None:
                self.failure = Unsupported(f"internal error in the tracer ({type(exc).__name__}: {exc}); "
                                                 f"please report it")

    # ------------------------------------------------------------------ gradient clipping
    def _clipped(self, code: Any, loc: dict, result: Any) -> None:
        """`clip_grad_norm_(...)` or `clip_grad_value_(...)` returned: the replay calls it as well, at the same point,
        on the same parameters (whose `.grad` it changes in place); clip_grad_norm_'s total norm is a value of the
        step."""
        from chainrule.compile.tracer import Stmt, Var, _literal

        name = code.co_name
        if name == "clip_grad_norm_" and not isinstance(result, Tensor):
            self.fail(f"{name} raised: not replayed", None)
        params = loc.get("parameters")  # both functions have made it a list by the time they return
        if not isinstance(params, list) or not all(isinstance(p, Tensor) for p in params):
            self.fail(f"{name}: its parameters are not tensors the replay can pass again", None)
        args = []
        for k in code.co_varnames[1:code.co_argcount]:
            v = loc.get(k)
            if not (v is None or type(v) in (bool, int, float)):
                self.fail(f"{name}: its argument {k} (a {type(v).__name__}) is not replayed", None)
            args.append(f"{k}={_literal(v)}")
        self.epoch = inplace_epoch.value  # its own in-place writes, replayed by the same call
        for p in params:
            self.grad_var.pop(id(p), None)  # read `.grad` again from here on (a 0-d gradient is rebound)
        fn = self._const(clip_grad_norm_ if name == "clip_grad_norm_" else clip_grad_value_, name)
        call = "%s(%s, %s)" % (fn, self._const(list(params), "clip_params"), ", ".join(args))
        self.eager_lines.append(f"{name}(...)")
        if result is None:
            self.t.stmts.append(Stmt("opt", call, effect=True, comment=f"{name}: scales the .grad in place"))
            return
        index = self._new_var(Var("op", "total_norm", value=result.array), result)
        self.t.stmts.append(Stmt("opt", "{V%d} = %s.array" % (index, call), defs=(index,), effect=True,
                                 comment=f"{name}: scales the .grad in place, returns their total norm"))

    # ------------------------------------------------------------------ creation functions
    def _created(self, name: str, result: Any) -> None:
        """`zeros(...)`, `arange(...)`, ... returned inside the step: a value of the step whose every call makes
        the same values (its arguments are constants of the trace). The replay copies the traced values."""
        if not isinstance(result, Tensor) or id(result) in self.by_id:
            return
        if result.requires_grad:
            self.fail(f"{name}: a leaf that requires grad made inside the step is not replayed", None)
        from chainrule.compile.tracer import Stmt, Var

        data = result.array
        key = self._const(np.array(data, copy=True) if type(data) is np.ndarray else data, name)
        index = self._new_var(Var("op", name, value=data), result)
        text = "{V%d} = %s" % (index, key + ".copy()" if type(data) is np.ndarray else key)
        self.t.stmts.append(Stmt("fwd", text, defs=(index,),
                                 comment=f"{name}(...): the same values on every call, a fresh array as eager"))

    # ------------------------------------------------------------------ random draws
    def _rng_text(self) -> str:
        self.t.consts.setdefault("generator", cr_random.default_generator)
        return "{Kgenerator}.numpy"

    def _eager_line(self, what: str) -> None:
        from chainrule.compile.tracer import user_line

        self.eager_lines.append(f"{what:<14} {(user_line() or '').split(': ', 1)[-1]}")

    def _check_draw(self, pre: dict, fn: Any, value: Any, what: str) -> None:
        """Run the replay's draw from the state before the eager one: same values, same state after."""
        self._eager_line(f"{what} (draw)" if what != "dropout" else "dropout mask")
        gen = cr_random.default_generator
        if pre != self.rng_last:
            self.fail(f"{what}: the generator's state changed before this draw by something the trace did not "
                      f"record (manual_seed or a random call outside the recorded ones): a replay could not "
                      f"draw the same numbers", None)
        post = gen.get_state()
        try:
            gen.set_state(pre)
            again = fn(gen.numpy)
            after = gen.get_state()
        finally:
            gen.set_state(post)
        if not lowering.same(again, value) or after != post:
            self.fail(f"{what}: drawing again from the same generator state does not give the same values", None)
        self.rng_last = post
        self.draws += 1

    def _draw_returned(self, entry: list, result: Any) -> None:
        """`rand`, `randn`, `randint`, `randperm` returned: the replay draws with the same call."""
        frame, kind, pre, _ = entry
        loc = frame.f_locals
        if loc.get("generator") not in (None, cr_random.default_generator):
            self.fail(f"{kind}: draws from a generator other than the default one: not replayed yet", None)
        if loc.get("requires_grad"):
            self.fail(f"{kind}: a random leaf that requires grad made inside the step is not replayed", None)
        data = result.array
        if type(data) is not np.ndarray or data.ndim == 0:
            self.fail(f"{kind}: a 0-d random value is not replayed yet", None)
        dt = _dtype_text(data.dtype)
        shape = tuple(int(s) for s in data.shape)
        if kind == "rand":
            call, fn = "random(%r)" % (shape,), lambda r: r.random(shape).astype(data.dtype)
        elif kind == "randn":
            call, fn = "standard_normal(%r)" % (shape,), lambda r: r.standard_normal(shape).astype(data.dtype)
        elif kind == "randint":
            low, high = int(loc["low"]), int(loc["high"])
            call, fn = "integers(%r, %r, %r)" % (low, high, shape), lambda r: r.integers(low, high, shape).astype(
                data.dtype)
        else:
            n = int(loc["n"])
            call, fn = "permutation(%r)" % n, lambda r: r.permutation(n).astype(data.dtype)
        self._check_draw(pre, fn, data, kind)
        from chainrule.compile.tracer import Stmt, Var

        index = self._new_var(Var("op", kind, value=data), result)
        entry[3] = index
        self.t.stmts.append(Stmt("fwd", "{V%d} = %s.%s.astype(%s)" % (index, self._rng_text(), call, dt),
                                 defs=(index,), effect=True,
                                 comment=f"{kind}: fresh values from chainrule's seeded generator (as eager)"))

    def _cov_created(self, x: Any) -> int | None:
        """A tensor made in the step outside the op seam that a watched frame explains: a dropout mask being
        drawn, or a view of a module buffer (BatchNorm's running statistics in eval mode). Its var, or None."""
        for entry in reversed(self.rng_frames):
            if entry[1] == "mask" and entry[3] is None:
                loc = entry[0].f_locals
                data, inp = x.array, loc.get("input")
                if (type(data) is np.ndarray and isinstance(inp, Tensor) and x is not inp
                        and data.dtype == inp.array.dtype and data.ndim == inp.ndim):
                    return self._mask(entry, x)
        view = self._buffer_view(x)
        if view is not None:
            return view
        return self._alias(x)

    def _alias(self, x: Any) -> int | None:
        """A tensor without history made in the step around the very array of a value of the step (`t.detach()`,
        `t.data`): that value, read where the replay has it."""
        data = x.array
        if type(data) is not np.ndarray or x.grad_fn is not None or x.requires_grad:
            return None
        i = self._var_of_array(data)
        if i is None or self.t.vars[i].kind not in ("input", "const", "op"):
            return None
        from chainrule.compile.tracer import Stmt, Var

        index = self._new_var(Var("op", f"{self.t.vars[i].base}_detached", value=data), x)  # no history
        self.t.stmts.append(Stmt("fwd", "{V%d} = {V%d}" % (index, i), defs=(index,), uses=(i,),
                                 comment="the same values without their history (detach)"))
        return index

    def _mask(self, entry: list, x: Any) -> int:
        frame, _, pre, _ = entry
        loc = frame.f_locals
        if loc.get("generator") not in (None, cr_random.default_generator):
            self.fail("dropout: draws from a generator other than the default one: not replayed yet", None)
        mask = x.array
        shape = tuple(int(s) for s in mask.shape)
        p = loc["p"]
        dt = mask.dtype
        from chainrule.compile.tracer import Stmt, Var

        self.t.consts.setdefault("dropout_mask", dropout_mask)
        if p == 1.0:
            if not lowering.same(dropout_mask(shape, p, dt), mask):
                self.fail("dropout: its mask could not be made again", None)
            effect = False
        else:
            self._check_draw(pre, lambda r: dropout_mask(shape, p, dt), mask, "dropout")  # r: the default one
            effect = True
        text = "{Kdropout_mask}(%r, %r, %s, {Kgenerator})" % (shape, p, _dtype_text(dt))
        self.t.consts.setdefault("generator", cr_random.default_generator)
        index = self._new_var(Var("op", "mask", value=mask), x)
        entry[3] = index
        self.t.stmts.append(Stmt("fwd", "{V%d} = %s" % (index, text), defs=(index,), effect=effect,
                                 comment=f"dropout mask: 0 with probability {p}, else 1/(1 - {p}); a fresh draw "
                                         f"from chainrule's seeded generator, as eager"))
        return index

    def _rng_finish(self) -> None:
        if cr_random.default_generator.get_state() != self.rng_last:
            self.fail("the step drew random numbers in a way the trace does not replay (a generator call outside "
                      "dropout, rand, randn, randint and randperm, such as an initializer or uniform_/normal_, or "
                      "manual_seed inside the step)", None)

    # ------------------------------------------------------------------ BatchNorm
    def _buffer_view(self, x: Any) -> int | None:
        data = x.array
        if type(data) is not np.ndarray:
            return None
        for _module, name, b, *_ in self.buffers:
            if data.base is not b.array or type(b.array) is not np.ndarray:
                continue
            shape = tuple(int(s) for s in data.shape)
            if not lowering.same(b.array.reshape(shape), data):
                continue
            from chainrule.compile.tracer import Stmt, Var

            bi = self.var_of(b, "batch_norm", None)
            index = self._new_var(Var("op", f"{self.t.vars[bi].base}_view", value=data), x)
            self.t.stmts.append(Stmt("fwd", "{V%d} = {V%d}.reshape(%r)" % (index, bi, shape), defs=(index,),
                                     uses=(bi,), comment=f"{name}, read on each call"))
            return index
        return None

    def _bn_count(self, entry: list) -> None:
        """`count_batch(num_batches_tracked, momentum)` called (BatchNorm's forward in training): the replay counts
        the batch with the same call."""
        from chainrule.compile.tracer import Stmt

        _, _, nbt, momentum = entry
        bi = self.var_of(nbt, "batch_norm", None)
        entry.append((np.array(nbt.array, copy=True), bi))
        self.t.consts.setdefault("count_batch", count_batch)
        if momentum is None:  # a cumulative average: this batch's momentum is 1 / count, read on each call
            self.t.consts.setdefault("momentum", None)  # reserves the name: no value of the step is called so
            text = "momentum = {Kcount_batch}({T%d}, None)" % bi
        else:
            text = "{Kcount_batch}({T%d}, %r)" % (bi, momentum)
        self.t.stmts.append(Stmt("fwd", text, effect=True, comment="num_batches_tracked += 1, as the module does"))

    def _bn_counted(self, entry: list, returned: Any) -> None:
        _, _, nbt, momentum, (before, bi) = entry
        expect = np.asarray(before + 1)
        if not lowering.same(np.asarray(nbt.array), expect):
            self.fail("BatchNorm: num_batches_tracked did not count one batch", None)
        self.buffer_expect[id(nbt)] = expect
        # the update that follows uses this batch's momentum (1 / count): the replay's `momentum` variable
        self.bn_live = (bi, returned) if momentum is None else None

    def _var_of_array(self, a: Any) -> int | None:
        """The var whose trace-time value is the array `a` itself (the latest one)."""
        for i in range(len(self.t.vars) - 1, -1, -1):
            if self.t.vars[i].value is a:
                return i
        return None

    def _bn_update(self, entry: list) -> None:
        """`update_running_stats(...)` returned (batch_norm in training): the replay makes the same call on the
        replayed batch statistics, checked here to leave the buffers as the eager call did, bit for bit."""
        from chainrule.compile.tracer import Stmt

        args, pre = entry[2], entry[3]
        rm, rv, count, momentum = args["running_mean"], args["running_var"], args["count"], args["momentum"]
        mu_i, v_i = self._var_of_array(args["batch_mean"]), self._var_of_array(args["batch_var"])
        if mu_i is None or v_i is None:
            self.fail("batch_norm: its batch statistics were not recorded", None)
        mu, v = self.t.vars[mu_i].value, self.t.vars[v_i].value
        live, self.bn_live = self.bn_live, None
        if live is not None and live[1] != momentum:
            live = None
        scratch_mean, scratch_var = wrap(pre["running_mean"].copy()), wrap(pre["running_var"].copy())
        update_running_stats(scratch_mean, scratch_var, mu, v, count, momentum)  # what the replay will run
        for b, new in ((rm, scratch_mean.array), (rv, scratch_var.array)):
            if not lowering.same(np.asarray(b.array), np.asarray(new, b.array.dtype)):
                self.fail("batch_norm: the running statistics could not be computed again the same way", None)
            self.buffer_expect[id(b)] = np.array(b.array, copy=True)
        self.t.consts.setdefault("update_running_stats", update_running_stats)
        self._eager_line("running stats")
        rm_i, rv_i = self.var_of(rm, "batch_norm", None), self.var_of(rv, "batch_norm", None)
        text = "{Kupdate_running_stats}({T%d}, {T%d}, {V%d}, {V%d}, %d, %s)" % (
            rm_i, rv_i, mu_i, v_i, count, "momentum" if live is not None else repr(momentum))
        self.t.stmts.append(Stmt("fwd", text, uses=(mu_i, v_i), effect=True,
                                 comment="BatchNorm running statistics, in place (running = (1 - momentum) * "
                                         "running + momentum * batch; the variance unbiased)"))

    # ------------------------------------------------------------------ Module.zero_grad
    def _module_zero_grad(self, loc: dict) -> None:
        """`module.zero_grad(set_to_none)` returned: the replay calls it as well (the optimizer's zero_grad is
        seen through its own seam); with set_to_none its parameters' `.grad` are None from here on, as after
        the optimizer's."""
        from chainrule.compile.tracer import Stmt

        module, set_to_none = loc.get("self"), loc.get("set_to_none")
        if not isinstance(module, Module) or type(set_to_none) is not bool:
            self.fail("Module.zero_grad: called in a way the trace does not replay", None)
        self._check_epoch()
        index = len(self.t.stmts)
        key = self._const(module, "module")
        self.t.stmts.append(Stmt("opt", "%s.zero_grad(set_to_none=%r)" % (key, set_to_none), effect=True,
                                 comment="the module's own zero_grad"))
        self.eager_lines.append(f"{type(module).__name__}.zero_grad()")
        for p in module.parameters():
            self.grad_var.pop(id(p), None)  # its .grad is another array from here on (None, or new zeros)
        if set_to_none:
            for p in module.parameters():
                self.zeroed.add(id(p))
                self.zeroed_by[id(p)] = index
                if id(p) in self.grad_expect:
                    self.grad_expect[id(p)] = None

    # ------------------------------------------------------------------ learning-rate schedulers
    def _scheduler_stepped(self, sched: Any, args: dict, made_here: bool) -> None:
        """`scheduler.step()` returned (inside the step): the replay calls it as well, at the same point (it sets
        each group's lr, which the optimizer's update reads live)."""
        from chainrule.compile.tracer import Stmt

        name = type(sched).__name__
        if made_here:
            self.fail(f"{name}: a scheduler made inside the step is not replayed", None)
        for k, v in args.items():
            if not (v is None or type(v) in (bool, int, float)):
                self.fail(f"{name}.step: its argument {k} (a {type(v).__name__}) is not replayed", None)
        key = self._const(sched, "scheduler")
        text = "%s.step(%s)" % (key, ", ".join(f"{k}={v!r}" for k, v in args.items() if v is not None))
        self.t.stmts.append(Stmt("opt", text, effect=True, comment=f"{name}'s own step: sets each group's lr"))
        self.eager_lines.append(f"{name}.step()")

    # ------------------------------------------------------------------ custom autograd.Function
    def _fn_applied(self, output: Any) -> None:
        """`MyFunction.apply` returned: its forward's ops were traced like any others; remember what its
        backward will need (the ctx) so that the replay can call the user's `backward` with the same. With several
        outputs, each output's node passes its gradient into its slot (the engine's own output op, called by the
        replay too), and the Function's node gets them all, as in the engine."""
        if isinstance(output, tuple):
            mains = {id(p): p for o in output if isinstance(o, Tensor) and o.grad_fn is not None
                     for p in o.grad_fn.parents if isinstance(p, Node) and isinstance(p.op, FunctionOp)}
            if not mains:
                return  # nothing needed grad
            if len(mains) != 1:
                self.fail("a custom autograd.Function's outputs come from several calls", None)
            node = next(iter(mains.values()))
            name = node.op.function.__name__
            from chainrule.compile.tracer import Var

            for o in output:
                if not isinstance(o, Tensor) or o.grad_fn is None:
                    continue
                index = self.by_id.get(id(o))
                if (index is None or self.t.vars[index].kind != "op" or self.t.vars[index].value is not o.array
                        or o.grad_fn.parents != (node,)):
                    self.fail(f"{name}: its forward's output is not made by recorded ops (values computed in NumPy, "
                              f"or an input returned as is): its forward cannot be replayed", None)
                self.t.vars[index].node = o.grad_fn
                self.node_var[id(o.grad_fn)] = index
                self.fn_outputs[id(o.grad_fn)] = o.grad_fn.op
            index = self._new_var(Var("op", f"{name}_outputs"))  # the Function's node: its gradient is the slots
            self._fn_record(node, index, None)
            return
        if not isinstance(output, Tensor) or output.grad_fn is None:
            return  # nothing needed grad: no node, only its forward's ops
        node = output.grad_fn
        op = node.op
        if not isinstance(op, FunctionOp):
            return
        name = op.function.__name__
        index = self.by_id.get(id(output))
        if index is None or self.t.vars[index].kind != "op" or self.t.vars[index].value is not output.array:
            self.fail(f"{name}: its forward's output is not made by recorded ops (values computed in NumPy, or "
                      f"an input returned as is): its forward cannot be replayed", None)
        self.t.vars[index].node = node
        self._fn_record(node, index, output)

    def _fn_record(self, node: Node, index: int, output: Any) -> None:
        """What the replay needs to call a Function's backward: its saved tensors and ctx attributes as values of
        the step, a copy of its ctx for the rest; and the backward's code is watched."""
        op = node.op
        name = op.function.__name__
        ctx = node.attrs["ctx"]
        saved = []
        for kind, payload, _version, _epoch in node.datas.saved:
            if kind is None:
                saved.append(None)
                continue
            tensor = payload[0]() if kind == "output" else payload
            i = self.by_id.get(id(tensor)) if tensor is not None else None
            if i is None and kind == "output" and output is not None:
                i = index if payload[1] is output.array else None
            if i is None:
                if kind == "input" and isinstance(tensor, Tensor):
                    i = self.var_of(tensor, name, None)
                else:
                    self.fail(f"{name}: saves a tensor for backward that the trace did not see made", None)
            saved.append(i)
        attrs = {}
        template = copy.copy(ctx)
        for key, value in vars(ctx).items():
            if key.startswith("_") or key in ("needs_input_grad", "materialize_grads"):
                continue
            if isinstance(value, Tensor):
                i = self.by_id.get(id(value))
                if i is None:
                    self.fail(f"{name}: its ctx.{key} holds a tensor the trace did not see made", None)
                attrs[key] = i
            elif not (isinstance(value, _SIMPLE) or _simple_tuple(value)):
                self.fail(f"{name}: its ctx.{key} holds a {type(value).__name__}: a replay could not prove its "
                          f"backward sees the same (keep Python numbers, strings or tuples of them on ctx)", None)
        self.node_var[id(node)] = index
        self.functions[id(node)] = (op, template, saved, attrs)
        cls = op.function
        user = cls.backward if cls.backward is not Function.backward else cls.vjp
        code = getattr(user, "__code__", None)
        if code is None or code.co_argcount < 1:
            self.fail(f"{name}: its backward is not a plain Python function of (ctx, *grads)", None)
        self.watched[code] = "fn_backward"
        self.fn_ctxs[id(ctx)] = ctx

    def _fn_output_vjp(self, step: Any, gi: int) -> list:
        """Output k of a Function with several outputs: its gradient goes into slot k of the Function's (the
        engine's output op, called by the replay)."""
        op = self.fn_outputs[id(step.node)]
        key = self._const(op, "output_op")
        return [("%s.backward(None, {V%d}, NUMPY, (), None)[0]" % (key, gi), (gi,),
                 f"output {op.index} of {op.name.split('[')[0]}: its gradient into slot {op.index}")]

    def _fn_backward_frame(self, frame: Any) -> Any:
        """Inside a Function's backward: its ops and Python reads are the user's and run again in a replay."""
        code = frame.f_code
        ctx = frame.f_locals.get(code.co_varnames[0]) if code.co_argcount else None
        if ctx is None or self.fn_ctxs.get(id(ctx)) is not ctx:
            return None  # not one of this step's calls: the step's own checks report it
        self.in_user_backward += 1
        gen = cr_random.default_generator
        start = gen.get_state()
        versions = {id(t): t._version for t in self.keep if isinstance(t, Tensor)}
        frame.f_trace_lines = False

        def local(frame: Any, event: str, arg: Any) -> Any:
            if event == "return":
                self.in_user_backward -= 1
                self._cov_safe(self._fn_backward_done, start, versions)
            return local

        return local

    def _fn_backward_done(self, start: dict, versions: dict) -> None:
        gen = cr_random.default_generator
        if gen.get_state() != start:  # the replay runs the same backward at the same point: the same draws
            if start != self.rng_last:
                self.fail("the generator's state changed before a custom backward's draws by something the trace "
                          "did not record", None)
            self.rng_last = gen.get_state()
        for t in self.keep:
            if isinstance(t, Tensor) and versions.get(id(t), t._version) != t._version:
                self.fail("a custom autograd.Function's backward changed a tensor of the step in place: not "
                          "replayed", None)
        self.epoch = inplace_epoch.value  # its own in-place work (grad_input[x < 0] = 0) is replayed by running it

    def _function_vjp(self, step: Any, oi: int, gi: int) -> list:
        """The gradients a Function's backward sends: the replay calls the user's `backward` (see
        `function_backward`) with this call's saved tensors."""
        from chainrule.compile.tracer import Stmt, Var

        node = step.node
        op, template, saved, attrs = self.functions[id(node)]
        self.t.consts.setdefault("function_backward", function_backward)
        cls = op.function.__name__
        op_key = self._const(op, f"{cls}_op")
        ctx_key = self._const(template, f"{cls}_ctx")
        uses: list[int] = [gi]

        def text(i: int) -> str:
            var = self.t.vars[i]
            uses.append(i) if var.kind == "op" else None
            return "{T%d}" % i if var.kind in ("input", "const") else "{V%d}" % i

        saved_text = "(" + "".join(("None" if i is None else text(i)) + ", " for i in saved) + ")"
        attrs_text = "{" + ", ".join("%r: %s" % (k, text(i)) for k, i in attrs.items()) + "}"
        pattern = tuple(None if p is None else True for p in node.parents)
        tmp = self._new_var(Var("grad", f"grads_{cls}"))
        self.t.stmts.append(Stmt("bwd", "{V%d} = {Kfunction_backward}(%s, %s, %s, %s, {V%d}, %r)" % (
            tmp, op_key, ctx_key, saved_text, attrs_text, gi, pattern), defs=(tmp,), uses=tuple(uses),
            comment=f"{cls}.backward, your own code, called with ctx as the engine does"))
        del oi
        return [None if c is None else ("{V%d}[%d]" % (tmp, i), (tmp,), f"{cls} -> "
                                        f"{op.arg_names[i] if i < len(op.arg_names) else i}")
                for i, c in enumerate(step.contributions)]


def _scheduler_steps() -> dict:
    """The code of every `step` of LRScheduler and its subclasses (the user's included) -> "sched_step", and of
    `LRScheduler.__init__` -> "sched_init" (it steps the new scheduler once: a scheduler made inside the step)."""
    from chainrule.optim.lr_scheduler import LRScheduler

    out: dict = {LRScheduler.__init__.__code__: "sched_init"}
    todo = [LRScheduler]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        code = getattr(cls.__dict__.get("step"), "__code__", None)
        if code is not None:
            out[code] = "sched_step"
    return out


def _simple_tuple(v: Any) -> bool:
    return isinstance(v, tuple) and all(isinstance(x, _SIMPLE) or _simple_tuple(x) for x in v)
