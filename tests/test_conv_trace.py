"""The convolution tracer against torch.nn.functional.conv2d, on awkward parameters too."""

from __future__ import annotations

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from explain.mlcore.conv import ConvParams, conv2d_trace, verify_conv2d_trace
from explain.mlcore.params import ParamError, check_params
from explain.mlcore.sizes import conv_output_size, effective_kernel


def torch_conv(trace_tensors: dict, prm: dict) -> torch.Tensor:
    x = torch.tensor(trace_tensors["input"], dtype=torch.float64)  # (C, H, W)
    w = torch.tensor(trace_tensors["weight"], dtype=torch.float64)  # (O, C, k, k)
    b = torch.tensor(trace_tensors["bias"], dtype=torch.float64)  # (O,)
    return F.conv2d(
        x[None], w, b, stride=prm["stride"], padding=prm["padding"], dilation=prm["dilation"]
    )[0]


@st.composite
def conv_params(draw: st.DrawFn) -> ConvParams:
    kernel = draw(st.integers(1, 5))
    dilation = draw(st.integers(1, 4))
    padding = draw(st.integers(0, 3))
    span = effective_kernel(kernel, dilation)
    low = max(1, span - 2 * padding)
    high = 12 - 2 * padding
    if low > min(10, high):
        padding, dilation = 0, 1
        low, high = max(1, kernel), 10
    size = draw(st.integers(low, min(10, high)))
    params = ConvParams(
        input_size=size,
        in_channels=draw(st.integers(1, 3)),
        out_channels=draw(st.integers(1, 3)),
        kernel_size=kernel,
        stride=draw(st.integers(1, 6)),
        padding=padding,
        dilation=dilation,
        bias=draw(st.booleans()),
        seed=draw(st.integers(0, 2**31 - 1)),
    )
    try:
        check_params(params)
    except ParamError:
        params = dataclasses.replace(params, input_size=max(low, 1), out_channels=1, stride=6)
    return params


@settings(max_examples=150, deadline=None)
@given(conv_params())
def test_trace_output_equals_torch_conv2d(params: ConvParams) -> None:
    check_params(params)
    trace = conv2d_trace(params)
    expected = torch_conv(trace.tensors, trace.params)
    got = torch.tensor(trace.tensors["output"], dtype=torch.float64)
    assert got.shape == expected.shape
    assert torch.equal(got, expected)  # integer inputs: exact in float64
    # One step per output cell, in order, each equal to torch's value.
    o, ho, wo = expected.shape
    assert [s["out"] for s in trace.steps] == [
        [a, i, j] for a in range(o) for i in range(ho) for j in range(wo)
    ]
    for step in trace.steps:
        a, i, j = step["out"]
        assert step["value"] == expected[a, i, j].item()
        assert sum(step["channel_sums"]) + step["bias"] == step["value"]


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "dilation"),
    [
        (7, 3, 2, 0, 1),  # conv-stride
        (5, 3, 1, 1, 1),  # conv-padding keeps the size
        (7, 3, 1, 0, 2),  # conv-dilation
        (6, 2, 4, 0, 1),  # stride larger than the kernel: cells skipped
        (5, 1, 3, 2, 1),  # 1x1 kernel over padding only on the edges
        (4, 2, 1, 3, 3),  # dilation with heavy padding
    ],
)
def test_awkward_parameters(
    size: int, kernel: int, stride: int, padding: int, dilation: int
) -> None:
    params = ConvParams(
        input_size=size,
        in_channels=2,
        out_channels=2,
        kernel_size=kernel,
        stride=stride,
        padding=padding,
        dilation=dilation,
        bias=True,
        seed=7,
    )
    check_params(params)
    trace = conv2d_trace(params)
    verify_conv2d_trace(trace)
    assert trace.extra["size"]["output"] == conv_output_size(
        size, kernel, stride, padding, dilation
    )


def test_window_taps_are_the_cells_multiplied() -> None:
    trace = conv2d_trace(ConvParams(input_size=7, stride=2, dilation=2, padding=1))
    padded = torch.tensor(trace.tensors["padded"])  # (C, Hp, Wp)
    for step in trace.steps:
        for (r, c), x in zip(step["taps"], step["inputs"][0]):
            assert padded[0, r, c].item() == x
        top, left = step["window"]
        assert step["taps"][0] == [top, left]


def test_padding_cells_are_zero_and_inside_is_input() -> None:
    trace = conv2d_trace(ConvParams(input_size=4, padding=2, in_channels=2))
    padded = torch.tensor(trace.tensors["padded"])
    x = torch.tensor(trace.tensors["input"])
    assert torch.equal(padded[:, 2:-2, 2:-2], x)
    assert padded.sum() == x.sum()


def test_seed_changes_values_and_is_deterministic() -> None:
    a = conv2d_trace(ConvParams(seed=1)).to_json()
    assert a == conv2d_trace(ConvParams(seed=1)).to_json()
    assert a != conv2d_trace(ConvParams(seed=2)).to_json()


def test_no_bias_means_zero_bias() -> None:
    trace = conv2d_trace(ConvParams(out_channels=3, bias=False))
    assert trace.tensors["bias"] == [0.0, 0.0, 0.0]


def test_verify_rejects_a_tampered_trace() -> None:
    trace = conv2d_trace(ConvParams())
    trace.tensors["output"][0][0][0] += 1
    with pytest.raises(AssertionError):
        verify_conv2d_trace(trace)


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("kernel_size", 5, "kernel_size"),  # 5 > 3 with no padding
        ("padding", 3, "padding"),  # 8 + 6 > 12
    ],
)
def test_cross_field_limits(field: str, value: int, named: str) -> None:
    base = {"input_size": 3} if field == "kernel_size" else {"input_size": 8}
    params = ConvParams(**{**base, field: value})
    with pytest.raises(ParamError) as err:
        check_params(params)
    assert err.value.name == named
