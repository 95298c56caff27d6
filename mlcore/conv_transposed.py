"""Transposed convolution as the convolution-arithmetic figures draw it.

For stride s, s−1 zeros go between neighbouring input cells, k−1−p zeros around the
result (plus ``output_padding`` more on the bottom and right), and an ordinary stride-1
convolution with the kernel turned 180° runs over that. The result equals
``F.conv_transpose2d``; both routes to the output size are recorded and must agree.
"""

from __future__ import annotations

from typing import TypedDict

import torch
import torch.nn.functional as F

from explain.mlcore.conv import ConvStep, window_steps
from explain.mlcore.conv_transposed_params import ConvTransposedParams, stretched_size
from explain.mlcore.params import params_to_dict
from explain.mlcore.sizes import conv_output_size, conv_transpose_output_size
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested


class ConvTransposedSize(TypedDict):
    """Both routes to the output size, and the border of zeros."""

    input: int
    kernel: int
    stride: int
    padding: int
    output_padding: int
    edge: int  # zeros around the stuffed input: k − 1 − p
    stretched: int
    output: int
    output_as_conv: int


class ConvTransposedExtra(TypedDict):
    size: ConvTransposedSize
    # [[r, c], [row, col]]: input cell (r, c) lands on stretched cell (row, col), in
    # row-major order of both grids
    arrivals: list[list[list[int]]]
    # [[r, c], [rr, cc]]: kernel tap (r, c) is tap (rr, cc) of the kernel turned 180°
    flip: list[list[list[int]]]


def conv_transposed_trace(params: ConvTransposedParams) -> Trace:
    """Record the zero-stuffed grid and one convolution step per output cell (each with
    one channel: its inputs and products are (1, k*k))."""
    gen = torch.Generator().manual_seed(params.seed)
    n, k, s, p = params.input_size, params.kernel_size, params.stride, params.padding
    x = torch.randint(1, 10, (1, n, n), generator=gen).double()  # (1, H, W)
    w = torch.randint(-1, 3, (1, 1, k, k), generator=gen).double()  # (in, out, k, k) torch layout
    flipped = torch.flip(w[0, 0], dims=(0, 1))  # (k, k) the kernel turned 180°

    edge = k - 1 - p  # zeros around the stuffed input (validate keeps it >= 0)
    size = stretched_size(params)
    stretched = torch.zeros(size, size, dtype=torch.float64)  # (Hs, Ws)
    is_input = torch.zeros(size, size, dtype=torch.bool)  # (Hs, Ws) True where an input cell lands
    arrivals = []
    for r in range(n):
        for c in range(n):
            stretched[edge + r * s, edge + c * s] = x[0, r, c]
            is_input[edge + r * s, edge + c * s] = True
            arrivals.append([[r, c], [edge + r * s, edge + c * s]])
    flip = [[[r, c], [k - 1 - r, k - 1 - c]] for r in range(k) for c in range(k)]

    out_size = conv_transpose_output_size(n, k, s, p, params.output_padding)
    via_conv = conv_output_size(size, k)  # the same size seen as an ordinary convolution
    if out_size != via_conv:
        raise AssertionError(f"size functions disagree: {out_size} != {via_conv}")
    # The ordinary convolution's own loop, over the one-channel stretched grid.
    out, steps = window_steps(
        stretched[None], flipped[None, None], torch.zeros(1, dtype=torch.float64)
    )  # (1, Ho, Wo)
    sizes = ConvTransposedSize(
        input=n,
        kernel=k,
        stride=s,
        padding=p,
        output_padding=params.output_padding,
        edge=edge,
        stretched=size,
        output=out_size,
        output_as_conv=via_conv,
    )
    return Trace(
        scene="conv-transposed",
        params=params_to_dict(params),
        tensors={
            "input": to_nested(x),
            "weight": to_nested(w),
            "flipped": to_nested(flipped),
            "stretched": to_nested(stretched),
            "is_input": to_nested(is_input),
            "output": to_nested(out),
        },
        steps=step_dicts(steps),
        extra=extra_dict(ConvTransposedExtra(size=sizes, arrivals=arrivals, flip=flip)),
    )


def verify_conv_transposed_trace(trace: Trace) -> None:
    """Raise AssertionError unless the output equals F.conv_transpose2d of input and weight."""
    prm = trace.params
    x = torch.tensor(trace.tensors["input"], dtype=torch.float64)  # (1, H, W)
    w = torch.tensor(trace.tensors["weight"], dtype=torch.float64)  # (1, 1, k, k)
    expected = F.conv_transpose2d(
        x[None],
        w,
        stride=prm["stride"],
        padding=prm["padding"],
        output_padding=prm["output_padding"],
    )[0]  # (1, Ho, Wo)
    got = torch.tensor(trace.tensors["output"], dtype=torch.float64)
    if got.shape != expected.shape or not torch.allclose(got, expected, atol=1e-9):
        raise AssertionError("transposed convolution trace disagrees with F.conv_transpose2d")
    extra = trace.extra_as(ConvTransposedExtra)
    size = extra["size"]
    if not size["output"] == size["output_as_conv"] == expected.shape[-1]:
        raise AssertionError("recorded output size disagrees with torch's")
    stretched = torch.tensor(trace.tensors["stretched"], dtype=torch.float64)  # (Hs, Ws)
    flipped = torch.tensor(trace.tensors["flipped"], dtype=torch.float64)  # (k, k)
    as_conv = F.conv2d(stretched[None, None], flipped[None, None])[0]  # (1, Ho, Wo)
    if not torch.allclose(as_conv, expected, atol=1e-9):
        raise AssertionError("the zero-stuffed convolution disagrees with F.conv_transpose2d")
    for step in trace.steps_as(ConvStep):
        _, i, j = step["out"]
        if abs(step["value"] - float(expected[0, i, j])) > 1e-9:
            raise AssertionError(f"step {step['out']} disagrees with torch")
    _verify_moves(trace, x[0], w[0, 0], stretched, flipped)


def _verify_moves(
    trace: Trace, x: torch.Tensor, w: torch.Tensor, stretched: torch.Tensor, flipped: torch.Tensor
) -> None:
    """Each recorded arrival carries its input value, each flip move its kernel value."""
    extra = trace.extra_as(ConvTransposedExtra)
    if len(extra["arrivals"]) != x.numel() or len(extra["flip"]) != w.numel():
        raise AssertionError("arrivals or flip moves do not cover every cell")
    for (r, c), (row, col) in extra["arrivals"]:
        if stretched[row, col] != x[r, c]:
            raise AssertionError(f"input cell {(r, c)} does not land on {(row, col)}")
    for (r, c), (rr, cc) in extra["flip"]:
        if flipped[rr, cc] != w[r, c]:
            raise AssertionError(f"kernel tap {(r, c)} does not turn to {(rr, cc)}")
