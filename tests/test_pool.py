"""Pooling and transposed convolution traces against torch, and their scenes' numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from explain.mlcore.conv_transposed import (
    ConvTransposedParams,
    conv_transposed_trace,
    verify_conv_transposed_trace,
)
from explain.mlcore.params import ParamError, check_params
from explain.mlcore.pool import PoolParams, avg_pool_trace, max_pool_trace, verify_pool_trace
from explain.mlcore.sizes import conv_output_size, conv_transpose_output_size
from explain.scenes.kit.widgets.numbers import format_number
from tests.conftest import build_trace, construct_scene


@st.composite
def pool_params(draw: st.DrawFn) -> PoolParams:
    size = draw(st.integers(1, 8))
    kernel = draw(st.integers(1, min(4, size)))
    params = PoolParams(
        input_size=size,
        channels=draw(st.integers(1, 3)),
        kernel_size=kernel,
        stride=draw(st.integers(1, 4)),
        seed=draw(st.integers(0, 2**31 - 1)),
    )
    try:
        check_params(params)
    except ParamError:
        params = PoolParams(input_size=size, channels=1, kernel_size=kernel, stride=4)
    return params


@settings(max_examples=30, deadline=None)
@given(pool_params())
def test_max_pool_output_and_argmax_equal_torch(params: PoolParams) -> None:
    trace = max_pool_trace(params)
    x = torch.tensor(trace.tensors["input"], dtype=torch.float64)[None]  # (1, C, H, W)
    expected, idx = F.max_pool2d(x, params.kernel_size, params.stride, return_indices=True)
    assert torch.equal(torch.tensor(trace.tensors["output"], dtype=torch.float64), expected[0])
    assert torch.equal(torch.tensor(trace.tensors["indices"]), idx[0])
    n = params.input_size
    for step in trace.steps:
        c, i, j = step["out"]
        r, q = step["argmax"]
        assert r * n + q == idx[0, c, i, j].item()
        assert step["value"] == max(step["inputs"]) == x[0, c, r, q].item()
    verify_pool_trace(trace)


@settings(max_examples=30, deadline=None)
@given(pool_params())
def test_avg_pool_equals_torch(params: PoolParams) -> None:
    trace = avg_pool_trace(params)
    x = torch.tensor(trace.tensors["input"], dtype=torch.float64)[None]  # (1, C, H, W)
    expected = F.avg_pool2d(x, params.kernel_size, params.stride)[0]  # (C, Ho, Wo)
    got = torch.tensor(trace.tensors["output"], dtype=torch.float64)
    assert torch.allclose(got, expected, atol=1e-12)
    assert "indices" not in trace.tensors
    for step in trace.steps:
        assert step["count"] == params.kernel_size**2
        assert step["sum"] == sum(step["inputs"])
    verify_pool_trace(trace)


def test_ties_keep_the_first_maximum_like_torch() -> None:
    # Seed 0's first window holds two 9s: torch's index is the first in row-major order.
    trace = max_pool_trace(PoolParams())
    first = trace.steps[0]
    assert first["ties"] == 2
    assert first["argmax"] == [0, 1]
    tied = [s for s in max_pool_trace(PoolParams(input_size=8, kernel_size=4, stride=1)).steps]
    assert any(s["ties"] > 1 for s in tied)


def test_ties_in_a_constant_input_match_torch() -> None:
    x = torch.full((1, 2, 5, 5), 3.0, dtype=torch.float64)
    _, idx = F.max_pool2d(x, 3, 2, return_indices=True)
    # Every window's first cell wins: the same rule the tracer uses.
    assert idx[0, 0].tolist() == [[0, 2], [10, 12]]


@pytest.mark.parametrize(("kernel", "stride"), [(2, 1), (3, 2), (2, 3), (1, 2), (4, 4)])
def test_stride_other_than_kernel_and_sizes(kernel: int, stride: int) -> None:
    params = PoolParams(input_size=6, channels=2, kernel_size=kernel, stride=stride, seed=3)
    check_params(params)
    for build in (max_pool_trace, avg_pool_trace):
        trace = build(params)
        verify_pool_trace(trace)
        out = conv_output_size(6, kernel, stride)
        assert torch.tensor(trace.tensors["output"]).shape == (2, out, out)
        assert trace.extra["size"]["output"] == out


def test_pool_verify_rejects_a_wrong_argmax() -> None:
    trace = max_pool_trace(PoolParams(seed=5))
    trace.tensors["indices"][0][0][0] += 1
    with pytest.raises(AssertionError):
        verify_pool_trace(trace)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"kernel_size": 4, "input_size": 3}, "kernel_size"),
        ({"input_size": 8, "stride": 1, "channels": 3}, "input_size"),
    ],
)
def test_pool_bad_params_name_the_parameter(overrides: dict, named: str) -> None:
    with pytest.raises(ParamError) as err:
        check_params(PoolParams(**overrides))
    assert err.value.name == named


# --- transposed convolution ------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "output_padding"),
    [
        (2, 3, 2, 0, 0),  # the classic figure
        (3, 4, 3, 2, 2),  # padding crops, output_padding adds
        (5, 1, 2, 0, 1),  # 1x1 kernel: inserted zeros stay zeros
        (4, 2, 1, 1, 0),  # stride 1: no zeros inserted
        (1, 4, 3, 1, 0),  # a single input cell, padding crops the 4x4 to 2x2
        (3, 3, 2, 1, 1),
    ],
)
def test_transposed_conv_equals_torch(
    size: int, kernel: int, stride: int, padding: int, output_padding: int
) -> None:
    params = ConvTransposedParams(size, kernel, stride, padding, output_padding, seed=11)
    check_params(params)
    trace = conv_transposed_trace(params)
    x = torch.tensor(trace.tensors["input"], dtype=torch.float64)[None]  # (1, 1, H, W)
    w = torch.tensor(trace.tensors["weight"], dtype=torch.float64)  # (1, 1, k, k)
    expected = F.conv_transpose2d(
        x, w, stride=stride, padding=padding, output_padding=output_padding
    )[0]
    got = torch.tensor(trace.tensors["output"], dtype=torch.float64)
    assert torch.equal(got, expected)  # integers: exact
    out = conv_transpose_output_size(size, kernel, stride, padding, output_padding)
    assert expected.shape[-1] == out == trace.extra["size"]["output"]
    assert conv_output_size(trace.extra["size"]["stretched"], kernel) == out
    # The zero-stuffed grid holds exactly the input values, each once.
    stretched = torch.tensor(trace.tensors["stretched"])
    mask = torch.tensor(trace.tensors["is_input"])
    assert sorted(stretched[mask].tolist()) == sorted(x.flatten().tolist())
    assert stretched[~mask].abs().sum() == 0
    verify_conv_transposed_trace(trace)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 3),
    st.integers(0, 2),
    st.integers(0, 2**31 - 1),
)
def test_transposed_conv_any_valid_params(
    size: int, kernel: int, stride: int, padding: int, op: int, seed: int
) -> None:
    params = ConvTransposedParams(size, kernel, stride, padding, op, seed)
    try:
        check_params(params)
    except ParamError:
        return
    verify_conv_transposed_trace(conv_transposed_trace(params))


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"kernel_size": 2, "padding": 2}, "padding"),
        ({"input_size": 1, "kernel_size": 4, "padding": 3}, "padding"),  # empty output
        ({"stride": 2, "output_padding": 2}, "output_padding"),
        ({"input_size": 5, "stride": 3, "kernel_size": 4}, "input_size"),
    ],
)
def test_transposed_bad_params_name_the_parameter(overrides: dict, named: str) -> None:
    with pytest.raises(ParamError) as err:
        check_params(ConvTransposedParams(**overrides))
    assert err.value.name == named


def test_transposed_verify_rejects_a_tampered_trace() -> None:
    trace = conv_transposed_trace(ConvTransposedParams())
    trace.tensors["output"][0][1][1] += 1
    with pytest.raises(AssertionError):
        verify_conv_transposed_trace(trace)


# --- scenes show the trace's numbers -----------------------------------------------------


def _shown(grid_values: dict, tensor: list) -> None:
    for (r, c), text in grid_values.items():
        assert text == format_number(tensor[r][c])


@pytest.mark.parametrize("name", ["maxpool", "avgpool"])
def test_pool_scene_shows_the_trace(name: str, tmp_path: Path) -> None:
    trace = build_trace(name, channels="2", input_size="5", kernel_size="3", stride="2")
    scene = construct_scene(trace, tmp_path)
    x, out = trace.tensors["input"], trace.tensors["output"]
    for c in range(2):
        _shown(scene.inputs[c].shown_values(), x[c])
        shown = scene.outputs[c].shown_values()
        assert len(shown) == 4  # every output cell filled
        _shown(shown, out[c])
        if name == "maxpool":
            _shown(scene.indices[c].shown_values(), trace.tensors["indices"][c])
    assert [line.text for line in scene.lines] == [
        scene._line_text(s).replace(" ", "") for s in trace.steps[:2]
    ]
    assert scene.formula.text.endswith(str(trace.extra["size"]["output"]))


def test_conv_transposed_scene_shows_the_trace(tmp_path: Path) -> None:
    trace = build_trace("conv-transposed")
    scene = construct_scene(trace, tmp_path)
    _shown(scene.input.shown_values(), trace.tensors["input"][0])
    _shown(scene.stretched.shown_values(), trace.tensors["stretched"])
    _shown(scene.kernel.shown_values(), trace.tensors["flipped"])  # after the turn
    out = scene.output.shown_values()
    assert len(out) == len(trace.steps)
    _shown(out, trace.tensors["output"][0])
    assert scene.lines[0].endswith("= " + format_number(trace.steps[0]["value"]))
    assert scene.formula.text.endswith(str(trace.extra["size"]["output"]))
