"""The architecture as tests: which layer may import which, and what cheap commands load.

- ``mlcore`` never imports manim;
- in ``scenes``: the engine imports nothing from the kit, the topics or the app; output
  never imports manim, nor the kit, topics or app; topics use the kit, never the engine;
  the kit never imports a topic or the app;
- no import cycles between modules;
- ``explain list`` and ``--help`` import neither torch nor manim, nor Dask.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import explain

PACKAGE = Path(explain.__file__).parent


def imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(("explain", *parts))


def source_modules() -> dict[str, Path]:
    found = {}
    for folder in ("mlcore", "scenes"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            found[module_name(path)] = path
    return found


def imports_of(path: Path) -> set[str]:
    """Every ``explain...`` module that this file imports, at any depth of the code."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n.split(".")[0] in ("explain", "manim", "scenes", "mlcore")}


MODULES = source_modules()


def layer(module: str) -> str:
    """'mlcore', 'topics', 'kit', 'engine', 'output', 'app', or 'surface' (cli, registry)."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] == "mlcore":
        return "mlcore"
    return parts[2] if len(parts) > 2 and parts[2] in LAYERS else "surface"


LAYERS = ("topics", "kit", "engine", "output", "app")
# Which layers each layer may import (besides itself and third-party packages).
ALLOWED = {
    "mlcore": set(),
    "output": {"mlcore"},
    "engine": {"output"},
    "kit": {"engine", "output", "mlcore"},
    "topics": {"kit", "mlcore"},
    "app": {"kit", "output", "engine", "mlcore", "surface"},
    "surface": {"app", "output", "kit", "mlcore", "surface"},
}


def test_the_layers_are_the_folders() -> None:
    scenes = PACKAGE / "scenes"
    folders = {p.name for p in scenes.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(LAYERS)
    loose = {p.name for p in scenes.glob("*.py")}
    assert loose == {"__init__.py", "api.py", "cli.py", "registry.py"}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_imports_only_allowed_layers(module: str) -> None:
    own = layer(module)
    for imported in imports_of(MODULES[module]):
        top = imported.split(".")[0]
        assert top != "scenes" and top != "mlcore", f"{module} imports {imported}: use explain."
        if top == "manim":
            assert own not in ("mlcore", "output"), f"{module} ({own}) imports manim"
            continue
        other = layer(imported)
        assert other == own or other in ALLOWED[own], f"{module} ({own}) imports {imported}"


def test_no_import_cycles() -> None:
    graph = {m: {i for i in imports_of(p) if i in MODULES and i != m} for m, p in MODULES.items()}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, "import cycle: " + " -> ".join([*visiting, node])
        visiting.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        visiting.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


@pytest.mark.parametrize(
    "module",
    ["explain.mlcore", "explain.mlcore.conv", "explain.mlcore.params", "explain.mlcore.trace"],
)
def test_mlcore_does_not_import_manim(module: str) -> None:
    assert "manim" not in imported_after(f"import {module}")


def test_all_mlcore_modules_do_not_import_manim() -> None:
    code = (
        "import importlib, pkgutil, explain.mlcore as mlcore\n"
        "for m in pkgutil.iter_modules(mlcore.__path__):\n"
        "    importlib.import_module('explain.mlcore.' + m.name)"
    )
    assert "manim" not in imported_after(code)


def test_output_modules_do_not_import_manim() -> None:
    code = (
        "import importlib, pkgutil, explain.scenes.output as output\n"
        "for m in pkgutil.iter_modules(output.__path__):\n"
        "    importlib.import_module('explain.scenes.output.' + m.name)"
    )
    assert "manim" not in imported_after(code)


def test_list_and_help_import_neither_torch_nor_manim() -> None:
    code = (
        "from typer.testing import CliRunner\n"
        "from explain.scenes.cli import app\n"
        "assert CliRunner().invoke(app, ['list']).exit_code == 0\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0"
    )
    modules = imported_after(code)
    assert "torch" not in modules and "manim" not in modules
    assert "distributed" not in modules and "dask" not in modules


def test_the_local_batch_does_not_import_dask() -> None:
    # Only --scheduler loads Dask (scenes/app/cluster.py); local batches never pay for it.
    modules = imported_after("import explain.scenes.cli, explain.scenes.app.batch")
    assert "distributed" not in modules and "dask" not in modules
