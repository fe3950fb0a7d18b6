"""The line recorder: runs code under ``sys.settrace`` and records each executed line's state.

A line event fires *before* its line runs, so a line's step is opened at its own event and closed
at the next event of the same frame (the next line, the frame's return, or an exception), when
its effects are visible. Only the traced file's frames get steps; calls they make into other code
(libraries, the engine) are recorded as calls with their arguments and return value.
"""

from __future__ import annotations

import ast
import builtins
import dis
import inspect
import os
import sys
import time
import traceback
import types
from dataclasses import dataclass, field
from typing import Any

from .capture import Tee
from .limits import TimeLimitReached, can_limit_time, time_limit
from .model import Step, Trace
from .plan import StmtPlan, plan_statement
from .source import SourceInfo, is_generated
from .substitute import CallRecord, Evaluator, match_calls, substitute
from .values import is_tensor, kept_grad, safe_repr, safe_str, summarize, type_name

DEFAULT_MAX_STEPS = 20_000  # executed lines before a run is stopped
DEFAULT_MAX_ITERATIONS = 10  # iterations of one loop shown before "N more iterations"
DEFAULT_MAX_OUTPUT = 1_000_000  # characters of the script's printed output kept in the trace

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_TRANSPARENT = {"<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>", "<lambda>"}
_USER, _TRANSP, _OTHER, _IGNORE, _GENERATED = 0, 1, 2, 3, 4


_MISSING = object()
_GENERATOR_FLAGS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR
_FIRST_RESUME: dict[types.CodeType, int] = {}


def _first_resume(code: types.CodeType) -> int:
    """Offset of a generator's first RESUME: where f_lasti stands when it starts (not resumes)."""
    offset = _FIRST_RESUME.get(code)
    if offset is None:
        offset = next((i.offset for i in dis.get_instructions(code) if i.opname == "RESUME"), -1)
        _FIRST_RESUME[code] = offset
    return offset


class StepLimitReached(BaseException):
    """Raised into the traced code to stop it when the step cap is reached."""


@dataclass
class _Loop:
    header: int
    first: int
    last: int
    hits: int = 0
    iterations: int = 0
    awaiting: bool = False


@dataclass
class _Pending:
    step: Step
    plan: StmtPlan
    before: dict[str, Any]
    target_ids: dict[str, int]
    fingerprints: dict[str, str]
    calls: list[CallRecord] = field(default_factory=list)
    known: dict[str, Any] = field(default_factory=dict)  # `self.total` before `self.total += x`


@dataclass
class _Frame:
    depth: int
    transparent: bool = False
    owner: _Frame | None = None
    suppressed: bool = False  # the whole frame is hidden (hidden function, capped loop, hidden line)
    line_suppressed: bool = False
    pending: _Pending | None = None
    loops: list[_Loop] = field(default_factory=list)
    exc: tuple[Any, Any, Any] | None = None
    record: CallRecord | None = None
    skip_line: int = 0  # a class body starts on its `class` line, already a step of the enclosing frame
    capped: _Loop | None = None  # the outermost loop past its iteration cap, while inside it


def _fingerprint(value: Any) -> str:
    text = safe_repr(value)
    if is_tensor(value):
        text += "|grad=" + safe_repr(kept_grad(value))
    return text


def _exc_info(exc: BaseException) -> dict[str, Any]:
    return {"type": type(exc).__name__, "message": safe_str(exc, 500)}


