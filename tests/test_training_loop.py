"""The training-loop tracer against nn.Linear, nn.MSELoss and optim.SGD, and its scene."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from explain.mlcore.params import ParamError
from explain.mlcore.training_loop import (
    TrainingLoopParams,
    training_loop_trace,
    verify_training_loop_trace,
)
from explain.scenes.kit.widgets.numbers import format_number
from explain.scenes.topics.training_loop import fmt
from tests.conftest import assert_inside_frame, build_trace, construct_scene


def test_course_run_learns_y_equals_2x_as_a_whole_torch_run_does() -> None:
    """The whole default run, replayed in one go with the course's own code."""
    trace = build_trace("training-loop")
    model = torch.nn.Linear(1, 1).double()
    with torch.no_grad():
        model.weight.fill_(0.5)
        model.bias.fill_(-0.5)
    criterion = torch.nn.MSELoss(reduction="sum")  # the course's size_average=False
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.float64)
    y = torch.tensor([[2.0], [4.0], [6.0]], dtype=torch.float64)
    for epoch in range(100):
        loss = criterion(model(x), y)
        assert math.isclose(loss.item(), trace.tensors["loss"][epoch], rel_tol=1e-9, abs_tol=1e-12)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert math.isclose(model.weight.item(), trace.tensors["w"][-1], rel_tol=1e-9)
    assert math.isclose(model.bias.item(), trace.tensors["b"][-1], rel_tol=1e-9)
    assert len(trace.tensors["w"]) == len(trace.tensors["b"]) == 101
    assert len(trace.tensors["loss"]) == 100
    assert 7.8 < trace.tensors["y_test"] < 8.1  # near 2 · 4
    assert trace.tensors["loss"][-1] < trace.tensors["loss"][0] / 100


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    w0=st.floats(-10, 10),
    b0=st.floats(-10, 10),
    lr=st.floats(1e-5, 0.05),
    epochs=st.integers(1, 60),
    loss=st.sampled_from(["sum", "mean"]),
    x_test=st.floats(-100, 100),
)
def test_random_runs_replay_in_torch(
    w0: float, b0: float, lr: float, epochs: int, loss: str, x_test: float
) -> None:
    params = TrainingLoopParams(w0=w0, b0=b0, lr=lr, epochs=epochs, loss=loss, x_test=x_test)
    try:
        trace = training_loop_trace(params)
    except ParamError as err:
        assert err.name == "lr"
        return
    verify_training_loop_trace(trace)


def test_verifier_catches_a_wrong_number() -> None:
    trace = build_trace("training-loop", epochs="5")
    trace.tensors["grad_b"][3] += 1e-6
    with pytest.raises(AssertionError, match="b.grad at epoch 3"):
        verify_training_loop_trace(trace)


def test_mean_reduction_divides_the_sum_by_three() -> None:
    total = build_trace("training-loop", epochs="1")
    mean = build_trace("training-loop", epochs="1", loss="mean")
    assert math.isclose(mean.tensors["loss"][0] * 3, total.tensors["loss"][0], rel_tol=1e-12)


def test_a_diverging_learning_rate_is_a_named_error() -> None:
    with pytest.raises(ParamError) as err:
        build_trace("training-loop", lr="0.5", epochs="200")
    assert err.value.name == "lr" and "diverges" in str(err.value)


@pytest.mark.parametrize("overrides", [{"epochs": "1"}, {"epochs": "2000", "loss": "mean"}])
def test_scene_shows_the_traced_epochs_inside_the_frame(
    overrides: dict[str, str], tmp_path: Path
) -> None:
    trace = build_trace("training-loop", **overrides)
    scene = construct_scene(trace, tmp_path)
    assert_inside_frame(scene)
    epochs = len(trace.tensors["loss"])
    assert scene.shown_epochs[-1] == epochs - 1
    w, b = fmt(trace.tensors["w"][-1]), fmt(trace.tensors["b"][-1])
    # Manim's Text keeps its string without spaces.
    assert scene.values[4].text == f"w={w},b={b}"  # after the last step()
    x_test = format_number(trace.params["x_test"], 2)
    assert scene.prediction.text == f"model({x_test})={fmt(trace.tensors['y_test'])}"
