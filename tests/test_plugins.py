"""Plugins: scenes from other packages under the `explain.scenes` entry-point group.

The example package (examples/plugin) is installed into a temporary folder with pip
(offline: no index, no dependencies, no build isolation) and used through the CLI in a
fresh process; broken plugins are fake distributions written next to it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from explain.scenes.registry import SCENES, PluginError, SceneEntry

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "plugin"


def run_cli(site: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """explain's CLI (or ``code``) in a fresh process that sees the packages in ``site``."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(site)]))
    command = ["-c", code] if code else ["-m", "explain.scenes.cli", *args]
    return subprocess.run([sys.executable, "-P", *command], capture_output=True, text=True, env=env)


def fake_plugin(site: Path, dist: str, point: str, module: str, code: str) -> None:
    """An installed distribution as importlib.metadata finds it: a .dist-info folder."""
    (site / f"{module}.py").write_text(code)
    info = site / f"{dist}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[explain.scenes]\n{point} = {module}:scenes\n")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/plugin installed with pip into a temporary folder (a copy is built, so the
    source tree gets no build/ or egg-info)."""
    work = tmp_path_factory.mktemp("plugin")
    source = work / "src"
    shutil.copytree(EXAMPLE, source)
    site = work / "site"
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip, "--no-index", "--target", str(site), str(source)], check=True)
    return site


def test_example_plugin_is_listed_without_torch_or_manim(installed: Path) -> None:
    listed = run_cli(installed, "list")
    assert listed.returncode == 0 and listed.stderr == ""
    assert "dot-product" in listed.stdout and "conv-stride" in listed.stdout
    probe = (
        "from typer.testing import CliRunner\n"
        "from explain.scenes.cli import app\n"
        "assert 'dot-product' in CliRunner().invoke(app, ['list']).stdout\n"
        "import sys; assert not {'torch', 'manim'} & set(sys.modules), 'heavy import'"
    )
    assert run_cli(installed, code=probe).returncode == 0


def test_example_plugin_info_and_verified_trace(installed: Path) -> None:
    info = run_cli(installed, "info", "dot-product")
    assert info.returncode == 0 and "length n of both vectors" in info.stdout
    got = run_cli(installed, "trace", "dot-product", "--set", "size=3", "--set", "seed=2")
    doc = json.loads(got.stdout)
    w, x = doc["tensors"]["w"], doc["tensors"]["x"]
    assert doc["tensors"]["output"] == sum(a * b for a, b in zip(w, x)) and len(w) == 3
    bad = run_cli(installed, "trace", "dot-product", "--set", "size=9")
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "error: size: must be an integer from 1 to 8 (got '9')"
    )


@pytest.mark.render
def test_example_plugin_renders_end_to_end(installed: Path, tmp_path: Path) -> None:
    out = tmp_path / "dot.png"
    args = ("render", "dot-product", "--format", "png", "--out", str(out), "--lang", "zh")
    done = run_cli(installed, *args)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 1000


def test_broken_plugins_are_one_line_each_and_never_break_the_built_ins(tmp_path: Path) -> None:
    fake_plugin(tmp_path, "gone", "gone", "gone_mod", "import no_such_module_anywhere\n")
    clash = (
        "from explain.scenes.registry import SCENES\n"
        "def scenes():\n    return [SCENES[0]]\n"  # a built-in's name
    )
    fake_plugin(tmp_path, "clash", "clash", "clash_mod", clash)
    fake_plugin(tmp_path, "junk", "junk", "junk_mod", "def scenes():\n    return [42]\n")
    listed = run_cli(tmp_path, "list")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == [e.name for e in SCENES]
    warnings = listed.stderr.strip().splitlines()
    assert len(warnings) == 3, listed.stderr
    for plugin, says in (("clash", "is taken"), ("gone", "ModuleNotFoundError"), ("junk", "int")):
        line = next(w for w in warnings if f"plugin '{plugin}'" in w)
        assert says in line
    assert run_cli(tmp_path, "trace", "conv-stride").returncode == 0
    unknown = run_cli(tmp_path, "info", "no-such-scene")  # plugins looked up twice: told once
    lines = unknown.stderr.strip().splitlines()
    assert unknown.returncode == 2 and len(lines) == 4 and lines[-1].startswith("error: scene")


@dataclass(frozen=True)
class NoLimits:
    size: int = 3  # declared without param(): no help, no range


def test_a_plugin_parameter_without_limits_is_refused_naming_the_plugin() -> None:
    entry = SceneEntry(
        name="loose",
        description="no limits",
        params="tests.test_plugins:NoLimits",
        builder="x:y",
        verifier="x:y",
        scene="x:y",
        plugin="loose-plugin",
    )
    with pytest.raises(PluginError) as err:
        entry.make_params({})
    assert str(err.value).startswith("plugin loose-plugin: scene loose: parameter size")


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 8), st.integers(0, 2**31 - 1))
def test_example_plugin_trace_equals_torch_dot(size: int, seed: int) -> None:
    sys.path.insert(0, str(EXAMPLE))  # the example's source, without installing it
    try:
        from explain_dot.compute import DotParams, dot_trace, verify_dot_trace
    finally:
        sys.path.remove(str(EXAMPLE))
    trace = dot_trace(DotParams(size=size, seed=seed))
    verify_dot_trace(trace)
    w, x = torch.tensor(trace.tensors["w"]), torch.tensor(trace.tensors["x"])
    assert trace.tensors["output"] == float(torch.dot(w, x))
    assert [s["running"] for s in trace.steps][-1] == trace.tensors["output"]
    trace.tensors["output"] += 1
    with pytest.raises(AssertionError):
        verify_dot_trace(trace)


def test_render_all_and_the_gallery_include_plugin_scenes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from explain.scenes import registry
    from explain.scenes.app import batch
    from explain.scenes.app.batch import BatchResult
    from explain.scenes.cli import app

    extra = dataclasses.replace(SCENES[0], name="from-a-plugin", plugin="demo")
    monkeypatch.setattr(registry, "plugin_scenes", lambda: (extra,))
    rendered: list[str] = []

    def fake_render_many(items: list[Any], jobs: int, console: Any) -> list[BatchResult]:
        rendered.extend(item.name for item in items)
        return [BatchResult(item.name, item.out, 0.0, True, "") for item in items]

    monkeypatch.setattr(batch, "render_many", fake_render_many)
    monkeypatch.chdir(tmp_path)  # renders/ and the gallery page go here
    assert CliRunner().invoke(app, ["render", "--all"]).exit_code == 0
    assert rendered == [e.name for e in SCENES] + ["from-a-plugin"]
    assert CliRunner().invoke(app, ["gallery"]).exit_code == 0
    assert "## from-a-plugin" in (tmp_path / "renders" / "README.md").read_text()


def test_a_plugin_trace_is_never_kept_in_the_cache(tmp_path: Path) -> None:
    from explain.scenes.app.trace_cache import TraceCache, verified_trace

    cache = TraceCache(tmp_path)
    verified_trace(SCENES[0], {}, cache=cache)
    assert len(list(tmp_path.glob("*.json"))) == 1  # a built-in's is kept
    plugin = dataclasses.replace(SCENES[0], name="from-a-plugin", plugin="demo")
    got = verified_trace(plugin, {}, cache=cache)
    assert got.scene == "from-a-plugin" and len(list(tmp_path.glob("*.json"))) == 1


def test_a_plugin_part_that_cannot_be_imported_is_one_line_naming_the_plugin(
    tmp_path: Path,
) -> None:
    code = (
        "from explain.scenes.registry import SceneEntry\n"
        "def scenes():\n"
        "    return [SceneEntry('half-made', 'verifier missing', 'explain_dot_x:P',"
        " 'explain_dot_x:build', 'explain_dot_x:verify', 'explain_dot_x:Scene')]\n"
    )
    fake_plugin(tmp_path, "half", "half", "half_mod", code)
    done = run_cli(tmp_path, "trace", "half-made")
    assert done.returncode == 2 and done.stderr == (
        "error: plugin half: scene half-made: cannot load explain_dot_x:P:"
        " No module named 'explain_dot_x'\n"
    )


def test_a_plugin_builder_that_fails_is_one_line_naming_the_plugin(tmp_path: Path) -> None:
    code = (
        "from explain.scenes.registry import SceneEntry\n"
        "def build(params):\n    raise ZeroDivisionError('oops')\n"
        "def scenes():\n"
        "    return [SceneEntry('crashes', 'a builder that fails',"
        " 'explain_dot.compute:DotParams', 'crash_mod:build', 'crash_mod:build',"
        " 'crash_mod:build')]\n"
    )
    fake_plugin(tmp_path, "crash", "crash", "crash_mod", code)
    shutil.copytree(EXAMPLE / "explain_dot", tmp_path / "explain_dot")  # its parameters
    done = run_cli(tmp_path, "trace", "crashes")
    assert done.returncode == 2 and done.stderr == (
        "error: plugin crash: scene crashes: its builder failed: ZeroDivisionError: oops\n"
    )
