"""The softmax tracer against torch.softmax, F.cross_entropy and NLLLoss(LogSoftmax)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from manim import DL, UR

from explain.mlcore.params import ParamError, check_params
from explain.mlcore.softmax import (
    SoftmaxParams,
    softmax_trace,
    verify_softmax_trace,
)
from explain.mlcore.softmax_params import MAX_CLASSES, MAX_LOGIT
from explain.scenes.kit.widgets.numbers import format_number
from tests.conftest import build_trace, construct_scene

# Ordinary scores, and scores far past exp()'s overflow (about 88.7 in float32, 709.8 in float64).
LOGIT = st.one_of(
    st.floats(-20, 20, allow_nan=False),
    st.floats(-MAX_LOGIT, MAX_LOGIT, allow_nan=False),
    st.sampled_from([MAX_LOGIT, -MAX_LOGIT, 1000.0, 710.0, -745.0, 0.0]),
)


def torch_reference(logits: list[float], target: int) -> tuple[torch.Tensor, torch.Tensor]:
    z = torch.tensor(logits, dtype=torch.float64)  # (K,)
    return torch.softmax(z, dim=0), F.cross_entropy(z[None], torch.tensor([target]))


@st.composite
def softmax_params(draw: st.DrawFn) -> SoftmaxParams:
    logits = tuple(draw(st.lists(LOGIT, min_size=2, max_size=MAX_CLASSES)))
    return SoftmaxParams(logits=logits, target=draw(st.integers(0, len(logits) - 1)))


@settings(max_examples=60, deadline=None)
@given(softmax_params())
def test_trace_equals_torch_on_random_and_extreme_logits(params: SoftmaxParams) -> None:
    check_params(params)
    trace = softmax_trace(params)
    verify_softmax_trace(trace)
    trace.assert_finite()
    probs, ce = torch_reference(list(params.logits), params.target)
    got = torch.tensor(trace.tensors["probs"], dtype=torch.float64)
    assert torch.allclose(got, probs, rtol=1e-12, atol=1e-12)
    assert math.isclose(trace.tensors["loss"][0], float(ce), rel_tol=1e-9, abs_tol=1e-9)
    z = torch.tensor(params.logits, dtype=torch.float64)
    nll = F.nll_loss(F.log_softmax(z[None], dim=1), torch.tensor([params.target]))
    assert math.isclose(trace.tensors["loss"][0], float(nll), rel_tol=1e-9, abs_tol=1e-9)
    assert max(trace.tensors["shifted"]) == 0.0  # the maximum is subtracted
    assert max(trace.tensors["exp"]) == 1.0
    assert trace.extra["overflow"]["naive_overflows"]  # the demo always overflows naively


def test_huge_logits_give_torch_probabilities() -> None:
    trace = build_trace("softmax", logits="1000,1001,1002", target="2")
    expected = torch.softmax(torch.tensor([1000.0, 1001.0, 1002.0], dtype=torch.float64), dim=0)
    got = torch.tensor(trace.tensors["probs"], dtype=torch.float64)
    assert torch.isfinite(got).all()
    assert torch.allclose(got, expected, rtol=1e-12, atol=0)
    # Without subtracting the maximum, exp() is infinite, and the trace says so.
    assert torch.isinf(torch.exp(torch.tensor([1002.0]))).all()
    over = trace.extra["overflow"]
    assert over["offset"] == 0.0 and over["naive_overflows"]
    assert trace.tensors["shifted"] == [-2.0, -1.0, 0.0]


def test_course_example_and_equivalences() -> None:
    trace = build_trace("softmax")
    assert trace.tensors["logits"] == [2.0, 1.0, 0.1]
    z = torch.tensor([[2.0, 1.0, 0.1]], dtype=torch.float64)
    ce = torch.nn.CrossEntropyLoss()(z, torch.LongTensor([0]))
    losses = trace.extra["losses"]
    for value in losses.values():
        assert math.isclose(value, float(ce), rel_tol=1e-12)
    assert trace.tensors["onehot"] == [1.0, 0.0, 0.0]  # the course's np.array([1, 0, 0])
    # −Σ y·log p with the one-hot y, straight from numpy-like arithmetic on the probabilities.
    onehot_loss = -sum(y * math.log(p) for y, p in zip([1, 0, 0], trace.tensors["probs"]))
    assert math.isclose(onehot_loss, trace.tensors["loss"][0], rel_tol=1e-12)
    assert math.isclose(sum(trace.tensors["probs"]), 1.0, abs_tol=1e-15)
    assert math.isclose(trace.tensors["sum_exp"][0], sum(trace.tensors["exp"]), rel_tol=1e-15)


def test_shift_invariance_demo_matches_probabilities() -> None:
    trace = build_trace("softmax", logits="-3,0.5,2,2")
    over = trace.extra["overflow"]
    assert over["max"] == 1000.0
    assert over["logits"] == [v + over["offset"] for v in trace.tensors["logits"]]
    assert torch.allclose(
        torch.tensor(over["probs"]), torch.tensor(trace.tensors["probs"]), atol=1e-12
    )


def test_verify_rejects_a_tampered_trace() -> None:
    trace = build_trace("softmax")
    trace.tensors["probs"][0] += 1e-6
    with pytest.raises(AssertionError):
        verify_softmax_trace(trace)
    trace = build_trace("softmax")
    trace.tensors["loss"][0] *= 1.001
    with pytest.raises(AssertionError):
        verify_softmax_trace(trace)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"logits": ""}, "logits"),
        ({"logits": "1,a,2"}, "logits"),
        ({"logits": "1,nan"}, "logits"),
        ({"logits": "inf,1"}, "logits"),
        ({"logits": "5"}, "logits"),  # one class is no classification
        ({"logits": ",".join(["1"] * (MAX_CLASSES + 1))}, "logits"),
        ({"logits": "1e9,0"}, "logits"),
        ({"target": "3"}, "target"),  # three logits: classes 0..2
        ({"target": "-1"}, "target"),
        ({"target": "x"}, "target"),
    ],
)
def test_bad_input_names_the_parameter(overrides: dict[str, str], named: str) -> None:
    with pytest.raises(ParamError) as err:
        build_trace("softmax", **overrides)
    assert err.value.name == named
    assert "\n" not in str(err.value)


def test_target_checked_against_the_number_of_logits() -> None:
    with pytest.raises(ParamError, match="0 to 1"):
        check_params(SoftmaxParams(logits=(1.0, 2.0), target=2))
    check_params(SoftmaxParams(logits=(1.0, 2.0), target=1))


def test_eight_class_labels_stay_apart(tmp_path: Path) -> None:
    trace = build_trace("softmax", logits="-3.5,1,2.25,0,-1,7,3,0.5", target="6")
    scene = construct_scene(trace, tmp_path)
    labels = list(scene.class_labels)
    assert len(labels) == 8
    for left, right in zip(labels, labels[1:]):
        assert left.get_right()[0] < right.get_left()[0]


def _plain(text: str) -> str:
    return text.replace(" ", "")  # Text.text drops spaces


@pytest.mark.parametrize("overrides", [{}, {"logits": "1000,1001,1002", "target": "1"}])
def test_scene_shows_the_trace_numbers(overrides: dict[str, str], tmp_path: Path) -> None:
    trace = build_trace("softmax", **overrides)
    scene = construct_scene(trace, tmp_path)
    t = trace.tensors
    for stage in ("logits", "shifted", "exp", "probs"):
        shown = [mob.text for mob in scene.bar_values[stage]]
        assert shown == [_plain(format_number(v)) for v in t[stage]]
    tgt = trace.params["target"]
    loss_line = scene.panel_lines["loss"].text
    assert loss_line.endswith(_plain(format_number(t["loss"][0], 4)))
    assert _plain(format_number(t["probs"][tgt])) in loss_line
    assert _plain(format_number(t["sum_exp"][0])) in scene.panel_lines["sum"].text
    for key in ("ce", "nll", "onehot", "index"):
        assert scene.panel_lines[key].text.endswith(_plain(format_number(t["loss"][0], 4)))
    assert scene.panel_lines["max"].text.endswith(_plain(format_number(trace.extra["max"])))
    probs = ",".join(format_number(v) for v in trace.extra["overflow"]["probs"])
    assert _plain(probs) in scene.panel_lines["stable"].text
    # The target's frame holds its probability's value, clear of the frame's stroke.
    value, mark = scene.bar_values["probs"][tgt], scene.target_mark
    stroke = mark.get_stroke_width() * 0.01  # scene units, as Cairo draws it
    assert (value.get_corner(DL)[:2] > mark.get_corner(DL)[:2] + stroke / 2).all()
    assert (value.get_corner(UR)[:2] < mark.get_corner(UR)[:2] - stroke / 2).all()
