"""2-D max and average pooling traced one output cell at a time.

The tracer scans each window itself and records which cell won (max) or the sum it
divided (avg); tests and ``verify_pool_trace`` compare with ``F.max_pool2d`` (including
``return_indices=True``) and ``F.avg_pool2d``.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

import torch
import torch.nn.functional as F

from explain.mlcore.image import picture_or
from explain.mlcore.params import ParamError, params_to_dict
from explain.mlcore.pool_params import PoolParams
from explain.mlcore.sizes import conv_output_size, window_taps
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested

MODES = ("max", "avg")


class PoolStep(TypedDict):
    """One output cell: the window and its max (with argmax) or its mean."""

    out: list[int]  # [c, i, j]
    window: list[int]  # [top, left]
    taps: list[list[int]]  # (k*k, 2) input (row, col) under the window
    inputs: list[float]  # (k*k,) the values there
    argmax: NotRequired[list[int]]  # max: [row, col] of the first largest value
    ties: NotRequired[int]  # max: how many cells hold that value
    sum: NotRequired[float]  # avg
    count: NotRequired[int]  # avg: cells averaged
    value: float


class PoolSize(TypedDict):
    input: int
    kernel: int
    stride: int
    padding: int
    dilation: int
    output: int


class PoolExtra(TypedDict):
    mode: str  # "max" or "avg"
    size: PoolSize


def pool_input(params: PoolParams) -> torch.Tensor:
    """Integers 0..9 so that equal maxima (ties) are common and every mean is readable."""
    gen = torch.Generator().manual_seed(params.seed)
    if params.image and params.input:
        raise ParamError("image", "give either image=PATH or input=... numbers, not both")
    n, c = params.input_size, params.channels
    if params.input:
        return torch.tensor(params.input, dtype=torch.float64).expand(c, n, n).clone()
    seeded = torch.randint(0, 10, (c, n, n), generator=gen).double()  # (C, H, W)
    return picture_or(params.image, seeded, levels=10)


def _window_step(channel: torch.Tensor, mode: str, out: list[int], k: int, s: int) -> PoolStep:
    """The window of output cell ``out`` = [c, i, j] over ``channel`` (H, W) and its
    max (first of equal maxima) or mean."""
    _, i, j = out
    top, left = i * s, j * s
    taps = window_taps(top, left, k)
    values = [float(channel[r, q]) for r, q in taps]
    if mode == "max":
        # Row-major scan keeping the first of equal maxima: a later cell wins only if
        # strictly larger, which is how torch's CPU kernel breaks ties.
        best = 0
        for t, v in enumerate(values):
            if v > values[best]:
                best = t
        value = values[best]
        return PoolStep(
            out=out,
            window=[top, left],
            taps=taps,
            inputs=values,
            argmax=taps[best],
            ties=sum(1 for v in values if v == value),
            value=value,
        )
    total = sum(values)
    return PoolStep(
        out=out,
        window=[top, left],
        taps=taps,
        inputs=values,
        sum=total,
        count=len(values),
        value=total / len(values),
    )


def pool_trace(params: PoolParams, mode: str) -> Trace:
    """Record pooling: one step per output cell in (c, i, j) order."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    x = pool_input(params)  # (C, H, W)
    c_n, n = params.channels, params.input_size
    k, s = params.kernel_size, params.stride
    out_size = conv_output_size(n, k, s)
    out = torch.zeros(c_n, out_size, out_size, dtype=torch.float64)  # (C, Ho, Wo)
    indices = torch.zeros(c_n, out_size, out_size, dtype=torch.int64)  # (C, Ho, Wo) flat h*W+w
    steps: list[PoolStep] = []
    for c in range(c_n):
        for i in range(out_size):
            for j in range(out_size):
                step = _window_step(x[c], mode, [c, i, j], k, s)
                value = step["value"]
                if mode == "max":
                    r, q = step["argmax"]
                    indices[c, i, j] = r * n + q
                out[c, i, j] = value
                steps.append(step)
    tensors = {"input": to_nested(x), "output": to_nested(out)}
    if mode == "max":
        tensors["indices"] = to_nested(indices)
    size = PoolSize(input=n, kernel=k, stride=s, padding=0, dilation=1, output=out_size)
    return Trace(
        scene=f"{mode}pool",
        params=params_to_dict(params),
        tensors=tensors,
        steps=step_dicts(steps),
        extra=extra_dict(PoolExtra(mode=mode, size=size)),
    )


def max_pool_trace(params: PoolParams) -> Trace:
    return pool_trace(params, "max")


def avg_pool_trace(params: PoolParams) -> Trace:
    return pool_trace(params, "avg")


def verify_pool_trace(trace: Trace) -> None:
    """Raise AssertionError unless output (and argmax indices) equal torch's pooling."""
    x = torch.tensor(trace.tensors["input"], dtype=torch.float64)[None]  # (1, C, H, W)
    k, s = trace.params["kernel_size"], trace.params["stride"]
    got = torch.tensor(trace.tensors["output"], dtype=torch.float64)  # (C, Ho, Wo)
    if trace.extra["mode"] == "max":
        expected, idx = F.max_pool2d(x, k, s, return_indices=True)  # (1, C, Ho, Wo) each
        got_idx = torch.tensor(trace.tensors["indices"], dtype=torch.int64)
        if not torch.equal(got_idx, idx[0]):
            raise AssertionError("max pooling argmax disagrees with torch's return_indices")
        n = x.shape[-1]
        for step in trace.steps_as(PoolStep):
            c, i, j = step["out"]
            r, q = step["argmax"]
            if r * n + q != int(idx[0, c, i, j]):
                raise AssertionError(f"step {step['out']} argmax disagrees with torch")
    else:
        expected = F.avg_pool2d(x, k, s)  # (1, C, Ho, Wo)
    if got.shape != expected[0].shape or not torch.allclose(got, expected[0], atol=1e-12):
        raise AssertionError(f"{trace.extra['mode']} pooling trace disagrees with torch")
    for step in trace.steps_as(PoolStep):
        c, i, j = step["out"]
        if abs(step["value"] - float(expected[0, c, i, j])) > 1e-12:
            raise AssertionError(f"step {step['out']} disagrees with torch")
