"""A lecturer's own `scenes/`, `mlcore/` or `explain.py` in the working folder never stands
in for the installed package: `explain list` and `explain render --all` (whose renders
are subprocesses) work from such a folder.

Before the one `explain` import package, the batch started `python -m scenes.cli`, which
put the working folder first on the import path and failed for every scene there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from explain.scenes.registry import SCENES

EXPLAIN = [sys.executable, "-P", "-m", "explain.scenes.cli"]
# Two of the fastest scenes: the batch path with real subprocesses, not all 25 renders.
BATCH = ("conv-stride", "avgpool")
SHADOW = "raise RuntimeError('the working folder shadowed the installed explain')\n"


@pytest.fixture
def lecture_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder of a Manim project with its own scenes/, mlcore/ and explain.py,
    each of which fails when imported."""
    folder = tmp_path / "lecture"
    for package in ("scenes", "mlcore"):
        (folder / package).mkdir(parents=True)
        (folder / package / "__init__.py").write_text(SHADOW)
        (folder / package / "cli.py").write_text(SHADOW)
        (folder / package / "registry.py").write_text(SHADOW)
    (folder / "explain.py").write_text(SHADOW)
    monkeypatch.chdir(folder)
    return folder


def test_list_from_a_folder_with_its_own_scenes(lecture_folder: Path) -> None:
    proc = subprocess.run(
        [*EXPLAIN, "list"], cwd=lecture_folder, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    listed = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]
    assert listed == [e.name for e in SCENES]


def test_the_shadowing_folder_really_shadows_without_dash_p(lecture_folder: Path) -> None:
    """The folder is a real trap: Python without -P imports its explain.py."""
    proc = subprocess.run(
        [sys.executable, "-m", "explain.scenes.cli", "list"],
        cwd=lecture_folder,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0 and "shadowed the installed explain" in proc.stderr


@pytest.mark.render
def test_render_all_from_a_folder_with_its_own_scenes(
    lecture_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`explain render --all` as the CLI runs it, each scene in its own subprocess started
    from the folder; the table of scenes is cut to two so that the test stays short."""
    from explain.scenes import cli

    monkeypatch.setattr(cli, "all_scenes", lambda: [e for e in SCENES if e.name in BATCH])
    result = CliRunner().invoke(cli.app, ["render", "--all", "--format", "png", "--force"])
    assert result.exit_code == 0, result.output
    for name in BATCH:
        still = lecture_folder / "renders" / f"{name}.png"
        assert still.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    assert "FAILED" not in result.output
