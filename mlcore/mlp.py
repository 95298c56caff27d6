"""The course's fully connected MNIST classifier, trained on real handwritten digits.

``x.view(-1, 784)``, then Linear layers (784 → 512 → 256 → 128 → 64 → 10 by default)
with ReLU between them, cross-entropy and SGD with momentum over a shuffled DataLoader;
the test accuracy after every epoch, and a few test images with their logits, softmax
and predicted digit. Training runs in float32 on one thread (see ``threads.one_thread``),
so the verifier's independent replay of the whole run gives the same numbers.
"""

from __future__ import annotations

import math
from typing import Any, TypedDict

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from explain.mlcore.digit_sizes import PIXELS
from explain.mlcore.digits import (
    MEAN,
    STD,
    DigitSet,
    DigitsInfo,
    load_digits,
    normalize,
)
from explain.mlcore.mlp_params import MlpParams
from explain.mlcore.params import ParamError, params_to_dict
from explain.mlcore.threads import one_thread
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested

SHOWN = 4  # test images drawn with their softmax bars


class Net(nn.Module):
    """The course's Net: Linear layers with ReLU between them, logits out (no softmax)."""

    def __init__(self, sizes: tuple[int, ...]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.view(-1, PIXELS)  # (B, 1, 28, 28) -> (B, 784)
        for layer in self.layers[:-1]:
            x = F.relu(layer(x))
        out: torch.Tensor = self.layers[-1](x)  # (B, 10)
        return out


class MlpEpoch(TypedDict):
    """One training epoch: its mean training loss and the test accuracy after it."""

    epoch: int  # 1-based
    loss: float
    accuracy: float


class MlpNormalize(TypedDict):
    mean: float  # the course's Normalize((0.1307,), (0.3081,))
    std: float


class MlpExtra(TypedDict):
    data: DigitsInfo
    normalize: MlpNormalize
    parameters: int  # weights and biases of all layers


def _train(net: Net, data: DigitSet, p: MlpParams) -> tuple[list[float], list[float]]:
    """Epochs of SGD; the mean training loss and the test accuracy after each."""
    train = TensorDataset(normalize(data.train_images)[:, None], data.train_labels)
    loader = DataLoader(
        train,
        batch_size=p.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(p.seed),
    )
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=p.lr, momentum=p.momentum)
    test_x = normalize(data.test_images)[:, None]  # (T, 1, 28, 28)
    losses, accuracy = [], []
    for _ in range(p.epochs):
        total = 0.0
        for x, y in loader:
            loss = criterion(net(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
        losses.append(total / len(train))
        if not math.isfinite(losses[-1]):
            raise ParamError("lr", f"training diverged at lr={p.lr:g}: try a smaller lr")
        with torch.no_grad():
            correct = (net(test_x).argmax(dim=1) == data.test_labels).sum().item()
        accuracy.append(correct / len(test_x))
    return losses, accuracy


def mlp_trace(params: MlpParams) -> Trace:
    """Train the MLP with the seed's weights and shuffling; record the run and a few tests."""
    data = load_digits(params.data)
    with one_thread(), torch.random.fork_rng():
        torch.manual_seed(params.seed)
        net = Net(params.sizes)
        losses, accuracy = _train(net, data, params)
        images = data.test_images[:SHOWN]  # (S, 28, 28) in 0..1
        x = normalize(images)[:, None]  # (S, 1, 28, 28)
        with torch.no_grad():
            logits = net(x)  # (S, 10)
    probs = F.softmax(logits, dim=1)
    if not torch.isfinite(logits).all():
        raise ParamError("lr", f"training diverged at lr={params.lr:g}: try a smaller lr")
    extra = MlpExtra(
        data=data.info,
        normalize=MlpNormalize(mean=MEAN, std=STD),
        parameters=sum(a * b + b for a, b in zip(params.sizes[:-1], params.sizes[1:])),
    )
    steps = [
        MlpEpoch(epoch=e + 1, loss=losses[e], accuracy=accuracy[e]) for e in range(len(losses))
    ]
    return Trace(
        scene="mlp",
        params=params_to_dict(params),
        tensors={
            "accuracy": accuracy,
            "loss": losses,
            "images": to_nested(images),
            "flat": to_nested(x.view(-1, PIXELS)[0]),  # what x.view(-1, 784) gives image 0
            "labels": to_nested(data.test_labels[:SHOWN]),
            "logits": to_nested(logits),
            "probs": to_nested(probs),
            "predicted": to_nested(logits.argmax(dim=1)),
        },
        steps=step_dicts(steps),
        extra=extra_dict(extra),
    )


def verify_mlp_trace(trace: Trace) -> None:
    """Replay the whole run with plain torch (nn.Sequential, F.cross_entropy, optim.SGD,
    DataLoader) from the parameters alone, and compare every recorded number."""
    p = trace.params
    data = load_digits(p["data"])
    norm = trace.extra_as(MlpExtra)["normalize"]
    mean, std = norm["mean"], norm["std"]
    layers: list[nn.Module] = []
    with one_thread(), torch.random.fork_rng():
        torch.manual_seed(p["seed"])
        for a, b in zip(p["sizes"][:-1], p["sizes"][1:]):
            layers += [nn.Linear(a, b), nn.ReLU()]
        model = nn.Sequential(nn.Flatten(), *layers[:-1])  # no ReLU after the last layer
        losses, accuracy = _replay(model, data, p, mean, std)
        shown = torch.tensor(trace.tensors["images"], dtype=torch.float32)  # (S, 28, 28)
        with torch.no_grad():
            logits = model((shown[:, None] - mean) / std)  # (S, 10)
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in trace.tensors.items()}
    _close(t["loss"], torch.tensor(losses, dtype=torch.float64), "loss per epoch")
    _close(t["accuracy"], torch.tensor(accuracy, dtype=torch.float64), "test accuracy")
    if not torch.equal(shown, data.test_images[: len(shown)]):
        raise AssertionError("images are not the first test images as read")
    if not torch.equal(t["labels"].long(), data.test_labels[: len(shown)]):
        raise AssertionError("labels are not the test images' labels")
    _close(t["flat"], ((shown[0] - mean) / std).reshape(-1).double(), "x.view(-1, 784)")
    _close(t["logits"], logits.double(), "logits")
    _close(t["probs"], F.softmax(t["logits"], dim=1), "probs")
    if not torch.equal(t["predicted"].long(), t["logits"].argmax(dim=1)):
        raise AssertionError("predicted is not the argmax of the logits")


def _replay(
    model: nn.Module, data: DigitSet, p: dict[str, Any], mean: float, std: float
) -> tuple[list[float], list[float]]:
    x = (data.train_images[:, None] - mean) / std  # (N, 1, 28, 28)
    gen = torch.Generator().manual_seed(p["seed"])
    loader = DataLoader(
        TensorDataset(x, data.train_labels), batch_size=p["batch_size"], shuffle=True, generator=gen
    )
    opt = torch.optim.SGD(model.parameters(), lr=p["lr"], momentum=p["momentum"])
    test_x = (data.test_images[:, None] - mean) / std
    losses, accuracy = [], []
    for _ in range(p["epochs"]):
        seen = 0.0
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen += loss.item() * len(yb)
        losses.append(seen / len(x))
        with torch.no_grad():
            hits = model(test_x).argmax(dim=1).eq(data.test_labels).sum().item()
        accuracy.append(hits / len(test_x))
    return losses, accuracy


def _close(got: torch.Tensor, want: torch.Tensor, what: str) -> None:
    if got.shape != want.shape or not torch.allclose(got, want, rtol=1e-5, atol=1e-6):
        raise AssertionError(f"{what}: recorded values disagree with the replay")
