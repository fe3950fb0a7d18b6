"""The fork server behind `scripts/mutate.py` (its default runner): a pytest plugin that collects the tests once,
then, for each mutant, forks, swaps the mutated functions' code objects in place and runs the selected tests in
the child.

Starting a fresh `python -m pytest` for every mutant costs 5-15 s of imports (NumPy, PyTorch, the package) and
collection before the first test runs; a child forked from a process that has done all that starts at once, so a
killed mutant costs well under a second and an exhaustive pass over every mutation point fits in a session.

How a mutant is planted without re-importing anything: the edited file is compiled twice from its syntax tree,
once as it is and once with the edit (`mutate.mutate_tree`, so line numbers and columns stay those of the file).
The two trees of code objects differ only along the path from the module to the function holding the edit (the
function and the functions around it); every live function object whose code is one of those (found once, with
`gc`, by file, first line and positions table, so that a renamed copy of a function is found too) gets the mutated
code (`f.__code__ = ...`, keeping its name). Every reference to the function (an op table, a bound method, a
registered hook, a closure made at import by a factory) then runs the edit, exactly as if the module had been
imported mutated. The child is thrown away, so the server stays clean.

A default argument of a module- or class-level function is evaluated once, at import: its edited expression is
evaluated in the module's globals (as the import would) and put into `__defaults__` / `__kwdefaults__` of every
live function made from that `def`. What this cannot plant is left to the subprocess runner (`mutate.run_one`),
which the driver uses for them: other edits run only at import (module or class level, a default that names a
class-body or enclosing-scope value), an edit that changes a function's free variables (Python refuses the new
code), or a function no live object holds.

Run by `mutate.py` (never by hand):

    MUTATE_SERVE=DIR python -m pytest -p mutate_server -p no:randomly -o addopts= <test files>

DIR/todo.json lists the work; each server claims entries one at a time (an O_EXCL file per entry, so several
servers share one list) and appends one JSON line per entry to DIR/results-<pid>.jsonl.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import importlib
import inspect
import json
import os
import signal
import sys
import time
import types
from pathlib import Path
from typing import Any

import mutate

_Key = tuple[str, int, tuple]


def _codes(code: types.CodeType) -> list[types.CodeType]:
    """A module's code objects, the module first, each function before the functions it defines."""
    out = [code]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out.extend(_codes(const))
    return out


def _key(code: types.CodeType) -> _Key:
    """Where the code comes from (not its name: a copy renamed with `code.replace(co_name=...)` is the same code)."""
    return code.co_filename, code.co_firstlineno, tuple(code.co_positions())


def _live_functions(prefix: str) -> dict[_Key, list[types.FunctionType]]:
    """Every function object of the package alive now, by its code's key."""
    index: dict[_Key, list[types.FunctionType]] = {}
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType) and obj.__code__.co_filename.startswith(prefix):
            index.setdefault(_key(obj.__code__), []).append(obj)
    return index


