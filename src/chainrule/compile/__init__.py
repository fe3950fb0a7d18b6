"""`cr.compile`: trace a training step once with the eager engine, replay it as generated NumPy code you can read.

    @cr.compile
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    loss = step(x, y)      # the first call runs eagerly and records what ran
    loss = step(x, y)      # later calls with the same shapes replay the generated code
    print(step.source)     # forward, backward, accumulation and update as straight-line Python

A step that cannot be replayed exactly (a value read in Python with `.item()` or `if tensor:`, random ops, in-place
writes, custom autograd Functions, ...) runs eagerly, with a one-time warning naming the reason and the line.
See docs/compile.md.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import re
import time
import types
import warnings
from collections.abc import Callable
from typing import Any

from chainrule.compile.codegen import NOT_THIS_TRACE, generate, generate_guard
from chainrule.compile.tracer import Tracer, Unsupported
from chainrule.trace import register_source

__all__ = ["CompiledStep", "compile", "CompileWarning"]


class CompileWarning(UserWarning):
    """`cr.compile` runs a step eagerly: the message says why and where."""


class _Entry:
    __slots__ = ("guard", "run", "source", "guard_source", "trace_seconds", "ops", "eager_lines", "signature", "free")

    def __init__(self, guard: Callable, run: Callable, source: str, guard_source: str, seconds: float,
                 ops: int, eager_lines: list[str]) -> None:
        self.eager_lines = eager_lines
        self.signature: tuple | int = ()
        # a trace whose generated code reuses buffers runs once at a time: `free` holds one token while nobody
        # runs it (list.pop() and append() are atomic: a try-lock cheaper than threading.Lock); None: no buffers
        self.free: list | None = None
        self.guard = guard
        self.run = run
        self.source = source
        self.guard_source = guard_source
        self.trace_seconds = seconds
        self.ops = ops


class CompiledStep(functools.partial):
    """The compiled form of a function: call it like the function. `source` is the generated code of the most
    recent trace; `fallback_reason` says why it runs eagerly (None while it compiles); `traces` counts traces.

    It is a `functools.partial` of its dispatch function (below), so that a call costs one C-level call into it
    rather than a Python `__call__` method: on a small step the difference is measurable."""

    fn: Callable
    cache_size: int
    explain: bool
    entries: list[_Entry]
    _recent: list[_Entry]
    fallback_reason: str | None
    traces: int
    replays: int
    _warned: bool

    def __new__(cls, fn: Callable, cache_size: int = 8, explain: bool = False) -> CompiledStep:
        recent: list[_Entry] = []  # the traces, the one that replayed last first (tried first)
        holder: list[CompiledStep] = []  # the step itself, and its method for calls no trace replays
        slow: list[Callable] = []

        def dispatch(*args: Any, **kwargs: Any) -> Any:
            if not kwargs:  # the replay path: the generated step checks its own guard first
                for entry in recent:
                    if entry.signature == len(args):
                        free = entry.free
                        if free is None:
                            result = entry.run(*args)
                        else:
                            try:
                                token = free.pop()
                            except IndexError:  # running (another thread, or the step calls itself): eagerly
                                if _guard(entry, args):
                                    return holder[0].fn(*args)
                                continue
                            try:
                                result = entry.run(*args)
                            finally:
                                free.append(token)
                        if result is not NOT_THIS_TRACE:
                            holder[0].replays += 1
                            if entry is not recent[0]:
                                recent.remove(entry)
                                recent.insert(0, entry)
                            return result
            return slow[0](args, kwargs)

        self = super().__new__(cls, dispatch)
        holder.append(self)
        slow.append(self._call)
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.cache_size = cache_size
        self.explain = explain
        self.entries = []  # in the order traced
        self._recent = recent
        self.fallback_reason = None
        self.traces = 0
        self.replays = 0
        self._warned = False
        return self

    # ------------------------------------------------------------------ calling
    def _call(self, args: tuple, kwargs: dict) -> Any:
        """A call no trace replayed: another trace's keyword arguments, a new trace, or eager."""
        if self.fallback_reason is None:
            if kwargs:
                call_args = (*args, *(kwargs[k] for k in sorted(kwargs)))
                signature = (len(args), tuple(sorted(kwargs)))
                for entry in self.entries:
                    if entry.signature == signature and _guard(entry, call_args):
                        return self._run_once(entry, call_args, kwargs)
            if len(self.entries) < self.cache_size:
                return self._trace(args, kwargs)
            self._fall_back(f"more than {self.cache_size} different traces (input shapes, dtypes, requires_grad, "
                            f"train/eval, grad mode or parameters keep changing){self._mismatch(args, kwargs)}", None)
        return self.fn(*args, **kwargs)

    def _mismatch(self, args: tuple, kwargs: dict) -> str:
        """What of the latest trace's guard this call fails, for the message when no trace matches: the guard's
        items evaluated again (`weight.grad is None: True when traced, False now`), with a hint for a `.grad`."""
        if not self.entries:
            return ""
        entry = self.entries[-1]
        ns = entry.guard.__globals__
        items, key = ns.get("guard_items"), ns.get("key")
        code = entry.guard.__code__
        params = code.co_varnames[:code.co_argcount]
        values = (*args, *(kwargs[k] for k in sorted(kwargs)))
        if items is None or len(params) != len(values):
            return ""
        names = {id(v): k[2:] for k, v in entry.run.__globals__.items() if k.startswith("T_")}
        found = []
        hint = ""
        for text, expected in zip(items, key):
            try:
                now = eval(text, ns, dict(zip(params, values)))  # noqa: S307 - the guard's own expression
            except Exception:  # noqa: BLE001 - a message only
                continue
            if now != expected:
                shown = text
                for j in range(len(items)):
                    for prefix in ("g", "c"):
                        obj = ns.get(f"{prefix}{j}")
                        if obj is not None and id(obj) in names:
                            shown = shown.replace(f"{prefix}{j}.", f"{names[id(obj)]}.")
                shown = re.sub(r"\b(\w+)_t\.(?:array\.)?", r"\1.", shown)  # `x_t.array.shape`: `x.shape`
                if text.endswith(".grad is None") and expected:
                    hint = (" (the step found a .grad None that was set when it was called: `p.grad = None` by hand "
                            "inside the step is not replayed; opt.zero_grad() and model.zero_grad() are)")
                found.append(f"`{shown}` was {expected} when traced, {now} now")
        if not found:
            return ""
        return "; this call differs from the latest trace in: " + "; ".join(found[:3]) + hint

    def _run_once(self, entry: _Entry, args: tuple, kwargs: dict) -> Any:
        """Replay `entry`; a trace with buffers that is running already (another thread, or the step calls
        itself) takes the eager path instead of sharing its buffers."""
        free = entry.free
        if free is None:
            self.replays += 1
            return entry.run(*args)
        try:
            token = free.pop()
        except IndexError:
            return self.fn(*args[:len(args) - len(kwargs)], **kwargs)
        try:
            self.replays += 1
            return entry.run(*args)
        finally:
            free.append(token)

    def _trace(self, args: tuple, kwargs: dict) -> Any:
        start = time.perf_counter()
        tracer = Tracer(self.fn, args, kwargs)
        result = tracer.run()
        if tracer.failure is not None:
            self._fall_back(tracer.failure.reason, tracer.failure.line)
            return result
        try:
            source, ns = generate(tracer.t, _fn_name(self.fn))
            guard_source, guard_ns, guard_expression = generate_guard(tracer.t, "guard")
            exec(builtins.compile(guard_source, f"<cr.compile guard {_fn_name(self.fn)}>", "exec"), guard_ns)  # noqa: S102
            ns["NOT_THIS_TRACE"] = NOT_THIS_TRACE
            ns["guard"] = guard_ns["guard"]
            filename = _code_filename(_fn_name(self.fn))
            code = None
            if not any(k in ns and ns[k] is not v for k, v in guard_ns.items()):
                # the guard inlined: the same test without a call (line 2 reads `if not guard(...)`)
                head, _, rest = source.split("\n", 2)
                code = builtins.compile(f"{head}\n    if not ({guard_expression}): return NOT_THIS_TRACE\n{rest}",
                                        filename, "exec")
                step_code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
                if set(step_code.co_varnames) & (set(guard_ns) - {"g"}):
                    code = None  # a local of the step shadows a name the guard reads: call the guard instead
                else:
                    ns.update(guard_ns)
            if code is None:
                code = builtins.compile(source, filename, "exec")
            exec(code, ns)  # noqa: S102 - our own generated code
        except Unsupported as exc:
            self._fall_back(exc.reason, exc.line)
            return result
        except Exception as exc:  # noqa: BLE001 - a code generation bug must not break the user's step
            self._fall_back(f"internal error generating code ({type(exc).__name__}: {exc}); please report it", None)
            return result
        register_source(filename, source)
        self.traces += 1
        entry = _Entry(guard_ns["guard"], ns[_fn_name(self.fn)], source, guard_source, time.perf_counter() - start,
                       tracer.ops_seen, tracer.eager_lines)
        entry.signature = (len(args), tuple(sorted(kwargs))) if kwargs else len(args)
        entry.free = [True] if ns.get("__buffers__") else None
        self.entries.append(entry)
        self._recent.insert(0, entry)
        if self.explain:
            print(self.explain_text())
        return result

    def _fall_back(self, reason: str, line: str | None) -> None:
        self.fallback_reason = reason if line is None else f"{reason} (at {line})"
        self.entries.clear()
        self._recent.clear()
        if not self._warned:
            self._warned = True
            warnings.warn(f"cr.compile({_fn_name(self.fn)}) runs eagerly: {self.fallback_reason}", CompileWarning,
                          stacklevel=4)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        """As a method decorator: `obj.step(x)` calls the compiled function with `obj` first (guarded by identity)."""
        return self if obj is None else functools.partial(self.__call__, obj)

    # ------------------------------------------------------------------ reading
    @property
    def source(self) -> str:
        """The generated Python of the latest trace (empty before the first call or when running eagerly)."""
        return self.entries[-1].source if self.entries else ""

    @property
    def guard_source(self) -> str:
        return self.entries[-1].guard_source if self.entries else ""

    @property
    def trace_seconds(self) -> float | None:
        """How long the latest trace took (the first call: eager run, recording and code generation)."""
        return self.entries[-1].trace_seconds if self.entries else None

    def explain_text(self) -> str:
        """The eager program's recorded ops and the generated code side by side."""
        from chainrule.compile.explain import side_by_side

        return side_by_side(self)

    def trace(self, *args: Any, **kwargs: Any) -> Any:
        """One replay walked line by line with chainrule's tracer: a `chainrule.trace.Trace` of the generated
        code and its values (`.print()`, `.to_markdown()`, `.to_html(path)`). A real call: it updates state."""
        from chainrule.compile.explain import walk

        return walk(self, *args, **kwargs)

    def __repr__(self) -> str:
        state = f"eager: {self.fallback_reason}" if self.fallback_reason else f"{len(self.entries)} trace(s)"
        return f"<cr.compile {_fn_name(self.fn)}: {state}>"


