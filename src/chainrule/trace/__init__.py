"""Execution-state tracer: any Python script, line by line, with its values.

``chainrule.trace`` is callable, so both of these work::

    import chainrule as cr

    with cr.trace() as t:      # trace the lines of a block
        z = w * x + b
    t = cr.trace.run("lesson.py", argv=[])   # trace a whole script

The trace object shows itself in Jupyter and has ``to_json()``, ``to_markdown()``, ``to_html(path)``.
Nothing here imports the engine: tensors are recognised by duck typing.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from .limits import TimeLimitReached
from .model import Step, Trace
from .recorder import DEFAULT_MAX_ITERATIONS, DEFAULT_MAX_OUTPUT, DEFAULT_MAX_STEPS, StepLimitReached, Tracer, run
from .schema import SCHEMA_NAME, SCHEMA_VERSION, validate
from .source import register_source

__all__ = [
    "DEFAULT_MAX_ITERATIONS",
    "DEFAULT_MAX_OUTPUT",
    "DEFAULT_MAX_STEPS",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "Step",
    "StepLimitReached",
    "TimeLimitReached",
    "Trace",
    "Tracer",
    "register_source",
    "run",
    "validate",
]


class _CallableModule(types.ModuleType):
    """Lets ``cr.trace(...)`` stand for ``cr.trace.Tracer(...)``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Tracer:
        return Tracer(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
