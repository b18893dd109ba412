"""Prove that every event code a code path writes to the audit log has a Swedish label.

The codes are read from the source: the `action=` of every call, the default of every
`action` parameter, the values of `*_ACTIONS` tables and the codes passed to
`_lesson_changed`. A code built at run time (an f-string, a concatenation) cannot be
checked, so it fails the test too: write each code out.
"""

from __future__ import annotations

import ast
from pathlib import Path

from skolsam.audit.labels import ACTION_LABELS

SRC = Path(__file__).resolve().parents[2]
# Calls whose `action=` is argparse's, not an audit event.
NOT_AUDIT = {"add_argument", "add_parser"}
# Helpers that take the code as a positional argument: name -> its index.
POSITIONAL = {"_lesson_changed": 2}


def _source_files() -> list[Path]:
    return [
        p
        for p in SRC.rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts and "browser_tests" not in p.parts
    ]


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _codes(node: ast.expr, where: str, tables: dict[str, list[str]]) -> tuple[set[str], list[str]]:
    """Return the codes an expression can take, and what could not be read."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}, []
    if isinstance(node, ast.IfExp):
        body, bad_body = _codes(node.body, where, tables)
        orelse, bad_else = _codes(node.orelse, where, tables)
        return body | orelse, bad_body + bad_else
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id in tables
    ):
        return set(tables[node.value.id]), []
    if isinstance(node, ast.Name):
        return set(), []  # a parameter passed on: its callers are read instead
    return set(), [f"{where}: {ast.unparse(node)}"]


def _is_policy_action(node: ast.expr) -> bool:
    """Tell whether `action=` names a permission (core.policy.Action.X), not an audit code."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Action"
    )


def _module_tables(tree: ast.Module) -> dict[str, list[str]]:
    tables = {}
    for node in tree.body:
        target: ast.expr | None = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        value = getattr(node, "value", None)
        if (
            isinstance(target, ast.Name)
            and target.id.endswith("_ACTIONS")
            and isinstance(value, ast.Dict)
        ):
            tables[target.id] = [
                v.value
                for v in value.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            ]
    return tables


def codes_in_source() -> tuple[dict[str, str], list[str]]:
    """Return {code: first place it is written} and the expressions that could not be read."""
    found: dict[str, str] = {}
    unreadable: list[str] = []
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tables = _module_tables(tree)
        for values in tables.values():
            for code in values:
                found.setdefault(code, str(path.relative_to(SRC)))
        for node in ast.walk(tree):
            where = f"{path.relative_to(SRC)}:{getattr(node, 'lineno', 0)}"
            expressions: list[ast.expr] = []
            if isinstance(node, ast.Call) and _name(node.func) not in NOT_AUDIT:
                expressions += [k.value for k in node.keywords if k.arg == "action"]
                index = POSITIONAL.get(_name(node.func))
                if index is not None and len(node.args) > index:
                    expressions.append(node.args[index])
            elif isinstance(node, ast.FunctionDef):
                arguments = node.args.kwonlyargs + node.args.args[-len(node.args.defaults) :]
                defaults = node.args.kw_defaults + list(node.args.defaults)
                expressions += [
                    d
                    for a, d in zip(arguments, defaults, strict=False)
                    if a.arg == "action" and d is not None
                ]
            for expression in expressions:
                if _is_policy_action(expression):
                    continue
                codes, bad = _codes(expression, where, tables)
                unreadable += bad
                # "" is a search filter's default (no action), never a written code.
                for code in codes - {""}:
                    found.setdefault(code, where)
    return found, unreadable


def test_every_action_code_written_has_a_swedish_label():
    found, unreadable = codes_in_source()
    assert not unreadable, f"Write these audit codes out as literals: {unreadable}"
    missing = {code: where for code, where in found.items() if code not in ACTION_LABELS}
    assert not missing, f"Give these audit codes a label in audit/labels.py: {missing}"


def test_the_scan_sees_the_codes_of_every_kind_of_call():
    # If the scan missed whole kinds of call, the test above would pass on nothing.
    found, _ = codes_in_source()
    for code in (
        "person.view",  # audit_person_read's default
        "auth.lockout",  # a *_ACTIONS table
        "lesson.move",  # passed to _lesson_changed
        "attendance.check_out",  # one branch of a conditional
        "attendance.mark",  # the register save's own entries
        "export",  # audit_export
    ):
        assert code in found, code
    assert len(found) > 80
