"""CNN architectures traced with real forward (and backward) passes: shapes, costs, gradients.

Three traces: the course's MNIST network (feature maps and every shape), why Inception
uses 1×1 convolutions (multiplication counts from shapes, the four branches from a
forward pass), and a residual block (shapes, and gradient norms of a deep plain stack
against a residual stack from autograd). Every shape a scene shows is computed by
:mod:`mlcore.sizes` and checked against the real tensor.
"""

from __future__ import annotations

import math
from typing import NotRequired, TypedDict

import torch
import torch.nn.functional as F
from torch import nn

from explain.mlcore.cnn_params import CnnShapesParams, InceptionParams, ResidualParams
from explain.mlcore.cnn_training import DigitInputExtra, trained_weights, verify_digit_input
from explain.mlcore.digits import DigitSet, DigitsInfo, load_digits, normalize
from explain.mlcore.image import picture_or
from explain.mlcore.params import ParamError, params_to_dict
from explain.mlcore.sizes import conv_output_size
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested

DIGIT_SIZE = 28  # MNIST images are 28×28

# Strokes of each digit as polylines in a unit box (x right, y down), drawn like a pen would.
_ARC = [
    (0.5 + 0.32 * math.sin(t * math.pi / 8), 0.5 - 0.42 * math.cos(t * math.pi / 8))
    for t in range(17)
]
DIGIT_STROKES: dict[int, list[list[tuple[float, float]]]] = {
    0: [_ARC],
    1: [[(0.32, 0.22), (0.55, 0.08), (0.55, 0.92)]],
    2: [
        [(0.22, 0.25), (0.4, 0.1), (0.65, 0.1), (0.78, 0.28), (0.7, 0.48), (0.22, 0.9), (0.82, 0.9)]
    ],
    3: [
        [(0.22, 0.15), (0.6, 0.08), (0.76, 0.25), (0.62, 0.45), (0.42, 0.48)],
        [(0.42, 0.48), (0.72, 0.56), (0.78, 0.76), (0.6, 0.92), (0.2, 0.86)],
    ],
    4: [[(0.62, 0.92), (0.62, 0.08), (0.18, 0.66), (0.85, 0.66)]],
    5: [
        [(0.78, 0.1), (0.3, 0.1), (0.25, 0.45), (0.6, 0.42), (0.78, 0.62), (0.7, 0.86), (0.22, 0.9)]
    ],
    6: [
        [
            (0.7, 0.1),
            (0.4, 0.3),
            (0.25, 0.65),
            (0.4, 0.9),
            (0.68, 0.86),
            (0.74, 0.62),
            (0.5, 0.5),
            (0.28, 0.62),
        ]
    ],
    7: [[(0.18, 0.12), (0.82, 0.12), (0.45, 0.92)]],
    8: [
        [(0.5, 0.48), (0.25, 0.32), (0.32, 0.12), (0.68, 0.12), (0.75, 0.32), (0.5, 0.48)],
        [(0.5, 0.48), (0.22, 0.68), (0.32, 0.9), (0.68, 0.9), (0.78, 0.68), (0.5, 0.48)],
    ],
    9: [
        [
            (0.72, 0.38),
            (0.5, 0.5),
            (0.28, 0.38),
            (0.35, 0.12),
            (0.65, 0.1),
            (0.72, 0.38),
            (0.62, 0.92),
        ]
    ],
}
STROKE_RADIUS = 1.3  # pixels of full ink either side of a stroke's centre line
STROKE_SOFTNESS = 1.0  # pixels over which the ink fades to the background


