"""CNN architecture traces: shapes against real tensors, counts against a formula, gradients."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from explain.mlcore.cnn import (
    CnnShapesParams,
    InceptionParams,
    MnistNet,
    ResidualParams,
    cnn_shapes_trace,
    draw_digit,
    inception_trace,
    residual_trace,
    verify_cnn_shapes_trace,
    verify_inception_trace,
    verify_residual_trace,
)
from explain.mlcore.params import ParamError
from explain.scenes.kit.widgets.numbers import format_number
from explain.scenes.topics.cnn import grouped, scientific
from tests.conftest import build_trace, construct_scene

# --- cnn-shapes ---------------------------------------------------------------------------


def test_mnist_shapes_are_the_real_tensors_shapes() -> None:
    trace = cnn_shapes_trace(CnnShapesParams(index=7))
    expected = {
        "conv1": [10, 24, 24],
        "pool1": [10, 12, 12],
        "conv2": [20, 8, 8],
        "pool2": [20, 4, 4],
        "flatten": [320],
        "scores": [10],
    }
    for layer in trace.extra["layers"]:
        assert layer["shape"] == expected[layer["name"]]
        assert list(torch.tensor(trace.tensors[layer["name"]]).shape) == layer["shape"]
    assert list(torch.tensor(trace.tensors["input"]).shape) == [1, 28, 28]


def test_mnist_forward_equals_the_course_module() -> None:
    """An independent forward: nn.Module layers in the course's order, the recorded weights."""
    trace = cnn_shapes_trace(CnnShapesParams(input="drawn", digit=2))
    net = MnistNet().double()
    state = {k: torch.tensor(v, dtype=torch.float64) for k, v in trace.tensors.items() if "." in k}
    net.load_state_dict(state)
    x = torch.tensor(trace.tensors["input"], dtype=torch.float64)[None]  # (1, 1, 28, 28)
    with torch.no_grad():
        h = F.relu(net.pooling(net.conv1(x)))
        h = F.relu(net.pooling(net.conv2(h)))
        scores = net.fc(h.view(1, -1))  # (1, 10)
    got = torch.tensor(trace.tensors["scores"], dtype=torch.float64)
    assert torch.allclose(got, scores[0], atol=1e-12)


def test_digits_look_like_ink_on_black() -> None:
    for digit in range(10):
        img = draw_digit(digit, seed=1)  # (28, 28)
        assert img.shape == (28, 28)
        assert img.min() >= 0.0 and img.max() == 1.0
        ink = (img > 0.5).float().mean().item()
        assert 0.04 < ink < 0.35  # strokes, not a blob or nothing
        assert img[:2].sum() == 0 and img[:, :2].sum() == 0  # MNIST-like empty margin


def test_cnn_verify_rejects_tampering() -> None:
    trace = cnn_shapes_trace(CnnShapesParams())
    trace.tensors["scores"][0] += 0.5
    with pytest.raises(AssertionError):
        verify_cnn_shapes_trace(trace)


# --- inception ----------------------------------------------------------------------------


def test_course_multiplication_counts() -> None:
    costs = inception_trace(InceptionParams()).extra["costs"]
    assert costs["direct"] == 28 * 28 * 32 * 5 * 5 * 192 == 120_422_400
    assert costs["reduce"] == 28 * 28 * 16 * 192
    assert costs["after"] == 28 * 28 * 32 * 5 * 5 * 16
    assert costs["bottleneck"] == 12_443_648


@pytest.mark.parametrize(("size", "cin", "cout", "red"), [(7, 3, 5, 2), (13, 64, 8, 4)])
def test_counts_follow_the_formula_for_other_shapes(
    size: int, cin: int, cout: int, red: int
) -> None:
    trace = inception_trace(InceptionParams(size, cin, cout, red, seed=2))
    costs = trace.extra["costs"]
    assert costs["direct"] == size * size * cout * 25 * cin
    assert costs["bottleneck"] == size * size * red * cin + size * size * cout * 25 * red
    verify_inception_trace(trace)


def test_inception_branches_from_a_real_forward_pass() -> None:
    trace = inception_trace(InceptionParams(size=12, in_channels=10, seed=1))
    branches = trace.extra["branches"]
    assert [b["name"] for b in branches] == ["1x1", "5x5", "3x3", "pool"]
    assert [b["measured"][-1][0] for b in branches] == [16, 24, 24, 24]
    for b in branches:
        assert b["measured"][-1][1:] == [12, 12]
        assert b["measured"] == [layer["shape"] for layer in b["layers"]]
    assert trace.extra["concat_shape"] == [88, 12, 12]
    # Independently: the branches concatenated along channels.
    x = torch.randn(1, 10, 12, 12)
    outs = [torch.zeros(1, n, 12, 12) for n in trace.tensors["branch_channels"]]
    assert list(torch.cat(outs, dim=1).shape[1:]) == [88, 12, 12]
    assert x.shape[1] == trace.extra["costs"]["input_shape"][0]


