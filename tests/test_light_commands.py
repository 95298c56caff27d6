"""Commands that only print (info, list, help, version, completion) never load torch.

torch takes seconds to import on a cold start; these answer in a tenth of that because
every scene's parameters live in a torch-free ``mlcore/<topic>_params.py`` module. Each
case runs the console script's ``main()`` in a fresh interpreter and reports what it
loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from explain.scenes.registry import SCENES

# Runs main(ARGS) as the console script would, then prints the exit code and whether
# torch (or manim) was imported, as JSON on the last line.
RUNNER = """
import json, sys
from explain.scenes.cli import main
try:
    main(json.loads(sys.argv[1]))
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "torch": "torch" in sys.modules, "manim": "manim" in sys.modules}))
"""


def run_cli(args: list[str], env: dict[str, str] | None = None) -> tuple[dict[str, object], str]:
    """The runner's report and everything the command printed before it."""
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=True,
    )
    *printed, last = done.stdout.splitlines()
    return json.loads(last), "\n".join(printed)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["info", "conv-stride"], "stride"),
        (["info", "network"], "layers"),
        (["list"], "conv-stride"),
        (["--help"], "render"),
        (["render", "--help"], "--quality"),
        (["--version"], "explain"),
    ],
)
def test_printing_commands_do_not_import_torch(args: list[str], expected: str) -> None:
    report, printed = run_cli(args)
    assert report == {"code": 0, "torch": False, "manim": False}
    assert expected in printed


def test_shell_completion_does_not_import_torch() -> None:
    # What bash asks when the user presses Tab after `explain re`.
    env = {"_EXPLAIN_COMPLETE": "complete_bash", "COMP_WORDS": "explain re", "COMP_CWORD": "1"}
    report, printed = run_cli([], env)
    assert report["torch"] is False
    assert "render" in printed.split()


def test_every_scenes_parameters_load_without_torch() -> None:
    # `explain info NAME` for all scenes at once: each parameter table is read through
    # the registry, and a topic whose params module imported torch would show here.
    code = (
        "import sys\n"
        "from explain.scenes.registry import SCENES\n"
        "tables = [entry.param_specs() for entry in SCENES]\n"
        "print(sum(1 for specs in tables if specs), 'torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(len(SCENES)), "False"]
