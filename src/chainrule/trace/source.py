"""What the tracer knows about a traced file before it runs: statements, loops, comments."""

from __future__ import annotations

import ast
import linecache
from dataclasses import dataclass, field

from .comments import Comments, extract, statement_starts

LOOPS = (ast.For, ast.While, ast.AsyncFor)

_GENERATED: set[str] = set()


def register_source(filename: str, text: str) -> None:
    """Register the source of generated code compiled under ``filename`` (a name such as ``<cr.compile step>``):
    tracebacks, debuggers and the tracer can then show its lines (``linecache``), and a traced script that calls
    it gets a line-by-line walk-through of its first run (``Trace.walks``)."""
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    _GENERATED.add(filename)


def is_generated(filename: str) -> bool:
    """Whether ``filename`` names generated code registered with :func:`register_source`."""
    return filename in _GENERATED


@dataclass
class SourceInfo:
    """The parsed source of one traced file."""

    filename: str
    text: str
    lines: list[str]
    tree: ast.Module | None
    comments: Comments = field(default_factory=Comments)
    stmt_line: dict[int, int] = field(default_factory=dict)  # physical line -> statement start line
    stmts: dict[int, ast.stmt] = field(default_factory=dict)  # statement start line -> statement
    loops: dict[int, tuple[int, int]] = field(default_factory=dict)  # loop header -> (first, last line)

    @classmethod
    def from_text(cls, filename: str, text: str) -> SourceInfo:
        try:
            tree: ast.Module | None = ast.parse(text, filename)
        except SyntaxError:
            tree = None
        info = cls(filename, text, text.splitlines(), tree)
        if tree is None:
            return info
        info.comments = extract(text, tree)
        for line, stmt in statement_starts(tree).items():
            info.stmt_line[line] = stmt.lineno
            info.stmts[stmt.lineno] = stmt
            if isinstance(stmt, LOOPS):
                info.loops[stmt.lineno] = (stmt.lineno, stmt.end_lineno or stmt.lineno)
        return info

    @classmethod
    def from_file(cls, filename: str) -> SourceInfo:
        try:
            with open(filename, encoding="utf-8") as fh:
                text = fh.read()
        except OSError:
            text = "".join(linecache.getlines(filename))
        return cls.from_text(filename, text)

    def source_of(self, start: int) -> str:
        """The source text of the statement starting at ``start`` (just the header for compound ones)."""
        stmt = self.stmts.get(start)
        if stmt is None:
            return self.line(start).strip()
        end = stmt.end_lineno or start
        if isinstance(getattr(stmt, "body", None), list):
            end = header_end(stmt)
        return "\n".join(self.lines[start - 1 : end]).strip()

    def line(self, number: int) -> str:
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return ""

    def is_hidden(self, line: int) -> bool:
        return line in self.comments.hidden


def header_end(stmt: ast.stmt) -> int:
    """The last line of a compound statement's header (``for ... in ...:``, ``def f(...):``...)."""
    end = stmt.lineno
    for name, value in ast.iter_fields(stmt):
        if name in ("body", "orelse", "finalbody", "handlers", "cases", "decorator_list"):
            continue
        nodes = value if isinstance(value, list) else [value]
        for node in nodes:
            if isinstance(node, ast.AST) and getattr(node, "end_lineno", None):
                end = max(end, node.end_lineno)
    return end
