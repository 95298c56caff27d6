"""Scenes read like a table of contents: no function in scenes/ or mlcore/ runs over
MAX_LINES lines (decorators and docstring included); a longer one is split into named
steps, as ``BackpropScene.construct`` is."""

from __future__ import annotations

import ast
from pathlib import Path

import explain

PACKAGE = Path(explain.__file__).parent
MAX_LINES = 60


def function_lengths(path: Path) -> dict[str, int]:
    """'module.py:Class.function' -> its number of lines, for every function in ``path``."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    end = child.end_lineno or child.lineno
                    found[name] = end - child.lineno + 1
                visit(child, f"{name}.")

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


def long_functions() -> dict[str, int]:
    found = {}
    for folder in ("scenes", "mlcore"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            where = path.relative_to(PACKAGE).as_posix()
            for name, lines in function_lengths(path).items():
                if lines > MAX_LINES:
                    found[f"{where}:{name}"] = lines
    return found


def test_no_function_is_longer_than_the_limit() -> None:
    too_long = long_functions()
    assert not too_long, f"functions over {MAX_LINES} lines, split them: {too_long}"


def test_the_measure_counts_every_line(tmp_path: Path) -> None:
    body = "".join(f"        x{i} = {i}\n" for i in range(MAX_LINES))
    source = tmp_path / "m.py"
    source.write_text(f"class A:\n    def f(self) -> None:\n{body}")
    assert function_lengths(source) == {"A.f": MAX_LINES + 1}