def draw_digit(digit: int, seed: int, size: int = DIGIT_SIZE) -> torch.Tensor:
    """A handwritten-looking digit in [0, 1], shape (size, size): strokes jittered by ``seed``.

    Drawn procedurally so nothing is downloaded; the margin matches MNIST's (about 4 px).
    """
    gen = torch.Generator().manual_seed(seed)
    margin = 4.0
    scale = size - 2 * margin
    ys, xs = torch.meshgrid(
        torch.arange(size, dtype=torch.float64) + 0.5,
        torch.arange(size, dtype=torch.float64) + 0.5,
        indexing="ij",
    )  # (H, W) pixel centres
    dist = torch.full((size, size), float("inf"), dtype=torch.float64)  # (H, W)
    for stroke in DIGIT_STROKES[digit]:
        pts = torch.tensor(stroke, dtype=torch.float64)  # (P, 2) as (x, y)
        pts = (
            margin + scale * pts + 0.6 * torch.randn(pts.shape, generator=gen, dtype=torch.float64)
        )
        for a, b in zip(pts[:-1], pts[1:]):
            d = b - a
            t = ((xs - a[0]) * d[0] + (ys - a[1]) * d[1]) / max(float(d @ d), 1e-9)
            t = t.clamp(0.0, 1.0)  # (H, W) nearest point's position along the segment
            seg = torch.hypot(xs - (a[0] + t * d[0]), ys - (a[1] + t * d[1]))
            dist = torch.minimum(dist, seg)
    ink = 1.0 - (dist - STROKE_RADIUS) / STROKE_SOFTNESS
    return ink.clamp(0.0, 1.0)  # (H, W)


# --- cnn-shapes ---------------------------------------------------------------------------


class MnistNet(nn.Module):
    """conv 5×5 (10) → max pool 2 → ReLU → conv 5×5 (20) → max pool 2 → ReLU → linear 320→10."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.pooling = nn.MaxPool2d(2)
        self.fc = nn.Linear(320, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.size(0)
        x = F.relu(self.pooling(self.conv1(x)))  # (B, 10, 12, 12)
        x = F.relu(self.pooling(self.conv2(x)))  # (B, 20, 4, 4)
        out: torch.Tensor = self.fc(x.view(batch, -1))  # (B, 10)
        return out


def _mnist_forward(x: torch.Tensor, w: dict[str, torch.Tensor]) -> list[tuple[str, torch.Tensor]]:
    """Every intermediate of the course's forward, from weights given as tensors."""
    c1 = F.conv2d(x, w["conv1.weight"], w["conv1.bias"])  # (1, 10, 24, 24)
    p1 = F.relu(F.max_pool2d(c1, 2))  # (1, 10, 12, 12)
    c2 = F.conv2d(p1, w["conv2.weight"], w["conv2.bias"])  # (1, 20, 8, 8)
    p2 = F.relu(F.max_pool2d(c2, 2))  # (1, 20, 4, 4)
    flat = p2.reshape(1, -1)  # (1, 320)
    scores = F.linear(flat, w["fc.weight"], w["fc.bias"])  # (1, 10)
    return [
        ("conv1", c1),
        ("pool1", p1),
        ("conv2", c2),
        ("pool2", p2),
        ("flatten", flat),
        ("scores", scores),
    ]


# One stage of the course's MNIST network and the numbers its size comes from
# ("in" is a keyword, hence the functional form).
CnnLayer = TypedDict(
    "CnnLayer",
    {
        "name": str,  # conv1, pool1, conv2, pool2, flatten, scores: also its tensor's name
        "op": str,  # conv, pool, flatten or linear
        "kernel": NotRequired[int],  # conv and pool only, with stride and in
        "stride": NotRequired[int],
        "in": NotRequired[int],  # input height (= width)
        "in_features": NotRequired[int],  # linear only
        "shape": list[int],  # output (C, H, W) or (N,)
    },
)


class CnnStage(TypedDict):
    stage: str  # the layer's name
    shape: list[int]


class CnnShapesExtra(DigitInputExtra):
    layers: list[CnnLayer]
    input_shape: list[int]
    predicted: int  # argmax of the scores
    data: DigitsInfo


def mnist_layer_sizes(size: int = DIGIT_SIZE) -> list[CnnLayer]:
    """Each stage's shape from the size functions alone, with the numbers that give it."""
    c1 = conv_output_size(size, 5)
    p1 = conv_output_size(c1, 2, 2)
    c2 = conv_output_size(p1, 5)
    p2 = conv_output_size(c2, 2, 2)
    return [
        {
            "name": "conv1",
            "op": "conv",
            "kernel": 5,
            "stride": 1,
            "in": size,
            "shape": [10, c1, c1],
        },
        {"name": "pool1", "op": "pool", "kernel": 2, "stride": 2, "in": c1, "shape": [10, p1, p1]},
        {"name": "conv2", "op": "conv", "kernel": 5, "stride": 1, "in": p1, "shape": [20, c2, c2]},
        {"name": "pool2", "op": "pool", "kernel": 2, "stride": 2, "in": c2, "shape": [20, p2, p2]},
        {"name": "flatten", "op": "flatten", "shape": [20 * p2 * p2]},
        {"name": "scores", "op": "linear", "in_features": 20 * p2 * p2, "shape": [10]},
    ]


