"""Optimisation traces against autograd, F.mse_loss and the course's printed numbers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from explain.mlcore.optim import (
    GradientDescentParams,
    LinearLossParams,
    SGDParams,
    grad_closed_form,
    gradient_descent_trace,
    linear_loss_trace,
    sgd_trace,
    smooth_ewma,
    verify_gradient_descent_trace,
    verify_sgd_trace,
)
from explain.mlcore.params import ParamError, check_params
from explain.scenes.kit.widgets.numbers import format_number
from tests.conftest import build_trace, construct_scene

COURSE_X, COURSE_Y = (1.0, 2.0, 3.0), (2.0, 4.0, 6.0)
finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


def no_spaces(text: str) -> str:
    return text.replace(" ", "")  # manim's Text.text drops spaces


# --- linear-loss --------------------------------------------------------------------------


def test_linear_loss_course_search_finds_w_2() -> None:
    trace = build_trace("linear-loss")
    ws = trace.tensors["w"]
    assert len(ws) == 41 and ws[0] == 0.0 and ws[-1] == 4.0 and ws[3] == 0.3
    x, y = torch.tensor(COURSE_X, dtype=torch.float64), torch.tensor(COURSE_Y, dtype=torch.float64)
    for w, mse in zip(ws, trace.tensors["mse"]):
        assert mse == pytest.approx(float(F.mse_loss(w * x, y)), abs=1e-12)
    assert trace.extra["minimum"] == {"index": 20, "w": 2.0, "mse": 0.0}
    assert trace.tensors["mse"][0] == pytest.approx(56 / 3)  # w=0: (4 + 16 + 36) / 3


def test_linear_loss_bad_ranges() -> None:
    with pytest.raises(ParamError) as err:
        check_params(LinearLossParams(w_min=2.0, w_max=1.0))
    assert err.value.name == "w_max"
    with pytest.raises(ParamError) as err:
        check_params(LinearLossParams(w_min=-10, w_max=10, w_step=0.01))
    assert err.value.name == "w_step"


# --- gradient-descent ---------------------------------------------------------------------


def test_gradient_descent_matches_the_course_print() -> None:
    trace = build_trace("gradient-descent")
    w, loss = trace.tensors["w"], trace.tensors["loss"]
    assert len(w) == len(loss) == 101
    assert w[0] == 1.0
    assert w[1] == pytest.approx(1.0933333333333333, abs=1e-15)  # the course's epoch 0 print
    assert loss[0] == pytest.approx(14 / 3)  # cost at w = 1
    assert w[-1] == pytest.approx(2.0, abs=1e-3)
    assert all(a > b for a, b in zip(loss, loss[1:]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=8), finite)
def test_closed_form_gradient_equals_autograd(data: list[tuple[float, float]], w: float) -> None:
    x = torch.tensor([d[0] for d in data], dtype=torch.float64)
    y = torch.tensor([d[1] for d in data], dtype=torch.float64)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    F.mse_loss(wt * x, y).backward()
    assert wt.grad is not None
    assert grad_closed_form(w, x, y) == pytest.approx(float(wt.grad), rel=1e-9, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 1e3), min_size=1, max_size=30), st.floats(0, 0.99))
def test_smoothing_is_bias_corrected_ewma(values: list[float], beta: float) -> None:
    got = smooth_ewma(values, beta)
    weights = [[(1 - beta) * beta ** (t - i) for i in range(t + 1)] for t in range(len(values))]
    for t, ws in enumerate(weights):
        expected = float(np.dot(ws, values[: t + 1])) / sum(ws)  # weights normalised = corrected
        assert got[t] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    if len(set(values)) == 1:  # a constant curve stays put: no pull towards zero
        assert got == pytest.approx(values)


@settings(max_examples=20, deadline=None)
@given(
    st.floats(-3, 3),
    st.floats(0.001, 0.05),
    st.integers(1, 30),
    st.floats(0, 0.99),
)
def test_gradient_descent_awkward_settings_verify(
    w0: float, lr: float, epochs: int, beta: float
) -> None:
    params = GradientDescentParams(w0=w0, lr=lr, epochs=epochs, beta=beta)
    trace = gradient_descent_trace(params)
    verify_gradient_descent_trace(trace)
    trace.assert_finite()


def test_diverging_learning_rate_is_refused() -> None:
    with pytest.raises(ParamError) as err:
        gradient_descent_trace(GradientDescentParams(lr=0.5))
    assert err.value.name == "lr" and "diverges" in err.value.message
    with pytest.raises(ParamError) as err:
        sgd_trace(SGDParams(lr=0.3))  # per epoch |w − 2| grows by 0.4·1.4·4.4 > 1
    assert err.value.name == "lr" and "diverges" in err.value.message


@pytest.mark.parametrize(
    ("name", "overrides", "param"),
    [
        ("gradient-descent", {"lr": "0"}, "lr"),
        ("gradient-descent", {"lr": "-0.1"}, "lr"),
        ("gradient-descent", {"x": "1,2", "y": "1,2,3"}, "y"),
        ("gradient-descent", {"x": ""}, "x"),
        ("gradient-descent", {"x": "1,two,3"}, "x"),
        ("gradient-descent", {"epochs": "100000"}, "epochs"),
        ("sgd", {"batch_size": "0"}, "batch_size"),
        ("sgd", {"batch_size": "7"}, "batch_size"),
        ("sgd", {"shuffle": "maybe"}, "shuffle"),
        ("linear-loss", {"w_step": "abc"}, "w_step"),
    ],
)
def test_bad_input_names_the_parameter(name: str, overrides: dict[str, str], param: str) -> None:
    with pytest.raises(ParamError) as err:
        build_trace(name, **overrides)
    assert err.value.name == param


# --- sgd ----------------------------------------------------------------------------------


def test_sgd_course_first_update() -> None:
    # The course's SGD: sample (1, 2) first, w = 1 − 0.01·2·1·(1·1 − 2) = 1.02.
    trace = sgd_trace(SGDParams(batch_size=1, shuffle=False, lr=0.01, epochs=1))
    assert trace.tensors["w"][1] == pytest.approx(1.02, abs=1e-15)
    assert trace.steps[0]["batch"] == [0]
    assert set(trace.extra["runs"]) == {"batch", "sgd", "minibatch"} - {"minibatch"}


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.booleans(), st.integers(0, 2**31 - 1), st.integers(1, 10))
def test_sgd_runs_verify(batch_size: int, shuffle: bool, seed: int, epochs: int) -> None:
    trace = build_trace(
        "sgd",
        batch_size=str(batch_size),
        shuffle=str(shuffle).lower(),
        seed=str(seed),
        epochs=str(epochs),
    )
    verify_sgd_trace(trace)
    runs = trace.extra["runs"]
    assert runs["sgd"]["updates_per_epoch"] == 6 and runs["batch"]["updates_per_epoch"] == 1
    chosen = runs[trace.extra["chosen"]]
    assert len(trace.tensors["w"]) == chosen["updates_per_epoch"] * epochs + 1
    assert (
        build_trace("sgd", seed=str(seed), epochs=str(epochs)).to_json()
        == build_trace("sgd", seed=str(seed), epochs=str(epochs)).to_json()
    )


def test_sgd_is_noisier_than_batch() -> None:
    runs = build_trace("sgd").extra["runs"]

    def late_spread(run: dict) -> float:
        tail = run["loss"][len(run["loss"]) // 2 :]
        return max(tail) - min(tail)

    assert late_spread(runs["sgd"]) > 10 * late_spread(runs["batch"])


def test_verifier_catches_a_wrong_update() -> None:
    trace = build_trace("gradient-descent")
    trace.tensors["w"][5] += 1e-6
    with pytest.raises(AssertionError):
        verify_gradient_descent_trace(trace)


# --- scenes show the trace's numbers ------------------------------------------------------


def test_linear_loss_scene_shows_the_minimum(tmp_path: Path) -> None:
    trace = build_trace("linear-loss")
    scene = construct_scene(trace, tmp_path)
    best = trace.extra["minimum"]
    assert no_spaces(scene.min_label.text) == no_spaces(
        f"minimum: w = {format_number(best['w'])}, MSE = {format_number(best['mse'])}"
    )
    assert no_spaces(scene.readout_mob.text) == no_spaces(
        f"w = {format_number(best['w'])}    MSE = {format_number(best['mse'])}"
    )
    assert len(scene.mse_curve.points) > 0


def test_gradient_descent_scene_ends_on_the_trace(tmp_path: Path) -> None:
    trace = build_trace("gradient-descent", epochs="12")
    scene = construct_scene(trace, tmp_path)
    w, loss = trace.tensors["w"], trace.tensors["loss"]
    expected = f"epoch 12    w = {format_number(w[-1], 4)}    cost = {format_number(loss[-1], 4)}"
    assert no_spaces(scene.readout_mob.text) == no_spaces(expected)
    end = scene.curve_plot.point(w[-1], loss[-1])
    assert np.allclose(scene.dot.get_center(), end, atol=1e-6)


def test_sgd_scene_shows_each_runs_final_numbers(tmp_path: Path) -> None:
    trace = build_trace("sgd", epochs="3")
    scene = construct_scene(trace, tmp_path, lang="zh")
    for name, run in trace.extra["runs"].items():
        text = scene.finals[name].text
        assert format_number(run["w"][-1]) in text and format_number(run["loss"][-1]) in text
        end = scene.curve_plot.point(run["w"][-1], run["loss"][-1])
        assert np.allclose(scene.dots[name].get_center(), end, atol=1e-6)


def test_course_numbers_are_exact_floats() -> None:
    trace = linear_loss_trace(LinearLossParams())
    assert not any(math.isnan(v) for v in trace.tensors["mse"])


def test_the_recorded_tangent_has_the_gradient_as_slope_and_a_wrong_one_is_refused() -> None:
    trace = gradient_descent_trace(GradientDescentParams())
    (w0, c0), (w1, c1) = trace.steps[0]["tangent"]
    assert (c1 - c0) / (w1 - w0) == pytest.approx(trace.tensors["grad"][0])
    assert (w0 + w1) / 2 == pytest.approx(trace.tensors["w"][0])
    trace.steps[0]["tangent"][1][1] += 0.5  # steeper than the gradient
    with pytest.raises(AssertionError, match="tangent at epoch 0"):
        verify_gradient_descent_trace(trace)