class Planter:
    """Which live functions get which code for a mutant (None when the fork runner cannot plant it)."""

    def __init__(self) -> None:
        self.prefix = os.path.dirname(importlib.import_module("chainrule").__file__ or "")
        self.index = _live_functions(self.prefix)
        self._sources: dict[str, tuple[str, str, list[types.CodeType]]] = {}

    def _file(self, path: str) -> tuple[str, str, list[types.CodeType]]:
        if path not in self._sources:
            name = path.removesuffix(".py").replace("/", ".")
            imported = name in sys.modules
            module = importlib.import_module(name)  # imported here, before the fork, when imports are lazy
            filename = module.__file__ or ""
            if not imported:  # its functions did not exist when the index was built
                for key, funcs in _live_functions(filename).items():
                    self.index.setdefault(key, []).extend(f for f in funcs if f not in self.index.get(key, []))
            source = Path(filename).read_text()
            self._sources[path] = (filename, source, _codes(compile(ast.parse(source), filename, "exec",
                                                                    dont_inherit=True)))
        return self._sources[path]

    def plan(self, m: mutate.Mutant) -> tuple[list[tuple[types.FunctionType, str, Any]], str]:
        """(function, attribute, value) assignments that plant `m`, or [] and why they cannot."""
        if m.at_import:
            return [], "runs at import"
        filename, source, before = self._file(m.path)
        tree = mutate.mutate_tree(source, m)
        after = _codes(compile(tree, filename, "exec", dont_inherit=True))
        if [(c.co_qualname, c.co_firstlineno) for c in before] != [(c.co_qualname, c.co_firstlineno)
                                                                    for c in after]:
            return [], "the edit adds or drops a nested function"
        changed = [(b, a) for b, a in zip(before[1:], after[1:])
                   if b.co_flags & inspect.CO_OPTIMIZED and b != a]
        if not changed and m.body is not None:  # a default argument of a module- or class-level function
            return self._plan_default(m, filename, source, tree, before)
        if not changed:
            return [], "no function's code changes"
        patches = [(f, "__code__", a.replace(co_name=f.__code__.co_name, co_qualname=f.__code__.co_qualname))
                   for b, a in changed for f in self.index.get(_key(b), [])]
        if not patches:
            return [], "no live function holds the edited code"
        return patches, ""

    def _plan_default(self, m: mutate.Mutant, filename: str, source: str, tree: ast.Module,
                      before: list[types.CodeType]) -> tuple[list[tuple[types.FunctionType, str, Any]], str]:
        """A default argument's new value, evaluated as the import would (in the module's globals), for every
        live function made from that `def` (renamed copies included: `ops/out.py` copies the defaults)."""
        defs = [[n for n in ast.walk(t) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
                for t in (ast.parse(source), tree)]
        edited = [(a, b) for a, b in zip(*defs, strict=True) if ast.dump(a.args) != ast.dump(b.args)]
        if len(edited) != 1:
            return [], "runs at import"
        a, b = edited[0]
        first = min([a.lineno, *(d.lineno for d in a.decorator_list)])
        codes = [c for c in before[1:] if c.co_name == a.name and c.co_firstlineno == first]
        funcs = [f for c in codes for f in self.index.get(_key(c), [])]
        if len(codes) != 1 or not funcs:
            return [], "runs at import"
        names = [x.arg for x in a.args.kwonlyargs]
        new = [(k, None, v) for k, (u, v) in enumerate(zip(a.args.defaults, b.args.defaults, strict=True))
               if ast.dump(u) != ast.dump(v)]
        new += [(k, names[k], v) for k, (u, v) in enumerate(zip(a.args.kw_defaults, b.args.kw_defaults,
                                                                 strict=True))
                if v is not None and ast.dump(u) != ast.dump(v)]
        if len(new) != 1:
            return [], "runs at import"
        k, kw, node = new[0]
        namespace = sys.modules[m.path.removesuffix(".py").replace("/", ".")].__dict__
        try:
            value = eval(compile(ast.fix_missing_locations(ast.Expression(node)), filename, "eval"), namespace)
        except Exception:  # noqa: BLE001 - a name of the class body or the enclosing scope: only the import knows
            return [], "runs at import"
        patches: list[tuple[types.FunctionType, str, Any]] = []
        for f in funcs:
            if kw is not None and f.__kwdefaults__ is not None and kw in f.__kwdefaults__:
                patches.append((f, "__kwdefaults__", {**f.__kwdefaults__, kw: value}))
            elif kw is None and f.__defaults__ is not None and len(f.__defaults__) == len(a.args.defaults):
                patches.append((f, "__defaults__", f.__defaults__[:k] + (value,) + f.__defaults__[k + 1:]))
        return (patches, "") if patches else ([], "no live function holds the edited default")


def _select(items: dict[str, Any], order: list[Any], tests: list[str]) -> list[Any]:
    """The collected items for test ids, files or folders, in the order given (each once)."""
    seen: set[str] = set()
    out = []
    for t in tests:
        t = t.rstrip("/")
        hits = [items[t]] if t in items else [it for it in order
                                               if it.nodeid.startswith(t + "/") or it.nodeid.startswith(t + "::")]
        for it in hits:
            if it.nodeid not in seen:
                seen.add(it.nodeid)
                out.append(it)
    return out


def _run_child(patches: list, sel: list, write_fd: int) -> None:
    """In the forked child: plant, run until the first failure, report its test id on write_fd, exit (never
    returns)."""
    status = 0
    try:
        os.setpgid(0, 0)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            for f, attr, value in patches:
                setattr(f, attr, value)
        except ValueError:  # the edit changed the free variables
            os._exit(77)
        from _pytest.runner import runtestprotocol

        for k, item in enumerate(sel):
            nxt = sel[k + 1] if k + 1 < len(sel) else None
            reports = runtestprotocol(item, nextitem=nxt, log=False)
            if any(r.failed for r in reports):
                os.write(write_fd, (item.nodeid + "\n").encode())
                status = 1
                break
    except BaseException as e:  # noqa: BLE001 - anything the mutant breaks in pytest itself is a kill
        os.write(write_fd, f"<{type(e).__name__} outside a test>\n".encode())
        status = 3
    os._exit(status)


def run_forked(patches: list, sel: list, timeout: float) -> tuple[str, list[str]]:
    """'killed', 'survived', 'timeout' or 'fallback' (Python refused the code), and the failing test ids."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _run_child(patches, sel, w)
    os.close(w)
    os.set_blocking(r, False)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    status = None
    while status is None:
        try:
            while chunk := os.read(r, 65536):
                chunks.append(chunk)
        except BlockingIOError:
            pass
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(raw)
        elif time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            status = "timeout"
        else:
            time.sleep(0.01)
    with contextlib.suppress(ProcessLookupError, PermissionError):  # what the tests started goes with the child
        os.killpg(pid, signal.SIGKILL)
    try:
        while chunk := os.read(r, 65536):
            chunks.append(chunk)
    except BlockingIOError:
        pass
    os.close(r)
    failed = [x for x in b"".join(chunks).decode(errors="replace").splitlines() if x]
    if status == "timeout":
        return "timeout", failed
    if status == 77:
        return "fallback", []
    return ("survived" if status == 0 else "killed"), failed


def _claim(work: Path, i: int) -> bool:
    try:
        os.close(os.open(work / f"claim-{i}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


def serve(session: Any, work: Path) -> None:
    order = list(session.items)
    items = {it.nodeid: it for it in order}
    planter = Planter()
    todo = json.loads((work / "todo.json").read_text())
    with open(work / f"results-{os.getpid()}.jsonl", "a", buffering=1) as out:
        for entry in todo:
            if not _claim(work, entry["i"]):
                continue
            start = time.perf_counter()
            sel = _select(items, order, entry["tests"])
            m = mutate.Mutant(**{k: tuple(v) if isinstance(v, list) else v for k, v in entry["mutant"].items()})
            why = "" if sel else "its tests were not collected"
            patches: list = []
            if not why:
                patches, why = planter.plan(m)
            if why:
                outcome, failed = "fallback", []
            else:
                outcome, failed = run_forked(patches, sel, entry["timeout"])
                why = "" if outcome != "fallback" else "the edit changes the free variables"
                if outcome == "killed" and failed and failed[0] in items:
                    # the same tests up to the failing one, unmutated: a kill counts only if they pass
                    upto = sel[:next(k for k, it in enumerate(sel) if it.nodeid == failed[0]) + 1]
                    if run_forked([], upto, entry["timeout"])[0] != "survived":
                        outcome, why = "fallback", f"{failed[0]} fails in the fork without the edit too"
            out.write(json.dumps({"i": entry["i"], "outcome": outcome, "failed": failed[:1], "why": why,
                                  "seconds": round(time.perf_counter() - start, 2)}) + "\n")


def pytest_runtestloop(session: Any) -> bool | None:
    work = os.environ.get("MUTATE_SERVE")
    if not work:
        return None
    if session.testsfailed and not session.config.option.continue_on_collection_errors:
        print("mutate_server: collection errors", file=sys.stderr)
    serve(session, Path(work))
    return True