def _input_image(params: CnnShapesParams, data: DigitSet) -> tuple[torch.Tensor, int | None]:
    """The input in 0..1, (28, 28), and its true digit (None for the user's picture)."""
    if params.image:
        return picture_or(params.image, torch.zeros(1, DIGIT_SIZE, DIGIT_SIZE))[0].double(), None
    if params.input == "drawn":
        return draw_digit(params.digit, params.seed), params.digit
    return data.test_images[params.index].double(), int(data.test_labels[params.index])


def cnn_shapes_trace(params: CnnShapesParams) -> Trace:
    """A real forward pass of the trained network; shapes from sizes checked against it."""
    data = load_digits()
    weights, training = trained_weights(MnistNet, params.seed)
    image, label = _input_image(params, data)
    x = normalize(image)[None, None]  # (1, 1, 28, 28), as the network was trained
    with torch.no_grad():
        stages = _mnist_forward(x, weights)
    layers = mnist_layer_sizes()
    for layer, (name, tensor) in zip(layers, stages):
        if list(tensor.shape[1:]) != layer["shape"]:
            raise AssertionError(
                f"{name}: size function gives {layer['shape']}, torch {list(tensor.shape)}"
            )
    tensors = {"input": to_nested(x[0])}  # (1, 28, 28)
    tensors.update({name: to_nested(t[0]) for name, t in stages})
    tensors.update({name: to_nested(t) for name, t in weights.items()})
    return Trace(
        scene="cnn-shapes",
        params=params_to_dict(params),
        tensors=tensors,
        steps=step_dicts([CnnStage(stage=layer["name"], shape=layer["shape"]) for layer in layers]),
        extra=extra_dict(
            CnnShapesExtra(
                layers=layers,
                input_shape=[1, DIGIT_SIZE, DIGIT_SIZE],
                label=label,
                predicted=int(stages[-1][1].argmax()),
                training=training,
                data=data.info,
            )
        ),
    )


def verify_cnn_shapes_trace(trace: Trace) -> None:
    """Recompute the forward pass from the recorded weights; compare values and shapes; the
    label from the data, the prediction and the test accuracy from the recorded weights."""
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in trace.tensors.items()}
    weights = {k: v for k, v in t.items() if "." in k}
    stages = _mnist_forward(t["input"][None], weights)
    extra = trace.extra_as(CnnShapesExtra)
    for layer, (name, tensor) in zip(extra["layers"], stages):
        if list(tensor.shape[1:]) != layer["shape"] or list(t[name].shape) != layer["shape"]:
            raise AssertionError(f"{name}: recorded shape disagrees with torch's")
        if not torch.allclose(t[name], tensor[0], atol=1e-9):
            raise AssertionError(f"{name}: recorded values disagree with the forward pass")
    if extra["layers"] != mnist_layer_sizes():
        raise AssertionError("recorded layer sizes disagree with the size functions")
    if extra["predicted"] != int(t["scores"].argmax()):
        raise AssertionError("predicted is not the argmax of the scores")
    verify_digit_input(trace, weights)


# --- inception ----------------------------------------------------------------------------

# The course's Inception module: output channels of each branch.
BRANCH_1X1 = 16
BRANCH_5X5 = 24
BRANCH_3X3 = 24
BRANCH_POOL = 24


def conv_mults(out_shape: tuple[int, ...] | list[int], in_channels: int, kernel: int) -> int:
    """Multiplications of a convolution: one k·k·C_in dot product per output element."""
    c, h, w = out_shape
    return c * h * w * kernel * kernel * in_channels


