"""Every name a benchmark in bench/ imports from Skolsam exists, so a refactor that moves a
function cannot leave a benchmark that fails only when someone next runs it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[4] / "bench"


def _imports() -> list[tuple[str, str, str]]:
    found = []
    for script in sorted(BENCH.glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(), filename=str(script))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("skolsam"):
                found += [(script.name, node.module or "", alias.name) for alias in node.names]
            elif isinstance(node, ast.Import):
                found += [
                    (script.name, alias.name, "")
                    for alias in node.names
                    if alias.name.startswith("skolsam")
                ]
    return found


def test_the_benchmarks_import_skolsam_names():
    assert len(_imports()) > 20  # the benchmarks were found


@pytest.mark.parametrize(("script", "module", "name"), _imports())
def test_a_benchmarks_import_resolves(script: str, module: str, name: str) -> None:
    imported = importlib.import_module(module)
    if name and not hasattr(imported, name):
        # `from package import module` names a submodule.
        importlib.import_module(f"{module}.{name}")
