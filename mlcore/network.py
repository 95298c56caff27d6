"""Any small sequential model from a layer spec, traced with a real forward pass.

The spec (mlcore/netspec.py) becomes an ``nn.Sequential`` with seeded weights; it runs on
the input (the user's picture or a seeded drawn digit), and every layer's output shape from
the size formula is checked against the real tensor. The verifier rebuilds the model module
by module from the shapes of the tensors themselves, runs it with hooks and compares every
recorded value, shape, parameter count and multiplication count.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NotRequired, TypedDict, cast

import torch
import torch.nn.functional as F
from torch import nn

from explain.mlcore.cnn import draw_digit
from explain.mlcore.image import picture_or
from explain.mlcore.netspec import (
    LayerSpec,
    parse_input,
    parse_layers,
)
from explain.mlcore.network_params import NetworkParams
from explain.mlcore.params import params_to_dict
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested

# Feature maps drawn per layer: more would be too small to read at 480p (said on screen).
MAX_DRAWN_CHANNELS = 8
DIGIT = 3  # the seeded input is a drawn digit, as in cnn-shapes
MIN_DIGIT_SIZE = 12  # below this a digit is a blur: the seeded input is uniform noise


class NetworkLayer(TypedDict):
    """One layer as planned by netspec.plan_layers, plus what the tracer adds."""

    op: str
    text: str  # the layer as the user typed it
    position: int  # 1-based, in the spec
    in_shape: list[int]
    kernel: NotRequired[int]  # conv and pooling only, with stride and padding
    stride: NotRequired[int]
    padding: NotRequired[int]
    shape: list[int]  # output shape from the size formula (checked against torch)
    params: int
    mults: int
    in_features: NotRequired[int]  # linear only
    tensor: str  # name of the tensor holding its (drawn) output
    drawn_channels: NotRequired[int]  # feature maps only: how many channels are drawn


class NetworkStep(TypedDict):
    layer: int  # the layer's position
    shape: list[int]


class NetworkTotals(TypedDict):
    params: int
    mults: int


class NetworkExtra(TypedDict):
    input_shape: list[int]
    layers: list[NetworkLayer]
    totals: NetworkTotals
    channel_cap: int  # at most this many channels of a layer are drawn


def layer_module(spec: LayerSpec, in_shape: list[int]) -> nn.Module:
    """The torch module of one planned layer (its input's channels or features given)."""
    if spec.op == "conv":
        return nn.Conv2d(in_shape[0], spec.out, spec.kernel, spec.stride, spec.padding)
    if spec.op == "linear":
        return nn.Linear(in_shape[0], spec.out)
    return _PARAMETER_FREE[spec.op](spec)


# The layers without weights, by op: nothing to size from the input.
_PARAMETER_FREE: dict[str, Callable[[LayerSpec], nn.Module]] = {
    "maxpool": lambda s: nn.MaxPool2d(s.kernel),
    "avgpool": lambda s: nn.AvgPool2d(s.kernel),
    "relu": lambda s: nn.ReLU(),
    "sigmoid": lambda s: nn.Sigmoid(),
    "tanh": lambda s: nn.Tanh(),
    "flatten": lambda s: nn.Flatten(),
    "softmax": lambda s: nn.Softmax(dim=1),
}


def seeded_input(shape: tuple[int, int, int], seed: int) -> torch.Tensor:
    """A drawn digit in [0, 1], centre-cropped to (C, H, W) and the same in every channel."""
    c, h, w = shape
    side = max(h, w)
    if side < MIN_DIGIT_SIZE:
        gen = torch.Generator().manual_seed(seed)
        return torch.rand(c, h, w, generator=gen, dtype=torch.float64)  # (C, H, W)
    digit = draw_digit(DIGIT, seed, side)  # (side, side)
    top, left = (side - h) // 2, (side - w) // 2
    return digit[top : top + h, left : left + w].expand(c, h, w).contiguous()  # (C, H, W)


def drawn(values: torch.Tensor) -> torch.Tensor:
    """What the scene draws of one layer's output: the first channels of maps, all of a vector."""
    return values[:MAX_DRAWN_CHANNELS] if values.dim() == 3 else values


def network_trace(params: NetworkParams) -> Trace:
    """Run the seeded model on the input, one recorded entry and feature map per layer."""
    specs, shape, plan = params.plan()
    with torch.random.fork_rng():
        torch.manual_seed(params.seed)
        net = nn.Sequential(*[layer_module(s, e["in_shape"]) for s, e in zip(specs, plan)])
    net = net.double()
    x = picture_or(params.image, seeded_input(shape, params.seed))  # (C, H, W)
    tensors: dict[str, Any] = {"input": to_nested(x)}
    h = x[None]  # (1, C, H, W)
    with torch.no_grad():
        for index, (layer, entry) in enumerate(zip(net, plan), start=1):
            h = layer(h)  # (1, *shape)
            if list(h.shape[1:]) != entry["shape"]:
                raise AssertionError(
                    f"layer {index}: size formula gives {entry['shape']}, torch {list(h.shape)}"
                )
            if sum(p.numel() for p in layer.parameters()) != entry["params"]:
                raise AssertionError(f"layer {index}: parameter count disagrees with the module")
            name = f"layer{index}"
            tensors[name] = to_nested(drawn(h[0]))
            entry["tensor"] = name
            if len(entry["shape"]) == 3:
                entry["drawn_channels"] = min(entry["shape"][0], MAX_DRAWN_CHANNELS)
    totals = NetworkTotals(
        params=sum(e["params"] for e in plan), mults=sum(e["mults"] for e in plan)
    )
    steps = [NetworkStep(layer=e["position"], shape=e["shape"]) for e in plan]
    return Trace(
        scene="network",
        params=params_to_dict(params),
        tensors=tensors,
        steps=step_dicts(steps),
        extra=extra_dict(
            NetworkExtra(
                input_shape=list(shape),
                # netspec plans plain dicts (its keys depend on the op); the loop above
                # completed each to a NetworkLayer.
                layers=cast(list[NetworkLayer], plan),
                totals=totals,
                channel_cap=MAX_DRAWN_CHANNELS,
            )
        ),
    )


def _module_from_tensors(spec: LayerSpec, h: torch.Tensor) -> nn.Module:
    """The layer for input ``h`` (1, ...), its sizes read from the tensor, not the plan."""
    if spec.op == "conv":
        conv = nn.Conv2d(
            h.shape[1], spec.out, spec.kernel, stride=spec.stride, padding=spec.padding
        )
        return conv
    if spec.op == "linear":
        return nn.Linear(h.shape[1], spec.out)
    if spec.op in ("maxpool", "avgpool"):
        pool = F.max_pool2d if spec.op == "maxpool" else F.avg_pool2d
        return _Function(lambda t: pool(t, spec.kernel, spec.kernel))
    functions = {
        "relu": F.relu,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "flatten": lambda t: t.reshape(t.shape[0], -1),
        "softmax": lambda t: F.softmax(t, dim=1),
    }
    return _Function(functions[spec.op])


class _Function(nn.Module):
    """A parameter-free layer as a plain function (the verifier's own route, not nn's)."""

    def __init__(self, fn: Any) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.fn(t)


def verify_network_trace(trace: Trace) -> None:
    """Rebuild the model from the spec and the tensors' own shapes; compare every record."""
    prm = trace.params
    specs = parse_layers(prm["layers"])
    extra = trace.extra_as(NetworkExtra)
    recorded = extra["layers"]
    x = torch.tensor(trace.tensors["input"], dtype=torch.float64)  # (C, H, W)
    if list(x.shape) != list(parse_input(prm["input"])) or len(recorded) != len(specs):
        raise AssertionError("input shape or number of layers disagrees with the spec")
    totals = extra["totals"]
    if totals["params"] != sum(e["params"] for e in recorded):
        raise AssertionError("total params is not the sum of the layers'")
    if totals["mults"] != sum(e["mults"] for e in recorded):
        raise AssertionError("total mults is not the sum of the layers'")
    h = x[None]  # (1, C, H, W)
    with torch.random.fork_rng():
        torch.manual_seed(prm["seed"])
        modules = []
        for spec in specs:
            module = _module_from_tensors(spec, h).double()
            with torch.no_grad():
                h = module(h)
            modules.append((module, h))
    for index, (entry, (module, out)) in enumerate(zip(recorded, modules), start=1):
        _check_layer(trace, index, entry, module, out[0])
    if extra["input_shape"] != list(x.shape):
        raise AssertionError("recorded input shape disagrees with the input tensor")


def _check_layer(
    trace: Trace, index: int, entry: NetworkLayer, module: nn.Module, out: torch.Tensor
) -> None:
    if entry["shape"] != list(out.shape):
        raise AssertionError(f"layer {index}: recorded shape {entry['shape']}, torch {out.shape}")
    if entry["params"] != sum(p.numel() for p in module.parameters()):
        raise AssertionError(f"layer {index}: parameter count disagrees with nn's module")
    weight = getattr(module, "weight", None)
    # One dot product of a weight row (or kernel) per output value.
    mults = out.numel() * weight[0].numel() if weight is not None else 0
    if entry["mults"] != mults:
        raise AssertionError(f"layer {index}: {entry['mults']} multiplications, torch {mults}")
    got = torch.tensor(trace.tensors[entry["tensor"]], dtype=torch.float64)
    expected = drawn(out)
    if got.shape != expected.shape or not torch.allclose(got, expected, rtol=0.0, atol=1e-9):
        raise AssertionError(f"layer {index}: recorded values disagree with the forward pass")
    if not math.isfinite(float(out.abs().sum())):
        raise AssertionError(f"layer {index}: the forward pass is not finite")