class InceptionA(nn.Module):
    """The course's Inception module; branches' outputs are concatenated along channels."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch1x1 = nn.Conv2d(in_channels, BRANCH_1X1, kernel_size=1)
        self.branch5x5_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_2 = nn.Conv2d(16, BRANCH_5X5, kernel_size=5, padding=2)
        self.branch3x3_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch3x3_2 = nn.Conv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3_3 = nn.Conv2d(24, BRANCH_3X3, kernel_size=3, padding=1)
        self.branch_pool = nn.Conv2d(in_channels, BRANCH_POOL, kernel_size=1)

    def branches(self, x: torch.Tensor) -> list[tuple[str, list[torch.Tensor]]]:
        """Each branch's intermediate outputs in order, for shapes; the last is the branch's."""
        b1 = self.branch1x1(x)  # (N, 16, H, W)
        b5a = self.branch5x5_1(x)  # (N, 16, H, W)
        b5 = self.branch5x5_2(b5a)  # (N, 24, H, W)
        b3a = self.branch3x3_1(x)  # (N, 16, H, W)
        b3b = self.branch3x3_2(b3a)  # (N, 24, H, W)
        b3 = self.branch3x3_3(b3b)  # (N, 24, H, W)
        bpa = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)  # (N, C, H, W)
        bp = self.branch_pool(bpa)  # (N, 24, H, W)
        return [("1x1", [b1]), ("5x5", [b5a, b5]), ("3x3", [b3a, b3b, b3]), ("pool", [bpa, bp])]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [steps[-1] for _, steps in self.branches(x)]
        return torch.cat(outs, dim=1)  # (N, 88, H, W)


class PlanLayer(TypedDict):
    op: str  # "conv" or "avgpool"
    kernel: int
    in_channels: int
    shape: list[int]  # (C, H, W) from the size functions


class Branch(TypedDict):
    name: str
    layers: list[PlanLayer]
    measured: NotRequired[list[list[int]]]  # (C, H, W) of each layer, from torch


class InceptionCosts(TypedDict):
    input_shape: list[int]
    direct_shape: list[int]  # after the direct 5×5
    reduce_shape: list[int]  # after the 1×1 reduction
    after_shape: list[int]  # after the 5×5 on the reduced channels
    ratio: float  # direct / bottleneck
    direct: int  # multiplications
    reduce: int
    after: int
    bottleneck: int  # reduce + after


class InceptionExtra(TypedDict):
    costs: InceptionCosts
    branches: list[Branch]
    concat_shape: list[int]


class ResidualExtra(TypedDict):
    shapes: dict[str, list[int]]  # x and each part of the block, (C, H, W)
    size_from_formula: list[int]
    log10_grad_norms: dict[str, list[float]]  # "plain"/"residual" -> per layer


def inception_plan(c: int, n: int) -> list[Branch]:
    """Each branch's layers with the shapes the size functions give (same padding)."""

    def conv(kind: str, cin: int, cout: int, k: int, pad: int, stride: int = 1) -> PlanLayer:
        o = conv_output_size(n, k, stride, pad)
        return PlanLayer(op=kind, kernel=k, in_channels=cin, shape=[cout, o, o])

    return [
        Branch(name="1x1", layers=[conv("conv", c, BRANCH_1X1, 1, 0)]),
        Branch(name="5x5", layers=[conv("conv", c, 16, 1, 0), conv("conv", 16, BRANCH_5X5, 5, 2)]),
        Branch(
            name="3x3",
            layers=[
                conv("conv", c, 16, 1, 0),
                conv("conv", 16, 24, 3, 1),
                conv("conv", 24, BRANCH_3X3, 3, 1),
            ],
        ),
        Branch(
            name="pool",
            layers=[conv("avgpool", c, c, 3, 1), conv("conv", c, BRANCH_POOL, 1, 0)],
        ),
    ]


def inception_costs(p: InceptionParams) -> dict[str, int]:
    """Multiplications from shapes: direct 5×5 against 1×1 reduction then 5×5."""
    n = conv_output_size(p.size, 5, 1, 2)  # same padding keeps the size
    direct = conv_mults((p.out_channels, n, n), p.in_channels, 5)
    reduce = conv_mults((p.reduce_channels, n, n), p.in_channels, 1)
    after = conv_mults((p.out_channels, n, n), p.reduce_channels, 5)
    return {"direct": direct, "reduce": reduce, "after": after, "bottleneck": reduce + after}