class Tracer:
    """Records a script (``Tracer().run(path)``) or a block (``with Tracer() as t:``) line by line."""

    embedded = False  # a walk's recorder (`_Walk`): its step limit ends the walk, not the script

    def __init__(
        self,
        max_steps: int = DEFAULT_MAX_STEPS,
        max_iterations: int = DEFAULT_MAX_ITERATIONS,
        *,
        max_output: int = DEFAULT_MAX_OUTPUT,
        timeout: float | None = None,
    ) -> None:
        if max_steps < 1 or max_iterations < 1:
            raise ValueError("max_steps and max_iterations must be at least 1")
        if max_output < 0:
            raise ValueError(f"max_output must be >= 0, got {max_output}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
        self.max_steps = max_steps
        self.max_iterations = max_iterations
        self.max_output = max_output
        self.timeout = timeout
        settings: dict[str, Any] = {"max_steps": max_steps, "max_iterations": max_iterations, "max_output": max_output}
        if timeout is not None:
            settings["timeout"] = timeout
        self.trace = Trace(settings=settings)
        self._filename = ""
        self._info: SourceInfo | None = None
        self._stmt_line: dict[int, int] = {}
        self._frames: dict[types.FrameType, _Frame] = {}
        self._others: dict[types.FrameType, CallRecord] = {}
        self._kinds: dict[types.CodeType, int] = {}
        self._plans: dict[int, StmtPlan] = {}
        self._executed = 0
        self._current: Step | None = None
        self._output: list[str] = []
        self._output_len = 0
        self._output_dropped = 0
        self._stdout: Any = None
        self._old_trace: Any = None
        self._block_frame: types.FrameType | None = None
        self._with_line = 0
        self._started = 0.0
        self._alarm: Any = None
        self.result: Any = None  # what `run_call`'s function returned
        self._walk: _Walk | None = None  # the recorder of generated code being walked through (`Trace.walks`)
        self._walked: set[types.CodeType] = set()  # generated code walked already: each once

    # ---- public entry points -------------------------------------------------------------------
    def run(self, path: str | os.PathLike[str], argv: list[str] | None = None) -> Trace:
        """Run a script as ``python path *argv`` would, recording it. Returns the trace."""
        path = os.path.abspath(os.fspath(path))
        argv = [str(a) for a in (argv or [])]
        self._setup(path)
        self.trace.argv = argv
        assert self._info is not None
        code = compile(self._info.text, path, "exec")
        main = types.ModuleType("__main__")
        main.__file__ = path
        main.__builtins__ = builtins  # type: ignore[attr-defined]
        saved_argv, saved_main, saved_path = sys.argv, sys.modules.get("__main__"), list(sys.path)
        sys.argv = [path, *argv]
        sys.modules["__main__"] = main
        sys.path.insert(0, os.path.dirname(path))
        self._start()
        try:
            with time_limit(self.timeout):
                exec(code, main.__dict__)
        except StepLimitReached:
            self.trace.exit_code = 3
        except TimeLimitReached as exc:
            self._stop_tracing()
            self._time_limit(exc)
        except SystemExit as exc:
            self.trace.exit_code = self._exit_code(exc)
        except BaseException as exc:  # the script's own error: shown on its line, printed as Python would
            self._stop_tracing()
            self._record_uncaught(exc)
            self.trace.exit_code = 130 if isinstance(exc, KeyboardInterrupt) else 1
        finally:
            self._stop_tracing()
            self._finish_all()
            sys.argv = saved_argv
            if saved_main is not None:
                sys.modules["__main__"] = saved_main
            sys.path[:] = saved_path
        return self.trace

    def run_call(self, filename: str, fn: Any, *args: Any, **kwargs: Any) -> Trace:
        """Call ``fn(*args, **kwargs)`` and record the lines it runs in ``filename``: code that is not a script
        file, such as the generated code of a compiled step (its source registered with ``linecache``).
        The call's result is in ``self.result``; an exception it raises is recorded, then raised again."""
        self._setup(filename)
        self._start()
        try:
            with time_limit(self.timeout):
                self.result = fn(*args, **kwargs)
        except StepLimitReached:
            self.trace.exit_code = 3
        except TimeLimitReached as exc:
            self._stop_tracing()
            self._time_limit(exc)
        except BaseException as exc:
            self._stop_tracing()
            self.trace.exception = {**_exc_info(exc), "line": self._exc_line(exc.__traceback__)}
            self.trace.exit_code = 1
            raise
        finally:
            self._stop_tracing()
            self._finish_all()
        return self.trace

    def __enter__(self) -> Trace:
        frame = sys._getframe(1)
        self._setup(frame.f_code.co_filename, block=True)
        self._block_frame = frame
        assert self._info is not None
        self._with_line = self._info.stmt_line.get(frame.f_lineno, frame.f_lineno)
        self._frames[frame] = _Frame(depth=0)
        self._start()
        if self.timeout is not None and can_limit_time():
            self._alarm = time_limit(self.timeout)
            self._alarm.__enter__()
        frame.f_trace = self._local
        frame.f_trace_lines = True
        return self.trace

    def __exit__(self, etype: Any, exc: BaseException | None, tb: Any) -> bool:
        frame = self._block_frame
        alarm, self._alarm = self._alarm, None
        if alarm is not None:
            alarm.__exit__(None, None, None)
        self._stop_tracing()
        if etype is TimeLimitReached:
            self._time_limit(exc)  # type: ignore[arg-type]
            etype = StepLimitReached  # stopped by a limit: recorded, not re-raised
        if frame is not None:
            frame.f_trace = None
            fs = self._frames.get(frame)
            if fs is not None and fs.pending is not None and exc is None and fs.pending.step.line == self._with_line:
                # leaving the block runs the `with` line again (to call __exit__): not a step of the block
                if self.trace.steps and self.trace.steps[-1] is fs.pending.step:
                    self.trace.steps.pop()
                fs.pending = None
            if fs is not None and fs.pending is not None:
                if exc is not None and fs.pending.step.exception is None and etype is not StepLimitReached:
                    fs.pending.step.exception = _exc_info(exc)
                self._finish(fs, frame, unwinding=exc is not None)
        self._finish_all()
        if exc is not None and etype is not StepLimitReached:
            self.trace.exception = {**_exc_info(exc), "line": self._exc_line(tb)}
        return etype is StepLimitReached

    # ---- setup and teardown ----------------------------------------------------------------------
    def _setup(self, filename: str, block: bool = False) -> None:
        self._filename = filename
        info = SourceInfo.from_file(filename)
        self._info = info
        self._stmt_line = info.stmt_line
        self.trace.path = filename
        self.trace.source = list(info.lines)
        self.trace.intro = None if block else info.comments.intro
        self.trace.explanations = dict(info.comments.explanations)
        self.trace.hidden = sorted(info.comments.hidden)

    def _start(self) -> None:
        self._started = time.perf_counter()
        self._stdout = sys.stdout
        sys.stdout = Tee(sys.stdout, self._on_output)
        self._old_trace = sys.gettrace()
        sys.settrace(self._global)

    def _stop_tracing(self) -> None:
        if self._stdout is None:
            return
        sys.settrace(self._old_trace)
        if isinstance(sys.stdout, Tee) and sys.stdout.on_output == self._on_output:
            sys.stdout = self._stdout
        self._stdout = None
        self.trace.stats = {
            "executed_lines": self._executed,
            "recorded_steps": len(self.trace.steps),
            "seconds": round(time.perf_counter() - self._started, 6),
        }

    def _finish_all(self) -> None:
        if self._walk is not None:
            self._end_walk(self._walk)
        for frame, fs in list(self._frames.items()):
            if fs.pending is not None:
                self._finish(fs, frame, unwinding=True)
        self._frames.clear()
        self._others.clear()
        self.trace.output = "".join(self._output)
        if self._output_dropped:
            total = self._output_len + self._output_dropped
            self.trace.output += (f"\n… [output truncated: the script printed {total:,} characters; the first "
                                  f"{self._output_len:,} are kept (--max-output / max_output=)]\n")
            self.trace.stats["output_chars"] = total
            self.trace.stats["output_kept"] = self._output_len

    def _time_limit(self, exc: TimeLimitReached) -> None:
        """Record that the time limit stopped the script (a `limit` step on the line it was running)."""
        line = self._exc_line(exc.__traceback__) or (self.trace.steps[-1].line if self.trace.steps else 1)
        for frame, fs in list(self._frames.items()):
            if fs.pending is not None:
                self._finish(fs, frame, unwinding=True)
        self._frames.clear()
        assert self._info is not None
        step = self._new_step("limit", line, "", 0, self._info.source_of(line))
        step.note = (f"Stopped: the time limit of {exc.seconds:g} s was reached while line {line} ran. "
                     f"Everything recorded so far is kept. Raise the limit with --timeout (or timeout=).")
        self.trace.limit = {"kind": "timeout", "timeout": exc.seconds, "line": line, "message": step.note}
        self.trace.exit_code = 3

    @staticmethod
    def _exit_code(exc: SystemExit) -> int:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1

    def _exc_line(self, tb: Any) -> int | None:
        line = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self._filename:
                line = tb.tb_lineno
            tb = tb.tb_next
        return line

    def _record_uncaught(self, exc: BaseException) -> None:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != self._filename:
            tb = tb.tb_next  # drop the tracer's own frames, as Python's traceback would not have them
        text = "".join(traceback.format_exception(type(exc), exc, tb))
        sys.stderr.write(text)
        self.trace.exception = {**_exc_info(exc), "line": self._exc_line(tb), "traceback": text}

    # ---- output ----------------------------------------------------------------------------------
    def _on_output(self, text: str) -> None:
        if not isinstance(text, str):
            return
        room = self.max_output - self._output_len
        if len(text) > room:  # past the cap: the text still reaches the terminal, the trace keeps a count
            self._output_dropped += len(text) - max(room, 0)
            text = text[:max(room, 0)]
            if not text:
                return
        self._output.append(text)
        self._output_len += len(text)
        if self._current is not None:
            self._current.printed += text

    # ---- trace functions -------------------------------------------------------------------------
    def _classify(self, code: types.CodeType) -> int:
        filename = code.co_filename
        if filename == self._filename:
            kind = _TRANSP if code.co_name in _TRANSPARENT else _USER
        elif os.path.dirname(os.path.abspath(filename)) == _PACKAGE_DIR:
            kind = _IGNORE
        elif is_generated(filename):
            kind = _GENERATED
        else:
            kind = _OTHER
        self._kinds[code] = kind
        return kind

    def _owner(self, frame: types.FrameType | None) -> _Frame | None:
        fs = self._frames.get(frame) if frame is not None else None  # type: ignore[arg-type]
        if fs is not None and fs.transparent:
            return fs.owner
        return fs

    def _owner_through(self, frame: types.FrameType | None) -> _Frame | None:
        """The nearest traced frame up the stack, past frames of other code (chainrule's Module.__call__)."""
        for _ in range(64):
            if frame is None:
                return None
            fs = self._owner(frame)
            if fs is not None:
                return fs
            frame = frame.f_back
        return None

    def _global(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event != "call":
            return None
        walk = self._walk
        if walk is not None and walk.owns(frame.f_back):  # called by the generated code being walked
            return walk.on_call(frame, event, arg)
        code = frame.f_code
        kind = self._kinds.get(code)
        if kind is None:
            kind = self._classify(code)
        if kind == _IGNORE:
            return None
        if kind == _GENERATED:
            follow = self._begin_walk(frame)
            if follow is not None:
                return follow
            kind = _OTHER
        parent = self._owner(frame.f_back)
        if kind == _OTHER:
            if parent is None or parent.pending is None:
                return None
            name = code.co_name
            if name.startswith("__") and name.endswith("__") and name != "__init__":
                return None
            rec = CallRecord(code, code.co_qualname, args=self._args(frame))
            if name == "__init__":
                rec.self_obj = frame.f_locals.get(code.co_varnames[0]) if code.co_varnames else None
            parent.pending.calls.append(rec)
            self._others[frame] = rec
            frame.f_trace_lines = False
            return self._other_local
        if kind == _TRANSP:
            owner = parent
            fs = _Frame(depth=owner.depth if owner else 0, transparent=True, owner=owner)
            fs.suppressed = owner is None or owner.suppressed or owner.line_suppressed
            if owner is not None and owner.pending is not None and code.co_name != "<genexpr>":
                rec = CallRecord(code, code.co_name, args=self._args(frame), user=code.co_name == "<lambda>")
                owner.pending.calls.append(rec)
                fs.record = rec
            self._frames[frame] = fs
            frame.f_trace_lines = False
            return self._local
        # a function of the traced file
        assert self._info is not None
        if parent is None and code.co_name != "<module>":  # called through library code (`model(x)` runs
            parent = self._owner_through(frame.f_back)  # Module.__call__, then forward): its caller is the parent
        fs = _Frame(depth=(parent.depth + 1) if parent else 0)
        if code.co_name == "<module>":
            fs.depth = 0
        def_line = self._info.stmt_line.get(code.co_firstlineno, code.co_firstlineno)
        hidden = self._info.is_hidden(def_line) and code.co_name != "<module>"
        fs.suppressed = hidden or (parent is not None and (parent.suppressed or parent.line_suppressed))
        self._frames[frame] = fs
        resumed = bool(code.co_flags & _GENERATOR_FLAGS) and frame.f_lasti != _first_resume(code)
        class_body = not code.co_flags & inspect.CO_NEWLOCALS
        if class_body and code.co_name != "<module>":
            fs.skip_line = def_line
        recorded = not fs.suppressed or (parent is not None and parent.pending is not None)
        if not class_body and not resumed and recorded:  # a generator's later resumptions are not calls
            args = self._args(frame)
            if parent is not None and parent.pending is not None:
                fs.record = CallRecord(code, code.co_qualname, args=args, user=True)
                parent.pending.calls.append(fs.record)
            if not fs.suppressed:
                step = self._new_step("call", def_line, code.co_qualname, fs.depth, self._info.source_of(def_line))
                step.args = args
                self._current = step
        return self._local

    # ---- walks through generated code -----------------------------------------------------------
    def _begin_walk(self, frame: types.FrameType) -> Any:
        """The first call of a piece of generated code (registered with `register_source`, such as a compiled
        step's replay) from a recorded line: its lines are recorded by a recorder of their own, as a walk
        (`Trace.walks`). Returns the frame's local trace function, or None when it is not walked."""
        code = frame.f_code
        if self._walk is not None or code in self._walked:
            return None
        caller = self._owner_through(frame.f_back)
        if caller is None or caller.pending is None or caller.suppressed or caller.line_suppressed:
            return None
        self._walked.add(code)
        step = caller.pending.step
        number = len(self.trace.walks) + 1
        where = f"line {step.line}" + (f", iteration {step.iteration}" if step.iteration else "")
        walk = _Walk(self, code.co_filename)
        walk.trace.intro = (f"Walk {number}: the generated code {code.co_filename}, as {self.trace.name} ran it at "
                            f"{where}: its first run, line by line.")
        note = f"This call ran generated code: walk {number} shows its lines."
        step.note = note if step.note is None else f"{step.note} {note}"
        self.trace.walks.append(walk.trace)
        self._walk = walk
        local = walk.on_call(frame, "call", None)

        def follow(frame: types.FrameType, event: str, arg: Any) -> Any:
            nonlocal local
            if local is not None:
                local = local(frame, event, arg)
            if local is None or event == "return":
                self._end_walk(walk)
                return None
            return follow

        if local is None:  # (the code's frame was not taken: nothing to walk)
            self._end_walk(walk)
            return None
        return follow

    def _end_walk(self, walk: _Walk) -> None:
        if self._walk is walk:
            self._walk = None
            walk.end()

    def _other_local(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        if event == "return":
            rec = self._others.pop(frame, None)
            if rec is not None:
                if arg is None and rec.raised:
                    return None
                rec.raised = None
                rec.value = arg
                rec.returned = True
        elif event == "exception":
            rec = self._others.get(frame)
            if rec is not None:
                rec.raised = arg[0].__name__
        return self._other_local

    def _local(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        fs = self._frames.get(frame)
        if fs is None:
            return None
        if event == "line":
            if fs.transparent:
                return self._local
            # fast paths: lines that are only counted (hidden frames, loops past their cap)
            if fs.suppressed:
                fs.exc = None
                self._executed += 1
                if self._executed > self.max_steps:
                    self._stop(frame, fs, self._stmt_line.get(frame.f_lineno, frame.f_lineno))
                return self._local
            cap = fs.capped
            if cap is not None:
                start = self._stmt_line.get(frame.f_lineno, frame.f_lineno)
                if cap.first <= start <= cap.last:
                    fs.exc = None
                    self._executed += 1
                    if self._executed > self.max_steps:
                        self._stop(frame, fs, start)
                    if start == cap.header:
                        cap.hits += 1
                        cap.awaiting = True
                    elif cap.awaiting:
                        cap.iterations += 1
                        cap.awaiting = False
                    return self._local
            self._line(frame, fs, frame.f_lineno)
        elif event == "return":
            self._return(frame, fs, arg)
        elif event == "exception":
            if fs.transparent:
                if fs.record is not None:
                    fs.record.raised = arg[0].__name__
                return self._local
            fs.exc = arg
            if fs.pending is not None:
                exc_type, exc, tb = arg
                info = {"type": exc_type.__name__, "message": safe_str(exc, 500)}
                if tb is not None and tb.tb_next is not None:
                    info["propagated"] = True
                fs.pending.step.exception = info
        return self._local

    def _args(self, frame: types.FrameType) -> list[dict[str, Any]]:
        code = frame.f_code
        n = code.co_argcount + code.co_kwonlyargcount
        n += bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)  # *args, **kwargs
        local = frame.f_locals
        names = [name for name in code.co_varnames[:n] if name in local]
        if code.co_name == "__init__" and names and names[0] == code.co_varnames[0]:
            # the instance is not built yet: its repr would read attributes __init__ has still to set
            obj = local[names[0]]
            made = {"name": names[0], "type": type_name(obj), "repr": f"<{type(obj).__name__} being initialized>"}
            return [made, *({"name": name, **summarize(local[name])} for name in names[1:])]
        return [{"name": name, **summarize(local[name])} for name in names]

    # ---- line events -------------------------------------------------------------------------------
    def _line(self, frame: types.FrameType, fs: _Frame, lineno: int) -> None:
        info = self._info
        assert info is not None
        start = info.stmt_line.get(lineno, lineno)
        pending = fs.pending
        if pending is not None and pending.step.line == start and not pending.plan.loop_header:
            return  # another physical line of the same statement
        if fs.exc is not None:
            if pending is not None and pending.step.exception is not None:
                pending.step.exception["caught"] = True
            fs.exc = None
        if pending is not None:
            self._finish(fs, frame)
        self._executed += 1
        if self._executed > self.max_steps:
            self._stop(frame, fs, start)
        if fs.suppressed:
            self._current = None
            return
        loops = fs.loops
        while loops and not (loops[-1].first <= start <= loops[-1].last):
            self._exit_loop(fs, loops.pop())
        iteration = None
        bounds = info.loops.get(start)
        if bounds is not None and loops and loops[-1].header == start:
            loops[-1].hits += 1  # back at the header: the next iteration, or the loop's end
            loops[-1].awaiting = True
            iteration = loops[-1].iterations + 1
        else:
            if loops and loops[-1].awaiting:  # the first line of an iteration's body
                loops[-1].iterations += 1
                loops[-1].awaiting = False
            if bounds is not None:
                loops.append(_Loop(start, bounds[0], bounds[1], hits=1, awaiting=True))
                iteration = 1
            elif loops:
                iteration = loops[-1].iterations
        capped = None
        for loop in loops:
            if loop.hits > self.max_iterations:
                capped = loop
                break
        fs.capped = capped
        if capped is not None or info.is_hidden(start) or start == fs.skip_line:
            fs.line_suppressed = True
            self._current = None
            return
        fs.line_suppressed = False
        self._open(frame, fs, start, iteration)

    def _plan_for(self, start: int) -> StmtPlan:
        plan = self._plans.get(start)
        if plan is None:
            assert self._info is not None
            plan = plan_statement(self._info.stmts.get(start))
            self._plans[start] = plan
        return plan

    def _open(self, frame: types.FrameType, fs: _Frame, start: int, iteration: int | None) -> None:
        assert self._info is not None
        plan = self._plan_for(start)
        local = frame.f_locals
        glob = frame.f_globals
        before: dict[str, Any] = {}
        for name in plan.loads:
            if name in local:
                before[name] = local[name]
            elif name in glob:
                before[name] = glob[name]
        target_ids = {name: id(local[name]) for name in plan.targets if name in local} if plan.loop_header else {}
        fingerprints: dict[str, str] = {}
        for name in plan.mutated:
            if name in local:
                fingerprints[name] = _fingerprint(local[name])
        if plan.backward:
            for name, value in list(local.items()):
                if is_tensor(value) and name not in fingerprints:
                    fingerprints[name] = _fingerprint(value)
        code = frame.f_code
        function = "<module>" if code.co_name == "<module>" else code.co_qualname
        step = self._new_step("line", start, function, fs.depth, self._info.source_of(start))
        step.iteration = iteration
        fs.pending = _Pending(step, plan, before, target_ids, fingerprints)
        if isinstance(plan.stmt, ast.AugAssign) and plan.target_exprs:
            text, target = plan.target_exprs[0]
            value = self._read_target(target, local, frame.f_globals)
            if value is not _MISSING:
                fs.pending.known[text] = value
        self._current = step

    def _new_step(self, event: str, line: int, function: str, depth: int, source: str) -> Step:
        step = Step(
            index=len(self.trace.steps),
            event=event,
            line=line,
            function=function,
            depth=depth,
            source=source,
            output_end=self._output_len,
        )
        self.trace.steps.append(step)
        return step

    def _finish(
        self,
        fs: _Frame,
        frame: types.FrameType,
        returning: bool = False,
        retval: Any = None,
        unwinding: bool = False,
    ) -> None:
        pending = fs.pending
        if pending is None:
            return
        fs.pending = None
        step, plan = pending.step, pending.plan
        try:
            local = frame.f_locals
            glob = frame.f_globals
        except Exception:
            local, glob = {}, {}
        try:
            for name in plan.targets:
                if name in local:
                    value = local[name]
                elif name in glob and frame.f_code.co_name != "<module>":
                    value = glob[name]
                else:
                    continue
                if name in pending.target_ids and pending.target_ids[name] == id(value):
                    continue  # a loop header whose loop has ended: nothing new assigned
                step.assigned.append({"name": name, **summarize(value)})
            for text, target in plan.target_exprs:
                value = self._read_target(target, local, glob)
                if value is not _MISSING:
                    step.assigned.append({"name": text, **summarize(value)})
            for name, before in pending.fingerprints.items():
                if name in local and _fingerprint(local[name]) != before:
                    step.assigned.append({"name": name, **summarize(local[name])})
            if returning and not unwinding and isinstance(plan.stmt, ast.Return):
                step.returned = summarize(retval)
            self._substitute(pending, local, glob, returning, retval, unwinding)
            step.calls = [self._call_dict(r) for r in pending.calls if r.user or (r.matched and r.name[0] != "<")]
        except Exception as exc:  # never let the tracer break the script
            step.note = f"(the tracer could not record this line: {type(exc).__name__}: {exc})"
        step.output_end = self._output_len

    def _substitute(
        self,
        pending: _Pending,
        local: dict[str, Any],
        glob: dict[str, Any],
        returning: bool,
        retval: Any,
        unwinding: bool,
    ) -> None:
        plan = pending.plan
        before = pending.before

        def lookup(name: str) -> Any:
            if name in before:
                return before[name]
            if name in glob:
                return glob[name]
            if hasattr(builtins, name):
                return getattr(builtins, name)
            raise KeyError(name)

        for expr in plan.evaluate:
            match_calls(expr, lookup, pending.calls)
        if plan.display is None:
            return
        final: Any = ...
        stmt = plan.stmt
        if not unwinding:
            if isinstance(stmt, ast.Return) and returning:
                final = retval
            elif (
                (
                    isinstance(stmt, ast.Assign | ast.AnnAssign)
                    and len(plan.targets) == 1
                    and isinstance(getattr(stmt, "target", None) or stmt.targets[0], ast.Name)  # type: ignore[union-attr]
                    and plan.targets[0] in local
                )
                or isinstance(stmt, ast.AugAssign)
                and plan.targets
                and plan.targets[0] in local
            ):
                final = local[plan.targets[0]]
            elif isinstance(stmt, ast.AugAssign) and plan.target_exprs:
                value = self._read_target(plan.target_exprs[0][1], local, glob)
                if value is not _MISSING:
                    final = value
        lines = self._info.lines if self._info is not None else None
        forms = substitute(plan.display, lookup, pending.calls, final, lines, pending.known)
        if len(forms) > 1:
            pending.step.substitution = forms

    @staticmethod
    def _read_target(target: ast.expr, local: dict[str, Any], glob: dict[str, Any]) -> Any:
        """The value now held by an attribute or item target, read without running user code."""

        def lookup(name: str) -> Any:
            if name in local:
                return local[name]
            if name in glob:
                return glob[name]
            raise KeyError(name)

        try:
            return Evaluator(lookup, []).evaluate(target)  # reads attributes only where no code runs
        except Exception:
            return _MISSING

    @staticmethod
    def _call_dict(rec: CallRecord) -> dict[str, Any]:
        out: dict[str, Any] = {"function": rec.name, "args": rec.args, "user": rec.user}
        out["return"] = summarize(rec.value) if rec.returned else None
        if rec.raised:
            out["raised"] = rec.raised
        return out

    def _return(self, frame: types.FrameType, fs: _Frame, arg: Any) -> None:
        unwinding = fs.exc is not None
        if fs.transparent:
            if fs.record is not None and not unwinding:
                fs.record.value = arg
                fs.record.returned = True
            self._frames.pop(frame, None)
            return
        if fs.pending is not None:
            self._finish(fs, frame, returning=True, retval=arg, unwinding=unwinding)
        while fs.loops:
            self._exit_loop(fs, fs.loops.pop())
        if fs.record is not None:
            if unwinding:
                fs.record.raised = fs.exc[0].__name__ if fs.exc else "exception"
            elif not frame.f_code.co_flags & _GENERATOR_FLAGS:  # a generator's call gives no value here
                fs.record.value = arg
                fs.record.returned = True
        self._frames.pop(frame, None)
        parent = self._owner(frame.f_back)
        self._current = parent.pending.step if parent is not None and parent.pending is not None else None

    def _exit_loop(self, fs: _Frame, loop: _Loop, stopped: bool = False) -> None:
        more = loop.iterations - self.max_iterations
        if more <= 0 or fs.suppressed or any(outer.hits > self.max_iterations for outer in fs.loops):
            return
        assert self._info is not None
        step = self._new_step("skipped", loop.header, "", fs.depth, self._info.source_of(loop.header))
        word = "iteration" if more == 1 else "iterations"
        if stopped:
            step.note = (
                f"… {more} more {word} of the loop at line {loop.header} ran before the step limit stopped the "
                f"script, not shown (the first {self.max_iterations} of {loop.iterations} are shown; see "
                f"--max-iterations)"
            )
        else:
            step.note = (
                f"… {more} more {word} of the loop at line {loop.header} ran, not shown "
                f"(the first {self.max_iterations} of {loop.iterations} are shown; see --max-iterations)"
            )
        step.iteration = loop.iterations

    def _stop(self, frame: types.FrameType, fs: _Frame, start: int) -> None:
        """The step cap: record a notice, close every open step, and stop the script."""
        assert self._info is not None
        for other_frame, other in list(self._frames.items()):
            if other.pending is not None:
                self._finish(other, other_frame, unwinding=True)
        for other in reversed(list(self._frames.values())):  # innermost first: the loops it stopped inside
            while other.loops and not other.transparent:
                self._exit_loop(other, other.loops.pop(), stopped=True)
        step = self._new_step("limit", start, "", fs.depth, self._info.source_of(start))
        stopped = ("This walk stops here; the code itself ran on." if self.embedded else
                   "The script was interrupted here; everything recorded so far is kept.")
        step.note = (
            f"Stopped: the step limit of {self.max_steps} executed lines was reached before line {start} "
            f"ran again. {stopped} Raise the limit with --max-steps (or max_steps=)."
        )
        self.trace.limit = {"kind": "max_steps", "max_steps": self.max_steps, "line": start, "message": step.note}
        self._current = None
        self._frames.clear()
        if self.embedded:
            fs.suppressed = True
            return
        raise StepLimitReached(step.note)


class _Walk(Tracer):
    """The recorder of one walk: generated code run by a traced script, recorded in a trace of its own (the outer
    recorder forwards the events of the code's frame and of the calls it makes)."""

    embedded = True

    def __init__(self, outer: Tracer, filename: str) -> None:
        super().__init__(outer.max_steps, outer.max_iterations, max_output=0)
        self._setup(filename)
        self._started = time.perf_counter()

    def owns(self, frame: types.FrameType | None) -> bool:
        return frame in self._frames

    def on_call(self, frame: types.FrameType, event: str, arg: Any) -> Any:
        return self._global(frame, event, arg)

    def end(self) -> None:
        self._finish_all()
        self.trace.stats = {"executed_lines": self._executed, "recorded_steps": len(self.trace.steps),
                            "seconds": round(time.perf_counter() - self._started, 6)}


def run(
    path: str | os.PathLike[str],
    argv: list[str] | None = None,
    *,
    max_steps: int = DEFAULT_MAX_STEPS,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
    max_output: int = DEFAULT_MAX_OUTPUT,
    timeout: float | None = None,
) -> Trace:
    """Run the script at ``path`` (with ``argv`` as its arguments) and return its trace.

    ``timeout`` (seconds) stops the script with a ``limit`` step (exit_code 3); it needs the main thread and
    cannot interrupt a single long call in C code (see ``chainrule.trace.limits``). ``max_output`` caps the
    printed characters kept in the trace (the output itself is not held back)."""
    return Tracer(max_steps=max_steps, max_iterations=max_iterations, max_output=max_output,
                  timeout=timeout).run(path, argv)
