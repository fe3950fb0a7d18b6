"""scripts/mutate.py's EQUIVALENT list stays in step with the source: every entry names a mutation point that
exists (an entry left behind by an edit would do nothing, or, for a line whose text occurs more than once, point at
another line's mutant and exclude a real bug from the score), and an entry without an occurrence number names a
line whose text is unique in its file."""
from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def mutate():
    spec = importlib.util.spec_from_file_location("chainrule_mutate_script", ROOT / "scripts" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_every_equivalent_entry_names_one_existing_mutation_point(mutate) -> None:
    points = defaultdict(list)  # (path, source, col, description) -> occurrences
    for package in mutate.PACKAGES:
        for path in sorted((mutate.SRC / "chainrule" / package).rglob("*.py")):
            for m, _ in mutate.candidates(path, package):
                key = (m.path.removeprefix("chainrule/"), m.source, m.col - m.indent, m.description)
                points[key].append(m.occurrence)
    stale, ambiguous = [], []
    for path, source, col, description, _reason, *occurrence in mutate.EQUIVALENT:
        found = points.get((path, source, col, description), [])
        if occurrence:
            if occurrence[0] not in found:
                stale.append(f"{path}: {source!r} col {col} {description} (occurrence {occurrence[0]})")
        elif not found:
            stale.append(f"{path}: {source!r} col {col} {description}")
        elif len(set(found)) > 1:
            ambiguous.append(f"{path}: {source!r} col {col} {description} (occurs {len(set(found))} times)")
    assert not stale, "EQUIVALENT entries that match no mutation point:\n" + "\n".join(stale)
    assert not ambiguous, "EQUIVALENT entries without an occurrence on a repeated line:\n" + "\n".join(ambiguous)
