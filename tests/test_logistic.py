"""The logistic-regression tracer against F.binary_cross_entropy, autograd and SGD."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from explain.mlcore.logistic import (
    LogisticParams,
    logistic_trace,
    snapshot_epochs,
    verify_logistic_trace,
)
from explain.mlcore.params import ParamError, check_params
from explain.scenes.kit.widgets.numbers import format_number
from tests.conftest import build_trace, construct_scene


def test_course_data_is_separated_and_bce_equals_torch() -> None:
    trace = build_trace("logistic")
    verify_logistic_trace(trace)
    assert trace.tensors["x"] == [1.0, 2.0, 3.0] and trace.tensors["y"] == [0.0, 0.0, 1.0]
    x = torch.tensor(trace.tensors["x"], dtype=torch.float64)
    y = torch.tensor(trace.tensors["y"], dtype=torch.float64)
    for e in (0, len(trace.tensors["weight"]) - 1):
        w, b = trace.tensors["weight"][e], trace.tensors["bias"][e]
        p = torch.sigmoid(w * x + b)
        assert math.isclose(
            trace.tensors["loss"][e], float(F.binary_cross_entropy(p, y)), rel_tol=1e-12
        )
        assert torch.allclose(
            torch.tensor(trace.tensors["probs"][e], dtype=torch.float64), p, atol=1e-12
        )
    last = trace.steps[-1]
    assert last["epoch"] == trace.params["epochs"]
    assert 2.0 < last["boundary"] < 3.0  # between the failed and the passed student
    assert last["correct"] == 3
    assert trace.tensors["loss"][-1] < trace.tensors["loss"][0]


def test_training_matches_nn_linear_with_sgd() -> None:
    """The course's model: nn.Linear(1, 1) + sigmoid, BCELoss (mean), SGD."""
    trace = build_trace("logistic", epochs="40", lr="0.3")
    model = torch.nn.Linear(1, 1).double()
    with torch.no_grad():
        model.weight.fill_(trace.tensors["weight"][0])
        model.bias.fill_(trace.tensors["bias"][0])
    opt = torch.optim.SGD(model.parameters(), lr=0.3)
    x = torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.float64)  # (N, 1)
    y = torch.tensor([[0.0], [0.0], [1.0]], dtype=torch.float64)  # (N, 1)
    for epoch in range(40):
        opt.zero_grad()
        loss = torch.nn.BCELoss()(torch.sigmoid(model(x)), y)
        assert math.isclose(loss.item(), trace.tensors["loss"][epoch], rel_tol=1e-10)
        loss.backward()
        opt.step()
    assert math.isclose(model.weight.item(), trace.tensors["weight"][-1], rel_tol=1e-10)
    assert math.isclose(model.bias.item(), trace.tensors["bias"][-1], rel_tol=1e-10)


@settings(max_examples=15, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(-10, 10).map(float), st.integers(0, 1)), min_size=2, max_size=8
    ),
    lr=st.sampled_from([0.01, 0.1, 0.5, 1.0]),
    epochs=st.integers(1, 40),
    seed=st.integers(0, 1000),
)
def test_random_settings_verify_or_refuse(
    data: list[tuple[float, int]], lr: float, epochs: int, seed: int
) -> None:
    params = LogisticParams(
        x=tuple(d[0] for d in data), y=tuple(d[1] for d in data), lr=lr, epochs=epochs, seed=seed
    )
    check_params(params)
    try:
        trace = logistic_trace(params)
    except ParamError as err:
        assert err.name == "lr"  # only saturation is refused
        return
    verify_logistic_trace(trace)
    trace.assert_finite()
    assert len(trace.tensors["weight"]) == epochs + 1


def test_snapshots_start_and_end_with_the_training() -> None:
    assert snapshot_epochs(3) == [0, 1, 2, 3]
    picks = snapshot_epochs(300)
    assert picks[0] == 0 and picks[-1] == 300 and picks == sorted(set(picks))


def test_verify_rejects_a_tampered_trace() -> None:
    trace = build_trace("logistic", epochs="20")
    trace.tensors["weight"][5] += 1e-6
    with pytest.raises(AssertionError):
        verify_logistic_trace(trace)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"y": "0,2,1"}, "y"),
        ({"y": "0,0.5,1"}, "y"),
        ({"y": "-1,0,1"}, "y"),
        ({"y": "0,1"}, "y"),  # 3 x values, 2 labels
        ({"x": "1,2,3,4"}, "y"),
        ({"x": ""}, "x"),
        ({"x": "1,nan,3"}, "x"),
        ({"lr": "0"}, "lr"),
        ({"epochs": "0"}, "epochs"),
        ({"epochs": "100000"}, "epochs"),
        ({"x": "10,-10", "y": "0,1", "lr": "5", "epochs": "100"}, "lr"),  # saturates
    ],
)
def test_bad_input_names_the_parameter(overrides: dict[str, str], named: str) -> None:
    with pytest.raises(ParamError) as err:
        build_trace("logistic", **overrides)
    assert err.value.name == named
    assert "\n" not in str(err.value)


def _plain(text: str) -> str:
    return text.replace(" ", "")


def test_scene_shows_the_trace_numbers(tmp_path: Path) -> None:
    trace = build_trace("logistic", epochs="60")
    scene = construct_scene(trace, tmp_path)
    last = trace.steps[-1]
    assert scene.shown_epochs == [s["epoch"] for s in trace.steps]
    header = scene.header.text
    for value in (last["weight"], last["bias"]):
        assert _plain(format_number(value)) in header
    assert header.endswith(_plain(format_number(last["loss"], 3)))
    for r in range(len(trace.tensors["x"])):
        assert scene.table[(r, "p")].text == _plain(format_number(last["probs"][r], 3))
        assert scene.table[(r, "bce")].text == _plain(format_number(last["sample_loss"][r], 3))
        assert scene.table[(r, "x")].text == _plain(format_number(trace.tensors["x"][r]))