def test_inception_verify_rejects_tampering() -> None:
    trace = inception_trace(InceptionParams(size=8, in_channels=4))
    trace.extra["costs"]["direct"] += 1
    with pytest.raises(AssertionError):
        verify_inception_trace(trace)


# --- residual -----------------------------------------------------------------------------


def test_residual_shapes_match_and_gradients_equal_autograd() -> None:
    params = ResidualParams(channels=3, size=6, depth=12, seed=5)
    trace = residual_trace(params)
    assert all(shape == [3, 6, 6] for shape in trace.extra["shapes"].values())
    verify_residual_trace(trace)
    plain = trace.tensors["plain_grad_norms"]
    residual = trace.tensors["residual_grad_norms"]
    assert len(plain) == len(residual) == 13
    # Same loss and same last layer output gradient (all ones) at the top.
    assert math.isclose(plain[-1], residual[-1]) and math.isclose(plain[-1], math.sqrt(3 * 36))
    # Through the plain stack the gradient shrinks by orders of magnitude; not via the skips.
    assert plain[0] < 1e-4 * plain[-1]
    assert residual[0] > 0.5 * residual[-1]
    assert trace.extra["log10_grad_norms"]["plain"][0] == pytest.approx(math.log10(plain[0]))


def test_residual_gradient_by_an_independent_autograd_run() -> None:
    """Rebuild the stacks from the same seed, take torch.autograd.grad layer by layer."""
    from explain.mlcore.cnn import _residual_setup

    params = ResidualParams(channels=2, size=5, depth=6, seed=3)
    trace = residual_trace(params)
    x, _, plain, residual = _residual_setup(params)
    for name, layers in (("plain", plain), ("residual", residual)):
        hs = [x.clone().requires_grad_(True)]
        for layer in layers:
            hs.append(layer(hs[-1]))
        grads = torch.autograd.grad(hs[-1].sum(), hs)
        norms = [float(g.norm()) for g in grads]
        assert norms == pytest.approx(trace.tensors[f"{name}_grad_norms"], rel=1e-9)


def test_residual_dead_stack_is_a_param_error() -> None:
    with pytest.raises(ParamError) as err:
        for seed in range(20):
            residual_trace(ResidualParams(channels=1, size=2, depth=40, seed=seed))
    assert err.value.name == "seed"


def test_residual_verify_rejects_tampering() -> None:
    trace = residual_trace(ResidualParams(depth=4))
    trace.tensors["plain_grad_norms"][0] *= 2
    with pytest.raises(AssertionError):
        verify_residual_trace(trace)


# --- formatting helpers and scenes ---------------------------------------------------------


def test_number_formatting() -> None:
    assert grouped(120422400) == "120,422,400"
    assert scientific(7.5e-17) == "7.5·10⁻¹⁷"
    assert scientific(51.561) == "51.56"


def test_cnn_shapes_scene_shows_trace_shapes(tmp_path: Path) -> None:
    trace = build_trace("cnn-shapes")
    scene = construct_scene(trace, tmp_path)
    shapes = [trace.extra["input_shape"]] + [layer["shape"] for layer in trace.extra["layers"]]
    assert [t.text for t in scene.shape_labels] == ["×".join(map(str, s)) for s in shapes]
    scores = trace.tensors["scores"]
    assert [t.text for t in scene.score_texts] == [
        f"{d}:{format_number(v)}" for d, v in enumerate(scores)
    ]


def test_inception_scene_shows_trace_counts(tmp_path: Path) -> None:
    trace = build_trace("inception")
    scene = construct_scene(trace, tmp_path)
    texts = [t.text for t in scene.count_texts]
    assert texts[0].endswith("=120,422,400")
    assert texts[1].endswith("=12,443,648")
    assert [t.text for t in scene.branch_shape_texts] == [
        "×".join(map(str, b["measured"][-1])) for b in trace.extra["branches"]
    ]
    assert scene.concat_text.text == "88×28×28"


def test_residual_scene_shows_trace_values(tmp_path: Path) -> None:
    trace = build_trace("residual")
    scene = construct_scene(trace, tmp_path)
    assert [t.text for t in scene.grad_texts] == [
        scientific(trace.tensors["plain_grad_norms"][0]).replace(" ", ""),
        scientific(trace.tensors["residual_grad_norms"][0]).replace(" ", ""),
    ]
    assert all("4×8×8" in t.text for t in scene.shape_texts)
