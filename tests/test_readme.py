"""Every command the README shows runs as written, in a fresh copy of the checkout.

The README's ``sh`` blocks are read line by line. An ``explain`` command runs as it is
written (through ``python -P -m explain.scenes.cli``, which is what the console script
runs), with its redirections, in a temporary folder holding a copy of the files the README
names (the lecture files, the example picture, the example plugin) and no renders, and
must exit 0 and write something. The quick-start scripts run their own ``explain``
lines (their set-up is what this suite already runs in). A command of any other kind must
be named in ``NOT_RUN`` with the reason, so a README line can never be added that nothing
checks.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXPLAIN = [sys.executable, "-P", "-m", "explain.scenes.cli"]

# README lines (as written, without their comment) that this test does not run.
_NOT_RUN = {
    "./scripts/test.sh": "it is the command that runs this test",
    "make lint": "runs the linters scripts/test.sh runs, plus a format check",
    "./scripts/test.sh --fast": "runs a part of the suite this test belongs to",
    "./scripts/cluster-demo.sh": "renders the whole gallery through a two-worker Dask cluster;"
    " tests/test_cluster.py renders through a real LocalCluster",
    "explain render --all --quality high --lang zh --out-dir course/zh "
    "--scheduler tcp://10.0.0.5:8786": "needs a Dask cluster at that address; tests/test_cluster.py"
    " renders through a real LocalCluster",
    "pip install ./examples/plugin": "installs into the environment; tests/test_plugins.py"
    " installs the same package into a temporary folder and renders its scene",
    'EXPLAIN_TORCH="torch==2.13.0" EXPLAIN_TORCH_INDEX="https://download.pytorch.org/whl/cu124" '
    "./scripts/demo.sh": "installs a CUDA build from PyTorch's index, which CI cannot reach",
}
# What a command may name, copied from the checkout into its working folder.
COPIED = ("lectures", "docs", "examples")
# Scripts whose ``explain`` lines run in their place (after the set-up they start with).
SCRIPTS = {"./scripts/demo.sh": ROOT / "scripts" / "demo.sh"}


def normal(line: str) -> str:
    """A command line in one spelling: its words, re-quoted only where needed."""
    return shlex.join(shlex.split(line, comments=True))


NOT_RUN = {normal(line): why for line, why in _NOT_RUN.items()}


def sh_lines(text: str) -> list[str]:
    """The commands of every ```sh block, comments stripped, continuation lines joined."""
    lines: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.M | re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if shlex.split(line, comments=True):
                lines.append(normal(line))
    return lines


def script_commands(script: Path) -> list[str]:
    """The ``explain`` lines of a quick-start script, as a user would type them."""
    found = []
    for line in script.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == ".venv/bin/explain":
            found.append(shlex.join(["explain", *words[1:]]))
    return found


def readme_commands() -> list[str]:
    commands: list[str] = []
    for line in sh_lines((ROOT / "README.md").read_text(encoding="utf-8")):
        if line in NOT_RUN:
            continue
        commands.extend(script_commands(SCRIPTS[line]) if line in SCRIPTS else [line])
    return commands


def run_as_written(command: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """Run one ``explain`` line; ``> FILE`` sends stdout to FILE, as the shell would."""
    words = shlex.split(command)
    stdout_file = None
    if ">" in words:
        at = words.index(">")
        words, stdout_file = words[:at], cwd / words[at + 1]
    assert words[0] == "explain", f"not an explain command: {command}"
    out = stdout_file.open("wb") if stdout_file else subprocess.PIPE
    try:
        return subprocess.run(
            [*EXPLAIN, *words[1:]], cwd=cwd, stdout=out, stderr=subprocess.PIPE, env=os.environ
        )
    finally:
        if stdout_file:
            out.close()  # type: ignore[union-attr]


def test_every_sh_line_is_run_or_named() -> None:
    for line in sh_lines((ROOT / "README.md").read_text(encoding="utf-8")):
        first = shlex.split(line)[0]
        assert line in NOT_RUN or line in SCRIPTS or first == "explain", (
            f"README line {line!r} is neither an explain command nor named in NOT_RUN"
        )
    assert readme_commands(), "no README command found: the parser is broken"


def test_not_run_lines_are_still_in_the_readme() -> None:
    lines = sh_lines((ROOT / "README.md").read_text(encoding="utf-8"))
    assert set(NOT_RUN) <= set(lines), "NOT_RUN names a line the README no longer has"


@pytest.mark.render
@pytest.mark.parametrize("command", readme_commands())
def test_readme_command_runs_as_written(command: str, tmp_path: Path) -> None:
    for folder in COPIED:
        shutil.copytree(ROOT / folder, tmp_path / folder)
    # Taken before the run: a command may write beside a copied file (explain notes).
    copied = {p for folder in COPIED for p in (tmp_path / folder).rglob("*")}
    result = run_as_written(command, tmp_path)
    assert result.returncode == 0, f"{command}\n{result.stderr.decode()[-2000:]}"
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p not in copied]
    if shlex.split(command)[1] not in ("list", "info"):
        assert written, f"{command} wrote nothing"
