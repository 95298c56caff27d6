"""No user text reaches eval/exec, a shell or an attribute-reaching format string."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from explain.scenes.cli import app
from explain.scenes.registry import SCENES

runner = CliRunner()

ESCAPES = [
    "__import__('pathlib').Path('{marker}').touch()",
    "exec(\"open('{marker}','w')\")",
    "eval(\"open('{marker}','w')\")",
    "$(touch {marker})",
    "`touch {marker}`",
    "; touch {marker}",
    "| touch {marker}",
    "{{0.__class__.__mro__[1].__subclasses__()}}",
    "%(x)s{{x.__globals__}}",
    "lambda: open('{marker}','w')",
    "[c for c in ().__class__.__bases__[0].__subclasses__()]",
]


def string_parameters() -> list[tuple[str, str]]:
    return [
        (entry.name, spec.name)
        for entry in SCENES
        for spec in entry.param_specs()
        if spec.type_name == "str"
    ]


@pytest.mark.parametrize(("scene", "param"), string_parameters())
def test_classic_escapes_are_data_never_code(scene: str, param: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for template in ESCAPES:
        text = template.format(marker=marker)
        result = runner.invoke(app, ["trace", scene, "--set", f"{param}={text}"])
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
        assert not marker.exists(), f"{scene} {param} ran {text!r}"
        assert "__subclasses__" not in result.stdout or result.exit_code == 0


def test_there_are_string_parameters_to_test() -> None:
    # backprop's expression, values and parameter names, the optimiser's surface, the RNN's
    # strings: if none were found the escape test above would be vacuous.
    assert len(string_parameters()) >= 3


def test_library_never_calls_eval_exec_or_a_shell() -> None:
    # Bare eval/exec/compile calls (not torch's model.eval() or re.compile), and shells.
    forbidden = re.compile(r"(?<![\w.])(eval|exec|compile)\(|shell=True|os\.system\(|os\.popen\(")
    root = Path(__file__).resolve().parent.parent
    for package in ("mlcore", "scenes"):
        for path in (root / package).rglob("*.py"):
            hits = [
                line
                for line in path.read_text().splitlines()
                if forbidden.search(line) and not line.lstrip().startswith("#")
            ]
            assert not hits, f"{path.name}: {hits}"
