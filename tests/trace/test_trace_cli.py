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
