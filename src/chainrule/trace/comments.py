"""Explanations from a script's own comments, the lesson introduction, and the hide markers.

* A block of full-line comments directly above a statement (no blank line between) explains it.
* A trailing comment on a statement's line explains it too (after the block, if both exist).
* The module docstring is the lesson's introduction.
* ``# trace: hide`` at the end of a line hides that statement (a compound statement such as a
  ``def``, ``for`` or ``if`` is hidden with its whole body, and calls to a hidden function are hidden).
* ``# trace: hide-start`` ... ``# trace: hide-end`` on lines of their own hide every line between them.

Hidden lines still run and still print; they are only left out of the walkthrough.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import tokenize
from dataclasses import dataclass, field

MARKER = re.compile(r"\btrace:\s*(hide-start|hide-end|hide)\b")


@dataclass
class Comments:
    intro: str | None = None
    explanations: dict[int, str] = field(default_factory=dict)  # statement line -> text
    hidden: set[int] = field(default_factory=set)  # physical lines hidden from the walkthrough


def _comment_tokens(source: str) -> list[tuple[int, str, bool]]:
    """(line, text, is_full_line) for every comment; the text has its '#' and spaces stripped."""
    out = []
    lines = source.splitlines()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                row, col = tok.start
                full = lines[row - 1][:col].strip() == ""
                out.append((row, tok.string.lstrip("#").strip(), full))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return out


def statement_starts(tree: ast.AST) -> dict[int, ast.stmt]:
    """Physical line -> the innermost statement whose own lines (header, for compound ones) cover it."""
    owner: dict[int, ast.stmt] = {}

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                first = min([child.lineno] + [d.lineno for d in getattr(child, "decorator_list", [])])
                for line in range(first, (child.end_lineno or child.lineno) + 1):
                    owner[line] = child
            visit(child)

    visit(tree)
    return owner


def extract(source: str, tree: ast.Module | None = None) -> Comments:
    """Read explanations, the introduction and hidden lines from a script's source."""
    result = Comments()
    if tree is None:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            return result
    owner = statement_starts(tree)
    lines = source.splitlines()

    first_value = getattr(tree.body[0], "value", None) if tree.body else None
    if isinstance(tree.body[0] if tree.body else None, ast.Expr) and isinstance(first_value, ast.Constant):
        doc = first_value.value
        if isinstance(doc, str):
            result.intro = inspect.cleandoc(doc)
            result.hidden.update(range(tree.body[0].lineno, (tree.body[0].end_lineno or tree.body[0].lineno) + 1))

    comments = _comment_tokens(source)
    by_line = {row: (text, full) for row, text, full in comments}

    hide_from: int | None = None
    for row, text, full in comments:
        match = MARKER.search(text)
        if not match:
            continue
        kind = match.group(1)
        if kind == "hide-start" and full:
            hide_from = row
        elif kind == "hide-end" and full and hide_from is not None:
            result.hidden.update(range(hide_from, row + 1))
            hide_from = None
        elif kind == "hide" and not full:
            stmt = owner.get(row)
            if stmt is not None:
                first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
                result.hidden.update(range(first, (stmt.end_lineno or stmt.lineno) + 1))
            else:
                result.hidden.add(row)
    if hide_from is not None:
        result.hidden.update(range(hide_from, len(lines) + 1))

    def clean(text: str) -> str:
        return MARKER.sub("", text).strip()

    seen: set[int] = set()
    for stmt in sorted({id(s): s for s in owner.values()}.values(), key=lambda s: s.lineno):
        start = stmt.lineno
        if start in seen:
            continue
        seen.add(start)
        first = min([start] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        # the comment block directly above the statement (or its first decorator)
        block: list[str] = []
        row = first - 1
        while row >= 1 and row in by_line and by_line[row][1]:
            block.append(clean(by_line[row][0]))
            row -= 1
        block.reverse()
        # trailing comments on the statement's own header lines
        end = stmt.lineno if isinstance(stmt, _COMPOUND) else (stmt.end_lineno or stmt.lineno)
        trailing = [
            clean(by_line[r][0])
            for r in range(start, end + 1)
            if r in by_line and not by_line[r][1] and owner.get(r) is stmt
        ]
        text = "\n".join(t for t in block + trailing if t)
        if text:
            result.explanations[start] = text
    return result


_COMPOUND = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.Match,
)
if hasattr(ast, "TryStar"):
    _COMPOUND = (*_COMPOUND, ast.TryStar)
