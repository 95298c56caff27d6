"""The CLI contract through Typer's CliRunner: list, info, trace, and every bad-input case."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from explain.mlcore.trace import Trace
from explain.scenes.app import render as render_module
from explain.scenes.cli import app
from explain.scenes.registry import SCENES

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def assert_usage_error(result: Any, *words: str) -> None:
    """Exit 2, one line on stderr naming what is wrong, no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0]


def test_list_shows_every_scene_with_its_description() -> None:
    result = run("list")
    assert result.exit_code == 0
    for entry in SCENES:
        assert any(
            line.startswith(entry.name + " ") and entry.description in line
            for line in result.stdout.splitlines()
        )


def test_info_lists_each_parameter_with_default_and_range() -> None:
    result = run("info", "conv-stride")
    assert result.exit_code == 0
    assert "stride" in result.stdout and "an integer from 1 to 6" in result.stdout
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("stride "))
    assert " 2 " in line  # conv-stride's own default


def test_trace_prints_json_with_the_contract_keys() -> None:
    result = run("trace", "conv-stride")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"scene", "params", "tensors", "steps"} <= set(doc)
    assert doc["scene"] == "conv-stride"
    assert set(doc["tensors"]) >= {"input", "weight", "bias", "output"}
    assert len(doc["steps"]) == 9  # 7x7 input, 3x3 kernel, stride 2 -> 3x3 output


def test_trace_set_changes_parameters() -> None:
    result = run("trace", "conv", "--set", "stride=1", "-s", "padding=0", "--set", "seed=3")
    doc = json.loads(result.stdout)
    assert doc["params"]["stride"] == 1 and doc["params"]["seed"] == 3
    assert len(doc["steps"]) == 9  # 5x5 input, 3x3 kernel


def test_trace_same_command_same_bytes() -> None:
    assert run("trace", "conv-multichannel").stdout == run("trace", "conv-multichannel").stdout


@pytest.mark.parametrize("suffix", ["json", "npz"])
def test_trace_out_file(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"t.{suffix}"
    result = run("trace", "conv-stride", "--out", str(out))
    assert result.exit_code == 0, result.output
    loaded = Trace.from_npz(out) if suffix == "npz" else Trace.from_json(out.read_text())
    assert loaded.scene == "conv-stride"
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("trace", "conv-strid"), ("scene", "conv-stride")),  # suggests the close name
        (("trace", "conv", "--set", "stride=0"), ("stride", "1 to 6")),
        (("trace", "conv", "--set", "stride=two"), ("stride", "integer")),
        (("trace", "conv", "--set", "stride=1.5"), ("stride", "integer")),
        (("trace", "conv", "--set", "input_size=1000"), ("input_size", "1 to 10")),
        (("trace", "conv", "--set", "bias=maybe"), ("bias", "true or false")),
        (("trace", "conv", "--set", "strid=2"), ("strid", "unknown parameter", "stride")),
        (("trace", "conv", "--set", "stride"), ("--set", "key=value")),
        (
            ("trace", "conv-single", "--set", "kernel_size=5", "--set", "input_size=3"),
            ("kernel_size", "larger than the padded input"),
        ),
        (("trace", "conv", "--set", "input_size=10", "--set", "padding=3"), ("padding", "12")),
        (("trace", "conv", "--set", "seed=-1"), ("seed",)),
        (("trace", "conv", "--out", "x.txt"), ("--out", ".json")),
        (("render", "conv", "--quality", "ultra"), ("--quality", "low, medium, high, 4k")),
        (("render", "conv", "--format", "avi"), ("--format", "mp4, gif, png, webm")),
        (("render", "conv", "--fps", "10"), ("--fps", "gif")),
        (("render", "conv", "--format", "gif", "--width", "10"), ("--width", "64")),
        (("render", "conv", "--at", "1"), ("--at", "png")),
        (("render", "conv", "--format", "png", "--at", "nan"), ("--at", ">= 0")),
        (("render", "conv", "--format", "png", "--at", "inf"), ("--at", ">= 0")),
        (("render", "conv", "--format", "png", "--frames", "0"), ("--frames",)),
        (("render", "conv", "--format", "png", "--frames", "2", "--at", "1"), ("--at",)),
        (("render", "conv", "--transparent"), ("--transparent", "webm")),
        (("render", "conv", "--all"), ("--all",)),
        (("render", "--all", "--jobs", "0"), ("--jobs",)),
        (("render", "conv", "--theme", "pink"), ("--theme",)),
        (("render", "conv", "--lang", "fr"), ("--lang", "en, zh")),
        (("render", "conv", "--out", "/nonexistent-dir/x.mp4"), ("--out", "does not exist")),
        (("render", "conv", "--out", "x.gif", "--format", "mp4"), ("--out", ".mp4")),
        (("render", "nope"), ("scene", "unknown")),
    ],
)
def test_bad_input_is_one_line_exit_2(args: tuple[str, ...], words: tuple[str, ...]) -> None:
    assert_usage_error(run(*args), *words)