def inception_trace(params: InceptionParams) -> Trace:
    """Costs from shapes; branch shapes from a real forward pass of the seeded module."""
    c, n = params.in_channels, params.size
    with torch.random.fork_rng():
        torch.manual_seed(params.seed)
        module = InceptionA(c)
        x = torch.randn(1, c, n, n)  # (1, C, H, W)
        direct = nn.Conv2d(c, params.out_channels, 5, padding=2)
        reduce = nn.Conv2d(c, params.reduce_channels, 1)
        after = nn.Conv2d(params.reduce_channels, params.out_channels, 5, padding=2)
    with torch.no_grad():
        y_direct = direct(x)  # (1, out, H, W)
        y_reduce = reduce(x)  # (1, reduce, H, W)
        y_after = after(y_reduce)  # (1, out, H, W)
        branches = module.branches(x)
        y = module(x)  # (1, 88, H, W)
    costs = inception_costs(params)
    # The same counts from the real tensors: output elements × weights per output element.
    real = {
        "direct": y_direct.numel() * direct.weight[0].numel(),
        "reduce": y_reduce.numel() * reduce.weight[0].numel(),
        "after": y_after.numel() * after.weight[0].numel(),
    }
    for key, value in real.items():
        if costs[key] != value:
            raise AssertionError(
                f"{key}: {costs[key]} multiplications from shapes, {value} from tensors"
            )
    plan = inception_plan(c, n)
    for entry, (name, outs) in zip(plan, branches):
        entry["measured"] = [list(t.shape[1:]) for t in outs]
        if entry["measured"] != [layer["shape"] for layer in entry["layers"]]:
            raise AssertionError(f"branch {name}: size functions disagree with torch")
    concat = [sum(e["layers"][-1]["shape"][0] for e in plan), n, n]
    if list(y.shape[1:]) != concat:
        raise AssertionError("concatenated shape disagrees with torch")
    comparison = InceptionCosts(
        input_shape=[c, n, n],
        direct_shape=list(y_direct.shape[1:]),
        reduce_shape=list(y_reduce.shape[1:]),
        after_shape=list(y_after.shape[1:]),
        ratio=costs["direct"] / costs["bottleneck"],
        direct=costs["direct"],
        reduce=costs["reduce"],
        after=costs["after"],
        bottleneck=costs["bottleneck"],
    )
    return Trace(
        scene="inception",
        params=params_to_dict(params),
        tensors={"branch_channels": [e["layers"][-1]["shape"][0] for e in plan]},
        steps=[{"branch": e["name"], "shape": e["layers"][-1]["shape"]} for e in plan],
        extra=extra_dict(
            InceptionExtra(costs=comparison, branches=plan, concat_shape=list(y.shape[1:]))
        ),
    )


def verify_inception_trace(trace: Trace) -> None:
    """Re-run the seeded module and the direct formula; compare every count and shape."""
    p = InceptionParams(**trace.params)
    again = inception_trace(p)
    if again.to_json() != trace.to_json():
        raise AssertionError("inception trace differs from a fresh forward pass")
    costs = trace.extra_as(InceptionExtra)["costs"]
    s, cin, cout, red = p.size, p.in_channels, p.out_channels, p.reduce_channels
    if costs["direct"] != s * s * cout * 5 * 5 * cin:
        raise AssertionError("direct 5×5 multiplication count is wrong")
    if costs["bottleneck"] != s * s * red * cin + s * s * cout * 5 * 5 * red:
        raise AssertionError("bottleneck multiplication count is wrong")
    if trace.extra_as(InceptionExtra)["concat_shape"][0] != sum(trace.tensors["branch_channels"]):
        raise AssertionError("concatenation channels are not the sum of the branches")


# --- residual -----------------------------------------------------------------------------


