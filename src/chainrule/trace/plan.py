"""What to record for one statement, worked out once from its AST and reused at every execution."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


@dataclass
class StmtPlan:
    """What to look at for one statement, worked out once from its AST."""

    stmt: ast.stmt | None
    display: ast.expr | None  # expression whose substitution chain is shown
    evaluate: list[ast.expr]  # expressions evaluated only to match calls
    loads: set[str]
    targets: list[str]
    mutated: list[str]
    backward: bool  # the line calls .backward(): show tensors whose gradient changed
    loop_header: bool
    # `self.w = ...`, `d[k] = ...`: (text, a Load copy of the target to read its new value)
    target_exprs: list[tuple[str, ast.expr]] = field(default_factory=list)


def _names(node: ast.AST | None, ctx: type) -> list[str]:
    if node is None:
        return []
    out = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ctx) and sub.id not in out:
            out.append(sub.id)
    return out


def _base_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def plan_statement(stmt: ast.stmt | None) -> StmtPlan:
    if stmt is None:
        return StmtPlan(None, None, [], set(), [], [], False, False)
    display: ast.expr | None = None
    evaluate: list[ast.expr] = []
    targets: list[str] = []
    mutated: list[str] = []
    header: list[ast.AST] = [stmt]
    if isinstance(stmt, ast.Assign):
        display = stmt.value
        for t in stmt.targets:
            targets += _names(t, ast.Store)
            if isinstance(t, ast.Attribute | ast.Subscript) and (b := _base_name(t)):
                mutated.append(b)
    elif isinstance(stmt, ast.AugAssign):
        if isinstance(stmt.target, ast.Name):
            display = ast.BinOp(left=ast.Name(id=stmt.target.id, ctx=ast.Load()), op=stmt.op, right=stmt.value)
            targets.append(stmt.target.id)
        else:  # `self.total += x` reads as `self.total + x`
            left = ast.parse(ast.unparse(stmt.target), mode="eval").body
            display = ast.BinOp(left=left, op=stmt.op, right=stmt.value)
            if b := _base_name(stmt.target):
                mutated.append(b)
    elif isinstance(stmt, ast.AnnAssign):
        display = stmt.value
        targets += _names(stmt.target, ast.Store)
    elif isinstance(stmt, ast.Return):
        display = stmt.value
    elif isinstance(stmt, ast.If | ast.While):
        display = stmt.test
        header = [stmt.test]
    elif isinstance(stmt, ast.For | ast.AsyncFor):
        evaluate = [stmt.iter]
        targets += _names(stmt.target, ast.Store)
        header = [stmt.iter, stmt.target]
    elif isinstance(stmt, ast.Expr):
        evaluate = [stmt.value]
    elif isinstance(stmt, ast.Import | ast.ImportFrom):
        targets = [(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"]
    elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        targets = [stmt.name]
        header = list(stmt.decorator_list)
    elif isinstance(stmt, ast.With | ast.AsyncWith):
        header = list(stmt.items)
        for item in stmt.items:
            targets += _names(item.optional_vars, ast.Store)
    elif isinstance(stmt, ast.Try | ast.Pass | ast.Break | ast.Continue):
        header = []
    loads: set[str] = set()
    for part in header:
        loads.update(_names(part, ast.Load))
        for sub in ast.walk(part):
            if isinstance(sub, ast.NamedExpr):
                targets += _names(sub.target, ast.Store)
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and (b := _base_name(sub.func.value)):
                mutated.append(b)
    if isinstance(stmt, ast.AugAssign):
        loads.update(_names(stmt.target, ast.Store))
    backward = any(
        isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "backward"
        for sub in ast.walk(stmt)
        if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    )
    loop_header = isinstance(stmt, ast.For | ast.AsyncFor | ast.While)
    mutated = [m for m in dict.fromkeys(mutated) if m not in targets]
    if isinstance(display, ast.Constant | ast.Name):
        display = None  # `msg = "hi"`, `y = z2`: nothing to compute (the value is shown anyway)
    target_exprs: list[tuple[str, ast.expr]] = []
    if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign):
        for t in getattr(stmt, "targets", None) or [getattr(stmt, "target", None)]:
            if isinstance(t, ast.Attribute | ast.Subscript):
                text = ast.unparse(t)
                target_exprs.append((text, ast.parse(text, mode="eval").body))
    elif isinstance(stmt, ast.Delete):
        mutated += [b for t in stmt.targets if isinstance(t, ast.Attribute | ast.Subscript) and (b := _base_name(t))]
    plan = StmtPlan(stmt, display, evaluate, loads, list(dict.fromkeys(targets)), mutated, backward, loop_header)
    plan.target_exprs = target_exprs
    return plan
