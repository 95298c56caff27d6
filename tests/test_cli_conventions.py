"""What a user expects of a CLI (Typer's and Manim's conventions): --version, completion,
choices and panels in the help, the default scene named, --frame stills, --preview."""

from __future__ import annotations

import os
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from explain.scenes.cli import app

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"explain {metadata.version('explain')}"


def test_completion_can_be_installed() -> None:
    assert "--install-completion" in run("--help").stdout


def test_render_help_lists_the_choices_in_panels() -> None:
    wide = {"COLUMNS": "200", "TERMINAL_WIDTH": "200"}  # no choice wrapped over two lines
    help_text = runner.invoke(app, ["render", "--help"], env=wide).stdout
    for choices in ("[low|medium|high|4k]", "[mp4|gif|png|webm]", "[dark|light]", "[en|zh]"):
        assert choices in help_text
    for panel in ("Output", "GIF", "Stills", "Batch"):
        assert f"─ {panel}" in help_text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--frame", "3"), ("--frame", "png")),
        (("--format", "png", "--frame", "-1"), ("--frame", ">= 0")),
        (("--format", "png", "--frame", "1", "--at", "2"), ("--at", "not several")),
    ],
)
def test_bad_frame_is_one_line(args: tuple[str, ...], words: tuple[str, ...]) -> None:
    result = run("render", "maxpool", *args)
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line and all(w in line for w in words)


@pytest.mark.render
def test_frame_stills_and_the_default_scene_named(tmp_path: Path) -> None:
    out = tmp_path / "s.png"
    result = run("render", "--format", "png", "--frame", "0", "--frame", "20", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "rendering conv-stride, the default scene" in result.stderr
    stills = sorted(tmp_path.glob("s-*.png"))
    assert [p.name for p in stills] == ["s-00.00s.png", "s-01.33s.png"]  # 20 / 15 fps
    with Image.open(stills[0]) as first:
        assert first.size == (854, 480)
    past = run("render", "maxpool", "--format", "png", "--frame", "100000", "--out", str(out))
    assert past.exit_code == 2 and "past the last frame" in past.stderr


@pytest.mark.render
def test_preview_opens_the_file_with_the_systems_opener(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir, log = tmp_path / "bin", tmp_path / "opened.txt"
    bin_dir.mkdir()
    opener = bin_dir / "xdg-open"
    opener.write_text(f'#!/bin/sh\necho "$1" > {log}\n')
    opener.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "pool.png"
    result = run("render", "maxpool", "--format", "png", "--out", str(out), "--preview")
    assert result.exit_code == 0, result.output
    assert f"opened {out} with xdg-open" in result.stderr
    for _ in range(100):  # the opener runs on its own; give it a moment
        if log.exists():
            break
        time.sleep(0.05)
    assert log.read_text().strip() == str(out)


def test_preview_without_a_viewer_says_where_the_file_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from explain.scenes import cli

    monkeypatch.setattr("shutil.which", lambda name: None)
    out = tmp_path / "x.png"
    cli._preview(out)  # no opener anywhere: a note, never an error


def test_speed_scales_every_animation_and_pause(tmp_path: Path) -> None:
    """--speed 2 halves the scene's clock (and with it the subtitles); 0.5 doubles it."""
    from tests.conftest import build_trace, construct_scene

    trace = build_trace("maxpool")
    lengths = {s: construct_scene(trace, tmp_path, speed=s).time for s in (0.5, 1.0, 2.0)}
    # Each play lasts whole frames (15 fps here), so a short one rounds up a little.
    assert lengths[2.0] == pytest.approx(lengths[1.0] / 2, rel=0.06)
    assert lengths[0.5] == pytest.approx(lengths[1.0] * 2, rel=0.06)
    bad = run("render", "maxpool", "--speed", "2.5")
    assert bad.exit_code == 2 and "--speed: from 0.5 to 2" in bad.stderr
