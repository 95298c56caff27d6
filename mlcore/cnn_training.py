"""The course's MNIST CNN trained on the real digits of :mod:`mlcore.digits`, so that the
ten scores cnn-shapes shows mean something.

Seeded, in float32 on one thread, five epochs of SGD with momentum on the 1437 training
digits (about a second); the trained weights are kept for the rest of the process, and a
scene's verified trace is kept on disk by the trace cache. The network comes in as a
factory so that this module does not depend on the one that draws its shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TypedDict

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from explain.mlcore.digits import load_digits, normalize
from explain.mlcore.threads import one_thread
from explain.mlcore.trace import Trace


class CnnSettings(TypedDict):
    epochs: int
    lr: float
    momentum: float
    batch_size: int


class CnnTraining(CnnSettings):
    """How the weights were trained, as recorded in the trace."""

    seed: int
    test_accuracy: float  # on the 360 test digits


class DigitInputExtra(TypedDict):
    """The part of a trained-digit trace's extra that verify_digit_input checks."""

    label: int | None  # the input's true digit; None for the user's picture
    training: CnnTraining


# Chosen by measurement: 98 % test accuracy after 5 epochs (the course's lr 0.01 and
# momentum 0.5 need several times as many epochs on 1437 images).
CNN_TRAINING = CnnSettings(epochs=5, lr=0.05, momentum=0.9, batch_size=64)


def trained_weights(
    make_net: Callable[[], nn.Module], seed: int
) -> tuple[dict[str, torch.Tensor], CnnTraining]:
    """The state_dict (float64) of ``make_net()`` trained with ``seed``, and how it trained.

    Trained once per process; the caller gets its own dicts (a trace's extra is edited by
    whoever holds it), the tensors are shared and never modified."""
    weights, info = _trained(make_net, seed)
    return dict(weights), info.copy()


@cache
def _trained(
    make_net: Callable[[], nn.Module], seed: int
) -> tuple[dict[str, torch.Tensor], CnnTraining]:
    data = load_digits()
    with one_thread(), torch.random.fork_rng():
        torch.manual_seed(seed)
        net = make_net()
        gen = torch.Generator().manual_seed(seed)
        dataset = TensorDataset(normalize(data.train_images)[:, None], data.train_labels)
        loader = DataLoader(
            dataset, batch_size=CNN_TRAINING["batch_size"], shuffle=True, generator=gen
        )
        opt = torch.optim.SGD(
            net.parameters(), lr=CNN_TRAINING["lr"], momentum=CNN_TRAINING["momentum"]
        )
        for _ in range(CNN_TRAINING["epochs"]):
            for x, y in loader:
                loss = F.cross_entropy(net(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
    weights = {k: v.detach().double() for k, v in net.state_dict().items()}
    info = CnnTraining(
        epochs=CNN_TRAINING["epochs"],
        lr=CNN_TRAINING["lr"],
        momentum=CNN_TRAINING["momentum"],
        batch_size=CNN_TRAINING["batch_size"],
        seed=seed,
        test_accuracy=digits_test_accuracy(weights),
    )
    return weights, info


def _batch_forward(x: torch.Tensor, w: dict[str, torch.Tensor]) -> torch.Tensor:
    """The course's forward for a batch (B, 1, 28, 28) -> (B, 10), from the weights alone."""
    h = F.relu(F.max_pool2d(F.conv2d(x, w["conv1.weight"], w["conv1.bias"]), 2))
    h = F.relu(F.max_pool2d(F.conv2d(h, w["conv2.weight"], w["conv2.bias"]), 2))
    return F.linear(h.flatten(1), w["fc.weight"], w["fc.bias"])  # (B, 10)


def digits_test_accuracy(weights: dict[str, torch.Tensor]) -> float:
    """The share of the 360 test digits whose highest score is their label."""
    data = load_digits()
    with torch.no_grad():
        scores = _batch_forward(normalize(data.test_images.double())[:, None], weights)
    return float((scores.argmax(dim=1) == data.test_labels).double().mean())


def verify_digit_input(trace: Trace, weights: dict[str, torch.Tensor]) -> None:
    """The input is the test digit it claims (or the drawn one), with its label; the recorded
    test accuracy is what the recorded weights give."""
    p, extra = trace.params, trace.extra_as(DigitInputExtra)
    shown = torch.tensor(trace.tensors["input"], dtype=torch.float64)  # (1, 28, 28)
    if p.get("image"):  # the user's picture, read when the trace was built: no label
        if extra["label"] is not None:
            raise AssertionError("a picture has no label")
    elif p["input"] == "test":
        data = load_digits()
        want = normalize(data.test_images[p["index"]].double())
        if not torch.allclose(shown[0], want, atol=1e-12):
            raise AssertionError("input is not the test digit at index")
        if extra["label"] != int(data.test_labels[p["index"]]):
            raise AssertionError("label is not the test digit's label")
    elif extra["label"] != p["digit"]:
        raise AssertionError("label is not the drawn digit")
    if abs(extra["training"]["test_accuracy"] - digits_test_accuracy(weights)) > 1e-12:
        raise AssertionError("test accuracy disagrees with the recorded weights")
