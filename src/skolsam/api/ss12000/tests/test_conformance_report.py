"""docs/ss12000-conformance.md covers the whole spec, and every test it cites exists.

The report has one `### \\`METHOD /path\\`` section per operation of the official YAML, with
a table row per parameter: query and path parameters, the keys of a lookup's body, and
`(body)` for a write's body. No database: the spec and the markdown are read as files.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from skolsam.api.ss12000.docs import METHODS, load_spec

ROOT = Path(__file__).resolve().parents[5]
REPORT = ROOT / "docs" / "ss12000-conformance.md"
STATUSES = {"served", "partly", "not served", "in progress (issue 10)"}

HEADING = re.compile(r"^### `([A-Z]+) (/\S*)`$")
ROW = re.compile(r"^\| `([^`]+)` \| [^|]+ \| ([^|]+?) \| [^|]*\| (.+) \|$")
CITATION = re.compile(r"`([\w./-]+\.py)::(\w+)")


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def spec_operations() -> dict[tuple[str, str], set[str]]:
    """Every (METHOD, path) of the spec and the names of what it takes."""
    spec = load_spec()
    if spec is None:
        pytest.fail("the SS 12000 spec is missing: set SKOLSAM_SS12000_SPEC_PATH")
    out: dict[tuple[str, str], set[str]] = {}
    for path, item in spec["paths"].items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            params = item.get("parameters", []) + op.get("parameters", [])
            names = {_resolve(spec, p)["name"] for p in params}
            if "requestBody" in op:
                body = _resolve(spec, op["requestBody"])
                schema = _resolve(spec, body["content"]["application/json"]["schema"])
                if path.endswith("/lookup"):
                    names |= set(schema.get("properties", {}))
                else:
                    names.add("(body)")
            out[(method.upper(), path)] = names
    return out


@cache
def report() -> dict[tuple[str, str], dict[str, tuple[str, str]]]:
    """The report's operations: each parameter's status and tests cell."""
    out: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
    current: dict[str, tuple[str, str]] | None = None
    for line in REPORT.read_text(encoding="utf-8").splitlines():
        if heading := HEADING.match(line):
            current = out.setdefault((heading[1], heading[2]), {})
        elif line.startswith("#"):
            current = None
        elif current is not None and (row := ROW.match(line)):
            current[row[1]] = (row[2].strip(), row[3].strip())
    return out


def test_every_operation_of_the_spec_is_in_the_report_and_nothing_else() -> None:
    spec, documented = set(spec_operations()), set(report())
    assert not spec - documented, f"missing from the report: {sorted(spec - documented)}"
    assert not documented - spec, f"not in the spec: {sorted(documented - spec)}"


def test_every_parameter_of_the_spec_is_in_the_report() -> None:
    missing, extra = [], []
    for op, names in spec_operations().items():
        rows = set(report().get(op, {}))
        missing += [f"{op[0]} {op[1]} {name}" for name in sorted(names - rows)]
        extra += [f"{op[0]} {op[1]} {name}" for name in sorted(rows - names)]
    assert not missing, f"parameters missing from the report: {missing}"
    assert not extra, f"rows for parameters the spec does not have: {extra}"


def test_every_row_has_a_known_status_and_a_served_one_names_its_proof() -> None:
    for (method, path), rows in report().items():
        for name, (status, tests) in rows.items():
            where = f"{method} {path} {name}"
            assert status in STATUSES, f"{where}: unknown status {status!r}"
            if status in ("served", "partly"):
                # Honest either way: a test, or the word.
                assert CITATION.search(tests) or tests == "untested", where


@cache
def _functions(file: Path) -> frozenset[str]:
    tree = ast.parse(file.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )


def test_every_cited_test_exists() -> None:
    text = REPORT.read_text(encoding="utf-8")
    cited = set(CITATION.findall(text))
    assert cited, "the report cites no tests"
    wrong = []
    for file_name, test in sorted(cited):
        file = ROOT / file_name
        if not file.is_file():
            wrong.append(f"{file_name}: no such file")
        elif not test.startswith("test_") or test not in _functions(file):
            wrong.append(f"{file_name}::{test}: no such test")
    assert not wrong, wrong
