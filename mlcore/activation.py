"""Activation functions over an input range, and why a network needs one.

Two stacked linear layers w2·(w1·x + b1) + b2 are one linear layer with weight w2·w1 and
bias w2·b1 + b2; the tracer records both and the curve of each. With an activation
between the layers the output bends. ``verify_activation_trace`` checks every curve
against ``torch.sigmoid``/``torch.tanh``/``torch.relu`` and ``nn.Sequential`` of ``nn.Linear``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

import torch
from torch import nn

from explain.mlcore.activation_params import ActivationParams
from explain.mlcore.params import params_to_dict
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested

# The value annotated on each activation curve: the input point closest to this.
PROBE_X = 1.0


def _sigmoid(x: torch.Tensor) -> torch.Tensor:
    return 1.0 / (1.0 + torch.exp(-x))


def _tanh(x: torch.Tensor) -> torch.Tensor:
    # (e^x − e^−x) / (e^x + e^−x) written with e^−2|x| <= 1 so that nothing overflows.
    e = torch.exp(-2.0 * x.abs())
    return torch.sign(x) * (1.0 - e) / (1.0 + e)


def _relu(x: torch.Tensor) -> torch.Tensor:
    return torch.clamp(x, min=0.0)


OWN: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "relu": _relu,
}
TORCH: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
}


def _layers(params: ActivationParams) -> tuple[torch.Tensor, ...]:
    """Short, readable weights; each hidden unit's kink (w1·x + b1 = 0) inside the range."""
    gen = torch.Generator().manual_seed(params.seed)
    h = params.hidden
    sizes = torch.tensor([0.5, 1.0, 1.5, 2.0], dtype=torch.float64)

    def signed(n: int, top: int) -> torch.Tensor:
        mag = sizes[torch.randint(0, top, (n,), generator=gen)]
        sign = torch.randint(0, 2, (n,), generator=gen).double() * 2 - 1
        return mag * sign

    w1 = signed(h, 4).reshape(h, 1)  # (H, 1)
    frac = torch.rand(h, generator=gen, dtype=torch.float64) * 0.6 + 0.2  # (H,)
    kinks = torch.round((params.x_min + frac * (params.x_max - params.x_min)) * 10) / 10
    b1 = torch.round(-w1[:, 0] * kinks * 100) / 100  # (H,)
    w2 = signed(h, 3).reshape(1, h)  # (1, H)
    b2 = torch.round((torch.rand(1, generator=gen, dtype=torch.float64) * 2 - 1) * 10) / 10
    return w1, b1, w2, b2  # b2: (1,)


class ActivationStep(TypedDict):
    """One activation's value at the probe point, written beside its curve."""

    name: str  # "sigmoid", "tanh" or "relu"
    x: float
    value: float


class ActivationExtra(TypedDict):
    probe_index: int  # the sample of x nearest PROBE_X


def activation_trace(params: ActivationParams) -> Trace:
    """Curves of sigmoid, tanh and ReLU, and a two-layer network with and without one."""
    x = torch.linspace(params.x_min, params.x_max, params.points, dtype=torch.float64)  # (G,)
    curves = {name: fn(x) for name, fn in OWN.items()}  # each (G,)
    w1, b1, w2, b2 = _layers(params)
    hidden = x[:, None] * w1[:, 0] + b1  # (G, H) first layer
    stacked = hidden @ w2[0] + b2  # (G,) second layer directly on the first
    composed_w = w2 @ w1  # (1, 1) the single equivalent layer
    composed_b = w2 @ b1 + b2  # (1,)
    composed = composed_w[0, 0] * x + composed_b  # (G,)
    bent = OWN[params.between](hidden) @ w2[0] + b2  # (G,) activation between the layers
    probe = int(torch.argmin((x - PROBE_X).abs()))
    return Trace(
        scene="activation",
        params=params_to_dict(params),
        tensors={
            "x": to_nested(x),
            "sigmoid": to_nested(curves["sigmoid"]),
            "tanh": to_nested(curves["tanh"]),
            "relu": to_nested(curves["relu"]),
            "w1": to_nested(w1),
            "b1": to_nested(b1),
            "w2": to_nested(w2),
            "b2": to_nested(b2),
            "hidden": to_nested(hidden),
            "stacked": to_nested(stacked),
            "composed_weight": to_nested(composed_w),
            "composed_bias": to_nested(composed_b),
            "composed": to_nested(composed),
            "bent": to_nested(bent),
        },
        steps=step_dicts(
            [
                ActivationStep(name=name, x=float(x[probe]), value=float(curves[name][probe]))
                for name in ("sigmoid", "tanh", "relu")
            ]
        ),
        extra=extra_dict(ActivationExtra(probe_index=probe)),
    )


def _linear(weight: list, bias: list) -> nn.Linear:
    w = torch.tensor(weight, dtype=torch.float64)  # (out, in)
    layer = nn.Linear(w.shape[1], w.shape[0], dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(w)
        layer.bias.copy_(torch.tensor(bias, dtype=torch.float64))
    return layer


def verify_activation_trace(trace: Trace, tol: float = 1e-9) -> None:
    """Raise AssertionError unless every curve and the composed layer agree with torch."""
    t = trace.tensors
    x = torch.tensor(t["x"], dtype=torch.float64)  # (G,)

    def check(name: str, expected: torch.Tensor) -> None:
        got = torch.tensor(t[name], dtype=torch.float64)
        if got.shape != expected.shape or not torch.allclose(got, expected, rtol=0, atol=tol):
            raise AssertionError(f"{name} disagrees with torch")

    for name, fn in TORCH.items():
        check(name, fn(x))
    first, second = _linear(t["w1"], t["b1"]), _linear(t["w2"], t["b2"])
    single = _linear(t["composed_weight"], t["composed_bias"])
    act = {"relu": nn.ReLU(), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh()}[trace.params["between"]]
    with torch.no_grad():
        check("hidden", first(x[:, None]))
        check("stacked", nn.Sequential(first, second)(x[:, None])[:, 0])
        check("composed", single(x[:, None])[:, 0])
        check("bent", nn.Sequential(first, act, second)(x[:, None])[:, 0])
        # The collapse itself: the single layer gives the stacked network's output.
        if not torch.allclose(single(x[:, None]), nn.Sequential(first, second)(x[:, None])):
            raise AssertionError("composed layer differs from the two stacked layers")
    for step in trace.steps_as(ActivationStep):
        i = trace.extra_as(ActivationExtra)["probe_index"]
        if step["x"] != t["x"][i] or step["value"] != t[step["name"]][i]:
            raise AssertionError("probe value is not the curve's value")
