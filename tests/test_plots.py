"""`explain plot` in both languages: Chinese glyphs render, bytes repeat, keys come from the tables.

The plain en plots (png and svg, custom surface, refused suffixes) are in test_optim_saddle.py;
the CLI's plot basics in test_cli.py.
"""

from __future__ import annotations

import string
import warnings
from pathlib import Path
from typing import Any

import matplotlib
import pytest

from explain.mlcore.trace import Trace
from explain.scenes.app import plots
from explain.scenes.app.plots import PLOTTABLE, plot_trace
from explain.scenes.kit.i18n import TABLES
from tests.conftest import build_trace
from tests.test_cli import assert_usage_error, run

pytestmark = pytest.mark.render  # matplotlib figures drawn and written as PNG and SVG

CUSTOM_SADDLE = "x**2 - y**2 + 0.05*x**4"


def small_trace(name: str) -> Trace:
    """The scene's default trace, with few epochs where that is a parameter (faster)."""
    return (
        build_trace(name, epochs="3") if name in ("sgd", "gradient-descent") else build_trace(name)
    )


def plot_keys(lang: str) -> set[str]:
    return {key for key in TABLES[lang] if key.startswith("plot.")}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("name", sorted(PLOTTABLE))
def test_zh_plot_writes_a_png_with_every_glyph(name: str, tmp_path: Path) -> None:
    out = tmp_path / f"{name}.png"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_trace(small_trace(name), out, lang="zh")
    # Agg warns "Glyph 26799 (\N{...}) missing from font(s) DejaVu Sans." per missing glyph.
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_zh_custom_surface_plot_has_every_glyph(tmp_path: Path) -> None:
    trace = build_trace("saddle-point", surface="custom", expr=CUSTOM_SADDLE)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_trace(trace, tmp_path / "custom.svg", lang="zh")
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    assert "梯度下降终点" in (tmp_path / "custom.svg").read_text()


@pytest.mark.parametrize("name", sorted(PLOTTABLE))
def test_same_trace_gives_the_same_png_bytes(name: str, tmp_path: Path) -> None:
    trace = small_trace(name)
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    plot_trace(trace, first, lang="zh")
    plot_trace(trace, second, lang="zh")
    assert first.read_bytes() == second.read_bytes()


def test_plotting_leaves_matplotlib_settings_alone(tmp_path: Path) -> None:
    before = dict(matplotlib.rcParams)
    plot_trace(small_trace("gradient-descent"), tmp_path / "gd.png", lang="zh")
    assert dict(matplotlib.rcParams) == before


def test_every_plot_string_comes_from_both_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: set[str] = set()
    real_tr = plots.tr

    def recording_tr(key: str, lang: str = "en", **values: Any) -> str:
        used.add(key)
        return real_tr(key, lang, **values)

    monkeypatch.setattr(plots, "tr", recording_tr)
    traces = [small_trace(name) for name in sorted(PLOTTABLE)]
    traces.append(build_trace("saddle-point", surface="custom", expr=CUSTOM_SADDLE))
    for i, trace in enumerate(traces):
        plot_trace(trace, tmp_path / f"{i}.svg", lang="zh")
    assert plot_keys("en") == plot_keys("zh")
    assert used == plot_keys("zh")  # every string drawn is a plot. key, and no key is unused
    for key in used:
        assert fields(TABLES["en"][key]) == fields(TABLES["zh"][key]), key


@pytest.mark.parametrize(
    ("args", "shown", "absent"),
    [(("--lang", "zh"), "梯度下降", "Gradient descent"), ((), "Gradient descent", "梯度")],
)
def test_cli_plot_draws_in_the_language_asked_for(
    tmp_path: Path, args: tuple[str, ...], shown: str, absent: str
) -> None:
    out = tmp_path / "gd.svg"
    result = run("plot", "gradient-descent", "--set", "epochs=3", *args, "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()  # svg keeps each text as a comment beside its glyph paths
    assert shown in text and absent not in text


def test_cli_plot_unknown_lang_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "gd.png"
    result = run("plot", "gradient-descent", "--lang", "fr", "--out", str(out))
    assert_usage_error(result, "--lang", "en, zh")
    assert list(tmp_path.iterdir()) == []
