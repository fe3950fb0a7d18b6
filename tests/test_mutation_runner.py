"""scripts/mutate.py's fork runner (scripts/mutate_server.py) plants a mutant by swapping code objects in a forked
process: the edit must reach every reference to the function, leave the parent untouched, and give the same
outcomes as the subprocess runner, which imports a mutated copy of the tree."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.engine import formatting

ROOT = Path(__file__).resolve().parent.parent
LINES = ["engine/formatting.py:32", "engine/formatting.py:34", "engine/formatting.py:35"]  # the repr's _special


@pytest.fixture(scope="module")
def server():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import mutate_server
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return mutate_server


def _mutants(server, path: str, line: int) -> list:
    mutate = server.mutate
    return [m for m, _ in mutate.candidates(mutate.SRC / "chainrule" / path, path.split("/")[0]) if m.line == line]


def test_the_planted_edit_reaches_every_reference_and_only_the_child(server) -> None:
    (m,) = [m for m in _mutants(server, "engine/formatting.py", 32) if m.kind == "branch"]
    patches, why = server.Planter().plan(m)
    assert not why and [(f.__name__, attr) for f, attr, _ in patches] == [("_special", "__code__")]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: plant, then look through the module global and through Tensor.__repr__
        try:
            for f, attr, value in patches:
                setattr(f, attr, value)
            seen = [formatting._special(float("nan")), repr(cr.tensor([float("nan"), 1.0]))]
            os.write(w, json.dumps(seen).encode())
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    with os.fdopen(r) as f:
        special, text = json.loads(f.read())
    assert special is None  # the nan check is gone ...
    assert text == "tensor([nan., 1.])"  # ... also for the repr that reaches _special through its module
    assert formatting._special(float("nan")) == "nan"  # and the parent is untouched
    assert repr(cr.tensor([float("nan"), 1.0])) == "tensor([nan, 1.])"


def test_an_import_time_edit_is_left_to_the_subprocess_runner(server) -> None:
    mutate = server.mutate
    at_import = [m for m, _ in mutate.candidates(mutate.SRC / "chainrule" / "engine" / "formatting.py", "engine")
                 if m.at_import]
    assert at_import
    assert server.Planter().plan(at_import[0]) == ([], "runs at import")


def test_both_runners_agree_on_a_line(tmp_path: Path) -> None:
    outcomes = {}
    for runner in ("fork", "subprocess"):
        out = tmp_path / f"{runner}.json"
        proc = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "mutate.py"), *(f"--only={x}" for x in LINES),
             "--tests", "tests/engine/test_formatting_mutants.py", "--jobs", "1", "--runner", runner,
             "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        results = json.loads(out.read_text())["results"]
        outcomes[runner] = {(r["line"], r["col"], r["description"]): r["outcome"] for r in results}
    assert outcomes["fork"] == outcomes["subprocess"]
    assert sorted(outcomes["fork"].values()) == ["equivalent", "equivalent", "killed", "killed"]


def test_renamed_copies_of_a_function_are_planted_too(server) -> None:
    # ops/out.py makes each op's `out=` wrapper with code.replace(co_name=<the op's name>): those copies hold the
    # edited code under other names, and keep their names once planted
    source = (server.mutate.SRC / "chainrule" / "ops" / "out.py").read_text().splitlines()
    start = next(k for k, text in enumerate(source, 1) if text.startswith("def _compute_wrapper"))
    line = next(k for k in range(start, start + 5) if source[k - 1].strip() == "if out is None:")
    mutants = [m for m in _mutants(server, "ops/out.py", line) if m.kind == "branch"]
    patches, why = server.Planter().plan(mutants[0])
    assert not why
    names = {f.__name__ for f, _, _ in patches}
    assert len(patches) > 10 and "add" in names
    assert all(code.co_name == f.__code__.co_name for f, _, code in patches)


def test_a_default_argument_is_planted_as_the_import_would_evaluate_it(server) -> None:
    # `def sum(input, dim=None, keepdim=False, ...)` at module level: the default is evaluated at import, so the
    # fork runner puts the edited value into the live function's __defaults__ (its code does not change)
    from chainrule.ops import reductions

    source = (server.mutate.SRC / "chainrule" / "ops" / "reductions.py").read_text().splitlines()
    line = next(k for k, text in enumerate(source, 1) if text.startswith("def sum("))
    (m,) = [m for m in _mutants(server, "ops/reductions.py", line) if m.description == "False -> True"]
    assert m.body is not None and not m.at_import
    patches, why = server.Planter().plan(m)
    assert not why and {attr for _, attr, _ in patches} == {"__defaults__"}
    assert reductions.sum in [f for f, _, _ in patches]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            for f, attr, value in patches:
                setattr(f, attr, value)
            os.write(w, json.dumps(list(reductions.sum(cr.ones(2, 3), 0).shape)).encode())
        finally:
            os._exit(0)
    os.close(w)
    os.waitpid(pid, 0)
    with os.fdopen(r) as f:
        assert json.loads(f.read()) == [1, 3]  # keepdim=True in the child
    assert list(reductions.sum(cr.ones(2, 3), 0).shape) == [3]  # the parent keeps keepdim=False