def _guard(entry: _Entry, args: tuple) -> bool:
    try:
        return bool(entry.guard(*args))
    except Exception:  # noqa: BLE001 - an argument of another kind: not this trace
        return False


_FILENAMES: dict[str, itertools.count] = {}


def _code_filename(name: str) -> str:
    """A file name of its own for each trace's code (`<cr.compile step>`, then `<cr.compile step #2>`, ...), under
    which its source is registered for tracebacks, debuggers, `step.trace()` and `chainrule trace`: a retrace, or
    another step of the same name, must not hide an older trace's lines."""
    count = next(_FILENAMES.setdefault(name, itertools.count(1)))  # (atomic: two threads get two numbers)
    return f"<cr.compile {name}>" if count == 1 else f"<cr.compile {name} #{count}>"


def _fn_name(fn: Any) -> str:
    name = getattr(fn, "__name__", "step")
    return name if name.isidentifier() and name != "<lambda>" else "step"


def compile(fn: Callable | None = None, *, explain: bool = False, cache_size: int = 8) -> Any:  # noqa: A001
    """Compile a step: `cr.compile(fn)` or `@cr.compile` / `@cr.compile(explain=True)`. See the module doc."""
    if fn is None:
        return lambda f: CompiledStep(f, cache_size=cache_size, explain=explain)
    return CompiledStep(fn, cache_size=cache_size, explain=explain)
