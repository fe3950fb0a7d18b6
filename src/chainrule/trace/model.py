"""The trace object: what a run recorded, and its views (JSON, Markdown, HTML, terminal)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from .schema import SCHEMA_NAME, SCHEMA_VERSION


@dataclass
class Step:
    """One recorded moment, in execution order (see docs/trace.md for every field)."""

    index: int
    event: str  # "line", "call" (a traced function was entered), "skipped" (loop cap), "limit"
    line: int
    function: str
    depth: int
    source: str
    assigned: list[dict[str, Any]] = field(default_factory=list)
    substitution: list[str] | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    args: list[dict[str, Any]] | None = None  # for "call" steps: the parameters
    returned: dict[str, Any] | None = None
    printed: str = ""
    output_end: int = 0
    exception: dict[str, Any] | None = None
    iteration: int | None = None
    note: str | None = None

    def value(self, name: str) -> dict[str, Any] | None:
        """The summary of ``name`` as this step assigned it, or None."""
        for item in self.assigned:
            if item["name"] == name:
                return item
        return None


@dataclass
class Trace:
    """Everything recorded while tracing a script or a ``with cr.trace():`` block."""

    path: str = ""
    argv: list[str] = field(default_factory=list)
    intro: str | None = None
    source: list[str] = field(default_factory=list)
    explanations: dict[int, str] = field(default_factory=dict)
    hidden: list[int] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    output: str = ""
    exception: dict[str, Any] | None = None
    limit: dict[str, Any] | None = None
    exit_code: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    # generated code the script called (a compiled step's replay), each walked line by line in a trace of its own;
    # the step that made the call has a note naming the walk
    walks: list[Trace] = field(default_factory=list)

    # ---- queries -------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return os.path.basename(self.path) if self.path else "<trace>"

    def values(self, name: str) -> list[dict[str, Any]]:
        """Every value assigned to ``name``, in order (summaries: 'repr', 'value', ...)."""
        return [v for step in self.steps if (v := step.value(name)) is not None]

    def last(self, name: str) -> Any:
        """The last value recorded for ``name``: a number/string when it has one, else its repr."""
        found = self.values(name)
        if not found:
            raise KeyError(name)
        item = found[-1]
        return item.get("value", item["repr"])

    def steps_at(self, line: int) -> list[Step]:
        return [s for s in self.steps if s.line == line]

    # ---- views -----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_NAME,
            "version": SCHEMA_VERSION,
            "script": {"path": self.path, "name": self.name, "argv": list(self.argv)},
            "intro": self.intro,
            "source": list(self.source),
            "explanations": {str(k): v for k, v in sorted(self.explanations.items())},
            "hidden": sorted(self.hidden),
            "steps": [asdict(s) for s in self.steps],
            "output": self.output,
            "exception": self.exception,
            "limit": self.limit,
            "exit_code": self.exit_code,
            "settings": dict(self.settings),
            "stats": dict(self.stats),
            "walks": [w.to_dict() for w in self.walks],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trace:
        steps = [Step(**s) for s in data.get("steps", [])]
        return cls(
            path=data["script"]["path"],
            argv=list(data["script"].get("argv", [])),
            intro=data.get("intro"),
            source=list(data.get("source", [])),
            explanations={int(k): v for k, v in data.get("explanations", {}).items()},
            hidden=list(data.get("hidden", [])),
            steps=steps,
            output=data.get("output", ""),
            exception=data.get("exception"),
            limit=data.get("limit"),
            exit_code=int(data.get("exit_code", 0)),
            settings=dict(data.get("settings", {})),
            stats=dict(data.get("stats", {})),
            walks=[cls.from_dict(w) for w in data.get("walks", [])],
        )

    @classmethod
    def from_json(cls, text: str) -> Trace:
        return cls.from_dict(json.loads(text))

    def to_markdown(self) -> str:
        from .render_md import render_markdown

        return render_markdown(self)

    def to_html(self, path: str | os.PathLike[str] | None = None) -> str:
        """The self-contained lesson page; written to ``path`` when given. Returns the HTML."""
        from .render_html import render_html

        html = render_html(self)
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(html)
        return html

    def to_text(self) -> str:
        from .render_terminal import render_plain

        return render_plain(self)

    def print(self, file: Any = None) -> None:
        """Show the trace in the terminal (rich when installed, plain text otherwise)."""
        from .render_terminal import print_trace

        print_trace(self, file=file)

    def _repr_html_(self) -> str:
        from .render_html import render_fragment

        return render_fragment(self)

    def __repr__(self) -> str:
        extra = ""
        if self.exception:
            extra = f", exception={self.exception.get('type')}"
        if self.limit:
            extra += ", stopped at the step limit"
        return f"<Trace {self.name}: {len(self.steps)} steps{extra}>"
