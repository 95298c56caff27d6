"""saddle-point: gd stalls on the stable manifold, SGD and momentum escape; autograd checks."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from manim import DL, UR

from explain.mlcore.params import ParamError
from explain.mlcore.saddle import (
    EXTENT,
    SURFACE_FUNCS,
    SURFACE_GRADS,
    SaddleParams,
    make_surface,
    saddle_trace,
    verify_saddle_trace,
)
from explain.mlcore.trace import Trace
from explain.scenes.app.plots import PLOTTABLE, plot_trace
from explain.scenes.kit.widgets.numbers import format_number
from explain.scenes.output.files import OutputError
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
    params = SaddleParams(
        surface=surface,
        start=start,
        lr=lr,
        steps=steps,
        noise=noise,
        momentum=momentum,
        seed=seed,
    )
    try:
        trace = saddle_trace(params)
    except ParamError as err:
        assert err.name == "lr" and "diverges" in err.message
        return
    verify_saddle_trace(trace)
    trace.assert_finite()


def test_bad_saddle_input() -> None:
    with pytest.raises(ParamError) as err:
        build_trace("saddle-point", surface="bowl")
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
    assert scene.hessian_text.text == "Hessianat(0,0):eigenvalues−2,2"
    sgd, mom = (trace.extra["outcome"][k]["updates"] for k in ("sgd", "momentum"))
    assert f"off the ridge after {sgd} steps; momentum escapes after {mom}." in scene.captions[-2]


def test_saddle_map_tick_labels_do_not_touch(tmp_path: Path) -> None:
    """Both axes label -extent; centred on the bottom-left corner the two met there."""
    scene = construct_scene(build_trace("saddle-point"), tmp_path)
    boxes = [(m.get_corner(DL), m.get_corner(UR)) for m in scene.tick_labels]
    assert len(boxes) == 6
    for i, (lo_a, hi_a) in enumerate(boxes):
        for lo_b, hi_b in boxes[i + 1 :]:
            apart = (hi_a[:2] < lo_b[:2]) | (hi_b[:2] < lo_a[:2])
            assert apart.any(), "two tick labels overlap"


# --- custom surfaces -----------------------------------------------------------------

CUSTOM_SADDLE = "x**2 - y**2 + 0.05*x**4"


def custom(expr: str, **overrides: str) -> Trace:
    return build_trace("saddle-point", surface="custom", expr=expr, **overrides)


@pytest.mark.parametrize(
    ("surface", "expr"), [("saddle", "x**2 - y**2"), ("monkey", "x**3 - 3*x*y**2")]
)
def test_custom_expression_of_a_builtin_surface_gives_the_same_paths(
    surface: str, expr: str
) -> None:
    """Autograd on the parsed text against the closed-form gradients of the built-in."""
    builtin, typed = build_trace("saddle-point", surface=surface), custom(expr)
    for name in ("gd", "sgd", "momentum"):
        a, b = builtin.extra["paths"][name], typed.extra["paths"][name]
        assert len(a) == len(b)
        for p, q in zip(a, b):
            assert q == pytest.approx(p, rel=1e-9, abs=1e-12)
    for row, expected in zip(typed.extra["grid"]["f"], builtin.extra["grid"]["f"], strict=True):
        assert row == pytest.approx(expected, abs=1e-12)
    assert typed.extra["formula"] == builtin.extra["formula"].replace("3xy", "3·x·y")


@settings(max_examples=25, deadline=None)
@given(st.floats(-2, 2), st.floats(-2, 2))
def test_custom_gradient_and_hessian_against_closed_form(x: float, y: float) -> None:
    """f = x² − y² + 0.05x⁴ + sin(x·y): autograd on the parsed text vs hand derivatives."""
    from explain.mlcore.saddle import autograd_grad, hessian_at

    surface = make_surface("custom", CUSTOM_SADDLE + " + sin(x*y)")
    gx, gy = autograd_grad(surface, x, y)
    c, s_ = math.cos(x * y), math.sin(x * y)
    assert gx == pytest.approx(2 * x + 0.2 * x**3 + y * c, abs=1e-9)
    assert gy == pytest.approx(-2 * y + x * c, abs=1e-9)
    hess, eig = hessian_at(surface, x, y)
    expected = [[2 + 0.6 * x**2 - y * y * s_, c - x * y * s_], [c - x * y * s_, -2 - x * x * s_]]
    assert hess == [pytest.approx(row, abs=1e-9) for row in expected]
    assert eig[0] <= eig[1]


def test_gd_stalls_and_sgd_escapes_on_a_custom_saddle() -> None:
    trace = custom(CUSTOM_SADDLE)
    verify_saddle_trace(trace)
    out, gd = trace.extra["outcome"], trace.extra["paths"]["gd"]
    assert not out["gd"]["escaped"] and out["gd"]["updates"] == 40
    assert all(p[1] == 0.0 for p in gd)
    assert trace.extra["gd_final_grad_norm"] < 0.01
    assert out["sgd"]["escaped"] and out["momentum"]["escaped"]
    saddle = trace.extra["saddle"]
    # Taken where gd ends, not at an assumed origin.
    assert saddle["at"] == "gd_end" and saddle["point"] == gd[-1][:2] and gd[-1][0] != 0.0
    x = gd[-1][0]
    assert saddle["eigenvalues"] == pytest.approx([-2.0, 2 + 0.6 * x * x], abs=1e-12)
    assert saddle["kind"] == "saddle"
    assert saddle["value"] == pytest.approx(x * x + 0.05 * x**4, abs=1e-15)


def test_custom_bowl_is_a_minimum_and_nobody_escapes() -> None:
    trace = custom("x**2 + y**2")
    assert trace.extra["saddle"]["kind"] == "minimum"
    assert not any(o["escaped"] for o in trace.extra["outcome"].values())


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ("x +", "syntax error"),
        ("x**2 - z**2", "unknown variable 'z'"),
        ("x ^ 2", "write **"),
        ("log(x)", "log of a non-positive number"),
        ("1/x", "division by zero"),
        ("x**0.5", "fractional power"),
        ("exp(1000*y)", "too large"),
        ("3", "must use x or y"),
        ("(y**2)**0.5", "gradient of f is not finite"),  # |y| at gd's y = 0
        ("x**2 - 1/y", "division by zero"),
        ("", "surface=custom needs"),
    ],
)
def test_bad_custom_expressions_name_expr(expr: str, words: str) -> None:
    with pytest.raises(ParamError) as err:
        custom(expr)
    assert err.value.name == "expr"
    assert words in err.value.message, err.value.message
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "expr",
    [
        "__import__('os').system('true')",
        "x.__class__",
        "open('/etc/passwd')",
        "eval('x')",
        "(lambda: x)()",
        "[c for c in ()]",
        "x if y else 0",
        "globals()",
    ],
)
def test_escape_attempts_are_refused(expr: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_eval, real_exec = builtins.eval, builtins.exec

    def guard(real: Any) -> Any:
        # Libraries may eval their own strings (typing does); the user's text must not.
        def wrapper(source: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(source, str) and expr in source:
                raise AssertionError("user text reached eval/exec")
            return real(source, *args, **kwargs)

        return wrapper

    monkeypatch.setattr(builtins, "eval", guard(real_eval))
    monkeypatch.setattr(builtins, "exec", guard(real_exec))
    with pytest.raises(ParamError) as err:
        custom(expr)
    assert err.value.name == "expr"


def test_expr_without_custom_surface_is_refused() -> None:
    with pytest.raises(ParamError) as err:
        build_trace("saddle-point", expr="x**2 - y**2")
    assert err.value.name == "surface" and "surface=custom" in err.value.message


def test_domain_error_where_a_path_leaves_the_plot_names_expr() -> None:
    """Defined on the plot, undefined just beyond it where SGD escapes."""
    with pytest.raises(ParamError) as err:
        custom("x**2 - y**2 + log(2.3 - y)", noise="0.5")
    assert err.value.name == "expr" and "path" in err.value.message


def test_verifier_replays_custom_surfaces() -> None:
    trace = custom(CUSTOM_SADDLE)
    trace.params["expr"] = "x**2 - y**2 + 0.06*x**4"
    with pytest.raises(AssertionError):
        verify_saddle_trace(trace)
    trace = custom(CUSTOM_SADDLE)
    trace.extra["saddle"]["point"] = [0.0, 0.0]
    with pytest.raises(AssertionError):
        verify_saddle_trace(trace)


def test_custom_scene_shows_the_point_where_gd_ends(tmp_path: Path) -> None:
    trace = custom(CUSTOM_SADDLE)
    x, y = trace.extra["saddle"]["point"]
    e1, e2 = trace.extra["saddle"]["eigenvalues"]
    scene = construct_scene(trace, tmp_path)
    shown = f"({format_number(x, 4)},{format_number(y, 4)})"
    assert scene.hessian_text.text == (
        f"Hessianat{shown}:eigenvalues{format_number(e1)},{format_number(e2)}"
    )
    where = [c for c in scene.captions if "where gradient descent ends" in c and "Hessian" in c]
    assert where and shown.replace(",", ", ") in where[0]
    gd = trace.extra["outcome"]["gd"]
    assert any(f"after {gd['updates']} steps" in c and "stalls" in c for c in scene.captions)


def test_custom_scene_captions_follow_the_outcome(tmp_path: Path) -> None:
    scene = construct_scene(custom("x**2 + y**2"), tmp_path)
    assert any("both positive: a minimum" in c for c in scene.captions)
    assert any("Neither SGD nor momentum leaves the plot in 40 steps" in c for c in scene.captions)


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


def test_plot_of_a_custom_surface(tmp_path: Path) -> None:
    for expr in (CUSTOM_SADDLE, "x**2 + y**2"):
        out = tmp_path / "custom.svg"
        plot_trace(custom(expr), out)
        text = out.read_text()
        assert "<svg" in text and "where gd ends" in text


def test_plot_refuses_other_suffixes_and_scenes(tmp_path: Path) -> None:
    trace = build_trace("linear-loss")
    with pytest.raises(OutputError):
        plot_trace(trace, tmp_path / "f.jpg")
    trace.scene = "conv"
    with pytest.raises(OutputError):
        plot_trace(trace, tmp_path / "f.png")
    assert list(tmp_path.iterdir()) == []


def test_3d_scene_shows_the_trace_on_the_surface(tmp_path: Path) -> None:
    trace = build_trace("saddle-3d", surface="custom", expr=CUSTOM_SADDLE)
    verify_saddle_trace(trace)
    scene = construct_scene(trace, tmp_path)
    for name in ("sgd", "momentum"):
        steps = trace.extra["outcome"][name]["updates"]
        assert f"after{steps}steps" in scene.outcome_texts[name].text
    e1, e2 = trace.extra["saddle"]["eigenvalues"]
    eig = f"Eigenvalues {format_number(e1)} and {format_number(e2)} have opposite signs"
    assert any(eig in c for c in scene.captions)
    assert any("where gradient descent ends" in c for c in scene.captions)
    # Captions, title and legend stay fixed while the camera moves.
    fixed = scene.renderer.camera.fixed_in_frame_mobjects
    for mob in (scene.caption.current, scene.legend_names, scene.legend_outcomes):
        assert set(mob.family_members_with_points()) <= fixed


def test_contours_are_recorded_on_their_levels_and_a_moved_point_is_refused() -> None:
    from explain.mlcore.saddle_contours import CONTOUR_FRACTIONS, verify_saddle_contours

    trace = saddle_trace(SaddleParams())
    extra = trace.extra
    contours = extra["contours"]
    assert [level["fraction"] for level in contours["levels"]] == list(CONTOUR_FRACTIONS)
    assert all(level["lines"] for level in contours["levels"])  # x² − y² crosses every level
    grid, value = extra["grid"], extra["saddle"]["value"]
    verify_saddle_contours(contours, grid["axis"], grid["f"], value)
    moved = copy.deepcopy(contours)
    point = moved["levels"][0]["lines"][0][0]
    point[0] += 0.013  # off the grid line it was on, and off its level
    with pytest.raises(AssertionError, match="not on level"):
        verify_saddle_contours(moved, grid["axis"], grid["f"], value)
    moved = copy.deepcopy(contours)
    moved["bands"][0]["polygons"][0][0][0] = list(moved["bands"][-1]["polygons"][0][0][0])
    with pytest.raises(AssertionError, match="outside"):
        verify_saddle_contours(moved, grid["axis"], grid["f"], value)
