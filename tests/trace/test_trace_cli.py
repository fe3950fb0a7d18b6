"""`chainrule trace`: formats, options before or after the script, exit codes."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.cli import trace_cmd
from chainrule.trace import validate

SCRIPT = '''"""A tiny lesson."""
import sys
w, x, b = 1.5, 2.0, -1.0
z = w * x + b  # the weighted input
print("z =", z, "args =", sys.argv[1:])
'''


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="chainrule trace")
    trace_cmd.add_arguments(parser)
    return trace_cmd.run(parser.parse_args(list(argv)))


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "lesson.py"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


def test_json_on_stdout_is_pure_and_follows_the_schema(script: Path, capsys) -> None:
    assert _cli(str(script), "one", "--format", "json") == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert validate(data) == []
    assert data["script"]["argv"] == ["one"]
    assert "z = 2.0 args = ['one']" in err  # the script's output moves to stderr only in this mode
    assert data["output"] == "z = 2.0 args = ['one']\n"
    step = next(s for s in data["steps"] if s["source"].startswith("z = w"))
    assert step["substitution"] == ["w * x + b", "1.5 * 2.0 + -1.0", "3.0 + -1.0", "2.0"]
    assert data["explanations"][str(step["line"])] == "the weighted input"


def test_terminal_view_follows_the_scripts_own_output(script: Path, capsys) -> None:
    assert _cli("--max-iterations", "4", str(script)) == 0
    out, _ = capsys.readouterr()
    assert out.startswith("z = 2.0 args = []\n")
    assert "w * x + b = 1.5 * 2.0 + -1.0 = 3.0 + -1.0 = 2.0" in out


def test_markdown_to_a_file_and_html_page(script: Path, tmp_path: Path, capsys) -> None:
    md, page = tmp_path / "out.md", tmp_path / "page.html"
    assert _cli(str(script), "--format=md", "-o", str(md), "--html", str(page)) == 0
    out, err = capsys.readouterr()
    assert out == "z = 2.0 args = []\n"
    assert "A tiny lesson." in md.read_text(encoding="utf-8")
    assert "data-cr-trace" in page.read_text(encoding="utf-8")
    assert "wrote the lesson page" in err


def test_script_arguments_after_double_dash(script: Path, capsys) -> None:
    assert _cli(str(script), "--", "--format", "x") == 0
    out, _ = capsys.readouterr()
    assert "args = ['--format', 'x']" in out


def test_exit_codes(tmp_path: Path, capsys) -> None:
    boom = tmp_path / "boom.py"
    boom.write_text("x = 1\nraise SystemExit(5)\n", encoding="utf-8")
    assert _cli(str(boom)) == 5
    loop = tmp_path / "loop.py"
    loop.write_text("while True:\n    pass\n", encoding="utf-8")
    assert _cli(str(loop), "--max-steps", "50") == 3
    assert "step limit of 50" in capsys.readouterr().err
    bad = tmp_path / "bad.py"
    bad.write_text("def (:\n", encoding="utf-8")
    assert _cli(str(bad)) == 2
    assert _cli(str(tmp_path / "missing.py")) == 2
    assert _cli(str(boom), "--max-steps", "0") == 2
    err = tmp_path / "err.py"
    err.write_text("1 / 0\n", encoding="utf-8")
    assert _cli(str(err)) == 1
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_as_a_real_command(script: Path) -> None:
    """Through `python -m chainrule trace`, as a user types it (needs the whole CLI to import)."""
    done = subprocess.run(
        [sys.executable, "-m", "chainrule", "trace", str(script), "--format", "md"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("z = 2.0 args = []\n# Trace of `lesson.py`")


# ----------------------------------------------------------------------------- --timeout and --max-output
import os  # noqa: E402
import textwrap  # noqa: E402

HANGS = {
    "sleep": "import time\nx = 1\ntime.sleep(600)\nx = 2\n",
    "c_loop": "x = 1\ns = sum(range(10**13))\n",  # one call into C: only killing the process stops it
    "joined_thread": textwrap.dedent("""\
        import threading
        def spin():
            n = 0
            while True:
                n += 1
        t = threading.Thread(target=spin)
        t.start()
        t.join()
        """),
    "untraced_loop": "import sys\nsys.settrace(None)\nn = 0\nwhile True:\n    n += 1\n",
    "swallowing_loop": "import sys\nsys.settrace(None)\nn = 0\nwhile True:\n    try:\n        n += 1\n"
                       "    except BaseException:\n        pass\n",  # swallows the stop, which is raised again
}


def _run_cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chainrule", *argv], cwd=cwd, capture_output=True, text=True,
                          timeout=180)


@pytest.mark.parametrize("name", sorted(HANGS))
def test_timeout_stops_every_kind_of_hang(tmp_path: Path, name: str) -> None:
    (tmp_path / f"{name}.py").write_text(HANGS[name])
    run = _run_cli("trace", f"{name}.py", "--timeout", "1", "--format", "json", cwd=tmp_path)
    assert run.returncode == 3, run.stderr
    if name == "swallowing_loop" and "could not be interrupted" not in run.stderr:
        assert "the time limit of 1 s was reached" in run.stderr
        return
    if name in ("c_loop", "swallowing_loop"):
        assert "could not be interrupted" in run.stderr and "it was killed, so there is no trace" in run.stderr
        return
    data = json.loads(run.stdout)
    assert validate(data) == []
    assert data["limit"]["kind"] == "timeout" and data["limit"]["timeout"] == 1 and data["exit_code"] == 3
    assert data["steps"][-1]["event"] == "limit" and "time limit of 1 s" in data["steps"][-1]["note"]
    assert data["settings"]["timeout"] == 1
    assert "the time limit of 1 s was reached" in run.stderr


def test_threads_left_running_are_stopped_at_the_deadline(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text(HANGS["joined_thread"].replace("t.join()\n", "x = 1\n"))
    run = _run_cli("trace", "t.py", "--timeout", "1", cwd=tmp_path)
    assert run.returncode == 3
    assert "x = 1" in run.stdout  # the script itself finished and its trace is shown
    assert "left 1 thread(s) running (Thread-1 (spin)) past the time limit; they were stopped" in run.stderr


def test_timeout_is_checked(tmp_path: Path, script: Path) -> None:
    for bad in ("0", "-1", "soon", "nan", "inf"):
        run = _run_cli("trace", str(script), "--timeout", bad, cwd=tmp_path)
        assert run.returncode == 2 and run.stderr.startswith("chainrule trace: --timeout: ")
        assert run.stderr.count("\n") == 1
    run = _run_cli("trace", str(script), "--timeout", "60", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0 and json.loads(run.stdout)["limit"] is None  # a script in time: as without


def test_the_trace_api_takes_a_timeout(tmp_path: Path) -> None:
    import time

    import chainrule as cr

    path = tmp_path / "sleep.py"
    path.write_text(HANGS["sleep"])
    trace = cr.trace.run(path, timeout=0.5)
    assert trace.exit_code == 3 and trace.limit["kind"] == "timeout" and trace.limit["line"] == 3
    assert trace.last("x") == 1
    with cr.trace(timeout=0.5) as t:
        y = 1
        time.sleep(30)
        y = 2
    assert y == 1 and t.limit["kind"] == "timeout"
    with pytest.raises(ValueError, match="timeout"):
        cr.trace.Tracer(timeout=0)


def test_printed_output_is_capped_in_the_trace(tmp_path: Path) -> None:
    import chainrule as cr

    path = tmp_path / "loud.py"
    path.write_text("for i in range(5):\n    print('x' * 9)\n")
    trace = cr.trace.run(path, max_output=25)
    assert trace.output.startswith("xxxxxxxxx\n" * 2 + "xxxxx\n… [output truncated: the script printed 50")
    assert trace.stats["output_chars"] == 50 and trace.stats["output_kept"] == 25
    assert sum(len(s.printed) for s in trace.steps) == 25
    assert cr.trace.run(path).stats.get("output_kept") is None


# The peak resident size of this process alone: VmHWM (ru_maxrss would include the forking parent's size on Linux)
_PEAK = textwrap.dedent("""
    import sys
    from chainrule.cli.main import main
    code = main(["trace", sys.argv[1], "--format", sys.argv[2]])
    with open("/proc/self/status") as fh:
        peak = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    with open(sys.argv[3], "w") as fh:
        fh.write(f"{code} {peak // 1024}")
""")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="measures VmHWM in /proc (Linux)")
@pytest.mark.parametrize("fmt", ["terminal", "json"])
def test_printing_200_mb_keeps_memory_bounded(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "loud.py").write_text("chunk = 'x' * 999_999\nfor i in range(200):\n    print(chunk)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run([sys.executable, "-c", _PEAK, "loud.py", fmt, "peak.txt"], cwd=tmp_path, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    assert run.returncode == 0
    code, peak = (tmp_path / "peak.txt").read_text().split()
    assert code == "0" and int(peak) < 150, peak  # 433 MB (terminal) and 1 GB (json) before the cap
