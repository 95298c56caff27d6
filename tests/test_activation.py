"""The activation tracer against torch's activations and nn.Sequential of nn.Linear."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from explain.mlcore.activation import ActivationParams, activation_trace, verify_activation_trace
from explain.mlcore.params import ParamError, check_params
from explain.scenes.kit.widgets.numbers import format_number
from tests.conftest import build_trace, construct_scene


def test_curves_equal_torch() -> None:
    trace = build_trace("activation")
    x = torch.tensor(trace.tensors["x"], dtype=torch.float64)
    for name, fn in (("sigmoid", torch.sigmoid), ("tanh", torch.tanh), ("relu", torch.relu)):
        got = torch.tensor(trace.tensors[name], dtype=torch.float64)
        assert torch.allclose(got, fn(x), rtol=0, atol=1e-12)


def test_two_linear_layers_collapse_into_the_composed_one() -> None:
    trace = build_trace("activation", hidden="4", seed="3")
    t = trace.tensors
    w1 = torch.tensor(t["w1"], dtype=torch.float64)  # (H, 1)
    b1 = torch.tensor(t["b1"], dtype=torch.float64)  # (H,)
    w2 = torch.tensor(t["w2"], dtype=torch.float64)  # (1, H)
    b2 = torch.tensor(t["b2"], dtype=torch.float64)  # (1,)
    assert torch.allclose(torch.tensor(t["composed_weight"], dtype=torch.float64), w2 @ w1)
    assert torch.allclose(torch.tensor(t["composed_bias"], dtype=torch.float64), w2 @ b1 + b2)
    net = torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.Linear(4, 1)).double()
    with torch.no_grad():
        net[0].weight.copy_(w1)
        net[0].bias.copy_(b1)
        net[1].weight.copy_(w2)
        net[1].bias.copy_(b2)
        x = torch.tensor(t["x"], dtype=torch.float64)[:, None]  # (G, 1)
        assert torch.allclose(
            net(x)[:, 0], torch.tensor(t["composed"], dtype=torch.float64), atol=1e-12
        )
        # With a ReLU between, the output is not one straight line: its slopes differ.
        bent = torch.tensor(t["bent"], dtype=torch.float64)
        slopes = torch.diff(bent) / torch.diff(x[:, 0])
        assert float(slopes.max() - slopes.min()) > 1e-3


@settings(max_examples=25, deadline=None)
@given(
    lo=st.floats(-10, 7),
    span=st.floats(2, 20),
    points=st.integers(5, 201),
    hidden=st.integers(1, 4),
    between=st.sampled_from(["relu", "sigmoid", "tanh"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_random_settings_verify(
    lo: float, span: float, points: int, hidden: int, between: str, seed: int
) -> None:
    params = ActivationParams(
        x_min=lo,
        x_max=min(lo + span, 10.0),
        points=points,
        hidden=hidden,
        between=between,
        seed=seed,
    )
    check_params(params)
    trace = activation_trace(params)
    verify_activation_trace(trace)
    trace.assert_finite()


def test_verify_rejects_a_tampered_trace() -> None:
    trace = build_trace("activation")
    trace.tensors["composed_bias"][0] += 0.01
    with pytest.raises(AssertionError):
        verify_activation_trace(trace)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"x_min": "3", "x_max": "2"}, "x_max"),
        ({"x_min": "1", "x_max": "2"}, "x_max"),
        ({"x_min": "-11"}, "x_min"),
        ({"points": "1000"}, "points"),
        ({"hidden": "9"}, "hidden"),
        ({"between": "softplus"}, "between"),
    ],
)
def test_bad_input_names_the_parameter(overrides: dict[str, str], named: str) -> None:
    with pytest.raises(ParamError) as err:
        build_trace("activation", **overrides)
    assert err.value.name == named


def _plain(text: str) -> str:
    return text.replace(" ", "")


def test_scene_shows_the_trace_numbers(tmp_path: Path) -> None:
    trace = build_trace("activation")
    scene = construct_scene(trace, tmp_path)
    t = trace.tensors
    w_text, b_text = (m.text for m in scene.composed_texts)
    assert w_text.endswith(_plain(format_number(t["composed_weight"][0][0])))
    assert b_text.endswith(_plain(format_number(t["composed_bias"][0])))
    for step in trace.steps:
        assert scene.probe_texts[step["name"]].text.endswith(_plain(format_number(step["value"])))
    assert _plain(format_number(t["b2"][0])) in scene.weights_text.text
