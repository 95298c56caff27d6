"""The dot product traced one product at a time, checked against torch.dot (mlcore style:
torch only, no manim)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from explain.mlcore.params import param, params_to_dict
from explain.mlcore.trace import Trace, to_nested


@dataclass(frozen=True)
class DotParams:
    """Two vectors of small integers."""

    size: int = param(4, "length n of both vectors", low=1, high=8)
    seed: int = param(0, "seed of the vectors' values", low=0, high=2**31 - 1)


def dot_trace(params: DotParams) -> Trace:
    """One step per product w_i·x_i with the running sum."""
    gen = torch.Generator().manual_seed(params.seed)
    w = torch.randint(-3, 4, (params.size,), generator=gen).double()  # (n,)
    x = torch.randint(0, 10, (params.size,), generator=gen).double()  # (n,)
    total = torch.zeros((), dtype=torch.float64)
    steps = []
    for i in range(params.size):
        product = w[i] * x[i]
        total = total + product
        steps.append({"index": i, "product": float(product), "running": float(total)})
    return Trace(
        scene="dot-product",
        params=params_to_dict(params),
        tensors={"w": to_nested(w), "x": to_nested(x), "output": float(total)},
        steps=steps,
    )


def verify_dot_trace(trace: Trace) -> None:
    """Raise AssertionError unless the products and the sum equal torch's."""
    w = torch.tensor(trace.tensors["w"], dtype=torch.float64)
    x = torch.tensor(trace.tensors["x"], dtype=torch.float64)
    expected = torch.dot(w, x)
    if abs(trace.tensors["output"] - float(expected)) > 1e-12:
        raise AssertionError("dot product trace disagrees with torch.dot")
    products = w * x  # (n,)
    for step in trace.steps:
        if abs(step["product"] - float(products[step["index"]])) > 1e-12:
            raise AssertionError(f"product {step['index']} disagrees with torch")
