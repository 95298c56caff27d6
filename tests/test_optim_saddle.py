"""saddle-point: gd stalls on the stable manifold, SGD and momentum escape; autograd checks."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcore.params import ParamError
from mlcore.saddle import (
    EXTENT,
    SURFACE_FUNCS,
    SURFACE_GRADS,
    SaddleParams,
    saddle_trace,
    verify_saddle_trace,
)
from scenes.plots import PLOTTABLE, plot_trace
from scenes.render import OutputError
from tests.conftest import build_trace, construct_scene


@pytest.mark.parametrize("surface", ["saddle", "monkey"])
def test_gd_stalls_while_sgd_and_momentum_escape(surface: str) -> None:
    trace = build_trace("saddle-point", surface=surface)
    out = trace.extra["outcome"]
    gd = trace.extra["paths"]["gd"]
    assert not out["gd"]["escaped"] and out["gd"]["updates"] == 40
    assert all(p[1] == 0.0 for p in gd)  # never leaves the stable manifold y = 0
    assert math.hypot(gd[-1][0], gd[-1][1]) < 0.1  # ends near the saddle
    assert trace.extra["gd_final_grad_norm"] < 0.02  # gradient almost zero: stalled
    for name in ("sgd", "momentum"):
        assert out[name]["escaped"], name
        end = trace.extra["paths"][name][-1]
        assert max(abs(end[0]), abs(end[1])) > EXTENT
        assert end[2] < -1.0  # well below the saddle's value 0
    assert out["momentum"]["updates"] < out["sgd"]["updates"]


def test_saddle_hessian_has_opposite_signs() -> None:
    trace = build_trace("saddle-point")
    saddle = trace.extra["saddle"]
    assert saddle["eigenvalues"] == [-2.0, 2.0]
    assert saddle["hessian"] == [[2.0, 0.0], [0.0, -2.0]]
    assert build_trace("saddle-point", surface="monkey").extra["saddle"]["eigenvalues"] == [0, 0]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["saddle", "monkey"]), st.floats(-2, 2), st.floats(-2, 2))
def test_closed_form_gradients_equal_autograd(surface: str, x: float, y: float) -> None:
    p = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
    SURFACE_FUNCS[surface](p[0], p[1]).backward()
    assert p.grad is not None
    gx, gy = SURFACE_GRADS[surface](x, y)
    assert gx == pytest.approx(float(p.grad[0]), abs=1e-9)
    assert gy == pytest.approx(float(p.grad[1]), abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(
    st.sampled_from(["saddle", "monkey"]),
    st.tuples(st.floats(-1.9, 1.9), st.floats(-1.9, 1.9)),
    st.floats(0.01, 0.15),
    st.integers(1, 60),
    st.floats(0, 1),
    st.floats(0, 0.95),
    st.integers(0, 2**31 - 1),
)
def test_awkward_settings_verify_or_refuse(
    surface: str,
    start: tuple[float, float],
    lr: float,
    steps: int,
    noise: float,
    momentum: float,
    seed: int,
) -> None:
    params = SaddleParams(surface, start, lr, steps, noise, momentum, seed)
    try:
        trace = saddle_trace(params)
    except ParamError as err:
        assert err.name == "lr" and "diverges" in err.message
        return
    verify_saddle_trace(trace)
    trace.assert_finite()


def test_bad_saddle_input() -> None:
    with pytest.raises(ParamError) as err:
        build_trace("saddle-point", surface="custom")
    assert err.value.name == "surface"
    with pytest.raises(ParamError) as err:
        build_trace("saddle-point", start="1")
    assert err.value.name == "start"
    with pytest.raises(ParamError) as err:
        build_trace("saddle-point", surface="monkey", lr="0.5")
    assert err.value.name == "lr" and "diverges" in err.value.message


def test_verifier_catches_a_tampered_path() -> None:
    trace = build_trace("saddle-point")
    trace.extra["paths"]["sgd"][3][1] += 1e-4
    with pytest.raises(AssertionError):
        verify_saddle_trace(trace)


def test_saddle_scene_shows_the_outcomes(tmp_path: Path) -> None:
    trace = build_trace("saddle-point")
    scene = construct_scene(trace, tmp_path)
    for name in ("sgd", "momentum"):
        steps = trace.extra["outcome"][name]["updates"]
        assert f"after{steps}steps" in scene.outcome_texts[name].text
    assert "−2" in scene.hessian_text.text and "2" in scene.hessian_text.text


# --- static plots -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PLOTTABLE))
def test_plot_trace_writes_png_and_svg(name: str, tmp_path: Path) -> None:
    trace = build_trace(name, epochs="3") if name in ("sgd", "gradient-descent") else None
    trace = trace or build_trace(name)
    png, svg = tmp_path / "f.png", tmp_path / "f.svg"
    plot_trace(trace, png)
    plot_trace(trace, svg)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text()
    assert text.startswith("<?xml") and "<svg" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.png", "f.svg"]  # no leftovers


def test_plot_refuses_other_suffixes_and_scenes(tmp_path: Path) -> None:
    trace = build_trace("linear-loss")
    with pytest.raises(OutputError):
        plot_trace(trace, tmp_path / "f.jpg")
    trace.scene = "conv"
    with pytest.raises(OutputError):
        plot_trace(trace, tmp_path / "f.png")
    assert list(tmp_path.iterdir()) == []
