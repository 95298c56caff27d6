"""mlcore never imports manim; the CLI's cheap commands import neither torch nor manim."""

from __future__ import annotations

import subprocess
import sys

import pytest


def imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", ["mlcore", "mlcore.conv", "mlcore.params", "mlcore.trace"])
def test_mlcore_does_not_import_manim(module: str) -> None:
    assert "manim" not in imported_after(f"import {module}")


def test_all_mlcore_modules_do_not_import_manim() -> None:
    code = (
        "import importlib, pkgutil, mlcore\n"
        "for m in pkgutil.iter_modules(mlcore.__path__):\n"
        "    importlib.import_module('mlcore.' + m.name)"
    )
    assert "manim" not in imported_after(code)


def test_list_and_help_import_neither_torch_nor_manim() -> None:
    code = (
        "from typer.testing import CliRunner\n"
        "from scenes.cli import app\n"
        "assert CliRunner().invoke(app, ['list']).exit_code == 0\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0"
    )
    modules = imported_after(code)
    assert "torch" not in modules and "manim" not in modules