def test_bad_input_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "x.mp4"
    assert_usage_error(run("render", "conv", "--set", "stride=0", "--out", str(out)), "stride")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root in CI, where permission bits do not stop writes: ask os.access.
    monkeypatch.setattr(render_module.os, "access", lambda *_: False)
    result = run("render", "conv", "--out", str(tmp_path / "x.mp4"))
    assert_usage_error(result, "--out", "not writable")
    assert list(tmp_path.iterdir()) == []


def test_render_calls_the_renderer_with_checked_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[Any, ...]] = []

    def fake_render(entry: Any, trace: Trace, out: Path, options: Any, key: str = "") -> Any:
        calls.append((entry.name, trace.params, out, options))
        out.write_bytes(b"video")
        return render_module.RenderResult([out])

    monkeypatch.setattr(render_module, "render_trace", fake_render)
    out = tmp_path / "a.gif"
    result = run("render", "conv-padding", "--out", str(out), "--set", "seed=5", "--lang", "zh")
    assert result.exit_code == 0, result.output
    (name, params, path, options) = calls[0]
    assert (name, params["seed"], params["padding"], path) == ("conv-padding", 5, 1, out)
    assert (options.fmt, options.quality, options.lang) == ("gif", "low", "zh")
    assert str(out) in result.stdout


def test_render_failure_is_one_line_and_leaves_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> Any:
        raise RuntimeError("encoder exploded")

    monkeypatch.setattr(render_module, "render_trace", broken)
    out = tmp_path / "a.mp4"
    out.write_bytes(b"previous")
    result = run("render", "conv", "--out", str(out))
    assert result.exit_code == 1
    assert "render failed" in result.stderr and "Traceback" not in result.output
    assert out.read_bytes() == b"previous"
    assert list(tmp_path.iterdir()) == [out]


def test_cache_reuses_an_unchanged_render_and_force_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.render_fakes import committing_fake

    calls: list[Path] = []
    monkeypatch.setattr(render_module, "render_trace", committing_fake(calls))
    out = tmp_path / "a.mp4"
    assert run("render", "conv", "--out", str(out)).exit_code == 0
    again = run("render", "conv", "--out", str(out))
    assert again.exit_code == 0 and "up to date" in again.stdout
    assert len(calls) == 1
    assert run("render", "conv", "--out", str(out), "--set", "seed=1").exit_code == 0
    assert len(calls) == 2  # other parameters: rendered
    assert run("render", "conv", "--out", str(out), "--set", "seed=1", "--force").exit_code == 0
    assert len(calls) == 3  # --force: rendered although unchanged
    out.unlink()
    assert run("render", "conv", "--out", str(out), "--set", "seed=1").exit_code == 0
    assert len(calls) == 4  # the file is gone: rendered


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["render", "conv", "--fps", "abc"], ("--fps",)),
        (["render", "--bogus"], ("--bogus",)),
        (["trace"], ("name",)),
    ],
)
def test_console_script_parser_errors_are_one_line(
    argv: list[str], words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    from explain.scenes.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    for word in words:
        assert word.lower() in err[0].lower()


def test_console_script_freezes_the_collector_only_when_it_owns_the_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run as the console script (no argv given), ``main`` skips the shutdown's garbage
    collections; called with arguments, as here in tests, it leaves the collector alone."""
    import gc

    from explain.scenes import cli

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    with pytest.raises(SystemExit):
        cli.main(["list"])
    assert frozen == []
    monkeypatch.setattr(sys, "argv", ["explain", "list"])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 0 and frozen == [True]
    assert "conv-stride" in capsys.readouterr().out


def test_console_script_without_arguments_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    from explain.scenes.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 0
    assert "render" in capsys.readouterr().out


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_plot_writes_a_figure(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"gd.{suffix}"
    result = run("plot", "gradient-descent", "--out", str(out), "--set", "epochs=20")
    assert result.exit_code == 0, result.output
    head = out.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == "png" else b"<svg" in head or b"<?xml" in head
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_plot_of_a_scene_without_a_plot_is_a_usage_error(tmp_path: Path) -> None:
    assert_usage_error(run("plot", "conv", "--out", str(tmp_path / "c.png")), "scene", "plot")
    assert list(tmp_path.iterdir()) == []


def test_slides_bad_output_is_a_usage_error(tmp_path: Path) -> None:
    assert_usage_error(run("slides", "conv", "--out", str(tmp_path / "c.txt")), "--out", ".html")
    assert_usage_error(run("slides", "conv", "--quality", "8k"), "--quality")
    assert list(tmp_path.iterdir()) == []


def test_a_trace_that_disagrees_with_torch_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from explain.scenes.registry import BY_NAME

    entry = BY_NAME["conv"]
    real_build = entry.build

    def tampered(params: Any) -> Trace:
        trace = real_build(params)
        trace.tensors["output"][0][0][0] += 1
        return trace

    monkeypatch.setattr(type(entry), "build", lambda self, params: tampered(params))
    monkeypatch.setenv("EXPLAIN_CACHE_DIR", str(tmp_path / "cache"))  # no verified trace yet
    out = tmp_path / "c.mp4"
    for args in (("trace", "conv"), ("render", "conv", "--out", str(out))):
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert "verification failed" in result.stderr and "Traceback" not in result.output
    assert not out.exists()
