"""The Python API (explain.scenes.api): the CLI's parameters and errors, from a script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from explain.scenes import api
from explain.scenes.api import OutputError, ParamError, UnknownSceneError
from explain.scenes.cli import app
from tests.conftest import build_trace
from tests.test_imports import imported_after


def test_trace_takes_python_values_and_equals_the_cli_trace() -> None:
    got = api.trace("conv", stride=1, bias=False, padding=0)
    assert got.to_json() == build_trace("conv", stride="1", bias="false", padding="0").to_json()
    result = CliRunner().invoke(
        app, ["trace", "conv", "--set", "stride=1", "--set", "bias=false", "--set", "padding=0"]
    )
    assert result.stdout.strip() == got.to_json()


def test_lists_and_matrices_as_python_values() -> None:
    got = api.trace("conv-single", input=[[1, 2, 3], [4, 5, 6], [7, 8, 9]], kernel=[[1.5]])
    assert got.tensors["input"] == [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]
    assert got.tensors["weight"] == [[[[1.5]]]]
    sgd = api.trace("sgd", x=(1, 2, 3), y=[2.0, 4.0, 6.5], epochs=2)
    assert sgd.params["x"] == [1.0, 2.0, 3.0] and sgd.params["y"] == [2.0, 4.0, 6.5]


def test_sets_passes_parameters_by_name() -> None:
    assert api.trace("conv", sets={"stride": 1}).params["stride"] == 1


@pytest.mark.parametrize(
    ("call", "error", "named"),
    [
        (lambda: api.trace("conv", stride=99), ParamError, "stride: must be an integer from 1"),
        (lambda: api.trace("conv", strid=2), ParamError, "strid: unknown parameter"),
        (lambda: api.trace("conv", kernel="sobel"), ParamError, "kernel: "),
        (lambda: api.trace("conv", stride=object()), ParamError, "stride: cannot pass object"),
        (lambda: api.trace("convv"), UnknownSceneError, "scene: unknown scene 'convv'"),
        (lambda: api.render("conv", quality="ultra"), OutputError, "--quality: must be one of"),
        (lambda: api.render("conv", format="avi"), OutputError, "--format: must be one of"),
        (lambda: api.render("conv", out="/nonexistent/x.mp4"), OutputError, "--out"),
    ],
)
def test_bad_input_raises_a_typed_one_line_error(
    call: Any, error: type[Exception], named: str
) -> None:
    with pytest.raises(error) as err:
        call()
    assert str(err.value).startswith(named) and "\n" not in str(err.value)


def test_info_and_list_scenes() -> None:
    assert [s.name for s in api.info("maxpool")][:2] == ["input_size", "channels"]
    assert "conv-stride" in [e.name for e in api.list_scenes()]


def test_import_explain_is_light_and_reexports_the_api_lazily() -> None:
    light = imported_after("import explain")
    assert not {"torch", "manim", "explain.scenes.api"} & light
    lazy = imported_after("from explain import render, trace")
    assert "explain.scenes.api" in lazy and "manim" not in lazy
    import explain

    assert explain.render is api.render and explain.trace is api.trace
    with pytest.raises(AttributeError):
        explain.no_such_thing  # noqa: B018


def test_the_cli_render_is_the_api_render(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from explain.scenes.app.render import RenderResult

    calls: list[tuple[Any, ...]] = []

    def fake(entry: Any, texts: Any, out: Any, options: Any, force: bool, verify: bool) -> Any:
        calls.append((entry.name, dict(texts), out, options.fmt, options.theme, force, verify))
        out.write_bytes(b"x")
        return RenderResult([out])

    monkeypatch.setattr(api, "render_entry", fake)
    out = tmp_path / "a.gif"
    args = ["render", "conv", "--set", "stride=1", "--out", str(out), "--theme", "light"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert calls == [("conv", {"stride": "1"}, out, "gif", "light", False, True)]


@pytest.mark.render
def test_render_writes_the_file_and_says_which(tmp_path: Path) -> None:
    out = tmp_path / "conv.png"
    result = api.render("conv-single", out=str(out), kernel="sobel-x", force=True)
    assert result.paths == [out] and out.stat().st_size > 1000
    again = api.render("conv-single", out=out, kernel="sobel-x")
    assert again.cached and again.paths == [out]
