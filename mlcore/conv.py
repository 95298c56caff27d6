"""2-D convolution traced one output cell at a time.

The tracer does the multiply-accumulate itself, window by window, and records every
product; tests (and ``verify_conv2d_trace`` at run time) compare the result with
``torch.nn.functional.conv2d``.
"""

from __future__ import annotations

from typing import TypedDict

import torch
import torch.nn.functional as F

from explain.mlcore.conv_params import ConvParams
from explain.mlcore.image import picture_or
from explain.mlcore.params import ParamError, params_to_dict
from explain.mlcore.sizes import conv_output_size, window_taps
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested


class ConvStep(TypedDict):
    """One output cell: the window over the padded input and its multiply-accumulate."""

    out: list[int]  # [o, i, j] the output cell
    window: list[int]  # [top, left] of the window in the padded input
    taps: list[list[int]]  # (k*k, 2) padded-input (row, col) under each kernel tap
    inputs: list[list[float]]  # (C, k*k) the cells under the kernel
    products: list[list[float]]  # (C, k*k) cell times kernel tap
    channel_sums: list[float]  # (C,)
    bias: float
    value: float  # sum of channel_sums plus bias


class ConvSize(TypedDict):
    """The numbers of the output-size formula."""

    input: int
    kernel: int
    stride: int
    padding: int
    dilation: int
    output: int


class ConvExtra(TypedDict):
    size: ConvSize


def _seeded_values(params: ConvParams) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Input, weight and bias as small integers (readable in cells), from one generator."""
    if params.image and params.input:
        raise ParamError("image", "give either image=PATH or input=... numbers, not both")
    gen = torch.Generator().manual_seed(params.seed)
    c, o, k, n = params.in_channels, params.out_channels, params.kernel_size, params.input_size
    x = torch.randint(0, 10, (c, n, n), generator=gen).double()  # (C, H, W)
    x = picture_or(params.image, x, levels=10)  # drawn anyway: the kernel stays the same
    w = torch.randint(-1, 3, (o, c, k, k), generator=gen).double()  # (O, C, k, k)
    b = torch.randint(-3, 4, (o,), generator=gen).double()  # (O,)
    if not params.bias:
        b = torch.zeros(o, dtype=torch.float64)
    if params.input:
        x = torch.tensor(params.input, dtype=torch.float64).expand(c, n, n).clone()
    if params.kernel:
        w = torch.tensor(params.kernel, dtype=torch.float64).expand(o, c, k, k).clone()
    return x, w, b


def window_steps(
    grid: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, stride: int = 1, dilation: int = 1
) -> tuple[torch.Tensor, list[ConvStep]]:
    """Slide ``weight`` over ``grid`` as ``F.conv2d`` does (no padding: ``grid`` has it),
    one recorded step per output cell in (o, i, j) order: the cells under the kernel, their
    products with it, each channel's sum, the bias and the value.

    grid (C, H, W); weight (O, C, k, k); bias (O,). Returns the output (O, Ho, Wo).
    """
    channels, size = grid.shape[0], grid.shape[-1]
    out_channels, k = weight.shape[0], weight.shape[-1]
    out_size = conv_output_size(size, k, stride, 0, dilation)
    out = torch.zeros(out_channels, out_size, out_size, dtype=torch.float64)  # (O, Ho, Wo)
    steps: list[ConvStep] = []
    for o in range(out_channels):
        for i in range(out_size):
            for j in range(out_size):
                top, left = i * stride, j * stride
                taps = window_taps(top, left, k, dilation)
                rows = torch.tensor([t[0] for t in taps])
                cols = torch.tensor([t[1] for t in taps])
                window = grid[:, rows, cols]  # (C, k*k) the cells under the kernel
                products = window * weight[o].reshape(channels, -1)  # (C, k*k)
                channel_sums = products.sum(dim=1)  # (C,)
                value = channel_sums.sum() + bias[o]
                out[o, i, j] = value
                steps.append(
                    ConvStep(
                        out=[o, i, j],
                        window=[top, left],
                        taps=taps,
                        inputs=to_nested(window),
                        products=to_nested(products),
                        channel_sums=to_nested(channel_sums),
                        bias=float(bias[o]),
                        value=float(value),
                    )
                )
    return out, steps


def conv2d_trace(params: ConvParams) -> Trace:
    """Record a convolution: one step per output cell, in (o, i, j) order."""
    x, w, b = _seeded_values(params)
    p, s, d, k = params.padding, params.stride, params.dilation, params.kernel_size
    out_size = conv_output_size(params.input_size, k, s, p, d)
    padded = F.pad(x, (p, p, p, p))  # (C, H+2p, W+2p), zeros around
    # (H+2p, W+2p) True on the zero border, which the scene draws muted
    padding_mask = F.pad(torch.zeros(params.input_size, params.input_size), (p, p, p, p), value=1)
    out, steps = window_steps(padded, w, b, s, d)  # (O, Ho, Wo)
    size = ConvSize(
        input=params.input_size, kernel=k, stride=s, padding=p, dilation=d, output=out_size
    )
    return Trace(
        scene="conv",
        params=params_to_dict(params),
        tensors={
            "input": to_nested(x),
            "weight": to_nested(w),
            "bias": to_nested(b),
            "padded": to_nested(padded),
            "output": to_nested(out),
            "padding_mask": to_nested(padding_mask.bool()),
        },
        steps=step_dicts(steps),
        extra=extra_dict(ConvExtra(size=size)),
    )


def verify_conv2d_trace(trace: Trace) -> None:
    """Raise AssertionError unless the trace's output equals torch's conv2d of its tensors."""
    x = torch.tensor(trace.tensors["input"], dtype=torch.float64)
    w = torch.tensor(trace.tensors["weight"], dtype=torch.float64)
    b = torch.tensor(trace.tensors["bias"], dtype=torch.float64)
    prm = trace.params
    expected = F.conv2d(
        x.unsqueeze(0), w, b, stride=prm["stride"], padding=prm["padding"], dilation=prm["dilation"]
    )[0]  # (O, Ho, Wo)
    got = torch.tensor(trace.tensors["output"], dtype=torch.float64)
    if got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-9):
        raise AssertionError("convolution trace disagrees with torch.nn.functional.conv2d")
    for step in trace.steps_as(ConvStep):
        o, i, j = step["out"]
        if abs(step["value"] - float(expected[o, i, j])) > 1e-9:
            raise AssertionError(f"step {step['out']} disagrees with torch")
    _verify_padding_mask(trace, x.shape[-1], prm["padding"])


def _verify_padding_mask(trace: Trace, size: int, padding: int) -> None:
    """The mask is True exactly where conv2d's zero padding lies around the input."""
    inside = torch.zeros(size + 2 * padding, size + 2 * padding, dtype=torch.bool)
    inside[padding : padding + size, padding : padding + size] = True
    mask = torch.tensor(trace.tensors["padding_mask"], dtype=torch.bool)
    if not torch.equal(mask, ~inside):
        raise AssertionError("padding_mask is not the zero border of the padded input")