class ResidualBlock(nn.Module):
    """conv 3×3 → ReLU → conv 3×3 gives F(x); the block returns ReLU(F(x) + x).

    No biases, as in ResNet (batch norm follows there): with PyTorch's default biases a deep
    plain stack drifts to a constant that a ReLU can switch off entirely.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)

    def parts(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        y = F.relu(self.conv1(x))  # (N, C, H, W)
        fx = self.conv2(y)  # (N, C, H, W)
        hx = fx + x  # (N, C, H, W) needs equal shapes: the skip adds x unchanged
        return {"conv1": y, "F": fx, "H": hx, "out": F.relu(hx)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.parts(x)["out"]


class PlainLayer(nn.Module):
    """The same two convolutions without the skip: ReLU(conv(ReLU(conv(x))))."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv2(F.relu(self.conv1(x))))


def _gradient_norms(layers: list[nn.Module], x0: torch.Tensor) -> list[float]:
    """‖∂L/∂h_l‖ for the input (l = 0) and every layer's output, L = sum of the last output."""
    hs = [x0.clone().requires_grad_(True)]
    for layer in layers:
        h = layer(hs[-1])  # (1, C, H, W)
        h.retain_grad()
        hs.append(h)
    hs[-1].sum().backward()
    norms = []
    for h in hs:
        if h.grad is None:
            raise AssertionError("autograd did not reach a layer")
        norms.append(float(h.grad.norm()))
    return norms


def _residual_setup(
    p: ResidualParams,
) -> tuple[torch.Tensor, ResidualBlock, list[nn.Module], list[nn.Module]]:
    with torch.random.fork_rng():
        torch.manual_seed(p.seed)
        x = torch.randn(1, p.channels, p.size, p.size, dtype=torch.float64)  # (1, C, H, W)
        block = ResidualBlock(p.channels).double()
        plain: list[nn.Module] = [PlainLayer(p.channels).double() for _ in range(p.depth)]
        residual: list[nn.Module] = [ResidualBlock(p.channels).double() for _ in range(p.depth)]
    return x, block, plain, residual


def residual_trace(params: ResidualParams) -> Trace:
    """Shapes of one block's real tensors, then gradient norms of both stacks by autograd."""
    x, block, plain, residual = _residual_setup(params)
    with torch.no_grad():
        parts = block.parts(x)
    n = conv_output_size(params.size, 3, 1, 1)
    expected = [params.channels, n, n]
    shapes = {"x": list(x.shape[1:]), **{k: list(v.shape[1:]) for k, v in parts.items()}}
    for name, shape in shapes.items():
        if shape != expected:
            raise AssertionError(f"{name}: shape {shape}, size functions give {expected}")
    plain_norms = _gradient_norms(plain, x)
    residual_norms = _gradient_norms(residual, x)
    for norms in (plain_norms, residual_norms):
        if not all(math.isfinite(v) and v > 0 for v in norms):
            raise ParamError(
                "seed",
                "a stack switched off every ReLU of a layer, so the gradient is exactly 0;"
                " try another seed, more channels or a larger size",
            )
    log10 = {
        "plain": [math.log10(v) for v in plain_norms],
        "residual": [math.log10(v) for v in residual_norms],
    }
    return Trace(
        scene="residual",
        params=params_to_dict(params),
        tensors={"plain_grad_norms": plain_norms, "residual_grad_norms": residual_norms},
        steps=[{"layer": i} for i in range(params.depth + 1)],
        extra=extra_dict(
            ResidualExtra(shapes=shapes, size_from_formula=expected, log10_grad_norms=log10)
        ),
    )


def verify_residual_trace(trace: Trace) -> None:
    """Recompute both stacks' gradients with torch.autograd.grad and compare."""
    p = ResidualParams(**trace.params)
    x, _, plain, residual = _residual_setup(p)
    for name, layers in (("plain", plain), ("residual", residual)):
        recorded = trace.tensors[f"{name}_grad_norms"]
        xi = x.clone().requires_grad_(True)
        h = xi
        for layer in layers:
            h = layer(h)
        (grad,) = torch.autograd.grad(h.sum(), xi)  # (1, C, H, W) gradient at the input
        if not math.isclose(float(grad.norm()), recorded[0], rel_tol=1e-9):
            raise AssertionError(f"{name}: input gradient norm disagrees with autograd")
        if len(recorded) != p.depth + 1:
            raise AssertionError(f"{name}: expected one norm per layer")
